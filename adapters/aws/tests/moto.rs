//! Sign-in against a real moto server (the AWS emulator) on a loopback port: keychain keys,
//! an assumed role, a profile, and keys moto does not know once it enforces authentication.

use functory_aws::moto::MotoServer;
use functory_aws::{AwsSignIn, caller_identity};
use functory_vault::{Account, AwsAccessKey};

const SECRET: &str = "CANARYmotoSecretKeyK7MDENGbPxRfiCY";

fn account(role_arn: Option<&str>) -> Account {
    Account::aws(
        "prod",
        AwsAccessKey {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: SECRET.into(),
            session_token: None,
            role_arn: role_arn.map(str::to_owned),
            external_id: role_arn.map(|_| "functory-ext-42".to_owned()),
            region: Some("eu-west-1".into()),
        },
    )
    .expect("a valid account")
}

fn moto(env: &[(&str, &str)]) -> MotoServer {
    MotoServer::start_with_env(env).unwrap_or_else(|error| panic!("{error}"))
}

#[tokio::test]
async fn keychain_keys_profiles_and_assumed_roles_get_their_identity_from_moto() {
    let server = moto(&[]);

    let session = AwsSignIn::keychain(&account(None))
        .expect("an AWS account")
        .endpoint_url(server.endpoint_url())
        .load()
        .await
        .expect("the configuration loads");
    let identity = caller_identity(&session).await.expect("moto answers");
    assert_eq!(identity.account, "123456789012");
    assert!(identity.arn.starts_with("arn:aws:"), "{identity:?}");

    let role = "arn:aws:iam::123456789012:role/deployer";
    let session = AwsSignIn::keychain(&account(Some(role)))
        .expect("an AWS account")
        .endpoint_url(server.endpoint_url())
        .load()
        .await
        .expect("the configuration loads");
    let assumed = caller_identity(&session).await.expect("moto answers");
    assert_eq!(
        assumed.arn,
        "arn:aws:sts::123456789012:assumed-role/deployer/functory-prod"
    );

    // A profile with static keys, read from files of this test.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let config = dir.path().join("config");
    let credentials = dir.path().join("credentials");
    std::fs::write(&config, "[profile ci]\nregion = us-east-2\n").expect("config written");
    std::fs::write(
        &credentials,
        format!(
            "[ci]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = {SECRET}\n"
        ),
    )
    .expect("credentials written");
    use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
    let files = EnvConfigFiles::builder()
        .with_file(EnvConfigFileKind::Config, &config)
        .with_file(EnvConfigFileKind::Credentials, &credentials)
        .build();
    let session = AwsSignIn::profile("ci")
        .profile_files(files)
        .endpoint_url(server.endpoint_url())
        .load()
        .await
        .expect("the configuration loads");
    assert_eq!(session.region(), Some("us-east-2"));
    assert_eq!(
        caller_identity(&session)
            .await
            .expect("moto answers")
            .account,
        "123456789012"
    );
}

#[tokio::test]
async fn keys_moto_does_not_know_are_refused_with_a_clear_message() {
    // With no unauthenticated actions allowed, moto checks every key against its IAM, as AWS does.
    let server = moto(&[("INITIAL_NO_AUTH_ACTION_COUNT", "0")]);
    let session = AwsSignIn::keychain(&account(None))
        .expect("an AWS account")
        .endpoint_url(server.endpoint_url())
        .load()
        .await
        .expect("the configuration loads");
    let error = caller_identity(&session)
        .await
        .expect_err("moto does not know the key");
    let text = error.to_string();
    assert_eq!(error.code(), "unauthenticated", "{text}");
    assert!(
        text.contains(
            "AWS does not recognise the access key of account `prod` (InvalidClientTokenId"
        ),
        "{text}"
    );
    assert!(!text.contains(SECRET) && !format!("{error:?}").contains(SECRET));
}
