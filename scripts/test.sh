#!/usr/bin/env bash
# `npm test`: every test. Installs what is missing (system packages, npm packages,
# tauri-driver), then runs formatting and lint checks, the Rust tests, the generated-types
# check, the UI tests in Debian's Chromium, and the end-to-end test of the real app under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

require_toolchains
ensure_system_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
ensure_npm_packages
[ "$(uname -s)" = Linux ] && ensure_tauri_driver
bash scripts/python-venv.sh  # moto (the AWS emulator the AWS tests start), awscli, and cfn-lint (checks exported SAM templates)
bash scripts/local-aws.sh  # MiniStack (the local run's AWS services) and the AWS SDKs Lambda provides

say "Rust formatting"
cargo fmt --all -- --check

say "Clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "The workspace compiles for Windows (the local runtime's Unix parts left out)"
bash scripts/check-windows.sh

say "Rust tests, with a real Secret Service (this also regenerates the TypeScript bindings)"
with_secret_service cargo test --workspace --locked

say "Generated TypeScript bindings are committed and current"
if [ -n "$(git status --porcelain -- ui/src/bindings)" ]; then
  git status --porcelain -- ui/src/bindings
  git --no-pager diff -- ui/src/bindings | head -50
  die "ui/src/bindings is out of date: run cargo test and commit the regenerated files"
fi

say "UI type check"
npm run typecheck --workspace ui

build_app

say "UI tests in headless Chromium, against the real backend (the loopback test bridge)"
cargo build -p functory-test-bridge
with_secret_service npm test --workspace ui

if [ "$(uname -s)" != Linux ]; then
  say "The end-to-end test of the real app needs tauri-driver + WebKitWebDriver, which exist on Linux only; it runs in CI on Debian."
  exit 0
fi

say "End-to-end test of the real app under Xvfb (tauri-driver + WebKitWebDriver)"
# xdotool moves the X server's real mouse for drags: WebKitGTK starts HTML5 drag and drop (the
# trigger palette) only from real input, which WebKitWebDriver's synthesized events are not.
# ImageMagick's `import` takes the tests' pictures from the X server (see `shot` in
# tests/e2e/harness.mjs).
ensure_system_packages xdotool imagemagick
# Bounded: a hung app or driver fails this step in minutes instead of stalling CI.
with_secret_service timeout --kill-after=30s 20m xvfb-run -a -s "-screen 0 1280x800x24" \
  node --test --test-concurrency=1 --test-timeout=300000 --test-reporter=spec tests/e2e/

say "All tests passed"
