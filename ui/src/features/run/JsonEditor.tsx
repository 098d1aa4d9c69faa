// The event editor: CodeMirror with JSON highlighting, the editor's theme, Ctrl+Enter to invoke,
// and the host's "not valid JSON" error underlined where it points. Loaded lazily, like the file
// editor, so the Run view draws before CodeMirror is parsed.

import { indentWithTab } from '@codemirror/commands';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { Annotation, Compartment, EditorState, Prec } from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';

import { languageSupport } from '../editor/languages';
import { editorTheme } from '../editor/theme';
import type { ColorScheme } from '../theme/useColorScheme';

/** Marks text set from outside (a sample chosen, another function picked): not a user edit. */
const External = Annotation.define<boolean>();
const themeSlot = new Compartment();

export interface JsonErrorMark {
  line: number;
  column: number;
  message: string;
}

export default function JsonEditor({
  value,
  scheme,
  error,
  onChange,
  onSubmit,
}: {
  value: string;
  scheme: ColorScheme;
  /** Where the event's JSON is broken, to underline; null when it is fine. */
  error: JsonErrorMark | null;
  onChange: (text: string) => void;
  onSubmit: () => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  const onSubmitRef = useRef(onSubmit);

  useEffect(() => {
    onChangeRef.current = onChange;
    onSubmitRef.current = onSubmit;
  });

  useEffect(() => {
    const created = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          // Ahead of basicSetup's Mod-Enter (insert a blank line): here it invokes.
          Prec.highest(keymap.of([{ key: 'Mod-Enter', run: () => (onSubmitRef.current(), true) }])),
          basicSetup,
          keymap.of([indentWithTab]),
          lintGutter(),
          languageSupport('event.json'),
          themeSlot.of(editorTheme(scheme)),
          EditorView.contentAttributes.of({ 'aria-label': 'Event (JSON)' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged && !update.transactions.every((tr) => tr.annotation(External))) {
              onChangeRef.current(update.state.doc.toString());
            }
          }),
        ],
      }),
    });
    view.current = created;
    return () => {
      created.destroy();
      view.current = null;
    };
    // Created once; later values arrive through the effect below.
  }, []);

  useEffect(() => {
    const v = view.current;
    if (!v || v.state.doc.toString() === value) return;
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value }, annotations: External.of(true) });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({ effects: themeSlot.reconfigure(editorTheme(scheme)) });
  }, [scheme]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    if (!error) {
      v.dispatch(setDiagnostics(v.state, []));
      return;
    }
    const doc = v.state.doc;
    const line = doc.line(Math.min(Math.max(error.line, 1), doc.lines));
    const from = Math.min(line.from + Math.max(error.column, 1) - 1, line.to);
    const to = Math.min(from + 1, line.to);
    v.dispatch(setDiagnostics(v.state, [{ from, to: Math.max(from, to), severity: 'error', message: error.message }]));
  }, [error, value]);

  return <div ref={host} className="code-editor run-event-code" />;
}
