//! `functory target add|list|remove`: the targets of functory.toml, edited through the same
//! manifest edits the app's "Add target" form makes (`toml_edit`: comments and layout stay).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use functory_api::Project;
use functory_api::core::edit::NewTarget;
use functory_api::core::{AdapterKind, ManifestEdit};

use crate::runtime_commands::project_dir;

#[derive(Debug, Args)]
pub struct TargetArgs {
    #[command(subcommand)]
    command: TargetCommand,
    /// The project folder (default: the current folder).
    #[arg(long, global = true)]
    dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Adapter {
    Aws,
    Azure,
    Gcp,
    Local,
}

#[derive(Debug, Subcommand)]
enum TargetCommand {
    /// Add `[targets.NAME]` to functory.toml.
    Add {
        /// The target's name (lowercase letters, digits, `-`, `_`).
        name: String,
        #[arg(long, value_enum)]
        adapter: Adapter,
        /// AWS: `eu-west-1`; Google: `europe-west1`.
        #[arg(long)]
        region: Option<String>,
        /// AWS: a profile of ~/.aws/config (without it, and without --account, the standard
        /// credential chain: environment, web identity, AWS_PROFILE, …).
        #[arg(long)]
        profile: Option<String>,
        /// A keychain account (`functory accounts list`).
        #[arg(long)]
        account: Option<String>,
        /// AWS: the S3 bucket packages over 50 MB go through.
        #[arg(long)]
        code_bucket: Option<String>,
        /// Azure: the subscription (default: the account's).
        #[arg(long)]
        subscription_id: Option<String>,
        /// Azure: the resource group of the function app.
        #[arg(long)]
        resource_group: Option<String>,
        /// Azure: the function app the project deploys into.
        #[arg(long)]
        function_app: Option<String>,
        /// Google Cloud: the project the functions deploy into.
        #[arg(long)]
        project_id: Option<String>,
    },
    /// List the targets with where they deploy and how they sign in.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove `[targets.NAME]` from functory.toml (nothing deployed is touched).
    Remove { name: String },
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("functory: error: {message}");
    ExitCode::FAILURE
}

pub fn run(args: TargetArgs) -> ExitCode {
    let dir = project_dir(args.dir);
    let project = match Project::open(&dir) {
        Ok(project) => project,
        Err(error) => return fail(error),
    };
    match args.command {
        TargetCommand::Add {
            name,
            adapter,
            region,
            profile,
            account,
            code_bucket,
            subscription_id,
            resource_group,
            function_app,
            project_id,
        } => {
            let target = NewTarget {
                name: name.clone(),
                adapter: match adapter {
                    Adapter::Aws => AdapterKind::Aws,
                    Adapter::Azure => AdapterKind::Azure,
                    Adapter::Gcp => AdapterKind::Gcp,
                    Adapter::Local => AdapterKind::Local,
                },
                region,
                profile,
                account,
                code_bucket,
                subscription_id,
                resource_group,
                function_app,
                project_id,
            };
            match project.apply_manifest_edit(&ManifestEdit::AddTarget { target }) {
                Ok(()) => {
                    outln!("added target {name} to functory.toml");
                    ExitCode::SUCCESS
                }
                Err(error) => fail(error),
            }
        }
        TargetCommand::Remove { name } => {
            match project.apply_manifest_edit(&ManifestEdit::RemoveTarget {
                target: name.clone(),
            }) {
                Ok(()) => {
                    outln!("removed target {name} from functory.toml (nothing deployed changed)");
                    ExitCode::SUCCESS
                }
                Err(error) => fail(error),
            }
        }
        TargetCommand::List { json } => {
            let parsed = match project.parse() {
                Ok(parsed) => parsed,
                Err(error) => return fail(error),
            };
            let Some(manifest) = parsed.manifest else {
                return fail("functory.toml does not parse: run `functory check`");
            };
            if json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&manifest.targets).unwrap_or_default()
                );
                return ExitCode::SUCCESS;
            }
            for target in &manifest.targets {
                let signs_in = match (&target.profile, &target.account, target.adapter) {
                    (Some(profile), _, _) => format!("profile {profile}"),
                    (None, Some(account), _) => format!("account {account}"),
                    (None, None, AdapterKind::Aws) => "the environment's credential chain".into(),
                    (None, None, AdapterKind::Azure) => "the Azure CLI's sign-in".into(),
                    (None, None, AdapterKind::Gcp) => "application-default credentials".into(),
                    (None, None, AdapterKind::Local) => "no sign-in".into(),
                };
                let region = target
                    .region
                    .as_deref()
                    .map(|r| format!(" {r}"))
                    .unwrap_or_default();
                let adapter = match target.adapter {
                    AdapterKind::Local => "local",
                    AdapterKind::Aws => "aws",
                    AdapterKind::Azure => "azure",
                    AdapterKind::Gcp => "gcp",
                };
                outln!("{}\t{adapter}{region}\t{signs_in}", target.name);
            }
            ExitCode::SUCCESS
        }
    }
}
