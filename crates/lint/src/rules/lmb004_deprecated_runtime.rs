use functory_core::runtime::{Change, Cloud, DEPRECATION_NOTICE_DAYS, RuntimeLifecycle, catalogue};

use crate::finding::{Applicability, Finding, Fix, Severity};
use crate::rules::{Check, FunctionContext, scalar_text};

declare_rule! {
    /// ## What it checks
    /// Functions on a Lambda runtime that AWS deprecates within 180 days, has deprecated, or no
    /// longer lets you deploy. The dates come from Functory's runtime catalogue
    /// (`crates/core/data/runtimes.toml`, copied from the AWS Lambda "Lambda runtimes" page with
    /// its snapshot date), for every Lambda runtime: Node.js, Python, OS-only, Java, .NET,
    /// Ruby and Go.
    ///
    /// - Up to 180 days before the deprecation date: a warning (low), so the move is planned.
    /// - From the deprecation date: a warning (medium). No more security patches.
    /// - From the day AWS blocks creating functions on the runtime: an error (high). A new
    ///   stage or a recreated function fails, and from the block-update date so does every
    ///   update of the existing ones.
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
    /// Move to the newest runtime of the family that is not deprecated (`nodejs24.x`,
    /// `python3.14`, `provided.al2023`, `java25`, `dotnet10`, `ruby4.0` as of the catalogue's
    /// snapshot; Go 1.x moves to `provided.al2023`). The fix is unsafe: test the function on the
    /// new runtime.
    ///
    /// ## References
    /// - AWS Lambda Developer Guide: Lambda runtimes (supported and deprecated runtimes), https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
    /// - AWS Lambda Developer Guide: Runtime deprecation policy
    pub static RULE = Rule {
        code: "LMB004",
        name: "deprecated-runtime",
        summary: "A function on a Lambda runtime that is deprecated, or soon will be",
        severity: Severity::Medium,
        fix: Some(Applicability::Unsafe),
        check: Check::Function(check),
    };
}

fn check(ctx: &FunctionContext<'_, '_>, out: &mut Vec<Finding>) {
    let Some(node) = ctx.function.runtime else {
        return;
    };
    let Some(runtime) = node.as_str() else { return };
    let catalogue = catalogue();
    let Some(entry) = catalogue.lookup(Cloud::Aws, runtime) else {
        return;
    };
    let on = ctx.today;
    let Some((severity, what)) = stage(entry, on) else {
        return;
    };
    let successor = catalogue.successor(entry, on);
    let name = &ctx.function.name;
    let mut message = format!("function {name} uses {runtime}: {what}");
    if let Some(next) = successor {
        message.push_str(&format!("; use {}", next.id));
    }
    let mut finding = RULE.finding(node.span, message).with_severity(severity);
    if let Some(next) = successor {
        finding = finding.with_fix(Fix::replace(
            Applicability::Unsafe,
            format!("use {}", next.id),
            node.span,
            scalar_text(ctx.text, node.span, &next.id),
        ));
    }
    out.push(finding);
}

/// How bad `entry` is on `on`, and what to say about it; `None` while it is years away.
fn stage(entry: &RuntimeLifecycle, on: chrono::NaiveDate) -> Option<(Severity, String)> {
    let lambda = Cloud::Aws.label();
    if let Some(since) = entry.blocked(Change::Update, on) {
        return Some((
            Severity::High,
            format!("{lambda} refuses to create or update functions on it since {since}"),
        ));
    }
    if let Some(since) = entry.blocked(Change::Create, on) {
        let mut what = format!("{lambda} refuses to create functions on it since {since}");
        if let Some(update) = entry.block_update {
            what.push_str(&format!(" and will refuse updates from {update}"));
        }
        return Some((Severity::High, what));
    }
    let deprecation = entry.deprecation?;
    let blocks = match (entry.block_create, entry.block_update) {
        (Some(create), Some(update)) => format!(
            "; {lambda} blocks creating functions on it from {create} and updating them from {update}"
        ),
        (Some(create), None) => format!("; {lambda} blocks creating functions on it from {create}"),
        _ => String::new(),
    };
    if entry.is_deprecated(on) {
        return Some((
            Severity::Medium,
            format!("deprecated since {deprecation} (no more security patches){blocks}"),
        ));
    }
    let days = entry.days_to_deprecation(on)?;
    (days <= DEPRECATION_NOTICE_DAYS).then(|| {
        (
            Severity::Low,
            format!("deprecated on {deprecation}, in {days} days{blocks}"),
        )
    })
}
