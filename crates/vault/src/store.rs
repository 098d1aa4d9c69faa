//! Where secrets are kept, and the vault of accounts on top.

use serde::Serialize;
use ts_rs::TS;

use crate::account::{Account, AccountSecrets, AccountSummary, check_name};
use crate::sensitive::Sensitive;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// No keychain answered: no Secret Service running, no session bus, a locked keyring.
    #[error("the OS keychain is not available: {detail}. {advice}")]
    KeychainUnavailable {
        detail: String,
        advice: &'static str,
    },
    #[error("no account named `{0}`")]
    NotFound(String),
    #[error("an account named `{0}` already exists")]
    AlreadyExists(String),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The stored data cannot be read back (edited by another program, or a different format).
    #[error("the stored accounts cannot be read: {0}")]
    Corrupt(String),
    #[error("the passphrase does not open this encrypted account file")]
    WrongPassphrase,
    #[error("{0}")]
    Io(String),
}

/// Stable codes for IPC and `--json` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum VaultErrorCode {
    KeychainUnavailable,
    NotFound,
    AlreadyExists,
    InvalidInput,
    Corrupt,
    WrongPassphrase,
    Io,
}

impl VaultError {
    pub fn code(&self) -> VaultErrorCode {
        match self {
            VaultError::KeychainUnavailable { .. } => VaultErrorCode::KeychainUnavailable,
            VaultError::NotFound(_) => VaultErrorCode::NotFound,
            VaultError::AlreadyExists(_) => VaultErrorCode::AlreadyExists,
            VaultError::Invalid { .. } => VaultErrorCode::InvalidInput,
            VaultError::Corrupt(_) => VaultErrorCode::Corrupt,
            VaultError::WrongPassphrase => VaultErrorCode::WrongPassphrase,
            VaultError::Io(_) => VaultErrorCode::Io,
        }
    }
}

const KEYCHAIN_ADVICE: &str = if cfg!(target_os = "linux") {
    "Functory keeps credentials only in the keychain: install and start a Secret Service provider \
     (gnome-keyring, or KeePassXC with its Secret Service integration), make sure a D-Bus session \
     is running, and unlock the keyring"
} else if cfg!(target_os = "macos") {
    "Functory keeps credentials only in the keychain: unlock the login keychain in Keychain Access"
} else {
    "Functory keeps credentials only in the keychain: check that Windows Credential Manager is available"
};

/// The keychain "service" under which every entry of one build lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace(String);

impl Namespace {
    /// Release builds use `dev.functory.app`; debug builds `dev.functory.app.debug`, so trying
    /// a development build never touches a user's real accounts.
    pub fn for_this_build() -> Self {
        if cfg!(debug_assertions) {
            Self("dev.functory.app.debug".into())
        } else {
            Self("dev.functory.app".into())
        }
    }

    /// A namespace of its own, for tests that must not see each other's entries.
    pub fn custom(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A place that keeps secret strings under keys.
pub trait SecretStore: Send + Sync + std::fmt::Debug {
    fn get(&self, key: &str) -> Result<Option<Sensitive<String>>, VaultError>;
    fn set(&self, key: &str, value: &Sensitive<String>) -> Result<(), VaultError>;
    /// Whether something was removed.
    fn delete(&self, key: &str) -> Result<bool, VaultError>;
}

/// The OS keychain through the `keyring` crate, with its real backends.
#[derive(Debug, Clone)]
pub struct KeychainStore {
    namespace: Namespace,
}

impl KeychainStore {
    pub fn new(namespace: Namespace) -> Self {
        Self { namespace }
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new(self.namespace.as_str(), key).map_err(map_keyring_error)
    }
}

fn map_keyring_error(error: keyring::Error) -> VaultError {
    match error {
        keyring::Error::NoStorageAccess(inner) | keyring::Error::PlatformFailure(inner) => {
            VaultError::KeychainUnavailable {
                detail: inner.to_string(),
                advice: KEYCHAIN_ADVICE,
            }
        }
        keyring::Error::BadEncoding(_) => {
            VaultError::Corrupt("a keychain entry is not valid text".into())
        }
        keyring::Error::Ambiguous(_) => VaultError::Corrupt(
            "the keychain holds several entries for one account; remove the duplicates".into(),
        ),
        keyring::Error::TooLong(field, limit) => VaultError::Invalid {
            field,
            message: format!("longer than the keychain's limit of {limit}"),
        },
        keyring::Error::Invalid(field, reason) => VaultError::Invalid {
            field,
            message: reason,
        },
        other => VaultError::KeychainUnavailable {
            detail: other.to_string(),
            advice: KEYCHAIN_ADVICE,
        },
    }
}

impl SecretStore for KeychainStore {
    fn get(&self, key: &str) -> Result<Option<Sensitive<String>>, VaultError> {
        match self.entry(key)?.get_password() {
            Ok(value) => Ok(Some(Sensitive::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(map_keyring_error(error)),
        }
    }

    fn set(&self, key: &str, value: &Sensitive<String>) -> Result<(), VaultError> {
        self.entry(key)?
            .set_password(value.expose())
            .map_err(map_keyring_error)
    }

    fn delete(&self, key: &str) -> Result<bool, VaultError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(error) => Err(map_keyring_error(error)),
        }
    }
}

const INDEX_KEY: &str = "accounts-index";

fn secret_key(name: &str) -> String {
    format!("account:{name}")
}

/// The accounts, on any [`SecretStore`]. The index (public fields only) and each account's
/// secrets are separate entries, so listing never reads a secret.
#[derive(Debug)]
pub struct Vault<S: SecretStore> {
    store: S,
}

impl Vault<KeychainStore> {
    /// The OS keychain, in this build's namespace.
    pub fn keychain() -> Self {
        Self::new(KeychainStore::new(Namespace::for_this_build()))
    }
}

impl<S: SecretStore> Vault<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    pub fn list(&self) -> Result<Vec<AccountSummary>, VaultError> {
        match self.store.get(INDEX_KEY)? {
            None => Ok(Vec::new()),
            Some(json) => serde_json::from_str(json.expose())
                .map_err(|e| VaultError::Corrupt(format!("the account list: {e}"))),
        }
    }

    fn write_index(&self, accounts: &[AccountSummary]) -> Result<(), VaultError> {
        let json =
            serde_json::to_string(accounts).map_err(|e| VaultError::Corrupt(e.to_string()))?;
        self.store.set(INDEX_KEY, &Sensitive::new(json))
    }

    /// Adds a new account. The secret is written first and removed again if the index cannot
    /// be updated, so a failure leaves no orphan secret behind.
    pub fn add(&self, account: &Account) -> Result<(), VaultError> {
        let mut accounts = self.list()?;
        if accounts.iter().any(|a| a.name == account.summary.name) {
            return Err(VaultError::AlreadyExists(account.summary.name.clone()));
        }
        self.store.set(
            &secret_key(&account.summary.name),
            &account.secrets.to_keychain_json(),
        )?;
        accounts.push(account.summary.clone());
        accounts.sort_by_key(|a| a.name.to_lowercase());
        if let Err(error) = self.write_index(&accounts) {
            let _ = self.store.delete(&secret_key(&account.summary.name));
            return Err(error);
        }
        Ok(())
    }

    /// Replaces an account's public fields, and its secrets when `account` carries new ones
    /// (`keep_secrets` keeps the stored secret: the UI never receives secrets, so an edit that
    /// leaves the secret field blank keeps the old one).
    pub fn update(&self, account: &Account, keep_secrets: bool) -> Result<(), VaultError> {
        let mut accounts = self.list()?;
        let Some(slot) = accounts.iter_mut().find(|a| a.name == account.summary.name) else {
            return Err(VaultError::NotFound(account.summary.name.clone()));
        };
        if slot.kind != account.summary.kind {
            return Err(VaultError::Invalid {
                field: "kind".into(),
                message: "an account's kind cannot change; add a new account instead".into(),
            });
        }
        *slot = account.summary.clone();
        if !keep_secrets {
            self.store.set(
                &secret_key(&account.summary.name),
                &account.secrets.to_keychain_json(),
            )?;
        }
        self.write_index(&accounts)
    }

    pub fn load(&self, name: &str) -> Result<Account, VaultError> {
        let summary = self
            .list()?
            .into_iter()
            .find(|a| a.name == name)
            .ok_or_else(|| VaultError::NotFound(name.to_owned()))?;
        let json = self.store.get(&secret_key(name))?.ok_or_else(|| {
            VaultError::Corrupt(format!("the secret of `{name}` is missing from the keychain; remove the account and add it again"))
        })?;
        // serde's message could quote the secret's text, so it is not passed on.
        let secrets: AccountSecrets = serde_json::from_str(json.expose()).map_err(|_| {
            VaultError::Corrupt(format!(
                "the secret of `{name}` is not in the expected format"
            ))
        })?;
        Ok(Account { summary, secrets })
    }

    pub fn rename(&self, from: &str, to: &str) -> Result<(), VaultError> {
        check_name(to)?;
        let mut accounts = self.list()?;
        if accounts.iter().any(|a| a.name == to) {
            return Err(VaultError::AlreadyExists(to.to_owned()));
        }
        let account = self.load(from)?;
        self.store
            .set(&secret_key(to), &account.secrets.to_keychain_json())?;
        for summary in accounts.iter_mut().filter(|a| a.name == from) {
            summary.name = to.to_owned();
        }
        accounts.sort_by_key(|a| a.name.to_lowercase());
        if let Err(error) = self.write_index(&accounts) {
            let _ = self.store.delete(&secret_key(to));
            return Err(error);
        }
        self.store.delete(&secret_key(from))?;
        Ok(())
    }

    pub fn remove(&self, name: &str) -> Result<(), VaultError> {
        let mut accounts = self.list()?;
        let before = accounts.len();
        accounts.retain(|a| a.name != name);
        if accounts.len() == before {
            return Err(VaultError::NotFound(name.to_owned()));
        }
        self.write_index(&accounts)?;
        self.store.delete(&secret_key(name))?;
        Ok(())
    }
}
