//! `functory import sam|serverless FILE`: another tool's project description into a
//! functory.toml next to it. The code stays where it is and the source file is only read.
//! One subcommand per source, so more sources (`import aws`) slot in beside these.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use functory_formats::{ImportError, Imported, import_sam, import_serverless, write_manifest};

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub source: ImportSource,
}

#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// Import an AWS SAM template (template.yaml or JSON) into functory.toml beside it.
    Sam(SourceFile),
    /// Import a Serverless Framework serverless.yml into functory.toml beside it.
    Serverless(SourceFile),
}

#[derive(Debug, Args)]
pub struct SourceFile {
    /// The file to import; functory.toml is written in its folder.
    pub file: PathBuf,
    /// Replace an existing functory.toml (atomically).
    #[arg(long)]
    pub force: bool,
}

/// An importer: (text, file name for the report, default project name).
type Importer = fn(&str, &str, &str) -> Result<Imported, ImportError>;

pub fn run(args: ImportArgs) -> ExitCode {
    let (source, importer): (SourceFile, Importer) = match args.source {
        ImportSource::Sam(source) => (source, import_sam),
        ImportSource::Serverless(source) => (source, import_serverless),
    };
    let shown = source.file.display().to_string();
    let text = match std::fs::read_to_string(&source.file) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("functory: error: cannot read {shown}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let dir = project_dir(&source.file);
    let default_name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "project".to_owned());
    let imported = match importer(&text, &shown, &default_name) {
        Ok(imported) => imported,
        Err(error) => {
            eprintln!("functory: error: {error}; nothing was written");
            return ExitCode::FAILURE;
        }
    };
    let path = match write_manifest(&dir, &imported.toml, source.force) {
        Ok(path) => path,
        // Exists (no --force) or an IO failure; either way nothing was replaced.
        Err(error) => {
            eprintln!("functory: error: {error}");
            return ExitCode::FAILURE;
        }
    };
    for line in imported.report.lines() {
        println!("{line}");
    }
    let functions = imported.manifest.functions.len();
    let not_mapped = imported.report.not_mapped.len();
    println!(
        "wrote {} ({functions} function{}; {not_mapped} item{} not mapped, listed above)",
        path.display(),
        crate::plural(functions),
        crate::plural(not_mapped),
    );
    ExitCode::SUCCESS
}

/// The folder of `file` (`.` for a bare file name).
fn project_dir(file: &Path) -> PathBuf {
    match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
