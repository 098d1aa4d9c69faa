"""Checks the runtime lifecycle catalogue that functory-core embeds, and says how to refresh it.

    python3 scripts/runtime-catalogue/check.py              check; summary as of today
    python3 scripts/runtime-catalogue/check.py --checklist  the steps to refresh it by hand
    python3 scripts/runtime-catalogue/check.py --on 2027-06-01   judge "today" as another day

Checks (any failure exits 1):
  - every [[runtime]] has the known fields with the right types; dates are plain dates
  - cloud and family are known values; ids are unique per cloud, and so are family + version
  - block_create <= block_update; from 2021 on a runtime is deprecated before it is blocked;
    Google blocks creates and updates on the same (decommission) day; Azure blocks nothing
  - source is an https URL of the cloud's documentation; snapshot is not in the future
  - each family's newest runtime (per cloud) is not deprecated on its snapshot day, unless the
    family ended and names a successor
  - a successor names a runtime of the same cloud
Warnings (exit 0): snapshots older than --stale-after days, dates within 180 days of today
(clouds move dates as they approach: re-read those rows first), and a family whose newest
runtime is deprecated today (a newer one was probably released since the snapshot).

The clouds publish these dates only as web pages, and this machine cannot reach them, so the
script does not download anything: it validates the file and prints what to re-read. Standard
library only (tomllib: Python 3.11+).
"""

import argparse
import datetime
import pathlib
import sys
import tomllib

CATALOGUE = pathlib.Path(__file__).resolve().parents[2] / "crates/core/data/runtimes.toml"

FIELDS = {
    "cloud": str,
    "id": str,
    "family": str,
    "version": str,
    "deprecation": datetime.date,
    "block_create": datetime.date,
    "block_update": datetime.date,
    "successor": str,
    "source": str,
    "snapshot": datetime.date,
    "note": str,
}
REQUIRED = {"cloud", "id", "family", "version", "source", "snapshot"}
CLOUDS = {
    "aws": ("AWS Lambda", "https://docs.aws.amazon.com/lambda/"),
    "azure": ("Azure Functions", "https://learn.microsoft.com/en-us/azure/azure-functions/"),
    "google": ("Cloud Run functions", "https://docs.cloud.google.com/run/docs/"),
}
FAMILIES = {"nodejs", "python", "provided", "java", "dotnet", "ruby", "go"}
# Lambda's three-stage deprecation (deprecate, then block creates, then updates) dates from
# 2021; older rows are as the page lists them.
POLICY_START = datetime.date(2021, 1, 1)
NOTICE_DAYS = 180

CHECKLIST = """\
Refreshing crates/core/data/runtimes.toml (by hand: the clouds publish these dates as pages)

1. AWS Lambda: open https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
   - "Supported runtimes" and "Deprecated runtimes" tables: for every row, the identifier,
     "Deprecation date", "Block function create" and "Block function update".
   - Add a [[runtime]] for each new identifier (cloud = "aws", its family and version).
   - Cross-check the identifiers against the Lambda API: `cargo test -p functory-aws
     catalogue` compares them with aws-sdk-lambda's Runtime enum (update the SDK first).
2. Azure Functions: open
   https://learn.microsoft.com/en-us/azure/azure-functions/supported-languages
   - the Node.js and Python tabs: "Supported version" and "Expected end-of-support date"
     (a month alone is recorded as its last day, with a note). Azure blocks nothing.
3. Google Cloud Run functions: open
   https://docs.cloud.google.com/run/docs/runtimes/function-runtimes (Node.js) and
   https://docs.cloud.google.com/run/docs/runtimes/python
   - "Deprecation" and "Decommission" per runtime ID; decommission is both block dates.
4. Set `snapshot` of every row you re-read to the day you read it; keep `source` the page.
5. Run this script, then:
   cargo test -p functory-core runtime        (catalogue invariants, did-you-mean, templates)
   cargo test -p functory-lint                (LMB004 fixture and snapshot, judged on a pinned day)
   cargo test -p functory-aws catalogue       (identifiers against the Lambda API)
   A new newest runtime changes the templates' runtime and "did you mean": update the
   README's manifest comment and the snapshots those tests name.
"""


def problems_of(entries, today):
    problems, warnings = [], []
    seen_ids, seen_versions = {}, {}
    for index, entry in enumerate(entries):
        where = f"runtime #{index + 1} ({entry.get('cloud', '?')} {entry.get('id', '?')})"
        for key, value in entry.items():
            if key not in FIELDS:
                problems.append(f"{where}: unknown field `{key}`")
            elif type(value) is not FIELDS[key]:
                problems.append(
                    f"{where}: `{key}` is {type(value).__name__}, not {FIELDS[key].__name__}"
                )
        missing = REQUIRED - entry.keys()
        if missing:
            problems.append(f"{where}: missing {', '.join(sorted(missing))}")
            continue
        cloud, family = entry["cloud"], entry["family"]
        if cloud not in CLOUDS:
            problems.append(f"{where}: cloud must be one of {', '.join(sorted(CLOUDS))}")
            continue
        if family not in FAMILIES:
            problems.append(f"{where}: family must be one of {', '.join(sorted(FAMILIES))}")
        key = (cloud, entry["id"])
        if key in seen_ids:
            problems.append(f"{where}: listed twice")
        seen_ids[key] = entry
        version_key = (cloud, family, entry["version"])
        if version_key in seen_versions:
            problems.append(
                f"{where}: same family and version as {seen_versions[version_key]['id']}"
            )
        seen_versions[version_key] = entry

        deprecation = entry.get("deprecation")
        create, update = entry.get("block_create"), entry.get("block_update")
        if create and update and create > update:
            problems.append(f"{where}: block_create {create} is after block_update {update}")
        if (create is None) != (update is None) and cloud != "aws":
            problems.append(f"{where}: one block date without the other")
        if deprecation and deprecation >= POLICY_START and create and deprecation > create:
            problems.append(f"{where}: deprecated {deprecation} after creates are blocked {create}")
        if cloud == "google" and create != update:
            problems.append(f"{where}: Google decommissions creates and updates on one day")
        if cloud == "azure" and (create or update):
            problems.append(f"{where}: Azure Functions blocks no creates or updates")
        if not entry["source"].startswith(CLOUDS[cloud][1]):
            problems.append(f"{where}: source is not a page under {CLOUDS[cloud][1]}")
        if entry["snapshot"] > today:
            problems.append(f"{where}: snapshot {entry['snapshot']} is in the future")
        near = [
            f"{label} {day}"
            for label, day in (
                ("deprecation", deprecation),
                ("block_create", create),
                ("block_update", update),
            )
            if day and 0 <= (day - today).days <= NOTICE_DAYS
        ]
        if near:
            warnings.append(f"{cloud} {entry['id']}: {', '.join(near)} within {NOTICE_DAYS} days")

    for entry in entries:
        successor = entry.get("successor")
        if successor and (entry.get("cloud"), successor) not in seen_ids:
            problems.append(f"{entry.get('cloud')} {entry.get('id')}: successor {successor} is not listed")

    # Each family's newest runtime must be current on the day its page was read.
    newest = {}
    for entry in entries:
        if REQUIRED - entry.keys() or entry["cloud"] not in CLOUDS:
            continue
        family = (entry["cloud"], entry["family"])
        if family not in newest or order(entry) > order(newest[family]):
            newest[family] = entry
    for (cloud, family), entry in sorted(newest.items()):
        deprecation = entry.get("deprecation")
        if deprecation and deprecation <= entry["snapshot"] and not entry.get("successor"):
            problems.append(
                f"{cloud} {family}: the newest runtime, {entry['id']}, was deprecated on "
                f"{deprecation}, before its snapshot {entry['snapshot']}: a newer one is missing"
            )
        elif deprecation and deprecation <= today and not entry.get("successor"):
            warnings.append(
                f"{cloud} {family}: the newest runtime, {entry['id']}, is deprecated on {today}: "
                "the cloud has probably released a newer one (--checklist)"
            )
    if any("within" in w for w in warnings):
        warnings.append(
            "clouds move dates as they approach: re-read the rows above first when refreshing"
        )
    return problems, warnings, newest


def order(entry):
    """The version as numbers: 3.14 -> (3, 14), al2023 -> (2023,). As functory-core orders it."""
    return tuple(
        int("".join(c for c in part if c.isdigit()) or 0) for part in entry["version"].split(".")
    )


def summary(entries, newest, today, stale_after):
    lines = [f"{len(entries)} runtimes; judged on {today}"]
    for (cloud, family), entry in sorted(newest.items()):
        rows = [e for e in entries if e.get("cloud") == cloud and e.get("family") == family]
        deprecated = sum(1 for e in rows if e.get("deprecation") and e["deprecation"] <= today)
        blocked = sum(1 for e in rows if e.get("block_create") and e["block_create"] <= today)
        lines.append(
            f"  {CLOUDS[cloud][0]:<20} {family:<9} newest {entry['id']:<16} "
            f"{len(rows):>2} listed, {deprecated:>2} deprecated, {blocked:>2} creates blocked"
        )
    oldest = min((e["snapshot"] for e in entries if "snapshot" in e), default=None)
    warnings = []
    if oldest and (today - oldest).days > stale_after:
        warnings.append(
            f"the oldest snapshot is {oldest}, over {stale_after} days ago: refresh "
            "(--checklist)"
        )
    return lines, warnings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=pathlib.Path, default=CATALOGUE)
    parser.add_argument("--on", type=datetime.date.fromisoformat, default=datetime.date.today(),
                        help="judge as of this day (default: today)")
    parser.add_argument("--stale-after", type=int, default=180, metavar="DAYS")
    parser.add_argument("--checklist", action="store_true", help="print the refresh steps")
    args = parser.parse_args()
    if args.checklist:
        print(CHECKLIST, end="")
        return 0
    try:
        data = tomllib.loads(args.file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        print(f"{args.file}: {error}", file=sys.stderr)
        return 1
    unknown = set(data) - {"runtime"}
    entries = data.get("runtime", [])
    problems, warnings, newest = problems_of(entries, args.on)
    problems[:0] = [f"unknown top-level key `{k}`" for k in sorted(unknown)]
    lines, stale = summary(entries, newest, args.on, args.stale_after)
    print("\n".join(lines))
    for warning in warnings + stale:
        print(f"warning: {warning}")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print(f"{args.file}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"{args.file}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
