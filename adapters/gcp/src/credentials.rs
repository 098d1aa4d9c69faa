//! What signs in to Google: a service-account key from the OS keychain, or the user's
//! application-default credentials (ADC) — the file `gcloud auth application-default login`
//! writes, or the key file `GOOGLE_APPLICATION_CREDENTIALS` names.
//!
//! Both kinds give access tokens for the Cloud APIs and ID tokens for a function's URL:
//! a service account through the JWT bearer grant ([`JwtBearer`]), a user through the OAuth2
//! refresh-token grant, whose answer carries an ID token next to the access token (the
//! "generic" ID token Cloud Run accepts from users for development). [`TokenCache`] keeps each
//! token until shortly before it expires, so a deploy's dozens of calls sign in once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use functory_adapter::AdapterError;
use functory_core::AdapterKind;
use functory_vault::{Account, Sensitive};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::token::{
    AccessToken, DEFAULT_TOKEN_URI, IdToken, JwtBearer, ServiceAccountKey, check_transport,
    error_chain, id_token_lifetime, non_oauth_answer, oauth_error_kind,
};

/// The environment variable naming a credentials file, as every Google client library reads it.
pub const CREDENTIALS_ENV: &str = "GOOGLE_APPLICATION_CREDENTIALS";
/// gcloud's configuration folder, when not the default one.
pub const GCLOUD_CONFIG_ENV: &str = "CLOUDSDK_CONFIG";
const ADC_FILE: &str = "application_default_credentials.json";
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// A token this close to expiry is replaced before use: a deploy's calls may take that long.
const EXPIRY_MARGIN: Duration = Duration::from_secs(120);

/// A user's refresh token from `gcloud auth application-default login`.
#[derive(Debug, Clone)]
struct AuthorizedUser {
    client_id: String,
    client_secret: Sensitive<String>,
    refresh_token: Sensitive<String>,
    token_uri: String,
    quota_project_id: Option<String>,
}

#[derive(Debug, Clone)]
enum Kind {
    ServiceAccount(JwtBearer),
    AuthorizedUser(AuthorizedUser),
}

/// Credentials for Google: what signs in, and how messages name it.
#[derive(Debug, Clone)]
pub struct GoogleCredentials {
    kind: Kind,
    who: String,
    http: reqwest::Client,
}

impl GoogleCredentials {
    /// A service-account key kept in the OS keychain.
    pub fn keychain(account: &Account) -> Result<Self, AdapterError> {
        let key = ServiceAccountKey::from_account(account)?;
        Ok(Self::service_account(key))
    }

    /// A service-account key, however it was read.
    pub fn service_account(key: ServiceAccountKey) -> Self {
        GoogleCredentials {
            who: key.who().to_owned(),
            kind: Kind::ServiceAccount(JwtBearer::new(key)),
            http: reqwest::Client::new(),
        }
    }

    /// The application-default credentials: the file `GOOGLE_APPLICATION_CREDENTIALS` names,
    /// else gcloud's `application_default_credentials.json` (in `CLOUDSDK_CONFIG`, or
    /// `~/.config/gcloud`, or `%APPDATA%\gcloud` on Windows).
    pub fn application_default() -> Result<Self, AdapterError> {
        if let Some(path) = std::env::var_os(CREDENTIALS_ENV).filter(|p| !p.is_empty()) {
            return Self::from_file(Path::new(&path)).map_err(|error| match error {
                AdapterError::NotFound { .. } => AdapterError::InvalidRequest {
                    message: format!(
                        "{CREDENTIALS_ENV} names {}, which does not exist: point it at a key file, or unset it to use `gcloud auth application-default login`",
                        PathBuf::from(&path).display()
                    ),
                },
                other => other,
            });
        }
        let Some(path) = default_adc_path() else {
            return Err(no_adc());
        };
        Self::from_file(&path).map_err(|error| match error {
            AdapterError::NotFound { .. } => no_adc(),
            other => other,
        })
    }

    /// A credentials file: `authorized_user` (gcloud's ADC) or `service_account` (a key file).
    pub fn from_file(path: &Path) -> Result<Self, AdapterError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => Sensitive::new(text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(AdapterError::not_found(format!(
                    "credentials file {}",
                    path.display()
                )));
            }
            Err(error) => {
                return Err(AdapterError::InvalidRequest {
                    message: format!(
                        "could not read the credentials file {}: {error}",
                        path.display()
                    ),
                });
            }
        };
        Self::from_json(
            &format!("the application-default credentials in {}", path.display()),
            &text,
        )
    }

    /// The text of a credentials file; `who` names it in messages.
    pub fn from_json(who: &str, text: &Sensitive<String>) -> Result<Self, AdapterError> {
        #[derive(Deserialize)]
        struct Head {
            #[serde(rename = "type")]
            kind: Option<String>,
        }
        // Parser messages could quote the file's secrets, so they are not passed on.
        let head: Head = serde_json::from_str(text.expose()).map_err(|_| {
            AdapterError::InvalidRequest {
                message: format!(
                    "{who} is not a credentials file (not JSON): run `gcloud auth application-default login` again, or point {CREDENTIALS_ENV} at a service-account key file"
                ),
            }
        })?;
        match head.kind.as_deref() {
            Some("service_account") => Ok(Self::service_account(ServiceAccountKey::from_key_file(
                who, text,
            )?)),
            Some("authorized_user") => {
                #[derive(Deserialize)]
                struct File {
                    client_id: String,
                    client_secret: Sensitive<String>,
                    refresh_token: Sensitive<String>,
                    token_uri: Option<String>,
                    quota_project_id: Option<String>,
                    account: Option<String>,
                }
                let file: File = serde_json::from_str(text.expose()).map_err(|_| {
                    AdapterError::InvalidRequest {
                        message: format!(
                            "{who} lacks the client id, client secret or refresh token of a user sign-in: run `gcloud auth application-default login` again"
                        ),
                    }
                })?;
                let who = match file.account.filter(|a| !a.is_empty()) {
                    Some(email) => format!("{who} ({email})"),
                    None => who.to_owned(),
                };
                Ok(GoogleCredentials {
                    kind: Kind::AuthorizedUser(AuthorizedUser {
                        client_id: file.client_id,
                        client_secret: file.client_secret,
                        refresh_token: file.refresh_token,
                        token_uri: file
                            .token_uri
                            .filter(|u| !u.trim().is_empty())
                            .unwrap_or_else(|| DEFAULT_TOKEN_URI.to_owned()),
                        quota_project_id: file.quota_project_id.filter(|q| !q.is_empty()),
                    }),
                    who,
                    http: reqwest::Client::new(),
                })
            }
            Some(other) => Err(AdapterError::InvalidRequest {
                message: format!(
                    "{who} holds `{other}` credentials, which Functory cannot use yet: use a service-account key, or `gcloud auth application-default login`"
                ),
            }),
            None => Err(AdapterError::InvalidRequest {
                message: format!(
                    "{who} has no `type`: expected `authorized_user` (from `gcloud auth application-default login`) or `service_account` (a key file)"
                ),
            }),
        }
    }

    /// Another token endpoint than the credentials' own (a fake in tests).
    pub fn token_uri(mut self, uri: impl Into<String>) -> Self {
        let uri = uri.into();
        self.kind = match self.kind {
            Kind::ServiceAccount(bearer) => Kind::ServiceAccount(bearer.token_uri(uri)),
            Kind::AuthorizedUser(mut user) => {
                user.token_uri = uri;
                Kind::AuthorizedUser(user)
            }
        };
        self
    }

    /// How messages name these credentials ("account `ci`", "the application-default
    /// credentials in …").
    pub fn who(&self) -> &str {
        &self.who
    }

    /// The service account's email, for a key; `None` for a user's sign-in.
    pub fn client_email(&self) -> Option<&str> {
        match &self.kind {
            Kind::ServiceAccount(bearer) => Some(bearer.key().client_email()),
            Kind::AuthorizedUser(_) => None,
        }
    }

    /// The project a user's sign-in bills API quota to (`x-goog-user-project`), if set.
    pub fn quota_project(&self) -> Option<&str> {
        match &self.kind {
            Kind::ServiceAccount(_) => None,
            Kind::AuthorizedUser(user) => user.quota_project_id.as_deref(),
        }
    }

    /// A fresh access token for the Cloud APIs.
    pub async fn access_token(&self) -> Result<AccessToken, AdapterError> {
        match &self.kind {
            Kind::ServiceAccount(bearer) => bearer.request_token().await,
            Kind::AuthorizedUser(user) => {
                let answer = self.refresh(user).await?;
                Ok(AccessToken {
                    token: answer.access_token,
                    expires_in: Duration::from_secs(answer.expires_in.unwrap_or(3600)),
                })
            }
        }
    }

    /// A fresh ID token for `audience` (a function's URL).
    pub async fn id_token(&self, audience: &str) -> Result<IdToken, AdapterError> {
        match &self.kind {
            Kind::ServiceAccount(bearer) => bearer.request_id_token(audience).await,
            Kind::AuthorizedUser(user) => {
                let answer = self.refresh(user).await?;
                let Some(token) = answer.id_token else {
                    return Err(AdapterError::Unauthenticated {
                        message: format!(
                            "the sign-in of {} gives no ID token (it was made without the `openid` scope), so it cannot call a private function: run `gcloud auth application-default login` again",
                            self.who
                        ),
                    });
                };
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or_default();
                let expires_in = id_token_lifetime(token.expose(), now);
                Ok(IdToken { token, expires_in })
            }
        }
    }

    /// The refresh-token grant of a user's sign-in.
    async fn refresh(&self, user: &AuthorizedUser) -> Result<RefreshAnswer, AdapterError> {
        let who = &self.who;
        check_transport(&user.token_uri, who)?;
        let response = self
            .http
            .post(&user.token_uri)
            .timeout(REQUEST_TIMEOUT)
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", user.client_id.as_str()),
                ("client_secret", user.client_secret.expose().as_str()),
                ("refresh_token", user.refresh_token.expose().as_str()),
            ])
            .send()
            .await
            .map_err(|error| unreachable(who, &user.token_uri, &error))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|error| unreachable(who, &user.token_uri, &error))?;
        if status.is_success() {
            return serde_json::from_str(&body).map_err(|_| AdapterError::Provider {
                provider: AdapterKind::Gcp,
                message: format!(
                    "the answer of {} for {who} is not a token (HTTP {status}): is the token_uri Google's token endpoint?",
                    user.token_uri
                ),
                source: None,
            });
        }
        #[derive(Deserialize)]
        struct ErrorAnswer {
            error: String,
            error_description: Option<String>,
        }
        let Ok(answer) = serde_json::from_str::<ErrorAnswer>(&body) else {
            return Err(non_oauth_answer(
                who,
                status.as_u16(),
                &user.token_uri,
                "is the token_uri Google's token endpoint?",
            ));
        };
        let said = match &answer.error_description {
            Some(d) if !d.is_empty() => format!("{}: {d}", answer.error),
            _ => answer.error.clone(),
        };
        let message = match answer.error.as_str() {
            "invalid_grant" => format!(
                "Google no longer accepts the sign-in of {who} ({said}): it expired or was revoked; run `gcloud auth application-default login` again"
            ),
            "invalid_client" | "unauthorized_client" => format!(
                "Google does not know the OAuth client of {who} ({said}): run `gcloud auth application-default login` again"
            ),
            _ => format!("the token request of {who} was refused ({said})"),
        };
        Err(oauth_error_kind(&answer.error, status.as_u16(), message))
    }
}

#[derive(Deserialize)]
struct RefreshAnswer {
    access_token: Sensitive<String>,
    expires_in: Option<u64>,
    id_token: Option<Sensitive<String>>,
}

fn unreachable(who: &str, uri: &str, error: &reqwest::Error) -> AdapterError {
    let what = if error.is_timeout() {
        "timed out"
    } else {
        "failed"
    };
    AdapterError::Provider {
        provider: AdapterKind::Gcp,
        message: format!(
            "the token request of {who} to {uri} {what} ({}): check the network connection",
            error_chain(error)
        ),
        source: None,
    }
}

fn no_adc() -> AdapterError {
    AdapterError::Unauthenticated {
        message: format!(
            "there are no application-default credentials: run `gcloud auth application-default login`, set {CREDENTIALS_ENV} to a service-account key file, or choose a keychain account for the target"
        ),
    }
}

/// Where gcloud writes the application-default credentials.
fn default_adc_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(GCLOUD_CONFIG_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join(ADC_FILE));
    }
    if cfg!(windows) {
        return std::env::var_os("APPDATA").map(|d| PathBuf::from(d).join("gcloud").join(ADC_FILE));
    }
    std::env::var_os("HOME").map(|home| {
        PathBuf::from(home)
            .join(".config")
            .join("gcloud")
            .join(ADC_FILE)
    })
}

/// A token and when to stop using it.
#[derive(Debug)]
struct Cached {
    token: Sensitive<String>,
    renew_at: Instant,
}

impl Cached {
    fn new(token: Sensitive<String>, lasts: Duration) -> Self {
        Cached {
            token,
            renew_at: Instant::now() + lasts.saturating_sub(EXPIRY_MARGIN),
        }
    }

    fn fresh(&self) -> Option<Sensitive<String>> {
        (Instant::now() < self.renew_at).then(|| self.token.clone())
    }
}

/// The tokens of one sign-in, each kept until shortly before it expires. Cloning shares them.
#[derive(Debug, Clone)]
pub struct TokenCache {
    credentials: GoogleCredentials,
    access: Arc<Mutex<Option<Cached>>>,
    ids: Arc<Mutex<HashMap<String, Cached>>>,
}

impl TokenCache {
    pub fn new(credentials: GoogleCredentials) -> Self {
        TokenCache {
            credentials,
            access: Arc::default(),
            ids: Arc::default(),
        }
    }

    pub fn credentials(&self) -> &GoogleCredentials {
        &self.credentials
    }

    /// An access token, from the cache while it lasts. The lock is held while signing in, so
    /// concurrent calls share one token request.
    pub async fn access_token(&self) -> Result<Sensitive<String>, AdapterError> {
        let mut slot = self.access.lock().await;
        if let Some(token) = slot.as_ref().and_then(Cached::fresh) {
            return Ok(token);
        }
        let fresh = self.credentials.access_token().await?;
        let token = fresh.token.clone();
        *slot = Some(Cached::new(fresh.token, fresh.expires_in));
        Ok(token)
    }

    /// An ID token for `audience`, from the cache while it lasts.
    pub async fn id_token(&self, audience: &str) -> Result<Sensitive<String>, AdapterError> {
        let mut ids = self.ids.lock().await;
        if let Some(token) = ids.get(audience).and_then(Cached::fresh) {
            return Ok(token);
        }
        let fresh = self.credentials.id_token(audience).await?;
        let token = fresh.token.clone();
        ids.insert(
            audience.to_owned(),
            Cached::new(fresh.token, fresh.expires_in),
        );
        Ok(token)
    }

    /// Forgets the access token (Google refused it: revoked, or the clock jumped).
    pub async fn forget_access_token(&self) {
        *self.access.lock().await = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_files_are_read_by_kind_and_never_quoted() {
        let user = GoogleCredentials::from_json(
            "the test file",
            &Sensitive::from(
                r#"{"type":"authorized_user","client_id":"764086051850-x.apps.googleusercontent.com","client_secret":"d-SECRET","refresh_token":"1//REFRESH","account":"me@example.com","quota_project_id":"demo"}"#,
            ),
        )
        .unwrap();
        assert_eq!(user.who(), "the test file (me@example.com)");
        assert_eq!(user.client_email(), None);
        assert_eq!(user.quota_project(), Some("demo"));
        let shown = format!("{user:?}");
        assert!(
            !shown.contains("d-SECRET") && !shown.contains("REFRESH"),
            "{shown}"
        );

        let error = GoogleCredentials::from_json(
            "the test file",
            &Sensitive::from(r#"{"type":"external_account","audience":"x"}"#),
        )
        .unwrap_err();
        assert!(error.to_string().contains("`external_account`"), "{error}");

        let error = GoogleCredentials::from_json(
            "the test file",
            &Sensitive::from(r#"{"type":"authorized_user","client_secret":"d-SECRET"}"#),
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("application-default login")
                && !error.to_string().contains("d-SECRET"),
            "{error}"
        );
        let error =
            GoogleCredentials::from_json("the test file", &Sensitive::from("{not json SECRET"))
                .unwrap_err();
        assert!(!error.to_string().contains("SECRET"), "{error}");
    }

    #[test]
    fn a_missing_file_is_not_found() {
        let error =
            GoogleCredentials::from_file(Path::new("/nonexistent/functory/adc.json")).unwrap_err();
        assert_eq!(error.code(), "not_found", "{error}");
    }
}
