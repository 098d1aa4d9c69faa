import { useEffect, useState } from 'react';

import type { Capabilities } from '../../bindings/Capabilities';
import { useWorkspace } from '../../app/context';

/**
 * What `target`'s provider can do, as the host declares it (the adapter's own `capabilities`,
 * which the conformance suite checks by driving it), so a view offers only what works there.
 * `null` while asking, for no target, or when the host could not answer (the view then offers
 * nothing that depends on it).
 */
export function useTargetCapabilities(target: string | null): Capabilities | null {
  const workspace = useWorkspace();
  const [answer, setAnswer] = useState<{ target: string; capabilities: Capabilities } | null>(null);

  useEffect(() => {
    if (!target) return;
    let live = true;
    void workspace.targetCapabilities(target).then((outcome) => {
      if (live && outcome.ok) setAnswer({ target, capabilities: outcome.value });
    });
    return () => {
      live = false;
    };
  }, [workspace, target]);

  // An answer about the target chosen before is no answer about this one.
  return target && answer?.target === target ? answer.capabilities : null;
}
