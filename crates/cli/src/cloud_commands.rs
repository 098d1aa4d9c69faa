//! `functory deploy`, `functory versions`, `functory rollback`, and `invoke` / `logs` on cloud
//! targets, over `functory_api::cloud`.
//!
//! A deploy prints its plan first and asks before changing anything (or takes `--yes`); while
//! it runs, each step is shown with the elapsed time. Ctrl+C stops it between two calls: the
//! stage alias moves last, so the stage still serves the previous version, which is printed.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use functory_api::accounts::Accounts;
use functory_api::cloud::{
    self, CloudTarget, DeployReport, DeployStep, FunctionPlan, PlanChange, ResourcePlan,
};
use functory_api::local::{LogLine, LogQuery};
use futures_util::StreamExt;

use crate::runtime_commands::{
    format_line, interrupted, print_invocation, project_dir, read_event,
};

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The functions to deploy (default: all of them).
    functions: Vec<String>,
    /// The target to deploy to, from functory.toml.
    #[arg(long)]
    target: String,
    /// Only print what would change.
    #[arg(long)]
    plan: bool,
    /// Deploy without asking for confirmation.
    #[arg(long, short)]
    yes: bool,
    /// Print the plan (with `--plan`) or the report as JSON.
    #[arg(long)]
    json: bool,
    /// An AWS profile to act as instead of the target's own credentials.
    #[arg(long)]
    profile: Option<String>,
    /// The project folder (default: the current folder).
    #[arg(long)]
    dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VersionsArgs {
    /// The function whose published versions to list.
    function: String,
    #[arg(long)]
    target: String,
    #[arg(long)]
    json: bool,
    /// An AWS profile to act as instead of the target's own credentials.
    #[arg(long)]
    profile: Option<String>,
    #[arg(long)]
    dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The function to roll back.
    function: String,
    /// The target whose stage moves back.
    #[arg(long)]
    target: String,
    /// The published version the stage should serve (`functory versions` lists them).
    #[arg(long = "to")]
    version: String,
    /// An AWS profile to act as instead of the target's own credentials.
    #[arg(long)]
    profile: Option<String>,
    #[arg(long)]
    dir: Option<PathBuf>,
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("functory: error: {message}");
    ExitCode::FAILURE
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(format!("cannot start the async runtime: {e}")))
}

async fn connect(
    dir: &std::path::Path,
    target: &str,
    profile: Option<String>,
) -> Result<CloudTarget, ExitCode> {
    // An Azure target without a keychain account signs in with the Azure CLI, or — when asked
    // with FUNCTORY_AZURE_DEVICE_CODE=1 — with a device code shown here.
    let device_code = std::env::var("FUNCTORY_AZURE_DEVICE_CODE").is_ok_and(|v| v == "1");
    let options = cloud::ConnectOptions {
        azure_device_code: device_code.then(|| {
            std::sync::Arc::new(|message: String| eprintln!("{message}"))
                as std::sync::Arc<dyn Fn(String) + Send + Sync>
        }),
        aws_profile: profile,
    };
    cloud::connect_with(dir, target, &Accounts::keychain(), &options)
        .await
        .map_err(fail)
}

/// Signs in for `target` on a runtime of its own and runs `work` with it; failing to start or
/// to sign in is printed and ends the command.
fn with_target<F, Fut>(
    dir: &std::path::Path,
    target: &str,
    profile: Option<String>,
    work: F,
) -> ExitCode
where
    F: FnOnce(CloudTarget) -> Fut,
    Fut: std::future::Future<Output = ExitCode>,
{
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        match connect(dir, target, profile).await {
            Ok(cloud) => work(cloud).await,
            Err(code) => code,
        }
    })
}

fn print_change(change: &PlanChange) {
    let sign = match change.action.as_str() {
        "create" => "+",
        "update" => "~",
        "delete" => "-",
        _ => "=",
    };
    let action = if change.action == "noOp" {
        "no change"
    } else {
        change.action.as_str()
    };
    let mut line = format!("  {sign} {} {}: {action}", change.kind, change.name);
    if !change.details.is_empty() {
        line.push_str(&format!(" ({})", change.details.join("; ")));
    }
    if !change.calls.is_empty() {
        line.push_str(&format!(" [{}]", change.calls.join(", ")));
    }
    outln!("{line}");
}

fn print_resource_plan(plan: Option<&ResourcePlan>) {
    let Some(plan) = plan else { return };
    let state = if plan.no_op { "no change" } else { "changes" };
    outln!("resources → {} ({state}):", plan.target);
    for change in &plan.changes {
        print_change(change);
    }
}

fn print_plans(plans: &[FunctionPlan]) {
    for plan in plans {
        let state = if plan.no_op { "no change" } else { "changes" };
        outln!(
            "{} → {} ({state}; package {:.1} MB):",
            plan.function,
            plan.target,
            plan.package_bytes as f64 / (1024.0 * 1024.0)
        );
        for change in &plan.changes {
            print_change(change);
        }
        for endpoint in &plan.endpoints {
            outln!("  at {endpoint}");
        }
    }
}

/// Asks on the terminal; refuses when nobody can answer.
fn confirm(question: &str) -> Result<bool, String> {
    if !std::io::stdin().is_terminal() {
        return Err(
            "not deploying without confirmation: run it in a terminal, or add --yes".into(),
        );
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// One line per step; on a terminal the line is rewritten in place as a progress bar.
fn show_step(step: &DeployStep, terminal: bool) {
    let width = 20;
    let filled = if step.steps == 0 {
        width
    } else {
        (step.step as usize * width) / step.steps as usize
    };
    let bar = format!(
        "{}{}",
        "#".repeat(filled),
        "-".repeat(width - filled.min(width))
    );
    let line = format!(
        "[{bar}] {}/{} {}: {} ({:.1} s)",
        step.step,
        step.steps,
        step.function,
        step.label,
        step.elapsed_ms as f64 / 1000.0
    );
    if terminal {
        eprint!("\r\x1b[2K{line}");
        if step.label == "done" {
            eprintln!();
        }
    } else {
        eprintln!("{line}");
    }
}

fn print_report(report: &DeployReport) {
    for made in &report.resources {
        outln!("created {} {} in {}", made.kind, made.name, report.target);
    }
    for deployed in &report.deployed {
        let what = if deployed.calls.is_empty() {
            "no change".to_owned()
        } else if deployed.uploaded {
            "code uploaded".to_owned()
        } else {
            "configuration only".to_owned()
        };
        outln!(
            "deployed {} to {}: version {} ({what})",
            deployed.function,
            report.target,
            deployed.version
        );
        for endpoint in &deployed.endpoints {
            outln!("  {endpoint}");
        }
    }
    outln!(
        "recorded in history at commit {}",
        &report.commit[..report.commit.len().min(12)]
    );
}

pub fn deploy(args: DeployArgs) -> ExitCode {
    let dir = project_dir(args.dir);
    let target_name = args.target.clone();
    let profile = args.profile.clone();
    with_target(&dir, &target_name, profile, move |target| async move {
        // Whose account this is, said before anything changes.
        match target.identity().await {
            Ok(who) => eprintln!(
                "functory: target {} acts as {} (account {}{}) through {}",
                who.target,
                who.arn,
                who.account,
                who.region
                    .as_deref()
                    .map(|r| format!(", {r}"))
                    .unwrap_or_default(),
                who.source
            ),
            Err(error) if error.code == functory_api::ErrorCode::NotSupported => {}
            Err(error) => return fail(error),
        }
        let resources = match target.plan_resources().await {
            Ok(resources) => resources,
            Err(error) => return fail(error),
        };
        let plans = match target.plan(&args.functions).await {
            Ok(plans) => plans,
            Err(error) => return fail(error),
        };
        if args.plan {
            if args.json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&plans).unwrap_or_default()
                );
            } else {
                print_resource_plan(resources.as_ref());
                print_plans(&plans);
            }
            return ExitCode::SUCCESS;
        }
        if !args.json {
            print_resource_plan(resources.as_ref());
            print_plans(&plans);
        }
        if !args.yes {
            let changes =
                plans.iter().any(|p| !p.no_op) || resources.as_ref().is_some_and(|r| !r.no_op);
            let question = if changes {
                format!("Deploy to {}?", args.target)
            } else {
                format!(
                    "Nothing changes; record a deploy to {} anyway?",
                    args.target
                )
            };
            match confirm(&question) {
                Ok(true) => {}
                Ok(false) => {
                    eprintln!("functory: nothing deployed");
                    return ExitCode::FAILURE;
                }
                Err(message) => return fail(message),
            }
        }
        let terminal = std::io::stderr().is_terminal() && !args.json;
        let last_step = std::sync::Arc::new(std::sync::Mutex::new(None::<DeployStep>));
        let seen = last_step.clone();
        // The plans just shown: a function they found unchanged is not planned again.
        let deploying = target.deploy_planned(&plans, move |step| {
            show_step(&step, terminal);
            if let Ok(mut last) = seen.lock() {
                *last = Some(step);
            }
        });
        let report = tokio::select! {
            report = deploying => report,
            () = interrupted() => {
                let step = last_step.lock().ok().and_then(|s| s.clone());
                let function = step.as_ref().map(|s| s.function.clone());
                eprintln!();
                match step {
                    Some(step) => eprintln!("functory: deploy interrupted during `{}` of {}", step.label, step.function),
                    None => eprintln!("functory: deploy interrupted before it changed anything"),
                }
                if let Some(function) = function {
                    // Give the cut call a moment to settle before asking what is served.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    match target.serving(&function).await {
                        Some(version) => eprintln!("functory: stage `{}` of `{function}` still serves version {version}; deploy again to finish", args.target),
                        None => eprintln!("functory: `{function}` has no stage `{}` yet; deploy again to finish", args.target),
                    }
                }
                return ExitCode::from(130);
            }
        };
        let report = match report {
            Ok(report) => report,
            Err(error) => return fail(error),
        };
        if args.json {
            outln!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        } else {
            print_report(&report);
            for (plan, deployed) in plans.iter().zip(&report.deployed) {
                if plan.calls() != deployed.calls {
                    eprintln!(
                        "functory: warning: `{}` changed between the plan and the deploy; the deploy made [{}]",
                        deployed.function,
                        deployed.calls.join(", ")
                    );
                }
            }
        }
        match &report.failed {
            None => ExitCode::SUCCESS,
            Some(failure) => {
                eprintln!(
                    "functory: error: deploying `{}` failed: {}",
                    failure.function, failure.message
                );
                match &failure.still_serving {
                    Some(version) => eprintln!(
                        "functory: stage `{}` of `{}` still serves version {version}",
                        report.target, failure.function
                    ),
                    None => eprintln!(
                        "functory: `{}` has no stage `{}`: nothing of it is served yet",
                        failure.function, report.target
                    ),
                }
                ExitCode::FAILURE
            }
        }
    })
}

pub fn versions(args: VersionsArgs) -> ExitCode {
    let dir = project_dir(args.dir);
    let target_name = args.target.clone();
    let profile = args.profile.clone();
    with_target(&dir, &target_name, profile, move |target| async move {
        let versions = match target.versions(&args.function).await {
            Ok(versions) => versions,
            Err(error) => return fail(error),
        };
        if args.json {
            outln!(
                "{}",
                serde_json::to_string_pretty(&versions).unwrap_or_default()
            );
            return ExitCode::SUCCESS;
        }
        if versions.is_empty() {
            outln!(
                "`{}` has no published version on {}",
                args.function,
                args.target
            );
        }
        for v in versions {
            let marker = if v.serving { "*" } else { " " };
            outln!(
                "{marker} {:>4}  {}  {}  {}",
                v.version,
                v.last_modified,
                v.code_sha256,
                v.description
            );
        }
        ExitCode::SUCCESS
    })
}

pub fn rollback(args: RollbackArgs) -> ExitCode {
    let dir = project_dir(args.dir);
    let target_name = args.target.clone();
    let profile = args.profile.clone();
    with_target(&dir, &target_name, profile, move |target| async move {
        if let Err(error) = target.rollback(&args.function, &args.version).await {
            return fail(error);
        }
        outln!(
            "stage `{}` of `{}` now serves version {}",
            args.target,
            args.function,
            args.version
        );
        ExitCode::SUCCESS
    })
}

/// What `functory invoke FN --target CLOUD` was asked.
#[derive(Debug)]
pub struct CloudInvoke<'a> {
    pub target: &'a str,
    pub function: &'a str,
    pub event: Option<&'a std::path::Path>,
    /// `$LATEST` instead of the target's stage.
    pub latest: bool,
    pub asynchronous: bool,
    pub json: bool,
    pub profile: Option<String>,
}

/// `functory invoke FN --target CLOUD`.
pub fn invoke(dir: PathBuf, request: CloudInvoke<'_>) -> ExitCode {
    let CloudInvoke {
        target,
        function,
        event,
        latest,
        asynchronous,
        json,
        profile,
    } = request;
    let event = match read_event(event) {
        Ok(event) => event,
        Err(message) => return fail(message),
    };
    with_target(&dir, target, profile, move |cloud| async move {
        let invocation = match cloud.invoke(function, &event, latest, asynchronous).await {
            Ok(invocation) => invocation,
            Err(error) => return fail(error),
        };
        if asynchronous {
            outln!(
                "accepted (HTTP {}): the event is queued",
                invocation.status_code
            );
            return ExitCode::SUCCESS;
        }
        if json {
            outln!(
                "{}",
                serde_json::to_string_pretty(&invocation).unwrap_or_default()
            );
        } else {
            print_invocation(&invocation);
        }
        match &invocation.function_error {
            None => ExitCode::SUCCESS,
            Some(error) => {
                if !json {
                    eprintln!(
                        "functory: the function failed: {}: {}",
                        error.error_type, error.message
                    );
                    for line in &error.stack_trace {
                        eprintln!("    {line}");
                    }
                }
                ExitCode::FAILURE
            }
        }
    })
}

/// `functory logs FN --target CLOUD`: lines grouped by request, oldest first; with `--live`,
/// a live tail session instead of polling.
pub fn logs(
    dir: PathBuf,
    target: &str,
    function: &str,
    query: LogQuery,
    live: bool,
    profile: Option<String>,
) -> ExitCode {
    if live {
        let runtime = match runtime() {
            Ok(runtime) => runtime,
            Err(code) => return code,
        };
        return runtime.block_on(async move {
            let lines =
                match cloud::live_logs(&dir, target, function, &query, &Accounts::keychain()).await
                {
                    Ok(lines) => lines,
                    Err(error) => return fail(error),
                };
            eprintln!(
                "functory: live tail of `{function}` on {target} (billed by AWS per minute; Ctrl+C ends it)"
            );
            print_all(lines, true).await
        });
    }
    with_target(&dir, target, profile, move |cloud| async move {
        let lines = match cloud.logs(function, &query).await {
            Ok(lines) => lines,
            Err(error) => return fail(error),
        };
        print_all(lines, false).await
    })
}

/// Prints lines grouped by request until they end or Ctrl+C.
async fn print_all(mut lines: cloud::CloudLogLines, live: bool) -> ExitCode {
    let mut current: Option<String> = None;
    let printing = async {
        while let Some(line) = lines.next().await {
            match line {
                Ok(line) => print_grouped(&line, &mut current),
                Err(error) => return Err(error),
            }
        }
        Ok(())
    };
    tokio::select! {
        result = printing => match result {
            Ok(()) => {
                if live {
                    eprintln!("functory: the live tail session ended");
                }
                ExitCode::SUCCESS
            }
            Err(error) => fail(error),
        },
        () = interrupted() => ExitCode::SUCCESS,
    }
}

/// A blank line and the request id when the invocation changes.
fn print_grouped(line: &LogLine, current: &mut Option<String>) {
    if line.request_id != *current {
        if let Some(id) = &line.request_id {
            outln!("\n── request {id}");
        }
        current.clone_from(&line.request_id);
    }
    outln!("{}", format_line(line));
}
