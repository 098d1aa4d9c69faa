//! The adapter conformance suite, run against the local runtime, one test per behaviour.
#![allow(clippy::unwrap_used)]

use functory_adapter::conformance::{self, Fixture};
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
    concurrency_is_as_declared,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_suite_runs_in_sequence_on_one_runtime() {
    let setup = setup();
    conformance::run_all(&setup.runtime, &setup.fixture).await;
    setup.runtime.shutdown();
}
