use std::fs;
use std::path::{Component, Path, PathBuf};

use git2::{
    DiffOptions, IndexAddOption, Oid, Repository, RepositoryInitOptions, RepositoryState,
    Signature, Sort,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::HistoryError;

/// Where deploy records live: one note per deployed commit, one JSON line per deploy.
pub const DEPLOY_NOTES_REF: &str = "refs/notes/functory-deploys";
/// How far back a timeline looks.
const TIMELINE_COMMIT_LIMIT: usize = 1_000;

type Result<T> = std::result::Result<T, HistoryError>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeployRecord {
    pub target: String,
    pub function: String,
    /// What the cloud calls this deploy: a Lambda version number, a revision name, …
    pub cloud_version: String,
    /// A hash of the deployed package, to tell whether code changed between deploys.
    pub code_hash: String,
    /// Seconds since the Unix epoch.
    #[ts(type = "number")]
    pub deployed_at: i64,
    /// `Name <email>` of whoever deployed, from the repository's git configuration.
    pub who: String,
    /// The commit that was deployed.
    pub commit: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Checkpoint {
    pub commit: String,
    /// False when nothing had changed since the last commit, so no commit was made.
    pub created: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WorktreeStatus {
    /// `clean`, or the operation in progress (`merge`, `rebase`, `cherry-pick`, …).
    pub state: String,
    pub branch: Option<String>,
    pub detached: bool,
    /// Project files with uncommitted changes, relative to the project root.
    pub changed_files: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[ts(export)]
pub enum TimelineEntry {
    Commit {
        commit: String,
        summary: String,
        author: String,
        #[ts(type = "number")]
        time: i64,
        /// The files of interest this commit changed, relative to the project root.
        files: Vec<String>,
    },
    Deploy(DeployRecord),
}

impl TimelineEntry {
    fn time(&self) -> i64 {
        match self {
            TimelineEntry::Commit { time, .. } => *time,
            TimelineEntry::Deploy(record) => record.deployed_at,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum FileChange {
    Added,
    Modified,
    Deleted,
}

/// One file's two sides, for a side-by-side view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FileDiff {
    pub path: String,
    pub change: FileChange,
    pub old_text: Option<String>,
    pub new_text: Option<String>,
    pub binary: bool,
}

/// The history of one project folder.
pub struct History {
    repo: Repository,
    /// The project folder relative to the repository's work tree (`""` when they are the same).
    prefix: PathBuf,
    root: PathBuf,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History")
            .field("root", &self.root)
            .field("prefix", &self.prefix)
            .finish()
    }
}

fn short(oid: Oid) -> String {
    oid.to_string()[..10].to_owned()
}

fn to_slash(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

impl History {
    /// Uses the repository the project is in, or creates one (on branch `main`) at its root.
    pub fn open_or_init(project_root: &Path) -> Result<Self> {
        let root = project_root
            .canonicalize()
            .map_err(|e| HistoryError::Io(format!("{}: {e}", project_root.display())))?;
        let repo = match Repository::discover(&root) {
            Ok(repo) if repo.workdir().is_some() => repo,
            _ => init_once(&root)?,
        };
        let workdir = repo
            .workdir()
            .ok_or_else(|| {
                HistoryError::InvalidInput("a bare repository has no files to track".into())
            })?
            .canonicalize()
            .map_err(|e| HistoryError::Io(e.to_string()))?;
        let prefix = root
            .strip_prefix(&workdir)
            .map(Path::to_owned)
            .unwrap_or_default();
        Ok(Self { repo, prefix, root })
    }

    pub fn repository_root(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    /// A project-relative path as the repository sees it, refusing paths that leave the project.
    fn repo_path(&self, relative: &str) -> Result<String> {
        let path = Path::new(relative);
        if path
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(HistoryError::OutsideProject(relative.to_owned()));
        }
        Ok(to_slash(&self.prefix.join(path)))
    }

    fn project_relative(&self, repo_path: &Path) -> Option<String> {
        repo_path.strip_prefix(&self.prefix).ok().map(to_slash)
    }

    fn pathspecs(&self, paths: &[String]) -> Result<Vec<String>> {
        if paths.is_empty() {
            return Ok(vec![if self.prefix.as_os_str().is_empty() {
                ".".into()
            } else {
                to_slash(&self.prefix)
            }]);
        }
        paths.iter().map(|p| self.repo_path(p)).collect()
    }

    fn signature(&self) -> Result<Signature<'static>> {
        // The user's own git identity when configured; otherwise commits say they came from Functory.
        match self.repo.signature() {
            Ok(signature) => Ok(signature.to_owned()),
            Err(_) => Ok(Signature::now("Functory", "functory@localhost")?),
        }
    }

    fn state_name(state: RepositoryState) -> Option<&'static str> {
        match state {
            RepositoryState::Clean => None,
            RepositoryState::Merge => Some("merge"),
            RepositoryState::Revert | RepositoryState::RevertSequence => Some("revert"),
            RepositoryState::CherryPick | RepositoryState::CherryPickSequence => {
                Some("cherry-pick")
            }
            RepositoryState::Bisect => Some("bisect"),
            RepositoryState::Rebase
            | RepositoryState::RebaseInteractive
            | RepositoryState::RebaseMerge => Some("rebase"),
            RepositoryState::ApplyMailbox | RepositoryState::ApplyMailboxOrRebase => Some("am"),
        }
    }

    pub fn status(&self) -> Result<WorktreeStatus> {
        let state = Self::state_name(self.repo.state())
            .unwrap_or("clean")
            .to_owned();
        let detached = self.repo.head_detached().unwrap_or(false);
        let branch = self
            .repo
            .head()
            .ok()
            .filter(|h| h.is_branch())
            .and_then(|h| h.shorthand().ok().map(str::to_owned));
        let mut options = git2::StatusOptions::new();
        options.include_untracked(true).recurse_untracked_dirs(true);
        for spec in self.pathspecs(&[])?.into_iter().filter(|s| s != ".") {
            options.pathspec(spec);
        }
        let mut changed_files: Vec<String> = self
            .repo
            .statuses(Some(&mut options))?
            .iter()
            .filter_map(|entry| {
                entry
                    .path()
                    .ok()
                    .and_then(|p| self.project_relative(Path::new(p)))
            })
            .collect();
        changed_files.sort();
        Ok(WorktreeStatus {
            state,
            branch,
            detached,
            changed_files,
        })
    }

    fn ensure_committable(&self) -> Result<()> {
        if let Some(operation) = Self::state_name(self.repo.state()) {
            return Err(HistoryError::OperationInProgress { operation });
        }
        if self.repo.head_detached().unwrap_or(false) {
            let commit = self.repo.head()?.target().map(short).unwrap_or_default();
            return Err(HistoryError::DetachedHead { commit });
        }
        Ok(())
    }

    /// The safe way out of a detached HEAD: a branch at the current commit, checked out.
    pub fn create_branch_here(&self, name: &str) -> Result<()> {
        let head = self.repo.head()?.peel_to_commit()?;
        let branch = self.repo.branch(name, &head, false)?;
        let reference = branch
            .get()
            .name()
            .map_err(|_| HistoryError::InvalidInput("the branch name is not UTF-8".into()))?;
        self.repo.set_head(reference)?;
        Ok(())
    }

    /// Commits every change inside the project folder (respecting `.gitignore`). Makes no
    /// commit when nothing changed.
    pub fn checkpoint(&self, message: &str) -> Result<Checkpoint> {
        let message = message.trim();
        if message.is_empty() {
            return Err(HistoryError::InvalidInput(
                "a checkpoint needs a message".into(),
            ));
        }
        self.ensure_committable()?;
        let specs = self.pathspecs(&[])?;
        let mut index = self.repo.index()?;
        index.add_all(specs.iter(), IndexAddOption::DEFAULT, None)?;
        index.update_all(specs.iter(), None)?;
        index.write()?;
        let tree_id = index.write_tree()?;
        let parent = self.repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        if let Some(parent) = &parent
            && parent.tree_id() == tree_id
        {
            return Ok(Checkpoint {
                commit: parent.id().to_string(),
                created: false,
            });
        }
        let tree = self.repo.find_tree(tree_id)?;
        let signature = self.signature()?;
        let parents: Vec<_> = parent.iter().collect();
        let oid = self.repo.commit(
            Some("HEAD"),
            &signature,
            &signature,
            message,
            &tree,
            &parents,
        )?;
        Ok(Checkpoint {
            commit: oid.to_string(),
            created: true,
        })
    }

    pub fn head_commit(&self) -> Result<Option<String>> {
        Ok(self
            .repo
            .head()
            .ok()
            .and_then(|h| h.target())
            .map(|oid| oid.to_string()))
    }

    fn resolve(&self, revision: &str) -> Result<git2::Commit<'_>> {
        self.repo
            .revparse_single(revision)
            .and_then(|object| object.peel_to_commit())
            .map_err(|_| HistoryError::NotFound(revision.to_owned()))
    }

    /// Adds a deploy record to the note of `record.commit`.
    pub fn record_deploy(&self, record: &DeployRecord) -> Result<()> {
        self.record_deploys(std::slice::from_ref(record))
    }

    /// [`Self::record_deploy`] of several records at once: one note written per commit they
    /// name, however many functions a deploy recorded (a no-change redeploy of a large
    /// project records every function, and each note write is a commit of its own).
    pub fn record_deploys(&self, records: &[DeployRecord]) -> Result<()> {
        let mut per_commit: Vec<(git2::Oid, Vec<&DeployRecord>)> = Vec::new();
        for record in records {
            let id = self.resolve(&record.commit)?.id();
            match per_commit.iter_mut().find(|(commit, _)| *commit == id) {
                Some((_, list)) => list.push(record),
                None => per_commit.push((id, vec![record])),
            }
        }
        if per_commit.is_empty() {
            return Ok(());
        }
        let signature = self.signature()?;
        for (commit, list) in per_commit {
            let mut text = match self.repo.find_note(Some(DEPLOY_NOTES_REF), commit) {
                Ok(note) => note.message().unwrap_or_default().to_owned(),
                Err(_) => String::new(),
            };
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            for record in list {
                let mut record = record.clone();
                record.commit = commit.to_string();
                text.push_str(
                    &serde_json::to_string(&record).map_err(|e| HistoryError::Io(e.to_string()))?,
                );
                text.push('\n');
            }
            self.repo.note(
                &signature,
                &signature,
                Some(DEPLOY_NOTES_REF),
                commit,
                &text,
                true,
            )?;
        }
        Ok(())
    }

    /// Who is deploying, for deploy records.
    pub fn who(&self) -> String {
        match self.signature() {
            Ok(signature) => format!(
                "{} <{}>",
                signature.name().unwrap_or("?"),
                signature.email().unwrap_or("?")
            ),
            Err(_) => "unknown".into(),
        }
    }

    /// Every deploy record, newest first. Lines that do not parse (edited by hand) are skipped.
    pub fn deploys(&self) -> Result<Vec<DeployRecord>> {
        let mut records = Vec::new();
        let notes = match self.repo.notes(Some(DEPLOY_NOTES_REF)) {
            Ok(notes) => notes,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(records),
            Err(e) => return Err(e.into()),
        };
        for note in notes {
            let (_, annotated) = note?;
            let note = self.repo.find_note(Some(DEPLOY_NOTES_REF), annotated)?;
            for line in note.message().unwrap_or_default().lines() {
                if let Ok(record) = serde_json::from_str::<DeployRecord>(line) {
                    records.push(record);
                }
            }
        }
        records.sort_by_key(|record| std::cmp::Reverse(record.deployed_at));
        Ok(records)
    }

    /// Commits that changed `paths` (project-relative files or folders; all of the project when
    /// empty) and deploys of `function` (all when `None`), newest first.
    pub fn timeline(&self, paths: &[String], function: Option<&str>) -> Result<Vec<TimelineEntry>> {
        let mut entries = Vec::new();
        if self.repo.head().is_ok() {
            let specs = self.pathspecs(paths)?;
            let mut walk = self.repo.revwalk()?;
            walk.push_head()?;
            walk.set_sorting(Sort::TIME)?;
            for oid in walk.take(TIMELINE_COMMIT_LIMIT) {
                let commit = self.repo.find_commit(oid?)?;
                let tree = commit.tree()?;
                let parent_tree = commit.parent(0).ok().map(|p| p.tree()).transpose()?;
                let mut options = DiffOptions::new();
                // libgit2 matches nothing for `.`; no pathspec means the whole repository.
                for spec in specs.iter().filter(|s| *s != ".") {
                    options.pathspec(spec);
                }
                let diff = self.repo.diff_tree_to_tree(
                    parent_tree.as_ref(),
                    Some(&tree),
                    Some(&mut options),
                )?;
                let files: Vec<String> = diff
                    .deltas()
                    .filter_map(|d| {
                        d.new_file()
                            .path()
                            .or(d.old_file().path())
                            .and_then(|p| self.project_relative(p))
                    })
                    .collect();
                if files.is_empty() {
                    continue;
                }
                entries.push(TimelineEntry::Commit {
                    commit: commit.id().to_string(),
                    summary: commit
                        .summary()
                        .ok()
                        .flatten()
                        .unwrap_or_default()
                        .to_owned(),
                    author: commit.author().name().unwrap_or_default().to_owned(),
                    time: commit.time().seconds(),
                    files,
                });
            }
        }
        entries.extend(
            self.deploys()?
                .into_iter()
                .filter(|r| function.is_none_or(|f| r.function == f))
                .map(TimelineEntry::Deploy),
        );
        entries.sort_by_key(|entry| std::cmp::Reverse(entry.time()));
        Ok(entries)
    }

    fn blob_text(
        &self,
        commit: &git2::Commit<'_>,
        repo_path: &str,
    ) -> Result<Option<(Vec<u8>, bool)>> {
        match commit.tree()?.get_path(Path::new(repo_path)) {
            Ok(entry) => {
                let blob = self.repo.find_blob(entry.id())?;
                Ok(Some((blob.content().to_vec(), blob.is_binary())))
            }
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Files under `paths` (project-relative; all when empty) as they are at `revision`.
    fn files_at(&self, commit: &git2::Commit<'_>, paths: &[String]) -> Result<Vec<String>> {
        let specs = self.pathspecs(paths)?;
        let mut files = Vec::new();
        commit
            .tree()?
            .walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
                if entry.kind() == Some(git2::ObjectType::Blob) {
                    let path = format!("{dir}{}", entry.name().unwrap_or_default());
                    if specs
                        .iter()
                        .any(|s| s == "." || path == *s || path.starts_with(&format!("{s}/")))
                    {
                        files.push(path);
                    }
                }
                git2::TreeWalkResult::Ok
            })?;
        Ok(files)
    }

    /// The changed files between two points, both sides in full. `to = None` compares with the
    /// files on disk now.
    pub fn diff(&self, from: &str, to: Option<&str>, paths: &[String]) -> Result<Vec<FileDiff>> {
        let from_commit = self.resolve(from)?;
        let to_commit = to.map(|t| self.resolve(t)).transpose()?;
        let mut all: Vec<String> = self.files_at(&from_commit, paths)?;
        match &to_commit {
            Some(commit) => all.extend(self.files_at(commit, paths)?),
            None => all.extend(self.worktree_files(paths)?),
        }
        all.sort();
        all.dedup();
        let mut diffs = Vec::new();
        for repo_path in all {
            let old = self.blob_text(&from_commit, &repo_path)?;
            let new = match &to_commit {
                Some(commit) => self.blob_text(commit, &repo_path)?,
                None => {
                    let disk = self.repo.workdir().map(|w| w.join(&repo_path));
                    match disk.map(fs::read) {
                        Some(Ok(bytes)) => {
                            let binary = bytes[..bytes.len().min(8000)].contains(&0);
                            Some((bytes, binary))
                        }
                        _ => None,
                    }
                }
            };
            let change = match (&old, &new) {
                (None, Some(_)) => FileChange::Added,
                (Some(_), None) => FileChange::Deleted,
                (Some(a), Some(b)) if a.0 != b.0 => FileChange::Modified,
                _ => continue,
            };
            let binary = old.as_ref().is_some_and(|o| o.1) || new.as_ref().is_some_and(|n| n.1);
            let text = |side: Option<(Vec<u8>, bool)>| {
                side.filter(|_| !binary)
                    .map(|(bytes, _)| String::from_utf8_lossy(&bytes).into_owned())
            };
            diffs.push(FileDiff {
                path: self
                    .project_relative(Path::new(&repo_path))
                    .unwrap_or(repo_path),
                change,
                old_text: text(old),
                new_text: text(new),
                binary,
            });
        }
        Ok(diffs)
    }

    fn worktree_files(&self, paths: &[String]) -> Result<Vec<String>> {
        let Some(workdir) = self.repo.workdir() else {
            return Ok(Vec::new());
        };
        let mut files = Vec::new();
        let mut stack: Vec<PathBuf> = self
            .pathspecs(paths)?
            .into_iter()
            .map(|s| workdir.join(s))
            .collect();
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n == ".git") {
                    continue;
                }
                let entries = fs::read_dir(&path).map_err(|e| HistoryError::Io(e.to_string()))?;
                stack.extend(entries.filter_map(|e| e.ok().map(|e| e.path())));
            } else if path.is_file()
                && let Ok(relative) = path.strip_prefix(workdir)
            {
                let relative = to_slash(relative);
                if !self
                    .repo
                    .is_path_ignored(Path::new(&relative))
                    .unwrap_or(false)
                {
                    files.push(relative);
                }
            }
        }
        Ok(files)
    }

    /// Puts `paths` (project-relative files or folders) back as they were at `revision`. The
    /// current state is checkpointed first, so the restore itself can be undone. Files in a
    /// restored folder that did not exist at `revision` are removed.
    pub fn restore(&self, revision: &str, paths: &[String]) -> Result<Checkpoint> {
        if paths.is_empty() {
            return Err(HistoryError::InvalidInput(
                "say which files or folders to restore".into(),
            ));
        }
        let commit = self.resolve(revision)?;
        let before = self.checkpoint(&format!(
            "Before restoring {} to {}",
            paths.join(", "),
            short(commit.id())
        ))?;
        let workdir = self
            .repo
            .workdir()
            .ok_or_else(|| HistoryError::InvalidInput("no work tree".into()))?
            .to_owned();
        let wanted = self.files_at(&commit, paths)?;
        if wanted.is_empty() {
            return Err(HistoryError::NotFound(format!(
                "{} at {}",
                paths.join(", "),
                short(commit.id())
            )));
        }
        for existing in self.worktree_files(paths)? {
            if !wanted.contains(&existing) {
                fs::remove_file(workdir.join(&existing))
                    .map_err(|e| HistoryError::Io(e.to_string()))?;
            }
        }
        for repo_path in wanted {
            if let Some((bytes, _)) = self.blob_text(&commit, &repo_path)? {
                let target = workdir.join(&repo_path);
                if let Some(dir) = target.parent() {
                    fs::create_dir_all(dir).map_err(|e| HistoryError::Io(e.to_string()))?;
                }
                let temp = target.with_extension("functory-restore");
                fs::write(&temp, &bytes)
                    .and_then(|()| fs::rename(&temp, &target))
                    .map_err(|e| HistoryError::Io(e.to_string()))?;
            }
        }
        Ok(before)
    }

    /// Writes the project's files as they are at `revision` into `dest` (which should be
    /// empty), project-relative, keeping executable bits. Answers the full commit id. This is
    /// how an earlier deploy is redeployed exactly, without touching the work tree.
    pub fn export(&self, revision: &str, dest: &Path) -> Result<String> {
        let commit = self.resolve(revision)?;
        let files = self.files_at(&commit, &[])?;
        let tree = commit.tree()?;
        for repo_path in files {
            let Some(relative) = self.project_relative(Path::new(&repo_path)) else {
                continue;
            };
            let entry = tree.get_path(Path::new(&repo_path))?;
            let blob = self.repo.find_blob(entry.id())?;
            let target = dest.join(&relative);
            if let Some(dir) = target.parent() {
                fs::create_dir_all(dir).map_err(|e| HistoryError::Io(e.to_string()))?;
            }
            fs::write(&target, blob.content()).map_err(|e| HistoryError::Io(e.to_string()))?;
            #[cfg(unix)]
            if entry.filemode() == 0o100_755 {
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(&target, fs::Permissions::from_mode(0o755))
                    .map_err(|e| HistoryError::Io(e.to_string()))?;
            }
        }
        Ok(commit.id().to_string())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}
/// Creates the repository of a project that has none. Two commands of one app can get here
/// at once (the History view asks for the status and the timeline together): they take turns,
/// and the second finds the repository the first made. A second process racing this one makes
/// git's lock files collide (`Locked`); the loser waits a moment and opens what the winner made.
fn init_once(root: &Path) -> std::result::Result<Repository, git2::Error> {
    static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = CREATING.lock().unwrap_or_else(|p| p.into_inner());
    if let Ok(repo) = Repository::discover(root)
        && repo.workdir().is_some()
    {
        return Ok(repo);
    }
    let mut options = RepositoryInitOptions::new();
    options.initial_head("main");
    match Repository::init_opts(root, &options) {
        Err(error) if error.code() == git2::ErrorCode::Locked => {
            std::thread::sleep(std::time::Duration::from_millis(100));
            Repository::open(root)
        }
        other => other,
    }
}
