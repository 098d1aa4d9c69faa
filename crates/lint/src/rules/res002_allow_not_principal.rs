use crate::finding::{Finding, Severity};
use crate::policy::PolicyKind;
use crate::rules::{Check, PolicyContext};

declare_rule! {
    /// ## What it checks
    /// Allow statements in resource or trust policies that use `NotPrincipal`.
    ///
    /// ## Why it matters
    /// `"Effect": "Allow", "NotPrincipal": {…}` allows every principal except those listed:
    /// every AWS account and anonymous callers included. AWS documents it as a pattern to
    /// avoid with Allow.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"},
    ///   "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:123456789012:orders"}]}
    /// ```
    ///
    /// ## Fix
    /// Allow a `Principal` list; to exclude someone, add a Deny statement for them.
    ///
    /// ## References
    /// - AWS IAM User Guide: IAM JSON policy elements: NotPrincipal
    pub static RULE = Rule {
        code: "RES002",
        name: "allow-not-principal",
        summary: "Allow with NotPrincipal",
        severity: Severity::High,
        fix: None,
        check: Check::Policy(check),
    };
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    if ctx.document.kind == PolicyKind::Identity {
        return;
    }
    for statement in ctx.document.allows() {
        if let Some(principal) = statement.principal.filter(|p| p.negated) {
            let mut finding = RULE.finding(
                principal.key_span,
                format!(
                    "{}: Allow with NotPrincipal allows everyone except the principals listed",
                    statement.name()
                ),
            );
            if let Some(key) =
                statement.restricted_by(crate::rules::res001_public_access::PRINCIPAL_KEYS)
            {
                finding = finding.lowered(format!(
                    "lowered: the statement is restricted by the condition key `{key}`"
                ));
            }
            out.push(finding);
        }
    }
}
