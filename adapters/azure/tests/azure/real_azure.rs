//! Against a real Azure function app (see the crate docs): plan, deploy, no-change redeploy,
//! invoke. Ignored unless asked for: `cargo test -p functory-azure -- --ignored` with the
//! variables below set; without them it fails and names them.

use functory_adapter::{Adapter, CloudAdapter, InvokeOptions};
use functory_azure::{AzureAdapter, ServicePrincipal};
use functory_vault::{Account, AzureServicePrincipal};

const VARIABLES: [&str; 6] = [
    "FUNCTORY_AZURE_TENANT_ID",
    "FUNCTORY_AZURE_CLIENT_ID",
    "FUNCTORY_AZURE_CLIENT_SECRET",
    "FUNCTORY_AZURE_SUBSCRIPTION_ID",
    "FUNCTORY_AZURE_RESOURCE_GROUP",
    "FUNCTORY_AZURE_FUNCTION_APP",
];

#[tokio::test]
#[ignore = "needs a real Azure function app: set FUNCTORY_AZURE_TENANT_ID, _CLIENT_ID, _CLIENT_SECRET, _SUBSCRIPTION_ID, _RESOURCE_GROUP and _FUNCTION_APP, then run with --ignored"]
async fn deploys_redeploys_and_invokes() {
    let values: Vec<Option<String>> = VARIABLES
        .iter()
        .map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .collect();
    assert!(
        values.iter().all(Option::is_some),
        "the real-Azure test needs {} (see the functory-azure crate docs)",
        VARIABLES.join(", ")
    );
    let [tenant, client, secret, subscription, group, app]: [String; 6] = values
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    let account = Account::azure(
        "real-azure-test",
        AzureServicePrincipal {
            tenant_id: tenant,
            client_id: client,
            client_secret: secret.as_str().into(),
            subscription_id: Some(subscription.clone()),
        },
    )
    .unwrap();
    let adapter = AzureAdapter::builder()
        .subscription_id(subscription)
        .resource_group(group)
        .function_app(app)
        .service_principal(ServicePrincipal::from_account(&account).unwrap())
        .build()
        .expect("the adapter builds");
    let dir = tempfile::tempdir().unwrap();
    let fixture = functory_adapter::conformance::Fixture::write(dir.path()).unwrap();
    let mut options = fixture.deploy_options("echo");
    options.project = Some("functory-real-azure-test".into());
    let plan = adapter.plan(&options).await.expect("plan");
    assert!(!plan.to_string().contains(&secret));
    adapter.deploy_function(&options).await.expect("deploy");
    let again = adapter.deploy_function(&options).await.expect("redeploy");
    assert!(
        !again.uploaded,
        "an unchanged project is not uploaded again"
    );
    let invocation = adapter
        .invoke(InvokeOptions::new(
            "echo",
            r#"{"from":"the real-Azure test"}"#,
        ))
        .await
        .expect("invoke");
    assert_eq!(invocation.function_error, None, "{invocation:?}");
    assert_eq!(
        invocation.payload_json().unwrap()["echo"]["from"],
        "the real-Azure test"
    );
}
