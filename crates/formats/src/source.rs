//! Reading a template into functory-lint's span-keeping tree, and the reporter that turns spans
//! into file:line:column report items.

use functory_core::diagnostic::LineIndex;
use functory_lint::parse::{Node, Span, Value, decode_utf8, parse_json, parse_yaml};

use crate::report::{ImportError, ImportReport, ReportItem};

/// Parses a YAML or JSON template (JSON when it starts with `{`, as CloudFormation decides).
pub fn parse_document(text: &str, file: &str) -> Result<Node, ImportError> {
    let syntax = |span: Span, message: String| {
        let (line, column) = LineIndex::new(text).position(span.start);
        ImportError::Syntax {
            file: file.to_owned(),
            line,
            column,
            message,
        }
    };
    decode_utf8(text.as_bytes()).map_err(|e| syntax(e.span, e.message))?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let parsed = if trimmed.starts_with('{') {
        parse_json(text).map_err(|e| syntax(e.span, format!("invalid JSON: {}", e.message)))
    } else {
        parse_yaml(text).map_err(|e| syntax(e.span, e.message))
    }?;
    if parsed.as_object().is_none() {
        return Err(ImportError::Shape {
            file: file.to_owned(),
            message: format!(
                "the file holds {}, not a mapping of sections",
                parsed.type_name()
            ),
        });
    }
    Ok(parsed)
}

/// Collects report items with positions in one source file.
#[derive(Debug)]
pub struct Reporter<'a> {
    pub file: String,
    index: LineIndex<'a>,
    pub report: ImportReport,
}

impl<'a> Reporter<'a> {
    pub fn new(text: &'a str, file: &str) -> Self {
        Reporter {
            file: file.to_owned(),
            index: LineIndex::new(text),
            report: ImportReport::default(),
        }
    }

    fn item(&self, span: Span, subject: &str, message: String) -> ReportItem {
        let (line, column) = self.index.position(span.start);
        ReportItem {
            file: self.file.clone(),
            line,
            column,
            subject: subject.to_owned(),
            message,
        }
    }

    pub fn mapped(&mut self, span: Span, subject: &str, message: impl Into<String>) {
        let item = self.item(span, subject, message.into());
        // A Globals setting every API inherits is one line too.
        if !self.report.mapped.contains(&item) {
            self.report.mapped.push(item);
        }
    }

    pub fn not_mapped(&mut self, span: Span, subject: &str, message: impl Into<String>) {
        let item = self.item(span, subject, message.into());
        // The same problem reached twice (a Globals value read for each function) is one line.
        if !self.report.not_mapped.contains(&item) {
            self.report.not_mapped.push(item);
        }
    }
}

/// A scalar as text: strings, numbers and booleans (YAML authors write `Timeout: 30` and
/// `Timeout: "30"` alike).
pub fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::String(s) | Value::Number(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
