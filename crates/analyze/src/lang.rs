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

/// The outline and SDK queries of a language as one query, so a file's tree is traversed
/// once: query cursors walk the whole tree, and a second walk costs as much as the first.
pub fn combined(lang: Lang) -> Result<&'static Query, String> {
    static CELLS: [OnceLock<Compiled>; 3] = [const { OnceLock::new() }; 3];
    let index = match lang {
        Lang::JavaScript => 0,
        Lang::TypeScript => 1,
        Lang::Python => 2,
    };
    CELLS[index]
        .get_or_init(|| {
            let source: String = QUERIES
                .iter()
                .filter(|(l, _, _)| *l == lang)
                .map(|(_, _, source)| *source)
                .collect::<Vec<_>>()
                .join("\n");
            Query::new(&lang.language(), &source).map_err(|e| {
                format!(
                    "the combined {} query does not compile at {}:{}: {}",
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

/// What one traversal of a file's tree found: SDK-relevant nodes by capture name, in source
/// order, and outline entries (kind, definition, name).
#[derive(Debug, Default)]
pub struct Scan<'t> {
    pub sdk: Vec<(&'static str, Node<'t>)>,
    pub outline: Vec<(&'static str, Node<'t>, Node<'t>)>,
}

pub fn scan<'t>(lang: Lang, root: Node<'t>, text: &str) -> Result<Scan<'t>, String> {
    let query = combined(lang)?;
    let names = query.capture_names();
    let mut cursor = QueryCursor::new();
    let mut out = Scan::default();
    let mut matches = cursor.matches(query, root, text.as_bytes());
    while let Some(m) = matches.next() {
        let name = m
            .captures
            .iter()
            .find(|c| names.get(c.index as usize) == Some(&"name"));
        match name {
            Some(name) => {
                let definition = m
                    .captures
                    .iter()
                    .find(|c| names.get(c.index as usize) != Some(&"name"));
                if let Some(definition) = definition
                    && let Some(kind) = names.get(definition.index as usize)
                {
                    out.outline.push((*kind, definition.node, name.node));
                }
            }
            None => {
                for capture in m.captures {
                    if let Some(kind) = names.get(capture.index as usize) {
                        out.sdk.push((*kind, capture.node));
                    }
                }
            }
        }
    }
    Ok(out)
}

pub fn parse(lang: Lang, text: &str) -> Result<Tree, String> {
    // One parser per language and thread, reused: a parser keeps its allocations between
    // files, which matters when a project has thousands of them.
    thread_local! {
        static PARSERS: std::cell::RefCell<[Option<Parser>; 3]> =
            const { std::cell::RefCell::new([None, None, None]) };
    }
    let index = match lang {
        Lang::JavaScript => 0,
        Lang::TypeScript => 1,
        Lang::Python => 2,
    };
    PARSERS.with(|cell| {
        let mut parsers = cell
            .try_borrow_mut()
            .map_err(|_| "the parser is busy on this thread".to_owned())?;
        let slot = &mut parsers[index];
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&lang.language())
                .map_err(|e| format!("the {} grammar does not load: {e}", lang.as_str()))?;
            *slot = Some(parser);
        }
        let parser = slot
            .as_mut()
            .ok_or_else(|| format!("no {} parser", lang.as_str()))?;
        parser
            .parse(text, None)
            .ok_or_else(|| format!("the {} parser gave up", lang.as_str()))
    })
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
            if let Err(e) = combined(*lang) {
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
