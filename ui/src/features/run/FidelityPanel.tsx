import { useEffect, useState } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { FidelityItem } from '../../bindings/FidelityItem';
import { useWorkspace } from '../../app/context';
import { Icon } from '../../ui/Icon';

/**
 * "How this differs on AWS Lambda": the project's and the chosen function's differences
 * between the local run and Lambda, each with what to do. Read when opened, and again when the
 * function or the manifest changes while it is open.
 */
export function FidelityPanel({ fn, manifestKey }: { fn: string | null; manifestKey: unknown }) {
  const workspace = useWorkspace();
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState<FidelityItem[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    if (!open) return;
    let live = true;
    void workspace.fidelityReport(fn).then((outcome) => {
      if (!live) return;
      if (outcome.ok) {
        setItems(outcome.value);
        setError(null);
      } else {
        setItems(null);
        setError(outcome.error);
      }
    });
    return () => {
      live = false;
    };
  }, [workspace, open, fn, manifestKey]);

  return (
    <details
      className="run-fidelity"
      data-testid="run-fidelity"
      open={open}
      onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}
    >
      <summary data-testid="run-fidelity-toggle">
        <Icon name="info" size={14} /> How this run differs on AWS Lambda
        {items && <span className="muted small"> · {items.length}</span>}
      </summary>
      {error && (
        <p className="field-error" role="alert" data-testid="run-fidelity-error">
          {error.message}
        </p>
      )}
      {items === null && !error && <p className="muted small">Reading the project…</p>}
      {items && (
        <ul className="plain-list run-fidelity-items">
          {items.map((item, i) => (
            <li key={i} data-testid="run-fidelity-item" data-area={item.area} data-function={item.function ?? ''}>
              <span className="kind-badge">{item.function ? `${item.function} · ${item.area}` : item.area}</span> {item.difference}
              <div className="muted small">→ {item.whatToDo}</div>
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}
