// End-to-end test of the trigger designer in the real Functory binary under Xvfb, driven by
// tauri-driver + WebKitWebDriver: open the sample, add a `rate(1 minute)` schedule to `report`
// on the canvas (the "Add trigger" menu and the side form, with its fire-time preview), see it
// written into functory.toml with every comment kept, start the local run from Run & Logs, and
// see the scheduled invoke of `report` in the live log.
//
// A rate schedule first fires one full period after the run starts (the local runtime counts
// from its start, like EventBridge counts from the rule's creation), so this waits up to ~80 s.
//
// Needs: FUNCTORY_APP_BINARY (built with the `custom-protocol` feature), a DISPLAY (xvfb-run),
// tauri-driver and WebKitWebDriver on PATH. scripts/test.sh provides all of them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keys, Session, pidsOf, startDriver } from "./webdriver.mjs";
import { shot } from "./harness.mjs";

const binary = process.env.FUNCTORY_APP_BINARY;

test("real app: a schedule added on the canvas fires on the local run", { timeout: 300_000 }, async () => {
  assert.ok(binary && existsSync(binary), `FUNCTORY_APP_BINARY must point at the built app (got ${binary})`);
  assert.ok(process.env.DISPLAY, "run under xvfb-run (no DISPLAY)");

  const home = mkdtempSync(join(tmpdir(), "functory-e2e-triggers-"));
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
    const before = readFileSync(join(sampleDir, "functory.toml"), "utf8");

    // --- the canvas: the sample's functions and triggers ---------------------------------------
    await (await session.waitFor("nav-triggers")).click();
    await session.waitForCss('[data-testid="function-node"][data-function="report"]', { timeout: 30_000 });
    assert.equal(
      await session.execute("return document.querySelectorAll('[data-testid=\"trigger-node\"]').length;"),
      3,
      "the sample's three triggers",
    );

    // --- add a schedule to `report` from the "Add trigger" menu and the side form ---------------
    await (await session.find("add-trigger")).click();
    await (await session.waitFor("add-trigger-schedule")).click();
    await session.waitFor("trigger-form");
    await (await session.findCss('[data-testid="trigger-field-function"] option[value="report"]')).click();
    const expression = await session.find("trigger-field-expression");
    await expression.click();
    await session.chord(Keys.CONTROL, "a");
    await expression.type("rate(1 minute)");
    assert.equal(await expression.property("value"), "rate(1 minute)");
    // The preview comes from the local runtime's own schedule parser, through the host.
    await session.waitUntil(
      async () => (await session.execute("return document.querySelectorAll('[data-testid=\"trigger-next-fire\"]').length;")) === 5,
      { what: "five fire times in the form" },
    );
    await session.waitUntil(async () => (await (await session.find("trigger-save")).property("disabled")) === false, {
      what: "the form to be saveable",
    });
    await (await session.find("trigger-save")).click();
    await session.waitGone("trigger-form");
    await session.waitForCss('[data-testid="trigger-node"][data-function="report"][data-kind="schedule"][data-index="1"]');

    // functory.toml on disk: the new section, and nothing else changed.
    const after = readFileSync(join(sampleDir, "functory.toml"), "utf8");
    assert.equal(
      after,
      before.replace(/\n*$/, "\n") + '\n[[functions.report.triggers]]\nkind = "schedule"\nexpression = "rate(1 minute)"\n',
    );
    shot("functory-triggers");

    // --- start the local run from Run & Logs, on any free port ----------------------------------
    await (await session.find("nav-run")).click();
    await session.waitFor("run-view");
    const port = await session.waitFor("run-port");
    await port.click();
    await session.chord(Keys.CONTROL, "a");
    await port.type("0");
    await (await session.find("run-start")).click();
    await session.waitUntil(async () => /^Running at /.test(await (await session.find("run-status")).text()), {
      what: "the run to start",
      timeout: 30_000,
    });
    await session.waitFor("run-schedules");
    assert.match(
      await session.execute("return document.querySelector('[data-testid=\"run-schedules\"]').textContent;"),
      /rate\(1 minute\)/,
    );

    // --- the scheduled invoke: `report` prints the EventBridge event's time --------------------
    const fired = await session.waitUntil(
      async () => {
        const lines = await session.execute(
          "return Array.from(document.querySelectorAll('[data-testid=\"run-logs-lines\"] .log-message')).map((l) => l.textContent);",
        );
        return lines.find((l) => /"scheduled_at": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"/.test(l)) ?? null;
      },
      { what: "the scheduled invoke of report in the log", timeout: 100_000 },
    );
    assert.match(fired, /"function": "report"/);
    shot("functory-triggers-fired");

    await (await session.find("run-stop")).click();
    await session.waitUntil(async () => (await (await session.find("run-status")).text()) === "Stopped", { what: "the run to stop" });
  } catch (error) {
    if (session) {
      try {
        shot("triggers-failure");
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
