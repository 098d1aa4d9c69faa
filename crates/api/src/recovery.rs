//! The crash-recovery journal: unsaved editor buffers, kept in the app's data folder so that a
//! crash or a kill loses nothing. The UI writes it shortly after each change and clears an
//! entry when the file is saved; on the next start it offers to restore what is left.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::ApiError;
use crate::files::write_atomically;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JournalEntry {
    /// The project folder the buffer belongs to.
    pub project_root: String,
    /// The file, relative to the project root.
    pub path: String,
    /// The unsaved text.
    pub text: String,
    /// When the buffer last changed, in milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub updated_at_ms: u64,
}

#[derive(Debug, Clone)]
pub struct RecoveryJournal {
    path: PathBuf,
}

impl RecoveryJournal {
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            path: dir.join("recovery-journal.json"),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces the journal with `entries` (all unsaved buffers). An empty list removes it.
    pub fn save(&self, entries: &[JournalEntry]) -> Result<(), ApiError> {
        if entries.is_empty() {
            return self.clear();
        }
        let json = serde_json::to_vec(entries).map_err(|e| {
            ApiError::new(
                crate::ErrorCode::Io,
                format!("could not encode the recovery journal: {e}"),
            )
        })?;
        write_atomically(&self.path, &json)
    }

    /// The unsaved buffers of the last session. A journal that cannot be read is moved aside
    /// (never deleted) and treated as empty, so a bad file cannot block the app from starting.
    pub fn load(&self) -> Vec<JournalEntry> {
        let Ok(bytes) = fs::read(&self.path) else {
            return Vec::new();
        };
        match serde_json::from_slice(&bytes) {
            Ok(entries) => entries,
            Err(_) => {
                let _ = fs::rename(&self.path, self.path.with_extension("json.corrupt"));
                Vec::new()
            }
        }
    }

    pub fn clear(&self) -> Result<(), ApiError> {
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(ApiError::io("remove", &self.path, e)),
        }
    }
}
