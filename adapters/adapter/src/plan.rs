//! Deploy plans: what a deploy will change, computed before anything changes, and the progress
//! of applying it.
//!
//! A plan lists every resource the deploy touches (the function's code and configuration, its
//! role and permissions, the version, the stage alias, each trigger) with the action and the
//! exact API calls the action makes, so the user confirms what will happen and a test can count
//! that nothing else happened.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ChangeAction {
    Create,
    Update,
    Delete,
    NoOp,
}

impl fmt::Display for ChangeAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChangeAction::Create => "create",
            ChangeAction::Update => "update",
            ChangeAction::Delete => "delete",
            ChangeAction::NoOp => "no change",
        })
    }
}

/// What kind of thing a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ResourceKind {
    Function,
    Code,
    Configuration,
    Role,
    Permission,
    Version,
    Alias,
    Trigger,
    /// An HTTP API and what it shares between functions (stage, authorizers, integrations).
    Api,
    /// A declared resource (`[resources.NAME]`) of the project.
    Bucket,
    Queue,
    Table,
    Topic,
    Bus,
}

impl From<functory_core::ResourceKind> for ResourceKind {
    fn from(kind: functory_core::ResourceKind) -> Self {
        match kind {
            functory_core::ResourceKind::Bucket => ResourceKind::Bucket,
            functory_core::ResourceKind::Queue => ResourceKind::Queue,
            functory_core::ResourceKind::Table => ResourceKind::Table,
            functory_core::ResourceKind::Topic => ResourceKind::Topic,
            functory_core::ResourceKind::Bus => ResourceKind::Bus,
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResourceKind::Function => "function",
            ResourceKind::Code => "code",
            ResourceKind::Configuration => "configuration",
            ResourceKind::Role => "role",
            ResourceKind::Permission => "permission",
            ResourceKind::Version => "version",
            ResourceKind::Alias => "alias",
            ResourceKind::Trigger => "trigger",
            ResourceKind::Api => "api",
            ResourceKind::Bucket => "bucket",
            ResourceKind::Queue => "queue",
            ResourceKind::Table => "table",
            ResourceKind::Topic => "topic",
            ResourceKind::Bus => "bus",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedChange {
    pub kind: ResourceKind,
    /// The resource's name as the provider knows it (`resize`, `functory-thumbs-resize`,
    /// `prod`, `schedule rate(5 minutes)`).
    pub name: String,
    pub action: ChangeAction,
    /// What differs, one line each ("memory 128 → 256 MB"); never a secret value.
    pub details: Vec<String>,
    /// The provider API calls this change makes, in order (`UpdateFunctionCode`). Empty for
    /// no-ops.
    pub calls: Vec<String>,
}

/// A planned change of `kind` to `name`, making `calls` in order: the one constructor every
/// adapter's planner uses (`use functory_adapter::plan::planned_change as change`).
pub fn planned_change(
    kind: ResourceKind,
    name: &str,
    action: ChangeAction,
    details: Vec<String>,
    calls: &[&str],
) -> PlannedChange {
    PlannedChange {
        kind,
        name: name.to_owned(),
        action,
        details,
        calls: calls.iter().map(|c| (*c).to_owned()).collect(),
    }
}

impl PlannedChange {
    pub fn no_op(kind: ResourceKind, name: impl Into<String>) -> Self {
        PlannedChange {
            kind,
            name: name.into(),
            action: ChangeAction::NoOp,
            details: Vec::new(),
            calls: Vec::new(),
        }
    }
}

/// Everything one function's deploy to one target will do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployPlan {
    pub function: String,
    /// The stage alias the deploy moves (the target's name), if any.
    pub stage: Option<String>,
    /// The digest of the package that would be deployed.
    pub code_sha256: String,
    pub package_bytes: u64,
    pub changes: Vec<PlannedChange>,
    /// Where the function answers HTTP once deployed (its HTTP API's routes), when known.
    pub endpoints: Vec<String>,
    /// The version the stage serves now, when the adapter read it: a plan with no change and
    /// this version needs no deploy call at all, the stage already serves what it would.
    pub serving: Option<String>,
}

impl DeployPlan {
    /// Every API call the plan makes, in order.
    pub fn calls(&self) -> Vec<String> {
        self.changes
            .iter()
            .flat_map(|c| c.calls.iter().cloned())
            .collect()
    }

    /// Nothing to do: a redeploy of what is already deployed.
    pub fn is_no_op(&self) -> bool {
        self.changes.iter().all(|c| c.action == ChangeAction::NoOp)
    }

    /// The changes that do something.
    pub fn effective(&self) -> impl Iterator<Item = &PlannedChange> {
        self.changes
            .iter()
            .filter(|c| c.action != ChangeAction::NoOp)
    }
}

impl fmt::Display for DeployPlan {
    /// One line per change, as `functory deploy --plan` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for change in &self.changes {
            let sign = match change.action {
                ChangeAction::Create => "+",
                ChangeAction::Update => "~",
                ChangeAction::Delete => "-",
                ChangeAction::NoOp => "=",
            };
            write!(
                f,
                "  {sign} {} {}: {}",
                change.kind, change.name, change.action
            )?;
            if !change.details.is_empty() {
                write!(f, " ({})", change.details.join("; "))?;
            }
            if !change.calls.is_empty() {
                write!(f, " [{}]", change.calls.join(", "))?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// One step of a deploy in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployProgress {
    pub function: String,
    /// 1-based index of the current step.
    pub step: usize,
    pub steps: usize,
    /// What is happening ("uploading code (1.2 MB)", "waiting for the update to finish").
    pub label: String,
    pub elapsed_ms: u64,
}

/// Where a deploy reports its progress.
#[derive(Clone)]
pub struct ProgressSink(Arc<dyn Fn(DeployProgress) + Send + Sync>);

impl ProgressSink {
    pub fn new(report: impl Fn(DeployProgress) + Send + Sync + 'static) -> Self {
        ProgressSink(Arc::new(report))
    }

    pub fn report(&self, progress: DeployProgress) {
        (self.0)(progress);
    }
}

impl fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressSink")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_lists_calls_in_order_and_prints_one_line_per_change() {
        let plan = DeployPlan {
            function: "resize".into(),
            stage: Some("prod".into()),
            code_sha256: "abc".into(),
            package_bytes: 10,
            changes: vec![
                PlannedChange::no_op(ResourceKind::Role, "functory-x-resize"),
                PlannedChange {
                    kind: ResourceKind::Code,
                    name: "resize".into(),
                    action: ChangeAction::Update,
                    details: vec!["new code".into()],
                    calls: vec!["UpdateFunctionCode".into()],
                },
                PlannedChange {
                    kind: ResourceKind::Alias,
                    name: "prod".into(),
                    action: ChangeAction::Update,
                    details: vec![],
                    calls: vec!["PublishVersion".into(), "UpdateAlias".into()],
                },
            ],
            endpoints: Vec::new(),
            serving: None,
        };
        assert_eq!(
            plan.calls(),
            ["UpdateFunctionCode", "PublishVersion", "UpdateAlias"]
        );
        assert!(!plan.is_no_op());
        assert_eq!(plan.effective().count(), 2);
        let text = plan.to_string();
        assert_eq!(text.lines().count(), 3);
        assert!(
            text.contains("~ code resize: update (new code) [UpdateFunctionCode]"),
            "{text}"
        );
        assert!(
            text.contains("= role functory-x-resize: no change"),
            "{text}"
        );
    }
}
