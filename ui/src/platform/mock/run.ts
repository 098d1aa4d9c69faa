// The mock's local run: what functory-api's `local` module answers, without processes. The
// sample's two handlers are emulated (`resize` computes the thumbnail size, `report` returns its
// summary); any other function echoes its event. Invocations write Lambda's START / END /
// REPORT lines to an in-memory log that subscriptions read, batched every 50 ms as the host does.
//
// Test hooks: an event with a `"throw": "message"` field makes the handler throw a TypeError
// (with a stack trace); a handler file that does not exist fails init with
// Runtime.ImportModuleError, one without `handler` in it with Runtime.HandlerNotFound; ports in
// `busyPorts` are "in use". `writeLogLines` adds lines as a function logging heavily would.

import type { ApiError } from '../../bindings/ApiError';
import type { Function as FunctionModel } from '../../bindings/Function';
import type { InvocationResult } from '../../bindings/InvocationResult';
import type { LogBatch } from '../../bindings/LogBatch';
import type { LogLine } from '../../bindings/LogLine';
import type { LogQuery } from '../../bindings/LogQuery';
import type { Manifest } from '../../bindings/Manifest';
import type { RunStatus } from '../../bindings/RunStatus';
import type { SampleEvent } from '../../bindings/SampleEvent';
import type { SavedEvent } from '../../bindings/SavedEvent';

function fail(code: ApiError['code'], message: string): never {
  throw { code, message } satisfies ApiError;
}

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
const BATCH_WINDOW_MS = 50;
/** Lines kept per function, as the host's rotated files bound them. */
const KEPT_LINES = 20_000;

/** The level of a line in the Node (`time\tid\tLEVEL\tmessage`) or Python (`[LEVEL]\t…`) format. */
function levelOf(message: string): string | null {
  const python = /^\[([A-Z]+)\]/.exec(message);
  if (python) return LEVELS.includes(python[1]!) ? python[1]! : null;
  const fields = message.split('\t');
  if (fields.length >= 4 && /^\d{4}-/.test(fields[0]!)) {
    const level = fields[2]!.toUpperCase();
    return LEVELS.includes(level) ? level : null;
  }
  return null;
}

function parseLevel(text: string | null): number | null {
  if (text === null || text.trim() === '') return null;
  const upper = text.trim().toUpperCase();
  const aliases: Record<string, string> = { WARNING: 'WARN', LOG: 'INFO', CRITICAL: 'FATAL' };
  const index = LEVELS.indexOf(aliases[upper] ?? upper);
  if (index < 0) fail('invalid_input', `unknown level \`${text}\`; use trace, debug, info, warn, error or fatal`);
  return index;
}

/** As functory-api's `check_event`: the error names the line and column. */
export function checkEvent(text: string): void {
  try {
    JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    const offset = at ? Number(at[1]) : text.length;
    const before = text.slice(0, offset).split('\n');
    const line = before.length;
    const column = before[before.length - 1]!.length + 1;
    const reason = message.replace(/\s*(in JSON )?at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
    fail('invalid_input', `the event is not valid JSON: line ${line}, column ${column}: ${reason}`);
  }
}

export function uuid(): string {
  return crypto.randomUUID();
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

function httpSample(method: string, path: string): unknown {
  const concrete = path
    .split('/')
    .map((s) => (s.startsWith('{') && s.endsWith('}') ? 'example' : s))
    .join('/');
  const verb = method.toUpperCase() === 'ANY' ? 'GET' : method.toUpperCase();
  const routeKey = `${verb} ${path}`;
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey,
    rawPath: concrete,
    rawQueryString: '',
    headers: { accept: 'application/json', host: '127.0.0.1', 'user-agent': 'functory' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      http: { method: verb, path: concrete, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'functory' },
      requestId: 'sample-request',
      routeKey,
      stage: '$default',
      timeEpoch: 1735689600000,
    },
    isBase64Encoded: false,
  };
  const params = path
    .split('/')
    .filter((s) => s.startsWith('{') && s.endsWith('}'))
    .map((s) => s.slice(1, -1).replace(/\+$/, ''));
  if (params.length) event.pathParameters = Object.fromEntries(params.map((p) => [p, 'example']));
  if (['POST', 'PUT', 'PATCH'].includes(verb)) event.body = '{"hello":"world"}';
  return event;
}

function scheduledEvent(fn: string, at: string): unknown {
  return {
    version: '0',
    id: uuid(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: at,
    region: 'us-east-1',
    resources: [`arn:aws:events:us-east-1:123456789012:rule/${fn}-schedule`],
    detail: {},
  };
}

export function sampleEventsOf(fn: FunctionModel): SampleEvent[] {
  const samples: SampleEvent[] = [{ kind: 'direct', name: 'empty event', event: '{}' }];
  for (const t of fn.triggers) {
    switch (t.kind) {
      case 'http':
        samples.push({ kind: 'http', name: `${t.method} ${t.path}`, event: pretty(httpSample(t.method, t.path)) });
        break;
      case 'schedule':
        samples.push({ kind: 'schedule', name: t.expression, event: pretty(scheduledEvent(fn.name, '2025-01-01T00:00:00Z')) });
        break;
      case 'storage': {
        const key = `${t.prefix ?? ''}example${t.suffix ?? '.txt'}`;
        samples.push({
          kind: 'storage',
          name: `upload to ${t.bucket}`,
          event: pretty({
            Records: [
              {
                eventVersion: '2.1',
                eventSource: 'aws:s3',
                awsRegion: 'us-east-1',
                eventName: 'ObjectCreated:Put',
                s3: { bucket: { name: t.bucket, arn: `arn:aws:s3:::${t.bucket}` }, object: { key, size: 1024 } },
              },
            ],
          }),
        });
        break;
      }
      case 'queue':
        samples.push({
          kind: 'queue',
          name: `message on ${t.queue}`,
          event: pretty({
            Records: [{ messageId: uuid(), body: '{"hello":"world"}', eventSource: 'aws:sqs', eventSourceARN: `arn:aws:sqs:us-east-1:123456789012:${t.queue}` }],
          }),
        });
        break;
      case 'url':
        samples.push({ kind: 'url', name: 'function URL request', event: pretty({ ...(httpSample('GET', '/') as Record<string, unknown>), routeKey: '$default' }) });
        break;
      case 'stream':
        samples.push({
          kind: 'stream',
          name: `record on ${t.stream}`,
          event: pretty({ Records: [{ kinesis: { partitionKey: '1', data: 'SGVsbG8=' }, eventSource: 'aws:kinesis' }] }),
        });
        break;
    }
  }
  // The host then lists every other shape functory-formats knows (13–14 of them); the mock
  // stands in with two, built from the function's storage trigger when it has one.
  const storage = fn.triggers.find((t) => t.kind === 'storage');
  const bucket = storage?.kind === 'storage' ? storage.bucket : 'example-bucket';
  samples.push(
    {
      kind: 'more',
      name: 'S3 object removed (Delete)',
      event: pretty({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: bucket }, object: { key: 'example.txt' } } }] }),
    },
    {
      kind: 'more',
      name: 'Google Cloud Storage object finalized (CloudEvent)',
      event: pretty({
        specversion: '1.0',
        type: 'google.cloud.storage.object.v1.finalized',
        source: `//storage.googleapis.com/projects/_/buckets/${bucket}`,
        data: { bucket, name: 'example.txt' },
      }),
    },
  );
  return samples;
}

interface Counters {
  warm: number;
  invocations: number;
  coldStarts: number;
  errors: number;
}

interface Subscriber {
  query: LogQuery;
  minLevel: number | null;
  onBatch: (batch: LogBatch) => void;
  pending: LogLine[];
  timer: ReturnType<typeof setTimeout> | null;
  closed: boolean;
}

export interface MockProject {
  root: string;
  manifest: Manifest;
  manifestText: string;
  hasFile: (path: string) => boolean;
  readFile: (path: string) => string | undefined;
}

export class MockLocalRun {
  private running = false;
  private port = 8787;
  private lastPort = 8787;
  private startedRoot: string | null = null;
  private startedManifest = '';
  private readonly counters = new Map<string, Counters>();
  private readonly lines = new Map<string, LogLine[]>();
  private readonly subscribers = new Set<Subscriber>();
  /** Project root → function → name → event text. */
  private readonly saved = new Map<string, Map<string, Map<string, string>>>();

  constructor(private readonly busyPorts: Set<number>) {}

  // ---- the run ---------------------------------------------------------------------------

  start(project: MockProject, port: number | null): RunStatus {
    if (this.running && this.startedRoot === project.root) return this.status(project);
    const wanted = port ?? this.lastPort;
    this.lastPort = wanted;
    if (this.busyPorts.has(wanted)) {
      fail(
        'port_in_use',
        `port ${wanted} is already in use on 127.0.0.1 (another \`functory run\` or another program); choose another port, or 0 for any free port`,
      );
    }
    this.running = true;
    this.port = wanted === 0 ? 49213 : wanted;
    this.startedRoot = project.root;
    this.startedManifest = project.manifestText;
    this.counters.clear();
    return this.status(project);
  }

  stop(): RunStatus {
    this.running = false;
    this.startedRoot = null;
    this.counters.clear();
    return this.stopped();
  }

  /** The project was closed or another opened: its run and log tails end. */
  closeProject(): void {
    this.stop();
    for (const subscriber of this.subscribers) this.close(subscriber);
  }

  private stopped(): RunStatus {
    return {
      running: false,
      projectName: null,
      gatewayUrl: null,
      routes: [],
      schedules: [],
      buckets: [],
      queues: [],
      instances: [],
      problems: [],
      manifestChanged: false,
    };
  }

  status(project: MockProject | null): RunStatus {
    if (!this.running || project === null) return this.stopped();
    const { manifest } = project;
    const base = `http://127.0.0.1:${this.port}`;
    const status: RunStatus = { ...this.stopped(), running: true, projectName: manifest.projectName, gatewayUrl: base };
    for (const fn of manifest.functions) {
      for (const t of fn.triggers) {
        if (t.kind === 'http') status.routes.push({ method: t.method, path: t.path, url: `${base}${t.path}`, function: fn.name });
        if (t.kind === 'schedule') {
          if (!/^(rate|cron)\(.*\)$/.test(t.expression)) {
            status.problems.push(`function \`${fn.name}\`: \`${t.expression}\` is not a schedule expression: use rate(…) or cron(…)`);
            continue;
          }
          // Canned fire times: the next five days at 16:00 UTC.
          const next: string[] = [];
          const day = new Date();
          day.setUTCHours(16, 0, 0, 0);
          while (next.length < 5) {
            day.setUTCDate(day.getUTCDate() + 1);
            next.push(day.toISOString().replace('.000Z', 'Z'));
          }
          status.schedules.push({ function: fn.name, expression: t.expression, timezone: t.timezone ?? 'UTC', next });
        }
        if (t.kind === 'storage') {
          status.buckets.push({
            bucket: t.bucket,
            folder: `${project.root}/.functory/local/buckets/${t.bucket}`,
            function: fn.name,
            prefix: t.prefix,
            suffix: t.suffix,
          });
        }
        if (t.kind === 'queue') {
          status.queues.push({ queue: t.queue, function: fn.name, sendUrl: `${base}/_functory/queues/${t.queue}`, depth: 0, deadLetters: 0 });
        }
        if (t.kind === 'stream') {
          status.problems.push(`function \`${fn.name}\`: stream \`${t.stream}\` triggers do not run locally; invoke the function with a sample stream event instead`);
        }
      }
    }
    status.instances = manifest.functions
      .map((fn) => {
        const c = this.counters.get(fn.name) ?? { warm: 0, invocations: 0, coldStarts: 0, errors: 0 };
        return {
          function: fn.name,
          starting: 0,
          warm: c.warm,
          busy: 0,
          concurrencyLimit: 10,
          invocations: c.invocations,
          coldStarts: c.coldStarts,
          errors: c.errors,
          throttles: 0,
          timeouts: 0,
          warmInstances: Array.from({ length: c.warm }, (_, i) => ({ id: i + 1, pid: 41000 + i, provisioned: false, idleMs: 1200 })),
        };
      })
      .sort((a, b) => a.function.localeCompare(b.function));
    status.manifestChanged = project.manifestText !== this.startedManifest;
    return status;
  }

  // ---- invocations -----------------------------------------------------------------------

  invoke(project: MockProject, name: string, event: string): InvocationResult {
    checkEvent(event);
    const fn = project.manifest.functions.find((f) => f.name === name);
    if (!fn) fail('not_found', `no function \`${name}\` in functory.toml; functions: ${project.manifest.functions.map((f) => f.name).join(', ')}`);
    if (!this.running) this.start(project, null);
    return this.run(project, fn, JSON.parse(event) as unknown);
  }

  fireSchedule(project: MockProject, name: string): InvocationResult {
    if (!this.running) fail('not_running', 'the local run is stopped; start it to fire schedules');
    const fn = project.manifest.functions.find((f) => f.name === name);
    if (!fn || !fn.triggers.some((t) => t.kind === 'schedule')) fail('not_found', `\`${name}\` has no running schedule`);
    return this.run(project, fn, scheduledEvent(name, new Date().toISOString()));
  }

  private run(project: MockProject, fn: FunctionModel, event: unknown): InvocationResult {
    const counters = this.counters.get(fn.name) ?? { warm: 0, invocations: 0, coldStarts: 0, errors: 0 };
    this.counters.set(fn.name, counters);
    counters.invocations += 1;
    const cold = counters.warm === 0;
    if (cold) counters.coldStarts += 1;
    const requestId = uuid();
    const now = () => new Date().toISOString();
    const module = fn.handler.slice(0, fn.handler.lastIndexOf('.'));
    const exported = fn.handler.slice(fn.handler.lastIndexOf('.') + 1);
    const lines: string[] = [];
    const done = (result: Omit<InvocationResult, 'requestId' | 'statusCode' | 'logs' | 'coldStart'>, keepsInstance: boolean): InvocationResult => {
      if (result.functionError) counters.errors += 1;
      if (keepsInstance && cold) counters.warm = 1;
      const metrics = result.metrics!;
      const report =
        `REPORT RequestId: ${requestId}\tDuration: ${metrics.durationMs.toFixed(2)} ms\tBilled Duration: ${metrics.billedDurationMs} ms\t` +
        `Memory Size: ${metrics.memorySizeMb} MB\tMax Memory Used: ${metrics.maxMemoryUsedMb} MB` +
        (metrics.initDurationMs !== null ? `\tInit Duration: ${metrics.initDurationMs.toFixed(2)} ms` : '');
      const logs = [`START RequestId: ${requestId} Version: $LATEST`, ...lines, `END RequestId: ${requestId}`, report];
      this.append(fn.name, requestId, logs);
      return { ...result, requestId, statusCode: 200, coldStart: cold, logs };
    };
    const metrics = (durationMs: number, init: boolean) => ({
      durationMs,
      billedDurationMs: Math.max(1, Math.ceil(durationMs)),
      memorySizeMb: fn.memoryMb,
      maxMemoryUsedMb: 48,
      initDurationMs: init ? 84.37 : null,
    });

    const code = fn.handlerFile !== null ? project.readFile(fn.handlerFile) : undefined;
    if (code === undefined || !code.includes(exported)) {
      const [errorType, message] =
        code === undefined
          ? ['Runtime.ImportModuleError', `Error: Cannot find module '${module}'`]
          : ['Runtime.HandlerNotFound', `${module}.${exported} is undefined or not exported`];
      const stackTrace = [`${errorType}: ${message}`, '    at _loadUserApp (file:///var/runtime/index.mjs:1087:17)'];
      lines.push(`${now()}\tundefined\tERROR\tUncaught Exception \t${JSON.stringify({ errorType, errorMessage: message })}`);
      return done(
        { payload: JSON.stringify({ errorType, errorMessage: message, trace: stackTrace }), functionError: { errorType, message, stackTrace }, metrics: metrics(0, true) },
        false,
      );
    }
    const thrown = typeof event === 'object' && event !== null && typeof (event as { throw?: unknown }).throw === 'string';
    if (thrown) {
      const message = (event as { throw: string }).throw;
      const stackTrace = [`TypeError: ${message}`, `    at Runtime.handler (file://${project.root}/${fn.handlerFile}:7:11)`, '    at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:1173:29)'];
      lines.push(`${now()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify({ errorType: 'TypeError', errorMessage: message })}`);
      return done(
        { payload: JSON.stringify({ errorType: 'TypeError', errorMessage: message, trace: stackTrace }), functionError: { errorType: 'TypeError', message, stackTrace }, metrics: metrics(3.91, cold) },
        true,
      );
    }
    let payload: unknown;
    if (fn.name === 'resize') {
      const records = (event as { Records?: { s3?: { object?: { key?: string } } }[] }).Records;
      if (Array.isArray(records)) {
        const keys = records.map((r) => r.s3?.object?.key ?? '');
        lines.push(`${now()}\t${requestId}\tINFO\twould resize ${keys.length} upload(s) into thumbs ${JSON.stringify(keys)}`);
        payload = { resized: keys };
      } else {
        const query = (event as { queryStringParameters?: Record<string, string> }).queryStringParameters ?? {};
        const width = Number(query.width ?? 1920);
        const height = Number(query.height ?? 1080);
        const scale = Math.min(1, 320 / width);
        const thumbnail = { width: Math.round(width * scale), height: Math.round(height * scale) };
        lines.push(`${now()}\t${requestId}\tINFO\tthumbnail { width: ${thumbnail.width}, height: ${thumbnail.height} } remaining ms 29987`);
        payload = { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(thumbnail) };
      }
    } else if (fn.name === 'report') {
      payload = { function: 'report', scheduled_at: (event as { time?: string }).time ?? null, bucket: 'thumbs' };
      lines.push(JSON.stringify(payload));
    } else {
      payload = { ok: true, received: event };
      lines.push(`${now()}\t${requestId}\tINFO\treceived an event`);
    }
    return done({ payload: JSON.stringify(payload), functionError: null, metrics: metrics(cold ? 12.48 : 1.37, cold) }, true);
  }

  // ---- events ----------------------------------------------------------------------------

  private savedOf(project: MockProject, fn: string): Map<string, string> {
    if (!project.manifest.functions.some((f) => f.name === fn)) {
      fail('not_found', `no function \`${fn}\` in functory.toml; functions: ${project.manifest.functions.map((f) => f.name).join(', ')}`);
    }
    let byFunction = this.saved.get(project.root);
    if (!byFunction) this.saved.set(project.root, (byFunction = new Map()));
    let events = byFunction.get(fn);
    if (!events) byFunction.set(fn, (events = new Map()));
    return events;
  }

  savedEvents(project: MockProject, fn: string): SavedEvent[] {
    return [...this.savedOf(project, fn).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, event]) => ({ name, event }));
  }

  saveEvent(project: MockProject, fn: string, name: string, event: string): SavedEvent[] {
    const events = this.savedOf(project, fn);
    checkEvent(event);
    const clean = name.trim();
    if (!/^[A-Za-z0-9 _-]{1,64}$/.test(clean)) {
      fail('invalid_input', `saved events of \`${fn}\`: event name \`${clean}\` must be 1 to 64 letters, digits, spaces, \`-\` or \`_\``);
    }
    events.set(clean, event);
    return this.savedEvents(project, fn);
  }

  deleteSavedEvent(project: MockProject, fn: string, name: string): SavedEvent[] {
    const events = this.savedOf(project, fn);
    if (!events.delete(name)) fail('not_found', `saved events of \`${fn}\`: no saved event \`${name}\``);
    return this.savedEvents(project, fn);
  }

  // ---- logs ------------------------------------------------------------------------------

  /** Lines a function writes, as the host's log store receives them. */
  append(fn: string, requestId: string | null, messages: string[]): void {
    const timestampMs = Date.now();
    let stored = this.lines.get(fn);
    if (!stored) this.lines.set(fn, (stored = []));
    const fresh = messages.map((message) => ({ timestampMs, function: fn, requestId, level: levelOf(message), message }));
    stored.push(...fresh);
    if (stored.length > KEPT_LINES) stored.splice(0, stored.length - KEPT_LINES);
    for (const subscriber of this.subscribers) {
      if (subscriber.query.follow) this.enqueue(subscriber, fresh.filter((l) => this.matches(subscriber, l)));
    }
  }

  /** Writes `count` INFO lines to `fn`'s log at once (the tests' heavy logger). */
  writeLogLines(fn: string, count: number, text = 'working on item'): void {
    const at = new Date().toISOString();
    const requestId = uuid();
    const messages = Array.from({ length: count }, (_, i) => `${at}\t${requestId}\tINFO\t${text} ${i + 1} of ${count}`);
    this.append(fn, requestId, messages);
  }

  private matches(subscriber: Subscriber, line: LogLine): boolean {
    const { query, minLevel } = subscriber;
    if (query.function !== null && line.function !== query.function) return false;
    if (query.text && !line.message.includes(query.text)) return false;
    if (query.requestId && line.requestId !== query.requestId) return false;
    if (minLevel !== null && (line.level === null || LEVELS.indexOf(line.level) < minLevel)) return false;
    return true;
  }

  private enqueue(subscriber: Subscriber, lines: LogLine[]): void {
    if (subscriber.closed || lines.length === 0) return;
    subscriber.pending.push(...lines);
    subscriber.timer ??= setTimeout(() => this.flush(subscriber), BATCH_WINDOW_MS);
  }

  private flush(subscriber: Subscriber, ended = false): void {
    subscriber.timer = null;
    if (subscriber.closed) return;
    const lines = subscriber.pending.splice(0);
    lines.sort((a, b) => a.timestampMs - b.timestampMs);
    subscriber.onBatch({ lines, ended, error: null });
    if (ended) this.close(subscriber);
  }

  private close(subscriber: Subscriber): void {
    subscriber.closed = true;
    if (subscriber.timer !== null) clearTimeout(subscriber.timer);
    this.subscribers.delete(subscriber);
  }

  subscribe(project: MockProject, query: LogQuery, onBatch: (batch: LogBatch) => void): { close(): void } {
    const minLevel = parseLevel(query.minLevel);
    const declared = project.manifest.functions.map((f) => f.name);
    if (query.function !== null && !declared.includes(query.function) && !this.lines.has(query.function)) {
      fail('not_found', `no function \`${query.function}\` in this project and no log for it`);
    }
    const subscriber: Subscriber = { query, minLevel, onBatch, pending: [], timer: null, closed: false };
    this.subscribers.add(subscriber);
    const functions = query.function !== null ? [query.function] : declared;
    const stored = functions.flatMap((fn) => {
      const matching = (this.lines.get(fn) ?? []).filter((l) => this.matches(subscriber, l));
      return query.last === null ? matching : matching.slice(Math.max(0, matching.length - query.last));
    });
    if (query.follow) this.enqueue(subscriber, stored);
    else {
      subscriber.pending.push(...stored);
      setTimeout(() => this.flush(subscriber, true), BATCH_WINDOW_MS);
    }
    return { close: () => this.close(subscriber) };
  }
}
