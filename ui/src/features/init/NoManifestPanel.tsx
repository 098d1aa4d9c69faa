import { useId, useState, type FormEvent } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import { useWorkspace } from '../../app/context';
import { Icon } from '../../ui/Icon';

/** For a folder opened without a functory.toml: offers to write one. */
export function NoManifestPanel({ folderName }: { folderName: string }) {
  const workspace = useWorkspace();
  const [name, setName] = useState(folderName);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const inputId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      setError({ code: 'invalid_input', message: 'Give the project a name.' });
      return;
    }
    setBusy(true);
    setError(await workspace.initProject(name.trim()));
    setBusy(false);
  };

  return (
    <section className="panel-card no-manifest" data-testid="no-manifest" aria-labelledby="no-manifest-title">
      <div className="panel-card-icon">
        <Icon name="warning" size={20} />
      </div>
      <div className="panel-card-body">
        <h2 id="no-manifest-title" className="panel-card-title">
          This folder has no functory.toml
        </h2>
        <p className="muted">
          Functory keeps a project's functions, triggers and targets in <code>functory.toml</code>. Create one to start
          adding functions — your files stay as they are.
        </p>
        <form className="inline-form" onSubmit={(e) => void submit(e)} noValidate>
          <label className="field-label" htmlFor={inputId}>
            Project name
          </label>
          <div className="input-row">
            <input
              id={inputId}
              className="input"
              data-testid="init-name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              autoComplete="off"
            />
            <button type="submit" className="button button-primary" data-testid="init-manifest" disabled={busy}>
              {busy ? 'Creating…' : 'Create functory.toml'}
            </button>
          </div>
          {error && (
            <p className="field-error" role="alert" data-testid="init-error">
              {error.message}
            </p>
          )}
        </form>
      </div>
    </section>
  );
}
