import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

import type { TreeNode } from '../../bindings/TreeNode';
import { Icon } from '../../ui/Icon';
import { useWindowedRows } from '../../ui/useWindowedRows';

/** A row's height (px), as `.tree-row` draws it: the window of rendered rows is computed from it. */
const ROW_HEIGHT = 26;

function initiallyExpanded(tree: TreeNode): Set<string> {
  return new Set(tree.children.filter((c) => c.isDir).map((c) => c.path));
}

/**
 * The project's files. Folders toggle; files open in the editor. Arrow keys move between rows.
 * A long tree renders only the rows in view.
 */
export function ProjectTree({
  tree,
  activePath,
  dirtyPaths,
  onOpenFile,
}: {
  tree: TreeNode;
  activePath: string | null;
  dirtyPaths: ReadonlySet<string>;
  onOpenFile: (path: string) => void;
}) {
  const [expanded, setExpanded] = useState(() => initiallyExpanded(tree));

  // The file shown in the editor is always visible in the tree.
  useEffect(() => {
    if (!activePath) return;
    const parts = activePath.split('/').slice(0, -1);
    const ancestors = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    setExpanded((current) => (ancestors.every((a) => current.has(a)) ? current : new Set([...current, ...ancestors])));
  }, [activePath]);

  const toggle = (path: string, open?: boolean) =>
    setExpanded((current) => {
      const next = new Set(current);
      const shouldOpen = open ?? !next.has(path);
      if (shouldOpen) next.add(path);
      else next.delete(path);
      return next;
    });

  // The visible rows, in order: the tree flattened through the open folders.
  const rows = useMemo(() => {
    const flat: { node: TreeNode; depth: number }[] = [];
    const walk = (nodes: TreeNode[], depth: number) => {
      for (const node of nodes) {
        flat.push({ node, depth });
        if (node.isDir && expanded.has(node.path)) walk(node.children, depth + 1);
      }
    };
    walk(tree.children, 0);
    return flat;
  }, [tree, expanded]);

  const container = useRef<HTMLDivElement>(null);
  const rowWindow = useWindowedRows(rows.length, ROW_HEIGHT, container);
  const { reveal } = rowWindow;
  // A row to focus once it is rendered (keyboard moves may go past the rendered rows).
  const [focusAt, setFocusAt] = useState<number | null>(null);
  useEffect(() => {
    if (focusAt === null) return;
    container.current?.querySelector<HTMLElement>(`[data-index="${focusAt}"]`)?.focus();
    setFocusAt(null);
  }, [focusAt, rowWindow.start, rowWindow.end]);

  // The active file's row is scrolled into view when it changes (once its folders are open).
  const revealed = useRef<string | null>(null);
  useEffect(() => {
    if (!activePath || revealed.current === activePath) return;
    const index = rows.findIndex((r) => r.node.path === activePath);
    if (index < 0) return;
    revealed.current = activePath;
    reveal(index);
  }, [activePath, rows, reveal]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const focused = (document.activeElement as HTMLElement | null)?.dataset.index;
    if (focused === undefined) return;
    const index = Number(focused);
    const row = rows[index];
    if (!row) return;
    const { node } = row;
    const move = (to: number) => {
      event.preventDefault();
      const target = Math.max(0, Math.min(rows.length - 1, to));
      reveal(target);
      setFocusAt(target);
    };
    switch (event.key) {
      case 'ArrowDown':
        move(index + 1);
        break;
      case 'ArrowUp':
        move(index - 1);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(rows.length - 1);
        break;
      case 'ArrowRight':
        if (node.isDir) {
          event.preventDefault();
          if (!expanded.has(node.path)) toggle(node.path, true);
          else move(index + 1);
        }
        break;
      case 'ArrowLeft':
        event.preventDefault();
        if (node.isDir && expanded.has(node.path)) toggle(node.path, false);
        else {
          const parent = node.path.includes('/') ? node.path.slice(0, node.path.lastIndexOf('/')) : null;
          const parentIndex = parent === null ? -1 : rows.findIndex((r) => r.node.path === parent);
          if (parentIndex >= 0) move(parentIndex);
        }
        break;
    }
  };

  const rendered: ReactNode[] = [];
  for (let index = rowWindow.start; index < rowWindow.end; index++) {
    const { node, depth } = rows[index]!;
    const open = expanded.has(node.path);
    rendered.push(
      <button
        key={node.path}
        type="button"
        role="treeitem"
        aria-level={depth + 1}
        aria-expanded={node.isDir ? open : undefined}
        aria-selected={!node.isDir && node.path === activePath}
        aria-setsize={rows.length}
        aria-posinset={index + 1}
        data-testid={`tree-item-${node.path}`}
        data-path={node.path}
        data-index={index}
        className={`tree-row${!node.isDir && node.path === activePath ? ' is-active' : ''}`}
        style={{ paddingLeft: 8 + depth * 14 }}
        title={node.path}
        onClick={() => (node.isDir ? toggle(node.path) : onOpenFile(node.path))}
      >
        <span className={`tree-chevron${node.isDir ? (open ? ' is-open' : '') : ' is-hidden'}`}>
          <Icon name="chevron" size={12} />
        </span>
        <Icon name={node.isDir ? 'folder' : 'file'} size={14} className={node.isDir ? 'tree-icon-folder' : `tree-icon-file ext-${extension(node.name)}`} />
        <span className="tree-name">{node.name}</span>
        {dirtyPaths.has(node.path) && <span className="dirty-dot" aria-label="unsaved changes" />}
      </button>,
    );
  }

  return (
    <div ref={container} className="tree" role="tree" aria-label="Project files" data-testid="project-tree" onKeyDown={onKeyDown}>
      {rows.length === 0 ? (
        <p className="muted small tree-empty">This folder is empty.</p>
      ) : (
        <>
          {rowWindow.before > 0 && <div aria-hidden="true" style={{ height: rowWindow.before }} />}
          {rendered}
          {rowWindow.after > 0 && <div aria-hidden="true" style={{ height: rowWindow.after }} />}
        </>
      )}
    </div>
  );
}

function extension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : 'none';
}
