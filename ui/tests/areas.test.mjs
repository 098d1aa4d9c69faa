// The shell's areas: navigation by click and Ctrl+1…7, each area's own view, a folder without
// a manifest, and read-only files.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openApp, screenshot, tid } from './support/app.mjs';


/** Every area is a real view now: an element each shows once loaded. */
const BUILT = {
  triggers: 'function-node',
  security: 'security-finding',
  run: 'run-view',
  deploy: 'deploy-empty',
  history: 'history-status',
  accounts: 'account-list',
};

test('every area opens its own view, and no area is an empty promise', async (t) => {
  const app = await openApp({ sample: true });
  t.after(app.close);
  const { page } = app;
  await page.waitForSelector(tid('project-tree'));
  for (const [area, ready] of Object.entries(BUILT)) {
    await page.click(tid(`nav-${area}`));
    await page.waitForSelector(tid(ready));
    assert.equal(await page.getAttribute(tid(`nav-${area}`), 'aria-current'), 'page');
    assert.equal(await page.locator(tid(`empty-${area}`)).count(), 0, area);
    assert.equal(await page.locator(tid('project-tree')).isVisible(), false, 'the functions area is hidden');
    assert.doesNotMatch(await page.textContent('main'), /coming soon/i, area);
  }
  await screenshot(page, 'areas-accounts');
});

test('Ctrl+1…7 switch areas, from anywhere including the editor', async (t) => {
  const app = await openApp({ sample: true });
  t.after(app.close);
  const { page } = app;
  await page.waitForSelector(tid('project-tree'));
  await page.click(tid('tree-item-src/resize.mjs'));
  await page.click('[data-testid="editor"] .cm-content');
  const order = ['functions', 'triggers', 'security', 'run', 'deploy', 'history', 'accounts'];
  for (const [i, area] of order.entries()) {
    if (i === 0) continue;
    await page.keyboard.press(`Control+${i + 1}`);
    await page.waitForSelector(BUILT[area] ? tid(BUILT[area]) : tid(`empty-${area}`));
    assert.equal(await page.getAttribute(tid(`nav-${area}`), 'aria-current'), 'page', area);
  }
  await page.keyboard.press('Control+1');
  await page.waitForSelector(tid('project-tree'), { state: 'visible' });
  assert.equal(await page.getAttribute(tid('nav-functions'), 'aria-current'), 'page');
  // Keyboard focus is visible on the navigation.
  await page.focus(tid('nav-deploy'));
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  const outline = await page.locator(tid('nav-deploy')).evaluate((e) => getComputedStyle(e).outlineStyle);
  assert.equal(outline, 'solid');
});

test('a folder without functory.toml offers to create one', async (t) => {
  // A folder of landing-page assets: notes and one binary image, no functory.toml.
  const parent = mkdtempSync(join(tmpdir(), 'functory-ui-plain-'));
  t.after(() => rmSync(parent, { recursive: true, force: true }));
  const folder = join(parent, 'assets');
  mkdirSync(join(folder, 'images'), { recursive: true });
  writeFileSync(join(folder, 'notes.md'), '# Assets\n\nImages for the landing page. No functions here yet.\n');
  const png = Buffer.from('89504e470d0a1a0a0000000d494844520000001000000010080600000000', 'hex');
  writeFileSync(join(folder, 'images', 'logo.png'), png);
  const app = await openApp({ open: folder });
  t.after(app.close);
  const { page, calls, readFile } = app;
  await page.waitForSelector(tid('no-manifest'));
  assert.match(await page.textContent(tid('no-manifest')), /This folder has no functory\.toml/);
  assert.equal(await page.inputValue(tid('init-name')), 'assets');

  // The tree and the editor work meanwhile; a binary file opens read-only with a notice.
  await page.click(tid('tree-item-images/logo.png'));
  await page.waitForSelector(tid('file-notice'));
  assert.match(await page.textContent(tid('file-notice')), new RegExp(`Binary file of ${png.length} bytes — not shown\\.`));
  assert.equal(await page.getAttribute('[data-testid="editor"] .cm-content', 'contenteditable'), 'false');
  assert.equal(await page.isDisabled(tid('save-file')), true);

  await page.fill(tid('init-name'), '');
  await page.click(tid('init-manifest'));
  assert.match(await page.textContent(tid('init-error')), /name/);
  assert.deepEqual(calls('init_project'), []);

  await page.fill(tid('init-name'), 'landing-assets');
  await page.press(tid('init-name'), 'Enter');
  await page.waitForSelector(tid('no-manifest'), { state: 'detached' });
  assert.equal(await page.textContent(tid('project-name')), 'landing-assets');
  assert.equal(await page.locator(tid('tree-item-functory.toml')).count(), 1);
  assert.equal(await page.locator(tid('manifest-diagnostics')).count(), 1);
  assert.match(readFile('functory.toml'), /^name = "landing-assets"$/m);

  // And the first function can be added from a template.
  await page.click(tid('new-function'));
  await page.fill(tid('new-function-name'), 'hello');
  await page.click(tid('new-function-create'));
  await page.waitForSelector(tid('function-hello'));
  await page.waitForSelector('[data-testid="editor"][data-path="src/hello.mjs"]');
  assert.ok(existsSync(join(folder, 'src', 'hello.mjs')), 'the handler is on disk');
  assert.match(readFile('functory.toml'), /^\[functions\.hello\]$/m);
  // The image is untouched.
  assert.deepEqual(readFileSync(join(folder, 'images', 'logo.png')), png);
});
