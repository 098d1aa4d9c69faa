// "Call the API": on a cloud target, an HTTP request to one of the function's routes sent
// through the target's HTTP API (the host picks the route and the URL; API Gateway answers),
// with the answer's status, headers and body. The local runtime's routes answer at the run's
// own URL instead.

import { useEffect, useMemo, useState } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { RouteAnswer } from '../../bindings/RouteAnswer';
import { useWorkspace } from '../../app/context';
import { Icon } from '../../ui/Icon';

/** A route of the function as functory.toml declares it. */
export interface DeclaredRoute {
  method: string;
  path: string;
}

const ANY_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** "Name: value" lines, blank lines skipped; a line without a colon is refused with its number. */
function parseHeaders(text: string): { headers: [string, string][] } | { error: string } {
  const headers: [string, string][] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return { error: `Line ${i + 1}: write a header as “Name: value”.` };
    headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return { headers };
}

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

export function RouteCallPanel({ target, fn, routes }: { target: string; fn: string; routes: DeclaredRoute[] }) {
  const workspace = useWorkspace();
  const methods = useMemo(() => {
    const named = routes.flatMap((r) => (r.method.toUpperCase() === 'ANY' ? ANY_METHODS : [r.method.toUpperCase()]));
    return [...new Set(named)];
  }, [routes]);
  const [method, setMethod] = useState('GET');
  const [path, setPath] = useState('/');
  const [headersText, setHeadersText] = useState('');
  const [body, setBody] = useState('');
  const [sending, setSending] = useState(false);
  const [answer, setAnswer] = useState<RouteAnswer | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [headersError, setHeadersError] = useState<string | null>(null);

  // Another function or routes: its first route, and nothing of the last answer. (Keyed by
  // value: the routes are read again from functory.toml on every change of the project.)
  const routesKey = JSON.stringify(routes);
  useEffect(() => {
    const first = (JSON.parse(routesKey) as DeclaredRoute[])[0];
    setMethod(first ? (first.method.toUpperCase() === 'ANY' ? 'GET' : first.method.toUpperCase()) : 'GET');
    setPath(first?.path ?? '/');
    setAnswer(null);
    setError(null);
  }, [fn, target, routesKey]);

  const send = async () => {
    if (sending) return;
    const parsed = parseHeaders(headersText);
    if ('error' in parsed) {
      setHeadersError(parsed.error);
      return;
    }
    setHeadersError(null);
    setError(null);
    setSending(true);
    const outcome = await workspace.callRouteOnTarget(target, fn, { method, path, headers: parsed.headers, body });
    setSending(false);
    if (outcome.ok) setAnswer(outcome.value);
    else {
      setAnswer(null);
      setError(outcome.error);
    }
  };
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      e.stopPropagation();
      void send();
    }
  };
  const statusClass = answer === null ? '' : answer.status < 300 ? 'is-ok' : answer.status < 400 ? 'is-redirect' : 'is-error';

  return (
    <details className="route-call" data-testid="route-call">
      <summary>Call the API</summary>
      <form
        className="route-call-form"
        aria-label={`Send an HTTP request to ${fn} on ${target}`}
        onKeyDown={onKeyDown}
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <div className="route-call-line">
          <label className="run-field">
            <span className="field-label">Method</span>
            <select className="input" data-testid="route-call-method" value={method} onChange={(e) => setMethod(e.target.value)}>
              {methods.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
          <label className="run-field run-field-grow">
            <span className="field-label">Path</span>
            <input
              className="input mono"
              data-testid="route-call-path"
              value={path}
              spellCheck={false}
              title="The route's path with its {parameters} filled in, and an optional ?query"
              onChange={(e) => setPath(e.target.value)}
            />
          </label>
          <button type="submit" className="button button-primary" data-testid="route-call-send" disabled={sending}>
            {sending ? 'Sending…' : 'Send'} <kbd className="kbd-hint">Ctrl+Enter</kbd>
          </button>
        </div>
        <div className="route-call-line">
          <label className="run-field run-field-grow">
            <span className="field-label">Headers</span>
            <textarea
              className="input mono"
              data-testid="route-call-headers"
              rows={2}
              placeholder="Authorization: Bearer …"
              spellCheck={false}
              aria-invalid={headersError !== null}
              value={headersText}
              onChange={(e) => setHeadersText(e.target.value)}
            />
          </label>
          <label className="run-field run-field-grow">
            <span className="field-label">Body</span>
            <textarea
              className="input mono"
              data-testid="route-call-body"
              rows={2}
              spellCheck={false}
              value={body}
              onChange={(e) => setBody(e.target.value)}
            />
          </label>
        </div>
        {headersError && (
          <p className="field-error" role="alert" data-testid="route-call-headers-error">
            {headersError}
          </p>
        )}
      </form>
      {error && (
        <p className="run-error" role="alert" data-testid="route-call-error">
          <Icon name="error" size={14} /> {error.message}
        </p>
      )}
      {answer && (
        <section className="route-call-answer" data-testid="route-call-answer" aria-label="The API's answer">
          <div className="run-result-header">
            <span className={`run-outcome ${statusClass}`} data-testid="route-call-status" data-status={answer.status}>
              HTTP {answer.status}
            </span>
            <span className="muted small">{answer.durationMs} ms</span>
            <span className="muted small mono" title="The route that took the request">
              {answer.route}
            </span>
          </div>
          <p className="small mono route-call-url" data-testid="route-call-url">
            {answer.url}
          </p>
          <details>
            <summary className="small">Headers ({answer.headers.length})</summary>
            <dl className="route-call-headers" data-testid="route-call-answer-headers">
              {answer.headers.map(([name, value], i) => (
                <div key={`${name}-${i}`}>
                  <dt className="mono">{name}</dt>
                  <dd className="mono">{value}</dd>
                </div>
              ))}
            </dl>
          </details>
          {answer.base64 && <p className="muted small">The body is not text: shown as base64.</p>}
          {answer.truncated && <p className="muted small">The body is longer than 1 MiB: only its start is shown.</p>}
          <pre className="run-payload mono" data-testid="route-call-answer-body">
            {answer.body === '' ? '(empty body)' : answer.base64 ? answer.body : pretty(answer.body)}
          </pre>
        </section>
      )}
    </details>
  );
}
