use crate::finding::{Finding, Severity};
use crate::rules::{Check, PolicyContext};

declare_rule! {
    /// ## What it checks
    /// Resource values that are neither `*` nor a well-formed ARN:
    /// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, with a known partition (`aws`,
    /// `aws-cn`, `aws-us-gov`, …), a service, an optional region, an optional 12-digit account
    /// (or `aws` for AWS-managed resources), and a resource part.
    ///
    /// ## Why it matters
    /// IAM rejects some malformed ARNs and silently never matches others, so the statement
    /// grants or denies nothing. A bucket name where an ARN belongs (`"Resource": "photos"`)
    /// is a common slip.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:photos/*"}]}
    /// ```
    ///
    /// ## Fix
    /// Write the full ARN, e.g. `arn:aws:s3:::photos/*` (S3 ARNs have empty region and
    /// account fields).
    ///
    /// ## References
    /// - AWS IAM User Guide: IAM identifiers (ARNs)
    /// - AWS General Reference: Amazon Resource Names (ARNs)
    pub static RULE = Rule {
        code: "IAM103",
        name: "invalid-arn",
        summary: "A resource is neither * nor a well-formed ARN",
        severity: Severity::Medium,
        fix: None,
        check: Check::Policy(check),
    };
}

const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

fn is_variable_or_wildcard(part: &str) -> bool {
    part.contains(['*', '?']) || part.contains("${")
}

/// Why `arn` is not a valid ARN, or `None` when it is.
pub(crate) fn arn_problem(arn: &str) -> Option<String> {
    // `execute-api:/stage/GET/path`: API Gateway's own shorthand in its resource policies.
    if arn == "*" || arn.starts_with("${") || arn.starts_with("execute-api:/") {
        return None;
    }
    let Some(rest) = arn.strip_prefix("arn:") else {
        return Some("does not start with `arn:`".to_owned());
    };
    let parts: Vec<&str> = rest.splitn(5, ':').collect();
    if parts.len() < 5 {
        return Some("has fewer than six `:`-separated fields (arn:partition:service:region:account:resource)".to_owned());
    }
    let (partition, service, region, account, resource) =
        (parts[0], parts[1], parts[2], parts[3], parts[4]);
    if !PARTITIONS.contains(&partition) && !is_variable_or_wildcard(partition) {
        return Some(format!("has an unknown partition `{partition}`"));
    }
    if service.is_empty() {
        return Some("has no service".to_owned());
    }
    if !region.is_empty()
        && !is_variable_or_wildcard(region)
        && !region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Some(format!("has an invalid region `{region}`"));
    }
    let account_ok = account.is_empty()
        || is_variable_or_wildcard(account)
        || account == "aws"
        || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
    if !account_ok {
        return Some(format!(
            "has an invalid account `{account}` (an account ID has 12 digits)"
        ));
    }
    if resource.is_empty() {
        return Some("has no resource part".to_owned());
    }
    None
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    for statement in &ctx.document.statements {
        for (resource, node) in statement.resources() {
            if let Some(problem) = arn_problem(resource) {
                out.push(RULE.finding(node.span, format!("`{resource}` {problem}")));
            }
        }
    }
}
