// The workspace: state store plus the use cases the features call. Every command goes through
// the platform; every failure becomes a visible notice (or is returned to the caller that shows
// it inline) — none is swallowed.

import type { AccountInput } from '../bindings/AccountInput';
import type { AccountSummary } from '../bindings/AccountSummary';
import type { ApiError } from '../bindings/ApiError';
import type { AccountTestResult } from '../bindings/AccountTestResult';
import type { AwsProfile } from '../bindings/AwsProfile';
import type { Capabilities } from '../bindings/Capabilities';
import type { Checkpoint } from '../bindings/Checkpoint';
import type { FileContent } from '../bindings/FileContent';
import type { FileDiff } from '../bindings/FileDiff';
import type { FunctionTemplate } from '../bindings/FunctionTemplate';
import type { JournalEntry } from '../bindings/JournalEntry';
import type { LintFinding } from '../bindings/LintFinding';
import type { LintFixPreview } from '../bindings/LintFixPreview';
import type { LintReport } from '../bindings/LintReport';
import type { LintRuleDoc } from '../bindings/LintRuleDoc';
import type { ManifestEdit } from '../bindings/ManifestEdit';
import type { ProjectView } from '../bindings/ProjectView';
import type { TimelineEntry } from '../bindings/TimelineEntry';
import type { WorktreeStatus } from '../bindings/WorktreeStatus';
import type { InvocationResult } from '../bindings/InvocationResult';
import type { LogBatch } from '../bindings/LogBatch';
import type { LogQuery } from '../bindings/LogQuery';
import type { RunStatus } from '../bindings/RunStatus';
import type { RunSwitches } from '../bindings/RunSwitches';
import type { SampleEvent } from '../bindings/SampleEvent';
import type { SavedEvent } from '../bindings/SavedEvent';
import type { DeployReport } from '../bindings/DeployReport';
import type { AccessDeniedHelp } from '../bindings/AccessDeniedHelp';
import type { FileAnalysis } from '../bindings/FileAnalysis';
import type { FunctionAnalysis } from '../bindings/FunctionAnalysis';
import type { Permission } from '../bindings/Permission';
import type { PermissionsPreview } from '../bindings/PermissionsPreview';
import type { ProjectAnalysis } from '../bindings/ProjectAnalysis';
import type { NewTarget } from '../bindings/NewTarget';
import type { TargetIdentity } from '../bindings/TargetIdentity';
import type { RouteAnswer } from '../bindings/RouteAnswer';
import type { RouteCall } from '../bindings/RouteCall';
import type { TargetLogSource } from '../bindings/TargetLogSource';
import type { DeployStep } from '../bindings/DeployStep';
import type { FunctionPlan } from '../bindings/FunctionPlan';
import type { ResourcePlan } from '../bindings/ResourcePlan';
import type { FidelityItem } from '../bindings/FidelityItem';
import type { FunctionVersion } from '../bindings/FunctionVersion';
import type { CanvasLayout } from '../bindings/CanvasLayout';
import type { CanvasModel } from '../bindings/CanvasModel';
import type { SettingsDraft } from '../bindings/SettingsDraft';
import type { SettingsProblem } from '../bindings/SettingsProblem';
import type { CloudImportReport } from '../bindings/CloudImportReport';
import type { RemoteFunction } from '../bindings/RemoteFunction';
import type { Trigger } from '../bindings/Trigger';
import type { TriggerCheck } from '../bindings/TriggerCheck';
import type { TriggerRef } from '../bindings/TriggerRef';
import { toApiError, type LogSubscription, type Platform } from '../platform';
import { JournalWriter } from './journal';
import {
  initialState,
  isDirty,
  journalEntries,
  MANIFEST_PATH,
  reducer,
  type Action,
  type AppState,
  type Area,
  type NoticeKind,
} from './state';

type Listener = () => void;

export interface EditOutcome {
  /** The first refused edit, if any; the edits before it were applied. */
  error: ApiError | null;
  applied: number;
  /** Set when functory.toml is open with unsaved changes, so its tab was not refreshed. */
  manifestBufferStale: boolean;
}

/** A command's answer, or the error for the caller to show inline (next to a field, in a panel). */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export interface RestoreOutcome {
  /** Restored files open in the editor with unsaved edits: their tabs were left as they are. */
  keptDirty: string[];
  /** Restored files whose clean tabs were reloaded with the restored text. */
  reloaded: string[];
}

let nextNoticeId = 1;
let nextJumpNonce = 1;

export class Workspace {
  private state: AppState = initialState;
  /** The project lint under way, if any (see `lintUnlessRunning`). */
  private lintRunning: Promise<Outcome<LintReport>> | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly journal: JournalWriter;
  private uiReadySent = false;
  private booted = false;

  constructor(readonly platform: Platform) {
    this.journal = new JournalWriter(
      (entries) => platform.journalSave(entries),
      () => journalEntries(this.state),
      (error) => this.notify('error', `Could not save the recovery journal: ${error.message}`, error.code),
    );
  }

  // ---- store ----------------------------------------------------------------------------

  getState = (): AppState => this.state;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private dispatch(action: Action): void {
    this.state = reducer(this.state, action);
    for (const listener of this.listeners) listener();
  }

  // ---- notices --------------------------------------------------------------------------

  notify(kind: NoticeKind, message: string, code: ApiError['code'] | null = null): void {
    const id = nextNoticeId++;
    this.dispatch({ type: 'noticeShown', notice: { id, kind, message, code } });
  }

  dismissNotice(id: number): void {
    this.dispatch({ type: 'noticeDismissed', id });
  }

  private fail(error: unknown, context?: string): ApiError {
    const apiError = toApiError(error);
    this.notify('error', context ? `${context}: ${apiError.message}` : apiError.message, apiError.code);
    return apiError;
  }

  /** Runs a command; on failure shows the error and resolves to null. */
  private async attempt<T>(run: () => Promise<T>, context?: string): Promise<T | null> {
    try {
      return await run();
    } catch (error) {
      this.fail(error, context);
      return null;
    }
  }

  // ---- startup and projects -------------------------------------------------------------

  /** Asks the host what to open and what to recover. Runs once, however often it is called. */
  async boot(): Promise<void> {
    if (this.booted) return;
    this.booted = true;
    const startup = await this.attempt(() => this.platform.startup(), 'Could not start');
    this.dispatch({ type: 'started', recovery: startup?.recovery ?? [] });
    if (startup?.openPath) await this.openFolder(startup.openPath);
  }

  /** Called by the shell once the first project's tree and functions are on screen. */
  markUiReady(): void {
    if (this.uiReadySent) return;
    this.uiReadySent = true;
    void this.attempt(() => this.platform.uiReady());
  }

  private opened(view: ProjectView): ProjectView {
    this.dispatch({ type: 'projectOpened', view });
    this.journal.writeNow();
    return view;
  }

  async openSample(): Promise<ProjectView | null> {
    const view = await this.attempt(() => this.platform.openSampleProject(), 'Could not open the sample project');
    return view && this.opened(view);
  }

  async openFolder(path: string): Promise<ProjectView | null> {
    const view = await this.attempt(() => this.platform.openProject(path), 'Could not open the folder');
    return view && this.opened(view);
  }

  async pickFolder(): Promise<string | null> {
    return this.attempt(() => this.platform.pickFolder(), 'The folder dialog failed');
  }

  /** Errors are returned for the form to show next to its fields. */
  async createProject(path: string, name: string, template: FunctionTemplate | null): Promise<ApiError | null> {
    try {
      this.opened(await this.platform.createProject(path, name, template));
      return null;
    } catch (error) {
      return toApiError(error);
    }
  }

  async initProject(name: string): Promise<ApiError | null> {
    try {
      this.dispatch({ type: 'projectUpdated', view: await this.platform.initProject(name) });
      return null;
    } catch (error) {
      return toApiError(error);
    }
  }

  async reload(): Promise<void> {
    const view = await this.attempt(() => this.platform.reloadProject(), 'Could not reload the project');
    if (view) this.dispatch({ type: 'projectUpdated', view });
  }

  closeProject(): void {
    this.dispatch({ type: 'projectClosed' });
    this.journal.writeNow();
    // The host stops the project's local run and log tails with it.
    void this.attempt(() => this.platform.closeProject(), 'Could not stop the local run');
  }

  hasUnsavedBuffers(): boolean {
    return this.state.buffers.some(isDirty);
  }

  // ---- navigation -----------------------------------------------------------------------

  setArea(area: Area): void {
    this.dispatch({ type: 'areaChanged', area });
  }

  selectFunction(name: string | null): void {
    this.dispatch({ type: 'functionSelected', name });
  }

  // ---- buffers --------------------------------------------------------------------------

  async openFile(path: string): Promise<boolean> {
    if (this.state.buffers.some((b) => b.path === path)) {
      this.dispatch({ type: 'bufferActivated', path });
      return true;
    }
    const file = await this.attempt(() => this.platform.readFile(path), `Could not open ${path}`);
    if (!file) return false;
    this.addBuffer(file, file.text, true);
    return true;
  }

  private addBuffer(file: FileContent, text: string, activate: boolean): void {
    this.dispatch({
      type: 'bufferOpened',
      buffer: { path: file.path, text, savedText: file.text, readOnly: file.readOnly, notice: file.notice },
      activate,
    });
    if (activate && this.state.area !== 'functions') this.setArea('functions');
  }

  activate(path: string): void {
    this.dispatch({ type: 'bufferActivated', path });
  }

  edit(path: string, text: string): void {
    this.dispatch({ type: 'bufferEdited', path, text });
    this.journal.schedule();
  }

  async save(path = this.state.activePath): Promise<boolean> {
    const buffer = this.state.buffers.find((b) => b.path === path);
    if (!buffer) return false;
    if (buffer.readOnly) {
      this.notify('warning', `${buffer.path} is read-only and cannot be saved from the app.`, 'read_only');
      return false;
    }
    const text = buffer.text;
    const view = await this.attempt(() => this.platform.writeFile(buffer.path, text), `Could not save ${buffer.path}`);
    if (!view) return false;
    this.dispatch({ type: 'bufferSaved', path: buffer.path, text });
    this.dispatch({ type: 'projectUpdated', view });
    this.journal.writeNow();
    return true;
  }

  closeBuffer(path: string): void {
    this.dispatch({ type: 'bufferClosed', path });
    this.journal.writeNow();
  }

  jumpTo(path: string, line: number, column: number): void {
    void this.openFile(path).then((opened) => {
      if (opened) this.dispatch({ type: 'jumpRequested', jump: { path, line, column, nonce: nextJumpNonce++ } });
    });
  }

  // ---- manifest -------------------------------------------------------------------------

  /** Applies edits one by one and stops at the first refusal, which is returned, not shown. */
  async applyManifestEdits(edits: ManifestEdit[]): Promise<EditOutcome> {
    let applied = 0;
    let error: ApiError | null = null;
    for (const edit of edits) {
      try {
        this.dispatch({ type: 'projectUpdated', view: await this.platform.applyManifestEdit(edit) });
        applied++;
      } catch (e) {
        error = toApiError(e);
        break;
      }
    }
    const manifestBufferStale = applied > 0 ? !(await this.refreshManifestBuffer()) : false;
    return { error, applied, manifestBufferStale };
  }

  /** Re-reads functory.toml into its tab after a visual edit; false when the tab has unsaved edits. */
  private async refreshManifestBuffer(): Promise<boolean> {
    const buffer = this.state.buffers.find((b) => b.path === MANIFEST_PATH);
    if (!buffer) return true;
    if (isDirty(buffer)) {
      this.notify(
        'warning',
        'functory.toml has unsaved edits in the editor, so its tab was not refreshed. Saving that tab would overwrite the settings you just saved.',
      );
      return false;
    }
    const file = await this.attempt(() => this.platform.readFile(MANIFEST_PATH), 'Could not refresh functory.toml');
    if (!file) return true;
    const current = this.state.buffers.find((b) => b.path === MANIFEST_PATH);
    // The user may have typed while we were reading; their edits win.
    if (current && !isDirty(current)) {
      this.dispatch({ type: 'bufferReplaced', path: MANIFEST_PATH, text: file.text, savedText: file.text });
    }
    return true;
  }

  async createFunction(name: string, template: FunctionTemplate): Promise<ApiError | null> {
    try {
      this.dispatch({ type: 'projectUpdated', view: await this.platform.createFunction(name, template) });
    } catch (error) {
      return toApiError(error);
    }
    await this.refreshManifestBuffer();
    this.selectFunction(name);
    const created = this.state.project?.manifest.manifest?.functions.find((f) => f.name === name);
    if (created?.handlerFile) await this.openFile(created.handlerFile);
    return null;
  }

  // ---- accounts -------------------------------------------------------------------------
  // Errors are returned, not shown as notices: the Accounts view places them (a field, the
  // keychain panel). Secrets only travel inside the `AccountInput` given to add/update.

  private async outcome<T>(run: () => Promise<T>): Promise<Outcome<T>> {
    try {
      return { ok: true, value: await run() };
    } catch (error) {
      return { ok: false, error: toApiError(error) };
    }
  }

  listAccounts(): Promise<Outcome<AccountSummary[]>> {
    return this.outcome(() => this.platform.listAccounts());
  }

  addAccount(input: AccountInput): Promise<Outcome<AccountSummary>> {
    return this.outcome(() => this.platform.addAccount(input));
  }

  updateAccount(input: AccountInput): Promise<Outcome<AccountSummary>> {
    return this.outcome(() => this.platform.updateAccount(input));
  }

  renameAccount(from: string, to: string): Promise<Outcome<void>> {
    return this.outcome(() => this.platform.renameAccount(from, to));
  }

  removeAccount(name: string): Promise<Outcome<void>> {
    return this.outcome(() => this.platform.removeAccount(name));
  }

  testAccount(name: string): Promise<Outcome<AccountTestResult>> {
    return this.outcome(() => this.platform.testAccount(name));
  }

  listAwsProfiles(): Promise<Outcome<AwsProfile[]>> {
    return this.outcome(() => this.platform.listAwsProfiles());
  }

  /** Writes a target's credentials into functory.toml, then refreshes the project and its tab. */
  async setTargetCredentials(target: string, profile: string | null, account: string | null): Promise<EditOutcome> {
    try {
      this.dispatch({ type: 'projectUpdated', view: await this.platform.setTargetCredentials(target, profile, account) });
    } catch (error) {
      return { error: toApiError(error), applied: 0, manifestBufferStale: false };
    }
    const manifestBufferStale = !(await this.refreshManifestBuffer());
    return { error: null, applied: 1, manifestBufferStale };
  }

  // ---- the local run (Run & Logs) -------------------------------------------------------
  // Errors are returned: the Run view shows them where they belong (the event, the run bar).

  startRun(port: number | null): Promise<Outcome<RunStatus>> {
    return this.outcome(() => this.platform.startRun(port));
  }

  stopRun(): Promise<Outcome<RunStatus>> {
    return this.outcome(() => this.platform.stopRun());
  }

  runSwitches(): Promise<Outcome<RunSwitches>> {
    return this.outcome(() => this.platform.runSwitches());
  }

  setRunSwitches(switches: RunSwitches): Promise<Outcome<void>> {
    return this.outcome(() => this.platform.setRunSwitches(switches));
  }

  resetLocalData(): Promise<Outcome<RunStatus>> {
    return this.outcome(() => this.platform.resetLocalData());
  }

  runStatus(): Promise<Outcome<RunStatus>> {
    return this.outcome(() => this.platform.runStatus());
  }

  invokeFunction(fn: string, event: string): Promise<Outcome<InvocationResult>> {
    return this.outcome(() => this.platform.invokeFunction(fn, event));
  }

  fireSchedule(fn: string): Promise<Outcome<InvocationResult>> {
    return this.outcome(() => this.platform.fireSchedule(fn));
  }

  sampleEvents(fn: string): Promise<Outcome<SampleEvent[]>> {
    return this.outcome(() => this.platform.sampleEvents(fn));
  }

  savedEvents(fn: string): Promise<Outcome<SavedEvent[]>> {
    return this.outcome(() => this.platform.savedEvents(fn));
  }

  saveEvent(fn: string, name: string, event: string): Promise<Outcome<SavedEvent[]>> {
    return this.outcome(() => this.platform.saveEvent(fn, name, event));
  }

  deleteSavedEvent(fn: string, name: string): Promise<Outcome<SavedEvent[]>> {
    return this.outcome(() => this.platform.deleteSavedEvent(fn, name));
  }

  subscribeLogs(query: LogQuery, onBatch: (batch: LogBatch) => void): Promise<Outcome<LogSubscription>> {
    return this.outcome(() => this.platform.subscribeLogs(query, onBatch));
  }

  // ---- code-aware least privilege -----------------------------------------------------------

  analyzeProject(): Promise<Outcome<ProjectAnalysis>> {
    return this.outcome(() => this.platform.analyzeProject());
  }

  analyzeFunction(fn: string): Promise<Outcome<FunctionAnalysis>> {
    return this.outcome(() => this.platform.analyzeFunction(fn));
  }

  previewGeneratedPolicy(fn: string): Promise<Outcome<PermissionsPreview>> {
    return this.outcome(() => this.platform.previewGeneratedPolicy(fn));
  }

  explainAccessDenied(fn: string, text: string): Promise<Outcome<AccessDeniedHelp>> {
    return this.outcome(() => this.platform.explainAccessDenied(fn, text));
  }

  outlineFile(path: string): Promise<Outcome<FileAnalysis>> {
    return this.outcome(() => this.platform.outlineFile(path));
  }

  /** Replaces a function's permissions with a reviewed preview's, and refreshes the manifest tab. */
  async setPermissions(fn: string, permissions: Permission[]): Promise<Outcome<void>> {
    try {
      this.dispatch({ type: 'projectUpdated', view: await this.platform.setPermissions(fn, permissions) });
    } catch (error) {
      return { ok: false, error: toApiError(error) };
    }
    await this.refreshManifestBuffer();
    return { ok: true, value: undefined };
  }

  // ---- cloud targets (Deploy) --------------------------------------------------------------

  /** Adds `[targets.NAME]` to functory.toml; a refusal names the field (`targets.dev.region: …`). */
  addTarget(target: NewTarget): Promise<EditOutcome> {
    return this.applyManifestEdits([{ kind: 'addTarget', target }]);
  }

  /** Removes `[targets.NAME]` from functory.toml (nothing in the cloud changes). */
  removeTarget(target: string): Promise<EditOutcome> {
    return this.applyManifestEdits([{ kind: 'removeTarget', target }]);
  }

  targetCapabilities(target: string): Promise<Outcome<Capabilities>> {
    return this.outcome(() => this.platform.targetCapabilities(target));
  }

  targetIdentity(target: string): Promise<Outcome<TargetIdentity>> {
    return this.outcome(() => this.platform.targetIdentity(target));
  }

  deployPlan(target: string, functions: string[]): Promise<Outcome<FunctionPlan[]>> {
    return this.outcome(() => this.platform.deployPlan(target, functions));
  }

  deployResourcePlan(target: string): Promise<Outcome<ResourcePlan | null>> {
    return this.outcome(() => this.platform.deployResourcePlan(target));
  }

  fidelityReport(fn: string | null): Promise<Outcome<FidelityItem[]>> {
    return this.outcome(() => this.platform.fidelityReport(fn));
  }

  deploy(target: string, functions: string[], onStep: (step: DeployStep) => void): Promise<Outcome<DeployReport>> {
    return this.outcome(() => this.platform.deploy(target, functions, onStep));
  }

  redeploy(target: string, fn: string, commit: string, onStep: (step: DeployStep) => void): Promise<Outcome<DeployReport>> {
    return this.outcome(() => this.platform.redeploy(target, fn, commit, onStep));
  }

  functionVersions(target: string, fn: string): Promise<Outcome<FunctionVersion[]>> {
    return this.outcome(() => this.platform.functionVersions(target, fn));
  }

  rollback(target: string, fn: string, version: string): Promise<Outcome<void>> {
    return this.outcome(() => this.platform.rollback(target, fn, version));
  }

  invokeOnTarget(target: string, fn: string, event: string, latest: boolean, asynchronous: boolean): Promise<Outcome<InvocationResult>> {
    return this.outcome(() => this.platform.invokeOnTarget(target, fn, event, latest, asynchronous));
  }

  callRouteOnTarget(target: string, fn: string, call: RouteCall): Promise<Outcome<RouteAnswer>> {
    return this.outcome(() => this.platform.callRouteOnTarget(target, fn, call));
  }

  targetLogSource(target: string, fn: string): Promise<Outcome<TargetLogSource>> {
    return this.outcome(() => this.platform.targetLogSource(target, fn));
  }

  subscribeTargetLogs(target: string, live: boolean, query: LogQuery, onBatch: (batch: LogBatch) => void): Promise<Outcome<LogSubscription>> {
    return this.outcome(() => this.platform.subscribeTargetLogs(target, live, query, onBatch));
  }

  remoteFunctions(target: string): Promise<Outcome<RemoteFunction[]>> {
    return this.outcome(() => this.platform.remoteFunctions(target));
  }

  /** Imports a cloud function; the project is redrawn from the host's answer. */
  importCloudFunction(target: string, fn: string, overwrite: boolean): Promise<Outcome<CloudImportReport>> {
    return this.outcome(async () => {
      const imported = await this.platform.importCloudFunction(target, fn, overwrite);
      this.dispatch({ type: 'projectUpdated', view: imported.project });
      await this.refreshManifestBuffer();
      return imported.report;
    });
  }

  // ---- history --------------------------------------------------------------------------

  historyStatus(): Promise<Outcome<WorktreeStatus>> {
    return this.outcome(() => this.platform.historyStatus());
  }

  checkpoint(message: string): Promise<Outcome<Checkpoint>> {
    return this.outcome(() => this.platform.checkpoint(message));
  }

  createBranch(name: string): Promise<Outcome<void>> {
    return this.outcome(() => this.platform.createBranch(name));
  }

  historyTimeline(fn: string | null): Promise<Outcome<TimelineEntry[]>> {
    return this.outcome(() => this.platform.historyTimeline(fn));
  }

  historyDiff(from: string, to: string | null, fn: string | null): Promise<Outcome<FileDiff[]>> {
    return this.outcome(() => this.platform.historyDiff(from, to, fn));
  }

  /**
   * Restores a file, or a function's code, to `commit` (the backend checkpoints the current state
   * first). Then refreshes the project, reloads the clean tabs of restored files, and warns about
   * restored files whose tabs have unsaved edits (saving those would undo the restore).
   */
  async restoreFromHistory(commit: string, file: string | null, fn: string | null): Promise<Outcome<RestoreOutcome>> {
    const restoredPaths = file !== null ? [file] : this.functionPaths(fn);
    let view: ProjectView;
    try {
      view = await this.platform.historyRestore(commit, file, fn);
    } catch (error) {
      return { ok: false, error: toApiError(error) };
    }
    this.dispatch({ type: 'projectUpdated', view });
    const restored = (path: string) => restoredPaths.some((p) => path === p || path.startsWith(`${p}/`));
    const outcome: RestoreOutcome = { keptDirty: [], reloaded: [] };
    for (const buffer of this.state.buffers.filter((b) => restored(b.path))) {
      if (isDirty(buffer)) {
        outcome.keptDirty.push(buffer.path);
        continue;
      }
      let content: FileContent;
      try {
        content = await this.platform.readFile(buffer.path);
      } catch (error) {
        const apiError = toApiError(error);
        // The restored version has no such file: its clean tab goes too.
        if (apiError.code === 'not_found') this.closeBuffer(buffer.path);
        else this.fail(apiError, `Could not reload ${buffer.path}`);
        continue;
      }
      const current = this.state.buffers.find((b) => b.path === buffer.path);
      // The user may have typed while we were reading; their edits win.
      if (current && !isDirty(current)) {
        this.dispatch({ type: 'bufferReplaced', path: buffer.path, text: content.text, savedText: content.text });
        outcome.reloaded.push(buffer.path);
      } else if (current) {
        outcome.keptDirty.push(buffer.path);
      }
    }
    if (outcome.keptDirty.length > 0) {
      this.notify(
        'warning',
        `${outcome.keptDirty.join(', ')} ${outcome.keptDirty.length === 1 ? 'has' : 'have'} unsaved edits in the editor, so ${outcome.keptDirty.length === 1 ? 'its tab was' : 'their tabs were'} not reloaded. Saving would overwrite the restored version.`,
      );
    }
    return { ok: true, value: outcome };
  }

  /** A function's files as the backend restores them: its code folder, or its handler file. */
  private functionPaths(fn: string | null): string[] {
    const found = this.state.project?.manifest.manifest?.functions.find((f) => f.name === fn);
    if (!found) return [];
    if (found.codeDir !== '.') return [found.codeDir];
    return found.handlerFile ? [found.handlerFile] : [];
  }

  // ---- security linter ------------------------------------------------------------------

  /** Lints the project's files on disk; the findings go to the state (Security view, editor). */
  async lint(): Promise<Outcome<LintReport>> {
    const running = this.outcome(() => this.platform.lintProject());
    this.lintRunning = running;
    const outcome = await running;
    if (this.lintRunning === running) this.lintRunning = null;
    if (outcome.ok) this.dispatch({ type: 'lintUpdated', findings: outcome.value.findings });
    return outcome;
  }

  /**
   * The lint under way, or a new one: for a view that wants fresh findings when it opens, not
   * a second lint beside the one a project update just started (at hundreds of functions each
   * takes a while, and two at once take longer).
   */
  lintUnlessRunning(): Promise<Outcome<LintReport>> {
    return this.lintRunning ?? this.lint();
  }

  lintRuleDocs(): Promise<Outcome<LintRuleDoc[]>> {
    return this.outcome(() => this.platform.lintRuleDocs());
  }

  previewLintFix(findingId: string): Promise<Outcome<LintFixPreview>> {
    return this.outcome(() => this.platform.previewLintFix(findingId));
  }

  /**
   * Applies a finding's fix on disk (unsafe fixes only with `confirm`), reloads the file's tab
   * when it has no unsaved edits (with them, warns: saving would undo the fix), and lints again.
   */
  async applyLintFix(finding: LintFinding, confirm: boolean): Promise<Outcome<void>> {
    let view: ProjectView;
    try {
      view = await this.platform.applyLintFix(finding.id, confirm);
    } catch (error) {
      return { ok: false, error: toApiError(error) };
    }
    this.dispatch({ type: 'projectUpdated', view });
    const buffer = this.state.buffers.find((b) => b.path === finding.file);
    if (buffer) {
      if (isDirty(buffer)) {
        this.notify('warning', `${buffer.path} has unsaved edits, so its tab was not reloaded. Saving would undo the fix.`);
      } else {
        const content = await this.attempt(() => this.platform.readFile(buffer.path), `Could not reload ${buffer.path}`);
        const current = this.state.buffers.find((b) => b.path === buffer.path);
        if (content && current && !isDirty(current)) {
          this.dispatch({ type: 'bufferReplaced', path: buffer.path, text: content.text, savedText: content.text });
        }
      }
    }
    await this.lint();
    return { ok: true, value: undefined };
  }

  // ---- trigger designer -----------------------------------------------------------------
  // Trigger edits themselves are manifest edits (`applyManifestEdits`); these are the form's
  // checks and the canvas's layout. Errors are returned for the view to place.

  checkFunctionSettings(draft: SettingsDraft): Promise<Outcome<SettingsProblem[]>> {
    return this.outcome(() => this.platform.checkFunctionSettings(draft));
  }

  checkTrigger(fn: string, editing: TriggerRef | null, trigger: Trigger): Promise<Outcome<TriggerCheck>> {
    return this.outcome(() => this.platform.checkTrigger(fn, editing, trigger));
  }

  canvasModel(): Promise<Outcome<CanvasModel>> {
    return this.outcome(() => this.platform.canvasModel());
  }

  canvasLayout(): Promise<Outcome<CanvasLayout>> {
    return this.outcome(() => this.platform.canvasLayout());
  }

  saveCanvasLayout(layout: CanvasLayout): Promise<Outcome<void>> {
    return this.outcome(() => this.platform.saveCanvasLayout(layout));
  }

  // ---- recovery -------------------------------------------------------------------------

  /** Restores the buffers of one project (the most recently edited), leaving others pending. */
  async restoreRecovery(): Promise<void> {
    const entries = this.state.recovery;
    if (entries.length === 0) return;
    const latest = entries.reduce((a, b) => (b.updatedAtMs > a.updatedAtMs ? b : a));
    const root = latest.projectRoot;
    if (this.state.project?.root !== root) {
      if (this.hasUnsavedBuffers()) {
        this.notify(
          'warning',
          `Save or close the unsaved files of ${this.state.project?.name ?? 'this project'} first: restoring opens ${root}.`,
        );
        return;
      }
      const view = await this.openFolder(root);
      if (!view) return;
    }
    const restored: JournalEntry[] = [];
    for (const entry of entries.filter((e) => e.projectRoot === root)) {
      let file: FileContent;
      try {
        file = await this.platform.readFile(entry.path);
      } catch (error) {
        const apiError = toApiError(error);
        if (apiError.code !== 'not_found') {
          this.fail(apiError, `Could not restore ${entry.path}`);
          continue;
        }
        // The file was deleted since: restore the text as a new, unsaved file.
        file = { path: entry.path, text: '', readOnly: false, notice: null, size: 0 };
      }
      this.addBuffer(file, entry.text, restored.length === 0);
      restored.push(entry);
    }
    this.dispatch({ type: 'recoveryChanged', entries: entries.filter((e) => !restored.includes(e)) });
    this.journal.writeNow();
  }

  async discardRecovery(): Promise<void> {
    const cleared = await this.attempt(() => this.platform.journalClear(), 'Could not clear the recovery journal');
    if (cleared === null) return;
    this.dispatch({ type: 'recoveryChanged', entries: [] });
    // Buffers edited in this session must stay in the journal.
    if (journalEntries(this.state).length > 0) this.journal.writeNow();
  }
}
