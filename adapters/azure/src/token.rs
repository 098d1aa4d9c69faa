//! Access tokens for a service principal: the OAuth2 client-credentials grant of Microsoft
//! Entra ID (`POST {authority}/{tenant}/oauth2/v2.0/token`).

use std::time::Duration;

use functory_adapter::AdapterError;
use functory_core::AdapterKind;
use functory_vault::{Account, AccountDetails, AccountSecrets, Sensitive};
use serde::Deserialize;

/// The public cloud's authority; `AZURE_AUTHORITY_HOST` names another (sovereign clouds,
/// Azure Stack, tests).
pub const DEFAULT_AUTHORITY_HOST: &str = "https://login.microsoftonline.com/";
/// Azure Resource Manager, with whatever roles the principal was granted.
pub const MANAGEMENT_SCOPE: &str = "https://management.azure.com/.default";
/// A token request is one round trip; past this something is wrong with the network.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A service principal from the keychain: tenant, client (application) id, client secret.
#[derive(Debug, Clone)]
pub struct ServicePrincipal {
    account: String,
    tenant_id: String,
    client_id: String,
    client_secret: Sensitive<String>,
}

impl ServicePrincipal {
    /// The Azure half of a vault account; an AWS or Google account is refused.
    pub fn from_account(account: &Account) -> Result<Self, AdapterError> {
        let name = &account.summary.name;
        match (&account.summary.details, &account.secrets) {
            (
                AccountDetails::AzureServicePrincipal {
                    tenant_id,
                    client_id,
                    ..
                },
                AccountSecrets::AzureServicePrincipal { client_secret },
            ) => {
                // The tenant becomes a path segment of the token URL.
                if tenant_id.is_empty()
                    || !tenant_id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                {
                    return Err(AdapterError::InvalidRequest {
                        message: format!(
                            "the tenant of account `{name}` is `{tenant_id}`: a tenant is a GUID or a domain such as contoso.onmicrosoft.com"
                        ),
                    });
                }
                Ok(Self {
                    account: name.clone(),
                    tenant_id: tenant_id.clone(),
                    client_id: client_id.clone(),
                    client_secret: client_secret.clone(),
                })
            }
            _ => Err(AdapterError::InvalidRequest {
                message: format!(
                    "account `{name}` is not an Azure service principal: choose an Azure account"
                ),
            }),
        }
    }

    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The keychain account's name, as messages say it.
    pub fn account(&self) -> &str {
        &self.account
    }
}

/// An access token; the token itself is as secret as the client secret.
#[derive(Debug)]
pub struct AccessToken {
    pub token: Sensitive<String>,
    pub expires_in: Duration,
}

/// The client-credentials token request of one service principal.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    principal: ServicePrincipal,
    authority_host: String,
    scope: String,
    http: reqwest::Client,
}

impl ClientCredentials {
    /// For the management API, at `AZURE_AUTHORITY_HOST` or the public cloud's authority.
    pub fn new(principal: ServicePrincipal) -> Self {
        let authority_host = std::env::var("AZURE_AUTHORITY_HOST")
            .ok()
            .filter(|host| !host.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_AUTHORITY_HOST.to_owned());
        Self {
            principal,
            authority_host,
            scope: MANAGEMENT_SCOPE.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// Another authority (a sovereign cloud, a fake in tests), over `AZURE_AUTHORITY_HOST`.
    pub fn authority_host(mut self, url: impl Into<String>) -> Self {
        self.authority_host = url.into();
        self
    }

    /// The account whose principal signs in.
    pub fn account(&self) -> &str {
        &self.principal.account
    }

    /// Another resource's `.default` scope.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// `{authority}/{tenant}/oauth2/v2.0/token`, after checking the authority may be sent a
    /// secret: HTTPS, or plain HTTP to a loopback fake.
    pub fn token_url(&self) -> Result<String, AdapterError> {
        let host = checked_authority(&self.authority_host)?;
        Ok(format!(
            "{host}/{}/oauth2/v2.0/token",
            self.principal.tenant_id
        ))
    }

    /// Asks Entra ID for a token. Errors name the account and say what to fix.
    pub async fn request_token(&self) -> Result<AccessToken, AdapterError> {
        let url = self.token_url()?;
        let principal = &self.principal;
        let response = self
            .http
            .post(&url)
            .timeout(REQUEST_TIMEOUT)
            .form(&[
                ("client_id", principal.client_id.as_str()),
                ("client_secret", principal.client_secret.expose().as_str()),
                ("scope", self.scope.as_str()),
                ("grant_type", "client_credentials"),
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
            let answer: TokenAnswer =
                serde_json::from_str(&body).map_err(|_| AdapterError::Provider {
                    provider: AdapterKind::Azure,
                    message: format!(
                        "the token answer for account `{}` from {} is not a token (HTTP {status}): is AZURE_AUTHORITY_HOST an Entra ID authority?",
                        principal.account, self.authority_host
                    ),
                    source: None,
                })?;
            return Ok(AccessToken {
                token: Sensitive::new(answer.access_token),
                expires_in: Duration::from_secs(answer.expires_in.seconds()),
            });
        }
        Err(self.refusal(status.as_u16(), &body))
    }

    fn unreachable(&self, error: &reqwest::Error) -> AdapterError {
        // reqwest's text names the URL and the cause, never the form body.
        let what = if error.is_timeout() {
            "timed out"
        } else {
            "failed"
        };
        AdapterError::Provider {
            provider: AdapterKind::Azure,
            message: self.scrub(format!(
                "the token request of account `{}` to {} {what} ({}): check the network connection and AZURE_AUTHORITY_HOST",
                self.principal.account,
                self.authority_host,
                error_chain(error)
            )),
            source: None,
        }
    }

    /// An error answer, by its AADSTS code (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
    fn refusal(&self, status: u16, body: &str) -> AdapterError {
        let principal = &self.principal;
        let account = &principal.account;
        let client = &principal.client_id;
        let tenant = &principal.tenant_id;
        let Ok(answer) = serde_json::from_str::<ErrorAnswer>(body) else {
            return functory_adapter::oauth::non_oauth_answer(
                AdapterKind::Azure,
                account,
                status,
                &self.authority_host.to_string(),
                "Entra ID is having trouble; try again in a moment",
                "is AZURE_AUTHORITY_HOST an Entra ID authority?",
            );
        };
        // Entra appends "Trace ID: …", "Correlation ID: …" and a timestamp on later lines.
        let said = answer
            .error_description
            .as_deref()
            .and_then(|d| d.lines().next())
            .unwrap_or(answer.error.as_str())
            .trim()
            .to_owned();
        let code = answer
            .error_codes
            .first()
            .copied()
            .or_else(|| aadsts_code(&said));
        let message = match code {
            Some(7000215) => format!(
                "Entra ID refused the client secret of account `{account}` ({said}): paste the secret's Value (not its Secret ID); if the secret was deleted, create a new one for application {client} under Certificates & secrets and update the account"
            ),
            Some(7000222) => format!(
                "the client secret of account `{account}` has expired ({said}): create a new client secret for application {client} under Certificates & secrets and update the account"
            ),
            Some(700016) => format!(
                "tenant {tenant} has no application with client id {client} ({said}): check the client (application) id of account `{account}` and that the app is registered in this tenant"
            ),
            Some(90002) => format!(
                "tenant `{tenant}` of account `{account}` was not found ({said}): check the tenant id (Entra ID → Overview → Tenant ID) and that it belongs to this cloud ({})",
                self.authority_host
            ),
            Some(900023) => format!(
                "`{tenant}` is not a tenant id ({said}): fix the tenant of account `{account}` (a GUID or a domain such as contoso.onmicrosoft.com)"
            ),
            Some(7000112) => format!(
                "application {client} of account `{account}` is disabled in tenant {tenant} ({said}): an administrator must enable it"
            ),
            Some(70011 | 500011) => format!(
                "the token request of account `{account}` asked for a scope Entra ID refused ({said}): the scope was `{}`",
                self.scope
            ),
            _ => format!(
                "the token request of account `{account}` was refused ({}: {said})",
                answer.error
            ),
        };
        let message = self.scrub(message);
        match (code, status) {
            (Some(90002 | 900023 | 70011 | 500011), _) => AdapterError::InvalidRequest { message },
            (_, 429) => AdapterError::Throttled { message },
            (_, 500..) => AdapterError::Provider {
                provider: AdapterKind::Azure,
                message,
                source: None,
            },
            _ => AdapterError::Unauthenticated { message },
        }
    }

    /// Whatever a server says, the secret does not travel on in a message.
    fn scrub(&self, message: String) -> String {
        let secret = self.principal.client_secret.expose();
        if secret.len() >= 4 && message.contains(secret.as_str()) {
            message.replace(secret.as_str(), "<redacted>")
        } else {
            message
        }
    }
}

/// The authority without its trailing slash, once it is known to be a URL that may be sent a
/// secret: HTTPS, or plain HTTP to a loopback test server.
pub(crate) fn checked_authority(authority: &str) -> Result<String, AdapterError> {
    let host = authority.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(host).map_err(|_| AdapterError::InvalidRequest {
        message: format!(
            "the Azure authority `{host}` is not a URL (AZURE_AUTHORITY_HOST, e.g. {DEFAULT_AUTHORITY_HOST})"
        ),
    })?;
    if !crate::endpoints::may_carry_secrets(&url) {
        return Err(AdapterError::InvalidRequest {
            message: format!(
                "the Azure authority `{host}` is not HTTPS: a client secret is only sent over HTTPS (or to a loopback test server)"
            ),
        });
    }
    Ok(host.to_owned())
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

/// `AADSTS7000215: Invalid client secret…` → 7000215, for answers without `error_codes`.
fn aadsts_code(description: &str) -> Option<u64> {
    let digits: String = description
        .split("AADSTS")
        .nth(1)?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: Seconds,
}

/// Entra's v2 endpoint sends `expires_in` as a number; v1 and some proxies as a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Seconds {
    Number(u64),
    Text(String),
}

impl Seconds {
    fn seconds(&self) -> u64 {
        match self {
            Seconds::Number(n) => *n,
            Seconds::Text(text) => text.trim().parse().unwrap_or(0),
        }
    }
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error: String,
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use functory_vault::AzureServicePrincipal;

    fn principal() -> ServicePrincipal {
        let account = Account::azure(
            "prod",
            AzureServicePrincipal {
                tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
                client_id: "00000000-1111-2222-3333-444444444444".into(),
                client_secret: "s3cr3t-value".into(),
                subscription_id: None,
            },
        )
        .expect("a valid service principal");
        ServicePrincipal::from_account(&account).expect("an Azure account")
    }

    #[test]
    fn builds_the_token_url_and_refuses_plain_http_to_remote_hosts() {
        let request = ClientCredentials::new(principal());
        let ok = request
            .clone()
            .authority_host("https://login.microsoftonline.us/");
        assert_eq!(
            ok.token_url().unwrap(),
            "https://login.microsoftonline.us/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token"
        );
        let fake = request.clone().authority_host("http://127.0.0.1:4000");
        assert!(
            fake.token_url()
                .unwrap()
                .starts_with("http://127.0.0.1:4000/72f9")
        );
        let cleartext = request.clone().authority_host("http://login.example.com");
        assert!(matches!(
            cleartext.token_url(),
            Err(AdapterError::InvalidRequest { message }) if message.contains("not HTTPS")
        ));
        assert!(request.authority_host("not a url").token_url().is_err());
    }

    #[test]
    fn reads_aadsts_codes_from_descriptions() {
        assert_eq!(
            aadsts_code("AADSTS7000215: Invalid client secret provided."),
            Some(7000215)
        );
        assert_eq!(aadsts_code("no code here"), None);
    }

    #[test]
    fn a_secret_echoed_by_a_server_is_scrubbed() {
        let request = ClientCredentials::new(principal());
        let error = request.refusal(
            400,
            r#"{"error":"invalid_request","error_description":"bad value s3cr3t-value"}"#,
        );
        assert!(!error.to_string().contains("s3cr3t-value"), "{error}");
        assert!(error.to_string().contains("<redacted>"));
    }

    #[test]
    fn refuses_other_kinds_of_account() {
        let aws = Account::aws(
            "dev",
            functory_vault::AwsAccessKey {
                access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
                secret_access_key: "x".into(),
                session_token: None,
                role_arn: None,
                external_id: None,
                region: None,
            },
        )
        .expect("a valid AWS account");
        assert!(matches!(
            ServicePrincipal::from_account(&aws),
            Err(AdapterError::InvalidRequest { .. })
        ));
    }
}
