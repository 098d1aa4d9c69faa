//! Every IPC command is registered, takes the payload the UI sends, and answers with JSON of
//! the shape the UI expects — errors as `{code, message}` — on Tauri's mock runtime.
//!
//! One test per command group, each with an app and a session of its own, declaring the
//! commands it covers and calling exactly those; together the groups cover every command.

mod accounts;
mod cloud;
mod history;
mod local_run;
mod projects;
mod security;
mod support;
mod triggers;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use functory_api::ipc::COMMAND_NAMES;
use functory_app::commands::HOST_COMMANDS;
use functory_app::{LaunchRequest, Session};
use serde_json::{Value, json};

use support::tokio_sleep;

/// Every command group's commands.
const GROUPS: &[&[&str]] = &[
    projects::COMMANDS,
    accounts::COMMANDS,
    history::COMMANDS,
    local_run::COMMANDS,
    security::COMMANDS,
    cloud::COMMANDS,
    triggers::COMMANDS,
];

#[test]
fn the_groups_cover_every_command() {
    // `pick_folder` opens a native dialog, which the mock runtime cannot show; `call` and
    // `call_streaming` carry every other command of the api.
    let mut expected: Vec<_> = COMMAND_NAMES
        .iter()
        .chain(HOST_COMMANDS)
        .filter(|c| !["pick_folder", "call", "call_streaming"].contains(*c))
        .map(|c| c.to_string())
        .collect();
    expected.sort();
    let mut covered: Vec<String> = GROUPS
        .iter()
        .flat_map(|commands| commands.iter().map(|c| c.to_string()))
        .collect();
    covered.sort();
    covered.dedup();
    assert_eq!(covered, expected);
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
