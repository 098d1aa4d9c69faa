// The live log pane: one host subscription per filter setting (filters run on the host, as the
// CLI's `functory logs` does), lines rendered in chunks so a function logging 1,000 lines a
// second costs one small render per animation frame, not one per line.

import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { LogBatch } from '../../bindings/LogBatch';
import type { LogLine } from '../../bindings/LogLine';
import type { LogQuery } from '../../bindings/LogQuery';
import type { TargetLogSource } from '../../bindings/TargetLogSource';
import { useWorkspace } from '../../app/context';
import { Icon } from '../../ui/Icon';
import { AccessDeniedExplainer, looksLikeAccessDenied } from './AccessDeniedExplainer';

/** Lines kept on screen; older ones are dropped a chunk at a time. */
export const MAX_SHOWN_LINES = 5_000;
/** Stored lines shown when a subscription starts. */
const BACKLOG_LINES = 500;
const FILTER_DELAY_MS = 300;

interface Chunk {
  id: number;
  lines: LogLine[];
}

let nextChunkId = 1;

/** Appends lines as a new chunk and drops whole chunks from the front beyond `max` lines. */
export function appendChunk(chunks: Chunk[], lines: LogLine[], max: number): Chunk[] {
  const kept = lines.length > max ? lines.slice(lines.length - max) : lines;
  const next = [...chunks, { id: nextChunkId++, lines: kept }];
  let total = next.reduce((n, c) => n + c.lines.length, 0);
  while (total > max && next.length > 1) total -= next.shift()!.lines.length;
  return next;
}

/** `query` with `update` applied, or `query` itself when nothing changes (no resubscription). */
function changed(query: LogQuery, update: Partial<LogQuery>): LogQuery {
  const next = { ...query, ...update };
  return (Object.keys(next) as (keyof LogQuery)[]).every((k) => next[k] === query[k]) ? query : next;
}

function time(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function lineKind(message: string): string {
  if (message.startsWith('START RequestId:')) return 'start';
  if (message.startsWith('END RequestId:')) return 'end';
  if (message.startsWith('REPORT RequestId:')) return 'report';
  if (message.startsWith('INIT_')) return 'init';
  return 'output';
}

/** A chunk never changes once drawn, so React skips it on every later render. */
const LogChunk = memo(function LogChunk({
  chunk,
  showFunction,
  onExplain,
}: {
  chunk: Chunk;
  showFunction: boolean;
  onExplain: (line: LogLine) => void;
}) {
  return (
    <>
      {chunk.lines.map((line, i) => (
        <div key={i} className={`log-line kind-${lineKind(line.message)}`} data-level={line.level ?? ''}>
          <span className="log-time">{time(line.timestampMs)}</span>
          {showFunction && <span className="log-function">{line.function}</span>}
          <span className="log-message">{line.message}</span>
          {looksLikeAccessDenied(line.message) && (
            <button type="button" className="link-button small log-explain" data-testid="run-log-explain" onClick={() => onExplain(line)}>
              Explain
            </button>
          )}
        </div>
      ))}
    </>
  );
});

export interface LogFilterRequest {
  requestId: string;
  /** Distinguishes two requests for the same id. */
  nonce: number;
}

/**
 * `target` null tails the local run (every function, or one); a cloud target's name tails one
 * function's logs there (`defaultFunction` first), saying where they come from and how late.
 */
export function LogPane({
  functions,
  requestFilter,
  target = null,
  defaultFunction = null,
}: {
  functions: string[];
  requestFilter: LogFilterRequest | null;
  target?: string | null;
  defaultFunction?: string | null;
}) {
  const workspace = useWorkspace();
  const [scope, setScope] = useState<string>(target === null ? '' : (defaultFunction ?? functions[0] ?? ''));
  const [text, setText] = useState('');
  const [requestId, setRequestId] = useState('');
  const [level, setLevel] = useState('');
  const [follow, setFollow] = useState(true);
  const [autoScroll, setAutoScroll] = useState(true);
  const [source, setSource] = useState<TargetLogSource | null>(null);
  /** A billed live tail instead of polling: never on unless asked for. */
  const [live, setLive] = useState(false);
  const [query, setQuery] = useState<LogQuery>({
    function: scope === '' ? null : scope,
    follow: true,
    text: null,
    requestId: null,
    minLevel: null,
    last: BACKLOG_LINES,
  });
  const [chunks, setChunks] = useState<Chunk[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [ended, setEnded] = useState(false);
  const pending = useRef<LogLine[]>([]);
  const frame = useRef<number | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const [explaining, setExplaining] = useState<{ line: LogLine; nonce: number } | null>(null);
  const explain = useCallback((line: LogLine) => setExplaining((e) => ({ line, nonce: (e?.nonce ?? 0) + 1 })), []);

  // An invocation's "show in logs" narrows the pane to that request.
  useEffect(() => {
    if (requestFilter) setRequestId(requestFilter.requestId);
  }, [requestFilter]);

  // Typing settles before the pane resubscribes; switches apply at once.
  useEffect(() => {
    const timer = setTimeout(
      () =>
        setQuery((q) =>
          changed(q, { text: text === '' ? null : text, requestId: requestId.trim() === '' ? null : requestId.trim() }),
        ),
      FILTER_DELAY_MS,
    );
    return () => clearTimeout(timer);
  }, [text, requestId]);

  useEffect(() => {
    setQuery((q) => changed(q, { function: scope === '' ? null : scope, follow, minLevel: level === '' ? null : level }));
  }, [scope, follow, level]);

  useEffect(() => {
    let cancelled = false;
    let subscription: { close(): Promise<void> } | null = null;
    pending.current = [];
    setChunks([]);
    setEnded(false);
    setError(null);
    const flush = () => {
      frame.current = null;
      const lines = pending.current.splice(0);
      if (lines.length > 0) setChunks((previous) => appendChunk(previous, lines, MAX_SHOWN_LINES));
    };
    const onBatch = (batch: LogBatch) => {
      if (cancelled) return;
      pending.current.push(...batch.lines);
      if (batch.ended) setEnded(true);
      if (batch.error) setError(batch.error);
      frame.current ??= requestAnimationFrame(flush);
    };
    const subscribing =
      target === null ? workspace.subscribeLogs(query, onBatch) : workspace.subscribeTargetLogs(target, live, query, onBatch);
    void subscribing.then((outcome) => {
      if (!outcome.ok) {
        if (!cancelled) setError(outcome.error);
        return;
      }
      if (cancelled) void outcome.value.close();
      else subscription = outcome.value;
    });
    return () => {
      cancelled = true;
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      frame.current = null;
      void subscription?.close();
    };
  }, [workspace, query, target, live]);

  // A cloud target says where its lines come from and how late they show up.
  useEffect(() => {
    if (target === null || scope === '') return;
    let live = true;
    void workspace.targetLogSource(target, scope).then((outcome) => {
      if (live) setSource(outcome.ok ? outcome.value : null);
    });
    return () => {
      live = false;
    };
  }, [workspace, target, scope]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && autoScroll) el.scrollTop = el.scrollHeight;
  }, [chunks, autoScroll]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - 24;
    // Scrolling up to read pauses auto-scroll; scrolling back down resumes it.
    if (atBottom !== autoScroll) setAutoScroll(atBottom);
  };

  const shown = chunks.reduce((n, c) => n + c.lines.length, 0);

  return (
    <section className="run-logs" data-testid="run-logs" aria-label="Logs">
      <div className="run-logs-toolbar">
        <h2 className="section-title">Logs</h2>
        <select className="input" data-testid="run-logs-function" aria-label="Function" value={scope} onChange={(e) => setScope(e.target.value)}>
          {target === null && <option value="">All functions</option>}
          {functions.map((fn) => (
            <option key={fn} value={fn}>
              {fn}
            </option>
          ))}
        </select>
        <input
          className="input"
          data-testid="run-logs-filter"
          placeholder="Filter text"
          aria-label="Only lines containing"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <input
          className="input mono"
          data-testid="run-logs-request"
          placeholder="Request id"
          aria-label="Only lines of the request"
          value={requestId}
          onChange={(e) => setRequestId(e.target.value)}
        />
        <select className="input" data-testid="run-logs-level" aria-label="Level" value={level} onChange={(e) => setLevel(e.target.value)}>
          <option value="">Any level</option>
          <option value="debug">Debug and above</option>
          <option value="info">Info and above</option>
          <option value="warn">Warnings and errors</option>
          <option value="error">Errors</option>
        </select>
        <label className="toggle" title="Keep showing new lines as they are written">
          <input type="checkbox" data-testid="run-logs-follow" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
        </label>
        {target !== null && source?.liveTail && (
          <label className="toggle" title={`Instead of polling: ${source.liveTail.description}`}>
            <input type="checkbox" data-testid="run-logs-live" checked={live} onChange={(e) => setLive(e.target.checked)} />{' '}
            {source.liveTail.billed ? 'Live (billed)' : 'Live (stream)'}
          </label>
        )}
        <label className="toggle" title="Keep the newest line in view">
          <input type="checkbox" data-testid="run-logs-autoscroll" checked={autoScroll} onChange={(e) => setAutoScroll(e.target.checked)} /> Auto-scroll
        </label>
        <span className="toolbar-spacer" />
        <span className="muted small" data-testid="run-logs-count">
          {shown} line{shown === 1 ? '' : 's'}
          {!follow && ended ? ' (not following)' : ''}
        </span>
        <button
          type="button"
          className="button button-small button-ghost"
          data-testid="run-logs-clear"
          onClick={() => {
            pending.current = [];
            setChunks([]);
          }}
        >
          <Icon name="trash" size={13} /> Clear
        </button>
      </div>
      {target !== null && source && (
        <p className="muted small run-logs-source" data-testid="run-logs-source">
          Target <span className="mono">{source.target}</span>:{' '}
          {live && source.liveTail
            ? `${source.liveTail.description}.`
            : `${source.description}. Lines usually show up about ${Math.max(1, Math.round(source.expectedDelayMs / 1000))} s after they are written.`}
        </p>
      )}
      {error && (
        <p className="field-error run-logs-error" role="alert" data-testid="run-logs-error">
          {error.message}
        </p>
      )}
      <div className="run-log-lines mono" data-testid="run-logs-lines" ref={scroller} onScroll={onScroll} role="log" aria-live="off">
        {shown === 0 && !error && (
          <p className="muted run-logs-empty" data-testid="run-logs-empty">
            {query.text || query.requestId || query.minLevel ? 'No line matches these filters yet.' : 'No log lines yet. Invoke a function to see its START, output, END and REPORT lines here.'}
          </p>
        )}
        {chunks.map((chunk) => (
          <LogChunk key={chunk.id} chunk={chunk} showFunction={scope === ''} onExplain={explain} />
        ))}
      </div>
      {explaining && (
        <div className="run-log-explanation" data-testid="run-log-explanation">
          <div className="run-logs-toolbar">
            <span className="small">
              An AccessDenied in <span className="mono">{explaining.line.function}</span>’s logs
            </span>
            <span className="toolbar-spacer" />
            <button type="button" className="button button-small button-ghost" data-testid="run-log-explain-close" onClick={() => setExplaining(null)}>
              Close
            </button>
          </div>
          <AccessDeniedExplainer
            key={explaining.nonce}
            fn={explaining.line.function}
            text={explaining.line.message}
            testId="log-explain"
          />
        </div>
      )}
    </section>
  );
}
