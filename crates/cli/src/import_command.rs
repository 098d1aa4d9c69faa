//! `functory import sam|serverless FILE`: another tool's project description into a
//! functory.toml next to it. The code stays where it is and the source file is only read.
//! `functory import aws FN --target NAME`: a function deployed in the target's AWS account,
//! with its code, into the project (through `functory_api::cloud_import`, like the app's
//! "Import from AWS"). One subcommand per source.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use functory_api::accounts::Accounts;
use functory_api::cloud_import::{ImportOptions, import_function};
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
    /// Import a Lambda function of a target's AWS account into the project: its code into
    /// FUNCTION/, its settings, triggers and permissions into functory.toml.
    Aws(AwsFunction),
}

#[derive(Debug, Args)]
pub struct AwsFunction {
    /// The function's name in AWS (it becomes the function's name in functory.toml).
    pub function: String,
    /// The AWS target of functory.toml whose account and region hold it.
    #[arg(long)]
    pub target: String,
    /// The project folder (default: the current folder).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Replace files in the function's folder that differ from the deployed code (otherwise
    /// they are kept and listed).
    #[arg(long)]
    pub force: bool,
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
        ImportSource::Aws(function) => return import_aws(function),
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
        outln!("{line}");
    }
    let functions = imported.manifest.functions.len();
    let not_mapped = imported.report.not_mapped.len();
    outln!(
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

/// `functory import aws FN --target NAME`.
fn import_aws(args: AwsFunction) -> ExitCode {
    let dir = crate::runtime_commands::project_dir(args.dir);
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
    let imported = runtime.block_on(import_function(
        &dir,
        &args.target,
        &args.function,
        ImportOptions {
            overwrite: args.force,
        },
        &Accounts::keychain(),
    ));
    let report = match imported {
        Ok(report) => report,
        Err(error) => {
            eprintln!("functory: error: {error}; nothing was written");
            return ExitCode::FAILURE;
        }
    };
    for line in report.lines() {
        outln!("{line}");
    }
    let not_imported = report.not_imported.len();
    outln!(
        "added function {} to {} (code in {}/; {} item{} imported, {not_imported} not, listed above)",
        report.function,
        dir.join(functory_api::core::MANIFEST_FILE_NAME).display(),
        report.code_dir,
        report.imported.len(),
        crate::plural(report.imported.len()),
    );
    ExitCode::SUCCESS
}
