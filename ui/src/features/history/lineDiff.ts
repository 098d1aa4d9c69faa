// A line diff for the side-by-side view: the longest common subsequence of lines (after
// trimming the common head and tail), turned into rows where a removed line sits next to the
// line that replaced it.

export type LineKind = 'same' | 'removed' | 'added';

export interface DiffCell {
  /** 1-based line number on its side. */
  number: number;
  text: string;
  kind: LineKind;
}

/** One row of the side-by-side view; a side is null where it has no line (pure add or remove). */
export interface DiffRow {
  left: DiffCell | null;
  right: DiffCell | null;
}

type Op = { kind: 'same'; a: number; b: number } | { kind: 'removed'; a: number } | { kind: 'added'; b: number };

/** Above this many cells the LCS table is not built: the middle is shown as removed then added. */
const MAX_CELLS = 4_000_000;

export function splitLines(text: string | null): string[] {
  if (text === null || text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function diffOps(a: string[], b: string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const ops: Op[] = [];
  for (let i = 0; i < start; i++) ops.push({ kind: 'same', a: i, b: i });

  const n = endA - start;
  const m = endB - start;
  if (n > 0 && m > 0 && n * m <= MAX_CELLS) {
    // lcs[i][j]: the LCS length of a[start+i..endA) and b[start+j..endB).
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] =
          a[start + i] === b[start + j]
            ? lcs[(i + 1) * width + j + 1]! + 1
            : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (a[start + i] === b[start + j]) {
        ops.push({ kind: 'same', a: start + i, b: start + j });
        i++;
        j++;
      } else if (lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!) {
        ops.push({ kind: 'removed', a: start + i });
        i++;
      } else {
        ops.push({ kind: 'added', b: start + j });
        j++;
      }
    }
    for (; i < n; i++) ops.push({ kind: 'removed', a: start + i });
    for (; j < m; j++) ops.push({ kind: 'added', b: start + j });
  } else {
    for (let i = start; i < endA; i++) ops.push({ kind: 'removed', a: i });
    for (let j = start; j < endB; j++) ops.push({ kind: 'added', b: j });
  }

  for (let k = 0; endA + k < a.length; k++) ops.push({ kind: 'same', a: endA + k, b: endB + k });
  return ops;
}

/** The rows of a side-by-side view of two texts (null: the file does not exist on that side). */
export function sideBySide(oldText: string | null, newText: string | null): DiffRow[] {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  const rows: DiffRow[] = [];
  let removed: DiffCell[] = [];
  let added: DiffCell[] = [];
  const flush = () => {
    for (let k = 0; k < Math.max(removed.length, added.length); k++) {
      rows.push({ left: removed[k] ?? null, right: added[k] ?? null });
    }
    removed = [];
    added = [];
  };
  for (const op of diffOps(a, b)) {
    if (op.kind === 'same') {
      flush();
      rows.push({
        left: { number: op.a + 1, text: a[op.a]!, kind: 'same' },
        right: { number: op.b + 1, text: b[op.b]!, kind: 'same' },
      });
    } else if (op.kind === 'removed') {
      removed.push({ number: op.a + 1, text: a[op.a]!, kind: 'removed' });
    } else {
      added.push({ number: op.b + 1, text: b[op.b]!, kind: 'added' });
    }
  }
  flush();
  return rows;
}

export type DiffBlock = { kind: 'rows'; rows: DiffRow[] } | { kind: 'unchanged'; rows: DiffRow[] };

/** Groups rows so long runs of unchanged lines (beyond `context` around each change) can fold. */
export function foldUnchanged(rows: DiffRow[], context = 3): DiffBlock[] {
  const changed = (row: DiffRow) => row.left?.kind !== 'same' || row.right?.kind !== 'same';
  const keep = rows.map(() => false);
  rows.forEach((row, i) => {
    if (!changed(row)) return;
    for (let k = Math.max(0, i - context); k <= Math.min(rows.length - 1, i + context); k++) keep[k] = true;
  });
  const blocks: DiffBlock[] = [];
  let i = 0;
  while (i < rows.length) {
    let j = i;
    const kept = keep[i];
    while (j < rows.length && keep[j] === kept) j++;
    const slice = rows.slice(i, j);
    // A fold must hide enough to be worth a click.
    if (!kept && slice.length > 2) blocks.push({ kind: 'unchanged', rows: slice });
    else {
      const last = blocks[blocks.length - 1];
      if (last?.kind === 'rows') last.rows.push(...slice);
      else blocks.push({ kind: 'rows', rows: slice });
    }
    i = j;
  }
  return blocks;
}
