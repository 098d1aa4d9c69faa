//! The security linter over the open project: findings for every policy file, template and
//! `functory.toml`, the rules' documentation, and applying one finding's fix.
//!
//! A finding is named by an id built from its file, code and byte span, so the UI can ask for
//! one fix after a re-lint without the host keeping state.

use std::path::Path;

use functory_lint::{
    Applicability, FileReport, Finding, LintOptions, Suppression, apply_fixes, lint_bytes, locate,
    looks_lintable,
};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};
use crate::files;
use crate::project::Project;

/// One finding as the Security view shows it. Lines and columns are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LintFinding {
    /// `file:code:start-end` (byte span): what `apply_lint_fix` takes.
    pub id: String,
    /// Path relative to the project root, with `/`.
    pub file: String,
    pub code: String,
    pub name: String,
    /// `info`, `low`, `medium`, `high` or `critical`.
    pub severity: String,
    pub message: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// Why the severity was lowered, when it was.
    pub note: Option<String>,
    /// Where in the file: a statement, a resource, a function.
    pub context: Option<String>,
    /// The manifest function the finding belongs to, when known.
    pub function: Option<String>,
    pub fix: Option<LintFixSummary>,
    /// The reason from the manifest's `[[lint.suppress]]`, when suppressed.
    pub suppressed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LintFixSummary {
    /// `safe`, `unsafe` or `display-only`.
    pub applicability: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LintReport {
    pub findings: Vec<LintFinding>,
    /// How many files were linted.
    pub files: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LintRuleDoc {
    pub code: String,
    pub name: String,
    pub summary: String,
    pub severity: String,
    /// `safe`, `unsafe`, `display-only` or `none`.
    pub fix: String,
    /// What the rule reads: identity policies, trust policies, functions, …
    pub target: String,
    /// Markdown.
    pub documentation: String,
}

/// What a fix would change, shown before an unsafe fix is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LintFixPreview {
    pub finding_id: String,
    pub file: String,
    pub applicability: String,
    pub message: String,
    /// Changed lines: ` ` context, `-` removed, `+` added.
    pub diff: String,
    pub after: String,
}

pub fn rule_docs() -> Vec<LintRuleDoc> {
    functory_lint::rule_docs()
        .into_iter()
        .map(|doc| LintRuleDoc {
            code: doc.code.to_owned(),
            name: doc.name.to_owned(),
            summary: doc.summary.to_owned(),
            severity: doc.severity.as_str().to_owned(),
            fix: doc.fix.to_owned(),
            target: doc.target.to_owned(),
            documentation: doc.documentation,
        })
        .collect()
}

pub fn lint_project(project: &Project) -> Result<LintReport, ApiError> {
    let root = project.root();
    let mut paths = Vec::new();
    collect(root, root, &mut paths);
    paths.sort();
    let options = LintOptions::default();
    let mut reports: Vec<FileReport> = Vec::new();
    for relative in &paths {
        let path = root.join(relative);
        let bytes = std::fs::read(&path).map_err(|e| ApiError::io("read", &path, e))?;
        reports.push(lint_bytes(relative, &bytes, &options));
    }
    let suppressions: Vec<Suppression> = reports
        .iter()
        .find(|r| r.path == "functory.toml")
        .map(|r| r.suppressions.clone())
        .unwrap_or_default();
    let mut findings = Vec::new();
    for report in &mut reports {
        for finding in &mut report.findings {
            if let Some(s) = suppressions
                .iter()
                .find(|s| s.covers(finding, &report.path))
            {
                finding.suppressed = Some(s.reason.clone());
            }
        }
        for (finding, located) in report.findings.iter().zip(locate(report)) {
            findings.push(LintFinding {
                id: finding_id(&report.path, finding),
                file: report.path.clone(),
                code: finding.code.to_owned(),
                name: located.name.to_owned(),
                severity: finding.severity.as_str().to_owned(),
                message: finding.message.clone(),
                line: located.line,
                column: located.column,
                end_line: located.end_line,
                end_column: located.end_column,
                note: finding.note.clone(),
                context: finding.context.clone(),
                function: finding.function.clone(),
                fix: finding.fix.as_ref().map(|fix| LintFixSummary {
                    applicability: fix.applicability.as_str().to_owned(),
                    message: fix.message.clone(),
                }),
                suppressed: finding.suppressed.clone(),
            });
        }
    }
    // The code-aware analyzer's findings (LPA…) sit next to the linter's, with the same
    // manifest suppressions.
    for mut finding in crate::analyze::project_findings(project) {
        let code = functory_analyze::CODES
            .iter()
            .find(|(c, ..)| *c == finding.code)
            .map_or("", |(c, ..)| *c);
        let probe = Finding {
            code,
            severity: functory_lint::Severity::Info,
            message: String::new(),
            span: functory_lint::parse::Span::new(0, 0),
            fix: None,
            note: None,
            context: None,
            function: finding.function.clone(),
            suppressed: None,
        };
        if let Some(s) = suppressions
            .iter()
            .find(|s| s.covers(&probe, &finding.file))
        {
            finding.suppressed = Some(s.reason.clone());
        }
        findings.push(finding);
    }
    Ok(LintReport {
        findings,
        files: u32::try_from(paths.len()).unwrap_or(u32::MAX),
    })
}

fn finding_id(file: &str, finding: &Finding) -> String {
    format!(
        "{file}:{}:{}-{}",
        finding.code, finding.span.start, finding.span.end
    )
}

/// Relative paths (with `/`) of the files worth linting below `dir`.
fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if name.starts_with('.') || name == "node_modules" || name == "target" {
                continue;
            }
            collect(root, &path, out);
            continue;
        }
        let lower = name.to_ascii_lowercase();
        let candidate = lower == "functory.toml"
            || [".json", ".yaml", ".yml", ".template"]
                .iter()
                .any(|ext| lower.ends_with(ext));
        if !candidate {
            continue;
        }
        let relative = files::to_relative(root, &path);
        let bytes = std::fs::read(&path).unwrap_or_default();
        if lower == "functory.toml" || looks_lintable(&relative, &bytes) {
            out.push(relative);
        }
    }
}

/// The file's text and the finding `id` names in it, freshly linted.
fn find(project: &Project, id: &str) -> Result<(String, String, Finding), ApiError> {
    let file = id
        .rsplitn(3, ':')
        .nth(2)
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidInput, format!("bad finding id `{id}`")))?
        .to_owned();
    let content = project.read_file(&file)?;
    if content.read_only {
        return Err(ApiError::new(
            ErrorCode::ReadOnly,
            format!("`{file}` is open read-only"),
        ));
    }
    let report = lint_bytes(&file, content.text.as_bytes(), &LintOptions::default());
    let finding = report
        .findings
        .into_iter()
        .find(|f| finding_id(&file, f) == id)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!("the finding `{id}` is gone; lint again"),
            )
        })?;
    Ok((file, content.text, finding))
}

fn fixed_text(text: &str, finding: &Finding) -> Result<(String, Applicability, String), ApiError> {
    let fix = finding
        .fix
        .as_ref()
        .filter(|fix| fix.applicability != Applicability::DisplayOnly && !fix.edits.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!("{} has no fix that can be applied", finding.code),
            )
        })?;
    let (after, applied) = apply_fixes(text, std::slice::from_ref(finding), Applicability::Unsafe);
    if applied == 0 {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "the fix does not apply to the file as it is",
        ));
    }
    Ok((after, fix.applicability, fix.message.clone()))
}

pub fn preview_fix(project: &Project, id: &str) -> Result<LintFixPreview, ApiError> {
    let (file, before, finding) = find(project, id)?;
    let (after, applicability, message) = fixed_text(&before, &finding)?;
    Ok(LintFixPreview {
        finding_id: id.to_owned(),
        file,
        applicability: applicability.as_str().to_owned(),
        message,
        diff: line_diff(&before, &after),
        after,
    })
}

/// Applies one finding's fix through the project's atomic write. Unsafe fixes change what a
/// policy allows: they need `confirm` (after `preview_fix`).
pub fn apply_fix(project: &Project, id: &str, confirm: bool) -> Result<(), ApiError> {
    let (file, before, finding) = find(project, id)?;
    let (after, applicability, _) = fixed_text(&before, &finding)?;
    if applicability != Applicability::Safe && !confirm {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "the fix for {} is unsafe: review its diff and confirm",
                finding.code
            ),
        ));
    }
    project.write_file(&file, &after)
}

/// The changed block of lines with one line of context on each side.
pub(crate) fn line_diff(before: &str, after: &str) -> String {
    let old: Vec<&str> = before.lines().collect();
    let new: Vec<&str> = after.lines().collect();
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = String::new();
    let start = prefix.saturating_sub(1);
    for line in &old[start..prefix] {
        out.push_str(&format!(" {line}\n"));
    }
    for line in &old[prefix..old.len() - suffix] {
        out.push_str(&format!("-{line}\n"));
    }
    for line in &new[prefix..new.len() - suffix] {
        out.push_str(&format!("+{line}\n"));
    }
    if suffix > 0 {
        out.push_str(&format!(" {}\n", old[old.len() - suffix]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_shows_the_changed_lines_with_context() {
        let diff = line_diff("a\nb\nc\nd\n", "a\nb\nX\nd\n");
        assert_eq!(diff, " b\n-c\n+X\n d\n");
    }

    #[test]
    fn rule_docs_cover_every_rule() {
        let docs = rule_docs();
        assert_eq!(docs.len(), functory_lint::RULES.len());
        assert!(docs.iter().all(|d| !d.documentation.is_empty()));
        assert!(functory_lint::rule(&docs[0].code).is_some());
    }
}

#[cfg(test)]
mod session_tests {
    use crate::session::{LaunchRequest, Session};

    const POLICY: &str = "{\n  \"Version\": \"2008-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::b/${aws:username}/*\"}\n  ]\n}\n";

    fn session_with_policy() -> (tempfile::TempDir, Session) {
        let dir = tempfile::tempdir().expect("tempdir");
        let session = Session::new(dir.path(), LaunchRequest::Nothing);
        session.open_sample_project().expect("sample");
        session
            .write_file("policies/read.json", POLICY)
            .expect("write policy");
        (dir, session)
    }

    #[test]
    fn lints_the_project_and_applies_a_safe_fix() {
        let (_dir, session) = session_with_policy();
        let report = session.lint_project().unwrap();
        assert!(report.files >= 2, "manifest and policy: {report:?}");
        let effect = report
            .findings
            .iter()
            .find(|f| f.file == "policies/read.json" && f.code == "IAM004")
            .expect("IAM004 on the policy");
        assert_eq!(effect.line, 4);
        assert_eq!(effect.fix.as_ref().unwrap().applicability, "safe");
        session.apply_lint_fix(&effect.id, false).unwrap();
        let text = session.read_file("policies/read.json").unwrap().text;
        assert!(text.contains("\"Effect\": \"Allow\""), "{text}");
        assert!(text.contains("2008-10-17"), "only that fix: {text}");
        // The finding is gone now.
        let again = session.apply_lint_fix(&effect.id, false).unwrap_err();
        assert_eq!(again.code, crate::ErrorCode::NotFound);
    }

    #[test]
    fn unsafe_fixes_need_confirmation_after_a_preview() {
        let (_dir, session) = session_with_policy();
        let report = session.lint_project().unwrap();
        let version = report
            .findings
            .iter()
            .find(|f| f.code == "IAM002")
            .expect("IAM002");
        assert_eq!(version.fix.as_ref().unwrap().applicability, "unsafe");
        let refused = session.apply_lint_fix(&version.id, false).unwrap_err();
        assert_eq!(refused.code, crate::ErrorCode::InvalidInput);
        assert_eq!(
            session.read_file("policies/read.json").unwrap().text,
            POLICY
        );
        let preview = session.preview_lint_fix(&version.id).unwrap();
        assert!(
            preview.diff.contains("-  \"Version\": \"2008-10-17\""),
            "{}",
            preview.diff
        );
        assert!(
            preview.diff.contains("+  \"Version\": \"2012-10-17\""),
            "{}",
            preview.diff
        );
        session.apply_lint_fix(&version.id, true).unwrap();
        assert_eq!(
            session.read_file("policies/read.json").unwrap().text,
            preview.after
        );
    }

    #[test]
    fn rule_docs_and_no_project() {
        let dir = tempfile::tempdir().expect("tempdir");
        let session = Session::new(dir.path(), LaunchRequest::Nothing);
        assert!(session.lint_rule_docs().iter().any(|d| d.code == "IAM002"));
        assert_eq!(
            session.lint_project().unwrap_err().code,
            crate::ErrorCode::NoProject
        );
    }
}
