//! Project history on git.
//!
//! Every Functory project is a git repository: an existing one is used as it is (with its own
//! user configuration), otherwise one is created. The app makes *checkpoint* commits — when the
//! user asks, and automatically before every deploy — and records every deploy (target,
//! function, cloud version, code hash, time, who) as a git note on the deployed commit under
//! `refs/notes/functory-deploys`, so the record travels with the repository
//! (`git fetch origin refs/notes/*:refs/notes/*`) and can be read with `git notes show`.
//!
//! The history is read back as a timeline per function (commits that touched its files, and its
//! deploys), diffs between any two points, and restores of a file or a whole function. A
//! restore first checkpoints the current state, so it can never lose work. Repositories in the
//! middle of a merge or rebase, and detached heads, are refused with a message saying what to do.

mod error;
mod repository;

pub use error::{HistoryError, HistoryErrorCode};
pub use repository::{
    Checkpoint, DEPLOY_NOTES_REF, DeployRecord, FileChange, FileDiff, History, TimelineEntry,
    WorktreeStatus,
};
