// The side form of one trigger: its settings by kind, checked against the whole project as the
// user types (route conflicts, overlapping bucket rules, schedule syntax with the next five fire
// times in the chosen time zone), the permission its edge implies, and Save / Delete.

import { useEffect, useId, useMemo, useState, type ReactNode } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { Function as FunctionModel } from '../../bindings/Function';
import type { Trigger } from '../../bindings/Trigger';
import type { TriggerCheck } from '../../bindings/TriggerCheck';
import type { TriggerProblem } from '../../bindings/TriggerProblem';
import { useWorkspace } from '../../app/context';
import { Icon } from '../../ui/Icon';
import { defaultTrigger, KINDS, kindLabel, type TriggerKind } from './model';
import { PermissionSummary } from './PermissionSummary';

/** What the form edits: a trigger of the manifest (function + index), or a new one. */
export interface FormTarget {
  /** The function the trigger belongs to now; null for a new trigger. */
  origin: { function: string; index: number } | null;
  function: string;
  trigger: Trigger;
}

const METHODS = ['ANY', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const CHECK_DELAY_MS = 200;

function timeZones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
}

/** `a, b ,c` → ['a','b','c']; empty → null (the key is left out of the manifest). */
function list(text: string): string[] | null {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length > 0 ? items : null;
}

function optionalText(text: string): string | null {
  return text.trim() === '' ? null : text.trim();
}

function optionalNumber(text: string): number | null {
  return text.trim() === '' ? null : Number(text);
}

export function TriggerForm({
  target,
  functions,
  onSave,
  onDelete,
  onClose,
  onFunctionChange,
  onDraftChange,
}: {
  target: FormTarget;
  functions: FunctionModel[];
  /** Applies the edits; resolves to the error to show, or null once saved. */
  onSave: (target: FormTarget, trigger: Trigger, fn: string) => Promise<ApiError | null>;
  onDelete: (() => void) | null;
  onClose: () => void;
  /** A new trigger's function follows the form (the canvas redraws its edge). */
  onFunctionChange: (fn: string) => void;
  /** A new trigger's node shows what the form holds. */
  onDraftChange: (trigger: Trigger) => void;
}) {
  const workspace = useWorkspace();
  const ids = useId();
  const [trigger, setTrigger] = useState<Trigger>(target.trigger);
  const [fn, setFn] = useState(target.function);
  const [check, setCheck] = useState<TriggerCheck | null>(null);
  const [checkError, setCheckError] = useState<ApiError | null>(null);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  const zones = useMemo(timeZones, []);

  // A function change on the canvas (connecting the draft) reaches the form.
  useEffect(() => setFn(target.function), [target.function]);

  // Checked against the project as the user types, a moment after the last keystroke.
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      void workspace.checkTrigger(fn, target.origin, trigger).then((outcome) => {
        if (!current) return;
        if (outcome.ok) {
          setCheck(outcome.value);
          setCheckError(null);
        } else {
          setCheck(null);
          setCheckError(outcome.error);
        }
      });
    }, CHECK_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [workspace, fn, trigger, target.origin]);

  // A batch size that is not a whole number never reaches the host (JSON has no NaN).
  const batch = trigger.kind === 'queue' || trigger.kind === 'stream' ? trigger.batch_size : null;
  const localProblems: TriggerProblem[] =
    batch !== null && !Number.isInteger(batch) ? [{ field: 'batch_size', message: 'a batch size is a whole number', severity: 'error' }] : [];
  const problems = [...localProblems, ...(check?.problems ?? [])];
  const hasErrors = problems.some((p) => p.severity === 'error') || checkError !== null;
  const edge = check?.edge ?? null;
  const unchanged =
    target.origin !== null && target.origin.function === fn && JSON.stringify(target.trigger) === JSON.stringify(trigger);

  const update = (next: Trigger) => {
    setTrigger(next);
    setSaveError(null);
    if (!target.origin) onDraftChange(next);
  };

  const fieldProblems = (field: string): ReactNode => {
    const found = problems.filter((p) => p.field === field || p.field.startsWith(`${field}.`));
    if (found.length === 0) return null;
    return found.map((p: TriggerProblem, i) => (
      <p
        key={i}
        className={p.severity === 'error' ? 'field-error' : 'field-warning'}
        data-testid={`trigger-${p.severity}-${field}`}
        role={p.severity === 'error' ? 'alert' : undefined}
      >
        {p.message}
      </p>
    ));
  };
  const shownFields = new Set(['function', 'kind', ...fieldsOf(trigger.kind)]);
  const otherProblems = problems.filter((p) => !shownFields.has(p.field.split('.')[0]!));

  const text = (field: string, label: string, value: string, onChange: (v: string) => void, hint?: string) => (
    <div className="field">
      <label className="field-label" htmlFor={`${ids}-${field}`}>
        {label}
      </label>
      <input
        id={`${ids}-${field}`}
        className={`input mono${problems.some((p) => p.field === field && p.severity === 'error') ? ' has-error' : ''}`}
        data-testid={`trigger-field-${field}`}
        value={value}
        spellCheck={false}
        aria-invalid={problems.some((p) => p.field === field && p.severity === 'error')}
        onChange={(e) => onChange(e.target.value)}
      />
      {hint && <p className="field-hint muted small">{hint}</p>}
      {fieldProblems(field)}
    </div>
  );

  const fields = (() => {
    switch (trigger.kind) {
      case 'http':
        return (
          <>
            <div className="field">
              <label className="field-label" htmlFor={`${ids}-method`}>
                Method
              </label>
              <select
                id={`${ids}-method`}
                className="input"
                data-testid="trigger-field-method"
                value={trigger.method.toUpperCase()}
                onChange={(e) => update({ ...trigger, method: e.target.value })}
              >
                {METHODS.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
              {fieldProblems('method')}
            </div>
            {text('path', 'Path', trigger.path, (path) => update({ ...trigger, path }), 'Path parameters: /items/{id}, or {proxy+} for the rest')}
          </>
        );
      case 'schedule':
        return (
          <>
            {text(
              'expression',
              'Expression',
              trigger.expression,
              (expression) => update({ ...trigger, expression }),
              'rate(5 minutes), or cron(min hour day-of-month month day-of-week year)',
            )}
            <div className="field">
              <label className="field-label" htmlFor={`${ids}-timezone`}>
                Time zone
              </label>
              <input
                id={`${ids}-timezone`}
                className="input mono"
                list={`${ids}-zones`}
                placeholder="UTC"
                data-testid="trigger-field-timezone"
                value={trigger.timezone ?? ''}
                onChange={(e) => update({ ...trigger, timezone: e.target.value === '' ? null : e.target.value })}
              />
              <datalist id={`${ids}-zones`}>
                {zones.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
              {fieldProblems('timezone')}
            </div>
            {check && check.nextFires.length > 0 && (
              <div className="trigger-fires" data-testid="trigger-next-fires">
                <h3 className="field-label">Next {check.nextFires.length} fire times ({check.timezone ?? 'UTC'})</h3>
                <ol className="plain-list mono small">
                  {check.nextFires.map((f) => (
                    <li key={f.utc} title={f.utc} data-testid="trigger-next-fire">
                      {f.local}
                    </li>
                  ))}
                </ol>
              </div>
            )}
          </>
        );
      case 'storage':
        return (
          <>
            {text('bucket', 'Bucket', trigger.bucket, (bucket) => update({ ...trigger, bucket }))}
            {text('prefix', 'Key prefix', trigger.prefix ?? '', (v) => update({ ...trigger, prefix: optionalText(v) }), 'e.g. images/')}
            {text('suffix', 'Key suffix', trigger.suffix ?? '', (v) => update({ ...trigger, suffix: optionalText(v) }), 'e.g. .jpg')}
            {text(
              'events',
              'Events',
              (trigger.events ?? []).join(', '),
              (v) => update({ ...trigger, events: list(v) }),
              'Default: s3:ObjectCreated:*',
            )}
          </>
        );
      case 'queue':
        return (
          <>
            {text('queue', 'Queue', trigger.queue, (queue) => update({ ...trigger, queue }))}
            {text('batch_size', 'Batch size', trigger.batch_size?.toString() ?? '', (v) => update({ ...trigger, batch_size: optionalNumber(v) }))}
          </>
        );
      case 'topic':
        return (
          <>
            {text('topic', 'Topic', trigger.topic, (topic) => update({ ...trigger, topic }), 'A declared topic, or a topic ARN')}
            {text(
              'filter_policy',
              'Filter policy (JSON)',
              trigger.filter_policy ?? '',
              (v) => update({ ...trigger, filter_policy: optionalText(v) }),
              'e.g. {"kind": ["created"]}',
            )}
            <div className="field">
              <label className="field-label" htmlFor={`${ids}-scope`}>
                Filter policy reads
              </label>
              <select
                id={`${ids}-scope`}
                className="input"
                data-testid="trigger-field-filter_policy_scope"
                value={trigger.filter_policy_scope ?? ''}
                onChange={(e) => update({ ...trigger, filter_policy_scope: optionalText(e.target.value) })}
              >
                <option value="">message attributes (default)</option>
                <option value="MessageBody">the message body</option>
              </select>
            </div>
          </>
        );
      case 'event':
        return (
          <>
            {text('bus', 'Event bus', trigger.bus ?? '', (v) => update({ ...trigger, bus: optionalText(v) }), 'A declared bus; the default bus when empty')}
            {text('pattern', 'Event pattern (JSON)', trigger.pattern, (pattern) => update({ ...trigger, pattern }), 'e.g. {"source": ["my.app"]}')}
          </>
        );
      case 'stream':
        return (
          <>
            {text('stream', 'Stream', trigger.stream, (stream) => update({ ...trigger, stream }), 'A Kinesis stream name, or a DynamoDB stream ARN')}
            {text('batch_size', 'Batch size', trigger.batch_size?.toString() ?? '', (v) => update({ ...trigger, batch_size: optionalNumber(v) }))}
            <div className="field">
              <label className="field-label" htmlFor={`${ids}-position`}>
                Starting position
              </label>
              <select
                id={`${ids}-position`}
                className="input"
                data-testid="trigger-field-starting_position"
                value={trigger.starting_position ?? ''}
                onChange={(e) => update({ ...trigger, starting_position: optionalText(e.target.value) })}
              >
                <option value="">(default)</option>
                <option>LATEST</option>
                <option>TRIM_HORIZON</option>
              </select>
            </div>
          </>
        );
      case 'url':
        return (
          <>
            <div className="field">
              <label className="field-label" htmlFor={`${ids}-auth`}>
                Auth
              </label>
              <select
                id={`${ids}-auth`}
                className="input"
                data-testid="trigger-field-auth"
                value={trigger.auth}
                onChange={(e) => update({ ...trigger, auth: e.target.value === 'none' ? 'none' : 'iam' })}
              >
                <option value="iam">IAM (signed requests)</option>
                <option value="none">None (public)</option>
              </select>
              {fieldProblems('auth')}
            </div>
            {text(
              'cors',
              'CORS allowed origins',
              (trigger.cors?.allow_origins ?? []).join(', '),
              (v) => {
                const origins = list(v);
                update({
                  ...trigger,
                  cors: origins
                    ? {
                        allow_origins: origins,
                        allow_methods: trigger.cors?.allow_methods ?? [],
                        allow_headers: trigger.cors?.allow_headers ?? [],
                        expose_headers: trigger.cors?.expose_headers ?? [],
                        allow_credentials: trigger.cors?.allow_credentials ?? false,
                        max_age: trigger.cors?.max_age ?? null,
                      }
                    : null,
                });
              },
              'Leave empty for no CORS',
            )}
          </>
        );
    }
  })();

  const save = async () => {
    setSaving(true);
    const error = await onSave(target, trigger, fn);
    setSaving(false);
    setSaveError(error);
  };

  return (
    <aside className="settings trigger-form" data-testid="trigger-form" aria-labelledby={`${ids}-title`}>
      <header className="settings-header">
        <div>
          <h2 id={`${ids}-title`} className="settings-title">
            <Icon name="triggers" size={15} /> {target.origin ? kindLabel(trigger.kind) : `New ${kindLabel(trigger.kind).toLowerCase()}`}
          </h2>
          <p className="settings-sub">
            {target.origin ? `Trigger ${target.origin.index + 1} of ${target.origin.function}` : 'Not in functory.toml until saved'}
          </p>
        </div>
        <button type="button" className="icon-button" aria-label="Close the trigger form" data-testid="trigger-close" onClick={onClose}>
          <Icon name="close" size={14} />
        </button>
      </header>
      <form
        className="settings-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!hasErrors && !saving) void save();
        }}
      >
        <div className="field">
          <label className="field-label" htmlFor={`${ids}-function`}>
            Function
          </label>
          <select
            id={`${ids}-function`}
            className="input"
            data-testid="trigger-field-function"
            value={fn}
            onChange={(e) => {
              setFn(e.target.value);
              setSaveError(null);
              if (!target.origin) onFunctionChange(e.target.value);
            }}
          >
            {functions.map((f) => (
              <option key={f.name} value={f.name}>
                {f.name}
              </option>
            ))}
          </select>
          {target.origin && target.origin.function !== fn && (
            <p className="field-hint muted small" data-testid="trigger-move-note">
              Saving moves this trigger from {target.origin.function} to {fn}.
            </p>
          )}
          {fieldProblems('function')}
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`${ids}-kind`}>
            Kind
          </label>
          <select
            id={`${ids}-kind`}
            className="input"
            data-testid="trigger-field-kind"
            value={trigger.kind}
            onChange={(e) => update(defaultTrigger(e.target.value as TriggerKind))}
          >
            {KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
          {fieldProblems('kind')}
        </div>
        {fields}
        {otherProblems.map((p, i) => (
          <p key={i} className={p.severity === 'error' ? 'field-error' : 'field-warning'} data-testid={`trigger-${p.severity}-${p.field}`}>
            {p.field}: {p.message}
          </p>
        ))}
        {checkError && (
          <p className="field-error" role="alert" data-testid="trigger-check-error">
            {checkError.message}
          </p>
        )}
        {edge && (
          <section className="trigger-permission" aria-label="Permission this trigger implies">
            <h3 className="field-label">Permission</h3>
            <PermissionSummary edge={edge} testId="trigger-form-permission" />
          </section>
        )}
        {saveError && (
          <p className="field-error" role="alert" data-testid="trigger-save-error">
            {saveError.message}
          </p>
        )}
        <div className="form-actions">
          <button
            type="submit"
            className="button button-primary"
            data-testid="trigger-save"
            disabled={hasErrors || saving || unchanged || check === null}
          >
            <Icon name="save" size={14} /> {target.origin ? 'Save' : 'Add to functory.toml'}
          </button>
          {onDelete && (
            <button type="button" className="button button-danger" data-testid="trigger-delete" onClick={onDelete}>
              <Icon name="trash" size={14} /> {target.origin ? 'Delete' : 'Discard'}
            </button>
          )}
        </div>
      </form>
    </aside>
  );
}

function fieldsOf(kind: TriggerKind): string[] {
  switch (kind) {
    case 'http':
      return ['method', 'path'];
    case 'schedule':
      return ['expression', 'timezone'];
    case 'storage':
      return ['bucket', 'prefix', 'suffix', 'events'];
    case 'queue':
      return ['queue', 'batch_size'];
    case 'stream':
      return ['stream', 'batch_size', 'starting_position'];
    case 'topic':
      return ['topic', 'filter_policy', 'filter_policy_scope'];
    case 'event':
      return ['bus', 'pattern'];
    case 'url':
      return ['auth', 'cors'];
  }
}
