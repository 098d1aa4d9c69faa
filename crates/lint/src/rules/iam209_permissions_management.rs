use crate::catalogue::AccessLevel;
use crate::finding::{Finding, Severity};
use std::sync::OnceLock;

use crate::catalogue::ActionSet;

use crate::rules::{Check, PolicyContext, report_sensitive_actions};

declare_rule! {
    /// ## What it checks
    /// Identity policies that allow, on every resource, actions the IAM catalogue classes as
    /// "Permissions management" in the identity services (IAM, IAM Identity Center, Identity
    /// Store, Organizations, STS): creating and attaching policies, changing roles and users,
    /// managing account-wide settings.
    ///
    /// ## Why it matters
    /// Permissions management on `*` lets the holder grant itself or anyone else any
    /// permission: it is administrator access with extra steps.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Keep permission changes in the deployment pipeline, not in function roles; when a
    /// function must manage permissions, name the roles or policies and add a permissions
    /// boundary condition (`iam:PermissionsBoundary`).
    ///
    /// ## References
    /// - AWS Service Authorization Reference: access levels
    /// - AWS IAM User Guide: Permissions boundaries for IAM entities
    pub static RULE = Rule {
        code: "IAM209",
        name: "permissions-management",
        summary: "Managing IAM permissions on every resource",
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
            IDENTITY_SERVICES.contains(&service.prefix.as_str())
                && action.access_level == AccessLevel::PermissionsManagement
        })
    });
    report_sensitive_actions(ctx, &RULE, set, "permissions management", out);
}
