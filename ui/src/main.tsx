import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { App } from './app/App';
import { WorkspaceContext } from './app/context';
import { Workspace } from './app/workspace';
import { loadPlatform } from './platform';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

loadPlatform().then(
  (platform) => {
    const workspace = new Workspace(platform);
    root.render(
      <StrictMode>
        <WorkspaceContext.Provider value={workspace}>
          <App />
        </WorkspaceContext.Provider>
      </StrictMode>,
    );
  },
  (error: unknown) => {
    root.render(<p className="fatal">Functory could not start: {String(error)}</p>);
  },
);
