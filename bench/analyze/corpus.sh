#!/usr/bin/env bash
# Times the analyzer on the corpus of real Lambda handlers (crates/analyze/tests/corpus), and
# tries IAM Policy Autopilot (PyPI) on the same handlers side by side.
# Usage: bash bench/analyze/corpus.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
nice -n 19 cargo run --quiet --release -p functory-analyze --example corpus_bench -- "${1:-9}"

# IAM Policy Autopilot: its generate-policies reads AWS's service reference from
# servicereference.us-east-1.amazonaws.com at run time; where that host cannot be reached it
# stops at the first SDK call it enriches. Installed from PyPI into a cache venv.
venv="$HOME/.cache/functory/iam-policy-autopilot"
if [ ! -x "$venv/bin/iam-policy-autopilot" ]; then
  python3 -m venv "$venv" && "$venv/bin/pip" install --quiet iam-policy-autopilot || true
fi
if [ -x "$venv/bin/iam-policy-autopilot" ]; then
  export DISABLE_IAM_POLICY_AUTOPILOT_TELEMETRY=true
  handlers=$(find crates/analyze/tests/corpus/py -name '*.py' -path '*/[0-9]*' | sort)
  start=$(date +%s%N)
  with_policy=0; empty=0; failed=0; first_error=""
  for h in $handlers; do
    if out=$(timeout 60 "$venv/bin/iam-policy-autopilot" generate-policies "$h" --region us-east-1 --account 123456789012 2>&1); then
      # Files with no SDK call answer `{"Policies":[]}`.
      if echo "$out" | grep -q '"Statement"'; then with_policy=$((with_policy + 1)); else empty=$((empty + 1)); fi
    else
      failed=$((failed + 1)); [ -z "$first_error" ] && first_error="$out"
    fi
  done
  end=$(date +%s%N)
  echo "iam-policy-autopilot $("$venv/bin/iam-policy-autopilot" --version 2>/dev/null | head -1), $(echo "$handlers" | wc -l) Python files of the corpus: $with_policy gave a policy, $empty had no SDK call (empty answer), $failed failed; $(( (end - start) / 1000000 )) ms"
  [ -n "$first_error" ] && echo "first failure: $(echo "$first_error" | tail -1 | cut -c1-400)"
else
  echo "iam-policy-autopilot: not installable here"
fi
