//! The Lambda Invoke API on the local gateway (`POST /2015-03-31/functions/NAME/invocations`),
//! so `aws lambda invoke --endpoint-url`, SDK clients and handlers that invoke other functions
//! reach the local run. Handlers get the gateway as `AWS_ENDPOINT_URL_LAMBDA`. When the run
//! enforces permissions, a caller signing with a function's local keys may invoke only what
//! that function's permissions allow (`lambda:InvokeFunction`, judged by
//! `functory_core::iam`); other callers (a developer's terminal) are let through, as the
//! emulator's own account.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use functory_adapter::{Adapter, AdapterError, InvocationType, InvokeOptions};
use functory_core::Permission;
use functory_core::iam::{Decision, evaluate};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::json;

use crate::engine::LocalRuntime;

/// Lambda's synchronous payload limit.
const MAX_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;

/// A function's local access key id → its name and declared permissions.
pub type CallersByKey = HashMap<String, (String, Vec<Permission>)>;

/// Who may invoke what through the API, when permissions are enforced. Clones share the
/// grants, so [`InvokeCallers::replace`] reaches a running gateway.
#[derive(Debug, Clone, Default)]
pub struct InvokeCallers {
    by_key: Arc<RwLock<CallersByKey>>,
    pub region: String,
    pub account_id: String,
}

impl InvokeCallers {
    pub fn new(by_key: CallersByKey, region: String, account_id: String) -> InvokeCallers {
        InvokeCallers {
            by_key: Arc::new(RwLock::new(by_key)),
            region,
            account_id,
        }
    }

    /// The next invoke is judged by `by_key`.
    pub fn replace(&self, by_key: CallersByKey) {
        *self.by_key.write().unwrap_or_else(PoisonError::into_inner) = by_key;
    }

    fn granted(&self, key: &str) -> Option<(String, Vec<Permission>)> {
        self.by_key
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned()
    }
}

/// `/2015-03-31/functions/{name}/invocations` → the function part, decoded.
pub(crate) fn function_of(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/2015-03-31/functions/")?;
    let name = rest.strip_suffix("/invocations")?;
    Some(
        percent_encoding::percent_decode_str(name)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

/// A function name as Invoke accepts it — `name`, `name:qualifier`, `ACCOUNT:function:name`
/// or a full or partial ARN — as (name, qualifier).
fn name_and_qualifier(identifier: &str) -> (String, Option<String>) {
    let parts: Vec<&str> = identifier.split(':').collect();
    let at = parts.iter().position(|p| *p == "function");
    match at {
        Some(i) if i + 1 < parts.len() => (
            parts[i + 1].to_owned(),
            parts.get(i + 2).map(|q| (*q).to_owned()),
        ),
        _ => match parts.as_slice() {
            [name, qualifier] => ((*name).to_owned(), Some((*qualifier).to_owned())),
            _ => (identifier.to_owned(), None),
        },
    }
}

type HttpResponse = Response<Full<Bytes>>;

fn error_response(status: StatusCode, error_type: &str, message: &str) -> HttpResponse {
    let body = json!({ "Type": "User", "message": message }).to_string();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(value) = HeaderValue::from_str(error_type) {
        headers.insert("x-amzn-errortype", value);
    }
    response
}

/// The access key id of a SigV4-signed request (`Credential=AKID/date/region/service/…`).
fn signing_key(request: &Request<Incoming>) -> Option<String> {
    let authorization = request.headers().get("authorization")?.to_str().ok()?;
    let credential = authorization.split("Credential=").nth(1)?;
    Some(credential.split('/').next()?.to_owned())
}

pub(crate) async fn invoke(
    runtime: &LocalRuntime,
    callers: Option<&InvokeCallers>,
    identifier: &str,
    request: Request<Incoming>,
) -> HttpResponse {
    if request.method() != Method::POST {
        return error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "InvalidRequestContentException",
            "Invoke is a POST",
        );
    }
    let (name, mut qualifier) = name_and_qualifier(identifier);
    if let Some(query) = request.uri().query() {
        for (key, value) in crate::triggers::http::query_pairs(query) {
            if key == "Qualifier" {
                qualifier = Some(value);
            }
        }
    }
    let settings = runtime.settings();
    let arn = format!(
        "arn:aws:lambda:{}:{}:function:{name}",
        settings.region, settings.account_id
    );
    if let Some(callers) = callers
        && let Some(key) = signing_key(&request)
        && let Some((caller, permissions)) = callers.granted(&key)
    {
        // The caller's grants are written for the real account and region: the local ones are
        // read as unknown, as the analyzer reads them.
        let wanted = format!("arn:aws:lambda:*:*:function:{name}");
        let decision = evaluate(&permissions, "lambda:InvokeFunction", &wanted);
        if !matches!(decision, Decision::Allowed { .. }) {
            let why = match decision {
                Decision::Denied { .. } => "with an explicit deny in an identity-based policy",
                _ => "because no identity-based policy allows the lambda:InvokeFunction action",
            };
            return error_response(
                StatusCode::FORBIDDEN,
                "AccessDeniedException",
                &format!(
                    "User: arn:aws:iam::{}:user/{caller} is not authorized to perform: lambda:InvokeFunction on resource: {arn} {why}",
                    callers.account_id
                ),
            );
        }
    }
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let invocation_type = match header("x-amz-invocation-type").as_deref() {
        None | Some("RequestResponse") => InvocationType::RequestResponse,
        Some("Event") => InvocationType::Event,
        Some("DryRun") => InvocationType::DryRun,
        Some(other) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "InvalidParameterValueException",
                &format!("X-Amz-Invocation-Type `{other}` is not RequestResponse, Event or DryRun"),
            );
        }
    };
    let log_tail = header("x-amz-log-type").as_deref() == Some("Tail");
    let client_context = header("x-amz-client-context");
    let body = match Limited::new(request.into_body(), MAX_PAYLOAD_BYTES)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestTooLargeException",
                "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
            );
        }
    };
    let payload = if body.is_empty() {
        b"{}".to_vec()
    } else {
        body.to_vec()
    };
    let mut options = InvokeOptions::new(&name, payload);
    options.invocation_type = invocation_type;
    options.log_tail = log_tail;
    options.client_context = client_context;
    options.qualifier = qualifier.filter(|q| q != "$LATEST");
    match runtime.invoke(options).await {
        Ok(invocation) => {
            let mut response = Response::new(Full::new(Bytes::from(invocation.payload)));
            *response.status_mut() =
                StatusCode::from_u16(invocation.status_code).unwrap_or(StatusCode::OK);
            let headers = response.headers_mut();
            headers.insert(
                hyper::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            if let Ok(v) = HeaderValue::from_str(&invocation.request_id) {
                headers.insert("x-amzn-requestid", v);
            }
            if let Ok(v) = HeaderValue::from_str(&invocation.executed_version) {
                headers.insert("x-amz-executed-version", v);
            }
            if invocation.function_error.is_some() {
                headers.insert(
                    "x-amz-function-error",
                    HeaderValue::from_static("Unhandled"),
                );
            }
            if let Some(tail) = invocation.log_tail {
                // The last 4 KB, as Lambda returns them.
                let bytes = tail.as_bytes();
                let start = bytes.len().saturating_sub(4096);
                if let Ok(v) = HeaderValue::from_str(&BASE64.encode(&bytes[start..])) {
                    headers.insert("x-amz-log-result", v);
                }
            }
            response
        }
        Err(AdapterError::NotFound { .. }) => error_response(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            &format!("Function not found: {arn}"),
        ),
        Err(AdapterError::Throttled { .. }) => error_response(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsException",
            "Rate Exceeded.",
        ),
        Err(error) => error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceException",
            &error.to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_identifiers_as_invoke_takes_them() {
        assert_eq!(name_and_qualifier("resize"), ("resize".to_owned(), None));
        assert_eq!(
            name_and_qualifier("resize:prod"),
            ("resize".to_owned(), Some("prod".to_owned()))
        );
        assert_eq!(
            name_and_qualifier("arn:aws:lambda:us-east-1:123456789012:function:resize:3"),
            ("resize".to_owned(), Some("3".to_owned()))
        );
        assert_eq!(
            name_and_qualifier("123456789012:function:resize"),
            ("resize".to_owned(), None)
        );
        assert_eq!(
            function_of(
                "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Ax/invocations"
            ),
            Some("arn:aws:lambda:us-east-1:1:function:x".to_owned())
        );
        assert_eq!(function_of("/2015-03-31/functions/x"), None);
    }
}
