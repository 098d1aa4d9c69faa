//! Deploying to an AWS target through the use cases, against a real moto server, with the
//! target's account in a real Secret Service (`npm test` starts one): the checkpoint before
//! the deploy and the deploy record after it (read back with the `git` CLI), a no-change
//! redeploy, invoke, versions and rollback, and what the `aws` CLI reads back from moto.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use functory_api::ErrorCode;
use functory_api::account_test::SignInEndpoints;
use functory_api::accounts::{AccountInput, Accounts};
use functory_api::aws::moto::{MotoServer, venv_dir};
use functory_api::cloud::{self, DeployStep};
use functory_api::vault::Namespace;

const MANIFEST: &str = r#"[project]
name = "shop"

[targets.prod]
adapter = "aws"
region = "us-east-1"
account = "ci"

[functions.orders]
runtime = "nodejs24.x"
handler = "orders/index.handler"
memory_mb = 256
environment = { TABLE = "orders" }

[[functions.orders.permissions]]
actions = ["dynamodb:PutItem"]
resources = ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"]
"#;

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn project(dir: &Path) {
    std::fs::create_dir_all(dir.join("orders")).expect("folder");
    std::fs::write(dir.join("functory.toml"), MANIFEST).expect("manifest");
    std::fs::write(
        dir.join("orders/index.js"),
        "exports.handler = async (event) => ({ ok: true, event });\n",
    )
    .expect("handler");
    git(dir, &["init", "-q"]);
    git(dir, &["config", "user.name", "CI"]);
    git(dir, &["config", "user.email", "ci@example.com"]);
}

fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if std::fs::read(&path)
                .map(|bytes| String::from_utf8_lossy(&bytes).contains(needle))
                .unwrap_or(false)
            {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

#[tokio::test]
async fn deploy_checkpoints_records_redeploys_invokes_and_rolls_back() {
    let moto = MotoServer::start().unwrap_or_else(|e| panic!("{e}"));
    moto.lambda_without_docker()
        .unwrap_or_else(|e| panic!("{e}"));
    let accounts = Accounts::in_namespace(Namespace::custom(format!(
        "functory-api-cloud-test-{}",
        std::process::id()
    )))
    .with_sign_in_endpoints(SignInEndpoints {
        aws_endpoint_url: Some(moto.endpoint_url()),
        azure_authority_host: None,
        ..SignInEndpoints::default()
    });
    let canary = format!("CANARY{}cloudK7MDENGbPxRfiCY", std::process::id());
    accounts
        .add(AccountInput::AwsAccessKey {
            name: "ci".into(),
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: canary.as_str().into(),
            session_token: None,
            role_arn: None,
            external_id: None,
            region: None,
        })
        .expect("the keychain stores the account");
    let dir = tempfile::tempdir().expect("a project folder");
    let root = dir.path();
    project(root);

    let target = cloud::connect(root, "prod", &accounts)
        .await
        .expect("signed in");
    let plans = target.plan(&[]).await.expect("plan");
    assert_eq!(plans.len(), 1);
    assert_eq!(
        plans[0].calls(),
        [
            "CreateRole",
            "PutRolePolicy",
            "CreateFunction",
            "PublishVersion",
            "CreateAlias"
        ]
    );
    assert!(!plans[0].no_op);

    let steps = Arc::new(Mutex::new(Vec::<DeployStep>::new()));
    let seen = steps.clone();
    let report = target
        .deploy(&[], move |step| seen.lock().unwrap().push(step))
        .await
        .expect("deploy");
    assert_eq!(report.failed, None);
    assert_eq!(report.deployed.len(), 1);
    assert_eq!(report.deployed[0].version, "1");
    assert_eq!(report.deployed[0].calls, plans[0].calls());
    assert!(report.checkpoint_created);
    // Progress: every step of the plan, then `done`.
    let steps = steps.lock().unwrap().clone();
    assert!(steps.len() >= 5, "{steps:#?}");
    assert_eq!(steps.last().unwrap().label, "done");
    assert!(
        steps
            .iter()
            .all(|s| s.steps == 5 && s.step >= 1 && s.step <= 5)
    );

    // The checkpoint is HEAD and carries the deploy record, as git itself reads them.
    assert_eq!(git(root, &["rev-parse", "HEAD"]), report.commit);
    assert_eq!(
        git(root, &["log", "-1", "--format=%s"]),
        "Deploy orders to prod"
    );
    let note = git(
        root,
        &["notes", "--ref", "functory-deploys", "show", "HEAD"],
    );
    let record: serde_json::Value = serde_json::from_str(note.lines().last().unwrap()).unwrap();
    assert_eq!(record["target"], "prod");
    assert_eq!(record["function"], "orders");
    assert_eq!(record["cloudVersion"], "1");
    assert_eq!(record["codeHash"], report.deployed[0].code_sha256);
    assert_eq!(record["who"], "CI <ci@example.com>");
    git(root, &["fsck", "--no-progress"]);

    // Nothing changed: no upload, the same version, another record on the same commit.
    let again = target.deploy(&[], |_| {}).await.expect("redeploy");
    assert!(!again.checkpoint_created);
    assert_eq!(again.commit, report.commit);
    assert!(!again.deployed[0].uploaded);
    assert_eq!(again.deployed[0].calls, Vec::<String>::new());
    let note = git(
        root,
        &["notes", "--ref", "functory-deploys", "show", "HEAD"],
    );
    assert_eq!(note.lines().count(), 2);

    // A change: new checkpoint, version 2; then roll back to 1.
    std::fs::write(
        root.join("orders/index.js"),
        "exports.handler = async (event) => ({ ok: 2, event });\n",
    )
    .expect("edit");
    let changed = target
        .deploy(&["orders".into()], |_| {})
        .await
        .expect("deploy v2");
    assert!(changed.checkpoint_created);
    assert_eq!(changed.deployed[0].version, "2");
    let versions = target.versions("orders").await.expect("versions");
    assert_eq!(
        versions
            .iter()
            .map(|v| (v.version.as_str(), v.serving))
            .collect::<Vec<_>>(),
        [("1", false), ("2", true)]
    );
    target.rollback("orders", "1").await.expect("rollback");
    assert_eq!(target.serving("orders").await.as_deref(), Some("1"));
    let bad = target
        .rollback("orders", "7")
        .await
        .expect_err("no version 7");
    assert_eq!(bad.code, ErrorCode::InvalidInput);

    // "Redeploy this": the first deploy's commit, exactly. Version 1 holds that code and
    // configuration, so the stage only moves back to it; the work tree is untouched.
    target.rollback("orders", "2").await.expect("forward");
    let redeployed = target
        .redeploy("orders", &report.commit, |_| {})
        .await
        .expect("redeploy");
    assert_eq!(redeployed.failed, None);
    assert_eq!(redeployed.deployed[0].version, "1");
    assert_eq!(redeployed.deployed[0].calls, ["UpdateAlias"]);
    assert!(
        std::fs::read_to_string(root.join("orders/index.js"))
            .unwrap()
            .contains("ok: 2")
    );
    assert!(
        !root
            .join(".functory/redeploy")
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(false)
    );
    let note = git(
        root,
        &["notes", "--ref", "functory-deploys", "show", &report.commit],
    );
    assert_eq!(note.lines().count(), 3, "{note}");
    let missing = target
        .redeploy("nope", &report.commit, |_| {})
        .await
        .expect_err("unknown");
    assert_eq!(missing.code, ErrorCode::NotFound);

    let invocation = target
        .invoke("orders", r#"{"id": 42}"#, false, false)
        .await
        .expect("invoke");
    assert_eq!(invocation.status_code, 200);
    assert!(invocation.payload.contains("42"), "{invocation:?}");
    let unknown = target
        .invoke("nope", "{}", false, false)
        .await
        .expect_err("unknown");
    assert_eq!(unknown.code, ErrorCode::NotFound);

    let remote = target.remote_functions().await.expect("list");
    assert_eq!(
        remote.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["orders"]
    );

    // The aws CLI reads back what was deployed, from the same moto.
    let aws = venv_dir().join("bin/aws");
    let cli = |args: &[&str]| -> serde_json::Value {
        let output = Command::new(&aws)
            .args(args)
            .args([
                "--endpoint-url",
                &moto.endpoint_url(),
                "--region",
                "us-east-1",
                "--output",
                "json",
            ])
            .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "not-the-canary")
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "{} does not run ({e}): run `bash scripts/python-venv.sh`",
                    aws.display()
                )
            });
        assert!(
            output.status.success(),
            "aws {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("JSON from the aws CLI")
    };
    let function = cli(&["lambda", "get-function", "--function-name", "orders"]);
    assert_eq!(function["Configuration"]["Runtime"], "nodejs24.x");
    assert_eq!(function["Configuration"]["MemorySize"], 256);
    assert_eq!(function["Configuration"]["Handler"], "orders/index.handler");
    assert_eq!(
        function["Configuration"]["Environment"]["Variables"]["TABLE"],
        "orders"
    );
    assert_eq!(
        function["Configuration"]["CodeSha256"],
        changed.deployed[0].code_sha256.as_str()
    );
    assert_eq!(function["Tags"]["functory:project"], "shop");
    assert_eq!(function["Tags"]["functory:commit"], changed.commit.as_str());
    let alias = cli(&[
        "lambda",
        "get-alias",
        "--function-name",
        "orders",
        "--name",
        "prod",
    ]);
    assert_eq!(alias["FunctionVersion"], "1");
    let policy = cli(&[
        "iam",
        "get-role-policy",
        "--role-name",
        "functory-shop-prod-orders",
        "--policy-name",
        "functory-permissions",
    ]);
    let statements = policy["PolicyDocument"]["Statement"]
        .as_array()
        .expect("statements");
    assert!(
        statements
            .iter()
            .any(|s| s["Action"] == serde_json::json!(["dynamodb:PutItem"])),
        "{policy}"
    );
    let role = cli(&[
        "iam",
        "get-role",
        "--role-name",
        "functory-shop-prod-orders",
    ]);
    assert_eq!(
        role["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"],
        "lambda.amazonaws.com"
    );

    // The secret went into the SDK and nowhere else.
    let report_json = serde_json::to_string(&(&report, &again, &changed, &versions)).unwrap();
    assert!(!report_json.contains(&canary));
    assert_eq!(files_containing(root, &canary), Vec::<String>::new());
}

const DEPLOYED: &str = r#"[project]
name = "shop"

[targets.prod]
adapter = "aws"
region = "us-east-1"
account = "ci"

[functions.orders]
runtime = "nodejs24.x"
handler = "index.handler"
code_dir = "orders"
memory_mb = 256
timeout_s = 20
environment = { TABLE = "orders", API_TOKEN = "9f8a7Bc6D5e4F3a2" }

[[functions.orders.triggers]]
kind = "url"
auth = "none"
cors = { allow_origins = ["https://shop.example"], allow_methods = ["GET", "POST"], max_age = 600 }

[[functions.orders.triggers]]
kind = "queue"
queue = "orders"
batch_size = 5

[[functions.orders.triggers]]
kind = "stream"
stream = "clicks"
batch_size = 50
starting_position = "TRIM_HORIZON"

[[functions.orders.triggers]]
kind = "storage"
bucket = "uploads"
prefix = "incoming/"
suffix = ".json"

[[functions.orders.triggers]]
kind = "schedule"
expression = "cron(0 18 ? * MON-FRI *)"
timezone = "Europe/Paris"

[[functions.orders.triggers]]
kind = "http"
method = "GET"
path = "/orders/{id}"

[[functions.orders.triggers]]
kind = "http"
method = "POST"
path = "/orders"
auth = "iam"
payload_version = "1.0"

[[functions.orders.permissions]]
actions = ["dynamodb:PutItem", "dynamodb:GetItem"]
resources = ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"]

[[functions.orders.permissions]]
effect = "Deny"
actions = ["s3:DeleteObject"]
resources = ["*"]
"#;

/// A project that only names the target: where the function is imported.
const EMPTY: &str = r#"# Imported from AWS; comments like this one stay.
[project]
name = "shop"

[targets.prod]
adapter = "aws"
region = "us-east-1"
account = "ci"   # the keychain account
"#;

fn parse(root: &Path) -> functory_api::core::Manifest {
    functory_api::Project::open(root)
        .expect("a project")
        .parse()
        .expect("a manifest")
        .manifest
        .expect("a manifest that parses")
}

#[tokio::test]
async fn a_deployed_function_imports_back_into_an_empty_project_as_it_was_deployed() {
    // AWS managed policies exist in moto only when it loads them at start.
    let moto = MotoServer::start_with_env(&[("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")])
        .unwrap_or_else(|e| panic!("{e}"));
    moto.lambda_without_docker()
        .unwrap_or_else(|e| panic!("{e}"));
    let accounts = Accounts::in_namespace(Namespace::custom(format!(
        "functory-api-import-test-{}",
        std::process::id()
    )))
    .with_sign_in_endpoints(SignInEndpoints {
        aws_endpoint_url: Some(moto.endpoint_url()),
        azure_authority_host: None,
        ..SignInEndpoints::default()
    });
    accounts
        .add(AccountInput::AwsAccessKey {
            name: "ci".into(),
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "CANARYimportK7MDENGbPxRfiCYEXAMPLE".into(),
            session_token: None,
            role_arn: None,
            external_id: None,
            region: None,
        })
        .expect("the keychain stores the account");
    let aws = venv_dir().join("bin/aws");
    let cli = |args: &[&str]| -> serde_json::Value {
        let output = Command::new(&aws)
            .args(args)
            .args([
                "--endpoint-url",
                &moto.endpoint_url(),
                "--region",
                "us-east-1",
                "--output",
                "json",
            ])
            .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "not-a-secret")
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap_or_else(|e| panic!("{} does not run ({e})", aws.display()));
        assert!(
            output.status.success(),
            "aws {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null)
    };
    cli(&["sqs", "create-queue", "--queue-name", "orders"]);
    cli(&[
        "kinesis",
        "create-stream",
        "--stream-name",
        "clicks",
        "--shard-count",
        "1",
    ]);
    cli(&["s3api", "create-bucket", "--bucket", "uploads"]);

    // Deploy the function with every kind of trigger AWS can discover, and permissions.
    let deployed = tempfile::tempdir().expect("a project folder");
    let from = deployed.path();
    std::fs::create_dir_all(from.join("orders")).expect("folder");
    std::fs::write(from.join("functory.toml"), DEPLOYED).expect("manifest");
    std::fs::write(
        from.join("orders/index.js"),
        "exports.handler = async (event) => ({ ok: true, event });\n",
    )
    .expect("handler");
    git(from, &["init", "-q"]);
    git(from, &["config", "user.name", "CI"]);
    git(from, &["config", "user.email", "ci@example.com"]);
    let target = cloud::connect(from, "prod", &accounts)
        .await
        .expect("signed in");
    let report = target.deploy(&[], |_| {}).await.expect("deploy");
    assert_eq!(report.failed, None, "{report:?}");
    // The role also has a customer managed policy and an AWS managed one, attached by hand.
    let document = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:123456789012:receipts"}
    ]});
    let created = cli(&[
        "iam",
        "create-policy",
        "--policy-name",
        "orders-receipts",
        "--policy-document",
        &document.to_string(),
    ]);
    let policy_arn = created["Policy"]["Arn"].as_str().expect("a policy ARN");
    for arn in [
        policy_arn,
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    ] {
        cli(&[
            "iam",
            "attach-role-policy",
            "--role-name",
            "functory-shop-prod-orders",
            "--policy-arn",
            arn,
        ]);
    }

    // Import it into a project that has only the target.
    let empty = tempfile::tempdir().expect("another project folder");
    let into = empty.path();
    std::fs::write(into.join("functory.toml"), EMPTY).expect("manifest");
    let remote = functory_api::cloud_import::remote_functions(into, "prod", &accounts)
        .await
        .expect("the account's functions");
    assert_eq!(
        remote.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["orders"]
    );
    let imported = functory_api::cloud_import::import_function(
        into,
        "prod",
        "orders",
        functory_api::cloud_import::ImportOptions::default(),
        &accounts,
    )
    .await
    .expect("imported");
    let lines = imported.lines().join("\n");

    // What was deployed, less the secret (left out with a note), plus the managed policy's
    // statement; moto's Code.Location is on amazonaws.com, outside its endpoint, so the code
    // is listed as not downloaded (the download itself is proven in functory-aws's mock tests).
    let mut expected = parse(from).functions.remove(0);
    expected.environment.retain(|e| e.key != "API_TOKEN");
    expected.permissions.push(functory_api::core::Permission {
        effect: functory_api::core::PermissionEffect::Allow,
        actions: vec!["sqs:SendMessage".into()],
        resources: vec!["arn:aws:sqs:us-east-1:123456789012:receipts".into()],
    });
    expected.handler_file = None;
    let mut got = parse(into).functions.remove(0);
    got.handler_file = None;
    assert_eq!(got, expected, "{lines}");
    let text = std::fs::read_to_string(into.join("functory.toml")).expect("manifest");
    assert!(
        text.starts_with("# Imported from AWS; comments like this one stay.\n"),
        "{text}"
    );
    assert!(
        text.contains("account = \"ci\"   # the keychain account"),
        "{text}"
    );
    assert!(
        !text.contains("9f8a7Bc6D5e4F3a2"),
        "the secret was written:\n{text}"
    );
    assert!(
        !lines.contains("9f8a7Bc6D5e4F3a2"),
        "the secret was reported:\n{lines}"
    );
    for expected_line in [
        "not imported: environment API_TOKEN: left out: it is named like a secret",
        "imported: environment TABLE: variable",
        "not imported: code: not downloaded: the code is stored at awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com, outside the endpoint",
        "imported: trigger schedule cron(0 18 ? * MON-FRI *): EventBridge Scheduler schedule functory-shop-prod-orders-1",
        "imported: trigger storage uploads: notification functory-shop-prod-orders-1 of bucket uploads",
        "imported: trigger url: public function URL (auth NONE)",
        "route GET /orders/{id} of HTTP API",
        "route POST /orders of HTTP API",
        "not imported: policy AWSLambdaBasicExecutionRole: arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole is managed by AWS",
        "not imported: inline policy functory-permissions statement FunctoryLogs: Functory's own statement",
        "imported: managed policy orders-receipts statement 1: permission sqs:SendMessage",
    ] {
        assert!(
            lines.contains(expected_line),
            "missing `{expected_line}` in:\n{lines}"
        );
    }

    // With the code in place, the imported project plans against AWS as a no-op but for the
    // secret it left out and the managed policy's statement, which it now grants inline.
    std::fs::create_dir_all(into.join("orders")).expect("folder");
    std::fs::copy(from.join("orders/index.js"), into.join("orders/index.js")).expect("code");
    let again = cloud::connect(into, "prod", &accounts)
        .await
        .expect("signed in");
    let plans = again.plan(&[]).await.expect("plan");
    let effective: Vec<(String, Vec<String>)> = plans[0]
        .changes
        .iter()
        .filter(|c| c.action != "noOp")
        .map(|c| (c.kind.clone(), c.details.clone()))
        .collect();
    assert_eq!(
        effective,
        [
            (
                "permission".to_owned(),
                vec!["the permissions differ from functory.toml".to_owned()]
            ),
            (
                "configuration".to_owned(),
                vec!["environment -API_TOKEN".to_owned()]
            ),
            ("version".to_owned(), vec![]),
            (
                "alias".to_owned(),
                vec!["version 1 → the new version".to_owned()]
            )
        ],
        "{plans:#?}"
    );

    // Importing it again refuses: the project has it.
    let twice = functory_api::cloud_import::import_function(
        into,
        "prod",
        "orders",
        functory_api::cloud_import::ImportOptions::default(),
        &accounts,
    )
    .await
    .expect_err("already there");
    assert_eq!(twice.code, ErrorCode::AlreadyExists);
    let _ = accounts.remove("ci");
}

/// A live tail is started only where the provider's capabilities declare one; elsewhere it is
/// refused as not supported before anything is signed in to. (Where declared, connecting is
/// what fails here: the targets name an account the keychain does not hold.)
#[tokio::test]
async fn live_tails_are_offered_where_the_provider_declares_them() {
    let accounts = Accounts::in_namespace(Namespace::custom(format!(
        "functory-api-live-tail-test-{}",
        std::process::id()
    )));
    let dir = tempfile::tempdir().expect("a project folder");
    std::fs::write(
        dir.path().join("functory.toml"),
        "[project]\nname = \"tails\"\n\n[targets.dev]\nadapter = \"local\"\n\n\
         [targets.prod]\nadapter = \"aws\"\nregion = \"us-east-1\"\naccount = \"nobody\"\n\n\
         [targets.az]\nadapter = \"azure\"\nsubscription_id = \"s\"\nresource_group = \"rg\"\nfunction_app = \"app\"\naccount = \"nobody\"\n\n\
         [targets.gc]\nadapter = \"gcp\"\nproject_id = \"p\"\nregion = \"europe-west1\"\naccount = \"nobody\"\n\n\
         [functions.echo]\nruntime = \"nodejs24.x\"\nhandler = \"echo.handler\"\n",
    )
    .expect("manifest");
    std::fs::write(
        dir.path().join("echo.js"),
        "exports.handler = async () => 1;\n",
    )
    .expect("handler");
    use functory_api::core::AdapterKind;
    let mut declared = 0;
    for (target, kind) in [
        ("dev", AdapterKind::Local),
        ("prod", AdapterKind::Aws),
        ("az", AdapterKind::Azure),
        ("gc", AdapterKind::Gcp),
    ] {
        let capabilities = cloud::capabilities_of(kind);
        assert_eq!(
            cloud::LiveTail::of(kind).is_some(),
            capabilities.live_tail,
            "the Run & Logs switch is offered for {kind} exactly when it declares a live tail"
        );
        let outcome = cloud::live_logs(
            dir.path(),
            target,
            "echo",
            &functory_api::local::LogQuery::default(),
            &accounts,
        )
        .await;
        let refused = matches!(&outcome, Err(e) if e.code == ErrorCode::NotSupported);
        assert_eq!(
            refused,
            !capabilities.live_tail,
            "target `{target}`: live_tail is declared {}, yet a live tail answered {:?}",
            capabilities.live_tail,
            outcome.err()
        );
        declared += usize::from(capabilities.live_tail);
    }
    assert_eq!(declared, 2, "AWS and Google declare a live tail");
}
