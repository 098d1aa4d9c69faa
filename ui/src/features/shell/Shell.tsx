import { lazy, Suspense, useEffect, useRef, useState } from 'react';

import type { ProjectView } from '../../bindings/ProjectView';
import { useAppState, useWorkspace } from '../../app/context';
import { AREAS } from '../../app/state';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Icon } from '../../ui/Icon';
import { preloadEditor } from '../editor/EditorArea';
import { AccountsArea } from '../accounts/AccountsArea';
import { DeployArea } from '../deploy/DeployArea';
import { FunctionsArea } from '../functions/FunctionsArea';
import { HistoryArea } from '../history/HistoryArea';
import { RunArea } from '../run/RunArea';
import { SecurityArea } from '../security/SecurityArea';
import { AREA_INFO } from './areas';

// The canvas library is only loaded when the Triggers view is first shown.
const TriggersArea = lazy(() => import('../triggers/TriggersArea'));

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const MOD = isMac ? '⌘' : 'Ctrl+';

/** The window once a project is open: header, area navigation, and the active area. */
export function Shell({ project }: { project: ProjectView }) {
  const workspace = useWorkspace();
  const { area } = useAppState();
  const [confirmClose, setConfirmClose] = useState(false);
  // The Run view mounts on its first visit and then stays (hidden) for the project's lifetime,
  // so its event edits, last result and log survive trips to other areas.
  const runVisited = useRef<string | null>(null);
  if (area === 'run') runVisited.current = project.root;

  // The first project is on screen with its tree and functions: tell the host (benchmark).
  useEffect(() => {
    workspace.markUiReady();
    preloadEditor();
  }, [workspace]);

  // Lint findings underline open files from the start, not only once Security was visited, and
  // follow the files on disk: every project update (save, fix, manifest edit, restore) lints again.
  useEffect(() => {
    void workspace.lint();
  }, [workspace, project]);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      if (event.key.toLowerCase() === 's' && !event.shiftKey) {
        event.preventDefault();
        if (workspace.getState().activePath) void workspace.save();
        return;
      }
      const digit = /^Digit([1-7])$/.exec(event.code)?.[1] ?? (/^[1-7]$/.test(event.key) ? event.key : null);
      if (digit && !event.shiftKey) {
        event.preventDefault();
        workspace.setArea(AREAS[Number(digit) - 1]!);
      }
    };
    window.addEventListener('keydown', onKeyDown, { capture: true });
    return () => window.removeEventListener('keydown', onKeyDown, { capture: true });
  }, [workspace]);

  const closeProject = () => {
    if (workspace.hasUnsavedBuffers()) setConfirmClose(true);
    else workspace.closeProject();
  };

  return (
    <div className="shell">
      <header className="header">
        <div className="header-brand" aria-hidden="true">
          <Icon name="logo" size={18} />
        </div>
        <div className="header-project">
          <h1 className="project-name" data-testid="project-name">
            {project.name}
          </h1>
          <span className="project-root mono" data-testid="project-root" title={project.root}>
            {project.root}
          </span>
        </div>
        <div className="header-actions">
          <button
            type="button"
            className="button button-ghost button-small"
            data-testid="reload-project"
            title="Re-read the folder and functory.toml from disk"
            onClick={() => void workspace.reload()}
          >
            <Icon name="reload" size={14} /> Reload
          </button>
          <button type="button" className="button button-ghost button-small" data-testid="close-project" onClick={closeProject}>
            <Icon name="open" size={14} /> Open another…
          </button>
        </div>
      </header>
      <div className="shell-body">
        <nav className="sidebar" aria-label="Areas">
          <ul className="plain-list">
            {AREA_INFO.map((info, i) => (
              <li key={info.id}>
                <button
                  type="button"
                  className={`nav-item${area === info.id ? ' is-active' : ''}`}
                  data-testid={`nav-${info.id}`}
                  aria-current={area === info.id ? 'page' : undefined}
                  title={`${info.label} (${MOD}${i + 1})`}
                  onClick={() => workspace.setArea(info.id)}
                >
                  <Icon name={info.icon} size={16} />
                  <span className="nav-label">{info.label}</span>
                  <kbd className="nav-shortcut">
                    {MOD}
                    {i + 1}
                  </kbd>
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <main className="area" data-testid={`area-${area}`}>
          {/* Kept mounted while hidden so editor undo history and selections survive. */}
          <div className="area-page" hidden={area !== 'functions'}>
            <FunctionsArea />
          </div>
          {runVisited.current === project.root && (
            <div className="area-page" hidden={area !== 'run'}>
              <RunArea key={project.root} visible={area === 'run'} />
            </div>
          )}
          {area === 'history' && <HistoryArea key={project.root} />}
          {area === 'accounts' && <AccountsArea />}
          {area === 'security' && <SecurityArea key={project.root} />}
          {area === 'deploy' && <DeployArea key={project.root} />}
          {area === 'triggers' && (
            <Suspense fallback={<div className="editor-loading muted">Loading the trigger designer…</div>}>
              <TriggersArea key={project.root} />
            </Suspense>
          )}
        </main>
      </div>
      {confirmClose && (
        <ConfirmDialog
          title="Close this project?"
          message="Some files have unsaved changes. They will be lost if you close the project now."
          onCancel={() => setConfirmClose(false)}
          actions={[
            {
              label: 'Close without saving',
              testId: 'confirm-discard',
              kind: 'danger',
              onSelect: () => {
                setConfirmClose(false);
                workspace.closeProject();
              },
            },
          ]}
        />
      )}
    </div>
  );
}
