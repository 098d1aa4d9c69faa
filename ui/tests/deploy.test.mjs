// The Deploy area against a real moto server (the AWS emulator; see support/moto.mjs): the
// sample gets an AWS target `dev` that signs in with a profile of an AWS configuration of the
// test's own, and AWS_ENDPOINT_URL sends every call to moto. The plan before anything changes,
// confirm, progress, the report; a no-change redeploy; versions and rollback; a deploy cut by
// a refused call, which says what is still served; sign-in errors; "Redeploy this" from
// History; "Import from AWS"; cloud logs, polled or live.
//
// The sample's `resize` has a storage trigger on bucket `uploads`, which these tests do not
// create in moto: its plan says so, and the tests deploy `report` (a schedule). Adding targets
// from the form and deploying `resize` with its HTTP API are in targets.test.mjs.
// moto runs no code (Invoke echoes the event) and writes no logs: where a test needs the lines
// Lambda would write, it writes them to moto's CloudWatch Logs itself.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { copySample, openApp, screenshot, tid, waitUntil } from './support/app.mjs';
import { awsConfigFiles, startCuttingProxy, startMoto } from './support/moto.mjs';

const TARGET = `
[targets.dev]
adapter = "aws"
region = "us-east-1"
profile = "functory-ui"
`;

/**
 * A copy of the sample with the AWS target `dev`, opened on the Deploy view against a fresh
 * moto. `moto` options go to moto (e.g. its IAM enforcement); `prepare(moto, project)` runs
 * before the app opens and its answer is `ready`; `credentials` (or a function of `ready`)
 * replace the profile's keys; `config` replaces the AWS config file; `env` is added to the
 * bridge's; `endpoint(ready)` sends the app's AWS calls elsewhere than moto (a proxy before it).
 */
async function openDeploy(t, { moto: motoOptions = {}, prepare = () => {}, credentials = null, config = null, env = {}, endpoint = null } = {}) {
  const moto = await startMoto(motoOptions);
  t.after(moto.stop);
  await moto.lambdaWithoutDocker();
  const project = copySample();
  t.after(() => rmSync(project, { recursive: true, force: true }));
  writeFileSync(join(project, 'functory.toml'), readFileSync(join(project, 'functory.toml'), 'utf8') + TARGET);
  const ready = await prepare(moto, project);
  const keys = (typeof credentials === 'function' ? credentials(ready) : credentials) ?? { id: 'testing', secret: 'testing' };
  const aws = awsConfigFiles({
    config: config ?? '[profile functory-ui]\nregion = us-east-1\n',
    credentials: `[functory-ui]\naws_access_key_id = ${keys.id}\naws_secret_access_key = ${keys.secret}\n`,
  });
  t.after(aws.remove);
  const app = await openApp({
    open: project,
    env: {
      ...aws.env,
      AWS_ENDPOINT_URL: endpoint ? endpoint(ready) : moto.url,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...env,
    },
  });
  t.after(app.close);
  await app.page.waitForSelector(tid('project-tree'));
  await app.page.click(tid('nav-deploy'));
  await app.page.waitForSelector(tid('deploy-view'));
  return { ...app, moto, ready };
}

/** Files below `dir` (not in .git) whose bytes contain `text`. */
function filesContaining(dir, text) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !join(entry.parentPath, entry.name).includes(`${join(dir, '.git')}/`))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => readFileSync(path).includes(text));
}

const changes = (page, fn) =>
  page.locator(`${tid(`deploy-plan-${fn}`)} ${tid('deploy-change')}`).evaluateAll((rows) =>
    rows.map((r) => `${r.dataset.kind}:${r.dataset.action}`),
  );

/**
 * What moto has for a function: $LATEST's memory and runtime, the version the stage `dev`
 * serves and that version's memory, and every version.
 */
function inMoto(moto, fn = 'report') {
  return JSON.parse(
    moto.python(`
import boto3, json
lam = boto3.client("lambda")
conf = lam.get_function_configuration(FunctionName="${fn}")
try:
    alias = lam.get_alias(FunctionName="${fn}", Name="dev")["FunctionVersion"]
    served = lam.get_function_configuration(FunctionName="${fn}", Qualifier=alias)["MemorySize"]
except lam.exceptions.ResourceNotFoundException:
    alias = served = None
versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName="${fn}")["Versions"]]
print(json.dumps({"memory": conf["MemorySize"], "runtime": conf["Runtime"], "alias": alias, "served": served, "versions": versions}))
`),
  );
}

/** Plans and deploys `report` alone, and waits for its result. */
async function deployReport(page) {
  await page.uncheck(tid('deploy-function-resize'));
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-plan'));
  await page.click(tid('deploy-confirm'));
  await page.waitForSelector(tid('deploy-result-report'));
}

test('plan, confirm, progress and report; then nothing changes', async (t) => {
  const { page, calls, moto } = await openDeploy(t);
  assert.equal(await page.inputValue(tid('deploy-target')), 'dev');
  assert.equal(await page.isDisabled(tid('deploy-confirm')), true, 'no deploy before a plan');

  // Only report.
  await page.uncheck(tid('deploy-function-resize'));
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-plan'));
  assert.deepEqual(await changes(page, 'report'), [
    'role:create',
    'function:create',
    'version:create',
    'alias:create',
    'role:create',
    'trigger:create',
  ]);
  assert.match(await page.textContent(tid('deploy-plan-report')), /schedule cron\(0 18 \? \* MON-FRI \*\)[\s\S]*Europe\/Paris/);
  assert.equal(await page.locator(tid('deploy-plan-resize')).count(), 0);
  // The sample's buckets come first: 4 of the calls make them.
  assert.match(await page.textContent(tid('deploy-plan-summary')), /1 of 1 function change · resources to create · 12 API calls/);
  assert.deepEqual(calls('deploy_plan').at(-1), 'deploy_plan {"target":"dev","functions":["report"]}');
  assert.deepEqual(calls('deploy_functions'), [], 'planning changes nothing');
  assert.match(moto.python('import boto3; print(boto3.client("lambda").list_functions()["Functions"])'), /^\[\]$/m, 'nothing in AWS yet');
  await screenshot(page, 'deploy-plan');

  await page.click(tid('deploy-confirm'));
  await page.waitForSelector(tid('deploy-result-report'));
  assert.match(await page.textContent(tid('deploy-result-report')), /report deployed to dev: version 1 \(code uploaded\)/);
  assert.match(await page.textContent(tid('deploy-commit')), /Recorded in History at commit [0-9a-f]{10}/);
  // In AWS: the function, version 1, and the stage alias on it.
  assert.deepEqual(inMoto(moto), { memory: 256, runtime: 'python3.12', alias: '1', served: 256, versions: ['$LATEST', '1'] });
  await screenshot(page, 'deploy-result');

  // Again: the plan says nothing changes, and the deploy uploads nothing.
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-plan'));
  assert.match(await page.textContent(tid('deploy-plan-summary')), /Nothing changes/);
  assert.ok((await changes(page, 'report')).every((c) => c.endsWith(':noOp')), (await changes(page, 'report')).join(' '));
  await page.click(tid('deploy-confirm'));
  await page.waitForSelector(tid('deploy-result-report'));
  assert.match(await page.textContent(tid('deploy-result-report')), /version 1 \(no change\)/);
  assert.deepEqual(inMoto(moto).versions, ['$LATEST', '1'], 'no new version');
});

test('declared resources are planned, created before the functions, and then found', async (t) => {
  // The buckets resize's trigger and permissions name are declared in the sample: the deploy
  // makes them.
  const { page, moto } = await openDeploy(t);
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-plan-resources'));
  const rows = await page
    .locator(`${tid('deploy-plan-resources')} ${tid('deploy-change')}`)
    .evaluateAll((items) => items.map((r) => `${r.dataset.kind}:${r.dataset.action}`));
  assert.deepEqual(rows, ['bucket:create', 'bucket:create']);
  assert.match(await page.textContent(tid('deploy-plan-resources-summary')), /2 to create before the functions/);
  assert.match(await page.textContent(tid('deploy-plan-summary')), /2 of 2 functions change · resources to create/);
  assert.match(moto.python('import boto3; print([b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]])'), /^\[\]$/m, 'planning creates nothing');

  await page.click(tid('deploy-confirm'));
  await page.waitForSelector(tid('deploy-result-resize'));
  assert.match(await page.textContent(tid('deploy-result-resize')), /resize deployed to dev: version 1/);
  const buckets = JSON.parse(
    moto.python(`
import boto3, json
s3 = boto3.client("s3")
print(json.dumps({b["Name"]: s3.get_bucket_tagging(Bucket=b["Name"])["TagSet"] for b in s3.list_buckets()["Buckets"]}))
`),
  );
  assert.deepEqual(buckets, {
    thumbs: [{ Key: 'functory:project', Value: 'thumbnails' }],
    uploads: [{ Key: 'functory:project', Value: 'thumbnails' }],
  });

  // Planned again: the buckets are found.
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-plan-resources'));
  assert.match(await page.textContent(tid('deploy-plan-resources-summary')), /all exist/);
});

test('a changed setting is a new version; rollback moves the stage back', async (t) => {
  const { page, moto } = await openDeploy(t);
  await deployReport(page);

  // Change memory in the settings form of the Functions area, then plan again.
  await page.click(tid('nav-functions'));
  await page.click(tid('function-report'));
  await page.waitForSelector(tid('function-settings'));
  await page.fill(tid('settings-memory'), '512');
  await page.click(tid('settings-save'));
  await page.waitForSelector(tid('settings-saved'));
  await page.click(tid('nav-deploy'));
  await page.uncheck(tid('deploy-function-resize'));
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-plan'));
  const planned = await changes(page, 'report');
  assert.deepEqual(
    planned.filter((c) => !c.endsWith(':noOp')),
    ['configuration:update', 'version:create', 'alias:update'],
    planned.join(' '),
  );
  assert.ok(planned.includes('code:noOp'), 'the code did not change');
  await page.click(tid('deploy-confirm'));
  await page.waitForSelector(tid('deploy-result-report'));
  assert.match(await page.textContent(tid('deploy-result-report')), /version 2 \(configuration only\)/);
  assert.deepEqual(inMoto(moto), { memory: 512, runtime: 'python3.12', alias: '2', served: 512, versions: ['$LATEST', '1', '2'] });

  await page.click(tid('deploy-versions-report'));
  await page.waitForSelector(tid('deploy-version-2'));
  assert.match(await page.textContent(tid('deploy-version-2')), /serving dev/);
  await page.click(tid('deploy-rollback-1'));
  await page.click(tid('rollback-confirm'));
  await page.waitForSelector(tid('deploy-rollback-result'));
  assert.match(await page.textContent(tid('deploy-rollback-result')), /Stage dev of report now serves version 1/);
  // The list is read again from AWS: version 1 is the one serving now.
  await page.waitForFunction(() => /serving dev/.test(document.querySelector('[data-testid="deploy-version-1"]')?.textContent ?? ''));
  assert.doesNotMatch(await page.textContent(tid('deploy-version-2')), /serving dev/);
  assert.deepEqual([inMoto(moto).alias, inMoto(moto).served], ['1', 256], 'the alias moved back in AWS');
});

test('a deploy cut at its last step says the stage still serves the previous version', async (t) => {
  // The network to AWS fails for the deploy's last step, creating the stage alias: a proxy in
  // front of moto drops the connection of every CreateAlias request.
  const { page, moto, ready: proxy } = await openDeploy(t, {
    prepare: async (moto) => {
      const proxy = await startCuttingProxy(moto.url, ({ method, url }) => method === 'POST' && /\/functions\/report\/aliases$/.test(url));
      t.after(proxy.stop);
      return proxy;
    },
    endpoint: (ready) => ready.url,
  });

  await page.uncheck(tid('deploy-function-resize'));
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-plan'));
  await page.click(tid('deploy-confirm'));
  await page.waitForSelector(tid('deploy-failure'));
  assert.ok(proxy.cutRequests.length >= 1, 'CreateAlias was attempted (and retried)');
  assert.match(
    await page.textContent(tid('deploy-failure')),
    /Deploying report failed: .*Lambda CreateAlias `dev` of `report` for AWS profile `functory-ui` could not reach http:\/\/127\.0\.0\.1:\d+ .*check that the endpoint is up/,
  );
  assert.match(await page.textContent(tid('deploy-still-serving')), /report has no stage dev yet: nothing of it is served/);
  // In AWS: the function and its version exist, no alias serves it.
  assert.deepEqual(inMoto(moto), { memory: 256, runtime: 'python3.12', alias: null, served: null, versions: ['$LATEST', '1'] });

  // The network is back: the next deploy converges, doing only what is missing.
  proxy.setCut(() => false);
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-plan'));
  const planned = await changes(page, 'report');
  assert.ok(planned.includes('alias:create'), planned.join(' '));
  for (const done of ['role:noOp', 'code:noOp', 'configuration:noOp', 'version:noOp']) assert.ok(planned.includes(done), `${done} in ${planned.join(' ')}`);
  await page.click(tid('deploy-confirm'));
  await page.waitForSelector(tid('deploy-result-report'));
  assert.match(await page.textContent(tid('deploy-result-report')), /report deployed to dev: version 1/);
  assert.deepEqual(inMoto(moto), { memory: 256, runtime: 'python3.12', alias: '1', served: 256, versions: ['$LATEST', '1'] });
});

test('an SSO sign-in that was never made is explained, with the way to Accounts', async (t) => {
  // The target signs in with an SSO profile; no `aws sso login` was run (HOME is empty, so
  // there is no cached SSO token).
  const home = mkdtempSync(join(tmpdir(), 'functory-ui-home-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const { page, calls } = await openDeploy(t, {
    prepare: (moto, project) => {
      const manifest = join(project, 'functory.toml');
      writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('profile = "functory-ui"', 'profile = "dev"'));
    },
    config: `[profile dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Deployer
region = us-east-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
`,
    env: { HOME: home },
  });
  await page.uncheck(tid('deploy-function-resize'));
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-error'));
  assert.match(
    await page.textContent(tid('deploy-error')),
    /the SSO sign-in of AWS profile `dev` has expired or was never made .*run `aws sso login --profile dev`, then try again/,
  );
  assert.equal(await page.locator(tid('deploy-plan')).count(), 0);
  assert.deepEqual(calls('deploy_functions'), []);
  await page.click(`${tid('deploy-error')} button`);
  await page.waitForSelector(tid('accounts-view'));
});

test('without a cloud target the view says what a target is and offers the form', async (t) => {
  const app = await openApp({ sample: true });
  t.after(app.close);
  await app.page.waitForSelector(tid('project-tree'));
  await app.page.click(tid('nav-deploy'));
  assert.match(await app.page.textContent(tid('deploy-empty')), /No cloud target yet[\s\S]*\[targets\.NAME\]/);
  await app.page.click(tid('deploy-empty-add-target'));
  await app.page.waitForSelector(tid('target-form'));
  await app.page.click(tid('target-cancel'));
  await app.page.waitForSelector(tid('deploy-empty'));
  assert.deepEqual(app.calls('apply_manifest_edit'), []);
});

test('History redeploys a recorded deploy exactly', async (t) => {
  const { page, calls, moto, project } = await openDeploy(t);
  await deployReport(page);
  // The deploy is recorded on its checkpoint, as a git note anyone can read.
  const note = execFileSync('git', ['notes', '--ref=functory-deploys', 'show', 'HEAD'], { cwd: project, encoding: 'utf8' });
  assert.deepEqual(
    (({ target, function: fn, cloudVersion }) => ({ target, fn, cloudVersion }))(JSON.parse(note.trim().split('\n').at(-1))),
    { target: 'dev', fn: 'report', cloudVersion: '1' },
  );
  // Then report changes (a setting), and the stage serves version 2.
  const manifest = join(project, 'functory.toml');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('memory_mb = 256', 'memory_mb = 384'));
  await page.click(tid('nav-functions'));
  await page.click(tid('reload-project'));
  await page.click(tid('nav-deploy'));
  await deployReport(page);
  assert.match(await page.textContent(tid('deploy-result-report')), /version 2/);
  assert.deepEqual([inMoto(moto).alias, inMoto(moto).served], ['2', 384]);

  // History: "Redeploy this" on the first deploy puts exactly that back (its settings too).
  await page.keyboard.press('Control+6');
  await page.waitForSelector(tid('history-timeline'));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid^="timeline-entry-"][data-kind="deploy"]').length === 2);
  // (Both deploys happened within seconds: the entry is picked by its version, not its place.)
  const first = page.locator('[data-testid^="timeline-entry-"][data-kind="deploy"]', { hasText: /version 1 ·/ });
  assert.match(await first.textContent(), /^Deployed report to dev/);
  await first.click();
  await page.click(tid('history-redeploy'));
  await page.click(tid('confirm-redeploy'));
  await page.waitForSelector(tid('deploy-result-report'));
  assert.equal(calls('redeploy_function').length, 1);
  assert.match(calls('redeploy_function')[0], /"target":"dev","function":"report"/);
  // Version 1 is that deploy: the stage goes back to it, nothing is uploaded.
  assert.match(await page.textContent(tid('deploy-result-report')), /report deployed to dev: version 1 /);
  assert.deepEqual([inMoto(moto).alias, inMoto(moto).served], ['1', 256], 'the recorded deploy is served again');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid^="timeline-entry-"][data-kind="deploy"]').length === 3);
  // The working files are untouched: only the cloud went back.
  assert.match(readFileSync(manifest, 'utf8'), /memory_mb = 384/);
});

/**
 * Writes the lines Lambda writes for one invocation of `fn` to moto's CloudWatch Logs (moto
 * runs no code and writes none itself): START, the handler's line, END and REPORT.
 */
function writeInvocationLogs(moto, fn, requestId, message) {
  moto.python(`
import boto3, time
logs = boto3.client("logs")
group, stream = "/aws/lambda/${fn}", time.strftime("%Y/%m/%d") + "/[1]0123456789abcdef"
try:
    logs.create_log_group(logGroupName=group)
except logs.exceptions.ResourceAlreadyExistsException:
    pass
try:
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
except logs.exceptions.ResourceAlreadyExistsException:
    pass
now = int(time.time() * 1000)
lines = [
    "START RequestId: ${requestId} Version: 1",
    time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()) + "\t${requestId}\tINFO\t${message}",
    "END RequestId: ${requestId}",
    "REPORT RequestId: ${requestId}\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 256 MB\tMax Memory Used: 40 MB",
]
logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": now + i, "message": line} for i, line in enumerate(lines)])
`);
}

test('Run & Logs on a cloud target: invoke the stage or $LATEST, and tail the function\'s cloud logs', async (t) => {
  const { page, calls, moto } = await openDeploy(t);
  await deployReport(page);

  await page.click(tid('nav-run'));
  await page.waitForSelector(`${tid('run-event-editor')} .cm-content`);
  // The local runtime is the default; choosing the target hides the local run's controls.
  assert.equal(await page.inputValue(tid('run-target')), '');
  await page.selectOption(tid('run-target'), 'dev');
  // What the target offers comes from its capabilities, asked of the host.
  await page.waitForSelector('[data-testid="run-cloud-panel"][data-capabilities="known"]');
  assert.equal(await page.locator(tid('run-port')).count(), 0);
  assert.match(await page.textContent(tid('run-status')), /Target dev: the dev stage on AWS Lambda/);
  // Its logs are read one function at a time, and the pane says from where and how late.
  assert.deepEqual(await page.locator(`${tid('run-logs-function')} option`).allTextContents(), ['resize', 'report']);
  await page.selectOption(tid('run-logs-function'), 'report');
  await page.waitForFunction(() => /\/aws\/lambda\/report/.test(document.querySelector('[data-testid="run-logs-source"]')?.textContent ?? ''));
  assert.match(await page.textContent(tid('run-logs-source')), /CloudWatch Logs \/aws\/lambda\/report \(FilterLogEvents, polled every 2 s\)[\s\S]*about 7 s/);
  assert.ok(calls('subscribe_target_logs').some((c) => c.includes('"target":"dev"') && c.includes('"function":"report"')));

  await page.selectOption(tid('run-function'), 'report');
  await page.click(`${tid('run-event-editor')} .cm-content`);
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText('{"width": 640}');
  await page.click(tid('run-invoke'));
  await page.waitForSelector(tid('run-result'));
  assert.deepEqual(calls('invoke_on_target'), [
    'invoke_on_target {"target":"dev","function":"report","event":"{\\"width\\": 640}","latest":false,"asynchronous":false}',
  ]);
  assert.match(await page.textContent(tid('run-target-badge')), /dev · HTTP 200/);
  assert.equal(await page.locator(tid('run-start-badge')).count(), 0, 'no cold/warm guess for the cloud');
  // moto's Lambda answers with the event it was sent.
  assert.deepEqual(JSON.parse(await page.textContent(tid('run-response'))), { width: 640 });

  // The invocation's lines, once in CloudWatch Logs, arrive in the tailed pane.
  const requestId = await page.getAttribute(tid('run-result'), 'data-request-id');
  writeInvocationLogs(moto, 'report', requestId, 'summary written');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-logs-lines"] .log-line').length === 4);
  const lines = await page.locator(`${tid('run-logs-lines')} .log-message`).allTextContents();
  assert.match(lines[0], new RegExp(`^START RequestId: ${requestId}`));
  assert.match(lines[1], /\tINFO\tsummary written$/);

  // $LATEST, asynchronously: queued (202), no response body.
  await page.check(tid('run-latest'));
  await page.check(tid('run-async'));
  await page.click(tid('run-invoke'));
  await page.waitForSelector('[data-testid="run-target-badge"]:has-text("HTTP 202")');
  assert.match(calls('invoke_on_target')[1], /"latest":true,"asynchronous":true/);

  // (A function that was never deployed cannot be shown here: moto's Lambda, without Docker,
  // answers an invoke of any name with the event instead of AWS's 404. The adapter's answer to
  // that 404 is tested with aws-smithy-mocks in adapters/aws.)
  await page.uncheck(tid('run-latest'));
  await page.uncheck(tid('run-async'));

  // Back to the local runtime: the local controls return.
  await page.selectOption(tid('run-target'), '');
  await page.waitForSelector(tid('run-port'));
});

test('an Azure target that cannot sign in says how to, and Azure keeps no versions', async (t) => {
  // An Azure target with no keychain account, on a machine without the Azure CLI (the bridge's
  // PATH is an empty folder): there is no way to sign in, and the plan says what to do.
  const empty = mkdtempSync(join(tmpdir(), 'functory-ui-path-'));
  t.after(() => rmSync(empty, { recursive: true, force: true }));
  const project = copySample();
  t.after(() => rmSync(project, { recursive: true, force: true }));
  writeFileSync(
    join(project, 'functory.toml'),
    `${readFileSync(join(project, 'functory.toml'), 'utf8')}
[targets.media]
adapter = "azure"
subscription_id = "0b1f6471-1bf0-4dda-aec3-111122223333"
resource_group = "media"
function_app = "media-fn"
`,
  );
  const app = await openApp({ open: project, env: { PATH: empty } });
  t.after(app.close);
  const { page, calls } = app;
  await page.waitForSelector(tid('project-tree'));
  await page.click(tid('nav-deploy'));
  await page.waitForSelector(tid('deploy-view'));
  assert.equal(await page.inputValue(tid('deploy-target')), 'media');
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-error'));
  assert.match(
    await page.textContent(tid('deploy-error')),
    /target `media` names no keychain account and the Azure CLI \(`az`\) is not installed: add a service principal in the Accounts view .* sign in with `az login`/,
  );
  assert.equal(await page.locator(tid('deploy-plan')).count(), 0);
  assert.equal(await page.isDisabled(tid('deploy-confirm')), true);
  assert.deepEqual(calls('deploy_functions'), []);
  // Versions explain that Azure keeps none, and what to do instead.
  assert.match(await page.textContent(tid('deploy-no-versions')), /Azure Functions keeps no versions[\s\S]*Redeploy this/);
  assert.equal(await page.locator(tid('deploy-versions-report')).count(), 0);
  // Run & Logs offers what Azure's capabilities declare: no $LATEST switch (no stage aliases),
  // no asynchronous invoke, and no live tail switch in the log pane.
  await page.click(tid('nav-run'));
  await page.selectOption(tid('run-target'), 'media');
  await page.waitForSelector('[data-testid="run-cloud-panel"][data-capabilities="known"]');
  assert.equal(await page.locator(tid('run-latest')).count(), 0);
  assert.equal(await page.locator(tid('run-async')).count(), 0);
  assert.equal(await page.locator(tid('run-logs-live')).count(), 0);
  assert.match(await page.textContent(tid('run-status')), /Target media: what is deployed on Azure Functions/);
});

/** A function no project owns, made in moto as a console user would: code, settings, a schedule. */
function createMailer(moto) {
  moto.python(`
import boto3, io, json, zipfile
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w") as archive:
    archive.writestr("app.py", "def handler(event, context):\\n    return {'sent': 0}\\n")
iam = boto3.client("iam")
role = iam.create_role(RoleName="mailer-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
lam = boto3.client("lambda")
arn = lam.create_function(
    FunctionName="mailer", Runtime="python3.12", Handler="app.handler", Role=role, MemorySize=256, Timeout=15,
    Code={"ZipFile": buffer.getvalue()},
    Environment={"Variables": {"FROM_ADDRESS": "shop@example.com", "SMTP_PASSWORD": "Zq8vN2kLw4RtY7pX"}},
)["FunctionArn"]
boto3.client("scheduler").create_schedule(
    Name="mailer-daily", ScheduleExpression="rate(1 day)", FlexibleTimeWindow={"Mode": "OFF"},
    Target={"Arn": arn, "RoleArn": role},
)
`);
}

test('Import from AWS lists the account and brings a function in, secrets left out', async (t) => {
  const { page, calls, readFile, project } = await openDeploy(t, { prepare: (moto) => createMailer(moto) });
  await page.click(tid('deploy-import-list'));
  await page.waitForSelector(tid('deploy-import-functions'));
  // Nothing deployed yet: only the function no project owns.
  assert.deepEqual(
    await page.locator(`${tid('deploy-import-functions')} li`).evaluateAll((rows) => rows.map((r) => r.dataset.testid)),
    ['deploy-import-row-mailer'],
  );
  assert.match(await page.textContent(tid('deploy-import-row-mailer')), /python3\.12 · 256 MB · 15 s/);
  assert.deepEqual(calls('remote_functions'), ['remote_functions {"target":"dev"}']);

  await page.click(tid('deploy-import-mailer'));
  await page.waitForSelector(tid('deploy-import-report'));
  assert.deepEqual(calls('import_cloud_function'), ['import_cloud_function {"target":"dev","function":"mailer","overwrite":false}']);
  assert.match(await page.textContent(tid('deploy-import-report')), /Imported mailer into mailer\/ and functory\.toml: 3 items imported, 2 not/);
  const imported = await page.textContent(tid('deploy-import-imported'));
  assert.match(imported, /python3\.12 app\.handler, 256 MB, 15 s/);
  assert.match(imported, /environment FROM_ADDRESS/);
  assert.match(imported, /trigger schedule rate\(1 day\)EventBridge Scheduler schedule mailer-daily/);
  const notImported = await page.textContent(tid('deploy-import-not-imported'));
  assert.match(notImported, /environment SMTP_PASSWORD.*LMB003/);
  // moto keeps the code at an S3 address of its own, outside the target's endpoint: the import
  // says it did not fetch it rather than reaching out to AWS.
  assert.match(notImported, /code\s*not downloaded: the code is stored at .*, outside the endpoint http:\/\/127\.0\.0\.1:\d+ this target uses/);
  await screenshot(page, 'deploy-import');

  // The project has it now: the manifest (comments kept), and the list says so.
  const manifest = readFile('functory.toml');
  assert.match(manifest, /# weekdays at 18:00/);
  assert.match(manifest, /\[functions\.mailer\]\nruntime = "python3\.12"\nhandler = "app\.handler"\ncode_dir = "mailer"\nmemory_mb = 256\ntimeout_s = 15\n/);
  assert.match(manifest, /FROM_ADDRESS = "shop@example\.com"/);
  assert.match(manifest, /\[\[functions\.mailer\.triggers\]\]\nkind = "schedule"\nexpression = "rate\(1 day\)"/);
  assert.doesNotMatch(manifest, /SMTP_PASSWORD|Zq8vN2kLw4RtY7pX/);
  assert.deepEqual(filesContaining(project, 'Zq8vN2kLw4RtY7pX'), [], 'the secret is in no file of the project');
  await page.waitForSelector(tid('deploy-import-have-mailer'));
  await page.waitForSelector(tid('deploy-function-mailer'));
  await page.click(tid('nav-functions'));
  await page.waitForSelector(tid('function-mailer'));
});

test('cloud logs in Run & Logs are polled by default and follow live only when asked', async (t) => {
  // The app's AWS calls go through a proxy that notes which API each one is.
  const { page, calls, moto, ready: proxy } = await openDeploy(t, {
    prepare: async (moto) => {
      const proxy = await startCuttingProxy(moto.url);
      t.after(proxy.stop);
      return proxy;
    },
    endpoint: (ready) => ready.url,
  });
  const liveTails = () => proxy.seen.filter((r) => r.target === 'Logs_20140328.StartLiveTail').length;
  const polls = () => proxy.seen.filter((r) => r.target === 'Logs_20140328.FilterLogEvents').length;
  await deployReport(page);
  await page.click(tid('nav-run'));
  await page.selectOption(tid('run-target'), 'dev');
  await page.selectOption(tid('run-logs-function'), 'report');
  await page.selectOption(tid('run-function'), 'report');
  await page.waitForFunction(() => /\/aws\/lambda\/report/.test(document.querySelector('[data-testid="run-logs-source"]')?.textContent ?? ''));

  // Polled by default: FilterLogEvents, and no billed live tail session.
  assert.equal(await page.isChecked(tid('run-logs-live')), false, 'live tails are billed: off by default');
  await waitUntil(() => polls() > 0, 'the logs were polled');
  assert.equal(liveTails(), 0);

  // A function that never ran has no log group yet: the live tail says what to do.
  await page.check(tid('run-logs-live'));
  await page.waitForSelector(tid('run-logs-error'));
  assert.match(
    await page.textContent(tid('run-logs-error')),
    /log group \/aws\/lambda\/report \(the function has not written a line yet: invoke it, then start the live tail\) not found/,
  );
  assert.match(await page.textContent(tid('run-logs-source')), /a CloudWatch Logs live tail session — lines within about a second; AWS bills each minute/);
  assert.equal(liveTails(), 1, 'one live tail session was asked for');
  await page.uncheck(tid('run-logs-live'));

  // Polled: an invocation's lines arrive once they are in CloudWatch Logs.
  await page.click(tid('run-invoke'));
  await page.waitForSelector(tid('run-result'));
  const requestId = await page.getAttribute(tid('run-result'), 'data-request-id');
  writeInvocationLogs(moto, 'report', requestId, 'a polled line');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-logs-lines"] .log-line').length === 4);
  assert.equal(liveTails(), 1, 'no live tail while polling');

  // Live, on request: a new session, whose lines fill the (cleared) pane. moto answers a live
  // tail with the events it already has and ends the session; AWS would send only new events,
  // for up to three hours.
  await page.check(tid('run-logs-live'));
  await waitUntil(() => liveTails() === 2, 'a second live tail session started');
  assert.match(calls('subscribe_target_logs').at(-1), /"live":true,"query":\{"function":"report"/);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-logs-lines"] .log-line').length === 4);
  assert.match((await page.locator(`${tid('run-logs-lines')} .log-message`).allTextContents())[1], /\tINFO\ta polled line$/);
  assert.equal(await page.locator(tid('run-logs-error')).count(), 0);
  await screenshot(page, 'run-live-logs');
});
