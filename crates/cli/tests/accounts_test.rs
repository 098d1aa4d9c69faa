//! `functory accounts test` as a user runs it: a keychain account against a real moto server
//! (through the standard `AWS_ENDPOINT_URL`), keys moto refuses, and an SSO profile that needs
//! `aws sso login`. Accounts live in a real Secret Service (`npm test` starts one).

mod common;

use common::{functory_with, text};

use std::path::Path;
use std::process::Output;

use functory_aws::moto::MotoServer;

fn functory(args: &[&str], env: &[(&str, &str)], namespace: &str, stdin: &str) -> Output {
    functory_with(args, None, env, namespace, stdin)
}

fn moto(env: &[(&str, &str)]) -> MotoServer {
    MotoServer::start_with_env(env).unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn an_account_is_tested_against_moto_and_refused_keys_say_what_to_do() {
    let ns = format!("cli-test-{}", std::process::id());
    let secret = format!("CANARY{}wJalrXUtnFEMIK7MDENG", std::process::id());
    let add = functory(
        &[
            "accounts",
            "add-aws",
            "--name",
            "dev",
            "--access-key-id",
            "AKIAIOSFODNN7EXAMPLE",
            "--secret-stdin",
            "--region",
            "eu-west-1",
        ],
        &[],
        &ns,
        &format!("{secret}\n"),
    );
    assert!(add.status.success(), "{}", text(&add.stderr));

    let server = moto(&[]);
    let endpoint = server.endpoint_url();
    let env = [("AWS_ENDPOINT_URL", endpoint.as_str())];
    let ok = functory(&["accounts", "test", "dev"], &env, &ns, "");
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    let line = text(&ok.stdout);
    assert!(
        line.starts_with("ok: account `dev` signs in as arn:aws:")
            && line.contains("in AWS account 123456789012 (STS GetCallerIdentity, "),
        "{line}"
    );
    let json = functory(&["accounts", "test", "dev", "--json"], &env, &ns, "");
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON output");
    assert_eq!(value["ok"], true);
    assert_eq!(value["call"], "STS GetCallerIdentity");
    assert!(value["durationMs"].is_u64());
    drop(server);

    // Moto checking keys as AWS does: this key is unknown to it.
    let strict = moto(&[("INITIAL_NO_AUTH_ACTION_COUNT", "0")]);
    let endpoint = strict.endpoint_url();
    let refused = functory(
        &["accounts", "test", "dev"],
        &[("AWS_ENDPOINT_URL", endpoint.as_str())],
        &ns,
        "",
    );
    assert_eq!(refused.status.code(), Some(1));
    let error = text(&refused.stderr);
    assert!(
        error.starts_with("functory: STS GetCallerIdentity failed: not signed in: STS GetCallerIdentity: AWS does not recognise the access key of account `dev` (InvalidClientTokenId"),
        "{error}"
    );
    assert!(error.contains("create a new access key in IAM and update account `dev`"));

    let missing = functory(&["accounts", "test", "nope"], &[], &ns, "");
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing.stderr).contains("nope"),
        "{}",
        text(&missing.stderr)
    );

    for output in [&ok, &json, &refused, &missing] {
        assert!(!text(&output.stdout).contains(&secret) && !text(&output.stderr).contains(&secret));
    }
    assert!(
        functory(&["accounts", "remove", "dev"], &[], &ns, "")
            .status
            .success()
    );
}

#[test]
fn an_sso_profile_without_a_session_says_to_run_sso_login() {
    let home = tempfile::tempdir().expect("a temporary home");
    let config = home.path().join("aws-config");
    std::fs::write(
        &config,
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Deployer\nregion = eu-west-1\n\n\
         [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n",
    )
    .expect("the config is written");
    let home_dir = home.path().to_str().expect("a UTF-8 path");
    let output = functory(
        &["accounts", "test", "--profile", "dev"],
        &[
            // No cached SSO token exists under this home: the user has not signed in.
            ("HOME", home_dir),
            ("AWS_CONFIG_FILE", config.to_str().expect("a UTF-8 path")),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                Path::new(home_dir)
                    .join("none")
                    .to_str()
                    .expect("a UTF-8 path"),
            ),
        ],
        &format!("cli-sso-{}", std::process::id()),
        "",
    );
    assert_eq!(output.status.code(), Some(1));
    let error = text(&output.stderr);
    assert!(
        error.contains("the SSO sign-in of AWS profile `dev` has expired or was never made")
            && error.contains("run `aws sso login --profile dev`, then try again"),
        "{error}"
    );
}
