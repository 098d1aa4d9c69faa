// Big projects in the real app (issue 25): opens a generated project in the release app (under
// Xvfb, driven by WebDriver as the e2e tests drive it) and measures, per run, in fresh data
// folders:
//   - launch → usable window: from starting the WebDriver session (which launches the app with
//     `--open DIR`) until the function list shows the project's functions;
//   - Security findings: from clicking the Security area until its findings are listed;
//   - canvas: from clicking the Triggers area until the canvas has drawn its function nodes;
//   - lint after a save: one handler changed on disk, from clicking "Lint again" in the
//     Security view until the linter and the analyzer have answered (the button is idle again).
// The two in-view figures are timed in the page (performance.now() at the click, a
// MutationObserver for the first element that shows the result), so WebDriver's polling does
// not add to them.
//
//   FUNCTORY_APP_BINARY=… xvfb-run -a -s "-screen 0 1280x800x24" node bench/scale/app.mjs DIR [RUNS]
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { endAll } from "../../tests/e2e/harness.mjs";
import { Session, startDriver } from "../../tests/e2e/webdriver.mjs";

const [dir, runsArg] = process.argv.slice(2);
const binary = process.env.FUNCTORY_APP_BINARY;
if (!dir || !binary) {
  console.error("usage: FUNCTORY_APP_BINARY=… node bench/scale/app.mjs PROJECT_DIR [RUNS]");
  process.exit(2);
}
const runs = Number(runsArg ?? 3);

/**
 * Clicks `nav` in the page and answers the milliseconds until an element matching `selector`
 * is in the document (or `null` after `timeout` ms).
 */
const TIME_VIEW = `
  const [nav, selector, timeout, done] = arguments;
  const started = performance.now();
  const finish = (ms) => { observer.disconnect(); clearTimeout(timer); done(ms); };
  const observer = new MutationObserver(() => {
    if (document.querySelector(selector)) finish(performance.now() - started);
  });
  observer.observe(document.body, { childList: true, subtree: true });
  const timer = setTimeout(() => finish(null), timeout);
  document.querySelector(nav).click();
  if (document.querySelector(selector)) finish(performance.now() - started);
`;

/** Clicks the Security view's "Lint again" and answers the milliseconds until it is idle again. */
const TIME_RELINT = `
  const [timeout, done] = arguments;
  const button = document.querySelector('[data-testid="security-relint"]');
  const started = performance.now();
  let busy = false;
  const check = () => {
    const now = button.getAttribute('data-busy') === 'true';
    if (now) busy = true;
    else if (busy) finish(performance.now() - started);
  };
  const finish = (ms) => { observer.disconnect(); clearTimeout(timer); done(ms); };
  const observer = new MutationObserver(check);
  observer.observe(button, { attributes: true, attributeFilter: ['data-busy'] });
  const timer = setTimeout(() => finish(null), timeout);
  button.click();
`;

async function timeView(session, nav, selector) {
  const ms = await session.executeAsync(TIME_VIEW, [`[data-testid="${nav}"]`, selector, 25_000]);
  if (ms === null) throw new Error(`${selector} not shown within 25 s of clicking ${nav}`);
  return ms;
}

async function once() {
  const home = mkdtempSync(join(tmpdir(), "functory-bench-scale-"));
  const env = {
    XDG_DATA_HOME: join(home, "data"),
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_CACHE_HOME: join(home, "cache"),
  };
  const driver = await startDriver({ env });
  let session = null;
  try {
    const started = performance.now();
    session = await Session.start(driver.url, binary, ["--open", dir]);
    await session.waitUntil(
      () => session.execute("return document.querySelectorAll('[data-testid^=\"function-fn\"]').length > 0;"),
      { timeout: 60_000, what: "the function list" },
    );
    const usable = performance.now() - started;
    const functions = await session.execute("return document.querySelectorAll('[data-testid^=\"function-fn\"]').length;");
    const security = await timeView(session, "nav-security", '[data-testid="security-finding"], [data-testid="security-clean"]');
    const findings = await session.execute(
      "const b = document.querySelector('[data-testid=\"security-tab-findings\"] .count-badge'); return b ? b.textContent : null;",
    );
    const canvas = await timeView(session, "nav-triggers", '[data-testid="function-node"]');
    // Let the canvas finish what it started (fitting the view) before reading what it drew.
    await sleep(300);
    const nodes = await session.execute("return document.querySelectorAll('.react-flow__node').length;");
    // A save of one handler (a comment added, as an edit would), then "Lint again".
    await timeView(session, "nav-security", '[data-testid="security-relint"]');
    await session.waitUntil(
      () => session.execute("return document.querySelector('[data-testid=\"security-relint\"]')?.getAttribute('data-busy') === 'false';"),
      { timeout: 30_000, what: "the Security view's first lint" },
    );
    // The lint the view asked for when it opened has finished by then too.
    await sleep(1500);
    const handler = readdirSync(join(dir, "src")).sort()[0];
    appendFileSync(join(dir, "src", handler), handler.endsWith(".py") ? "\n# edited\n" : "\n// edited\n");
    const relint = await session.executeAsync(TIME_RELINT, [25_000]);
    if (relint === null) throw new Error("Lint again did not finish within 25 s");
    return { usable, security, canvas, functions, findings, nodes, relint };
  } finally {
    // The app and its WebKit helpers, all below the driver: ended by pid, as the e2e tests do.
    await endAll(driver, session);
    rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

const results = [];
for (let i = 0; i < runs; i++) {
  const r = await once();
  results.push(r);
  console.log(
    `run ${i + 1}: usable ${r.usable.toFixed(0)} ms (${r.functions} functions listed), ` +
      `Security findings ${r.security.toFixed(0)} ms (${r.findings} findings), ` +
      `canvas ${r.canvas.toFixed(0)} ms (${r.nodes} nodes in the DOM), ` +
      `lint after a save ${r.relint.toFixed(0)} ms`,
  );
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(
  `median: usable ${median(results.map((r) => r.usable)).toFixed(0)} ms, ` +
    `Security findings ${median(results.map((r) => r.security)).toFixed(0)} ms, ` +
    `canvas ${median(results.map((r) => r.canvas)).toFixed(0)} ms, ` +
    `lint after a save ${median(results.map((r) => r.relint)).toFixed(0)} ms`,
);
