use crate::finding::{Finding, Severity};
use crate::policy::{PolicyKind, PrincipalKind};
use crate::rules::{Check, PolicyContext};

declare_rule! {
    /// ## What it checks
    /// Trust policies that let a literal AWS account (`"123456789012"`,
    /// `arn:aws:iam::123456789012:root`, or a role or user in it) assume the role without an
    /// `sts:ExternalId` condition, nor one naming the principal (`aws:PrincipalArn`) or
    /// organization (`aws:PrincipalOrgID`). Accounts written with `${AWS::AccountId}` (the
    /// template's own account) are not reported.
    ///
    /// ## Why it matters
    /// When the other account is a vendor serving many customers, any of its customers can
    /// ask it to act on your role (the confused deputy). A trust of a whole account (`:root`)
    /// also lets every administrator there assume the role.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
    ///   "Action": "sts:AssumeRole"}]}
    /// ```
    ///
    /// ## Fix
    /// Add `{"StringEquals": {"sts:ExternalId": "<the ID the vendor gave you>"}}`, or name the
    /// role that may assume it instead of the account root.
    ///
    /// ## References
    /// - AWS IAM User Guide: How to use an external ID when granting access to your AWS resources to a third party
    /// - AWS IAM User Guide: The confused deputy problem
    pub static RULE = Rule {
        code: "TRS002",
        name: "cross-account-without-external-id",
        summary: "Another account may assume the role without sts:ExternalId",
        severity: Severity::Medium,
        fix: None,
        check: Check::Policy(check),
    };
}

const NARROWING_KEYS: &[&str] = &[
    "sts:externalid",
    "aws:principalarn",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:userid",
];

/// The account a literal AWS principal names.
fn account_of(text: &str) -> Option<&str> {
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        return Some(text);
    }
    let account = text.strip_prefix("arn:")?.split(':').nth(3)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    if ctx.document.kind != PolicyKind::Trust {
        return;
    }
    for statement in ctx.document.allows() {
        if statement.restricted_by(NARROWING_KEYS).is_some()
            || !statement.covers_action("sts:AssumeRole")
        {
            continue;
        }
        for principal in statement.principals() {
            if principal.kind != PrincipalKind::Aws {
                continue;
            }
            let Some(text) = principal.text() else {
                continue;
            };
            let Some(account) = account_of(text) else {
                continue;
            };
            out.push(RULE.finding(
                principal.node.span,
                format!(
                    "{} lets account {account} assume this role without sts:ExternalId",
                    statement.name()
                ),
            ));
        }
    }
}
