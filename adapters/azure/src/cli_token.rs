//! The Azure CLI's sign-in: `az account get-access-token --resource … --output json`, for
//! people who already ran `az login`. The token goes from the CLI's standard output into the
//! cache and nowhere else; the output is never quoted in a message, since it holds the token.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use functory_adapter::AdapterError;
use functory_core::AdapterKind;
use functory_vault::Sensitive;
use serde::Deserialize;

use crate::credential::{AzureResource, TokenSource};
use crate::token::AccessToken;

/// `az` can be slow to start (it is Python), but not this slow.
const CLI_TIMEOUT: Duration = Duration::from_secs(60);

/// Tokens from the Azure CLI's signed-in account.
#[derive(Debug, Clone)]
pub struct AzureCliToken {
    program: PathBuf,
    tenant: Option<String>,
}

impl AzureCliToken {
    /// The `az` found on `PATH`.
    pub fn from_path() -> Result<Self, AdapterError> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        Self::on_path(&path)
    }

    /// The `az` found on `path` (a `PATH`-style list of folders).
    pub fn on_path(path: &OsStr) -> Result<Self, AdapterError> {
        let names: &[&str] = if cfg!(windows) {
            &["az.cmd", "az.exe", "az"]
        } else {
            &["az"]
        };
        std::env::split_paths(path)
            .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
            .find(|candidate| candidate.is_file())
            .map(|program| AzureCliToken {
                program,
                tenant: None,
            })
            .ok_or_else(|| AdapterError::Unauthenticated {
                message: "the Azure CLI (`az`) is not on PATH: install it and run `az login`, or sign in with a keychain account or a device code".to_owned(),
            })
    }

    /// A particular `az` program.
    pub fn program(program: impl Into<PathBuf>) -> Self {
        AzureCliToken {
            program: program.into(),
            tenant: None,
        }
    }

    /// Tokens of another tenant the CLI's account belongs to (`--tenant`).
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    pub fn program_path(&self) -> &Path {
        &self.program
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ExpiresOn {
    Number(i64),
    Text(String),
}

#[async_trait::async_trait]
impl TokenSource for AzureCliToken {
    fn signed_in_as(&self) -> String {
        "the Azure CLI's sign-in (`az`)".to_owned()
    }

    async fn token(&self, resource: AzureResource) -> Result<AccessToken, AdapterError> {
        let mut command = tokio::process::Command::new(&self.program);
        command
            .args(["account", "get-access-token", "--resource", resource.uri()])
            .args(["--output", "json"])
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        if let Some(tenant) = &self.tenant {
            command.args(["--tenant", tenant]);
        }
        let output = tokio::time::timeout(CLI_TIMEOUT, command.output())
            .await
            .map_err(|_| {
                provider(format!(
                    "`{} account get-access-token` did not answer within {} s",
                    self.program.display(),
                    CLI_TIMEOUT.as_secs()
                ))
            })?
            .map_err(|error| {
                provider(format!(
                    "could not run the Azure CLI at {}: {error}",
                    self.program.display()
                ))
            })?;
        if !output.status.success() {
            return Err(refusal(
                &String::from_utf8_lossy(&output.stderr),
                resource,
                &self.program,
            ));
        }
        // The output holds the token: parse errors say what was wrong, never what was read.
        let stdout = Sensitive::new(String::from_utf8_lossy(&output.stdout).into_owned());
        let answer = parse_answer(stdout.expose()).map_err(|what| {
            provider(format!(
                "the Azure CLI at {} answered `get-access-token` without {what}: update the Azure CLI",
                self.program.display()
            ))
        })?;
        Ok(answer)
    }
}

/// What `az account get-access-token --output json` prints.
#[derive(Deserialize)]
struct CliAnswer {
    #[serde(rename = "accessToken")]
    access_token: Option<String>,
    /// POSIX seconds; CLI 2.54 and later.
    expires_on: Option<ExpiresOn>,
    /// Local wall-clock time, `2024-05-01 11:00:00.000000`; every version.
    #[serde(rename = "expiresOn")]
    expires_on_local: Option<String>,
}

fn parse_answer(stdout: &str) -> Result<AccessToken, &'static str> {
    let answer: CliAnswer = serde_json::from_str(stdout).map_err(|_| "a JSON answer")?;
    let access_token = answer.access_token.ok_or("an accessToken")?;
    let now = chrono::Utc::now();
    let expires_at = match &answer.expires_on {
        Some(ExpiresOn::Number(seconds)) => chrono::DateTime::from_timestamp(*seconds, 0),
        Some(ExpiresOn::Text(text)) => text
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|s| chrono::DateTime::from_timestamp(s, 0)),
        None => None,
    }
    .or_else(|| {
        // Older CLIs only give the local wall-clock time.
        let text = answer.expires_on_local.as_deref()?;
        let naive =
            chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S%.f").ok()?;
        naive
            .and_local_timezone(chrono::Local)
            .single()
            .map(|t| t.with_timezone(&chrono::Utc))
    })
    .ok_or("an expiry time")?;
    let seconds = (expires_at - now).num_seconds().max(0);
    Ok(AccessToken {
        token: Sensitive::new(access_token),
        expires_in: Duration::from_secs(u64::try_from(seconds).unwrap_or(0)),
    })
}

/// `az` failed: its last error line says why, and signing in again is usually the fix.
fn refusal(stderr: &str, resource: AzureResource, program: &Path) -> AdapterError {
    let said = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .find(|l| l.starts_with("ERROR:"))
        .or_else(|| stderr.lines().map(str::trim).rfind(|l| !l.is_empty()))
        .unwrap_or("no error text")
        .trim_start_matches("ERROR:")
        .trim()
        .to_owned();
    let lower = said.to_ascii_lowercase();
    if lower.contains("az login") || lower.contains("expired") || lower.contains("aadsts") {
        AdapterError::Unauthenticated {
            message: format!(
                "the Azure CLI could not give a token for {resource} ({said}): run `az login` and try again"
            ),
        }
    } else {
        provider(format!(
            "`{} account get-access-token --resource {}` failed: {said}",
            program.display(),
            resource.uri()
        ))
    }
}

fn provider(message: String) -> AdapterError {
    AdapterError::Provider {
        provider: AdapterKind::Azure,
        message,
        source: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_expiry_forms() {
        let soon = chrono::Utc::now().timestamp() + 3000;
        let token = parse_answer(&format!(
            r#"{{"accessToken":"tok","expiresOn":"2000-01-01 00:00:00.000000","expires_on":{soon},"tokenType":"Bearer"}}"#
        ))
        .unwrap();
        assert!((2990..=3000).contains(&token.expires_in.as_secs()));
        let local = (chrono::Local::now() + chrono::Duration::seconds(1800))
            .format("%Y-%m-%d %H:%M:%S%.6f")
            .to_string();
        let token = parse_answer(&format!(
            r#"{{"accessToken":"tok","expiresOn":"{local}","tokenType":"Bearer"}}"#
        ))
        .unwrap();
        assert!((1790..=1800).contains(&token.expires_in.as_secs()));
        assert_eq!(parse_answer("{}").err(), Some("an accessToken"));
        assert_eq!(parse_answer("not json").err(), Some("a JSON answer"));
    }

    #[test]
    fn not_signed_in_says_az_login() {
        let error = refusal(
            "WARNING: something\nERROR: Please run 'az login' to setup account.\n",
            AzureResource::Management,
            Path::new("az"),
        );
        assert!(
            matches!(&error, AdapterError::Unauthenticated { message } if message.contains("run `az login`") && message.contains("Please run 'az login' to setup account.")),
            "{error}"
        );
    }
}
