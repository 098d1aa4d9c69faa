import { useId, useRef, useState, type FormEvent } from 'react';

import type { Function as FunctionModel } from '../../bindings/Function';
import { useWorkspace } from '../../app/context';
import { Icon } from '../../ui/Icon';
import {
  draftForCheck,
  draftOf,
  editsFor,
  errorsFrom,
  envRow,
  hasErrors,
  noErrors,
  placeServerError,
  type SettingsDraft,
  type SettingsErrors,
} from './settings';

type Status = { kind: 'saved'; count: number } | { kind: 'stale' } | null;

/** The selected function's memory, timeout and environment, saved as manifest edits. */
export function FunctionSettings({ fn, onClose }: { fn: FunctionModel; onClose: () => void }) {
  const workspace = useWorkspace();
  const [status, setStatus] = useState<Status>(null);
  // A new form whenever the function's values change on disk (after a save, or an edit of
  // functory.toml in the editor), so the form always starts from the truth.
  const signature = JSON.stringify([fn.name, fn.memoryMb, fn.timeoutS, fn.environment]);

  return (
    <aside className="settings" data-testid="function-settings" aria-labelledby="settings-title">
      <header className="settings-header">
        <div>
          <h2 id="settings-title" className="settings-title">
            <Icon name="functions" size={15} /> {fn.name}
          </h2>
          <p className="settings-sub mono">
            {fn.runtime} · {fn.handler}
          </p>
        </div>
        <button type="button" className="icon-button" aria-label="Close settings" data-testid="settings-close" onClick={onClose}>
          <Icon name="close" size={14} />
        </button>
      </header>
      {fn.handlerFile && (
        <button
          type="button"
          className="link-button settings-open-handler"
          data-testid="settings-open-handler"
          onClick={() => void workspace.openFile(fn.handlerFile!)}
        >
          <Icon name="file" size={13} /> Open {fn.handlerFile}
        </button>
      )}
      <SettingsForm key={signature} fn={fn} onStatus={setStatus} />
      {status?.kind === 'saved' && (
        <p className="settings-status success" role="status" data-testid="settings-saved">
          Saved to functory.toml ({status.count} {status.count === 1 ? 'change' : 'changes'}).
        </p>
      )}
      {status?.kind === 'stale' && (
        <p className="settings-status warning" role="alert" data-testid="settings-warning">
          functory.toml has unsaved edits in the editor, so its tab was not refreshed. Saving that tab would overwrite
          these settings.
        </p>
      )}
    </aside>
  );
}

function SettingsForm({ fn, onStatus }: { fn: FunctionModel; onStatus: (status: Status) => void }) {
  const workspace = useWorkspace();
  const [draft, setDraft] = useState<SettingsDraft>(() => draftOf(fn));
  const [errors, setErrors] = useState<SettingsErrors>(noErrors);
  const [touched, setTouched] = useState(false);
  const [saving, setSaving] = useState(false);
  const ids = { memory: useId(), timeout: useId() };

  // The backend's verdict on a draft; only the newest question's answer is shown.
  const asked = useRef(0);
  const check = async (next: SettingsDraft): Promise<SettingsErrors | null> => {
    const question = ++asked.current;
    const outcome = await workspace.checkFunctionSettings(draftForCheck(next));
    if (question !== asked.current) return null;
    if (!outcome.ok) return { ...noErrors(), general: outcome.error.message };
    return errorsFrom(outcome.value);
  };

  const update = (next: SettingsDraft) => {
    setDraft(next);
    onStatus(null);
    // Once the user has tried to save, errors follow their typing.
    if (touched) {
      void check(next).then((found) => {
        if (found) setErrors(found);
      });
    }
  };

  const blurField = (field: 'memory' | 'timeout') => {
    void check(draft).then((found) => {
      if (found) setErrors((current) => ({ ...current, [field]: found[field] }));
    });
  };

  const changed = editsFor(fn, draft).length > 0;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    const found = await check(draft);
    if (!found) return;
    setErrors(found);
    if (hasErrors(found)) return;
    const edits = editsFor(fn, draft);
    if (edits.length === 0) return;
    setSaving(true);
    const outcome = await workspace.applyManifestEdits(edits);
    setSaving(false);
    if (outcome.error) {
      // The form stays as typed so the user can correct the refused value.
      setErrors(placeServerError(fn, draft, outcome.error));
      return;
    }
    onStatus(outcome.manifestBufferStale ? { kind: 'stale' } : { kind: 'saved', count: outcome.applied });
  };

  const setRow = (index: number, change: Partial<{ key: string; value: string }>) =>
    update({ ...draft, env: draft.env.map((row, i) => (i === index ? { ...row, ...change } : row)) });

  return (
    <form className="settings-form" onSubmit={(e) => void submit(e)} noValidate>
      <div className="settings-grid">
        <div className="field">
          <label className="field-label" htmlFor={ids.memory}>
            Memory
          </label>
          <div className="input-unit">
            <input
              id={ids.memory}
              className={`input${errors.memory ? ' has-error' : ''}`}
              type="number"
              inputMode="numeric"
              step={1}
              data-testid="settings-memory"
              value={draft.memory}
              aria-invalid={errors.memory !== null}
              aria-describedby={errors.memory ? `${ids.memory}-error` : undefined}
              onChange={(e) => update({ ...draft, memory: e.target.value })}
              onBlur={() => blurField('memory')}
            />
            <span className="unit">MB</span>
          </div>
          {errors.memory && (
            <p id={`${ids.memory}-error`} className="field-error" data-testid="settings-error-memory">
              {errors.memory}
            </p>
          )}
        </div>
        <div className="field">
          <label className="field-label" htmlFor={ids.timeout}>
            Timeout
          </label>
          <div className="input-unit">
            <input
              id={ids.timeout}
              className={`input${errors.timeout ? ' has-error' : ''}`}
              type="number"
              inputMode="numeric"
              step={1}
              data-testid="settings-timeout"
              value={draft.timeout}
              aria-invalid={errors.timeout !== null}
              aria-describedby={errors.timeout ? `${ids.timeout}-error` : undefined}
              onChange={(e) => update({ ...draft, timeout: e.target.value })}
              onBlur={() => blurField('timeout')}
            />
            <span className="unit">s</span>
          </div>
          {errors.timeout && (
            <p id={`${ids.timeout}-error`} className="field-error" data-testid="settings-error-timeout">
              {errors.timeout}
            </p>
          )}
        </div>
      </div>

      <fieldset className="env">
        <legend className="field-label">Environment variables</legend>
        {draft.env.length === 0 && <p className="muted small">No variables. Values are read by the function at cold start.</p>}
        {draft.env.map((row, i) => (
          <div key={row.id} className="env-row-wrap">
            <div className="env-row">
              <input
                className={`input mono${errors.env.has(i) ? ' has-error' : ''}`}
                aria-label={`Variable ${i + 1} name`}
                placeholder="NAME"
                data-testid={`env-key-${i}`}
                value={row.key}
                spellCheck={false}
                autoComplete="off"
                aria-invalid={errors.env.has(i)}
                onChange={(e) => setRow(i, { key: e.target.value })}
              />
              <input
                className="input mono"
                aria-label={`Variable ${i + 1} value`}
                placeholder="value"
                data-testid={`env-value-${i}`}
                value={row.value}
                spellCheck={false}
                autoComplete="off"
                onChange={(e) => setRow(i, { value: e.target.value })}
              />
              <button
                type="button"
                className="icon-button"
                aria-label={`Remove variable ${row.key || i + 1}`}
                data-testid={`env-remove-${i}`}
                onClick={() => update({ ...draft, env: draft.env.filter((_, j) => j !== i) })}
              >
                <Icon name="trash" size={14} />
              </button>
            </div>
            {errors.env.has(i) && (
              <p className="field-error" data-testid={`settings-error-env-${i}`}>
                {errors.env.get(i)}
              </p>
            )}
          </div>
        ))}
        <button
          type="button"
          className="link-button"
          data-testid="env-add"
          onClick={() => update({ ...draft, env: [...draft.env, envRow()] })}
        >
          <Icon name="plus" size={13} /> Add variable
        </button>
      </fieldset>

      {errors.general && (
        <p className="field-error" role="alert" data-testid="settings-error">
          {errors.general}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button button-primary" data-testid="settings-save" disabled={saving || !changed}>
          <Icon name="save" size={14} />
          {saving ? 'Saving…' : 'Save settings'}
        </button>
        {changed && !saving && (
          <button type="button" className="button" data-testid="settings-reset" onClick={() => { setDraft(draftOf(fn)); setErrors(noErrors()); onStatus(null); }}>
            Discard changes
          </button>
        )}
      </div>
    </form>
  );
}
