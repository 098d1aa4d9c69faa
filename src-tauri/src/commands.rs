//! The IPC commands. The app's commands are listed once, in `functory_api::ipc`; the webview
//! reaches every one of them through the single `call` command here, which forwards the name,
//! the arguments and, for streaming commands, a channel. Only what needs the window stays
//! here: the native folder dialog and the "window is usable" notice the startup benchmark
//! reads.

use std::sync::Arc;

use functory_api::ApiError;
use functory_api::ipc::{self, ChannelSink};
use functory_api::session::Session;
use serde_json::Value;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::DialogExt;

use crate::Launch;

/// The commands of the window itself, besides the api's (`functory_api::ipc::COMMAND_NAMES`).
pub const HOST_COMMANDS: &[&str] = &["call", "call_streaming", "pick_folder", "ui_ready"];

pub fn handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![call, call_streaming, pick_folder, ui_ready]
}

/// A Tauri channel as the api's streaming commands send on it.
struct WebviewChannel(Channel<Value>);

/// `channel` as the sink a streaming api command sends on; a failed send (the webview is gone)
/// answers false, which ends the stream.
pub fn webview_channel(channel: Channel<Value>) -> Arc<dyn ChannelSink> {
    Arc::new(WebviewChannel(channel))
}

impl ChannelSink for WebviewChannel {
    fn send(&self, message: Value) -> bool {
        self.0.send(message).is_ok()
    }
}

/// Runs one api command: `command` is its name, `args` its arguments (camelCase keys).
/// Errors cross as `{code, message}`.
#[tauri::command]
async fn call(
    session: State<'_, Arc<Session>>,
    command: String,
    args: Option<Value>,
) -> Result<Value, ApiError> {
    ipc::dispatch(
        session.inner().clone(),
        &command,
        args.unwrap_or(Value::Null),
        None,
    )
    .await
}

/// Runs a streaming api command, which sends its messages (log batches, deploy steps) on
/// `channel` as well as answering.
#[tauri::command]
async fn call_streaming(
    session: State<'_, Arc<Session>>,
    command: String,
    args: Option<Value>,
    channel: Channel<Value>,
) -> Result<Value, ApiError> {
    ipc::dispatch(
        session.inner().clone(),
        &command,
        args.unwrap_or(Value::Null),
        Some(webview_channel(channel)),
    )
    .await
}

/// The native folder picker. Runs off the main thread (async command) so it may block.
#[tauri::command]
async fn pick_folder<R: Runtime>(app: AppHandle<R>) -> Result<Option<String>, ApiError> {
    Ok(app
        .dialog()
        .file()
        .blocking_pick_folder()
        .map(|path| path.to_string()))
}

#[tauri::command]
fn ui_ready(launch: State<'_, Launch>) {
    launch.report_ready();
}
