use crate::finding::{Applicability, Finding, Fix, Severity};
use crate::policy::Operator;
use crate::rules::{Check, PolicyContext, scalar_text};

declare_rule! {
    /// ## What it checks
    /// Condition operators IAM does not define (`StringEqual`, `StringMatch`), wrong letter
    /// case (`stringequals`), set qualifiers other than `ForAllValues:` and `ForAnyValue:`, and
    /// `IfExists` on `Null`.
    ///
    /// ## Why it matters
    /// IAM rejects the policy, or (in tools that skip what they do not understand) the
    /// condition restricting an Allow is ignored and the Allow applies everywhere.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
    ///   "Condition": {"StringEqual": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}
    /// ```
    ///
    /// ## Fix
    /// Use an operator from the IAM reference (`StringEquals`). A case-only difference is
    /// fixed safely; a misspelling gets an unsafe fix to the nearest operator.
    ///
    /// ## References
    /// - AWS IAM User Guide: IAM JSON policy elements: Condition operators
    pub static RULE = Rule {
        code: "IAM105",
        name: "unknown-condition-operator",
        summary: "A condition operator that IAM does not define",
        severity: Severity::High,
        fix: Some(Applicability::Safe),
        check: Check::Policy(check),
    };
}

pub(crate) const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

fn canonical(operator: &Operator<'_>, base: &str) -> String {
    let mut text = String::new();
    if let Some(q) = operator.qualifier {
        let q = ["ForAllValues", "ForAnyValue"]
            .into_iter()
            .find(|c| c.eq_ignore_ascii_case(q))
            .unwrap_or(q);
        text.push_str(q);
        text.push(':');
    }
    text.push_str(base);
    if operator.if_exists {
        text.push_str("IfExists");
    }
    text
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    for statement in &ctx.document.statements {
        let Some(condition) = statement.condition else {
            continue;
        };
        for member in condition.value.as_object().unwrap_or_default() {
            let operator = Operator::parse(&member.key);
            if let Some(q) = operator.qualifier
                && !["ForAllValues", "ForAnyValue"]
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(q))
            {
                out.push(RULE.finding(
                    member.key_span,
                    format!("`{q}:` is not a set qualifier; use ForAllValues: or ForAnyValue:"),
                ));
                continue;
            }
            if member.key.ends_with("IfExists")
                && operator.base.eq_ignore_ascii_case("NullIfExists")
            {
                out.push(RULE.finding(
                    member.key_span,
                    "Null cannot take IfExists: Null already tests whether the key exists",
                ));
                continue;
            }
            if OPERATORS.contains(&operator.base)
                && operator
                    .qualifier
                    .is_none_or(|q| q == "ForAllValues" || q == "ForAnyValue")
            {
                continue;
            }
            if let Some(exact) = OPERATORS
                .iter()
                .find(|o| o.eq_ignore_ascii_case(operator.base))
            {
                let fixed = canonical(&operator, exact);
                out.push(
                    RULE.finding(
                        member.key_span,
                        format!(
                            "condition operator `{}` must be written `{fixed}`",
                            member.key
                        ),
                    )
                    .with_fix(Fix::replace(
                        Applicability::Safe,
                        format!("write {fixed}"),
                        member.key_span,
                        scalar_text(ctx.text, member.key_span, &fixed),
                    )),
                );
                continue;
            }
            let lower = operator.base.to_ascii_lowercase();
            let nearest = OPERATORS
                .iter()
                .map(|o| {
                    (
                        functory_core::runtime::edit_distance(&lower, &o.to_ascii_lowercase()),
                        *o,
                    )
                })
                .filter(|(d, _)| *d <= 3)
                .min_by_key(|(d, _)| *d);
            let mut finding = RULE.finding(
                member.key_span,
                format!("`{}` is not a condition operator", member.key),
            );
            if let Some((_, nearest)) = nearest {
                let fixed = canonical(&operator, nearest);
                finding
                    .message
                    .push_str(&format!("; did you mean `{fixed}`?"));
                finding = finding.with_fix(Fix::replace(
                    Applicability::Unsafe,
                    format!("use {fixed}"),
                    member.key_span,
                    scalar_text(ctx.text, member.key_span, &fixed),
                ));
            }
            out.push(finding);
        }
    }
}
