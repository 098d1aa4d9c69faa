// The account audit's HTML report, as a reviewer opens it: `functory audit --format html` on a
// moto account built by bench/audit/fixture.py, opened in Debian's Chromium with every network
// request refused (the report must be self-contained), its charts drawn, a screenshot kept.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { chromium } from 'playwright-core';

import { screenshot } from './support/app.mjs';
import { startMoto, VENV } from './support/moto.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TARGET = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache', 'functory', 'target');
const FUNCTORY = join(TARGET, 'debug', 'functory');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Asynchronous on purpose: moto writes a log line per request to a pipe this process reads,
// and a synchronous child would stop that reading until moto blocked on a full pipe.
const run = promisify(execFile);

test('the audit report opens offline with its charts drawn', async (t) => {
  assert.ok(existsSync(FUNCTORY), `the CLI is missing at ${FUNCTORY}: run \`cargo build -p functory-cli\``);
  const moto = await startMoto();
  t.after(() => moto.stop());
  await moto.lambdaWithoutDocker();
  const aws = {
    AWS_ENDPOINT_URL: moto.url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const fixture = await run(join(VENV, 'bin', 'python'), [join(ROOT, 'bench/audit/fixture.py'), '16', 'eu-west-1'], {
    env: { ...process.env, ...aws, AWS_DEFAULT_REGION: 'eu-west-1' },
  });
  const planted = JSON.parse(fixture.stdout);
  const project = mkdtempSync(join(tmpdir(), 'functory-audit-report-'));
  t.after(() => rmSync(project, { recursive: true, force: true }));
  writeFileSync(join(project, 'functory.toml'), '[project]\nname = "audit"\n\n[targets.prod]\nadapter = "aws"\nregion = "eu-west-1"\n');
  const report = join(project, 'audit.html');
  await run(FUNCTORY, ['audit', '--target', 'prod', '--format', 'html', '-o', report], {
    cwd: project,
    env: { ...process.env, ...aws, FUNCTORY_KEYCHAIN_NAMESPACE: 'functory-ui-audit-report' },
  });
  assert.ok(!readFileSync(report, 'utf8').includes(planted.secret), 'the planted secret is in no report');

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1100, height: 1400 } });
  const requested = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    requested.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  await page.goto(`file://${report}`);
  assert.match(await page.title(), /Functory audit of prod/);
  // Five severities in the first chart, one bar per rule in the second, every bar drawn.
  const bars = await page.locator('figure svg rect').evaluateAll((rects) => rects.map((r) => r.getBoundingClientRect().height));
  assert.ok(bars.length >= 5 + 5, `bars: ${bars.length}`);
  assert.ok(bars.every((h) => h > 0));
  const sections = await page.locator('section.function').count();
  assert.equal(sections, Object.keys(planted.expected).length);
  assert.match(await page.textContent('#eu-west-1-fn-0004-admin-role'), /IAM201/);
  await screenshot(page, 'audit-report');
  mkdirSync(join(ROOT, 'target'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'target', 'audit-report.png'), fullPage: true });
  assert.deepEqual(requested, [], 'the report asked for nothing over the network');
});
