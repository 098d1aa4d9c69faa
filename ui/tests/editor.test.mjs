// Welcome → sample project → tree, functions, editor: dirty tracking, saving, tabs.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { copySample, editorText, openApp, screenshot, tid } from './support/app.mjs';


/** Starts on the welcome screen and opens the bundled sample from it (a copy in the data folder). */
async function openSample(t, options) {
  const app = await openApp(options);
  t.after(app.close);
  await app.page.waitForSelector(tid('welcome'));
  await app.page.click(tid('open-sample'));
  await app.page.waitForSelector(tid('project-tree'));
  const project = app.bridge.sample;
  return { ...app, project, readFile: (relative) => readFileSync(join(project, relative), 'utf8') };
}

/** Puts the cursor at the end of the document and types a new last line. */
async function appendLine(page, text) {
  await page.click('[data-testid="editor"] .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type(text);
  await page.keyboard.press('Escape');
}

test('the welcome screen opens the sample project and lists its files and functions', async (t) => {
  const { page, calls, errors } = await openSample(t);
  assert.equal(await page.textContent(tid('project-name')), 'thumbnails');
  for (const path of ['src', 'src/resize.mjs', 'src/report.py', 'functory.toml', 'README.md']) {
    assert.equal(await page.locator(tid(`tree-item-${path}`)).count(), 1, `tree item ${path}`);
  }
  assert.match(await page.textContent(tid('function-resize')), /512 MB · 30 s/);
  assert.match(await page.textContent(tid('function-report')), /256 MB · 60 s/);
  // The areas, in order.
  const nav = await page.locator('[data-testid^="nav-"]').evaluateAll((els) => els.map((e) => e.dataset.testid));
  assert.deepEqual(nav, ['nav-functions', 'nav-triggers', 'nav-security', 'nav-run', 'nav-deploy', 'nav-history', 'nav-accounts']);
  assert.equal(calls('ui_ready').length, 1, 'ui_ready is sent exactly once');
  assert.deepEqual(errors, []);
});

test('editing marks the tab dirty and Ctrl+S saves it', async (t) => {
  const { page, calls, readFile } = await openSample(t);
  await page.click(tid('tree-item-src/resize.mjs'));
  await page.waitForSelector('[data-testid="editor"][data-path="src/resize.mjs"] .cm-content');
  assert.equal(await page.getAttribute(tid('tab-src/resize.mjs'), 'aria-selected'), 'true');
  const original = readFile('src/resize.mjs');
  assert.equal(await page.getAttribute(tid('editor'), 'data-language'), 'javascript');
  assert.equal(await page.locator(tid('tab-dirty-src/resize.mjs')).count(), 0, 'clean after opening');
  // Syntax highlighting is on: keywords are styled spans.
  assert.ok((await page.locator('[data-testid="editor"] .cm-line span').count()) > 10, 'highlighted tokens');

  await appendLine(page, '// saved by the editor test');
  await page.waitForSelector(tid('tab-dirty-src/resize.mjs'));

  await page.keyboard.press('Control+s');
  await page.waitForSelector(tid('tab-dirty-src/resize.mjs'), { state: 'detached' });
  assert.equal(calls('write_file').length, 1);
  // The file on disk is what the editor showed: the original text and the new last line.
  const saved = readFile('src/resize.mjs');
  assert.ok(saved.startsWith(original), 'the original text is kept');
  assert.match(saved.slice(original.length), /^\n?\/\/ saved by the editor test\n?$/);

  // Closing and reopening re-reads the file from disk.
  await page.click(tid('tab-close-src/resize.mjs'));
  await page.waitForSelector(tid('tab-src/resize.mjs'), { state: 'detached' });
  await page.click(tid('tree-item-src/resize.mjs'));
  await page.waitForSelector('[data-testid="editor"][data-path="src/resize.mjs"] .cm-content');
  assert.equal(calls('read_file').length, 2);
  assert.match(await editorText(page), /\/\/ saved by the editor test$/);
});

test('the outline lists the file\'s functions and goes to the one picked; it follows saves', async (t) => {
  const { page, calls } = await openSample(t);
  await page.click(tid('tree-item-src/report.py'));
  await page.waitForSelector('[data-testid="editor"][data-path="src/report.py"] .cm-content');
  await page.waitForSelector(`${tid('editor-outline')} option:nth-child(2)`, { state: 'attached' });
  const options = await page.locator(`${tid('editor-outline')} option`).allTextContents();
  const handler = options.findIndex((o) => /ƒ handler \(exported\) — line \d+/.test(o));
  assert.ok(handler > 0, `handler in ${JSON.stringify(options)}`);
  const line = Number(/line (\d+)/.exec(options[handler])[1]);
  await page.selectOption(tid('editor-outline'), String(handler - 1));
  await page.waitForFunction(
    (l) => document.querySelector('[data-testid="editor"] .cm-activeLine')?.textContent.startsWith('def handler'),
    line,
  );
  assert.deepEqual(calls('outline_file'), ['outline_file {"path":"src/report.py"}']);

  // A function added and saved shows up in the outline.
  await page.click('[data-testid="editor"] .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  // The new line starts indented inside `handler`: a top-level function starts at column 1.
  await page.keyboard.press('Shift+Home');
  await page.keyboard.insertText('def summarise_later(items):');
  await page.keyboard.press('Control+s');
  await page.waitForSelector(tid('tab-dirty-src/report.py'), { state: 'detached' });
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll('[data-testid="editor-outline"] option'), (o) => o.textContent).some((t) => t.includes('summarise_later')),
  );
  // Files that are not code have no outline.
  await page.click(tid('tree-item-functory.toml'));
  await page.waitForSelector('[data-testid="editor"][data-path="functory.toml"] .cm-content');
  assert.equal(await page.locator(tid('editor-outline')).count(), 0);
});

test('the Save button saves, and tabs switch and keep their own text', async (t) => {
  const { page } = await openSample(t);
  await page.click(tid('tree-item-src/report.py'));
  await page.waitForSelector('[data-testid="editor"][data-path="src/report.py"]');
  assert.equal(await page.getAttribute(tid('editor'), 'data-language'), 'python');
  await appendLine(page, '# python edit');
  await page.waitForSelector(tid('tab-dirty-src/report.py'));

  await page.click(tid('tree-item-functory.toml'));
  await page.waitForSelector('[data-testid="editor"][data-path="functory.toml"]');
  assert.equal(await page.getAttribute(tid('editor'), 'data-language'), 'toml');
  assert.equal(await page.getAttribute(tid('tab-src/report.py'), 'aria-selected'), 'false');
  assert.match(await editorText(page), /^# Thumbnails — the Functory sample project\./);

  await page.click(tid('tab-src/report.py'));
  await page.waitForSelector('[data-testid="editor"][data-path="src/report.py"]');
  assert.match(await editorText(page), /# python edit$/);
  await page.click(tid('save-file'));
  await page.waitForSelector(tid('tab-dirty-src/report.py'), { state: 'detached' });
});

test('closing a dirty tab asks first', async (t) => {
  const { page } = await openSample(t);
  await page.click(tid('tree-item-README.md'));
  await page.waitForSelector('[data-testid="editor"][data-path="README.md"]');
  await appendLine(page, 'unsaved words');
  await page.waitForSelector(tid('tab-dirty-README.md'));

  await page.click(tid('tab-close-README.md'));
  await page.waitForSelector(tid('confirm-dialog'));
  await page.click(tid('confirm-cancel'));
  await page.waitForSelector(tid('confirm-dialog'), { state: 'detached' });
  assert.equal(await page.locator(tid('tab-README.md')).count(), 1, 'cancel keeps the tab');

  await page.click(tid('tab-close-README.md'));
  await page.click(tid('confirm-discard'));
  await page.waitForSelector(tid('tab-README.md'), { state: 'detached' });
  await page.waitForSelector(tid('editor-empty'));
});

test('a folder path typed on the welcome screen opens with Enter; a wrong one shows the error', async (t) => {
  const app = await openApp();
  t.after(app.close);
  const { page } = app;
  const project = copySample();
  t.after(() => rmSync(project, { recursive: true, force: true }));
  await page.waitForSelector(tid('welcome'));
  await page.fill(tid('open-folder-path'), '/nowhere/at/all');
  await page.press(tid('open-folder-path'), 'Enter');
  const toast = page.locator(tid('error-toast'));
  await toast.waitFor();
  assert.match(await toast.textContent(), /\/nowhere\/at\/all: No such file or directory/);
  assert.equal(await page.locator(tid('welcome')).count(), 1);

  await page.fill(tid('open-folder-path'), project);
  await page.press(tid('open-folder-path'), 'Enter');
  await page.waitForSelector(tid('project-tree'));
  assert.equal(await page.textContent(tid('project-name')), 'thumbnails');
});

test('a new project from a template opens with its first function', async (t) => {
  const app = await openApp();
  t.after(app.close);
  const { page, calls } = app;
  const parent = mkdtempSync(join(tmpdir(), 'functory-ui-new-'));
  t.after(() => rmSync(parent, { recursive: true, force: true }));
  const folder = join(parent, 'greetings');
  await page.waitForSelector(tid('welcome'));
  await page.fill(tid('new-project-name'), 'greetings');
  await page.fill(tid('new-project-path'), folder);
  await page.selectOption(tid('new-project-template'), 'python-queue-worker');
  await page.press(tid('new-project-path'), 'Enter');
  await page.waitForSelector(tid('function-hello'));
  assert.equal(await page.textContent(tid('project-name')), 'greetings');
  assert.equal(await page.locator(tid('tree-item-src/hello.py')).count(), 1);
  assert.deepEqual(calls('create_project'), [`create_project ${JSON.stringify({ path: folder, name: 'greetings', template: 'python-queue-worker' })}`]);
  // The project is on disk: its manifest names the function and the queues it works from, and
  // its handler file exists.
  const manifest = readFileSync(join(folder, 'functory.toml'), 'utf8');
  assert.match(manifest, /^\[functions\.hello\]$/m);
  assert.match(manifest, /^\[resources\.hello-jobs\]\nkind = "queue"$/m);
  assert.match(manifest, /^dead_letter = "hello-jobs-dead"$/m);
  assert.ok(existsSync(join(folder, 'src', 'hello.py')));

  // A second project in the same, now non-empty, folder is refused next to the form.
  await page.click(tid('close-project'));
  await page.fill(tid('new-project-name'), 'again');
  await page.fill(tid('new-project-path'), folder);
  await page.selectOption(tid('new-project-template'), 'none');
  await page.click(tid('new-project-create'));
  assert.match(await page.locator(tid('new-project-error')).textContent(), /already exists and is not empty/);
});

test('screenshot of the main window', async (t) => {
  const { page } = await openSample(t);
  await page.click(tid('tree-item-src/resize.mjs'));
  await page.waitForSelector('[data-testid="editor"] .cm-content');
  await page.click(tid('function-resize'));
  await page.waitForSelector(tid('function-settings'));
  const path = await screenshot(page, 'main-window');
  assert.ok(path.endsWith('main-window.png'));

  // The theme follows the OS live, the editor included.
  const editorBackground = () => page.locator('[data-testid="editor"] .cm-editor').evaluate((e) => getComputedStyle(e).backgroundColor);
  const keywordColor = () =>
    page
      .locator('[data-testid="editor"] .cm-line span', { hasText: /^const$/ })
      .first()
      .evaluate((e) => getComputedStyle(e).color);
  assert.equal(await editorBackground(), 'rgb(255, 255, 255)');
  assert.equal(await keywordColor(), 'rgb(119, 0, 136)', 'light highlighting');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForFunction(() => getComputedStyle(document.querySelector('.cm-editor')).backgroundColor === 'rgb(40, 44, 52)');
  // The highlight style switches after the background (CodeMirror reconfigures, the lines are
  // redrawn): wait for the redrawn keyword rather than reading a line being replaced.
  await page.waitForFunction(() => {
    const keyword = [...document.querySelectorAll('[data-testid="editor"] .cm-line span')].find((s) => s.textContent === 'const');
    return keyword !== undefined && getComputedStyle(keyword).color === 'rgb(198, 120, 221)';
  });
  assert.equal(await keywordColor(), 'rgb(198, 120, 221)', 'one-dark highlighting');
  await page.waitForTimeout(300); // let button colour transitions finish before the picture
  await screenshot(page, 'main-window-dark');
});
