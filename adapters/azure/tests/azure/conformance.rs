//! The conformance suite against the fake: a Windows Consumption Node.js app (log stream and
//! Application Insights), and a Linux Consumption Python app for the Python behaviour (a
//! function app runs one language).

use functory_adapter::conformance::{self, Fixture};
use functory_adapter::{Adapter, DescribeOptions, ListOptions};

use crate::fake::{AppSpec, Hosting};
use crate::fake_with;

#[tokio::test]
async fn conformance_on_a_windows_consumption_node_app() {
    let (_fake, adapter) = fake_with(AppSpec::new(
        "conformance-node",
        Hosting::WindowsConsumption,
        "node",
        "20",
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let fixture = Fixture::write(dir.path()).unwrap();

    // `deploy_creates_a_listed_function` and `redeploy_updates_configuration` are not run as
    // they are: both expect the function's own memory (128, then 256 MB), and on Azure memory
    // belongs to the app's instances (1.5 GB on Consumption). The same checks with Azure's
    // answer are in `listed_with_the_apps_runtime_and_instance_memory` below.
    listed_with_the_apps_runtime_and_instance_memory(&adapter, &fixture).await;
    conformance::describe_reports_the_deployed_configuration(&adapter, &fixture).await;
    conformance::invoke_returns_the_handler_result(&adapter, &fixture).await;
    conformance::function_error_is_a_result(&adapter, &fixture).await;
    conformance::unknown_function_is_not_found(&adapter, &fixture).await;
    conformance::malformed_payload_is_invalid_request(&adapter, &fixture).await;
    // `logs_frame_each_invocation` and `log_tail_comes_with_the_result` are not run: Azure's
    // host frames an invocation with `Executing …`/`Executed …` lines (checked in
    // `invoke_logs`), not Lambda's START/END/REPORT, and an invoke answers no log tail.
    conformance::log_filters_select_events(&adapter, &fixture).await;
    conformance::follow_yields_new_events(&adapter, &fixture).await;
    conformance::asynchronous_and_dry_run_invokes(&adapter, &fixture).await;
    conformance::concurrency_is_as_declared(&adapter, &fixture).await;
    conformance::versions_and_stages_are_as_declared(&adapter, &fixture).await;
    conformance::trigger_kinds_are_as_declared(&adapter, &fixture).await;
    conformance::delete_removes_the_function(&adapter, &fixture).await;
    // `python_handler_runs` needs a Python app: see the next test.
}

async fn listed_with_the_apps_runtime_and_instance_memory(
    adapter: &dyn Adapter,
    fixture: &Fixture,
) {
    let first = adapter
        .deploy(fixture.deploy_options("echo"))
        .await
        .expect("deploy echo");
    let listed = adapter.list(ListOptions::default()).await.expect("list");
    let echo = listed
        .iter()
        .find(|f| f.name == "echo")
        .unwrap_or_else(|| panic!("`echo` is not listed: {listed:?}"));
    assert_eq!(echo.runtime, "nodejs20.x");
    assert_eq!(echo.memory_mb, 1536, "Consumption instances have 1.5 GB");
    assert_eq!(echo.timeout_s, 10);
    let filtered = adapter
        .list(ListOptions {
            prefix: Some("no-such-prefix".into()),
        })
        .await
        .expect("list with prefix");
    assert!(filtered.is_empty(), "{filtered:?}");

    // A memory change is no change of code: same digest, and the app's memory stays.
    let mut options = fixture.deploy_options("echo");
    options.function.memory_mb = 256;
    let second = adapter.deploy(options).await.expect("second deploy");
    assert_eq!(
        first.code_sha256, second.code_sha256,
        "same code, new digest"
    );
    let description = adapter
        .describe(DescribeOptions::new("echo"))
        .await
        .expect("describe");
    assert_eq!(description.summary.memory_mb, 1536);
}

#[tokio::test]
async fn python_handlers_run_on_a_linux_python_app() {
    let (_fake, adapter) = fake_with(AppSpec::new(
        "conformance-py",
        Hosting::LinuxConsumption,
        "python",
        "3.11",
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let fixture = Fixture::write(dir.path()).unwrap();
    conformance::python_handler_runs(&adapter, &fixture).await;
    conformance::unknown_function_is_not_found(&adapter, &fixture).await;
}
