// Crash recovery: unsaved buffers survive a restart (a page reload, with the mock's journal in
// localStorage) and come back unsaved.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { editorText, openApp, tid } from './support/app.mjs';


const JOURNAL = 'functory.mock.journal';

async function typeWithoutSaving(t, marker) {
  const app = await openApp(server.url);
  t.after(app.close);
  const { page } = app;
  await page.waitForSelector(tid('welcome'));
  assert.equal(await page.locator(tid('recovery-banner')).count(), 0, 'nothing to recover on a first start');
  await page.click(tid('open-sample'));
  await page.click(tid('tree-item-src/resize.mjs'));
  await page.waitForSelector('[data-testid="editor"][data-path="src/resize.mjs"] .cm-content');
  await page.click('[data-testid="editor"] .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type(marker);
  await page.keyboard.press('Escape');
  await page.waitForSelector(tid('tab-dirty-src/resize.mjs'));
  // The journal is written shortly after the change (debounced), without saving the file.
  await page.waitForFunction(([key, text]) => (localStorage.getItem(key) ?? '').includes(text), [JOURNAL, marker]);
  const journal = JSON.parse(await page.evaluate((key) => localStorage.getItem(key), JOURNAL));
  assert.deepEqual(journal.map((e) => [e.projectRoot, e.path]), [['/mock/thumbnails', 'src/resize.mjs']]);
  assert.ok(journal[0].updatedAtMs > 0);
  assert.equal(app.calls('write_file').length, 0);
  return app;
}

test('restore brings an unsaved buffer back after a restart, still unsaved', async (t) => {
  const { page, calls } = await typeWithoutSaving(t, '// recovered after the crash');
  await page.reload();

  const banner = page.locator(tid('recovery-banner'));
  await banner.waitFor();
  assert.match(await banner.textContent(), /src\/resize\.mjs/);
  await page.click(tid('recovery-restore'));
  await page.waitForSelector('[data-testid="editor"][data-path="src/resize.mjs"] .cm-content');
  await page.waitForSelector(tid('tab-dirty-src/resize.mjs'));
  await page.waitForSelector(tid('recovery-banner'), { state: 'detached' });
  assert.match(await editorText(page), /\/\/ recovered after the crash$/);
  assert.equal(await page.textContent(tid('project-name')), 'thumbnails');
  assert.equal(calls('write_file').length, 0, 'restoring does not save');
  assert.match(await page.evaluate((key) => localStorage.getItem(key), JOURNAL), /recovered after the crash/, 'still journaled');

  // Saving empties the journal.
  await page.keyboard.press('Control+s');
  await page.waitForSelector(tid('tab-dirty-src/resize.mjs'), { state: 'detached' });
  await page.waitForFunction((key) => localStorage.getItem(key) === null, JOURNAL);
});

test('discard forgets the unsaved buffer for good', async (t) => {
  const { page, calls } = await typeWithoutSaving(t, '// to be thrown away');
  await page.reload();
  await page.waitForSelector(tid('recovery-banner'));
  await page.click(tid('recovery-discard'));
  await page.waitForSelector(tid('recovery-banner'), { state: 'detached' });
  assert.equal(calls('journal_clear').length, 1);
  assert.equal(await page.evaluate((key) => localStorage.getItem(key), JOURNAL), null);
  await page.reload();
  await page.waitForSelector(tid('welcome'));
  assert.equal(await page.locator(tid('recovery-banner')).count(), 0);
});

test('edits made before choosing keep the pending entries in the journal', async (t) => {
  const { page } = await typeWithoutSaving(t, '// pending one');
  await page.reload();
  await page.waitForSelector(tid('recovery-banner'));
  // Work on another file first; the pending recovery must not be lost meanwhile.
  await page.click(tid('open-sample'));
  await page.click(tid('tree-item-src/report.py'));
  await page.click('[data-testid="editor"] .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\n# new work');
  await page.keyboard.press('Escape');
  await page.waitForFunction((key) => (localStorage.getItem(key) ?? '').includes('# new work'), JOURNAL);
  const journal = JSON.parse(await page.evaluate((key) => localStorage.getItem(key), JOURNAL));
  assert.deepEqual(journal.map((e) => e.path).sort(), ['src/report.py', 'src/resize.mjs']);

  await page.click(tid('recovery-restore'));
  await page.waitForSelector(tid('tab-dirty-src/resize.mjs'));
  assert.equal(await page.locator(tid('tab-dirty-src/report.py')).count(), 1, 'the new work is still open');
});
