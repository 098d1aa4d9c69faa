use crate::finding::{Applicability, Finding, Fix, Severity};
use crate::policy::PolicyKind;
use crate::rules::{Check, PolicyContext, honour_denies_and_conditions};

declare_rule! {
    /// ## What it checks
    /// Allowed actions that name a whole service (`s3:*`, `dynamodb:*`). Services that hand
    /// out identities, keys or secrets (`iam`, `sts`, `kms`, `secretsmanager`, `ssm`,
    /// `organizations`, `lambda`, `ec2`, `cloudformation`) are high severity; on named
    /// resources instead of `*` the finding is one step lower.
    ///
    /// ## Why it matters
    /// A service wildcard grants today's delete, policy and configuration actions and every
    /// action the service adds tomorrow. `s3:*` includes `s3:PutBucketPolicy` (make a bucket
    /// public) and `s3:DeleteBucket`; `lambda:*` includes replacing any function's code.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// List the actions the code calls (`dynamodb:GetItem`, `dynamodb:PutItem`). Use
    /// `functory lint --explain IAM202` for this text; the function's code analysis derives the
    /// list.
    ///
    /// ## References
    /// - AWS IAM User Guide: Security best practices in IAM (apply least-privilege permissions)
    /// - AWS IAM User Guide: IAM JSON policy elements: Action
    pub static RULE = Rule {
        code: "IAM202",
        name: "service-wildcard",
        summary: "Allow of every action of a service (service:*)",
        severity: Severity::Medium,
        fix: Some(Applicability::DisplayOnly),
        check: Check::Policy(check),
    };
}

const SENSITIVE: &[&str] = &[
    "iam",
    "sts",
    "kms",
    "secretsmanager",
    "ssm",
    "organizations",
    "lambda",
    "ec2",
    "cloudformation",
    "sso",
];

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    if ctx.document.kind != PolicyKind::Identity {
        return;
    }
    for statement in ctx.document.allows() {
        if statement.action.is_none_or(|a| a.negated) {
            continue;
        }
        for (action, node) in statement.actions() {
            let Some((prefix, name)) = action.split_once(':') else {
                continue;
            };
            if name.is_empty() || !name.chars().all(|c| c == '*') || prefix.contains('*') {
                continue;
            }
            let Some(service) = ctx.catalogue.service(prefix) else {
                continue;
            };
            let count = service.actions.len();
            let severity = if SENSITIVE.contains(&service.prefix.as_str()) {
                Severity::High
            } else {
                Severity::Medium
            };
            let mut finding = RULE
                .finding(
                    node.span,
                    format!("`{action}` allows all {count} actions of {}", service.name),
                )
                .with_severity(severity)
                .with_fix(Fix::new(
                    Applicability::DisplayOnly,
                    format!("list the {} actions the function calls", service.prefix),
                    Vec::new(),
                ));
            if !statement.applies_to_all_resources() {
                finding = finding.lowered("lowered: limited to the listed resources");
            }
            if let Some(finding) =
                honour_denies_and_conditions(ctx.document, statement, action, finding)
            {
                out.push(finding);
            }
        }
    }
}
