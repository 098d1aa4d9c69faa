// The History area: checkpoints, the timeline, side-by-side diffs, restores, and the repository
// states that refuse a checkpoint (detached HEAD, a merge in progress).
//
// Each test opens a copy of the sample that is a real git repository, built with the git CLI,
// with two commits and a deploy record (a note under refs/notes/functory-deploys, as a deploy
// writes it), newest first in the timeline:
//   0  deploy of resize to staging (yesterday)
//   1  "Add the daily report; larger thumbnails" (2 days ago: the sample's files as they are)
//   2  "Create the thumbnails sample" (4 days ago: MAX_WIDTH ?? 240, memory 256, no report)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { copySample, editorText, openApp, SAMPLE, screenshot, tid } from './support/app.mjs';


const EDITOR = '[data-testid="editor"] .cm-content';
const DAY_S = 24 * 60 * 60;
const ADA = { name: 'Ada Lovelace', email: 'ada@example.com' };

/** Runs git in `dir` as Ada, at `time` (seconds since the epoch) when given; answers its output. */
function runGit(dir, args, time = null) {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: ADA.name,
    GIT_AUTHOR_EMAIL: ADA.email,
    GIT_COMMITTER_NAME: ADA.name,
    GIT_COMMITTER_EMAIL: ADA.email,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
  };
  if (time !== null) env.GIT_AUTHOR_DATE = env.GIT_COMMITTER_DATE = `@${time} +0000`;
  return execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
}

/**
 * A copy of the sample with its history: the first version (a smaller `resize`, no `report`),
 * then the sample as it is (so it starts clean), then a deploy of `resize` to `staging`.
 * Answers the folder and the two commits.
 */
function sampleWithHistory() {
  const dir = copySample();
  const now = Math.floor(Date.now() / 1000);
  const read = (relative) => readFileSync(join(dir, relative), 'utf8');
  const files = Object.fromEntries(['functory.toml', 'src/resize.mjs', 'src/report.py'].map((f) => [f, read(f)]));
  runGit(dir, ['init', '-q', '-b', 'main']);
  runGit(dir, ['config', 'user.name', ADA.name]);
  runGit(dir, ['config', 'user.email', ADA.email]);
  // The first version.
  const manifest = files['functory.toml'];
  writeFileSync(
    join(dir, 'functory.toml'),
    `${manifest.slice(0, manifest.indexOf('[functions.report]')).trimEnd()}\n`.replace('memory_mb = 512', 'memory_mb = 256'),
  );
  writeFileSync(join(dir, 'src/resize.mjs'), files['src/resize.mjs'].replace('MAX_WIDTH ?? 320', 'MAX_WIDTH ?? 240'));
  rmSync(join(dir, 'src/report.py'));
  runGit(dir, ['add', '-A']);
  runGit(dir, ['commit', '-q', '-m', 'Create the thumbnails sample'], now - 4 * DAY_S);
  const first = runGit(dir, ['rev-parse', 'HEAD']);
  // The sample as it is.
  for (const [relative, text] of Object.entries(files)) writeFileSync(join(dir, relative), text);
  runGit(dir, ['add', '-A']);
  runGit(dir, ['commit', '-q', '-m', 'Add the daily report; larger thumbnails'], now - 2 * DAY_S);
  const second = runGit(dir, ['rev-parse', 'HEAD']);
  const record = {
    target: 'staging',
    function: 'resize',
    cloudVersion: '7',
    codeHash: 'sha256:4f1c9a2e7b0d',
    deployedAt: now - DAY_S,
    who: `${ADA.name} <${ADA.email}>`,
    commit: second,
  };
  runGit(dir, ['notes', '--ref=functory-deploys', 'add', '-m', JSON.stringify(record), second], now - DAY_S);
  return { dir, first, second };
}

/** Opens a copy of the sample with its history; `prepare(dir)` may change the repository first. */
async function openSample(t, prepare = () => {}) {
  const repo = sampleWithHistory();
  t.after(() => rmSync(repo.dir, { recursive: true, force: true }));
  prepare(repo.dir);
  const app = await openApp({ open: repo.dir });
  t.after(app.close);
  await app.page.waitForSelector(tid('project-tree'));
  return { ...app, repo, git: (args) => runGit(repo.dir, args) };
}

/** Opens `path` in the editor and appends `line` at its end. */
async function appendLine(page, path, line) {
  await page.click(tid(`tree-item-${path}`));
  await page.waitForSelector(`[data-testid="editor"][data-path="${path}"] .cm-content`);
  await page.click(EDITOR);
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type(line);
  await page.keyboard.press('Escape');
}

async function saveActive(page, path) {
  await page.keyboard.press('Control+s');
  await page.waitForSelector(tid(`tab-dirty-${path}`), { state: 'detached' });
}

async function openHistory(page) {
  await page.keyboard.press('Control+6');
  await page.waitForSelector(tid('history-timeline'));
  await page.waitForSelector(tid('history-branch'));
}

const entryText = (page, i) => page.textContent(tid(`timeline-entry-${i}`));
/** The text of one side's changed lines of a file's diff. */
const changedLines = (page, path, side) =>
  page
    .locator(`${tid(`diff-file-${path}`)} .diff-cell[data-side="${side}"].is-${side === 'old' ? 'removed' : 'added'} .diff-text`)
    .allTextContents();

test('a checkpoint after editing a file appears at the top of the timeline', async (t) => {
  const { page, calls, git } = await openSample(t);
  await appendLine(page, 'src/resize.mjs', '// log the scale');
  await saveActive(page, 'src/resize.mjs');
  await openHistory(page);

  assert.equal(await page.textContent(tid('history-branch')), 'main');
  assert.equal(await page.textContent(tid('history-state')), 'clean');
  assert.equal(await page.textContent(tid('history-changed')), '1 changed file');
  assert.equal(await page.getAttribute(tid('history-changed'), 'title'), 'src/resize.mjs');
  assert.equal(await page.locator('[data-testid^="timeline-entry-"]').count(), 3);

  // A message is required.
  await page.click(tid('history-checkpoint'));
  assert.match(await page.textContent(tid('history-checkpoint-error')), /Write a few words/);
  assert.deepEqual(calls('checkpoint'), []);

  await page.fill(tid('history-checkpoint-message'), 'Log the scale');
  await page.click(tid('history-checkpoint'));
  const result = await page.locator(tid('history-checkpoint-result')).textContent();
  const [, hash] = /^Checkpoint ([0-9a-f]{8}) created$/.exec(result) ?? [];
  assert.ok(hash, result);
  await page.waitForFunction(() => document.querySelector('[data-testid="history-changed"]').textContent.startsWith('no changes'));
  assert.equal(await page.locator('[data-testid^="timeline-entry-"]').count(), 4);
  const first = await entryText(page, 0);
  assert.match(first, /Log the scale/);
  assert.match(first, new RegExp(hash));
  assert.match(first, /src\/resize\.mjs/);
  assert.match(first, /just now/);
  assert.equal(await page.getAttribute(tid('timeline-entry-0'), 'data-kind'), 'commit');
  // The repository has it: a commit on main with that message, and nothing left to commit.
  assert.equal(git(['log', '-1', '--format=%h %s', '--abbrev=8']), `${hash} Log the scale`);
  assert.equal(git(['diff', '--name-only', 'HEAD~1', 'HEAD']), 'src/resize.mjs');
  assert.equal(git(['status', '--porcelain', '--untracked-files=all']), '');
  assert.equal(await page.inputValue(tid('history-checkpoint-message')), '', 'the message is cleared');

  // Nothing changed since: no new commit.
  await page.fill(tid('history-checkpoint-message'), 'Again');
  await page.click(tid('history-checkpoint'));
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="history-checkpoint-result"]')?.textContent === 'Nothing changed since the last checkpoint',
  );
  assert.equal(await page.locator('[data-testid^="timeline-entry-"]').count(), 4);
  assert.deepEqual(calls('checkpoint'), ['checkpoint {"message":"Log the scale"}', 'checkpoint {"message":"Again"}']);
  assert.equal(git(['rev-list', '--count', 'HEAD']), '3');
});

test('commits and deploys are told apart, and a function’s timeline shows only its changes', async (t) => {
  const { page } = await openSample(t);
  await openHistory(page);
  assert.equal(await page.getAttribute(tid('timeline-entry-0'), 'data-kind'), 'deploy');
  assert.match(await entryText(page, 0), /Deployed resize to staging.*version 7.*Ada Lovelace <ada@example\.com>.*yesterday/s);
  assert.equal(await page.getAttribute(tid('timeline-entry-1'), 'data-kind'), 'commit');
  assert.match(await entryText(page, 1), /Add the daily report; larger thumbnails[0-9a-f]{8} · Ada Lovelace · 2 days ago/);
  const [deployBg, commitBg] = await Promise.all(
    [0, 1].map((i) => page.locator(tid(`timeline-entry-${i}`)).evaluate((e) => getComputedStyle(e).backgroundColor)),
  );
  assert.notEqual(deployBg, commitBg, 'deploys look different from commits');

  // The recorded deploy went to `staging`, which this manifest no longer declares: redeploying
  // it says so instead of guessing a target.
  await page.click(tid('timeline-entry-0'));
  await page.click(tid('history-redeploy'));
  await page.click(tid('confirm-redeploy'));
  assert.match(await page.textContent(tid('history-redeploy-error')), /no target `staging` in functory\.toml; known targets: local/);
  assert.equal(await page.locator(tid('history-restore-function')).count(), 0, 'restoring a function needs a function');

  await page.selectOption(tid('history-function'), 'report');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid^="timeline-entry-"]').length === 1);
  assert.match(await entryText(page, 0), /Add the daily report/);
  await page.selectOption(tid('history-function'), 'resize');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid^="timeline-entry-"]').length === 3);
  assert.match(await entryText(page, 2), /Create the thumbnails sample/);
});

test('comparing two entries shows old and new side by side, changed lines marked', async (t) => {
  const { page, calls } = await openSample(t);
  await openHistory(page);
  await page.click(tid('timeline-entry-1'));
  await page.click(tid('history-compare'));
  await page.waitForSelector(tid('history-pick-hint'));
  await page.click(tid('timeline-entry-2'));
  await page.waitForSelector(tid('history-diff'));

  // The older entry is on the left whichever was picked first.
  const [from, to] = await Promise.all([2, 1].map((i) => page.getAttribute(tid(`timeline-entry-${i}`), 'data-commit')));
  assert.deepEqual(calls('history_diff'), [`history_diff {"from":"${from}","to":"${to}","function":null}`]);
  assert.match(await page.textContent(tid('history-diff-summary')), /3 files changed/);

  assert.deepEqual(await changedLines(page, 'src/resize.mjs', 'old'), ['const MAX_WIDTH = Number(process.env.MAX_WIDTH ?? 240);']);
  assert.deepEqual(await changedLines(page, 'src/resize.mjs', 'new'), ['const MAX_WIDTH = Number(process.env.MAX_WIDTH ?? 320);']);
  // The changed lines face each other on the same row.
  const row = page.locator(`${tid('diff-file-src/resize.mjs')} .diff-row`, { hasText: '?? 240' });
  assert.match(await row.textContent(), /\?\? 240.*\?\? 320/s);
  const [removedBg, addedBg, sameBg] = await Promise.all(
    ['.is-removed', '.is-added', '.is-same'].map((c) =>
      page.locator(`${tid('diff-file-src/resize.mjs')} .diff-cell${c}`).first().evaluate((e) => getComputedStyle(e).backgroundColor),
    ),
  );
  assert.notEqual(removedBg, sameBg);
  assert.notEqual(addedBg, sameBg);
  assert.notEqual(removedBg, addedBg);

  // A new file: nothing on the left, all of it added on the right.
  const report = tid('diff-file-src/report.py');
  assert.match(await page.textContent(`${report} .change-badge`), /added/);
  assert.equal(await page.locator(`${report} .diff-cell[data-side="old"]:not(.is-empty)`).count(), 0);
  assert.ok((await changedLines(page, 'src/report.py', 'new')).includes('def handler(event, context):'));
  assert.equal(await page.locator(tid('diff-file-README.md')).count(), 0, 'unchanged files are not listed');
  assert.deepEqual(await changedLines(page, 'functory.toml', 'old'), ['memory_mb = 256    # images up to 20 MB fit comfortably']);
  assert.ok((await changedLines(page, 'functory.toml', 'new')).includes('[functions.report]'));
  await screenshot(page, 'history-diff');
});

test('restoring a file puts its content back and reloads its clean tab', async (t) => {
  const { page, calls, git, repo, readFile } = await openSample(t);
  await appendLine(page, 'src/resize.mjs', '// an experiment that went nowhere');
  await saveActive(page, 'src/resize.mjs');
  await openHistory(page);

  await page.click(tid('timeline-entry-1'));
  await page.click(tid('history-compare-working'));
  await page.waitForSelector(tid('diff-file-src/resize.mjs'));
  // The file ended with a newline, so the appended line follows an empty one.
  assert.deepEqual(await changedLines(page, 'src/resize.mjs', 'new'), ['', '// an experiment that went nowhere']);
  assert.match(await page.textContent(tid('history-diff')), /Working files/);

  await page.click(tid('restore-file-src/resize.mjs'));
  await page.waitForSelector(tid('confirm-dialog'));
  assert.match(await page.textContent(tid('confirm-dialog')), /checkpointed first, so nothing is lost/);
  await page.click(tid('confirm-restore'));
  await page.waitForSelector(tid('history-restore-result'));
  const commit = await page.getAttribute(tid('timeline-entry-2'), 'data-commit');
  assert.deepEqual(calls('history_restore'), [`history_restore {"commit":"${commit}","file":"src/resize.mjs","function":null}`]);
  assert.equal(commit, repo.second);
  assert.equal(readFile('src/resize.mjs'), readFileSync(join(SAMPLE, 'src/resize.mjs'), 'utf8'), 'the file on disk is as it was');

  // The state before the restore is a checkpoint, and the file matches the commit again.
  await page.waitForFunction(() => /Before restoring src\/resize\.mjs/.test(document.querySelector('[data-testid="timeline-entry-0"]').textContent));
  await page.waitForFunction(() => document.querySelector('[data-testid="history-diff-summary"]')?.textContent === 'No differences.');
  // The last checkpoint is the state before the restore, so the restored file is a change to it.
  assert.equal(await page.textContent(tid('history-changed')), '1 changed file');
  assert.equal(await page.getAttribute(tid('history-changed'), 'title'), 'src/resize.mjs');

  // The checkpoint before the restore holds the experiment.
  assert.match(git(['log', '-1', '--format=%s']), /Before restoring src\/resize\.mjs/);
  assert.match(git(['show', 'HEAD:src/resize.mjs']), /an experiment that went nowhere/);
  // The open tab shows the restored text, and is clean.
  await page.keyboard.press('Control+1');
  await page.waitForSelector('[data-testid="editor"][data-path="src/resize.mjs"]');
  const text = await editorText(page);
  assert.doesNotMatch(text, /an experiment/);
  assert.match(text, /MAX_WIDTH \?\? 320/);
  assert.equal(await page.locator(tid('tab-dirty-src/resize.mjs')).count(), 0);

  // The previous state can be brought back in turn: it is in the timeline.
  await openHistory(page);
  await page.click(tid('timeline-entry-0'));
  await page.click(tid('history-compare-working'));
  await page.waitForSelector(tid('diff-file-src/resize.mjs'));
  assert.deepEqual(await changedLines(page, 'src/resize.mjs', 'old'), ['', '// an experiment that went nowhere']);
});

test('restoring over unsaved edits keeps them and warns', async (t) => {
  const { page, readFile } = await openSample(t);
  await appendLine(page, 'src/resize.mjs', '// saved change');
  await saveActive(page, 'src/resize.mjs');
  await page.keyboard.type('\n// typed, not saved');
  await page.waitForSelector(tid('tab-dirty-src/resize.mjs'));
  await openHistory(page);
  await page.click(tid('timeline-entry-1'));
  await page.click(tid('history-compare-working'));
  await page.click(tid('restore-file-src/resize.mjs'));
  await page.click(tid('confirm-restore'));
  await page.waitForSelector(tid('history-restore-result'));
  assert.match(await page.textContent(tid('history-restore-result')), /src\/resize\.mjs still has unsaved edits/);
  assert.match(await page.textContent(tid('warning-toast')), /unsaved edits in the editor/);
  await page.keyboard.press('Control+1');
  assert.match(await editorText(page), /\/\/ typed, not saved/, 'the user’s buffer is kept');
  assert.equal(await page.locator(tid('tab-dirty-src/resize.mjs')).count(), 1);
  // On disk the file is restored; the buffer is the user's to save or drop.
  assert.doesNotMatch(readFile('src/resize.mjs'), /saved change|typed, not saved/);
});

test('restoring a function brings back its code as of a commit', async (t) => {
  const { page, calls, repo, readFile } = await openSample(t);
  await page.click(tid('tree-item-src/resize.mjs'));
  await page.waitForSelector('[data-testid="editor"][data-path="src/resize.mjs"] .cm-content');
  await openHistory(page);
  await page.selectOption(tid('history-function'), 'resize');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid^="timeline-entry-"]').length === 3);
  await page.click(tid('timeline-entry-2'));
  await page.click(tid('history-restore-function'));
  assert.match(await page.textContent(tid('confirm-dialog')), /The code of resize goes back to how it was at [0-9a-f]{8} “Create the thumbnails sample”/);
  await page.click(tid('confirm-restore'));
  await page.waitForSelector(tid('history-restore-result'));
  const commit = await page.getAttribute(tid('timeline-entry-2'), 'data-commit');
  assert.deepEqual(calls('history_restore'), [`history_restore {"commit":"${commit}","file":null,"function":"resize"}`]);
  assert.equal(commit, repo.first);
  assert.equal(await page.textContent(tid('history-changed')), '1 changed file');
  assert.match(readFile('src/resize.mjs'), /MAX_WIDTH \?\? 240/);
  assert.match(readFile('src/report.py'), /def handler/, 'another function’s code is untouched');
  await page.keyboard.press('Control+1');
  await page.waitForFunction(() => document.querySelector('[data-testid="editor"] .cm-content').textContent.includes('?? 240'));
  // The manifest is not part of a function's code: it keeps the later memory setting.
  assert.match(await page.textContent(tid('function-resize')), /512 MB/);
  assert.match(readFile('functory.toml'), /^memory_mb = 512 /m);
});

test('a detached HEAD offers to create a branch, then the checkpoint goes through', async (t) => {
  // A real detached HEAD: the last commit checked out by its id.
  const { page, calls, git, repo } = await openSample(t, (dir) => runGit(dir, ['checkout', '-q', '--detach']));
  await appendLine(page, 'README.md', 'A note.');
  await saveActive(page, 'README.md');
  await openHistory(page);
  assert.equal(await page.textContent(tid('history-branch')), 'detached HEAD');

  await page.fill(tid('history-checkpoint-message'), 'Note in the README');
  await page.click(tid('history-checkpoint'));
  const panel = page.locator(tid('history-detached'));
  await panel.waitFor();
  assert.match(await panel.textContent(), new RegExp(`HEAD is detached \\(at ${repo.second.slice(0, 10)}\\)`));
  assert.equal(await page.locator(tid('history-checkpoint-result')).count(), 0, 'no checkpoint was made');
  assert.equal(await page.locator('[data-testid^="timeline-entry-"]').count(), 3);

  await page.click(tid('history-create-branch'));
  assert.match(await page.textContent(tid('history-branch-error')), /Name the branch/);
  await page.fill(tid('history-branch-name'), 'main');
  await page.click(tid('history-create-branch'));
  assert.match(await page.locator(tid('history-branch-error')).textContent(), /already exists/);

  await page.fill(tid('history-branch-name'), 'my-work');
  await page.click(tid('history-create-branch'));
  await page.waitForSelector(tid('history-checkpoint-result'));
  assert.match(await page.textContent(tid('history-checkpoint-result')), /^Checkpoint [0-9a-f]{8} created$/);
  assert.equal(await page.locator(tid('history-detached')).count(), 0);
  await page.waitForFunction(() => document.querySelector('[data-testid="history-branch"]').textContent === 'my-work');
  assert.match(await entryText(page, 0), /Note in the README/);
  assert.deepEqual(calls('create_branch'), ['create_branch {"name":"main"}', 'create_branch {"name":"my-work"}']);
  assert.equal(calls('checkpoint').length, 2, 'the checkpoint was retried once');
  // In the repository: HEAD is on the new branch, which has the checkpoint on top of the old HEAD.
  assert.equal(git(['symbolic-ref', '--short', 'HEAD']), 'my-work');
  assert.equal(git(['log', '-1', '--format=%s']), 'Note in the README');
  assert.equal(git(['rev-parse', 'HEAD~1']), repo.second);
  assert.equal(git(['rev-parse', 'main']), repo.second, 'main is where it was');
});

test('in the middle of a merge the checkpoint is disabled and says why', async (t) => {
  // A real merge in progress: a branch that changed the README merged with --no-commit.
  const { page, calls, git } = await openSample(t, (dir) => {
    runGit(dir, ['checkout', '-q', '-b', 'other']);
    writeFileSync(join(dir, 'README.md'), `${readFileSync(join(dir, 'README.md'), 'utf8')}\nA line from the other branch.\n`);
    runGit(dir, ['commit', '-q', '-am', 'A line in the README']);
    runGit(dir, ['checkout', '-q', 'main']);
    runGit(dir, ['merge', '-q', '--no-ff', '--no-commit', 'other']);
  });
  const head = git(['rev-parse', 'HEAD']);
  await openHistory(page);
  assert.equal(await page.textContent(tid('history-state')), 'merge in progress');
  assert.equal(await page.isDisabled(tid('history-checkpoint')), true);
  assert.match(await page.textContent(tid('history-operation')), /middle of a merge: finish it or abort it/);
  assert.deepEqual(calls('checkpoint'), []);
  assert.equal(git(['rev-parse', 'HEAD']), head, 'no commit was made');
});

test('a project without history invites a first checkpoint', async (t) => {
  const parent = mkdtempSync(join(tmpdir(), 'functory-ui-plain-'));
  t.after(() => rmSync(parent, { recursive: true, force: true }));
  const folder = join(parent, 'assets');
  mkdirSync(join(folder, 'images'), { recursive: true });
  writeFileSync(join(folder, 'notes.md'), '# Assets\n\nImages for the landing page.\n');
  writeFileSync(join(folder, 'images', 'logo.png'), Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
  const app = await openApp({ open: folder });
  t.after(app.close);
  const { page } = app;
  await page.waitForSelector(tid('project-tree'));
  await page.keyboard.press('Control+6');
  await page.waitForSelector(tid('history-empty'));
  assert.match(await page.textContent(tid('history-empty')), /No history yet.*Make a first checkpoint/s);
  assert.equal(await page.textContent(tid('history-changed')), '2 changed files');
  await page.click(tid('history-first-checkpoint'));
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'history-checkpoint-message');
  await page.keyboard.type('First look at the assets');
  await page.keyboard.press('Enter');
  await page.waitForSelector(tid('history-timeline'));
  assert.match(await entryText(page, 0), /First look at the assets.*images\/logo\.png.*notes\.md/s);
  assert.equal(await page.locator(tid('history-empty')).count(), 0);
  // A real repository now holds the two files in one commit.
  assert.equal(runGit(folder, ['log', '--format=%s']), 'First look at the assets');
  assert.deepEqual(runGit(folder, ['ls-tree', '-r', '--name-only', 'HEAD']).split('\n'), ['images/logo.png', 'notes.md']);
});
