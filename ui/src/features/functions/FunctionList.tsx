import { useId, useMemo, useRef, useState, type FormEvent } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { Diagnostic } from '../../bindings/Diagnostic';
import type { FunctionTemplate } from '../../bindings/FunctionTemplate';
import type { Function as FunctionModel } from '../../bindings/Function';
import type { ParsedManifest } from '../../bindings/ParsedManifest';
import { useWorkspace } from '../../app/context';
import { MANIFEST_PATH } from '../../app/state';
import { Icon } from '../../ui/Icon';
import { useWindowedRows } from '../../ui/useWindowedRows';
import { TemplateOptions } from './TemplateOptions';

function triggerSummary(fn: FunctionModel): string {
  if (fn.triggers.length === 0) return 'no triggers';
  return fn.triggers.map((t) => t.kind).join(', ');
}

/** The functions the manifest declares; selecting one opens its settings. */
export function FunctionList({
  hasManifest,
  parsed,
  selected,
  onSelect,
}: {
  hasManifest: boolean;
  parsed: ParsedManifest;
  selected: string | null;
  onSelect: (name: string) => void;
}) {
  const workspace = useWorkspace();

  if (!hasManifest) {
    return <p className="muted small section-note">No functory.toml yet — create one to declare functions.</p>;
  }
  if (!parsed.manifest) {
    return (
      <div className="section-note error-note" data-testid="manifest-broken" role="alert">
        <p>
          <Icon name="error" size={14} /> functory.toml cannot be read, so functions are not listed. The problems are
          listed below the editor.
        </p>
        <button type="button" className="link-button" data-testid="open-manifest" onClick={() => void workspace.openFile(MANIFEST_PATH)}>
          Open functory.toml
        </button>
      </div>
    );
  }
  return <FunctionRows functions={parsed.manifest.functions} diagnostics={parsed.diagnostics} selected={selected} onSelect={onSelect} />;
}

/** A function row's height (px) with its gap, as `.function-list li` draws it. */
const ROW_HEIGHT = 52;

/** The functions' rows (only those in view when there are many), and the new-function form. */
function FunctionRows({
  functions,
  diagnostics,
  selected,
  onSelect,
}: {
  functions: FunctionModel[];
  diagnostics: Diagnostic[];
  selected: string | null;
  onSelect: (name: string) => void;
}) {
  // Each function's problems, gathered in one pass over the diagnostics.
  const problems = useMemo(() => {
    const byFunction = new Map<string, Diagnostic[]>();
    for (const d of diagnostics) {
      const match = d.field ? /^functions\.([^.]+)/.exec(d.field) : null;
      if (!match) continue;
      const list = byFunction.get(match[1]!);
      if (list) list.push(d);
      else byFunction.set(match[1]!, [d]);
    }
    return byFunction;
  }, [diagnostics]);
  const container = useRef<HTMLDivElement>(null);
  const rows = useWindowedRows(functions.length, ROW_HEIGHT, container);

  return (
    <div ref={container} className="function-list">
      {functions.length === 0 && (
        <p className="muted small section-note">No functions yet. Add one from a template to get started.</p>
      )}
      <ul className="plain-list" aria-label="Functions" style={{ paddingTop: rows.before, paddingBottom: rows.after }}>
        {functions.slice(rows.start, rows.end).map((fn) => {
          const found = problems.get(fn.name) ?? [];
          return (
            <li key={fn.name}>
              <button
                type="button"
                className={`function-row${selected === fn.name ? ' is-selected' : ''}`}
                data-testid={`function-${fn.name}`}
                aria-pressed={selected === fn.name}
                onClick={() => onSelect(fn.name)}
              >
                <span className="function-row-main">
                  <span className="function-name">{fn.name}</span>
                  <span className={`runtime-badge runtime-${fn.runtime.replace(/[^a-z]/g, '')}`}>{fn.runtime}</span>
                </span>
                <span className="function-meta">
                  {found.length > 0 && (
                    <span className="function-problems" title={found.map((p) => p.message).join('\n')}>
                      <Icon name="error" size={12} /> {found.length} {found.length === 1 ? 'problem' : 'problems'} ·{' '}
                    </span>
                  )}
                  {fn.memoryMb} MB · {fn.timeoutS} s · {triggerSummary(fn)}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      <NewFunctionForm />
    </div>
  );
}

function NewFunctionForm() {
  const workspace = useWorkspace();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [template, setTemplate] = useState<FunctionTemplate>('node-http');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { name: useId(), template: useId() };

  if (!open) {
    return (
      <button type="button" className="link-button new-function-toggle" data-testid="new-function" onClick={() => setOpen(true)}>
        <Icon name="plus" size={13} /> New function
      </button>
    );
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name.trim())) {
      setError({ code: 'invalid_input', message: 'A function name is 1 to 64 letters, digits, - or _.' });
      return;
    }
    setBusy(true);
    const failure = await workspace.createFunction(name.trim(), template);
    setBusy(false);
    setError(failure);
    if (!failure) {
      setName('');
      setOpen(false);
    }
  };

  return (
    <form className="new-function" onSubmit={(e) => void submit(e)} noValidate>
      <label className="field-label" htmlFor={ids.name}>
        Function name
      </label>
      <input
        id={ids.name}
        className="input"
        data-testid="new-function-name"
        value={name}
        placeholder="hello"
        autoFocus
        autoComplete="off"
        onChange={(e) => setName(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setOpen(false);
        }}
      />
      <label className="field-label" htmlFor={ids.template}>
        Template
      </label>
      <select
        id={ids.template}
        className="input"
        data-testid="new-function-template"
        value={template}
        onChange={(e) => setTemplate(e.target.value as FunctionTemplate)}
      >
        <TemplateOptions />
      </select>
      {error && (
        <p className="field-error" role="alert" data-testid="new-function-error">
          {error.message}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button button-primary" data-testid="new-function-create" disabled={busy}>
          {busy ? 'Creating…' : 'Create'}
        </button>
        <button type="button" className="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
