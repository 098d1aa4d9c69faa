//! Suppressions: findings a project has decided to accept, recorded in functory.toml with the
//! reason why.
//!
//! ```toml
//! [[lint.suppress]]
//! code = "IAM203"                      # required: the rule
//! reason = "the bucket list is dynamic" # required: why this is acceptable
//! path = "policies/*.json"             # optional: only in these files (from the project root)
//! function = "resize"                  # optional: only findings about this function
//! ```
//!
//! A suppression without a reason, or naming an unknown rule, is itself a finding (LNT001) and
//! suppresses nothing: an unexplained exception is exactly what a reviewer must see.

use crate::finding::Finding;
use crate::parse::{Node, Span};
use crate::policy::wildcard_match;
use crate::rules::{lnt001_invalid_suppression, rule};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub code: String,
    pub reason: String,
    pub path: Option<String>,
    pub function: Option<String>,
    pub span: Span,
}

impl Suppression {
    /// Whether this suppression covers `finding` in the file at `relative_path` (`/`-separated,
    /// from the project root).
    pub fn covers(&self, finding: &Finding, relative_path: &str) -> bool {
        finding.code.eq_ignore_ascii_case(&self.code)
            && self
                .path
                .as_deref()
                .is_none_or(|p| wildcard_match(p, relative_path))
            && self
                .function
                .as_deref()
                .is_none_or(|f| finding.function.as_deref() == Some(f))
    }
}

/// Reads `[[lint.suppress]]` from a parsed manifest: the valid suppressions, and a finding for
/// each invalid one.
pub fn read_suppressions(manifest: &Node) -> (Vec<Suppression>, Vec<Finding>) {
    let mut valid = Vec::new();
    let mut findings = Vec::new();
    let Some(entries) = manifest.get("lint").and_then(|l| l.get("suppress")) else {
        return (valid, findings);
    };
    let rule = &lnt001_invalid_suppression::RULE;
    let Some(entries) = entries.as_array() else {
        findings.push(rule.finding(
            entries.span,
            "`lint.suppress` must be an array of tables: write each as [[lint.suppress]]",
        ));
        return (valid, findings);
    };
    for entry in entries {
        let text = |key: &str| entry.get(key).and_then(Node::as_str).map(str::trim);
        let Some(code) = text("code").filter(|c| !c.is_empty()) else {
            findings.push(rule.finding(entry.span, "this suppression names no rule `code`"));
            continue;
        };
        let code_span = entry.get("code").map_or(entry.span, |n| n.span);
        if rule_exists(code).is_none() {
            findings.push(rule.finding(
                code_span,
                format!("`{code}` is not a rule code; `functory lint --explain` lists them"),
            ));
            continue;
        }
        let Some(reason) = text("reason").filter(|r| !r.is_empty()) else {
            findings.push(rule.finding(
                entry.get("reason").map_or(entry.span, |n| n.span),
                format!("the suppression of {code} gives no `reason`; say why it is acceptable"),
            ));
            continue;
        };
        valid.push(Suppression {
            code: code.to_ascii_uppercase(),
            reason: reason.to_owned(),
            path: text("path").map(str::to_owned),
            function: text("function").map(str::to_owned),
            span: entry.span,
        });
    }
    (valid, findings)
}

/// Finding codes owned by other crates that report in the linter's shapes and honour its
/// suppressions: `LPA…`, the code-aware analyzer (functory-analyze).
pub const OTHER_CODE_PREFIXES: &[&str] = &["LPA"];

fn rule_exists(code: &str) -> Option<()> {
    let upper = code.to_ascii_uppercase();
    if OTHER_CODE_PREFIXES.iter().any(|p| {
        upper
            .strip_prefix(p)
            .is_some_and(|n| n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()))
    }) {
        return Some(());
    }
    rule(code)
        .filter(|r| r.code.eq_ignore_ascii_case(code))
        .map(|_| ())
}
