// The permission a trigger → function edge implies, its status, and the one-click fix when the
// function's role lacks actions (a manifest edit adding the missing statement).

import { useState } from 'react';

import type { Function as FunctionModel } from '../../bindings/Function';
import { useWorkspace } from '../../app/context';
import type { ImpliedPermission } from './model';

export type PermissionStatus = 'granted' | 'missing' | 'deploy' | 'public';

export function permissionStatus(implied: ImpliedPermission): PermissionStatus {
  if (implied.side === 'role') return implied.missing.length > 0 ? 'missing' : 'granted';
  return implied.warning ? 'public' : 'deploy';
}

export const STATUS_TEXT: Record<PermissionStatus, string> = {
  granted: 'Granted by the function’s permissions',
  missing: 'Missing from the function’s permissions',
  deploy: 'Resource policy, written at deploy',
  public: 'Public resource policy',
};

/** Adds the missing statement to the function's permissions; resolves to an error message or null. */
export function useAddMissingPermission() {
  const workspace = useWorkspace();
  const [busy, setBusy] = useState(false);
  const fix = async (fn: string, implied: ImpliedPermission): Promise<string | null> => {
    if (!implied.fix) return null;
    setBusy(true);
    const outcome = await workspace.applyManifestEdits([
      { kind: 'addPermission', function: fn, actions: implied.fix.actions, resources: implied.fix.resources },
    ]);
    setBusy(false);
    return outcome.error?.message ?? null;
  };
  return { fix, busy };
}

export function PermissionSummary({ fn, implied, testId }: { fn: FunctionModel; implied: ImpliedPermission; testId: string }) {
  const status = permissionStatus(implied);
  const { fix, busy } = useAddMissingPermission();
  const [error, setError] = useState<string | null>(null);
  return (
    <div className={`permission-summary is-${status}`} data-testid={testId} data-status={status}>
      <p className="small">
        <span className={`permission-status is-${status}`}>{STATUS_TEXT[status]}</span>
      </p>
      <p className="small">{implied.detail}</p>
      {implied.warning && <p className="field-warning small">{implied.warning}</p>}
      {implied.fix && (
        <p className="small">
          Missing: <span className="mono">{implied.missing.join(', ')}</span>{' '}
          <button
            type="button"
            className="button button-small button-primary"
            data-testid={`${testId}-fix`}
            disabled={busy}
            onClick={() => void fix(fn.name, implied).then(setError)}
          >
            Add to {fn.name}’s permissions
          </button>
        </p>
      )}
      {error && (
        <p className="field-error small" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
