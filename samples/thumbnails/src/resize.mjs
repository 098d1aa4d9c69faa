// resize: works out the thumbnail size for an image.
// Triggered by HTTP (GET /resize?width=1920&height=1080) and by uploads of .jpg files.

const MAX_WIDTH = Number(process.env.MAX_WIDTH ?? 320);

export const handler = async (event, context) => {
  if (event.Records) {
    // An S3 upload notification: one record per uploaded object.
    const keys = event.Records.map((record) => record.s3.object.key);
    console.log(`would resize ${keys.length} upload(s) into ${process.env.THUMBS_BUCKET}`, keys);
    return { resized: keys };
  }

  const query = event.queryStringParameters ?? {};
  const width = Number(query.width ?? 1920);
  const height = Number(query.height ?? 1080);
  const scale = Math.min(1, MAX_WIDTH / width);
  const thumbnail = { width: Math.round(width * scale), height: Math.round(height * scale) };
  console.log("thumbnail", thumbnail, "remaining ms", context.getRemainingTimeInMillis());
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(thumbnail),
  };
};
