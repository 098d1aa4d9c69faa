//! The vault on the real OS keychain. On Linux this needs a running, unlocked Secret Service
//! (`npm test` starts gnome-keyring in a private D-Bus session); entries are cross-checked with
//! `secret-tool`, a program that reads the Secret Service independently of the `keyring` crate.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use functory_vault::{
    Account, AccountDetails, AwsAccessKey, KeychainStore, Namespace, SecretStore, Sensitive, Vault,
    VaultError,
};

fn unique_namespace() -> Namespace {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_nanos();
    Namespace::custom(format!("functory-test-{}-{nanos}", std::process::id()))
}

fn store() -> (Namespace, KeychainStore) {
    let namespace = unique_namespace();
    let store = KeychainStore::new(namespace.clone());
    match store.get("probe") {
        Ok(_) => {}
        Err(error) => panic!(
            "these tests need a running, unlocked Secret Service (run them with `npm test`, which starts gnome-keyring): {error}"
        ),
    }
    (namespace, store)
}

fn secret_tool_lookup(namespace: &Namespace, key: &str) -> Option<String> {
    let output = Command::new("secret-tool")
        .args(["lookup", "service", namespace.as_str(), "username", key])
        .output()
        .expect("secret-tool (Debian package libsecret-tools) is installed");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

fn aws(secret: &str) -> AwsAccessKey {
    AwsAccessKey {
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: secret.into(),
        session_token: Some("token-xyz".into()),
        role_arn: None,
        external_id: None,
        region: Some("eu-west-1".into()),
    }
}

#[test]
fn accounts_live_in_the_secret_service() {
    let (namespace, store) = store();
    let vault = Vault::new(store);
    let canary = format!("canary-{}", std::process::id());
    vault
        .add(&Account::aws("dev", aws(&canary)).unwrap())
        .unwrap();

    // Another program reading the Secret Service sees the secret entry; the index holds no secret.
    let entry =
        secret_tool_lookup(&namespace, "account:dev").expect("the secret is in the Secret Service");
    assert!(entry.contains(&canary));
    let index = secret_tool_lookup(&namespace, "accounts-index")
        .expect("the index is in the Secret Service");
    assert!(index.contains("AKIAIOSFODNN7EXAMPLE") && !index.contains(&canary));

    // A fresh store object (as after a restart) reads the same account back.
    let again = Vault::new(KeychainStore::new(namespace.clone()));
    let listed = again.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert!(matches!(
        &listed[0].details,
        AccountDetails::AwsAccessKey {
            has_session_token: true,
            ..
        }
    ));
    let loaded = again.load("dev").unwrap();
    match &loaded.secrets {
        functory_vault::AccountSecrets::AwsAccessKey {
            secret_access_key,
            session_token,
        } => {
            assert_eq!(secret_access_key.expose(), &canary);
            assert_eq!(
                session_token.as_ref().map(|t| t.expose().as_str()),
                Some("token-xyz")
            );
        }
        other => panic!("wrong kind {other:?}"),
    }
    assert!(!format!("{loaded:?}").contains(&canary));

    // Rename moves the secret; the old entry is gone.
    again.rename("dev", "staging").unwrap();
    assert!(secret_tool_lookup(&namespace, "account:dev").is_none());
    assert!(
        secret_tool_lookup(&namespace, "account:staging")
            .unwrap()
            .contains(&canary)
    );
    assert!(matches!(
        again.rename("nope", "x"),
        Err(VaultError::NotFound(_))
    ));

    // Editing public fields keeps the stored secret when the user leaves it blank.
    let mut edited = aws("ignored");
    edited.region = Some("us-east-1".into());
    again
        .update(&Account::aws("staging", edited).unwrap(), true)
        .unwrap();
    let loaded = again.load("staging").unwrap();
    assert!(
        matches!(&loaded.summary.details, AccountDetails::AwsAccessKey { region: Some(r), .. } if r == "us-east-1")
    );
    assert!(
        matches!(&loaded.secrets, functory_vault::AccountSecrets::AwsAccessKey { secret_access_key, .. } if secret_access_key.expose() == &canary)
    );

    assert!(matches!(
        again.add(&Account::aws("staging", aws("x")).unwrap()),
        Err(VaultError::AlreadyExists(_))
    ));
    again.remove("staging").unwrap();
    assert!(secret_tool_lookup(&namespace, "account:staging").is_none());
    assert_eq!(again.list().unwrap(), vec![]);
    assert!(matches!(
        again.remove("staging"),
        Err(VaultError::NotFound(_))
    ));
    KeychainStore::new(namespace)
        .delete("accounts-index")
        .unwrap();
}

#[test]
fn namespaces_do_not_see_each_other() {
    let (first_namespace, first) = store();
    let (_, second) = store();
    first.set("shared-key", &Sensitive::from("one")).unwrap();
    assert_eq!(second.get("shared-key").unwrap(), None);
    assert!(first.delete("shared-key").unwrap());
    assert!(!first.delete("shared-key").unwrap());
    assert_ne!(Namespace::for_this_build(), first_namespace);
    // This test binary is a debug build: it must never use the release namespace.
    if cfg!(debug_assertions) {
        assert_eq!(
            Namespace::for_this_build().as_str(),
            "dev.functory.app.debug"
        );
    }
}
