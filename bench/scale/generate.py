#!/usr/bin/env python3
"""Writes a Functory project of N small functions, as a team keeps many in one repository:
Node.js and Python in turn, each with a trigger (an HTTP route, a schedule, a queue or a bucket
upload, in turn), the permission its code needs, and a handler whose AWS SDK call the
analyzer reads; one in ten also grants every S3 action on every resource, which the
linter reports. Queues and upload buckets are declared resources, each shared by the queue or
upload functions of a group of 20, as teams share a few queues and buckets among many
functions.

    python3 bench/scale/generate.py FOLDER FUNCTIONS
"""

import os
import sys

REGION = "us-east-1"
# Functions per shared queue and per shared upload bucket.
GROUP = 20


def trigger(i, name):
    kind = i % 4
    if kind == 0:
        return f'[[functions.{name}.triggers]]\nkind = "http"\nmethod = "GET"\npath = "/{name}/{{id}}"\n'
    if kind == 1:
        return f'[[functions.{name}.triggers]]\nkind = "schedule"\nexpression = "rate({5 + i % 50} minutes)"\n'
    if kind == 2:
        return f'[[functions.{name}.triggers]]\nkind = "queue"\nqueue = "jobs-{i // GROUP}"\nbatch_size = 10\n'
    return f'[[functions.{name}.triggers]]\nkind = "storage"\nbucket = "uploads-{i // GROUP}"\nprefix = "in/"\n'


def node_handler(i):
    return f"""import {{ S3Client, GetObjectCommand }} from "@aws-sdk/client-s3";

const s3 = new S3Client({{}});

export const handler = async (event) => {{
  const key = event.pathParameters?.id ?? "default";
  const object = await s3.send(new GetObjectCommand({{ Bucket: "data-{i}", Key: key }}));
  return {{ statusCode: 200, body: JSON.stringify({{ size: object.ContentLength }}) }};
}};
"""


def python_handler(i):
    return f"""import json

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    key = (event.get("pathParameters") or {{}}).get("id", "default")
    found = s3.get_object(Bucket="data-{i}", Key=key)
    return {{"statusCode": 200, "body": json.dumps({{"size": found["ContentLength"]}})}}
"""


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root, count = sys.argv[1], int(sys.argv[2])
    os.makedirs(os.path.join(root, "src"), exist_ok=True)
    parts = [
        f'[project]\nname = "scale-{count}"\n\n[targets.local]\nadapter = "local"\n\n'
        f'[targets.dev]\nadapter = "aws"\nregion = "{REGION}"\n'
    ]
    for i in range(count):
        name = f"fn{i:04}"
        if i % 2 == 0:
            runtime, handler = "nodejs24.x", f"src/{name}.handler"
            with open(os.path.join(root, "src", f"{name}.mjs"), "w") as f:
                f.write(node_handler(i))
        else:
            runtime, handler = "python3.13", f"src/{name}.handler"
            with open(os.path.join(root, "src", f"{name}.py"), "w") as f:
                f.write(python_handler(i))
        parts.append(
            f'\n[functions.{name}]\nruntime = "{runtime}"\nhandler = "{handler}"\nmemory_mb = 256\ntimeout_s = 10\n\n'
            + trigger(i, name)
            + f'\n[[functions.{name}.permissions]]\nactions = ["s3:GetObject"]\n'
            f'resources = ["arn:aws:s3:::data-{i}/*"]\n'
            + (
                # One function in ten grants more than its code needs, as real projects do: the
                # Security view and the analyzer have findings to show.
                f'\n[[functions.{name}.permissions]]\nactions = ["s3:*"]\nresources = ["*"]\n'
                if i % 10 == 9
                else ""
            )
        )
    for group in range((count + GROUP - 1) // GROUP):
        parts.append(f'\n[resources.jobs-{group}]\nkind = "queue"\n')
        parts.append(f'\n[resources.uploads-{group}]\nkind = "bucket"\n')
    with open(os.path.join(root, "functory.toml"), "w") as f:
        f.write("".join(parts))


if __name__ == "__main__":
    main()
