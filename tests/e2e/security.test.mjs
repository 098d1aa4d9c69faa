// End-to-end test of Security, Least privilege and "Explain AccessDenied" in the real app under
// Xvfb. The project is a copy of the sample changed on disk before launching:
//   - policies/report-role.json, on which the linter finds IAM004 (Effect "allow", a safe fix)
//     and IAM002 (Version 2008-10-17, an unsafe fix);
//   - src/resize.mjs lists the uploads bucket and writes thumbnails with the AWS SDK, so its
//     generated policy differs from its permissions (s3:ListBucket missing, s3:GetObject unused);
//   - a Python function `notify` sends a message to an SQS queue with boto3, against a real moto
//     server that enforces IAM, signed in (an AWS profile of a credentials file the test writes)
//     as a user with no permission: invoking it on the local runtime gets a real AccessDenied
//     from moto, which the app explains.
// Each change the app makes is checked in the files on disk.
//
// Needs: FUNCTORY_APP_BINARY (built with the `custom-protocol` feature), a DISPLAY (xvfb-run),
// tauri-driver and WebKitWebDriver on PATH, the Python venv with moto and boto3
// (scripts/python-venv.sh). scripts/test.sh provides all of them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMoto, VENV } from "../../ui/tests/support/moto.mjs";
import { choose, copySample, fill, launch, shot, textOf, waitForText, waitUntil } from "./harness.mjs";

const POLICY = "policies/report-role.json";
const POLICY_TEXT = `{
  "Version": "2008-10-17",
  "Statement": [
    {
      "Sid": "ReadUploads",
      "Effect": "allow",
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::uploads/\${aws:username}/*"
    }
  ]
}
`;
const finding = (code) => `[data-testid="security-finding"][data-code="${code}"]`;

/** Moto enforcing IAM after its first three calls, which make the queue and a user without permissions. */
async function motoWithQueue(t) {
  const moto = await startMoto({ env: { INITIAL_NO_AUTH_ACTION_COUNT: "3" } });
  t.after(moto.stop);
  return {
    moto,
    ...JSON.parse(
      moto.python(`
import boto3, json
queue = boto3.client("sqs").create_queue(QueueName="alerts")["QueueUrl"]
iam = boto3.client("iam")
iam.create_user(UserName="notify")
key = iam.create_access_key(UserName="notify")["AccessKey"]
print(json.dumps({"queue": queue, "id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}))
`),
    ),
  };
}

/**
 * The sample with the policy file, resize's SDK calls and `notify`, which signs in with the AWS
 * profile `notify` of a credentials file outside the project (the keys of moto's user).
 */
function prepareProject(t, { moto, queue, id, secret }) {
  const keys = mkdtempSync(join(tmpdir(), "functory-e2e-keys-"));
  t.after(() => rmSync(keys, { recursive: true, force: true }));
  const credentials = join(keys, "credentials");
  writeFileSync(credentials, `[notify]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`);
  const dir = copySample();
  mkdirSync(join(dir, "policies"));
  writeFileSync(join(dir, POLICY), POLICY_TEXT);
  const resize = join(dir, "src", "resize.mjs");
  writeFileSync(
    resize,
    `${readFileSync(resize, "utf8")}
import { S3Client, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
const s3 = new S3Client({});
export async function store(key, body) {
  await s3.send(new PutObjectCommand({ Bucket: process.env.THUMBS_BUCKET, Key: key, Body: body }));
  await s3.send(new ListObjectsV2Command({ Bucket: "uploads" }));
}
`,
  );
  writeFileSync(
    join(dir, "src", "notify.py"),
    `import os

import boto3

sqs = boto3.client("sqs")


def handler(event, context):
    sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody="thumbnails ready")
    return {"sent": True}
`,
  );
  // notify talks to an AWS account (moto) from the local runtime with a profile of its own: the
  // project declares no resources, so the run starts no local AWS services in front of it.
  const declared = /\n# The buckets `resize` reads[\s\S]*?\[resources\.thumbs\]\nkind = "bucket"\n/;
  assert.match(readFileSync(join(dir, "functory.toml"), "utf8"), declared);
  writeFileSync(
    join(dir, "functory.toml"),
    `${readFileSync(join(dir, "functory.toml"), "utf8").replace(declared, "")}
[functions.notify]
runtime = "python3.12"
handler = "src/notify.handler"
memory_mb = 128
timeout_s = 30
environment = { QUEUE_URL = "${queue}", AWS_ENDPOINT_URL = "${moto.url}", AWS_PROFILE = "notify", AWS_SHARED_CREDENTIALS_FILE = "${credentials}", AWS_CONFIG_FILE = "/dev/null" }
`,
  );
  return dir;
}

test("real app: a safe fix, an unsafe fix reviewed, the generated policy used, an AccessDenied explained", { timeout: 180_000 }, async (t) => {
  const aws = await motoWithQueue(t);
  const project = prepareProject(t, aws);
  const read = (relative) => readFileSync(join(project, relative), "utf8");
  // boto3 comes from the venv moto is installed in: the local runtime runs python from there.
  const { session } = await launch(t, {
    args: ["--open", project],
    project,
    name: "security",
    env: { FUNCTORY_PYTHON: join(VENV, "bin", "python") },
  });

  // --- Security: the linter's findings; a safe fix in one click ------------------------------
  await (await session.waitFor("nav-security", { timeout: 30_000 })).click();
  await session.waitForCss(finding("IAM004"), { timeout: 30_000 });
  await (await session.findCss(`${finding("IAM004")} [data-testid="security-fix"]`)).click();
  await waitUntil(() => read(POLICY) === POLICY_TEXT.replace('"Effect": "allow"', '"Effect": "Allow"'), "the safe fix in the policy file");
  await session.waitUntil(async () => (await textOf(session, finding("IAM004"))) === null, { what: "IAM004 to leave the list" });

  // --- an unsafe fix: its diff first, applied when confirmed ----------------------------------
  await (await session.findCss(`${finding("IAM002")} [data-testid="security-review-fix"]`)).click();
  const diff = await waitForText(session, '[data-testid="security-fix-diff"]', /2012-10-17/);
  assert.match(diff, /-\s*"Version": "2008-10-17",/);
  assert.match(diff, /\+\s*"Version": "2012-10-17",/);
  assert.equal(read(POLICY), POLICY_TEXT.replace('"Effect": "allow"', '"Effect": "Allow"'), "nothing applied while reviewing");
  shot("security-unsafe-fix");
  await (await session.find("security-fix-confirm")).click();
  await waitUntil(() => /"Version": "2012-10-17"/.test(read(POLICY)), "the reviewed fix in the policy file");
  await session.waitUntil(async () => (await textOf(session, finding("IAM002"))) === null, { what: "IAM002 to leave the list" });
  assert.equal(read(POLICY), POLICY_TEXT.replace('"Effect": "allow"', '"Effect": "Allow"').replace("2008-10-17", "2012-10-17"));

  // --- Least privilege: what resize's code calls, and its generated policy used -----------------
  await (await session.find("security-tab-least-privilege")).click();
  await session.waitFor("lp-panel");
  await choose(session, "lp-function", "resize");
  await session.waitForCss('[data-testid="lp-missing"][data-action="s3:ListBucket"]', { timeout: 30_000 });
  assert.match(await textOf(session, '[data-testid="lp-missing"][data-action="s3:ListBucket"]'), /AccessDenied/);
  assert.ok(await textOf(session, '[data-testid="lp-unused"][data-action="s3:GetObject"]'), "s3:GetObject is granted and unused");
  await (await session.find("lp-use-generated")).click();
  const change = await waitForText(session, '[data-testid="permissions-diff"]', /ListBucket/);
  assert.match(change, /-actions = \["s3:GetObject"\]/);
  assert.match(change, /\+actions = \["s3:ListBucket"\]/);
  await (await session.find("permissions-confirm")).click();
  await session.waitFor("lp-matches");
  const manifest = read("functory.toml");
  const resizeSection = manifest.slice(manifest.indexOf("[functions.resize]"), manifest.indexOf("[functions.report]"));
  assert.doesNotMatch(resizeSection, /s3:GetObject/);
  assert.match(resizeSection, /actions = \["s3:ListBucket"\]\nresources = \["arn:aws:s3:::uploads"\]/);
  assert.match(manifest, /# images up to 20 MB fit comfortably/, "comments are kept");

  // --- Explain AccessDenied: notify is refused by moto's IAM, the app names the fix ------------
  await (await session.find("nav-run")).click();
  await session.waitFor("run-view");
  await fill(session, "run-port", "0");
  await choose(session, "run-function", "notify");
  await (await session.find("run-invoke")).click();
  await session.waitFor("run-function-error", { timeout: 60_000 });
  assert.equal(await textOf(session, '[data-testid="run-problems"]'), null, "the run serves every function");
  const message = await textOf(session, '[data-testid="run-function-error"]');
  assert.match(message, /is not authorized to perform: sqs:SendMessage/, "moto refused the call");
  await (await session.waitFor("explain-denied-button")).click();
  await session.waitFor("explain-denied-summary");
  assert.equal(await textOf(session, '[data-testid="explain-denied-action"]'), "sqs:SendMessage");
  // The queue's name comes from QUEUE_URL in functory.toml; its region and account stay open.
  assert.match(await textOf(session, '[data-testid="explain-denied-summary"]'), /grant sqs:SendMessage on arn:aws:sqs:\*:\*:alerts/);
  assert.ok(await textOf(session, '[data-testid="explain-denied-call"]'), "the call in src/notify.py is named");
  await (await session.find("explain-denied-review")).click();
  assert.match(await waitForText(session, '[data-testid="permissions-diff"]', /SendMessage/), /\+actions = \["sqs:SendMessage"\]/);
  await (await session.find("permissions-confirm")).click();
  await session.waitFor("explain-denied-applied");
  const after = read("functory.toml");
  assert.match(after.slice(after.indexOf("[functions.notify]")), /actions = \["sqs:SendMessage"\]\nresources = \["arn:aws:sqs:\*:\*:alerts"\]/);
  shot("security-access-denied");
});
