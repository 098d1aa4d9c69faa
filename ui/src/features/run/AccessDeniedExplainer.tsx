// "Explain this AccessDenied": next to an invocation error or a log line that carries a cloud
// refusal (AWS AccessDenied / "is not authorized to perform", Azure AuthorizationFailed, Google
// PERMISSION_DENIED), the analyzer names the refused action, the calls in the code that make
// it, the statement of functory.toml involved, and the exact change — applied after its diff
// is reviewed.

import { useState } from 'react';

import type { AccessDeniedHelp } from '../../bindings/AccessDeniedHelp';
import type { ApiError } from '../../bindings/ApiError';
import { useWorkspace } from '../../app/context';
import { PermissionsDiffDialog, SourceLink } from '../security/LeastPrivilege';

const REFUSAL =
  /AccessDenied|not authorized to perform|AuthorizationFailed|PERMISSION_DENIED|does not have [\w.]+ (?:access|permission)|Permission '[^']+' denied/i;

/** Whether `text` looks like a cloud refusal the analyzer can explain. */
export function looksLikeAccessDenied(text: string): boolean {
  return REFUSAL.test(text);
}

export function AccessDeniedExplainer({ fn, text, testId = 'explain-denied' }: { fn: string; text: string; testId?: string }) {
  const workspace = useWorkspace();
  const [help, setHelp] = useState<AccessDeniedHelp | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [reviewing, setReviewing] = useState(false);
  const [applied, setApplied] = useState(false);

  const explain = async () => {
    const outcome = await workspace.explainAccessDenied(fn, text);
    if (outcome.ok) {
      setHelp(outcome.value);
      setError(null);
    } else setError(outcome.error);
  };

  const apply = async () => {
    if (!help?.preview) return;
    setReviewing(false);
    const outcome = await workspace.setPermissions(fn, help.preview.permissions);
    if (outcome.ok) setApplied(true);
    else setError(outcome.error);
  };

  if (!help) {
    return (
      <div className="denied-explainer" data-testid={testId}>
        <button type="button" className="button button-small" data-testid={`${testId}-button`} onClick={() => void explain()}>
          Explain this AccessDenied
        </button>
        {error && (
          <p className="field-error" role="alert" data-testid={`${testId}-error`}>
            {error.message}
          </p>
        )}
      </div>
    );
  }

  const { explanation, preview } = help;
  const { denied } = explanation;
  return (
    <div className="denied-explainer is-open" data-testid={testId} aria-live="polite">
      <p>
        <strong>Refused:</strong> <span className="mono" data-testid={`${testId}-action`}>{denied.action ?? 'an action the message does not name'}</span>
        {denied.resource && (
          <>
            {' '}
            on <span className="mono">{denied.resource}</span>
          </>
        )}
        {denied.principal && (
          <>
            {' '}
            for <span className="mono">{denied.principal}</span>
          </>
        )}
        {denied.explicitDeny && ' — an explicit Deny refused it.'}
      </p>
      <p data-testid={`${testId}-summary`}>{explanation.summary}</p>
      {explanation.calls.length > 0 && (
        <ul className="plain-list">
          {explanation.calls.map((c, i) => (
            <li key={i} className="lp-item">
              <span className="mono">{c.code}</span> needs it: <SourceLink location={c.location} testId={`${testId}-call`} />
            </li>
          ))}
        </ul>
      )}
      {explanation.statementLocation && (
        <p className="muted small">
          The statement involved: <SourceLink location={explanation.statementLocation} />
        </p>
      )}
      {applied ? (
        <p className="view-status success" role="status" data-testid={`${testId}-applied`}>
          functory.toml changed. Deploy again (or invoke again locally) to use it.
        </p>
      ) : (
        preview &&
        preview.diff !== '' && (
          <button type="button" className="button button-small button-primary" data-testid={`${testId}-review`} onClick={() => setReviewing(true)}>
            Review the change…
          </button>
        )
      )}
      {error && (
        <p className="field-error" role="alert" data-testid={`${testId}-error`}>
          {error.message}
        </p>
      )}
      {reviewing && preview && (
        <PermissionsDiffDialog
          title={`Change the permissions of ${fn}?`}
          lead={explanation.summary}
          preview={preview}
          confirmLabel="Apply the change"
          onCancel={() => setReviewing(false)}
          onConfirm={() => void apply()}
        />
      )}
    </div>
  );
}
