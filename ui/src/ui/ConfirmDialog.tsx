import { ModalDialog } from './ModalDialog';

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
  return (
    <ModalDialog testId="confirm-dialog" titleId="confirm-title" describedBy="confirm-message" onCancel={onCancel}>
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
    </ModalDialog>
  );
}
