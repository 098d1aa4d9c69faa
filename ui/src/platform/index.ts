// The one door between the UI and the host. Only this folder imports `@tauri-apps/*`. Every
// method is one command of `functory_api::ipc` (named in `bindings/commands.ts`, generated from
// Rust), sent over a transport: Tauri's IPC inside the desktop app, or, in a plain browser (the
// UI tests, `npm run dev` with the bridge), the loopback test bridge that serves the same
// commands from the same Rust session. There is no second implementation of anything here.

import type { AccountInput } from '../bindings/AccountInput';
import type { AccountSummary } from '../bindings/AccountSummary';
import type { AccountTestResult } from '../bindings/AccountTestResult';
import type { ApiError } from '../bindings/ApiError';
import type { AwsProfile } from '../bindings/AwsProfile';
import type { Capabilities } from '../bindings/Capabilities';
import type { Checkpoint } from '../bindings/Checkpoint';
import type { FileContent } from '../bindings/FileContent';
import type { RunSwitches } from '../bindings/RunSwitches';
import type { FileDiff } from '../bindings/FileDiff';
import type { FunctionTemplate } from '../bindings/FunctionTemplate';
import type { JournalEntry } from '../bindings/JournalEntry';
import type { LintFixPreview } from '../bindings/LintFixPreview';
import type { LintReport } from '../bindings/LintReport';
import type { LintRuleDoc } from '../bindings/LintRuleDoc';
import type { ManifestEdit } from '../bindings/ManifestEdit';
import type { ProjectView } from '../bindings/ProjectView';
import type { Startup } from '../bindings/Startup';
import type { TimelineEntry } from '../bindings/TimelineEntry';
import type { WorktreeStatus } from '../bindings/WorktreeStatus';
import type { InvocationResult } from '../bindings/InvocationResult';
import type { LogBatch } from '../bindings/LogBatch';
import type { LogQuery } from '../bindings/LogQuery';
import type { RunStatus } from '../bindings/RunStatus';
import type { SampleEvent } from '../bindings/SampleEvent';
import type { SavedEvent } from '../bindings/SavedEvent';
import type { DeployReport } from '../bindings/DeployReport';
import type { AccessDeniedHelp } from '../bindings/AccessDeniedHelp';
import type { FileAnalysis } from '../bindings/FileAnalysis';
import type { FunctionAnalysis } from '../bindings/FunctionAnalysis';
import type { Permission } from '../bindings/Permission';
import type { PermissionsPreview } from '../bindings/PermissionsPreview';
import type { ProjectAnalysis } from '../bindings/ProjectAnalysis';
import type { DeployStep } from '../bindings/DeployStep';
import type { FunctionPlan } from '../bindings/FunctionPlan';
import type { ResourcePlan } from '../bindings/ResourcePlan';
import type { FidelityItem } from '../bindings/FidelityItem';
import type { FunctionVersion } from '../bindings/FunctionVersion';
import type { TargetIdentity } from '../bindings/TargetIdentity';
import type { RouteAnswer } from '../bindings/RouteAnswer';
import type { RouteCall } from '../bindings/RouteCall';
import type { TargetLogSource } from '../bindings/TargetLogSource';
import type { CanvasLayout } from '../bindings/CanvasLayout';
import type { CanvasModel } from '../bindings/CanvasModel';
import type { SettingsDraft } from '../bindings/SettingsDraft';
import type { SettingsProblem } from '../bindings/SettingsProblem';
import type { CloudImport } from '../bindings/CloudImport';
import type { RemoteFunction } from '../bindings/RemoteFunction';
import type { Trigger } from '../bindings/Trigger';
import type { TriggerCheck } from '../bindings/TriggerCheck';
import type { TriggerRef } from '../bindings/TriggerRef';

/** A live log subscription; `close` ends it on the host (idempotent). */
export interface LogSubscription {
  close(): Promise<void>;
}

/** Every method rejects with an {@link ApiError}. */
export interface Platform {
  /** "tauri" in the desktop app, "bridge" in a plain browser served by the test bridge. */
  readonly kind: 'tauri' | 'bridge';
  startup(): Promise<Startup>;
  openProject(path: string): Promise<ProjectView>;
  openSampleProject(): Promise<ProjectView>;
  createProject(path: string, name: string, template: FunctionTemplate | null): Promise<ProjectView>;
  initProject(name: string): Promise<ProjectView>;
  reloadProject(): Promise<ProjectView>;
  readFile(path: string): Promise<FileContent>;
  writeFile(path: string, text: string): Promise<ProjectView>;
  applyManifestEdit(edit: ManifestEdit): Promise<ProjectView>;
  createFunction(name: string, template: FunctionTemplate): Promise<ProjectView>;
  journalSave(entries: JournalEntry[]): Promise<void>;
  journalClear(): Promise<void>;
  /** The native folder dialog; null when the user cancels. */
  pickFolder(): Promise<string | null>;
  /** Tells the host the first project is drawn (the startup benchmark waits for it). */
  uiReady(): Promise<void>;

  // ---- accounts (OS keychain): secrets go in and never come back ----------------------------
  /** Public details only, never a secret. */
  listAccounts(): Promise<AccountSummary[]>;
  addAccount(input: AccountInput): Promise<AccountSummary>;
  /** Secret fields left "" keep the stored secret (not for Google accounts: paste the key again). */
  updateAccount(input: AccountInput): Promise<AccountSummary>;
  renameAccount(from: string, to: string): Promise<void>;
  removeAccount(name: string): Promise<void>;
  /** Signs in with the account (STS GetCallerIdentity, or an Azure/Google token request). */
  testAccount(name: string): Promise<AccountTestResult>;
  /** Profiles of ~/.aws/config, referenced by name; Functory never copies their secrets. */
  listAwsProfiles(): Promise<AwsProfile[]>;
  /** Writes `profile` / `account` of `[targets.NAME]` (both null removes both). */
  setTargetCredentials(target: string, profile: string | null, account: string | null): Promise<ProjectView>;

  // ---- history (the project's git repository) -------------------------------------------------
  historyStatus(): Promise<WorktreeStatus>;
  /** `created` is false when nothing changed since the last checkpoint. */
  checkpoint(message: string): Promise<Checkpoint>;
  /** The safe way out of a detached HEAD: a branch at the current commit. */
  createBranch(name: string): Promise<void>;
  /** Commits and deploys, newest first; of one function's code, or of the whole project (null). */
  historyTimeline(fn: string | null): Promise<TimelineEntry[]>;
  /** Changed files between two commits; `to` null compares with the files on disk now. */
  historyDiff(from: string, to: string | null, fn: string | null): Promise<FileDiff[]>;
  /** Puts a file, or a function's code, back as it was at `commit`; checkpoints the current state first. */
  historyRestore(commit: string, file: string | null, fn: string | null): Promise<ProjectView>;

  // ---- the local run (Run & Logs) ------------------------------------------------------------
  /** Forgets the open project on the host, stopping its local run and log tails. */
  closeProject(): Promise<void>;
  /** Serves the open project; `port` 0 picks a free port, null reuses the last one (8787 at first). */
  startRun(port: number | null): Promise<RunStatus>;
  stopRun(): Promise<RunStatus>;
  /** The local AWS services switches the next run starts with. */
  runSwitches(): Promise<RunSwitches>;
  setRunSwitches(switches: RunSwitches): Promise<void>;
  /** Stops the run and removes what the local AWS services hold (the next run starts from the declared resources). */
  resetLocalData(): Promise<RunStatus>;
  runStatus(): Promise<RunStatus>;
  /** Invokes with an event given as JSON text; starts the local run first when it is stopped. */
  invokeFunction(fn: string, event: string): Promise<InvocationResult>;
  fireSchedule(fn: string): Promise<InvocationResult>;
  sampleEvents(fn: string): Promise<SampleEvent[]>;
  savedEvents(fn: string): Promise<SavedEvent[]>;
  /** Saves (or replaces) a test event; answers the function's saved events. */
  saveEvent(fn: string, name: string, event: string): Promise<SavedEvent[]>;
  deleteSavedEvent(fn: string, name: string): Promise<SavedEvent[]>;
  /**
   * Streams matching log lines to `onBatch` (batched by the host, ~50 ms) until closed. The
   * subscription exists when the promise resolves: subscribe before invoking so no line is lost.
   */
  subscribeLogs(query: LogQuery, onBatch: (batch: LogBatch) => void): Promise<LogSubscription>;
  // ---- security linter --------------------------------------------------------------------------
  /** Findings for every policy file, template and functory.toml of the open project. */
  lintProject(): Promise<LintReport>;
  lintRuleDocs(): Promise<LintRuleDoc[]>;
  /** What a finding's fix would change (shown before an unsafe fix). */
  previewLintFix(findingId: string): Promise<LintFixPreview>;
  /** Applies a finding's fix; unsafe fixes are refused unless `confirm`. */
  applyLintFix(findingId: string, confirm: boolean): Promise<ProjectView>;

  // ---- code-aware least privilege --------------------------------------------------------------
  /** Every function's SDK calls, the IAM actions they need, and how that compares with its permissions. */
  analyzeProject(): Promise<ProjectAnalysis>;
  /** One function's calls, required actions, generated policy, comparison and findings. */
  analyzeFunction(fn: string): Promise<FunctionAnalysis>;
  /** What "Use the generated policy" would change in functory.toml; changes nothing. */
  previewGeneratedPolicy(fn: string): Promise<PermissionsPreview>;
  /** Replaces the function's permissions (after the user reviewed a preview's diff). */
  setPermissions(fn: string, permissions: Permission[]): Promise<ProjectView>;
  /** Explains an AccessDenied text of an invoke result or log line of `fn`, with the exact change. */
  explainAccessDenied(fn: string, text: string): Promise<AccessDeniedHelp>;
  /** The outline of one JavaScript, TypeScript or Python file, for the editor. */
  outlineFile(path: string): Promise<FileAnalysis>;

  // ---- cloud targets (Deploy) -----------------------------------------------------------------
  /** What a target's provider can do (versions, stages, queued invokes, live logs, trigger kinds); asks no cloud. */
  targetCapabilities(target: string): Promise<Capabilities>;
  /** Who a target acts as, asked of the cloud (AWS: STS GetCallerIdentity); others answer `not_supported`. */
  targetIdentity(target: string): Promise<TargetIdentity>;
  /** What deploying `functions` (all when empty) to `target` would change; changes nothing. */
  deployPlan(target: string, functions: string[]): Promise<FunctionPlan[]>;
  /** What a deploy to `target` would create of the declared resources (`null`: none declared); changes nothing. */
  deployResourcePlan(target: string): Promise<ResourcePlan | null>;
  /** How the local run differs from AWS Lambda (the project's items and `fn`'s, or every function's), each with what to do. */
  fidelityReport(fn: string | null): Promise<FidelityItem[]>;
  /** Checkpoints, deploys and records; `onStep` gets each step as it starts. */
  deploy(target: string, functions: string[], onStep: (step: DeployStep) => void): Promise<DeployReport>;
  /** Deploys `fn` exactly as it was at `commit` (a recorded deploy in History). */
  redeploy(target: string, fn: string, commit: string, onStep: (step: DeployStep) => void): Promise<DeployReport>;
  /** Published versions, oldest first; `serving` marks the target's stage. */
  functionVersions(target: string, fn: string): Promise<FunctionVersion[]>;
  /** Points the target's stage back at an earlier published version. */
  rollback(target: string, fn: string, version: string): Promise<void>;
  /** Invokes `fn` on a cloud target: its stage alias, or `$LATEST` with `latest`; queued with `asynchronous`. */
  invokeOnTarget(target: string, fn: string, event: string, latest: boolean, asynchronous: boolean): Promise<InvocationResult>;
  /** Sends an HTTP request to one of `fn`'s routes through the target's HTTP API (what a client of the API gets). */
  callRouteOnTarget(target: string, fn: string, call: RouteCall): Promise<RouteAnswer>;
  /** Where a cloud target's log lines of `fn` come from, and how late they show up. */
  targetLogSource(target: string, fn: string): Promise<TargetLogSource>;
  /**
   * As `subscribeLogs`, for one function's logs on a cloud target (`query.function` is
   * required): polled, or with `live` an AWS live tail session, which AWS bills by the minute.
   * The last batch carries an error when the tail stopped on one.
   */
  subscribeTargetLogs(target: string, live: boolean, query: LogQuery, onBatch: (batch: LogBatch) => void): Promise<LogSubscription>;
  /** The functions of the target's account and region ("Import from AWS"). */
  remoteFunctions(target: string): Promise<RemoteFunction[]>;
  /**
   * Imports a cloud function into the open project: its code into a folder of its own (files
   * that differ are kept unless `overwrite`), its settings, triggers and permissions into
   * functory.toml; likely secrets are left out. Answers the report and the project after it.
   */
  importCloudFunction(target: string, fn: string, overwrite: boolean): Promise<CloudImport>;
  // ---- trigger designer ---------------------------------------------------------------------
  /**
   * The side form's inline checks of a trigger against the whole project (route conflicts,
   * overlapping bucket rules, schedule syntax with the next 5 fire times). `editing` is the
   * trigger it replaces (being edited, or moved from another function), left out of the
   * comparisons; null for a new one.
   */
  checkTrigger(fn: string, editing: TriggerRef | null, trigger: Trigger): Promise<TriggerCheck>;
  /** What saving a function's settings form would refuse, per field (the backend's rules). */
  checkFunctionSettings(draft: SettingsDraft): Promise<SettingsProblem[]>;
  /** Every trigger edge's needs (who grants what) and every function's destinations. */
  canvasModel(): Promise<CanvasModel>;
  /** The canvas's remembered node positions (`.functory/canvas.json`). */
  canvasLayout(): Promise<CanvasLayout>;
  saveCanvasLayout(layout: CanvasLayout): Promise<void>;
}

/**
 * An `{ code, message }` object. The code is not checked against `ErrorCode`: a code the
 * UI does not know yet (a newer backend) still arrives intact with its message.
 */
export function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** Whatever a command rejected with, as an ApiError (IPC failures arrive as plain strings). */
export function toApiError(value: unknown): ApiError {
  if (isApiError(value)) return value;
  if (typeof value === 'string') return { code: 'io', message: value };
  if (value instanceof Error) return { code: 'io', message: value.message };
  if (typeof value === 'object' && value !== null && 'message' in value) {
    return { code: 'io', message: String((value as { message: unknown }).message) };
  }
  return { code: 'io', message: `unexpected error: ${String(value)}` };
}

/**
 * How commands reach the Rust session. `stream` opens a channel first, so no early message is
 * lost, then runs the command; `close` stops the messages (a final drain delivers any the
 * command sent before it answered).
 */
export interface Transport {
  readonly kind: 'tauri' | 'bridge';
  call(command: string, args: Record<string, unknown>): Promise<unknown>;
  stream(
    command: string,
    args: Record<string, unknown>,
    onMessage: (message: unknown) => void,
  ): Promise<{ result: unknown; close(): Promise<void> }>;
  pickFolder(): Promise<string | null>;
  uiReady(): Promise<void>;
}

/** Chooses the transport once, at startup. */
export async function loadPlatform(): Promise<Platform> {
  const { createPlatform } = await import('./commands');
  if (typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window) {
    const { createTauriTransport } = await import('./tauri');
    return createPlatform(createTauriTransport());
  }
  const { createBridgeTransport } = await import('./bridge');
  return createPlatform(createBridgeTransport(window.location.origin));
}
