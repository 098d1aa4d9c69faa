#!/usr/bin/env bash
# `npm start`: install what is missing, build, and open Functory on the bundled sample project
# (the local target; no cloud account needed).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

require_toolchains
ensure_system_packages "${BUILD_PACKAGES[@]}" python3-venv
ensure_npm_packages
# The local AWS services (an emulator) and the AWS SDKs Lambda provides, for handlers' SDK
# calls; without them the app still runs, and a run that needs them says how to install them.
bash scripts/local-aws.sh || say "The local AWS services were not installed (see above); run bash scripts/local-aws.sh later to add them"
build_app
if [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  die "no display to open a window on; run this from a desktop session (or under xvfb-run to try it headless)"
fi
say "Starting Functory on the sample project"
exec "$FUNCTORY_APP_BINARY" --sample
