"""Translates SAM templates to CloudFormation with the AWS SAM translator (PyPI
aws-sam-translator, the library `sam deploy` and CloudFormation's SAM transform run), after
doing what `sam package` does first: a function's local CodeUri becomes an S3 object. Prints one
line per template ("PATH: ok" or each of its errors); exits 1 when any template fails.

The cfn-lint test runs it: cfn-lint checks the template's shape, the translator checks what SAM
itself refuses (an authorizer the API lacks, `NONE` without a DefaultAuthorizer, credentials for
any origin, ...)."""

import sys

from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class NoManagedPolicies:
    """Exports write inline statements only: no managed policy name needs looking up."""

    def load(self):
        return {}


failed = False
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    for logical, resource in (template.get("Resources") or {}).items():
        props = resource.get("Properties") or {}
        code = props.get("CodeUri")
        if resource.get("Type") == "AWS::Serverless::Function" and not (
            isinstance(code, str) and code.startswith("s3://")
        ):
            props["CodeUri"] = f"s3://packaged-code/{logical}.zip"
    try:
        transform(template, {}, NoManagedPolicies())
        print(f"{path}: ok")
    except InvalidDocumentException as e:
        failed = True
        for cause in e.causes:
            print(f"{path}: {cause.message}")
    except Exception as e:  # noqa: BLE001 - any failure of the translator is a failed template
        failed = True
        print(f"{path}: {type(e).__name__}: {e}")
sys.exit(1 if failed else 0)
