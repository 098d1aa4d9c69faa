//! Interactive sign-in with a device code (OAuth 2.0 device authorization grant, RFC 8628, as
//! Microsoft Entra ID implements it): Functory shows a code, the person enters it at
//! `https://microsoft.com/devicelogin` in any browser, and Functory polls the token endpoint
//! until they have (`authorization_pending`), slowing down when told (`slow_down`), and
//! stopping when the code expires (`expired_token`) or the person declines
//! (`authorization_declined`).
//!
//! The first token comes with a refresh token (`offline_access`), which later buys tokens for
//! other resources (Application Insights) without asking the person again.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use functory_adapter::AdapterError;
use functory_core::AdapterKind;
use functory_vault::Sensitive;
use serde::Deserialize;

use crate::credential::{AzureResource, TokenSource};
use crate::token::{AccessToken, checked_authority, error_chain};

const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// What the person has to do, as Entra ID words it, for the UI or the terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodePrompt {
    /// "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and
    /// enter the code ABCD1234 to authenticate."
    pub message: String,
    pub user_code: String,
    pub verification_uri: String,
    /// How long the code stays valid.
    pub expires_in: Duration,
}

type Prompt = Arc<dyn Fn(DeviceCodePrompt) + Send + Sync>;

/// A device-code sign-in for one public client application in one tenant.
pub struct DeviceCodeSignIn {
    tenant: String,
    client_id: String,
    authority_host: String,
    prompt: Prompt,
    /// Tests shorten Entra's `interval` (5 s) so polling does not make them slow.
    max_poll_interval: Option<Duration>,
    http: reqwest::Client,
    refresh_token: tokio::sync::Mutex<Option<Sensitive<String>>>,
}

impl fmt::Debug for DeviceCodeSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceCodeSignIn")
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("authority_host", &self.authority_host)
            .finish_non_exhaustive()
    }
}

impl DeviceCodeSignIn {
    /// `client_id` is a public client (an app registration with "Allow public client flows");
    /// `tenant` a tenant id or domain, or `organizations`. `prompt` is called once per sign-in
    /// with what to show the person.
    pub fn new(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        prompt: impl Fn(DeviceCodePrompt) + Send + Sync + 'static,
    ) -> Self {
        DeviceCodeSignIn {
            tenant: tenant.into(),
            client_id: client_id.into(),
            authority_host: crate::endpoints::AzureEndpoints::default().authority_host,
            prompt: Arc::new(prompt),
            max_poll_interval: None,
            http: reqwest::Client::new(),
            refresh_token: tokio::sync::Mutex::new(None),
        }
    }

    pub fn authority_host(mut self, url: impl Into<String>) -> Self {
        self.authority_host = url.into();
        self
    }

    /// Polls at most this often apart, whatever interval Entra ID asks for (tests).
    pub fn max_poll_interval(mut self, interval: Duration) -> Self {
        self.max_poll_interval = Some(interval);
        self
    }

    fn endpoint(&self, leaf: &str) -> Result<String, AdapterError> {
        let host = checked_authority(&self.authority_host)?;
        if self.tenant.is_empty()
            || !self
                .tenant
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(AdapterError::invalid(format!(
                "the device-code sign-in's tenant is `{}`: a tenant is a GUID, a domain such as contoso.onmicrosoft.com, or `organizations`",
                self.tenant
            )));
        }
        Ok(format!("{host}/{}/oauth2/v2.0/{leaf}", self.tenant))
    }

    fn scope(resource: AzureResource) -> String {
        format!("{} offline_access", resource.default_scope())
    }

    fn wait(&self, interval: Duration) -> Duration {
        match self.max_poll_interval {
            Some(max) => interval.min(max),
            None => interval,
        }
    }

    async fn post(&self, url: &str, form: &[(&str, &str)]) -> Result<(u16, String), AdapterError> {
        let response = self
            .http
            .post(url)
            .timeout(REQUEST_TIMEOUT)
            .form(form)
            .send()
            .await
            .map_err(|error| {
                provider(format!(
                    "the device-code sign-in could not reach {url}: {}",
                    error_chain(&error)
                ))
            })?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(|error| {
            provider(format!(
                "the device-code sign-in lost the answer of {url}: {}",
                error_chain(&error)
            ))
        })?;
        Ok((status, body))
    }

    /// The whole interactive flow, for `resource`.
    async fn sign_in(&self, resource: AzureResource) -> Result<TokenAnswer, AdapterError> {
        let scope = Self::scope(resource);
        let url = self.endpoint("devicecode")?;
        let (status, body) = self
            .post(
                &url,
                &[("client_id", self.client_id.as_str()), ("scope", &scope)],
            )
            .await?;
        if status != 200 {
            return Err(self.refusal(status, &body, "the device code request"));
        }
        let code: DeviceCodeAnswer = serde_json::from_str(&body).map_err(|_| {
            provider(format!(
                "the device code answer of {url} is not a device code: is the authority an Entra ID authority?"
            ))
        })?;
        (self.prompt)(DeviceCodePrompt {
            message: code.message.clone().unwrap_or_else(|| {
                format!(
                    "To sign in, open {} and enter the code {}.",
                    code.verification_uri, code.user_code
                )
            }),
            user_code: code.user_code.clone(),
            verification_uri: code.verification_uri.clone(),
            expires_in: Duration::from_secs(code.expires_in),
        });
        let token_url = self.endpoint("token")?;
        let deadline = Instant::now() + Duration::from_secs(code.expires_in);
        let mut interval = Duration::from_secs(code.interval.unwrap_or(5));
        let device_code = Sensitive::new(code.device_code);
        loop {
            tokio::time::sleep(self.wait(interval)).await;
            let (status, body) = self
                .post(
                    &token_url,
                    &[
                        ("grant_type", DEVICE_CODE_GRANT),
                        ("client_id", self.client_id.as_str()),
                        ("device_code", device_code.expose().as_str()),
                    ],
                )
                .await?;
            if status == 200 {
                return parse_token(&body, &token_url);
            }
            let error = serde_json::from_str::<ErrorAnswer>(&body).ok();
            match error.as_ref().map(|e| e.error.as_str()) {
                Some("authorization_pending") => {}
                // RFC 8628 §3.5: add five seconds to the interval from now on.
                Some("slow_down") => interval += Duration::from_secs(5),
                Some("expired_token") => {
                    return Err(AdapterError::Unauthenticated {
                        message: format!(
                            "the device code {} expired before the sign-in was finished: sign in again and enter the new code within {} minutes",
                            code.user_code,
                            code.expires_in / 60
                        ),
                    });
                }
                Some("authorization_declined") => {
                    return Err(AdapterError::Unauthenticated {
                        message: "the device-code sign-in was declined in the browser: sign in again and accept to let Functory manage your function apps".to_owned(),
                    });
                }
                _ => return Err(self.refusal(status, &body, "the device-code token request")),
            }
            if Instant::now() >= deadline {
                return Err(AdapterError::Unauthenticated {
                    message: format!(
                        "the device code {} expired before the sign-in was finished: sign in again",
                        code.user_code
                    ),
                });
            }
        }
    }

    async fn refresh(
        &self,
        refresh_token: &Sensitive<String>,
        resource: AzureResource,
    ) -> Result<TokenAnswer, AdapterError> {
        let url = self.endpoint("token")?;
        let scope = Self::scope(resource);
        let (status, body) = self
            .post(
                &url,
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", self.client_id.as_str()),
                    ("refresh_token", refresh_token.expose().as_str()),
                    ("scope", &scope),
                ],
            )
            .await?;
        if status == 200 {
            return parse_token(&body, &url);
        }
        Err(self.refusal(status, &body, "the refresh of the device-code sign-in"))
    }

    fn refusal(&self, status: u16, body: &str, what: &str) -> AdapterError {
        let Ok(answer) = serde_json::from_str::<ErrorAnswer>(body) else {
            return functory_adapter::oauth::non_oauth_answer(
                AdapterKind::Azure,
                "device-code sign-in",
                status,
                &self.authority_host,
                "Entra ID is having trouble; try again in a moment",
                "is AZURE_AUTHORITY_HOST an Entra ID authority?",
            );
        };
        let said = answer
            .error_description
            .as_deref()
            .and_then(|d| d.lines().next())
            .unwrap_or(answer.error.as_str())
            .trim()
            .to_owned();
        let message = format!(
            "{what} for client {} in tenant {} was refused ({}: {said})",
            self.client_id, self.tenant, answer.error
        );
        match (answer.error.as_str(), status) {
            ("invalid_scope" | "invalid_request", _) => AdapterError::InvalidRequest { message },
            (_, 429) => AdapterError::Throttled { message },
            (_, 500..) => provider(message),
            _ => AdapterError::Unauthenticated { message },
        }
    }
}

#[async_trait::async_trait]
impl TokenSource for DeviceCodeSignIn {
    fn signed_in_as(&self) -> String {
        format!("the device-code sign-in to tenant {}", self.tenant)
    }

    async fn token(&self, resource: AzureResource) -> Result<AccessToken, AdapterError> {
        // One sign-in at a time: a second caller waits and then uses the refresh token.
        let mut refresh_token = self.refresh_token.lock().await;
        let answer = match refresh_token.take() {
            Some(existing) => match self.refresh(&existing, resource).await {
                Ok(answer) => answer,
                // Revoked or expired: the person signs in again.
                Err(AdapterError::Unauthenticated { .. }) => self.sign_in(resource).await?,
                Err(other) => {
                    *refresh_token = Some(existing);
                    return Err(other);
                }
            },
            None => self.sign_in(resource).await?,
        };
        if let Some(next) = answer.refresh_token {
            *refresh_token = Some(Sensitive::new(next));
        }
        Ok(AccessToken {
            token: Sensitive::new(answer.access_token),
            expires_in: Duration::from_secs(answer.expires_in),
        })
    }
}

fn parse_token(body: &str, url: &str) -> Result<TokenAnswer, AdapterError> {
    serde_json::from_str(body).map_err(|_| {
        provider(format!(
            "the token answer of {url} is not a token: is the authority an Entra ID authority?"
        ))
    })
}

fn provider(message: String) -> AdapterError {
    AdapterError::Provider {
        provider: AdapterKind::Azure,
        message,
        source: None,
    }
}

#[derive(Deserialize)]
struct DeviceCodeAnswer {
    device_code: String,
    user_code: String,
    verification_uri: String,
    expires_in: u64,
    interval: Option<u64>,
    message: Option<String>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: u64,
    refresh_token: Option<String>,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error: String,
    error_description: Option<String>,
}
