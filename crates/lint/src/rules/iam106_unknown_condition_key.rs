use crate::finding::{Finding, Severity};
use crate::rules::{Check, PolicyContext};

declare_rule! {
    /// ## What it checks
    /// Condition keys that are neither global (`aws:…`) nor defined by the service they name
    /// (`s3:…`, `iam:…`), per the IAM catalogue. Keys of identity providers
    /// (`token.actions.githubusercontent.com:sub`, `accounts.google.com:aud`) and SAML keys
    /// are accepted.
    ///
    /// ## Why it matters
    /// A condition on a key that never exists in the request context is never true for
    /// positive operators, so the statement silently never applies; with negated operators or
    /// `…IfExists` it is always true, so the restriction silently is not there.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
    ///   "Condition": {"StringEquals": {"aws:PrincipalOrgId ": "o-a1b2c3d4e5", "s3:Prefixes": "home/"}}}]}
    /// ```
    ///
    /// ## Fix
    /// Use a key listed for the service in the Service Authorization Reference, or a global
    /// condition key.
    ///
    /// ## References
    /// - AWS IAM User Guide: AWS global condition context keys
    /// - AWS Service Authorization Reference: condition keys of each service
    pub static RULE = Rule {
        code: "IAM106",
        name: "unknown-condition-key",
        summary: "A condition key that no service defines",
        severity: Severity::Medium,
        fix: None,
        check: Check::Policy(check),
    };
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    for statement in &ctx.document.statements {
        for clause in statement.conditions() {
            let key = clause.key.key.as_str();
            if ctx.catalogue.condition_key(key).is_some()
                || ctx.catalogue.is_foreign_condition_key(key)
            {
                continue;
            }
            let Some((prefix, _)) = key.split_once(':') else {
                out.push(RULE.finding(
                    clause.key.key_span,
                    format!("`{key}` is not a condition key: keys are `service:Name`"),
                ));
                continue;
            };
            // Condition keys are case-insensitive: `AWS:SourceArn` is `aws:SourceArn`.
            let global = prefix.eq_ignore_ascii_case("aws");
            // Keys of a service the catalogue does not know are IAM101's business, once.
            if !global && ctx.catalogue.service(prefix).is_none() {
                out.push(RULE.finding(
                    clause.key.key_span,
                    format!("`{key}`: `{prefix}` is not a service prefix"),
                ));
                continue;
            }
            out.push(RULE.finding(
                clause.key.key_span,
                format!(
                    "`{key}` is not a condition key of {}",
                    if global {
                        "the global context".to_owned()
                    } else {
                        format!("`{prefix}`")
                    }
                ),
            ));
        }
    }
}
