//! "Test account" through the use case, with accounts in a real Secret Service (`npm test`
//! starts one) and AWS calls going to a real moto server.

use functory_api::ErrorCode;
use functory_api::account_test::SignInEndpoints;
use functory_api::accounts::{AccountInput, Accounts};
use functory_api::aws::moto::MotoServer;
use functory_api::vault::Namespace;

fn accounts(endpoints: SignInEndpoints) -> Accounts {
    Accounts::in_namespace(Namespace::custom(format!(
        "functory-api-account-test-{}",
        std::process::id()
    )))
    .with_sign_in_endpoints(endpoints)
}

fn aws_input(name: &str, secret: &str, role_arn: Option<&str>) -> AccountInput {
    AccountInput::AwsAccessKey {
        name: name.into(),
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: secret.into(),
        session_token: None,
        role_arn: role_arn.map(str::to_owned),
        external_id: None,
        region: Some("eu-west-1".into()),
    }
}

#[tokio::test]
async fn each_kind_of_account_is_tested_with_its_clouds_call_and_no_secret_comes_back() {
    let moto = MotoServer::start().unwrap_or_else(|e| panic!("{e}"));
    // A loopback port nothing listens on: the Azure authority is unreachable.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let accounts = accounts(SignInEndpoints {
        aws_endpoint_url: Some(moto.endpoint_url()),
        azure_authority_host: Some(format!("http://127.0.0.1:{closed}")),
        ..SignInEndpoints::default()
    });
    let canary = format!("CANARY{}wJalrXUtnFEMIK7MDENG", std::process::id());
    accounts
        .add(aws_input("aws-keys", &canary, None))
        .expect("the keychain stores the account");
    accounts
        .add(aws_input(
            "aws-role",
            &canary,
            Some("arn:aws:iam::123456789012:role/deployer"),
        ))
        .expect("stored");
    accounts
        .add(AccountInput::AzureServicePrincipal {
            name: "azure".into(),
            tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
            client_id: "00000000-1111-2222-3333-444444444444".into(),
            client_secret: canary.as_str().into(),
            subscription_id: None,
        })
        .expect("stored");
    accounts
        .add(AccountInput::GcpServiceAccount {
            name: "gcp".into(),
            key_json: format!(r#"{{"type":"service_account","project_id":"demo","client_email":"ci@demo.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\n{canary}\n-----END PRIVATE KEY-----\n","token_uri":"http://127.0.0.1:{closed}/token"}}"#).into(),
        })
        .expect("stored");

    let keys = accounts.test("aws-keys").await.expect("the account exists");
    assert!(keys.ok, "{keys:?}");
    assert_eq!(keys.call, "STS GetCallerIdentity");
    assert!(
        keys.identity.as_deref().unwrap().starts_with("arn:aws:"),
        "{keys:?}"
    );
    assert!(
        keys.message
            .starts_with("account `aws-keys` signs in as arn:aws:"),
        "{keys:?}"
    );
    assert!(
        keys.message.ends_with("in AWS account 123456789012"),
        "{keys:?}"
    );

    let role = accounts.test("aws-role").await.expect("the account exists");
    assert_eq!(
        role.identity.as_deref(),
        Some("arn:aws:sts::123456789012:assumed-role/deployer/functory-aws-role")
    );

    let azure = accounts.test("azure").await.expect("the account exists");
    assert!(!azure.ok);
    assert_eq!(azure.call, "Entra ID token request");
    assert_eq!(azure.error_code.as_deref(), Some("provider"));
    assert!(
        azure
            .message
            .contains("the token request of account `azure`"),
        "{azure:?}"
    );

    let gcp = accounts.test("gcp").await.expect("the account exists");
    assert!(!gcp.ok);
    assert_eq!(gcp.error_code.as_deref(), Some("invalid_request"));
    assert!(
        gcp.message.contains("not an RSA key in PEM form"),
        "{gcp:?}"
    );

    for result in [&keys, &role, &azure, &gcp] {
        let shown = format!("{} {result:?}", serde_json::to_string(result).unwrap());
        assert!(!shown.contains(&canary), "a secret came back: {shown}");
    }

    let missing = accounts.test("nope").await.unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);

    let profile = accounts
        .test_aws_profile(&format!("functory-missing-{}", std::process::id()))
        .await;
    assert!(!profile.ok);
    // Whether the user has no AWS configuration at all or one without this profile, the
    // message names the profile and how to create it.
    assert!(
        profile.message.contains(&format!(
            "aws configure --profile functory-missing-{}",
            std::process::id()
        )),
        "{profile:?}"
    );

    for name in ["aws-keys", "aws-role", "azure", "gcp"] {
        accounts.remove(name).expect("removed");
    }
}
