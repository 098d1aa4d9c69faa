import { useCallback, useEffect, useState, type FormEvent } from 'react';

import type { AccountSummary } from '../../bindings/AccountSummary';
import type { AccountTestResult } from '../../bindings/AccountTestResult';
import type { ApiError } from '../../bindings/ApiError';
import type { AwsProfile } from '../../bindings/AwsProfile';
import { useAppState, useWorkspace } from '../../app/context';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Icon } from '../../ui/Icon';
import { AccountForm } from './AccountForm';
import { describeDetails, KIND_LABELS } from './fields';
import { TargetCredentials } from './TargetCredentials';

const PROFILE_KINDS: Record<string, string> = {
  sso: 'SSO',
  'assume-role': 'assume role',
  process: 'credential process',
  static: 'static keys',
  other: 'other',
};

type FormState = { mode: 'add' } | { mode: 'edit'; account: AccountSummary } | null;

/** Cloud accounts in the OS keychain, the user's AWS profiles, and what each target uses. */
export function AccountsArea() {
  const workspace = useWorkspace();
  const { project } = useAppState();
  const [accounts, setAccounts] = useState<AccountSummary[] | null>(null);
  const [keychainError, setKeychainError] = useState<ApiError | null>(null);
  const [listError, setListError] = useState<ApiError | null>(null);
  const [profiles, setProfiles] = useState<AwsProfile[] | null>(null);
  const [profilesError, setProfilesError] = useState<ApiError | null>(null);
  const [form, setForm] = useState<FormState>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [removing, setRemoving] = useState<AccountSummary | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  /** Sign-in tests per account: running, or their last result. */
  const [tests, setTests] = useState<Record<string, 'running' | AccountTestResult | ApiError>>({});

  const loadAccounts = useCallback(async () => {
    const outcome = await workspace.listAccounts();
    if (outcome.ok) {
      setAccounts(outcome.value);
      setKeychainError(null);
      setListError(null);
    } else if (outcome.error.code === 'keychain_unavailable') {
      setAccounts(null);
      setKeychainError(outcome.error);
    } else {
      setAccounts(null);
      setListError(outcome.error);
    }
  }, [workspace]);

  useEffect(() => {
    void loadAccounts();
    void workspace.listAwsProfiles().then((outcome) => {
      if (outcome.ok) setProfiles(outcome.value);
      else setProfilesError(outcome.error);
    });
  }, [workspace, loadAccounts]);

  const keychainUnavailable = (error: ApiError) => {
    setKeychainError(error);
    setForm(null);
    setRenaming(null);
  };

  /** Targets of the open project that name this account. */
  const targetsUsing = (name: string) =>
    (project?.manifest.manifest?.targets ?? []).filter((t) => t.account === name).map((t) => t.name);

  const remove = async (account: AccountSummary) => {
    setRemoving(null);
    const outcome = await workspace.removeAccount(account.name);
    if (!outcome.ok) {
      if (outcome.error.code === 'keychain_unavailable') keychainUnavailable(outcome.error);
      else workspace.notify('error', `Could not remove ${account.name}: ${outcome.error.message}`, outcome.error.code);
      return;
    }
    if (form?.mode === 'edit' && form.account.name === account.name) setForm(null);
    setMessage(`Removed ${account.name} from the keychain.`);
    await loadAccounts();
  };

  const test = async (name: string) => {
    setTests((current) => ({ ...current, [name]: 'running' }));
    const outcome = await workspace.testAccount(name);
    if (!outcome.ok && outcome.error.code === 'keychain_unavailable') keychainUnavailable(outcome.error);
    setTests((current) => ({ ...current, [name]: outcome.ok ? outcome.value : outcome.error }));
  };

  const using = removing ? targetsUsing(removing.name) : [];

  return (
    <div className="view" data-testid="accounts-view">
      <div className="view-inner">
        <header className="view-header">
          <div className="view-header-icon">
            <Icon name="accounts" size={22} />
          </div>
          <div>
            <h1 className="view-title">Accounts</h1>
            <p className="view-lead">
              Cloud credentials are kept in your operating system’s keychain and nowhere else — never in project files,
              logs or settings. The local target needs none.
            </p>
          </div>
        </header>

        {keychainError && (
          <section className="panel-card keychain-unavailable" role="alert" data-testid="keychain-unavailable" aria-labelledby="keychain-title">
            <div className="panel-card-icon">
              <Icon name="warning" size={20} />
            </div>
            <div className="panel-card-body">
              <h2 id="keychain-title" className="panel-card-title">
                The OS keychain is not available
              </h2>
              <p className="keychain-message" data-testid="keychain-unavailable-message">
                {keychainError.message}
              </p>
              <p className="muted small">
                Functory stores credentials only in the keychain, so accounts cannot be added or used until it is
                available. AWS profiles keep working.
              </p>
              <div className="form-actions">
                <button type="button" className="button" data-testid="keychain-retry" onClick={() => void loadAccounts()}>
                  <Icon name="reload" size={14} /> Try again
                </button>
              </div>
            </div>
          </section>
        )}

        <section className="view-section" aria-labelledby="accounts-title">
          <header className="view-section-header">
            <h2 id="accounts-title" className="view-section-title">
              Keychain accounts
            </h2>
            {accounts !== null && <span className="count-badge">{accounts.length}</span>}
            <span className="toolbar-spacer" />
            {!keychainError && form?.mode !== 'add' && (
              <button
                type="button"
                className="button button-small"
                data-testid="account-add"
                onClick={() => {
                  setForm({ mode: 'add' });
                  setMessage(null);
                }}
              >
                <Icon name="plus" size={13} /> Add account
              </button>
            )}
          </header>
          {message && (
            <p className="view-status success" role="status" data-testid="account-status">
              {message}
            </p>
          )}
          {listError && (
            <p className="field-error" role="alert" data-testid="account-list-error">
              Could not read the accounts: {listError.message}
            </p>
          )}
          {form?.mode === 'add' && (
            <AccountForm
              editing={null}
              onCancel={() => setForm(null)}
              onKeychainUnavailable={keychainUnavailable}
              onSaved={(account) => {
                setForm(null);
                setMessage(`Added ${account.name} to the keychain.`);
                void loadAccounts();
              }}
            />
          )}
          {keychainError && <p className="muted">Unavailable until the keychain can be read.</p>}
          {!keychainError && (
            <ul className="plain-list card-list" data-testid="account-list" aria-busy={accounts === null && !listError}>
              {accounts?.length === 0 && (
                <li className="card empty-card" data-testid="account-list-empty">
                  <Icon name="key" size={18} />
                  <div>
                    <p>No accounts yet.</p>
                    <p className="muted small">
                      Add an AWS access key, an Azure service principal or a Google service account to deploy to that
                      cloud{profiles && profiles.length > 0 ? ', or use one of your AWS profiles below' : ''}.
                    </p>
                  </div>
                </li>
              )}
              {accounts?.map((account) => (
                <li key={account.name} className="card account-row" data-testid={`account-${account.name}`}>
                  {renaming === account.name ? (
                    <RenameForm
                      from={account.name}
                      onDone={(to) => {
                        setRenaming(null);
                        if (to === null) return;
                        const stale = targetsUsing(account.name);
                        setMessage(
                          `Renamed ${account.name} to ${to}.` +
                            (stale.length > 0
                              ? ` functory.toml still names ${account.name} for ${stale.join(', ')}: choose ${to} under Targets.`
                              : ''),
                        );
                        void loadAccounts();
                      }}
                      onKeychainUnavailable={keychainUnavailable}
                    />
                  ) : (
                    <div className="account-row-main">
                      <div className="account-row-title">
                        <strong className="account-name">{account.name}</strong>
                        <span className={`kind-badge kind-${account.kind}`}>{KIND_LABELS[account.kind]}</span>
                      </div>
                      <dl className="kv">
                        {describeDetails(account.details).map(([label, value]) => (
                          <div key={label} className="kv-pair">
                            <dt>{label}</dt>
                            <dd className="mono">{value}</dd>
                          </div>
                        ))}
                      </dl>
                      <div className="account-row-actions">
                        <button
                          type="button"
                          className="button button-small"
                          data-testid={`account-test-${account.name}`}
                          disabled={tests[account.name] === 'running'}
                          onClick={() => void test(account.name)}
                        >
                          {tests[account.name] === 'running' ? 'Testing…' : 'Test'}
                        </button>
                        <button
                          type="button"
                          className="button button-small button-ghost"
                          data-testid={`account-edit-${account.name}`}
                          onClick={() => {
                            setForm({ mode: 'edit', account });
                            setMessage(null);
                          }}
                        >
                          <Icon name="edit" size={13} /> Edit
                        </button>
                        <button
                          type="button"
                          className="button button-small button-ghost"
                          data-testid={`account-rename-${account.name}`}
                          onClick={() => {
                            setRenaming(account.name);
                            setMessage(null);
                          }}
                        >
                          Rename
                        </button>
                        <button
                          type="button"
                          className="button button-small button-ghost button-danger"
                          data-testid={`account-remove-${account.name}`}
                          onClick={() => setRemoving(account)}
                        >
                          <Icon name="trash" size={13} /> Remove
                        </button>
                      </div>
                    </div>
                  )}
                  <AccountTestLine name={account.name} state={tests[account.name]} />
                  {form?.mode === 'edit' && form.account.name === account.name && (
                    <AccountForm
                      key={account.name}
                      editing={account}
                      onCancel={() => setForm(null)}
                      onKeychainUnavailable={keychainUnavailable}
                      onSaved={(saved) => {
                        setForm(null);
                        setMessage(`Saved ${saved.name}.`);
                        void loadAccounts();
                      }}
                    />
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>

        <section className="view-section" data-testid="aws-profiles" aria-labelledby="aws-profiles-title">
          <header className="view-section-header">
            <h2 id="aws-profiles-title" className="view-section-title">
              AWS profiles
            </h2>
            {profiles && <span className="count-badge">{profiles.length}</span>}
          </header>
          <p className="muted view-section-intro">
            From <code>~/.aws/config</code>. Targets refer to a profile by its name; Functory never copies its keys, so
            the AWS tools keep signing in as they do today (including SSO).
          </p>
          {profilesError && (
            <p className="field-error" role="alert">
              Could not read the AWS configuration: {profilesError.message}
            </p>
          )}
          {profiles?.length === 0 && <p className="muted">No profiles found in ~/.aws/config.</p>}
          {profiles && profiles.length > 0 && (
            <ul className="plain-list profile-list">
              {profiles.map((p) => (
                <li key={p.name} className="profile-row" data-testid={`aws-profile-${p.name}`}>
                  <strong className="mono">{p.name}</strong>
                  <span className="kind-badge">{PROFILE_KINDS[p.kind] ?? p.kind}</span>
                  <span className="muted">{p.region ? `region ${p.region}` : 'no default region'}</span>
                  {p.ssoSession && <span className="muted">SSO session {p.ssoSession}</span>}
                </li>
              ))}
            </ul>
          )}
        </section>

        <TargetCredentials accounts={accounts} profiles={profiles ?? []} keychainAvailable={keychainError === null} />
      </div>

      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name}?`}
          message={
            `Its credentials are deleted from the OS keychain; this cannot be undone.` +
            (using.length > 0 ? ` ${using.join(', ')} in functory.toml ${using.length === 1 ? 'uses' : 'use'} it and will have no credentials.` : '')
          }
          onCancel={() => setRemoving(null)}
          actions={[{ label: 'Remove account', testId: 'confirm-remove', kind: 'danger', onSelect: () => void remove(removing) }]}
        />
      )}
    </div>
  );
}

function RenameForm({
  from,
  onDone,
  onKeychainUnavailable,
}: {
  from: string;
  onDone: (to: string | null) => void;
  onKeychainUnavailable: (error: ApiError) => void;
}) {
  const workspace = useWorkspace();
  const [to, setTo] = useState(from);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const name = to.trim();
    if (name === from) {
      onDone(null);
      return;
    }
    setBusy(true);
    const outcome = await workspace.renameAccount(from, name);
    setBusy(false);
    if (outcome.ok) onDone(name);
    else if (outcome.error.code === 'keychain_unavailable') onKeychainUnavailable(outcome.error);
    else setError(outcome.error.message.replace(/^name:\s*/, ''));
  };

  return (
    <form className="rename-form" onSubmit={(e) => void submit(e)} noValidate>
      <label className="field-label" htmlFor={`rename-${from}`}>
        New name for {from}
      </label>
      <div className="input-row">
        <input
          id={`rename-${from}`}
          className={`input${error ? ' has-error' : ''}`}
          data-testid="account-rename-input"
          value={to}
          autoComplete="off"
          autoFocus
          aria-invalid={error !== null}
          onChange={(e) => {
            setTo(e.target.value);
            setError(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') onDone(null);
          }}
        />
        <button type="submit" className="button button-primary" data-testid="account-rename-save" disabled={busy}>
          Rename
        </button>
        <button type="button" className="button" data-testid="account-rename-cancel" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert" data-testid="account-rename-error">
          {error}
        </p>
      )}
    </form>
  );
}

/** The last sign-in test of an account: who the cloud took it for, or why it refused. */
function AccountTestLine({ name, state }: { name: string; state: 'running' | AccountTestResult | ApiError | undefined }) {
  if (state === undefined || state === 'running') return null;
  if (!('ok' in state)) {
    return (
      <p className="field-error" role="alert" data-testid={`account-test-result-${name}`}>
        Could not test {name}: {state.message}
      </p>
    );
  }
  return (
    <p
      className={state.ok ? 'view-status success' : 'field-error'}
      role={state.ok ? 'status' : 'alert'}
      data-testid={`account-test-result-${name}`}
      data-ok={state.ok}
    >
      {state.ok ? `✓ ${state.identity ?? state.message}` : `✗ ${state.message}`}{' '}
      <span className="muted small">
        ({state.call}, {Math.round(state.durationMs)} ms)
      </span>
    </p>
  );
}
