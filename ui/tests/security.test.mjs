// The Security view: the linter's findings grouped per file and function, the severity filter,
// a safe fix in one click, an unsafe fix after reviewing its diff, opening a finding in the
// editor (with its underline), and the rule documentation browser.
//
// Each test opens a copy of the sample with a policy file added, policies/report-role.json,
// on which the real linter finds three problems:
//   IAM002 medium, unsafe fix ("Version": "2008-10-17", line 2, with a policy variable in line 8)
//   IAM004 high, safe fix ("Effect": "allow", line 6)
//   IAM202 low (lowered: limited to the listed resources), no fix ("Action": "s3:*", line 13)
// and the analyzer finds that the sample's resize is granted two S3 actions its code never
// calls (LPA002 twice, low, in functory.toml under the function).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { copySample, editorText, openApp, screenshot, tid } from './support/app.mjs';


const POLICY = 'policies/report-role.json';
const POLICY_TEXT = `{
  "Version": "2008-10-17",
  "Statement": [
    {
      "Sid": "ReadUploads",
      "Effect": "allow",
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::uploads/\${aws:username}/*"
    },
    {
      "Sid": "WriteReports",
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": "arn:aws:s3:::reports/*"
    }
  ]
}
`;
const finding = (code) => `${tid('security-finding')}[data-code="${code}"]`;
const codes = (page) => page.locator(tid('security-finding')).evaluateAll((els) => els.map((e) => e.dataset.code));
const ALL = ['IAM002', 'IAM004', 'IAM202', 'LPA002', 'LPA002'];

async function openSecurity(t) {
  const project = copySample();
  mkdirSync(join(project, 'policies'));
  writeFileSync(join(project, POLICY), POLICY_TEXT);
  const app = await openApp({ open: project });
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
  // A policy file belongs to no function: its findings are the whole file's.
  assert.deepEqual((await file.locator(tid('security-finding')).evaluateAll((els) => els.map((e) => e.dataset.code))).sort(), ['IAM002', 'IAM004', 'IAM202']);
  assert.equal(await file.locator(tid('security-function-(file)')).count(), 1);
  // The manifest's findings are grouped under the function they are about.
  const manifest = page.locator(tid('security-file-functory.toml'));
  const resize = manifest.locator(tid('security-function-resize'));
  assert.equal(await resize.count(), 1, 'grouped under the function');
  assert.deepEqual(await resize.locator(tid('security-finding')).evaluateAll((els) => els.map((e) => e.dataset.code)), ['LPA002', 'LPA002']);
  assert.match(await resize.textContent(), /s3:GetObject is granted \(on arn:aws:s3:::uploads\/\*\) but no call in the handler's code needs it/);
  assert.deepEqual((await codes(page)).sort(), ALL);
  const effect = page.locator(finding('IAM004'));
  assert.equal(await effect.locator(tid('security-severity')).textContent(), 'high');
  assert.match(await effect.textContent(), /Effect `allow` is invalid; it must be exactly "Allow" or "Deny"/);
  assert.equal(await page.locator(finding('IAM202')).locator(tid('security-severity')).textContent(), 'low');
  assert.match(await page.locator(finding('IAM202')).textContent(), /`s3:\*` allows all \d+ actions of Amazon S3/);
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
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="security-finding"]').length === 1);
  assert.deepEqual(await codes(page), ['IAM004']);
  await page.selectOption(tid('security-filter'), 'critical');
  await page.waitForSelector(tid('security-clean'));
  assert.match(await page.textContent(tid('security-clean')), /No findings at this severity/);
  await page.selectOption(tid('security-filter'), 'low');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="security-finding"]').length === n, ALL.length);
  await page.selectOption(tid('security-filter'), 'all');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="security-finding"]').length === n, ALL.length);
  assert.deepEqual((await codes(page)).sort(), ALL);
});

test('a safe fix applies in one click and changes the file', async (t) => {
  const { page, calls, readFile } = await openSecurity(t);
  await page.locator(finding('IAM004')).locator(tid('security-fix')).click();
  await page.waitForSelector(finding('IAM004'), { state: 'detached' });
  assert.deepEqual((await codes(page)).sort(), ALL.filter((c) => c !== 'IAM004'));
  assert.equal(calls('apply_lint_fix').length, 1);
  assert.match(calls('apply_lint_fix')[0], /"confirm":false/);
  // The file on disk changed by exactly that value, and the editor shows it.
  assert.equal(readFile(POLICY), POLICY_TEXT.replace('"Effect": "allow"', '"Effect": "Allow"'));
  const text = await policyOnDisk(page);
  assert.match(text, /"Effect": "Allow",\n\s+"Action": "s3:GetObject"/);
  assert.doesNotMatch(text, /"allow"/);
  assert.match(text, /"Version": "2008-10-17"/, 'only that fix was applied');
});

test('an unsafe fix shows its diff first and applies only when confirmed', async (t) => {
  const { page, calls, readFile } = await openSecurity(t);
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
  assert.equal(readFile(POLICY), POLICY_TEXT);

  await version.locator(tid('security-review-fix')).click();
  await page.click(tid('security-fix-confirm'));
  await page.waitForSelector(finding('IAM002'), { state: 'detached' });
  assert.match(calls('apply_lint_fix')[0], /"confirm":true/);
  assert.equal(readFile(POLICY), POLICY_TEXT.replace('"2008-10-17"', '"2012-10-17"'));
  assert.match(await policyOnDisk(page), /"Version": "2012-10-17"/);
});

test('clicking a finding opens the file at its line, underlined', async (t) => {
  const { page } = await openSecurity(t);
  await page.locator(finding('IAM202')).locator(tid('security-open')).click();
  await page.waitForSelector(`[data-testid="editor"][data-path="${POLICY}"]`);
  await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent?.includes('"Action": "s3:*"'));
  // High findings are underlined as errors, the others as warnings.
  const underlined = (kind) =>
    page.locator(`[data-testid="editor"] .cm-lintRange-${kind}`).evaluateAll((els) => els.map((e) => e.closest('.cm-line').textContent.trim()));
  await page.locator('[data-testid="editor"] .cm-lintRange-error').first().waitFor();
  assert.deepEqual(await underlined('error'), ['"Effect": "allow",'], 'IAM004 (high) as an error');
  assert.deepEqual((await underlined('warning')).sort(), ['"Action": "s3:*",', '"Version": "2008-10-17",'], 'IAM002 (medium) and IAM202 (low) as warnings');
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
  const { page, readFile } = await openSecurity(t);
  await page.locator(finding('IAM004')).locator(tid('security-open')).click();
  await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent?.includes('"Effect": "allow"'));
  await page.keyboard.press('End');
  await page.keyboard.press('Home');
  await page.keyboard.press('Shift+End');
  await page.keyboard.type('"Effect": "Deny",');
  await page.keyboard.press('Control+s');
  await page.waitForSelector(tid(`tab-dirty-${POLICY}`), { state: 'detached' });
  assert.match(await editorText(page), /"Effect": "Deny",/);
  assert.match(readFile(POLICY), /"Effect": "Deny",/);
  // IAM004 was the only error: no error underline is left, the two warnings stay.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="editor"] .cm-lintRange-error').length === 0);
  assert.equal(await page.locator('[data-testid="editor"] .cm-lintRange-warning').count(), 2);
  await page.click(tid('nav-security'));
  await page.waitForSelector(finding('IAM002'));
  assert.deepEqual((await codes(page)).sort(), ALL.filter((c) => c !== 'IAM004'));
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
  const { page, calls, errors, readFile } = app;
  await page.waitForSelector(tid('project-tree'));
  // resize lists the uploads bucket (not granted) and writes thumbnails (granted); it does not
  // read uploads, which its permissions grant.
  await addCallsToResize(page, [
    'import { S3Client, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";',
    'const s3 = new S3Client({});',
    'export async function store(key, body) {',
    'await s3.send(new PutObjectCommand({ Bucket: process.env.THUMBS_BUCKET, Key: key, Body: body }));',
    'await s3.send(new ListObjectsV2Command({ Bucket: "uploads" }));',
    '}',
  ]);
  assert.match(readFile('src/resize.mjs'), /new ListObjectsV2Command\(\{ Bucket: "uploads" \}\)/, 'the code is saved');
  await page.click(tid('nav-security'));
  await page.click(tid('security-tab-least-privilege'));
  await page.waitForSelector(tid('lp-panel'));
  assert.equal(await page.inputValue(tid('lp-function')), 'resize');
  await page.waitForSelector(`${tid('lp-missing')}[data-action="s3:ListBucket"]`);
  assert.match(await page.textContent(`${tid('lp-missing')}[data-action="s3:ListBucket"]`), /will fail with\s+AccessDenied/);
  assert.equal(await page.locator(`${tid('lp-unused')}[data-action="s3:GetObject"]`).count(), 1);
  assert.equal(await page.locator(tid('lp-call')).count(), 2);
  assert.match(await page.textContent(tid('lp-policy-text')), /actions = \["s3:ListBucket"\]\nresources = \["uploads"\]/);

  // A call's location opens the handler at that line.
  const link = page.locator(`${tid('lp-missing')} ${tid('source-link')}`);
  const line = Number(await link.getAttribute('data-line'));
  await link.click();
  await page.waitForSelector('[data-testid="editor"][data-path="src/resize.mjs"] .cm-activeLine');
  const activeLine = await page.locator('[data-testid="editor"] .cm-activeLine').textContent();
  const fileLines = readFile('src/resize.mjs').split('\n');
  assert.equal(activeLine, fileLines[line - 1]);
  assert.match(activeLine, /ListObjectsV2Command/);

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
  assert.match(readFile('functory.toml'), /s3:GetObject/);

  await page.click(tid('lp-use-generated'));
  await page.click(tid('permissions-confirm'));
  await page.waitForSelector(tid('lp-matches'));
  assert.equal(calls('set_permissions').length, 1);
  const manifest = readFile('functory.toml');
  assert.doesNotMatch(manifest, /s3:GetObject/);
  assert.match(manifest, /actions = \["s3:ListBucket"\]/);
  assert.match(manifest, /# images up to 20 MB fit comfortably/, 'comments elsewhere survive');
  await screenshot(page, 'security-least-privilege');
  assert.deepEqual(errors, []);
});
