//! `functory audit`: a read-only security review of every Lambda function deployed in an AWS
//! account's regions, with the rules `functory lint` runs, as text, JSON, SARIF or a
//! self-contained HTML report.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args, ValueEnum};
use functory_api::accounts::Accounts;
use functory_api::audit::{
    AuditOptions, AuditProgress, audit_account, render_html, render_sarif, render_text,
};

use crate::lint_command::{FailOn, parse_fail_on};

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The AWS target of functory.toml whose account is audited (its sign-in is used).
    #[arg(long)]
    pub target: String,
    /// Regions to audit (repeat or comma-separate; default: the target's region).
    #[arg(long, value_delimiter = ',')]
    pub region: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AuditFormat::Text)]
    pub format: AuditFormat,
    /// Write the report to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity (`never` to always exit 0).
    #[arg(long, value_name = "SEVERITY", default_value = "never", value_parser = parse_fail_on)]
    pub fail_on: FailOn,
    /// Functions read at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// The project folder (default: the current folder).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Text,
    Json,
    Sarif,
    Html,
}

pub fn run(args: AuditArgs) -> ExitCode {
    let dir = crate::runtime_commands::project_dir(args.dir.clone());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("functory: error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    // Ctrl+C stops the reading; what was read is still reported.
    let stopped = Arc::new(AtomicBool::new(false));
    {
        let stopped = stopped.clone();
        runtime.spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stopped.store(true, Ordering::SeqCst);
            }
        });
    }
    let interactive = std::io::stderr().is_terminal();
    let progress = |p: AuditProgress| {
        let mut err = std::io::stderr().lock();
        if interactive {
            let width = 30;
            let filled = (p.done * width).checked_div(p.total).unwrap_or(width);
            let _ = write!(
                err,
                "\raudit [{}{}] {}/{} functions",
                "#".repeat(filled),
                " ".repeat(width - filled),
                p.done,
                p.total
            );
            if p.done == p.total {
                let _ = writeln!(err);
            }
        } else if p.done == p.total || (p.done > 0 && p.done.is_multiple_of(100)) {
            let _ = writeln!(err, "audit: {}/{} functions read", p.done, p.total);
        }
    };
    let stop = || stopped.load(Ordering::SeqCst);
    let report = match runtime.block_on(audit_account(
        &dir,
        &args.target,
        AuditOptions {
            regions: args.region.clone(),
            concurrency: args.concurrency,
        },
        &Accounts::keychain(),
        &progress,
        &stop,
    )) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("functory: error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let text = match args.format {
        AuditFormat::Text => render_text(&report),
        AuditFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        AuditFormat::Sarif => render_sarif(&report) + "\n",
        AuditFormat::Html => render_html(
            &report,
            &chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        ),
    };
    match &args.output {
        Some(path) => {
            // Written whole through a temporary file, so an interrupted write leaves no half report.
            let temporary = path.with_extension("partial");
            if let Err(error) =
                std::fs::write(&temporary, &text).and_then(|()| std::fs::rename(&temporary, path))
            {
                eprintln!("functory: error: cannot write {}: {error}", path.display());
                return ExitCode::FAILURE;
            }
            eprintln!(
                "wrote {} ({} findings in {} functions)",
                path.display(),
                report.findings().count(),
                report.functions.len()
            );
        }
        None => out!("{text}"),
    }
    let failing = match args.fail_on {
        FailOn::Never => false,
        FailOn::At(threshold) => report.findings().any(|(_, f)| f.severity >= threshold),
    };
    if failing {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
