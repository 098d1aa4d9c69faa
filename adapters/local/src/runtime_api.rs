//! The AWS Lambda Runtime API (`/2018-06-01/runtime/...`), served on 127.0.0.1 for exactly one
//! instance: each instance gets its own listener, as each Lambda sandbox has its own endpoint,
//! so "one invocation in flight per instance" is a property of the wiring, not a lock.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};

/// Lambda refuses synchronous responses above 6 MB.
pub(crate) const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

/// An invocation waiting for the instance to ask for it with `GET /invocation/next`.
#[derive(Debug)]
pub(crate) struct PendingInvocation {
    pub request_id: String,
    pub payload: Bytes,
    pub deadline_ms: i64,
    pub function_arn: String,
    pub trace_id: String,
    pub client_context: Option<String>,
    pub cognito_identity: Option<String>,
    pub respond: oneshot::Sender<RuntimeOutcome>,
}

/// What the instance answered for one invocation.
#[derive(Debug)]
pub(crate) enum RuntimeOutcome {
    Response(Bytes),
    /// `POST /invocation/{id}/error`, or a response Lambda itself would refuse.
    Error {
        error_type: String,
        document: Bytes,
    },
}

/// How initialisation ended, as the instance told the API.
#[derive(Debug)]
pub(crate) enum InitSignal {
    /// The first `GET /invocation/next`: init is over.
    Ready,
    /// `POST /init/error`.
    Failed { error_type: String, document: Bytes },
}

struct ApiState {
    next: tokio::sync::Mutex<mpsc::Receiver<PendingInvocation>>,
    in_flight: Mutex<HashMap<String, oneshot::Sender<RuntimeOutcome>>>,
    init: Mutex<Option<oneshot::Sender<InitSignal>>>,
}

/// A running Runtime API endpoint. Dropping it stops the server and closes its connections.
#[derive(Debug)]
pub(crate) struct RuntimeApi {
    pub address: SocketAddr,
    /// The Unix socket also served, removed on drop.
    unix_path: Option<std::path::PathBuf>,
    invocations: mpsc::Sender<PendingInvocation>,
    server: JoinHandle<()>,
}

impl RuntimeApi {
    /// Binds 127.0.0.1 on a free port and starts serving. The receiver says when init ends.
    ///
    /// With `unix_path`, the same API is also served on a Unix socket there, which Functory's
    /// own Node.js and Python bootstraps use: on loopback a Unix socket costs a fraction of a
    /// TCP connection's kernel work per invocation. Programs written for Lambda (the official
    /// runtime clients, custom `bootstrap`s) use the TCP address in `AWS_LAMBDA_RUNTIME_API`,
    /// as on Lambda. The socket lives in a folder only this user can enter, and is removed
    /// with the API.
    pub async fn start(
        unix_path: Option<&std::path::Path>,
    ) -> std::io::Result<(RuntimeApi, oneshot::Receiver<InitSignal>)> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?;
        let unix = match unix_path {
            Some(path) => {
                // A file left by a process that had this pid before us.
                let _ = std::fs::remove_file(path);
                Some(tokio::net::UnixListener::bind(path)?)
            }
            None => None,
        };
        let (invocations, next) = mpsc::channel(1);
        let (init_tx, init_rx) = oneshot::channel();
        let state = Arc::new(ApiState {
            next: tokio::sync::Mutex::new(next),
            in_flight: Mutex::default(),
            init: Mutex::new(Some(init_tx)),
        });
        let server = tokio::spawn(async move {
            // Connections live in this set so aborting the server also drops them.
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let _ = stream.set_nodelay(true);
                        connections.spawn(serve(state.clone(), stream));
                    }
                    accepted = accept_unix(unix.as_ref()) => {
                        let Ok(stream) = accepted else { continue };
                        connections.spawn(serve(state.clone(), stream));
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        Ok((
            RuntimeApi {
                address,
                unix_path: unix_path.map(std::path::Path::to_owned),
                invocations,
                server,
            },
            init_rx,
        ))
    }

    /// Hands an invocation to the instance's next `GET /invocation/next`.
    pub async fn submit(&self, invocation: PendingInvocation) -> Result<(), PendingInvocation> {
        self.invocations.send(invocation).await.map_err(|e| e.0)
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
        if let Some(path) = &self.unix_path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Serves one connection (TCP or Unix) until it closes.
async fn serve<S>(state: Arc<ApiState>, stream: S)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request| {
        let state = state.clone();
        async move { Ok::<_, Infallible>(route(&state, request).await) }
    });
    let _ = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// The next connection on the Unix listener; never, without one.
async fn accept_unix(
    listener: Option<&tokio::net::UnixListener>,
) -> std::io::Result<tokio::net::UnixStream> {
    match listener {
        Some(listener) => listener.accept().await.map(|(stream, _)| stream),
        None => std::future::pending().await,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn json_response(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_owned())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn error_response(status: StatusCode, error_type: &str, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({ "errorType": error_type, "errorMessage": message });
    json_response(status, &body.to_string())
}

async fn read_body(request: Request<Incoming>) -> Result<Bytes, ()> {
    // One byte over the limit is enough to know the response is too large.
    Limited::new(request.into_body(), MAX_RESPONSE_BYTES + 1)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|_| ())
}

async fn route(state: &ApiState, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    let Some(rest) = path.strip_prefix("/2018-06-01/runtime/") else {
        return error_response(StatusCode::NOT_FOUND, "NotFound", "unknown path");
    };
    let method = request.method().clone();
    let segments: Vec<&str> = rest.split('/').collect();
    match (method, segments.as_slice()) {
        (Method::GET, ["invocation", "next"]) => next_invocation(state).await,
        (Method::POST, ["invocation", id, "response"]) => {
            let id = (*id).to_owned();
            let body = read_body(request).await;
            let Some(respond) = lock(&state.in_flight).remove(&id) else {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequestID",
                    "Invalid request ID",
                );
            };
            match body {
                Ok(body) if body.len() <= MAX_RESPONSE_BYTES => {
                    let _ = respond.send(RuntimeOutcome::Response(body));
                    json_response(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
                }
                _ => {
                    let message = format!(
                        "Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."
                    );
                    let document = serde_json::json!({
                        "errorType": "Function.ResponseSizeTooLarge",
                        "errorMessage": message,
                    });
                    let _ = respond.send(RuntimeOutcome::Error {
                        error_type: "Function.ResponseSizeTooLarge".into(),
                        document: Bytes::from(document.to_string()),
                    });
                    error_response(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "RequestEntityTooLarge",
                        &message,
                    )
                }
            }
        }
        (Method::POST, ["invocation", id, "error"]) => {
            let id = (*id).to_owned();
            let header_type = error_type_header(&request);
            let body = read_body(request).await.unwrap_or_default();
            let Some(respond) = lock(&state.in_flight).remove(&id) else {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequestID",
                    "Invalid request ID",
                );
            };
            let (error_type, document) = error_document(header_type, body);
            let _ = respond.send(RuntimeOutcome::Error {
                error_type,
                document,
            });
            json_response(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
        }
        (Method::POST, ["init", "error"]) => {
            let header_type = error_type_header(&request);
            let body = read_body(request).await.unwrap_or_default();
            let (error_type, document) = error_document(header_type, body);
            if let Some(init) = lock(&state.init).take() {
                let _ = init.send(InitSignal::Failed {
                    error_type,
                    document,
                });
                json_response(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
            } else {
                error_response(
                    StatusCode::FORBIDDEN,
                    "InvalidStateTransition",
                    "init is already over",
                )
            }
        }
        _ => error_response(StatusCode::NOT_FOUND, "NotFound", "unknown path"),
    }
}

fn error_type_header(request: &Request<Incoming>) -> Option<String> {
    request
        .headers()
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The error type comes from the body's `errorType` when the runtime sent a JSON document,
/// otherwise from the header; a body that is not a JSON object is wrapped into one.
fn error_document(header_type: Option<String>, body: Bytes) -> (String, Bytes) {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
    let body_type = parsed
        .as_ref()
        .and_then(|v| v.get("errorType"))
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    let error_type = body_type
        .or(header_type)
        .unwrap_or_else(|| "Unhandled".to_owned());
    match parsed {
        Some(serde_json::Value::Object(_)) => (error_type, body),
        _ => {
            let document = serde_json::json!({
                "errorType": error_type,
                "errorMessage": String::from_utf8_lossy(&body),
            });
            (error_type, Bytes::from(document.to_string()))
        }
    }
}

async fn next_invocation(state: &ApiState) -> Response<Full<Bytes>> {
    if let Some(init) = lock(&state.init).take() {
        let _ = init.send(InitSignal::Ready);
    }
    let pending = state.next.lock().await.recv().await;
    let Some(pending) = pending else {
        return error_response(
            StatusCode::GONE,
            "InstanceRetired",
            "this instance takes no more invocations",
        );
    };
    lock(&state.in_flight).insert(pending.request_id.clone(), pending.respond);
    let mut response = Response::new(Full::new(pending.payload));
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set("content-type", "application/json");
    set("lambda-runtime-aws-request-id", &pending.request_id);
    set(
        "lambda-runtime-deadline-ms",
        &pending.deadline_ms.to_string(),
    );
    set("lambda-runtime-invoked-function-arn", &pending.function_arn);
    set("lambda-runtime-trace-id", &pending.trace_id);
    if let Some(context) = &pending.client_context {
        set("lambda-runtime-client-context", context);
    }
    if let Some(identity) = &pending.cognito_identity {
        set("lambda-runtime-cognito-identity", identity);
    }
    response
}
