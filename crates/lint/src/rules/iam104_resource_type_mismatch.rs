use crate::finding::{Finding, Severity};
use crate::rules::{Check, PolicyContext, iam103_invalid_arn::arn_problem};

declare_rule! {
    /// ## What it checks
    /// ARNs in a statement's `Resource` that none of the statement's actions can apply to,
    /// judged by the resource types and ARN formats of the IAM catalogue. The classic case:
    /// `s3:ListBucket` on `arn:aws:s3:::photos/*` (an object ARN; ListBucket needs the bucket
    /// ARN `arn:aws:s3:::photos`), or `s3:GetObject` on the bucket ARN.
    ///
    /// ## Why it matters
    /// The statement grants nothing for that ARN. The function fails with AccessDenied, and
    /// the usual "fix" under time pressure is `"Resource": "*"`.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::photos/*"}]}
    /// ```
    ///
    /// ## Fix
    /// Use the ARN of the resource type the action works on (`arn:aws:s3:::photos` for
    /// ListBucket), or split the statement: bucket actions on the bucket, object actions on
    /// `bucket/*`. Statements with wildcard actions, NotAction or unknown actions are not
    /// judged.
    ///
    /// ## References
    /// - AWS Service Authorization Reference: resource types of each service
    /// - AWS IAM User Guide: IAM JSON policy elements: Resource
    pub static RULE = Rule {
        code: "IAM104",
        name: "resource-type-mismatch",
        summary: "A resource ARN that none of the statement's actions apply to",
        severity: Severity::Medium,
        fix: None,
        check: Check::Policy(check),
    };
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    for statement in &ctx.document.statements {
        let (Some(action), Some(resource)) = (statement.action, statement.resource) else {
            continue;
        };
        if action.negated || resource.negated {
            continue;
        }
        let names = statement.actions();
        if names.is_empty() || names.len() != action.values().len() {
            continue;
        }
        let mut actions = Vec::new();
        for (name, _) in &names {
            if name.contains(['*', '?']) {
                actions.clear();
                break;
            }
            match ctx.expand(name).first() {
                Some(&found) => actions.push(found),
                None => {
                    actions.clear();
                    break;
                }
            }
        }
        if actions.is_empty() {
            continue;
        }
        for (arn, node) in statement.resources() {
            if arn == "*" || !arn.starts_with("arn:") || arn_problem(arn).is_some() {
                continue;
            }
            let applies = actions.iter().any(|(service, action)| {
                service
                    .resource_types_of(action)
                    .any(|t| t.could_match(arn))
            });
            if applies {
                continue;
            }
            let expected: Vec<String> = actions
                .iter()
                .take(3)
                .map(|(service, action)| {
                    let types: Vec<String> = service
                        .resource_types_of(action)
                        .take(2)
                        .map(|t| format!("{} `{}`", t.name, t.arn_format))
                        .collect();
                    if types.is_empty() {
                        format!("{}:{} takes only \"*\"", service.prefix, action.name)
                    } else {
                        format!(
                            "{}:{} takes {}",
                            service.prefix,
                            action.name,
                            types.join(" or ")
                        )
                    }
                })
                .collect();
            out.push(RULE.finding(
                node.span,
                format!(
                    "no action of {} applies to `{arn}`: {}",
                    statement.name(),
                    expected.join("; ")
                ),
            ));
        }
    }
}
