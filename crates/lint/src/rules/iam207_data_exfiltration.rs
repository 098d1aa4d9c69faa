use crate::finding::{Finding, Severity};
use std::sync::OnceLock;

use crate::catalogue::ActionSet;

use crate::rules::{Check, PolicyContext, action_set, report_sensitive_actions};

declare_rule! {
    /// ## What it checks
    /// Identity policies that allow reading stored data on every resource (`"Resource": "*"`):
    /// S3 objects, SSM parameters, Secrets Manager secrets.
    ///
    /// ## Why it matters
    /// Whoever holds the policy can read every object, parameter and secret in the account,
    /// not just the ones the function needs: one compromised function leaks the data of every
    /// other application.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Name the buckets, prefixes, parameters and secrets:
    /// `"Resource": "arn:aws:s3:::uploads/*"`. A Deny or a restricting condition lowers or
    /// removes the finding.
    ///
    /// ## References
    /// - AWS IAM User Guide: Grant least privilege
    /// - Salesforce Cloudsplaining: data exfiltration actions
    pub static RULE = Rule {
        code: "IAM207",
        name: "data-exfiltration",
        summary: "Reading objects, parameters or secrets on every resource",
        severity: Severity::Medium,
        fix: None,
        check: Check::Policy(check),
    };
}

pub const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:GetObjectVersion",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:GetParameterHistory",
    "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue",
];

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    static SET: OnceLock<ActionSet> = OnceLock::new();
    let set = SET.get_or_init(|| action_set(ctx.catalogue, ACTIONS));
    report_sensitive_actions(ctx, &RULE, set, "reading stored data", out);
}
