//! Functory's AWS adapter, starting with signing in.
//!
//! Two ways to sign in, chosen per target: a named profile of the user's AWS configuration
//! (static keys, assume-role, SSO sessions, `credential_process`), resolved by `aws-config`
//! exactly as the AWS CLI resolves it; or an account from the OS keychain, whose keys go from the
//! vault into the SDK through [`KeychainCredentials`] and nowhere else (optionally assuming a
//! role with an external id). Either way the result is an [`AwsSession`]: an `SdkConfig` plus
//! the name of what signed in, so every error can say which profile or account failed.
//! Endpoint overrides (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_STS`, or
//! [`AwsSignIn::endpoint_url`]) keep working, which is how the tests reach a moto server.
//!
//! Failures become [`functory_adapter::AdapterError`]s whose message names the profile or
//! account, the call, and what to do — never an SDK debug dump and never a secret.
//!
//! [`AwsAdapter`] is the Lambda adapter: planned deploys with their triggers (function URLs,
//! SQS/Kinesis/DynamoDB event source mappings, EventBridge Scheduler schedules, S3 bucket
//! notifications), packages over 50 MB through the target's code bucket, invokes, logs
//! (FilterLogEvents polling, or a billed StartLiveTail session on request), versions,
//! rollback, and reading a function back for import.
//!
//! Test support, behind the `test-support` feature (never in a release build): [`moto`] starts a
//! real moto server (the AWS emulator) for the tests of this and other crates, and
//! [`CallRecorder`] / [`FailCall`] count or cut a deploy's SDK calls.

#[cfg(feature = "test-support")]
mod calls;
mod credentials;
mod errors;
mod identity;
mod lambda;
#[cfg(feature = "test-support")]
pub mod moto;
pub mod package;
pub mod resources;

#[cfg(feature = "test-support")]
pub use calls::{CallRecorder, FailCall, is_read};
pub use credentials::{
    AwsSession, AwsSignIn, CredentialSource, KeychainAccount, KeychainCredentials,
};
pub use identity::{CallerIdentity, caller_identity};
pub use lambda::{
    AwsAdapter, AwsAdapterBuilder, AwsSettings, ImportNote, ImportedFunction, ImportedTrigger,
    StreamHostPrefix, capabilities, parse_log_message, role_name,
};
