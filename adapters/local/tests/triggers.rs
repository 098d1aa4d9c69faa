//! A whole project served by `ProjectRun`: the HTTP gateway, schedules, bucket folders and
//! queues, driven from outside as a user's tools would.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use functory_adapter::{Adapter, LogFilter, TailOptions};
use functory_local::triggers::http::{CorsConfig, PayloadVersion};
use functory_local::triggers::queue::QueueSettings;
use functory_local::{ProjectRun, RunError, RunOptions};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MANIFEST: &str = r#"
[project]
name = "triggers"

[functions.api]
runtime = "nodejs20.x"
handler = "api.handler"

[[functions.api.triggers]]
kind = "http"
method = "GET"
path = "/users/{id}"

[[functions.api.triggers]]
kind = "http"
method = "ANY"
path = "/files/{proxy+}"

[[functions.api.triggers]]
kind = "http"
method = "POST"
path = "/shaped"

[[functions.api.triggers]]
kind = "http"
method = "GET"
path = "/boom"

[functions.nightly]
runtime = "python3.11"
handler = "jobs.nightly"

[[functions.nightly.triggers]]
kind = "schedule"
expression = "cron(0 3 ? * MON-FRI *)"
timezone = "Europe/Paris"

[functions.broken]
runtime = "python3.11"
handler = "jobs.nightly"

[[functions.broken.triggers]]
kind = "schedule"
expression = "cron(0 3 * * * *)"

[functions.thumbs]
runtime = "nodejs20.x"
handler = "thumbs.handler"

[[functions.thumbs.triggers]]
kind = "storage"
bucket = "uploads"
prefix = "photos/"
suffix = ".jpg"

[functions.janitor]
runtime = "nodejs20.x"
handler = "thumbs.handler"

[[functions.janitor.triggers]]
kind = "storage"
bucket = "uploads"
events = ["s3:ObjectRemoved:*"]

[functions.worker]
runtime = "nodejs20.x"
handler = "worker.handler"

[[functions.worker.triggers]]
kind = "queue"
queue = "jobs"
batch_size = 5
"#;

const API: &str = r#"
exports.handler = async (event) => {
  if (event.rawPath === "/boom") throw new Error("boom");
  if (event.rawPath === "/shaped") {
    return {
      statusCode: 201,
      headers: { "x-made-by": "handler", "content-type": "application/octet-stream" },
      cookies: ["a=1; Path=/", "b=2"],
      body: Buffer.from(event.isBase64Encoded ? Buffer.from(event.body, "base64") : event.body).reverse().toString("base64"),
      isBase64Encoded: true,
    };
  }
  return {
    routeKey: event.routeKey,
    version: event.version,
    pathParameters: event.pathParameters,
    query: event.queryStringParameters,
    cookies: event.cookies,
    method: event.requestContext.http.method,
    body: event.body ?? null,
    isBase64Encoded: event.isBase64Encoded,
  };
};
"#;

const JOBS: &str = "def nightly(event, context):\n    print('nightly got', event['detail-type'], event['source'])\n    return event['detail-type']\n";

const THUMBS: &str = r#"
exports.handler = async (event) => {
  for (const r of event.Records) console.log(`s3 ${r.eventName} ${r.s3.bucket.name} ${r.s3.object.key} ${r.s3.object.size}`);
};
"#;

const WORKER: &str = r#"
exports.handler = async (event) => {
  const failures = [];
  for (const r of event.Records) {
    console.log(`got ${r.body} receive ${r.attributes.ApproximateReceiveCount}`);
    if (r.body === "bad") failures.push({ itemIdentifier: r.messageId });
  }
  return { batchItemFailures: failures };
};
"#;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("functory.toml", MANIFEST),
        ("api.js", API),
        ("jobs.py", JOBS),
        ("thumbs.js", THUMBS),
        ("worker.js", WORKER),
    ] {
        write_file(&dir.path().join(name), text);
    }
    dir
}

struct HttpAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpAnswer {
    fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A plain HTTP/1.1 exchange over TCP, so the gateway is tested as any client sees it.
async fn http(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpAnswer {
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    HttpAnswer {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

async fn start(dir: &std::path::Path, configure: impl FnOnce(&mut RunOptions)) -> ProjectRun {
    let mut options = RunOptions::for_project(dir);
    configure(&mut options);
    ProjectRun::start(dir, options).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_routes_map_to_api_gateway_payloads_and_back() {
    let dir = project();
    let run = start(dir.path(), |o| {
        o.cors = Some(CorsConfig {
            allow_origins: vec!["http://app.test".into()],
            allow_methods: vec!["GET".into(), "POST".into()],
            allow_headers: vec!["content-type".into()],
            max_age_s: Some(600),
            ..CorsConfig::default()
        })
    })
    .await;
    let base = run.gateway_url();
    assert!(base.starts_with("http://127.0.0.1:"));
    let urls: Vec<String> = run.http_routes().iter().map(|r| r.url.clone()).collect();
    assert!(urls.contains(&format!("{base}/users/{{id}}")), "{urls:?}");

    let answer = http(
        &base,
        "GET",
        "/users/42?tag=a&tag=b&x=1",
        &[("Cookie", "s=1; t=2")],
        b"",
    )
    .await;
    assert_eq!(answer.status, 200);
    let event = answer.json();
    assert_eq!(event["routeKey"], "GET /users/{id}");
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["pathParameters"]["id"], "42");
    assert_eq!(event["query"]["tag"], "a,b");
    assert_eq!(event["cookies"], serde_json::json!(["s=1", "t=2"]));

    let greedy = http(&base, "DELETE", "/files/a/b%20c.txt", &[], b"")
        .await
        .json();
    assert_eq!(greedy["pathParameters"]["proxy"], "a/b c.txt");
    assert_eq!(greedy["method"], "DELETE");

    let binary = http(
        &base,
        "PUT",
        "/files/bin",
        &[("Content-Type", "image/png")],
        &[0, 159, 146, 150],
    )
    .await
    .json();
    assert_eq!(binary["isBase64Encoded"], true);
    assert_eq!(binary["body"], "AJ+Slg==");

    let shaped = http(
        &base,
        "POST",
        "/shaped",
        &[("Content-Type", "text/plain")],
        b"abc",
    )
    .await;
    assert_eq!(shaped.status, 201);
    assert_eq!(shaped.header("x-made-by"), ["handler"]);
    assert_eq!(shaped.header("set-cookie"), ["a=1; Path=/", "b=2"]);
    assert_eq!(shaped.body, b"cba");

    assert_eq!(http(&base, "GET", "/nowhere", &[], b"").await.status, 404);
    assert_eq!(http(&base, "GET", "/boom", &[], b"").await.status, 500);

    let preflight = http(
        &base,
        "OPTIONS",
        "/users/1",
        &[
            ("Origin", "http://app.test"),
            ("Access-Control-Request-Method", "GET"),
        ],
        b"",
    )
    .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        ["http://app.test"]
    );
    assert_eq!(
        preflight.header("access-control-allow-methods"),
        ["GET,POST"]
    );
    assert_eq!(preflight.header("access-control-max-age"), ["600"]);
    let cross = http(
        &base,
        "GET",
        "/users/1",
        &[("Origin", "http://app.test")],
        b"",
    )
    .await;
    assert_eq!(
        cross.header("access-control-allow-origin"),
        ["http://app.test"]
    );
    let foreign = http(
        &base,
        "GET",
        "/users/1",
        &[("Origin", "http://evil.test")],
        b"",
    )
    .await;
    assert!(foreign.header("access-control-allow-origin").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payload_format_one_is_available() {
    let dir = project();
    let run = start(dir.path(), |o| o.payload_version = PayloadVersion::V1).await;
    write_file(
        &dir.path().join("api.js"),
        "exports.handler = async (e) => ({ statusCode: 200, body: JSON.stringify({ resource: e.resource, method: e.httpMethod, id: e.pathParameters.id, multi: e.multiValueQueryStringParameters }) });\n",
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let answer = http(&run.gateway_url(), "GET", "/users/7?a=1&a=2", &[], b"").await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let body = answer.json();
    assert_eq!(body["resource"], "/users/{id}");
    assert_eq!(body["method"], "GET");
    assert_eq!(body["id"], "7");
    assert_eq!(body["multi"]["a"], serde_json::json!(["1", "2"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_preview_fire_and_bad_ones_are_reported() {
    let dir = project();
    let run = start(dir.path(), |_| {}).await;
    let schedules = run.schedules();
    assert_eq!(schedules.len(), 1, "{schedules:?}");
    assert_eq!(schedules[0].timezone, "Europe/Paris");
    assert_eq!(schedules[0].next.len(), 5);
    for time in &schedules[0].next {
        // 03:00 in Paris is 01:00 or 02:00 UTC.
        assert!(
            time.ends_with("T01:00:00Z") || time.ends_with("T02:00:00Z"),
            "{time}"
        );
    }
    let problems = run.problems().join("\n");
    assert!(
        problems.contains("`broken`") && problems.contains("must be `?`"),
        "{problems}"
    );
    let fired = run.fire_schedule("nightly").await.unwrap();
    assert_eq!(fired.function_error, None);
    assert_eq!(json(&fired), "Scheduled Event");
    assert!(
        fired
            .log_tail
            .unwrap()
            .contains("nightly got Scheduled Event aws.events")
    );
}

async fn wait_for_log(run: &ProjectRun, function: &str, text: &str) -> bool {
    let mut stream = run
        .runtime()
        .tail_logs(TailOptions {
            follow: true,
            filter: LogFilter {
                text: Some(text.to_owned()),
                ..LogFilter::default()
            },
            ..TailOptions::new(function)
        })
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_written_by_any_program_emit_filtered_s3_events() {
    let dir = project();
    let run = start(dir.path(), |_| {}).await;
    let folder = std::path::PathBuf::from(&run.buckets()[0].folder);
    std::fs::create_dir_all(folder.join("photos")).unwrap();
    // Another program writes the files.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("printf 12345 > 'photos/my cat.jpg' && printf x > photos/notes.txt && printf y > other.jpg \
              && mkdir -p photos/2024/12 && printf abc > photos/2024/12/fresh.jpg")
        .current_dir(&folder)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        wait_for_log(
            &run,
            "thumbs",
            "s3 ObjectCreated:Put uploads photos/my+cat.jpg 5"
        )
        .await,
        "no S3 event for the uploaded photo"
    );
    // Written into folders made a moment before, which the watcher was not watching yet.
    assert!(
        wait_for_log(
            &run,
            "thumbs",
            "s3 ObjectCreated:Put uploads photos/2024/12/fresh.jpg 3"
        )
        .await,
        "no S3 event for the photo in a new folder"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stored: Vec<String> = run
        .runtime()
        .log_store("thumbs")
        .unwrap()
        .read_all()
        .into_iter()
        .map(|e| e.message)
        .filter(|m| m.contains("\ts3 "))
        .collect();
    assert_eq!(
        stored.len(),
        2,
        "filters let other files through, or a file was announced twice: {stored:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_batches_retry_failures_and_dead_letter_them() {
    let dir = project();
    let run = start(dir.path(), |o| {
        o.queue = QueueSettings {
            batch_size: 10,
            batch_window: Duration::from_millis(200),
            visibility_timeout: Duration::from_millis(300),
            max_receive_count: 2,
        }
    })
    .await;
    let view = run.queues();
    assert_eq!(view[0].queue, "jobs");
    let base = run.gateway_url();
    for body in ["one", "bad", "two"] {
        let answer = http(
            &base,
            "POST",
            "/_functory/queues/jobs",
            &[],
            body.as_bytes(),
        )
        .await;
        assert_eq!(answer.status, 200);
        assert!(answer.json()["MessageId"].is_string());
    }
    let queue = run.queue("jobs").unwrap();
    let dlq = run.queue("jobs-dlq").unwrap();
    assert!(
        eventually(Duration::from_secs(10), || queue.is_empty()
            && dlq.len() == 1)
        .await,
        "queue {:?} dlq {:?}",
        queue.messages(),
        dlq.messages()
    );
    assert_eq!(dlq.messages()[0].body, "bad");
    let lines: Vec<String> = run
        .runtime()
        .log_store("worker")
        .unwrap()
        .read_all()
        .into_iter()
        .map(|e| e.message)
        .filter(|m| m.contains("\tgot "))
        .collect();
    assert!(
        lines.iter().any(|l| l.ends_with("got bad receive 2")),
        "{lines:#?}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.contains("got one")).count(),
        1,
        "{lines:#?}"
    );
    // The batching window gathered the three messages into one batch.
    assert!(
        lines[0].ends_with("got one receive 1") && lines[1].ends_with("got bad receive 1"),
        "{lines:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_port_is_a_clear_error() {
    let dir = project();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let error = ProjectRun::start(
        dir.path(),
        RunOptions {
            port,
            ..RunOptions::for_project(dir.path())
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(error, RunError::Gateway(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("port {port} is already in use; choose another with --port")
    );
}

/// A route's own `payload_version` picks its event format, beside 2.0 routes of the same
/// gateway; the project's `[api]` CORS is what the gateway answers preflights with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_picks_its_payload_format_and_the_api_its_cors() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = r#"
[project]
name = "formats"

[api]
cors = { allow_origins = ["http://app.test"], allow_methods = ["GET"], max_age = 300 }

[functions.api]
runtime = "nodejs20.x"
handler = "api.handler"

[[functions.api.triggers]]
kind = "http"
method = "GET"
path = "/old/{id}"
payload_version = "1.0"

[[functions.api.triggers]]
kind = "http"
method = "GET"
path = "/new/{id}"
"#;
    write_file(&dir.path().join("functory.toml"), manifest);
    write_file(
        &dir.path().join("api.js"),
        "exports.handler = async (e) => ({ statusCode: 200, body: JSON.stringify({ version: e.version ?? null, resource: e.resource ?? null, routeKey: e.routeKey ?? null }) });\n",
    );
    let run = start(dir.path(), |_| {}).await;
    let base = run.gateway_url();
    let old = http(&base, "GET", "/old/1", &[], b"").await.json();
    assert_eq!(old["version"], "1.0");
    assert_eq!(old["resource"], "/old/{id}");
    let new = http(&base, "GET", "/new/1", &[], b"").await.json();
    assert_eq!(new["version"], "2.0");
    assert_eq!(new["routeKey"], "GET /new/{id}");
    let preflight = http(
        &base,
        "OPTIONS",
        "/new/1",
        &[
            ("Origin", "http://app.test"),
            ("Access-Control-Request-Method", "GET"),
        ],
        b"",
    )
    .await;
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        ["http://app.test"],
        "{:?}",
        preflight.headers
    );
    assert_eq!(preflight.header("access-control-max-age"), ["300"]);
}
