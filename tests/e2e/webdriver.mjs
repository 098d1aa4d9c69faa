// A small W3C WebDriver client over fetch, and the harness that starts tauri-driver for the
// real Functory binary. No driver-downloading npm package is involved.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { readdirSync, readlinkSync, realpathSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
export const Keys = { CONTROL: "\uE009", HOME: "\uE011", END: "\uE010", ENTER: "\uE007" };

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts tauri-driver on free loopback ports; `env` reaches the app it launches.
 *
 * A driver that does not answer `/status` in time is stopped (never left running: a live child
 * keeps the test process from exiting) and started again on fresh ports, at most three times;
 * the ports come from the kernel one at a time, so a rare clash with another process is possible.
 */
export async function startDriver({ env }) {
  const failures = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    let nativePort = await freePort();
    while (nativePort === port) nativePort = await freePort();
    const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
      // RUST_BACKTRACE off: tauri-driver logs every refused proxy attempt, and backtraces bury them.
      env: { ...process.env, ...env, RUST_BACKTRACE: "0" },
      stdio: ["ignore", "inherit", "inherit"],
    });
    const stop = async () => {
      if (driver.exitCode === null && driver.signalCode === null) {
        const exited = new Promise((resolve) => driver.once("exit", resolve));
        driver.kill("SIGTERM");
        await exited;
      }
    };
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    let lastProblem = "no answer yet";
    for (;;) {
      if (driver.exitCode !== null) {
        lastProblem = `tauri-driver exited with ${driver.exitCode}`;
        break;
      }
      try {
        const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(2_000) });
        if (response.ok) return { url, stop, pid: driver.pid };
        lastProblem = `/status answered ${response.status}`;
      } catch (error) {
        lastProblem = `/status: ${error.cause?.code ?? error.message}`;
      }
      if (Date.now() > deadline) break;
      await sleep(100);
    }
    await stop();
    failures.push(`attempt ${attempt} (ports ${port}/${nativePort}): ${lastProblem}`);
    console.error(`tauri-driver did not start: ${failures.at(-1)}`);
  }
  throw new Error(`tauri-driver did not start within 20 s, three times: ${failures.join("; ")}`);
}

async function call(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = json.value ?? {};
    throw new Error(`${method} ${url}: ${response.status} ${error.error ?? ""} ${error.message ?? ""}`);
  }
  return json.value;
}

export class Session {
  static async start(driverUrl, application, args = []) {
    const value = await call("POST", `${driverUrl}/session`, {
      capabilities: { alwaysMatch: { "tauri:options": { application, args } } },
    });
    return new Session(`${driverUrl}/session/${value.sessionId}`);
  }

  constructor(base) {
    this.base = base;
  }

  async end() {
    await call("DELETE", this.base).catch(() => {});
  }

  async find(testId) {
    return this.findCss(`[data-testid="${testId}"]`);
  }

  async findCss(selector) {
    const value = await call("POST", `${this.base}/element`, { using: "css selector", value: selector });
    return new Element(this, value[ELEMENT]);
  }

  async exists(testId) {
    const value = await call("POST", `${this.base}/elements`, {
      using: "css selector",
      value: `[data-testid="${testId}"]`,
    });
    return value.length > 0;
  }

  /** Waits for an element to appear; the UI renders asynchronously after each command. */
  async waitFor(testId, { timeout = 15_000 } = {}) {
    return this.waitUntil(async () => ((await this.exists(testId)) ? this.find(testId) : null), {
      timeout,
      what: `[data-testid="${testId}"]`,
    });
  }

  async waitForCss(selector, { timeout = 15_000 } = {}) {
    return this.waitUntil(() => this.findCss(selector), { timeout, what: selector });
  }

  async waitGone(testId, { timeout = 15_000 } = {}) {
    await this.waitUntil(async () => !(await this.exists(testId)), { timeout, what: `${testId} to disappear` });
  }

  async waitUntil(check, { timeout = 15_000, what = "condition" } = {}) {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
      try {
        const value = await check();
        if (value) return value;
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ""}`);
      }
      await sleep(100);
    }
  }

  /**
   * Presses keys together and releases them, e.g. chord(Keys.CONTROL, "s"), on the focused
   * element. Uses the Actions API: WebKitWebDriver does not release modifiers on the NULL key
   * inside element send-keys, so a modifier there would stick to the next keys typed.
   */
  async chord(...keys) {
    const actions = [
      ...keys.map((value) => ({ type: "keyDown", value })),
      ...[...keys].reverse().map((value) => ({ type: "keyUp", value })),
    ];
    await call("POST", `${this.base}/actions`, { actions: [{ type: "key", id: "keyboard", actions }] });
    await call("DELETE", `${this.base}/actions`);
  }

  /**
   * Moves the mouse: presses on `from`, moves in steps to `to` (offsets from its centre), and
   * releases, as a user's drag does. Elements are {@link Element}s; `x`/`y` are CSS pixels.
   */
  async drag(from, to, { x = 0, y = 0, fromX = 0, fromY = 0 } = {}) {
    const origin = (element) => ({ [ELEMENT]: element.id });
    const actions = [
      { type: "pointerMove", origin: origin(from), x: fromX, y: fromY, duration: 0 },
      { type: "pointerDown", button: 0 },
      { type: "pause", duration: 100 },
      { type: "pointerMove", origin: origin(from), x: fromX + 12, y: fromY + 12, duration: 100 },
      { type: "pointerMove", origin: origin(to), x, y, duration: 300 },
      { type: "pause", duration: 100 },
      { type: "pointerUp", button: 0 },
    ];
    await call("POST", `${this.base}/actions`, {
      actions: [{ type: "pointer", id: "mouse", parameters: { pointerType: "mouse" }, actions }],
    });
    await call("DELETE", `${this.base}/actions`);
  }

  async execute(script, args = []) {
    return call("POST", `${this.base}/execute/sync`, { script, args });
  }

  /** Runs `script` with a callback as its last argument; answers what the script passes to it. */
  async executeAsync(script, args = []) {
    return call("POST", `${this.base}/execute/async`, { script, args });
  }

  async source() {
    return call("GET", `${this.base}/source`);
  }
}

export class Element {
  constructor(session, id) {
    this.session = session;
    this.id = id;
    this.url = `${session.base}/element/${id}`;
  }

  click() {
    return call("POST", `${this.url}/click`, {});
  }

  type(text) {
    return call("POST", `${this.url}/value`, { text });
  }

  clear() {
    return call("POST", `${this.url}/clear`, {});
  }

  text() {
    return call("GET", `${this.url}/text`);
  }

  attribute(name) {
    return call("GET", `${this.url}/attribute/${name}`);
  }

  property(name) {
    return call("GET", `${this.url}/property/${name}`);
  }
}

/** The pids of running processes whose executable is `binary` (processes this test started). */
export function pidsOf(binary) {
  const target = realpathSync(binary);
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/exe`) === target) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}
