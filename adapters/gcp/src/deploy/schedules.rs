//! Schedule triggers as Cloud Scheduler jobs: the jobs that exist, their plan, and writing one.

use functory_adapter::plan::planned_change as change;
use functory_adapter::{AdapterError, ChangeAction, PlannedChange, ResourceKind, Result};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Step, calls};
use crate::GcpAdapter;
use crate::client::with_query;
use crate::functions::CloudFunction;
use crate::mapping::{Mapping, WantedSchedule, job_prefix};

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
    pub(super) fn id(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or_default()
    }
}

impl GcpAdapter {
    pub(super) fn scheduler_parent(&self) -> String {
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

    pub(super) async fn put_job(
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
}

/// One Cloud Scheduler job per schedule (created, updated or left alone); jobs the manifest
/// dropped are deleted.
pub(super) fn plan_schedules(
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
