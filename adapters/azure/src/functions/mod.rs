//! [`AzureAdapter`]: the [`Adapter`] for one Azure function app — deploy (planned first),
//! invoke, logs, list, describe, delete — and its [`CloudAdapter`] side.
//!
//! A function app holds every function of a project and is deployed as one package, so each
//! operation first observes the app (the site, its app settings, its functions), and a deploy
//! of one function deploys the package of all of them.

mod deploy;
mod invoke;
mod logs;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use functory_adapter::{
    Adapter, AdapterError, Capabilities, CloudAdapter, DeleteOptions, DeployOptions, DeployOutcome,
    DeployPlan, Deployment, DescribeOptions, FunctionDescription, FunctionState, FunctionSummary,
    Invocation, InvokeOptions, ListOptions, LogSource, LogStream, Result, TailOptions, VersionInfo,
};
use functory_core::{AdapterKind, Target};
use functory_vault::{Account, AccountDetails, Sensitive};
use reqwest::Method;
use serde_json::{Value, json};

pub use logs::{parse_log_stream_line, severity_level};

use crate::arm::{AppRef, Arm, FunctionEnvelope, Site};
use crate::cli_token::AzureCliToken;
use crate::credential::{TokenCache, TokenSource};
use crate::device_code::{DeviceCodePrompt, DeviceCodeSignIn};
use crate::endpoints::AzureEndpoints;
use crate::kudu::Kudu;
use crate::mapping::{AppProfile, HostingPlan, Language, Os, lambda_runtime};
use crate::settings::AzureSettings;
use crate::token::{ClientCredentials, ServicePrincipal};

/// The tag naming the Functory project that owns the app.
pub const TAG_PROJECT: &str = "functory-project";
/// The tag holding the SHA-256 of the package the app runs (written after a deploy finished).
pub const TAG_PACKAGE: &str = "functory-package-sha256";
/// The tag holding the commit the package was built from.
pub const TAG_COMMIT: &str = "functory-commit";
/// The app setting listing the settings functory.toml owns (a merge keeps all others).
pub const MANAGED_SETTINGS: &str = "FUNCTORY_MANAGED_SETTINGS";

/// Azure keeps no versions: what runs is what was deployed last.
const LATEST: &str = "$LATEST";

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

/// One Azure function app, signed in.
#[derive(Debug, Clone)]
pub struct AzureAdapter {
    inner: Arc<Inner>,
}

struct Inner {
    app: AppRef,
    arm: Arm,
    http: reqwest::Client,
    tokens: Arc<TokenCache>,
    endpoints: AzureEndpoints,
    app_insights_app_id: Option<String>,
    settings: AzureSettings,
    /// Function and host keys, as Resource Manager lists them (secrets).
    keys: tokio::sync::Mutex<HashMap<String, Sensitive<String>>>,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureAdapter")
            .field("app", &self.app)
            .field("signed_in_as", &self.tokens.signed_in_as())
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

/// The app as it is now.
#[derive(Debug, Clone)]
pub(crate) struct ObservedApp {
    pub site_id: String,
    pub os: Os,
    pub plan: HostingPlan,
    pub language: Option<Language>,
    /// `20`, `~20`, `3.11`: what the app's stack says.
    pub runtime_version: Option<String>,
    pub instance_memory_mb: Option<u32>,
    pub scm_base: String,
    pub host_base: String,
    pub tags: BTreeMap<String, String>,
    pub settings: BTreeMap<String, String>,
    pub functions: Vec<FunctionEnvelope>,
    pub state: Option<String>,
}

impl ObservedApp {
    pub fn profile(&self) -> AppProfile {
        AppProfile {
            os: self.os,
            plan: self.plan,
            instance_memory_mb: self.instance_memory_mb,
            time_zone: self.settings.get("WEBSITE_TIME_ZONE").cloned(),
        }
    }

    /// A package the app runs straight from (read-only): one function cannot be removed alone.
    pub fn runs_from_package(&self) -> bool {
        self.plan == HostingPlan::FlexConsumption
            || self
                .settings
                .get("WEBSITE_RUN_FROM_PACKAGE")
                .is_some_and(|v| !v.trim().is_empty() && v.trim() != "0")
    }

    /// Kudu's log stream works where Kudu runs with the app: Windows, and Linux on Premium or
    /// Dedicated plans; Linux Consumption and Flex Consumption have none.
    pub fn supports_log_stream(&self) -> bool {
        self.os == Os::Windows || matches!(self.plan, HostingPlan::Premium | HostingPlan::Dedicated)
    }

    /// The Application Insights application id of the app's connection string.
    pub fn app_insights_id(&self) -> Option<String> {
        let text = self.settings.get("APPLICATIONINSIGHTS_CONNECTION_STRING")?;
        text.split(';').find_map(|part| {
            let (key, value) = part.split_once('=')?;
            (key.trim().eq_ignore_ascii_case("ApplicationId") && !value.trim().is_empty())
                .then(|| value.trim().to_owned())
        })
    }

    /// The Azure functions generated for manifest function `name` (the one named so first).
    pub fn entries_of(&self, name: &str) -> Vec<&FunctionEnvelope> {
        let mut entries: Vec<&FunctionEnvelope> = self
            .functions
            .iter()
            .filter(|f| {
                f.function_name() == name
                    || f.functory()
                        .and_then(|m| m.get("function"))
                        .and_then(Value::as_str)
                        == Some(name)
            })
            .collect();
        entries.sort_by_key(|f| (f.function_name() != name, f.function_name().to_owned()));
        entries
    }

    /// The manifest function an Azure function belongs to.
    pub fn owner_of(envelope: &FunctionEnvelope) -> String {
        envelope
            .functory()
            .and_then(|m| m.get("function"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| envelope.function_name().to_owned())
    }

    /// The runtime as a Lambda name: the app's stack when it says, else what was deployed.
    pub fn lambda_runtime(&self, envelope: &FunctionEnvelope) -> String {
        let recorded = envelope
            .functory()
            .and_then(|m| m.get("runtime"))
            .and_then(Value::as_str);
        self.language
            .zip(self.runtime_version.as_deref())
            .and_then(|(language, version)| lambda_runtime(language, version))
            .or_else(|| recorded.map(str::to_owned))
            .or_else(|| self.language.map(|l| l.worker().to_owned()))
            .unwrap_or_default()
    }

    pub fn managed_settings(&self) -> Vec<String> {
        self.settings
            .get(MANAGED_SETTINGS)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What the app runs, for messages: "package 1a2b3c4d5e6f (commit 0123456789ab)".
    pub fn running(&self) -> String {
        match (self.tags.get(TAG_PACKAGE), self.tags.get(TAG_COMMIT)) {
            (Some(package), Some(commit)) => {
                format!("package {} (commit {})", short(package), short(commit))
            }
            (Some(package), None) => format!("package {}", short(package)),
            _ if self.functions.is_empty() => "no functions".to_owned(),
            _ => "a package Functory did not record".to_owned(),
        }
    }
}

pub(crate) fn short(text: &str) -> &str {
    &text[..text.len().min(12)]
}

impl AzureAdapter {
    pub fn builder() -> AzureAdapterBuilder {
        AzureAdapterBuilder::default()
    }

    pub fn app(&self) -> &AppRef {
        &self.inner.app
    }

    pub fn settings(&self) -> &AzureSettings {
        &self.inner.settings
    }

    pub(crate) fn arm(&self) -> &Arm {
        &self.inner.arm
    }

    pub(crate) fn kudu(&self, app: &ObservedApp) -> Kudu {
        Kudu {
            http: self.inner.http.clone(),
            base: app.scm_base.clone(),
            tokens: self.inner.tokens.clone(),
            app: self.inner.app.clone(),
            settings: self.inner.settings.clone(),
        }
    }

    /// The site itself.
    pub(crate) async fn site(&self) -> Result<Site> {
        let arm = self.arm();
        let answer = arm
            .call("WebApps.Get", Method::GET, &arm.site_url(""), None)
            .await?;
        let site: Site = serde_json::from_value(answer.body).map_err(|e| {
            AdapterError::provider(
                AdapterKind::Azure,
                format!(
                    "WebApps.Get of {} answered something that is not a site ({e})",
                    self.inner.app.describe()
                ),
            )
        })?;
        let kind = site.kind.clone().unwrap_or_default();
        if !kind.to_ascii_lowercase().contains("functionapp") {
            return Err(AdapterError::invalid(format!(
                "{} is not a function app (its kind is `{kind}`): name a function app in the target's function_app",
                self.inner.app.describe()
            )));
        }
        Ok(site)
    }

    pub(crate) async fn app_settings(&self) -> Result<BTreeMap<String, String>> {
        let arm = self.arm();
        let answer = arm
            .call(
                "WebApps.ListApplicationSettings",
                Method::POST,
                &arm.site_url("/config/appsettings/list"),
                None,
            )
            .await?;
        Ok(string_map(answer.body.get("properties")))
    }

    pub(crate) async fn functions(&self) -> Result<Vec<FunctionEnvelope>> {
        let arm = self.arm();
        let items = arm
            .list_all("WebApps.ListFunctions", &arm.site_url("/functions"))
            .await?;
        Ok(items
            .into_iter()
            .filter_map(|item| serde_json::from_value::<FunctionEnvelope>(item).ok())
            .collect())
    }

    /// The site, its settings and its functions, read at once.
    pub(crate) async fn observe(&self) -> Result<ObservedApp> {
        let (site, settings, functions) =
            tokio::try_join!(self.site(), self.app_settings(), self.functions())?;
        Ok(self.observed(site, settings, functions))
    }

    fn observed(
        &self,
        site: Site,
        settings: BTreeMap<String, String>,
        functions: Vec<FunctionEnvelope>,
    ) -> ObservedApp {
        let name = &self.inner.app.name;
        let kind = site.kind.clone().unwrap_or_default().to_ascii_lowercase();
        let properties = &site.properties;
        let plan = HostingPlan::from_sku(properties.sku.as_deref());
        let os = if kind.contains("linux") {
            Os::Linux
        } else {
            Os::Windows
        };
        let flex = properties.function_app_config.as_ref();
        let linux_fx = properties
            .site_config
            .as_ref()
            .and_then(|c| c.linux_fx_version.clone())
            .filter(|v| !v.is_empty());
        let (language, runtime_version) = if plan == HostingPlan::FlexConsumption {
            let runtime = flex.and_then(|c| c.runtime.as_ref());
            (
                runtime
                    .and_then(|r| r.name.as_deref())
                    .and_then(Language::parse),
                runtime.and_then(|r| r.version.clone()),
            )
        } else {
            let from_fx = linux_fx.as_deref().and_then(|fx| {
                let (stack, version) = fx.split_once('|')?;
                Some((Language::parse(stack), version.to_owned()))
            });
            let language = settings
                .get("FUNCTIONS_WORKER_RUNTIME")
                .and_then(|w| Language::parse(w))
                .or_else(|| from_fx.as_ref().and_then(|(l, _)| *l));
            let version = match language {
                Some(Language::Node) if os == Os::Windows => {
                    settings.get("WEBSITE_NODE_DEFAULT_VERSION").cloned()
                }
                _ => from_fx.map(|(_, v)| v),
            };
            (language, version)
        };
        let scm_base = match &self.inner.endpoints.scm_template {
            Some(template) => AzureEndpoints::fill(template, name),
            None => properties
                .host_name_ssl_states
                .as_ref()
                .and_then(|states| {
                    states
                        .iter()
                        .find(|s| s.host_type.as_deref() == Some("Repository"))
                })
                .map(|s| format!("https://{}", s.name))
                .unwrap_or_else(|| format!("https://{name}.scm.azurewebsites.net")),
        };
        let host_base = match &self.inner.endpoints.function_host_template {
            Some(template) => AzureEndpoints::fill(template, name),
            None => format!(
                "https://{}",
                properties
                    .default_host_name
                    .clone()
                    .unwrap_or_else(|| format!("{name}.azurewebsites.net"))
            ),
        };
        ObservedApp {
            site_id: site.id.clone(),
            os,
            plan,
            language,
            runtime_version,
            instance_memory_mb: flex
                .and_then(|c| c.scale_and_concurrency.as_ref())
                .and_then(|s| s.instance_memory_mb),
            scm_base,
            host_base,
            tags: site.tags.clone().unwrap_or_default(),
            settings,
            functions,
            state: properties.state.clone(),
        }
    }

    /// Replaces the app settings (the caller merged them).
    pub(crate) async fn put_settings(&self, settings: &BTreeMap<String, String>) -> Result<()> {
        let arm = self.arm();
        arm.call(
            "WebApps.UpdateApplicationSettings",
            Method::PUT,
            &arm.site_url("/config/appsettings"),
            Some(&json!({ "properties": settings })),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn sync_triggers(&self) -> Result<()> {
        let arm = self.arm();
        arm.call(
            "WebApps.SyncFunctionTriggers",
            Method::POST,
            &arm.site_url("/syncfunctiontriggers"),
            None,
        )
        .await?;
        Ok(())
    }

    /// Merges (`Merge`) or removes (`Delete`) tags, leaving every other tag alone.
    pub(crate) async fn update_tags(
        &self,
        operation: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<()> {
        let arm = self.arm();
        arm.call(
            "Tags.UpdateAtScope",
            Method::PATCH,
            &arm.tags_url(),
            Some(&json!({ "operation": operation, "properties": { "tags": tags } })),
        )
        .await?;
        Ok(())
    }

    /// A function key (`function:<name>`) or the master key (`master`), cached.
    pub(crate) async fn key(&self, which: &str) -> Result<Sensitive<String>> {
        let mut keys = self.inner.keys.lock().await;
        if let Some(key) = keys.get(which) {
            return Ok(key.clone());
        }
        let arm = self.arm();
        let key = match which.strip_prefix("function:") {
            Some(function) => {
                let answer = arm
                    .call(
                        "WebApps.ListFunctionKeys",
                        Method::POST,
                        &arm.site_url(&format!("/functions/{function}/listkeys")),
                        None,
                    )
                    .await?;
                let keys = match answer.body.get("properties") {
                    Some(properties) => string_map(Some(properties)),
                    None => string_map(Some(&answer.body)),
                };
                keys.get("default")
                    .or_else(|| keys.values().next())
                    .cloned()
            }
            None => {
                let answer = arm
                    .call(
                        "WebApps.ListHostKeys",
                        Method::POST,
                        &arm.site_url("/host/default/listkeys"),
                        None,
                    )
                    .await?;
                answer
                    .body
                    .get("masterKey")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            }
        };
        let key = Sensitive::new(key.ok_or_else(|| {
            AdapterError::provider(
                AdapterKind::Azure,
                format!(
                    "{} has no {} key to call it with: create one under the function's Function Keys in the portal",
                    self.inner.app.describe(),
                    which
                ),
            )
        })?);
        keys.insert(which.to_owned(), key.clone());
        Ok(key)
    }

    pub(crate) async fn forget_key(&self, which: &str) {
        self.inner.keys.lock().await.remove(which);
    }

    fn summary(&self, app: &ObservedApp, name: &str, entry: &FunctionEnvelope) -> FunctionSummary {
        FunctionSummary {
            name: name.to_owned(),
            runtime: app.lambda_runtime(entry),
            memory_mb: app.profile().instance_memory_mb().unwrap_or(0),
            timeout_s: entry
                .functory()
                .and_then(|m| m.get("timeoutS"))
                .and_then(Value::as_u64)
                .and_then(|t| u32::try_from(t).ok())
                .unwrap_or(0),
            version: LATEST.to_owned(),
        }
    }

    fn not_found(&self, function: &str) -> AdapterError {
        AdapterError::NotFound {
            what: format!(
                "function `{function}` in {} (deploy it first)",
                self.inner.app.describe()
            ),
        }
    }
}

fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|object| {
            object
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

#[async_trait::async_trait]
impl CloudAdapter for AzureAdapter {
    async fn plan(&self, options: &DeployOptions) -> Result<DeployPlan> {
        Ok(self.prepare(options).await?.plan)
    }

    async fn deploy_function(&self, options: &DeployOptions) -> Result<DeployOutcome> {
        AzureAdapter::deploy_function(self, options).await
    }

    /// Azure has no stages: a deployed function is served as deployed last.
    async fn serving_version(&self, function: &str, _stage: &str) -> Result<Option<String>> {
        let functions = self.functions().await?;
        let deployed = functions
            .iter()
            .any(|f| ObservedApp::owner_of(f) == function);
        Ok(deployed.then(|| LATEST.to_owned()))
    }

    async fn versions(&self, _function: &str) -> Result<Vec<VersionInfo>> {
        Err(AdapterError::NotSupported {
            operation: "listing versions (Azure Functions keeps no function versions; History lists every deploy)",
            provider: AdapterKind::Azure,
        })
    }

    async fn rollback(&self, _function: &str, _stage: &str, _version: &str) -> Result<()> {
        Err(AdapterError::NotSupported {
            operation: "rollback (Azure Functions keeps no versions to go back to: use History's \"Redeploy this\" on an earlier deploy)",
            provider: AdapterKind::Azure,
        })
    }

    async fn log_source(&self, function: &str) -> Result<LogSource> {
        self.log_source_of(function).await
    }
}

#[async_trait::async_trait]
impl Adapter for AzureAdapter {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            kind: AdapterKind::Azure,
            versions: false,
            aliases: false,
            // Only functions without an HTTP trigger can be queued (the admin endpoint).
            async_invoke: false,
            live_logs: true,
            http_trigger: true,
            schedule_trigger: true,
            storage_trigger: true,
            queue_trigger: true,
            // Kinesis and DynamoDB streams have no counterpart there (the plan says so).
            stream_trigger: false,
            url_trigger: true,
            concurrency_limit: false,
            provisioned_concurrency: false,
        }
    }

    async fn deploy(&self, options: DeployOptions) -> Result<Deployment> {
        let outcome = self.deploy_function(&options).await?;
        Ok(Deployment {
            function: outcome.function,
            version: outcome.version,
            code_sha256: outcome.code_sha256,
        })
    }

    async fn invoke(&self, options: InvokeOptions) -> Result<Invocation> {
        self.invoke_function(options).await
    }

    async fn tail_logs(&self, options: TailOptions) -> Result<LogStream> {
        self.tail(options).await
    }

    async fn list(&self, options: ListOptions) -> Result<Vec<FunctionSummary>> {
        let app = self.observe().await?;
        let mut seen = BTreeMap::new();
        for envelope in &app.functions {
            let owner = ObservedApp::owner_of(envelope);
            if options
                .prefix
                .as_deref()
                .is_some_and(|p| !owner.starts_with(p))
            {
                continue;
            }
            // The Azure function named like the manifest function speaks for it.
            if seen.contains_key(&owner) && envelope.function_name() != owner {
                continue;
            }
            let summary = self.summary(&app, &owner, envelope);
            seen.insert(owner, summary);
        }
        Ok(seen.into_values().collect())
    }

    async fn describe(&self, options: DescribeOptions) -> Result<FunctionDescription> {
        let name = &options.function;
        let app = self.observe().await?;
        let entries = app.entries_of(name);
        let Some(entry) = entries.first() else {
            return Err(self.not_found(name));
        };
        let mut environment_keys: Vec<String> = app
            .managed_settings()
            .into_iter()
            .filter(|k| app.settings.contains_key(k))
            .collect();
        environment_keys.sort();
        let state = match (app.state.as_deref(), entry.properties.is_disabled) {
            (_, Some(true)) => FunctionState::Failed,
            (Some("Running") | None, _) => FunctionState::Active,
            _ => FunctionState::Pending,
        };
        Ok(FunctionDescription {
            summary: self.summary(&app, name, entry),
            handler: entry
                .functory()
                .and_then(|m| m.get("handler"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            state,
            code_sha256: app.tags.get(TAG_PACKAGE).cloned().unwrap_or_default(),
            environment_keys,
            reserved_concurrency: None,
            provisioned_concurrency: 0,
        })
    }

    /// Removes the function's Azure functions from the app (WebApps.DeleteFunction), syncs
    /// the triggers and forgets the recorded package, so the next deploy uploads again. An app
    /// that runs from its package cannot lose one function: it needs a new package.
    async fn delete(&self, options: DeleteOptions) -> Result<()> {
        let name = &options.function;
        let app = self.observe().await?;
        let entries: Vec<String> = app
            .entries_of(name)
            .iter()
            .map(|e| e.function_name().to_owned())
            .collect();
        if entries.is_empty() {
            return Err(self.not_found(name));
        }
        if app.runs_from_package() {
            return Err(AdapterError::invalid(format!(
                "{} runs from its package (read-only), so function `{name}` cannot be removed alone: remove it from functory.toml and deploy, and the new package leaves it out",
                self.inner.app.describe()
            )));
        }
        let arm = self.arm();
        for entry in &entries {
            arm.call(
                "WebApps.DeleteFunction",
                Method::DELETE,
                &arm.site_url(&format!("/functions/{entry}")),
                None,
            )
            .await?;
            self.forget_key(&format!("function:{entry}")).await;
        }
        self.sync_triggers().await?;
        if let Some(package) = app.tags.get(TAG_PACKAGE) {
            let tags = BTreeMap::from([(TAG_PACKAGE.to_owned(), package.clone())]);
            self.update_tags("Delete", &tags).await?;
        }
        Ok(())
    }
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
