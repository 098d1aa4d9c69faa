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
    conformance::concurrency_is_as_declared(&adapter, fixture).await;
    conformance::versions_and_stages_are_as_declared(&adapter, fixture).await;
    conformance::trigger_kinds_are_as_declared(&adapter, fixture).await;
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

    // The function records what its code was built from, so an unchanged tree is recognised
    // without zipping it again.
    let session = session(&setup).await;
    let tags = aws_sdk_lambda::Client::new(session.sdk_config())
        .get_function()
        .function_name("echo")
        .send()
        .await
        .expect("the function")
        .tags()
        .cloned()
        .unwrap_or_default();
    let digest =
        functory_aws::package::input_digest(&setup.fixture.root, &options(&setup, "echo").function)
            .expect("a digest");
    assert_eq!(
        tags.get("functory:source"),
        Some(&format!(
            "{}:{}:{}:{}",
            digest.hex, first.code_sha256, first.plan.package_bytes, digest.files
        ))
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

/// Runs the `aws` CLI (PyPI awscli, in the moto venv) against the test's moto; its JSON
/// answer, or `null` for commands that print nothing.
fn aws(setup: &Setup, args: &[&str]) -> serde_json::Value {
    let binary = functory_aws::moto::venv_dir().join("bin/aws");
    let output = std::process::Command::new(&binary)
        .args(args)
        .args([
            "--endpoint-url",
            &setup.server.endpoint_url(),
            "--region",
            "us-east-1",
            "--output",
            "json",
        ])
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "not-a-secret")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{} does not run ({e}): run `bash scripts/python-venv.sh`",
                binary.display()
            )
        });
    assert!(
        output.status.success(),
        "aws {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    if output.stdout.iter().all(u8::is_ascii_whitespace) {
        return serde_json::Value::Null;
    }
    serde_json::from_slice(&output.stdout).expect("JSON from the aws CLI")
}

/// A bucket notification configuration's Lambda entries: (id, function ARN).
fn lambda_entries(config: &serde_json::Value) -> Vec<(String, String)> {
    config["LambdaFunctionConfigurations"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|c| {
                    (
                        c["Id"].as_str().unwrap_or_default().to_owned(),
                        c["LambdaFunctionArn"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The names of every schedule the account has, sorted.
fn schedule_names(setup: &Setup) -> Vec<String> {
    let listed = aws(setup, &["scheduler", "list-schedules"]);
    let mut names: Vec<String> = listed["Schedules"]
        .as_array()
        .expect("schedules")
        .iter()
        .filter_map(|s| s["Name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

fn trigger_change<'p>(
    plan: &'p functory_adapter::DeployPlan,
    name: &str,
) -> &'p functory_adapter::PlannedChange {
    plan.changes
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no change `{name}` in the plan:\n{plan}"))
}

#[tokio::test]
async fn schedule_triggers_become_scheduler_schedules_with_their_time_zone_and_go_with_the_manifest()
 {
    use functory_core::Trigger;
    let setup = setup();
    let recorder = CallRecorder::new();
    let adapter = adapter_with(&setup, vec![Interceptor::Record(recorder.clone())]).await;

    let mut options = options(&setup, "echo");
    options.function.triggers = vec![
        Trigger::Schedule {
            expression: "rate(5 minutes)".into(),
            timezone: None,
        },
        Trigger::Schedule {
            expression: "cron(0 18 ? * MON-FRI *)".into(),
            timezone: Some("Europe/Paris".into()),
        },
    ];
    let first = adapter
        .deploy_function(&options)
        .await
        .expect("deploy with schedules");
    assert_eq!(recorder.changing_calls(), first.plan.calls());
    assert!(
        first.plan.calls().ends_with(
            &[
                "CreateAlias",
                "CreateRole",
                "PutRolePolicy",
                "CreateSchedule",
                "CreateSchedule"
            ]
            .map(String::from)
        ),
        "{}",
        first.plan
    );
    let function_arn = first.resource_id.clone();

    // What EventBridge Scheduler holds, read with the aws CLI.
    let paris = aws(
        &setup,
        &[
            "scheduler",
            "get-schedule",
            "--name",
            "functory-conformance-prod-echo-2",
        ],
    );
    assert_eq!(paris["ScheduleExpression"], "cron(0 18 ? * MON-FRI *)");
    assert_eq!(paris["ScheduleExpressionTimezone"], "Europe/Paris");
    assert_eq!(paris["Target"]["Arn"], format!("{function_arn}:prod"));
    assert_eq!(paris["FlexibleTimeWindow"]["Mode"], "OFF");
    let role = aws(
        &setup,
        &[
            "iam",
            "get-role",
            "--role-name",
            "functory-conformance-prod-echo-scheduler",
        ],
    );
    assert_eq!(paris["Target"]["RoleArn"], role["Role"]["Arn"]);
    assert_eq!(
        role["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"],
        "scheduler.amazonaws.com"
    );
    let policy = aws(
        &setup,
        &[
            "iam",
            "get-role-policy",
            "--role-name",
            "functory-conformance-prod-echo-scheduler",
            "--policy-name",
            "functory-invoke",
        ],
    );
    assert_eq!(
        policy["PolicyDocument"]["Statement"][0]["Resource"],
        format!("{function_arn}:prod")
    );
    let five = aws(
        &setup,
        &[
            "scheduler",
            "get-schedule",
            "--name",
            "functory-conformance-prod-echo-1",
        ],
    );
    assert_eq!(five["ScheduleExpressionTimezone"], "UTC");

    // Someone else's schedule on the same function is never touched.
    aws(
        &setup,
        &[
            "scheduler",
            "create-schedule",
            "--name",
            "nightly-report",
            "--schedule-expression",
            "cron(0 2 * * ? *)",
            "--flexible-time-window",
            "Mode=OFF",
            "--target",
            &format!("Arn={function_arn},RoleArn=arn:aws:iam::123456789012:role/someone-elses"),
        ],
    );
    let again = adapter.plan(&options).await.expect("plan");
    assert!(again.is_no_op(), "{again}");

    // A changed expression updates that schedule in place.
    options.function.triggers[0] = Trigger::Schedule {
        expression: "rate(10 minutes)".into(),
        timezone: None,
    };
    recorder.clear();
    let changed = adapter.deploy_function(&options).await.expect("change");
    assert_eq!(changed.plan.calls(), ["UpdateSchedule"]);
    assert_eq!(recorder.changing_calls(), changed.plan.calls());
    assert_eq!(
        trigger_change(&changed.plan, "schedule rate(10 minutes)").details,
        ["rate(5 minutes) → rate(10 minutes)"]
    );
    let five = aws(
        &setup,
        &[
            "scheduler",
            "get-schedule",
            "--name",
            "functory-conformance-prod-echo-1",
        ],
    );
    assert_eq!(five["ScheduleExpression"], "rate(10 minutes)");

    // Gone from the manifest: the schedules and their role go; the other schedule stays.
    options.function.triggers.clear();
    recorder.clear();
    let removed = adapter.deploy_function(&options).await.expect("remove");
    assert_eq!(
        removed.plan.calls(),
        [
            "DeleteSchedule",
            "DeleteSchedule",
            "DeleteRolePolicy",
            "DeleteRole"
        ]
    );
    assert_eq!(recorder.changing_calls(), removed.plan.calls());
    let left = aws(&setup, &["scheduler", "list-schedules"]);
    let names: Vec<&str> = left["Schedules"]
        .as_array()
        .expect("schedules")
        .iter()
        .filter_map(|s| s["Name"].as_str())
        .collect();
    assert_eq!(names, ["nightly-report"]);
    assert!(adapter.plan(&options).await.unwrap().is_no_op());
}

#[tokio::test]
async fn storage_triggers_merge_into_the_bucket_notifications_and_leave_the_others_alone() {
    use functory_core::Trigger;
    let setup = setup();
    aws(&setup, &["s3api", "create-bucket", "--bucket", "uploads"]);
    let queue = aws(&setup, &["sqs", "create-queue", "--queue-name", "audit"]);
    assert!(queue["QueueUrl"].is_string());
    // The bucket already notifies a queue and another team's function.
    let theirs = serde_json::json!({
        "QueueConfigurations": [{
            "Id": "audit-everything",
            "QueueArn": "arn:aws:sqs:us-east-1:123456789012:audit",
            "Events": ["s3:ObjectCreated:*"]
        }],
        "LambdaFunctionConfigurations": [{
            "Id": "thumbnails-team",
            "LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:thumbnailer",
            "Events": ["s3:ObjectCreated:Put"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "photos/"}]}}
        }]
    });
    aws(
        &setup,
        &[
            "s3api",
            "put-bucket-notification-configuration",
            "--bucket",
            "uploads",
            "--notification-configuration",
            &theirs.to_string(),
        ],
    );
    let recorder = CallRecorder::new();
    let adapter = adapter_with(&setup, vec![Interceptor::Record(recorder.clone())]).await;
    let read_back = || {
        aws(
            &setup,
            &[
                "s3api",
                "get-bucket-notification-configuration",
                "--bucket",
                "uploads",
            ],
        )
    };
    let lambdas = lambda_entries;

    let mut options = options(&setup, "echo");
    options.function.triggers = vec![Trigger::Storage {
        bucket: "uploads".into(),
        prefix: Some("incoming/".into()),
        suffix: Some(".jpg".into()),
        events: None,
    }];
    let first = adapter
        .deploy_function(&options)
        .await
        .expect("deploy with a storage trigger");
    assert_eq!(recorder.changing_calls(), first.plan.calls());
    let storage = trigger_change(&first.plan, "storage uploads");
    assert_eq!(storage.action, ChangeAction::Create);
    assert_eq!(
        storage.calls,
        ["AddPermission", "PutBucketNotificationConfiguration"]
    );
    assert!(
        storage
            .details
            .contains(&"2 other notification(s) kept".to_owned()),
        "{:?}",
        storage.details
    );
    let function_arn = first.resource_id.clone();
    let config = read_back();
    assert_eq!(config["QueueConfigurations"][0]["Id"], "audit-everything");
    assert_eq!(
        lambdas(&config),
        [
            (
                "thumbnails-team".to_owned(),
                "arn:aws:lambda:us-east-1:123456789012:function:thumbnailer".to_owned()
            ),
            (
                "functory-conformance-prod-echo-1".to_owned(),
                format!("{function_arn}:prod")
            )
        ]
    );
    let ours = &config["LambdaFunctionConfigurations"][1];
    assert_eq!(ours["Events"], serde_json::json!(["s3:ObjectCreated:*"]));
    let mut rules: Vec<(String, String)> = ours["Filter"]["Key"]["FilterRules"]
        .as_array()
        .expect("filter rules")
        .iter()
        .map(|r| {
            (
                r["Name"].as_str().unwrap().to_ascii_lowercase(),
                r["Value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        [
            ("prefix".to_owned(), "incoming/".to_owned()),
            ("suffix".to_owned(), ".jpg".to_owned())
        ]
    );
    // S3 may invoke the stage, for this bucket and account only.
    let policy = aws(
        &setup,
        &[
            "lambda",
            "get-policy",
            "--function-name",
            "echo",
            "--qualifier",
            "prod",
        ],
    );
    let policy: serde_json::Value =
        serde_json::from_str(policy["Policy"].as_str().expect("a policy")).expect("JSON");
    let statement = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "functory-s3-uploads")
        .expect("the S3 statement");
    assert_eq!(statement["Principal"]["Service"], "s3.amazonaws.com");
    assert_eq!(
        statement["Condition"]["ArnLike"]["AWS:SourceArn"],
        "arn:aws:s3:::uploads"
    );
    assert_eq!(
        statement["Condition"]["StringEquals"]["AWS:SourceAccount"],
        "123456789012"
    );
    assert!(adapter.plan(&options).await.unwrap().is_no_op());

    // A changed filter rewrites only the bucket's notifications.
    options.function.triggers = vec![Trigger::Storage {
        bucket: "uploads".into(),
        prefix: None,
        suffix: Some(".png".into()),
        events: Some(vec![
            "s3:ObjectCreated:Put".into(),
            "s3:ObjectRemoved:*".into(),
        ]),
    }];
    recorder.clear();
    let changed = adapter.deploy_function(&options).await.expect("change");
    assert_eq!(changed.plan.calls(), ["PutBucketNotificationConfiguration"]);
    assert_eq!(recorder.changing_calls(), changed.plan.calls());
    let config = read_back();
    assert_eq!(lambdas(&config).len(), 2);
    assert_eq!(
        config["LambdaFunctionConfigurations"][1]["Events"],
        serde_json::json!(["s3:ObjectCreated:Put", "s3:ObjectRemoved:*"])
    );
    assert_eq!(config["QueueConfigurations"][0]["Id"], "audit-everything");

    // Gone from the manifest: our entry and S3's permission go; the others stay as they were.
    options.function.triggers.clear();
    recorder.clear();
    let removed = adapter.deploy_function(&options).await.expect("remove");
    let storage = trigger_change(&removed.plan, "storage uploads");
    assert_eq!(storage.action, ChangeAction::Delete);
    assert_eq!(
        storage.calls,
        ["PutBucketNotificationConfiguration", "RemovePermission"]
    );
    assert_eq!(recorder.changing_calls(), removed.plan.calls());
    let config = read_back();
    assert_eq!(
        lambdas(&config),
        [(
            "thumbnails-team".to_owned(),
            "arn:aws:lambda:us-east-1:123456789012:function:thumbnailer".to_owned()
        )]
    );
    assert_eq!(
        config["LambdaFunctionConfigurations"][0]["Filter"]["Key"]["FilterRules"][0]["Value"],
        "photos/"
    );
    assert_eq!(config["QueueConfigurations"][0]["Id"], "audit-everything");
    assert!(adapter.plan(&options).await.unwrap().is_no_op());

    // A bucket deleted after its trigger left the manifest: only S3's permission is left, and
    // it goes.
    aws(&setup, &["s3api", "create-bucket", "--bucket", "scratch"]);
    options.function.triggers = vec![Trigger::Storage {
        bucket: "scratch".into(),
        prefix: None,
        suffix: None,
        events: None,
    }];
    adapter
        .deploy_function(&options)
        .await
        .expect("scratch bucket");
    options.function.triggers.clear();
    aws(
        &setup,
        &[
            "s3api",
            "put-bucket-notification-configuration",
            "--bucket",
            "scratch",
            "--notification-configuration",
            "{}",
        ],
    );
    aws(&setup, &["s3api", "delete-bucket", "--bucket", "scratch"]);
    let gone = adapter
        .deploy_function(&options)
        .await
        .expect("bucket gone");
    assert_eq!(
        trigger_change(&gone.plan, "storage scratch").calls,
        ["RemovePermission"]
    );
    assert!(adapter.plan(&options).await.unwrap().is_no_op());

    // A bucket that does not exist is named before anything changes.
    options.function.triggers = vec![Trigger::Storage {
        bucket: "no-such-bucket".into(),
        prefix: None,
        suffix: None,
        events: None,
    }];
    let error = adapter.plan(&options).await.expect_err("no bucket");
    assert!(
        error.to_string().contains("bucket `no-such-bucket`"),
        "{error}"
    );
}

#[tokio::test]
async fn stream_triggers_become_kinesis_mappings_and_a_new_starting_position_recreates_one() {
    use functory_core::Trigger;
    let setup = setup();
    aws(
        &setup,
        &[
            "kinesis",
            "create-stream",
            "--stream-name",
            "clicks",
            "--shard-count",
            "1",
        ],
    );
    let recorder = CallRecorder::new();
    let adapter = adapter_with(&setup, vec![Interceptor::Record(recorder.clone())]).await;
    let mappings = || {
        let listed = aws(
            &setup,
            &[
                "lambda",
                "list-event-source-mappings",
                "--function-name",
                "echo:prod",
            ],
        );
        listed["EventSourceMappings"]
            .as_array()
            .expect("mappings")
            .iter()
            .map(|m| {
                (
                    m["EventSourceArn"].as_str().unwrap_or_default().to_owned(),
                    m["BatchSize"].as_i64().unwrap_or_default(),
                    m["StartingPosition"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    let clicks = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks".to_owned();

    let mut options = options(&setup, "echo");
    options.function.triggers = vec![Trigger::Stream {
        stream: "clicks".into(),
        batch_size: Some(50),
        starting_position: None,
    }];
    let first = adapter.deploy_function(&options).await.expect("deploy");
    assert_eq!(recorder.changing_calls(), first.plan.calls());
    assert_eq!(
        trigger_change(&first.plan, "stream clicks").calls,
        ["CreateEventSourceMapping"]
    );
    assert_eq!(mappings(), [(clicks.clone(), 50, "LATEST".to_owned())]);
    // The role may read the stream's shards.
    let policy = aws(
        &setup,
        &[
            "iam",
            "get-role-policy",
            "--role-name",
            "functory-conformance-prod-echo",
            "--policy-name",
            "functory-permissions",
        ],
    );
    assert!(
        policy["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["Sid"] == "FunctoryKinesisTriggers"),
        "{policy}"
    );
    assert!(adapter.plan(&options).await.unwrap().is_no_op());

    options.function.triggers = vec![Trigger::Stream {
        stream: "clicks".into(),
        batch_size: Some(20),
        starting_position: None,
    }];
    let resized = adapter.plan(&options).await.expect("plan");
    assert_eq!(resized.calls(), ["UpdateEventSourceMapping"]);
    adapter.deploy_function(&options).await.expect("resize");
    assert_eq!(mappings()[0].1, 20);

    options.function.triggers = vec![Trigger::Stream {
        stream: "clicks".into(),
        batch_size: Some(20),
        starting_position: Some("TRIM_HORIZON".into()),
    }];
    recorder.clear();
    let moved = adapter
        .deploy_function(&options)
        .await
        .expect("from the start");
    assert_eq!(
        moved.plan.calls(),
        ["DeleteEventSourceMapping", "CreateEventSourceMapping"]
    );
    assert_eq!(recorder.changing_calls(), moved.plan.calls());
    assert_eq!(mappings(), [(clicks, 20, "TRIM_HORIZON".to_owned())]);

    options.function.triggers.clear();
    let removed = adapter.deploy_function(&options).await.expect("remove");
    assert_eq!(
        trigger_change(&removed.plan, "stream clicks").action,
        ChangeAction::Delete
    );
    assert_eq!(mappings(), []);
}

fn http(method: &str, path: &str, auth: Option<&str>) -> functory_core::Trigger {
    functory_core::Trigger::Http {
        method: method.into(),
        path: path.into(),
        auth: auth.map(Into::into),
        payload_version: None,
    }
}

/// `http` triggers become the project's HTTP API on the target: the API, its `$default` stage,
/// a Lambda proxy integration to the stage alias, the routes with their authorization, and
/// API Gateway's permission scoped to the API. The plan lists the calls; the aws CLI reads back
/// what moto holds; a second deploy makes no write call; a removed route is removed.
#[tokio::test]
async fn http_routes_become_the_projects_http_api() {
    let setup = setup();
    let recorder = CallRecorder::new();
    let adapter = adapter_with(&setup, vec![Interceptor::Record(recorder.clone())]).await;
    let mut options = options(&setup, "echo");
    options.function.triggers = vec![
        http("GET", "/users/{id}", None),
        http("POST", "/users", Some("users")),
        http("ANY", "/files/{proxy+}", Some("iam")),
    ];
    options.api = functory_core::manifest::HttpApi {
        cors: Some(functory_core::Cors {
            allow_origins: vec!["https://app.example.com".into()],
            allow_methods: vec!["GET".into(), "POST".into()],
            ..Default::default()
        }),
        authorizers: vec![functory_core::manifest::JwtAuthorizer {
            name: "users".into(),
            issuer: "https://issuer.example.com".into(),
            audiences: vec!["app".into()],
            identity_source: "$request.header.Authorization".into(),
        }],
    };

    let first = adapter
        .deploy_function(&options)
        .await
        .expect("first deploy");
    let api_calls: Vec<String> = first
        .plan
        .calls()
        .into_iter()
        .filter(|c| {
            ![
                "CreateRole",
                "PutRolePolicy",
                "CreateFunction",
                "PublishVersion",
                "CreateAlias",
            ]
            .contains(&c.as_str())
        })
        .collect();
    assert_eq!(
        api_calls,
        [
            "CreateApi",
            "CreateStage",
            "CreateAuthorizer",
            "TagResource",
            "CreateIntegration",
            "CreateRoute",
            "CreateRoute",
            "CreateRoute",
            "AddPermission"
        ]
    );
    assert_eq!(recorder.changing_calls(), first.plan.calls());
    assert_eq!(first.plan.endpoints.len(), 3, "{:?}", first.plan.endpoints);
    assert!(
        first.plan.endpoints[0].starts_with("GET https://")
            && first.plan.endpoints[0].ends_with("/users/{id}"),
        "{:?}",
        first.plan.endpoints
    );

    // What moto holds, read with the aws CLI.
    let apis = aws(&setup, &["apigatewayv2", "get-apis"]);
    let api = &apis["Items"][0];
    assert_eq!(api["Name"], "functory-conformance-prod");
    assert_eq!(api["ProtocolType"], "HTTP");
    assert_eq!(api["Tags"]["functory:target"], "prod");
    assert_eq!(
        api["CorsConfiguration"]["AllowOrigins"][0],
        "https://app.example.com"
    );
    let id = api["ApiId"].as_str().expect("an api id");
    let routes = aws(&setup, &["apigatewayv2", "get-routes", "--api-id", id]);
    let mut keys: Vec<(String, String)> = routes["Items"]
        .as_array()
        .expect("routes")
        .iter()
        .map(|r| {
            (
                r["RouteKey"].as_str().unwrap_or_default().to_owned(),
                r["AuthorizationType"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            ("ANY /files/{proxy+}".to_owned(), "AWS_IAM".to_owned()),
            ("GET /users/{id}".to_owned(), "NONE".to_owned()),
            ("POST /users".to_owned(), "JWT".to_owned()),
        ]
    );
    let integrations = aws(
        &setup,
        &["apigatewayv2", "get-integrations", "--api-id", id],
    );
    let integration = &integrations["Items"][0];
    assert_eq!(integration["IntegrationType"], "AWS_PROXY");
    assert_eq!(integration["PayloadFormatVersion"], "2.0");
    assert!(
        integration["IntegrationUri"]
            .as_str()
            .is_some_and(|u| u.ends_with(":function:echo:prod")),
        "{integration}"
    );
    let stages = aws(&setup, &["apigatewayv2", "get-stages", "--api-id", id]);
    assert_eq!(stages["Items"][0]["StageName"], "$default");
    assert_eq!(stages["Items"][0]["AutoDeploy"], true);
    let policy = aws(
        &setup,
        &[
            "lambda",
            "get-policy",
            "--function-name",
            "echo",
            "--qualifier",
            "prod",
        ],
    );
    let policy: serde_json::Value =
        serde_json::from_str(policy["Policy"].as_str().expect("a policy")).expect("JSON");
    let statement = policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .find(|s| s["Principal"]["Service"] == "apigateway.amazonaws.com")
        .expect("API Gateway may invoke");
    assert!(
        statement.to_string().contains(&format!(":{id}/*")),
        "scoped to the API: {statement}"
    );

    // Nothing changed: reads only.
    recorder.clear();
    let again = adapter.deploy_function(&options).await.expect("redeploy");
    assert!(again.plan.is_no_op(), "{}", again.plan);
    assert_eq!(recorder.changing_calls(), Vec::<String>::new());

    // A route dropped from the manifest is removed; the others stay.
    options.function.triggers.pop();
    let removed = adapter
        .deploy_function(&options)
        .await
        .expect("remove a route");
    let deleted: Vec<&str> = removed.plan.effective().map(|c| c.name.as_str()).collect();
    assert_eq!(deleted, ["route ANY /files/{proxy+}"], "{}", removed.plan);
    let routes = aws(&setup, &["apigatewayv2", "get-routes", "--api-id", id]);
    assert_eq!(routes["Items"].as_array().expect("routes").len(), 2);
}

/// A first deploy with routes, cut at each of its changing calls in turn (API Gateway's
/// included), then deployed again: the API converges to exactly the manifest's routes, and the
/// deploy after that changes nothing.
#[tokio::test]
async fn a_deploy_of_routes_cut_at_any_call_converges() {
    let mut step = 1;
    loop {
        let setup = setup();
        let mut options = options(&setup, "echo");
        options.function.triggers = vec![
            http("GET", "/users/{id}", None),
            http("POST", "/users", Some("iam")),
        ];
        let fault = FailCall::nth(step);
        let cut = adapter_with(&setup, vec![Interceptor::Fail(fault.clone())]).await;
        let result = cut.deploy_function(&options).await;
        let Some(failed) = fault.failed() else {
            result.expect("a deploy with no fault left to inject succeeds");
            break;
        };
        result.expect_err("the injected fault stops the deploy");
        let adapter = adapter_with(&setup, vec![]).await;
        adapter
            .deploy_function(&options)
            .await
            .unwrap_or_else(|e| panic!("the deploy after a cut at {failed} failed: {e}"));
        let apis = aws(&setup, &["apigatewayv2", "get-apis"]);
        assert_eq!(
            apis["Items"].as_array().map(Vec::len),
            Some(1),
            "one API after a cut at {failed}"
        );
        let id = apis["Items"][0]["ApiId"].as_str().expect("an api id");
        let routes = aws(&setup, &["apigatewayv2", "get-routes", "--api-id", id]);
        let mut keys: Vec<&str> = routes["Items"]
            .as_array()
            .expect("routes")
            .iter()
            .filter_map(|r| r["RouteKey"].as_str())
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["GET /users/{id}", "POST /users"],
            "after a cut at {failed}"
        );
        let again = adapter.deploy_function(&options).await.expect("a no-op");
        assert!(
            again.plan.is_no_op(),
            "after a cut at {failed}: {}",
            again.plan
        );
        step += 1;
    }
    assert!(step > 8, "the deploy had only {} changing calls", step - 1);
}

/// A route another function of the manifest declares too is a plan error before any call.
#[tokio::test]
async fn a_route_two_functions_declare_is_refused_in_the_plan() {
    let setup = setup();
    let recorder = CallRecorder::new();
    let adapter = adapter_with(&setup, vec![Interceptor::Record(recorder.clone())]).await;
    let mut options = options(&setup, "echo");
    options.function.triggers = vec![http("GET", "/users", None)];
    let mut other = options.function.clone();
    other.name = "other".into();
    options.app_functions = vec![options.function.clone(), other];
    let error = adapter.plan(&options).await.expect_err("a shared route");
    assert!(
        error
            .to_string()
            .contains("route `GET /users` is also declared by function `other`"),
        "{error}"
    );
    assert_eq!(recorder.changing_calls(), Vec::<String>::new());
}

/// python3.7: Lambda has refused to create functions on it since 2024-01-09 (updates until
/// 2027-03-03). A function that does not exist yet is a plan error naming the manifest field,
/// found by reads alone; deploying it changes nothing.
#[tokio::test]
async fn creating_a_function_on_a_runtime_past_block_create_is_refused_before_any_change() {
    let setup = setup();
    let recorder = CallRecorder::new();
    let adapter = adapter_with(&setup, vec![Interceptor::Record(recorder.clone())]).await;
    let mut options = options(&setup, "pyecho");
    options.function.runtime = "python3.7".into();
    let error = adapter.plan(&options).await.expect_err("not deployable");
    let text = error.to_string();
    assert!(
        text.contains(
            "functions.pyecho.runtime: AWS Lambda refuses to create functions on `python3.7` since 2024-01-09"
        ) && text.contains("use `python3.14`"),
        "{text}"
    );
    assert!(
        matches!(error, AdapterError::InvalidRequest { .. }),
        "{error:?}"
    );
    assert_eq!(recorder.changing_calls(), Vec::<String>::new());
    let error = adapter
        .deploy_function(&options)
        .await
        .expect_err("not deployed");
    assert!(error.to_string().contains("refuses to create"), "{error}");
    assert_eq!(recorder.changing_calls(), Vec::<String>::new());
    let listed = adapter
        .list(functory_adapter::ListOptions::default())
        .await
        .expect("list");
    assert!(listed.iter().all(|f| f.name != "pyecho"), "{listed:?}");
}

/// nodejs12.x: neither created nor updated since 2023-04-30. Refused before any call at all.
#[tokio::test]
async fn a_runtime_past_block_update_is_refused_before_any_call() {
    let setup = setup();
    let recorder = CallRecorder::new();
    let adapter = adapter_with(&setup, vec![Interceptor::Record(recorder.clone())]).await;
    let mut options = options(&setup, "echo");
    options.function.runtime = "nodejs12.x".into();
    let error = adapter.plan(&options).await.expect_err("not deployable");
    let text = error.to_string();
    assert!(
        text.contains(
            "functions.echo.runtime: AWS Lambda refuses to create or update functions on `nodejs12.x` since 2023-04-30"
        ) && text.contains("use `nodejs24.x`"),
        "{text}"
    );
    assert_eq!(recorder.calls(), Vec::<String>::new());
}

/// A current runtime plans as before: the catalogue only refuses what Lambda refuses.
#[tokio::test]
async fn the_newest_runtimes_plan_and_deploy() {
    let setup = setup();
    let adapter = adapter_with(&setup, vec![]).await;
    for (function, runtime) in [("echo", "nodejs24.x"), ("pyecho", "python3.14")] {
        let mut options = options(&setup, function);
        options.function.runtime = runtime.into();
        adapter
            .deploy_function(&options)
            .await
            .unwrap_or_else(|e| panic!("{runtime}: {e}"));
        let described = adapter
            .describe(functory_adapter::DescribeOptions::new(function))
            .await
            .expect("describe");
        assert_eq!(described.summary.runtime, runtime);
    }
}

/// ~`bytes` of data that deflate cannot shrink (xorshift), so the zip stays over the limit.
fn incompressible(path: &std::path::Path, bytes: usize) {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut data = Vec::with_capacity(bytes);
    while data.len() < bytes {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        data.extend_from_slice(&seed.to_le_bytes());
    }
    std::fs::write(path, data).expect("a large file");
}

#[tokio::test]
async fn a_package_over_50_mb_goes_through_the_code_bucket() {
    let setup = setup();
    incompressible(&setup.fixture.root.join("node/model.bin"), 51 * 1024 * 1024);

    // Without a code bucket the plan says what to set.
    let adapter = adapter_with(&setup, vec![]).await;
    let error = adapter
        .plan(&options(&setup, "echo"))
        .await
        .expect_err("too big to send directly");
    assert!(
        error
            .to_string()
            .contains("set `code_bucket = \"BUCKET\"` in [targets.prod]"),
        "{error}"
    );

    aws(
        &setup,
        &["s3api", "create-bucket", "--bucket", "functory-code"],
    );
    let recorder = CallRecorder::new();
    let session = session(&setup).await;
    let adapter = AwsAdapter::builder(&session)
        .settings(AwsSettings {
            cache_dir: Some(setup.cache.path().to_owned()),
            code_bucket: Some("functory-code".into()),
            ..AwsSettings::fast()
        })
        .interceptor(recorder.clone())
        .build();
    let first = adapter
        .deploy_function(&options(&setup, "echo"))
        .await
        .expect("deploy through S3");
    assert_eq!(
        first.plan.calls(),
        [
            "CreateRole",
            "PutRolePolicy",
            "PutObject",
            "CreateFunction",
            "PublishVersion",
            "CreateAlias"
        ]
    );
    assert_eq!(recorder.changing_calls(), first.plan.calls());
    assert!(first.plan.package_bytes > 50 * 1024 * 1024);
    // The object is content-addressed, and Lambda took its code from it.
    let listed = aws(
        &setup,
        &[
            "s3api",
            "list-objects-v2",
            "--bucket",
            "functory-code",
            "--prefix",
            "functory/conformance/echo/",
        ],
    );
    let key = listed["Contents"][0]["Key"].as_str().expect("the package");
    let digest = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        &first.code_sha256,
    )
    .expect("base64");
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(key, format!("functory/conformance/echo/{hex}.zip"));
    assert_eq!(
        listed["Contents"][0]["Size"].as_u64(),
        Some(first.plan.package_bytes)
    );
    let function = aws(
        &setup,
        &["lambda", "get-function", "--function-name", "echo"],
    );
    assert_eq!(
        function["Configuration"]["CodeSha256"],
        first.code_sha256.as_str()
    );

    // Unchanged: nothing goes up again.
    recorder.clear();
    let again = adapter
        .deploy_function(&options(&setup, "echo"))
        .await
        .expect("no change");
    assert!(!again.uploaded);
    assert_eq!(recorder.changing_calls(), Vec::<String>::new());

    // Changed: a new object, then the code update from it.
    std::fs::write(
        setup.fixture.root.join("node/echo.js"),
        "exports.handler = async (event) => ({ big: true, event });\n",
    )
    .expect("edit");
    recorder.clear();
    let changed = adapter
        .deploy_function(&options(&setup, "echo"))
        .await
        .expect("update through S3");
    assert_eq!(
        changed.plan.calls(),
        [
            "PutObject",
            "UpdateFunctionCode",
            "TagResource",
            "PublishVersion",
            "UpdateAlias"
        ]
    );
    assert_eq!(recorder.changing_calls(), changed.plan.calls());
    let function = aws(
        &setup,
        &["lambda", "get-function", "--function-name", "echo"],
    );
    assert_eq!(
        function["Configuration"]["CodeSha256"],
        changed.code_sha256.as_str()
    );
}

#[tokio::test]
async fn live_tail_reads_the_log_group_through_start_live_tail_on_moto() {
    let setup = setup();
    let adapter = adapter_with(&setup, vec![]).await;
    adapter
        .deploy_function(&options(&setup, "echo"))
        .await
        .expect("deploy");
    // Before any line: the group does not exist, and the error says what to do.
    let none = adapter.live_tail(TailOptions::new("echo")).await;
    assert!(
        none.as_ref().is_err_and(|e| e
            .to_string()
            .contains("invoke it, then start the live tail")),
        "{:?}",
        none.err()
    );
    let session = session(&setup).await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(session.sdk_config());
    let group = "/aws/lambda/echo";
    let stream_name = "2026/12/02/[1]live";
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
    let id = "5d1c3a7e-6c1b-4f0e-9a3b-1f2e3d4c5b6a";
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let mut request = logs
        .put_log_events()
        .log_group_name(group)
        .log_stream_name(stream_name);
    for (t, message) in [
        (now - 30, format!("START RequestId: {id} Version: 1\n")),
        (now - 20, "a bare print\n".to_owned()),
        (
            now - 10,
            format!("2026-12-02T10:00:00.000Z\t{id}\tERROR\tboom\n"),
        ),
    ] {
        request = request.log_events(
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(t)
                .message(message)
                .build()
                .expect("an event"),
        );
    }
    request.send().await.expect("put events");

    // moto answers StartLiveTail with one session update holding the group's events, then
    // ends the session; the request reached it only because the `stream-` prefix came off.
    let mut tail = adapter
        .live_tail(TailOptions::new("echo"))
        .await
        .expect("a live tail session");
    let mut events = Vec::new();
    while let Some(event) = tail.next().await {
        events.push(event.expect("an event"));
    }
    assert_eq!(events.len(), 3, "{events:#?}");
    assert!(events.iter().all(|e| e.request_id.as_deref() == Some(id)));
    assert_eq!(events[1].message, "a bare print");
    assert_eq!(events[2].level, Some(functory_adapter::LogLevel::Error));
}

#[tokio::test]
async fn two_targets_in_one_account_keep_their_own_roles_schedules_and_notifications() {
    use functory_core::Trigger;
    let setup = setup();
    aws(&setup, &["s3api", "create-bucket", "--bucket", "inbox"]);
    let adapter = adapter_with(&setup, vec![]).await;
    let mut prod = options(&setup, "echo");
    prod.function.triggers = vec![
        Trigger::Schedule {
            expression: "rate(5 minutes)".into(),
            timezone: None,
        },
        Trigger::Storage {
            bucket: "inbox".into(),
            prefix: Some("in/".into()),
            suffix: None,
            events: None,
        },
    ];
    // One queue per target: a queue feeds one consumer, but each target's mapping is its own.
    aws(
        &setup,
        &["sqs", "create-queue", "--queue-name", "jobs-prod"],
    );
    aws(&setup, &["sqs", "create-queue", "--queue-name", "jobs-dev"]);
    prod.function.triggers.push(Trigger::Queue {
        queue: "jobs-prod".into(),
        batch_size: None,
    });
    let mut dev = prod.clone();
    dev.stage = Some("dev".into());
    dev.function.triggers[2] = Trigger::Queue {
        queue: "jobs-dev".into(),
        batch_size: None,
    };
    let deployed = adapter.deploy_function(&prod).await.expect("deploy prod");
    let function_arn = deployed.resource_id.clone();
    adapter.deploy_function(&dev).await.expect("deploy dev");

    // Each target has its own execution role and scheduler role, and its stage's version runs
    // as its own role.
    for stage in ["prod", "dev"] {
        let role = aws(
            &setup,
            &[
                "iam",
                "get-role",
                "--role-name",
                &format!("functory-conformance-{stage}-echo"),
            ],
        );
        let alias = aws(
            &setup,
            &[
                "lambda",
                "get-function-configuration",
                "--function-name",
                "echo",
                "--qualifier",
                stage,
            ],
        );
        assert_eq!(alias["Role"], role["Role"]["Arn"], "{stage}");
        let schedule = aws(
            &setup,
            &[
                "scheduler",
                "get-schedule",
                "--name",
                &format!("functory-conformance-{stage}-echo-1"),
            ],
        );
        assert_eq!(schedule["Target"]["Arn"], format!("{function_arn}:{stage}"));
        let scheduler_role = aws(
            &setup,
            &[
                "iam",
                "get-role",
                "--role-name",
                &format!("functory-conformance-{stage}-echo-scheduler"),
            ],
        );
        assert_eq!(schedule["Target"]["RoleArn"], scheduler_role["Role"]["Arn"]);
    }
    let notifications = || {
        let config = aws(
            &setup,
            &[
                "s3api",
                "get-bucket-notification-configuration",
                "--bucket",
                "inbox",
            ],
        );
        let mut entries = lambda_entries(&config);
        entries.sort();
        entries
    };
    assert_eq!(
        notifications(),
        [
            (
                "functory-conformance-dev-echo-1".to_owned(),
                format!("{function_arn}:dev")
            ),
            (
                "functory-conformance-prod-echo-1".to_owned(),
                format!("{function_arn}:prod")
            ),
        ]
    );
    for stage in ["prod", "dev"] {
        let mappings = aws(
            &setup,
            &[
                "lambda",
                "list-event-source-mappings",
                "--function-name",
                &format!("echo:{stage}"),
            ],
        );
        let sources: Vec<&str> = mappings["EventSourceMappings"]
            .as_array()
            .expect("mappings")
            .iter()
            .filter_map(|m| m["EventSourceArn"].as_str())
            .collect();
        assert_eq!(
            sources,
            [format!("arn:aws:sqs:us-east-1:123456789012:jobs-{stage}")],
            "{stage}"
        );
    }
    // Neither deploy undid the other.
    for (stage, options) in [("prod", &prod), ("dev", &dev)] {
        let plan = adapter.plan(options).await.expect("plan");
        assert!(plan.is_no_op(), "{stage}: {plan}");
    }

    // Dev drops its triggers: only dev's schedule, scheduler role and entry go.
    dev.function.triggers.clear();
    adapter.deploy_function(&dev).await.expect("deploy dev");
    assert_eq!(schedule_names(&setup), ["functory-conformance-prod-echo-1"]);
    assert_eq!(
        notifications(),
        [(
            "functory-conformance-prod-echo-1".to_owned(),
            format!("{function_arn}:prod")
        )]
    );
    let plan = adapter.plan(&prod).await.expect("plan prod");
    assert!(plan.is_no_op(), "{plan}");
}

#[tokio::test]
async fn a_deploy_takes_over_its_stage_s_schedules_named_before_names_carried_the_target() {
    use functory_core::Trigger;
    let setup = setup();
    let adapter = adapter_with(&setup, vec![]).await;
    let mut prod = options(&setup, "echo");
    let deployed = adapter.deploy_function(&prod).await.expect("deploy");
    let function_arn = deployed.resource_id.clone();
    // What an earlier Functory left: schedules named after the project alone, one invoking
    // this stage and one invoking another target's.
    for (name, stage) in [
        ("functory-conformance-echo-1", "prod"),
        ("functory-conformance-echo-2", "dev"),
    ] {
        aws(
            &setup,
            &[
                "scheduler",
                "create-schedule",
                "--name",
                name,
                "--schedule-expression",
                "rate(5 minutes)",
                "--flexible-time-window",
                "Mode=OFF",
                "--target",
                &format!(
                    "Arn={function_arn}:{stage},RoleArn=arn:aws:iam::123456789012:role/functory-conformance-echo-scheduler"
                ),
            ],
        );
    }
    prod.function.triggers = vec![Trigger::Schedule {
        expression: "rate(5 minutes)".into(),
        timezone: None,
    }];
    let plan = adapter.plan(&prod).await.expect("plan");
    let calls = plan.calls();
    assert!(
        calls.contains(&"CreateSchedule".to_owned())
            && calls.contains(&"DeleteSchedule".to_owned()),
        "{plan}"
    );
    adapter.deploy_function(&prod).await.expect("deploy");
    // Prod's earlier schedule became the new name; dev's is left for dev's deploy.
    assert_eq!(
        schedule_names(&setup),
        [
            "functory-conformance-echo-2",
            "functory-conformance-prod-echo-1"
        ]
    );
    assert!(adapter.plan(&prod).await.expect("plan").is_no_op());
}

#[tokio::test]
async fn topic_and_event_triggers_become_subscriptions_and_rules_on_the_stage_and_go_with_the_manifest()
 {
    use functory_core::Trigger;
    let setup = setup();
    let topic = aws(&setup, &["sns", "create-topic", "--name", "orders-placed"]);
    let topic_arn = topic["TopicArn"].as_str().expect("a topic").to_owned();
    aws(
        &setup,
        &["events", "create-event-bus", "--name", "shop-bus"],
    );
    let recorder = CallRecorder::new();
    let adapter = adapter_with(&setup, vec![Interceptor::Record(recorder.clone())]).await;
    let mut options = options(&setup, "echo");
    options.function.triggers = vec![
        Trigger::Topic {
            topic: "orders-placed".into(),
            filter_policy: Some(r#"{"country": ["FR"]}"#.into()),
            filter_policy_scope: None,
        },
        Trigger::Event {
            bus: Some("shop-bus".into()),
            pattern: r#"{"source": ["shop"]}"#.into(),
        },
        Trigger::Event {
            bus: None,
            pattern: r#"{"detail-type": ["Tick"]}"#.into(),
        },
    ];
    let first = adapter
        .deploy_function(&options)
        .await
        .expect("deploy with a topic and rules");
    assert_eq!(recorder.changing_calls(), first.plan.calls());
    let target = format!("{}:prod", first.resource_id);

    // What SNS and EventBridge hold, read with the aws CLI.
    let subscriptions = aws(
        &setup,
        &[
            "sns",
            "list-subscriptions-by-topic",
            "--topic-arn",
            &topic_arn,
        ],
    );
    let ours: Vec<&serde_json::Value> = subscriptions["Subscriptions"]
        .as_array()
        .expect("subscriptions")
        .iter()
        .filter(|s| s["Protocol"] == "lambda" && s["Endpoint"] == target.as_str())
        .collect();
    assert_eq!(ours.len(), 1, "{subscriptions}");
    let attributes = aws(
        &setup,
        &[
            "sns",
            "get-subscription-attributes",
            "--subscription-arn",
            ours[0]["SubscriptionArn"].as_str().expect("an ARN"),
        ],
    );
    let policy: serde_json::Value = serde_json::from_str(
        attributes["Attributes"]["FilterPolicy"]
            .as_str()
            .expect("a filter policy"),
    )
    .expect("JSON");
    assert_eq!(policy, serde_json::json!({"country": ["FR"]}));
    for (bus, name, pattern) in [
        (
            "shop-bus",
            "functory-conformance-prod-echo-1",
            serde_json::json!({"source": ["shop"]}),
        ),
        (
            "default",
            "functory-conformance-prod-echo-2",
            serde_json::json!({"detail-type": ["Tick"]}),
        ),
    ] {
        let rule = aws(
            &setup,
            &[
                "events",
                "describe-rule",
                "--name",
                name,
                "--event-bus-name",
                bus,
            ],
        );
        let written: serde_json::Value =
            serde_json::from_str(rule["EventPattern"].as_str().expect("a pattern")).expect("JSON");
        assert_eq!(written, pattern, "{name}");
        let targets = aws(
            &setup,
            &[
                "events",
                "list-targets-by-rule",
                "--rule",
                name,
                "--event-bus-name",
                bus,
            ],
        );
        assert_eq!(targets["Targets"][0]["Arn"], target.as_str(), "{name}");
    }
    let statements = aws(
        &setup,
        &[
            "lambda",
            "get-policy",
            "--function-name",
            "echo",
            "--qualifier",
            "prod",
        ],
    );
    let document = statements["Policy"].as_str().expect("a policy");
    for principal in ["sns.amazonaws.com", "events.amazonaws.com"] {
        assert!(document.contains(principal), "{document}");
    }

    // Nothing changed: nothing to do.
    let again = adapter.plan(&options).await.expect("plan");
    assert!(again.is_no_op(), "{again}");

    // A changed filter policy is set in place.
    options.function.triggers[0] = Trigger::Topic {
        topic: "orders-placed".into(),
        filter_policy: Some(r#"{"country": ["DE"]}"#.into()),
        filter_policy_scope: Some("MessageBody".into()),
    };
    recorder.clear();
    let changed = adapter.deploy_function(&options).await.expect("change");
    assert_eq!(
        changed.plan.calls(),
        ["SetSubscriptionAttributes", "SetSubscriptionAttributes"]
    );
    assert_eq!(recorder.changing_calls(), changed.plan.calls());
    assert!(adapter.plan(&options).await.expect("plan").is_no_op());

    // Gone from the manifest: the subscription, the rules and their permissions go.
    options.function.triggers.clear();
    recorder.clear();
    let removed = adapter.deploy_function(&options).await.expect("remove");
    assert_eq!(recorder.changing_calls(), removed.plan.calls());
    let calls = removed.plan.calls();
    for call in [
        "Unsubscribe",
        "DeleteRule",
        "RemoveTargets",
        "RemovePermission",
    ] {
        assert!(calls.iter().any(|c| c == call), "{call} in {calls:?}");
    }
    let left = aws(
        &setup,
        &[
            "sns",
            "list-subscriptions-by-topic",
            "--topic-arn",
            &topic_arn,
        ],
    );
    assert_eq!(left["Subscriptions"], serde_json::json!([]));
    let rules = aws(
        &setup,
        &["events", "list-rules", "--event-bus-name", "shop-bus"],
    );
    assert_eq!(rules["Rules"], serde_json::json!([]));
    assert!(adapter.plan(&options).await.expect("plan").is_no_op());
}

/// The functions of one deploy share one listing of Functory's schedules: each function takes
/// only those that invoke it, a removed trigger's schedule is still found and deleted, and the
/// listing is made once for all of them, not two listings per function.
#[tokio::test]
async fn functions_of_one_deploy_share_one_listing_of_schedules() {
    use functory_adapter::SharedReads;
    use functory_core::Trigger;
    let setup = setup();
    let recorder = CallRecorder::new();
    let adapter = adapter_with(&setup, vec![Interceptor::Record(recorder.clone())]).await;
    let every_five = Trigger::Schedule {
        expression: "rate(5 minutes)".into(),
        timezone: None,
    };
    let nightly = Trigger::Schedule {
        expression: "cron(0 2 * * ? *)".into(),
        timezone: None,
    };
    let deploy = |functions: Vec<(&'static str, Vec<Trigger>)>| {
        let shared = SharedReads::new();
        let adapter = &adapter;
        let setup = &setup;
        async move {
            for (name, triggers) in functions {
                let mut options = options(setup, name);
                options.function.triggers = triggers;
                options.shared_reads = shared.clone();
                adapter.deploy_function(&options).await.expect("deploy");
            }
        }
    };
    deploy(vec![
        ("echo", vec![every_five.clone(), nightly.clone()]),
        ("pyecho", vec![every_five.clone()]),
    ])
    .await;
    assert_eq!(
        schedule_names(&setup),
        [
            "functory-conformance-prod-echo-1",
            "functory-conformance-prod-echo-2",
            "functory-conformance-prod-pyecho-1"
        ]
    );

    // Planned together with shared reads: nothing changes, with one listing for both.
    recorder.clear();
    let shared = SharedReads::new();
    for (name, triggers) in [
        ("echo", vec![every_five.clone(), nightly.clone()]),
        ("pyecho", vec![every_five.clone()]),
    ] {
        let mut options = options(&setup, name);
        options.function.triggers = triggers;
        options.shared_reads = shared.clone();
        let plan = adapter.plan(&options).await.expect("plan");
        assert!(plan.is_no_op(), "{plan}");
    }
    let count = |operation: &str| recorder.calls().iter().filter(|c| *c == operation).count();
    assert_eq!(count("ListSchedules"), 1);
    assert_eq!(
        count("GetSchedule"),
        3,
        "each function reads its own schedules"
    );

    // echo's nightly schedule removed, pyecho unchanged: only echo's second schedule goes.
    recorder.clear();
    deploy(vec![
        ("echo", vec![every_five.clone()]),
        ("pyecho", vec![every_five.clone()]),
    ])
    .await;
    assert_eq!(recorder.changing_calls(), ["DeleteSchedule"]);
    assert_eq!(
        schedule_names(&setup),
        [
            "functory-conformance-prod-echo-1",
            "functory-conformance-prod-pyecho-1"
        ]
    );
}
