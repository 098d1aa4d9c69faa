// The Security view's "Least privilege" tab: what a function's code calls (read by the
// analyzer), the IAM actions those calls need, the least-privilege policy they add up to, and
// how that compares with what functory.toml grants — missing grants (AccessDenied ahead) and
// unused ones (over-privilege). "Use the generated policy" shows the manifest diff first.

import { useEffect, useState } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { FunctionAnalysis } from '../../bindings/FunctionAnalysis';
import type { Location } from '../../bindings/Location';
import type { Permission } from '../../bindings/Permission';
import type { PermissionsPreview } from '../../bindings/PermissionsPreview';
import { useAppState, useWorkspace } from '../../app/context';
import { ModalDialog } from '../../ui/ModalDialog';

/** `file:line:col`, a button that opens the file there. */
export function SourceLink({ location, testId }: { location: Location; testId?: string }) {
  const workspace = useWorkspace();
  return (
    <button
      type="button"
      className="link-button mono small"
      data-testid={testId ?? 'source-link'}
      data-line={location.line}
      title={`Open ${location.file} at line ${location.line}`}
      onClick={() => workspace.jumpTo(location.file, location.line, location.column)}
    >
      {location.file}:{location.line}:{location.column}
    </button>
  );
}

/** Permissions as functory.toml writes them, for reading. */
export function permissionsToml(fn: string, permissions: Permission[]): string {
  if (permissions.length === 0) return '# no permissions: the code makes no AWS call the analyzer understood';
  const list = (items: string[]) => `[${items.map((i) => JSON.stringify(i)).join(', ')}]`;
  return permissions
    .map(
      (p) =>
        `[[functions.${fn}.permissions]]\n${p.effect === 'Deny' ? 'effect = "Deny"\n' : ''}actions = ${list(p.actions)}\nresources = ${list(p.resources)}`,
    )
    .join('\n\n');
}

/** A modal showing a manifest diff before permissions are replaced. */
export function PermissionsDiffDialog({
  title,
  lead,
  preview,
  confirmLabel,
  onCancel,
  onConfirm,
}: {
  title: string;
  lead: string;
  preview: PermissionsPreview;
  confirmLabel: string;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const unchanged = preview.diff === '';
  return (
    <ModalDialog className="dialog security-fix-dialog" testId="permissions-dialog" titleId="permissions-dialog-title" onCancel={onCancel}>
      <h2 id="permissions-dialog-title" className="dialog-title">
        {title}
      </h2>
      <p className="dialog-message">{unchanged ? 'functory.toml already says exactly this: nothing to change.' : lead}</p>
      {!unchanged && (
        <pre className="security-diff mono" data-testid="permissions-diff">
          {preview.diff.split('\n').filter(Boolean).map((line, i) => (
            <span key={i} className={line.startsWith('+') ? 'is-added' : line.startsWith('-') ? 'is-removed' : undefined}>
              {line}
              {'\n'}
            </span>
          ))}
        </pre>
      )}
      <div className="dialog-actions">
        <button type="button" className="button" data-testid="permissions-cancel" onClick={onCancel}>
          {unchanged ? 'Close' : 'Cancel'}
        </button>
        {!unchanged && (
          <button type="button" className="button button-danger" data-testid="permissions-confirm" onClick={onConfirm}>
            {confirmLabel}
          </button>
        )}
      </div>
    </ModalDialog>
  );
}

export function LeastPrivilegePanel() {
  const workspace = useWorkspace();
  const { project, selectedFunction } = useAppState();
  const functions = project?.manifest.manifest?.functions.map((f) => f.name) ?? [];
  const [fn, setFn] = useState<string | null>(null);
  const current = fn && functions.includes(fn) ? fn : selectedFunction && functions.includes(selectedFunction) ? selectedFunction : (functions[0] ?? null);
  const [result, setResult] = useState<FunctionAnalysis | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [preview, setPreview] = useState<PermissionsPreview | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  // Analyse again whenever the project changes on disk (a save, a fix, a manifest edit).
  useEffect(() => {
    if (!current) return;
    let live = true;
    void workspace.analyzeFunction(current).then((outcome) => {
      if (!live) return;
      if (outcome.ok) {
        setResult(outcome.value);
        setError(null);
      } else {
        setResult(null);
        setError(outcome.error);
      }
    });
    return () => {
      live = false;
    };
  }, [workspace, current, project]);

  if (functions.length === 0) {
    return (
      <p className="muted" data-testid="lp-empty">
        functory.toml declares no functions yet: there is no handler to read.
      </p>
    );
  }

  const review = async () => {
    if (!current) return;
    setNotice(null);
    const outcome = await workspace.previewGeneratedPolicy(current);
    if (outcome.ok) setPreview(outcome.value);
    else setError(outcome.error);
  };

  const apply = async (permissions: Permission[]) => {
    if (!current) return;
    setPreview(null);
    const outcome = await workspace.setPermissions(current, permissions);
    if (outcome.ok) setNotice(`functions.${current}.permissions now grant exactly what the code needs.`);
    else setError(outcome.error);
  };

  const analysis = result?.analysis;
  return (
    <div className="lp-panel" data-testid="lp-panel">
      <div className="security-toolbar">
        <label className="field-label">
          Function{' '}
          <select data-testid="lp-function" value={current ?? ''} onChange={(event) => setFn(event.target.value)}>
            {functions.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="button button-small button-primary"
          data-testid="lp-use-generated"
          disabled={!analysis}
          onClick={() => void review()}
        >
          Use the generated policy…
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert" data-testid="lp-error">
          {error.message}
        </p>
      )}
      {notice && (
        <p className="view-status success" role="status" data-testid="lp-notice">
          {notice}
        </p>
      )}
      {!analysis ? (
        !error && <p className="muted">Reading the handler…</p>
      ) : (
        <>
          {analysis.handler.problems.length > 0 && (
            <section className="view-section" data-testid="lp-handler-problems">
              <h2 className="view-section-title">Handler</h2>
              <ul className="plain-list">
                {analysis.handler.problems.map((p, i) => (
                  <li key={i} className="lp-item">
                    <span className="severity-badge severity-high">problem</span> {p.message}{' '}
                    {p.location && <SourceLink location={p.location} />}
                  </li>
                ))}
              </ul>
            </section>
          )}

          <section className="view-section" data-testid="lp-comparison">
            <h2 className="view-section-title">Compared with functory.toml</h2>
            {analysis.comparison.missing.length === 0 && analysis.comparison.unused.length === 0 ? (
              <p className="view-status success" data-testid="lp-matches">
                The permissions grant what the code needs, and nothing it does not.
              </p>
            ) : (
              <ul className="plain-list">
                {analysis.comparison.missing.map((m, i) => (
                  <li key={`m${i}`} className="lp-item" data-testid="lp-missing" data-action={m.action}>
                    <span className="severity-badge severity-high">missing</span>{' '}
                    <span className="mono">{m.action}</span> on <span className="mono">{m.resource}</span>: this call will fail with
                    AccessDenied ({m.why}). {m.locations[0] && <SourceLink location={m.locations[0]} />}
                  </li>
                ))}
                {analysis.comparison.unused.map((u, i) => (
                  <li key={`u${i}`} className="lp-item" data-testid="lp-unused" data-action={u.action}>
                    <span className="severity-badge severity-medium">unused</span>{' '}
                    <span className="mono">{u.action}</span> on <span className="mono">{u.resources.join(', ')}</span> is granted
                    (statement {u.statement + 1}) but no call in the code needs it
                    {u.grantedCount > 1 ? ` — a wildcard standing for ${u.grantedCount} actions` : ''}.{' '}
                    {u.location && <SourceLink location={u.location} />}
                  </li>
                ))}
              </ul>
            )}
          </section>

          <section className="view-section" data-testid="lp-calls">
            <h2 className="view-section-title">Calls in the code ({analysis.calls.length})</h2>
            {analysis.calls.length === 0 ? (
              <p className="muted">No AWS SDK call found in the handler's files.</p>
            ) : (
              <ul className="plain-list">
                {analysis.calls.map((c, i) => (
                  <li key={i} className="lp-item" data-testid="lp-call">
                    <span className="mono">{c.code}</span> → <span className="mono">{c.actions.join(', ')}</span>{' '}
                    <SourceLink location={c.location} />
                    {c.resources.map((r, j) => (
                      <div key={j} className="muted small">
                        <span className="mono">{r.arn}</span> — {r.reason}
                      </div>
                    ))}
                    {c.note && <div className="muted small">{c.note}</div>}
                    {c.dependencies.map((d, j) => (
                      <div key={`d${j}`} className="small" data-testid="lp-dependency">
                        also <span className="mono">{d.action}</span> on <span className="mono">{d.resource.arn}</span>:{' '}
                        <span className="muted">{d.why}</span>
                      </div>
                    ))}
                  </li>
                ))}
              </ul>
            )}
            {analysis.notUnderstood.length > 0 && (
              <>
                <h3 className="security-function-title">Not understood ({analysis.notUnderstood.length})</h3>
                <ul className="plain-list">
                  {analysis.notUnderstood.map((u, i) => (
                    <li key={i} className="lp-item" data-testid="lp-not-understood">
                      <span className="mono">{u.code}</span> — {u.reason} <SourceLink location={u.location} />
                    </li>
                  ))}
                </ul>
              </>
            )}
          </section>

          <section className="view-section" data-testid="lp-policy">
            <h2 className="view-section-title">Generated least-privilege policy</h2>
            <pre className="security-diff mono" data-testid="lp-policy-text">
              {permissionsToml(analysis.function, analysis.policy)}
            </pre>
          </section>
        </>
      )}
      {preview && (
        <PermissionsDiffDialog
          title={`Replace the permissions of ${preview.function}?`}
          lead="The function's permissions become exactly the generated policy. Review the change to functory.toml:"
          preview={preview}
          confirmLabel="Use the generated policy"
          onCancel={() => setPreview(null)}
          onConfirm={() => void apply(preview.permissions)}
        />
      )}
    </div>
  );
}
