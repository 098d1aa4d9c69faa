// A stand-in for functory-analyze in the browser: it recognises only the AWS SDK v3 calls the UI
// tests write into a handler — `new PutObjectCommand({ Bucket: … })`, `new GetObjectCommand`,
// `new ListObjectsV2Command`, `new SendMessageCommand({ QueueUrl: … })`,
// `new PutItemCommand({ TableName: … })` — with a literal name or `process.env.NAME` set in the
// manifest, compares them with the function's permissions (exact actions, `*` globs), explains
// "is not authorized to perform" texts, and outlines files with a few patterns. It answers in
// the analyzer's shape. The real analyzer (tree-sitter, every SDK style, boto3) is tested in
// crates/analyze.

import type { AccessDeniedHelp } from '../../bindings/AccessDeniedHelp';
import type { Analysis } from '../../bindings/Analysis';
import type { FileAnalysis } from '../../bindings/FileAnalysis';
import type { Function as FunctionModel } from '../../bindings/Function';
import type { FunctionAnalysis } from '../../bindings/FunctionAnalysis';
import type { Location } from '../../bindings/Location';
import type { Manifest } from '../../bindings/Manifest';
import type { MissingPermission } from '../../bindings/MissingPermission';
import type { OutlineItem } from '../../bindings/OutlineItem';
import type { Permission } from '../../bindings/Permission';
import type { ProjectAnalysis } from '../../bindings/ProjectAnalysis';
import type { RequiredPermission } from '../../bindings/RequiredPermission';
import type { SdkCall } from '../../bindings/SdkCall';
import type { UnusedGrant } from '../../bindings/UnusedGrant';

const CALLS: { command: string; key: string; action: string; arn: (name: string) => string }[] = [
  { command: 'PutObjectCommand', key: 'Bucket', action: 's3:PutObject', arn: (n) => `arn:aws:s3:::${n}/*` },
  { command: 'GetObjectCommand', key: 'Bucket', action: 's3:GetObject', arn: (n) => `arn:aws:s3:::${n}/*` },
  { command: 'ListObjectsV2Command', key: 'Bucket', action: 's3:ListBucket', arn: (n) => `arn:aws:s3:::${n}` },
  { command: 'SendMessageCommand', key: 'QueueUrl', action: 'sqs:SendMessage', arn: (n) => `arn:aws:sqs:*:*:${n.split('/').pop()}` },
  { command: 'PutItemCommand', key: 'TableName', action: 'dynamodb:PutItem', arn: (n) => `arn:aws:dynamodb:*:*:table/${n}` },
];

function location(file: string, text: string, index: number, length: number): Location {
  const before = text.slice(0, index).split('\n');
  const line = before.length;
  const column = before[before.length - 1]!.length + 1;
  return { file, line, column, endLine: line, endColumn: column + length, start: index, end: index + length };
}

/** IAM-style wildcard matching: `*` any run, `?` one character; actions case-insensitively. */
function globMatches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, ignoreCase ? 'i' : '').test(value);
}

function grants(statement: Permission, action: string, resource: string): boolean {
  return (
    statement.actions.some((a) => globMatches(a, action, true)) && statement.resources.some((r) => globMatches(r, resource, false))
  );
}

function requiredOf(fn: FunctionModel, files: Map<string, string>): { required: RequiredPermission[]; calls: SdkCall[] } {
  const path = fn.handlerFile;
  const text = path ? (files.get(path) ?? '') : '';
  const env = new Map(fn.environment.map((e) => [e.key, e.value]));
  const required: RequiredPermission[] = [];
  const calls: SdkCall[] = [];
  for (const call of CALLS) {
    const pattern = new RegExp(`new ${call.command}\\(\\{[^}]*${call.key}:\\s*(?:"([^"]+)"|process\\.env\\.([A-Z0-9_]+))`, 'g');
    for (const match of text.matchAll(pattern)) {
      const name = match[1] ?? env.get(match[2] ?? '');
      if (!name) continue;
      const at = location(path ?? '', text, match.index ?? 0, match[0].length);
      const resource = call.arn(name);
      const reason = match[1] ? 'a literal name' : `${match[2]} = "${name}" in functory.toml`;
      calls.push({
        location: at,
        flavor: 'jsV3',
        service: call.action.split(':')[0]!,
        operation: call.command.replace(/Command$/, ''),
        code: `send(new ${call.command}(…))`,
        actions: [call.action],
        resources: [{ arn: resource, reason }],
        note: null,
      });
      const same = required.find((r) => r.action === call.action && r.resource === resource);
      if (same) same.locations.push(at);
      else required.push({ action: call.action, resource, reason, locations: [at] });
    }
  }
  return { required, calls };
}

export function analyzeFunction(fn: FunctionModel, files: Map<string, string>): FunctionAnalysis {
  const { required, calls } = requiredOf(fn, files);
  const allows = fn.permissions.filter((p) => p.effect === 'Allow');
  const missing: MissingPermission[] = required
    .filter((r) => !allows.some((p) => grants(p, r.action, r.resource)))
    .map((r) => ({ action: r.action, resource: r.resource, locations: r.locations, why: 'no statement grants it' }));
  const unused: UnusedGrant[] = [];
  fn.permissions.forEach((p, statement) => {
    if (p.effect !== 'Allow') return;
    for (const action of p.actions) {
      const needed = required.filter((r) => globMatches(action, r.action, true) && p.resources.some((res) => globMatches(res, r.resource, false)));
      if (needed.length === 0) {
        unused.push({ statement, action, resources: p.resources, location: null, needed: [], grantedCount: 1 });
      }
    }
  });
  const analysis: Analysis = {
    function: fn.name,
    handler: { handler: fn.handler, file: fn.handlerFile, location: null, problems: [] },
    files: [],
    calls,
    notUnderstood: [],
    required,
    policy: required.map((r) => ({ effect: 'Allow', actions: [r.action], resources: [r.resource] })),
    comparison: { missing, unused },
  };
  return { analysis, findings: [] };
}

export function analyzeProject(manifest: Manifest, files: Map<string, string>): ProjectAnalysis {
  return { functions: manifest.functions.map((fn) => analyzeFunction(fn, files)) };
}

/**
 * The explanation of an "is not authorized to perform: ACTION on resource: ARN" text: the
 * calls that need the action, and the permissions with a statement granting it added. The
 * caller turns `proposed` into a preview (the manifest diff).
 */
export function explainAccessDenied(
  fn: FunctionModel,
  files: Map<string, string>,
  text: string,
): Omit<AccessDeniedHelp, 'preview'> & { proposed: Permission[] | null } {
  const found = /not authorized to perform:?\s*([A-Za-z0-9-]+:[A-Za-z0-9*]+)(?:\s+on resource:?\s*"?([^\s"]+)"?)?/.exec(text);
  const line = text.split('\n').find((l) => l.includes('not authorized') || l.includes('AccessDenied')) ?? text;
  const action = found?.[1] ?? null;
  const resource = found?.[2] ?? null;
  const { calls } = requiredOf(fn, files);
  const needing = action ? calls.filter((c) => c.actions.includes(action)) : [];
  const proposed = action ? [...fn.permissions, { effect: 'Allow' as const, actions: [action], resources: [resource ?? needing[0]?.resources[0]?.arn ?? '*'] }] : null;
  return {
    explanation: {
      denied: { cloud: 'aws', action, resource, principal: null, explicitDeny: false, message: line.trim() },
      calls: needing,
      statement: null,
      statementLocation: null,
      summary: action
        ? `add a statement allowing ${action} on ${resource ?? 'the resource'} to functions.${fn.name}.permissions`
        : 'the text names no action: look at the policy of the resource it refers to',
      proposed,
    },
    proposed,
  };
}

/** Top-level functions, classes and exports, found with a few patterns (the real outline parses). */
export function outlineFile(path: string, text: string): FileAnalysis {
  const python = path.endsWith('.py');
  const language = python ? 'python' : path.endsWith('.ts') || path.endsWith('.mts') ? 'typescript' : 'javascript';
  const outline: OutlineItem[] = [];
  const patterns: [RegExp, OutlineItem['kind'], boolean][] = python
    ? [
        [/^def\s+([A-Za-z_]\w*)/gm, 'function', true],
        [/^class\s+([A-Za-z_]\w*)/gm, 'class', true],
      ]
    : [
        [/^export\s+(?:async\s+)?function\s+([A-Za-z_$][\w$]*)/gm, 'function', true],
        [/^export\s+const\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?(?:\(|function)/gm, 'function', true],
        [/^(?:async\s+)?function\s+([A-Za-z_$][\w$]*)/gm, 'function', false],
        [/^(?:export\s+)?class\s+([A-Za-z_$][\w$]*)/gm, 'class', false],
      ];
  for (const [pattern, kind, exported] of patterns) {
    for (const match of text.matchAll(pattern)) {
      const name = match[1]!;
      const index = (match.index ?? 0) + match[0].lastIndexOf(name);
      outline.push({ kind, name, location: location(path, text, index, name.length), exported: exported || match[0].startsWith('export') });
    }
  }
  outline.sort((a, b) => a.location.start - b.location.start);
  return { path, language, outline, parseProblems: [] };
}
