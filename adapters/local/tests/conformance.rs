//! The adapter conformance suite, run against the local runtime, one test per behaviour, plus
//! the decorators wrapped around it.
#![allow(clippy::unwrap_used)]

use functory_adapter::conformance::{self, Fixture};
use functory_adapter::decorators::{Fault, FaultInjecting, Operation, Recording};
use functory_adapter::{Adapter, AdapterError, DescribeOptions, InvokeOptions};
use functory_local::{LocalRuntime, LocalSettings};

struct Setup {
    runtime: LocalRuntime,
    fixture: Fixture,
    _dir: tempfile::TempDir,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Fixture::write(&dir.path().join("project")).unwrap();
    let runtime = LocalRuntime::start(LocalSettings::for_project(&fixture.root)).unwrap();
    Setup {
        runtime,
        fixture,
        _dir: dir,
    }
}

macro_rules! behaviour {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let setup = setup();
            conformance::$name(&setup.runtime, &setup.fixture).await;
            setup.runtime.shutdown();
        }
    )*};
}

behaviour!(
    deploy_creates_a_listed_function,
    describe_reports_the_deployed_configuration,
    redeploy_updates_configuration,
    invoke_returns_the_handler_result,
    python_handler_runs,
    function_error_is_a_result,
    unknown_function_is_not_found,
    malformed_payload_is_invalid_request,
    logs_frame_each_invocation,
    log_tail_comes_with_the_result,
    log_filters_select_events,
    follow_yields_new_events,
    asynchronous_and_dry_run_invokes,
    delete_removes_the_function,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_suite_runs_in_sequence_on_one_runtime() {
    let setup = setup();
    conformance::run_all(&setup.runtime, &setup.fixture).await;
    setup.runtime.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recording_sees_every_call_and_its_outcome() {
    let setup = setup();
    let recording = Recording::new(setup.runtime.clone());
    recording
        .deploy(setup.fixture.deploy_options("echo"))
        .await
        .unwrap();
    recording
        .invoke(InvokeOptions::new("echo", "{}"))
        .await
        .unwrap();
    let missing = recording.describe(DescribeOptions::new("nope")).await;
    assert!(missing.is_err());
    let calls = recording.calls();
    let summary: Vec<_> = calls
        .iter()
        .map(|c| (c.operation, c.function.as_str(), c.outcome))
        .collect();
    assert_eq!(
        summary,
        vec![
            (Operation::Deploy, "echo", Ok(())),
            (Operation::Invoke, "echo", Ok(())),
            (Operation::Describe, "nope", Err("not_found")),
        ]
    );
    setup.runtime.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_injection_fails_the_planned_calls_then_passes_through() {
    let setup = setup();
    let faulty = FaultInjecting::new(setup.runtime.clone());
    faulty
        .deploy(setup.fixture.deploy_options("echo"))
        .await
        .unwrap();
    faulty.fail_next(Operation::Invoke, Fault::Throttled, 2);
    for _ in 0..2 {
        let result = faulty.invoke(InvokeOptions::new("echo", "{}")).await;
        assert!(
            matches!(&result, Err(AdapterError::Throttled { .. })),
            "{result:?}"
        );
        assert!(result.unwrap_err().is_retryable());
    }
    assert_eq!(faulty.pending(), 0);
    let passed = faulty
        .invoke(InvokeOptions::new("echo", "{}"))
        .await
        .unwrap();
    assert_eq!(passed.function_error, None);
    setup.runtime.shutdown();
}
