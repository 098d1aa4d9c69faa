#!/usr/bin/env bash
# Creates (once) the Python venv the tests use: moto, the AWS emulator the AWS tests start on a
# loopback port; awscli, which reads back what Functory deployed to moto; and cfn-lint, which
# checks the SAM templates `functory export sam` writes. Idempotent: a venv that already holds
# all three (cfn-lint at its pinned version) is left alone; an older venv gets what it lacks.
# Needs only python3 and PyPI. The tests read the venv's path from FUNCTORY_MOTO_VENV (same
# default).
set -euo pipefail

venv="${FUNCTORY_MOTO_VENV:-$HOME/.cache/functory/venv}"
# moto 5 is the major the tests are written against (moto_server -H/-p, STS, IAM, Lambda).
# awscli (v1, from PyPI) reads back what Functory deployed to moto in the interop tests.
moto_requirement='moto[server]==5.*'
awscli_requirement='awscli==1.*'
# cfn-lint is pinned: its checks (and so what the export test accepts) change between releases.
cfn_lint_version='1.58.0'

have_all() {
  [ -x "$venv/bin/moto_server" ] && [ -x "$venv/bin/aws" ] && [ -x "$venv/bin/cfn-lint" ] &&
    "$venv/bin/python" -c 'import moto, sys; sys.exit(0 if moto.__version__.startswith("5.") else 1)' 2>/dev/null &&
    [ "$("$venv/bin/cfn-lint" --version 2>/dev/null)" = "cfn-lint $cfn_lint_version" ]
}

if have_all; then
  exit 0
fi

command -v python3 >/dev/null || { echo "functory: python3 is missing: install it (Debian: apt-get install python3 python3-venv), then run this again." >&2; exit 1; }
if [ ! -x "$venv/bin/python" ]; then
  echo "==> Creating the test venv in $venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv" || { echo "functory: python3 -m venv failed: on Debian install python3-venv." >&2; exit 1; }
fi
echo "==> Installing moto, awscli and cfn-lint $cfn_lint_version into $venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$moto_requirement" "$awscli_requirement" "cfn-lint==$cfn_lint_version"
"$venv/bin/moto_server" --help >/dev/null
"$venv/bin/aws" --version >/dev/null
"$venv/bin/cfn-lint" --version >/dev/null
