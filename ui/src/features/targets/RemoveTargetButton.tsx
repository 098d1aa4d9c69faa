import { useState } from 'react';

import { useWorkspace } from '../../app/context';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Icon } from '../../ui/Icon';

/**
 * Removes `[targets.NAME]` from functory.toml after a confirmation. Only the file changes:
 * whatever was deployed to the target keeps running in the cloud.
 */
export function RemoveTargetButton({
  target,
  testId,
  onRemoved,
}: {
  target: string;
  testId: string;
  onRemoved?: (name: string) => void;
}) {
  const workspace = useWorkspace();
  const [confirming, setConfirming] = useState(false);
  const [removing, setRemoving] = useState(false);

  const remove = async () => {
    setConfirming(false);
    setRemoving(true);
    const outcome = await workspace.removeTarget(target);
    setRemoving(false);
    if (outcome.error) workspace.notify('error', `Could not remove target ${target}: ${outcome.error.message}`, outcome.error.code);
    else onRemoved?.(target);
  };

  return (
    <>
      <button
        type="button"
        className="button button-small button-ghost button-danger"
        data-testid={testId}
        disabled={removing}
        aria-label={`Remove target ${target}`}
        onClick={() => setConfirming(true)}
      >
        <Icon name="trash" size={13} /> {removing ? 'Removing…' : 'Remove'}
      </button>
      {confirming && (
        <ConfirmDialog
          title={`Remove target ${target}?`}
          message={`This removes [targets.${target}] from functory.toml, nothing else. What was deployed to ${target} keeps running in the cloud; delete it there if you no longer need it.`}
          onCancel={() => setConfirming(false)}
          actions={[{ label: `Remove ${target}`, testId: 'confirm-remove-target', kind: 'danger', onSelect: () => void remove() }]}
        />
      )}
    </>
  );
}
