#!/usr/bin/env bash
# The local runtime benchmark, one bounded run on this machine:
#   - throughput and latency of a trivial JSON handler over HTTP, 8 connections for 10 s (wrk),
#     each server once per round in turn, medians of 3 rounds (BENCH_ROUNDS),
#     for a bare Node http server, @google-cloud/functions-framework, serverless-offline
#     (serverless v3) and `functory run`, all started here on 127.0.0.1;
#   - cold start (first invoke after deploy) against a bare Node / Python server spawned and
#     asked once (spawn to first answer, as a cold invoke is measured);
#   - hot-reload latency.
# Needs: wrk (Debian), node, python3, npm (peers are installed from npm into node_modules/).
# Prints a Markdown table; results/ keeps the raw wrk output.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/lib.sh
source "$root/scripts/lib.sh"  # sets CARGO_TARGET_DIR as the other scripts do
ensure_system_packages wrk curl
target=$CARGO_TARGET_DIR
out=$here/results
mkdir -p "$out"
duration=${BENCH_DURATION:-10s}

(cd "$root" && nice -n 19 cargo build --quiet --release -p functory-cli)
functory=$target/release/functory
[ -d "$here/node_modules/serverless-offline" ] || (cd "$here" && npm install --no-audit --no-fund)

started_pids=()
cleanup() {
  for pid in "${started_pids[@]}"; do
    # Only the processes this script started, by their own pid (never a group or a name).
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  [ -n "${project:-}" ] && rm -rf "$project"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {
  for _ in $(seq 1 300); do
    if curl -fs -o /dev/null "$1"; then return 0; fi
    sleep 0.1
  done
  echo "no answer from $1" >&2
  return 1
}
rounds=${BENCH_ROUNDS:-3}
# One wrk run; the machine is a shared VM whose speed drifts over minutes, so every server is
# loaded once per round, the servers in turn, and the medians of the rounds are reported.
load_once() { # name url round
  wrk -t2 -c8 -d"$duration" --latency "$2" > "$out/$1.$3.txt"
  echo "$1 $(awk '/Requests\/sec/ {print $2}' "$out/$1.$3.txt") $(awk '$1=="50%" {print $2}' "$out/$1.$3.txt") $(awk '$1=="99%" {print $2}' "$out/$1.$3.txt")" >> "$out/rounds.txt"
}
: > "$out/summary.txt"
: > "$out/rounds.txt"

# The project functory serves: the same trivial handler in Node and Python.
project=$(mktemp -d)
cat > "$project/functory.toml" <<'TOML'
[project]
name = "bench"

[functions.hello]
runtime = "nodejs20.x"
handler = "hello.handler"

[[functions.hello.triggers]]
kind = "http"
method = "GET"
path = "/hello"

[functions.pyhello]
runtime = "python3.11"
handler = "pyhello.handler"

[[functions.pyhello.triggers]]
kind = "http"
method = "GET"
path = "/pyhello"
TOML
echo 'exports.handler = async () => ({ hello: "world" });' > "$project/hello.js"
printf 'def handler(event, context):\n    return {"hello": "world"}\n' > "$project/pyhello.py"

bare_port=$(free_port); node "$here/peers/bare.js" "$bare_port" & started_pids+=($!)
wait_http "http://127.0.0.1:$bare_port/"

ff_port=$(free_port)
(cd "$here/peers/ff" && exec node -r ./listen-loopback.js "$here/node_modules/@google-cloud/functions-framework/build/src/main.js" --target=hello --port="$ff_port") & started_pids+=($!)
wait_http "http://127.0.0.1:$ff_port/"

sls_port=$(free_port); lambda_port=$(free_port)
(cd "$here/peers/sls" && exec env SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off SLS_DEPRECATION_DISABLE='*' \
  node "$here/node_modules/serverless/bin/serverless.js" offline start --host 127.0.0.1 --httpPort "$sls_port" --lambdaPort "$lambda_port" --noTimeout > "$out/serverless-offline.log" 2>&1) & started_pids+=($!)
wait_http "http://127.0.0.1:$sls_port/hello"

functory_port=$(free_port); "$functory" run "$project" --port "$functory_port" --quiet & started_pids+=($!)
wait_http "http://127.0.0.1:$functory_port/hello"

targets=(
  "bare-node http://127.0.0.1:$bare_port/"
  "functions-framework http://127.0.0.1:$ff_port/"
  "serverless-offline http://127.0.0.1:$sls_port/hello"
  "functory-node http://127.0.0.1:$functory_port/hello"
  "functory-python http://127.0.0.1:$functory_port/pyhello"
)
# Warm-up first (JITs, instances): cold starts are measured separately.
for t in "${targets[@]}"; do set -- $t; wrk -t2 -c8 -d2s "$2" > /dev/null; done
for round in $(seq 1 "$rounds"); do
  for t in "${targets[@]}"; do set -- $t; load_once "$1" "$2" "$round"; done
done
# Medians per server (p99 in ms).
python3 - "$out/rounds.txt" > "$out/summary.txt" <<'PY'
import statistics, sys
def ms(text):
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)
rows = {}
for line in open(sys.argv[1]):
    name, rps, p50, p99 = line.split()
    rows.setdefault(name, []).append((float(rps), ms(p50), ms(p99)))
for name, runs in rows.items():
    med = lambda i: statistics.median(r[i] for r in runs)
    print(f"{name} {med(0):.0f} {med(1):.2f}ms {med(2):.2f}ms {min(r[0] for r in runs):.0f}-{max(r[0] for r in runs):.0f}")
PY
kill "${started_pids[-1]}"; wait "${started_pids[-1]}" || true

python3 "$here/measure.py" process-start > "$out/process-start.json"
python3 "$here/measure.py" cold-start "$functory" "$project" > "$out/cold-start.json"
python3 "$here/measure.py" hot-reload "$functory" "$project" > "$out/hot-reload.json"

echo
echo "| server | requests/s (median of $rounds) | range | p50 | p99 |"
echo "|---|---:|---:|---:|---:|"
while read -r name rps p50 p99 range; do echo "| $name | $rps | $range | $p50 | $p99 |"; done < "$out/summary.txt"
echo
echo "bare server, spawn to first answer (median of 10, ms): $(cat "$out/process-start.json")"
echo "cold start, first invoke after deploy over HTTP (median of 5, ms): $(cat "$out/cold-start.json")"
echo "hot reload, save to first new response (ms): $(cat "$out/hot-reload.json")"
