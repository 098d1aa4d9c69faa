// The workspace's state: the open project, editor buffers, the area shown, pending recovery and
// notices. One reducer, so every change is a named event.

import type { ApiError } from '../bindings/ApiError';
import type { JournalEntry } from '../bindings/JournalEntry';
import type { LintFinding } from '../bindings/LintFinding';
import type { ProjectView } from '../bindings/ProjectView';

export const AREAS = ['functions', 'triggers', 'security', 'run', 'deploy', 'history', 'accounts'] as const;
export type Area = (typeof AREAS)[number];

export const MANIFEST_PATH = 'functory.toml';

/** One open file. `text` is the buffer, `savedText` what is on disk as far as we know. */
export interface Buffer {
  path: string;
  text: string;
  savedText: string;
  readOnly: boolean;
  notice: string | null;
  /** Bumped when the text is replaced from outside the editor (refresh, restore). */
  revision: number;
  /** When the buffer last changed, for the recovery journal. */
  updatedAtMs: number;
}

export function isDirty(buffer: Buffer): boolean {
  return buffer.text !== buffer.savedText;
}

export type NoticeKind = 'error' | 'warning' | 'info';
export interface Notice {
  id: number;
  kind: NoticeKind;
  message: string;
  code: ApiError['code'] | null;
}

export interface JumpRequest {
  path: string;
  line: number;
  column: number;
  /** Distinguishes two jumps to the same place. */
  nonce: number;
}

export interface AppState {
  /** False until `startup()` has answered. */
  started: boolean;
  project: ProjectView | null;
  area: Area;
  buffers: Buffer[];
  activePath: string | null;
  selectedFunction: string | null;
  /** Journal entries from a previous run the user has not restored or discarded yet. */
  recovery: JournalEntry[];
  notices: Notice[];
  jump: JumpRequest | null;
  /** The security linter's findings as of the last lint of the files on disk; null until linted. */
  lint: LintFinding[] | null;
}

export const initialState: AppState = {
  started: false,
  project: null,
  area: 'functions',
  buffers: [],
  activePath: null,
  selectedFunction: null,
  recovery: [],
  notices: [],
  jump: null,
  lint: null,
};

export type Action =
  | { type: 'started'; recovery: JournalEntry[] }
  | { type: 'projectOpened'; view: ProjectView }
  | { type: 'projectUpdated'; view: ProjectView }
  | { type: 'projectClosed' }
  | { type: 'areaChanged'; area: Area }
  | { type: 'bufferOpened'; buffer: Omit<Buffer, 'revision' | 'updatedAtMs'>; activate: boolean }
  | { type: 'bufferActivated'; path: string }
  | { type: 'bufferEdited'; path: string; text: string }
  | { type: 'bufferSaved'; path: string; text: string }
  | { type: 'bufferReplaced'; path: string; text: string; savedText: string }
  | { type: 'bufferClosed'; path: string }
  | { type: 'functionSelected'; name: string | null }
  | { type: 'recoveryChanged'; entries: JournalEntry[] }
  | { type: 'noticeShown'; notice: Notice }
  | { type: 'noticeDismissed'; id: number }
  | { type: 'jumpRequested'; jump: JumpRequest }
  | { type: 'lintUpdated'; findings: LintFinding[] };

function updateBuffer(state: AppState, path: string, change: (b: Buffer) => Buffer): AppState {
  return { ...state, buffers: state.buffers.map((b) => (b.path === path ? change(b) : b)) };
}

export function reducer(state: AppState, action: Action): AppState {
  switch (action.type) {
    case 'started':
      return { ...state, started: true, recovery: action.recovery };
    case 'projectOpened': {
      const sameProject = state.project?.root === action.view.root;
      return {
        ...state,
        project: action.view,
        area: sameProject ? state.area : 'functions',
        buffers: sameProject ? state.buffers : [],
        activePath: sameProject ? state.activePath : null,
        selectedFunction: sameProject ? state.selectedFunction : null,
        jump: null,
        lint: sameProject ? state.lint : null,
      };
    }
    case 'projectUpdated':
      return { ...state, project: action.view };
    case 'projectClosed':
      return { ...state, project: null, buffers: [], activePath: null, selectedFunction: null, jump: null, area: 'functions', lint: null };
    case 'areaChanged':
      return { ...state, area: action.area };
    case 'bufferOpened': {
      const existing = state.buffers.find((b) => b.path === action.buffer.path);
      const buffers = existing
        ? state.buffers.map((b) =>
            b.path === action.buffer.path ? { ...b, ...action.buffer, revision: b.revision + 1, updatedAtMs: Date.now() } : b,
          )
        : [...state.buffers, { ...action.buffer, revision: 0, updatedAtMs: Date.now() }];
      return { ...state, buffers, activePath: action.activate ? action.buffer.path : (state.activePath ?? action.buffer.path) };
    }
    case 'bufferActivated':
      return { ...state, activePath: action.path, area: 'functions' };
    case 'bufferEdited':
      return updateBuffer(state, action.path, (b) => (b.text === action.text ? b : { ...b, text: action.text, updatedAtMs: Date.now() }));
    case 'bufferSaved':
      return updateBuffer(state, action.path, (b) => ({ ...b, savedText: action.text }));
    case 'bufferReplaced':
      return updateBuffer(state, action.path, (b) => ({
        ...b,
        text: action.text,
        savedText: action.savedText,
        revision: b.revision + 1,
        updatedAtMs: Date.now(),
      }));
    case 'bufferClosed': {
      const index = state.buffers.findIndex((b) => b.path === action.path);
      if (index < 0) return state;
      const buffers = state.buffers.filter((b) => b.path !== action.path);
      let activePath = state.activePath;
      if (activePath === action.path) {
        activePath = (buffers[index] ?? buffers[index - 1])?.path ?? null;
      }
      return { ...state, buffers, activePath };
    }
    case 'functionSelected':
      return { ...state, selectedFunction: action.name };
    case 'recoveryChanged':
      return { ...state, recovery: action.entries };
    case 'noticeShown': {
      // The same message twice in a row is shown once.
      const others = state.notices.filter((n) => !(n.message === action.notice.message && n.kind === action.notice.kind));
      return { ...state, notices: [...others, action.notice].slice(-5) };
    }
    case 'noticeDismissed':
      return { ...state, notices: state.notices.filter((n) => n.id !== action.id) };
    case 'jumpRequested':
      return { ...state, jump: action.jump, activePath: action.jump.path, area: 'functions' };
    case 'lintUpdated':
      return { ...state, lint: action.findings };
  }
}

/** Every unsaved buffer as the journal stores it, plus recovery entries still awaiting a choice. */
export function journalEntries(state: AppState): JournalEntry[] {
  const entries: JournalEntry[] = [];
  const root = state.project?.root;
  if (root !== undefined) {
    for (const buffer of state.buffers) {
      if (isDirty(buffer)) {
        entries.push({ projectRoot: root, path: buffer.path, text: buffer.text, updatedAtMs: buffer.updatedAtMs });
      }
    }
  }
  for (const pending of state.recovery) {
    if (!entries.some((e) => e.projectRoot === pending.projectRoot && e.path === pending.path)) entries.push(pending);
  }
  return entries;
}
