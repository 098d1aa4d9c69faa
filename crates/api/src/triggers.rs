//! The trigger designer's use cases: checking a trigger as the side form is filled in, and the
//! canvas's remembered node positions.
//!
//! A check looks at the trigger against the whole manifest, because the problems that matter
//! in the cloud are between triggers: two functions answering the same route, two bucket
//! notifications AWS refuses as overlapping. A trigger alone is checked by
//! `functory_core::trigger_check`, routes are compared by `functory_core::route` and schedules
//! previewed by `functory_core::schedule`: the same readers `functory check`, the local run and
//! the cloud adapters use, so the form never disagrees with them.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use functory_core::iam::{self, Decision};
use functory_core::route::RoutePattern;
use functory_core::trigger_check::trigger_problems;
use functory_core::trigger_needs::{ArnScope, InvokeGrantKind, TriggerNeeds, trigger_needs};
use functory_core::{Function, Manifest, Schedule, Severity, Trigger, UrlAuth};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};
use crate::files;

/// How many fire times a schedule preview shows.
pub const PREVIEW_FIRES: usize = 5;
/// Where the canvas remembers node positions, inside the project's `.functory/` folder
/// (already out of history and out of the project tree).
pub const POSITIONS_FILE: &str = ".functory/canvas.json";
/// A bound on the positions file, so a runaway caller cannot grow it without end.
const MAX_POSITIONS: usize = 5_000;

/// A trigger of the manifest: trigger `index` of `function`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TriggerRef {
    pub function: String,
    pub index: u32,
}

/// One problem with a trigger, named by the field the side form shows it under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TriggerProblem {
    /// The form field: `method`, `path`, `expression`, `timezone`, `bucket`, `prefix`, …
    pub field: String,
    pub message: String,
    /// `error` (the cloud, or the local run, would refuse it) or `warning` (it works, but
    /// probably not as meant).
    pub severity: String,
}

/// One upcoming fire time of a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FireTime {
    /// RFC 3339, UTC.
    pub utc: String,
    /// The same instant in the schedule's time zone: `2025-03-10 09:00 CET`.
    pub local: String,
}

/// What the side form shows under a trigger being edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TriggerCheck {
    pub problems: Vec<TriggerProblem>,
    /// The next fire times of a schedule that parses; empty otherwise.
    pub next_fires: Vec<FireTime>,
    /// The time zone the fire times are shown in (IANA name), for schedules.
    pub timezone: Option<String>,
    /// What the trigger needs on AWS and who grants it, with what the function's permissions
    /// make of it (`None` when the function does not exist).
    pub edge: Option<TriggerEdge>,
}

/// A trigger → function edge: what the trigger needs (`functory_core::trigger_needs`) and how
/// it stands with the function's own permissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TriggerEdge {
    pub needs: TriggerNeeds,
    pub status: EdgeStatus,
    /// Why the grant fails, when `status` is `denied`.
    pub denied_by: Option<String>,
    /// The declared resource the trigger names (`[resources.NAME]`), drawn feeding it.
    pub resource: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum EdgeStatus {
    /// The deploy writes the grant (a resource policy statement, a service role, a role
    /// statement): nothing for the manifest to add.
    Deploy,
    /// Granted to anyone: a public function URL.
    Public,
    /// Callers grant themselves access with their own identity policies.
    Caller,
    /// A Deny among the function's permissions cancels the role statement the deploy adds.
    Denied,
}

/// What a trigger → function edge is, for `function` (its permissions decide `denied`), with
/// the project's declared resources resolving what the trigger names.
pub fn trigger_edge(
    function: &Function,
    trigger: &Trigger,
    resources: &[functory_core::Resource],
) -> TriggerEdge {
    let needs = trigger_needs(
        &function.name,
        trigger,
        &ArnScope::with_resources(resources),
    );
    let denied_by = needs.role.as_ref().and_then(|role| {
        role.actions.iter().find_map(|action| {
            match iam::evaluate(&function.permissions, action, &role.resource) {
                Decision::Denied { statement } => Some(format!(
                    "statement {statement} of {}'s permissions denies {action} on {}, and a Deny wins over the role statement the deploy adds",
                    function.name, role.resource
                )),
                _ => None,
            }
        })
    });
    let status = if denied_by.is_some() {
        EdgeStatus::Denied
    } else if needs.warning.is_some() {
        EdgeStatus::Public
    } else if needs
        .invoke
        .as_ref()
        .is_some_and(|i| i.kind == InvokeGrantKind::CallerIdentity)
    {
        EdgeStatus::Caller
    } else {
        EdgeStatus::Deploy
    };
    let resource = trigger.resource_named().and_then(|(_, name, kind)| {
        resources
            .iter()
            .find(|r| r.name == name && r.kind == kind)
            .map(|r| r.name.clone())
    });
    TriggerEdge {
        needs,
        status,
        denied_by,
        resource,
    }
}

/// Where a function writes: a bucket, queue, table, stream or topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum DestinationKind {
    Bucket,
    Queue,
    Table,
    Stream,
    Topic,
}

/// What says a function writes somewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum DestinationSource {
    /// The function's Allow statements grant the write.
    Permission,
    /// The analyzer found the code writing there.
    Code,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Destination {
    pub kind: DestinationKind,
    pub name: String,
    /// The write actions that make it a destination.
    pub actions: Vec<String>,
    pub sources: Vec<DestinationSource>,
    /// The declared resource it is (`[resources.NAME]` of its kind and physical name).
    pub resource: Option<String>,
}

/// One function as the canvas draws it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CanvasFunction {
    pub name: String,
    /// One per trigger, in the manifest's order.
    pub edges: Vec<TriggerEdge>,
    pub destinations: Vec<Destination>,
}

/// What the trigger designer draws besides the manifest itself: every edge's needs and every
/// function's destinations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CanvasModel {
    pub functions: Vec<CanvasFunction>,
}

/// The write actions that make a resource a destination, and how an ARN names it.
const WRITES: &[(DestinationKind, &[&str])] = &[
    (
        DestinationKind::Bucket,
        &["s3:PutObject", "s3:DeleteObject"],
    ),
    (
        DestinationKind::Queue,
        &["sqs:SendMessage", "sqs:SendMessageBatch"],
    ),
    (
        DestinationKind::Table,
        &[
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:DeleteItem",
        ],
    ),
    (
        DestinationKind::Stream,
        &["kinesis:PutRecord", "kinesis:PutRecords"],
    ),
    (DestinationKind::Topic, &["sns:Publish"]),
];

/// The name a destination ARN gives its resource (`None` for a wildcard or another shape).
fn destination_name(kind: DestinationKind, arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (_partition, service, _region, _account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let name = match (kind, service) {
        (DestinationKind::Bucket, "s3") => resource.split('/').next()?,
        (DestinationKind::Queue, "sqs") | (DestinationKind::Topic, "sns") => resource,
        (DestinationKind::Table, "dynamodb") => {
            resource.strip_prefix("table/")?.split('/').next()?
        }
        (DestinationKind::Stream, "kinesis") if resource.starts_with("stream/") => {
            functory_core::trigger_needs::kinesis_stream_name(arn)
        }
        _ => return None,
    };
    (!name.is_empty() && !name.contains(['*', '?'])).then_some(name)
}

/// The buckets, queues, tables, streams and topics `function` writes to: what its Allow
/// statements grant it to write, and what the analyzer found its code writing
/// (`code_writes`: action, resource).
pub fn destinations_of(function: &Function, code_writes: &[(String, String)]) -> Vec<Destination> {
    let mut found: Vec<Destination> = Vec::new();
    let mut add = |kind: DestinationKind, name: &str, actions: &[&str], source| {
        let at = match found.iter().position(|d| d.kind == kind && d.name == name) {
            Some(at) => at,
            None => {
                found.push(Destination {
                    kind,
                    name: name.to_owned(),
                    actions: Vec::new(),
                    sources: Vec::new(),
                    resource: None,
                });
                found.len() - 1
            }
        };
        let destination = &mut found[at];
        for action in actions {
            if !destination.actions.iter().any(|a| a == action) {
                destination.actions.push((*action).to_owned());
            }
        }
        if !destination.sources.contains(&source) {
            destination.sources.push(source);
        }
    };
    for permission in &function.permissions {
        if permission.effect != functory_core::PermissionEffect::Allow {
            continue;
        }
        for (kind, writes) in WRITES {
            let actions: Vec<&str> = writes
                .iter()
                .copied()
                .filter(|w| permission.actions.iter().any(|a| iam::action_matches(a, w)))
                .collect();
            if actions.is_empty() {
                continue;
            }
            for resource in &permission.resources {
                if let Some(name) = destination_name(*kind, resource) {
                    add(*kind, name, &actions, DestinationSource::Permission);
                }
            }
        }
    }
    for (action, resource) in code_writes {
        for (kind, writes) in WRITES {
            if let Some(write) = writes.iter().find(|w| w.eq_ignore_ascii_case(action))
                && let Some(name) = destination_name(*kind, resource)
            {
                add(*kind, name, &[write], DestinationSource::Code);
            }
        }
    }
    for destination in &mut found {
        destination.sources.sort();
    }
    found
}

/// The canvas's model of `manifest`; `code_writes` gives, per function, what the analyzer
/// found its code writing.
pub fn canvas_model(
    manifest: &Manifest,
    code_writes: &std::collections::HashMap<String, Vec<(String, String)>>,
) -> CanvasModel {
    CanvasModel {
        functions: manifest
            .functions
            .iter()
            .map(|function| CanvasFunction {
                name: function.name.clone(),
                edges: function
                    .triggers
                    .iter()
                    .map(|t| trigger_edge(function, t, &manifest.resources))
                    .collect(),
                destinations: destinations_of(
                    function,
                    code_writes
                        .get(&function.name)
                        .map_or(&[][..], Vec::as_slice),
                )
                .into_iter()
                .map(|mut destination| {
                    destination.resource = declared_destination(&destination, &manifest.resources);
                    destination
                })
                .collect(),
            })
            .collect(),
    }
}

/// The declared resource a destination is: one of its kind whose physical name the write
/// names.
fn declared_destination(
    destination: &Destination,
    resources: &[functory_core::Resource],
) -> Option<String> {
    use functory_core::ResourceKind;
    let kind = match destination.kind {
        DestinationKind::Bucket => ResourceKind::Bucket,
        DestinationKind::Queue => ResourceKind::Queue,
        DestinationKind::Table => ResourceKind::Table,
        DestinationKind::Topic => ResourceKind::Topic,
        DestinationKind::Stream => return None,
    };
    resources
        .iter()
        .find(|r| r.kind == kind && r.physical_name() == destination.name)
        .map(|r| r.name.clone())
}

impl TriggerCheck {
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.severity == "error")
    }
}

/// A node's remembered place on the canvas. Ids are the canvas's own (`fn:resize`, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NodePosition {
    pub id: String,
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CanvasLayout {
    pub positions: Vec<NodePosition>,
}

fn error(field: &str, message: impl Into<String>) -> TriggerProblem {
    TriggerProblem {
        field: field.to_owned(),
        message: message.into(),
        severity: "error".into(),
    }
}

fn warning(field: &str, message: impl Into<String>) -> TriggerProblem {
    TriggerProblem {
        field: field.to_owned(),
        message: message.into(),
        severity: "warning".into(),
    }
}

/// Checks `trigger`, to be a trigger of `function`, against the rest of `manifest`. `editing`
/// is the trigger it replaces (its old self, in the same function or another one when it is
/// being moved), left out of the comparisons; `None` for a new trigger. Schedules are
/// previewed from `now`.
pub fn check_trigger(
    manifest: &Manifest,
    function: &str,
    editing: Option<&TriggerRef>,
    trigger: &Trigger,
    now: DateTime<Utc>,
) -> TriggerCheck {
    let owner = manifest.functions.iter().find(|f| f.name == function);
    let mut check = TriggerCheck {
        problems: Vec::new(),
        next_fires: Vec::new(),
        timezone: None,
        edge: owner.map(|f| trigger_edge(f, trigger, &manifest.resources)),
    };
    if owner.is_none() {
        check
            .problems
            .push(error("function", format!("no function named `{function}`")));
    }
    // The checks `functory check` makes of a trigger alone, with the field each names.
    for problem in trigger_problems(trigger) {
        check.problems.push(match problem.severity {
            Severity::Error => error(problem.key, problem.message),
            _ => warning(problem.key, problem.message),
        });
    }
    // Every other trigger of the project, with its owner.
    let others: Vec<(&str, &Trigger)> = manifest
        .functions
        .iter()
        .flat_map(|f| {
            f.triggers.iter().enumerate().filter_map(move |(i, t)| {
                let same = editing.is_some_and(|e| e.function == f.name && e.index as usize == i);
                (!same).then_some((f.name.as_str(), t))
            })
        })
        .collect();
    match trigger {
        Trigger::Http { method, path, .. } => check_route(method, path, &others, &mut check),
        Trigger::Schedule {
            expression,
            timezone,
        } => preview_schedule(expression, timezone.as_deref(), now, &mut check),
        Trigger::Storage {
            bucket,
            prefix,
            suffix,
            events,
        } => check_bucket_rule(
            bucket,
            prefix.as_deref(),
            suffix.as_deref(),
            events.as_deref(),
            &others,
            &mut check,
        ),
        Trigger::Queue { queue, batch_size } => {
            if batch_size.is_some_and(|size| !(1..=10_000).contains(&size)) {
                check
                    .problems
                    .push(error("batch_size", "a batch size is between 1 and 10000"));
            }
            for (owner, other) in &others {
                if let Trigger::Queue { queue: q, .. } = other
                    && q == queue
                {
                    check.problems.push(warning(
                        "queue",
                        format!(
                            "queue `{queue}` already triggers `{owner}`: each message goes to only one of them"
                        ),
                    ));
                }
            }
        }
        // Their own checks (valid JSON patterns and policies) are `trigger_check`'s, above.
        Trigger::Topic { .. } | Trigger::Event { .. } => {}
        Trigger::Stream { batch_size, .. } => {
            if batch_size.is_some_and(|size| !(1..=10_000).contains(&size)) {
                check
                    .problems
                    .push(error("batch_size", "a batch size is between 1 and 10000"));
            }
        }
        Trigger::Url { auth, .. } => {
            if others
                .iter()
                .any(|(owner, t)| *owner == function && matches!(t, Trigger::Url { .. }))
            {
                check
                    .problems
                    .push(error("kind", "a function has at most one `url` trigger"));
            }
            if *auth == UrlAuth::None {
                check.problems.push(warning(
                    "auth",
                    "anyone who knows the URL can call this function: the handler is the only access control",
                ));
            }
        }
    }
    check
}

// ---- HTTP routes --------------------------------------------------------------------------

fn check_route(method: &str, path: &str, others: &[(&str, &Trigger)], check: &mut TriggerCheck) {
    let Ok(mine) = RoutePattern::parse(method, path) else {
        return;
    };
    for (owner, other) in others {
        let Trigger::Http {
            method: other_method,
            path: other_path,
            ..
        } = other
        else {
            continue;
        };
        let Ok(theirs) = RoutePattern::parse(other_method, other_path) else {
            continue;
        };
        if !mine.overlaps(&theirs) {
            continue;
        }
        if mine.duplicates(&theirs) {
            check.problems.push(error(
                "path",
                format!("{mine} is already the route `{theirs}` of `{owner}`"),
            ));
        } else {
            check.problems.push(warning(
                "path",
                format!(
                    "{mine} overlaps `{theirs}` of `{owner}`: some requests match both, and the more specific route wins"
                ),
            ));
        }
    }
}

// ---- schedules ----------------------------------------------------------------------------

fn preview_schedule(
    expression: &str,
    timezone: Option<&str>,
    now: DateTime<Utc>,
    check: &mut TriggerCheck,
) {
    let timezone = timezone.map(str::trim).filter(|tz| !tz.is_empty());
    // A bad expression or time zone is already among the problems (`trigger_problems`).
    let Ok(schedule) = Schedule::parse(expression, timezone) else {
        return;
    };
    let tz: Tz = schedule.timezone().parse().unwrap_or(Tz::UTC);
    check.timezone = Some(schedule.timezone().to_owned());
    check.next_fires = schedule
        .preview(now, PREVIEW_FIRES)
        .into_iter()
        .map(|at| FireTime {
            utc: at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            local: at
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M %Z")
                .to_string(),
        })
        .collect();
    if check.next_fires.is_empty() {
        check.problems.push(warning(
            "expression",
            "this schedule never fires again (its years are in the past)",
        ));
    }
}

// ---- bucket notifications -----------------------------------------------------------------

/// The event types of a storage trigger (S3's default when unset: every object creation).
fn event_types(events: Option<&[String]>) -> Vec<String> {
    match events {
        Some(events) if !events.is_empty() => events.to_vec(),
        _ => vec!["s3:ObjectCreated:*".to_owned()],
    }
}

/// Whether two S3 event types share an event (`s3:ObjectCreated:*` covers `…:Put`).
fn events_meet(a: &str, b: &str) -> bool {
    let covers = |wide: &str, narrow: &str| {
        wide.strip_suffix('*')
            .is_some_and(|stem| narrow.starts_with(stem))
    };
    a == b || covers(a, b) || covers(b, a)
}

/// S3 refuses two notification rules of a bucket when one object key could match both (one
/// prefix starts the other, one suffix ends the other) for a common event type.
fn check_bucket_rule(
    bucket: &str,
    prefix: Option<&str>,
    suffix: Option<&str>,
    events: Option<&[String]>,
    others: &[(&str, &Trigger)],
    check: &mut TriggerCheck,
) {
    let prefix = prefix.unwrap_or_default();
    let suffix = suffix.unwrap_or_default();
    let mine = event_types(events);
    for (owner, other) in others {
        let Trigger::Storage {
            bucket: other_bucket,
            prefix: other_prefix,
            suffix: other_suffix,
            events: other_events,
        } = other
        else {
            continue;
        };
        if other_bucket != bucket {
            continue;
        }
        let other_prefix = other_prefix.as_deref().unwrap_or_default();
        let other_suffix = other_suffix.as_deref().unwrap_or_default();
        let prefixes_meet = prefix.starts_with(other_prefix) || other_prefix.starts_with(prefix);
        let suffixes_meet = suffix.ends_with(other_suffix) || other_suffix.ends_with(suffix);
        let theirs = event_types(other_events.as_deref());
        let shared = mine
            .iter()
            .find(|a| theirs.iter().any(|b| events_meet(a, b)));
        if let (true, true, Some(event)) = (prefixes_meet, suffixes_meet, shared) {
            let describe = |p: &str, s: &str| match (p.is_empty(), s.is_empty()) {
                (true, true) => "every key".to_owned(),
                (false, true) => format!("keys starting `{p}`"),
                (true, false) => format!("keys ending `{s}`"),
                (false, false) => format!("keys starting `{p}` and ending `{s}`"),
            };
            // Point at the filter the user can change to tell the rules apart.
            let field = if prefix == other_prefix {
                "suffix"
            } else {
                "prefix"
            };
            check.problems.push(error(
                field,
                format!(
                    "overlaps the rule of `{owner}` on bucket `{bucket}` ({}) for {event}: AWS refuses overlapping notification rules; give them prefixes or suffixes that cannot both match",
                    describe(other_prefix, other_suffix)
                ),
            ));
        }
    }
}

// ---- canvas positions ---------------------------------------------------------------------

fn positions_path(root: &Path) -> PathBuf {
    root.join(POSITIONS_FILE)
}

/// The remembered positions; a missing or unreadable file is an empty layout (the canvas
/// lays itself out again), never an error that would hide the canvas.
pub fn load_positions(root: &Path) -> CanvasLayout {
    let path = positions_path(root);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|error| {
            tracing::warn!(path = %path.display(), %error, "ignoring an unreadable canvas layout");
            CanvasLayout::default()
        }),
        Err(_) => CanvasLayout::default(),
    }
}

/// Writes the positions atomically (a crash mid-write keeps the old file whole).
pub fn save_positions(root: &Path, layout: &CanvasLayout) -> Result<(), ApiError> {
    if layout.positions.len() > MAX_POSITIONS {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "positions: {} nodes is more than the {MAX_POSITIONS} a canvas remembers",
                layout.positions.len()
            ),
        ));
    }
    if let Some(bad) = layout
        .positions
        .iter()
        .find(|p| !p.x.is_finite() || !p.y.is_finite() || p.id.is_empty())
    {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("positions: node `{}` has no valid position", bad.id),
        ));
    }
    let json = serde_json::to_vec_pretty(layout)
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("could not encode positions: {e}")))?;
    files::write_atomically(&positions_path(root), &json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use functory_core::parse_manifest;

    struct AllFiles;
    impl functory_core::ProjectFiles for AllFiles {
        fn is_file(&self, _: &str) -> bool {
            true
        }
    }

    const MANIFEST: &str = r#"
[project]
name = "shop"

[functions.items]
runtime = "nodejs20.x"
handler = "src/items.handler"

[[functions.items.triggers]]
kind = "http"
method = "GET"
path = "/items/{id}"

[[functions.items.triggers]]
kind = "storage"
bucket = "uploads"
prefix = "images/"
suffix = ".jpg"

[functions.admin]
runtime = "python3.12"
handler = "app.handler"

[[functions.admin.triggers]]
kind = "http"
method = "ANY"
path = "/admin/{proxy+}"
"#;

    fn manifest() -> Manifest {
        let parsed = parse_manifest(MANIFEST, "functory.toml", &AllFiles);
        assert_eq!(parsed.diagnostics, vec![]);
        parsed.manifest.unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-01-06T08:30:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn at(function: &str, index: u32) -> TriggerRef {
        TriggerRef {
            function: function.into(),
            index,
        }
    }

    fn http(method: &str, path: &str) -> Trigger {
        Trigger::Http {
            method: method.into(),
            path: path.into(),
            auth: None,
            payload_version: None,
        }
    }

    fn problems(check: &TriggerCheck) -> Vec<(String, String)> {
        check
            .problems
            .iter()
            .map(|p| (p.severity.clone(), p.field.clone()))
            .collect()
    }

    #[test]
    fn the_canvas_ties_triggers_and_writes_to_the_declared_resources_they_name() {
        let text = r#"[project]
name = "shop"

[resources.uploads]
kind = "bucket"

[resources.jobs]
kind = "queue"
fifo = true

[resources.orders]
kind = "table"
partition_key = "id"

[functions.f]
runtime = "python3.12"
handler = "f.handler"

[[functions.f.triggers]]
kind = "storage"
bucket = "uploads"

[[functions.f.triggers]]
kind = "stream"
stream = "clicks"

[[functions.f.permissions]]
actions = ["sqs:SendMessage", "dynamodb:PutItem"]
resources = ["arn:aws:sqs:*:*:jobs.fifo", "arn:aws:dynamodb:*:*:table/other"]
"#;
        let parsed = parse_manifest(text, "functory.toml", &AllFiles);
        let manifest = parsed.manifest.unwrap();
        let model = canvas_model(&manifest, &Default::default());
        let f = &model.functions[0];
        assert_eq!(f.edges[0].resource.as_deref(), Some("uploads"));
        // Not declared: an undeclared name stays a trigger's own.
        assert_eq!(f.edges[1].resource, None);
        let written: Vec<(&str, Option<&str>)> = f
            .destinations
            .iter()
            .map(|d| (d.name.as_str(), d.resource.as_deref()))
            .collect();
        // The FIFO queue's physical name is what the ARN names.
        assert_eq!(written, [("jobs.fifo", Some("jobs")), ("other", None)]);
    }

    #[test]
    fn routes_conflict_on_the_same_method_and_path_shape() {
        let m = manifest();
        // Parameter names do not matter: /items/{itemId} is /items/{id}.
        let same = check_trigger(&m, "admin", None, &http("get", "/items/{itemId}"), now());
        assert_eq!(problems(&same), [("error".into(), "path".into())]);
        assert!(
            same.problems[0]
                .message
                .contains("`GET /items/{id}` of `items`"),
            "{:?}",
            same.problems
        );
        // ANY meets every method; a literal meets a parameter: they overlap (a warning).
        let any = check_trigger(&m, "admin", None, &http("ANY", "/items/42"), now());
        assert_eq!(problems(&any), [("warning".into(), "path".into())]);
        // A greedy parameter covers any depth below it.
        let deep = check_trigger(&m, "items", None, &http("POST", "/admin/users/7"), now());
        assert_eq!(problems(&deep), [("warning".into(), "path".into())]);
        // Different methods, or paths of different shapes, are fine.
        assert!(
            check_trigger(&m, "admin", None, &http("POST", "/items/{id}"), now())
                .problems
                .is_empty()
        );
        assert!(
            check_trigger(&m, "admin", None, &http("GET", "/items"), now())
                .problems
                .is_empty()
        );
        assert!(
            check_trigger(&m, "admin", None, &http("GET", "/admin"), now())
                .problems
                .is_empty(),
            "{{proxy+}} needs at least one segment"
        );
        // A trigger being edited (or moved to another function) is not compared with its old self.
        assert!(
            check_trigger(
                &m,
                "admin",
                Some(&at("items", 0)),
                &http("GET", "/items/{id}"),
                now()
            )
            .problems
            .is_empty()
        );
        assert!(
            check_trigger(
                &m,
                "items",
                Some(&at("items", 0)),
                &http("GET", "/items/{id}"),
                now()
            )
            .problems
            .is_empty()
        );
        // Bad shapes name their field.
        let bad = check_trigger(&m, "items", None, &http("FETCH", "/x"), now());
        assert_eq!(problems(&bad), [("error".into(), "method".into())]);
    }

    #[test]
    fn schedules_preview_five_fire_times_in_their_zone() {
        let m = manifest();
        let check = check_trigger(
            &m,
            "admin",
            None,
            &Trigger::Schedule {
                expression: "cron(0 9 ? * MON-FRI *)".into(),
                timezone: Some("Europe/Paris".into()),
            },
            now(),
        );
        assert_eq!(check.problems, vec![]);
        assert_eq!(check.timezone.as_deref(), Some("Europe/Paris"));
        let utc: Vec<&str> = check.next_fires.iter().map(|f| f.utc.as_str()).collect();
        assert_eq!(
            utc,
            [
                "2025-01-07T08:00:00Z",
                "2025-01-08T08:00:00Z",
                "2025-01-09T08:00:00Z",
                "2025-01-10T08:00:00Z",
                "2025-01-13T08:00:00Z"
            ]
        );
        assert_eq!(check.next_fires[0].local, "2025-01-07 09:00 CET");
        let rate = check_trigger(
            &m,
            "admin",
            None,
            &Trigger::Schedule {
                expression: "rate(1 minute)".into(),
                timezone: None,
            },
            now(),
        );
        assert_eq!(rate.next_fires.len(), PREVIEW_FIRES);
        assert_eq!(rate.next_fires[0].utc, "2025-01-06T08:31:00Z");
        for (expression, timezone, field, needle) in [
            ("rate(5 minute)", None, "expression", "rate(5 minutes)"),
            ("cron(0 9 * * * *)", None, "expression", "must be `?`"),
            (
                "every day",
                None,
                "expression",
                "must be `rate(value unit)`",
            ),
            (
                "rate(1 hour)",
                Some("Mars/Olympus"),
                "timezone",
                "Mars/Olympus",
            ),
        ] {
            let check = check_trigger(
                &m,
                "admin",
                None,
                &Trigger::Schedule {
                    expression: expression.into(),
                    timezone: timezone.map(Into::into),
                },
                now(),
            );
            assert_eq!(
                problems(&check),
                [("error".into(), field.into())],
                "{expression}"
            );
            assert!(
                check.problems[0].message.contains(needle),
                "{expression}: {}",
                check.problems[0].message
            );
            assert!(check.next_fires.is_empty());
        }
    }

    #[test]
    fn overlapping_bucket_rules_are_refused_like_aws_does() {
        let m = manifest();
        let storage = |prefix: Option<&str>, suffix: Option<&str>, events: Option<Vec<&str>>| {
            Trigger::Storage {
                bucket: "uploads".into(),
                prefix: prefix.map(Into::into),
                suffix: suffix.map(Into::into),
                events: events.map(|e| e.into_iter().map(Into::into).collect()),
            }
        };
        // No filter at all meets every key.
        let all = check_trigger(&m, "admin", None, &storage(None, None, None), now());
        assert_eq!(problems(&all), [("error".into(), "prefix".into())]);
        assert!(
            all.problems[0].message.contains("`items`"),
            "{:?}",
            all.problems
        );
        // A longer prefix inside the other's, same suffix: overlap.
        let inner = check_trigger(
            &m,
            "admin",
            None,
            &storage(Some("images/2025/"), Some(".jpg"), None),
            now(),
        );
        assert_eq!(problems(&inner), [("error".into(), "prefix".into())]);
        // Disjoint prefixes, disjoint suffixes, or other event types: fine.
        for trigger in [
            storage(Some("docs/"), None, None),
            storage(Some("images/"), Some(".png"), None),
            storage(None, None, Some(vec!["s3:ObjectRemoved:*"])),
        ] {
            let check = check_trigger(&m, "admin", None, &trigger, now());
            assert_eq!(check.problems, vec![], "{trigger:?}");
        }
        // Another bucket is another story; and the rule is not compared with itself.
        assert!(
            check_trigger(
                &m,
                "items",
                Some(&at("items", 1)),
                &storage(Some("images/"), Some(".jpg"), None),
                now()
            )
            .problems
            .is_empty()
        );
        let put = check_trigger(
            &m,
            "admin",
            None,
            &storage(Some("images/"), None, Some(vec!["s3:ObjectCreated:Put"])),
            now(),
        );
        assert_eq!(problems(&put), [("error".into(), "suffix".into())]);
    }

    #[test]
    fn positions_round_trip_atomically_and_bad_files_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load_positions(dir.path()), CanvasLayout::default());
        let layout = CanvasLayout {
            positions: vec![NodePosition {
                id: "fn:resize".into(),
                x: 10.5,
                y: -3.0,
            }],
        };
        save_positions(dir.path(), &layout).unwrap();
        assert_eq!(load_positions(dir.path()), layout);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join(".functory"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, ["canvas.json"], "no temporary file is left");
        std::fs::write(dir.path().join(POSITIONS_FILE), "{ not json").unwrap();
        assert_eq!(load_positions(dir.path()), CanvasLayout::default());
        let bad = CanvasLayout {
            positions: vec![NodePosition {
                id: "fn:a".into(),
                x: f64::NAN,
                y: 0.0,
            }],
        };
        assert_eq!(
            save_positions(dir.path(), &bad).unwrap_err().code,
            ErrorCode::InvalidInput
        );
    }

    #[test]
    fn the_session_checks_and_refuses_trigger_edits_on_the_sample() {
        use crate::session::{LaunchRequest, Session};
        use functory_core::ManifestEdit;
        let dir = tempfile::tempdir().unwrap();
        let session = Session::new(dir.path(), LaunchRequest::Nothing);
        session.open_sample_project().unwrap();
        let route = http("GET", "/resize");
        let check = session.check_trigger("report", None, &route).unwrap();
        assert!(check.has_errors(), "{check:?}");
        let refused = session
            .apply_manifest_edit(&ManifestEdit::AddTrigger {
                function: "report".into(),
                trigger: route,
            })
            .unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidInput);
        assert!(
            refused
                .message
                .starts_with("functions.report.triggers[new].path: GET /resize is already"),
            "{refused:?}"
        );
        // A good one is written, and the file keeps the sample's comments.
        let view = session
            .apply_manifest_edit(&ManifestEdit::AddTrigger {
                function: "report".into(),
                trigger: Trigger::Schedule {
                    expression: "rate(1 minute)".into(),
                    timezone: None,
                },
            })
            .unwrap();
        let report = &view.manifest.manifest.unwrap().functions[1];
        assert_eq!(report.triggers.len(), 2);
        let text = session.read_file("functory.toml").unwrap().text;
        assert!(text.contains("# weekdays at 18:00"), "{text}");
        assert!(
            text.ends_with("\n\n[[functions.report.triggers]]\nkind = \"schedule\"\nexpression = \"rate(1 minute)\"\n"),
            "{text}"
        );
        // The layout round-trips through the session, in the project's .functory folder.
        let layout = CanvasLayout {
            positions: vec![NodePosition {
                id: "fn:report".into(),
                x: 1.0,
                y: 2.0,
            }],
        };
        session.save_canvas_layout(&layout).unwrap();
        assert_eq!(session.canvas_layout().unwrap(), layout);
    }
}
