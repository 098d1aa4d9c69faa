//! A fake of Cloud Logging's gRPC service for its one streaming method, `TailLogEntries`
//! (`/google.logging.v2.LoggingServiceV2/TailLogEntries`), on a free loopback port over
//! HTTP/2 without TLS: a hand-written tonic service whose messages are written here from the
//! public protos, independently of the adapter's.
//!
//! It reads the REST fake's [`LogStore`], so the entries the fake's functions write while they
//! run are what it streams: a session checks the bearer token and the
//! `logging.logEntries.list` permission as the REST API does, validates the request (resource
//! names, filter, a buffer window of at most 60 s), then sends every matching entry ingested
//! after it opened, in timestamp order within a response. It can be told to refuse the next
//! session with a status Google sends, to hold new sessions before answering them, to start
//! sessions with entries ingested just before they opened (as Google's buffer may), to leave
//! entries out beyond a rate limit (reported as `suppression_info`), and to end every open
//! session; it counts open sessions, so a test sees one end when its client goes away.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use futures_util::stream::{self, BoxStream};
use hyper::body::Incoming;
use hyper::server::conn::http2;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use prost::Message;
use serde_json::Value as Json;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tonic::server::{Grpc, StreamingService};
use tonic::{Code, Status, Streaming};

use crate::fake::filter::{self, Filter};
use crate::fake::{FakeGoogle, LogStore};

pub const TAIL_PATH: &str = "/google.logging.v2.LoggingServiceV2/TailLogEntries";

// ---- The messages, from google/logging/v2/logging.proto, log_entry.proto and their imports.

#[derive(Clone, PartialEq, Message)]
pub struct TailRequest {
    #[prost(string, repeated, tag = "1")]
    pub resource_names: Vec<String>,
    #[prost(string, tag = "2")]
    pub filter: String,
    #[prost(message, optional, tag = "3")]
    pub buffer_window: Option<ProtoDuration>,
}

#[derive(Clone, PartialEq, Message)]
pub struct TailResponse {
    #[prost(message, repeated, tag = "1")]
    pub entries: Vec<ProtoEntry>,
    #[prost(message, repeated, tag = "2")]
    pub suppression_info: Vec<Suppression>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Suppression {
    /// `Reason`: 1 `RATE_LIMIT`, 2 `NOT_CONSUMED`.
    #[prost(int32, tag = "1")]
    pub reason: i32,
    #[prost(int32, tag = "2")]
    pub suppressed_count: i32,
}

#[derive(Clone, PartialEq, Message)]
pub struct ProtoEntry {
    #[prost(string, tag = "12")]
    pub log_name: String,
    #[prost(message, optional, tag = "8")]
    pub resource: Option<ProtoResource>,
    #[prost(string, optional, tag = "3")]
    pub text_payload: Option<String>,
    #[prost(message, optional, tag = "6")]
    pub json_payload: Option<ProtoStruct>,
    #[prost(message, optional, tag = "9")]
    pub timestamp: Option<ProtoTimestamp>,
    #[prost(message, optional, tag = "24")]
    pub receive_timestamp: Option<ProtoTimestamp>,
    #[prost(int32, tag = "10")]
    pub severity: i32,
    #[prost(string, tag = "4")]
    pub insert_id: String,
    #[prost(message, optional, tag = "7")]
    pub http_request: Option<ProtoHttpRequest>,
    #[prost(btree_map = "string, string", tag = "11")]
    pub labels: BTreeMap<String, String>,
    #[prost(string, tag = "22")]
    pub trace: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct ProtoResource {
    #[prost(string, tag = "1")]
    pub r#type: String,
    #[prost(btree_map = "string, string", tag = "2")]
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ProtoHttpRequest {
    #[prost(string, tag = "1")]
    pub request_method: String,
    #[prost(string, tag = "2")]
    pub request_url: String,
    #[prost(int32, tag = "4")]
    pub status: i32,
    #[prost(message, optional, tag = "14")]
    pub latency: Option<ProtoDuration>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ProtoTimestamp {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

#[derive(Clone, PartialEq, Message)]
pub struct ProtoDuration {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

#[derive(Clone, PartialEq, Message)]
pub struct ProtoStruct {
    #[prost(btree_map = "string, message", tag = "1")]
    pub fields: BTreeMap<String, ProtoValue>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ProtoValue {
    #[prost(oneof = "ProtoKind", tags = "1, 2, 3, 4, 5, 6")]
    pub kind: Option<ProtoKind>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
pub enum ProtoKind {
    #[prost(int32, tag = "1")]
    Null(i32),
    #[prost(double, tag = "2")]
    Number(f64),
    #[prost(string, tag = "3")]
    Text(String),
    #[prost(bool, tag = "4")]
    Bool(bool),
    #[prost(message, tag = "5")]
    Object(ProtoStruct),
    #[prost(message, tag = "6")]
    List(ProtoList),
}

#[derive(Clone, PartialEq, Message)]
pub struct ProtoList {
    #[prost(message, repeated, tag = "1")]
    pub values: Vec<ProtoValue>,
}

/// `google.rpc.Status`, sent as `grpc-status-details-bin`.
#[derive(Clone, PartialEq, Message)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<ProtoAny>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ProtoAny {
    #[prost(string, tag = "1")]
    pub type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `google.rpc.ErrorInfo`.
#[derive(Clone, PartialEq, Message)]
pub struct ErrorInfo {
    #[prost(string, tag = "1")]
    pub reason: String,
    #[prost(string, tag = "2")]
    pub domain: String,
    #[prost(btree_map = "string, string", tag = "3")]
    pub metadata: BTreeMap<String, String>,
}

// ---- Statuses as Google sends them.

/// A status with an `ErrorInfo` detail, as Google's APIs send refusals.
pub fn status_with_info(
    code: Code,
    message: &str,
    reason: &str,
    metadata: &[(&str, &str)],
) -> Status {
    let info = ErrorInfo {
        reason: reason.to_owned(),
        domain: "googleapis.com".to_owned(),
        metadata: metadata
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    };
    let details = RpcStatus {
        code: code as i32,
        message: message.to_owned(),
        details: vec![ProtoAny {
            type_url: "type.googleapis.com/google.rpc.ErrorInfo".to_owned(),
            value: info.encode_to_vec(),
        }],
    };
    Status::with_details(code, message, Bytes::from(details.encode_to_vec()))
}

pub fn unauthenticated() -> Status {
    status_with_info(
        Code::Unauthenticated,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        "ACCESS_TOKEN_TYPE_UNSUPPORTED",
        &[],
    )
}

pub fn permission_denied(permission: &str, resource: &str) -> Status {
    status_with_info(
        Code::PermissionDenied,
        &format!("Permission '{permission}' denied on '{resource}'"),
        "IAM_PERMISSION_DENIED",
        &[("permission", permission), ("resource", resource)],
    )
}

pub fn too_many_sessions() -> Status {
    Status::new(
        Code::ResourceExhausted,
        "Quota exceeded for quota metric 'Number of open live tailing sessions' and limit 'Open live tailing sessions per project' of service 'logging.googleapis.com'.",
    )
}

// ---- JSON entries (as the REST fake stores them) to protobuf.

fn timestamp(text: &str) -> Option<ProtoTimestamp> {
    let time = chrono::DateTime::parse_from_rfc3339(text).ok()?;
    Some(ProtoTimestamp {
        seconds: time.timestamp(),
        nanos: i32::try_from(time.timestamp_subsec_nanos()).ok()?,
    })
}

/// `"0.012s"` → a duration.
fn duration(text: &str) -> Option<ProtoDuration> {
    let seconds: f64 = text.strip_suffix('s')?.parse().ok()?;
    let whole = seconds.trunc();
    Some(ProtoDuration {
        seconds: whole as i64,
        nanos: ((seconds - whole) * 1e9).round() as i32,
    })
}

fn severity(name: &str) -> i32 {
    match name {
        "DEBUG" => 100,
        "INFO" => 200,
        "NOTICE" => 300,
        "WARNING" => 400,
        "ERROR" => 500,
        "CRITICAL" => 600,
        "ALERT" => 700,
        "EMERGENCY" => 800,
        _ => 0,
    }
}

fn value(json: &Json) -> ProtoValue {
    let kind = match json {
        Json::Null => ProtoKind::Null(0),
        Json::Bool(b) => ProtoKind::Bool(*b),
        Json::Number(n) => ProtoKind::Number(n.as_f64().unwrap_or_default()),
        Json::String(s) => ProtoKind::Text(s.clone()),
        Json::Array(items) => ProtoKind::List(ProtoList {
            values: items.iter().map(value).collect(),
        }),
        Json::Object(_) => ProtoKind::Object(object(json)),
    };
    ProtoValue { kind: Some(kind) }
}

fn object(json: &Json) -> ProtoStruct {
    ProtoStruct {
        fields: json
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), value(v)))
            .collect(),
    }
}

fn strings(json: &Json) -> BTreeMap<String, String> {
    json.as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect()
}

pub fn to_proto(entry: &Json) -> ProtoEntry {
    let text = |key: &str| entry[key].as_str().unwrap_or_default().to_owned();
    let request = &entry["httpRequest"];
    ProtoEntry {
        log_name: text("logName"),
        resource: Some(ProtoResource {
            r#type: entry["resource"]["type"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            labels: strings(&entry["resource"]["labels"]),
        }),
        text_payload: entry["textPayload"].as_str().map(str::to_owned),
        json_payload: entry.get("jsonPayload").map(object),
        timestamp: timestamp(&text("timestamp")),
        receive_timestamp: timestamp(&text("receiveTimestamp")),
        severity: severity(&text("severity")),
        insert_id: text("insertId"),
        http_request: request.is_object().then(|| ProtoHttpRequest {
            request_method: request["requestMethod"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            request_url: request["requestUrl"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            status: request["status"].as_i64().unwrap_or_default() as i32,
            latency: request["latency"].as_str().and_then(duration),
        }),
        labels: strings(&entry["labels"]),
        trace: text("trace"),
    }
}

// ---- The server.

/// What a session was asked for.
#[derive(Debug, Clone)]
pub struct SessionRequest {
    pub resource_names: Vec<String>,
    pub filter: String,
    pub buffer_window_ms: Option<i64>,
    pub principal: String,
}

#[derive(Default)]
struct TailState {
    refusals: Vec<Status>,
    /// A session sends at most this many entries; the rest are over the rate limit.
    rate_limit: Option<usize>,
    /// A session starts with this many entries ingested before it opened.
    replay: usize,
    requests: Vec<SessionRequest>,
}

struct TailInner {
    store: LogStore,
    state: Mutex<TailState>,
    /// Sessions open (answered and streaming).
    open: watch::Sender<usize>,
    /// Sessions waiting to be answered while held.
    waiting: watch::Sender<usize>,
    /// While true, new sessions wait before they are answered.
    held: watch::Sender<bool>,
    /// Bumped to end every open session.
    end: watch::Sender<u64>,
}

impl TailInner {
    fn lock(&self) -> std::sync::MutexGuard<'_, TailState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The fake; dropping it stops the server.
pub struct FakeTail {
    inner: Arc<TailInner>,
    base: String,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTail {
    fn drop(&mut self) {
        self.server.abort();
        self.inner.end.send_modify(|n| *n += 1);
    }
}

impl FakeTail {
    pub async fn start(google: &FakeGoogle) -> FakeTail {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free loopback port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let inner = Arc::new(TailInner {
            store: google.log_store(),
            state: Mutex::new(TailState::default()),
            open: watch::Sender::new(0),
            waiting: watch::Sender::new(0),
            held: watch::Sender::new(false),
            end: watch::Sender::new(0),
        });
        let serving = inner.clone();
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let inner = serving.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request: hyper::Request<Incoming>| {
                        let inner = inner.clone();
                        async move { Ok::<_, Infallible>(route(inner, request).await) }
                    });
                    let _ = http2::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FakeTail {
            inner,
            base,
            server,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The next session is refused with `status` (in order, one per session).
    pub fn refuse(&self, status: Status) {
        self.inner.lock().refusals.push(status);
    }

    /// Each session sends at most `entries` entries and leaves the rest out, reporting them
    /// as over the rate limit (`RATE_LIMIT`) with the next response.
    pub fn set_rate_limit(&self, entries: usize) {
        self.inner.lock().rate_limit = Some(entries);
    }

    /// New sessions start by sending the last `entries` entries ingested before they opened.
    pub fn replay_on_open(&self, entries: usize) {
        self.inner.lock().replay = entries;
    }

    /// New sessions wait before they are answered (a slow open) until [`Self::release`].
    pub fn hold(&self) {
        self.inner.held.send_replace(true);
    }

    pub fn release(&self) {
        self.inner.held.send_replace(false);
    }

    /// Ends every open session, as Google does when it closes a stream.
    pub fn end_sessions(&self) {
        self.inner.end.send_modify(|n| *n += 1);
    }

    pub fn requests(&self) -> Vec<SessionRequest> {
        self.inner.lock().requests.clone()
    }

    /// Waits until `n` sessions are open.
    pub async fn open_sessions(&self, n: usize) {
        let mut open = self.inner.open.subscribe();
        let _ = open.wait_for(|open| *open == n).await;
    }

    /// Waits until `n` sessions wait for [`Self::release`].
    pub async fn waiting_sessions(&self, n: usize) {
        let mut waiting = self.inner.waiting.subscribe();
        let _ = waiting.wait_for(|waiting| *waiting == n).await;
    }
}

async fn route(
    inner: Arc<TailInner>,
    request: hyper::Request<Incoming>,
) -> hyper::Response<tonic::body::Body> {
    if request.uri().path() != TAIL_PATH {
        return Status::unimplemented(format!(
            "Method not found: {}",
            request.uri().path().trim_start_matches('/')
        ))
        .into_http();
    }
    let codec = tonic_prost::ProstCodec::<TailResponse, TailRequest>::default();
    Grpc::new(codec)
        .streaming(TailService { inner }, request)
        .await
}

struct TailService {
    inner: Arc<TailInner>,
}

type Responses = BoxStream<'static, Result<TailResponse, Status>>;

impl StreamingService<TailRequest> for TailService {
    type Response = TailResponse;
    type ResponseStream = Responses;
    type Future = Pin<Box<dyn Future<Output = Result<tonic::Response<Responses>, Status>> + Send>>;

    fn call(&mut self, request: tonic::Request<Streaming<TailRequest>>) -> Self::Future {
        let inner = self.inner.clone();
        Box::pin(async move { open_session(inner, request).await })
    }
}

/// Counts a session while it lives.
struct Counted(watch::Sender<usize>);

impl Counted {
    fn new(counter: &watch::Sender<usize>) -> Counted {
        counter.send_modify(|n| *n += 1);
        Counted(counter.clone())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n -= 1);
    }
}

async fn open_session(
    inner: Arc<TailInner>,
    request: tonic::Request<Streaming<TailRequest>>,
) -> Result<tonic::Response<Responses>, Status> {
    inner.store.record("TailLogEntries");
    let refusal = {
        let mut state = inner.lock();
        (!state.refusals.is_empty()).then(|| state.refusals.remove(0))
    };
    if let Some(status) = refusal {
        return Err(status);
    }
    let token = request
        .metadata()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let principal = inner.store.principal(&token).ok_or_else(unauthenticated)?;
    let mut requests = request.into_inner();
    let Some(first) = requests.message().await? else {
        return Err(Status::invalid_argument(
            "The request stream ended before a TailLogEntriesRequest.",
        ));
    };
    if first.resource_names.is_empty() {
        return Err(Status::invalid_argument(
            "resource_names: at least one resource name is required.",
        ));
    }
    for resource in &first.resource_names {
        let project = resource.strip_prefix("projects/").unwrap_or_default();
        if inner.store.refuses("logging.logEntries.list", project) {
            return Err(permission_denied("logging.logEntries.list", resource));
        }
    }
    let window_ms = first
        .buffer_window
        .as_ref()
        .map(|d| d.seconds * 1000 + i64::from(d.nanos) / 1_000_000);
    if window_ms.is_some_and(|ms| !(0..=60_000).contains(&ms)) {
        return Err(Status::invalid_argument(
            "buffer_window: must be between 0 and 60000 milliseconds.",
        ));
    }
    let filter: Option<Filter> =
        if first.filter.trim().is_empty() {
            None
        } else {
            Some(filter::parse(&first.filter).map_err(|problem| {
                Status::invalid_argument(format!("Invalid filter: {problem}"))
            })?)
        };
    inner.lock().requests.push(SessionRequest {
        resource_names: first.resource_names.clone(),
        filter: first.filter.clone(),
        buffer_window_ms: window_ms,
        principal,
    });
    // A slow open: the client has sent its request and waits for the answer.
    {
        let _waiting = Counted::new(&inner.waiting);
        let mut held = inner.held.subscribe();
        let _ = held.wait_for(|held| !*held).await;
    }
    // Entries ingested from now on; subscribed before counting, so none slips between.
    let mut written = inner.store.written();
    let (_, count) = inner.store.entries_from(usize::MAX);
    let (rate_limit, replay) = {
        let state = inner.lock();
        (state.rate_limit, state.replay)
    };
    let mut next = count.saturating_sub(replay);
    let mut end = inner.end.subscribe();
    let open = Counted::new(&inner.open);
    let (sender, receiver) = mpsc::channel::<Result<TailResponse, Status>>(4);
    tokio::spawn(async move {
        // Both live as long as the session: the request side, and the count of open ones.
        let _requests = requests;
        let _open = open;
        let mut sent = 0usize;
        // Replayed entries go at once; then each write wakes the session.
        let mut wait = replay == 0;
        loop {
            if wait {
                tokio::select! {
                    _ = sender.closed() => return,
                    _ = end.changed() => return,
                    changed = written.changed() => {
                        if changed.is_err() {
                            return;
                        }
                    }
                }
            }
            wait = true;
            let (entries, count) = inner.store.entries_from(next);
            next = count;
            let mut matching: Vec<Json> = entries
                .into_iter()
                .filter(|e| filter.as_ref().is_none_or(|f| f.matches(e)))
                .collect();
            if matching.is_empty() {
                continue;
            }
            // The buffer window's point: each response in timestamp order.
            matching.sort_by(|a, b| a["timestamp"].as_str().cmp(&b["timestamp"].as_str()));
            let room = rate_limit.map_or(usize::MAX, |limit| limit.saturating_sub(sent));
            let left_out = matching.len().saturating_sub(room);
            matching.truncate(room);
            sent += matching.len();
            let response = TailResponse {
                entries: matching.iter().map(to_proto).collect(),
                suppression_info: if left_out > 0 {
                    vec![Suppression {
                        reason: 1,
                        suppressed_count: i32::try_from(left_out).unwrap_or(i32::MAX),
                    }]
                } else {
                    Vec::new()
                },
            };
            if sender.send(Ok(response)).await.is_err() {
                return;
            }
        }
    });
    let responses: Responses = Box::pin(stream::unfold(receiver, |mut receiver| async move {
        let next = receiver.recv().await?;
        Some((next, receiver))
    }));
    Ok(tonic::Response::new(responses))
}
