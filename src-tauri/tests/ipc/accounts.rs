//! Accounts: a secret goes into the keychain once and never comes back; "Test account" and
//! AWS profiles; which account a target signs in with.

use serde_json::{Value, json};

use super::support::Harness;

/// The commands this group covers.
pub const COMMANDS: &[&str] = &[
    "open_sample_project",
    "add_account",
    "update_account",
    "rename_account",
    "list_accounts",
    "test_account",
    "test_aws_profile",
    "list_aws_profiles",
    "set_target_credentials",
    "remove_account",
];

#[test]
fn accounts_answer_as_the_ui_expects() {
    let h = Harness::start("accounts", true);
    let call = |cmd: &str, body: Value| h.call(cmd, body);

    // Accounts: the secret goes in once and never comes back.
    let sample = call("open_sample_project", json!({})).unwrap();
    let added = call(
        "add_account",
        json!({ "input": { "kind": "aws-access-key", "name": "dev", "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
                "secretAccessKey": h.canary, "sessionToken": null, "roleArn": null, "externalId": null, "region": "eu-west-1" } }),
    )
    .unwrap();
    assert_eq!(added["details"]["accessKeyId"], "AKIAIOSFODNN7EXAMPLE");
    let updated = call(
        "update_account",
        json!({ "input": { "kind": "aws-access-key", "name": "dev", "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
                "secretAccessKey": "", "sessionToken": null, "roleArn": null, "externalId": null, "region": "us-east-1" } }),
    )
    .unwrap();
    assert_eq!(updated["details"]["region"], "us-east-1");
    assert_eq!(
        call("rename_account", json!({ "from": "dev", "to": "staging" })).unwrap(),
        Value::Null
    );
    let listed = call("list_accounts", json!({})).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["name"], "staging");
    let bad = call(
        "add_account",
        json!({ "input": { "kind": "gcp-service-account", "name": "g", "keyJson": "{" } }),
    )
    .unwrap_err();
    assert_eq!(bad["code"], "invalid_input");
    let tested = call("test_account", json!({ "name": "staging" })).unwrap();
    assert_eq!(tested["ok"], true, "{tested}");
    assert_eq!(tested["call"], "STS GetCallerIdentity");
    assert!(tested["identity"].as_str().unwrap().starts_with("arn:aws:"));
    assert!(tested["durationMs"].is_u64());
    assert_eq!(
        call("test_account", json!({ "name": "nope" })).unwrap_err()["code"],
        "not_found"
    );
    let profile = call(
        "test_aws_profile",
        json!({ "profile": format!("functory-ipc-missing-{}", std::process::id()) }),
    )
    .unwrap();
    assert_eq!(profile["ok"], false);
    assert!(profile["errorCode"].is_string() && profile["message"].is_string());
    assert!(call("list_aws_profiles", json!({})).unwrap().is_array());
    let missing = call(
        "set_target_credentials",
        json!({ "target": "local", "profile": null, "account": "nope" }),
    )
    .unwrap_err();
    assert_eq!(missing["code"], "not_found");
    let chosen = call(
        "set_target_credentials",
        json!({ "target": "local", "profile": null, "account": "staging" }),
    )
    .unwrap();
    assert_eq!(
        chosen["manifest"]["manifest"]["targets"][0]["account"],
        "staging"
    );
    assert_eq!(
        call("remove_account", json!({ "name": "staging" })).unwrap(),
        Value::Null
    );
    assert_eq!(call("list_accounts", json!({})).unwrap(), json!([]));
    assert_eq!(sample["name"], "thumbnails");

    h.assert_called_exactly(COMMANDS);
}
