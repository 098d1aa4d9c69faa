#!/usr/bin/env bash
# Big projects (issue 25): `functory run` start → the gateway's first answer, on generated
# projects (bench/scale/generate.py, which declares queues and buckets, so a run starts the
# local AWS services), three ways: as a user starts it (services and enforced permissions: one
# IAM identity per function), with permissions not enforced, and without the services. Each
# start gets a fresh copy of the project, so no emulator state carries over; the last column
# starts the enforced run once more on the folder a start just used (its identities exist, so
# each is renewed: old keys listed and deleted, a new key made). Medians of RUNS.
#
#   bash bench/scale/run-start.sh [RUNS] [SIZES...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs="${1:-3}"
shift || true
sizes=("${@:-500 2000}")
read -r -a sizes <<<"${sizes[*]}"
target="${CARGO_TARGET_DIR:-$HOME/.cache/functory/target}"
(cd "$root" && nice -n 19 cargo build --quiet --release -p functory-cli)
functory="$target/release/functory"
work="$(mktemp -d)"
run_pid=""
cleanup() {
  if [ -n "$run_pid" ]; then kill "$run_pid" 2>/dev/null || true; wait "$run_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Milliseconds from starting `functory run` on a fresh copy of $1 (flags after) to its first
# answered request; the run is then stopped (SIGTERM), which stops its services.
start_ms() {
  local source="$1" dir="$work/copy"
  shift
  rm -rf "$dir"
  cp -r "$source" "$dir"
  again_ms "$@"
}

# The same, on the copy the last start used (its emulator state kept).
again_ms() {
  local dir="$work/copy" port start end
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  start="$(date +%s%N)"
  "$functory" run "$dir" --port "$port" --quiet "$@" >/dev/null 2>&1 &
  run_pid=$!
  until curl -s -o /dev/null "http://127.0.0.1:$port/"; do sleep 0.01; done
  end="$(date +%s%N)"
  kill "$run_pid"; wait "$run_pid" 2>/dev/null || true; run_pid=""
  echo $(((end - start) / 1000000))
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '| functions | services, permissions enforced | services, not enforced | no services | enforced, started again on the same folder |\n'
printf '|---:|---:|---:|---:|---:|\n'
for n in "${sizes[@]}"; do
  python3 "$here/generate.py" "$work/p$n" "$n"
  row="| $n"
  for flags in "" "--no-enforce-permissions" "--no-aws-services"; do
    times=()
    # shellcheck disable=SC2086 # the flags are words
    for _ in $(seq 1 "$runs"); do times+=("$(start_ms "$work/p$n" $flags)"); done
    row="$row | $(printf '%s\n' "${times[@]}" | median) ms (${times[*]})"
  done
  times=()
  for _ in $(seq 1 "$runs"); do
    start_ms "$work/p$n" >/dev/null
    times+=("$(again_ms)")
  done
  row="$row | $(printf '%s\n' "${times[@]}" | median) ms (${times[*]})"
  printf '%s |\n' "$row"
done
