//! From calls to required permissions, a least-privilege policy, and the comparison with what
//! the manifest grants.

use std::collections::BTreeMap;

use functory_core::iam::{Decision, action_matches, evaluate, resource_covers, resources_meet};
use functory_core::{Permission, PermissionEffect};
use functory_lint::parse::{Node as TomlNode, parse_toml};

use crate::context::location_of;
use crate::model::{
    Comparison, Location, MissingPermission, RequiredPermission, SdkCall, UnusedGrant,
};

pub fn required<'c>(calls: impl IntoIterator<Item = &'c SdkCall>) -> Vec<RequiredPermission> {
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
                    because: None,
                });
            // A call needs it for itself: that outranks any dependency's reason.
            entry.because = None;
            if !entry.locations.contains(&call.location) {
                entry.locations.push(call.location.clone());
            }
        }
        for dependency in &call.dependencies {
            let entry = by_key
                .entry((dependency.action.clone(), dependency.resource.arn.clone()))
                .or_insert_with(|| RequiredPermission {
                    action: dependency.action.clone(),
                    resource: dependency.resource.arn.clone(),
                    reason: dependency.resource.reason.clone(),
                    locations: Vec::new(),
                    because: Some(dependency.why.clone()),
                });
            if !entry.locations.contains(&call.location) {
                entry.locations.push(call.location.clone());
            }
        }
    }
    by_key.into_values().collect()
}

/// Trigger needs (granted by the deploy's role statement) that a Deny of the manifest would
/// cancel: an explicit Deny wins over the deploy's Allow, so the event source mapping fails.
pub fn denied_trigger_needs(
    needs: &[RequiredPermission],
    granted: &[Permission],
) -> Vec<MissingPermission> {
    needs
        .iter()
        .filter_map(|need| match evaluate(granted, &need.action, &need.resource) {
            Decision::Denied { statement } => Some(MissingPermission {
                action: need.action.clone(),
                resource: need.resource.clone(),
                locations: need.locations.clone(),
                why: format!(
                    "the trigger needs it and the deploy grants it, but statement {statement} of the permissions denies it, and a Deny wins"
                ),
            }),
            _ => None,
        })
        .collect()
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
            !all.iter().any(|other| {
                other != r && other.contains('*') && functory_core::iam::arn_matches(other, r)
            })
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

/// functory.toml read once for a whole project's analysis: where each function's handler,
/// permissions, actions and triggers are written. Every function's analysis and findings ask
/// this one parse, so a project of N functions parses its manifest once, not N times.
pub struct ManifestSource<'t> {
    path: &'t str,
    root: Option<TomlNode>,
    index: functory_core::diagnostic::LineIndex<'t>,
}

impl std::fmt::Debug for ManifestSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManifestSource")
            .field("path", &self.path)
            .field("parsed", &self.root.is_some())
            .finish()
    }
}

impl<'t> ManifestSource<'t> {
    pub fn new(text: &'t str, path: &'t str) -> Self {
        ManifestSource {
            path,
            root: parse_toml(text).ok(),
            index: functory_core::diagnostic::LineIndex::new(text),
        }
    }

    pub fn path(&self) -> &str {
        self.path
    }

    pub fn index(&self) -> &functory_core::diagnostic::LineIndex<'t> {
        &self.index
    }

    fn function(&self, name: &str) -> Option<&TomlNode> {
        self.root.as_ref()?.get("functions")?.get(name)
    }

    fn location(&self, start: usize, end: usize) -> Location {
        location_of(&self.index, self.path, start, end)
    }

    /// Where each statement's actions are written: statement → action → location.
    pub fn action_locations(&self, function: &str) -> Vec<Vec<Option<Location>>> {
        let Some(statements) = self
            .function(function)
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
                            .map(|a| Some(self.location(a.span.start, a.span.end)))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect()
    }

    /// Where the function's `handler` value is written.
    pub fn handler_location(&self, function: &str) -> Option<Location> {
        let handler = self.function(function)?.get("handler")?;
        Some(self.location(handler.span.start, handler.span.end))
    }

    /// Where `[functions.NAME]` (or the function's `permissions`) is written.
    pub fn permissions_location(&self, function: &str) -> Option<Location> {
        let table = self.root.as_ref()?.get("functions")?.member(function)?;
        let span = table
            .value
            .member("permissions")
            .map_or(table.key_span, |m| m.key_span);
        Some(self.location(span.start, span.end))
    }

    /// Where each of the function's triggers is written, in order.
    pub fn trigger_locations(&self, function: &str) -> Vec<Location> {
        self.function(function)
            .and_then(|f| f.get("triggers"))
            .and_then(TomlNode::as_array)
            .map(|triggers| {
                triggers
                    .iter()
                    .map(|t| self.location(t.span.start, t.span.end))
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub fn compare(
    required: &[RequiredPermission],
    granted: &[Permission],
    locations: &[Vec<Option<Location>>],
) -> Comparison {
    let mut missing = Vec::new();
    for need in required {
        // A dependency says why the call needs it besides its own action.
        let because = need
            .because
            .as_ref()
            .map(|b| format!("; the call needs it because {b}"))
            .unwrap_or_default();
        let matches_action =
            |p: &Permission| p.actions.iter().any(|a| action_matches(a, &need.action));
        let denied = granted.iter().find(|p| {
            p.effect == PermissionEffect::Deny
                && matches_action(p)
                && p.resources
                    .iter()
                    .any(|r| resources_meet(r, &need.resource))
        });
        if let Some(deny) = denied {
            missing.push(MissingPermission {
                action: need.action.clone(),
                resource: need.resource.clone(),
                locations: need.locations.clone(),
                why: format!(
                    "denied by the Deny statement on {}{because}",
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
                why: format!("no statement grants {}{because}", need.action),
            });
        } else if !allows.iter().any(|p| {
            p.resources
                .iter()
                .any(|r| resource_covers(r, &need.resource))
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
                    "{} is granted only on {}, not on {}{because}",
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
                .filter(|need| action_matches(action, &need.action))
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
                    granted_by_deploy: None,
                });
            }
        }
    }
    Comparison { missing, unused }
}

/// What the function's own role needs for its triggers (`functory_core::trigger_needs`, the
/// answer the AWS deploy writes): Lambda's event source mappings poll queues and streams with
/// the function's role. They are shown with the calls, as `SdkFlavor::Trigger`, but they are
/// not the manifest's to grant: the deploy adds them to the role, so they are left out of the
/// generated policy and counted missing only when a Deny of the manifest would cancel them.
pub fn trigger_needs(
    function: &functory_core::Function,
    manifest: Option<&ManifestSource<'_>>,
) -> Vec<SdkCall> {
    use crate::model::{ResourceGuess, SdkFlavor};
    use functory_core::trigger_needs::{ArnScope, trigger_needs as needs_of};

    let spans: Vec<Location> = manifest
        .map(|m| m.trigger_locations(&function.name))
        .unwrap_or_default();
    let scope = ArnScope::default();
    let mut out = Vec::new();
    for (i, trigger) in function.triggers.iter().enumerate() {
        let Some(role) = needs_of(&function.name, trigger, &scope).role else {
            continue;
        };
        let code = match trigger {
            functory_core::Trigger::Queue { queue, .. } => format!("queue trigger `{queue}`"),
            functory_core::Trigger::Stream { stream, .. } => format!("stream trigger `{stream}`"),
            _ => "trigger".to_owned(),
        };
        let service = role
            .actions
            .first()
            .and_then(|a| a.split_once(':'))
            .map_or("lambda", |(service, _)| service)
            .to_owned();
        let location = spans.get(i).cloned().unwrap_or_else(|| Location {
            file: manifest.map_or("functory.toml", |m| m.path()).to_owned(),
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
            service,
            operation: "EventSourceMapping".to_owned(),
            code,
            resources: role
                .actions
                .iter()
                .map(|_| ResourceGuess {
                    arn: role.resource.clone(),
                    reason: "the trigger's event source mapping polls with the function's role"
                        .to_owned(),
                })
                .collect(),
            actions: role.actions,
            note: Some(format!(
                "granted by the deploy: Functory adds the role statement `{}` for this trigger",
                role.sid
            )),
            dependencies: Vec::new(),
        });
    }
    out
}
