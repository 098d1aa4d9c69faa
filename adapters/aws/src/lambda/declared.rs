//! The project's declared resources (`[resources.NAME]`) on a cloud target: the plan lists
//! each with the calls that create it, a deploy creates the missing ones before any function
//! (a trigger's bucket or queue must exist when its function is wired to it). One that exists
//! but carries another project's `functory:project` tag is refused, not taken over. Nothing is
//! ever deleted here: a resource left out of the manifest may hold data.

use functory_adapter::plan::planned_change as change;
use functory_adapter::{AdapterError, ChangeAction, PlannedChange, Result};
use functory_core::{Resource, ResourceKind};

use super::AwsAdapter;
use crate::resources::{ResourceLook, ResourceState, ensure_resources_as, look_up_resources};

/// The calls that create a resource of `kind`.
fn create_calls(resource: &Resource) -> &'static [&'static str] {
    match resource.kind {
        ResourceKind::Bucket => &["CreateBucket", "PutBucketTagging"],
        ResourceKind::Queue => &["CreateQueue"],
        ResourceKind::Table => &["CreateTable"],
        ResourceKind::Topic => &["CreateTopic"],
        ResourceKind::Bus => &["CreateEventBus"],
    }
}

/// What the declaration asks for, in a plan line.
fn describe(resource: &Resource) -> Vec<String> {
    let mut details = Vec::new();
    if resource.fifo {
        details.push("FIFO".to_owned());
    }
    if let Some(seconds) = resource.visibility_timeout_s {
        details.push(format!("visibility timeout {seconds} s"));
    }
    if let (Some(dead_letter), Some(max)) = (&resource.dead_letter, resource.max_receives) {
        details.push(format!(
            "dead-letter queue {dead_letter} after {max} receives"
        ));
    }
    if let Some(key) = &resource.partition_key {
        let mut keys = format!("key {} ({})", key.name, key.key_type.letter());
        if let Some(sort) = &resource.sort_key {
            keys.push_str(&format!(
                ", sort key {} ({})",
                sort.name,
                sort.key_type.letter()
            ));
        }
        details.push(keys);
    }
    if let Some(view) = resource.stream {
        details.push(format!("stream {}", view.aws_name()));
    }
    details
}

pub(super) async fn plan(
    adapter: &AwsAdapter,
    project: &str,
    resources: &[Resource],
) -> Result<Vec<PlannedChange>> {
    let looks = look_up_resources(&adapter.sdk, &adapter.context, resources).await?;
    let mut changes = Vec::new();
    for (resource, look) in resources.iter().zip(looks) {
        let name = resource.physical_name();
        let kind = resource.kind.into();
        changes.push(match look {
            ResourceLook::Missing => change(
                kind,
                &name,
                ChangeAction::Create,
                describe(resource),
                create_calls(resource),
            ),
            ResourceLook::Found {
                owner: Some(owner),
            } if owner != project => {
                return Err(AdapterError::AlreadyExists {
                    what: format!(
                        "{} `{name}` of [resources.{}] belongs to Functory project `{owner}`, not `{project}`: give it another name, or write `existing = \"{name}\"` to use it without managing it",
                        resource.kind.as_str(),
                        resource.name
                    ),
                });
            }
            ResourceLook::Found { owner } => {
                let mut found = PlannedChange::no_op(kind, &name);
                if owner.is_none() {
                    found.details = vec!["exists, made outside Functory: used as it is".into()];
                }
                found
            }
            ResourceLook::Referenced => {
                let mut referenced = PlannedChange::no_op(kind, &name);
                referenced.details = vec!["existing: referenced, never changed".into()];
                referenced
            }
        });
    }
    Ok(changes)
}

/// Creates the missing resources (the caller has planned them: another project's are refused
/// there); answers the ones created.
pub(super) async fn create(
    adapter: &AwsAdapter,
    project: &str,
    resources: &[Resource],
) -> Result<Vec<PlannedChange>> {
    let outcomes = ensure_resources_as(&adapter.sdk, &adapter.context, project, resources).await?;
    Ok(resources
        .iter()
        .zip(outcomes)
        .filter(|(_, outcome)| outcome.state == ResourceState::Created)
        .map(|(resource, outcome)| {
            change(
                resource.kind.into(),
                &outcome.physical_name,
                ChangeAction::Create,
                describe(resource),
                create_calls(resource),
            )
        })
        .collect())
}
