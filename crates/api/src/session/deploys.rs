//! Cloud targets (Deploy): capabilities and identity, plans, deploys and redeploys, versions
//! and rollback, invokes and logs on the target, and importing functions from the cloud.

use std::sync::atomic::Ordering;

use super::{LOG_BATCH_MAX_LINES, LOG_BATCH_WINDOW, Session, lock};
use crate::cloud;
use crate::cloud_import;
use crate::error::{ApiError, ErrorCode};
use crate::local::{self, InvocationResult, LogBatch, LogQuery};

impl Session {
    async fn cloud_target(&self, target: &str) -> Result<cloud::CloudTarget, ApiError> {
        let root = self.current()?.root().to_owned();
        cloud::connect(&root, target, &self.accounts).await
    }

    /// What `target`'s provider can do (versions, live logs, queued invokes, trigger kinds), so
    /// the UI offers only what works there. They belong to the provider, not to an account:
    /// nothing is signed in to or called, so they answer before credentials are set up.
    pub async fn target_capabilities(
        &self,
        target: &str,
    ) -> Result<functory_adapter::Capabilities, ApiError> {
        let root = self.current()?.root().to_owned();
        let manifest = cloud::manifest_of(&root)?;
        Ok(cloud::capabilities_of(
            cloud::find_target(&manifest, target)?.adapter,
        ))
    }

    /// Who `target` acts as (its account and identity), asked of the cloud.
    pub async fn target_identity(&self, target: &str) -> Result<cloud::TargetIdentity, ApiError> {
        self.cloud_target(target).await?.identity().await
    }

    /// What deploying `functions` (all when empty) to `target` would change.
    pub async fn deploy_plan(
        &self,
        target: &str,
        functions: &[String],
    ) -> Result<Vec<cloud::FunctionPlan>, ApiError> {
        tracing::debug!(target, ?functions, "deploy_plan");
        self.cloud_target(target).await?.plan(functions).await
    }

    /// What deploying the project's declared resources to `target` would create (`None`: the
    /// project declares none).
    pub async fn deploy_resource_plan(
        &self,
        target: &str,
    ) -> Result<Option<cloud::ResourcePlan>, ApiError> {
        self.cloud_target(target).await?.plan_resources().await
    }

    /// Checkpoints, deploys and records; `progress` gets every step.
    pub async fn deploy(
        &self,
        target: &str,
        functions: &[String],
        progress: impl Fn(cloud::DeployStep) + Send + Sync + 'static,
    ) -> Result<cloud::DeployReport, ApiError> {
        tracing::debug!(target, ?functions, "deploy");
        self.cloud_target(target)
            .await?
            .deploy(functions, progress)
            .await
    }

    /// Deploys `function` exactly as it was at `commit` ("Redeploy this" in History).
    pub async fn redeploy(
        &self,
        target: &str,
        function: &str,
        commit: &str,
        progress: impl Fn(cloud::DeployStep) + Send + Sync + 'static,
    ) -> Result<cloud::DeployReport, ApiError> {
        tracing::debug!(target, function, commit, "redeploy");
        self.cloud_target(target)
            .await?
            .redeploy(function, commit, progress)
            .await
    }

    pub async fn function_versions(
        &self,
        target: &str,
        function: &str,
    ) -> Result<Vec<cloud::FunctionVersion>, ApiError> {
        self.cloud_target(target).await?.versions(function).await
    }

    pub async fn rollback(
        &self,
        target: &str,
        function: &str,
        version: &str,
    ) -> Result<(), ApiError> {
        tracing::debug!(target, function, version, "rollback");
        self.cloud_target(target)
            .await?
            .rollback(function, version)
            .await
    }

    /// Invokes `function` on a cloud target: its stage, or `$LATEST` with `latest`; queued and
    /// answered at once with `asynchronous`.
    pub async fn invoke_on_target(
        &self,
        target: &str,
        function: &str,
        event: &str,
        latest: bool,
        asynchronous: bool,
    ) -> Result<InvocationResult, ApiError> {
        tracing::debug!(
            target,
            function,
            bytes = event.len(),
            latest,
            asynchronous,
            "invoke_on_target"
        );
        local::check_event(event)?;
        self.cloud_target(target)
            .await?
            .invoke(function, event, latest, asynchronous)
            .await
    }

    /// Sends an HTTP request to one of `function`'s routes through the target's HTTP API,
    /// as a client of the API would; answers what the API answered.
    pub async fn call_route_on_target(
        &self,
        target: &str,
        function: &str,
        call: &cloud::RouteCall,
    ) -> Result<cloud::RouteAnswer, ApiError> {
        tracing::debug!(target, function, method = %call.method, "call_route_on_target");
        self.cloud_target(target)
            .await?
            .call_route(function, call)
            .await
    }

    /// Where a cloud target's log lines of `function` come from, and how late they arrive.
    pub async fn target_log_source(
        &self,
        target: &str,
        function: &str,
    ) -> Result<cloud::TargetLogSource, ApiError> {
        self.cloud_target(target).await?.log_source(function).await
    }

    /// As [`Session::subscribe_logs`], for one function's logs on a cloud target: polled from
    /// the provider (`query.follow` keeps polling), or with `live` an AWS live tail session
    /// (billed by AWS, so only on request). A read the cloud refuses part-way ends the
    /// subscription with that error on its last batch. Same ids, same `unsubscribe_logs`.
    pub async fn subscribe_target_logs(
        &self,
        target: &str,
        live: bool,
        query: LogQuery,
        sink: impl FnMut(LogBatch) -> bool + Send + 'static,
    ) -> Result<u32, ApiError> {
        tracing::debug!(target, live, ?query, "subscribe_target_logs");
        let Some(function) = query.function.clone() else {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "choose a function: a cloud target's logs are read one function at a time",
            ));
        };
        let lines = if live {
            let root = self.current()?.root().to_owned();
            cloud::live_logs(&root, target, &function, &query, &self.accounts).await?
        } else {
            self.cloud_target(target)
                .await?
                .logs(&function, &query)
                .await?
        };
        let id = self.next_subscription.fetch_add(1, Ordering::Relaxed);
        let task = tokio::spawn(cloud::forward_cloud_logs(
            lines,
            LOG_BATCH_WINDOW,
            LOG_BATCH_MAX_LINES,
            sink,
        ));
        let mut subscriptions = lock(&self.log_subscriptions);
        subscriptions.retain(|_, task| !task.is_finished());
        subscriptions.insert(id, task);
        Ok(id)
    }

    /// The functions of `target`'s account and region ("Import from AWS").
    pub async fn remote_functions(
        &self,
        target: &str,
    ) -> Result<Vec<cloud::RemoteFunction>, ApiError> {
        let root = self.current()?.root().to_owned();
        cloud_import::remote_functions(&root, target, &self.accounts).await
    }

    /// Imports `function` of `target`'s account into the open project: its code into a folder
    /// of its own, its configuration, triggers and permissions into functory.toml.
    pub async fn import_cloud_function(
        &self,
        target: &str,
        function: &str,
        overwrite: bool,
    ) -> Result<cloud_import::CloudImport, ApiError> {
        tracing::debug!(target, function, overwrite, "import_cloud_function");
        let project = self.current()?;
        let report = cloud_import::import_function(
            project.root(),
            target,
            function,
            cloud_import::ImportOptions { overwrite },
            &self.accounts,
        )
        .await?;
        Ok(cloud_import::CloudImport {
            report,
            project: project.view()?,
        })
    }
}
