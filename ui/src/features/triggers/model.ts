// The trigger designer's model, derived from the manifest alone: which nodes and edges the
// canvas draws, what each trigger → function edge implies for permissions (and whether the
// function's manifest permissions grant the role-side part), and where functions write to.
// Pure functions, so the canvas is a drawing of functory.toml and nothing else.

import type { Function as FunctionModel } from '../../bindings/Function';
import type { Manifest } from '../../bindings/Manifest';
import type { Permission } from '../../bindings/Permission';
import type { Trigger } from '../../bindings/Trigger';

export type TriggerKind = Trigger['kind'];

export interface KindInfo {
  kind: TriggerKind;
  label: string;
  /** What the palette says about it. */
  hint: string;
}

export const KINDS: readonly KindInfo[] = [
  { kind: 'http', label: 'HTTP route', hint: 'A method and path on the API gateway' },
  { kind: 'schedule', label: 'Schedule', hint: 'rate(…) or cron(…) in a time zone' },
  { kind: 'storage', label: 'Storage upload', hint: 'Objects created in a bucket' },
  { kind: 'queue', label: 'Queue', hint: 'Messages from an SQS queue' },
  { kind: 'stream', label: 'Stream', hint: 'Records from Kinesis or a DynamoDB stream' },
  { kind: 'url', label: 'Function URL', hint: "The function's own HTTPS endpoint" },
];

export function kindLabel(kind: TriggerKind): string {
  return KINDS.find((k) => k.kind === kind)?.label ?? kind;
}

/** A new trigger of `kind` with values that pass the checks, for the form to start from. */
export function defaultTrigger(kind: TriggerKind): Trigger {
  switch (kind) {
    case 'http':
      return { kind, method: 'GET', path: '/new-route' };
    case 'schedule':
      return { kind, expression: 'rate(5 minutes)', timezone: null };
    case 'storage':
      return { kind, bucket: 'uploads', prefix: null, suffix: null, events: null };
    case 'queue':
      return { kind, queue: 'jobs', batch_size: null };
    case 'stream':
      return { kind, stream: 'events', batch_size: null, starting_position: null };
    case 'url':
      return { kind, auth: 'iam', cors: null };
  }
}

/** One line for a node: what the trigger listens to. */
export function describeTrigger(t: Trigger): string {
  switch (t.kind) {
    case 'http':
      return `${t.method.toUpperCase()} ${t.path}`;
    case 'schedule':
      return `${t.expression}${t.timezone ? ` · ${t.timezone}` : ''}`;
    case 'storage':
      return `${t.bucket}/${t.prefix ?? ''}*${t.suffix ?? ''}`;
    case 'queue':
      return t.queue;
    case 'stream':
      return t.stream;
    case 'url':
      return t.auth === 'none' ? 'public (auth none)' : 'signed requests (IAM)';
  }
}

/**
 * A trigger's identity for its node id: its kind and what it listens to, not its index, so a
 * remembered position follows the trigger when others are added or removed before it.
 */
export function triggerKey(t: Trigger): string {
  switch (t.kind) {
    case 'http':
      return `http:${t.method.toUpperCase()} ${t.path}`;
    case 'schedule':
      return `schedule:${t.expression}`;
    case 'storage':
      return `storage:${t.bucket}/${t.prefix ?? ''}*${t.suffix ?? ''}`;
    case 'queue':
      return `queue:${t.queue}`;
    case 'stream':
      return `stream:${t.stream}`;
    case 'url':
      return 'url';
  }
}

export const functionNodeId = (fn: string) => `fn:${fn}`;

/** Node ids of a function's triggers, in order; the same trigger twice gets `#2`, `#3`. */
export function triggerNodeIds(fn: FunctionModel): string[] {
  const seen = new Map<string, number>();
  return fn.triggers.map((t) => {
    const key = triggerKey(t);
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return `trigger:${fn.name}:${key}${n > 1 ? `#${n}` : ''}`;
  });
}

// ---- IAM matching -----------------------------------------------------------------------------

/** IAM's wildcard match: `*` any run of characters, `?` one character. */
export function globMatch(pattern: string, text: string, ignoreCase = false): boolean {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, ignoreCase ? 'i' : '').test(text);
}

/**
 * Whether a granted resource pattern covers a needed ARN. The deploy's region and account are
 * not known here, so any value the manifest gives for those two segments counts as covering.
 */
function resourceCovers(granted: string, needed: string): boolean {
  if (granted === '*') return true;
  const g = granted.split(':');
  const n = needed.split(':');
  if (g.length < 6 || n.length < 6) return globMatch(granted, needed);
  const gHead = g.slice(0, 5);
  const nHead = n.slice(0, 5);
  const headMatches = gHead.every((segment, i) => (i === 3 || i === 4 ? true : globMatch(segment, nHead[i]!)));
  return headMatches && globMatch(g.slice(5).join(':'), n.slice(5).join(':'));
}

/** Whether the function's statements allow `action` on `resource` (an explicit Deny wins). */
export function grants(permissions: Permission[], action: string, resource: string): boolean {
  const matches = (p: Permission) =>
    p.actions.some((a) => globMatch(a, action, true)) && p.resources.some((r) => resourceCovers(r, resource));
  if (permissions.some((p) => p.effect === 'Deny' && matches(p))) return false;
  return permissions.some((p) => p.effect === 'Allow' && matches(p));
}

// ---- what an edge implies ---------------------------------------------------------------------

export interface ImpliedPermission {
  /**
   * `resource-policy`: the function's resource policy lets a service (or anyone) invoke it;
   * Functory writes it at deploy. `role`: the function's own role must allow the actions,
   * which the manifest's permissions decide.
   */
  side: 'resource-policy' | 'role';
  /** The edge's short label. */
  label: string;
  /** The whole statement, in words, for the side panel and the label's title. */
  detail: string;
  actions: string[];
  principal: string | null;
  resource: string;
  /** Role-side actions the manifest does not grant (empty when all are granted). */
  missing: string[];
  /** The statement a one-click fix adds to the function's permissions. */
  fix: { actions: string[]; resources: string[] } | null;
  /** A public function URL: allowed, but worth a look. */
  warning: string | null;
}

const KINESIS_ACTIONS = ['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:DescribeStream', 'kinesis:ListShards'];
const DYNAMODB_STREAM_ACTIONS = [
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:DescribeStream',
  'dynamodb:ListStreams',
];
const SQS_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];

function arnOf(kind: 'sqs' | 'kinesis', name: string): string {
  if (name.startsWith('arn:')) return name;
  return kind === 'sqs' ? `arn:aws:sqs:*:*:${name}` : `arn:aws:kinesis:*:*:stream/${name}`;
}

function roleSide(fn: FunctionModel, actions: string[], resource: string, label: string, detail: string): ImpliedPermission {
  const missing = actions.filter((a) => !grants(fn.permissions, a, resource));
  return {
    side: 'role',
    label,
    detail,
    actions,
    principal: null,
    resource,
    missing,
    fix: missing.length > 0 ? { actions: missing, resources: [resource] } : null,
    warning: null,
  };
}

export function impliedPermission(fn: FunctionModel, t: Trigger): ImpliedPermission {
  const invoke = (principal: string, resource: string, detail: string, label = `${principal} may invoke`): ImpliedPermission => ({
    side: 'resource-policy',
    label,
    detail,
    actions: ['lambda:InvokeFunction'],
    principal,
    resource,
    missing: [],
    fix: null,
    warning: null,
  });
  switch (t.kind) {
    case 'storage': {
      const source = `arn:aws:s3:::${t.bucket}`;
      return invoke(
        's3.amazonaws.com',
        source,
        `Resource policy: lambda:InvokeFunction for principal s3.amazonaws.com with SourceArn ${source}, written at deploy.`,
      );
    }
    case 'schedule':
      return invoke(
        'events.amazonaws.com',
        `arn:aws:events:*:*:rule/${fn.name}-schedule`,
        `Resource policy: lambda:InvokeFunction for principal events.amazonaws.com (an EventBridge rule; scheduler.amazonaws.com for an EventBridge Scheduler schedule), with the rule as SourceArn, written at deploy.`,
      );
    case 'http':
      return invoke(
        'apigateway.amazonaws.com',
        `arn:aws:execute-api:*:*:*/*/${t.method.toUpperCase() === 'ANY' ? '*' : t.method.toUpperCase()}${t.path}`,
        `Resource policy: lambda:InvokeFunction for principal apigateway.amazonaws.com with the route ${t.method.toUpperCase()} ${t.path} as SourceArn, written at deploy.`,
      );
    case 'url':
      if (t.auth === 'none') {
        return {
          ...invoke(
            '*',
            `function:${fn.name}`,
            'Resource policy: lambda:InvokeFunctionUrl for principal * with the condition lambda:FunctionUrlAuthType = NONE (and lambda:InvokeFunction): anyone who knows the URL can call the function.',
            'anyone may invoke (auth NONE)',
          ),
          actions: ['lambda:InvokeFunctionUrl', 'lambda:InvokeFunction'],
          warning: 'Public: anyone with the URL can invoke this function.',
        };
      }
      return {
        ...invoke(
          'callers with IAM credentials',
          `function:${fn.name}`,
          'Callers sign requests: their own identity policy must allow lambda:InvokeFunctionUrl on this function (FunctionUrlAuthType AWS_IAM). No resource policy for anyone else.',
          'IAM-signed callers may invoke',
        ),
        actions: ['lambda:InvokeFunctionUrl'],
      };
    case 'queue': {
      const arn = arnOf('sqs', t.queue);
      return roleSide(
        fn,
        SQS_ACTIONS,
        arn,
        'role reads the queue',
        `The function's role needs ${SQS_ACTIONS.join(', ')} on ${arn} for the event source mapping to poll the queue.`,
      );
    }
    case 'stream': {
      const dynamo = t.stream.startsWith('arn:aws:dynamodb:');
      const arn = dynamo ? t.stream : arnOf('kinesis', t.stream);
      const actions = dynamo ? DYNAMODB_STREAM_ACTIONS : KINESIS_ACTIONS;
      return roleSide(
        fn,
        actions,
        arn,
        'role reads the stream',
        `The function's role needs ${actions.join(', ')} on ${arn} for the event source mapping to read the stream.`,
      );
    }
  }
}

// ---- where a function writes ------------------------------------------------------------------

export type DestinationKind = 'bucket' | 'queue' | 'table' | 'stream' | 'topic';

export interface Destination {
  kind: DestinationKind;
  name: string;
  /** The write actions that make it a destination. */
  actions: string[];
  /** What says so: the function's code (the analyzer) and/or its granted permissions. */
  sources: ('code' | 'permission')[];
}

/** A write the analyzer found in a function's code: an action on a resource. */
export interface CodeWrite {
  action: string;
  resource: string;
}

const WRITES: { kind: DestinationKind; service: string; actions: string[]; name: (resource: string) => string | null }[] = [
  {
    kind: 'bucket',
    service: 's3',
    actions: ['s3:PutObject', 's3:DeleteObject'],
    name: (r) => /^arn:aws:s3:::([^/*]+)/.exec(r)?.[1] ?? null,
  },
  {
    kind: 'queue',
    service: 'sqs',
    actions: ['sqs:SendMessage', 'sqs:SendMessageBatch'],
    name: (r) => /^arn:aws:sqs:[^:]*:[^:]*:([^*]+)$/.exec(r)?.[1] ?? null,
  },
  {
    kind: 'table',
    service: 'dynamodb',
    actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem'],
    name: (r) => /^arn:aws:dynamodb:[^:]*:[^:]*:table\/([^/*]+)/.exec(r)?.[1] ?? null,
  },
  {
    kind: 'stream',
    service: 'kinesis',
    actions: ['kinesis:PutRecord', 'kinesis:PutRecords'],
    name: (r) => /^arn:aws:kinesis:[^:]*:[^:]*:stream\/([^/*]+)/.exec(r)?.[1] ?? null,
  },
  {
    kind: 'topic',
    service: 'sns',
    actions: ['sns:Publish'],
    name: (r) => /^arn:aws:sns:[^:]*:[^:]*:([^*]+)$/.exec(r)?.[1] ?? null,
  },
];

/**
 * The buckets, queues, tables, streams and topics a function writes to: what the analyzer found
 * its code writing (`code`), and what its Allow statements grant it to write (`permission`).
 */
export function destinationsOf(fn: FunctionModel, codeWrites: CodeWrite[] = []): Destination[] {
  const found = new Map<string, Destination>();
  const add = (kind: DestinationKind, name: string, actions: string[], source: 'code' | 'permission') => {
    const key = `${kind}:${name}`;
    const existing = found.get(key);
    if (existing) {
      existing.actions = [...new Set([...existing.actions, ...actions])];
      if (!existing.sources.includes(source)) existing.sources.push(source);
    } else {
      found.set(key, { kind, name, actions, sources: [source] });
    }
  };
  for (const p of fn.permissions) {
    if (p.effect !== 'Allow') continue;
    for (const write of WRITES) {
      const actions = write.actions.filter((a) => p.actions.some((granted) => globMatch(granted, a, true)));
      if (actions.length === 0) continue;
      for (const resource of p.resources) {
        const name = write.name(resource);
        if (name) add(write.kind, name, actions, 'permission');
      }
    }
  }
  for (const { action, resource } of codeWrites) {
    for (const write of WRITES) {
      if (!write.actions.includes(action)) continue;
      const name = write.name(resource);
      if (name) add(write.kind, name, [action], 'code');
    }
  }
  return [...found.values()];
}

export const destinationNodeId = (d: Destination) => `dest:${d.kind}:${d.name}`;

// ---- layout -----------------------------------------------------------------------------------

export interface Point {
  x: number;
  y: number;
}

export const COLUMN = { trigger: 0, function: 520, destination: 940 } as const;
const ROW = 110;

/**
 * Default places for nodes the user has not moved: triggers in a column left of their
 * function, functions in the middle, destinations on the right.
 */
export function defaultLayout(manifest: Manifest, codeWrites: Map<string, CodeWrite[]> = new Map()): Map<string, Point> {
  const places = new Map<string, Point>();
  let row = 0;
  const destinationRows = new Map<string, number>();
  let destinationRow = 0;
  for (const fn of manifest.functions) {
    const ids = triggerNodeIds(fn);
    const first = row;
    ids.forEach((id, i) => places.set(id, { x: COLUMN.trigger, y: (first + i) * ROW }));
    const span = Math.max(ids.length, 1);
    places.set(functionNodeId(fn.name), { x: COLUMN.function, y: (first + (span - 1) / 2) * ROW });
    for (const d of destinationsOf(fn, codeWrites.get(fn.name))) {
      const id = destinationNodeId(d);
      if (!destinationRows.has(id)) {
        destinationRows.set(id, destinationRow);
        places.set(id, { x: COLUMN.destination, y: destinationRow * ROW });
        destinationRow++;
      }
    }
    row += span + 0.5;
  }
  return places;
}
