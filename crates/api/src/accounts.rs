//! Accounts: the vault's use cases as the app and the CLI call them, and the AWS profiles the
//! user already has (referenced by name, never copied).

use std::path::{Path, PathBuf};

use functory_vault::{
    Account, AccountSummary, AwsAccessKey, AzureServicePrincipal, GcpServiceAccount, KeychainStore,
    Namespace, Sensitive, Vault, VaultError,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::account_test::{self, AccountTestResult, SignInEndpoints};
use crate::error::{ApiError, ErrorCode};

impl From<VaultError> for ApiError {
    fn from(error: VaultError) -> Self {
        let code = match &error {
            VaultError::KeychainUnavailable { .. } => ErrorCode::KeychainUnavailable,
            VaultError::NotFound(_) => ErrorCode::NotFound,
            VaultError::AlreadyExists(_) => ErrorCode::AlreadyExists,
            VaultError::Invalid { .. } | VaultError::WrongPassphrase => ErrorCode::InvalidInput,
            VaultError::Corrupt(_) | VaultError::Io(_) => ErrorCode::Io,
        };
        ApiError::new(code, error.to_string())
    }
}

/// An account as the Accounts form or the CLI submits it. Secret fields are write-only: they
/// arrive here once and are never sent back.
#[derive(Debug, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
#[ts(export)]
pub enum AccountInput {
    AwsAccessKey {
        name: String,
        access_key_id: String,
        /// Empty when editing keeps the stored secret.
        #[ts(type = "string")]
        secret_access_key: Sensitive<String>,
        #[ts(type = "string | null")]
        session_token: Option<Sensitive<String>>,
        role_arn: Option<String>,
        external_id: Option<String>,
        region: Option<String>,
    },
    AzureServicePrincipal {
        name: String,
        tenant_id: String,
        client_id: String,
        #[ts(type = "string")]
        client_secret: Sensitive<String>,
        subscription_id: Option<String>,
    },
    GcpServiceAccount {
        name: String,
        #[ts(type = "string")]
        key_json: Sensitive<String>,
    },
}

fn blank(value: &Sensitive<String>) -> bool {
    value.expose().trim().is_empty()
}

fn optional(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl AccountInput {
    /// Whether every secret field was left blank (an edit that keeps the stored secrets).
    fn secrets_blank(&self) -> bool {
        match self {
            AccountInput::AwsAccessKey {
                secret_access_key, ..
            } => blank(secret_access_key),
            AccountInput::AzureServicePrincipal { client_secret, .. } => blank(client_secret),
            AccountInput::GcpServiceAccount { key_json, .. } => blank(key_json),
        }
    }

    /// The account to store. When `placeholder_secret` is set (an edit keeping the stored
    /// secret), blank secrets are replaced by a placeholder that is never written.
    fn into_account(self, placeholder_secret: bool) -> Result<Account, VaultError> {
        let fill = |value: Sensitive<String>| {
            if placeholder_secret && blank(&value) {
                Sensitive::from("kept")
            } else {
                value
            }
        };
        match self {
            AccountInput::AwsAccessKey {
                name,
                access_key_id,
                secret_access_key,
                session_token,
                role_arn,
                external_id,
                region,
            } => Account::aws(
                &name,
                AwsAccessKey {
                    access_key_id,
                    secret_access_key: fill(secret_access_key),
                    session_token: session_token.filter(|t| !blank(t)),
                    role_arn: optional(role_arn),
                    external_id: optional(external_id),
                    region: optional(region),
                },
            ),
            AccountInput::AzureServicePrincipal {
                name,
                tenant_id,
                client_id,
                client_secret,
                subscription_id,
            } => Account::azure(
                &name,
                AzureServicePrincipal {
                    tenant_id: tenant_id.trim().to_owned(),
                    client_id: client_id.trim().to_owned(),
                    client_secret: fill(client_secret),
                    subscription_id: optional(subscription_id),
                },
            ),
            AccountInput::GcpServiceAccount { name, key_json } => {
                if placeholder_secret && blank(&key_json) {
                    return Err(VaultError::Invalid {
                        field: "key_json".into(),
                        message: "a Google account's details come from its key file: paste the key again to edit it".into(),
                    });
                }
                Account::gcp(&name, GcpServiceAccount { key_json })
            }
        }
    }
}

/// The account use cases over the OS keychain.
#[derive(Debug)]
pub struct Accounts {
    vault: Vault<KeychainStore>,
    endpoints: SignInEndpoints,
}

impl Accounts {
    /// The keychain namespace of this build. `FUNCTORY_KEYCHAIN_NAMESPACE` adds a suffix to it
    /// (tests and side-by-side experiments); a suffix can never lead to another build's entries.
    pub fn keychain() -> Self {
        let base = Namespace::for_this_build();
        let namespace = match std::env::var("FUNCTORY_KEYCHAIN_NAMESPACE") {
            Ok(suffix) if !suffix.trim().is_empty() => {
                Namespace::custom(format!("{}.{}", base.as_str(), suffix.trim()))
            }
            _ => base,
        };
        Self::in_namespace(namespace).with_sign_in_endpoints(SignInEndpoints::from_env())
    }

    /// A namespace of its own (tests).
    pub fn in_namespace(namespace: Namespace) -> Self {
        Self {
            vault: Vault::new(KeychainStore::new(namespace)),
            endpoints: SignInEndpoints::default(),
        }
    }

    /// Where sign-in (and, for AWS, every other) call goes when not to the clouds themselves.
    pub fn sign_in_endpoints(&self) -> &SignInEndpoints {
        &self.endpoints
    }

    /// Send sign-in calls to these endpoints (moto and fakes in tests).
    pub fn with_sign_in_endpoints(mut self, endpoints: SignInEndpoints) -> Self {
        self.endpoints = endpoints;
        self
    }

    pub fn list(&self) -> Result<Vec<AccountSummary>, ApiError> {
        Ok(self.vault.list()?)
    }

    pub fn add(&self, input: AccountInput) -> Result<AccountSummary, ApiError> {
        let account = input.into_account(false)?;
        self.vault.add(&account)?;
        Ok(account.summary)
    }

    /// Edits an account; secret fields left blank keep the stored secrets.
    pub fn update(&self, input: AccountInput) -> Result<AccountSummary, ApiError> {
        let keep = input.secrets_blank();
        let account = input.into_account(keep)?;
        self.vault.update(&account, keep)?;
        Ok(account.summary)
    }

    pub fn rename(&self, from: &str, to: &str) -> Result<(), ApiError> {
        Ok(self.vault.rename(from, to)?)
    }

    pub fn remove(&self, name: &str) -> Result<(), ApiError> {
        Ok(self.vault.remove(name)?)
    }

    /// The whole account, secrets included, for an adapter to sign in with. Never for IPC.
    pub fn load(&self, name: &str) -> Result<Account, ApiError> {
        Ok(self.vault.load(name)?)
    }

    /// "Test account": AWS STS GetCallerIdentity, an Entra ID token, a Google token. A cloud
    /// refusing the credentials is a result with `ok: false` and the reason; only a missing
    /// account or an unreachable keychain is an error.
    pub async fn test(&self, name: &str) -> Result<AccountTestResult, ApiError> {
        let account = self.load(name)?;
        Ok(account_test::test_account(&account, &self.endpoints).await)
    }

    /// Tests a profile of the AWS configuration by name (static keys, assume-role, SSO).
    pub async fn test_aws_profile(&self, profile: &str) -> AccountTestResult {
        account_test::test_aws_profile(profile, &self.endpoints).await
    }
}

/// A profile from the user's AWS configuration, by name; Functory never copies its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AwsProfile {
    pub name: String,
    /// `sso`, `assume-role`, `process`, `static` (keys in the credentials file) or `other`.
    pub kind: String,
    pub region: Option<String>,
    pub sso_session: Option<String>,
}

/// Where the AWS CLI and SDKs read their configuration: `AWS_CONFIG_FILE` and
/// `AWS_SHARED_CREDENTIALS_FILE`, or `~/.aws/config` and `~/.aws/credentials`.
pub fn aws_config_paths() -> (Option<PathBuf>, Option<PathBuf>) {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let config = std::env::var_os("AWS_CONFIG_FILE")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".aws/config")));
    let credentials = std::env::var_os("AWS_SHARED_CREDENTIALS_FILE")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".aws/credentials")));
    (config, credentials)
}

/// The INI sections of a file: `(section name, keys)`. Values of secret keys are never kept.
fn ini_sections(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    const SECRET_KEYS: &[&str] = &[
        "aws_secret_access_key",
        "aws_session_token",
        "aws_security_token",
    ];
    let mut sections: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            sections.push((name.trim().to_owned(), Vec::new()));
        } else if let (Some((key, value)), Some(section)) =
            (line.split_once('='), sections.last_mut())
        {
            let key = key.trim().to_ascii_lowercase();
            let value = if SECRET_KEYS.contains(&key.as_str()) {
                String::new()
            } else {
                value.trim().to_owned()
            };
            section.1.push((key, value));
        }
    }
    sections
}

/// The profiles of the AWS configuration and credentials files, sorted by name.
pub fn aws_profiles(config: Option<&Path>, credentials: Option<&Path>) -> Vec<AwsProfile> {
    let mut profiles: Vec<AwsProfile> = Vec::new();
    let read = |path: Option<&Path>| {
        path.and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    };
    for (section, keys) in ini_sections(&read(config)) {
        let name = if section == "default" {
            "default".to_owned()
        } else if let Some(name) = section.strip_prefix("profile ") {
            name.trim().to_owned()
        } else {
            continue; // sso-session and services sections are not profiles
        };
        let has = |k: &str| keys.iter().any(|(key, _)| key == k);
        let get = |k: &str| {
            keys.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        let kind = if has("sso_session") || has("sso_start_url") {
            "sso"
        } else if has("role_arn") {
            "assume-role"
        } else if has("credential_process") {
            "process"
        } else if has("aws_access_key_id") {
            "static"
        } else {
            "other"
        };
        profiles.push(AwsProfile {
            name,
            kind: kind.into(),
            region: get("region"),
            sso_session: get("sso_session"),
        });
    }
    for (name, keys) in ini_sections(&read(credentials)) {
        if keys.iter().any(|(k, _)| k == "aws_access_key_id") {
            match profiles.iter_mut().find(|p| p.name == name) {
                Some(profile) if profile.kind == "other" => profile.kind = "static".into(),
                Some(_) => {}
                None => profiles.push(AwsProfile {
                    name,
                    kind: "static".into(),
                    region: None,
                    sso_session: None,
                }),
            }
        }
    }
    profiles.sort_by(|a, b| a.name.cmp(&b.name));
    profiles
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_profile_names_and_kinds_but_no_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        let credentials = dir.path().join("credentials");
        std::fs::write(
            &config,
            "[default]\nregion = eu-west-1\n\n[profile dev]\nsso_session = corp\nsso_account_id = 1\nregion = us-east-1\n\n\
             [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n\n[profile deployer]\nrole_arn = arn:aws:iam::1:role/d\nsource_profile = default\n",
        )
        .unwrap();
        std::fs::write(&credentials, "[default]\naws_access_key_id = AKIA1\naws_secret_access_key = SECRETVALUE\n[ci]\naws_access_key_id = AKIA2\naws_secret_access_key = OTHERSECRET\n").unwrap();
        let profiles = aws_profiles(Some(&config), Some(&credentials));
        let shape: Vec<_> = profiles
            .iter()
            .map(|p| (p.name.as_str(), p.kind.as_str(), p.region.as_deref()))
            .collect();
        assert_eq!(
            shape,
            [
                ("ci", "static", None),
                ("default", "static", Some("eu-west-1")),
                ("deployer", "assume-role", None),
                ("dev", "sso", Some("us-east-1")),
            ]
        );
        assert_eq!(profiles[3].sso_session.as_deref(), Some("corp"));
        let json = serde_json::to_string(&profiles).unwrap();
        assert!(!json.contains("SECRETVALUE") && !json.contains("OTHERSECRET"));
        assert_eq!(
            aws_profiles(Some(&dir.path().join("missing")), None),
            vec![]
        );
    }
}
