import type { Diagnostic } from '../../bindings/Diagnostic';
import { useWorkspace } from '../../app/context';
import { Icon } from '../../ui/Icon';

/** The manifest's problems; each one jumps to its place in functory.toml. */
export function DiagnosticsPanel({ diagnostics }: { diagnostics: Diagnostic[] }) {
  const workspace = useWorkspace();
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;

  return (
    <section className="problems" data-testid="manifest-diagnostics" aria-label="Problems in functory.toml">
      <header className="problems-header">
        <span className="section-title">Problems</span>
        <span className={`count-badge${errors > 0 ? ' is-error' : warnings > 0 ? ' is-warning' : ''}`}>{diagnostics.length}</span>
        <span className="muted small">functory.toml</span>
      </header>
      {diagnostics.length === 0 ? (
        <p className="muted small problems-empty">No problems in functory.toml.</p>
      ) : (
        <ul className="plain-list problems-list">
          {diagnostics.map((d, i) => (
            <li key={i}>
              <button
                type="button"
                className={`problem severity-${d.severity}`}
                data-testid="diagnostic"
                data-severity={d.severity}
                title="Go to this line"
                onClick={() => workspace.jumpTo(d.file, d.line, d.column)}
              >
                <Icon name={d.severity === 'error' ? 'error' : 'warning'} size={14} />
                <span className="problem-location mono">{`${d.file}:${d.line}:${d.column}`}</span>{' '}
                <span className="problem-message">{d.message}</span>
                {d.field && <span className="problem-field mono">{d.field}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
