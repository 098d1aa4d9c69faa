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
    let mut templates: Vec<&str> = functory_api::core::template::FunctionTemplate::ALL
        .iter()
        .map(|t| t.id())
        .collect();
    templates.push("none");
    for template in templates {
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

/// `functory fidelity`: the ways the local run differs from Lambda for a project, each with
/// what to do, as text and JSON; a manifest with errors is refused with them.
#[test]
fn fidelity_lists_the_local_runs_differences_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("functory.toml"),
        r#"[project]
name = "clicks"

[resources.events]
kind = "table"
partition_key = "id"
stream = "new_image"

[functions.count]
runtime = "python3.14"
handler = "count.handler"

[[functions.count.triggers]]
kind = "stream"
stream = "clickstream"

[[functions.count.triggers]]
kind = "stream"
stream = "events"

[functions.page]
runtime = "nodejs24.x"
handler = "page.handler"

[[functions.page.permissions]]
actions = ["kinesis:Put*"]
resources = ["arn:aws:kinesis:*:*:stream/clickstream"]
"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("count.py"), "").unwrap();
    std::fs::write(dir.path().join("page.mjs"), "").unwrap();
    // The configured Python 3.14 is this machine's python3, whatever its version: when it is
    // not 3.14 the report says so. The program it names is what the local run would start.
    let python = String::from_utf8(
        Command::new("python3")
            .args([
                "-c",
                "import sys; print(sys.executable, '%d.%d' % sys.version_info[:2])",
            ])
            .output()
            .expect("python3 runs")
            .stdout,
    )
    .unwrap();
    let (python, version) = python.trim().rsplit_once(' ').expect("path and version");
    let output = Command::new(env!("CARGO_BIN_EXE_functory"))
        .args(["fidelity", "--json"])
        .current_dir(dir.path())
        .env("FUNCTORY_PYTHON_3_14", python)
        .output()
        .expect("the functory binary runs");
    assert!(output.status.success(), "{output:?}");
    let items: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).expect("JSON");
    let areas = |function: Option<&str>| -> Vec<String> {
        items
            .iter()
            .filter(|i| i["function"].as_str() == function)
            .map(|i| i["area"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        areas(None),
        ["permissions", "limits", "limits", "limits", "limits"]
    );
    let count = areas(Some("count"));
    assert_eq!(
        count.contains(&"interpreter".to_owned()),
        version != "3.14",
        "{count:?}"
    );
    assert!(count.contains(&"sdk".to_owned()), "{count:?}");
    // The Kinesis stream runs locally on a one-shard stream of the local services, unlike on
    // AWS; the declared table's stream runs as it does there.
    let triggers: Vec<&str> = items
        .iter()
        .filter(|i| i["area"] == "trigger")
        .filter_map(|i| i["difference"].as_str())
        .collect();
    assert_eq!(triggers.len(), 1, "{triggers:?}");
    assert!(triggers[0].starts_with("stream `clickstream` is a Kinesis stream"));
    // A Node.js function that writes to Kinesis meets the emulator's HTTP/2 signature gap.
    let page_sdk: Vec<&str> = items
        .iter()
        .filter(|i| i["function"] == "page" && i["area"] == "sdk")
        .filter_map(|i| i["difference"].as_str())
        .collect();
    assert!(
        page_sdk
            .iter()
            .any(|d| d.contains("Kinesis client speaks HTTP/2")),
        "{page_sdk:?}"
    );
    assert!(
        !items.iter().any(|i| i["function"] == "count"
            && i["difference"].as_str().unwrap_or("").contains("HTTP/2")),
        "boto3 is not affected"
    );
    assert!(
        items
            .iter()
            .all(|i| !i["whatToDo"].as_str().unwrap_or("").is_empty())
    );

    // One function, as text.
    let text = stdout(&functory(&["fidelity", "page"], dir.path()));
    assert!(
        text.contains("page: sdk: locally handlers import the AWS SDK for JavaScript v3"),
        "{text}"
    );
    assert!(!text.contains("count:"), "{text}");
    assert!(text.contains("    → "), "{text}");

    // A manifest with errors: its errors, not a guess.
    std::fs::write(dir.path().join("functory.toml"), "[project]\nname = 1\n").unwrap();
    let refused = functory(&["fidelity"], dir.path());
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("functory.toml has problems"),
        "{refused:?}"
    );
}
