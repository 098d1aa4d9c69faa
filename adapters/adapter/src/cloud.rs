//! What a cloud provider adds to [`Adapter`]: deploys planned before anything changes and then
//! applied exactly as planned, stages (the version a target serves), published versions and
//! rollback, and where its logs come from.
//!
//! `functory-api` drives every cloud target through this trait, so AWS, Azure and Google share
//! the Deploy view, `functory deploy`, History's deploy records and "Redeploy this".

use serde::Serialize;

use crate::{Adapter, DeployOptions, DeployPlan, PlannedChange, Result};

/// What a deploy did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployOutcome {
    pub function: String,
    /// The version the stage now serves (or the newest published one without a stage).
    pub version: String,
    pub code_sha256: String,
    /// Whether any code went up (false for a redeploy of unchanged code).
    pub uploaded: bool,
    /// The plan the deploy applied; its calls are the changing calls made.
    pub plan: DeployPlan,
    /// The function as the provider names it: an ARN, an Azure resource id, a Google resource
    /// name.
    pub resource_id: String,
}

/// One published version of a function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    pub version: String,
    pub code_sha256: String,
    pub last_modified: String,
    pub description: String,
}

/// Where a provider's log lines come from, for the UI to say how fresh they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogSource {
    /// What is read ("CloudWatch Logs /aws/lambda/resize (FilterLogEvents polling)").
    pub description: String,
    /// How long after a line is written it typically shows up, in milliseconds.
    pub expected_delay_ms: u64,
}

/// An [`Adapter`] for a cloud: plan, deploy as planned, stages, versions, rollback.
#[async_trait::async_trait]
pub trait CloudAdapter: Adapter {
    /// What deploying `options` would change, with the exact calls; changes nothing. Whatever
    /// the provider cannot express of the function (a trigger kind, a runtime) is an
    /// `InvalidRequest`/`NotSupported` error here, before anything is deployed.
    async fn plan(&self, options: &DeployOptions) -> Result<DeployPlan>;

    /// Plans, then applies the plan. The stage moves last, so a deploy cut anywhere leaves the
    /// stage on what it served before.
    async fn deploy_function(&self, options: &DeployOptions) -> Result<DeployOutcome>;

    /// The version `stage` serves, or `None` when the function was never deployed there.
    async fn serving_version(&self, function: &str, stage: &str) -> Result<Option<String>>;

    /// The published versions, oldest first.
    async fn versions(&self, function: &str) -> Result<Vec<VersionInfo>>;

    /// Points `stage` back at an earlier published `version`.
    async fn rollback(&self, function: &str, stage: &str, version: &str) -> Result<()>;

    /// Where [`Adapter::tail_logs`] reads from for `function`, and how late lines arrive.
    async fn log_source(&self, function: &str) -> Result<LogSource>;

    /// What deploying the project's declared resources (`[resources.NAME]`) would change, read
    /// without changing anything. An adapter that does not create them lists each as one the
    /// project expects to exist already.
    async fn plan_resources(
        &self,
        _project: &str,
        resources: &[functory_core::Resource],
    ) -> Result<Vec<PlannedChange>> {
        Ok(resources
            .iter()
            .map(|r| {
                let mut change = PlannedChange::no_op(r.kind.into(), r.physical_name());
                change.details = vec![format!(
                    "not created by this target's adapter: it must exist ([resources.{}])",
                    r.name
                )];
                change
            })
            .collect())
    }

    /// Creates the declared resources that are missing, after [`CloudAdapter::plan_resources`]
    /// (which refuses one another project owns); answers the changes made.
    async fn create_resources(
        &self,
        _project: &str,
        _resources: &[functory_core::Resource],
    ) -> Result<Vec<PlannedChange>> {
        Ok(Vec::new())
    }
}
