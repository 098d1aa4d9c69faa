// The Security view: the linter's findings grouped per file and function, the severity filter,
// a safe fix in one click, an unsafe fix after reviewing its diff, opening a finding in the
// editor (with its underline), and the rule documentation browser.
//
// The mock sample carries policies/report-role.json with three findings:
//   IAM002 medium, unsafe fix ("Version": "2008-10-17", line 2)
//   IAM004 high, safe fix ("Effect": "allow", line 6)
//   IAM202 high, no fix ("Action": "s3:*", line 13)
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { editorText, openApp, screenshot, tid } from './support/app.mjs';


const POLICY = 'policies/report-role.json';
const finding = (code) => `${tid('security-finding')}[data-code="${code}"]`;
const codes = (page) => page.locator(tid('security-finding')).evaluateAll((els) => els.map((e) => e.dataset.code));

async function openSecurity(t) {
  const app = await openApp({ sample: true });
  t.after(app.close);
  const { page } = app;
  await page.waitForSelector(tid('project-tree'));
  await page.click(tid('nav-security'));
  await page.waitForSelector(tid('security-finding'));
  return app;
}

async function policyOnDisk(page) {
  await page.click(tid('nav-functions'));
  await page.click(tid(`tree-item-${POLICY}`));
  await page.waitForSelector(`[data-testid="editor"][data-path="${POLICY}"] .cm-content`);
  return editorText(page);
}

test('findings are listed per file and function with severity, code, message and explanation', async (t) => {
  const { page, errors } = await openSecurity(t);
  const file = page.locator(tid(`security-file-${POLICY}`));
  assert.equal(await file.count(), 1);
  assert.equal(await file.locator(tid('security-function-report')).count(), 1, 'grouped under the function');
  assert.deepEqual((await codes(page)).sort(), ['IAM002', 'IAM004', 'IAM202']);
  const effect = page.locator(finding('IAM004'));
  assert.equal(await effect.locator(tid('security-severity')).textContent(), 'high');
  assert.match(await effect.textContent(), /Effect "allow" is not "Allow" or "Deny"/);
  assert.equal(await effect.locator(tid('security-fix')).count(), 1, 'a safe fix: one click');
  assert.equal(await page.locator(finding('IAM002')).locator(tid('security-review-fix')).count(), 1, 'an unsafe fix: reviewed');
  assert.equal(await page.locator(finding('IAM202')).locator('button[data-testid^="security-fix"], [data-testid="security-review-fix"]').count(), 0);

  await effect.locator(tid('security-explain')).click();
  assert.match(await effect.locator(tid('security-explanation')).textContent(), /IAM004 invalid-effect[\s\S]*case-sensitive/);
  await screenshot(page, 'security-findings');
  assert.deepEqual(errors, []);
});

test('the severity filter shows findings at or above the chosen severity', async (t) => {
  const { page } = await openSecurity(t);
  await page.selectOption(tid('security-filter'), 'high');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="security-finding"]').length === 2);
  assert.deepEqual((await codes(page)).sort(), ['IAM004', 'IAM202']);
  await page.selectOption(tid('security-filter'), 'critical');
  await page.waitForSelector(tid('security-clean'));
  assert.match(await page.textContent(tid('security-clean')), /No findings at this severity/);
  await page.selectOption(tid('security-filter'), 'all');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="security-finding"]').length === 3);
});

test('a safe fix applies in one click and changes the file', async (t) => {
  const { page, calls } = await openSecurity(t);
  await page.locator(finding('IAM004')).locator(tid('security-fix')).click();
  await page.waitForSelector(finding('IAM004'), { state: 'detached' });
  assert.deepEqual((await codes(page)).sort(), ['IAM002', 'IAM202']);
  assert.equal(calls('apply_lint_fix').length, 1);
  assert.match(calls('apply_lint_fix')[0], /"confirm":false/);
  const text = await policyOnDisk(page);
  assert.match(text, /"Effect": "Allow",\n\s+"Action": "s3:GetObject"/);
  assert.doesNotMatch(text, /"allow"/);
  assert.match(text, /"Version": "2008-10-17"/, 'only that fix was applied');
});

test('an unsafe fix shows its diff first and applies only when confirmed', async (t) => {
  const { page, calls } = await openSecurity(t);
  const version = page.locator(finding('IAM002'));
  await version.locator(tid('security-review-fix')).click();
  const dialog = page.locator(tid('security-fix-dialog'));
  await dialog.waitFor();
  const diff = await dialog.locator(tid('security-fix-diff')).textContent();
  assert.match(diff, /-  "Version": "2008-10-17",/);
  assert.match(diff, /\+  "Version": "2012-10-17",/);
  await page.click(tid('security-fix-cancel'));
  await dialog.waitFor({ state: 'detached' });
  assert.equal(calls('apply_lint_fix').length, 0, 'cancel applies nothing');

  await version.locator(tid('security-review-fix')).click();
  await page.click(tid('security-fix-confirm'));
  await page.waitForSelector(finding('IAM002'), { state: 'detached' });
  assert.match(calls('apply_lint_fix')[0], /"confirm":true/);
  assert.match(await policyOnDisk(page), /"Version": "2012-10-17"/);
});

test('clicking a finding opens the file at its line, underlined', async (t) => {
  const { page } = await openSecurity(t);
  await page.locator(finding('IAM202')).locator(tid('security-open')).click();
  await page.waitForSelector(`[data-testid="editor"][data-path="${POLICY}"]`);
  await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent?.includes('"Action": "s3:*"'));
  const underlined = page.locator('[data-testid="editor"] .cm-lintRange-error');
  await underlined.first().waitFor();
  const lines = await underlined.evaluateAll((els) => els.map((e) => e.closest('.cm-line').textContent.trim()));
  assert.ok(lines.includes('"Action": "s3:*",'), lines.join(' | '));
  assert.ok(lines.includes('"Effect": "allow",'), lines.join(' | '));
  assert.equal(await page.locator('[data-testid="editor"] .cm-lintRange-warning').count(), 1, 'IAM002 (medium) as a warning');
});

test('the rule documentation is browsable', async (t) => {
  const { page } = await openSecurity(t);
  await page.click(tid('security-tab-rules'));
  await page.waitForSelector(tid('security-rules'));
  assert.ok((await page.locator('[data-testid^="security-rule-IAM"]').count()) >= 3);
  await page.click(tid('security-rule-IAM202'));
  const doc = page.locator(tid('security-rule-doc'));
  assert.match(await doc.textContent(), /IAM202 service-wildcard[\s\S]*What it checks/);
  await page.click(tid('security-rule-IAM002'));
  assert.match(await doc.textContent(), /IAM002 policy-version[\s\S]*2012-10-17/);
  assert.equal(await page.getAttribute(tid('security-rule-IAM002'), 'aria-current'), 'true');
});

test('saving an edit lints again: the fixed finding leaves the view and the editor', async (t) => {
  const { page } = await openSecurity(t);
  await page.locator(finding('IAM004')).locator(tid('security-open')).click();
  await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent?.includes('"Effect": "allow"'));
  await page.keyboard.press('End');
  await page.keyboard.press('Home');
  await page.keyboard.press('Shift+End');
  await page.keyboard.type('"Effect": "Deny",');
  await page.keyboard.press('Control+s');
  await page.waitForSelector(tid(`tab-dirty-${POLICY}`), { state: 'detached' });
  assert.match(await editorText(page), /"Effect": "Deny",/);
  // Only IAM202's underline is left as an error (IAM002 is a warning).
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="editor"] .cm-lintRange-error').length === 1);
  await page.click(tid('nav-security'));
  await page.waitForSelector(tid('security-finding'));
  assert.deepEqual((await codes(page)).sort(), ['IAM002', 'IAM202']);
});

/** Appends lines to src/resize.mjs in the editor and saves, as a user adding SDK calls does. */
async function addCallsToResize(page, lines) {
  await page.click(tid('nav-functions'));
  await page.click(tid('tree-item-src/resize.mjs'));
  await page.waitForSelector('[data-testid="editor"][data-path="src/resize.mjs"] .cm-content');
  await page.click('[data-testid="editor"] .cm-content');
  await page.keyboard.press('Control+End');
  for (const line of lines) {
    await page.keyboard.press('Enter');
    await page.keyboard.insertText(line);
  }
  await page.keyboard.press('Control+s');
  await page.waitForSelector(tid('tab-dirty-src/resize.mjs'), { state: 'detached' });
}

test('least privilege: the calls, missing and unused grants, and the generated policy applied after its diff', async (t) => {
  const app = await openApp({ sample: true });
  t.after(app.close);
  const { page, calls, errors } = app;
  await page.waitForSelector(tid('project-tree'));
  // resize lists the uploads bucket (not granted) and writes thumbnails (granted); it no
  // longer reads uploads, which its permissions still grant.
  await addCallsToResize(page, [
    '// await s3.send(new PutObjectCommand({ Bucket: process.env.THUMBS_BUCKET, Key: key }));',
    '// await s3.send(new ListObjectsV2Command({ Bucket: "uploads" }));',
  ]);
  await page.click(tid('nav-security'));
  await page.click(tid('security-tab-least-privilege'));
  await page.waitForSelector(tid('lp-panel'));
  assert.equal(await page.inputValue(tid('lp-function')), 'resize');
  await page.waitForSelector(`${tid('lp-missing')}[data-action="s3:ListBucket"]`);
  assert.match(await page.textContent(`${tid('lp-missing')}[data-action="s3:ListBucket"]`), /will fail with\s+AccessDenied/);
  assert.equal(await page.locator(`${tid('lp-unused')}[data-action="s3:GetObject"]`).count(), 1);
  assert.equal(await page.locator(tid('lp-call')).count(), 2);
  assert.match(await page.textContent(tid('lp-policy-text')), /actions = \["s3:ListBucket"\]\nresources = \["arn:aws:s3:::uploads"\]/);

  // A call's location opens the handler at that line.
  const link = page.locator(`${tid('lp-missing')} ${tid('source-link')}`);
  const line = Number(await link.getAttribute('data-line'));
  await link.click();
  await page.waitForSelector('[data-testid="editor"][data-path="src/resize.mjs"] .cm-activeLine');
  const activeLine = await page.locator('[data-testid="editor"] .cm-activeLine').textContent();
  const fileLines = (await page.evaluate(() => window.functoryMock.readFile('src/resize.mjs'))).split('\n');
  assert.equal(activeLine, fileLines[line - 1]);

  // "Use the generated policy" shows the manifest diff; Cancel changes nothing.
  await page.click(tid('nav-security'));
  await page.click(tid('security-tab-least-privilege'));
  await page.click(tid('lp-use-generated'));
  await page.waitForSelector(tid('permissions-dialog'));
  const diff = await page.textContent(tid('permissions-diff'));
  assert.match(diff, /-actions = \["s3:GetObject"\]/);
  assert.match(diff, /\+actions = \["s3:ListBucket"\]/);
  await page.click(tid('permissions-cancel'));
  assert.equal(calls('set_permissions').length, 0);
  assert.match(await page.evaluate(() => window.functoryMock.readFile('functory.toml')), /s3:GetObject/);

  await page.click(tid('lp-use-generated'));
  await page.click(tid('permissions-confirm'));
  await page.waitForSelector(tid('lp-matches'));
  assert.equal(calls('set_permissions').length, 1);
  const manifest = await page.evaluate(() => window.functoryMock.readFile('functory.toml'));
  assert.doesNotMatch(manifest, /s3:GetObject/);
  assert.match(manifest, /actions = \["s3:ListBucket"\]/);
  assert.match(manifest, /# images up to 20 MB fit comfortably/, 'comments elsewhere survive');
  await screenshot(page, 'security-least-privilege');
  assert.deepEqual(errors, []);
});
