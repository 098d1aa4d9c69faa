import { useState } from 'react';

import type { JournalEntry } from '../../bindings/JournalEntry';
import { useWorkspace } from '../../app/context';
import { Icon } from '../../ui/Icon';

function when(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Unsaved buffers left by the last run: restore them into tabs (unsaved) or throw them away. */
export function RecoveryBanner({ entries }: { entries: JournalEntry[] }) {
  const workspace = useWorkspace();
  const [busy, setBusy] = useState(false);
  const roots = new Set(entries.map((e) => e.projectRoot));

  const run = async (task: () => Promise<void>) => {
    setBusy(true);
    try {
      await task();
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="recovery" data-testid="recovery-banner" role="region" aria-labelledby="recovery-title">
      <Icon name="warning" size={18} className="recovery-icon" />
      <div className="recovery-body">
        <h2 id="recovery-title" className="recovery-title">
          Unsaved changes from your last session
        </h2>
        <p className="recovery-text">
          {entries.length === 1
            ? 'Functory closed before this file was saved. Restore reopens it with your text'
            : 'Functory closed before these files were saved. Restore reopens them with your text'}{' '}
          — nothing is written to disk until you save.
        </p>
        <ul className="recovery-files">
          {entries.map((e) => (
            <li key={`${e.projectRoot}\u0000${e.path}`} data-testid="recovery-file">
              <span className="mono">{e.path}</span>
              {roots.size > 1 && <span className="muted"> in {e.projectRoot}</span>}
              <span className="muted small"> · {when(e.updatedAtMs)}</span>
            </li>
          ))}
        </ul>
      </div>
      <div className="recovery-actions">
        <button
          type="button"
          className="button button-primary"
          data-testid="recovery-restore"
          disabled={busy}
          onClick={() => void run(() => workspace.restoreRecovery())}
        >
          Restore
        </button>
        <button
          type="button"
          className="button"
          data-testid="recovery-discard"
          disabled={busy}
          onClick={() => void run(() => workspace.discardRecovery())}
        >
          Discard
        </button>
      </div>
    </section>
  );
}
