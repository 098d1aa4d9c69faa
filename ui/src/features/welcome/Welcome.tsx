import { useId, useState, type FormEvent } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { FunctionTemplate } from '../../bindings/FunctionTemplate';
import { useWorkspace } from '../../app/context';
import { Icon } from '../../ui/Icon';
import { TemplateOptions } from '../functions/TemplateOptions';

type TemplateChoice = FunctionTemplate | 'none';

/** Shown when no project is open: the sample, an existing folder, or a new project. */
export function Welcome() {
  const workspace = useWorkspace();
  const [busy, setBusy] = useState<'sample' | 'open' | 'create' | null>(null);
  const [openPath, setOpenPath] = useState('');
  const [name, setName] = useState('');
  const [path, setPath] = useState('');
  const [template, setTemplate] = useState<TemplateChoice>('node-http');
  const [createError, setCreateError] = useState<ApiError | null>(null);
  const ids = { open: useId(), name: useId(), path: useId(), template: useId() };

  const run = async (kind: 'sample' | 'open' | 'create', task: () => Promise<unknown>) => {
    setBusy(kind);
    try {
      await task();
    } finally {
      setBusy(null);
    }
  };

  const submitOpen = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = openPath.trim();
    if (!trimmed) return;
    void run('open', () => workspace.openFolder(trimmed));
  };

  const browseOpen = () =>
    run('open', async () => {
      const picked = await workspace.pickFolder();
      if (picked) {
        setOpenPath(picked);
        await workspace.openFolder(picked);
      }
    });

  const browseNew = async () => {
    const picked = await workspace.pickFolder();
    if (picked) setPath(picked);
  };

  const submitCreate = (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      setCreateError({ code: 'invalid_input', message: 'Give the project a name.' });
      return;
    }
    if (!path.trim()) {
      setCreateError({ code: 'invalid_input', message: 'Choose the folder to create the project in.' });
      return;
    }
    setCreateError(null);
    void run('create', async () => {
      const error = await workspace.createProject(path.trim(), name.trim(), template === 'none' ? null : template);
      setCreateError(error);
    });
  };

  return (
    <main className="welcome" data-testid="welcome">
      <div className="welcome-inner">
        <header className="welcome-header">
          <span className="welcome-logo" aria-hidden="true">
            <Icon name="logo" size={26} />
          </span>
          <div>
            <h1 className="welcome-title">Functory</h1>
            <p className="welcome-tagline">Write, wire, audit and ship serverless functions — locally first.</p>
          </div>
        </header>

        <section className="welcome-section welcome-sample">
          <div>
            <h2 className="welcome-heading">New here?</h2>
            <p className="muted">
              The <strong>thumbnails</strong> sample has a Node.js HTTP function and a scheduled Python function. No cloud
              account needed.
            </p>
          </div>
          <button
            type="button"
            className="button button-primary button-large"
            data-testid="open-sample"
            disabled={busy !== null}
            onClick={() => void run('sample', () => workspace.openSample())}
          >
            <Icon name="sparkle" />
            {busy === 'sample' ? 'Opening…' : 'Open the sample project'}
          </button>
        </section>

        <div className="welcome-columns">
          <section className="welcome-section">
            <h2 className="welcome-heading">Open a folder</h2>
            <form className="form" onSubmit={submitOpen}>
              <label className="field-label" htmlFor={ids.open}>
                Project folder
              </label>
              <div className="input-row">
                <input
                  id={ids.open}
                  className="input mono"
                  data-testid="open-folder-path"
                  placeholder="/home/you/projects/my-functions"
                  value={openPath}
                  onChange={(e) => setOpenPath(e.target.value)}
                  spellCheck={false}
                  autoComplete="off"
                />
                <button
                  type="button"
                  className="button"
                  data-testid="open-folder-browse"
                  disabled={busy !== null}
                  onClick={() => void browseOpen()}
                >
                  Browse…
                </button>
              </div>
              <div className="form-actions">
                <button
                  type="submit"
                  className="button"
                  data-testid="open-folder-submit"
                  disabled={busy !== null || !openPath.trim()}
                >
                  <Icon name="open" />
                  {busy === 'open' ? 'Opening…' : 'Open folder'}
                </button>
              </div>
            </form>
          </section>

          <section className="welcome-section">
            <h2 className="welcome-heading">New project</h2>
            <form className="form" onSubmit={submitCreate} noValidate>
              <label className="field-label" htmlFor={ids.name}>
                Name
              </label>
              <input
                id={ids.name}
                className="input"
                data-testid="new-project-name"
                placeholder="my-functions"
                value={name}
                onChange={(e) => setName(e.target.value)}
                autoComplete="off"
              />
              <label className="field-label" htmlFor={ids.path}>
                Folder <span className="muted">(new or empty)</span>
              </label>
              <div className="input-row">
                <input
                  id={ids.path}
                  className="input mono"
                  data-testid="new-project-path"
                  placeholder="/home/you/projects/my-functions"
                  value={path}
                  onChange={(e) => setPath(e.target.value)}
                  spellCheck={false}
                  autoComplete="off"
                />
                <button type="button" className="button" data-testid="new-project-browse" onClick={() => void browseNew()}>
                  Browse…
                </button>
              </div>
              <label className="field-label" htmlFor={ids.template}>
                First function
              </label>
              <select
                id={ids.template}
                className="input"
                data-testid="new-project-template"
                value={template}
                onChange={(e) => setTemplate(e.target.value as TemplateChoice)}
              >
                <TemplateOptions />
                <option value="none">none — just the manifest</option>
              </select>
              {createError && (
                <p className="field-error" role="alert" data-testid="new-project-error">
                  {createError.message}
                </p>
              )}
              <div className="form-actions">
                <button type="submit" className="button button-primary" data-testid="new-project-create" disabled={busy !== null}>
                  <Icon name="plus" />
                  {busy === 'create' ? 'Creating…' : 'Create project'}
                </button>
              </div>
            </form>
          </section>
        </div>
      </div>
    </main>
  );
}
