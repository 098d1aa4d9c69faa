use crate::finding::{Applicability, Finding, Fix, Severity};
use crate::rules::{Check, PolicyContext, scalar_text};

declare_rule! {
    /// ## What it checks
    /// Actions of a known service that the service does not have (`s3:GetObjects`), wildcard
    /// patterns that match no action (`s3:Fetch*`), and strings that are not of the form
    /// `service:Action` at all. A near name is suggested.
    ///
    /// ## Why it matters
    /// IAM accepts the policy and ignores the action. The function then fails with
    /// AccessDenied at run time, or a Deny meant to block something blocks nothing.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjcet", "Resource": "arn:aws:s3:::photos/*"}]}
    /// ```
    ///
    /// ## Fix
    /// Use the action's exact name from the Service Authorization Reference (`s3:GetObject`).
    /// The suggested replacement is an unsafe fix because it changes what is granted.
    ///
    /// ## References
    /// - AWS Service Authorization Reference: Actions, resources, and condition keys for AWS services
    /// - AWS IAM User Guide: IAM JSON policy elements: Action
    pub static RULE = Rule {
        code: "IAM102",
        name: "unknown-action",
        summary: "An action or action pattern that matches no action of its service",
        severity: Severity::Medium,
        fix: Some(Applicability::Unsafe),
        check: Check::Policy(check),
    };
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    for statement in &ctx.document.statements {
        for (action, node) in statement.actions() {
            if action == "*" {
                continue;
            }
            let Some((prefix, name)) = action.split_once(':') else {
                out.push(
                    RULE.finding(
                        node.span,
                        format!("`{action}` is not an action: write it as `service:Action`"),
                    )
                    .with_severity(Severity::High),
                );
                continue;
            };
            let Some(service) = ctx.catalogue.service(prefix) else {
                continue;
            };
            if name.contains(['*', '?']) {
                if ctx.expand(action).is_empty() {
                    out.push(RULE.finding(
                        node.span,
                        format!("`{action}` matches no action of {}", service.name),
                    ));
                }
                continue;
            }
            if !ctx.expand(action).is_empty() {
                continue;
            }
            let mut message = format!("`{name}` is not an action of {} ({prefix})", service.name);
            let mut fix = None;
            if let Some(suggestion) = ctx.catalogue.suggest_action(service, name) {
                message.push_str(&format!("; did you mean `{prefix}:{suggestion}`?"));
                let replacement = format!("{prefix}:{suggestion}");
                fix = Some(Fix::replace(
                    Applicability::Unsafe,
                    format!("use {replacement}"),
                    node.span,
                    scalar_text(ctx.text, node.span, &replacement),
                ));
            }
            let mut finding = RULE.finding(node.span, message);
            if let Some(fix) = fix {
                finding = finding.with_fix(fix);
            }
            out.push(finding);
        }
    }
}
