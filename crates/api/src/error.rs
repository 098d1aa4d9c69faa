use std::io;
use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

/// The codes the UI branches on. Stable: renaming one is a breaking change for the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// A file or folder does not exist.
    NotFound,
    /// The folder has no `functory.toml`; the UI offers to create one.
    NoManifest,
    /// The manifest does not parse or the edit does not apply to it.
    InvalidManifest,
    /// A value the user typed is refused; the message names the field.
    InvalidInput,
    /// Something with that name already exists.
    AlreadyExists,
    /// A path leads outside the project root.
    OutsideProject,
    /// The file is shown read-only (binary or too large) and cannot be saved from the app.
    ReadOnly,
    /// No project is open.
    NoProject,
    /// No OS keychain answered (no Secret Service, locked keyring); the message says what to do.
    KeychainUnavailable,
    /// The repository is mid-merge, mid-rebase, …: Functory will not commit until it is done.
    OperationInProgress,
    /// HEAD is detached; the UI offers to create a branch.
    DetachedHead,
    /// Reading or writing failed for another reason (permissions, disk full, …).
    Io,
    /// The local run's HTTP port is taken; the UI offers another port (0 picks a free one).
    PortInUse,
    /// The local run is not started, and the action needs it (fire a schedule now).
    NotRunning,
    /// The function already runs as many invocations as its concurrency limit allows.
    Throttled,
    /// The local runtime itself failed (it could not start a process, write its files, …);
    /// a handler that throws is not this, it is an invocation result with a function error.
    RuntimeError,
    /// A cloud refused the credentials (missing, expired, unknown); the message says how to
    /// sign in again.
    Unauthenticated,
    /// A cloud refused the call for lack of a permission (AccessDenied).
    PermissionDenied,
    /// Another change to the same cloud resource is in progress.
    Conflict,
    /// A cloud call failed for another reason; the message names the call and the target.
    CloudError,
    /// The target's provider has no such thing (versions on Azure, a function URL locally).
    NotSupported,
}

/// An error as it crosses IPC: a code and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
#[ts(export)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn io(action: &str, path: &Path, error: io::Error) -> Self {
        let code = match error.kind() {
            io::ErrorKind::NotFound => ErrorCode::NotFound,
            io::ErrorKind::AlreadyExists => ErrorCode::AlreadyExists,
            _ => ErrorCode::Io,
        };
        Self::new(
            code,
            format!("could not {action} {}: {error}", path.display()),
        )
    }
}

impl From<functory_core::EditError> for ApiError {
    fn from(error: functory_core::EditError) -> Self {
        use functory_core::EditError;
        let code = match &error {
            EditError::Unparsable(_) => ErrorCode::InvalidManifest,
            EditError::FunctionNotFound(_) => ErrorCode::NotFound,
            EditError::FunctionExists(_) => ErrorCode::AlreadyExists,
            EditError::InvalidValue { .. } => ErrorCode::InvalidInput,
        };
        Self::new(code, error.to_string())
    }
}
