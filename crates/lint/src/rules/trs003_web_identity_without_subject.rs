use crate::finding::{Finding, Severity};
use crate::policy::{PolicyKind, PrincipalKind};
use crate::rules::{Check, PolicyContext};

declare_rule! {
    /// ## What it checks
    /// Trust policies for web identity federation (GitHub Actions, GitLab, Google, Cognito,
    /// any OIDC provider) that do not restrict the token's subject: no condition on the
    /// provider's `…:sub` key (for Cognito identity pools: `…:aud`), or only a bare `*`.
    ///
    /// ## Why it matters
    /// The provider issues tokens to everyone who uses it. Without a subject condition, a
    /// workflow in anybody's GitHub repository can assume the role; only checking the
    /// audience (`sts.amazonaws.com`) does not help, as every token has it.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
    ///   "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
    ///   "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}]}
    /// ```
    ///
    /// ## Fix
    /// Add the subject: `{"StringLike": {"token.actions.githubusercontent.com:sub":
    /// "repo:my-org/my-repo:ref:refs/heads/main"}}`.
    ///
    /// ## References
    /// - AWS IAM User Guide: Creating a role for web identity or OpenID Connect federation
    /// - GitHub Docs: Configuring OpenID Connect in Amazon Web Services
    pub static RULE = Rule {
        code: "TRS003",
        name: "web-identity-without-subject",
        summary: "A web identity (OIDC) trust without a subject condition",
        severity: Severity::Critical,
        fix: None,
        check: Check::Policy(check),
    };
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    if ctx.document.kind != PolicyKind::Trust {
        return;
    }
    for statement in ctx.document.allows() {
        if !statement.covers_action("sts:AssumeRoleWithWebIdentity") {
            continue;
        }
        let keys = statement.restricting_condition_keys();
        for principal in statement.principals() {
            if principal.kind != PrincipalKind::Federated {
                continue;
            }
            let Some(text) = principal.text() else {
                continue;
            };
            if text.contains(":saml-provider/") {
                continue;
            }
            let provider = text
                .rsplit_once("oidc-provider/")
                .map_or(text, |(_, p)| p)
                .to_ascii_lowercase();
            let subject_key = if provider == "cognito-identity.amazonaws.com" {
                "aud"
            } else {
                "sub"
            };
            let restricted = keys.iter().any(|k| {
                k.rsplit_once(':').is_some_and(|(p, name)| {
                    name == subject_key
                        && (p == provider || provider.starts_with(p) || p.starts_with(&provider))
                })
            });
            if !restricted {
                out.push(RULE.finding(
                    principal.node.span,
                    format!("{} trusts tokens of `{provider}` without a `{provider}:{subject_key}` condition: anyone the provider issues tokens to can assume this role", statement.name()),
                ));
            }
        }
    }
}
