// The platform of a plain browser: an in-memory file system holding the sample project (and a
// folder without a manifest), answering every command the way functory-api does. The recovery
// journal lives in localStorage, so reloading the page behaves like restarting the app.
//
// URL parameters: `?open=sample` (or `?open=/some/path`) opens a project at startup like
// `functory --sample` / `--open DIR`; `?pick=/some/path` (or `?pick=` to cancel) is what the
// folder dialog answers; `?keychain=unavailable` makes the account commands fail as on a
// machine without a keyring; `?history=detached` starts the repository on a detached HEAD
// (until a branch is created), `?history=merge` (or rebase, …) in the middle of that operation;
// `?busy-port=8787` (comma-separated) makes the local run's ports "in use". The local run is
// mocked in ./run.ts; `window.functoryMock.writeLogLines(fn, count)` lets tests log heavily.

import type { AccountInput } from '../../bindings/AccountInput';
import type { ApiError } from '../../bindings/ApiError';
import type { FileContent } from '../../bindings/FileContent';
import type { FunctionTemplate } from '../../bindings/FunctionTemplate';
import type { JournalEntry } from '../../bindings/JournalEntry';
import type { LintFixPreview } from '../../bindings/LintFixPreview';
import type { ManifestEdit } from '../../bindings/ManifestEdit';
import type { Permission } from '../../bindings/Permission';
import type { PermissionsPreview } from '../../bindings/PermissionsPreview';
import type { ProjectView } from '../../bindings/ProjectView';
import type { Startup } from '../../bindings/Startup';
import type { TreeNode } from '../../bindings/TreeNode';
import type { Platform } from '../index';
import { MOCK_AWS_PROFILES, MockKeychain, redactInput } from './accounts';
import { analyzeFunction, analyzeProject, explainAccessDenied, outlineFile } from './analyze';
import { MockCloud } from './cloud';
import { MockHistory } from './history';
import { computeFix, lineDiff, lintFiles, ruleDocs, SAMPLE_POLICY, SAMPLE_POLICY_PATH } from './lint';
import { applyEdit, MANIFEST, newManifest, parseManifest } from './manifest';
import { checkEvent, MockLocalRun, sampleEventsOf, type MockProject } from './run';
import { checkTrigger, MockCanvasLayouts } from './triggers';
import sampleManifest from '../../../../samples/thumbnails/functory.toml?raw';
import sampleReadme from '../../../../samples/thumbnails/README.md?raw';
import sampleResize from '../../../../samples/thumbnails/src/resize.mjs?raw';
import sampleReport from '../../../../samples/thumbnails/src/report.py?raw';

export const SAMPLE_ROOT = '/mock/thumbnails';
/** A folder with files but no functory.toml, and one binary file. */
export const PLAIN_ROOT = '/mock/assets';
const JOURNAL_KEY = 'functory.mock.journal';
const MAX_EDITABLE_BYTES = 5 * 1024 * 1024;

const TEMPLATES: Record<FunctionTemplate, { ext: string; runtime: string; text: string }> = {
  'node-http': {
    ext: 'mjs',
    runtime: 'nodejs20.x',
    text: `// {{name}}: an HTTP function. The event is an API Gateway HTTP API (2.0) payload.
export const handler = async (event) => {
  const who = event.queryStringParameters?.name ?? "world";
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: \`Hello, \${who}!\`, path: event.rawPath }),
  };
};
`,
  },
  'python-http': {
    ext: 'py',
    runtime: 'python3.12',
    text: `"""{{name}}: an HTTP function. The event is an API Gateway HTTP API (2.0) payload."""
import json


def handler(event, context):
    who = (event.get("queryStringParameters") or {}).get("name", "world")
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"message": f"Hello, {who}!", "path": event.get("rawPath")}),
    }
`,
  },
};

function fail(code: ApiError['code'], message: string): never {
  throw { code, message } satisfies ApiError;
}

/**
 * Commands are logged so browser tests can check what reached the "backend" (`[mock] name args`)
 * and what came back (`[mock-response] name result`).
 */
function log(command: string, args?: unknown): void {
  console.debug(`[mock] ${command}`, args === undefined ? '' : JSON.stringify(args));
}

function logResponse(command: string, result: unknown): void {
  console.debug(`[mock-response] ${command}`, result === undefined ? '' : JSON.stringify(result));
}

const DAY_S = 24 * 60 * 60;

/**
 * The sample's history: the first version (a smaller `resize`, no `report`), then the report,
 * then a deploy of `resize`. The last commit is the sample's files as they are, so it starts clean.
 */
function seedSampleHistory(history: MockHistory, files: Map<string, string>): void {
  const now = Math.floor(Date.now() / 1000);
  const first = new Map(files);
  first.delete('src/report.py');
  const manifest = files.get(MANIFEST) ?? '';
  const reportAt = manifest.indexOf('[functions.report]');
  first.set(
    MANIFEST,
    `${(reportAt >= 0 ? manifest.slice(0, reportAt) : manifest).trimEnd()}\n`.replace('memory_mb = 512', 'memory_mb = 256'),
  );
  first.set('src/resize.mjs', (files.get('src/resize.mjs') ?? '').replace('MAX_WIDTH ?? 320', 'MAX_WIDTH ?? 240'));
  history.seedCommit('Create the thumbnails sample', 'Ada Lovelace', now - 4 * DAY_S, first);
  const second = history.seedCommit('Add the daily report; larger thumbnails', 'Ada Lovelace', now - 2 * DAY_S, files);
  history.seedDeploy({
    target: 'staging',
    function: 'resize',
    cloudVersion: '7',
    codeHash: 'sha256:4f1c9a2e7b0d',
    deployedAt: now - DAY_S,
    who: 'Ada Lovelace <ada@example.com>',
    commit: second,
  });
}

function normalizeRoot(path: string): string {
  const trimmed = path.trim().replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

function baseName(path: string): string {
  return path.split('/').filter(Boolean).pop() ?? path;
}

/** Relative, `/`-separated, refusing anything that climbs out of the project. */
function cleanRelative(root: string, relative: string): string {
  const parts: string[] = [];
  if (relative.startsWith('/')) fail('outside_project', `\`${relative}\` is outside the project folder ${root}`);
  for (const part of relative.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) fail('outside_project', `\`${relative}\` is outside the project folder ${root}`);
      parts.pop();
    } else parts.push(part);
  }
  if (parts.length === 0) fail('invalid_input', 'a file path is required');
  return parts.join('/');
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

function humanSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

class MockDisk {
  /** Folder root → (relative path → text). Folders exist implicitly through their files. */
  readonly folders = new Map<string, Map<string, string>>();

  constructor() {
    this.folders.set(
      SAMPLE_ROOT,
      new Map([
        [MANIFEST, sampleManifest],
        ['README.md', sampleReadme],
        ['src/resize.mjs', sampleResize],
        ['src/report.py', sampleReport],
        // Only in the mock: a policy for the security linter to find problems in.
        [SAMPLE_POLICY_PATH, SAMPLE_POLICY],
      ]),
    );
    this.folders.set(
      PLAIN_ROOT,
      new Map([
        ['notes.md', '# Assets\n\nImages for the landing page. No functions here yet.\n'],
        ['images/logo.png', '\u0089PNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR\u0000\u0000\u0000\u0010'],
      ]),
    );
  }
}

function tree(root: string, files: Map<string, string>): TreeNode {
  const node: TreeNode = { name: baseName(root), path: '', isDir: true, children: [] };
  for (const path of files.keys()) {
    const parts = path.split('/');
    let parent = node;
    parts.forEach((part, i) => {
      const childPath = parts.slice(0, i + 1).join('/');
      const isDir = i < parts.length - 1;
      let child = parent.children.find((c) => c.path === childPath);
      if (!child) {
        child = { name: part, path: childPath, isDir, children: [] };
        parent.children.push(child);
      }
      parent = child;
    });
  }
  const sort = (n: TreeNode) => {
    n.children.sort((a, b) => Number(b.isDir) - Number(a.isDir) || a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
    n.children.forEach(sort);
  };
  sort(node);
  return node;
}

function readJournal(): JournalEntry[] {
  try {
    const raw = localStorage.getItem(JOURNAL_KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(parsed) ? (parsed as JournalEntry[]) : [];
  } catch {
    return [];
  }
}

/** What `?cloud=aws` adds to the sample: an AWS target signed in with a profile. */
const MOCK_AWS_TARGET = `
# An AWS target (the mock's \`?cloud=aws\`).
[targets.staging]
adapter = "aws"
region = "eu-west-1"
profile = "dev"
`;

/** What `?cloud=azure` adds: an Azure target whose function app the mock cloud deploys into. */
const MOCK_AZURE_TARGET = `
# An Azure target (the mock's \`?cloud=azure\`).
[targets.media]
adapter = "azure"
subscription_id = "0b1f6471-1bf0-4dda-aec3-111122223333"
resource_group = "media"
function_app = "media-fn"
account = "media-sp"
`;

export function createMockPlatform(params: URLSearchParams): Platform {
  const disk = new MockDisk();
  const extraTarget = { aws: MOCK_AWS_TARGET, azure: MOCK_AZURE_TARGET }[params.get('cloud') ?? ''];
  if (extraTarget) {
    const sample = disk.folders.get(SAMPLE_ROOT)!;
    sample.set(MANIFEST, `${sample.get(MANIFEST) ?? ''}${extraTarget}`);
  }
  const cloud = new MockCloud(params.get('cloud-fail'), params.get('cloud-auth'));
  let openRoot: string | null = null;
  const delay = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
  const keychain = new MockKeychain(params.get('keychain') !== 'unavailable');
  const historyParam = params.get('history');
  const histories = new Map<string, MockHistory>();

  const busyPorts = new Set(
    (params.get('busy-port') ?? '')
      .split(',')
      .filter((p) => p.trim() !== '')
      .map(Number),
  );
  const localRun = new MockLocalRun(busyPorts);
  const layouts = new MockCanvasLayouts();
  (window as unknown as { functoryMock: unknown }).functoryMock = {
    writeLogLines: (fn: string, count: number, text?: string) => localRun.writeLogLines(fn, count, text),
    /** A file of the open project as it is "on disk" (tests check the manifest text). */
    readFile: (path: string) => (openRoot === null ? undefined : disk.folders.get(openRoot)?.get(path)),
  };

  const project = (): { root: string; files: Map<string, string> } => {
    if (openRoot === null) fail('no_project', 'no project is open');
    return { root: openRoot, files: disk.folders.get(openRoot)! };
  };

  const view = (): ProjectView => {
    const { root, files } = project();
    const text = files.get(MANIFEST);
    const manifest =
      text === undefined ? { manifest: null, diagnostics: [] } : parseManifest(text, (path) => files.has(path));
    return {
      root,
      name: manifest.manifest?.projectName ?? baseName(root),
      hasManifest: text !== undefined,
      manifest,
      tree: tree(root, files),
    };
  };

  /** The open project's manifest, refused when it has errors (as functory-api's cloud use cases do). */
  const validManifest = () => {
    const parsed = view().manifest;
    if (!parsed.manifest || parsed.diagnostics.some((d) => d.severity === 'error')) {
      fail('invalid_manifest', 'functory.toml has problems; fix them first');
    }
    return parsed.manifest;
  };

  /** The manifest's model even with errors: importing deploys nothing (as functory-api's import). */
  const importManifest = () => {
    const parsed = view().manifest.manifest;
    if (!parsed) fail('invalid_manifest', 'functory.toml does not parse; fix it first');
    return parsed;
  };

  const manifestText = (): string => {
    const { root, files } = project();
    const text = files.get(MANIFEST);
    if (text === undefined) fail('no_manifest', `${root} has no ${MANIFEST}`);
    return text;
  };

  const manifestFunction = (fn: string) => {
    const found = validManifest().functions.find((f) => f.name === fn);
    if (!found) fail('not_found', `no function named \`${fn}\` in functory.toml`);
    return found;
  };

  /** What replacing `fn`'s permissions with `permissions` would change, as the host previews it. */
  const permissionsPreview = (fn: string, permissions: Permission[]): PermissionsPreview => {
    const before = manifestText();
    const after = applyEdit(before, { kind: 'setPermissions', function: fn, permissions });
    return { function: fn, permissions, diff: before === after ? '' : lineDiff(before, after), after };
  };

  const open = (path: string): ProjectView => {
    const root = normalizeRoot(path);
    if (!disk.folders.has(root)) {
      fail('not_found', `could not open ${path}: No such file or directory (os error 2)`);
    }
    // Another project: the old one's local run and log tails end (as the host's Session does).
    if (openRoot !== root) localRun.closeProject();
    openRoot = root;
    return view();
  };

  /** The open project as the local run needs it: a manifest that parses. */
  const runProject = (): MockProject => {
    const { root, files } = project();
    const manifestText = files.get(MANIFEST);
    if (manifestText === undefined) fail('no_manifest', `${root} has no ${MANIFEST}`);
    const manifest = view().manifest.manifest;
    if (!manifest) fail('invalid_manifest', 'functory.toml has errors; fix them to run the project');
    return { root, manifest, manifestText, hasFile: (p) => files.has(p), readFile: (p) => files.get(p) };
  };

  const readFile = (relative: string): FileContent => {
    const { root, files } = project();
    const path = cleanRelative(root, relative);
    const text = files.get(path);
    if (text === undefined) {
      const isFolder = [...files.keys()].some((p) => p.startsWith(`${path}/`));
      if (isFolder) fail('invalid_input', `\`${path}\` is a folder, not a file`);
      fail('not_found', `could not open ${root}/${path}: No such file or directory (os error 2)`);
    }
    const size = byteLength(text);
    if (text.includes('\u0000')) {
      return { path, text: '', readOnly: true, notice: `Binary file of ${humanSize(size)} — not shown.`, size };
    }
    if (size > MAX_EDITABLE_BYTES) {
      return {
        path,
        text: text.slice(0, 64 * 1024),
        readOnly: true,
        notice: `This file is ${humanSize(size)}, larger than the 5 MB the editor opens; showing the first 64 KB read-only.`,
        size,
      };
    }
    return { path, text, readOnly: false, notice: null, size };
  };

  const createFunction = (name: string, template: FunctionTemplate): void => {
    const { files } = project();
    const t = TEMPLATES[template];
    const path = `src/${name}.${t.ext}`;
    const edited = applyEdit(manifestText(), {
      kind: 'addFunction',
      name,
      runtime: t.runtime,
      handler: `src/${name}.handler`,
      httpPath: `/${name}`,
    });
    if (files.has(path)) fail('already_exists', `${path} already exists; choose another function name`);
    files.set(path, t.text.replaceAll('{{name}}', name));
    files.set(MANIFEST, edited);
  };

  const newHistory = (root: string) =>
    new MockHistory(() => disk.folders.get(root)!, {
      detached: historyParam === 'detached',
      operation: historyParam && historyParam !== 'detached' ? historyParam : null,
    });
  // The sample comes with its history, made before any edit of this session.
  const sampleHistory = newHistory(SAMPLE_ROOT);
  seedSampleHistory(sampleHistory, disk.folders.get(SAMPLE_ROOT)!);
  histories.set(SAMPLE_ROOT, sampleHistory);

  /** The open project's repository, created (like `git init`) on first use. */
  const history = (): MockHistory => {
    const { root } = project();
    let found = histories.get(root);
    if (!found) {
      found = newHistory(root);
      histories.set(root, found);
    }
    return found;
  };

  /** A function's files, as functory-api's `function_paths`: its code folder or its handler file. */
  const functionPaths = (name: string | null): string[] => {
    if (name === null) return [];
    const manifest = view().manifest.manifest;
    if (!manifest) fail('invalid_manifest', "functory.toml has errors; fix them to see a function's history");
    const fn = manifest.functions.find((f) => f.name === name);
    if (!fn) fail('not_found', `no function named \`${name}\` in functory.toml`);
    const paths = fn.codeDir !== '.' ? [fn.codeDir] : fn.handlerFile ? [fn.handlerFile] : [];
    if (paths.length === 0) fail('not_found', `the handler file of \`${name}\` does not exist, so it has no history`);
    return paths;
  };

  // Every command is async and yields once, like IPC, and rejects with a plain ApiError.
  const command = <T>(name: string, args: unknown, body: () => T | Promise<T>): Promise<T> => {
    log(name, args);
    return delay()
      .then(body)
      .then((result) => {
        logResponse(name, result);
        return result;
      });
  };

  return {
    kind: 'mock',
    startup: () =>
      command('startup', undefined, () => {
        const openParam = params.get('open');
        const openPath = openParam === null ? null : openParam === 'sample' ? SAMPLE_ROOT : openParam;
        return { openPath, recovery: readJournal() } satisfies Startup;
      }),
    openProject: (path) => command('open_project', { path }, () => open(path)),
    openSampleProject: () => command('open_sample_project', undefined, () => open(SAMPLE_ROOT)),
    createProject: (path, name, template) =>
      command('create_project', { path, name, template }, () => {
        const root = normalizeRoot(path);
        if (!root.startsWith('/')) fail('invalid_input', `${path} is not an absolute path`);
        const existing = disk.folders.get(root);
        if (existing && existing.size > 0) {
          fail('already_exists', `${root} already exists and is not empty; choose a new folder`);
        }
        if (!name.trim()) fail('invalid_input', 'project.name: the project name is empty');
        disk.folders.set(root, new Map([[MANIFEST, newManifest(name.trim())]]));
        openRoot = root;
        if (template) createFunction('hello', template);
        return view();
      }),
    initProject: (name) =>
      command('init_project', { name }, () => {
        const { root, files } = project();
        if (!name.trim()) fail('invalid_input', 'project.name: the project name is empty');
        if (files.has(MANIFEST)) fail('already_exists', `${root}/${MANIFEST} already exists`);
        files.set(MANIFEST, newManifest(name.trim()));
        return view();
      }),
    reloadProject: () => command('reload_project', undefined, () => view()),
    readFile: (path) => command('read_file', { path }, () => readFile(path)),
    writeFile: (path, text) =>
      command('write_file', { path, text: `<${text.length} chars>` }, () => {
        const { root, files } = project();
        const clean = cleanRelative(root, path);
        if ([...files.keys()].some((p) => p.startsWith(`${clean}/`))) fail('invalid_input', `\`${path}\` is a folder`);
        if (files.has(clean)) {
          const current = readFile(clean);
          if (current.readOnly) fail('read_only', `\`${path}\` is open read-only: ${current.notice ?? ''}`);
        }
        files.set(clean, text);
        return view();
      }),
    applyManifestEdit: (edit: ManifestEdit) =>
      command('apply_manifest_edit', { edit }, () => {
        const { files } = project();
        // As the host's Session: a trigger the side form would flag with an error is refused.
        if (edit.kind === 'addTrigger' || edit.kind === 'updateTrigger') {
          const manifest = view().manifest.manifest;
          if (!manifest) fail('invalid_manifest', 'functory.toml does not parse; fix it to edit triggers');
          const index = edit.kind === 'updateTrigger' ? edit.index : null;
          const editing = index === null ? null : { function: edit.function, index };
          const problem = checkTrigger(manifest, edit.function, editing, edit.trigger).problems.find((p) => p.severity === 'error');
          if (problem) {
            fail('invalid_input', `functions.${edit.function}.triggers[${index ?? 'new'}].${problem.field}: ${problem.message}`);
          }
        }
        files.set(MANIFEST, applyEdit(manifestText(), edit));
        return view();
      }),
    createFunction: (name, template) =>
      command('create_function', { name, template }, () => {
        createFunction(name, template);
        return view();
      }),
    journalSave: (entries) =>
      command('journal_save', { entries: entries.map((e) => e.path) }, () => {
        if (entries.length === 0) localStorage.removeItem(JOURNAL_KEY);
        else localStorage.setItem(JOURNAL_KEY, JSON.stringify(entries));
      }),
    journalClear: () => command('journal_clear', undefined, () => localStorage.removeItem(JOURNAL_KEY)),
    pickFolder: () =>
      command('pick_folder', undefined, () => {
        const picked = params.get('pick');
        if (picked === null) return SAMPLE_ROOT;
        return picked === '' ? null : picked;
      }),
    uiReady: () => command('ui_ready', undefined, () => undefined),

    listAccounts: () => command('list_accounts', undefined, () => keychain.list()),
    addAccount: (input: AccountInput) => command('add_account', { input: redactInput(input) }, () => keychain.add(input)),
    updateAccount: (input: AccountInput) =>
      command('update_account', { input: redactInput(input) }, () => keychain.update(input)),
    renameAccount: (from, to) => command('rename_account', { from, to }, () => keychain.rename(from, to)),
    removeAccount: (name) => command('remove_account', { name }, () => keychain.remove(name)),
    testAccount: (name) => command('test_account', { name }, () => keychain.test(name)),
    listAwsProfiles: () => command('list_aws_profiles', undefined, () => structuredClone(MOCK_AWS_PROFILES)),
    setTargetCredentials: (target, profile, account) =>
      command('set_target_credentials', { target, profile, account }, () => {
        if (account !== null && !keychain.has(account)) fail('not_found', `no account named \`${account}\` in the keychain`);
        const { files } = project();
        files.set(MANIFEST, applyEdit(manifestText(), { kind: 'setTargetCredentials', target, profile, account }));
        return view();
      }),

    historyStatus: () => command('history_status', undefined, () => history().status()),
    checkpoint: (message) => command('checkpoint', { message }, () => history().checkpoint(message)),
    createBranch: (name) => command('create_branch', { name }, () => history().createBranch(name)),
    historyTimeline: (fn) =>
      command('history_timeline', { function: fn }, () => history().timeline(functionPaths(fn), fn)),
    historyDiff: (from, to, fn) =>
      command('history_diff', { from, to, function: fn }, () => history().diff(from, to, functionPaths(fn))),
    historyRestore: (commit, file, fn) =>
      command('history_restore', { commit, file, function: fn }, () => {
        const { root } = project();
        const paths = file !== null ? [cleanRelative(root, file)] : functionPaths(fn);
        if (paths.length === 0) fail('invalid_input', 'say which file or function to restore');
        history().restore(commit, paths);
        return view();
      }),

    closeProject: () =>
      command('close_project', undefined, () => {
        localRun.closeProject();
        openRoot = null;
      }),
    startRun: (port) => command('start_run', { port }, () => localRun.start(runProject(), port)),
    stopRun: () => command('stop_run', undefined, () => localRun.stop()),
    runStatus: () => command('run_status', undefined, () => localRun.status(openRoot === null ? null : runProject())),
    invokeFunction: (fn, event) =>
      command('invoke_function', { function: fn, event }, () => localRun.invoke(runProject(), fn, event)),
    fireSchedule: (fn) => command('fire_schedule', { function: fn }, () => localRun.fireSchedule(runProject(), fn)),
    sampleEvents: (fn) =>
      command('sample_events', { function: fn }, () => {
        const found = runProject().manifest.functions.find((f) => f.name === fn);
        if (!found) fail('not_found', `no function \`${fn}\` in functory.toml`);
        return sampleEventsOf(found);
      }),
    savedEvents: (fn) => command('saved_events', { function: fn }, () => localRun.savedEvents(runProject(), fn)),
    saveEvent: (fn, name, event) =>
      command('save_event', { function: fn, name, event }, () => localRun.saveEvent(runProject(), fn, name, event)),
    deleteSavedEvent: (fn, name) =>
      command('delete_saved_event', { function: fn, name }, () => localRun.deleteSavedEvent(runProject(), fn, name)),
    subscribeLogs: (query, onBatch) =>
      command('subscribe_logs', { query }, () => {
        const subscription = localRun.subscribe(runProject(), query, onBatch);
        return { close: () => command('unsubscribe_logs', undefined, () => subscription.close()) };
      }),
    lintProject: () => command('lint_project', undefined, () => lintFiles(project().files)),
    lintRuleDocs: () => command('lint_rule_docs', undefined, () => ruleDocs()),
    previewLintFix: (findingId) =>
      command('preview_lint_fix', { findingId }, () => {
        const result = computeFix(project().files, findingId);
        if (!result.ok) fail(result.code, result.message);
        return {
          findingId,
          file: result.path,
          applicability: result.applicability,
          message: result.message,
          diff: lineDiff(result.before, result.after),
          after: result.after,
        } satisfies LintFixPreview;
      }),
    analyzeProject: () => command('analyze_project', undefined, () => analyzeProject(validManifest(), project().files)),
    analyzeFunction: (fn) =>
      command('analyze_function', { function: fn }, () => analyzeFunction(manifestFunction(fn), project().files)),
    previewGeneratedPolicy: (fn) =>
      command('preview_generated_policy', { function: fn }, () =>
        permissionsPreview(fn, analyzeFunction(manifestFunction(fn), project().files).analysis.policy),
      ),
    setPermissions: (fn, permissions) =>
      command('set_permissions', { function: fn, permissions }, () => {
        project().files.set(MANIFEST, applyEdit(manifestText(), { kind: 'setPermissions', function: fn, permissions }));
        return view();
      }),
    explainAccessDenied: (fn, text) =>
      command('explain_access_denied', { function: fn, text }, () => {
        const { explanation, proposed } = explainAccessDenied(manifestFunction(fn), project().files, text);
        return { explanation, preview: proposed ? permissionsPreview(fn, proposed) : null };
      }),
    outlineFile: (path) =>
      command('outline_file', { path }, () => {
        const text = project().files.get(path);
        if (text === undefined) fail('not_found', `${path} does not exist`);
        if (!/\.(m?[jt]s|cjs|mts|py)$/.test(path)) fail('invalid_input', `${path} is not JavaScript, TypeScript or Python`);
        return outlineFile(path, text);
      }),
    deployPlan: (target, functions) =>
      command('deploy_plan', { target, functions }, () => cloud.plan(validManifest(), project().files, target, functions)),
    deploy: (target, functions, onStep) =>
      command('deploy_functions', { target, functions }, () =>
        cloud.deploy(validManifest(), project().files, history(), target, functions, onStep),
      ),
    redeploy: (target, fn, commit, onStep) =>
      command('redeploy_function', { target, function: fn, commit }, () => {
        const old = history().filesAt(commit);
        const text = old.files.get(MANIFEST);
        const parsed = text === undefined ? null : parseManifest(text, (path) => old.files.has(path)).manifest;
        if (!parsed) fail('invalid_manifest', `functory.toml at commit ${commit.slice(0, 12)} does not parse`);
        return cloud.redeploy(validManifest(), parsed, old.files, old.commit, history(), target, fn, onStep);
      }),
    functionVersions: (target, fn) =>
      command('function_versions', { target, function: fn }, () => cloud.versions(validManifest(), target, fn)),
    rollback: (target, fn, version) =>
      command('rollback_function', { target, function: fn, version }, () => cloud.rollback(validManifest(), target, fn, version)),
    invokeOnTarget: (target, fn, event, latest, asynchronous) =>
      command('invoke_on_target', { target, function: fn, event, latest, asynchronous }, () => {
        checkEvent(event);
        return cloud.invoke(validManifest(), target, fn, event, latest, asynchronous);
      }),
    targetLogSource: (target, fn) =>
      command('target_log_source', { target, function: fn }, () => cloud.logSource(validManifest(), target, fn)),
    subscribeTargetLogs: (target, live, query, onBatch) =>
      command('subscribe_target_logs', { target, live, query }, () => {
        const subscription = cloud.subscribe(validManifest(), target, live, query, onBatch);
        return {
          close: () =>
            command('unsubscribe_logs', undefined, () => {
              subscription.close();
            }),
        };
      }),
    remoteFunctions: (target) =>
      command('remote_functions', { target }, () => cloud.remoteFunctions(importManifest(), target)),
    importCloudFunction: (target, fn, overwrite) =>
      command('import_cloud_function', { target, function: fn, overwrite }, () => {
        const manifest = importManifest();
        const plan = cloud.importFunction(manifest, target, fn);
        const { files } = project();
        // The manifest edits first, so a refusal writes nothing (as functory-api does).
        let text = applyEdit(manifestText(), { kind: 'addFunction', name: fn, runtime: 'python3.12', handler: 'app.handler', httpPath: null });
        text = text.replace(
          `[functions.${fn}]\nruntime = "python3.12"\nhandler = "app.handler"\n`,
          `[functions.${fn}]\nruntime = "python3.12"\nhandler = "app.handler"\ncode_dir = ${JSON.stringify(plan.codeDir)}\n`,
        );
        for (const edit of plan.edits) text = applyEdit(text, edit);
        const report = plan.report;
        let written = 0;
        for (const [path, contents] of plan.files) {
          const existing = files.get(path);
          if (existing !== undefined && existing !== contents && !overwrite) {
            report.notImported.push({
              subject: `file ${path}`,
              message: 'kept as it is: it differs from the deployed one (import again with overwrite to replace it)',
            });
            continue;
          }
          files.set(path, contents);
          written += 1;
        }
        report.imported.push({ subject: 'code', message: `${plan.files.length} file(s) into ${plan.codeDir}/ (${written} written)` });
        files.set(MANIFEST, text);
        return { report, project: view() };
      }),
    applyLintFix: (findingId, confirm) =>
      command('apply_lint_fix', { findingId, confirm }, () => {
        const { files } = project();
        const result = computeFix(files, findingId);
        if (!result.ok) fail(result.code, result.message);
        if (result.applicability !== 'safe' && !confirm) {
          fail('invalid_input', `the fix for ${findingId.split(':').at(-2)} is unsafe: review its diff and confirm`);
        }
        files.set(result.path, result.after);
        return view();
      }),
    checkTrigger: (fn, editing, trigger) =>
      command('check_trigger', { function: fn, editing, trigger }, () => {
        const manifest = view().manifest.manifest;
        if (!manifest) fail('invalid_manifest', 'functory.toml does not parse; fix it to edit triggers');
        return checkTrigger(manifest, fn, editing, trigger);
      }),
    canvasLayout: () => command('canvas_layout', undefined, () => layouts.load(project().root)),
    saveCanvasLayout: (layout) =>
      command('save_canvas_layout', { layout }, () => layouts.save(project().root, layout)),
  };
}
