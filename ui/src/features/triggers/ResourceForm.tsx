// The side form of one declared resource (`[resources.NAME]`): its kind's settings, saved as one
// manifest edit. What a valid resource is stays the manifest reader's rule (Rust): a refused
// save shows its error, naming the field.

import { useId, useState, type ReactNode } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { Billing } from '../../bindings/Billing';
import type { KeyAttribute } from '../../bindings/KeyAttribute';
import type { KeyType } from '../../bindings/KeyType';
import type { Resource } from '../../bindings/Resource';
import type { ResourceKind } from '../../bindings/ResourceKind';
import type { StreamView } from '../../bindings/StreamView';
import { Icon } from '../../ui/Icon';
import { RESOURCE_KINDS, resourceKindLabel } from './model';

const KEY_TYPES: KeyType[] = ['string', 'number', 'binary'];
const STREAM_VIEWS: { view: StreamView; label: string }[] = [
  { view: 'new_and_old_images', label: 'New and old images' },
  { view: 'new_image', label: 'New image' },
  { view: 'old_image', label: 'Old image' },
  { view: 'keys_only', label: 'Keys only' },
];

function optionalText(text: string): string | null {
  return text.trim() === '' ? null : text.trim();
}

function optionalNumber(text: string): number | null {
  return text.trim() === '' ? null : Number(text);
}

export function ResourceForm({
  resource: original,
  isNew,
  queues,
  onSave,
  onDelete,
  onClose,
}: {
  resource: Resource;
  /** Not in functory.toml yet: its name and kind can still change. */
  isNew: boolean;
  /** The other declared queues, for a queue's dead-letter queue. */
  queues: string[];
  /** Applies the edit; resolves to the error to show, or null once saved. */
  onSave: (resource: Resource) => Promise<ApiError | null>;
  onDelete: () => void;
  onClose: () => void;
}) {
  const ids = useId();
  const [resource, setResource] = useState<Resource>(original);
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  const unchanged = !isNew && JSON.stringify(resource) === JSON.stringify(original);

  const update = (next: Partial<Resource>) => {
    setResource((r) => ({ ...r, ...next }));
    setError(null);
  };

  const save = async () => {
    // A count that is not a whole number never reaches the host (JSON has no NaN, and a
    // dropped value would be saved as unset without a word).
    for (const [field, value] of [
      ['visibility_timeout_s', resource.visibilityTimeoutS],
      ['max_receives', resource.maxReceives],
    ] as const) {
      if (value !== null && (!Number.isInteger(value) || value < 0)) {
        setError({ code: 'invalid_input', message: `resources.${resource.name}.${field}: a whole number` });
        return;
      }
    }
    setSaving(true);
    const refused = await onSave(resource);
    setSaving(false);
    setError(refused);
  };

  const field = (name: string, label: string, control: ReactNode, hint?: string) => (
    <div className="field">
      <label className="field-label" htmlFor={`${ids}-${name}`}>
        {label}
      </label>
      {control}
      {hint && <p className="field-hint muted small">{hint}</p>}
    </div>
  );
  const input = (name: string, value: string, onChange: (v: string) => void, extra: { type?: string; disabled?: boolean } = {}) => (
    <input
      id={`${ids}-${name}`}
      className="input mono"
      data-testid={`resource-field-${name}`}
      value={value}
      spellCheck={false}
      type={extra.type ?? 'text'}
      disabled={extra.disabled}
      onChange={(e) => onChange(e.target.value)}
    />
  );
  const checkbox = (name: string, label: string, checked: boolean, onChange: (v: boolean) => void) => (
    <label className="field checkbox-field">
      <input type="checkbox" data-testid={`resource-field-${name}`} checked={checked} onChange={(e) => onChange(e.target.checked)} /> {label}
    </label>
  );
  const keyFields = (name: 'partitionKey' | 'sortKey', label: string, key: KeyAttribute | null) => (
    <div className="field">
      <label className="field-label" htmlFor={`${ids}-${name}`}>
        {label}
      </label>
      <div className="field-row">
        <input
          id={`${ids}-${name}`}
          className="input mono"
          data-testid={`resource-field-${name}`}
          value={key?.name ?? ''}
          placeholder={name === 'partitionKey' ? 'id' : 'none'}
          spellCheck={false}
          onChange={(e) =>
            update({ [name]: e.target.value.trim() === '' ? null : { name: e.target.value.trim(), keyType: key?.keyType ?? 'string' } })
          }
        />
        <select
          className="input"
          aria-label={`${label} type`}
          data-testid={`resource-field-${name}-type`}
          value={key?.keyType ?? 'string'}
          disabled={!key}
          onChange={(e) => key && update({ [name]: { ...key, keyType: e.target.value as KeyType } })}
        >
          {KEY_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </div>
    </div>
  );

  const settings = (() => {
    if (resource.existing !== null) return null;
    switch (resource.kind) {
      case 'queue':
        return (
          <>
            {checkbox('fifo', 'First-in-first-out (FIFO)', resource.fifo, (fifo) => update({ fifo }))}
            {field(
              'visibilityTimeoutS',
              'Visibility timeout (seconds)',
              input('visibilityTimeoutS', resource.visibilityTimeoutS?.toString() ?? '', (v) => update({ visibilityTimeoutS: optionalNumber(v) })),
              'How long a received message stays hidden; at least the timeout of a function it triggers (SQS: 30 when unset)',
            )}
            {field(
              'deadLetter',
              'Dead-letter queue',
              <select
                id={`${ids}-deadLetter`}
                className="input"
                data-testid="resource-field-deadLetter"
                value={resource.deadLetter ?? ''}
                onChange={(e) => update({ deadLetter: optionalText(e.target.value) })}
              >
                <option value="">none</option>
                {queues
                  .filter((q) => q !== resource.name)
                  .map((q) => (
                    <option key={q} value={q}>
                      {q}
                    </option>
                  ))}
              </select>,
            )}
            {field(
              'maxReceives',
              'Receives before the dead-letter queue',
              input('maxReceives', resource.maxReceives?.toString() ?? '', (v) => update({ maxReceives: optionalNumber(v) })),
            )}
          </>
        );
      case 'table':
        return (
          <>
            {keyFields('partitionKey', 'Partition key', resource.partitionKey)}
            {keyFields('sortKey', 'Sort key (optional)', resource.sortKey)}
            {field(
              'billing',
              'Billing',
              <select
                id={`${ids}-billing`}
                className="input"
                data-testid="resource-field-billing"
                value={resource.billing}
                onChange={(e) => update({ billing: e.target.value as Billing })}
              >
                <option value="pay_per_request">On demand (pay per request)</option>
                <option value="provisioned">Provisioned</option>
              </select>,
            )}
            {field(
              'stream',
              'Stream',
              <select
                id={`${ids}-stream`}
                className="input"
                data-testid="resource-field-stream"
                value={resource.stream ?? ''}
                onChange={(e) => update({ stream: (optionalText(e.target.value) as StreamView | null) ?? null })}
              >
                <option value="">no stream</option>
                {STREAM_VIEWS.map((s) => (
                  <option key={s.view} value={s.view}>
                    {s.label}
                  </option>
                ))}
              </select>,
              'A stream lets `stream` triggers react to the items written',
            )}
          </>
        );
      case 'topic':
        return checkbox('fifo', 'First-in-first-out (FIFO)', resource.fifo, (fifo) => update({ fifo }));
      default:
        return null;
    }
  })();

  return (
    <aside className="settings trigger-form resource-form" data-testid="resource-form" aria-labelledby={`${ids}-title`}>
      <header className="settings-header">
        <div>
          <h2 id={`${ids}-title`} className="settings-title">
            <Icon name="file" size={15} /> {isNew ? `New ${resourceKindLabel(resource.kind).toLowerCase()}` : `${resourceKindLabel(resource.kind)} ${original.name}`}
          </h2>
          <p className="settings-sub">{isNew ? 'Not in functory.toml until saved' : `[resources.${original.name}]`}</p>
        </div>
        <button type="button" className="icon-button" aria-label="Close the resource form" data-testid="resource-close" onClick={onClose}>
          <Icon name="close" size={14} />
        </button>
      </header>
      <form
        className="settings-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!saving) void save();
        }}
      >
        {field(
          'name',
          'Name',
          input('name', resource.name, (name) => update({ name: name.trim() }), { disabled: !isNew }),
          isNew ? 'What triggers and permissions call it; also its name in the cloud' : 'To rename it, add a new one and delete this one',
        )}
        {isNew &&
          field(
            'kind',
            'Kind',
            <select
              id={`${ids}-kind`}
              className="input"
              data-testid="resource-field-kind"
              value={resource.kind}
              onChange={(e) => update({ kind: e.target.value as ResourceKind, fifo: false })}
            >
              {RESOURCE_KINDS.map((k) => (
                <option key={k.kind} value={k.kind}>
                  {k.label}
                </option>
              ))}
            </select>,
          )}
        {field(
          'existing',
          'Existing resource (optional)',
          input('existing', resource.existing ?? '', (v) => update({ existing: optionalText(v) })),
          'The name or ARN of one that exists already: referenced, never created or changed',
        )}
        {settings}
        {error && (
          <p className="field-error" role="alert" data-testid="resource-save-error">
            {error.message}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="button button-primary" data-testid="resource-save" disabled={saving || unchanged || resource.name === ''}>
            <Icon name="save" size={14} /> {isNew ? 'Add to functory.toml' : 'Save'}
          </button>
          <button type="button" className="button button-danger" data-testid="resource-delete" onClick={onDelete}>
            <Icon name="trash" size={14} /> {isNew ? 'Discard' : 'Delete'}
          </button>
        </div>
      </form>
    </aside>
  );
}
