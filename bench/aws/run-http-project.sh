#!/usr/bin/env bash
# Issue 17's benchmark: a project of N functions with HTTP routes, planned, deployed and
# redeployed unchanged against a real moto server through the release `functory` CLI.
# Raw output goes to bench/aws/results/http-project-<date>.txt.
#   bash bench/aws/run-http-project.sh [FUNCTIONS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
bash scripts/python-venv.sh
cargo build --release -p functory-cli
mkdir -p bench/aws/results
out="bench/aws/results/http-project-$(date -u +%Y-%m-%dT%H%M).txt"
{
  echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD) load: $(cut -d' ' -f1-3 /proc/loadavg)"
  python3 bench/aws/http_project.py "$CARGO_TARGET_DIR/release/functory" "${1:-50}" "${2:-3}"
} | tee "$out"
