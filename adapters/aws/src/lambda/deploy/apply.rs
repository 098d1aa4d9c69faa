//! Applying a plan step by step, and the waits and retries Lambda needs between steps.

use std::time::Instant;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Environment, FunctionCode, LastUpdateStatus, Runtime as LambdaRuntime, State,
};
use functory_adapter::archive::human_size;
use functory_adapter::{AdapterError, DeployOptions, DeployOutcome, DeployProgress, Result};
use functory_core::Function;

use super::observe::desired_environment;
use super::triggers::route_endpoints;
use super::{AwsAdapter, Prepared, Step, TAG_COMMIT, TAG_PROJECT, TAG_SOURCE, TargetVersion};
use crate::lambda::http_api;
use crate::lambda::schedules;
use crate::lambda::storage;
use crate::package::Package;

/// What a progress line says for an API step.
fn api_step_label(step: &http_api::ApiStep) -> String {
    use http_api::ApiStep;
    match step {
        ApiStep::CreateApi => "creating the HTTP API".to_owned(),
        ApiStep::UpdateCors | ApiStep::DeleteCors => "updating the HTTP API's CORS".to_owned(),
        ApiStep::CreateStage => "creating the HTTP API's stage".to_owned(),
        ApiStep::UpdateStage => "updating the HTTP API stage's throttling".to_owned(),
        ApiStep::CreateAuthorizer(name) | ApiStep::UpdateAuthorizer(_, name) => {
            format!("configuring authorizer {name}")
        }
        ApiStep::CreateIntegration(payload) => {
            format!("connecting the API to the stage (payload {payload})")
        }
        ApiStep::CreateRoute(route) => format!("creating route {}", route.key),
        ApiStep::UpdateRoute(_, route) => format!("updating route {}", route.key),
        ApiStep::DeleteRoute(_) => "removing a route".to_owned(),
        ApiStep::DeleteIntegration(_) => "removing an unused integration".to_owned(),
        ApiStep::AllowInvoke => "allowing the HTTP API to invoke the stage".to_owned(),
        ApiStep::RevokeInvoke(_) => "removing the HTTP API's permission".to_owned(),
    }
}

/// What a subscription or rule step says in the progress line.
fn fanout_label(step: &super::fanout::FanoutStep) -> String {
    use super::fanout::FanoutStep;
    match step {
        FanoutStep::TopicAllow(topic) => format!("allowing topic {topic} to invoke the stage"),
        FanoutStep::Subscribe(s) => format!("subscribing the stage to {}", s.topic_arn),
        FanoutStep::SetFilter(_, s) => format!("setting the filter of {}", s.topic_arn),
        FanoutStep::Unsubscribe(arn) => format!("unsubscribing {arn}"),
        FanoutStep::TopicRevoke(topic) => format!("removing topic {topic}'s permission"),
        FanoutStep::RuleAllow(rule) => format!("allowing rule {} to invoke the stage", rule.name),
        FanoutStep::RulePut(rule) => format!("writing rule {}", rule.name),
        FanoutStep::RuleTarget(rule) => format!("pointing rule {} at the stage", rule.name),
        FanoutStep::RuleDelete { name, .. } => format!("deleting rule {name}"),
        FanoutStep::RuleRevoke(name) => format!("removing rule {name}'s permission"),
    }
}

impl AwsAdapter {
    pub(super) async fn apply(
        &self,
        options: &DeployOptions,
        prepared: Prepared,
        started: Instant,
    ) -> Result<DeployOutcome> {
        let Prepared {
            plan,
            steps,
            package,
            source,
            role_name,
            mut role_arn,
            policy,
            project,
            scope,
            target,
            mut function_arn,
            url_want,
            url_statements,
            code_object,
            mut scheduler_role_arn,
            buckets_want,
            buckets_have,
            api_settings,
            mut api_state,
            routes_want,
        } = prepared;
        let mut plan = plan;
        let function = &options.function;
        let name = function.name.as_str();
        let total = steps.len();
        let report = |step: usize, label: String| {
            if let Some(progress) = &options.progress {
                progress.report(DeployProgress {
                    function: name.to_owned(),
                    step,
                    steps: total,
                    label,
                    elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                });
            }
        };
        let mut version = match &target {
            TargetVersion::Existing(v) => v.clone(),
            TargetVersion::New => String::new(),
        };
        let mut uploaded = false;
        // A package recognised from its recorded digest was not built; the plan only uploads
        // code that changed, which such a package never is.
        if package.zip.is_empty()
            && steps.iter().any(|s| {
                matches!(
                    s,
                    Step::UploadToBucket | Step::CreateFunction | Step::UpdateCode
                )
            })
        {
            return Err(AdapterError::invalid(format!(
                "function `{name}`: the plan uploads code that was not packaged; deploy again"
            )));
        }
        for (i, step) in steps.iter().enumerate() {
            let n = i + 1;
            match step {
                Step::CreateRole => {
                    report(n, format!("creating role {role_name}"));
                    role_arn = Some(self.create_role(&role_name, &project).await?);
                }
                Step::PutRolePolicy => {
                    report(n, format!("writing the permissions of {role_name}"));
                    self.put_role_policy(&role_name, &policy).await?;
                }
                Step::CreateFunction => {
                    report(
                        n,
                        format!(
                            "uploading code ({}) and creating {name}",
                            human_size(package.bytes)
                        ),
                    );
                    let role = role_arn.clone().unwrap_or_default();
                    function_arn = Some(
                        self.create_function(
                            options,
                            &package,
                            code_object.as_ref(),
                            &role,
                            &project,
                            &source,
                        )
                        .await?,
                    );
                    uploaded = true;
                    report(n, format!("waiting for {name} to become active"));
                    self.wait_until_ready(name).await?;
                }
                Step::UploadToBucket => {
                    let (bucket, key) = code_object.clone().unwrap_or_default();
                    report(
                        n,
                        format!(
                            "uploading code ({}) to s3://{bucket}/{key}",
                            human_size(package.bytes)
                        ),
                    );
                    self.upload_package(&bucket, &key, &package).await?;
                    uploaded = true;
                }
                Step::UpdateCode => {
                    report(
                        n,
                        match &code_object {
                            Some(_) => "updating the code from S3".to_owned(),
                            None => format!("uploading code ({})", human_size(package.bytes)),
                        },
                    );
                    self.retry_conflicts(name, || async {
                        let request = self.lambda.update_function_code().function_name(name);
                        let request = match &code_object {
                            Some((bucket, key)) => request.s3_bucket(bucket).s3_key(key),
                            None => request.zip_file(Blob::new(package.zip.clone())),
                        };
                        request.send().await.map_err(|e| {
                            self.failure(&e, &format!("Lambda UpdateFunctionCode of `{name}`"))
                        })
                    })
                    .await?;
                    uploaded = true;
                    report(n, "waiting for the code update to finish".to_owned());
                    self.wait_until_ready(name).await?;
                }
                Step::UpdateConfiguration => {
                    report(n, "updating the configuration".to_owned());
                    let role = role_arn.clone().unwrap_or_default();
                    self.with_role_retry(name, || async {
                        self.retry_conflicts(name, || async {
                            self.lambda
                                .update_function_configuration()
                                .function_name(name)
                                .runtime(LambdaRuntime::from(function.runtime.as_str()))
                                .handler(&function.handler)
                                .memory_size(i32::try_from(function.memory_mb).unwrap_or(128))
                                .timeout(i32::try_from(function.timeout_s).unwrap_or(3))
                                .role(&role)
                                .environment(environment_of(function))
                                .send()
                                .await
                                .map_err(|e| {
                                    self.failure(
                                        &e,
                                        &format!("Lambda UpdateFunctionConfiguration of `{name}`"),
                                    )
                                })
                        })
                        .await
                    })
                    .await?;
                    report(
                        n,
                        "waiting for the configuration update to finish".to_owned(),
                    );
                    self.wait_until_ready(name).await?;
                }
                Step::PutConcurrency(reserved) => {
                    report(n, format!("reserving {reserved} concurrent executions"));
                    self.retry_conflicts(name, || async {
                        self.lambda
                            .put_function_concurrency()
                            .function_name(name)
                            .reserved_concurrent_executions(*reserved)
                            .send()
                            .await
                            .map_err(|e| {
                                self.failure(
                                    &e,
                                    &format!("Lambda PutFunctionConcurrency of `{name}`"),
                                )
                            })
                    })
                    .await?;
                }
                Step::TagFunction => {
                    report(n, "recording the commit and the code's source".to_owned());
                    let arn = function_arn.clone().unwrap_or_default();
                    let mut request = self
                        .lambda
                        .tag_resource()
                        .resource(&arn)
                        .tags(TAG_SOURCE, &source);
                    if let Some(commit) = &options.commit {
                        request = request.tags(TAG_COMMIT, commit);
                    }
                    request.send().await.map_err(|e| {
                        self.failure(&e, &format!("Lambda TagResource of `{name}`"))
                    })?;
                }
                Step::PublishVersion => {
                    report(n, "publishing a version".to_owned());
                    let published = self
                        .retry_conflicts(name, || async {
                            self.lambda
                                .publish_version()
                                .function_name(name)
                                .code_sha256(&package.code_sha256)
                                .set_description(
                                    options
                                        .commit
                                        .as_ref()
                                        .map(|c| format!("functory commit {c}")),
                                )
                                .send()
                                .await
                                .map_err(|e| {
                                    self.failure(&e, &format!("Lambda PublishVersion of `{name}`"))
                                })
                        })
                        .await?;
                    version = published.version().unwrap_or_default().to_owned();
                }
                Step::CreateAlias | Step::UpdateAlias => {
                    let stage = options.stage.clone().unwrap_or_default();
                    report(n, format!("pointing stage {stage} at version {version}"));
                    if matches!(step, Step::CreateAlias) {
                        self.lambda
                            .create_alias()
                            .function_name(name)
                            .name(&stage)
                            .function_version(&version)
                            .send()
                            .await
                            .map_err(|e| {
                                self.failure(
                                    &e,
                                    &format!("Lambda CreateAlias `{stage}` of `{name}`"),
                                )
                            })?;
                    } else {
                        self.lambda
                            .update_alias()
                            .function_name(name)
                            .name(&stage)
                            .function_version(&version)
                            .send()
                            .await
                            .map_err(|e| {
                                self.failure(
                                    &e,
                                    &format!("Lambda UpdateAlias `{stage}` of `{name}`"),
                                )
                            })?;
                    }
                }
                Step::UrlCreate | Step::UrlUpdate => {
                    report(n, "configuring the function URL".to_owned());
                    if let Some(want) = &url_want {
                        self.put_url(
                            name,
                            options.stage.as_deref(),
                            want,
                            matches!(step, Step::UrlCreate),
                        )
                        .await?;
                    }
                }
                Step::UrlAllowPublic => {
                    report(n, "allowing public calls to the function URL".to_owned());
                    self.allow_public_url(name, options.stage.as_deref(), &url_statements)
                        .await?;
                }
                Step::UrlRevokePublic => {
                    report(n, "removing public access to the function URL".to_owned());
                    self.revoke_public_url(name, options.stage.as_deref(), &url_statements)
                        .await?;
                }
                Step::UrlDelete => {
                    report(n, "removing the function URL".to_owned());
                    self.delete_url(name, options.stage.as_deref()).await?;
                }
                Step::MappingCreate(source) => {
                    report(n, format!("connecting {}", source.label()));
                    let arn = function_arn.clone().unwrap_or_default();
                    self.create_mapping(name, options.stage.as_deref(), source, &arn)
                        .await?;
                }
                Step::MappingUpdate(uuid, kind, batch_size) => {
                    report(n, "updating an event source mapping".to_owned());
                    self.update_mapping(uuid, *kind, *batch_size).await?;
                }
                Step::MappingDelete(uuid) => {
                    report(n, "removing an event source mapping".to_owned());
                    self.delete_mapping(uuid).await?;
                }
                Step::SchedulerRoleCreate => {
                    report(n, "creating the scheduler role".to_owned());
                    let arn = function_arn.clone().unwrap_or_default();
                    scheduler_role_arn = Some(
                        self.create_scheduler_role(&project, &scope, name, &arn)
                            .await?,
                    );
                }
                Step::SchedulerRolePolicy => {
                    report(n, "allowing the scheduler to invoke the stage".to_owned());
                    let arn = function_arn.clone().unwrap_or_default();
                    let target = schedules::target_arn(&arn, options.stage.as_deref());
                    self.put_scheduler_policy(&scope, name, &target).await?;
                }
                Step::ScheduleCreate(schedule) | Step::ScheduleUpdate(schedule) => {
                    let create = matches!(step, Step::ScheduleCreate(_));
                    report(
                        n,
                        format!(
                            "{} schedule {}",
                            if create { "creating" } else { "updating" },
                            schedule.expression
                        ),
                    );
                    let arn = function_arn.clone().unwrap_or_default();
                    let target = schedules::target_arn(&arn, options.stage.as_deref());
                    let role = scheduler_role_arn.clone().unwrap_or_default();
                    self.put_schedule(schedule, &target, &role, create).await?;
                }
                Step::ScheduleDelete(schedule) => {
                    report(n, format!("deleting schedule {schedule}"));
                    self.delete_schedule(schedule).await?;
                }
                Step::SchedulerRoleDelete => {
                    report(n, "removing the scheduler role".to_owned());
                    self.delete_scheduler_role(&scope, name).await?;
                }
                Step::Fanout(fan) => {
                    report(n, fanout_label(fan));
                    let arn = function_arn.clone().unwrap_or_default();
                    let target = schedules::target_arn(&arn, options.stage.as_deref());
                    self.apply_fanout(fan, name, options.stage.as_deref(), &target)
                        .await?;
                }
                Step::StorageAllow(bucket) => {
                    report(
                        n,
                        format!("allowing S3 bucket {bucket} to invoke the stage"),
                    );
                    let arn = function_arn.clone().unwrap_or_default();
                    self.allow_bucket(name, options.stage.as_deref(), bucket, &arn)
                        .await?;
                }
                Step::StoragePut(bucket) => {
                    report(n, format!("writing the notifications of bucket {bucket}"));
                    let arn = function_arn.clone().unwrap_or_default();
                    let target = schedules::target_arn(&arn, options.stage.as_deref());
                    let wanted = buckets_want
                        .iter()
                        .find(|w| &w.bucket == bucket)
                        .map(|w| w.notifications.as_slice())
                        .unwrap_or_default();
                    if let Some(observed) = buckets_have.iter().find(|b| &b.bucket == bucket) {
                        let configuration = storage::merged(observed, wanted, &target)?;
                        self.put_notifications(bucket, configuration).await?;
                    }
                }
                Step::Api(api_step) => {
                    report(n, api_step_label(api_step));
                    let arn = function_arn.clone().unwrap_or_default();
                    let alias_arn = match options.stage.as_deref() {
                        Some(stage) => format!("{arn}:{stage}"),
                        None => arn,
                    };
                    self.apply_api_step(
                        api_step,
                        &api_settings,
                        &mut api_state,
                        name,
                        &alias_arn,
                        options.stage.as_deref(),
                    )
                    .await?;
                }
                Step::StorageRevoke(bucket) => {
                    report(n, format!("removing S3 bucket {bucket}'s permission"));
                    self.remove_statement(
                        name,
                        options.stage.as_deref(),
                        &storage::statement_id(bucket),
                    )
                    .await?;
                }
            }
        }
        report(total, "done".to_owned());
        if let Some(endpoint) = &api_state.endpoint {
            plan.endpoints = route_endpoints(endpoint, &api_settings.stage, &routes_want);
        }
        if version.is_empty() {
            version = "$LATEST".to_owned();
        }
        Ok(DeployOutcome {
            function: name.to_owned(),
            version,
            code_sha256: package.code_sha256.clone(),
            uploaded,
            plan,
            resource_id: function_arn.unwrap_or_default(),
        })
    }

    /// Puts the package at its content-addressed key of the code bucket.
    async fn upload_package(&self, bucket: &str, key: &str, package: &Package) -> Result<()> {
        self.s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(aws_sdk_s3::primitives::ByteStream::from(package.zip.clone()))
            .content_type("application/zip")
            .send()
            .await
            .map_err(|e| {
                match self.failure(&e, &format!("S3 PutObject s3://{bucket}/{key}")) {
                    AdapterError::NotFound { .. } => AdapterError::not_found(format!(
                        "code bucket `{bucket}` (the target's `code_bucket`): create it in this account and region, or name another"
                    )),
                    other => other,
                }
            })?;
        Ok(())
    }

    async fn create_function(
        &self,
        options: &DeployOptions,
        package: &Package,
        code_object: Option<&(String, String)>,
        role_arn: &str,
        project: &str,
        source: &str,
    ) -> Result<String> {
        let function = &options.function;
        let name = function.name.as_str();
        let created = self
            .with_role_retry(name, || async {
                let mut request = self
                    .lambda
                    .create_function()
                    .function_name(name)
                    .runtime(LambdaRuntime::from(function.runtime.as_str()))
                    .role(role_arn)
                    .handler(&function.handler)
                    .memory_size(i32::try_from(function.memory_mb).unwrap_or(128))
                    .timeout(i32::try_from(function.timeout_s).unwrap_or(3))
                    .environment(environment_of(function))
                    .code(match code_object {
                        Some((bucket, key)) => FunctionCode::builder()
                            .s3_bucket(bucket)
                            .s3_key(key)
                            .build(),
                        None => FunctionCode::builder()
                            .zip_file(Blob::new(package.zip.clone()))
                            .build(),
                    })
                    .tags(TAG_PROJECT, project)
                    .tags(TAG_SOURCE, source);
                if let Some(commit) = &options.commit {
                    request = request.tags(TAG_COMMIT, commit);
                }
                request
                    .send()
                    .await
                    .map_err(|e| self.failure(&e, &format!("Lambda CreateFunction `{name}`")))
            })
            .await?;
        Ok(created.function_arn().unwrap_or_default().to_owned())
    }

    /// Retries `call` while Lambda says the (new) role cannot be assumed yet.
    pub(crate) async fn with_role_retry<T, F, Fut>(&self, name: &str, mut call: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let started = Instant::now();
        loop {
            match call().await {
                // Lambda: "The role defined for the function cannot be assumed by Lambda";
                // Scheduler: "The execution role you provide must allow AWS EventBridge
                // Scheduler to assume the role".
                Err(AdapterError::InvalidRequest { message })
                    if message.contains("cannot be assumed")
                        || message.contains("to assume the role") =>
                {
                    if started.elapsed() >= self.settings.role_propagation_timeout {
                        let service = if message.contains("cannot be assumed") {
                            "lambda.amazonaws.com"
                        } else {
                            "scheduler.amazonaws.com"
                        };
                        return Err(AdapterError::invalid(format!(
                            "{message} — still after {} s; check that the role of `{name}` trusts {service}",
                            self.settings.role_propagation_timeout.as_secs()
                        )));
                    }
                    tokio::time::sleep(self.settings.role_retry_interval).await;
                }
                other => return other,
            }
        }
    }

    /// Retries `call` after waiting for the update in progress, when Lambda answers 409.
    pub(crate) async fn retry_conflicts<T, F, Fut>(&self, name: &str, mut call: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let mut attempts = 0;
        loop {
            match call().await {
                Err(AdapterError::Conflict { .. }) if attempts < 5 => {
                    attempts += 1;
                    self.wait_until_ready(name).await?;
                }
                other => return other,
            }
        }
    }

    /// Waits while the function is Pending or an update is InProgress.
    pub(crate) async fn wait_until_ready(&self, name: &str) -> Result<()> {
        let started = Instant::now();
        loop {
            let config = self
                .lambda
                .get_function_configuration()
                .function_name(name)
                .send()
                .await
                .map_err(|e| {
                    self.failure(&e, &format!("Lambda GetFunctionConfiguration of `{name}`"))
                })?;
            if config.state() == Some(&State::Failed) {
                return Err(AdapterError::provider(
                    functory_core::AdapterKind::Aws,
                    format!(
                        "function `{name}` failed to become active: {}",
                        config.state_reason().unwrap_or("no reason given")
                    ),
                ));
            }
            if config.last_update_status() == Some(&LastUpdateStatus::Failed) {
                return Err(AdapterError::provider(
                    functory_core::AdapterKind::Aws,
                    format!(
                        "the last update of `{name}` failed: {}",
                        config
                            .last_update_status_reason()
                            .unwrap_or("no reason given")
                    ),
                ));
            }
            let pending = config.state() == Some(&State::Pending)
                || config.last_update_status() == Some(&LastUpdateStatus::InProgress);
            if !pending {
                return Ok(());
            }
            if started.elapsed() >= self.settings.wait_timeout {
                return Err(AdapterError::provider(
                    functory_core::AdapterKind::Aws,
                    format!(
                        "function `{name}` is still updating after {} s; look at it in the console, then deploy again",
                        self.settings.wait_timeout.as_secs()
                    ),
                ));
            }
            tokio::time::sleep(self.settings.poll_interval).await;
        }
    }
}

fn environment_of(function: &Function) -> Environment {
    Environment::builder()
        .set_variables(Some(desired_environment(function).into_iter().collect()))
        .build()
}
