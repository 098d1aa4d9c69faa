// The trigger canvas's toolbar: the palette of trigger kinds (drag one onto the canvas, or press
// it) and the "Add trigger" and "Add resource" menus, keyboard-operable (arrows move, Escape
// closes, focus starts on the first item).

import { useEffect, useRef, useState, type KeyboardEvent } from 'react';

import type { ResourceKind } from '../../bindings/ResourceKind';
import { Icon } from '../../ui/Icon';
import { KINDS, RESOURCE_KINDS, type TriggerKind } from './model';

/** The drag-and-drop type a palette item carries: its trigger kind. */
export const DRAG_TYPE = 'application/x-functory-trigger';

export function CanvasToolbar({
  onAddTrigger,
  onAddResource,
}: {
  onAddTrigger: (kind: TriggerKind) => void;
  onAddResource: (kind: ResourceKind) => void;
}) {
  const [menuOpen, setMenuOpen] = useState(false);
  const [resourceMenuOpen, setResourceMenuOpen] = useState(false);
  const menuRef = useRef<HTMLDivElement>(null);
  const resourceMenuRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (menuOpen) menuRef.current?.querySelector<HTMLButtonElement>('[role="menuitem"]')?.focus();
  }, [menuOpen]);
  useEffect(() => {
    if (resourceMenuOpen) resourceMenuRef.current?.querySelector<HTMLButtonElement>('[role="menuitem"]')?.focus();
  }, [resourceMenuOpen]);
  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const items = [...event.currentTarget.querySelectorAll<HTMLButtonElement>('[role="menuitem"]')];
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const next = (at + (event.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
      items[next]?.focus();
    } else if (event.key === 'Escape') {
      setMenuOpen(false);
      setResourceMenuOpen(false);
    }
  };

  return (
    <div className="triggers-toolbar">
      <div className="triggers-palette" aria-label="Trigger kinds: drag one onto the canvas, or press it to add">
        {KINDS.map((k) => (
          <button
            key={k.kind}
            type="button"
            className={`palette-item kind-${k.kind}`}
            data-testid={`palette-${k.kind}`}
            draggable
            title={`${k.hint}. Drag onto the canvas, or press to add.`}
            onDragStart={(e) => {
              e.dataTransfer.setData(DRAG_TYPE, k.kind);
              e.dataTransfer.effectAllowed = 'copy';
            }}
            onClick={() => onAddTrigger(k.kind)}
          >
            <Icon name="triggers" size={12} /> {k.label}
          </button>
        ))}
      </div>
      <div className="triggers-menu">
        <button
          type="button"
          className="button button-primary button-small"
          data-testid="add-trigger"
          aria-haspopup="menu"
          aria-expanded={menuOpen}
          onClick={() => setMenuOpen((v) => !v)}
        >
          <Icon name="plus" size={14} /> Add trigger
        </button>
        {menuOpen && (
          <div ref={menuRef} className="menu" role="menu" aria-label="Add a trigger" onKeyDown={onMenuKeyDown}>
            {KINDS.map((k) => (
              <button
                key={k.kind}
                type="button"
                role="menuitem"
                className="menu-item"
                data-testid={`add-trigger-${k.kind}`}
                onClick={() => {
                  setMenuOpen(false);
                  onAddTrigger(k.kind);
                }}
              >
                <strong>{k.label}</strong> <span className="muted small">{k.hint}</span>
              </button>
            ))}
          </div>
        )}
      </div>
      <div className="triggers-menu">
        <button
          type="button"
          className="button button-small"
          data-testid="add-resource"
          aria-haspopup="menu"
          aria-expanded={resourceMenuOpen}
          title="Declare a bucket, queue, table, topic or event bus in functory.toml"
          onClick={() => setResourceMenuOpen((v) => !v)}
        >
          <Icon name="plus" size={14} /> Add resource
        </button>
        {resourceMenuOpen && (
          <div ref={resourceMenuRef} className="menu" role="menu" aria-label="Add a resource" onKeyDown={onMenuKeyDown}>
            {RESOURCE_KINDS.map((k) => (
              <button
                key={k.kind}
                type="button"
                role="menuitem"
                className="menu-item"
                data-testid={`add-resource-${k.kind}`}
                onClick={() => {
                  setResourceMenuOpen(false);
                  onAddResource(k.kind);
                }}
              >
                <strong>{k.label}</strong> <span className="muted small">{k.hint}</span>
              </button>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
