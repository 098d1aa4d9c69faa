// End-to-end test of accounts and history in the real app, with a real Secret Service
// (gnome-keyring in a private D-Bus session, started by scripts/test.sh): add an account in the
// Accounts view and see it listed without its secret; the secret is in the keychain (read back
// with secret-tool, independently of the app); a checkpoint from the History view lands in git;
// a local invoke from Run & Logs starts a real node instance. Then the canary sweep: the secret
// is in no file under the app's data dirs or the project (its git history included, and the
// app's log at debug level), not in the environment of any app process (the function's runtime
// process included), and not in the page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session, pidsOf, startDriver } from "./webdriver.mjs";

const binary = process.env.FUNCTORY_APP_BINARY;

function filesUnder(dir) {
  const files = [];
  const walk = (path) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return;
    }
    if (stat.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
    else if (stat.isFile()) files.push(path);
  };
  walk(dir);
  return files;
}

function descendants(root) {
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
  const pids = [root];
  for (let i = 0; i < pids.length; i++) pids.push(...(byParent.get(pids[i]) ?? []));
  return pids;
}

test("real app: an account in the keychain, a checkpoint, a local invoke, and a secret that leaks nowhere", { timeout: 240_000 }, async () => {
  assert.ok(binary, "FUNCTORY_APP_BINARY must point at the built app");
  const canary = `CANARY${process.pid}wJalrXUtnFEMIK7MDENG`;
  const home = mkdtempSync(join(tmpdir(), "functory-e2e-accounts-"));
  const env = {
    XDG_DATA_HOME: join(home, "data"),
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_CACHE_HOME: join(home, "cache"),
    // Log every command with its arguments: the secret must not reach the log even so.
    FUNCTORY_LOG: "debug",
  };
  const sampleDir = join(env.XDG_DATA_HOME, "dev.functory.app", "samples", "thumbnails");
  const logFile = join(env.XDG_DATA_HOME, "dev.functory.app", "logs", "functory.log");
  const driver = await startDriver({ env });
  let session;
  try {
    session = await Session.start(driver.url, binary);
    await (await session.waitFor("open-sample")).click();
    await session.waitFor("project-name");

    // --- add an AWS account in the Accounts view ---------------------------------------------
    await (await session.waitFor("nav-accounts")).click();
    await (await session.waitFor("account-add")).click();
    await (await session.waitFor("account-field-name")).type("e2e-dev");
    await (await session.find("account-field-accessKeyId")).type("AKIAIOSFODNN7EXAMPLE");
    await (await session.find("account-field-secretAccessKey")).type(canary);
    await (await session.find("account-field-region")).type("eu-west-1");
    await (await session.find("account-save")).click();
    const row = await session.waitFor("account-e2e-dev");
    assert.match(await row.text(), /AKIAIOSFODNN7EXAMPLE/);
    assert.ok(!(await session.source()).includes(canary), "the secret is not in the page");

    // The secret is in the Secret Service, under this build's namespace.
    const stored = execFileSync("secret-tool", ["lookup", "service", "dev.functory.app.debug", "username", "account:e2e-dev"], {
      encoding: "utf8",
    });
    assert.ok(stored.includes(canary), "secret-tool reads the secret back from the Secret Service");

    // --- a checkpoint from the History view ----------------------------------------------------
    await (await session.find("nav-history")).click();
    await (await session.waitFor("history-checkpoint-message")).type("e2e checkpoint");
    await (await session.find("history-checkpoint")).click();
    await session.waitFor("history-checkpoint-result");
    const commits = execFileSync("git", ["log", "--format=%s"], { cwd: sampleDir, encoding: "utf8" });
    assert.equal(commits, "e2e checkpoint\n");

    // --- a local invoke from Run & Logs: a real node process runs the handler -------------------
    await (await session.find("nav-run")).click();
    await (await session.waitFor("run-invoke")).click();
    await session.waitFor("run-result", { timeout: 30_000 });

    // --- the canary sweep ------------------------------------------------------------------------
    const appPid = pidsOf(binary)[0];
    assert.ok(appPid, "the app is running");
    const commandLines = descendants(appPid).map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8");
      } catch {
        return "";
      }
    });
    assert.ok(
      commandLines.some((line) => line.split("\0")[0].endsWith("node")),
      "the invoke left a warm node instance among the app's processes, so its environment is swept too",
    );
    for (const pid of descendants(appPid)) {
      let environ = "";
      try {
        environ = readFileSync(`/proc/${pid}/environ`, "utf8");
      } catch {
        continue;
      }
      assert.ok(!environ.includes(canary), `process ${pid} has the secret in its environment`);
    }
    const log = readFileSync(logFile, "utf8");
    assert.match(log, /DEBUG .*add_account.*AKIAIOSFODNN7EXAMPLE.*<redacted>/, "the debug log records the call, secret redacted");
    for (const file of filesUnder(home)) {
      assert.ok(!readFileSync(file).includes(canary), `${file} contains the secret`);
    }
    const history = execFileSync("git", ["log", "-p", "--all"], { cwd: sampleDir, encoding: "utf8" });
    assert.ok(!history.includes(canary), "the secret is not in the project's git history");
  } finally {
    // The app and everything it started (its local run's instances, and the local AWS services
    // the sample's declared buckets start): listed before any of them goes.
    const started = pidsOf(binary).flatMap((pid) => descendants(pid));
    await session?.end();
    await driver.stop();
    for (const pid of new Set([...started, ...pidsOf(binary)])) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
});
