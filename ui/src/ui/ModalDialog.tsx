import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A native modal <dialog>, open while mounted: focus stays inside, Escape calls `onCancel`
 * (the dialog itself never closes behind React's back).
 */
export function ModalDialog({
  className = 'dialog',
  testId,
  titleId,
  describedBy,
  onCancel,
  children,
}: {
  className?: string;
  testId: string;
  titleId: string;
  describedBy?: string;
  onCancel: () => void;
  children: ReactNode;
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
      className={className}
      data-testid={testId}
      aria-labelledby={titleId}
      aria-describedby={describedBy}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      {children}
    </dialog>
  );
}
