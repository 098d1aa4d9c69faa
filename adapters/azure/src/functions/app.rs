//! The function app as Resource Manager shows it (the site, its app settings, its functions,
//! its keys), read into an [`ObservedApp`], and the writes that change it (settings, trigger
//! sync, tags).

use std::collections::BTreeMap;

use functory_adapter::{AdapterError, Result};
use functory_core::AdapterKind;
use functory_vault::Sensitive;
use reqwest::Method;
use serde_json::{Value, json};

use super::{AzureAdapter, MANAGED_SETTINGS, TAG_COMMIT, TAG_PACKAGE, short};
use crate::arm::{FunctionEnvelope, Site};
use crate::endpoints::AzureEndpoints;
use crate::mapping::{AppProfile, HostingPlan, Language, Os, lambda_runtime};

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

impl AzureAdapter {
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

    pub(super) fn observed(
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
