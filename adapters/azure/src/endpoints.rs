//! Where the adapter's calls go. Every endpoint is overridable, for sovereign clouds and for the
//! fakes the tests run on loopback ports; each is checked once, when the adapter is built.

use functory_adapter::AdapterError;

use crate::token::DEFAULT_AUTHORITY_HOST;

/// Azure Resource Manager in the public cloud.
pub const DEFAULT_RESOURCE_MANAGER: &str = "https://management.azure.com";
/// The Application Insights query API in the public cloud.
pub const DEFAULT_APP_INSIGHTS: &str = "https://api.applicationinsights.io";

/// The endpoints of one Azure cloud. `{app}` in a template is the function app's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureEndpoints {
    /// Microsoft Entra ID, for the service-principal and device-code sign-ins.
    pub authority_host: String,
    pub resource_manager: String,
    /// The app's Kudu (SCM) site, e.g. `https://{app}.scm.azurewebsites.net`. `None` takes the
    /// site's own SCM host name, as Resource Manager reports it.
    pub scm_template: Option<String>,
    /// The app's function host, e.g. `https://{app}.azurewebsites.net`. `None` takes the site's
    /// default host name.
    pub function_host_template: Option<String>,
    pub app_insights: String,
}

impl Default for AzureEndpoints {
    fn default() -> Self {
        AzureEndpoints {
            authority_host: std::env::var("AZURE_AUTHORITY_HOST")
                .ok()
                .filter(|host| !host.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_AUTHORITY_HOST.to_owned()),
            resource_manager: DEFAULT_RESOURCE_MANAGER.to_owned(),
            scm_template: None,
            function_host_template: None,
            app_insights: DEFAULT_APP_INSIGHTS.to_owned(),
        }
    }
}

impl AzureEndpoints {
    /// Checks every endpoint: a URL, HTTPS (plain HTTP only to a loopback test server, since
    /// each is sent a token or a key), and `{app}` in the templates.
    pub fn validate(&self) -> Result<(), AdapterError> {
        crate::token::checked_authority(&self.authority_host)?;
        checked_base("the Resource Manager endpoint", &self.resource_manager)?;
        checked_base("the Application Insights endpoint", &self.app_insights)?;
        for (what, template) in [
            ("the SCM (Kudu) URL template", &self.scm_template),
            (
                "the function host URL template",
                &self.function_host_template,
            ),
        ] {
            let Some(template) = template else { continue };
            if !template.contains("{app}") {
                return Err(AdapterError::invalid(format!(
                    "{what} `{template}` has no `{{app}}` where the function app's name goes"
                )));
            }
            checked_base(what, &template.replace("{app}", "app"))?;
        }
        Ok(())
    }

    /// `template` with the app's name in, without a trailing slash.
    pub(crate) fn fill(template: &str, app: &str) -> String {
        template
            .replace("{app}", app)
            .trim_end_matches('/')
            .to_owned()
    }
}

/// `url` without its trailing slash, once it is known to be a URL that may carry a token.
pub(crate) fn checked_base(what: &str, url: &str) -> Result<String, AdapterError> {
    let trimmed = url.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(trimmed)
        .map_err(|_| AdapterError::invalid(format!("{what} `{trimmed}` is not a URL")))?;
    if !may_carry_secrets(&parsed) {
        return Err(AdapterError::invalid(format!(
            "{what} `{trimmed}` is not HTTPS: tokens and keys are only sent over HTTPS (or to a loopback test server)"
        )));
    }
    Ok(trimmed.to_owned())
}

/// HTTPS, or plain HTTP to this machine (a test's fake).
pub(crate) fn may_carry_secrets(url: &reqwest::Url) -> bool {
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    url.scheme() == "https" || (url.scheme() == "http" && loopback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_need_the_app_and_endpoints_need_https() {
        let mut endpoints = AzureEndpoints {
            authority_host: "https://login.microsoftonline.com".into(),
            ..AzureEndpoints::default()
        };
        assert!(endpoints.validate().is_ok());
        endpoints.scm_template = Some("https://scm.example.com".into());
        let error = endpoints.validate().unwrap_err().to_string();
        assert!(error.contains("has no `{app}`"), "{error}");
        endpoints.scm_template = Some("http://{app}.scm.example.com".into());
        let error = endpoints.validate().unwrap_err().to_string();
        assert!(error.contains("is not HTTPS"), "{error}");
        endpoints.scm_template = Some("http://127.0.0.1:9/scm/{app}/".into());
        assert!(endpoints.validate().is_ok());
        assert_eq!(
            AzureEndpoints::fill("http://127.0.0.1:9/scm/{app}/", "thumbs"),
            "http://127.0.0.1:9/scm/thumbs"
        );
        endpoints.resource_manager = "management".into();
        assert!(endpoints.validate().is_err());
    }
}
