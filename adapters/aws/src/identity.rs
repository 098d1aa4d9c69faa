//! Who AWS says you are: STS GetCallerIdentity, the call behind "Test account". It needs no
//! permission, so it tells credential problems apart from permission problems.

use aws_config::Region;
use aws_credential_types::provider::SharedCredentialsProvider;
use functory_adapter::AdapterError;
use functory_core::AdapterKind;

use crate::credentials::AwsSession;
use crate::errors::{self, CallContext};

/// STS is global: with no region configured, ask it in its oldest region.
const DEFAULT_STS_REGION: &str = "us-east-1";

/// The identity behind a set of credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The 12-digit AWS account id.
    pub account: String,
    /// `arn:aws:iam::123456789012:user/NAME` or `arn:aws:sts::123456789012:assumed-role/ROLE/SESSION`.
    pub arn: String,
    /// The unique id of the user or role (`AIDA…`, `AROA…:session`).
    pub user_id: String,
}

/// Resolves the session's credentials (assuming its role, reading its SSO cache, …) and asks
/// STS whose they are.
pub async fn caller_identity(session: &AwsSession) -> Result<CallerIdentity, AdapterError> {
    let credentials = session.credentials().await?;
    let mut config = aws_sdk_sts::config::Builder::from(session.sdk_config())
        // Credentials resolved once above: a role is not assumed a second time for this call.
        .credentials_provider(SharedCredentialsProvider::new(credentials));
    let mut context = session.context();
    if session.region().is_none() {
        config = config.region(Region::from_static(DEFAULT_STS_REGION));
        context.region = Some(DEFAULT_STS_REGION.to_owned());
    }
    let client = aws_sdk_sts::Client::from_conf(config.build());
    get_caller_identity(&client, &context).await
}

pub(crate) async fn get_caller_identity(
    client: &aws_sdk_sts::Client,
    context: &CallContext,
) -> Result<CallerIdentity, AdapterError> {
    const CALL: &str = "STS GetCallerIdentity";
    let output = client
        .get_caller_identity()
        .send()
        .await
        .map_err(|error| errors::sts_failure(&error, CALL, context))?;
    match (output.account(), output.arn(), output.user_id()) {
        (Some(account), Some(arn), Some(user_id)) => Ok(CallerIdentity {
            account: account.to_owned(),
            arn: arn.to_owned(),
            user_id: user_id.to_owned(),
        }),
        _ => Err(AdapterError::Provider {
            provider: AdapterKind::Aws,
            message: format!(
                "{CALL} for {} answered without an account, ARN or user id: is the endpoint an AWS API?",
                context.who
            ),
            source: None,
        }),
    }
}
