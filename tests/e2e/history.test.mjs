// End-to-end test of History in the real app under Xvfb. The project is a copy of the sample
// that is a real git repository, built with the git CLI before launching: a first version
// (smaller thumbnails, no `report`), then the sample as it is, then an uncommitted experiment in
// src/resize.mjs. In the app: compare the two commits side by side, then restore
// src/resize.mjs from the last commit over the experiment; the files and the repository are
// checked with git afterwards.
//
// Needs: FUNCTORY_APP_BINARY (built with the `custom-protocol` feature), a DISPLAY (xvfb-run),
// tauri-driver, WebKitWebDriver and git on PATH. scripts/test.sh provides all of them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { copySample, launch, SAMPLE, shot, textOf, waitForText, waitUntil } from "./harness.mjs";

const DAY_S = 24 * 60 * 60;

function git(dir, args, time = null) {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "Ada Lovelace",
    GIT_AUTHOR_EMAIL: "ada@example.com",
    GIT_COMMITTER_NAME: "Ada Lovelace",
    GIT_COMMITTER_EMAIL: "ada@example.com",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
  };
  if (time !== null) env.GIT_AUTHOR_DATE = env.GIT_COMMITTER_DATE = `@${time} +0000`;
  return execFileSync("git", args, { cwd: dir, env, encoding: "utf8" }).trim();
}

function sampleWithHistory() {
  const dir = copySample();
  const now = Math.floor(Date.now() / 1000);
  const resize = readFileSync(join(SAMPLE, "src/resize.mjs"), "utf8");
  git(dir, ["init", "-q", "-b", "main"]);
  git(dir, ["config", "user.name", "Ada Lovelace"]);
  git(dir, ["config", "user.email", "ada@example.com"]);
  writeFileSync(join(dir, "src/resize.mjs"), resize.replace("MAX_WIDTH ?? 320", "MAX_WIDTH ?? 240"));
  rmSync(join(dir, "src/report.py"));
  git(dir, ["add", "-A"]);
  git(dir, ["commit", "-q", "-m", "Create the thumbnails sample"], now - 4 * DAY_S);
  writeFileSync(join(dir, "src/resize.mjs"), resize);
  writeFileSync(join(dir, "src/report.py"), readFileSync(join(SAMPLE, "src/report.py")));
  git(dir, ["add", "-A"]);
  git(dir, ["commit", "-q", "-m", "Add the daily report; larger thumbnails"], now - 2 * DAY_S);
  // An experiment that went nowhere, not committed.
  writeFileSync(join(dir, "src/resize.mjs"), `${resize}// an experiment that went nowhere\n`);
  return dir;
}

/** The text of one side's changed lines of a file's diff. */
const changedLines = (session, path, side) =>
  session.execute(
    `return [...document.querySelectorAll('[data-testid="diff-file-${path}"] .diff-cell[data-side="${side}"].is-${side === "old" ? "removed" : "added"} .diff-text')].map((e) => e.textContent);`,
  );

test("real app: History — compare two commits, restore a file", { timeout: 180_000 }, async (t) => {
  const project = sampleWithHistory();
  const [second, first] = git(project, ["log", "--format=%H"]).split("\n");
  const { session } = await launch(t, { args: ["--open", project], project, name: "history" });
  await (await session.waitFor("nav-history", { timeout: 30_000 })).click();
  await session.waitFor("timeline-entry-1", { timeout: 30_000 });
  assert.match(await textOf(session, '[data-testid="timeline-entry-0"]'), /Add the daily report; larger thumbnails/);
  assert.equal(await (await session.find("timeline-entry-0")).attribute("data-commit"), second);
  assert.equal(await (await session.find("timeline-entry-1")).attribute("data-commit"), first);
  assert.equal(await textOf(session, '[data-testid="history-changed"]'), "1 changed file");

  // --- compare: the newer entry first, then the older one; old on the left --------------------
  await (await session.find("timeline-entry-0")).click();
  await (await session.waitFor("history-compare")).click();
  await session.waitFor("history-pick-hint");
  await (await session.find("timeline-entry-1")).click();
  await waitForText(session, '[data-testid="history-diff-summary"]', /2 files changed/);
  assert.deepEqual(await changedLines(session, "src/resize.mjs", "old"), ["const MAX_WIDTH = Number(process.env.MAX_WIDTH ?? 240);"]);
  assert.deepEqual(await changedLines(session, "src/resize.mjs", "new"), ["const MAX_WIDTH = Number(process.env.MAX_WIDTH ?? 320);"]);
  assert.match(await textOf(session, '[data-testid="diff-file-src/report.py"] .change-badge'), /added/);
  assert.ok((await changedLines(session, "src/report.py", "new")).includes("def handler(event, context):"));
  shot("history-compare");

  // --- restore src/resize.mjs from the last commit over the experiment ------------------------
  await (await session.find("timeline-entry-0")).click();
  await (await session.waitFor("history-compare-working")).click();
  await waitForText(session, '[data-testid="history-diff"]', /Working files/);
  assert.deepEqual(await changedLines(session, "src/resize.mjs", "new"), ["// an experiment that went nowhere"]);
  await (await session.waitFor("restore-file-src/resize.mjs")).click();
  await waitForText(session, '[data-testid="confirm-dialog"]', /checkpointed first, so nothing is lost/);
  await (await session.find("confirm-restore")).click();
  await session.waitFor("history-restore-result");
  await waitUntil(
    () => readFileSync(join(project, "src/resize.mjs"), "utf8") === readFileSync(join(SAMPLE, "src/resize.mjs"), "utf8"),
    "src/resize.mjs to be as committed",
  );
  // The state before the restore is a checkpoint holding the experiment; nothing was lost.
  assert.match(git(project, ["log", "-1", "--format=%s"]), /Before restoring src\/resize\.mjs/);
  assert.match(git(project, ["show", "HEAD:src/resize.mjs"]), /an experiment that went nowhere/);
  assert.equal(git(project, ["rev-parse", "HEAD~1"]), second);
  await waitForText(session, '[data-testid="timeline-entry-0"]', /Before restoring src\/resize\.mjs/);
  git(project, ["fsck", "--no-progress"]);
});
