use crate::finding::{Finding, Severity};
use crate::rules::lmb005_timeout_extreme::number;
use crate::rules::{Check, FunctionContext};
use crate::source::FunctionOrigin;

declare_rule! {
    /// ## What it checks
    /// Function memory outside Lambda's 128–10,240 MB (templates; the manifest's range is
    /// checked by `functory check`), or at the 10,240 MB maximum.
    ///
    /// ## Why it matters
    /// A value AWS rejects fails the deployment. The maximum size costs 80 times the minimum
    /// per millisecond; it is occasionally right (CPU scales with memory) but usually a
    /// leftover from debugging, and it lets a memory leak grow for a long time before the
    /// function fails.
    ///
    /// ## Example
    /// ```toml
    /// [functions.report]
    /// memory_mb = 10240
    /// ```
    ///
    /// ## Fix
    /// Measure (the REPORT line shows "Max Memory Used") and set the memory a little above
    /// it; AWS Lambda Power Tuning finds the cheapest size.
    ///
    /// ## References
    /// - AWS Lambda Developer Guide: Configure Lambda function memory
    pub static RULE = Rule {
        code: "LMB006",
        name: "memory-extreme",
        summary: "Function memory out of range or at the maximum",
        severity: Severity::Low,
        fix: None,
        check: Check::Function(check),
    };
}

fn check(ctx: &FunctionContext<'_, '_>, out: &mut Vec<Finding>) {
    let Some(node) = ctx.function.memory else {
        return;
    };
    let Some(mb) = number(node) else { return };
    let name = &ctx.function.name;
    if !(128.0..=10240.0).contains(&mb) {
        if ctx.function.origin == FunctionOrigin::Template {
            out.push(
                RULE.finding(
                    node.span,
                    format!("function {name}: memory {mb} MB is outside Lambda's 128-10240 MB"),
                )
                .with_severity(Severity::High),
            );
        }
    } else if mb >= 10240.0 {
        out.push(RULE.finding(
            node.span,
            format!("function {name} has the maximum memory (10240 MB); measure and size it"),
        ));
    }
}
