use crate::finding::{Applicability, Finding, Fix, Severity};
use crate::parse::{Node, Value};
use crate::rules::{Check, FunctionContext};
use crate::source::FunctionOrigin;

declare_rule! {
    /// ## What it checks
    /// Function URL CORS settings that allow any origin (`AllowOrigins: ["*"]`) together with
    /// `AllowCredentials: true`.
    ///
    /// ## Why it matters
    /// Credentialed cross-origin requests from any website mean any page a user visits can
    /// call the function with the user's cookies or authorization headers and read the
    /// response. Browsers refuse `*` with credentials, so such configurations usually end up
    /// "fixed" by reflecting the caller's origin, which is the same hole.
    ///
    /// ## Example
    /// ```yaml
    /// FunctionUrlConfig:
    ///   AuthType: AWS_IAM
    ///   Cors:
    ///     AllowOrigins: ["*"]
    ///     AllowCredentials: true
    /// ```
    ///
    /// ## Fix
    /// List the exact origins of your front end (`https://app.example.com`), or drop
    /// `AllowCredentials`.
    ///
    /// ## References
    /// - AWS Lambda Developer Guide: Cross-origin resource sharing (CORS) for function URLs
    /// - OWASP: Testing Cross Origin Resource Sharing
    pub static RULE = Rule {
        code: "LMB002",
        name: "cors-any-origin-with-credentials",
        summary: "CORS allowing any origin together with credentials",
        severity: Severity::High,
        fix: Some(Applicability::DisplayOnly),
        check: Check::Function(check),
    };
}

fn is_true(node: &Node) -> bool {
    match &node.value {
        Value::Bool(b) => *b,
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn check(ctx: &FunctionContext<'_, '_>, out: &mut Vec<Finding>) {
    let Some(cors) = ctx.function.url.and_then(|u| u.cors) else {
        return;
    };
    let (origins_key, credentials_key) = match ctx.function.origin {
        FunctionOrigin::Manifest => ("allow_origins", "allow_credentials"),
        FunctionOrigin::Template => ("AllowOrigins", "AllowCredentials"),
    };
    let Some(origins) = cors.get(origins_key) else {
        return;
    };
    let credentials = cors.get(credentials_key).is_some_and(is_true);
    let any = origins
        .one_or_many()
        .into_iter()
        .find(|o| o.as_str() == Some("*"));
    if let (Some(any), true) = (any, credentials) {
        out.push(
            RULE.finding(any.span, format!("function {} lets any website make credentialed requests (AllowOrigins * with AllowCredentials)", ctx.function.name))
                .with_fix(Fix::new(Applicability::DisplayOnly, "list the exact origins of your front end", Vec::new())),
        );
    }
}
