// Crash recovery: unsaved buffers survive a crash (the backend killed and started again on the
// same data folder, whose recovery-journal.json the app writes) and come back unsaved.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { editorText, openApp, tid, waitUntil } from './support/app.mjs';

/** The journal as the backend keeps it in the app's data folder (null when there is none). */
function journalOf(app) {
  const path = join(app.bridge.data, 'recovery-journal.json');
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null;
}

/** Waits until the journal on disk satisfies `ready` (the UI writes it debounced). */
const waitForJournal = (app, ready, what) => waitUntil(() => {
  const journal = journalOf(app);
  return ready(journal) ? journal ?? true : false;
}, `the journal ${what}`);

async function typeWithoutSaving(t, marker) {
  const app = await openApp();
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
  const journal = await waitForJournal(app, (j) => JSON.stringify(j ?? '').includes(marker), `held ${marker}`);
  assert.deepEqual(journal.map((e) => [e.projectRoot, e.path]), [[app.bridge.sample, 'src/resize.mjs']]);
  assert.ok(journal[0].updatedAtMs > 0);
  assert.equal(app.calls('write_file').length, 0);
  assert.doesNotMatch(readFileSync(join(app.bridge.sample, 'src/resize.mjs'), 'utf8'), new RegExp(marker), 'the file is not saved');
  return app;
}

test('restore brings an unsaved buffer back after a crash, still unsaved', async (t) => {
  const app = await typeWithoutSaving(t, '// recovered after the crash');
  const { page, calls } = app;
  await app.restart();

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
  assert.match(JSON.stringify(journalOf(app)), /recovered after the crash/, 'still journaled');

  // Saving writes the file and empties the journal.
  await page.keyboard.press('Control+s');
  await page.waitForSelector(tid('tab-dirty-src/resize.mjs'), { state: 'detached' });
  await waitForJournal(app, (j) => j === null, 'went away');
  assert.match(readFileSync(join(app.bridge.sample, 'src/resize.mjs'), 'utf8'), /\/\/ recovered after the crash\n?$/);
});

test('discard forgets the unsaved buffer for good', async (t) => {
  const app = await typeWithoutSaving(t, '// to be thrown away');
  const { page, calls } = app;
  await app.restart();
  await page.waitForSelector(tid('recovery-banner'));
  await page.click(tid('recovery-discard'));
  await page.waitForSelector(tid('recovery-banner'), { state: 'detached' });
  assert.equal(calls('journal_clear').length, 1);
  assert.equal(journalOf(app), null);
  await app.restart();
  await page.waitForSelector(tid('welcome'));
  assert.equal(await page.locator(tid('recovery-banner')).count(), 0);
  assert.doesNotMatch(readFileSync(join(app.bridge.sample, 'src/resize.mjs'), 'utf8'), /to be thrown away/);
});

test('edits made before choosing keep the pending entries in the journal', async (t) => {
  const app = await typeWithoutSaving(t, '// pending one');
  const { page } = app;
  await app.restart();
  await page.waitForSelector(tid('recovery-banner'));
  // Work on another file first; the pending recovery must not be lost meanwhile.
  await page.click(tid('open-sample'));
  await page.click(tid('tree-item-src/report.py'));
  await page.click('[data-testid="editor"] .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\n# new work');
  await page.keyboard.press('Escape');
  const journal = await waitForJournal(app, (j) => JSON.stringify(j ?? '').includes('# new work'), 'held the new work');
  assert.deepEqual(journal.map((e) => e.path).sort(), ['src/report.py', 'src/resize.mjs']);
  assert.match(journal.find((e) => e.path === 'src/resize.mjs').text, /\/\/ pending one/);

  await page.click(tid('recovery-restore'));
  await page.waitForSelector(tid('tab-dirty-src/resize.mjs'));
  assert.equal(await page.locator(tid('tab-dirty-src/report.py')).count(), 1, 'the new work is still open');
  assert.match(await editorText(page), /\/\/ pending one$/);
});
