#!/usr/bin/env bash
# Regenerates crates/lint/data/escalation-paths.json from pathfinding.cloud (DataDog, Apache-2.0),
# the public catalogue of AWS privilege-escalation paths: one YAML file per path under
# data/paths/ with its id, name, category and required permissions.
#
#   scripts/escalation-paths/generate.sh                     # the newest main
#   PATHFINDING_COMMIT=84dd65c9… scripts/escalation-paths/generate.sh
#   PATHFINDING_DIR=/path/to/checkout scripts/escalation-paths/generate.sh   # offline
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${ESCALATION_PATHS_WORK:-$HOME/.cache/functory/escalation-paths}"
mkdir -p "$work"
if [ -z "${PATHFINDING_DIR:-}" ]; then
  rm -rf "$work/pathfinding.cloud"
  git clone --quiet https://github.com/DataDog/pathfinding.cloud "$work/pathfinding.cloud"
  if [ -n "${PATHFINDING_COMMIT:-}" ]; then
    git -C "$work/pathfinding.cloud" checkout --quiet "$PATHFINDING_COMMIT"
  fi
  PATHFINDING_DIR="$work/pathfinding.cloud"
fi
if [ ! -x "$work/venv/bin/python" ]; then
  python3 -m venv "$work/venv"
fi
"$work/venv/bin/pip" install --quiet pyyaml
commit="${PATHFINDING_COMMIT:-$(git -C "$PATHFINDING_DIR" rev-parse HEAD 2>/dev/null || echo unknown)}"
"$work/venv/bin/python" "$here/generate.py" --source "$PATHFINDING_DIR" --commit "$commit" \
  --catalogue "$root/crates/lint/data/iam-catalogue.json" --out "$root/crates/lint/data"
