//! A fake of the Azure services the adapter talks to, on one loopback port, written from the
//! public API references: Microsoft Entra ID's token and device-code endpoints (`/entra`),
//! Azure Resource Manager (`/arm`: sites, app settings, functions, keys, trigger sync, tags
//! with a long-running operation, `nextLink` pages, bearer checks, the documented error
//! bodies), each app's Kudu site (`/scm/{app}`: async zip deploy with its status progression,
//! Flex Consumption's one deploy, deployment logs, the log stream), each app's function host
//! (`/host/{app}`: routes with key checks, the admin endpoint), and Application Insights'
//! query API (`/insights`).
//!
//! The function host RUNS the deployed package: it unzips what Kudu accepted and calls the
//! generated entry with the machine's real `node` or `python3` through a small worker that
//! imitates the Functions host's call (`harness/`), so a user's handler runs through the
//! adapter's shim exactly as on Azure. Its output becomes the host's log lines, in the log
//! stream and in Application Insights (after an injectable ingestion delay).
//!
//! Faults are injectable per call: a cut connection (the request is dropped before anything
//! changes), throttling (429 + Retry-After), refusals (403 AuthorizationFailed), a failing
//! deployment.

#![allow(dead_code)]

mod azure_api;
mod host;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

pub const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
pub const CLIENT: &str = "00000000-1111-2222-3333-444444444444";
/// The service principal's secret: a canary that must never show up in what the adapter says.
pub const SECRET: &str = "CANARY~azureClientSecret.Q9fzx7Lm";
/// A public client for the device-code sign-in.
pub const PUBLIC_CLIENT: &str = "04b07795-0000-4000-8000-00000000d1ce";
pub const SUBSCRIPTION: &str = "0b1f6471-1bf0-4dda-aec3-111122223333";
pub const RESOURCE_GROUP: &str = "media";

pub type Body = BoxBody<Bytes, Infallible>;

/// The connection is dropped without an answer: a network cut at that moment.
#[derive(Debug)]
pub struct Cut(String);

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "connection cut before {} (injected fault)", self.0)
    }
}

impl std::error::Error for Cut {}

pub fn full(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()).boxed());
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
    if !content_type.is_empty() {
        response.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            content_type.parse().expect("a content type"),
        );
    }
    response
}

pub fn json_response(status: u16, value: &Value) -> Response<Body> {
    full(status, "application/json; charset=utf-8", value.to_string())
}

pub fn empty(status: u16) -> Response<Body> {
    full(status, "", Bytes::new())
}

/// ARM's documented error body.
pub fn arm_error(status: u16, code: &str, message: &str) -> Response<Body> {
    json_response(
        status,
        &json!({ "error": { "code": code, "message": message } }),
    )
}

/// Which hosting the fake app has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hosting {
    WindowsConsumption,
    LinuxConsumption,
    FlexConsumption,
    LinuxPremium,
}

/// An app to create in the fake.
#[derive(Debug, Clone)]
pub struct AppSpec {
    pub name: String,
    pub hosting: Hosting,
    /// `node` or `python`.
    pub language: String,
    /// `20`, `3.11`.
    pub version: String,
    pub settings: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    /// An Application Insights application id in the connection string.
    pub app_insights: Option<String>,
}

impl AppSpec {
    pub fn new(name: &str, hosting: Hosting, language: &str, version: &str) -> Self {
        AppSpec {
            name: name.to_owned(),
            hosting,
            language: language.to_owned(),
            version: version.to_owned(),
            settings: BTreeMap::new(),
            tags: BTreeMap::new(),
            app_insights: Some(format!("{:0>8}-0000-4000-8000-00000000a11e", name.len())),
        }
    }
}

/// One upload Kudu received.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub id: String,
    pub status: i64,
    pub polls: u32,
    pub zip: Vec<u8>,
    pub fail: Option<Vec<String>>,
    pub publish: bool,
    pub remote_build: bool,
    pub log: Vec<(String, i64)>,
}

/// One function app in the fake.
#[derive(Debug)]
pub struct App {
    pub spec: AppSpec,
    pub settings: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    /// Where the deployed package is unpacked (`None`: nothing deployed).
    pub wwwroot: Option<PathBuf>,
    /// SHA-256 (hex) of the zip that is running.
    pub running: Option<String>,
    /// SHA-256 of what was running when the triggers were last synced.
    pub synced: Option<String>,
    pub master_key: String,
    pub function_keys: HashMap<String, String>,
    pub deployments: Vec<Deployment>,
    /// Fail the next deployment with these log lines.
    pub fail_next: Option<Vec<String>>,
    /// Answer the next one deploy with HTTP 200 carrying a failed status.
    pub fail_next_with_200: bool,
}

impl App {
    /// The deployed Azure functions: folders with a function.json, by name.
    pub fn functions(&self) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        let Some(root) = &self.wwwroot else {
            return out;
        };
        let Ok(entries) = std::fs::read_dir(root) else {
            return out;
        };
        for entry in entries.flatten() {
            let config = entry.path().join("function.json");
            if let Ok(text) = std::fs::read_to_string(&config)
                && let Ok(value) = serde_json::from_str::<Value>(&text)
            {
                out.insert(entry.file_name().to_string_lossy().into_owned(), value);
            }
        }
        out
    }

    pub fn function_key(&mut self, function: &str) -> String {
        self.function_keys
            .entry(function.to_owned())
            .or_insert_with(|| format!("fnkey-{}", uuid::Uuid::new_v4().simple()))
            .clone()
    }
}

/// An access token the fake issued.
#[derive(Debug, Clone)]
pub struct Token {
    pub audience: String,
    pub expires: Instant,
}

/// A line an invocation wrote.
#[derive(Debug, Clone)]
pub struct Trace {
    pub time: chrono::DateTime<chrono::Utc>,
    pub visible_at: Instant,
    pub message: String,
    pub severity: i64,
    pub operation: String,
    pub invocation: String,
    pub item: String,
}

#[derive(Debug, Default)]
pub struct State {
    pub tokens: HashMap<String, Token>,
    pub refresh_tokens: HashMap<String, String>,
    pub token_lifetime_s: u64,
    pub apps: BTreeMap<String, App>,
    /// Every call received, by operation name, in order.
    pub calls: Vec<String>,
    /// (operation, n): the n-th call of the operation from now on is cut.
    pub cuts: Vec<(String, usize)>,
    pub counts: HashMap<String, usize>,
    /// Operation → (times left, Retry-After seconds).
    pub throttled: HashMap<String, (u32, u64)>,
    pub denied: Vec<String>,
    /// Long-running operations: id → (polls left, what to apply when done).
    pub operations: HashMap<String, (u32, Option<azure_api::Pending>)>,
    pub page_size: usize,
    /// Long-running tag updates answer a `Location` to poll instead of `Azure-AsyncOperation`.
    pub lro_by_location: bool,
    /// App Insights id → lines.
    pub traces: HashMap<String, Vec<Trace>>,
    pub ingestion_delay: Duration,
    /// (app, Azure function) → live log stream readers.
    pub streams: Vec<(String, String, tokio::sync::mpsc::UnboundedSender<Bytes>)>,
    pub device: Option<DeviceFlow>,
    pub device_script: VecDeque<String>,
    pub token_requests: Vec<HashMap<String, String>>,
}

#[derive(Debug, Clone)]
pub struct DeviceFlow {
    pub device_code: String,
    pub user_code: String,
    pub scope: String,
}

#[derive(Debug)]
pub struct Shared {
    pub url: String,
    pub state: Mutex<State>,
    pub work: PathBuf,
    pub harness: PathBuf,
    pub python: PathBuf,
}

impl Shared {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("the fake's state")
    }
}

/// The fake, serving until the test's runtime ends.
#[derive(Debug)]
pub struct FakeAzure {
    pub shared: Arc<Shared>,
    _work: tempfile::TempDir,
}

impl FakeAzure {
    pub async fn start() -> FakeAzure {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free loopback port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let work = tempfile::tempdir().expect("a work folder");
        let python = std::process::Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| PathBuf::from(s.trim()))
            .filter(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("python3"));
        let shared = Arc::new(Shared {
            url: url.clone(),
            state: Mutex::new(State {
                token_lifetime_s: 3599,
                page_size: 2,
                ..State::default()
            }),
            work: work.path().to_owned(),
            // Beside this file. `file!()` is relative to the workspace root, two levels above
            // every crate that includes the fake (this adapter's tests and the CLI's).
            harness: Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(Path::new(file!()).parent().unwrap_or(Path::new(".")))
                .join("harness"),
            python,
        });
        let serving = shared.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = serving.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let shared = shared.clone();
                        async move { route(shared, request).await }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FakeAzure {
            shared,
            _work: work,
        }
    }

    pub fn url(&self) -> &str {
        &self.shared.url
    }

    pub fn authority(&self) -> String {
        format!("{}/entra", self.shared.url)
    }

    pub fn resource_manager(&self) -> String {
        format!("{}/arm", self.shared.url)
    }

    pub fn scm_template(&self) -> String {
        format!("{}/scm/{{app}}", self.shared.url)
    }

    pub fn host_template(&self) -> String {
        format!("{}/host/{{app}}", self.shared.url)
    }

    pub fn insights(&self) -> String {
        format!("{}/insights", self.shared.url)
    }

    pub fn add_app(&self, spec: AppSpec) {
        let mut settings = spec.settings.clone();
        settings
            .entry("AzureWebJobsStorage".into())
            .or_insert_with(|| "DefaultEndpointsProtocol=https;AccountName=mediastore;AccountKey=c3RvcmFnZS1rZXk=;EndpointSuffix=core.windows.net".into());
        if spec.hosting != Hosting::FlexConsumption {
            settings
                .entry("FUNCTIONS_EXTENSION_VERSION".into())
                .or_insert_with(|| "~4".into());
            settings
                .entry("FUNCTIONS_WORKER_RUNTIME".into())
                .or_insert_with(|| spec.language.clone());
        }
        if spec.hosting == Hosting::WindowsConsumption && spec.language == "node" {
            settings
                .entry("WEBSITE_NODE_DEFAULT_VERSION".into())
                .or_insert_with(|| format!("~{}", spec.version));
        }
        if let Some(id) = &spec.app_insights {
            settings.insert(
                "APPLICATIONINSIGHTS_CONNECTION_STRING".into(),
                format!("InstrumentationKey=5b1e1e6c-0000-4000-8000-000000000001;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/;ApplicationId={id}"),
            );
        }
        let app = App {
            settings,
            tags: spec.tags.clone(),
            wwwroot: None,
            running: None,
            synced: None,
            master_key: format!("master-{}", uuid::Uuid::new_v4().simple()),
            function_keys: HashMap::new(),
            deployments: Vec::new(),
            fail_next: None,
            fail_next_with_200: false,
            spec,
        };
        self.shared.lock().apps.insert(app.spec.name.clone(), app);
    }

    pub fn with_app<T>(&self, name: &str, f: impl FnOnce(&mut App) -> T) -> T {
        let mut state = self.shared.lock();
        f(state.apps.get_mut(name).expect("an app the test added"))
    }

    pub fn calls(&self) -> Vec<String> {
        self.shared.lock().calls.clone()
    }

    /// The calls that change something, as the adapter's plans name them.
    pub fn changing_calls(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|c| is_changing(c))
            .collect()
    }

    pub fn clear_calls(&self) {
        self.shared.lock().calls.clear();
    }

    /// Cuts the connection of the `nth` (1-based) call of `operation` from now on.
    pub fn cut(&self, operation: &str, nth: usize) {
        let mut state = self.shared.lock();
        state.counts.remove(operation);
        state.cuts.push((operation.to_owned(), nth));
    }

    pub fn throttle(&self, operation: &str, times: u32, retry_after_s: u64) {
        self.shared
            .lock()
            .throttled
            .insert(operation.to_owned(), (times, retry_after_s));
    }

    pub fn deny(&self, operation: &str) {
        self.shared.lock().denied.push(operation.to_owned());
    }

    /// Long-running operations answer with a `Location` (polled until it stops saying 202).
    pub fn lro_by_location(&self) {
        self.shared.lock().lro_by_location = true;
    }

    pub fn set_ingestion_delay(&self, delay: Duration) {
        self.shared.lock().ingestion_delay = delay;
    }

    pub fn script_device_flow(&self, steps: &[&str]) {
        self.shared.lock().device_script = steps.iter().map(|s| (*s).to_owned()).collect();
    }

    pub fn set_token_lifetime(&self, seconds: u64) {
        self.shared.lock().token_lifetime_s = seconds;
    }

    /// Forgets every token, as if each were revoked.
    pub fn revoke_tokens(&self) {
        self.shared.lock().tokens.clear();
    }

    /// A token for `audience`, as another sign-in (the Azure CLI) would have got it.
    pub fn issue_token(&self, audience: &str) -> String {
        let mut state = self.shared.lock();
        issue(&mut state, audience, false)["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn token_requests(&self) -> Vec<HashMap<String, String>> {
        self.shared.lock().token_requests.clone()
    }
}

/// Whether an operation changes something (not a read, a poll, a sign-in or an invocation).
pub fn is_changing(operation: &str) -> bool {
    let (service, call) = operation.split_once('.').unwrap_or(("", operation));
    !matches!(service, "Entra" | "Operations" | "Host" | "Insights")
        && !call.starts_with("Get")
        && !call.starts_with("List")
        && call != "LogStream"
}

/// Records the call and applies the injected faults; `Ok(Some)` is a fault's answer.
pub fn intercept(shared: &Shared, operation: &str) -> Result<Option<Response<Body>>, Cut> {
    let mut state = shared.lock();
    let count = {
        let n = state.counts.entry(operation.to_owned()).or_insert(0);
        *n += 1;
        *n
    };
    if let Some(position) = state
        .cuts
        .iter()
        .position(|(op, nth)| op == operation && *nth == count)
    {
        state.cuts.remove(position);
        return Err(Cut(operation.to_owned()));
    }
    state.calls.push(operation.to_owned());
    if let Some((left, retry_after)) = state.throttled.get_mut(operation)
        && *left > 0
    {
        *left -= 1;
        let retry = *retry_after;
        let mut response = arm_error(
            429,
            "TooManyRequests",
            "Number of 'write' requests for subscription actor exceeded. Please try again after some time.",
        );
        response
            .headers_mut()
            .insert("retry-after", retry.to_string().parse().expect("a number"));
        return Ok(Some(response));
    }
    if state.denied.iter().any(|d| d == operation) {
        let action = azure_api::action_of(operation);
        return Ok(Some(arm_error(
            403,
            "AuthorizationFailed",
            &format!(
                "The client '{CLIENT}' with object id '{CLIENT}' does not have authorization to perform action '{action}' over scope '/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.Web/sites' or the scope is invalid. If access was recently granted, please refresh your credentials."
            ),
        )));
    }
    Ok(None)
}

/// The bearer token's audience, if the fake issued it and it has not expired.
pub fn bearer(shared: &Shared, headers: &hyper::HeaderMap) -> Result<String, &'static str> {
    let Some(value) = headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err("missing");
    };
    let Some(token) = value.strip_prefix("Bearer ") else {
        return Err("invalid");
    };
    let state = shared.lock();
    match state.tokens.get(token) {
        None => Err("invalid"),
        Some(t) if t.expires < Instant::now() => Err("expired"),
        Some(t) => Ok(t.audience.clone()),
    }
}

pub struct Incoming_ {
    pub method: hyper::Method,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

async fn route(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Response<Body>, Cut> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let query: BTreeMap<String, String> = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let incoming = Incoming_ {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query,
        headers: parts.headers,
        body,
    };
    let path = incoming.path.clone();
    let mut segments = path.trim_start_matches('/').splitn(2, '/');
    let service = segments.next().unwrap_or_default();
    let rest = format!("/{}", segments.next().unwrap_or_default());
    match service {
        "entra" => Ok(entra(&shared, &incoming, &rest)),
        "arm" => azure_api::arm(&shared, &incoming, &rest).await,
        "scm" => azure_api::kudu(&shared, &incoming, &rest).await,
        "host" => host::host(&shared, &incoming, &rest).await,
        "insights" => host::insights(&shared, &incoming, &rest),
        _ => Ok(empty(404)),
    }
}

// ---- Microsoft Entra ID ----

fn entra_error(status: u16, error: &str, code: u64, description: &str) -> Response<Body> {
    json_response(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description}\r\nTrace ID: 0c1c7d5e-5a3c-4a55-8a3f-5f0a2e8f6100\r\nCorrelation ID: 4b5e3c1e-94d7-4e0e-9d4a-6a3b1f0c2d11\r\nTimestamp: 2026-01-05 10:00:00Z"),
            "error_codes": [code],
            "timestamp": "2026-01-05 10:00:00Z",
            "trace_id": "0c1c7d5e-5a3c-4a55-8a3f-5f0a2e8f6100",
            "correlation_id": "4b5e3c1e-94d7-4e0e-9d4a-6a3b1f0c2d11",
        }),
    )
}

/// The audience a `…/.default` scope asks for.
fn audience(scope: &str) -> Option<String> {
    scope
        .split_whitespace()
        .find_map(|s| s.strip_suffix("/.default"))
        .map(|a| a.trim_end_matches('/').to_owned())
}

fn issue(state: &mut State, audience: &str, refresh: bool) -> Value {
    let token = format!("eyJ0eXAiOiJKV1QifQ.{}.c2ln", uuid::Uuid::new_v4().simple());
    state.tokens.insert(
        token.clone(),
        Token {
            audience: audience.to_owned(),
            expires: Instant::now() + Duration::from_secs(state.token_lifetime_s),
        },
    );
    let mut answer = json!({
        "token_type": "Bearer",
        "expires_in": state.token_lifetime_s,
        "ext_expires_in": state.token_lifetime_s,
        "access_token": token,
    });
    if refresh {
        let refresh_token = format!("rt.{}", uuid::Uuid::new_v4().simple());
        state
            .refresh_tokens
            .insert(refresh_token.clone(), audience.to_owned());
        answer["refresh_token"] = json!(refresh_token);
    }
    answer
}

fn entra(shared: &Shared, incoming: &Incoming_, rest: &str) -> Response<Body> {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&incoming.body)
        .into_owned()
        .collect();
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let Some((tenant, leaf)) = rest.trim_start_matches('/').split_once("/oauth2/v2.0/") else {
        return empty(404);
    };
    if tenant != TENANT && tenant != "organizations" {
        return entra_error(
            400,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        );
    }
    let mut state = shared.lock();
    if leaf == "token" {
        let mut recorded = form.clone();
        for secret in ["client_secret", "device_code", "refresh_token"] {
            if recorded.contains_key(secret) {
                recorded.insert(secret.to_owned(), "<seen>".to_owned());
            }
        }
        state.token_requests.push(recorded);
    }
    state.calls.push(format!(
        "Entra.{}",
        if leaf == "token" {
            "Token"
        } else {
            "DeviceCode"
        }
    ));
    match (leaf, field("grant_type").as_str()) {
        ("token", "client_credentials") => {
            if field("client_id") != CLIENT {
                return entra_error(
                    400,
                    "unauthorized_client",
                    700016,
                    &format!(
                        "Application with identifier '{}' was not found in the directory '{tenant}'.",
                        field("client_id")
                    ),
                );
            }
            if field("client_secret") != SECRET {
                return entra_error(
                    401,
                    "invalid_client",
                    7000215,
                    &format!(
                        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{CLIENT}'."
                    ),
                );
            }
            let Some(audience) = audience(&field("scope")) else {
                return entra_error(
                    400,
                    "invalid_scope",
                    70011,
                    "The provided request must include a 'scope' input parameter.",
                );
            };
            json_response(200, &issue(&mut state, &audience, false))
        }
        ("devicecode", _) => {
            if field("client_id") != PUBLIC_CLIENT {
                return entra_error(
                    400,
                    "unauthorized_client",
                    700016,
                    &format!(
                        "Application with identifier '{}' was not found in the directory '{tenant}'.",
                        field("client_id")
                    ),
                );
            }
            let flow = DeviceFlow {
                device_code: format!("DAQABAAEAAA{}", uuid::Uuid::new_v4().simple()),
                user_code: "FKQ7CZ4LM".to_owned(),
                scope: field("scope"),
            };
            state.device = Some(flow.clone());
            json_response(
                200,
                &json!({
                    "user_code": flow.user_code,
                    "device_code": flow.device_code,
                    "verification_uri": "https://microsoft.com/devicelogin",
                    "expires_in": 900,
                    "interval": 5,
                    "message": format!("To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code {} to authenticate.", flow.user_code),
                }),
            )
        }
        ("token", "urn:ietf:params:oauth:grant-type:device_code") => {
            let Some(flow) = state.device.clone() else {
                return entra_error(
                    400,
                    "invalid_grant",
                    70000,
                    "The provided value for the 'device_code' is not valid.",
                );
            };
            if field("device_code") != flow.device_code || field("client_id") != PUBLIC_CLIENT {
                return entra_error(
                    400,
                    "invalid_grant",
                    70000,
                    "The provided value for the 'device_code' is not valid.",
                );
            }
            match state.device_script.pop_front().as_deref() {
                Some("authorization_pending") => entra_error(
                    400,
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                ),
                Some("slow_down") => entra_error(
                    400,
                    "slow_down",
                    70016,
                    "OAuth 2.0 device flow error. Polling too frequently.",
                ),
                Some("expired_token") => entra_error(
                    400,
                    "expired_token",
                    70020,
                    "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
                ),
                Some("authorization_declined") => entra_error(
                    400,
                    "authorization_declined",
                    70015,
                    "The user has declined to authorize the application.",
                ),
                _ => {
                    state.device = None;
                    let Some(audience) = audience(&flow.scope) else {
                        return entra_error(
                            400,
                            "invalid_scope",
                            70011,
                            "The provided value for the input parameter 'scope' is not valid.",
                        );
                    };
                    json_response(200, &issue(&mut state, &audience, true))
                }
            }
        }
        ("token", "refresh_token") => {
            if !state.refresh_tokens.contains_key(&field("refresh_token")) {
                return entra_error(
                    400,
                    "invalid_grant",
                    700082,
                    "The refresh token has expired due to inactivity.",
                );
            }
            state.refresh_tokens.remove(&field("refresh_token"));
            let Some(audience) = audience(&field("scope")) else {
                return entra_error(
                    400,
                    "invalid_scope",
                    70011,
                    "The provided value for the input parameter 'scope' is not valid.",
                );
            };
            json_response(200, &issue(&mut state, &audience, true))
        }
        _ => entra_error(
            400,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        ),
    }
}
