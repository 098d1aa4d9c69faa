//! Where access tokens come from, and how long they are kept.
//!
//! Three sign-ins give tokens: a keychain service principal ([`ClientCredentials`]), the Azure
//! CLI's own sign-in ([`crate::AzureCliToken`]) and an interactive device-code sign-in
//! ([`crate::DeviceCodeSignIn`]). Each is a [`TokenSource`]; a [`TokenCache`] in front of it
//! keeps one token per resource (Resource Manager, which Kudu also accepts, and Application
//! Insights) until shortly before it expires, so a deploy's dozen calls ask Entra ID once.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use functory_adapter::AdapterError;
use functory_vault::Sensitive;

use crate::token::{AccessToken, ClientCredentials};

/// The API a token is for (its audience).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AzureResource {
    /// Azure Resource Manager; Kudu (the SCM site) accepts the same token.
    Management,
    /// The Application Insights query API.
    AppInsights,
}

impl AzureResource {
    /// The resource URI as `az account get-access-token --resource` takes it.
    pub fn uri(self) -> &'static str {
        match self {
            AzureResource::Management => "https://management.azure.com/",
            AzureResource::AppInsights => "https://api.applicationinsights.io",
        }
    }

    /// The OAuth2 v2 scope that asks for every role granted on the resource.
    pub fn default_scope(self) -> String {
        format!("{}/.default", self.uri().trim_end_matches('/'))
    }
}

impl fmt::Display for AzureResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AzureResource::Management => "Azure Resource Manager",
            AzureResource::AppInsights => "Application Insights",
        })
    }
}

/// Something that can get an access token for a resource.
#[async_trait::async_trait]
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// Who signs in, as messages name it ("account `prod`", "the Azure CLI (`az`)").
    fn signed_in_as(&self) -> String;

    /// A fresh token for `resource`. Errors name the sign-in and say what to do.
    async fn token(&self, resource: AzureResource) -> Result<AccessToken, AdapterError>;
}

#[async_trait::async_trait]
impl TokenSource for ClientCredentials {
    fn signed_in_as(&self) -> String {
        format!("account `{}`", self.account())
    }

    async fn token(&self, resource: AzureResource) -> Result<AccessToken, AdapterError> {
        self.clone()
            .scope(resource.default_scope())
            .request_token()
            .await
    }
}

/// Tokens are refreshed this long before they expire, so none runs out mid-call (or after half
/// their life, for the short-lived ones the Azure CLI may hand out from its cache).
const EXPIRY_MARGIN: Duration = Duration::from_secs(5 * 60);

/// One token per resource, kept until shortly before it expires.
pub struct TokenCache {
    source: Arc<dyn TokenSource>,
    cached: tokio::sync::Mutex<HashMap<AzureResource, (Sensitive<String>, Instant)>>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub fn new(source: Arc<dyn TokenSource>) -> Self {
        TokenCache {
            source,
            cached: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    pub fn signed_in_as(&self) -> String {
        self.source.signed_in_as()
    }

    /// A token for `resource`: the cached one while it is fresh, else a new one. Requests
    /// for tokens wait for each other, so concurrent calls ask the source once.
    pub async fn bearer(&self, resource: AzureResource) -> Result<Sensitive<String>, AdapterError> {
        let mut cached = self.cached.lock().await;
        if let Some((token, fresh_until)) = cached.get(&resource)
            && Instant::now() < *fresh_until
        {
            return Ok(token.clone());
        }
        let AccessToken { token, expires_in } = self.source.token(resource).await?;
        let margin = EXPIRY_MARGIN.min(expires_in / 2);
        let fresh_until = Instant::now() + expires_in.saturating_sub(margin);
        cached.insert(resource, (token.clone(), fresh_until));
        Ok(token)
    }

    /// Forgets the token for `resource`: the service refused it (revoked, wrong tenant).
    pub async fn forget(&self, resource: AzureResource) {
        self.cached.lock().await.remove(&resource);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[derive(Debug)]
    struct Counting {
        calls: AtomicUsize,
        lifetime: Duration,
    }

    #[async_trait::async_trait]
    impl TokenSource for Counting {
        fn signed_in_as(&self) -> String {
            "the test".into()
        }

        async fn token(&self, resource: AzureResource) -> Result<AccessToken, AdapterError> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            Ok(AccessToken {
                token: Sensitive::new(format!("{resource:?}-{n}")),
                expires_in: self.lifetime,
            })
        }
    }

    #[tokio::test]
    async fn keeps_one_token_per_resource_until_near_expiry() {
        let source = Arc::new(Counting {
            calls: AtomicUsize::new(0),
            lifetime: Duration::from_secs(3600),
        });
        let cache = TokenCache::new(source.clone());
        let a = cache.bearer(AzureResource::Management).await.unwrap();
        let b = cache.bearer(AzureResource::Management).await.unwrap();
        assert_eq!(a.expose(), b.expose());
        let c = cache.bearer(AzureResource::AppInsights).await.unwrap();
        assert_ne!(a.expose(), c.expose());
        assert_eq!(source.calls.load(Ordering::SeqCst), 2);
        cache.forget(AzureResource::Management).await;
        cache.bearer(AzureResource::Management).await.unwrap();
        assert_eq!(source.calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_short_lived_token_is_kept_for_half_its_life_and_an_expired_one_not_at_all() {
        // Four minutes left: kept for two, not asked for again on every call.
        let source = Arc::new(Counting {
            calls: AtomicUsize::new(0),
            lifetime: Duration::from_secs(240),
        });
        let cache = TokenCache::new(source.clone());
        cache.bearer(AzureResource::Management).await.unwrap();
        cache.bearer(AzureResource::Management).await.unwrap();
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
        let expired = Arc::new(Counting {
            calls: AtomicUsize::new(0),
            lifetime: Duration::ZERO,
        });
        let cache = TokenCache::new(expired.clone());
        cache.bearer(AzureResource::Management).await.unwrap();
        cache.bearer(AzureResource::Management).await.unwrap();
        assert_eq!(expired.calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn scopes_and_resources() {
        assert_eq!(
            AzureResource::Management.default_scope(),
            crate::token::MANAGEMENT_SCOPE
        );
        assert_eq!(
            AzureResource::AppInsights.default_scope(),
            "https://api.applicationinsights.io/.default"
        );
    }
}
