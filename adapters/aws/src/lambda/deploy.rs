//! Deploying one function: observe what exists, plan, then apply the plan step by step.
//!
//! Order matters for safety: the role and the function's `$LATEST` change first, a version is
//! published, and only then does the stage alias move. Until that last call the stage keeps
//! serving the previous version, so a deploy cut anywhere (an error, Ctrl+C, a network cut)
//! leaves users on the old code, and the next deploy picks up from what exists.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Instant;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Environment, FunctionCode, LastUpdateStatus, Runtime as LambdaRuntime, State,
};
use functory_adapter::{
    AdapterError, ChangeAction, DeployOptions, DeployOutcome, DeployPlan, DeployProgress,
    PlannedChange, ResourceKind, Result,
};
use functory_core::Function;
use serde_json::Value;

use super::AwsAdapter;
use super::queues;
use super::role::{ObservedRole, permissions_policy, role_name};
use super::url::{self, PUBLIC_INVOKE_SID, PUBLIC_URL_SID};
use crate::package::{Package, package_function};

/// Lambda takes a zip of at most 50 MB in the request itself.
pub const DIRECT_UPLOAD_LIMIT: usize = 50 * 1024 * 1024;

const TAG_PROJECT: &str = "functory:project";
const TAG_COMMIT: &str = "functory:commit";

/// The function as it exists in AWS.
#[derive(Debug, Clone)]
struct ObservedFunction {
    arn: String,
    code_sha256: String,
    runtime: String,
    handler: String,
    memory_mb: i32,
    timeout_s: i32,
    role: String,
    environment: BTreeMap<String, String>,
    tags: HashMap<String, String>,
}

/// What a deploy will publish and point the stage at.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TargetVersion {
    /// A version published by this deploy.
    New,
    /// An existing version that already has exactly this code and configuration.
    Existing(String),
}

/// One thing to do, in the order it is done.
#[derive(Debug, Clone)]
enum Step {
    CreateRole,
    PutRolePolicy,
    CreateFunction,
    UpdateCode,
    UpdateConfiguration,
    TagCommit,
    PublishVersion,
    CreateAlias,
    UpdateAlias,
    UrlCreate,
    UrlUpdate,
    UrlAllowPublic,
    UrlRevokePublic,
    UrlDelete,
    QueueCreate(queues::WantedQueue),
    QueueUpdate(String, i32),
    QueueDelete(String),
}

/// A plan with what applying it needs.
struct Prepared {
    plan: DeployPlan,
    steps: Vec<Step>,
    package: Package,
    role_name: String,
    role_arn: Option<String>,
    policy: Value,
    project: String,
    target: TargetVersion,
    function_arn: Option<String>,
    /// The function URL the manifest asks for, and Functory's public statements already there.
    url_want: Option<url::UrlState>,
    url_statements: Vec<String>,
}

fn observed_configuration(
    config: &aws_sdk_lambda::types::FunctionConfiguration,
    tags: HashMap<String, String>,
) -> ObservedFunction {
    ObservedFunction {
        arn: config.function_arn().unwrap_or_default().to_owned(),
        code_sha256: config.code_sha256().unwrap_or_default().to_owned(),
        runtime: config
            .runtime()
            .map(|r| r.as_str().to_owned())
            .unwrap_or_default(),
        handler: config.handler().unwrap_or_default().to_owned(),
        memory_mb: config.memory_size().unwrap_or(128),
        timeout_s: config.timeout().unwrap_or(3),
        role: config.role().unwrap_or_default().to_owned(),
        environment: config
            .environment()
            .and_then(|e| e.variables())
            .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        tags,
    }
}

/// The newest published version that holds exactly this code and configuration, if any
/// (after a rollback, or for a redeploy of an earlier commit, that is an older one).
fn matching_version(
    versions: &[aws_sdk_lambda::types::FunctionConfiguration],
    function: &Function,
    code_sha256: &str,
    role_arn: &str,
) -> Option<String> {
    versions
        .iter()
        .filter_map(|config| {
            let n = config.version()?.parse::<u64>().ok()?;
            let observed = observed_configuration(config, HashMap::new());
            (observed.code_sha256 == code_sha256
                && configuration_changes(function, &observed, Some(role_arn)).is_empty())
            .then_some(n)
        })
        .max()
        .map(|n| n.to_string())
}

fn desired_environment(function: &Function) -> BTreeMap<String, String> {
    function
        .environment
        .iter()
        .map(|e| (e.key.clone(), e.value.clone()))
        .collect()
}

/// Which configuration fields differ, as lines for the plan (environment by name only).
fn configuration_changes(
    function: &Function,
    observed: &ObservedFunction,
    role_arn: Option<&str>,
) -> Vec<String> {
    let mut changes = Vec::new();
    if observed.runtime != function.runtime {
        changes.push(format!(
            "runtime {} → {}",
            observed.runtime, function.runtime
        ));
    }
    if observed.handler != function.handler {
        changes.push(format!(
            "handler {} → {}",
            observed.handler, function.handler
        ));
    }
    if i64::from(observed.memory_mb) != i64::from(function.memory_mb) {
        changes.push(format!(
            "memory {} → {} MB",
            observed.memory_mb, function.memory_mb
        ));
    }
    if i64::from(observed.timeout_s) != i64::from(function.timeout_s) {
        changes.push(format!(
            "timeout {} → {} s",
            observed.timeout_s, function.timeout_s
        ));
    }
    if let Some(role_arn) = role_arn
        && observed.role != role_arn
    {
        changes.push(format!("role → {role_arn}"));
    }
    let desired = desired_environment(function);
    let mut env = Vec::new();
    for (key, value) in &desired {
        match observed.environment.get(key) {
            None => env.push(format!("+{key}")),
            Some(old) if old != value => env.push(format!("~{key}")),
            Some(_) => {}
        }
    }
    for key in observed.environment.keys() {
        if !desired.contains_key(key) {
            env.push(format!("-{key}"));
        }
    }
    if !env.is_empty() {
        changes.push(format!("environment {}", env.join(" ")));
    }
    changes
}

fn mb(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

fn change(
    kind: ResourceKind,
    name: &str,
    action: ChangeAction,
    details: Vec<String>,
    calls: &[&str],
) -> PlannedChange {
    PlannedChange {
        kind,
        name: name.to_owned(),
        action,
        details,
        calls: calls.iter().map(|c| (*c).to_owned()).collect(),
    }
}

impl AwsAdapter {
    fn cache_dir(&self, options: &DeployOptions) -> PathBuf {
        self.settings
            .cache_dir
            .clone()
            .unwrap_or_else(|| options.project_root.join(".functory/build/aws"))
            .join(&options.function.name)
    }

    async fn observe_function(&self, name: &str) -> Result<Option<ObservedFunction>> {
        let found = match self.lambda.get_function().function_name(name).send().await {
            Ok(found) => found,
            Err(error) => {
                return match self.failure(&error, &format!("Lambda GetFunction `{name}`")) {
                    AdapterError::NotFound { .. } => Ok(None),
                    other => Err(other),
                };
            }
        };
        let Some(config) = found.configuration() else {
            return Ok(None);
        };
        Ok(Some(observed_configuration(
            config,
            found.tags().cloned().unwrap_or_default(),
        )))
    }

    /// Every published version's configuration (none when the function does not exist).
    async fn version_configs(
        &self,
        name: &str,
    ) -> Result<Vec<aws_sdk_lambda::types::FunctionConfiguration>> {
        let mut versions = Vec::new();
        let mut marker = None;
        loop {
            let page = match self
                .lambda
                .list_versions_by_function()
                .function_name(name)
                .set_marker(marker)
                .send()
                .await
            {
                Ok(page) => page,
                Err(error) => {
                    return match self.failure(
                        &error,
                        &format!("Lambda ListVersionsByFunction of `{name}`"),
                    ) {
                        AdapterError::NotFound { .. } => Ok(versions),
                        other => Err(other),
                    };
                }
            };
            versions.extend(page.versions().iter().cloned());
            marker = page.next_marker().map(str::to_owned);
            if marker.is_none() {
                break;
            }
        }
        Ok(versions)
    }

    /// What deploying `options` would change, without changing anything.
    pub async fn plan(&self, options: &DeployOptions) -> Result<DeployPlan> {
        Ok(self.prepare(options).await?.plan)
    }

    async fn prepare(&self, options: &DeployOptions) -> Result<Prepared> {
        let function = &options.function;
        let name = function.name.as_str();
        let project = options
            .project
            .clone()
            .unwrap_or_else(|| "functory".to_owned());
        let root = options.project_root.clone();
        let cache = self.cache_dir(options);
        let packaged_function = function.clone();
        // Zipping reads and compresses every file: off the async threads, while the reads
        // below are in flight.
        let packaging = tokio::task::spawn_blocking(move || {
            package_function(&root, &packaged_function, &cache)
        });
        // Everything that exists, looked up at once: these reads are all a no-change redeploy
        // does, so they go out together rather than one after another. For a function that
        // does not exist yet they answer "not found", which each lookup turns into "nothing".
        let role_name = role_name(&project, name);
        let qualifier = options.stage.as_deref();
        let (role, observed, alias_now, url_have, mapped, versions) = tokio::try_join!(
            self.observe_role(&role_name),
            self.observe_function(name),
            async {
                match qualifier {
                    Some(stage) => self.alias_version(name, stage).await,
                    None => Ok(None),
                }
            },
            self.observe_url(name, qualifier),
            self.observe_queues(name, qualifier),
            self.version_configs(name),
        )?;
        let package = packaging
            .await
            .map_err(|e| AdapterError::invalid(format!("packaging `{name}` stopped: {e}")))??;
        if package.zip.len() > DIRECT_UPLOAD_LIMIT {
            return Err(AdapterError::invalid(format!(
                "function `{name}`: the package is {}, over the 50 MB Lambda accepts directly; exclude files in {} (tests, docs, dev dependencies)",
                mb(package.zip.len()),
                crate::package::IGNORE_FILE
            )));
        }

        let mut changes = Vec::new();
        let mut steps = Vec::new();

        // The role.
        let policy = permissions_policy(function);
        let role_arn = role.as_ref().map(|r| r.arn.clone());
        match &role {
            None => {
                changes.push(change(
                    ResourceKind::Role,
                    &role_name,
                    ChangeAction::Create,
                    vec![format!(
                        "{} permission statement(s) + logging",
                        function.permissions.len()
                    )],
                    &["CreateRole", "PutRolePolicy"],
                ));
                steps.extend([Step::CreateRole, Step::PutRolePolicy]);
            }
            Some(ObservedRole {
                policy: existing, ..
            }) if existing.as_ref() != Some(&policy) => {
                changes.push(change(
                    ResourceKind::Permission,
                    &role_name,
                    ChangeAction::Update,
                    vec!["the permissions differ from functory.toml".to_owned()],
                    &["PutRolePolicy"],
                ));
                steps.push(Step::PutRolePolicy);
            }
            Some(_) => changes.push(PlannedChange::no_op(ResourceKind::Role, &role_name)),
        }

        // The function's $LATEST.
        let mut function_arn = None;
        let target = match &observed {
            None => {
                changes.push(change(
                    ResourceKind::Function,
                    name,
                    ChangeAction::Create,
                    vec![format!(
                        "{}, {} MB, {} s, {} files, {}",
                        function.runtime,
                        function.memory_mb,
                        function.timeout_s,
                        package.files,
                        mb(package.zip.len())
                    )],
                    &["CreateFunction"],
                ));
                steps.push(Step::CreateFunction);
                TargetVersion::New
            }
            Some(existing) => {
                if let Some(owner) = existing.tags.get(TAG_PROJECT)
                    && owner != &project
                {
                    return Err(AdapterError::AlreadyExists {
                        what: format!(
                            "function `{name}` in {} belongs to Functory project `{owner}`, not `{project}`: rename the function or deploy from that project",
                            self.region().unwrap_or("this region")
                        ),
                    });
                }
                function_arn = Some(existing.arn.clone());
                let code_changed = existing.code_sha256 != package.code_sha256;
                let config = configuration_changes(function, existing, role_arn.as_deref());
                let config_changed = !config.is_empty() || role_arn.is_none();
                // A published version may already hold exactly this (a rollback, a redeploy
                // of an earlier commit): then the stage only has to point at it. Without a
                // stage, `$LATEST` is what runs, so it is always brought up to date.
                let existing_version = match (&role_arn, &options.stage) {
                    (Some(role_arn), Some(_)) => {
                        matching_version(&versions, function, &package.code_sha256, role_arn)
                    }
                    _ => None,
                };
                if let Some(version) = existing_version {
                    changes.push(PlannedChange::no_op(ResourceKind::Code, name));
                    changes.push(PlannedChange::no_op(ResourceKind::Configuration, name));
                    TargetVersion::Existing(version)
                } else {
                    if code_changed {
                        changes.push(change(
                            ResourceKind::Code,
                            name,
                            ChangeAction::Update,
                            vec![format!(
                                "{} files, {}",
                                package.files,
                                mb(package.zip.len())
                            )],
                            &["UpdateFunctionCode"],
                        ));
                        steps.push(Step::UpdateCode);
                    } else {
                        changes.push(PlannedChange::no_op(ResourceKind::Code, name));
                    }
                    if config_changed {
                        let details = if config.is_empty() {
                            vec!["role → the new role".to_owned()]
                        } else {
                            config
                        };
                        changes.push(change(
                            ResourceKind::Configuration,
                            name,
                            ChangeAction::Update,
                            details,
                            &["UpdateFunctionConfiguration"],
                        ));
                        steps.push(Step::UpdateConfiguration);
                    } else {
                        changes.push(PlannedChange::no_op(ResourceKind::Configuration, name));
                    }
                    TargetVersion::New
                }
            }
        };

        // The version.
        match &target {
            TargetVersion::New => {
                let mut calls = Vec::new();
                if observed.is_some() && options.commit.is_some() {
                    calls.push("TagResource");
                    steps.push(Step::TagCommit);
                }
                calls.push("PublishVersion");
                steps.push(Step::PublishVersion);
                changes.push(change(
                    ResourceKind::Version,
                    name,
                    ChangeAction::Create,
                    options
                        .commit
                        .iter()
                        .map(|c| format!("commit {}", &c[..c.len().min(12)]))
                        .collect(),
                    &calls,
                ));
            }
            TargetVersion::Existing(version) => changes.push(PlannedChange {
                details: vec![format!("version {version} already has this code")],
                ..PlannedChange::no_op(ResourceKind::Version, name)
            }),
        }

        // The stage alias.
        if let Some(stage) = &options.stage {
            let current = alias_now.clone();
            match (&current, &target) {
                (None, _) => {
                    changes.push(change(
                        ResourceKind::Alias,
                        stage,
                        ChangeAction::Create,
                        vec!["points at the new version".to_owned()],
                        &["CreateAlias"],
                    ));
                    steps.push(Step::CreateAlias);
                }
                (Some(now), TargetVersion::Existing(version)) if now == version => {
                    changes.push(PlannedChange {
                        details: vec![format!("serves version {now}")],
                        ..PlannedChange::no_op(ResourceKind::Alias, stage)
                    });
                }
                (Some(now), target) => {
                    let to = match target {
                        TargetVersion::New => "the new version".to_owned(),
                        TargetVersion::Existing(v) => format!("version {v}"),
                    };
                    changes.push(change(
                        ResourceKind::Alias,
                        stage,
                        ChangeAction::Update,
                        vec![format!("version {now} → {to}")],
                        &["UpdateAlias"],
                    ));
                    steps.push(Step::UpdateAlias);
                }
            }
        }

        // The function URL, on the stage alias (or the function without a stage).
        let url_want = url::desired(function);
        let url_statements = url_have
            .as_ref()
            .map(|h| h.statements.clone())
            .unwrap_or_default();
        let ours = |sid: &str| url_statements.iter().any(|s| s == sid);
        let public_present = [PUBLIC_URL_SID, PUBLIC_INVOKE_SID]
            .iter()
            .filter(|sid| ours(sid))
            .count();
        let url_name = format!("url {}", qualifier.unwrap_or(name));
        match (&url_want, &url_have) {
            (Some(want), None) => {
                let mut calls = vec!["CreateFunctionUrlConfig"];
                steps.push(Step::UrlCreate);
                if want.public {
                    calls.extend(["AddPermission", "AddPermission"]);
                    steps.push(Step::UrlAllowPublic);
                }
                changes.push(change(
                    ResourceKind::Trigger,
                    &url_name,
                    ChangeAction::Create,
                    vec![
                        if want.public {
                            "public (auth NONE)"
                        } else {
                            "signed requests (AWS_IAM)"
                        }
                        .to_owned(),
                    ],
                    &calls,
                ));
            }
            (Some(want), Some(have)) => {
                let mut calls = Vec::new();
                let mut details = Vec::new();
                if *want != have.state {
                    calls.push("UpdateFunctionUrlConfig");
                    steps.push(Step::UrlUpdate);
                    if want.public != have.state.public {
                        details.push(format!(
                            "auth → {}",
                            if want.public {
                                "NONE (public)"
                            } else {
                                "AWS_IAM"
                            }
                        ));
                    }
                    if want.cors != have.state.cors {
                        details.push("CORS".to_owned());
                    }
                }
                if want.public && public_present < 2 {
                    calls.extend(std::iter::repeat_n("AddPermission", 2 - public_present));
                    steps.push(Step::UrlAllowPublic);
                } else if !want.public && public_present > 0 {
                    calls.extend(std::iter::repeat_n("RemovePermission", public_present));
                    steps.push(Step::UrlRevokePublic);
                }
                if calls.is_empty() {
                    changes.push(PlannedChange::no_op(ResourceKind::Trigger, &url_name));
                } else {
                    changes.push(change(
                        ResourceKind::Trigger,
                        &url_name,
                        ChangeAction::Update,
                        details,
                        &calls,
                    ));
                }
            }
            (None, Some(_)) => {
                let mut calls: Vec<&str> =
                    std::iter::repeat_n("RemovePermission", public_present).collect();
                if public_present > 0 {
                    steps.push(Step::UrlRevokePublic);
                }
                calls.push("DeleteFunctionUrlConfig");
                steps.push(Step::UrlDelete);
                changes.push(change(
                    ResourceKind::Trigger,
                    &url_name,
                    ChangeAction::Delete,
                    vec!["no `url` trigger in functory.toml".to_owned()],
                    &calls,
                ));
            }
            (None, None) => {}
        }

        // Queue triggers: SQS event source mappings to the stage.
        for queue in queues::wanted(function) {
            let queue_name = format!("queue {}", queue.name);
            match mapped.iter().find(|m| m.name == queue.name) {
                None => {
                    changes.push(change(
                        ResourceKind::Trigger,
                        &queue_name,
                        ChangeAction::Create,
                        vec![format!("batch size {}", queue.batch_size)],
                        &["CreateEventSourceMapping"],
                    ));
                    steps.push(Step::QueueCreate(queue));
                }
                Some(m) if m.batch_size != queue.batch_size => {
                    changes.push(change(
                        ResourceKind::Trigger,
                        &queue_name,
                        ChangeAction::Update,
                        vec![format!(
                            "batch size {} → {}",
                            m.batch_size, queue.batch_size
                        )],
                        &["UpdateEventSourceMapping"],
                    ));
                    steps.push(Step::QueueUpdate(m.uuid.clone(), queue.batch_size));
                }
                Some(_) => changes.push(PlannedChange::no_op(ResourceKind::Trigger, &queue_name)),
            }
        }
        let wanted_names: Vec<String> = queues::wanted(function)
            .into_iter()
            .map(|q| q.name)
            .collect();
        for m in mapped.iter().filter(|m| !wanted_names.contains(&m.name)) {
            changes.push(change(
                ResourceKind::Trigger,
                &format!("queue {}", m.name),
                ChangeAction::Delete,
                vec!["no such `queue` trigger in functory.toml".to_owned()],
                &["DeleteEventSourceMapping"],
            ));
            steps.push(Step::QueueDelete(m.uuid.clone()));
        }

        let plan = DeployPlan {
            function: name.to_owned(),
            stage: options.stage.clone(),
            code_sha256: package.code_sha256.clone(),
            package_bytes: package.zip.len() as u64,
            changes,
        };
        Ok(Prepared {
            plan,
            steps,
            package,
            role_name,
            role_arn,
            policy,
            project,
            target,
            function_arn,
            url_want,
            url_statements,
        })
    }

    /// Plans and applies a deploy of one function.
    pub async fn deploy_function(&self, options: &DeployOptions) -> Result<DeployOutcome> {
        let started = Instant::now();
        let prepared = self.prepare(options).await?;
        self.apply(options, prepared, started).await
    }

    async fn apply(
        &self,
        options: &DeployOptions,
        prepared: Prepared,
        started: Instant,
    ) -> Result<DeployOutcome> {
        let Prepared {
            plan,
            steps,
            package,
            role_name,
            mut role_arn,
            policy,
            project,
            target,
            mut function_arn,
            url_want,
            url_statements,
        } = prepared;
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
                            mb(package.zip.len())
                        ),
                    );
                    let role = role_arn.clone().unwrap_or_default();
                    function_arn = Some(
                        self.create_function(options, &package, &role, &project)
                            .await?,
                    );
                    uploaded = true;
                    report(n, format!("waiting for {name} to become active"));
                    self.wait_until_ready(name).await?;
                }
                Step::UpdateCode => {
                    report(n, format!("uploading code ({})", mb(package.zip.len())));
                    self.retry_conflicts(name, || async {
                        self.lambda
                            .update_function_code()
                            .function_name(name)
                            .zip_file(Blob::new(package.zip.clone()))
                            .send()
                            .await
                            .map_err(|e| {
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
                Step::TagCommit => {
                    report(n, "recording the commit".to_owned());
                    let arn = function_arn.clone().unwrap_or_default();
                    let commit = options.commit.clone().unwrap_or_default();
                    self.lambda
                        .tag_resource()
                        .resource(&arn)
                        .tags(TAG_COMMIT, commit)
                        .send()
                        .await
                        .map_err(|e| {
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
                Step::QueueCreate(queue) => {
                    report(n, format!("connecting queue {}", queue.name));
                    let arn = function_arn.clone().unwrap_or_default();
                    self.create_queue_mapping(name, options.stage.as_deref(), queue, &arn)
                        .await?;
                }
                Step::QueueUpdate(uuid, batch_size) => {
                    report(n, "updating a queue connection".to_owned());
                    self.update_queue_mapping(uuid, *batch_size).await?;
                }
                Step::QueueDelete(uuid) => {
                    report(n, "removing a queue connection".to_owned());
                    self.delete_queue_mapping(uuid).await?;
                }
            }
        }
        report(total, "done".to_owned());
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

    async fn create_function(
        &self,
        options: &DeployOptions,
        package: &Package,
        role_arn: &str,
        project: &str,
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
                    .code(
                        FunctionCode::builder()
                            .zip_file(Blob::new(package.zip.clone()))
                            .build(),
                    )
                    .tags(TAG_PROJECT, project);
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
                Err(AdapterError::InvalidRequest { message })
                    if message.contains("cannot be assumed") =>
                {
                    if started.elapsed() >= self.settings.role_propagation_timeout {
                        return Err(AdapterError::invalid(format!(
                            "{message} — still after {} s; check that the role of `{name}` trusts lambda.amazonaws.com",
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
