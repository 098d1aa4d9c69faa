//! The HTTP trigger: a gateway on a loopback port that maps routes (methods, `{param}` path
//! parameters, greedy `{proxy+}` paths) to API Gateway HTTP API payloads — format 2.0 by
//! default, REST-style 1.0 on request — honours CORS settings, base64-encodes binary bodies,
//! and turns the handler's answer into status, headers, cookies and body.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use functory_adapter::{AdapterError, InvokeOptions};
use functory_core::route::RoutePattern;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use crate::engine::LocalRuntime;
use crate::triggers::queue::QueueRegistry;

/// API Gateway's payload limit.
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum PayloadVersion {
    /// REST API / HTTP API payload format 1.0.
    V1,
    /// HTTP API payload format 2.0.
    #[default]
    V2,
}

/// Cross-origin settings, as an HTTP API's CORS configuration holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CorsConfig {
    /// `*` or exact origins.
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age_s: Option<u32>,
    pub allow_credentials: bool,
}

#[derive(Debug, Clone, Default)]
pub struct GatewaySettings {
    /// 0 picks a free port.
    pub port: u16,
    pub payload_version: PayloadVersion,
    pub cors: Option<CorsConfig>,
    /// Who may invoke what through the Lambda Invoke API, when permissions are enforced.
    pub invoke_callers: Option<crate::triggers::lambda_api::InvokeCallers>,
}

/// One route of the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRoute {
    /// `GET`, `POST`, … or `ANY`.
    pub method: String,
    /// `/users/{id}`, `/files/{proxy+}`.
    pub path: String,
    pub function: String,
    /// The route's own event format (its trigger's `payload_version`); the gateway's otherwise.
    pub payload_version: Option<PayloadVersion>,
}

/// A route with its pattern, read by `functory_core::route` (the one route reader).
#[derive(Debug)]
struct CompiledRoute {
    route: HttpRoute,
    pattern: RoutePattern,
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("port {port} is already in use; choose another with --port")]
    PortInUse { port: u16 },
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Listen {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("route `{method} {path}`: {message}")]
    BadRoute {
        method: String,
        path: String,
        message: String,
    },
}

fn compile(route: &HttpRoute) -> Result<CompiledRoute, GatewayError> {
    let pattern =
        RoutePattern::parse(&route.method, &route.path).map_err(|e| GatewayError::BadRoute {
            method: route.method.clone(),
            path: route.path.clone(),
            message: e.message,
        })?;
    Ok(CompiledRoute {
        route: HttpRoute {
            method: pattern.method().to_owned(),
            ..route.clone()
        },
        pattern,
    })
}

impl CompiledRoute {
    /// Path parameters (percent-decoded) when the request matches, with the match's
    /// specificity (higher wins).
    fn matches(&self, method: &str, parts: &[&str]) -> Option<(BTreeMap<String, String>, u32)> {
        let found = self.pattern.matches(method, parts)?;
        let params = found
            .params
            .into_iter()
            .map(|(name, raw)| (name.to_owned(), decode(&raw)))
            .collect();
        Some((params, found.score))
    }
}

fn decode(part: &str) -> String {
    percent_encoding::percent_decode_str(part)
        .decode_utf8_lossy()
        .into_owned()
}

/// A running HTTP gateway; dropping it stops listening.
#[derive(Debug)]
pub struct HttpGateway {
    address: SocketAddr,
    routes: Vec<HttpRoute>,
    server: JoinHandle<()>,
}

struct GatewayState {
    runtime: LocalRuntime,
    routes: Vec<CompiledRoute>,
    settings: GatewaySettings,
    queues: QueueRegistry,
    host: String,
}

impl HttpGateway {
    /// Listens on 127.0.0.1 and serves `routes`. `POST /_functory/queues/{name}` sends a
    /// message to a local queue.
    pub async fn start(
        runtime: LocalRuntime,
        routes: Vec<HttpRoute>,
        settings: GatewaySettings,
        queues: QueueRegistry,
    ) -> Result<HttpGateway, GatewayError> {
        let compiled = routes.iter().map(compile).collect::<Result<Vec<_>, _>>()?;
        let port = settings.port;
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|source| {
                if source.kind() == std::io::ErrorKind::AddrInUse {
                    GatewayError::PortInUse { port }
                } else {
                    GatewayError::Listen { port, source }
                }
            })?;
        let address = listener
            .local_addr()
            .map_err(|source| GatewayError::Listen { port, source })?;
        let state = Arc::new(GatewayState {
            runtime,
            routes: compiled,
            settings,
            queues,
            host: address.to_string(),
        });
        let server = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, peer)) = accepted else { continue };
                        let _ = stream.set_nodelay(true);
                        let state = state.clone();
                        connections.spawn(async move {
                            let service = service_fn(move |request| {
                                let state = state.clone();
                                async move { Ok::<_, Infallible>(handle(&state, request, peer).await) }
                            });
                            let _ = http1::Builder::new()
                                .keep_alive(true)
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        });
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        Ok(HttpGateway {
            address,
            routes,
            server,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Each route with the URL to call it at.
    pub fn route_urls(&self) -> Vec<(HttpRoute, String)> {
        self.routes
            .iter()
            .map(|r| (r.clone(), format!("{}{}", self.base_url(), r.path)))
            .collect()
    }
}

impl Drop for HttpGateway {
    fn drop(&mut self) {
        self.server.abort();
    }
}

type HttpResponse = Response<Full<Bytes>>;

fn message_response(status: StatusCode, message: &str) -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::from(
        json!({ "message": message }).to_string(),
    )));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn allowed_origin(cors: &CorsConfig, origin: &str) -> Option<String> {
    if cors.allow_origins.iter().any(|o| o == origin) {
        Some(origin.to_owned())
    } else if cors.allow_origins.iter().any(|o| o == "*") {
        Some(if cors.allow_credentials {
            origin.to_owned()
        } else {
            "*".to_owned()
        })
    } else {
        None
    }
}

fn add_cors(cors: &CorsConfig, origin: Option<&str>, response: &mut HttpResponse, preflight: bool) {
    let Some(origin) = origin.and_then(|o| allowed_origin(cors, o)) else {
        return;
    };
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("access-control-allow-origin", origin);
    if cors.allow_credentials {
        set("access-control-allow-credentials", "true".into());
    }
    if !cors.expose_headers.is_empty() {
        set(
            "access-control-expose-headers",
            cors.expose_headers.join(","),
        );
    }
    if preflight {
        let methods = if cors.allow_methods.is_empty() {
            "*".to_owned()
        } else {
            cors.allow_methods.join(",")
        };
        set("access-control-allow-methods", methods);
        if !cors.allow_headers.is_empty() {
            set("access-control-allow-headers", cors.allow_headers.join(","));
        }
        if let Some(age) = cors.max_age_s {
            set("access-control-max-age", age.to_string());
        }
    }
}

async fn handle(
    state: &GatewayState,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> HttpResponse {
    let origin = request
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(cors) = &state.settings.cors
        && request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key("access-control-request-method")
    {
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::NO_CONTENT;
        add_cors(cors, origin.as_deref(), &mut response, true);
        return response;
    }
    let mut response = route_request(state, request, peer).await;
    if let Some(cors) = &state.settings.cors {
        add_cors(cors, origin.as_deref(), &mut response, false);
    }
    response
}

async fn route_request(
    state: &GatewayState,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> HttpResponse {
    let path = request.uri().path().to_owned();
    if let Some(queue) = path.strip_prefix("/_functory/queues/") {
        return send_to_queue(state, queue, request).await;
    }
    if let Some(function) = crate::triggers::lambda_api::function_of(&path) {
        return crate::triggers::lambda_api::invoke(
            &state.runtime,
            state.settings.invoke_callers.as_ref(),
            &function,
            request,
        )
        .await;
    }
    let method = request.method().as_str().to_owned();
    let parts: Vec<&str> = path[1..].split('/').filter(|s| !s.is_empty()).collect();
    let best = state
        .routes
        .iter()
        .filter_map(|r| r.matches(&method, &parts).map(|(p, score)| (r, p, score)))
        .max_by_key(|(_, _, score)| *score);
    let Some((route, params, _)) = best else {
        return message_response(StatusCode::NOT_FOUND, "Not Found");
    };
    let (head, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return message_response(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
        }
    };
    let version = route
        .route
        .payload_version
        .unwrap_or(state.settings.payload_version);
    let event = match version {
        PayloadVersion::V2 => event_v2(&route.route, &head, &body, params, peer, &state.host),
        PayloadVersion::V1 => {
            event_v1(&route.route, &head, &body, params, peer, &state.host).to_string()
        }
    };
    let invoked = state
        .runtime
        .invoke_json(InvokeOptions::new(&route.route.function, event))
        .await;
    match invoked {
        Ok(invocation) if invocation.function_error.is_none() => {
            response_from(&invocation.payload, version)
        }
        Ok(_) => message_response(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
        Err(AdapterError::Throttled { .. }) => {
            message_response(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests")
        }
        Err(_) => message_response(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
    }
}

async fn send_to_queue(
    state: &GatewayState,
    name: &str,
    request: Request<Incoming>,
) -> HttpResponse {
    if request.method() != Method::POST {
        return message_response(StatusCode::METHOD_NOT_ALLOWED, "POST a message body");
    }
    let Some(queue) = state.queues.get(name) else {
        return message_response(StatusCode::NOT_FOUND, &format!("no queue `{name}`"));
    };
    let body = match Limited::new(request.into_body(), 256 * 1024)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return message_response(StatusCode::PAYLOAD_TOO_LARGE, "a message is at most 256 KB");
        }
    };
    let id = queue.send(String::from_utf8_lossy(&body).into_owned());
    let mut response = Response::new(Full::new(Bytes::from(
        json!({ "MessageId": id }).to_string(),
    )));
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Text bodies travel as text; anything else is base64, as API Gateway does.
fn is_text(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else {
        return true;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence.starts_with("text/")
        || essence.ends_with("json")
        || essence.ends_with("xml")
        || essence.ends_with("javascript")
        || essence == "application/x-www-form-urlencoded"
        || essence.is_empty()
}

fn body_field(head: &hyper::http::request::Parts, body: &Bytes) -> (Value, bool) {
    if body.is_empty() {
        return (Value::Null, false);
    }
    let content_type = head
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok());
    match std::str::from_utf8(body) {
        Ok(text) if is_text(content_type) => (Value::String(text.to_owned()), false),
        _ => (Value::String(BASE64.encode(body)), true),
    }
}

pub(crate) fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let plus = |s: &str| decode(&s.replace('+', " "));
            (plus(k), plus(v))
        })
        .collect()
}

/// The request's time as API Gateway writes it, and in milliseconds. The text changes once a
/// second, so each thread keeps the last one rather than formatting a date per request.
fn request_time() -> (String, i64) {
    thread_local! {
        static LAST: std::cell::RefCell<(i64, String)> = const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    let now = chrono::Utc::now();
    let second = now.timestamp();
    let text = LAST.with_borrow_mut(|(at, text)| {
        if *at != second {
            *at = second;
            *text = now.format("%d/%b/%Y:%H:%M:%S %z").to_string();
        }
        text.clone()
    });
    (text, now.timestamp_millis())
}

fn route_key(route: &HttpRoute) -> String {
    format!("{} {}", route.method.to_ascii_uppercase(), route.path)
}

/// An HTTP API 2.0 event, serialized straight from borrowed parts (building a `Value` tree
/// first cost an allocation per field on every request).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventV2<'a> {
    version: &'static str,
    route_key: &'a str,
    raw_path: &'a str,
    raw_query_string: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cookies: Vec<String>,
    headers: BTreeMap<&'a str, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    query_string_parameters: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    path_parameters: BTreeMap<String, String>,
    request_context: RequestContextV2<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    is_base64_encoded: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestContextV2<'a> {
    account_id: &'static str,
    api_id: &'static str,
    domain_name: &'a str,
    domain_prefix: &'static str,
    http: HttpContextV2<'a>,
    request_id: String,
    route_key: &'a str,
    stage: &'static str,
    time: String,
    time_epoch: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HttpContextV2<'a> {
    method: &'a str,
    path: &'a str,
    protocol: String,
    source_ip: String,
    user_agent: &'a str,
}

fn event_v2(
    route: &HttpRoute,
    head: &hyper::http::request::Parts,
    body: &Bytes,
    params: BTreeMap<String, String>,
    peer: SocketAddr,
    host: &str,
) -> String {
    let mut headers: BTreeMap<&str, String> = BTreeMap::new();
    let mut cookies: Vec<String> = Vec::new();
    for (name, value) in &head.headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        if name == "cookie" {
            cookies.extend(value.split(';').map(|c| c.trim().to_owned()));
            continue;
        }
        headers
            .entry(name.as_str())
            .and_modify(|text| {
                text.push(',');
                text.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    let raw_query = head.uri.query().unwrap_or("");
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for (key, value) in query_pairs(raw_query) {
        query
            .entry(key)
            .and_modify(|text| {
                text.push(',');
                text.push_str(&value);
            })
            .or_insert(value);
    }
    let (body, is_base64) = body_field(head, body);
    let (time, epoch) = request_time();
    let user_agent = head
        .headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let route_key = route_key(route);
    let event = EventV2 {
        version: "2.0",
        route_key: &route_key,
        raw_path: head.uri.path(),
        raw_query_string: raw_query,
        cookies,
        headers,
        query_string_parameters: query,
        path_parameters: params,
        request_context: RequestContextV2 {
            account_id: "123456789012",
            api_id: "local",
            domain_name: host,
            domain_prefix: "local",
            http: HttpContextV2 {
                method: head.method.as_str(),
                path: head.uri.path(),
                protocol: format!("{:?}", head.version),
                source_ip: peer.ip().to_string(),
                user_agent,
            },
            request_id: uuid::Uuid::new_v4().to_string(),
            route_key: &route_key,
            stage: "$default",
            time,
            time_epoch: epoch,
        },
        body: match body {
            Value::String(text) => Some(text),
            _ => None,
        },
        is_base64_encoded: is_base64,
    };
    // Strings and maps of strings always serialize.
    serde_json::to_string(&event).unwrap_or_default()
}

fn event_v1(
    route: &HttpRoute,
    head: &hyper::http::request::Parts,
    body: &Bytes,
    params: BTreeMap<String, String>,
    peer: SocketAddr,
    host: &str,
) -> Value {
    let mut headers: Map<String, Value> = Map::new();
    let mut multi_headers: Map<String, Value> = Map::new();
    for (name, value) in &head.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers.insert(name.as_str().to_owned(), Value::String(value.clone()));
        match multi_headers.get_mut(name.as_str()) {
            Some(Value::Array(values)) => values.push(Value::String(value)),
            _ => {
                multi_headers.insert(name.as_str().to_owned(), json!([value]));
            }
        }
    }
    let mut query: Map<String, Value> = Map::new();
    let mut multi_query: Map<String, Value> = Map::new();
    for (key, value) in query_pairs(head.uri.query().unwrap_or("")) {
        query.insert(key.clone(), Value::String(value.clone()));
        match multi_query.get_mut(&key) {
            Some(Value::Array(values)) => values.push(Value::String(value)),
            _ => {
                multi_query.insert(key, json!([value]));
            }
        }
    }
    let nullable = |map: Map<String, Value>| {
        if map.is_empty() {
            Value::Null
        } else {
            Value::Object(map)
        }
    };
    let (body, is_base64) = body_field(head, body);
    let (time, epoch) = request_time();
    json!({
        "version": "1.0",
        "resource": route.path,
        "path": head.uri.path(),
        "httpMethod": head.method.as_str(),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": nullable(query),
        "multiValueQueryStringParameters": nullable(multi_query),
        "pathParameters": if params.is_empty() { Value::Null } else { json!(params) },
        "stageVariables": Value::Null,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": host,
            "httpMethod": head.method.as_str(),
            "path": head.uri.path(),
            "protocol": format!("{:?}", head.version),
            "identity": functory_formats::events::rest_identity(
                &peer.ip().to_string(),
                head.headers
                    .get("user-agent")
                    .map(|v| String::from_utf8_lossy(v.as_bytes()))
                    .as_deref(),
            ),
            "requestId": uuid::Uuid::new_v4().to_string(),
            "resourcePath": route.path,
            "stage": "$default",
            "requestTime": time,
            "requestTimeEpoch": epoch,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    })
}

/// The handler's answer as an HTTP response, following API Gateway's rules: an object with a
/// `statusCode` is a full response; in format 2.0 anything else is a 200 JSON body, while
/// format 1.0 needs the full shape.
fn response_from(payload: &[u8], version: PayloadVersion) -> HttpResponse {
    let value: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
    let shaped = value.as_object().filter(|o| o.contains_key("statusCode"));
    let Some(object) = shaped else {
        if version == PayloadVersion::V1 {
            return message_response(StatusCode::BAD_GATEWAY, "Internal server error");
        }
        let mut response = Response::new(Full::new(Bytes::copy_from_slice(payload)));
        response.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return response;
    };
    let status = object
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|s| StatusCode::from_u16(s as u16).ok());
    let Some(status) = status else {
        return message_response(StatusCode::BAD_GATEWAY, "Internal server error");
    };
    let text = match object.get("body") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    };
    let body = if object.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        match BASE64.decode(text.as_bytes()) {
            Ok(bytes) => Bytes::from(bytes),
            Err(_) => return message_response(StatusCode::BAD_GATEWAY, "Internal server error"),
        }
    } else {
        Bytes::from(text)
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    let mut append = |name: &str, value: &Value| {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::from_str(&text)) {
            headers.append(name, value);
        }
    };
    if let Some(Value::Object(map)) = object.get("headers") {
        for (name, value) in map {
            append(name, value);
        }
    }
    if let Some(Value::Object(map)) = object.get("multiValueHeaders") {
        for (name, values) in map {
            for value in values.as_array().into_iter().flatten() {
                append(name, value);
            }
        }
    }
    if let Some(Value::Array(cookies)) = object.get("cookies") {
        for cookie in cookies {
            append("set-cookie", cookie);
        }
    }
    if !response.headers().contains_key(hyper::header::CONTENT_TYPE)
        && version == PayloadVersion::V2
    {
        response.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, path: &str) -> CompiledRoute {
        compile(&HttpRoute {
            method: method.into(),
            path: path.into(),
            function: "f".into(),
            payload_version: None,
        })
        .unwrap()
    }

    #[test]
    fn literal_beats_parameter_beats_greedy_and_method_beats_any() {
        let routes = [
            route("ANY", "/files/{proxy+}"),
            route("GET", "/files/{name}"),
            route("GET", "/files/readme"),
            route("ANY", "/files/readme"),
        ];
        let best = |method: &str, path: &str| {
            let parts: Vec<&str> = path[1..].split('/').filter(|s| !s.is_empty()).collect();
            routes
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.matches(method, &parts).map(|(p, s)| (i, p, s)))
                .max_by_key(|(_, _, s)| *s)
                .map(|(i, p, _)| (i, p))
        };
        assert_eq!(best("GET", "/files/readme").unwrap().0, 2);
        assert_eq!(best("POST", "/files/readme").unwrap().0, 3);
        let (i, params) = best("GET", "/files/a%20b").unwrap();
        assert_eq!((i, params["name"].as_str()), (1, "a b"));
        let (i, params) = best("GET", "/files/a/b/c").unwrap();
        assert_eq!((i, params["proxy"].as_str()), (0, "a/b/c"));
        assert!(best("GET", "/other").is_none());
        assert!(best("GET", "/files").is_none());
    }

    #[test]
    fn bad_routes_are_refused() {
        for path in ["/a/{rest+}/b", "/a/x{y}", "/a/{}", "no-slash", "/users/:id"] {
            let result = compile(&HttpRoute {
                method: "GET".into(),
                path: path.into(),
                function: "f".into(),
                payload_version: None,
            });
            assert!(result.is_err(), "{path}");
        }
    }
}
