// The function settings form: validation, manifest edits that keep comments, env variables.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { editorText, openApp, tid } from './support/app.mjs';


/** The sample, opened at startup, with functory.toml in a tab and `resize` selected. */
async function openSettings(t) {
  const app = await openApp({ sample: true });
  t.after(app.close);
  const { page } = app;
  await page.waitForSelector(tid('project-tree'));
  await page.click(tid('tree-item-functory.toml'));
  await page.waitForSelector('[data-testid="editor"][data-path="functory.toml"] .cm-content');
  await page.click(tid('function-resize'));
  await page.waitForSelector(tid('function-settings'));
  return app;
}

test('setting memory rewrites functory.toml in place and keeps its comment', async (t) => {
  const { page, calls, readFile } = await openSettings(t);
  assert.equal(await page.inputValue(tid('settings-memory')), '512');
  await page.fill(tid('settings-memory'), '1024');
  await page.click(tid('settings-save'));
  await page.waitForSelector(tid('settings-saved'));

  assert.deepEqual(calls('apply_manifest_edit'), [
    'apply_manifest_edit {"edit":{"kind":"setMemory","function":"resize","memoryMb":1024}}',
  ]);
  await page.waitForFunction(() => document.querySelector('[data-testid="editor"] .cm-content').textContent.includes('memory_mb = 1024'));
  const text = await editorText(page);
  assert.match(text, /^memory_mb = 1024 {4}# images up to 20 MB fit comfortably$/m);
  assert.match(text, /^timeout_s = 30 {5}# reading large uploads can take a while$/m, 'other lines untouched');
  assert.equal(await page.locator(tid('tab-dirty-functory.toml')).count(), 0, 'the refreshed tab is clean');
  assert.match(await page.textContent(tid('function-resize')), /1024 MB/);
  assert.equal(await page.inputValue(tid('settings-memory')), '1024');
  assert.equal(readFile('functory.toml'), text.endsWith('\n') ? text : `${text}\n`, 'the tab shows the file on disk');
});

test('out-of-range values are refused next to the field and nothing is sent', async (t) => {
  const { page, calls, readFile } = await openSettings(t);
  const before = readFile('functory.toml');
  await page.fill(tid('settings-memory'), '64');
  await page.fill(tid('settings-timeout'), '1000');
  await page.click(tid('settings-save'));
  assert.match(await page.textContent(tid('settings-error-memory')), /between 128 and 10240/);
  assert.match(await page.textContent(tid('settings-error-timeout')), /between 1 and 900/);
  assert.equal(await page.getAttribute(tid('settings-memory'), 'aria-invalid'), 'true');
  await page.waitForTimeout(100);
  assert.deepEqual(calls('apply_manifest_edit'), [], 'no edit reached the backend');
  assert.match(await editorText(page), /^memory_mb = 512 /m);
  assert.equal(readFile('functory.toml'), before);

  // Fixing the value clears the error as the user types.
  await page.fill(tid('settings-memory'), '2048');
  await page.waitForSelector(tid('settings-error-memory'), { state: 'detached' });
  assert.equal(await page.locator(tid('settings-error-timeout')).count(), 1);
});

test('environment variables are added, changed and removed as separate edits', async (t) => {
  const { page, calls, readFile } = await openSettings(t);
  assert.equal(await page.inputValue(tid('env-key-0')), 'THUMBS_BUCKET');
  assert.equal(await page.inputValue(tid('env-key-1')), 'MAX_WIDTH');

  await page.fill(tid('env-value-1'), '640');
  await page.click(tid('env-remove-0'));
  await page.click(tid('env-add'));
  // After the removal the rows are MAX_WIDTH (0) and the new one (1).
  await page.fill(tid('env-key-1'), '1BAD');
  await page.fill(tid('env-value-1'), 'x');
  await page.click(tid('settings-save'));
  assert.match(await page.textContent(tid('settings-error-env-1')), /start with a letter/);
  assert.deepEqual(calls('apply_manifest_edit'), []);

  await page.fill(tid('env-key-1'), 'QUALITY');
  await page.fill(tid('env-value-1'), '82');
  await page.click(tid('settings-save'));
  await page.waitForSelector(tid('settings-saved'));
  assert.deepEqual(
    calls('apply_manifest_edit').map((c) => JSON.parse(c.slice(c.indexOf(' ') + 1)).edit),
    [
      { kind: 'removeEnv', function: 'resize', key: 'THUMBS_BUCKET' },
      { kind: 'setEnv', function: 'resize', key: 'MAX_WIDTH', value: '640' },
      { kind: 'setEnv', function: 'resize', key: 'QUALITY', value: '82' },
    ],
  );
  await page.waitForFunction(() => document.querySelector('[data-testid="editor"] .cm-content').textContent.includes('QUALITY'));
  assert.match(await editorText(page), /^environment = \{ MAX_WIDTH = "640", QUALITY = "82" \}$/m);
  assert.match(readFile('functory.toml'), /^environment = \{ MAX_WIDTH = "640", QUALITY = "82" \}$/m);
});

test('a timeout edit while functory.toml has unsaved edits warns instead of overwriting the tab', async (t) => {
  const { page, calls, readFile } = await openSettings(t);
  await page.click('[data-testid="editor"] .cm-content');
  await page.keyboard.press('Control+Home');
  await page.keyboard.type('# my unsaved note\n');
  await page.waitForSelector(tid('tab-dirty-functory.toml'));

  await page.fill(tid('settings-timeout'), '45');
  await page.click(tid('settings-save'));
  await page.waitForSelector(tid('settings-warning'));
  assert.equal(calls('apply_manifest_edit').length, 1);
  assert.match(await page.textContent(tid('warning-toast')), /unsaved edits/);
  const text = await editorText(page);
  assert.match(text, /^# my unsaved note$/m, 'the user’s buffer is kept');
  assert.match(text, /^timeout_s = 30 /m);
  assert.match(await page.textContent(tid('function-resize')), /45 s/, 'the list shows the saved value');
  const saved = readFile('functory.toml');
  assert.match(saved, /^timeout_s = 45 {5}# reading large uploads can take a while$/m, 'the edit is on disk');
  assert.doesNotMatch(saved, /my unsaved note/, 'the unsaved buffer was not written');
});
