import type { FunctionTemplate } from '../../bindings/FunctionTemplate';

/**
 * What each template makes, as the pickers say it. A `Record` over the generated union, so a
 * template added in Rust fails `tsc` here until it has its line.
 */
const TEMPLATE_LABELS: Record<FunctionTemplate, string> = {
  'node-http': 'HTTP handler',
  'node-http-api': 'HTTP API over a table (list, add, read)',
  'node-upload': 'Upload processing: bucket → function → bucket',
  'node-cron': 'Scheduled job',
  'node-queue-worker': 'Queue worker with a dead-letter queue',
  'python-http': 'HTTP handler',
  'python-http-api': 'HTTP API over a table (list, add, read)',
  'python-upload': 'Upload processing: bucket → function → bucket',
  'python-cron': 'Scheduled job',
  'python-queue-worker': 'Queue worker with a dead-letter queue',
};

const GROUPS: { label: string; prefix: string }[] = [
  { label: 'Node.js', prefix: 'node-' },
  { label: 'Python', prefix: 'python-' },
];

/** The `<option>`s of a template picker, grouped by language. */
export function TemplateOptions() {
  const ids = Object.keys(TEMPLATE_LABELS) as FunctionTemplate[];
  return (
    <>
      {GROUPS.map((group) => (
        <optgroup key={group.label} label={group.label}>
          {ids
            .filter((id) => id.startsWith(group.prefix))
            .map((id) => (
              <option key={id} value={id}>
                {id} — {TEMPLATE_LABELS[id]}
              </option>
            ))}
        </optgroup>
      ))}
    </>
  );
}
