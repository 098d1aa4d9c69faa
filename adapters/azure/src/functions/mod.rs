//! [`AzureAdapter`]: the [`Adapter`] for one Azure function app — deploy (planned first),
//! invoke, logs, list, describe, delete — and its [`CloudAdapter`] side.
//!
//! A function app holds every function of a project and is deployed as one package, so each
//! operation first observes the app (the site, its app settings, its functions), and a deploy
//! of one function deploys the package of all of them.

mod app;
mod builder;
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
use functory_core::AdapterKind;
use functory_vault::Sensitive;
use reqwest::Method;
use serde_json::Value;

pub(crate) use app::ObservedApp;
pub use builder::AzureAdapterBuilder;
pub use logs::{parse_log_stream_line, severity_level};

use crate::arm::{AppRef, Arm, FunctionEnvelope};
use crate::credential::TokenCache;
use crate::endpoints::AzureEndpoints;
use crate::kudu::Kudu;
use crate::settings::AzureSettings;

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

/// What Azure Functions can do through this adapter (the same whatever the app).
pub fn capabilities() -> Capabilities {
    Capabilities {
        kind: AdapterKind::Azure,
        versions: false,
        aliases: false,
        // Only functions without an HTTP trigger can be queued (the admin endpoint).
        async_invoke: false,
        live_logs: true,
        live_tail: false,
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

#[async_trait::async_trait]
impl Adapter for AzureAdapter {
    fn capabilities(&self) -> Capabilities {
        capabilities()
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
