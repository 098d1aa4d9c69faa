"""Builds a deterministic AWS account (in moto, or any endpoint AWS_ENDPOINT_URL names) of N
Lambda functions with planted risks and clean controls, for `functory audit` tests and
benchmarks. Prints, as JSON, what a correct audit must report for each function.

Usage: python fixture.py N [REGION]        (boto3; AWS_ENDPOINT_URL, credentials from the env)

Function i is of kind i % 8:
  0 control      a role with one scoped inline statement; nothing to report
  1 public-url   a function URL with AuthType NONE                     -> LMB001
  2 secret-env   an AWS access key in an environment variable          -> LMB003
  3 old-runtime  python3.8, deprecated                                 -> LMB004
  4 admin-role   an inline policy allowing * on *                      -> IAM201
  5 escalation   iam:PassRole + lambda:CreateFunction + InvokeFunction -> IAM206 (lambda-001)
  6 managed-esc  a customer-managed policy allowing iam:CreatePolicyVersion -> IAM206 (iam-001)
  7 control      a customer-managed policy scoped to one table; nothing to report
"""

import io
import json
import sys
import zipfile

import boto3

KINDS = ["control", "public-url", "secret-env", "old-runtime", "admin-role", "escalation",
         "managed-esc", "control"]
EXPECTED = {
    "control": [],
    "public-url": ["LMB001"],
    "secret-env": ["LMB003"],
    "old-runtime": ["LMB004"],
    "admin-role": ["IAM201"],
    "escalation": ["IAM206"],
    "managed-esc": ["IAM206"],
}
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
    "Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
# A canary: an access key id of AWS's documented example shape, never to appear in a report.
SECRET = "AKIAZZZZ3EXAMPLE7Q2W"


def code_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {'ok': True}\n")
    return buffer.getvalue()


def statement(actions, resource):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": actions, "Resource": resource}]})


def main():
    count = int(sys.argv[1])
    region = sys.argv[2] if len(sys.argv) > 2 else "eu-west-1"
    iam = boto3.client("iam", region_name=region)
    lam = boto3.client("lambda", region_name=region)
    account = boto3.client("sts", region_name=region).get_caller_identity()["Account"]
    zipped = code_zip()
    managed = {}
    for name, document in [
        ("audit-escalate", statement(["iam:CreatePolicyVersion"], "*")),
        ("audit-table", statement(["dynamodb:GetItem", "dynamodb:PutItem"],
                                  f"arn:aws:dynamodb:{region}:{account}:table/orders")),
    ]:
        managed[name] = iam.create_policy(PolicyName=name, PolicyDocument=document)["Policy"]["Arn"]
    expected = {}
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        name = f"fn-{i:04d}-{kind}"
        role = f"role-{i:04d}"
        arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        runtime = "python3.12"
        environment = {"TABLE": "orders"}
        if kind in ("control", "public-url", "secret-env", "old-runtime"):
            iam.put_role_policy(RoleName=role, PolicyName="logs", PolicyDocument=statement(
                ["logs:CreateLogStream", "logs:PutLogEvents"],
                f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{name}:*"))
        if kind == "admin-role":
            iam.put_role_policy(RoleName=role, PolicyName="admin", PolicyDocument=statement("*", "*"))
        if kind == "escalation":
            iam.put_role_policy(RoleName=role, PolicyName="deployer", PolicyDocument=statement(
                ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"], "*"))
        if kind == "managed-esc":
            iam.attach_role_policy(RoleName=role, PolicyArn=managed["audit-escalate"])
        if kind == "control" and i % len(KINDS) == 7:
            iam.attach_role_policy(RoleName=role, PolicyArn=managed["audit-table"])
        if kind == "secret-env":
            environment["UPSTREAM_KEY_ID"] = SECRET
        if kind == "old-runtime":
            runtime = "python3.8"
        lam.create_function(FunctionName=name, Runtime=runtime, Role=arn, Handler="app.handler",
                            Code={"ZipFile": zipped}, Timeout=10, MemorySize=256,
                            Environment={"Variables": environment})
        if kind == "public-url":
            lam.create_function_url_config(FunctionName=name, AuthType="NONE")
            lam.add_permission(FunctionName=name, StatementId="FunctionURLAllowPublicAccess",
                               Action="lambda:InvokeFunctionUrl", Principal="*",
                               FunctionUrlAuthType="NONE")
        expected[name] = EXPECTED[kind]
    json.dump({"secret": SECRET, "expected": expected}, sys.stdout)


if __name__ == "__main__":
    main()
