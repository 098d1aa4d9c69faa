//! `functory deploy`, `invoke` and `logs` on Azure and Google targets, as a user runs them,
//! against the same fakes of Azure's and Google's REST APIs the adapters are tested on (their
//! deployed functions run for real on the machine's `node`). Azure signs in with the Azure
//! CLI (a stand-in `az` on PATH that answers as `az account get-access-token` does), Google
//! with application-default credentials (a service-account key file); the endpoint overrides
//! (`AZURE_RESOURCE_MANAGER_URL`, `FUNCTORY_GOOGLE_API_ENDPOINT`, …) send every call to the fakes.

// Tests may unwrap: a panic there is the failure report.
#![allow(clippy::unwrap_used)]

mod common;

// The fakes allow their own unused helpers (each test uses a part of them).
#[path = "../../../adapters/azure/tests/azure/fake/mod.rs"]
mod azure_fake;
#[path = "../../../adapters/gcp/tests/fake/mod.rs"]
mod gcp_fake;

use std::path::Path;
use std::process::{Command, Output};

use common::{functory_with, text};

const HANDLER: &str = "exports.handler = async (event, context) => {\n  console.log(`echo saw ${JSON.stringify(event)}`);\n  return { echo: event, name: context.functionName };\n};\n";

fn project(manifest: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("functory.toml"), manifest).unwrap();
    std::fs::write(dir.path().join("echo.js"), HANDLER).unwrap();
    for args in [
        &["init", "-q"][..],
        &["config", "user.name", "CI"],
        &["config", "user.email", "ci@example.com"],
    ] {
        let status = Command::new("git")
            .arg("-C")
            .arg(dir.path())
            .args(args)
            .status()
            .unwrap();
        assert!(status.success());
    }
    dir
}

/// Runs `functory` off the async threads, so the fake keeps serving meanwhile.
async fn run(dir: &Path, args: &[&str], env: Vec<(String, String)>) -> Output {
    let dir = dir.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        functory_with(&args, Some(&dir), &env, "clouds-test", "")
    })
    .await
    .unwrap()
}

fn assert_ok(output: &Output, what: &str) -> String {
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{what} failed\nstdout:\n{stdout}\nstderr:\n{}",
        text(&output.stderr)
    );
    stdout
}

/// A stand-in `az` on its own PATH entry answering `account get-access-token` with tokens the
/// fake issued, as the Azure CLI does after `az login`.
/// The CLI in one project with one environment, driving one cloud target through the steps
/// both clouds' tests share.
struct Cli<'a> {
    dir: &'a Path,
    env: Vec<(String, String)>,
    target: &'a str,
}

impl Cli<'_> {
    async fn ok(&self, args: &[&str], what: &str) -> String {
        assert_ok(&run(self.dir, args, self.env.clone()).await, what)
    }

    /// Deploys, then checks that planning again finds nothing to change; answers the deploy's
    /// output.
    async fn deploy_then_replan(&self) -> String {
        let deployed = self
            .ok(&["deploy", "--target", self.target, "--yes"], "deploy")
            .await;
        assert!(deployed.contains("echo"), "{deployed}");
        let again = self
            .ok(
                &["deploy", "--target", self.target, "--plan"],
                "deploy --plan again",
            )
            .await;
        assert!(
            again.contains("no change"),
            "a redeploy changes nothing:\n{again}"
        );
        deployed
    }

    /// Invokes `echo` with `event` (JSON text); answers the whole result and the handler's
    /// payload, both parsed.
    async fn invoke_echo(&self, event: &str) -> (serde_json::Value, serde_json::Value) {
        let file = self.dir.join("event.json");
        std::fs::write(&file, event).unwrap();
        let invoked = self
            .ok(
                &[
                    "invoke",
                    "echo",
                    "--target",
                    self.target,
                    "--event",
                    file.to_str().unwrap(),
                    "--json",
                ],
                "invoke",
            )
            .await;
        let result: serde_json::Value = serde_json::from_str(invoked.trim()).unwrap();
        let payload = serde_json::from_str(result["payload"].as_str().unwrap()).unwrap();
        (result, payload)
    }

    /// The handler's own log line reaches `functory logs`.
    async fn logs_show_the_handler(&self) {
        let logs = self
            .ok(&["logs", "echo", "--target", self.target], "logs")
            .await;
        assert!(
            logs.contains("echo saw"),
            "the handler's line in the logs:\n{logs}"
        );
    }
}

fn fake_az(dir: &Path, management: &str, insights: &str) {
    let script = format!(
        r#"#!/bin/sh
case "$4" in
  https://management.azure.com/) token="{management}" ;;
  https://api.applicationinsights.io) token="{insights}" ;;
  *) echo "ERROR: AADSTS500011: The resource principal named $4 was not found in the tenant." >&2; exit 1 ;;
esac
expires=$(( $(date +%s) + 3600 ))
printf '{{"accessToken": "%s", "expires_on": %s, "subscription": "{sub}", "tenant": "{tenant}", "tokenType": "Bearer"}}\n' "$token" "$expires"
"#,
        sub = azure_fake::SUBSCRIPTION,
        tenant = azure_fake::TENANT,
    );
    let path = dir.join("az");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_invoke_and_logs_on_an_azure_target() {
    let fake = azure_fake::FakeAzure::start().await;
    fake.add_app(azure_fake::AppSpec::new(
        "media-fn",
        azure_fake::Hosting::WindowsConsumption,
        "node",
        "20",
    ));
    let bin = tempfile::tempdir().unwrap();
    fake_az(
        bin.path(),
        &fake.issue_token("https://management.azure.com"),
        &fake.issue_token("https://api.applicationinsights.io"),
    );
    let manifest = format!(
        "[project]\nname = \"media\"\n\n[targets.az]\nadapter = \"azure\"\nsubscription_id = \"{}\"\nresource_group = \"{}\"\nfunction_app = \"media-fn\"\n\n[functions.echo]\nruntime = \"nodejs20.x\"\nhandler = \"echo.handler\"\n\n[[functions.echo.triggers]]\nkind = \"http\"\nmethod = \"POST\"\npath = \"/echo\"\n",
        azure_fake::SUBSCRIPTION,
        azure_fake::RESOURCE_GROUP,
    );
    let dir = project(&manifest);
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let env = vec![
        ("PATH".to_owned(), path),
        ("AZURE_AUTHORITY_HOST".to_owned(), fake.authority()),
        (
            "AZURE_RESOURCE_MANAGER_URL".to_owned(),
            fake.resource_manager(),
        ),
        (
            "FUNCTORY_AZURE_SCM_URL_TEMPLATE".to_owned(),
            fake.scm_template(),
        ),
        (
            "FUNCTORY_AZURE_FUNCTION_HOST_URL_TEMPLATE".to_owned(),
            fake.host_template(),
        ),
        (
            "FUNCTORY_AZURE_APP_INSIGHTS_URL".to_owned(),
            fake.insights(),
        ),
    ];

    let cli = Cli {
        dir: dir.path(),
        env,
        target: "az",
    };
    let plan = cli
        .ok(&["deploy", "--target", "az", "--plan"], "deploy --plan")
        .await;
    assert!(plan.contains("echo → az"), "{plan}");
    cli.deploy_then_replan().await;

    let (result, payload) = cli.invoke_echo("{\"hello\": \"azure\"}").await;
    // The HTTP trigger's shim hands the handler an API Gateway 2.0 event and returns its answer.
    let body: serde_json::Value =
        serde_json::from_str(payload["body"].as_str().unwrap_or(&payload.to_string()))
            .unwrap_or(payload.clone());
    assert_eq!(body["name"], "echo", "{result}");

    cli.logs_show_the_handler().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_invoke_and_logs_on_a_google_target() {
    const PROJECT: &str = "functory-demo";
    const REGION: &str = "europe-west1";
    let fake = gcp_fake::FakeGoogle::start(PROJECT, REGION).await;
    let key = gcp_fake::jwt::ServiceAccountKeyPair::generate(
        "deployer@functory-demo.iam.gserviceaccount.com",
    );
    fake.register_service_account(&key);
    let manifest = format!(
        "[project]\nname = \"demo\"\n\n[targets.gc]\nadapter = \"gcp\"\nproject_id = \"{PROJECT}\"\nregion = \"{REGION}\"\n\n[functions.echo]\nruntime = \"nodejs24.x\"\nhandler = \"echo.handler\"\n\n[[functions.echo.triggers]]\nkind = \"http\"\nmethod = \"POST\"\npath = \"/echo\"\n",
    );
    let dir = project(&manifest);
    let credentials = tempfile::tempdir().unwrap();
    let key_file = credentials.path().join("key.json");
    std::fs::write(&key_file, key.key_file(PROJECT, &fake.token_uri())).unwrap();
    let env = vec![
        (
            "GOOGLE_APPLICATION_CREDENTIALS".to_owned(),
            key_file.display().to_string(),
        ),
        (
            "FUNCTORY_GOOGLE_API_ENDPOINT".to_owned(),
            fake.base().to_owned(),
        ),
    ];

    let cli = Cli {
        dir: dir.path(),
        env,
        target: "gc",
    };
    cli.deploy_then_replan().await;
    assert!(
        fake.function("echo").is_some(),
        "the function exists in the fake"
    );

    let (result, payload) = cli.invoke_echo("{\"hello\": \"google\"}").await;
    assert_eq!(payload["echo"]["hello"], "google", "{result}");
    assert_eq!(payload["name"], "echo", "{result}");

    cli.logs_show_the_handler().await;
}
