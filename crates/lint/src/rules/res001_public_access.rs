use crate::finding::{Finding, Severity};
use crate::policy::{
    Operator, PolicyDocument, PolicyKind, PrincipalKind, PrincipalValue, Statement, wildcard_match,
};
use crate::rules::{Check, PolicyContext};

declare_rule! {
    /// ## What it checks
    /// Resource policies (bucket, queue, topic, key, secret, API, function permissions) that
    /// allow anyone: `"Principal": "*"`, `{"AWS": "*"}`, an account wildcard such as
    /// `arn:aws:iam::*:root`, or a Lambda permission with `Principal: "*"`, unless a condition
    /// narrows the caller to an organization, account, principal or source
    /// (`aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:SourceArn`,
    /// `aws:SourceAccount`, `aws:SourceVpc`/`aws:SourceVpce`, …), or a Deny of the same
    /// policy refuses everyone outside them (`StringNotEquals aws:PrincipalOrgID`). A
    /// condition any value satisfies (`StringLike aws:PrincipalOrgID "*"`) narrows nothing. IP
    /// conditions (`aws:SourceIp`) lower the finding.
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
    // A VPC or VPC endpoint: only requests from that private network, never the internet.
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:vpceaccount",
    "aws:vpceorgid",
    "aws:vpceorgpaths",
    "lambda:eventsourcetoken",
    "kms:calleraccount",
    "sns:endpoint",
];

/// Conditions that limit the addresses a request comes from, not who makes it: public IP
/// ranges are shared, spoofable at the network edge and change hands.
pub(crate) const NETWORK_KEYS: &[&str] = &["aws:sourceip", "aws:vpcsourceip"];

/// The key by which a Deny statement of the same policy turns a public Allow into a
/// restricted one: a Deny of the Allow's actions on its resources to anyone *not* matching
/// one of `keys` (`StringNotEquals aws:PrincipalOrgID`, `NotIpAddress aws:SourceIp`), with no
/// other condition.
pub(crate) fn denied_to_others(
    document: &PolicyDocument<'_>,
    allow: &Statement<'_>,
    keys: &[&str],
) -> Option<String> {
    document
        .statements
        .iter()
        .filter(|s| s.is_deny())
        .find_map(|deny| {
            if deny.principal.is_some_and(|p| p.negated)
                || !deny.principals().iter().any(is_anyone)
                || deny.action.is_none_or(|a| a.negated)
            {
                return None;
            }
            let deny_actions: Vec<&str> = deny.actions().into_iter().map(|(a, _)| a).collect();
            let covers_actions = allow.actions().iter().all(|(action, _)| {
                deny_actions
                    .iter()
                    .any(|pattern| wildcard_match(pattern, action))
            });
            let deny_resources: Vec<&str> = deny.resources().into_iter().map(|(r, _)| r).collect();
            let covers_resources = deny.applies_to_all_resources()
                || allow.resources().iter().all(|(resource, _)| {
                    deny_resources
                        .iter()
                        .any(|pattern| wildcard_match(pattern, resource))
                });
            if !covers_actions || !covers_resources {
                return None;
            }
            let clauses = deny.conditions();
            let mut restricting = None;
            for clause in &clauses {
                let operator = Operator::parse(&clause.operator.key);
                let key = clause.key.key.to_ascii_lowercase();
                let negated = !operator.is_positive() && operator.base != "Null";
                let meaningful = clause
                    .values
                    .iter()
                    .any(|v| v.as_str().is_some_and(|s| !s.chars().all(|c| c == '*')));
                if !negated || !meaningful || !keys.iter().any(|k| wildcard_match(k, &key)) {
                    return None;
                }
                restricting.get_or_insert(clause.key.key.clone());
            }
            restricting
        })
}

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
        if statement.restricted_by(PRINCIPAL_KEYS).is_some()
            || denied_to_others(ctx.document, statement, PRINCIPAL_KEYS).is_some()
        {
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
        if let Some(key) = statement
            .restricted_by(NETWORK_KEYS)
            .or_else(|| denied_to_others(ctx.document, statement, NETWORK_KEYS))
        {
            finding = finding.lowered(format!(
                "lowered: limited by the network condition `{key}`, not by caller identity"
            ));
        }
        out.push(finding);
    }
}
