import { useState } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { TargetIdentity } from '../../bindings/TargetIdentity';

import type { AccountKind } from '../../bindings/AccountKind';
import type { AccountSummary } from '../../bindings/AccountSummary';
import type { AdapterKind } from '../../bindings/AdapterKind';
import type { AwsProfile } from '../../bindings/AwsProfile';
import type { Target } from '../../bindings/Target';
import { useAppState, useWorkspace } from '../../app/context';
import { MANIFEST_PATH } from '../../app/state';
import { Icon } from '../../ui/Icon';
import { AddTargetForm } from '../targets/AddTargetForm';
import { AMBIENT_LABELS } from '../targets/draft';
import { RemoveTargetButton } from '../targets/RemoveTargetButton';
import { KIND_LABELS } from './fields';

/** The account kind a cloud adapter signs in with; the local target may use any. */
const KIND_FOR_ADAPTER: Partial<Record<AdapterKind, AccountKind>> = {
  aws: 'aws-access-key',
  azure: 'azure-service-principal',
  gcp: 'gcp-service-account',
};

const NONE = '';
const valueOf = (target: Target) =>
  target.account !== null ? `account:${target.account}` : target.profile !== null ? `profile:${target.profile}` : NONE;

type RowStatus = { kind: 'saved' } | { kind: 'stale' } | { kind: 'error'; message: string } | null;

/** For each target of functory.toml: which keychain account or AWS profile it deploys with. */
export function TargetCredentials({
  accounts,
  profiles,
  keychainAvailable,
}: {
  /** Null while loading or when the keychain cannot be read. */
  accounts: AccountSummary[] | null;
  profiles: AwsProfile[];
  keychainAvailable: boolean;
}) {
  const workspace = useWorkspace();
  const { project } = useAppState();
  const manifest = project?.manifest.manifest ?? null;
  const [adding, setAdding] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  return (
    <section className="view-section" data-testid="target-credentials" aria-labelledby="target-credentials-title">
      <header className="view-section-header">
        <h2 id="target-credentials-title" className="view-section-title">
          Targets of {project?.name ?? 'this project'}
        </h2>
        {project?.hasManifest && (
          <button
            type="button"
            className="link-button"
            data-testid="target-credentials-open-manifest"
            onClick={() => void workspace.openFile(MANIFEST_PATH)}
          >
            <Icon name="file" size={13} /> Open functory.toml
          </button>
        )}
        <span className="toolbar-spacer" />
        {manifest && !adding && (
          <button
            type="button"
            className="button button-small"
            data-testid="target-add"
            onClick={() => {
              setAdding(true);
              setMessage(null);
            }}
          >
            <Icon name="plus" size={13} /> Add target
          </button>
        )}
      </header>
      {message && (
        <p className="view-status success" role="status" data-testid="target-status">
          {message}
        </p>
      )}
      {manifest && adding && (
        <AddTargetForm
          existing={manifest.targets.map((t) => t.name)}
          onCancel={() => setAdding(false)}
          onAdded={(name) => {
            setAdding(false);
            setMessage(`Added target ${name} to functory.toml.`);
          }}
        />
      )}
      <p className="muted view-section-intro">
        Choose what each target signs in with. It is written to <code>functory.toml</code> as the account’s or profile’s
        name — never a secret.
      </p>
      {!project?.hasManifest ? (
        <p className="muted">This folder has no functory.toml yet; create one from the Functions area.</p>
      ) : !manifest ? (
        <p className="muted">functory.toml has problems; fix them in the Functions area to choose credentials here.</p>
      ) : manifest.targets.length === 0 ? (
        <p className="muted">functory.toml declares no targets yet.</p>
      ) : (
        <ul className="plain-list card-list">
          {manifest.targets.map((target) => (
            <TargetRow
              key={target.name}
              target={target}
              accounts={accounts}
              profiles={profiles}
              keychainAvailable={keychainAvailable}
              onRemoved={(name) => setMessage(`Removed target ${name} from functory.toml.`)}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function TargetRow({
  target,
  accounts,
  profiles,
  keychainAvailable,
  onRemoved,
}: {
  target: Target;
  accounts: AccountSummary[] | null;
  profiles: AwsProfile[];
  keychainAvailable: boolean;
  onRemoved: (name: string) => void;
}) {
  const workspace = useWorkspace();
  const [saving, setSaving] = useState(false);
  const [status, setStatus] = useState<RowStatus>(null);
  const id = `target-credentials-${target.name}`;
  const wantedKind = KIND_FOR_ADAPTER[target.adapter];
  const usable = (accounts ?? []).filter((a) => wantedKind === undefined || a.kind === wantedKind);
  const current = valueOf(target);
  const isAws = target.adapter === 'aws';

  // What functory.toml names but this machine does not have still shows, so the select tells the truth.
  const missingAccount = target.account !== null && !usable.some((a) => a.name === target.account) ? target.account : null;
  const missingProfile = target.profile !== null && !(isAws && profiles.some((p) => p.name === target.profile)) ? target.profile : null;

  const choose = async (value: string) => {
    const [kind, ...rest] = value.split(':');
    const name = rest.join(':');
    setSaving(true);
    setStatus(null);
    const outcome = await workspace.setTargetCredentials(
      target.name,
      kind === 'profile' ? name : null,
      kind === 'account' ? name : null,
    );
    setSaving(false);
    if (outcome.error) setStatus({ kind: 'error', message: outcome.error.message });
    else setStatus(outcome.manifestBufferStale ? { kind: 'stale' } : { kind: 'saved' });
  };

  return (
    <li className="card target-row" data-testid={`target-${target.name}`}>
      <div className="target-row-main">
        <div>
          <strong className="mono">{target.name}</strong>
          <span className="muted">
            {' '}
            — {target.adapter}
            {target.region ? `, ${target.region}` : ''}
          </span>
        </div>
        <div className="target-row-select">
          <label className="visually-hidden" htmlFor={id}>
            Credentials for {target.name}
          </label>
          <select
            id={id}
            className="input"
            data-testid={id}
            value={current}
            disabled={saving}
            aria-describedby={status ? `${id}-status` : undefined}
            onChange={(e) => void choose(e.target.value)}
          >
            <option value={NONE}>{target.adapter === 'local' ? 'None' : AMBIENT_LABELS[target.adapter].label}</option>
            {(usable.length > 0 || missingAccount !== null) && (
              <optgroup label="Keychain accounts">
                {usable.map((a) => (
                  <option key={a.name} value={`account:${a.name}`}>
                    {a.name} ({KIND_LABELS[a.kind]})
                  </option>
                ))}
                {missingAccount !== null && (
                  <option value={`account:${missingAccount}`}>
                    {missingAccount} ({keychainAvailable ? 'not in the keychain' : 'keychain unavailable'})
                  </option>
                )}
              </optgroup>
            )}
            {((isAws && profiles.length > 0) || missingProfile !== null) && (
              <optgroup label="AWS profiles">
                {isAws &&
                  profiles.map((p) => (
                    <option key={p.name} value={`profile:${p.name}`}>
                      {p.name} (profile)
                    </option>
                  ))}
                {missingProfile !== null && (
                  <option value={`profile:${missingProfile}`}>{missingProfile} (profile not found)</option>
                )}
              </optgroup>
            )}
          </select>
          <RemoveTargetButton target={target.name} testId={`target-remove-${target.name}`} onRemoved={onRemoved} />
        </div>
      </div>
      {wantedKind && (
        <p className="field-hint">
          Lists {KIND_LABELS[wantedKind]} accounts{isAws ? ' and the profiles of ~/.aws/config' : ''}.
        </p>
      )}
      {status?.kind === 'saved' && (
        <p id={`${id}-status`} className="field-hint success" role="status" data-testid={`${id}-saved`}>
          Saved to functory.toml.
        </p>
      )}
      {status?.kind === 'stale' && (
        <p id={`${id}-status`} className="field-hint warning" role="alert" data-testid={`${id}-stale`}>
          Saved, but functory.toml has unsaved edits in the editor, so its tab was not refreshed.
        </p>
      )}
      {status?.kind === 'error' && (
        <p id={`${id}-status`} className="field-error" role="alert" data-testid={`${id}-error`}>
          {status.message}
        </p>
      )}
      {target.adapter !== 'local' && <WhoAmI target={target.name} />}
    </li>
  );
}

type Identity = { kind: 'asking' } | { kind: 'known'; identity: TargetIdentity } | { kind: 'failed'; error: ApiError } | null;

/** Asks the cloud who the target resolves to (AWS: STS GetCallerIdentity), on request. */
function WhoAmI({ target }: { target: string }) {
  const workspace = useWorkspace();
  const [state, setState] = useState<Identity>(null);
  const ask = async () => {
    setState({ kind: 'asking' });
    const outcome = await workspace.targetIdentity(target);
    setState(outcome.ok ? { kind: 'known', identity: outcome.value } : { kind: 'failed', error: outcome.error });
  };
  return (
    <div className="target-whoami">
      <button
        type="button"
        className="link-button"
        data-testid={`target-whoami-${target}`}
        disabled={state?.kind === 'asking'}
        onClick={() => void ask()}
      >
        {state?.kind === 'asking' ? 'Asking…' : 'Who does it act as?'}
      </button>
      {state?.kind === 'known' && (
        <span className="small" data-testid={`target-identity-${target}`} role="status">
          {' '}
          <code className="mono">{state.identity.arn}</code> (account <span className="mono">{state.identity.account}</span>
          {state.identity.region ? `, ${state.identity.region}` : ''}), signed in with {state.identity.source}
        </span>
      )}
      {state?.kind === 'failed' && (
        <p className={state.error.code === 'not_supported' ? 'field-hint' : 'field-error'} data-testid={`target-identity-error-${target}`} role="alert">
          {state.error.message}
        </p>
      )}
    </div>
  );
}
