//! [`AwsAdapter`]: the [`Adapter`] for AWS Lambda — deploy (planned first, triggers included:
//! function URLs, queue and stream mappings, Scheduler schedules, S3 notifications), invoke,
//! logs (FilterLogEvents polling, or StartLiveTail on request), list, describe, delete,
//! versions, rollback, and reading a function back for import.

mod declared;
mod deploy;
mod fanout;
mod http_api;
mod import;
mod invoke;
mod lifecycle;
mod live;
mod logs;
mod mappings;
#[cfg(test)]
mod mock_tests;
pub(crate) mod names;
mod resource_policy;
pub(crate) mod role;
mod schedules;
mod storage;
mod url;

use std::path::PathBuf;
use std::time::Duration;

use aws_smithy_runtime_api::client::interceptors::Intercept;
use functory_adapter::{
    Adapter, AdapterError, Capabilities, CloudAdapter, DeleteOptions, DeployOptions, DeployOutcome,
    DeployPlan, Deployment, DescribeOptions, FunctionDescription, FunctionState, FunctionSummary,
    Invocation, InvokeOptions, ListOptions, LogSource, LogStream, Result, TailOptions, VersionInfo,
};
use functory_core::AdapterKind;

pub use import::{ImportNote, ImportedFunction, ImportedTrigger};
pub use live::StreamHostPrefix;
pub use logs::parse_log_message;
pub use role::role_name;

use crate::credentials::AwsSession;
use crate::errors::{self, CallContext, SignedInAs};

/// How long to wait and how often to look; tests shorten them.
#[derive(Debug, Clone)]
pub struct AwsSettings {
    /// Between two looks at a function that is still updating.
    pub poll_interval: Duration,
    /// The longest a function may stay Pending or InProgress.
    pub wait_timeout: Duration,
    /// A new role takes seconds to be assumable by Lambda; CreateFunction is retried this long.
    pub role_propagation_timeout: Duration,
    /// Between two retries while the role propagates.
    pub role_retry_interval: Duration,
    /// Between two FilterLogEvents polls while following logs.
    pub log_poll_interval: Duration,
    /// Events can arrive late: each poll looks this far back and drops what it has seen.
    pub log_overlap: Duration,
    /// Where Python dependencies are installed for packaging (kept between deploys). `None`
    /// uses `<project>/.functory/build/aws`.
    pub cache_dir: Option<PathBuf>,
    /// The S3 bucket packages over Lambda's 50 MB direct-upload limit go through (the
    /// target's `code_bucket`). Without one, such a package is a plan error.
    pub code_bucket: Option<String>,
    /// The stage of the project's HTTP API (the target's `api_stage`; `$default` unless set).
    pub api_stage: Option<String>,
    /// The HTTP API stage's request limits (the target's `throttling`).
    pub throttling: Option<functory_core::manifest::Throttling>,
}

impl Default for AwsSettings {
    fn default() -> Self {
        AwsSettings {
            poll_interval: Duration::from_secs(1),
            wait_timeout: Duration::from_secs(300),
            role_propagation_timeout: Duration::from_secs(60),
            role_retry_interval: Duration::from_secs(3),
            log_poll_interval: Duration::from_secs(2),
            log_overlap: Duration::from_secs(30),
            cache_dir: None,
            code_bucket: None,
            api_stage: None,
            throttling: None,
        }
    }
}

impl AwsSettings {
    /// Short waits for emulators and mocks, which answer at once.
    pub fn fast() -> Self {
        AwsSettings {
            poll_interval: Duration::from_millis(20),
            wait_timeout: Duration::from_secs(10),
            role_propagation_timeout: Duration::from_secs(2),
            role_retry_interval: Duration::from_millis(20),
            log_poll_interval: Duration::from_millis(200),
            log_overlap: Duration::from_secs(30),
            cache_dir: None,
            code_bucket: None,
            api_stage: None,
            throttling: None,
        }
    }
}

/// AWS Lambda in one region with one sign-in.
#[derive(Debug, Clone)]
pub struct AwsAdapter {
    pub(crate) context: CallContext,
    pub(crate) lambda: aws_sdk_lambda::Client,
    pub(crate) iam: aws_sdk_iam::Client,
    pub(crate) logs: aws_sdk_cloudwatchlogs::Client,
    pub(crate) s3: aws_sdk_s3::Client,
    pub(crate) scheduler: aws_sdk_scheduler::Client,
    pub(crate) apigateway: aws_sdk_apigatewayv2::Client,
    /// `topic` triggers' subscriptions and `event` triggers' rules.
    pub(crate) sns: aws_sdk_sns::Client,
    pub(crate) events: aws_sdk_eventbridge::Client,
    /// The signed-in configuration, for the clients of the project's declared resources.
    pub(crate) sdk: aws_config::SdkConfig,
    /// The account the sign-in acts in, asked of STS the first time an ARN needs it.
    pub(crate) account: std::sync::Arc<tokio::sync::OnceCell<String>>,
    pub(crate) settings: AwsSettings,
    /// The projects' HTTP APIs already found.
    pub(crate) apis: http_api::ApiDirectory,
}

/// Builds an [`AwsAdapter`] from a signed-in session.
#[derive(Debug)]
pub struct AwsAdapterBuilder {
    session: AwsSession,
    lambda: aws_sdk_lambda::config::Builder,
    iam: aws_sdk_iam::config::Builder,
    logs: aws_sdk_cloudwatchlogs::config::Builder,
    s3: aws_sdk_s3::config::Builder,
    scheduler: aws_sdk_scheduler::config::Builder,
    apigateway: aws_sdk_apigatewayv2::config::Builder,
    sns: aws_sdk_sns::config::Builder,
    events: aws_sdk_eventbridge::config::Builder,
    settings: AwsSettings,
}

impl AwsAdapterBuilder {
    /// Watch or alter every call of every client ([`crate::CallRecorder`], [`crate::FailCall`]).
    pub fn interceptor(mut self, interceptor: impl Intercept + Clone + 'static) -> Self {
        self.lambda.push_interceptor(
            aws_smithy_runtime_api::client::interceptors::SharedInterceptor::new(
                interceptor.clone(),
            ),
        );
        self.iam.push_interceptor(
            aws_smithy_runtime_api::client::interceptors::SharedInterceptor::new(
                interceptor.clone(),
            ),
        );
        self.logs.push_interceptor(
            aws_smithy_runtime_api::client::interceptors::SharedInterceptor::new(
                interceptor.clone(),
            ),
        );
        self.s3.push_interceptor(
            aws_smithy_runtime_api::client::interceptors::SharedInterceptor::new(
                interceptor.clone(),
            ),
        );
        self.scheduler.push_interceptor(
            aws_smithy_runtime_api::client::interceptors::SharedInterceptor::new(
                interceptor.clone(),
            ),
        );
        self.apigateway.push_interceptor(
            aws_smithy_runtime_api::client::interceptors::SharedInterceptor::new(
                interceptor.clone(),
            ),
        );
        self.sns.push_interceptor(
            aws_smithy_runtime_api::client::interceptors::SharedInterceptor::new(
                interceptor.clone(),
            ),
        );
        self.events.push_interceptor(
            aws_smithy_runtime_api::client::interceptors::SharedInterceptor::new(interceptor),
        );
        self
    }

    pub fn settings(mut self, settings: AwsSettings) -> Self {
        self.settings = settings;
        self
    }

    pub fn build(self) -> AwsAdapter {
        AwsAdapter {
            context: self.session.context(),
            lambda: aws_sdk_lambda::Client::from_conf(self.lambda.build()),
            iam: aws_sdk_iam::Client::from_conf(self.iam.build()),
            logs: aws_sdk_cloudwatchlogs::Client::from_conf(self.logs.build()),
            s3: aws_sdk_s3::Client::from_conf(self.s3.build()),
            scheduler: aws_sdk_scheduler::Client::from_conf(self.scheduler.build()),
            apigateway: aws_sdk_apigatewayv2::Client::from_conf(self.apigateway.build()),
            sns: aws_sdk_sns::Client::from_conf(self.sns.build()),
            events: aws_sdk_eventbridge::Client::from_conf(self.events.build()),
            sdk: self.session.sdk_config().clone(),
            account: std::sync::Arc::default(),
            settings: self.settings,
            apis: http_api::ApiDirectory::default(),
        }
    }
}

impl AwsAdapter {
    pub fn new(session: &AwsSession) -> Self {
        Self::builder(session).build()
    }

    pub fn builder(session: &AwsSession) -> AwsAdapterBuilder {
        let config = session.sdk_config();
        let custom_endpoint = config.endpoint_url().is_some();
        let mut logs = aws_sdk_cloudwatchlogs::config::Builder::from(config);
        if custom_endpoint {
            // StartLiveTail's endpoint carries a `stream-` host prefix that an emulator's
            // address does not have.
            logs.push_interceptor(
                aws_smithy_runtime_api::client::interceptors::SharedInterceptor::new(
                    StreamHostPrefix::strip(),
                ),
            );
        }
        AwsAdapterBuilder {
            session: session.clone(),
            lambda: aws_sdk_lambda::config::Builder::from(config),
            iam: aws_sdk_iam::config::Builder::from(config),
            logs,
            // A custom endpoint (an emulator at 127.0.0.1) has no bucket subdomains.
            s3: aws_sdk_s3::config::Builder::from(config).force_path_style(custom_endpoint),
            scheduler: aws_sdk_scheduler::config::Builder::from(config),
            apigateway: aws_sdk_apigatewayv2::config::Builder::from(config),
            sns: aws_sdk_sns::config::Builder::from(config),
            events: aws_sdk_eventbridge::config::Builder::from(config),
            settings: AwsSettings::default(),
        }
    }

    /// An adapter over ready-made clients (mocked ones in tests). `who` names the sign-in in
    /// messages.
    pub fn from_clients(
        who: &str,
        lambda: aws_sdk_lambda::Client,
        iam: aws_sdk_iam::Client,
        logs: aws_sdk_cloudwatchlogs::Client,
        settings: AwsSettings,
    ) -> Self {
        let region = lambda.config().region().cloned();
        // Clients for the services a test does not mock: any call they make fails clearly.
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::Config::builder()
                .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
                .region(region.clone())
                .build(),
        );
        let scheduler = aws_sdk_scheduler::Client::from_conf(
            aws_sdk_scheduler::Config::builder()
                .behavior_version(aws_sdk_scheduler::config::BehaviorVersion::latest())
                .region(region.clone())
                .build(),
        );
        let apigateway = aws_sdk_apigatewayv2::Client::from_conf(
            aws_sdk_apigatewayv2::Config::builder()
                .behavior_version(aws_sdk_apigatewayv2::config::BehaviorVersion::latest())
                .region(region.clone())
                .build(),
        );
        let sns = aws_sdk_sns::Client::from_conf(
            aws_sdk_sns::Config::builder()
                .behavior_version(aws_sdk_sns::config::BehaviorVersion::latest())
                .region(region.clone())
                .build(),
        );
        let events = aws_sdk_eventbridge::Client::from_conf(
            aws_sdk_eventbridge::Config::builder()
                .behavior_version(aws_sdk_eventbridge::config::BehaviorVersion::latest())
                .region(region)
                .build(),
        );
        // Ready-made clients come with no session: the declared resources' clients get the
        // Lambda client's region and no credentials (mocked tests make no such call).
        let sdk = aws_config::SdkConfig::builder()
            .region(lambda.config().region().cloned())
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        AwsAdapter {
            context: CallContext {
                who: SignedInAs::Account(who.to_owned()),
                region: lambda.config().region().map(|r| r.to_string()),
                endpoint: None,
            },
            lambda,
            iam,
            logs,
            s3,
            scheduler,
            apigateway,
            sns,
            events,
            sdk,
            account: std::sync::Arc::default(),
            settings,
            apis: http_api::ApiDirectory::default(),
        }
    }

    /// This adapter with another API Gateway v2 client (a mocked one in tests).
    pub fn with_apigateway_client(mut self, apigateway: aws_sdk_apigatewayv2::Client) -> Self {
        self.apigateway = apigateway;
        self
    }

    /// This adapter with another S3 client (a mocked one in tests).
    pub fn with_s3_client(mut self, s3: aws_sdk_s3::Client) -> Self {
        self.s3 = s3;
        self
    }

    /// This adapter with another EventBridge Scheduler client (a mocked one in tests).
    pub fn with_scheduler_client(mut self, scheduler: aws_sdk_scheduler::Client) -> Self {
        self.scheduler = scheduler;
        self
    }

    pub fn region(&self) -> Option<&str> {
        self.context.region.as_deref()
    }

    /// Maps an SDK failure of `call` (e.g. "Lambda UpdateFunctionCode of `resize`").
    pub(crate) fn failure<E>(
        &self,
        error: &aws_sdk_lambda::error::SdkError<E, aws_sdk_lambda::config::http::HttpResponse>,
        call: &str,
    ) -> AdapterError
    where
        E: aws_sdk_lambda::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        errors::sdk_failure(error, call, &self.context)
    }

    /// The published versions of a function, oldest first.
    pub async fn versions(&self, function: &str) -> Result<Vec<VersionInfo>> {
        let mut versions = Vec::new();
        let mut marker = None;
        loop {
            let page = self
                .lambda
                .list_versions_by_function()
                .function_name(function)
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| {
                    self.failure(
                        &e,
                        &format!("Lambda ListVersionsByFunction of `{function}`"),
                    )
                })?;
            for v in page.versions() {
                let Some(version) = v.version() else { continue };
                if version == "$LATEST" {
                    continue;
                }
                versions.push(VersionInfo {
                    version: version.to_owned(),
                    code_sha256: v.code_sha256().unwrap_or_default().to_owned(),
                    last_modified: v.last_modified().unwrap_or_default().to_owned(),
                    description: v.description().unwrap_or_default().to_owned(),
                });
            }
            marker = page.next_marker().map(str::to_owned);
            if marker.is_none() {
                break;
            }
        }
        versions.sort_by_key(|v| v.version.parse::<u64>().unwrap_or(0));
        Ok(versions)
    }

    /// The version a stage alias points at, or `None` when the alias does not exist.
    pub async fn alias_version(&self, function: &str, stage: &str) -> Result<Option<String>> {
        match self
            .lambda
            .get_alias()
            .function_name(function)
            .name(stage)
            .send()
            .await
        {
            Ok(alias) => Ok(alias.function_version().map(str::to_owned)),
            Err(error) => match self.failure(
                &error,
                &format!("Lambda GetAlias `{stage}` of `{function}`"),
            ) {
                AdapterError::NotFound { .. } => Ok(None),
                other => Err(other),
            },
        }
    }

    /// Points the stage alias back at an earlier published version.
    pub async fn rollback(&self, function: &str, stage: &str, version: &str) -> Result<()> {
        let known = self.versions(function).await?;
        if !known.iter().any(|v| v.version == version) {
            let list = known
                .iter()
                .map(|v| v.version.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(AdapterError::invalid(format!(
                "function `{function}` has no published version {version}; its versions are: {}",
                if list.is_empty() { "none" } else { &list }
            )));
        }
        if self.alias_version(function, stage).await?.is_none() {
            return Err(AdapterError::not_found(format!(
                "stage `{stage}` of function `{function}` (deploy it first)"
            )));
        }
        self.lambda
            .update_alias()
            .function_name(function)
            .name(stage)
            .function_version(version)
            .send()
            .await
            .map_err(|e| {
                self.failure(&e, &format!("Lambda UpdateAlias `{stage}` of `{function}`"))
            })?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl CloudAdapter for AwsAdapter {
    async fn plan(&self, options: &DeployOptions) -> Result<DeployPlan> {
        AwsAdapter::plan(self, options).await
    }

    async fn deploy_function(&self, options: &DeployOptions) -> Result<DeployOutcome> {
        AwsAdapter::deploy_function(self, options).await
    }

    async fn serving_version(&self, function: &str, stage: &str) -> Result<Option<String>> {
        self.alias_version(function, stage).await
    }

    async fn versions(&self, function: &str) -> Result<Vec<VersionInfo>> {
        AwsAdapter::versions(self, function).await
    }

    async fn rollback(&self, function: &str, stage: &str, version: &str) -> Result<()> {
        AwsAdapter::rollback(self, function, stage, version).await
    }

    async fn log_source(&self, function: &str) -> Result<LogSource> {
        Ok(LogSource {
            description: format!(
                "CloudWatch Logs /aws/lambda/{function} (FilterLogEvents, polled every {} s)",
                self.settings.log_poll_interval.as_secs_f32()
            ),
            // CloudWatch usually shows a line a few seconds after it is written.
            expected_delay_ms: 5_000 + self.settings.log_poll_interval.as_millis() as u64,
        })
    }

    async fn plan_resources(
        &self,
        project: &str,
        resources: &[functory_core::Resource],
    ) -> Result<Vec<functory_adapter::PlannedChange>> {
        declared::plan(self, project, resources).await
    }

    async fn create_resources(
        &self,
        project: &str,
        resources: &[functory_core::Resource],
    ) -> Result<Vec<functory_adapter::PlannedChange>> {
        declared::create(self, project, resources).await
    }
}

/// What AWS Lambda can do through this adapter (the same whatever the account).
pub fn capabilities() -> Capabilities {
    Capabilities {
        kind: AdapterKind::Aws,
        versions: true,
        aliases: true,
        async_invoke: true,
        live_logs: true,
        live_tail: true,
        // `http` routes on the project's HTTP API (API Gateway v2), `url` triggers as
        // function URLs.
        http_trigger: true,
        schedule_trigger: true,
        storage_trigger: true,
        queue_trigger: true,
        stream_trigger: true,
        url_trigger: true,
        concurrency_limit: true,
        provisioned_concurrency: false,
    }
}

#[async_trait::async_trait]
impl Adapter for AwsAdapter {
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
        let mut out = Vec::new();
        let mut marker = None;
        loop {
            let page = self
                .lambda
                .list_functions()
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| self.failure(&e, "Lambda ListFunctions"))?;
            for f in page.functions() {
                let summary = summary_of(f);
                if options
                    .prefix
                    .as_deref()
                    .is_none_or(|p| summary.name.starts_with(p))
                {
                    out.push(summary);
                }
            }
            marker = page.next_marker().map(str::to_owned);
            if marker.is_none() {
                break;
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    async fn describe(&self, options: DescribeOptions) -> Result<FunctionDescription> {
        let name = &options.function;
        let found = self
            .lambda
            .get_function()
            .function_name(name)
            .send()
            .await
            .map_err(|e| {
                not_found_as(
                    self.failure(&e, &format!("Lambda GetFunction `{name}`")),
                    name,
                )
            })?;
        let Some(config) = found.configuration() else {
            return Err(AdapterError::not_found(format!("function `{name}`")));
        };
        let mut environment_keys: Vec<String> = config
            .environment()
            .and_then(|e| e.variables())
            .map(|v| v.keys().cloned().collect())
            .unwrap_or_default();
        environment_keys.sort();
        Ok(FunctionDescription {
            summary: summary_of(config),
            handler: config.handler().unwrap_or_default().to_owned(),
            state: match config.state() {
                Some(aws_sdk_lambda::types::State::Pending) => FunctionState::Pending,
                Some(aws_sdk_lambda::types::State::Failed) => FunctionState::Failed,
                _ => FunctionState::Active,
            },
            code_sha256: config.code_sha256().unwrap_or_default().to_owned(),
            environment_keys,
            reserved_concurrency: found
                .concurrency()
                .and_then(|c| c.reserved_concurrent_executions())
                .and_then(|n| u32::try_from(n).ok()),
            provisioned_concurrency: 0,
        })
    }

    async fn delete(&self, options: DeleteOptions) -> Result<()> {
        let name = &options.function;
        self.lambda
            .delete_function()
            .function_name(name)
            .send()
            .await
            .map_err(|e| {
                not_found_as(
                    self.failure(&e, &format!("Lambda DeleteFunction `{name}`")),
                    name,
                )
            })?;
        Ok(())
    }
}

/// A NotFound about a function, with a plain "function `x`" as what was not found.
pub(crate) fn not_found_as(error: AdapterError, function: &str) -> AdapterError {
    match error {
        AdapterError::NotFound { .. } => AdapterError::not_found(format!("function `{function}`")),
        other => other,
    }
}

fn summary_of(config: &aws_sdk_lambda::types::FunctionConfiguration) -> FunctionSummary {
    FunctionSummary {
        name: config.function_name().unwrap_or_default().to_owned(),
        runtime: config
            .runtime()
            .map(|r| r.as_str().to_owned())
            .unwrap_or_default(),
        memory_mb: config
            .memory_size()
            .and_then(|m| u32::try_from(m).ok())
            .unwrap_or(128),
        timeout_s: config
            .timeout()
            .and_then(|t| u32::try_from(t).ok())
            .unwrap_or(3),
        version: config.version().unwrap_or("$LATEST").to_owned(),
    }
}
