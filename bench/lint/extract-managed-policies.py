"""Writes every AWS managed policy shipped in moto (moto/iam/aws_managed_policies.py) to
<out>/<PolicyName>.json, one document per file, exactly as moto stores it."""

import json
import pathlib
import sys

from moto.iam.aws_managed_policies import aws_managed_policies_data

out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
policies = json.loads(aws_managed_policies_data)
for name, policy in sorted(policies.items()):
    document = policy["Document"]
    (out / f"{name}.json").write_text(json.dumps(document, indent=2) + "\n")
print(len(policies))
