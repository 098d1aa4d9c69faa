//! The desktop app's session: which project is open, the recovery journal, where the sample
//! lives. The Tauri commands are one-line calls into this type, so everything they do is
//! testable without a window.
//!
//! Its methods are grouped by the area of the app they serve: projects and files here, and
//! one file each for the trigger designer, the local run, accounts, history, the linter and
//! least privilege, and cloud deploys.

mod accounts;
mod deploys;
mod designer;
mod history;
mod run;
mod security;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU32;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use functory_core::ManifestEdit;
use functory_core::template::FunctionTemplate;
use serde::Serialize;
use ts_rs::TS;

use crate::accounts::Accounts;
use crate::error::{ApiError, ErrorCode};
use crate::files::FileContent;
use crate::local::{self, LocalRun};
use crate::project::{Project, ProjectView};
use crate::recovery::{JournalEntry, RecoveryJournal};
use crate::sample;
use crate::triggers::TriggerRef;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Startup {
    /// A project folder given on the command line (`--open DIR` or `--sample`), opened at once.
    pub open_path: Option<String>,
    /// Unsaved buffers a previous run left in the recovery journal; the UI offers to restore.
    pub recovery: Vec<JournalEntry>,
}

/// What the app was asked to open when it was launched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LaunchRequest {
    Nothing,
    Sample,
    Folder(PathBuf),
}

impl LaunchRequest {
    /// Reads `--sample` or `--open DIR` (also `--open=DIR`) from the app's arguments.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut args = args.into_iter();
        let mut request = LaunchRequest::Nothing;
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--sample" => request = LaunchRequest::Sample,
                "--open" => {
                    let dir = args.next().ok_or("--open needs a folder")?;
                    request = LaunchRequest::Folder(dir.into());
                }
                other if other.starts_with("--open=") => {
                    request = LaunchRequest::Folder(other["--open=".len()..].into());
                }
                other => {
                    return Err(format!(
                        "unknown argument `{other}`; use --sample or --open DIR"
                    ));
                }
            }
        }
        Ok(request)
    }
}

/// How long a log subscription gathers lines before sending them: a UI gets at most ~20
/// messages a second however fast functions log.
const LOG_BATCH_WINDOW: Duration = Duration::from_millis(50);
const LOG_BATCH_MAX_LINES: usize = 2_000;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Debug)]
pub struct Session {
    project: Mutex<Option<Project>>,
    journal: RecoveryJournal,
    sample_dir: PathBuf,
    launch: LaunchRequest,
    accounts: Accounts,
    /// The local run of the open project, if started. Shared, so an invoke in flight keeps
    /// the run it started on even if another command stops it meanwhile.
    run: Mutex<Option<Arc<LocalRun>>>,
    /// Serialises starts, so two quick Start clicks (or an Invoke racing a Start) serve the
    /// project once.
    run_start: tokio::sync::Mutex<()>,
    /// The port the last start asked for; an Invoke that starts the run uses it again.
    run_port: Mutex<u16>,
    /// The Run view's switches for the runs this session starts.
    run_switches: Mutex<local::RunSwitches>,
    log_subscriptions: Mutex<HashMap<u32, tokio::task::JoinHandle<()>>>,
    next_subscription: AtomicU32,
}

impl Session {
    /// `data_dir` is the app's own data folder: the journal and the sample's copy live there.
    pub fn new(data_dir: &Path, launch: LaunchRequest) -> Self {
        Self::with_accounts(data_dir, launch, Accounts::keychain())
    }

    /// A session whose accounts live in a given keychain namespace (tests).
    pub fn with_accounts(data_dir: &Path, launch: LaunchRequest, accounts: Accounts) -> Self {
        Self {
            project: Mutex::new(None),
            journal: RecoveryJournal::in_dir(data_dir),
            sample_dir: data_dir.join("samples").join("thumbnails"),
            launch,
            accounts,
            run: Mutex::new(None),
            run_start: tokio::sync::Mutex::new(()),
            run_port: Mutex::new(local::DEFAULT_PORT),
            run_switches: Mutex::new(local::RunSwitches::default()),
            log_subscriptions: Mutex::new(HashMap::new()),
            next_subscription: AtomicU32::new(1),
        }
    }

    pub fn startup(&self) -> Result<Startup, ApiError> {
        tracing::debug!(launch = ?self.launch, "startup");
        let open_path = match &self.launch {
            LaunchRequest::Nothing => None,
            LaunchRequest::Sample => Some(
                sample::open_sample(&self.sample_dir)?
                    .root()
                    .display()
                    .to_string(),
            ),
            LaunchRequest::Folder(dir) => Some(dir.display().to_string()),
        };
        Ok(Startup {
            open_path,
            recovery: self.journal.load(),
        })
    }

    fn set(&self, project: Project) -> Result<ProjectView, ApiError> {
        let view = project.view()?;
        let mut current = lock(&self.project);
        // Another project: the old one's run and log tails end with it.
        if current.as_ref().map(|p| p.root()) != Some(project.root()) {
            self.stop_run();
            self.end_log_subscriptions();
        }
        *current = Some(project);
        Ok(view)
    }

    /// Forgets the open project, stopping its local run and log tails.
    pub fn close_project(&self) {
        tracing::debug!("close_project");
        let mut current = lock(&self.project);
        self.stop_run();
        self.end_log_subscriptions();
        *current = None;
    }

    fn current(&self) -> Result<Project, ApiError> {
        self.project
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| ApiError::new(ErrorCode::NoProject, "no project is open"))
    }

    pub fn open_project(&self, path: &str) -> Result<ProjectView, ApiError> {
        tracing::debug!(path, "open_project");
        self.set(Project::open(path)?)
    }

    pub fn open_sample_project(&self) -> Result<ProjectView, ApiError> {
        tracing::debug!("open_sample_project");
        self.set(sample::open_sample(&self.sample_dir)?)
    }

    pub fn create_project(
        &self,
        path: &str,
        name: &str,
        template: Option<FunctionTemplate>,
    ) -> Result<ProjectView, ApiError> {
        tracing::debug!(path, name, ?template, "create_project");
        if path.trim().is_empty() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "choose a folder for the new project",
            ));
        }
        self.set(Project::create(path, name, template)?)
    }

    pub fn init_project(&self, name: &str) -> Result<ProjectView, ApiError> {
        tracing::debug!(name, "init_project");
        let project = self.current()?;
        project.init(name)?;
        project.view()
    }

    pub fn reload_project(&self) -> Result<ProjectView, ApiError> {
        self.current()?.view()
    }

    pub fn read_file(&self, path: &str) -> Result<FileContent, ApiError> {
        tracing::debug!(path, "read_file");
        self.current()?.read_file(path)
    }

    pub fn write_file(&self, path: &str, text: &str) -> Result<ProjectView, ApiError> {
        tracing::debug!(path, bytes = text.len(), "write_file");
        let project = self.current()?;
        project.write_file(path, text)?;
        project.view()
    }

    pub fn apply_manifest_edit(&self, edit: &ManifestEdit) -> Result<ProjectView, ApiError> {
        tracing::debug!(?edit, "apply_manifest_edit");
        let project = self.current()?;
        // A trigger the side form would show an error for is refused here too, so no caller
        // writes a schedule the local run cannot parse or a route another function owns.
        let checked = match edit {
            ManifestEdit::AddTrigger { function, trigger } => Some((function, None, trigger)),
            ManifestEdit::UpdateTrigger {
                function,
                index,
                trigger,
            } => Some((function, Some(*index), trigger)),
            _ => None,
        };
        if let Some((function, index, trigger)) = checked {
            let editing = index.map(|index| TriggerRef {
                function: function.clone(),
                index,
            });
            let check = self.check_trigger(function, editing.as_ref(), trigger)?;
            if let Some(problem) = check.problems.iter().find(|p| p.severity == "error") {
                let position = index.map_or_else(|| "new".to_owned(), |i| i.to_string());
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!(
                        "functions.{function}.triggers[{position}].{}: {}",
                        problem.field, problem.message
                    ),
                ));
            }
        }
        project.apply_manifest_edit(edit)?;
        project.view()
    }

    pub fn create_function(
        &self,
        name: &str,
        template: FunctionTemplate,
    ) -> Result<ProjectView, ApiError> {
        tracing::debug!(name, ?template, "create_function");
        let project = self.current()?;
        project.create_function(name, template)?;
        project.view()
    }

    pub fn journal_save(&self, entries: &[JournalEntry]) -> Result<(), ApiError> {
        tracing::debug!(entries = entries.len(), "journal_save");
        self.journal.save(entries)
    }

    pub fn journal_clear(&self) -> Result<(), ApiError> {
        self.journal.clear()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launch_arguments() {
        let parse = |args: &[&str]| LaunchRequest::from_args(args.iter().map(|s| s.to_string()));
        assert_eq!(parse(&[]), Ok(LaunchRequest::Nothing));
        assert_eq!(parse(&["--sample"]), Ok(LaunchRequest::Sample));
        assert_eq!(
            parse(&["--open", "/p"]),
            Ok(LaunchRequest::Folder("/p".into()))
        );
        assert_eq!(
            parse(&["--open=/q"]),
            Ok(LaunchRequest::Folder("/q".into()))
        );
        assert!(parse(&["--open"]).is_err());
        assert!(parse(&["--bogus"]).unwrap_err().contains("--bogus"));
    }

    #[test]
    fn commands_need_an_open_project() {
        let dir = tempfile::tempdir().unwrap();
        let session = Session::new(dir.path(), LaunchRequest::Nothing);
        assert_eq!(
            session.read_file("a").unwrap_err().code,
            ErrorCode::NoProject
        );
        let view = session.open_sample_project().unwrap();
        assert_eq!(view.name, "thumbnails");
        assert!(
            session
                .read_file("src/resize.mjs")
                .unwrap()
                .text
                .contains("handler")
        );
    }

    #[test]
    fn sample_launch_opens_the_sample_and_reports_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let first = Session::new(dir.path(), LaunchRequest::Nothing);
        let entry = JournalEntry {
            project_root: "/x".into(),
            path: "a".into(),
            text: "t".into(),
            updated_at_ms: 1,
        };
        first.journal_save(std::slice::from_ref(&entry)).unwrap();
        let second = Session::new(dir.path(), LaunchRequest::Sample);
        let startup = second.startup().unwrap();
        assert!(startup.open_path.unwrap().ends_with("samples/thumbnails"));
        assert_eq!(startup.recovery, vec![entry]);
    }
}
