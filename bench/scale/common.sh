# What bench/scale/run.sh and run-start.sh share: their arguments ([RUNS] [SIZES...]), the
# release CLI built, a scratch folder removed on exit (with any run still going), and the time
# from starting `functory run` to its gateway's first answer. Sourced, not run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs="${1:-3}"
shift || true
sizes=("${@:-${DEFAULT_SIZES}}")
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

# Milliseconds from starting `functory run DIR FLAGS...` to its first answered request; the run
# is then stopped (SIGTERM), which stops the services it started.
first_answer_ms() {
  local dir="$1" port start end
  shift
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
