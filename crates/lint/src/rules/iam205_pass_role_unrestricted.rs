use crate::finding::{Finding, Severity};
use crate::policy::{PolicyKind, wildcard_match};
use crate::rules::{Check, PolicyContext};

declare_rule! {
    /// ## What it checks
    /// Allows of `iam:PassRole` (named, or through `iam:*`, `iam:Pass*`) on every role
    /// (`"Resource": "*"`), or without an `iam:PassedToService` condition naming the service
    /// that may receive the role.
    ///
    /// ## Why it matters
    /// Passing a role hands its permissions to a service: with PassRole on `*` and the right
    /// to create a Lambda function, EC2 instance or Glue job, a principal runs code as the most
    /// privileged role in the account. It is the first step of most privilege escalations.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Name the roles and the service:
    /// ```json
    /// {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/app-worker",
    ///  "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}
    /// ```
    ///
    /// ## References
    /// - AWS IAM User Guide: Granting a user permissions to pass a role to an AWS service
    /// - AWS IAM User Guide: IAM condition keys: iam:PassedToService
    pub static RULE = Rule {
        code: "IAM205",
        name: "pass-role-unrestricted",
        summary: "iam:PassRole on every role or without iam:PassedToService",
        severity: Severity::High,
        fix: None,
        check: Check::Policy(check),
    };
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    if ctx.document.kind != PolicyKind::Identity
        || ctx.document.unconditional_deny_of("iam:PassRole").is_some()
    {
        return;
    }
    for statement in ctx.document.allows() {
        if statement.action.is_none_or(|a| a.negated) {
            continue;
        }
        // `*` is IAM201's finding; here only patterns that name IAM.
        let Some((_, node)) = statement
            .actions()
            .into_iter()
            .find(|(a, _)| *a != "*" && *a != "*:*" && wildcard_match(a, "iam:PassRole"))
        else {
            continue;
        };
        let passed_to_service = statement.restricted_by(&["iam:passedtoservice"]).is_some();
        let on_every_role = statement.applies_to_all_resources();
        let finding = match (on_every_role, passed_to_service) {
            (true, false) => RULE.finding(
                node.span,
                format!(
                    "{} lets any role be passed to any service",
                    statement.name()
                ),
            ),
            (true, true) => RULE
                .finding(
                    node.span,
                    format!(
                        "{} lets any role be passed (to the services iam:PassedToService names)",
                        statement.name()
                    ),
                )
                .with_severity(Severity::Low),
            (false, false) => RULE
                .finding(
                    node.span,
                    format!(
                        "{} passes roles without an iam:PassedToService condition",
                        statement.name()
                    ),
                )
                .with_severity(Severity::Low),
            (false, true) => continue,
        };
        let finding = match ctx.document.partial_deny_of("iam:PassRole") {
            Some(deny) => finding.lowered(format!(
                "lowered: {} denies it under a condition or on some resources",
                deny.name()
            )),
            None => finding,
        };
        out.push(finding);
    }
}
