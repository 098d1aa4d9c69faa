//! "Test account": one harmless call per cloud that proves the stored credentials work —
//! AWS STS GetCallerIdentity, an Entra ID token for Azure, a Google OAuth token — and says who
//! the cloud took them for, or what is wrong and what to do.

use std::time::{Duration, Instant};

use functory_adapter::AdapterError;
use functory_aws::{AwsSignIn, caller_identity};
use functory_azure::{AzureEndpoints, ClientCredentials, ServicePrincipal};
use functory_gcp::{GoogleEndpoints, JwtBearer, ServiceAccountKey};
use functory_vault::{Account, AccountKind};
use serde::Serialize;
use ts_rs::TS;

/// Where cloud calls go when not to the clouds themselves. `None` leaves each cloud's
/// standard override in charge (`AWS_ENDPOINT_URL`, `AZURE_AUTHORITY_HOST`; a Google key
/// carries its own `token_uri`). Tests point these at moto and at fakes.
#[derive(Debug, Clone, Default)]
pub struct SignInEndpoints {
    pub aws_endpoint_url: Option<String>,
    pub azure_authority_host: Option<String>,
    /// Every Azure endpoint a deploy uses (Resource Manager, Kudu, the function host,
    /// Application Insights), for sovereign clouds and fakes.
    pub azure: Option<AzureEndpoints>,
    /// Every Google API a deploy uses (Cloud Functions, Logging, Pub/Sub, Scheduler, Run).
    pub google: Option<GoogleEndpoints>,
    /// The OAuth token endpoint for application-default user credentials.
    pub google_token_uri: Option<String>,
}

impl SignInEndpoints {
    /// Overrides from the environment, as `AWS_ENDPOINT_URL` is for AWS:
    /// `AZURE_AUTHORITY_HOST` and `AZURE_RESOURCE_MANAGER_URL` (the Azure tools' own names),
    /// `FUNCTORY_AZURE_SCM_URL_TEMPLATE`, `FUNCTORY_AZURE_FUNCTION_HOST_URL_TEMPLATE` and
    /// `FUNCTORY_AZURE_APP_INSIGHTS_URL` (`{app}` is the function app's name), and
    /// `FUNCTORY_GOOGLE_API_ENDPOINT` (one base URL for every Google API) with
    /// `FUNCTORY_GOOGLE_TOKEN_URI`. Unset, the public clouds are used.
    pub fn from_env() -> Self {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let azure_names = [
            "AZURE_RESOURCE_MANAGER_URL",
            "FUNCTORY_AZURE_SCM_URL_TEMPLATE",
            "FUNCTORY_AZURE_FUNCTION_HOST_URL_TEMPLATE",
            "FUNCTORY_AZURE_APP_INSIGHTS_URL",
        ];
        let azure = azure_names.iter().any(|n| var(n).is_some()).then(|| {
            let mut endpoints = AzureEndpoints::default();
            if let Some(url) = var("AZURE_RESOURCE_MANAGER_URL") {
                endpoints.resource_manager = url;
            }
            endpoints.scm_template = var("FUNCTORY_AZURE_SCM_URL_TEMPLATE");
            endpoints.function_host_template = var("FUNCTORY_AZURE_FUNCTION_HOST_URL_TEMPLATE");
            if let Some(url) = var("FUNCTORY_AZURE_APP_INSIGHTS_URL") {
                endpoints.app_insights = url;
            }
            endpoints
        });
        SignInEndpoints {
            aws_endpoint_url: None,
            azure_authority_host: var("AZURE_AUTHORITY_HOST"),
            azure,
            google: var("FUNCTORY_GOOGLE_API_ENDPOINT").map(|url| GoogleEndpoints::all_at(&url)),
            google_token_uri: var("FUNCTORY_GOOGLE_TOKEN_URI"),
        }
    }
}

/// The outcome of testing an account. Never carries a secret or a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountTestResult {
    /// The account (or AWS profile) tested.
    pub name: String,
    pub ok: bool,
    /// Who the cloud took the credentials for: an ARN, `client … in tenant …`, a
    /// service-account email. `null` when the test failed.
    pub identity: Option<String>,
    /// The call made: `STS GetCallerIdentity`, `Entra ID token request`, `Google token request`.
    pub call: String,
    #[ts(type = "number")]
    pub duration_ms: u64,
    /// One sentence for a person: what the cloud said, or what went wrong and what to do.
    pub message: String,
    /// The adapter error code of a failure (`unauthenticated`, `permission_denied`,
    /// `invalid_request`, `throttled`, `provider`), for the UI to branch on.
    pub error_code: Option<String>,
}

/// What a successful test learned.
struct Proof {
    identity: String,
    message: String,
}

impl AccountTestResult {
    fn from_outcome(
        name: &str,
        call: &str,
        duration: Duration,
        outcome: Result<Proof, AdapterError>,
    ) -> Self {
        let duration_ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        match outcome {
            Ok(proof) => Self {
                name: name.to_owned(),
                ok: true,
                identity: Some(proof.identity),
                call: call.to_owned(),
                duration_ms,
                message: proof.message,
                error_code: None,
            },
            Err(error) => Self {
                name: name.to_owned(),
                ok: false,
                identity: None,
                call: call.to_owned(),
                duration_ms,
                message: error.to_string(),
                error_code: Some(error.code().to_owned()),
            },
        }
    }
}

fn minutes(duration: Duration) -> u64 {
    duration.as_secs() / 60
}

async fn aws(
    sign_in: Result<AwsSignIn, AdapterError>,
    endpoints: &SignInEndpoints,
) -> Result<Proof, AdapterError> {
    let mut sign_in = sign_in?;
    if let Some(url) = &endpoints.aws_endpoint_url {
        sign_in = sign_in.endpoint_url(url);
    }
    let session = sign_in.load().await?;
    let identity = caller_identity(&session).await?;
    Ok(Proof {
        message: format!(
            "{} signs in as {} in AWS account {}",
            session.who(),
            identity.arn,
            identity.account
        ),
        identity: identity.arn,
    })
}

async fn azure(account: &Account, endpoints: &SignInEndpoints) -> Result<Proof, AdapterError> {
    let principal = ServicePrincipal::from_account(account)?;
    let identity = format!(
        "client {} in tenant {}",
        principal.client_id(),
        principal.tenant_id()
    );
    let mut request = ClientCredentials::new(principal);
    if let Some(host) = &endpoints.azure_authority_host {
        request = request.authority_host(host);
    }
    let token = request.request_token().await?;
    Ok(Proof {
        message: format!(
            "Entra ID issued a management token to {identity}, valid for {} minutes",
            minutes(token.expires_in)
        ),
        identity,
    })
}

async fn gcp(account: &Account) -> Result<Proof, AdapterError> {
    let key = ServiceAccountKey::from_account(account)?;
    let identity = key.client_email().to_owned();
    let token = JwtBearer::new(key).request_token().await?;
    Ok(Proof {
        message: format!(
            "Google issued a cloud-platform token to {identity}, valid for {} minutes",
            minutes(token.expires_in)
        ),
        identity,
    })
}

/// Tests a keychain account with the call of its cloud.
pub(crate) async fn test_account(
    account: &Account,
    endpoints: &SignInEndpoints,
) -> AccountTestResult {
    let started = Instant::now();
    let (call, outcome) = match account.summary.kind {
        AccountKind::AwsAccessKey => (
            "STS GetCallerIdentity",
            aws(AwsSignIn::keychain(account), endpoints).await,
        ),
        AccountKind::AzureServicePrincipal => {
            ("Entra ID token request", azure(account, endpoints).await)
        }
        AccountKind::GcpServiceAccount => ("Google token request", gcp(account).await),
    };
    AccountTestResult::from_outcome(account.name(), call, started.elapsed(), outcome)
}

/// Tests a profile of the AWS configuration (SSO sessions included) without reading its secrets.
pub(crate) async fn test_aws_profile(
    profile: &str,
    endpoints: &SignInEndpoints,
) -> AccountTestResult {
    let started = Instant::now();
    let outcome = aws(Ok(AwsSignIn::profile(profile)), endpoints).await;
    AccountTestResult::from_outcome(profile, "STS GetCallerIdentity", started.elapsed(), outcome)
}
