//! The analysis as lint findings, in the shapes of `functory-lint` so `functory lint`, the
//! Security view and the editor show them with the linter's own.

use functory_lint::parse::Span;
use functory_lint::{Applicability, Finding, Fix, Severity};

use crate::model::{Analysis, Location};

/// (code, name, severity, summary) of every analyzer finding.
pub const CODES: &[(&str, &str, Severity, &str)] = &[
    (
        "LPA001",
        "missing-permission",
        Severity::High,
        "The handler calls an AWS API its permissions do not allow: the call fails with AccessDenied.",
    ),
    (
        "LPA002",
        "unused-permission",
        Severity::Low,
        "The function is granted an action no call in its code needs (over-privilege).",
    ),
    (
        "LPA003",
        "call-not-understood",
        Severity::Info,
        "An SDK call the analyzer could not map to IAM actions; its permissions are not checked.",
    ),
    (
        "LPA004",
        "handler-problem",
        Severity::High,
        "The handler the manifest names is missing, not exported, or has the wrong shape.",
    ),
    (
        "LPA005",
        "code-does-not-parse",
        Severity::Medium,
        "Part of a handler file does not parse; the analysis covers the rest.",
    ),
];

pub fn rule_name(code: &str) -> &'static str {
    CODES
        .iter()
        .find(|(c, ..)| *c == code)
        .map_or("", |(_, name, ..)| name)
}

fn severity(code: &str) -> Severity {
    CODES
        .iter()
        .find(|(c, ..)| *c == code)
        .map_or(Severity::Info, |(_, _, s, _)| *s)
}

/// A finding and the file it is in (relative to the project root).
#[derive(Debug, Clone)]
pub struct AnalyzerFinding {
    pub file: String,
    pub finding: Finding,
}

fn span(location: &Location) -> Span {
    Span::new(location.start as usize, location.end as usize)
}

fn finding(
    code: &'static str,
    location: &Location,
    message: String,
    function: &str,
) -> AnalyzerFinding {
    AnalyzerFinding {
        file: location.file.clone(),
        finding: Finding {
            code,
            severity: severity(code),
            message,
            span: span(location),
            fix: None,
            note: None,
            context: Some(format!("functions.{function}")),
            function: Some(function.to_owned()),
            suppressed: None,
        },
    }
}

/// Every finding of one function's analysis. `manifest` is functory.toml as read once for the
/// project, for findings about the manifest itself.
pub fn findings(
    analysis: &Analysis,
    manifest: Option<&crate::policy::ManifestSource<'_>>,
) -> Vec<AnalyzerFinding> {
    let function = analysis.function.as_str();
    let mut out = Vec::new();
    let manifest_anchor = manifest.and_then(|m| m.permissions_location(function));
    let handler_anchor = manifest.and_then(|m| m.handler_location(function));

    for problem in &analysis.handler.problems {
        let Some(location) = problem.location.as_ref().or(handler_anchor.as_ref()) else {
            continue;
        };
        out.push(finding(
            "LPA004",
            location,
            problem.message.clone(),
            function,
        ));
    }
    for file in &analysis.files {
        for problem in &file.parse_problems {
            out.push(finding(
                "LPA005",
                &problem.location,
                format!(
                    "{}; the analysis covers the parts that parse",
                    problem.message
                ),
                function,
            ));
        }
    }
    for missing in &analysis.comparison.missing {
        for location in &missing.locations {
            let message = format!(
                "{} on {} is not granted: this call will fail with AccessDenied ({})",
                missing.action, missing.resource, missing.why
            );
            let mut f = finding("LPA001", location, message, function);
            f.finding.fix = Some(Fix::new(
                Applicability::DisplayOnly,
                format!(
                    "grant {} on {} in functions.{function}.permissions, or use the generated policy (`functory analyze {function} --apply`)",
                    missing.action, missing.resource
                ),
                Vec::new(),
            ));
            out.push(f);
        }
    }
    for unused in &analysis.comparison.unused {
        let Some(location) = unused.location.as_ref().or(manifest_anchor.as_ref()) else {
            continue;
        };
        let message = if let Some(deploy) = &unused.granted_by_deploy {
            format!(
                "{} is granted (on {}) but no call in the handler's code needs it, and what the trigger needs the deploy grants itself ({deploy}): this grant can go",
                unused.action,
                unused.resources.join(", ")
            )
        } else if unused.needed.is_empty() {
            format!(
                "{} is granted (on {}) but no call in the handler's code needs it",
                unused.action,
                unused.resources.join(", ")
            )
        } else {
            format!(
                "{} grants {} actions but the code needs only {}",
                unused.action,
                unused.granted_count,
                unused.needed.join(", ")
            )
        };
        let mut f = finding("LPA002", location, message, function);
        if !analysis.not_understood.is_empty() {
            f.finding.note = Some(format!(
                "{} call(s) were not understood and may need it",
                analysis.not_understood.len()
            ));
        }
        out.push(f);
    }
    for unknown in &analysis.not_understood {
        out.push(finding(
            "LPA003",
            &unknown.location,
            format!(
                "`{}` was not understood: {}; its permissions are not checked",
                unknown.code, unknown.reason
            ),
            function,
        ));
    }
    out
}
