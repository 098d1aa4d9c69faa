// {{name}}: summarises each file put into its bucket (bytes, lines, words) into the results
// bucket (RESULTS_BUCKET) as `<key>.summary.json`. The event is an S3 notification.
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

const s3 = new S3Client({});
const results = process.env.RESULTS_BUCKET;

export const handler = async (event) => {
  const written = [];
  for (const record of event.Records ?? []) {
    const bucket = record.s3.bucket.name;
    // Keys in S3 events are URL-encoded, with spaces as `+`.
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = await object.Body.transformToString();
    const summary = {
      source: `s3://${bucket}/${key}`,
      bytes: Buffer.byteLength(text),
      lines: text === "" ? 0 : text.split("\n").length,
      words: text.split(/\s+/).filter(Boolean).length,
    };
    const target = `${key}.summary.json`;
    await s3.send(
      new PutObjectCommand({
        Bucket: results,
        Key: target,
        Body: JSON.stringify(summary, null, 2),
        ContentType: "application/json",
      }),
    );
    console.log(`summarised s3://${bucket}/${key} into s3://${results}/${target}`);
    written.push(target);
  }
  return { written };
};
