#!/usr/bin/env bash
# Creates (once) the Python venv the tests use: moto, the AWS emulator the AWS tests start on a
# loopback port; awscli, which reads back what Functory deployed to moto; cfn-lint, which
# checks the SAM templates `functory export sam` writes; and the AWS SAM translator, which turns
# them into CloudFormation as `sam deploy` does (cfn-lint checks a SAM resource's shape only).
# Idempotent: a venv that already holds them all (cfn-lint and the translator at their pinned
# versions) is left alone; an older venv gets what it lacks.
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
# The translator is pinned for the same reason: what it refuses is what the export test checks.
sam_translator_version='1.115.0'

have_all() {
  [ -x "$venv/bin/moto_server" ] && [ -x "$venv/bin/aws" ] && [ -x "$venv/bin/cfn-lint" ] &&
    "$venv/bin/python" -c 'import moto, sys; sys.exit(0 if moto.__version__.startswith("5.") else 1)' 2>/dev/null &&
    [ "$("$venv/bin/cfn-lint" --version 2>/dev/null)" = "cfn-lint $cfn_lint_version" ] &&
    [ "$("$venv/bin/python" -c 'import samtranslator; print(samtranslator.__version__)' 2>/dev/null)" = "$sam_translator_version" ]
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
echo "==> Installing moto, awscli, cfn-lint $cfn_lint_version and aws-sam-translator $sam_translator_version into $venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$moto_requirement" "$awscli_requirement" "cfn-lint==$cfn_lint_version" "aws-sam-translator==$sam_translator_version"
"$venv/bin/moto_server" --help >/dev/null
"$venv/bin/aws" --version >/dev/null
"$venv/bin/cfn-lint" --version >/dev/null
"$venv/bin/python" -c 'import samtranslator' >/dev/null
