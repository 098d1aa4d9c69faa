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
use functory_adapter::archive::human_size;
use functory_adapter::plan::planned_change as change;
use functory_adapter::{
    AdapterError, ChangeAction, DeployOptions, DeployOutcome, DeployPlan, DeployProgress,
    PlannedChange, ResourceKind, Result,
};
use functory_core::Function;
use serde_json::Value;

use super::AwsAdapter;
use super::http_api;
use super::mappings::{self, SourceKind};
use super::role::{ObservedRole, permissions_policy, role_name};
use super::schedules::{self, ObservedSchedules};
use super::storage::{self, ObservedBucket, WantedBucket};
use super::url::{self, PUBLIC_INVOKE_SID, PUBLIC_URL_SID};
use crate::package::{InputDigest, Package, input_digest, package_function};

/// `GET https://ID.execute-api.REGION.amazonaws.com/users/{id}` for each route.
fn route_endpoints(endpoint: &str, stage: &str, routes: &[http_api::WantedRoute]) -> Vec<String> {
    let base = http_api::stage_url(endpoint, stage);
    routes
        .iter()
        .map(|route| {
            let (method, path) = route.key.split_once(' ').unwrap_or(("ANY", "/"));
            format!("{method} {base}{}", path.trim_start_matches('/'))
        })
        .collect()
}

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

/// Lambda takes a zip of at most 50 MB in the request itself.
pub const DIRECT_UPLOAD_LIMIT: usize = 50 * 1024 * 1024;

const TAG_PROJECT: &str = "functory:project";
const TAG_COMMIT: &str = "functory:commit";
/// `<input digest>:<CodeSha256>:<bytes>:<files>` of the package `$LATEST` was deployed from, so
/// the next deploy of an unchanged tree knows its CodeSha256 without building the zip.
const TAG_SOURCE: &str = "functory:source";

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
    /// A package over the direct-upload limit goes to the target's code bucket first.
    UploadToBucket,
    CreateFunction,
    UpdateCode,
    UpdateConfiguration,
    /// Records the commit and the package's source digest on `$LATEST`.
    TagFunction,
    PublishVersion,
    CreateAlias,
    UpdateAlias,
    UrlCreate,
    UrlUpdate,
    UrlAllowPublic,
    UrlRevokePublic,
    UrlDelete,
    MappingCreate(mappings::WantedMapping),
    MappingUpdate(String, i32),
    MappingDelete(String),
    SchedulerRoleCreate,
    SchedulerRolePolicy,
    ScheduleCreate(schedules::WantedSchedule),
    ScheduleUpdate(schedules::WantedSchedule),
    ScheduleDelete(String),
    SchedulerRoleDelete,
    /// Lets S3 invoke the stage for a bucket.
    StorageAllow(String),
    /// Writes a bucket's notifications with this function's entries as the manifest wants.
    StoragePut(String),
    StorageRevoke(String),
    /// A change to the project's HTTP API (routes, integrations, its shared settings).
    Api(http_api::ApiStep),
}

/// A plan with what applying it needs.
struct Prepared {
    plan: DeployPlan,
    steps: Vec<Step>,
    package: Package,
    /// The `functory:source` tag value for this package.
    source: String,
    role_name: String,
    role_arn: Option<String>,
    policy: Value,
    project: String,
    target: TargetVersion,
    function_arn: Option<String>,
    /// The function URL the manifest asks for, and Functory's public statements already there.
    url_want: Option<url::UrlState>,
    url_statements: Vec<String>,
    /// Where a package over the direct-upload limit goes: (bucket, key).
    code_object: Option<(String, String)>,
    scheduler_role_arn: Option<String>,
    buckets_want: Vec<WantedBucket>,
    api_settings: http_api::ApiSettings,
    api_state: http_api::ApiState,
    routes_want: Vec<http_api::WantedRoute>,
    buckets_have: Vec<ObservedBucket>,
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

/// The package `$LATEST` was deployed from, when its recorded source digest is this tree's and
/// `$LATEST` still holds the code recorded with it (an update outside Functory changes that).
fn recorded_package(observed: &ObservedFunction, digest: &InputDigest) -> Option<Package> {
    let recorded = observed.tags.get(TAG_SOURCE)?;
    let mut parts = recorded.split(':');
    let (hex, code_sha256, bytes, files) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    (hex == digest.hex && code_sha256 == observed.code_sha256 && parts.next().is_none()).then(
        || Package {
            zip: Vec::new(),
            code_sha256: code_sha256.to_owned(),
            files: files.parse().unwrap_or(digest.files),
            bytes: bytes.parse().unwrap_or(0),
        },
    )
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

    /// The configuration of the version the stage alias serves (`None`: no such stage).
    async fn observe_stage(
        &self,
        name: &str,
        stage: &str,
    ) -> Result<Option<aws_sdk_lambda::types::FunctionConfiguration>> {
        match self
            .lambda
            .get_function_configuration()
            .function_name(name)
            .qualifier(stage)
            .send()
            .await
        {
            Ok(found) => Ok(Some(
                aws_sdk_lambda::types::FunctionConfiguration::builder()
                    .set_version(found.version().map(str::to_owned))
                    .set_code_sha256(found.code_sha256().map(str::to_owned))
                    .set_runtime(found.runtime().cloned())
                    .set_handler(found.handler().map(str::to_owned))
                    .set_memory_size(found.memory_size())
                    .set_timeout(found.timeout())
                    .set_role(found.role().map(str::to_owned))
                    .set_environment(found.environment().cloned())
                    .build(),
            )),
            Err(error) => match self.failure(
                &error,
                &format!("Lambda GetFunctionConfiguration of `{name}:{stage}`"),
            ) {
                AdapterError::NotFound { .. } => Ok(None),
                other => Err(other),
            },
        }
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
        super::lifecycle::refuse_blocked_runtime(function, None)?;
        let project = options
            .project
            .clone()
            .unwrap_or_else(|| "functory".to_owned());
        let root = options.project_root.clone();
        let cache = self.cache_dir(options);
        let digested_function = function.clone();
        let digest_root = root.clone();
        // Hashing the files (no compression) while the function is looked up: when the
        // function records this very tree, its CodeSha256 is known and nothing is zipped.
        let digesting =
            tokio::task::spawn_blocking(move || input_digest(&digest_root, &digested_function));
        let packaging = async {
            let observed = self.observe_function(name).await?;
            super::lifecycle::refuse_blocked_runtime(function, Some(observed.is_some()))?;
            let digest = digesting.await.map_err(|e| {
                AdapterError::invalid(format!("reading `{name}`'s files stopped: {e}"))
            })??;
            if let Some(package) = observed.as_ref().and_then(|o| recorded_package(o, &digest)) {
                return Ok::<_, AdapterError>((observed, package, digest));
            }
            // Zipping reads and compresses every file: off the async threads, while the other
            // reads are in flight.
            let packaged_function = function.clone();
            let package = tokio::task::spawn_blocking(move || {
                package_function(&root, &packaged_function, &cache)
            })
            .await
            .map_err(|e| AdapterError::invalid(format!("packaging `{name}` stopped: {e}")))??;
            Ok((observed, package, digest))
        };
        // Everything that exists, looked up at once: these reads are all a no-change redeploy
        // does, so they go out together rather than one after another. For a function that
        // does not exist yet they answer "not found", which each lookup turns into "nothing".
        let role_name = role_name(&project, name);
        let qualifier = options.stage.as_deref();
        let schedules_want = schedules::wanted(&project, function);
        let buckets_want = storage::wanted(&project, function);
        let (
            (observed, package, digest),
            role,
            stage_config,
            url_have,
            statements,
            mapped,
            schedules_have,
        ) = tokio::try_join!(
            packaging,
            self.observe_role(&role_name),
            async {
                match qualifier {
                    Some(stage) => self.observe_stage(name, stage).await,
                    None => Ok(None),
                }
            },
            self.observe_url(name, qualifier),
            self.observe_resource_policy(name, qualifier),
            self.observe_mappings(name, qualifier),
            self.observe_schedules(&project, name, !schedules_want.is_empty()),
        )?;
        let alias_now = stage_config
            .as_ref()
            .and_then(|c| c.version().map(str::to_owned));
        let source = format!(
            "{}:{}:{}:{}",
            digest.hex, package.code_sha256, package.bytes, package.files
        );
        // Buckets: those of the manifest, and those Functory's statements say it connected.
        let buckets_have = self
            .observe_buckets(&project, name, qualifier, &buckets_want, &statements)
            .await?;
        let code_object = if package.bytes > DIRECT_UPLOAD_LIMIT {
            let Some(bucket) = &self.settings.code_bucket else {
                return Err(AdapterError::invalid(format!(
                    "function `{name}`: the package is {}, over the 50 MB Lambda accepts in the request: set `code_bucket = \"BUCKET\"` in [targets.{}] (an S3 bucket of this account in {}) to upload it through S3, or exclude files in {} (tests, docs, dev dependencies)",
                    human_size(package.bytes),
                    options.stage.as_deref().unwrap_or("NAME"),
                    self.region().unwrap_or("the target's region"),
                    crate::package::IGNORE_FILE
                )));
            };
            Some((
                bucket.clone(),
                code_key(&project, name, &package.code_sha256),
            ))
        } else {
            None
        };

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
                        human_size(package.bytes)
                    )],
                    if code_object.is_some() {
                        &["PutObject", "CreateFunction"]
                    } else {
                        &["CreateFunction"]
                    },
                ));
                if code_object.is_some() {
                    steps.push(Step::UploadToBucket);
                }
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
                        // The stage's own version first: on a redeploy it usually is the one,
                        // and the full version list is read only when it is not.
                        match stage_config.as_ref().and_then(|c| {
                            matching_version(
                                std::slice::from_ref(c),
                                function,
                                &package.code_sha256,
                                role_arn,
                            )
                        }) {
                            Some(version) => Some(version),
                            None => matching_version(
                                &self.version_configs(name).await?,
                                function,
                                &package.code_sha256,
                                role_arn,
                            ),
                        }
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
                                human_size(package.bytes)
                            )],
                            if code_object.is_some() {
                                &["PutObject", "UpdateFunctionCode"]
                            } else {
                                &["UpdateFunctionCode"]
                            },
                        ));
                        if code_object.is_some() {
                            steps.push(Step::UploadToBucket);
                        }
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
                let code_changed = observed
                    .as_ref()
                    .is_some_and(|o| o.code_sha256 != package.code_sha256);
                if observed.is_some() && (options.commit.is_some() || code_changed) {
                    calls.push("TagResource");
                    steps.push(Step::TagFunction);
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
        let url_statements: Vec<String> = statements
            .iter()
            .filter(|s| s.sid == PUBLIC_URL_SID || s.sid == PUBLIC_INVOKE_SID)
            .map(|s| s.sid.clone())
            .collect();
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
                if want != have {
                    calls.push("UpdateFunctionUrlConfig");
                    steps.push(Step::UrlUpdate);
                    if want.public != have.public {
                        details.push(format!(
                            "auth → {}",
                            if want.public {
                                "NONE (public)"
                            } else {
                                "AWS_IAM"
                            }
                        ));
                    }
                    if want.cors != have.cors {
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

        // Queue and stream triggers: event source mappings to the stage.
        let mut kept = Vec::new();
        for source in mappings::wanted(function) {
            let label = source.label();
            let existing = mapped
                .iter()
                .find(|m| !kept.contains(&m.uuid) && source.reads(m));
            match existing {
                None => {
                    let mut details = vec![format!("batch size {}", source.batch_size)];
                    details.extend(source.starting_position.iter().map(|p| format!("from {p}")));
                    changes.push(change(
                        ResourceKind::Trigger,
                        &label,
                        ChangeAction::Create,
                        details,
                        &["CreateEventSourceMapping"],
                    ));
                    steps.push(Step::MappingCreate(source));
                }
                // Where a stream mapping starts reading is fixed when it is created.
                Some(m)
                    if source.kind == SourceKind::Stream
                        && m.starting_position.is_some()
                        && m.starting_position != source.starting_position =>
                {
                    kept.push(m.uuid.clone());
                    changes.push(change(
                        ResourceKind::Trigger,
                        &label,
                        ChangeAction::Update,
                        vec![format!(
                            "starting position {} → {} (a mapping is recreated for that)",
                            m.starting_position.as_deref().unwrap_or("?"),
                            source.starting_position.as_deref().unwrap_or("?")
                        )],
                        &["DeleteEventSourceMapping", "CreateEventSourceMapping"],
                    ));
                    steps.push(Step::MappingDelete(m.uuid.clone()));
                    steps.push(Step::MappingCreate(source));
                }
                Some(m) if m.batch_size != source.batch_size => {
                    kept.push(m.uuid.clone());
                    changes.push(change(
                        ResourceKind::Trigger,
                        &label,
                        ChangeAction::Update,
                        vec![format!(
                            "batch size {} → {}",
                            m.batch_size, source.batch_size
                        )],
                        &["UpdateEventSourceMapping"],
                    ));
                    steps.push(Step::MappingUpdate(m.uuid.clone(), source.batch_size));
                }
                Some(m) => {
                    kept.push(m.uuid.clone());
                    changes.push(PlannedChange::no_op(ResourceKind::Trigger, &label));
                }
            }
        }
        for m in mapped.iter().filter(|m| !kept.contains(&m.uuid)) {
            changes.push(change(
                ResourceKind::Trigger,
                &m.label(),
                ChangeAction::Delete,
                vec![format!(
                    "no such `{}` trigger in functory.toml",
                    match m.kind {
                        SourceKind::Queue => "queue",
                        SourceKind::Stream => "stream",
                    }
                )],
                &["DeleteEventSourceMapping"],
            ));
            steps.push(Step::MappingDelete(m.uuid.clone()));
        }

        // Schedule triggers: EventBridge Scheduler schedules, invoking the stage as their role.
        let scheduler_role_arn = plan_schedules(
            &schedules_want,
            &schedules_have,
            function_arn
                .as_deref()
                .map(|arn| schedules::target_arn(arn, qualifier)),
            &mut changes,
            &mut steps,
        );

        // Storage triggers: the buckets' notifications, and S3's permission to invoke.
        plan_storage(&buckets_want, &buckets_have, &mut changes, &mut steps);

        // HTTP triggers: routes of the project's HTTP API on this target.
        let api_settings = http_api::ApiSettings::new(
            &project,
            qualifier.unwrap_or("default"),
            &options.api,
            self.settings.api_stage.as_deref(),
            self.settings.throttling,
        );
        let routes_want = http_api::wanted(function);
        let api_observed = if !routes_want.is_empty()
            || statements
                .iter()
                .any(|s| s.sid.starts_with("functory-apigw-"))
        {
            self.observe_api(&api_settings).await?
        } else {
            None
        };
        let alias_arn = function_arn.as_deref().map(|arn| match qualifier {
            Some(stage) => format!("{arn}:{stage}"),
            None => arn.to_owned(),
        });
        let others: BTreeMap<String, Vec<String>> = options
            .app_functions
            .iter()
            .filter(|f| f.name != function.name)
            .map(|f| {
                (
                    f.name.clone(),
                    http_api::wanted(f).into_iter().map(|r| r.key).collect(),
                )
            })
            .collect();
        let (api_changes, api_steps) = http_api::plan(&http_api::ApiPlanInput {
            settings: &api_settings,
            function: name,
            routes: &routes_want,
            observed: api_observed.as_ref(),
            alias_arn: alias_arn.as_deref(),
            others: &others,
            statements: &statements,
        })?;
        changes.extend(api_changes);
        steps.extend(api_steps.into_iter().map(Step::Api));
        let endpoints = api_observed
            .as_ref()
            .map(|api| route_endpoints(&api.endpoint, &api_settings.stage, &routes_want))
            .unwrap_or_default();
        let api_state =
            http_api::ApiState::from_observed(api_observed.as_ref(), alias_arn.as_deref());

        let plan = DeployPlan {
            function: name.to_owned(),
            stage: options.stage.clone(),
            code_sha256: package.code_sha256.clone(),
            package_bytes: package.bytes as u64,
            changes,
            endpoints,
        };
        Ok(Prepared {
            plan,
            steps,
            package,
            source,
            role_name,
            role_arn,
            policy,
            project,
            target,
            function_arn,
            url_want,
            url_statements,
            code_object,
            scheduler_role_arn,
            buckets_want,
            buckets_have,
            api_settings,
            api_state,
            routes_want,
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
            source,
            role_name,
            mut role_arn,
            policy,
            project,
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
                Step::MappingUpdate(uuid, batch_size) => {
                    report(n, "updating an event source mapping".to_owned());
                    self.update_mapping(uuid, *batch_size).await?;
                }
                Step::MappingDelete(uuid) => {
                    report(n, "removing an event source mapping".to_owned());
                    self.delete_mapping(uuid).await?;
                }
                Step::SchedulerRoleCreate => {
                    report(n, "creating the scheduler role".to_owned());
                    let arn = function_arn.clone().unwrap_or_default();
                    scheduler_role_arn =
                        Some(self.create_scheduler_role(&project, name, &arn).await?);
                }
                Step::SchedulerRolePolicy => {
                    report(n, "allowing the scheduler to invoke the stage".to_owned());
                    let arn = function_arn.clone().unwrap_or_default();
                    let target = schedules::target_arn(&arn, options.stage.as_deref());
                    self.put_scheduler_policy(&project, name, &target).await?;
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
                    self.delete_scheduler_role(&project, name).await?;
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

/// `functory/<project>/<function>/<sha256 hex>.zip`: the same package always lands on the same
/// key, and a new package never overwrites one a published version was made from.
fn code_key(project: &str, function: &str, code_sha256: &str) -> String {
    let digest = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, code_sha256)
        .map(|bytes| crate::package::hex(&bytes))
        .unwrap_or_else(|_| code_sha256.replace(['/', '+', '='], "_"));
    format!("functory/{project}/{function}/{digest}.zip")
}

/// Plans the schedules and their role; answers the role's ARN when it exists.
fn plan_schedules(
    want: &[schedules::WantedSchedule],
    have: &ObservedSchedules,
    target: Option<String>,
    changes: &mut Vec<PlannedChange>,
    steps: &mut Vec<Step>,
) -> Option<String> {
    let role_arn = have.role.as_ref().map(|r| r.arn.clone());
    if !want.is_empty() {
        match (&have.role, &target) {
            (None, _) => {
                changes.push(change(
                    ResourceKind::Role,
                    "scheduler",
                    ChangeAction::Create,
                    vec!["trusted by scheduler.amazonaws.com; may invoke the stage".to_owned()],
                    &["CreateRole", "PutRolePolicy"],
                ));
                steps.extend([Step::SchedulerRoleCreate, Step::SchedulerRolePolicy]);
            }
            (Some(role), Some(target))
                if role.policy.as_ref() == Some(&schedules::invoke_policy(target)) =>
            {
                changes.push(PlannedChange::no_op(ResourceKind::Role, "scheduler"));
            }
            (Some(_), _) => {
                changes.push(change(
                    ResourceKind::Permission,
                    "scheduler",
                    ChangeAction::Update,
                    vec!["may invoke the stage".to_owned()],
                    &["PutRolePolicy"],
                ));
                steps.push(Step::SchedulerRolePolicy);
            }
        }
    }
    for schedule in want {
        let label = format!("schedule {}", schedule.expression);
        match have.schedules.iter().find(|h| h.name == schedule.name) {
            None => {
                changes.push(change(
                    ResourceKind::Trigger,
                    &label,
                    ChangeAction::Create,
                    vec![format!(
                        "{} ({})",
                        schedule.name,
                        schedule.timezone.as_deref().unwrap_or("UTC")
                    )],
                    &["CreateSchedule"],
                ));
                steps.push(Step::ScheduleCreate(schedule.clone()));
            }
            Some(existing) => {
                let mut details = schedule.differences(existing, target.as_deref());
                if role_arn.as_deref() != Some(existing.role_arn.as_str()) {
                    details.push("role → the scheduler role".to_owned());
                }
                if details.is_empty() {
                    changes.push(PlannedChange::no_op(ResourceKind::Trigger, &label));
                } else {
                    changes.push(change(
                        ResourceKind::Trigger,
                        &label,
                        ChangeAction::Update,
                        details,
                        &["UpdateSchedule"],
                    ));
                    steps.push(Step::ScheduleUpdate(schedule.clone()));
                }
            }
        }
    }
    for gone in have
        .schedules
        .iter()
        .filter(|h| !want.iter().any(|w| w.name == h.name))
    {
        changes.push(change(
            ResourceKind::Trigger,
            &format!("schedule {}", gone.expression),
            ChangeAction::Delete,
            vec![format!(
                "{}: no such `schedule` trigger in functory.toml",
                gone.name
            )],
            &["DeleteSchedule"],
        ));
        steps.push(Step::ScheduleDelete(gone.name.clone()));
    }
    if want.is_empty() && have.role.is_some() {
        changes.push(change(
            ResourceKind::Role,
            "scheduler",
            ChangeAction::Delete,
            vec!["no `schedule` trigger left".to_owned()],
            &["DeleteRolePolicy", "DeleteRole"],
        ));
        steps.push(Step::SchedulerRoleDelete);
    }
    role_arn
}

/// Plans each bucket's notifications and S3's permission to invoke.
fn plan_storage(
    want: &[WantedBucket],
    have: &[ObservedBucket],
    changes: &mut Vec<PlannedChange>,
    steps: &mut Vec<Step>,
) {
    for observed in have {
        let bucket = &observed.bucket;
        let label = format!("storage {bucket}");
        let wanted = want
            .iter()
            .find(|w| &w.bucket == bucket)
            .map(|w| w.notifications.as_slice())
            .unwrap_or_default();
        let mut calls = Vec::new();
        let mut details = Vec::new();
        if wanted.is_empty() {
            if !observed.ours.is_empty() {
                calls.push("PutBucketNotificationConfiguration");
                steps.push(Step::StoragePut(bucket.clone()));
            }
            if observed.allowed {
                calls.push("RemovePermission");
                steps.push(Step::StorageRevoke(bucket.clone()));
            }
            if !calls.is_empty() {
                changes.push(change(
                    ResourceKind::Trigger,
                    &label,
                    ChangeAction::Delete,
                    vec![
                        "no `storage` trigger on this bucket in functory.toml; its other notifications stay"
                            .to_owned(),
                    ],
                    &calls,
                ));
            }
            continue;
        }
        if !observed.allowed {
            calls.push("AddPermission");
            steps.push(Step::StorageAllow(bucket.clone()));
        }
        if observed.ours != wanted || !observed.ours_on_target {
            calls.push("PutBucketNotificationConfiguration");
            steps.push(Step::StoragePut(bucket.clone()));
            for n in wanted {
                let mut line = n.events.join(", ");
                if let Some(prefix) = &n.prefix {
                    line.push_str(&format!(" under {prefix}"));
                }
                if let Some(suffix) = &n.suffix {
                    line.push_str(&format!(" ending {suffix}"));
                }
                details.push(line);
            }
            let others = observed.others.topic_configurations().len()
                + observed.others.queue_configurations().len()
                + observed.others.lambda_function_configurations().len()
                + usize::from(observed.others.event_bridge_configuration().is_some());
            if others > 0 {
                details.push(format!("{others} other notification(s) kept"));
            }
        }
        if calls.is_empty() {
            changes.push(PlannedChange::no_op(ResourceKind::Trigger, &label));
        } else {
            changes.push(change(
                ResourceKind::Trigger,
                &label,
                if observed.ours.is_empty() {
                    ChangeAction::Create
                } else {
                    ChangeAction::Update
                },
                details,
                &calls,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(code_sha256: &str, source: Option<&str>) -> ObservedFunction {
        ObservedFunction {
            arn: "arn:aws:lambda:us-east-1:1:function:f".into(),
            code_sha256: code_sha256.into(),
            runtime: "nodejs20.x".into(),
            handler: "index.handler".into(),
            memory_mb: 128,
            timeout_s: 3,
            role: String::new(),
            environment: BTreeMap::new(),
            tags: source
                .map(|s| HashMap::from([(TAG_SOURCE.to_owned(), s.to_owned())]))
                .unwrap_or_default(),
        }
    }

    #[test]
    fn a_recorded_source_vouches_only_for_the_same_tree_and_the_code_still_deployed() {
        let digest = InputDigest {
            hex: "ab12".into(),
            files: 3,
        };
        let same = recorded_package(&observed("SHA=", Some("ab12:SHA=:2048:4")), &digest)
            .expect("recognised");
        assert_eq!(
            (
                same.code_sha256.as_str(),
                same.bytes,
                same.files,
                same.zip.len()
            ),
            ("SHA=", 2048, 4, 0)
        );
        // Another tree, code changed outside Functory, no record, a malformed record.
        assert!(recorded_package(&observed("SHA=", Some("cd34:SHA=:2048:4")), &digest).is_none());
        assert!(recorded_package(&observed("OTHER=", Some("ab12:SHA=:2048:4")), &digest).is_none());
        assert!(recorded_package(&observed("SHA=", None), &digest).is_none());
        assert!(recorded_package(&observed("SHA=", Some("ab12:SHA=")), &digest).is_none());
    }
}
