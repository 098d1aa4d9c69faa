use crate::finding::{Applicability, Finding, Fix, Severity};
use crate::rules::{Check, FunctionContext, scalar_text};
use crate::source::FunctionOrigin;

declare_rule! {
    /// ## What it checks
    /// Function URLs with `AuthType: NONE` (`FunctionUrlConfig` of a SAM function or an
    /// `AWS::Lambda::Url`).
    ///
    /// ## Why it matters
    /// Anyone on the internet who learns the URL can invoke the function, as often as they
    /// like: every call runs your code and costs money, and the handler itself becomes the
    /// only access control. Unlike API Gateway there is no throttling per client or API key.
    ///
    /// ## Example
    /// ```yaml
    /// Api:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     FunctionUrlConfig:
    ///       AuthType: NONE
    /// ```
    ///
    /// ## Fix
    /// Use `AuthType: AWS_IAM` and sign requests (or put API Gateway or CloudFront with
    /// authentication in front). The fix is unsafe: existing unauthenticated callers stop
    /// working. If the endpoint is meant to be public (a webhook), suppress the finding in
    /// functory.toml with the reason and verify requests in the handler.
    ///
    /// ## References
    /// - AWS Lambda Developer Guide: Security and auth model for Lambda function URLs
    pub static RULE = Rule {
        code: "LMB001",
        name: "function-url-auth-none",
        summary: "A function URL that anyone can invoke (AuthType NONE)",
        severity: Severity::High,
        fix: Some(Applicability::Unsafe),
        check: Check::Function(check),
    };
}

fn check(ctx: &FunctionContext<'_, '_>, out: &mut Vec<Finding>) {
    let Some(url) = ctx.function.url else { return };
    let Some(auth) = url.auth_type else { return };
    if !auth
        .as_str()
        .is_some_and(|a| a.eq_ignore_ascii_case("NONE"))
    {
        return;
    }
    let (setting, signed) = match ctx.function.origin {
        FunctionOrigin::Manifest => ("auth = \"none\"", "iam"),
        FunctionOrigin::Template => ("AuthType NONE", "AWS_IAM"),
    };
    out.push(
        RULE.finding(
            auth.span,
            format!(
                "the URL of function {} is public: {setting} lets anyone invoke it",
                ctx.function.name
            ),
        )
        .with_fix(Fix::replace(
            Applicability::Unsafe,
            format!("require signed requests ({signed})"),
            auth.span,
            scalar_text(ctx.text, auth.span, signed),
        )),
    );
}
