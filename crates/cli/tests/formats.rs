//! `functory import`, `functory export sam` and `functory events generate` as a user runs them.

mod common;

use std::path::Path;
use std::process::Output;

use common::{functory_with, text};

fn functory(args: &[&str], cwd: &Path) -> Output {
    functory_with(args, Some(cwd), &[], "functory-test-formats", "")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../formats/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the fixture exists")
}

/// A SAM project folder: the template and the handler files it names.
fn sam_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("template.yaml"), fixture("sam-shop.yaml")).expect("written");
    for file in [
        "orders/app.py",
        "thumbnails/src/resize.js",
        "worker/worker.py",
        "jobs/nightly.py",
        "webhook/index.js",
    ] {
        let path = dir.path().join(file);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("created");
        std::fs::write(path, "").expect("written");
    }
    dir
}

#[test]
fn import_sam_writes_functory_toml_and_reports_every_item() {
    let dir = sam_project();
    let before = std::fs::read(dir.path().join("template.yaml")).expect("read");
    let output = functory(&["import", "sam", "template.yaml"], dir.path());
    assert!(output.status.success(), "{output:?}");
    let out = text(&output.stdout);
    assert!(
        out.contains("template.yaml:50:11: not mapped: Resources.OrdersApi.Properties.Events.SignUp: event type Cognito"),
        "{out}"
    );
    assert!(
        out.contains("template.yaml:26:3: mapped: Resources.OrdersApi: function `OrdersApi`"),
        "{out}"
    );
    assert!(out.contains("functory.toml (5 functions;"), "{out}");
    // The template is only read; the manifest names it.
    assert_eq!(
        std::fs::read(dir.path().join("template.yaml")).expect("read"),
        before
    );
    let manifest = std::fs::read_to_string(dir.path().join("functory.toml")).expect("written");
    assert!(
        manifest.starts_with("# Imported by `functory import sam` from template.yaml (AWS SAM)."),
        "{manifest}"
    );
    // The code stayed in place and the manifest points at it: `functory check` is clean.
    let check = functory(&["check"], dir.path());
    assert!(check.status.success(), "{check:?}");

    // A second import refuses to overwrite; --force replaces it.
    std::fs::write(dir.path().join("functory.toml"), "# mine\n").expect("written");
    let again = functory(&["import", "sam", "template.yaml"], dir.path());
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("--force"), "{again:?}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("functory.toml")).expect("read"),
        "# mine\n"
    );
    let forced = functory(&["import", "sam", "template.yaml", "--force"], dir.path());
    assert!(forced.status.success(), "{forced:?}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("functory.toml")).expect("read"),
        manifest
    );
}

#[test]
fn broken_yaml_names_the_line_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("template.yaml"), fixture("sam-broken.yaml")).expect("written");
    let output = functory(&["import", "sam", "template.yaml"], dir.path());
    assert!(!output.status.success());
    let err = text(&output.stderr);
    assert!(err.contains("template.yaml:8:14: invalid YAML"), "{err}");
    assert!(!dir.path().join("functory.toml").exists());
    let missing = functory(&["import", "serverless", "nope.yml"], dir.path());
    assert!(!missing.status.success());
    assert!(
        text(&missing.stderr).contains("cannot read nope.yml"),
        "{missing:?}"
    );
}

#[test]
fn import_serverless_then_export_sam() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(
        dir.path().join("serverless.yml"),
        fixture("serverless-api.yml"),
    )
    .expect("written");
    for file in [
        "orders", "fallback", "report", "resize", "worker", "webhook",
    ] {
        let ext = if file == "fallback" { "py" } else { "js" };
        std::fs::create_dir_all(dir.path().join("src")).expect("created");
        std::fs::write(dir.path().join(format!("src/{file}.{ext}")), "").expect("written");
    }
    let output = functory(&["import", "serverless", "serverless.yml"], dir.path());
    assert!(output.status.success(), "{output:?}");
    let out = text(&output.stdout);
    assert!(
        out.contains("serverless.yml:104:9: not mapped: functions.worker.events[4].alexaSkill"),
        "{out}"
    );

    let export = functory(&["export", "sam"], dir.path());
    assert!(export.status.success(), "{export:?}");
    let template = text(&export.stdout);
    assert!(
        template.contains("Transform: AWS::Serverless-2016-10-31"),
        "{template}"
    );
    assert!(template.contains("Project: shop-api"), "{template}");

    let written = functory(&["export", "sam", "-o", "template.yaml"], dir.path());
    assert!(written.status.success(), "{written:?}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("template.yaml")).expect("written"),
        template
    );
}

#[test]
fn export_refuses_an_invalid_manifest_with_its_errors() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(
        dir.path().join("functory.toml"),
        "[project]\nname = \"x\"\n[functions.a]\nruntime = \"python3.12\"\nhandler = \"app.handler\"\nmemory_mb = 5\n",
    )
    .expect("written");
    std::fs::write(dir.path().join("app.py"), "").expect("written");
    let output = functory(&["export", "sam"], dir.path());
    assert!(!output.status.success());
    let err = text(&output.stderr);
    assert!(err.contains("functory.toml:6:13: error:"), "{err}");
    assert!(text(&output.stdout).is_empty());
}

#[test]
fn events_generate_every_kind_and_from_a_functions_trigger() {
    let dir = sam_project();
    let help = functory(&["events", "generate", "--help"], dir.path());
    let help = text(&help.stdout);
    for kind in [
        "apigateway-rest",
        "s3-delete",
        "gcp-pubsub",
        "azure-blob",
        "dynamodb-stream",
    ] {
        assert!(help.contains(kind), "{help}");
    }
    let plain = functory(&["events", "generate", "sns"], dir.path());
    assert!(plain.status.success(), "{plain:?}");
    let event: serde_json::Value = serde_json::from_slice(&plain.stdout).expect("JSON");
    assert_eq!(event["Records"][0]["EventSource"], "aws:sns");

    assert!(
        functory(&["import", "sam", "template.yaml"], dir.path())
            .status
            .success()
    );
    let put = functory(
        &["events", "generate", "s3-put", "--for", "Thumbnails"],
        dir.path(),
    );
    assert!(put.status.success(), "{put:?}");
    let event: serde_json::Value = serde_json::from_slice(&put.stdout).expect("JSON");
    assert_eq!(
        event["Records"][0]["s3"]["bucket"]["name"],
        "shop-uploads-prod"
    );
    assert_eq!(
        event["Records"][0]["s3"]["object"]["key"],
        "incoming/example.jpg"
    );
    let rest = functory(
        &[
            "events",
            "generate",
            "apigateway-rest",
            "--for",
            "OrdersApi",
        ],
        dir.path(),
    );
    let event: serde_json::Value = serde_json::from_slice(&rest.stdout).expect("JSON");
    assert_eq!(event["resource"], "/orders");

    let wrong = functory(
        &["events", "generate", "sqs", "--for", "Nightly"],
        dir.path(),
    );
    assert!(!wrong.status.success());
    assert!(
        text(&wrong.stderr).contains("function `Nightly` has no `queue` trigger"),
        "{wrong:?}"
    );
    let unknown = functory(&["events", "generate", "carrier-pigeon"], dir.path());
    assert!(!unknown.status.success());
    let nobody = functory(
        &["events", "generate", "sqs", "--for", "nobody"],
        dir.path(),
    );
    assert!(
        text(&nobody.stderr).contains("no function `nobody`"),
        "{nobody:?}"
    );
}
