//! SDK failures turned into messages a person can act on: which profile or account, which
//! call, what went wrong, what to do. Only error codes, AWS's own messages and the chain of
//! causes' texts are used — never a `Debug` dump of an SDK error, which can run to pages.

use std::error::Error;
use std::fmt;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use functory_adapter::AdapterError;
use functory_core::AdapterKind;

/// What signed in, as messages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SignedInAs {
    Profile(String),
    Account(String),
    /// The standard credential chain (environment, web identity, `AWS_PROFILE`, …).
    DefaultChain,
    /// The local run's AWS emulator, with the keys Functory gave it.
    LocalServices,
}

impl fmt::Display for SignedInAs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignedInAs::Profile(name) => write!(f, "AWS profile `{name}`"),
            SignedInAs::Account(name) => write!(f, "account `{name}`"),
            SignedInAs::LocalServices => f.write_str("the local AWS services"),
            SignedInAs::DefaultChain => f.write_str(
                "the AWS credentials of the environment (AWS_ACCESS_KEY_ID, a web identity token, AWS_PROFILE, container or instance credentials)",
            ),
        }
    }
}

/// Where a call went, for messages about calls that failed.
#[derive(Debug, Clone)]
pub(crate) struct CallContext {
    pub who: SignedInAs,
    pub region: Option<String>,
    pub endpoint: Option<String>,
}

impl CallContext {
    /// "the STS endpoint of region eu-west-1" or "http://127.0.0.1:5000", for a call named
    /// "STS GetCallerIdentity" (the service is the call's first word).
    fn destination(&self, call: &str) -> String {
        let service = call.split_whitespace().next().unwrap_or("AWS");
        match (&self.endpoint, &self.region) {
            (Some(endpoint), _) => endpoint.clone(),
            (None, Some(region)) => format!("the {service} endpoint of region `{region}`"),
            (None, None) => service.to_owned(),
        }
    }
}

fn provider(message: String) -> AdapterError {
    AdapterError::Provider {
        provider: AdapterKind::Aws,
        message,
        source: None,
    }
}

/// The texts of an error and its causes, joined: what the SDK knows, without its Debug form.
pub(crate) fn chain_text(error: &(dyn Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(error) = next {
        let text = error.to_string();
        // Wrappers often repeat their cause's text; keep each sentence once.
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = error.source();
    }
    parts.join(": ")
}

/// Finds an already-explained failure (our own provider's) in a chain of causes.
fn explained<'a>(error: &'a (dyn Error + 'static)) -> Option<&'a AdapterError> {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(found) = error.downcast_ref::<AdapterError>() {
            return Some(found);
        }
        next = error.source();
    }
    None
}

/// An `AdapterError` is not `Clone` (its source may not be); this copies kind and message.
fn same(error: &AdapterError) -> AdapterError {
    match error {
        AdapterError::Unauthenticated { message } => AdapterError::Unauthenticated {
            message: message.clone(),
        },
        AdapterError::PermissionDenied { message } => AdapterError::PermissionDenied {
            message: message.clone(),
        },
        AdapterError::InvalidRequest { message } => AdapterError::InvalidRequest {
            message: message.clone(),
        },
        AdapterError::Throttled { message } => AdapterError::Throttled {
            message: message.clone(),
        },
        other => provider(match other {
            AdapterError::Provider { message, .. } => message.clone(),
            other => other.to_string(),
        }),
    }
}

pub(crate) fn no_credentials(who: &SignedInAs) -> AdapterError {
    AdapterError::Unauthenticated {
        message: format!("{who} has no credentials configured"),
    }
}

/// A credentials provider failed before any call was made.
pub(crate) fn credentials_failure(error: &CredentialsError, who: &SignedInAs) -> AdapterError {
    if let Some(explained) = explained(error) {
        return same(explained);
    }
    let detail = chain_text(error);
    match (error, who) {
        (CredentialsError::ProviderTimedOut(_), _) => provider(format!(
            "loading the credentials of {who} timed out: check the network, or whether a credential process hangs"
        )),
        (_, SignedInAs::Profile(name))
            if detail.contains("was not defined")
                || detail.contains("No profiles were defined") =>
        {
            AdapterError::InvalidRequest {
                message: format!(
                    "there is no AWS profile `{name}` in ~/.aws/config or ~/.aws/credentials ({detail}): pick an existing profile (`functory accounts profiles` lists them) or create it with `aws configure --profile {name}`"
                ),
            }
        }
        (_, SignedInAs::Profile(name)) if mentions_sso(&detail) => AdapterError::Unauthenticated {
            message: format!(
                "the SSO sign-in of {who} has expired or was never made ({detail}): run `aws sso login --profile {name}`, then try again"
            ),
        },
        (_, SignedInAs::Profile(name))
            if matches!(error, CredentialsError::CredentialsNotLoaded(_))
                || detail.contains("did not contain credential information") =>
        {
            AdapterError::Unauthenticated {
                message: format!(
                    "{who} has no credentials ({detail}): add keys with `aws configure --profile {name}`, or sign in with `aws sso login --profile {name}` for an SSO profile"
                ),
            }
        }
        _ => AdapterError::Unauthenticated {
            message: format!("could not load the credentials of {who}: {detail}"),
        },
    }
}

/// The credentials failure somewhere in an error's chain of causes.
fn credentials_error_in<'a>(error: &'a (dyn Error + 'static)) -> Option<&'a CredentialsError> {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(found) = error.downcast_ref::<CredentialsError>() {
            return Some(found);
        }
        next = error.source();
    }
    None
}

/// A sign-in failure known only by its text (the SDK wrapped the provider's error).
fn credentials_failure_text(detail: &str, who: &SignedInAs) -> AdapterError {
    match who {
        SignedInAs::Profile(name) if mentions_sso(detail) => AdapterError::Unauthenticated {
            message: format!(
                "the SSO sign-in of {who} has expired or was never made ({detail}): run `aws sso login --profile {name}`, then try again"
            ),
        },
        _ => AdapterError::Unauthenticated {
            message: format!("could not load the credentials of {who}: {detail}"),
        },
    }
}

fn mentions_sso(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("sso") || lower.contains("unauthorizedexception")
}

/// An AWS call failed. `call` names it with its service ("STS GetCallerIdentity", "Lambda
/// UpdateFunctionCode of `resize`").
pub(crate) fn sdk_failure<E>(
    error: &SdkError<E, HttpResponse>,
    call: &str,
    context: &CallContext,
) -> AdapterError
where
    E: ProvideErrorMetadata + Error + 'static,
{
    let who = &context.who;
    match error {
        SdkError::ServiceError(service) => {
            let failure = service.err();
            let status = service.raw().status().as_u16();
            // AWS wraps one <Error> in <ErrorResponse>; some emulators and proxies wrap it in
            // <Errors> as EC2 does, which the SDK does not read. The raw body still has it.
            let raw = service.raw().body().bytes().map(String::from_utf8_lossy);
            let code = failure
                .code()
                .map(str::to_owned)
                .or_else(|| raw.as_deref().and_then(|b| xml_element(b, "Code")));
            let aws_message = failure
                .message()
                .map(str::to_owned)
                .or_else(|| raw.as_deref().and_then(|b| xml_element(b, "Message")));
            let Some(code) = code else {
                let message = format!(
                    "{call} for {who} failed with HTTP {status} and no error code{}",
                    aws_message.map(|m| format!(": {m}")).unwrap_or_default()
                );
                return match status {
                    401 | 403 => AdapterError::Unauthenticated { message },
                    _ => provider(message),
                };
            };
            let said = match aws_message {
                Some(m) => format!("{code}: {m}"),
                None => code.clone(),
            };
            service_failure(&code, &said, call, context)
        }
        SdkError::DispatchFailure(dispatch) => {
            // Loading the sign-in's credentials (an SSO token never fetched, an expired one, a
            // failing credential process) happens while the request is dispatched: that is a
            // sign-in problem, not an unreachable endpoint.
            if let Some(credentials) = credentials_error_in(error) {
                return credentials_failure(credentials, who);
            }
            let destination = context.destination(call);
            let detail = chain_text(error);
            if detail.contains("credential") || mentions_sso(&detail) {
                return credentials_failure_text(&detail, who);
            }
            let hint = if context.endpoint.is_some() {
                "check that the endpoint is up and the URL is right"
            } else if dispatch.is_timeout() {
                "check the network connection (or a proxy) and try again"
            } else {
                "check the region name and the network connection"
            };
            provider(format!(
                "{call} for {who} could not reach {destination} ({detail}): {hint}"
            ))
        }
        SdkError::TimeoutError(_) => provider(format!(
            "{call} for {who} timed out waiting for {}: check the network connection and try again",
            context.destination(call)
        )),
        SdkError::ResponseError(_) => provider(format!(
            "{call} for {who}: the answer from {} could not be read ({}); is the endpoint an AWS API?",
            context.destination(call),
            chain_text(error)
        )),
        SdkError::ConstructionFailure(_) => {
            // Identity resolution failures surface here; our provider explains its own.
            if let Some(explained) = explained(error) {
                return same(explained);
            }
            AdapterError::InvalidRequest {
                message: format!(
                    "{call} for {who} could not be prepared: {}",
                    chain_text(error)
                ),
            }
        }
        _ => provider(format!("{call} for {who} failed: {}", chain_text(error))),
    }
}

/// An error answer from AWS, by its code.
fn service_failure(code: &str, said: &str, call: &str, context: &CallContext) -> AdapterError {
    let who = &context.who;
    let sso_login = match who {
        SignedInAs::Profile(name) => format!("run `aws sso login --profile {name}` (SSO) or refresh the profile's keys"),
        SignedInAs::Account(_) => "store fresh keys in the account (a session token expires; long-term access keys do not)".to_owned(),
        SignedInAs::DefaultChain => "refresh the credentials the environment provides (a new session token, `aws sso login`, or the CI job's OIDC role)".to_owned(),
        SignedInAs::LocalServices => "reset the local data (`functory run --reset`) so the local services trust Functory's keys again".to_owned(),
    };
    let rekey = match who {
        SignedInAs::Profile(name) => format!("fix the keys with `aws configure --profile {name}`"),
        SignedInAs::Account(name) => format!(
            "create a new access key in IAM and update account `{name}` (`functory accounts add-aws` or the Accounts view)"
        ),
        SignedInAs::DefaultChain => "fix the keys the environment provides, or name a profile (`profile = \"NAME\"`) or a keychain account (`account = \"NAME\"`) in the target".to_owned(),
        SignedInAs::LocalServices => "reset the local data (`functory run --reset`) so the local services trust Functory's keys again".to_owned(),
    };
    match code {
        "InvalidClientTokenId" | "UnrecognizedClientException" => AdapterError::Unauthenticated {
            message: format!(
                "{call}: AWS does not recognise the access key of {who} ({said}); the key id is wrong, deleted or deactivated: {rekey}"
            ),
        },
        "SignatureDoesNotMatch" => AdapterError::Unauthenticated {
            message: format!(
                "{call}: the secret access key of {who} does not match its access key id ({said}): {rekey}"
            ),
        },
        "ExpiredToken" | "ExpiredTokenException" | "TokenRefreshRequired" => {
            AdapterError::Unauthenticated {
                message: format!(
                    "{call}: the session token of {who} has expired ({said}): {sso_login}"
                ),
            }
        }
        "AccessDenied" | "AccessDeniedException" => {
            let hint = if call.contains("AssumeRole") {
                "check that the role's trust policy allows this user to assume it and that the external id matches"
            } else {
                "ask an administrator for the permission, or use an identity that has it"
            };
            AdapterError::PermissionDenied {
                message: format!("{who} may not make {call} ({said}): {hint}"),
            }
        }
        "ResourceNotFoundException"
        // API Gateway's.
        | "NotFoundException"
        | "NoSuchEntity"
        | "NoSuchEntityException"
        | "NoSuchBucket"
        | "NoSuchKey" => AdapterError::NotFound {
            what: format!("{call} for {who}: {said}"),
        },
        "ResourceConflictException" | "ConcurrentModificationException" | "ConflictException" => {
            AdapterError::Conflict {
                message: format!(
                    "{call} for {who}: another change is still in progress ({said}); wait a moment and try again"
                ),
            }
        }
        "ResourceInUseException" | "EntityAlreadyExists" | "EntityAlreadyExistsException" => {
            AdapterError::AlreadyExists {
                what: format!("{call} for {who}: {said}"),
            }
        }
        "InvalidParameterValueException"
        | "ValidationException"
        | "ValidationError"
        | "MalformedPolicyDocument"
        | "MalformedPolicyDocumentException"
        | "InvalidRequestContentException"
        | "RequestTooLargeException"
        | "InvalidInput"
        | "InvalidParameterException"
        | "UnsupportedMediaTypeException"
        | "InvalidArgument"
        | "InvalidBucketName"
        | "MalformedXML" => AdapterError::InvalidRequest {
            message: format!("{call} for {who}: AWS refused the request ({said})"),
        },
        "CodeStorageExceededException" => AdapterError::InvalidRequest {
            message: format!(
                "{call} for {who}: the account's code storage is full ({said}): delete old function versions"
            ),
        },
        "LimitExceeded" | "LimitExceededException" => AdapterError::InvalidRequest {
            message: format!("{call} for {who}: an account limit was reached ({said})"),
        },
        "RegionDisabledException" => AdapterError::InvalidRequest {
            message: format!(
                "{call} for {who}: STS is not activated in region `{}` ({said}): activate the region in the IAM console (Account settings) or choose another region",
                context.region.as_deref().unwrap_or("?")
            ),
        },
        "Throttling"
        | "ThrottlingException"
        | "RequestLimitExceeded"
        | "TooManyRequestsException" => AdapterError::Throttled {
            message: format!(
                "{call} for {who} was throttled by AWS ({said}): try again in a moment"
            ),
        },
        _ => provider(format!("{call} for {who} failed: {said}")),
    }
}

/// The text of the first `<name>…</name>` in an XML error body.
fn xml_element(body: &str, name: &str) -> Option<String> {
    let start = body.find(&format!("<{name}>"))? + name.len() + 2;
    let end = start + body[start..].find(&format!("</{name}>"))?;
    let text = body[start..end].trim();
    (!text.is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_code_and_message_from_either_error_wrapping() {
        let ec2_style = "<ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error></Errors></ErrorResponse>";
        assert_eq!(
            xml_element(ec2_style, "Code").as_deref(),
            Some("InvalidClientTokenId")
        );
        assert_eq!(
            xml_element(ec2_style, "Message").as_deref(),
            Some("The security token included in the request is invalid.")
        );
        assert_eq!(xml_element("<Code></Code>", "Code"), None);
        assert_eq!(xml_element("not xml", "Code"), None);
    }
}
