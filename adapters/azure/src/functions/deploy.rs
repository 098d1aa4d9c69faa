//! Deploying: observe the app, map and package every function of the project, plan, then apply
//! the plan step by step — app settings, upload (and the deployment's stages), trigger sync,
//! and last the tags that record what was deployed.
//!
//! The tags are the commit point: a deploy cut before them leaves the recorded package
//! different from the built one, so the next deploy uploads and syncs again and converges.
//! App settings are merged: only the settings functory.toml owns (listed in
//! `FUNCTORY_MANAGED_SETTINGS`) are added, changed or removed; the portal's stay.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use functory_adapter::archive::human_size;
use functory_adapter::plan::planned_change as change;
use functory_adapter::{
    AdapterError, ChangeAction, DeployOptions, DeployOutcome, DeployPlan, DeployProgress,
    PlannedChange, ResourceKind, Result,
};
use functory_core::Function;

use super::{
    AzureAdapter, LATEST, MANAGED_SETTINGS, ObservedApp, TAG_COMMIT, TAG_PACKAGE, TAG_PROJECT,
    short,
};
use crate::kudu::Upload;
use crate::mapping::{HostingPlan, MappedFunction, language_of, map_function};
use crate::package::{Package, package_app};

/// Settings Azure reads itself: a manifest variable may not overwrite them.
const RESERVED_PREFIXES: &[&str] = &[
    "FUNCTIONS_",
    "WEBSITE_",
    "AZUREWEBJOBS",
    "APPINSIGHTS_",
    "APPLICATIONINSIGHTS_",
    "SCM_",
    "FUNCTORY_",
    "ENABLE_ORYX_BUILD",
];

/// One thing to do, in the order it is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Settings,
    Upload,
    SyncTriggers,
    Tags,
}

/// A plan with what applying it needs.
pub(super) struct Prepared {
    pub plan: DeployPlan,
    steps: Vec<Step>,
    package: Package,
    upload: Upload,
    settings: BTreeMap<String, String>,
    tags: BTreeMap<String, String>,
    observed: ObservedApp,
}

fn reserved(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    RESERVED_PREFIXES.iter().any(|p| upper.starts_with(p))
}

/// The project's functions as one app: `app_functions` with the deployed function's newest
/// form, or just the function.
fn app_functions(options: &DeployOptions) -> Vec<Function> {
    let mut functions: Vec<Function> = options
        .app_functions
        .iter()
        .filter(|f| f.name != options.function.name)
        .cloned()
        .collect();
    functions.push(options.function.clone());
    functions.sort_by(|a, b| a.name.cmp(&b.name));
    functions
}

impl AzureAdapter {
    pub(super) async fn prepare(&self, options: &DeployOptions) -> Result<Prepared> {
        let function = &options.function;
        let name = function.name.as_str();
        let app_ref = self.app().clone();
        let project = options
            .project
            .clone()
            .unwrap_or_else(|| "functory".to_owned());
        let observed = self.observe().await?;

        if let Some(owner) = observed.tags.get(TAG_PROJECT)
            && owner != &project
        {
            return Err(AdapterError::AlreadyExists {
                what: format!(
                    "{} belongs to Functory project `{owner}` (its tag {TAG_PROJECT}), not `{project}`: deploy from that project, or name another function app in the target",
                    app_ref.describe()
                ),
            });
        }

        // The app runs one language; the deployed function decides when the app has none yet.
        let own_language = language_of(function).map_err(|problem| {
            AdapterError::invalid(format!(
                "function `{name}` cannot be deployed to Azure Functions: {problem}"
            ))
        })?;
        let language = observed.language.unwrap_or(own_language);
        if own_language != language {
            return Err(AdapterError::invalid(format!(
                "function `{name}` runs {} but {} runs {} (FUNCTIONS_WORKER_RUNTIME): a function app runs one language; deploy `{name}` to a target with a {} function app",
                function.runtime,
                app_ref.describe(),
                language.worker(),
                own_language.worker()
            )));
        }

        let profile = observed.profile();
        let mut included: Vec<MappedFunction> = Vec::new();
        let mut left_out: Vec<(String, String)> = Vec::new();
        for candidate in app_functions(options) {
            let is_deployed = candidate.name == name;
            if let Ok(other) = language_of(&candidate)
                && other != language
            {
                left_out.push((
                    candidate.name.clone(),
                    format!(
                        "runs {} while the app runs {}: not part of this app",
                        candidate.runtime,
                        language.worker()
                    ),
                ));
                continue;
            }
            match map_function(&candidate, &profile) {
                Ok(mapped) => included.push(mapped),
                Err(problems) if is_deployed => {
                    return Err(AdapterError::invalid(format!(
                        "function `{name}` cannot be deployed to {}: {}",
                        app_ref.describe(),
                        problems.join("; ")
                    )));
                }
                Err(problems) => left_out.push((
                    candidate.name.clone(),
                    format!("cannot run on Azure: {}", problems.join("; ")),
                )),
            }
        }

        // Every included function's environment becomes an app setting (shared by the app).
        let mut environment: BTreeMap<String, (String, String)> = BTreeMap::new();
        for mapped in &included {
            for variable in &mapped.function.environment {
                if reserved(&variable.key) {
                    return Err(AdapterError::invalid(format!(
                        "function `{}`: environment variable `{}` would overwrite a setting Azure Functions reads itself: rename it",
                        mapped.function.name, variable.key
                    )));
                }
                if let Some((other, value)) = environment.get(&variable.key)
                    && value != &variable.value
                {
                    return Err(AdapterError::invalid(format!(
                        "functions `{other}` and `{}` set environment variable `{}` to different values, but an Azure function app has one set of settings for all its functions: give them the same value or different names",
                        mapped.function.name, variable.key
                    )));
                }
                environment.insert(
                    variable.key.clone(),
                    (mapped.function.name.clone(), variable.value.clone()),
                );
            }
        }

        let root = options.project_root.clone();
        let packaged = included.clone();
        let timeout_limit = observed.plan.max_timeout_s();
        let package = tokio::task::spawn_blocking(move || {
            package_app(&root, &packaged, language, timeout_limit)
        })
        .await
        .map_err(|e| AdapterError::invalid(format!("packaging the app stopped: {e}")))??;
        let upload = match observed.plan {
            HostingPlan::FlexConsumption => Upload::Publish {
                remote_build: package.remote_build,
            },
            _ => Upload::ZipDeploy,
        };

        let mut changes = Vec::new();
        let mut steps = Vec::new();

        // App settings: a merge, never a replacement of what the portal set.
        let mut settings = observed.settings.clone();
        let mut setting_details = Vec::new();
        let previously_managed = observed.managed_settings();
        for key in &previously_managed {
            if !environment.contains_key(key) && settings.remove(key).is_some() {
                setting_details.push(format!("-{key}"));
            }
        }
        for (key, (_, value)) in &environment {
            match settings.get(key) {
                None => setting_details.push(format!("+{key}")),
                Some(old) if old != value => setting_details.push(format!("~{key}")),
                Some(_) => {}
            }
            settings.insert(key.clone(), value.clone());
        }
        let managed = environment.keys().cloned().collect::<Vec<_>>().join(",");
        if managed.is_empty() {
            settings.remove(MANAGED_SETTINGS);
        } else {
            settings.insert(MANAGED_SETTINGS.to_owned(), managed);
        }
        if observed.plan != HostingPlan::FlexConsumption {
            // Flex keeps the runtime in functionAppConfig and refuses these settings.
            for (key, value) in [
                ("FUNCTIONS_WORKER_RUNTIME", language.worker()),
                ("FUNCTIONS_EXTENSION_VERSION", "~4"),
            ] {
                if !settings.contains_key(key) {
                    settings.insert(key.to_owned(), value.to_owned());
                    setting_details.push(format!("{key}={value} (was not set)"));
                }
            }
            if package.remote_build
                && settings
                    .get("SCM_DO_BUILD_DURING_DEPLOYMENT")
                    .map(String::as_str)
                    != Some("true")
            {
                settings.insert(
                    "SCM_DO_BUILD_DURING_DEPLOYMENT".to_owned(),
                    "true".to_owned(),
                );
                setting_details.push(
                    "SCM_DO_BUILD_DURING_DEPLOYMENT=true (Azure installs requirements.txt)"
                        .to_owned(),
                );
            }
        }
        if settings != observed.settings {
            if setting_details.is_empty() {
                setting_details.push("the list of settings functory.toml owns".to_owned());
            }
            changes.push(change(
                ResourceKind::Configuration,
                "app settings",
                ChangeAction::Update,
                vec![format!("app settings {}", setting_details.join(" "))],
                &["WebApps.UpdateApplicationSettings"],
            ));
            steps.push(Step::Settings);
        } else {
            changes.push(PlannedChange::no_op(
                ResourceKind::Configuration,
                "app settings",
            ));
        }

        // The package: uploaded when it differs from the one recorded, or when the app's
        // functions are not the package's (changed outside Functory).
        let recorded = observed.tags.get(TAG_PACKAGE);
        let wanted: BTreeSet<String> = included
            .iter()
            .flat_map(|m| m.entries.iter().map(|e| e.name.clone()))
            .collect();
        let present: BTreeSet<String> = observed
            .functions
            .iter()
            .map(|f| f.function_name().to_owned())
            .collect();
        let code_changed = recorded != Some(&package.sha256) || wanted != present;
        let app_name = app_ref.name.clone();
        if code_changed {
            let mut details = vec![format!(
                "{} files, {}, sha256 {}{}",
                package.files,
                human_size(package.zip.len()),
                short(&package.sha256),
                recorded
                    .map(|r| format!(" (was {})", short(r)))
                    .unwrap_or_default()
            )];
            details.push(match upload {
                Upload::ZipDeploy => {
                    "Kudu zip deploy, followed until the deployment succeeds".to_owned()
                }
                Upload::Publish { remote_build } => format!(
                    "Flex Consumption one deploy{}, followed until the deployment succeeds",
                    if remote_build {
                        " with a remote build"
                    } else {
                        ""
                    }
                ),
            });
            if recorded == Some(&package.sha256) {
                details.push("the app's functions differ from the package's".to_owned());
            }
            changes.push(change(
                ResourceKind::Code,
                &app_name,
                if observed.functions.is_empty() && recorded.is_none() {
                    ChangeAction::Create
                } else {
                    ChangeAction::Update
                },
                details,
                &[upload.call()],
            ));
            steps.push(Step::Upload);
        } else {
            changes.push(PlannedChange::no_op(ResourceKind::Code, &app_name));
        }

        // The functions: what each becomes, and what the package adds or removes.
        for mapped in &included {
            let exists = mapped.entries.iter().any(|e| present.contains(&e.name));
            let action = match (exists, code_changed) {
                (false, _) => ChangeAction::Create,
                (true, true) => ChangeAction::Update,
                (true, false) => ChangeAction::NoOp,
            };
            let mut details = Vec::new();
            if mapped.function.name == name {
                details.push(format!(
                    "{} on the {} {} plan{}",
                    mapped.function.runtime,
                    match observed.os {
                        crate::mapping::Os::Linux => "Linux",
                        crate::mapping::Os::Windows => "Windows",
                    },
                    observed.plan.label(),
                    observed
                        .language
                        .zip(observed.runtime_version.as_deref())
                        .and_then(|(l, v)| crate::mapping::lambda_runtime(l, v))
                        .filter(|app_runtime| app_runtime != &mapped.function.runtime)
                        .map(|app_runtime| format!(
                            " (the app's stack is {app_runtime}; change it in the portal to match)"
                        ))
                        .unwrap_or_default()
                ));
                details.extend(mapped.details.iter().cloned());
                if !function.permissions.is_empty() {
                    details.push(format!(
                        "permissions ({} IAM statement(s)) have no meaning on Azure: grant the app's managed identity Azure roles instead",
                        function.permissions.len()
                    ));
                }
                if let Some(stage) = &options.stage {
                    details.push(format!(
                        "stage `{stage}`: Azure Functions keeps no versions or stages; the app serves what was deployed last"
                    ));
                }
                if options.reserved_concurrency.is_some() || options.provisioned_concurrency > 0 {
                    details.push(
                        "reserved and provisioned concurrency are not applied: limit or pre-warm the app's instances on its plan instead".to_owned(),
                    );
                }
            } else if action == ChangeAction::Create {
                details.push("part of the app's package".to_owned());
            }
            changes.push(PlannedChange {
                kind: ResourceKind::Function,
                name: mapped.function.name.clone(),
                action,
                details,
                calls: Vec::new(),
            });
        }
        for (other, reason) in &left_out {
            let in_app = present
                .iter()
                .any(|p| p == other || p.starts_with(&format!("{other}-")));
            changes.push(PlannedChange {
                kind: ResourceKind::Function,
                name: other.clone(),
                action: if in_app && code_changed {
                    ChangeAction::Delete
                } else {
                    ChangeAction::NoOp
                },
                details: vec![format!("not deployed: {reason}")],
                calls: Vec::new(),
            });
        }
        if code_changed {
            let known: BTreeSet<&String> = included
                .iter()
                .map(|m| &m.function.name)
                .chain(left_out.iter().map(|(n, _)| n))
                .collect();
            for stray in observed
                .functions
                .iter()
                .filter(|f| !wanted.contains(f.function_name()))
                .filter(|f| !known.contains(&ObservedApp::owner_of(f)))
            {
                changes.push(PlannedChange {
                    kind: ResourceKind::Function,
                    name: stray.function_name().to_owned(),
                    action: ChangeAction::Delete,
                    details: vec![
                        "in the app but not in this project: the new package removes it".to_owned(),
                    ],
                    calls: Vec::new(),
                });
            }
            changes.push(change(
                ResourceKind::Trigger,
                "sync triggers",
                ChangeAction::Update,
                vec!["tells the platform about the package's triggers".to_owned()],
                &["WebApps.SyncFunctionTriggers"],
            ));
            steps.push(Step::SyncTriggers);
        }

        // The record, last: project, package and commit as tags.
        let mut tags = BTreeMap::from([
            (TAG_PROJECT.to_owned(), project.clone()),
            (TAG_PACKAGE.to_owned(), package.sha256.clone()),
        ]);
        if let Some(commit) = &options.commit {
            tags.insert(TAG_COMMIT.to_owned(), commit.clone());
        }
        let tag_details: Vec<String> = tags
            .iter()
            .filter(|(k, v)| observed.tags.get(*k) != Some(*v))
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    if k == TAG_PROJECT {
                        v.as_str()
                    } else {
                        short(v)
                    }
                )
            })
            .collect();
        if tag_details.is_empty() {
            changes.push(PlannedChange::no_op(ResourceKind::Configuration, "tags"));
        } else {
            changes.push(change(
                ResourceKind::Configuration,
                "tags",
                ChangeAction::Update,
                vec![format!("records {}", tag_details.join(", "))],
                &["Tags.UpdateAtScope"],
            ));
            steps.push(Step::Tags);
        }

        Ok(Prepared {
            plan: DeployPlan {
                function: name.to_owned(),
                stage: None,
                code_sha256: package.sha256.clone(),
                package_bytes: package.zip.len() as u64,
                changes,
                endpoints: Vec::new(),
                serving: None,
            },
            steps,
            package,
            upload,
            settings,
            tags,
            observed,
        })
    }

    /// Plans, then applies the plan.
    pub async fn deploy_function(&self, options: &DeployOptions) -> Result<DeployOutcome> {
        let started = Instant::now();
        let name = options.function.name.clone();
        let prepared = self.prepare(options).await?;
        let Prepared {
            plan,
            steps,
            package,
            upload,
            settings,
            tags,
            observed,
        } = prepared;
        let total = steps.len() + 2;
        let report = |step: usize, label: String| {
            if let Some(sink) = &options.progress {
                sink.report(DeployProgress {
                    function: name.clone(),
                    step,
                    steps: total,
                    label,
                    elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                });
            }
        };
        report(
            1,
            format!(
                "packaged {} files ({}) for {}",
                package.files,
                human_size(package.zip.len()),
                self.app().name
            ),
        );
        let mut uploaded = false;
        for (index, step) in steps.iter().enumerate() {
            let n = index + 2;
            let result = match step {
                Step::Settings => {
                    report(n, "updating the app settings".to_owned());
                    self.put_settings(&settings).await
                }
                Step::Upload => {
                    report(
                        n,
                        format!(
                            "uploading the package ({}) with {}",
                            human_size(package.zip.len()),
                            match upload {
                                Upload::ZipDeploy => "Kudu zip deploy",
                                Upload::Publish { .. } => "Flex Consumption one deploy",
                            }
                        ),
                    );
                    let stage_report = |label: String| report(n, label);
                    match self
                        .kudu(&observed)
                        .deploy(upload, package.zip.clone(), &stage_report)
                        .await
                    {
                        Ok(()) => {
                            uploaded = true;
                            Ok(())
                        }
                        Err(failure) if failure.accepted => {
                            return Err(with_note(
                                failure.error,
                                &format!(
                                    "Kudu accepted the new package {} but its deployment was not followed to the end: {} runs it if the deployment finished, else still {}; deploy again to finish",
                                    short(&package.sha256),
                                    self.app().describe(),
                                    observed.running()
                                ),
                            ));
                        }
                        Err(failure) => Err(failure.error),
                    }
                }
                Step::SyncTriggers => {
                    report(n, "syncing the triggers".to_owned());
                    self.sync_triggers().await
                }
                Step::Tags => {
                    report(n, "recording the deploy".to_owned());
                    self.update_tags("Merge", &tags).await
                }
            };
            if let Err(error) = result {
                let note = if uploaded {
                    format!(
                        "the new package {} is deployed to {}, but the deploy did not finish (triggers synced and recorded): deploy again to finish",
                        short(&package.sha256),
                        self.app().describe()
                    )
                } else {
                    format!(
                        "{} still runs {}",
                        self.app().describe(),
                        observed.running()
                    )
                };
                return Err(with_note(error, &note));
            }
        }
        report(total, "done".to_owned());
        Ok(DeployOutcome {
            function: name.clone(),
            version: LATEST.to_owned(),
            code_sha256: package.sha256.clone(),
            uploaded,
            plan,
            resource_id: format!("{}/functions/{name}", observed.site_id),
        })
    }
}

/// The same error with what is deployed now added to its message.
fn with_note(error: AdapterError, note: &str) -> AdapterError {
    match error {
        AdapterError::NotFound { what } => AdapterError::NotFound {
            what: format!("{what} — {note}"),
        },
        AdapterError::AlreadyExists { what } => AdapterError::AlreadyExists {
            what: format!("{what} — {note}"),
        },
        AdapterError::PermissionDenied { message } => AdapterError::PermissionDenied {
            message: format!("{message} — {note}"),
        },
        AdapterError::Unauthenticated { message } => AdapterError::Unauthenticated {
            message: format!("{message} — {note}"),
        },
        AdapterError::Conflict { message } => AdapterError::Conflict {
            message: format!("{message} — {note}"),
        },
        AdapterError::Throttled { message } => AdapterError::Throttled {
            message: format!("{message} — {note}"),
        },
        AdapterError::InvalidRequest { message } => AdapterError::InvalidRequest {
            message: format!("{message} — {note}"),
        },
        AdapterError::Provider {
            provider,
            message,
            source,
        } => AdapterError::Provider {
            provider,
            message: format!("{message} — {note}"),
            source,
        },
        other @ AdapterError::NotSupported { .. } => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_settings_are_recognised() {
        assert!(reserved("WEBSITE_RUN_FROM_PACKAGE"));
        assert!(reserved("AzureWebJobsStorage"));
        assert!(reserved("FUNCTORY_MANAGED_SETTINGS"));
        assert!(!reserved("BUCKET"));
    }

    #[test]
    fn notes_keep_the_kind() {
        let error = with_note(
            AdapterError::Throttled {
                message: "slow".into(),
            },
            "still runs package abc",
        );
        assert!(
            matches!(&error, AdapterError::Throttled { message } if message == "slow — still runs package abc")
        );
    }
}
