//! A thin client for Azure Resource Manager: the few `Microsoft.Web/sites` calls Functory makes,
//! with what every ARM call shares — the bearer token (asked again once when refused), 429
//! answers retried after their `Retry-After`, long-running operations followed through
//! `Azure-AsyncOperation` or `Location` (201/202), `nextLink` pages, and the
//! `{"error":{"code","message"}}` bodies turned into [`AdapterError`]s that say who called
//! what on which app, and what to do.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use functory_adapter::AdapterError;
use functory_core::AdapterKind;
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use crate::credential::{AzureResource, TokenCache};
use crate::settings::AzureSettings;
use crate::token::error_chain;

/// `Microsoft.Web` calls use this version (it knows Flex Consumption's `functionAppConfig`).
pub const WEB_API_VERSION: &str = "2024-04-01";
/// The Tags API version whose UpdateAtScope may answer 202 and finish later.
pub const TAGS_API_VERSION: &str = "2022-09-01";

/// The function app the adapter works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRef {
    pub subscription_id: String,
    pub resource_group: String,
    pub name: String,
}

impl AppRef {
    /// `/subscriptions/…/resourceGroups/…/providers/Microsoft.Web/sites/<app>`
    pub fn site_path(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Web/sites/{}",
            self.subscription_id, self.resource_group, self.name
        )
    }

    /// "function app `thumbs` (resource group `media`, subscription `…`)"
    pub fn describe(&self) -> String {
        format!(
            "function app `{}` (resource group `{}`, subscription `{}`)",
            self.name, self.resource_group, self.subscription_id
        )
    }
}

/// One answer of Resource Manager (after any long-running operation finished).
#[derive(Debug)]
pub struct ArmAnswer {
    pub status: u16,
    pub body: Value,
}

/// The ARM client of one function app.
#[derive(Debug, Clone)]
pub struct Arm {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    pub(crate) tokens: Arc<TokenCache>,
    pub(crate) app: AppRef,
    pub(crate) settings: AzureSettings,
}

impl Arm {
    /// `{site}{suffix}?api-version=…` under the configured Resource Manager.
    pub fn site_url(&self, suffix: &str) -> String {
        let separator = if suffix.contains('?') { '&' } else { '?' };
        format!(
            "{}{}{suffix}{separator}api-version={WEB_API_VERSION}",
            self.base,
            self.app.site_path()
        )
    }

    pub fn tags_url(&self) -> String {
        format!(
            "{}{}/providers/Microsoft.Resources/tags/default?api-version={TAGS_API_VERSION}",
            self.base,
            self.app.site_path()
        )
    }

    /// Sends `method url` as the call `operation` ("WebApps.ListFunctions"); follows a
    /// long-running operation to its end.
    pub async fn call(
        &self,
        operation: &str,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<ArmAnswer, AdapterError> {
        let mut refused_once = false;
        let mut throttled = 0;
        loop {
            let token = self.tokens.bearer(AzureResource::Management).await?;
            let mut request = self
                .http
                .request(method.clone(), url)
                .bearer_auth(token.expose())
                .timeout(self.settings.request_timeout);
            if let Some(body) = body {
                request = request.json(body);
            } else if method == Method::POST {
                // ARM refuses a bodyless POST without a length.
                request = request.header(reqwest::header::CONTENT_LENGTH, "0");
            }
            let response = request
                .send()
                .await
                .map_err(|error| self.unreachable(operation, &error))?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let text = response
                .text()
                .await
                .map_err(|error| self.unreachable(operation, &error))?;
            match status {
                401 if !refused_once => {
                    // A token revoked or issued for another tenant: ask for a new one once.
                    refused_once = true;
                    self.tokens.forget(AzureResource::Management).await;
                }
                429 if throttled < self.settings.throttle_retries => {
                    throttled += 1;
                    tokio::time::sleep(self.retry_after(&headers)).await;
                }
                201 | 202
                    if headers.contains_key("azure-asyncoperation")
                        || headers.contains_key(reqwest::header::LOCATION) =>
                {
                    return self.follow(operation, &headers, status, &text).await;
                }
                200..=299 => {
                    return Ok(ArmAnswer {
                        status,
                        body: parse_body(&text),
                    });
                }
                _ => return Err(self.failure(operation, status, &text, &headers)),
            }
        }
    }

    /// Every item of a paged list, following `nextLink` to the end.
    pub async fn list_all(&self, operation: &str, url: &str) -> Result<Vec<Value>, AdapterError> {
        let mut items = Vec::new();
        let mut next = Some(url.to_owned());
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > 1000 {
                return Err(self.provider(format!(
                    "{operation} on {} kept answering with another page after 1000: stopping",
                    self.app.describe()
                )));
            }
            let answer = self.call(operation, Method::GET, &url, None).await?;
            if let Some(Value::Array(page)) = answer.body.get("value") {
                items.extend(page.iter().cloned());
            }
            next = answer
                .body
                .get("nextLink")
                .and_then(Value::as_str)
                .filter(|link| !link.is_empty())
                .map(str::to_owned);
        }
        Ok(items)
    }

    /// Waits for a long-running operation: `Azure-AsyncOperation` is polled for its `status`;
    /// without it, `Location` is polled until it stops answering 202.
    async fn follow(
        &self,
        operation: &str,
        first: &reqwest::header::HeaderMap,
        first_status: u16,
        first_body: &str,
    ) -> Result<ArmAnswer, AdapterError> {
        let started = Instant::now();
        let header = |name: &str| {
            first
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let async_operation = header("azure-asyncoperation");
        let location = header("location");
        let mut wait = self.retry_after(first);
        loop {
            if started.elapsed() >= self.settings.wait_timeout {
                return Err(self.provider(format!(
                    "{operation} on {} is still running after {} s: look at the app's activity log in the portal, then deploy again",
                    self.app.describe(),
                    self.settings.wait_timeout.as_secs()
                )));
            }
            tokio::time::sleep(wait).await;
            if let Some(status_url) = &async_operation {
                let (status, headers, text) = self.poll(operation, status_url).await?;
                if !(200..300).contains(&status) {
                    return Err(self.failure(operation, status, &text, &headers));
                }
                let body = parse_body(&text);
                match body.get("status").and_then(Value::as_str).unwrap_or("") {
                    "Succeeded" => {
                        return Ok(ArmAnswer {
                            status: 200,
                            body: parse_body(first_body),
                        });
                    }
                    "Failed" | "Canceled" | "Cancelled" => {
                        let error = body.get("error").cloned().unwrap_or(Value::Null);
                        let text = serde_json::json!({ "error": error }).to_string();
                        return Err(self.failure(operation, 500, &text, &headers));
                    }
                    _ => wait = self.retry_after(&headers),
                }
            } else if let Some(location) = &location {
                let (status, headers, text) = self.poll(operation, location).await?;
                match status {
                    202 => wait = self.retry_after(&headers),
                    200..=299 => {
                        return Ok(ArmAnswer {
                            status,
                            body: parse_body(&text),
                        });
                    }
                    _ => return Err(self.failure(operation, status, &text, &headers)),
                }
            } else {
                return Ok(ArmAnswer {
                    status: first_status,
                    body: parse_body(first_body),
                });
            }
        }
    }

    async fn poll(
        &self,
        operation: &str,
        url: &str,
    ) -> Result<(u16, reqwest::header::HeaderMap, String), AdapterError> {
        let token = self.tokens.bearer(AzureResource::Management).await?;
        let response = self
            .http
            .get(url)
            .bearer_auth(token.expose())
            .timeout(self.settings.request_timeout)
            .send()
            .await
            .map_err(|error| self.unreachable(operation, &error))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response
            .text()
            .await
            .map_err(|error| self.unreachable(operation, &error))?;
        Ok((status, headers, text))
    }

    /// The `Retry-After` seconds (or the configured interval), within the configured maximum.
    fn retry_after(&self, headers: &reqwest::header::HeaderMap) -> Duration {
        let asked = headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs)
            .unwrap_or(self.settings.poll_interval);
        asked.min(self.settings.max_poll_wait)
    }

    fn unreachable(&self, operation: &str, error: &reqwest::Error) -> AdapterError {
        let what = if error.is_timeout() {
            "timed out"
        } else {
            "failed"
        };
        self.provider(format!(
            "{operation} on {} as {} {what} ({}): check the network connection{}",
            self.app.describe(),
            self.tokens.signed_in_as(),
            error_chain(error),
            if self.base == crate::endpoints::DEFAULT_RESOURCE_MANAGER {
                String::new()
            } else {
                format!(" and the Resource Manager endpoint {}", self.base)
            }
        ))
    }

    fn provider(&self, message: String) -> AdapterError {
        AdapterError::Provider {
            provider: AdapterKind::Azure,
            message,
            source: None,
        }
    }

    pub fn failure(
        &self,
        operation: &str,
        status: u16,
        body: &str,
        headers: &reqwest::header::HeaderMap,
    ) -> AdapterError {
        arm_failure(
            &ArmCall {
                operation,
                app: &self.app,
                who: &self.tokens.signed_in_as(),
            },
            status,
            body,
            headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
        )
    }
}

fn parse_body(text: &str) -> Value {
    if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
    }
}

/// Who called what on which app, for error messages.
#[derive(Debug)]
pub struct ArmCall<'a> {
    pub operation: &'a str,
    pub app: &'a AppRef,
    pub who: &'a str,
}

/// ARM's error body, or App Service's older capitalised one.
#[derive(Debug, Default, Deserialize)]
struct ErrorDetail {
    #[serde(alias = "Code", default)]
    code: String,
    #[serde(alias = "Message", default)]
    message: String,
}

fn error_detail(body: &str) -> ErrorDetail {
    #[derive(Deserialize)]
    struct Envelope {
        #[serde(alias = "Error")]
        error: Option<ErrorDetail>,
        #[serde(flatten)]
        flat: ErrorDetail,
    }
    match serde_json::from_str::<Envelope>(body) {
        Ok(Envelope {
            error: Some(detail),
            ..
        }) => detail,
        Ok(Envelope { flat, .. }) => flat,
        Err(_) => ErrorDetail::default(),
    }
}

/// An ARM error answer as an [`AdapterError`], by its code (the documented ones first), then
/// by its status.
pub fn arm_failure(
    call: &ArmCall<'_>,
    status: u16,
    body: &str,
    retry_after: Option<&str>,
) -> AdapterError {
    let detail = error_detail(body);
    let app = call.app;
    let said = if detail.message.is_empty() {
        format!("HTTP {status}")
    } else if detail.code.is_empty() {
        detail.message.clone()
    } else {
        format!("{}: {}", detail.code, detail.message)
    };
    let context = format!("{} on {} as {}", call.operation, app.describe(), call.who);
    match detail.code.as_str() {
        "AuthorizationFailed" | "LinkedAuthorizationFailed" => {
            return AdapterError::PermissionDenied {
                message: format!(
                    "{context} was refused ({said}): grant {} a role that allows it on the app, such as Website Contributor (role assignments can take a few minutes to apply)",
                    call.who
                ),
            };
        }
        "ResourceNotFound" | "NotFound" if status == 404 => {
            return AdapterError::NotFound {
                what: format!(
                    "{} ({said}; called {}): create the function app in the portal or with `az functionapp create --name {} --resource-group {} …`, or fix the target's function_app",
                    app.describe(),
                    call.operation,
                    app.name,
                    app.resource_group
                ),
            };
        }
        "ResourceGroupNotFound" => {
            return AdapterError::NotFound {
                what: format!(
                    "resource group `{}` of subscription `{}` ({said}; called {}): fix the target's resource_group, or create it",
                    app.resource_group, app.subscription_id, call.operation
                ),
            };
        }
        "SubscriptionNotFound" | "InvalidSubscriptionId" => {
            return AdapterError::NotFound {
                what: format!(
                    "subscription `{}` ({said}; called {}): check the target's subscription_id and that {} can see it",
                    app.subscription_id, call.operation, call.who
                ),
            };
        }
        code if code.starts_with("InvalidAuthenticationToken")
            || code == "ExpiredAuthenticationToken"
            || code == "AuthenticationFailed" =>
        {
            return AdapterError::Unauthenticated {
                message: format!(
                    "{context} was refused ({said}): sign in again; for a service principal check that its tenant is the subscription's tenant"
                ),
            };
        }
        _ => {}
    }
    match status {
        401 => AdapterError::Unauthenticated {
            message: format!("{context} was refused ({said}): sign in again"),
        },
        403 => AdapterError::PermissionDenied {
            message: format!(
                "{context} was refused ({said}): grant {} a role that allows it on the app, such as Website Contributor",
                call.who
            ),
        },
        404 => AdapterError::NotFound {
            what: format!("{context}: {said}"),
        },
        409 => AdapterError::Conflict {
            message: format!(
                "{context} conflicts with another operation on the app ({said}): wait for it to finish, then try again"
            ),
        },
        429 => AdapterError::Throttled {
            message: format!(
                "{context} was throttled ({said}){}",
                retry_after
                    .map(|s| format!(": Azure asks to wait {s} s before trying again"))
                    .unwrap_or_else(|| ": try again in a minute".to_owned())
            ),
        },
        400..=499 => AdapterError::InvalidRequest {
            message: format!("{context} was refused ({said})"),
        },
        _ => AdapterError::Provider {
            provider: AdapterKind::Azure,
            message: format!("{context} failed ({said}): Azure may be having trouble; try again"),
            source: None,
        },
    }
}

// ---- What the calls answer (only the fields Functory reads). ----

#[derive(Debug, Clone, Deserialize)]
pub struct Site {
    pub id: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub tags: Option<BTreeMap<String, String>>,
    pub properties: SiteProperties,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteProperties {
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub default_host_name: Option<String>,
    #[serde(default)]
    pub host_name_ssl_states: Option<Vec<HostNameSslState>>,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub site_config: Option<SiteConfig>,
    #[serde(default)]
    pub function_app_config: Option<FunctionAppConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostNameSslState {
    pub name: String,
    /// `Standard` (the app) or `Repository` (its SCM site).
    #[serde(default)]
    pub host_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteConfig {
    #[serde(default)]
    pub linux_fx_version: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionAppConfig {
    #[serde(default)]
    pub runtime: Option<FlexRuntime>,
    #[serde(default)]
    pub scale_and_concurrency: Option<FlexScale>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct FlexRuntime {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct FlexScale {
    #[serde(rename = "instanceMemoryMB", default)]
    pub instance_memory_mb: Option<u32>,
}

/// One function of the app, as `WebApps.ListFunctions` answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct FunctionEnvelope {
    pub id: String,
    /// `app/function`.
    pub name: String,
    #[serde(default)]
    pub properties: FunctionProperties,
}

impl FunctionEnvelope {
    /// The function's own name, without the app's.
    pub fn function_name(&self) -> &str {
        self.properties
            .name
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| self.name.rsplit('/').next().unwrap_or(&self.name))
    }

    /// The trigger binding of its function.json.
    pub fn trigger(&self) -> Option<&Value> {
        self.properties
            .config
            .as_ref()?
            .get("bindings")?
            .as_array()?
            .iter()
            .find(|b| {
                b.get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.ends_with("Trigger"))
            })
    }

    /// What Functory recorded in the function.json it generated.
    pub fn functory(&self) -> Option<&Value> {
        self.properties.config.as_ref()?.get("functory")
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionProperties {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub config: Option<Value>,
    #[serde(default)]
    pub is_disabled: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> AppRef {
        AppRef {
            subscription_id: "00000000-0000-0000-0000-000000000001".into(),
            resource_group: "media".into(),
            name: "thumbs".into(),
        }
    }

    fn call(app: &AppRef) -> ArmCall<'_> {
        ArmCall {
            operation: "WebApps.ListApplicationSettings",
            app,
            who: "account `prod`",
        }
    }

    #[test]
    fn documented_codes_become_the_right_kinds_with_who_what_and_where() {
        let app = app();
        let denied = arm_failure(
            &call(&app),
            403,
            r#"{"error":{"code":"AuthorizationFailed","message":"The client 'x' with object id 'x' does not have authorization to perform action 'Microsoft.Web/sites/config/list/action' over scope '/subscriptions/s/resourceGroups/media/providers/Microsoft.Web/sites/thumbs' or the scope is invalid."}}"#,
            None,
        );
        let text = denied.to_string();
        assert!(
            matches!(denied, AdapterError::PermissionDenied { .. }),
            "{text}"
        );
        for part in [
            "WebApps.ListApplicationSettings",
            "function app `thumbs`",
            "account `prod`",
            "Microsoft.Web/sites/config/list/action",
            "Website Contributor",
        ] {
            assert!(text.contains(part), "`{part}` missing: {text}");
        }

        let missing = arm_failure(
            &call(&app),
            404,
            r#"{"error":{"code":"ResourceNotFound","message":"The Resource 'Microsoft.Web/sites/thumbs' under resource group 'media' was not found."}}"#,
            None,
        );
        assert!(
            matches!(&missing, AdapterError::NotFound { what } if what.contains("az functionapp create --name thumbs --resource-group media")),
            "{missing}"
        );

        let expired = arm_failure(
            &call(&app),
            401,
            r#"{"error":{"code":"ExpiredAuthenticationToken","message":"The access token expiry UTC time is earlier than current UTC time."}}"#,
            None,
        );
        assert!(matches!(expired, AdapterError::Unauthenticated { .. }));
        let wrong_tenant = arm_failure(
            &call(&app),
            401,
            r#"{"error":{"code":"InvalidAuthenticationTokenTenant","message":"The access token is from the wrong issuer."}}"#,
            None,
        );
        assert!(matches!(wrong_tenant, AdapterError::Unauthenticated { .. }));

        let throttled = arm_failure(
            &call(&app),
            429,
            r#"{"error":{"code":"TooManyRequests","message":"Number of requests exceeded the limit."}}"#,
            Some("17"),
        );
        assert!(
            matches!(&throttled, AdapterError::Throttled { message } if message.contains("wait 17 s")),
            "{throttled}"
        );
        let conflict = arm_failure(
            &call(&app),
            409,
            r#"{"Code":"Conflict","Message":"Another operation is in progress."}"#,
            None,
        );
        assert!(
            matches!(&conflict, AdapterError::Conflict { message } if message.contains("Another operation is in progress.")),
            "{conflict}"
        );
        let outage = arm_failure(&call(&app), 503, "<html>busy</html>", None);
        assert!(matches!(outage, AdapterError::Provider { .. }));
    }

    #[test]
    fn function_names_and_triggers() {
        let envelope: FunctionEnvelope = serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/thumbs/functions/resize",
            "name": "thumbs/resize",
            "properties": {"config": {"bindings": [
                {"type": "http", "direction": "out", "name": "$return"},
                {"type": "httpTrigger", "direction": "in", "name": "req"}
            ]}}
        }))
        .unwrap();
        assert_eq!(envelope.function_name(), "resize");
        assert_eq!(envelope.trigger().unwrap()["type"], "httpTrigger");
    }
}
