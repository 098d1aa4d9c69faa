// End-to-end test of the local AWS services in the real Functory binary under Xvfb, driven by
// tauri-driver + WebKitWebDriver: the sample's `resize` lists its uploads bucket with the AWS SDK
// Lambda provides, and the sample's functory.toml declares that bucket, so the local run starts the emulator
// (MiniStack) with it and `resize` acts with its declared permissions only. Invoke: the real
// SDK gets the real AccessDenied; "Explain this AccessDenied" names s3:ListBucket and the call;
// the change is reviewed and applied; invoked again without restarting the run, it succeeds.
//
// Needs: FUNCTORY_APP_BINARY (built with the `custom-protocol` feature), a DISPLAY (xvfb-run),
// tauri-driver and WebKitWebDriver on PATH, and `scripts/local-aws.sh` run (scripts/test.sh
// provides all of them).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keys, Session, pidsOf, startDriver } from "./webdriver.mjs";
import { shot } from "./harness.mjs";

const binary = process.env.FUNCTORY_APP_BINARY;

test("real app: a call the permissions do not grant is refused, explained, fixed, then allowed", { timeout: 240_000 }, async () => {
  assert.ok(binary && existsSync(binary), `FUNCTORY_APP_BINARY must point at the built app (got ${binary})`);
  assert.ok(process.env.DISPLAY, "run under xvfb-run (no DISPLAY)");

  const home = mkdtempSync(join(tmpdir(), "functory-e2e-local-aws-"));
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

    // The user's edit, as in an editor: resize lists the bucket the sample declares.
    const manifest = join(sampleDir, "functory.toml");
    const resize = join(sampleDir, "src", "resize.mjs");
    writeFileSync(
      resize,
      `import { S3Client, ListObjectsV2Command } from "@aws-sdk/client-s3";\n\nconst s3 = new S3Client({});\n${readFileSync(resize, "utf8").replace(
        "export const handler = async (event, context) => {\n",
        'export const handler = async (event, context) => {\n  await s3.send(new ListObjectsV2Command({ Bucket: "uploads" }));\n',
      )}`,
    );

    await (await session.waitFor("nav-run")).click();
    await session.waitFor("run-view");
    const port = await session.waitFor("run-port");
    await port.click();
    await session.chord(Keys.CONTROL, "a");
    await port.type("0");
    await session.waitUntil(async () => (await session.execute("return document.querySelectorAll('[data-testid=\"run-event-picker\"] option[data-kind=\"http\"]').length;")) === 1, {
      what: "the HTTP sample in the event picker",
    });
    await (await session.findCss('[data-testid="run-function"] option[value="resize"]')).click();
    await (await session.findCss('[data-testid="run-event-picker"] option[data-kind="http"]')).click();

    // Invoke: the run starts with its AWS services; the SDK call is refused.
    await (await session.find("run-invoke")).click();
    await session.waitFor("run-function-error", { timeout: 60_000 });
    assert.equal(await (await session.find("run-error-type")).text(), "AccessDenied");
    assert.match(await (await session.find("run-error-message")).text(), /user\/resize is not authorized to perform: s3:ListBucket/);
    await session.waitFor("run-aws");
    assert.equal(await (await session.find("run-aws-enforced")).attribute("data-enforced"), "true");

    // Explain, review and apply the change.
    await (await session.find("explain-denied-button")).click();
    await session.waitFor("explain-denied-summary");
    assert.equal(await (await session.find("explain-denied-action")).text(), "s3:ListBucket");
    await (await session.find("explain-denied-review")).click();
    await session.waitFor("permissions-diff");
    assert.match(await (await session.find("permissions-diff")).text(), /actions = \["s3:ListBucket"\]/);
    await (await session.find("permissions-confirm")).click();
    await session.waitFor("explain-denied-applied");
    assert.match(readFileSync(manifest, "utf8"), /actions = \["s3:ListBucket"\]\nresources = \["uploads"\]/);

    // Invoke again, same run: allowed now, and the handler answers as before.
    await (await session.find("run-invoke")).click();
    await session.waitFor("run-response-status", { timeout: 30_000 });
    assert.equal(await (await session.find("run-response-status")).text(), "HTTP 200");
    assert.deepEqual(JSON.parse(await (await session.find("run-response-body")).text()), { width: 320, height: 180 });
    shot("functory-local-aws");

    await (await session.find("run-stop")).click();
    await session.waitUntil(async () => (await (await session.find("run-status")).text()) === "Stopped", { what: "the run to stop" });
  } catch (error) {
    if (session) {
      try {
        shot("local-aws-failure");
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
