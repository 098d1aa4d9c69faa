// The Accounts area against the real backend: accounts in a real Secret Service (the tests run
// inside scripts/lib.sh's with_secret_service; each bridge has a keychain namespace of its own,
// cross-checked with `secret-tool`), secrets write-only, AWS profiles by name from an AWS
// configuration of the test's own, the credentials each target of functory.toml uses, and
// "Test" signing in against a real moto server.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import { editorText, openApp, screenshot, tid, waitUntil } from './support/app.mjs';
import { awsConfigFiles, startMoto } from './support/moto.mjs';


const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
/** The default profile's secret, in the test's AWS credentials file: never shown or sent. */
const PROFILE_SECRET = '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';
const AWS_CONFIG = `[default]
region = eu-west-1

[profile dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Deployer
region = eu-central-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
`;
const AWS_CREDENTIALS = `[default]
aws_access_key_id = AKIAI44QH8DHBEXAMPLE
aws_secret_access_key = ${PROFILE_SECRET}
`;

/** What the Secret Service holds under `key` in the bridge's namespace (null when nothing). */
function keychainEntry(bridge, key) {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', bridge.namespace, 'username', key], { encoding: 'utf8' });
  } catch {
    return null;
  }
}

async function openAccounts(t, { env = {} } = {}) {
  const aws = awsConfigFiles({ config: AWS_CONFIG, credentials: AWS_CREDENTIALS });
  t.after(aws.remove);
  const app = await openApp({ sample: true, env: { ...aws.env, ...env } });
  t.after(app.close);
  await app.page.waitForSelector(tid('project-tree'));
  await app.page.keyboard.press('Control+7');
  await app.page.waitForSelector(tid('accounts-view'));
  return app;
}

async function addAwsAccount(page, { name = 'work', keyId = KEY_ID, secret = SECRET, region = 'eu-west-1' } = {}) {
  await page.click(tid('account-add'));
  await page.selectOption(tid('account-kind'), 'aws-access-key');
  await page.fill(tid('account-field-name'), name);
  await page.fill(tid('account-field-accessKeyId'), keyId);
  await page.fill(tid('account-field-secretAccessKey'), secret);
  await page.fill(tid('account-field-region'), region);
  await page.click(tid('account-save'));
}

/** Everything the page holds that a secret could leak into: markup, field values, storage. */
async function everythingVisible(page) {
  return page.evaluate(() =>
    [
      document.documentElement.outerHTML,
      ...Array.from(document.querySelectorAll('input, textarea, select'), (e) => e.value),
      JSON.stringify({ ...localStorage }),
      JSON.stringify({ ...sessionStorage }),
    ].join('\n'),
  );
}

test('an AWS account is added and listed with its public details; its secret never comes back', async (t) => {
  const app = await openAccounts(t);
  const { page, calls, commands, responses, errors } = app;
  await page.waitForSelector(tid('account-list-empty'));

  await page.click(tid('account-add'));
  // Secret inputs are password fields the browser must not remember.
  assert.equal(await page.getAttribute(tid('account-field-secretAccessKey'), 'type'), 'password');
  assert.equal(await page.getAttribute(tid('account-field-secretAccessKey'), 'autocomplete'), 'off');
  assert.equal(await page.getAttribute(tid('account-field-sessionToken'), 'type'), 'password');
  assert.equal(await page.getAttribute(tid('account-field-accessKeyId'), 'type'), 'text');
  await page.click(tid('account-cancel'));

  await addAwsAccount(page);
  const row = page.locator(tid('account-work'));
  await row.waitFor();
  const text = await row.textContent();
  assert.match(text, /AWS access key/);
  assert.match(text, new RegExp(KEY_ID));
  assert.match(text, /eu-west-1/);
  assert.match(await page.textContent(tid('account-status')), /Added work/);
  assert.equal(await page.locator(tid('account-form')).count(), 0, 'the form closed');

  // The secret reached the backend once…
  const added = calls('add_account');
  assert.equal(added.length, 1);
  assert.match(added[0], /"secretAccessKey":"<secret, 40 chars>"/);
  assert.match(added[0], new RegExp(`"accessKeyId":"${KEY_ID}"`));
  // …and is nowhere else: not in the page, the logged commands, or any answer.
  // It is in the OS keychain, under the account's own entry; the index of accounts is not.
  assert.match(keychainEntry(app.bridge, 'account:work') ?? '', new RegExp(SECRET.replaceAll('/', '\\/')));
  assert.match(keychainEntry(app.bridge, 'accounts-index') ?? '', /AKIAIOSFODNN7EXAMPLE/);
  assert.ok(!keychainEntry(app.bridge, 'accounts-index').includes(SECRET), 'the index holds public fields only');
  assert.ok(!(await everythingVisible(page)).includes(SECRET), 'the secret is not in the DOM or storage');
  assert.ok(!commands.join('\n').includes(SECRET), 'the logged commands hold no secret');
  assert.ok(responses.some((r) => r.startsWith('add_account ') && r.includes(KEY_ID)), 'add_account answered');
  assert.ok(!responses.join('\n').includes(SECRET), 'no response carries the secret');
  assert.ok(!responses.join('\n').includes('secretAccessKey'), 'no response has a secret field at all');
  await screenshot(page, 'accounts-listed');
  assert.deepEqual(errors, []);
});

test('editing with the secret left blank keeps the stored secret', async (t) => {
  const { page, calls, responses, bridge } = await openAccounts(t);
  await addAwsAccount(page);
  await page.waitForSelector(tid('account-work'));

  await page.click(tid('account-edit-work'));
  await page.waitForSelector(tid('account-form'));
  assert.equal(await page.inputValue(tid('account-field-name')), 'work');
  assert.equal(await page.getAttribute(tid('account-field-name'), 'readonly'), '');
  assert.equal(await page.inputValue(tid('account-field-accessKeyId')), KEY_ID);
  assert.equal(await page.inputValue(tid('account-field-region')), 'eu-west-1');
  assert.equal(await page.inputValue(tid('account-field-secretAccessKey')), '', 'the UI never has the stored secret');
  assert.equal(await page.getAttribute(tid('account-field-secretAccessKey'), 'placeholder'), 'leave empty to keep the stored secret');
  assert.equal(await page.isDisabled(tid('account-kind')), true, 'the kind cannot change');

  await page.fill(tid('account-field-region'), 'us-east-2');
  await page.click(tid('account-save'));
  await page.waitForSelector(tid('account-form'), { state: 'detached' });
  // The list is read again from the keychain after the save.
  await page.waitForSelector(`${tid('account-work')}:has-text("us-east-2")`);
  assert.doesNotMatch(await page.textContent(tid('account-work')), /eu-west-1/);
  const updated = calls('update_account');
  assert.equal(updated.length, 1);
  assert.match(updated[0], /"secretAccessKey":""/, 'a blank secret was sent: keep the stored one');
  assert.match(updated[0], /"region":"us-east-2"/);
  // The keychain still holds the secret, with the new region.
  const stored = keychainEntry(bridge, 'account:work') ?? '';
  assert.ok(stored.includes(SECRET), 'the stored secret was kept');
  assert.match(keychainEntry(bridge, 'accounts-index') ?? '', /us-east-2/);
  assert.ok(!responses.join('\n').includes(SECRET));
  assert.ok(!(await everythingVisible(page)).includes(SECRET));
});

test('a refused field is explained next to it, and secrets are not kept after the attempt', async (t) => {
  const { page, calls } = await openAccounts(t);
  await addAwsAccount(page, { keyId: 'akia-not-a-key' });
  const error = page.locator(tid('account-error-accessKeyId'));
  await error.waitFor();
  assert.match(await error.textContent(), /16 to 128 capital letters and digits/);
  assert.equal(await page.getAttribute(tid('account-field-accessKeyId'), 'aria-invalid'), 'true');
  assert.equal(await page.locator(tid('account-error-form')).count(), 0, 'not a general error');
  assert.equal(await page.inputValue(tid('account-field-accessKeyId')), 'akia-not-a-key', 'the typed value stays to be corrected');
  assert.equal(await page.inputValue(tid('account-field-secretAccessKey')), '', 'the secret left the form');
  await page.waitForSelector(tid('account-secrets-cleared'));
  assert.ok(!(await everythingVisible(page)).includes(SECRET));
  assert.equal(calls('add_account').length, 1);
  assert.equal(await page.locator(tid('account-work')).count(), 0, 'nothing was added');

  // Typing in the field clears its error; a name already taken lands next to the name.
  await page.fill(tid('account-field-accessKeyId'), KEY_ID);
  await page.waitForSelector(tid('account-error-accessKeyId'), { state: 'detached' });
  await page.fill(tid('account-field-secretAccessKey'), SECRET);
  await page.click(tid('account-save'));
  await page.waitForSelector(tid('account-work'));
  await addAwsAccount(page);
  assert.match(await page.textContent(tid('account-error-name')), /already exists/);
});

test('an Azure principal and a Google key file are added with their public details only', async (t) => {
  const { page, responses } = await openAccounts(t);
  await page.click(tid('account-add'));
  await page.selectOption(tid('account-kind'), 'azure-service-principal');
  assert.equal(await page.locator(tid('account-field-accessKeyId')).count(), 0, 'the fields follow the kind');
  await page.fill(tid('account-field-name'), 'azure-dev');
  await page.fill(tid('account-field-tenantId'), 'contoso.onmicrosoft.com');
  await page.fill(tid('account-field-clientId'), '11111111-2222-3333-4444-555555555555');
  await page.fill(tid('account-field-clientSecret'), 'azure-secret-value-123');
  assert.equal(await page.getAttribute(tid('account-field-clientSecret'), 'type'), 'password');
  await page.click(tid('account-save'));
  await page.waitForSelector(tid('account-azure-dev'));
  assert.match(await page.textContent(tid('account-azure-dev')), /contoso\.onmicrosoft\.com.*11111111-2222-3333-4444-555555555555/s);

  const privateKey = '-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n';
  const keyFile = `{"type":"service_account","project_id":"thumbs-prod","client_email":"deployer@thumbs-prod.iam.gserviceaccount.com","private_key":"${privateKey}"}`;
  await page.click(tid('account-add'));
  await page.selectOption(tid('account-kind'), 'gcp-service-account');
  await page.fill(tid('account-field-name'), 'gcp');
  await page.setInputFiles(tid('account-keyfile'), { name: 'key.json', mimeType: 'application/json', buffer: Buffer.from(keyFile) });
  await page.waitForSelector(tid('account-keyfile-loaded'));
  assert.equal(await page.inputValue(tid('account-field-keyJson')), keyFile, 'the file was read in the browser');
  await page.click(tid('account-save'));
  await page.waitForSelector(tid('account-gcp'));
  assert.match(await page.textContent(tid('account-gcp')), /thumbs-prod.*deployer@thumbs-prod\.iam\.gserviceaccount\.com/s);
  const everything = await everythingVisible(page);
  for (const secret of ['azure-secret-value-123', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC']) {
    assert.ok(!everything.includes(secret), `${secret} is not in the page`);
    assert.ok(!responses.join('\n').includes(secret), `${secret} is in no response`);
  }

  // Editing a Google account needs the key again: the backend says so next to the field.
  await page.click(tid('account-edit-gcp'));
  await page.click(tid('account-save'));
  assert.match(await page.textContent(tid('account-error-keyJson')), /paste the key again/);
});

test('rename and remove (after a confirmation)', async (t) => {
  const { page, calls, bridge } = await openAccounts(t);
  await addAwsAccount(page);
  await page.waitForSelector(tid('account-work'));

  await page.click(tid('account-rename-work'));
  await page.fill(tid('account-rename-input'), 'work-eu');
  await page.click(tid('account-rename-save'));
  await page.waitForSelector(tid('account-work-eu'));
  assert.equal(await page.locator(tid('account-work')).count(), 0);
  assert.deepEqual(calls('rename_account'), ['rename_account {"from":"work","to":"work-eu"}']);
  assert.ok((keychainEntry(bridge, 'account:work-eu') ?? '').includes(SECRET), 'the secret moved with the name');
  assert.equal(keychainEntry(bridge, 'account:work'), null);

  await page.click(tid('account-remove-work-eu'));
  await page.waitForSelector(tid('confirm-dialog'));
  assert.match(await page.textContent(tid('confirm-dialog')), /deleted from the OS keychain/);
  await page.click(tid('confirm-cancel'));
  await page.waitForSelector(tid('confirm-dialog'), { state: 'detached' });
  assert.equal(calls('remove_account').length, 0, 'cancel removes nothing');
  assert.equal(await page.locator(tid('account-work-eu')).count(), 1);

  await page.click(tid('account-remove-work-eu'));
  await page.click(tid('confirm-remove'));
  await page.waitForSelector(tid('account-work-eu'), { state: 'detached' });
  await page.waitForSelector(tid('account-list-empty'));
  assert.deepEqual(calls('remove_account'), ['remove_account {"name":"work-eu"}']);
  assert.equal(keychainEntry(bridge, 'account:work-eu'), null, 'deleted from the keychain');
});

test('without a usable keychain a panel says why, and AWS profiles still work', async (t) => {
  // No Secret Service can be reached: the session bus address leads nowhere.
  const { page, calls, responses } = await openAccounts(t, { env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' } });
  const panel = page.locator(tid('keychain-unavailable'));
  await panel.waitFor();
  assert.match(await panel.textContent(), /The OS keychain is not available/);
  // What went wrong (the D-Bus socket is not there) and what to do.
  assert.match(
    await page.textContent(tid('keychain-unavailable-message')),
    /Failed to connect to socket \/nonexistent.*install and start a Secret Service provider .*make sure a D-Bus session is running, and unlock the keyring/,
  );
  assert.equal(await page.locator(tid('account-add')).count(), 0, 'no way to add an account (no plaintext fallback)');
  assert.equal(await page.locator(tid('account-list')).count(), 0);

  await page.waitForSelector(tid('aws-profile-default'));
  assert.match(await page.textContent(tid('aws-profile-default')), /static keys.*eu-west-1/);
  assert.match(await page.textContent(tid('aws-profile-dev')), /SSO/);
  assert.match(await page.textContent(tid('aws-profiles')), /refer to a profile by its name/);
  assert.ok(!responses.join('\n').includes(PROFILE_SECRET), 'a profile’s secret is never read out');
  assert.ok(!(await everythingVisible(page)).includes(PROFILE_SECRET));

  const options = await page.locator(`${tid('target-credentials-local')} option`).allTextContents();
  assert.deepEqual(options, ['None']);
  const asked = calls('list_accounts').length;
  await page.click(tid('keychain-retry'));
  await waitUntil(() => calls('list_accounts').length === asked + 1, 'Try again asked the keychain again');
  await page.waitForSelector(tid('keychain-unavailable'));
  await screenshot(page, 'accounts-keychain-unavailable');
});

test('choosing a target’s account writes it into functory.toml, keeping the open tab in step', async (t) => {
  const { page, calls, readFile } = await openAccounts(t);
  await addAwsAccount(page);
  await page.waitForSelector(tid('account-work'));

  // functory.toml open (and clean) in the editor while the target changes.
  await page.click(tid('target-credentials-open-manifest'));
  await page.waitForSelector('[data-testid="editor"][data-path="functory.toml"] .cm-content');
  assert.doesNotMatch(await editorText(page), /account =/);
  await page.keyboard.press('Control+7');

  const select = tid('target-credentials-local');
  // The area reads the keychain again when it is shown.
  await page.waitForSelector(`${select} option[value="account:work"]`, { state: 'attached' });
  const options = await page.locator(`${select} option`).evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(options, ['', 'account:work'], 'none and the keychain accounts; no AWS profiles for a local target');
  await page.selectOption(select, 'account:work');
  await page.waitForSelector(tid('target-credentials-local-saved'));
  assert.deepEqual(calls('set_target_credentials'), ['set_target_credentials {"target":"local","profile":null,"account":"work"}']);
  assert.equal(await page.inputValue(select), 'account:work', 'the select follows the new project view');

  await page.keyboard.press('Control+1');
  await page.waitForFunction(() => document.querySelector('[data-testid="editor"] .cm-content').textContent.includes('account = "work"'));
  const text = await editorText(page);
  assert.match(text, /^\[targets\.local\]\nadapter = "local"\naccount = "work"$/m);
  assert.match(text, /^# The built-in local runtime: Lambda semantics on this machine\.$/m, 'comments are kept');
  assert.equal(await page.locator(tid('tab-dirty-functory.toml')).count(), 0);
  assert.match(readFile('functory.toml'), /^\[targets\.local\]\nadapter = "local"\naccount = "work"$/m);

  // None removes it again.
  await page.keyboard.press('Control+7');
  await page.selectOption(select, '');
  await page.waitForFunction(() => !document.querySelector('[data-testid="editor"] .cm-content').textContent.includes('account ='));
  assert.equal(calls('set_target_credentials').length, 2);
  assert.equal(await page.inputValue(select), '');
  assert.doesNotMatch(readFile('functory.toml'), /account =/);
});

test('an AWS target can use an AWS profile by name', async (t) => {
  const { page, calls, readFile } = await openAccounts(t);
  await page.keyboard.press('Control+1');
  await page.click(tid('tree-item-functory.toml'));
  await page.waitForSelector('[data-testid="editor"][data-path="functory.toml"] .cm-content');
  await page.click('[data-testid="editor"] .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText('\n[targets.prod]\nadapter = "aws"\nregion = "eu-west-1"\n');
  await page.keyboard.press('Control+s');
  await page.waitForSelector(tid('tab-dirty-functory.toml'), { state: 'detached' });

  await page.keyboard.press('Control+7');
  const select = tid('target-credentials-prod');
  await page.waitForSelector(`${select} option[value="profile:dev"]`, { state: 'attached' });
  const options = await page.locator(`${select} option`).evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(options, ['', 'profile:default', 'profile:dev']);
  await page.selectOption(select, 'profile:dev');
  await page.waitForSelector(tid('target-credentials-prod-saved'));
  assert.deepEqual(calls('set_target_credentials'), ['set_target_credentials {"target":"prod","profile":"dev","account":null}']);
  await page.keyboard.press('Control+1');
  await page.waitForFunction(() => document.querySelector('[data-testid="editor"] .cm-content').textContent.includes('profile = "dev"'));
  assert.match(await editorText(page), /^\[targets\.prod\]\nadapter = "aws"\nregion = "eu-west-1"\nprofile = "dev"$/m);
  assert.match(readFile('functory.toml'), /^\[targets\.prod\]\nadapter = "aws"\nregion = "eu-west-1"\nprofile = "dev"$/m);
});

test('Test signs in with an account and shows who the cloud took it for, or why it refused', async (t) => {
  // moto checks every key against its IAM after two free calls, which make a user `good` and
  // its access key, as an administrator would.
  const moto = await startMoto({ env: { INITIAL_NO_AUTH_ACTION_COUNT: '2' } });
  t.after(moto.stop);
  const key = JSON.parse(
    moto.python(`
import boto3, json
iam = boto3.client("iam")
iam.create_user(UserName="good")
key = iam.create_access_key(UserName="good")["AccessKey"]
print(json.dumps({"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}))
`),
  );
  const { page, calls, responses } = await openAccounts(t, { env: { AWS_ENDPOINT_URL: moto.url } });
  await addAwsAccount(page, { name: 'good', keyId: key.id, secret: key.secret, region: 'us-east-1' });
  await page.locator(tid('account-good')).waitFor();
  await addAwsAccount(page, { name: 'refused', keyId: 'AKIADENIEDEXAMPLE000', region: 'us-east-1' });
  await page.locator(tid('account-refused')).waitFor();

  await page.click(tid('account-test-good'));
  const good = page.locator(tid('account-test-result-good'));
  await good.waitFor();
  assert.equal(await good.getAttribute('data-ok'), 'true');
  assert.match(await good.textContent(), /arn:aws:iam::123456789012:user\/good.*STS GetCallerIdentity/);

  await page.click(tid('account-test-refused'));
  const refused = page.locator(tid('account-test-result-refused'));
  await refused.waitFor();
  assert.equal(await refused.getAttribute('data-ok'), 'false');
  assert.match(await refused.textContent(), /AWS does not recognise the access key of account `refused` \(InvalidClientTokenId/);
  assert.deepEqual(
    calls('test_account').map((c) => JSON.parse(c.slice(c.indexOf('{'))).name),
    ['good', 'refused'],
  );
  for (const secret of [key.secret, SECRET]) assert.ok(!responses.join('\n').includes(secret), 'no answer carries a secret');
});
