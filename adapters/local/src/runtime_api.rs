//! The AWS Lambda Runtime API (`/2018-06-01/runtime/...`), served on 127.0.0.1 for exactly one
//! instance: each instance gets its own listener, as each Lambda sandbox has its own endpoint,
//! so "one invocation in flight per instance" is a property of the wiring, not a lock.
//!
//! Functory's own Node.js and Python bootstraps speak the same API as frames on two pipes they
//! inherit (see [`serve_frames`]): the same four calls and the same headers, without HTTP's
//! parsing on either side and without the `202 Accepted` that HTTP owes every posted answer —
//! that reply woke the instance a second time per invocation.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
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
use tokio::net::unix::pipe;
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
    pub respond: oneshot::Sender<Answer>,
}

/// The instance's answer to one invocation.
#[derive(Debug)]
pub(crate) struct Answer {
    pub outcome: RuntimeOutcome,
    /// The peak resident set of the instance's main process in KiB, when its bootstrap says it
    /// (`getrusage`'s `ru_maxrss`, the figure `/proc/<pid>/status` calls `VmHWM`): it spares
    /// the runtime a `/proc` read per invocation.
    pub peak_kib: Option<u64>,
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
    in_flight: Mutex<HashMap<String, oneshot::Sender<Answer>>>,
    init: Mutex<Option<oneshot::Sender<InitSignal>>>,
}

/// The runtime's ends of the two pipes an instance's bootstrap reaches the API through, as
/// frames. Two one-way pipes rather than one socket: a socket wakes a reader blocked on it
/// whenever the other side consumes what it wrote, which cost the bootstrap a second, empty
/// wake-up per invocation.
#[derive(Debug)]
pub(crate) struct FramePipes {
    pub from_bootstrap: std::io::PipeReader,
    pub to_bootstrap: std::io::PipeWriter,
}

/// A running Runtime API endpoint. Dropping it stops the server and closes its connections.
#[derive(Debug)]
pub(crate) struct RuntimeApi {
    pub address: SocketAddr,
    invocations: mpsc::Sender<PendingInvocation>,
    server: JoinHandle<()>,
}

impl RuntimeApi {
    /// Binds 127.0.0.1 on a free port and starts serving. The receiver says when init ends.
    ///
    /// With `frames`, the same API is also served as frames on those pipes, whose other ends
    /// the instance inherits: Functory's own Node.js and Python bootstraps use them, since a
    /// pipe costs a fraction of a loopback TCP connection's kernel work per invocation and
    /// frames cost less than HTTP. Programs written for Lambda (the official runtime clients,
    /// custom `bootstrap`s) use the TCP address in `AWS_LAMBDA_RUNTIME_API`, as on Lambda.
    pub async fn start(
        frames: Option<FramePipes>,
    ) -> std::io::Result<(RuntimeApi, oneshot::Receiver<InitSignal>)> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?;
        let frames = match frames {
            Some(pipes) => Some((
                pipe::Receiver::from_owned_fd(OwnedFd::from(pipes.from_bootstrap))?,
                pipe::Sender::from_owned_fd(OwnedFd::from(pipes.to_bootstrap))?,
            )),
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
            if let Some((from_bootstrap, to_bootstrap)) = frames {
                connections.spawn(serve_frames(state.clone(), from_bootstrap, to_bootstrap));
            }
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let _ = stream.set_nodelay(true);
                        connections.spawn(serve(state.clone(), stream));
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        Ok((
            RuntimeApi {
                address,
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
    }
}

/// Serves one HTTP connection until it closes.
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
            let body = body.ok().filter(|b| b.len() <= MAX_RESPONSE_BYTES);
            let too_large = body.is_none();
            if !answer_response(state, &id, body, None) {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequestID",
                    "Invalid request ID",
                );
            }
            if too_large {
                error_response(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "RequestEntityTooLarge",
                    &response_too_large_message(),
                )
            } else {
                json_response(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
            }
        }
        (Method::POST, ["invocation", id, "error"]) => {
            let id = (*id).to_owned();
            let header_type = error_type_header(&request);
            let body = read_body(request).await.unwrap_or_default();
            if answer_error(state, &id, header_type, body, None) {
                json_response(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
            } else {
                error_response(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequestID",
                    "Invalid request ID",
                )
            }
        }
        (Method::POST, ["init", "error"]) => {
            let header_type = error_type_header(&request);
            let body = read_body(request).await.unwrap_or_default();
            if init_failed(state, header_type, body) {
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

fn response_too_large_message() -> String {
    format!(
        "Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."
    )
}

/// Hands invocation `id` its response (`None`: one larger than Lambda allows). False when no
/// invocation `id` is in flight.
fn answer_response(state: &ApiState, id: &str, body: Option<Bytes>, peak_kib: Option<u64>) -> bool {
    let Some(respond) = lock(&state.in_flight).remove(id) else {
        return false;
    };
    let outcome = match body {
        Some(body) => RuntimeOutcome::Response(body),
        None => {
            let document = serde_json::json!({
                "errorType": "Function.ResponseSizeTooLarge",
                "errorMessage": response_too_large_message(),
            });
            RuntimeOutcome::Error {
                error_type: "Function.ResponseSizeTooLarge".into(),
                document: Bytes::from(document.to_string()),
            }
        }
    };
    let _ = respond.send(Answer { outcome, peak_kib });
    true
}

/// Hands invocation `id` the error the instance reported. False when no invocation `id` is in
/// flight.
fn answer_error(
    state: &ApiState,
    id: &str,
    header_type: Option<String>,
    body: Bytes,
    peak_kib: Option<u64>,
) -> bool {
    let Some(respond) = lock(&state.in_flight).remove(id) else {
        return false;
    };
    let (error_type, document) = error_document(header_type, body);
    let outcome = RuntimeOutcome::Error {
        error_type,
        document,
    };
    let _ = respond.send(Answer { outcome, peak_kib });
    true
}

/// Reports a failed init. False once init is over.
fn init_failed(state: &ApiState, header_type: Option<String>, body: Bytes) -> bool {
    let Some(init) = lock(&state.init).take() else {
        return false;
    };
    let (error_type, document) = error_document(header_type, body);
    let _ = init.send(InitSignal::Failed {
        error_type,
        document,
    });
    true
}

/// Waits for the next invocation (the first call also ends init) and records it as in flight.
/// `None` once the instance is retired.
async fn take_next(state: &ApiState) -> Option<PendingInvocation> {
    if let Some(init) = lock(&state.init).take() {
        let _ = init.send(InitSignal::Ready);
    }
    let mut pending = state.next.lock().await.recv().await?;
    // The sender moves to the in-flight table; the invocation keeps a closed one.
    let (closed, _) = oneshot::channel();
    let respond = std::mem::replace(&mut pending.respond, closed);
    lock(&state.in_flight).insert(pending.request_id.clone(), respond);
    Some(pending)
}

/// The headers `GET /invocation/next` answers with, as Lambda names them.
fn invocation_headers(pending: &PendingInvocation) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        ("lambda-runtime-aws-request-id", pending.request_id.clone()),
        (
            "lambda-runtime-deadline-ms",
            pending.deadline_ms.to_string(),
        ),
        (
            "lambda-runtime-invoked-function-arn",
            pending.function_arn.clone(),
        ),
        ("lambda-runtime-trace-id", pending.trace_id.clone()),
    ];
    if let Some(context) = &pending.client_context {
        headers.push(("lambda-runtime-client-context", context.clone()));
    }
    if let Some(identity) = &pending.cognito_identity {
        headers.push(("lambda-runtime-cognito-identity", identity.clone()));
    }
    headers
}

async fn next_invocation(state: &ApiState) -> Response<Full<Bytes>> {
    let Some(pending) = take_next(state).await else {
        return error_response(
            StatusCode::GONE,
            "InstanceRetired",
            "this instance takes no more invocations",
        );
    };
    let fields = invocation_headers(&pending);
    let mut response = Response::new(Full::new(pending.payload));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (name, value) in fields {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

/// The largest frame header accepted from a bootstrap: a few short fields.
const MAX_FRAME_HEADER_BYTES: usize = 64 * 1024;

/// What a bootstrap's frame asks for.
#[derive(Debug, serde::Deserialize)]
struct BootstrapFrame {
    /// `next`, `response`, `error` or `init_error`: the Runtime API's four calls.
    op: String,
    /// The invocation a `response` or `error` answers.
    #[serde(default)]
    id: Option<String>,
    /// `Lambda-Runtime-Function-Error-Type`.
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    /// The bootstrap's `ru_maxrss` in KiB.
    #[serde(default, rename = "maxRssKib")]
    max_rss_kib: Option<u64>,
}

/// Serves the Runtime API as frames to one of Functory's own bootstraps until its pipe closes,
/// the instance is retired, or the bootstrap breaks the framing.
///
/// A frame is a line `<header bytes> <body bytes>\n`, then a JSON object of that many bytes,
/// then the body. The bootstrap sends `{"op":"next"}`, `{"op":"response","id":…}` (body: the
/// result), `{"op":"error","id":…,"errorType":…}` or `{"op":"init_error","errorType":…}`
/// (body: the error document); a `response` or `error` may carry `maxRssKib`. Only `next` is
/// answered: with a frame whose header holds the `lambda-runtime-*` headers, lower-cased, and
/// whose body is the event.
async fn serve_frames(
    state: Arc<ApiState>,
    read: pipe::Receiver,
    mut write: impl tokio::io::AsyncWrite + Unpin,
) {
    use tokio::io::AsyncWriteExt;
    let mut reader = tokio::io::BufReader::with_capacity(64 * 1024, read);
    let mut out = Vec::with_capacity(4096);
    while let Ok(Some((frame, body))) = read_frame(&mut reader).await {
        let peak_kib = frame.max_rss_kib;
        match frame.op.as_str() {
            "next" => {
                let Some(pending) = take_next(&state).await else {
                    // Retired: closing the connection tells the bootstrap.
                    return;
                };
                out.clear();
                encode_invocation_frame(&mut out, &pending);
                if write.write_all(&out).await.is_err() {
                    return;
                }
            }
            "response" => {
                let id = frame.id.unwrap_or_default();
                answer_response(&state, &id, body, peak_kib);
            }
            "error" => {
                let id = frame.id.unwrap_or_default();
                answer_error(
                    &state,
                    &id,
                    frame.error_type,
                    body.unwrap_or_default(),
                    peak_kib,
                );
            }
            "init_error" => {
                init_failed(&state, frame.error_type, body.unwrap_or_default());
            }
            _ => return,
        }
    }
}

/// Appends the frame answering `next` with `pending`.
fn encode_invocation_frame(out: &mut Vec<u8>, pending: &PendingInvocation) {
    let mut header = Vec::with_capacity(512);
    header.push(b'{');
    for (i, (name, value)) in invocation_headers(pending).iter().enumerate() {
        if i > 0 {
            header.push(b',');
        }
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut header, name);
        header.push(b':');
        let _ = serde_json::to_writer(&mut header, value);
    }
    header.push(b'}');
    out.extend_from_slice(format!("{} {}\n", header.len(), pending.payload.len()).as_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&pending.payload);
}

/// Reads one frame: its header and its body, `None` for a body over Lambda's response limit
/// (read and dropped, so the next frame is found). `Ok(None)` at the end of the stream; an
/// error for a stream that is not frames.
async fn read_frame<R>(reader: &mut R) -> std::io::Result<Option<(BootstrapFrame, Option<Bytes>)>>
where
    R: tokio::io::AsyncBufRead + Unpin,
{
    use tokio::io::{AsyncBufReadExt, AsyncReadExt};
    let invalid =
        |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let mut line = Vec::with_capacity(32);
    // The length line is two decimal numbers: anything longer is not a frame.
    let read = (&mut *reader).take(64).read_until(b'\n', &mut line).await?;
    if read == 0 {
        return Ok(None);
    }
    let text = std::str::from_utf8(&line)
        .ok()
        .and_then(|t| t.strip_suffix('\n'))
        .ok_or_else(|| invalid("a frame's length line"))?;
    let (header_len, body_len) = text
        .split_once(' ')
        .and_then(|(h, b)| Some((h.parse::<usize>().ok()?, b.parse::<u64>().ok()?)))
        .ok_or_else(|| invalid("a frame's lengths"))?;
    if header_len > MAX_FRAME_HEADER_BYTES {
        return Err(invalid("a frame header too large"));
    }
    let mut header = vec![0; header_len];
    reader.read_exact(&mut header).await?;
    let frame: BootstrapFrame =
        serde_json::from_slice(&header).map_err(|_| invalid("a frame header"))?;
    if body_len > MAX_RESPONSE_BYTES as u64 {
        let skipped =
            tokio::io::copy(&mut (&mut *reader).take(body_len), &mut tokio::io::sink()).await?;
        if skipped < body_len {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        return Ok(Some((frame, None)));
    }
    let mut body = vec![0; body_len as usize];
    reader.read_exact(&mut body).await?;
    Ok(Some((frame, Some(Bytes::from(body)))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn frame(header: &str, body: &[u8]) -> Vec<u8> {
        let mut out = format!("{} {}\n{header}", header.len(), body.len()).into_bytes();
        out.extend_from_slice(body);
        out
    }

    fn pending(id: &str, payload: &str) -> (PendingInvocation, oneshot::Receiver<Answer>) {
        let (respond, answered) = oneshot::channel();
        let invocation = PendingInvocation {
            request_id: id.to_owned(),
            payload: Bytes::from(payload.to_owned()),
            deadline_ms: 1_700_000_000_000,
            function_arn: "arn:aws:lambda:us-east-1:123456789012:function:f".to_owned(),
            trace_id: "Root=1-00000000-000000000000000000000000".to_owned(),
            client_context: Some(r#"{"custom":{"a":"\tb"}}"#.to_owned()),
            cognito_identity: None,
            respond,
        };
        (invocation, answered)
    }

    /// The bootstrap's ends of an API's frame pipes, as one stream.
    type BootstrapEnds = tokio::io::Join<pipe::Receiver, pipe::Sender>;

    /// An API serving frames, and the bootstrap's ends of its pipes.
    async fn frames_api() -> (BootstrapEnds, (RuntimeApi, oneshot::Receiver<InitSignal>)) {
        let (bootstrap_reads, to_bootstrap) = std::io::pipe().unwrap();
        let (from_bootstrap, bootstrap_writes) = std::io::pipe().unwrap();
        let ends = tokio::io::join(
            pipe::Receiver::from_owned_fd(OwnedFd::from(bootstrap_reads)).unwrap(),
            pipe::Sender::from_owned_fd(OwnedFd::from(bootstrap_writes)).unwrap(),
        );
        let pipes = FramePipes {
            from_bootstrap,
            to_bootstrap,
        };
        (ends, RuntimeApi::start(Some(pipes)).await.unwrap())
    }

    /// Reads one frame the runtime sent: its JSON header and its body.
    async fn read_sent(stream: &mut BootstrapEnds) -> (serde_json::Value, Vec<u8>) {
        let mut line = Vec::new();
        loop {
            let byte = stream.read_u8().await.unwrap();
            if byte == b'\n' {
                break;
            }
            line.push(byte);
        }
        let line = String::from_utf8(line).unwrap();
        let (header_len, body_len) = line.split_once(' ').unwrap();
        let mut header = vec![0; header_len.parse().unwrap()];
        stream.read_exact(&mut header).await.unwrap();
        let mut body = vec![0; body_len.parse().unwrap()];
        stream.read_exact(&mut body).await.unwrap();
        (serde_json::from_slice(&header).unwrap(), body)
    }

    #[tokio::test]
    async fn frames_carry_invocations_answers_errors_and_the_reported_peak() {
        let (mut stream, (api, init)) = frames_api().await;
        stream
            .write_all(&frame(r#"{"op":"next"}"#, b""))
            .await
            .unwrap();
        assert!(matches!(init.await.unwrap(), InitSignal::Ready));

        let (first, answered) = pending("req-1", r#"{"n":1}"#);
        api.submit(first).await.unwrap();
        let (headers, body) = read_sent(&mut stream).await;
        assert_eq!(body, br#"{"n":1}"#);
        assert_eq!(headers["lambda-runtime-aws-request-id"], "req-1");
        assert_eq!(headers["lambda-runtime-deadline-ms"], "1700000000000");
        assert_eq!(
            headers["lambda-runtime-invoked-function-arn"],
            "arn:aws:lambda:us-east-1:123456789012:function:f"
        );
        // A value HTTP could not carry in a header (a tab) arrives whole.
        assert_eq!(
            headers["lambda-runtime-client-context"],
            r#"{"custom":{"a":"\tb"}}"#
        );
        assert!(headers.get("lambda-runtime-cognito-identity").is_none());

        // The answer and the next request in one write, as the bootstraps send them.
        let mut both = frame(r#"{"op":"response","id":"req-1","maxRssKib":51200}"#, b"42");
        both.extend(frame(r#"{"op":"next"}"#, b""));
        stream.write_all(&both).await.unwrap();
        let answer = answered.await.unwrap();
        assert_eq!(answer.peak_kib, Some(51200));
        assert!(matches!(answer.outcome, RuntimeOutcome::Response(ref b) if b == "42"));

        // A handler error: the type comes from the document.
        let (second, answered) = pending("req-2", "{}");
        api.submit(second).await.unwrap();
        read_sent(&mut stream).await;
        let mut both = frame(
            r#"{"op":"error","id":"req-2","errorType":"Header.Type"}"#,
            br#"{"errorType":"TypeError","errorMessage":"no"}"#,
        );
        both.extend(frame(r#"{"op":"next"}"#, b""));
        stream.write_all(&both).await.unwrap();
        let answer = answered.await.unwrap();
        assert_eq!(answer.peak_kib, None);
        let RuntimeOutcome::Error { error_type, .. } = answer.outcome else {
            panic!("not an error: {:?}", answer.outcome);
        };
        assert_eq!(error_type, "TypeError");

        // A response over Lambda's limit becomes Function.ResponseSizeTooLarge, and the frame
        // after it is still read.
        let (third, answered) = pending("req-3", "{}");
        api.submit(third).await.unwrap();
        read_sent(&mut stream).await;
        let mut both = frame(
            r#"{"op":"response","id":"req-3"}"#,
            &vec![b'x'; MAX_RESPONSE_BYTES + 1],
        );
        both.extend(frame(r#"{"op":"next"}"#, b""));
        stream.write_all(&both).await.unwrap();
        let RuntimeOutcome::Error { error_type, .. } = answered.await.unwrap().outcome else {
            panic!("a too-large response was accepted");
        };
        assert_eq!(error_type, "Function.ResponseSizeTooLarge");
        let (fourth, answered) = pending("req-4", "{}");
        api.submit(fourth).await.unwrap();
        let (headers, _) = read_sent(&mut stream).await;
        assert_eq!(headers["lambda-runtime-aws-request-id"], "req-4");

        // An answer for an invocation not in flight changes nothing; then a stream that is not
        // frames is closed.
        stream
            .write_all(&frame(r#"{"op":"response","id":"nope"}"#, b"1"))
            .await
            .unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
        // A stopped API drops what was in flight: the invoker learns it at once.
        drop(api);
        assert!(answered.await.is_err());
    }

    #[tokio::test]
    async fn an_init_error_frame_ends_init() {
        let (mut stream, (_api, init)) = frames_api().await;
        stream
            .write_all(&frame(
                r#"{"op":"init_error","errorType":"Runtime.ImportModuleError"}"#,
                b"not json",
            ))
            .await
            .unwrap();
        let InitSignal::Failed {
            error_type,
            document,
        } = init.await.unwrap()
        else {
            panic!("init did not fail");
        };
        assert_eq!(error_type, "Runtime.ImportModuleError");
        let document: serde_json::Value = serde_json::from_slice(&document).unwrap();
        assert_eq!(document["errorMessage"], "not json");
    }
}
