#!/usr/bin/env bash
# Copies the AWS sample events Functory's generated events are compared with (key by key, in
# crates/formats/tests/event_shapes.rs) from a checkout of the AWS SAM CLI
# (https://github.com/aws/aws-sam-cli, Apache-2.0), where AWS publishes them for
# `sam local generate-event`, and records where they came from.
#   bash scripts/event-samples/refresh.sh /path/to/aws-sam-cli
set -euo pipefail
src="${1:?usage: refresh.sh /path/to/aws-sam-cli checkout}"
cd "$(dirname "$0")/../.."
out=crates/formats/tests/fixtures/aws-samples
events=samcli/lib/generated_sample_events/events
mkdir -p "$out"
for file in apigateway/AwsProxy.json apigateway/HttpApi.json s3/S3Put.json s3/S3Delete.json \
  sqs/Sqs.json sns/Sns.json cloudwatch/ScheduledEvent.json dynamodb/DynamoDBUpdate.json \
  kinesis/Kinesis.json alb/ALBRequest.json kinesis/KinesisFirehose.json; do
  git -C "$src" show "HEAD:$events/$file" > "$out/$(basename "$file")"
done
commit="$(git -C "$src" rev-parse HEAD)"
cat > "$out/NOTICE" <<NOTICE
These sample events are copied unchanged from the AWS SAM CLI
(https://github.com/aws/aws-sam-cli, $events, commit $commit),
Copyright Amazon.com, Inc. or its affiliates, licensed under the Apache License, Version 2.0
(https://www.apache.org/licenses/LICENSE-2.0). Regenerate with
\`bash scripts/event-samples/refresh.sh /path/to/aws-sam-cli\`.
NOTICE
echo "copied $(ls "$out" | grep -c json) samples from $commit"
