use crate::finding::{Applicability, Finding, Fix, Severity};
use crate::policy::Dialect;
use crate::rules::{Check, PolicyContext, scalar_text};

declare_rule! {
    /// ## What it checks
    /// Statements without an `Effect`, or whose Effect is not exactly `Allow` or `Deny`
    /// (IAM is case-sensitive here: `allow` is invalid).
    ///
    /// ## Why it matters
    /// IAM rejects the whole policy. Worse, a Deny meant as a guard rail that is misspelt never
    /// takes effect in tools that skip invalid statements.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "deny", "Action": "s3:DeleteObject", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Write `"Allow"` or `"Deny"`. When only the letter case is wrong the fix is safe and
    /// automatic.
    ///
    /// ## References
    /// - AWS IAM User Guide: IAM JSON policy elements: Effect
    pub static RULE = Rule {
        code: "IAM004",
        name: "invalid-effect",
        summary: "A statement's Effect is missing or is not Allow or Deny",
        severity: Severity::High,
        fix: Some(Applicability::Safe),
        check: Check::Policy(check),
    };
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    if ctx.document.dialect != Dialect::Iam {
        return;
    }
    for statement in &ctx.document.statements {
        let Some(effect) = statement.effect else {
            out.push(RULE.finding(
                crate::parse::Span::new(statement.node.span.start, statement.node.span.start + 1),
                format!(
                    "{} has no Effect; add \"Effect\": \"Allow\" or \"Deny\"",
                    statement.name()
                ),
            ));
            continue;
        };
        let node = &effect.value;
        match node.as_str() {
            Some("Allow" | "Deny") => {}
            Some(other) => {
                let canonical = ["Allow", "Deny"]
                    .into_iter()
                    .find(|c| c.eq_ignore_ascii_case(other.trim()));
                let mut finding = RULE.finding(
                    node.span,
                    format!(
                        "Effect `{other}` is invalid; it must be exactly \"Allow\" or \"Deny\""
                    ),
                );
                if let Some(canonical) = canonical {
                    finding = finding.with_fix(Fix::replace(
                        Applicability::Safe,
                        format!("write {canonical}"),
                        node.span,
                        scalar_text(ctx.text, node.span, canonical),
                    ));
                }
                out.push(finding);
            }
            None if node.is_intrinsic() => {}
            None => out.push(RULE.finding(
                node.span,
                format!(
                    "Effect must be the string \"Allow\" or \"Deny\", not {}",
                    node.type_name()
                ),
            )),
        }
    }
}
