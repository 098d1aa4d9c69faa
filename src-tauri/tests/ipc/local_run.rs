//! The local run (Run & Logs): log subscriptions over a channel, sample and saved events,
//! start, invoke, fired schedules, stop; and closing the project stops its run.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::support::{Harness, LOG_CHANNEL};

/// The commands this group covers.
pub const COMMANDS: &[&str] = &[
    "open_sample_project",
    "apply_manifest_edit",
    "run_status",
    "subscribe_logs",
    "sample_events",
    "save_event",
    "saved_events",
    "delete_saved_event",
    "start_run",
    "invoke_function",
    "fire_schedule",
    "unsubscribe_logs",
    "stop_run",
    "run_switches",
    "set_run_switches",
    "reset_local_data",
    "fidelity_report",
    "close_project",
];

#[test]
fn the_local_run_answers_as_the_ui_expects() {
    let h = Harness::start("local-run", false);
    let call = |cmd: &str, body: Value| h.call(cmd, body);

    call("open_sample_project", json!({})).unwrap();
    // resize with 1024 MB, as its invocation's metrics say below.
    call(
        "apply_manifest_edit",
        json!({ "edit": { "kind": "setMemory", "function": "resize", "memoryMb": 1024 } }),
    )
    .unwrap();

    // How the local run differs from Lambda: the project's items, then one function's.
    let report = call("fidelity_report", json!({ "function": null })).unwrap();
    let items = report.as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|i| i["function"].is_null() && i["area"] == "limits"),
        "{report}"
    );
    let report = call("fidelity_report", json!({ "function": "report" })).unwrap();
    assert!(
        report
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["function"] == "report"
                && i["area"] == "sdk"
                && !i["whatToDo"].as_str().unwrap_or("").is_empty()),
        "{report}"
    );
    assert!(call("fidelity_report", json!({ "function": "nope" })).is_err());

    // Run & Logs: subscribe to every function's log first, so no line of the run is missed.
    assert_eq!(call("run_status", json!({})).unwrap()["running"], false);
    let subscription = call(
        "subscribe_logs",
        json!({ "query": { "function": null, "follow": true }, "onBatch": format!("__CHANNEL__:{LOG_CHANNEL}") }),
    )
    .unwrap();
    assert!(subscription.is_u64(), "{subscription}");
    let samples = call("sample_events", json!({ "function": "resize" })).unwrap();
    let kinds: Vec<&str> = samples
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .filter(|kind| *kind != "more")
        .collect();
    assert_eq!(kinds, ["direct", "http", "storage"]);
    assert!(
        samples
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == "more"
                && s["name"] == "Google Cloud Storage object finalized (CloudEvent)"
                && s["event"].as_str().unwrap().contains("buckets/uploads")),
        "{samples}"
    );
    let http_event = samples[1]["event"].as_str().unwrap().to_owned();
    let saved = call(
        "save_event",
        json!({ "function": "resize", "name": "wide", "event": "{\"queryStringParameters\": {\"width\": \"640\"}}" }),
    )
    .unwrap();
    assert_eq!(saved[0]["name"], "wide");
    assert_eq!(
        call("saved_events", json!({ "function": "resize" })).unwrap(),
        saved
    );
    assert_eq!(
        call(
            "delete_saved_event",
            json!({ "function": "resize", "name": "wide" })
        )
        .unwrap(),
        json!([])
    );

    let status = call("start_run", json!({ "port": 0 })).unwrap();
    assert_eq!(status["running"], true);
    assert_eq!(status["routes"][0]["function"], "resize");
    assert!(
        status["routes"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert_eq!(status["schedules"][0]["next"].as_array().unwrap().len(), 5);
    let invoked = call(
        "invoke_function",
        json!({ "function": "resize", "event": http_event }),
    )
    .unwrap();
    assert_eq!(invoked["coldStart"], true);
    assert_eq!(invoked["functionError"], Value::Null);
    let payload: Value = serde_json::from_str(invoked["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["statusCode"], 200);
    assert_eq!(invoked["metrics"]["memorySizeMb"], 1024);
    let request_id = invoked["requestId"].as_str().unwrap().to_owned();
    let malformed = call(
        "invoke_function",
        json!({ "function": "resize", "event": "{\"a\": }" }),
    )
    .unwrap_err();
    assert_eq!(malformed["code"], "invalid_input");
    assert!(
        malformed["message"]
            .as_str()
            .unwrap()
            .contains("line 1, column 7"),
        "{malformed}"
    );
    let fired = call("fire_schedule", json!({ "function": "report" })).unwrap();
    assert_eq!(fired["functionError"], Value::Null, "{fired}");
    let running = call("run_status", json!({})).unwrap();
    let resize = running["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["function"] == "resize")
        .unwrap()
        .clone();
    assert_eq!(
        (resize["warm"].as_u64(), resize["invocations"].as_u64()),
        (Some(1), Some(1))
    );

    // The invocation's lines arrived over the channel, batched.
    let started = Instant::now();
    let lines = loop {
        let messages = h.messages(LOG_CHANNEL);
        let lines: Vec<Value> = messages
            .iter()
            .flat_map(|m| m["lines"].as_array().cloned().unwrap_or_default())
            .collect();
        if lines.iter().any(|l| {
            l["requestId"] == request_id.as_str()
                && l["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("REPORT RequestId: ")
        }) {
            break lines;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no REPORT line over the channel: {messages:#?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(lines.iter().any(|l| l["function"] == "report"));
    assert!(
        h.messages(LOG_CHANNEL).len() < lines.len(),
        "lines are batched"
    );
    assert_eq!(
        call("unsubscribe_logs", json!({ "id": subscription })).unwrap(),
        true
    );
    assert_eq!(call("stop_run", json!({})).unwrap()["running"], false);
    assert_eq!(
        call("fire_schedule", json!({ "function": "report" })).unwrap_err()["code"],
        "not_running"
    );
    // "Reset local data": the local AWS services' state goes; the run stays stopped.
    let aws_state = h
        .data
        .path()
        .join("samples/thumbnails/.functory/local/aws/state");
    std::fs::create_dir_all(&aws_state).unwrap();
    std::fs::write(aws_state.join("dynamodb.json"), "{}").unwrap();
    assert_eq!(
        call("reset_local_data", json!({})).unwrap()["running"],
        false
    );
    assert!(!aws_state.exists());
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = call(
        "start_run",
        json!({ "port": taken.local_addr().unwrap().port() }),
    )
    .unwrap_err();
    assert_eq!(busy["code"], "port_in_use");

    // The Run view's switches: the sample declares buckets, so the services start (auto); with
    // enforcement off the run says so.
    assert_eq!(
        call("run_switches", json!({})).unwrap(),
        json!({ "awsServices": null, "enforcePermissions": true })
    );
    assert_eq!(
        call(
            "set_run_switches",
            json!({ "switches": { "awsServices": null, "enforcePermissions": false } })
        )
        .unwrap(),
        Value::Null
    );
    let status = call("start_run", json!({ "port": 0 })).unwrap();
    assert_eq!(status["aws"]["permissionsEnforced"], false, "{status}");
    call("stop_run", json!({})).unwrap();
    call(
        "set_run_switches",
        json!({ "switches": { "awsServices": false, "enforcePermissions": true } }),
    )
    .unwrap();

    // Closing the project stops its run; commands then need a project again.
    let status = call("start_run", json!({ "port": 0 })).unwrap();
    assert_eq!(status["aws"], Value::Null, "services off: {status}");
    assert_eq!(call("close_project", json!({})).unwrap(), Value::Null);
    assert_eq!(call("run_status", json!({})).unwrap()["running"], false);
    assert_eq!(
        call("sample_events", json!({ "function": "resize" })).unwrap_err()["code"],
        "no_project"
    );

    h.assert_called_exactly(COMMANDS);
}
