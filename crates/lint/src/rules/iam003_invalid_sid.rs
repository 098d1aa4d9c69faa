use crate::finding::{Finding, Severity};
use crate::policy::{Dialect, PolicyKind};
use crate::rules::{Check, PolicyContext};

declare_rule! {
    /// ## What it checks
    /// Statement IDs (`Sid`) that are not strings, that repeat within one policy, or (in
    /// identity policies) that contain characters other than ASCII letters and digits.
    ///
    /// ## Why it matters
    /// IAM rejects identity policies whose Sids contain other characters or repeat, so the
    /// deployment fails. In resource policies some services accept more, but duplicate Sids
    /// still make findings, logs and later edits refer to the wrong statement.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [
    ///   {"Sid": "read-bucket", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    ///   {"Sid": "read-bucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Give each statement a unique Sid of letters and digits, e.g. `ReadBucket`, `ListBucket`.
    ///
    /// ## References
    /// - AWS IAM User Guide: IAM JSON policy elements: Sid
    pub static RULE = Rule {
        code: "IAM003",
        name: "invalid-sid",
        summary: "A statement ID is duplicated, not a string, or has characters IAM rejects",
        severity: Severity::Low,
        fix: None,
        check: Check::Policy(check),
    };
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    if ctx.document.dialect != Dialect::Iam {
        return;
    }
    let mut seen: Vec<&str> = Vec::new();
    for statement in &ctx.document.statements {
        let Some(sid) = statement.sid else { continue };
        let Some(text) = sid.value.as_str() else {
            if !sid.value.is_intrinsic() {
                out.push(
                    RULE.finding(
                        sid.value.span,
                        format!("Sid must be a string, not {}", sid.value.type_name()),
                    )
                    .with_severity(Severity::Medium),
                );
            }
            continue;
        };
        if seen.contains(&text) {
            out.push(
                RULE.finding(
                    sid.value.span,
                    format!("Sid `{text}` is used by an earlier statement of this policy"),
                )
                .with_severity(Severity::Medium),
            );
        }
        seen.push(text);
        if ctx.document.kind == PolicyKind::Identity
            && let Some(bad) = text.chars().find(|c| !c.is_ascii_alphanumeric())
        {
            out.push(RULE.finding(
                sid.value.span,
                format!("Sid `{text}` contains {bad:?}; identity policies accept only letters and digits"),
            ));
        }
    }
}
