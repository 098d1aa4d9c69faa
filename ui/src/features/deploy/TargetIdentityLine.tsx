import { useCallback, useEffect, useState } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { Target } from '../../bindings/Target';
import type { TargetIdentity } from '../../bindings/TargetIdentity';
import { useWorkspace } from '../../app/context';
import { Icon } from '../../ui/Icon';

type State = { kind: 'asking' } | { kind: 'known'; identity: TargetIdentity } | { kind: 'failed'; error: ApiError };

/**
 * Who the chosen target acts as, asked of the cloud (AWS: STS GetCallerIdentity) whenever the
 * target or how it signs in changes, so a deploy's account is known before anything changes.
 */
export function TargetIdentityLine({ target }: { target: Target }) {
  const workspace = useWorkspace();
  const [state, setState] = useState<State>({ kind: 'asking' });
  // What the answer depends on; the target object itself is new on every project update.
  const signature = [target.name, target.adapter, target.region, target.profile, target.account].join('\u0000');

  const ask = useCallback(async () => {
    setState({ kind: 'asking' });
    return workspace.targetIdentity(signature.split('\u0000')[0]);
  }, [workspace, signature]);

  useEffect(() => {
    let live = true;
    void ask().then((outcome) => {
      if (live) setState(outcome.ok ? { kind: 'known', identity: outcome.value } : { kind: 'failed', error: outcome.error });
    });
    return () => {
      live = false;
    };
  }, [ask]);

  const retry = async () => {
    const outcome = await ask();
    setState(outcome.ok ? { kind: 'known', identity: outcome.value } : { kind: 'failed', error: outcome.error });
  };

  if (state.kind === 'asking') {
    return (
      <p className="deploy-identity muted" data-testid="deploy-identity-asking" aria-live="polite">
        Asking who {target.name} acts as…
      </p>
    );
  }
  if (state.kind === 'known') {
    const { identity } = state;
    return (
      <div className="deploy-identity" data-testid="deploy-identity" data-account={identity.account} aria-live="polite">
        <p>
          <Icon name="accounts" size={13} /> {identity.target} acts as <code className="mono">{identity.arn}</code> (account{' '}
          <span className="mono">{identity.account}</span>
          {identity.region ? `, ${identity.region}` : ''})
        </p>
        <p className="muted small" data-testid="deploy-identity-source">
          Signed in with {identity.source}.
        </p>
      </div>
    );
  }
  const { error } = state;
  if (error.code === 'not_supported') {
    return (
      <p className="deploy-identity muted small" data-testid="deploy-identity-unsupported">
        {error.message}. The deploy signs in when it runs.
      </p>
    );
  }
  return (
    <section className="panel-card deploy-identity-error" role="alert" data-testid="deploy-identity-error">
      <div className="panel-card-body">
        <p className="field-error">
          {target.name} cannot sign in: {error.message}
        </p>
        <div className="form-actions">
          <button type="button" className="button button-small" data-testid="deploy-identity-accounts" onClick={() => workspace.setArea('accounts')}>
            <Icon name="accounts" size={13} /> Open Accounts
          </button>
          <button type="button" className="button button-small button-ghost" data-testid="deploy-identity-retry" onClick={() => void retry()}>
            <Icon name="reload" size={13} /> Try again
          </button>
        </div>
      </div>
    </section>
  );
}
