import { useEffect, useRef } from 'react';

export interface DialogAction {
  label: string;
  testId: string;
  kind?: 'primary' | 'danger' | 'plain';
  onSelect: () => void;
}

/** A modal question (native <dialog>: focus stays inside, Escape cancels). */
export function ConfirmDialog({
  title,
  message,
  actions,
  onCancel,
}: {
  title: string;
  message: string;
  actions: DialogAction[];
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  return (
    <dialog
      ref={ref}
      className="dialog"
      data-testid="confirm-dialog"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-message"
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id="confirm-title" className="dialog-title">
        {title}
      </h2>
      <p id="confirm-message" className="dialog-message">
        {message}
      </p>
      <div className="dialog-actions">
        <button type="button" className="button" data-testid="confirm-cancel" onClick={onCancel}>
          Cancel
        </button>
        {actions.map((action, i) => (
          <button
            key={action.testId}
            type="button"
            className={`button ${action.kind === 'primary' ? 'button-primary' : action.kind === 'danger' ? 'button-danger' : ''}`}
            data-testid={action.testId}
            autoFocus={i === actions.length - 1}
            onClick={action.onSelect}
          >
            {action.label}
          </button>
        ))}
      </div>
    </dialog>
  );
}
