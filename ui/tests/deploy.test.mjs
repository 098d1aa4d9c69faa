// The Deploy area against the mock cloud (`?cloud=aws` adds an AWS target `staging` to the
// sample): the plan before anything changes, confirm, progress, the report; a no-change
// redeploy; versions and rollback; a failure that says what is still served; sign-in errors;
// "Redeploy this" from History; "Import from AWS"; cloud logs, polled or live (billed).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { openApp, screenshot, tid } from './support/app.mjs';


async function openDeploy(t, query = '') {
  const app = await openApp(server.url, { query: `?open=sample&cloud=aws${query}` });
  t.after(app.close);
  await app.page.waitForSelector(tid('project-tree'));
  await app.page.click(tid('nav-deploy'));
  await app.page.waitForSelector(tid('deploy-view'));
  return app;
}

const changes = (page, fn) =>
  page.locator(`${tid(`deploy-plan-${fn}`)} ${tid('deploy-change')}`).evaluateAll((rows) =>
    rows.map((r) => `${r.dataset.kind}:${r.dataset.action}`),
  );

test('plan, confirm, progress and report; then nothing changes', async (t) => {
  const { page, calls } = await openDeploy(t);
  assert.equal(await page.inputValue(tid('deploy-target')), 'staging');
  assert.equal(await page.isDisabled(tid('deploy-confirm')), true, 'no deploy before a plan');

  // Only resize.
  await page.uncheck(tid('deploy-function-report'));
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-plan'));
  assert.deepEqual(await changes(page, 'resize'), ['role:create', 'function:create', 'version:create', 'alias:create']);
  assert.equal(await page.locator(tid('deploy-plan-report')).count(), 0);
  assert.match(await page.textContent(tid('deploy-plan-summary')), /1 of 1 function change · 5 API calls/);
  assert.deepEqual(calls('deploy_plan'), ['deploy_plan {"target":"staging","functions":["resize"]}']);
  assert.deepEqual(calls('deploy_functions'), [], 'planning changes nothing');
  await screenshot(page, 'deploy-plan');

  await page.click(tid('deploy-confirm'));
  await page.waitForSelector(tid('deploy-progress-resize'));
  await page.waitForSelector(tid('deploy-result-resize'));
  assert.match(await page.textContent(tid('deploy-result-resize')), /resize deployed to staging: version 1 \(code uploaded\)/);
  assert.match(await page.textContent(tid('deploy-commit')), /Recorded in History at commit [0-9a-f]{10}/);
  await screenshot(page, 'deploy-result');

  // Again: the plan says nothing changes, and the deploy uploads nothing.
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-plan'));
  assert.match(await page.textContent(tid('deploy-plan-summary')), /Nothing changes/);
  assert.deepEqual(await changes(page, 'resize'), ['role:noOp', 'code:noOp', 'configuration:noOp', 'version:noOp', 'alias:noOp']);
  await page.click(tid('deploy-confirm'));
  await page.waitForSelector(tid('deploy-result-resize'));
  assert.match(await page.textContent(tid('deploy-result-resize')), /version 1 \(no change\)/);
});

test('a changed setting is a new version; rollback moves the stage back', async (t) => {
  const { page } = await openDeploy(t);
  await page.uncheck(tid('deploy-function-report'));
  await page.click(tid('deploy-plan-button'));
  await page.click(tid('deploy-confirm'));
  await page.waitForSelector(tid('deploy-result-resize'));

  // Change memory in the settings form of the Functions area, then plan again.
  await page.click(tid('nav-functions'));
  await page.click(tid('function-resize'));
  await page.waitForSelector(tid('function-settings'));
  await page.fill(tid('settings-memory'), '1024');
  await page.click(tid('settings-save'));
  await page.waitForSelector(tid('settings-saved'));
  await page.click(tid('nav-deploy'));
  await page.uncheck(tid('deploy-function-report'));
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-plan'));
  assert.deepEqual(await changes(page, 'resize'), ['role:noOp', 'code:noOp', 'configuration:update', 'version:create', 'alias:update']);
  await page.click(tid('deploy-confirm'));
  await page.waitForSelector(tid('deploy-result-resize'));
  assert.match(await page.textContent(tid('deploy-result-resize')), /version 2 \(configuration only\)/);

  await page.click(tid('deploy-versions-resize'));
  await page.waitForSelector(tid('deploy-version-2'));
  assert.match(await page.textContent(tid('deploy-version-2')), /serving staging/);
  await page.click(tid('deploy-rollback-1'));
  await page.click(tid('rollback-confirm'));
  await page.waitForSelector(tid('deploy-rollback-result'));
  assert.match(await page.textContent(tid('deploy-rollback-result')), /Stage staging of resize now serves version 1/);
  assert.match(await page.textContent(tid('deploy-version-1')), /serving staging/);
});

test('a deploy cut at its last step says the stage still serves the previous version', async (t) => {
  const { page } = await openDeploy(t, '&cloud-fail=alias');
  await page.click(tid('deploy-plan-button'));
  await page.click(tid('deploy-confirm'));
  await page.waitForSelector(tid('deploy-failure'));
  assert.match(await page.textContent(tid('deploy-failure')), /Deploying resize failed: .*could not reach the Lambda endpoint/);
  assert.match(await page.textContent(tid('deploy-still-serving')), /resize has no stage staging yet: nothing of it is served/);
  // The next deploy converges.
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-plan'));
  assert.deepEqual(await changes(page, 'resize'), ['role:noOp', 'code:noOp', 'configuration:noOp', 'version:noOp', 'alias:create']);
  await page.click(tid('deploy-confirm'));
  await page.waitForSelector(tid('deploy-result-report'));
  assert.match(await page.textContent(tid('deploy-result-resize')), /version 1/);
});

test('an expired sign-in is explained, with the way to Accounts', async (t) => {
  const { page } = await openDeploy(t, '&cloud-auth=expired');
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-error'));
  assert.match(await page.textContent(tid('deploy-error')), /aws sso login --profile dev/);
  await page.click(`${tid('deploy-error')} button`);
  await page.waitForSelector(tid('accounts-view'));
});

test('without a cloud target the view says how to add one', async (t) => {
  const app = await openApp({ sample: true });
  t.after(app.close);
  await app.page.waitForSelector(tid('project-tree'));
  await app.page.click(tid('nav-deploy'));
  assert.match(await app.page.textContent(tid('deploy-empty')), /adapter = "aws"/);
});

test('History redeploys a recorded deploy exactly', async (t) => {
  const { page, calls } = await openDeploy(t);
  await page.uncheck(tid('deploy-function-report'));
  await page.click(tid('deploy-plan-button'));
  await page.click(tid('deploy-confirm'));
  await page.waitForSelector(tid('deploy-result-resize'));
  await page.keyboard.press('Control+6');
  await page.waitForSelector(tid('history-timeline'));
  await page.waitForFunction(() => document.querySelector('[data-testid="timeline-entry-0"]')?.dataset.kind === 'deploy');
  assert.match(await page.textContent(tid('timeline-entry-0')), /Deployed resize to staging.*version 1/s);
  await page.click(tid('timeline-entry-0'));
  await page.click(tid('history-redeploy'));
  await page.click(tid('confirm-redeploy'));
  await page.waitForSelector(tid('deploy-result-resize'));
  assert.match(await page.textContent(tid('deploy-result-resize')), /version 1 \(no change\)/);
  assert.equal(calls('redeploy_function').length, 1);
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid^="timeline-entry-"][data-kind="deploy"]').length >= 3,
  );
});

test('Run & Logs on a cloud target: invoke the stage or $LATEST, and tail the function\'s cloud logs', async (t) => {
  const { page, calls } = await openDeploy(t);
  await page.uncheck(tid('deploy-function-report'));
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-plan'));
  await page.click(tid('deploy-confirm'));
  await page.waitForSelector(tid('deploy-result-resize'));

  await page.click(tid('nav-run'));
  await page.waitForSelector(`${tid('run-event-editor')} .cm-content`);
  // The local runtime is the default; choosing the target hides the local run's controls.
  assert.equal(await page.inputValue(tid('run-target')), '');
  await page.selectOption(tid('run-target'), 'staging');
  await page.waitForSelector(tid('run-cloud-panel'));
  assert.equal(await page.locator(tid('run-port')).count(), 0);
  assert.match(await page.textContent(tid('run-status')), /Target staging: the staging stage on AWS Lambda/);
  // Its logs are read one function at a time, and the pane says from where and how late.
  assert.deepEqual(await page.locator(`${tid('run-logs-function')} option`).allTextContents(), ['resize', 'report']);
  await page.waitForSelector(tid('run-logs-source'));
  assert.match(await page.textContent(tid('run-logs-source')), /CloudWatch Logs \/aws\/lambda\/resize[\s\S]*about 7 s/);
  assert.ok(calls('subscribe_target_logs').some((c) => c.includes('"target":"staging"') && c.includes('"function":"resize"')));

  await page.click(`${tid('run-event-editor')} .cm-content`);
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText('{"width": 640}');
  await page.click(tid('run-invoke'));
  await page.waitForSelector(tid('run-result'));
  assert.deepEqual(calls('invoke_on_target'), [
    'invoke_on_target {"target":"staging","function":"resize","event":"{\\"width\\": 640}","latest":false,"asynchronous":false}',
  ]);
  assert.match(await page.textContent(tid('run-target-badge')), /staging · HTTP 200/);
  assert.equal(await page.locator(tid('run-start-badge')).count(), 0, 'no cold/warm guess for the cloud');
  assert.equal(JSON.parse(await page.textContent(tid('run-response'))).width, 640);
  // The invocation's lines arrive in the tailed pane.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-logs-lines"] .log-line').length === 3);

  // $LATEST, asynchronously: queued (202), no response body.
  await page.check(tid('run-latest'));
  await page.check(tid('run-async'));
  await page.click(tid('run-invoke'));
  await page.waitForSelector('[data-testid="run-target-badge"]:has-text("HTTP 202")');
  assert.match(calls('invoke_on_target')[1], /"latest":true,"asynchronous":true/);

  // An undeployed function says to deploy it first.
  await page.uncheck(tid('run-latest'));
  await page.selectOption(tid('run-function'), 'report');
  await page.click(tid('run-invoke'));
  await page.waitForSelector(tid('run-invoke-error'));
  assert.match(await page.textContent(tid('run-invoke-error')), /has no stage `staging` yet: deploy it/);

  // Back to the local runtime: the local controls return.
  await page.selectOption(tid('run-target'), '');
  await page.waitForSelector(tid('run-port'));
});

test('an Azure target deploys through the same plan; Versions explains that Azure keeps none', async (t) => {
  const app = await openApp(server.url, { query: '?open=sample&cloud=azure' });
  t.after(app.close);
  const { page } = app;
  await page.waitForSelector(tid('project-tree'));
  await page.click(tid('nav-deploy'));
  await page.waitForSelector(tid('deploy-view'));
  assert.equal(await page.inputValue(tid('deploy-target')), 'media');
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-plan'));
  await page.click(tid('deploy-confirm'));
  await page.waitForSelector(tid('deploy-result-resize'));
  assert.match(await page.textContent(tid('deploy-no-versions')), /Azure Functions keeps no versions[\s\S]*Redeploy this/);
  assert.equal(await page.locator(tid('deploy-versions-resize')).count(), 0);
  // Run & Logs offers no $LATEST switch where there are no aliases.
  await page.click(tid('nav-run'));
  await page.selectOption(tid('run-target'), 'media');
  await page.waitForSelector(tid('run-cloud-panel'));
  assert.equal(await page.locator(tid('run-latest')).count(), 0);
  assert.match(await page.textContent(tid('run-status')), /Target media: what is deployed on Azure Functions/);
});

test('Import from AWS lists the account and brings a function in, secrets left out', async (t) => {
  const { page, calls } = await openDeploy(t);
  await page.click(tid('deploy-import-list'));
  await page.waitForSelector(tid('deploy-import-functions'));
  // Nothing deployed yet: only the function no project owns.
  assert.deepEqual(
    await page.locator(`${tid('deploy-import-functions')} li`).evaluateAll((rows) => rows.map((r) => r.dataset.testid)),
    ['deploy-import-row-mailer'],
  );
  assert.match(await page.textContent(tid('deploy-import-row-mailer')), /python3\.12 · 256 MB · 15 s/);
  assert.deepEqual(calls('remote_functions'), ['remote_functions {"target":"staging"}']);

  await page.click(tid('deploy-import-mailer'));
  await page.waitForSelector(tid('deploy-import-report'));
  assert.deepEqual(calls('import_cloud_function'), ['import_cloud_function {"target":"staging","function":"mailer","overwrite":false}']);
  assert.match(await page.textContent(tid('deploy-import-report')), /Imported mailer into mailer\/ and functory\.toml/);
  assert.match(await page.textContent(tid('deploy-import-imported')), /trigger schedule rate\(1 day\)/);
  assert.match(await page.textContent(tid('deploy-import-not-imported')), /environment SMTP_PASSWORD.*LMB003/);
  await screenshot(page, 'deploy-import');

  // The project has it now: the manifest (comments kept), the code, and the list says so.
  const manifest = await page.evaluate(() => window.functoryMock.readFile('functory.toml'));
  assert.match(manifest, /# weekdays at 18:00/);
  assert.match(manifest, /\[functions\.mailer\]\nruntime = "python3\.12"\nhandler = "app\.handler"\ncode_dir = "mailer"\nmemory_mb = 256\ntimeout_s = 15\n/);
  assert.match(manifest, /FROM_ADDRESS = "shop@example\.com"/);
  assert.doesNotMatch(manifest, /SMTP_PASSWORD|Zq8vN2kLw4RtY7pX/);
  assert.match(await page.evaluate(() => window.functoryMock.readFile('mailer/app.py')), /def handler\(event, context\)/);
  await page.waitForSelector(tid('deploy-import-have-mailer'));
  await page.waitForSelector(tid('deploy-function-mailer'));
  await page.click(tid('nav-functions'));
  await page.waitForSelector(tid('function-mailer'));
});

test('cloud logs in Run & Logs are polled by default and follow live only when asked', async (t) => {
  const { page, calls } = await openDeploy(t);
  await page.uncheck(tid('deploy-function-report'));
  await page.click(tid('deploy-plan-button'));
  await page.click(tid('deploy-confirm'));
  await page.waitForSelector(tid('deploy-result-resize'));
  await page.click(tid('nav-run'));
  await page.selectOption(tid('run-target'), 'staging');
  await page.waitForSelector(tid('run-logs-source'));

  // A function that never ran has no log group yet: the live tail says what to do.
  assert.equal(await page.isChecked(tid('run-logs-live')), false, 'live tails are billed: off by default');
  await page.check(tid('run-logs-live'));
  await page.waitForSelector(tid('run-logs-error'));
  assert.match(await page.textContent(tid('run-logs-error')), /invoke it, then start the live tail/);
  assert.match(await page.textContent(tid('run-logs-source')), /AWS bills each minute/);
  await page.uncheck(tid('run-logs-live'));

  // Polled: an invocation's lines arrive; then live: only new lines, from a billed session.
  await page.click(tid('run-invoke'));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-logs-lines"] .log-line').length === 3);
  assert.ok(calls('subscribe_target_logs').every((c) => !c.includes('"live":true') || c.includes('"function":"resize"')));
  await page.check(tid('run-logs-live'));
  await page.waitForFunction(() => document.querySelector('[data-testid="run-logs-count"]')?.textContent?.startsWith('0 lines'));
  await page.click(tid('run-invoke'));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-logs-lines"] .log-line').length === 3);
  assert.match(calls('subscribe_target_logs').at(-1), /"live":true/);
  await screenshot(page, 'run-live-logs');
});
