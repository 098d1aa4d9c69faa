// The trigger designer against the real backend: the canvas drawn from functory.toml, adding a
// trigger from the menu and the side form (inline checks, schedule preview), the manifest text
// on disk after the edit, deleting with Delete and undoing with Ctrl+Z, and edges that say what
// each trigger needs and who grants it.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { copySample, openApp, screenshot, tid, waitUntil } from './support/app.mjs';


async function openTriggers(t, options = { sample: true }) {
  const app = await openApp(options);
  t.after(app.close);
  const { page } = app;
  await page.waitForSelector(tid('project-tree'));
  await page.click(tid('nav-triggers'));
  await page.waitForSelector(`${tid('function-node')}[data-function="report"]`);
  return app;
}

const triggerNode = (fn, kind) => `${tid('trigger-node')}[data-function="${fn}"][data-kind="${kind}"]`;


test('the canvas draws the manifest: triggers, functions, destinations and what edges imply', async (t) => {
  const { page, errors } = await openTriggers(t);
  assert.equal(await page.locator(tid('function-node')).count(), 2);
  assert.equal(await page.locator(tid('trigger-node')).count(), 3);
  assert.equal(await page.locator(triggerNode('resize', 'http')).textContent().then((s) => s.includes('GET /resize')), true);
  assert.match(await page.textContent(triggerNode('report', 'schedule')), /cron\(0 18 \? \* MON-FRI \*\) · Europe\/Paris/);
  // `s3:PutObject` on arn:aws:s3:::thumbs/* makes the bucket a destination of resize; the sample
  // declares it, so it is drawn as that resource, as is the uploads bucket that feeds the
  // storage trigger.
  assert.equal(await page.locator(`${tid('resource-node')}[data-kind="bucket"][data-name="thumbs"]`).count(), 1);
  assert.equal(await page.locator(`${tid('destination-node')}[data-name="thumbs"]`).count(), 0);
  assert.equal(await page.locator(`${tid('resource-node')}[data-kind="bucket"][data-name="uploads"]`).count(), 1);
  // The storage edge implies a resource policy for S3 with the bucket as SourceArn.
  const storageEdge = page.locator(`${tid('permission-edge')}[data-trigger^="trigger:resize:storage:"]`);
  assert.equal(await storageEdge.getAttribute('data-status'), 'deploy');
  assert.match(await storageEdge.getAttribute('title'), /lets s3\.amazonaws\.com call lambda:InvokeFunction for arn:aws:s3:::uploads/);
  await screenshot(page, 'triggers-canvas');
  assert.deepEqual(errors, []);
});

test('adding a schedule from the keyboard menu: inline checks, next fire times, and the manifest text', async (t) => {
  const { page, calls, errors, readFile } = await openTriggers(t);
  // The "Add trigger" menu works from the keyboard: Enter opens it, arrows move, Enter picks.
  await page.focus(tid('add-trigger'));
  await page.keyboard.press('Enter');
  await page.waitForSelector(tid('add-trigger-http'));
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'add-trigger-http');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'add-trigger-schedule');
  await page.keyboard.press('Enter');
  await page.waitForSelector(tid('trigger-form'));
  assert.equal(await page.locator(`${tid('trigger-node')}[data-draft="true"][data-kind="schedule"]`).count(), 1);

  await page.selectOption(tid('trigger-field-function'), 'report');
  // A malformed rate is refused next to its field, and nothing can be saved.
  await page.fill(tid('trigger-field-expression'), 'rate(5 minute)');
  await page.waitForSelector(tid('trigger-error-expression'));
  assert.match(await page.textContent(tid('trigger-error-expression')), /rate\(5 minutes\)/);
  assert.equal(await page.isDisabled(tid('trigger-save')), true);
  // Fixed: five fire times in the chosen zone.
  await page.fill(tid('trigger-field-expression'), 'rate(1 minute)');
  await page.fill(tid('trigger-field-timezone'), 'Mars/Olympus');
  await page.waitForSelector(tid('trigger-error-timezone'));
  await page.fill(tid('trigger-field-timezone'), 'Europe/Paris');
  await page.waitForSelector(tid('trigger-next-fires'));
  assert.equal(await page.locator(tid('trigger-next-fire')).count(), 5);
  assert.match(await page.textContent(tid('trigger-next-fires')), /Europe\/Paris/);
  assert.equal(await page.locator(tid('trigger-error-expression')).count(), 0);
  await screenshot(page, 'triggers-form');
  await page.click(tid('trigger-save'));
  await page.waitForSelector(tid('trigger-form'), { state: 'detached' });
  await page.waitForSelector(`${triggerNode('report', 'schedule')}[data-index="1"]`);
  assert.deepEqual(calls('apply_manifest_edit'), [
    'apply_manifest_edit {"edit":{"kind":"addTrigger","function":"report","trigger":{"kind":"schedule","expression":"rate(1 minute)","timezone":"Europe/Paris"}}}',
  ]);
  // The new section follows report's schedule; every other line, comments included, is as it was.
  const text = readFile('functory.toml');
  assert.match(
    text,
    /timezone = "Europe\/Paris"\n\n\[\[functions\.report\.triggers\]\]\nkind = "schedule"\nexpression = "rate\(1 minute\)"\ntimezone = "Europe\/Paris"\n?$/,
  );
  assert.match(text, /^expression = "cron\(0 18 \? \* MON-FRI \*\)" {3}# weekdays at 18:00$/m);
  assert.match(text, /^suffix = "\.jpg" {3}# only JPEGs get thumbnails$/m);
  assert.deepEqual(errors, []);
});

test('a route another function owns is refused inline; an overlapping one is a warning', async (t) => {
  const { page, calls } = await openTriggers(t);
  await page.click(tid('palette-http'));
  await page.waitForSelector(tid('trigger-form'));
  await page.selectOption(tid('trigger-field-function'), 'report');
  await page.fill(tid('trigger-field-path'), '/resize');
  await page.waitForSelector(tid('trigger-error-path'));
  assert.match(await page.textContent(tid('trigger-error-path')), /already the route `GET \/resize` of `resize`/);
  assert.equal(await page.isDisabled(tid('trigger-save')), true);
  await page.selectOption(tid('trigger-field-method'), 'ANY');
  await page.fill(tid('trigger-field-path'), '/{proxy+}');
  await page.waitForSelector(tid('trigger-warning-path'));
  assert.match(await page.textContent(tid('trigger-warning-path')), /overlaps `GET \/resize` of `resize`/);
  assert.equal(await page.isDisabled(tid('trigger-save')), false, 'a warning does not block saving');
  // Overlapping bucket rules are refused like AWS refuses them.
  await page.selectOption(tid('trigger-field-kind'), 'storage');
  await page.fill(tid('trigger-field-bucket'), 'uploads');
  await page.fill(tid('trigger-field-suffix'), 'thumb.jpg');
  await page.waitForSelector(tid('trigger-error-prefix') + ', ' + tid('trigger-error-suffix'));
  assert.match(await page.locator('[data-testid^="trigger-error-"]').first().textContent(), /overlaps the rule of `resize` on bucket `uploads`/);
  assert.deepEqual(calls('apply_manifest_edit'), []);
});

test('Delete removes a selected trigger from functory.toml and Ctrl+Z brings it back', async (t) => {
  const { page, calls, readFile } = await openTriggers(t);
  // Keyboard only: a node is focusable, Enter selects it and opens its form, Delete deletes it.
  // Enter goes to the focused node, so it is pressed once the node holds the focus (the canvas
  // may still be settling from its first drawing on a loaded machine).
  const node = page.locator(triggerNode('resize', 'http')).locator('xpath=..');
  await waitUntil(async () => {
    if (await node.evaluate((element) => element === document.activeElement)) return true;
    // A node drawn again takes the focus anew, as a user's Tab would give it.
    await node.focus();
    return false;
  }, 'the resize http node holds the focus');
  await page.keyboard.press('Enter');
  await page.waitForSelector(tid('trigger-form'));
  assert.equal(await page.inputValue(tid('trigger-field-path')), '/resize');
  await page.locator(triggerNode('resize', 'http')).locator('xpath=..').focus();
  await page.keyboard.press('Delete');
  await page.waitForSelector(triggerNode('resize', 'http'), { state: 'detached' });
  assert.deepEqual(calls('apply_manifest_edit'), ['apply_manifest_edit {"edit":{"kind":"removeTrigger","function":"resize","index":0}}']);
  assert.match(await page.textContent(tid('triggers-notice')), /Ctrl\+Z/);
  await page.keyboard.press('Control+z');
  await page.waitForSelector(triggerNode('resize', 'http'));
  assert.equal(calls('apply_manifest_edit').length, 2);
  assert.deepEqual(JSON.parse(calls('apply_manifest_edit')[1].slice('apply_manifest_edit '.length)), {
    edit: { kind: 'addTrigger', function: 'resize', trigger: { kind: 'http', method: 'GET', path: '/resize', auth: null, payload_version: null } },
  });
  const text = readFile('functory.toml');
  assert.match(text, /\[\[functions\.resize\.triggers\]\]\nkind = "http"\nmethod = "GET"\npath = "\/resize"/);
});

test('a queue edge says the deploy grants the role statement, and a Deny in the permissions shows red', async (t) => {
  const project = copySample();
  const { page, calls } = await openTriggers(t, { open: project });
  await page.click(tid('add-trigger'));
  await page.click(tid('add-trigger-queue'));
  await page.selectOption(tid('trigger-field-function'), 'report');
  await page.fill(tid('trigger-field-queue'), 'jobs');
  await page.fill(tid('trigger-field-batch_size'), 'ten');
  await page.waitForSelector(tid('trigger-error-batch_size'));
  assert.equal(await page.isDisabled(tid('trigger-save')), true);
  await page.fill(tid('trigger-field-batch_size'), '');
  await page.waitForSelector(tid('trigger-error-batch_size'), { state: 'detached' });
  // What the trigger needs, as the Rust side says: the role statement the deploy adds.
  await page.waitForSelector(`${tid('trigger-form-permission')}[data-status="deploy"]`);
  assert.match(await page.textContent(tid('trigger-form-permission')), /FunctoryQueueTriggers: sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes on arn:aws:sqs:\*:\*:jobs/);
  await page.click(tid('trigger-save'));
  const edge = `${tid('permission-edge')}[data-trigger="trigger:report:queue:jobs"]`;
  await page.waitForSelector(`${edge}[data-status="deploy"]`);
  assert.match(await page.getAttribute(edge, 'title'), /Lambda polls arn:aws:sqs:\*:\*:jobs with the function's role/);
  assert.equal(calls('apply_manifest_edit').filter((c) => c.includes('addPermission')).length, 0, 'nothing for the manifest to add');
  // A Deny of the function's own cancels the deploy's Allow: the edge says so.
  writeFileSync(
    join(project, 'functory.toml'),
    readFileSync(join(project, 'functory.toml'), 'utf8') +
      '\n[[functions.report.permissions]]\neffect = "Deny"\nactions = ["sqs:*"]\nresources = ["*"]\n',
  );
  await page.click(tid('nav-functions'));
  await page.click(tid('reload-project'));
  await page.click(tid('nav-triggers'));
  await page.waitForSelector(`${edge}[data-status="denied"]`);
  assert.match(await page.getAttribute(edge, 'title'), /denies sqs:ReceiveMessage on arn:aws:sqs:\*:\*:jobs/);
});

test('a trigger dragged from the palette lands where it is dropped, and positions are remembered', async (t) => {
  const { page, calls } = await openTriggers(t);
  await page.dragAndDrop(tid('palette-queue'), tid('triggers-canvas'), { targetPosition: { x: 200, y: 500 } });
  await page.waitForSelector(tid('trigger-form'));
  assert.equal(await page.locator(`${tid('trigger-node')}[data-draft="true"][data-kind="queue"]`).count(), 1);
  await page.click(tid('trigger-close'));
  // Moving a node saves the layout through the host.
  const node = page.locator(triggerNode('report', 'schedule'));
  const box = await node.boundingBox();
  await page.mouse.move(box.x + 20, box.y + 10);
  await page.mouse.down();
  await page.mouse.move(box.x + 60, box.y + 90, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => true);
  await page.waitForTimeout(100);
  const saved = calls('save_canvas_layout');
  assert.ok(saved.length >= 1, 'the layout was saved');
  assert.match(saved.at(-1), /"id":"trigger:report:schedule:cron\(0 18 \? \* MON-FRI \*\)"/);
  // Back on the canvas later, the node is where it was left.
  await page.click(tid('nav-functions'));
  await page.click(tid('nav-triggers'));
  await page.waitForSelector(triggerNode('report', 'schedule'));
  const again = await page.locator(triggerNode('report', 'schedule')).boundingBox();
  assert.ok(Math.abs(again.y - box.y) > 30, `the node stayed moved: ${box.y} → ${again.y}`);
});

test('a project without functions gets an empty state that leads to the Functions area', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'functory-ui-assets-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const app = await openApp({ open: folder });
  t.after(app.close);
  const { page } = app;
  await page.click(tid('nav-triggers'));
  await page.waitForSelector(tid('triggers-no-manifest'));
  await page.click(tid('nav-functions'));
  await page.click(tid('init-manifest'));
  await page.waitForSelector(tid('no-manifest'), { state: 'detached' });
  await page.click(tid('nav-triggers'));
  await page.waitForSelector(tid('triggers-empty'));
  await page.click(tid('triggers-empty-go-functions'));
  await page.waitForSelector(tid('nav-functions') + '[aria-current="page"]');
});

test('editing functory.toml by hand redraws the canvas', async (t) => {
  const { page } = await openTriggers(t);
  assert.equal(await page.locator(triggerNode('report', 'queue')).count(), 0);
  await page.click(tid('nav-functions'));
  await page.click(tid('tree-item-functory.toml'));
  await page.waitForSelector('[data-testid="editor"][data-path="functory.toml"] .cm-content');
  await page.click('[data-testid="editor"] .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText('\n[[functions.report.triggers]]\nkind = "queue"\nqueue = "by-hand"\n');
  await page.keyboard.press('Control+s');
  await page.waitForSelector(tid('tab-dirty-functory.toml'), { state: 'detached' });
  await page.click(tid('nav-triggers'));
  await page.waitForSelector(triggerNode('report', 'queue'));
  assert.match(await page.textContent(triggerNode('report', 'queue')), /by-hand/);
});

test('choosing another function in the form moves the trigger: removed from one, added to the other', async (t) => {
  const { page, calls, readFile } = await openTriggers(t);
  await page.click(triggerNode('resize', 'storage'));
  await page.waitForSelector(tid('trigger-form'));
  await page.selectOption(tid('trigger-field-function'), 'report');
  await page.waitForSelector(tid('trigger-move-note'));
  await page.waitForSelector(`${tid('trigger-save')}:not([disabled])`);
  await page.click(tid('trigger-save'));
  await page.waitForSelector(triggerNode('report', 'storage'));
  assert.equal(await page.locator(triggerNode('resize', 'storage')).count(), 0);
  assert.deepEqual(
    calls('apply_manifest_edit').map((c) => JSON.parse(c.slice('apply_manifest_edit '.length))),
    [
      { edit: { kind: 'removeTrigger', function: 'resize', index: 1 } },
      { edit: { kind: 'addTrigger', function: 'report', trigger: { kind: 'storage', bucket: 'uploads', prefix: null, suffix: '.jpg', events: null } } },
    ],
  );
  const text = readFile('functory.toml');
  assert.match(text, /\[\[functions\.report\.triggers\]\]\nkind = "storage"\nbucket = "uploads"\nsuffix = "\.jpg"\n$/);
  assert.doesNotMatch(text, /only JPEGs/, 'the moved section took its own comment with it');
  assert.match(text, /# weekdays at 18:00/);
});

test('a function node shows its security findings, and leads to the Security view for the rest', async (t) => {
  const project = copySample();
  writeFileSync(
    join(project, 'functory.toml'),
    readFileSync(join(project, 'functory.toml'), 'utf8') + '\n[[functions.report.permissions]]\nactions = ["s3:*"]\nresources = ["*"]\n',
  );
  const { page } = await openTriggers(t, { open: project });
  const report = `${tid('function-node')}[data-function="report"]`;
  await page.waitForSelector(`${report} ${tid('function-node-findings')}`);
  // The real linter and analyzer on `s3:*` on every resource, which no code of report calls.
  assert.match(await page.textContent(`${report} ${tid('function-node-findings')}`), /4 findings/);
  await page.click(`${report} ${tid('function-node-findings')}`);
  const codes = await page.locator(`${report} ${tid('function-node-finding')}`).evaluateAll((items) => items.map((i) => i.dataset.code));
  assert.deepEqual([...codes].sort(), ['IAM202', 'IAM207', 'IAM210', 'LPA002']);
  // None of these fixes is safe to apply unseen: no one-click fix on the canvas.
  assert.equal(await page.locator(`${report} ${tid('function-node-fix')}`).count(), 0);
  await page.locator(`${report} ${tid('function-node-review')}`).first().click();
  await page.waitForSelector(tid('nav-security') + '[aria-current="page"]');
});

test('a public function URL: its edge shows the resource policy it implies and the linter finding', async (t) => {
  const { page } = await openTriggers(t);
  await page.click(tid('palette-url'));
  await page.waitForSelector(tid('trigger-form'));
  await page.selectOption(tid('trigger-field-function'), 'resize');
  await page.selectOption(tid('trigger-field-auth'), 'none');
  await page.waitForSelector(tid('trigger-warning-auth'));
  assert.match(await page.textContent(tid('trigger-form-permission')), /anyone \(principal \*\) call lambda:InvokeFunctionUrl, on the condition lambda:FunctionUrlAuthType = NONE/);
  await page.click(tid('trigger-save'));
  const edge = `${tid('permission-edge')}[data-trigger="trigger:resize:url"]`;
  await page.waitForSelector(`${edge}[data-status="public"]`);
  assert.match(await page.textContent(edge), /anyone may invoke \(auth NONE\)/);
  await page.waitForSelector(`${edge} ${tid('permission-edge-finding')}[data-code="LMB001"]`);
  // LMB001 joins the analyzer's two LPA002 findings on the sample's unused grants.
  assert.match(await page.textContent(`${tid('function-node')}[data-function="resize"] ${tid('function-node-findings')}`), /3 findings/);
});

test('destinations come from what the code writes (the analyzer) as well as from the permissions', async (t) => {
  // resize's code writes thumbnails (to the bucket its permissions grant) and audit messages
  // (to a queue nothing grants).
  const project = copySample();
  const code = join(project, 'src', 'resize.mjs');
  writeFileSync(
    code,
    `import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";
import { SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";

const s3 = new S3Client({});
const sqs = new SQSClient({});

${readFileSync(code, 'utf8')}
export async function store(key, body) {
  await s3.send(new PutObjectCommand({ Bucket: process.env.THUMBS_BUCKET, Key: key, Body: body }));
  await sqs.send(new SendMessageCommand({ QueueUrl: "audit", MessageBody: key }));
}
`,
  );
  const { page } = await openTriggers(t, { open: project });
  // thumbs is declared in the sample: the resource's node says who writes to it.
  const thumbs = page.locator(`${tid('resource-node')}[data-kind="bucket"][data-name="thumbs"]`);
  await thumbs.waitFor();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="resource-node"][data-name="thumbs"]')?.dataset.sources === 'permission code',
  );
  assert.match(await thumbs.textContent(), /written by the code, granted/);
  const audit = page.locator(`${tid('destination-node')}[data-kind="queue"][data-name="audit"]`);
  await audit.waitFor();
  assert.equal(await audit.getAttribute('data-sources'), 'code');
  assert.match(await audit.textContent(), /written by the code, not granted/);
});

test('resources are nodes: drawn from functory.toml, fed into the triggers that name them, added from the menu, refused with the field, edited, deleted and undone', async (t) => {
  const { page, calls, errors, readFile } = await openTriggers(t);
  // The sample declares its two buckets: uploads feeds the storage trigger that names it (a
  // dashed edge into the trigger's node); thumbs takes resize's writes.
  await page.waitForSelector(`${tid('resource-node')}[data-name="uploads"]`);
  assert.equal(await page.locator(tid('resource-node')).count(), 2);
  await page.waitForSelector('.react-flow__edge.feeds-edge', { state: 'attached' });
  const feeds = await page.locator('.react-flow__edge.feeds-edge').getAttribute('data-testid');
  assert.match(feeds, /^rf__edge-feeds:uploads:trigger:resize:storage:uploads\/\*\.jpg$/);
  assert.match(await page.textContent(`${tid('resource-node')}[data-name="thumbs"]`), /granted, not written by the code/);

  // A count that is not a number is refused in the form, naming the field; nothing is written.
  await page.click(tid('add-resource'));
  await page.click(tid('add-resource-queue'));
  await page.waitForSelector(tid('resource-form'));
  await page.fill(tid('resource-field-visibilityTimeoutS'), 'soon');
  await page.click(tid('resource-save'));
  await page.waitForSelector(tid('resource-save-error'));
  assert.match(await page.textContent(tid('resource-save-error')), /resources\.new-queue\.visibility_timeout_s: a whole number/);
  assert.doesNotMatch(readFile('functory.toml'), /new-queue/);
  await page.click(tid('resource-close'));

  // A table without a key is refused by the manifest's own rule, naming the field; nothing is written.
  await page.click(tid('add-resource'));
  await page.click(tid('add-resource-table'));
  await page.waitForSelector(tid('resource-form'));
  assert.equal(await page.inputValue(tid('resource-field-name')), 'new-table');
  await page.fill(tid('resource-field-name'), 'orders');
  await page.fill(tid('resource-field-partitionKey'), '');
  await page.click(tid('resource-save'));
  await page.waitForSelector(tid('resource-save-error'));
  assert.match(await page.textContent(tid('resource-save-error')), /resources\.orders.*partition_key/);
  assert.doesNotMatch(readFile('functory.toml'), /resources\.orders/);
  await page.fill(tid('resource-field-partitionKey'), 'orderId');
  await page.selectOption(tid('resource-field-stream'), 'new_and_old_images');
  await page.click(tid('resource-save'));
  await page.waitForSelector(`${tid('resource-node')}[data-name="orders"]`);
  assert.match(readFile('functory.toml'), /\n\[resources\.orders\]\nkind = "table"\npartition_key = "orderId"\nstream = "new_and_old_images"\n/);
  assert.match(await page.textContent(`${tid('resource-node')}[data-name="orders"]`), /key orderId · stream/);

  // Clicking a node opens its form; a change is saved in place.
  await page.click(`${tid('resource-node')}[data-name="orders"]`);
  await page.waitForSelector(tid('resource-form'));
  assert.equal(await page.isDisabled(tid('resource-field-name')), true, 'a declared name is not edited in place');
  await page.selectOption(tid('resource-field-billing'), 'provisioned');
  await page.click(tid('resource-save'));
  await waitUntil(() => /\[resources\.orders\][^[]*billing = "provisioned"/.test(readFile('functory.toml')), 'billing saved');

  // Keyboard only: Enter on the focused node selects it and opens its form; Delete removes it
  // from functory.toml; Ctrl+Z brings it back.
  const uploads = page.locator(`${tid('resource-node')}[data-name="uploads"]`).locator('xpath=..');
  await waitUntil(async () => {
    if (await uploads.evaluate((element) => element === document.activeElement)) return true;
    await uploads.focus();
    return false;
  }, 'the uploads node holds the focus');
  await page.keyboard.press('Enter');
  await waitUntil(async () => (await page.inputValue(tid('resource-field-name'))) === 'uploads', 'the uploads form opens');
  await uploads.focus();
  await page.keyboard.press('Delete');
  await page.waitForSelector(`${tid('resource-node')}[data-name="uploads"]`, { state: 'detached' });
  assert.doesNotMatch(readFile('functory.toml'), /resources\.uploads/);
  assert.match(readFile('functory.toml'), /bucket = "uploads"/, 'the trigger naming it stays');
  assert.equal(await page.locator('.react-flow__edge.feeds-edge').count(), 0, 'an undeclared bucket feeds nothing drawn');
  assert.match(await page.textContent(tid('triggers-notice')), /Ctrl\+Z/);
  await page.keyboard.press('Control+z');
  await page.waitForSelector(`${tid('resource-node')}[data-name="uploads"]`);
  assert.match(readFile('functory.toml'), /\n\[resources\.uploads\]\nkind = "bucket"\n/);
  const edits = calls('apply_manifest_edit').map((c) => JSON.parse(c.slice('apply_manifest_edit '.length)).edit.kind);
  assert.deepEqual(edits, ['setResource', 'setResource', 'setResource', 'removeResource', 'setResource']);
  await screenshot(page, 'triggers-resources');
  assert.deepEqual(errors, []);
});
