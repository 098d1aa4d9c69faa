// Finding one's way on a big canvas: a search field that centres the canvas on a function
// (Ctrl+F or "/" reaches it; names are suggested while typing, the first 20 that match), and
// how functions the user has not moved are arranged.

import { useEffect, useMemo, useRef, useState } from 'react';

import type { Function as FunctionModel } from '../../bindings/Function';
import { GROUPINGS, type Grouping } from './model';

export function CanvasNavigator({
  functions,
  onFound,
  grouping,
  onGrouping,
}: {
  functions: FunctionModel[];
  /** A function the search found: the view shows it. */
  onFound: (name: string) => void;
  grouping: Grouping;
  onGrouping: (grouping: Grouping) => void;
}) {
  const [query, setQuery] = useState('');
  const [findProblem, setFindProblem] = useState<string | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  // Names offered while typing: the first few that contain what is typed, not thousands at once.
  const suggestions = useMemo(() => {
    const typed = query.trim().toLowerCase();
    if (!typed) return [];
    const found: string[] = [];
    for (const f of functions) {
      if (f.name.toLowerCase().includes(typed)) found.push(f.name);
      if (found.length === 20) break;
    }
    return found;
  }, [functions, query]);
  const findFunction = (text: string) => {
    const wanted = text.trim();
    if (!wanted) return;
    const exact = functions.find((f) => f.name === wanted);
    const lower = wanted.toLowerCase();
    const fn = exact ?? functions.find((f) => f.name.toLowerCase().includes(lower));
    if (!fn) {
      setFindProblem(`No function is named like "${wanted}".`);
      return;
    }
    setFindProblem(null);
    onFound(fn.name);
  };
  // Ctrl+F (or "/") in the view goes to the search field.
  useEffect(() => {
    const onKeyDown = (event: globalThis.KeyboardEvent) => {
      const typing = event.target instanceof HTMLElement && event.target.closest('input, textarea, select, [contenteditable="true"]');
      if ((event.key === 'f' && (event.ctrlKey || event.metaKey)) || (event.key === '/' && !typing)) {
        event.preventDefault();
        searchRef.current?.focus();
        searchRef.current?.select();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  return (
    <div className="triggers-navigator">
      <form
        className="triggers-find"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          findFunction(query);
        }}
      >
        <input
          ref={searchRef}
          type="search"
          className="input input-small"
          data-testid="canvas-find"
          aria-label="Find a function on the canvas"
          placeholder={`Find one of ${functions.length} functions (Ctrl+F)`}
          list="canvas-find-functions"
          value={query}
          onChange={(event) => {
            setQuery(event.target.value);
            setFindProblem(null);
            // Picking a name from the list finds it at once.
            if (functions.some((f) => f.name === event.target.value)) findFunction(event.target.value);
          }}
        />
        <datalist id="canvas-find-functions">
          {suggestions.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
      </form>
      <label className="field-label triggers-grouping">
        Arrange{' '}
        <select
          data-testid="canvas-grouping"
          value={grouping}
          title="How functions that you have not moved are arranged"
          onChange={(event) => onGrouping(event.target.value as Grouping)}
        >
          {GROUPINGS.map((g) => (
            <option key={g.grouping} value={g.grouping}>
              {g.label}
            </option>
          ))}
        </select>
      </label>
      {findProblem && (
        <span className="field-error small" role="alert" data-testid="canvas-find-problem">
          {findProblem}
        </span>
      )}
    </div>
  );
}
