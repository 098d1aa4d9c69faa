// A small TOML reader for the mock platform: enough of TOML for Functory manifests (tables,
// arrays of tables, dotted keys, strings, numbers, booleans, arrays, inline tables, comments),
// with the character offsets of every key and value so the mock can report diagnostics at the
// line and column the real backend reports.

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

export type Span = [start: number, end: number];

export interface TomlDocument {
  root: TomlTable;
  /** Spans of values, keyed by dotted path (`functions.resize.memory_mb`, `…triggers[0]`). */
  valueSpans: Map<string, Span>;
  /** Spans of keys, keyed like valueSpans. */
  keySpans: Map<string, Span>;
}

export class TomlError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly end: number = offset,
  ) {
    super(message);
  }
}

const BARE_KEY = /[A-Za-z0-9_-]/;

function isTable(value: TomlValue | undefined): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseToml(text: string): TomlDocument {
  return new Reader(text).document();
}

class Reader {
  private pos = 0;
  private readonly root: TomlTable = {};
  private readonly valueSpans = new Map<string, Span>();
  private readonly keySpans = new Map<string, Span>();
  /** Tables created by a `[header]`, which may not be declared twice. */
  private readonly declared = new Set<TomlTable>();
  /** Inline tables and arrays are closed: nothing may be added to them later. */
  private readonly sealed = new Set<object>();

  constructor(private readonly text: string) {}

  document(): TomlDocument {
    let table = this.root;
    let path = '';
    for (;;) {
      this.skipBlankLinesAndComments();
      if (this.pos >= this.text.length) break;
      if (this.text[this.pos] === '[') {
        [table, path] = this.header();
      } else {
        this.keyValue(table, path);
      }
      this.endOfLine();
    }
    return { root: this.root, valueSpans: this.valueSpans, keySpans: this.keySpans };
  }

  private error(message: string, at = this.pos, end = at): never {
    throw new TomlError(message, at, end);
  }

  private peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }

  private skipSpaces(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  private skipComment(): void {
    if (this.peek() === '#') {
      while (this.pos < this.text.length && this.peek() !== '\n') this.pos++;
    }
  }

  private skipBlankLinesAndComments(): void {
    for (;;) {
      this.skipSpaces();
      this.skipComment();
      if (this.peek() === '\n') this.pos++;
      else if (this.peek() === '\r' && this.peek(1) === '\n') this.pos += 2;
      else return;
    }
  }

  /** Whitespace, newlines and comments inside arrays. */
  private skipInsideArray(): void {
    for (;;) {
      const before = this.pos;
      this.skipBlankLinesAndComments();
      if (this.pos === before) return;
    }
  }

  private endOfLine(): void {
    this.skipSpaces();
    this.skipComment();
    if (this.pos >= this.text.length) return;
    if (this.peek() === '\n') {
      this.pos++;
      return;
    }
    if (this.peek() === '\r' && this.peek(1) === '\n') {
      this.pos += 2;
      return;
    }
    this.error('expected newline, `#`');
  }

  private header(): [TomlTable, string] {
    const start = this.pos;
    const isArray = this.peek(1) === '[';
    this.pos += isArray ? 2 : 1;
    this.skipSpaces();
    const keys = this.keyPath();
    this.skipSpaces();
    if (isArray) {
      if (this.peek() !== ']' || this.peek(1) !== ']') this.error('invalid array table header\nexpected `]]`');
      this.pos += 2;
    } else {
      if (this.peek() !== ']') this.error('invalid table header\nexpected `.`, `]`');
      this.pos += 1;
    }
    let table = this.root;
    let path = '';
    keys.forEach(({ key, span }, i) => {
      const last = i === keys.length - 1;
      path = path ? `${path}.${key}` : key;
      const existing = table[key];
      if (last && isArray) {
        if (existing === undefined) {
          table[key] = [];
          this.keySpans.set(path, span);
        }
        const array = table[key];
        if (!Array.isArray(array) || this.sealed.has(array)) {
          this.error(`invalid table header\nduplicate key \`${key}\``, span[0], span[1]);
        }
        const entry: TomlTable = {};
        array.push(entry);
        path = `${path}[${array.length - 1}]`;
        this.valueSpans.set(path, [start, this.pos]);
        table = entry;
        return;
      }
      if (existing === undefined) {
        const created: TomlTable = {};
        table[key] = created;
        this.keySpans.set(path, span);
        if (last) this.valueSpans.set(path, [start, this.pos]);
        table = created;
      } else if (Array.isArray(existing) && !this.sealed.has(existing) && !last) {
        const entry = existing[existing.length - 1];
        if (!isTable(entry)) this.error(`invalid table header\nduplicate key \`${key}\``, span[0], span[1]);
        path = `${path}[${existing.length - 1}]`;
        table = entry;
      } else if (isTable(existing) && !this.sealed.has(existing)) {
        if (last) {
          if (this.declared.has(existing)) {
            this.error(`invalid table header\nduplicate key \`${key}\` in document root`, span[0], span[1]);
          }
          this.valueSpans.set(path, [start, this.pos]);
        }
        table = existing;
      } else {
        this.error(`invalid table header\nduplicate key \`${key}\``, span[0], span[1]);
      }
    });
    this.declared.add(table);
    return [table, path];
  }

  private keyPath(): { key: string; span: Span }[] {
    const keys: { key: string; span: Span }[] = [];
    for (;;) {
      this.skipSpaces();
      const start = this.pos;
      let key: string;
      if (this.peek() === '"') key = this.basicString();
      else if (this.peek() === "'") key = this.literalString();
      else {
        while (BARE_KEY.test(this.peek())) this.pos++;
        if (this.pos === start) this.error('invalid key');
        key = this.text.slice(start, this.pos);
      }
      keys.push({ key, span: [start, this.pos] });
      this.skipSpaces();
      if (this.peek() !== '.') return keys;
      this.pos++;
    }
  }

  private keyValue(table: TomlTable, tablePath: string): void {
    const keys = this.keyPath();
    this.skipSpaces();
    if (this.peek() !== '=') this.error('expected `.`, `=`');
    this.pos++;
    this.skipSpaces();
    this.assign(table, tablePath, keys);
  }

  /** Parses the value after `=` and stores it under the dotted `keys`. */
  private assign(table: TomlTable, tablePath: string, keys: { key: string; span: Span }[]): void {
    let target = table;
    let path = tablePath;
    keys.forEach(({ key, span }, i) => {
      path = path ? `${path}.${key}` : key;
      if (i === keys.length - 1) {
        if (key in target) this.error(`duplicate key \`${key}\``, span[0], span[1]);
        const start = this.pos;
        target[key] = this.value(path);
        this.keySpans.set(path, span);
        this.valueSpans.set(path, [start, this.pos]);
        return;
      }
      const existing = target[key];
      if (existing === undefined) {
        const created: TomlTable = {};
        target[key] = created;
        this.keySpans.set(path, span);
        target = created;
      } else if (isTable(existing) && !this.sealed.has(existing) && !this.declared.has(existing)) {
        target = existing;
      } else {
        this.error(`duplicate key \`${key}\``, span[0], span[1]);
      }
    });
  }

  private value(path: string): TomlValue {
    const c = this.peek();
    if (c === '"') return this.basicString();
    if (c === "'") return this.literalString();
    if (c === '[') return this.array(path);
    if (c === '{') return this.inlineTable(path);
    if (this.text.startsWith('true', this.pos) && !BARE_KEY.test(this.peek(4))) {
      this.pos += 4;
      return true;
    }
    if (this.text.startsWith('false', this.pos) && !BARE_KEY.test(this.peek(5))) {
      this.pos += 5;
      return false;
    }
    const number = /^[+-]?(?:\d[\d_]*)(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
    if (number && !/[A-Za-z:-]/.test(this.peek(number[0].length))) {
      this.pos += number[0].length;
      return Number(number[0].replaceAll('_', ''));
    }
    this.error('invalid string\nexpected `"`, `\'`');
  }

  private basicString(): string {
    if (this.text.startsWith('"""', this.pos)) return this.multilineBasicString();
    const start = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.peek();
      if (c === '' || c === '\n') this.error('invalid basic string', start);
      this.pos++;
      if (c === '"') return out;
      if (c === '\\') out += this.escape();
      else out += c;
    }
  }

  private multilineBasicString(): string {
    const start = this.pos;
    this.pos += 3;
    if (this.peek() === '\n') this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= this.text.length) this.error('invalid multiline basic string', start);
      if (this.text.startsWith('"""', this.pos)) {
        this.pos += 3;
        return out;
      }
      const c = this.peek();
      this.pos++;
      if (c === '\\') {
        if (this.peek() === '\n' || this.peek() === ' ' || this.peek() === '\r') {
          while (/[\s]/.test(this.peek())) this.pos++;
        } else out += this.escape();
      } else out += c;
    }
  }

  private escape(): string {
    const c = this.peek();
    this.pos++;
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\' };
    if (c in simple) return simple[c]!;
    if (c === 'u' || c === 'U') {
      const length = c === 'u' ? 4 : 8;
      const hex = this.text.slice(this.pos, this.pos + length);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length) this.error('invalid unicode escape');
      this.pos += length;
      return String.fromCodePoint(parseInt(hex, 16));
    }
    this.error('invalid escape sequence', this.pos - 2);
  }

  private literalString(): string {
    const start = this.pos;
    if (this.text.startsWith("'''", this.pos)) {
      this.pos += 3;
      if (this.peek() === '\n') this.pos++;
      const end = this.text.indexOf("'''", this.pos);
      if (end < 0) this.error('invalid multiline literal string', start);
      const out = this.text.slice(this.pos, end);
      this.pos = end + 3;
      return out;
    }
    this.pos++;
    const end = this.text.indexOf("'", this.pos);
    const newline = this.text.indexOf('\n', this.pos);
    if (end < 0 || (newline >= 0 && newline < end)) this.error('invalid literal string', start);
    const out = this.text.slice(this.pos, end);
    this.pos = end + 1;
    return out;
  }

  private array(path: string): TomlValue[] {
    this.pos++;
    const out: TomlValue[] = [];
    this.sealed.add(out);
    for (;;) {
      this.skipInsideArray();
      if (this.peek() === ']') {
        this.pos++;
        return out;
      }
      const itemPath = `${path}[${out.length}]`;
      const start = this.pos;
      out.push(this.value(itemPath));
      this.valueSpans.set(itemPath, [start, this.pos]);
      this.skipInsideArray();
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== ']') this.error('invalid array\nexpected `]`');
    }
  }

  private inlineTable(path: string): TomlTable {
    this.pos++;
    const out: TomlTable = {};
    this.skipSpaces();
    if (this.peek() === '}') {
      this.pos++;
      this.sealed.add(out);
      return out;
    }
    for (;;) {
      this.skipSpaces();
      const keys = this.keyPath();
      this.skipSpaces();
      if (this.peek() !== '=') this.error('expected `.`, `=`');
      this.pos++;
      this.skipSpaces();
      this.assign(out, path, keys);
      this.skipSpaces();
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      if (this.peek() === '}') {
        this.pos++;
        this.sealed.add(out);
        return out;
      }
      this.error('invalid inline table\nexpected `}`');
    }
  }
}

/** 1-based line and column (in characters) of `offset` in `text`. */
export function position(text: string, offset: number): { line: number; column: number } {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < clamped; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: Array.from(text.slice(lineStart, clamped)).length + 1 };
}

/** A TOML basic string literal for `value`. */
export function quote(value: string): string {
  return `"${value
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replaceAll('\n', '\\n')
    .replaceAll('\t', '\\t')
    .replaceAll('\r', '\\r')}"`;
}
