//! The Google Cloud Functions adapter against a fake of Google's REST APIs (`fake/`), whose
//! deployed functions run for real with the machine's `node` and `python3` behind a stand-in
//! Functions Framework: the conformance suite, planned deploys whose calls are counted against
//! the plan, the mapping of schedules, memory and triggers, deploys cut part-way that converge,
//! errors that name the sign-in, the call and the resource, and a secret canary. Live tails
//! (`LogFollowMode::Stream`) run against a fake of Cloud Logging's gRPC `TailLogEntries`
//! (`fake_grpc/`) that streams the same fake's log entries.

mod fake;
mod fake_grpc;

use std::path::Path;
use std::sync::{Arc, Mutex};

use fake::{FakeGoogle, Fault, ServiceAccountKeyPair};
use fake_grpc::FakeTail;
use functory_adapter::conformance::{self, Fixture};
use functory_adapter::{
    Adapter, AdapterError, ChangeAction, CloudAdapter, DeployOptions, DeployProgress,
    InvocationType, InvokeOptions, ListOptions, LogFilter, ProgressSink, TailOptions,
};
use functory_core::manifest::EnvVar;
use functory_core::{Function, Permission, PermissionEffect, Trigger, UrlAuth};
use functory_gcp::mapping::{memory_size, unix_cron};
use functory_gcp::{GcpAdapter, GcpSettings, GoogleCredentials, GoogleEndpoints, LogFollowMode};
use functory_vault::{Account, GcpServiceAccount, Sensitive};
use futures_util::StreamExt;
use serde_json::json;

const PROJECT: &str = "functory-demo";
const REGION: &str = "europe-west1";
const DEPLOYER: &str = "deployer@functory-demo.iam.gserviceaccount.com";

struct World {
    fake: FakeGoogle,
    key: ServiceAccountKeyPair,
    adapter: GcpAdapter,
}

fn keychain_credentials(fake: &FakeGoogle, key: &ServiceAccountKeyPair) -> GoogleCredentials {
    let account = Account::gcp(
        "gcp-ci",
        GcpServiceAccount {
            key_json: key.key_file(PROJECT, &fake.token_uri()).into(),
        },
    )
    .expect("a key file the vault accepts");
    GoogleCredentials::keychain(&account).expect("a Google account")
}

fn adapter_for(fake: &FakeGoogle, credentials: GoogleCredentials, project: &str) -> GcpAdapter {
    GcpAdapter::builder()
        .credentials(credentials)
        .project(project)
        .region(REGION)
        .endpoints(GoogleEndpoints::all_at(fake.base()))
        .settings(GcpSettings::fast())
        .build()
        .expect("a valid adapter")
}

async fn world() -> World {
    let fake = FakeGoogle::start(PROJECT, REGION).await;
    let key = ServiceAccountKeyPair::generate(DEPLOYER);
    fake.register_service_account(&key);
    let adapter = adapter_for(&fake, keychain_credentials(&fake, &key), PROJECT);
    World { fake, key, adapter }
}

fn function(name: &str, runtime: &str, handler: &str) -> Function {
    Function {
        name: name.into(),
        runtime: runtime.into(),
        handler: handler.into(),
        code_dir: ".".into(),
        handler_file: None,
        memory_mb: 128,
        timeout_s: 10,
        environment: vec![],
        triggers: vec![],
        permissions: vec![],
    }
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("a folder");
    std::fs::write(path, text).expect("a file");
}

/// Lines a deploy reported, for checking its progress.
fn progress_recorder() -> (ProgressSink, Arc<Mutex<Vec<DeployProgress>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let seen = seen.clone();
        ProgressSink::new(move |p| seen.lock().expect("progress").push(p))
    };
    (sink, seen)
}

/// Reads stored logs until `done` holds, a bounded number of times (no clock involved).
async fn logs_until(
    adapter: &GcpAdapter,
    options: &TailOptions,
    done: impl Fn(&[functory_adapter::LogEvent]) -> bool,
) -> Vec<functory_adapter::LogEvent> {
    let mut events = Vec::new();
    for _ in 0..200 {
        events.clear();
        let mut stream = adapter.tail_logs(options.clone()).await.expect("tail_logs");
        while let Some(event) = stream.next().await {
            events.push(event.expect("a log event"));
        }
        if done(&events) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_against_the_fake() {
    let world = world().await;
    let dir = tempfile::tempdir().expect("a project folder");
    let fixture = Fixture::write(dir.path()).expect("the fixture project");
    let adapter: &dyn Adapter = &world.adapter;
    // Every behaviour applies. `asynchronous_and_dry_run_invokes` checks the dry run and then
    // stops, as the capabilities say: an HTTP function has no asynchronous invoke on Google.
    conformance::run_all(adapter, &fixture).await;
    conformance::versions_and_stages_are_as_declared(&world.adapter, &fixture).await;
    conformance::trigger_kinds_are_as_declared(&world.adapter, &fixture).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_create_no_change_and_change_make_exactly_the_planned_calls() {
    let world = world().await;
    let (fake, adapter) = (&world.fake, &world.adapter);
    let dir = tempfile::tempdir().expect("a project folder");
    let root = dir.path();
    write(
        root,
        "src/app.js",
        r#"exports.handler = async (event, context) => {
  if (event['detail-type'] === 'Scheduled Event') {
    console.log(`tick from ${event.resources[0]}`);
    return;
  }
  return { statusCode: 201, headers: { 'x-app': 'hello' }, body: `path ${event.rawPath} q ${event.queryStringParameters && event.queryStringParameters.q} v${process.env.VERSION}` };
};
"#,
    );
    let mut f = function("hello", "nodejs24.x", "src/app.handler");
    f.environment = vec![EnvVar {
        key: "VERSION".into(),
        value: "1".into(),
    }];
    f.triggers = vec![
        Trigger::Url {
            auth: UrlAuth::None,
            cors: None,
        },
        Trigger::Schedule {
            expression: "rate(5 minutes)".into(),
            timezone: Some("Europe/Paris".into()),
        },
    ];
    let mut options = DeployOptions::new(root, f.clone());
    options.project = Some("shop".into());
    options.stage = Some("prod".into());
    options.commit = Some("0123456789abcdef0123456789abcdef01234567".into());

    // Create: the plan's calls are the calls made.
    let plan = adapter.plan(&options).await.expect("a plan");
    assert_eq!(
        plan.calls(),
        [
            "GenerateUploadUrl",
            "PUT uploadUrl",
            "CreateFunction",
            "SetIamPolicy",
            "CreateJob"
        ]
    );
    let text = plan.to_string();
    assert!(text.contains("runtime nodejs24.x → nodejs24"), "{text}");
    assert!(
        text.contains("memory 128 MB → 128Mi, with 0.083 vCPU"),
        "{text}"
    );
    assert!(text.contains("`*/5 * * * *`"), "{text}");
    assert!(text.contains("+allUsers"), "{text}");
    assert!(
        fake.changing_calls().is_empty(),
        "planning changed something"
    );
    let (sink, seen) = progress_recorder();
    options.progress = Some(sink);
    let outcome = adapter.deploy_function(&options).await.expect("deploy");
    assert!(outcome.uploaded);
    assert_eq!(fake.changing_calls(), plan.calls());
    assert_eq!(
        outcome.resource_id,
        format!("projects/{PROJECT}/locations/{REGION}/functions/hello")
    );
    assert_eq!(outcome.version, "hello-00001-abc");
    let steps = seen.lock().expect("progress").clone();
    assert!(
        steps.windows(2).all(|w| w[0].step <= w[1].step),
        "{steps:#?}"
    );
    let last = steps.last().expect("progress was reported");
    assert_eq!((last.step, last.label.as_str()), (last.steps, "done"));
    for stage in ["ARTIFACT_REGISTRY", "BUILD", "SERVICE", "TRIGGER"] {
        assert!(
            steps.iter().any(|s| s.label.starts_with(stage)),
            "no progress for {stage}: {steps:#?}"
        );
    }

    // What was deployed: labels, the scheduler job, the public URL.
    let deployed = fake.function("hello").expect("the function");
    assert_eq!(deployed["labels"]["functory-project"], "shop");
    assert_eq!(
        deployed["labels"]["functory-sha256"],
        outcome.code_sha256[..63]
    );
    assert_eq!(
        deployed["labels"]["functory-commit"],
        "0123456789abcdef0123456789abcdef01234567"
    );
    assert_eq!(deployed["buildConfig"]["entryPoint"], "functoryEntry");
    let job = fake
        .job("functory-hello-schedule-1")
        .expect("the scheduler job");
    assert_eq!(job["schedule"], "*/5 * * * *");
    assert_eq!(job["timeZone"], "Europe/Paris");
    let uri = deployed["serviceConfig"]["uri"]
        .as_str()
        .expect("a URL")
        .to_owned();
    assert_eq!(job["httpTarget"]["uri"], uri);
    let invokers = fake.policy("hello")["bindings"][0]["members"].clone();
    assert!(
        invokers
            .as_array()
            .expect("members")
            .contains(&json!("allUsers")),
        "{invokers}"
    );
    // Anyone may call it: the request becomes an HTTP API 2.0 event, the result a response.
    let response = reqwest::get(format!("{uri}/shop/items?q=socks"))
        .await
        .expect("the public URL answers");
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(response.headers()["x-app"], "hello");
    assert_eq!(
        response.text().await.expect("a body"),
        "path /shop/items q socks v1"
    );
    // The schedule calls it with the job's OIDC identity, which was granted the invoker role.
    assert_eq!(fake.run_job("functory-hello-schedule-1").await, 200);
    assert!(
        fake.messages("hello").iter().any(|m| m.contains(
            "tick from projects/functory-demo/locations/europe-west1/jobs/functory-hello-schedule-1"
        )),
        "{:#?}",
        fake.messages("hello")
    );

    // No change: nothing is uploaded, nothing changes.
    fake.clear_calls();
    options.progress = None;
    options.commit = Some("fedcba9876543210fedcba9876543210fedcba98".into());
    let plan = adapter.plan(&options).await.expect("a plan");
    assert!(plan.is_no_op(), "{plan}");
    let outcome = adapter.deploy_function(&options).await.expect("redeploy");
    assert!(!outcome.uploaded);
    assert_eq!(outcome.version, "hello-00001-abc");
    assert!(
        fake.changing_calls().is_empty(),
        "{:?}",
        fake.changing_calls()
    );

    // Configuration only: one patch whose mask names exactly what changed.
    options.function.memory_mb = 1000;
    options.function.environment[0].value = "2".into();
    let plan = adapter.plan(&options).await.expect("a plan");
    assert_eq!(plan.calls(), ["UpdateFunction"]);
    let text = plan.to_string();
    assert!(
        text.contains(
            "updateMask serviceConfig.availableMemory,serviceConfig.environmentVariables,labels"
        ),
        "{text}"
    );
    assert!(text.contains("memory 1000 MB → 1Gi (rounded up"), "{text}");
    assert!(
        text.contains("environment ~FUNCTORY_MEMORY_MB ~VERSION"),
        "{text}"
    );
    adapter.deploy_function(&options).await.expect("deploy");
    assert_eq!(fake.changing_calls(), plan.calls());
    let deployed = fake.function("hello").expect("the function");
    assert_eq!(deployed["serviceConfig"]["availableMemory"], "1Gi");
    assert_eq!(
        deployed["labels"]["functory-commit"],
        "fedcba9876543210fedcba9876543210fedcba98"
    );
    let body = reqwest::get(format!("{uri}/"))
        .await
        .expect("an answer")
        .text()
        .await
        .expect("a body");
    assert!(body.ends_with("v2"), "{body}");

    // Code: a new upload, then the patch; the schedule and the URL stay as they are.
    fake.clear_calls();
    write(
        root,
        "src/app.js",
        "exports.handler = async () => ({ statusCode: 200, body: 'new code' });\n",
    );
    let plan = adapter.plan(&options).await.expect("a plan");
    assert_eq!(
        plan.calls(),
        ["GenerateUploadUrl", "PUT uploadUrl", "UpdateFunction"]
    );
    assert!(
        plan.to_string()
            .contains("updateMask buildConfig.source,labels"),
        "{plan}"
    );
    adapter.deploy_function(&options).await.expect("deploy");
    assert_eq!(fake.changing_calls(), plan.calls());
    let body = reqwest::get(&uri)
        .await
        .expect("an answer")
        .text()
        .await
        .expect("a body");
    assert_eq!(body, "new code");

    // Triggers dropped from the manifest are removed: the job, the public access.
    fake.clear_calls();
    options.function.triggers.clear();
    let plan = adapter.plan(&options).await.expect("a plan");
    assert_eq!(plan.calls(), ["SetIamPolicy", "DeleteJob"]);
    let removal = plan
        .changes
        .iter()
        .find(|c| c.calls == ["SetIamPolicy"])
        .expect("the permission change");
    assert_eq!(removal.action, ChangeAction::Delete);
    adapter.deploy_function(&options).await.expect("deploy");
    assert_eq!(fake.changing_calls(), plan.calls());
    assert!(fake.job_ids().is_empty());
    let members = fake.policy("hello")["bindings"].clone();
    assert!(
        !members.to_string().contains("allUsers"),
        "still public: {members}"
    );
    let status = reqwest::get(&uri).await.expect("an answer").status();
    assert_eq!(
        status.as_u16(),
        401,
        "a private URL refuses anonymous calls"
    );
}

#[test]
fn eventbridge_schedules_become_unix_cron() {
    let table: &[(&str, Result<&str, &str>)] = &[
        ("rate(1 minute)", Ok("* * * * *")),
        ("rate(5 minutes)", Ok("*/5 * * * *")),
        ("rate(30 minutes)", Ok("*/30 * * * *")),
        ("rate(60 minutes)", Ok("0 * * * *")),
        ("rate(7 minutes)", Err("does not divide an hour evenly")),
        ("rate(1 hour)", Ok("0 * * * *")),
        ("rate(6 hours)", Ok("0 */6 * * *")),
        ("rate(5 hours)", Err("does not divide a day")),
        ("rate(90 minutes)", Err("does not divide a day")),
        ("rate(1 day)", Ok("0 0 * * *")),
        ("rate(24 hours)", Ok("0 0 * * *")),
        ("rate(2 days)", Err("does not divide months evenly")),
        ("rate(0 minutes)", Err("not a positive whole number")),
        ("rate(5 fortnights)", Err("unknown unit")),
        ("cron(0 12 * * ? *)", Ok("0 12 * * *")),
        ("cron(15 10 ? * MON-FRI *)", Ok("15 10 * * 1-5")),
        ("cron(0/15 * * * ? *)", Ok("0-59/15 * * * *")),
        ("cron(5/10 8-17 ? * 2-6 *)", Ok("5-59/10 8-17 * * 1-5")),
        ("cron(0 8 1 JAN,JUL ? *)", Ok("0 8 1 1,7 *")),
        ("cron(0 18 ? * 1,7 *)", Ok("0 18 * * 0,6")),
        ("cron(0 18 ? * SUN *)", Ok("0 18 * * 0")),
        ("cron(0 0 L * ? *)", Err("`L` (last)")),
        ("cron(0 0 ? * 6L *)", Err("`L` (last weekday of the month)")),
        ("cron(0 0 1W * ? *)", Err("`W` (nearest weekday)")),
        ("cron(0 0 ? * 6#3 *)", Err("`#` (nth weekday of the month)")),
        ("cron(0 0 1 1 ? 2030)", Err("no year field")),
        ("cron(0 0 1 1 2 *)", Err("must be `?`")),
        ("cron(0 0 * *)", Err("has 6 fields")),
        (
            "cron(61 0 * * ? *)",
            Err("minute `61` is not between 0 and 59"),
        ),
        ("cron(0 0 ? * FRI-MON *)", Err("runs backwards")),
        (
            "every day",
            Err("must be `rate(value unit)` or `cron(fields)`"),
        ),
    ];
    for (expression, expected) in table {
        match (unix_cron(expression), expected) {
            (Ok(cron), Ok(want)) => assert_eq!(&cron, want, "{expression}"),
            (Err(problem), Err(want)) => {
                assert!(problem.contains(want), "{expression}: {problem}");
            }
            (got, want) => panic!("{expression}: got {got:?}, expected {want:?}"),
        }
    }
}

#[test]
fn memory_rounds_up_to_cloud_functions_sizes() {
    for (mb, size, cpu) in [
        (128, "128Mi", "0.083"),
        (200, "256Mi", "0.167"),
        (512, "512Mi", "0.333"),
        (1000, "1Gi", "0.583"),
        (1769, "2Gi", "1"),
        (3008, "4Gi", "2"),
        (10240, "16Gi", "4"),
    ] {
        assert_eq!(memory_size(mb), Ok((size, cpu)), "{mb} MB");
    }
    assert!(memory_size(40_000).unwrap_err().contains("32Gi"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_google_cannot_express_fails_the_plan_before_anything_changes() {
    let world = world().await;
    let dir = tempfile::tempdir().expect("a project folder");
    write(dir.path(), "bootstrap", "#!/bin/sh\n");
    let mut f = function("Resize_Image", "provided.al2023", "bootstrap");
    f.triggers = vec![
        Trigger::Http {
            method: "GET".into(),
            path: "/a".into(),
            auth: None,
            payload_version: None,
        },
        Trigger::Http {
            method: "POST".into(),
            path: "/b".into(),
            auth: None,
            payload_version: None,
        },
        Trigger::Stream {
            stream: "clicks".into(),
            batch_size: None,
            starting_position: None,
        },
        Trigger::Queue {
            queue: "orders".into(),
            batch_size: Some(10),
        },
        Trigger::Schedule {
            expression: "cron(0 0 L * ? *)".into(),
            timezone: None,
        },
    ];
    f.timeout_s = 900;
    f.environment = vec![EnvVar {
        key: "K_SERVICE".into(),
        value: "mine".into(),
    }];
    let error = world
        .adapter
        .plan(&DeployOptions::new(dir.path(), f))
        .await
        .expect_err("nothing of this maps");
    let AdapterError::InvalidRequest { message } = &error else {
        panic!("expected InvalidRequest, got {error:?}");
    };
    for expected in [
        "function `Resize_Image` cannot be deployed to Google Cloud Functions:",
        "rename it, for example to `resize-image`",
        "runtime `provided.al2023` is a custom runtime",
        "2 http triggers (GET /a, POST /b)",
        "stream trigger `clicks`: Cloud Functions has no Kinesis or DynamoDB streams",
        "schedule `cron(0 0 L * ? *)`: unix cron has no `L` (last)",
        "an event trigger (storage or queue) together with http, url or schedule triggers",
        "timeout 900 s is over the 540 s Cloud Functions allows event-driven functions",
        "environment variable `K_SERVICE` is reserved by Cloud Functions",
    ] {
        assert!(
            message.contains(expected),
            "missing `{expected}` in:\n{message}"
        );
    }
    assert!(world.fake.changing_calls().is_empty());
    assert!(
        world.fake.all_calls().is_empty(),
        "the plan failed before any call"
    );

    // What maps is said in the plan: the rounding, the permissions' meaning.
    write(
        dir.path(),
        "app.py",
        "def handler(event, context):\n    return event\n",
    );
    let mut f = function("resize", "python3.12", "app.handler");
    f.memory_mb = 1000;
    f.permissions = vec![Permission {
        effect: PermissionEffect::Allow,
        actions: vec!["s3:GetObject".into()],
        resources: vec!["*".into()],
    }];
    let plan = world
        .adapter
        .plan(&DeployOptions::new(dir.path(), f))
        .await
        .expect("a plan");
    let text = plan.to_string();
    assert!(
        text.contains(
            "memory 1000 MB → 1Gi (rounded up to a size Cloud Functions offers), with 0.583 vCPU"
        ),
        "{text}"
    );
    assert!(
        text.contains("IAM statements have no Google meaning"),
        "{text}"
    );
    assert!(
        text.contains("requirements.txt adds functions-framework==3.*"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploys_cut_part_way_converge_and_never_clobber_a_running_operation() {
    let world = world().await;
    let (fake, adapter) = (&world.fake, &world.adapter);
    let dir = tempfile::tempdir().expect("a project folder");
    let root = dir.path();
    let code = |n: u32| format!("exports.handler = async () => ({{ build: {n} }});\n");
    write(root, "index.js", &code(1));
    let options = DeployOptions::new(root, function("cut-me", "nodejs22.x", "index.handler"));
    let invoke_build = || async {
        adapter
            .invoke(InvokeOptions::new("cut-me", "{}"))
            .await
            .expect("invoke")
            .payload_json()
            .expect("JSON")["build"]
            .clone()
    };

    // Cut after the upload, before the create: nothing exists; the next deploy creates it.
    fake.inject(Fault::Cut {
        call: "CreateFunction".into(),
    });
    let error = adapter
        .deploy_function(&options)
        .await
        .expect_err("the connection was cut");
    assert_eq!(error.code(), "provider", "{error}");
    assert!(
        error
            .to_string()
            .contains("Cloud Functions CreateFunction `cut-me` for account `gcp-ci`"),
        "{error}"
    );
    assert!(fake.function("cut-me").is_none());
    fake.clear_calls();
    let outcome = adapter.deploy_function(&options).await.expect("converges");
    assert!(outcome.uploaded);
    assert_eq!(invoke_build().await, 1);

    // Cut while the operation runs: the next deploy waits for it, then has nothing to do.
    write(root, "index.js", &code(2));
    fake.inject(Fault::Cut {
        call: "GetOperation".into(),
    });
    adapter
        .deploy_function(&options)
        .await
        .expect_err("the poll was cut");
    assert_eq!(
        fake.function("cut-me").expect("the function")["state"],
        "DEPLOYING"
    );
    fake.clear_calls();
    let outcome = adapter
        .deploy_function(&options)
        .await
        .expect("waits, then converges");
    assert!(!outcome.uploaded, "the cut deploy's upload is what runs");
    assert!(
        fake.changing_calls().is_empty(),
        "{:?}",
        fake.changing_calls()
    );
    assert_eq!(invoke_build().await, 2);

    // A failed build: the error names the stage; the old revision keeps serving; the next
    // deploy sends everything again.
    write(root, "index.js", &code(3));
    fake.inject(Fault::FailStage {
        stage: "BUILD".into(),
        code: 3,
        message: "Build failed: npm ERR! code E404; Error ID: 7e8a1c2b".into(),
    });
    let error = adapter
        .deploy_function(&options)
        .await
        .expect_err("the build fails");
    let text = error.to_string();
    assert!(text.contains("failed in the BUILD stage"), "{text}");
    assert!(text.contains("Build failed: npm ERR! code E404"), "{text}");
    assert!(
        text.contains("https://console.cloud.google.com/cloud-build/builds"),
        "{text}"
    );
    assert_eq!(
        fake.function("cut-me").expect("the function")["state"],
        "FAILED"
    );
    assert_eq!(invoke_build().await, 2, "the previous revision serves");
    let plan = adapter.plan(&options).await.expect("a plan");
    let text = plan.to_string();
    assert!(text.contains("the function is FAILED"), "{text}");
    assert!(text.contains("updateMask buildConfig.source,buildConfig.runtime,buildConfig.entryPoint,serviceConfig.availableMemory,serviceConfig.timeoutSeconds,serviceConfig.environmentVariables,description,labels"), "{text}");
    adapter.deploy_function(&options).await.expect("converges");
    assert_eq!(invoke_build().await, 3);

    // Another operation started between the plan and the patch: waited for, then retried.
    write(root, "index.js", &code(4));
    fake.clear_calls();
    fake.inject(Fault::Refuse {
        call: "UpdateFunction".into(),
        status: 400,
        rpc: "FAILED_PRECONDITION".into(),
        message: format!("An operation on function projects/{PROJECT}/locations/{REGION}/functions/cut-me is already in progress. Please try again later."),
    });
    adapter.deploy_function(&options).await.expect("retried");
    assert_eq!(
        fake.changing_calls(),
        [
            "GenerateUploadUrl",
            "PUT uploadUrl",
            "UpdateFunction",
            "UpdateFunction"
        ]
    );
    assert_eq!(invoke_build().await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_name_the_sign_in_the_call_and_the_resource() {
    let world = world().await;
    let (fake, adapter) = (&world.fake, &world.adapter);
    let dir = tempfile::tempdir().expect("a project folder");
    write(
        dir.path(),
        "index.js",
        "exports.handler = async (e) => e;\n",
    );
    let options = DeployOptions::new(
        dir.path(),
        function("guarded", "nodejs24.x", "index.handler"),
    );

    // A missing permission: which one, on what, for whom, and the role that grants it.
    fake.deny("cloudfunctions.functions.create");
    let error = adapter.deploy_function(&options).await.expect_err("denied");
    let AdapterError::PermissionDenied { message } = &error else {
        panic!("expected PermissionDenied, got {error:?}");
    };
    assert!(message.starts_with("account `gcp-ci` may not make Cloud Functions CreateFunction `guarded`: it lacks permission `cloudfunctions.functions.create` on `projects/functory-demo/locations/europe-west1/functions/guarded`"), "{message}");
    assert!(
        message.contains("roles/cloudfunctions.developer"),
        "{message}"
    );
    fake.allow("cloudfunctions.functions.create");

    // Another project than the key may touch.
    let elsewhere = adapter_for(
        fake,
        keychain_credentials(fake, &world.key),
        "other-project",
    );
    let error = elsewhere
        .list(ListOptions::default())
        .await
        .expect_err("not this project");
    assert!(
        error
            .to_string()
            .contains("on `projects/other-project/locations/europe-west1`"),
        "{error}"
    );

    // Throttling is retried, then reported.
    fake.inject(Fault::Refuse {
        call: "ListFunctions".into(),
        status: 429,
        rpc: "RESOURCE_EXHAUSTED".into(),
        message: "Quota exceeded for quota metric 'Read requests' of service 'cloudfunctions.googleapis.com'".into(),
    });
    adapter
        .list(ListOptions::default())
        .await
        .expect("one 429 is retried");
    for _ in 0..4 {
        fake.inject(Fault::Refuse {
            call: "ListFunctions".into(),
            status: 429,
            rpc: "RESOURCE_EXHAUSTED".into(),
            message: "Quota exceeded for quota metric 'Read requests'".into(),
        });
    }
    let error = adapter
        .list(ListOptions::default())
        .await
        .expect_err("still throttled");
    assert_eq!(error.code(), "throttled", "{error}");
    assert!(error.to_string().contains("Cloud Functions ListFunctions in `projects/functory-demo/locations/europe-west1` for account `gcp-ci` hit a quota"), "{error}");

    // A key Google does not know.
    let stranger = ServiceAccountKeyPair::generate("ghost@functory-demo.iam.gserviceaccount.com");
    let ghost = adapter_for(fake, keychain_credentials(fake, &stranger), PROJECT);
    let error = ghost
        .list(ListOptions::default())
        .await
        .expect_err("unknown key");
    assert_eq!(error.code(), "unauthenticated", "{error}");
    assert!(error.to_string().contains("account `gcp-ci`"), "{error}");

    // A caller without roles/run.invoker on a private function.
    adapter.deploy_function(&options).await.expect("deploy");
    let outsider_key =
        ServiceAccountKeyPair::generate("reader@functory-demo.iam.gserviceaccount.com");
    fake.register_outsider(&outsider_key);
    let outsider = adapter_for(fake, keychain_credentials(fake, &outsider_key), PROJECT);
    let error = outsider
        .invoke(InvokeOptions::new("guarded", "{}"))
        .await
        .expect_err("not an invoker");
    assert_eq!(error.code(), "permission_denied", "{error}");
    assert!(error.to_string().contains("roles/run.invoker"), "{error}");
    assert!(
        error
            .to_string()
            .contains("serviceAccount:reader@functory-demo.iam.gserviceaccount.com"),
        "{error}"
    );

    // Another Functory project's function is never taken over.
    let mut theirs = options.clone();
    theirs.project = Some("someone-else".into());
    let error = adapter.plan(&theirs).await.expect_err("not ours");
    assert_eq!(error.code(), "already_exists", "{error}");
    assert!(
        error
            .to_string()
            .contains("belongs to Functory project `functory`"),
        "{error}"
    );

    // A function that does not exist, and an unreadable event.
    let error = adapter
        .invoke(InvokeOptions::new("nowhere", "{}"))
        .await
        .expect_err("not found");
    assert!(
        error.to_string().contains(
            "function `nowhere` in project `functory-demo` region `europe-west1` not found"
        ),
        "{error}"
    );
    assert_eq!(
        adapter
            .versions("guarded")
            .await
            .expect_err("no versions")
            .code(),
        "not_supported"
    );
    assert!(
        adapter
            .rollback("guarded", "prod", "1")
            .await
            .expect_err("no rollback")
            .to_string()
            .contains("Redeploy this")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_private_key_and_tokens_never_show() {
    let world = world().await;
    let (fake, adapter) = (&world.fake, &world.adapter);
    let pem = world.key.private_pem();
    // A line from the middle of the key: whatever the formatting, it must never appear.
    let canary = pem.lines().nth(5).expect("a key line").to_owned();
    let dir = tempfile::tempdir().expect("a project folder");
    write(
        dir.path(),
        "index.js",
        "exports.handler = async () => process.env.API_KEY.length;\n",
    );
    let mut f = function("canary", "nodejs24.x", "index.handler");
    f.environment = vec![EnvVar {
        key: "API_KEY".into(),
        value: "env-canary-value".into(),
    }];
    let options = DeployOptions::new(dir.path(), f);
    let mut shown = Vec::new();
    let plan = adapter.plan(&options).await.expect("a plan");
    shown.push(format!("{plan} {plan:?}"));
    shown.push(serde_json::to_string(&plan).expect("a plan serializes"));
    shown.push(format!("{adapter:?}"));
    adapter.deploy_function(&options).await.expect("deploy");
    let invocation = adapter
        .invoke(InvokeOptions::new("canary", "{}").with_log_tail())
        .await
        .expect("invoke");
    shown.push(format!("{invocation:?}"));
    // With tokens in its cache now.
    let debug = format!("{adapter:?}");
    assert!(debug.contains("<redacted>"), "{debug}");
    shown.push(debug);
    let described = adapter
        .describe(functory_adapter::DescribeOptions::new("canary"))
        .await
        .expect("describe");
    shown.push(format!("{described:?}"));
    // Errors of every kind.
    fake.deny("cloudfunctions.functions.update");
    write(dir.path(), "index.js", "exports.handler = async () => 2;\n");
    shown.push(format!(
        "{:?}",
        adapter.deploy_function(&options).await.expect_err("denied")
    ));
    fake.inject(Fault::Cut {
        call: "Token".into(),
    });
    let fresh = adapter_for(fake, keychain_credentials(fake, &world.key), PROJECT);
    shown.push(format!(
        "{:?}",
        fresh.list(ListOptions::default()).await.expect_err("cut")
    ));
    let credentials = keychain_credentials(fake, &world.key);
    shown.push(format!("{credentials:?}"));
    // The package holds no key either.
    let source = fake.source_of("canary").expect("the deployed source");
    shown.push(String::from_utf8_lossy(&source).into_owned());
    for text in &shown {
        assert!(!text.contains(&canary), "the private key leaked: {text}");
        assert!(
            !text.contains("PRIVATE KEY"),
            "the private key leaked: {text}"
        );
        assert!(!text.contains("ya29."), "an access token leaked: {text}");
        // JWTs: the fake's ID tokens and the adapter's own signed assertions.
        assert!(
            !text.contains("eyJhbGciOiJSUzI1NiIs"),
            "an ID token leaked: {text}"
        );
        assert!(
            !text.contains("eyJ0eXAiOiJKV1Qi"),
            "an assertion leaked: {text}"
        );
        assert!(
            !text.contains("env-canary-value"),
            "an environment value leaked: {text}"
        );
    }
    assert_eq!(invocation.payload_json(), Some(json!(16)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn application_default_credentials_of_a_user_deploy_and_invoke() {
    let fake = FakeGoogle::start(PROJECT, REGION).await;
    fake.register_user(
        "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com",
        "d-FL95Q19q7MQmFpd7hHD0Ty",
        "1//refresh-token-of-ana",
        "ana@example.com",
    );
    let folder = tempfile::tempdir().expect("a gcloud folder");
    let adc = folder.path().join("application_default_credentials.json");
    std::fs::write(
        &adc,
        json!({
            "account": "ana@example.com",
            "client_id": "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com",
            "client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty",
            "quota_project_id": PROJECT,
            "refresh_token": "1//refresh-token-of-ana",
            "type": "authorized_user",
            "universe_domain": "googleapis.com",
        })
        .to_string(),
    )
    .expect("the ADC file");
    let credentials = GoogleCredentials::from_file(&adc)
        .expect("an ADC file")
        .token_uri(fake.token_uri());
    assert!(
        credentials.who().contains("(ana@example.com)"),
        "{}",
        credentials.who()
    );
    let adapter = adapter_for(&fake, credentials, PROJECT);
    let dir = tempfile::tempdir().expect("a project folder");
    write(
        dir.path(),
        "handler.py",
        "def handler(event, context):\n    return {'hi': event['name']}\n",
    );
    let options = DeployOptions::new(
        dir.path(),
        function("greet", "python3.12", "handler.handler"),
    );
    adapter
        .deploy_function(&options)
        .await
        .expect("deploy as the user");
    let invocation = adapter
        .invoke(InvokeOptions::new("greet", r#"{"name":"ana"}"#))
        .await
        .expect("invoke with the user's ID token");
    assert_eq!(invocation.payload_json(), Some(json!({"hi": "ana"})));

    // A revoked sign-in says what to run.
    std::fs::write(
        &adc,
        std::fs::read_to_string(&adc)
            .expect("the ADC file")
            .replace("1//refresh-token-of-ana", "1//revoked"),
    )
    .expect("the ADC file");
    let revoked = adapter_for(
        &fake,
        GoogleCredentials::from_file(&adc)
            .expect("an ADC file")
            .token_uri(fake.token_uri()),
        PROJECT,
    );
    let error = revoked
        .list(ListOptions::default())
        .await
        .expect_err("revoked");
    assert_eq!(error.code(), "unauthenticated", "{error}");
    let text = error.to_string();
    assert!(
        text.contains("gcloud auth application-default login"),
        "{text}"
    );
    assert!(text.contains(&adc.display().to_string()), "{text}");
    assert!(
        !text.contains("d-FL95Q19q7MQmFpd7hHD0Ty") && !text.contains("1//revoked"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_are_polled_with_overlap_dedupe_pages_and_late_entries() {
    let world = world().await;
    let (fake, adapter) = (&world.fake, &world.adapter);
    let dir = tempfile::tempdir().expect("a project folder");
    write(
        dir.path(),
        "index.js",
        "exports.handler = async (event) => { console.log(`one ${event.n}`); console.warn(`two ${event.n}`); console.error(`three ${event.n}`); return event.n; };\n",
    );
    adapter
        .deploy_function(&DeployOptions::new(
            dir.path(),
            function("chatty", "nodejs24.x", "index.handler"),
        ))
        .await
        .expect("deploy");
    // Small pages; entries visible a list after they are written, every fourth one five
    // lists later still, so it shows up after newer ones.
    fake.set_page_limit(3);
    fake.set_log_delay(1);
    fake.set_late_entries(4, 5);
    let mut stream = adapter
        .tail_logs(TailOptions {
            follow: true,
            ..TailOptions::new("chatty")
        })
        .await
        .expect("follow");
    let mut ids: Vec<String> = Vec::new();
    for n in 0..3 {
        let invocation = adapter
            .invoke(InvokeOptions::new("chatty", json!({ "n": n }).to_string()))
            .await
            .expect("invoke");
        ids.push(invocation.request_id);
    }
    // Sign-in happened once for the APIs and once for the function's URL: tokens are cached.
    assert_eq!(
        fake.all_calls().iter().filter(|c| *c == "Token").count(),
        2,
        "{:?}",
        fake.all_calls()
    );
    let mine = |seen: &[functory_adapter::LogEvent], id: &str| -> Vec<functory_adapter::LogEvent> {
        let mut lines: Vec<_> = seen
            .iter()
            .filter(|e| e.request_id.as_deref() == Some(id))
            .cloned()
            .collect();
        lines.sort_by_key(|e| e.timestamp_ms);
        lines
    };
    let mut seen = Vec::new();
    while ids.iter().any(|id| mine(&seen, id).len() < 6) {
        // A guard against a hang, not a measurement: lines a poll missed never come.
        let next = tokio::time::timeout(std::time::Duration::from_secs(30), stream.next())
            .await
            .unwrap_or_else(|_| panic!("lines never came; seen {seen:#?}"));
        seen.push(next.expect("the stream goes on").expect("an event"));
    }
    drop(stream);
    for (n, id) in ids.iter().enumerate() {
        let lines = mine(&seen, id);
        let messages: Vec<&str> = lines.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages.len(), 6, "each line exactly once: {messages:#?}");
        assert!(messages[0].starts_with("START RequestId:"), "{messages:#?}");
        assert_eq!(
            &messages[1..4],
            [format!("one {n}"), format!("two {n}"), format!("three {n}")]
        );
        assert!(messages[4].starts_with("END RequestId:"), "{messages:#?}");
        assert!(
            messages[5].starts_with("REPORT RequestId:"),
            "{messages:#?}"
        );
    }
    let late_came_late = seen
        .windows(2)
        .any(|w| w[1].timestamp_ms < w[0].timestamp_ms);
    assert!(
        late_came_late,
        "no entry arrived after a newer one: the fake's delay did not show"
    );
    let levels: Vec<_> = mine(&seen, &ids[0]).iter().map(|e| e.level).collect();
    use functory_adapter::LogLevel::{Error, Info, Warn};
    assert_eq!(
        levels,
        [None, Some(Info), Some(Warn), Some(Error), None, None]
    );
    // Stored logs with `last` and a level filter.
    let options = TailOptions {
        last: Some(2),
        filter: LogFilter {
            min_level: Some(Warn),
            ..LogFilter::default()
        },
        ..TailOptions::new("chatty")
    };
    let events = logs_until(adapter, &options, |e| {
        e.len() == 2 && e[1].message == "three 2"
    })
    .await;
    let messages: Vec<&str> = events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages, ["two 2", "three 2"]);
    assert!(fake.list_calls() > 3);
    assert!(
        adapter
            .log_source("chatty")
            .await
            .expect("a source")
            .description
            .contains("entries:list")
    );
}

/// A guard against a hang, not a measurement.
async fn within<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(30), future)
        .await
        .unwrap_or_else(|_| panic!("{what} never happened"))
}

const CHATTY: &str = "exports.handler = async (event) => { console.log(`one ${event.n}`); console.warn(`two ${event.n}`); console.error(`three ${event.n}`); return event.n; };\n";

/// `chatty` deployed on the world's fake, whose three lines per call show at three levels.
async fn deploy_chatty(world: &World) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a project folder");
    write(dir.path(), "index.js", CHATTY);
    world
        .adapter
        .deploy_function(&DeployOptions::new(
            dir.path(),
            function("chatty", "nodejs24.x", "index.handler"),
        ))
        .await
        .expect("deploy");
    dir
}

/// An adapter of the world's account whose followed tails stream from `live`.
fn live_adapter(world: &World, live: &FakeTail, settings: GcpSettings) -> GcpAdapter {
    GcpAdapter::builder()
        .credentials(keychain_credentials(&world.fake, &world.key))
        .project(PROJECT)
        .region(REGION)
        .endpoints(GoogleEndpoints {
            logging_grpc: live.base().to_owned(),
            ..GoogleEndpoints::all_at(world.fake.base())
        })
        .settings(settings)
        .log_follow(LogFollowMode::Stream)
        .build()
        .expect("a valid adapter")
}

fn follow_from_now(function: &str) -> TailOptions {
    TailOptions {
        follow: true,
        since_ms: Some(chrono::Utc::now().timestamp_millis()),
        ..TailOptions::new(function)
    }
}

/// The lines of one invocation, oldest first.
fn lines_of(seen: &[functory_adapter::LogEvent], id: &str) -> Vec<functory_adapter::LogEvent> {
    let mut lines: Vec<_> = seen
        .iter()
        .filter(|e| e.request_id.as_deref() == Some(id))
        .cloned()
        .collect();
    lines.sort_by_key(|e| e.timestamp_ms);
    lines
}

/// Reads `stream` until every invocation in `ids` has its six lines.
async fn until_complete(
    stream: &mut functory_adapter::LogStream,
    seen: &mut Vec<functory_adapter::LogEvent>,
    ids: &[String],
) {
    while ids.iter().any(|id| lines_of(seen, id).len() < 6) {
        let next = within("the lines of every invocation", stream.next()).await;
        seen.push(next.expect("the stream goes on").expect("an event"));
    }
}

fn assert_chatty_lines(seen: &[functory_adapter::LogEvent], id: &str, n: usize) {
    use functory_adapter::LogLevel::{Error, Info, Warn};
    let lines = lines_of(seen, id);
    let messages: Vec<&str> = lines.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages.len(), 6, "each line exactly once: {messages:#?}");
    assert!(messages[0].starts_with("START RequestId:"), "{messages:#?}");
    assert_eq!(
        &messages[1..4],
        [format!("one {n}"), format!("two {n}"), format!("three {n}")]
    );
    assert!(messages[4].starts_with("END RequestId:"), "{messages:#?}");
    assert!(
        messages[5].starts_with("REPORT RequestId:"),
        "{messages:#?}"
    );
    let levels: Vec<_> = lines.iter().map(|e| e.level).collect();
    assert_eq!(
        levels,
        [None, Some(Info), Some(Warn), Some(Error), None, None]
    );
    assert!(lines.iter().all(|e| e.function == "chatty"));
}

/// The first error of `stream`, past the events before it; what follows it.
async fn first_error(
    mut stream: functory_adapter::LogStream,
) -> (
    AdapterError,
    Option<functory_adapter::Result<functory_adapter::LogEvent>>,
) {
    loop {
        match within("the tail's error", stream.next()).await {
            Some(Ok(_)) => continue,
            Some(Err(error)) => return (error, stream.next().await),
            None => panic!("the tail ended without an error"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_tails_stream_entries_in_order_and_read_like_polled_ones() {
    let world = world().await;
    let fake = &world.fake;
    let _dir = deploy_chatty(&world).await;
    let live = FakeTail::start(fake).await;
    // The one catch-up list is an hour away: every line below comes from the stream.
    let adapter = live_adapter(
        &world,
        &live,
        GcpSettings {
            log_poll_interval: std::time::Duration::from_secs(3600),
            ..GcpSettings::fast()
        },
    );
    let options = follow_from_now("chatty");
    let lists = fake.list_calls();
    let mut stream = adapter.tail_logs(options.clone()).await.expect("follow");
    within("the session to open", live.open_sessions(1)).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let invocation = adapter
            .invoke(InvokeOptions::new("chatty", json!({ "n": n }).to_string()))
            .await
            .expect("invoke");
        ids.push(invocation.request_id);
    }
    let mut seen = Vec::new();
    until_complete(&mut stream, &mut seen, &ids).await;
    assert_eq!(
        fake.list_calls(),
        lists + 1,
        "only the stored entries are listed"
    );
    for (n, id) in ids.iter().enumerate() {
        assert_chatty_lines(&seen, id, n);
    }
    assert!(
        seen.windows(2)
            .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms),
        "not in the order written: {seen:#?}"
    );
    // What the session asked for: the project, the function's filter, the buffer window.
    let requests = live.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].resource_names, [format!("projects/{PROJECT}")]);
    assert!(
        requests[0]
            .filter
            .contains(r#"resource.labels.service_name="chatty""#),
        "{}",
        requests[0].filter
    );
    assert_eq!(requests[0].buffer_window_ms, Some(0));
    assert_eq!(requests[0].principal, format!("serviceAccount:{DEPLOYER}"));

    // The same entries read by `entries:list` make the same lines, request log lines included.
    let polled = logs_until(
        &world.adapter,
        &TailOptions {
            follow: false,
            ..options
        },
        |events| ids.iter().all(|id| lines_of(events, id).len() == 6),
    )
    .await;
    for id in &ids {
        assert_eq!(lines_of(&seen, id), lines_of(&polled, id));
    }
    for event in &seen {
        assert!(polled.contains(event), "{event:?} is not among {polled:#?}");
    }
    assert!(
        seen.iter().any(|e| e.message.starts_with("POST 200 ")
            && e.level == Some(functory_adapter::LogLevel::Info)),
        "a request log line: {seen:#?}"
    );
    let source = adapter.log_source("chatty").await.expect("a source");
    assert!(
        source
            .description
            .contains("TailLogEntries stream over gRPC"),
        "{source:?}"
    );
    assert!(
        world
            .adapter
            .log_source("chatty")
            .await
            .expect("a source")
            .description
            .contains("entries:list, polled")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_around_a_live_tails_opening_are_caught_up_and_shown_once() {
    let world = world().await;
    let fake = &world.fake;
    let _dir = deploy_chatty(&world).await;
    let live = FakeTail::start(fake).await;
    let adapter = live_adapter(&world, &live, GcpSettings::fast());
    let options = follow_from_now("chatty");
    // Stored before the tail starts.
    let stored = adapter
        .invoke(InvokeOptions::new("chatty", r#"{"n":0}"#))
        .await
        .expect("invoke")
        .request_id;
    within("the stored lines", async {
        while !fake
            .messages("chatty")
            .iter()
            .any(|m| m.starts_with(&format!("REPORT RequestId: {stored}")))
        {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
    // A slow open, and a session that starts with entries from before it opened (the stored
    // lines and those written while it opened come again, and must show once).
    live.hold();
    live.replay_on_open(16);
    let lists = fake.list_calls();
    let mut stream = adapter.tail_logs(options).await.expect("follow");
    // Google has the request but has not answered: these lines are not the session's.
    within("the session to be asked for", live.waiting_sessions(1)).await;
    let opening = adapter
        .invoke(InvokeOptions::new("chatty", r#"{"n":1}"#))
        .await
        .expect("invoke")
        .request_id;
    live.release();
    let mut seen = Vec::new();
    until_complete(&mut stream, &mut seen, &[stored.clone(), opening.clone()]).await;
    // The catch-up runs while the stream is read; its lines are yielded before anything the
    // stream sends after it.
    within("the catch-up list", async {
        while fake.list_calls() < lists + 2 {
            tokio::select! {
                next = stream.next() => seen.push(next.expect("the stream goes on").expect("an event")),
                () = tokio::time::sleep(std::time::Duration::from_millis(20)) => {}
            }
        }
    })
    .await;
    // Later lines come from the stream.
    let later = adapter
        .invoke(InvokeOptions::new("chatty", r#"{"n":2}"#))
        .await
        .expect("invoke")
        .request_id;
    let ids = [stored.clone(), opening.clone(), later.clone()];
    until_complete(&mut stream, &mut seen, &ids).await;
    for (n, id) in ids.iter().enumerate() {
        assert_chatty_lines(&seen, id, n);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_tail_reports_the_entries_google_left_out() {
    let world = world().await;
    let fake = &world.fake;
    let _dir = deploy_chatty(&world).await;
    let live = FakeTail::start(fake).await;
    // No catch-up during the test: it would list what the session left out.
    let adapter = live_adapter(
        &world,
        &live,
        GcpSettings {
            log_poll_interval: std::time::Duration::from_secs(3600),
            ..GcpSettings::fast()
        },
    );
    live.set_rate_limit(4);
    let mut stream = adapter
        .tail_logs(follow_from_now("chatty"))
        .await
        .expect("follow");
    within("the session to open", live.open_sessions(1)).await;
    let before = fake.messages("chatty").len();
    for n in 0..2 {
        adapter
            .invoke(InvokeOptions::new("chatty", json!({ "n": n }).to_string()))
            .await
            .expect("invoke");
    }
    let (mut lines, mut left_out, mut notices) = (Vec::new(), 0usize, Vec::new());
    // Everything written since the session opened is either shown or counted as left out.
    while lines.len() + left_out < fake.messages("chatty").len() - before || left_out == 0 {
        let event = within("every entry accounted for", stream.next())
            .await
            .expect("the stream goes on")
            .expect("an event");
        if event.message.starts_with("Cloud Logging left at least ") {
            left_out += event
                .message
                .split_whitespace()
                .nth(5)
                .and_then(|n| n.parse::<usize>().ok())
                .expect("a count");
            notices.push(event);
        } else {
            lines.push(event);
        }
    }
    assert_eq!(lines.len(), 4, "the rate limit's worth: {lines:#?}");
    assert_eq!(
        lines.len() + left_out,
        fake.messages("chatty").len() - before
    );
    let notice = &notices[0];
    assert_eq!(notice.level, Some(functory_adapter::LogLevel::Warn));
    assert_eq!(notice.request_id, None);
    assert_eq!(notice.function, "chatty");
    assert!(
        notice.message.contains(
            "out of this live tail: more matched than a live tail may receive (its rate limit)"
        ),
        "{}",
        notice.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_or_ended_live_tails_say_why() {
    let world = world().await;
    let fake = &world.fake;
    let _dir = deploy_chatty(&world).await;
    let live = FakeTail::start(fake).await;
    let tokens = || fake.all_calls().iter().filter(|c| *c == "Token").count();
    let before = tokens();
    let adapter = live_adapter(&world, &live, GcpSettings::fast());

    // A token Google does not take is renewed once, then the session opens.
    live.refuse(fake_grpc::unauthenticated());
    let stream = adapter
        .tail_logs(follow_from_now("chatty"))
        .await
        .expect("follow");
    within("the session to open", live.open_sessions(1)).await;
    assert_eq!(tokens(), before + 2, "signed in, then once more");
    drop(stream);
    within("the session to end", live.open_sessions(0)).await;

    // Refused again after the renewal: the tail says so, and ends.
    live.refuse(fake_grpc::unauthenticated());
    live.refuse(fake_grpc::unauthenticated());
    let stream = adapter
        .tail_logs(follow_from_now("chatty"))
        .await
        .expect("follow");
    let (error, after) = first_error(stream).await;
    let AdapterError::Unauthenticated { message } = &error else {
        panic!("{error:?}");
    };
    assert!(
        message.starts_with(
            "Cloud Logging TailLogEntries for `chatty`: Google did not accept the token of"
        ) && message.contains("UNAUTHENTICATED: Request had invalid authentication credentials")
            && message.ends_with("sign in again"),
        "{message}"
    );
    assert!(!message.contains("Bearer"), "{message}");
    assert!(after.is_none(), "nothing after the error: {after:?}");

    // A missing permission names it and the role that grants it (from the ErrorInfo detail).
    live.refuse(fake_grpc::permission_denied(
        "logging.logEntries.list",
        &format!("projects/{PROJECT}"),
    ));
    let (error, _) = first_error(
        adapter
            .tail_logs(follow_from_now("chatty"))
            .await
            .expect("follow"),
    )
    .await;
    let AdapterError::PermissionDenied { message } = &error else {
        panic!("{error:?}");
    };
    assert!(
        message.contains("may not make Cloud Logging TailLogEntries for `chatty`: it lacks permission `logging.logEntries.list` on `projects/functory-demo`")
            && message.contains("roles/logging.viewer"),
        "{message}"
    );

    // Too many open tails.
    live.refuse(fake_grpc::too_many_sessions());
    let (error, _) = first_error(
        adapter
            .tail_logs(follow_from_now("chatty"))
            .await
            .expect("follow"),
    )
    .await;
    assert_eq!(error.code(), "throttled", "{error}");
    assert!(
        error.to_string().contains("RESOURCE_EXHAUSTED")
            && error.to_string().contains("10 open live tails per project"),
        "{error}"
    );

    // Google ending the stream ends the tail, with what to do.
    let stream = adapter
        .tail_logs(follow_from_now("chatty"))
        .await
        .expect("follow");
    within("the session to open", live.open_sessions(1)).await;
    live.end_sessions();
    let (error, after) = first_error(stream).await;
    assert_eq!(error.code(), "provider", "{error}");
    assert!(
        error
            .to_string()
            .contains("Cloud Logging TailLogEntries for `chatty` for account `gcp-ci`")
            && error.to_string().ends_with(
                "Cloud Logging ended the stream: follow the logs again to open a new one"
            ),
        "{error}"
    );
    assert!(after.is_none());
    assert!(
        fake.all_calls()
            .iter()
            .filter(|c| *c == "TailLogEntries")
            .count()
            >= 6,
        "{:?}",
        fake.all_calls()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_live_tail_ends_its_session() {
    let world = world().await;
    let _dir = deploy_chatty(&world).await;
    let live = FakeTail::start(&world.fake).await;
    let adapter = live_adapter(&world, &live, GcpSettings::fast());
    let stream = adapter
        .tail_logs(follow_from_now("chatty"))
        .await
        .expect("follow");
    within("the session to open", live.open_sessions(1)).await;
    drop(stream);
    within("the session to end", live.open_sessions(0)).await;

    // Also while Google has not answered yet.
    live.hold();
    let stream = adapter
        .tail_logs(follow_from_now("chatty"))
        .await
        .expect("follow");
    within("the session to be asked for", live.waiting_sessions(1)).await;
    drop(stream);
    within("the waiting session to go", live.waiting_sessions(0)).await;
    live.release();
    assert_eq!(live.requests().len(), 2);

    // A tail that does not follow lists stored entries and opens no session.
    let events: Vec<_> = adapter
        .tail_logs(TailOptions::new("chatty"))
        .await
        .expect("stored entries")
        .collect()
        .await;
    assert!(events.iter().all(Result::is_ok));
    assert_eq!(live.requests().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pubsub_and_storage_events_reach_the_handler_in_aws_shapes() {
    let world = world().await;
    let (fake, adapter) = (&world.fake, &world.adapter);
    fake.create_topic("orders");
    let dir = tempfile::tempdir().expect("a project folder");
    write(
        dir.path(),
        "queue.js",
        "exports.handler = async (event) => { const r = event.Records[0]; console.log(`got ${r.eventSource} ${r.eventSourceARN} ${r.body}`); };\n",
    );
    write(
        dir.path(),
        "storage.py",
        "def handler(event, context):\n    r = event['Records'][0]\n    print('object %s %s %s %d' % (r['eventSource'], r['s3']['bucket']['name'], r['s3']['object']['key'], r['s3']['object']['size']))\n",
    );
    let mut queued = function("on-order", "nodejs24.x", "queue.handler");
    queued.triggers = vec![Trigger::Queue {
        queue: "orders".into(),
        batch_size: None,
    }];
    let mut stored = function("on-upload", "python3.11", "storage.handler");
    stored.triggers = vec![Trigger::Storage {
        bucket: "photos".into(),
        prefix: Some("uploads/".into()),
        suffix: Some(".jpg".into()),
        events: None,
    }];
    adapter
        .deploy_function(&DeployOptions::new(dir.path(), queued.clone()))
        .await
        .expect("deploy the queue function");
    adapter
        .deploy_function(&DeployOptions::new(dir.path(), stored))
        .await
        .expect("deploy the storage function");
    assert_eq!(
        fake.function("on-order").expect("deployed")["eventTrigger"]["pubsubTopic"],
        format!("projects/{PROJECT}/topics/orders")
    );

    // A Pub/Sub function is invoked by publishing to its topic.
    let accepted = adapter
        .invoke(InvokeOptions::new("on-order", r#"{"id":7}"#).with_type(InvocationType::Event))
        .await
        .expect("published");
    assert_eq!(accepted.status_code, 202);
    assert!(!accepted.request_id.is_empty());
    let options = TailOptions {
        filter: LogFilter {
            text: Some("got aws:sqs".into()),
            ..LogFilter::default()
        },
        ..TailOptions::new("on-order")
    };
    let events = logs_until(adapter, &options, |e| !e.is_empty()).await;
    assert_eq!(
        events.first().map(|e| e.message.as_str()),
        Some(r#"got aws:sqs projects/functory-demo/topics/orders {"id":7}"#)
    );
    assert_eq!(
        events[0].request_id.as_deref(),
        Some(accepted.request_id.as_str())
    );
    let error = adapter
        .invoke(InvokeOptions::new("on-order", "{}"))
        .await
        .expect_err("no synchronous form");
    assert_eq!(error.code(), "not_supported");

    // A storage function runs for objects under its prefix and suffix only.
    assert_eq!(
        fake.finalize_object("photos", "uploads/cat 1.jpg", 42)
            .await,
        [200]
    );
    assert_eq!(
        fake.finalize_object("photos", "other/dog.jpg", 7).await,
        [200]
    );
    assert_eq!(
        fake.finalize_object("elsewhere", "uploads/x.jpg", 7).await,
        Vec::<u16>::new()
    );
    let ran: Vec<String> = fake
        .messages("on-upload")
        .into_iter()
        .filter(|m| m.starts_with("object "))
        .collect();
    assert_eq!(ran, ["object aws:s3 photos uploads/cat+1.jpg 42"]);
    let error = adapter
        .invoke(InvokeOptions::new("on-upload", "{}"))
        .await
        .expect_err("not invocable");
    assert!(
        error.to_string().contains("upload an object to its bucket"),
        "{error}"
    );

    // Turning the queue function into an HTTP one recreates it.
    let mut http = queued;
    http.triggers.clear();
    let plan = adapter
        .plan(&DeployOptions::new(dir.path(), http.clone()))
        .await
        .expect("a plan");
    assert_eq!(
        plan.calls(),
        [
            "DeleteFunction",
            "GenerateUploadUrl",
            "PUT uploadUrl",
            "CreateFunction"
        ]
    );
    assert_eq!(plan.changes[0].action, ChangeAction::Delete);
    fake.clear_calls();
    adapter
        .deploy_function(&DeployOptions::new(dir.path(), http))
        .await
        .expect("recreated");
    assert_eq!(fake.changing_calls(), plan.calls());
    assert!(fake.function("on-order").expect("recreated")["eventTrigger"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_follows_page_tokens_and_delete_removes_schedules() {
    let world = world().await;
    let (fake, adapter) = (&world.fake, &world.adapter);
    let dir = tempfile::tempdir().expect("a project folder");
    write(dir.path(), "index.js", "exports.handler = async () => 1;\n");
    for name in ["alpha", "bravo", "charlie"] {
        let mut f = function(name, "nodejs24.x", "index.handler");
        if name == "bravo" {
            f.triggers = vec![Trigger::Schedule {
                expression: "cron(0 9 ? * MON *)".into(),
                timezone: None,
            }];
        }
        adapter
            .deploy_function(&DeployOptions::new(dir.path(), f))
            .await
            .expect("deploy");
    }
    fake.set_page_limit(2);
    let listed = adapter.list(ListOptions::default()).await.expect("list");
    let names: Vec<&str> = listed.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["alpha", "bravo", "charlie"]);
    assert_eq!(listed[0].runtime, "nodejs24.x");
    assert_eq!(
        fake.job("functory-bravo-schedule-1").expect("a job")["schedule"],
        "0 9 * * 1"
    );
    adapter
        .delete(functory_adapter::DeleteOptions::new("bravo"))
        .await
        .expect("delete");
    assert!(fake.function("bravo").is_none());
    assert!(
        fake.job_ids().is_empty(),
        "the schedule went with the function"
    );
    let error = adapter
        .delete(functory_adapter::DeleteOptions::new("bravo"))
        .await
        .expect_err("gone");
    assert_eq!(error.code(), "not_found");
}

/// Deploys, invokes and deletes `functory-it-echo` in a real project when
/// `FUNCTORY_GCP_TEST_PROJECT` and `FUNCTORY_GCP_TEST_REGION` are set (credentials from
/// `FUNCTORY_GCP_TEST_KEY_FILE`, else application-default). Ignored unless asked for with
/// `--ignored`; without the variables it fails and names them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a real Google Cloud project: set FUNCTORY_GCP_TEST_PROJECT and FUNCTORY_GCP_TEST_REGION (and FUNCTORY_GCP_TEST_KEY_FILE or application-default credentials), then run with --ignored"]
async fn real_google_project_round_trip() {
    let (Ok(project), Ok(region)) = (
        std::env::var("FUNCTORY_GCP_TEST_PROJECT"),
        std::env::var("FUNCTORY_GCP_TEST_REGION"),
    ) else {
        panic!("the real-Google test needs FUNCTORY_GCP_TEST_PROJECT and FUNCTORY_GCP_TEST_REGION");
    };
    let credentials = match std::env::var("FUNCTORY_GCP_TEST_KEY_FILE") {
        Ok(path) => GoogleCredentials::from_json(
            "the test key file",
            &Sensitive::new(std::fs::read_to_string(path).expect("the key file")),
        )
        .expect("a key file"),
        Err(_) => {
            GoogleCredentials::application_default().expect("application-default credentials")
        }
    };
    let adapter = GcpAdapter::builder()
        .credentials(credentials)
        .project(project)
        .region(region)
        .build()
        .expect("an adapter");
    let dir = tempfile::tempdir().expect("a project folder");
    write(
        dir.path(),
        "index.js",
        "exports.handler = async (event, context) => ({ echo: event, id: context.awsRequestId });\n",
    );
    let options = DeployOptions::new(
        dir.path(),
        function("functory-it-echo", "nodejs24.x", "index.handler"),
    );
    adapter
        .deploy_function(&options)
        .await
        .expect("deploy to Google");
    let invocation = adapter
        .invoke(InvokeOptions::new("functory-it-echo", r#"{"n":1}"#))
        .await
        .expect("invoke on Google");
    let result = invocation.payload_json().expect("JSON");
    assert_eq!(result["echo"]["n"], 1);
    assert_eq!(result["id"], invocation.request_id.as_str());
    adapter
        .delete(functory_adapter::DeleteOptions::new("functory-it-echo"))
        .await
        .expect("delete on Google");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deploy_waits_for_an_operation_already_running() {
    let world = world().await;
    let (fake, adapter) = (&world.fake, &world.adapter);
    let dir = tempfile::tempdir().expect("a project folder");
    let root = dir.path().to_owned();
    let code = |n: u32| format!("exports.handler = async () => ({{ build: {n} }});\n");
    write(&root, "index.js", &code(1));
    let f = function("busy", "nodejs24.x", "index.handler");
    adapter
        .deploy_function(&DeployOptions::new(&root, f.clone()))
        .await
        .expect("the first deploy");

    // A slow build of version 2 is under way when another deploy (version 3) starts.
    write(&root, "index.js", &code(2));
    fake.clear_calls();
    fake.inject(Fault::Slow {
        stage: "BUILD".into(),
        polls: 40,
    });
    let first = {
        let (adapter, root, f) = (adapter.clone(), root.clone(), f.clone());
        tokio::spawn(async move { adapter.deploy_function(&DeployOptions::new(&root, f)).await })
    };
    let mut deploying = false;
    for _ in 0..500 {
        if fake
            .function("busy")
            .is_some_and(|f| f["state"] == "DEPLOYING")
        {
            deploying = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(deploying, "the first deploy never started its operation");
    let plan = adapter
        .plan(&DeployOptions::new(&root, f.clone()))
        .await
        .expect("a plan while the operation runs");
    assert!(
        plan.to_string()
            .contains("another operation is deploying it now: a deploy waits for it to finish"),
        "{plan}"
    );
    write(&root, "index.js", &code(3));
    let second = adapter
        .deploy_function(&DeployOptions::new(&root, f))
        .await
        .expect("the second deploy waits, then deploys");
    first
        .await
        .expect("the first deploy's task")
        .expect("the first deploy was not disturbed");
    assert!(second.uploaded);
    // One after the other: the second patch only once the first operation finished.
    assert_eq!(
        fake.changing_calls(),
        [
            "GenerateUploadUrl",
            "PUT uploadUrl",
            "UpdateFunction",
            "GenerateUploadUrl",
            "PUT uploadUrl",
            "UpdateFunction"
        ]
    );
    let result = adapter
        .invoke(InvokeOptions::new("busy", "{}"))
        .await
        .expect("invoke")
        .payload_json()
        .expect("JSON");
    assert_eq!(result["build"], 3);
}

#[tokio::test]
async fn the_builder_refuses_what_cannot_work() {
    let fake = FakeGoogle::start(PROJECT, REGION).await;
    let key = ServiceAccountKeyPair::generate(DEPLOYER);
    let build = |project: Option<&str>, region: Option<&str>, logging: &str| {
        let mut builder = GcpAdapter::builder()
            .credentials(keychain_credentials(&fake, &key))
            .endpoints(GoogleEndpoints::all_at(fake.base()))
            .logging_endpoint(logging);
        if let Some(project) = project {
            builder = builder.project(project);
        }
        if let Some(region) = region {
            builder = builder.region(region);
        }
        builder.build().map(|_| ()).map_err(|e| e.to_string())
    };
    let base = fake.base().to_owned();
    assert_eq!(build(Some(PROJECT), Some(REGION), &base), Ok(()));
    let cases = [
        (None, Some(REGION), base.as_str(), "no Google Cloud project"),
        (
            Some("My Shop"),
            Some(REGION),
            base.as_str(),
            "not a Google Cloud project id",
        ),
        (Some(PROJECT), None, base.as_str(), "no region"),
        (
            Some(PROJECT),
            Some("Europe"),
            base.as_str(),
            "not a Google Cloud region",
        ),
        (
            Some(PROJECT),
            Some(REGION),
            "http://logging.example.com",
            "the Cloud Logging endpoint `http://logging.example.com` is not an HTTPS URL",
        ),
    ];
    for (project, region, logging, expected) in cases {
        let error = build(project, region, logging).expect_err(expected);
        assert!(error.contains(expected), "{error}");
    }
    // The live tail's endpoint and buffer window.
    let live = |grpc: &str, window_s: u64| {
        GcpAdapter::builder()
            .credentials(keychain_credentials(&fake, &key))
            .project(PROJECT)
            .region(REGION)
            .endpoints(GoogleEndpoints::all_at(fake.base()))
            .logging_grpc_endpoint(grpc)
            .settings(GcpSettings {
                log_buffer_window: std::time::Duration::from_secs(window_s),
                ..GcpSettings::default()
            })
            .log_follow(LogFollowMode::Stream)
            .build()
            .map(|adapter| adapter.log_follow_mode())
            .map_err(|e| e.to_string())
    };
    assert_eq!(
        live("https://logging.googleapis.com/", 60),
        Ok(LogFollowMode::Stream)
    );
    let error = live("http://logging.example.com:443", 2).expect_err("plain HTTP");
    assert!(
        error.contains(
            "the Cloud Logging gRPC endpoint `http://logging.example.com:443` is not an HTTPS URL"
        ),
        "{error}"
    );
    let error = live(&base, 61).expect_err("too long a window");
    assert!(
        error.contains("the log buffer window of 61 s is longer than Cloud Logging allows"),
        "{error}"
    );
}
