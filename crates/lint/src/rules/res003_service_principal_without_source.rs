use crate::finding::{Finding, Severity};
use crate::policy::{PolicyKind, PrincipalKind};
use crate::rules::{Check, PolicyContext};

declare_rule! {
    /// ## What it checks
    /// Resource policies (and Lambda permissions) that allow an AWS service principal
    /// (`s3.amazonaws.com`, `sns.amazonaws.com`, `events.amazonaws.com`, …) without an
    /// `aws:SourceArn`, `aws:SourceAccount`, `aws:SourceOrgID` or `aws:SourceOrgPaths`
    /// condition (`SourceArn`/`SourceAccount` properties on `AWS::Lambda::Permission`).
    ///
    /// ## Why it matters
    /// The service acts for every customer. Without a source condition, another account's
    /// bucket, topic or rule can make the service call your resource on its behalf: the
    /// "confused deputy" problem.
    ///
    /// ## Example
    /// ```yaml
    /// Invoke:
    ///   Type: AWS::Lambda::Permission
    ///   Properties:
    ///     Action: lambda:InvokeFunction
    ///     FunctionName: !Ref Resize
    ///     Principal: s3.amazonaws.com
    /// ```
    ///
    /// ## Fix
    /// Add the source: `SourceArn: !GetAtt Uploads.Arn` and `SourceAccount: !Ref AWS::AccountId`,
    /// or in a policy `{"ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads"}}`.
    ///
    /// ## References
    /// - AWS IAM User Guide: The confused deputy problem
    /// - AWS Lambda Developer Guide: Using resource-based policies (SourceArn, SourceAccount)
    pub static RULE = Rule {
        code: "RES003",
        name: "service-principal-without-source",
        summary: "A service principal allowed without aws:SourceArn or aws:SourceAccount",
        severity: Severity::Medium,
        fix: None,
        check: Check::Policy(check),
    };
}

const SOURCE_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourceowner",
];

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    if ctx.document.kind != PolicyKind::Resource {
        return;
    }
    for statement in ctx.document.allows() {
        if statement.principal.is_some_and(|p| p.negated)
            || statement.restricted_by(SOURCE_KEYS).is_some()
        {
            continue;
        }
        for principal in statement.principals() {
            if principal.kind != PrincipalKind::Service {
                continue;
            }
            let name = principal
                .text()
                .map_or_else(|| principal.node.to_string(), str::to_owned);
            out.push(RULE.finding(
                principal.node.span,
                format!("{} allows the service `{name}` for any source; add aws:SourceArn or aws:SourceAccount", statement.name()),
            ));
        }
    }
}
