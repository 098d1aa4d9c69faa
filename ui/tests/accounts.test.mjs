// The Accounts area: keychain accounts (secrets write-only), AWS profiles by name, and the
// credentials each target of functory.toml uses.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { editorText, openApp, screenshot, tid } from './support/app.mjs';


const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';

async function openAccounts(t, query = '?open=sample') {
  const app = await openApp(server.url, { query });
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
  const { page, calls, commands, responses, errors } = await openAccounts(t);
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
  assert.ok(!(await everythingVisible(page)).includes(SECRET), 'the secret is not in the DOM or storage');
  assert.ok(!commands.join('\n').includes(SECRET), 'the mock log holds no secret');
  assert.ok(responses.some((r) => r.startsWith('add_account ') && r.includes(KEY_ID)), 'add_account answered');
  assert.ok(!responses.join('\n').includes(SECRET), 'no response carries the secret');
  assert.ok(!responses.join('\n').includes('secretAccessKey'), 'no response has a secret field at all');
  await screenshot(page, 'accounts-listed');
  assert.deepEqual(errors, []);
});

test('editing with the secret left blank keeps the stored secret', async (t) => {
  const { page, calls, responses } = await openAccounts(t);
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
  assert.match(await page.textContent(tid('account-work')), /us-east-2/);
  assert.doesNotMatch(await page.textContent(tid('account-work')), /eu-west-1/);
  const updated = calls('update_account');
  assert.equal(updated.length, 1);
  assert.match(updated[0], /"secretAccessKey":""/, 'a blank secret was sent: keep the stored one');
  assert.match(updated[0], /"region":"us-east-2"/);
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
  const { page, calls } = await openAccounts(t);
  await addAwsAccount(page);
  await page.waitForSelector(tid('account-work'));

  await page.click(tid('account-rename-work'));
  await page.fill(tid('account-rename-input'), 'work-eu');
  await page.click(tid('account-rename-save'));
  await page.waitForSelector(tid('account-work-eu'));
  assert.equal(await page.locator(tid('account-work')).count(), 0);
  assert.deepEqual(calls('rename_account'), ['rename_account {"from":"work","to":"work-eu"}']);

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
});

test('without a usable keychain a panel says why, and AWS profiles still work', async (t) => {
  const { page, calls } = await openAccounts(t, '?open=sample&keychain=unavailable');
  const panel = page.locator(tid('keychain-unavailable'));
  await panel.waitFor();
  assert.match(await panel.textContent(), /The OS keychain is not available/);
  assert.match(await page.textContent(tid('keychain-unavailable-message')), /Secret Service.*Install and unlock a keyring/);
  assert.equal(await page.locator(tid('account-add')).count(), 0, 'no way to add an account (no plaintext fallback)');
  assert.equal(await page.locator(tid('account-list')).count(), 0);

  await page.waitForSelector(tid('aws-profile-default'));
  assert.match(await page.textContent(tid('aws-profile-default')), /static keys.*eu-west-1/);
  assert.match(await page.textContent(tid('aws-profile-dev')), /SSO/);
  assert.match(await page.textContent(tid('aws-profiles')), /refer to a profile by its name/);

  const options = await page.locator(`${tid('target-credentials-local')} option`).allTextContents();
  assert.deepEqual(options, ['None']);
  await page.click(tid('keychain-retry'));
  await page.waitForTimeout(50);
  assert.equal(calls('list_accounts').length, 2, 'try again asks the keychain again');
  await screenshot(page, 'accounts-keychain-unavailable');
});

test('choosing a target’s account writes it into functory.toml, keeping the open tab in step', async (t) => {
  const { page, calls } = await openAccounts(t);
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

  // None removes it again.
  await page.keyboard.press('Control+7');
  await page.selectOption(select, '');
  await page.waitForFunction(() => !document.querySelector('[data-testid="editor"] .cm-content').textContent.includes('account ='));
  assert.equal(calls('set_target_credentials').length, 2);
  assert.equal(await page.inputValue(select), '');
});

test('an AWS target can use an AWS profile by name', async (t) => {
  const { page, calls } = await openAccounts(t);
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
});

test('Test signs in with an account and shows who the cloud took it for, or why it refused', async (t) => {
  const { page, calls } = await openAccounts(t);
  await addAwsAccount(page, { name: 'good' });
  await page.locator(tid('account-good')).waitFor();
  await addAwsAccount(page, { name: 'refused', keyId: 'AKIADENIEDEXAMPLE000' });
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
  assert.match(await refused.textContent(), /refused the access key of account `refused`/);
  assert.deepEqual(
    calls('test_account').map((c) => JSON.parse(c.slice(c.indexOf('{'))).name),
    ['good', 'refused'],
  );
});
