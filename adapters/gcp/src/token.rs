//! Tokens for a service account: the OAuth2 JWT bearer grant
//! (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`) at the key file's `token_uri`.
//! An assertion with a `scope` claim gets an access token for Google's APIs; one with a
//! `target_audience` claim gets a Google-signed ID token for that audience, which is what a
//! private Cloud Function's URL accepts.

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
        Self::from_key_file(&format!("account `{name}`"), key_json)
    }

    /// A service-account key file's text (from the keychain or an application-default
    /// credentials file). `who` names it in messages: "account `ci`", "the application-default
    /// credentials in /home/me/key.json".
    pub fn from_key_file(who: &str, key_json: &Sensitive<String>) -> Result<Self, AdapterError> {
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
                    "the key of {who} is not a service-account key file: add the account again with the JSON key from the Google Cloud console"
                ),
            })?;
        Ok(Self {
            account: who.to_owned(),
            client_email: file.client_email,
            private_key_id: file.private_key_id,
            private_key: file.private_key,
            token_uri: file
                .token_uri
                .filter(|uri| !uri.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_TOKEN_URI.to_owned()),
        })
    }

    /// Who the key signs in as, for messages ("account `ci`").
    pub fn who(&self) -> &str {
        &self.account
    }

    pub fn token_uri(&self) -> &str {
        &self.token_uri
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

/// A Google-signed OpenID Connect ID token for one audience (a function's URL); as secret as
/// an access token while it lasts.
#[derive(Debug)]
pub struct IdToken {
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

/// The claims of an assertion asking for an ID token: `target_audience` instead of `scope`.
#[derive(Debug, Serialize)]
struct IdClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    target_audience: &'a str,
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

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
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

    pub fn key(&self) -> &ServiceAccountKey {
        &self.key
    }

    fn signing_key(&self) -> Result<EncodingKey, AdapterError> {
        let who = &self.key.account;
        EncodingKey::from_rsa_pem(self.key.private_key.expose().as_bytes()).map_err(|_| {
            AdapterError::InvalidRequest {
                message: format!(
                    "the private key in the key file of {who} is not an RSA key in PEM form: add the account again with the JSON key from the Google Cloud console"
                ),
            }
        })
    }

    fn sign(&self, claims: &impl Serialize) -> Result<Sensitive<String>, AdapterError> {
        let signing_key = self.signing_key()?;
        let mut header = Header::new(Algorithm::RS256);
        header.kid = self.key.private_key_id.clone();
        jsonwebtoken::encode(&header, claims, &signing_key)
            .map(Sensitive::new)
            .map_err(|error| AdapterError::InvalidRequest {
                message: format!(
                    "could not sign the assertion of {} with its key ({error}): add the account again with a fresh key",
                    self.key.account
                ),
            })
    }

    /// The signed assertion for a request made at `now` (seconds since the epoch). Its `aud`
    /// is the endpoint it is sent to, as Google requires.
    pub fn assertion(&self, now: u64) -> Result<Sensitive<String>, AdapterError> {
        self.sign(&Claims {
            iss: &self.key.client_email,
            scope: &self.scope,
            aud: &self.token_uri,
            iat: now,
            exp: now + ASSERTION_LIFETIME.as_secs(),
        })
    }

    /// The signed assertion asking for an ID token whose audience is `audience`.
    pub fn id_assertion(
        &self,
        audience: &str,
        now: u64,
    ) -> Result<Sensitive<String>, AdapterError> {
        self.sign(&IdClaims {
            iss: &self.key.client_email,
            sub: &self.key.client_email,
            target_audience: audience,
            aud: &self.token_uri,
            iat: now,
            exp: now + ASSERTION_LIFETIME.as_secs(),
        })
    }

    /// Exchanges a fresh assertion for an access token.
    pub async fn request_token(&self) -> Result<AccessToken, AdapterError> {
        check_transport(&self.token_uri, &self.key.account)?;
        let assertion = self.assertion(now_s())?;
        let body = self.exchange(&assertion).await?;
        #[derive(Deserialize)]
        struct TokenAnswer {
            access_token: Sensitive<String>,
            expires_in: Option<u64>,
        }
        let answer: TokenAnswer =
            serde_json::from_str(&body).map_err(|_| self.not_a_token("an access token"))?;
        Ok(AccessToken {
            token: answer.access_token,
            expires_in: Duration::from_secs(answer.expires_in.unwrap_or(3600)),
        })
    }

    /// Exchanges a fresh assertion with `target_audience` for a Google-signed ID token.
    pub async fn request_id_token(&self, audience: &str) -> Result<IdToken, AdapterError> {
        check_transport(&self.token_uri, &self.key.account)?;
        let assertion = self.id_assertion(audience, now_s())?;
        let body = self.exchange(&assertion).await?;
        #[derive(Deserialize)]
        struct IdAnswer {
            id_token: Sensitive<String>,
        }
        let answer: IdAnswer =
            serde_json::from_str(&body).map_err(|_| self.not_a_token("an ID token"))?;
        let expires_in = id_token_lifetime(answer.id_token.expose(), now_s());
        Ok(IdToken {
            token: answer.id_token,
            expires_in,
        })
    }

    /// Posts an assertion; the answer's body when Google took it.
    async fn exchange(&self, assertion: &Sensitive<String>) -> Result<String, AdapterError> {
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
            Ok(body)
        } else {
            Err(self.refusal(status.as_u16(), &body))
        }
    }

    fn not_a_token(&self, what: &str) -> AdapterError {
        AdapterError::Provider {
            provider: AdapterKind::Gcp,
            message: format!(
                "the answer of {} for {} is not {what}: is the key's token_uri Google's token endpoint?",
                self.token_uri, self.key.account
            ),
            source: None,
        }
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
                "the token request of {} to {} {what} ({}): check the network connection",
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
        let who = &self.key.account;
        let email = &self.key.client_email;
        let Ok(answer) = serde_json::from_str::<ErrorAnswer>(body) else {
            return non_oauth_answer(
                who,
                status,
                &self.token_uri,
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
                "Google does not accept the key of {who} ({said}): the key was deleted or disabled under IAM → Service accounts → {email} → Keys; create a new key and add the account again"
            ),
            "invalid_grant" if lower.contains("account not found") => format!(
                "service account {email} of {who} does not exist, or is disabled ({said}): check it under IAM → Service accounts, or use another key"
            ),
            "invalid_grant" if lower.contains("disabled") => format!(
                "service account {email} of {who} is disabled ({said}): enable it under IAM → Service accounts, or use another"
            ),
            "invalid_grant"
                if lower.contains("iat")
                    || lower.contains("exp")
                    || lower.contains("timeframe") =>
            {
                format!(
                    "Google refused the assertion of {who} as outside its validity window ({said}): this computer's clock is probably wrong; correct it (enable NTP) and try again"
                )
            }
            "invalid_scope" => format!(
                "Google refused the scope or audience asked for {who} ({said}): the scope was `{}`",
                self.scope
            ),
            _ => format!("the token request of {who} was refused ({said})"),
        };
        oauth_error_kind(&answer.error, status, message)
    }
}

/// The kind of an OAuth error answer: a request Functory got wrong, throttling, an outage, or
/// (most often) credentials Google no longer accepts.
pub(crate) fn oauth_error_kind(error: &str, status: u16, message: String) -> AdapterError {
    match (error, status) {
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

/// A token endpoint's answer that is not an OAuth error body (a proxy's page, a wrong
/// endpoint, an outage). `who` is "account `ci`" or the credentials file.
pub(crate) fn non_oauth_answer(
    who: &str,
    status: u16,
    endpoint: &str,
    endpoint_hint: &str,
) -> AdapterError {
    // The shared helper words it for a keychain account's name.
    if let Some(name) = who
        .strip_prefix("account `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        return functory_adapter::oauth::non_oauth_answer(
            AdapterKind::Gcp,
            name,
            status,
            endpoint,
            "Google is having trouble; try again in a moment",
            endpoint_hint,
        );
    }
    let hint = if status >= 500 {
        "Google is having trouble; try again in a moment"
    } else {
        endpoint_hint
    };
    let message = format!(
        "the token request of {who} got HTTP {status} from {endpoint} without an OAuth error: {hint}"
    );
    if status == 429 {
        AdapterError::Throttled { message }
    } else {
        AdapterError::Provider {
            provider: AdapterKind::Gcp,
            message,
            source: None,
        }
    }
}

/// How long an ID token lasts, from its `exp` claim (read, not verified: Google signed it and
/// only the function checks it). An unreadable token is taken to last Google's usual hour.
pub(crate) fn id_token_lifetime(token: &str, now: u64) -> Duration {
    use base64::Engine;
    let exp = token
        .split('.')
        .nth(1)
        .and_then(|claims| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(claims.trim_end_matches('='))
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|claims| claims.get("exp").and_then(serde_json::Value::as_u64));
    match exp {
        Some(exp) => Duration::from_secs(exp.saturating_sub(now)),
        None => Duration::from_secs(3600),
    }
}

/// An assertion is a bearer credential for an hour: it goes over HTTPS, or to a loopback fake.
pub(crate) fn check_transport(token_uri: &str, who: &str) -> Result<(), AdapterError> {
    if is_secure_url(token_uri) {
        return Ok(());
    }
    let message = if reqwest::Url::parse(token_uri).is_err() {
        format!("the token_uri `{token_uri}` of {who} is not a URL")
    } else {
        format!(
            "the token_uri `{token_uri}` of {who} is not HTTPS: credentials are only sent over HTTPS (or to a loopback test server)"
        )
    };
    Err(AdapterError::InvalidRequest { message })
}

/// HTTPS, or plain HTTP to this machine's loopback (where the tests' fakes listen).
pub(crate) fn is_secure_url(text: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(text) else {
        return false;
    };
    let loopback = matches!(
        url.host_str(),
        Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
    );
    url.scheme() == "https" || (url.scheme() == "http" && loopback)
}

pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
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
        assert!(id_token_lifetime("not-a-jwt", 0) == Duration::from_secs(3600));
        assert!(check_transport("http://127.0.0.1:8080/token", "a").is_ok());
        assert!(check_transport("http://oauth2.example.com/token", "a").is_err());
        assert!(check_transport("token", "a").is_err());
    }
}
