import { lazy, Suspense, useEffect, useMemo, useState } from 'react';

import type { Diagnostic } from '../../bindings/Diagnostic';
import type { OutlineItem } from '../../bindings/OutlineItem';
import type { LintFinding } from '../../bindings/LintFinding';
import { useAppState, useWorkspace } from '../../app/context';
import { isDirty, MANIFEST_PATH, type Buffer } from '../../app/state';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Icon } from '../../ui/Icon';
import { useColorScheme } from '../theme/useColorScheme';
import { LANGUAGE_LABELS, languageOf } from './languageIds';

const loadCodeEditor = () => import('./CodeEditor');
const CodeEditor = lazy(loadCodeEditor);

/** Fetches the editor's code ahead of the first file being opened (called once the shell is up). */
export function preloadEditor(): void {
  void loadCodeEditor();
}

/** A security finding as an editor underline: high and critical as errors, the rest as warnings. */
function lintDiagnostic(f: LintFinding): Diagnostic {
  return {
    file: f.file,
    line: f.line,
    column: f.column,
    endLine: f.endLine,
    endColumn: f.endColumn,
    field: f.code,
    message: `${f.code} ${f.message}`,
    severity: f.severity === 'high' || f.severity === 'critical' ? 'error' : 'warning',
  };
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

const OUTLINED = /\.(m?[jt]s|cjs|mts|py)$/;
const OUTLINE_ICONS: Record<OutlineItem['kind'], string> = {
  function: 'ƒ',
  method: 'm',
  class: 'C',
  interface: 'I',
  export: '↗',
};

/**
 * The outline of the active file as the analyzer reads it from disk (functions, classes,
 * exports); picking an item moves the cursor there. Read again after every save.
 */
function OutlinePicker({ path, dirty }: { path: string; dirty: boolean }) {
  const workspace = useWorkspace();
  const { project } = useAppState();
  const [items, setItems] = useState<OutlineItem[] | null>(null);
  useEffect(() => {
    let live = true;
    setItems(null);
    void workspace.outlineFile(path).then((outcome) => {
      if (live) setItems(outcome.ok ? outcome.value.outline : []);
    });
    return () => {
      live = false;
    };
  }, [workspace, path, project]);
  if (!items || items.length === 0) return null;
  return (
    <select
      className="input input-small"
      data-testid="editor-outline"
      aria-label="Go to a function or class"
      title={dirty ? 'Outline of the saved file: save to bring it up to date' : 'Go to a function or class'}
      value=""
      onChange={(event) => {
        const item = items[Number(event.target.value)];
        if (item) workspace.jumpTo(path, item.location.line, item.location.column);
      }}
    >
      <option value="">Outline…</option>
      {items.map((item, i) => (
        <option key={i} value={i}>
          {OUTLINE_ICONS[item.kind]} {item.name}
          {item.exported ? ' (exported)' : ''} — line {item.location.line}
        </option>
      ))}
    </select>
  );
}

/** Tabs, the active file's toolbar and notice, and the editor itself. */
export function EditorArea() {
  const workspace = useWorkspace();
  const { buffers, activePath, project, jump, lint } = useAppState();
  const scheme = useColorScheme();
  const [closing, setClosing] = useState<Buffer | null>(null);
  const active = buffers.find((b) => b.path === activePath) ?? null;
  const openPaths = useMemo(() => buffers.map((b) => b.path), [buffers]);
  const manifestDiagnostics: Diagnostic[] | null =
    active?.path === MANIFEST_PATH ? (project?.manifest.diagnostics ?? null) : null;
  // Lint positions are those of the file on disk: shown while the tab has no unsaved edits.
  const activeDirty = active ? isDirty(active) : false;
  const diagnostics = useMemo((): Diagnostic[] | null => {
    const findings = !active || activeDirty ? [] : (lint ?? []).filter((f) => f.file === active.path && f.suppressed === null);
    if (findings.length === 0) return manifestDiagnostics;
    return [...(manifestDiagnostics ?? []), ...findings.map(lintDiagnostic)];
  }, [active?.path, activeDirty, lint, manifestDiagnostics]);

  const requestClose = (buffer: Buffer) => {
    if (isDirty(buffer)) setClosing(buffer);
    else workspace.closeBuffer(buffer.path);
  };

  return (
    <section className="editor-area" aria-label="Editor">
      {buffers.length > 0 && (
        <div className="tabs" role="tablist" aria-label="Open files">
          {buffers.map((b) => {
            const selected = b.path === activePath;
            const dirty = isDirty(b);
            return (
              <div
                key={b.path}
                role="tab"
                tabIndex={selected ? 0 : -1}
                aria-selected={selected}
                data-testid={`tab-${b.path}`}
                className={`tab${selected ? ' is-active' : ''}${dirty ? ' is-dirty' : ''}`}
                title={b.path}
                onClick={() => workspace.activate(b.path)}
                onAuxClick={(e) => {
                  if (e.button === 1) requestClose(b);
                }}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    workspace.activate(b.path);
                  } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
                    const index = buffers.indexOf(b) + (e.key === 'ArrowRight' ? 1 : -1);
                    const next = buffers[(index + buffers.length) % buffers.length]!;
                    workspace.activate(next.path);
                    const tabs = e.currentTarget.parentElement?.querySelectorAll<HTMLElement>('[role="tab"]');
                    tabs?.[buffers.indexOf(next)]?.focus();
                  }
                }}
              >
                <span className="tab-name">{fileName(b.path)}</span>
                {b.readOnly && <span className="tab-badge">read-only</span>}
                {dirty && <span className="tab-dirty" data-testid={`tab-dirty-${b.path}`} aria-label="unsaved changes" title="Unsaved changes" />}
                <button
                  type="button"
                  className="tab-close"
                  data-testid={`tab-close-${b.path}`}
                  aria-label={`Close ${b.path}`}
                  tabIndex={-1}
                  onClick={(e) => {
                    e.stopPropagation();
                    requestClose(b);
                  }}
                >
                  <Icon name="close" size={12} />
                </button>
              </div>
            );
          })}
        </div>
      )}

      {active ? (
        <>
          <div className="editor-toolbar">
            <span className="breadcrumb mono" title={active.path}>
              {active.path.split('/').map((part, i, all) => (
                <span key={i} className={i === all.length - 1 ? 'crumb-last' : 'crumb'}>
                  {part}
                </span>
              ))}
            </span>
            <span className="toolbar-spacer" />
            {OUTLINED.test(active.path) && <OutlinePicker path={active.path} dirty={activeDirty} />}
            <span className="toolbar-label">{LANGUAGE_LABELS[languageOf(active.path)]}</span>
            {isDirty(active) && <span className="toolbar-label unsaved">Unsaved</span>}
            <button
              type="button"
              className="button button-small"
              data-testid="save-file"
              disabled={active.readOnly}
              title="Save (Ctrl+S)"
              onClick={() => void workspace.save(active.path)}
            >
              <Icon name="save" size={13} /> Save
            </button>
          </div>
          {(active.readOnly || active.notice) && (
            <div className="file-notice" role="note" data-testid="file-notice">
              <Icon name="info" size={14} />
              <span>{active.notice ?? 'This file is read-only.'}</span>
            </div>
          )}
          <div
            className="editor-host"
            data-testid="editor"
            data-path={active.path}
            data-language={languageOf(active.path)}
            data-readonly={active.readOnly ? 'true' : 'false'}
          >
            <Suspense fallback={<div className="editor-loading muted">Loading editor…</div>}>
              <CodeEditor
                buffer={active}
                openPaths={openPaths}
                scheme={scheme}
                diagnostics={diagnostics}
                jump={jump}
                onChange={(path, text) => workspace.edit(path, text)}
              />
            </Suspense>
          </div>
        </>
      ) : (
        <div className="editor-empty" data-testid="editor-empty">
          <Icon name="file" size={28} />
          <p>Open a file from the project tree, or pick a function to see its settings.</p>
          <p className="muted small">
            <kbd>Ctrl</kbd>+<kbd>S</kbd> saves · <kbd>Ctrl</kbd>+<kbd>1</kbd>…<kbd>7</kbd> switch areas
          </p>
        </div>
      )}

      {closing && (
        <ConfirmDialog
          title={`Save changes to ${fileName(closing.path)}?`}
          message="Your changes will be lost if you close this tab without saving."
          onCancel={() => setClosing(null)}
          actions={[
            {
              label: "Don't save",
              testId: 'confirm-discard',
              kind: 'danger',
              onSelect: () => {
                workspace.closeBuffer(closing.path);
                setClosing(null);
              },
            },
            {
              label: 'Save',
              testId: 'confirm-save',
              kind: 'primary',
              onSelect: () => {
                const path = closing.path;
                setClosing(null);
                void workspace.save(path).then((saved) => {
                  if (saved) workspace.closeBuffer(path);
                });
              },
            },
          ]}
        />
      )}
    </section>
  );
}
