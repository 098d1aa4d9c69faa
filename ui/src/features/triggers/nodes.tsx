// The canvas's node and edge drawings: triggers (left), functions (middle, with their security
// findings), destinations (right), and trigger → function edges labelled with the permission
// they imply.

import { BaseEdge, EdgeLabelRenderer, getBezierPath, Handle, Position, type Edge, type EdgeProps, type Node, type NodeProps } from '@xyflow/react';
import { useState } from 'react';

import type { Function as FunctionModel } from '../../bindings/Function';
import type { LintFinding } from '../../bindings/LintFinding';
import type { Trigger } from '../../bindings/Trigger';
import { Icon } from '../../ui/Icon';
import type { Destination } from '../../bindings/Destination';
import type { TriggerEdge } from '../../bindings/TriggerEdge';
import type { Resource } from '../../bindings/Resource';
import { describeResource, describeTrigger, kindLabel, resourceKindLabel } from './model';
import { STATUS_TEXT } from './PermissionSummary';

export type TriggerNodeData = {
  fn: string | null;
  index: number | null;
  trigger: Trigger;
  draft: boolean;
  onOpen: () => void;
};
export type FunctionNodeData = {
  fn: FunctionModel;
  findings: LintFinding[];
  onFixFinding: (finding: LintFinding) => void;
  onReviewFindings: () => void;
};
export type DestinationNodeData = { destination: Destination };
export type ResourceNodeData = {
  resource: Resource;
  /** What functions write to it, when they do (drawn into its left side). */
  written: Destination | null;
  onOpen: () => void;
};
export type PermissionEdgeData = {
  fn: FunctionModel;
  edge: TriggerEdge;
  triggerId: string;
  /** The security linter's findings about this trigger (a function URL's auth and CORS). */
  findings: LintFinding[];
  onFixFinding: (finding: LintFinding) => void;
};

/** A group's title above its block, when the canvas is arranged by trigger kind or folder. */
export type GroupNodeData = { label: string; count: number };

export type TriggerNodeType = Node<TriggerNodeData, 'trigger'>;
export type FunctionNodeType = Node<FunctionNodeData, 'function'>;
export type DestinationNodeType = Node<DestinationNodeData, 'destination'>;
export type ResourceNodeType = Node<ResourceNodeData, 'resource'>;
export type GroupNodeType = Node<GroupNodeData, 'group-title'>;
export type CanvasNode = TriggerNodeType | FunctionNodeType | DestinationNodeType | ResourceNodeType | GroupNodeType;
export type PermissionEdgeType = Edge<PermissionEdgeData, 'permission'>;

export function TriggerNode({ data, selected }: NodeProps<TriggerNodeType>) {
  return (
    <div
      className={`canvas-node trigger-node kind-${data.trigger.kind}${data.draft ? ' is-draft' : ''}${selected ? ' is-selected' : ''}`}
      data-testid="trigger-node"
      data-function={data.fn ?? ''}
      data-index={data.index ?? ''}
      data-kind={data.trigger.kind}
      data-draft={data.draft ? 'true' : 'false'}
      onDoubleClick={data.onOpen}
    >
      {/* Where a declared resource the trigger names feeds it. */}
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="canvas-node-kind">
        <Icon name="triggers" size={12} /> {kindLabel(data.trigger.kind)}
        {data.draft && <span className="draft-badge">not saved</span>}
      </div>
      <div className="canvas-node-title mono">{describeTrigger(data.trigger)}</div>
      <Handle type="source" position={Position.Right} aria-label="Drag to a function to connect" />
    </div>
  );
}

export function FunctionNode({ data, selected }: NodeProps<FunctionNodeType>) {
  const { fn, findings } = data;
  const [open, setOpen] = useState(false);
  const worst = findings[0];
  return (
    <div
      className={`canvas-node function-node${selected ? ' is-selected' : ''}${findings.length ? ' has-findings' : ''}`}
      data-testid="function-node"
      data-function={fn.name}
    >
      <Handle type="target" position={Position.Left} aria-label={`Connect a trigger to ${fn.name}`} />
      <div className="canvas-node-kind">
        <Icon name="functions" size={12} /> Function
      </div>
      <div className="canvas-node-title">{fn.name}</div>
      <div className="canvas-node-sub mono small">
        {fn.runtime} · {fn.memoryMb} MB
      </div>
      {worst && (
        <div className="function-findings nodrag">
          <button
            type="button"
            className={`finding-badge severity-${worst.severity}`}
            data-testid="function-node-findings"
            aria-expanded={open}
            onClick={() => setOpen((v) => !v)}
          >
            <Icon name="security" size={12} /> {findings.length} finding{findings.length === 1 ? '' : 's'}
          </button>
          {open && (
            <ul className="plain-list function-findings-list">
              {findings.map((f) => (
                <li key={f.id} data-testid="function-node-finding" data-code={f.code}>
                  <span className="mono small">{f.code}</span> <span className="small">{f.message}</span>{' '}
                  {f.fix?.applicability === 'safe' ? (
                    <button type="button" className="button button-small button-primary" data-testid="function-node-fix" onClick={() => data.onFixFinding(f)}>
                      Fix
                    </button>
                  ) : (
                    <button type="button" className="link-button small" data-testid="function-node-review" onClick={data.onReviewFindings}>
                      Review in Security
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}

const DESTINATION_LABEL: Record<Destination['kind'], string> = {
  bucket: 'Bucket',
  queue: 'Queue',
  table: 'Table',
  stream: 'Stream',
  topic: 'Topic',
};

export function DestinationNode({ data }: NodeProps<DestinationNodeType>) {
  const d = data.destination;
  return (
    <div
      className={`canvas-node destination-node kind-${d.kind}`}
      data-testid="destination-node"
      data-kind={d.kind}
      data-name={d.name}
      data-sources={d.sources.join(' ')}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="canvas-node-kind">{DESTINATION_LABEL[d.kind]}</div>
      <div className="canvas-node-title mono">{d.name}</div>
      <div className="canvas-node-meta muted small" data-testid="destination-source">
        {d.sources.includes('code')
          ? d.sources.includes('permission')
            ? 'written by the code, granted'
            : 'written by the code, not granted'
          : 'granted, not written by the code'}
      </div>
    </div>
  );
}

/** A declared resource: feeds the triggers that name it (right), takes what functions write (left). */
export function ResourceNode({ data, selected }: NodeProps<ResourceNodeType>) {
  const r = data.resource;
  const summary = describeResource(r);
  return (
    <div
      className={`canvas-node resource-node kind-${r.kind}${selected ? ' is-selected' : ''}`}
      data-testid="resource-node"
      data-name={r.name}
      data-kind={r.kind}
      data-sources={data.written?.sources.join(' ') ?? ''}
      onDoubleClick={data.onOpen}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="canvas-node-kind">
        {resourceKindLabel(r.kind)} <span className="draft-badge">declared</span>
      </div>
      <div className="canvas-node-title mono">{r.name}</div>
      {summary && <div className="canvas-node-meta muted small mono">{summary}</div>}
      {data.written && (
        <div className="canvas-node-meta muted small" data-testid="destination-source">
          {data.written.sources.includes('code')
            ? data.written.sources.includes('permission')
              ? 'written by the code, granted'
              : 'written by the code, not granted'
            : 'granted, not written by the code'}
        </div>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}

export function GroupTitleNode({ data }: NodeProps<GroupNodeType>) {
  return (
    <div className="canvas-group-title" data-testid="canvas-group" data-group={data.label}>
      {data.label} <span className="muted small">{data.count === 1 ? '1 function' : `${data.count} functions`}</span>
    </div>
  );
}

export function PermissionEdge({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, markerEnd }: EdgeProps<PermissionEdgeType>) {
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });
  if (!data) return <BaseEdge id={id} path={path} markerEnd={markerEnd} />;
  const { status, needs } = data.edge;
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} className={`permission-edge is-${status}`} />
      <EdgeLabelRenderer>
        <div
          className={`edge-label nodrag nopan is-${status}`}
          style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
          data-testid="permission-edge"
          data-trigger={data.triggerId}
          data-status={status}
          title={`${STATUS_TEXT[status]}. ${data.edge.deniedBy ?? needs.detail}`}
        >
          <span className="edge-label-text mono">{needs.label}</span>
          {data.findings.map((f) => (
            <span key={f.id} className={`finding-badge severity-${f.severity}`} data-testid="permission-edge-finding" data-code={f.code} title={f.message}>
              {f.code}
              {f.fix?.applicability === 'safe' && (
                <button type="button" className="link-button" data-testid="permission-edge-finding-fix" onClick={() => data.onFixFinding(f)}>
                  fix
                </button>
              )}
            </span>
          ))}
        </div>
      </EdgeLabelRenderer>
    </>
  );
}
