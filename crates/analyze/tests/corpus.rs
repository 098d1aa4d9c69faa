//! The analyzer on real Lambda handlers written by others (`tests/corpus/{js,py}/*`: the
//! published code, a manifest giving the handler and its environment, and `expected.toml`: the
//! actions a careful reader says the code needs, each with where and why; sources and licences
//! in each folder's `expected.toml` and `LICENSES/`).
//!
//! Measured: the share of expected actions the analyzer finds (at least 95 %), and that every
//! action it adds beyond the expectations is a dependency it explains or a call it can show.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use functory_analyze::{SourceReader, analyze_function};
use functory_core::{ProjectFiles, parse_manifest};
use serde::Deserialize;

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

#[derive(Deserialize)]
struct Expected {
    source: String,
    licence: String,
    #[serde(default)]
    expect: Vec<Expectation>,
}

#[derive(Deserialize)]
struct Expectation {
    action: String,
    why: String,
}

struct CaseResult {
    name: String,
    expected: BTreeSet<String>,
    found: BTreeSet<String>,
    /// Actions found beyond the expectations, with the analyzer's reason for each.
    extras: BTreeMap<String, String>,
    /// Extras with neither a dependency's reason nor a call that needs them.
    unjustified: Vec<String>,
    not_understood: Vec<String>,
}

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut out = Vec::new();
    for language in ["js", "py"] {
        let Ok(entries) = std::fs::read_dir(root.join(language)) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.path().join("expected.toml").is_file() {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    out
}

fn lower(action: &str) -> String {
    action.to_ascii_lowercase()
}

fn run(case: &Path) -> CaseResult {
    let name = format!(
        "{}/{}",
        case.parent()
            .and_then(Path::file_name)
            .unwrap_or_default()
            .to_string_lossy(),
        case.file_name().unwrap_or_default().to_string_lossy()
    );
    let expected: Expected = toml::from_str(
        &std::fs::read_to_string(case.join("expected.toml")).expect("expected.toml reads"),
    )
    .unwrap_or_else(|e| panic!("{name}/expected.toml: {e}"));
    assert!(
        expected.source.starts_with("https://github.com/") && !expected.licence.is_empty(),
        "{name}: every case names its source and licence"
    );
    for expectation in &expected.expect {
        assert!(
            functory_lint::Catalogue::get()
                .action(&expectation.action)
                .is_some(),
            "{name}: expected {} ({}) is not an IAM action",
            expectation.action,
            expectation.why
        );
    }
    let text = std::fs::read_to_string(case.join("functory.toml")).expect("functory.toml reads");
    let dir = Dir(case.to_path_buf());
    let parsed = parse_manifest(&text, "functory.toml", &dir);
    let manifest = parsed
        .manifest
        .unwrap_or_else(|| panic!("{name}: functory.toml does not parse"));
    let function = manifest.functions.first().expect("a function");
    let analysis = analyze_function(function, None, &dir);
    // `CORPUS_CASE=js/18 cargo test --test corpus -- --nocapture` shows what one case saw.
    if std::env::var("CORPUS_CASE").is_ok_and(|c| !c.is_empty() && name.starts_with(&c)) {
        println!(
            "{name}: files {:?}",
            analysis.files.iter().map(|f| &f.path).collect::<Vec<_>>()
        );
        for call in &analysis.calls {
            println!(
                "  call {}:{} {} {:?}",
                call.location.file, call.location.line, call.code, call.actions
            );
        }
        for unknown in &analysis.not_understood {
            println!(
                "  not understood {}: {} ({})",
                unknown.location, unknown.code, unknown.reason
            );
        }
    }
    assert!(
        analysis.handler.file.is_some(),
        "{name}: the handler file is not found: {:?}",
        analysis.handler.problems
    );
    let expected_actions: BTreeSet<String> =
        expected.expect.iter().map(|e| lower(&e.action)).collect();
    let found: BTreeSet<String> = analysis.required.iter().map(|r| lower(&r.action)).collect();
    let mut extras = BTreeMap::new();
    let mut unjustified = Vec::new();
    for required in &analysis.required {
        let action = lower(&required.action);
        if expected_actions.contains(&action) {
            continue;
        }
        let reason = match &required.because {
            Some(because) => {
                if because.trim().is_empty() {
                    unjustified.push(required.action.clone());
                }
                format!("dependency: {because}")
            }
            None => {
                let calls: Vec<String> = analysis
                    .calls
                    .iter()
                    .filter(|c| c.actions.iter().any(|a| lower(a) == action))
                    .map(|c| {
                        format!(
                            "{}:{} `{}`{}",
                            c.location.file,
                            c.location.line,
                            c.code,
                            c.note
                                .as_ref()
                                .map(|n| format!(" ({n})"))
                                .unwrap_or_default()
                        )
                    })
                    .collect();
                if calls.is_empty() {
                    unjustified.push(required.action.clone());
                }
                format!("call: {}", calls.join("; "))
            }
        };
        extras.insert(required.action.clone(), reason);
    }
    CaseResult {
        name,
        expected: expected_actions,
        found,
        extras,
        unjustified,
        not_understood: analysis
            .not_understood
            .iter()
            .map(|u| format!("{}: `{}`: {}", u.location, u.code, u.reason))
            .collect(),
    }
}

#[test]
fn real_handlers_get_the_actions_a_careful_reader_expects() {
    let cases = cases();
    let mut expected_total = 0usize;
    let mut found_total = 0usize;
    let mut report = String::new();
    let mut unexplained = Vec::new();
    for case in &cases {
        let result = run(case);
        let hit = result.expected.intersection(&result.found).count();
        expected_total += result.expected.len();
        found_total += hit;
        let missed: Vec<&String> = result.expected.difference(&result.found).collect();
        if !missed.is_empty() || !result.extras.is_empty() {
            report.push_str(&format!(
                "\n{} ({hit}/{})",
                result.name,
                result.expected.len()
            ));
            for action in &missed {
                report.push_str(&format!("\n  missed {action}"));
            }
            for (action, reason) in &result.extras {
                report.push_str(&format!("\n  extra  {action}: {reason}"));
            }
            for action in &result.unjustified {
                unexplained.push(format!("{}: {action}", result.name));
            }
            for unknown in &result.not_understood {
                report.push_str(&format!("\n  not understood {unknown}"));
            }
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let recall = found_total as f64 / expected_total.max(1) as f64;
    println!(
        "corpus: {} handlers, {found_total}/{expected_total} expected actions found ({:.1} %){report}",
        cases.len(),
        recall * 100.0
    );
    assert!(
        recall >= 0.95,
        "found {found_total} of {expected_total} expected actions ({:.1} %), below 95 %:{report}",
        recall * 100.0
    );
    assert!(
        cases.len() >= 60,
        "the corpus has {} cases; it should have at least 60",
        cases.len()
    );
    assert!(
        unexplained.is_empty(),
        "extra actions neither a dependency nor a call explains: {unexplained:?}"
    );
}
