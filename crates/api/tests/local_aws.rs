//! The local AWS services as a user meets them: a project declares a table and a bucket,
//! `functory run` starts a real emulator (MiniStack) with them, and unmodified handlers —
//! boto3 in Python, the AWS SDK for JavaScript v3 in an ES module and through `require` —
//! write and read them with real `python3` and `node`, each with its declared permissions
//! only. State outlives the run. A refused call is explained and fixed as a user does it.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use functory_api::Project;
use functory_api::local::{LocalRun, RunSettings};

const MANIFEST: &str = r#"[project]
name = "shop"

[resources.orders]
kind = "table"
partition_key = "id"

[resources.receipts]
kind = "bucket"

[functions.save]
runtime = "python3.12"
handler = "app.handler"
code_dir = "save"

[functions.save.environment]
TABLE = "orders"

[[functions.save.permissions]]
actions = ["dynamodb:PutItem"]
resources = ["arn:aws:dynamodb:eu-west-1:111122223333:table/orders"]

[[functions.save.permissions]]
actions = ["s3:PutObject"]
resources = ["arn:aws:s3:::receipts/*"]

[functions.read]
runtime = "nodejs22.x"
handler = "index.handler"
code_dir = "read"

[[functions.read.permissions]]
actions = ["dynamodb:GetItem", "s3:GetObject"]
resources = ["arn:aws:dynamodb:*:*:table/orders", "arn:aws:s3:::receipts/*"]

[functions.count]
runtime = "nodejs22.x"
handler = "count.handler"
code_dir = "count"

[[functions.count.permissions]]
actions = ["s3:ListBucket"]
resources = ["arn:aws:s3:::receipts"]
"#;

const SAVE: &str = r#"import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
s3 = boto3.client("s3")


def handler(event, context):
    table.put_item(Item={"id": event["id"], "total": event["total"]})
    s3.put_object(Bucket="receipts", Key=f"{event['id']}.txt", Body=b"paid")
    return {"saved": event["id"], "boto3": boto3.__version__, "file": boto3.__file__}
"#;

const READ: &str = r#"import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";

import { db } from "./db.mjs";

const s3 = new S3Client({});

export const handler = async (event) => {
  const item = await db.send(new GetItemCommand({ TableName: "orders", Key: { id: { S: event.id } } }));
  const object = await s3.send(new GetObjectCommand({ Bucket: "receipts", Key: `${event.id}.txt` }));
  return { total: Number(item.Item.total.N), receipt: await object.Body.transformToString() };
};
"#;

/// A helper module of `read` that imports the SDK itself (ES modules resolve it per importer).
const READ_DB: &str = r#"import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

export const db = new DynamoDBClient({});
"#;

const COUNT: &str = r#"const { S3Client, ListObjectsV2Command } = require("@aws-sdk/client-s3");

const s3 = new S3Client({});

exports.handler = async () => {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: "receipts" }));
  return { keys: (listed.Contents || []).map((o) => o.Key) };
};
"#;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("functory.toml"), MANIFEST).unwrap();
    for (folder, file, text) in [
        ("save", "app.py", SAVE),
        ("read", "index.mjs", READ),
        ("read", "db.mjs", READ_DB),
        ("count", "count.js", COUNT),
    ] {
        std::fs::create_dir_all(root.join(folder)).unwrap();
        std::fs::write(root.join(folder).join(file), text).unwrap();
    }
    dir
}

fn settings() -> RunSettings {
    RunSettings {
        port: 0,
        ..RunSettings::default()
    }
}

async fn invoke(run: &LocalRun, function: &str, event: &str) -> serde_json::Value {
    let result = run.invoke(function, event).await.unwrap();
    assert!(
        result.function_error.is_none(),
        "{function} failed: {}\n{}",
        result.payload,
        result.logs.join("\n")
    );
    serde_json::from_str(&result.payload).unwrap()
}

/// A raw HTTP/1.1 POST to `base` (`http://127.0.0.1:PORT`), as curl sends it; the whole
/// answer, head and body.
async fn post(base: &str, path: &str, headers: &str, body: &str) -> String {
    let address = base.trim_start_matches("http://").to_owned();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        text
    })
    .await
    .unwrap()
}

async fn start(root: &Path) -> LocalRun {
    let run = LocalRun::start(root, &settings()).await.unwrap();
    let status = run.status();
    assert!(status.problems.is_empty(), "{:#?}", status.problems);
    run
}

#[tokio::test(flavor = "multi_thread")]
async fn handlers_use_declared_resources_through_unmodified_sdks_and_state_outlives_the_run() {
    let project = project();
    let run = start(project.path()).await;
    let aws = run
        .status()
        .aws
        .expect("the run started the local AWS services");
    assert!(
        aws.endpoint.starts_with("http://127.0.0.1:"),
        "{}",
        aws.endpoint
    );
    let made: Vec<(String, String, bool)> = aws
        .resources
        .iter()
        .map(|r| (r.name.clone(), r.arn.clone(), r.created))
        .collect();
    assert_eq!(
        made,
        [
            (
                "orders".to_owned(),
                "arn:aws:dynamodb:us-east-1:123456789012:table/orders".to_owned(),
                true
            ),
            (
                "receipts".to_owned(),
                "arn:aws:s3:::receipts".to_owned(),
                true
            ),
        ]
    );

    let saved = invoke(&run, "save", r#"{"id": "o-1", "total": 42}"#).await;
    assert_eq!(saved["saved"], "o-1");
    // The boto3 Lambda provides (the pinned one, from the SDK cache), not the machine's.
    assert_eq!(saved["boto3"], "1.44.18");
    assert!(
        saved["file"].as_str().unwrap().contains("lambda-sdks"),
        "{saved}"
    );

    let read = invoke(&run, "read", r#"{"id": "o-1"}"#).await;
    assert_eq!(read, serde_json::json!({"total": 42, "receipt": "paid"}));
    let counted = invoke(&run, "count", "{}").await;
    assert_eq!(counted, serde_json::json!({"keys": ["o-1.txt"]}));

    // Stopped and started again: the resources are found, with what the handlers wrote.
    run.stop();
    drop(run);
    let again = start(project.path()).await;
    let aws = again.status().aws.unwrap();
    assert!(
        aws.resources.iter().all(|r| !r.created),
        "{:#?}",
        aws.resources
    );
    let read = invoke(&again, "read", r#"{"id": "o-1"}"#).await;
    assert_eq!(read, serde_json::json!({"total": 42, "receipt": "paid"}));

    // Each identity's key id is remembered (ids only), and renewed on each start.
    let remembered = project
        .path()
        .join(".functory/local/aws/identity-keys.json");
    let ids = |text: &str| -> std::collections::BTreeMap<String, String> {
        serde_json::from_str(text).unwrap()
    };
    let second = ids(&std::fs::read_to_string(&remembered).unwrap());
    assert_eq!(
        second.keys().collect::<Vec<_>>(),
        ["count", "read", "save"],
        "{second:?}"
    );
    assert!(
        !std::fs::read_to_string(&remembered)
            .unwrap()
            .contains("SecretAccessKey"),
        "only key ids are written"
    );
    // Ids the emulator does not know (its state removed by hand, a file from elsewhere): the
    // identities' keys are listed instead, and the run works as before.
    again.stop();
    drop(again);
    std::fs::write(
        &remembered,
        r#"{"save": "AKIAUNKNOWN0000000000", "read": "not-a-key"}"#,
    )
    .unwrap();
    let third = start(project.path()).await;
    let read = invoke(&third, "read", r#"{"id": "o-1"}"#).await;
    assert_eq!(read, serde_json::json!({"total": 42, "receipt": "paid"}));
    let renewed = ids(&std::fs::read_to_string(&remembered).unwrap());
    assert_eq!(renewed.len(), 3, "{renewed:?}");
    assert!(
        renewed
            .values()
            .all(|id| !second.values().any(|old| old == id)
                && id != "AKIAUNKNOWN0000000000"
                && id != "not-a-key"),
        "{renewed:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_project_without_resources_runs_without_the_services_unless_asked() {
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("functory.toml"),
        "[project]\nname = \"plain\"\n",
    )
    .unwrap();
    let run = LocalRun::start(project.path(), &settings()).await.unwrap();
    assert_eq!(run.status().aws, None);
    run.stop();
    let asked = RunSettings {
        aws_services: Some(true),
        ..settings()
    };
    let run = LocalRun::start(project.path(), &asked).await.unwrap();
    let aws = run.status().aws.expect("asked for");
    assert!(aws.resources.is_empty());
    run.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_emulator_is_a_problem_with_its_fix_and_the_rest_runs() {
    let project = project();
    std::fs::create_dir_all(project.path().join("hello")).unwrap();
    std::fs::write(
        project.path().join("hello/hello.py"),
        "def handler(event, context):\n    return {\"hello\": event[\"name\"]}\n",
    )
    .unwrap();
    let manifest = format!(
        "{MANIFEST}\n[functions.hello]\nruntime = \"python3.12\"\nhandler = \"hello.handler\"\ncode_dir = \"hello\"\n"
    );
    std::fs::write(project.path().join("functory.toml"), manifest).unwrap();
    let nothing_here = tempfile::tempdir().unwrap();
    let settings = RunSettings {
        emulator_venv: Some(nothing_here.path().to_owned()),
        ..settings()
    };
    let run = LocalRun::start(project.path(), &settings).await.unwrap();
    let status = run.status();
    assert_eq!(status.aws, None);
    assert_eq!(status.problems.len(), 1, "{:#?}", status.problems);
    assert!(
        status.problems[0].contains("bash scripts/local-aws.sh")
            && status.problems[0].contains("the run started without them"),
        "{}",
        status.problems[0]
    );
    // The rest of the run serves.
    let hello = invoke(&run, "hello", r#"{"name": "ada"}"#).await;
    assert_eq!(hello, serde_json::json!({"hello": "ada"}));
    run.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_the_permissions_do_not_grant_is_refused_explained_fixed_and_then_succeeds() {
    let project = project();
    let root = project.path();
    // `save` loses its DynamoDB permission: its PutItem must now be refused.
    let manifest = MANIFEST.replace(
        "actions = [\"dynamodb:PutItem\"]\nresources = [\"arn:aws:dynamodb:eu-west-1:111122223333:table/orders\"]\n\n[[functions.save.permissions]]\n",
        "",
    );
    assert_ne!(manifest, MANIFEST);
    std::fs::write(root.join("functory.toml"), &manifest).unwrap();

    let run = start(root).await;
    assert!(run.status().aws.unwrap().permissions_enforced);
    let refused = run
        .invoke("save", r#"{"id": "o-9", "total": 1}"#)
        .await
        .unwrap();
    let error = refused.function_error.expect("PutItem is not granted");
    assert!(
        refused.payload.contains("AccessDenied")
            && refused
                .payload
                .contains("is not authorized to perform: dynamodb:PutItem"),
        "{} / {error:?}",
        refused.payload
    );
    run.stop();
    drop(run);

    // Explain, as the Run view's button does with the refusal's text, and apply its change.
    let opened = Project::open(root).unwrap();
    let help =
        functory_api::analyze::explain_access_denied(&opened, "save", &refused.payload).unwrap();
    let proposed = help
        .explanation
        .proposed
        .clone()
        .expect("an exact change is proposed");
    assert!(
        proposed
            .iter()
            .any(|p| p.actions.iter().any(|a| a == "dynamodb:PutItem")
                && p.resources.iter().any(|r| r.ends_with(":table/orders"))),
        "{proposed:#?}"
    );
    functory_api::analyze::set_permissions(&opened, "save", proposed).unwrap();

    let run = start(root).await;
    let saved = invoke(&run, "save", r#"{"id": "o-9", "total": 1}"#).await;
    assert_eq!(saved["saved"], "o-9");
    run.stop();

    // With enforcement off the same refusal does not happen, and the run says so.
    std::fs::write(root.join("functory.toml"), &manifest).unwrap();
    let open = RunSettings {
        enforce_permissions: false,
        ..settings()
    };
    let run = LocalRun::start(root, &open).await.unwrap();
    assert!(!run.status().aws.unwrap().permissions_enforced);
    let saved = invoke(&run, "save", r#"{"id": "o-10", "total": 2}"#).await;
    assert_eq!(saved["saved"], "o-10");
    run.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn in_the_app_an_applied_fix_takes_effect_on_the_next_invoke_without_a_restart() {
    use functory_api::session::{LaunchRequest, Session};

    let project = project();
    let root = project.path();
    let manifest = MANIFEST.replace(
        "actions = [\"dynamodb:GetItem\", \"s3:GetObject\"]",
        "actions = [\"s3:GetObject\"]",
    );
    assert_ne!(manifest, MANIFEST);
    std::fs::write(root.join("functory.toml"), &manifest).unwrap();
    let data = tempfile::tempdir().unwrap();
    let session = Session::new(data.path(), LaunchRequest::Nothing);
    session.open_project(&root.display().to_string()).unwrap();
    session.start_run(Some(0)).await.unwrap();

    let refused = session
        .invoke_function("read", r#"{"id": "o-1"}"#)
        .await
        .unwrap();
    assert!(
        refused.function_error.is_some()
            && refused
                .payload
                .contains("is not authorized to perform: dynamodb:GetItem"),
        "{}",
        refused.payload
    );
    let help = session
        .explain_access_denied("read", &refused.payload)
        .unwrap();
    let proposed = help.preview.expect("a change to review").permissions;
    session.set_permissions("read", proposed).await.unwrap();

    // Same run, same instance: GetItem is allowed now, and the handler goes on to the receipt,
    // which nobody saved — S3's NoSuchKey, not a refusal.
    let again = session
        .invoke_function("read", r#"{"id": "o-1"}"#)
        .await
        .unwrap();
    assert!(
        !again.payload.contains("not authorized"),
        "the fix did not reach the running services: {}",
        again.payload
    );
    assert!(again.payload.contains("NoSuchKey"), "{}", again.payload);
    session.stop_run();
}

const CALLER: &str = r#"import json

import boto3

lam = boto3.client("lambda")


def handler(event, context):
    answer = lam.invoke(FunctionName=event["target"], Payload=json.dumps({"name": "from " + context.function_name}))
    return {"status": answer["StatusCode"], "payload": json.loads(answer["Payload"].read())}
"#;

const GREET: &str = r#"def handler(event, context):
    return {"hello": event["name"]}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn handlers_invoke_other_functions_through_the_local_invoke_api_within_their_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("functory.toml"),
        r#"[project]
name = "chain"

[resources.audit]
kind = "bucket"

[functions.caller]
runtime = "python3.12"
handler = "caller.handler"
code_dir = "caller"

[[functions.caller.permissions]]
actions = ["lambda:InvokeFunction"]
resources = ["arn:aws:lambda:eu-west-1:111122223333:function:greet"]

[functions.greet]
runtime = "python3.12"
handler = "greet.handler"
code_dir = "greet"

[functions.secret]
runtime = "python3.12"
handler = "greet.handler"
code_dir = "greet"
"#,
    )
    .unwrap();
    for (folder, file, text) in [
        ("caller", "caller.py", CALLER),
        ("greet", "greet.py", GREET),
    ] {
        std::fs::create_dir_all(root.join(folder)).unwrap();
        std::fs::write(root.join(folder).join(file), text).unwrap();
    }
    let run = start(root).await;

    let allowed = invoke(&run, "caller", r#"{"target": "greet"}"#).await;
    assert_eq!(
        allowed,
        serde_json::json!({"status": 200, "payload": {"hello": "from caller"}})
    );
    let refused = run
        .invoke("caller", r#"{"target": "secret"}"#)
        .await
        .unwrap();
    assert!(
        refused.payload.contains("AccessDeniedException")
            && refused.payload.contains(
                "user/caller is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:secret"
            ),
        "{}",
        refused.payload
    );
    // Granted in functory.toml: the next invoke is allowed, without a restart.
    let manifest = std::fs::read_to_string(root.join("functory.toml")).unwrap();
    std::fs::write(
        root.join("functory.toml"),
        manifest.replace(
            r#"resources = ["arn:aws:lambda:eu-west-1:111122223333:function:greet"]"#,
            r#"resources = ["arn:aws:lambda:eu-west-1:111122223333:function:greet", "arn:aws:lambda:*:*:function:secret"]"#,
        ),
    )
    .unwrap();
    run.refresh_permissions().await.unwrap();
    let allowed = invoke(&run, "caller", r#"{"target": "secret"}"#).await;
    assert_eq!(
        allowed,
        serde_json::json!({"status": 200, "payload": {"hello": "from caller"}})
    );

    // From outside the run (a terminal's `aws lambda invoke --endpoint-url`), unsigned.
    let answer = post(
        &run.gateway_url(),
        "/2015-03-31/functions/greet/invocations",
        "X-Amz-Log-Type: Tail\r\n",
        r#"{"name": "terminal"}"#,
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("x-amz-log-result:"),
        "{answer}"
    );
    assert!(answer.ends_with(r#"{"hello": "terminal"}"#), "{answer}");
    run.stop();
}

const SEND: &str = r#"import { SQSClient, GetQueueUrlCommand, SendMessageCommand } from "@aws-sdk/client-sqs";

const sqs = new SQSClient({});

export const handler = async (event) => {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: "jobs" }));
  for (const body of event.bodies) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
  return { sent: event.bodies.length };
};
"#;

const WORK: &str = r#"import boto3

table = boto3.resource("dynamodb").Table("done")


def handler(event, context):
    failures = []
    for record in event["Records"]:
        if record["body"] == "fail":
            failures.append({"itemIdentifier": record["messageId"]})
        else:
            table.put_item(Item={"id": record["body"], "source": record["eventSourceARN"]})
    return {"batchItemFailures": failures}
"#;

const PEEK: &str = r#"import boto3

table = boto3.resource("dynamodb").Table("done")
sqs = boto3.client("sqs")


def handler(event, context):
    url = sqs.get_queue_url(QueueName="jobs-failed")["QueueUrl"]
    dead = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    items = table.scan()["Items"]
    return {"done": sorted(i["id"] for i in items), "sources": sorted({i["source"] for i in items}), "dead": [m["Body"] for m in dead]}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_message_any_sdk_sends_to_a_declared_queue_triggers_its_function_with_lambdas_semantics()
{
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("functory.toml"),
        r#"[project]
name = "jobs"

[resources.jobs]
kind = "queue"
# As short as Lambda allows for a function of 3 s, so a failed message comes back soon.
visibility_timeout_s = 3
dead_letter = "jobs-failed"
max_receives = 2

[resources.jobs-failed]
kind = "queue"

[resources.done]
kind = "table"
partition_key = "id"

[functions.send]
runtime = "nodejs22.x"
handler = "send.handler"
code_dir = "send"

[[functions.send.permissions]]
actions = ["sqs:GetQueueUrl", "sqs:SendMessage"]
resources = ["arn:aws:sqs:*:*:jobs"]

[functions.work]
runtime = "python3.12"
handler = "work.handler"
code_dir = "work"

[[functions.work.triggers]]
kind = "queue"
queue = "jobs"
batch_size = 5

[[functions.work.permissions]]
actions = ["dynamodb:PutItem"]
resources = ["arn:aws:dynamodb:*:*:table/done"]

[functions.peek]
runtime = "python3.12"
handler = "peek.handler"
code_dir = "peek"

[[functions.peek.permissions]]
actions = ["dynamodb:Scan", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]
resources = ["arn:aws:dynamodb:*:*:table/done", "arn:aws:sqs:*:*:jobs-failed"]
"#,
    )
    .unwrap();
    for (folder, file, text) in [
        ("send", "send.mjs", SEND),
        ("work", "work.py", WORK),
        ("peek", "peek.py", PEEK),
    ] {
        std::fs::create_dir_all(root.join(folder)).unwrap();
        std::fs::write(root.join(folder).join(file), text).unwrap();
    }
    let run = start(root).await;
    // The queue is the emulator's, not a Functory queue of the run.
    assert!(run.status().queues.is_empty(), "{:#?}", run.status().queues);

    let sent = invoke(&run, "send", r#"{"bodies": ["a", "b", "fail"]}"#).await;
    assert_eq!(sent["sent"], 3);

    // Delivered in batches; `fail` is reported as a batch item failure, received once more
    // after its 3 s visibility timeout, then moved to the dead-letter queue by the queue's own
    // redrive policy.
    let started = std::time::Instant::now();
    loop {
        let seen = invoke(&run, "peek", "{}").await;
        if seen["dead"] == serde_json::json!(["fail"]) {
            assert_eq!(seen["done"], serde_json::json!(["a", "b"]));
            assert_eq!(
                seen["sources"],
                serde_json::json!(["arn:aws:sqs:us-east-1:123456789012:jobs"])
            );
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "not delivered as expected: {seen}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    run.stop();
}

const UPLOAD: &str = r#"import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

const s3 = new S3Client({});

export const handler = async (event) => {
  for (const key of event.keys) await s3.send(new PutObjectCommand({ Bucket: "photos", Key: key, Body: "pixels" }));
  return { uploaded: event.keys.length };
};
"#;

const THUMB: &str = r#"import boto3

table = boto3.resource("dynamodb").Table("seen")
s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        key = record["s3"]["object"]["key"]
        body = s3.get_object(Bucket=record["s3"]["bucket"]["name"], Key=key)["Body"].read().decode()
        table.put_item(Item={"id": key, "event": record["eventName"], "body": body})
"#;

const SEEN: &str = r#"import boto3


def handler(event, context):
    items = boto3.resource("dynamodb").Table("seen").scan()["Items"]
    return sorted([i["id"], i["event"], i["body"]] for i in items)
"#;

#[tokio::test(flavor = "multi_thread")]
async fn an_object_any_sdk_puts_in_a_declared_bucket_triggers_its_storage_functions() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("functory.toml"),
        r#"[project]
name = "photos"

[resources.photos]
kind = "bucket"

[resources.seen]
kind = "table"
partition_key = "id"

[functions.upload]
runtime = "nodejs22.x"
handler = "upload.handler"
code_dir = "upload"

[[functions.upload.permissions]]
actions = ["s3:PutObject"]
resources = ["arn:aws:s3:::photos/*"]

[functions.thumb]
runtime = "python3.12"
handler = "thumb.handler"
code_dir = "thumb"

[[functions.thumb.triggers]]
kind = "storage"
bucket = "photos"
suffix = ".jpg"

[[functions.thumb.permissions]]
actions = ["s3:GetObject", "dynamodb:PutItem"]
resources = ["arn:aws:s3:::photos/*", "arn:aws:dynamodb:*:*:table/seen"]

[functions.seen]
runtime = "python3.12"
handler = "seen.handler"
code_dir = "seen"

[[functions.seen.permissions]]
actions = ["dynamodb:Scan"]
resources = ["arn:aws:dynamodb:*:*:table/seen"]
"#,
    )
    .unwrap();
    for (folder, file, text) in [
        ("upload", "upload.mjs", UPLOAD),
        ("thumb", "thumb.py", THUMB),
        ("seen", "seen.py", SEEN),
    ] {
        std::fs::create_dir_all(root.join(folder)).unwrap();
        std::fs::write(root.join(folder).join(file), text).unwrap();
    }
    let run = start(root).await;
    // A declared bucket has no trigger folder of its own: the emulator's S3 is the bucket
    // (its folder mirrors it, see the next test).
    assert!(
        run.status().buckets.is_empty(),
        "{:#?}",
        run.status().buckets
    );

    let uploaded = invoke(
        &run,
        "upload",
        r#"{"keys": ["cat.jpg", "notes.txt", "dir/dog.jpg"]}"#,
    )
    .await;
    assert_eq!(uploaded["uploaded"], 3);
    let started = std::time::Instant::now();
    loop {
        let seen = invoke(&run, "seen", "{}").await;
        if seen.as_array().is_some_and(|s| s.len() == 2) {
            assert_eq!(
                seen,
                serde_json::json!([
                    ["cat.jpg", "ObjectCreated:Put", "pixels"],
                    ["dir/dog.jpg", "ObjectCreated:Put", "pixels"]
                ])
            );
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "the storage trigger did not run as expected: {seen}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    run.stop();
}

const MOVE: &str = r#"import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for key, body in event.get("put", {}).items():
        s3.put_object(Bucket="drops", Key=key, Body=body.encode(), ContentType="text/plain")
    for key in event.get("delete", []):
        s3.delete_object(Bucket="drops", Key=key)
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket="drops").get("Contents", []))
"#;

const NOTE: &str = r#"import boto3

table = boto3.resource("dynamodb").Table("seen")
s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        key = record["s3"]["object"]["key"]
        got = s3.get_object(Bucket="drops", Key=key)
        table.update_item(
            Key={"id": key},
            UpdateExpression="SET body = :b, content_type = :t ADD times :one",
            ExpressionAttributeValues={":b": got["Body"].read().decode(), ":t": got["ContentType"], ":one": 1},
        )
"#;

const NOTED: &str = r#"import boto3


def handler(event, context):
    items = boto3.resource("dynamodb").Table("seen").scan()["Items"]
    return sorted([i["id"], i["body"], i["content_type"], int(i["times"])] for i in items)
"#;

/// Waits until `check` holds of a file-system or service state, for at most 15 s.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let started = std::time::Instant::now();
    loop {
        match check().await {
            Ok(()) => return,
            Err(state) if started.elapsed() > std::time::Duration::from_secs(15) => {
                panic!("{what}: {state}")
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
}

fn files_under(folder: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut pending = vec![folder.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else {
                let relative = entry.path().strip_prefix(folder).unwrap().to_owned();
                files.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread")]
async fn a_declared_buckets_folder_holds_its_objects_both_ways_and_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("functory.toml"),
        r#"[project]
name = "drops"

[resources.drops]
kind = "bucket"

[resources.seen]
kind = "table"
partition_key = "id"

[functions.move]
runtime = "python3.12"
handler = "move.handler"

[[functions.move.permissions]]
actions = ["s3:PutObject", "s3:DeleteObject", "s3:ListBucket"]
resources = ["arn:aws:s3:::drops", "arn:aws:s3:::drops/*"]

[functions.note]
runtime = "python3.12"
handler = "note.handler"

[[functions.note.triggers]]
kind = "storage"
bucket = "drops"

[[functions.note.permissions]]
actions = ["s3:GetObject", "dynamodb:UpdateItem"]
resources = ["arn:aws:s3:::drops/*", "arn:aws:dynamodb:*:*:table/seen"]

[functions.noted]
runtime = "python3.12"
handler = "noted.handler"

[[functions.noted.permissions]]
actions = ["dynamodb:Scan"]
resources = ["arn:aws:dynamodb:*:*:table/seen"]
"#,
    )
    .unwrap();
    for (file, text) in [("move.py", MOVE), ("note.py", NOTE), ("noted.py", NOTED)] {
        std::fs::write(root.join(file), text).unwrap();
    }
    let folder = root.join(".functory/local/buckets/drops");
    // A file there before the bucket was ever made becomes its object when the run starts,
    // without firing the trigger (nothing uploaded it while the run ran).
    std::fs::create_dir_all(folder.join("old")).unwrap();
    std::fs::write(folder.join("old/kept.txt"), "from before").unwrap();

    let run = start(root).await;
    let resource = run
        .status()
        .aws
        .unwrap()
        .resources
        .into_iter()
        .find(|r| r.name == "drops")
        .unwrap();
    assert_eq!(
        Path::new(resource.folder.as_deref().unwrap()),
        folder.canonicalize().unwrap()
    );
    let listed = invoke(&run, "move", "{}").await;
    assert_eq!(listed, serde_json::json!(["old/kept.txt"]));

    // A handler's PutObject appears in the folder, and fires the trigger once.
    invoke(
        &run,
        "move",
        r#"{"put": {"from-sdk.txt": "hello", "deep/er/b.json": "{}"}}"#,
    )
    .await;
    eventually("the handler's objects appear in the folder", || async {
        let files = files_under(&folder);
        (files == ["deep/er/b.json", "from-sdk.txt", "old/kept.txt"]
            && std::fs::read_to_string(folder.join("from-sdk.txt"))
                .ok()
                .as_deref()
                == Some("hello"))
        .then_some(())
        .ok_or(format!("{files:?}"))
    })
    .await;

    // A file written into the folder is an object, with the content type its name implies, and
    // fires the trigger once.
    std::fs::write(folder.join("dropped.html"), "<p>hi</p>").unwrap();
    let expected = serde_json::json!([
        ["deep/er/b.json", "{}", "text/plain", 1],
        ["dropped.html", "<p>hi</p>", "text/html", 1],
        ["from-sdk.txt", "hello", "text/plain", 1],
    ]);
    eventually("every put fires the trigger once", || async {
        let noted = invoke(&run, "noted", "{}").await;
        (noted == expected).then_some(()).ok_or(noted.to_string())
    })
    .await;
    let listed = invoke(&run, "move", "{}").await;
    assert_eq!(
        listed,
        serde_json::json!([
            "deep/er/b.json",
            "dropped.html",
            "from-sdk.txt",
            "old/kept.txt"
        ])
    );

    // A file removed deletes its object; an object deleted removes its file.
    std::fs::remove_file(folder.join("dropped.html")).unwrap();
    invoke(&run, "move", r#"{"delete": ["deep/er/b.json"]}"#).await;
    eventually("removals reach the other side", || async {
        let listed = invoke(&run, "move", "{}").await;
        let files = files_under(&folder);
        (listed == serde_json::json!(["from-sdk.txt", "old/kept.txt"])
            && files == ["from-sdk.txt", "old/kept.txt"])
        .then_some(())
        .ok_or(format!("{listed} / {files:?}"))
    })
    .await;
    // Give any echo time to come back: none may fire the trigger again.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(invoke(&run, "noted", "{}").await, expected);
    run.stop();

    // While nothing runs, the folder changes: the next run brings the bucket up to it.
    std::fs::remove_file(folder.join("old/kept.txt")).unwrap();
    std::fs::write(folder.join("from-sdk.txt"), "edited").unwrap();
    std::fs::write(folder.join("new.txt"), "new").unwrap();
    let run = start(root).await;
    let listed = invoke(&run, "move", "{}").await;
    assert_eq!(listed, serde_json::json!(["from-sdk.txt", "new.txt"]));
    invoke(&run, "move", r#"{"put": {"later.txt": "x"}}"#).await;
    eventually("the restarted run mirrors too", || async {
        let files = files_under(&folder);
        (files == ["from-sdk.txt", "later.txt", "new.txt"])
            .then_some(())
            .ok_or(format!("{files:?}"))
    })
    .await;
    run.stop();

    // "Reset local data" empties the bucket and its folder alike.
    functory_api::local::reset_local_data(root).unwrap();
    assert!(files_under(&folder).is_empty());
    let run = start(root).await;
    assert_eq!(invoke(&run, "move", "{}").await, serde_json::json!([]));
    run.stop();
}

const REACT: &str = r#"import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

const s3 = new S3Client({});

export const handler = async (event) => {
  for (const record of event.Records) {
    if (record.eventName !== "INSERT") continue;
    const image = record.dynamodb.NewImage;
    await s3.send(new PutObjectCommand({ Bucket: "receipts", Key: `${image.id.S}.txt`, Body: `total ${image.total.N} via ${record.eventSource}` }));
  }
};
"#;

const RECEIPTS: &str = r#"import boto3

s3 = boto3.client("s3")


def handler(event, context):
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="receipts").get("Contents", [])]
    return {k: s3.get_object(Bucket="receipts", Key=k)["Body"].read().decode() for k in keys}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn an_item_written_to_a_declared_table_reaches_its_stream_function() {
    let project = project();
    let root = project.path();
    let manifest = MANIFEST.replace(
        "[resources.orders]\nkind = \"table\"\npartition_key = \"id\"\n",
        "[resources.orders]\nkind = \"table\"\npartition_key = \"id\"\nstream = \"new_image\"\n",
    ) + r#"
[functions.react]
runtime = "nodejs22.x"
handler = "react.handler"
code_dir = "react"

[[functions.react.triggers]]
kind = "stream"
stream = "orders"
starting_position = "TRIM_HORIZON"

[[functions.react.permissions]]
actions = ["s3:PutObject"]
resources = ["arn:aws:s3:::receipts/*"]

[functions.receipts]
runtime = "python3.12"
handler = "receipts.handler"
code_dir = "receipts"

[[functions.receipts.permissions]]
actions = ["s3:ListBucket", "s3:GetObject"]
resources = ["arn:aws:s3:::receipts", "arn:aws:s3:::receipts/*"]
"#;
    std::fs::write(root.join("functory.toml"), &manifest).unwrap();
    for (folder, file, text) in [
        ("react", "react.mjs", REACT),
        ("receipts", "receipts.py", RECEIPTS),
    ] {
        std::fs::create_dir_all(root.join(folder)).unwrap();
        std::fs::write(root.join(folder).join(file), text).unwrap();
    }
    let run = start(root).await;
    // `save` writes the item (and its own receipt, o-5.txt = "paid"); the stream function adds
    // o-5-like receipts from the table's stream: here it overwrites o-5.txt with the total.
    invoke(&run, "save", r#"{"id": "o-5", "total": 7}"#).await;
    let started = std::time::Instant::now();
    loop {
        let receipts = invoke(&run, "receipts", "{}").await;
        if receipts["o-5.txt"] == "total 7 via aws:dynamodb" {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "the stream function did not run: {receipts}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    run.stop();
}

/// The README's chain: an HTTP handler writes an item to a table, a stream function reacts and
/// publishes to a topic, a subscriber writes a file to a bucket, and a storage-triggered
/// function reads it — with an EventBridge rule beside it. Unmodified SDK code, real node and
/// python, nothing but `functory run`.
const CHAIN_MANIFEST: &str = r#"[project]
name = "orders-chain"

[resources.orders]
kind = "table"
partition_key = "id"
stream = "new_image"

[resources.order-events]
kind = "topic"

[resources.receipts]
kind = "bucket"

[resources.log]
kind = "table"
partition_key = "id"

[resources.shop]
kind = "bus"

[functions.create]
runtime = "python3.12"
handler = "create.handler"
code_dir = "create"

[[functions.create.triggers]]
kind = "http"
method = "POST"
path = "/orders"

[[functions.create.permissions]]
actions = ["dynamodb:PutItem"]
resources = ["arn:aws:dynamodb:*:*:table/orders"]

[functions.announce]
runtime = "nodejs22.x"
handler = "announce.handler"
code_dir = "announce"

[[functions.announce.triggers]]
kind = "stream"
stream = "orders"
starting_position = "TRIM_HORIZON"

[[functions.announce.permissions]]
actions = ["sns:Publish", "events:PutEvents"]
resources = ["arn:aws:sns:*:*:order-events", "arn:aws:events:*:*:event-bus/shop"]

[functions.receipt]
runtime = "python3.12"
handler = "receipt.handler"
code_dir = "receipt"

[[functions.receipt.triggers]]
kind = "topic"
topic = "order-events"
filter_policy = '{"kind": ["created"]}'

[[functions.receipt.permissions]]
actions = ["s3:PutObject"]
resources = ["arn:aws:s3:::receipts/*"]

[functions.archive]
runtime = "nodejs22.x"
handler = "archive.handler"
code_dir = "archive"

[[functions.archive.triggers]]
kind = "storage"
bucket = "receipts"

[[functions.archive.permissions]]
actions = ["s3:GetObject", "dynamodb:PutItem"]
resources = ["arn:aws:s3:::receipts/*", "arn:aws:dynamodb:*:*:table/log"]

[functions.audit]
runtime = "python3.12"
handler = "audit.handler"
code_dir = "audit"

[[functions.audit.triggers]]
kind = "event"
bus = "shop"
pattern = '{"source": ["shop.orders"], "detail-type": ["OrderCreated"]}'

[[functions.audit.permissions]]
actions = ["dynamodb:PutItem"]
resources = ["arn:aws:dynamodb:*:*:table/log"]

[functions.read-log]
runtime = "python3.12"
handler = "read_log.handler"
code_dir = "read-log"

[[functions.read-log.permissions]]
actions = ["dynamodb:Scan"]
resources = ["arn:aws:dynamodb:*:*:table/log"]
"#;

const CREATE: &str = r#"import json

import boto3

orders = boto3.resource("dynamodb").Table("orders")


def handler(event, context):
    order = json.loads(event["body"])
    orders.put_item(Item={"id": order["id"], "total": order["total"]})
    return {"statusCode": 201, "body": json.dumps({"created": order["id"]})}
"#;

const ANNOUNCE: &str = r#"import { SNSClient, ListTopicsCommand, PublishCommand } from "@aws-sdk/client-sns";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";

const sns = new SNSClient({});
const events = new EventBridgeClient({});
const topicArn = `arn:aws:sns:${process.env.AWS_REGION}:123456789012:order-events`;

export const handler = async (event) => {
  for (const record of event.Records) {
    const id = record.dynamodb.NewImage.id.S;
    const total = record.dynamodb.NewImage.total.N;
    await sns.send(new PublishCommand({
      TopicArn: topicArn,
      Message: JSON.stringify({ id, total }),
      MessageAttributes: { kind: { DataType: "String", StringValue: "created" } },
    }));
    // Filtered out by the subscription's policy: never reaches `receipt`.
    await sns.send(new PublishCommand({
      TopicArn: topicArn,
      Message: JSON.stringify({ id: `${id}-ignored` }),
      MessageAttributes: { kind: { DataType: "String", StringValue: "updated" } },
    }));
    await events.send(new PutEventsCommand({ Entries: [
      { EventBusName: "shop", Source: "shop.orders", DetailType: "OrderCreated", Detail: JSON.stringify({ id }) },
      { EventBusName: "shop", Source: "shop.other", DetailType: "OrderCreated", Detail: JSON.stringify({ id: "no" }) },
    ] }));
  }
};
"#;

const RECEIPT: &str = r#"import json

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        order = json.loads(record["Sns"]["Message"])
        s3.put_object(Bucket="receipts", Key=f"{order['id']}.json", Body=json.dumps({"total": order["total"], "topic": record["Sns"]["TopicArn"]}))
"#;

const ARCHIVE: &str = r#"import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";

const s3 = new S3Client({});
const db = new DynamoDBClient({});

export const handler = async (event) => {
  for (const record of event.Records) {
    const key = record.s3.object.key;
    const body = await (await s3.send(new GetObjectCommand({ Bucket: "receipts", Key: key }))).Body.transformToString();
    await db.send(new PutItemCommand({ TableName: "log", Item: { id: { S: `archived:${key}` }, body: { S: body } } }));
  }
};
"#;

const AUDIT: &str = r#"import json

import boto3

log = boto3.resource("dynamodb").Table("log")


def handler(event, context):
    log.put_item(Item={"id": "audited:" + event["detail"]["id"], "source": event["source"], "body": json.dumps(event["detail"])})
"#;

const READ_LOG: &str = r#"import boto3


def handler(event, context):
    items = boto3.resource("dynamodb").Table("log").scan()["Items"]
    return {i["id"]: i.get("body") for i in items}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn an_order_flows_from_http_through_table_stream_topic_bucket_and_events() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("functory.toml"), CHAIN_MANIFEST).unwrap();
    for (folder, file, text) in [
        ("create", "create.py", CREATE),
        ("announce", "announce.mjs", ANNOUNCE),
        ("receipt", "receipt.py", RECEIPT),
        ("archive", "archive.mjs", ARCHIVE),
        ("audit", "audit.py", AUDIT),
        ("read-log", "read_log.py", READ_LOG),
    ] {
        std::fs::create_dir_all(root.join(folder)).unwrap();
        std::fs::write(root.join(folder).join(file), text).unwrap();
    }
    let run = start(root).await;
    let answer = post(
        &run.gateway_url(),
        "/orders",
        "Content-Type: application/json\r\n",
        r#"{"id": "o-42", "total": 99}"#,
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 201"), "POST /orders: {answer}");

    let started = std::time::Instant::now();
    loop {
        let log = invoke(&run, "read-log", "{}").await;
        let archived = log["archived:o-42.json"]
            .as_str()
            .map(|b| serde_json::from_str::<serde_json::Value>(b).unwrap());
        let audited = log["audited:o-42"]
            .as_str()
            .map(|b| serde_json::from_str::<serde_json::Value>(b).unwrap());
        if let (Some(archived), Some(audited)) = (archived, audited) {
            assert_eq!(archived["total"], "99");
            assert_eq!(
                archived["topic"],
                "arn:aws:sns:us-east-1:123456789012:order-events"
            );
            assert_eq!(audited, serde_json::json!({"id": "o-42"}));
            // What the filter policy and the pattern leave out never arrives.
            assert!(log.get("archived:o-42-ignored.json").is_none(), "{log}");
            assert!(log.get("audited:no").is_none(), "{log}");
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(25),
            "the chain did not complete: {log}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    run.stop();
}

/// A raw HTTP/1.1 GET, the whole answer.
async fn get(base: &str, path: &str) -> String {
    let address = base.trim_start_matches("http://").to_owned();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        text
    })
    .await
    .unwrap()
}

/// The body of an HTTP answer, as JSON.
fn body_json(answer: &str) -> serde_json::Value {
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"))
}

/// Puts a file into a bucket and reads one back, as a user's other code would.
const FILES: &str = r#"import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

const s3 = new S3Client({});

export const handler = async (event) => {
  if (event.put) {
    await s3.send(new PutObjectCommand({ Bucket: event.bucket, Key: event.key, Body: event.put }));
    return { put: event.key };
  }
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: event.bucket, Key: event.key }));
    return { text: await object.Body.transformToString() };
  } catch (error) {
    return { missing: error.name };
  }
};
"#;

/// Every template that `functory new` offers, in both languages, runs locally with no edit:
/// its routes answer through the gateway and write the declared table, its upload trigger
/// fires on a real S3 put and writes the other bucket, the schedule handler runs, and the
/// queue worker answers the failed job alone in `batchItemFailures`.
#[tokio::test(flavor = "multi_thread")]
async fn every_template_runs_locally_as_created() {
    use functory_api::core::template::FunctionTemplate;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("templates");
    let project = Project::create(&root, "templates", None).unwrap();
    for template in FunctionTemplate::ALL {
        project
            .create_function(&template.id().replace("-http-api", "-api"), template)
            .unwrap_or_else(|e| panic!("{}: {e:?}", template.id()));
    }
    // A helper that puts and gets files, with just those permissions on every bucket.
    let manifest = std::fs::read_to_string(root.join("functory.toml")).unwrap();
    std::fs::write(
        root.join("functory.toml"),
        format!(
            "{manifest}\n[functions.files]\nruntime = \"nodejs24.x\"\nhandler = \"files.handler\"\ncode_dir = \"helper\"\n\n\
             [[functions.files.permissions]]\nactions = [\"s3:PutObject\", \"s3:GetObject\"]\nresources = [\"arn:aws:s3:::*/*\"]\n"
        ),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("helper")).unwrap();
    std::fs::write(root.join("helper/files.mjs"), FILES).unwrap();
    let manifest = std::fs::read_to_string(root.join("functory.toml")).unwrap();
    let bucket = |function: &str, role: &str| -> String {
        manifest
            .lines()
            .filter_map(|l| l.strip_prefix("[resources."))
            .map(|l| l.trim_end_matches(']').to_owned())
            .find(|b| b.starts_with(&format!("{function}-{role}-")))
            .unwrap_or_else(|| panic!("no {role} bucket of {function} in\n{manifest}"))
    };

    let run = start(&root).await;
    let base = run.gateway_url();
    for api in ["node-api", "python-api"] {
        let created = post(
            &base,
            &format!("/{api}"),
            "Content-Type: application/json\r\n",
            r#"{"title": "first"}"#,
        )
        .await;
        assert!(
            created.starts_with("HTTP/1.1 201"),
            "POST /{api}: {created}"
        );
        let item = body_json(&created);
        let id = item["id"].as_str().expect("an id").to_owned();
        let read = get(&base, &format!("/{api}/{id}")).await;
        assert!(read.starts_with("HTTP/1.1 200"), "GET /{api}/{id}: {read}");
        assert_eq!(body_json(&read)["title"], "first");
        let listed = body_json(&get(&base, &format!("/{api}")).await);
        assert_eq!(
            listed["items"].as_array().map(Vec::len),
            Some(1),
            "{listed}"
        );
        let missing = get(&base, &format!("/{api}/nope")).await;
        assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    }

    for upload in ["node-upload", "python-upload"] {
        let uploads = bucket(upload, "uploads");
        let results = bucket(upload, "results");
        invoke(
            &run,
            "files",
            &serde_json::json!({"bucket": uploads, "key": "notes/day one.txt", "put": "one two\nthree\n"})
                .to_string(),
        )
        .await;
        let started = std::time::Instant::now();
        loop {
            let got = invoke(
                &run,
                "files",
                &serde_json::json!({"bucket": results, "key": "notes/day one.txt.summary.json"})
                    .to_string(),
            )
            .await;
            if let Some(text) = got["text"].as_str() {
                let summary: serde_json::Value = serde_json::from_str(text).unwrap();
                assert_eq!(summary["words"], 3, "{upload}: {summary}");
                assert_eq!(summary["bytes"], 14, "{upload}: {summary}");
                assert_eq!(
                    summary["source"],
                    format!("s3://{uploads}/notes/day one.txt"),
                    "{upload}"
                );
                break;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(20),
                "{upload} wrote no summary: {got}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
    }

    for cron in ["node-cron", "python-cron"] {
        let ran = invoke(&run, cron, r#"{"time": "2026-12-07T09:00:00Z"}"#).await;
        assert_eq!(ran["ranFor"], "2026-12-07T09:00:00Z", "{cron}");
    }

    let batch = serde_json::json!({"Records": [
        {"messageId": "m-good", "body": "{\"task\": \"welcome-email\"}", "eventSource": "aws:sqs"},
        {"messageId": "m-bad", "body": "not json", "eventSource": "aws:sqs"},
        {"messageId": "m-no-task", "body": "{\"user\": 7}", "eventSource": "aws:sqs"}
    ]});
    for worker in ["node-queue-worker", "python-queue-worker"] {
        let answer = invoke(&run, worker, &batch.to_string()).await;
        assert_eq!(
            answer,
            serde_json::json!({"batchItemFailures": [
                {"itemIdentifier": "m-bad"}, {"itemIdentifier": "m-no-task"}
            ]}),
            "{worker}"
        );
    }
    run.stop();
}

const PRODUCE: &str = r#"import boto3

kinesis = boto3.client("kinesis")


def handler(event, context):
    out = kinesis.put_records(
        StreamName="clicks",
        Records=[{"Data": data.encode(), "PartitionKey": "p-" + data} for data in event["clicks"]],
    )
    return {"failed": out["FailedRecordCount"]}
"#;

const CONSUME: &str = r#"import base64

import boto3

table = boto3.resource("dynamodb").Table("seen")


def handler(event, context):
    failures = []
    for record in event["Records"]:
        data = base64.b64decode(record["kinesis"]["data"]).decode()
        seen = table.update_item(
            Key={"id": data},
            UpdateExpression="SET pk = :pk, src = :src, arn = :arn ADD times :one",
            ExpressionAttributeValues={":pk": record["kinesis"]["partitionKey"], ":src": record["eventSource"], ":arn": record["eventSourceARN"], ":one": 1},
            ReturnValues="UPDATED_NEW",
        )["Attributes"]
        if data == "fail-once" and seen["times"] == 1:
            failures.append({"itemIdentifier": record["kinesis"]["sequenceNumber"]})
    return {"batchItemFailures": failures}
"#;

const TIMES: &str = r#"import boto3


def handler(event, context):
    items = boto3.resource("dynamodb").Table("seen").scan()["Items"]
    return sorted([i["id"], int(i["times"]), i["pk"], i["src"], i["arn"]] for i in items)
"#;

#[tokio::test(flavor = "multi_thread")]
async fn records_put_to_a_kinesis_stream_trigger_its_function_and_resume_from_a_failed_one() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("functory.toml"),
        r#"[project]
name = "clicks"

[resources.seen]
kind = "table"
partition_key = "id"

[functions.produce]
runtime = "python3.12"
handler = "produce.handler"

[[functions.produce.permissions]]
actions = ["kinesis:PutRecords"]
resources = ["arn:aws:kinesis:*:*:stream/clicks"]

[functions.consume]
runtime = "python3.12"
handler = "consume.handler"

[[functions.consume.triggers]]
kind = "stream"
stream = "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"
starting_position = "TRIM_HORIZON"

[[functions.consume.permissions]]
actions = ["dynamodb:UpdateItem"]
resources = ["arn:aws:dynamodb:*:*:table/seen"]

[functions.times]
runtime = "python3.12"
handler = "times.handler"

[[functions.times.permissions]]
actions = ["dynamodb:Scan"]
resources = ["arn:aws:dynamodb:*:*:table/seen"]
"#,
    )
    .unwrap();
    for (file, text) in [
        ("produce.py", PRODUCE),
        ("consume.py", CONSUME),
        ("times.py", TIMES),
    ] {
        std::fs::write(root.join(file), text).unwrap();
    }
    let run = start(root).await;
    let produced = invoke(&run, "produce", r#"{"clicks": ["a", "fail-once", "b"]}"#).await;
    assert_eq!(produced["failed"], 0);
    let arn = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks";
    // `a` came before the failed record: once. The failed one and every one after it: again,
    // as Lambda resumes a stream batch from its first failed record.
    let expected = serde_json::json!([
        ["a", 1, "p-a", "aws:kinesis", arn],
        ["b", 2, "p-b", "aws:kinesis", arn],
        ["fail-once", 2, "p-fail-once", "aws:kinesis", arn],
    ]);
    eventually("the stream's records reach the function", || async {
        let seen = invoke(&run, "times", "{}").await;
        (seen == expected).then_some(()).ok_or(seen.to_string())
    })
    .await;
    run.stop();
}
