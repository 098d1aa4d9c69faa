// The trigger designer's drawing of the manifest: which nodes the canvas draws, their ids and
// default places. What each edge needs and where functions write come from the Rust side
// (`canvas_model`, `check_trigger`): no domain rule is written here.

import type { Function as FunctionModel } from '../../bindings/Function';
import type { Manifest } from '../../bindings/Manifest';
import type { CanvasModel } from '../../bindings/CanvasModel';
import type { Destination } from '../../bindings/Destination';
import type { Resource } from '../../bindings/Resource';
import type { ResourceKind } from '../../bindings/ResourceKind';
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
  { kind: 'topic', label: 'Topic', hint: 'Messages published to an SNS topic' },
  { kind: 'event', label: 'Event rule', hint: 'EventBridge events matching a pattern' },
  { kind: 'url', label: 'Function URL', hint: "The function's own HTTPS endpoint" },
];

export function kindLabel(kind: TriggerKind): string {
  return KINDS.find((k) => k.kind === kind)?.label ?? kind;
}

/** A new trigger of `kind` with values that pass the checks, for the form to start from. */
export function defaultTrigger(kind: TriggerKind): Trigger {
  switch (kind) {
    case 'http':
      return { kind, method: 'GET', path: '/new-route', auth: null, payload_version: null };
    case 'schedule':
      return { kind, expression: 'rate(5 minutes)', timezone: null };
    case 'storage':
      return { kind, bucket: 'uploads', prefix: null, suffix: null, events: null };
    case 'queue':
      return { kind, queue: 'jobs', batch_size: null };
    case 'stream':
      return { kind, stream: 'events', batch_size: null, starting_position: null };
    case 'topic':
      return { kind, topic: 'notifications', filter_policy: null, filter_policy_scope: null };
    case 'event':
      return { kind, bus: null, pattern: '{"source": ["my.app"]}' };
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
    case 'topic':
      return t.filter_policy ? `${t.topic} · filtered` : t.topic;
    case 'event':
      return `${t.bus ?? 'default'} · ${t.pattern}`;
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
    case 'topic':
      return `topic:${t.topic}`;
    case 'event':
      return `event:${t.bus ?? 'default'}:${t.pattern}`;
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

export const destinationNodeId = (d: Destination) => `dest:${d.kind}:${d.name}`;

/** A declared resource's node; a destination that is one is drawn as it. */
export const resourceNodeId = (name: string) => `res:${name}`;

export const RESOURCE_KINDS: readonly { kind: ResourceKind; label: string; hint: string }[] = [
  { kind: 'bucket', label: 'Bucket', hint: 'S3 objects' },
  { kind: 'queue', label: 'Queue', hint: 'SQS messages, with a dead-letter queue' },
  { kind: 'table', label: 'Table', hint: 'DynamoDB items, with a stream' },
  { kind: 'topic', label: 'Topic', hint: 'SNS fan-out' },
  { kind: 'bus', label: 'Event bus', hint: 'EventBridge events' },
];

export function resourceKindLabel(kind: ResourceKind): string {
  return RESOURCE_KINDS.find((k) => k.kind === kind)?.label ?? kind;
}

/** A new resource of `kind` named `name`, with the settings a first one needs. */
export function defaultResource(kind: ResourceKind, name: string): Resource {
  return {
    name,
    kind,
    existing: null,
    fifo: false,
    visibilityTimeoutS: null,
    deadLetter: null,
    maxReceives: null,
    partitionKey: kind === 'table' ? { name: 'id', keyType: 'string' } : null,
    sortKey: null,
    billing: 'pay_per_request',
    stream: null,
  };
}

/** `new-bucket`, `new-bucket-2`, … : the first name no resource has. */
export function freeResourceName(kind: ResourceKind, taken: readonly Resource[]): string {
  const base = `new-${kind}`;
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    if (!taken.some((r) => r.name === name)) return name;
  }
}

/** One line about a resource's settings, for its node. */
export function describeResource(r: Resource): string {
  if (r.existing) return `existing: ${r.existing}`;
  const parts: string[] = [];
  if (r.fifo) parts.push('FIFO');
  if (r.kind === 'queue' && r.visibilityTimeoutS !== null) parts.push(`hides ${r.visibilityTimeoutS} s`);
  if (r.deadLetter) parts.push(`→ ${r.deadLetter} after ${r.maxReceives ?? '?'}`);
  if (r.partitionKey) parts.push(`key ${r.partitionKey.name}${r.sortKey ? ` + ${r.sortKey.name}` : ''}`);
  if (r.stream) parts.push('stream');
  return parts.join(' · ');
}

// ---- layout -----------------------------------------------------------------------------------

export interface Point {
  x: number;
  y: number;
}

export const COLUMN = { resource: -420, trigger: 0, function: 520, destination: 940 } as const;
const ROW = 110;
/** Horizontal distance between two groups' blocks: a block spans triggers to destinations. */
const BLOCK = COLUMN.destination + 760;

/** How the automatic layout arranges functions: in manifest order, or in blocks side by side. */
export type Grouping = 'none' | 'kind' | 'folder';

export const GROUPINGS: readonly { grouping: Grouping; label: string }[] = [
  { grouping: 'none', label: 'In manifest order' },
  { grouping: 'kind', label: 'By trigger kind' },
  { grouping: 'folder', label: 'By folder' },
];

/**
 * The folder holding a function's handler file, as the manifest reader resolved it (its code
 * folder and the runtime's module rules: `handlerFile`), or its code folder when the file is
 * missing.
 */
export function handlerFolder(fn: FunctionModel): string {
  const file = fn.handlerFile;
  if (!file) return fn.codeDir;
  const slash = file.lastIndexOf('/');
  return slash > 0 ? file.slice(0, slash) : '.';
}

/** The group a function is drawn in: its first trigger's kind, or its handler's folder. */
export function groupOf(fn: FunctionModel, grouping: Grouping): string {
  if (grouping === 'kind') return fn.triggers.length === 0 ? 'No trigger' : kindLabel(fn.triggers[0]!.kind);
  if (grouping === 'folder') return handlerFolder(fn);
  return '';
}

export const groupNodeId = (group: string) => `group:${group}`;

/** The functions of each group, groups in the order the canvas draws them (by name, when grouped). */
export function groupFunctions(manifest: Manifest, grouping: Grouping): [string, FunctionModel[]][] {
  const groups = new Map<string, FunctionModel[]>();
  for (const fn of manifest.functions) {
    const group = groupOf(fn, grouping);
    const members = groups.get(group);
    if (members) members.push(fn);
    else groups.set(group, [fn]);
  }
  const ordered = [...groups.entries()];
  if (grouping !== 'none') ordered.sort(([a], [b]) => a.localeCompare(b));
  return ordered;
}

/** The automatic places of the canvas's nodes, and the groups' titles when grouped. */
export interface Layout {
  places: Map<string, Point>;
  groups: { id: string; label: string; count: number; place: Point }[];
}

/**
 * Default places for nodes the user has not moved: triggers in a column left of their
 * function, functions in the middle, destinations on the right; grouped, each group is such a
 * block, side by side, under its title. Linear in the number of functions.
 */
export function defaultLayout(manifest: Manifest, canvas: CanvasModel | null, grouping: Grouping = 'none'): Layout {
  const places = new Map<string, Point>();
  const drawn = new Map((canvas?.functions ?? []).map((f) => [f.name, f]));
  const titles: Layout['groups'] = [];
  // Where a resource that functions write to is drawn: the first writer's destination column.
  const writtenResources = new Map<string, Point>();
  groupFunctions(manifest, grouping).forEach(([group, members], g) => {
    const x0 = g * BLOCK;
    if (grouping !== 'none') {
      const place = { x: x0 + COLUMN.trigger, y: -ROW };
      titles.push({ id: groupNodeId(group), label: group, count: members.length, place });
      places.set(groupNodeId(group), place);
    }
    let row = 0;
    let destinationRow = 0;
    for (const fn of members) {
      const ids = triggerNodeIds(fn);
      const first = row;
      ids.forEach((id, i) => places.set(id, { x: x0 + COLUMN.trigger, y: (first + i) * ROW }));
      const span = Math.max(ids.length, 1);
      places.set(functionNodeId(fn.name), { x: x0 + COLUMN.function, y: (first + (span - 1) / 2) * ROW });
      for (const d of drawn.get(fn.name)?.destinations ?? []) {
        const place = { x: x0 + COLUMN.destination, y: destinationRow * ROW };
        if (d.resource) {
          if (writtenResources.has(d.resource)) continue;
          writtenResources.set(d.resource, place);
        } else {
          const id = destinationNodeId(d);
          if (places.has(id)) continue;
          places.set(id, place);
        }
        destinationRow++;
      }
      row += span + 0.5;
    }
  });
  // Declared resources: a destination's place when a function writes to it, else left of the
  // triggers they feed.
  let resourceRow = 0;
  for (const r of manifest.resources) {
    places.set(resourceNodeId(r.name), writtenResources.get(r.name) ?? { x: COLUMN.resource, y: resourceRow++ * ROW });
  }
  return { places, groups: titles };
}
