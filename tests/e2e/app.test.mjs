// End-to-end test of the real Functory binary under Xvfb, driven by tauri-driver +
// WebKitWebDriver: open the sample project, edit and save a handler, change memory in the
// settings form, then kill the app with unsaved edits and restore them on the next start.
//
// Needs: FUNCTORY_APP_BINARY (built with the `custom-protocol` feature), a DISPLAY (xvfb-run),
// tauri-driver and WebKitWebDriver on PATH. scripts/test.sh provides all of them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keys, Session, pidsOf, startDriver } from "./webdriver.mjs";
import { shot } from "./harness.mjs";

const binary = process.env.FUNCTORY_APP_BINARY;

test("real app: open sample, edit and save, settings form, crash recovery", { timeout: 240_000 }, async () => {
  assert.ok(binary && existsSync(binary), `FUNCTORY_APP_BINARY must point at the built app (got ${binary})`);
  assert.ok(process.env.DISPLAY, "run under xvfb-run (no DISPLAY)");

  const home = mkdtempSync(join(tmpdir(), "functory-e2e-"));
  const env = {
    XDG_DATA_HOME: join(home, "data"),
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_CACHE_HOME: join(home, "cache"),
  };
  const dataDir = join(env.XDG_DATA_HOME, "dev.functory.app");
  const sampleDir = join(dataDir, "samples", "thumbnails");
  const journal = join(dataDir, "recovery-journal.json");
  const driver = await startDriver({ env });
  let session;
  try {
    // --- first run: welcome screen, open the bundled sample -----------------------------------
    session = await Session.start(driver.url, binary);
    await (await session.waitFor("open-sample")).click();
    const projectName = await session.waitFor("project-name");
    assert.equal(await projectName.text(), "thumbnails");
    for (const area of ["functions", "triggers", "security", "run", "deploy", "history", "accounts"]) {
      assert.ok(await session.exists(`nav-${area}`), `sidebar has ${area}`);
    }

    // --- edit a handler, save with Ctrl+S, check the file on disk -----------------------------
    const originalHandler = readFileSync(join(sampleDir, "src/resize.mjs"), "utf8");
    await (await session.waitFor("tree-item-src/resize.mjs")).click();
    await session.waitUntil(
      async () => (await (await session.find("editor")).attribute("data-path")) === "src/resize.mjs",
      { what: "the editor to show src/resize.mjs" },
    );
    const content = await session.waitForCss('[data-testid="editor"] .cm-content');
    await content.click();
    await session.chord(Keys.CONTROL, Keys.HOME);
    await content.type("// edited end-to-end" + Keys.ENTER);
    await session.waitFor("tab-dirty-src/resize.mjs");
    await session.chord(Keys.CONTROL, "s");
    await session.waitGone("tab-dirty-src/resize.mjs");
    const savedHandler = readFileSync(join(sampleDir, "src/resize.mjs"), "utf8");
    assert.equal(savedHandler, "// edited end-to-end\n" + originalHandler);

    // --- settings form: memory 512 -> 1024, comments kept ---------------------------------------
    const manifestBefore = readFileSync(join(sampleDir, "functory.toml"), "utf8");
    await (await session.waitFor("function-resize")).click();
    const memory = await session.waitFor("settings-memory");
    await memory.click();
    await session.chord(Keys.CONTROL, "a");
    await memory.type("1024");
    await (await session.find("settings-save")).click();
    const manifestAfter = await session.waitUntil(
      () => {
        const text = readFileSync(join(sampleDir, "functory.toml"), "utf8");
        return text !== manifestBefore ? text : null;
      },
      { what: "functory.toml to change" },
    );
    assert.match(manifestAfter, /^memory_mb = 1024 {4}# images up to 20 MB fit comfortably$/m);
    const changed = manifestBefore.split("\n").filter((line, i) => line !== manifestAfter.split("\n")[i]);
    assert.deepEqual(changed, ["memory_mb = 512    # images up to 20 MB fit comfortably"]);
    const comments = (text) => text.split("\n").filter((line) => line.includes("#")).map((l) => l.slice(l.indexOf("#")));
    assert.deepEqual(comments(manifestAfter), comments(manifestBefore));

    // --- unsaved edits, then the app is killed -------------------------------------------------
    await (await session.waitFor("tree-item-src/report.py")).click();
    await session.waitUntil(
      async () => (await (await session.find("editor")).attribute("data-path")) === "src/report.py",
      { what: "the editor to show src/report.py" },
    );
    const pyContent = await session.waitForCss('[data-testid="editor"] .cm-content');
    await pyContent.click();
    await session.chord(Keys.CONTROL, Keys.HOME);
    await pyContent.type("# not saved yet" + Keys.ENTER);
    await session.waitFor("tab-dirty-src/report.py");
    await session.waitUntil(() => existsSync(journal) && readFileSync(journal, "utf8").includes("# not saved yet"), {
      what: "the recovery journal to hold the unsaved edit",
    });
    shot("functory-window");

    const pids = pidsOf(binary);
    assert.equal(pids.length, 1, `exactly one app process runs (found ${pids})`);
    process.kill(pids[0], "SIGKILL");
    await session.end();
    session = undefined;
    assert.doesNotMatch(readFileSync(join(sampleDir, "src/report.py"), "utf8"), /not saved yet/);

    // --- second run: offered to restore, restore brings the edit back unsaved -----------------
    session = await Session.start(driver.url, binary);
    const banner = await session.waitFor("recovery-banner");
    assert.match(await banner.text(), /src\/report\.py/);
    await (await session.find("recovery-restore")).click();
    await session.waitFor("tab-dirty-src/report.py");
    await session.waitUntil(
      async () => (await (await session.find("editor")).attribute("data-path")) === "src/report.py",
      { what: "the restored file to be shown" },
    );
    await session.waitForCss('[data-testid="editor"] .cm-content');
    // CodeMirror renders one element per line; WebKit's element text would join them.
    const restored = await session.execute(
      "return Array.from(document.querySelectorAll('[data-testid=\"editor\"] .cm-line')).map((line) => line.textContent).join('\\n');",
    );
    assert.match(restored, /^# not saved yet\n"""report:/);
    assert.doesNotMatch(readFileSync(join(sampleDir, "src/report.py"), "utf8"), /not saved yet/);
  } catch (error) {
    if (session) {
      try {
        shot("failure");
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
