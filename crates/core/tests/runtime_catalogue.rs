//! The catalogue's own checker (`scripts/runtime-catalogue/check.py`, what a person runs when
//! refreshing the dates) accepts the embedded file and refuses a broken copy of it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn check(file: &Path, extra: &[&str]) -> Output {
    Command::new("python3")
        .arg(repo().join("scripts/runtime-catalogue/check.py"))
        .arg("--file")
        .arg(file)
        .args(extra)
        .output()
        .unwrap_or_else(|e| panic!("python3 runs: {e}"))
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

const CATALOGUE: &str = "crates/core/data/runtimes.toml";

#[test]
fn the_checker_accepts_the_embedded_catalogue() {
    let output = check(&repo().join(CATALOGUE), &["--on", "2026-12-07"]);
    let said = text(&output);
    assert!(output.status.success(), "{said}");
    assert!(said.contains("newest nodejs24.x"), "{said}");
    assert!(said.contains("newest python3.14"), "{said}");
    assert!(said.contains("newest provided.al2023"), "{said}");
}

#[test]
fn the_checker_refuses_dates_out_of_order_and_a_missing_newest_runtime() {
    let original = std::fs::read_to_string(repo().join(CATALOGUE)).expect("the catalogue");
    let dir = tempfile::tempdir().expect("a folder");

    // nodejs24.x blocking updates before creates.
    let swapped = original.replacen("block_update = 2028-07-01", "block_update = 2028-05-01", 1);
    assert_ne!(swapped, original);
    let path = dir.path().join("swapped.toml");
    std::fs::write(&path, swapped).expect("written");
    let output = check(&path, &["--on", "2026-12-07"]);
    assert!(!output.status.success());
    assert!(
        text(&output)
            .contains("nodejs24.x): block_create 2028-06-01 is after block_update 2028-05-01"),
        "{}",
        text(&output)
    );

    // Python without 3.14, 3.13, 3.12 and 3.11: its newest left, python3.10, was deprecated
    // before the snapshot.
    let mut trimmed = original.clone();
    for id in ["python3.14", "python3.13", "python3.12", "python3.11"] {
        let start = trimmed
            .find(&format!("[[runtime]]\ncloud = \"aws\"\nid = \"{id}\""))
            .unwrap_or_else(|| panic!("{id} is listed"));
        let end = trimmed[start + 1..]
            .find("[[runtime]]")
            .map_or(trimmed.len(), |i| start + 1 + i);
        trimmed.replace_range(start..end, "");
    }
    let path = dir.path().join("trimmed.toml");
    std::fs::write(&path, trimmed).expect("written");
    let output = check(&path, &["--on", "2026-12-07"]);
    assert!(!output.status.success());
    assert!(
        text(&output)
            .contains("aws python: the newest runtime, python3.10, was deprecated on 2026-10-31"),
        "{}",
        text(&output)
    );
}

#[test]
fn the_checklist_says_where_each_cloud_publishes_its_dates() {
    let output = check(&repo().join(CATALOGUE), &["--checklist"]);
    let said = text(&output);
    assert!(output.status.success(), "{said}");
    for page in [
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html",
        "https://learn.microsoft.com/en-us/azure/azure-functions/supported-languages",
        "https://docs.cloud.google.com/run/docs/runtimes/function-runtimes",
    ] {
        assert!(said.contains(page), "{said}");
    }
}
