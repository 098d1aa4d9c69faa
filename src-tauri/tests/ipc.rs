//! Every IPC command is registered, takes the payload the UI sends, and answers with JSON of
//! the shape the UI expects — errors as `{code, message}` — on Tauri's mock runtime.

use functory_api::account_test::SignInEndpoints;
use functory_api::accounts::Accounts;
use functory_api::aws::moto::MotoServer;
use functory_api::ipc::COMMAND_NAMES;
use functory_api::vault::Namespace;
use functory_app::commands::HOST_COMMANDS;
use functory_app::{LaunchRequest, Session, configure};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tauri::ipc::{CallbackFn, InvokeBody, InvokeResponseBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

/// The callback id the test gives the log subscription's channel.
const LOG_CHANNEL: u32 = 4242;
/// The callback id of the deploy's progress channel.
const DEPLOY_CHANNEL: u32 = 4343;
/// The callback id of the cloud log subscription's channel.
const CLOUD_LOG_CHANNEL: u32 = 4444;

/// Calls `cmd` as the UI does: the window's own commands directly, the api's through `call`
/// (with a streaming command's `onBatch`/`onStep` channel as the call's channel).
fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, body: Value) -> Result<Value, Value> {
    let (cmd, body) = if HOST_COMMANDS.contains(&cmd) {
        (cmd.to_owned(), body)
    } else {
        let mut args = body;
        let channel = args
            .as_object_mut()
            .and_then(|a| a.remove("onBatch").or_else(|| a.remove("onStep")));
        match channel {
            Some(channel) => (
                "call_streaming".to_owned(),
                json!({ "command": cmd, "args": args, "channel": channel }),
            ),
            None => ("call".to_owned(), json!({ "command": cmd, "args": args })),
        }
    };
    let request = InvokeRequest {
        cmd,
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
    // Accounts go to a real Secret Service (npm test starts one), in a namespace of this run.
    let namespace = Namespace::custom(format!("functory-ipc-test-{}", std::process::id()));
    // "Test account" calls AWS STS: here a real moto server (scripts/python-venv.sh installs it).
    let moto = MotoServer::start().unwrap_or_else(|error| panic!("{error}"));
    let session = Session::with_accounts(
        data.path(),
        LaunchRequest::Nothing,
        Accounts::in_namespace(namespace).with_sign_in_endpoints(SignInEndpoints {
            aws_endpoint_url: Some(moto.endpoint_url()),
            azure_authority_host: None,
            ..SignInEndpoints::default()
        }),
    );
    // What the log subscription sends over its channel, as the webview would receive it.
    let log_messages: Arc<Mutex<Vec<Value>>> = Arc::default();
    let received = log_messages.clone();
    // What the deploy's progress channel sends.
    let deploy_steps: Arc<Mutex<Vec<Value>>> = Arc::default();
    let steps_received = deploy_steps.clone();
    // What the cloud log subscription sends.
    let cloud_batches: Arc<Mutex<Vec<Value>>> = Arc::default();
    let cloud_received = cloud_batches.clone();
    let builder = mock_builder().channel_interceptor(move |_webview, callback, _index, body| {
        let sink = if callback == CallbackFn(LOG_CHANNEL) {
            &received
        } else if callback == CallbackFn(DEPLOY_CHANNEL) {
            &steps_received
        } else if callback == CallbackFn(CLOUD_LOG_CHANNEL) {
            &cloud_received
        } else {
            return false;
        };
        let InvokeResponseBody::Json(json) = body else {
            panic!("channel messages are JSON");
        };
        let message = serde_json::from_str(json).expect("a channel message is JSON");
        sink.lock().expect("the messages lock").push(message);
        true
    });
    let app = configure(builder, LaunchRequest::Nothing, Some(session))
        .build(mock_context(noop_assets()))
        .unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    let mut exercised = vec![];
    // A secret that must never come back out of any command.
    let canary = format!("CANARY-{}-wJalrXUtnFEMI", std::process::id());
    let mut call = |cmd: &str, body: Value| {
        exercised.push(cmd.to_owned());
        let response = invoke(&window, cmd, body);
        let text = match &response {
            Ok(value) | Err(value) => value.to_string(),
        };
        assert!(
            !text.contains(&canary),
            "{cmd} answered with the secret: {text}"
        );
        response
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

    // Accounts: the secret goes in once and never comes back.
    let sample = call("open_sample_project", json!({})).unwrap();
    let added = call(
        "add_account",
        json!({ "input": { "kind": "aws-access-key", "name": "dev", "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
                "secretAccessKey": canary, "sessionToken": null, "roleArn": null, "externalId": null, "region": "eu-west-1" } }),
    )
    .unwrap();
    assert_eq!(added["details"]["accessKeyId"], "AKIAIOSFODNN7EXAMPLE");
    let updated = call(
        "update_account",
        json!({ "input": { "kind": "aws-access-key", "name": "dev", "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
                "secretAccessKey": "", "sessionToken": null, "roleArn": null, "externalId": null, "region": "us-east-1" } }),
    )
    .unwrap();
    assert_eq!(updated["details"]["region"], "us-east-1");
    assert_eq!(
        call("rename_account", json!({ "from": "dev", "to": "staging" })).unwrap(),
        Value::Null
    );
    let listed = call("list_accounts", json!({})).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["name"], "staging");
    let bad = call(
        "add_account",
        json!({ "input": { "kind": "gcp-service-account", "name": "g", "keyJson": "{" } }),
    )
    .unwrap_err();
    assert_eq!(bad["code"], "invalid_input");
    let tested = call("test_account", json!({ "name": "staging" })).unwrap();
    assert_eq!(tested["ok"], true, "{tested}");
    assert_eq!(tested["call"], "STS GetCallerIdentity");
    assert!(tested["identity"].as_str().unwrap().starts_with("arn:aws:"));
    assert!(tested["durationMs"].is_u64());
    assert_eq!(
        call("test_account", json!({ "name": "nope" })).unwrap_err()["code"],
        "not_found"
    );
    let profile = call(
        "test_aws_profile",
        json!({ "profile": format!("functory-ipc-missing-{}", std::process::id()) }),
    )
    .unwrap();
    assert_eq!(profile["ok"], false);
    assert!(profile["errorCode"].is_string() && profile["message"].is_string());
    assert!(call("list_aws_profiles", json!({})).unwrap().is_array());
    let missing = call(
        "set_target_credentials",
        json!({ "target": "local", "profile": null, "account": "nope" }),
    )
    .unwrap_err();
    assert_eq!(missing["code"], "not_found");
    let chosen = call(
        "set_target_credentials",
        json!({ "target": "local", "profile": null, "account": "staging" }),
    )
    .unwrap();
    assert_eq!(
        chosen["manifest"]["manifest"]["targets"][0]["account"],
        "staging"
    );
    assert_eq!(
        call("remove_account", json!({ "name": "staging" })).unwrap(),
        Value::Null
    );
    assert_eq!(call("list_accounts", json!({})).unwrap(), json!([]));
    assert_eq!(sample["name"], "thumbnails");

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
        let messages = log_messages.lock().expect("the messages lock").clone();
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
        log_messages.lock().expect("the messages lock").len() < lines.len(),
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
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = call(
        "start_run",
        json!({ "port": taken.local_addr().unwrap().port() }),
    )
    .unwrap_err();
    assert_eq!(busy["code"], "port_in_use");
    // Security: lint the sample with a policy added, preview and apply fixes.
    call(
        "write_file",
        json!({
            "path": "policies/read.json",
            "text": "{\"Version\": \"2008-10-17\", \"Statement\": [{\"Effect\": \"allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::b/*\"}]}\n"
        }),
    )
    .unwrap();
    let report = call("lint_project", json!({})).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let by_code = |code: &str| {
        findings
            .iter()
            .find(|f| f["file"] == "policies/read.json" && f["code"] == code)
            .unwrap_or_else(|| panic!("{code} in {report}"))
            .clone()
    };
    let effect = by_code("IAM004");
    assert_eq!(effect["fix"]["applicability"], "safe");
    assert_eq!(effect["line"], 1);
    let version = by_code("IAM002");
    let refused = call(
        "apply_lint_fix",
        json!({ "findingId": version["id"], "confirm": false }),
    )
    .unwrap_err();
    assert_eq!(refused["code"], "invalid_input");
    let preview = call("preview_lint_fix", json!({ "findingId": version["id"] })).unwrap();
    assert!(
        preview["diff"]
            .as_str()
            .unwrap()
            .contains("+{\"Version\": \"2012-10-17\""),
        "{preview}"
    );
    call(
        "apply_lint_fix",
        json!({ "findingId": effect["id"], "confirm": false }),
    )
    .unwrap();
    let fixed = call("read_file", json!({ "path": "policies/read.json" })).unwrap();
    assert!(fixed["text"].as_str().unwrap().contains("\"Allow\""));
    let docs = call("lint_rule_docs", json!({})).unwrap();
    assert!(
        docs.as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "IAM002")
    );

    // Code-aware least privilege: every function of the sample analysed.
    let analysis = call("analyze_project", json!({})).unwrap();
    let analysed: Vec<&str> = analysis["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["analysis"]["function"].as_str().unwrap())
        .collect();
    assert_eq!(analysed, ["resize", "report", "hello"], "{analysis}");
    // The function made from the Python template above parses, and its handler is found.
    let hello = &analysis["functions"][2];
    assert_eq!(
        hello["analysis"]["files"][0]["parseProblems"],
        json!([]),
        "{hello}"
    );
    assert_eq!(
        hello["analysis"]["handler"]["problems"],
        json!([]),
        "{hello}"
    );

    // The least-privilege panel: a handler that lists the uploads bucket (not granted) and
    // writes thumbnails (granted), analysed, explained and fixed through the commands.
    let resize = call("read_file", json!({ "path": "src/resize.mjs" })).unwrap();
    let with_sdk = format!(
        "import {{ S3Client, ListObjectsV2Command, PutObjectCommand }} from \"@aws-sdk/client-s3\";\nconst s3 = new S3Client({{}});\nexport async function store(key, body) {{\n  await s3.send(new ListObjectsV2Command({{ Bucket: \"uploads\" }}));\n  await s3.send(new PutObjectCommand({{ Bucket: process.env.THUMBS_BUCKET, Key: key, Body: body }}));\n}}\n{}",
        resize["text"].as_str().unwrap()
    );
    call(
        "write_file",
        json!({ "path": "src/resize.mjs", "text": with_sdk }),
    )
    .unwrap();
    let analysed = call("analyze_function", json!({ "function": "resize" })).unwrap();
    let missing: Vec<&str> = analysed["analysis"]["comparison"]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["action"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["s3:ListBucket"], "{analysed}");
    let unused: Vec<&str> = analysed["analysis"]["comparison"]["unused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["action"].as_str().unwrap())
        .collect();
    assert_eq!(unused, ["s3:GetObject"], "{analysed}");
    let outline = call("outline_file", json!({ "path": "src/resize.mjs" })).unwrap();
    let names: Vec<&str> = outline["outline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"store") && names.contains(&"handler"),
        "{outline}"
    );
    let help = call(
        "explain_access_denied",
        json!({ "function": "resize", "text": "AccessDenied: User: arn:aws:sts::123456789012:assumed-role/thumbnails-resize/resize is not authorized to perform: s3:ListBucket on resource: \"arn:aws:s3:::uploads\" because no identity-based policy allows the s3:ListBucket action" }),
    )
    .unwrap();
    assert_eq!(
        help["explanation"]["denied"]["action"], "s3:ListBucket",
        "{help}"
    );
    assert_eq!(
        help["explanation"]["calls"][0]["location"]["line"], 4,
        "{help}"
    );
    let proposal = help["preview"]["permissions"].clone();
    assert!(
        help["preview"]["diff"]
            .as_str()
            .unwrap()
            .contains("s3:ListBucket"),
        "{help}"
    );
    call(
        "set_permissions",
        json!({ "function": "resize", "permissions": proposal }),
    )
    .unwrap();
    let policy = call("preview_generated_policy", json!({ "function": "resize" })).unwrap();
    assert!(
        policy["diff"]
            .as_str()
            .unwrap()
            .contains("-actions = [\"s3:GetObject\"]"),
        "{policy}"
    );
    call(
        "set_permissions",
        json!({ "function": "resize", "permissions": policy["permissions"] }),
    )
    .unwrap();
    let after = call("analyze_function", json!({ "function": "resize" })).unwrap();
    assert_eq!(
        after["analysis"]["comparison"],
        json!({ "missing": [], "unused": [] }),
        "{after}"
    );
    let manifest_now = call("read_file", json!({ "path": "functory.toml" })).unwrap();
    assert!(
        manifest_now["text"]
            .as_str()
            .unwrap()
            .contains("# images up to 20 MB fit comfortably"),
        "comments survive the permission edits"
    );

    // Deploy: an AWS target signed in with a keychain account, against moto.
    moto.lambda_without_docker()
        .unwrap_or_else(|error| panic!("{error}"));
    call(
        "add_account",
        json!({ "input": { "kind": "aws-access-key", "name": "deployer", "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
                "secretAccessKey": canary, "sessionToken": null, "roleArn": null, "externalId": null, "region": null } }),
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
    // The sample's HTTP route plans as a route of the project's HTTP API (its upload bucket
    // exists in moto).
    aws_cli(&moto, &["s3api", "create-bucket", "--bucket", "uploads"]);
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
    let steps = deploy_steps.lock().unwrap().clone();
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
    let zip = data.path().join("legacy.zip");
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
        &moto,
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
            "arn:aws:iam::123456789012:role/functory-thumbnails-resize",
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
    while cloud_batches.lock().unwrap().is_empty() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        cloud_batches.lock().unwrap().clone(),
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
    // The sample's route again, for the trigger checks below.
    call(
        "apply_manifest_edit",
        json!({ "edit": { "kind": "updateTrigger", "function": "resize", "index": 0,
                          "trigger": { "kind": "http", "method": "GET", "path": "/resize" } } }),
    )
    .unwrap();
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
        json!({ "kind": "bucket", "name": "thumbs", "actions": ["s3:PutObject"], "sources": ["permission"] })
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

    // A payload missing a field is refused with a message, not a crash.
    assert!(call("read_file", json!({})).is_err());

    // Closing the project stops its run; commands then need a project again.
    call("start_run", json!({ "port": 0 })).unwrap();
    assert_eq!(call("close_project", json!({})).unwrap(), Value::Null);
    assert_eq!(call("run_status", json!({})).unwrap()["running"], false);
    assert_eq!(
        call("sample_events", json!({ "function": "resize" })).unwrap_err()["code"],
        "no_project"
    );

    // `pick_folder` opens a native dialog, which the mock runtime cannot show; every other
    // command was exercised above.
    let mut expected: Vec<_> = COMMAND_NAMES
        .iter()
        .chain(HOST_COMMANDS)
        .filter(|c| !["pick_folder", "call", "call_streaming"].contains(*c))
        .map(|c| c.to_string())
        .collect();
    expected.sort();
    exercised.sort();
    exercised.dedup();
    assert_eq!(exercised, expected);
    // And an unregistered command is refused, so the calls above did reach registered ones.
    assert!(invoke(&window, "no_such_command", json!({})).is_err());
}

/// A channel whose messages can no longer be delivered (its webview is gone) ends the
/// subscription on the next batch, so no tail keeps reading for nobody.
#[test]
fn a_log_subscription_ends_when_its_channel_fails() {
    let data = tempfile::tempdir().unwrap();
    let session = Arc::new(Session::new(data.path(), LaunchRequest::Nothing));
    session.open_sample_project().unwrap();
    let attempts = Arc::new(Mutex::new(0));
    let counted = attempts.clone();
    let gone = tauri::ipc::Channel::<Value>::new(move |_| {
        *counted.lock().expect("the attempts lock") += 1;
        Err(tauri::Error::WebviewNotFound)
    });
    tauri::async_runtime::block_on(async {
        let id = functory_api::ipc::dispatch(
            session.clone(),
            "subscribe_logs",
            json!({ "query": { "follow": true } }),
            Some(functory_app::commands::webview_channel(gone)),
        )
        .await
        .unwrap();
        let id = u32::try_from(id.as_u64().unwrap()).unwrap();
        session.start_run(Some(0)).await.unwrap();
        session.invoke_function("resize", "{}").await.unwrap();
        let started = Instant::now();
        while *attempts.lock().expect("the attempts lock") == 0
            && started.elapsed() < Duration::from_secs(10)
        {
            tokio_sleep(Duration::from_millis(20)).await;
        }
        // The first failed send ended it: a second invoke sends nothing more.
        tokio_sleep(Duration::from_millis(200)).await;
        session.invoke_function("resize", "{}").await.unwrap();
        tokio_sleep(Duration::from_millis(400)).await;
        assert_eq!(*attempts.lock().expect("the attempts lock"), 1);
        assert!(!session.unsubscribe_logs(id), "the subscription had ended");
        session.stop_run();
    });
}

/// The `aws` CLI of the moto venv, against `moto`.
fn aws_cli(moto: &MotoServer, args: &[&str]) {
    let binary = functory_api::aws::moto::venv_dir().join("bin/aws");
    let output = std::process::Command::new(&binary)
        .args(args)
        .args([
            "--endpoint-url",
            &moto.endpoint_url(),
            "--region",
            "us-east-1",
        ])
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "not-a-secret")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap_or_else(|e| panic!("{} does not run ({e})", binary.display()));
    assert!(
        output.status.success(),
        "aws {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn tokio_sleep(duration: Duration) {
    // Sleeps off the async runtime's worker threads, so the run's tasks keep going meanwhile.
    tauri::async_runtime::spawn_blocking(move || std::thread::sleep(duration))
        .await
        .expect("the sleeping task");
}
