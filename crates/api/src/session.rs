//! The desktop app's session: which project is open, the recovery journal, where the sample
//! lives. The Tauri commands are one-line calls into this type, so everything they do is
//! testable without a window.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use functory_analyze::FileAnalysis;
use functory_core::template::FunctionTemplate;
use functory_core::{ManifestEdit, Permission};
use serde::Serialize;
use ts_rs::TS;

use functory_history::{Checkpoint, FileDiff, TimelineEntry, WorktreeStatus};
use functory_vault::AccountSummary;

use crate::account_test::AccountTestResult;
use crate::accounts::{AccountInput, Accounts, AwsProfile, aws_config_paths, aws_profiles};
use crate::analyze::{
    self, AccessDeniedHelp, FunctionAnalysis, PermissionsPreview, ProjectAnalysis,
};
use crate::cloud;
use crate::cloud_import;
use crate::error::{ApiError, ErrorCode};
use crate::files::FileContent;
use crate::lint::{self, LintFixPreview, LintReport, LintRuleDoc};
use crate::local::{
    self, InvocationResult, LocalRun, LogBatch, LogQuery, RunSettings, RunStatus, SampleEvent,
    SavedEvent, SavedTestEvents,
};
use crate::project::{Project, ProjectView};
use crate::recovery::{JournalEntry, RecoveryJournal};
use crate::sample;
use crate::triggers::{self, CanvasLayout, TriggerCheck, TriggerRef};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Startup {
    /// A project folder given on the command line (`--open DIR` or `--sample`), opened at once.
    pub open_path: Option<String>,
    /// Unsaved buffers a previous run left in the recovery journal; the UI offers to restore.
    pub recovery: Vec<JournalEntry>,
}

/// What the app was asked to open when it was launched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LaunchRequest {
    Nothing,
    Sample,
    Folder(PathBuf),
}

impl LaunchRequest {
    /// Reads `--sample` or `--open DIR` (also `--open=DIR`) from the app's arguments.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut args = args.into_iter();
        let mut request = LaunchRequest::Nothing;
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--sample" => request = LaunchRequest::Sample,
                "--open" => {
                    let dir = args.next().ok_or("--open needs a folder")?;
                    request = LaunchRequest::Folder(dir.into());
                }
                other if other.starts_with("--open=") => {
                    request = LaunchRequest::Folder(other["--open=".len()..].into());
                }
                other => {
                    return Err(format!(
                        "unknown argument `{other}`; use --sample or --open DIR"
                    ));
                }
            }
        }
        Ok(request)
    }
}

/// How long a log subscription gathers lines before sending them: a UI gets at most ~20
/// messages a second however fast functions log.
const LOG_BATCH_WINDOW: Duration = Duration::from_millis(50);
const LOG_BATCH_MAX_LINES: usize = 2_000;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Debug)]
pub struct Session {
    project: Mutex<Option<Project>>,
    journal: RecoveryJournal,
    sample_dir: PathBuf,
    launch: LaunchRequest,
    accounts: Accounts,
    /// The local run of the open project, if started. Shared, so an invoke in flight keeps
    /// the run it started on even if another command stops it meanwhile.
    run: Mutex<Option<Arc<LocalRun>>>,
    /// Serialises starts, so two quick Start clicks (or an Invoke racing a Start) serve the
    /// project once.
    run_start: tokio::sync::Mutex<()>,
    /// The port the last start asked for; an Invoke that starts the run uses it again.
    run_port: Mutex<u16>,
    log_subscriptions: Mutex<HashMap<u32, tokio::task::JoinHandle<()>>>,
    next_subscription: AtomicU32,
}

impl Session {
    /// `data_dir` is the app's own data folder: the journal and the sample's copy live there.
    pub fn new(data_dir: &Path, launch: LaunchRequest) -> Self {
        Self::with_accounts(data_dir, launch, Accounts::keychain())
    }

    /// A session whose accounts live in a given keychain namespace (tests).
    pub fn with_accounts(data_dir: &Path, launch: LaunchRequest, accounts: Accounts) -> Self {
        Self {
            project: Mutex::new(None),
            journal: RecoveryJournal::in_dir(data_dir),
            sample_dir: data_dir.join("samples").join("thumbnails"),
            launch,
            accounts,
            run: Mutex::new(None),
            run_start: tokio::sync::Mutex::new(()),
            run_port: Mutex::new(local::DEFAULT_PORT),
            log_subscriptions: Mutex::new(HashMap::new()),
            next_subscription: AtomicU32::new(1),
        }
    }

    pub fn startup(&self) -> Result<Startup, ApiError> {
        tracing::debug!(launch = ?self.launch, "startup");
        let open_path = match &self.launch {
            LaunchRequest::Nothing => None,
            LaunchRequest::Sample => Some(
                sample::open_sample(&self.sample_dir)?
                    .root()
                    .display()
                    .to_string(),
            ),
            LaunchRequest::Folder(dir) => Some(dir.display().to_string()),
        };
        Ok(Startup {
            open_path,
            recovery: self.journal.load(),
        })
    }

    fn set(&self, project: Project) -> Result<ProjectView, ApiError> {
        let view = project.view()?;
        let mut current = lock(&self.project);
        // Another project: the old one's run and log tails end with it.
        if current.as_ref().map(|p| p.root()) != Some(project.root()) {
            self.stop_run();
            self.end_log_subscriptions();
        }
        *current = Some(project);
        Ok(view)
    }

    /// Forgets the open project, stopping its local run and log tails.
    pub fn close_project(&self) {
        tracing::debug!("close_project");
        let mut current = lock(&self.project);
        self.stop_run();
        self.end_log_subscriptions();
        *current = None;
    }

    fn current(&self) -> Result<Project, ApiError> {
        self.project
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| ApiError::new(ErrorCode::NoProject, "no project is open"))
    }

    pub fn open_project(&self, path: &str) -> Result<ProjectView, ApiError> {
        tracing::debug!(path, "open_project");
        self.set(Project::open(path)?)
    }

    pub fn open_sample_project(&self) -> Result<ProjectView, ApiError> {
        tracing::debug!("open_sample_project");
        self.set(sample::open_sample(&self.sample_dir)?)
    }

    pub fn create_project(
        &self,
        path: &str,
        name: &str,
        template: Option<FunctionTemplate>,
    ) -> Result<ProjectView, ApiError> {
        tracing::debug!(path, name, ?template, "create_project");
        if path.trim().is_empty() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "choose a folder for the new project",
            ));
        }
        self.set(Project::create(path, name, template)?)
    }

    pub fn init_project(&self, name: &str) -> Result<ProjectView, ApiError> {
        tracing::debug!(name, "init_project");
        let project = self.current()?;
        project.init(name)?;
        project.view()
    }

    pub fn reload_project(&self) -> Result<ProjectView, ApiError> {
        self.current()?.view()
    }

    pub fn read_file(&self, path: &str) -> Result<FileContent, ApiError> {
        tracing::debug!(path, "read_file");
        self.current()?.read_file(path)
    }

    pub fn write_file(&self, path: &str, text: &str) -> Result<ProjectView, ApiError> {
        tracing::debug!(path, bytes = text.len(), "write_file");
        let project = self.current()?;
        project.write_file(path, text)?;
        project.view()
    }

    pub fn apply_manifest_edit(&self, edit: &ManifestEdit) -> Result<ProjectView, ApiError> {
        tracing::debug!(?edit, "apply_manifest_edit");
        let project = self.current()?;
        // A trigger the side form would show an error for is refused here too, so no caller
        // writes a schedule the local run cannot parse or a route another function owns.
        let checked = match edit {
            ManifestEdit::AddTrigger { function, trigger } => Some((function, None, trigger)),
            ManifestEdit::UpdateTrigger {
                function,
                index,
                trigger,
            } => Some((function, Some(*index), trigger)),
            _ => None,
        };
        if let Some((function, index, trigger)) = checked {
            let editing = index.map(|index| TriggerRef {
                function: function.clone(),
                index,
            });
            let check = self.check_trigger(function, editing.as_ref(), trigger)?;
            if let Some(problem) = check.problems.iter().find(|p| p.severity == "error") {
                let position = index.map_or_else(|| "new".to_owned(), |i| i.to_string());
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!(
                        "functions.{function}.triggers[{position}].{}: {}",
                        problem.field, problem.message
                    ),
                ));
            }
        }
        project.apply_manifest_edit(edit)?;
        project.view()
    }

    /// Checks a trigger as the side form has it, against every other trigger of the project:
    /// route conflicts, overlapping bucket rules, a schedule's syntax and next fire times.
    /// `editing` is the trigger it replaces (`None` for a new one).
    pub fn check_trigger(
        &self,
        function: &str,
        editing: Option<&TriggerRef>,
        trigger: &functory_core::Trigger,
    ) -> Result<TriggerCheck, ApiError> {
        let parsed = self.current()?.parse()?;
        let manifest = parsed.manifest.ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidManifest,
                "functory.toml does not parse; fix it to edit triggers",
            )
        })?;
        Ok(triggers::check_trigger(
            &manifest,
            function,
            editing,
            trigger,
            chrono::Utc::now(),
        ))
    }

    /// What the canvas draws besides the manifest: each trigger edge's needs (who grants what)
    /// and each function's destinations, from its permissions and what the analyzer finds its
    /// code writing.
    pub fn canvas_model(&self) -> Result<triggers::CanvasModel, ApiError> {
        let project = self.current()?;
        let parsed = project.parse()?;
        let manifest = parsed.manifest.ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidManifest,
                "functory.toml does not parse; fix it to see the canvas",
            )
        })?;
        // The analyzer is a help here, not a condition: without it the canvas still draws the
        // destinations the permissions grant.
        let code_writes = crate::analyze::analyze_project(&project)
            .map(|analysis| {
                analysis
                    .functions
                    .into_iter()
                    .map(|f| {
                        let writes = f
                            .analysis
                            .required
                            .into_iter()
                            .map(|r| (r.action, r.resource))
                            .collect();
                        (f.analysis.function, writes)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(triggers::canvas_model(&manifest, &code_writes))
    }

    /// The trigger canvas's remembered node positions for the open project.
    pub fn canvas_layout(&self) -> Result<CanvasLayout, ApiError> {
        Ok(triggers::load_positions(self.current()?.root()))
    }

    pub fn save_canvas_layout(&self, layout: &CanvasLayout) -> Result<(), ApiError> {
        tracing::debug!(nodes = layout.positions.len(), "save_canvas_layout");
        triggers::save_positions(self.current()?.root(), layout)
    }

    pub fn create_function(
        &self,
        name: &str,
        template: FunctionTemplate,
    ) -> Result<ProjectView, ApiError> {
        tracing::debug!(name, ?template, "create_function");
        let project = self.current()?;
        project.create_function(name, template)?;
        project.view()
    }

    pub fn journal_save(&self, entries: &[JournalEntry]) -> Result<(), ApiError> {
        tracing::debug!(entries = entries.len(), "journal_save");
        self.journal.save(entries)
    }

    pub fn journal_clear(&self) -> Result<(), ApiError> {
        self.journal.clear()
    }

    // ---- the local run (Run & Logs) -----------------------------------------------------------
    // The async methods must be called inside a Tokio runtime (the app's commands run on one):
    // the run's triggers and the log tails are tasks on it.

    fn current_run(&self) -> Option<Arc<LocalRun>> {
        lock(&self.run).clone()
    }

    /// Serves the open project: deploys every function, starts every trigger. `port` is the
    /// HTTP port (0 for any free one; `None` for the last one asked for, 8787 at first). Does
    /// nothing when the project is already running.
    pub async fn start_run(&self, port: Option<u16>) -> Result<RunStatus, ApiError> {
        tracing::debug!(?port, "start_run");
        Ok(self.ensure_run(port).await?.status())
    }

    async fn ensure_run(&self, port: Option<u16>) -> Result<Arc<LocalRun>, ApiError> {
        let project = self.current()?;
        let _starting = self.run_start.lock().await;
        if let Some(run) = self.current_run() {
            if run.root()
                == project
                    .root()
                    .canonicalize()
                    .as_deref()
                    .unwrap_or(project.root())
            {
                return Ok(run);
            }
            self.stop_run();
        }
        let port = match port {
            Some(port) => {
                *lock(&self.run_port) = port;
                port
            }
            None => *lock(&self.run_port),
        };
        let settings = RunSettings {
            port,
            ..RunSettings::default()
        };
        let run = Arc::new(LocalRun::start(project.root(), &settings).await?);
        // The project may have been closed or switched while the run was starting.
        let still_open = lock(&self.project)
            .as_ref()
            .is_some_and(|p| p.root() == project.root());
        if !still_open {
            run.stop();
            return Err(ApiError::new(
                ErrorCode::NoProject,
                "the project was closed while its local run was starting",
            ));
        }
        *lock(&self.run) = Some(run.clone());
        Ok(run)
    }

    /// Stops the local run, if any; idempotent.
    pub fn stop_run(&self) -> RunStatus {
        if let Some(run) = lock(&self.run).take() {
            run.stop();
        }
        RunStatus::stopped()
    }

    pub fn run_status(&self) -> RunStatus {
        self.current_run()
            .map(|run| run.status())
            .unwrap_or_else(RunStatus::stopped)
    }

    /// Invokes a function of the open project with an event (JSON text), starting the local
    /// run first if it is not running.
    pub async fn invoke_function(
        &self,
        function: &str,
        event: &str,
    ) -> Result<InvocationResult, ApiError> {
        tracing::debug!(function, bytes = event.len(), "invoke_function");
        // A malformed event or an unknown function is refused before anything starts.
        local::check_event(event)?;
        local::check_function(self.current()?.root(), function)?;
        self.ensure_run(None).await?.invoke(function, event).await
    }

    /// Fires a function's schedule now, on the running project.
    pub async fn fire_schedule(&self, function: &str) -> Result<InvocationResult, ApiError> {
        tracing::debug!(function, "fire_schedule");
        let run = self.current_run().ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotRunning,
                "the local run is stopped; start it to fire schedules",
            )
        })?;
        run.fire_schedule(function).await
    }

    pub fn sample_events(&self, function: &str) -> Result<Vec<SampleEvent>, ApiError> {
        local::sample_events(self.current()?.root(), function)
    }

    pub fn saved_events(&self, function: &str) -> Result<Vec<SavedEvent>, ApiError> {
        SavedTestEvents::of(self.current()?.root(), function)?.list()
    }

    /// Saves (or replaces) a test event of a function; answers the function's saved events.
    pub fn save_event(
        &self,
        function: &str,
        name: &str,
        event: &str,
    ) -> Result<Vec<SavedEvent>, ApiError> {
        tracing::debug!(function, name, "save_event");
        let events = SavedTestEvents::of(self.current()?.root(), function)?;
        events.save(name, event)?;
        events.list()
    }

    pub fn delete_saved_event(
        &self,
        function: &str,
        name: &str,
    ) -> Result<Vec<SavedEvent>, ApiError> {
        tracing::debug!(function, name, "delete_saved_event");
        let events = SavedTestEvents::of(self.current()?.root(), function)?;
        events.delete(name)?;
        events.list()
    }

    /// Starts sending the open project's log lines that match `query` to `sink`, in batches
    /// (~50 ms each). It ends when [`Session::unsubscribe_logs`] is called, when `sink` answers
    /// false (its receiver is gone), when the project is closed, or — without `follow` — once
    /// the stored lines are sent. Answers the subscription's id.
    pub async fn subscribe_logs(
        &self,
        query: LogQuery,
        sink: impl FnMut(LogBatch) -> bool + Send + 'static,
    ) -> Result<u32, ApiError> {
        tracing::debug!(?query, "subscribe_logs");
        let lines = local::tail_logs(self.current()?.root(), &query)?;
        let id = self.next_subscription.fetch_add(1, Ordering::Relaxed);
        let task = tokio::spawn(local::forward_in_batches(
            lines,
            LOG_BATCH_WINDOW,
            LOG_BATCH_MAX_LINES,
            sink,
        ));
        let mut subscriptions = lock(&self.log_subscriptions);
        subscriptions.retain(|_, task| !task.is_finished());
        subscriptions.insert(id, task);
        Ok(id)
    }

    /// Ends a log subscription; false when it had already ended.
    pub fn unsubscribe_logs(&self, id: u32) -> bool {
        tracing::debug!(id, "unsubscribe_logs");
        match lock(&self.log_subscriptions).remove(&id) {
            Some(task) => {
                let running = !task.is_finished();
                task.abort();
                running
            }
            None => false,
        }
    }

    fn end_log_subscriptions(&self) {
        for (_, task) in lock(&self.log_subscriptions).drain() {
            task.abort();
        }
    }

    // ---- accounts ----------------------------------------------------------------------------

    pub fn list_accounts(&self) -> Result<Vec<AccountSummary>, ApiError> {
        self.accounts.list()
    }

    pub fn add_account(&self, input: AccountInput) -> Result<AccountSummary, ApiError> {
        tracing::debug!(?input, "add_account");
        self.accounts.add(input)
    }

    pub fn update_account(&self, input: AccountInput) -> Result<AccountSummary, ApiError> {
        tracing::debug!(?input, "update_account");
        self.accounts.update(input)
    }

    pub fn rename_account(&self, from: &str, to: &str) -> Result<(), ApiError> {
        tracing::debug!(from, to, "rename_account");
        self.accounts.rename(from, to)
    }

    pub fn remove_account(&self, name: &str) -> Result<(), ApiError> {
        tracing::debug!(name, "remove_account");
        self.accounts.remove(name)
    }

    pub async fn test_account(&self, name: &str) -> Result<AccountTestResult, ApiError> {
        self.accounts.test(name).await
    }

    pub async fn test_aws_profile(&self, profile: &str) -> AccountTestResult {
        self.accounts.test_aws_profile(profile).await
    }

    pub fn aws_profiles(&self) -> Vec<AwsProfile> {
        let (config, credentials) = aws_config_paths();
        aws_profiles(config.as_deref(), credentials.as_deref())
    }

    pub fn set_target_credentials(
        &self,
        target: &str,
        profile: Option<String>,
        account: Option<String>,
    ) -> Result<ProjectView, ApiError> {
        tracing::debug!(target, ?profile, ?account, "set_target_credentials");
        if let Some(name) = &account
            && !self.accounts.list()?.iter().any(|a| &a.name == name)
        {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!("no account named `{name}` in the keychain"),
            ));
        }
        self.apply_manifest_edit(&ManifestEdit::SetTargetCredentials {
            target: target.to_owned(),
            profile,
            account,
        })
    }

    // ---- history -----------------------------------------------------------------------------

    pub fn history_status(&self) -> Result<WorktreeStatus, ApiError> {
        self.current()?.history_status()
    }

    pub fn checkpoint(&self, message: &str) -> Result<Checkpoint, ApiError> {
        tracing::debug!(message, "checkpoint");
        self.current()?.checkpoint(message)
    }

    pub fn create_branch(&self, name: &str) -> Result<(), ApiError> {
        self.current()?.create_branch(name)
    }

    pub fn history_timeline(&self, function: Option<&str>) -> Result<Vec<TimelineEntry>, ApiError> {
        self.current()?.timeline(function)
    }

    /// Lints every policy file, template and the manifest of the open project.
    pub fn lint_project(&self) -> Result<LintReport, ApiError> {
        tracing::debug!("lint_project");
        lint::lint_project(&self.current()?)
    }

    /// The documentation of every lint rule, for the rule browser.
    pub fn lint_rule_docs(&self) -> Vec<LintRuleDoc> {
        lint::rule_docs()
    }

    /// What applying a finding's fix would change (shown before an unsafe fix).
    pub fn preview_lint_fix(&self, finding_id: &str) -> Result<LintFixPreview, ApiError> {
        lint::preview_fix(&self.current()?, finding_id)
    }

    // ---- cloud targets (Deploy) ------------------------------------------------------------

    async fn cloud_target(&self, target: &str) -> Result<cloud::CloudTarget, ApiError> {
        let root = self.current()?.root().to_owned();
        cloud::connect(&root, target, &self.accounts).await
    }

    /// What `target`'s provider can do (versions, live logs, queued invokes, trigger kinds), so
    /// the UI offers only what works there. Nothing is called: a sign-in is only configured.
    pub async fn target_capabilities(
        &self,
        target: &str,
    ) -> Result<functory_adapter::Capabilities, ApiError> {
        let root = self.current()?.root().to_owned();
        let manifest = cloud::manifest_of(&root)?;
        let found = cloud::find_target(&manifest, target)?;
        if found.adapter == functory_core::AdapterKind::Local {
            return Ok(functory_local::capabilities());
        }
        Ok(self.cloud_target(target).await?.adapter.capabilities())
    }

    /// Who `target` acts as (its account and identity), asked of the cloud.
    pub async fn target_identity(&self, target: &str) -> Result<cloud::TargetIdentity, ApiError> {
        self.cloud_target(target).await?.identity().await
    }

    /// What deploying `functions` (all when empty) to `target` would change.
    pub async fn deploy_plan(
        &self,
        target: &str,
        functions: &[String],
    ) -> Result<Vec<cloud::FunctionPlan>, ApiError> {
        tracing::debug!(target, ?functions, "deploy_plan");
        self.cloud_target(target).await?.plan(functions).await
    }

    /// Checkpoints, deploys and records; `progress` gets every step.
    pub async fn deploy(
        &self,
        target: &str,
        functions: &[String],
        progress: impl Fn(cloud::DeployStep) + Send + Sync + 'static,
    ) -> Result<cloud::DeployReport, ApiError> {
        tracing::debug!(target, ?functions, "deploy");
        self.cloud_target(target)
            .await?
            .deploy(functions, progress)
            .await
    }

    /// Deploys `function` exactly as it was at `commit` ("Redeploy this" in History).
    pub async fn redeploy(
        &self,
        target: &str,
        function: &str,
        commit: &str,
        progress: impl Fn(cloud::DeployStep) + Send + Sync + 'static,
    ) -> Result<cloud::DeployReport, ApiError> {
        tracing::debug!(target, function, commit, "redeploy");
        self.cloud_target(target)
            .await?
            .redeploy(function, commit, progress)
            .await
    }

    pub async fn function_versions(
        &self,
        target: &str,
        function: &str,
    ) -> Result<Vec<cloud::FunctionVersion>, ApiError> {
        self.cloud_target(target).await?.versions(function).await
    }

    pub async fn rollback(
        &self,
        target: &str,
        function: &str,
        version: &str,
    ) -> Result<(), ApiError> {
        tracing::debug!(target, function, version, "rollback");
        self.cloud_target(target)
            .await?
            .rollback(function, version)
            .await
    }

    /// Invokes `function` on a cloud target: its stage, or `$LATEST` with `latest`; queued and
    /// answered at once with `asynchronous`.
    pub async fn invoke_on_target(
        &self,
        target: &str,
        function: &str,
        event: &str,
        latest: bool,
        asynchronous: bool,
    ) -> Result<InvocationResult, ApiError> {
        tracing::debug!(
            target,
            function,
            bytes = event.len(),
            latest,
            asynchronous,
            "invoke_on_target"
        );
        local::check_event(event)?;
        self.cloud_target(target)
            .await?
            .invoke(function, event, latest, asynchronous)
            .await
    }

    /// Where a cloud target's log lines of `function` come from, and how late they arrive.
    pub async fn target_log_source(
        &self,
        target: &str,
        function: &str,
    ) -> Result<cloud::TargetLogSource, ApiError> {
        self.cloud_target(target).await?.log_source(function).await
    }

    /// As [`Session::subscribe_logs`], for one function's logs on a cloud target: polled from
    /// the provider (`query.follow` keeps polling), or with `live` an AWS live tail session
    /// (billed by AWS, so only on request). A read the cloud refuses part-way ends the
    /// subscription with that error on its last batch. Same ids, same `unsubscribe_logs`.
    pub async fn subscribe_target_logs(
        &self,
        target: &str,
        live: bool,
        query: LogQuery,
        sink: impl FnMut(LogBatch) -> bool + Send + 'static,
    ) -> Result<u32, ApiError> {
        tracing::debug!(target, live, ?query, "subscribe_target_logs");
        let Some(function) = query.function.clone() else {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "choose a function: a cloud target's logs are read one function at a time",
            ));
        };
        let lines = if live {
            let root = self.current()?.root().to_owned();
            cloud::live_logs(&root, target, &function, &query, &self.accounts).await?
        } else {
            self.cloud_target(target)
                .await?
                .logs(&function, &query)
                .await?
        };
        let id = self.next_subscription.fetch_add(1, Ordering::Relaxed);
        let task = tokio::spawn(cloud::forward_cloud_logs(
            lines,
            LOG_BATCH_WINDOW,
            LOG_BATCH_MAX_LINES,
            sink,
        ));
        let mut subscriptions = lock(&self.log_subscriptions);
        subscriptions.retain(|_, task| !task.is_finished());
        subscriptions.insert(id, task);
        Ok(id)
    }

    /// The functions of `target`'s account and region ("Import from AWS").
    pub async fn remote_functions(
        &self,
        target: &str,
    ) -> Result<Vec<cloud::RemoteFunction>, ApiError> {
        let root = self.current()?.root().to_owned();
        cloud_import::remote_functions(&root, target, &self.accounts).await
    }

    /// Imports `function` of `target`'s account into the open project: its code into a folder
    /// of its own, its configuration, triggers and permissions into functory.toml.
    pub async fn import_cloud_function(
        &self,
        target: &str,
        function: &str,
        overwrite: bool,
    ) -> Result<cloud_import::CloudImport, ApiError> {
        tracing::debug!(target, function, overwrite, "import_cloud_function");
        let project = self.current()?;
        let report = cloud_import::import_function(
            project.root(),
            target,
            function,
            cloud_import::ImportOptions { overwrite },
            &self.accounts,
        )
        .await?;
        Ok(cloud_import::CloudImport {
            report,
            project: project.view()?,
        })
    }

    /// Applies a finding's fix (atomic write). Unsafe fixes need `confirm`.
    pub fn apply_lint_fix(&self, finding_id: &str, confirm: bool) -> Result<ProjectView, ApiError> {
        tracing::debug!(finding_id, confirm, "apply_lint_fix");
        let project = self.current()?;
        lint::apply_fix(&project, finding_id, confirm)?;
        project.view()
    }

    /// The code-aware analysis of one function of the open project.
    pub fn analyze_function(&self, function: &str) -> Result<FunctionAnalysis, ApiError> {
        tracing::debug!(function, "analyze_function");
        analyze::analyze(&self.current()?, function)
    }

    /// The code-aware analysis of every function of the open project.
    pub fn analyze_project(&self) -> Result<ProjectAnalysis, ApiError> {
        analyze::analyze_project(&self.current()?)
    }

    /// What "use the generated policy" would change in functory.toml.
    pub fn preview_generated_policy(&self, function: &str) -> Result<PermissionsPreview, ApiError> {
        analyze::preview_generated_policy(&self.current()?, function)
    }

    /// Replaces the function's permissions with the previewed ones (the generated policy, or an
    /// AccessDenied explanation's proposal).
    pub fn set_permissions(
        &self,
        function: &str,
        permissions: Vec<Permission>,
    ) -> Result<ProjectView, ApiError> {
        tracing::debug!(function, "set_permissions");
        let project = self.current()?;
        analyze::set_permissions(&project, function, permissions)?;
        project.view()
    }

    /// Explains an AccessDenied text from an invoke result or a log line of `function`.
    pub fn explain_access_denied(
        &self,
        function: &str,
        text: &str,
    ) -> Result<AccessDeniedHelp, ApiError> {
        analyze::explain_access_denied(&self.current()?, function, text)
    }

    /// The outline of one file of the open project, for the editor.
    pub fn outline_file(&self, path: &str) -> Result<FileAnalysis, ApiError> {
        analyze::outline(&self.current()?, path)
    }

    pub fn history_diff(
        &self,
        from: &str,
        to: Option<&str>,
        function: Option<&str>,
    ) -> Result<Vec<FileDiff>, ApiError> {
        self.current()?.history_diff(from, to, function)
    }

    pub fn history_restore(
        &self,
        commit: &str,
        file: Option<&str>,
        function: Option<&str>,
    ) -> Result<ProjectView, ApiError> {
        tracing::debug!(commit, ?file, ?function, "history_restore");
        let project = self.current()?;
        project.restore(commit, file, function)?;
        project.view()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launch_arguments() {
        let parse = |args: &[&str]| LaunchRequest::from_args(args.iter().map(|s| s.to_string()));
        assert_eq!(parse(&[]), Ok(LaunchRequest::Nothing));
        assert_eq!(parse(&["--sample"]), Ok(LaunchRequest::Sample));
        assert_eq!(
            parse(&["--open", "/p"]),
            Ok(LaunchRequest::Folder("/p".into()))
        );
        assert_eq!(
            parse(&["--open=/q"]),
            Ok(LaunchRequest::Folder("/q".into()))
        );
        assert!(parse(&["--open"]).is_err());
        assert!(parse(&["--bogus"]).unwrap_err().contains("--bogus"));
    }

    #[test]
    fn commands_need_an_open_project() {
        let dir = tempfile::tempdir().unwrap();
        let session = Session::new(dir.path(), LaunchRequest::Nothing);
        assert_eq!(
            session.read_file("a").unwrap_err().code,
            ErrorCode::NoProject
        );
        let view = session.open_sample_project().unwrap();
        assert_eq!(view.name, "thumbnails");
        assert!(
            session
                .read_file("src/resize.mjs")
                .unwrap()
                .text
                .contains("handler")
        );
    }

    #[test]
    fn sample_launch_opens_the_sample_and_reports_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let first = Session::new(dir.path(), LaunchRequest::Nothing);
        let entry = JournalEntry {
            project_root: "/x".into(),
            path: "a".into(),
            text: "t".into(),
            updated_at_ms: 1,
        };
        first.journal_save(std::slice::from_ref(&entry)).unwrap();
        let second = Session::new(dir.path(), LaunchRequest::Sample);
        let startup = second.startup().unwrap();
        assert!(startup.open_path.unwrap().ends_with("samples/thumbnails"));
        assert_eq!(startup.recovery, vec![entry]);
    }
}
