#!/usr/bin/env bash
# Times the code-aware analyzer on 100,000 lines generated from its sample handlers.
# Usage: bash bench/analyze/run.sh [LINES] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
nice -n 19 cargo run --quiet --release -p functory-analyze --example bench -- "${1:-100000}" "${2:-7}"
