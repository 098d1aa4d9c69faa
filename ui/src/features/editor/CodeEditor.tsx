// One CodeMirror view for all tabs: each tab keeps its own EditorState (text, undo history,
// selection), swapped in when the tab becomes active. Loaded lazily so the shell draws before
// the editor's code is parsed.

import { indentWithTab } from '@codemirror/commands';
import { lintGutter, setDiagnostics, type Diagnostic as CmDiagnostic } from '@codemirror/lint';
import { Annotation, Compartment, EditorSelection, EditorState, type Extension } from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';

import type { Diagnostic } from '../../bindings/Diagnostic';
import type { Buffer, JumpRequest } from '../../app/state';
import type { ColorScheme } from '../theme/useColorScheme';
import { languageSupport } from './languages';
import { editorTheme } from './theme';

/** Marks changes that come from outside the editor (refresh, restore): not user edits. */
const External = Annotation.define<boolean>();
const languageSlot = new Compartment();
const themeSlot = new Compartment();
const editableSlot = new Compartment();

function editability(readOnly: boolean): Extension {
  return [EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)];
}

interface Stored {
  state: EditorState;
  revision: number;
}

function toCodeMirror(state: EditorState, diagnostics: Diagnostic[]): CmDiagnostic[] {
  const doc = state.doc;
  const offset = (line: number, column: number) => {
    const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
    return Math.min(l.from + Math.max(column, 1) - 1, l.to);
  };
  return diagnostics.map((d) => {
    const from = offset(d.line, d.column);
    let to = Math.max(from, offset(d.endLine, d.endColumn));
    // A zero-width range is hard to see: underline at least one character.
    if (to === from) to = Math.min(from + 1, doc.lineAt(from).to);
    return { from, to, severity: d.severity, message: d.message, source: d.field ?? undefined };
  });
}

export default function CodeEditor({
  buffer,
  openPaths,
  scheme,
  diagnostics,
  jump,
  onChange,
}: {
  buffer: Buffer;
  openPaths: readonly string[];
  scheme: ColorScheme;
  /** Problems to underline in this file, or null for none. */
  diagnostics: Diagnostic[] | null;
  jump: JumpRequest | null;
  onChange: (path: string, text: string) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const stored = useRef(new Map<string, Stored>());
  const shownPath = useRef<string | null>(null);
  const onChangeRef = useRef(onChange);
  const schemeRef = useRef(scheme);

  useEffect(() => {
    onChangeRef.current = onChange;
    schemeRef.current = scheme;
  });

  const createState = (b: Buffer): EditorState =>
    EditorState.create({
      doc: b.text,
      extensions: [
        basicSetup,
        // Tab indents; Escape then Tab still moves focus out of the editor.
        keymap.of([indentWithTab]),
        lintGutter(),
        languageSlot.of(languageSupport(b.path)),
        themeSlot.of(editorTheme(schemeRef.current)),
        editableSlot.of(editability(b.readOnly)),
        EditorView.contentAttributes.of({ 'aria-label': `Contents of ${b.path}` }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged && !update.transactions.every((tr) => tr.annotation(External))) {
            onChangeRef.current(b.path, update.state.doc.toString());
          }
        }),
      ],
    });

  // Created once; destroyed with the component.
  useEffect(() => {
    const created = new EditorView({ parent: host.current! });
    view.current = created;
    return () => {
      created.destroy();
      view.current = null;
      shownPath.current = null;
    };
  }, []);

  // Show the active buffer; bring in text replaced from outside (refresh, restore).
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const map = stored.current;
    if (shownPath.current !== buffer.path) {
      if (shownPath.current !== null && map.has(shownPath.current)) {
        map.set(shownPath.current, { state: v.state, revision: map.get(shownPath.current)!.revision });
      }
      const existing = map.get(buffer.path);
      v.setState(existing ? existing.state : createState(buffer));
      if (!existing) map.set(buffer.path, { state: v.state, revision: buffer.revision });
      shownPath.current = buffer.path;
      v.dispatch({ effects: themeSlot.reconfigure(editorTheme(scheme)) });
      v.focus();
    }
    const entry = map.get(buffer.path)!;
    if (entry.revision !== buffer.revision) {
      if (v.state.doc.toString() !== buffer.text) {
        v.dispatch({
          changes: { from: 0, to: v.state.doc.length, insert: buffer.text },
          annotations: External.of(true),
        });
      }
      map.set(buffer.path, { state: v.state, revision: buffer.revision });
    }
    // Only the path and revision decide what is shown; the theme has its own effect.
  }, [buffer.path, buffer.revision]);

  useEffect(() => {
    view.current?.dispatch({ effects: editableSlot.reconfigure(editability(buffer.readOnly)) });
  }, [buffer.path, buffer.readOnly]);

  useEffect(() => {
    view.current?.dispatch({ effects: themeSlot.reconfigure(editorTheme(scheme)) });
  }, [scheme]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    v.dispatch(setDiagnostics(v.state, diagnostics ? toCodeMirror(v.state, diagnostics) : []));
  }, [buffer.path, buffer.revision, diagnostics]);

  useEffect(() => {
    const v = view.current;
    if (!v || !jump || jump.path !== buffer.path) return;
    const doc = v.state.doc;
    const line = doc.line(Math.min(Math.max(jump.line, 1), doc.lines));
    const at = Math.min(line.from + Math.max(jump.column, 1) - 1, line.to);
    v.dispatch({ selection: EditorSelection.cursor(at), effects: EditorView.scrollIntoView(at, { y: 'center' }) });
    v.focus();
  }, [jump, buffer.path]);

  // Forget the states of closed tabs.
  useEffect(() => {
    for (const path of stored.current.keys()) {
      if (!openPaths.includes(path)) stored.current.delete(path);
    }
  }, [openPaths]);

  return <div ref={host} className="code-editor" />;
}
