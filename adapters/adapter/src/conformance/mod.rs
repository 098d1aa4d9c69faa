//! The conformance suite: one `pub async fn` per behaviour every adapter must show, each taking
//! the adapter under test and a [`Fixture`] project. An adapter's own tests call them (or
//! [`run_all`]) against its backend: the local runtime directly, clouds against emulators.
//!
//! Functions panic with a message naming the behaviour when the adapter falls short, like
//! `assert!` does, so a failing behaviour reads as a failing test.

mod capabilities;

pub use capabilities::{
    concurrency_is_as_declared, trigger_kinds_are_as_declared, versions_and_stages_are_as_declared,
};

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use functory_core::{Function, Manifest, ProjectFiles, parse_manifest};
use futures_util::StreamExt;

use crate::{
    Adapter, AdapterError, DeleteOptions, DeployOptions, DescribeOptions, InvocationType,
    InvokeOptions, ListOptions, LogEvent, LogFilter, TailOptions,
};

/// How long cloud backends may take to make logs visible; the local runtime needs none of it.
const LOG_VISIBILITY: Duration = Duration::from_secs(15);

const MANIFEST: &str = r#"[project]
name = "conformance"

[targets.local]
adapter = "local"

[functions.echo]
runtime = "nodejs24.x"
handler = "node/echo.handler"
memory_mb = 128
timeout_s = 10
environment = { GREETING = "hello from the fixture" }

[functions.pyecho]
runtime = "python3.11"
handler = "python/echo.handler"
timeout_s = 10

[functions.fails]
runtime = "nodejs24.x"
handler = "node/fails.handler"
timeout_s = 10
"#;

const NODE_ECHO: &str = r#"// Echoes the event with what the context and environment say.
exports.handler = async (event, context) => {
  console.log(`echo saw ${JSON.stringify(event)}`);
  return {
    echo: event,
    requestId: context.awsRequestId,
    functionName: context.functionName,
    remainingPositive: context.getRemainingTimeInMillis() > 0,
    greeting: process.env.GREETING,
  };
};
"#;

const PYTHON_ECHO: &str = r#"# Echoes the event with what the context says.
def handler(event, context):
    print(f"pyecho saw {event!r}")
    return {
        "echo": event,
        "requestId": context.aws_request_id,
        "functionName": context.function_name,
        "remainingPositive": context.get_remaining_time_in_millis() > 0,
    }
"#;

const NODE_FAILS: &str = r#"// Always fails, with a recognisable type and message.
exports.handler = async () => {
  throw new TypeError("the fixture failed on purpose");
};
"#;

/// A small project with a Node echo function (`echo`), a Python echo function (`pyecho`) and a
/// Node function that always throws (`fails`).
#[derive(Debug, Clone)]
pub struct Fixture {
    pub root: PathBuf,
    pub manifest: Manifest,
}

struct DiskFiles<'a>(&'a Path);

impl ProjectFiles for DiskFiles<'_> {
    fn is_file(&self, relative: &str) -> bool {
        self.0.join(relative).is_file()
    }
}

impl Fixture {
    /// Writes the fixture project into `dir` (which should be empty) and parses it.
    pub fn write(dir: &Path) -> std::io::Result<Fixture> {
        std::fs::create_dir_all(dir.join("node"))?;
        std::fs::create_dir_all(dir.join("python"))?;
        std::fs::write(dir.join("functory.toml"), MANIFEST)?;
        std::fs::write(dir.join("node/echo.js"), NODE_ECHO)?;
        std::fs::write(dir.join("node/fails.js"), NODE_FAILS)?;
        std::fs::write(dir.join("python/echo.py"), PYTHON_ECHO)?;
        let parsed = parse_manifest(MANIFEST, "functory.toml", &DiskFiles(dir));
        let manifest = match parsed.manifest {
            Some(manifest) if !parsed.has_errors() => manifest,
            _ => {
                return Err(std::io::Error::other(format!(
                    "the fixture manifest does not validate: {:?}",
                    parsed.diagnostics
                )));
            }
        };
        Ok(Fixture {
            root: dir.to_owned(),
            manifest,
        })
    }

    pub fn function(&self, name: &str) -> Function {
        self.manifest
            .functions
            .iter()
            .find(|f| f.name == name)
            .cloned()
            .unwrap_or_else(|| panic!("the fixture has no function `{name}`"))
    }

    pub fn deploy_options(&self, name: &str) -> DeployOptions {
        DeployOptions::new(&self.root, self.function(name))
    }
}

async fn deploy(adapter: &dyn Adapter, fixture: &Fixture, name: &str) {
    if let Err(error) = adapter.deploy(fixture.deploy_options(name)).await {
        panic!("deploying `{name}` failed: {error}");
    }
}

pub(crate) fn unique_marker() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("conformance-{nanos}")
}

/// Reads stored logs (not following) until `done` holds or the visibility window passes.
async fn logs_until(
    adapter: &dyn Adapter,
    options: &TailOptions,
    done: impl Fn(&[LogEvent]) -> bool,
) -> Vec<LogEvent> {
    let started = Instant::now();
    loop {
        let mut events = Vec::new();
        match adapter.tail_logs(options.clone()).await {
            Ok(mut stream) => {
                while let Some(event) = stream.next().await {
                    match event {
                        Ok(event) => events.push(event),
                        Err(error) => panic!("reading logs failed: {error}"),
                    }
                }
            }
            Err(error) => panic!("tail_logs failed: {error}"),
        }
        if done(&events) || started.elapsed() > LOG_VISIBILITY {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A deployed function is listed, with its runtime and limits.
pub async fn deploy_creates_a_listed_function(adapter: &dyn Adapter, fixture: &Fixture) {
    deploy(adapter, fixture, "echo").await;
    let listed = adapter
        .list(ListOptions::default())
        .await
        .expect("list after deploy");
    let echo = listed
        .iter()
        .find(|f| f.name == "echo")
        .unwrap_or_else(|| panic!("`echo` is not listed after deploy: {listed:?}"));
    assert_eq!(echo.runtime, "nodejs24.x");
    assert_eq!(echo.memory_mb, 128);
    let filtered = adapter
        .list(ListOptions {
            prefix: Some("no-such-prefix".into()),
        })
        .await
        .expect("list with prefix");
    assert!(
        filtered.is_empty(),
        "the prefix filter was ignored: {filtered:?}"
    );
}

/// `describe` tells what was deployed; environment values are not disclosed, only names.
pub async fn describe_reports_the_deployed_configuration(adapter: &dyn Adapter, fixture: &Fixture) {
    deploy(adapter, fixture, "echo").await;
    let description = adapter
        .describe(DescribeOptions::new("echo"))
        .await
        .expect("describe after deploy");
    assert_eq!(description.summary.name, "echo");
    assert_eq!(description.handler, "node/echo.handler");
    assert_eq!(description.summary.timeout_s, 10);
    assert_eq!(description.environment_keys, vec!["GREETING".to_owned()]);
    assert!(!description.code_sha256.is_empty());
}

/// Deploying again updates the configuration in place; unchanged code keeps its digest.
pub async fn redeploy_updates_configuration(adapter: &dyn Adapter, fixture: &Fixture) {
    let first = adapter
        .deploy(fixture.deploy_options("echo"))
        .await
        .expect("first deploy");
    let mut options = fixture.deploy_options("echo");
    options.function.memory_mb = 256;
    let second = adapter.deploy(options).await.expect("second deploy");
    assert_eq!(
        first.code_sha256, second.code_sha256,
        "same code, new digest"
    );
    let description = adapter
        .describe(DescribeOptions::new("echo"))
        .await
        .expect("describe");
    assert_eq!(
        description.summary.memory_mb, 256,
        "the redeploy was not applied"
    );
    deploy(adapter, fixture, "echo").await;
}

/// A synchronous invoke returns 200 and the handler's result, with the context filled in.
pub async fn invoke_returns_the_handler_result(adapter: &dyn Adapter, fixture: &Fixture) {
    deploy(adapter, fixture, "echo").await;
    let marker = unique_marker();
    let payload = serde_json::json!({ "marker": marker });
    let invocation = adapter
        .invoke(InvokeOptions::new("echo", payload.to_string()))
        .await
        .expect("invoke echo");
    assert_eq!(invocation.status_code, 200);
    assert_eq!(
        invocation.function_error, None,
        "echo failed: {invocation:?}"
    );
    let result = invocation
        .payload_json()
        .unwrap_or_else(|| panic!("echo returned no JSON: {invocation:?}"));
    assert_eq!(result["echo"], payload);
    assert_eq!(result["requestId"], invocation.request_id.as_str());
    assert_eq!(result["functionName"], "echo");
    assert_eq!(result["remainingPositive"], true);
    assert_eq!(result["greeting"], "hello from the fixture");
}

/// Python handlers get the event and a context with Lambda's attribute names.
pub async fn python_handler_runs(adapter: &dyn Adapter, fixture: &Fixture) {
    deploy(adapter, fixture, "pyecho").await;
    let invocation = adapter
        .invoke(InvokeOptions::new("pyecho", r#"{"n": 7}"#))
        .await
        .expect("invoke pyecho");
    assert_eq!(
        invocation.function_error, None,
        "pyecho failed: {invocation:?}"
    );
    let result = invocation.payload_json().expect("pyecho returns JSON");
    assert_eq!(result["echo"]["n"], 7);
    assert_eq!(result["requestId"], invocation.request_id.as_str());
    assert_eq!(result["functionName"], "pyecho");
    assert_eq!(result["remainingPositive"], true);
}

/// A handler that throws is a successful call with a function error, as Lambda reports it.
pub async fn function_error_is_a_result(adapter: &dyn Adapter, fixture: &Fixture) {
    deploy(adapter, fixture, "fails").await;
    let invocation = adapter
        .invoke(InvokeOptions::new("fails", "{}"))
        .await
        .expect("invoking a failing function still succeeds as a call");
    assert_eq!(invocation.status_code, 200);
    let error = invocation
        .function_error
        .as_ref()
        .unwrap_or_else(|| panic!("no function error reported: {invocation:?}"));
    assert_eq!(error.error_type, "TypeError");
    assert!(error.message.contains("failed on purpose"), "{error:?}");
    let document = invocation
        .payload_json()
        .expect("the error document is JSON");
    assert_eq!(document["errorType"], "TypeError");
    assert_eq!(document["errorMessage"], "the fixture failed on purpose");
}

/// Every operation on a function that was never deployed says NotFound.
pub async fn unknown_function_is_not_found(adapter: &dyn Adapter, _fixture: &Fixture) {
    let name = "never-deployed";
    let invoke = adapter.invoke(InvokeOptions::new(name, "{}")).await;
    assert!(
        matches!(invoke, Err(AdapterError::NotFound { .. })),
        "invoke: {invoke:?}"
    );
    let describe = adapter.describe(DescribeOptions::new(name)).await;
    assert!(
        matches!(describe, Err(AdapterError::NotFound { .. })),
        "describe: {describe:?}"
    );
    let delete = adapter.delete(DeleteOptions::new(name)).await;
    assert!(
        matches!(delete, Err(AdapterError::NotFound { .. })),
        "delete: {delete:?}"
    );
    let tail = adapter.tail_logs(TailOptions::new(name)).await;
    assert!(
        matches!(tail, Err(AdapterError::NotFound { .. })),
        "tail_logs: {:?}",
        tail.err()
    );
}

/// A payload that is not JSON is refused before anything runs.
pub async fn malformed_payload_is_invalid_request(adapter: &dyn Adapter, fixture: &Fixture) {
    deploy(adapter, fixture, "echo").await;
    let result = adapter
        .invoke(InvokeOptions::new("echo", "{not json"))
        .await;
    assert!(
        matches!(result, Err(AdapterError::InvalidRequest { .. })),
        "{result:?}"
    );
}

/// Each invocation's output sits between `START RequestId:` and `END RequestId:` lines and is
/// followed by a `REPORT` line with the durations and memory.
pub async fn logs_frame_each_invocation(adapter: &dyn Adapter, fixture: &Fixture) {
    deploy(adapter, fixture, "echo").await;
    let marker = unique_marker();
    let invocation = adapter
        .invoke(InvokeOptions::new(
            "echo",
            serde_json::json!({ "marker": marker }).to_string(),
        ))
        .await
        .expect("invoke echo");
    let id = invocation.request_id.clone();
    let options = TailOptions {
        filter: LogFilter {
            request_id: Some(id.clone()),
            ..LogFilter::default()
        },
        ..TailOptions::new("echo")
    };
    let events = logs_until(adapter, &options, |events| {
        events.iter().any(|e| e.message.starts_with("REPORT"))
    })
    .await;
    let messages: Vec<&str> = events.iter().map(|e| e.message.as_str()).collect();
    let position = |prefix: &str| {
        messages
            .iter()
            .position(|m| m.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` line for {id}: {messages:#?}"))
    };
    let start = position(&format!("START RequestId: {id}"));
    let output = messages
        .iter()
        .position(|m| m.contains(&marker))
        .unwrap_or_else(|| panic!("the handler's output is missing: {messages:#?}"));
    let end = position(&format!("END RequestId: {id}"));
    let report = position(&format!("REPORT RequestId: {id}"));
    assert!(
        start < output && output < end && end < report,
        "{messages:#?}"
    );
    let report_line = messages[report];
    for field in [
        "Duration: ",
        "Billed Duration: ",
        "Memory Size: 128 MB",
        "Max Memory Used: ",
    ] {
        assert!(
            report_line.contains(field),
            "REPORT lacks `{field}`: {report_line}"
        );
    }
}

/// With `log_tail`, the invocation's own log lines come back with the result.
pub async fn log_tail_comes_with_the_result(adapter: &dyn Adapter, fixture: &Fixture) {
    deploy(adapter, fixture, "echo").await;
    let marker = unique_marker();
    let invocation = adapter
        .invoke(
            InvokeOptions::new("echo", serde_json::json!({ "marker": marker }).to_string())
                .with_log_tail(),
        )
        .await
        .expect("invoke echo");
    let tail = invocation
        .log_tail
        .unwrap_or_else(|| panic!("no log tail although asked for"));
    assert!(tail.contains(&marker), "{tail}");
    assert!(tail.contains("REPORT RequestId:"), "{tail}");
}

/// Filters keep only matching events.
pub async fn log_filters_select_events(adapter: &dyn Adapter, fixture: &Fixture) {
    deploy(adapter, fixture, "echo").await;
    let marker = unique_marker();
    adapter
        .invoke(InvokeOptions::new(
            "echo",
            serde_json::json!({ "marker": marker }).to_string(),
        ))
        .await
        .expect("invoke echo");
    let options = TailOptions {
        filter: LogFilter {
            text: Some(marker.clone()),
            ..LogFilter::default()
        },
        ..TailOptions::new("echo")
    };
    let events = logs_until(adapter, &options, |events| !events.is_empty()).await;
    assert_eq!(
        events.len(),
        1,
        "exactly the handler's one line: {events:#?}"
    );
    assert!(events[0].message.contains(&marker));
}

/// A following tail yields events written after it started.
pub async fn follow_yields_new_events(adapter: &dyn Adapter, fixture: &Fixture) {
    deploy(adapter, fixture, "echo").await;
    if !adapter.capabilities().live_logs {
        let followed = adapter
            .tail_logs(TailOptions {
                follow: true,
                ..TailOptions::new("echo")
            })
            .await;
        assert!(
            matches!(followed, Err(AdapterError::NotSupported { .. })),
            "live_logs is not declared, yet following logs was not refused"
        );
        return;
    }
    let marker = unique_marker();
    let mut stream = adapter
        .tail_logs(TailOptions {
            follow: true,
            filter: LogFilter {
                text: Some(marker.clone()),
                ..LogFilter::default()
            },
            ..TailOptions::new("echo")
        })
        .await
        .expect("start following");
    adapter
        .invoke(InvokeOptions::new(
            "echo",
            serde_json::json!({ "marker": marker }).to_string(),
        ))
        .await
        .expect("invoke echo");
    let next = tokio::time::timeout(LOG_VISIBILITY, stream.next())
        .await
        .unwrap_or_else(|_| panic!("following saw nothing within {LOG_VISIBILITY:?}"));
    let event = next.expect("the stream ended").expect("a log event");
    assert!(event.message.contains(&marker), "{event:?}");
}

/// `Event` invokes are accepted with 202 and run later; `DryRun` runs nothing and says 204.
pub async fn asynchronous_and_dry_run_invokes(adapter: &dyn Adapter, fixture: &Fixture) {
    deploy(adapter, fixture, "echo").await;
    let dry = adapter
        .invoke(InvokeOptions::new("echo", "{}").with_type(InvocationType::DryRun))
        .await
        .expect("dry run");
    assert_eq!(dry.status_code, 204);
    if !adapter.capabilities().async_invoke {
        let queued = adapter
            .invoke(InvokeOptions::new("echo", "{}").with_type(InvocationType::Event))
            .await;
        assert!(
            matches!(queued, Err(AdapterError::NotSupported { .. })),
            "async_invoke is not declared, yet an Event invoke answered {queued:?}"
        );
        return;
    }
    let marker = unique_marker();
    let accepted = adapter
        .invoke(
            InvokeOptions::new("echo", serde_json::json!({ "marker": marker }).to_string())
                .with_type(InvocationType::Event),
        )
        .await
        .expect("event invoke");
    assert_eq!(accepted.status_code, 202);
    let options = TailOptions {
        filter: LogFilter {
            text: Some(marker.clone()),
            ..LogFilter::default()
        },
        ..TailOptions::new("echo")
    };
    let events = logs_until(adapter, &options, |events| !events.is_empty()).await;
    assert!(!events.is_empty(), "the queued event never ran");
}

/// After delete the function is gone from list, describe and invoke.
pub async fn delete_removes_the_function(adapter: &dyn Adapter, fixture: &Fixture) {
    deploy(adapter, fixture, "fails").await;
    adapter
        .delete(DeleteOptions::new("fails"))
        .await
        .expect("delete");
    let listed = adapter.list(ListOptions::default()).await.expect("list");
    assert!(
        listed.iter().all(|f| f.name != "fails"),
        "still listed: {listed:?}"
    );
    let invoke = adapter.invoke(InvokeOptions::new("fails", "{}")).await;
    assert!(
        matches!(invoke, Err(AdapterError::NotFound { .. })),
        "{invoke:?}"
    );
}

/// Every behaviour above, in an order where each leaves the adapter usable for the next.
pub async fn run_all(adapter: &dyn Adapter, fixture: &Fixture) {
    deploy_creates_a_listed_function(adapter, fixture).await;
    describe_reports_the_deployed_configuration(adapter, fixture).await;
    redeploy_updates_configuration(adapter, fixture).await;
    invoke_returns_the_handler_result(adapter, fixture).await;
    python_handler_runs(adapter, fixture).await;
    function_error_is_a_result(adapter, fixture).await;
    unknown_function_is_not_found(adapter, fixture).await;
    malformed_payload_is_invalid_request(adapter, fixture).await;
    logs_frame_each_invocation(adapter, fixture).await;
    log_tail_comes_with_the_result(adapter, fixture).await;
    log_filters_select_events(adapter, fixture).await;
    follow_yields_new_events(adapter, fixture).await;
    asynchronous_and_dry_run_invokes(adapter, fixture).await;
    concurrency_is_as_declared(adapter, fixture).await;
    delete_removes_the_function(adapter, fixture).await;
}
