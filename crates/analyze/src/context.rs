//! What every language's pass shares: positions, snippets, and turning an operation into a
//! recorded call (or a "not understood" entry).

use std::collections::BTreeMap;

use functory_core::diagnostic::LineIndex;
use tree_sitter::Node;

use crate::mapping::{actions_for, mapping, resources_for};
use crate::model::{Location, ParseProblem, SdkCall, SdkFlavor, UnknownCall};
use crate::value::{Environment, Resolved};

/// A function of the project that returns an SDK client (`def get_client(name): return
/// boto3.client(name)`), so a call of it elsewhere is that client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFactory {
    /// `true` for `boto3.resource`, `false` for `boto3.client`.
    pub resource: bool,
    pub returns: FactoryReturns,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactoryReturns {
    /// Always the same service.
    Service(String),
    /// The service named by a parameter: its position (after `self`) and name.
    Parameter { index: usize, name: String },
}

/// What the files of a project tell each other: the client factories each defines.
#[derive(Debug, Default, Clone)]
pub struct ProjectHints {
    pub factories: BTreeMap<String, ClientFactory>,
}

pub struct FileContext<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub index: LineIndex<'a>,
    pub env: &'a Environment,
    pub hints: &'a ProjectHints,
    /// Client factories this file defines.
    pub factories: BTreeMap<String, ClientFactory>,
    pub calls: Vec<SdkCall>,
    pub unknown: Vec<UnknownCall>,
    /// Module specifiers of local imports, as written (`./lib/clients`, `.helpers`).
    pub local_imports: Vec<String>,
}

impl<'a> FileContext<'a> {
    pub fn new(
        path: &'a str,
        text: &'a str,
        env: &'a Environment,
        hints: &'a ProjectHints,
    ) -> Self {
        Self {
            path,
            text,
            index: LineIndex::new(text),
            env,
            hints,
            factories: BTreeMap::new(),
            calls: Vec::new(),
            unknown: Vec::new(),
            local_imports: Vec::new(),
        }
    }

    pub fn location(&self, node: Node<'_>) -> Location {
        location_of(&self.index, self.path, node.start_byte(), node.end_byte())
    }

    pub fn text_of(&self, node: Node<'_>) -> &'a str {
        self.text.get(node.byte_range()).unwrap_or_default()
    }

    /// The first line of a node's text, shortened, for messages.
    pub fn snippet(&self, node: Node<'_>) -> String {
        snippet(self.text_of(node))
    }

    pub fn not_understood(&mut self, node: Node<'_>, reason: impl Into<String>) {
        let location = self.location(node);
        let code = self.snippet(node);
        self.unknown.push(UnknownCall {
            location,
            code,
            reason: reason.into(),
        });
    }

    /// Records a call of `operation` on the service `prefix`, mapped to IAM actions and
    /// resources; a call that cannot be mapped is recorded as not understood.
    pub fn record(
        &mut self,
        node: Node<'_>,
        flavor: SdkFlavor,
        prefix: &str,
        operation: &str,
        params: &BTreeMap<String, Resolved>,
    ) {
        match actions_for(prefix, operation) {
            Ok(mapped) => {
                let mut resources = Vec::new();
                for action in &mapped.actions {
                    resources.push(resources_for(&mapped.prefix, action, params));
                }
                let dependencies = crate::dependents::dependencies_of(prefix, &mapped, params);
                let location = self.location(node);
                let code = self.snippet(node);
                self.calls.push(crate::model::SdkCall {
                    location,
                    flavor,
                    service: mapped.prefix,
                    operation: mapped.operation,
                    code,
                    actions: mapped.actions,
                    resources,
                    note: mapped.note,
                    dependencies,
                });
            }
            Err(reason) => self.not_understood(node, reason),
        }
    }

    /// A document-client operation (`Put`, `put`) → the DynamoDB operation it calls.
    pub fn record_document(
        &mut self,
        node: Node<'_>,
        flavor: SdkFlavor,
        name: &str,
        params: &BTreeMap<String, Resolved>,
    ) {
        let stem = crate::mapping::pascal_case(name);
        match mapping().document_client.get(&stem) {
            Some(operation) => {
                let operation = operation.clone();
                self.record(node, flavor, "dynamodb", &operation, params);
            }
            None => self.not_understood(
                node,
                format!("`{name}` is not a DynamoDB document client operation"),
            ),
        }
    }

    pub fn waiter(
        &mut self,
        node: Node<'_>,
        flavor: SdkFlavor,
        prefix: &str,
        waiter: &str,
        params: &BTreeMap<String, Resolved>,
    ) {
        let name = crate::mapping::pascal_case(waiter);
        match mapping().waiter_operation(prefix, &name) {
            Some(operation) => {
                self.record(node, flavor, prefix, &operation, params);
            }
            None => self.not_understood(
                node,
                format!("the {prefix} waiter `{waiter}` is not in the SDK catalogue"),
            ),
        }
    }
}

pub fn location_of(index: &LineIndex<'_>, path: &str, start: usize, end: usize) -> Location {
    let (line, column) = index.position(start);
    let (end_line, end_column) = index.position(end);
    Location {
        file: path.to_owned(),
        line,
        column,
        end_line,
        end_column,
        start: u32::try_from(start).unwrap_or(u32::MAX),
        end: u32::try_from(end).unwrap_or(u32::MAX),
    }
}

pub fn snippet(text: &str) -> String {
    let first = text.lines().next().unwrap_or_default().trim();
    let mut out: String = first.chars().take(80).collect();
    if out.len() < first.len() || text.lines().nth(1).is_some() {
        out.push('…');
    }
    out
}

/// Every syntax error and missing token in the tree, outermost first, at most 20.
pub fn parse_problems(
    root: Node<'_>,
    index: &LineIndex<'_>,
    path: &str,
    text: &str,
) -> Vec<ParseProblem> {
    let mut out = Vec::new();
    if !root.has_error() {
        return out;
    }
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if out.len() >= 20 {
            break;
        }
        if node.is_missing() {
            out.push(ParseProblem {
                location: location_of(index, path, node.start_byte(), node.end_byte()),
                message: format!("missing `{}`", node.kind()),
            });
            continue;
        }
        if node.is_error() {
            let bad = text.get(node.byte_range()).map(snippet).unwrap_or_default();
            out.push(ParseProblem {
                location: location_of(index, path, node.start_byte(), node.end_byte()),
                message: format!("syntax error near `{bad}`"),
            });
            continue;
        }
        if node.has_error() {
            let mut cursor = node.walk();
            let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
        }
    }
    out.sort_by_key(|p| p.location.start);
    out
}
