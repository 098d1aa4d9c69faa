// What the local run serves: HTTP URLs to copy, schedules with their next fire times and "fire
// now", bucket folders, queues, running instances per function, and what did not start.

import { useState } from 'react';

import type { RunStatus } from '../../bindings/RunStatus';
import { copyText } from '../../ui/copy';
import { Icon } from '../../ui/Icon';

/** Entries each list shows at most; a filter finds the others (hundreds of functions serve hundreds of routes). */
export const LIST_CAP = 30;

/** At most LIST_CAP of `items` that match `filter` (case-insensitive, against `text(item)`), with their indexes. */
function capped<T>(items: T[], filter: string, text: (item: T) => string): { shown: { item: T; index: number }[]; hidden: number } {
  const wanted = filter.trim().toLowerCase();
  const shown: { item: T; index: number }[] = [];
  let hidden = 0;
  items.forEach((item, index) => {
    if (wanted && !text(item).toLowerCase().includes(wanted)) return;
    if (shown.length < LIST_CAP) shown.push({ item, index });
    else hidden++;
  });
  return { shown, hidden };
}

function More({ hidden, what }: { hidden: number; what: string }) {
  if (hidden === 0) return null;
  return (
    <p className="muted small" data-testid="run-list-more">
      {hidden} more {what} not listed: filter to find one.
    </p>
  );
}

function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

export function RunStatusPanels({
  status,
  firing,
  onFire,
  onResetLocalData,
}: {
  status: RunStatus;
  firing: string | null;
  onFire: (fn: string) => void;
  /** "Reset local data…": asks first, then stops the run and empties the AWS services. */
  onResetLocalData: () => void;
}) {
  const [copied, setCopied] = useState<string | null>(null);
  const [filter, setFilter] = useState('');

  const copy = async (url: string) => {
    setCopied((await copyText(url)) ? url : null);
    setTimeout(() => setCopied((c) => (c === url ? null : c)), 1500);
  };

  if (!status.running) {
    return (
      <div className="run-side-empty muted" data-testid="run-side-stopped">
        <p>The local run is stopped.</p>
        <p className="small">
          Start it to serve the project’s HTTP routes, schedules, bucket folders and queues on this machine. Invoking a function starts it too.
        </p>
      </div>
    );
  }

  const routes = capped(status.routes, filter, (r) => `${r.method} ${r.path} ${r.url} ${r.function}`);
  const schedules = capped(status.schedules, filter, (s) => `${s.function} ${s.expression}`);
  const buckets = capped(status.buckets, filter, (b) => `${b.bucket} ${b.function}`);
  const queues = capped(status.queues, filter, (q) => `${q.queue} ${q.function}`);
  // Functions with instances or invocations first: at hundreds of functions, most are idle.
  const active = (i: RunStatus['instances'][number]) => i.starting + i.warm + i.busy + i.invocations > 0;
  const instances = capped(
    [...status.instances.filter(active), ...status.instances.filter((i) => !active(i))],
    filter,
    (i) => i.function,
  );
  const long = Math.max(status.routes.length, status.schedules.length, status.buckets.length, status.queues.length, status.instances.length) > LIST_CAP;

  return (
    <>
      {(long || filter) && (
        <input
          type="search"
          className="input run-filter"
          data-testid="run-filter"
          aria-label="Filter the routes, schedules, buckets, queues and instances"
          placeholder="Filter by function, path, bucket or queue"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
        />
      )}
      {status.problems.length > 0 && (
        <section className="run-panel run-problems" data-testid="run-problems">
          <h3 className="run-panel-title warning-text">
            <Icon name="warning" size={14} /> Not started
          </h3>
          <ul className="plain-list">
            {status.problems.map((p, i) => (
              <li key={i} className="small">
                {p}
              </li>
            ))}
          </ul>
        </section>
      )}

      <section className="run-panel" data-testid="run-routes">
        <h3 className="run-panel-title">HTTP</h3>
        {status.routes.length === 0 ? (
          <p className="muted small">No HTTP routes.</p>
        ) : (
          <ul className="plain-list">
            {routes.shown.map(({ item: route, index: i }) => (
              <li key={`${route.method} ${route.path}`} className="run-route">
                <span className="kind-badge">{route.method}</span>
                <a className="mono run-url" data-testid={`run-route-url-${i}`} href={route.url} target="_blank" rel="noreferrer" title={`${route.url} → ${route.function}`}>
                  {route.url}
                </a>
                <button
                  type="button"
                  className="icon-button"
                  data-testid={`run-copy-url-${i}`}
                  aria-label={`Copy ${route.url}`}
                  title="Copy the URL"
                  onClick={() => void copy(route.url)}
                >
                  <Icon name={copied === route.url ? 'checkpoint' : 'file'} size={13} />
                </button>
                {copied === route.url && (
                  <span className="small success-text" data-testid="run-copied" role="status">
                    Copied
                  </span>
                )}
                <span className="muted small run-route-fn">→ {route.function}</span>
              </li>
            ))}
          </ul>
        )}
        <More hidden={routes.hidden} what="routes" />
      </section>

      {status.aws && (
        <section className="run-panel" data-testid="run-aws">
          <h3 className="run-panel-title">AWS services</h3>
          <p className="small">
            Handlers’ AWS SDK calls go to{' '}
            <span className="mono" data-testid="run-aws-endpoint">
              {status.aws.endpoint}
            </span>{' '}
            <button
              type="button"
              className="icon-button"
              aria-label={`Copy ${status.aws.endpoint}`}
              title="Copy the endpoint (for aws --endpoint-url or an SDK client)"
              onClick={() => void copy(status.aws!.endpoint)}
            >
              <Icon name={copied === status.aws.endpoint ? 'checkpoint' : 'file'} size={13} />
            </button>
            <span className="muted">
              {' '}
              · {status.aws.region} · account {status.aws.accountId}
            </span>
          </p>
          {status.aws.permissionsEnforced ? (
            <p className="small muted" data-testid="run-aws-enforced" data-enforced="true">
              Each function acts with its declared permissions only: a call they do not grant fails with AWS’s AccessDenied.
            </p>
          ) : (
            <p className="small warning-text" data-testid="run-aws-enforced" data-enforced="false">
              <Icon name="warning" size={13} /> Permissions are not enforced: every function may make any AWS call.
            </p>
          )}
          <button type="button" className="button button-small" data-testid="run-aws-reset" onClick={onResetLocalData}>
            Reset local data…
          </button>
          {status.aws.resources.length === 0 ? (
            <p className="muted small">No resources declared: add [resources.NAME] to functory.toml (a bucket, queue, table, topic or bus).</p>
          ) : (
            <ul className="plain-list" data-testid="run-aws-resources">
              {status.aws.resources.map((r) => (
                <li key={r.name} className="small" data-testid={`run-aws-resource-${r.name}`}>
                  <span className="kind-badge">{r.kind}</span> <strong>{r.name}</strong>
                  {r.created && <span className="muted"> · created by this run</span>}
                  <div className="mono faint" title={r.address}>
                    {r.arn}
                  </div>
                  {r.folder && (
                    <div
                      className="mono faint run-folder"
                      data-testid={`run-aws-folder-${r.name}`}
                      title="This folder holds the bucket's objects: files written here are put (and fire its triggers), files removed are deleted, and what handlers put appears here"
                    >
                      {r.folder}
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}

      {status.schedules.length > 0 && (
        <section className="run-panel" data-testid="run-schedules">
          <h3 className="run-panel-title">Schedules</h3>
          <ul className="plain-list">
            {schedules.shown.map(({ item: s }) => (
              <li key={s.function} className="run-schedule" data-testid={`run-schedule-${s.function}`}>
                <div className="run-schedule-head">
                  <strong>{s.function}</strong>
                  <span className="mono small">{s.expression}</span>
                  <span className="muted small">{s.timezone}</span>
                  <span className="toolbar-spacer" />
                  <button
                    type="button"
                    className="button button-small"
                    data-testid={`run-fire-${s.function}`}
                    disabled={firing !== null}
                    onClick={() => onFire(s.function)}
                  >
                    {firing === s.function ? 'Firing…' : 'Fire now'}
                  </button>
                </div>
                <ol className="plain-list run-next-times small" aria-label="Next fire times">
                  {s.next.map((t) => (
                    <li key={t} title={t}>
                      {when(t)}
                    </li>
                  ))}
                </ol>
              </li>
            ))}
          </ul>
          <More hidden={schedules.hidden} what="schedules" />
        </section>
      )}

      {status.buckets.length > 0 && (
        <section className="run-panel" data-testid="run-buckets">
          <h3 className="run-panel-title">Buckets</h3>
          <ul className="plain-list">
            {buckets.shown.map(({ item: b }) => (
              <li key={`${b.bucket}-${b.function}`} className="small">
                <strong>{b.bucket}</strong> → {b.function}
                {(b.prefix || b.suffix) && (
                  <span className="muted">
                    {' '}
                    ({b.prefix ?? ''}*{b.suffix ?? ''})
                  </span>
                )}
                <div className="mono faint run-folder" title="Create or delete files here to trigger the function">
                  {b.folder}
                </div>
              </li>
            ))}
          </ul>
          <More hidden={buckets.hidden} what="bucket triggers" />
        </section>
      )}

      {status.queues.length > 0 && (
        <section className="run-panel" data-testid="run-queues">
          <h3 className="run-panel-title">Queues</h3>
          <ul className="plain-list">
            {queues.shown.map(({ item: q }) => (
              <li key={q.queue} className="small">
                <strong>{q.queue}</strong> → {q.function} · {q.depth} waiting · {q.deadLetters} dead letters
                <div className="mono faint">POST {q.sendUrl}</div>
              </li>
            ))}
          </ul>
          <More hidden={queues.hidden} what="queues" />
        </section>
      )}

      <section className="run-panel" data-testid="run-instances">
        <h3 className="run-panel-title">Instances</h3>
        <table className="run-instances-table small">
          <thead>
            <tr>
              <th scope="col">Function</th>
              <th scope="col" title="Initialising: a cold start in progress">
                Starting
              </th>
              <th scope="col" title="Warm, waiting for an invoke">
                Warm
              </th>
              <th scope="col" title="Running an invocation">
                Busy
              </th>
              <th scope="col">Invokes</th>
              <th scope="col">Cold starts</th>
              <th scope="col">Errors</th>
            </tr>
          </thead>
          <tbody>
            {instances.shown.map(({ item: i }) => (
              <tr key={i.function} data-testid={`run-instances-${i.function}`} data-warm={i.warm} data-busy={i.busy} data-starting={i.starting}>
                <th scope="row">{i.function}</th>
                <td>{i.starting}</td>
                <td>{i.warm}</td>
                <td>{i.busy}</td>
                <td>{i.invocations}</td>
                <td>{i.coldStarts}</td>
                <td className={i.errors > 0 ? 'error-text' : undefined}>{i.errors}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <More hidden={instances.hidden} what="functions (idle ones last)" />
      </section>
    </>
  );
}
