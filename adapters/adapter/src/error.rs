//! The one error vocabulary of every adapter.

use functory_core::AdapterKind;

pub type Result<T, E = AdapterError> = std::result::Result<T, E>;

/// The one error vocabulary of every adapter. Providers map their own errors into these kinds
/// and keep the original as the source, so callers branch on the kind and show the message.
///
/// A function that *ran and failed* is not an `AdapterError`: that is a successful
/// [`crate::Invocation`] carrying a [`crate::FunctionError`], exactly as Lambda answers 200 with
/// `X-Amz-Function-Error`.
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

    pub fn not_found(what: impl Into<String>) -> Self {
        AdapterError::NotFound { what: what.into() }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        AdapterError::InvalidRequest {
            message: message.into(),
        }
    }

    pub fn provider(provider: AdapterKind, message: impl Into<String>) -> Self {
        AdapterError::Provider {
            provider,
            message: message.into(),
            source: None,
        }
    }
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
        assert_eq!(AdapterError::not_found("function `x`").code(), "not_found");
    }
}
