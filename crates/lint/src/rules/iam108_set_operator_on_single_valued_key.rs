use crate::finding::{Finding, Severity};
use crate::policy::Operator;
use crate::rules::{Check, PolicyContext};

declare_rule! {
    /// ## What it checks
    /// `ForAllValues:` or `ForAnyValue:` used with a single-valued condition key (one that is
    /// not a list in the request, such as `aws:SourceIp` or `s3:prefix`).
    ///
    /// ## Why it matters
    /// `ForAllValues:` is true when the key is missing from the request, so an Allow meant to
    /// be narrowed by it applies to every request that lacks the key. On single-valued keys the
    /// qualifiers add nothing but that trap; AWS recommends them only for multivalued keys.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::photos",
    ///   "Condition": {"ForAllValues:StringLike": {"s3:prefix": "public/*"}}}]}
    /// ```
    ///
    /// ## Fix
    /// Drop the qualifier (`StringLike`); for a key that may be missing, add a `Null`
    /// condition that requires it.
    ///
    /// ## References
    /// - AWS IAM User Guide: Single-valued vs. multivalued context keys
    pub static RULE = Rule {
        code: "IAM108",
        name: "set-operator-on-single-valued-key",
        summary: "ForAllValues or ForAnyValue on a single-valued condition key",
        severity: Severity::Medium,
        fix: None,
        check: Check::Policy(check),
    };
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    for statement in &ctx.document.statements {
        for clause in statement.conditions() {
            let operator = Operator::parse(&clause.operator.key);
            let Some(qualifier) = operator.qualifier else {
                continue;
            };
            let Some(key) = ctx.catalogue.condition_key(&clause.key.key) else {
                continue;
            };
            if key.key_type.is_multi_valued()
                || matches!(key.key_type, crate::catalogue::KeyType::Other)
            {
                continue;
            }
            let mut finding = RULE.finding(
                clause.operator.key_span,
                format!(
                    "`{}` is single-valued; `{qualifier}:` only makes sense for multivalued keys",
                    clause.key.key
                ),
            );
            if qualifier.eq_ignore_ascii_case("ForAllValues") && statement.is_allow() {
                finding
                    .message
                    .push_str(" and it lets requests without the key through");
            } else {
                finding = finding.with_severity(Severity::Low);
            }
            out.push(finding);
        }
    }
}
