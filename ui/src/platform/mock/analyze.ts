// A stand-in for functory-analyze in the browser: it recognises only the AWS SDK v3 write calls
// the UI tests write into a handler — `new PutObjectCommand({ Bucket: … })`,
// `new SendMessageCommand({ QueueUrl: … })`, `new PutItemCommand({ TableName: … })` — with a
// literal name or `process.env.NAME` set in the manifest, and answers in the analyzer's shape.
// The real analyzer (tree-sitter, every SDK style, boto3) is tested in crates/analyze.

import type { Analysis } from '../../bindings/Analysis';
import type { Manifest } from '../../bindings/Manifest';
import type { ProjectAnalysis } from '../../bindings/ProjectAnalysis';
import type { RequiredPermission } from '../../bindings/RequiredPermission';

const WRITES: { command: string; key: string; action: string; arn: (name: string) => string }[] = [
  { command: 'PutObjectCommand', key: 'Bucket', action: 's3:PutObject', arn: (n) => `arn:aws:s3:::${n}/*` },
  { command: 'SendMessageCommand', key: 'QueueUrl', action: 'sqs:SendMessage', arn: (n) => `arn:aws:sqs:*:*:${n.split('/').pop()}` },
  { command: 'PutItemCommand', key: 'TableName', action: 'dynamodb:PutItem', arn: (n) => `arn:aws:dynamodb:*:*:table/${n}` },
];

export function analyzeProject(manifest: Manifest, files: Map<string, string>): ProjectAnalysis {
  return {
    functions: manifest.functions.map((fn) => {
      const path = fn.handlerFile;
      const text = path ? (files.get(path) ?? '') : '';
      const env = new Map(fn.environment.map((e) => [e.key, e.value]));
      const required: RequiredPermission[] = [];
      for (const write of WRITES) {
        const pattern = new RegExp(`new ${write.command}\\(\\{[^}]*${write.key}:\\s*(?:"([^"]+)"|process\\.env\\.([A-Z0-9_]+))`, 'g');
        for (const match of text.matchAll(pattern)) {
          const name = match[1] ?? env.get(match[2] ?? '');
          if (!name) continue;
          const line = text.slice(0, match.index).split('\n').length;
          required.push({
            action: write.action,
            resource: write.arn(name),
            reason: match[1] ? 'a literal name' : `${match[2]} = "${name}" in functory.toml`,
            locations: [{ file: path ?? '', line, column: 1, endLine: line, endColumn: 1, start: match.index ?? 0, end: match.index ?? 0 }],
          });
        }
      }
      const analysis: Analysis = {
        function: fn.name,
        handler: { handler: fn.handler, file: path, location: null, problems: [] },
        files: [],
        calls: [],
        notUnderstood: [],
        required,
        policy: required.map((r) => ({ effect: 'Allow', actions: [r.action], resources: [r.resource] })),
        comparison: { missing: [], unused: [] },
      };
      return { analysis, findings: [] };
    }),
  };
}
