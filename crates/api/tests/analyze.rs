//! The analyzer as the app and the CLI use it: on a real project folder.

use std::path::Path;

use functory_api::Project;
use functory_api::analyze;

const MANIFEST: &str = r#"# Orders worker — comments must survive "use the generated policy".
[project]
name = "orders"

[functions.worker]   # reads the queue
runtime = "nodejs20.x"
handler = "src/worker.handler"
environment = { TABLE = "orders", TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:events" }

# Hand-written and too broad.
[[functions.worker.permissions]]
actions = ["dynamodb:*", "sqs:SendMessage"]
resources = ["*"]

[functions.other]
runtime = "python3.12"
handler = "app.handler" # keep this comment
"#;

const WORKER: &str = r#"import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SNSClient as Sns, PublishCommand } from '@aws-sdk/client-sns';

const ddb = new DynamoDBClient({});
const sns = new Sns({});

export const handler = async (event) => {
  await ddb.send(new PutItemCommand({ TableName: process.env.TABLE, Item: {} }));
  await sns.send(new PublishCommand({ TopicArn: process.env.TOPIC_ARN, Message: 'x' }));
  return { ok: true };
};
"#;

fn project(dir: &Path) -> Project {
    std::fs::create_dir_all(dir.join("src")).expect("mkdir");
    std::fs::write(dir.join("functory.toml"), MANIFEST).expect("write manifest");
    std::fs::write(dir.join("src/worker.mjs"), WORKER).expect("write handler");
    std::fs::write(
        dir.join("app.py"),
        "def handler(event, context):\n    return 1\n",
    )
    .expect("write python handler");
    Project::open(dir).expect("the project opens")
}

#[test]
fn analyses_a_function_and_reports_findings_in_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project(dir.path());
    let result = analyze::analyze(&project, "worker").expect("analysis");
    let actions: Vec<&str> = result
        .analysis
        .calls
        .iter()
        .flat_map(|c| c.actions.iter().map(String::as_str))
        .collect();
    assert_eq!(actions, ["dynamodb:PutItem", "sns:Publish"]);
    let codes: Vec<(&str, &str, u32)> = result
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.file.as_str(), f.line))
        .collect();
    // sns:Publish is not granted (the call's line), dynamodb:* is broader than needed and
    // sqs:SendMessage is unused (the manifest's lines).
    assert!(
        codes.contains(&("LPA001", "src/worker.mjs", 9)),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("LPA002", "functory.toml", 12)),
        "{codes:?}"
    );
    assert_eq!(
        codes.iter().filter(|(c, ..)| *c == "LPA002").count(),
        2,
        "{codes:?}"
    );

    let all = analyze::analyze_project(&project).expect("project analysis");
    assert_eq!(all.functions.len(), 2);
    let missing = analyze::analyze(&project, "nope").unwrap_err();
    assert_eq!(missing.code, functory_api::ErrorCode::NotFound);

    // The Security view's report carries the analyzer's findings too.
    let report = functory_api::lint::lint_project(&project).expect("lint");
    assert!(report.findings.iter().any(|f| f.code == "LPA001"));
}

#[test]
fn the_generated_policy_replaces_the_permissions_after_a_preview() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project(dir.path());
    let preview = analyze::preview_generated_policy(&project, "worker").expect("preview");
    assert!(
        preview
            .diff
            .contains("-actions = [\"dynamodb:*\", \"sqs:SendMessage\"]"),
        "{}",
        preview.diff
    );
    assert!(
        preview.diff.contains("+actions = [\"dynamodb:PutItem\"]"),
        "{}",
        preview.diff
    );
    // Nothing is written by a preview.
    assert_eq!(project.manifest_text().expect("read"), MANIFEST);
    analyze::apply_generated_policy(&project, "worker").expect("apply");
    let after = project.manifest_text().expect("read");
    assert_eq!(after, preview.after);
    assert!(after.contains("# Hand-written and too broad."), "{after}");
    assert!(
        after.contains("handler = \"app.handler\" # keep this comment"),
        "{after}"
    );
    assert!(
        after.contains("resources = [\"arn:aws:dynamodb:*:*:table/orders\"]"),
        "{after}"
    );
    let again = analyze::analyze(&project, "worker").expect("analysis");
    assert!(again.analysis.comparison.missing.is_empty());
    assert!(again.analysis.comparison.unused.is_empty());
}

#[test]
fn the_generated_policy_names_declared_resources_as_the_user_writes_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project(dir.path());
    // The table the code writes is declared: the policy names it, and reads back as its ARN.
    let declared = MANIFEST.replace(
        "[functions.other]",
        "[resources.orders]\nkind = \"table\"\npartition_key = \"id\"\n\n[functions.other]",
    );
    std::fs::write(dir.path().join("functory.toml"), &declared).expect("write manifest");
    analyze::apply_generated_policy(&project, "worker").expect("apply");
    let after = project.manifest_text().expect("read");
    assert!(after.contains("resources = [\"orders\"]"), "{after}");
    // The topic is not declared: its ARN stays as the code names it.
    assert!(
        after.contains("resources = [\"arn:aws:sns:us-east-1:123456789012:events\"]"),
        "{after}"
    );
    let again = analyze::analyze(&project, "worker").expect("analysis");
    assert!(
        again.analysis.comparison.missing.is_empty(),
        "{:?}",
        again.analysis.comparison
    );
    assert!(
        again.analysis.comparison.unused.is_empty(),
        "{:?}",
        again.analysis.comparison
    );
}

#[test]
fn explains_access_denied_with_the_call_and_the_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project(dir.path());
    let text = "ERROR AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/worker/worker is not authorized to perform: sns:Publish on resource: arn:aws:sns:us-east-1:123456789012:events because no identity-based policy allows the sns:Publish action";
    let help = analyze::explain_access_denied(&project, "worker", text).expect("explained");
    assert_eq!(
        help.explanation.denied.action.as_deref(),
        Some("sns:Publish")
    );
    assert_eq!(help.explanation.calls.len(), 1);
    assert_eq!(help.explanation.calls[0].location.line, 9);
    let preview = help.preview.expect("a change is proposed");
    assert!(
        preview.diff.contains("+actions = [\"sns:Publish\"]"),
        "{}",
        preview.diff
    );
    assert!(
        preview
            .diff
            .contains("+resources = [\"arn:aws:sns:us-east-1:123456789012:events\"]"),
        "{}",
        preview.diff
    );
    let none = analyze::explain_access_denied(&project, "worker", "all fine").unwrap_err();
    assert_eq!(none.code, functory_api::ErrorCode::InvalidInput);
}

#[test]
fn outlines_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project(dir.path());
    let outline = analyze::outline(&project, "src/worker.mjs").expect("outline");
    assert!(
        outline
            .outline
            .iter()
            .any(|i| i.name == "handler" && i.exported)
    );
}

#[tokio::test]
async fn the_session_offers_the_analysis_of_the_open_project() {
    use functory_api::session::{LaunchRequest, Session};

    let data = tempfile::tempdir().expect("tempdir");
    let dir = tempfile::tempdir().expect("tempdir");
    project(dir.path());
    let session = Session::new(data.path(), LaunchRequest::Nothing);
    session
        .open_project(&dir.path().display().to_string())
        .expect("open");
    let analysis = session.analyze_function("worker").expect("analysis");
    assert_eq!(analysis.analysis.calls.len(), 2);
    assert_eq!(session.analyze_project().expect("all").functions.len(), 2);
    let preview = session.preview_generated_policy("worker").expect("preview");
    let view = session
        .set_permissions("worker", preview.permissions.clone())
        .await
        .expect("set");
    let worker = view
        .manifest
        .manifest
        .expect("manifest")
        .functions
        .into_iter()
        .find(|f| f.name == "worker")
        .expect("worker");
    assert_eq!(worker.permissions, preview.permissions);
    let outline = session.outline_file("app.py").expect("outline");
    assert_eq!(outline.outline.len(), 1);
}

fn actions_of(project: &Project, function: &str) -> Vec<String> {
    let analysis = analyze::analyze_project(project).expect("project analysis");
    let found = analysis
        .functions
        .into_iter()
        .find(|f| f.analysis.function == function)
        .expect("the function is analysed");
    found
        .analysis
        .calls
        .iter()
        .flat_map(|c| c.actions.iter().cloned())
        .collect()
}

/// Analyses are reused while nothing they were made from changed (app re-lints after a save
/// analyse again only what the save touched): a module the handler imports — missing at first,
/// then written, then changed — and functory.toml each change the answer at once.
#[test]
fn a_remembered_analysis_follows_every_file_it_read_and_the_manifest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = project(dir.path());
    let handler = r#"import { save } from './store.mjs';
export const handler = async (event) => save(event);
"#;
    std::fs::write(dir.path().join("src/worker.mjs"), handler).expect("write handler");
    let store = |command: &str| {
        format!(
            "import {{ DynamoDBClient, {command} }} from '@aws-sdk/client-dynamodb';\n\
             const ddb = new DynamoDBClient({{}});\n\
             export const save = async (event) => ddb.send(new {command}({{ TableName: 'orders', Key: {{}} }}));\n"
        )
    };
    // The imported module does not exist yet: nothing is called.
    assert_eq!(actions_of(&project, "worker"), Vec::<String>::new());
    assert_eq!(actions_of(&project, "worker"), Vec::<String>::new());
    // Written: the looked-for file now exists, so the remembered answer is not reused.
    std::fs::write(dir.path().join("src/store.mjs"), store("DeleteItemCommand")).expect("write");
    assert_eq!(actions_of(&project, "worker"), ["dynamodb:DeleteItem"]);
    // Changed: the module's new content is read.
    std::fs::write(dir.path().join("src/store.mjs"), store("GetItemCommand")).expect("write");
    assert_eq!(actions_of(&project, "worker"), ["dynamodb:GetItem"]);
    // The manifest changes what is granted, so the findings follow it.
    let ungranted = |project: &Project| {
        analyze::analyze(project, "worker")
            .expect("analysis")
            .findings
            .iter()
            .filter(|f| f.code == "LPA001")
            .count()
    };
    assert_eq!(ungranted(&project), 0, "dynamodb:* grants GetItem");
    std::fs::write(
        dir.path().join("functory.toml"),
        MANIFEST.replace(
            r#"actions = ["dynamodb:*", "sqs:SendMessage"]"#,
            r#"actions = ["sqs:SendMessage"]"#,
        ),
    )
    .expect("write manifest");
    assert_eq!(ungranted(&project), 1, "GetItem is no longer granted");
}
