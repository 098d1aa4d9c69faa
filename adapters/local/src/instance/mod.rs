//! One instance of a function: a process group running the function's runtime against its own
//! Runtime API endpoint, with its output routed into the function's log.
//!
//! What an instance is asked and answers is portable; running one is not: [`process`] starts
//! Unix process groups that inherit the Runtime API's pipes. Where there are none (Windows), an
//! instance cannot start and says so ([`unsupported`]); the rest of the crate builds there.

// Without Unix, no instance runs: what it would be asked and answer is built but never read.
#![cfg_attr(not(unix), allow(dead_code))]

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;

#[cfg(unix)]
mod process;
#[cfg(unix)]
pub(crate) use process::Instance;
#[cfg(not(unix))]
mod unsupported;
#[cfg(not(unix))]
pub(crate) use unsupported::Instance;

/// How to start an instance's process.
#[derive(Debug, Clone)]
pub(crate) struct Launch {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub working_dir: PathBuf,
    /// The complete environment; nothing else of ours is inherited.
    pub environment: Vec<(String, String)>,
    /// Functory's own bootstraps also reach the Runtime API as frames over two pipes whose ends
    /// the process inherits, named in `args` as `--runtime-api-fds=READ,WRITE`.
    pub frames: bool,
}

/// Why an instance could not finish initialising.
#[derive(Debug, Clone)]
pub(crate) struct InitFailure {
    pub error_type: String,
    pub message: String,
    /// The error document returned to the invoker.
    pub document: Bytes,
    pub init_duration: Duration,
}

impl InitFailure {
    fn new(error_type: &str, message: String, init_duration: Duration) -> InitFailure {
        let document = serde_json::json!({ "errorType": error_type, "errorMessage": message });
        InitFailure {
            error_type: error_type.to_owned(),
            message,
            document: Bytes::from(document.to_string()),
            init_duration,
        }
    }
}

/// How one invocation on an instance ended.
#[derive(Debug)]
pub(crate) enum InstanceOutcome {
    Response(Bytes),
    HandlerError {
        error_type: String,
        document: Bytes,
    },
    TimedOut,
    OutOfMemory,
    /// The process exited mid-invocation; the text says how (`exit status 1`, `signal: killed`).
    Exited(String),
}

impl InstanceOutcome {
    /// Whether the instance can take another invocation after this one.
    pub fn keeps_instance(&self) -> bool {
        matches!(
            self,
            InstanceOutcome::Response(_) | InstanceOutcome::HandlerError { .. }
        )
    }
}

pub(crate) struct InvocationRequest {
    pub request_id: String,
    /// The invocation's `START` line, logged before its first output (see `Invocation::start`).
    pub start_line: String,
    pub payload: Bytes,
    pub function_arn: String,
    pub client_context: Option<String>,
    pub timeout: Duration,
    pub memory_limit_bytes: u64,
}

/// How an invocation ended on an instance.
pub(crate) struct InvokeResult {
    pub outcome: InstanceOutcome,
    /// The lines the handler printed (up to `CAPTURE_LINES`), for the log tail.
    pub captured: Vec<String>,
    pub peak_bytes: u64,
    /// The `START` line and its time when nothing wrote it yet: the caller writes it with the
    /// closing lines.
    pub unwritten_start: Option<(i64, String)>,
}
