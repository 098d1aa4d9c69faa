//! A fake of the Google REST APIs the adapter uses, on a free loopback port, written from the
//! public API references: the OAuth token endpoint (JWT bearer with `scope` or
//! `target_audience`, refresh tokens), Cloud Functions v2 (generateUploadUrl and the signed
//! upload, create / patch with `updateMask` / get / list with `pageToken` / delete, operations
//! whose stages progress as they are polled, exact `@type`s, Google's error bodies, bearer
//! checks), Cloud Run `getIamPolicy`/`setIamPolicy` with etags, Cloud Scheduler jobs (and
//! `jobs.run`), Pub/Sub publish, and Cloud Logging `entries:list` (filters, `pageToken`,
//! entries that become visible late).
//!
//! Deployed functions really run: when an operation reaches its SERVICE stage, the uploaded
//! zip is unpacked and served by a stand-in Functions Framework with the machine's `node` or
//! `python3` (`harness.cjs`, `harness.py`), behind the function's URL on this server, which
//! checks ID tokens and the invoker policy as Cloud Run does. Their stdout becomes log entries
//! as Cloud Run's structured logging makes them. Faults can be injected per call.
//!
//! [`LogStore`] lends the log entries, tokens and permissions to fakes of other protocols
//! (the gRPC `TailLogEntries` of `tests/fake_grpc`), which live outside this module so that
//! what includes it needs no gRPC stack.

#![allow(dead_code)]
// Early answers (a refusal) travel as the `Err` of the checks; their size does not matter here.
#![allow(clippy::result_large_err)]

pub mod filter;
pub mod jwt;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::convert::Infallible;
use std::io::Cursor;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::{Child, Command};

pub use jwt::ServiceAccountKeyPair;

const METADATA_TYPE: &str = "type.googleapis.com/google.cloud.functions.v2.OperationMetadata";
const FUNCTION_TYPE: &str = "type.googleapis.com/google.cloud.functions.v2.Function";
const EMPTY_TYPE: &str = "type.googleapis.com/google.protobuf.Empty";
const STAGES: [&str; 4] = ["ARTIFACT_REGISTRY", "BUILD", "SERVICE", "TRIGGER"];
const RUNTIMES: &[&str] = &[
    "nodejs18",
    "nodejs20",
    "nodejs22",
    "nodejs24",
    "python39",
    "python310",
    "python311",
    "python312",
    "python313",
    "python314",
];
const MEMORY: &[&str] = &[
    "128Mi", "256Mi", "512Mi", "1Gi", "2Gi", "4Gi", "8Gi", "16Gi", "32Gi",
];
const UPDATE_PATHS: &[&str] = &[
    "description",
    "labels",
    "buildConfig.source",
    "buildConfig.runtime",
    "buildConfig.entryPoint",
    "serviceConfig.availableMemory",
    "serviceConfig.timeoutSeconds",
    "serviceConfig.environmentVariables",
    "eventTrigger",
];

/// A fault to meet on a later call.
#[derive(Debug, Clone)]
pub enum Fault {
    /// The next `call` (`UpdateFunction`, `ListLogEntries`, …) answers `status` with
    /// Google's error body, without acting.
    Refuse {
        call: String,
        status: u16,
        rpc: String,
        message: String,
    },
    /// The next `call`'s connection is closed without an answer, before the fake acts.
    Cut { call: String },
    /// The next operation fails when `stage` would complete, with `google.rpc.Status`.
    FailStage {
        stage: String,
        code: i64,
        message: String,
    },
    /// The next operation stays IN_PROGRESS in `stage` for `polls` more looks (a slow build).
    Slow { stage: String, polls: usize },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub name: String,
    /// Changes something (as opposed to a read, a token, an invoke).
    pub changing: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpKind {
    Create,
    Update,
    Delete,
}

#[derive(Debug)]
struct FakeOperation {
    name: String,
    function: String,
    kind: OpKind,
    progress: usize,
    /// The function as it will be once the operation is done.
    target: Value,
    zip: Option<Vec<u8>>,
    starting: bool,
    started: Option<Running>,
    done: bool,
    error: Option<Value>,
    fail: Option<(usize, i64, String)>,
    /// Stage index and the looks it still stays in progress.
    hold: Option<(usize, usize)>,
    create_time: String,
}

struct FakeFunction {
    resource: Value,
    /// The source the running revision was built from.
    zip: Option<Vec<u8>>,
    revisions: u32,
    operation: Option<String>,
}

#[derive(Debug)]
struct Running {
    child: Child,
    port: u16,
    revision: String,
    _dir: tempfile::TempDir,
}

struct StoredEntry {
    entry: Value,
    visible_from: usize,
}

struct User {
    client_id: String,
    client_secret: String,
    refresh_token: String,
    email: String,
}

#[derive(Default)]
struct State {
    keys: HashMap<String, Vec<u8>>,
    users: Vec<User>,
    /// Access token → principal (`serviceAccount:x`, `user:x`).
    access: HashMap<String, String>,
    /// ID token → (principal, audience).
    ids: HashMap<String, (String, String)>,
    /// Principals with project-wide roles: they may call every API and invoke every function.
    owners: HashSet<String>,
    denied: HashSet<String>,
    functions: BTreeMap<String, FakeFunction>,
    operations: HashMap<String, FakeOperation>,
    uploads: HashMap<String, Option<Vec<u8>>>,
    policies: HashMap<String, Value>,
    jobs: BTreeMap<String, Value>,
    topics: BTreeSet<String>,
    entries: Vec<StoredEntry>,
    list_calls: usize,
    log_delay: usize,
    page_tokens: HashSet<String>,
    calls: Vec<Call>,
    faults: Vec<Fault>,
    counter: u64,
    last_timestamp: i64,
    running: HashMap<String, Running>,
    /// The most a page holds, whatever the request asks (the APIs' own caps by default).
    page_limit: Option<usize>,
    /// Every n-th entry becomes listable this many lists later than the others.
    late: Option<(u64, usize)>,
}

struct Inner {
    project: String,
    region: String,
    project_number: String,
    base: String,
    state: Mutex<State>,
    /// How many log entries there are, changed on every write (tails wait on it).
    written: tokio::sync::watch::Sender<usize>,
    harness: tempfile::TempDir,
    http: reqwest::Client,
}

/// The fake; stopping it (dropping) stops the server and every function process.
pub struct FakeGoogle {
    inner: Arc<Inner>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeGoogle {
    fn drop(&mut self) {
        self.server.abort();
        // kill_on_drop ends the processes.
        let mut state = self.inner.lock();
        state.running.clear();
        for op in state.operations.values_mut() {
            op.started = None;
        }
    }
}

type Answer = Response<Full<Bytes>>;

fn respond(status: u16, content_type: &str, body: impl Into<Bytes>) -> Answer {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("Content-Type", content_type)
        .body(Full::new(body.into()))
        .expect("a response")
}

fn ok_json(value: &Value) -> Answer {
    respond(200, "application/json; charset=UTF-8", value.to_string())
}

/// Google's REST error body.
fn google_error(status: u16, rpc: &str, message: &str, details: Vec<Value>) -> Answer {
    let mut error = json!({ "code": status, "message": message, "status": rpc });
    if !details.is_empty() {
        error["details"] = json!(details);
    }
    respond(
        status,
        "application/json; charset=UTF-8",
        json!({ "error": error }).to_string(),
    )
}

fn invalid(message: &str) -> Answer {
    google_error(400, "INVALID_ARGUMENT", message, Vec::new())
}

fn not_found(message: &str) -> Answer {
    google_error(404, "NOT_FOUND", message, Vec::new())
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn query_of(uri: &hyper::Uri) -> HashMap<String, String> {
    url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// The page of `all` a list call asks for, as `{key: [...], nextPageToken}`: `pageSize`
/// defaults to and is capped by `(default, max)` (and by the fake's page limit); a
/// `pageToken` must be one this fake issued with `prefix`, else 400 as Google answers.
fn list_page(
    inner: &Inner,
    query: &HashMap<String, String>,
    all: Vec<Value>,
    key: &str,
    prefix: &str,
    (default, max): (usize, usize),
) -> Result<Value, Answer> {
    let size: usize = query
        .get("pageSize")
        .and_then(|s| s.parse().ok())
        .filter(|s| *s > 0)
        .unwrap_or(default)
        .min(max)
        .min(inner.lock().page_limit.unwrap_or(max));
    let start: usize = match query.get("pageToken") {
        None => 0,
        Some(token) => match token.strip_prefix(prefix).and_then(|s| s.parse().ok()) {
            Some(n) if inner.lock().page_tokens.contains(token) => n,
            _ => return Err(invalid("Invalid page token.")),
        },
    };
    let page: Vec<Value> = all.iter().skip(start).take(size).cloned().collect();
    let mut answer = json!({ key: page });
    if start + size < all.len() {
        let token = format!("{prefix}{}", start + size);
        inner.lock().page_tokens.insert(token.clone());
        answer["nextPageToken"] = json!(token);
    }
    Ok(answer)
}

/// The label rules: keys and values of lowercase letters, digits, `_` and `-`, ≤ 63.
fn labels_valid(labels: &Value) -> bool {
    let ok = |s: &str| {
        s.len() <= 63
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    };
    labels
        .as_object()
        .is_none_or(|m| m.iter().all(|(k, v)| ok(k) && v.as_str().is_some_and(ok)))
}

fn function_id_valid(id: &str) -> bool {
    (4..=63).contains(&id.len())
        && id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && !id.ends_with('-')
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A copy of `target` with the masked `paths` of `patch` applied.
fn apply_mask(target: &mut Value, patch: &Value, paths: &[&str]) {
    for path in paths {
        let parts: Vec<&str> = path.split('.').collect();
        let mut from = Some(patch);
        for part in &parts {
            from = from.and_then(|v| v.get(part));
        }
        let mut to = &mut *target;
        for part in &parts[..parts.len() - 1] {
            if to.get(*part).is_none() {
                to[*part] = json!({});
            }
            to = &mut to[*part];
        }
        let last = parts[parts.len() - 1];
        match from {
            Some(value) => to[last] = value.clone(),
            None => {
                if let Some(object) = to.as_object_mut() {
                    object.remove(last);
                }
            }
        }
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn parent(&self) -> String {
        format!("projects/{}/locations/{}", self.project, self.region)
    }

    fn uri_of(&self, function: &str) -> String {
        format!("{}/run/{function}", self.base)
    }

    fn runtime_account(&self) -> String {
        format!(
            "{}-compute@developer.gserviceaccount.com",
            self.project_number
        )
    }

    /// Records the call, then meets a planned fault for it, if any.
    fn meet(&self, call: &str, changing: bool) -> Option<Result<Answer, ()>> {
        let mut state = self.lock();
        state.calls.push(Call {
            name: call.to_owned(),
            changing,
        });
        let index = state.faults.iter().position(|f| match f {
            Fault::Refuse { call: c, .. } | Fault::Cut { call: c } => c == call,
            Fault::FailStage { .. } | Fault::Slow { .. } => false,
        })?;
        match state.faults.remove(index) {
            Fault::Refuse {
                status,
                rpc,
                message,
                ..
            } => Some(Ok(google_error(status, &rpc, &message, Vec::new()))),
            Fault::Cut { .. } => Some(Err(())),
            Fault::FailStage { .. } | Fault::Slow { .. } => None,
        }
    }

    /// The principal of a bearer access token, or Google's 401.
    fn principal(&self, request: &Request<Incoming>) -> Result<String, Answer> {
        let token = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        self.lock().access.get(token).cloned().ok_or_else(|| {
            google_error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
                vec![json!({
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "ACCESS_TOKEN_TYPE_UNSUPPORTED",
                    "domain": "googleapis.com",
                })],
            )
        })
    }

    /// Google's 403 when `permission` on `resource` is denied (injected, or another project).
    fn check(&self, permission: &str, resource: &str, project: &str) -> Result<(), Answer> {
        let denied = self.lock().denied.contains(permission) || project != self.project;
        if !denied {
            return Ok(());
        }
        let domain = permission.split('.').next().unwrap_or_default();
        Err(google_error(
            403,
            "PERMISSION_DENIED",
            &format!("Permission '{permission}' denied on '{resource}'"),
            vec![json!({
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "IAM_PERMISSION_DENIED",
                "domain": format!("{domain}.googleapis.com"),
                "metadata": { "permission": permission, "resource": resource },
            })],
        ))
    }

    fn next(&self) -> u64 {
        let mut state = self.lock();
        state.counter += 1;
        state.counter
    }

    /// Stores a log entry of `function`, visible to `entries:list` after the set delay.
    fn log(&self, function: &str, revision: &str, stream: &str, line: &str) {
        let mut state = self.lock();
        state.counter += 1;
        let n = state.counter;
        // Strictly increasing timestamps keep the order of a process's lines.
        let ms = now_ms().max(state.last_timestamp + 1);
        state.last_timestamp = ms;
        let mut entry = json!({
            "insertId": format!("{n:016x}"),
            "logName": format!("projects/{}/logs/run.googleapis.com%2F{stream}", self.project),
            "resource": {
                "type": "cloud_run_revision",
                "labels": {
                    "service_name": function,
                    "revision_name": revision,
                    "location": self.region,
                    "configuration_name": function,
                    "project_id": self.project,
                },
            },
            "timestamp": rfc3339(ms),
            "receiveTimestamp": rfc3339(ms + 5),
        });
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(mut object)) => {
                if let Some(severity) = object.remove("severity") {
                    entry["severity"] = severity;
                } else {
                    entry["severity"] = json!("DEFAULT");
                }
                if let Some(labels) = object.remove("logging.googleapis.com/labels") {
                    entry["labels"] = labels;
                }
                if let Some(trace) = object.remove("logging.googleapis.com/trace") {
                    entry["trace"] = trace;
                }
                entry["jsonPayload"] = Value::Object(object);
            }
            _ => {
                entry["severity"] = json!("DEFAULT");
                entry["textPayload"] = json!(line);
            }
        }
        let late = match state.late {
            Some((every, lists)) if n.is_multiple_of(every) => lists,
            _ => 0,
        };
        let visible_from = state.list_calls + state.log_delay + late;
        state.entries.push(StoredEntry {
            entry,
            visible_from,
        });
        self.written.send_replace(state.entries.len());
    }

    /// Cloud Run's request log line for a call of the function's URL.
    fn log_request(&self, function: &str, method: &str, path: &str, status: u16) {
        let revision = self
            .lock()
            .running
            .get(function)
            .map(|r| r.revision.clone())
            .unwrap_or_default();
        let mut state = self.lock();
        state.counter += 1;
        let n = state.counter;
        let ms = now_ms().max(state.last_timestamp + 1);
        state.last_timestamp = ms;
        let visible_from = state.list_calls + state.log_delay;
        state.entries.push(StoredEntry {
            entry: json!({
                "insertId": format!("{n:016x}"),
                "logName": format!("projects/{}/logs/run.googleapis.com%2Frequests", self.project),
                "resource": {
                    "type": "cloud_run_revision",
                    "labels": {
                        "service_name": function,
                        "revision_name": revision,
                        "location": self.region,
                        "configuration_name": function,
                        "project_id": self.project,
                    },
                },
                "timestamp": rfc3339(ms),
                "receiveTimestamp": rfc3339(ms + 5),
                "severity": if status >= 500 { "ERROR" } else { "INFO" },
                "httpRequest": {
                    "requestMethod": method,
                    "requestUrl": format!("{}{path}", self.uri_of(function)),
                    "status": status,
                    "latency": "0.012s",
                },
                "trace": format!("projects/{}/traces/{:032x}", self.project, n),
            }),
            visible_from,
        });
        self.written.send_replace(state.entries.len());
    }
}

/// A free port's server; the fake's URL is `http://127.0.0.1:<port>`.
impl FakeGoogle {
    pub async fn start(project: &str, region: &str) -> FakeGoogle {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free loopback port");
        let addr: SocketAddr = listener.local_addr().expect("an address");
        let harness = tempfile::tempdir().expect("a folder for the harness");
        std::fs::write(
            harness.path().join("harness.cjs"),
            include_str!("harness.cjs"),
        )
        .expect("the Node harness");
        std::fs::write(
            harness.path().join("harness.py"),
            include_str!("harness.py"),
        )
        .expect("the Python harness");
        std::fs::write(
            harness.path().join("functions_framework.py"),
            include_str!("functions_framework.py"),
        )
        .expect("the Python framework stand-in");
        let inner = Arc::new(Inner {
            project: project.to_owned(),
            region: region.to_owned(),
            project_number: "123456789012".to_owned(),
            base: format!("http://{addr}"),
            state: Mutex::new(State::default()),
            written: tokio::sync::watch::Sender::new(0),
            harness,
            http: reqwest::Client::new(),
        });
        let serving = inner.clone();
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let inner = serving.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let inner = inner.clone();
                        async move {
                            match handle(inner, request).await {
                                Ok(answer) => Ok::<_, std::io::Error>(answer),
                                // Closing the connection without an answer: a cut.
                                Err(()) => Err(std::io::Error::other("cut by the fake")),
                            }
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FakeGoogle { inner, server }
    }

    pub fn base(&self) -> &str {
        &self.inner.base
    }

    pub fn log_store(&self) -> LogStore {
        LogStore {
            inner: self.inner.clone(),
        }
    }

    pub fn token_uri(&self) -> String {
        format!("{}/token", self.inner.base)
    }

    /// Registers a service account's public key and gives it project-wide roles.
    pub fn register_service_account(&self, key: &ServiceAccountKeyPair) {
        let mut state = self.inner.lock();
        state.keys.insert(key.email.clone(), key.public_der());
        state.owners.insert(format!("serviceAccount:{}", key.email));
    }

    /// Registers a user's refresh token (and OAuth client) with project-wide roles.
    pub fn register_user(
        &self,
        client_id: &str,
        client_secret: &str,
        refresh_token: &str,
        email: &str,
    ) {
        let mut state = self.inner.lock();
        state.users.push(User {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            refresh_token: refresh_token.to_owned(),
            email: email.to_owned(),
        });
        state.owners.insert(format!("user:{email}"));
    }

    /// A service account that exists (for tokens) but has no project-wide roles.
    pub fn register_outsider(&self, key: &ServiceAccountKeyPair) {
        self.inner
            .lock()
            .keys
            .insert(key.email.clone(), key.public_der());
    }

    pub fn deny(&self, permission: &str) {
        self.inner.lock().denied.insert(permission.to_owned());
    }

    pub fn allow(&self, permission: &str) {
        self.inner.lock().denied.remove(permission);
    }

    pub fn create_topic(&self, topic: &str) {
        self.inner.lock().topics.insert(topic.to_owned());
    }

    pub fn inject(&self, fault: Fault) {
        self.inner.lock().faults.push(fault);
    }

    pub fn pending_faults(&self) -> usize {
        self.inner.lock().faults.len()
    }

    /// Entries become listable this many `entries:list` calls after they are written.
    pub fn set_log_delay(&self, lists: usize) {
        self.inner.lock().log_delay = lists;
    }

    /// Every `every`-th log entry becomes listable `lists` lists later than the others, so it
    /// shows up after entries written after it (as Cloud Logging's ingestion does).
    pub fn set_late_entries(&self, every: u64, lists: usize) {
        self.inner.lock().late = Some((every, lists));
    }

    /// Pages hold at most `n` items, so pagination shows with few of them.
    pub fn set_page_limit(&self, n: usize) {
        self.inner.lock().page_limit = Some(n);
    }

    pub fn list_calls(&self) -> usize {
        self.inner.lock().list_calls
    }

    /// The changing calls made since the last `clear_calls`, in order.
    pub fn changing_calls(&self) -> Vec<String> {
        self.inner
            .lock()
            .calls
            .iter()
            .filter(|c| c.changing)
            .map(|c| c.name.clone())
            .collect()
    }

    pub fn all_calls(&self) -> Vec<String> {
        self.inner
            .lock()
            .calls
            .iter()
            .map(|c| c.name.clone())
            .collect()
    }

    pub fn clear_calls(&self) {
        self.inner.lock().calls.clear();
    }

    pub fn function(&self, id: &str) -> Option<Value> {
        self.inner
            .lock()
            .functions
            .get(id)
            .map(|f| f.resource.clone())
    }

    pub fn job(&self, id: &str) -> Option<Value> {
        self.inner.lock().jobs.get(id).cloned()
    }

    pub fn job_ids(&self) -> Vec<String> {
        self.inner.lock().jobs.keys().cloned().collect()
    }

    pub fn policy(&self, function: &str) -> Value {
        let service = format!("{}/services/{function}", self.inner.parent());
        self.inner
            .lock()
            .policies
            .get(&service)
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// The zip the function's serving revision was built from.
    pub fn source_of(&self, id: &str) -> Option<Vec<u8>> {
        self.inner
            .lock()
            .functions
            .get(id)
            .and_then(|f| f.zip.clone())
    }

    /// Every log message written for `function` so far (visible or not).
    pub fn messages(&self, function: &str) -> Vec<String> {
        self.inner
            .lock()
            .entries
            .iter()
            .filter(|e| e.entry["resource"]["labels"]["service_name"] == function)
            .map(|e| {
                e.entry["jsonPayload"]["message"]
                    .as_str()
                    .or(e.entry["textPayload"].as_str())
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }

    /// Runs a scheduler job now, as `jobs.run` does, and returns the function's HTTP status.
    pub async fn run_job(&self, id: &str) -> u16 {
        run_job(&self.inner, id).await.unwrap_or(0)
    }

    /// A finished upload to `bucket`: delivers `google.cloud.storage.object.v1.finalized` to
    /// the functions whose trigger filters on that bucket; the HTTP statuses they answered.
    pub async fn finalize_object(&self, bucket: &str, name: &str, size: u64) -> Vec<u16> {
        let targets: Vec<(u16, String)> = {
            let state = self.inner.lock();
            state
                .functions
                .iter()
                .filter(|(_, f)| {
                    let trigger = &f.resource["eventTrigger"];
                    trigger["eventType"] == "google.cloud.storage.object.v1.finalized"
                        && trigger["eventFilters"].as_array().is_some_and(|filters| {
                            filters
                                .iter()
                                .any(|x| x["attribute"] == "bucket" && x["value"] == bucket)
                        })
                })
                .filter_map(|(id, _)| state.running.get(id).map(|r| (r.port, id.clone())))
                .collect()
        };
        let n = self.inner.next();
        let mut statuses = Vec::new();
        for (port, function) in targets {
            let data = json!({
                "kind": "storage#object",
                "id": format!("{bucket}/{name}/{n}"),
                "bucket": bucket,
                "name": name,
                "size": size.to_string(),
                "contentType": "application/octet-stream",
                "generation": format!("{n}"),
                "metageneration": "1",
                "md5Hash": "1B2M2Y8AsgTpgAmY7PhCfg==",
                "etag": "CKih16GjycICEAE=",
                "timeCreated": rfc3339(now_ms()),
                "updated": rfc3339(now_ms()),
                "storageClass": "STANDARD",
            });
            let status = deliver(
                &self.inner,
                port,
                &function,
                &format!("{n}"),
                "google.cloud.storage.object.v1.finalized",
                &format!("//storage.googleapis.com/projects/_/buckets/{bucket}"),
                Some(&format!("objects/{name}")),
                &data,
            )
            .await;
            statuses.push(status);
        }
        statuses
    }
}

/// The fake's log entries, access tokens, permissions and call record, for a fake of another
/// protocol serving the same project.
#[derive(Clone)]
pub struct LogStore {
    inner: Arc<Inner>,
}

impl LogStore {
    pub fn project(&self) -> &str {
        &self.inner.project
    }

    /// The entries from the `from`-th on, as Cloud Logging's JSON, whether `entries:list`
    /// shows them yet or not (a live tail gets them as they are ingested), and how many
    /// entries there are in all.
    pub fn entries_from(&self, from: usize) -> (Vec<Value>, usize) {
        let state = self.inner.lock();
        let entries = state
            .entries
            .iter()
            .skip(from)
            .map(|e| e.entry.clone())
            .collect();
        (entries, state.entries.len())
    }

    /// Marked changed on every entry written; holds the number of entries.
    pub fn written(&self) -> tokio::sync::watch::Receiver<usize> {
        self.inner.written.subscribe()
    }

    /// The principal an access token was issued to.
    pub fn principal(&self, token: &str) -> Option<String> {
        self.inner.lock().access.get(token).cloned()
    }

    /// Whether `permission` is refused in `project` (denied, or not the fake's project).
    pub fn refuses(&self, permission: &str, project: &str) -> bool {
        self.inner.lock().denied.contains(permission) || project != self.inner.project
    }

    /// Records a call, as `all_calls` lists them.
    pub fn record(&self, call: &str) {
        self.inner.lock().calls.push(Call {
            name: call.to_owned(),
            changing: false,
        });
    }
}

/// Sends a binary-mode CloudEvent to a function's instance, as Eventarc's push does.
#[allow(clippy::too_many_arguments)]
async fn deliver(
    inner: &Arc<Inner>,
    port: u16,
    function: &str,
    id: &str,
    kind: &str,
    source: &str,
    subject: Option<&str>,
    data: &Value,
) -> u16 {
    let mut request = inner
        .http
        .post(format!("http://127.0.0.1:{port}/"))
        .header("ce-id", id)
        .header("ce-specversion", "1.0")
        .header("ce-type", kind)
        .header("ce-source", source)
        .header("ce-time", rfc3339(now_ms()))
        .header("Content-Type", "application/json")
        .body(data.to_string());
    if let Some(subject) = subject {
        request = request.header("ce-subject", subject);
    }
    let status = match request.send().await {
        Ok(response) => response.status().as_u16(),
        Err(_) => 503,
    };
    inner.log_request(function, "POST", "/", status);
    status
}

async fn run_job(inner: &Arc<Inner>, id: &str) -> Option<u16> {
    let job = inner.lock().jobs.get(id).cloned()?;
    let target = &job["httpTarget"];
    let uri = target["uri"].as_str()?.to_owned();
    let account = target["oidcToken"]["serviceAccountEmail"]
        .as_str()?
        .to_owned();
    let audience = target["oidcToken"]["audience"]
        .as_str()
        .unwrap_or(&uri)
        .to_owned();
    let n = inner.next();
    let token = jwt::id_token(&audience, &account, n);
    inner.lock().ids.insert(
        token.clone(),
        (format!("serviceAccount:{account}"), audience),
    );
    let body = target["body"]
        .as_str()
        .and_then(|b| STANDARD.decode(b).ok())
        .unwrap_or_default();
    let mut request = inner
        .http
        .post(&uri)
        .bearer_auth(token)
        .header("X-CloudScheduler", "true")
        .header("X-CloudScheduler-JobName", id)
        .header("X-CloudScheduler-ScheduleTime", rfc3339(now_ms()))
        .body(body);
    if let Some(headers) = target["headers"].as_object() {
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str().unwrap_or_default());
        }
    }
    Some(request.send().await.ok()?.status().as_u16())
}

async fn handle(inner: Arc<Inner>, request: Request<Incoming>) -> Result<Answer, ()> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    if path == "/token" && method == Method::POST {
        return token(&inner, request).await;
    }
    if let Some(rest) = path.strip_prefix("/run/") {
        return invoke(&inner, request, rest.to_owned()).await;
    }
    if let Some(object) = path.strip_prefix("/upload/") {
        return upload(&inner, request, object.to_owned()).await;
    }
    if path == "/v2/entries:list" && method == Method::POST {
        return list_entries(&inner, request).await;
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["v2", "projects", p, "locations", r, rest @ ..] => {
            let (p, r) = (p.to_string(), r.to_string());
            let rest: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
            functions_api(&inner, request, p, r, rest).await
        }
        ["v1", "projects", p, "locations", r, "jobs", rest @ ..] => {
            let (p, r) = (p.to_string(), r.to_string());
            let rest: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
            scheduler_api(&inner, request, p, r, rest).await
        }
        ["v1", "projects", p, "topics", topic] if method == Method::POST => {
            let (p, topic) = (p.to_string(), topic.to_string());
            publish(&inner, request, p, topic).await
        }
        _ => Ok(not_found(&format!("no such API: {method} {path}"))),
    }
}

async fn body_of(request: Request<Incoming>) -> Bytes {
    request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default()
}

async fn json_body(request: Request<Incoming>) -> Result<Value, Answer> {
    let bytes = body_of(request).await;
    if bytes.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| invalid(&format!("Invalid JSON payload received. {e}")))
}

/// The OAuth token endpoint: JWT bearer assertions and refresh tokens.
async fn token(inner: &Arc<Inner>, request: Request<Incoming>) -> Result<Answer, ()> {
    if let Some(fault) = inner.meet("Token", false) {
        return fault;
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body_of(request).await)
        .into_owned()
        .collect();
    let oauth_error = |error: &str, description: &str| {
        respond(
            400,
            "application/json; charset=utf-8",
            json!({ "error": error, "error_description": description }).to_string(),
        )
    };
    let n = inner.next();
    match form.get("grant_type").map(String::as_str) {
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer") => {
            let token_uri = format!("{}/token", inner.base);
            let claims = {
                let keys = inner.lock().keys.clone();
                jwt::verify_assertion(
                    form.get("assertion")
                        .map(String::as_str)
                        .unwrap_or_default(),
                    |email| keys.get(email).cloned(),
                    &token_uri,
                )
            };
            let claims = match claims {
                Ok(claims) => claims,
                Err(description) => return Ok(oauth_error("invalid_grant", description)),
            };
            let email = claims["iss"].as_str().unwrap_or_default().to_owned();
            if let Some(audience) = claims["target_audience"].as_str() {
                let token = jwt::id_token(audience, &email, n);
                inner.lock().ids.insert(
                    token.clone(),
                    (format!("serviceAccount:{email}"), audience.to_owned()),
                );
                return Ok(ok_json(&json!({ "id_token": token })));
            }
            if claims["scope"] != "https://www.googleapis.com/auth/cloud-platform" {
                return Ok(oauth_error(
                    "invalid_scope",
                    "Invalid OAuth scope or ID token audience provided.",
                ));
            }
            let token = format!("ya29.c.fake-{n}");
            inner
                .lock()
                .access
                .insert(token.clone(), format!("serviceAccount:{email}"));
            Ok(ok_json(&json!({
                "access_token": token,
                "expires_in": 3599,
                "token_type": "Bearer",
            })))
        }
        Some("refresh_token") => {
            let found = {
                let state = inner.lock();
                state
                    .users
                    .iter()
                    .find(|u| {
                        Some(&u.refresh_token) == form.get("refresh_token")
                            && Some(&u.client_id) == form.get("client_id")
                    })
                    .map(|u| {
                        (
                            u.client_secret.clone(),
                            u.email.clone(),
                            u.client_id.clone(),
                        )
                    })
            };
            let Some((secret, email, client_id)) = found else {
                return Ok(oauth_error(
                    "invalid_grant",
                    "Token has been expired or revoked.",
                ));
            };
            if form.get("client_secret") != Some(&secret) {
                return Ok(respond(
                    401,
                    "application/json; charset=utf-8",
                    json!({ "error": "invalid_client", "error_description": "Unauthorized" })
                        .to_string(),
                ));
            }
            let access = format!("ya29.a0-fake-{n}");
            let id = jwt::id_token(&client_id, &email, n);
            {
                let mut state = inner.lock();
                state.access.insert(access.clone(), format!("user:{email}"));
                state
                    .ids
                    .insert(id.clone(), (format!("user:{email}"), client_id));
            }
            Ok(ok_json(&json!({
                "access_token": access,
                "expires_in": 3599,
                "id_token": id,
                "scope": "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/cloud-platform",
                "token_type": "Bearer",
            })))
        }
        _ => Ok(oauth_error(
            "unsupported_grant_type",
            "Invalid grant_type: ",
        )),
    }
}

/// The signed-URL upload: no bearer token (the URL is the credential), a zip body.
async fn upload(
    inner: &Arc<Inner>,
    request: Request<Incoming>,
    object: String,
) -> Result<Answer, ()> {
    if let Some(fault) = inner.meet("PUT uploadUrl", true) {
        return fault;
    }
    let xml = |status: u16, code: &str, message: &str| {
        respond(
            status,
            "application/xml; charset=UTF-8",
            format!(
                "<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
            ),
        )
    };
    if request.method() != Method::PUT {
        return Ok(xml(
            405,
            "MethodNotAllowed",
            "The specified method is not allowed.",
        ));
    }
    let known = inner.lock().uploads.contains_key(&object);
    let signed = query_of(request.uri()).contains_key("X-Goog-Signature");
    if !known || !signed {
        return Ok(xml(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        ));
    }
    // A v2 upload URL signs the Content-Type only; any other x-goog-* header breaks it.
    if request
        .headers()
        .keys()
        .any(|h| h.as_str().starts_with("x-goog-"))
    {
        return Ok(xml(
            403,
            "SignatureDoesNotMatch",
            "Access denied. The request signature we calculated does not match the signature you provided: unsigned x-goog- headers.",
        ));
    }
    if request.headers().contains_key("authorization") {
        return Ok(xml(
            400,
            "InvalidArgument",
            "Requests with an Authorization header cannot use a signed URL.",
        ));
    }
    if request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        != Some("application/zip")
    {
        return Ok(xml(
            403,
            "SignatureDoesNotMatch",
            "The signed Content-Type is application/zip.",
        ));
    }
    let body = body_of(request).await;
    if zip::ZipArchive::new(Cursor::new(body.to_vec())).is_err() {
        // Accepted by storage; the build would fail. The fake refuses at create instead.
    }
    inner.lock().uploads.insert(object, Some(body.to_vec()));
    Ok(respond(200, "text/html; charset=UTF-8", ""))
}

async fn functions_api(
    inner: &Arc<Inner>,
    request: Request<Incoming>,
    project: String,
    region: String,
    rest: Vec<String>,
) -> Result<Answer, ()> {
    let method = request.method().clone();
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    match (method.clone(), rest.as_slice()) {
        (Method::POST, ["functions:generateUploadUrl"]) => {
            if let Some(fault) = inner.meet("GenerateUploadUrl", true) {
                return fault;
            }
            let parent = format!("projects/{project}/locations/{region}");
            let principal = match inner.principal(&request) {
                Ok(p) => p,
                Err(answer) => return Ok(answer),
            };
            let _ = principal;
            if let Err(answer) = inner.check(
                "cloudfunctions.functions.sourceCodeSet",
                &format!("{parent}/functions"),
                &project,
            ) {
                return Ok(answer);
            }
            let n = inner.next();
            let object = format!("{}-{n:08x}/function-source.zip", uuid_like(n));
            inner.lock().uploads.insert(object.clone(), None);
            Ok(ok_json(&json!({
                "uploadUrl": format!(
                    "{}/upload/{object}?GoogleAccessId=service-{}@gcf-admin-robot.iam.gserviceaccount.com&Expires=9999999999&X-Goog-Signature=fake{n}",
                    inner.base, inner.project_number
                ),
                "storageSource": {
                    "bucket": format!("gcf-v2-uploads-{}-{region}", inner.project_number),
                    "object": object,
                },
            })))
        }
        (Method::GET, ["functions"]) => {
            if let Some(fault) = inner.meet("ListFunctions", false) {
                return fault;
            }
            if let Err(answer) = inner.principal(&request) {
                return Ok(answer);
            }
            let parent = format!("projects/{project}/locations/{region}");
            if let Err(answer) = inner.check("cloudfunctions.functions.list", &parent, &project) {
                return Ok(answer);
            }
            let query = query_of(request.uri());
            let ids: Vec<String> = inner.lock().functions.keys().cloned().collect();
            for id in &ids {
                advance_function(inner, id).await;
            }
            let state = inner.lock();
            let all: Vec<Value> = state
                .functions
                .values()
                .map(|f| f.resource.clone())
                .collect();
            drop(state);
            let answer = match list_page(inner, &query, all, "functions", "fn-page-", (50, 100)) {
                Ok(answer) => answer,
                Err(invalid) => return Ok(invalid),
            };
            Ok(ok_json(&answer))
        }
        (Method::POST, ["functions"]) => create_function(inner, request, project, region).await,
        (Method::GET, ["functions", id]) => {
            if let Some(fault) = inner.meet("GetFunction", false) {
                return fault;
            }
            if let Err(answer) = inner.principal(&request) {
                return Ok(answer);
            }
            let name = format!("projects/{project}/locations/{region}/functions/{id}");
            if let Err(answer) = inner.check("cloudfunctions.functions.get", &name, &project) {
                return Ok(answer);
            }
            advance_function(inner, id).await;
            match inner.lock().functions.get(*id) {
                Some(function) => Ok(ok_json(&function.resource)),
                None => Ok(not_found(&format!("Resource '{name}' was not found"))),
            }
        }
        (Method::PATCH, ["functions", id]) => {
            let id = id.to_string();
            update_function(inner, request, project, region, id).await
        }
        (Method::DELETE, ["functions", id]) => {
            if let Some(fault) = inner.meet("DeleteFunction", true) {
                return fault;
            }
            if let Err(answer) = inner.principal(&request) {
                return Ok(answer);
            }
            let name = format!("projects/{project}/locations/{region}/functions/{id}");
            if let Err(answer) = inner.check("cloudfunctions.functions.delete", &name, &project) {
                return Ok(answer);
            }
            let mut state = inner.lock();
            let Some(function) = state.functions.get(*id) else {
                return Ok(not_found(&format!("Resource '{name}' was not found")));
            };
            if function.operation.is_some() {
                return Ok(in_progress(&name));
            }
            let target = function.resource.clone();
            drop(state);
            let operation = new_operation(inner, id, OpKind::Delete, target, None, "delete");
            state = inner.lock();
            if let Some(function) = state.functions.get_mut(*id) {
                function.resource["state"] = json!("DELETING");
            }
            Ok(ok_json(&operation))
        }
        (Method::GET, ["operations", op]) => {
            if let Some(fault) = inner.meet("GetOperation", false) {
                return fault;
            }
            if let Err(answer) = inner.principal(&request) {
                return Ok(answer);
            }
            let name = format!("projects/{project}/locations/{region}/operations/{op}");
            advance_operation(inner, &name).await;
            match operation_json(inner, &name) {
                Some(answer) => Ok(ok_json(&answer)),
                None => Ok(not_found(&format!("Operation '{name}' not found"))),
            }
        }
        (Method::GET, ["services", service]) if service.ends_with(":getIamPolicy") => {
            if let Some(fault) = inner.meet("GetIamPolicy", false) {
                return fault;
            }
            if let Err(answer) = inner.principal(&request) {
                return Ok(answer);
            }
            let id = service.trim_end_matches(":getIamPolicy");
            let resource = format!("projects/{project}/locations/{region}/services/{id}");
            if let Err(answer) = inner.check("run.services.getIamPolicy", &resource, &project) {
                return Ok(answer);
            }
            if !inner.lock().functions.contains_key(id) {
                return Ok(not_found(&format!(
                    "Resource '{id}' of kind 'SERVICE' in region '{region}' in project '{project}' does not exist."
                )));
            }
            let policy = inner
                .lock()
                .policies
                .get(&resource)
                .cloned()
                .unwrap_or_else(|| json!({ "version": 1, "etag": "BwYAAAAAAAA=" }));
            Ok(ok_json(&policy))
        }
        (Method::POST, ["services", service]) if service.ends_with(":setIamPolicy") => {
            if let Some(fault) = inner.meet("SetIamPolicy", true) {
                return fault;
            }
            if let Err(answer) = inner.principal(&request) {
                return Ok(answer);
            }
            let id = service.trim_end_matches(":setIamPolicy").to_owned();
            let resource = format!("projects/{project}/locations/{region}/services/{id}");
            if let Err(answer) = inner.check("run.services.setIamPolicy", &resource, &project) {
                return Ok(answer);
            }
            let body = match json_body(request).await {
                Ok(body) => body,
                Err(answer) => return Ok(answer),
            };
            let mut state = inner.lock();
            if !state.functions.contains_key(&id) {
                return Ok(not_found(&format!(
                    "Resource '{id}' of kind 'SERVICE' in region '{region}' in project '{project}' does not exist."
                )));
            }
            let current_etag = state
                .policies
                .get(&resource)
                .and_then(|p| p["etag"].as_str().map(str::to_owned))
                .unwrap_or_else(|| "BwYAAAAAAAA=".to_owned());
            let mut policy = body["policy"].clone();
            if let Some(etag) = policy["etag"].as_str()
                && etag != current_etag
            {
                return Ok(google_error(
                    409,
                    "ABORTED",
                    "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.",
                    Vec::new(),
                ));
            }
            for binding in policy["bindings"].as_array().into_iter().flatten() {
                if !binding["role"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("roles/"))
                {
                    return Ok(invalid("Policy contains an invalid role."));
                }
            }
            state.counter += 1;
            policy["etag"] = json!(STANDARD.encode(format!("etag-{}", state.counter)));
            policy["version"] = json!(1);
            state.policies.insert(resource, policy.clone());
            Ok(ok_json(&policy))
        }
        _ => Ok(not_found(&format!(
            "no such Cloud Functions method: {method} {}",
            rest.join("/")
        ))),
    }
}

fn uuid_like(n: u64) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        n * 2654435761 % 0xffff_ffff,
        n % 0xffff,
        n % 0xfff,
        (n * 7) % 0xfff,
        n * 1_000_003
    )
}

fn in_progress(name: &str) -> Answer {
    google_error(
        400,
        "FAILED_PRECONDITION",
        &format!("An operation on function {name} is already in progress. Please try again later."),
        Vec::new(),
    )
}

/// Checks a function body as the API does; the message of the 400 when it is refused.
fn validate_function(inner: &Inner, body: &Value, paths: Option<&[&str]>) -> Result<(), String> {
    let wants = |path: &str| paths.is_none_or(|p| p.contains(&path));
    if wants("buildConfig.runtime") {
        let runtime = body["buildConfig"]["runtime"].as_str().unwrap_or_default();
        if !RUNTIMES.contains(&runtime) {
            return Err(format!(
                "Invalid value for field 'function.build_config.runtime': '{runtime}'. Runtime is not supported."
            ));
        }
    }
    if wants("buildConfig.entryPoint")
        && body["buildConfig"]["entryPoint"]
            .as_str()
            .is_none_or(str::is_empty)
    {
        return Err("Missing required field 'function.build_config.entry_point'.".to_owned());
    }
    if wants("buildConfig.source") {
        let object = body["buildConfig"]["source"]["storageSource"]["object"]
            .as_str()
            .unwrap_or_default();
        match inner.lock().uploads.get(object) {
            Some(Some(_)) => {}
            _ => {
                return Err(format!(
                    "Invalid function source: object '{object}' was not uploaded to the signed URL."
                ));
            }
        }
    }
    if wants("serviceConfig.availableMemory") {
        let memory = body["serviceConfig"]["availableMemory"]
            .as_str()
            .unwrap_or("256Mi");
        if !MEMORY.contains(&memory) {
            return Err(format!("Invalid value for available memory: '{memory}'."));
        }
    }
    let event = body.get("eventTrigger").is_some_and(|t| !t.is_null());
    if wants("serviceConfig.timeoutSeconds") {
        let timeout = body["serviceConfig"]["timeoutSeconds"]
            .as_u64()
            .unwrap_or(60);
        let max = if event { 540 } else { 3600 };
        if timeout > max {
            return Err(format!(
                "Invalid value for field 'function.service_config.timeout_seconds': {timeout}. Timeout must be at most {max} seconds."
            ));
        }
    }
    if wants("labels") && !labels_valid(&body["labels"]) {
        return Err("Invalid label: keys and values may only contain lowercase letters, numeric characters, underscores and dashes, at most 63 characters.".to_owned());
    }
    if wants("eventTrigger") && event {
        let trigger = &body["eventTrigger"];
        match trigger["eventType"].as_str().unwrap_or_default() {
            "google.cloud.pubsub.topic.v1.messagePublished" => {
                let topic = trigger["pubsubTopic"].as_str().unwrap_or_default();
                if !topic.starts_with(&format!("projects/{}/topics/", inner.project)) {
                    return Err(format!("Invalid Pub/Sub topic name: '{topic}'."));
                }
            }
            "google.cloud.storage.object.v1.finalized"
            | "google.cloud.storage.object.v1.deleted" => {
                let has_bucket = trigger["eventFilters"].as_array().is_some_and(|f| {
                    f.iter()
                        .any(|x| x["attribute"] == "bucket" && x["value"].is_string())
                });
                if !has_bucket {
                    return Err("Storage triggers need an event filter on 'bucket'.".to_owned());
                }
            }
            other => return Err(format!("Unsupported event type: '{other}'.")),
        }
    }
    Ok(())
}

fn new_operation(
    inner: &Inner,
    function: &str,
    kind: OpKind,
    target: Value,
    zip: Option<Vec<u8>>,
    verb: &str,
) -> Value {
    let mut state = inner.lock();
    state.counter += 1;
    let n = state.counter;
    let name = format!(
        "{}/operations/operation-{}-{n:06x}",
        inner.parent(),
        now_ms()
    );
    let fail = state
        .faults
        .iter()
        .position(|f| matches!(f, Fault::FailStage { .. }))
        .filter(|_| kind != OpKind::Delete)
        .and_then(|i| match state.faults.remove(i) {
            Fault::FailStage {
                stage,
                code,
                message,
            } => STAGES
                .iter()
                .position(|s| *s == stage)
                .map(|index| (index, code, message)),
            _ => None,
        });
    let hold = state
        .faults
        .iter()
        .position(|f| matches!(f, Fault::Slow { .. }))
        .filter(|_| kind != OpKind::Delete)
        .and_then(|i| match state.faults.remove(i) {
            Fault::Slow { stage, polls } => STAGES
                .iter()
                .position(|s| *s == stage)
                .map(|index| (index, polls)),
            _ => None,
        });
    let operation = FakeOperation {
        hold,
        name: name.clone(),
        function: function.to_owned(),
        kind,
        progress: 0,
        target,
        zip,
        starting: false,
        started: None,
        done: false,
        error: None,
        fail,
        create_time: rfc3339(now_ms()),
    };
    if let Some(f) = state.functions.get_mut(function) {
        f.operation = Some(name.clone());
    }
    state.operations.insert(name.clone(), operation);
    let _ = verb;
    drop(state);
    operation_json(inner, &name).expect("the operation just stored")
}

fn stage_state(progress: usize, index: usize) -> &'static str {
    if progress < 2 * index + 1 {
        "NOT_STARTED"
    } else if progress == 2 * index + 1 {
        "IN_PROGRESS"
    } else {
        "COMPLETE"
    }
}

fn operation_json(inner: &Inner, name: &str) -> Option<Value> {
    let state = inner.lock();
    let op = state.operations.get(name)?;
    let stages: Vec<Value> = if op.kind == OpKind::Delete {
        Vec::new()
    } else {
        STAGES
            .iter()
            .enumerate()
            .map(|(i, stage)| {
                let mut s = json!({ "name": stage, "state": stage_state(op.progress, i) });
                let in_progress = s["state"] == "IN_PROGRESS";
                match *stage {
                    "BUILD" => {
                        s["resource"] = json!(format!("projects/{}/locations/{}/builds/{}", inner.project_number, inner.region, uuid_like(op.progress as u64 + 1)));
                        s["resourceUri"] = json!(format!("https://console.cloud.google.com/cloud-build/builds;region={}/{}?project={}", inner.region, uuid_like(op.progress as u64 + 1), inner.project_number));
                        if in_progress {
                            s["message"] = json!("Building Cloud Function");
                        }
                    }
                    "SERVICE" => {
                        s["resource"] = json!(format!("{}/services/{}", inner.parent(), op.function));
                        if in_progress {
                            s["message"] = json!("Creating Cloud Run service");
                        }
                    }
                    _ => {}
                }
                s
            })
            .collect()
    };
    let verb = match op.kind {
        OpKind::Create => "create",
        OpKind::Update => "update",
        OpKind::Delete => "delete",
    };
    let mut answer = json!({
        "name": op.name,
        "metadata": {
            "@type": METADATA_TYPE,
            "createTime": op.create_time,
            "target": format!("{}/functions/{}", inner.parent(), op.function),
            "verb": verb,
            "cancelRequested": false,
            "apiVersion": "v2",
            "stages": stages,
            "operationType": match op.kind {
                OpKind::Create => "CREATE_FUNCTION",
                OpKind::Update => "UPDATE_FUNCTION",
                OpKind::Delete => "DELETE_FUNCTION",
            },
        },
        "done": op.done,
    });
    if op.done {
        answer["metadata"]["endTime"] = json!(rfc3339(now_ms()));
        match &op.error {
            Some(error) => answer["error"] = error.clone(),
            None => {
                answer["response"] = if op.kind == OpKind::Delete {
                    json!({ "@type": EMPTY_TYPE })
                } else {
                    let mut function = state
                        .functions
                        .get(&op.function)
                        .map(|f| f.resource.clone())
                        .unwrap_or_default();
                    function["@type"] = json!(FUNCTION_TYPE);
                    function
                };
            }
        }
    }
    Some(answer)
}

/// Moves the function's running operation one step, as time would.
async fn advance_function(inner: &Arc<Inner>, id: &str) {
    let operation = inner
        .lock()
        .functions
        .get(id)
        .and_then(|f| f.operation.clone());
    if let Some(name) = operation {
        advance_operation(inner, &name).await;
    }
}

/// One step of an operation: the next stage starts or completes; at the SERVICE stage the
/// function's instance is started from the uploaded source.
async fn advance_operation(inner: &Arc<Inner>, name: &str) {
    let start = {
        let mut state = inner.lock();
        let Some(op) = state.operations.get_mut(name) else {
            return;
        };
        if op.done || op.starting {
            return;
        }
        if let Some((index, polls)) = op.hold.as_mut()
            && op.progress == 2 * *index + 1
            && *polls > 0
        {
            *polls -= 1;
            return;
        }
        op.progress += 1;
        let progress = op.progress;
        let kind = op.kind;
        let function = op.function.clone();
        if kind == OpKind::Delete {
            if progress >= 2 {
                op.done = true;
                state.running.remove(&function);
                state.functions.remove(&function);
                let service = format!("{}/services/{function}", inner.parent());
                state.policies.remove(&service);
            }
            return;
        }
        if let Some((index, code, message)) = op.fail.clone()
            && progress == 2 * index + 2
        {
            op.progress = 2 * index + 1;
            op.done = true;
            op.started = None;
            op.error = Some(json!({ "code": code, "message": message }));
            let target = op.target.clone();
            let zip = op.zip.clone();
            if let Some(f) = state.functions.get_mut(&function) {
                // What was asked is recorded, the old revision (if any) keeps serving.
                let revision = f.resource["serviceConfig"]["revision"].clone();
                let uri = f.resource["serviceConfig"]["uri"].clone();
                f.resource = target;
                f.resource["state"] = json!("FAILED");
                f.resource["stateMessages"] = json!([{ "severity": "ERROR", "type": "DeploymentFailure", "message": message }]);
                f.resource["serviceConfig"]["revision"] = revision;
                f.resource["serviceConfig"]["uri"] = uri;
                f.operation = None;
                let _ = zip;
            }
            return;
        }
        // SERVICE in progress: start the new revision's instance.
        if progress == 2 * 2 + 1 && op.started.is_none() {
            op.starting = true;
            Some((function, op.target.clone(), op.zip.clone()))
        } else {
            if progress >= 2 * STAGES.len() {
                finish(inner, &mut state, name);
            }
            None
        }
    };
    let Some((function, target, zip)) = start else {
        return;
    };
    let zip = match zip {
        Some(zip) => Some(zip),
        None => inner
            .lock()
            .functions
            .get(&function)
            .and_then(|f| f.zip.clone()),
    };
    let revisions = inner
        .lock()
        .functions
        .get(&function)
        .map(|f| f.revisions)
        .unwrap_or(0);
    let revision = format!(
        "{function}-{:05}-{}",
        revisions + 1,
        ["abc", "def", "ghi", "jkl", "mno"][(revisions as usize) % 5]
    );
    let started = match zip {
        Some(zip) => start_instance(inner, &function, &revision, &zip, &target).await,
        None => Err("no source".to_owned()),
    };
    let mut state = inner.lock();
    let Some(op) = state.operations.get_mut(name) else {
        return;
    };
    op.starting = false;
    match started {
        Ok(running) => op.started = Some(running),
        Err(logs) => {
            op.done = true;
            let message = format!(
                "Could not create or update Cloud Run service {function}, Container Healthcheck failed. Revision '{revision}' is not ready and cannot serve traffic. The user-provided container failed to start and listen on the port defined provided by the PORT=8080 environment variable. Logs: {logs}"
            );
            op.error = Some(json!({ "code": 3, "message": message }));
            if let Some(f) = state.functions.get_mut(&function) {
                f.resource["state"] = json!("FAILED");
                f.resource["stateMessages"] = json!([{ "severity": "ERROR", "type": "DeploymentFailure", "message": message }]);
                f.operation = None;
            }
        }
    }
}

/// The operation's function takes its new configuration and revision.
fn finish(inner: &Inner, state: &mut State, name: &str) {
    let Some(op) = state.operations.get_mut(name) else {
        return;
    };
    op.done = true;
    let function = op.function.clone();
    let mut target = op.target.clone();
    let zip = op.zip.clone();
    let running = op.started.take();
    let Some(running) = running else {
        return;
    };
    let revision = running.revision.clone();
    target["state"] = json!("ACTIVE");
    target["updateTime"] = json!(rfc3339(now_ms()));
    target["stateMessages"] = json!([]);
    target["serviceConfig"]["revision"] = json!(revision);
    target["serviceConfig"]["uri"] = json!(inner.uri_of(&function));
    target["url"] = json!(inner.uri_of(&function));
    state.running.insert(function.clone(), running);
    if let Some(f) = state.functions.get_mut(&function) {
        f.revisions += 1;
        f.resource = target;
        f.operation = None;
        if let Some(zip) = zip {
            f.zip = Some(zip);
        }
    }
}

/// Unpacks the source and starts the stand-in framework on it.
async fn start_instance(
    inner: &Arc<Inner>,
    function: &str,
    revision: &str,
    zip: &[u8],
    config: &Value,
) -> Result<Running, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut archive = zip::ZipArchive::new(Cursor::new(zip.to_vec()))
        .map_err(|e| format!("the source is not a zip: {e}"))?;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| e.to_string())?;
        let Some(relative) = file.enclosed_name() else {
            return Err(format!("the source has an unsafe path: {:?}", file.name()));
        };
        let path = dir.path().join(relative);
        if file.is_dir() {
            std::fs::create_dir_all(&path).map_err(|e| e.to_string())?;
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        let mut out = std::fs::File::create(&path).map_err(|e| e.to_string())?;
        std::io::copy(&mut file, &mut out).map_err(|e| e.to_string())?;
    }
    let runtime = config["buildConfig"]["runtime"]
        .as_str()
        .unwrap_or_default();
    let harness: &Path = inner.harness.path();
    let mut command = if runtime.starts_with("nodejs") {
        let mut c = Command::new("node");
        c.arg(harness.join("harness.cjs")).arg(dir.path());
        c
    } else {
        let mut c = Command::new("python3");
        c.arg(harness.join("harness.py")).arg(dir.path());
        c
    };
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("PYTHONPATH", harness)
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PORT", "8080")
        .env("K_SERVICE", function)
        .env("K_REVISION", revision)
        .env("K_CONFIGURATION", function)
        .env(
            "FUNCTION_TARGET",
            config["buildConfig"]["entryPoint"]
                .as_str()
                .unwrap_or_default(),
        )
        .env(
            "FUNCTION_SIGNATURE_TYPE",
            if config.get("eventTrigger").is_some_and(|t| !t.is_null()) {
                "cloudevent"
            } else {
                "http"
            },
        )
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    for (key, value) in config["serviceConfig"]["environmentVariables"]
        .as_object()
        .into_iter()
        .flatten()
    {
        command.env(key, value.as_str().unwrap_or_default());
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("could not start {runtime}: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let mut lines = BufReader::new(stdout).lines();
    let mut errors = BufReader::new(stderr).lines();
    // A failure guard, not an assertion: an instance that never listens fails the SERVICE stage.
    let port = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(port) = line.strip_prefix("FUNCTORY_HARNESS_PORT=") {
                return port.trim().parse::<u16>().ok();
            }
        }
        None
    })
    .await
    .ok()
    .flatten();
    let Some(port) = port else {
        let mut text = Vec::new();
        while let Ok(Some(line)) = errors.next_line().await {
            text.push(line);
        }
        return Err(text.join("\n"));
    };
    for (stream, mut reader) in [
        ("stdout", Reader::Out(lines)),
        ("stderr", Reader::Err(errors)),
    ] {
        let inner = inner.clone();
        let (function, revision) = (function.to_owned(), revision.to_owned());
        tokio::spawn(async move {
            while let Some(line) = reader.next().await {
                inner.log(&function, &revision, stream, &line);
            }
        });
    }
    Ok(Running {
        child,
        port,
        revision: revision.to_owned(),
        _dir: dir,
    })
}

enum Reader {
    Out(tokio::io::Lines<BufReader<tokio::process::ChildStdout>>),
    Err(tokio::io::Lines<BufReader<tokio::process::ChildStderr>>),
}

impl Reader {
    async fn next(&mut self) -> Option<String> {
        match self {
            Reader::Out(lines) => lines.next_line().await.ok().flatten(),
            Reader::Err(lines) => lines.next_line().await.ok().flatten(),
        }
    }
}

async fn create_function(
    inner: &Arc<Inner>,
    request: Request<Incoming>,
    project: String,
    region: String,
) -> Result<Answer, ()> {
    if let Some(fault) = inner.meet("CreateFunction", true) {
        return fault;
    }
    if let Err(answer) = inner.principal(&request) {
        return Ok(answer);
    }
    let id = query_of(request.uri())
        .get("functionId")
        .cloned()
        .unwrap_or_default();
    let name = format!("projects/{project}/locations/{region}/functions/{id}");
    if let Err(answer) = inner.check("cloudfunctions.functions.create", &name, &project) {
        return Ok(answer);
    }
    if !function_id_valid(&id) {
        return Ok(invalid(&format!(
            "Invalid function id '{id}': the value should be 4-63 characters, and valid characters are /[a-z][0-9]-/."
        )));
    }
    let body = match json_body(request).await {
        Ok(body) => body,
        Err(answer) => return Ok(answer),
    };
    if inner.lock().functions.contains_key(&id) {
        return Ok(google_error(
            409,
            "ALREADY_EXISTS",
            &format!("Function {name} already exists"),
            Vec::new(),
        ));
    }
    if let Err(message) = validate_function(inner, &body, None) {
        return Ok(invalid(&message));
    }
    let object = body["buildConfig"]["source"]["storageSource"]["object"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let zip = inner.lock().uploads.get(&object).cloned().flatten();
    let mut resource = body.clone();
    resource["name"] = json!(name);
    resource["state"] = json!("DEPLOYING");
    resource["environment"] = json!("GEN_2");
    resource["createTime"] = json!(rfc3339(now_ms()));
    resource["updateTime"] = json!(rfc3339(now_ms()));
    resource["buildConfig"]["dockerRepository"] = json!(format!(
        "projects/{project}/locations/{region}/repositories/gcf-artifacts"
    ));
    resource["serviceConfig"]["service"] = json!(format!(
        "projects/{project}/locations/{region}/services/{id}"
    ));
    resource["serviceConfig"]["serviceAccountEmail"] = json!(inner.runtime_account());
    resource["serviceConfig"]["ingressSettings"] = json!("ALLOW_ALL");
    resource["serviceConfig"]["maxInstanceCount"] = json!(100);
    resource["serviceConfig"]["maxInstanceRequestConcurrency"] = json!(1);
    if resource["serviceConfig"]["availableMemory"].is_null() {
        resource["serviceConfig"]["availableMemory"] = json!("256M");
    }
    if resource["serviceConfig"]["timeoutSeconds"].is_null() {
        resource["serviceConfig"]["timeoutSeconds"] = json!(60);
    }
    if resource["eventTrigger"].is_object() {
        resource["eventTrigger"]["trigger"] = json!(format!(
            "projects/{project}/locations/{region}/triggers/{id}-{}",
            inner.next()
        ));
        resource["eventTrigger"]["serviceAccountEmail"] = json!(inner.runtime_account());
    }
    inner.lock().functions.insert(
        id.clone(),
        FakeFunction {
            resource: resource.clone(),
            zip: None,
            revisions: 0,
            operation: None,
        },
    );
    let mut target = resource;
    target["state"] = json!("ACTIVE");
    let operation = new_operation(inner, &id, OpKind::Create, target, zip, "create");
    Ok(ok_json(&operation))
}

async fn update_function(
    inner: &Arc<Inner>,
    request: Request<Incoming>,
    project: String,
    region: String,
    id: String,
) -> Result<Answer, ()> {
    if let Some(fault) = inner.meet("UpdateFunction", true) {
        return fault;
    }
    if let Err(answer) = inner.principal(&request) {
        return Ok(answer);
    }
    let name = format!("projects/{project}/locations/{region}/functions/{id}");
    if let Err(answer) = inner.check("cloudfunctions.functions.update", &name, &project) {
        return Ok(answer);
    }
    let mask = query_of(request.uri())
        .get("updateMask")
        .cloned()
        .unwrap_or_default();
    let body = match json_body(request).await {
        Ok(body) => body,
        Err(answer) => return Ok(answer),
    };
    let paths: Vec<&str> = mask
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if paths.is_empty() {
        return Ok(invalid("The update mask must name the fields to update."));
    }
    if let Some(unknown) = paths.iter().find(|p| !UPDATE_PATHS.contains(p)) {
        return Ok(invalid(&format!(
            "Invalid field mask: '{unknown}' is not a field of Function or cannot be updated."
        )));
    }
    let (current, zip_now) = {
        let state = inner.lock();
        let Some(function) = state.functions.get(&id) else {
            return Ok(not_found(&format!("Resource '{name}' was not found")));
        };
        if function.operation.is_some() {
            return Ok(in_progress(&name));
        }
        (function.resource.clone(), function.zip.clone())
    };
    let mut merged = current.clone();
    apply_mask(&mut merged, &body, &paths);
    if let Err(message) = validate_function(inner, &merged, Some(&paths)) {
        return Ok(invalid(&message));
    }
    let zip = if paths.contains(&"buildConfig.source") {
        let object = merged["buildConfig"]["source"]["storageSource"]["object"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        inner.lock().uploads.get(&object).cloned().flatten()
    } else {
        zip_now
    };
    {
        let mut state = inner.lock();
        if let Some(function) = state.functions.get_mut(&id) {
            function.resource["state"] = json!("DEPLOYING");
        }
    }
    let operation = new_operation(inner, &id, OpKind::Update, merged, zip, "update");
    Ok(ok_json(&operation))
}

async fn scheduler_api(
    inner: &Arc<Inner>,
    request: Request<Incoming>,
    project: String,
    region: String,
    rest: Vec<String>,
) -> Result<Answer, ()> {
    let method = request.method().clone();
    let parent = format!("projects/{project}/locations/{region}");
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let call = match (&method, rest.as_slice()) {
        (&Method::GET, []) => ("ListJobs", false, "cloudscheduler.jobs.list"),
        (&Method::POST, []) => ("CreateJob", true, "cloudscheduler.jobs.create"),
        (&Method::GET, [_]) => ("GetJob", false, "cloudscheduler.jobs.get"),
        (&Method::PATCH, [_]) => ("UpdateJob", true, "cloudscheduler.jobs.update"),
        (&Method::DELETE, [_]) => ("DeleteJob", true, "cloudscheduler.jobs.delete"),
        (&Method::POST, [id]) if id.ends_with(":run") => {
            ("RunJob", false, "cloudscheduler.jobs.run")
        }
        _ => return Ok(not_found("no such Cloud Scheduler method")),
    };
    if let Some(fault) = inner.meet(call.0, call.1) {
        return fault;
    }
    if let Err(answer) = inner.principal(&request) {
        return Ok(answer);
    }
    let resource = match rest.first() {
        Some(id) => format!("{parent}/jobs/{}", id.trim_end_matches(":run")),
        None => parent.clone(),
    };
    if let Err(answer) = inner.check(call.2, &resource, &project) {
        return Ok(answer);
    }
    let validate = |job: &Value| -> Result<(), String> {
        let schedule = job["schedule"].as_str().unwrap_or_default();
        let fields: Vec<&str> = schedule.split_whitespace().collect();
        let good = fields.len() == 5
            && fields
                .iter()
                .all(|f| f.chars().all(|c| c.is_ascii_digit() || "*,-/".contains(c)));
        if !good {
            return Err("Schedule or time zone is invalid.".to_owned());
        }
        let zone = job["timeZone"].as_str().unwrap_or("Etc/UTC");
        if !(zone == "UTC" || zone.contains('/')) {
            return Err("Schedule or time zone is invalid.".to_owned());
        }
        let target = &job["httpTarget"];
        if !target["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("http"))
        {
            return Err("Invalid HTTP target: the URI must be absolute.".to_owned());
        }
        if target["oidcToken"]["serviceAccountEmail"]
            .as_str()
            .is_none_or(str::is_empty)
        {
            return Err("OIDC token needs a service account email.".to_owned());
        }
        Ok(())
    };
    match (&method, rest.as_slice()) {
        (&Method::GET, []) => {
            let query = query_of(request.uri());
            let all: Vec<Value> = inner.lock().jobs.values().cloned().collect();
            let answer = match list_page(inner, &query, all, "jobs", "job-page-", (500, 500)) {
                Ok(answer) => answer,
                Err(invalid) => return Ok(invalid),
            };
            Ok(ok_json(&answer))
        }
        (&Method::POST, []) => {
            let mut job = match json_body(request).await {
                Ok(job) => job,
                Err(answer) => return Ok(answer),
            };
            let name = job["name"].as_str().unwrap_or_default().to_owned();
            let Some(id) = name.strip_prefix(&format!("{parent}/jobs/")) else {
                return Ok(invalid(&format!("Job name '{name}' is not in '{parent}'.")));
            };
            let id = id.to_owned();
            if let Err(message) = validate(&job) {
                return Ok(invalid(&message));
            }
            if inner.denied_act_as(&job) {
                let account = job["httpTarget"]["oidcToken"]["serviceAccountEmail"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                return Ok(google_error(
                    403,
                    "PERMISSION_DENIED",
                    &format!(
                        "The principal lacks IAM permission \"iam.serviceAccounts.actAs\" for the resource \"projects/-/serviceAccounts/{account}\""
                    ),
                    vec![
                        json!({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "IAM_PERMISSION_DENIED", "metadata": {"permission": "iam.serviceAccounts.actAs", "resource": format!("projects/-/serviceAccounts/{account}")}}),
                    ],
                ));
            }
            let mut state = inner.lock();
            if state.jobs.contains_key(&id) {
                return Ok(google_error(
                    409,
                    "ALREADY_EXISTS",
                    "Job already exists.",
                    Vec::new(),
                ));
            }
            job["state"] = json!("ENABLED");
            job["userUpdateTime"] = json!(rfc3339(now_ms()));
            state.jobs.insert(id, job.clone());
            Ok(ok_json(&job))
        }
        (&Method::GET, [id]) => match inner.lock().jobs.get(*id) {
            Some(job) => Ok(ok_json(job)),
            None => Ok(not_found("Job not found.")),
        },
        (&Method::PATCH, [id]) => {
            let id = id.to_string();
            let mask = query_of(request.uri())
                .get("updateMask")
                .cloned()
                .unwrap_or_default();
            let body = match json_body(request).await {
                Ok(body) => body,
                Err(answer) => return Ok(answer),
            };
            let Some(mut job) = inner.lock().jobs.get(&id).cloned() else {
                return Ok(not_found("Job not found."));
            };
            let paths: Vec<&str> = mask
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            const JOB_PATHS: &[&str] = &[
                "description",
                "schedule",
                "timeZone",
                "attemptDeadline",
                "httpTarget",
                "retryConfig",
            ];
            if let Some(unknown) = paths.iter().find(|p| !JOB_PATHS.contains(p)) {
                return Ok(invalid(&format!("Invalid update mask path: {unknown}")));
            }
            apply_mask(&mut job, &body, &paths);
            if let Err(message) = validate(&job) {
                return Ok(invalid(&message));
            }
            job["userUpdateTime"] = json!(rfc3339(now_ms()));
            inner.lock().jobs.insert(id, job.clone());
            Ok(ok_json(&job))
        }
        (&Method::DELETE, [id]) => match inner.lock().jobs.remove(*id) {
            Some(_) => Ok(ok_json(&json!({}))),
            None => Ok(not_found("Job not found.")),
        },
        (&Method::POST, [id]) => {
            let id = id.trim_end_matches(":run").to_owned();
            let Some(job) = inner.lock().jobs.get(&id).cloned() else {
                return Ok(not_found("Job not found."));
            };
            let _ = run_job(inner, &id).await;
            Ok(ok_json(&job))
        }
        _ => Ok(not_found("no such Cloud Scheduler method")),
    }
}

impl Inner {
    fn denied_act_as(&self, _job: &Value) -> bool {
        self.lock().denied.contains("iam.serviceAccounts.actAs")
    }
}

async fn publish(
    inner: &Arc<Inner>,
    request: Request<Incoming>,
    project: String,
    topic: String,
) -> Result<Answer, ()> {
    let Some(topic) = topic.strip_suffix(":publish").map(str::to_owned) else {
        return Ok(not_found("no such Pub/Sub method"));
    };
    if let Some(fault) = inner.meet("Publish", false) {
        return fault;
    }
    if let Err(answer) = inner.principal(&request) {
        return Ok(answer);
    }
    let resource = format!("projects/{project}/topics/{topic}");
    if let Err(answer) = inner.check("pubsub.topics.publish", &resource, &project) {
        return Ok(answer);
    }
    let body = match json_body(request).await {
        Ok(body) => body,
        Err(answer) => return Ok(answer),
    };
    if !inner.lock().topics.contains(&topic) {
        return Ok(not_found(&format!(
            "Resource not found (resource={topic})."
        )));
    }
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    if messages.is_empty() {
        return Ok(invalid("The request contains no messages."));
    }
    let mut ids = Vec::new();
    for message in messages {
        if let Some(data) = message["data"].as_str()
            && STANDARD.decode(data).is_err()
        {
            return Ok(invalid(
                "Invalid value at 'messages[0].data' (TYPE_BYTES), Base64 decoding failed.",
            ));
        }
        let id = format!("{}", 10_000_000_000u64 + inner.next());
        let subscribers: Vec<(u16, String)> = {
            let state = inner.lock();
            state
                .functions
                .iter()
                .filter(|(_, f)| f.resource["eventTrigger"]["pubsubTopic"] == resource)
                .filter_map(|(fid, _)| state.running.get(fid).map(|r| (r.port, fid.clone())))
                .collect()
        };
        let data = json!({
            "message": {
                "data": message["data"],
                "attributes": message["attributes"],
                "messageId": id,
                "publishTime": rfc3339(now_ms()),
            },
            "subscription": format!("projects/{project}/subscriptions/eventarc-{}-sub", topic),
        });
        for (port, function) in subscribers {
            let (inner, id, data, resource) =
                (inner.clone(), id.clone(), data.clone(), resource.clone());
            tokio::spawn(async move {
                deliver(
                    &inner,
                    port,
                    &function,
                    &id,
                    "google.cloud.pubsub.topic.v1.messagePublished",
                    &format!("//pubsub.googleapis.com/{resource}"),
                    None,
                    &data,
                )
                .await;
            });
        }
        ids.push(id);
    }
    Ok(ok_json(&json!({ "messageIds": ids })))
}

async fn list_entries(inner: &Arc<Inner>, request: Request<Incoming>) -> Result<Answer, ()> {
    if let Some(fault) = inner.meet("ListLogEntries", false) {
        return fault;
    }
    if let Err(answer) = inner.principal(&request) {
        return Ok(answer);
    }
    let body = match json_body(request).await {
        Ok(body) => body,
        Err(answer) => return Ok(answer),
    };
    let resources: Vec<String> = body["resourceNames"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    if resources.is_empty() {
        return Ok(invalid(
            "resourceNames: at least one resource name is required.",
        ));
    }
    for resource in &resources {
        let project = resource.strip_prefix("projects/").unwrap_or_default();
        if let Err(answer) = inner.check("logging.logEntries.list", resource, project) {
            return Ok(answer);
        }
    }
    let filter = match filter::parse(body["filter"].as_str().unwrap_or_default()) {
        Ok(filter) => filter,
        Err(problem) => return Ok(invalid(&format!("Invalid filter: {problem}"))),
    };
    let descending = match body["orderBy"].as_str().unwrap_or("timestamp asc") {
        "timestamp asc" => false,
        "timestamp desc" => true,
        other => return Ok(invalid(&format!("Invalid orderBy: {other}"))),
    };
    let mut state = inner.lock();
    let size = (body["pageSize"].as_u64().unwrap_or(50).clamp(1, 1000) as usize)
        .min(state.page_limit.unwrap_or(1000));
    let start = match body["pageToken"].as_str() {
        None => 0,
        Some(token) => match token
            .strip_prefix("log-page-")
            .and_then(|t| t.split(':').next())
            .and_then(|s| s.parse().ok())
        {
            Some(n) if state.page_tokens.contains(token) => n,
            _ => return Ok(invalid("Invalid page token.")),
        },
    };
    state.list_calls += 1;
    let visible_to = state.list_calls;
    let mut matching: Vec<&Value> = state
        .entries
        .iter()
        .filter(|e| e.visible_from < visible_to)
        .map(|e| &e.entry)
        .filter(|e| filter.matches(e))
        .collect();
    matching.sort_by(|a, b| a["timestamp"].as_str().cmp(&b["timestamp"].as_str()));
    if descending {
        matching.reverse();
    }
    let page: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(size)
        .map(|e| (*e).clone())
        .collect();
    let more = start + size < matching.len();
    let mut answer = json!({ "entries": page });
    if page.is_empty() {
        answer = json!({});
    }
    if more {
        let token = format!("log-page-{}:{}", start + size, state.counter);
        state.page_tokens.insert(token.clone());
        answer["nextPageToken"] = json!(token);
    }
    Ok(ok_json(&answer))
}

/// The function's URL, as Cloud Run serves it: the ID token's audience and the invoker policy
/// are checked, then the request goes to the instance.
async fn invoke(
    inner: &Arc<Inner>,
    request: Request<Incoming>,
    rest: String,
) -> Result<Answer, ()> {
    let (function, path) = match rest.split_once('/') {
        Some((f, p)) => (f.to_owned(), format!("/{p}")),
        None => (rest.clone(), "/".to_owned()),
    };
    if let Some(fault) = inner.meet("Invoke", false) {
        return fault;
    }
    let forbidden = |status: u16| {
        respond(
            status,
            "text/html; charset=UTF-8",
            format!(
                "<html><head><title>{status} Forbidden</title></head><body><h1>Error: Forbidden</h1><h2>Your client does not have permission to get URL <code>/{rest}</code> from this server.</h2></body></html>"
            ),
        )
    };
    let uri = inner.uri_of(&function);
    let service = format!("{}/services/{function}", inner.parent());
    let (port, public, invokers, owners, ids, users) = {
        let state = inner.lock();
        let Some(running) = state.running.get(&function) else {
            return Ok(respond(
                404,
                "text/html; charset=UTF-8",
                "<html><body>404 page not found</body></html>",
            ));
        };
        let members: Vec<String> = state
            .policies
            .get(&service)
            .and_then(|p| p["bindings"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter(|b| b["role"] == "roles/run.invoker")
            .flat_map(|b| b["members"].as_array().cloned().unwrap_or_default())
            .filter_map(|m| m.as_str().map(str::to_owned))
            .collect();
        (
            running.port,
            members.iter().any(|m| m == "allUsers"),
            members,
            state.owners.clone(),
            state.ids.clone(),
            state
                .users
                .iter()
                .map(|u| u.client_id.clone())
                .collect::<Vec<_>>(),
        )
    };
    if !public {
        let token = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        let Some((principal, audience)) = ids.get(token) else {
            return Ok(forbidden(401));
        };
        // A service URL, or the gcloud client a user's generic ID token is issued to.
        let audience_ok = audience == &uri || users.contains(audience);
        if !audience_ok {
            return Ok(forbidden(401));
        }
        if !owners.contains(principal) && !invokers.contains(principal) {
            return Ok(forbidden(403));
        }
    }
    let method = request.method().clone();
    let query = request
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let headers = request.headers().clone();
    let body = body_of(request).await;
    let mut forward = inner
        .http
        .request(
            reqwest::Method::from_bytes(method.as_str().as_bytes())
                .unwrap_or(reqwest::Method::POST),
            format!("http://127.0.0.1:{port}{path}{query}"),
        )
        .body(body.to_vec());
    for (name, value) in headers.iter() {
        if name == "host" || name == "content-length" {
            continue;
        }
        forward = forward.header(name.as_str(), value.as_bytes());
    }
    let answer = match forward.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let mut builder = Response::builder().status(status);
            for (name, value) in response.headers() {
                if name == "content-length" || name == "transfer-encoding" || name == "connection" {
                    continue;
                }
                builder = builder.header(name.as_str(), value.as_bytes());
            }
            let bytes = response.bytes().await.unwrap_or_default();
            builder.body(Full::new(bytes)).expect("a response")
        }
        Err(_) => respond(503, "text/html; charset=UTF-8", "Service Unavailable"),
    };
    inner.log_request(&function, method.as_str(), &path, answer.status().as_u16());
    Ok(answer)
}

#[allow(unused)]
fn decode_claims(token: &str) -> Option<Value> {
    let claims = token.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()
}

#[allow(unused)]
fn infallible(_: Infallible) {}
