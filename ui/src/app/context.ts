import { createContext, useContext, useSyncExternalStore } from 'react';

import type { AppState } from './state';
import type { Workspace } from './workspace';

export const WorkspaceContext = createContext<Workspace | null>(null);

export function useWorkspace(): Workspace {
  const workspace = useContext(WorkspaceContext);
  if (!workspace) throw new Error('useWorkspace outside <WorkspaceContext.Provider>');
  return workspace;
}

export function useAppState(): AppState {
  const workspace = useWorkspace();
  return useSyncExternalStore(workspace.subscribe, workspace.getState);
}
