import { javascript } from '@codemirror/lang-javascript';
import { json } from '@codemirror/lang-json';
import { python } from '@codemirror/lang-python';
import { yaml } from '@codemirror/lang-yaml';
import { StreamLanguage } from '@codemirror/language';
import { toml } from '@codemirror/legacy-modes/mode/toml';
import type { Extension } from '@codemirror/state';

import { languageOf } from './languageIds';

const tomlLanguage = StreamLanguage.define(toml);

/** The CodeMirror language support for a file, chosen by its extension. */
export function languageSupport(path: string): Extension {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  switch (languageOf(path)) {
    case 'javascript':
      return javascript({ jsx: ext === 'jsx' });
    case 'typescript':
      return javascript({ typescript: true, jsx: ext === 'tsx' });
    case 'python':
      return python();
    case 'json':
      return json();
    case 'toml':
      return tomlLanguage;
    case 'yaml':
      return yaml();
    case 'plain':
      return [];
  }
}
