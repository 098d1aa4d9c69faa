//! Linting one file: read it, find its policies and functions, run every rule, and apply fixes.

use crate::catalogue::Catalogue;
use crate::finding::{Applicability, Edit, Finding};
use crate::parse::{self, Node, ParseError, decode_utf8};
use crate::policy::PolicyKind;
use crate::rules::{Check, FunctionContext, PolicyContext, RULES, iam001_syntax_error};
use crate::source::{SourceFormat, extract};
use crate::suppress::{Suppression, read_suppressions};

#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// The kind of standalone policy files, when the caller knows it better than detection.
    pub kind: Option<PolicyKind>,
    /// Rule codes to skip.
    pub ignore: Vec<String>,
    /// The day runtime lifecycles are judged on (LMB004); `None` is today.
    pub today: Option<chrono::NaiveDate>,
}

/// The result of linting one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: String,
    /// The text (lossily decoded when the file is not UTF-8), for positions and fixes.
    pub text: String,
    pub format: Option<SourceFormat>,
    pub findings: Vec<Finding>,
    /// Valid `[[lint.suppress]]` entries, when the file is a manifest.
    pub suppressions: Vec<Suppression>,
}

/// Lints a file's bytes. Never panics on any input; unreadable input is an IAM001 finding.
pub fn lint_bytes(path: &str, bytes: &[u8], options: &LintOptions) -> FileReport {
    match decode_utf8(bytes) {
        Ok(text) => lint_text(path, text, options),
        Err(error) => FileReport {
            path: path.to_owned(),
            text: String::from_utf8_lossy(bytes).into_owned(),
            format: SourceFormat::detect(path, || None),
            findings: vec![syntax_finding(error)],
            suppressions: Vec::new(),
        },
    }
}

fn syntax_finding(error: ParseError) -> Finding {
    iam001_syntax_error::RULE.finding(error.span, error.message)
}

fn root_keys(node: &Node) -> Option<Vec<String>> {
    Some(node.as_object()?.iter().map(|m| m.key.clone()).collect())
}

pub fn lint_text(path: &str, text: &str, options: &LintOptions) -> FileReport {
    let mut report = FileReport {
        path: path.to_owned(),
        text: text.to_owned(),
        format: None,
        findings: Vec::new(),
        suppressions: Vec::new(),
    };
    let lower = path.to_ascii_lowercase();
    let parsed = if lower.ends_with(".toml") {
        parse::parse_toml(text)
    } else if lower.ends_with(".json") {
        parse::parse_json(text)
    } else {
        // YAML is a superset of JSON, so JSON-syntax templates named .template read too.
        parse::parse_yaml(text)
    };
    let mut root = match parsed {
        Ok(root) => root,
        Err(error) => {
            report.format = SourceFormat::detect(path, || None);
            report.findings.push(syntax_finding(error));
            return report;
        }
    };
    let Some(format) = SourceFormat::detect(path, || root_keys(&root)) else {
        return report;
    };
    report.format = Some(format);
    if format == SourceFormat::Manifest {
        crate::source::resolve_declared_resources(&mut root, text);
    }
    report.findings = check_tree(&root, text, format, options);
    if format == SourceFormat::Manifest {
        let (suppressions, invalid) = read_suppressions(&root);
        report.suppressions = suppressions;
        report.findings.extend(invalid);
    }
    report.findings.retain(|f| {
        !options
            .ignore
            .iter()
            .any(|code| code.eq_ignore_ascii_case(f.code))
    });
    report
        .findings
        .sort_by(|a, b| (a.span, a.code, &a.message).cmp(&(b.span, b.code, &b.message)));
    report.findings.dedup();
    report
}

fn check_tree(
    root: &Node,
    text: &str,
    format: SourceFormat,
    options: &LintOptions,
) -> Vec<Finding> {
    let catalogue = Catalogue::get();
    let extracted = extract(root, format, options.kind);
    let mut findings = Vec::new();
    let active = || {
        RULES.iter().filter(|rule| {
            !options
                .ignore
                .iter()
                .any(|c| c.eq_ignore_ascii_case(rule.code))
        })
    };
    // Documents outside, rules inside: the context's caches serve every rule.
    for document in &extracted.policies {
        let context = PolicyContext::new(document, text, format, catalogue);
        let start = findings.len();
        for rule in active() {
            if let Check::Policy(check) = rule.check {
                check(&context, &mut findings);
            }
        }
        for finding in &mut findings[start..] {
            finding
                .context
                .get_or_insert_with(|| document.label.clone());
            if finding.function.is_none() {
                finding.function.clone_from(&document.function);
            }
        }
    }
    for function in &extracted.functions {
        let context = FunctionContext {
            function,
            text,
            format,
            today: options.today.unwrap_or_else(functory_core::runtime::today),
        };
        let start = findings.len();
        for rule in active() {
            if let Check::Function(check) = rule.check {
                check(&context, &mut findings);
            }
        }
        for finding in &mut findings[start..] {
            finding
                .function
                .get_or_insert_with(|| function.name.clone());
            finding
                .context
                .get_or_insert_with(|| format!("function {}", function.name));
        }
    }
    findings
}

/// Applies the fixes of `findings` whose applicability is at least `minimum` (never
/// display-only ones). Overlapping fixes: the first (by position) wins, the rest wait for the
/// next round. Returns the new text and how many fixes were applied.
pub fn apply_fixes(text: &str, findings: &[Finding], minimum: Applicability) -> (String, usize) {
    let mut fixes: Vec<&crate::finding::Fix> = findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .filter_map(|f| f.fix.as_ref())
        .filter(|fix| {
            fix.applicability != Applicability::DisplayOnly && fix.applicability >= minimum
        })
        .filter(|fix| !fix.edits.is_empty())
        .collect();
    fixes.sort_by_key(|fix| fix.edits.iter().map(|e| e.span).min());
    let mut accepted: Vec<&Edit> = Vec::new();
    let mut applied = 0;
    for fix in fixes {
        let overlaps = fix.edits.iter().any(|edit| {
            edit.span.end > text.len()
                || !text.is_char_boundary(edit.span.start)
                || !text.is_char_boundary(edit.span.end)
                || accepted.iter().any(|a| {
                    (edit.span.start < a.span.end && a.span.start < edit.span.end)
                        || edit.span.start == a.span.start
                })
        });
        if overlaps {
            continue;
        }
        accepted.extend(fix.edits.iter());
        applied += 1;
    }
    accepted.sort_by_key(|e| std::cmp::Reverse((e.span.start, e.span.end)));
    let mut out = text.to_owned();
    for edit in accepted {
        out.replace_range(edit.span.range(), &edit.replacement);
    }
    (out, applied)
}

/// Lints and fixes until nothing more applies (at most 10 rounds, as a fix may uncover
/// another). Returns the final text and the number of fixes applied.
pub fn fix_until_stable(
    path: &str,
    text: &str,
    options: &LintOptions,
    minimum: Applicability,
) -> (String, usize) {
    let mut current = text.to_owned();
    let mut total = 0;
    for _ in 0..10 {
        let report = lint_text(path, &current, options);
        let (next, applied) = apply_fixes(&current, &report.findings, minimum);
        if applied == 0 || next == current {
            break;
        }
        total += applied;
        current = next;
    }
    (current, total)
}

/// Whether a tree is worth linting when found by walking a folder: JSON that is not a policy
/// or template (package.json, tsconfig.json) is skipped there, though a file named on the
/// command line is always linted.
pub fn looks_lintable(path: &str, bytes: &[u8]) -> bool {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with("functory.toml") {
        return true;
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    if lower.ends_with(".json") {
        // A key test, not a parse: the file is parsed once, when it is linted. A broken file
        // that mentions these keys is linted, which is what a reviewer wants to see.
        return [
            "\"Statement\"",
            "\"Resources\"",
            "\"AWSTemplateFormatVersion\"",
        ]
        .iter()
        .any(|key| text.contains(key));
    }
    if lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".template") {
        return text.contains("AWSTemplateFormatVersion")
            || (text.contains("Resources:") && text.contains("Type: AWS::"));
    }
    false
}
