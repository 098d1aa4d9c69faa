import { useEffect, useState, type KeyboardEvent, type ReactNode } from 'react';

import type { TreeNode } from '../../bindings/TreeNode';
import { Icon } from '../../ui/Icon';

function initiallyExpanded(tree: TreeNode): Set<string> {
  return new Set(tree.children.filter((c) => c.isDir).map((c) => c.path));
}

/** The project's files. Folders toggle; files open in the editor. Arrow keys move between rows. */
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

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const items = Array.from(event.currentTarget.querySelectorAll<HTMLElement>('[role="treeitem"]'));
    const index = items.indexOf(document.activeElement as HTMLElement);
    if (index < 0) return;
    const current = items[index]!;
    const path = current.dataset.path ?? '';
    const isDir = current.getAttribute('aria-expanded') !== null;
    const move = (to: number) => {
      event.preventDefault();
      items[Math.max(0, Math.min(items.length - 1, to))]?.focus();
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
        move(items.length - 1);
        break;
      case 'ArrowRight':
        if (isDir) {
          event.preventDefault();
          if (current.getAttribute('aria-expanded') === 'false') toggle(path, true);
          else move(index + 1);
        }
        break;
      case 'ArrowLeft':
        event.preventDefault();
        if (isDir && current.getAttribute('aria-expanded') === 'true') toggle(path, false);
        else {
          const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : null;
          const parentItem = parent === null ? undefined : items.find((i) => i.dataset.path === parent);
          parentItem?.focus();
        }
        break;
    }
  };

  const rows: ReactNode[] = [];
  const walk = (nodes: TreeNode[], depth: number) => {
    for (const node of nodes) {
      const open = expanded.has(node.path);
      rows.push(
        <button
          key={node.path}
          type="button"
          role="treeitem"
          aria-level={depth + 1}
          aria-expanded={node.isDir ? open : undefined}
          aria-selected={!node.isDir && node.path === activePath}
          data-testid={`tree-item-${node.path}`}
          data-path={node.path}
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
      if (node.isDir && open) walk(node.children, depth + 1);
    }
  };
  walk(tree.children, 0);

  return (
    <div className="tree" role="tree" aria-label="Project files" data-testid="project-tree" onKeyDown={onKeyDown}>
      {rows.length > 0 ? rows : <p className="muted small tree-empty">This folder is empty.</p>}
    </div>
  );
}

function extension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : 'none';
}
