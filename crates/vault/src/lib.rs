//! Cloud accounts, kept in the operating system's keychain and nowhere else.
//!
//! An account (an AWS access key, an Azure service principal, a Google service-account key) is
//! stored as one keychain entry holding its secret fields, plus an index entry listing the
//! accounts' public fields, so the app can list accounts without reading any secret. Secret
//! values live in [`Sensitive`], which prints `<redacted>` and refuses to serialize, so a
//! secret cannot reach a log line or an IPC payload by accident.
//!
//! Entries are namespaced per build ([`Namespace::for_this_build`]): a debug build never reads
//! or writes the release build's accounts. When no keychain is reachable the error says what to
//! install or unlock; there is no file fallback, plaintext or encrypted.

mod account;
mod sensitive;
mod store;

pub use account::{
    Account, AccountDetails, AccountKind, AccountSecrets, AccountSummary, AwsAccessKey,
    AzureServicePrincipal, GcpServiceAccount,
};
pub use sensitive::Sensitive;
pub use store::{KeychainStore, Namespace, SecretStore, Vault, VaultError, VaultErrorCode};
