//! Hot reload: a file watcher on every deployed function's code folder. A change to a file
//! there retires the function's warm instances (busy ones when they finish), so the next
//! invoke starts an instance on the new code — no restart, no redeploy.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Weak;

use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use crate::engine::{Engine, LocalRuntime};

pub(crate) struct CodeWatcher {
    watcher: RecommendedWatcher,
    watched: HashSet<PathBuf>,
}

impl CodeWatcher {
    pub fn start(engine: Weak<Engine>) -> std::io::Result<CodeWatcher> {
        let handle = tokio::runtime::Handle::current();
        let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            let Ok(event) = event else { return };
            let changes_code = match event.kind {
                EventKind::Create(_) | EventKind::Remove(_) => true,
                EventKind::Modify(ModifyKind::Metadata(_)) => false,
                EventKind::Modify(_) => true,
                _ => false,
            };
            if !changes_code {
                return;
            }
            let Some(engine) = engine.upgrade() else {
                return;
            };
            // Provisioned instances are restarted from a Tokio task.
            let _entered = handle.enter();
            let mut reloaded = HashSet::new();
            for path in &event.paths {
                for slot in LocalRuntime::slots_for_path(&engine, path) {
                    if reloaded.insert(slot.spec.name.clone()) {
                        slot.code_changed();
                        LocalRuntime::refill_provisioned(&engine, &slot);
                    }
                }
            }
        })
        .map_err(std::io::Error::other)?;
        Ok(CodeWatcher {
            watcher,
            watched: HashSet::new(),
        })
    }

    /// Starts watching `dir` (recursively) unless an enclosing folder is already watched.
    pub fn watch(&mut self, dir: &Path) {
        if self.watched.iter().any(|w| dir.starts_with(w)) {
            return;
        }
        if self.watcher.watch(dir, RecursiveMode::Recursive).is_ok() {
            self.watched.insert(dir.to_owned());
        }
    }
}
