//! Deploying one function: observe what exists, plan, then apply the plan step by step.
//!
//! Order matters for safety: the role and the function's `$LATEST` change first, a version is
//! published, and only then does the stage alias move. Until that last call the stage keeps
//! serving the previous version, so a deploy cut anywhere (an error, Ctrl+C, a network cut)
//! leaves users on the old code, and the next deploy picks up from what exists.

mod apply;
mod observe;
mod triggers;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Instant;

use functory_adapter::archive::human_size;
use functory_adapter::plan::planned_change as change;
use functory_adapter::{
    AdapterError, ChangeAction, DeployOptions, DeployOutcome, DeployPlan, PlannedChange,
    ResourceKind, Result,
};
use serde_json::Value;

use super::AwsAdapter;
use super::fanout;
use super::http_api;
use super::mappings;
use super::names::naming_scope;
use super::role::{ObservedRole, permissions_policy, role_name};
use super::schedules;
use super::storage::{self, ObservedBucket, WantedBucket};
use super::url;
use crate::package::{Package, input_digest, package_function};
use observe::{configuration_changes, matching_version, recorded_package};
use triggers::{plan_schedules, plan_storage, route_endpoints};

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
    /// Reserved concurrent executions (`None`: the function draws on the unreserved pool).
    reserved_concurrency: Option<i32>,
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
    /// Reserves this many concurrent executions for the function (PutFunctionConcurrency).
    PutConcurrency(i32),
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
    /// A mapping's batch size (and, for a queue, its `batchItemFailures` answer).
    MappingUpdate(String, mappings::SourceKind, i32),
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
    /// A topic trigger's subscription or an event trigger's rule.
    Fanout(fanout::FanoutStep),
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
    /// What the names of the function's roles, schedules and notifications carry.
    scope: String,
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

impl AwsAdapter {
    fn cache_dir(&self, options: &DeployOptions) -> PathBuf {
        self.settings
            .cache_dir
            .clone()
            .unwrap_or_else(|| options.project_root.join(".functory/build/aws"))
            .join(&options.function.name)
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
        let qualifier = options.stage.as_deref();
        let scope = naming_scope(&project, qualifier);
        let role_name = role_name(&scope, name);
        let schedules_want = schedules::wanted(&scope, function);
        let buckets_want = storage::wanted(&scope, function, &options.resources);
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
            self.observe_schedules(
                &project,
                qualifier,
                name,
                !schedules_want.is_empty(),
                &options.shared_reads
            ),
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
        // Topics and rules: those of the manifest, and those Functory's statements name. The
        // account is asked (once) only when some trigger or statement needs an ARN.
        let fans_out = function.triggers.iter().any(|t| {
            matches!(
                t,
                functory_core::Trigger::Topic { .. } | functory_core::Trigger::Event { .. }
            )
        }) || statements
            .iter()
            .any(|s| s.sid.starts_with("functory-sns-") || s.sid.starts_with("functory-events-"));
        let mut fanout_steps = Vec::new();
        let mut fanout_changes = Vec::new();
        if fans_out {
            let place = self.place().await?;
            let (topics_want, rules_want) =
                fanout::wanted(&scope, function, &options.resources, &place);
            let target = observed
                .as_ref()
                .map(|o| schedules::target_arn(&o.arn, qualifier));
            let owned_prefix = format!("{}-", schedules::schedule_prefix(&scope, name));
            let (topics_have, rules_have) = tokio::try_join!(
                self.observe_topics(&topics_want, &statements, target.as_deref()),
                self.observe_rules(&rules_want, &statements, &owned_prefix, target.as_deref()),
            )?;
            fanout::plan(
                &topics_want,
                &topics_have,
                &rules_want,
                &rules_have,
                &mut fanout_changes,
                &mut fanout_steps,
            );
        }
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
        let policy = permissions_policy(function, &options.resources);
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

        // Reserved concurrency belongs to the function, not to a version: it applies to every
        // version and alias at once, so it changes beside `$LATEST`, before the new version.
        plan_reserved_concurrency(
            name,
            options,
            observed.as_ref().and_then(|o| o.reserved_concurrency),
            &mut changes,
            &mut steps,
        )?;

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
        let (url_want, url_statements) = triggers::plan_url(
            function,
            &url_have,
            &statements,
            qualifier,
            &mut changes,
            &mut steps,
        );

        // Queue and stream triggers: event source mappings to the stage.
        triggers::plan_mappings(
            function,
            &options.resources,
            &mapped,
            &mut changes,
            &mut steps,
        );

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
        changes.extend(fanout_changes);
        steps.extend(fanout_steps.into_iter().map(Step::Fanout));

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
            serving: alias_now,
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
            scope,
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
}

/// Reserved concurrency as `options` asks; `None` leaves what the function has (set in the
/// console, say) alone, since functory.toml has no say in it then. Provisioned concurrency is
/// not managed on AWS: asking for it is refused here, before anything changes, not ignored.
fn plan_reserved_concurrency(
    name: &str,
    options: &DeployOptions,
    have: Option<i32>,
    changes: &mut Vec<PlannedChange>,
    steps: &mut Vec<Step>,
) -> Result<()> {
    if options.provisioned_concurrency > 0 {
        return Err(AdapterError::NotSupported {
            operation: "provisioned concurrency (Functory does not manage provisioned concurrency configurations on AWS: set it on the stage alias in the Lambda console or with PutProvisionedConcurrencyConfig)",
            provider: functory_core::AdapterKind::Aws,
        });
    }
    let Some(want) = options.reserved_concurrency else {
        return Ok(());
    };
    let want = i32::try_from(want).map_err(|_| {
        AdapterError::invalid(format!(
            "function `{name}`: reserved concurrency {want} is more than Lambda accepts"
        ))
    })?;
    if have == Some(want) {
        return Ok(());
    }
    changes.push(change(
        ResourceKind::Configuration,
        name,
        ChangeAction::Update,
        vec![format!(
            "reserved concurrency {} → {want}",
            have.map_or_else(|| "unreserved".to_owned(), |n| n.to_string())
        )],
        &["PutFunctionConcurrency"],
    ));
    steps.push(Step::PutConcurrency(want));
    Ok(())
}

/// `functory/<project>/<function>/<sha256 hex>.zip`: the same package always lands on the same
/// key, and a new package never overwrites one a published version was made from.
fn code_key(project: &str, function: &str, code_sha256: &str) -> String {
    let digest = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, code_sha256)
        .map(|bytes| crate::package::hex(&bytes))
        .unwrap_or_else(|_| code_sha256.replace(['/', '+', '='], "_"));
    format!("functory/{project}/{function}/{digest}.zip")
}
