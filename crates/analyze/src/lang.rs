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
    (
        Lang::TypeScript,
        QueryKind::Sdk,
        include_str!("../queries/typescript/sdk.scm"),
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

fn lang_index(lang: Lang) -> usize {
    match lang {
        Lang::JavaScript => 0,
        Lang::TypeScript => 1,
        Lang::Python => 2,
    }
}

fn source_of(lang: Lang, kind: QueryKind) -> &'static str {
    QUERIES
        .iter()
        .find(|(l, k, _)| *l == lang && *k == kind)
        .map_or("", |(_, _, source)| *source)
}

/// Capture names indexed by node kind id, or why the SDK query could not be read.
type KindTable = Result<Vec<Option<&'static str>>, String>;

/// The SDK query as a table from node kind id to capture name.
///
/// The SDK query only names node kinds (`(call_expression) @call`): it selects every node of
/// those kinds. A query cursor does that at the cost of a second parse (it tracks pattern
/// states at every node); a plain cursor walk that looks the kind up in this table does the
/// same selection for a fraction of it. The query is still compiled (and tested), so the file
/// stays a real query.
pub fn sdk_table(lang: Lang) -> Result<&'static [Option<&'static str>], String> {
    static CELLS: [OnceLock<KindTable>; 3] = [const { OnceLock::new() }; 3];
    CELLS[lang_index(lang)]
        .get_or_init(|| {
            query(lang, QueryKind::Sdk)?;
            let language = lang.language();
            let mut table = vec![None; language.node_kind_count()];
            for (number, line) in source_of(lang, QueryKind::Sdk).lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with(';') {
                    continue;
                }
                // `(kind) @capture`
                let parsed = line
                    .strip_prefix('(')
                    .and_then(|rest| rest.split_once(')'))
                    .and_then(|(kind, rest)| {
                        Some((kind.trim(), rest.trim().strip_prefix('@')?.trim()))
                    });
                let Some((kind, capture)) = parsed else {
                    return Err(format!(
                        "the {} SDK query, line {}: expected `(node_kind) @capture`",
                        lang.as_str(),
                        number + 1
                    ));
                };
                let capture: &'static str = match capture {
                    "import" => "import",
                    "binding" => "binding",
                    "new" => "new",
                    "call" => "call",
                    other => {
                        return Err(format!(
                            "the {} SDK query, line {}: unknown capture @{other}",
                            lang.as_str(),
                            number + 1
                        ));
                    }
                };
                // Some kinds have several ids (aliases); mark every id with that name.
                let mut found = false;
                for id in 0..language.node_kind_count() {
                    let Ok(id) = u16::try_from(id) else { break };
                    if language.node_kind_is_named(id)
                        && language.node_kind_for_id(id) == Some(kind)
                    {
                        table[usize::from(id)] = Some(capture);
                        found = true;
                    }
                }
                if !found {
                    return Err(format!(
                        "the {} SDK query, line {}: no node kind `{kind}`",
                        lang.as_str(),
                        number + 1
                    ));
                }
            }
            Ok(table)
        })
        .as_ref()
        .map(Vec::as_slice)
        .map_err(Clone::clone)
}

/// What one pass over a file's tree found: SDK-relevant nodes by capture name, in source
/// order, and outline entries (kind, definition, name).
#[derive(Debug, Default)]
pub struct Scan<'t> {
    pub sdk: Vec<(&'static str, Node<'t>)>,
    pub outline: Vec<(&'static str, Node<'t>, Node<'t>)>,
}

/// How deep an outline entry may start: class > body > method, under an export or a decorator.
const OUTLINE_DEPTH: u32 = 5;

pub fn scan<'t>(lang: Lang, root: Node<'t>, text: &str) -> Result<Scan<'t>, String> {
    let mut out = Scan::default();
    let table = sdk_table(lang)?;
    let mut cursor = root.walk();
    'walk: loop {
        let node = cursor.node();
        if let Some(Some(capture)) = table.get(usize::from(node.kind_id())) {
            out.sdk.push((*capture, node));
        }
        if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }

    // The outline query only looks near the top of the tree, so its cursor does not walk it all.
    let outline = query(lang, QueryKind::Outline)?;
    let names = outline.capture_names();
    let mut cursor = QueryCursor::new();
    cursor.set_max_start_depth(Some(OUTLINE_DEPTH));
    let mut matches = cursor.matches(outline, root, text.as_bytes());
    while let Some(m) = matches.next() {
        let name = m
            .captures
            .iter()
            .find(|c| names.get(c.index as usize) == Some(&"name"));
        let definition = m
            .captures
            .iter()
            .find(|c| names.get(c.index as usize) != Some(&"name"));
        if let (Some(name), Some(definition)) = (name, definition)
            && let Some(kind) = names.get(definition.index as usize)
        {
            out.outline.push((*kind, definition.node, name.node));
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
    let index = lang_index(lang);
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
            if let Err(e) = sdk_table(*lang) {
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
