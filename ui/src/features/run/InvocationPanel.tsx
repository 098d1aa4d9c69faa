// One invocation's outcome: the response (pretty JSON, with an HTTP response's body opened up),
// Lambda's figures, a cold/warm badge, a function error with its type and stack trace, and the
// invocation's own log lines.

import type { InvocationResult } from '../../bindings/InvocationResult';
import { Icon } from '../../ui/Icon';
import { AccessDeniedExplainer, looksLikeAccessDenied } from './AccessDeniedExplainer';

/** Init failures: the function never ran, its code could not be loaded. */
const INIT_ERRORS = new Set(['Runtime.ImportModuleError', 'Runtime.HandlerNotFound', 'Runtime.UserCodeSyntaxError', 'Runtime.ExitError']);

function prettyJson(text: string): { text: string; value: unknown; isJson: boolean } {
  try {
    const value: unknown = JSON.parse(text);
    return { text: JSON.stringify(value, null, 2), value, isJson: true };
  } catch {
    return { text, value: null, isJson: false };
  }
}

/** An API Gateway-style answer (`statusCode`, `body`): its status and its body, decoded when JSON. */
function httpResponse(value: unknown): { status: number; body: string } | null {
  if (typeof value !== 'object' || value === null) return null;
  const { statusCode, body } = value as { statusCode?: unknown; body?: unknown };
  if (typeof statusCode !== 'number') return null;
  const bodyText = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
  return { status: statusCode, body: prettyJson(bodyText).text };
}

function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}

export function InvocationPanel({
  fn,
  result,
  target = null,
  onShowInLogs,
}: {
  fn: string;
  result: InvocationResult;
  /** The cloud target invoked; null for the local runtime. */
  target?: string | null;
  onShowInLogs: (requestId: string) => void;
}) {
  const payload = prettyJson(result.payload);
  const http = result.functionError ? null : httpResponse(payload.value);
  const error = result.functionError;
  const metrics = result.metrics;
  const isInitError = error !== null && INIT_ERRORS.has(error.errorType);
  // A refusal shows in the error, or in a response the handler built from a caught error.
  const refusal = error
    ? [`${error.errorType}: ${error.message}`, ...error.stackTrace].find(looksLikeAccessDenied)
    : looksLikeAccessDenied(result.payload)
      ? result.payload
      : undefined;

  return (
    <section className="run-result" data-testid="run-result" data-request-id={result.requestId} aria-label="Invocation result">
      <div className="run-result-header">
        <span className={`run-outcome ${error ? 'is-error' : 'is-ok'}`} data-testid="run-outcome">
          <Icon name={error ? 'error' : 'checkpoint'} size={14} /> {error ? 'Failed' : 'Succeeded'}
        </span>
        {target !== null ? (
          <span className="start-badge" data-testid="run-target-badge">
            {target} · HTTP {result.statusCode}
          </span>
        ) : (
          <span
            className={`start-badge is-${result.coldStart ? 'cold' : 'warm'}`}
            data-testid="run-start-badge"
            data-start={result.coldStart ? 'cold' : 'warm'}
            title={result.coldStart ? 'A new instance was started and initialised for this invoke' : 'An instance kept warm from an earlier invoke answered'}
          >
            {result.coldStart ? 'Cold start' : 'Warm'}
          </span>
        )}
        <span className="muted small mono" title="Request id">
          {fn} · {result.requestId}
        </span>
        <span className="toolbar-spacer" />
        <button type="button" className="link-button small" data-testid="run-show-in-logs" onClick={() => onShowInLogs(result.requestId)}>
          Show in logs
        </button>
      </div>

      {metrics && (
        <dl className="run-metrics">
          <div>
            <dt>Duration</dt>
            <dd data-testid="run-duration">{ms(metrics.durationMs)}</dd>
          </div>
          <div>
            <dt>Billed duration</dt>
            <dd data-testid="run-billed">{metrics.billedDurationMs} ms</dd>
          </div>
          <div>
            <dt>Memory used / size</dt>
            <dd data-testid="run-memory">
              {metrics.maxMemoryUsedMb} / {metrics.memorySizeMb} MB
            </dd>
          </div>
          <div>
            <dt>Init duration</dt>
            <dd data-testid="run-init">{metrics.initDurationMs === null ? '—' : ms(metrics.initDurationMs)}</dd>
          </div>
        </dl>
      )}

      {result.interpreter && (
        <p className="muted small" data-testid="run-interpreter" title="Install an interpreter of the declared version, or configure its path, to run the function as the cloud will">
          <Icon name="warning" size={12} /> {result.interpreter}
        </p>
      )}

      {error && (
        <div className="run-function-error" role="alert" data-testid="run-function-error" data-init={isInitError ? 'true' : 'false'}>
          <p className="run-function-error-title">
            {isInitError ? 'The function could not start: its code did not load.' : 'The handler failed.'}
          </p>
          <p>
            <strong className="mono" data-testid="run-error-type">
              {error.errorType}
            </strong>
            : <span data-testid="run-error-message">{error.message}</span>
          </p>
          {error.stackTrace.length > 0 && (
            <pre className="run-stack-trace mono" data-testid="run-stack-trace">
              {error.stackTrace.join('\n')}
            </pre>
          )}
        </div>
      )}

      {refusal !== undefined && <AccessDeniedExplainer key={result.requestId} fn={fn} text={refusal} />}

      {http && (
        <div className="run-http">
          <span className={`http-status ${http.status < 400 ? 'is-ok' : 'is-error'}`} data-testid="run-response-status">
            HTTP {http.status}
          </span>
          <pre className="run-response-body mono" data-testid="run-response-body">
            {http.body}
          </pre>
        </div>
      )}
      <details className="run-payload" open={!http}>
        <summary>{http ? 'Whole response' : error ? 'Error document' : 'Response'}</summary>
        <pre className="mono" data-testid="run-response" data-json={payload.isJson ? 'true' : 'false'}>
          {payload.text === '' ? '(empty)' : payload.text}
        </pre>
      </details>

      <h3 className="run-subtitle">This invocation’s logs</h3>
      <pre className="run-invocation-logs mono" data-testid="run-invocation-logs">
        {result.logs.join('\n')}
      </pre>
    </section>
  );
}
