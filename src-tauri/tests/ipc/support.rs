//! What every group of the IPC test shares: an app of its own on Tauri's mock runtime with a
//! session of its own, calls made as the UI makes them and recorded, the messages of the
//! channels the tests subscribe with, and the moto helpers.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use functory_api::account_test::SignInEndpoints;
use functory_api::accounts::Accounts;
use functory_api::aws::moto::MotoServer;
use functory_api::vault::Namespace;
use functory_app::commands::HOST_COMMANDS;
use functory_app::{LaunchRequest, Session, configure};
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody, InvokeResponseBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

/// The callback id the test gives the log subscription's channel.
pub const LOG_CHANNEL: u32 = 4242;
/// The callback id of the deploy's progress channel.
pub const DEPLOY_CHANNEL: u32 = 4343;
/// The callback id of the cloud log subscription's channel.
pub const CLOUD_LOG_CHANNEL: u32 = 4444;
/// The channels whose messages are kept, as the webview would receive them.
const CHANNELS: [u32; 3] = [LOG_CHANNEL, DEPLOY_CHANNEL, CLOUD_LOG_CHANNEL];

/// One app with its window and a session of its own: a temporary data folder, a keychain
/// namespace of its own, and (when asked) a moto server of its own. Every call is recorded, and
/// none may answer with the canary secret.
pub struct Harness {
    window: WebviewWindow<MockRuntime>,
    _app: App<MockRuntime>,
    exercised: RefCell<BTreeSet<String>>,
    messages: Arc<Mutex<HashMap<u32, Vec<Value>>>>,
    /// A secret that must never come back out of any command.
    pub canary: String,
    moto: Option<MotoServer>,
    pub data: tempfile::TempDir,
}

impl Harness {
    /// Starts the app of the command group `group`; with `moto`, "Test account" and deploys
    /// call a real moto server (scripts/python-venv.sh installs it).
    pub fn start(group: &str, moto: bool) -> Harness {
        let data = tempfile::tempdir().expect("a temporary data folder");
        // Accounts go to a real Secret Service (npm test starts one), in a namespace of this
        // run and group.
        let namespace =
            Namespace::custom(format!("functory-ipc-test-{}-{group}", std::process::id()));
        let moto = moto.then(|| MotoServer::start().unwrap_or_else(|error| panic!("{error}")));
        let accounts = match &moto {
            Some(moto) => {
                Accounts::in_namespace(namespace).with_sign_in_endpoints(SignInEndpoints {
                    aws_endpoint_url: Some(moto.endpoint_url()),
                    azure_authority_host: None,
                    ..SignInEndpoints::default()
                })
            }
            None => Accounts::in_namespace(namespace),
        };
        let session = Session::with_accounts(data.path(), LaunchRequest::Nothing, accounts);
        let messages: Arc<Mutex<HashMap<u32, Vec<Value>>>> = Arc::default();
        let received = messages.clone();
        let builder =
            mock_builder().channel_interceptor(move |_webview, callback, _index, body| {
                let Some(channel) = CHANNELS.into_iter().find(|c| callback == CallbackFn(*c))
                else {
                    return false;
                };
                let InvokeResponseBody::Json(json) = body else {
                    panic!("channel messages are JSON");
                };
                let message = serde_json::from_str(json).expect("a channel message is JSON");
                received
                    .lock()
                    .expect("the messages lock")
                    .entry(channel)
                    .or_default()
                    .push(message);
                true
            });
        let app = configure(builder, LaunchRequest::Nothing, Some(session))
            .build(mock_context(noop_assets()))
            .expect("the app builds");
        let window = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("the window builds");
        Harness {
            window,
            _app: app,
            exercised: RefCell::default(),
            messages,
            canary: format!("CANARY-{}-wJalrXUtnFEMI", std::process::id()),
            moto,
            data,
        }
    }

    /// Calls `cmd` as the UI does and records it; no answer may carry the canary.
    pub fn call(&self, cmd: &str, body: Value) -> Result<Value, Value> {
        self.exercised.borrow_mut().insert(cmd.to_owned());
        let response = invoke(&self.window, cmd, body);
        let text = match &response {
            Ok(value) | Err(value) => value.to_string(),
        };
        assert!(
            !text.contains(&self.canary),
            "{cmd} answered with the secret: {text}"
        );
        response
    }

    /// Calls `cmd` without recording it (a command that is not registered).
    pub fn call_unrecorded(&self, cmd: &str, body: Value) -> Result<Value, Value> {
        invoke(&self.window, cmd, body)
    }

    /// The messages `channel` has received so far.
    pub fn messages(&self, channel: u32) -> Vec<Value> {
        self.messages
            .lock()
            .expect("the messages lock")
            .get(&channel)
            .cloned()
            .unwrap_or_default()
    }

    /// The group's moto server.
    pub fn moto(&self) -> &MotoServer {
        self.moto.as_ref().expect("the group started moto")
    }

    /// The group called exactly the commands it declares.
    pub fn assert_called_exactly(&self, commands: &[&str]) {
        let declared: BTreeSet<String> = commands.iter().map(|c| c.to_string()).collect();
        assert_eq!(*self.exercised.borrow(), declared);
    }
}

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

/// The `aws` CLI of the moto venv, against `moto`.
pub fn aws_cli(moto: &MotoServer, args: &[&str]) {
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

pub async fn tokio_sleep(duration: Duration) {
    // Sleeps off the async runtime's worker threads, so the run's tasks keep going meanwhile.
    tauri::async_runtime::spawn_blocking(move || std::thread::sleep(duration))
        .await
        .expect("the sleeping task");
}
