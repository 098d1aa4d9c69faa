use crate::finding::{Finding, Severity};
use crate::rules::{Check, FunctionContext};
use crate::source::FunctionOrigin;

declare_rule! {
    /// ## What it checks
    /// Function timeouts at the extremes: outside Lambda's 1–900 seconds (templates; the
    /// manifest's range is checked by `functory check`), at the 900-second maximum, or above 29
    /// seconds for a function behind API Gateway (a template's `Api`/`HttpApi` event), which
    /// ends the request after 29 seconds.
    ///
    /// ## Why it matters
    /// A timeout AWS rejects fails the deployment. The maximum timeout lets a hung call (a
    /// network call without its own timeout, a retry loop) run and bill for 15 minutes and
    /// hides it. Behind API Gateway, the client gets a 504 after 29 seconds while the function
    /// keeps running and billing.
    ///
    /// ## Example
    /// ```yaml
    /// Api:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     Timeout: 900
    ///     Events:
    ///       Get: { Type: HttpApi }
    /// ```
    ///
    /// ## Fix
    /// Set the timeout a little above the slowest expected run, give outgoing calls their own
    /// timeouts, and keep HTTP handlers under 29 seconds (queue long work).
    ///
    /// ## References
    /// - AWS Lambda Developer Guide: Configure Lambda function timeout
    /// - Amazon API Gateway Developer Guide: quotas (integration timeout)
    pub static RULE = Rule {
        code: "LMB005",
        name: "timeout-extreme",
        summary: "A function timeout that is out of range, at the maximum, or beyond API Gateway's",
        severity: Severity::Low,
        fix: None,
        check: Check::Function(check),
    };
}

fn check(ctx: &FunctionContext<'_, '_>, out: &mut Vec<Finding>) {
    let Some(node) = ctx.function.timeout else {
        return;
    };
    let Some(seconds) = number(node) else { return };
    let name = &ctx.function.name;
    if !(1.0..=900.0).contains(&seconds) {
        if ctx.function.origin == FunctionOrigin::Template {
            out.push(
                RULE.finding(
                    node.span,
                    format!(
                        "function {name}: timeout {seconds} s is outside Lambda's 1-900 seconds"
                    ),
                )
                .with_severity(Severity::High),
            );
        }
    } else if seconds >= 900.0 {
        out.push(RULE.finding(node.span, format!("function {name} has the maximum timeout (900 s): a hung call runs and bills for 15 minutes")));
    } else if ctx.function.has_http_trigger
        // Only a template's Api/HttpApi events are API Gateway for sure; the manifest's HTTP
        // trigger is served however the target's adapter chooses (a function URL has no 29 s
        // limit).
        && ctx.function.origin == FunctionOrigin::Template
        && seconds > 29.0
    {
        out.push(
            RULE.finding(node.span, format!("function {name} is behind an HTTP API, which gives up after 29 s, but may run {seconds} s"))
                .with_severity(Severity::Medium),
        );
    }
}

pub(crate) fn number(node: &crate::parse::Node) -> Option<f64> {
    match &node.value {
        crate::parse::Value::Number(n) | crate::parse::Value::String(n) => n.trim().parse().ok(),
        _ => None,
    }
}
