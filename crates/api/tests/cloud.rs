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
runtime = "nodejs20.x"
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
    assert_eq!(function["Configuration"]["Runtime"], "nodejs20.x");
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
        "functory-shop-orders",
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
    let role = cli(&["iam", "get-role", "--role-name", "functory-shop-orders"]);
    assert_eq!(
        role["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"],
        "lambda.amazonaws.com"
    );

    // The secret went into the SDK and nowhere else.
    let report_json = serde_json::to_string(&(&report, &again, &changed, &versions)).unwrap();
    assert!(!report_json.contains(&canary));
    assert_eq!(files_containing(root, &canary), Vec::<String>::new());
}
