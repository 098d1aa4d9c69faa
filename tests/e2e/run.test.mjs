// End-to-end test of Run & Logs in the real Functory binary under Xvfb, driven by
// tauri-driver + WebKitWebDriver: open the sample, pick `resize`, choose its HTTP sample event,
// invoke it on the embedded local runtime (real node processes), see the 200 response with the
// thumbnail, a cold start then a warm one, and the START / END / REPORT lines in the live log.
//
// Needs: FUNCTORY_APP_BINARY (built with the `custom-protocol` feature), a DISPLAY (xvfb-run),
// tauri-driver and WebKitWebDriver on PATH. scripts/test.sh provides all of them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keys, Session, pidsOf, startDriver } from "./webdriver.mjs";
import { shot } from "./harness.mjs";

const binary = process.env.FUNCTORY_APP_BINARY;

/** Processes whose environment names the sample as their Lambda task root: the run's instances. */
function instancesOf(sampleDir) {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(`LAMBDA_TASK_ROOT=${sampleDir}`)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

test("real app: invoke the sample's resize function, cold then warm, with its logs", { timeout: 240_000 }, async () => {
  assert.ok(binary && existsSync(binary), `FUNCTORY_APP_BINARY must point at the built app (got ${binary})`);
  assert.ok(process.env.DISPLAY, "run under xvfb-run (no DISPLAY)");

  const home = mkdtempSync(join(tmpdir(), "functory-e2e-run-"));
  const env = {
    XDG_DATA_HOME: join(home, "data"),
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_CACHE_HOME: join(home, "cache"),
  };
  const sampleDir = join(env.XDG_DATA_HOME, "dev.functory.app", "samples", "thumbnails");
  const driver = await startDriver({ env });
  let session;
  try {
    session = await Session.start(driver.url, binary);
    await (await session.waitFor("open-sample")).click();
    await session.waitFor("project-name");
    await (await session.waitFor("nav-run")).click();
    await session.waitFor("run-view");
    assert.equal(await (await session.find("run-status")).text(), "Stopped");

    // Any free port: a fixed one may be taken on a shared machine.
    const port = await session.waitFor("run-port");
    await port.click();
    await session.chord(Keys.CONTROL, "a");
    await port.type("0");
    assert.equal(await port.property("value"), "0");

    // Pick `resize` and its HTTP sample event (the picker lists a sample per trigger kind).
    await session.waitUntil(async () => (await session.execute("return document.querySelectorAll('[data-testid=\"run-event-picker\"] option[data-kind=\"http\"]').length;")) === 1, {
      what: "the HTTP sample in the event picker",
    });
    await (await session.findCss('[data-testid="run-function"] option[value="resize"]')).click();
    await (await session.findCss('[data-testid="run-event-picker"] option[data-kind="http"]')).click();
    await session.waitForCss('[data-testid="run-event-editor"] .cm-content');
    await session.waitUntil(
      async () =>
        (await session.execute(
          "return Array.from(document.querySelectorAll('[data-testid=\"run-event-editor\"] .cm-line')).map((l) => l.textContent).join('\\n');",
        )).includes('"routeKey": "GET /resize"'),
      { what: "the HTTP sample in the event editor" },
    );

    // Invoke: the run starts, a node instance is cold-started, the handler answers.
    await (await session.find("run-invoke")).click();
    await session.waitFor("run-result", { timeout: 30_000 });
    assert.equal(await (await session.find("run-response-status")).text(), "HTTP 200");
    assert.deepEqual(JSON.parse(await (await session.find("run-response-body")).text()), { width: 320, height: 180 });
    const badge = await session.find("run-start-badge");
    assert.equal(await badge.attribute("data-start"), "cold");
    assert.match(await (await session.find("run-init")).text(), /^\d+(\.\d+)? ms$/);
    assert.match(await (await session.find("run-memory")).text(), /^\d+ \/ 512 MB$/);
    const status = await (await session.find("run-status")).text();
    assert.match(status, /^Running at http:\/\/127\.0\.0\.1:\d+$/);
    const firstRequest = await (await session.find("run-result")).attribute("data-request-id");
    assert.match(firstRequest, /^[0-9a-f-]{36}$/);
    assert.equal(instancesOf(sampleDir).length, 1, "one warm node instance after the first invoke");

    // Again, with Ctrl+Enter from the event editor: the same instance answers, warm.
    // The first line, not .cm-content: the content is taller than its scroller, and WebKit's
    // driver refuses to click an element whose centre is scrolled out of view.
    await (await session.findCss('[data-testid="run-event-editor"] .cm-line')).click();
    await session.chord(Keys.CONTROL, Keys.ENTER);
    await session.waitUntil(async () => (await (await session.find("run-result")).attribute("data-request-id")) !== firstRequest, {
      what: "a second invocation",
      timeout: 30_000,
    });
    assert.equal(await (await session.find("run-start-badge")).attribute("data-start"), "warm");
    assert.equal(await (await session.find("run-init")).text(), "—");
    const secondRequest = await (await session.find("run-result")).attribute("data-request-id");

    // The live log pane received both invocations' START / END / REPORT lines over its channel.
    const logText = () =>
      session.execute(
        "return Array.from(document.querySelectorAll('[data-testid=\"run-logs-lines\"] .log-message')).map((l) => l.textContent);",
      );
    const lines = await session.waitUntil(
      async () => {
        const shown = await logText();
        return shown.some((l) => l.startsWith(`REPORT RequestId: ${secondRequest}`)) ? shown : null;
      },
      { what: "the second REPORT line in the log pane" },
    );
    for (const request of [firstRequest, secondRequest]) {
      assert.ok(lines.some((l) => l === `START RequestId: ${request} Version: $LATEST`), `START of ${request}`);
      assert.ok(lines.some((l) => l === `END RequestId: ${request}`), `END of ${request}`);
      assert.ok(lines.some((l) => l.startsWith(`REPORT RequestId: ${request}\tDuration: `)), `REPORT of ${request}`);
    }
    assert.ok(lines.some((l) => /\tINFO\tthumbnail \{ width: 320, height: 180 \}/.test(l)), "the handler's own line");
    assert.match(lines.find((l) => l.startsWith(`REPORT RequestId: ${firstRequest}`)), /Init Duration: /);

    // The instances table counts them; the route's URL is there to copy.
    await session.waitUntil(
      async () => (await (await session.find("run-instances-resize")).attribute("data-warm")) === "1",
      { what: "one warm resize instance in the table" },
    );
    assert.match(await (await session.find("run-route-url-0")).text(), /^http:\/\/127\.0\.0\.1:\d+\/resize$/);
    shot("functory-run");

    // Stop: the instance goes with the run.
    await (await session.find("run-stop")).click();
    await session.waitUntil(async () => (await (await session.find("run-status")).text()) === "Stopped", { what: "the run to stop" });
    await session.waitUntil(() => instancesOf(sampleDir).length === 0, { what: "the node instance to exit" });
  } catch (error) {
    if (session) {
      try {
        shot("run-failure");
      } catch {
        // a picture is a help, not a result
      }
    }
    throw error;
  } finally {
    await session?.end();
    await driver.stop();
    for (const pid of pidsOf(binary)) process.kill(pid, "SIGKILL");
  }
});
