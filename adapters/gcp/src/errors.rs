//! Google's error answers turned into [`AdapterError`]s a person can act on: which sign-in,
//! which call, which resource or permission, and what to do.
//!
//! Every Google REST API answers errors as `{"error": {"code": 403, "message": "…", "status":
//! "PERMISSION_DENIED", "details": [...]}}`; a long-running operation that failed carries the
//! same `google.rpc.Status` with the numeric canonical code instead of the name. Both are
//! classified by the canonical name, and the `ErrorInfo`/`BadRequest` details (the missing
//! permission, the API to enable, the refused field) go into the message.

use functory_adapter::AdapterError;
use functory_core::AdapterKind;
use serde::Deserialize;
use serde_json::Value;

/// A `google.rpc.Status`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RpcStatus {
    /// The HTTP status in REST error bodies, the canonical code in an operation's `error`.
    pub code: i64,
    pub message: String,
    /// The canonical name (`PERMISSION_DENIED`); only REST error bodies carry it.
    pub status: String,
    pub details: Vec<Value>,
}

impl RpcStatus {
    /// The canonical name, from `status` or else the numeric code.
    pub fn canonical(&self) -> &str {
        if !self.status.is_empty() {
            return &self.status;
        }
        match self.code {
            1 => "CANCELLED",
            2 => "UNKNOWN",
            3 => "INVALID_ARGUMENT",
            4 => "DEADLINE_EXCEEDED",
            5 => "NOT_FOUND",
            6 => "ALREADY_EXISTS",
            7 => "PERMISSION_DENIED",
            8 => "RESOURCE_EXHAUSTED",
            9 => "FAILED_PRECONDITION",
            10 => "ABORTED",
            11 => "OUT_OF_RANGE",
            12 => "UNIMPLEMENTED",
            13 => "INTERNAL",
            14 => "UNAVAILABLE",
            15 => "DATA_LOSS",
            16 => "UNAUTHENTICATED",
            _ => "UNKNOWN",
        }
    }

    fn detail(&self, type_suffix: &str) -> Option<&Value> {
        self.details.iter().find(|d| {
            d.get("@type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.ends_with(type_suffix))
        })
    }

    /// `ErrorInfo.metadata[key]`.
    fn info(&self, key: &str) -> Option<String> {
        self.detail("google.rpc.ErrorInfo")?
            .get("metadata")?
            .get(key)?
            .as_str()
            .map(str::to_owned)
    }

    fn reason(&self) -> Option<String> {
        self.detail("google.rpc.ErrorInfo")?
            .get("reason")?
            .as_str()
            .map(str::to_owned)
    }

    /// `BadRequest.fieldViolations`, as "field: description" lines.
    fn field_violations(&self) -> Vec<String> {
        self.detail("google.rpc.BadRequest")
            .and_then(|d| d.get("fieldViolations"))
            .and_then(Value::as_array)
            .map(|violations| {
                violations
                    .iter()
                    .map(|v| {
                        format!(
                            "{}: {}",
                            v.get("field").and_then(Value::as_str).unwrap_or("?"),
                            v.get("description").and_then(Value::as_str).unwrap_or("")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A REST call answered `http_status` with `body`. `call` names it with its API and
/// resource ("Cloud Functions CreateFunction `echo`"); `who` the sign-in.
pub(crate) fn http_failure(http_status: u16, body: &str, call: &str, who: &str) -> AdapterError {
    #[derive(Deserialize)]
    struct ErrorBody {
        error: RpcStatus,
    }
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(parsed) => classify(&parsed.error, call, who),
        Err(_) => {
            // Not Google's error shape: a proxy, a wrong endpoint, Cloud Run's HTML pages.
            let message = format!(
                "{call} for {who} got HTTP {http_status} without a Google error body{}",
                match http_status {
                    500.. => ": Google is having trouble; try again in a moment",
                    _ => ": is the endpoint a Google API?",
                }
            );
            match http_status {
                401 => AdapterError::Unauthenticated { message },
                403 => AdapterError::PermissionDenied { message },
                404 => AdapterError::NotFound {
                    what: format!("{call} for {who}: HTTP 404"),
                },
                409 => AdapterError::Conflict { message },
                429 => AdapterError::Throttled { message },
                _ => AdapterError::provider(AdapterKind::Gcp, message),
            }
        }
    }
}

/// The role that usually grants a permission, for the advice in a refusal.
fn role_for(permission: &str) -> &'static str {
    match permission.split('.').next().unwrap_or_default() {
        "cloudfunctions" => "roles/cloudfunctions.developer",
        "run" if permission.ends_with("invoke") => "roles/run.invoker",
        "run" => "roles/run.admin",
        "cloudscheduler" => "roles/cloudscheduler.admin",
        "logging" => "roles/logging.viewer",
        "pubsub" => "roles/pubsub.publisher",
        "iam" => "roles/iam.serviceAccountUser",
        "storage" => "roles/storage.objectAdmin",
        _ => "a role that has it",
    }
}

/// `Permission 'x' denied on resource 'y'`: older answers say it only in the message.
fn quoted_after(message: &str, marker: &str) -> Option<String> {
    let start = message.find(marker)? + marker.len();
    let rest = message[start..].trim_start();
    let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let inner = &rest[1..];
    let end = inner.find(quote)?;
    Some(inner[..end].to_owned())
}

/// The error for a `google.rpc.Status`, by its canonical name.
pub(crate) fn classify(status: &RpcStatus, call: &str, who: &str) -> AdapterError {
    let said = format!("{}: {}", status.canonical(), status.message);
    match status.canonical() {
        "PERMISSION_DENIED" => {
            let reason = status.reason().unwrap_or_default();
            if reason == "SERVICE_DISABLED"
                || status.message.contains("has not been used in project")
            {
                let service = status
                    .info("service")
                    .unwrap_or_else(|| "needed".to_owned());
                let how = match status.info("activationUrl") {
                    Some(url) => {
                        format!("enable it at {url} (or `gcloud services enable {service}`)")
                    }
                    None => format!("enable it with `gcloud services enable {service}`"),
                };
                return AdapterError::PermissionDenied {
                    message: format!(
                        "{call} for {who}: the {service} API is not enabled in the project ({said}): {how}, wait a minute, then try again"
                    ),
                };
            }
            let permission = status
                .info("permission")
                .or_else(|| quoted_after(&status.message, "Permission"));
            let resource = status
                .info("resource")
                .or_else(|| quoted_after(&status.message, "on resource"))
                .or_else(|| quoted_after(&status.message, "denied on"));
            let lacks = match (&permission, &resource) {
                (Some(p), Some(r)) => format!(": it lacks permission `{p}` on `{r}`"),
                (Some(p), None) => format!(": it lacks permission `{p}`"),
                (None, Some(r)) => format!(" on `{r}`"),
                (None, None) => String::new(),
            };
            let role = role_for(permission.as_deref().unwrap_or_default());
            AdapterError::PermissionDenied {
                message: format!(
                    "{who} may not make {call}{lacks} ({said}): grant it {role}, or use another account"
                ),
            }
        }
        "NOT_FOUND" => AdapterError::NotFound {
            what: format!("{call} for {who}: {said}"),
        },
        "ALREADY_EXISTS" => AdapterError::AlreadyExists {
            what: format!("{call} for {who}: {said}"),
        },
        "ABORTED" => AdapterError::Conflict {
            message: format!(
                "{call} for {who}: another change happened at the same time ({said}); try again"
            ),
        },
        "FAILED_PRECONDITION" => {
            let lower = status.message.to_ascii_lowercase();
            if lower.contains("in progress") || lower.contains("operation") {
                AdapterError::Conflict {
                    message: format!(
                        "{call} for {who}: another operation on it is still running ({said}); wait for it to finish, then try again"
                    ),
                }
            } else {
                AdapterError::InvalidRequest {
                    message: format!(
                        "{call} for {who}: Google refused it in the resource's current state ({said})"
                    ),
                }
            }
        }
        "RESOURCE_EXHAUSTED" => AdapterError::Throttled {
            message: format!(
                "{call} for {who} hit a quota or rate limit ({said}): try again in a minute"
            ),
        },
        "UNAUTHENTICATED" => AdapterError::Unauthenticated {
            message: format!(
                "{call}: Google did not accept the token of {who} ({said}): sign in again"
            ),
        },
        "INVALID_ARGUMENT" | "OUT_OF_RANGE" | "UNIMPLEMENTED" => {
            let violations = status.field_violations();
            let fields = if violations.is_empty() {
                String::new()
            } else {
                format!("; {}", violations.join("; "))
            };
            AdapterError::InvalidRequest {
                message: format!("{call} for {who}: Google refused the request ({said}{fields})"),
            }
        }
        _ => AdapterError::provider(
            AdapterKind::Gcp,
            format!(
                "{call} for {who} failed ({said}): Google is having trouble; try again in a moment"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_denied_names_permission_resource_and_role() {
        let body = r#"{"error":{"code":403,"message":"Permission 'cloudfunctions.functions.create' denied on 'projects/demo/locations/europe-west1/functions/echo'","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"IAM_PERMISSION_DENIED","domain":"cloudfunctions.googleapis.com","metadata":{"permission":"cloudfunctions.functions.create","resource":"projects/demo/locations/europe-west1/functions/echo"}}]}}"#;
        let error = http_failure(
            403,
            body,
            "Cloud Functions CreateFunction `echo`",
            "account `ci`",
        );
        let AdapterError::PermissionDenied { message } = &error else {
            panic!("{error:?}");
        };
        assert!(
            message.starts_with("account `ci` may not make Cloud Functions CreateFunction `echo`: it lacks permission `cloudfunctions.functions.create` on `projects/demo/locations/europe-west1/functions/echo`"),
            "{message}"
        );
        assert!(
            message.contains("roles/cloudfunctions.developer"),
            "{message}"
        );
    }

    #[test]
    fn a_disabled_api_says_where_to_enable_it() {
        let body = r#"{"error":{"code":403,"message":"Cloud Scheduler API has not been used in project 123 before or it is disabled.","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"SERVICE_DISABLED","metadata":{"service":"cloudscheduler.googleapis.com","activationUrl":"https://console.developers.google.com/apis/api/cloudscheduler.googleapis.com/overview?project=123"}}]}}"#;
        let error = http_failure(403, body, "Cloud Scheduler CreateJob", "account `ci`");
        assert!(
            error
                .to_string()
                .contains("the cloudscheduler.googleapis.com API is not enabled")
                && error.to_string().contains("overview?project=123"),
            "{error}"
        );
    }

    #[test]
    fn canonical_codes_map_to_the_vocabulary() {
        let of = |code: i64, message: &str| {
            classify(
                &RpcStatus {
                    code,
                    message: message.into(),
                    ..RpcStatus::default()
                },
                "c",
                "w",
            )
            .code()
        };
        assert_eq!(of(5, "x"), "not_found");
        assert_eq!(of(6, "x"), "already_exists");
        assert_eq!(
            of(9, "An operation on function x is already in progress"),
            "conflict"
        );
        assert_eq!(of(9, "bucket is in another region"), "invalid_request");
        assert_eq!(of(8, "quota"), "throttled");
        assert_eq!(of(16, "x"), "unauthenticated");
        assert_eq!(of(3, "x"), "invalid_request");
        assert_eq!(of(14, "x"), "provider");
        assert_eq!(http_failure(502, "<html>", "c", "w").code(), "provider");
        assert_eq!(http_failure(429, "", "c", "w").code(), "throttled");
    }
}
