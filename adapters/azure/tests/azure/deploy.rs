//! Deploys against the fake: the calls each plan lists are exactly the changing calls made;
//! no change means no upload; app settings are merged; another project's app is not taken
//! over; a deploy cut at any call says what is deployed and the next one converges; failed
//! deployments quote their log; Flex Consumption's one deploy; throttling, refusals and the
//! secret canary.

use functory_adapter::conformance::Fixture;
use functory_adapter::{
    Adapter, AdapterError, ChangeAction, CloudAdapter, ListOptions, ResourceKind,
};
use functory_azure::{AzureAdapter, MANAGED_SETTINGS, TAG_COMMIT, TAG_PACKAGE, TAG_PROJECT};

use crate::fake::{AppSpec, FakeAzure, Hosting, SECRET};
use crate::{account, builder, fake_with, progress, project_options, write};

const C1: &str = "1111111111111111111111111111111111111111";
const C2: &str = "2222222222222222222222222222222222222222";

fn node_app(name: &str) -> AppSpec {
    let mut spec = AppSpec::new(name, Hosting::WindowsConsumption, "node", "20");
    spec.settings
        .insert("PORTAL_SETTING".into(), "set in the portal".into());
    spec
}

struct Project {
    _dir: tempfile::TempDir,
    fixture: Fixture,
}

fn project() -> Project {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Fixture::write(dir.path()).unwrap();
    Project { _dir: dir, fixture }
}

fn options(project: &Project, function: &str, commit: &str) -> functory_adapter::DeployOptions {
    project_options(
        &project.fixture.root,
        &project.fixture.manifest,
        function,
        commit,
    )
}

#[tokio::test]
async fn create_then_no_change_then_change_issue_exactly_the_planned_calls() {
    let (fake, adapter) = fake_with(node_app("thumbs")).await;
    let project = project();

    // First deploy: settings, the package, the trigger sync, the record.
    let plan = adapter
        .plan(&options(&project, "echo", C1))
        .await
        .expect("plan");
    assert_eq!(
        plan.calls(),
        [
            "WebApps.UpdateApplicationSettings",
            "Kudu.ZipDeploy",
            "WebApps.SyncFunctionTriggers",
            "Tags.UpdateAtScope"
        ]
    );
    let text = plan.to_string();
    assert!(text.contains("+GREETING"), "{text}");
    assert!(
        !text.contains("hello from the fixture"),
        "an environment value leaked: {text}"
    );
    let pyecho = plan
        .changes
        .iter()
        .find(|c| c.name == "pyecho")
        .expect("pyecho in the plan");
    assert_eq!(pyecho.action, ChangeAction::NoOp);
    assert!(
        pyecho.details[0].contains("not part of this app"),
        "{pyecho:?}"
    );
    let echo = plan.changes.iter().find(|c| c.name == "echo").unwrap();
    assert_eq!(
        (echo.kind, echo.action),
        (ResourceKind::Function, ChangeAction::Create)
    );
    let details = echo.details.join("\n");
    for expected in [
        "1536 MB instances",
        "invoked directly",
        "stage `prod`",
        "Windows Consumption",
    ] {
        assert!(
            details.contains(expected),
            "`{expected}` missing:\n{details}"
        );
    }

    fake.clear_calls();
    let (sink, seen) = progress();
    let mut first_options = options(&project, "echo", C1);
    first_options.progress = Some(sink);
    let first = adapter
        .deploy_function(&first_options)
        .await
        .expect("first deploy");
    assert_eq!(fake.changing_calls(), first.plan.calls());
    assert!(first.uploaded);
    assert_eq!(first.version, "$LATEST");
    assert!(
        first.resource_id.ends_with("/sites/thumbs/functions/echo"),
        "{}",
        first.resource_id
    );
    let labels: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|p| p.label.clone())
        .collect();
    for expected in [
        "packaged",
        "updating the app settings",
        "uploading the package",
        "building on Azure",
        "deploying the package",
        "syncing the triggers",
        "recording the deploy",
        "done",
    ] {
        assert!(
            labels.iter().any(|l| l.starts_with(expected)),
            "no `{expected}` step in {labels:?}"
        );
    }
    let steps: Vec<usize> = seen.lock().unwrap().iter().map(|p| p.step).collect();
    assert!(steps.windows(2).all(|w| w[0] <= w[1]), "{steps:?}");

    fake.with_app("thumbs", |app| {
        assert_eq!(app.running.as_deref(), Some(first.code_sha256.as_str()));
        assert_eq!(
            app.synced, app.running,
            "the triggers were synced after the upload"
        );
        assert_eq!(app.tags[TAG_PROJECT], "conformance");
        assert_eq!(app.tags[TAG_PACKAGE], first.code_sha256);
        assert_eq!(app.tags[TAG_COMMIT], C1);
        assert_eq!(app.settings["GREETING"], "hello from the fixture");
        assert_eq!(app.settings[MANAGED_SETTINGS], "GREETING");
        assert_eq!(app.settings["PORTAL_SETTING"], "set in the portal");
        let functions: Vec<String> = app.functions().keys().cloned().collect();
        assert_eq!(
            functions,
            ["echo", "fails"],
            "every node function of the project, no python"
        );
    });

    // Unchanged: nothing that changes anything, nothing uploaded.
    let plan = adapter
        .plan(&options(&project, "echo", C1))
        .await
        .expect("plan");
    assert!(plan.is_no_op(), "{plan}");
    fake.clear_calls();
    let again = adapter
        .deploy_function(&options(&project, "echo", C1))
        .await
        .expect("no-change deploy");
    assert!(!again.uploaded);
    assert!(
        fake.changing_calls().is_empty(),
        "{:?}",
        fake.changing_calls()
    );
    assert_eq!(again.code_sha256, first.code_sha256);
    // Deploying the project's other function is the same package: nothing to do either.
    assert!(
        adapter
            .plan(&options(&project, "fails", C1))
            .await
            .unwrap()
            .is_no_op()
    );

    // A code change with a new commit: the package, the sync, the record — not the settings.
    write(
        &project.fixture.root,
        "node/echo.js",
        "exports.handler = async (event) => ({ echo: event, changed: true });\n",
    );
    let plan = adapter
        .plan(&options(&project, "echo", C2))
        .await
        .expect("plan");
    assert_eq!(
        plan.calls(),
        [
            "Kudu.ZipDeploy",
            "WebApps.SyncFunctionTriggers",
            "Tags.UpdateAtScope"
        ]
    );
    fake.clear_calls();
    let changed = adapter
        .deploy_function(&options(&project, "echo", C2))
        .await
        .expect("change");
    assert_eq!(fake.changing_calls(), changed.plan.calls());
    assert_ne!(changed.code_sha256, first.code_sha256);
    let invocation = adapter
        .invoke(functory_adapter::InvokeOptions::new("echo", r#"{"n":1}"#))
        .await
        .expect("invoke");
    assert_eq!(invocation.payload_json().unwrap()["changed"], true);

    // An environment change only touches the settings functory.toml owns.
    let mut env_options = options(&project, "echo", C2);
    env_options
        .app_functions
        .iter_mut()
        .for_each(|f| f.environment.clear());
    env_options.function.environment.clear();
    let plan = adapter.plan(&env_options).await.expect("plan");
    assert_eq!(plan.calls(), ["WebApps.UpdateApplicationSettings"]);
    assert!(plan.to_string().contains("-GREETING"), "{plan}");
    fake.clear_calls();
    adapter
        .deploy_function(&env_options)
        .await
        .expect("settings change");
    assert_eq!(fake.changing_calls(), ["WebApps.UpdateApplicationSettings"]);
    fake.with_app("thumbs", |app| {
        assert!(!app.settings.contains_key("GREETING"));
        assert!(!app.settings.contains_key(MANAGED_SETTINGS));
        assert_eq!(app.settings["PORTAL_SETTING"], "set in the portal");
    });
}

#[tokio::test]
async fn another_projects_app_is_not_taken_over() {
    let mut spec = node_app("owned");
    spec.tags.insert(TAG_PROJECT.into(), "someone-else".into());
    let (fake, adapter) = fake_with(spec).await;
    let project = project();
    fake.clear_calls();
    let error = adapter
        .deploy_function(&options(&project, "echo", C1))
        .await
        .expect_err("the app belongs to another project");
    assert!(
        matches!(&error, AdapterError::AlreadyExists { what } if what.contains("`someone-else`") && what.contains("function app `owned`")),
        "{error}"
    );
    assert!(fake.changing_calls().is_empty());
}

/// What the app runs and has recorded, to compare before and after.
fn recorded(fake: &FakeAzure, app: &str) -> (Option<String>, Option<String>, Option<String>) {
    fake.with_app(app, |a| {
        (
            a.running.clone(),
            a.synced.clone(),
            a.tags.get(TAG_PACKAGE).cloned(),
        )
    })
}

#[tokio::test]
async fn a_deploy_cut_at_any_call_says_what_is_deployed_and_the_next_converges() {
    for (operation, uploaded) in [
        ("WebApps.UpdateApplicationSettings", false),
        ("Kudu.ZipDeploy", false),
        ("Kudu.GetDeployment", true),
        ("WebApps.SyncFunctionTriggers", true),
        ("Tags.UpdateAtScope", true),
        ("Operations.Get", true),
    ] {
        let (fake, adapter) = fake_with(node_app("cut")).await;
        let project = project();
        let first = adapter
            .deploy_function(&options(&project, "echo", C1))
            .await
            .expect("first deploy");
        // A new version: code and a setting change.
        write(
            &project.fixture.root,
            "node/echo.js",
            "exports.handler = async (e) => ({ v: 2, e });\n",
        );
        let mut changed = options(&project, "echo", C2);
        for f in changed
            .app_functions
            .iter_mut()
            .chain(std::iter::once(&mut changed.function))
        {
            for v in &mut f.environment {
                v.value = "v2".into();
            }
        }
        let planned = adapter.plan(&changed).await.expect("plan");

        fake.cut(operation, 1);
        let error = adapter
            .deploy_function(&changed)
            .await
            .expect_err(&format!("the deploy cut at {operation} fails"));
        let message = error.to_string();
        assert!(
            message.contains("function app `cut`"),
            "{operation}: {message}"
        );
        if uploaded {
            assert!(
                message.contains(&planned.code_sha256[..12]),
                "{operation}: the message should name the new package: {message}"
            );
        } else {
            assert!(
                message.contains(&format!("still runs package {}", &first.code_sha256[..12])),
                "{operation}: the message should name what still runs: {message}"
            );
            assert_eq!(
                recorded(&fake, "cut").0.as_deref(),
                Some(first.code_sha256.as_str())
            );
        }

        // The next deploy converges: the new package runs, synced and recorded.
        let next = adapter
            .deploy_function(&changed)
            .await
            .unwrap_or_else(|e| panic!("{operation}: {e}"));
        assert_eq!(next.code_sha256, planned.code_sha256);
        let (running, synced, tag) = recorded(&fake, "cut");
        assert_eq!(
            running.as_deref(),
            Some(planned.code_sha256.as_str()),
            "{operation}"
        );
        assert_eq!(synced, running, "{operation}: not synced after convergence");
        assert_eq!(tag, running, "{operation}: not recorded after convergence");
        fake.with_app("cut", |a| {
            assert_eq!(a.settings["GREETING"], "v2", "{operation}")
        });
        assert!(
            adapter.plan(&changed).await.unwrap().is_no_op(),
            "{operation}: still changes to make"
        );
    }
}

#[tokio::test]
async fn long_running_operations_are_followed_through_location_too() {
    let (fake, adapter) = fake_with(node_app("located")).await;
    fake.lro_by_location();
    let project = project();
    let outcome = adapter
        .deploy_function(&options(&project, "echo", C1))
        .await
        .expect("deploy");
    let polls = fake
        .calls()
        .iter()
        .filter(|c| *c == "Operations.Get")
        .count();
    assert!(
        polls >= 2,
        "the Location was polled until done: {:?}",
        fake.calls()
    );
    fake.with_app("located", |app| {
        assert_eq!(app.tags[TAG_PACKAGE], outcome.code_sha256)
    });
}

#[tokio::test]
async fn a_failed_deployment_quotes_its_log_and_changes_nothing() {
    let (fake, adapter) = fake_with(node_app("failing")).await;
    let project = project();
    let first = adapter
        .deploy_function(&options(&project, "echo", C1))
        .await
        .unwrap();
    write(
        &project.fixture.root,
        "node/echo.js",
        "exports.handler = async () => 2;\n",
    );
    fake.with_app("failing", |app| {
        app.fail_next = Some(vec!["Error: ENOSPC: no space left on device, write".into()])
    });
    let error = adapter
        .deploy_function(&options(&project, "echo", C2))
        .await
        .expect_err("the deployment fails");
    let message = error.to_string();
    assert!(matches!(error, AdapterError::Provider { .. }), "{message}");
    for expected in [
        "Kudu.ZipDeploy",
        "Deployment failed.",
        "ENOSPC: no space left on device",
        &format!("still runs package {}", &first.code_sha256[..12]),
    ] {
        assert!(
            message.contains(expected),
            "`{expected}` missing: {message}"
        );
    }
    assert_eq!(
        recorded(&fake, "failing").0.as_deref(),
        Some(first.code_sha256.as_str())
    );
}

#[tokio::test]
async fn flex_consumption_publishes_and_a_200_carrying_a_failure_is_a_failure() {
    let (fake, adapter) = fake_with(AppSpec::new(
        "flexy",
        Hosting::FlexConsumption,
        "node",
        "20",
    ))
    .await;
    let project = project();
    let plan = adapter.plan(&options(&project, "echo", C1)).await.unwrap();
    assert_eq!(
        plan.calls(),
        [
            "WebApps.UpdateApplicationSettings",
            "Kudu.Publish",
            "WebApps.SyncFunctionTriggers",
            "Tags.UpdateAtScope"
        ]
    );
    assert!(plan.to_string().contains("2048 MB instances"), "{plan}");
    fake.clear_calls();
    let first = adapter
        .deploy_function(&options(&project, "echo", C1))
        .await
        .expect("publish");
    assert_eq!(fake.changing_calls(), first.plan.calls());
    fake.with_app("flexy", |app| {
        assert!(
            !app.settings.contains_key("FUNCTIONS_WORKER_RUNTIME"),
            "Flex keeps the runtime elsewhere"
        );
        assert_eq!(app.running.as_deref(), Some(first.code_sha256.as_str()));
    });
    let invocation = adapter
        .invoke(functory_adapter::InvokeOptions::new(
            "echo",
            r#"{"flex":true}"#,
        ))
        .await
        .unwrap();
    assert_eq!(invocation.payload_json().unwrap()["echo"]["flex"], true);

    write(
        &project.fixture.root,
        "node/echo.js",
        "exports.handler = async () => 3;\n",
    );
    fake.with_app("flexy", |app| app.fail_next_with_200 = true);
    let error = adapter
        .deploy_function(&options(&project, "echo", C2))
        .await
        .expect_err("an HTTP 200 with a failed status is a failure");
    let message = error.to_string();
    assert!(message.contains("Kudu.Publish"), "{message}");
    assert!(
        message.contains("host.json could not be validated"),
        "{message}"
    );
    assert!(
        message.contains(&format!("still runs package {}", &first.code_sha256[..12])),
        "{message}"
    );
    // Deletion is impossible on an app that runs from its package.
    let error = adapter
        .delete(functory_adapter::DeleteOptions::new("echo"))
        .await
        .expect_err("Flex runs from its package");
    assert!(
        error.to_string().contains("runs from its package"),
        "{error}"
    );
}

#[tokio::test]
async fn throttling_is_retried_after_retry_after_then_reported() {
    let (fake, adapter) = fake_with(node_app("busy")).await;
    let project = project();
    fake.throttle("WebApps.ListApplicationSettings", 2, 0);
    adapter
        .plan(&options(&project, "echo", C1))
        .await
        .expect("retried past two 429s");
    fake.throttle("WebApps.ListApplicationSettings", 10, 7);
    let error = adapter
        .plan(&options(&project, "echo", C1))
        .await
        .expect_err("throttled");
    assert!(
        matches!(&error, AdapterError::Throttled { message } if message.contains("WebApps.ListApplicationSettings") && message.contains("function app `busy`") && message.contains("wait 7 s")),
        "{error}"
    );
    assert!(error.is_retryable());
}

#[tokio::test]
async fn refusals_and_missing_things_name_the_account_the_app_the_call_and_the_fix() {
    let (fake, adapter) = fake_with(node_app("guarded")).await;
    let project = project();
    fake.deny("WebApps.UpdateApplicationSettings");
    let error = adapter
        .deploy_function(&options(&project, "echo", C1))
        .await
        .expect_err("refused");
    let message = error.to_string();
    assert!(
        matches!(error, AdapterError::PermissionDenied { .. }),
        "{message}"
    );
    for expected in [
        "WebApps.UpdateApplicationSettings",
        "function app `guarded`",
        "resource group `media`",
        "account `prod`",
        "Microsoft.Web/sites/config/write",
        "Website Contributor",
        "still runs no functions",
    ] {
        assert!(
            message.contains(expected),
            "`{expected}` missing: {message}"
        );
    }

    let missing = builder(&fake, "nowhere")
        .account(&account(SECRET))
        .unwrap()
        .build()
        .unwrap();
    let error = missing
        .plan(&options(&project, "echo", C1))
        .await
        .expect_err("no such app");
    assert!(
        matches!(&error, AdapterError::NotFound { what } if what.contains("function app `nowhere`") && what.contains("az functionapp create --name nowhere --resource-group media")),
        "{error}"
    );
    let wrong_group = builder(&fake, "guarded")
        .resource_group("elsewhere")
        .account(&account(SECRET))
        .unwrap()
        .build()
        .unwrap();
    let error = wrong_group
        .list(ListOptions::default())
        .await
        .expect_err("no such group");
    assert!(
        error.to_string().contains("resource group `elsewhere`"),
        "{error}"
    );

    // Revoked tokens: the adapter asks for a new one once and goes on.
    fake.revoke_tokens();
    adapter
        .list(ListOptions::default())
        .await
        .expect("a fresh token after a 401");
}

#[tokio::test]
async fn what_azure_cannot_run_is_a_plan_error_before_anything_deploys() {
    let (fake, adapter) = fake_with(node_app("mapping")).await;
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ingest.js",
        "exports.handler = async () => 1;\n",
    );
    write(dir.path(), "ok.js", "exports.handler = async () => 1;\n");
    write(dir.path(), "bootstrap", "#!/bin/sh\n");
    fake.clear_calls();
    let manifest = crate::manifest(
        dir.path(),
        r#"[project]
name = "mapping"

[functions.ingest]
runtime = "nodejs20.x"
handler = "ingest.handler"
timeout_s = 900

[[functions.ingest.triggers]]
kind = "stream"
stream = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"

[[functions.ingest.triggers]]
kind = "schedule"
expression = "cron(0 12 L * ? *)"

[functions.native]
runtime = "provided.al2023"
handler = "bootstrap"

[functions.ok]
runtime = "nodejs20.x"
handler = "ok.handler"
"#,
    );
    let error = adapter
        .plan(&project_options(dir.path(), &manifest, "ingest", C1))
        .await
        .expect_err("nothing of it maps");
    let message = error.to_string();
    assert!(
        matches!(error, AdapterError::InvalidRequest { .. }),
        "{message}"
    );
    for expected in [
        "Event Hubs",
        "NCRONTAB has no `L` (last)",
        "stops a function after 10 minutes",
    ] {
        assert!(
            message.contains(expected),
            "`{expected}` missing: {message}"
        );
    }
    let error = adapter
        .plan(&project_options(dir.path(), &manifest, "native", C1))
        .await
        .expect_err("a custom runtime cannot run on Azure");
    assert!(error.to_string().contains("Runtime API"), "{error}");
    assert!(fake.changing_calls().is_empty());

    // The project's other functions that cannot run are left out, and the plan says why.
    let plan = adapter
        .plan(&project_options(dir.path(), &manifest, "ok", C1))
        .await
        .expect("`ok` maps");
    let left_out: Vec<&str> = plan
        .changes
        .iter()
        .filter(|c| c.details.iter().any(|d| d.starts_with("not deployed")))
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(left_out, ["ingest", "native"]);
}

#[tokio::test]
async fn the_client_secret_and_environment_values_never_show() {
    let (fake, adapter) = fake_with(node_app("canary")).await;
    let project = project();
    let mut options = options(&project, "echo", C1);
    for f in options
        .app_functions
        .iter_mut()
        .chain(std::iter::once(&mut options.function))
    {
        for v in &mut f.environment {
            v.value = "CANARY-environment-value".into();
        }
    }
    let plan = adapter.plan(&options).await.unwrap();
    let outcome = adapter.deploy_function(&options).await.unwrap();
    fake.deny("WebApps.ListApplicationSettings");
    let refused = adapter.plan(&options).await.unwrap_err();
    let wrong_secret = builder(&fake, "canary")
        .account(&account("CANARY-not-the-secret"))
        .unwrap()
        .build()
        .unwrap();
    let unauthenticated = wrong_secret.plan(&options).await.unwrap_err();
    assert!(
        matches!(unauthenticated, AdapterError::Unauthenticated { .. }),
        "{unauthenticated}"
    );
    let shown = format!(
        "{plan}\n{plan:?}\n{}\n{outcome:?}\n{}\n{adapter:?}\n{refused}\n{refused:?}\n{unauthenticated}\n{unauthenticated:?}\n{wrong_secret:?}",
        serde_json::to_string(&plan).unwrap(),
        serde_json::to_string(&outcome).unwrap(),
    );
    for secret in [SECRET, "CANARY-environment-value", "CANARY-not-the-secret"] {
        assert!(!shown.contains(secret), "`{secret}` leaked:\n{shown}");
    }
    // Tokens and keys stay out too.
    assert!(
        !shown.contains("eyJ0eXAiOiJKV1QifQ"),
        "a token leaked:\n{shown}"
    );
    assert!(
        !shown.contains("fnkey-") && !shown.contains("master-"),
        "a key leaked:\n{shown}"
    );
    let requests = fake.token_requests();
    assert!(
        requests.iter().all(|r| !format!("{r:?}").contains(SECRET)),
        "the fake keeps no secret"
    );
    let _: &AzureAdapter = &adapter;
}
