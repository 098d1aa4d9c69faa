// Which language a file is, by extension. Kept free of CodeMirror so the shell can use it
// without loading the editor.

export type LanguageId = 'javascript' | 'typescript' | 'python' | 'json' | 'toml' | 'yaml' | 'plain';

const BY_EXTENSION: Record<string, LanguageId> = {
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'javascript',
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  tsx: 'typescript',
  py: 'python',
  json: 'json',
  toml: 'toml',
  yaml: 'yaml',
  yml: 'yaml',
};

export const LANGUAGE_LABELS: Record<LanguageId, string> = {
  javascript: 'JavaScript',
  typescript: 'TypeScript',
  python: 'Python',
  json: 'JSON',
  toml: 'TOML',
  yaml: 'YAML',
  plain: 'Plain text',
};

function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

export function languageOf(path: string): LanguageId {
  return BY_EXTENSION[extensionOf(path)] ?? 'plain';
}
