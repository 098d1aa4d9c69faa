import { useId, useRef, useState, type ChangeEvent, type FormEvent, type ReactNode } from 'react';

import type { AccountSummary } from '../../bindings/AccountSummary';
import type { ApiError } from '../../bindings/ApiError';
import { useWorkspace } from '../../app/context';
import { Icon } from '../../ui/Icon';
import {
  draftOf,
  emptyDraft,
  FIELDS,
  inputOf,
  KEEP_SECRET_PLACEHOLDER,
  KIND_LABELS,
  KINDS,
  placeError,
  SECRET_FIELDS,
  withoutSecrets,
  type Draft,
  type FieldErrors,
  type FieldSpec,
} from './fields';

/**
 * Adds an account, or edits one (`editing`): public fields pre-filled, secret fields empty — the
 * UI never receives a stored secret, and forgets the ones typed here as soon as they are sent.
 */
export function AccountForm({
  editing,
  onSaved,
  onCancel,
  onKeychainUnavailable,
}: {
  editing: AccountSummary | null;
  onSaved: (account: AccountSummary, added: boolean) => void;
  onCancel: () => void;
  onKeychainUnavailable: (error: ApiError) => void;
}) {
  const workspace = useWorkspace();
  const [draft, setDraft] = useState<Draft>(() => (editing ? draftOf(editing) : emptyDraft()));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saving, setSaving] = useState(false);
  const [secretsCleared, setSecretsCleared] = useState(false);
  const [keyFileName, setKeyFileName] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const idPrefix = useId();
  const isGcpEdit = editing !== null && draft.kind === 'gcp-service-account';

  const set = (field: keyof Draft, value: string) => {
    setDraft((d) => ({ ...d, [field]: value }));
    if (errors[field as keyof FieldErrors]) setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const loadKeyFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    // The input is reset so the same file can be loaded again and nothing lingers in it.
    event.target.value = '';
    if (!file) return;
    if (file.size > 64 * 1024) {
      setErrors((e) => ({ ...e, keyJson: `${file.name} is too large for a service-account key file.` }));
      return;
    }
    const text = await file.text();
    setDraft((d) => ({ ...d, keyJson: text }));
    setKeyFileName(file.name);
    setErrors((e) => ({ ...e, keyJson: undefined }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (saving) return;
    const input = inputOf(draft);
    const hadSecrets = SECRET_FIELDS.some((field) => draft[field] !== '');
    // Secrets leave the component's state now, whatever the answer.
    setDraft(withoutSecrets(draft));
    setKeyFileName(null);
    setSaving(true);
    const outcome = editing ? await workspace.updateAccount(input) : await workspace.addAccount(input);
    setSaving(false);
    if (outcome.ok) {
      setSecretsCleared(false);
      onSaved(outcome.value, editing === null);
      return;
    }
    if (outcome.error.code === 'keychain_unavailable') {
      onKeychainUnavailable(outcome.error);
      return;
    }
    setErrors(placeError(draft.kind, outcome.error));
    setSecretsCleared(hadSecrets);
  };

  const fields = FIELDS[draft.kind];

  return (
    <form
      className="account-form"
      data-testid="account-form"
      aria-label={editing ? `Edit ${editing.name}` : 'Add an account'}
      onSubmit={(e) => void submit(e)}
      noValidate
      autoComplete="off"
    >
      <h3 className="account-form-title">{editing ? `Edit ${editing.name}` : 'Add an account'}</h3>
      <div className="field">
        <label className="field-label" htmlFor={`${idPrefix}-kind`}>
          Kind
        </label>
        <select
          id={`${idPrefix}-kind`}
          className="input"
          data-testid="account-kind"
          value={draft.kind}
          disabled={editing !== null}
          onChange={(e) => {
            setDraft({ ...emptyDraft(e.target.value as Draft['kind']), name: draft.name });
            setErrors({});
            setKeyFileName(null);
            setSecretsCleared(false);
          }}
        >
          {KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {KIND_LABELS[kind]}
            </option>
          ))}
        </select>
        {editing && <p className="field-hint">An account’s kind cannot change; add a new account instead.</p>}
      </div>
      <div className="account-fields">
        {fields.map((spec) => (
          <Field
            key={`${draft.kind}-${spec.name}`}
            spec={spec}
            id={`${idPrefix}-${spec.name}`}
            value={draft[spec.name]}
            error={errors[spec.name] ?? null}
            readOnly={spec.name === 'name' && editing !== null}
            placeholder={
              spec.secret && editing
                ? isGcpEdit
                  ? 'paste the key again to save changes to this account'
                  : KEEP_SECRET_PLACEHOLDER
                : spec.placeholder
            }
            onChange={(value) => set(spec.name, value)}
            extra={
              spec.name === 'keyJson' ? (
                <div className="keyfile">
                  <input
                    ref={fileInput}
                    type="file"
                    accept=".json,application/json"
                    className="visually-hidden"
                    data-testid="account-keyfile"
                    aria-label="Load the key file"
                    tabIndex={-1}
                    onChange={(e) => void loadKeyFile(e)}
                  />
                  <button type="button" className="button button-small" data-testid="account-keyfile-load" onClick={() => fileInput.current?.click()}>
                    <Icon name="file" size={13} /> Load key file…
                  </button>
                  {keyFileName && draft.keyJson && (
                    <span className="muted small" data-testid="account-keyfile-loaded">
                      Loaded {keyFileName}
                    </span>
                  )}
                </div>
              ) : null
            }
          />
        ))}
      </div>
      {isGcpEdit && (
        <p className="field-hint">A Google account’s details come from its key file, so editing it means pasting or loading the key again.</p>
      )}
      {secretsCleared && (
        <p className="field-hint" data-testid="account-secrets-cleared">
          Secrets are not kept after an attempt: enter them again.
        </p>
      )}
      {errors.form && (
        <p className="field-error" role="alert" data-testid="account-error-form">
          {errors.form}
        </p>
      )}
      <p className="field-hint">
        <Icon name="key" size={12} /> Saved in your operating system’s keychain — never in project files, logs or settings.
      </p>
      <div className="form-actions">
        <button type="submit" className="button button-primary" data-testid="account-save" disabled={saving}>
          <Icon name="save" size={14} />
          {saving ? 'Saving…' : editing ? 'Save changes' : 'Add account'}
        </button>
        <button type="button" className="button" data-testid="account-cancel" onClick={onCancel} disabled={saving}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Field({
  spec,
  id,
  value,
  error,
  readOnly,
  placeholder,
  onChange,
  extra,
}: {
  spec: FieldSpec;
  id: string;
  value: string;
  error: string | null;
  readOnly: boolean;
  placeholder: string | undefined;
  onChange: (value: string) => void;
  extra: ReactNode;
}) {
  const describedBy = [error ? `${id}-error` : null, spec.hint ? `${id}-hint` : null].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    'data-testid': `account-field-${spec.name}`,
    className: `input${spec.mono ? ' mono' : ''}${error ? ' has-error' : ''}${spec.multiline ? ' textarea' : ''}${spec.multiline && spec.secret ? ' secret-text' : ''}`,
    value,
    placeholder,
    readOnly,
    autoComplete: 'off',
    spellCheck: false,
    'aria-invalid': error !== null,
    'aria-describedby': describedBy,
    onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => onChange(e.target.value),
  };
  return (
    <div className={`field${spec.multiline ? ' field-wide' : ''}`}>
      <label className="field-label" htmlFor={id}>
        {spec.label}
        {spec.optional && <span className="optional"> (optional)</span>}
      </label>
      {spec.multiline ? <textarea rows={6} {...common} /> : <input type={spec.secret ? 'password' : 'text'} {...common} />}
      {extra}
      {spec.hint && (
        <p id={`${id}-hint`} className="field-hint">
          {spec.hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error" data-testid={`account-error-${spec.name}`}>
          {error}
        </p>
      )}
    </div>
  );
}
