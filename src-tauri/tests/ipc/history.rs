//! History: checkpoints, status, timeline, diffs, restores and branches.

use serde_json::{Value, json};

use super::support::Harness;

/// The commands this group covers.
pub const COMMANDS: &[&str] = &[
    "open_sample_project",
    "checkpoint",
    "history_status",
    "write_file",
    "history_timeline",
    "history_diff",
    "history_restore",
    "read_file",
    "create_branch",
];

#[test]
fn history_answers_as_the_ui_expects() {
    let h = Harness::start("history", false);
    let call = |cmd: &str, body: Value| h.call(cmd, body);

    call("open_sample_project", json!({})).unwrap();
    // History: the sample becomes a repository on its first checkpoint.
    let first = call("checkpoint", json!({ "message": "Start" })).unwrap();
    assert_eq!(first["created"], true);
    let status = call("history_status", json!({})).unwrap();
    assert_eq!(
        (
            status["state"].as_str(),
            status["changedFiles"].as_array().map(Vec::len)
        ),
        (Some("clean"), Some(0))
    );
    call(
        "write_file",
        json!({ "path": "src/report.py", "text": "changed\n" }),
    )
    .unwrap();
    call("checkpoint", json!({ "message": "Change report" })).unwrap();
    let timeline = call("history_timeline", json!({ "function": "report" })).unwrap();
    assert_eq!(timeline[0]["summary"], "Change report");
    assert_eq!(timeline[0]["files"], json!(["src/report.py"]));
    let diff = call(
        "history_diff",
        json!({ "from": first["commit"], "to": null, "function": "report" }),
    )
    .unwrap();
    assert_eq!(diff[0]["newText"], "changed\n");
    let restored = call(
        "history_restore",
        json!({ "commit": first["commit"], "file": "src/report.py", "function": null }),
    )
    .unwrap();
    assert_eq!(restored["name"], "thumbnails");
    assert!(
        call("read_file", json!({ "path": "src/report.py" })).unwrap()["text"]
            .as_str()
            .unwrap()
            .contains("def handler")
    );
    assert_eq!(
        call("create_branch", json!({ "name": "experiments" })).unwrap(),
        Value::Null
    );

    h.assert_called_exactly(COMMANDS);
}
