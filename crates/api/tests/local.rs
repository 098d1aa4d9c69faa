//! The Run & Logs use cases on real projects, real `node` and `python3` processes and real
//! ports: the app's `Session` as its commands call it, and the batching of log tails.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use functory_api::local::{self, LogBatch, LogLine, LogQuery};
use functory_api::session::{LaunchRequest, Session};
use functory_api::{ApiError, ErrorCode};

/// A session with the bundled sample open, in a data folder of its own.
fn sample_session() -> (tempfile::TempDir, Session) {
    let data = tempfile::tempdir().expect("a temporary folder");
    let session = Session::new(data.path(), LaunchRequest::Nothing);
    session.open_sample_project().expect("the sample opens");
    (data, session)
}

fn sample_root(data: &tempfile::TempDir) -> std::path::PathBuf {
    data.path().join("samples").join("thumbnails")
}

/// Log batches as a subscription delivers them, shared with the test.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<LogBatch>>>);

impl Received {
    fn sink(&self) -> impl FnMut(LogBatch) -> bool + Send + 'static {
        let batches = self.0.clone();
        move |batch| {
            batches.lock().expect("the batches lock").push(batch);
            true
        }
    }

    fn lines(&self) -> Vec<LogLine> {
        let batches = self.0.lock().expect("the batches lock");
        batches.iter().flat_map(|b| b.lines.clone()).collect()
    }

    fn ended(&self) -> bool {
        let batches = self.0.lock().expect("the batches lock");
        batches.iter().any(|b| b.ended)
    }

    async fn wait_for(&self, what: &str, check: impl Fn(&[LogLine]) -> bool) -> Vec<LogLine> {
        let started = Instant::now();
        loop {
            let lines = self.lines();
            if check(&lines) {
                return lines;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "timed out waiting for {what}; got {lines:#?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn http_sample(session: &Session) -> String {
    let samples = session.sample_events("resize").unwrap();
    samples
        .into_iter()
        .find(|s| s.kind == "http")
        .expect("resize has an HTTP sample")
        .event
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sample_runs_invokes_cold_then_warm_and_reports_its_triggers() {
    let (data, session) = sample_session();
    assert!(!session.run_status().running);

    let status = session.start_run(Some(0)).await.unwrap();
    assert!(status.running);
    assert_eq!(status.project_name.as_deref(), Some("thumbnails"));
    let base = status.gateway_url.clone().unwrap();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert_eq!(status.routes.len(), 1);
    assert_eq!(status.routes[0].url, format!("{base}/resize"));
    assert_eq!(
        (
            status.routes[0].method.as_str(),
            status.routes[0].function.as_str()
        ),
        ("GET", "resize")
    );
    assert_eq!(status.schedules.len(), 1);
    assert_eq!(status.schedules[0].function, "report");
    assert_eq!(status.schedules[0].timezone, "Europe/Paris");
    assert_eq!(status.schedules[0].next.len(), 5);
    // The sample's buckets are declared: they are buckets of the local AWS services, each
    // mirrored in a folder (no folder of Functory's own).
    assert!(status.buckets.is_empty(), "{:?}", status.buckets);
    let aws = status
        .aws
        .clone()
        .expect("the sample starts the local AWS services");
    let folders: Vec<(&str, bool)> = aws
        .resources
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                r.folder
                    .as_deref()
                    .is_some_and(|f| f.ends_with(&format!(".functory/local/buckets/{}", r.name))),
            )
        })
        .collect();
    assert_eq!(folders, [("uploads", true), ("thumbs", true)]);
    assert_eq!(status.problems, Vec::<String>::new());
    assert!(!status.manifest_changed);

    let event = http_sample(&session);
    let first = session.invoke_function("resize", &event).await.unwrap();
    assert_eq!(first.function_error, None, "{}", first.payload);
    let payload: serde_json::Value = serde_json::from_str(&first.payload).unwrap();
    assert_eq!(payload["statusCode"], 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(payload["body"].as_str().unwrap()).unwrap(),
        serde_json::json!({ "width": 320, "height": 180 })
    );
    assert!(first.cold_start);
    let metrics = first.metrics.clone().unwrap();
    assert_eq!(metrics.memory_size_mb, 512);
    assert!(metrics.billed_duration_ms >= 1);
    assert!(metrics.init_duration_ms.is_some());
    assert!(
        first.logs[0].starts_with("START RequestId: "),
        "{:?}",
        first.logs
    );
    assert!(first.logs.iter().any(|l| l.contains("\tINFO\tthumbnail")));
    assert!(first.logs.iter().any(|l| l.starts_with("END RequestId: ")));
    assert!(first.logs.last().unwrap().starts_with("REPORT RequestId: "));

    let second = session.invoke_function("resize", &event).await.unwrap();
    assert!(!second.cold_start);
    assert_eq!(second.metrics.unwrap().init_duration_ms, None);

    let status = session.run_status();
    let resize = status
        .instances
        .iter()
        .find(|i| i.function == "resize")
        .unwrap();
    assert_eq!((resize.warm, resize.busy, resize.starting), (1, 0, 0));
    assert_eq!((resize.invocations, resize.cold_starts), (2, 1));
    assert_eq!(resize.warm_instances.len(), 1);

    // The HTTP route really serves.
    let address = base.trim_start_matches("http://").to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        write!(
            stream,
            "GET /resize?width=640&height=480 HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#"{"width":320,"height":240}"#), "{answer}");

    // A .jpg dropped into the uploads folder is an object of the bucket, and resize runs for
    // it (its storage trigger's suffix); another file is not.
    let uploads = sample_root(&data).join(".functory/local/buckets/uploads");
    let invocations = || {
        session
            .run_status()
            .instances
            .iter()
            .find(|i| i.function == "resize")
            .map_or(0, |i| i.invocations)
    };
    let before = invocations();
    std::fs::write(uploads.join("notes.txt"), "not an image").unwrap();
    std::fs::write(uploads.join("cat.jpg"), "pixels").unwrap();
    let started = std::time::Instant::now();
    while invocations() < before + 1 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "resize did not run for the dropped image"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(invocations(), before + 1, "notes.txt fires nothing");

    // Editing functory.toml is noticed: the run serves what it read at start.
    let manifest = sample_root(&data).join("functory.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("memory_mb = 512", "memory_mb = 1024"),
    )
    .unwrap();
    assert!(session.run_status().manifest_changed);

    // Starting again while running keeps the same run.
    assert_eq!(
        session.start_run(None).await.unwrap().gateway_url,
        Some(base)
    );
    let stopped = session.stop_run();
    assert!(!stopped.running);
    assert!(!session.run_status().running);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_clearly() {
    let (data, session) = sample_session();
    let error = session
        .invoke_function("resize", "{\n  \"width\": 10,\n  height: 3\n}")
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidInput);
    assert!(
        error
            .message
            .starts_with("the event is not valid JSON: line 3, column 3: "),
        "{}",
        error.message
    );
    // Refused before anything started.
    assert!(!session.run_status().running);

    let error = session.invoke_function("nobody", "{}").await.unwrap_err();
    assert_eq!(error.code, ErrorCode::NotFound);
    assert!(error.message.contains("nobody"), "{}", error.message);

    let error = session.fire_schedule("report").await.unwrap_err();
    assert_eq!(error.code, ErrorCode::NotRunning);

    // A handler that does not exist and one whose module does not load: init errors the
    // way Lambda names them, as results, with the rest of the project still running.
    let root = sample_root(&data);
    let manifest = std::fs::read_to_string(root.join("functory.toml")).unwrap();
    std::fs::write(
        root.join("functory.toml"),
        format!(
            "{manifest}\n[functions.nohandler]\nruntime = \"nodejs20.x\"\nhandler = \"src/resize.missing\"\n\n[functions.broken]\nruntime = \"python3.12\"\nhandler = \"src/broken.handler\"\n"
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("src/broken.py"),
        "def handler(event, context)\n    return 1\n",
    )
    .unwrap();
    session.start_run(Some(0)).await.unwrap();
    let missing = session.invoke_function("nohandler", "{}").await.unwrap();
    let error = missing.function_error.unwrap();
    assert_eq!(error.error_type, "Runtime.HandlerNotFound", "{error:?}");
    assert!(missing.cold_start);
    let broken = session.invoke_function("broken", "{}").await.unwrap();
    let error = broken.function_error.unwrap();
    assert_eq!(error.error_type, "Runtime.UserCodeSyntaxError", "{error:?}");
    assert!(error.message.contains("broken"), "{error:?}");
    let fine = session.invoke_function("resize", "{}").await.unwrap();
    assert_eq!(fine.function_error, None);
    session.stop_run();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_handler_that_throws_comes_back_with_its_type_and_stack_trace() {
    let (data, session) = sample_session();
    let root = sample_root(&data);
    let manifest = std::fs::read_to_string(root.join("functory.toml")).unwrap();
    std::fs::write(
        root.join("functory.toml"),
        format!("{manifest}\n[functions.thrower]\nruntime = \"nodejs20.x\"\nhandler = \"src/thrower.handler\"\n"),
    )
    .unwrap();
    std::fs::write(
        root.join("src/thrower.mjs"),
        "export const handler = async () => { throw new TypeError('no thumbnails today'); };\n",
    )
    .unwrap();
    session.start_run(Some(0)).await.unwrap();
    let result = session.invoke_function("thrower", "{}").await.unwrap();
    let error = result.function_error.unwrap();
    assert_eq!(error.error_type, "TypeError");
    assert_eq!(error.message, "no thumbnails today");
    assert!(
        error.stack_trace.iter().any(|l| l.contains("thrower.mjs")),
        "{error:?}"
    );
    session.stop_run();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_busy_port_is_reported_with_its_own_code() {
    let (_data, session) = sample_session();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let error: ApiError = session.start_run(Some(port)).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::PortInUse);
    assert!(
        error
            .message
            .contains(&format!("port {port} is already in use")),
        "{}",
        error.message
    );
    assert!(!session.run_status().running);
    // An invoke reuses the port asked for last, so it fails the same way…
    let error = session.invoke_function("resize", "{}").await.unwrap_err();
    assert_eq!(error.code, ErrorCode::PortInUse);
    // …until the user picks another.
    assert!(session.start_run(Some(0)).await.unwrap().running);
    assert!(session.invoke_function("resize", "{}").await.is_ok());
    session.stop_run();
}

#[tokio::test(flavor = "multi_thread")]
async fn schedules_fire_now_with_a_scheduled_event() {
    let (_data, session) = sample_session();
    session.start_run(Some(0)).await.unwrap();
    let fired = session.fire_schedule("report").await.unwrap();
    assert_eq!(fired.function_error, None, "{}", fired.payload);
    assert!(
        fired
            .logs
            .iter()
            .any(|l| l.starts_with("REPORT RequestId: ")),
        "{:?}",
        fired.logs
    );
    let error = session.fire_schedule("resize").await.unwrap_err();
    assert_eq!(error.code, ErrorCode::NotFound);
    session.stop_run();
}

#[test]
fn sample_and_saved_events_per_function() {
    let (data, session) = sample_session();
    let samples = session.sample_events("resize").unwrap();
    let kinds: Vec<&str> = samples.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(kinds[..3], ["direct", "http", "storage"]);
    // Then every other shape once, from the function's own trigger settings.
    assert!(kinds[3..].iter().all(|k| *k == "more"), "{kinds:?}");
    let rest = samples
        .iter()
        .find(|s| s.name == "API Gateway REST API request (payload 1.0)")
        .unwrap();
    let rest: serde_json::Value = serde_json::from_str(&rest.event).unwrap();
    assert_eq!(rest["path"], "/resize");
    let http: serde_json::Value = serde_json::from_str(&samples[1].event).unwrap();
    assert_eq!(http["routeKey"], "GET /resize");
    assert!(samples[1].event.contains("\n  \"version\""), "pretty JSON");
    assert_eq!(
        session.sample_events("nobody").unwrap_err().code,
        ErrorCode::NotFound
    );

    assert_eq!(session.saved_events("resize").unwrap(), vec![]);
    let saved = session
        .save_event(
            "resize",
            "big image",
            "{\"queryStringParameters\": {\"width\": \"4000\"}}",
        )
        .unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].name, "big image");
    assert!(
        sample_root(&data)
            .join(".functory/local/events/resize/big image.json")
            .is_file()
    );
    let replaced = session.save_event("resize", "big image", "{}").unwrap();
    assert_eq!(replaced[0].event, "{}");
    assert_eq!(session.saved_events("report").unwrap(), vec![]);

    let not_json = session.save_event("resize", "x", "{nope").unwrap_err();
    assert_eq!(not_json.code, ErrorCode::InvalidInput);
    assert!(
        not_json.message.contains("line 1, column 2"),
        "{}",
        not_json.message
    );
    let bad_name = session.save_event("resize", "../escape", "{}").unwrap_err();
    assert_eq!(bad_name.code, ErrorCode::InvalidInput);
    assert_eq!(
        session.save_event("../x", "a", "{}").unwrap_err().code,
        ErrorCode::NotFound
    );

    assert_eq!(
        session.delete_saved_event("resize", "big image").unwrap(),
        vec![]
    );
    assert_eq!(
        session
            .delete_saved_event("resize", "big image")
            .unwrap_err()
            .code,
        ErrorCode::NotFound
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_log_subscription_made_before_the_run_sees_every_line_and_filters() {
    let (_data, session) = sample_session();
    let all = Received::default();
    let id = session
        .subscribe_logs(
            LogQuery {
                follow: true,
                ..LogQuery::default()
            },
            all.sink(),
        )
        .await
        .unwrap();
    let info_only = Received::default();
    session
        .subscribe_logs(
            LogQuery {
                function: Some("resize".into()),
                follow: true,
                min_level: Some("info".into()),
                ..LogQuery::default()
            },
            info_only.sink(),
        )
        .await
        .unwrap();

    let event = http_sample(&session);
    let result = session.invoke_function("resize", &event).await.unwrap();
    let request_id = result.request_id.clone();
    let lines = all
        .wait_for("the REPORT line", |lines| {
            lines
                .iter()
                .any(|l| l.message.starts_with("REPORT RequestId: "))
        })
        .await;
    let of_invocation: Vec<&str> = lines
        .iter()
        .filter(|l| l.request_id.as_deref() == Some(request_id.as_str()))
        .map(|l| l.message.as_str())
        .collect();
    assert_eq!(of_invocation.len(), 4, "{of_invocation:#?}");
    assert!(of_invocation[0].starts_with("START RequestId: "));
    assert!(of_invocation[3].starts_with("REPORT RequestId: "));
    assert!(lines.iter().all(|l| l.function == "resize"));
    assert!(
        lines
            .windows(2)
            .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms)
    );

    let info = info_only
        .wait_for("the handler's INFO line", |lines| !lines.is_empty())
        .await;
    assert!(
        info.iter().all(|l| l.level.as_deref() == Some("INFO")),
        "{info:#?}"
    );

    // Stored lines without follow: the subscription ends by itself, after one batch.
    let by_request = Received::default();
    let one_shot = session
        .subscribe_logs(
            LogQuery {
                request_id: Some(request_id.clone()),
                text: Some("END".into()),
                ..LogQuery::default()
            },
            by_request.sink(),
        )
        .await
        .unwrap();
    let ended = by_request.wait_for("the END line", |l| !l.is_empty()).await;
    assert_eq!(ended.len(), 1, "{ended:#?}");
    assert!(ended[0].message.starts_with("END RequestId: "));
    let started = Instant::now();
    while !by_request.ended() && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(by_request.ended());
    assert!(!session.unsubscribe_logs(one_shot), "it had ended already");

    // Unsubscribed: nothing more arrives.
    assert!(session.unsubscribe_logs(id));
    let before = all.lines().len();
    session.invoke_function("resize", &event).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(all.lines().len(), before);

    let bad = session
        .subscribe_logs(
            LogQuery {
                min_level: Some("loud".into()),
                ..LogQuery::default()
            },
            Received::default().sink(),
        )
        .await
        .unwrap_err();
    assert_eq!(bad.code, ErrorCode::InvalidInput);
    session.stop_run();
}

#[tokio::test(flavor = "multi_thread")]
async fn closing_the_project_stops_its_run_and_its_log_tails() {
    let (_data, session) = sample_session();
    let id = session
        .subscribe_logs(
            LogQuery {
                follow: true,
                ..LogQuery::default()
            },
            Received::default().sink(),
        )
        .await
        .unwrap();
    session.start_run(Some(0)).await.unwrap();
    session.invoke_function("resize", "{}").await.unwrap();
    let status = session.run_status();
    let resize = status
        .instances
        .iter()
        .find(|i| i.function == "resize")
        .unwrap();
    let pids: Vec<u32> = resize.warm_instances.iter().map(|i| i.pid).collect();
    assert_eq!(pids.len(), 1);
    session.close_project();
    assert!(!session.run_status().running);
    assert!(
        !session.unsubscribe_logs(id),
        "the tail ended with the project"
    );
    let started = Instant::now();
    while std::path::Path::new(&format!("/proc/{}", pids[0])).exists()
        && started.elapsed() < Duration::from_secs(5)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !std::path::Path::new(&format!("/proc/{}", pids[0])).exists(),
        "the instance outlived its project"
    );
}

fn line(n: i64) -> LogLine {
    LogLine {
        timestamp_ms: n,
        function: "f".into(),
        request_id: None,
        level: None,
        message: format!("line {n}"),
    }
}

#[tokio::test]
async fn a_flood_of_lines_arrives_in_few_batches_in_order() {
    // 5,000 lines within a few milliseconds: a handful of messages, not 5,000.
    let lines = futures_util::stream::iter((0..5_000).map(line));
    let mut batches = Vec::new();
    local::forward_in_batches(Box::pin(lines), Duration::from_millis(50), 2_000, |batch| {
        batches.push(batch);
        true
    })
    .await;
    assert!(batches.len() <= 4, "{} batches", batches.len());
    assert!(batches.last().unwrap().ended);
    let all: Vec<i64> = batches
        .iter()
        .flat_map(|b| b.lines.iter().map(|l| l.timestamp_ms))
        .collect();
    assert_eq!(all, (0..5_000).collect::<Vec<_>>());

    // A receiver that is gone ends the forwarding at once.
    let endless = futures_util::stream::iter((0..).map(line));
    let mut calls = 0;
    local::forward_in_batches(Box::pin(endless), Duration::from_millis(10), 100, |_| {
        calls += 1;
        false
    })
    .await;
    assert_eq!(calls, 1);

    // An empty, finished tail still says so.
    let mut empty = Vec::new();
    local::forward_in_batches(
        Box::pin(futures_util::stream::empty()),
        Duration::from_millis(10),
        100,
        |batch| {
            empty.push(batch);
            true
        },
    )
    .await;
    assert_eq!(
        empty,
        vec![LogBatch {
            lines: vec![],
            ended: true,
            error: None,
        }]
    );
}

/// A function with errors of its own in functory.toml (here a reserved environment variable,
/// which would hand it cloud credentials) does not start, and invoking it says why; the other
/// functions of the project run.
#[tokio::test(flavor = "multi_thread")]
async fn a_function_with_manifest_errors_does_not_run() {
    let (data, session) = sample_session();
    let manifest = sample_root(&data).join("functory.toml");
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        "environment = { THUMBS_BUCKET = \"thumbs\", MAX_WIDTH = \"320\" }",
        "environment = { THUMBS_BUCKET = \"thumbs\", AWS_ACCESS_KEY_ID = \"AKIAIOSFODNN7EXAMPLE\" }",
    );
    assert!(
        text.contains("AWS_ACCESS_KEY_ID"),
        "the sample's environment line changed"
    );
    std::fs::write(&manifest, text).unwrap();
    session.reload_project().unwrap();
    let status = session.start_run(Some(0)).await.unwrap();
    assert!(
        status
            .problems
            .iter()
            .any(|p| p.contains("`resize` was not started")),
        "{:?}",
        status.problems
    );
    let refused = session.invoke_function("resize", "{}").await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidManifest, "{refused}");
    assert!(refused.message.contains("AWS_ACCESS_KEY_ID"), "{refused}");
    let report = session.invoke_function("report", "{}").await.unwrap();
    assert!(report.function_error.is_none(), "{report:?}");
    session.stop_run();
}
