//! Test events: a function's samples, and the events saved for it under `.functory/`.

use std::path::Path;

use functory_local::LocalSettings;
use functory_local::samples::SavedEvents;

use super::{
    SampleEvent, SavedEvent, check_event, find_function, load_manifest, saved_event_error,
};
use crate::error::ApiError;

/// A sample event for each trigger of `function`, `{}` for a direct invoke, then every other
/// event shape Functory knows (kind `more`), built from the function's trigger settings.
pub fn sample_events(root: &Path, function: &str) -> Result<Vec<SampleEvent>, ApiError> {
    let function = find_function(&load_manifest(root)?, function)?;
    let mut samples = functory_local::samples::sample_events(&function);
    samples.extend(functory_local::samples::other_shapes(&function));
    Ok(samples
        .into_iter()
        .map(|s| SampleEvent {
            kind: s.kind,
            name: s.name,
            event: serde_json::to_string_pretty(&s.event).unwrap_or_else(|_| s.event.to_string()),
        })
        .collect())
}

/// Fails with `not_found` unless the project at `root` declares `function`.
pub fn check_function(root: &Path, function: &str) -> Result<(), ApiError> {
    find_function(&load_manifest(root)?, function).map(|_| ())
}

/// The test events saved for one function of the project at `root`, under its data folder.
#[derive(Debug)]
pub struct SavedTestEvents {
    function: String,
    store: SavedEvents,
}

impl SavedTestEvents {
    /// Refuses functions the manifest does not declare, so a name never leads out of the folder.
    pub fn of(root: &Path, function: &str) -> Result<SavedTestEvents, ApiError> {
        let function = find_function(&load_manifest(root)?, function)?;
        let data_dir = LocalSettings::for_project(root).data_dir;
        Ok(SavedTestEvents {
            store: SavedEvents::new(&data_dir, &function.name),
            function: function.name,
        })
    }

    /// Every saved event with its text, sorted by name.
    pub fn list(&self) -> Result<Vec<SavedEvent>, ApiError> {
        self.store
            .list()
            .into_iter()
            .map(|name| {
                let event = self
                    .store
                    .load(&name)
                    .map_err(|e| saved_event_error(&self.function, e))?;
                Ok(SavedEvent { name, event })
            })
            .collect()
    }

    /// Saves (or replaces) an event; it must be JSON.
    pub fn save(&self, name: &str, event: &str) -> Result<(), ApiError> {
        check_event(event)?;
        self.store
            .save(name.trim(), event)
            .map_err(|e| saved_event_error(&self.function, e))
    }

    pub fn delete(&self, name: &str) -> Result<(), ApiError> {
        self.store
            .delete(name)
            .map_err(|e| saved_event_error(&self.function, e))
    }
}
