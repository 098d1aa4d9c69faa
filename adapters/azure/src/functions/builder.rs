//! [`AzureAdapterBuilder`]: the target's subscription, resource group and function app, how
//! to sign in, and the endpoints, each checked before the adapter is built.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use functory_adapter::{AdapterError, Result};
use functory_core::Target;
use functory_vault::{Account, AccountDetails};

use super::{AzureAdapter, Inner};
use crate::arm::{AppRef, Arm};
use crate::cli_token::AzureCliToken;
use crate::credential::{TokenCache, TokenSource};
use crate::device_code::{DeviceCodePrompt, DeviceCodeSignIn};
use crate::endpoints::AzureEndpoints;
use crate::settings::AzureSettings;
use crate::token::{ClientCredentials, ServicePrincipal};

/// How the adapter signs in.
enum Credential {
    ServicePrincipal(ServicePrincipal),
    Source(Arc<dyn TokenSource>),
    AzureCli,
    DeviceCode {
        tenant: String,
        client_id: String,
        prompt: Arc<dyn Fn(DeviceCodePrompt) + Send + Sync>,
    },
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::ServicePrincipal(p) => f.debug_tuple("ServicePrincipal").field(p).finish(),
            Credential::Source(s) => f.debug_tuple("Source").field(s).finish(),
            Credential::AzureCli => f.write_str("AzureCli"),
            Credential::DeviceCode {
                tenant, client_id, ..
            } => f
                .debug_struct("DeviceCode")
                .field("tenant", tenant)
                .field("client_id", client_id)
                .finish_non_exhaustive(),
        }
    }
}

/// Builds an [`AzureAdapter`]; [`AzureAdapterBuilder::build`] checks everything.
#[derive(Debug, Default)]
pub struct AzureAdapterBuilder {
    subscription_id: Option<String>,
    resource_group: Option<String>,
    function_app: Option<String>,
    credential: Option<Credential>,
    endpoints: AzureEndpoints,
    app_insights_app_id: Option<String>,
    settings: AzureSettings,
}

impl AzureAdapterBuilder {
    /// `AZURE_SUBSCRIPTION_ID`, `AZURE_RESOURCE_GROUP`, `AZURE_FUNCTION_APP`,
    /// `AZURE_AUTHORITY_HOST`, `AZURE_RESOURCE_MANAGER_URL` where set.
    pub fn from_env() -> Self {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut builder = AzureAdapterBuilder {
            subscription_id: var("AZURE_SUBSCRIPTION_ID"),
            resource_group: var("AZURE_RESOURCE_GROUP"),
            function_app: var("AZURE_FUNCTION_APP"),
            ..AzureAdapterBuilder::default()
        };
        if let Some(url) = var("AZURE_RESOURCE_MANAGER_URL") {
            builder.endpoints.resource_manager = url;
        }
        builder
    }

    pub fn subscription_id(mut self, id: impl Into<String>) -> Self {
        self.subscription_id = Some(id.into());
        self
    }

    pub fn resource_group(mut self, name: impl Into<String>) -> Self {
        self.resource_group = Some(name.into());
        self
    }

    pub fn function_app(mut self, name: impl Into<String>) -> Self {
        self.function_app = Some(name.into());
        self
    }

    /// Subscription, resource group and function app from a manifest target (those it sets).
    pub fn target(mut self, target: &Target) -> Self {
        if let Some(id) = &target.subscription_id {
            self.subscription_id = Some(id.clone());
        }
        if let Some(group) = &target.resource_group {
            self.resource_group = Some(group.clone());
        }
        if let Some(app) = &target.function_app {
            self.function_app = Some(app.clone());
        }
        self
    }

    /// Signs in as a keychain service principal; its subscription is used when none is set.
    pub fn account(mut self, account: &Account) -> Result<Self> {
        let principal = ServicePrincipal::from_account(account)?;
        if self.subscription_id.is_none()
            && let AccountDetails::AzureServicePrincipal {
                subscription_id: Some(id),
                ..
            } = &account.summary.details
        {
            self.subscription_id = Some(id.clone());
        }
        self.credential = Some(Credential::ServicePrincipal(principal));
        Ok(self)
    }

    pub fn service_principal(mut self, principal: ServicePrincipal) -> Self {
        self.credential = Some(Credential::ServicePrincipal(principal));
        self
    }

    /// Signs in with the Azure CLI's account (`az` on PATH, after `az login`).
    pub fn azure_cli(mut self) -> Self {
        self.credential = Some(Credential::AzureCli);
        self
    }

    /// Signs in interactively: `prompt` gets the code to show. `client_id` is a public client
    /// application registered in the tenant.
    pub fn device_code(
        mut self,
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        prompt: impl Fn(DeviceCodePrompt) + Send + Sync + 'static,
    ) -> Self {
        self.credential = Some(Credential::DeviceCode {
            tenant: tenant.into(),
            client_id: client_id.into(),
            prompt: Arc::new(prompt),
        });
        self
    }

    /// Any other token source (a configured [`AzureCliToken`] or [`DeviceCodeSignIn`]).
    pub fn token_source(mut self, source: Arc<dyn TokenSource>) -> Self {
        self.credential = Some(Credential::Source(source));
        self
    }

    pub fn endpoints(mut self, endpoints: AzureEndpoints) -> Self {
        self.endpoints = endpoints;
        self
    }

    pub fn authority_host(mut self, url: impl Into<String>) -> Self {
        self.endpoints.authority_host = url.into();
        self
    }

    pub fn resource_manager_url(mut self, url: impl Into<String>) -> Self {
        self.endpoints.resource_manager = url.into();
        self
    }

    /// `https://{app}.scm.azurewebsites.net`-style; default: the site's own SCM host name.
    pub fn scm_url_template(mut self, template: impl Into<String>) -> Self {
        self.endpoints.scm_template = Some(template.into());
        self
    }

    /// `https://{app}.azurewebsites.net`-style; default: the site's default host name.
    pub fn function_host_url_template(mut self, template: impl Into<String>) -> Self {
        self.endpoints.function_host_template = Some(template.into());
        self
    }

    pub fn app_insights_url(mut self, url: impl Into<String>) -> Self {
        self.endpoints.app_insights = url.into();
        self
    }

    /// The Application Insights application id to read logs from, when the app's connection
    /// string does not carry one (`ApplicationId=`).
    pub fn app_insights_app_id(mut self, id: impl Into<String>) -> Self {
        self.app_insights_app_id = Some(id.into());
        self
    }

    pub fn settings(mut self, settings: AzureSettings) -> Self {
        self.settings = settings;
        self
    }

    pub fn build(self) -> Result<AzureAdapter> {
        let subscription_id = self.subscription_id.ok_or_else(|| {
            AdapterError::invalid(
                "an Azure target needs subscription_id (or an account that names its subscription)",
            )
        })?;
        if !is_guid(&subscription_id) {
            return Err(AdapterError::invalid(format!(
                "subscription_id `{subscription_id}` is not a subscription id (a GUID such as 00000000-0000-0000-0000-000000000000)"
            )));
        }
        let resource_group = self
            .resource_group
            .ok_or_else(|| AdapterError::invalid("an Azure target needs resource_group"))?;
        if !is_resource_group(&resource_group) {
            return Err(AdapterError::invalid(format!(
                "resource_group `{resource_group}` is not a resource group name (1–90 letters, digits, `-`, `_`, `.`, `(`, `)`, not ending in `.`)"
            )));
        }
        let name = self
            .function_app
            .ok_or_else(|| AdapterError::invalid("an Azure target needs function_app"))?;
        if !is_app_name(&name) {
            return Err(AdapterError::invalid(format!(
                "function_app `{name}` is not a function app name (2–60 letters, digits and hyphens, not starting or ending with a hyphen)"
            )));
        }
        self.endpoints.validate()?;
        let source: Arc<dyn TokenSource> = match self.credential {
            None => {
                return Err(AdapterError::Unauthenticated {
                    message: "the Azure adapter has no sign-in: choose a keychain account, the Azure CLI or a device-code sign-in".to_owned(),
                });
            }
            Some(Credential::ServicePrincipal(principal)) => Arc::new(
                ClientCredentials::new(principal).authority_host(&self.endpoints.authority_host),
            ),
            Some(Credential::Source(source)) => source,
            Some(Credential::AzureCli) => Arc::new(AzureCliToken::from_path()?),
            Some(Credential::DeviceCode {
                tenant,
                client_id,
                prompt,
            }) => Arc::new(
                DeviceCodeSignIn::new(tenant, client_id, move |p| prompt(p))
                    .authority_host(&self.endpoints.authority_host),
            ),
        };
        let tokens = Arc::new(TokenCache::new(source));
        let http = reqwest::Client::builder()
            .build()
            .map_err(|e| AdapterError::invalid(format!("could not set up HTTPS: {e}")))?;
        let app = AppRef {
            subscription_id,
            resource_group,
            name,
        };
        let arm = Arm {
            http: http.clone(),
            base: crate::endpoints::checked_base(
                "the Resource Manager endpoint",
                &self.endpoints.resource_manager,
            )?,
            tokens: tokens.clone(),
            app: app.clone(),
            settings: self.settings.clone(),
        };
        Ok(AzureAdapter {
            inner: Arc::new(Inner {
                app,
                arm,
                http,
                tokens,
                endpoints: self.endpoints,
                app_insights_app_id: self.app_insights_app_id,
                settings: self.settings,
                keys: tokio::sync::Mutex::new(HashMap::new()),
            }),
        })
    }
}

fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_resource_group(name: &str) -> bool {
    (1..=90).contains(&name.len())
        && !name.ends_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'))
}

fn is_app_name(name: &str) -> bool {
    (2..=60).contains(&name.len())
        && !name.starts_with('-')
        && !name.ends_with('-')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_before_any_call() {
        assert!(is_guid("0b1f6471-1bf0-4dda-aec3-111122223333"));
        assert!(!is_guid("0b1f6471-1bf0-4dda-aec3"));
        assert!(is_resource_group("rg-media_(prod).1"));
        assert!(!is_resource_group("ends."));
        assert!(is_app_name("thumbs-prod"));
        assert!(!is_app_name("-thumbs"));
        assert!(!is_app_name("t"));
        let error = AzureAdapter::builder()
            .subscription_id("0b1f6471-1bf0-4dda-aec3-111122223333")
            .resource_group("media")
            .function_app("thumbs")
            .build()
            .unwrap_err();
        assert!(matches!(error, AdapterError::Unauthenticated { .. }));
        let error = AzureAdapter::builder()
            .subscription_id("nope")
            .build()
            .unwrap_err();
        assert!(
            error.to_string().contains("not a subscription id"),
            "{error}"
        );
    }
}
