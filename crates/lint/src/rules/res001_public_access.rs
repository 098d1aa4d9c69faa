use crate::finding::{Finding, Severity};
use crate::policy::{PolicyKind, PrincipalKind, PrincipalValue};
use crate::rules::{Check, PolicyContext};

declare_rule! {
    /// ## What it checks
    /// Resource policies (bucket, queue, topic, key, secret, API, function permissions) that
    /// allow anyone: `"Principal": "*"`, `{"AWS": "*"}`, an account wildcard such as
    /// `arn:aws:iam::*:root`, or a Lambda permission with `Principal: "*"`, unless a condition
    /// narrows the caller to an organization, account, principal or source
    /// (`aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:SourceArn`,
    /// `aws:SourceAccount`, …). Network-only conditions (`aws:SourceIp`, `aws:SourceVpce`)
    /// lower the finding.
    ///
    /// ## Why it matters
    /// Any AWS account, or anyone on the internet, can use the resource: read the bucket,
    /// send to the queue, invoke the function, decrypt with the key. Public exposure of data
    /// stores is the most common cause of cloud data breaches.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
    ///   "Resource": "arn:aws:s3:::photos/*"}]}
    /// ```
    ///
    /// ## Fix
    /// Name the accounts or roles, or add a condition such as
    /// `{"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}`. For a public website use a
    /// CDN with origin access control instead of a public bucket.
    ///
    /// ## References
    /// - AWS IAM User Guide: Policy evaluation logic (resource-based policies)
    /// - AWS IAM Access Analyzer: findings for public and cross-account access
    pub static RULE = Rule {
        code: "RES001",
        name: "public-access",
        summary: "A resource policy that allows anyone or any account",
        severity: Severity::Critical,
        fix: None,
        check: Check::Policy(check),
    };
}

/// Condition keys that limit who the caller can be.
pub(crate) const PRINCIPAL_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalservicename",
    "aws:userid",
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:resourceorgid",
    "lambda:eventsourcetoken",
    "kms:calleraccount",
    "sns:endpoint",
];

/// Conditions that limit where a request comes from, not who makes it.
pub(crate) const NETWORK_KEYS: &[&str] = &[
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:vpcsourceip",
    "aws:vpceaccount",
    "aws:vpceorgid",
];

/// `*`, or an AWS principal ARN whose account is a wildcard.
pub(crate) fn is_anyone(principal: &PrincipalValue<'_>) -> bool {
    match principal.kind {
        PrincipalKind::Anyone => true,
        PrincipalKind::Aws => principal.text().is_some_and(|t| {
            t.strip_prefix("arn:")
                .and_then(|rest| rest.split(':').nth(3))
                .is_some_and(|account| account.contains('*'))
        }),
        _ => false,
    }
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    if ctx.document.kind != PolicyKind::Resource {
        return;
    }
    for statement in ctx.document.allows() {
        if statement.principal.is_some_and(|p| p.negated) {
            continue;
        }
        let Some(anyone) = statement.principals().into_iter().find(is_anyone) else {
            continue;
        };
        if statement.restricted_by(PRINCIPAL_KEYS).is_some() {
            continue;
        }
        let actions: Vec<&str> = statement.actions().into_iter().map(|(a, _)| a).collect();
        let mut finding = RULE.finding(
            anyone.node.span,
            format!(
                "{} allows anyone ({}) to {}",
                statement.name(),
                anyone.node,
                if actions.is_empty() {
                    "act".to_owned()
                } else {
                    crate::rules::list_some(&actions, 3)
                }
            ),
        );
        if let Some(key) = statement.restricted_by(NETWORK_KEYS) {
            finding = finding.lowered(format!(
                "lowered: limited by the network condition `{key}`, not by caller identity"
            ));
        }
        out.push(finding);
    }
}
