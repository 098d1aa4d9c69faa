import { useMemo } from 'react';

import { useAppState, useWorkspace } from '../../app/context';
import { isDirty } from '../../app/state';
import { DiagnosticsPanel } from '../diagnostics/DiagnosticsPanel';
import { EditorArea } from '../editor/EditorArea';
import { NoManifestPanel } from '../init/NoManifestPanel';
import { ProjectTree } from '../tree/ProjectTree';
import { FunctionList } from './FunctionList';
import { FunctionSettings } from './FunctionSettings';

/** Files, functions, the editor and the selected function's settings. */
export function FunctionsArea() {
  const workspace = useWorkspace();
  const { project, buffers, activePath, selectedFunction } = useAppState();
  const dirtyPaths = useMemo(() => new Set(buffers.filter(isDirty).map((b) => b.path)), [buffers]);
  if (!project) return null;
  const functions = project.manifest.manifest?.functions ?? [];
  const selected = functions.find((f) => f.name === selectedFunction) ?? null;

  return (
    <div className={`functions-area${selected ? ' has-settings' : ''}`}>
      <nav className="explorer" aria-label="Project">
        <section className="explorer-section explorer-files">
          <header className="section-header">
            <span className="section-title">Files</span>
          </header>
          <ProjectTree
            key={project.root}
            tree={project.tree}
            activePath={activePath}
            dirtyPaths={dirtyPaths}
            onOpenFile={(path) => void workspace.openFile(path)}
          />
        </section>
        <section className="explorer-section explorer-functions" data-testid="function-list">
          <header className="section-header">
            <span className="section-title">Functions</span>
            {project.manifest.manifest && <span className="count-badge">{functions.length}</span>}
          </header>
          <FunctionList
            hasManifest={project.hasManifest}
            parsed={project.manifest}
            selected={selected?.name ?? null}
            onSelect={(name) => workspace.selectFunction(selectedFunction === name ? null : name)}
          />
        </section>
      </nav>
      <div className="workbench">
        {!project.hasManifest && <NoManifestPanel folderName={project.name} />}
        <EditorArea />
        {project.hasManifest && <DiagnosticsPanel diagnostics={project.manifest.diagnostics} />}
      </div>
      {selected && <FunctionSettings key={selected.name} fn={selected} onClose={() => workspace.selectFunction(null)} />}
    </div>
  );
}
