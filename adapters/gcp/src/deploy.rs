//! Deploying one function: map it, observe what exists, plan, then apply the plan in order.
//!
//! The order: (recreate: delete) → upload the source to a signed URL → create, or patch with
//! an `updateMask` naming exactly the fields that differ → wait for the operation, whose
//! stages drive the progress → the Cloud Run invoker policy → Cloud Scheduler jobs. Cloud Run
//! moves traffic to a new revision only once it is ready, so a deploy cut anywhere leaves the
//! previous revision serving; the next deploy waits for an operation still running (never
//! patching under it), sees the labels and state the cut left, and converges.

use std::collections::BTreeMap;
use std::time::Instant;

use functory_adapter::archive::human_size as size;
use functory_adapter::plan::planned_change as change;
use functory_adapter::{
    AdapterError, ChangeAction, DeployOptions, DeployOutcome, DeployPlan, DeployProgress,
    PlannedChange, ResourceKind, Result,
};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::GcpAdapter;
use crate::adapter::{LABEL_COMMIT, LABEL_PROJECT, LABEL_SHA256, description_of};
use crate::client::with_query;
use crate::functions::{CloudFunction, Operation, OperationMetadata};
use crate::mapping::{
    MEMORY_ENV, Mapping, TIMEOUT_ENV, WantedSchedule, job_prefix, label_value, map_function,
    memory_mb,
};
use crate::package::{Package, Placement, package_function};

/// Cloud Functions takes sources of at most 100 MiB.
pub const UPLOAD_LIMIT: usize = 104_857_600;
const INVOKER_ROLE: &str = "roles/run.invoker";
const ALL_USERS: &str = "allUsers";
/// Progress steps an operation takes: its four stages.
const OPERATION_STEPS: usize = 4;

/// The calls a plan lists, as the changes name them.
pub mod calls {
    pub const GENERATE_UPLOAD_URL: &str = "GenerateUploadUrl";
    pub const UPLOAD: &str = "PUT uploadUrl";
    pub const CREATE_FUNCTION: &str = "CreateFunction";
    pub const UPDATE_FUNCTION: &str = "UpdateFunction";
    pub const DELETE_FUNCTION: &str = "DeleteFunction";
    pub const SET_IAM_POLICY: &str = "SetIamPolicy";
    pub const CREATE_JOB: &str = "CreateJob";
    pub const UPDATE_JOB: &str = "UpdateJob";
    pub const DELETE_JOB: &str = "DeleteJob";
}

/// A Cloud Scheduler job of the function, as it exists.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct SchedulerJob {
    pub name: String,
    pub schedule: String,
    pub time_zone: String,
    pub http_target: HttpTarget,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct HttpTarget {
    pub uri: String,
    pub oidc_token: OidcToken,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct OidcToken {
    pub service_account_email: String,
    pub audience: String,
}

impl SchedulerJob {
    fn id(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or_default()
    }
}

/// One thing to do, in the order it is done.
#[derive(Debug, Clone)]
enum Step {
    DeleteFunction,
    Upload,
    Create,
    Update(Vec<&'static str>),
    SetInvokers,
    CreateJob(WantedSchedule),
    UpdateJob(WantedSchedule),
    DeleteJob(String),
}

impl Step {
    fn progress_steps(&self) -> usize {
        match self {
            Step::Create | Step::Update(_) | Step::DeleteFunction => OPERATION_STEPS,
            _ => 1,
        }
    }
}

/// A plan with what applying it needs.
struct Prepared {
    plan: DeployPlan,
    steps: Vec<Step>,
    package: Package,
    mapping: Mapping,
    body: Value,
    existing: Option<CloudFunction>,
}

/// The label value of a digest: its first 63 hex digits.
pub(crate) fn sha_label(sha256: &str) -> String {
    sha256.chars().take(63).collect()
}

/// `eventTrigger` reduced to what Functory sets, to compare.
fn trigger_key(trigger: &Value) -> (String, String, Vec<(String, String)>) {
    let text = |key: &str| {
        trigger
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut filters: Vec<(String, String)> = trigger
        .get("eventFilters")
        .and_then(Value::as_array)
        .map(|filters| {
            filters
                .iter()
                .map(|f| {
                    (
                        f.get("attribute")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                        f.get("value")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    filters.sort();
    (text("eventType"), text("pubsubTopic"), filters)
}

/// The members granted `roles/run.invoker` in an IAM policy.
fn invokers(policy: &Value) -> Vec<String> {
    policy
        .get("bindings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|b| b.get("role").and_then(Value::as_str) == Some(INVOKER_ROLE))
        .filter(|b| b.get("condition").is_none())
        .flat_map(|b| {
            b.get("members")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|m| m.as_str().map(str::to_owned))
        })
        .collect()
}

/// `policy` with `add` granted and `remove` revoked the invoker role; other bindings untouched.
fn with_invokers(mut policy: Value, add: &[String], remove: &[String]) -> Value {
    if !policy.is_object() {
        policy = json!({});
    }
    let bindings = policy
        .as_object_mut()
        .map(|o| o.entry("bindings").or_insert_with(|| json!([])))
        .and_then(Value::as_array_mut);
    let Some(bindings) = bindings else {
        return policy;
    };
    let position = bindings.iter().position(|b| {
        b.get("role").and_then(Value::as_str) == Some(INVOKER_ROLE) && b.get("condition").is_none()
    });
    let index = match position {
        Some(i) => i,
        None => {
            bindings.push(json!({ "role": INVOKER_ROLE, "members": [] }));
            bindings.len() - 1
        }
    };
    if let Some(members) = bindings[index]
        .get_mut("members")
        .and_then(Value::as_array_mut)
    {
        members.retain(|m| !m.as_str().is_some_and(|m| remove.iter().any(|r| r == m)));
        for member in add {
            if !members.iter().any(|m| m.as_str() == Some(member)) {
                members.push(json!(member));
            }
        }
    }
    bindings.retain(|b| {
        b.get("members")
            .and_then(Value::as_array)
            .is_none_or(|m| !m.is_empty())
    });
    policy
}

impl GcpAdapter {
    /// What deploying `options` would change, with the exact calls; changes nothing.
    pub async fn plan(&self, options: &DeployOptions) -> Result<DeployPlan> {
        Ok(self.prepare(options).await?.plan)
    }

    /// Plans and applies a deploy of one function. An operation another deploy started is
    /// waited for first, never interrupted.
    pub async fn deploy_function(&self, options: &DeployOptions) -> Result<DeployOutcome> {
        let started = Instant::now();
        // The plan is only as good as what it observed: nothing may be changing underneath.
        self.wait_until_settled(&options.function.name).await?;
        let prepared = self.prepare(options).await?;
        self.apply(options, prepared, started).await
    }

    fn scheduler_parent(&self) -> String {
        format!(
            "{}/v1/projects/{}/locations/{}/jobs",
            self.api.endpoints.scheduler, self.project, self.region
        )
    }

    /// The function's Cloud Scheduler jobs (named `functory-<function>-schedule-<n>`).
    pub(crate) async fn list_jobs(&self, function: &str) -> Result<Vec<SchedulerJob>> {
        #[derive(Deserialize, Default)]
        #[serde(rename_all = "camelCase", default)]
        struct Page {
            jobs: Vec<SchedulerJob>,
            next_page_token: String,
        }
        let prefix = job_prefix(function);
        let mut out = Vec::new();
        let mut token = String::new();
        loop {
            let mut pairs = vec![("pageSize", "500")];
            if !token.is_empty() {
                pairs.push(("pageToken", token.as_str()));
            }
            let page: Page = self
                .api
                .get(
                    &format!("Cloud Scheduler ListJobs in `{}`", self.parent()),
                    &with_query(&self.scheduler_parent(), &pairs),
                )
                .await?;
            out.extend(
                page.jobs
                    .into_iter()
                    .filter(|j| j.id().starts_with(&prefix)),
            );
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn run_url(&self, service: &str, verb: &str) -> String {
        format!("{}/v2/{service}:{verb}", self.api.endpoints.run)
    }

    async fn invoker_policy(&self, service: &str) -> Result<Value> {
        self.api
            .get(
                &format!("Cloud Run GetIamPolicy of `{service}`"),
                &self.run_url(service, "getIamPolicy"),
            )
            .await
    }

    async fn prepare(&self, options: &DeployOptions) -> Result<Prepared> {
        let function = &options.function;
        let name = function.name.as_str();
        let project_name = options
            .project
            .clone()
            .unwrap_or_else(|| "functory".to_owned());
        let mapping = map_function(function, &self.project)?;
        // Zipping reads and compresses every file: off the async threads, while the reads run.
        let packaging = {
            let (root, function, mapping) = (
                options.project_root.clone(),
                function.clone(),
                mapping.clone(),
            );
            let (project, region) = (self.project.clone(), self.region.clone());
            tokio::task::spawn_blocking(move || {
                package_function(
                    &root,
                    &function,
                    &mapping,
                    &Placement {
                        project: &project,
                        region: &region,
                    },
                )
            })
        };
        let (existing, jobs) = tokio::try_join!(self.get_function(name), self.list_jobs(name))?;
        let package = packaging
            .await
            .map_err(|e| AdapterError::invalid(format!("packaging `{name}` stopped: {e}")))??;
        if package.zip.len() > UPLOAD_LIMIT {
            return Err(AdapterError::invalid(format!(
                "function `{name}`: the package is {}, over the 100 MB Cloud Functions accepts; exclude files in {} (tests, docs, build output)",
                size(package.zip.len()),
                crate::package::IGNORE_FILE
            )));
        }
        let project_label = label_value(&project_name);
        if let Some(existing) = &existing
            && let Some(owner) = existing.labels.get(LABEL_PROJECT)
            && owner != &project_label
        {
            return Err(AdapterError::AlreadyExists {
                what: format!(
                    "function `{name}` in project `{}` region `{}` belongs to Functory project `{owner}` (label {LABEL_PROJECT}), not `{project_label}`: rename the function or deploy from that project",
                    self.project, self.region
                ),
            });
        }
        let recreate = existing
            .as_ref()
            .is_some_and(|e| e.event_trigger.is_some() != mapping.event.is_some());
        let policy = match &existing {
            Some(e) if !recreate && !e.service_config.service.is_empty() => {
                Some(self.invoker_policy(&e.service_config.service).await?)
            }
            _ => None,
        };

        // What the function should be.
        let mut labels = existing
            .as_ref()
            .map(|e| e.labels.clone())
            .unwrap_or_default();
        labels.insert(LABEL_PROJECT.to_owned(), project_label.clone());
        labels.insert(LABEL_SHA256.to_owned(), sha_label(&package.sha256));
        if let Some(commit) = &options.commit {
            labels.insert(LABEL_COMMIT.to_owned(), label_value(commit));
        }
        let mut environment: BTreeMap<String, String> = function
            .environment
            .iter()
            .map(|e| (e.key.clone(), e.value.clone()))
            .collect();
        environment.insert(MEMORY_ENV.to_owned(), mapping.memory.mb.to_string());
        environment.insert(TIMEOUT_ENV.to_owned(), mapping.timeout_s.to_string());
        let description = description_of(&project_name, &function.handler, &function.runtime);
        let mut body = json!({
            "name": self.function_name(name),
            "description": description,
            "buildConfig": {
                "runtime": mapping.runtime,
                "entryPoint": mapping.language.entry_point(),
            },
            "serviceConfig": {
                "availableMemory": mapping.memory.label,
                "timeoutSeconds": mapping.timeout_s,
                "environmentVariables": environment,
                "allTrafficOnLatestRevision": true,
            },
            "labels": labels,
        });
        if let Some(event) = &mapping.event {
            body["eventTrigger"] = event.event_trigger(&self.region);
        }

        let mut changes = Vec::new();
        let mut steps = Vec::new();
        let mut config_notes = mapping.notes.clone();
        if let Some(stage) = &options.stage {
            config_notes.push(format!(
                "target `{stage}`: Cloud Functions has no stages; the new revision takes all traffic once it is ready (the previous one serves until then)"
            ));
        }
        let code_details = {
            let mut details = vec![format!(
                "{} files, {}, sha256 {}…",
                package.files,
                size(package.zip.len()),
                &package.sha256[..12]
            )];
            details.extend(package.notes.iter().cloned());
            details
        };
        let upload_calls = [calls::GENERATE_UPLOAD_URL, calls::UPLOAD];
        match &existing {
            Some(_) if recreate => {
                changes.push(change(
                    ResourceKind::Function,
                    name,
                    ChangeAction::Delete,
                    vec!["the trigger kind changes between HTTP and event-driven, which Cloud Functions cannot update in place: the function is deleted and created again".to_owned()],
                    &[calls::DELETE_FUNCTION],
                ));
                steps.push(Step::DeleteFunction);
            }
            _ => {}
        }
        match existing.as_ref().filter(|_| !recreate) {
            None => {
                let mut details = config_notes.clone();
                details.extend(code_details);
                changes.push(change(
                    ResourceKind::Function,
                    name,
                    ChangeAction::Create,
                    details,
                    &[
                        calls::GENERATE_UPLOAD_URL,
                        calls::UPLOAD,
                        calls::CREATE_FUNCTION,
                    ],
                ));
                steps.extend([Step::Upload, Step::Create]);
            }
            Some(existing) => {
                // A running operation is waited for by the deploy; this plan is against what
                // exists before it finishes.
                let busy = existing.busy();
                let failed_before = !busy && existing.state != "ACTIVE";
                let code_changed = failed_before
                    || existing.labels.get(LABEL_SHA256) != Some(&sha_label(&package.sha256));
                let (mut mask, mut details) =
                    self.differences(existing, &mapping, &body, failed_before);
                if code_changed {
                    changes.push(change(
                        ResourceKind::Code,
                        name,
                        ChangeAction::Update,
                        code_details,
                        &upload_calls,
                    ));
                    steps.push(Step::Upload);
                    mask.insert(0, "buildConfig.source");
                } else {
                    changes.push(PlannedChange::no_op(ResourceKind::Code, name));
                }
                // Labels alone (the commit) do not make a new revision; with anything else they
                // record the digest, project and commit of what now runs.
                let ours_differ = [LABEL_PROJECT, LABEL_SHA256].iter().any(|k| {
                    existing.labels.get(*k)
                        != body["labels"][*k].as_str().map(str::to_owned).as_ref()
                });
                let labels_differ = body["labels"] != json!(existing.labels);
                if (!mask.is_empty() && labels_differ) || ours_differ || failed_before {
                    mask.push("labels");
                }
                if failed_before {
                    details.insert(
                        0,
                        format!(
                            "the function is {}: everything is sent again",
                            existing.state_text()
                        ),
                    );
                }
                if busy {
                    config_notes.insert(
                        0,
                        format!(
                            "another operation is {} it now: a deploy waits for it to finish, then compares again",
                            if existing.state == "DELETING" { "deleting" } else { "deploying" }
                        ),
                    );
                }
                if mask.is_empty() {
                    changes.push(PlannedChange {
                        details: config_notes,
                        ..PlannedChange::no_op(ResourceKind::Configuration, name)
                    });
                } else {
                    details.push(format!("updateMask {}", mask.join(",")));
                    details.extend(config_notes);
                    changes.push(change(
                        ResourceKind::Configuration,
                        name,
                        ChangeAction::Update,
                        details,
                        &[calls::UPDATE_FUNCTION],
                    ));
                    steps.push(Step::Update(mask));
                }
            }
        }

        // Who may invoke: allUsers for a public URL, the scheduler's identity for schedules.
        let service = existing
            .as_ref()
            .filter(|_| !recreate)
            .map(|e| e.service_config.service.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("{}/services/{name}", self.parent()));
        let scheduler_account = self.scheduler_account(existing.as_ref().filter(|_| !recreate));
        let present = policy.as_ref().map(invokers).unwrap_or_default();
        plan_invokers(
            &service,
            &mapping,
            &present,
            scheduler_account.as_deref(),
            &mut changes,
            &mut steps,
        );

        // Schedules: one Cloud Scheduler job each; jobs the manifest dropped are deleted.
        let uri_now = existing
            .as_ref()
            .filter(|_| !recreate)
            .map(|e| e.service_config.uri.clone())
            .filter(|u| !u.is_empty());
        plan_schedules(
            &mapping,
            &jobs,
            uri_now.as_deref(),
            scheduler_account.as_deref(),
            &mut changes,
            &mut steps,
        );

        let plan = DeployPlan {
            function: name.to_owned(),
            stage: options.stage.clone(),
            code_sha256: package.sha256.clone(),
            package_bytes: package.zip.len() as u64,
            changes,
            endpoints: Vec::new(),
        };
        Ok(Prepared {
            plan,
            steps,
            package,
            mapping,
            body,
            existing: existing.filter(|_| !recreate),
        })
    }

    /// Which update-mask paths differ between `existing` and the wanted `body`, with a line
    /// each for the plan (environment by name only).
    fn differences(
        &self,
        existing: &CloudFunction,
        mapping: &Mapping,
        body: &Value,
        everything: bool,
    ) -> (Vec<&'static str>, Vec<String>) {
        let mut mask = Vec::new();
        let mut details = Vec::new();
        let build = &existing.build_config;
        let service = &existing.service_config;
        // Everything is sent after a failed deploy; the plan still says only what differs.
        let mut field = |path: &'static str, differs: bool, detail: String| {
            if differs || everything {
                mask.push(path);
            }
            if differs {
                details.push(detail);
            }
        };
        field(
            "buildConfig.runtime",
            build.runtime != mapping.runtime,
            format!("runtime {} → {}", build.runtime, mapping.runtime),
        );
        field(
            "buildConfig.entryPoint",
            build.entry_point != mapping.language.entry_point(),
            format!(
                "entry point {} → {}",
                build.entry_point,
                mapping.language.entry_point()
            ),
        );
        field(
            "serviceConfig.availableMemory",
            memory_mb(&service.available_memory) != Some(mapping.memory.mb),
            format!(
                "memory {} → {}",
                service.available_memory, mapping.memory.label
            ),
        );
        field(
            "serviceConfig.timeoutSeconds",
            service.timeout_seconds != mapping.timeout_s,
            format!(
                "timeout {} s → {} s",
                service.timeout_seconds, mapping.timeout_s
            ),
        );
        let desired: BTreeMap<String, String> =
            serde_json::from_value(body["serviceConfig"]["environmentVariables"].clone())
                .unwrap_or_default();
        let mut env = Vec::new();
        for (key, value) in &desired {
            match service.environment_variables.get(key) {
                None => env.push(format!("+{key}")),
                Some(old) if old != value => env.push(format!("~{key}")),
                Some(_) => {}
            }
        }
        for key in service.environment_variables.keys() {
            if !desired.contains_key(key) {
                env.push(format!("-{key}"));
            }
        }
        if everything || !env.is_empty() {
            mask.push("serviceConfig.environmentVariables");
            if !env.is_empty() {
                details.push(format!("environment {}", env.join(" ")));
            }
        }
        if let Some(wanted) = body.get("eventTrigger") {
            let have = existing.event_trigger.as_ref().map(trigger_key);
            let differs = have.as_ref() != Some(&trigger_key(wanted));
            if everything || differs {
                mask.push("eventTrigger");
            }
            if differs {
                details.push(format!(
                    "event trigger → {} {}",
                    wanted["eventType"].as_str().unwrap_or_default(),
                    wanted["pubsubTopic"]
                        .as_str()
                        .or_else(|| wanted["eventFilters"][0]["value"].as_str())
                        .unwrap_or_default()
                ));
            }
        }
        let description_differs =
            body["description"].as_str() != Some(existing.description.as_str());
        if everything || description_differs {
            mask.push("description");
        }
        if description_differs {
            details.push("description (handler, runtime)".to_owned());
        }
        (mask, details)
    }

    /// The identity Cloud Scheduler signs its calls with, when known before the function
    /// exists: the setting, else the function's runtime service account.
    fn scheduler_account(&self, existing: Option<&CloudFunction>) -> Option<String> {
        self.settings.scheduler_service_account.clone().or_else(|| {
            existing
                .map(|e| e.service_config.service_account_email.clone())
                .filter(|a| !a.is_empty())
        })
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
            mapping,
            mut body,
            existing,
        } = prepared;
        let name = options.function.name.as_str();
        let total: usize = steps.iter().map(Step::progress_steps).sum();
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
        let mut current = existing;
        let mut uploaded = false;
        let mut n = 0;
        for step in &steps {
            let base = n + 1;
            n += step.progress_steps();
            match step {
                Step::DeleteFunction => {
                    report(base, format!("deleting {name} to change its trigger kind"));
                    self.delete_function_resource(name, |m| report_stage(&report, base, m))
                        .await?;
                    current = None;
                }
                Step::Upload => {
                    report(
                        base,
                        format!("uploading the source ({})", size(package.zip.len())),
                    );
                    let source = self.upload(name, &package).await?;
                    body["buildConfig"]["source"] = json!({ "storageSource": source });
                    uploaded = true;
                }
                Step::Create => {
                    let url = with_query(
                        &self.functions_url(&format!("{}/functions", self.parent())),
                        &[("functionId", name)],
                    );
                    let call = format!("Cloud Functions CreateFunction `{name}`");
                    let operation: Operation = self
                        .api
                        .send(&call, Method::POST, &url, Some(&body))
                        .await?;
                    self.wait_operation(operation, &call, |m| report_stage(&report, base, m))
                        .await?;
                    current = Some(self.require_function(name).await?);
                }
                Step::Update(mask) => {
                    let call = format!("Cloud Functions UpdateFunction `{name}`");
                    let url = with_query(
                        &self.functions_url(&self.function_name(name)),
                        &[("updateMask", &mask.join(","))],
                    );
                    let operation = self.patch_when_free(name, &call, &url, &body).await?;
                    self.wait_operation(operation, &call, |m| report_stage(&report, base, m))
                        .await?;
                    current = Some(self.require_function(name).await?);
                }
                Step::SetInvokers => {
                    report(base, "updating who may invoke the function".to_owned());
                    let function = current.clone().ok_or_else(|| missing_after(name))?;
                    self.set_invokers(&function, &mapping).await?;
                }
                Step::CreateJob(wanted) | Step::UpdateJob(wanted) => {
                    report(base, format!("scheduling {}", wanted.expression));
                    let function = current.clone().ok_or_else(|| missing_after(name))?;
                    self.put_job(&function, wanted, matches!(step, Step::CreateJob(_)))
                        .await?;
                }
                Step::DeleteJob(job) => {
                    report(base, format!("removing the schedule {job}"));
                    let call = format!("Cloud Scheduler DeleteJob `{job}`");
                    let url = format!("{}/v1/{job}", self.api.endpoints.scheduler);
                    match self
                        .api
                        .send::<Value>(&call, Method::DELETE, &url, None)
                        .await
                    {
                        Ok(_) | Err(AdapterError::NotFound { .. }) => {}
                        Err(other) => return Err(other),
                    }
                }
            }
        }
        report(total, "done".to_owned());
        let function = match current {
            Some(function) => function,
            None => self.require_function(name).await?,
        };
        Ok(DeployOutcome {
            function: name.to_owned(),
            version: if function.service_config.revision.is_empty() {
                "latest".to_owned()
            } else {
                function.service_config.revision.clone()
            },
            code_sha256: package.sha256,
            uploaded,
            plan,
            resource_id: function.name,
        })
    }

    /// `functions:generateUploadUrl`, then the zip PUT to the signed URL with only the
    /// `Content-Type` it was signed for (no bearer token: the URL carries its own signature,
    /// and an unsigned `x-goog-*` header would break it). The `storageSource` to build from.
    async fn upload(&self, name: &str, package: &Package) -> Result<Value> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct UploadUrl {
            upload_url: String,
            storage_source: Value,
        }
        let call = format!("Cloud Functions GenerateUploadUrl for `{name}`");
        let url = self.functions_url(&format!("{}/functions:generateUploadUrl", self.parent()));
        let answer: UploadUrl = self
            .api
            .send(&call, Method::POST, &url, Some(&json!({})))
            .await?;
        // The signed URL is a credential for the upload: messages show where it goes only.
        let shown = reqwest::Url::parse(&answer.upload_url)
            .map(|u| format!("{}{}", u.origin().ascii_serialization(), u.path()))
            .unwrap_or_else(|_| "the signed upload URL".to_owned());
        let put = format!("the source upload of `{name}` to {shown}");
        let response = self
            .api
            .http
            .put(&answer.upload_url)
            .header("Content-Type", "application/zip")
            .timeout(self.settings.request_timeout * 5)
            .body(package.zip.clone())
            .send()
            .await
            .map_err(|e| self.api.unreachable(&put, &shown, &e))?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            let code = text
                .split("<Code>")
                .nth(1)
                .and_then(|rest| rest.split("</Code>").next())
                .unwrap_or("no error code");
            return Err(AdapterError::provider(
                functory_core::AdapterKind::Gcp,
                format!(
                    "{put} failed with HTTP {} ({code}): the signed URL may have expired; deploy again",
                    status.as_u16()
                ),
            ));
        }
        Ok(answer.storage_source)
    }

    /// PATCH, waiting out an operation that started meanwhile (FAILED_PRECONDITION).
    async fn patch_when_free(
        &self,
        name: &str,
        call: &str,
        url: &str,
        body: &Value,
    ) -> Result<Operation> {
        let mut attempts = 0;
        loop {
            match self.api.send(call, Method::PATCH, url, Some(body)).await {
                Err(AdapterError::Conflict { .. }) if attempts < 3 => {
                    attempts += 1;
                    self.wait_until_settled(name).await?;
                }
                other => return other,
            }
        }
    }

    /// Grants and revokes `roles/run.invoker` on the function's Cloud Run service as the
    /// manifest says: read, change, write back with the policy's etag.
    async fn set_invokers(&self, function: &CloudFunction, mapping: &Mapping) -> Result<()> {
        let service = &function.service_config.service;
        if service.is_empty() {
            return Err(AdapterError::provider(
                functory_core::AdapterKind::Gcp,
                format!(
                    "function `{}` has no Cloud Run service yet ({}): deploy again once it is active",
                    function.id(),
                    function.state_text()
                ),
            ));
        }
        let policy = self.invoker_policy(service).await?;
        let mut add = Vec::new();
        let mut remove = Vec::new();
        if mapping.public {
            add.push(ALL_USERS.to_owned());
        } else {
            remove.push(ALL_USERS.to_owned());
        }
        if !mapping.schedules.is_empty() {
            let account = self.scheduler_account(Some(function)).ok_or_else(|| {
                AdapterError::invalid(format!(
                    "function `{}` has no runtime service account to call it on schedule: set the scheduler service account in the settings",
                    function.id()
                ))
            })?;
            add.push(format!("serviceAccount:{account}"));
        }
        let changed = with_invokers(policy, &add, &remove);
        let call = format!("Cloud Run SetIamPolicy of `{service}`");
        let _: Value = self
            .api
            .send(
                &call,
                Method::POST,
                &self.run_url(service, "setIamPolicy"),
                Some(&json!({ "policy": changed })),
            )
            .await?;
        Ok(())
    }

    async fn put_job(
        &self,
        function: &CloudFunction,
        wanted: &WantedSchedule,
        create: bool,
    ) -> Result<()> {
        let uri = &function.service_config.uri;
        let account = self.scheduler_account(Some(function)).ok_or_else(|| {
            AdapterError::invalid(format!(
                "function `{}` has no runtime service account to call it on schedule: set the scheduler service account in the settings",
                function.id()
            ))
        })?;
        let name = format!(
            "projects/{}/locations/{}/jobs/{}",
            self.project, self.region, wanted.job_id
        );
        use base64::Engine;
        let job = json!({
            "name": name,
            "description": format!("Functory: schedule `{}` of function `{}`", wanted.expression, function.id()),
            "schedule": wanted.cron,
            "timeZone": wanted.time_zone,
            "attemptDeadline": format!("{}s", function.service_config.timeout_seconds.clamp(15, 1800)),
            "httpTarget": {
                "uri": uri,
                "httpMethod": "POST",
                "headers": { "Content-Type": "application/json", "X-Functory-Event": "schedule" },
                "body": base64::engine::general_purpose::STANDARD.encode("{}"),
                "oidcToken": { "serviceAccountEmail": account, "audience": uri },
            },
        });
        if create {
            let call = format!("Cloud Scheduler CreateJob `{}`", wanted.job_id);
            let _: Value = self
                .api
                .send(&call, Method::POST, &self.scheduler_parent(), Some(&job))
                .await?;
        } else {
            let call = format!("Cloud Scheduler UpdateJob `{}`", wanted.job_id);
            let url = with_query(
                &format!("{}/v1/{name}", self.api.endpoints.scheduler),
                &[(
                    "updateMask",
                    "description,schedule,timeZone,attemptDeadline,httpTarget",
                )],
            );
            let _: Value = self
                .api
                .send(&call, Method::PATCH, &url, Some(&job))
                .await?;
        }
        Ok(())
    }

    /// DELETE the function and wait for the operation.
    async fn delete_function_resource(
        &self,
        name: &str,
        progress: impl FnMut(&OperationMetadata),
    ) -> Result<()> {
        let call = format!("Cloud Functions DeleteFunction `{name}`");
        let url = self.functions_url(&self.function_name(name));
        let operation: Operation = self.api.send(&call, Method::DELETE, &url, None).await?;
        self.wait_operation(operation, &call, progress).await?;
        Ok(())
    }

    /// Deletes the function and its scheduler jobs.
    pub(crate) async fn delete_function(&self, name: &str) -> Result<()> {
        if self.wait_until_settled(name).await?.is_none() {
            return Err(AdapterError::not_found(format!(
                "function `{name}` in project `{}` region `{}`",
                self.project, self.region
            )));
        }
        self.delete_function_resource(name, |_| {}).await?;
        for job in self.list_jobs(name).await? {
            let call = format!("Cloud Scheduler DeleteJob `{}`", job.id());
            let url = format!("{}/v1/{}", self.api.endpoints.scheduler, job.name);
            match self
                .api
                .send::<Value>(&call, Method::DELETE, &url, None)
                .await
            {
                Ok(_) | Err(AdapterError::NotFound { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }
}

/// The invoker change: `allUsers` for a public URL (revoked when no longer public), the
/// scheduler's identity for schedules; other members are left alone.
fn plan_invokers(
    service: &str,
    mapping: &Mapping,
    present: &[String],
    scheduler_account: Option<&str>,
    changes: &mut Vec<PlannedChange>,
    steps: &mut Vec<Step>,
) {
    let mut grant = Vec::new();
    let mut revoke = Vec::new();
    if mapping.public && !present.iter().any(|m| m == ALL_USERS) {
        grant.push("+allUsers (public: anyone with the URL may call it)".to_owned());
    }
    if !mapping.public && present.iter().any(|m| m == ALL_USERS) {
        revoke.push("-allUsers (no longer public)".to_owned());
    }
    if !mapping.schedules.is_empty() {
        match scheduler_account {
            Some(account) if present.iter().any(|m| *m == format!("serviceAccount:{account}")) => {}
            Some(account) => grant.push(format!(
                "+serviceAccount:{account} (Cloud Scheduler calls with its OIDC token)"
            )),
            None => grant.push(
                "+the function's runtime service account (Cloud Scheduler calls with its OIDC token)".to_owned(),
            ),
        }
    }
    let invokers_name = format!("invokers of {service}");
    if grant.is_empty() && revoke.is_empty() {
        if mapping.public || !mapping.schedules.is_empty() {
            changes.push(PlannedChange::no_op(
                ResourceKind::Permission,
                &invokers_name,
            ));
        }
    } else {
        let action = if !grant.is_empty() {
            if present.is_empty() {
                ChangeAction::Create
            } else {
                ChangeAction::Update
            }
        } else {
            ChangeAction::Delete
        };
        let mut details = grant;
        details.extend(revoke);
        details.push(format!(
            "{INVOKER_ROLE} on the Cloud Run service; other bindings are kept"
        ));
        changes.push(change(
            ResourceKind::Permission,
            &invokers_name,
            action,
            details,
            &[calls::SET_IAM_POLICY],
        ));
        steps.push(Step::SetInvokers);
    }
}

/// One Cloud Scheduler job per schedule (created, updated or left alone); jobs the manifest
/// dropped are deleted.
fn plan_schedules(
    mapping: &Mapping,
    jobs: &[SchedulerJob],
    uri_now: Option<&str>,
    scheduler_account: Option<&str>,
    changes: &mut Vec<PlannedChange>,
    steps: &mut Vec<Step>,
) {
    for wanted in &mapping.schedules {
        let label = format!("schedule {} ({})", wanted.expression, wanted.job_id);
        let mut details = vec![
            wanted.note.clone(),
            format!("time zone {}", wanted.time_zone),
        ];
        match jobs.iter().find(|j| j.id() == wanted.job_id) {
            None => {
                details.push(
                    "Cloud Scheduler job POSTs to the function's URL with an OIDC token".to_owned(),
                );
                changes.push(change(
                    ResourceKind::Trigger,
                    &label,
                    ChangeAction::Create,
                    details,
                    &[calls::CREATE_JOB],
                ));
                steps.push(Step::CreateJob(wanted.clone()));
            }
            Some(job) => {
                let mut differs = Vec::new();
                if job.schedule != wanted.cron {
                    differs.push(format!("schedule `{}` → `{}`", job.schedule, wanted.cron));
                }
                if job.time_zone != wanted.time_zone {
                    differs.push(format!(
                        "time zone {} → {}",
                        job.time_zone, wanted.time_zone
                    ));
                }
                match uri_now {
                    Some(uri) if job.http_target.uri != uri => {
                        differs.push(format!("target → {uri}"));
                    }
                    None => differs.push("target → the new function's URL".to_owned()),
                    _ => {}
                }
                if let Some(account) = &scheduler_account
                    && &job.http_target.oidc_token.service_account_email != account
                {
                    differs.push(format!("OIDC identity → {account}"));
                }
                if differs.is_empty() {
                    changes.push(PlannedChange {
                        details,
                        ..PlannedChange::no_op(ResourceKind::Trigger, &label)
                    });
                } else {
                    changes.push(change(
                        ResourceKind::Trigger,
                        &label,
                        ChangeAction::Update,
                        differs,
                        &[calls::UPDATE_JOB],
                    ));
                    steps.push(Step::UpdateJob(wanted.clone()));
                }
            }
        }
    }
    for job in jobs {
        if !mapping.schedules.iter().any(|w| w.job_id == job.id()) {
            changes.push(change(
                ResourceKind::Trigger,
                &format!("schedule {} ({})", job.schedule, job.id()),
                ChangeAction::Delete,
                vec!["no such `schedule` trigger in functory.toml".to_owned()],
                &[calls::DELETE_JOB],
            ));
            steps.push(Step::DeleteJob(job.name.clone()));
        }
    }
}

fn missing_after(name: &str) -> AdapterError {
    AdapterError::provider(
        functory_core::AdapterKind::Gcp,
        format!("function `{name}` was not found right after it was deployed; deploy again"),
    )
}

/// Reports an operation's current stage as a step of the deploy: the four stages take the
/// steps `base` to `base + 3`.
fn report_stage(report: &impl Fn(usize, String), base: usize, metadata: &OperationMetadata) {
    let (index, label) = match metadata.current() {
        Some((index, stage)) => {
            let what = match stage.name.as_str() {
                "ARTIFACT_REGISTRY" => "preparing the image repository",
                "BUILD" => "building the function",
                "SERVICE" => "updating the Cloud Run service",
                "TRIGGER" => "connecting the trigger",
                "SERVICE_ROLLBACK" => "rolling the service back",
                "TRIGGER_ROLLBACK" => "rolling the trigger back",
                other => other,
            };
            let state = stage.state.to_ascii_lowercase().replace('_', " ");
            let mut label = format!("{} ({what}): {state}", stage.name);
            if !stage.message.is_empty() {
                label.push_str(&format!(" — {}", stage.message));
            }
            (index, label)
        }
        None if metadata.stages.is_empty() => (0, "waiting for the operation".to_owned()),
        None => (
            metadata.stages.len().saturating_sub(1),
            "all stages complete".to_owned(),
        ),
    };
    report(base + index.min(OPERATION_STEPS - 1), label);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoker_bindings_change_only_what_functory_manages() {
        let policy = json!({
            "etag": "BwX",
            "bindings": [
                { "role": "roles/run.invoker", "members": ["user:ana@example.com", "allUsers"] },
                { "role": "roles/run.admin", "members": ["user:ops@example.com"] },
            ],
        });
        assert_eq!(invokers(&policy), ["user:ana@example.com", "allUsers"]);
        let private = with_invokers(policy.clone(), &[], &["allUsers".to_owned()]);
        assert_eq!(invokers(&private), ["user:ana@example.com"]);
        assert_eq!(private["etag"], "BwX");
        assert_eq!(private["bindings"][1]["role"], "roles/run.admin");
        let fresh = with_invokers(json!({}), &["allUsers".to_owned()], &[]);
        assert_eq!(invokers(&fresh), ["allUsers"]);
        let emptied = with_invokers(fresh, &[], &["allUsers".to_owned()]);
        assert_eq!(emptied["bindings"], json!([]));
    }
}
