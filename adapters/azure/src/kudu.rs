//! The app's Kudu (SCM) site: uploading the package and following the deployment, and the live
//! log stream. Kudu accepts the Resource Manager token.
//!
//! Two upload endpoints, chosen by the hosting plan: zip deploy
//! (`POST /api/zipdeploy?isAsync=true`, 202 and a `Location` to poll) on Consumption, Premium
//! and Dedicated plans, and one deploy (`POST /api/publish`) on Flex Consumption, which has no
//! zip deploy. Either way the deployment's `status` is polled — 0 pending, 1 building, 2
//! deploying, 3 failed, 4 success — and a failed one (even in an HTTP 200) is an error that
//! quotes the deployment's own log.

use std::sync::Arc;
use std::time::{Duration, Instant};

use functory_adapter::AdapterError;
use functory_core::AdapterKind;
use serde::Deserialize;
use serde_json::Value;

use crate::arm::AppRef;
use crate::credential::{AzureResource, TokenCache};
use crate::settings::AzureSettings;
use crate::token::error_chain;

/// How the package goes up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upload {
    /// `POST /api/zipdeploy?isAsync=true`.
    ZipDeploy,
    /// Flex Consumption's `POST /api/publish?RemoteBuild=…`.
    Publish { remote_build: bool },
}

impl Upload {
    /// The call's name in plans and errors.
    pub fn call(self) -> &'static str {
        match self {
            Upload::ZipDeploy => "Kudu.ZipDeploy",
            Upload::Publish { .. } => "Kudu.Publish",
        }
    }
}

/// An upload that did not end in a successful deployment. `accepted`: Kudu took the package
/// but the deployment was not followed to its end, so it may still go live.
#[derive(Debug)]
pub struct UploadFailure {
    pub error: AdapterError,
    pub accepted: bool,
}

/// How following a deployment ended, when not in success.
enum Ended {
    /// Kudu reported it failed: nothing changed.
    Failed(AdapterError),
    /// It was not followed to its end (a cut, a timeout).
    Unknown(AdapterError),
}

/// A deployment's state as Kudu reports it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeploymentStatus {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub status: Option<i64>,
    #[serde(default)]
    pub status_text: Option<String>,
    #[serde(default)]
    pub progress: Option<String>,
    #[serde(default)]
    pub complete: Option<bool>,
    #[serde(default)]
    pub log_url: Option<String>,
}

const PENDING: i64 = 0;
const BUILDING: i64 = 1;
const DEPLOYING: i64 = 2;
const FAILED: i64 = 3;
const SUCCESS: i64 = 4;

#[derive(Debug, Deserialize)]
struct LogEntry {
    #[serde(default)]
    message: Option<String>,
    /// 0 message, 1 warning, 2 error.
    #[serde(rename = "type", default)]
    kind: Option<i64>,
    #[serde(default)]
    details_url: Option<String>,
}

/// The Kudu site of one function app.
#[derive(Debug, Clone)]
pub struct Kudu {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    pub(crate) tokens: Arc<TokenCache>,
    pub(crate) app: AppRef,
    pub(crate) settings: AzureSettings,
}

impl Kudu {
    fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    fn context(&self, call: &str) -> String {
        format!(
            "{call} on {} (Kudu at {}) as {}",
            self.app.describe(),
            self.base,
            self.tokens.signed_in_as()
        )
    }

    /// One request with the management token; a refused token is replaced once.
    async fn send(
        &self,
        call: &str,
        method: reqwest::Method,
        url: &str,
        body: Option<(&'static str, Vec<u8>)>,
    ) -> Result<(u16, reqwest::header::HeaderMap, String), AdapterError> {
        let mut refused_once = false;
        loop {
            let token = self.tokens.bearer(AzureResource::Management).await?;
            let mut request = self
                .http
                .request(method.clone(), url)
                .bearer_auth(token.expose())
                .header(reqwest::header::CACHE_CONTROL, "no-cache")
                .timeout(self.settings.request_timeout);
            if let Some((content_type, bytes)) = &body {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, *content_type)
                    .body(bytes.clone());
            }
            let response = request
                .send()
                .await
                .map_err(|error| self.unreachable(call, &error))?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let text = response
                .text()
                .await
                .map_err(|error| self.unreachable(call, &error))?;
            if status == 401 && !refused_once {
                refused_once = true;
                self.tokens.forget(AzureResource::Management).await;
                continue;
            }
            return Ok((status, headers, text));
        }
    }

    /// Uploads `zip` and waits until the deployment succeeded; `progress` hears each stage.
    /// A deployment already running (409) is waited for, then the upload is tried once more.
    pub async fn deploy(
        &self,
        upload: Upload,
        zip: Vec<u8>,
        progress: &(dyn Fn(String) + Send + Sync),
    ) -> Result<(), UploadFailure> {
        let call = upload.call();
        let path = match upload {
            Upload::ZipDeploy => "/api/zipdeploy?isAsync=true&Deployer=functory".to_owned(),
            Upload::Publish { remote_build } => {
                format!("/api/publish?RemoteBuild={remote_build}&Deployer=functory")
            }
        };
        let not_accepted = |error| UploadFailure {
            error,
            accepted: false,
        };
        let mut waited = false;
        let (status, headers, text) = loop {
            let answer = self
                .send(
                    call,
                    reqwest::Method::POST,
                    &self.url(&path),
                    Some(("application/zip", zip.clone())),
                )
                .await
                .map_err(not_accepted)?;
            if answer.0 == 409 && !waited {
                waited = true;
                progress("waiting for the deployment already running on the app".to_owned());
                match self
                    .wait(call, &self.url("/api/deployments/latest"), &|_| {})
                    .await
                {
                    // Its failure is not ours to report: only its end matters.
                    Ok(()) | Err(Ended::Failed(_)) => {}
                    Err(Ended::Unknown(error)) => return Err(not_accepted(error)),
                }
                continue;
            }
            break answer;
        };
        let location = headers
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let accepted = |error| UploadFailure {
            error,
            accepted: true,
        };
        match status {
            200 | 202 => {
                let answered: Option<DeploymentStatus> = serde_json::from_str(&text).ok();
                // One deploy answers the deployment's id (plain or quoted) in its body.
                let id = answered.as_ref().and_then(|s| s.id.clone()).or_else(|| {
                    let plain = text.trim().trim_matches('"');
                    (!plain.is_empty()
                        && plain.len() < 100
                        && plain.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
                    .then(|| plain.to_owned())
                });
                if let Some(answered) = &answered
                    && let Some(code) = answered.status
                    && matches!(code, FAILED | SUCCESS)
                {
                    // An HTTP 200 that already carries the outcome.
                    return self
                        .finished(call, answered)
                        .await
                        .map_err(|error| UploadFailure {
                            error,
                            accepted: false,
                        });
                }
                if status == 200 && location.is_none() && answered.is_none() && id.is_none() {
                    return Ok(());
                }
                let poll = location.unwrap_or_else(|| match &id {
                    Some(id) => format!("/api/deployments/{id}"),
                    None => "/api/deployments/latest".to_owned(),
                });
                match self.wait(call, &self.url(&poll), progress).await {
                    Ok(()) => Ok(()),
                    // A deployment that failed changed nothing; one not followed to its end may
                    // still finish.
                    Err(Ended::Failed(error)) => Err(not_accepted(error)),
                    Err(Ended::Unknown(error)) => Err(accepted(error)),
                }
            }
            409 => Err(not_accepted(AdapterError::Conflict {
                message: format!(
                    "{} was refused: another deployment is running on the app ({}); wait for it to finish (see Deployment Center in the portal), then deploy again",
                    self.context(call),
                    first_line(&text)
                ),
            })),
            _ => Err(not_accepted(self.failure(call, status, &text))),
        }
    }

    /// Polls the deployment until it ends.
    async fn wait(
        &self,
        call: &str,
        url: &str,
        progress: &(dyn Fn(String) + Send + Sync),
    ) -> Result<(), Ended> {
        let started = Instant::now();
        let mut last_stage = None;
        loop {
            if started.elapsed() >= self.settings.wait_timeout {
                return Err(Ended::Unknown(self.provider(format!(
                    "{} is still running after {} s: look at Deployment Center in the portal, then deploy again",
                    self.context(call),
                    self.settings.wait_timeout.as_secs()
                ))));
            }
            tokio::time::sleep(self.settings.poll_interval).await;
            let (status, headers, text) = self
                .send("Kudu.GetDeployment", reqwest::Method::GET, url, None)
                .await
                .map_err(Ended::Unknown)?;
            match status {
                // The deployment record is written a moment after the upload is accepted.
                404 => continue,
                200 | 202 => {}
                _ => {
                    return Err(Ended::Unknown(self.failure(
                        "Kudu.GetDeployment",
                        status,
                        &text,
                    )));
                }
            }
            let Ok(deployment) = serde_json::from_str::<DeploymentStatus>(&text) else {
                continue;
            };
            match deployment.status.unwrap_or(PENDING) {
                FAILED | SUCCESS => {
                    return self
                        .finished(call, &deployment)
                        .await
                        .map_err(Ended::Failed);
                }
                code => {
                    let stage = match code {
                        PENDING => "waiting for the deployment to start",
                        BUILDING => "building on Azure",
                        DEPLOYING => "deploying the package",
                        _ => "deploying",
                    };
                    let label = match deployment.progress.as_deref().filter(|p| !p.is_empty()) {
                        Some(detail) => format!("{stage} ({detail})"),
                        None => stage.to_owned(),
                    };
                    if last_stage.as_deref() != Some(label.as_str()) {
                        progress(label.clone());
                        last_stage = Some(label);
                    }
                    let wait = headers
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<u64>().ok())
                        .map(Duration::from_secs);
                    if let Some(wait) = wait {
                        tokio::time::sleep(wait.min(self.settings.max_poll_wait)).await;
                    }
                }
            }
        }
    }

    async fn finished(
        &self,
        call: &str,
        deployment: &DeploymentStatus,
    ) -> Result<(), AdapterError> {
        if deployment.status == Some(SUCCESS) {
            return Ok(());
        }
        let id = deployment.id.clone().unwrap_or_else(|| "latest".to_owned());
        let log = self.log_lines(deployment, &id).await;
        Err(self.provider(format!(
            "{}: deployment {id} failed{}{}; the app still runs what it ran before the upload",
            self.context(call),
            deployment
                .status_text
                .as_deref()
                .filter(|t| !t.is_empty())
                .map(|t| format!(" ({t})"))
                .unwrap_or_default(),
            if log.is_empty() {
                String::new()
            } else {
                format!(". Its log ends: {}", log.join(" | "))
            }
        )))
    }

    /// The last lines of a deployment's log, with the details of its errors; empty when the
    /// log cannot be read (the failure is reported anyway).
    async fn log_lines(&self, deployment: &DeploymentStatus, id: &str) -> Vec<String> {
        let url = deployment
            .log_url
            .clone()
            .unwrap_or_else(|| format!("/api/deployments/{id}/log"));
        let Ok((200, _, text)) = self
            .send(
                "Kudu.GetDeploymentLog",
                reqwest::Method::GET,
                &self.url(&url),
                None,
            )
            .await
        else {
            return Vec::new();
        };
        let entries: Vec<LogEntry> = serde_json::from_str(&text).unwrap_or_default();
        let mut lines = Vec::new();
        for entry in &entries {
            if let Some(message) = entry.message.as_deref().filter(|m| !m.trim().is_empty()) {
                lines.push(message.trim().to_owned());
            }
            if entry.kind == Some(2)
                && let Some(details) = &entry.details_url
                && let Ok((200, _, text)) = self
                    .send(
                        "Kudu.GetDeploymentLog",
                        reqwest::Method::GET,
                        &self.url(details),
                        None,
                    )
                    .await
            {
                let details: Vec<LogEntry> = serde_json::from_str(&text).unwrap_or_default();
                lines.extend(
                    details
                        .into_iter()
                        .filter_map(|d| d.message)
                        .map(|m| m.trim().to_owned())
                        .filter(|m| !m.is_empty()),
                );
            }
        }
        let skip = lines.len().saturating_sub(8);
        lines.drain(..skip);
        lines
    }

    /// Opens the app's live log stream for one function; the caller reads the chunks.
    pub async fn log_stream(&self, function: &str) -> Result<reqwest::Response, AdapterError> {
        let call = "Kudu.LogStream";
        let url = self.url(&format!(
            "/api/logstream/application/functions/function/{function}"
        ));
        let mut refused_once = false;
        loop {
            let token = self.tokens.bearer(AzureResource::Management).await?;
            // No overall timeout: the stream stays open until the reader drops it.
            let response = self
                .http
                .get(&url)
                .bearer_auth(token.expose())
                .send()
                .await
                .map_err(|error| self.unreachable(call, &error))?;
            let status = response.status().as_u16();
            if status == 401 && !refused_once {
                refused_once = true;
                self.tokens.forget(AzureResource::Management).await;
                continue;
            }
            if response.status().is_success() {
                return Ok(response);
            }
            let text = response.text().await.unwrap_or_default();
            return Err(self.failure(call, status, &text));
        }
    }

    fn unreachable(&self, call: &str, error: &reqwest::Error) -> AdapterError {
        let what = if error.is_timeout() {
            "timed out"
        } else {
            "failed"
        };
        self.provider(format!(
            "{} {what} ({}): check the network connection",
            self.context(call),
            error_chain(error)
        ))
    }

    fn provider(&self, message: String) -> AdapterError {
        AdapterError::Provider {
            provider: AdapterKind::Azure,
            message,
            source: None,
        }
    }

    fn failure(&self, call: &str, status: u16, body: &str) -> AdapterError {
        let said = kudu_message(body);
        let context = self.context(call);
        match status {
            401 => AdapterError::Unauthenticated {
                message: format!(
                    "{context} was refused ({said}): Kudu did not accept the sign-in's token; sign in again"
                ),
            },
            403 => AdapterError::PermissionDenied {
                message: format!(
                    "{context} was refused ({said}): {} needs a role that may deploy to the app, such as Website Contributor",
                    self.tokens.signed_in_as()
                ),
            },
            404 => AdapterError::NotFound {
                what: format!("{context}: {said}"),
            },
            409 => AdapterError::Conflict {
                message: format!("{context} conflicts with another deployment ({said})"),
            },
            429 => AdapterError::Throttled {
                message: format!("{context} was throttled ({said}): try again in a minute"),
            },
            400..=499 => AdapterError::InvalidRequest {
                message: format!("{context} was refused: HTTP {status} ({said})"),
            },
            _ => self.provider(format!(
                "{context} failed: HTTP {status} ({said}); Azure may be having trouble, try again"
            )),
        }
    }
}

/// Kudu answers errors as text, or as `{"Message": …}`.
fn kudu_message(body: &str) -> String {
    if let Ok(value) = serde_json::from_str::<Value>(body) {
        for key in ["Message", "message", "ExceptionMessage"] {
            if let Some(text) = value.get(key).and_then(Value::as_str) {
                return text.to_owned();
            }
        }
        if let Some(text) = value
            .get("error")
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
        {
            return text.to_owned();
        }
    }
    first_line(body)
}

fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no details");
    line.chars().take(300).collect()
}
