import { useEffect } from 'react';

import { Notices } from '../features/notices/Notices';
import { RecoveryBanner } from '../features/recovery/RecoveryBanner';
import { Shell } from '../features/shell/Shell';
import { Welcome } from '../features/welcome/Welcome';
import { useAppState, useWorkspace } from './context';

export function App() {
  const workspace = useWorkspace();
  const { started, project, recovery } = useAppState();

  useEffect(() => {
    void workspace.boot();
  }, [workspace]);

  return (
    <div className="app">
      {recovery.length > 0 && <RecoveryBanner entries={recovery} />}
      <div className="app-main">
        {!started ? (
          <div className="booting" aria-busy="true" aria-label="Starting Functory" />
        ) : project ? (
          <Shell project={project} />
        ) : (
          <Welcome />
        )}
      </div>
      <Notices />
    </div>
  );
}
