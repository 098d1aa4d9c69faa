import { useEffect, useState } from 'react';

import type { Capabilities } from '../../bindings/Capabilities';
import { useWorkspace } from '../../app/context';

/**
 * What `target`'s provider can do, as the host declares it (the adapter's own `capabilities`,
 * which the conformance suite checks by driving it), so a view offers only what works there.
 * `null` while asking, for no target, or when the host could not answer (the view then offers
 * nothing that depends on it).
 */
export function useTargetCapabilities(target: string | null, adapter: string | null): Capabilities | null {
  const workspace = useWorkspace();
  const [answer, setAnswer] = useState<{ key: string; capabilities: Capabilities } | null>(null);
  // The answer depends on the target's provider too: functory.toml may change it under the same name.
  const key = target ? `${target}\u0000${adapter ?? ''}` : null;

  useEffect(() => {
    if (!key || !target) return;
    let live = true;
    void workspace.targetCapabilities(target).then((outcome) => {
      if (live && outcome.ok) setAnswer({ key, capabilities: outcome.value });
    });
    return () => {
      live = false;
    };
  }, [workspace, key, target]);

  // An answer about the target chosen before is no answer about this one.
  return key && answer?.key === key ? answer.capabilities : null;
}
