import { Channel, invoke } from '@tauri-apps/api/core';

import type { AccountInput } from '../bindings/AccountInput';
import type { AccountTestResult } from '../bindings/AccountTestResult';
import type { AccountSummary } from '../bindings/AccountSummary';
import type { AwsProfile } from '../bindings/AwsProfile';
import type { Checkpoint } from '../bindings/Checkpoint';
import type { FileContent } from '../bindings/FileContent';
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
import type { RunStatus } from '../bindings/RunStatus';
import type { SampleEvent } from '../bindings/SampleEvent';
import type { SavedEvent } from '../bindings/SavedEvent';
import type { DeployReport } from '../bindings/DeployReport';
import type { AccessDeniedHelp } from '../bindings/AccessDeniedHelp';
import type { FileAnalysis } from '../bindings/FileAnalysis';
import type { FunctionAnalysis } from '../bindings/FunctionAnalysis';
import type { PermissionsPreview } from '../bindings/PermissionsPreview';
import type { ProjectAnalysis } from '../bindings/ProjectAnalysis';
import type { DeployStep } from '../bindings/DeployStep';
import type { FunctionPlan } from '../bindings/FunctionPlan';
import type { FunctionVersion } from '../bindings/FunctionVersion';
import type { TargetLogSource } from '../bindings/TargetLogSource';
import type { CanvasLayout } from '../bindings/CanvasLayout';
import type { TriggerCheck } from '../bindings/TriggerCheck';
import type { CloudImport } from '../bindings/CloudImport';
import type { RemoteFunction } from '../bindings/RemoteFunction';
import { toApiError, type LogSubscription, type Platform } from './index';

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toApiError(error);
  }
}

/** One channel per subscription: the host sends batches on it until unsubscribed. */
async function subscribe(command: string, args: Record<string, unknown>, onBatch: (batch: LogBatch) => void): Promise<LogSubscription> {
  let open = true;
  const channel = new Channel<LogBatch>();
  channel.onmessage = (batch) => {
    if (open) onBatch(batch);
  };
  const id = await call<number>(command, { ...args, onBatch: channel });
  return {
    close: async () => {
      if (!open) return;
      open = false;
      await call<boolean>('unsubscribe_logs', { id });
    },
  };
}

export function createTauriPlatform(): Platform {
  return {
    kind: 'tauri',
    startup: () => call<Startup>('startup'),
    openProject: (path) => call<ProjectView>('open_project', { path }),
    openSampleProject: () => call<ProjectView>('open_sample_project'),
    createProject: (path: string, name: string, template: FunctionTemplate | null) =>
      call<ProjectView>('create_project', { path, name, template }),
    initProject: (name) => call<ProjectView>('init_project', { name }),
    reloadProject: () => call<ProjectView>('reload_project'),
    readFile: (path) => call<FileContent>('read_file', { path }),
    writeFile: (path, text) => call<ProjectView>('write_file', { path, text }),
    applyManifestEdit: (edit: ManifestEdit) => call<ProjectView>('apply_manifest_edit', { edit }),
    createFunction: (name, template) => call<ProjectView>('create_function', { name, template }),
    journalSave: async (entries: JournalEntry[]) => {
      await call<null>('journal_save', { entries });
    },
    journalClear: async () => {
      await call<null>('journal_clear');
    },
    pickFolder: () => call<string | null>('pick_folder'),
    uiReady: async () => {
      await call<null>('ui_ready');
    },
    listAccounts: () => call<AccountSummary[]>('list_accounts'),
    addAccount: (input: AccountInput) => call<AccountSummary>('add_account', { input }),
    updateAccount: (input: AccountInput) => call<AccountSummary>('update_account', { input }),
    renameAccount: async (from, to) => {
      await call<null>('rename_account', { from, to });
    },
    removeAccount: async (name) => {
      await call<null>('remove_account', { name });
    },
    testAccount: (name) => call<AccountTestResult>('test_account', { name }),
    listAwsProfiles: () => call<AwsProfile[]>('list_aws_profiles'),
    setTargetCredentials: (target, profile, account) =>
      call<ProjectView>('set_target_credentials', { target, profile, account }),
    historyStatus: () => call<WorktreeStatus>('history_status'),
    checkpoint: (message) => call<Checkpoint>('checkpoint', { message }),
    createBranch: async (name) => {
      await call<null>('create_branch', { name });
    },
    historyTimeline: (fn) => call<TimelineEntry[]>('history_timeline', { function: fn }),
    historyDiff: (from, to, fn) => call<FileDiff[]>('history_diff', { from, to, function: fn }),
    historyRestore: (commit, file, fn) => call<ProjectView>('history_restore', { commit, file, function: fn }),

    closeProject: async () => {
      await call<null>('close_project');
    },
    startRun: (port) => call<RunStatus>('start_run', { port }),
    stopRun: () => call<RunStatus>('stop_run'),
    runStatus: () => call<RunStatus>('run_status'),
    invokeFunction: (fn, event) => call<InvocationResult>('invoke_function', { function: fn, event }),
    fireSchedule: (fn) => call<InvocationResult>('fire_schedule', { function: fn }),
    sampleEvents: (fn) => call<SampleEvent[]>('sample_events', { function: fn }),
    savedEvents: (fn) => call<SavedEvent[]>('saved_events', { function: fn }),
    saveEvent: (fn, name, event) => call<SavedEvent[]>('save_event', { function: fn, name, event }),
    deleteSavedEvent: (fn, name) => call<SavedEvent[]>('delete_saved_event', { function: fn, name }),
    subscribeLogs: (query, onBatch) => subscribe('subscribe_logs', { query }, onBatch),
    subscribeTargetLogs: (target, live, query, onBatch) => subscribe('subscribe_target_logs', { target, live, query }, onBatch),
    invokeOnTarget: (target, fn, event, latest, asynchronous) =>
      call<InvocationResult>('invoke_on_target', { target, function: fn, event, latest, asynchronous }),
    targetLogSource: (target, fn) => call<TargetLogSource>('target_log_source', { target, function: fn }),
    lintProject: () => call<LintReport>('lint_project'),
    lintRuleDocs: () => call<LintRuleDoc[]>('lint_rule_docs'),
    previewLintFix: (findingId) => call<LintFixPreview>('preview_lint_fix', { findingId }),
    applyLintFix: (findingId, confirm) => call<ProjectView>('apply_lint_fix', { findingId, confirm }),
    analyzeProject: () => call<ProjectAnalysis>('analyze_project'),
    analyzeFunction: (fn) => call<FunctionAnalysis>('analyze_function', { function: fn }),
    previewGeneratedPolicy: (fn) => call<PermissionsPreview>('preview_generated_policy', { function: fn }),
    setPermissions: (fn, permissions) => call<ProjectView>('set_permissions', { function: fn, permissions }),
    explainAccessDenied: (fn, text) => call<AccessDeniedHelp>('explain_access_denied', { function: fn, text }),
    outlineFile: (path) => call<FileAnalysis>('outline_file', { path }),
    deployPlan: (target, functions) => call<FunctionPlan[]>('deploy_plan', { target, functions }),
    deploy: (target, functions, onStep) => {
      const channel = new Channel<DeployStep>();
      channel.onmessage = onStep;
      return call<DeployReport>('deploy_functions', { target, functions, onStep: channel });
    },
    redeploy: (target, fn, commit, onStep) => {
      const channel = new Channel<DeployStep>();
      channel.onmessage = onStep;
      return call<DeployReport>('redeploy_function', { target, function: fn, commit, onStep: channel });
    },
    functionVersions: (target, fn) => call<FunctionVersion[]>('function_versions', { target, function: fn }),
    rollback: async (target, fn, version) => {
      await call<null>('rollback_function', { target, function: fn, version });
    },
    remoteFunctions: (target) => call<RemoteFunction[]>('remote_functions', { target }),
    importCloudFunction: (target, fn, overwrite) =>
      call<CloudImport>('import_cloud_function', { target, function: fn, overwrite }),
    checkTrigger: (fn, editing, trigger) => call<TriggerCheck>('check_trigger', { function: fn, editing, trigger }),
    canvasLayout: () => call<CanvasLayout>('canvas_layout'),
    saveCanvasLayout: async (layout) => {
      await call<null>('save_canvas_layout', { layout });
    },
  };
}
