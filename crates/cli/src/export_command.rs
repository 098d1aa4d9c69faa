//! `functory export sam`: the project's functory.toml as an AWS SAM template.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use functory_api::Project;
use functory_api::core::Severity;

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub target: ExportTarget,
}

#[derive(Debug, Subcommand)]
pub enum ExportTarget {
    /// Write an AWS SAM template (template.yaml) of the project.
    Sam {
        /// Write the template to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The project folder (default: the current folder).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

pub fn run(args: ExportArgs) -> ExitCode {
    let ExportTarget::Sam { output, dir } = args.target;
    let dir = dir.unwrap_or_else(|| PathBuf::from("."));
    let parsed = match Project::open(&dir).and_then(|p| p.parse()) {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!("functory: error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let manifest_path = dir.join(functory_api::core::MANIFEST_FILE_NAME);
    let errors: Vec<_> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    let Some(manifest) = parsed.manifest.as_ref().filter(|_| errors.is_empty()) else {
        // A template of an invalid manifest would fail later and further from the cause.
        for diagnostic in errors {
            let mut shown = diagnostic.clone();
            shown.file = manifest_path.display().to_string();
            eprintln!("{shown}");
        }
        eprintln!("functory: error: fix functory.toml first; nothing was exported");
        return ExitCode::FAILURE;
    };
    let template = functory_formats::export_sam(manifest);
    match output {
        None => out!("{template}"),
        Some(path) => {
            if let Err(error) = std::fs::write(&path, template) {
                eprintln!(
                    "functory: error: could not write {}: {error}",
                    path.display()
                );
                return ExitCode::FAILURE;
            }
            outln!("wrote {}", path.display());
        }
    }
    ExitCode::SUCCESS
}
