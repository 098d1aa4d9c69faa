//! An imported template's permissions, read by the analyzer the app runs on every function:
//! what a SAM policy template grants must cover the calls it was written for.

use std::path::{Path, PathBuf};

use functory_analyze::{SourceReader, analyze_function, findings};
use functory_formats::import_sam;

struct Dir(PathBuf);

impl SourceReader for Dir {
    fn read(&self, relative: &str) -> Option<String> {
        std::fs::read_to_string(self.0.join(relative)).ok()
    }
}

#[test]
fn policy_templates_cover_the_calls_they_grant() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sam-orders");
    let template = std::fs::read_to_string(root.join("template.yaml")).expect("the fixture");
    let imported = import_sam(&template, "template.yaml", "orders").expect("imports");
    let dir = Dir(root);
    let source = functory_analyze::ManifestSource::new(&imported.toml, "functory.toml");
    for function in &imported.manifest.functions {
        let analysis = analyze_function(function, Some(&source), &dir);
        assert!(
            analysis.handler.problems.is_empty(),
            "{}: {:?}",
            function.name,
            analysis.handler.problems
        );
        // The handler is read and its calls found: the check below is not vacuous.
        let expected = match function.name.as_str() {
            "ReceiptFunction" => ("s3:GetObject", "arn:aws:s3:::orders-receipts/"),
            _ => ("dynamodb:PutItem", ":table/"),
        };
        let need = analysis
            .required
            .iter()
            .find(|r| r.action == expected.0)
            .unwrap_or_else(|| {
                panic!(
                    "{}: no {} in {:?}",
                    function.name, expected.0, analysis.required
                )
            });
        assert!(need.resource.contains(expected.1), "{need:?}");
        let found = findings(&analysis, Some(&source));
        let missing: Vec<String> = found
            .iter()
            .filter(|f| f.finding.code == "LPA001")
            .map(|f| f.finding.message.clone())
            .collect();
        assert_eq!(
            missing,
            Vec::<String>::new(),
            "{}: {:?}\n{}",
            function.name,
            analysis.comparison.missing,
            imported.toml
        );
    }
}
