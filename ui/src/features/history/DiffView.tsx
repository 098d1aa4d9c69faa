import { useMemo, useState } from 'react';

import type { FileDiff } from '../../bindings/FileDiff';
import { Icon } from '../../ui/Icon';
import { foldUnchanged, sideBySide, type DiffCell, type DiffRow } from './lineDiff';

export interface DiffSides {
  /** Labels of the two sides, e.g. "1a2b3c4d · Add the report" and "Working files". */
  oldLabel: string;
  newLabel: string;
}

const CHANGE_LABELS: Record<FileDiff['change'], string> = { added: 'added', modified: 'modified', deleted: 'deleted' };

/** Side-by-side diffs, one per file: old on the left, new on the right. */
export function DiffView({
  diffs,
  sides,
  restoreLabel,
  canRestore,
  onRestoreFile,
}: {
  diffs: FileDiff[];
  sides: DiffSides;
  /** e.g. "Restore this file to 1a2b3c4d"; restore buttons only when set. */
  restoreLabel: string | null;
  canRestore: (diff: FileDiff) => boolean;
  onRestoreFile: (path: string) => void;
}) {
  return (
    <div className="diff" data-testid="history-diff">
      <p className="diff-summary muted" data-testid="history-diff-summary">
        {diffs.length === 0
          ? 'No differences.'
          : `${diffs.length} ${diffs.length === 1 ? 'file' : 'files'} changed between ${sides.oldLabel} and ${sides.newLabel}.`}
      </p>
      {diffs.map((diff) => (
        <FileDiffView
          key={diff.path}
          diff={diff}
          sides={sides}
          restoreLabel={restoreLabel !== null && canRestore(diff) ? restoreLabel : null}
          onRestore={() => onRestoreFile(diff.path)}
        />
      ))}
    </div>
  );
}

function FileDiffView({
  diff,
  sides,
  restoreLabel,
  onRestore,
}: {
  diff: FileDiff;
  sides: DiffSides;
  restoreLabel: string | null;
  onRestore: () => void;
}) {
  const rows = useMemo(() => (diff.binary ? [] : sideBySide(diff.oldText, diff.newText)), [diff]);
  const blocks = useMemo(() => foldUnchanged(rows), [rows]);
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());
  const counts = useMemo(
    () => ({
      removed: rows.filter((r) => r.left?.kind === 'removed').length,
      added: rows.filter((r) => r.right?.kind === 'added').length,
    }),
    [rows],
  );

  return (
    <section className="diff-file" data-testid={`diff-file-${diff.path}`} aria-label={`Changes to ${diff.path}`}>
      <header className="diff-file-header">
        <Icon name="file" size={14} />
        <span className="diff-path mono">{diff.path}</span>
        <span className={`change-badge change-${diff.change}`}>{CHANGE_LABELS[diff.change]}</span>
        {!diff.binary && (
          <span className="diff-counts mono">
            <span className="count-added">+{counts.added}</span> <span className="count-removed">−{counts.removed}</span>
          </span>
        )}
        <span className="toolbar-spacer" />
        {restoreLabel && (
          <button type="button" className="button button-small" data-testid={`restore-file-${diff.path}`} onClick={onRestore}>
            <Icon name="history" size={13} /> {restoreLabel}
          </button>
        )}
      </header>
      {diff.binary ? (
        <p className="diff-binary muted" data-testid={`diff-binary-${diff.path}`}>
          Binary file {diff.change === 'modified' ? 'changed' : diff.change} — contents not shown.
        </p>
      ) : (
        <div className="diff-grid" role="table" aria-label={`${sides.oldLabel} on the left, ${sides.newLabel} on the right`}>
          <div className="diff-row diff-head" role="row">
            <div className="diff-side-label" role="columnheader" title={sides.oldLabel}>
              {diff.change === 'added' ? `${sides.oldLabel} (no such file)` : sides.oldLabel}
            </div>
            <div className="diff-side-label" role="columnheader" title={sides.newLabel}>
              {diff.change === 'deleted' ? `${sides.newLabel} (deleted)` : sides.newLabel}
            </div>
          </div>
          {blocks.map((block, i) =>
            block.kind === 'unchanged' && !expanded.has(i) ? (
              <div className="diff-row" role="row" key={i}>
                <button
                  type="button"
                  className="diff-fold"
                  data-testid={`diff-expand-${diff.path}-${i}`}
                  onClick={() => setExpanded(new Set([...expanded, i]))}
                >
                  ⋯ {block.rows.length} unchanged {block.rows.length === 1 ? 'line' : 'lines'}
                </button>
              </div>
            ) : (
              block.rows.map((row, j) => <Row key={`${i}-${j}`} row={row} />)
            ),
          )}
        </div>
      )}
    </section>
  );
}

function Row({ row }: { row: DiffRow }) {
  return (
    <div className="diff-row" role="row">
      <Cell cell={row.left} side="old" />
      <Cell cell={row.right} side="new" />
    </div>
  );
}

function Cell({ cell, side }: { cell: DiffCell | null; side: 'old' | 'new' }) {
  if (!cell) return <div className="diff-cell is-empty" role="cell" data-side={side} />;
  return (
    <div className={`diff-cell is-${cell.kind}`} role="cell" data-side={side}>
      <span className="diff-num" aria-hidden="true">
        {cell.number}
      </span>
      <span className="diff-sign" aria-hidden="true">
        {cell.kind === 'removed' ? '−' : cell.kind === 'added' ? '+' : ' '}
      </span>
      <span className="diff-text">{cell.text}</span>
    </div>
  );
}
