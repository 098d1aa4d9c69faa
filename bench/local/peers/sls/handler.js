// The trivial JSON handler, for serverless-offline (an API Gateway HTTP API event).
exports.hello = async () => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ hello: "world" }),
});
