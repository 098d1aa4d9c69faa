//! What Azure's and Google's OAuth2 token endpoints share: an answer that is not an OAuth error
//! body (a proxy's page, a wrong endpoint, an outage) still has to become one clear error.

use functory_core::AdapterKind;

use crate::error::AdapterError;

/// The error for a token endpoint's non-OAuth answer with HTTP `status`. `outage_hint` is said
/// for 5xx answers, `endpoint_hint` otherwise (usually: is the endpoint the right one?); 429 is
/// throttling.
pub fn non_oauth_answer(
    provider: AdapterKind,
    account: &str,
    status: u16,
    endpoint: &str,
    outage_hint: &str,
    endpoint_hint: &str,
) -> AdapterError {
    let hint = if status >= 500 {
        outage_hint
    } else {
        endpoint_hint
    };
    let message = format!(
        "the token request of account `{account}` got HTTP {status} from {endpoint} without an OAuth error: {hint}"
    );
    if status == 429 {
        AdapterError::Throttled { message }
    } else {
        AdapterError::Provider {
            provider,
            message,
            source: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_account_status_and_endpoint_and_picks_the_hint() {
        let error = non_oauth_answer(
            AdapterKind::Gcp,
            "ci",
            502,
            "https://t",
            "outage",
            "wrong endpoint?",
        );
        assert_eq!(
            error.to_string(),
            "Google Cloud Functions failed: the token request of account `ci` got HTTP 502 from https://t without an OAuth error: outage"
        );
        let error = non_oauth_answer(
            AdapterKind::Azure,
            "ci",
            404,
            "https://t",
            "outage",
            "wrong endpoint?",
        );
        assert!(error.to_string().ends_with("wrong endpoint?"));
        assert!(matches!(
            non_oauth_answer(AdapterKind::Azure, "a", 429, "e", "o", "w"),
            AdapterError::Throttled { .. }
        ));
    }
}
