//! `functory`: the command line over `functory-api`, for scripts and CI. Every use case the app
//! offers headless lives here; output is one clear line per problem, or JSON with `--json`.

#[macro_use]
mod output;
mod accounts_command;
mod analyze_command;
mod audit_command;
mod cloud_commands;
mod events_command;
mod export_command;
mod history_command;
mod import_command;

use std::path::PathBuf;
use std::process::ExitCode;

mod runtime_commands;

use clap::{Parser, Subcommand};
use functory_api::core::Severity;
use functory_api::core::template::FunctionTemplate;
use functory_api::{ApiError, Project};

mod lint_command;
mod target_command;

#[derive(Debug, Parser)]
#[command(
    name = "functory",
    version,
    about = "Author, wire, audit and ship serverless functions."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new project folder with a manifest and, from a template, a first function.
    New {
        /// The folder to create (must not exist, or be empty).
        dir: PathBuf,
        /// The first function's template (`none`: only the manifest).
        #[arg(long, default_value = "node-http", value_parser = template_ids())]
        template: String,
        /// The project's name (default: the folder's name).
        #[arg(long)]
        name: Option<String>,
        /// Print the new project as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Validate functory.toml; exit 1 with `file:line:col: message` lines if it has errors.
    Check {
        /// The project folder (default: the current folder).
        dir: Option<PathBuf>,
        /// Print the diagnostics as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Cloud accounts in the OS keychain.
    Accounts(accounts_command::AccountsArgs),
    /// The targets of functory.toml: add, list, remove.
    Target(target_command::TargetArgs),
    /// Commit the project's current state to its history.
    Checkpoint(history_command::CheckpointArgs),
    /// The project's (or one function's) commits and deploys, newest first.
    History(history_command::HistoryArgs),
    /// List the project's functions.
    Functions {
        /// The project folder (default: the current folder).
        dir: Option<PathBuf>,
        /// Print the functions as JSON.
        #[arg(long)]
        json: bool,
    },
    /// How the local run differs from AWS Lambda for this project (interpreter and SDK
    /// versions, permissions, limits, triggers that do not run locally), each with what to do.
    Fidelity {
        /// Only this function (default: every function).
        function: Option<String>,
        /// The project folder (default: the current folder).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Print the differences as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve every function and trigger of the project locally until Ctrl+C.
    Run(runtime_commands::RunArgs),
    /// Invoke a function once (locally, or on a cloud target) and print its response and logs.
    Invoke(runtime_commands::InvokeArgs),
    /// Print a function's log lines (local, or a cloud target's with --target).
    Logs(runtime_commands::LogsArgs),
    /// Lint IAM policies, templates and functory.toml for security problems.
    Lint(lint_command::LintArgs),
    /// Import another tool's project (AWS SAM, Serverless Framework) into functory.toml, or a
    /// function deployed in an AWS account into the project.
    Import(import_command::ImportArgs),
    /// Export the project in another tool's format (AWS SAM).
    Export(export_command::ExportArgs),
    /// Sample events of every trigger kind.
    Events(events_command::EventsArgs),
    /// Deploy functions to a cloud target: print the plan, confirm, apply with progress.
    Deploy(cloud_commands::DeployArgs),
    /// List a function's published versions on a cloud target (`*` marks the one served).
    Versions(cloud_commands::VersionsArgs),
    /// Point a cloud target's stage back at an earlier published version.
    Rollback(cloud_commands::RollbackArgs),
    /// Audit every Lambda function deployed in an AWS account's regions: configuration,
    /// function URLs, secrets in environment variables, execution roles' policies, with the
    /// rules `functory lint` runs; text, JSON, SARIF or a self-contained HTML report.
    Audit(audit_command::AuditArgs),
    /// Read a function's code: its SDK calls, the IAM actions they need, the generated
    /// least-privilege policy and what functory.toml grants beyond or short of it.
    Analyze(analyze_command::AnalyzeArgs),
}

/// `functory new --template`: every template's id with what it makes, and `none`.
fn template_ids() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        FunctionTemplate::ALL
            .into_iter()
            .map(|t| clap::builder::PossibleValue::new(t.id()).help(t.summary()))
            .chain([clap::builder::PossibleValue::new("none").help("only the manifest")]),
    )
}

// `functory run` serves every request through several short-lived allocations (events, frames,
// log lines); mimalloc spends less CPU on them than glibc's allocator (bench/local/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("functory: error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<ExitCode, ApiError> {
    match command {
        Command::Lint(args) => Ok(lint_command::run(args)),
        Command::Import(args) => Ok(import_command::run(args)),
        Command::Export(args) => Ok(export_command::run(args)),
        Command::Events(args) => Ok(events_command::run(args)),
        Command::Analyze(args) => analyze_command::run(args),
        Command::Audit(args) => Ok(audit_command::run(args)),
        Command::New {
            dir,
            template,
            name,
            json,
        } => {
            let name = name.unwrap_or_else(|| {
                dir.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "project".into())
            });
            // The parser only lets through the ids it lists.
            let template = FunctionTemplate::from_id(&template);
            let project = Project::create(&dir, &name, template)?;
            let view = project.view()?;
            if json {
                print_json(&view);
            } else {
                outln!("created {} in {}", view.name, view.root);
                if let Some(manifest) = &view.manifest.manifest {
                    for function in &manifest.functions {
                        outln!(
                            "  function {} ({}, {})",
                            function.name,
                            function.runtime,
                            function.handler
                        );
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { dir, json } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from("."));
            let project = Project::open(&dir)?;
            let parsed = project.parse()?;
            let manifest_path = dir.join(functory_api::core::MANIFEST_FILE_NAME);
            if json {
                print_json(&parsed);
            } else {
                for diagnostic in &parsed.diagnostics {
                    let mut shown = diagnostic.clone();
                    shown.file = manifest_path.display().to_string();
                    outln!("{shown}");
                }
                if parsed.diagnostics.is_empty()
                    && let Some(manifest) = &parsed.manifest
                {
                    outln!(
                        "{}: ok ({} function{}, {} target{})",
                        manifest_path.display(),
                        manifest.functions.len(),
                        plural(manifest.functions.len()),
                        manifest.targets.len(),
                        plural(manifest.targets.len()),
                    );
                }
            }
            let errors = parsed
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count();
            Ok(if errors > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Accounts(args) => accounts_command::run(args),
        Command::Target(args) => Ok(target_command::run(args)),
        Command::Checkpoint(args) => history_command::checkpoint(args),
        Command::History(args) => history_command::history(args),
        Command::Functions { dir, json } => {
            let project = Project::open(dir.unwrap_or_else(|| PathBuf::from(".")))?;
            let parsed = project.parse()?;
            let Some(manifest) = parsed.manifest else {
                for diagnostic in &parsed.diagnostics {
                    eprintln!("{diagnostic}");
                }
                return Ok(ExitCode::FAILURE);
            };
            if json {
                print_json(&manifest.functions);
            } else {
                for function in &manifest.functions {
                    outln!(
                        "{}\t{}\t{}\t{} MB\t{} s",
                        function.name,
                        function.runtime,
                        function.handler,
                        function.memory_mb,
                        function.timeout_s
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Fidelity {
            function,
            dir,
            json,
        } => {
            let dir = runtime_commands::project_dir(dir);
            let items = functory_api::fidelity::report(&dir, function.as_deref())?;
            if json {
                print_json(&items);
            } else {
                for item in &items {
                    let whose = item
                        .function
                        .as_deref()
                        .map(|f| format!("{f}: "))
                        .unwrap_or_default();
                    outln!("{whose}{}: {}", item.area, item.difference);
                    outln!("    → {}", item.what_to_do);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run(args) => Ok(runtime_commands::run(args)),
        Command::Invoke(args) => Ok(runtime_commands::invoke(args)),
        Command::Logs(args) => Ok(runtime_commands::logs(args)),
        Command::Deploy(args) => Ok(cloud_commands::deploy(args)),
        Command::Versions(args) => Ok(cloud_commands::versions(args)),
        Command::Rollback(args) => Ok(cloud_commands::rollback(args)),
    }
}

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub(crate) fn print_json(value: &impl serde::Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(json) => outln!("{json}"),
        Err(error) => eprintln!("functory: error: could not encode JSON: {error}"),
    }
}
