//! Where AWS credentials come from — a profile or a keychain account — and the `SdkConfig`
//! built from them.

use std::time::SystemTime;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_runtime::env_config::file::EnvConfigFiles;
use functory_adapter::AdapterError;
use functory_vault::{Account, AccountDetails, AccountSecrets, Sensitive};

use crate::errors::{self, CallContext, SignedInAs};

/// The name the SDK shows for credentials that came from the keychain (it appears in SDK
/// traces instead of "Environment" or "Profile").
const KEYCHAIN_PROVIDER_NAME: &str = "functory-keychain";

/// Where a sign-in gets its credentials.
#[derive(Debug, Clone)]
pub enum CredentialSource {
    /// A profile of the AWS configuration (`~/.aws/config`, `~/.aws/credentials`), resolved by
    /// aws-config: static keys, assume-role chains, SSO sessions, `credential_process`.
    /// Functory never copies its secrets.
    Profile(String),
    /// An AWS account stored in the OS keychain.
    Keychain(KeychainAccount),
    /// The standard AWS credential chain, for a target that names neither: environment
    /// variables (`AWS_ACCESS_KEY_ID`, …), a web identity token file (`AWS_WEB_IDENTITY_TOKEN_FILE`
    /// and `AWS_ROLE_ARN`, as CI systems' OIDC gives), the profile `AWS_PROFILE` names (SSO and
    /// login sessions included), container and instance credentials — in aws-config's order.
    DefaultChain,
}

/// The AWS fields of a keychain account, secrets still wrapped in [`Sensitive`].
#[derive(Debug, Clone)]
pub struct KeychainAccount {
    name: String,
    access_key_id: String,
    secret_access_key: Sensitive<String>,
    session_token: Option<Sensitive<String>>,
    role_arn: Option<String>,
    external_id: Option<String>,
    region: Option<String>,
}

impl KeychainAccount {
    /// The AWS half of a vault account; an Azure or Google account is refused.
    pub fn from_account(account: &Account) -> Result<Self, AdapterError> {
        match (&account.summary.details, &account.secrets) {
            (
                AccountDetails::AwsAccessKey {
                    access_key_id,
                    role_arn,
                    external_id,
                    region,
                    ..
                },
                AccountSecrets::AwsAccessKey {
                    secret_access_key,
                    session_token,
                },
            ) => Ok(Self {
                name: account.summary.name.clone(),
                access_key_id: access_key_id.clone(),
                secret_access_key: secret_access_key.clone(),
                session_token: session_token.clone(),
                role_arn: role_arn.clone(),
                external_id: external_id.clone(),
                region: region.clone(),
            }),
            _ => Err(AdapterError::InvalidRequest {
                message: format!(
                    "account `{}` is not an AWS account: choose an AWS access key or an AWS profile",
                    account.summary.name
                ),
            }),
        }
    }

    /// The stored keys as the SDK's credentials: the one place a keychain secret is handed over.
    fn keys(&self) -> Credentials {
        Credentials::new(
            &self.access_key_id,
            self.secret_access_key.expose(),
            self.session_token.as_ref().map(|t| t.expose().clone()),
            None,
            KEYCHAIN_PROVIDER_NAME,
        )
    }
}

/// A role to assume with the keychain account's keys.
#[derive(Debug, Clone)]
struct RoleToAssume {
    /// An STS client signing with the account's own keys.
    sts: aws_sdk_sts::Client,
    role_arn: String,
    external_id: Option<String>,
    session_name: String,
    context: CallContext,
}

/// Credentials from a keychain account for the AWS SDK: the stored keys as they are, or, when
/// the account names a role, the temporary credentials of STS AssumeRole (with the external id
/// when there is one). The SDK's identity cache keeps assumed credentials until they expire.
#[derive(Debug, Clone)]
pub struct KeychainCredentials {
    keys: Credentials,
    role: Option<RoleToAssume>,
}

impl KeychainCredentials {
    /// The keys themselves, with no role to assume.
    pub fn keys(keys: Credentials) -> Self {
        Self { keys, role: None }
    }

    /// Assume `role_arn` through `sts` (a client that signs with the keys). `account` names the
    /// account in error messages.
    pub fn assuming_role(
        self,
        account: &str,
        sts: aws_sdk_sts::Client,
        role_arn: impl Into<String>,
        external_id: Option<String>,
    ) -> Self {
        let context = CallContext {
            who: SignedInAs::Account(account.to_owned()),
            region: sts.config().region().map(|r| r.to_string()),
            endpoint: None,
        };
        Self {
            role: Some(RoleToAssume {
                sts,
                role_arn: role_arn.into(),
                external_id,
                session_name: role_session_name(account),
                context,
            }),
            ..self
        }
    }

    /// Names the endpoint the STS client was configured with, for messages about reaching it.
    fn reaching(mut self, endpoint: Option<&str>) -> Self {
        if let Some(role) = &mut self.role {
            role.context.endpoint = endpoint.map(str::to_owned);
        }
        self
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let Some(role) = &self.role else {
            return Ok(self.keys.clone());
        };
        let output = role
            .sts
            .assume_role()
            .role_arn(&role.role_arn)
            .role_session_name(&role.session_name)
            .set_external_id(role.external_id.clone())
            .send()
            .await
            .map_err(|error| {
                CredentialsError::provider_error(errors::sdk_failure(
                    &error,
                    &format!("STS AssumeRole of {}", role.role_arn),
                    &role.context,
                ))
            })?;
        let assumed = output.credentials().ok_or_else(|| {
            CredentialsError::provider_error(AdapterError::Provider {
                provider: functory_core::AdapterKind::Aws,
                message: format!(
                    "STS AssumeRole of {} for {} answered without credentials",
                    role.role_arn, role.context.who
                ),
                source: None,
            })
        })?;
        Ok(Credentials::new(
            assumed.access_key_id(),
            assumed.secret_access_key(),
            Some(assumed.session_token().to_owned()),
            SystemTime::try_from(*assumed.expiration()).ok(),
            KEYCHAIN_PROVIDER_NAME,
        ))
    }
}

impl ProvideCredentials for KeychainCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.load())
    }
}

/// AssumeRole session names are 2–64 of `[\w+=,.@-]`; CloudTrail shows them, so they say
/// that Functory and which account made the call.
fn role_session_name(account: &str) -> String {
    let cleaned: String = account
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut name = format!("functory-{cleaned}");
    name.truncate(64);
    name
}

/// Signs in to AWS: pick a profile or a keychain account, optionally a region and an endpoint,
/// then [`load`](AwsSignIn::load) an [`AwsSession`].
#[derive(Debug)]
pub struct AwsSignIn {
    source: CredentialSource,
    region: Option<String>,
    endpoint_url: Option<String>,
    profile_files: Option<EnvConfigFiles>,
}

impl AwsSignIn {
    /// A named profile of the AWS configuration.
    pub fn profile(name: impl Into<String>) -> Self {
        Self::from_source(CredentialSource::Profile(name.into()))
    }

    /// The standard credential chain (what a CI job or a signed-in shell already has).
    pub fn default_chain() -> Self {
        Self::from_source(CredentialSource::DefaultChain)
    }

    /// A keychain account; refused unless it is an AWS account.
    pub fn keychain(account: &Account) -> Result<Self, AdapterError> {
        Ok(Self::from_source(CredentialSource::Keychain(
            KeychainAccount::from_account(account)?,
        )))
    }

    pub fn from_source(source: CredentialSource) -> Self {
        Self {
            source,
            region: None,
            endpoint_url: None,
            profile_files: None,
        }
    }

    /// The region to work in (a target's region), over the account's or the profile's own.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Send every call to this endpoint (a moto server in tests). Without it,
    /// `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_STS` and the profile's `endpoint_url` still apply.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Read profiles from these files instead of `~/.aws/config` and `~/.aws/credentials`.
    pub fn profile_files(mut self, files: EnvConfigFiles) -> Self {
        self.profile_files = Some(files);
        self
    }

    /// Builds the SDK configuration. Nothing is called yet: credentials are resolved (and a
    /// role assumed) on the first call, or by [`AwsSession::credentials`].
    pub async fn load(self) -> Result<AwsSession, AdapterError> {
        let (who, account_region) = match &self.source {
            CredentialSource::Profile(name) => (SignedInAs::Profile(name.clone()), None),
            CredentialSource::Keychain(account) => (
                SignedInAs::Account(account.name.clone()),
                account.region.clone(),
            ),
            CredentialSource::DefaultChain => (SignedInAs::DefaultChain, None),
        };
        let region = self.region.or(account_region);
        if let Some(region) = &region
            && let Some(problem) = functory_core::manifest::aws_region_problem(region)
        {
            return Err(AdapterError::InvalidRequest {
                message: format!("{problem}: fix the region of {who} or of the target"),
            });
        }

        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(files) = &self.profile_files {
            loader = loader.profile_files(files.clone());
        }
        if let Some(region) = region {
            loader = loader.region(Region::new(region));
        }
        if let Some(url) = self.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let config = match self.source {
            CredentialSource::DefaultChain => loader.load().await,
            CredentialSource::Profile(name) => {
                // The profile's own provider, not the default chain: a chosen profile must not
                // be overridden by AWS_ACCESS_KEY_ID in the environment, nor fall through to
                // instance metadata when it is missing.
                let mut profile = aws_config::profile::ProfileFileCredentialsProvider::builder()
                    .profile_name(&name);
                if let Some(files) = self.profile_files {
                    profile = profile.profile_files(files);
                }
                loader
                    .profile_name(name)
                    .credentials_provider(profile.build())
                    .load()
                    .await
            }
            CredentialSource::Keychain(account) => {
                let keys = KeychainCredentials::keys(account.keys());
                let config = loader.credentials_provider(keys.clone()).load().await;
                match account.role_arn {
                    None => config,
                    Some(role_arn) => {
                        // The STS client that assumes the role signs with the account's keys;
                        // every other client signs with the role's credentials.
                        let sts = aws_sdk_sts::Client::new(&config);
                        let assuming = keys
                            .assuming_role(&account.name, sts, role_arn, account.external_id)
                            .reaching(config.endpoint_url());
                        config
                            .into_builder()
                            .credentials_provider(SharedCredentialsProvider::new(assuming))
                            .build()
                    }
                }
            }
        };
        Ok(AwsSession { config, who })
    }
}

/// A signed-in AWS configuration and what signed in (for messages).
#[derive(Debug, Clone)]
pub struct AwsSession {
    config: SdkConfig,
    who: SignedInAs,
}

impl AwsSession {
    /// The configuration every AWS client of this session is built from.
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.config
    }

    /// `profile `dev`` or `account `prod``: what messages call this sign-in.
    pub fn who(&self) -> String {
        self.who.to_string()
    }

    pub fn region(&self) -> Option<&str> {
        self.config.region().map(|r| r.as_ref())
    }

    pub(crate) fn context(&self) -> CallContext {
        CallContext {
            who: self.who.clone(),
            region: self.region().map(str::to_owned),
            endpoint: self.config.endpoint_url().map(str::to_owned),
        }
    }

    /// Resolves the credentials now (reading an SSO cache, running a credential process or
    /// assuming a role), with a clear error when that fails.
    pub async fn credentials(&self) -> Result<Credentials, AdapterError> {
        let provider = self
            .config
            .credentials_provider()
            .ok_or_else(|| errors::no_credentials(&self.who))?;
        provider
            .provide_credentials()
            .await
            .map_err(|error| errors::credentials_failure(&error, &self.who))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_are_what_sts_accepts() {
        assert_eq!(role_session_name("prod eu/1"), "functory-prod-eu-1");
        assert_eq!(role_session_name(&"x".repeat(100)).len(), 64);
    }
}

#[cfg(test)]
mod provider_tests {
    use super::*;
    use aws_sdk_sts::Client;
    use aws_sdk_sts::operation::assume_role::AssumeRoleOutput;
    use aws_smithy_mocks::{mock, mock_client};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use functory_vault::AwsAccessKey;

    const SECRET: &str = "CANARYwJalrXUtnFEMIK7MDENGbPxRfiCY";
    const ROLE: &str = "arn:aws:iam::210987654321:role/deployer";

    fn keys() -> Credentials {
        Credentials::new("AKIAIOSFODNN7EXAMPLE", SECRET, None, None, "test")
    }

    #[tokio::test]
    async fn assumes_the_role_with_the_external_id_and_a_named_session() {
        let rule = mock!(Client::assume_role)
            .match_requests(|request| {
                request.role_arn() == Some(ROLE)
                    && request.external_id() == Some("functory-ext-42")
                    && request.role_session_name() == Some("functory-prod")
            })
            .then_output(|| {
                AssumeRoleOutput::builder()
                    .credentials(
                        aws_sdk_sts::types::Credentials::builder()
                            .access_key_id("ASIAASSUMEDKEY")
                            .secret_access_key("assumed-secret")
                            .session_token("assumed-token")
                            .expiration(aws_smithy_types::DateTime::from_secs(4_000_000_000))
                            .build()
                            .expect("complete credentials"),
                    )
                    .build()
            });
        let sts = mock_client!(aws_sdk_sts, &[&rule]);
        let provider = KeychainCredentials::keys(keys()).assuming_role(
            "prod",
            sts,
            ROLE,
            Some("functory-ext-42".into()),
        );
        let assumed = provider.provide_credentials().await.unwrap();
        assert_eq!(assumed.access_key_id(), "ASIAASSUMEDKEY");
        assert_eq!(assumed.session_token(), Some("assumed-token"));
        assert!(assumed.expiry().is_some());
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_refused_assume_role_names_the_account_the_role_and_the_trust_policy() {
        let rule = mock!(Client::assume_role).then_http_response(|| {
            HttpResponse::new(
                StatusCode::try_from(403).expect("a valid status"),
                SdkBody::from(
                    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
                     <Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/deployer</Message>\
                     </Error><RequestId>1</RequestId></ErrorResponse>",
                ),
            )
        });
        let sts = mock_client!(aws_sdk_sts, &[&rule]);
        let provider = KeychainCredentials::keys(keys()).assuming_role("prod", sts, ROLE, None);
        let failure = provider.provide_credentials().await.unwrap_err();
        let error = errors::credentials_failure(&failure, &SignedInAs::Account("prod".into()));
        let AdapterError::PermissionDenied { message } = &error else {
            panic!("expected PermissionDenied, got {error:?}");
        };
        assert!(
            message.starts_with("account `prod` may not make STS AssumeRole of arn:aws:iam::210987654321:role/deployer (AccessDenied: User:"),
            "{message}"
        );
        assert!(message.contains("trust policy") && message.contains("external id"));
        assert!(!message.contains(SECRET));
    }

    fn sso_config(dir: &std::path::Path) -> EnvConfigFiles {
        let config = dir.join("config");
        // A session name of this run: no cached token exists for it.
        std::fs::write(
            &config,
            format!(
                "[profile dev]\nsso_session = functory-test-{pid}\nsso_account_id = 123456789012\nsso_role_name = Dev\nregion = eu-west-1\n\n\
                 [sso-session functory-test-{pid}]\nsso_start_url = https://functory-test.awsapps.com/start\nsso_region = eu-west-1\n\n\
                 [profile empty]\nregion = eu-west-1\n",
                pid = std::process::id()
            ),
        )
        .expect("the config file is written");
        let credentials = dir.join("credentials");
        std::fs::write(&credentials, "").expect("the credentials file is written");
        EnvConfigFiles::builder()
            .with_file(
                aws_runtime::env_config::file::EnvConfigFileKind::Config,
                config,
            )
            .with_file(
                aws_runtime::env_config::file::EnvConfigFileKind::Credentials,
                credentials,
            )
            .build()
    }

    #[tokio::test]
    async fn an_sso_profile_without_a_live_session_says_to_run_sso_login() {
        let dir = tempfile::tempdir().unwrap();
        let session = AwsSignIn::profile("dev")
            .profile_files(sso_config(dir.path()))
            .load()
            .await
            .unwrap();
        assert_eq!(session.region(), Some("eu-west-1"));
        let error = session.credentials().await.unwrap_err();
        let AdapterError::Unauthenticated { message } = &error else {
            panic!("expected Unauthenticated, got {error:?}");
        };
        assert!(
            message
                .starts_with("the SSO sign-in of AWS profile `dev` has expired or was never made")
                && message.ends_with("run `aws sso login --profile dev`, then try again"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn a_missing_profile_and_a_profile_without_credentials_are_explained() {
        let dir = tempfile::tempdir().unwrap();
        let missing = AwsSignIn::profile("nope")
            .profile_files(sso_config(dir.path()))
            .load()
            .await
            .unwrap()
            .credentials()
            .await
            .unwrap_err();
        assert!(
            missing
                .to_string()
                .contains("there is no AWS profile `nope` in ~/.aws/config"),
            "{missing}"
        );
        let empty = AwsSignIn::profile("empty")
            .profile_files(sso_config(dir.path()))
            .load()
            .await
            .unwrap()
            .credentials()
            .await
            .unwrap_err();
        assert!(
            matches!(&empty, AdapterError::Unauthenticated { message } if message.contains("AWS profile `empty`") && message.contains("aws configure --profile empty")),
            "{empty}"
        );
    }

    fn vault_account(region: Option<&str>) -> Account {
        Account::aws(
            "prod",
            AwsAccessKey {
                access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
                secret_access_key: SECRET.into(),
                session_token: None,
                role_arn: None,
                external_id: None,
                region: region.map(str::to_owned),
            },
        )
        .expect("a valid account")
    }

    #[tokio::test]
    async fn a_malformed_region_is_refused_before_any_call() {
        let error = AwsSignIn::keychain(&vault_account(Some("eu-west")))
            .unwrap()
            .load()
            .await
            .unwrap_err();
        assert!(
            matches!(&error, AdapterError::InvalidRequest { message } if message.contains("`eu-west` is not an AWS region name") && message.contains("account `prod`")),
            "{error}"
        );
    }

    #[tokio::test]
    async fn an_unreachable_endpoint_is_named_without_the_secret() {
        // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
        let session = AwsSignIn::keychain(&vault_account(Some("eu-west-1")))
            .unwrap()
            .endpoint_url("http://127.0.0.1:9")
            .load()
            .await
            .unwrap();
        let error = crate::caller_identity(&session).await.unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains(
                "STS GetCallerIdentity for account `prod` could not reach http://127.0.0.1:9"
            ) && text.contains("check that the endpoint is up"),
            "{text}"
        );
        assert!(!text.contains(SECRET) && !format!("{error:?}").contains(SECRET));
    }

    #[test]
    fn refuses_other_kinds_of_account() {
        let gcp = Account::gcp(
            "g",
            functory_vault::GcpServiceAccount {
                key_json: r#"{"type":"service_account","project_id":"p","client_email":"a@p.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n"}"#.into(),
            },
        )
        .expect("a valid key file");
        assert!(matches!(
            AwsSignIn::keychain(&gcp),
            Err(AdapterError::InvalidRequest { message }) if message.contains("not an AWS account")
        ));
    }
}
