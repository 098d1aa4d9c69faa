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
        .map_err(|error| errors::sdk_failure(&error, CALL, context))?;
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

#[cfg(test)]
mod tests {
    //! Error answers as STS sends them (awsQuery XML, real status codes), through the SDK's
    //! own parsing, via `aws-smithy-mocks`: moto never answers with most of them.

    use super::*;
    use crate::errors::SignedInAs;
    use aws_sdk_sts::Client;
    use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    fn sts_error(status: u16, code: &'static str, message: &'static str) -> Client {
        let rule = mock!(Client::get_caller_identity)
            .sequence()
            .http_response(move || {
                HttpResponse::new(
                    StatusCode::try_from(status).expect("a valid status"),
                    SdkBody::from(format!(
                        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                         <Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
                         <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>"
                    )),
                )
            })
            // Throttling is retried by the SDK: answer the same to every attempt.
            .repeatedly()
            .build();
        mock_client!(aws_sdk_sts, RuleMode::MatchAny, &[&rule])
    }

    fn context(who: SignedInAs) -> CallContext {
        CallContext {
            who,
            region: Some("eu-west-1".into()),
            endpoint: None,
        }
    }

    fn account() -> CallContext {
        context(SignedInAs::Account("prod".into()))
    }

    async fn fails(client: Client, context: CallContext) -> AdapterError {
        get_caller_identity(&client, &context)
            .await
            .expect_err("the mocked STS answers with an error")
    }

    #[tokio::test]
    async fn an_unknown_access_key_says_to_create_a_new_one() {
        let error = fails(
            sts_error(
                403,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            ),
            account(),
        )
        .await;
        let AdapterError::Unauthenticated { message } = &error else {
            panic!("expected Unauthenticated, got {error:?}");
        };
        assert!(message.starts_with("STS GetCallerIdentity: AWS does not recognise the access key of account `prod` (InvalidClientTokenId: The security token included in the request is invalid.)"), "{message}");
        assert!(message.contains("create a new access key in IAM and update account `prod`"));
    }

    #[tokio::test]
    async fn a_wrong_secret_is_told_apart_from_an_unknown_key() {
        let error = fails(
            sts_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            ),
            account(),
        )
        .await;
        assert!(
            matches!(&error, AdapterError::Unauthenticated { message } if message.contains("the secret access key of account `prod` does not match its access key id")),
            "{error}"
        );
    }

    #[tokio::test]
    async fn an_expired_profile_token_says_to_run_sso_login() {
        let error = fails(
            sts_error(
                400,
                "ExpiredToken",
                "The security token included in the request is expired",
            ),
            context(SignedInAs::Profile("dev".into())),
        )
        .await;
        assert!(
            matches!(&error, AdapterError::Unauthenticated { message } if message.contains("the session token of AWS profile `dev` has expired") && message.contains("run `aws sso login --profile dev`")),
            "{error}"
        );
    }

    #[tokio::test]
    async fn access_denied_is_a_permission_problem() {
        let error = fails(
            sts_error(
                403,
                "AccessDenied",
                "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:GetCallerIdentity",
            ),
            account(),
        )
        .await;
        assert_eq!(error.code(), "permission_denied");
        assert!(
            error
                .to_string()
                .contains("account `prod` may not make STS GetCallerIdentity (AccessDenied: User: arn:aws:iam::123456789012:user/ci is not authorized")
        );
    }

    #[tokio::test]
    async fn a_disabled_region_and_throttling_are_named() {
        let error = fails(
            sts_error(
                403,
                "RegionDisabledException",
                "STS is not activated in this region for account:123456789012.",
            ),
            account(),
        )
        .await;
        assert!(
            matches!(&error, AdapterError::InvalidRequest { message } if message.contains("STS is not activated in region `eu-west-1`")),
            "{error}"
        );
        let error = fails(sts_error(400, "Throttling", "Rate exceeded"), account()).await;
        assert!(error.is_retryable(), "{error}");
    }

    #[tokio::test]
    async fn an_error_without_a_known_code_keeps_aws_words_and_no_debug_dump() {
        let error = fails(
            sts_error(500, "InternalFailure", "We encountered an internal error."),
            account(),
        )
        .await;
        let text = error.to_string();
        assert!(
            text.contains("STS GetCallerIdentity for account `prod` failed: InternalFailure: We encountered an internal error."),
            "{text}"
        );
        assert!(
            !text.contains("ServiceError {") && !text.contains("raw:"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn a_successful_answer_is_the_identity() {
        let rule = mock!(Client::get_caller_identity).then_output(|| {
            GetCallerIdentityOutput::builder()
                .account("123456789012")
                .arn("arn:aws:iam::123456789012:user/ci")
                .user_id("AIDAEXAMPLEUSERID")
                .build()
        });
        let client = mock_client!(aws_sdk_sts, &[&rule]);
        let identity = get_caller_identity(&client, &account()).await.unwrap();
        assert_eq!(
            identity,
            CallerIdentity {
                account: "123456789012".into(),
                arn: "arn:aws:iam::123456789012:user/ci".into(),
                user_id: "AIDAEXAMPLEUSERID".into(),
            }
        );
    }
}
