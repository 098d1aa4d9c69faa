// A tiny stand-in for functory-lint: a few of its rules as text patterns, enough for the
// Security view to show findings, apply a safe fix, review an unsafe one and browse the docs.
// Positions follow the real linter: 1-based lines, columns counting characters.

import type { LintFinding } from '../../bindings/LintFinding';
import type { LintRuleDoc } from '../../bindings/LintRuleDoc';

/** A policy the mock sample carries (the real sample has none) so the linter has work. */
export const SAMPLE_POLICY_PATH = 'policies/report-role.json';
export const SAMPLE_POLICY = `{
  "Version": "2008-10-17",
  "Statement": [
    {
      "Sid": "ReadUploads",
      "Effect": "allow",
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::uploads/*"
    },
    {
      "Sid": "WriteReports",
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": "arn:aws:s3:::reports/*"
    }
  ]
}
`;

interface MockRule {
  doc: LintRuleDoc;
  /** Files the rule reads. */
  applies: (path: string) => boolean;
  pattern: RegExp;
  /** Which capture group is the finding's span. */
  group: number;
  message: (match: RegExpExecArray) => string;
  fix: { applicability: 'safe' | 'unsafe'; message: string; replacement: (text: string) => string } | null;
}

const isJson = (path: string) => path.endsWith('.json');

/** The manifest function whose section holds `offset` (`[functions.X]` or `[[functions.X.…]]`). */
function manifestFunctionAt(text: string, offset: number): string | null {
  let found: string | null = null;
  for (const match of text.slice(0, offset).matchAll(/^\s*\[\[?\s*functions\.([A-Za-z0-9_-]+)/gm)) found = match[1]!;
  return found;
}

const RULES: MockRule[] = [
  {
    doc: {
      code: 'IAM002',
      name: 'policy-version',
      summary: 'The policy Version is missing, invalid or the old 2008-10-17',
      severity: 'medium',
      fix: 'unsafe',
      target: 'policies',
      documentation:
        '## What it checks\nThe policy\'s `Version`: missing, not one of the two versions IAM knows, or the old `2008-10-17`.\n\n## Why it matters\nWithout `"Version": "2012-10-17"` IAM reads policy variables such as `${aws:username}` as plain text.\n\n## Fix\nSet `"Version": "2012-10-17"`. The fix is unsafe: it changes how `${…}` text in the policy is read.',
    },
    applies: isJson,
    pattern: /"Version"\s*:\s*("2008-10-17")/g,
    group: 1,
    message: () => 'Version "2008-10-17" reads policy variables as plain text; use "2012-10-17"',
    fix: { applicability: 'unsafe', message: 'Set "Version": "2012-10-17"', replacement: () => '"2012-10-17"' },
  },
  {
    doc: {
      code: 'IAM004',
      name: 'invalid-effect',
      summary: 'Effect is not exactly "Allow" or "Deny"',
      severity: 'high',
      fix: 'safe',
      target: 'policies',
      documentation:
        '## What it checks\nA statement\'s `Effect` that is not exactly `Allow` or `Deny` (the values are case-sensitive).\n\n## Why it matters\nIAM rejects the whole policy.\n\n## Fix\nWrite the value with its exact case. The fix is safe.',
    },
    applies: isJson,
    pattern: /"Effect"\s*:\s*("(?:allow|deny|ALLOW|DENY)")/g,
    group: 1,
    message: (m) => `Effect ${m[1]} is not "Allow" or "Deny" (the value is case-sensitive)`,
    fix: {
      applicability: 'safe',
      message: 'Write the Effect with its exact case',
      replacement: (text) => (text.toLowerCase().includes('allow') ? '"Allow"' : '"Deny"'),
    },
  },
  {
    doc: {
      code: 'IAM202',
      name: 'service-wildcard',
      summary: 'An Allow grants every action of a service (service:*)',
      severity: 'high',
      fix: 'none',
      target: 'identity policies',
      documentation:
        '## What it checks\nAn `Allow` statement whose `Action` is `service:*`.\n\n## Why it matters\nEvery action of the service, including the ones added later, is granted: deleting, changing policies, sharing data.\n\n## Fix\nList the actions the function needs.',
    },
    applies: isJson,
    pattern: /"Action"\s*:\s*("[a-z0-9-]+:\*")/g,
    group: 1,
    message: (m) => `${m[1]} grants every action of the service; list the actions the function needs`,
    fix: null,
  },
  {
    doc: {
      code: 'LMB001',
      name: 'function-url-auth-none',
      summary: 'A function URL that anyone can invoke (AuthType NONE)',
      severity: 'high',
      fix: 'unsafe',
      target: 'functions',
      documentation:
        '## What it checks\nA `url` trigger with `auth = "none"`.\n\n## Why it matters\nAnyone who finds the URL can invoke the function.\n\n## Fix\nUse `auth = "iam"`. The fix is unsafe: unauthenticated callers stop working.',
    },
    applies: (path) => path === 'functory.toml',
    pattern: /^\s*auth\s*=\s*("none")/gm,
    group: 1,
    message: () => 'the function URL accepts unauthenticated requests (auth = "none")',
    fix: { applicability: 'unsafe', message: 'Set auth = "iam"', replacement: () => '"iam"' },
  },
];

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = [...before.slice(before.lastIndexOf('\n') + 1)].length + 1;
  return { line, column };
}

interface Located {
  finding: LintFinding;
  start: number;
  end: number;
  rule: MockRule;
}

function lintFile(path: string, text: string): Located[] {
  const out: Located[] = [];
  for (const rule of RULES) {
    if (!rule.applies(path)) continue;
    for (const match of text.matchAll(rule.pattern)) {
      const captured = match[rule.group]!;
      const start = (match.index ?? 0) + match[0].lastIndexOf(captured);
      const end = start + captured.length;
      const from = position(text, start);
      const to = position(text, end);
      out.push({
        start,
        end,
        rule,
        finding: {
          id: `${path}:${rule.doc.code}:${start}-${end}`,
          file: path,
          code: rule.doc.code,
          name: rule.doc.name,
          severity: rule.doc.severity,
          message: rule.message(match as RegExpExecArray),
          line: from.line,
          column: from.column,
          endLine: to.line,
          endColumn: to.column,
          note: null,
          context: null,
          function: path === 'policies/report-role.json' ? 'report' : path === 'functory.toml' ? manifestFunctionAt(text, start) : null,
          fix: rule.fix ? { applicability: rule.fix.applicability, message: rule.fix.message } : null,
          suppressed: null,
        },
      });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

function lintable(path: string): boolean {
  return path === 'functory.toml' || /\.(json|ya?ml|template)$/i.test(path);
}

export function lintFiles(files: Map<string, string>): { findings: LintFinding[]; files: number } {
  const paths = [...files.keys()].filter(lintable).sort();
  return { findings: paths.flatMap((p) => lintFile(p, files.get(p)!).map((l) => l.finding)), files: paths.length };
}

export function ruleDocs(): LintRuleDoc[] {
  return RULES.map((r) => structuredClone(r.doc));
}

/** The finding `id` names, freshly linted, or null when it is gone. */
function find(files: Map<string, string>, id: string): { path: string; text: string; located: Located } | null {
  const path = id.split(':').slice(0, -2).join(':');
  const text = files.get(path);
  if (text === undefined) return null;
  const located = lintFile(path, text).find((l) => l.finding.id === id);
  return located ? { path, text, located } : null;
}

export type FixResult =
  | { ok: true; path: string; before: string; after: string; applicability: 'safe' | 'unsafe'; message: string }
  | { ok: false; code: 'not_found' | 'invalid_input'; message: string };

export function computeFix(files: Map<string, string>, id: string): FixResult {
  const found = find(files, id);
  if (!found) return { ok: false, code: 'not_found', message: `the finding \`${id}\` is gone; lint again` };
  const { path, text, located } = found;
  const fix = located.rule.fix;
  if (!fix) return { ok: false, code: 'invalid_input', message: `${located.rule.doc.code} has no fix that can be applied` };
  const after = text.slice(0, located.start) + fix.replacement(text.slice(located.start, located.end)) + text.slice(located.end);
  return { ok: true, path, before: text, after, applicability: fix.applicability, message: fix.message };
}

/** The changed block with one line of context each side, like the backend's preview. */
export function lineDiff(before: string, after: string): string {
  const split = (s: string) => (s.endsWith('\n') ? s.slice(0, -1) : s).split('\n');
  const old = split(before);
  const now = split(after);
  let prefix = 0;
  while (prefix < old.length && prefix < now.length && old[prefix] === now[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < old.length - prefix &&
    suffix < now.length - prefix &&
    old[old.length - 1 - suffix] === now[now.length - 1 - suffix]
  )
    suffix++;
  const lines: string[] = [];
  for (const l of old.slice(Math.max(prefix - 1, 0), prefix)) lines.push(` ${l}`);
  for (const l of old.slice(prefix, old.length - suffix)) lines.push(`-${l}`);
  for (const l of now.slice(prefix, now.length - suffix)) lines.push(`+${l}`);
  if (suffix > 0) lines.push(` ${old[old.length - suffix]}`);
  return lines.map((l) => `${l}\n`).join('');
}
