//! History on repositories built by `fixtures/make-repos.sh` (pinned dates and identities),
//! every result cross-checked with the `git` command line.

use std::path::{Path, PathBuf};
use std::process::Command;

use functory_history::{DeployRecord, FileChange, History, HistoryError, TimelineEntry};

fn fixtures() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/make-repos.sh");
    let status = Command::new("bash")
        .arg(&script)
        .arg(dir.path())
        .status()
        .expect("bash runs");
    assert!(status.success(), "fixture script failed");
    let root = dir.path().to_owned();
    (dir, root)
}

fn git(repo: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(repo)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn record(commit: &str, function: &str, version: &str, at: i64) -> DeployRecord {
    DeployRecord {
        target: "dev".into(),
        function: function.into(),
        cloud_version: version.into(),
        code_hash: format!("sha256:{version}"),
        deployed_at: at,
        who: "Ada Lovelace <ada@example.com>".into(),
        commit: commit.into(),
    }
}

#[test]
fn a_folder_without_git_becomes_a_repository_and_checkpoints_only_when_something_changed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("functory.toml"),
        "[project]\nname = \"x\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join(".gitignore"), "node_modules/\n").unwrap();
    std::fs::create_dir(dir.path().join("node_modules")).unwrap();
    std::fs::write(dir.path().join("node_modules/big.js"), "x").unwrap();
    let history = History::open_or_init(dir.path()).unwrap();
    let first = history.checkpoint("Start").unwrap();
    assert!(first.created);
    let again = history.checkpoint("Nothing new").unwrap();
    assert_eq!((again.created, &again.commit), (false, &first.commit));
    git(dir.path(), &["fsck", "--strict"]);
    assert_eq!(git(dir.path(), &["log", "--format=%s"]), "Start\n");
    assert_eq!(git(dir.path(), &["branch", "--show-current"]), "main\n");
    let files = git(dir.path(), &["ls-files"]);
    assert_eq!(
        files, ".gitignore\nfunctory.toml\n",
        "ignored files stay out"
    );
}

#[test]
fn an_existing_repository_and_its_user_config_are_respected() {
    let (_dir, root) = fixtures();
    let plain = root.join("plain");
    let history = History::open_or_init(&plain).unwrap();
    std::fs::write(
        plain.join("src/a.py"),
        "def handler(event, context):\n    return 4\n",
    )
    .unwrap();
    let status = history.status().unwrap();
    assert_eq!(
        (
            status.state.as_str(),
            status.branch.as_deref(),
            status.detached
        ),
        ("clean", Some("main"), false)
    );
    assert_eq!(status.changed_files, ["src/a.py"]);
    let checkpoint = history.checkpoint("Checkpoint from the app").unwrap();
    assert!(checkpoint.created);
    let log = git(&plain, &["log", "--format=%H %an <%ae> %s"]);
    let first_line = log.lines().next().unwrap();
    assert_eq!(
        first_line,
        format!(
            "{} Ada Lovelace <ada@example.com> Checkpoint from the app",
            checkpoint.commit
        )
    );
    assert_eq!(log.lines().count(), 4);
    git(&plain, &["fsck", "--strict"]);
}

#[test]
fn deploy_records_are_git_notes_that_travel_with_clones() {
    let (_dir, root) = fixtures();
    let plain = root.join("plain");
    let history = History::open_or_init(&plain).unwrap();
    let head = history.head_commit().unwrap().unwrap();
    history
        .record_deploy(&record("HEAD", "resize", "7", 1_704_300_000))
        .unwrap();
    history
        .record_deploy(&record(&head, "report", "3", 1_704_300_100))
        .unwrap();

    let note = git(
        &plain,
        &["notes", "--ref", "functory-deploys", "show", &head],
    );
    let lines: Vec<serde_json::Value> = note
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["function"], "resize");
    assert_eq!(
        lines[0]["commit"],
        head.as_str(),
        "HEAD is stored as the full commit id"
    );
    assert_eq!(lines[1]["cloudVersion"], "3");

    let deploys = history.deploys().unwrap();
    assert_eq!(
        deploys
            .iter()
            .map(|d| d.function.as_str())
            .collect::<Vec<_>>(),
        ["report", "resize"]
    );

    let clone = root.join("clone");
    git(
        &root,
        &[
            "clone",
            "-q",
            plain.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    git(
        &clone,
        &["fetch", "-q", "origin", "refs/notes/*:refs/notes/*"],
    );
    let cloned = History::open_or_init(&clone).unwrap();
    assert_eq!(cloned.deploys().unwrap(), deploys);
    git(&plain, &["fsck", "--strict"]);
}

#[test]
fn timeline_per_function_lists_its_commits_and_deploys_newest_first() {
    let (_dir, root) = fixtures();
    let plain = root.join("plain");
    let history = History::open_or_init(&plain).unwrap();
    let commits: Vec<String> = git(&plain, &["log", "--format=%H"])
        .lines()
        .map(str::to_owned)
        .collect();
    history
        .record_deploy(&record(&commits[2], "a", "1", 1_704_110_000))
        .unwrap(); // Jan 1, after the first commit
    history
        .record_deploy(&record(&commits[0], "b", "1", 1_704_300_000))
        .unwrap();

    let timeline = history.timeline(&["src/a.py".into()], Some("a")).unwrap();
    let shape: Vec<String> = timeline
        .iter()
        .map(|e| match e {
            TimelineEntry::Commit { summary, time, .. } => format!("commit {summary} @{time}"),
            TimelineEntry::Deploy(r) => format!(
                "deploy {} v{} @{}",
                r.function, r.cloud_version, r.deployed_at
            ),
        })
        .collect();
    assert_eq!(
        shape,
        [
            "commit third: change a @1704276000",
            "deploy a v1 @1704110000",
            "commit first: manifest and a @1704103200",
        ]
    );
    let all = history.timeline(&[], None).unwrap();
    assert_eq!(
        all.iter()
            .filter(|e| matches!(e, TimelineEntry::Commit { .. }))
            .count(),
        3
    );
    assert_eq!(
        all.iter()
            .filter(|e| matches!(e, TimelineEntry::Deploy(_)))
            .count(),
        2
    );
}

#[test]
fn diffs_show_both_sides_between_commits_and_against_the_disk() {
    let (_dir, root) = fixtures();
    let plain = root.join("plain");
    let history = History::open_or_init(&plain).unwrap();
    let diffs = history.diff("HEAD~2", Some("HEAD"), &[]).unwrap();
    let summary: Vec<_> = diffs.iter().map(|d| (d.path.as_str(), d.change)).collect();
    assert_eq!(
        summary,
        [
            ("src/a.py", FileChange::Modified),
            ("src/b.mjs", FileChange::Added)
        ]
    );
    assert!(diffs[0].old_text.as_deref().unwrap().contains("return 1"));
    assert!(diffs[0].new_text.as_deref().unwrap().contains("return 3"));
    // Cross-check the file list with git.
    assert_eq!(
        git(&plain, &["diff", "--name-only", "HEAD~2", "HEAD"]),
        "src/a.py\nsrc/b.mjs\n"
    );

    std::fs::remove_file(plain.join("src/b.mjs")).unwrap();
    let against_disk = history.diff("HEAD", None, &["src".into()]).unwrap();
    assert_eq!(against_disk.len(), 1);
    assert_eq!(
        (against_disk[0].path.as_str(), against_disk[0].change),
        ("src/b.mjs", FileChange::Deleted)
    );
}

#[test]
fn restore_checkpoints_first_so_nothing_is_lost() {
    let (_dir, root) = fixtures();
    let plain = root.join("plain");
    let history = History::open_or_init(&plain).unwrap();
    let first = git(&plain, &["rev-list", "--max-parents=0", "HEAD"])
        .trim()
        .to_owned();
    std::fs::write(plain.join("src/a.py"), "work in progress\n").unwrap();

    let before = history.restore(&first, &["src".into()]).unwrap();
    assert!(before.created);
    assert_eq!(
        std::fs::read_to_string(plain.join("src/a.py")).unwrap(),
        "def handler(event, context):\n    return 1\n"
    );
    assert!(
        !plain.join("src/b.mjs").exists(),
        "a file added after that point is removed from the folder"
    );
    // The work in progress is in the checkpoint made before the restore.
    assert_eq!(
        git(&plain, &["show", &format!("{}:src/a.py", before.commit)]),
        "work in progress\n"
    );
    assert!(git(&plain, &["log", "-1", "--format=%s"]).starts_with("Before restoring src to "));
    git(&plain, &["fsck", "--strict"]);

    assert!(matches!(
        history.restore(&first, &["../outside".into()]),
        Err(HistoryError::OutsideProject(_))
    ));
    assert!(matches!(
        history.restore("no-such-commit", &["src".into()]),
        Err(HistoryError::NotFound(_))
    ));
}

#[test]
fn a_repository_mid_merge_is_refused_and_left_alone() {
    let (_dir, root) = fixtures();
    let merging = root.join("merging");
    let history = History::open_or_init(&merging).unwrap();
    let status = history.status().unwrap();
    assert_eq!(status.state, "merge");
    let before = std::fs::read_to_string(merging.join("file.txt")).unwrap();
    let error = history.checkpoint("should not happen").unwrap_err();
    assert!(matches!(
        error,
        HistoryError::OperationInProgress { operation: "merge" }
    ));
    assert!(error.to_string().contains("git merge --abort"));
    assert_eq!(
        std::fs::read_to_string(merging.join("file.txt")).unwrap(),
        before
    );
    assert!(
        merging.join(".git/MERGE_HEAD").exists(),
        "the merge is still in progress"
    );
}

#[test]
fn a_detached_head_is_refused_until_a_branch_is_made() {
    let (_dir, root) = fixtures();
    let detached = root.join("detached");
    let history = History::open_or_init(&detached).unwrap();
    assert!(history.status().unwrap().detached);
    std::fs::write(detached.join("file.txt"), "c\n").unwrap();
    assert!(matches!(
        history.checkpoint("x"),
        Err(HistoryError::DetachedHead { .. })
    ));
    history.create_branch_here("functory/recovered").unwrap();
    assert!(history.checkpoint("saved on a branch").unwrap().created);
    assert_eq!(
        git(&detached, &["branch", "--show-current"]),
        "functory/recovered\n"
    );
    assert_eq!(
        git(&detached, &["log", "--format=%s", "functory/recovered"]),
        "saved on a branch\none\n"
    );
    assert_eq!(
        git(&detached, &["log", "--format=%s", "main"]),
        "two\none\n",
        "main is untouched"
    );
}

#[test]
fn in_a_monorepo_only_the_project_folder_is_committed() {
    let (_dir, root) = fixtures();
    let monorepo = root.join("monorepo");
    let project = monorepo.join("services/thumbs");
    let history = History::open_or_init(&project).unwrap();
    std::fs::write(
        project.join("src/app.py"),
        "def handler(e, c):\n    return 1\n",
    )
    .unwrap();
    std::fs::write(
        monorepo.join("web/index.html"),
        "<h1>changed elsewhere</h1>\n",
    )
    .unwrap();
    assert_eq!(history.status().unwrap().changed_files, ["src/app.py"]);
    history.checkpoint("thumbs change").unwrap();
    assert_eq!(
        git(&monorepo, &["show", "--name-only", "--format=", "HEAD"]),
        "services/thumbs/src/app.py\n"
    );
    assert_eq!(
        git(&monorepo, &["status", "--porcelain"]),
        " M web/index.html\n"
    );
    let timeline = history.timeline(&["src/app.py".into()], None).unwrap();
    assert!(
        matches!(&timeline[0], TimelineEntry::Commit { files, .. } if files == &["src/app.py"])
    );
}

#[test]
fn export_writes_the_project_as_it_was_at_a_commit() {
    let (_dir, root) = fixtures();
    let monorepo = root.join("monorepo");
    let project = monorepo.join("services/thumbs");
    let history = History::open_or_init(&project).unwrap();
    let before = history.head_commit().unwrap().unwrap();
    let old_app = std::fs::read_to_string(project.join("src/app.py")).unwrap();
    std::fs::write(
        project.join("src/app.py"),
        "def handler(e, c):\n    return 2\n",
    )
    .unwrap();
    history.checkpoint("thumbs v2").unwrap();

    let out = tempfile::tempdir().unwrap();
    let commit = history.export(&before[..10], out.path()).unwrap();
    assert_eq!(commit, before);
    // Project-relative, the old content, and nothing of the rest of the monorepo.
    assert_eq!(
        std::fs::read_to_string(out.path().join("src/app.py")).unwrap(),
        old_app
    );
    assert!(!out.path().join("web").exists());
    assert!(!out.path().join("services").exists());
    let listed = git(
        &monorepo,
        &["ls-tree", "-r", "--name-only", &before, "services/thumbs"],
    );
    for path in listed.lines() {
        let relative = path.strip_prefix("services/thumbs/").unwrap();
        assert!(
            out.path().join(relative).is_file(),
            "{relative} was not exported"
        );
    }
    assert!(matches!(
        history.export("no-such-commit", out.path()),
        Err(HistoryError::NotFound(_))
    ));
}

/// Two commands opening a project without a repository at the same moment (the History view
/// asks for status and timeline together) both get the one repository, never git's "locked".
#[test]
fn opening_a_new_project_from_two_threads_makes_one_repository() {
    for _ in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let root = root.clone();
                std::thread::spawn(move || {
                    functory_history::History::open_or_init(&root).map(|_| ())
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap().unwrap();
        }
        assert!(root.join(".git").is_dir());
    }
}
