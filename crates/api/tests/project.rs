//! The API's project use cases against real folders.

use std::fs;

use functory_api::core::template::FunctionTemplate;
use functory_api::core::{ManifestEdit, Severity};
use functory_api::recovery::{JournalEntry, RecoveryJournal};
use functory_api::{ErrorCode, Project, sample};

fn sample_project() -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let project = sample::open_sample(&dir.path().join("thumbnails")).expect("the sample opens");
    (dir, project)
}

#[test]
fn the_sample_project_opens_without_problems() {
    let (_dir, project) = sample_project();
    let view = project.view().unwrap();
    assert!(view.has_manifest);
    assert_eq!(view.name, "thumbnails");
    assert_eq!(view.manifest.diagnostics, vec![]);
    let manifest = view.manifest.manifest.unwrap();
    let names: Vec<_> = manifest.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["resize", "report"]);
    assert_eq!(
        manifest.functions[0].handler_file.as_deref(),
        Some("src/resize.mjs")
    );
    let top: Vec<_> = view
        .tree
        .children
        .iter()
        .map(|n| (n.name.as_str(), n.is_dir))
        .collect();
    assert_eq!(
        top,
        [
            ("src", true),
            ("functory.toml", false),
            ("README.md", false)
        ]
    );
    assert_eq!(view.tree.children[0].children[0].path, "src/report.py");
}

#[test]
fn reopening_the_sample_keeps_the_users_changes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("thumbnails");
    let project = sample::open_sample(&root).unwrap();
    project.write_file("src/resize.mjs", "// mine\n").unwrap();
    let again = sample::open_sample(&root).unwrap();
    assert_eq!(again.read_file("src/resize.mjs").unwrap().text, "// mine\n");
}

#[test]
fn create_project_from_each_template() {
    for template in FunctionTemplate::ALL {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("demo");
        let project = Project::create(&root, "demo", Some(template)).unwrap();
        let view = project.view().unwrap();
        assert_eq!(view.manifest.diagnostics, vec![], "{template:?}");
        let function = &view.manifest.manifest.unwrap().functions[0];
        assert_eq!(function.name, "hello");
        let handler = function.handler_file.clone().unwrap();
        assert!(root.join(&handler).is_file());
        // Creating over a non-empty folder is refused.
        let error = Project::create(&root, "demo", None).unwrap_err();
        assert_eq!(error.code, ErrorCode::AlreadyExists);
    }
}

#[test]
fn a_folder_without_manifest_opens_and_can_be_initialised() {
    let dir = tempfile::tempdir().unwrap();
    let project = Project::open(dir.path()).unwrap();
    let view = project.view().unwrap();
    assert!(!view.has_manifest);
    assert_eq!(project.parse().unwrap_err().code, ErrorCode::NoManifest);
    project.init("fresh").unwrap();
    assert_eq!(project.view().unwrap().name, "fresh");
    assert_eq!(
        project.init("again").unwrap_err().code,
        ErrorCode::AlreadyExists
    );
}

#[test]
fn paths_that_escape_the_project_are_refused() {
    let (dir, project) = sample_project();
    let outside = dir.path().join("secret.txt");
    fs::write(&outside, "top secret").unwrap();
    for path in [
        "../secret.txt",
        "src/../../secret.txt",
        outside.to_str().unwrap(),
        "/etc/passwd",
    ] {
        let error = project.read_file(path).unwrap_err();
        assert_eq!(error.code, ErrorCode::OutsideProject, "{path}");
        let error = project.write_file(path, "x").unwrap_err();
        assert_eq!(error.code, ErrorCode::OutsideProject, "{path}");
    }
    assert_eq!(fs::read_to_string(&outside).unwrap(), "top secret");
    // A symbolic link inside the project that points out of it is refused too.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path(), project.root().join("escape")).unwrap();
        assert_eq!(
            project.read_file("escape/secret.txt").unwrap_err().code,
            ErrorCode::OutsideProject
        );
        assert_eq!(
            project.write_file("escape/new.txt", "x").unwrap_err().code,
            ErrorCode::OutsideProject
        );
        assert!(!dir.path().join("new.txt").exists());
    }
    // `..` that stays inside is fine.
    assert!(project.read_file("src/../functory.toml").is_ok());
}

#[test]
fn writes_are_atomic_and_leave_no_temporary_files() {
    let (_dir, project) = sample_project();
    project
        .write_file("src/new/deep.py", "print('hi')\n")
        .unwrap();
    assert_eq!(
        project.read_file("src/new/deep.py").unwrap().text,
        "print('hi')\n"
    );
    let leftovers: Vec<_> = fs::read_dir(project.root().join("src/new"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, ["deep.py"]);
}

#[test]
fn binary_and_huge_files_open_read_only_and_cannot_be_saved() {
    let (_dir, project) = sample_project();
    let root = project.root().to_owned();
    fs::write(root.join("logo.png"), [0x89, b'P', b'N', b'G', 0, 0, 1, 2]).unwrap();
    let binary = project.read_file("logo.png").unwrap();
    assert!(binary.read_only);
    assert!(binary.notice.unwrap().contains("Binary file"));
    assert_eq!(binary.text, "");

    let line = "x".repeat(99) + "\n";
    let huge: String = line.repeat(60_000); // 6 MB
    fs::write(root.join("huge.log"), &huge).unwrap();
    let content = project.read_file("huge.log").unwrap();
    assert!(content.read_only);
    assert_eq!(content.size, huge.len() as u64);
    assert_eq!(content.text.len(), 64 * 1024);
    assert!(
        content
            .notice
            .as_deref()
            .unwrap()
            .contains("larger than the 5 MB")
    );
    let error = project.write_file("huge.log", "truncated").unwrap_err();
    assert_eq!(error.code, ErrorCode::ReadOnly);
    assert_eq!(
        fs::metadata(root.join("huge.log")).unwrap().len(),
        huge.len() as u64
    );

    fs::write(root.join("latin1.txt"), b"caf\xe9\n").unwrap();
    let latin1 = project.read_file("latin1.txt").unwrap();
    assert!(latin1.read_only && latin1.text.starts_with("caf"));
}

#[test]
fn manifest_edits_change_the_file_and_keep_comments() {
    let (_dir, project) = sample_project();
    let before = project.manifest_text().unwrap();
    project
        .apply_manifest_edit(&ManifestEdit::SetMemory {
            function: "resize".into(),
            memory_mb: 1024,
        })
        .unwrap();
    let after = project.manifest_text().unwrap();
    assert!(
        after.contains("memory_mb = 1024    # images up to 20 MB fit comfortably"),
        "{after}"
    );
    assert_eq!(before.lines().count(), after.lines().count());
    let view = project.view().unwrap();
    assert_eq!(view.manifest.manifest.unwrap().functions[0].memory_mb, 1024);

    let error = project
        .apply_manifest_edit(&ManifestEdit::SetTimeout {
            function: "resize".into(),
            timeout_s: 0,
        })
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidInput);
    assert!(
        error.message.contains("functions.resize.timeout_s"),
        "{}",
        error.message
    );
    assert_eq!(
        project.manifest_text().unwrap(),
        after,
        "a refused edit must not touch the file"
    );
}

#[test]
fn a_broken_manifest_still_opens_with_its_error() {
    let (_dir, project) = sample_project();
    project
        .write_file("functory.toml", "[project]\nname = \"x\"\n[functions.a\n")
        .unwrap();
    let view = project.view().unwrap();
    assert!(view.has_manifest);
    assert!(view.manifest.manifest.is_none());
    let d = &view.manifest.diagnostics[0];
    assert_eq!((d.line, d.severity), (3, Severity::Error));
    // The rest keeps working: files still read, the tree is there.
    assert!(project.read_file("src/resize.mjs").is_ok());
    assert!(!view.tree.children.is_empty());
    // An edit on an unparsable manifest is refused, not half-applied.
    let error = project
        .apply_manifest_edit(&ManifestEdit::SetMemory {
            function: "a".into(),
            memory_mb: 256,
        })
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidManifest);
}

#[test]
fn create_function_refuses_to_overwrite_code() {
    let (_dir, project) = sample_project();
    project
        .create_function("hello", FunctionTemplate::PythonHttp)
        .unwrap();
    let view = project.view().unwrap();
    assert_eq!(view.manifest.diagnostics, vec![]);
    assert_eq!(view.manifest.manifest.unwrap().functions.len(), 3);
    let error = project
        .create_function("hello", FunctionTemplate::NodeHttp)
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::AlreadyExists);
    // Pre-existing handler file with a new name: nothing written.
    project.write_file("src/mine.mjs", "// keep me\n").unwrap();
    let before = project.manifest_text().unwrap();
    assert_eq!(
        project
            .create_function("mine", FunctionTemplate::NodeHttp)
            .unwrap_err()
            .code,
        ErrorCode::AlreadyExists
    );
    assert_eq!(
        project.read_file("src/mine.mjs").unwrap().text,
        "// keep me\n"
    );
    assert_eq!(project.manifest_text().unwrap(), before);
}

#[test]
fn the_recovery_journal_round_trips_and_survives_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let journal = RecoveryJournal::in_dir(dir.path());
    assert_eq!(journal.load(), vec![]);
    let entry = JournalEntry {
        project_root: "/p".into(),
        path: "src/a.js".into(),
        text: "unsaved ✓".into(),
        updated_at_ms: 1_700_000_000_000,
    };
    journal.save(std::slice::from_ref(&entry)).unwrap();
    assert_eq!(journal.load(), vec![entry]);
    journal.save(&[]).unwrap();
    assert!(!journal.path().exists());
    fs::write(journal.path(), "{ not json").unwrap();
    assert_eq!(journal.load(), vec![]);
    assert!(journal.path().with_extension("json.corrupt").exists());
}
