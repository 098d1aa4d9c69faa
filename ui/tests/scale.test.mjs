// A project of hundreds of functions (issue 25): the function list and the project tree render
// only the rows in view and still reach every row (scrolling, the keyboard); the canvas draws
// only what is in view, finds a function far away, arranges by trigger kind and shows a
// minimap; the Security view lists findings a page at a time; Run & Logs caps its lists and
// filters them. Against the real backend (the test bridge's Session) on a generated project.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openApp, tid } from './support/app.mjs';

const COUNT = 300;
const name = (i) => `fn${String(i).padStart(4, '0')}`;

/**
 * N Python functions, each with an HTTP route or a schedule (in turn) and a permission the
 * linter reports (every S3 action on every resource), so there are more findings than a page.
 */
function bigProject() {
  const dir = mkdtempSync(join(tmpdir(), 'functory-ui-scale-'));
  mkdirSync(join(dir, 'src'));
  const parts = ['[project]\nname = "scale"\n\n[targets.local]\nadapter = "local"\n'];
  for (let i = 0; i < COUNT; i++) {
    const fn = name(i);
    writeFileSync(join(dir, 'src', `${fn}.py`), `def handler(event, context):\n    return {"statusCode": 200, "body": "${fn}"}\n`);
    const trigger =
      i % 2 === 0
        ? `[[functions.${fn}.triggers]]\nkind = "http"\nmethod = "GET"\npath = "/${fn}"\n`
        : `[[functions.${fn}.triggers]]\nkind = "schedule"\nexpression = "rate(${5 + (i % 50)} minutes)"\n`;
    parts.push(
      `\n[functions.${fn}]\nruntime = "python3.13"\nhandler = "src/${fn}.handler"\n\n${trigger}` +
        `\n[[functions.${fn}.permissions]]\nactions = ["s3:*"]\nresources = ["*"]\n`,
    );
  }
  writeFileSync(join(dir, 'functory.toml'), parts.join(''));
  return dir;
}

const countRows = (page, prefix) => page.locator(`[data-testid^="${prefix}"]`).count();

test('a project of hundreds of functions: lists render the rows in view and reach every row', async (t) => {
  const dir = bigProject();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const app = await openApp({ open: dir });
  t.after(app.close);
  const { page } = app;
  await page.waitForSelector(tid(`function-${name(0)}`));
  assert.equal(await page.textContent(`${tid('function-list')} .count-badge`), String(COUNT));

  // The function list: a window of rows, and the last one once scrolled to.
  const listed = await countRows(page, 'function-fn');
  assert.ok(listed > 5 && listed < 100, `${listed} function rows in the page, of ${COUNT}`);
  assert.equal(await page.locator(tid(`function-${name(COUNT - 1)}`)).count(), 0);
  await page.locator('.function-list').evaluate((list) => {
    list.scrollTop = list.scrollHeight;
  });
  await page.waitForSelector(tid(`function-${name(COUNT - 1)}`));
  assert.equal(await page.locator(tid(`function-${name(0)}`)).count(), 0, 'the first rows left the page');
  await page.click(tid(`function-${name(COUNT - 1)}`));
  await page.waitForSelector(tid('function-settings'));

  // The project tree: src/ holds 300 files; End reaches the last one by keyboard.
  // Top-level folders start open.
  assert.equal(await page.getAttribute(tid('tree-item-src'), 'aria-expanded'), 'true');
  const treeRows = await countRows(page, 'tree-item-src/');
  assert.ok(treeRows > 5 && treeRows < 100, `${treeRows} tree rows in the page, of ${COUNT} files`);
  await page.focus(tid('tree-item-src'));
  const focused = (path) => page.waitForFunction((p) => document.activeElement?.getAttribute('data-path') === p, path);
  // End: the last row, functory.toml below the 300 files; up by one, the last file, rendered.
  await page.keyboard.press('End');
  await focused('functory.toml');
  await page.keyboard.press('ArrowUp');
  const last = `src/${name(COUNT - 1)}.py`;
  await focused(last);
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    (path) => document.querySelector('[aria-selected="true"][role="treeitem"]')?.getAttribute('data-path') === path,
    last,
  );
  // Opening a file moves the focus into the editor; back in the tree (the open file's row),
  // Home goes to the first row, src/, which had left the page.
  await page.waitForFunction(() => document.activeElement?.closest('.cm-editor') != null);
  await page.focus(tid(`tree-item-${last}`));
  await page.keyboard.press('Home');
  await focused('src');
  assert.deepEqual(app.errors, []);
});

test('a project of hundreds of functions: the canvas draws what is in view, finds, arranges and maps', async (t) => {
  const dir = bigProject();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const app = await openApp({ open: dir });
  t.after(app.close);
  const { page } = app;
  await page.click(tid('nav-triggers'));
  await page.waitForSelector(tid('function-node'));
  const drawn = await page.locator(tid('function-node')).count();
  assert.ok(drawn > 0 && drawn < 60, `${drawn} function nodes in the page, of ${COUNT}`);
  assert.equal(await page.locator('.react-flow__minimap').count(), 1);
  // The minimap shows every function, though the canvas draws only those in view.
  assert.equal(await page.locator('.react-flow__minimap .minimap-function').count(), COUNT);

  // Find a function far down the canvas: it is drawn, centred and selected.
  const far = name(COUNT - 3);
  assert.equal(await page.locator(`${tid('function-node')}[data-function="${far}"]`).count(), 0);
  await page.fill(tid('canvas-find'), far);
  await page.press(tid('canvas-find'), 'Enter');
  await page.waitForSelector(`${tid('function-node')}[data-function="${far}"]`);
  await page.waitForFunction((fn) => {
    const node = document.querySelector(`[data-testid="function-node"][data-function="${fn}"]`);
    const pane = document.querySelector('.react-flow')?.getBoundingClientRect();
    if (!node || !pane) return false;
    const r = node.getBoundingClientRect();
    return r.top >= pane.top && r.bottom <= pane.bottom && r.left >= pane.left && r.right <= pane.right;
  }, far);
  assert.match(await page.getAttribute(`${tid('function-node')}[data-function="${far}"]`, 'class'), /is-selected/);
  // A name nothing matches says so.
  await page.fill(tid('canvas-find'), 'no-such-function');
  await page.press(tid('canvas-find'), 'Enter');
  assert.match(await page.textContent(tid('canvas-find-problem')), /No function is named like "no-such-function"/);

  // Arranged by trigger kind: a titled block per kind, each with its count.
  await page.selectOption(tid('canvas-grouping'), 'kind');
  await page.waitForSelector(`${tid('canvas-group')}[data-group="HTTP route"]`);
  assert.match(await page.textContent(`${tid('canvas-group')}[data-group="HTTP route"]`), /150 functions/);
  assert.equal(await page.locator('.react-flow__minimap .minimap-group-title').count(), 2);
  // The two blocks lie side by side: their titles at one height, apart.
  const titles = await page.$$eval('.react-flow__minimap .minimap-group-title', (rects) =>
    rects.map((r) => ({ x: Number(r.getAttribute('x')), y: Number(r.getAttribute('y')) })),
  );
  assert.equal(titles[0].y, titles[1].y);
  assert.ok(Math.abs(titles[0].x - titles[1].x) > 1000, JSON.stringify(titles));
  // By folder: every handler file is in src/, so one block.
  await page.selectOption(tid('canvas-grouping'), 'folder');
  await page.waitForSelector(`${tid('canvas-group')}[data-group="src"]`);
  assert.match(await page.textContent(`${tid('canvas-group')}[data-group="src"]`), new RegExp(`${COUNT} functions`));
  assert.equal(await page.locator('.react-flow__minimap .minimap-group-title').count(), 1);
  assert.deepEqual(app.errors, []);
});

test('a project of hundreds of functions: findings a page at a time, and Run & Logs lists that filter', async (t) => {
  const dir = bigProject();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const app = await openApp({ open: dir });
  t.after(app.close);
  const { page } = app;
  await page.click(tid('nav-security'));
  await page.waitForSelector(tid('security-finding'));
  const total = Number(await page.textContent(`${tid('security-tab-findings')} .count-badge`));
  assert.ok(total >= COUNT, `${total} findings`);
  assert.equal(await page.locator(tid('security-finding')).count(), 150);
  assert.equal(await page.textContent(tid('security-listed')), `150 of ${total} findings listed.`);
  await page.click(tid('security-show-more'));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="security-finding"]').length === 300);
  await page.click('text=Show all');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="security-finding"]').length === n, total);
  assert.equal(await page.locator(tid('security-show-more')).count(), 0);

  await page.click(tid('nav-run'));
  await page.click(tid('run-start'));
  await page.waitForSelector(tid('run-filter'));
  assert.equal(await page.locator(`${tid('run-routes')} .run-route`).count(), 30);
  assert.match(await page.textContent(`${tid('run-routes')} ${tid('run-list-more')}`), /^120 more routes not listed/);
  assert.equal(await page.locator(`${tid('run-schedules')} .run-schedule`).count(), 30);
  await page.fill(tid('run-filter'), name(COUNT - 1));
  await page.waitForSelector(tid(`run-schedule-${name(COUNT - 1)}`));
  assert.equal(await page.locator(`${tid('run-schedules')} .run-schedule`).count(), 1);
  assert.equal(await page.locator(`${tid('run-routes')} .run-route`).count(), 0);
  await page.fill(tid('run-filter'), `/${name(COUNT - 2)}`);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-routes"] .run-route').length === 1);
  assert.match(await page.textContent(`${tid('run-routes')} .run-route`), new RegExp(`/${name(COUNT - 2)}`));
  await page.click(tid('run-stop'));
  assert.deepEqual(app.errors, []);
});
