#!/usr/bin/env bash
# The linter benchmark: every AWS managed policy shipped in moto, linted by `functory lint`,
# Parliament and Cloudsplaining, one process each, on the same files.
#
#   bench/lint/run.sh            # results in bench/results/lint/ (not committed)
#
# Prints a Markdown table (paste it into bench/lint/README.md) with wall and CPU time per tool,
# the ratio to functory, the slowest single policy, and the "unknown action" findings whose
# action exists in the IAM catalogue (must be 0 for functory).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/bench/results/lint"
venv="${BENCH_LINT_VENV:-$HOME/.cache/functory/bench-lint-venv}"
target="${CARGO_TARGET_DIR:-$HOME/.cache/functory/target-lint}"
mkdir -p "$out"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet "moto==${MOTO_VERSION:-5.2.5}" "parliament==${PARLIAMENT_VERSION:-1.6.4}" \
  "cloudsplaining==${CLOUDSPLAINING_VERSION:-0.9.1}"

rm -rf "$out/policies"
count="$("$venv/bin/python" "$here/extract-managed-policies.py" "$out/policies")"
echo "extracted $count managed policies from moto" >&2

# Two builds: `--example` limits a build to that example.
(cd "$root" && CARGO_TARGET_DIR="$target" nice -n 19 cargo build --quiet --release -p functory-cli)
(cd "$root" && CARGO_TARGET_DIR="$target" nice -n 19 cargo build --quiet --release -p functory-lint --example bench_policies)
functory="$target/release/functory"
per_policy="$target/release/examples/bench_policies"

runs="${BENCH_RUNS:-3}"
# Wall and CPU seconds of one command (appended per run), its stdout kept in a file.
measure() {
  local name="$1"; shift
  local start end
  start="$(date +%s.%N)"
  /usr/bin/time -f "%U %S" -o "$out/$name.cpu.tmp" "$@" > "$out/$name.out"
  end="$(date +%s.%N)"
  tail -1 "$out/$name.cpu.tmp" >> "$out/$name.cpu"
  echo "$start $end" >> "$out/$name.wall"
}

rm -f "$out"/*.cpu "$out"/*.wall
measure functory-per-policy "$per_policy" "$out/policies"
# The tools in turn, once per round: the machine's speed drifts, so each gets the same spread
# of conditions; the medians are reported.
for _ in $(seq 1 "$runs"); do
  measure functory "$functory" lint --format json --fail-on never "$out/policies"
  measure parliament "$venv/bin/python" "$here/peers.py" parliament "$out/policies" "$root/crates/lint/data/iam-catalogue.json"
  measure cloudsplaining "$venv/bin/python" "$here/peers.py" cloudsplaining "$out/policies"
done

python3 - "$out" "$count" "$runs" <<'PY'
import json, pathlib, sys
out, count = pathlib.Path(sys.argv[1]), sys.argv[2]
import statistics
def timing(name):
    walls = [end - start for start, end in (map(float, l.split()) for l in (out / f"{name}.wall").read_text().splitlines())]
    cpus = [sum(map(float, l.split()[-2:])) for l in (out / f"{name}.cpu").read_text().splitlines()]
    return statistics.median(walls), statistics.median(cpus)
fw, fc = timing("functory")
per = json.loads((out / "functory-per-policy.out").read_text())
findings = len(json.loads((out / "functory.out").read_text())["findings"])
rows = [("functory lint", fw, fc, per["maxPolicyMs"], per["maxPolicyFile"], findings, per["unknownActionFindings"], per["unknownActionFindingsForKnownActions"], 0)]
for tool in ("parliament", "cloudsplaining"):
    wall, cpu = timing(tool)
    summary = json.loads((out / f"{tool}.out").read_text())
    rows.append((tool.capitalize(), wall, cpu, summary["maxPolicyMs"], summary["maxPolicyFile"], summary["findings"],
                 summary["unknownActionFindings"], summary["unknownActionFindingsForKnownActions"], summary["crashes"]))
print(f"{count} AWS managed policies (moto), one process per tool, median of {sys.argv[3]} interleaved runs; functory's catalogue load {per['catalogueLoadMs']:.1f} ms once; "
      f"functory's slowest policy is the fastest of {per['repeat']} runs (sum of per-policy times {per['totalLintMs']:.0f} ms).\n")
print("| tool | wall s | wall ratio to functory | CPU s | CPU ratio to functory | slowest policy (ms) | findings | unknown-action findings | of which in the catalogue | crashes |")
print("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|")
for name, wall, cpu, worst, worst_file, found, unknown, false_unknown, crashes in rows:
    ratio = cpu / fc if fc else float("nan")
    wall_ratio = wall / fw if fw else float("nan")
    fmt = lambda v: "n/a" if v is None else str(v)
    print(f"| {name} | {wall:.2f} | {wall_ratio:.1f}× | {cpu:.2f} | {ratio:.1f}× | {worst:.1f} ({worst_file}) | {found} | {fmt(unknown)} | {fmt(false_unknown)} | {crashes} |")
PY
