#!/usr/bin/env bash
# Installs (once) what the local run's AWS services need:
# - MiniStack, the AWS emulator the run starts on a loopback port (PyPI, MIT; why this one:
#   ARCHITECTURE.md), in its own venv (FUNCTORY_LOCAL_AWS_VENV, default
#   ~/.cache/functory/local-aws), pinned: what it emulates is what the local run promises;
# - the AWS SDKs Lambda provides to handlers (boto3; the @aws-sdk v3 packages), at the versions
#   of adapters/local/data/lambda-sdks.toml, into FUNCTORY_LAMBDA_SDKS (default
#   ~/.cache/functory/lambda-sdks), never into a project.
# Idempotent: what is there at the pinned version is left alone. Needs python3 (with venv),
# npm and the PyPI and npm registries.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${FUNCTORY_LOCAL_AWS_VENV:-$HOME/.cache/functory/local-aws}"
sdks="${FUNCTORY_LAMBDA_SDKS:-$HOME/.cache/functory/lambda-sdks}"
ministack_version='1.5.33'
pins='adapters/local/data/lambda-sdks.toml'

command -v python3 >/dev/null || { echo "functory: python3 is missing: install it (Debian: apt-get install python3 python3-venv), then run this again." >&2; exit 1; }

installed_version() {
  "$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("ministack"))' 2>/dev/null
}
if ! { [ -x "$venv/bin/ministack" ] && [ "$(installed_version)" = "$ministack_version" ]; }; then
  if [ ! -x "$venv/bin/python" ]; then
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv" || { echo "functory: python3 -m venv failed: on Debian install python3-venv." >&2; exit 1; }
  fi
  echo "==> Installing MiniStack $ministack_version (the local AWS services) into $venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "ministack==$ministack_version"
  [ "$(installed_version)" = "$ministack_version" ] || { echo "functory: MiniStack $ministack_version did not install into $venv" >&2; exit 1; }
fi

# The pins, read with the venv's Python (tomllib is in the standard library from 3.11; older
# Pythons get tomli).
read_pins() {
  "$venv/bin/python" - "$pins" <<'PY'
import sys
try:
    import tomllib
except ImportError:
    import subprocess
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "tomli"], check=True)
    import tomli as tomllib
with open(sys.argv[1], "rb") as f:
    pins = tomllib.load(f)
print(pins["python"]["boto3"])
packages = pins["node"]["packages"]
print(packages["@aws-sdk/client-s3"])
print(" ".join(f"{name}@{version}" for name, version in packages.items()))
PY
}
{ read -r boto3_version; read -r node_version; read -r node_packages; } < <(read_pins)

python_dir="$sdks/python/boto3-$boto3_version"
if [ ! -f "$python_dir/.complete" ]; then
  echo "==> Installing boto3 $boto3_version (the AWS SDK Lambda's Python runtimes provide) into $python_dir"
  rm -rf "$python_dir"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-compile --target "$python_dir" "boto3==$boto3_version"
  touch "$python_dir/.complete"
fi

# Compiled once per Python that may run a handler: the local runtime starts handlers with
# PYTHONDONTWRITEBYTECODE (nothing written into projects), so without these every cold start
# would compile boto3 and botocore from source again (about half a second on 2 cores). Each
# interpreter has its own `__pycache__/*.cpython-3NN.pyc`; a marker per cache tag makes this
# idempotent, and a Python installed later is compiled for on the next run of this script.
compile_python_sdk() { # interpreter
  local tag
  tag=$("$1" -c 'import sys; print(sys.implementation.cache_tag or "")' 2>/dev/null) || return 0
  [ -n "$tag" ] && [ ! -f "$python_dir/.compiled-$tag" ] || return 0
  echo "==> Compiling boto3 $boto3_version for $tag"
  "$1" -m compileall -q -j 0 -x '/(tests?|examples?)/' "$python_dir" >/dev/null || {
    echo "functory: $1 could not compile $python_dir; handlers still import it, only slower." >&2
    return 0
  }
  touch "$python_dir/.compiled-$tag"
}
for python in python3 python3.9 python3.10 python3.11 python3.12 python3.13 python3.14 python3.15; do
  if command -v "$python" >/dev/null; then compile_python_sdk "$(command -v "$python")"; fi
done
# Interpreters configured for the local runtime (FUNCTORY_PYTHON, FUNCTORY_PYTHON_3_14, …).
while IFS='=' read -r name value; do
  case "$name" in
    FUNCTORY_PYTHON | FUNCTORY_PYTHON_3_*)
      if [ -x "$value" ]; then compile_python_sdk "$value"; fi ;;
  esac
done < <(env)

node_dir="$sdks/node/aws-sdk-$node_version"
if [ ! -f "$node_dir/.complete" ] || [ "$(cat "$node_dir/.complete")" != "$node_packages" ]; then
  command -v npm >/dev/null || { echo "functory: npm is missing: install Node.js (Debian: apt-get install nodejs npm), then run this again." >&2; exit 1; }
  echo "==> Installing the AWS SDK for JavaScript v3 $node_version (what Lambda's Node.js runtimes provide) into $node_dir"
  rm -rf "$node_dir"
  mkdir -p "$node_dir"
  # shellcheck disable=SC2086 # one word per package
  npm install --loglevel=error --no-audit --no-fund --no-save --prefix "$node_dir" $node_packages
  printf '%s' "$node_packages" > "$node_dir/.complete"
fi
