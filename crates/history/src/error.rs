use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(
        "the repository is in the middle of a {operation}: finish it or abort it (`git {operation} --continue` or `git {operation} --abort`) before Functory makes a checkpoint"
    )]
    OperationInProgress { operation: &'static str },
    #[error(
        "HEAD is detached (at {commit}): a checkpoint there would be lost when you switch branches. Create a branch first — Functory can do it for you — or `git switch -c NAME`"
    )]
    DetachedHead { commit: String },
    #[error("no commit or file `{0}` in the history")]
    NotFound(String),
    #[error("`{0}` is outside the project folder")]
    OutsideProject(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("git: {0}")]
    Git(#[from] git2::Error),
    #[error("{0}")]
    Io(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum HistoryErrorCode {
    OperationInProgress,
    DetachedHead,
    NotFound,
    OutsideProject,
    InvalidInput,
    Git,
    Io,
}

impl HistoryError {
    pub fn code(&self) -> HistoryErrorCode {
        match self {
            HistoryError::OperationInProgress { .. } => HistoryErrorCode::OperationInProgress,
            HistoryError::DetachedHead { .. } => HistoryErrorCode::DetachedHead,
            HistoryError::NotFound(_) => HistoryErrorCode::NotFound,
            HistoryError::OutsideProject(_) => HistoryErrorCode::OutsideProject,
            HistoryError::InvalidInput(_) => HistoryErrorCode::InvalidInput,
            HistoryError::Git(_) => HistoryErrorCode::Git,
            HistoryError::Io(_) => HistoryErrorCode::Io,
        }
    }
}
