//! Languages, parsers and the embedded queries, each compiled once per process.

use std::sync::OnceLock;

use serde::Serialize;
use streaming_iterator::StreamingIterator;
use tree_sitter::{Language, Node, Parser, Query, QueryCursor, Tree};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Lang {
    JavaScript,
    TypeScript,
    Python,
}

impl Lang {
    /// The language of a file by its extension; `None` for files the analyzer does not read.
    pub fn of_path(path: &str) -> Option<Self> {
        let extension = path.rsplit_once('.')?.1.to_ascii_lowercase();
        match extension.as_str() {
            "js" | "mjs" | "cjs" | "jsx" => Some(Self::JavaScript),
            "ts" | "mts" | "cts" => Some(Self::TypeScript),
            "py" => Some(Self::Python),
            _ => None,
        }
    }

    pub fn language(self) -> Language {
        match self {
            Self::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Self::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Self::Python => tree_sitter_python::LANGUAGE.into(),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::JavaScript => "javascript",
            Self::TypeScript => "typescript",
            Self::Python => "python",
        }
    }
}

/// Which query of a language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    Outline,
    Sdk,
}

/// Every embedded query: (language, kind, source). A test compiles each one.
pub const QUERIES: &[(Lang, QueryKind, &str)] = &[
    (
        Lang::JavaScript,
        QueryKind::Outline,
        include_str!("../queries/javascript/outline.scm"),
    ),
    (
        Lang::JavaScript,
        QueryKind::Sdk,
        include_str!("../queries/javascript/sdk.scm"),
    ),
    (
        Lang::TypeScript,
        QueryKind::Outline,
        include_str!("../queries/typescript/outline.scm"),
    ),
    // TypeScript's grammar extends JavaScript's and keeps these node names.
    (
        Lang::TypeScript,
        QueryKind::Sdk,
        include_str!("../queries/javascript/sdk.scm"),
    ),
    (
        Lang::Python,
        QueryKind::Outline,
        include_str!("../queries/python/outline.scm"),
    ),
    (
        Lang::Python,
        QueryKind::Sdk,
        include_str!("../queries/python/sdk.scm"),
    ),
];

type Compiled = Result<Query, String>;

/// The compiled query, or why it does not compile (a bug the query test catches).
pub fn query(lang: Lang, kind: QueryKind) -> Result<&'static Query, String> {
    static CELLS: [OnceLock<Compiled>; 6] = [const { OnceLock::new() }; 6];
    let index = QUERIES
        .iter()
        .position(|(l, k, _)| *l == lang && *k == kind)
        .ok_or_else(|| format!("no {kind:?} query for {}", lang.as_str()))?;
    let (_, _, source) = QUERIES[index];
    CELLS[index]
        .get_or_init(|| {
            Query::new(&lang.language(), source).map_err(|e| {
                format!(
                    "the {} {kind:?} query does not compile at {}:{}: {}",
                    lang.as_str(),
                    e.row + 1,
                    e.column + 1,
                    e.message
                )
            })
        })
        .as_ref()
        .map_err(Clone::clone)
}

pub fn parse(lang: Lang, text: &str) -> Result<Tree, String> {
    let mut parser = Parser::new();
    parser
        .set_language(&lang.language())
        .map_err(|e| format!("the {} grammar does not load: {e}", lang.as_str()))?;
    parser
        .parse(text, None)
        .ok_or_else(|| format!("the {} parser gave up", lang.as_str()))
}

/// The nodes each capture of `query` matched below `root`, grouped by capture name, each group
/// in source order.
pub fn captures<'t>(
    query: &'static Query,
    root: Node<'t>,
    text: &str,
) -> Vec<(&'static str, Node<'t>, usize)> {
    let names = query.capture_names();
    let mut cursor = QueryCursor::new();
    let mut out = Vec::new();
    let mut matches = cursor.matches(query, root, text.as_bytes());
    while let Some(m) = matches.next() {
        for capture in m.captures {
            if let Some(name) = names.get(capture.index as usize) {
                out.push((*name, capture.node, m.pattern_index));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_query_compiles() {
        for (lang, kind, _) in QUERIES {
            if let Err(e) = query(*lang, *kind) {
                panic!("{e}");
            }
        }
    }

    #[test]
    fn languages_by_extension() {
        assert_eq!(Lang::of_path("src/a.mjs"), Some(Lang::JavaScript));
        assert_eq!(Lang::of_path("src/a.cjs"), Some(Lang::JavaScript));
        assert_eq!(Lang::of_path("a.mts"), Some(Lang::TypeScript));
        assert_eq!(Lang::of_path("app.py"), Some(Lang::Python));
        assert_eq!(Lang::of_path("README"), None);
    }
}
