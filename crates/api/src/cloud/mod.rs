//! Cloud targets as use cases: sign in for a target of the manifest, plan a deploy, deploy
//! (checkpoint first, a deploy record per function after), invoke, tail logs (polled, or a
//! billed live tail on request), list versions and roll back, list the functions of the
//! account; importing one of them is [`crate::cloud_import`].
//!
//! The app and the CLI call these with the same arguments; neither talks to an adapter
//! directly. AWS, Azure and Google targets all go through one [`CloudAdapter`].

mod connect;
mod logs;
mod routes;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use functory_adapter::{
    CloudAdapter, DeployOptions, DeployPlan, InvocationType, InvokeOptions, ListOptions,
    ProgressSink, SharedReads, VersionInfo,
};
use functory_core::{AdapterKind, Function, Manifest, Target};
use functory_history::DeployRecord;
use serde::Serialize;
use ts_rs::TS;

use crate::local::{InvocationResult, find_function, unknown_target};
use crate::{ApiError, ErrorCode, Project};

pub(crate) use connect::connect_aws;
pub use connect::{ConnectOptions, connect, connect_with};
pub use logs::{CloudLogLines, forward_cloud_logs, live_logs};
pub use routes::{EXECUTE_API_ORIGIN_VARIABLE, RouteAnswer, RouteCall};

/// What a provider can do, as its adapter declares it (the same whatever the account, so
/// nothing is signed in to): what the UI offers for a target of that kind.
pub fn capabilities_of(kind: AdapterKind) -> functory_adapter::Capabilities {
    match kind {
        AdapterKind::Local => functory_local::capabilities(),
        AdapterKind::Aws => functory_aws::capabilities(),
        AdapterKind::Azure => functory_azure::capabilities(),
        AdapterKind::Gcp => functory_gcp::capabilities(),
    }
}

/// One change of a deploy plan, for the Deploy view and `functory deploy --plan`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PlanChange {
    /// `function`, `code`, `configuration`, `role`, `permission`, `version`, `alias`, `trigger`.
    pub kind: String,
    pub name: String,
    /// `create`, `update`, `delete` or `noOp`.
    pub action: String,
    pub details: Vec<String>,
    /// The API calls this change makes, in order.
    pub calls: Vec<String>,
}

impl From<&functory_adapter::PlannedChange> for PlanChange {
    fn from(c: &functory_adapter::PlannedChange) -> Self {
        PlanChange {
            kind: c.kind.to_string(),
            name: c.name.clone(),
            action: match c.action {
                functory_adapter::ChangeAction::Create => "create",
                functory_adapter::ChangeAction::Update => "update",
                functory_adapter::ChangeAction::Delete => "delete",
                functory_adapter::ChangeAction::NoOp => "noOp",
            }
            .to_owned(),
            details: c.details.clone(),
            calls: c.calls.clone(),
        }
    }
}

/// What deploying the project's declared resources (`[resources.NAME]`) to a target would
/// change: made before any function, never deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ResourcePlan {
    pub target: String,
    pub changes: Vec<PlanChange>,
    /// Nothing would change.
    pub no_op: bool,
}

/// What deploying one function to a target would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FunctionPlan {
    pub function: String,
    pub target: String,
    pub code_sha256: String,
    #[ts(type = "number")]
    pub package_bytes: u64,
    pub changes: Vec<PlanChange>,
    /// Nothing would change.
    pub no_op: bool,
    /// Where the function answers HTTP (`GET https://…/users/{id}`), when already known.
    pub endpoints: Vec<String>,
    /// The version the target's stage serves now, when the adapter read it.
    pub serving: Option<String>,
}

impl FunctionPlan {
    fn new(target: &str, plan: &DeployPlan) -> Self {
        FunctionPlan {
            function: plan.function.clone(),
            target: target.to_owned(),
            code_sha256: plan.code_sha256.clone(),
            package_bytes: plan.package_bytes,
            no_op: plan.is_no_op(),
            endpoints: plan.endpoints.clone(),
            serving: plan.serving.clone(),
            changes: plan.changes.iter().map(PlanChange::from).collect(),
        }
    }

    /// Every API call of the plan, in order.
    pub fn calls(&self) -> Vec<String> {
        self.changes
            .iter()
            .flat_map(|c| c.calls.iter().cloned())
            .collect()
    }
}

/// How many functions are planned at once: 8 overlaps a cloud's network waits without
/// tripping its rate limits; `FUNCTORY_PLAN_CONCURRENCY` (1–64) changes it (1 plans one after
/// another, which a single-process emulator may serve faster).
fn plans_at_once() -> usize {
    std::env::var("FUNCTORY_PLAN_CONCURRENCY")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| (1..=64).contains(n))
        .unwrap_or(8)
}

/// The `function` of the deploy steps that create the declared resources.
pub const RESOURCES_STEP: &str = "[resources]";

/// A step of a deploy in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeployStep {
    pub function: String,
    /// 1-based; `step == steps` with label `done` ends the function's deploy.
    pub step: u32,
    pub steps: u32,
    pub label: String,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

/// One function deployed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeployedFunction {
    pub function: String,
    /// The version the target's stage now serves.
    pub version: String,
    pub code_sha256: String,
    /// Code went up (false when it was unchanged).
    pub uploaded: bool,
    /// The changing calls made, as the plan listed them.
    pub calls: Vec<String>,
    /// Where it answers HTTP now: its routes on the project's HTTP API.
    pub endpoints: Vec<String>,
}

/// A deploy that stopped part-way, and what is still served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeployFailure {
    pub function: String,
    pub code: ErrorCode,
    pub message: String,
    /// The version the stage still serves (`None`: the function was never deployed there).
    pub still_serving: Option<String>,
}

/// What a deploy did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeployReport {
    pub target: String,
    /// The checkpoint commit the deploy recorded.
    pub commit: String,
    /// Whether the checkpoint made a new commit (false: nothing had changed since the last).
    pub checkpoint_created: bool,
    /// The declared resources the deploy created (before any function).
    pub resources: Vec<PlanChange>,
    pub deployed: Vec<DeployedFunction>,
    /// Set when a function failed; the functions after it were not deployed.
    pub failed: Option<DeployFailure>,
}

/// A published version of a cloud function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FunctionVersion {
    pub version: String,
    pub code_sha256: String,
    pub last_modified: String,
    pub description: String,
    /// The target's stage serves this version.
    pub serving: bool,
}

/// A function that exists in the cloud account, for listing and import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RemoteFunction {
    pub name: String,
    pub runtime: String,
    pub memory_mb: u32,
    pub timeout_s: u32,
}

/// Where a cloud target's log lines come from and how late they arrive, for the Run & Logs
/// view to say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TargetLogSource {
    pub target: String,
    /// What is read ("CloudWatch Logs /aws/lambda/resize (FilterLogEvents, polled every 2 s)").
    pub description: String,
    /// How long after a line is written it typically shows up.
    #[ts(type = "number")]
    pub expected_delay_ms: u64,
    /// The live tail session this target's provider offers instead of polling (see
    /// [`live_logs`]), or none where its capabilities declare no `live_tail`.
    pub live_tail: Option<LiveTail>,
}

/// A provider's live tail session, as the Run & Logs switch describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LiveTail {
    /// What the session reads and how fast lines come.
    pub description: String,
    /// The provider bills the session while it runs (AWS bills live tails by the minute), so
    /// it is never on unless asked for and says so.
    pub billed: bool,
}

impl LiveTail {
    /// The live tail of a provider's logs: present exactly where its capabilities declare
    /// `live_tail` (a test holds the two together).
    pub fn of(kind: AdapterKind) -> Option<LiveTail> {
        match kind {
            AdapterKind::Aws => Some(LiveTail {
                description: "a CloudWatch Logs live tail session — lines within about a second; AWS bills each minute the session runs, so it stops when you leave this view or switch it off".to_owned(),
                billed: true,
            }),
            AdapterKind::Gcp => Some(LiveTail {
                description: "Cloud Logging's TailLogEntries stream — new lines within a few seconds, while this view is open".to_owned(),
                billed: false,
            }),
            AdapterKind::Local | AdapterKind::Azure => None,
        }
    }
}

/// A target of the manifest, signed in.
#[derive(Debug, Clone)]
pub struct CloudTarget {
    pub target: Target,
    pub adapter: Arc<dyn CloudAdapter>,
    pub manifest: Manifest,
    pub root: PathBuf,
    /// The AWS sign-in, to say whose identity the target acts as.
    aws_session: Option<functory_aws::AwsSession>,
}

/// Who a target acts as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TargetIdentity {
    pub target: String,
    /// Where the credentials come from: a profile, a keychain account, the environment's chain.
    pub source: String,
    /// The cloud account (AWS: the 12-digit account id).
    pub account: String,
    /// The identity itself (an IAM user or an assumed role's session).
    pub arn: String,
    pub region: Option<String>,
}

pub(crate) fn manifest_of(root: &Path) -> Result<Manifest, ApiError> {
    let project = Project::open(root)?;
    let parsed = project.parse()?;
    let errors: Vec<String> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity == functory_core::Severity::Error)
        .map(|d| d.to_string())
        .collect();
    match parsed.manifest {
        Some(manifest) if errors.is_empty() => Ok(manifest),
        _ => Err(ApiError::new(
            ErrorCode::InvalidManifest,
            format!(
                "functory.toml has problems; fix them first:\n{}",
                errors.join("\n")
            ),
        )),
    }
}

pub(crate) fn find_target(manifest: &Manifest, name: &str) -> Result<Target, ApiError> {
    manifest
        .targets
        .iter()
        .find(|t| t.name == name)
        .cloned()
        .ok_or_else(|| unknown_target(manifest, name))
}

impl CloudTarget {
    /// Who the target acts as: asks the cloud (AWS STS GetCallerIdentity, which needs no
    /// permission), so a plan can say whose account it will change before it changes anything.
    pub async fn identity(&self) -> Result<TargetIdentity, ApiError> {
        let Some(session) = &self.aws_session else {
            return Err(ApiError::new(
                ErrorCode::NotSupported,
                format!(
                    "target `{}` ({}) does not report an identity yet",
                    self.target.name, self.target.adapter
                ),
            ));
        };
        let who = functory_aws::caller_identity(session).await?;
        Ok(TargetIdentity {
            target: self.target.name.clone(),
            source: session.who(),
            account: who.account,
            arn: who.arn,
            region: session.region().map(str::to_owned),
        })
    }

    fn functions(&self, names: &[String]) -> Result<Vec<Function>, ApiError> {
        if names.is_empty() {
            return Ok(self.manifest.functions.clone());
        }
        names
            .iter()
            .map(|n| find_function(&self.manifest, n))
            .collect()
    }

    /// How `function` deploys to this target; `shared` holds the reads the functions of one
    /// plan or deploy share (made per operation, never kept across two).
    fn deploy_options(
        &self,
        function: Function,
        commit: Option<String>,
        shared: &SharedReads,
    ) -> DeployOptions {
        let mut options = DeployOptions::new(&self.root, function);
        options.shared_reads = shared.clone();
        options.project = Some(self.manifest.project_name.clone());
        options.stage = Some(self.target.name.clone());
        options.commit = commit;
        options.app_functions = self.manifest.functions.clone();
        options.api = self.manifest.api.clone();
        options.resources = self.manifest.resources.clone();
        options
    }

    /// What deploying the project's declared resources would change (`None`: it declares
    /// none). Changes nothing.
    pub async fn plan_resources(&self) -> Result<Option<ResourcePlan>, ApiError> {
        if self.manifest.resources.is_empty() {
            return Ok(None);
        }
        let changes = self
            .adapter
            .plan_resources(&self.manifest.project_name, &self.manifest.resources)
            .await?;
        Ok(Some(ResourcePlan {
            target: self.target.name.clone(),
            no_op: changes
                .iter()
                .all(|c| c.action == functory_adapter::ChangeAction::NoOp),
            changes: changes.iter().map(PlanChange::from).collect(),
        }))
    }

    /// What deploying `functions` (all when empty) would change. Changes nothing.
    pub async fn plan(&self, functions: &[String]) -> Result<Vec<FunctionPlan>, ApiError> {
        Ok(self
            .adapter_plans(&self.functions(functions)?, &SharedReads::new())
            .await?
            .iter()
            .map(|plan| FunctionPlan::new(&self.target.name, plan))
            .collect())
    }

    /// The adapter's plan of each function, in order. Plans only read, and each function's
    /// reads are its own, so several functions are planned at once (a project of hundreds of
    /// functions is planned in the time of a few dozen).
    async fn adapter_plans(
        &self,
        functions: &[Function],
        shared: &SharedReads,
    ) -> Result<Vec<functory_adapter::DeployPlan>, ApiError> {
        use futures_util::StreamExt;
        let plans_at_once = plans_at_once();
        let plans: Vec<_> = futures_util::stream::iter(functions.iter().cloned())
            .map(|function| async move {
                self.adapter
                    .plan(&self.deploy_options(function, None, shared))
                    .await
            })
            .buffered(plans_at_once)
            .collect()
            .await;
        plans
            .into_iter()
            .map(|plan| plan.map_err(ApiError::from))
            .collect()
    }

    /// Checkpoints the project, deploys `functions` (all when empty) one after another and
    /// records each deploy in the project's history. Stops at the first failure and says what
    /// the stage still serves.
    pub async fn deploy(
        &self,
        functions: &[String],
        progress: impl Fn(DeployStep) + Send + Sync + 'static,
    ) -> Result<DeployReport, ApiError> {
        self.deploy_with(functions, None, progress).await
    }

    /// [`CloudTarget::deploy`] of the functions of `plans`, plans the caller has just made and
    /// shown: a function whose plan changed nothing is recorded without planning it again.
    pub async fn deploy_planned(
        &self,
        plans: &[FunctionPlan],
        progress: impl Fn(DeployStep) + Send + Sync + 'static,
    ) -> Result<DeployReport, ApiError> {
        let functions: Vec<String> = plans.iter().map(|p| p.function.clone()).collect();
        self.deploy_with(&functions, Some(plans), progress).await
    }

    async fn deploy_with(
        &self,
        functions: &[String],
        planned: Option<&[FunctionPlan]>,
        progress: impl Fn(DeployStep) + Send + Sync + 'static,
    ) -> Result<DeployReport, ApiError> {
        let selected = self.functions(functions)?;
        let names: Vec<&str> = selected.iter().map(|f| f.name.as_str()).collect();
        // The repository handle is not thread-safe: each history step opens its own, so no
        // handle lives across an await.
        let (checkpoint, who) = {
            let history = Project::open(&self.root)?.history()?;
            let checkpoint = history.checkpoint(&format!(
                "Deploy {} to {}",
                names.join(", "),
                self.target.name
            ))?;
            (checkpoint, history.who())
        };
        let progress = Arc::new(progress);
        let mut report = DeployReport {
            target: self.target.name.clone(),
            commit: checkpoint.commit.clone(),
            checkpoint_created: checkpoint.created,
            resources: Vec::new(),
            deployed: Vec::new(),
            failed: None,
        };
        // The resources triggers and handlers name exist before any function is wired to them.
        if let Some(plan) = self.plan_resources().await?
            && !plan.no_op
        {
            let made: Vec<&PlanChange> =
                plan.changes.iter().filter(|c| c.action != "noOp").collect();
            progress(DeployStep {
                function: RESOURCES_STEP.to_owned(),
                step: 1,
                steps: 2,
                label: format!(
                    "creating {}",
                    made.iter()
                        .map(|c| format!("{} {}", c.kind, c.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                elapsed_ms: 0,
            });
            let started = std::time::Instant::now();
            self.adapter
                .create_resources(&self.manifest.project_name, &self.manifest.resources)
                .await?;
            progress(DeployStep {
                function: RESOURCES_STEP.to_owned(),
                step: 2,
                steps: 2,
                label: "done".to_owned(),
                elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            });
            report.resources = made.into_iter().cloned().collect();
        }
        // A function whose plan changes nothing and whose stage already serves a version is
        // not deployed again: the stage serves what a deploy would leave it on, and the deploy
        // is recorded at once. Planning is what a no-change redeploy costs, done at once.
        // Listings every function's plan needs (Functory's schedules) are read once for this
        // deploy: each function's part of them is changed only by its own deploy, after its
        // own plan.
        let shared = SharedReads::new();
        let plans: Vec<FunctionPlan> = match planned {
            Some(plans) => plans.to_vec(),
            None => self
                .adapter_plans(&selected, &shared)
                .await?
                .iter()
                .map(|plan| FunctionPlan::new(&self.target.name, plan))
                .collect(),
        };
        // The no-change functions' records wait here and are written together (one note
        // write for many functions), before the next function that deploys and at the end.
        let mut unchanged_records = Vec::new();
        for (function, plan) in selected.into_iter().zip(plans) {
            let name = function.name.clone();
            if let (true, Some(version)) = (plan.no_op, plan.serving.clone()) {
                unchanged_records.push(DeployRecord {
                    target: self.target.name.clone(),
                    function: name.clone(),
                    cloud_version: version.clone(),
                    code_hash: plan.code_sha256.clone(),
                    deployed_at: chrono::Utc::now().timestamp(),
                    who: who.clone(),
                    commit: checkpoint.commit.clone(),
                });
                progress(DeployStep {
                    function: name.clone(),
                    step: 1,
                    steps: 1,
                    label: "done".to_owned(),
                    elapsed_ms: 0,
                });
                report.deployed.push(DeployedFunction {
                    function: name,
                    version,
                    code_sha256: plan.code_sha256.clone(),
                    uploaded: false,
                    calls: Vec::new(),
                    endpoints: plan.endpoints.clone(),
                });
                continue;
            }
            self.record_all(&mut unchanged_records)?;
            let mut options =
                self.deploy_options(function, Some(checkpoint.commit.clone()), &shared);
            options.progress = Some(step_sink(progress.clone()));
            match self.adapter.deploy_function(&options).await {
                Ok(outcome) => {
                    self.record(&DeployRecord {
                        target: self.target.name.clone(),
                        function: name.clone(),
                        cloud_version: outcome.version.clone(),
                        code_hash: outcome.code_sha256.clone(),
                        deployed_at: chrono::Utc::now().timestamp(),
                        who: who.clone(),
                        commit: checkpoint.commit.clone(),
                    })?;
                    report.deployed.push(DeployedFunction {
                        function: name,
                        version: outcome.version,
                        code_sha256: outcome.code_sha256,
                        uploaded: outcome.uploaded,
                        calls: outcome.plan.calls(),
                        endpoints: outcome.plan.endpoints.clone(),
                    });
                }
                Err(error) => {
                    let still_serving = self.serving(&name).await;
                    let error = ApiError::from(error);
                    report.failed = Some(DeployFailure {
                        function: name,
                        code: error.code,
                        message: error.message,
                        still_serving,
                    });
                    break;
                }
            }
        }
        self.record_all(&mut unchanged_records)?;
        Ok(report)
    }

    /// Deploys `function` exactly as it was at `commit` (a recorded deploy, a checkpoint):
    /// its files and settings are taken from that commit, the work tree is left alone, and the
    /// deploy is recorded on that commit.
    pub async fn redeploy(
        &self,
        function: &str,
        commit: &str,
        progress: impl Fn(DeployStep) + Send + Sync + 'static,
    ) -> Result<DeployReport, ApiError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir = self
            .root
            .join(".functory/redeploy")
            .join(format!("{}-{nanos}", &commit[..commit.len().min(12)]));
        let result = async {
            let full = Project::open(&self.root)?.history()?.export(commit, &dir)?;
            let old = manifest_of(&dir)?;
            let old_function = find_function(&old, function).map_err(|_| {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!(
                        "function `{function}` did not exist at commit {}",
                        &full[..12]
                    ),
                )
            })?;
            let mut options = DeployOptions::new(&dir, old_function);
            options.app_functions = old.functions.clone();
            options.api = old.api.clone();
            options.resources = old.resources.clone();
            options.project = Some(self.manifest.project_name.clone());
            options.stage = Some(self.target.name.clone());
            options.commit = Some(full.clone());
            options.progress = Some(step_sink(Arc::new(progress)));
            let outcome = self.adapter.deploy_function(&options).await;
            Ok::<_, ApiError>((full, outcome))
        }
        .await;
        let _ = std::fs::remove_dir_all(&dir);
        let (full, outcome) = result?;
        let mut report = DeployReport {
            target: self.target.name.clone(),
            commit: full.clone(),
            checkpoint_created: false,
            resources: Vec::new(),
            deployed: Vec::new(),
            failed: None,
        };
        match outcome {
            Ok(outcome) => {
                let who = Project::open(&self.root)?.history()?.who();
                self.record(&DeployRecord {
                    target: self.target.name.clone(),
                    function: function.to_owned(),
                    cloud_version: outcome.version.clone(),
                    code_hash: outcome.code_sha256.clone(),
                    deployed_at: chrono::Utc::now().timestamp(),
                    who,
                    commit: full,
                })?;
                report.deployed.push(DeployedFunction {
                    function: function.to_owned(),
                    version: outcome.version,
                    code_sha256: outcome.code_sha256,
                    uploaded: outcome.uploaded,
                    calls: outcome.plan.calls(),
                    endpoints: outcome.plan.endpoints.clone(),
                });
            }
            Err(error) => {
                let error = ApiError::from(error);
                report.failed = Some(DeployFailure {
                    function: function.to_owned(),
                    code: error.code,
                    message: error.message,
                    still_serving: self.serving(function).await,
                });
            }
        }
        Ok(report)
    }

    fn record(&self, record: &DeployRecord) -> Result<(), ApiError> {
        Ok(Project::open(&self.root)?
            .history()?
            .record_deploy(record)?)
    }

    /// Writes `records` in one go and empties it.
    fn record_all(&self, records: &mut Vec<DeployRecord>) -> Result<(), ApiError> {
        if records.is_empty() {
            return Ok(());
        }
        Project::open(&self.root)?
            .history()?
            .record_deploys(records)?;
        records.clear();
        Ok(())
    }

    /// The version the target's stage serves, if the function has been deployed there.
    pub async fn serving(&self, function: &str) -> Option<String> {
        self.adapter
            .serving_version(function, &self.target.name)
            .await
            .ok()
            .flatten()
    }

    /// Invokes the function's stage (or its latest code with `latest`).
    pub async fn invoke(
        &self,
        function: &str,
        event: &str,
        latest: bool,
        asynchronous: bool,
    ) -> Result<InvocationResult, ApiError> {
        find_function(&self.manifest, function)?;
        crate::local::check_event(event)?;
        let mut options = InvokeOptions::new(function, event.as_bytes()).with_log_tail();
        // Only a provider with aliases has a stage to aim at; the others run what is deployed.
        let staged = !latest && self.adapter.capabilities().aliases;
        if staged {
            options.qualifier = Some(self.target.name.clone());
        }
        if asynchronous {
            options = options.with_type(InvocationType::Event);
        }
        let invocation = self.adapter.invoke(options).await.map_err(|e| match e {
            functory_adapter::AdapterError::NotFound { .. } if staged => ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "function `{function}` has no stage `{}` yet: deploy it to target `{}` first",
                    self.target.name, self.target.name
                ),
            ),
            other => other.into(),
        })?;
        Ok(invocation.into())
    }

    /// The published versions, oldest first, with the one the stage serves marked.
    pub async fn versions(&self, function: &str) -> Result<Vec<FunctionVersion>, ApiError> {
        let serving = self.serving(function).await;
        Ok(self
            .adapter
            .versions(function)
            .await?
            .into_iter()
            .map(|v: VersionInfo| FunctionVersion {
                serving: serving.as_deref() == Some(v.version.as_str()),
                version: v.version,
                code_sha256: v.code_sha256,
                last_modified: v.last_modified,
                description: v.description,
            })
            .collect())
    }

    /// Points the stage back at `version`.
    pub async fn rollback(&self, function: &str, version: &str) -> Result<(), ApiError> {
        find_function(&self.manifest, function)?;
        Ok(self
            .adapter
            .rollback(function, &self.target.name, version)
            .await?)
    }

    /// The functions of the target's account and region.
    pub async fn remote_functions(&self) -> Result<Vec<RemoteFunction>, ApiError> {
        Ok(self
            .adapter
            .list(ListOptions::default())
            .await?
            .into_iter()
            .map(|f| RemoteFunction {
                name: f.name,
                runtime: f.runtime,
                memory_mb: f.memory_mb,
                timeout_s: f.timeout_s,
            })
            .collect())
    }
}

/// The adapter's progress reports as [`DeployStep`]s for `report`.
fn step_sink(report: Arc<impl Fn(DeployStep) + Send + Sync + 'static>) -> ProgressSink {
    ProgressSink::new(move |p| {
        report(DeployStep {
            function: p.function,
            step: u32::try_from(p.step).unwrap_or(u32::MAX),
            steps: u32::try_from(p.steps).unwrap_or(u32::MAX),
            label: p.label,
            elapsed_ms: p.elapsed_ms,
        });
    })
}

/// Whether `target` of the project at `root` is a cloud target (so the CLI routes `invoke` and
/// `logs` here instead of to the local runtime).
pub fn is_cloud_target(root: &Path, target: &str) -> bool {
    manifest_of(root)
        .ok()
        .and_then(|m| m.targets.into_iter().find(|t| t.name == target))
        .is_some_and(|t| t.adapter != AdapterKind::Local)
}
