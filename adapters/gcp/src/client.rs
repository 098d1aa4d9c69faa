//! One REST client for every Google API the adapter calls: the bearer token from the
//! [`TokenCache`], the quota project of a user's sign-in, JSON in and out, error answers
//! classified with the call's name, and the retries that are always safe (a throttled call is
//! not executed; a refused token is renewed once).

use std::sync::Arc;
use std::time::Duration;

use functory_adapter::AdapterError;
use functory_core::AdapterKind;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::credentials::TokenCache;
use crate::errors::http_failure;
use crate::token::error_chain;

/// The base URLs of the APIs, overridable so tests reach their fakes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoogleEndpoints {
    pub functions: String,
    pub logging: String,
    /// Cloud Logging's gRPC service (`TailLogEntries`), on the same host as its REST API.
    pub logging_grpc: String,
    pub pubsub: String,
    pub scheduler: String,
    pub run: String,
}

impl Default for GoogleEndpoints {
    fn default() -> Self {
        GoogleEndpoints {
            functions: "https://cloudfunctions.googleapis.com".to_owned(),
            logging: "https://logging.googleapis.com".to_owned(),
            logging_grpc: "https://logging.googleapis.com".to_owned(),
            pubsub: "https://pubsub.googleapis.com".to_owned(),
            scheduler: "https://cloudscheduler.googleapis.com".to_owned(),
            run: "https://run.googleapis.com".to_owned(),
        }
    }
}

impl GoogleEndpoints {
    /// Every API at one base URL (a fake serving them all).
    pub fn all_at(base: &str) -> Self {
        let base = base.trim_end_matches('/').to_owned();
        GoogleEndpoints {
            functions: base.clone(),
            logging: base.clone(),
            logging_grpc: base.clone(),
            pubsub: base.clone(),
            scheduler: base.clone(),
            run: base,
        }
    }

    pub(crate) fn named(&self) -> [(&'static str, &str); 6] {
        [
            ("Cloud Functions", &self.functions),
            ("Cloud Logging", &self.logging),
            ("Cloud Logging gRPC", &self.logging_grpc),
            ("Pub/Sub", &self.pubsub),
            ("Cloud Scheduler", &self.scheduler),
            ("Cloud Run", &self.run),
        ]
    }
}

/// How many times a throttled call is tried again, and how long to wait before the first.
#[derive(Debug, Clone)]
pub(crate) struct RetryPolicy {
    pub throttle_retries: u32,
    pub throttle_backoff: Duration,
    pub request_timeout: Duration,
}

#[derive(Debug, Clone)]
pub(crate) struct GoogleApi {
    pub tokens: TokenCache,
    pub http: reqwest::Client,
    pub endpoints: Arc<GoogleEndpoints>,
    pub retry: RetryPolicy,
}

impl GoogleApi {
    pub fn who(&self) -> &str {
        self.tokens.credentials().who()
    }

    /// `method url` with `body`, as `call`; the answer's JSON (`{}` for an empty body).
    pub async fn send<T: DeserializeOwned>(
        &self,
        call: &str,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<T, AdapterError> {
        let mut throttled = 0;
        let mut renewed = false;
        loop {
            let token = self.tokens.access_token().await?;
            let mut request = self
                .http
                .request(method.clone(), url)
                .timeout(self.retry.request_timeout)
                .bearer_auth(token.expose());
            if let Some(project) = self.tokens.credentials().quota_project() {
                request = request.header("x-goog-user-project", project);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request
                .send()
                .await
                .map_err(|error| self.unreachable(call, url, &error))?;
            let status = response.status().as_u16();
            let text = response
                .text()
                .await
                .map_err(|error| self.unreachable(call, url, &error))?;
            if (200..300).contains(&status) {
                let text = if text.trim().is_empty() { "{}" } else { &text };
                return serde_json::from_str(text).map_err(|error| {
                    AdapterError::provider(
                        AdapterKind::Gcp,
                        format!(
                            "the answer to {call} for {} from {url} is not what the API documents ({error}): is the endpoint a Google API?",
                            self.who()
                        ),
                    )
                });
            }
            match http_failure(status, &text, call, self.who()) {
                AdapterError::Throttled { .. } if throttled < self.retry.throttle_retries => {
                    throttled += 1;
                    tokio::time::sleep(self.retry.throttle_backoff * throttled).await;
                }
                // A token revoked or expired on the way: one fresh sign-in, then the answer.
                AdapterError::Unauthenticated { .. } if !renewed => {
                    renewed = true;
                    self.tokens.forget_access_token().await;
                }
                other => return Err(other),
            }
        }
    }

    pub async fn get<T: DeserializeOwned>(&self, call: &str, url: &str) -> Result<T, AdapterError> {
        self.send(call, Method::GET, url, None).await
    }

    pub fn unreachable(&self, call: &str, url: &str, error: &reqwest::Error) -> AdapterError {
        let what = if error.is_timeout() {
            "timed out"
        } else {
            "could not reach"
        };
        let host = reqwest::Url::parse(url)
            .ok()
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_else(|| url.to_owned());
        AdapterError::provider(
            AdapterKind::Gcp,
            format!(
                "{call} for {}: {what} {host} ({}): check the network connection and try again",
                self.who(),
                error_chain(error)
            ),
        )
    }
}

/// `base?key=value&…`, with the values encoded.
pub(crate) fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    match reqwest::Url::parse(base) {
        Ok(mut url) => {
            {
                let mut query = url.query_pairs_mut();
                for (key, value) in pairs {
                    query.append_pair(key, value);
                }
            }
            url.to_string()
        }
        Err(_) => base.to_owned(),
    }
}
