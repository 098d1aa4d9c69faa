#!/usr/bin/env bash
# Big projects (issue 25): projects of 50, 200, 500 and 2,000 generated functions
# (bench/scale/generate.py), and the release CLI's project-wide commands on each — `check`,
# `lint .` (the linter and the code-aware analyzer together), `export sam`, and `run` until its
# gateway answers — beside cfn-lint on the SAM template `export sam` writes. Medians of RUNS.
#
#   bash bench/scale/run.sh [RUNS] [SIZES...]
#
# Needs the moto venv's cfn-lint (`bash scripts/python-venv.sh`).
DEFAULT_SIZES="50 200 500 2000"
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
venv="${FUNCTORY_MOTO_VENV:-$HOME/.cache/functory/venv}"

# Median wall time in ms of a command run `runs` times (its exit code is not judged: lint exits
# 1 when it finds something).
time_ms() {
  python3 - "$runs" "$@" <<'PY'
import statistics, subprocess, sys, time
runs, argv = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(runs):
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append((time.perf_counter() - start) * 1000)
print(f"{statistics.median(times):.0f}")
PY
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
  for _ in $(seq 1 "$runs"); do start_times+=("$(first_answer_ms "$dir")"); done
  run_ms="$(printf '%s\n' "${start_times[@]}" | median)"
  printf '| %s | %s ms | %s ms | %s ms | %s ms | %s ms |\n' "$n" "$check" "$lint" "$export_ms" "$cfn" "$run_ms"
done
