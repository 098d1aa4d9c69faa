//! `functory accounts`: cloud accounts in the OS keychain. Secrets are read from standard input
//! (without echo on a terminal), never from arguments, which other users can see in `ps` and
//! which shells keep in their history.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use functory_api::ApiError;
use functory_api::accounts::{AccountInput, Accounts, aws_config_paths, aws_profiles};
use functory_api::vault::{AccountDetails, Sensitive};

use crate::print_json;

#[derive(Debug, Args)]
pub struct AccountsArgs {
    #[command(subcommand)]
    command: AccountsCommand,
}

#[derive(Debug, Subcommand)]
enum AccountsCommand {
    /// List the accounts in the keychain (never their secrets).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add an AWS access key; the secret access key is read from standard input.
    AddAws {
        #[arg(long)]
        name: String,
        #[arg(long)]
        access_key_id: String,
        /// Read the secret access key from standard input (the first line). Required: secrets
        /// are never taken from arguments.
        #[arg(long, required = true)]
        secret_stdin: bool,
        /// Also read a session token, from the second line of standard input.
        #[arg(long)]
        session_token_stdin: bool,
        /// A role to assume with these keys.
        #[arg(long)]
        role_arn: Option<String>,
        #[arg(long)]
        external_id: Option<String>,
        #[arg(long)]
        region: Option<String>,
    },
    /// Add an Azure service principal; the client secret is read from standard input.
    AddAzure {
        #[arg(long)]
        name: String,
        #[arg(long)]
        tenant_id: String,
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        subscription_id: Option<String>,
        /// Read the client secret from standard input. Required: secrets are never taken from
        /// arguments.
        #[arg(long, required = true)]
        secret_stdin: bool,
    },
    /// Add a Google service-account key; the JSON key file is read from standard input
    /// (`functory accounts add-gcp --name ci --key-stdin < key.json`).
    AddGcp {
        #[arg(long)]
        name: String,
        #[arg(long, required = true)]
        key_stdin: bool,
    },
    /// Rename an account.
    Rename { from: String, to: String },
    /// Remove an account and its secrets from the keychain.
    Remove { name: String },
    /// Test an account with its cloud: AWS STS GetCallerIdentity, an Entra ID token for
    /// Azure, a Google token. `--profile NAME` tests an AWS profile (SSO included) instead.
    /// Exits 1 when the cloud refuses. AWS_ENDPOINT_URL and AZURE_AUTHORITY_HOST are honoured.
    Test {
        /// The keychain account to test.
        #[arg(required_unless_present = "profile", conflicts_with = "profile")]
        name: Option<String>,
        /// An AWS profile of ~/.aws/config to test instead of a keychain account.
        #[arg(long)]
        profile: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List the AWS profiles of ~/.aws/config, which targets can reference by name.
    Profiles {
        #[arg(long)]
        json: bool,
    },
}

/// Reads `count` lines of standard input, without echo when it is a terminal.
fn read_secrets(prompts: &[&str]) -> Result<Vec<Sensitive<String>>, ApiError> {
    let io_error = |e: std::io::Error| {
        ApiError::new(
            functory_api::ErrorCode::Io,
            format!("could not read standard input: {e}"),
        )
    };
    let mut secrets = Vec::new();
    if std::io::stdin().is_terminal() {
        for prompt in prompts {
            secrets.push(Sensitive::new(
                rpassword::prompt_password(format!("{prompt}: ")).map_err(io_error)?,
            ));
        }
    } else {
        let stdin = std::io::stdin();
        let mut lines = stdin.lock().lines();
        for prompt in prompts {
            let line = lines.next().transpose().map_err(io_error)?.ok_or_else(|| {
                ApiError::new(
                    functory_api::ErrorCode::InvalidInput,
                    format!("standard input ended before the {prompt}"),
                )
            })?;
            secrets.push(Sensitive::new(line.trim_end_matches('\r').to_owned()));
        }
    }
    Ok(secrets)
}

fn read_all_stdin() -> Result<Sensitive<String>, ApiError> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| {
        ApiError::new(
            functory_api::ErrorCode::Io,
            format!("could not read standard input: {e}"),
        )
    })?;
    Ok(Sensitive::new(text))
}

pub fn run(args: AccountsArgs) -> Result<ExitCode, ApiError> {
    let accounts = Accounts::keychain();
    match args.command {
        AccountsCommand::List { json } => {
            let list = accounts.list()?;
            if json {
                print_json(&list);
            } else if list.is_empty() {
                outln!(
                    "no accounts yet: add one with `functory accounts add-aws|add-azure|add-gcp`"
                );
            } else {
                for account in list {
                    let details = match &account.details {
                        AccountDetails::AwsAccessKey {
                            access_key_id,
                            role_arn,
                            region,
                            ..
                        } => format!(
                            "aws  {access_key_id}{}{}",
                            role_arn
                                .as_ref()
                                .map(|r| format!("  assumes {r}"))
                                .unwrap_or_default(),
                            region
                                .as_ref()
                                .map(|r| format!("  {r}"))
                                .unwrap_or_default()
                        ),
                        AccountDetails::AzureServicePrincipal {
                            tenant_id,
                            client_id,
                            ..
                        } => {
                            format!("azure  client {client_id} in tenant {tenant_id}")
                        }
                        AccountDetails::GcpServiceAccount {
                            project_id,
                            client_email,
                        } => {
                            format!("gcp  {client_email} ({project_id})")
                        }
                    };
                    outln!("{}\t{details}", account.name);
                }
            }
        }
        AccountsCommand::AddAws {
            name,
            access_key_id,
            secret_stdin: _,
            session_token_stdin,
            role_arn,
            external_id,
            region,
        } => {
            let mut prompts = vec!["secret access key"];
            if session_token_stdin {
                prompts.push("session token");
            }
            let mut secrets = read_secrets(&prompts)?.into_iter();
            let secret_access_key = secrets.next().unwrap_or_default();
            let session_token = secrets.next();
            let summary = accounts.add(AccountInput::AwsAccessKey {
                name,
                access_key_id,
                secret_access_key,
                session_token,
                role_arn,
                external_id,
                region,
            })?;
            outln!("added AWS account {} to the keychain", summary.name);
        }
        AccountsCommand::AddAzure {
            name,
            tenant_id,
            client_id,
            subscription_id,
            secret_stdin: _,
        } => {
            let client_secret = read_secrets(&["client secret"])?
                .into_iter()
                .next()
                .unwrap_or_default();
            let summary = accounts.add(AccountInput::AzureServicePrincipal {
                name,
                tenant_id,
                client_id,
                client_secret,
                subscription_id,
            })?;
            outln!("added Azure account {} to the keychain", summary.name);
        }
        AccountsCommand::AddGcp { name, key_stdin: _ } => {
            let key_json = read_all_stdin()?;
            let summary = accounts.add(AccountInput::GcpServiceAccount { name, key_json })?;
            outln!("added Google account {} to the keychain", summary.name);
        }
        AccountsCommand::Rename { from, to } => {
            accounts.rename(&from, &to)?;
            outln!("renamed {from} to {to}");
        }
        AccountsCommand::Remove { name } => {
            accounts.remove(&name)?;
            outln!("removed {name} and its secrets from the keychain");
        }
        AccountsCommand::Test {
            name,
            profile,
            json,
        } => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| {
                    ApiError::new(
                        functory_api::ErrorCode::Io,
                        format!("could not start the network runtime: {e}"),
                    )
                })?;
            let result = runtime.block_on(async {
                match (&profile, &name) {
                    (Some(profile), _) => Ok(accounts.test_aws_profile(profile).await),
                    (None, Some(name)) => accounts.test(name).await,
                    // clap requires one of the two.
                    (None, None) => Err(ApiError::new(
                        functory_api::ErrorCode::InvalidInput,
                        "name an account, or an AWS profile with --profile",
                    )),
                }
            })?;
            if json {
                print_json(&result);
            } else if result.ok {
                outln!(
                    "ok: {} ({}, {} ms)",
                    result.message,
                    result.call,
                    result.duration_ms
                );
            } else {
                eprintln!(
                    "functory: {} failed: {} ({} ms)",
                    result.call, result.message, result.duration_ms
                );
            }
            return Ok(if result.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
        AccountsCommand::Profiles { json } => {
            let (config, credentials) = aws_config_paths();
            let profiles = aws_profiles(config.as_deref(), credentials.as_deref());
            if json {
                print_json(&profiles);
            } else if profiles.is_empty() {
                outln!("no AWS profiles found (looked in ~/.aws/config and ~/.aws/credentials)");
            } else {
                for profile in profiles {
                    outln!(
                        "{}\t{}\t{}",
                        profile.name,
                        profile.kind,
                        profile.region.unwrap_or_default()
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
