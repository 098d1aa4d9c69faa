//! Exported templates must be accepted by cfn-lint (PyPI `cfn-lint`) and by the AWS SAM
//! translator (PyPI `aws-sam-translator`, what `sam deploy` runs), both installed into the test
//! venv by `scripts/python-venv.sh`. The test runs them for real: a missing venv is a failure
//! with the command that fixes it, never a skip.

use std::path::PathBuf;
use std::process::Command;

use functory_core::{ProjectFiles, parse_manifest};
use functory_formats::{export_sam, import_sam, import_serverless};

/// The test venv: `FUNCTORY_MOTO_VENV` (the variable the moto tests use), or
/// `$HOME/.cache/functory/venv`.
fn cfn_lint() -> PathBuf {
    let venv = std::env::var_os("FUNCTORY_MOTO_VENV").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/functory/venv"),
        PathBuf::from,
    );
    let binary = venv.join("bin/cfn-lint");
    assert!(
        binary.is_file(),
        "cfn-lint is not installed at {}: run `bash scripts/python-venv.sh` (or set FUNCTORY_MOTO_VENV to a venv with cfn-lint)",
        binary.display()
    );
    binary
}

/// Runs `tests/sam_translate.py` with the venv's Python (which has aws-sam-translator).
fn sam_translate(paths: &[PathBuf]) -> std::process::Output {
    let python = cfn_lint().with_file_name("python");
    let script = format!("{}/tests/sam_translate.py", env!("CARGO_MANIFEST_DIR"));
    let importable = Command::new(&python)
        .args(["-c", "import samtranslator"])
        .output()
        .expect("the venv's python runs");
    assert!(
        importable.status.success(),
        "aws-sam-translator is not installed in {}: run `bash scripts/python-venv.sh`",
        python.display()
    );
    Command::new(&python)
        .arg(script)
        .args(paths)
        // The translator builds ARNs for a region; any one will do.
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .expect("the SAM translator runs")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the fixture exists")
}

struct AnyFile;
impl ProjectFiles for AnyFile {
    fn is_file(&self, _: &str) -> bool {
        true
    }
}

fn odd_buckets() -> functory_core::Manifest {
    let text = r#"
[project]
name = "odd"

[functions.ingest]
runtime = "python3.12"
handler = "app.handler"
triggers = [
  { kind = "storage", bucket = "Uploads" },
  { kind = "storage", bucket = "raw-${Stage}" },
  { kind = "storage", bucket = "${AWS::StackName}-archive" },
]
"#;
    let parsed = parse_manifest(text, "functory.toml", &AnyFile);
    parsed.manifest.expect("the manifest parses")
}

/// What SAM refuses but a valid functory.toml may say: credentials with any origin (a
/// warning in functory.toml), `none` next to routes that leave auth unset.
fn api_edges() -> functory_core::Manifest {
    let text = r#"
[project]
name = "edges"

[api]
cors = { allow_origins = ["*"], allow_methods = ["GET"], allow_credentials = true }

[api.authorizers.staff]
issuer = "https://login.example.com/realms/staff"
audiences = ["console"]
identity_source = "$request.header.X-Staff-Token"

[functions.api]
runtime = "nodejs22.x"
handler = "index.handler"
triggers = [
  { kind = "http", method = "GET", path = "/open" },
  { kind = "http", method = "GET", path = "/also-open", auth = "none" },
  { kind = "http", method = "POST", path = "/staff/{id}", auth = "staff", payload_version = "1.0" },
  { kind = "http", method = "ANY", path = "/signed/{proxy+}", auth = "iam" },
]
"#;
    let parsed = parse_manifest(text, "functory.toml", &AnyFile);
    let errors: Vec<_> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity == functory_core::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    parsed.manifest.expect("the manifest parses")
}

#[test]
fn cfn_lint_accepts_exported_templates() {
    let binary = cfn_lint();
    let sample = parse_manifest(
        include_str!("../../../samples/thumbnails/functory.toml"),
        "functory.toml",
        &AnyFile,
    )
    .manifest
    .expect("the sample manifest parses");
    let manifests = [
        ("thumbnails", sample),
        (
            "sam-shop",
            import_sam(&fixture("sam-shop.yaml"), "t", "shop")
                .expect("imports")
                .manifest,
        ),
        (
            "sam-lambda",
            import_sam(&fixture("sam-lambda.json"), "t", "lambda")
                .expect("imports")
                .manifest,
        ),
        (
            "serverless-api",
            import_serverless(&fixture("serverless-api.yml"), "t", "api")
                .expect("imports")
                .manifest,
        ),
        // A bucket named by `!Ref` to a bucket without a BucketName.
        (
            "sam-orders",
            import_sam(&fixture("sam-orders/template.yaml"), "t", "orders")
                .expect("imports")
                .manifest,
        ),
        // Bucket names S3 refuses, as a hand-written manifest may hold them.
        ("odd-buckets", odd_buckets()),
        // An HTTP API with CORS, JWT authorizers, a default authorizer, IAM and 1.0 routes.
        (
            "sam-http-api",
            import_sam(&fixture("sam-http-api.yaml"), "t", "notes")
                .expect("imports")
                .manifest,
        ),
        ("api-edges", api_edges()),
        // Declared buckets, queues with a dead-letter queue, tables with a stream, a topic, a
        // bus, and the triggers on them.
        (
            "sam-resources",
            import_sam(&fixture("sam-resources.yaml"), "t", "orders")
                .expect("imports")
                .manifest,
        ),
    ];
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut paths = Vec::new();
    for (name, manifest) in &manifests {
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, export_sam(manifest)).expect("the template is written");
        paths.push(path);
    }
    // Runtime deprecation (W2531/E2531) is judged against today's date, so it would turn this
    // test red on a calendar day with no change to the exporter; Functory's own linter
    // reports deprecated runtimes of the manifest. Every other check applies.
    let output = Command::new(&binary)
        .args(["--ignore-checks", "W2531", "E2531", "--"])
        .args(&paths)
        .output()
        .expect("cfn-lint runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "cfn-lint found problems:\n{report}"
    );
    // cfn-lint checks the shape of SAM resources, not what SAM makes of them: the SAM
    // translator (what `sam deploy` and CloudFormation's transform run) does.
    let translated = sam_translate(&paths);
    assert!(
        translated.status.success(),
        "the SAM translator refused an export:\n{}{}",
        String::from_utf8_lossy(&translated.stdout),
        String::from_utf8_lossy(&translated.stderr)
    );
    let said = String::from_utf8_lossy(&translated.stdout).into_owned();
    for path in &paths {
        assert!(said.contains(&format!("{}: ok", path.display())), "{said}");
    }
    let refused = dir.path().join("refused.yaml");
    std::fs::write(
        &refused,
        "AWSTemplateFormatVersion: \"2010-09-09\"\nTransform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: .\n      Handler: app.handler\n      Runtime: python3.12\n      Events:\n        Open:\n          Type: HttpApi\n          Properties:\n            Path: /open\n            Method: GET\n            Auth:\n              Authorizer: NONE\n",
    )
    .expect("written");
    let refused = sam_translate(&[refused]);
    assert!(!refused.status.success(), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stdout).contains("'NONE' is only a valid value"),
        "{refused:?}"
    );

    // And cfn-lint really looked: a template with an error fails.
    let broken = dir.path().join("broken.yaml");
    std::fs::write(
        &broken,
        "AWSTemplateFormatVersion: \"2010-09-09\"\nTransform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: .\n      Handler: app.handler\n      Runtime: python3.12\n      Timeout: 9999\n",
    )
    .expect("written");
    let broken = Command::new(&binary)
        .arg(&broken)
        .output()
        .expect("cfn-lint runs");
    assert_ne!(
        broken.status.code(),
        Some(0),
        "cfn-lint accepted a broken template"
    );
    assert!(
        String::from_utf8_lossy(&broken.stdout).contains("E3034"),
        "{broken:?}"
    );
}
