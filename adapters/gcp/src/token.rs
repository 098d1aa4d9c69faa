//! Access tokens for a service account: the OAuth2 JWT bearer grant
//! (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`) at the key file's `token_uri`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use functory_adapter::AdapterError;
use functory_core::AdapterKind;
use functory_vault::{Account, AccountDetails, AccountSecrets, Sensitive};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};

/// Where keys without a `token_uri` exchange their assertions.
pub const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
/// Every Google Cloud API, limited by the service account's IAM roles.
pub const CLOUD_PLATFORM_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
/// Google accepts assertions valid for at most an hour.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(3600);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The parts of a service-account key file that sign-in needs.
#[derive(Debug, Clone)]
pub struct ServiceAccountKey {
    account: String,
    client_email: String,
    private_key_id: Option<String>,
    private_key: Sensitive<String>,
    token_uri: String,
}

impl ServiceAccountKey {
    /// The key file of a vault account; an AWS or Azure account is refused.
    pub fn from_account(account: &Account) -> Result<Self, AdapterError> {
        let name = &account.summary.name;
        let (
            AccountDetails::GcpServiceAccount { .. },
            AccountSecrets::GcpServiceAccount { key_json },
        ) = (&account.summary.details, &account.secrets)
        else {
            return Err(AdapterError::InvalidRequest {
                message: format!(
                    "account `{name}` is not a Google service account: choose a Google account"
                ),
            });
        };
        #[derive(Deserialize)]
        struct KeyFile {
            client_email: String,
            private_key_id: Option<String>,
            private_key: Sensitive<String>,
            token_uri: Option<String>,
        }
        // The parser's message could quote the key, so it is not passed on.
        let file: KeyFile =
            serde_json::from_str(key_json.expose()).map_err(|_| AdapterError::InvalidRequest {
                message: format!(
                    "the key of account `{name}` is not a service-account key file: add the account again with the JSON key from the Google Cloud console"
                ),
            })?;
        Ok(Self {
            account: name.clone(),
            client_email: file.client_email,
            private_key_id: file.private_key_id,
            private_key: file.private_key,
            token_uri: file
                .token_uri
                .filter(|uri| !uri.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_TOKEN_URI.to_owned()),
        })
    }

    pub fn client_email(&self) -> &str {
        &self.client_email
    }
}

/// An access token; as secret as the key that obtained it.
#[derive(Debug)]
pub struct AccessToken {
    pub token: Sensitive<String>,
    pub expires_in: Duration,
}

/// The claims Google's token endpoint expects of a service account's assertion.
#[derive(Debug, Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

/// The JWT bearer token request of one service-account key.
#[derive(Debug, Clone)]
pub struct JwtBearer {
    key: ServiceAccountKey,
    token_uri: String,
    scope: String,
    http: reqwest::Client,
}

impl JwtBearer {
    /// For every Cloud API, at the key file's `token_uri`.
    pub fn new(key: ServiceAccountKey) -> Self {
        let token_uri = key.token_uri.clone();
        Self {
            key,
            token_uri,
            scope: CLOUD_PLATFORM_SCOPE.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// Another token endpoint than the key file's (a fake in tests).
    pub fn token_uri(mut self, uri: impl Into<String>) -> Self {
        self.token_uri = uri.into();
        self
    }

    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// The signed assertion for a request made at `now` (seconds since the epoch). Its `aud`
    /// is the endpoint it is sent to, as Google requires.
    pub fn assertion(&self, now: u64) -> Result<Sensitive<String>, AdapterError> {
        let account = &self.key.account;
        let signing_key = EncodingKey::from_rsa_pem(self.key.private_key.expose().as_bytes())
            .map_err(|_| AdapterError::InvalidRequest {
                message: format!(
                    "the private key in the key file of account `{account}` is not an RSA key in PEM form: add the account again with the JSON key from the Google Cloud console"
                ),
            })?;
        let mut header = Header::new(Algorithm::RS256);
        header.kid = self.key.private_key_id.clone();
        let claims = Claims {
            iss: &self.key.client_email,
            scope: &self.scope,
            aud: &self.token_uri,
            iat: now,
            exp: now + ASSERTION_LIFETIME.as_secs(),
        };
        jsonwebtoken::encode(&header, &claims, &signing_key)
            .map(Sensitive::new)
            .map_err(|error| AdapterError::InvalidRequest {
                message: format!(
                    "could not sign the assertion of account `{account}` with its key ({error}): add the account again with a fresh key"
                ),
            })
    }

    /// Exchanges a fresh assertion for an access token.
    pub async fn request_token(&self) -> Result<AccessToken, AdapterError> {
        check_transport(&self.token_uri, &self.key.account)?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let assertion = self.assertion(now)?;
        let response = self
            .http
            .post(&self.token_uri)
            .timeout(REQUEST_TIMEOUT)
            .form(&[
                ("grant_type", JWT_BEARER_GRANT),
                ("assertion", assertion.expose().as_str()),
            ])
            .send()
            .await
            .map_err(|error| self.unreachable(&error))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|error| self.unreachable(&error))?;
        if status.is_success() {
            #[derive(Deserialize)]
            struct TokenAnswer {
                access_token: String,
                expires_in: Option<u64>,
            }
            let answer: TokenAnswer =
                serde_json::from_str(&body).map_err(|_| AdapterError::Provider {
                    provider: AdapterKind::Gcp,
                    message: format!(
                        "the answer of {} for account `{}` is not a token (HTTP {status}): is the key's token_uri Google's token endpoint?",
                        self.token_uri, self.key.account
                    ),
                    source: None,
                })?;
            return Ok(AccessToken {
                token: Sensitive::new(answer.access_token),
                expires_in: Duration::from_secs(answer.expires_in.unwrap_or(3600)),
            });
        }
        Err(self.refusal(status.as_u16(), &body))
    }

    fn unreachable(&self, error: &reqwest::Error) -> AdapterError {
        let what = if error.is_timeout() {
            "timed out"
        } else {
            "failed"
        };
        AdapterError::Provider {
            provider: AdapterKind::Gcp,
            message: format!(
                "the token request of account `{}` to {} {what} ({}): check the network connection",
                self.key.account,
                self.token_uri,
                error_chain(error)
            ),
            source: None,
        }
    }

    /// Google's error answers: `{"error": "invalid_grant", "error_description": "…"}`.
    fn refusal(&self, status: u16, body: &str) -> AdapterError {
        #[derive(Deserialize)]
        struct ErrorAnswer {
            error: String,
            error_description: Option<String>,
        }
        let account = &self.key.account;
        let email = &self.key.client_email;
        let Ok(answer) = serde_json::from_str::<ErrorAnswer>(body) else {
            return functory_adapter::oauth::non_oauth_answer(
                AdapterKind::Gcp,
                account,
                status,
                &self.token_uri.to_string(),
                "Google is having trouble; try again in a moment",
                "is the key's token_uri Google's token endpoint?",
            );
        };
        let description = answer.error_description.unwrap_or_default();
        let said = if description.is_empty() {
            answer.error.clone()
        } else {
            format!("{}: {description}", answer.error)
        };
        let lower = description.to_ascii_lowercase();
        let message = match answer.error.as_str() {
            "invalid_grant" if lower.contains("invalid jwt signature") => format!(
                "Google does not accept the key of account `{account}` ({said}): the key was deleted or disabled under IAM → Service accounts → {email} → Keys; create a new key and add the account again"
            ),
            "invalid_grant" if lower.contains("account not found") => format!(
                "service account {email} of account `{account}` does not exist, or is disabled ({said}): check it under IAM → Service accounts, or use another key"
            ),
            "invalid_grant" if lower.contains("disabled") => format!(
                "service account {email} of account `{account}` is disabled ({said}): enable it under IAM → Service accounts, or use another"
            ),
            "invalid_grant"
                if lower.contains("iat")
                    || lower.contains("exp")
                    || lower.contains("timeframe") =>
            {
                format!(
                    "Google refused the assertion of account `{account}` as outside its validity window ({said}): this computer's clock is probably wrong; correct it (enable NTP) and try again"
                )
            }
            "invalid_scope" => format!(
                "Google refused the scope asked for account `{account}` ({said}): the scope was `{}`",
                self.scope
            ),
            _ => format!("the token request of account `{account}` was refused ({said})"),
        };
        match (answer.error.as_str(), status) {
            ("invalid_scope" | "invalid_request" | "unsupported_grant_type", _) => {
                AdapterError::InvalidRequest { message }
            }
            (_, 429) => AdapterError::Throttled { message },
            (_, 500..) => AdapterError::Provider {
                provider: AdapterKind::Gcp,
                message,
                source: None,
            },
            _ => AdapterError::Unauthenticated { message },
        }
    }
}

/// An assertion is a bearer credential for an hour: it goes over HTTPS, or to a loopback fake.
fn check_transport(token_uri: &str, account: &str) -> Result<(), AdapterError> {
    let url = reqwest::Url::parse(token_uri).map_err(|_| AdapterError::InvalidRequest {
        message: format!(
            "the token_uri `{token_uri}` in the key of account `{account}` is not a URL"
        ),
    })?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if url.scheme() == "https" || (url.scheme() == "http" && loopback) {
        Ok(())
    } else {
        Err(AdapterError::InvalidRequest {
            message: format!(
                "the token_uri `{token_uri}` in the key of account `{account}` is not HTTPS: an assertion is only sent over HTTPS (or to a loopback test server)"
            ),
        })
    }
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut next = error.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = cause.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use functory_vault::GcpServiceAccount;

    fn account(key_json: &str) -> Account {
        Account::gcp(
            "gcp-ci",
            GcpServiceAccount {
                key_json: key_json.into(),
            },
        )
        .expect("a key file the vault accepts")
    }

    #[test]
    fn a_key_without_token_uri_uses_googles_and_a_broken_key_is_explained() {
        let broken = account(
            r#"{"type":"service_account","project_id":"demo","client_email":"ci@demo.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nMIIE-SECRETBITS\n-----END PRIVATE KEY-----\n"}"#,
        );
        let key = ServiceAccountKey::from_account(&broken).unwrap();
        assert_eq!(key.token_uri, DEFAULT_TOKEN_URI);
        let error = JwtBearer::new(key).assertion(1_700_000_000).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("not an RSA key in PEM form"), "{text}");
        assert!(!text.contains("SECRETBITS"), "{text}");
    }

    #[test]
    fn a_refused_timeframe_points_at_the_clock() {
        let key = ServiceAccountKey::from_account(&account(
            r#"{"type":"service_account","project_id":"demo","client_email":"ci@demo.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"}"#,
        ))
        .unwrap();
        let error = JwtBearer::new(key).refusal(
            400,
            r#"{"error":"invalid_grant","error_description":"Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."}"#,
        );
        assert!(
            matches!(&error, AdapterError::Unauthenticated { message } if message.contains("this computer's clock is probably wrong")),
            "{error}"
        );
    }

    #[test]
    fn plain_http_is_only_for_loopback() {
        assert!(check_transport("https://oauth2.googleapis.com/token", "a").is_ok());
        assert!(check_transport("http://127.0.0.1:8080/token", "a").is_ok());
        assert!(check_transport("http://oauth2.example.com/token", "a").is_err());
        assert!(check_transport("token", "a").is_err());
    }
}
