//! Invokes and logs against the fake's function host, which runs the user's handlers through
//! the generated shim with the machine's `node` and `python3`: HTTP routes get API Gateway
//! events and answer with the handler's response; timers, queues and blobs run through the
//! admin endpoint with EventBridge, SQS and S3 shapes; Lambda's timeout; logs followed through
//! Application Insights without duplicates; what versions and rollback say.

use std::time::{Duration, Instant};

use functory_adapter::{
    Adapter, AdapterError, CloudAdapter, InvokeOptions, LogEvent, LogFilter, TailOptions,
};
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::fake::{AppSpec, Hosting};
use crate::{fake_with, manifest, project_options, write};

const COMMIT: &str = "3333333333333333333333333333333333333333";

/// Stored lines (not following) until `done` holds, for at most 15 s.
async fn logs_until(
    adapter: &dyn Adapter,
    options: TailOptions,
    done: impl Fn(&[LogEvent]) -> bool,
) -> Vec<LogEvent> {
    let started = Instant::now();
    loop {
        let mut events = Vec::new();
        let mut stream = adapter.tail_logs(options.clone()).await.expect("tail_logs");
        while let Some(event) = stream.next().await {
            events.push(event.expect("a log event"));
        }
        if done(&events) || started.elapsed() > Duration::from_secs(15) {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

const WEB: &str = r#"[project]
name = "web"

[functions.items]
runtime = "nodejs20.x"
handler = "items.handler"

[[functions.items.triggers]]
kind = "http"
method = "GET"
path = "/items/{id}"

[functions.hook]
runtime = "nodejs20.x"
handler = "hook.handler"

[[functions.hook.triggers]]
kind = "url"
auth = "none"

[functions.slow]
runtime = "nodejs20.x"
handler = "slow.handler"
timeout_s = 1

[functions.crash]
runtime = "nodejs20.x"
handler = "crash.handler"
"#;

#[tokio::test]
async fn http_routes_get_api_gateway_events_and_answer_with_the_handlers_response() {
    let (fake, adapter) = fake_with(AppSpec::new(
        "web",
        Hosting::WindowsConsumption,
        "node",
        "20",
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "items.js",
        r#"exports.handler = async (event, context) => {
  console.log(`items saw ${event.rawPath}`);
  return {
    statusCode: 201,
    headers: { "x-item": event.pathParameters.id },
    body: JSON.stringify({
      id: event.pathParameters.id,
      query: event.queryStringParameters,
      routeKey: event.routeKey,
      method: event.requestContext.http.method,
      requestId: context.awsRequestId,
      accept: event.headers.accept,
    }),
  };
};
"#,
    );
    write(
        dir.path(),
        "hook.js",
        "exports.handler = async (event) => ({ path: event.rawPath, body: JSON.parse(event.body) });\n",
    );
    write(
        dir.path(),
        "crash.js",
        "exports.handler = async () => { process.exit(3); };\n",
    );
    write(
        dir.path(),
        "slow.js",
        "exports.handler = async () => { await new Promise((r) => setTimeout(r, 5000)); return 'late'; };\n",
    );
    let manifest = manifest(dir.path(), WEB);
    adapter
        .deploy_function(&project_options(dir.path(), &manifest, "items", COMMIT))
        .await
        .expect("deploy");

    let event = json!({
        "version": "2.0",
        "rawPath": "/items/42",
        "rawQueryString": "full=1",
        "headers": {"accept": "application/json"},
        "requestContext": {"http": {"method": "GET"}},
    });
    let invocation = adapter
        .invoke(InvokeOptions::new("items", event.to_string()))
        .await
        .expect("invoke items");
    assert_eq!(invocation.status_code, 200);
    assert_eq!(invocation.function_error, None, "{invocation:?}");
    let result = invocation.payload_json().expect("a JSON result");
    assert_eq!(result["statusCode"], 201);
    assert_eq!(result["headers"]["x-item"], "42");
    let body: Value = serde_json::from_str(result["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["id"], "42");
    assert_eq!(body["query"]["full"], "1");
    assert_eq!(body["routeKey"], "GET /items/{id}");
    assert_eq!(body["method"], "GET");
    assert_eq!(body["accept"], "application/json");
    assert_eq!(body["requestId"], invocation.request_id.as_str());

    // An anonymous url trigger: no key is fetched; a plain event is posted as the body.
    fake.clear_calls();
    let invocation = adapter
        .invoke(InvokeOptions::new("hook", r#"{"ping":true}"#))
        .await
        .expect("invoke hook");
    let result = invocation.payload_json().unwrap();
    let body: Value = serde_json::from_str(result["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"path": "/", "body": {"ping": true}}));
    assert!(
        !fake.calls().iter().any(|c| c.ends_with("ListFunctionKeys")),
        "{:?}",
        fake.calls()
    );

    // Lambda's timeout, enforced by the shim before the host's own.
    let invocation = adapter
        .invoke(InvokeOptions::new("slow", "{}"))
        .await
        .expect("invoke slow");
    let error = invocation.function_error.expect("a timeout");
    assert_eq!(error.error_type, "Sandbox.Timedout");
    assert_eq!(error.message, "Task timed out after 1.00 seconds");

    // A worker that dies answers the host's bare 500: still a function error, not a failed call.
    let invocation = adapter
        .invoke(InvokeOptions::new("crash", "{}"))
        .await
        .expect("invoke crash");
    assert_eq!(invocation.status_code, 200);
    let error = invocation.function_error.expect("a function error");
    assert_eq!(error.error_type, "Unhandled");
    assert!(error.message.contains("answered HTTP 500"), "{error:?}");

    // HTTP functions cannot be queued on Azure.
    let queued = adapter
        .invoke(
            InvokeOptions::new("items", "{}").with_type(functory_adapter::InvocationType::Event),
        )
        .await;
    assert!(
        matches!(queued, Err(AdapterError::NotSupported { .. })),
        "{queued:?}"
    );
}

const JOBS: &str = r#"[project]
name = "jobs"

[functions.nightly]
runtime = "nodejs20.x"
handler = "jobs.nightly"

[[functions.nightly.triggers]]
kind = "schedule"
expression = "cron(0 3 * * ? *)"

[functions.orders]
runtime = "nodejs20.x"
handler = "jobs.orders"

[[functions.orders.triggers]]
kind = "queue"
queue = "arn:aws:sqs:us-east-1:123456789012:orders"
batch_size = 10

[functions.thumbnails]
runtime = "nodejs20.x"
handler = "jobs.thumbnails"

[[functions.thumbnails.triggers]]
kind = "storage"
bucket = "uploads"
prefix = "in/"
events = ["s3:ObjectCreated:*"]
"#;

#[tokio::test]
async fn timers_queues_and_blobs_run_through_the_admin_endpoint_with_lambda_shapes() {
    let (fake, adapter) = fake_with(AppSpec::new(
        "jobs",
        Hosting::LinuxConsumption,
        "node",
        "20",
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "jobs.js",
        r#"const show = (name) => async (event, context) => {
  console.log(`${name} got ${JSON.stringify(event)}`);
};
exports.nightly = show("nightly");
exports.orders = show("orders");
exports.thumbnails = show("thumbnails");
"#,
    );
    let manifest = manifest(dir.path(), JOBS);
    // Each function's plan says what its trigger becomes.
    for (function, expected) in [
        ("nightly", "timerTrigger `0 0 3 * * *`"),
        ("orders", "queueTrigger `orders`"),
        ("thumbnails", "blobTrigger `uploads/in/{name}`"),
    ] {
        let plan = adapter
            .plan(&project_options(dir.path(), &manifest, function, COMMIT))
            .await
            .unwrap();
        let text = plan.to_string();
        assert!(text.contains(expected), "`{expected}` missing:\n{text}");
    }
    adapter
        .deploy_function(&project_options(dir.path(), &manifest, "nightly", COMMIT))
        .await
        .expect("deploy");
    // Three functions, two to a page: the list follows nextLink.
    fake.clear_calls();
    let listed: Vec<String> = adapter
        .list(functory_adapter::ListOptions::default())
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(listed, ["nightly", "orders", "thumbnails"]);
    let pages = fake
        .calls()
        .iter()
        .filter(|c| *c == "WebApps.ListFunctions")
        .count();
    assert_eq!(pages, 2, "{:?}", fake.calls());

    for (function, event) in [
        ("nightly", json!({})),
        ("orders", json!({"Records": [{"body": "hello orders"}]})),
        (
            "thumbnails",
            json!({"Records": [{"s3": {"bucket": {"name": "uploads"}, "object": {"key": "in/cat+photo.jpg"}}}]}),
        ),
    ] {
        let accepted = adapter
            .invoke(InvokeOptions::new(function, event.to_string()))
            .await
            .unwrap_or_else(|e| panic!("invoke {function}: {e}"));
        assert_eq!(accepted.status_code, 202, "{function}");
        let prefix = format!("{function} got ");
        let events = logs_until(&adapter, TailOptions::new(function), |events| {
            events.iter().any(|e| e.message.starts_with(&prefix))
                && events.iter().any(|e| e.message.starts_with("Executed "))
        })
        .await;
        let line = events
            .iter()
            .find(|e| e.message.starts_with(&prefix))
            .unwrap_or_else(|| panic!("{function} never ran: {events:#?}"));
        let seen: Value = serde_json::from_str(&line.message[prefix.len()..]).unwrap();
        match function {
            "nightly" => {
                assert_eq!(seen["detail-type"], "Scheduled Event");
                assert_eq!(seen["source"], "aws.events");
            }
            "orders" => {
                assert_eq!(seen["Records"][0]["body"], "hello orders");
                assert_eq!(seen["Records"][0]["eventSource"], "aws:sqs");
                assert!(
                    seen["Records"][0]["eventSourceARN"]
                        .as_str()
                        .unwrap()
                        .ends_with(":orders")
                );
            }
            _ => {
                assert_eq!(seen["Records"][0]["s3"]["bucket"]["name"], "uploads");
                assert_eq!(
                    seen["Records"][0]["s3"]["object"]["key"],
                    "in/cat+photo.jpg"
                );
                assert_eq!(seen["Records"][0]["eventName"], "ObjectCreated:Put");
            }
        }
        // The host frames the invocation; its lines share the invocation id.
        let id = line
            .request_id
            .clone()
            .expect("the handler's line has the invocation id");
        let framed = |start: &str| {
            events.iter().any(|e| {
                e.message.starts_with(start) && e.request_id.as_deref() == Some(id.as_str())
            })
        };
        assert!(
            framed(&format!("Executing 'Functions.{function}'")),
            "{events:#?}"
        );
        assert!(
            framed(&format!("Executed 'Functions.{function}' (Succeeded")),
            "{events:#?}"
        );
    }
}

#[tokio::test]
async fn following_application_insights_overlaps_without_duplicates() {
    let (fake, adapter) = fake_with(AppSpec::new(
        "insightful",
        Hosting::LinuxConsumption,
        "node",
        "20",
    ))
    .await;
    // Telemetry shows up late.
    fake.set_ingestion_delay(Duration::from_millis(300));
    let dir = tempfile::tempdir().unwrap();
    let fixture = functory_adapter::conformance::Fixture::write(dir.path()).unwrap();
    adapter
        .deploy(fixture.deploy_options("echo"))
        .await
        .unwrap();
    let source = adapter.log_source("echo").await.unwrap();
    assert!(
        source.description.contains("Application Insights"),
        "{source:?}"
    );
    assert!(source.expected_delay_ms >= 180_000, "{source:?}");

    let mut stream = adapter
        .tail_logs(TailOptions {
            follow: true,
            filter: LogFilter {
                text: Some("echo saw".into()),
                ..LogFilter::default()
            },
            ..TailOptions::new("echo")
        })
        .await
        .unwrap();
    let mut seen: Vec<String> = Vec::new();
    for marker in ["first-marker", "second-marker", "third-marker"] {
        adapter
            .invoke(InvokeOptions::new(
                "echo",
                json!({ "marker": marker }).to_string(),
            ))
            .await
            .unwrap();
        loop {
            let next = tokio::time::timeout(Duration::from_secs(15), stream.next())
                .await
                .unwrap_or_else(|_| panic!("{marker} never showed up; seen {seen:#?}"))
                .expect("the stream goes on")
                .expect("a log event");
            assert!(next.request_id.is_some(), "{next:?}");
            let done = next.message.contains(marker);
            seen.push(next.message);
            if done {
                break;
            }
        }
    }
    // Each line once, although every query looked back over the earlier ones.
    assert_eq!(seen.len(), 3, "{seen:#?}");
    let queries = fake
        .calls()
        .iter()
        .filter(|c| *c == "Insights.Query")
        .count();
    assert!(queries > 3, "followed by polling: {queries} queries");
}

#[tokio::test]
async fn log_sources_versions_and_rollback_say_what_azure_does() {
    let (_fake, adapter) = fake_with(AppSpec::new(
        "sources",
        Hosting::WindowsConsumption,
        "node",
        "20",
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let fixture = functory_adapter::conformance::Fixture::write(dir.path()).unwrap();
    adapter
        .deploy(fixture.deploy_options("echo"))
        .await
        .unwrap();
    let source = adapter.log_source("echo").await.unwrap();
    assert!(source.description.contains("Kudu log stream"), "{source:?}");
    assert!(source.expected_delay_ms < 10_000, "{source:?}");
    assert_eq!(
        adapter
            .serving_version("echo", "prod")
            .await
            .unwrap()
            .as_deref(),
        Some("$LATEST")
    );
    assert_eq!(adapter.serving_version("nope", "prod").await.unwrap(), None);
    let versions = adapter.versions("echo").await;
    assert!(
        matches!(versions, Err(AdapterError::NotSupported { .. })),
        "{versions:?}"
    );
    let rollback = adapter.rollback("echo", "prod", "1").await.unwrap_err();
    assert!(rollback.to_string().contains("Redeploy this"), "{rollback}");
    let capabilities = adapter.capabilities();
    assert!(!capabilities.versions && !capabilities.aliases);
}

const PYWEB: &str = r#"[project]
name = "pyweb"

[functions.greet]
runtime = "python3.11"
handler = "app.greet"

[[functions.greet.triggers]]
kind = "http"
method = "POST"
path = "/greet/{name}"

[functions.broken]
runtime = "python3.11"
handler = "app.broken"
"#;

#[tokio::test]
async fn python_http_handlers_and_failures_run_through_the_shim() {
    let (_fake, adapter) = fake_with(AppSpec::new(
        "pyweb",
        Hosting::LinuxConsumption,
        "python",
        "3.11",
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app.py",
        r#"import json

import helper


def greet(event, context):
    body = json.loads(event["body"])
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({
            "greeting": helper.greeting(event["pathParameters"]["name"], body["punctuation"]),
            "requestId": context.aws_request_id,
            "method": event["requestContext"]["http"]["method"],
        }),
    }


def broken(event, context):
    raise ValueError("no such thing")
"#,
    );
    write(
        dir.path(),
        "helper.py",
        "def greeting(name, punctuation):\n    return f\"hello {name}{punctuation}\"\n",
    );
    let manifest = manifest(dir.path(), PYWEB);
    adapter
        .deploy_function(&project_options(dir.path(), &manifest, "greet", COMMIT))
        .await
        .expect("deploy");
    let event = json!({
        "version": "2.0",
        "rawPath": "/greet/ada",
        "requestContext": {"http": {"method": "POST"}},
        "headers": {"content-type": "application/json"},
        "body": "{\"punctuation\": \"!\"}",
    });
    let invocation = adapter
        .invoke(InvokeOptions::new("greet", event.to_string()))
        .await
        .expect("invoke greet");
    assert_eq!(invocation.function_error, None, "{invocation:?}");
    let result = invocation.payload_json().unwrap();
    let body: Value = serde_json::from_str(result["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["greeting"], "hello ada!");
    assert_eq!(body["method"], "POST");
    assert_eq!(body["requestId"], invocation.request_id.as_str());

    let failed = adapter
        .invoke(InvokeOptions::new("broken", "{}"))
        .await
        .expect("a failing handler is a result");
    let error = failed.function_error.expect("a function error");
    assert_eq!(error.error_type, "ValueError");
    assert_eq!(error.message, "no such thing");
}
