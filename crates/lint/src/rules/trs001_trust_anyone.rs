use crate::finding::{Finding, Severity};
use crate::policy::PolicyKind;
use crate::rules::res001_public_access::is_anyone;
use crate::rules::{Check, PolicyContext};

declare_rule! {
    /// ## What it checks
    /// Trust policies that let any principal assume the role: `"Principal": "*"`,
    /// `{"AWS": "*"}` or an account wildcard, without a condition that limits the caller's
    /// organization, account or ARN (`aws:PrincipalOrgID`, `aws:PrincipalAccount`,
    /// `aws:PrincipalArn`). An `sts:ExternalId` condition alone lowers the finding: the ID is
    /// a shared secret, not an identity.
    ///
    /// ## Why it matters
    /// Anyone with an AWS account can obtain the role's credentials and everything its
    /// policies allow.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    /// ```
    ///
    /// ## Fix
    /// Name the account or role that may assume it
    /// (`{"AWS": "arn:aws:iam::123456789012:role/deployer"}`), or add
    /// `{"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}`.
    ///
    /// ## References
    /// - AWS IAM User Guide: Roles terms and concepts (trust policy)
    /// - AWS IAM User Guide: How to use an external ID when granting access to a third party
    pub static RULE = Rule {
        code: "TRS001",
        name: "trust-anyone",
        summary: "A trust policy that lets anyone assume the role",
        severity: Severity::Critical,
        fix: None,
        check: Check::Policy(check),
    };
}

const IDENTITY_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:userid",
];

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    if ctx.document.kind != PolicyKind::Trust {
        return;
    }
    for statement in ctx.document.allows() {
        if statement.principal.is_some_and(|p| p.negated)
            || statement.restricted_by(IDENTITY_KEYS).is_some()
        {
            continue;
        }
        let Some(anyone) = statement.principals().into_iter().find(is_anyone) else {
            continue;
        };
        let mut finding = RULE.finding(
            anyone.node.span,
            format!(
                "{} lets anyone ({}) assume this role",
                statement.name(),
                anyone.node
            ),
        );
        if statement.restricted_by(&["sts:externalid"]).is_some() {
            finding = finding.lowered("lowered: an sts:ExternalId is required, but it is a shared secret, not an identity");
        }
        out.push(finding);
    }
}
