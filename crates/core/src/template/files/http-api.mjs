// {{name}}: an HTTP API over a DynamoDB table (TABLE_NAME). The event is an API Gateway HTTP
// API (2.0) payload; the AWS SDK comes with the Lambda runtime (and with Functory locally).
import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";

const table = process.env.TABLE_NAME;
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));

const reply = (statusCode, body) => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

export const handler = async (event) => {
  const method = event.requestContext?.http?.method ?? "GET";
  const id = event.pathParameters?.id;
  if (method === "GET" && id) {
    const { Item } = await db.send(new GetCommand({ TableName: table, Key: { id } }));
    return Item ? reply(200, Item) : reply(404, { message: `no item ${id}` });
  }
  if (method === "GET") {
    const { Items } = await db.send(new ScanCommand({ TableName: table, Limit: 50 }));
    return reply(200, { items: Items ?? [] });
  }
  if (method === "POST") {
    let fields;
    try {
      const text = event.isBase64Encoded ? Buffer.from(event.body ?? "", "base64").toString() : event.body;
      fields = JSON.parse(text || "{}");
    } catch {
      return reply(400, { message: "the body is not JSON" });
    }
    if (typeof fields !== "object" || fields === null || Array.isArray(fields)) {
      return reply(400, { message: "the body is a JSON object of the item's fields" });
    }
    const item = { ...fields, id: randomUUID(), createdAt: new Date().toISOString() };
    await db.send(new PutCommand({ TableName: table, Item: item }));
    return reply(201, item);
  }
  return reply(405, { message: `${method} is not supported` });
};
