// The mock's git history of a project folder: commits are snapshots of the folder's files,
// deploys are records pointing at a commit. It answers like functory-history: checkpoints that
// commit nothing when nothing changed, refusals mid-merge and on a detached HEAD, timelines
// filtered by a function's files, diffs with both sides in full, and restores that checkpoint
// the current state first.

import type { ApiError } from '../../bindings/ApiError';
import type { Checkpoint } from '../../bindings/Checkpoint';
import type { DeployRecord } from '../../bindings/DeployRecord';
import type { FileDiff } from '../../bindings/FileDiff';
import type { TimelineEntry } from '../../bindings/TimelineEntry';
import type { WorktreeStatus } from '../../bindings/WorktreeStatus';

interface MockCommit {
  id: string;
  summary: string;
  author: string;
  time: number;
  /** The whole folder as it was committed. */
  files: Map<string, string>;
  /** The files this commit changed (against its parent). */
  changed: string[];
}

export interface HistoryOptions {
  /** HEAD starts detached (`?history=detached`) until a branch is created. */
  detached: boolean;
  /** An operation in progress (`?history=merge`, `?history=rebase`): checkpoints are refused. */
  operation: string | null;
}

function fail(code: ApiError['code'], message: string): never {
  throw { code, message } satisfies ApiError;
}

/** A 40-hex id from the commit's content, like a git object id (not the same hash). */
function commitId(seed: string): string {
  let out = '';
  for (let round = 0; out.length < 40; round++) {
    let h = 0x811c9dc5 ^ round;
    for (let i = 0; i < seed.length; i++) {
      h ^= seed.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 40);
}

const short = (id: string) => id.slice(0, 10);
const isBinary = (text: string) => text.slice(0, 8000).includes('\u0000');

/** Whether `path` is one of `paths` or inside one of them (all files when `paths` is empty). */
function within(path: string, paths: string[]): boolean {
  return paths.length === 0 || paths.some((p) => path === p || path.startsWith(`${p}/`));
}

function changedBetween(before: Map<string, string>, after: Map<string, string>): string[] {
  const all = new Set([...before.keys(), ...after.keys()]);
  return [...all].filter((path) => before.get(path) !== after.get(path)).sort();
}

export class MockHistory {
  private readonly commits: MockCommit[] = [];
  private readonly deploys: DeployRecord[] = [];
  private branch: string | null;
  private detached: boolean;
  private readonly branches = new Set<string>();
  private counter = 0;

  constructor(
    /** The folder's files now (live: the mock's disk). */
    private readonly files: () => Map<string, string>,
    private readonly options: HistoryOptions,
  ) {
    this.detached = options.detached;
    this.branch = options.detached ? null : 'main';
    this.branches.add('main');
  }

  private get disk(): Map<string, string> {
    return this.files();
  }

  private head(): MockCommit | null {
    return this.commits[this.commits.length - 1] ?? null;
  }

  /** Adds a commit of `files` (the seeded history of the sample). */
  seedCommit(summary: string, author: string, time: number, files: Map<string, string>): string {
    const parent = this.head()?.files ?? new Map<string, string>();
    const id = commitId(`${summary}\n${time}\n${this.counter++}\n${[...files].join('\n')}`);
    this.commits.push({ id, summary, author, time, files: new Map(files), changed: changedBetween(parent, files) });
    return id;
  }

  seedDeploy(record: DeployRecord): void {
    this.deploys.push(record);
  }

  /** The folder as it was at `revision` (a full id or a prefix), like `git archive`. */
  filesAt(revision: string): { commit: string; files: Map<string, string> } {
    const found = this.commits.find((c) => c.id === revision || (revision.length >= 4 && c.id.startsWith(revision)));
    if (!found) fail('not_found', `no commit ${revision} in this repository`);
    return { commit: found.id, files: new Map(found.files) };
  }

  /** Who deploys, for deploy records (the repository's git identity). */
  who(): string {
    return 'Ada Lovelace <ada@example.com>';
  }

  status(): WorktreeStatus {
    const head = this.head()?.files ?? new Map<string, string>();
    return {
      state: this.options.operation ?? 'clean',
      branch: this.detached ? null : this.branch,
      detached: this.detached,
      changedFiles: changedBetween(head, this.disk),
    };
  }

  private ensureCommittable(): void {
    const operation = this.options.operation;
    if (operation) {
      fail(
        'operation_in_progress',
        `the repository is in the middle of a ${operation}: finish it or abort it (\`git ${operation} --continue\` or \`git ${operation} --abort\`) before Functory makes a checkpoint`,
      );
    }
    if (this.detached) {
      fail(
        'detached_head',
        `HEAD is detached (at ${short(this.head()?.id ?? '0000000000')}): a checkpoint there would be lost when you switch branches. Create a branch first — Functory can do it for you — or \`git switch -c NAME\``,
      );
    }
  }

  checkpoint(message: string): Checkpoint {
    const summary = message.trim();
    if (!summary) fail('invalid_input', 'a checkpoint needs a message');
    this.ensureCommittable();
    const head = this.head();
    if (head && changedBetween(head.files, this.disk).length === 0) return { commit: head.id, created: false };
    const id = this.seedCommit(summary, 'Functory', Math.floor(Date.now() / 1000), this.disk);
    return { commit: id, created: true };
  }

  createBranch(name: string): void {
    const clean = name.trim();
    if (!clean || /[\s~^:?*[\\]|\.\.|^[-/.]|[/.]$|\.lock$|@\{/.test(clean)) {
      fail('invalid_input', `\`${name}\` is not a valid branch name`);
    }
    if (this.branches.has(clean)) fail('io', `git: a branch named '${clean}' already exists`);
    if (!this.head()) fail('io', 'git: reference \'HEAD\' not found: there is no commit to branch from');
    this.branches.add(clean);
    this.branch = clean;
    this.detached = false;
  }

  timeline(paths: string[], fn: string | null): TimelineEntry[] {
    const entries: { entry: TimelineEntry; time: number; order: number }[] = [];
    this.commits.forEach((commit, order) => {
      const files = commit.changed.filter((f) => within(f, paths));
      if (files.length === 0) return;
      entries.push({
        entry: { kind: 'commit', commit: commit.id, summary: commit.summary, author: commit.author, time: commit.time, files },
        time: commit.time,
        order,
      });
    });
    this.deploys
      .filter((d) => fn === null || d.function === fn)
      .forEach((d, i) => entries.push({ entry: { kind: 'deploy', ...d }, time: d.deployedAt, order: this.commits.length + i }));
    entries.sort((a, b) => b.time - a.time || b.order - a.order);
    return entries.map((e) => structuredClone(e.entry));
  }

  private resolve(revision: string): MockCommit {
    const wanted = revision.trim().toLowerCase();
    const found = wanted.length >= 4 ? this.commits.filter((c) => c.id.startsWith(wanted)) : [];
    if (found.length !== 1) fail('not_found', `no commit or file \`${revision}\` in the history`);
    return found[0]!;
  }

  diff(from: string, to: string | null, paths: string[]): FileDiff[] {
    const old = this.resolve(from).files;
    const next = to === null ? this.disk : this.resolve(to).files;
    const all = [...new Set([...old.keys(), ...next.keys()])].filter((p) => within(p, paths)).sort();
    const diffs: FileDiff[] = [];
    for (const path of all) {
      const a = old.get(path);
      const b = next.get(path);
      if (a === b) continue;
      const change = a === undefined ? 'added' : b === undefined ? 'deleted' : 'modified';
      const binary = (a !== undefined && isBinary(a)) || (b !== undefined && isBinary(b));
      diffs.push({
        path,
        change,
        oldText: binary ? null : (a ?? null),
        newText: binary ? null : (b ?? null),
        binary,
      });
    }
    return diffs;
  }

  restore(revision: string, paths: string[]): Checkpoint {
    if (paths.length === 0) fail('invalid_input', 'say which files or folders to restore');
    const commit = this.resolve(revision);
    const before = this.checkpoint(`Before restoring ${paths.join(', ')} to ${short(commit.id)}`);
    const wanted = [...commit.files.keys()].filter((p) => within(p, paths));
    if (wanted.length === 0) fail('not_found', `no commit or file \`${paths.join(', ')} at ${short(commit.id)}\` in the history`);
    for (const existing of [...this.disk.keys()]) {
      if (within(existing, paths) && !wanted.includes(existing)) this.disk.delete(existing);
    }
    for (const path of wanted) this.disk.set(path, commit.files.get(path)!);
    return before;
  }
}
