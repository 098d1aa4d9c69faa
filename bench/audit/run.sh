#!/usr/bin/env bash
# Times `functory audit` on a moto account of N functions built by fixture.py (default 1,000),
# checks it reported every planted risk and nothing on the controls, and runs Prowler (PyPI)
# with its Lambda and IAM checks against the same moto side by side.
# Usage: bash bench/audit/run.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
count="${1:-1000}"
venv="${FUNCTORY_MOTO_VENV:-$HOME/.cache/functory/venv}"
work="$(mktemp -d)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -s "http://127.0.0.1:$port/moto-api/" >/dev/null && break; sleep 0.2; done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
  AWS_DEFAULT_REGION=eu-west-1
curl -s -X POST -H 'Content-Type: application/json' -d '{"lambda":{"use_docker":false}}' \
  "$AWS_ENDPOINT_URL/moto-api/config" >/dev/null
start=$(date +%s%N)
"$venv/bin/python" bench/audit/fixture.py "$count" eu-west-1 >"$work/expected.json"
echo "fixture: $count functions built in $(( ($(date +%s%N) - start) / 1000000 )) ms"

cargo build --quiet --release -p functory-cli
functory="${CARGO_TARGET_DIR:-target}/release/functory"
printf '[project]\nname = "audit"\n\n[targets.prod]\nadapter = "aws"\nregion = "eu-west-1"\n' >"$work/functory.toml"
for run in 1 2 3; do
  start=$(date +%s%N)
  (cd "$work" && "$functory" audit --target prod --format json -o report.json 2>/dev/null)
  echo "functory audit, run $run: $(( ($(date +%s%N) - start) / 1000000 )) ms"
done
python3 - "$work/expected.json" "$work/report.json" <<'PY'
import json, sys
planted = json.load(open(sys.argv[1]))
report = json.load(open(sys.argv[2]))
found = {f["name"]: {x["code"] for x in f["findings"]} for f in report["functions"]}
missed = [(n, c) for n, codes in planted["expected"].items() for c in codes if c not in found.get(n, set())]
noisy = [n for n, codes in planted["expected"].items() if not codes and found.get(n)]
leaked = planted["secret"] in open(sys.argv[2]).read()
print(f"functory audit: {len(report['functions'])} functions, {sum(len(c) for c in found.values())} findings; "
      f"planted risks missed: {len(missed)}; controls with findings: {len(noisy)}; secret in report: {leaked}")
PY

prowler="$HOME/.cache/functory/prowler-venv/bin/prowler"
if [ -x "$prowler" ]; then
  start=$(date +%s%N)
  set +e
  (cd "$work" && timeout 1800 "$prowler" aws --services awslambda iam --region eu-west-1 \
      --output-formats json-ocsf --output-directory "$work/prowler" --no-banner >"$work/prowler.log" 2>&1)
  status=$?
  set -e
  echo "prowler $("$prowler" --version 2>/dev/null | tail -1): exit $status (3: some checks failed) in $(( ($(date +%s%N) - start) / 1000000 )) ms"
  # What Prowler failed, per check, and per fixture function (roles are role-NNNN, functions
  # fn-NNNN-kind), beside what functory audit reported for the same function.
  python3 - "$work/expected.json" "$work/report.json" "$work"/prowler/*.ocsf.json <<'PY'
import collections, json, re, sys
planted = json.load(open(sys.argv[1]))["expected"]
report = json.load(open(sys.argv[2]))
ours = {f["name"]: sorted({x["code"] for x in f["findings"]}) for f in report["functions"]}
findings = json.load(open(sys.argv[3]))
by_check = collections.Counter()
theirs = collections.defaultdict(set)
for finding in findings:
    if finding.get("status_code") != "FAIL":
        continue
    check = finding.get("metadata", {}).get("event_code", "?")
    by_check[check] += 1
    for resource in finding.get("resources", []):
        text = f"{resource.get('uid', '')} {resource.get('name', '')}"
        for index in set(re.findall(r"(?:role|fn)-(\d{4})", text)):
            theirs[index].add(check)
print("prowler FAIL findings by check:")
for check, n in sorted(by_check.items(), key=lambda kv: (-kv[1], kv[0])):
    print(f"  {n:5d} {check}")
kinds = collections.defaultdict(lambda: [0, 0, set(), set()])
for name, expected in planted.items():
    index, kind = name[3:7], name[8:]
    entry = kinds[kind]
    entry[0] += 1
    entry[1] += bool(ours.get(name))
    entry[2].update(ours.get(name, []))
    entry[3].update(theirs.get(index, set()))
print("per planted kind: functions, flagged by functory, functory codes | prowler FAIL checks")
for kind, (n, flagged, codes, checks) in sorted(kinds.items()):
    print(f"  {kind:12s} {n:4d} {flagged:4d} {','.join(sorted(codes)) or '-'} | {','.join(sorted(checks)) or '-'}")
missed_by_us = [n for n in planted if theirs.get(n[3:7]) and not ours.get(n)]
print(f"functions prowler flags and functory does not: {len(missed_by_us)}"
      + (f" (e.g. {missed_by_us[:3]}: {sorted(theirs[missed_by_us[0][3:7]])})" if missed_by_us else ""))
PY
else
  echo "prowler: not installed (pip install prowler into $HOME/.cache/functory/prowler-venv)"
fi
