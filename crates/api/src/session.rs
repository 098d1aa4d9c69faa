//! What the app was started with: a project to open and the unsaved buffers of the last run.

use serde::Serialize;
use ts_rs::TS;

use crate::recovery::JournalEntry;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Startup {
    /// A project folder given on the command line (`--open DIR` or `--sample`), opened at once.
    pub open_path: Option<String>,
    /// Unsaved buffers a previous run left in the recovery journal; the UI offers to restore.
    pub recovery: Vec<JournalEntry>,
}
