import { useEffect, useRef, useState } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { LogLine } from '../../bindings/LogLine';
import { useWorkspace } from '../../app/context';
import type { LogSubscription } from '../../platform';
import { Icon } from '../../ui/Icon';

const MAX_LINES = 2000;

function time(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

/**
 * A function's log on a cloud target: polled by default (CloudWatch FilterLogEvents, lines a
 * few seconds late), or with "Live (billed)" a live tail session (lines within a second; AWS
 * bills it by the minute, so it is never on by default and ends when the view lets go).
 */
export function CloudLogs({ target, functions, liveAvailable }: { target: string; functions: string[]; liveAvailable: boolean }) {
  const workspace = useWorkspace();
  const [fn, setFn] = useState(functions[0] ?? '');
  const [follow, setFollow] = useState(true);
  const [wantLive, setLive] = useState(false);
  const live = wantLive && liveAvailable;
  const [running, setRunning] = useState(false);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const subscription = useRef<LogSubscription | null>(null);
  const selected = functions.includes(fn) ? fn : (functions[0] ?? '');

  const stop = () => {
    void subscription.current?.close();
    subscription.current = null;
    setRunning(false);
  };

  // A subscription belongs to what it was started for; leaving the view ends it (a live
  // session costs money for as long as it runs).
  useEffect(() => stop, []);
  useEffect(() => {
    stop();
  }, [target, selected, live, follow]);

  const start = async () => {
    stop();
    setLines([]);
    setError(null);
    setStatus(null);
    setRunning(true);
    const outcome = await workspace.subscribeCloudLogs(
      target,
      selected,
      live,
      { function: selected, follow: live || follow, text: null, requestId: null, minLevel: null, last: null },
      (batch) => {
        if (batch.lines.length > 0) setLines((old) => [...old, ...batch.lines].slice(-MAX_LINES));
        if (batch.ended) {
          setRunning(false);
          subscription.current = null;
          if (batch.error) setError(batch.error);
          else setStatus(live ? 'The live tail session ended.' : 'These are the stored lines.');
        }
      },
    );
    if (outcome.ok) subscription.current = outcome.value;
    else {
      setRunning(false);
      setError(outcome.error);
    }
  };

  return (
    <section className="view-section" aria-labelledby="deploy-logs-title" data-testid="deploy-logs">
      <header className="view-section-header">
        <h2 id="deploy-logs-title" className="view-section-title">
          Cloud logs
        </h2>
      </header>
      <div className="form-actions">
        <select data-testid="deploy-logs-function" aria-label="Function" value={selected} onChange={(e) => setFn(e.target.value)}>
          {functions.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
        <label className="checkbox">
          <input type="checkbox" data-testid="deploy-logs-follow" checked={live || follow} disabled={live} onChange={(e) => setFollow(e.target.checked)} /> Follow
        </label>
        {liveAvailable && (
          <label className="checkbox" title="A CloudWatch Logs live tail session: lines within a second, billed by AWS per minute while it runs">
            <input type="checkbox" data-testid="deploy-logs-live" checked={live} onChange={(e) => setLive(e.target.checked)} /> Live (billed)
          </label>
        )}
        {running ? (
          <button type="button" className="button" data-testid="deploy-logs-stop" onClick={stop}>
            <Icon name="close" size={14} /> Stop
          </button>
        ) : (
          <button type="button" className="button" data-testid="deploy-logs-start" disabled={!selected} onClick={() => void start()}>
            <Icon name="run" size={14} /> Show logs
          </button>
        )}
      </div>
      <p className="muted small" data-testid="deploy-logs-source">
        {live
          ? 'Live tail: CloudWatch Logs StartLiveTail, lines within about a second. AWS bills each minute the session runs.'
          : 'Polled every few seconds; lines show up a few seconds after they are written.'}
      </p>
      {error && (
        <p className="field-error" role="alert" data-testid="deploy-logs-error">
          {error.message}
        </p>
      )}
      <div className="run-log-lines mono" data-testid="deploy-logs-lines" role="log" aria-live="off">
        {lines.map((line, i) => (
          <div key={i} className="log-line" data-level={line.level ?? ''}>
            <span className="log-time">{time(line.timestampMs)}</span>
            <span className="log-message">{line.message}</span>
          </div>
        ))}
        {lines.length === 0 && running && <p className="muted">Waiting for lines…</p>}
      </div>
      {status && (
        <p className="muted small" data-testid="deploy-logs-status">
          {status}
        </p>
      )}
    </section>
  );
}
