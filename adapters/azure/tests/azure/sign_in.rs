//! The three sign-ins against the fake: a device code (pending, slow down, then approved; a
//! refresh token for the second resource; declined; expired), the Azure CLI (a stand-in `az`
//! on a temporary PATH), and tokens kept per resource.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use functory_adapter::{Adapter, AdapterError, ListOptions, TailOptions};
use functory_azure::{AzureCliToken, DeviceCodePrompt, DeviceCodeSignIn};

use crate::builder;
use crate::fake::{AppSpec, FakeAzure, Hosting, PUBLIC_CLIENT, TENANT};

async fn fake() -> FakeAzure {
    let fake = FakeAzure::start().await;
    fake.add_app(AppSpec::new(
        "signin",
        Hosting::LinuxConsumption,
        "node",
        "20",
    ));
    fake
}

fn device(fake: &FakeAzure, prompts: Arc<Mutex<Vec<DeviceCodePrompt>>>) -> DeviceCodeSignIn {
    DeviceCodeSignIn::new(TENANT, PUBLIC_CLIENT, move |p| {
        prompts.lock().unwrap().push(p)
    })
    .authority_host(fake.authority())
    .max_poll_interval(Duration::from_millis(10))
}

#[tokio::test]
async fn a_device_code_sign_in_polls_until_approved_then_refreshes_for_other_resources() {
    let fake = fake().await;
    fake.script_device_flow(&[
        "authorization_pending",
        "slow_down",
        "authorization_pending",
        "approve",
    ]);
    let prompts = Arc::new(Mutex::new(Vec::new()));
    let adapter = builder(&fake, "signin")
        .token_source(Arc::new(device(&fake, prompts.clone())))
        .build()
        .unwrap();
    adapter
        .list(ListOptions::default())
        .await
        .expect("signed in");
    {
        let prompts = prompts.lock().unwrap();
        assert_eq!(prompts.len(), 1, "one prompt: {prompts:?}");
        assert_eq!(prompts[0].user_code, "FKQ7CZ4LM");
        assert_eq!(
            prompts[0].verification_uri,
            "https://microsoft.com/devicelogin"
        );
        assert!(prompts[0].message.contains("FKQ7CZ4LM"));
        assert_eq!(prompts[0].expires_in, Duration::from_secs(900));
    }
    let grants: Vec<String> = fake
        .token_requests()
        .iter()
        .map(|r| r.get("grant_type").cloned().unwrap_or_default())
        .collect();
    assert_eq!(
        grants,
        vec!["urn:ietf:params:oauth:grant-type:device_code"; 4]
    );

    // Application Insights needs its own token: the refresh token buys it, no new prompt.
    let dir = tempfile::tempdir().unwrap();
    let fixture = functory_adapter::conformance::Fixture::write(dir.path()).unwrap();
    adapter
        .deploy(fixture.deploy_options("echo"))
        .await
        .unwrap();
    let _stream = adapter
        .tail_logs(TailOptions::new("echo"))
        .await
        .expect("logs with a second token");
    assert_eq!(prompts.lock().unwrap().len(), 1);
    let last = fake.token_requests().last().cloned().unwrap();
    assert_eq!(last["grant_type"], "refresh_token");
    assert_eq!(
        last["scope"],
        "https://api.applicationinsights.io/.default offline_access"
    );
}

#[tokio::test]
async fn a_declined_or_expired_device_code_is_unauthenticated_with_what_to_do() {
    let fake = fake().await;
    for (step, expected) in [
        ("authorization_declined", "declined in the browser"),
        ("expired_token", "expired before the sign-in was finished"),
    ] {
        fake.script_device_flow(&["authorization_pending", step]);
        let adapter = builder(&fake, "signin")
            .token_source(Arc::new(device(&fake, Arc::default())))
            .build()
            .unwrap();
        let error = adapter.list(ListOptions::default()).await.unwrap_err();
        assert!(
            matches!(&error, AdapterError::Unauthenticated { message } if message.contains(expected)),
            "{step}: {error}"
        );
    }
}

/// A stand-in `az` that answers `account get-access-token` as the Azure CLI does, and keeps
/// the arguments it was given.
fn fake_az(dir: &std::path::Path, management: &str, insights: &str) {
    let script = format!(
        r#"#!/bin/sh
echo "$@" >> "{log}"
if [ "$1 $2" != "account get-access-token" ]; then
  echo "ERROR: 'nope' is misspelled or not recognized by the system." >&2
  exit 2
fi
case "$4" in
  https://management.azure.com/) token="{management}" ;;
  https://api.applicationinsights.io) token="{insights}" ;;
  *) echo "ERROR: AADSTS500011: The resource principal named $4 was not found in the tenant." >&2; exit 1 ;;
esac
expires=$(( $(date +%s) + 3600 ))
printf '{{"accessToken": "%s", "expiresOn": "2030-01-01 00:00:00.000000", "expires_on": %s, "subscription": "{sub}", "tenant": "{TENANT}", "tokenType": "Bearer"}}\n' "$token" "$expires"
"#,
        log = dir.join("az.log").display(),
        sub = crate::fake::SUBSCRIPTION,
    );
    let path = dir.join("az");
    std::fs::write(&path, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[tokio::test]
async fn the_azure_cli_gives_a_token_per_resource() {
    let fake = fake().await;
    let bin = tempfile::tempdir().unwrap();
    fake_az(
        bin.path(),
        &fake.issue_token("https://management.azure.com"),
        &fake.issue_token("https://api.applicationinsights.io"),
    );
    let cli = AzureCliToken::on_path(bin.path().as_os_str()).expect("az on the temporary PATH");
    assert_eq!(cli.program_path(), bin.path().join("az"));
    let adapter = builder(&fake, "signin")
        .token_source(Arc::new(cli))
        .build()
        .unwrap();
    adapter
        .list(ListOptions::default())
        .await
        .expect("signed in with the CLI");
    adapter
        .list(ListOptions::default())
        .await
        .expect("again, from the cache");
    let dir = tempfile::tempdir().unwrap();
    let fixture = functory_adapter::conformance::Fixture::write(dir.path()).unwrap();
    adapter
        .deploy(fixture.deploy_options("echo"))
        .await
        .unwrap();
    let _stream = adapter
        .tail_logs(TailOptions::new("echo"))
        .await
        .expect("logs");
    let log = std::fs::read_to_string(bin.path().join("az.log")).unwrap();
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        [
            "account get-access-token --resource https://management.azure.com/ --output json",
            "account get-access-token --resource https://api.applicationinsights.io --output json",
        ],
        "one call per resource"
    );
}

#[tokio::test]
async fn an_azure_cli_that_is_signed_out_or_missing_says_so() {
    let bin = tempfile::tempdir().unwrap();
    let script = "#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n";
    std::fs::write(bin.path().join("az"), script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            bin.path().join("az"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    let cli = AzureCliToken::on_path(bin.path().as_os_str()).unwrap();
    let error = functory_azure::TokenSource::token(&cli, functory_azure::AzureResource::Management)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, AdapterError::Unauthenticated { message } if message.contains("run `az login`")),
        "{error}"
    );
    let empty = tempfile::tempdir().unwrap();
    let error = AzureCliToken::on_path(empty.path().as_os_str()).unwrap_err();
    assert!(error.to_string().contains("not on PATH"), "{error}");
}

#[tokio::test]
async fn tokens_are_kept_per_resource_until_shortly_before_they_expire() {
    let fake = fake().await;
    let adapter = crate::builder(&fake, "signin")
        .account(&crate::account(crate::fake::SECRET))
        .unwrap()
        .build()
        .unwrap();
    adapter.list(ListOptions::default()).await.unwrap();
    adapter.list(ListOptions::default()).await.unwrap();
    assert_eq!(fake.token_requests().len(), 1, "one token for both");
    // A token that lives less than the five-minute margin is kept for half its life.
    fake.set_token_lifetime(120);
    let short = crate::builder(&fake, "signin")
        .account(&crate::account(crate::fake::SECRET))
        .unwrap()
        .build()
        .unwrap();
    short.list(ListOptions::default()).await.unwrap();
    short.list(ListOptions::default()).await.unwrap();
    assert_eq!(fake.token_requests().len(), 2);
    // One that has run out is asked for again.
    fake.set_token_lifetime(0);
    let expired = crate::builder(&fake, "signin")
        .account(&crate::account(crate::fake::SECRET))
        .unwrap()
        .build()
        .unwrap();
    expired.list(ListOptions::default()).await.unwrap_err();
    assert!(fake.token_requests().len() > 3);
}
