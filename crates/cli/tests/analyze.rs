//! `functory analyze` and the analyzer's findings in `functory lint`, as a user runs them.

mod common;

use std::path::{Path, PathBuf};

use common::{functory_with, text};

/// A copy of one of the analyzer's sample projects, so `--apply` can write to it.
fn sample(name: &str) -> tempfile::TempDir {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../analyze/tests/fixtures")
        .join(name);
    let dir = tempfile::tempdir().expect("tempdir");
    copy(&from, dir.path());
    dir
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target: PathBuf = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn functory(args: &[&str], cwd: &Path) -> std::process::Output {
    functory_with(args, Some(cwd), &[], "functory-cli-analyze-tests", "")
}

#[test]
fn analyze_prints_calls_actions_policy_and_comparison() {
    let dir = sample("thumbnailer-js");
    let output = functory(&["analyze", "thumbs"], dir.path());
    let out = text(&output.stdout);
    // Missing permissions fail the command, for CI.
    assert_eq!(
        output.status.code(),
        Some(1),
        "{out}{}",
        text(&output.stderr)
    );
    assert!(
        out.contains("src/index.mjs:18:19  s3:PutObject  new PutObjectCommand({…"),
        "{out}"
    );
    assert!(
        out.contains("s3:PutObject on arn:aws:s3:::acme-thumbnails/thumbnails/*  (environment THUMBS_BUCKET = acme-thumbnails)"),
        "{out}"
    );
    assert!(
        out.contains("s3:ListBucket on arn:aws:s3:::acme-thumbnails"),
        "{out}"
    );
    assert!(
        out.contains("not understood (1):\n  src/resize.mjs:11:10"),
        "{out}"
    );
    assert!(
        out.contains("generated policy:\n  [[functions.thumbs.permissions]]\n  actions = [\"rekognition:DetectLabels\", \"s3:GetObject\"]\n  resources = [\"*\"]"),
        "{out}"
    );
    assert!(
        out.contains("missing: s3:ListBucket on arn:aws:s3:::acme-thumbnails"),
        "{out}"
    );
    assert!(
        out.contains("granted but unused: s3:DeleteObject (functory.toml:17:28)"),
        "{out}"
    );

    let output = functory(&["analyze", "thumbs", "--json"], dir.path());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["analysis"]["calls"].as_array().map(Vec::len), Some(4));
    assert_eq!(json["analysis"]["calls"][0]["location"]["line"], 16);
    assert!(
        json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["code"] == "LPA003" && f["file"] == "src/resize.mjs")
    );

    let output = functory(&["analyze", "nope"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("no function named `nope`"));
}

#[test]
fn apply_prints_the_diff_and_replaces_the_permissions() {
    let dir = sample("thumbnailer-js");
    let before = std::fs::read_to_string(dir.path().join("functory.toml")).expect("read");
    let output = functory(&["analyze", "thumbs", "--apply"], dir.path());
    let out = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{out}{}",
        text(&output.stderr)
    );
    assert!(
        out.contains("-actions = [\"s3:PutObject\", \"s3:DeleteObject\"]"),
        "{out}"
    );
    assert!(out.contains("+actions = [\"s3:ListBucket\"]"), "{out}");
    let after = std::fs::read_to_string(dir.path().join("functory.toml")).expect("read");
    assert_ne!(before, after);
    // The comment above the permissions survives.
    assert!(after.contains("# Granted by hand"), "{after}");
    let output = functory(&["analyze", "thumbs"], dir.path());
    let out = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(
        out.contains("the granted permissions match what the code needs"),
        "{out}"
    );
}

#[test]
fn lint_includes_the_analyzer_findings_with_positions() {
    let dir = sample("crud-py");
    let output = functory(&["lint"], dir.path());
    let out = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(
        out.contains("orders/api.py:30:9: LPA001 dynamodb:UpdateItem on arn:aws:dynamodb:*:*:table/orders is not granted"),
        "{out}"
    );
    // Analyzer findings honour the manifest's suppressions like the linter's.
    let manifest = dir.path().join("functory.toml");
    let mut text_of_manifest = std::fs::read_to_string(&manifest).expect("read");
    text_of_manifest.push_str("\n[[lint.suppress]]\ncode = \"LPA001\"\nfunction = \"orders\"\nreason = \"granted by the platform team's role\"\n");
    std::fs::write(&manifest, text_of_manifest).expect("write");
    let output = functory(&["lint"], dir.path());
    let out = text(&output.stdout);
    assert!(!out.contains("LPA001"), "{out}");
    assert!(!out.contains("LNT001"), "{out}");
    let output = functory(&["lint", "--explain", "LPA002"], dir.path());
    assert!(text(&output.stdout).starts_with("# LPA002 unused-permission"));

    let output = functory(
        &["lint", "--ignore", "LPA001", "--format", "json"],
        dir.path(),
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let findings = json["findings"].as_array().expect("findings");
    assert!(findings.iter().all(|f| f["code"] != "LPA001"), "{json}");
}

#[test]
fn explain_reads_an_access_denied_message_from_stdin() {
    let dir = sample("secrets-ts");
    let message = "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/reader/reader is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf because no identity-based policy allows the secretsmanager:GetSecretValue action";
    let output = functory_with(
        &["analyze", "reader", "--explain", "-"],
        Some(dir.path()),
        &[],
        "functory-cli-analyze-tests",
        message,
    );
    let out = text(&output.stdout);
    assert!(output.status.success(), "{out}{}", text(&output.stderr));
    assert!(out.contains("refused: secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"), "{out}");
    assert!(out.contains("call: handler.mts:11:36"), "{out}");
    assert!(
        out.contains("statement 1 grants secretsmanager:GetSecretValue but not on"),
        "{out}"
    );
    assert!(out.contains("+resources = [\"arn:aws:secretsmanager:*:*:secret:prod/api-*\", \"arn:aws:secretsmanager:*:*:secret:prod/db-*\"]"), "{out}");
}
