#!/usr/bin/env bash
# Builds the release app (embedded UI) and runs the startup benchmark under Xvfb.
#   bash bench/run-startup.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_system_packages "${BUILD_PACKAGES[@]}" xvfb xauth
ensure_npm_packages
npm run build --workspace ui
cargo build --release -p functory-app --features custom-protocol
xvfb-run -a -s "-screen 0 1280x800x24" node bench/startup.mjs "$CARGO_TARGET_DIR/release/functory-app" "${1:-5}"
