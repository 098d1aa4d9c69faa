"""{{name}}: summarises each file put into its bucket (bytes, lines, words).

The summary goes to the results bucket (RESULTS_BUCKET) as `<key>.summary.json`. The event is
an S3 notification.
"""
import json
import os
from urllib.parse import unquote_plus

import boto3

RESULTS = os.environ.get("RESULTS_BUCKET", "")
s3 = boto3.client("s3")


def handler(event, context):
    written = []
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        # Keys in S3 events are URL-encoded, with spaces as `+`.
        key = unquote_plus(record["s3"]["object"]["key"])
        data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        text = data.decode("utf-8", errors="replace")
        summary = {
            "source": f"s3://{bucket}/{key}",
            "bytes": len(data),
            "lines": 0 if text == "" else len(text.split("\n")),
            "words": len(text.split()),
        }
        target = f"{key}.summary.json"
        s3.put_object(
            Bucket=RESULTS,
            Key=target,
            Body=json.dumps(summary, indent=2).encode(),
            ContentType="application/json",
        )
        print(f"summarised s3://{bucket}/{key} into s3://{RESULTS}/{target}")
        written.append(target)
    return {"written": written}
