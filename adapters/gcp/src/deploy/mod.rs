//! Deploying one function: map it, observe what exists, plan, then apply the plan in order.
//!
//! The order: (recreate: delete) → upload the source to a signed URL → create, or patch with
//! an `updateMask` naming exactly the fields that differ → wait for the operation, whose
//! stages drive the progress → the Cloud Run invoker policy → Cloud Scheduler jobs. Cloud Run
//! moves traffic to a new revision only once it is ready, so a deploy cut anywhere leaves the
//! previous revision serving; the next deploy waits for an operation still running (never
//! patching under it), sees the labels and state the cut left, and converges.

mod apply;
mod invoker_policy;
mod schedules;

use std::collections::BTreeMap;
use std::time::Instant;

use functory_adapter::archive::human_size as size;
use functory_adapter::plan::planned_change as change;
use functory_adapter::{
    AdapterError, ChangeAction, DeployOptions, DeployOutcome, DeployPlan, PlannedChange,
    ResourceKind, Result,
};
use serde_json::{Value, json};

use crate::GcpAdapter;
use crate::adapter::{LABEL_COMMIT, LABEL_PROJECT, LABEL_SHA256, description_of};
use crate::functions::CloudFunction;
use crate::mapping::{
    MEMORY_ENV, Mapping, TIMEOUT_ENV, WantedSchedule, label_value, map_function, memory_mb,
};
use crate::package::{Package, Placement, package_function};
use invoker_policy::{invokers, plan_invokers};
use schedules::plan_schedules;

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
        if options.reserved_concurrency.is_some() || options.provisioned_concurrency > 0 {
            config_notes.push(
                "reserved and provisioned concurrency are not applied: Cloud Functions bounds a function by its instance counts (maxInstanceCount, minInstanceCount), which Functory leaves as they are".to_owned(),
            );
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
            serving: None,
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
}
