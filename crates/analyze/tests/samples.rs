//! Snapshots of the derived policy and the comparison for realistic sample handlers, one
//! project per folder under `tests/fixtures/`.

use std::path::{Path, PathBuf};

use functory_analyze::{SourceReader, analyze_function, findings};
use functory_core::{ProjectFiles, parse_manifest};
use serde_json::{Value, json};

struct Dir(PathBuf);

impl SourceReader for Dir {
    fn read(&self, relative: &str) -> Option<String> {
        std::fs::read_to_string(self.0.join(relative)).ok()
    }
}

impl ProjectFiles for Dir {
    fn is_file(&self, relative: &str) -> bool {
        self.0.join(relative).is_file()
    }
}

/// The analysis of the first function of a fixture project, as compact JSON for a snapshot.
fn analyse(name: &str) -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let dir = Dir(root.clone());
    let text =
        std::fs::read_to_string(root.join("functory.toml")).expect("the fixture has a manifest");
    let parsed = parse_manifest(&text, "functory.toml", &dir);
    let manifest = parsed.manifest.expect("the fixture's manifest parses");
    let function = manifest
        .functions
        .first()
        .expect("the fixture has a function");
    let source = functory_analyze::ManifestSource::new(&text, "functory.toml");
    let analysis = analyze_function(function, Some(&source), &dir);
    let found = findings(&analysis, Some(&source));
    json!({
        "handler": {
            "file": analysis.handler.file,
            "at": analysis.handler.location.as_ref().map(ToString::to_string),
            "problems": analysis.handler.problems.iter().map(|p| json!({
                "kind": p.kind,
                "message": p.message,
                "at": p.location.as_ref().map(ToString::to_string),
            })).collect::<Vec<_>>(),
        },
        "parseProblems": analysis.files.iter().flat_map(|f| f.parse_problems.iter().map(|p| format!("{}: {}", p.location, p.message))).collect::<Vec<_>>(),
        "calls": analysis.calls.iter().map(|c| json!({
            "at": c.location.to_string(),
            "code": c.code,
            "operation": format!("{}:{}", c.service, c.operation),
            "needs": c.actions.iter().zip(&c.resources).map(|(a, r)| format!("{a} on {} ({})", r.arn, r.reason)).collect::<Vec<_>>(),
            "note": c.note,
        })).collect::<Vec<_>>(),
        "notUnderstood": analysis.not_understood.iter().map(|u| format!("{}: `{}`: {}", u.location, u.code, u.reason)).collect::<Vec<_>>(),
        "policy": analysis.policy,
        "missing": analysis.comparison.missing.iter().map(|m| json!({
            "action": m.action,
            "resource": m.resource,
            "why": m.why,
            "at": m.locations.iter().map(ToString::to_string).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "unused": analysis.comparison.unused.iter().map(|u| json!({
            "statement": u.statement,
            "action": u.action,
            "at": u.location.as_ref().map(ToString::to_string),
        })).collect::<Vec<_>>(),
        "findings": found.iter().map(|f| {
            let text = if f.file == "functory.toml" { text.clone() } else { std::fs::read_to_string(root.join(&f.file)).unwrap_or_default() };
            let index = functory_core::diagnostic::LineIndex::new(&text);
            let (line, column) = index.position(f.finding.span.start);
            format!("{}:{line}:{column}: {} [{}] {}", f.file, f.finding.code, f.finding.severity, f.finding.message)
        }).collect::<Vec<_>>(),
    })
}

macro_rules! sample {
    ($test:ident, $fixture:literal) => {
        #[test]
        fn $test() {
            // Sorted keys: whether serde_json keeps insertion order depends on which other
            // crates of the workspace are built with it (feature unification).
            insta::with_settings!({ sort_maps => true }, {
                insta::assert_json_snapshot!($fixture, analyse($fixture));
            });
        }
    };
}

sample!(s3_thumbnailer_javascript_v3, "thumbnailer-js");
sample!(s3_thumbnailer_python_boto3_resources, "thumbnailer-py");
sample!(dynamodb_crud_typescript_document_client, "crud-ts");
sample!(dynamodb_crud_python_table_resource, "crud-py");
sample!(sqs_worker_to_sns_javascript_v2, "sqs-sns-js");
sample!(sqs_worker_to_sns_python, "sqs-sns-py");
sample!(secrets_reader_typescript_namespace_import, "secrets-ts");
sample!(secrets_reader_python, "secrets-py");
sample!(javascript_with_a_syntax_error, "broken-js");
sample!(python_with_a_syntax_error, "broken-py");
