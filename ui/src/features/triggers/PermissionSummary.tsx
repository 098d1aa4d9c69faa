// What a trigger → function edge needs and who grants it, as the Rust side says
// (`functory_core::trigger_needs` through `canvas_model` and `check_trigger`).

import type { EdgeStatus } from '../../bindings/EdgeStatus';
import type { TriggerEdge } from '../../bindings/TriggerEdge';

export const STATUS_TEXT: Record<EdgeStatus, string> = {
  deploy: 'Granted by the deploy',
  public: 'Public: granted to anyone',
  caller: 'Callers grant themselves access',
  denied: 'Denied by the function’s permissions',
};

export function PermissionSummary({ edge, testId }: { edge: TriggerEdge; testId: string }) {
  const { needs, status } = edge;
  return (
    <div className={`permission-summary is-${status}`} data-testid={testId} data-status={status}>
      <p className="small">
        <span className={`permission-status is-${status}`}>{STATUS_TEXT[status]}</span>
      </p>
      <p className="small">{needs.detail}</p>
      {needs.role && (
        <p className="small">
          Role statement <span className="mono">{needs.role.sid}</span>: <span className="mono">{needs.role.actions.join(', ')}</span> on{' '}
          <span className="mono">{needs.role.resource}</span>
        </p>
      )}
      {needs.warning && <p className="field-warning small">{needs.warning}</p>}
      {edge.deniedBy && (
        <p className="field-error small" role="alert">
          {edge.deniedBy}
        </p>
      )}
    </div>
  );
}
