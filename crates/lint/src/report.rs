//! Findings with line and column, and the three output formats: text, JSON and SARIF 2.1.0.

use functory_core::diagnostic::LineIndex;
use serde::Serialize;
use serde_json::json;

use crate::engine::FileReport;
use crate::finding::{Finding, Severity};
use crate::rules::{RULES, rule};

/// A finding placed in its file: 1-based lines, columns counted in characters.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocatedFinding {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<LocatedFix>,
    /// The suppression's reason, when a manifest suppression silences this finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocatedFix {
    pub applicability: &'static str,
    pub message: String,
    pub edits: Vec<LocatedEdit>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocatedEdit {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// Byte offsets, for editors that work in bytes.
    pub start: usize,
    pub end: usize,
    pub replacement: String,
}

pub fn locate(report: &FileReport) -> Vec<LocatedFinding> {
    let index = LineIndex::new(&report.text);
    report
        .findings
        .iter()
        .map(|finding| locate_one(&index, &report.path, finding))
        .collect()
}

/// One finding placed with an index already built (a caller locating many findings of one
/// big file builds the index once).
pub fn locate_one(index: &LineIndex<'_>, path: &str, finding: &Finding) -> LocatedFinding {
    let (line, column) = index.position(finding.span.start);
    let (end_line, end_column) = index.position(finding.span.end);
    LocatedFinding {
        code: finding.code,
        name: rule(finding.code).map_or("", |r| r.name),
        severity: finding.severity,
        message: finding.message.clone(),
        file: path.to_owned(),
        line,
        column,
        end_line,
        end_column,
        note: finding.note.clone(),
        context: finding.context.clone(),
        function: finding.function.clone(),
        fix: finding.fix.as_ref().map(|fix| LocatedFix {
            applicability: fix.applicability.as_str(),
            message: fix.message.clone(),
            edits: fix
                .edits
                .iter()
                .map(|edit| {
                    let (line, column) = index.position(edit.span.start);
                    let (end_line, end_column) = index.position(edit.span.end);
                    LocatedEdit {
                        line,
                        column,
                        end_line,
                        end_column,
                        start: edit.span.start,
                        end: edit.span.end,
                        replacement: edit.replacement.clone(),
                    }
                })
                .collect(),
        }),
        suppressed: finding.suppressed.clone(),
    }
}

/// `file:line:col: CODE message [severity]`, one line per unsuppressed finding, with a note
/// line when the severity was lowered.
pub fn render_text(findings: &[LocatedFinding]) -> String {
    let mut out = String::new();
    for f in findings.iter().filter(|f| f.suppressed.is_none()) {
        let fixable = match &f.fix {
            Some(fix) if fix.applicability != "display-only" => " [*]",
            _ => "",
        };
        out.push_str(&format!(
            "{}:{}:{}: {}{} {} [{}]\n",
            f.file, f.line, f.column, f.code, fixable, f.message, f.severity
        ));
        if let Some(note) = &f.note {
            out.push_str(&format!("  note: {note}\n"));
        }
        if let Some(fix) = &f.fix
            && fix.applicability == "display-only"
        {
            out.push_str(&format!("  help: {}\n", fix.message));
        }
    }
    out
}

/// The closing summary of the text format.
pub fn render_summary(findings: &[LocatedFinding], files: usize) -> String {
    let shown: Vec<_> = findings.iter().filter(|f| f.suppressed.is_none()).collect();
    let suppressed = findings.len() - shown.len();
    let mut counts = Vec::new();
    for severity in Severity::ALL.iter().rev() {
        let n = shown.iter().filter(|f| f.severity == *severity).count();
        if n > 0 {
            counts.push(format!("{n} {severity}"));
        }
    }
    let fixable = shown
        .iter()
        .filter(|f| f.fix.as_ref().is_some_and(|x| x.applicability == "safe"))
        .count();
    let unsafe_fixable = shown
        .iter()
        .filter(|f| f.fix.as_ref().is_some_and(|x| x.applicability == "unsafe"))
        .count();
    let mut line = format!(
        "{} finding{} in {} file{}",
        shown.len(),
        if shown.len() == 1 { "" } else { "s" },
        files,
        if files == 1 { "" } else { "s" }
    );
    if !counts.is_empty() {
        line.push_str(&format!(" ({})", counts.join(", ")));
    }
    if suppressed > 0 {
        line.push_str(&format!("; {suppressed} suppressed"));
    }
    if fixable > 0 {
        line.push_str(&format!("; {fixable} fixable with --fix"));
    }
    if unsafe_fixable > 0 {
        line.push_str(&format!(
            "; {unsafe_fixable} more with --fix --unsafe-fixes"
        ));
    }
    line.push('\n');
    line
}

pub fn render_json(findings: &[LocatedFinding]) -> String {
    serde_json::to_string_pretty(&json!({ "findings": findings }))
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()))
}

/// SARIF's three levels; GitHub reads the finer `security-severity` property for ranking.
pub fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

/// The CVSS-like score GitHub code scanning maps to critical/high/medium/low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// SARIF 2.1.0, as GitHub code scanning accepts it. File paths should be relative to the
/// repository root (the caller decides them).
pub fn render_sarif(findings: &[LocatedFinding]) -> String {
    let rules: Vec<_> = RULES
        .iter()
        .map(|rule| {
            let documentation = rule.documentation();
            json!({
                "id": rule.code,
                "name": rule.name,
                "shortDescription": { "text": rule.summary },
                "fullDescription": { "text": rule.doc_section("What it checks").unwrap_or_default() },
                "help": { "text": documentation, "markdown": documentation },
                "defaultConfiguration": { "level": sarif_level(rule.severity) },
                "properties": {
                    "tags": ["security"],
                    "security-severity": security_severity(rule.severity),
                },
            })
        })
        .collect();
    let results: Vec<_> = findings
        .iter()
        .map(|f| {
            let region = json!({
                "startLine": f.line,
                "startColumn": f.column,
                "endLine": f.end_line,
                "endColumn": f.end_column,
            });
            let mut result = json!({
                "ruleId": f.code,
                "ruleIndex": RULES.iter().position(|r| r.code == f.code).unwrap_or(0),
                "level": sarif_level(f.severity),
                "message": { "text": match &f.note {
                    Some(note) => format!("{} ({note})", f.message),
                    None => f.message.clone(),
                }},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": sarif_uri(&f.file) },
                        "region": region,
                    }
                }],
                "properties": { "severity": f.severity },
            });
            if let Some(reason) = &f.suppressed {
                result["suppressions"] = json!([{ "kind": "external", "justification": reason }]);
            }
            if let Some(fix) = &f.fix
                && !fix.edits.is_empty()
            {
                let replacements: Vec<_> = fix
                    .edits
                    .iter()
                    .map(|e| {
                        json!({
                            "deletedRegion": {
                                "startLine": e.line,
                                "startColumn": e.column,
                                "endLine": e.end_line,
                                "endColumn": e.end_column,
                            },
                            "insertedContent": { "text": e.replacement },
                        })
                    })
                    .collect();
                result["fixes"] = json!([{
                    "description": { "text": format!("{} ({})", fix.message, fix.applicability) },
                    "artifactChanges": [{
                        "artifactLocation": { "uri": sarif_uri(&f.file) },
                        "replacements": replacements,
                    }],
                }]);
            }
            result
        })
        .collect();
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "functory-lint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/functory/functory",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&sarif).unwrap_or_default()
}

/// A relative, `/`-separated URI reference; spaces and other reserved characters escaped.
fn sarif_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let mut out = String::new();
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b':' => {
                out.push(byte as char);
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
