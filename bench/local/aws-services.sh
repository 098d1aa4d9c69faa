#!/usr/bin/env bash
# The local AWS services measured as handlers meet them: PutItem from a handler through the
# emulator (p50/p99, permissions enforced) against a plain boto3 client, the run's readiness
# with and without the services, the emulator's idle memory, and the same handler invoked
# through Functory's Lambda Invoke API and through MiniStack's own Lambda.
# Usage: bash bench/local/aws-services.sh   (BENCH_CALLS, BENCH_INVOKES to change the counts)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/lib.sh
source "$root/scripts/lib.sh"
bash "$root/scripts/local-aws.sh"
(cd "$root" && nice -n 19 cargo build --quiet --release -p functory-cli)
sdk=$(ls -d "${FUNCTORY_LAMBDA_SDKS:-$HOME/.cache/functory/lambda-sdks}"/python/boto3-* | head -1)
venv="${FUNCTORY_LOCAL_AWS_VENV:-$HOME/.cache/functory/local-aws}"
echo "# $(date -u +%FT%TZ) $(git -C "$root" rev-parse --short HEAD), $(nproc) cores, MiniStack $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("ministack"))'), $(basename "$sdk")"
PYTHONPATH="$sdk" python3 "$here/aws_services.py" "$CARGO_TARGET_DIR/release/functory" "$venv/bin/ministack"
