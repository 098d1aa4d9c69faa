//! Planning a function's triggers: its URL, queue and stream mappings, Scheduler schedules,
//! bucket notifications, and the URLs of its HTTP routes.

use functory_adapter::plan::planned_change as change;
use functory_adapter::{ChangeAction, PlannedChange, ResourceKind};
use functory_core::Function;

use super::Step;
use crate::lambda::http_api;
use crate::lambda::mappings::{self, Mapped, SourceKind};
use crate::lambda::resource_policy::ResourceStatement;
use crate::lambda::schedules::{self, ObservedSchedules};
use crate::lambda::storage::{ObservedBucket, WantedBucket};
use crate::lambda::url::{self, PUBLIC_INVOKE_SID, PUBLIC_URL_SID};

/// `GET https://ID.execute-api.REGION.amazonaws.com/users/{id}` for each route.
pub(super) fn route_endpoints(
    endpoint: &str,
    stage: &str,
    routes: &[http_api::WantedRoute],
) -> Vec<String> {
    let base = http_api::stage_url(endpoint, stage);
    routes
        .iter()
        .map(|route| {
            let (method, path) = route.key.split_once(' ').unwrap_or(("ANY", "/"));
            format!("{method} {base}{}", path.trim_start_matches('/'))
        })
        .collect()
}

/// Plans the function URL, on the stage alias (or the function without a stage); answers the
/// URL the manifest asks for and the Functory public statements already there.
pub(super) fn plan_url(
    function: &Function,
    url_have: &Option<url::UrlState>,
    statements: &[ResourceStatement],
    qualifier: Option<&str>,
    changes: &mut Vec<PlannedChange>,
    steps: &mut Vec<Step>,
) -> (Option<url::UrlState>, Vec<String>) {
    let name = function.name.as_str();
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
    match (&url_want, url_have) {
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
    (url_want, url_statements)
}

/// Plans queue and stream triggers: event source mappings to the stage.
pub(super) fn plan_mappings(
    function: &Function,
    resources: &[functory_core::Resource],
    mapped: &[Mapped],
    changes: &mut Vec<PlannedChange>,
    steps: &mut Vec<Step>,
) {
    let mut kept = Vec::new();
    for source in mappings::wanted(function, resources) {
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
            Some(m)
                if m.batch_size != source.batch_size
                    || (source.kind == SourceKind::Queue && !m.reports_item_failures) =>
            {
                kept.push(m.uuid.clone());
                let mut details = Vec::new();
                if m.batch_size != source.batch_size {
                    details.push(format!(
                        "batch size {} → {}",
                        m.batch_size, source.batch_size
                    ));
                }
                if source.kind == SourceKind::Queue && !m.reports_item_failures {
                    details.push("report batch item failures".to_owned());
                }
                changes.push(change(
                    ResourceKind::Trigger,
                    &label,
                    ChangeAction::Update,
                    details,
                    &["UpdateEventSourceMapping"],
                ));
                steps.push(Step::MappingUpdate(
                    m.uuid.clone(),
                    source.kind,
                    source.batch_size,
                ));
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
}

/// Plans the schedules and their role; answers the role's ARN when it exists.
pub(super) fn plan_schedules(
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
pub(super) fn plan_storage(
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
