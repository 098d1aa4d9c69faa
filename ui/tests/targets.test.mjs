// Cloud targets added from the app, against the real backend and a real moto server: the
// "Add target" form (Deploy's empty state and Accounts), refusals placed under the field the
// backend names, removal with a confirmation; who a target acts as (STS GetCallerIdentity,
// asked of moto); and the sample's `resize` planned and deployed with its HTTP route, the
// API's URL shown with a copy button and checked against API Gateway in moto.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { test } from 'node:test';

import { copySample, openApp, SAMPLE, screenshot, tid, waitUntil } from './support/app.mjs';
import { awsConfigFiles, startMoto } from './support/moto.mjs';

const SAMPLE_MANIFEST = readFileSync(join(SAMPLE, 'functory.toml'), 'utf8');

/**
 * A copy of the sample (no cloud target) opened against a fresh moto: the bridge's AWS calls go
 * to moto, the environment holds moto's test keys (the standard credential chain), and the AWS
 * configuration is the test's own: a profile with keys and an SSO profile nobody signed in to.
 * `prepare(moto)` runs before the app opens.
 */
async function openProject(t, { prepare = () => {}, env = {} } = {}) {
  const moto = await startMoto();
  t.after(moto.stop);
  await moto.lambdaWithoutDocker();
  await prepare(moto);
  const project = copySample();
  t.after(() => rmSync(project, { recursive: true, force: true }));
  // HOME is empty, so there is no cached SSO token for `sso-dev`.
  const home = mkdtempSync(join(tmpdir(), 'functory-ui-home-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const aws = awsConfigFiles({
    config: `[profile functory-ui]
region = eu-west-3

[profile sso-dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Deployer
region = us-east-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
`,
    credentials: '[functory-ui]\naws_access_key_id = testing\naws_secret_access_key = testing\n',
  });
  t.after(aws.remove);
  const app = await openApp({
    open: project,
    env: {
      ...aws.env,
      HOME: home,
      AWS_ENDPOINT_URL: moto.url,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...env,
    },
  });
  t.after(app.close);
  await app.page.waitForSelector(tid('project-tree'));
  return { ...app, moto };
}

/**
 * Stands in for API Gateway serving the deployed HTTP API (moto manages APIs but does not serve
 * them): records each request as it arrives — method, path and query, the Host it named, a
 * header and the body — and answers 201 with JSON and a header of its own.
 */
async function startApiStandIn(t) {
  const seen = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      seen.push({ method: request.method, url: request.url, host: request.headers.host, test: request.headers['x-test'], body });
      response.writeHead(201, { 'content-type': 'application/json', 'x-served-by': 'api-stand-in' });
      response.end(JSON.stringify({ answered: `${request.method} ${request.url}` }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { seen, origin: `http://127.0.0.1:${server.address().port}` };
}

const changes = (page, fn) =>
  page.locator(`${tid(`deploy-plan-${fn}`)} ${tid('deploy-change')}`).evaluateAll((rows) =>
    rows.map((r) => `${r.dataset.kind}:${r.dataset.action}`),
  );

test('Deploy: add a target from the form, see who it acts as, deploy resize and its HTTP API URL', async (t) => {
  const standIn = await startApiStandIn(t);
  const { page, calls, readFile, moto, context, bridge } = await openProject(t, {
    // resize's storage trigger needs its bucket in the account first, as on AWS.
    prepare: (moto) => moto.python('import boto3; boto3.client("s3").create_bucket(Bucket="uploads")'),
    // Requests to the deployed API go to the stand-in, keeping the API's own host.
    env: { FUNCTORY_EXECUTE_API_ORIGIN: standIn.origin },
  });
  await page.click(tid('nav-deploy'));
  await page.waitForSelector(tid('deploy-empty'));
  await page.click(tid('deploy-empty-add-target'));
  await page.waitForSelector(tid('target-form'));

  // The name field has the focus and suggests `dev`; the first AWS profile is the default sign-in,
  // and its region fills the empty Region field.
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'target-field-name');
  assert.equal(await page.inputValue(tid('target-field-name')), 'dev');
  assert.equal(await page.inputValue(tid('target-field-adapter')), 'aws');
  await page.waitForSelector(`${tid('target-signin-profile')}:checked`);
  assert.equal(await page.inputValue(tid('target-field-profile')), 'functory-ui');
  assert.equal(await page.inputValue(tid('target-field-region')), 'eu-west-3');

  // The environment's credentials instead, and a region that is not one: refused under Region,
  // which takes the focus; functory.toml is unchanged.
  await page.check(tid('target-signin-ambient'));
  assert.match(await page.textContent(tid('target-signin-ambient-note')), /AWS_ACCESS_KEY_ID.*web identity token/);
  await page.fill(tid('target-field-region'), 'us-east');
  await page.keyboard.press('Enter');
  await page.waitForSelector(tid('target-error-region'));
  assert.equal(
    await page.textContent(tid('target-error-region')),
    '`us-east` is not an AWS region name (they look like eu-west-1 or us-east-2)',
  );
  assert.equal(await page.getAttribute(tid('target-field-region'), 'aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'target-field-region');
  assert.equal(await page.locator(tid('target-error-name')).count(), 0);
  assert.deepEqual(calls('apply_manifest_edit'), [
    'apply_manifest_edit {"edit":{"kind":"addTarget","target":{"name":"dev","adapter":"aws","region":"us-east","codeBucket":null,"subscriptionId":null,"resourceGroup":null,"functionApp":null,"projectId":null,"profile":null,"account":null}}}',
  ]);
  assert.equal(readFile('functory.toml'), SAMPLE_MANIFEST);
  await screenshot(page, 'targets-refused-region');

  // Typing clears the error; Enter adds the target, after the local one, comments kept.
  await page.fill(tid('target-field-region'), 'us-east-1');
  assert.equal(await page.locator(tid('target-error-region')).count(), 0);
  await page.keyboard.press('Enter');
  await page.waitForSelector(tid('target-form'), { state: 'detached' });
  assert.equal(
    readFile('functory.toml'),
    SAMPLE_MANIFEST.replace('adapter = "local"\n', 'adapter = "local"\n\n[targets.dev]\nadapter = "aws"\nregion = "us-east-1"\n'),
  );
  assert.equal(await page.inputValue(tid('deploy-target')), 'dev');

  // Who dev acts as: moto's answer to STS GetCallerIdentity with the environment's keys.
  await page.waitForSelector(tid('deploy-identity'));
  assert.equal(
    (await page.textContent(`${tid('deploy-identity')} p`)).trim(),
    'dev acts as arn:aws:sts::123456789012:user/moto (account 123456789012, us-east-1)',
  );
  assert.match(await page.textContent(tid('deploy-identity-source')), /Signed in with the AWS credentials of the environment \(AWS_ACCESS_KEY_ID/);
  assert.deepEqual(calls('target_identity'), ['target_identity {"target":"dev"}']);

  // resize alone: its role, function, version, stage alias, bucket notification, and its route on
  // the project's HTTP API. The API does not exist yet, so its URL is not known.
  await page.uncheck(tid('deploy-function-report'));
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-plan'));
  const planned = await changes(page, 'resize');
  for (const change of ['role:create', 'function:create', 'alias:create', 'trigger:create', 'api:create', 'permission:create']) {
    assert.ok(planned.includes(change), `${change} in ${planned.join(' ')}`);
  }
  assert.match(await page.textContent(tid('deploy-plan-resize')), /route GET \/resize/);
  assert.match(await page.textContent(tid('deploy-plan-no-endpoints-resize')), /the URL is shown once this deploy creates it/);
  assert.equal(await page.locator(tid('deploy-plan-endpoints-resize')).count(), 0);

  await page.click(tid('deploy-confirm'));
  await page.waitForSelector(tid('deploy-result-resize'));
  assert.match(await page.textContent(tid('deploy-result-resize')), /resize deployed to dev: version 1 \(code uploaded\)/);
  const endpoint = page.locator(`${tid('deploy-result-endpoints-resize')} ${tid('deploy-endpoint')}`);
  assert.equal(await endpoint.count(), 1);
  const url = await endpoint.getAttribute('data-url');
  // The URL is the API's, as API Gateway in moto has it.
  const api = JSON.parse(
    moto.python(`
import boto3, json
gw = boto3.client("apigatewayv2")
apis = gw.get_apis()["Items"]
routes = [r["RouteKey"] for r in gw.get_routes(ApiId=apis[0]["ApiId"])["Items"]]
print(json.dumps({"names": [a["Name"] for a in apis], "endpoint": apis[0]["ApiEndpoint"], "routes": routes}))
`),
  );
  assert.deepEqual(api.routes, ['GET /resize']);
  assert.equal(api.names.length, 1);
  assert.equal(url, `${api.endpoint}/resize`);
  assert.match(url, /^https:\/\/[a-z0-9]+\.execute-api\.us-east-1\.amazonaws\.com\/resize$/);
  assert.match(await endpoint.textContent(), /^GET/);

  // Copy puts the URL (without the method) on the clipboard.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(bridge.url).origin });
  await page.click(tid('deploy-result-endpoints-resize-copy-0'));
  await page.waitForSelector(tid('deploy-result-endpoints-resize-copied'));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), url);
  await screenshot(page, 'targets-deployed-url');

  // Planned again: nothing changes, and the plan knows the URL now.
  await page.click(tid('deploy-plan-button'));
  await page.waitForSelector(tid('deploy-plan'));
  assert.match(await page.textContent(tid('deploy-plan-summary')), /Nothing changes/);
  assert.equal(await page.getAttribute(`${tid('deploy-plan-endpoints-resize')} ${tid('deploy-endpoint')}`, 'data-url'), url);

  // Run & Logs on the target says where the function answers there.
  await page.click(tid('nav-run'));
  await page.waitForSelector(tid('run-view'));
  await page.selectOption(tid('run-target'), 'dev');
  await page.selectOption(tid('run-function'), 'resize');
  await page.waitForSelector(tid('run-target-endpoints'));
  assert.equal(await page.getAttribute(`${tid('run-target-endpoints')} ${tid('deploy-endpoint')}`, 'data-url'), url);

  // "Call the API": a request through the API's URL, as a client sends it. The form starts at
  // the function's route; the answer shows the status, the headers and the body.
  await page.click(`${tid('route-call')} summary`);
  assert.equal(await page.inputValue(tid('route-call-method')), 'GET');
  assert.equal(await page.inputValue(tid('route-call-path')), '/resize');
  await page.fill(tid('route-call-path'), '/resize?width=64');
  await page.fill(tid('route-call-headers'), 'X-Test: from the form');
  await page.click(tid('route-call-send'));
  await page.waitForSelector(tid('route-call-answer'));
  assert.equal(await page.getAttribute(tid('route-call-status'), 'data-status'), '201');
  assert.equal(await page.textContent(tid('route-call-url')), `${url}?width=64`);
  assert.deepEqual(JSON.parse(await page.textContent(tid('route-call-answer-body'))), { answered: 'GET /resize?width=64' });
  assert.match(await page.textContent(tid('route-call-answer-headers')), /x-served-by\s*api-stand-in/);
  assert.deepEqual(standIn.seen, [
    { method: 'GET', url: '/resize?width=64', host: new URL(url).host, test: 'from the form', body: '' },
  ]);
  await screenshot(page, 'targets-route-call');
  // A path no route of resize takes is refused before anything is sent, naming its routes.
  await page.fill(tid('route-call-path'), '/thumbnails/1');
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector(tid('route-call-error'));
  assert.match(await page.textContent(tid('route-call-error')), /no HTTP route of `resize` takes `GET \/thumbnails\/1`; its routes: GET \/resize/);
  assert.equal(standIn.seen.length, 1);
  // A header line without a name is refused in the form, with its line.
  await page.fill(tid('route-call-path'), '/resize');
  await page.fill(tid('route-call-headers'), 'X-Test: yes\nnot a header');
  await page.click(tid('route-call-send'));
  assert.equal(await page.textContent(tid('route-call-headers-error')), 'Line 2: write a header as “Name: value”.');
  assert.equal(standIn.seen.length, 1);
  // report has no HTTP route: nothing is said of an API.
  await page.selectOption(tid('run-function'), 'report');
  await waitUntil(async () => (await page.locator(tid('run-target-api')).count()) === 0, 'no API shown for report');
});

test('Deploy: a target whose sign-in fails says why, with the way to Accounts', async (t) => {
  const { page, calls, readFile } = await openProject(t);
  await page.click(tid('nav-deploy'));
  await page.click(tid('deploy-empty-add-target'));
  await page.waitForSelector(`${tid('target-signin-profile')}:checked`);
  await page.fill(tid('target-field-name'), 'staging');
  await page.selectOption(tid('target-field-profile'), 'sso-dev');
  // Region follows the profile chosen (it was filled from the first one).
  assert.equal(await page.inputValue(tid('target-field-region')), 'us-east-1');
  await page.click(tid('target-save'));
  await page.waitForSelector(tid('target-form'), { state: 'detached' });
  assert.match(readFile('functory.toml'), /\n\[targets\.staging\]\nadapter = "aws"\nregion = "us-east-1"\nprofile = "sso-dev"\n/);

  await page.waitForSelector(tid('deploy-identity-error'));
  assert.match(
    await page.textContent(tid('deploy-identity-error')),
    /staging cannot sign in: .*the SSO sign-in of AWS profile `sso-dev` has expired or was never made .*run `aws sso login --profile sso-dev`/,
  );
  assert.equal(await page.locator(tid('deploy-identity')).count(), 0);
  // Try again asks again (and fails the same way: nobody signed in meanwhile).
  await page.click(tid('deploy-identity-retry'));
  await page.waitForSelector(tid('deploy-identity-error'));
  assert.equal(calls('target_identity').length, 2);
  await page.click(tid('deploy-identity-accounts'));
  await page.waitForSelector(tid('accounts-view'));
});

test('Accounts: add a target (refusals under their fields, Escape cancels), ask who it acts as, remove it after confirming', async (t) => {
  const { page, calls, readFile } = await openProject(t);
  await page.keyboard.press('Control+7');
  await page.waitForSelector(tid('target-credentials'));

  // Escape closes the form without writing anything.
  await page.click(tid('target-add'));
  await page.waitForSelector(tid('target-form'));
  await page.keyboard.press('Escape');
  await page.waitForSelector(tid('target-form'), { state: 'detached' });
  assert.deepEqual(calls('apply_manifest_edit'), []);

  // An Azure target named like the existing local one, without its resource group: the backend
  // refuses the first problem it finds, each under its own field.
  await page.click(tid('target-add'));
  await page.fill(tid('target-field-name'), 'local');
  await page.selectOption(tid('target-field-adapter'), 'azure');
  assert.equal(await page.locator(tid('target-field-region')).count(), 0, 'Azure targets have no region field');
  assert.equal(await page.locator(tid('target-signin-profile')).count(), 0, 'AWS profiles are for AWS targets');
  await page.waitForSelector(`${tid('target-signin-ambient')}:checked`);
  assert.match(await page.textContent(tid('target-form')), /The Azure CLI’s sign-in/);
  await page.fill(tid('target-field-functionApp'), 'media-fn');
  await page.click(tid('target-save'));
  await page.waitForSelector(tid('target-error-resourceGroup'));
  assert.equal(await page.textContent(tid('target-error-resourceGroup')), 'an Azure target needs `resource_group`');
  await page.fill(tid('target-field-resourceGroup'), 'media');
  await page.click(tid('target-save'));
  await page.waitForSelector(tid('target-error-name'));
  assert.equal(await page.textContent(tid('target-error-name')), 'a target with this name already exists');
  assert.equal(readFile('functory.toml'), SAMPLE_MANIFEST, 'nothing written while refused');

  await page.fill(tid('target-field-name'), 'media');
  await page.click(tid('target-save'));
  await page.waitForSelector(tid('target-media'));
  assert.match(await page.textContent(tid('target-status')), /Added target media to functory\.toml/);
  assert.match(readFile('functory.toml'), /\n\[targets\.media\]\nadapter = "azure"\nresource_group = "media"\nfunction_app = "media-fn"\n/);
  // Its credentials select names the Azure CLI sign-in where it has no account.
  assert.equal(
    await page.locator(`${tid('target-credentials-media')} option[value=""]`).textContent(),
    'The Azure CLI’s sign-in',
  );

  // An AWS target, keyboard only: Tab from the name to the cloud select, then the form's Enter.
  await page.click(tid('target-add'));
  await page.keyboard.press('Control+a');
  await page.keyboard.type('prod');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'target-field-adapter');
  await page.fill(tid('target-field-region'), 'us-east-1');
  await page.check(tid('target-signin-ambient'));
  await page.locator(tid('target-field-region')).press('Enter');
  await page.waitForSelector(tid('target-prod'));
  await page.click(tid('target-whoami-prod'));
  await page.waitForSelector(tid('target-identity-prod'));
  assert.match(
    await page.textContent(tid('target-identity-prod')),
    /arn:aws:sts::123456789012:user\/moto \(account 123456789012, us-east-1\), signed in with the AWS credentials of the environment/,
  );

  // Removing asks first; Cancel keeps it.
  await page.click(tid('target-remove-media'));
  await page.waitForSelector(tid('confirm-dialog'));
  assert.match(await page.textContent(tid('confirm-dialog')), /Remove target media\?[\s\S]*removes \[targets\.media\] from functory\.toml, nothing else/);
  await page.click(tid('confirm-cancel'));
  await page.waitForSelector(tid('confirm-dialog'), { state: 'detached' });
  assert.match(readFile('functory.toml'), /\[targets\.media\]/);
  await page.click(tid('target-remove-media'));
  await page.click(tid('confirm-remove-target'));
  await page.waitForSelector(tid('target-media'), { state: 'detached' });
  assert.match(await page.textContent(tid('target-status')), /Removed target media from functory\.toml/);
  assert.equal(
    readFile('functory.toml'),
    SAMPLE_MANIFEST.replace('adapter = "local"\n', 'adapter = "local"\n\n[targets.prod]\nadapter = "aws"\nregion = "us-east-1"\n'),
  );
  assert.deepEqual(calls('apply_manifest_edit').map((c) => JSON.parse(c.slice(c.indexOf('{'))).edit.kind), [
    'addTarget',
    'addTarget',
    'addTarget',
    'addTarget',
    'removeTarget',
  ]);
  await screenshot(page, 'targets-accounts');
});
