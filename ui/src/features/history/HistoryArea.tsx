import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { DeployReport } from '../../bindings/DeployReport';
import type { DeployStep } from '../../bindings/DeployStep';
import type { FileDiff } from '../../bindings/FileDiff';
import type { TimelineEntry } from '../../bindings/TimelineEntry';
import type { WorktreeStatus } from '../../bindings/WorktreeStatus';
import { useAppState, useWorkspace } from '../../app/context';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Icon } from '../../ui/Icon';
import { DeployProgress, DeployResult } from '../deploy/DeployProgress';
import { DiffView, type DiffSides } from './DiffView';
import { absoluteTime, isoTime, relativeTime } from './time';

const short = (commit: string) => commit.slice(0, 8);

function entryKey(entry: TimelineEntry): string {
  return entry.kind === 'commit'
    ? `commit:${entry.commit}`
    : `deploy:${entry.target}:${entry.function}:${entry.deployedAt}:${entry.commit}`;
}

function entryLabel(entry: TimelineEntry): string {
  return entry.kind === 'commit'
    ? `${short(entry.commit)} “${entry.summary}”`
    : `the deploy of ${entry.function} to ${entry.target} (${short(entry.commit)})`;
}

/** What the diff compares: `from` is the older side; `to` null means the files on disk now. */
interface Comparison {
  from: TimelineEntry;
  to: TimelineEntry | null;
  fn: string | null;
}

interface RestoreRequest {
  entry: TimelineEntry;
  file: string | null;
  fn: string | null;
}

type Retry = () => Promise<void>;

/** Checkpoints, the timeline of the project or one function, side-by-side diffs and restores. */
export function HistoryArea() {
  const workspace = useWorkspace();
  const { project } = useAppState();
  const functions = project?.manifest.manifest?.functions ?? [];
  const ids = { message: useId(), fn: useId(), branch: useId() };
  const messageInput = useRef<HTMLInputElement>(null);

  const [status, setStatus] = useState<WorktreeStatus | null>(null);
  const [statusError, setStatusError] = useState<ApiError | null>(null);
  const [fn, setFn] = useState<string | null>(null);
  const [timeline, setTimeline] = useState<TimelineEntry[] | null>(null);
  const [timelineError, setTimelineError] = useState<ApiError | null>(null);
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const [picking, setPicking] = useState(false);
  const [comparison, setComparison] = useState<Comparison | null>(null);
  const [diffs, setDiffs] = useState<FileDiff[] | null>(null);
  const [diffError, setDiffError] = useState<ApiError | null>(null);

  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [checkpointResult, setCheckpointResult] = useState<string | null>(null);
  const [checkpointError, setCheckpointError] = useState<string | null>(null);
  const [operation, setOperation] = useState<string | null>(null);
  const [detached, setDetached] = useState<{ message: string; retry: Retry } | null>(null);
  const [branchName, setBranchName] = useState('');
  const [branchError, setBranchError] = useState<string | null>(null);

  const [confirmRedeploy, setConfirmRedeploy] = useState<{ target: string; fn: string; commit: string } | null>(null);
  const [redeploying, setRedeploying] = useState(false);
  const [redeploySteps, setRedeploySteps] = useState<Record<string, DeployStep>>({});
  const [redeployReport, setRedeployReport] = useState<DeployReport | null>(null);
  const [redeployError, setRedeployError] = useState<string | null>(null);
  const [confirmRestore, setConfirmRestore] = useState<RestoreRequest | null>(null);
  const [restoreResult, setRestoreResult] = useState<string | null>(null);
  const [restoreError, setRestoreError] = useState<string | null>(null);

  // Answers to an older request (another filter, an earlier refresh) are dropped.
  const timelineRequest = useRef(0);
  const diffRequest = useRef(0);

  const loadStatus = useCallback(async () => {
    const outcome = await workspace.historyStatus();
    if (outcome.ok) {
      setStatus(outcome.value);
      setStatusError(null);
    } else setStatusError(outcome.error);
  }, [workspace]);

  const redeploy = async (request: { target: string; fn: string; commit: string }) => {
    setConfirmRedeploy(null);
    setRedeploying(true);
    setRedeploySteps({});
    setRedeployReport(null);
    setRedeployError(null);
    const outcome = await workspace.redeploy(request.target, request.fn, request.commit, (step) =>
      setRedeploySteps((s) => ({ ...s, [step.function]: step })),
    );
    setRedeploying(false);
    if (outcome.ok) {
      setRedeployReport(outcome.value);
      await loadTimeline(fn);
    } else {
      setRedeployError(outcome.error.message);
    }
  };

  const loadTimeline = useCallback(
    async (filter: string | null) => {
      const request = ++timelineRequest.current;
      const outcome = await workspace.historyTimeline(filter);
      if (request !== timelineRequest.current) return;
      if (outcome.ok) {
        setTimeline(outcome.value);
        setTimelineError(null);
      } else {
        setTimeline(null);
        setTimelineError(outcome.error);
      }
    },
    [workspace],
  );

  const runDiff = useCallback(
    async (c: Comparison) => {
      const request = ++diffRequest.current;
      setComparison(c);
      setDiffs(null);
      setDiffError(null);
      const outcome = await workspace.historyDiff(c.from.commit, c.to?.commit ?? null, c.fn);
      if (request !== diffRequest.current) return;
      if (outcome.ok) setDiffs(outcome.value);
      else setDiffError(outcome.error);
    },
    [workspace],
  );

  const clearComparison = () => {
    diffRequest.current++;
    setComparison(null);
    setDiffs(null);
    setDiffError(null);
    setPicking(false);
  };

  // The status follows the project: a save elsewhere changes the files to checkpoint.
  useEffect(() => {
    void loadStatus();
  }, [loadStatus, project]);

  useEffect(() => {
    void loadTimeline(fn);
  }, [loadTimeline, fn]);

  const selected = timeline?.find((e) => entryKey(e) === selectedKey) ?? null;
  const blockedBy = operation ?? (status && status.state !== 'clean' ? operationSentence(status.state) : null);

  /** The refusals a checkpoint (also the one before a restore) can meet, placed where they belong. */
  const placeHistoryError = (error: ApiError, retry: Retry, fallback: (message: string) => void) => {
    if (error.code === 'detached_head') {
      setDetached({ message: error.message, retry });
      setBranchError(null);
    } else if (error.code === 'operation_in_progress') {
      setOperation(error.message);
    } else fallback(error.message);
  };

  const checkpoint = async () => {
    const text = message.trim();
    setCheckpointResult(null);
    if (!text) {
      setCheckpointError('Write a few words about what changed.');
      messageInput.current?.focus();
      return;
    }
    setCheckpointError(null);
    setBusy(true);
    const outcome = await workspace.checkpoint(text);
    setBusy(false);
    if (!outcome.ok) {
      placeHistoryError(outcome.error, checkpoint, setCheckpointError);
      return;
    }
    setDetached(null);
    if (outcome.value.created) {
      setCheckpointResult(`Checkpoint ${short(outcome.value.commit)} created`);
      setMessage('');
    } else {
      setCheckpointResult('Nothing changed since the last checkpoint');
    }
    await Promise.all([loadStatus(), loadTimeline(fn)]);
  };

  const createBranch = async (event: FormEvent) => {
    event.preventDefault();
    const name = branchName.trim();
    if (!name) {
      setBranchError('Name the branch, e.g. my-work.');
      return;
    }
    const outcome = await workspace.createBranch(name);
    if (!outcome.ok) {
      setBranchError(outcome.error.message);
      return;
    }
    const retry = detached?.retry;
    setDetached(null);
    setBranchName('');
    await loadStatus();
    if (retry) await retry();
  };

  const selectEntry = (entry: TimelineEntry) => {
    const key = entryKey(entry);
    if (picking && selected && key !== selectedKey && timeline) {
      // Older on the left: the timeline is newest first.
      const [older, newer] =
        timeline.indexOf(entry) > timeline.indexOf(selected) ? [entry, selected] : [selected, entry];
      setPicking(false);
      void runDiff({ from: older, to: newer, fn });
      return;
    }
    if (key === selectedKey && !picking) return;
    setSelectedKey(key);
    setRestoreResult(null);
    setRestoreError(null);
    clearComparison();
  };

  const changeFilter = (value: string) => {
    setFn(value === '' ? null : value);
    setSelectedKey(null);
    setTimeline(null);
    clearComparison();
  };

  const restore = async (request: RestoreRequest) => {
    setConfirmRestore(null);
    setRestoreResult(null);
    setRestoreError(null);
    setBusy(true);
    const outcome = await workspace.restoreFromHistory(request.entry.commit, request.file, request.file === null ? request.fn : null);
    setBusy(false);
    if (!outcome.ok) {
      placeHistoryError(outcome.error, () => restore(request), setRestoreError);
      return;
    }
    const what = request.file ?? `the code of ${request.fn}`;
    const kept = outcome.value.keptDirty;
    setRestoreResult(
      `Restored ${what} to ${short(request.entry.commit)}. The files as they were are checkpointed in the timeline.` +
        (kept.length > 0 ? ` ${kept.join(', ')} still ${kept.length === 1 ? 'has' : 'have'} unsaved edits in the editor: saving would undo the restore.` : ''),
    );
    await Promise.all([loadStatus(), loadTimeline(fn)]);
    if (comparison) await runDiff(comparison);
  };

  const sides: DiffSides | null = comparison && {
    oldLabel: describeSide(comparison.from),
    newLabel: comparison.to ? describeSide(comparison.to) : 'Working files',
  };
  // "Restore this file" brings back the selected entry's version, when it has that file.
  const selectedIsOld = comparison !== null && selected !== null && entryKey(comparison.from) === entryKey(selected);
  const canRestoreFile = (diff: FileDiff) =>
    selected !== null && (selectedIsOld ? diff.change !== 'added' : diff.change !== 'deleted');

  return (
    <div className="view history-view" data-testid="history-view">
      <header className="history-top">
        <div className="view-header compact">
          <div className="view-header-icon">
            <Icon name="history" size={20} />
          </div>
          <div>
            <h1 className="view-title">History</h1>
            <p className="view-lead">
              Checkpoints are git commits in this project’s folder. Compare any two points, and bring back a file or a
              function’s code — the current state is always checkpointed first.
            </p>
          </div>
        </div>

        <div className="history-status" data-testid="history-status">
          {statusError ? (
            <p className="field-error" role="alert" data-testid="history-status-error">
              {statusError.message}
            </p>
          ) : status === null ? (
            <span className="muted">Reading the repository…</span>
          ) : (
            <div className="status-facts">
              <span className="status-fact">
                <Icon name="branch" size={14} />
                {status.detached ? (
                  <span data-testid="history-branch" className="warning-text">
                    detached HEAD
                  </span>
                ) : (
                  <span data-testid="history-branch" className="mono">
                    {status.branch ?? 'no branch'}
                  </span>
                )}
              </span>
              <span className={`status-fact state-${status.state === 'clean' ? 'clean' : 'busy'}`} data-testid="history-state">
                {status.state === 'clean' ? 'clean' : `${status.state} in progress`}
              </span>
              <span className="status-fact" data-testid="history-changed" title={status.changedFiles.join('\n') || undefined}>
                {status.changedFiles.length === 0
                  ? 'no changes since the last checkpoint'
                  : `${status.changedFiles.length} changed ${status.changedFiles.length === 1 ? 'file' : 'files'}`}
              </span>
            </div>
          )}
          <form
            className="checkpoint-form"
            onSubmit={(e) => {
              e.preventDefault();
              void checkpoint();
            }}
            noValidate
          >
            <label className="visually-hidden" htmlFor={ids.message}>
              Checkpoint message
            </label>
            <input
              id={ids.message}
              ref={messageInput}
              className={`input${checkpointError ? ' has-error' : ''}`}
              data-testid="history-checkpoint-message"
              placeholder="What changed? e.g. Larger thumbnails"
              value={message}
              autoComplete="off"
              aria-invalid={checkpointError !== null}
              onChange={(e) => {
                setMessage(e.target.value);
                setCheckpointError(null);
              }}
            />
            <button
              type="submit"
              className="button button-primary"
              data-testid="history-checkpoint"
              disabled={busy || blockedBy !== null}
              title={blockedBy ?? 'Commit every change in the project folder'}
            >
              <Icon name="checkpoint" size={14} /> {busy ? 'Working…' : 'Checkpoint'}
            </button>
          </form>
        </div>
        {blockedBy && (
          <p className="view-status warning" role="alert" data-testid="history-operation">
            {blockedBy}
          </p>
        )}
        {checkpointError && (
          <p className="field-error" role="alert" data-testid="history-checkpoint-error">
            {checkpointError}
          </p>
        )}
        {checkpointResult && (
          <p className="view-status success" role="status" data-testid="history-checkpoint-result">
            {checkpointResult}
          </p>
        )}
        {detached && (
          <section className="panel-card detached" data-testid="history-detached" aria-labelledby="detached-title">
            <div className="panel-card-icon">
              <Icon name="branch" size={20} />
            </div>
            <div className="panel-card-body">
              <h2 id="detached-title" className="panel-card-title">
                Create a branch first
              </h2>
              <p className="muted">{detached.message}</p>
              <form className="inline-form" onSubmit={(e) => void createBranch(e)} noValidate>
                <label className="field-label" htmlFor={ids.branch}>
                  Branch name
                </label>
                <div className="input-row">
                  <input
                    id={ids.branch}
                    className={`input mono${branchError ? ' has-error' : ''}`}
                    data-testid="history-branch-name"
                    placeholder="my-work"
                    value={branchName}
                    autoComplete="off"
                    autoFocus
                    onChange={(e) => {
                      setBranchName(e.target.value);
                      setBranchError(null);
                    }}
                  />
                  <button type="submit" className="button button-primary" data-testid="history-create-branch">
                    Create branch and retry
                  </button>
                </div>
                {branchError && (
                  <p className="field-error" role="alert" data-testid="history-branch-error">
                    {branchError}
                  </p>
                )}
              </form>
            </div>
          </section>
        )}
      </header>

      <div className="history-main">
        <aside className="history-timeline-pane" aria-label="Timeline">
          <div className="history-filter">
            <label className="field-label" htmlFor={ids.fn}>
              Show
            </label>
            <select
              id={ids.fn}
              className="input"
              data-testid="history-function"
              value={fn ?? ''}
              onChange={(e) => changeFilter(e.target.value)}
            >
              <option value="">Whole project</option>
              {functions.map((f) => (
                <option key={f.name} value={f.name}>
                  Function {f.name}
                </option>
              ))}
            </select>
          </div>
          {picking && (
            <p className="pick-hint" data-testid="history-pick-hint">
              Choose the entry to compare {selected ? short(selected.commit) : ''} with.{' '}
              <button type="button" className="link-button" data-testid="history-compare-cancel" onClick={() => setPicking(false)}>
                Cancel
              </button>
            </p>
          )}
          {timelineError && (
            <p className="field-error timeline-error" role="alert" data-testid="history-timeline-error">
              {timelineError.message}
            </p>
          )}
          {timeline === null && !timelineError && <p className="muted timeline-loading">Loading the timeline…</p>}
          {timeline?.length === 0 &&
            (fn === null ? (
              <div className="timeline-empty" data-testid="history-empty">
                <Icon name="history" size={22} />
                <p>
                  <strong>No history yet.</strong>
                </p>
                <p className="muted">
                  Make a first checkpoint: describe the project’s current state above and press Checkpoint. From then on,
                  every checkpoint can be compared and restored.
                </p>
                <button type="button" className="button" data-testid="history-first-checkpoint" onClick={() => messageInput.current?.focus()}>
                  Make a first checkpoint
                </button>
              </div>
            ) : (
              <p className="muted timeline-empty" data-testid="history-empty">
                No checkpoint has touched the code of {fn} yet.
              </p>
            ))}
          {timeline && timeline.length > 0 && (
            <ol className="plain-list timeline" data-testid="history-timeline">
              {timeline.map((entry, index) => {
                const key = entryKey(entry);
                const isSelected = key === selectedKey;
                return (
                  <li key={key}>
                    <button
                      type="button"
                      className={`timeline-entry is-${entry.kind}${isSelected ? ' is-selected' : ''}${picking && !isSelected ? ' is-pickable' : ''}`}
                      data-testid={`timeline-entry-${index}`}
                      data-kind={entry.kind}
                      data-commit={entry.commit}
                      aria-pressed={isSelected}
                      onClick={() => selectEntry(entry)}
                    >
                      <span className="timeline-marker" aria-hidden="true">
                        <Icon name={entry.kind === 'commit' ? 'checkpoint' : 'deploy'} size={14} />
                      </span>
                      {entry.kind === 'commit' ? <CommitSummary entry={entry} /> : <DeploySummary entry={entry} />}
                    </button>
                  </li>
                );
              })}
            </ol>
          )}
        </aside>

        <section className="history-detail-pane" aria-label="Selected entry">
          {!selected ? (
            <div className="history-hint muted" data-testid="history-no-selection">
              {timeline && timeline.length > 0
                ? 'Select an entry in the timeline to compare it with another one or with your working files.'
                : 'Compare and restore become available once the project has checkpoints.'}
            </div>
          ) : (
            <>
              <div className="selected-entry" data-testid="history-selected">
                <div className="selected-entry-title">
                  <Icon name={selected.kind === 'commit' ? 'checkpoint' : 'deploy'} size={16} />
                  <strong>{selected.kind === 'commit' ? selected.summary : `Deploy of ${selected.function} to ${selected.target}`}</strong>
                  <span className="mono muted">{short(selected.commit)}</span>
                </div>
                <div className="selected-entry-actions">
                  <button
                    type="button"
                    className={`button button-small${picking ? ' is-active' : ''}`}
                    data-testid="history-compare"
                    aria-pressed={picking}
                    disabled={!timeline || timeline.length < 2}
                    title={!timeline || timeline.length < 2 ? 'There is no other entry to compare with yet' : undefined}
                    onClick={() => setPicking(!picking)}
                  >
                    <Icon name="compare" size={13} /> Compare with…
                  </button>
                  <button
                    type="button"
                    className="button button-small"
                    data-testid="history-compare-working"
                    onClick={() => {
                      setPicking(false);
                      void runDiff({ from: selected, to: null, fn });
                    }}
                  >
                    <Icon name="compare" size={13} /> Compare with working files
                  </button>
                  {fn !== null && (
                    <button
                      type="button"
                      className="button button-small"
                      data-testid="history-restore-function"
                      disabled={busy || blockedBy !== null}
                      onClick={() => setConfirmRestore({ entry: selected, file: null, fn })}
                    >
                      <Icon name="history" size={13} /> Restore function {fn}
                    </button>
                  )}
                  {selected.kind === 'deploy' && (
                    <button
                      type="button"
                      className="button button-small"
                      data-testid="history-redeploy"
                      disabled={redeploying}
                      onClick={() => setConfirmRedeploy({ target: selected.target, fn: selected.function, commit: selected.commit })}
                    >
                      <Icon name="deploy" size={13} /> Redeploy this
                    </button>
                  )}
                </div>
              </div>
              {(redeploying || Object.keys(redeploySteps).length > 0) && !redeployReport && (
                <DeployProgress steps={redeploySteps} running={redeploying} />
              )}
              {redeployReport && <DeployResult report={redeployReport} />}
              {redeployError && (
                <p className="field-error" role="alert" data-testid="history-redeploy-error">
                  {redeployError}
                </p>
              )}
              {restoreError && (
                <p className="field-error" role="alert" data-testid="history-restore-error">
                  {restoreError}
                </p>
              )}
              {restoreResult && (
                <p className="view-status success" role="status" data-testid="history-restore-result">
                  {restoreResult}
                </p>
              )}
              {diffError && (
                <p className="field-error" role="alert" data-testid="history-diff-error">
                  {diffError.message}
                </p>
              )}
              {comparison && !diffs && !diffError && <p className="muted">Comparing…</p>}
              {comparison && diffs && sides && (
                <DiffView
                  diffs={diffs}
                  sides={sides}
                  restoreLabel={selected ? `Restore this file to ${short(selected.commit)}` : null}
                  canRestore={canRestoreFile}
                  onRestoreFile={(path) => selected && setConfirmRestore({ entry: selected, file: path, fn })}
                />
              )}
            </>
          )}
        </section>
      </div>

      {confirmRedeploy && (
        <ConfirmDialog
          title={`Redeploy ${confirmRedeploy.fn} to ${confirmRedeploy.target}?`}
          message={`The code and settings of ${confirmRedeploy.fn} as they were at ${short(confirmRedeploy.commit)} are deployed to ${confirmRedeploy.target}; your files stay as they are. If that version is still published, the stage simply moves back to it.`}
          onCancel={() => setConfirmRedeploy(null)}
          actions={[{ label: 'Redeploy', testId: 'confirm-redeploy', kind: 'primary', onSelect: () => void redeploy(confirmRedeploy) }]}
        />
      )}
      {confirmRestore && (
        <ConfirmDialog
          title={confirmRestore.file ? `Restore ${confirmRestore.file}?` : `Restore the code of ${confirmRestore.fn}?`}
          message={
            `${confirmRestore.file ?? `The code of ${confirmRestore.fn}`} goes back to how it was at ${entryLabel(confirmRestore.entry)}. ` +
            'Your current files are checkpointed first, so nothing is lost: that checkpoint appears in the timeline and can be restored in turn.'
          }
          onCancel={() => setConfirmRestore(null)}
          actions={[{ label: 'Restore', testId: 'confirm-restore', kind: 'primary', onSelect: () => void restore(confirmRestore) }]}
        />
      )}
    </div>
  );
}

function operationSentence(state: string): string {
  return `The repository is in the middle of a ${state}: finish it or abort it (git ${state} --continue or git ${state} --abort), then checkpoints work again.`;
}

function describeSide(entry: TimelineEntry): string {
  return entry.kind === 'commit' ? `${short(entry.commit)} (${entry.summary})` : `${short(entry.commit)} (deploy to ${entry.target})`;
}

function When({ seconds }: { seconds: number }) {
  return (
    <time dateTime={isoTime(seconds)} title={absoluteTime(seconds)}>
      {relativeTime(seconds)} <span className="faint">· {absoluteTime(seconds)}</span>
    </time>
  );
}

function CommitSummary({ entry }: { entry: Extract<TimelineEntry, { kind: 'commit' }> }) {
  const shown = entry.files.slice(0, 4);
  return (
    <span className="timeline-body">
      <span className="timeline-title">{entry.summary || '(no message)'}</span>
      <span className="timeline-meta">
        <span className="mono hash">{short(entry.commit)}</span> · {entry.author} · <When seconds={entry.time} />
      </span>
      <span className="timeline-files">
        {shown.map((f) => (
          <span key={f} className="file-chip mono">
            {f}
          </span>
        ))}
        {entry.files.length > shown.length && <span className="muted small">+{entry.files.length - shown.length} more</span>}
      </span>
    </span>
  );
}

function DeploySummary({ entry }: { entry: Extract<TimelineEntry, { kind: 'deploy' }> }) {
  return (
    <span className="timeline-body">
      <span className="timeline-title">
        Deployed <strong>{entry.function}</strong> to <strong>{entry.target}</strong>
      </span>
      <span className="timeline-meta">
        version <span className="mono">{entry.cloudVersion}</span> · {entry.who} · <When seconds={entry.deployedAt} />
      </span>
      <span className="timeline-meta">
        commit <span className="mono hash">{short(entry.commit)}</span>
      </span>
    </span>
  );
}
