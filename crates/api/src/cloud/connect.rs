//! Signing in for a target: its AWS profile or keychain account, an Azure service principal,
//! the Azure CLI or a device code, a Google service-account key or application-default
//! credentials; with the endpoint overrides of `Accounts` (moto and the fakes in tests).

use std::path::Path;
use std::sync::Arc;

use functory_adapter::CloudAdapter;
use functory_aws::{AwsAdapter, AwsSettings, AwsSignIn};
use functory_azure::AzureAdapter;
use functory_core::{AdapterKind, Target};
use functory_gcp::{GcpAdapter, GoogleCredentials};

use super::{CloudTarget, find_target, manifest_of};
use crate::accounts::Accounts;
use crate::{ApiError, ErrorCode};

/// How to sign in where a target names no stored credentials.
#[derive(Clone, Default)]
pub struct ConnectOptions {
    /// For an Azure target without a keychain account: sign in with a device code, showing
    /// the code and address with this (instead of using the Azure CLI's sign-in).
    pub azure_device_code: Option<Arc<dyn Fn(String) + Send + Sync>>,
    /// For an AWS target: this profile instead of the target's own credentials
    /// (`--profile NAME` on the command line).
    pub aws_profile: Option<String>,
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("azure_device_code", &self.azure_device_code.is_some())
            .field("aws_profile", &self.aws_profile)
            .finish()
    }
}

/// The public client the Azure CLI signs in with: device-code sign-in needs a public client
/// application, and this one is pre-authorized for Azure Resource Manager in every tenant.
const AZURE_CLI_CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// Signs in for `target` of the project at `root` with its profile or keychain account, and
/// the endpoint overrides of `accounts` (moto and the fakes in tests).
pub async fn connect(
    root: &Path,
    target: &str,
    accounts: &Accounts,
) -> Result<CloudTarget, ApiError> {
    connect_with(root, target, accounts, &ConnectOptions::default()).await
}

/// [`connect`], with a way to sign in interactively where the target names no credentials.
pub async fn connect_with(
    root: &Path,
    target: &str,
    accounts: &Accounts,
    options: &ConnectOptions,
) -> Result<CloudTarget, ApiError> {
    let manifest = manifest_of(root)?;
    let mut target = find_target(&manifest, target)?;
    let mut aws_session = None;
    let adapter: Arc<dyn CloudAdapter> = match target.adapter {
        AdapterKind::Aws => {
            if let Some(profile) = &options.aws_profile {
                target.profile = Some(profile.clone());
                target.account = None;
            }
            let (adapter, session) = connect_aws(&target, accounts).await?;
            aws_session = Some(session);
            Arc::new(adapter)
        }
        AdapterKind::Azure => Arc::new(connect_azure(&target, accounts, options)?),
        AdapterKind::Gcp => Arc::new(connect_gcp(&target, accounts)?),
        AdapterKind::Local => {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "target `{}` is the local runtime: use `functory run` / the Run & Logs view",
                    target.name
                ),
            ));
        }
    };
    Ok(CloudTarget {
        adapter,
        target,
        manifest,
        root: root.to_owned(),
        aws_session,
    })
}

/// The Azure adapter for `target`'s function app: its keychain service principal, or else a
/// device code (when the caller can show one), or else the Azure CLI's sign-in.
fn connect_azure(
    target: &Target,
    accounts: &Accounts,
    options: &ConnectOptions,
) -> Result<AzureAdapter, ApiError> {
    let endpoints = accounts.sign_in_endpoints();
    let mut builder = AzureAdapter::builder().target(target);
    if let Some(all) = &endpoints.azure {
        builder = builder.endpoints(all.clone());
    }
    if let Some(host) = &endpoints.azure_authority_host {
        builder = builder.authority_host(host);
    }
    builder = match (&target.account, &options.azure_device_code) {
        (Some(account), _) => builder.account(&accounts.load(account)?)?,
        (None, Some(show)) => {
            let show = show.clone();
            builder.device_code("organizations", AZURE_CLI_CLIENT_ID, move |prompt| {
                show(prompt.message.clone())
            })
        }
        (None, None) => {
            functory_azure::AzureCliToken::from_path().map_err(|_| {
                ApiError::new(
                    ErrorCode::Unauthenticated,
                    format!(
                        "target `{}` names no keychain account and the Azure CLI (`az`) is not installed: add a service principal in the Accounts view (or `functory accounts add-azure`) and set `account = \"NAME\"` in [targets.{}], sign in with `az login`, or sign in with a device code (`FUNCTORY_AZURE_DEVICE_CODE=1` on the command line)",
                        target.name, target.name
                    ),
                )
            })?;
            builder.azure_cli()
        }
    };
    Ok(builder.build()?)
}

/// The Google adapter for `target`'s project and region: its keychain service-account key, or
/// the application-default credentials.
pub(super) fn connect_gcp(target: &Target, accounts: &Accounts) -> Result<GcpAdapter, ApiError> {
    let endpoints = accounts.sign_in_endpoints();
    let credentials = match &target.account {
        Some(account) => GoogleCredentials::keychain(&accounts.load(account)?)?,
        None => GoogleCredentials::application_default().map_err(|e| {
            ApiError::new(
                ErrorCode::Unauthenticated,
                format!(
                    "target `{}` names no keychain account and there are no application-default credentials ({e}): add a service-account key in the Accounts view (or `functory accounts add-gcp`) and set `account = \"NAME\"` in [targets.{}], or run `gcloud auth application-default login`",
                    target.name, target.name
                ),
            )
        })?,
    };
    let project = target.project_id.clone().ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "target `{}` has no Google Cloud project: add `project_id = \"my-project\"` to [targets.{}]",
                target.name, target.name
            ),
        )
    })?;
    let region = target.region.clone().ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "target `{}` has no region: add `region = \"europe-west1\"` (for example) to [targets.{}]",
                target.name, target.name
            ),
        )
    })?;
    let mut builder = GcpAdapter::builder()
        .credentials(credentials)
        .project(project)
        .region(region);
    if let Some(all) = &endpoints.google {
        builder = builder.endpoints(all.clone());
    }
    if let Some(uri) = &endpoints.google_token_uri {
        builder = builder.token_uri(uri);
    }
    Ok(builder.build()?)
}

/// The AWS adapter for `target`: its profile or its keychain account, its region, its code
/// bucket, and the endpoint override of `accounts`.
pub(crate) async fn connect_aws(
    target: &Target,
    accounts: &Accounts,
) -> Result<(AwsAdapter, functory_aws::AwsSession), ApiError> {
    let mut sign_in = match (&target.profile, &target.account) {
        (Some(profile), _) => AwsSignIn::profile(profile),
        (None, Some(account)) => AwsSignIn::keychain(&accounts.load(account)?)?,
        // What a CI job or a signed-in shell has: environment keys, an OIDC web identity
        // token, AWS_PROFILE, container or instance credentials.
        (None, None) => AwsSignIn::default_chain(),
    };
    if let Some(region) = &target.region {
        sign_in = sign_in.region(region);
    }
    if let Some(url) = &accounts.sign_in_endpoints().aws_endpoint_url {
        sign_in = sign_in.endpoint_url(url);
    }
    let session = sign_in.load().await?;
    if session.region().is_none() {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "target `{}` has no region, and {} sets none: add `region = \"eu-west-1\"` (for example) to [targets.{}]",
                target.name,
                session.who(),
                target.name
            ),
        ));
    }
    let adapter = AwsAdapter::builder(&session)
        .settings(AwsSettings {
            code_bucket: target.code_bucket.clone(),
            api_stage: target.api_stage.clone(),
            throttling: target.throttling,
            ..AwsSettings::default()
        })
        .build();
    Ok((adapter, session))
}
