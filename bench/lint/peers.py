"""Lints every policy file of a folder with Parliament or Cloudsplaining, in one process, the way
bench/lint/run.sh times functory: prints a JSON summary (files, per-policy total and max, and
for Parliament the UNKNOWN_ACTION findings, with those whose action is in functory's catalogue).

    python peers.py parliament|cloudsplaining <policies folder> [<catalogue json>]
"""

import fnmatch
import json
import pathlib
import sys
import time

tool, folder = sys.argv[1], pathlib.Path(sys.argv[2])
catalogue_path = pathlib.Path(sys.argv[3]) if len(sys.argv) > 3 else None
paths = sorted(folder.glob("*.json"))

if tool == "parliament":
    from parliament import analyze_policy_string

    def lint(text):
        return analyze_policy_string(text).findings

elif tool == "cloudsplaining":
    from cloudsplaining.command.scan_policy_file import scan_policy
    from cloudsplaining.shared.constants import DEFAULT_EXCLUSIONS_CONFIG

    def lint(text):
        results = scan_policy(json.loads(text), DEFAULT_EXCLUSIONS_CONFIG) or {}
        # Each risk holds {"findings": [...]} or, for some versions, the list itself.
        found = []
        for risk, value in results.items():
            items = value.get("findings", []) if isinstance(value, dict) else value or []
            found.extend((risk, item) for item in items)
        return found

else:
    raise SystemExit(f"unknown tool {tool}")

known = {}
if catalogue_path:
    services = json.loads(catalogue_path.read_text())["services"]
    known = {prefix: [a[0].lower() for a in s["actions"]] for prefix, s in services.items()}


def in_catalogue(action):
    prefix, _, name = action.partition(":")
    names = known.get(prefix.lower(), [])
    return any(fnmatch.fnmatchcase(n, name.lower()) for n in names)


total = 0.0
worst = (0.0, "")
findings = 0
unknown = []
crashes = []
for path in paths:
    text = path.read_text()
    started = time.perf_counter()
    try:
        result = lint(text)
    except Exception as error:  # the tool's own failure on this policy: count it, go on
        result = []
        crashes.append(f"{path.name}: {error}")
    elapsed = (time.perf_counter() - started) * 1000
    total += elapsed
    worst = max(worst, (elapsed, path.name))
    findings += len(result)
    if tool == "parliament":
        for finding in result:
            if finding.issue == "UNKNOWN_ACTION":
                # Parliament puts the action in the location, and "Unknown action X" in detail.
                location = finding.location if isinstance(finding.location, dict) else {}
                unknown.append((path.name, location.get("string") or str(finding.detail).split()[-1]))

unknown_known = [f"{name}: {action}" for name, action in unknown if action and in_catalogue(action)]

print(
    json.dumps(
        {
            "tool": tool,
            "files": len(paths),
            "totalLintMs": total,
            "maxPolicyMs": worst[0],
            "maxPolicyFile": worst[1],
            "findings": findings,
            "crashes": len(crashes),
            "crashExamples": crashes[:3],
            "unknownActionFindings": len(unknown) if tool == "parliament" else None,
            "unknownActionFindingsForKnownActions": len(unknown_known) if tool == "parliament" else None,
            "examples": unknown_known[:5],
        }
    )
)
