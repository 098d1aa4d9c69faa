#!/usr/bin/env bash
# Big projects (issue 25): projects of 50, 200, 500 and 2,000 generated functions
# (bench/scale/generate.py), and the release CLI's project-wide commands on each — `check`,
# `lint .` (the linter and the code-aware analyzer together), `export sam`, and `run` until its
# gateway answers — beside cfn-lint on the SAM template `export sam` writes. Medians of RUNS.
#
#   bash bench/scale/run.sh [RUNS] [SIZES...]
#
# Needs the moto venv's cfn-lint (`bash scripts/python-venv.sh`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs="${1:-5}"
shift || true
sizes=("${@:-50 200 500 2000}")
read -r -a sizes <<<"${sizes[*]}"
venv="${FUNCTORY_MOTO_VENV:-$HOME/.cache/functory/venv}"
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

# Median wall time in ms of a command run `runs` times (its exit code is not judged: lint exits
# 1 when it finds something).
time_ms() {
  python3 - "$runs" "$@" <<'EOF'
import statistics, subprocess, sys, time
runs, argv = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(runs):
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append((time.perf_counter() - start) * 1000)
print(f"{statistics.median(times):.0f}")
EOF
}

# Milliseconds from starting `functory run` to its first answered request.
run_start_ms() {
  local dir="$1" port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  local start end
  start="$(date +%s%N)"
  "$functory" run "$dir" --port "$port" --quiet >/dev/null 2>&1 &
  run_pid=$!
  until curl -s -o /dev/null "http://127.0.0.1:$port/"; do sleep 0.01; done
  end="$(date +%s%N)"
  kill "$run_pid"; wait "$run_pid" 2>/dev/null || true; run_pid=""
  echo $(((end - start) / 1000000))
}

printf '| functions | check | lint . (+ analyzer) | export sam | cfn-lint on that template | run → first answer |\n'
printf '|---:|---:|---:|---:|---:|---:|\n'
for n in "${sizes[@]}"; do
  dir="$work/p$n"
  python3 "$here/generate.py" "$dir" "$n"
  check="$(time_ms "$functory" check "$dir")"
  lint="$(time_ms "$functory" lint "$dir")"
  export_ms="$(time_ms "$functory" export sam --dir "$dir" -o "$dir/template.yaml")"
  "$functory" export sam --dir "$dir" -o "$dir/template.yaml" >/dev/null
  cfn="$(time_ms "$venv/bin/cfn-lint" "$dir/template.yaml")"
  start_times=()
  for _ in $(seq 1 "$runs"); do start_times+=("$(run_start_ms "$dir")"); done
  run_ms="$(printf '%s\n' "${start_times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
  printf '| %s | %s ms | %s ms | %s ms | %s ms | %s ms |\n' "$n" "$check" "$lint" "$export_ms" "$cfn" "$run_ms"
done
