// The canvas's drawing of a manifest: a node per trigger, function, declared resource and
// destination the code writes to, and the edges between them, with what each edge needs (from
// the backend's canvas model). Pure: the view decides what the callbacks do.

import { MarkerType, Position, type Edge, type FitViewOptions, type NodeHandle } from '@xyflow/react';

import type { CanvasModel } from '../../bindings/CanvasModel';
import type { Destination } from '../../bindings/Destination';
import type { Function as FunctionModel } from '../../bindings/Function';
import type { LintFinding } from '../../bindings/LintFinding';
import type { Manifest } from '../../bindings/Manifest';
import type { Resource } from '../../bindings/Resource';
import type { Trigger } from '../../bindings/Trigger';
import {
  COLUMN,
  describeTrigger,
  destinationNodeId,
  functionNodeId,
  groupFunctions,
  groupNodeId,
  kindLabel,
  resourceNodeId,
  triggerNodeIds,
  type Grouping,
  type Layout,
  type Point,
} from './model';
import type { CanvasNode, PermissionEdgeType } from './nodes';

/** The node of a trigger being added, before it is saved. */
export const DRAFT_ID = 'draft';
/** Lint rules about a function URL: shown on the URL's edge as well as on the function. */
const URL_RULES = ['LMB001', 'LMB002'];
/**
 * Above this many functions the first view frames the first few instead of the whole project,
 * which at that size would be too small to read (and would draw every node at once).
 */
export const FRAME_ALL_UP_TO = 40;
/** A node's usual size (px), as styles.css draws `.canvas-node`, until it is measured. */
export const NODE_SIZE = { width: 220, height: 72 };

/** A trigger being added: drawn, not yet in functory.toml. */
export interface Draft {
  trigger: Trigger;
  function: string;
  position: Point;
}

/** What the drawing needs from the view. */
export interface DrawingInput {
  manifest: Manifest;
  /** The backend's model of edges and destinations; `null` until it answers. */
  canvas: CanvasModel | null;
  groups: Layout['groups'];
  placeOf: (id: string) => Point;
  findingsOf: (fn: string) => LintFinding[];
  draft: Draft | null;
  on: {
    openResource: (resource: Resource) => void;
    openTrigger: (fn: FunctionModel, index: number, nodeId: string) => void;
    fixFinding: (finding: LintFinding) => void;
    reviewFindings: () => void;
  };
}

export function drawCanvas({ manifest, canvas, groups, placeOf, findingsOf, draft, on }: DrawingInput): {
  nodes: CanvasNode[];
  edges: (PermissionEdgeType | Edge)[];
} {
  const nodes: CanvasNode[] = [];
  const edges: (PermissionEdgeType | Edge)[] = [];
  const seenDestinations = new Set<string>();
  const drawnByName = new Map((canvas?.functions ?? []).map((f) => [f.name, f]));
  const writtenResources = new Map<string, Destination>();
  for (const f of canvas?.functions ?? []) {
    for (const d of f.destinations) if (d.resource && !writtenResources.has(d.resource)) writtenResources.set(d.resource, d);
  }
  for (const group of groups) {
    nodes.push({
      id: group.id,
      type: 'group-title',
      position: group.place,
      draggable: false,
      // Selectable (though selecting one does nothing): React Flow leaves unselectable nodes
      // out when it draws only what is in view.
      deletable: false,
      focusable: false,
      data: { label: group.label, count: group.count },
    });
  }
  for (const resource of manifest.resources) {
    const id = resourceNodeId(resource.name);
    nodes.push({
      id,
      type: 'resource',
      position: placeOf(id),
      ariaLabel: `${resource.kind} ${resource.name}, declared in functory.toml. Enter to edit, Delete to remove.`,
      data: { resource, written: writtenResources.get(resource.name) ?? null, onOpen: () => on.openResource(resource) },
    });
  }
  for (const fn of manifest.functions) {
    const fnId = functionNodeId(fn.name);
    nodes.push({
      id: fnId,
      type: 'function',
      position: placeOf(fnId),
      deletable: false,
      ariaLabel: `Function ${fn.name}`,
      data: {
        fn,
        findings: findingsOf(fn.name),
        onFixFinding: on.fixFinding,
        onReviewFindings: on.reviewFindings,
      },
    });
    const ids = triggerNodeIds(fn);
    const drawn = drawnByName.get(fn.name) ?? null;
    fn.triggers.forEach((trigger, index) => {
      const id = ids[index]!;
      nodes.push({
        id,
        type: 'trigger',
        position: placeOf(id),
        ariaLabel: `${kindLabel(trigger.kind)} ${describeTrigger(trigger)}, triggers ${fn.name}. Enter to edit, Delete to remove.`,
        data: { fn: fn.name, index, trigger, draft: false, onOpen: () => on.openTrigger(fn, index, id) },
      });
      const edge = drawn?.edges[index];
      if (edge?.resource) {
        edges.push({
          id: `feeds:${edge.resource}:${id}`,
          source: resourceNodeId(edge.resource),
          target: id,
          deletable: false,
          className: 'feeds-edge',
          markerEnd: { type: MarkerType.ArrowClosed },
        });
      }
      if (!edge) {
        edges.push({ id: `edge:${id}`, source: id, target: fnId, deletable: false, markerEnd: { type: MarkerType.ArrowClosed } });
        return;
      }
      edges.push({
        id: `edge:${id}`,
        source: id,
        target: fnId,
        type: 'permission',
        deletable: false,
        markerEnd: { type: MarkerType.ArrowClosed },
        data: {
          fn,
          edge,
          triggerId: id,
          findings: trigger.kind === 'url' ? findingsOf(fn.name).filter((f) => URL_RULES.includes(f.code)) : [],
          onFixFinding: on.fixFinding,
        },
      });
    });
    for (const d of drawn?.destinations ?? []) {
      const id = d.resource ? resourceNodeId(d.resource) : destinationNodeId(d);
      if (!d.resource && !seenDestinations.has(id)) {
        seenDestinations.add(id);
        nodes.push({ id, type: 'destination', position: placeOf(id), deletable: false, data: { destination: d } });
      }
      edges.push({
        id: `write:${fn.name}:${id}`,
        source: fnId,
        target: id,
        deletable: false,
        label: d.actions.join(', '),
        className: 'write-edge',
        markerEnd: { type: MarkerType.ArrowClosed },
      });
    }
  }
  if (draft) {
    nodes.push({
      id: DRAFT_ID,
      type: 'trigger',
      position: draft.position,
      selected: true,
      data: { fn: null, index: null, trigger: draft.trigger, draft: true, onOpen: () => undefined },
    });
    edges.push({ id: 'edge:draft', source: DRAFT_ID, target: functionNodeId(draft.function), className: 'draft-edge', animated: true, deletable: false });
  }
  // A big project's nodes get a size and handles before they are first measured: with them,
  // the canvas leaves out nodes outside the view from the start, instead of rendering every
  // node once to measure it (seconds at a thousand functions). Drawn nodes are measured.
  if (manifest.functions.length > FRAME_ALL_UP_TO) {
    for (const n of nodes) {
      n.initialWidth ??= NODE_SIZE.width;
      n.initialHeight ??= NODE_SIZE.height;
      n.handles ??= estimatedHandles(n.type);
    }
  }
  return { nodes, edges };
}

/**
 * Where the canvas looks first: the whole project when it is small; else its first functions
 * (of the first group, when grouped) and their triggers, readable at once.
 */
export function firstViewFor(manifest: Manifest, grouping: Grouping): FitViewOptions {
  if (manifest.functions.length <= FRAME_ALL_UP_TO) return { padding: 0.2, maxZoom: 1 };
  const [group, members] = groupFunctions(manifest, grouping)[0]!;
  const ids: string[] = grouping === 'none' ? [] : [groupNodeId(group)];
  for (const fn of members.slice(0, 8)) ids.push(functionNodeId(fn.name), ...triggerNodeIds(fn));
  return { padding: 0.1, maxZoom: 1, nodes: ids.map((id) => ({ id })) };
}

/** Where a node's handles are until it is measured: left (in) and right (out), mid-height. */
function estimatedHandles(type: CanvasNode['type']): NodeHandle[] {
  if (type === 'group-title') return [];
  const y = NODE_SIZE.height / 2 - 4;
  const target: NodeHandle = { type: 'target', position: Position.Left, x: -4, y, width: 8, height: 8 };
  if (type === 'destination') return [target];
  return [target, { type: 'source', position: Position.Right, x: NODE_SIZE.width - 4, y, width: 8, height: 8 }];
}

/** Below the lowest trigger in the trigger column, for a trigger added from the menu. */
export function freeTriggerSpot(nodes: CanvasNode[]): Point {
  const triggers = nodes.filter((n) => n.type === 'trigger');
  const lowest = triggers.reduce((y, n) => Math.max(y, n.position.y), -110);
  return { x: COLUMN.trigger, y: lowest + 110 };
}
