// Startup benchmark: time from launching the app to a usable window with the sample project
// open (the UI reports `ui_ready` once the project's tree and functions are rendered and the app
// prints "functory: ready"), and the PSS of the whole process tree (app + WebKit processes)
// a moment later. Runs under one Xvfb display; each run gets fresh data dirs.
//
//   xvfb-run -a -s "-screen 0 1280x800x24" node bench/startup.mjs BINARY [RUNS]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const binary = process.argv[2];
const runs = Number(process.argv[3] ?? 5);
if (!binary) {
  console.error("usage: node bench/startup.mjs BINARY [RUNS]");
  process.exit(2);
}

function children() {
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
  return byParent;
}

function tree(root) {
  const byParent = children();
  const pids = [root];
  for (let i = 0; i < pids.length; i++) pids.push(...(byParent.get(pids[i]) ?? []));
  return pids;
}

function processName(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return `pid ${pid}`;
  }
}

function pssKb(pid) {
  try {
    const match = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(/^Pss:\s+(\d+) kB/m);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

async function once() {
  const home = mkdtempSync(join(tmpdir(), "functory-bench-"));
  const env = {
    ...process.env,
    XDG_DATA_HOME: join(home, "data"),
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_CACHE_HOME: join(home, "cache"),
  };
  const started = performance.now();
  const app = spawn(binary, ["--sample"], { env, stdio: ["ignore", "pipe", "inherit"] });
  const readyMs = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no ready line within 30 s")), 30_000);
    let buffer = "";
    app.stdout.on("data", (chunk) => {
      buffer += chunk;
      if (buffer.includes("functory: ready")) {
        clearTimeout(timer);
        resolve(performance.now() - started);
      }
    });
    app.once("exit", (code) => reject(new Error(`app exited with ${code} before it was ready`)));
  });
  // Let the WebKit processes settle before reading memory.
  await sleep(1500);
  const pids = tree(app.pid);
  const perProcess = pids.map((pid) => ({ name: processName(pid), mb: pssKb(pid) / 1024 }));
  const pssMb = perProcess.reduce((sum, p) => sum + p.mb, 0);
  app.kill("SIGTERM");
  await new Promise((resolve) => (app.exitCode !== null ? resolve() : app.once("exit", resolve)));
  // WebKit's helper processes outlive the app by a moment and keep writing their caches: wait
  // for the whole tree to be gone before removing this run's folders.
  const alive = (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let waited = 0; pids.some(alive) && waited < 5000; waited += 50) await sleep(50);
  rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  return { readyMs, pssMb, processes: pids.length, perProcess };
}

const results = [];
for (let i = 0; i < runs; i++) {
  const result = await once();
  results.push(result);
  console.log(
    `run ${i + 1}: ready in ${result.readyMs.toFixed(0)} ms, PSS ${result.pssMb.toFixed(0)} MB over ${result.processes} processes (${result.perProcess.map((p) => `${p.name} ${p.mb.toFixed(0)}`).join(', ')})`,
  );
}
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const ready = results.map((r) => r.readyMs);
const pss = results.map((r) => r.pssMb);
console.log(
  `\nstartup to usable window: median ${median(ready).toFixed(0)} ms (min ${Math.min(...ready).toFixed(0)}, max ${Math.max(...ready).toFixed(0)}) — goal ≤ 1000 ms`,
);
console.log(
  `PSS of app + WebKit processes: median ${median(pss).toFixed(0)} MB (min ${Math.min(...pss).toFixed(0)}, max ${Math.max(...pss).toFixed(0)}) — goal ≤ 330 MB`,
);
