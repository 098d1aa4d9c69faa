//! `functory analyze FN`: the SDK calls a function's code makes, the IAM actions they need,
//! the generated least-privilege policy and the comparison with functory.toml.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use functory_api::analyze::{self, FunctionAnalysis, PermissionsPreview};
use functory_api::core::Permission;
use functory_api::{ApiError, Project};

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The function to analyse.
    function: String,
    /// The project folder (default: the current folder).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Print the analysis as JSON.
    #[arg(long)]
    json: bool,
    /// Replace the function's permissions with the generated policy (the diff is printed first).
    #[arg(long)]
    apply: bool,
    /// Explain an AccessDenied / AuthorizationFailed / PERMISSION_DENIED message (`-` reads
    /// standard input) instead: the call, the statement and the change.
    #[arg(long, value_name = "TEXT", conflicts_with = "apply")]
    explain: Option<String>,
}

/// Exit 0 when the code's needs are granted, 1 when something is missing or the handler has a
/// problem (so CI can fail on it), errors as usual.
pub fn run(args: AnalyzeArgs) -> Result<ExitCode, ApiError> {
    let project = Project::open(args.dir.clone().unwrap_or_else(|| PathBuf::from(".")))?;
    if let Some(text) = &args.explain {
        return explain(&project, &args, text);
    }
    let result = analyze::analyze(&project, &args.function)?;
    let preview = if args.apply {
        Some(analyze::apply_generated_policy(&project, &args.function)?)
    } else {
        None
    };
    if args.json {
        crate::print_json(&serde_json::json!({
            "analysis": result.analysis,
            "findings": result.findings,
            "applied": preview,
        }));
    } else {
        print_text(&result);
        if let Some(preview) = &preview {
            print_applied(preview);
        }
    }
    let failing = preview.is_none()
        && (!result.analysis.comparison.missing.is_empty()
            || !result.analysis.handler.problems.is_empty());
    Ok(if failing {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn explain(project: &Project, args: &AnalyzeArgs, text: &str) -> Result<ExitCode, ApiError> {
    let text = if text == "-" {
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input).map_err(|e| {
            ApiError::new(
                functory_api::ErrorCode::Io,
                format!("cannot read standard input: {e}"),
            )
        })?;
        input
    } else {
        text.to_owned()
    };
    let help = analyze::explain_access_denied(project, &args.function, &text)?;
    if args.json {
        crate::print_json(&help);
        return Ok(ExitCode::SUCCESS);
    }
    let denied = &help.explanation.denied;
    outln!(
        "refused: {} on {}{}",
        denied.action.as_deref().unwrap_or("(action not named)"),
        denied.resource.as_deref().unwrap_or("(resource not named)"),
        denied
            .principal
            .as_deref()
            .map(|p| format!(" for {p}"))
            .unwrap_or_default()
    );
    for call in &help.explanation.calls {
        outln!("  call: {}  {}", call.location, call.code);
    }
    if let Some(location) = &help.explanation.statement_location {
        outln!("  statement: {location}");
    }
    outln!("change: {}", help.explanation.summary);
    if let Some(preview) = &help.preview {
        out!("{}", preview.diff);
    }
    Ok(ExitCode::SUCCESS)
}

fn toml_list(values: &[String]) -> String {
    let quoted: Vec<String> = values
        .iter()
        .map(|v| serde_json::Value::String(v.clone()).to_string())
        .collect();
    format!("[{}]", quoted.join(", "))
}

fn print_policy(function: &str, policy: &[Permission]) {
    for (i, statement) in policy.iter().enumerate() {
        if i > 0 {
            outln!();
        }
        outln!("  [[functions.{function}.permissions]]");
        if statement.effect == functory_api::core::PermissionEffect::Deny {
            outln!("  effect = \"Deny\"");
        }
        outln!("  actions = {}", toml_list(&statement.actions));
        outln!("  resources = {}", toml_list(&statement.resources));
    }
}

fn print_text(result: &FunctionAnalysis) {
    let a = &result.analysis;
    outln!(
        "function {} (handler {}{})",
        a.function,
        a.handler.handler,
        a.handler
            .file
            .as_deref()
            .map(|f| format!(" in {f}"))
            .unwrap_or_default()
    );
    for problem in &a.handler.problems {
        match &problem.location {
            Some(location) => outln!("  handler problem: {location}: {}", problem.message),
            None => outln!("  handler problem: {}", problem.message),
        }
    }
    for file in &a.files {
        for problem in &file.parse_problems {
            outln!("  parse error: {}: {}", problem.location, problem.message);
        }
    }
    outln!();
    outln!("calls ({}):", a.calls.len());
    for call in &a.calls {
        outln!(
            "  {}  {}:{}  {}",
            call.location,
            call.service,
            call.operation,
            call.code
        );
        for (action, resource) in call.actions.iter().zip(&call.resources) {
            outln!("      {action} on {}  ({})", resource.arn, resource.reason);
        }
        if let Some(note) = &call.note {
            outln!("      note: {note}");
        }
    }
    if !a.not_understood.is_empty() {
        outln!();
        outln!("not understood ({}):", a.not_understood.len());
        for unknown in &a.not_understood {
            outln!(
                "  {}  {}: {}",
                unknown.location,
                unknown.code,
                unknown.reason
            );
        }
    }
    outln!();
    outln!("required actions:");
    for need in &a.required {
        let at: Vec<String> = need.locations.iter().map(ToString::to_string).collect();
        outln!(
            "  {} on {}  ({})",
            need.action,
            need.resource,
            at.join(", ")
        );
    }
    outln!();
    outln!("generated policy:");
    print_policy(&a.function, &a.policy);
    outln!();
    outln!("compared with functory.toml:");
    if a.comparison.missing.is_empty() && a.comparison.unused.is_empty() {
        outln!("  the granted permissions match what the code needs");
    }
    for missing in &a.comparison.missing {
        let at: Vec<String> = missing.locations.iter().map(ToString::to_string).collect();
        outln!(
            "  missing: {} on {}: {} ({})",
            missing.action,
            missing.resource,
            missing.why,
            at.join(", ")
        );
    }
    for unused in &a.comparison.unused {
        let at = unused
            .location
            .as_ref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default();
        if unused.needed.is_empty() {
            outln!("  granted but unused: {}{at}", unused.action);
        } else {
            outln!(
                "  broader than needed: {} ({} actions; the code needs {}){at}",
                unused.action,
                unused.granted_count,
                unused.needed.join(", ")
            );
        }
    }
}

fn print_applied(preview: &PermissionsPreview) {
    outln!();
    if preview.diff.is_empty() {
        outln!("functory.toml already grants exactly the generated policy");
        return;
    }
    outln!("functory.toml:");
    out!("{}", preview.diff);
    outln!(
        "replaced the permissions of {} with the generated policy",
        preview.function
    );
}
