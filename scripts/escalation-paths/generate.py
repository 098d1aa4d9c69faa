"""Writes crates/lint/data/escalation-paths.json (and its licence notice) from a checkout of
pathfinding.cloud. Every required permission is checked against the IAM catalogue functory-lint
embeds; a path naming an action the catalogue does not know is reported and left out.

Output: {"source": {repository, commit, generatedAt, paths},
         "paths": [{"id", "name", "category", "required": [action, ...]}]}
"""

import argparse
import datetime
import json
import pathlib
import sys

import yaml


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--commit", required=True)
    parser.add_argument("--catalogue", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    source = pathlib.Path(args.source)
    catalogue = json.load(open(args.catalogue))["services"]
    known = {
        f"{prefix}:{action[0]}".lower(): f"{prefix}:{action[0]}"
        for prefix, service in catalogue.items()
        for action in service["actions"]
    }
    paths = []
    for file in sorted((source / "data" / "paths").glob("*/*.yaml")):
        data = yaml.safe_load(file.read_text())
        required = [p["permission"] for p in (data.get("permissions") or {}).get("required") or []]
        if not required:
            required = [p.strip() for p in data["name"].split("+")]
        unknown = [p for p in required if p.lower() not in known]
        if unknown:
            print(f"{data['id']}: not in the IAM catalogue: {unknown}; left out", file=sys.stderr)
            continue
        paths.append({
            "id": data["id"],
            "name": data["name"],
            "category": data.get("category", ""),
            "required": [known[p.lower()] for p in required],
        })
    out = pathlib.Path(args.out)
    document = {
        "source": {
            "repository": "https://github.com/DataDog/pathfinding.cloud",
            "commit": args.commit,
            "generatedAt": datetime.date.today().isoformat(),
            "paths": len(paths),
            "script": "scripts/escalation-paths/generate.sh",
        },
        "paths": paths,
    }
    (out / "escalation-paths.json").write_text(json.dumps(document, indent=1) + "\n")
    licence = (source / "LICENSE").read_text()
    notice = (source / "NOTICE").read_text() if (source / "NOTICE").exists() else ""
    (out / "escalation-paths.LICENSE.txt").write_text(
        "escalation-paths.json is derived from pathfinding.cloud (DataDog, "
        f"https://github.com/DataDog/pathfinding.cloud, commit {args.commit}), under the "
        "following licence:\n\n" + notice + "\n" + licence
    )
    print(f"{len(paths)} paths", file=sys.stderr)


if __name__ == "__main__":
    main()
