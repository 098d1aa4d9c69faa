// The mock's trigger checks and canvas layout, mirroring functory-api's `triggers` module for
// what the UI tests exercise: route conflicts and overlaps (path parameters as wildcards),
// overlapping bucket rules, and schedule previews. Schedules: `rate(...)` is computed exactly;
// `cron(...)` is checked for its shape and previewed roughly (daily at its minute and hour),
// which is enough for a browser test — the real grammar lives in the local runtime.

import type { CanvasLayout } from '../../bindings/CanvasLayout';
import type { FireTime } from '../../bindings/FireTime';
import type { Manifest } from '../../bindings/Manifest';
import type { Trigger } from '../../bindings/Trigger';
import type { TriggerCheck } from '../../bindings/TriggerCheck';
import type { TriggerProblem } from '../../bindings/TriggerProblem';
import type { TriggerRef } from '../../bindings/TriggerRef';
import { checkTriggerFields } from './manifest';

const error = (field: string, message: string): TriggerProblem => ({ field, message, severity: 'error' });
const warning = (field: string, message: string): TriggerProblem => ({ field, message, severity: 'warning' });

type Segment = { kind: 'literal'; text: string } | { kind: 'parameter' } | { kind: 'greedy' };

function segments(path: string): Segment[] {
  return path
    .split('/')
    .filter(Boolean)
    .map((s): Segment => {
      if (s.startsWith('{') && s.endsWith('+}')) return { kind: 'greedy' };
      if ((s.startsWith('{') && s.endsWith('}')) || s.startsWith(':')) return { kind: 'parameter' };
      return { kind: 'literal', text: s };
    });
}

function overlap(a: Segment[], b: Segment[]): boolean {
  if (a.length === 0 && b.length === 0) return true;
  if (a[0]?.kind === 'greedy') return b.length > 0;
  if (b[0]?.kind === 'greedy') return a.length > 0;
  if (a.length === 0 || b.length === 0) return false;
  const [x, y] = [a[0]!, b[0]!];
  const same = x.kind === 'literal' && y.kind === 'literal' ? x.text === y.text : true;
  return same && overlap(a.slice(1), b.slice(1));
}

const sameShape = (a: Segment[], b: Segment[]) => JSON.stringify(a) === JSON.stringify(b);

function localTime(at: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${get('timeZoneName')}`;
}

function previewSchedule(expression: string, timezone: string | null, check: TriggerCheck): void {
  const tz = timezone?.trim() || 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    check.problems.push(error('timezone', `unknown time zone \`${tz}\`: use an IANA name such as Europe/Paris`));
    return;
  }
  const text = expression.trim();
  const fires: Date[] = [];
  const rate = /^rate\((.*)\)$/.exec(text);
  const cron = /^cron\((.*)\)$/.exec(text);
  if (rate) {
    const words = rate[1]!.trim().split(/\s+/);
    const value = Number(words[0]);
    const unit = words[1] ?? '';
    const seconds = { minute: 60, hour: 3600, day: 86400 }[unit.replace(/s$/, '')];
    if (words.length !== 2 || !Number.isInteger(value) || value <= 0) {
      check.problems.push(error('expression', 'a rate is `rate(value unit)`, like `rate(5 minutes)`'));
      return;
    }
    if (!seconds) {
      check.problems.push(error('expression', `unknown unit \`${unit}\`; use minutes, hours or days`));
      return;
    }
    if ((value === 1) !== !unit.endsWith('s')) {
      check.problems.push(
        error('expression', value === 1 ? `write \`rate(1 ${unit.replace(/s$/, '')})\` for a value of 1` : `write \`rate(${value} ${unit}s)\` for a value above 1`),
      );
      return;
    }
    let at = Date.now();
    for (let i = 0; i < 5; i++) fires.push(new Date((at += value * seconds * 1000)));
  } else if (cron) {
    const fields = cron[1]!.trim().split(/\s+/);
    if (fields.length !== 6) {
      check.problems.push(
        error('expression', `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), this one has ${fields.length}`),
      );
      return;
    }
    if ((fields[2] === '?') === (fields[4] === '?')) {
      check.problems.push(error('expression', 'one of day-of-month and day-of-week must be `?` (EventBridge cannot use both)'));
      return;
    }
    const minute = Number(fields[0]) || 0;
    const hour = Number(fields[1]) || 0;
    const day = new Date();
    day.setUTCHours(hour, minute, 0, 0);
    while (fires.length < 5) {
      day.setUTCDate(day.getUTCDate() + 1);
      fires.push(new Date(day));
    }
  } else {
    if (!check.problems.some((p) => p.field === 'expression')) {
      check.problems.push(error('expression', 'must be `rate(value unit)` or `cron(fields)`'));
    }
    return;
  }
  check.timezone = tz;
  check.nextFires = fires.map(
    (at): FireTime => ({ utc: at.toISOString().replace(/\.\d{3}Z$/, 'Z'), local: localTime(at, tz) }),
  );
}

const eventTypes = (events: string[] | null) => (events && events.length > 0 ? events : ['s3:ObjectCreated:*']);
const eventsMeet = (a: string, b: string) => {
  const covers = (wide: string, narrow: string) => wide.endsWith('*') && narrow.startsWith(wide.slice(0, -1));
  return a === b || covers(a, b) || covers(b, a);
};

/** functory-api's `check_trigger`, for the mock project. */
export function checkTrigger(manifest: Manifest, fn: string, editing: TriggerRef | null, trigger: Trigger): TriggerCheck {
  const check: TriggerCheck = { problems: [], nextFires: [], timezone: null };
  if (!manifest.functions.some((f) => f.name === fn)) check.problems.push(error('function', `no function named \`${fn}\``));
  const shape = checkTriggerFields(trigger, '');
  if (shape) {
    const [field, ...rest] = shape.message.split(': ');
    check.problems.push(error(field!.replace(/^\./, ''), rest.join(': ')));
  }
  const others = manifest.functions.flatMap((f) =>
    f.triggers.filter((_, i) => !(editing && f.name === editing.function && editing.index === i)).map((t) => ({ owner: f.name, trigger: t })),
  );
  switch (trigger.kind) {
    case 'http': {
      if (!trigger.path.startsWith('/')) break;
      const method = trigger.method.toUpperCase();
      const mine = segments(trigger.path);
      for (const { owner, trigger: other } of others) {
        if (other.kind !== 'http') continue;
        const otherMethod = other.method.toUpperCase();
        if (!(method === otherMethod || method === 'ANY' || otherMethod === 'ANY')) continue;
        const theirs = segments(other.path);
        if (!overlap(mine, theirs)) continue;
        if (method === otherMethod && sameShape(mine, theirs)) {
          check.problems.push(error('path', `${method} ${trigger.path} is already the route \`${otherMethod} ${other.path}\` of \`${owner}\``));
        } else {
          check.problems.push(
            warning(
              'path',
              `${method} ${trigger.path} overlaps \`${otherMethod} ${other.path}\` of \`${owner}\`: some requests match both, and the more specific route wins`,
            ),
          );
        }
      }
      break;
    }
    case 'schedule':
      previewSchedule(trigger.expression, trigger.timezone, check);
      break;
    case 'storage': {
      const prefix = trigger.prefix ?? '';
      const suffix = trigger.suffix ?? '';
      const mine = eventTypes(trigger.events);
      for (const { owner, trigger: other } of others) {
        if (other.kind !== 'storage' || other.bucket !== trigger.bucket) continue;
        const [op, os] = [other.prefix ?? '', other.suffix ?? ''];
        const prefixesMeet = prefix.startsWith(op) || op.startsWith(prefix);
        const suffixesMeet = suffix.endsWith(os) || os.endsWith(suffix);
        const shared = mine.find((a) => eventTypes(other.events).some((b) => eventsMeet(a, b)));
        if (!prefixesMeet || !suffixesMeet || !shared) continue;
        const describe = op && os ? `keys starting \`${op}\` and ending \`${os}\`` : op ? `keys starting \`${op}\`` : os ? `keys ending \`${os}\`` : 'every key';
        check.problems.push(
          error(
            prefix === op ? 'suffix' : 'prefix',
            `overlaps the rule of \`${owner}\` on bucket \`${trigger.bucket}\` (${describe}) for ${shared}: AWS refuses overlapping notification rules; give them prefixes or suffixes that cannot both match`,
          ),
        );
      }
      break;
    }
    case 'queue':
      if (trigger.batch_size !== null && (trigger.batch_size < 1 || trigger.batch_size > 10000)) {
        check.problems.push(error('batch_size', 'a batch size is between 1 and 10000'));
      }
      for (const { owner, trigger: other } of others) {
        if (other.kind === 'queue' && other.queue === trigger.queue) {
          check.problems.push(warning('queue', `queue \`${trigger.queue}\` already triggers \`${owner}\`: each message goes to only one of them`));
        }
      }
      break;
    case 'stream':
      if (trigger.batch_size !== null && (trigger.batch_size < 1 || trigger.batch_size > 10000)) {
        check.problems.push(error('batch_size', 'a batch size is between 1 and 10000'));
      }
      break;
    case 'url':
      if (others.some((o) => o.owner === fn && o.trigger.kind === 'url')) {
        check.problems.push(error('kind', 'a function has at most one `url` trigger'));
      }
      if (trigger.auth === 'none') {
        check.problems.push(warning('auth', 'anyone who knows the URL can call this function: the handler is the only access control'));
      }
      break;
  }
  return check;
}

/** Layouts per project root, like `.functory/canvas.json` on disk. */
export class MockCanvasLayouts {
  private readonly layouts = new Map<string, CanvasLayout>();

  load(root: string): CanvasLayout {
    return structuredClone(this.layouts.get(root) ?? { positions: [] });
  }

  save(root: string, layout: CanvasLayout): void {
    const bad = layout.positions.find((p) => !Number.isFinite(p.x) || !Number.isFinite(p.y) || !p.id);
    if (bad) throw { code: 'invalid_input', message: `positions: node \`${bad.id}\` has no valid position` };
    this.layouts.set(root, structuredClone(layout));
  }
}
