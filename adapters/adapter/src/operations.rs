//! The [`Adapter`] trait, its options structs and what the operations return.

use std::fmt;
use std::path::PathBuf;
use std::pin::Pin;

use functory_core::{AdapterKind, Function};
use futures_util::Stream;
use serde::{Deserialize, Serialize};

use crate::Result;

/// What a provider can do, so the UI offers only what works and the conformance suite skips
/// only what the provider declares unsupported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Capabilities {
    pub kind: AdapterKind,
    /// Published, immutable versions (and so rollback to one).
    pub versions: bool,
    /// A stage alias per target that a deploy moves last.
    pub aliases: bool,
    /// Queued (`Event`) invokes.
    pub async_invoke: bool,
    /// Following logs as they are written.
    pub live_logs: bool,
    /// A streamed tail session on request (AWS StartLiveTail, Google TailLogEntries): lines
    /// within about a second instead of polled every few seconds. `functory_api`'s
    /// `cloud::live_logs` refuses it for a target whose provider does not declare it.
    pub live_tail: bool,
    pub http_trigger: bool,
    pub schedule_trigger: bool,
    pub storage_trigger: bool,
    pub queue_trigger: bool,
    /// Kinesis or DynamoDB stream triggers.
    pub stream_trigger: bool,
    /// The function's own HTTPS endpoint (`url` triggers).
    pub url_trigger: bool,
    /// A deploy sets [`DeployOptions::reserved_concurrency`], the provider enforces it (excess
    /// invokes are throttled) and `describe` reports it. Without it the setting is refused or
    /// visibly not applied (the plan says so).
    pub concurrency_limit: bool,
    /// A deploy starts [`DeployOptions::provisioned_concurrency`] pre-warmed instances and
    /// `describe` reports them; without it, asking for them is refused or visibly not applied.
    pub provisioned_concurrency: bool,
}

/// A deployment target: deploy, invoke, watch and remove functions.
///
/// Every method takes an options struct so new knobs never break callers, and every failure is
/// an [`crate::AdapterError`].
#[async_trait::async_trait]
pub trait Adapter: Send + Sync + fmt::Debug {
    fn capabilities(&self) -> Capabilities;

    /// Creates the function or updates its code and configuration.
    async fn deploy(&self, options: DeployOptions) -> Result<Deployment>;

    /// Runs the function once. A handler that throws is an `Ok` [`Invocation`] whose
    /// `function_error` is set; errors are for invokes that could not run at all.
    async fn invoke(&self, options: InvokeOptions) -> Result<Invocation>;

    /// The function's log events, oldest first; with `follow`, the stream then waits for new
    /// events until it is dropped.
    async fn tail_logs(&self, options: TailOptions) -> Result<LogStream>;

    async fn list(&self, options: ListOptions) -> Result<Vec<FunctionSummary>>;

    async fn describe(&self, options: DescribeOptions) -> Result<FunctionDescription>;

    async fn delete(&self, options: DeleteOptions) -> Result<()>;
}

/// A stream of log events; dropping it stops following.
pub type LogStream = Pin<Box<dyn Stream<Item = Result<LogEvent>> + Send>>;

#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// The project folder; the function's `code_dir` is relative to it.
    pub project_root: PathBuf,
    pub function: Function,
    /// At most this many invocations run at once; more are queued briefly, then throttled.
    /// `None` leaves the provider's setting as it is (a fresh local function has no limit).
    pub reserved_concurrency: Option<u32>,
    /// Instances started and initialised ahead of any invoke.
    pub provisioned_concurrency: u32,
    /// Pass the caller's own cloud credentials (`AWS_ACCESS_KEY_ID`, …) to the function. Off
    /// unless a target explicitly asks for it: a local handler never sees them by accident.
    pub pass_credentials: bool,
    /// The project's name, recorded on cloud resources (tags) so a deploy never takes over a
    /// function another project owns.
    pub project: Option<String>,
    /// The stage alias to move to the new version (the target's name); `None` leaves aliases
    /// alone.
    pub stage: Option<String>,
    /// The git commit the deployed code was checkpointed as, recorded on the function.
    pub commit: Option<String>,
    pub progress: Option<crate::ProgressSink>,
    /// The project's HTTP API settings (`[api]`: CORS, authorizers), shared by the routes of
    /// every function.
    pub api: functory_core::manifest::HttpApi,
    /// Every function of the project. A provider whose unit of deployment holds several
    /// functions (an Azure function app is one package) deploys them together, so deploying
    /// one never removes the others. Empty means just `function`.
    pub app_functions: Vec<Function>,
    /// The project's declared resources (`[resources.NAME]`): a trigger naming one addresses
    /// the resource by its physical name, or its `existing` ARN.
    pub resources: Vec<functory_core::Resource>,
    /// What the functions of one plan or deploy may read once for all of them (a provider's
    /// listing of the project's schedules, say). None by default: every plan reads for itself.
    pub shared_reads: SharedReads,
}

/// Reads the functions of one plan or deploy share: each made once, by the first function that
/// needs it, while the others that need it wait, and dropped with the plan or deploy (the caller
/// makes one per operation). A listing shared longer could miss what changed since; within one
/// deploy, each function's part of a listing is changed only by that function's own deploy.
#[derive(Clone, Default)]
pub struct SharedReads(Option<std::sync::Arc<std::sync::Mutex<SharedCells>>>);

/// Each shared read's cell, by key; a cell holds a `tokio::sync::OnceCell` of the read's type.
type SharedCells =
    std::collections::HashMap<String, std::sync::Arc<dyn std::any::Any + Send + Sync>>;

impl SharedReads {
    /// Reads shared by every clone of this value.
    pub fn new() -> Self {
        SharedReads(Some(Default::default()))
    }

    /// The cell that holds the read named `key` (a `T`), to fill with `get_or_try_init`; `None`
    /// when reads are not shared (each caller reads for itself).
    pub fn cell<T: Send + Sync + 'static>(
        &self,
        key: &str,
    ) -> Option<std::sync::Arc<tokio::sync::OnceCell<T>>> {
        let reads = self.0.as_ref()?;
        let mut reads = reads.lock().unwrap_or_else(|p| p.into_inner());
        let cell = reads
            .entry(key.to_owned())
            .or_insert_with(|| std::sync::Arc::new(tokio::sync::OnceCell::<T>::new()))
            .clone();
        cell.downcast::<tokio::sync::OnceCell<T>>().ok()
    }
}

impl fmt::Debug for SharedReads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<String> = self
            .0
            .as_ref()
            .map(|reads| {
                reads
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .keys()
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        f.debug_tuple("SharedReads").field(&keys).finish()
    }
}

impl DeployOptions {
    pub fn new(project_root: impl Into<PathBuf>, function: Function) -> Self {
        DeployOptions {
            project_root: project_root.into(),
            function,
            reserved_concurrency: None,
            provisioned_concurrency: 0,
            pass_credentials: false,
            project: None,
            stage: None,
            commit: None,
            progress: None,
            api: functory_core::manifest::HttpApi::default(),
            app_functions: Vec::new(),
            resources: Vec::new(),
            shared_reads: SharedReads::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub function: String,
    /// The version this deployment published (`$LATEST` when the provider has no versions).
    pub version: String,
    /// A digest of the deployed code, to tell whether a redeploy changed anything.
    pub code_sha256: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum InvocationType {
    /// Wait for the result.
    #[default]
    RequestResponse,
    /// Queue the event and return at once (202).
    Event,
    /// Validate the request without running the function (204).
    DryRun,
}

#[derive(Debug, Clone)]
pub struct InvokeOptions {
    pub function: String,
    /// The event, as JSON text.
    pub payload: Vec<u8>,
    pub invocation_type: InvocationType,
    /// Return the invocation's log lines with the result.
    pub log_tail: bool,
    /// Base64 JSON passed as the `Lambda-Runtime-Client-Context` header.
    pub client_context: Option<String>,
    /// A version or alias to invoke (`prod`, `3`); `None` is the latest code.
    pub qualifier: Option<String>,
}

impl InvokeOptions {
    pub fn new(function: impl Into<String>, payload: impl Into<Vec<u8>>) -> Self {
        InvokeOptions {
            function: function.into(),
            payload: payload.into(),
            invocation_type: InvocationType::RequestResponse,
            log_tail: false,
            client_context: None,
            qualifier: None,
        }
    }

    pub fn with_log_tail(mut self) -> Self {
        self.log_tail = true;
        self
    }

    pub fn with_type(mut self, invocation_type: InvocationType) -> Self {
        self.invocation_type = invocation_type;
        self
    }
}

/// A handler's failure, as Lambda reports it: `Unhandled` plus the error's type and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionError {
    /// `Runtime.ImportModuleError`, `Sandbox.Timedout`, `TypeError`, …
    pub error_type: String,
    pub message: String,
}

impl FunctionError {
    /// The error of a failed invocation from Lambda's error document
    /// (`{"errorType", "errorMessage", "stackTrace"}`), which Functory's Azure and Google
    /// entry points write too; `kind` (`Unhandled`) and the raw text stand in for what the
    /// document lacks.
    pub fn from_error_document(kind: &str, payload: &[u8]) -> Self {
        let document: serde_json::Value = serde_json::from_slice(payload).unwrap_or_default();
        let text = |key: &str| {
            document
                .get(key)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        FunctionError {
            error_type: text("errorType").unwrap_or_else(|| kind.to_owned()),
            message: text("errorMessage")
                .unwrap_or_else(|| String::from_utf8_lossy(payload).into_owned()),
        }
    }
}

/// How long an invocation ran and what it used, as the `REPORT` line states it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvocationMetrics {
    pub duration_ms: f64,
    pub billed_duration_ms: u64,
    pub memory_size_mb: u32,
    pub max_memory_used_mb: u32,
    /// Set on a cold start: how long the instance took to initialise.
    pub init_duration_ms: Option<f64>,
}

impl InvocationMetrics {
    /// The figures of the `REPORT RequestId: …` line in `log`, if there is one.
    pub fn from_report(log: &str) -> Option<Self> {
        let line = log.lines().find(|l| l.starts_with("REPORT RequestId:"))?;
        let field = |label: &str| -> Option<f64> {
            let start = line.find(label)? + label.len();
            line[start..].split_whitespace().next()?.parse().ok()
        };
        Some(InvocationMetrics {
            // The first `Duration:` is the run's own (`Billed Duration:` comes after it).
            duration_ms: field("Duration:")?,
            billed_duration_ms: field("Billed Duration:").map(|d| d as u64).unwrap_or(0),
            memory_size_mb: field("Memory Size:").map(|m| m as u32).unwrap_or(0),
            max_memory_used_mb: field("Max Memory Used:").map(|m| m as u32).unwrap_or(0),
            init_duration_ms: field("Init Duration:"),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    pub request_id: String,
    /// 200 for a synchronous invoke (even when the handler failed), 202 for `Event`, 204 for
    /// `DryRun`.
    pub status_code: u16,
    /// The handler's result, or the error document when `function_error` is set.
    pub payload: Vec<u8>,
    pub function_error: Option<FunctionError>,
    pub executed_version: String,
    /// The invocation's log lines, when `log_tail` was asked for.
    pub log_tail: Option<String>,
    /// When the provider measures it locally (the local runtime always does).
    pub metrics: Option<InvocationMetrics>,
    /// Whether this invoke started a new instance, when the provider says.
    pub cold_start: Option<bool>,
    /// Which interpreter ran the handler, when it is not of the declared runtime's version
    /// (the local runtime runs a `nodejs24.x` function on the machine's Node.js 20 when it
    /// finds no Node.js 24). Clouds run the declared runtime: `None`.
    pub interpreter: Option<String>,
}

impl Invocation {
    pub fn payload_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.payload).ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl LogLevel {
    pub fn parse(text: &str) -> Option<LogLevel> {
        match text.trim().to_ascii_uppercase().as_str() {
            "TRACE" => Some(LogLevel::Trace),
            "DEBUG" => Some(LogLevel::Debug),
            "INFO" | "LOG" => Some(LogLevel::Info),
            "WARN" | "WARNING" => Some(LogLevel::Warn),
            "ERROR" => Some(LogLevel::Error),
            "FATAL" | "CRITICAL" => Some(LogLevel::Fatal),
            _ => None,
        }
    }
}

/// One line of a function's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEvent {
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    pub function: String,
    /// The invocation the line belongs to; `None` for init output and platform notices.
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<LogLevel>,
    pub message: String,
}

/// Which log events to keep. Every set field must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Case-sensitive substring of the message.
    pub text: Option<String>,
    pub request_id: Option<String>,
    /// This level or more severe; events without a level never match a level filter.
    pub min_level: Option<LogLevel>,
}

impl LogFilter {
    pub fn matches(&self, event: &LogEvent) -> bool {
        if let Some(text) = &self.text
            && !event.message.contains(text.as_str())
        {
            return false;
        }
        if let Some(id) = &self.request_id
            && event.request_id.as_deref() != Some(id.as_str())
        {
            return false;
        }
        if let Some(min) = self.min_level
            && event.level.is_none_or(|level| level < min)
        {
            return false;
        }
        true
    }
}

#[derive(Debug, Clone, Default)]
pub struct TailOptions {
    pub function: String,
    /// Keep the stream open and yield new events as they are written.
    pub follow: bool,
    pub filter: LogFilter,
    /// Only events at or after this time (ms since the epoch).
    pub since_ms: Option<i64>,
    /// Only the last `n` matching stored events before following.
    pub last: Option<usize>,
}

impl TailOptions {
    pub fn new(function: impl Into<String>) -> Self {
        TailOptions {
            function: function.into(),
            ..TailOptions::default()
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    /// Only functions whose name starts with this.
    pub prefix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionSummary {
    pub name: String,
    pub runtime: String,
    pub memory_mb: u32,
    pub timeout_s: u32,
    pub version: String,
}

#[derive(Debug, Clone)]
pub struct DescribeOptions {
    pub function: String,
}

impl DescribeOptions {
    pub fn new(function: impl Into<String>) -> Self {
        DescribeOptions {
            function: function.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FunctionState {
    Pending,
    Active,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionDescription {
    pub summary: FunctionSummary,
    pub handler: String,
    pub state: FunctionState,
    pub code_sha256: String,
    /// Variable names only: values may be secrets.
    pub environment_keys: Vec<String>,
    pub reserved_concurrency: Option<u32>,
    pub provisioned_concurrency: u32,
}

#[derive(Debug, Clone)]
pub struct DeleteOptions {
    pub function: String,
}

impl DeleteOptions {
    pub fn new(function: impl Into<String>) -> Self {
        DeleteOptions {
            function: function.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(level: Option<LogLevel>, message: &str) -> LogEvent {
        LogEvent {
            timestamp_ms: 0,
            function: "f".into(),
            request_id: Some("r1".into()),
            level,
            message: message.into(),
        }
    }

    #[test]
    fn filter_needs_every_set_field_to_match() {
        let warn = event(Some(LogLevel::Warn), "disk almost full");
        assert!(LogFilter::default().matches(&warn));
        let by_level = LogFilter {
            min_level: Some(LogLevel::Warn),
            ..LogFilter::default()
        };
        assert!(by_level.matches(&warn));
        assert!(!by_level.matches(&event(Some(LogLevel::Info), "x")));
        assert!(!by_level.matches(&event(None, "x")));
        let both = LogFilter {
            text: Some("disk".into()),
            request_id: Some("r2".into()),
            min_level: None,
        };
        assert!(!both.matches(&warn));
        assert_eq!(LogLevel::parse("warning"), Some(LogLevel::Warn));
    }
}

#[cfg(test)]
mod invocation_tests {
    use super::*;

    #[test]
    fn error_type_and_message_come_from_the_error_document() {
        let payload = br#"{"errorType":"TypeError","errorMessage":"x is undefined","stackTrace":["at handler (index.js:3:9)"]}"#;
        let error = FunctionError::from_error_document("Unhandled", payload);
        assert_eq!(error.error_type, "TypeError");
        assert_eq!(error.message, "x is undefined");
        let error = FunctionError::from_error_document("Unhandled", b"not json");
        assert_eq!(error.error_type, "Unhandled");
        assert_eq!(error.message, "not json");
    }

    #[test]
    fn report_line_figures() {
        let log = "START RequestId: a Version: $LATEST\nEND RequestId: a\nREPORT RequestId: a\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\tInit Duration: 150.00 ms\t\n";
        let metrics = InvocationMetrics::from_report(log).unwrap();
        assert_eq!(metrics.duration_ms, 12.34);
        assert_eq!(metrics.billed_duration_ms, 13);
        assert_eq!(metrics.memory_size_mb, 128);
        assert_eq!(metrics.max_memory_used_mb, 70);
        assert_eq!(metrics.init_duration_ms, Some(150.0));
        assert!(InvocationMetrics::from_report("no report").is_none());
    }
}

#[cfg(test)]
mod shared_reads_tests {
    use super::SharedReads;

    #[tokio::test]
    async fn a_shared_read_is_made_once_for_every_clone_and_not_at_all_by_default() {
        let shared = SharedReads::new();
        let made = std::sync::atomic::AtomicUsize::new(0);
        let read = |reads: SharedReads| {
            let made = &made;
            async move {
                let cell = reads.cell::<Vec<String>>("listing").expect("shared");
                cell.get_or_init(|| async {
                    made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    vec!["functory-a-1".to_owned()]
                })
                .await
                .clone()
            }
        };
        let (first, second) = tokio::join!(read(shared.clone()), read(shared.clone()));
        assert_eq!(first, second);
        assert_eq!(made.load(std::sync::atomic::Ordering::SeqCst), 1);
        // Another operation reads for itself; so does a caller that shares nothing.
        read(SharedReads::new()).await;
        assert_eq!(made.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert!(
            SharedReads::default()
                .cell::<Vec<String>>("listing")
                .is_none()
        );
        // A key holds one type: asked as another, it is not shared.
        assert!(shared.cell::<u32>("listing").is_none());
    }
}
