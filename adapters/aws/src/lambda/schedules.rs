//! `schedule` triggers as EventBridge Scheduler schedules that invoke the stage alias.
//!
//! Scheduler rather than EventBridge rules: a schedule carries its own time zone
//! (`ScheduleExpressionTimezone`), which the manifest's `timezone` needs and rules lack (their
//! cron runs in UTC). A schedule invokes its target as an IAM role, so each function with
//! schedules gets one more role, `functory-<project>-<target>-<function>-scheduler`, trusted by
//! scheduler.amazonaws.com for this account only, allowed `lambda:InvokeFunction` on the stage.
//!
//! Schedules are named `functory-<project>-<target>-<function>-<n>` (n = the trigger's place
//! among the function's schedules) in the default group: Functory lists its own by that prefix
//! (and the target-less names of earlier deploys that invoke this stage, see [`super::names`]),
//! keeps only those that invoke this function, updates them in place when the expression
//! changes, and deletes those the manifest no longer has. Other schedules are never touched.

use aws_sdk_scheduler::types::{FlexibleTimeWindow, FlexibleTimeWindowMode, Target};
use functory_adapter::{AdapterError, Result};
use functory_core::{Function, Trigger};
use serde_json::{Value, json};

use super::AwsAdapter;
use super::names::{OwnedNames, naming_scope};
use super::role::{bounded_name, scheduler_role_name};

/// The inline policy on the scheduler role.
const POLICY_NAME: &str = "functory-invoke";

/// A schedule as the manifest states it, with the name it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WantedSchedule {
    pub name: String,
    pub expression: String,
    /// `None` is UTC, as Scheduler reads a schedule without a time zone.
    pub timezone: Option<String>,
}

/// One of Functory's schedules for this function, as it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObservedSchedule {
    pub name: String,
    pub expression: String,
    pub timezone: String,
    pub target_arn: String,
    pub role_arn: String,
}

/// The scheduler role, if it exists.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ObservedSchedulerRole {
    pub arn: String,
    pub policy: Option<Value>,
}

/// What exists of a function's schedules.
#[derive(Debug, Clone, Default)]
pub(crate) struct ObservedSchedules {
    pub schedules: Vec<ObservedSchedule>,
    pub role: Option<ObservedSchedulerRole>,
}

/// What every schedule name Functory makes starts with.
const SCHEDULE_NAME_START: &str = "functory-";
/// The key of the shared listing of those schedules (see [`functory_adapter::SharedReads`]).
const SHARED_SCHEDULES: &str = "aws:schedules";

/// A schedule as ListSchedules shows it.
#[derive(Debug, Clone)]
struct ListedSchedule {
    name: String,
    target_arn: String,
    group: Option<String>,
}

/// Schedule names allow `[0-9a-zA-Z-_.]`, at most 64 characters; `-<n>` follows this prefix.
pub(crate) fn schedule_prefix(scope: &str, function: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    // Room for `-` and up to four digits.
    bounded_name(
        &format!("functory-{}-{}", clean(scope), clean(function)),
        "",
        59,
    )
}

/// The function's schedule triggers, named in `scope` (see [`super::names::naming_scope`]).
pub(crate) fn wanted(scope: &str, function: &Function) -> Vec<WantedSchedule> {
    let prefix = schedule_prefix(scope, &function.name);
    function
        .triggers
        .iter()
        .filter_map(|t| match t {
            Trigger::Schedule {
                expression,
                timezone,
            } => Some((expression, timezone)),
            _ => None,
        })
        .enumerate()
        .map(|(i, (expression, timezone))| WantedSchedule {
            name: format!("{prefix}-{}", i + 1),
            expression: expression.trim().to_owned(),
            timezone: timezone.clone().filter(|tz| !tz.trim().is_empty()),
        })
        .collect()
}

/// What a schedule should invoke: the stage alias (or the function without a stage).
pub(crate) fn target_arn(function_arn: &str, stage: Option<&str>) -> String {
    match stage {
        Some(stage) => format!("{function_arn}:{stage}"),
        None => function_arn.to_owned(),
    }
}

/// Whether `arn` names function `name` (any qualifier): `arn:P:lambda:R:A:function:NAME[:Q]`.
pub(crate) fn arn_names_function(arn: &str, name: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    parts.len() >= 7 && parts[2] == "lambda" && parts[5] == "function" && parts[6] == name
}

/// The account and partition of a function ARN.
pub(crate) fn account_of(function_arn: &str) -> (String, String) {
    let parts: Vec<&str> = function_arn.split(':').collect();
    match parts.as_slice() {
        ["arn", partition, _, _, account, ..] => ((*account).to_owned(), (*partition).to_owned()),
        _ => (String::new(), "aws".to_owned()),
    }
}

pub(crate) fn trust_policy(account: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "scheduler.amazonaws.com" },
            "Action": "sts:AssumeRole",
            // Only schedules of this account may use the role (confused deputy).
            "Condition": { "StringEquals": { "aws:SourceAccount": account } }
        }]
    })
}

pub(crate) fn invoke_policy(target_arn: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "FunctoryScheduleInvoke",
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": target_arn,
        }]
    })
}

impl WantedSchedule {
    /// What differs from what exists, one line each; empty when nothing does.
    pub(crate) fn differences(&self, have: &ObservedSchedule, target: Option<&str>) -> Vec<String> {
        let mut lines = Vec::new();
        if self.expression != have.expression {
            lines.push(format!("{} → {}", have.expression, self.expression));
        }
        let timezone = self.timezone.as_deref().unwrap_or("UTC");
        if timezone != have.timezone {
            lines.push(format!("time zone {} → {timezone}", have.timezone));
        }
        if let Some(target) = target
            && target != have.target_arn
        {
            lines.push(format!("target → {target}"));
        }
        lines
    }
}

impl AwsAdapter {
    /// Functory's schedules of `function` for the stage (by name prefix and target) and its
    /// scheduler role. The role is read when `want_role` or when schedules were found.
    pub(crate) async fn observe_schedules(
        &self,
        project: &str,
        stage: Option<&str>,
        function: &str,
        want_role: bool,
        shared: &functory_adapter::SharedReads,
    ) -> Result<ObservedSchedules> {
        let role_name = scheduler_role_name(&naming_scope(project, stage), function);
        let owned = OwnedNames::new(project, stage, function, |scope| {
            schedule_prefix(scope, function)
        });
        let (schedules, role) = tokio::try_join!(self.list_own_schedules(&owned, shared), async {
            if want_role {
                self.observe_scheduler_role(&role_name).await
            } else {
                Ok(None)
            }
        })?;
        let role = match role {
            None if !want_role && !schedules.is_empty() => {
                self.observe_scheduler_role(&role_name).await?
            }
            role => role,
        };
        Ok(ObservedSchedules { schedules, role })
    }

    async fn list_own_schedules(
        &self,
        owned: &OwnedNames,
        shared: &functory_adapter::SharedReads,
    ) -> Result<Vec<ObservedSchedule>> {
        // Shared by the functions of one deploy: every schedule Functory names (`functory-…`),
        // listed once, instead of two listings (both name forms) per function.
        let listed = match shared.cell::<Vec<ListedSchedule>>(SHARED_SCHEDULES) {
            Some(cell) => cell
                .get_or_try_init(|| self.list_schedules_named(SCHEDULE_NAME_START))
                .await?
                .clone(),
            None => {
                let mut listed = Vec::new();
                for prefix in owned.prefixes() {
                    listed.extend(self.list_schedules_named(prefix).await?);
                }
                listed
            }
        };
        let mut names: Vec<String> = Vec::new();
        for schedule in &listed {
            let name = schedule.name.as_str();
            if owned.owns(name, &schedule.target_arn)
                && schedule.group.as_deref().is_none_or(|g| g == "default")
                && !names.iter().any(|n| n == name)
            {
                names.push(name.to_owned());
            }
        }
        let mut found = Vec::new();
        for name in names {
            let schedule = self
                .scheduler
                .get_schedule()
                .name(&name)
                .send()
                .await
                .map_err(|e| self.failure(&e, &format!("Scheduler GetSchedule `{name}`")))?;
            found.push(ObservedSchedule {
                expression: schedule
                    .schedule_expression()
                    .unwrap_or_default()
                    .to_owned(),
                timezone: schedule
                    .schedule_expression_timezone()
                    .unwrap_or("UTC")
                    .to_owned(),
                target_arn: schedule
                    .target()
                    .map(|t| t.arn().to_owned())
                    .unwrap_or_default(),
                role_arn: schedule
                    .target()
                    .map(|t| t.role_arn().to_owned())
                    .unwrap_or_default(),
                name,
            });
        }
        found.sort_by_key(|s| schedule_number(&s.name));
        Ok(found)
    }

    /// Every schedule of the default and other groups whose name starts with `prefix`: its
    /// name, target and group.
    async fn list_schedules_named(&self, prefix: &str) -> Result<Vec<ListedSchedule>> {
        let mut listed = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .scheduler
                .list_schedules()
                .name_prefix(prefix)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| self.failure(&e, &format!("Scheduler ListSchedules `{prefix}*`")))?;
            for summary in page.schedules() {
                let (Some(name), Some(target)) = (summary.name(), summary.target()) else {
                    continue;
                };
                listed.push(ListedSchedule {
                    name: name.to_owned(),
                    target_arn: target.arn().to_owned(),
                    group: summary.group_name().map(str::to_owned),
                });
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        Ok(listed)
    }

    async fn observe_scheduler_role(&self, name: &str) -> Result<Option<ObservedSchedulerRole>> {
        let role = match self.iam.get_role().role_name(name).send().await {
            Ok(role) => role,
            Err(error) => {
                return match self.failure(&error, &format!("IAM GetRole `{name}`")) {
                    AdapterError::NotFound { .. } => Ok(None),
                    other => Err(other),
                };
            }
        };
        let arn = role.role().map(|r| r.arn().to_owned()).unwrap_or_default();
        let policy = self.inline_policy(name, POLICY_NAME).await?;
        Ok(Some(ObservedSchedulerRole { arn, policy }))
    }

    /// Creates the scheduler role (named in `scope`) for `function_arn`'s account, tagged with
    /// the project; answers its ARN.
    pub(crate) async fn create_scheduler_role(
        &self,
        project: &str,
        scope: &str,
        function: &str,
        function_arn: &str,
    ) -> Result<String> {
        let name = scheduler_role_name(scope, function);
        let (account, _) = account_of(function_arn);
        let created = self
            .iam
            .create_role()
            .role_name(&name)
            .assume_role_policy_document(trust_policy(&account).to_string())
            .description(format!(
                "Lets EventBridge Scheduler invoke Functory function `{function}` (project {project})"
            ))
            .tags(
                aws_sdk_iam::types::Tag::builder()
                    .key("functory:project")
                    .value(project)
                    .build()
                    .map_err(|e| AdapterError::invalid(format!("role tag: {e}")))?,
            )
            .send()
            .await
            .map_err(|e| self.failure(&e, &format!("IAM CreateRole `{name}`")))?;
        created.role().map(|r| r.arn().to_owned()).ok_or_else(|| {
            AdapterError::invalid(format!("IAM CreateRole `{name}` answered without a role"))
        })
    }

    pub(crate) async fn put_scheduler_policy(
        &self,
        scope: &str,
        function: &str,
        target: &str,
    ) -> Result<()> {
        let name = scheduler_role_name(scope, function);
        self.iam
            .put_role_policy()
            .role_name(&name)
            .policy_name(POLICY_NAME)
            .policy_document(invoke_policy(target).to_string())
            .send()
            .await
            .map_err(|e| self.failure(&e, &format!("IAM PutRolePolicy on `{name}`")))?;
        Ok(())
    }

    /// Removes the scheduler role once no schedule uses it.
    pub(crate) async fn delete_scheduler_role(&self, scope: &str, function: &str) -> Result<()> {
        let name = scheduler_role_name(scope, function);
        match self
            .iam
            .delete_role_policy()
            .role_name(&name)
            .policy_name(POLICY_NAME)
            .send()
            .await
        {
            Ok(_) => {}
            Err(error) => {
                match self.failure(&error, &format!("IAM DeleteRolePolicy on `{name}`")) {
                    AdapterError::NotFound { .. } => {}
                    other => return Err(other),
                }
            }
        }
        self.iam
            .delete_role()
            .role_name(&name)
            .send()
            .await
            .map_err(|e| self.failure(&e, &format!("IAM DeleteRole `{name}`")))?;
        Ok(())
    }

    /// Creates or replaces (UpdateSchedule replaces every field) one schedule.
    pub(crate) async fn put_schedule(
        &self,
        schedule: &WantedSchedule,
        target: &str,
        role_arn: &str,
        create: bool,
    ) -> Result<()> {
        let name = &schedule.name;
        let window = FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Off)
            .build()
            .map_err(|e| AdapterError::invalid(format!("schedule `{name}`: {e}")))?;
        let target = Target::builder()
            .arn(target)
            .role_arn(role_arn)
            .build()
            .map_err(|e| AdapterError::invalid(format!("schedule `{name}`: {e}")))?;
        let timezone = schedule.timezone.clone();
        // A role created a moment ago is not yet assumable by Scheduler; it says so.
        self.with_role_retry(name, || async {
            if create {
                self.scheduler
                    .create_schedule()
                    .name(name)
                    .schedule_expression(&schedule.expression)
                    .set_schedule_expression_timezone(timezone.clone())
                    .flexible_time_window(window.clone())
                    .target(target.clone())
                    .description("Functory schedule trigger")
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| self.failure(&e, &format!("Scheduler CreateSchedule `{name}`")))
            } else {
                self.scheduler
                    .update_schedule()
                    .name(name)
                    .schedule_expression(&schedule.expression)
                    .set_schedule_expression_timezone(timezone.clone())
                    .flexible_time_window(window.clone())
                    .target(target.clone())
                    .description("Functory schedule trigger")
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| self.failure(&e, &format!("Scheduler UpdateSchedule `{name}`")))
            }
        })
        .await
    }

    pub(crate) async fn delete_schedule(&self, name: &str) -> Result<()> {
        match self.scheduler.delete_schedule().name(name).send().await {
            Ok(_) => Ok(()),
            // Already gone (a deploy cut after deleting it): nothing left to do.
            Err(error) => match self.failure(&error, &format!("Scheduler DeleteSchedule `{name}`"))
            {
                AdapterError::NotFound { .. } => Ok(()),
                other => Err(other),
            },
        }
    }
}

/// `…-3` → 3, for ordering.
fn schedule_number(name: &str) -> u32 {
    name.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_scheduler_and_find_only_this_function() {
        assert_eq!(schedule_prefix("shop", "report"), "functory-shop-report");
        assert_eq!(schedule_prefix("my app", "r"), "functory-my-app-r");
        let long = schedule_prefix(&"p".repeat(40), &"f".repeat(40));
        assert_eq!(long.len(), 59);
        assert_ne!(long, schedule_prefix(&"p".repeat(40), &"g".repeat(40)));
        assert!(arn_names_function(
            "arn:aws:lambda:us-east-1:123456789012:function:report:prod",
            "report"
        ));
        assert!(!arn_names_function(
            "arn:aws:lambda:us-east-1:123456789012:function:report-2:prod",
            "report"
        ));
        assert!(!arn_names_function(
            "arn:aws:sqs:us-east-1:1:report",
            "report"
        ));
        assert_eq!(
            account_of("arn:aws-cn:lambda:cn-north-1:42:function:f"),
            ("42".to_owned(), "aws-cn".to_owned())
        );
    }
}
