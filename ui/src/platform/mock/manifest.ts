// The mock's reading and editing of functory.toml. It mirrors what functory-core does for the
// shapes the sample and the UI tests use: the same diagnostics (messages, fields, positions) and
// the same edit results, done as line edits that keep every comment.

import type { ApiError } from '../../bindings/ApiError';
import type { Cors } from '../../bindings/Cors';
import type { Diagnostic } from '../../bindings/Diagnostic';
import type { EnvVar } from '../../bindings/EnvVar';
import type { Function as FunctionModel } from '../../bindings/Function';
import type { ManifestEdit } from '../../bindings/ManifestEdit';
import type { ParsedManifest } from '../../bindings/ParsedManifest';
import type { Permission } from '../../bindings/Permission';
import type { Target } from '../../bindings/Target';
import type { Trigger } from '../../bindings/Trigger';
import { parseToml, position, quote, TomlError, type Span, type TomlDocument, type TomlTable, type TomlValue } from './toml';

export const MANIFEST = 'functory.toml';
const MEMORY_RANGE: [number, number] = [128, 10240];
const TIMEOUT_RANGE: [number, number] = [1, 900];

const RUNTIMES: Record<string, 'node' | 'python' | 'provided'> = {
  'nodejs18.x': 'node',
  'nodejs20.x': 'node',
  'nodejs22.x': 'node',
  'python3.9': 'python',
  'python3.10': 'python',
  'python3.11': 'python',
  'python3.12': 'python',
  'python3.13': 'python',
  'provided.al2': 'provided',
  'provided.al2023': 'provided',
};

const RESERVED_ENVIRONMENT = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);

export function isValidEnvKey(key: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_]*$/.test(key);
}

function isValidFunctionName(name: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(name);
}

/** The manifest of a new, empty project (as functory-core's `new_manifest`). */
export function newManifest(projectName: string): string {
  return [
    "# Functory project manifest: the single source of truth for this project's functions.",
    '# Edit it by hand or from the app; the app keeps your comments and formatting.',
    '',
    '[project]',
    `name = ${quote(projectName)}`,
    '',
    '# Where functions run. `local` needs no cloud account.',
    '[targets.local]',
    'adapter = "local"',
    '',
  ].join('\n');
}

// ---- reading ------------------------------------------------------------------------------

/** A problem with the manifest's shape: the model cannot be built (like a serde error). */
class ShapeError extends Error {
  constructor(
    message: string,
    readonly span: Span,
    readonly field: string | null,
  ) {
    super(message);
  }
}

class Validator {
  readonly diagnostics: Diagnostic[] = [];
  constructor(
    readonly text: string,
    readonly doc: TomlDocument,
  ) {}

  diagnostic(span: Span, field: string | null, message: string, severity: 'error' | 'warning' = 'error'): Diagnostic {
    const start = position(this.text, span[0]);
    const end = position(this.text, Math.max(span[0], span[1]));
    return {
      file: MANIFEST,
      line: start.line,
      column: start.column,
      endLine: end.line,
      endColumn: end.column,
      field,
      message,
      severity,
    };
  }

  error(span: Span, field: string, message: string): void {
    this.diagnostics.push(this.diagnostic(span, field, message));
  }

  valueSpan(path: string): Span {
    return this.doc.valueSpans.get(path) ?? [0, 0];
  }

  keySpan(path: string): Span {
    return this.doc.keySpans.get(path) ?? this.valueSpan(path);
  }
}

function describe(value: TomlValue): string {
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'number') return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
  if (typeof value === 'boolean') return `boolean \`${value}\``;
  if (Array.isArray(value)) return 'sequence';
  return 'map';
}

function isTable(value: TomlValue | undefined): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads fields of one table, refusing unknown ones (serde's `deny_unknown_fields`). */
class Fields {
  constructor(
    private readonly v: Validator,
    private readonly table: TomlTable,
    private readonly path: string,
    allowed: string[] | null,
  ) {
    if (allowed) {
      for (const key of Object.keys(table)) {
        if (!allowed.includes(key)) {
          const expected = allowed.map((a) => `\`${a}\``).join(', ');
          throw new ShapeError(`unknown field \`${key}\`, expected one of ${expected}`, v.keySpan(this.at(key)), key);
        }
      }
    }
  }

  at(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  private missing(key: string): never {
    const span = this.v.valueSpan(this.path);
    throw new ShapeError(`missing field \`${key}\``, span, key);
  }

  private wrong(key: string, expected: string): never {
    const value = this.table[key]!;
    throw new ShapeError(`invalid type: ${describe(value)}, expected ${expected}`, this.v.valueSpan(this.at(key)), key);
  }

  string(key: string): string {
    const value = this.optionalString(key);
    return value ?? this.missing(key);
  }

  optionalString(key: string): string | null {
    const value = this.table[key];
    if (value === undefined) return null;
    if (typeof value !== 'string') this.wrong(key, 'a string');
    return value;
  }

  integer(key: string): number | null {
    const value = this.table[key];
    if (value === undefined) return null;
    if (typeof value !== 'number' || !Number.isInteger(value)) this.wrong(key, 'i64');
    return value;
  }

  table_(key: string): TomlTable | null {
    const value = this.table[key];
    if (value === undefined) return null;
    if (!isTable(value)) this.wrong(key, 'a map');
    return value;
  }

  array(key: string): TomlValue[] | null {
    const value = this.table[key];
    if (value === undefined) return null;
    if (!Array.isArray(value)) this.wrong(key, 'a sequence');
    return value;
  }

  strings(key: string): string[] | null {
    const value = this.array(key);
    if (value === null) return null;
    value.forEach((item, i) => {
      if (typeof item !== 'string') {
        throw new ShapeError(`invalid type: ${describe(item)}, expected a string`, this.v.valueSpan(`${this.at(key)}[${i}]`), key);
      }
    });
    return value as string[];
  }
}

export function parseManifest(text: string, isFile: (path: string) => boolean): ParsedManifest {
  let doc: TomlDocument;
  try {
    doc = parseToml(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const v = new Validator(text, { root: {}, valueSpans: new Map(), keySpans: new Map() });
    return { manifest: null, diagnostics: [v.diagnostic([error.offset, error.end], null, error.message)] };
  }
  const v = new Validator(text, doc);
  try {
    const manifest = validate(doc, v, isFile);
    return { manifest, diagnostics: v.diagnostics };
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    return { manifest: null, diagnostics: [v.diagnostic(error.span, error.field, error.message)] };
  }
}

function validate(doc: TomlDocument, v: Validator, isFile: (path: string) => boolean): ParsedManifest['manifest'] {
  const top = new Fields(v, doc.root, '', ['project', 'targets', 'functions']);
  const projectTable = top.table_('project');
  if (!projectTable) throw new ShapeError('missing field `project`', [0, 0], 'project');
  const projectName = new Fields(v, projectTable, 'project', ['name']).string('name');
  if (!projectName.trim()) v.error(v.valueSpan('project.name'), 'project.name', 'the project name is empty');

  const targets: Target[] = [];
  for (const [name, value] of Object.entries(top.table_('targets') ?? {})) {
    const path = `targets.${name}`;
    if (!isTable(value)) throw new ShapeError(`invalid type: ${describe(value)}, expected struct RawTarget`, v.valueSpan(path), null);
    const f = new Fields(v, value, path, [
      'adapter',
      'region',
      'profile',
      'account',
      'code_bucket',
      'subscription_id',
      'resource_group',
      'function_app',
      'project_id',
    ]);
    const adapter = f.string('adapter');
    if (!['local', 'aws', 'azure', 'gcp'].includes(adapter)) {
      throw new ShapeError(
        `unknown variant \`${adapter}\`, expected one of \`local\`, \`aws\`, \`azure\`, \`gcp\``,
        v.valueSpan(`${path}.adapter`),
        'adapter',
      );
    }
    targets.push({
      name,
      adapter: adapter as Target['adapter'],
      region: f.optionalString('region'),
      profile: f.optionalString('profile'),
      account: f.optionalString('account'),
      codeBucket: f.optionalString('code_bucket'),
      subscriptionId: f.optionalString('subscription_id'),
      resourceGroup: f.optionalString('resource_group'),
      functionApp: f.optionalString('function_app'),
      projectId: f.optionalString('project_id'),
    });
  }

  const functions: FunctionModel[] = [];
  for (const [name, value] of Object.entries(top.table_('functions') ?? {})) {
    const path = `functions.${name}`;
    if (!isTable(value)) throw new ShapeError(`invalid type: ${describe(value)}, expected struct RawFunction`, v.valueSpan(path), null);
    if (!isValidFunctionName(name)) {
      v.error(v.keySpan(path), path, `function name \`${name}\` must be 1 to 64 letters, digits, \`-\` or \`_\``);
    }
    functions.push(validateFunction(name, path, value, v, isFile));
  }
  return { projectName, targets, functions };
}

function checkRange(v: Validator, value: number | null, [min, max]: [number, number], fallback: number, unit: string, field: string): number {
  if (value === null) return fallback;
  if (value < min || value > max) {
    v.error(v.valueSpan(field), field, `${value} is out of range: must be between ${min} and ${max} ${unit}`);
    return Math.min(max, Math.max(min, value));
  }
  return value;
}

function validateFunction(name: string, path: string, table: TomlTable, v: Validator, isFile: (path: string) => boolean): FunctionModel {
  const f = new Fields(v, table, path, ['runtime', 'handler', 'code_dir', 'memory_mb', 'timeout_s', 'environment', 'triggers', 'permissions']);
  const runtime = f.string('runtime');
  const handler = f.string('handler');
  const family = RUNTIMES[runtime];
  if (!family) {
    v.error(v.valueSpan(`${path}.runtime`), `${path}.runtime`, `unknown runtime \`${runtime}\`; known runtimes: ${Object.keys(RUNTIMES).join(', ')}`);
  }
  const codeDirRaw = f.optionalString('code_dir');
  const codeDir = codeDirRaw?.replace(/\/+$/, '') || '.';

  let handlerFile: string | null = null;
  if (family) {
    const prefix = codeDir === '.' ? '' : `${codeDir}/`;
    let candidates: string[] = [];
    const dot = handler.lastIndexOf('.');
    if (family === 'provided') candidates = [`${prefix}bootstrap`];
    else if (dot > 0 && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(handler.slice(dot + 1))) {
      const module = handler.slice(0, dot);
      const modulePath = family === 'python' ? module.replaceAll('.', '/') : module;
      const extensions = family === 'python' ? ['py'] : ['js', 'mjs', 'cjs'];
      candidates = extensions.map((ext) => `${prefix}${modulePath}.${ext}`);
    } else {
      v.error(v.valueSpan(`${path}.handler`), `${path}.handler`, `handler \`${handler}\` must be \`path/to/module.function\`, e.g. \`src/app.handler\``);
    }
    if (candidates.length > 0) {
      handlerFile = candidates.find(isFile) ?? null;
      if (!handlerFile) {
        v.error(v.valueSpan(`${path}.handler`), `${path}.handler`, `handler file not found: looked for ${candidates.join(', ')}`);
      }
    }
  }

  const memoryMb = checkRange(v, f.integer('memory_mb'), MEMORY_RANGE, 128, 'MB', `${path}.memory_mb`);
  const timeoutS = checkRange(v, f.integer('timeout_s'), TIMEOUT_RANGE, 3, 'seconds', `${path}.timeout_s`);

  const environment: EnvVar[] = [];
  const envTable = f.table_('environment') ?? {};
  const envFields = new Fields(v, envTable, `${path}.environment`, null);
  for (const key of Object.keys(envTable)) {
    const field = `${path}.environment.${key}`;
    const value = envFields.string(key);
    if (!isValidEnvKey(key)) {
      v.error(v.keySpan(field), field, `environment variable name \`${key}\` must start with a letter and contain only letters, digits and \`_\``);
    } else if (RESERVED_ENVIRONMENT.has(key)) {
      v.error(v.keySpan(field), field, `\`${key}\` is reserved: the runtime sets it itself`);
    }
    environment.push({ key, value });
  }

  const triggers: Trigger[] = (f.array('triggers') ?? []).map((item, i) => readTrigger(item, `${path}.triggers[${i}]`, v));
  const permissions: Permission[] = (f.array('permissions') ?? []).map((item, i) => readPermission(item, `${path}.permissions[${i}]`, v));

  return { name, runtime, handler, codeDir, handlerFile, memoryMb, timeoutS, environment, triggers, permissions };
}

function readTrigger(item: TomlValue, path: string, v: Validator): Trigger {
  if (!isTable(item)) throw new ShapeError(`invalid type: ${describe(item)}, expected internally tagged enum Trigger`, v.valueSpan(path), null);
  const f = new Fields(v, item, path, null);
  const kind = f.string('kind');
  const span = v.valueSpan(path);
  switch (kind) {
    case 'http': {
      const method = f.optionalString('method') ?? 'ANY';
      const routePath = f.string('path');
      if (!['ANY', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].includes(method.toUpperCase())) {
        v.error(span, `${path}.method`, `unknown HTTP method \`${method}\`; use one of ANY, GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS`);
      }
      if (!routePath.startsWith('/')) v.error(span, `${path}.path`, `HTTP path \`${routePath}\` must start with \`/\``);
      return { kind, method, path: routePath };
    }
    case 'schedule': {
      const expression = f.string('expression');
      const e = expression.trim();
      if (!(e.startsWith('rate(') || e.startsWith('cron(')) || !e.endsWith(')')) {
        v.error(span, `${path}.expression`, `schedule \`${expression}\` must be \`rate(...)\` or \`cron(...)\``);
      }
      return { kind, expression, timezone: f.optionalString('timezone') };
    }
    case 'storage': {
      const bucket = f.string('bucket');
      if (!bucket.trim()) v.error(span, `${path}.bucket`, 'the bucket name is empty');
      return { kind, bucket, prefix: f.optionalString('prefix'), suffix: f.optionalString('suffix'), events: f.strings('events') };
    }
    case 'queue': {
      const queue = f.string('queue');
      if (!queue.trim()) v.error(span, `${path}.queue`, 'the queue name is empty');
      return { kind, queue, batch_size: f.integer('batch_size') };
    }
    case 'stream': {
      const stream = f.string('stream');
      if (!stream.trim()) v.error(span, `${path}.stream`, 'the stream name is empty');
      return { kind, stream, batch_size: f.integer('batch_size'), starting_position: f.optionalString('starting_position') };
    }
    case 'url': {
      const auth = f.optionalString('auth') ?? 'iam';
      if (auth !== 'iam' && auth !== 'none') {
        throw new ShapeError(`unknown variant \`${auth}\`, expected \`iam\` or \`none\``, v.valueSpan(`${path}.auth`), 'auth');
      }
      const corsTable = f.table_('cors');
      let cors: Cors | null = null;
      if (corsTable) {
        const c = new Fields(v, corsTable, `${path}.cors`, ['allow_origins', 'allow_methods', 'allow_headers', 'expose_headers', 'allow_credentials', 'max_age']);
        const credentials = corsTable['allow_credentials'];
        cors = {
          allow_origins: c.strings('allow_origins') ?? [],
          allow_methods: c.strings('allow_methods') ?? [],
          allow_headers: c.strings('allow_headers') ?? [],
          expose_headers: c.strings('expose_headers') ?? [],
          allow_credentials: credentials === true,
          max_age: c.integer('max_age'),
        };
      }
      return { kind, auth, cors };
    }
    default:
      throw new ShapeError(
        `unknown variant \`${kind}\`, expected one of \`http\`, \`schedule\`, \`storage\`, \`queue\`, \`stream\`, \`url\``,
        v.valueSpan(`${path}.kind`),
        'kind',
      );
  }
}

function readPermission(item: TomlValue, path: string, v: Validator): Permission {
  if (!isTable(item)) throw new ShapeError(`invalid type: ${describe(item)}, expected struct Permission`, v.valueSpan(path), null);
  const f = new Fields(v, item, path, ['effect', 'actions', 'resources']);
  const effect = f.optionalString('effect') ?? 'Allow';
  if (effect !== 'Allow' && effect !== 'Deny') {
    throw new ShapeError(`unknown variant \`${effect}\`, expected \`Allow\` or \`Deny\``, v.valueSpan(`${path}.effect`), 'effect');
  }
  const actions = f.strings('actions') ?? [];
  const resources = f.strings('resources') ?? ['*'];
  const span = v.valueSpan(path);
  if (actions.length === 0) v.error(span, path, 'a permission needs at least one action');
  for (const action of actions) {
    if (action !== '*' && !/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(action)) {
      v.error(span, `${path}.actions`, `\`${action}\` is not an action of the form \`service:Action\``);
    }
  }
  if (resources.length === 0) v.error(span, path, 'a permission needs at least one resource (use "*" for any)');
  return { effect, actions, resources };
}

// ---- editing ------------------------------------------------------------------------------

function apiError(code: ApiError['code'], message: string): ApiError {
  return { code, message };
}

function invalid(field: string, message: string): ApiError {
  return apiError('invalid_input', `${field}: ${message}`);
}

/** Lines of a TOML section: the header line and the index after its last line. */
function findSection(lines: string[], header: string): { start: number; end: number } | null {
  const pattern = new RegExp(`^\\s*\\[\\s*${header.replaceAll('.', '\\s*\\.\\s*')}\\s*\\]\\s*(#.*)?$`);
  const start = lines.findIndex((line) => pattern.test(line));
  if (start < 0) return null;
  let end = start + 1;
  while (end < lines.length && !/^\s*\[/.test(lines[end]!)) end++;
  return { start, end };
}

/** Where a new key goes in a section: after its last key line, before trailing blanks/comments. */
function insertionPoint(lines: string[], section: { start: number; end: number }): number {
  let at = section.end;
  while (at > section.start + 1 && /^\s*(#.*)?$/.test(lines[at - 1]!)) at--;
  return at;
}

function keyLine(key: string): RegExp {
  const k = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^(\\s*)(${k}|"${k}")(\\s*=\\s*)(.*)$`);
}

/** Splits `value   # comment` into the value and what follows it, using the TOML reader. */
function splitValue(rest: string): { value: string; trailer: string } {
  try {
    const doc = parseToml(`v = ${rest}`);
    const [, end] = doc.valueSpans.get('v') ?? [4, 4 + rest.length];
    return { value: rest.slice(0, end - 4), trailer: rest.slice(end - 4) };
  } catch {
    return { value: rest, trailer: '' };
  }
}

function setKey(lines: string[], section: { start: number; end: number }, key: string, rendered: string): void {
  const pattern = keyLine(key);
  for (let i = section.start + 1; i < section.end; i++) {
    const match = pattern.exec(lines[i]!);
    if (match) {
      const { trailer } = splitValue(match[4]!);
      lines[i] = `${match[1]}${match[2]}${match[3]}${rendered}${trailer}`;
      return;
    }
  }
  lines.splice(insertionPoint(lines, section), 0, `${renderKey(key)} = ${rendered}`);
}

function removeKey(lines: string[], section: { start: number; end: number }, key: string): void {
  const pattern = keyLine(key);
  for (let i = section.end - 1; i > section.start; i--) {
    if (pattern.test(lines[i]!)) lines.splice(i, 1);
  }
}

function renderKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : quote(key);
}

function renderInlineTable(entries: [string, string][]): string {
  if (entries.length === 0) return '{}';
  return `{ ${entries.map(([k, v]) => `${renderKey(k)} = ${quote(v)}`).join(', ')} }`;
}

function editEnvironment(lines: string[], fn: string, section: { start: number; end: number }, key: string, value: string | null): void {
  const field = `functions.${fn}.environment.${key}`;
  // A sub-table: one line per variable.
  const sub = findSection(lines, `functions.${fn}.environment`);
  if (sub) {
    const pattern = keyLine(key);
    const index = lines.findIndex((line, i) => i > sub.start && i < sub.end && pattern.test(line));
    if (value === null) {
      if (index < 0) throw invalid(field, 'no such variable');
      lines.splice(index, 1);
    } else {
      setKey(lines, sub, key, quote(value));
    }
    return;
  }
  // An inline table on the function's `environment = { … }` line.
  const pattern = keyLine('environment');
  for (let i = section.start + 1; i < section.end; i++) {
    const match = pattern.exec(lines[i]!);
    if (!match) continue;
    const { value: inline, trailer } = splitValue(match[4]!);
    const table = parseToml(`v = ${inline}`).root.v;
    if (!isTable(table)) throw invalid(`functions.${fn}.environment`, 'is not a table');
    const entries = Object.entries(table).map(([k, v]) => [k, String(v)] as [string, string]);
    const existing = entries.findIndex(([k]) => k === key);
    if (value === null) {
      if (existing < 0) throw invalid(field, 'no such variable');
      entries.splice(existing, 1);
    } else if (existing >= 0) {
      entries[existing] = [key, value];
    } else {
      entries.push([key, value]);
    }
    lines[i] = `${match[1]}${match[2]}${match[3]}${renderInlineTable(entries)}${trailer}`;
    return;
  }
  if (value === null) throw invalid(field, 'no such variable');
  lines.splice(insertionPoint(lines, section), 0, `environment = ${renderInlineTable([[key, value]])}`);
}

// ---- trigger and permission sections ([[functions.F.triggers]]) ----------------------------

const HTTP_METHODS = ['ANY', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** functory-core's `check_trigger_fields`: the shape checks every trigger edit makes. */
export function checkTriggerFields(trigger: Trigger, field: string): ApiError | null {
  const refuse = (key: string, message: string) => invalid(`${field}.${key}`, message);
  switch (trigger.kind) {
    case 'http':
      if (!HTTP_METHODS.includes(trigger.method.toUpperCase())) {
        return refuse('method', `unknown HTTP method \`${trigger.method}\`; use one of ${HTTP_METHODS.join(', ')}`);
      }
      if (!trigger.path.startsWith('/')) return refuse('path', `HTTP path \`${trigger.path}\` must start with \`/\``);
      return null;
    case 'schedule': {
      const e = trigger.expression.trim();
      if (!(e.startsWith('rate(') || e.startsWith('cron(')) || !e.endsWith(')')) {
        return refuse('expression', `schedule \`${trigger.expression}\` must be \`rate(...)\` or \`cron(...)\``);
      }
      return null;
    }
    case 'storage':
      return trigger.bucket.trim() ? null : refuse('bucket', 'the bucket name is empty');
    case 'queue':
      return trigger.queue.trim() ? null : refuse('queue', 'the queue name is empty');
    case 'stream':
      return trigger.stream.trim() ? null : refuse('stream', 'the stream name is empty');
    case 'url':
      if (trigger.cors?.max_age != null && trigger.cors.max_age > 86400) {
        return refuse('cors.max_age', 'CORS max_age is at most 86400 seconds (one day)');
      }
      return null;
  }
}

function renderArray(items: string[]): string {
  return `[${items.map(quote).join(', ')}]`;
}

/** A trigger as `key = value` pairs, in the order functory-core writes them. */
function triggerEntries(trigger: Trigger): [string, string][] {
  const entries: [string, string][] = [['kind', quote(trigger.kind)]];
  const optional = (key: string, value: string | null | undefined) => {
    if (value) entries.push([key, quote(value)]);
  };
  switch (trigger.kind) {
    case 'http':
      entries.push(['method', quote(trigger.method.toUpperCase())], ['path', quote(trigger.path)]);
      break;
    case 'schedule':
      entries.push(['expression', quote(trigger.expression.trim())]);
      optional('timezone', trigger.timezone);
      break;
    case 'storage':
      entries.push(['bucket', quote(trigger.bucket)]);
      optional('prefix', trigger.prefix);
      optional('suffix', trigger.suffix);
      if (trigger.events && trigger.events.length > 0) entries.push(['events', renderArray(trigger.events)]);
      break;
    case 'queue':
      entries.push(['queue', quote(trigger.queue)]);
      if (trigger.batch_size != null) entries.push(['batch_size', String(trigger.batch_size)]);
      break;
    case 'stream':
      entries.push(['stream', quote(trigger.stream)]);
      if (trigger.batch_size != null) entries.push(['batch_size', String(trigger.batch_size)]);
      optional('starting_position', trigger.starting_position);
      break;
    case 'url': {
      entries.push(['auth', quote(trigger.auth)]);
      const cors = trigger.cors;
      if (cors) {
        const parts: string[] = [];
        for (const key of ['allow_origins', 'allow_methods', 'allow_headers', 'expose_headers'] as const) {
          if (cors[key].length > 0) parts.push(`${key} = ${renderArray(cors[key])}`);
        }
        if (cors.allow_credentials) parts.push('allow_credentials = true');
        if (cors.max_age != null) parts.push(`max_age = ${cors.max_age}`);
        entries.push(['cors', parts.length ? `{ ${parts.join(', ')} }` : '{}']);
      }
      break;
    }
  }
  return entries;
}

const isBlankOrComment = (line: string) => /^\s*(#.*)?$/.test(line);
const isHeader = (line: string) => /^\s*\[/.test(line);

/** The `[[functions.F.KEY]]` sections: each from its header to its last key line (inclusive). */
function arraySections(lines: string[], fn: string, key: string): { prefixStart: number; header: number; lastKey: number }[] {
  const pattern = new RegExp(`^\\s*\\[\\[\\s*functions\\s*\\.\\s*${fn}\\s*\\.\\s*${key}\\s*\\]\\]\\s*(#.*)?$`);
  const sections = [];
  for (let header = 0; header < lines.length; header++) {
    if (!pattern.test(lines[header]!)) continue;
    let end = header + 1;
    while (end < lines.length && !isHeader(lines[end]!)) end++;
    let lastKey = end - 1;
    while (lastKey > header && isBlankOrComment(lines[lastKey]!)) lastKey--;
    // Like toml_edit, the blank lines and comments above a header belong to its section.
    let prefixStart = header;
    while (prefixStart > 0 && isBlankOrComment(lines[prefixStart - 1]!)) prefixStart--;
    sections.push({ prefixStart, header, lastKey });
  }
  return sections;
}

/** Where a new `[[functions.F.KEY]]` goes: after the last section of that array, or else after
 * the function's last table (`[functions.F]` and its sub-tables). */
function arrayInsertionLine(lines: string[], fn: string, key: string): number {
  const existing = arraySections(lines, fn, key);
  if (existing.length > 0) return existing[existing.length - 1]!.lastKey + 1;
  const own = new RegExp(`^\\s*\\[\\[?\\s*functions\\s*\\.\\s*${fn}\\s*(\\.[^\\]]*)?\\]\\]?\\s*(#.*)?$`);
  let last = -1;
  for (let i = 0; i < lines.length; i++) if (own.test(lines[i]!)) last = i;
  let end = last + 1;
  while (end < lines.length && !isHeader(lines[end]!)) end++;
  while (end > last + 1 && isBlankOrComment(lines[end - 1]!)) end--;
  return end;
}

function pushSection(lines: string[], fn: string, key: string, entries: [string, string][]): void {
  const at = arrayInsertionLine(lines, fn, key);
  lines.splice(at, 0, '', `[[functions.${fn}.${key}]]`, ...entries.map(([k, v]) => `${k} = ${v}`));
}

/** Applies `edit` to the manifest text, as functory-core's `apply_edit` does. */
export function applyEdit(text: string, edit: ManifestEdit): string {
  let doc: TomlDocument;
  try {
    doc = parseToml(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw apiError('invalid_manifest', `functory.toml does not parse, fix it first: ${message}`);
  }
  const functions = doc.root.functions;
  const lines = text.split('\n');
  const sectionOf = (fn: string) => {
    const section = isTable(functions) && isTable(functions[fn]) ? findSection(lines, `functions.${fn}`) : null;
    if (!section) throw apiError('not_found', `no function named \`${fn}\` in functory.toml`);
    return section;
  };
  const range = (field: string, n: number, [min, max]: [number, number], unit: string) => {
    if (!Number.isInteger(n) || n < min || n > max) {
      throw invalid(field, `${n} is out of range: must be between ${min} and ${max} ${unit}`);
    }
  };
  switch (edit.kind) {
    case 'setMemory':
      range(`functions.${edit.function}.memory_mb`, edit.memoryMb, MEMORY_RANGE, 'MB');
      setKey(lines, sectionOf(edit.function), 'memory_mb', String(edit.memoryMb));
      break;
    case 'setTimeout':
      range(`functions.${edit.function}.timeout_s`, edit.timeoutS, TIMEOUT_RANGE, 'seconds');
      setKey(lines, sectionOf(edit.function), 'timeout_s', String(edit.timeoutS));
      break;
    case 'setEnv':
      if (!isValidEnvKey(edit.key)) {
        throw invalid(
          `functions.${edit.function}.environment.${edit.key}`,
          'a variable name must start with a letter and contain only letters, digits and `_`',
        );
      }
      editEnvironment(lines, edit.function, sectionOf(edit.function), edit.key, edit.value);
      break;
    case 'removeEnv':
      editEnvironment(lines, edit.function, sectionOf(edit.function), edit.key, null);
      break;
    case 'setTargetCredentials': {
      const field = `targets.${edit.target}`;
      if (edit.profile !== null && edit.account !== null) {
        throw invalid(field, 'choose either an AWS profile or a keychain account, not both');
      }
      const targets = doc.root.targets;
      const target = isTable(targets) ? targets[edit.target] : undefined;
      const section = isTable(target) ? findSection(lines, field) : null;
      if (!isTable(target) || !section) throw invalid(field, 'no such target');
      const adapter = typeof target.adapter === 'string' ? target.adapter : '';
      if (edit.profile !== null && adapter !== 'aws') {
        throw invalid(`${field}.profile`, `AWS profiles apply to targets with adapter = "aws"; this target uses "${adapter}"`);
      }
      // Removals first (from the bottom), then sets: each keeps the other lines and comments.
      for (const [key, value] of [['account', edit.account], ['profile', edit.profile]] as const) {
        const trimmed = value?.trim() ?? '';
        const current = findSection(lines, field)!;
        if (trimmed) setKey(lines, current, key, quote(trimmed));
        else removeKey(lines, current, key);
      }
      break;
    }
    case 'addFunction': {
      if (!isValidFunctionName(edit.name)) {
        throw invalid(`functions.${edit.name}`, 'a function name is 1 to 64 letters, digits, `-` or `_`');
      }
      if (!(edit.runtime in RUNTIMES)) throw invalid(`functions.${edit.name}.runtime`, `unknown runtime \`${edit.runtime}\``);
      if (isTable(functions) && Object.keys(functions).some((k) => k.toLowerCase() === edit.name.toLowerCase())) {
        throw apiError('already_exists', `a function named \`${edit.name}\` already exists`);
      }
      while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
      lines.push(
        '',
        `[functions.${edit.name}]`,
        `runtime = ${quote(edit.runtime)}`,
        `handler = ${quote(edit.handler)}`,
        'memory_mb = 128',
        'timeout_s = 10',
      );
      if (edit.httpPath !== null) {
        lines.push('', `[[functions.${edit.name}.triggers]]`, 'kind = "http"', 'method = "GET"', `path = ${quote(edit.httpPath)}`);
      }
      lines.push('');
      break;
    }
    case 'addTrigger': {
      sectionOf(edit.function);
      const index = arraySections(lines, edit.function, 'triggers').length;
      const field = `functions.${edit.function}.triggers[${index}]`;
      const refused = checkTriggerFields(edit.trigger, field);
      if (refused) throw refused;
      const fnTable = isTable(functions) ? functions[edit.function] : undefined;
      const existing = isTable(fnTable) && Array.isArray(fnTable.triggers) ? fnTable.triggers : [];
      if (edit.trigger.kind === 'url' && existing.some((t) => isTable(t) && t.kind === 'url')) {
        throw invalid(field, 'a function has at most one `url` trigger');
      }
      pushSection(lines, edit.function, 'triggers', triggerEntries(edit.trigger));
      break;
    }
    case 'updateTrigger': {
      sectionOf(edit.function);
      const field = `functions.${edit.function}.triggers[${edit.index}]`;
      const refused = checkTriggerFields(edit.trigger, field);
      if (refused) throw refused;
      const section = arraySections(lines, edit.function, 'triggers')[edit.index];
      if (!section) throw invalid(field, 'no such trigger');
      const entries = triggerEntries(edit.trigger);
      const range = () => ({ start: section.header, end: arraySections(lines, edit.function, 'triggers')[edit.index]!.lastKey + 1 });
      const current = parseToml(lines.slice(section.header + 1, section.lastKey + 1).join('\n')).root;
      for (const key of Object.keys(current)) {
        if (!entries.some(([k]) => k === key)) removeKey(lines, range(), key);
      }
      for (const [key, rendered] of entries) {
        const same = key in current && JSON.stringify(current[key]) === JSON.stringify(parseToml(`v = ${rendered}`).root.v);
        if (!same) setKey(lines, range(), key, rendered);
      }
      break;
    }
    case 'removeTrigger': {
      sectionOf(edit.function);
      const section = arraySections(lines, edit.function, 'triggers')[edit.index];
      if (!section) throw invalid(`functions.${edit.function}.triggers[${edit.index}]`, 'no such trigger');
      lines.splice(section.prefixStart, section.lastKey + 1 - section.prefixStart);
      break;
    }
    case 'setPermissions': {
      sectionOf(edit.function);
      const empty = edit.permissions.findIndex((p) => p.actions.length === 0);
      if (empty >= 0) throw invalid(`functions.${edit.function}.permissions[${empty}].actions`, 'a statement needs at least one action');
      // Old statements go from the bottom up, with the comments above them — but the comment
      // above the first one describes the permissions and stays, as in functory-core.
      const old = arraySections(lines, edit.function, 'permissions');
      for (const [i, section] of [...old.entries()].reverse()) {
        const from = i === 0 ? section.header : section.prefixStart;
        lines.splice(from, section.lastKey + 1 - from);
      }
      const at = old.length > 0 ? old[0]!.header : arrayInsertionLine(lines, edit.function, 'permissions');
      const added: string[] = [];
      edit.permissions.forEach((p, i) => {
        if (i > 0 || old.length === 0) added.push('');
        added.push(`[[functions.${edit.function}.permissions]]`);
        if (p.effect === 'Deny') added.push('effect = "Deny"');
        added.push(`actions = ${renderArray(p.actions)}`, `resources = ${renderArray(p.resources)}`);
      });
      lines.splice(at, 0, ...added);
      break;
    }
    case 'addPermission': {
      sectionOf(edit.function);
      const index = arraySections(lines, edit.function, 'permissions').length;
      const field = `functions.${edit.function}.permissions[${index}]`;
      if (edit.actions.length === 0) throw invalid(field, 'a permission needs at least one action');
      if (edit.resources.length === 0) throw invalid(field, 'a permission needs at least one resource (use "*" for any)');
      pushSection(lines, edit.function, 'permissions', [
        ['actions', renderArray(edit.actions)],
        ['resources', renderArray(edit.resources)],
      ]);
      break;
    }
  }
  return lines.join('\n');
}
