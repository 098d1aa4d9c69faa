use crate::finding::{Applicability, Finding, Fix, Severity};
use crate::rules::{Check, PolicyContext, scalar_text};

declare_rule! {
    /// ## What it checks
    /// Actions whose service prefix (the part before `:`) is not an AWS service in the IAM
    /// catalogue, with the nearest real prefix as a suggestion: `s3:GetObject` is known,
    /// `s4:GetObject` and `dynamo:GetItem` are not.
    ///
    /// ## Why it matters
    /// IAM accepts the policy but the statement grants (or, in a Deny, blocks) nothing. A
    /// misspelt Deny is a guard rail that silently is not there; a misspelt Allow is a broken
    /// function found only in production.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamo:GetItem", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Use the service's IAM prefix (`dynamodb:GetItem`). The suggested replacement is an
    /// unsafe fix: it makes the statement take effect.
    ///
    /// ## References
    /// - AWS Service Authorization Reference: Actions, resources, and condition keys for AWS services
    /// - `functory lint --catalogue-info` (the catalogue's source and date)
    pub static RULE = Rule {
        code: "IAM101",
        name: "unknown-service",
        summary: "An action names a service prefix that does not exist",
        severity: Severity::High,
        fix: Some(Applicability::Unsafe),
        check: Check::Policy(check),
    };
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    // Retired services appear dozens of times in one policy; suggest once per prefix.
    let mut suggestions: std::collections::HashMap<String, Option<&str>> = Default::default();
    for statement in &ctx.document.statements {
        for (action, node) in statement.actions() {
            let Some((prefix, name)) = action.split_once(':') else {
                continue;
            };
            if prefix.contains(['*', '?']) || ctx.catalogue.service(prefix).is_some() {
                continue;
            }
            let mut message = format!("`{prefix}` in `{action}` is not an AWS service prefix");
            let suggestion = *suggestions
                .entry(prefix.to_owned())
                .or_insert_with(|| ctx.catalogue.suggest_service(prefix));
            let Some(suggestion) = suggestion else {
                out.push(RULE.finding(node.span, message));
                continue;
            };
            message.push_str(&format!("; did you mean `{suggestion}`?"));
            let mut finding = RULE.finding(node.span, message);
            let replacement = format!("{suggestion}:{name}");
            if !ctx.expand(&replacement).is_empty() {
                finding = finding.with_fix(Fix::replace(
                    Applicability::Unsafe,
                    format!("use {replacement}"),
                    node.span,
                    scalar_text(ctx.text, node.span, &replacement),
                ));
            }
            out.push(finding);
        }
    }
}
