//! Cloud deploys against moto: an AWS target signed in with a keychain account, its identity
//! and capabilities, plans, deploys with progress over a channel, redeploys, versions and
//! rollback, invokes and log tails on the target, and importing a function from AWS.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::support::{CLOUD_LOG_CHANNEL, DEPLOY_CHANNEL, Harness, LOG_CHANNEL, aws_cli};

/// The commands this group covers.
pub const COMMANDS: &[&str] = &[
    "open_sample_project",
    "add_account",
    "read_file",
    "write_file",
    "target_identity",
    "target_capabilities",
    "deploy_plan",
    "deploy_resource_plan",
    "apply_manifest_edit",
    "deploy_functions",
    "redeploy_function",
    "function_versions",
    "rollback_function",
    "invoke_on_target",
    "call_route_on_target",
    "target_log_source",
    "subscribe_target_logs",
    "unsubscribe_logs",
    "remote_functions",
    "import_cloud_function",
];

#[test]
fn cloud_deploys_answer_as_the_ui_expects() {
    let h = Harness::start("cloud", true);
    let call = |cmd: &str, body: Value| h.call(cmd, body);

    call("open_sample_project", json!({})).unwrap();

    // Deploy: an AWS target signed in with a keychain account, against moto.
    h.moto()
        .lambda_without_docker()
        .unwrap_or_else(|error| panic!("{error}"));
    call(
        "add_account",
        json!({ "input": { "kind": "aws-access-key", "name": "deployer", "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
                "secretAccessKey": h.canary, "sessionToken": null, "roleArn": null, "externalId": null, "region": null } }),
    )
    .unwrap();
    let manifest = call("read_file", json!({ "path": "functory.toml" })).unwrap();
    let with_target = format!(
        "{}\n[targets.prod]\nadapter = \"aws\"\nregion = \"us-east-1\"\naccount = \"deployer\"\n",
        manifest["text"].as_str().unwrap()
    );
    call(
        "write_file",
        json!({ "path": "functory.toml", "text": with_target }),
    )
    .unwrap();
    // Whose account the target acts in, before anything changes.
    let identity = call("target_identity", json!({ "target": "prod" })).unwrap();
    assert_eq!(identity["account"], "123456789012", "{identity}");
    assert_eq!(identity["source"], "account `deployer`");
    // What each target's provider can do, for the UI to offer only that.
    let aws = call("target_capabilities", json!({ "target": "prod" })).unwrap();
    assert_eq!(
        (
            aws["kind"].as_str(),
            aws["versions"].as_bool(),
            aws["streamTrigger"].as_bool()
        ),
        (Some("aws"), Some(true), Some(true)),
        "{aws}"
    );
    let local = call("target_capabilities", json!({ "target": "local" })).unwrap();
    assert_eq!(
        (
            local["versions"].as_bool(),
            local["streamTrigger"].as_bool()
        ),
        (Some(false), Some(false)),
        "{local}"
    );
    // The sample declares its two buckets: the deploy would make them, before any function.
    let resources = call("deploy_resource_plan", json!({ "target": "prod" })).unwrap();
    let planned: Vec<(&str, &str, &str)> = resources["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap(),
                c["name"].as_str().unwrap(),
                c["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        planned,
        [
            ("bucket", "uploads", "create"),
            ("bucket", "thumbs", "create")
        ],
        "{resources}"
    );
    // The sample's HTTP route plans as a route of the project's HTTP API (its upload bucket,
    // made outside Functory here, exists in moto and is used as it is).
    aws_cli(h.moto(), &["s3api", "create-bucket", "--bucket", "uploads"]);
    let routed = call(
        "deploy_plan",
        json!({ "target": "prod", "functions": ["resize"] }),
    )
    .unwrap();
    assert!(
        routed[0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "trigger" && c["name"] == "route GET /resize"),
        "{routed}"
    );
    // As a function URL it deploys too; the test goes on with that.
    call(
        "apply_manifest_edit",
        json!({ "edit": { "kind": "updateTrigger", "function": "resize", "index": 0,
                          "trigger": { "kind": "url", "auth": "iam" } } }),
    )
    .unwrap();
    let plans = call(
        "deploy_plan",
        json!({ "target": "prod", "functions": ["resize"] }),
    )
    .unwrap();
    assert_eq!(plans[0]["function"], "resize");
    assert_eq!(plans[0]["noOp"], false);
    assert_eq!(plans[0]["changes"][0]["kind"], "role");
    assert_eq!(plans[0]["changes"][0]["action"], "create");
    let report = call(
        "deploy_functions",
        json!({ "target": "prod", "functions": ["resize"], "onStep": format!("__CHANNEL__:{DEPLOY_CHANNEL}") }),
    )
    .unwrap();
    assert_eq!(report["failed"], Value::Null, "{report}");
    assert_eq!(report["deployed"][0]["version"], "1");
    let steps = h.messages(DEPLOY_CHANNEL);
    assert_eq!(steps.last().unwrap()["label"], "done", "{steps:?}");
    // Role (2), function, version, alias, URL, S3's permission and the bucket's notifications.
    assert_eq!(steps.last().unwrap()["steps"], 8);
    let redeployed = call(
        "redeploy_function",
        json!({ "target": "prod", "function": "resize", "commit": report["commit"], "onStep": format!("__CHANNEL__:{DEPLOY_CHANNEL}") }),
    )
    .unwrap();
    assert_eq!(redeployed["deployed"][0]["version"], "1");
    let versions = call(
        "function_versions",
        json!({ "target": "prod", "function": "resize" }),
    )
    .unwrap();
    assert_eq!(versions[0]["serving"], true);
    let refused = call(
        "rollback_function",
        json!({ "target": "prod", "function": "resize", "version": "5" }),
    )
    .unwrap_err();
    assert_eq!(refused["code"], "invalid_input");
    assert_eq!(
        call(
            "rollback_function",
            json!({ "target": "prod", "function": "resize", "version": "1" }),
        )
        .unwrap(),
        Value::Null
    );
    // Run & Logs on a cloud target: invoke the stage (moto echoes the event), say where the
    // logs come from, and tail them one function at a time.
    let invoked = call(
        "invoke_on_target",
        json!({ "target": "prod", "function": "resize", "event": "{\"width\": 640}", "latest": false, "asynchronous": false }),
    )
    .unwrap();
    assert_eq!(invoked["statusCode"], 200, "{invoked}");
    assert_eq!(invoked["functionError"], Value::Null, "{invoked}");
    // A request through the target's HTTP API: resize's HTTP route became a function URL
    // above, so it has none left, and the call is refused before anything is sent (the UI
    // test sends one through a route).
    let refused = call(
        "call_route_on_target",
        json!({ "target": "prod", "function": "resize", "call": { "method": "GET", "path": "/resize", "headers": [], "body": "" } }),
    )
    .unwrap_err();
    assert_eq!(
        refused,
        json!({ "code": "invalid_input", "message": "function `resize` has no HTTP route: use Invoke instead" })
    );
    let source = call(
        "target_log_source",
        json!({ "target": "prod", "function": "resize" }),
    )
    .unwrap();
    assert!(
        source["description"]
            .as_str()
            .unwrap()
            .contains("/aws/lambda/resize"),
        "{source}"
    );
    let whole_project = call(
        "subscribe_target_logs",
        json!({ "target": "prod", "live": false, "query": { "function": null, "follow": true }, "onBatch": format!("__CHANNEL__:{LOG_CHANNEL}") }),
    )
    .unwrap_err();
    assert_eq!(whole_project["code"], "invalid_input");
    let tail = call(
        "subscribe_target_logs",
        json!({ "target": "prod", "live": false, "query": { "function": "resize", "follow": true }, "onBatch": format!("__CHANNEL__:{LOG_CHANNEL}") }),
    )
    .unwrap();
    assert_eq!(
        call("unsubscribe_logs", json!({ "id": tail })).unwrap(),
        true,
        "a following cloud tail runs until it is ended"
    );
    let unknown = call(
        "deploy_plan",
        json!({ "target": "staging", "functions": [] }),
    )
    .unwrap_err();
    assert_eq!(unknown["code"], "not_found");

    // Import from AWS: a function deployed by other means is listed and imported.
    let zip = h.data.path().join("legacy.zip");
    let zipped = std::process::Command::new(functory_api::aws::moto::venv_dir().join("bin/python"))
        .args([
            "-c",
            "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], 'w'); z.writestr('app.py', 'def handler(e, c):' + chr(10) + '    return 1' + chr(10)); z.close()",
        ])
        .arg(&zip)
        .status()
        .expect("python runs");
    assert!(zipped.success());
    aws_cli(
        h.moto(),
        &[
            "lambda",
            "create-function",
            "--function-name",
            "legacy",
            "--runtime",
            "python3.12",
            "--handler",
            "app.handler",
            "--role",
            "arn:aws:iam::123456789012:role/functory-thumbnails-prod-resize",
            "--zip-file",
            &format!("fileb://{}", zip.display()),
        ],
    );
    let remote = call("remote_functions", json!({ "target": "prod" })).unwrap();
    let names: Vec<&str> = remote
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["legacy", "resize"], "{remote}");
    let taken = call(
        "import_cloud_function",
        json!({ "target": "prod", "function": "resize", "overwrite": false }),
    )
    .unwrap_err();
    assert_eq!(taken["code"], "already_exists", "{taken}");
    let imported = call(
        "import_cloud_function",
        json!({ "target": "prod", "function": "legacy", "overwrite": false }),
    )
    .unwrap();
    assert_eq!(imported["report"]["function"], "legacy");
    assert_eq!(imported["report"]["codeDir"], "legacy");
    assert_eq!(
        imported["report"]["imported"][0],
        json!({ "subject": "configuration", "message": "python3.12 app.handler, 128 MB, 3 s" })
    );
    let legacy = imported["project"]["manifest"]["manifest"]["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "legacy")
        .cloned()
        .expect("the imported function");
    assert_eq!(legacy["codeDir"], "legacy");
    // moto's code location is outside its endpoint, so the code was not downloaded (the
    // report says so); the user puts the file in place.
    assert!(
        imported["report"]["notImported"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["subject"] == "code"),
        "{imported}"
    );
    call(
        "write_file",
        json!({ "path": "legacy/app.py", "text": "def handler(e, c):\n    return 1\n" }),
    )
    .unwrap();

    // Cloud logs over a channel: polled, the stored lines (none) then the end.
    let id = call(
        "subscribe_target_logs",
        json!({ "target": "prod", "live": false,
                "query": { "function": "resize", "follow": false },
                "onBatch": format!("__CHANNEL__:{CLOUD_LOG_CHANNEL}") }),
    )
    .unwrap();
    assert!(id.as_u64().is_some(), "{id}");
    let started = Instant::now();
    while h.messages(CLOUD_LOG_CHANNEL).is_empty() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        h.messages(CLOUD_LOG_CHANNEL),
        [json!({ "lines": [], "ended": true, "error": null })]
    );
    // Live: resize has written no line, so there is no log group to tail yet; said in the
    // subscription's answer.
    let no_group = call(
        "subscribe_target_logs",
        json!({ "target": "prod", "live": true,
                "query": { "function": "resize", "follow": true },
                "onBatch": format!("__CHANNEL__:{CLOUD_LOG_CHANNEL}") }),
    )
    .unwrap_err();
    assert_eq!(no_group["code"], "not_found", "{no_group}");

    h.assert_called_exactly(COMMANDS);
}
