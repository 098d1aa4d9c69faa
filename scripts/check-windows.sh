#!/usr/bin/env bash
# Checks that the workspace (the app and the CLI included) compiles for Windows: only the local
# runtime's Unix parts are left out there (adapters/local/src/instance). Uses rustup's
# x86_64-pc-windows-gnu standard library and Debian's MinGW-w64 for the C parts of
# dependencies (aws-lc, ring, libgit2). `npm test` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

target=x86_64-pc-windows-gnu
ensure_system_packages gcc-mingw-w64-x86-64
if ! rustup target list --installed | grep -qx "$target"; then
  say "Adding Rust's $target standard library"
  rustup target add "$target"
fi
cargo check --workspace --locked --target "$target"
