// The Platform over a transport: each method is one command of the generated table
// (`bindings/commands.ts`), so a name or argument the Rust side does not have fails `tsc`.
import type { CommandName, Commands } from '../bindings/commands';
import type { LogBatch } from '../bindings/LogBatch';
import type { DeployStep } from '../bindings/DeployStep';
import { toApiError, type LogSubscription, type Platform, type Transport } from './index';

export function createPlatform(transport: Transport): Platform {
  const call = async <K extends CommandName>(command: K, args: Commands[K]['args']): Promise<Commands[K]['returns']> => {
    try {
      return (await transport.call(command, args as Record<string, unknown>)) as Commands[K]['returns'];
    } catch (error) {
      throw toApiError(error);
    }
  };
  const none = {} as Record<string, never>;

  /** A log subscription: its messages flow until `close`, which also ends it on the host. */
  const subscribe = async <K extends 'subscribe_logs' | 'subscribe_target_logs'>(
    command: K,
    args: Commands[K]['args'],
    onBatch: (batch: LogBatch) => void,
  ): Promise<LogSubscription> => {
    let stream;
    try {
      stream = await transport.stream(command, args as Record<string, unknown>, (m) => onBatch(m as LogBatch));
    } catch (error) {
      throw toApiError(error);
    }
    const id = stream.result as number;
    let open = true;
    return {
      close: async () => {
        if (!open) return;
        open = false;
        await stream.close();
        await call('unsubscribe_logs', { id });
      },
    };
  };

  /** A command that reports progress while it runs, then answers. */
  const withProgress = async <K extends 'deploy_functions' | 'redeploy_function'>(
    command: K,
    args: Commands[K]['args'],
    onStep: (step: DeployStep) => void,
  ): Promise<Commands[K]['returns']> => {
    try {
      const stream = await transport.stream(command, args as Record<string, unknown>, (m) => onStep(m as DeployStep));
      await stream.close();
      return stream.result as Commands[K]['returns'];
    } catch (error) {
      throw toApiError(error);
    }
  };

  return {
    kind: transport.kind,
    startup: () => call('startup', none),
    openProject: (path) => call('open_project', { path }),
    openSampleProject: () => call('open_sample_project', none),
    createProject: (path, name, template) => call('create_project', { path, name, template }),
    initProject: (name) => call('init_project', { name }),
    reloadProject: () => call('reload_project', none),
    readFile: (path) => call('read_file', { path }),
    writeFile: (path, text) => call('write_file', { path, text }),
    applyManifestEdit: (edit) => call('apply_manifest_edit', { edit }),
    createFunction: (name, template) => call('create_function', { name, template }),
    journalSave: async (entries) => {
      await call('journal_save', { entries });
    },
    journalClear: async () => {
      await call('journal_clear', none);
    },
    pickFolder: () => transport.pickFolder(),
    uiReady: () => transport.uiReady(),

    listAccounts: () => call('list_accounts', none),
    addAccount: (input) => call('add_account', { input }),
    updateAccount: (input) => call('update_account', { input }),
    renameAccount: async (from, to) => {
      await call('rename_account', { from, to });
    },
    removeAccount: async (name) => {
      await call('remove_account', { name });
    },
    testAccount: (name) => call('test_account', { name }),
    listAwsProfiles: () => call('list_aws_profiles', none),
    setTargetCredentials: (target, profile, account) => call('set_target_credentials', { target, profile, account }),

    historyStatus: () => call('history_status', none),
    checkpoint: (message) => call('checkpoint', { message }),
    createBranch: async (name) => {
      await call('create_branch', { name });
    },
    historyTimeline: (fn) => call('history_timeline', { function: fn }),
    historyDiff: (from, to, fn) => call('history_diff', { from, to, function: fn }),
    historyRestore: (commit, file, fn) => call('history_restore', { commit, file, function: fn }),

    closeProject: async () => {
      await call('close_project', none);
    },
    startRun: (port) => call('start_run', { port }),
    stopRun: () => call('stop_run', none),
    runSwitches: () => call('run_switches', none),
    setRunSwitches: async (switches) => {
      await call('set_run_switches', { switches });
    },
    resetLocalData: () => call('reset_local_data', none),
    runStatus: () => call('run_status', none),
    invokeFunction: (fn, event) => call('invoke_function', { function: fn, event }),
    fireSchedule: (fn) => call('fire_schedule', { function: fn }),
    sampleEvents: (fn) => call('sample_events', { function: fn }),
    savedEvents: (fn) => call('saved_events', { function: fn }),
    saveEvent: (fn, name, event) => call('save_event', { function: fn, name, event }),
    deleteSavedEvent: (fn, name) => call('delete_saved_event', { function: fn, name }),
    subscribeLogs: (query, onBatch) => subscribe('subscribe_logs', { query }, onBatch),

    lintProject: () => call('lint_project', none),
    lintRuleDocs: () => call('lint_rule_docs', none),
    previewLintFix: (findingId) => call('preview_lint_fix', { findingId }),
    applyLintFix: (findingId, confirm) => call('apply_lint_fix', { findingId, confirm }),

    analyzeProject: () => call('analyze_project', none),
    analyzeFunction: (fn) => call('analyze_function', { function: fn }),
    previewGeneratedPolicy: (fn) => call('preview_generated_policy', { function: fn }),
    setPermissions: (fn, permissions) => call('set_permissions', { function: fn, permissions }),
    explainAccessDenied: (fn, text) => call('explain_access_denied', { function: fn, text }),
    outlineFile: (path) => call('outline_file', { path }),

    targetCapabilities: (target) => call('target_capabilities', { target }),
    targetIdentity: (target) => call('target_identity', { target }),
    deployPlan: (target, functions) => call('deploy_plan', { target, functions }),
    deployResourcePlan: (target) => call('deploy_resource_plan', { target }),
    fidelityReport: (fn) => call('fidelity_report', { function: fn }),
    deploy: (target, functions, onStep) => withProgress('deploy_functions', { target, functions }, onStep),
    redeploy: (target, fn, commit, onStep) => withProgress('redeploy_function', { target, function: fn, commit }, onStep),
    functionVersions: (target, fn) => call('function_versions', { target, function: fn }),
    rollback: async (target, fn, version) => {
      await call('rollback_function', { target, function: fn, version });
    },
    invokeOnTarget: (target, fn, event, latest, asynchronous) =>
      call('invoke_on_target', { target, function: fn, event, latest, asynchronous }),
    callRouteOnTarget: (target, fn, routeCall) => call('call_route_on_target', { target, function: fn, call: routeCall }),
    targetLogSource: (target, fn) => call('target_log_source', { target, function: fn }),
    subscribeTargetLogs: (target, live, query, onBatch) => subscribe('subscribe_target_logs', { target, live, query }, onBatch),
    remoteFunctions: (target) => call('remote_functions', { target }),
    importCloudFunction: (target, fn, overwrite) => call('import_cloud_function', { target, function: fn, overwrite }),

    checkTrigger: (fn, editing, trigger) => call('check_trigger', { function: fn, editing, trigger }),
    checkFunctionSettings: (draft) => call('check_function_settings', { draft }),
    canvasModel: () => call('canvas_model', none),
    canvasLayout: () => call('canvas_layout', none),
    saveCanvasLayout: async (layout) => {
      await call('save_canvas_layout', { layout });
    },
  };
}
