// End-to-end test of the trigger canvas in the real app under Xvfb, with the real mouse of the
// X server: drag a queue trigger from the palette onto the canvas (HTML5 drag and drop, which
// only real input starts in WebKitGTK) and save it from the side form; connect the storage
// trigger's handle to another function, which moves it; delete a trigger with the Delete key and
// bring it back with Ctrl+Z. Each step is checked in functory.toml on disk.
//
// Needs: FUNCTORY_APP_BINARY (built with the `custom-protocol` feature), a DISPLAY (xvfb-run),
// tauri-driver, WebKitWebDriver and xdotool on PATH. scripts/test.sh provides all of them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Keys } from "./webdriver.mjs";
import { centreOf, copySample, launch, mouseClick, mouseDrag, shot, waitForText, waitUntil } from "./harness.mjs";

const node = (fn, kind) => `[data-testid="trigger-node"][data-function="${fn}"][data-kind="${kind}"]`;

test("real app: the trigger canvas — drag from the palette, connect, delete, undo", { timeout: 180_000 }, async (t) => {
  const project = copySample();
  const manifest = () => readFileSync(join(project, "functory.toml"), "utf8");
  const original = manifest();
  const { session, appPids } = await launch(t, { args: ["--open", project], project, name: "canvas" });
  await (await session.waitFor("nav-triggers", { timeout: 30_000 })).click();
  await session.waitForCss('[data-testid="function-node"][data-function="report"]', { timeout: 30_000 });
  // The drawing is complete once the backend's canvas model (what the code writes) is in and
  // the view is fitted to it: every node inside the canvas.
  // (the sample declares the bucket resize writes to: its node says who writes once the model is in)
  await session.waitForCss('[data-testid="resource-node"][data-name="thumbs"][data-sources="permission"]', { timeout: 30_000 });
  await session.waitUntil(
    () =>
      session.execute(`
        const pane = document.querySelector('.react-flow').getBoundingClientRect();
        return [...document.querySelectorAll('.react-flow__node')].every((n) => {
          const r = n.getBoundingClientRect();
          return r.left >= pane.left && r.right <= pane.right && r.top >= pane.top && r.bottom <= pane.bottom;
        });`),
    { what: "the canvas to fit its view to the drawing" },
  );
  const [app] = appPids();
  assert.ok(app, "the app is running");

  // --- drag "Queue" from the palette and drop it beside `report` ------------------------------
  const report = await centreOf(session, '[data-testid="function-node"][data-function="report"]');
  mouseDrag(app, await centreOf(session, '[data-testid="palette-queue"]'), { x: report.x - 260, y: report.y + 40 });
  await session.waitFor("trigger-form");
  await session.waitForCss('[data-testid="trigger-node"][data-draft="true"][data-kind="queue"]');
  // The nearest function is the one it is for.
  assert.equal(await (await session.find("trigger-field-function")).property("value"), "report");
  assert.equal(await (await session.find("trigger-field-queue")).property("value"), "jobs");
  await session.waitUntil(async () => (await (await session.find("trigger-save")).property("disabled")) === false, {
    what: "the form to be saveable",
  });
  await (await session.find("trigger-save")).click();
  await session.waitForCss(node("report", "queue"));
  assert.equal(manifest(), `${original.replace(/\n*$/, "\n")}\n[[functions.report.triggers]]\nkind = "queue"\nqueue = "jobs"\n`);
  shot("canvas-dropped");

  // --- connect: the storage trigger's handle to `report` moves the trigger there ---------------
  const handle = await centreOf(session, `.react-flow__node:has(${node("resize", "storage")}) .react-flow__handle.source`);
  const target = await centreOf(session, '.react-flow__node:has([data-testid="function-node"][data-function="report"]) .react-flow__handle.target');
  mouseDrag(app, handle, target);
  await session.waitForCss(node("report", "storage"));
  await waitForText(session, '[data-testid="triggers-notice"]', /Moved the trigger from resize to report/);
  assert.equal(await session.execute(`return document.querySelectorAll('${node("resize", "storage")}').length;`), 0);
  const moved = manifest();
  assert.doesNotMatch(moved.slice(0, moved.indexOf("[functions.report]")), /kind = "storage"/, "no longer under resize");
  assert.match(moved, /\[\[functions\.report\.triggers\]\]\nkind = "storage"\nbucket = "uploads"\nsuffix = "\.jpg"\n/);
  assert.match(moved, /# weekdays at 18:00/, "comments elsewhere are kept");

  // --- delete the queue trigger with the Delete key, then Ctrl+Z --------------------------------
  mouseClick(app, await centreOf(session, node("report", "queue")));
  await session.waitFor("trigger-form");
  // The node has the focus (the form does not take it), so Delete goes to the canvas.
  await session.waitUntil(
    () => session.execute("return document.activeElement?.classList.contains('react-flow__node') ?? false;"),
    { what: "the clicked node to have the focus" },
  );
  await session.chord("\uE017"); // Delete
  await session.waitUntil(async () => !(await session.execute(`return !!document.querySelector('${node("report", "queue")}');`)), {
    what: "the queue trigger to leave the canvas",
  });
  await waitUntil(() => !/kind = "queue"/.test(manifest()), "the queue trigger to leave functory.toml");
  await waitForText(session, '[data-testid="triggers-notice"]', /Deleted a trigger\. Ctrl\+Z brings it back/);

  await session.chord(Keys.CONTROL, "z");
  await session.waitForCss(node("report", "queue"));
  await waitUntil(() => /\[\[functions\.report\.triggers\]\]\nkind = "queue"\nqueue = "jobs"\n/.test(manifest()), "the queue trigger back in functory.toml");
  await waitForText(session, '[data-testid="triggers-notice"]', /Restored the deleted trigger/);
  shot("canvas-restored");
});
