//! Accounts: the keychain's cloud accounts, AWS profiles, "Test account", and which account
//! or profile a target signs in with.

use functory_core::ManifestEdit;
use functory_vault::AccountSummary;

use super::Session;
use crate::account_test::AccountTestResult;
use crate::accounts::{AccountInput, AwsProfile, aws_config_paths, aws_profiles};
use crate::error::{ApiError, ErrorCode};
use crate::project::ProjectView;

impl Session {
    pub fn list_accounts(&self) -> Result<Vec<AccountSummary>, ApiError> {
        self.accounts.list()
    }

    pub fn add_account(&self, input: AccountInput) -> Result<AccountSummary, ApiError> {
        tracing::debug!(?input, "add_account");
        self.accounts.add(input)
    }

    pub fn update_account(&self, input: AccountInput) -> Result<AccountSummary, ApiError> {
        tracing::debug!(?input, "update_account");
        self.accounts.update(input)
    }

    pub fn rename_account(&self, from: &str, to: &str) -> Result<(), ApiError> {
        tracing::debug!(from, to, "rename_account");
        self.accounts.rename(from, to)
    }

    pub fn remove_account(&self, name: &str) -> Result<(), ApiError> {
        tracing::debug!(name, "remove_account");
        self.accounts.remove(name)
    }

    pub async fn test_account(&self, name: &str) -> Result<AccountTestResult, ApiError> {
        self.accounts.test(name).await
    }

    pub async fn test_aws_profile(&self, profile: &str) -> AccountTestResult {
        self.accounts.test_aws_profile(profile).await
    }

    pub fn aws_profiles(&self) -> Vec<AwsProfile> {
        let (config, credentials) = aws_config_paths();
        aws_profiles(config.as_deref(), credentials.as_deref())
    }

    pub fn set_target_credentials(
        &self,
        target: &str,
        profile: Option<String>,
        account: Option<String>,
    ) -> Result<ProjectView, ApiError> {
        tracing::debug!(target, ?profile, ?account, "set_target_credentials");
        if let Some(name) = &account
            && !self.accounts.list()?.iter().any(|a| &a.name == name)
        {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!("no account named `{name}` in the keychain"),
            ));
        }
        self.apply_manifest_edit(&ManifestEdit::SetTargetCredentials {
            target: target.to_owned(),
            profile,
            account,
        })
    }
}
