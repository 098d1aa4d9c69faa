//! The contract every deployment target implements — the local runtime, AWS Lambda, Azure
//! Functions and Google Cloud Functions — shaped after the `object_store` crate: one small set
//! of operations taking options structs, one error vocabulary that each provider's private
//! errors convert into, and a capabilities struct saying what a provider supports.
//!
//! This crate depends only on `functory-core`. The operations themselves (deploy, invoke, tail
//! logs, list, describe, delete) and the conformance suite arrive with the local runtime.

use functory_core::AdapterKind;
use serde::Serialize;

/// The one error vocabulary of every adapter. Providers map their own errors into these kinds
/// and keep the original as the source, so callers branch on the kind and show the message.
#[derive(Debug, thiserror::Error)]
pub enum AdapterError {
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("{what} already exists")]
    AlreadyExists { what: String },
    #[error("permission denied: {message}")]
    PermissionDenied { message: String },
    #[error("not signed in: {message}")]
    Unauthenticated { message: String },
    #[error("conflict: {message}")]
    Conflict { message: String },
    #[error("throttled: {message}")]
    Throttled { message: String },
    #[error("{operation} is not supported by {provider}")]
    NotSupported {
        operation: &'static str,
        provider: AdapterKind,
    },
    #[error("invalid request: {message}")]
    InvalidRequest { message: String },
    #[error("{provider} failed: {message}")]
    Provider {
        provider: AdapterKind,
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl AdapterError {
    /// A stable code for the UI and `--json` output.
    pub fn code(&self) -> &'static str {
        match self {
            AdapterError::NotFound { .. } => "not_found",
            AdapterError::AlreadyExists { .. } => "already_exists",
            AdapterError::PermissionDenied { .. } => "permission_denied",
            AdapterError::Unauthenticated { .. } => "unauthenticated",
            AdapterError::Conflict { .. } => "conflict",
            AdapterError::Throttled { .. } => "throttled",
            AdapterError::NotSupported { .. } => "not_supported",
            AdapterError::InvalidRequest { .. } => "invalid_request",
            AdapterError::Provider { .. } => "provider",
        }
    }

    /// Whether trying the same call again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            AdapterError::Throttled { .. } | AdapterError::Conflict { .. }
        )
    }
}

/// What a provider can do, so the UI offers only what works and the conformance suite skips
/// only what the provider declares unsupported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Capabilities {
    pub kind: AdapterKind,
    pub versions: bool,
    pub aliases: bool,
    pub async_invoke: bool,
    pub live_logs: bool,
    pub http_trigger: bool,
    pub schedule_trigger: bool,
    pub storage_trigger: bool,
    pub queue_trigger: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_well_and_carry_stable_codes() {
        let error = AdapterError::NotSupported {
            operation: "tail_logs",
            provider: AdapterKind::Gcp,
        };
        assert_eq!(
            error.to_string(),
            "tail_logs is not supported by Google Cloud Functions"
        );
        assert_eq!(error.code(), "not_supported");
        assert!(!error.is_retryable());
        assert!(
            AdapterError::Throttled {
                message: "slow down".into()
            }
            .is_retryable()
        );
    }
}
