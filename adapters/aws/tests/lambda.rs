//! The AWS adapter against a real moto server: the conformance behaviours moto can show,
//! deploys that create, skip and change (with the calls each plan listed, counted), stage
//! aliases and rollback, a deploy cut at every step, invokes and log tails.
//!
//! moto runs no code (its Lambda echoes the event and writes no logs without Docker), so the
//! behaviours that need a handler to run are covered by the local runtime's conformance run and
//! by the mocked answers in the adapter's unit tests; log tails here read events the test
//! writes to `/aws/lambda/<fn>` the way Lambda writes them.

use std::time::Duration;

use functory_adapter::conformance::{self, Fixture};
use functory_adapter::{
    Adapter, AdapterError, ChangeAction, DeployOptions, InvokeOptions, LogEvent, ResourceKind,
    TailOptions,
};
use functory_aws::moto::MotoServer;
use functory_aws::{AwsAdapter, AwsSettings, AwsSignIn, CallRecorder, FailCall};
use functory_vault::{Account, AwsAccessKey};
use futures_util::StreamExt;

const SECRET: &str = "CANARYlambdaSecretKeyK7MDENGbPxRfiCY";

struct Setup {
    server: MotoServer,
    fixture: Fixture,
    _dir: tempfile::TempDir,
    cache: tempfile::TempDir,
}

fn account() -> Account {
    Account::aws(
        "ci",
        AwsAccessKey {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: SECRET.into(),
            session_token: None,
            role_arn: None,
            external_id: None,
            region: Some("us-east-1".into()),
        },
    )
    .expect("a valid account")
}

fn setup() -> Setup {
    let server = MotoServer::start().unwrap_or_else(|error| panic!("{error}"));
    server
        .lambda_without_docker()
        .unwrap_or_else(|error| panic!("{error}"));
    let dir = tempfile::tempdir().expect("a temporary folder");
    let fixture = Fixture::write(dir.path()).expect("the fixture project");
    Setup {
        server,
        fixture,
        _dir: dir,
        cache: tempfile::tempdir().expect("a cache folder"),
    }
}

/// The test account signed in at the test's moto.
async fn session(setup: &Setup) -> functory_aws::AwsSession {
    AwsSignIn::keychain(&account())
        .expect("an AWS account")
        .endpoint_url(setup.server.endpoint_url())
        .load()
        .await
        .expect("the configuration loads")
}

async fn adapter_with(setup: &Setup, interceptors: Vec<Interceptor>) -> AwsAdapter {
    let session = session(setup).await;
    let mut builder = AwsAdapter::builder(&session).settings(AwsSettings {
        cache_dir: Some(setup.cache.path().to_owned()),
        ..AwsSettings::fast()
    });
    for interceptor in interceptors {
        builder = match interceptor {
            Interceptor::Record(r) => builder.interceptor(r),
            Interceptor::Fail(f) => builder.interceptor(f),
        };
    }
    builder.build()
}

enum Interceptor {
    Record(CallRecorder),
    Fail(FailCall),
}

fn options(setup: &Setup, function: &str) -> DeployOptions {
    let mut options = setup.fixture.deploy_options(function);
    options.project = Some("conformance".into());
    options.stage = Some("prod".into());
    options.commit = Some("0123456789abcdef0123456789abcdef01234567".into());
    options
}

#[tokio::test]
async fn control_plane_conformance_on_moto() {
    let setup = setup();
    let adapter = adapter_with(&setup, vec![]).await;
    let fixture = &setup.fixture;
    conformance::deploy_creates_a_listed_function(&adapter, fixture).await;
    conformance::describe_reports_the_deployed_configuration(&adapter, fixture).await;
    conformance::redeploy_updates_configuration(&adapter, fixture).await;
    // `unknown_function_is_not_found` is not run: moto answers an invoke of a function that
    // does not exist with 200 and the echoed event, where AWS answers 404
    // ResourceNotFoundException (mocked in the unit tests). The other operations are checked
    // below.
    unknown_function_is_not_found_except_invoke(&adapter).await;
    conformance::malformed_payload_is_invalid_request(&adapter, fixture).await;
    // `delete_removes_the_function` ends with an invoke, which moto answers for any name;
    // the same checks without it:
    adapter
        .delete(functory_adapter::DeleteOptions::new("echo"))
        .await
        .expect("delete");
    let listed = adapter
        .list(functory_adapter::ListOptions::default())
        .await
        .expect("list");
    assert!(
        listed.iter().all(|f| f.name != "echo"),
        "still listed: {listed:?}"
    );
    let describe = adapter
        .describe(functory_adapter::DescribeOptions::new("echo"))
        .await;
    assert!(
        matches!(describe, Err(AdapterError::NotFound { .. })),
        "{describe:?}"
    );
}

async fn unknown_function_is_not_found_except_invoke(adapter: &AwsAdapter) {
    use functory_adapter::{DeleteOptions, DescribeOptions};
    let name = "never-deployed";
    let describe = adapter.describe(DescribeOptions::new(name)).await;
    assert!(
        matches!(describe, Err(AdapterError::NotFound { .. })),
        "describe: {describe:?}"
    );
    let delete = adapter.delete(DeleteOptions::new(name)).await;
    assert!(
        matches!(delete, Err(AdapterError::NotFound { .. })),
        "delete: {delete:?}"
    );
    let tail = adapter.tail_logs(TailOptions::new(name)).await;
    assert!(
        matches!(tail, Err(AdapterError::NotFound { .. })),
        "tail: {:?}",
        tail.err()
    );
}

#[tokio::test]
async fn create_then_no_change_then_change_issue_exactly_the_planned_calls() {
    let setup = setup();
    let recorder = CallRecorder::new();
    let adapter = adapter_with(&setup, vec![Interceptor::Record(recorder.clone())]).await;

    // First deploy: everything is created.
    let plan = adapter.plan(&options(&setup, "echo")).await.expect("plan");
    let actions: Vec<(ResourceKind, ChangeAction)> =
        plan.changes.iter().map(|c| (c.kind, c.action)).collect();
    assert_eq!(
        actions,
        vec![
            (ResourceKind::Role, ChangeAction::Create),
            (ResourceKind::Function, ChangeAction::Create),
            (ResourceKind::Version, ChangeAction::Create),
            (ResourceKind::Alias, ChangeAction::Create),
        ]
    );
    recorder.clear();
    let first = adapter
        .deploy_function(&options(&setup, "echo"))
        .await
        .expect("first deploy");
    assert_eq!(recorder.changing_calls(), first.plan.calls());
    assert_eq!(
        first.plan.calls(),
        [
            "CreateRole",
            "PutRolePolicy",
            "CreateFunction",
            "PublishVersion",
            "CreateAlias"
        ]
    );
    assert!(first.uploaded);
    assert_eq!(first.version, "1");
    assert_eq!(
        adapter.alias_version("echo", "prod").await.unwrap(),
        Some("1".into())
    );

    // Unchanged: no call that changes anything, nothing uploaded.
    recorder.clear();
    let again = adapter
        .deploy_function(&options(&setup, "echo"))
        .await
        .expect("no-change deploy");
    assert!(again.plan.is_no_op(), "{}", again.plan);
    assert!(!again.uploaded);
    assert_eq!(recorder.changing_calls(), Vec::<String>::new());
    assert_eq!(again.code_sha256, first.code_sha256);
    assert_eq!(again.version, "1");

    // A code change: new code, new version, the stage moves.
    std::fs::write(
        setup.fixture.root.join("node/echo.js"),
        "exports.handler = async (event) => ({ echo: event, v: 2 });\n",
    )
    .expect("edit the handler");
    let mut changed = options(&setup, "echo");
    changed.function.memory_mb = 256;
    let plan = adapter.plan(&changed).await.expect("plan the change");
    recorder.clear();
    let second = adapter
        .deploy_function(&changed)
        .await
        .expect("change deploy");
    assert_eq!(
        second.plan, plan,
        "the plan changed between planning and deploying"
    );
    assert_eq!(recorder.changing_calls(), plan.calls());
    assert_eq!(
        plan.calls(),
        [
            "UpdateFunctionCode",
            "UpdateFunctionConfiguration",
            "TagResource",
            "PublishVersion",
            "UpdateAlias"
        ]
    );
    let config = plan
        .changes
        .iter()
        .find(|c| c.kind == ResourceKind::Configuration)
        .expect("a configuration change");
    assert_eq!(config.details, vec!["memory 128 → 256 MB".to_owned()]);
    assert_ne!(second.code_sha256, first.code_sha256);
    assert_eq!(second.version, "2");
    assert_eq!(
        adapter.alias_version("echo", "prod").await.unwrap(),
        Some("2".into())
    );
    let versions = adapter.versions("echo").await.expect("versions");
    assert_eq!(
        versions
            .iter()
            .map(|v| v.version.as_str())
            .collect::<Vec<_>>(),
        ["1", "2"]
    );
    assert_eq!(versions[1].code_sha256, second.code_sha256);
}

#[tokio::test]
async fn rollback_moves_the_stage_back_and_the_next_deploy_forward() {
    let setup = setup();
    let adapter = adapter_with(&setup, vec![]).await;
    adapter
        .deploy_function(&options(&setup, "echo"))
        .await
        .expect("v1");
    let mut v2 = options(&setup, "echo");
    v2.function.timeout_s = 20;
    adapter.deploy_function(&v2).await.expect("v2");
    assert_eq!(
        adapter.alias_version("echo", "prod").await.unwrap(),
        Some("2".into())
    );

    adapter
        .rollback("echo", "prod", "1")
        .await
        .expect("rollback");
    assert_eq!(
        adapter.alias_version("echo", "prod").await.unwrap(),
        Some("1".into())
    );
    let error = adapter
        .rollback("echo", "prod", "9")
        .await
        .expect_err("no version 9");
    assert!(
        error.to_string().contains("its versions are: 1, 2"),
        "{error}"
    );

    // Deploying the current manifest again points the stage at the matching version, without
    // publishing another.
    let outcome = adapter.deploy_function(&v2).await.expect("forward again");
    assert_eq!(outcome.plan.calls(), ["UpdateAlias"]);
    assert_eq!(outcome.version, "2");
    assert!(!outcome.uploaded);
}

#[tokio::test]
async fn another_projects_function_is_not_taken_over() {
    let setup = setup();
    let adapter = adapter_with(&setup, vec![]).await;
    adapter
        .deploy_function(&options(&setup, "echo"))
        .await
        .expect("first project");
    let mut other = options(&setup, "echo");
    other.project = Some("someone-else".into());
    let error = adapter
        .plan(&other)
        .await
        .expect_err("owned by another project");
    assert!(
        matches!(&error, AdapterError::AlreadyExists { what } if what.contains("belongs to Functory project `conformance`")),
        "{error}"
    );
}

#[tokio::test]
async fn a_deploy_cut_at_any_step_keeps_serving_the_old_version_and_the_next_converges() {
    let setup = setup();
    let adapter = adapter_with(&setup, vec![]).await;
    let first = adapter
        .deploy_function(&options(&setup, "echo"))
        .await
        .expect("v1");

    // Every changing call of an update deploy, cut one at a time.
    let mut step = 1;
    loop {
        std::fs::write(
            setup.fixture.root.join("node/echo.js"),
            format!("exports.handler = async (event) => ({{ echo: event, cut: {step} }});\n"),
        )
        .expect("edit the handler");
        let before = adapter.alias_version("echo", "prod").await.unwrap();
        let fault = FailCall::nth(step);
        let cut = adapter_with(&setup, vec![Interceptor::Fail(fault.clone())]).await;
        let result = cut.deploy_function(&options(&setup, "echo")).await;
        let Some(failed) = fault.failed() else {
            // The deploy had fewer changing calls than `step`: every step has been cut.
            result.expect("a deploy with no fault left to inject succeeds");
            break;
        };
        let error = result.expect_err("the injected fault stops the deploy");
        assert!(
            error.to_string().contains("injected fault"),
            "step {step} ({failed}): {error}"
        );
        // The stage still serves what it served before the cut deploy.
        assert_eq!(
            adapter.alias_version("echo", "prod").await.unwrap(),
            before,
            "the stage moved although the deploy was cut at {failed}"
        );
        // The next deploy converges: the stage serves exactly the new code.
        let outcome = adapter
            .deploy_function(&options(&setup, "echo"))
            .await
            .unwrap_or_else(|e| panic!("the deploy after a cut at {failed} failed: {e}"));
        let serving = adapter
            .alias_version("echo", "prod")
            .await
            .unwrap()
            .expect("a stage");
        let versions = adapter.versions("echo").await.unwrap();
        let served = versions
            .iter()
            .find(|v| v.version == serving)
            .expect("the served version");
        assert_eq!(
            served.code_sha256, outcome.code_sha256,
            "after a cut at {failed}"
        );
        assert_ne!(outcome.code_sha256, first.code_sha256);
        step += 1;
    }
    assert!(
        step > 3,
        "the update deploy had only {} changing calls",
        step - 1
    );
}

#[tokio::test]
async fn invoke_goes_to_the_stage_and_moto_echoes_the_event() {
    let setup = setup();
    let adapter = adapter_with(&setup, vec![]).await;
    adapter
        .deploy_function(&options(&setup, "echo"))
        .await
        .expect("deploy");
    let mut invoke = InvokeOptions::new("echo", r#"{"hello":"moto"}"#).with_log_tail();
    invoke.qualifier = Some("prod".into());
    let invocation = adapter.invoke(invoke).await.expect("invoke");
    assert_eq!(invocation.status_code, 200);
    assert_eq!(invocation.function_error, None);
    assert_eq!(invocation.payload_json().unwrap()["hello"], "moto");
    assert!(!invocation.request_id.is_empty());
}

async fn collect(adapter: &AwsAdapter, options: TailOptions) -> Vec<LogEvent> {
    let mut stream = adapter.tail_logs(options).await.expect("tail");
    let mut events = Vec::new();
    while let Some(event) = stream.next().await {
        events.push(event.expect("an event"));
    }
    events
}

#[tokio::test]
async fn logs_are_grouped_by_request_and_followed_without_duplicates() {
    let setup = setup();
    let adapter = adapter_with(&setup, vec![]).await;
    adapter
        .deploy_function(&options(&setup, "echo"))
        .await
        .expect("deploy");
    let session = session(&setup).await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(session.sdk_config());
    let group = "/aws/lambda/echo";
    let stream_name = "2026/11/26/[1]abcdef";
    logs.create_log_group()
        .log_group_name(group)
        .send()
        .await
        .expect("group");
    logs.create_log_stream()
        .log_group_name(group)
        .log_stream_name(stream_name)
        .send()
        .await
        .expect("stream");
    let id = "8f5a0c52-2c4e-4a5e-9d0b-3c1f1d7b2a10";
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let put = |lines: Vec<(i64, String)>| {
        let logs = logs.clone();
        async move {
            let mut request = logs
                .put_log_events()
                .log_group_name(group)
                .log_stream_name(stream_name);
            for (t, message) in lines {
                request = request.log_events(
                    aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                        .timestamp(t)
                        .message(message)
                        .build()
                        .expect("an event"),
                );
            }
            request.send().await.expect("put events");
        }
    };
    put(vec![
        (now - 3000, format!("START RequestId: {id} Version: 1\n")),
        (
            now - 2990,
            format!("2026-11-26T10:00:00.000Z\t{id}\tWARN\tdisk almost full\n"),
        ),
        (now - 2980, "a bare print\n".to_owned()),
        (now - 2970, format!("END RequestId: {id}\n")),
        (
            now - 2960,
            format!("REPORT RequestId: {id}\tDuration: 2.00 ms\tBilled Duration: 2 ms\n"),
        ),
    ])
    .await;

    let events = collect(&adapter, TailOptions::new("echo")).await;
    assert_eq!(events.len(), 5, "{events:#?}");
    assert!(
        events.iter().all(|e| e.request_id.as_deref() == Some(id)),
        "{events:#?}"
    );
    assert_eq!(events[1].message, "disk almost full");
    assert_eq!(events[2].message, "a bare print");

    let last_two = collect(
        &adapter,
        TailOptions {
            last: Some(2),
            ..TailOptions::new("echo")
        },
    )
    .await;
    assert_eq!(last_two.len(), 2);

    // Following: stored events, then new ones, each once although polls overlap.
    let mut follow = adapter
        .tail_logs(TailOptions {
            follow: true,
            ..TailOptions::new("echo")
        })
        .await
        .expect("follow");
    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.push(follow.next().await.expect("a stored event").expect("ok"));
    }
    put(vec![(now + 10, "late line\n".to_owned())]).await;
    let next = tokio::time::timeout(Duration::from_secs(10), follow.next())
        .await
        .expect("the new event within the follow window")
        .expect("an event")
        .expect("ok");
    assert_eq!(next.message, "late line");
    // Several more polls go by: nothing is yielded twice.
    let again = tokio::time::timeout(Duration::from_millis(900), follow.next()).await;
    assert!(again.is_err(), "an event was yielded twice: {again:?}");
}

#[tokio::test]
async fn a_url_trigger_is_created_changed_and_removed_on_the_stage() {
    use functory_core::{Cors, Trigger, UrlAuth};
    let setup = setup();
    let recorder = CallRecorder::new();
    let adapter = adapter_with(&setup, vec![Interceptor::Record(recorder.clone())]).await;
    let session = session(&setup).await;
    let lambda = aws_sdk_lambda::Client::new(session.sdk_config());

    let mut options = options(&setup, "echo");
    options.function.triggers = vec![Trigger::Url {
        auth: UrlAuth::None,
        cors: Some(Cors {
            allow_origins: vec!["https://shop.example".into()],
            allow_methods: vec!["GET".into()],
            ..Cors::default()
        }),
    }];
    let first = adapter
        .deploy_function(&options)
        .await
        .expect("deploy with a URL");
    let url = first
        .plan
        .changes
        .iter()
        .find(|c| c.kind == ResourceKind::Trigger)
        .expect("a URL change");
    assert_eq!(
        (url.name.as_str(), url.action),
        ("url prod", ChangeAction::Create)
    );
    assert_eq!(
        url.calls,
        ["CreateFunctionUrlConfig", "AddPermission", "AddPermission"]
    );
    assert_eq!(recorder.changing_calls(), first.plan.calls());
    let config = lambda
        .get_function_url_config()
        .function_name("echo")
        .qualifier("prod")
        .send()
        .await
        .expect("the URL exists on the stage");
    assert_eq!(config.auth_type().as_str(), "NONE");
    assert_eq!(
        config.cors().unwrap().allow_origins(),
        ["https://shop.example"]
    );
    let policy = lambda
        .get_policy()
        .function_name("echo")
        .qualifier("prod")
        .send()
        .await
        .expect("a resource policy");
    let policy = policy.policy().unwrap();
    assert!(
        policy.contains("lambda:InvokeFunctionUrl") && policy.contains("lambda:InvokeFunction\""),
        "{policy}"
    );

    // Unchanged: nothing to do for the URL either.
    let again = adapter.plan(&options).await.expect("plan");
    assert!(again.is_no_op(), "{again}");

    // Signed requests only: the public statements go.
    options.function.triggers = vec![Trigger::Url {
        auth: UrlAuth::Iam,
        cors: None,
    }];
    recorder.clear();
    let signed = adapter
        .deploy_function(&options)
        .await
        .expect("make it IAM");
    let url = signed
        .plan
        .changes
        .iter()
        .find(|c| c.kind == ResourceKind::Trigger)
        .unwrap();
    assert_eq!(
        url.calls,
        [
            "UpdateFunctionUrlConfig",
            "RemovePermission",
            "RemovePermission"
        ]
    );
    assert_eq!(recorder.changing_calls(), signed.plan.calls());
    let config = lambda
        .get_function_url_config()
        .function_name("echo")
        .qualifier("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(config.auth_type().as_str(), "AWS_IAM");

    // Gone from the manifest: gone from AWS.
    options.function.triggers = vec![];
    let removed = adapter
        .deploy_function(&options)
        .await
        .expect("remove the URL");
    let url = removed
        .plan
        .changes
        .iter()
        .find(|c| c.kind == ResourceKind::Trigger)
        .unwrap();
    assert_eq!(
        (url.action, url.calls.clone()),
        (
            ChangeAction::Delete,
            vec!["DeleteFunctionUrlConfig".to_owned()]
        )
    );
    let gone = lambda
        .get_function_url_config()
        .function_name("echo")
        .qualifier("prod")
        .send()
        .await;
    assert!(gone.is_err(), "the URL is still there");
}

#[tokio::test]
async fn queue_triggers_become_event_source_mappings_on_the_stage() {
    use functory_core::Trigger;
    let setup = setup();
    // The queue exists in moto's SQS, created with the aws CLI as a user would.
    let aws = functory_aws::moto::venv_dir().join("bin/aws");
    let created = std::process::Command::new(&aws)
        .args(["sqs", "create-queue", "--queue-name", "orders"])
        .args([
            "--endpoint-url",
            &setup.server.endpoint_url(),
            "--region",
            "us-east-1",
        ])
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "not-a-secret")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{} does not run ({e}): run `bash scripts/python-venv.sh`",
                aws.display()
            )
        });
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let recorder = CallRecorder::new();
    let adapter = adapter_with(&setup, vec![Interceptor::Record(recorder.clone())]).await;
    let session = session(&setup).await;
    let lambda = aws_sdk_lambda::Client::new(session.sdk_config());
    let mappings = || async {
        lambda
            .list_event_source_mappings()
            .function_name("echo:prod")
            .send()
            .await
            .expect("mappings")
            .event_source_mappings()
            .iter()
            .map(|m| {
                (
                    m.event_source_arn().unwrap_or_default().to_owned(),
                    m.batch_size().unwrap_or_default(),
                )
            })
            .collect::<Vec<_>>()
    };

    let mut options = options(&setup, "echo");
    options.function.triggers = vec![Trigger::Queue {
        queue: "orders".into(),
        batch_size: Some(5),
    }];
    let first = adapter
        .deploy_function(&options)
        .await
        .expect("deploy with a queue");
    assert_eq!(recorder.changing_calls(), first.plan.calls());
    assert!(first.plan.calls().ends_with(&[
        "CreateAlias".to_owned(),
        "CreateEventSourceMapping".to_owned()
    ]));
    assert_eq!(
        mappings().await,
        vec![("arn:aws:sqs:us-east-1:123456789012:orders".to_owned(), 5)]
    );
    assert!(adapter.plan(&options).await.unwrap().is_no_op());

    options.function.triggers = vec![Trigger::Queue {
        queue: "orders".into(),
        batch_size: Some(7),
    }];
    let changed = adapter.plan(&options).await.expect("plan");
    let queue = changed
        .changes
        .iter()
        .find(|c| c.name == "queue orders")
        .unwrap();
    assert_eq!(
        (queue.action, queue.calls.clone()),
        (
            ChangeAction::Update,
            vec!["UpdateEventSourceMapping".to_owned()]
        )
    );
    adapter.deploy_function(&options).await.expect("batch 7");
    assert_eq!(mappings().await[0].1, 7);

    options.function.triggers = vec![];
    let removed = adapter.deploy_function(&options).await.expect("no queue");
    let queue = removed
        .plan
        .changes
        .iter()
        .find(|c| c.name == "queue orders")
        .unwrap();
    assert_eq!(queue.action, ChangeAction::Delete);
    assert_eq!(mappings().await, vec![]);
}
