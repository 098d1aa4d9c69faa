use crate::catalogue::AccessLevel;
use crate::finding::{Finding, Severity};
use std::sync::OnceLock;

use crate::catalogue::ActionSet;

use crate::rules::{Check, PolicyContext, report_sensitive_actions};

declare_rule! {
    /// ## What it checks
    /// Identity policies that allow, on every resource, "Permissions management" actions of
    /// services other than the identity services: the actions that write resource policies
    /// and grants (`s3:PutBucketPolicy`, `lambda:AddPermission`, `kms:CreateGrant`,
    /// `sqs:AddPermission`, `secretsmanager:PutResourcePolicy`, …).
    ///
    /// ## Why it matters
    /// Whoever holds the policy can share any bucket, function, key, queue or secret in the
    /// account with the public or another account, outside every identity-side control.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutBucketPolicy", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Remove resource-policy actions from function roles, or name the resources they may
    /// change.
    ///
    /// ## References
    /// - Salesforce Cloudsplaining: resource exposure
    /// - AWS Service Authorization Reference: access levels
    pub static RULE = Rule {
        code: "IAM210",
        name: "resource-exposure",
        summary: "Changing resource policies on every resource",
        severity: Severity::High,
        fix: None,
        check: Check::Policy(check),
    };
}

const IDENTITY_SERVICES: &[&str] = &["iam", "sso", "identitystore", "organizations", "sts"];

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    static SET: OnceLock<ActionSet> = OnceLock::new();
    let set = SET.get_or_init(|| {
        ctx.catalogue.action_set(|service, action| {
            !IDENTITY_SERVICES.contains(&service.prefix.as_str())
                && action.access_level == AccessLevel::PermissionsManagement
        })
    });
    report_sensitive_actions(ctx, &RULE, set, "changing resource policies", out);
}
