//! Hot reload: a file watcher on every deployed function's code folder. A change to a file
//! there retires the function's warm instances (busy ones when they finish), so the next
//! invoke starts an instance on the new code — no restart, no redeploy.
//!
//! Folders are watched one by one rather than recursively so that the busy folders inside a
//! project — our own data folder with its logs, `.git`, `node_modules` — cost nothing: a
//! recursive watch would wake us for every log line written.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use crate::engine::{Engine, LocalRuntime};

/// Folders never watched for code changes.
const NOT_WATCHED: &[&str] = &["node_modules", ".venv", "venv"];
/// Inotify watches are a limited resource (8192 by default); a code folder needing more is
/// not a function's code folder.
const MAX_WATCHED_FOLDERS: usize = 4000;

pub(crate) struct CodeWatcher {
    shared: Arc<Mutex<Watched>>,
}

struct Watched {
    watcher: Option<RecommendedWatcher>,
    folders: HashSet<PathBuf>,
    roots: Vec<PathBuf>,
}

impl Watched {
    /// Watches `dir` and every folder below it that may hold code.
    fn add_tree(&mut self, dir: &Path) {
        let Some(watcher) = self.watcher.as_mut() else {
            return;
        };
        let mut stack = vec![dir.to_owned()];
        while let Some(folder) = stack.pop() {
            if self.folders.len() >= MAX_WATCHED_FOLDERS || self.folders.contains(&folder) {
                continue;
            }
            if watcher.watch(&folder, RecursiveMode::NonRecursive).is_err() {
                continue;
            }
            self.folders.insert(folder.clone());
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                let skipped = crate::spec::NOT_CODE.contains(&name.as_ref())
                    || NOT_WATCHED.contains(&name.as_ref());
                if !skipped && entry.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(entry.path());
                }
            }
        }
    }
}

fn lock(shared: &Mutex<Watched>) -> std::sync::MutexGuard<'_, Watched> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

impl CodeWatcher {
    pub fn start(engine: Weak<Engine>) -> std::io::Result<CodeWatcher> {
        let handle = tokio::runtime::Handle::current();
        let shared = Arc::new(Mutex::new(Watched {
            watcher: None,
            folders: HashSet::new(),
            roots: Vec::new(),
        }));
        let weak_shared = Arc::downgrade(&shared);
        let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            let Ok(event) = event else { return };
            // A new folder inside a code folder gets its own watch. Not from here: this
            // callback runs on the watcher's own thread, which `watch` waits for.
            if let EventKind::Create(_) = event.kind
                && let Some(shared) = weak_shared.upgrade()
            {
                let folders: Vec<PathBuf> =
                    event.paths.iter().filter(|p| p.is_dir()).cloned().collect();
                if !folders.is_empty() {
                    handle.spawn_blocking(move || {
                        let mut watched = lock(&shared);
                        for folder in folders {
                            if watched.roots.iter().any(|r| folder.starts_with(r)) {
                                watched.add_tree(&folder);
                            }
                        }
                    });
                }
            }
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
            engine.forget_code_digests();
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
        lock(&shared).watcher = Some(watcher);
        Ok(CodeWatcher { shared })
    }

    /// Starts watching the code folder `dir` and the folders below it.
    pub fn watch(&mut self, dir: &Path) {
        let mut watched = lock(&self.shared);
        if watched.roots.iter().any(|r| dir.starts_with(r)) {
            return;
        }
        watched.roots.push(dir.to_owned());
        watched.add_tree(dir);
    }
}
