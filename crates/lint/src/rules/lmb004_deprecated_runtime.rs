use crate::finding::{Applicability, Finding, Fix, Severity};
use crate::rules::{Check, FunctionContext, scalar_text};

declare_rule! {
    /// ## What it checks
    /// Functions on a Lambda runtime that AWS has deprecated (no more security patches):
    /// Node.js 18 and older, Python 3.9 and older, Java 8 on Amazon Linux 1, .NET 7 and older,
    /// Ruby 3.2 and older, Go 1.x, and the Amazon Linux 1 custom runtime `provided`.
    ///
    /// ## Why it matters
    /// Deprecated runtimes get no security updates to the language runtime or the operating
    /// system. AWS then blocks creating and later updating functions on them, so a security
    /// fix in your own code cannot be deployed when it is needed most.
    ///
    /// ## Example
    /// ```toml
    /// [functions.resize]
    /// runtime = "nodejs18.x"
    /// ```
    ///
    /// ## Fix
    /// Move to the newest runtime of the family (`nodejs22.x`, `python3.13`, `java21`,
    /// `dotnet8`, `ruby3.4`, `provided.al2023`). The fix is unsafe: test the function on the new
    /// runtime.
    ///
    /// ## References
    /// - AWS Lambda Developer Guide: Lambda runtimes (supported and deprecated runtimes)
    pub static RULE = Rule {
        code: "LMB004",
        name: "deprecated-runtime",
        summary: "A function on a deprecated Lambda runtime",
        severity: Severity::Medium,
        fix: Some(Applicability::Unsafe),
        check: Check::Function(check),
    };
}

/// Deprecated runtime identifiers (AWS Lambda runtime deprecation list) and their successor.
const DEPRECATED: &[(&str, &str)] = &[
    ("nodejs", "nodejs22.x"),
    ("nodejs4.3", "nodejs22.x"),
    ("nodejs4.3-edge", "nodejs22.x"),
    ("nodejs6.10", "nodejs22.x"),
    ("nodejs8.10", "nodejs22.x"),
    ("nodejs10.x", "nodejs22.x"),
    ("nodejs12.x", "nodejs22.x"),
    ("nodejs14.x", "nodejs22.x"),
    ("nodejs16.x", "nodejs22.x"),
    ("nodejs18.x", "nodejs22.x"),
    ("python2.7", "python3.13"),
    ("python3.6", "python3.13"),
    ("python3.7", "python3.13"),
    ("python3.8", "python3.13"),
    ("python3.9", "python3.13"),
    ("java8", "java21"),
    ("dotnetcore1.0", "dotnet8"),
    ("dotnetcore2.0", "dotnet8"),
    ("dotnetcore2.1", "dotnet8"),
    ("dotnetcore3.1", "dotnet8"),
    ("dotnet5.0", "dotnet8"),
    ("dotnet6", "dotnet8"),
    ("dotnet7", "dotnet8"),
    ("ruby2.5", "ruby3.4"),
    ("ruby2.7", "ruby3.4"),
    ("ruby3.2", "ruby3.4"),
    ("go1.x", "provided.al2023"),
    ("provided", "provided.al2023"),
];

fn check(ctx: &FunctionContext<'_, '_>, out: &mut Vec<Finding>) {
    let Some(node) = ctx.function.runtime else {
        return;
    };
    let Some(runtime) = node.as_str() else { return };
    // functory-core knows which of its runtimes are deprecated; the table covers the rest.
    let from_core = runtime
        .parse::<functory_core::Runtime>()
        .ok()
        .filter(|r| r.deprecated)
        .map(|r| match r.family {
            functory_core::RuntimeFamily::Node => "nodejs22.x",
            functory_core::RuntimeFamily::Python => "python3.13",
            functory_core::RuntimeFamily::Provided => "provided.al2023",
        });
    let Some(successor) = from_core.or_else(|| {
        DEPRECATED
            .iter()
            .find(|(r, _)| *r == runtime)
            .map(|(_, s)| *s)
    }) else {
        return;
    };
    out.push(
        RULE.finding(
            node.span,
            format!(
                "function {} uses the deprecated runtime {runtime}; use {successor}",
                ctx.function.name
            ),
        )
        .with_fix(Fix::replace(
            Applicability::Unsafe,
            format!("use {successor}"),
            node.span,
            scalar_text(ctx.text, node.span, successor),
        )),
    );
}
