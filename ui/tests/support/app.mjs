// Shared by the browser tests: each test's app is the real UI (ui/dist) against the real Rust
// backend. A loopback test bridge (crates/test-bridge) serves the page and the api commands
// from one real `Session`, with a data folder and a keychain namespace of the test's own;
// Debian's chromium, driven by playwright-core (never a downloaded browser), shows it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ui = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = join(ui, 'dist');
export const RESULTS = join(ui, 'test-results');
export const SAMPLE = join(ui, '..', 'samples', 'thumbnails');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TARGET = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache', 'functory', 'target');
export const BRIDGE = process.env.FUNCTORY_TEST_BRIDGE ?? join(TARGET, 'debug', 'functory-test-bridge');

let apps = 0;

/**
 * Starts a bridge. `args` are the bridge's own (`--sample`, `--open DIR`, `--pick-folder DIR`);
 * `env` is added to its environment (a test may point it at moto, or away from the keychain).
 * `data` reuses an app data folder (a restart), which the caller then owns; by default each
 * bridge gets a fresh one, removed when it closes. `namespace` reuses a keychain namespace.
 */
export async function startBridge({ args = [], env = {}, data: reuse = null, namespace: keychain = null } = {}) {
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error('ui/dist is missing: run `npm run build --workspace ui` (npm test builds it when needed)');
  }
  if (!existsSync(BRIDGE)) {
    throw new Error(`the test bridge is missing at ${BRIDGE}: run \`cargo build -p functory-test-bridge\` (npm test builds it)`);
  }
  const data = reuse ?? mkdtempSync(join(tmpdir(), 'functory-ui-data-'));
  const namespace = keychain ?? `functory-ui-test-${process.pid}-${++apps}`;
  const child = spawn(BRIDGE, ['--dist', DIST, '--data', data, '--keychain-namespace', namespace, ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr = [];
  child.stderr.on('data', (chunk) => stderr.push(String(chunk)));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the test bridge did not start in 30 s: ${stderr.join('')}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      out += String(chunk);
      const found = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the test bridge exited with ${code}: ${stderr.join('')}`));
    });
  });
  return {
    url,
    data,
    stderr,
    /** Where the bundled sample opens (`--sample` or the UI's "Open the sample"). */
    sample: join(data, 'samples', 'thumbnails'),
    /** The bridge's process id (a test may signal it). */
    pid: child.pid,
    /** The keychain namespace (the Secret Service "service") of its accounts. */
    namespace,
    /**
     * Closing its standard input stops it (it stops the local run first); kill it if not.
     * `crash` kills it at once instead, as a crash or power cut would; `keepData` leaves the
     * data folder for a restart.
     */
    close: async ({ crash = false, keepData = reuse !== null } = {}) => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        if (crash) child.kill('SIGKILL');
        else child.stdin.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (!keepData) rmSync(data, { recursive: true, force: true });
    },
  };
}

/**
 * Opens the app against a fresh bridge. `sample: true` opens the bundled sample at launch;
 * `open: DIR` opens a folder. Returns the page, the commands the UI sent (`name {args}`), their
 * answers, console errors, the project folder on disk, and a close function.
 */
export async function openApp({
  sample = false,
  open = null,
  args = [],
  env = {},
  colorScheme = 'light',
  viewport = { width: 1280, height: 800 },
} = {}) {
  const launch = sample ? ['--sample'] : open ? ['--open', open] : [];
  const bridge = await startBridge({ args: [...launch, ...args], env });
  const profile = mkdtempSync(join(tmpdir(), 'functory-ui-test-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport,
    colorScheme,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  let current = bridge;
  const commands = [];
  const responses = [];
  const errors = [];
  page.on('console', (message) => {
    const text = message.text();
    if (text.startsWith('[ipc] ')) commands.push(text.slice(6));
    else if (text.startsWith('[ipc-response] ')) responses.push(text.slice(15));
    // A command refused with an ApiError is the UI's to show, not a page error.
    else if (message.type() === 'error' && !text.startsWith('[ipc-error] ')) errors.push(text);
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(bridge.url);
  const project = sample ? bridge.sample : open;
  return {
    page,
    /** The browser context (e.g. to grant the page clipboard access). */
    context,
    get bridge() {
      return current;
    },
    commands,
    responses,
    errors,
    project,
    /** A file of the open project as it is on disk now. */
    readFile: (relative) => readFileSync(join(project, relative), 'utf8'),
    /** Commands whose name is `name` (e.g. "apply_manifest_edit"), with their logged arguments. */
    calls: (name) => commands.filter((c) => c === name || c.startsWith(`${name} `)),
    /**
     * Restarts the app as after a crash: the bridge is killed, a new one starts on the same data
     * folder (journal, the sample's copy) and keychain namespace, with the same arguments unless
     * `args` are given, and the page loads from it (a new origin: nothing carries over in the
     * browser's storage).
     */
    restart: async ({ args: restartArgs = [...launch, ...args], crash = true } = {}) => {
      await current.close({ crash, keepData: true });
      current = await startBridge({ args: restartArgs, env, data: current.data, namespace: current.namespace });
      await page.goto(current.url);
      return current;
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      await current.close({ keepData: false });
    },
  };
}

/**
 * Waits until `condition()` (a test-side check: a file on disk, the commands sent) is truthy,
 * polling; throws with `what` after `timeoutMs`. For conditions a selector cannot wait for.
 */
export async function waitUntil(condition, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Folders `copySample` made, removed when the test file's process ends. */
const copies = [];
process.on('exit', () => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/**
 * A copy of the bundled sample in a fresh folder, for tests that change it before opening.
 * It is removed when the test file's process ends.
 */
export function copySample() {
  const dir = mkdtempSync(join(tmpdir(), 'functory-ui-project-'));
  copies.push(dir);
  for (const relative of ['functory.toml', 'README.md', 'src/resize.mjs', 'src/report.py']) {
    mkdirSync(dirname(join(dir, relative)), { recursive: true });
    writeFileSync(join(dir, relative), readFileSync(join(SAMPLE, relative)));
  }
  return dir;
}

/** The editor's text as CodeMirror holds it (all lines, read from the DOM). */
export async function editorText(page) {
  return page.locator('[data-testid="editor"] .cm-content').evaluate((content) => {
    const view = content.closest('.cm-editor');
    // CodeMirror renders the visible lines; the sample files are short enough to be all visible.
    return Array.from(view.querySelectorAll('.cm-line'), (line) => line.textContent).join('\n');
  });
}

export async function screenshot(page, name) {
  mkdirSync(RESULTS, { recursive: true });
  const path = join(RESULTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

export const tid = (id) => `[data-testid="${id}"]`;
