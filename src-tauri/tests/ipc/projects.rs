//! Projects and files: startup, opening, creating and initialising projects, reading and
//! writing files, manifest edits and the settings form's checks, the recovery journal.

use serde_json::{Value, json};

use super::support::Harness;

/// The commands this group covers.
pub const COMMANDS: &[&str] = &[
    "startup",
    "read_file",
    "open_sample_project",
    "reload_project",
    "write_file",
    "apply_manifest_edit",
    "create_function",
    "init_project",
    "open_project",
    "create_project",
    "journal_save",
    "journal_clear",
    "ui_ready",
    "check_function_settings",
];

#[test]
fn projects_and_files_answer_as_the_ui_expects() {
    let h = Harness::start("projects", false);
    let call = |cmd: &str, body: Value| h.call(cmd, body);

    let startup = call("startup", json!({})).unwrap();
    assert_eq!(startup, json!({ "openPath": null, "recovery": [] }));

    // Before a project is open: a registered command answering with a coded error.
    let error = call("read_file", json!({ "path": "src/resize.mjs" })).unwrap_err();
    assert_eq!(
        error,
        json!({ "code": "no_project", "message": "no project is open" })
    );

    let view = call("open_sample_project", json!({})).unwrap();
    assert_eq!(view["name"], "thumbnails");
    assert_eq!(view["hasManifest"], true);
    assert_eq!(view["manifest"]["diagnostics"], json!([]));
    assert_eq!(
        view["manifest"]["manifest"]["functions"][0]["memoryMb"],
        512
    );
    assert_eq!(
        call("reload_project", json!({})).unwrap()["name"],
        "thumbnails"
    );

    let file = call("read_file", json!({ "path": "src/resize.mjs" })).unwrap();
    assert_eq!(file["readOnly"], false);
    assert!(
        file["text"]
            .as_str()
            .unwrap()
            .contains("export const handler")
    );
    assert!(file["size"].is_u64());

    let view = call(
        "write_file",
        json!({ "path": "src/new.py", "text": "x = 1\n" }),
    )
    .unwrap();
    assert!(
        view["tree"]["children"][0]["children"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["path"] == "src/new.py")
    );
    let error = call(
        "write_file",
        json!({ "path": "../escape.txt", "text": "x" }),
    )
    .unwrap_err();
    assert_eq!(error["code"], "outside_project");

    let view = call(
        "apply_manifest_edit",
        json!({ "edit": { "kind": "setMemory", "function": "resize", "memoryMb": 1024 } }),
    )
    .unwrap();
    assert_eq!(
        view["manifest"]["manifest"]["functions"][0]["memoryMb"],
        1024
    );
    let error = call(
        "apply_manifest_edit",
        json!({ "edit": { "kind": "setTimeout", "function": "resize", "timeoutS": 0 } }),
    )
    .unwrap_err();
    assert_eq!(error["code"], "invalid_input");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("functions.resize.timeout_s")
    );

    let view = call(
        "create_function",
        json!({ "name": "hello", "template": "python-http" }),
    )
    .unwrap();
    assert_eq!(
        view["manifest"]["manifest"]["functions"][2]["name"],
        "hello"
    );
    assert_eq!(
        call("init_project", json!({ "name": "again" })).unwrap_err()["code"],
        "already_exists"
    );

    let empty = tempfile::tempdir().unwrap();
    let view = call("open_project", json!({ "path": empty.path() })).unwrap();
    assert_eq!(view["hasManifest"], false);
    assert_eq!(
        call("init_project", json!({ "name": "fresh" })).unwrap()["name"],
        "fresh"
    );
    let new_root = empty.path().join("made");
    let view = call(
        "create_project",
        json!({ "path": new_root, "name": "made", "template": null }),
    )
    .unwrap();
    assert_eq!(view["name"], "made");

    let entry = json!({ "projectRoot": "/p", "path": "a.js", "text": "unsaved", "updatedAtMs": 1 });
    assert_eq!(
        call("journal_save", json!({ "entries": [entry] })).unwrap(),
        Value::Null
    );
    assert!(h.data.path().join("recovery-journal.json").exists());
    assert_eq!(call("journal_clear", json!({})).unwrap(), Value::Null);
    assert!(!h.data.path().join("recovery-journal.json").exists());
    assert_eq!(call("ui_ready", json!({})).unwrap(), Value::Null);

    // The settings form's checks, answered per field and row.
    let problems = call(
        "check_function_settings",
        json!({ "draft": { "memory": "64", "timeout": "3",
                           "environment": [{ "key": "AWS_REGION", "value": "x" }] } }),
    )
    .unwrap();
    let fields: Vec<(&str, &Value)> = problems
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["field"].as_str().unwrap(), &p["row"]))
        .collect();
    assert_eq!(
        fields,
        [("memory", &Value::Null), ("environment", &json!(0))],
        "{problems}"
    );

    // A payload missing a field is refused with a message, not a crash.
    assert!(call("read_file", json!({})).is_err());
    // And an unregistered command is refused, so the calls above did reach registered ones.
    assert!(h.call_unrecorded("no_such_command", json!({})).is_err());

    h.assert_called_exactly(COMMANDS);
}
