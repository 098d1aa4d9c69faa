//! The passphrase-protected file store.

use functory_vault::{
    Account, AwsAccessKey, EncryptedFileStore, SecretStore, Sensitive, Vault, VaultError,
};

#[test]
fn round_trips_and_never_holds_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts.enc.json");
    let passphrase = Sensitive::from("correct horse battery");
    let vault = Vault::new(EncryptedFileStore::open(&path, &passphrase).unwrap());
    let key = AwsAccessKey {
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: "PLAINTEXT-CANARY-1234".into(),
        session_token: None,
        role_arn: None,
        external_id: None,
        region: None,
    };
    vault.add(&Account::aws("dev", key).unwrap()).unwrap();
    let on_disk = std::fs::read_to_string(&path).unwrap();
    assert!(!on_disk.contains("PLAINTEXT-CANARY") && !on_disk.contains("AKIAIOSFODNN7EXAMPLE"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    let reopened = Vault::new(EncryptedFileStore::open(&path, &passphrase).unwrap());
    let account = reopened.load("dev").unwrap();
    assert!(
        matches!(account.secrets, functory_vault::AccountSecrets::AwsAccessKey { ref secret_access_key, .. } if secret_access_key.expose() == "PLAINTEXT-CANARY-1234")
    );

    let wrong = EncryptedFileStore::open(&path, &Sensitive::from("wrong passphrase"));
    assert!(matches!(wrong, Err(VaultError::WrongPassphrase)));
    let short = EncryptedFileStore::open(&dir.path().join("other"), &Sensitive::from("short"));
    assert!(matches!(short, Err(VaultError::Invalid { .. })));
}

#[test]
fn a_tampered_entry_is_reported_not_returned() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts.enc.json");
    let passphrase = Sensitive::from("correct horse battery");
    let store = EncryptedFileStore::open(&path, &passphrase).unwrap();
    store.set("k", &Sensitive::from("value")).unwrap();
    drop(store);
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let ciphertext = json["entries"]["k"]["ciphertext"]
        .as_str()
        .unwrap()
        .to_owned();
    // Flip one hex digit of the ciphertext: authentication must fail.
    let mut digits: Vec<char> = ciphertext.chars().collect();
    digits[0] = if digits[0] == '0' { '1' } else { '0' };
    json["entries"]["k"]["ciphertext"] = digits.into_iter().collect::<String>().into();
    std::fs::write(&path, json.to_string()).unwrap();
    let store = EncryptedFileStore::open(&path, &passphrase).unwrap();
    assert!(matches!(store.get("k"), Err(VaultError::Corrupt(_))));
}
