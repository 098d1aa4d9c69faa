#!/usr/bin/env bash
# Creates (once) the Python venv that holds moto, the AWS emulator the AWS tests start on a
# loopback port. Idempotent: a venv whose moto_server already runs is left alone. Needs only
# python3 and PyPI. The tests read the venv's path from FUNCTORY_MOTO_VENV (same default).
set -euo pipefail

venv="${FUNCTORY_MOTO_VENV:-$HOME/.cache/functory/venv}"
# moto 5 is the major the tests are written against (moto_server -H/-p, STS, IAM, Lambda).
# awscli (v1, from PyPI) reads back what Functory deployed to moto in the interop tests.
moto_requirement='moto[server]==5.*'
awscli_requirement='awscli==1.*'

if [ -x "$venv/bin/moto_server" ] && [ -x "$venv/bin/aws" ] && "$venv/bin/python" -c 'import moto, sys; sys.exit(0 if moto.__version__.startswith("5.") else 1)' 2>/dev/null; then
  exit 0
fi

command -v python3 >/dev/null || { echo "functory: python3 is missing: install it (Debian: apt-get install python3 python3-venv), then run this again." >&2; exit 1; }
echo "==> Creating the moto venv in $venv"
mkdir -p "$(dirname "$venv")"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv" || { echo "functory: python3 -m venv failed: on Debian install python3-venv." >&2; exit 1; }
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$moto_requirement" "$awscli_requirement"
"$venv/bin/moto_server" --help >/dev/null
"$venv/bin/aws" --version >/dev/null
