//! The embedded local runtime as use cases: serve a project ([`LocalRun`]), invoke one function
//! once ([`invoke_once`]), sample and saved test events, and log tails with filters, batched for
//! a UI ([`forward_in_batches`]).
//!
//! The app's Run view (through [`crate::session::Session`]) and the CLI's `run`, `invoke` and
//! `logs` both call these, so neither front end touches `functory-local` itself. The types here
//! are what crosses IPC; they mirror the runtime's own views with the shapes the UI needs
//! (numbers as JSON numbers, events as JSON text the editor shows).

mod events;
mod logs;
mod run;

use std::path::Path;

use functory_adapter::{Adapter, AdapterError, DeployOptions, Invocation, InvokeOptions};
use functory_core::{AdapterKind, Function, Manifest};
use functory_local::samples::SavedEventError;
use functory_local::triggers::http::GatewayError;
use functory_local::{LocalRuntime, LocalSettings, RunError};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};

pub use events::{SavedTestEvents, check_function, sample_events};
pub(crate) use logs::log_filter;
pub use logs::{LogLines, forward_in_batches, tail_logs};
pub use run::LocalRun;

/// "Reset local data": removes everything the local AWS services hold for the project under
/// `root` (objects, messages, items, topics, buses, identities: `.functory/local/aws`), so the
/// next run starts from the declared resources alone. The declared buckets' folders go too:
/// they are those buckets' contents. The caller stops the project's run first: a running
/// emulator writes its state back when it stops. Folders of undeclared buckets, logs and saved
/// events are kept.
pub fn reset_local_data(root: &std::path::Path) -> Result<(), ApiError> {
    let settings = functory_local::LocalSettings::for_project(root);
    let mut dirs = vec![settings.data_dir.join("aws")];
    // A manifest that does not load declares nothing this can tell.
    if let Ok((manifest, _)) = functory_local::load_manifest(root) {
        dirs.extend(
            manifest
                .resources
                .iter()
                .filter(|r| r.kind == functory_core::ResourceKind::Bucket && r.existing.is_none())
                .map(|r| settings.buckets_dir().join(&r.name)),
        );
    }
    for dir in dirs {
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(ApiError::io("remove", &dir, error)),
        }
    }
    Ok(())
}

mod aws_services;
mod aws_triggers;
mod bucket_mirror;

/// Whether a run of `manifest` starts the local AWS services unless told otherwise: when it
/// declares resources, or has triggers only those services serve (`topic`, `event`, and
/// `stream` on a Kinesis stream).
pub fn wants_aws_services(manifest: &functory_core::Manifest) -> bool {
    let scope = functory_core::trigger_needs::ArnScope::with_resources(&manifest.resources);
    !manifest.resources.is_empty()
        || manifest.functions.iter().any(|f| {
            f.triggers.iter().any(|t| match t {
                functory_core::Trigger::Topic { .. } | functory_core::Trigger::Event { .. } => true,
                functory_core::Trigger::Stream { stream, .. } => !scope.is_dynamodb_stream(stream),
                _ => false,
            })
        })
}

/// The Run view's switches for the local AWS services, kept by the session for the runs it
/// starts (the CLI's `--aws-services`/`--no-aws-services` and `--no-enforce-permissions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RunSwitches {
    /// Start the local AWS services: always, never, or (`None`) as [`wants_aws_services`] says.
    pub aws_services: Option<bool>,
    /// Check every call of a function against its declared permissions.
    pub enforce_permissions: bool,
}

impl Default for RunSwitches {
    fn default() -> Self {
        RunSwitches {
            aws_services: None,
            enforce_permissions: true,
        }
    }
}

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
    /// Start the local AWS services (an emulator with the project's resources, reached by
    /// handlers' SDK calls): `None` does when functory.toml declares resources.
    pub aws_services: Option<bool>,
    /// The venv holding the emulator, instead of `FUNCTORY_LOCAL_AWS_VENV` or the default.
    pub emulator_venv: Option<std::path::PathBuf>,
    /// Each function's AWS SDK calls are checked against its declared permissions (a call they
    /// do not grant fails with AWS's AccessDenied); off, every call is allowed.
    pub enforce_permissions: bool,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            port: DEFAULT_PORT,
            payload_v1: false,
            cors_origins: Vec::new(),
            aws_services: None,
            emulator_venv: None,
            enforce_permissions: true,
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
    /// The local AWS services handlers reach, when the run started them.
    pub aws: Option<AwsServicesInfo>,
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
            aws: None,
            problems: Vec::new(),
            manifest_changed: false,
        }
    }
}

/// The local AWS services of a run: where handlers' SDK calls go, and the declared resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AwsServicesInfo {
    /// `http://127.0.0.1:PORT`, which handlers get as `AWS_ENDPOINT_URL` (and which
    /// `aws --endpoint-url` or an SDK client can use too).
    pub endpoint: String,
    /// The region and account the services act as.
    pub region: String,
    pub account_id: String,
    /// Each function's calls are checked against its declared permissions; when false the run
    /// says that every call is allowed.
    pub permissions_enforced: bool,
    pub resources: Vec<LocalResourceInfo>,
}

/// A declared resource in the local AWS services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LocalResourceInfo {
    pub name: String,
    pub kind: functory_core::ResourceKind,
    /// The name the service knows it by.
    pub physical_name: String,
    /// Its ARN in the local account.
    pub arn: String,
    /// A queue's URL, a topic's or bus's ARN, a bucket's or table's name: what SDK calls use.
    pub address: String,
    /// Created by this run, or found from an earlier one.
    pub created: bool,
    /// An `existing` resource: named in functory.toml, not held by the local services.
    pub existing: bool,
    /// A bucket's folder, kept level with its objects both ways while the run runs.
    pub folder: Option<String>,
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
