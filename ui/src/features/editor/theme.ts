import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import type { Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { oneDark } from '@codemirror/theme-one-dark';

import type { ColorScheme } from '../theme/useColorScheme';

// Sizes and fonts shared by both schemes; colours come from the app's CSS variables so the
// editor sits flush with the rest of the window.
const shared = EditorView.theme({
  '&': { height: '100%', fontSize: '13px' },
  '.cm-scroller': { fontFamily: 'var(--font-mono)', lineHeight: '1.6' },
  '.cm-content': { padding: '8px 0' },
  '.cm-gutters': { borderRight: '1px solid var(--border-subtle)' },
  '.cm-lineNumbers .cm-gutterElement': { padding: '0 10px 0 14px', minWidth: '36px' },
  '&.cm-focused': { outline: 'none' },
  '.cm-tooltip': { borderRadius: '6px', border: '1px solid var(--border)', boxShadow: 'var(--shadow-md)' },
  '.cm-diagnostic': { fontFamily: 'var(--font-ui)', fontSize: '12px', padding: '4px 8px' },
});

const light = [
  EditorView.theme(
    {
      '&': { backgroundColor: 'var(--editor-bg)', color: 'var(--text)' },
      '.cm-gutters': { backgroundColor: 'var(--editor-bg)', color: 'var(--text-faint)' },
      '.cm-activeLine': { backgroundColor: 'var(--editor-active-line)' },
      '.cm-activeLineGutter': { backgroundColor: 'var(--editor-active-line)', color: 'var(--text)' },
      '.cm-selectionBackground': { backgroundColor: 'var(--editor-selection-blur)' },
      '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground': {
        backgroundColor: 'var(--editor-selection)',
      },
      '.cm-cursor': { borderLeftColor: 'var(--accent)' },
      '.cm-tooltip': { backgroundColor: 'var(--surface)', color: 'var(--text)' },
    },
    { dark: false },
  ),
  syntaxHighlighting(defaultHighlightStyle),
];

const dark = [
  oneDark,
  EditorView.theme(
    {
      '&': { backgroundColor: 'var(--editor-bg)' },
      '.cm-gutters': { backgroundColor: 'var(--editor-bg)' },
    },
    { dark: true },
  ),
];

export function editorTheme(scheme: ColorScheme): Extension {
  return [shared, scheme === 'dark' ? dark : light];
}
