//! What an import produced: the manifest, its text, and a report of every item with its place.

use std::fmt;

use functory_core::Manifest;
use serde::Serialize;

/// One imported (or not imported) item of the source file, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportItem {
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// The dotted path of the item in the source (`Resources.Api.Events.Alexa`).
    pub subject: String,
    /// What it became, or why it did not map.
    pub message: String,
}

/// Everything an import mapped, and everything it did not, in source order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub mapped: Vec<ReportItem>,
    pub not_mapped: Vec<ReportItem>,
}

impl ImportReport {
    /// One line per item: the mapped ones first, then the rest, each in source order.
    pub fn lines(&self) -> Vec<String> {
        let mut mapped = self.mapped.clone();
        let mut not_mapped = self.not_mapped.clone();
        mapped.sort_by_key(|i| (i.line, i.column));
        not_mapped.sort_by_key(|i| (i.line, i.column));
        mapped
            .iter()
            .map(|i| i.render("mapped"))
            .chain(not_mapped.iter().map(|i| i.render("not mapped")))
            .collect()
    }

    /// Whether some item names `needle` in its subject or message (for tests and callers that
    /// look for one thing).
    pub fn mentions_not_mapped(&self, needle: &str) -> Option<&ReportItem> {
        self.not_mapped
            .iter()
            .find(|i| i.subject.contains(needle) || i.message.contains(needle))
    }
}

impl ReportItem {
    fn render(&self, status: &str) -> String {
        format!(
            "{}:{}:{}: {status}: {}: {}",
            self.file, self.line, self.column, self.subject, self.message
        )
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in self.lines() {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

/// The result of an import: the model, the `functory.toml` text to write, and the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub manifest: Manifest,
    pub toml: String,
    pub report: ImportReport,
}

/// Why nothing could be imported. Syntax errors name the line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: u32,
        column: u32,
        message: String,
    },
    #[error("{file}: {message}")]
    Shape { file: String, message: String },
}
