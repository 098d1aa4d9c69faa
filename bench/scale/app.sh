#!/usr/bin/env bash
# Big projects in the real app (issue 25): the release app with the embedded UI, under Xvfb and
# driven by WebDriver (tauri-driver), opens generated projects of 50, 200, 500 and 2,000
# functions (bench/scale/generate.py) and bench/scale/app.mjs times launch → usable window,
# Security findings shown and the trigger canvas first drawn. Medians of RUNS.
#
#   bash bench/scale/app.sh [RUNS] [SIZES...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs="${1:-3}"
shift || true
sizes=("${@:-50 200 500 2000}")
read -r -a sizes <<<"${sizes[*]}"
cd "$root"
source scripts/lib.sh
ensure_system_packages "${BUILD_PACKAGES[@]}" xvfb xauth webkit2gtk-driver
ensure_npm_packages
ensure_tauri_driver
npm run build --workspace ui >/dev/null
nice -n 19 cargo build --quiet --release -p functory-app --features custom-protocol
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for n in "${sizes[@]}"; do
  python3 "$here/generate.py" "$work/p$n" "$n"
  echo "## $n functions"
  FUNCTORY_APP_BINARY="$CARGO_TARGET_DIR/release/functory-app" \
    xvfb-run -a -s "-screen 0 1280x800x24" node "$here/app.mjs" "$work/p$n" "$runs"
done
