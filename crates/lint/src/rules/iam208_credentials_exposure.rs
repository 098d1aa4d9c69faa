use crate::finding::{Finding, Severity};
use std::sync::OnceLock;

use crate::catalogue::ActionSet;

use crate::rules::{Check, PolicyContext, action_set, report_sensitive_actions};

declare_rule! {
    /// ## What it checks
    /// Identity policies that allow, on every resource, actions whose response contains
    /// credentials or tokens: access keys, session tokens, database credentials, registry
    /// tokens, instance passwords.
    ///
    /// ## Why it matters
    /// These actions turn the policy into new credentials that outlive the function and can be
    /// used from anywhere: `sts:AssumeRole` on `*` reaches every role that trusts the account,
    /// `iam:CreateAccessKey` on `*` mints keys for any user.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Name the roles, users, clusters or repositories the credentials are for. A Deny or a
    /// restricting condition lowers or removes the finding.
    ///
    /// ## References
    /// - Salesforce Cloudsplaining: credentials exposure actions
    /// - AWS IAM User Guide: Temporary security credentials in IAM
    pub static RULE = Rule {
        code: "IAM208",
        name: "credentials-exposure",
        summary: "Actions that return credentials, on every resource",
        severity: Severity::High,
        fix: None,
        check: Check::Policy(check),
    };
}

pub const ACTIONS: &[&str] = &[
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:GetFederationToken",
    "iam:CreateAccessKey",
    "iam:UpdateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:CreateServiceSpecificCredential",
    "iam:ResetServiceSpecificCredential",
    "ecr:GetAuthorizationToken",
    "ecr-public:GetAuthorizationToken",
    "codeartifact:GetAuthorizationToken",
    "redshift:GetClusterCredentials",
    "redshift:GetClusterCredentialsWithIAM",
    "rds-db:connect",
    "ec2:GetPasswordData",
    "lightsail:GetInstanceAccessDetails",
    "lightsail:GetRelationalDatabaseMasterUserPassword",
    "cognito-identity:GetCredentialsForIdentity",
    "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
    "codepipeline:PollForJobs",
    "chime:CreateApiKey",
    "gamelift:RequestUploadCredentials",
];

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    static SET: OnceLock<ActionSet> = OnceLock::new();
    let set = SET.get_or_init(|| action_set(ctx.catalogue, ACTIONS));
    report_sensitive_actions(ctx, &RULE, set, "obtaining credentials", out);
}
