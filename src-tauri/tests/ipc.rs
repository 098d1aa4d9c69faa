//! Every IPC command is registered, takes the payload the UI sends, and answers with JSON of
//! the shape the UI expects — errors as `{code, message}` — on Tauri's mock runtime.

use functory_app::commands::COMMANDS;
use functory_app::{LaunchRequest, configure};
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, body: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("a valid URL"),
        body: InvokeBody::Json(body),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| {
        body.deserialize::<Value>()
            .expect("commands answer with JSON")
    })
}

#[test]
fn every_command_answers_with_the_shapes_the_ui_expects() {
    let data = tempfile::tempdir().unwrap();
    let app = configure(
        mock_builder(),
        LaunchRequest::Nothing,
        Some(data.path().to_owned()),
    )
    .build(mock_context(noop_assets()))
    .unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    let mut exercised = vec![];
    let mut call = |cmd: &str, body: Value| {
        exercised.push(cmd.to_owned());
        invoke(&window, cmd, body)
    };

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
    assert!(data.path().join("recovery-journal.json").exists());
    assert_eq!(call("journal_clear", json!({})).unwrap(), Value::Null);
    assert!(!data.path().join("recovery-journal.json").exists());
    assert_eq!(call("ui_ready", json!({})).unwrap(), Value::Null);

    // A payload missing a field is refused with a message, not a crash.
    assert!(call("read_file", json!({})).is_err());

    // `pick_folder` opens a native dialog, which the mock runtime cannot show; every other
    // command was exercised above.
    let mut expected: Vec<_> = COMMANDS
        .iter()
        .filter(|c| **c != "pick_folder")
        .map(|c| c.to_string())
        .collect();
    expected.sort();
    exercised.sort();
    exercised.dedup();
    assert_eq!(exercised, expected);
    // And an unregistered command is refused, so the calls above did reach registered ones.
    assert!(invoke(&window, "no_such_command", json!({})).is_err());
}
