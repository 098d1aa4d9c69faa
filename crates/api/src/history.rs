//! The project's history: checkpoints, the timeline of a function, diffs and restores, over
//! `functory-history`. A function's files are its code folder, or its handler file when the
//! function lives at the project root.

use functory_core::Function;
use functory_history::{
    Checkpoint, FileDiff, History, HistoryError, TimelineEntry, WorktreeStatus,
};

use crate::error::{ApiError, ErrorCode};
use crate::project::Project;

impl From<HistoryError> for ApiError {
    fn from(error: HistoryError) -> Self {
        let code = match &error {
            HistoryError::OperationInProgress { .. } => ErrorCode::OperationInProgress,
            HistoryError::DetachedHead { .. } => ErrorCode::DetachedHead,
            HistoryError::NotFound(_) => ErrorCode::NotFound,
            HistoryError::OutsideProject(_) => ErrorCode::OutsideProject,
            HistoryError::InvalidInput(_) => ErrorCode::InvalidInput,
            HistoryError::Git(_) | HistoryError::Io(_) => ErrorCode::Io,
        };
        ApiError::new(code, error.to_string())
    }
}

/// The project-relative files that make up a function's code.
pub fn function_paths(function: &Function) -> Vec<String> {
    if function.code_dir != "." {
        vec![function.code_dir.clone()]
    } else {
        function.handler_file.iter().cloned().collect()
    }
}

impl Project {
    pub fn history(&self) -> Result<History, ApiError> {
        Ok(History::open_or_init(self.root())?)
    }

    fn function(&self, name: &str) -> Result<Function, ApiError> {
        let parsed = self.parse()?;
        let manifest = parsed.manifest.ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidManifest,
                "functory.toml has errors; fix them to see a function's history",
            )
        })?;
        manifest
            .functions
            .into_iter()
            .find(|f| f.name == name)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!("no function named `{name}` in functory.toml"),
                )
            })
    }

    fn paths_of(&self, function: Option<&str>) -> Result<Vec<String>, ApiError> {
        match function {
            None => Ok(Vec::new()),
            Some(name) => {
                let paths = function_paths(&self.function(name)?);
                if paths.is_empty() {
                    return Err(ApiError::new(
                        ErrorCode::NotFound,
                        format!(
                            "the handler file of `{name}` does not exist, so it has no history"
                        ),
                    ));
                }
                Ok(paths)
            }
        }
    }

    pub fn history_status(&self) -> Result<WorktreeStatus, ApiError> {
        Ok(self.history()?.status()?)
    }

    pub fn checkpoint(&self, message: &str) -> Result<Checkpoint, ApiError> {
        Ok(self.history()?.checkpoint(message)?)
    }

    /// The safe choice on a detached HEAD: a branch here, then checkpoints work again.
    pub fn create_branch(&self, name: &str) -> Result<(), ApiError> {
        Ok(self.history()?.create_branch_here(name)?)
    }

    pub fn timeline(&self, function: Option<&str>) -> Result<Vec<TimelineEntry>, ApiError> {
        let paths = self.paths_of(function)?;
        Ok(self.history()?.timeline(&paths, function)?)
    }

    /// The changes between two points (`to = None`: the files on disk now), for one function or
    /// the whole project.
    pub fn history_diff(
        &self,
        from: &str,
        to: Option<&str>,
        function: Option<&str>,
    ) -> Result<Vec<FileDiff>, ApiError> {
        let paths = self.paths_of(function)?;
        Ok(self.history()?.diff(from, to, &paths)?)
    }

    /// Restores one file, or a whole function's code, to `commit`; the current state is
    /// checkpointed first.
    pub fn restore(
        &self,
        commit: &str,
        file: Option<&str>,
        function: Option<&str>,
    ) -> Result<Checkpoint, ApiError> {
        let paths = match (file, function) {
            (Some(file), _) => vec![file.to_owned()],
            (None, Some(function)) => self.paths_of(Some(function))?,
            (None, None) => {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    "say which file or function to restore",
                ));
            }
        };
        Ok(self.history()?.restore(commit, &paths)?)
    }
}
