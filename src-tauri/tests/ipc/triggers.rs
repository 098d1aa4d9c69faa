//! The trigger designer: the side form's checks, trigger and permission edits, the canvas
//! model and its remembered layout.

use serde_json::{Value, json};

use super::support::Harness;

/// The commands this group covers.
pub const COMMANDS: &[&str] = &[
    "open_sample_project",
    "check_trigger",
    "apply_manifest_edit",
    "canvas_model",
    "canvas_layout",
    "save_canvas_layout",
];

#[test]
fn the_trigger_designer_answers_as_the_ui_expects() {
    let h = Harness::start("triggers", false);
    let call = |cmd: &str, body: Value| h.call(cmd, body);

    call("open_sample_project", json!({})).unwrap();
    // Triggers: the side form's checks, trigger edits, and the canvas's remembered layout.
    let conflict = call(
        "check_trigger",
        json!({ "function": "report", "editing": null,
                "trigger": { "kind": "http", "method": "GET", "path": "/resize" } }),
    )
    .unwrap();
    assert_eq!(conflict["problems"][0]["severity"], "error", "{conflict}");
    assert_eq!(conflict["problems"][0]["field"], "path");
    let preview = call(
        "check_trigger",
        json!({ "function": "report", "editing": { "function": "report", "index": 0 },
                "trigger": { "kind": "schedule", "expression": "rate(1 minute)", "timezone": "Europe/Paris" } }),
    )
    .unwrap();
    assert_eq!(preview["problems"], json!([]), "{preview}");
    assert_eq!(preview["nextFires"].as_array().unwrap().len(), 5);
    assert_eq!(preview["timezone"], "Europe/Paris");
    let report_triggers = |view: &Value| {
        view["manifest"]["manifest"]["functions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "report")
            .unwrap()["triggers"]
            .clone()
    };
    let view = call(
        "apply_manifest_edit",
        json!({ "edit": { "kind": "addTrigger", "function": "report",
                          "trigger": { "kind": "queue", "queue": "jobs", "batch_size": 5 } } }),
    )
    .unwrap();
    assert_eq!(report_triggers(&view)[1]["queue"], "jobs", "{view}");
    let view = call(
        "apply_manifest_edit",
        json!({ "edit": { "kind": "updateTrigger", "function": "report", "index": 1,
                          "trigger": { "kind": "queue", "queue": "jobs-2" } } }),
    )
    .unwrap();
    assert_eq!(report_triggers(&view)[1]["queue"], "jobs-2");
    let refused = call(
        "apply_manifest_edit",
        json!({ "edit": { "kind": "addTrigger", "function": "report",
                          "trigger": { "kind": "schedule", "expression": "rate(5 minute)" } } }),
    )
    .unwrap_err();
    assert_eq!(refused["code"], "invalid_input");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .starts_with("functions.report.triggers[new].expression:"),
        "{refused}"
    );
    let view = call(
        "apply_manifest_edit",
        json!({ "edit": { "kind": "removeTrigger", "function": "report", "index": 1 } }),
    )
    .unwrap();
    assert_eq!(report_triggers(&view).as_array().unwrap().len(), 1);
    let view = call(
        "apply_manifest_edit",
        json!({ "edit": { "kind": "addPermission", "function": "report",
                          "actions": ["s3:PutObject"], "resources": ["arn:aws:s3:::thumbs/*"] } }),
    )
    .unwrap();
    assert!(
        view["manifest"]["manifest"]["functions"]
            .to_string()
            .contains("s3:PutObject")
    );
    let canvas = call("canvas_model", json!({})).unwrap();
    let report = canvas["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "report")
        .unwrap();
    assert_eq!(report["edges"][0]["status"], "deploy", "{report}");
    assert_eq!(
        report["edges"][0]["needs"]["invoke"]["principal"],
        "scheduler.amazonaws.com"
    );
    assert_eq!(
        report["destinations"][0],
        json!({ "kind": "bucket", "name": "thumbs", "actions": ["s3:PutObject"], "sources": ["permission"], "resource": "thumbs" })
    );
    assert_eq!(
        call("canvas_layout", json!({})).unwrap(),
        json!({ "positions": [] })
    );
    let layout = json!({ "positions": [{ "id": "fn:report", "x": 120.5, "y": 40.0 }] });
    assert_eq!(
        call("save_canvas_layout", json!({ "layout": layout })).unwrap(),
        Value::Null
    );
    assert_eq!(call("canvas_layout", json!({})).unwrap(), layout);

    h.assert_called_exactly(COMMANDS);
}
