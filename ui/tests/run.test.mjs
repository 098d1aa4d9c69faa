// Run & Logs against the real local runtime (real `node` and `python3` processes behind the
// local Lambda Runtime API and HTTP gateway): start/stop, events (samples, saved, malformed),
// invoke with its result and logs, cold then warm, function and init errors, a port another
// program holds, schedules, the live log pane's filters, and a function logging a flood of
// lines that must not freeze the window.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';

import { copySample, openApp, screenshot, tid, waitUntil } from './support/app.mjs';

/**
 * The tests' additions to a copy of the sample, as a user's own code would be: `resize` throws
 * the message of an event's `throw` field (to show a handler error), and a `chatty` function
 * logs `lines` lines `bursts` times, `every_ms` apart.
 */
function prepareProject({ listsUploads = false } = {}) {
  const dir = copySample();
  if (listsUploads) writeListingCode(dir);
  const resize = join(dir, 'src', 'resize.mjs');
  writeFileSync(
    resize,
    readFileSync(resize, 'utf8').replace(
      'export const handler = async (event, context) => {\n',
      'export const handler = async (event, context) => {\n  if (typeof event.throw === "string") throw new TypeError(event.throw);\n',
    ),
  );
  writeFileSync(
    join(dir, 'src', 'chatty.mjs'),
    `// chatty: logs \`lines\` lines \`bursts\` times, \`every_ms\` apart.
export const handler = async ({ bursts = 1, lines = 1, every_ms = 0, text = "line" } = {}) => {
  for (let burst = 0; burst < bursts; burst += 1) {
    for (let i = 1; i <= lines; i += 1) console.log(\`\${text} \${burst} \${i} of \${lines}\`);
    if (every_ms > 0) await new Promise((resolve) => setTimeout(resolve, every_ms));
  }
  return { logged: bursts * lines };
};
`,
  );
  writeFileSync(
    join(dir, 'functory.toml'),
    `${readFileSync(join(dir, 'functory.toml'), 'utf8')}\n[functions.chatty]\nruntime = "nodejs20.x"\nhandler = "src/chatty.handler"\nmemory_mb = 256\ntimeout_s = 60\n`,
  );
  return dir;
}

/**
 * For the AccessDenied test: `resize` lists the uploads bucket with the AWS SDK for JavaScript
 * v3 (the one Lambda provides, from the SDK cache) when an event asks (`{"list": true}`); the
 * sample declares the bucket as a resource, so the run starts the local AWS services (a real
 * emulator) with it. resize's permissions do not grant s3:ListBucket.
 */
function writeListingCode(dir) {
  const resize = join(dir, 'src', 'resize.mjs');
  writeFileSync(
    resize,
    `import { S3Client, ListObjectsV2Command } from "@aws-sdk/client-s3";\n\nconst s3 = new S3Client({});\n${readFileSync(resize, 'utf8').replace(
      'export const handler = async (event, context) => {\n',
      'export const handler = async (event, context) => {\n  if (event.list) return { keys: ((await s3.send(new ListObjectsV2Command({ Bucket: "uploads" }))).Contents ?? []).map((o) => o.Key) };\n',
    )}`,
  );
}

/** Opens a prepared copy of the sample on the Run view with the event editor loaded. */
async function openRun(t, options) {
  const project = prepareProject(options);
  const app = await openApp({ open: project });
  t.after(app.close);
  await app.page.waitForSelector(tid('project-tree'));
  await app.page.click(tid('nav-run'));
  await app.page.waitForSelector(`${tid('run-event-editor')} .cm-content`);
  return app;
}

/** The local run's address, as the run view shows it. */
async function runningAt(page) {
  await page.waitForSelector('[data-testid="run-status"][data-running="true"]');
  return /^Running at (http:\/\/127\.0\.0\.1:\d+)$/.exec(await page.textContent(tid('run-status')))[1];
}

/** The event editor's text, as CodeMirror holds it. */
async function eventText(page) {
  return page.locator(`${tid('run-event-editor')} .cm-content`).evaluate((content) =>
    Array.from(content.closest('.cm-editor').querySelectorAll('.cm-line'), (line) => line.textContent).join('\n'),
  );
}

/** Replaces the event editor's text by typing, as a user does. */
async function typeEvent(page, text) {
  await page.click(`${tid('run-event-editor')} .cm-content`);
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  // CodeMirror closes brackets as they are typed: insert the text whole instead.
  await page.keyboard.insertText(text);
}

async function chooseSample(page, kind) {
  const value = await page
    .locator(`${tid('run-event-picker')} option[data-kind="${kind}"]`)
    .first()
    .getAttribute('value');
  await page.selectOption(tid('run-event-picker'), value);
}

/** The text of every line in the live log pane. */
async function logLines(page) {
  return page.locator(`${tid('run-logs-lines')} .log-message`).allTextContents();
}

test('invoke the HTTP sample: response, figures, cold then warm, the invocation logs and the live pane', async (t) => {
  const app = await openRun(t);
  const { page, calls, errors } = app;
  assert.equal(await page.textContent(tid('run-status')), 'Stopped');
  assert.equal(await page.inputValue(tid('run-function')), 'resize');
  // The live pane subscribed before anything ran, so no early line can be missed.
  assert.ok(calls('subscribe_logs').length >= 1, 'subscribed on open');
  assert.equal(calls('start_run').length, 0);

  await chooseSample(page, 'http');
  assert.match(await eventText(page), /"routeKey": "GET \/resize"/);
  await page.fill(tid('run-port'), '0');
  await page.click(tid('run-invoke'));
  await page.waitForSelector(tid('run-result'));

  // Invoking started the run with the port typed; the run view says where it serves.
  assert.deepEqual(calls('start_run'), ['start_run {"port":0}']);
  const url = await runningAt(page);

  assert.equal(await page.textContent(tid('run-response-status')), 'HTTP 200');
  assert.deepEqual(JSON.parse(await page.textContent(tid('run-response-body'))), { width: 320, height: 180 });
  assert.equal(await page.getAttribute(tid('run-start-badge'), 'data-start'), 'cold');
  assert.equal(await page.textContent(tid('run-start-badge')), 'Cold start');
  assert.match(await page.textContent(tid('run-duration')), /^\d+\.\d+ ms$/);
  assert.match(await page.textContent(tid('run-billed')), /^\d+ ms$/);
  // The instance's own peak memory, as the runtime measured it, out of the function's 512 MB.
  const [, used] = /^(\d+) \/ 512 MB$/.exec(await page.textContent(tid('run-memory'))) ?? [];
  assert.ok(Number(used) > 0 && Number(used) < 512, `memory used: ${used}`);
  assert.match(await page.textContent(tid('run-init')), /^\d+\.\d+ ms$/);
  const invocationLogs = await page.textContent(tid('run-invocation-logs'));
  assert.match(invocationLogs, /^START RequestId: [0-9a-f-]+ Version: \$LATEST\n/);
  assert.match(invocationLogs, /\tINFO\tthumbnail/);
  assert.match(invocationLogs, /\nEND RequestId: /);
  assert.match(invocationLogs, /\nREPORT RequestId: .*Init Duration: /);
  const firstRequest = await page.getAttribute(tid('run-result'), 'data-request-id');

  // The same lines reach the live pane, batched.
  await page.waitForFunction(
    (id) => [...document.querySelectorAll('[data-testid="run-logs-lines"] .log-message')].some((l) => l.textContent.startsWith(`REPORT RequestId: ${id}`)),
    firstRequest,
  );
  const lines = await logLines(page);
  assert.ok(lines.some((l) => l.startsWith('START RequestId:')));
  assert.ok(lines.some((l) => l.startsWith('END RequestId:')));

  // Ctrl+Enter in the editor invokes again: warm now, no init.
  await page.click(`${tid('run-event-editor')} .cm-content`);
  await page.keyboard.press('Control+Enter');
  await page.waitForFunction((id) => document.querySelector('[data-testid="run-result"]')?.dataset.requestId !== id, firstRequest);
  assert.equal(await page.getAttribute(tid('run-start-badge'), 'data-start'), 'warm');
  assert.equal(await page.textContent(tid('run-init')), '—');
  assert.match(await eventText(page), /"routeKey"/, 'Ctrl+Enter did not edit the event');
  assert.equal(calls('invoke_function').length, 2);

  // The instances table shows the warm instance and the counts.
  await page.waitForSelector('[data-testid="run-instances-resize"][data-warm="1"]');
  // Function, starting, warm, busy, invokes, cold starts, errors.
  assert.deepEqual(await page.locator(`${tid('run-instances-resize')} > *`).allTextContents(), ['resize', '0', '1', '0', '2', '1', '0']);

  // The route's local URL, with a copy button; it answers a real request.
  assert.equal(await page.textContent(tid('run-route-url-0')), `${url}/resize`);
  const served = await fetch(`${url}/resize?width=640&height=480`);
  assert.equal(served.status, 200);
  assert.deepEqual(await served.json(), { width: 320, height: 240 });
  await page.click(tid('run-copy-url-0'));
  await page.waitForSelector(tid('run-copied'));
  await screenshot(page, 'run-invoked');

  await page.click(tid('run-stop'));
  await page.waitForSelector('[data-testid="run-status"][data-running="false"]');
  assert.equal(await page.textContent(tid('run-status')), 'Stopped');
  await page.waitForSelector(tid('run-side-stopped'));
  await assert.rejects(fetch(`${url}/resize`), 'nothing serves the port once stopped');
  assert.deepEqual(errors, []);
});

test('malformed events, handler errors and init errors are shown clearly', async (t) => {
  const app = await openRun(t);
  const { page, calls, project } = app;
  await page.fill(tid('run-port'), '0');

  await typeEvent(page, '{\n  "width": 10,\n  height: 3\n}');
  await page.click(tid('run-invoke'));
  await page.waitForSelector(tid('run-event-error'));
  assert.match(await page.textContent(tid('run-event-error')), /^the event is not valid JSON: line 3, column 3: /);
  // The broken spot is underlined in the editor, and nothing was started.
  await page.waitForSelector(`${tid('run-event-editor')} .cm-lintRange-error`);
  assert.equal(calls('start_run').length, 0);
  assert.equal(await page.locator(tid('run-result')).count(), 0);

  // A handler that throws: its type, message and stack trace.
  await typeEvent(page, '{"throw": "width must be a number"}');
  await page.waitForSelector(tid('run-event-error'), { state: 'detached' });
  await page.click(tid('run-invoke'));
  await page.waitForSelector(tid('run-function-error'));
  assert.equal(await page.textContent(tid('run-error-type')), 'TypeError');
  assert.equal(await page.textContent(tid('run-error-message')), 'width must be a number');
  // The stack trace points into the project's own file, at the line that threw.
  assert.match(await page.textContent(tid('run-stack-trace')), new RegExp(`^TypeError: width must be a number\\n\\s+at handler \\(file://${project}/src/resize\\.mjs:7:\\d+\\)`));
  assert.equal(await page.getAttribute(tid('run-function-error'), 'data-init'), 'false');
  assert.equal(await page.textContent(tid('run-outcome')), ' Failed');

  // A handler whose module imports one that is gone: Lambda's init error, named as Lambda names
  // it. (A handler file that is not there at all is a manifest error, and the function is not
  // started: the CLI's tests show that message.)
  writeFileSync(join(project, 'src', 'ghost.mjs'), 'import "./gone.mjs";\nexport const handler = async () => "never";\n');
  await page.click(tid('nav-functions'));
  await page.click(tid('tree-item-functory.toml'));
  await page.waitForSelector('[data-testid="editor"][data-path="functory.toml"] .cm-content');
  await page.click('[data-testid="editor"] .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText('\n[functions.ghost]\nruntime = "nodejs20.x"\nhandler = "src/ghost.handler"\n');
  await page.keyboard.press('Control+s');
  await page.waitForSelector('[data-testid="tab-dirty-functory.toml"]', { state: 'detached' });
  await page.click(tid('nav-run'));
  await page.waitForSelector(`${tid('run-function')} option[value="ghost"]`, { state: 'attached' });
  // The running project was read before the edit: the view says so and offers a restart, and
  // invoking the new function before restarting says why it cannot.
  await page.waitForSelector(tid('run-manifest-changed'));
  await page.selectOption(tid('run-function'), 'ghost');
  await page.click(tid('run-invoke'));
  await page.waitForSelector(tid('run-invoke-error'));
  assert.match(await page.textContent(tid('run-invoke-error')), /no function `ghost` in the running project; if you just added it to functory\.toml, restart the local run/);
  await page.click(tid('run-restart'));
  await page.waitForSelector(tid('run-manifest-changed'), { state: 'detached' });
  await page.click(tid('run-invoke'));
  await page.waitForSelector('[data-testid="run-function-error"][data-init="true"]');
  assert.equal(await page.textContent(tid('run-error-type')), 'Runtime.ImportModuleError');
  assert.match(await page.textContent(tid('run-function-error')), /could not start/);
  assert.equal(await page.locator(tid('run-invoke-error')).count(), 0);
  await screenshot(page, 'run-init-error');
});

test('a busy port is explained and a free one is one click away', async (t) => {
  // Another program holds a loopback port.
  const holder = createServer();
  await new Promise((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => holder.close(resolve)));
  const busy = holder.address().port;
  const app = await openRun(t);
  const { page, calls } = app;
  assert.equal(await page.inputValue(tid('run-port')), '8787', 'the first run is offered 8787');
  await page.fill(tid('run-port'), String(busy));
  await page.click(tid('run-start'));
  await page.waitForSelector(tid('run-error'));
  assert.equal(await page.getAttribute(tid('run-error'), 'data-code'), 'port_in_use');
  assert.match(await page.textContent(tid('run-error')), new RegExp(`port ${busy} is already in use`));
  assert.equal(await page.textContent(tid('run-status')), 'Stopped');
  await page.click(tid('run-use-free-port'));
  const url = await runningAt(page);
  assert.notEqual(new URL(url).port, String(busy));
  assert.deepEqual(calls('start_run'), [`start_run {"port":${busy}}`, 'start_run {"port":0}']);
  assert.equal(await page.locator(tid('run-error')).count(), 0);
  assert.equal(await page.inputValue(tid('run-port')), '0');
  assert.equal(await page.isDisabled(tid('run-port')), true, 'the port is fixed while running');
});

test('schedules show their next fire times and fire now; declared buckets show their folders', async (t) => {
  const app = await openRun(t);
  const { page, calls, project } = app;
  await page.fill(tid('run-port'), '0');
  await page.click(tid('run-start'));
  await page.waitForSelector(tid('run-schedule-report'));
  const schedule = await page.textContent(tid('run-schedule-report'));
  assert.match(schedule, /cron\(0 18 \? \* MON-FRI \*\)/);
  assert.match(schedule, /Europe\/Paris/);
  assert.equal(await page.locator(`${tid('run-schedule-report')} ol li`).count(), 5);
  // The sample's buckets are the local AWS services' own, each mirrored in a folder.
  await page.waitForSelector(tid('run-aws-folder-uploads'));
  assert.match(await page.textContent(tid('run-aws-folder-uploads')), new RegExp(`${project}/\\.functory/local/buckets/uploads$`));
  assert.match(await page.textContent(tid('run-aws-folder-thumbs')), new RegExp(`${project}/\\.functory/local/buckets/thumbs$`));
  assert.equal(await page.locator(tid('run-buckets')).count(), 0, 'no bucket of the local runtime alone');

  await page.click(tid('run-fire-report'));
  await page.waitForFunction(() => document.querySelector('[data-testid="run-result"]')?.textContent.includes('report ·'));
  assert.deepEqual(calls('fire_schedule'), ['fire_schedule {"function":"report"}']);
  const response = JSON.parse(await page.textContent(tid('run-response')));
  assert.equal(response.function, 'report');
  assert.match(response.scheduled_at, /^\d{4}-\d\d-\d\dT/);
});

test('sample events per trigger kind, and saved events per function', async (t) => {
  const app = await openRun(t);
  const { page, calls } = app;
  // The samples come from the host after the view opens; wait for the last built-in one.
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[data-testid="run-event-picker"] option')].some((o) => o.textContent.startsWith('Storage —')),
  );
  const labels = await page.locator(`${tid('run-event-picker')} option`).allTextContents();
  assert.deepEqual(labels.slice(0, 4), ['Choose a sample or saved event…', 'Direct — empty event', 'HTTP — GET /resize', 'Storage — upload to uploads']);
  // Then the other shapes, in their own group, built from the function's trigger settings.
  assert.equal(await page.locator(`${tid('run-event-picker')} optgroup[label^="Other event shapes"] option`).count(), labels.length - 4);
  assert.ok(labels.includes('S3 object removed (Delete)'), labels.join(' | '));
  await page.selectOption(tid('run-event-picker'), { label: 'S3 object removed (Delete)' });
  assert.match(await eventText(page), /"eventName": "ObjectRemoved:Delete"[\s\S]*"name": "uploads"/);

  await chooseSample(page, 'storage');
  assert.match(await eventText(page), /"key": "example\.jpg"/);
  await typeEvent(page, '{"queryStringParameters": {"width": "640", "height": "480"}}');
  await page.fill(tid('run-event-name'), 'vga');
  await page.click(tid('run-event-save'));
  await page.waitForSelector(`${tid('run-event-picker')} option[value="saved:vga"]`, { state: 'attached' });
  assert.equal(await page.inputValue(tid('run-event-picker')), 'saved:vga');
  assert.deepEqual(calls('save_event'), ['save_event {"function":"resize","name":"vga","event":"{\\"queryStringParameters\\": {\\"width\\": \\"640\\", \\"height\\": \\"480\\"}}"}']);

  // Another function has its own events and its own editor text; coming back restores both.
  await page.selectOption(tid('run-function'), 'report');
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[data-testid="run-event-picker"] option')].some((o) => o.textContent.startsWith('Schedule —')),
  );
  assert.equal(await page.locator(`${tid('run-event-picker')} option[value="saved:vga"]`).count(), 0);
  assert.equal(await eventText(page), '{}');
  await page.selectOption(tid('run-function'), 'resize');
  await page.waitForSelector(`${tid('run-event-picker')} option[value="saved:vga"]`, { state: 'attached' });
  assert.match(await eventText(page), /"width": "640"/);

  // Loading a saved event, invoking it, then deleting it.
  await chooseSample(page, 'direct');
  assert.equal(await eventText(page), '{}');
  await page.selectOption(tid('run-event-picker'), 'saved:vga');
  assert.match(await eventText(page), /"height": "480"/);
  await page.fill(tid('run-port'), '0');
  await page.click(tid('run-invoke'));
  await page.waitForSelector(tid('run-response-body'));
  assert.deepEqual(JSON.parse(await page.textContent(tid('run-response-body'))), { width: 320, height: 240 });
  await page.click(tid('run-event-delete'));
  await page.waitForSelector(`${tid('run-event-picker')} option[value="saved:vga"]`, { state: 'detached' });
  assert.deepEqual(calls('delete_saved_event'), ['delete_saved_event {"function":"resize","name":"vga"}']);

  // A bad name is refused with the host's words.
  await page.fill(tid('run-event-name'), '../escape');
  await page.click(tid('run-event-save'));
  await page.waitForSelector(tid('run-events-error'));
  assert.match(await page.textContent(tid('run-events-error')), /must be 1 to 64 letters/);
});

test('the live log pane filters on the host, follows, clears and shows an invocation', async (t) => {
  const app = await openRun(t);
  const { page, calls, readFile } = app;
  const lineCount = (n) => page.waitForFunction((n) => document.querySelectorAll('[data-testid="run-logs-lines"] .log-line').length === n, n);
  await page.fill(tid('run-port'), '0');
  await chooseSample(page, 'http');
  await page.click(tid('run-invoke'));
  await page.waitForSelector(tid('run-result'));
  await page.click(tid('run-invoke'));
  await page.waitForSelector('[data-testid="run-start-badge"][data-start="warm"]');
  // The instance's INIT_START, then START, the handler's INFO line, END and REPORT twice.
  await lineCount(9);
  const lines = await logLines(page);
  assert.match(lines[0], /^INIT_START Runtime Version: nodejs24\.x/);
  // Without a Node.js 24 on this machine, the sample's nodejs24.x runs on its node, and says so.
  if (process.versions.node.split('.')[0] !== '24') {
    assert.match(lines[0], new RegExp(`Interpreter: Node\\.js ${process.versions.node.replaceAll('.', '\\.')} \\(node\\), not 24`));
    assert.match(await page.textContent(tid('run-interpreter')), /nodejs24\.x ran on Node\.js \d+/);
  }
  assert.deepEqual(
    lines.slice(1).map((l) => l.split(/[\s]/)[0].replace(/^\d{4}-.*$/, 'INFO')),
    ['START', 'INFO', 'END', 'REPORT', 'START', 'INFO', 'END', 'REPORT'],
  );

  // Level: only lines with a level of INFO or more (START/END/REPORT have none).
  await page.selectOption(tid('run-logs-level'), 'info');
  await lineCount(2);
  assert.ok(calls('subscribe_logs').some((c) => c.includes('"minLevel":"info"')));
  assert.ok((await logLines(page)).every((l) => l.includes('\tINFO\tthumbnail')));
  await page.selectOption(tid('run-logs-level'), '');

  // Text, debounced then sent to the host.
  await page.fill(tid('run-logs-filter'), 'REPORT');
  await lineCount(2);
  assert.ok(calls('subscribe_logs').some((c) => c.includes('"text":"REPORT"')));
  await page.fill(tid('run-logs-filter'), '');

  // "Show in logs" narrows the pane to the invocation's request.
  const requestId = await page.getAttribute(tid('run-result'), 'data-request-id');
  await page.click(tid('run-show-in-logs'));
  // The pane takes the request id in an effect after the click's render: wait for it.
  await page.waitForFunction(
    (id) => document.querySelector('[data-testid="run-logs-request"]')?.value === id,
    requestId,
  );
  assert.equal(await page.inputValue(tid('run-logs-request')), requestId);
  await lineCount(4);
  assert.ok((await logLines(page)).every((l) => l.includes(requestId)));
  await page.fill(tid('run-logs-request'), '');
  await lineCount(9);

  // Clear empties the pane; new lines still arrive while following.
  await page.click(tid('run-logs-clear'));
  assert.equal(await page.locator(`${tid('run-logs-lines')} .log-line`).count(), 0);
  await page.click(tid('run-invoke'));
  await lineCount(4);

  // Not following: the stored lines (all 13 the host kept), then nothing new.
  await page.uncheck(tid('run-logs-follow'));
  await page.waitForFunction(() => document.querySelector('[data-testid="run-logs-count"]')?.textContent === '13 lines (not following)');
  const before = await page.getAttribute(tid('run-result'), 'data-request-id');
  await page.click(tid('run-invoke'));
  await page.waitForFunction((id) => document.querySelector('[data-testid="run-result"]')?.dataset.requestId !== id, before);
  const latest = await page.getAttribute(tid('run-result'), 'data-request-id');
  // The host has the new lines (its log store on disk)…
  assert.match(readFile('.functory/local/logs/resize/events.log'), new RegExp(`REPORT RequestId: ${latest}`));
  await page.waitForTimeout(300); // several of the host's 50 ms batches
  // …and the pane, not following, did not take them; following again shows them.
  assert.equal(await page.textContent(tid('run-logs-count')), '13 lines (not following)');
  await page.check(tid('run-logs-follow'));
  await page.waitForFunction(() => document.querySelector('[data-testid="run-logs-count"]')?.textContent === '17 lines');

  // Every subscription but the current one was closed on the host.
  const subscribed = calls('subscribe_logs').length;
  const closed = calls('unsubscribe_logs').length;
  assert.ok(closed >= subscribed - 2, `${subscribed} subscribed, ${closed} closed`);
});

test('1,000 log lines a second neither freeze the window nor grow it without bound', async (t) => {
  const app = await openRun(t);
  const { page } = app;
  await page.fill(tid('run-port'), '0');
  await page.selectOption(tid('run-function'), 'chatty');
  // Two seconds of a function logging 1,000 lines a second in bursts of 50, while counting
  // the frames the page manages to draw meanwhile.
  await typeEvent(page, JSON.stringify({ bursts: 40, lines: 50, every_ms: 50, text: 'burst' }));
  const counted = page.evaluate(async () => {
    let frames = 0;
    let counting = true;
    const count = () => {
      frames += 1;
      if (counting) requestAnimationFrame(count);
    };
    requestAnimationFrame(count);
    const started = performance.now();
    // Until the invocation's result is shown, and a little after for the last batches.
    while (!document.querySelector('[data-testid="run-result"]')) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 300));
    counting = false;
    return { frames, elapsedMs: performance.now() - started };
  });
  await page.click(tid('run-invoke'));
  const { frames, elapsedMs } = await counted;
  assert.ok(elapsedMs > 2000, `the function logged for ${elapsedMs} ms`);
  const fps = (frames * 1000) / elapsedMs;
  assert.ok(fps >= 20, `only ${fps.toFixed(1)} frames a second while logging`);
  assert.deepEqual(JSON.parse(await page.textContent(tid('run-response'))), { logged: 2000 });
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[data-testid="run-logs-lines"] .log-message')].some((l) => l.textContent.endsWith('burst 39 50 of 50')),
  );
  // The 2,000 lines and the runtime's INIT_START, START, END and REPORT.
  await page.waitForFunction(() => document.querySelector('[data-testid="run-logs-count"]')?.textContent === '2004 lines');

  // Beyond the cap (5,000 lines, dropped a whole batch at a time from the front), the oldest
  // lines go and the newest stay.
  await typeEvent(page, JSON.stringify({ lines: 6000, text: 'flood' }));
  const burstRequest = await page.getAttribute(tid('run-result'), 'data-request-id');
  await page.click(tid('run-invoke'));
  await page.waitForFunction((id) => document.querySelector('[data-testid="run-result"]')?.dataset.requestId !== id, burstRequest);
  const floodRequest = await page.getAttribute(tid('run-result'), 'data-request-id');
  assert.deepEqual(JSON.parse(await page.textContent(tid('run-response'))), { logged: 6000 });
  await page.waitForFunction(
    (id) => [...document.querySelectorAll('[data-testid="run-logs-lines"] .log-message')].at(-1)?.textContent.startsWith(`REPORT RequestId: ${id}`),
    floodRequest,
  );
  const messages = await logLines(page);
  assert.ok(messages.length <= 5000, `${messages.length} lines shown`);
  assert.equal(await page.textContent(tid('run-logs-count')), `${messages.length} lines`);
  assert.ok(!messages.some((l) => /\tburst /.test(l)), 'the oldest lines went');
  assert.ok(messages.at(-3).endsWith('\tflood 0 6000 of 6000'), messages.at(-3));
  // What is kept is the newest lines, without a gap.
  const kept = messages.filter((l) => l.includes('\tflood 0 ')).map((l) => Number(/flood 0 (\d+) of/.exec(l)[1]));
  assert.deepEqual(kept, Array.from({ length: kept.length }, (_, i) => 6001 - kept.length + i));
  // Auto-scroll kept the newest line in view.
  const atBottom = await page.locator(tid('run-logs-lines')).evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 30);
  assert.ok(atBottom);
  await screenshot(page, 'run-log-flood');
});

test('the view and its state survive a visit to another area; closing the project stops the run', async (t) => {
  const app = await openRun(t);
  const { page, calls } = app;
  await page.fill(tid('run-port'), '0');
  await typeEvent(page, '{"kept": true}');
  await page.click(tid('run-invoke'));
  await page.waitForSelector(tid('run-result'));
  await page.keyboard.press('Control+1');
  await page.waitForSelector(tid('project-tree'), { state: 'visible' });
  await page.keyboard.press('Control+4');
  await page.waitForSelector(tid('run-result'), { state: 'visible' });
  assert.equal(await eventText(page), '{"kept": true}');
  assert.equal(calls('start_run').length, 1);
  const url = await runningAt(page);
  assert.equal((await fetch(`${url}/resize`)).status, 200);

  await page.click(tid('close-project'));
  await page.waitForSelector(tid('open-sample'));
  assert.equal(calls('close_project').length, 1);
  // The sample's run also stops its AWS services, which write their state first: the gateway
  // closes once the run is gone.
  await waitUntil(() => fetch(`${url}/resize`).then(() => false, () => true), 'the run stopped with the project');
  await page.click(tid('open-sample'));
  await page.click(tid('nav-run'));
  await page.waitForSelector('[data-testid="run-status"][data-running="false"]');
  assert.equal(await page.locator(tid('run-result')).count(), 0);
});

test('an AccessDenied in a result or a log line is explained, with the exact change after its diff', async (t) => {
  // resize's code lists the uploads bucket in the local AWS services, which its permissions do
  // not grant: the real SDK gets the real refusal.
  const app = await openRun(t, { listsUploads: true });
  const { page, calls, readFile } = app;
  await page.fill(tid('run-port'), '0');
  await typeEvent(page, '{"list": true}');
  await page.click(tid('run-invoke'));
  await page.waitForSelector(tid('run-function-error'), { timeout: 30_000 });
  assert.equal(await page.textContent(tid('run-error-type')), 'AccessDenied');
  assert.match(await page.textContent(tid('run-error-message')), /user\/resize is not authorized to perform: s3:ListBucket/);

  // The run shows its AWS services: the endpoint, that permissions are enforced, the bucket.
  await page.waitForSelector(tid('run-aws'));
  assert.match(await page.textContent(tid('run-aws-endpoint')), /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(await page.getAttribute(tid('run-aws-enforced'), 'data-enforced'), 'true');
  assert.match(await page.textContent(tid('run-aws-resource-uploads')), /bucket\s*uploads[\s\S]*arn:aws:s3:::uploads/);

  // Next to the error: the refused action, the call that makes it, and the change.
  await page.click(tid('explain-denied-button'));
  await page.waitForSelector(tid('explain-denied-summary'));
  assert.equal(await page.textContent(tid('explain-denied-action')), 's3:ListBucket');
  assert.match(await page.textContent(tid('explain-denied-summary')), /s3:ListBucket/);
  assert.equal(await page.locator(tid('explain-denied-call')).count(), 1);
  assert.deepEqual(calls('explain_access_denied').length, 1);
  await page.click(tid('explain-denied-review'));
  assert.match(await page.textContent(tid('permissions-diff')), /\+actions = \["s3:ListBucket"\]/);
  await page.click(tid('permissions-confirm'));
  await page.waitForSelector(tid('explain-denied-applied'));
  const manifest = readFile('functory.toml');
  assert.match(manifest, /actions = \["s3:ListBucket"\]\nresources = \["uploads"\]/);
  assert.equal(calls('set_permissions').length, 1);
  assert.match(manifest, /actions = \["s3:GetObject"\]/, 'the other grants stay');

  // Invoked again, without restarting the run: the call is allowed now.
  await page.click(tid('run-invoke'));
  await page.waitForFunction(() => document.querySelector('[data-testid="run-response"]')?.textContent.includes('keys'));
  assert.deepEqual(JSON.parse(await page.textContent(tid('run-response'))), { keys: [] });

  // "Reset local data": asked first, then the run stops and the services' state is gone.
  await page.click(tid('run-aws-reset'));
  await page.click(tid('run-aws-reset-confirm'));
  await page.waitForSelector(tid('run-side-stopped'));
  assert.equal(calls('reset_local_data').length, 1);
  assert.equal(existsSync(join(app.project, '.functory', 'local', 'aws')), false);

  // The same refusal in the live log pane has its own Explain.
  await page.locator(tid('run-log-explain')).first().click();
  await page.waitForSelector(tid('log-explain-button'));
  await page.click(tid('log-explain-button'));
  await page.waitForSelector(tid('log-explain-summary'));
  assert.equal(await page.textContent(tid('log-explain-action')), 's3:ListBucket');
  await page.click(tid('run-log-explain-close'));
  assert.equal(await page.locator(tid('run-log-explanation')).count(), 0);
});

test('how the run differs on AWS Lambda: the project\'s and the chosen function\'s differences, each with what to do', async (t) => {
  const { page, calls } = await openRun(t);
  await page.selectOption(tid('run-function'), 'report');
  await page.click(tid('run-fidelity-toggle'));
  await page.waitForSelector(tid('run-fidelity-item'));
  const items = await page
    .locator(tid('run-fidelity-item'))
    .evaluateAll((rows) => rows.map((r) => `${r.dataset.function}:${r.dataset.area}`));
  // The sample declares its buckets: the run starts the AWS services, and the report says
  // which IAM checks they leave out.
  assert.ok(items.includes(':permissions'), items.join(' '));
  assert.ok(items.includes(':limits'), items.join(' '));
  assert.ok(items.includes('report:sdk'), items.join(' '));
  assert.ok(!items.some((i) => i.startsWith('resize:')), 'only the chosen function: ' + items.join(' '));
  assert.match(await page.textContent(tid('run-fidelity')), /resource policies, permission boundaries[\s\S]*→ before the first deploy, audit the target's account/);
  assert.deepEqual(calls('fidelity_report').at(-1), 'fidelity_report {"function":"report"}');

  // Another function: its own differences.
  await page.selectOption(tid('run-function'), 'resize');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="run-fidelity-item"]')].some((r) => r.dataset.function === 'resize'));
});

test('the Run view switches the local AWS services and their permission checks for the next run', async (t) => {
  // resize lists the uploads bucket, which its permissions do not grant.
  const app = await openRun(t, { listsUploads: true });
  const { page, calls } = app;
  await page.fill(tid('run-port'), '0');
  assert.equal(await page.inputValue(tid('run-aws-services')), 'auto');
  assert.equal(await page.isChecked(tid('run-enforce')), true);

  // Enforcement off: the run says so, and the call goes through.
  await page.uncheck(tid('run-enforce'));
  await waitUntil(() => calls('set_run_switches').length === 1, 'the switch reaches the host');
  assert.deepEqual(calls('set_run_switches'), ['set_run_switches {"switches":{"awsServices":null,"enforcePermissions":false}}']);
  await page.click(tid('run-start'));
  await page.waitForSelector('[data-testid="run-aws-enforced"][data-enforced="false"]');
  assert.match(await page.textContent(tid('run-aws-enforced')), /Permissions are not enforced/);
  assert.equal(await page.isDisabled(tid('run-enforce')), true, 'a running run keeps its switches');
  await typeEvent(page, '{"list": true}');
  await page.click(tid('run-invoke'));
  await page.waitForFunction(() => document.querySelector('[data-testid="run-response"]')?.textContent.includes('keys'));
  assert.deepEqual(JSON.parse(await page.textContent(tid('run-response'))), { keys: [] });

  // Services off: the next run starts none, though the sample declares buckets.
  await page.click(tid('run-stop'));
  await page.waitForSelector(tid('run-start'));
  await page.selectOption(tid('run-aws-services'), 'off');
  assert.equal(await page.isDisabled(tid('run-enforce')), true, 'nothing to enforce without the services');
  await page.click(tid('run-start'));
  await page.waitForSelector(tid('run-stop'));
  await runningAt(page);
  assert.equal(await page.locator(tid('run-aws')).count(), 0);
  // The choice is the host's: a fresh view reads it back.
  await page.reload();
  await page.click(tid('nav-run'));
  await waitUntil(async () => (await page.inputValue(tid('run-aws-services'))) === 'off', 'the view reads the switch back');
});
