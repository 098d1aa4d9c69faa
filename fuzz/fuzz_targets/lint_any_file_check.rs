//! The property the `lint_any_file` fuzz target checks, shared with the test that replays the
//! corpus on every `cargo test` (crates/lint/tests/fuzz_corpus.rs): any bytes, read as any of
//! the formats the linter accepts, give findings, never a panic or a hang: parse, run every
//! rule, place the findings, render SARIF, apply every fix and lint the result again.

use functory_lint::{Applicability, LintOptions, apply_fixes, lint_bytes, locate, render_sarif};

/// The first byte picks the file name, and so the reader and the sources looked for.
const NAMES: [&str; 4] = [
    "policy.json",
    "template.yaml",
    "functory.toml",
    "template.json",
];

pub fn check_any_file(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(selector) % NAMES.len()];
    let options = LintOptions::default();
    let report = lint_bytes(name, bytes, &options);
    for finding in &report.findings {
        assert!(finding.span.start <= finding.span.end);
        assert!(finding.span.end <= report.text.len(), "{finding:?}");
    }
    let located = locate(&report);
    let _ = render_sarif(&located);
    let (fixed, _) = apply_fixes(&report.text, &report.findings, Applicability::Unsafe);
    let _ = lint_bytes(name, fixed.as_bytes(), &options);
}
