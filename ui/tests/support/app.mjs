// Shared by the browser tests: serves ui/dist on a loopback port and drives Debian's chromium
// through playwright-core (never a downloaded browser), with a fresh profile per test.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ui = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = join(ui, 'dist');
export const RESULTS = join(ui, 'test-results');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** A static server for ui/dist on 127.0.0.1 and a random port. */
export async function serveDist() {
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error('ui/dist is missing: run `npm run build` (or `npm test`, which builds when needed)');
  }
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const relative = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = normalize(join(DIST, relative));
    if (!file.startsWith(DIST + sep) || !existsSync(file)) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    response.end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * Opens the app in a fresh chromium profile. Returns the page, the console lines the mock
 * platform logged (`[mock] command …` for each command, `[mock-response] command …` for what it
 * answered), and a close function. `query` is appended to the URL.
 */
export async function openApp(baseUrl, { query = '', colorScheme = 'light', viewport = { width: 1280, height: 800 } } = {}) {
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
  const commands = [];
  const responses = [];
  const errors = [];
  page.on('console', (message) => {
    const text = message.text();
    if (text.startsWith('[mock] ')) commands.push(text.slice(7));
    if (text.startsWith('[mock-response] ')) responses.push(text.slice(16));
    if (message.type() === 'error') errors.push(text);
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(baseUrl + query);
  return {
    page,
    commands,
    responses,
    errors,
    /** Commands whose name is `name` (e.g. "apply_manifest_edit"), with their logged arguments. */
    calls: (name) => commands.filter((c) => c === name || c.startsWith(`${name} `)),
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
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
