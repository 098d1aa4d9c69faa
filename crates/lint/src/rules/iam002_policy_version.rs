use crate::finding::{Applicability, Fix, Severity};
use crate::parse::{Span, Value};
use crate::policy::Dialect;
use crate::rules::{Check, PolicyContext, scalar_text};

declare_rule! {
    /// ## What it checks
    /// The policy's `Version`: missing, not one of the two versions IAM knows, or the old
    /// `2008-10-17` when the policy uses policy variables (without them both versions read a
    /// policy alike).
    ///
    /// ## Why it matters
    /// Without `"Version": "2012-10-17"` IAM reads the document with the 2008 language, in which
    /// policy variables such as `${aws:username}` are plain text: a statement meant for "each
    /// user's own folder" then matches a folder literally named `${aws:username}`, or nothing.
    /// Any other value is rejected as a malformed policy.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
    ///   "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}
    /// ```
    ///
    /// ## Fix
    /// Set `"Version": "2012-10-17"` as the first element. The fix is unsafe: it changes how
    /// `${…}` text in the policy is read, which is the point, but review the result.
    ///
    /// ## References
    /// - AWS IAM User Guide: IAM JSON policy elements: Version
    /// - AWS IAM User Guide: IAM policy elements: Variables and tags
    pub static RULE = Rule {
        code: "IAM002",
        name: "policy-version",
        summary: "The policy Version is missing, invalid or the old 2008-10-17",
        severity: Severity::Medium,
        fix: Some(Applicability::Unsafe),
        check: Check::Policy(check),
    };
}

const CURRENT: &str = "2012-10-17";

fn uses_policy_variables(ctx: &PolicyContext<'_, '_>) -> bool {
    ctx.text
        .get(ctx.document.root.span.range())
        .is_some_and(|t| t.contains("${aws:") || t.contains("${s3:") || t.contains("${sts:"))
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<crate::finding::Finding>) {
    let document = ctx.document;
    if document.dialect != Dialect::Iam {
        return;
    }
    let Some(members) = document.root.as_object() else {
        return;
    };
    match document.root.member("Version") {
        None => {
            let Some(first) = members.first() else {
                return;
            };
            let mut finding = RULE.finding(
                Span::new(document.root.span.start, document.root.span.start + 1),
                format!("the policy has no Version, so IAM reads it as 2008-10-17; add \"Version\": \"{CURRENT}\""),
            );
            if !uses_policy_variables(ctx) {
                finding = finding.with_severity(Severity::Low);
            }
            // Insert before the first key, in the file's own syntax.
            let at = first.key_span.start;
            let insertion = if ctx.text.as_bytes().get(document.root.span.start) == Some(&b'{') {
                format!("\"Version\": \"{CURRENT}\", ")
            } else {
                let line_start = ctx.text[..at].rfind('\n').map_or(0, |i| i + 1);
                let indent = &ctx.text[line_start..at];
                if !indent.chars().all(|c| c == ' ') {
                    out.push(finding);
                    return;
                }
                format!("Version: \"{CURRENT}\"\n{indent}")
            };
            out.push(finding.with_fix(Fix::replace(
                Applicability::Unsafe,
                format!("add Version {CURRENT}"),
                Span::at(at),
                insertion,
            )));
        }
        Some(version) => {
            let node = &version.value;
            let fix = Fix::replace(
                Applicability::Unsafe,
                format!("set Version to {CURRENT}"),
                node.span,
                scalar_text(ctx.text, node.span, CURRENT),
            );
            match &node.value {
                Value::String(v) if v == CURRENT => {}
                // Without policy variables the two versions read a policy alike; AWS services
                // still write 2008-10-17 in the policies they generate (SNS and SQS defaults).
                Value::String(v) if v == "2008-10-17" && uses_policy_variables(ctx) => {
                    let finding = RULE.finding(
                        node.span,
                        format!("Version 2008-10-17 treats policy variables as plain text; use {CURRENT}"),
                    );
                    out.push(finding.with_fix(fix));
                }
                Value::String(v) if v == "2008-10-17" => {}
                _ => out.push(
                    RULE.finding(
                        node.span,
                        format!("{node} is not a policy Version; IAM accepts only \"{CURRENT}\" (or the old \"2008-10-17\")"),
                    )
                    .with_severity(Severity::High)
                    .with_fix(fix),
                ),
            }
        }
    }
}
