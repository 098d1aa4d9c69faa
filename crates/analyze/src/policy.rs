//! From calls to required permissions, a least-privilege policy, and the comparison with what
//! the manifest grants.

use std::collections::BTreeMap;

use functory_core::{Permission, PermissionEffect};
use functory_lint::parse::{Node as TomlNode, parse_toml};

use crate::context::location_of;
use crate::model::{
    Comparison, Location, MissingPermission, RequiredPermission, SdkCall, UnusedGrant,
};

pub fn required(calls: &[SdkCall]) -> Vec<RequiredPermission> {
    let mut by_key: BTreeMap<(String, String), RequiredPermission> = BTreeMap::new();
    for call in calls {
        for (action, resource) in call.actions.iter().zip(&call.resources) {
            let entry = by_key
                .entry((action.clone(), resource.arn.clone()))
                .or_insert_with(|| RequiredPermission {
                    action: action.clone(),
                    resource: resource.arn.clone(),
                    reason: resource.reason.clone(),
                    locations: Vec::new(),
                });
            if !entry.locations.contains(&call.location) {
                entry.locations.push(call.location.clone());
            }
        }
    }
    by_key.into_values().collect()
}

/// Statements grouped by resources: actions needing the same resources share one statement.
/// A specific resource makes `*` for the same action redundant, so `*` is dropped then.
pub fn generate(required: &[RequiredPermission]) -> Vec<Permission> {
    let mut resources_of: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for r in required {
        resources_of
            .entry(&r.action)
            .or_default()
            .push(r.resource.clone());
    }
    let mut groups: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for (action, mut resources) in resources_of {
        resources.sort();
        resources.dedup();
        if resources.iter().any(|r| r == "*") {
            resources = vec!["*".to_owned()];
        }
        // `bucket/thumbnails/latest` adds nothing next to `bucket/thumbnails/*`.
        let all = resources.clone();
        resources.retain(|r| {
            !all.iter()
                .any(|other| other != r && other.contains('*') && wildcard_match(other, r, false))
        });
        groups.entry(resources).or_default().push(action.to_owned());
    }
    groups
        .into_iter()
        .map(|(resources, actions)| Permission {
            effect: PermissionEffect::Allow,
            actions,
            resources,
        })
        .collect()
}

/// `*` and `?` wildcards, case-insensitive (IAM actions are).
pub fn wildcard_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = if ignore_case {
        (
            pattern.to_lowercase().chars().collect(),
            text.to_lowercase().chars().collect(),
        )
    } else {
        (pattern.chars().collect(), text.chars().collect())
    };
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

fn covers_resource(granted: &str, required: &str) -> bool {
    // An unknown resource (`*`) is needed "somewhere": any grant of the action may cover it.
    required == "*" || wildcard_match(granted, required, false)
}

/// Where each statement's actions are written in the manifest: statement → action → location.
pub fn action_locations(
    manifest_text: &str,
    manifest_path: &str,
    function: &str,
) -> Vec<Vec<Option<Location>>> {
    let Ok(root) = parse_toml(manifest_text) else {
        return Vec::new();
    };
    let index = functory_core::diagnostic::LineIndex::new(manifest_text);
    let Some(statements) = root
        .get("functions")
        .and_then(|f| f.get(function))
        .and_then(|f| f.get("permissions"))
        .and_then(TomlNode::as_array)
    else {
        return Vec::new();
    };
    statements
        .iter()
        .map(|statement| {
            statement
                .get("actions")
                .and_then(TomlNode::as_array)
                .map(|actions| {
                    actions
                        .iter()
                        .map(|a| Some(location_of(&index, manifest_path, a.span.start, a.span.end)))
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect()
}

/// Where the function's `handler` value is written in the manifest.
pub fn handler_location(
    manifest_text: &str,
    manifest_path: &str,
    function: &str,
) -> Option<Location> {
    let root = parse_toml(manifest_text).ok()?;
    let handler = root.get("functions")?.get(function)?.get("handler")?;
    let index = functory_core::diagnostic::LineIndex::new(manifest_text);
    Some(location_of(
        &index,
        manifest_path,
        handler.span.start,
        handler.span.end,
    ))
}

/// Where `[functions.NAME]` (or the function's `permissions`) is written.
pub fn permissions_location(
    manifest_text: &str,
    manifest_path: &str,
    function: &str,
) -> Option<Location> {
    let root = parse_toml(manifest_text).ok()?;
    let table = root.get("functions")?.member(function)?;
    let index = functory_core::diagnostic::LineIndex::new(manifest_text);
    let span = table
        .value
        .member("permissions")
        .map_or(table.key_span, |m| m.key_span);
    Some(location_of(&index, manifest_path, span.start, span.end))
}

pub fn compare(
    required: &[RequiredPermission],
    granted: &[Permission],
    locations: &[Vec<Option<Location>>],
) -> Comparison {
    let mut missing = Vec::new();
    for need in required {
        let matches_action = |p: &Permission| {
            p.actions
                .iter()
                .any(|a| wildcard_match(a, &need.action, true))
        };
        let denied = granted.iter().find(|p| {
            p.effect == PermissionEffect::Deny
                && matches_action(p)
                && p.resources.iter().any(|r| {
                    wildcard_match(r, &need.resource, false)
                        || wildcard_match(&need.resource, r, false)
                })
        });
        if let Some(deny) = denied {
            missing.push(MissingPermission {
                action: need.action.clone(),
                resource: need.resource.clone(),
                locations: need.locations.clone(),
                why: format!(
                    "denied by the Deny statement on {}",
                    deny.resources.join(", ")
                ),
            });
            continue;
        }
        let allows: Vec<&Permission> = granted
            .iter()
            .filter(|p| p.effect == PermissionEffect::Allow && matches_action(p))
            .collect();
        if allows.is_empty() {
            missing.push(MissingPermission {
                action: need.action.clone(),
                resource: need.resource.clone(),
                locations: need.locations.clone(),
                why: format!("no statement grants {}", need.action),
            });
        } else if !allows.iter().any(|p| {
            p.resources
                .iter()
                .any(|r| covers_resource(r, &need.resource))
        }) {
            let on: Vec<&str> = allows
                .iter()
                .flat_map(|p| p.resources.iter().map(String::as_str))
                .collect();
            missing.push(MissingPermission {
                action: need.action.clone(),
                resource: need.resource.clone(),
                locations: need.locations.clone(),
                why: format!(
                    "{} is granted only on {}, not on {}",
                    need.action,
                    on.join(", "),
                    need.resource
                ),
            });
        }
    }
    let mut unused = Vec::new();
    for (i, statement) in granted.iter().enumerate() {
        if statement.effect != PermissionEffect::Allow {
            continue;
        }
        for (j, action) in statement.actions.iter().enumerate() {
            let mut needed: Vec<String> = required
                .iter()
                .filter(|need| wildcard_match(action, &need.action, true))
                .map(|need| need.action.clone())
                .collect();
            needed.sort();
            needed.dedup();
            // A wildcard that grants many actions for the few the code uses is over-privilege
            // too; the catalogue says how many it stands for.
            let granted_count = if action.contains(['*', '?']) {
                functory_lint::Catalogue::get().expand(action).len()
            } else {
                1
            };
            if needed.is_empty() || granted_count > needed.len() {
                unused.push(UnusedGrant {
                    statement: u32::try_from(i).unwrap_or(u32::MAX),
                    action: action.clone(),
                    resources: statement.resources.clone(),
                    location: locations.get(i).and_then(|s| s.get(j)).cloned().flatten(),
                    needed,
                    granted_count: u32::try_from(granted_count).unwrap_or(u32::MAX),
                });
            }
        }
    }
    Comparison { missing, unused }
}

/// What the function's own role needs for its triggers: Lambda's event source mappings poll
/// queues and streams with the function's role, so those reads are required even though no
/// line of code makes them.
pub fn trigger_needs(
    function: &functory_core::Function,
    manifest: Option<(&str, &str)>,
) -> Vec<SdkCall> {
    use crate::model::{ResourceGuess, SdkFlavor};
    use functory_core::Trigger;

    let spans: Vec<Location> = manifest
        .and_then(|(text, path)| {
            let root = parse_toml(text).ok()?;
            let triggers = root
                .get("functions")?
                .get(&function.name)?
                .get("triggers")?
                .as_array()?
                .to_vec();
            let index = functory_core::diagnostic::LineIndex::new(text);
            Some(
                triggers
                    .iter()
                    .map(|t| location_of(&index, path, t.span.start, t.span.end))
                    .collect(),
            )
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for (i, trigger) in function.triggers.iter().enumerate() {
        let (service, code, actions, arn): (&str, String, &[&str], String) = match trigger {
            Trigger::Queue { queue, .. } => {
                let arn = if queue.starts_with("arn:") {
                    queue.clone()
                } else {
                    let name = queue
                        .trim_end_matches('/')
                        .rsplit('/')
                        .next()
                        .unwrap_or(queue);
                    format!("arn:aws:sqs:*:*:{name}")
                };
                (
                    "sqs",
                    format!("queue trigger `{queue}`"),
                    &[
                        "sqs:ReceiveMessage",
                        "sqs:DeleteMessage",
                        "sqs:GetQueueAttributes",
                    ],
                    arn,
                )
            }
            Trigger::Stream { stream, .. } if stream.contains(":dynamodb:") => (
                "dynamodb",
                format!("stream trigger `{stream}`"),
                &[
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                    "dynamodb:DescribeStream",
                ],
                stream.clone(),
            ),
            Trigger::Stream { stream, .. } => (
                "kinesis",
                format!("stream trigger `{stream}`"),
                &[
                    "kinesis:GetRecords",
                    "kinesis:GetShardIterator",
                    "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary",
                    "kinesis:ListShards",
                ],
                if stream.starts_with("arn:") {
                    stream.clone()
                } else {
                    format!("arn:aws:kinesis:*:*:stream/{stream}")
                },
            ),
            _ => continue,
        };
        let location = spans.get(i).cloned().unwrap_or_else(|| Location {
            file: manifest.map_or("functory.toml", |(_, p)| p).to_owned(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            start: 0,
            end: 0,
        });
        out.push(SdkCall {
            location,
            flavor: SdkFlavor::Trigger,
            service: service.to_owned(),
            operation: "EventSourceMapping".to_owned(),
            code,
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
            resources: actions
                .iter()
                .map(|_| ResourceGuess {
                    arn: arn.clone(),
                    reason: "the trigger's event source mapping polls with the function's role"
                        .to_owned(),
                })
                .collect(),
            note: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("s3:Get*", "s3:GetObject", true));
        assert!(wildcard_match("S3:getobject", "s3:GetObject", true));
        assert!(wildcard_match(
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b/thumbs/*",
            false
        ));
        assert!(!wildcard_match("arn:aws:s3:::b", "arn:aws:s3:::b/*", false));
        assert!(wildcard_match("*", "anything", false));
    }
}
