//! History: the project's git status, checkpoints, branches, timeline, diffs and restores.

use functory_history::{Checkpoint, FileDiff, TimelineEntry, WorktreeStatus};

use super::Session;
use crate::error::ApiError;
use crate::project::ProjectView;

impl Session {
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
