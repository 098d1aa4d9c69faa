use crate::finding::{Applicability, Finding, Fix, Severity};
use crate::policy::PolicyKind;
use crate::rules::{Check, PolicyContext, honour_denies_and_conditions};

declare_rule! {
    /// ## What it checks
    /// Identity policies with an Allow of every action (`"*"` or `"*:*"`) on every resource:
    /// administrator access.
    ///
    /// ## Why it matters
    /// Whoever holds this policy, and any code running with it (a function with a bug, a
    /// dependency with a backdoor, an attacker with its credentials), can read every secret,
    /// delete every resource and create new administrators. Functions never need it.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// List the actions the function calls on the resources it uses (Functory's code analysis
    /// derives them from the handler). A Deny or a restricting condition lowers the finding;
    /// an unconditional Deny of everything removes it.
    ///
    /// ## References
    /// - AWS IAM User Guide: Security best practices in IAM (apply least-privilege permissions)
    /// - CIS AWS Foundations Benchmark: IAM policies that allow full "*:*" administrative privileges
    pub static RULE = Rule {
        code: "IAM201",
        name: "full-admin",
        summary: "Allow of every action on every resource",
        severity: Severity::Critical,
        fix: Some(Applicability::DisplayOnly),
        check: Check::Policy(check),
    };
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    if ctx.document.kind != PolicyKind::Identity {
        return;
    }
    for statement in ctx.document.allows() {
        let Some(action) = statement.action else {
            continue;
        };
        if action.negated || !statement.applies_to_all_resources() {
            continue;
        }
        let Some((_, node)) = statement
            .actions()
            .into_iter()
            .find(|(a, _)| *a == "*" || *a == "*:*")
        else {
            continue;
        };
        let finding = RULE
            .finding(
                node.span,
                format!(
                    "{} allows every action on every resource (administrator access)",
                    statement.name()
                ),
            )
            .with_fix(Fix::new(
                Applicability::DisplayOnly,
                "list only the actions and resources the function uses",
                Vec::new(),
            ));
        if let Some(finding) =
            honour_denies_and_conditions(ctx.document, statement, "iam:CreateUser", finding)
        {
            out.push(finding);
        }
    }
}
