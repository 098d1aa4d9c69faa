//! The `functory` binary as a user runs it.

use std::path::Path;
use std::process::{Command, Output};

fn functory(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_functory"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the functory binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn new_then_check_is_clean_for_every_template() {
    for template in ["node-http", "python-http", "none"] {
        let dir = tempfile::tempdir().unwrap();
        let output = functory(&["new", "--template", template, "demo"], dir.path());
        assert!(output.status.success(), "{output:?}");
        let output = functory(&["check", "demo"], dir.path());
        assert!(output.status.success(), "{output:?}");
        assert!(
            stdout(&output).contains("demo/functory.toml: ok"),
            "{}",
            stdout(&output)
        );
    }
}

#[test]
fn check_prints_one_line_per_problem_with_position_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("functory.toml"),
        "[project]\nname = \"x\"\n\n[functions.a]\nruntime = \"nodejs20\"\nhandler = \"src/a.handler\"\nmemory_mb = 50\n",
    )
    .unwrap();
    let output = functory(&["check"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let lines: Vec<_> = text.lines().collect();
    // The handler cannot be resolved without a known runtime, so it is not reported twice.
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with(
            "./functory.toml:5:11: error: unknown runtime `nodejs20`; did you mean `nodejs24.x`?"
        ),
        "{text}"
    );
    assert!(
        lines[1].starts_with("./functory.toml:7:13: error: 50 is out of range"),
        "{text}"
    );

    let output = functory(&["check", "--json"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["diagnostics"][1]["field"], "functions.a.memory_mb");
    assert_eq!(json["diagnostics"][1]["line"], 7);
}

#[test]
fn check_reports_a_syntax_error_and_a_missing_manifest() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("functory.toml"), "[project\nname = 1\n").unwrap();
    let output = functory(&["check", "."], dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).starts_with("./functory.toml:1:"),
        "{}",
        stdout(&output)
    );

    let empty = tempfile::tempdir().unwrap();
    let output = functory(&["check"], empty.path());
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("functory: error: ") && stderr.contains("has no functory.toml"),
        "{stderr}"
    );
}

#[test]
fn functions_lists_as_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        functory(&["new", "--template", "python-http", "p"], dir.path())
            .status
            .success()
    );
    let output = functory(&["functions", "p", "--json"], dir.path());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json[0]["name"], "hello");
    // Templates start on the newest Python the runtime catalogue lists.
    assert_eq!(json[0]["runtime"], "python3.14");
    let text = stdout(&functory(&["functions", "p"], dir.path()));
    assert!(
        text.starts_with("hello\tpython3.14\tsrc/hello.handler"),
        "{text}"
    );
}

#[test]
fn new_refuses_a_non_empty_folder_and_help_works_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("taken")).unwrap();
    std::fs::write(dir.path().join("taken/file"), "x").unwrap();
    let output = functory(&["new", "taken"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not empty"));
    for args in [
        &["--help"][..],
        &["new", "--help"],
        &["check", "--help"],
        &["functions", "--help"],
    ] {
        let output = functory(args, dir.path());
        assert!(
            output.status.success() && stdout(&output).contains("Usage:"),
            "{args:?}"
        );
    }
}
