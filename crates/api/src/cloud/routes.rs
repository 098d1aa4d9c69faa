//! Calling a deployed function's HTTP routes through its API, as a client of the API does.
//!
//! "Run on" a cloud target sends an HTTP request to the URL the target's plan lists for the
//! route (the project's HTTP API, its stage), so what answers is API Gateway in front of the
//! deployed stage — its routing, authorizers, CORS and payload format — not a direct Lambda
//! invoke. The route is chosen by the one reader of route patterns (`functory_core::route`).

use std::time::{Duration, Instant};

use functory_core::route::RoutePattern;
use functory_core::{Function, Trigger};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::CloudTarget;
use crate::local::find_function;
use crate::{ApiError, ErrorCode};

/// Where an emulator serves deployed HTTP APIs: the scheme, host and port that replace the
/// API URL's own (the path stays; the request still names the API's host in `Host`). Unset,
/// the API's own URL is called.
pub const EXECUTE_API_ORIGIN_VARIABLE: &str = "FUNCTORY_EXECUTE_API_ORIGIN";

/// API Gateway's integration timeout for HTTP APIs: no answer takes longer.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Most of an answer's body kept for the app (an HTTP API answers at most 10 MB).
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// An HTTP request to one of a function's routes on a target.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RouteCall {
    pub method: String,
    /// The request path with the route's parameters filled in (`/users/42`), with an optional
    /// `?query`.
    pub path: String,
    /// `(name, value)` pairs, sent as given.
    pub headers: Vec<(String, String)>,
    /// Sent when not empty.
    pub body: String,
}

/// What the API answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RouteAnswer {
    /// The route that took the request (`GET /users/{id}`).
    pub route: String,
    pub url: String,
    pub status: u16,
    /// Header names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body is longer than what is kept (the first MiB).
    pub truncated: bool,
    /// The body is not UTF-8 text, so `body` holds its base64.
    pub base64: bool,
    #[ts(type = "number")]
    pub duration_ms: u64,
}

/// The function's route that takes `method path` (the most specific, as API Gateway chooses),
/// or why none does. A route authorized by IAM is refused: the call would go unsigned.
pub(crate) fn route_taking(
    function: &Function,
    method: &str,
    path: &str,
) -> Result<RoutePattern, ApiError> {
    let method = method.trim().to_ascii_uppercase();
    let path = path.split(['?', '#']).next().unwrap_or_default();
    if !path.starts_with('/') {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("path: `{path}` must start with `/` (the route's path, parameters filled in)"),
        ));
    }
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let mut routes = Vec::new();
    let mut best: Option<(u32, RoutePattern, Option<String>)> = None;
    for trigger in &function.triggers {
        let Trigger::Http {
            method: route_method,
            path: route_path,
            auth,
            ..
        } = trigger
        else {
            continue;
        };
        let Ok(pattern) = RoutePattern::parse(route_method, route_path) else {
            continue;
        };
        routes.push(pattern.route_key());
        let score = pattern.matches(&method, &parts).map(|m| m.score);
        if let Some(score) = score
            && best.as_ref().is_none_or(|(s, ..)| score > *s)
        {
            best = Some((score, pattern, auth.clone()));
        }
    }
    let name = &function.name;
    let Some((_, pattern, auth)) = best else {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            if routes.is_empty() {
                format!("function `{name}` has no HTTP route: use Invoke instead")
            } else {
                format!(
                    "no HTTP route of `{name}` takes `{method} {path}`; its routes: {}",
                    routes.join(", ")
                )
            },
        ));
    };
    if auth.as_deref() == Some("iam") {
        return Err(ApiError::new(
            ErrorCode::NotSupported,
            format!(
                "route `{}` of `{name}` is authorized with IAM, so API Gateway answers only requests signed with SigV4, and Functory sends route calls unsigned: call it with a SigV4 client (such as awscurl), or use Invoke",
                pattern.route_key()
            ),
        ));
    }
    Ok(pattern)
}

/// The URL of `path` (and its query) on the API that lists `route` among `endpoints`
/// (`GET https://…/stage/users/{id}`, as a target's plan lists them); `None` when the API
/// does not list the route (not deployed yet).
pub(crate) fn route_url(endpoints: &[String], route: &RoutePattern, path: &str) -> Option<String> {
    let suffix = route.normalized_path();
    let suffix = suffix.trim_start_matches('/');
    endpoints.iter().find_map(|endpoint| {
        let (method, url) = endpoint.split_once(' ')?;
        if method != route.method() {
            return None;
        }
        let base = url.strip_suffix(suffix)?;
        base.ends_with('/')
            .then(|| format!("{base}{}", path.trim_start_matches('/')))
    })
}

/// `url` with its scheme, host and port replaced by `origin` (`http://127.0.0.1:4566`), and
/// the host it had.
fn through_origin(url: &str, origin: &str) -> Option<(String, String)> {
    let (_, rest) = url.split_once("://")?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    Some((
        format!("{}{path}", origin.trim_end_matches('/')),
        host.to_owned(),
    ))
}

impl CloudTarget {
    /// Sends `call` to the function's route through the target's HTTP API and answers what
    /// the API answered (any status, as a client sees it). Refused before anything is sent
    /// when no route of the function takes the request or the API does not exist yet.
    pub async fn call_route(
        &self,
        function: &str,
        call: &RouteCall,
    ) -> Result<RouteAnswer, ApiError> {
        let found = find_function(&self.manifest, function)?;
        let route = route_taking(&found, &call.method, &call.path)?;
        let plans = self.plan(&[function.to_owned()]).await?;
        let endpoints = plans
            .first()
            .map(|p| p.endpoints.as_slice())
            .unwrap_or_default();
        let url = route_url(endpoints, &route, &call.path).ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "route `{}` of `{function}` is not on target `{}` yet: deploy `{function}` there first",
                    route.route_key(),
                    self.target.name
                ),
            )
        })?;
        let method =
            reqwest::Method::from_bytes(call.method.trim().to_ascii_uppercase().as_bytes())
                .map_err(|_| {
                    ApiError::new(
                        ErrorCode::InvalidInput,
                        format!("method: `{}` is not an HTTP method", call.method),
                    )
                })?;
        let (sent_to, host) = match std::env::var(EXECUTE_API_ORIGIN_VARIABLE) {
            Ok(origin) if !origin.is_empty() => through_origin(&url, &origin)
                .map(|(to, host)| (to, Some(host)))
                .unwrap_or((url.clone(), None)),
            _ => (url.clone(), None),
        };
        let client = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            // What the API answers is what the user asked to see: a redirect is shown, not
            // followed.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ApiError::new(ErrorCode::CloudError, format!("no HTTP client: {e}")))?;
        let mut request = client.request(method, &sent_to);
        if let Some(host) = host {
            request = request.header(reqwest::header::HOST, host);
        }
        for (name, value) in &call.headers {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            let header =
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                    ApiError::new(
                        ErrorCode::InvalidInput,
                        format!("headers: `{name}` is not a header name"),
                    )
                })?;
            let value = reqwest::header::HeaderValue::from_str(value.trim()).map_err(|_| {
                ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("headers: the value of `{name}` holds characters a header cannot"),
                )
            })?;
            request = request.header(header, value);
        }
        if !call.body.is_empty() {
            request = request.body(call.body.clone());
        }
        tracing::debug!(function, url = %url, "call_route");
        let started = Instant::now();
        let answer = request.send().await.map_err(|e| {
            ApiError::new(
                ErrorCode::CloudError,
                format!(
                    "{} {url} did not answer: {}",
                    call.method.trim().to_ascii_uppercase(),
                    if e.is_timeout() {
                        format!("no answer within {} s", CALL_TIMEOUT.as_secs())
                    } else {
                        e.to_string()
                    }
                ),
            )
        })?;
        let status = answer.status().as_u16();
        let headers = answer
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let bytes = answer.bytes().await.map_err(|e| {
            ApiError::new(
                ErrorCode::CloudError,
                format!("the answer from {url} was cut: {e}"),
            )
        })?;
        let duration_ms = started.elapsed().as_millis() as u64;
        let truncated = bytes.len() > MAX_BODY_BYTES;
        let kept = &bytes[..bytes.len().min(MAX_BODY_BYTES)];
        let (body, base64) = match std::str::from_utf8(kept) {
            Ok(text) => (text.to_owned(), false),
            Err(_) => (
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, kept),
                true,
            ),
        };
        Ok(RouteAnswer {
            route: route.route_key(),
            url,
            status,
            headers,
            body,
            truncated,
            base64,
            duration_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(toml: &str) -> Function {
        let text = format!(
            "[project]\nname = \"p\"\n\n[functions.api]\nruntime = \"nodejs22.x\"\nhandler = \"index.handler\"\n{toml}"
        );
        functory_core::parse_manifest(&text, "functory.toml", &functory_core::manifest::EveryFile)
            .manifest
            .expect("the test manifest parses")
            .functions
            .remove(0)
    }

    const ROUTES: &str = r#"
[[functions.api.triggers]]
kind = "http"
method = "GET"
path = "/users/{id}"

[[functions.api.triggers]]
kind = "http"
method = "ANY"
path = "/users/{rest+}"

[[functions.api.triggers]]
kind = "http"
method = "POST"
path = "/admin"
auth = "iam"
"#;

    #[test]
    fn the_most_specific_route_takes_the_request() {
        let api = function(ROUTES);
        assert_eq!(
            route_taking(&api, "get", "/users/42?full=1")
                .unwrap()
                .route_key(),
            "GET /users/{id}"
        );
        assert_eq!(
            route_taking(&api, "DELETE", "/users/42")
                .unwrap()
                .route_key(),
            "ANY /users/{rest+}"
        );
        assert_eq!(
            route_taking(&api, "GET", "/users/42/orders")
                .unwrap()
                .route_key(),
            "ANY /users/{rest+}"
        );
    }

    #[test]
    fn a_request_no_route_takes_names_the_routes_and_iam_routes_are_refused() {
        let api = function(ROUTES);
        let none = route_taking(&api, "GET", "/orders").unwrap_err();
        assert_eq!(none.code, ErrorCode::InvalidInput);
        assert!(
            none.message.contains("`GET /orders`")
                && none
                    .message
                    .contains("GET /users/{id}, ANY /users/{rest+}, POST /admin"),
            "{}",
            none.message
        );
        let relative = route_taking(&api, "GET", "users/1").unwrap_err();
        assert!(
            relative.message.starts_with("path:"),
            "{}",
            relative.message
        );
        let signed = route_taking(&api, "POST", "/admin").unwrap_err();
        assert_eq!(signed.code, ErrorCode::NotSupported);
        assert!(signed.message.contains("SigV4"), "{}", signed.message);
        let no_routes = route_taking(&function(""), "GET", "/").unwrap_err();
        assert!(
            no_routes.message.contains("has no HTTP route"),
            "{}",
            no_routes.message
        );
    }

    #[test]
    fn the_url_is_the_listed_route_s_with_the_path_filled_in() {
        let api = function(ROUTES);
        let endpoints = vec![
            "GET https://abc123.execute-api.us-east-1.amazonaws.com/dev/users/{id}".to_owned(),
            "ANY https://abc123.execute-api.us-east-1.amazonaws.com/dev/users/{rest+}".to_owned(),
        ];
        let get = route_taking(&api, "GET", "/users/42").unwrap();
        assert_eq!(
            route_url(&endpoints, &get, "/users/42?full=1").as_deref(),
            Some("https://abc123.execute-api.us-east-1.amazonaws.com/dev/users/42?full=1")
        );
        let any = route_taking(&api, "PUT", "/users/42/name").unwrap();
        assert_eq!(
            route_url(&endpoints, &any, "/users/42/name").as_deref(),
            Some("https://abc123.execute-api.us-east-1.amazonaws.com/dev/users/42/name")
        );
        // Not deployed yet: the API lists no such route.
        assert_eq!(route_url(&endpoints[1..], &get, "/users/42"), None);
        assert_eq!(route_url(&[], &get, "/users/42"), None);
    }

    #[test]
    fn an_emulator_origin_replaces_scheme_host_and_port_only() {
        assert_eq!(
            through_origin(
                "https://abc123.execute-api.us-east-1.amazonaws.com/dev/users/42?x=1",
                "http://127.0.0.1:4566/"
            ),
            Some((
                "http://127.0.0.1:4566/dev/users/42?x=1".to_owned(),
                "abc123.execute-api.us-east-1.amazonaws.com".to_owned()
            ))
        );
    }
}
