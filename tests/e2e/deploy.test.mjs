// End-to-end test of Deploy and Import from AWS in the real app under Xvfb, against a real moto
// server (the AWS emulator the browser tests use, started here and stopped by its pid). The app
// signs in with the environment's credentials (AWS_ACCESS_KEY_ID … and AWS_ENDPOINT_URL at
// moto), as a CI job would. From a copy of the sample with no cloud target:
//   add the target `dev` from the form, see who it acts as, plan, deploy with progress, see the
//   HTTP API's URL (checked against API Gateway in moto); change report's memory in the settings
//   form and deploy version 2; roll back to version 1 (the alias checked in moto); then import a
//   function made in the account with boto3 into the project.
//
// Needs: FUNCTORY_APP_BINARY (built with the `custom-protocol` feature), a DISPLAY (xvfb-run),
// tauri-driver and WebKitWebDriver on PATH, the Python venv with moto (scripts/python-venv.sh).
// scripts/test.sh provides all of them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMoto } from "../../ui/tests/support/moto.mjs";
import { copySample, fill, launch, shot, textOf, waitForText } from "./harness.mjs";

/** What moto has for `fn`: the version the stage `dev` serves, its memory, and every version. */
function inMoto(moto, fn) {
  return JSON.parse(
    moto.python(`
import boto3, json
lam = boto3.client("lambda")
alias = lam.get_alias(FunctionName="${fn}", Name="dev")["FunctionVersion"]
served = lam.get_function_configuration(FunctionName="${fn}", Qualifier=alias)["MemorySize"]
versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName="${fn}")["Versions"]]
print(json.dumps({"alias": alias, "served": served, "versions": versions}))
`),
  );
}

/** Account set-up before the app opens: resize's upload bucket, and a function no project owns. */
function prepareAccount(moto) {
  moto.python(`
import boto3, io, json, zipfile
boto3.client("s3").create_bucket(Bucket="uploads")
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w") as archive:
    archive.writestr("app.py", "def handler(event, context):\\n    return {'sent': 0}\\n")
role = boto3.client("iam").create_role(RoleName="mailer-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
boto3.client("lambda").create_function(
    FunctionName="mailer", Runtime="python3.12", Handler="app.handler", Role=role, MemorySize=256, Timeout=15,
    Code={"ZipFile": buffer.getvalue()}, Environment={"Variables": {"FROM_ADDRESS": "shop@example.com"}},
)
`);
}

test("real app: add a target, plan, deploy with progress, the API URL, versions, roll back, import from AWS", { timeout: 240_000 }, async (t) => {
  const moto = await startMoto();
  t.after(moto.stop);
  await moto.lambdaWithoutDocker();
  prepareAccount(moto);
  const project = copySample();
  const manifest = () => readFileSync(join(project, "functory.toml"), "utf8");
  const original = manifest();
  // An AWS configuration of the test's own, empty: no profile, so the environment signs in.
  const aws = mkdtempSync(join(tmpdir(), "functory-e2e-aws-"));
  t.after(() => rmSync(aws, { recursive: true, force: true }));
  writeFileSync(join(aws, "config"), "");
  writeFileSync(join(aws, "credentials"), "");
  const { session } = await launch(t, {
    args: ["--open", project],
    project,
    name: "deploy",
    env: {
      AWS_ENDPOINT_URL: moto.url,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_CONFIG_FILE: join(aws, "config"),
      AWS_SHARED_CREDENTIALS_FILE: join(aws, "credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
    },
  });

  // --- add the target from Deploy's empty state ----------------------------------------------
  await (await session.waitFor("nav-deploy", { timeout: 30_000 })).click();
  await (await session.waitFor("deploy-empty-add-target")).click();
  await session.waitFor("target-form");
  assert.equal(await (await session.find("target-field-name")).property("value"), "dev");
  // No profile here: the environment's credentials are the choice.
  assert.equal(await (await session.find("target-signin-ambient")).property("checked"), true);
  await fill(session, "target-field-region", "us-east-1");
  await (await session.find("target-save")).click();
  await session.waitGone("target-form");
  assert.equal(manifest(), original.replace('adapter = "local"\n', 'adapter = "local"\n\n[targets.dev]\nadapter = "aws"\nregion = "us-east-1"\n'));
  assert.equal(await (await session.waitFor("deploy-target")).property("value"), "dev");
  const identity = await waitForText(session, '[data-testid="deploy-identity"] p', /acts as/);
  assert.equal(identity.trim(), "dev acts as arn:aws:sts::123456789012:user/moto (account 123456789012, us-east-1)");

  // --- plan, then deploy both functions with progress ------------------------------------------
  await (await session.find("deploy-plan-button")).click();
  await session.waitFor("deploy-plan", { timeout: 60_000 });
  assert.match(await textOf(session, '[data-testid="deploy-plan-summary"]'), /2 of 2 functions change/);
  assert.match(await textOf(session, '[data-testid="deploy-plan-resize"]'), /route GET \/resize/);
  assert.equal(moto.python('import boto3; print(len(boto3.client("lambda").list_functions()["Functions"]))').trim(), "1", "planning changed nothing");
  // Every progress label the view draws, recorded as it is drawn (a deploy to moto takes well
  // under a second, so the bars are gone by the time a poll would look).
  await session.execute(`
    window.__progress = [];
    new MutationObserver(() => {
      for (const label of document.querySelectorAll('[data-testid="deploy-progress-label"]')) {
        const row = label.closest('.progress-row').dataset.testid.slice('deploy-progress-'.length);
        const seen = row + ': ' + label.textContent;
        if (!window.__progress.includes(seen)) window.__progress.push(seen);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
    return true;`);
  await (await session.find("deploy-confirm")).click();
  await session.waitFor("deploy-result-report", { timeout: 60_000 });
  assert.match(await textOf(session, '[data-testid="deploy-result-resize"]'), /resize deployed to dev: version 1 \(code uploaded\)/);
  assert.match(await textOf(session, '[data-testid="deploy-result-report"]'), /report deployed to dev: version 1 \(code uploaded\)/);
  const progress = await session.execute("return window.__progress;");
  assert.ok(
    // Steps arrive faster than frames are drawn, so which labels get drawn varies; each
    // function's bar showed steps of its own as it went.
    progress.some((p) => /^resize: \d+\/\d+ · /.test(p)) && progress.some((p) => /^report: \d+\/\d+ · /.test(p)),
    `steps of both functions were shown: ${progress.join(" | ")}`,
  );

  // The HTTP API's URL, as API Gateway in moto has it.
  const url = await session.execute(
    `return document.querySelector('[data-testid="deploy-result-endpoints-resize"] [data-testid="deploy-endpoint"]')?.dataset.url ?? null;`,
  );
  const api = JSON.parse(moto.python('import boto3, json; print(json.dumps(boto3.client("apigatewayv2").get_apis()["Items"][0]["ApiEndpoint"]))'));
  assert.equal(url, `${api}/resize`);
  assert.match(url, /^https:\/\/[a-z0-9]+\.execute-api\.us-east-1\.amazonaws\.com\/resize$/);
  assert.deepEqual(inMoto(moto, "report"), { alias: "1", served: 256, versions: ["$LATEST", "1"] });
  shot("deploy-deployed");

  // --- a changed setting is version 2 ----------------------------------------------------------
  await (await session.find("nav-functions")).click();
  await (await session.waitFor("function-report")).click();
  await fill(session, "settings-memory", "512");
  await (await session.find("settings-save")).click();
  await session.waitFor("settings-saved");
  await (await session.find("nav-deploy")).click();
  await (await session.waitFor("deploy-plan-button")).click();
  await waitForText(session, '[data-testid="deploy-plan-summary"]', /1 of 2 functions change/, { timeout: 60_000 });
  await (await session.find("deploy-confirm")).click();
  await waitForText(session, '[data-testid="deploy-result-report"]', /version 2 \(configuration only\)/, { timeout: 60_000 });
  assert.match(await textOf(session, '[data-testid="deploy-result-resize"]'), /version 1 \(no change\)/);
  assert.deepEqual(inMoto(moto, "report"), { alias: "2", served: 512, versions: ["$LATEST", "1", "2"] });

  // --- versions, and a rollback after confirming -----------------------------------------------
  await (await session.waitFor("deploy-versions-report")).click();
  await waitForText(session, '[data-testid="deploy-version-2"]', /serving dev/);
  await (await session.waitFor("deploy-rollback-1")).click();
  await (await session.waitFor("rollback-confirm")).click();
  await waitForText(session, '[data-testid="deploy-rollback-result"]', /Stage dev of report now serves version 1/);
  await waitForText(session, '[data-testid="deploy-version-1"]', /serving dev/);
  assert.deepEqual(inMoto(moto, "report"), { alias: "1", served: 256, versions: ["$LATEST", "1", "2"] });

  // --- import from AWS: the function no project owns --------------------------------------------
  await (await session.find("deploy-import-list")).click();
  await session.waitFor("deploy-import-row-mailer", { timeout: 30_000 });
  // The account's functions: the two this project deployed are marked as its own.
  assert.deepEqual(
    await session.execute(
      `return [...document.querySelectorAll('[data-testid="deploy-import-functions"] li')].map((li) => li.dataset.testid + (li.querySelector('[data-testid^="deploy-import-have-"]') ? ' (in this project)' : ''));`,
    ),
    ["deploy-import-row-mailer", "deploy-import-row-report (in this project)", "deploy-import-row-resize (in this project)"],
  );
  await (await session.find("deploy-import-mailer")).click();
  await waitForText(session, '[data-testid="deploy-import-report"]', /Imported mailer into mailer\/ and functory\.toml/, { timeout: 30_000 });
  assert.match(manifest(), /\[functions\.mailer\]\nruntime = "python3\.12"\nhandler = "app\.handler"\ncode_dir = "mailer"\nmemory_mb = 256\ntimeout_s = 15\n/);
  assert.match(manifest(), /FROM_ADDRESS = "shop@example\.com"/);
  await session.waitFor("deploy-function-mailer");
  shot("deploy-imported");
});
