import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';

import type { AccountSummary } from '../../bindings/AccountSummary';
import type { ApiError } from '../../bindings/ApiError';
import type { AwsProfile } from '../../bindings/AwsProfile';
import { useWorkspace } from '../../app/context';
import { Icon } from '../../ui/Icon';
import {
  ACCOUNT_KIND,
  ADAPTER_LABELS,
  AMBIENT_LABELS,
  emptyTargetDraft,
  newTargetOf,
  placeTargetError,
  TEXT_FIELDS,
  type CloudAdapter,
  type SignIn,
  type TargetDraft,
  type TargetErrors,
  type TargetField,
} from './draft';

const ADAPTERS: CloudAdapter[] = ['aws', 'azure', 'gcp'];

/**
 * Adds a cloud target to functory.toml: which cloud, where, and how it signs in (an AWS profile,
 * a keychain account, or the machine's own credentials). The backend checks it and writes it
 * with toml_edit; its refusal is shown under the field it names.
 */
export function AddTargetForm({
  existing,
  onAdded,
  onCancel,
}: {
  /** Targets the project has: the name field suggests one that is free. */
  existing: string[];
  onAdded: (name: string) => void;
  onCancel: () => void;
}) {
  const workspace = useWorkspace();
  const id = useId();
  const form = useRef<HTMLFormElement>(null);
  const [draft, setDraft] = useState<TargetDraft>(() => emptyTargetDraft('aws', existing.includes('dev') ? '' : 'dev'));
  const [errors, setErrors] = useState<TargetErrors>({});
  const [saving, setSaving] = useState(false);
  const [profiles, setProfiles] = useState<AwsProfile[] | null>(null);
  const [profilesError, setProfilesError] = useState<ApiError | null>(null);
  const [accounts, setAccounts] = useState<AccountSummary[] | null>(null);
  const [accountsError, setAccountsError] = useState<ApiError | null>(null);
  /** The sign-in was chosen by the user (not the default picked once profiles loaded). */
  const [signInTouched, setSignInTouched] = useState(false);
  /** The region the form filled in from a profile, replaced when another profile is chosen. */
  const [regionFromProfile, setRegionFromProfile] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void workspace.listAwsProfiles().then((outcome) => {
      if (!live) return;
      if (outcome.ok) setProfiles(outcome.value);
      else setProfilesError(outcome.error);
    });
    void workspace.listAccounts().then((outcome) => {
      if (!live) return;
      if (outcome.ok) setAccounts(outcome.value);
      else setAccountsError(outcome.error);
    });
    return () => {
      live = false;
    };
  }, [workspace]);

  const usableAccounts = (accounts ?? []).filter((a) => a.kind === ACCOUNT_KIND[draft.adapter]);
  const awsProfiles = profiles ?? [];

  /** `current` with profile `name` chosen; its region fills an empty Region (or one filled from a profile before). */
  const withProfile = (name: string, current: TargetDraft): TargetDraft => {
    const region = awsProfiles.find((p) => p.name === name)?.region ?? null;
    const keepRegion = current.region !== '' && current.region !== regionFromProfile;
    setRegionFromProfile(keepRegion ? regionFromProfile : region);
    return { ...current, profile: name, region: keepRegion ? current.region : (region ?? '') };
  };

  // Once the profiles are known, an AWS target defaults to the first (the user may choose otherwise).
  const [defaulted, setDefaulted] = useState(false);
  if (!defaulted && profiles !== null) {
    setDefaulted(true);
    if (!signInTouched && draft.adapter === 'aws' && awsProfiles.length > 0 && draft.signIn === 'ambient') {
      setDraft(withProfile(awsProfiles[0].name, { ...draft, signIn: 'profile' }));
    }
  }

  // After a refusal, the field it names takes the focus, so a keyboard user lands on it.
  useEffect(() => {
    const first = form.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    first?.focus();
  }, [errors]);

  const clear = (...fields: (TargetField | 'form')[]) => {
    if (fields.some((f) => errors[f])) setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !fields.includes(k as TargetField))));
  };

  const set = (field: Exclude<TargetField, 'profile' | 'account'>, value: string) => {
    setDraft((d) => ({ ...d, [field]: value }));
    if (field === 'region') setRegionFromProfile(null);
    clear(field, 'form');
  };

  const chooseSignIn = (signIn: SignIn) => {
    setSignInTouched(true);
    const next = { ...draft, signIn };
    if (signIn === 'profile' && draft.profile === '' && awsProfiles.length > 0) setDraft(withProfile(awsProfiles[0].name, next));
    else if (signIn === 'account' && draft.account === '' && usableAccounts.length > 0) setDraft({ ...next, account: usableAccounts[0].name });
    else setDraft(next);
    clear('profile', 'account', 'form');
  };

  const chooseAdapter = (adapter: CloudAdapter) => {
    const fresh = emptyTargetDraft(adapter, draft.name);
    setSignInTouched(false);
    setRegionFromProfile(null);
    setErrors({});
    if (adapter === 'aws' && awsProfiles.length > 0) setDraft(withProfile(awsProfiles[0].name, { ...fresh, signIn: 'profile' }));
    else setDraft(fresh);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (saving) return;
    setSaving(true);
    setErrors({});
    const target = newTargetOf(draft);
    const outcome = await workspace.addTarget(target);
    setSaving(false);
    if (outcome.error) setErrors(placeTargetError(outcome.error));
    else onAdded(target.name);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLFormElement>) => {
    if (event.key === 'Escape' && !saving) {
      event.preventDefault();
      onCancel();
    }
  };

  const fieldId = (name: string) => `${id}-${name}`;
  const describedBy = (name: TargetField, hint: boolean) =>
    [errors[name] ? `${fieldId(name)}-error` : null, hint ? `${fieldId(name)}-hint` : null].filter(Boolean).join(' ') || undefined;
  const errorLine = (name: TargetField) =>
    errors[name] ? (
      <p id={`${fieldId(name)}-error`} className="field-error" data-testid={`target-error-${name}`}>
        {errors[name]}
      </p>
    ) : null;

  const signInOptions: { value: SignIn; label: string; disabled: boolean; note: string | null }[] = [
    ...(draft.adapter === 'aws'
      ? [
          {
            value: 'profile' as const,
            label: 'An AWS profile',
            disabled: awsProfiles.length === 0,
            note: profilesError
              ? `The AWS configuration could not be read: ${profilesError.message}`
              : profiles && profiles.length === 0
                ? 'No profiles in ~/.aws/config.'
                : null,
          },
        ]
      : []),
    {
      value: 'account',
      label: 'A keychain account',
      disabled: usableAccounts.length === 0,
      note: accountsError
        ? `The keychain cannot be read: ${accountsError.message}`
        : accounts && usableAccounts.length === 0
          ? 'No account of this kind yet: add one under Accounts.'
          : null,
    },
    { value: 'ambient', label: AMBIENT_LABELS[draft.adapter].label, disabled: false, note: AMBIENT_LABELS[draft.adapter].hint },
  ];

  return (
    <form
      ref={form}
      className="account-form target-form"
      data-testid="target-form"
      aria-labelledby={`${id}-title`}
      onSubmit={(e) => void submit(e)}
      onKeyDown={onKeyDown}
      noValidate
      autoComplete="off"
    >
      <h3 id={`${id}-title`} className="account-form-title">
        Add a target
      </h3>
      <p className="muted small target-form-intro">
        Written to <code>functory.toml</code> as <code>[targets.{draft.name.trim() || 'NAME'}]</code>, with your comments and formatting
        kept. Credentials are named, never copied.
      </p>
      <div className="account-fields">
        <div className="field">
          <label className="field-label" htmlFor={fieldId('name')}>
            Name
          </label>
          <input
            id={fieldId('name')}
            className={`input mono${errors.name ? ' has-error' : ''}`}
            data-testid="target-field-name"
            value={draft.name}
            placeholder="dev"
            autoFocus
            spellCheck={false}
            aria-invalid={errors.name !== undefined}
            aria-describedby={describedBy('name', false)}
            onChange={(e) => set('name', e.target.value)}
          />
          {errorLine('name')}
        </div>
        <div className="field">
          <label className="field-label" htmlFor={fieldId('adapter')}>
            Cloud
          </label>
          <select
            id={fieldId('adapter')}
            className="input"
            data-testid="target-field-adapter"
            value={draft.adapter}
            onChange={(e) => chooseAdapter(e.target.value as CloudAdapter)}
          >
            {ADAPTERS.map((a) => (
              <option key={a} value={a}>
                {ADAPTER_LABELS[a]}
              </option>
            ))}
          </select>
        </div>
        {TEXT_FIELDS[draft.adapter].map((spec) => (
          <div className="field" key={`${draft.adapter}-${spec.name}`}>
            <label className="field-label" htmlFor={fieldId(spec.name)}>
              {spec.label}
              {spec.optional && <span className="optional"> (optional)</span>}
            </label>
            <input
              id={fieldId(spec.name)}
              className={`input mono${errors[spec.name] ? ' has-error' : ''}`}
              data-testid={`target-field-${spec.name}`}
              value={draft[spec.name]}
              placeholder={spec.placeholder}
              spellCheck={false}
              aria-invalid={errors[spec.name] !== undefined}
              aria-describedby={describedBy(spec.name, spec.hint !== undefined)}
              onChange={(e) => set(spec.name, e.target.value)}
            />
            {spec.hint && (
              <p id={`${fieldId(spec.name)}-hint`} className="field-hint">
                {spec.hint}
              </p>
            )}
            {errorLine(spec.name)}
          </div>
        ))}
      </div>

      <fieldset className="field target-signin">
        <legend className="field-label">Sign in with</legend>
        {signInOptions.map((option) => (
          <div key={option.value} className="target-signin-option">
            <label className={`radio${option.disabled ? ' is-disabled' : ''}`}>
              <input
                type="radio"
                name={`${id}-signin`}
                value={option.value}
                data-testid={`target-signin-${option.value}`}
                checked={draft.signIn === option.value}
                disabled={option.disabled}
                onChange={() => chooseSignIn(option.value)}
              />{' '}
              {option.label}
            </label>
            {option.value === 'profile' && draft.signIn === 'profile' && (
              <>
                <label className="visually-hidden" htmlFor={fieldId('profile')}>
                  AWS profile
                </label>
                <select
                  id={fieldId('profile')}
                  className={`input${errors.profile ? ' has-error' : ''}`}
                  data-testid="target-field-profile"
                  value={draft.profile}
                  aria-invalid={errors.profile !== undefined}
                  aria-describedby={describedBy('profile', false)}
                  onChange={(e) => {
                    setDraft(withProfile(e.target.value, draft));
                    clear('profile', 'form');
                  }}
                >
                  {awsProfiles.map((p) => (
                    <option key={p.name} value={p.name}>
                      {p.name}
                      {p.region ? ` (${p.region})` : ''}
                    </option>
                  ))}
                </select>
                {errorLine('profile')}
              </>
            )}
            {option.value === 'account' && draft.signIn === 'account' && (
              <>
                <label className="visually-hidden" htmlFor={fieldId('account')}>
                  Keychain account
                </label>
                <select
                  id={fieldId('account')}
                  className={`input${errors.account ? ' has-error' : ''}`}
                  data-testid="target-field-account"
                  value={draft.account}
                  aria-invalid={errors.account !== undefined}
                  aria-describedby={describedBy('account', false)}
                  onChange={(e) => {
                    const name = e.target.value;
                    setDraft((d) => ({ ...d, account: name }));
                    clear('account', 'form');
                  }}
                >
                  {usableAccounts.map((a) => (
                    <option key={a.name} value={a.name}>
                      {a.name}
                    </option>
                  ))}
                </select>
                {errorLine('account')}
              </>
            )}
            {option.note && (option.disabled || (option.value === 'ambient' && draft.signIn === 'ambient')) && (
              <p className="field-hint" data-testid={`target-signin-${option.value}-note`}>
                {option.note}
              </p>
            )}
          </div>
        ))}
      </fieldset>

      {errors.form && (
        <p className="field-error" role="alert" data-testid="target-error-form">
          {errors.form}
        </p>
      )}
      {Object.keys(errors).length > 0 && (
        <p className="visually-hidden" role="alert">
          functory.toml was not changed: {Object.values(errors)[0]}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button button-primary" data-testid="target-save" disabled={saving}>
          <Icon name="plus" size={14} />
          {saving ? 'Adding…' : 'Add target'}
        </button>
        <button type="button" className="button" data-testid="target-cancel" onClick={onCancel} disabled={saving}>
          Cancel
        </button>
      </div>
    </form>
  );
}
