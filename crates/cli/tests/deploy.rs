//! `functory deploy`, `versions`, `rollback`, `invoke` and `logs` on an AWS target, as a user
//! runs them, against a real moto server. The target signs in with a profile of an AWS config
//! file of the test's own (`AWS_CONFIG_FILE`), and `AWS_ENDPOINT_URL` sends every call to moto,
//! exactly as it would for the AWS CLI.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{functory_with, text};
use functory_api::aws::moto::MotoServer;

const MANIFEST: &str = r#"[project]
name = "shop"

[targets.prod]
adapter = "aws"
region = "eu-west-1"
profile = "shop-ci"

[functions.orders]
runtime = "python3.12"
handler = "orders.handler"
"#;

struct Env {
    moto: MotoServer,
    dir: tempfile::TempDir,
    aws: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let moto = MotoServer::start().unwrap_or_else(|e| panic!("{e}"));
        moto.lambda_without_docker()
            .unwrap_or_else(|e| panic!("{e}"));
        let dir = tempfile::tempdir().expect("a project folder");
        std::fs::write(dir.path().join("functory.toml"), MANIFEST).expect("manifest");
        std::fs::write(
            dir.path().join("orders.py"),
            "def handler(event, context):\n    return {'ok': True}\n",
        )
        .expect("handler");
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
                .expect("git runs");
            assert!(status.success());
        }
        let aws = tempfile::tempdir().expect("an AWS config folder");
        std::fs::write(
            aws.path().join("config"),
            "[profile shop-ci]\nregion = eu-west-1\n",
        )
        .expect("config");
        std::fs::write(
            aws.path().join("credentials"),
            "[shop-ci]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY\n",
        )
        .expect("credentials");
        Env { moto, dir, aws }
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let config = self.aws.path().join("config");
        let credentials = self.aws.path().join("credentials");
        let endpoint = self.moto.endpoint_url();
        functory_with(
            args,
            Some(self.dir.path()),
            &[
                ("AWS_CONFIG_FILE", config.to_str().expect("UTF-8 path")),
                (
                    "AWS_SHARED_CREDENTIALS_FILE",
                    credentials.to_str().expect("UTF-8 path"),
                ),
                ("AWS_ENDPOINT_URL", endpoint.as_str()),
                ("AWS_EC2_METADATA_DISABLED", "true"),
            ],
            "functory-cli-deploy-test",
            stdin,
        )
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

#[test]
fn plan_deploy_redeploy_invoke_versions_and_rollback() {
    let env = Env::new();

    let plan = ok(&env.run(&["deploy", "--target", "prod", "--plan"], ""));
    assert!(plan.contains("orders → prod (changes"), "{plan}");
    assert!(
        plan.contains("+ role functory-shop-prod-orders: create"),
        "{plan}"
    );
    assert!(
        plan.contains("+ function orders: create (python3.12, 128 MB, 3 s, 1 files"),
        "{plan}"
    );
    assert!(plan.contains("+ alias prod: create"), "{plan}");
    // --plan changed nothing: the next plan is the same.
    assert_eq!(
        ok(&env.run(&["deploy", "--target", "prod", "--plan"], "")),
        plan
    );

    // Without a terminal and without --yes, nothing is deployed.
    let refused = env.run(&["deploy", "--target", "prod"], "");
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("add --yes"),
        "{}",
        text(&refused.stderr)
    );

    let deployed = env.run(&["deploy", "--target", "prod", "--yes"], "");
    let out = ok(&deployed);
    assert!(
        out.contains("deployed orders to prod: version 1 (code uploaded)"),
        "{out}"
    );
    let progress = text(&deployed.stderr);
    assert!(progress.contains("5/5 orders: done"), "{progress}");
    assert!(
        progress.contains("1/5 orders: creating role functory-shop-prod-orders"),
        "{progress}"
    );

    let again = ok(&env.run(&["deploy", "--target", "prod", "--yes"], ""));
    assert!(again.contains("version 1 (no change)"), "{again}");
    assert!(again.contains("= code orders: no change"), "{again}");

    std::fs::write(
        env.root().join("orders.py"),
        "def handler(event, context):\n    return {'ok': 2}\n",
    )
    .expect("edit");
    let changed = ok(&env.run(&["deploy", "orders", "--target", "prod", "--yes"], ""));
    assert!(changed.contains("~ code orders: update"), "{changed}");
    assert!(changed.contains("version 2 (code uploaded)"), "{changed}");

    let history = ok(&env.run(&["history", "orders"], ""));
    assert!(history.contains("prod"), "{history}");

    let versions = ok(&env.run(&["versions", "orders", "--target", "prod"], ""));
    let lines: Vec<&str> = versions.lines().collect();
    assert_eq!(lines.len(), 2, "{versions}");
    assert!(lines[1].starts_with("*    2"), "{versions}");

    let rolled = ok(&env.run(&["rollback", "orders", "--target", "prod", "--to", "1"], ""));
    assert!(rolled.contains("now serves version 1"), "{rolled}");
    let versions = ok(&env.run(&["versions", "orders", "--target", "prod", "--json"], ""));
    let versions: serde_json::Value = serde_json::from_str(&versions).expect("JSON");
    assert_eq!(versions[0]["serving"], true);

    let bad = env.run(&["rollback", "orders", "--target", "prod", "--to", "9"], "");
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("its versions are: 1, 2"),
        "{}",
        text(&bad.stderr)
    );

    // moto answers an invoke by echoing the event.
    let invoked = ok(&env.run(
        &["invoke", "orders", "--target", "prod", "--event", "-"],
        r#"{"id": 7}"#,
    ));
    assert!(invoked.contains("\"id\": 7"), "{invoked}");

    // No invocation wrote a log line in moto: an empty log, not an error.
    let logs = ok(&env.run(&["logs", "orders", "--target", "prod"], ""));
    assert_eq!(logs.trim(), "");
}

#[test]
fn bad_input_is_named() {
    let env = Env::new();
    let unknown = env.run(&["deploy", "--target", "staging", "--plan"], "");
    assert!(!unknown.status.success());
    assert!(
        text(&unknown.stderr).contains("no target `staging` in functory.toml; known targets: prod"),
        "{}",
        text(&unknown.stderr)
    );

    let missing = env.run(&["deploy", "nope", "--target", "prod", "--plan"], "");
    assert!(
        text(&missing.stderr).contains("no function `nope`"),
        "{}",
        text(&missing.stderr)
    );

    // A profile that does not exist names itself and what to do.
    let manifest = MANIFEST.replace("profile = \"shop-ci\"", "profile = \"nobody\"");
    std::fs::write(env.root().join("functory.toml"), manifest).expect("manifest");
    let no_profile = env.run(&["deploy", "--target", "prod", "--plan"], "");
    assert!(!no_profile.status.success());
    let stderr = text(&no_profile.stderr);
    assert!(stderr.contains("AWS profile `nobody`"), "{stderr}");
    assert!(!stderr.contains("Debug"), "{stderr}");
}

/// The `aws` CLI of the moto venv at `endpoint` in `region`: its JSON answer (`Null` when it
/// prints nothing); a failing command fails the test with what it said.
fn aws_cli(endpoint: &str, region: &str, args: &[&str]) -> serde_json::Value {
    let binary = functory_api::aws::moto::venv_dir().join("bin/aws");
    let output = Command::new(&binary)
        .args(args)
        .args([
            "--endpoint-url",
            endpoint,
            "--region",
            region,
            "--output",
            "json",
        ])
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "not-a-secret")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap_or_else(|e| panic!("{} does not run ({e})", binary.display()));
    assert!(
        output.status.success(),
        "aws {args:?}: {}",
        text(&output.stderr)
    );
    if output.stdout.iter().all(u8::is_ascii_whitespace) {
        return serde_json::Value::Null;
    }
    serde_json::from_slice(&output.stdout).expect("JSON from the aws CLI")
}

impl Env {
    /// The `aws` CLI at this test's moto, in the profile's region.
    fn aws(&self, args: &[&str]) {
        aws_cli(&self.moto.endpoint_url(), "eu-west-1", args);
    }

    /// The same, answering its JSON.
    fn aws_json(&self, args: &[&str]) -> serde_json::Value {
        aws_cli(&self.moto.endpoint_url(), "eu-west-1", args)
    }
}

#[test]
fn import_aws_brings_a_deployed_function_into_another_project() {
    let env = Env::new();
    let manifest = MANIFEST.replace(
        "handler = \"orders.handler\"\n",
        "handler = \"orders.handler\"\nmemory_mb = 512\nenvironment = { TABLE = \"orders\" }\n\n[[functions.orders.triggers]]\nkind = \"schedule\"\nexpression = \"rate(1 hour)\"\n",
    );
    std::fs::write(env.root().join("functory.toml"), manifest).expect("manifest");
    ok(&env.run(&["deploy", "--target", "prod", "--yes"], ""));

    let other = tempfile::tempdir().expect("another project");
    std::fs::write(
        other.path().join("functory.toml"),
        "[project]\nname = \"shop\"\n\n# Where the function comes from.\n[targets.prod]\nadapter = \"aws\"\nregion = \"eu-west-1\"\nprofile = \"shop-ci\"\n",
    )
    .expect("manifest");
    let dir = other.path().to_str().expect("UTF-8 path");
    let out = ok(&env.run(
        &["import", "aws", "orders", "--target", "prod", "--dir", dir],
        "",
    ));
    assert!(
        out.contains("imported: configuration: python3.12 orders.handler, 512 MB, 3 s"),
        "{out}"
    );
    assert!(
        out.contains("imported: environment TABLE: variable"),
        "{out}"
    );
    assert!(
        out.contains(
            "imported: trigger schedule rate(1 hour): EventBridge Scheduler schedule functory-shop-prod-orders-1"
        ),
        "{out}"
    );
    assert!(out.contains("not imported: code: not downloaded:"), "{out}");
    assert!(out.contains("added function orders to"), "{out}");
    let written = std::fs::read_to_string(other.path().join("functory.toml")).expect("manifest");
    assert!(
        written.contains("# Where the function comes from."),
        "{written}"
    );
    assert!(
        written.contains("[functions.orders]\nruntime = \"python3.12\"\nhandler = \"orders.handler\"\ncode_dir = \"orders\"\nmemory_mb = 512\ntimeout_s = 3\n"),
        "{written}"
    );
    assert!(
        written.contains("kind = \"schedule\"\nexpression = \"rate(1 hour)\""),
        "{written}"
    );

    // Once is enough: the second import names what is in the way, and writes nothing.
    let again = env.run(
        &["import", "aws", "orders", "--target", "prod", "--dir", dir],
        "",
    );
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("functory.toml already has a function `orders`"),
        "{}",
        text(&again.stderr)
    );
    let unknown = env.run(
        &["import", "aws", "nope", "--target", "prod", "--dir", dir],
        "",
    );
    assert!(
        text(&unknown.stderr).contains("function `nope` not found"),
        "{}",
        text(&unknown.stderr)
    );
}

#[test]
fn logs_follow_live_reads_a_live_tail_session() {
    let env = Env::new();
    ok(&env.run(&["deploy", "--target", "prod", "--yes"], ""));

    // Before the function wrote anything there is no log group to tail; it says so.
    let early = env.run(
        &["logs", "orders", "--target", "prod", "--follow", "--live"],
        "",
    );
    assert!(!early.status.success());
    assert!(
        text(&early.stderr).contains("invoke it, then start the live tail"),
        "{}",
        text(&early.stderr)
    );

    // Lines as Lambda writes them, put with the aws CLI.
    let id = "0c9bd7f4-8a1e-4d3b-9f2a-6e5d4c3b2a19";
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock")
        .as_millis();
    env.aws(&[
        "logs",
        "create-log-group",
        "--log-group-name",
        "/aws/lambda/orders",
    ]);
    env.aws(&[
        "logs",
        "create-log-stream",
        "--log-group-name",
        "/aws/lambda/orders",
        "--log-stream-name",
        "2026/12/02/[1]cli",
    ]);
    let events = serde_json::json!([
        {"timestamp": now - 20, "message": format!("START RequestId: {id} Version: 1")},
        {"timestamp": now - 10, "message": format!("[WARNING]\t2026-12-02T10:00:00.000Z\t{id}\tlow stock")},
    ]);
    env.aws(&[
        "logs",
        "put-log-events",
        "--log-group-name",
        "/aws/lambda/orders",
        "--log-stream-name",
        "2026/12/02/[1]cli",
        "--log-events",
        &events.to_string(),
    ]);
    // moto's live tail session sends what the group holds, then ends.
    let live = env.run(
        &["logs", "orders", "--target", "prod", "--follow", "--live"],
        "",
    );
    let out = ok(&live);
    assert!(out.contains(&format!("── request {id}")), "{out}");
    assert!(out.contains("low stock"), "{out}");
    let stderr = text(&live.stderr);
    assert!(stderr.contains("billed by AWS per minute"), "{stderr}");
    assert!(stderr.contains("the live tail session ended"), "{stderr}");

    // --live only follows, and only on a cloud target.
    let without_follow = env.run(&["logs", "orders", "--target", "prod", "--live"], "");
    assert!(!without_follow.status.success());
    assert!(
        text(&without_follow.stderr).contains("--follow"),
        "{}",
        text(&without_follow.stderr)
    );
}

/// Issue 17's path, as a developer takes it: a new HTTP project, a target added from the
/// command line, and a deploy with nothing but the environment's keys (as a CI job has them):
/// the function and its HTTP API land in moto, the aws CLI reads them back, and a second
/// deploy makes no write call.
#[test]
fn a_new_http_project_deploys_to_aws_with_the_environments_credentials() {
    let moto = MotoServer::start().unwrap_or_else(|e| panic!("{e}"));
    moto.lambda_without_docker()
        .unwrap_or_else(|e| panic!("{e}"));
    let parent = tempfile::tempdir().expect("a folder");
    let root = parent.path().join("hello");
    let endpoint = moto.endpoint_url();
    let env = chain_only(&endpoint);
    let run = |args: &[&str], cwd: &Path| {
        functory_with(args, Some(cwd), &env, "functory-cli-http-deploy-test", "")
    };
    ok(&run(
        &[
            "new",
            root.to_str().expect("UTF-8"),
            "--template",
            "node-http",
        ],
        parent.path(),
    ));
    ok(&run(
        &[
            "target",
            "add",
            "dev",
            "--adapter",
            "aws",
            "--region",
            "us-east-1",
        ],
        &root,
    ));
    let listed = ok(&run(&["target", "list"], &root));
    assert!(
        listed.contains("dev\taws us-east-1\tthe environment's credential chain"),
        "{listed}"
    );
    let first = run(&["deploy", "--target", "dev", "--yes", "--json"], &root);
    let report: serde_json::Value = serde_json::from_str(&ok(&first)).expect("a JSON report");
    let stderr = text(&first.stderr);
    assert!(
        stderr.contains("acts as arn:aws:")
            && stderr.contains("the AWS credentials of the environment"),
        "the plan says whose account it changes: {stderr}"
    );
    let deployed = &report["deployed"][0];
    let calls: Vec<&str> = deployed["calls"]
        .as_array()
        .expect("calls")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    for call in [
        "CreateFunction",
        "CreateApi",
        "CreateStage",
        "CreateIntegration",
        "CreateRoute",
        "AddPermission",
    ] {
        assert!(calls.contains(&call), "{call} in {calls:?}");
    }
    let endpoint_line = deployed["endpoints"][0].as_str().expect("the route's URL");
    assert!(endpoint_line.starts_with("GET https://"), "{endpoint_line}");

    // What moto holds, through the aws CLI.
    let aws = |args: &[&str]| aws_cli(&endpoint, "us-east-1", args);
    let apis = aws(&["apigatewayv2", "get-apis"]);
    let id = apis["Items"][0]["ApiId"]
        .as_str()
        .expect("the project's API");
    let routes = aws(&["apigatewayv2", "get-routes", "--api-id", id]);
    assert_eq!(routes["Items"].as_array().map(Vec::len), Some(1));
    let integrations = aws(&["apigatewayv2", "get-integrations", "--api-id", id]);
    assert_eq!(integrations["Items"][0]["IntegrationType"], "AWS_PROXY");
    let stages = aws(&["apigatewayv2", "get-stages", "--api-id", id]);
    assert_eq!(stages["Items"][0]["StageName"], "$default");

    // Again: nothing to write.
    let second = run(&["deploy", "--target", "dev", "--yes", "--json"], &root);
    let report: serde_json::Value = serde_json::from_str(&ok(&second)).expect("a JSON report");
    assert_eq!(
        report["deployed"][0]["calls"],
        serde_json::json!([]),
        "a no-change redeploy writes nothing"
    );
}

/// `[resources]` on AWS: the deploy creates what the triggers name before the function is wired
/// to it, tags each as the project's, and a second deploy changes nothing; a bucket another
/// Functory project made is refused before anything changes.
#[test]
fn declared_resources_are_created_once_tagged_and_wired_to_their_triggers() {
    let env = Env::new();
    let manifest = format!(
        "{MANIFEST}\n[[functions.orders.triggers]]\nkind = \"queue\"\nqueue = \"jobs\"\n\n\
         [[functions.orders.triggers]]\nkind = \"stream\"\nstream = \"orders\"\n\n\
         [[functions.orders.triggers]]\nkind = \"storage\"\nbucket = \"shop-uploads-test\"\n\n\
         [resources.shop-uploads-test]\nkind = \"bucket\"\n\n\
         [resources.jobs]\nkind = \"queue\"\nvisibility_timeout_s = 60\ndead_letter = \"jobs-failed\"\nmax_receives = 3\n\n\
         [resources.jobs-failed]\nkind = \"queue\"\n\n\
         [resources.orders]\nkind = \"table\"\npartition_key = \"id\"\nstream = \"new_image\"\n\n\
         [resources.receipts]\nkind = \"topic\"\n\n\
         [resources.shop-bus]\nkind = \"bus\"\n"
    );
    std::fs::write(env.root().join("functory.toml"), manifest).expect("manifest");

    let plan = ok(&env.run(&["deploy", "--target", "prod", "--plan"], ""));
    for line in [
        "resources → prod (changes):",
        "+ bucket shop-uploads-test: create [CreateBucket, PutBucketTagging]",
        "+ queue jobs: create (visibility timeout 60 s; dead-letter queue jobs-failed after 3 receives) [CreateQueue]",
        "+ queue jobs-failed: create [CreateQueue]",
        "+ table orders: create (key id (S); stream NEW_IMAGE) [CreateTable]",
        "+ topic receipts: create [CreateTopic]",
        "+ bus shop-bus: create [CreateEventBus]",
    ] {
        assert!(plan.contains(line), "{line} in\n{plan}");
    }
    let out = ok(&env.run(&["deploy", "--target", "prod", "--yes"], ""));
    assert!(out.contains("created table orders in prod"), "{out}");

    // What the account holds, through the aws CLI.
    let tags = env.aws_json(&[
        "s3api",
        "get-bucket-tagging",
        "--bucket",
        "shop-uploads-test",
    ]);
    assert_eq!(
        tags["TagSet"],
        serde_json::json!([{"Key": "functory:project", "Value": "shop"}])
    );
    let queue = env.aws_json(&["sqs", "get-queue-url", "--queue-name", "jobs"]);
    let url = queue["QueueUrl"].as_str().expect("the queue's URL");
    let attributes = env.aws_json(&[
        "sqs",
        "get-queue-attributes",
        "--queue-url",
        url,
        "--attribute-names",
        "All",
    ]);
    let redrive: serde_json::Value = serde_json::from_str(
        attributes["Attributes"]["RedrivePolicy"]
            .as_str()
            .expect("a redrive policy"),
    )
    .expect("JSON");
    assert!(
        redrive["deadLetterTargetArn"]
            .as_str()
            .is_some_and(|arn| arn.ends_with(":jobs-failed")),
        "{redrive}"
    );
    let table = env.aws_json(&["dynamodb", "describe-table", "--table-name", "orders"]);
    let stream_arn = table["Table"]["LatestStreamArn"]
        .as_str()
        .expect("the table's stream");
    let mappings = env.aws_json(&[
        "lambda",
        "list-event-source-mappings",
        "--function-name",
        "orders:prod",
    ]);
    let mut sources: Vec<String> = mappings["EventSourceMappings"]
        .as_array()
        .expect("mappings")
        .iter()
        .filter_map(|m| m["EventSourceArn"].as_str().map(str::to_owned))
        .collect();
    sources.sort();
    assert_eq!(
        sources,
        [
            stream_arn.to_owned(),
            "arn:aws:sqs:eu-west-1:123456789012:jobs".to_owned()
        ]
    );
    // The queue's mapping takes the handler's batchItemFailures, as the local run does.
    let queue_mapping = mappings["EventSourceMappings"]
        .as_array()
        .expect("mappings")
        .iter()
        .find(|m| {
            m["EventSourceArn"]
                .as_str()
                .is_some_and(|a| a.contains(":sqs:"))
        })
        .expect("the queue's mapping");
    assert_eq!(
        queue_mapping["FunctionResponseTypes"],
        serde_json::json!(["ReportBatchItemFailures"])
    );
    // The role may read the table's stream and the queue: the declared names resolved.
    let policy = env.aws_json(&[
        "iam",
        "get-role-policy",
        "--role-name",
        "functory-shop-prod-orders",
        "--policy-name",
        "functory-permissions",
    ]);
    let document = policy["PolicyDocument"].to_string();
    assert!(document.contains("table/orders/stream/*"), "{document}");
    let notifications = env.aws_json(&[
        "s3api",
        "get-bucket-notification-configuration",
        "--bucket",
        "shop-uploads-test",
    ]);
    assert_eq!(
        notifications["LambdaFunctionConfigurations"][0]["Id"],
        "functory-shop-prod-orders-1"
    );

    // Again: nothing to create, nothing to change.
    let again = ok(&env.run(&["deploy", "--target", "prod", "--plan"], ""));
    assert!(again.contains("resources → prod (no change):"), "{again}");
    assert!(again.contains("orders → prod (no change"), "{again}");

    // A bucket of another Functory project is not taken over.
    env.aws(&[
        "s3api",
        "create-bucket",
        "--bucket",
        "theirs-bucket-test",
        "--create-bucket-configuration",
        "LocationConstraint=eu-west-1",
    ]);
    env.aws(&[
        "s3api",
        "put-bucket-tagging",
        "--bucket",
        "theirs-bucket-test",
        "--tagging",
        "TagSet=[{Key=functory:project,Value=billing}]",
    ]);
    let text_now = std::fs::read_to_string(env.root().join("functory.toml")).expect("manifest");
    std::fs::write(
        env.root().join("functory.toml"),
        format!("{text_now}\n[resources.theirs-bucket-test]\nkind = \"bucket\"\n"),
    )
    .expect("manifest");
    let refused = env.run(&["deploy", "--target", "prod", "--yes"], "");
    assert!(!refused.status.success());
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("bucket `theirs-bucket-test` of [resources.theirs-bucket-test] belongs to Functory project `billing`, not `shop`"),
        "{stderr}"
    );
}

/// Every template of `functory new`, in both languages, as a developer uses it: created, no
/// least-privilege finding (its permissions are what its code calls), a target added, deployed
/// to AWS (moto) with the resources it declares and nothing but the environment's credentials,
/// and deployed again with zero write calls.
#[test]
fn every_template_deploys_to_aws_as_created_and_redeploys_without_a_write() {
    let moto = MotoServer::start().unwrap_or_else(|e| panic!("{e}"));
    moto.lambda_without_docker()
        .unwrap_or_else(|e| panic!("{e}"));
    let parent = tempfile::tempdir().expect("a folder");
    let endpoint = moto.endpoint_url();
    let env = chain_only(&endpoint);
    let run = |args: &[&str], cwd: &Path| {
        functory_with(
            args,
            Some(cwd),
            &env,
            "functory-cli-template-deploy-test",
            "",
        )
    };
    for template in functory_api::core::template::FunctionTemplate::ALL {
        // Every template's function is `hello`: each deploys into a fresh account.
        moto.reset().unwrap_or_else(|e| panic!("{e}"));
        moto.lambda_without_docker()
            .unwrap_or_else(|e| panic!("{e}"));
        let id = template.id();
        let root = parent.path().join(id);
        ok(&run(
            &["new", root.to_str().expect("UTF-8"), "--template", id],
            parent.path(),
        ));
        let lint = ok(&run(&["lint", "."], &root));
        assert!(lint.contains("0 findings"), "{id}: {lint}");
        let analysis = ok(&run(&["analyze", "hello"], &root));
        assert!(
            analysis.contains("the granted permissions match what the code needs"),
            "{id}: {analysis}"
        );
        ok(&run(
            &[
                "target",
                "add",
                "dev",
                "--adapter",
                "aws",
                "--region",
                "us-east-1",
            ],
            &root,
        ));
        let first = run(&["deploy", "--target", "dev", "--yes", "--json"], &root);
        let report: serde_json::Value = serde_json::from_str(&ok(&first)).expect("a JSON report");
        assert!(
            report["deployed"][0]["calls"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| c == "CreateFunction")),
            "{id}: {report}"
        );
        let declared = std::fs::read_to_string(root.join("functory.toml"))
            .expect("manifest")
            .matches("[resources.")
            .count();
        assert_eq!(
            report["resources"].as_array().map(Vec::len),
            Some(declared),
            "{id}: every declared resource is created: {report}"
        );
        let second = run(&["deploy", "--target", "dev", "--yes", "--json"], &root);
        let again: serde_json::Value = serde_json::from_str(&ok(&second)).expect("a JSON report");
        assert_eq!(
            (&again["resources"], &again["deployed"][0]["calls"]),
            (&serde_json::json!([]), &serde_json::json!([])),
            "{id}: a no-change redeploy writes nothing"
        );
    }
}

/// An environment whose only AWS sign-in is the standard chain's environment keys (no config
/// files, no instance metadata), calling `endpoint`; git knows who commits.
fn chain_only(endpoint: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        (
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
        ),
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_CONFIG_FILE", "/nonexistent/functory-test-config"),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/functory-test-credentials",
        ),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_PROFILE", ""),
        ("GIT_AUTHOR_NAME", "CI"),
        ("GIT_AUTHOR_EMAIL", "ci@example.com"),
        ("GIT_COMMITTER_NAME", "CI"),
        ("GIT_COMMITTER_EMAIL", "ci@example.com"),
    ]
}
