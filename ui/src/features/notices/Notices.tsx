import { useEffect } from 'react';

import { useAppState, useWorkspace } from '../../app/context';
import type { Notice } from '../../app/state';
import { Icon } from '../../ui/Icon';

const LIFETIME_MS: Record<Notice['kind'], number> = { error: 15000, warning: 12000, info: 5000 };

/** Toasts for failed commands and warnings, bottom right; each can be dismissed. */
export function Notices() {
  const { notices } = useAppState();
  return (
    <div className="toasts" aria-live="polite">
      {notices.map((n) => (
        <Toast key={n.id} notice={n} />
      ))}
    </div>
  );
}

function Toast({ notice }: { notice: Notice }) {
  const workspace = useWorkspace();
  useEffect(() => {
    const timer = setTimeout(() => workspace.dismissNotice(notice.id), LIFETIME_MS[notice.kind]);
    return () => clearTimeout(timer);
  }, [workspace, notice.id, notice.kind]);

  return (
    <div
      className={`toast toast-${notice.kind}`}
      role={notice.kind === 'info' ? 'status' : 'alert'}
      data-testid={`${notice.kind}-toast`}
      data-code={notice.code ?? undefined}
    >
      <Icon name={notice.kind === 'info' ? 'info' : notice.kind} size={16} className="toast-icon" />
      <p className="toast-message">{notice.message}</p>
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => workspace.dismissNotice(notice.id)}>
        <Icon name="close" size={12} />
      </button>
    </div>
  );
}
