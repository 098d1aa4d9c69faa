// Run & Logs on the mock platform: start/stop, events (samples, saved, malformed), invoke with
// its result and logs, cold then warm, function and init errors, a busy port, schedules, the
// live log pane's filters, and a flood of log lines that must not freeze the window.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { openApp, screenshot, tid } from './support/app.mjs';


/** Opens the sample on the Run view with the event editor loaded. */
async function openRun(query = '?open=sample') {
  const app = await openApp(server.url, { query });
  await app.page.waitForSelector(tid('project-tree'));
  await app.page.click(tid('nav-run'));
  await app.page.waitForSelector(`${tid('run-event-editor')} .cm-content`);
  return app;
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
  const app = await openRun();
  t.after(app.close);
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
  await page.waitForSelector('[data-testid="run-status"][data-running="true"]');
  assert.match(await page.textContent(tid('run-status')), /^Running at http:\/\/127\.0\.0\.1:\d+$/);

  assert.equal(await page.textContent(tid('run-response-status')), 'HTTP 200');
  assert.deepEqual(JSON.parse(await page.textContent(tid('run-response-body'))), { width: 320, height: 180 });
  assert.equal(await page.getAttribute(tid('run-start-badge'), 'data-start'), 'cold');
  assert.equal(await page.textContent(tid('run-start-badge')), 'Cold start');
  assert.match(await page.textContent(tid('run-duration')), /^\d+\.\d+ ms$/);
  assert.match(await page.textContent(tid('run-billed')), /^\d+ ms$/);
  assert.equal(await page.textContent(tid('run-memory')), '48 / 512 MB');
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
  assert.match(await page.textContent(tid('run-instances-resize')), /resize0102/);

  // The route's local URL, with a copy button.
  assert.match(await page.textContent(tid('run-route-url-0')), /^http:\/\/127\.0\.0\.1:\d+\/resize$/);
  await page.click(tid('run-copy-url-0'));
  await page.waitForSelector(tid('run-copied'));
  await screenshot(page, 'run-invoked');

  await page.click(tid('run-stop'));
  await page.waitForSelector('[data-testid="run-status"][data-running="false"]');
  assert.equal(await page.textContent(tid('run-status')), 'Stopped');
  await page.waitForSelector(tid('run-side-stopped'));
  assert.deepEqual(errors, []);
});

test('malformed events, handler errors and init errors are shown clearly', async (t) => {
  const app = await openRun();
  t.after(app.close);
  const { page, calls } = app;
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
  assert.match(await page.textContent(tid('run-stack-trace')), /at Runtime\.handler \(file:\/\/.*src\/resize\.mjs/);
  assert.equal(await page.getAttribute(tid('run-function-error'), 'data-init'), 'false');
  assert.equal(await page.textContent(tid('run-outcome')), ' Failed');

  // A handler whose module is gone: Lambda's init error, named as Lambda names it.
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
  await page.selectOption(tid('run-function'), 'ghost');
  await page.click(tid('run-invoke'));
  await page.waitForSelector('[data-testid="run-function-error"][data-init="true"]');
  assert.equal(await page.textContent(tid('run-error-type')), 'Runtime.ImportModuleError');
  assert.match(await page.textContent(tid('run-function-error')), /could not start/);
  // The running project was read before the edit: the view says so and offers a restart.
  await page.waitForSelector(tid('run-manifest-changed'));
  await screenshot(page, 'run-init-error');
});

test('a busy port is explained and a free one is one click away', async (t) => {
  const app = await openRun('?open=sample&busy-port=8787');
  t.after(app.close);
  const { page, calls } = app;
  assert.equal(await page.inputValue(tid('run-port')), '8787');
  await page.click(tid('run-start'));
  await page.waitForSelector(tid('run-error'));
  assert.equal(await page.getAttribute(tid('run-error'), 'data-code'), 'port_in_use');
  assert.match(await page.textContent(tid('run-error')), /port 8787 is already in use/);
  assert.equal(await page.textContent(tid('run-status')), 'Stopped');
  await page.click(tid('run-use-free-port'));
  await page.waitForSelector('[data-testid="run-status"][data-running="true"]');
  assert.deepEqual(calls('start_run'), ['start_run {"port":8787}', 'start_run {"port":0}']);
  assert.equal(await page.locator(tid('run-error')).count(), 0);
  assert.equal(await page.inputValue(tid('run-port')), '0');
  assert.equal(await page.isDisabled(tid('run-port')), true, 'the port is fixed while running');
});

test('schedules show their next fire times and fire now; buckets show their folders', async (t) => {
  const app = await openRun();
  t.after(app.close);
  const { page, calls } = app;
  await page.fill(tid('run-port'), '0');
  await page.click(tid('run-start'));
  await page.waitForSelector(tid('run-schedule-report'));
  const schedule = await page.textContent(tid('run-schedule-report'));
  assert.match(schedule, /cron\(0 18 \? \* MON-FRI \*\)/);
  assert.match(schedule, /Europe\/Paris/);
  assert.equal(await page.locator(`${tid('run-schedule-report')} ol li`).count(), 5);
  assert.match(await page.textContent(tid('run-buckets')), /uploads → resize \(\*\.jpg\)\s*\/mock\/thumbnails\/\.functory\/local\/buckets\/uploads/);

  await page.click(tid('run-fire-report'));
  await page.waitForFunction(() => document.querySelector('[data-testid="run-result"]')?.textContent.includes('report ·'));
  assert.deepEqual(calls('fire_schedule'), ['fire_schedule {"function":"report"}']);
  const response = JSON.parse(await page.textContent(tid('run-response')));
  assert.equal(response.function, 'report');
  assert.match(response.scheduled_at, /^\d{4}-\d\d-\d\dT/);
});

test('sample events per trigger kind, and saved events per function', async (t) => {
  const app = await openRun();
  t.after(app.close);
  const { page, calls } = app;
  const labels = await page.locator(`${tid('run-event-picker')} option`).allTextContents();
  assert.deepEqual(labels.slice(0, 4), ['Choose a sample or saved event…', 'Direct — empty event', 'HTTP — GET /resize', 'Storage — upload to uploads']);
  // Then the other shapes, in their own group, built from the function's trigger settings.
  assert.equal(await page.locator(`${tid('run-event-picker')} optgroup[label^="Other event shapes"] option`).count(), labels.length - 4);
  await chooseSample(page, 'more');
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
  const app = await openRun();
  t.after(app.close);
  const { page, calls } = app;
  await page.fill(tid('run-port'), '0');
  await chooseSample(page, 'http');
  await page.click(tid('run-invoke'));
  await page.waitForSelector(tid('run-result'));
  await page.click(tid('run-invoke'));
  await page.waitForSelector('[data-testid="run-start-badge"][data-start="warm"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-logs-lines"] .log-line').length === 8);

  // Level: only lines with a level of INFO or more (START/END/REPORT have none).
  await page.selectOption(tid('run-logs-level'), 'info');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-logs-lines"] .log-line').length === 2);
  assert.ok(calls('subscribe_logs').some((c) => c.includes('"minLevel":"info"')));
  assert.ok((await logLines(page)).every((l) => l.includes('\tINFO\t')));
  await page.selectOption(tid('run-logs-level'), '');

  // Text, debounced then sent to the host.
  await page.fill(tid('run-logs-filter'), 'REPORT');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-logs-lines"] .log-line').length === 2);
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
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-logs-lines"] .log-line').length === 4);
  await page.fill(tid('run-logs-request'), '');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-logs-lines"] .log-line').length === 8);

  // Clear empties the pane; new lines still arrive while following.
  await page.click(tid('run-logs-clear'));
  assert.equal(await page.locator(`${tid('run-logs-lines')} .log-line`).count(), 0);
  await page.click(tid('run-invoke'));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-logs-lines"] .log-line').length === 4);

  // Not following: the stored lines, then nothing new.
  await page.uncheck(tid('run-logs-follow'));
  await page.waitForFunction(() => document.querySelector('[data-testid="run-logs-count"]')?.textContent === '12 lines (not following)');
  await page.click(tid('run-invoke'));
  await page.waitForSelector(tid('run-result'));
  await page.waitForTimeout(300);
  assert.equal(await page.textContent(tid('run-logs-count')), '12 lines (not following)');

  // Every subscription but the current one was closed on the host.
  const subscribed = calls('subscribe_logs').length;
  const closed = calls('unsubscribe_logs').length;
  assert.ok(closed >= subscribed - 2, `${subscribed} subscribed, ${closed} closed`);
});

test('1,000 log lines a second neither freeze the window nor grow it without bound', async (t) => {
  const app = await openRun();
  t.after(app.close);
  const { page } = app;
  await page.waitForFunction(() => window.functoryMock !== undefined);
  // Two seconds of a function logging 1,000 lines a second in bursts of 50, while counting
  // the frames the page manages to draw meanwhile.
  const { frames, elapsedMs } = await page.evaluate(async () => {
    let frames = 0;
    let counting = true;
    const count = () => {
      frames += 1;
      if (counting) requestAnimationFrame(count);
    };
    requestAnimationFrame(count);
    const started = performance.now();
    for (let burst = 0; burst < 40; burst += 1) {
      window.functoryMock.writeLogLines('resize', 50, `burst ${burst}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    counting = false;
    return { frames, elapsedMs: performance.now() - started };
  });
  const fps = (frames * 1000) / elapsedMs;
  assert.ok(fps >= 20, `only ${fps.toFixed(1)} frames a second while logging`);
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[data-testid="run-logs-lines"] .log-message')].some((l) => l.textContent.endsWith('burst 39 50 of 50')),
  );
  assert.equal(await page.textContent(tid('run-logs-count')), '2000 lines');

  // Beyond the cap, the oldest lines go.
  await page.evaluate(() => window.functoryMock.writeLogLines('resize', 6000, 'flood'));
  await page.waitForFunction(() => document.querySelector('[data-testid="run-logs-count"]')?.textContent === '5000 lines');
  const shown = await page.locator(`${tid('run-logs-lines')} .log-line`).count();
  assert.equal(shown, 5000);
  // Auto-scroll kept the newest line in view.
  const atBottom = await page.locator(tid('run-logs-lines')).evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 30);
  assert.ok(atBottom);
  await screenshot(page, 'run-log-flood');
});

test('the view and its state survive a visit to another area; closing the project stops the run', async (t) => {
  const app = await openRun();
  t.after(app.close);
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

  await page.click(tid('close-project'));
  await page.waitForSelector(tid('open-sample'));
  assert.equal(calls('close_project').length, 1);
  await page.click(tid('open-sample'));
  await page.click(tid('nav-run'));
  await page.waitForSelector('[data-testid="run-status"][data-running="false"]');
  assert.equal(await page.locator(tid('run-result')).count(), 0);
});

test('an AccessDenied in a result or a log line is explained, with the exact change after its diff', async (t) => {
  const app = await openRun();
  t.after(app.close);
  const { page, calls } = app;
  // resize's code lists the uploads bucket, which its permissions do not grant.
  await page.click(tid('nav-functions'));
  await page.click(tid('tree-item-src/resize.mjs'));
  await page.waitForSelector('[data-testid="editor"][data-path="src/resize.mjs"] .cm-content');
  await page.click('[data-testid="editor"] .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.insertText('// await s3.send(new ListObjectsV2Command({ Bucket: "uploads" }));');
  await page.keyboard.press('Control+s');
  await page.waitForSelector(tid('tab-dirty-src/resize.mjs'), { state: 'detached' });

  await page.click(tid('nav-run'));
  await page.waitForSelector(`${tid('run-event-editor')} .cm-content`);
  await page.fill(tid('run-port'), '0');
  const refusal =
    'User: arn:aws:sts::123456789012:assumed-role/thumbnails-resize/resize is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::uploads';
  await typeEvent(page, JSON.stringify({ throw: refusal }));
  await page.click(tid('run-invoke'));
  await page.waitForSelector(tid('run-function-error'));

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
  const manifest = await page.evaluate(() => window.functoryMock.readFile('functory.toml'));
  assert.match(manifest, /actions = \["s3:ListBucket"\]\nresources = \["arn:aws:s3:::uploads"\]/);
  assert.match(manifest, /actions = \["s3:GetObject"\]/, 'the other grants stay');

  // The same refusal in the live log pane has its own Explain.
  await page.locator(tid('run-log-explain')).first().click();
  await page.waitForSelector(tid('log-explain-button'));
  await page.click(tid('log-explain-button'));
  await page.waitForSelector(tid('log-explain-summary'));
  assert.equal(await page.textContent(tid('log-explain-action')), 's3:ListBucket');
  await page.click(tid('run-log-explain-close'));
  assert.equal(await page.locator(tid('run-log-explanation')).count(), 0);
});
