//! The loopback test bridge: the UI's browser tests run the real UI against the real backend
//! through it. It serves the built UI (`ui/dist`) and, on the same origin, every api command of
//! `functory_api::ipc` from one real `Session`, exactly as the desktop app's `call` command
//! does. Streaming commands send on channels the page opens first and long-polls.
//!
//! Test support only: it is not part of the app or its bundle, and it listens on 127.0.0.1.
//!
//! ```text
//! functory-test-bridge --dist ui/dist --data DIR [--open DIR | --sample]
//!                      [--keychain-namespace NAME] [--pick-folder DIR]
//! ```
//! It prints `listening on http://127.0.0.1:PORT/` once it serves, and stops when its standard
//! input closes, so a test harness that dies never leaves it behind.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use functory_api::accounts::Accounts;
use functory_api::ipc::{self, ChannelSink};
use functory_api::session::{LaunchRequest, Session};
use functory_api::vault::Namespace;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// How long a channel poll waits for a message before answering an empty batch.
const POLL_WAIT: Duration = Duration::from_secs(15);
/// The largest request body (a file the editor saves).
const MAX_BODY: usize = 32 * 1024 * 1024;

#[derive(Debug)]
struct Options {
    dist: PathBuf,
    data: PathBuf,
    launch: LaunchRequest,
    namespace: Option<String>,
    pick_folder: Option<String>,
}

fn parse_options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let (mut dist, mut data, mut namespace, mut pick_folder) = (None, None, None, None);
    let mut launch = LaunchRequest::Nothing;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--dist" => dist = Some(PathBuf::from(value("--dist")?)),
            "--data" => data = Some(PathBuf::from(value("--data")?)),
            "--open" => launch = LaunchRequest::Folder(value("--open")?.into()),
            "--sample" => launch = LaunchRequest::Sample,
            "--keychain-namespace" => namespace = Some(value("--keychain-namespace")?),
            "--pick-folder" => pick_folder = Some(value("--pick-folder")?),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Options {
        dist: dist.ok_or("--dist DIR is required (the built UI)")?,
        data: data.ok_or("--data DIR is required (the app's data folder)")?,
        launch,
        namespace,
        pick_folder,
    })
}

/// A channel's messages, waiting for the page's next poll.
#[derive(Default)]
struct Queue {
    messages: Mutex<VecDeque<Value>>,
    ready: tokio::sync::Notify,
    closed: AtomicBool,
}

impl ChannelSink for Queue {
    fn send(&self, message: Value) -> bool {
        if self.closed.load(Ordering::SeqCst) {
            return false;
        }
        self.messages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(message);
        self.ready.notify_one();
        true
    }
}

struct Bridge {
    session: Arc<Session>,
    dist: PathBuf,
    pick_folder: Option<String>,
    channels: Mutex<HashMap<u64, Arc<Queue>>>,
    next_channel: AtomicU64,
}

type Reply = Response<Full<Bytes>>;

fn json_reply(status: StatusCode, value: &Value) -> Reply {
    let mut response = Response::new(Full::new(Bytes::from(value.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

fn outcome(result: Result<Value, functory_api::ApiError>) -> Reply {
    match result {
        Ok(value) => json_reply(StatusCode::OK, &json!({ "ok": value })),
        Err(error) => json_reply(StatusCode::OK, &json!({ "error": error })),
    }
}

impl Bridge {
    fn channel(&self, id: u64) -> Option<Arc<Queue>> {
        self.channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned()
    }

    async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Reply {
        let path = request.uri().path().to_owned();
        let no_wait = request.uri().query() == Some("wait=0");
        let method = request.method().clone();
        match (method, path.as_str()) {
            (Method::POST, "/_bridge/call") => {
                let body = match read_json(request).await {
                    Ok(body) => body,
                    Err(reply) => return reply,
                };
                let command = body["command"].as_str().unwrap_or_default().to_owned();
                let channel = body["channel"]
                    .as_u64()
                    .and_then(|id| self.channel(id))
                    .map(|queue| queue as Arc<dyn ChannelSink>);
                let args = body.get("args").cloned().unwrap_or(Value::Null);
                outcome(ipc::dispatch(self.session.clone(), &command, args, channel).await)
            }
            (Method::POST, "/_bridge/channels") => {
                let id = self.next_channel.fetch_add(1, Ordering::SeqCst) + 1;
                self.channels
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(id, Arc::default());
                json_reply(StatusCode::OK, &json!({ "id": id }))
            }
            (method, path) if path.starts_with("/_bridge/channels/") => {
                let id: u64 = path["/_bridge/channels/".len()..].parse().unwrap_or(0);
                let Some(queue) = self.channel(id) else {
                    return json_reply(StatusCode::OK, &json!({ "messages": [], "open": false }));
                };
                if method == Method::DELETE {
                    queue.closed.store(true, Ordering::SeqCst);
                    queue.ready.notify_waiters();
                    self.channels
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&id);
                    return json_reply(StatusCode::OK, &json!({ "ok": true }));
                }
                let drain = |queue: &Queue| -> Vec<Value> {
                    queue
                        .messages
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .drain(..)
                        .collect()
                };
                // Waiting is registered before the queue is read: a message sent (`notify_one`)
                // or a close (`notify_waiters`, which wakes only registered waiters) between
                // the read and the wait then still ends the wait.
                let notified = queue.ready.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                let mut messages = drain(&queue);
                if messages.is_empty() && !no_wait && !queue.closed.load(Ordering::SeqCst) {
                    let _ = tokio::time::timeout(POLL_WAIT, notified).await;
                    messages = drain(&queue);
                }
                json_reply(
                    StatusCode::OK,
                    &json!({ "messages": messages, "open": !queue.closed.load(Ordering::SeqCst) }),
                )
            }
            (Method::POST, "/_bridge/host/pick_folder") => outcome(Ok(json!(self.pick_folder))),
            (Method::POST, "/_bridge/host/ui_ready") => outcome(Ok(Value::Null)),
            (Method::GET, path) => self.static_file(path),
            _ => json_reply(StatusCode::NOT_FOUND, &json!({ "error": "not found" })),
        }
    }

    /// A file of the built UI; `/` is `index.html`. Nothing outside `dist` is served.
    fn static_file(&self, path: &str) -> Reply {
        let relative = if path == "/" {
            "index.html"
        } else {
            path.trim_start_matches('/')
        };
        let relative = Path::new(relative);
        if relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return json_reply(StatusCode::NOT_FOUND, &json!({ "error": "not found" }));
        }
        let file = self.dist.join(relative);
        let Ok(bytes) = std::fs::read(&file) else {
            return json_reply(StatusCode::NOT_FOUND, &json!({ "error": "not found" }));
        };
        let kind = match file.extension().and_then(|e| e.to_str()) {
            Some("html") => "text/html; charset=utf-8",
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            Some("svg") => "image/svg+xml",
            Some("png") => "image/png",
            Some("json") => "application/json",
            Some("woff2") => "font/woff2",
            _ => "application/octet-stream",
        };
        let mut response = Response::new(Full::new(Bytes::from(bytes)));
        let headers = response.headers_mut();
        headers.insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static(kind),
        );
        headers.insert(
            hyper::header::CACHE_CONTROL,
            hyper::header::HeaderValue::from_static("no-store"),
        );
        response
    }
}

async fn read_json(request: Request<Incoming>) -> Result<Value, Reply> {
    let bytes = Limited::new(request.into_body(), MAX_BODY)
        .collect()
        .await
        .map_err(|e| {
            json_reply(
                StatusCode::PAYLOAD_TOO_LARGE,
                &json!({ "error": e.to_string() }),
            )
        })?
        .to_bytes();
    serde_json::from_slice(&bytes)
        .map_err(|e| json_reply(StatusCode::BAD_REQUEST, &json!({ "error": e.to_string() })))
}

fn main() {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("functory-test-bridge: {message}");
            std::process::exit(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("functory-test-bridge: no async runtime: {error}");
            std::process::exit(1);
        }
    };
    if let Err(error) = runtime.block_on(serve(options)) {
        eprintln!("functory-test-bridge: {error}");
        std::process::exit(1);
    }
}

async fn serve(options: Options) -> std::io::Result<()> {
    std::fs::create_dir_all(&options.data)?;
    let session = match &options.namespace {
        Some(name) => Session::with_accounts(
            &options.data,
            options.launch.clone(),
            Accounts::in_namespace(Namespace::custom(name.clone())),
        ),
        None => Session::new(&options.data, options.launch.clone()),
    };
    let bridge = Arc::new(Bridge {
        session: Arc::new(session),
        dist: options.dist.clone(),
        pick_folder: options.pick_folder.clone(),
        channels: Mutex::default(),
        next_channel: AtomicU64::new(0),
    });
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    println!("listening on http://{}/", listener.local_addr()?);
    let stdin_closed = async {
        let mut sink = [0u8; 64];
        let mut stdin = tokio::io::stdin();
        while matches!(stdin.read(&mut sink).await, Ok(n) if n > 0) {}
    };
    tokio::pin!(stdin_closed);
    loop {
        tokio::select! {
            () = &mut stdin_closed => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let bridge = bridge.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let bridge = bridge.clone();
                        async move { Ok::<_, Infallible>(bridge.handle(request).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
    // Stop the local run's processes before leaving, as the app does on exit.
    bridge.session.close_project();
    Ok(())
}
