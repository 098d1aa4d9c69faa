use crate::finding::{Applicability, Finding, Fix, Severity};
use crate::policy::{Dialect, PolicyKind};
use crate::rules::{Check, PolicyContext};

declare_rule! {
    /// ## What it checks
    /// Allow statements that use `NotAction` or `NotResource` in identity policies.
    ///
    /// ## Why it matters
    /// `"Effect": "Allow", "NotAction": "iam:*"` allows every other action of every service,
    /// including the ones AWS launches next year; `NotResource` allows every resource but a
    /// few, including resources created later. Such statements almost always grant far more
    /// than intended. (With Deny they are a sound pattern and are not reported.)
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Allow a list of actions and resources, and express exceptions as a separate Deny
    /// statement. A restricting condition lowers the finding.
    ///
    /// ## References
    /// - AWS IAM User Guide: IAM JSON policy elements: NotAction
    /// - AWS IAM User Guide: IAM JSON policy elements: NotResource
    pub static RULE = Rule {
        code: "IAM204",
        name: "allow-with-negation",
        summary: "Allow with NotAction or NotResource",
        severity: Severity::High,
        fix: Some(Applicability::DisplayOnly),
        check: Check::Policy(check),
    };
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    if ctx.document.kind != PolicyKind::Identity || ctx.document.dialect != Dialect::Iam {
        return;
    }
    for statement in ctx.document.allows() {
        for element in [statement.action, statement.resource].into_iter().flatten() {
            if !element.negated {
                continue;
            }
            let what = if element.key == "NotAction" {
                "every action except these"
            } else {
                "every resource except these"
            };
            let mut finding = RULE
                .finding(
                    element.key_span,
                    format!(
                        "{}: Allow with {} grants {what}",
                        statement.name(),
                        element.key
                    ),
                )
                .with_fix(Fix::new(
                    Applicability::DisplayOnly,
                    format!(
                        "allow an explicit list and put the exceptions in a Deny with {}",
                        element.key.trim_start_matches("Not")
                    ),
                    Vec::new(),
                ));
            if let Some(key) = statement.restricting_condition_keys().first() {
                finding = finding.lowered(format!(
                    "lowered: the statement is restricted by the condition key `{key}`"
                ));
            }
            out.push(finding);
        }
    }
}
