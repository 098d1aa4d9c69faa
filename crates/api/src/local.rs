//! The embedded local runtime as use cases: serve a project ([`LocalRun`]), invoke one function
//! once ([`invoke_once`]), sample and saved test events, and log tails with filters, batched for
//! a UI ([`forward_in_batches`]).
//!
//! The app's Run view (through [`crate::session::Session`]) and the CLI's `run`, `invoke` and
//! `logs` both call these, so neither front end touches `functory-local` itself. The types here
//! are what crosses IPC; they mirror the runtime's own views with the shapes the UI needs
//! (numbers as JSON numbers, events as JSON text the editor shows).

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use functory_adapter::{
    Adapter, AdapterError, DeployOptions, Invocation, InvokeOptions, LogEvent, LogFilter, LogLevel,
};
use functory_core::{AdapterKind, Function, Manifest};
use functory_local::samples::{SavedEventError, SavedEvents};
use functory_local::triggers::http::{CorsConfig, GatewayError, PayloadVersion};
use functory_local::{LocalRuntime, LocalSettings, LogStore, ProjectRun, RunError, RunOptions};
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};

/// The port the app serves HTTP triggers on unless the user picks another (the CLI's default).
pub const DEFAULT_PORT: u16 = 8787;

/// How to serve a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSettings {
    /// The HTTP gateway's port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Send HTTP events in API Gateway's payload format 1.0 instead of 2.0.
    pub payload_v1: bool,
    /// Origins allowed to call the HTTP routes from a browser (`*` for any); empty: no CORS.
    pub cors_origins: Vec<String>,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            port: DEFAULT_PORT,
            payload_v1: false,
            cors_origins: Vec::new(),
        }
    }
}

// ---- what crosses IPC ------------------------------------------------------------------------

/// The local run of the open project: what it serves and how its instances are doing.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RunStatus {
    pub running: bool,
    pub project_name: Option<String>,
    /// `http://127.0.0.1:PORT` while running.
    pub gateway_url: Option<String>,
    pub routes: Vec<HttpRouteInfo>,
    pub schedules: Vec<ScheduleInfo>,
    pub buckets: Vec<BucketInfo>,
    pub queues: Vec<QueueInfo>,
    pub instances: Vec<FunctionInstancesInfo>,
    /// What did not start (an invalid cron, a function that could not be deployed), one
    /// sentence each; the rest of the project still runs.
    pub problems: Vec<String>,
    /// functory.toml changed since the run started: restart to serve the new configuration.
    pub manifest_changed: bool,
}

impl RunStatus {
    pub fn stopped() -> RunStatus {
        RunStatus {
            running: false,
            project_name: None,
            gateway_url: None,
            routes: Vec::new(),
            schedules: Vec::new(),
            buckets: Vec::new(),
            queues: Vec::new(),
            instances: Vec::new(),
            problems: Vec::new(),
            manifest_changed: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HttpRouteInfo {
    pub method: String,
    /// The route as declared, with `{parameters}`.
    pub path: String,
    /// The local URL of the route, ready to copy.
    pub url: String,
    pub function: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ScheduleInfo {
    pub function: String,
    pub expression: String,
    pub timezone: String,
    /// The next five fire times, RFC 3339 in UTC.
    pub next: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BucketInfo {
    pub bucket: String,
    /// The folder that stands for the bucket: files created or deleted there trigger the function.
    pub folder: String,
    pub function: String,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct QueueInfo {
    pub queue: String,
    pub function: String,
    /// POST a message body here to send it.
    pub send_url: String,
    pub depth: u32,
    pub dead_letters: u32,
}

/// One function's instances right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FunctionInstancesInfo {
    pub function: String,
    /// Instances initialising (a cold start in progress).
    pub starting: u32,
    /// Warm instances waiting for the next invoke.
    pub warm: u32,
    /// Instances running an invocation.
    pub busy: u32,
    pub concurrency_limit: u32,
    pub invocations: u32,
    pub cold_starts: u32,
    pub errors: u32,
    pub throttles: u32,
    pub timeouts: u32,
    /// The warm instances, most recently used last.
    pub warm_instances: Vec<InstanceInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InstanceInfo {
    pub id: u32,
    pub pid: u32,
    pub provisioned: bool,
    #[ts(type = "number")]
    pub idle_ms: u64,
}

/// One invocation as the Run view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InvocationResult {
    pub request_id: String,
    pub status_code: u16,
    /// What the handler returned (or the error document when `functionError` is set), as text:
    /// usually JSON, but a handler may return anything.
    pub payload: String,
    pub function_error: Option<InvocationError>,
    pub metrics: Option<InvocationMetrics>,
    /// This invoke started a new instance (and paid for its init).
    pub cold_start: bool,
    /// The invocation's log lines: START, the handler's output, END, REPORT.
    pub logs: Vec<String>,
    /// Which interpreter ran the handler, when it is not of the declared runtime's version
    /// (no `node24` on this machine, so Node.js 20 ran a `nodejs24.x` function).
    pub interpreter: Option<String>,
}

/// A handler's failure, as Lambda reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InvocationError {
    /// `Runtime.ImportModuleError`, `Runtime.HandlerNotFound`, `Sandbox.Timedout`, `TypeError`, …
    pub error_type: String,
    pub message: String,
    /// The stack trace the runtime reported (`trace` from Node, `stackTrace` from Python).
    pub stack_trace: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InvocationMetrics {
    pub duration_ms: f64,
    #[ts(type = "number")]
    pub billed_duration_ms: u64,
    pub memory_size_mb: u32,
    pub max_memory_used_mb: u32,
    /// Set on a cold start: how long the instance took to initialise.
    pub init_duration_ms: Option<f64>,
}

/// A ready-to-send event for one trigger of a function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SampleEvent {
    /// `direct`, a trigger kind (`http`, `schedule`, `storage`, `queue`, `stream`, `url`), or
    /// `more` for the other shapes (REST 1.0, S3 delete, SNS, Google CloudEvents, Azure).
    pub kind: String,
    pub name: String,
    /// The event as pretty-printed JSON text.
    pub event: String,
}

/// A test event the user saved for a function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SavedEvent {
    pub name: String,
    /// The JSON text as the user typed it.
    pub event: String,
}

/// Which log lines to show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct LogQuery {
    /// One function, or every function of the project (`null`).
    pub function: Option<String>,
    /// Keep sending new lines as they are written.
    pub follow: bool,
    /// Only lines containing this text (case-sensitive).
    pub text: Option<String>,
    /// Only lines of this invocation.
    pub request_id: Option<String>,
    /// Only lines of this level or more severe: `debug`, `info`, `warn`, `error`. Lines without
    /// a level (START, END, REPORT, plain prints) never match a level filter.
    pub min_level: Option<String>,
    /// Only the last N stored lines (per function) before following.
    pub last: Option<u32>,
}

/// One stored log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LogLine {
    /// Milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub timestamp_ms: i64,
    pub function: String,
    pub request_id: Option<String>,
    /// `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR` or `FATAL`, when the line has one.
    pub level: Option<String>,
    pub message: String,
}

/// What one message of a log subscription carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LogBatch {
    /// Oldest first.
    pub lines: Vec<LogLine>,
    /// No more lines will come (the stored lines are sent and the query does not follow).
    pub ended: bool,
    /// Why the lines stopped early, on the last batch (a cloud that refused the next read).
    pub error: Option<ApiError>,
}

// ---- errors ----------------------------------------------------------------------------------

impl From<AdapterError> for ApiError {
    fn from(error: AdapterError) -> Self {
        let code = match &error {
            AdapterError::NotFound { .. } => ErrorCode::NotFound,
            AdapterError::InvalidRequest { .. } => ErrorCode::InvalidInput,
            AdapterError::Throttled { .. } => ErrorCode::Throttled,
            AdapterError::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            AdapterError::Unauthenticated { .. } => ErrorCode::Unauthenticated,
            AdapterError::PermissionDenied { .. } => ErrorCode::PermissionDenied,
            AdapterError::Conflict { .. } => ErrorCode::Conflict,
            AdapterError::NotSupported { .. } => ErrorCode::NotSupported,
            AdapterError::Provider { provider, .. } if *provider != AdapterKind::Local => {
                ErrorCode::CloudError
            }
            _ => ErrorCode::RuntimeError,
        };
        ApiError::new(code, error.to_string())
    }
}

impl From<RunError> for ApiError {
    fn from(error: RunError) -> Self {
        let code = match &error {
            RunError::Manifest { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                ErrorCode::NoManifest
            }
            RunError::Manifest { .. } => ErrorCode::Io,
            RunError::Invalid(_) => ErrorCode::InvalidManifest,
            RunError::Gateway(GatewayError::PortInUse { port }) => {
                return ApiError::new(
                    ErrorCode::PortInUse,
                    format!(
                        "port {port} is already in use on 127.0.0.1 (another `functory run` or another program); choose another port, or 0 for any free port"
                    ),
                );
            }
            RunError::Gateway(GatewayError::BadRoute { .. }) => ErrorCode::InvalidManifest,
            RunError::Gateway(_) | RunError::Runtime(_) => ErrorCode::RuntimeError,
        };
        ApiError::new(code, error.to_string())
    }
}

fn saved_event_error(function: &str, error: SavedEventError) -> ApiError {
    let code = match &error {
        SavedEventError::BadName(_) | SavedEventError::NotJson(_) => ErrorCode::InvalidInput,
        SavedEventError::NotFound(_) => ErrorCode::NotFound,
        SavedEventError::Io(_) => ErrorCode::Io,
    };
    ApiError::new(code, format!("saved events of `{function}`: {error}"))
}

/// Checks that an event is JSON; the error names the line and column, as an editor shows them.
pub fn check_event(text: &str) -> Result<(), ApiError> {
    match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Ok(_) => Ok(()),
        Err(error) => {
            let full = error.to_string();
            let suffix = format!(" at line {} column {}", error.line(), error.column());
            let reason = full.strip_suffix(&suffix).unwrap_or(&full);
            Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "the event is not valid JSON: line {}, column {}: {reason}",
                    error.line(),
                    error.column()
                ),
            ))
        }
    }
}

// ---- invocations -----------------------------------------------------------------------------

fn stack_trace(document: &[u8]) -> Vec<String> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(document) else {
        return Vec::new();
    };
    ["stackTrace", "trace"]
        .iter()
        .filter_map(|key| value.get(*key).and_then(|v| v.as_array()))
        .flatten()
        .filter_map(|line| line.as_str())
        .map(|line| line.trim_end().to_owned())
        .filter(|line| !line.is_empty())
        .collect()
}

impl From<Invocation> for InvocationResult {
    fn from(invocation: Invocation) -> Self {
        let function_error = invocation.function_error.as_ref().map(|e| InvocationError {
            error_type: e.error_type.clone(),
            message: e.message.clone(),
            stack_trace: stack_trace(&invocation.payload),
        });
        InvocationResult {
            request_id: invocation.request_id,
            status_code: invocation.status_code,
            payload: String::from_utf8_lossy(&invocation.payload).into_owned(),
            function_error,
            metrics: invocation.metrics.map(|m| InvocationMetrics {
                duration_ms: m.duration_ms,
                billed_duration_ms: m.billed_duration_ms,
                memory_size_mb: m.memory_size_mb,
                max_memory_used_mb: m.max_memory_used_mb,
                init_duration_ms: m.init_duration_ms,
            }),
            cold_start: invocation.cold_start.unwrap_or(false),
            logs: invocation
                .log_tail
                .as_deref()
                .map(|tail| tail.lines().map(str::to_owned).collect())
                .unwrap_or_default(),
            interpreter: invocation.interpreter,
        }
    }
}

fn load_manifest(root: &Path) -> Result<Manifest, ApiError> {
    functory_local::load_manifest(root)
        .map(|(manifest, _)| manifest)
        .map_err(ApiError::from)
}

/// The manifest's function `name`, or NotFound listing the functions there are.
pub(crate) fn find_function(manifest: &Manifest, name: &str) -> Result<Function, ApiError> {
    manifest
        .functions
        .iter()
        .find(|f| f.name == name)
        .cloned()
        .ok_or_else(|| {
            let known: Vec<&str> = manifest.functions.iter().map(|f| f.name.as_str()).collect();
            ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "no function `{name}` in functory.toml; functions: {}",
                    known.join(", ")
                ),
            )
        })
}

/// NotFound for a target functory.toml does not declare, listing those it does.
pub(crate) fn unknown_target(manifest: &Manifest, target: &str) -> ApiError {
    let known: Vec<&str> = manifest.targets.iter().map(|t| t.name.as_str()).collect();
    ApiError::new(
        ErrorCode::NotFound,
        format!(
            "no target `{target}` in functory.toml; known targets: {}",
            known.join(", ")
        ),
    )
}

fn check_local_target(manifest: &Manifest, target: &str) -> Result<(), ApiError> {
    match manifest.targets.iter().find(|t| t.name == target) {
        Some(t) if t.adapter == AdapterKind::Local => Ok(()),
        Some(t) => Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "target `{target}` deploys to {}; this build invokes local targets only",
                t.adapter
            ),
        )),
        None if target == "local" => Ok(()),
        None => Err(unknown_target(manifest, target)),
    }
}

/// Invokes one function of the project at `root` once, on a runtime of its own that is stopped
/// afterwards (`functory invoke`). Must be called inside a Tokio runtime.
pub async fn invoke_once(
    root: &Path,
    target: &str,
    function: &str,
    event: &str,
) -> Result<InvocationResult, ApiError> {
    let (manifest, diagnostics) = functory_local::load_manifest(root).map_err(ApiError::from)?;
    check_local_target(&manifest, target)?;
    let function = find_function(&manifest, function)?;
    let errors = functory_local::function_errors(&diagnostics, &function.name);
    if !errors.is_empty() {
        let listed: Vec<String> = errors.iter().map(|d| d.to_string()).collect();
        return Err(ApiError::new(
            ErrorCode::InvalidManifest,
            format!(
                "`{}` does not run while functory.toml has errors in it:\n{}",
                function.name,
                listed.join("\n")
            ),
        ));
    }
    check_event(event)?;
    let mut settings = LocalSettings::for_project(root);
    // One invoke: nothing to reload, and no watcher to set up and tear down.
    settings.hot_reload = false;
    let local = LocalRuntime::start(settings)?;
    let name = function.name.clone();
    let result = async {
        local.deploy(DeployOptions::new(root, function)).await?;
        local
            .invoke(InvokeOptions::new(&name, event.as_bytes()).with_log_tail())
            .await
    }
    .await;
    local.shutdown();
    Ok(result?.into())
}

// ---- a served project ------------------------------------------------------------------------

/// A project served locally: every function deployed and every trigger started, until
/// [`LocalRun::stop`] or drop.
#[derive(Debug)]
pub struct LocalRun {
    root: PathBuf,
    run: ProjectRun,
    manifest_text: String,
}

impl LocalRun {
    /// Deploys every function of the project and starts its triggers. Must be called inside a
    /// Tokio runtime; the run's tasks live on it.
    pub async fn start(root: &Path, settings: &RunSettings) -> Result<LocalRun, ApiError> {
        let root = root
            .canonicalize()
            .map_err(|e| ApiError::io("open", root, e))?;
        let manifest_text = manifest_text(&root);
        let mut options = RunOptions::for_project(&root);
        options.port = settings.port;
        if settings.payload_v1 {
            options.payload_version = PayloadVersion::V1;
        }
        if !settings.cors_origins.is_empty() {
            options.cors = Some(CorsConfig {
                allow_origins: settings.cors_origins.clone(),
                allow_headers: vec!["*".into()],
                ..CorsConfig::default()
            });
        }
        let run = ProjectRun::start(&root, options).await?;
        tracing::info!(root = %root.display(), url = %run.gateway_url(), "local run started");
        Ok(LocalRun {
            root,
            run,
            manifest_text,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn project_name(&self) -> &str {
        &self.run.manifest().project_name
    }

    pub fn gateway_url(&self) -> String {
        self.run.gateway_url()
    }

    /// The functions being served, in manifest order.
    pub fn functions(&self) -> Vec<String> {
        self.run
            .manifest()
            .functions
            .iter()
            .map(|f| f.name.clone())
            .collect()
    }

    pub fn status(&self) -> RunStatus {
        let run = &self.run;
        RunStatus {
            running: true,
            project_name: Some(self.project_name().to_owned()),
            gateway_url: Some(run.gateway_url()),
            routes: run
                .http_routes()
                .into_iter()
                .map(|r| HttpRouteInfo {
                    method: r.method,
                    path: r.path,
                    url: r.url,
                    function: r.function,
                })
                .collect(),
            schedules: run
                .schedules()
                .into_iter()
                .map(|s| ScheduleInfo {
                    function: s.function,
                    expression: s.expression,
                    timezone: s.timezone,
                    next: s.next,
                })
                .collect(),
            buckets: run
                .buckets()
                .iter()
                .map(|b| BucketInfo {
                    bucket: b.bucket.clone(),
                    folder: b.folder.clone(),
                    function: b.function.clone(),
                    prefix: b.prefix.clone(),
                    suffix: b.suffix.clone(),
                })
                .collect(),
            queues: run
                .queues()
                .into_iter()
                .map(|q| QueueInfo {
                    queue: q.queue,
                    function: q.function,
                    send_url: q.send_url,
                    depth: saturate(q.depth as u64),
                    dead_letters: saturate(q.dead_letters as u64),
                })
                .collect(),
            instances: run
                .runtime()
                .instances()
                .into_iter()
                .map(|f| FunctionInstancesInfo {
                    starting: saturate(f.starting as u64),
                    warm: saturate(f.idle.len() as u64),
                    busy: saturate(f.busy as u64),
                    concurrency_limit: f.concurrency_limit,
                    invocations: saturate(f.counters.invocations),
                    cold_starts: saturate(f.counters.cold_starts),
                    errors: saturate(f.counters.errors),
                    throttles: saturate(f.counters.throttles),
                    timeouts: saturate(f.counters.timeouts),
                    warm_instances: f
                        .idle
                        .iter()
                        .map(|i| InstanceInfo {
                            id: saturate(i.id),
                            pid: i.pid,
                            provisioned: i.provisioned,
                            idle_ms: i.idle_ms,
                        })
                        .collect(),
                    function: f.function,
                })
                .collect(),
            problems: run.problems().to_vec(),
            manifest_changed: manifest_text(&self.root) != self.manifest_text,
        }
    }

    /// Invokes a function of the run with an event given as JSON text.
    pub async fn invoke(&self, function: &str, event: &str) -> Result<InvocationResult, ApiError> {
        check_event(event)?;
        self.served(function)?;
        let invocation = self
            .run
            .runtime()
            .invoke(InvokeOptions::new(function, event.as_bytes()).with_log_tail())
            .await?;
        Ok(invocation.into())
    }

    /// Fires `function`'s schedule now, with the event the schedule would send.
    pub async fn fire_schedule(&self, function: &str) -> Result<InvocationResult, ApiError> {
        self.served(function)?;
        if !self.run.schedules().iter().any(|s| s.function == function) {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!("`{function}` has no running schedule"),
            ));
        }
        Ok(self.run.fire_schedule(function).await?.into())
    }

    fn served(&self, function: &str) -> Result<(), ApiError> {
        if self.run.is_started(function) {
            return Ok(());
        }
        let errors = functory_local::function_errors(self.run.diagnostics(), function);
        if !errors.is_empty() {
            let listed: Vec<String> = errors.iter().map(|d| d.to_string()).collect();
            return Err(ApiError::new(
                ErrorCode::InvalidManifest,
                format!(
                    "`{function}` does not run while functory.toml has errors in it:\n{}",
                    listed.join("\n")
                ),
            ));
        }
        if let Some(problem) = self
            .run
            .problems()
            .iter()
            .find(|p| p.contains(&format!("`{function}`")))
        {
            return Err(ApiError::new(ErrorCode::RuntimeError, problem.clone()));
        }
        Err(ApiError::new(
            ErrorCode::NotFound,
            format!(
                "no function `{function}` in the running project; if you just added it to functory.toml, restart the local run"
            ),
        ))
    }

    /// Stops every trigger and instance now, even while an invoke still holds the run.
    pub fn stop(&self) {
        self.run.runtime().shutdown();
        tracing::info!(root = %self.root.display(), "local run stopped");
    }
}

fn saturate(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn manifest_text(root: &Path) -> String {
    std::fs::read_to_string(root.join(functory_core::MANIFEST_FILE_NAME)).unwrap_or_default()
}

// ---- events ----------------------------------------------------------------------------------

/// A sample event for each trigger of `function`, `{}` for a direct invoke, then every other
/// event shape Functory knows (kind `more`), built from the function's trigger settings.
pub fn sample_events(root: &Path, function: &str) -> Result<Vec<SampleEvent>, ApiError> {
    let function = find_function(&load_manifest(root)?, function)?;
    let mut samples = functory_local::samples::sample_events(&function);
    samples.extend(functory_local::samples::other_shapes(&function));
    Ok(samples
        .into_iter()
        .map(|s| SampleEvent {
            kind: s.kind,
            name: s.name,
            event: serde_json::to_string_pretty(&s.event).unwrap_or_else(|_| s.event.to_string()),
        })
        .collect())
}

/// Fails with `not_found` unless the project at `root` declares `function`.
pub fn check_function(root: &Path, function: &str) -> Result<(), ApiError> {
    find_function(&load_manifest(root)?, function).map(|_| ())
}

/// The test events saved for one function of the project at `root`, under its data folder.
#[derive(Debug)]
pub struct SavedTestEvents {
    function: String,
    store: SavedEvents,
}

impl SavedTestEvents {
    /// Refuses functions the manifest does not declare, so a name never leads out of the folder.
    pub fn of(root: &Path, function: &str) -> Result<SavedTestEvents, ApiError> {
        let function = find_function(&load_manifest(root)?, function)?;
        let data_dir = LocalSettings::for_project(root).data_dir;
        Ok(SavedTestEvents {
            store: SavedEvents::new(&data_dir, &function.name),
            function: function.name,
        })
    }

    /// Every saved event with its text, sorted by name.
    pub fn list(&self) -> Result<Vec<SavedEvent>, ApiError> {
        self.store
            .list()
            .into_iter()
            .map(|name| {
                let event = self
                    .store
                    .load(&name)
                    .map_err(|e| saved_event_error(&self.function, e))?;
                Ok(SavedEvent { name, event })
            })
            .collect()
    }

    /// Saves (or replaces) an event; it must be JSON.
    pub fn save(&self, name: &str, event: &str) -> Result<(), ApiError> {
        check_event(event)?;
        self.store
            .save(name.trim(), event)
            .map_err(|e| saved_event_error(&self.function, e))
    }

    pub fn delete(&self, name: &str) -> Result<(), ApiError> {
        self.store
            .delete(name)
            .map_err(|e| saved_event_error(&self.function, e))
    }
}

// ---- logs ------------------------------------------------------------------------------------

/// Log lines, oldest first per function; it ends when the stored lines are sent, unless the
/// query follows.
pub type LogLines = Pin<Box<dyn Stream<Item = LogLine> + Send>>;

fn log_line(event: LogEvent) -> LogLine {
    LogLine {
        timestamp_ms: event.timestamp_ms,
        function: event.function,
        request_id: event.request_id,
        level: event.level.map(|level| {
            serde_json::to_value(level)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        }),
        message: event.message,
    }
}

/// The adapter filter a query asks for; an unknown level is refused.
pub(crate) fn log_filter(query: &LogQuery) -> Result<LogFilter, ApiError> {
    let min_level = match query.min_level.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(LogLevel::parse(text).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!("unknown level `{text}`; use trace, debug, info, warn, error or fatal"),
            )
        })?),
    };
    Ok(LogFilter {
        text: query.text.clone().filter(|t| !t.is_empty()),
        request_id: query.request_id.clone().filter(|t| !t.trim().is_empty()),
        min_level,
    })
}

/// The log lines of the project at `root` that match `query`. The logs are read from the
/// project's data folder, so lines written by the app, `functory run` or `functory invoke` all
/// show, whether or not a run is active. Must be called inside a Tokio runtime.
pub fn tail_logs(root: &Path, query: &LogQuery) -> Result<LogLines, ApiError> {
    let filter = log_filter(query)?;
    let settings = LocalSettings::for_project(root);
    let declared: Vec<String> = functory_local::load_manifest(root)
        .map(|(m, _)| m.functions.iter().map(|f| f.name.clone()).collect())
        .unwrap_or_default();
    let functions = match &query.function {
        Some(name) => {
            let valid = functory_core::manifest::is_valid_function_name(name);
            if !valid || (!declared.contains(name) && !settings.logs_dir().join(name).is_dir()) {
                return Err(ApiError::new(
                    ErrorCode::NotFound,
                    format!("no function `{name}` in this project and no log for it"),
                ));
            }
            vec![name.clone()]
        }
        None => declared,
    };
    let last = query.last.map(|n| n as usize);
    let mut streams = Vec::new();
    for function in functions {
        let store =
            LogStore::open(&settings.logs_dir(), &function, settings.log_limits).map_err(|e| {
                ApiError::io("open the log of", &settings.logs_dir().join(&function), e)
            })?;
        let events = Arc::new(store).tail(filter.clone(), None, last, query.follow);
        // An unreadable line ends nothing: the store already skips what it cannot parse.
        streams
            .push(events.filter_map(|event| futures_util::future::ready(event.ok().map(log_line))));
    }
    Ok(Box::pin(futures_util::stream::select_all(streams)))
}

/// Sends `lines` to `sink` in batches: the lines that arrive within `window` of the first one
/// (at most `max_lines`), so a function logging thousands of lines a second costs the receiver
/// a few messages a second. Stops when the stream ends (after a last batch with `ended`) or
/// when `sink` answers false (the receiver is gone).
pub async fn forward_in_batches(
    mut lines: LogLines,
    window: Duration,
    max_lines: usize,
    mut sink: impl FnMut(LogBatch) -> bool,
) {
    loop {
        let Some(first) = lines.next().await else {
            sink(LogBatch {
                lines: Vec::new(),
                ended: true,
                error: None,
            });
            return;
        };
        let mut batch = vec![first];
        let deadline = tokio::time::Instant::now() + window;
        let mut ended = false;
        while batch.len() < max_lines {
            match tokio::time::timeout_at(deadline, lines.next()).await {
                Ok(Some(line)) => batch.push(line),
                Ok(None) => {
                    ended = true;
                    break;
                }
                Err(_) => break,
            }
        }
        // Lines of several functions arrive interleaved per function: show them in time order.
        batch.sort_by_key(|line| line.timestamp_ms);
        if !sink(LogBatch {
            lines: batch,
            ended,
            error: None,
        }) || ended
        {
            return;
        }
    }
}
