// What the end-to-end tests share: launching the real app (tauri-driver + WebKitWebDriver) with
// data folders of the test's own, stopping exactly the processes the test started, a copy of the
// sample to change on disk before launching, form helpers over WebDriver, and real mouse drags
// through the X server (xdotool), which WebKitWebDriver's synthesized events cannot do for
// HTML5 drag and drop.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Keys, Session, startDriver } from "./webdriver.mjs";

export const binary = process.env.FUNCTORY_APP_BINARY;
export const repo = resolve(import.meta.dirname, "../..");
export const SAMPLE = join(repo, "samples", "thumbnails");
const screenshotDir = join(repo, "target", "e2e");

/** A copy of the bundled sample in a fresh folder (removed by `launch`'s cleanup when passed as `project`). */
export function copySample() {
  const dir = mkdtempSync(join(tmpdir(), "functory-e2e-project-"));
  cpSync(SAMPLE, dir, { recursive: true });
  return dir;
}

/** Processes below `root` (its children, theirs, …), from /proc. */
export function descendants(root) {
  const byParent = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!byParent.has(parent)) byParent.set(parent, []);
      byParent.get(parent).push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  const pids = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of byParent.get(queue.shift()) ?? []) {
      pids.push(child);
      queue.push(child);
    }
  }
  return pids;
}

/**
 * Launches the app for test `t`: its own XDG data, config and cache folders, `env` added to the
 * driver's (and so the app's) environment, `args` for the app (`--open DIR`). Everything it
 * started is stopped when the test ends: the WebDriver session, the app processes below the
 * driver (by pid), the driver; `project` and the data folders are removed.
 */
export async function launch(t, { args = [], env = {}, project = null, name = "e2e" } = {}) {
  assert.ok(binary && existsSync(binary), `FUNCTORY_APP_BINARY must point at the built app (got ${binary})`);
  assert.ok(process.env.DISPLAY, "run under xvfb-run (no DISPLAY)");
  const home = mkdtempSync(join(tmpdir(), `functory-e2e-${name}-`));
  const xdg = {
    XDG_DATA_HOME: join(home, "data"),
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_CACHE_HOME: join(home, "cache"),
  };
  const driver = await startDriver({ env: { ...xdg, ...env } });
  const target = realpathSync(binary);
  /** The app's own processes (its binary), found below the driver that launched it. */
  const appPids = () =>
    descendants(driver.pid).filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/exe`) === target;
      } catch {
        return false;
      }
    });
  let session = null;
  t.after(async () => {
    if (session && t.passed === false) {
      try {
        shot(`${name}-failure`);
      } catch {
        // a picture is a help, not a result
      }
    }
    // The app and its WebKit helpers (web and network processes, which write the GL shader
    // cache under XDG_CACHE_HOME until they exit): all started by this test, below its driver.
    await endAll(driver, session);
    // A helper killed a moment ago may still be closing a cache file: retry briefly.
    rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    if (project) rmSync(project, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });
  session = await Session.start(driver.url, binary, args);
  return { session, home, dataDir: join(xdg.XDG_DATA_HOME, "dev.functory.app"), appPids };
}

/**
 * Ends the WebDriver `session` (if any), every process below `driver` — the app, its WebKit
 * helpers and what the app started —, by pid, and then the driver.
 */
export async function endAll(driver, session) {
  const pids = descendants(driver.pid);
  await session?.end();
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await driver.stop();
}

/**
 * Saves a picture of the X display (the app's window) to target/e2e/NAME.png, through the X
 * server (ImageMagick's `import`) rather than WebDriver: without a GPU the app draws without
 * WebKit's compositing, and there WebKitWebDriver's screenshot of the trigger canvas never
 * answers (WebKitGTK 2.50), which would hang the test instead of leaving a picture.
 */
export function shot(name) {
  mkdirSync(screenshotDir, { recursive: true });
  execFileSync("import", ["-window", "root", join(screenshotDir, `${name}.png`)], { timeout: 20_000 });
}

/** Replaces a text field's value by typing, as a user does (select all, then type). */
export async function fill(session, testId, text) {
  const field = await session.waitFor(testId);
  await field.click();
  await session.chord(Keys.CONTROL, "a");
  await field.type(text === "" ? "\uE003" : text);
}

/** Chooses `value` in a select, by clicking its option. */
export async function choose(session, testId, value) {
  await (await session.waitFor(testId)).click();
  await (await session.findCss(`[data-testid="${testId}"] option[value="${value}"]`)).click();
  await session.waitUntil(async () => (await (await session.find(testId)).property("value")) === value, {
    what: `${testId} to be ${value}`,
  });
}

/** The text content of the first element matching `selector` (hidden text included), or null. */
export function textOf(session, selector) {
  return session.execute("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", [selector]);
}

/** Waits until the text of `selector` matches `pattern`; answers the text. */
export async function waitForText(session, selector, pattern, { timeout = 15_000 } = {}) {
  return session.waitUntil(
    async () => {
      const text = await textOf(session, selector);
      return text !== null && pattern.test(text) ? text : null;
    },
    { timeout, what: `${selector} to match ${pattern}` },
  );
}

/** Waits until `check()` (a test-side condition: a file on disk, moto's state) is truthy. */
export async function waitUntil(check, what, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

/**
 * The centre of the first element matching `selector`, in the page's CSS pixels, once it stays
 * put (the canvas fits its view after the nodes are drawn, which moves them).
 */
export async function centreOf(session, selector) {
  const read = () =>
    session.execute(
      "const e = document.querySelector(arguments[0]); if (!e) return null; const r = e.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 };",
      [selector],
    );
  let last = await read();
  return session.waitUntil(
    async () => {
      const now = await read();
      const still = now && last && now.x === last.x && now.y === last.y;
      last = now;
      return still ? now : null;
    },
    { what: `${selector} to be drawn and stay put` },
  );
}

/** Maps page CSS pixels to the X screen's, from the app window's place (no window manager runs). */
function screenPoints(appPid) {
  const window = execFileSync("xdotool", ["search", "--onlyvisible", "--pid", String(appPid)], { encoding: "utf8" })
    .trim()
    .split("\n")[0];
  const geometry = execFileSync("xdotool", ["getwindowgeometry", "--shell", window], { encoding: "utf8" });
  const origin = { x: Number(/^X=(-?\d+)/m.exec(geometry)[1]), y: Number(/^Y=(-?\d+)/m.exec(geometry)[1]) };
  return (p) => [Math.round(origin.x + p.x), Math.round(origin.y + p.y)];
}

/** Clicks with the real mouse of the X server at `at` (page CSS pixels). */
export function mouseClick(appPid, at) {
  const [x, y] = screenPoints(appPid)(at);
  execFileSync("xdotool", ["mousemove", "--sync", String(x), String(y), "click", "1"]);
}

/**
 * Drags with the real mouse of the X server, from `from` to `to` (page CSS pixels): press, a
 * few small moves to start the drag, moves in steps to the target, a few moves there so the
 * drop target has answered the last position, release. HTML5 drag and drop in WebKitGTK runs
 * through GTK's drag session, which only real input starts.
 */
export function mouseDrag(appPid, from, to) {
  const point = screenPoints(appPid);
  const [fx, fy] = point(from);
  const [tx, ty] = point(to);
  const args = ["mousemove", "--sync", fx, fy, "sleep", "0.1", "mousedown", "1", "sleep", "0.1"];
  for (let i = 1; i <= 5; i++) args.push("mousemove", "--sync", fx + 3 * i, fy + 2 * i, "sleep", "0.05");
  for (let i = 1; i <= 15; i++) {
    args.push("mousemove", "--sync", Math.round(fx + ((tx - fx) * i) / 15), Math.round(fy + ((ty - fy) * i) / 15), "sleep", "0.05");
  }
  for (let i = 1; i <= 6; i++) args.push("mousemove", "--sync", tx + (i % 2 ? 2 : -2), ty + (i % 2 ? 1 : -1), "sleep", "0.15");
  args.push("mousemove", "--sync", tx, ty, "sleep", "0.3", "mouseup", "1");
  execFileSync("xdotool", args.map(String));
}
