//! The IPC commands. Each is a few lines: take state, call `functory-api`, return its result;
//! errors cross as `{code, message}` (`ApiError` serializes to exactly that).

use functory_api::account_test::AccountTestResult;
use functory_api::accounts::{AccountInput, AwsProfile};
use functory_api::analyze::{
    AccessDeniedHelp, FunctionAnalysis, PermissionsPreview, ProjectAnalysis,
};
use functory_api::analyzer::FileAnalysis;
use functory_api::cloud::{
    DeployReport, DeployStep, FunctionPlan, FunctionVersion, RemoteFunction, TargetLogSource,
};
use functory_api::cloud_import::CloudImport;
use functory_api::core::ManifestEdit;
use functory_api::core::Trigger;
use functory_api::core::template::FunctionTemplate;
use functory_api::git_history::{Checkpoint, FileDiff, TimelineEntry, WorktreeStatus};
use functory_api::lint::{LintFixPreview, LintReport, LintRuleDoc};
use functory_api::local::{
    InvocationResult, LogBatch, LogQuery, RunStatus, SampleEvent, SavedEvent,
};
use functory_api::recovery::JournalEntry;
use functory_api::session::{Session, Startup};
use functory_api::triggers::{CanvasLayout, TriggerCheck, TriggerRef};
use functory_api::vault::AccountSummary;
use functory_api::{ApiError, FileContent, ProjectView};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::DialogExt;

use crate::Launch;

type Result<T> = std::result::Result<T, ApiError>;

/// Every command the UI may call. The mock-runtime test walks this list.
pub const COMMANDS: &[&str] = &[
    "startup",
    "open_project",
    "open_sample_project",
    "create_project",
    "init_project",
    "reload_project",
    "read_file",
    "write_file",
    "apply_manifest_edit",
    "create_function",
    "journal_save",
    "journal_clear",
    "pick_folder",
    "ui_ready",
    "list_accounts",
    "add_account",
    "update_account",
    "rename_account",
    "remove_account",
    "test_account",
    "test_aws_profile",
    "list_aws_profiles",
    "set_target_credentials",
    "history_status",
    "checkpoint",
    "create_branch",
    "history_timeline",
    "history_diff",
    "history_restore",
    "close_project",
    "start_run",
    "stop_run",
    "run_status",
    "invoke_function",
    "fire_schedule",
    "sample_events",
    "saved_events",
    "save_event",
    "delete_saved_event",
    "subscribe_logs",
    "unsubscribe_logs",
    "lint_project",
    "lint_rule_docs",
    "preview_lint_fix",
    "apply_lint_fix",
    "analyze_project",
    "analyze_function",
    "preview_generated_policy",
    "set_permissions",
    "explain_access_denied",
    "outline_file",
    "deploy_plan",
    "deploy_functions",
    "redeploy_function",
    "function_versions",
    "rollback_function",
    "invoke_on_target",
    "target_log_source",
    "subscribe_target_logs",
    "remote_functions",
    "import_cloud_function",
    "check_trigger",
    "canvas_layout",
    "save_canvas_layout",
];

pub fn handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        startup,
        open_project,
        open_sample_project,
        create_project,
        init_project,
        reload_project,
        read_file,
        write_file,
        apply_manifest_edit,
        create_function,
        journal_save,
        journal_clear,
        pick_folder,
        ui_ready,
        list_accounts,
        add_account,
        update_account,
        rename_account,
        remove_account,
        test_account,
        test_aws_profile,
        list_aws_profiles,
        set_target_credentials,
        history_status,
        checkpoint,
        create_branch,
        history_timeline,
        history_diff,
        history_restore,
        close_project,
        start_run,
        stop_run,
        run_status,
        invoke_function,
        fire_schedule,
        sample_events,
        saved_events,
        save_event,
        delete_saved_event,
        subscribe_logs,
        unsubscribe_logs,
        lint_project,
        lint_rule_docs,
        preview_lint_fix,
        apply_lint_fix,
        analyze_project,
        analyze_function,
        preview_generated_policy,
        set_permissions,
        explain_access_denied,
        outline_file,
        deploy_plan,
        deploy_functions,
        redeploy_function,
        function_versions,
        rollback_function,
        invoke_on_target,
        target_log_source,
        subscribe_target_logs,
        remote_functions,
        import_cloud_function,
        check_trigger,
        canvas_layout,
        save_canvas_layout,
    ]
}

#[tauri::command]
fn startup(session: State<'_, Session>) -> Result<Startup> {
    session.startup()
}

#[tauri::command]
async fn open_project(session: State<'_, Session>, path: String) -> Result<ProjectView> {
    session.open_project(&path)
}

#[tauri::command]
async fn open_sample_project(session: State<'_, Session>) -> Result<ProjectView> {
    session.open_sample_project()
}

#[tauri::command]
async fn create_project(
    session: State<'_, Session>,
    path: String,
    name: String,
    template: Option<FunctionTemplate>,
) -> Result<ProjectView> {
    session.create_project(&path, &name, template)
}

#[tauri::command]
async fn init_project(session: State<'_, Session>, name: String) -> Result<ProjectView> {
    session.init_project(&name)
}

#[tauri::command]
async fn reload_project(session: State<'_, Session>) -> Result<ProjectView> {
    session.reload_project()
}

#[tauri::command]
async fn read_file(session: State<'_, Session>, path: String) -> Result<FileContent> {
    session.read_file(&path)
}

#[tauri::command]
async fn write_file(
    session: State<'_, Session>,
    path: String,
    text: String,
) -> Result<ProjectView> {
    session.write_file(&path, &text)
}

#[tauri::command]
async fn apply_manifest_edit(
    session: State<'_, Session>,
    edit: ManifestEdit,
) -> Result<ProjectView> {
    session.apply_manifest_edit(&edit)
}

#[tauri::command]
async fn create_function(
    session: State<'_, Session>,
    name: String,
    template: FunctionTemplate,
) -> Result<ProjectView> {
    session.create_function(&name, template)
}

#[tauri::command]
async fn journal_save(session: State<'_, Session>, entries: Vec<JournalEntry>) -> Result<()> {
    session.journal_save(&entries)
}

#[tauri::command]
async fn journal_clear(session: State<'_, Session>) -> Result<()> {
    session.journal_clear()
}

/// The native folder picker. Runs off the main thread (async command) so it may block.
#[tauri::command]
async fn pick_folder<R: Runtime>(app: AppHandle<R>) -> Result<Option<String>> {
    Ok(app
        .dialog()
        .file()
        .blocking_pick_folder()
        .map(|path| path.to_string()))
}

#[tauri::command]
fn ui_ready(launch: State<'_, Launch>) {
    launch.report_ready();
}

// ---- accounts: secrets go in (write-only) and never come back out ------------------------

#[tauri::command]
async fn list_accounts(session: State<'_, Session>) -> Result<Vec<AccountSummary>> {
    session.list_accounts()
}

#[tauri::command]
async fn add_account(session: State<'_, Session>, input: AccountInput) -> Result<AccountSummary> {
    session.add_account(input)
}

#[tauri::command]
async fn update_account(
    session: State<'_, Session>,
    input: AccountInput,
) -> Result<AccountSummary> {
    session.update_account(input)
}

#[tauri::command]
async fn rename_account(session: State<'_, Session>, from: String, to: String) -> Result<()> {
    session.rename_account(&from, &to)
}

#[tauri::command]
async fn remove_account(session: State<'_, Session>, name: String) -> Result<()> {
    session.remove_account(&name)
}

/// "Test account": a cloud refusing the credentials is an `ok: false` result, not an error.
#[tauri::command]
async fn test_account(session: State<'_, Session>, name: String) -> Result<AccountTestResult> {
    session.test_account(&name).await
}

#[tauri::command]
async fn test_aws_profile(
    session: State<'_, Session>,
    profile: String,
) -> Result<AccountTestResult> {
    Ok(session.test_aws_profile(&profile).await)
}

#[tauri::command]
async fn list_aws_profiles(session: State<'_, Session>) -> Result<Vec<AwsProfile>> {
    Ok(session.aws_profiles())
}

#[tauri::command]
async fn set_target_credentials(
    session: State<'_, Session>,
    target: String,
    profile: Option<String>,
    account: Option<String>,
) -> Result<ProjectView> {
    session.set_target_credentials(&target, profile, account)
}

// ---- history -------------------------------------------------------------------------------

#[tauri::command]
async fn history_status(session: State<'_, Session>) -> Result<WorktreeStatus> {
    session.history_status()
}

#[tauri::command]
async fn checkpoint(session: State<'_, Session>, message: String) -> Result<Checkpoint> {
    session.checkpoint(&message)
}

#[tauri::command]
async fn create_branch(session: State<'_, Session>, name: String) -> Result<()> {
    session.create_branch(&name)
}

#[tauri::command]
async fn history_timeline(
    session: State<'_, Session>,
    function: Option<String>,
) -> Result<Vec<TimelineEntry>> {
    session.history_timeline(function.as_deref())
}

#[tauri::command]
async fn history_diff(
    session: State<'_, Session>,
    from: String,
    to: Option<String>,
    function: Option<String>,
) -> Result<Vec<FileDiff>> {
    session.history_diff(&from, to.as_deref(), function.as_deref())
}

#[tauri::command]
async fn history_restore(
    session: State<'_, Session>,
    commit: String,
    file: Option<String>,
    function: Option<String>,
) -> Result<ProjectView> {
    session.history_restore(&commit, file.as_deref(), function.as_deref())
}

// ---- the local run (Run & Logs) ------------------------------------------------------------

#[tauri::command]
async fn close_project(session: State<'_, Session>) -> Result<()> {
    session.close_project();
    Ok(())
}

#[tauri::command]
async fn start_run(session: State<'_, Session>, port: Option<u16>) -> Result<RunStatus> {
    session.start_run(port).await
}

#[tauri::command]
async fn stop_run(session: State<'_, Session>) -> Result<RunStatus> {
    Ok(session.stop_run())
}

#[tauri::command]
async fn run_status(session: State<'_, Session>) -> Result<RunStatus> {
    Ok(session.run_status())
}

#[tauri::command]
async fn invoke_function(
    session: State<'_, Session>,
    function: String,
    event: String,
) -> Result<InvocationResult> {
    session.invoke_function(&function, &event).await
}

#[tauri::command]
async fn fire_schedule(session: State<'_, Session>, function: String) -> Result<InvocationResult> {
    session.fire_schedule(&function).await
}

#[tauri::command]
async fn sample_events(session: State<'_, Session>, function: String) -> Result<Vec<SampleEvent>> {
    session.sample_events(&function)
}

#[tauri::command]
async fn saved_events(session: State<'_, Session>, function: String) -> Result<Vec<SavedEvent>> {
    session.saved_events(&function)
}

#[tauri::command]
async fn save_event(
    session: State<'_, Session>,
    function: String,
    name: String,
    event: String,
) -> Result<Vec<SavedEvent>> {
    session.save_event(&function, &name, &event)
}

#[tauri::command]
async fn delete_saved_event(
    session: State<'_, Session>,
    function: String,
    name: String,
) -> Result<Vec<SavedEvent>> {
    session.delete_saved_event(&function, &name)
}

/// Streams log lines to the UI over one channel per subscription, in batches. Subscribe
/// before starting the run or invoking, so no early line is missed.
#[tauri::command]
async fn subscribe_logs(
    session: State<'_, Session>,
    query: LogQuery,
    on_batch: Channel<LogBatch>,
) -> Result<u32> {
    session.subscribe_logs(query, log_sink(on_batch)).await
}

/// Streams one function's log lines on a cloud target, as `subscribe_logs` does for the local
/// run: polled, or with `live` a billed AWS live tail session; `unsubscribe_logs` ends it.
#[tauri::command]
async fn subscribe_target_logs(
    session: State<'_, Session>,
    target: String,
    live: bool,
    query: LogQuery,
    on_batch: Channel<LogBatch>,
) -> Result<u32> {
    session
        .subscribe_target_logs(&target, live, query, log_sink(on_batch))
        .await
}

#[tauri::command]
async fn target_log_source(
    session: State<'_, Session>,
    target: String,
    function: String,
) -> Result<TargetLogSource> {
    session.target_log_source(&target, &function).await
}

/// Invokes a function on a cloud target: its stage, or `$LATEST` with `latest`.
#[tauri::command]
async fn invoke_on_target(
    session: State<'_, Session>,
    target: String,
    function: String,
    event: String,
    latest: bool,
    asynchronous: bool,
) -> Result<InvocationResult> {
    session
        .invoke_on_target(&target, &function, &event, latest, asynchronous)
        .await
}

#[tauri::command]
async fn unsubscribe_logs(session: State<'_, Session>, id: u32) -> Result<bool> {
    Ok(session.unsubscribe_logs(id))
}

/// Sends each batch over `channel`; a failed send (the webview is gone) ends the subscription.
pub fn log_sink(channel: Channel<LogBatch>) -> impl FnMut(LogBatch) -> bool + Send + 'static {
    move |batch| channel.send(batch).is_ok()
}

// ---- the security linter (Security view) ---------------------------------------------------

#[tauri::command]
async fn lint_project(session: State<'_, Session>) -> Result<LintReport> {
    session.lint_project()
}

#[tauri::command]
fn lint_rule_docs(session: State<'_, Session>) -> Vec<LintRuleDoc> {
    session.lint_rule_docs()
}

#[tauri::command]
async fn preview_lint_fix(
    session: State<'_, Session>,
    finding_id: String,
) -> Result<LintFixPreview> {
    session.preview_lint_fix(&finding_id)
}

#[tauri::command]
async fn apply_lint_fix(
    session: State<'_, Session>,
    finding_id: String,
    confirm: bool,
) -> Result<ProjectView> {
    session.apply_lint_fix(&finding_id, confirm)
}

// ---- code-aware least privilege ---------------------------------------------------------------

/// Every function's SDK calls, required actions, generated policy and comparison.
#[tauri::command]
async fn analyze_project(session: State<'_, Session>) -> Result<ProjectAnalysis> {
    session.analyze_project()
}

#[tauri::command]
async fn analyze_function(
    session: State<'_, Session>,
    function: String,
) -> Result<FunctionAnalysis> {
    session.analyze_function(&function)
}

/// What "Use the generated policy" would change in functory.toml (shown before applying).
#[tauri::command]
async fn preview_generated_policy(
    session: State<'_, Session>,
    function: String,
) -> Result<PermissionsPreview> {
    session.preview_generated_policy(&function)
}

#[tauri::command]
async fn set_permissions(
    session: State<'_, Session>,
    function: String,
    permissions: Vec<functory_api::core::Permission>,
) -> Result<ProjectView> {
    session.set_permissions(&function, permissions)
}

/// Explains an AccessDenied text from an invoke result or a log line of `function`.
#[tauri::command]
async fn explain_access_denied(
    session: State<'_, Session>,
    function: String,
    text: String,
) -> Result<AccessDeniedHelp> {
    session.explain_access_denied(&function, &text)
}

/// The outline (functions, classes, exports) of one file, for the editor.
#[tauri::command]
async fn outline_file(session: State<'_, Session>, path: String) -> Result<FileAnalysis> {
    session.outline_file(&path)
}

// ---- cloud targets (Deploy) -------------------------------------------------------------------

#[tauri::command]
async fn deploy_plan(
    session: State<'_, Session>,
    target: String,
    functions: Vec<String>,
) -> Result<Vec<FunctionPlan>> {
    session.deploy_plan(&target, &functions).await
}

/// Deploys, sending each step over `on_step` as it starts (the progress bar).
#[tauri::command]
async fn deploy_functions(
    session: State<'_, Session>,
    target: String,
    functions: Vec<String>,
    on_step: Channel<DeployStep>,
) -> Result<DeployReport> {
    session
        .deploy(&target, &functions, move |step| {
            let _ = on_step.send(step);
        })
        .await
}

#[tauri::command]
async fn redeploy_function(
    session: State<'_, Session>,
    target: String,
    function: String,
    commit: String,
    on_step: Channel<DeployStep>,
) -> Result<DeployReport> {
    session
        .redeploy(&target, &function, &commit, move |step| {
            let _ = on_step.send(step);
        })
        .await
}

#[tauri::command]
async fn function_versions(
    session: State<'_, Session>,
    target: String,
    function: String,
) -> Result<Vec<FunctionVersion>> {
    session.function_versions(&target, &function).await
}

#[tauri::command]
async fn rollback_function(
    session: State<'_, Session>,
    target: String,
    function: String,
    version: String,
) -> Result<()> {
    session.rollback(&target, &function, &version).await
}

/// The functions of the target's account and region ("Import from AWS").
#[tauri::command]
async fn remote_functions(
    session: State<'_, Session>,
    target: String,
) -> Result<Vec<RemoteFunction>> {
    session.remote_functions(&target).await
}

/// Imports a cloud function into the open project: code, settings, triggers, permissions.
#[tauri::command]
async fn import_cloud_function(
    session: State<'_, Session>,
    target: String,
    function: String,
    overwrite: bool,
) -> Result<CloudImport> {
    session
        .import_cloud_function(&target, &function, overwrite)
        .await
}

// ---- the trigger designer (Triggers view) --------------------------------------------------

/// The side form's inline checks; `editing` is the trigger being edited (or moved), null for a
/// new one.
#[tauri::command]
async fn check_trigger(
    session: State<'_, Session>,
    function: String,
    editing: Option<TriggerRef>,
    trigger: Trigger,
) -> Result<TriggerCheck> {
    session.check_trigger(&function, editing.as_ref(), &trigger)
}

#[tauri::command]
async fn canvas_layout(session: State<'_, Session>) -> Result<CanvasLayout> {
    session.canvas_layout()
}

#[tauri::command]
async fn save_canvas_layout(session: State<'_, Session>, layout: CanvasLayout) -> Result<()> {
    session.save_canvas_layout(&layout)
}
