#!/usr/bin/env bash
# AWS deploy benchmarks against a real moto server (release build). Needs the moto venv:
# `bash scripts/python-venv.sh`. Usage: bash bench/aws/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/python-venv.sh
cargo run --quiet --release -p functory-aws --example bench_deploy -- "${1:-5}"
