"""{{name}}: an HTTP API over a DynamoDB table (TABLE_NAME).

The event is an API Gateway HTTP API (2.0) payload; boto3 comes with the Lambda runtime (and
with Functory locally).
"""
import base64
import json
import os
import uuid
from datetime import datetime, timezone

import boto3

TABLE = os.environ.get("TABLE_NAME", "")
dynamodb = boto3.client("dynamodb")


def reply(status, body):
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }


def to_item(fields):
    # DynamoDB's typed attribute values; everything is kept as a string here.
    return {key: {"S": str(value)} for key, value in fields.items()}


def from_item(item):
    return {key: next(iter(value.values())) for key, value in item.items()}


def handler(event, context):
    method = (event.get("requestContext") or {}).get("http", {}).get("method", "GET")
    item_id = (event.get("pathParameters") or {}).get("id")
    if method == "GET" and item_id:
        found = dynamodb.get_item(TableName=TABLE, Key={"id": {"S": item_id}})
        if "Item" not in found:
            return reply(404, {"message": f"no item {item_id}"})
        return reply(200, from_item(found["Item"]))
    if method == "GET":
        listed = dynamodb.scan(TableName=TABLE, Limit=50)
        return reply(200, {"items": [from_item(i) for i in listed.get("Items", [])]})
    if method == "POST":
        text = event.get("body") or "{}"
        if event.get("isBase64Encoded"):
            text = base64.b64decode(text).decode()
        try:
            fields = json.loads(text)
        except ValueError:
            return reply(400, {"message": "the body is not JSON"})
        if not isinstance(fields, dict):
            return reply(400, {"message": "the body is a JSON object of the item's fields"})
        fields.update(id=str(uuid.uuid4()), createdAt=datetime.now(timezone.utc).isoformat())
        dynamodb.put_item(TableName=TABLE, Item=to_item(fields))
        return reply(201, fields)
    return reply(405, {"message": f"{method} is not supported"})
