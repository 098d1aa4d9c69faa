//! A passphrase-protected file of secrets, for users who explicitly choose it over the OS
//! keychain (a machine without one, say). Never used as a silent fallback.
//!
//! The key is derived from the passphrase with Argon2id and a random salt; every value is
//! sealed with ChaCha20-Poly1305 under a fresh random nonce. A check value sealed with the same
//! key tells a wrong passphrase apart from a damaged file.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, rand_core::RngCore};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::sensitive::Sensitive;
use crate::store::{SecretStore, VaultError};

const CHECK_PLAINTEXT: &[u8] = b"functory-encrypted-file-v1";

#[derive(Serialize, Deserialize)]
struct FileFormat {
    version: u32,
    kdf: String,
    salt: String,
    check: Sealed,
    entries: BTreeMap<String, Sealed>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Sealed {
    nonce: String,
    ciphertext: String,
}

pub struct EncryptedFileStore {
    path: PathBuf,
    cipher: ChaCha20Poly1305,
    state: Mutex<FileFormat>,
}

impl std::fmt::Debug for EncryptedFileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedFileStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn derive_key(passphrase: &Sensitive<String>, salt: &[u8]) -> Result<ChaCha20Poly1305, VaultError> {
    let mut key = [0u8; 32];
    argon2::Argon2::default()
        .hash_password_into(passphrase.expose().as_bytes(), salt, &mut key)
        .map_err(|e| VaultError::Io(format!("could not derive a key from the passphrase: {e}")))?;
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&key));
    key.zeroize();
    Ok(cipher)
}

fn seal(cipher: &ChaCha20Poly1305, plaintext: &[u8]) -> Result<Sealed, VaultError> {
    let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
    let ciphertext = cipher
        .encrypt(&nonce, plaintext)
        .map_err(|_| VaultError::Io("encryption failed".into()))?;
    Ok(Sealed {
        nonce: hex(&nonce),
        ciphertext: hex(&ciphertext),
    })
}

fn open(cipher: &ChaCha20Poly1305, sealed: &Sealed) -> Option<Vec<u8>> {
    let nonce = unhex(&sealed.nonce).filter(|n| n.len() == 12)?;
    let ciphertext = unhex(&sealed.ciphertext)?;
    cipher
        .decrypt(Nonce::from_slice(&nonce), ciphertext.as_slice())
        .ok()
}

impl EncryptedFileStore {
    /// Opens `path` with `passphrase`, creating the file if it does not exist.
    pub fn open(path: &Path, passphrase: &Sensitive<String>) -> Result<Self, VaultError> {
        if passphrase.expose().chars().count() < 8 {
            return Err(VaultError::Invalid {
                field: "passphrase".into(),
                message: "use at least 8 characters".into(),
            });
        }
        let state = match fs::read(path) {
            Ok(bytes) => serde_json::from_slice::<FileFormat>(&bytes)
                .map_err(|e| VaultError::Corrupt(format!("{}: {e}", path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut salt = [0u8; 16];
                OsRng.fill_bytes(&mut salt);
                let cipher = derive_key(passphrase, &salt)?;
                let state = FileFormat {
                    version: 1,
                    kdf: "argon2id".into(),
                    salt: hex(&salt),
                    check: seal(&cipher, CHECK_PLAINTEXT)?,
                    entries: BTreeMap::new(),
                };
                let store = Self {
                    path: path.to_owned(),
                    cipher,
                    state: Mutex::new(state),
                };
                store.persist(&store.lock())?;
                return Ok(store);
            }
            Err(e) => {
                return Err(VaultError::Io(format!(
                    "could not read {}: {e}",
                    path.display()
                )));
            }
        };
        if state.version != 1 || state.kdf != "argon2id" {
            return Err(VaultError::Corrupt(format!(
                "{}: unknown format version {}",
                path.display(),
                state.version
            )));
        }
        let salt = unhex(&state.salt).ok_or_else(|| VaultError::Corrupt("bad salt".into()))?;
        let cipher = derive_key(passphrase, &salt)?;
        if open(&cipher, &state.check).as_deref() != Some(CHECK_PLAINTEXT) {
            return Err(VaultError::WrongPassphrase);
        }
        Ok(Self {
            path: path.to_owned(),
            cipher,
            state: Mutex::new(state),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FileFormat> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn persist(&self, state: &FileFormat) -> Result<(), VaultError> {
        let io = |e: std::io::Error| {
            VaultError::Io(format!("could not write {}: {e}", self.path.display()))
        };
        let json = serde_json::to_vec_pretty(state).map_err(|e| VaultError::Io(e.to_string()))?;
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir).map_err(io)?;
        }
        let temp = self.path.with_extension("tmp");
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp).map_err(io)?;
        file.write_all(&json).map_err(io)?;
        file.sync_all().map_err(io)?;
        fs::rename(&temp, &self.path).map_err(io)
    }
}

impl SecretStore for EncryptedFileStore {
    fn get(&self, key: &str) -> Result<Option<Sensitive<String>>, VaultError> {
        let state = self.lock();
        let Some(sealed) = state.entries.get(key) else {
            return Ok(None);
        };
        let plaintext = open(&self.cipher, sealed)
            .ok_or_else(|| VaultError::Corrupt(format!("the entry `{key}` does not decrypt")))?;
        String::from_utf8(plaintext)
            .map(|text| Some(Sensitive::new(text)))
            .map_err(|_| VaultError::Corrupt(format!("the entry `{key}` is not text")))
    }

    fn set(&self, key: &str, value: &Sensitive<String>) -> Result<(), VaultError> {
        let mut state = self.lock();
        let sealed = seal(&self.cipher, value.expose().as_bytes())?;
        state.entries.insert(key.to_owned(), sealed);
        self.persist(&state)
    }

    fn delete(&self, key: &str) -> Result<bool, VaultError> {
        let mut state = self.lock();
        let removed = state.entries.remove(key).is_some();
        if removed {
            self.persist(&state)?;
        }
        Ok(removed)
    }
}
