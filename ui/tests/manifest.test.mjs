// A broken functory.toml: the app stays usable and points at the problem.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { editorText, openApp, tid } from './support/app.mjs';


test('a syntax error is listed as functory.toml:LINE:COL, underlined, and the app stays usable', async (t) => {
  const app = await openApp({ sample: true });
  t.after(app.close);
  const { page, readFile } = app;
  await page.waitForSelector(tid('project-tree'));
  assert.equal(await page.locator(tid('diagnostic')).count(), 0);

  await page.click(tid('tree-item-functory.toml'));
  await page.waitForSelector('[data-testid="editor"][data-path="functory.toml"] .cm-content');
  // Line 8 is `name = "thumbnails"`: drop the quotes.
  await page.click('[data-testid="editor"] .cm-content');
  await page.keyboard.press('Control+Home');
  for (let i = 0; i < 7; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
  for (let i = 0; i < '"thumbnails"'.length; i++) await page.keyboard.press('Backspace');
  await page.keyboard.type('thumbnails');
  await page.keyboard.press('Escape');
  assert.match(await editorText(page), /^name = thumbnails$/m);
  await page.keyboard.press('Control+s');

  const diagnostic = page.locator(tid('diagnostic')).first();
  await diagnostic.waitFor();
  // The TOML parser reads a bare word starting with `t` as a boolean that went wrong.
  assert.match(await diagnostic.textContent(), /^functory\.toml:8:8 invalid boolean, expected `true`/);
  assert.match(readFile('functory.toml'), /^name = thumbnails$/m, 'the broken text was saved as typed');
  await page.waitForSelector(tid('manifest-broken'));
  assert.equal(await page.locator(`${tid('function-resize')}, ${tid('function-report')}`).count(), 0, 'no functions listed');
  // The lint underline is in the editor, on that line.
  const underlined = page.locator('[data-testid="editor"] .cm-lintRange-error');
  await underlined.first().waitFor();
  assert.equal(await underlined.first().evaluate((e) => e.closest('.cm-line').textContent), 'name = thumbnails');

  // Clicking the diagnostic moves the cursor to its line.
  await page.click(tid('tree-item-src/report.py'));
  await page.waitForSelector('[data-testid="editor"][data-path="src/report.py"]');
  await diagnostic.click();
  await page.waitForSelector('[data-testid="editor"][data-path="functory.toml"]');
  await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent === 'name = thumbnails');

  // Fixing it brings the functions back.
  await page.keyboard.press('End');
  await page.keyboard.press('Home');
  await page.keyboard.press('Shift+End');
  await page.keyboard.type('name = "thumbnails"');
  await page.keyboard.press('Control+s');
  await page.waitForSelector(tid('function-resize'));
  assert.equal(await page.locator(tid('diagnostic')).count(), 0);
  assert.match(readFile('functory.toml'), /^name = "thumbnails"$/m);
});

test('validation problems keep the functions listed and name the field', async (t) => {
  const app = await openApp({ sample: true });
  t.after(app.close);
  const { page, readFile } = app;
  await page.waitForSelector(tid('project-tree'));
  await page.click(tid('tree-item-functory.toml'));
  await page.waitForSelector('[data-testid="editor"][data-path="functory.toml"] .cm-content');
  // Line 51 is `memory_mb = 256` of `report`.
  await page.click('[data-testid="editor"] .cm-content');
  await page.keyboard.press('Control+Home');
  for (let i = 0; i < 50; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
  assert.equal(await page.evaluate(() => document.querySelector('.cm-activeLine')?.textContent), 'memory_mb = 256');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await page.keyboard.type('64');
  await page.keyboard.press('Control+s');
  const diagnostic = page.locator(tid('diagnostic')).first();
  await diagnostic.waitFor();
  assert.equal(
    await diagnostic.textContent(),
    'functory.toml:51:13 64 is out of range: must be between 128 and 10240 MBfunctions.report.memory_mb',
  );
  assert.match(await page.textContent(tid('function-report')), /1 problem/);
  assert.equal(await page.locator(tid('manifest-broken')).count(), 0);
  assert.equal(await page.locator(tid('function-resize')).count(), 1, 'the other function is still listed');
  assert.match(readFile('functory.toml'), /^memory_mb = 64$/m);
});
