#!/usr/bin/env bash
# Big projects (issue 25): `functory run` start → the gateway's first answer, on generated
# projects (bench/scale/generate.py, which declares queues and buckets, so a run starts the
# local AWS services), three ways: as a user starts it (services and enforced permissions: one
# IAM identity per function), with permissions not enforced, and without the services. Each
# start gets a fresh copy of the project, so no emulator state carries over; the last column
# starts the enforced run once more on the folder a start just used (its identities exist, so
# each is renewed: its old key deleted by the id the last run remembered, a new key made).
# Medians of RUNS.
#
#   bash bench/scale/run-start.sh [RUNS] [SIZES...]
DEFAULT_SIZES="500 2000"
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Milliseconds to the first answer of a run on a fresh copy of $1 (flags after).
fresh_ms() {
  local source="$1"
  shift
  rm -rf "$work/copy"
  cp -r "$source" "$work/copy"
  first_answer_ms "$work/copy" "$@"
}

printf '| functions | services, permissions enforced | services, not enforced | no services | enforced, started again on the same folder |\n'
printf '|---:|---:|---:|---:|---:|\n'
for n in "${sizes[@]}"; do
  python3 "$here/generate.py" "$work/p$n" "$n"
  row="| $n"
  for flags in "" "--no-enforce-permissions" "--no-aws-services"; do
    times=()
    # shellcheck disable=SC2086 # the flags are words
    for _ in $(seq 1 "$runs"); do times+=("$(fresh_ms "$work/p$n" $flags)"); done
    row="$row | $(printf '%s\n' "${times[@]}" | median) ms (${times[*]})"
  done
  times=()
  for _ in $(seq 1 "$runs"); do
    fresh_ms "$work/p$n" >/dev/null
    times+=("$(first_answer_ms "$work/copy")")
  done
  row="$row | $(printf '%s\n' "${times[@]}" | median) ms (${times[*]})"
  printf '%s |\n' "$row"
done
