// The Triggers view: a canvas drawn from functory.toml (triggers → functions → where functions
// write), where every change is a manifest edit. The canvas is never the source of truth: it
// redraws from the project state, which follows the file (saves in the editor, Reload, visual
// edits), and remembers only where the user put the nodes (`.functory/canvas.json`).

import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type Edge,
  type FitViewOptions,
  type NodeChange,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { CanvasModel } from '../../bindings/CanvasModel';
import type { Function as FunctionModel } from '../../bindings/Function';
import type { LintFinding } from '../../bindings/LintFinding';
import type { Manifest } from '../../bindings/Manifest';
import type { ManifestEdit } from '../../bindings/ManifestEdit';
import type { Resource } from '../../bindings/Resource';
import type { ResourceKind } from '../../bindings/ResourceKind';
import type { Trigger } from '../../bindings/Trigger';
import { useAppState, useWorkspace } from '../../app/context';
import { MANIFEST_PATH } from '../../app/state';
import { Icon } from '../../ui/Icon';
import { useColorScheme } from '../theme/useColorScheme';
import { SEVERITIES } from '../security/SecurityArea';
import {
  defaultLayout,
  defaultResource,
  defaultTrigger,
  freeResourceName,
  resourceNodeId,
  functionNodeId,
  KINDS,
  triggerNodeIds,
  type Grouping,
  type Point,
  type TriggerKind,
} from './model';
import {
  DestinationNode,
  FunctionNode,
  GroupTitleNode,
  PermissionEdge,
  ResourceNode,
  TriggerNode,
  type CanvasNode,
  type PermissionEdgeType,
} from './nodes';
import { CanvasNavigator } from './CanvasNavigator';
import { CanvasToolbar, DRAG_TYPE } from './CanvasToolbar';
import { DRAFT_ID, drawCanvas, firstViewFor, FRAME_ALL_UP_TO, freeTriggerSpot, NODE_SIZE, type Draft } from './drawing';
import { ResourceForm } from './ResourceForm';
import { TriggerForm, type FormTarget } from './TriggerForm';

const nodeTypes = {
  trigger: TriggerNode,
  function: FunctionNode,
  destination: DestinationNode,
  resource: ResourceNode,
  'group-title': GroupTitleNode,
};
const edgeTypes = { permission: PermissionEdge };

/** A deleted trigger or resource, for Ctrl+Z. */
type Deleted =
  | { function: string; trigger: Trigger; position: Point | null }
  | { resource: Resource; position: Point | null };

/** The resource form's subject: a declared resource, or a new one. */
interface ResourceFormState {
  resource: Resource;
  isNew: boolean;
}

const rank = (severity: string) => {
  const i = SEVERITIES.indexOf(severity as (typeof SEVERITIES)[number]);
  return i < 0 ? SEVERITIES.length : i;
};

export default function TriggersArea() {
  const { project } = useAppState();
  const workspace = useWorkspace();
  const manifest = project?.manifest.manifest ?? null;

  // The project on disk may have changed outside the app since the last look.
  useEffect(() => {
    void workspace.reload();
  }, [workspace]);

  if (!manifest) {
    return (
      <section className="empty-state" data-testid="triggers-no-manifest">
        <div className="empty-state-icon">
          <Icon name="triggers" size={28} />
        </div>
        <h1 className="empty-state-title">Triggers</h1>
        <p className="empty-state-what">
          {project?.hasManifest
            ? 'functory.toml has problems, so its triggers cannot be drawn. Fix them and the canvas comes back.'
            : 'This folder has no functory.toml yet; create one from the Functions area.'}
        </p>
        <div className="empty-state-actions">
          {project?.hasManifest && (
            <button type="button" className="button" onClick={() => void workspace.openFile(MANIFEST_PATH)}>
              <Icon name="file" size={14} /> Open functory.toml
            </button>
          )}
          <button type="button" className="button" onClick={() => workspace.setArea('functions')}>
            <Icon name="functions" size={14} /> Go to Functions
          </button>
        </div>
      </section>
    );
  }
  if (manifest.functions.length === 0) {
    return (
      <section className="empty-state" data-testid="triggers-empty">
        <div className="empty-state-icon">
          <Icon name="triggers" size={28} />
        </div>
        <h1 className="empty-state-title">No functions to trigger yet</h1>
        <p className="empty-state-what">
          The trigger designer draws how events — HTTP routes, schedules, uploads, queues, streams and function URLs — reach
          your functions. Create a function first; its triggers appear here.
        </p>
        <div className="empty-state-actions">
          <button type="button" className="button button-primary" data-testid="triggers-empty-go-functions" onClick={() => workspace.setArea('functions')}>
            <Icon name="functions" size={14} /> Go to Functions
          </button>
        </div>
      </section>
    );
  }
  return (
    <ReactFlowProvider>
      <Designer manifest={manifest} />
    </ReactFlowProvider>
  );
}

function Designer({ manifest }: { manifest: Manifest }) {
  const workspace = useWorkspace();
  const { lint, selectedFunction } = useAppState();
  const colorScheme = useColorScheme();
  const flow = useReactFlow();
  const [layout, setLayout] = useState<Map<string, Point> | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [form, setForm] = useState<{ nodeId: string; target: FormTarget } | null>(null);
  const [resourceForm, setResourceForm] = useState<ResourceFormState | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const undo = useRef<Deleted[]>([]);

  useEffect(() => {
    let current = true;
    void workspace.canvasLayout().then((outcome) => {
      if (!current) return;
      // An unreadable layout is not worth more than an automatic one.
      setLayout(new Map(outcome.ok ? outcome.value.positions.map((p) => [p.id, { x: p.x, y: p.y }]) : []));
    });
    return () => {
      current = false;
    };
  }, [workspace]);

  // Each edge's needs and each function's destinations, from the Rust side (which asks the
  // analyzer what the code writes). Until it answers, edges draw without labels.
  const [canvas, setCanvas] = useState<CanvasModel | null>(null);
  // The canvas is first drawn once the layout and the model have answered (or failed), so it
  // fits its view to where the nodes end up instead of jumping after the first drawing.
  const [modelAnswered, setModelAnswered] = useState(false);
  // The model depends on the manifest's content, not on which object holds it: a reload that
  // finds the file unchanged asks nothing again (at hundreds of functions, that is the analyzer
  // over every handler).
  const manifestKey = useMemo(() => JSON.stringify(manifest), [manifest]);
  useEffect(() => {
    let current = true;
    void workspace.canvasModel().then((outcome) => {
      if (!current) return;
      if (outcome.ok) setCanvas(outcome.value);
      setModelAnswered(true);
    });
    return () => {
      current = false;
    };
  }, [workspace, manifestKey]);

  const [grouping, setGrouping] = useState<Grouping>('none');
  const defaults = useMemo(() => defaultLayout(manifest, canvas, grouping), [manifest, canvas, grouping]);
  const placeOf = useCallback((id: string): Point => layout?.get(id) ?? defaults.places.get(id) ?? { x: 0, y: 0 }, [layout, defaults]);

  const persist = useCallback(
    (next: Map<string, Point>) => {
      setLayout(next);
      void workspace
        .saveCanvasLayout({ positions: [...next.entries()].map(([id, p]) => ({ id, x: p.x, y: p.y })) })
        .then((outcome) => {
          if (!outcome.ok) setNotice(`Could not remember the layout: ${outcome.error.message}`);
        });
    },
    [workspace],
  );

  // Each function's findings, gathered in one pass over the project's findings.
  const findingsByFunction = useMemo(() => {
    const byFunction = new Map<string, LintFinding[]>();
    for (const f of lint ?? []) {
      if (f.function === null || f.suppressed !== null) continue;
      const list = byFunction.get(f.function);
      if (list) list.push(f);
      else byFunction.set(f.function, [f]);
    }
    for (const list of byFunction.values()) list.sort((a, b) => rank(a.severity) - rank(b.severity));
    return byFunction;
  }, [lint]);
  const findingsOf = useCallback((fn: string): LintFinding[] => findingsByFunction.get(fn) ?? [], [findingsByFunction]);

  const openTrigger = useCallback(
    (fn: FunctionModel, index: number, nodeId: string) => {
      const trigger = fn.triggers[index];
      if (!trigger) return;
      setResourceForm(null);
      setForm({ nodeId, target: { origin: { function: fn.name, index }, function: fn.name, trigger } });
    },
    [],
  );

  // The drawing of the manifest (plus the unsaved draft).
  const model = useMemo(
    () =>
      drawCanvas({
        manifest,
        canvas,
        groups: defaults.groups,
        placeOf,
        findingsOf,
        draft,
        on: {
          openResource: (resource) => setResourceForm({ resource, isNew: false }),
          openTrigger,
          fixFinding: (finding) => void workspace.applyLintFix(finding, false),
          reviewFindings: () => workspace.setArea('security'),
        },
      }),
    [manifest, placeOf, findingsOf, draft, workspace, openTrigger, canvas, defaults],
  );

  // React Flow moves nodes while they are dragged; the model replaces them whenever it changes.
  const [nodes, setNodes] = useState<CanvasNode[]>(model.nodes);
  useEffect(() => {
    setNodes((current) => {
      const selected = new Set(current.filter((n) => n.selected).map((n) => n.id));
      return model.nodes.map((n) => (selected.has(n.id) ? { ...n, selected: true } : n));
    });
  }, [model.nodes]);

  const onNodesChange = useCallback((changes: NodeChange<CanvasNode>[]) => {
    // Removals go through the manifest (onBeforeDelete), never straight off the canvas.
    setNodes((current) => applyNodeChanges(changes.filter((c) => c.type !== 'remove'), current));
  }, []);

  const positionOf = (id: string): Point | null => {
    const node = nodes.find((n) => n.id === id);
    return node ? { ...node.position } : null;
  };

  const applyEdits = async (edits: ManifestEdit[]): Promise<ApiError | null> => {
    const outcome = await workspace.applyManifestEdits(edits);
    return outcome.error;
  };

  /**
   * Moves a trigger to another function: removed first (a route or bucket rule would otherwise
   * conflict with its own old self), then added; if the add is refused, the original goes back.
   */
  const moveTrigger = async (from: string, index: number, original: Trigger, to: string, trigger: Trigger): Promise<ApiError | null> => {
    const outcome = await workspace.applyManifestEdits([
      { kind: 'removeTrigger', function: from, index },
      { kind: 'addTrigger', function: to, trigger },
    ]);
    if (outcome.error && outcome.applied === 1) {
      const restored = await workspace.applyManifestEdits([{ kind: 'addTrigger', function: from, trigger: original }]);
      if (restored.error) return { ...outcome.error, message: `${outcome.error.message} (and putting it back failed: ${restored.error.message})` };
    }
    return outcome.error;
  };

  /** After an edit, the trigger's node has a new id: carry its position over. */
  const rememberAt = (fn: string, index: number | 'last', position: Point | null) => {
    if (!position) return;
    const model = workspace.getState().project?.manifest.manifest?.functions.find((f) => f.name === fn);
    if (!model) return;
    const ids = triggerNodeIds(model);
    const id = index === 'last' ? ids[ids.length - 1] : ids[index];
    if (!id) return;
    const next = new Map(layout ?? []);
    next.set(id, position);
    persist(next);
  };

  const startDraft = (kind: TriggerKind, position: Point | null, fn: string | null) => {
    const first = manifest.functions[0]!.name;
    const target = fn ?? (selectedFunction && manifest.functions.some((f) => f.name === selectedFunction) ? selectedFunction : first);
    const place = position ?? freeTriggerSpot(nodes);
    const trigger = defaultTrigger(kind);
    setResourceForm(null);
    setDraft({ trigger, function: target, position: place });
    setForm({ nodeId: DRAFT_ID, target: { origin: null, function: target, trigger } });
    setNotice(null);
  };

  const save = async (target: FormTarget, trigger: Trigger, fn: string): Promise<ApiError | null> => {
    const nodeId = form?.nodeId ?? DRAFT_ID;
    const position = nodeId === DRAFT_ID ? (draft?.position ?? null) : positionOf(nodeId);
    const origin = target.origin;
    let error: ApiError | null;
    if (!origin) {
      error = await applyEdits([{ kind: 'addTrigger', function: fn, trigger }]);
      if (!error) rememberAt(fn, 'last', position);
    } else if (origin.function === fn) {
      error = await applyEdits([{ kind: 'updateTrigger', function: fn, index: origin.index, trigger }]);
      if (!error) rememberAt(fn, origin.index, position);
    } else {
      error = await moveTrigger(origin.function, origin.index, target.trigger, fn, trigger);
      if (!error) rememberAt(fn, 'last', position);
    }
    if (error) return error;
    setForm(null);
    if (!origin) setDraft(null);
    return null;
  };

  const deleteTriggers = async (targets: { fn: string; index: number; id: string }[]) => {
    // From the highest index down, so the indexes of the rest stay right.
    const ordered = [...targets].sort((a, b) => (a.fn === b.fn ? b.index - a.index : a.fn.localeCompare(b.fn)));
    for (const t of ordered) {
      const fn = manifest.functions.find((f) => f.name === t.fn);
      const trigger = fn?.triggers[t.index];
      if (!trigger) continue;
      const position = positionOf(t.id);
      const error = await applyEdits([{ kind: 'removeTrigger', function: t.fn, index: t.index }]);
      if (error) {
        setNotice(`Could not delete the trigger: ${error.message}`);
        return;
      }
      undo.current.push({ function: t.fn, trigger, position });
    }
    if (form && targets.some((t) => t.id === form.nodeId)) setForm(null);
    setNotice(`Deleted ${targets.length === 1 ? 'a trigger' : `${targets.length} triggers`}. Ctrl+Z brings ${targets.length === 1 ? 'it' : 'them'} back.`);
  };

  const undoDelete = async () => {
    const last = undo.current.pop();
    if (!last) return;
    if ('resource' in last) {
      const error = await applyEdits([{ kind: 'setResource', resource: last.resource }]);
      if (error) {
        undo.current.push(last);
        setNotice(`Could not restore the resource: ${error.message}`);
        return;
      }
      // Where the user had put it, if they had: an automatic place is given anew, since the
      // others may have moved into the old one.
      if (last.position && layout?.has(resourceNodeId(last.resource.name))) {
        const next = new Map(layout);
        next.set(resourceNodeId(last.resource.name), last.position);
        persist(next);
      }
      setNotice(`Restored ${last.resource.name}.`);
      return;
    }
    const error = await applyEdits([{ kind: 'addTrigger', function: last.function, trigger: last.trigger }]);
    if (error) {
      undo.current.push(last);
      setNotice(`Could not restore the trigger: ${error.message}`);
      return;
    }
    rememberAt(last.function, 'last', last.position);
    setNotice('Restored the deleted trigger.');
  };

  const deleteResource = async (resource: Resource) => {
    const position = positionOf(resourceNodeId(resource.name));
    const error = await applyEdits([{ kind: 'removeResource', name: resource.name }]);
    if (error) {
      setNotice(`Could not delete ${resource.name}: ${error.message}`);
      return;
    }
    undo.current.push({ resource, position });
    if (resourceForm?.resource.name === resource.name) setResourceForm(null);
    setNotice(`Deleted ${resource.name} from functory.toml (what names it is unchanged). Ctrl+Z brings it back.`);
  };

  const saveResource = async (resource: Resource): Promise<ApiError | null> => {
    const error = await applyEdits([{ kind: 'setResource', resource }]);
    if (error) return error;
    // A new node may land outside the view (left of the triggers): bring everything in.
    if (resourceForm?.isNew) setTimeout(() => void flow.fitView({ padding: 0.2, maxZoom: 1, duration: 150 }), 100);
    setResourceForm(null);
    setNotice(`Saved ${resource.name} in functory.toml.`);
    return null;
  };

  const startResource = (kind: ResourceKind) => {
    setForm(null);
    setDraft(null);
    setNotice(null);
    setResourceForm({ resource: defaultResource(kind, freeResourceName(kind, manifest.resources)), isNew: true });
  };

  const onBeforeDelete = async ({ nodes: doomed }: { nodes: CanvasNode[]; edges: Edge[] }) => {
    if (doomed.some((n) => n.id === DRAFT_ID)) {
      setDraft(null);
      if (form?.nodeId === DRAFT_ID) setForm(null);
    }
    const targets = doomed.flatMap((n) =>
      n.type === 'trigger' && n.data.fn !== null && n.data.index !== null ? [{ fn: n.data.fn, index: n.data.index, id: n.id }] : [],
    );
    if (targets.length > 0) await deleteTriggers(targets);
    for (const n of doomed) if (n.type === 'resource') await deleteResource(n.data.resource);
    // The manifest decides what disappears: the canvas redraws from it.
    return false;
  };

  const onConnect = (connection: Connection) => {
    const targetFn = connection.target.startsWith('fn:') ? connection.target.slice(3) : null;
    if (!targetFn) return;
    if (connection.source === DRAFT_ID && draft) {
      setDraft({ ...draft, function: targetFn });
      setForm((f) => (f && f.nodeId === DRAFT_ID ? { ...f, target: { ...f.target, function: targetFn } } : f));
      return;
    }
    const source = nodes.find((n) => n.id === connection.source);
    if (source?.type !== 'trigger' || source.data.fn === null || source.data.index === null || source.data.fn === targetFn) return;
    const from = source.data.fn;
    const index = source.data.index;
    const trigger = source.data.trigger;
    const position = positionOf(source.id);
    void moveTrigger(from, index, trigger, targetFn, trigger).then((error) => {
      if (error) setNotice(`Could not move the trigger to ${targetFn}: ${error.message}`);
      else {
        rememberAt(targetFn, 'last', position);
        setNotice(`Moved the trigger from ${from} to ${targetFn}.`);
      }
    });
  };

  const onDrop = (event: DragEvent) => {
    const kind = event.dataTransfer.getData(DRAG_TYPE) as TriggerKind;
    if (!KINDS.some((k) => k.kind === kind)) return;
    event.preventDefault();
    const position = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
    // The nearest function is the likely target; the form (or a connection) can change it.
    const nearest = nodes
      .filter((n) => n.type === 'function')
      .map((n) => ({ fn: n.id.slice(3), d: Math.hypot(n.position.x - position.x, n.position.y - position.y) }))
      .sort((a, b) => a.d - b.d)[0];
    startDraft(kind, position, nearest?.fn ?? null);
  };

  // Ctrl+Z anywhere in the view (a deleted node took the focus with it, so listen on the
  // window while the view is shown), but never while a form field is being edited.
  const undoRef = useRef(undoDelete);
  undoRef.current = undoDelete;
  useEffect(() => {
    const onKeyDown = (event: globalThis.KeyboardEvent) => {
      const editing = event.target instanceof HTMLElement && event.target.closest('input, textarea, select, [contenteditable="true"], .cm-editor');
      if (editing) return;
      if ((event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey && event.key.toLowerCase() === 'z') {
        event.preventDefault();
        void undoRef.current();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  /** Centres the canvas on a function and selects it, however far away it is drawn. */
  const showFunction = (name: string) => {
    const id = functionNodeId(name);
    const node = flow.getNode(id);
    const at = node?.position ?? placeOf(id);
    const width = node?.measured?.width ?? 240;
    const height = node?.measured?.height ?? 80;
    void flow.setCenter(at.x + width / 2, at.y + height / 2, { zoom: 1, duration: 200 });
    setNodes((current) => current.map((n) => (n.selected !== (n.id === id) ? { ...n, selected: n.id === id } : n)));
    workspace.selectFunction(name);
  };

  // Only the first drawing uses it: later changes must not move the user's view.
  const [firstView] = useState(() => firstViewFor(manifest, grouping));
  // Arranged anew, the view frames the first group once React Flow has the moved nodes.
  const fitAfterArranging = useRef<FitViewOptions | null>(null);
  useEffect(() => {
    const options = fitAfterArranging.current;
    if (!options) return;
    fitAfterArranging.current = null;
    if (!options.nodes) {
      void flow.fitView({ ...options, duration: 150 });
      return;
    }
    // The framed nodes' places as this render has them (React Flow's own may lag a frame).
    const places = options.nodes.map((n) => placeOf(n.id));
    const left = Math.min(...places.map((p) => p.x));
    const top = Math.min(...places.map((p) => p.y));
    const right = Math.max(...places.map((p) => p.x)) + NODE_SIZE.width;
    const bottom = Math.max(...places.map((p) => p.y)) + NODE_SIZE.height;
    void flow.fitBounds({ x: left, y: top, width: right - left, height: bottom - top }, { padding: 0.1, duration: 150 });
  }, [nodes, flow, placeOf]);

  const formTarget = form?.target ?? null;
  const formFn = formTarget ? manifest.functions.find((f) => f.name === formTarget.origin?.function) : null;

  return (
    <div className="view triggers-view" data-testid="triggers-view">
      <CanvasToolbar onAddTrigger={(kind) => startDraft(kind, null, null)} onAddResource={startResource} />
      <CanvasNavigator
        functions={manifest.functions}
        onFound={showFunction}
        grouping={grouping}
        onGrouping={(next) => {
          fitAfterArranging.current = firstViewFor(manifest, next);
          setGrouping(next);
        }}
      />
      {notice && (
        <p className="view-status triggers-notice" role="status" data-testid="triggers-notice">
          {notice}
        </p>
      )}
      <div className="triggers-body">
        <div className="triggers-canvas" data-testid="triggers-canvas" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
          {layout === null || !modelAnswered ? (
            <p className="muted triggers-drawing" data-testid="triggers-drawing">
              Drawing the triggers…
            </p>
          ) : (
            <ReactFlow<CanvasNode, PermissionEdgeType | Edge>
              nodes={nodes}
              edges={model.edges}
              nodeTypes={nodeTypes}
              edgeTypes={edgeTypes}
              onNodesChange={onNodesChange}
              onBeforeDelete={onBeforeDelete}
              onConnect={onConnect}
              isValidConnection={(c) => (c.source === DRAFT_ID || c.source.startsWith('trigger:')) && c.target.startsWith('fn:')}
              onSelectionChange={({ nodes: selected }) => {
                // Tab to a node and press Enter (React Flow selects it): its form opens, as on a click.
                const only = selected.length === 1 ? selected[0] : undefined;
                if (only?.type === 'trigger' && !only.data.draft && only.data.fn !== null && only.data.index !== null && form?.nodeId !== only.id) {
                  const fn = manifest.functions.find((f) => f.name === only.data.fn);
                  if (fn) openTrigger(fn, only.data.index, only.id);
                } else if (only?.type === 'resource' && resourceForm?.resource.name !== only.data.resource.name) {
                  setForm(null);
                  setResourceForm({ resource: only.data.resource, isNew: false });
                }
              }}
              onNodeClick={(_, node) => {
                if (node.type === 'trigger' && !node.data.draft && node.data.fn !== null && node.data.index !== null) {
                  const fn = manifest.functions.find((f) => f.name === node.data.fn);
                  if (fn) openTrigger(fn, node.data.index, node.id);
                } else if (node.type === 'function') {
                  workspace.selectFunction(node.data.fn.name);
                } else if (node.type === 'resource') {
                  setForm(null);
                  setResourceForm({ resource: node.data.resource, isNew: false });
                }
              }}
              onNodeDragStop={(_, __, moved) => {
                if (!layout) return;
                const next = new Map(layout);
                let draftMoved: Point | null = null;
                for (const n of moved) {
                  if (n.id === DRAFT_ID) draftMoved = n.position;
                  else next.set(n.id, n.position);
                }
                if (draftMoved && draft) setDraft({ ...draft, position: draftMoved });
                // Only nodes that still exist are remembered, so the file does not grow forever.
                const live = new Set(nodes.map((n) => n.id));
                for (const id of [...next.keys()]) if (!live.has(id)) next.delete(id);
                persist(next);
              }}
              deleteKeyCode={['Delete', 'Backspace']}
              colorMode={colorScheme}
              fitView
              fitViewOptions={firstView}
              minZoom={0.05}
              // Only nodes and edges in view are in the page: hundreds of functions pan and zoom
              // as smoothly as a few.
              onlyRenderVisibleElements
              proOptions={{ hideAttribution: true }}
            >
              <Background gap={20} />
              <Controls showInteractive={false} />
              {/* An overview is for a canvas bigger than the view; a small one is all in view. */}
              {manifest.functions.length > FRAME_ALL_UP_TO && (
                <MiniMap
                  pannable
                  zoomable
                  ariaLabel="Overview of the whole canvas: drag to move the view"
                  nodeClassName={(node) => `minimap-${node.type ?? 'node'}`}
                />
              )}
            </ReactFlow>
          )}
        </div>
        {resourceForm && !form && (
          <ResourceForm
            key={`${resourceForm.isNew ? 'new' : 'edit'}:${JSON.stringify(resourceForm.resource)}`}
            resource={resourceForm.resource}
            isNew={resourceForm.isNew}
            queues={manifest.resources.filter((r) => r.kind === 'queue').map((r) => r.name)}
            onSave={saveResource}
            onDelete={() => (resourceForm.isNew ? setResourceForm(null) : void deleteResource(resourceForm.resource))}
            onClose={() => setResourceForm(null)}
          />
        )}
        {form && (
          <TriggerForm
            key={`${form.nodeId}:${JSON.stringify(form.target.origin)}:${JSON.stringify(formFn?.triggers[form.target.origin?.index ?? -1] ?? null)}`}
            target={form.target}
            functions={manifest.functions}
            onSave={save}
            onDelete={
              form.target.origin
                ? () => void deleteTriggers([{ fn: form.target.origin!.function, index: form.target.origin!.index, id: form.nodeId }])
                : () => {
                    setDraft(null);
                    setForm(null);
                  }
            }
            onClose={() => {
              setForm(null);
              setDraft(null);
            }}
            onFunctionChange={(fn) => setDraft((d) => (d ? { ...d, function: fn } : d))}
            onDraftChange={(trigger) => setDraft((d) => (d ? { ...d, trigger } : d))}
          />
        )}
      </div>
    </div>
  );
}
