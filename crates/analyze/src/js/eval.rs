//! JavaScript values: what an expression of the pass's table stands for (a module, a client, a
//! string known or not, `process.env`, an object literal of parameters).

use std::collections::BTreeMap;

use tree_sitter::Node;

use crate::model::SdkFlavor;
use crate::value::Resolved;

use super::*;

impl<'t> Pass<'_, '_, 't> {
    pub(super) fn eval(&self, node: Node<'t>) -> Sym<'t> {
        if self.depth.get() >= MAX_DEPTH {
            return Sym::Other;
        }
        self.depth.set(self.depth.get() + 1);
        let sym = self.eval_inner(node);
        self.depth.set(self.depth.get().saturating_sub(1));
        sym
    }

    pub(super) fn eval_inner(&self, node: Node<'t>) -> Sym<'t> {
        match node.kind() {
            "identifier" => self
                .bindings
                .get(self.text(node))
                .cloned()
                .unwrap_or(Sym::Other),
            "member_expression" => {
                let key = self.text(node);
                if key.starts_with("this.") {
                    return self.bindings.get(key).cloned().unwrap_or(Sym::Other);
                }
                if let Some(sym) = self.bindings.get(key) {
                    return sym.clone();
                }
                let (Some(object), Some(property)) = (
                    node.child_by_field_name("object"),
                    node.child_by_field_name("property"),
                ) else {
                    return Sym::Other;
                };
                member(&self.eval(object), self.text(property))
            }
            "new_expression" => {
                let Some(constructor) = node.child_by_field_name("constructor") else {
                    return Sym::Other;
                };
                match self.eval(constructor) {
                    Sym::CommandClass(..) | Sym::DocCommandClass(_) => Sym::Command,
                    Sym::Library(path) => Sym::LibraryObject(path, node),
                    class => instance_of(class),
                }
            }
            "call_expression" => {
                let Some(function) = node.child_by_field_name("function") else {
                    return Sym::Other;
                };
                if function.kind() == "identifier" && self.text(function) == "require" {
                    let source = node
                        .child_by_field_name("arguments")
                        .and_then(|a| a.named_child(0))
                        .filter(|a| a.kind() == "string")
                        .map(|a| string_content(self.ctx, a));
                    return source.and_then(|s| module_sym(&s)).unwrap_or(Sym::Other);
                }
                // `getClient()`, `await clients.db()`: a factory's client.
                if let Sym::Factory(client) = self.eval(function) {
                    return *client;
                }
                if function.kind() == "member_expression" {
                    let object = function.child_by_field_name("object");
                    let property = function.child_by_field_name("property");
                    if let (Some(object), Some(property)) = (object, property)
                        && self.text(property) == "from"
                    {
                        return match self.eval(object) {
                            Sym::V3DocClass => Sym::Client(ClientKind::DocSend),
                            Sym::V3DocAggClass => {
                                Sym::Client(ClientKind::DocMethods(SdkFlavor::JsV3))
                            }
                            _ => Sym::Other,
                        };
                    }
                }
                Sym::Other
            }
            "await_expression"
            | "parenthesized_expression"
            | "as_expression"
            | "non_null_expression"
            | "satisfies_expression" => inner(node).map_or(Sym::Other, |n| self.eval(n)),
            "object" => Sym::Object(node),
            _ => Sym::Other,
        }
    }

    pub(super) fn eval_str(&self, node: Node<'_>) -> Resolved {
        if self.depth.get() >= MAX_DEPTH {
            return Resolved::unknown("is nested too deeply to follow");
        }
        self.depth.set(self.depth.get() + 1);
        let resolved = self.eval_str_inner(node);
        self.depth.set(self.depth.get().saturating_sub(1));
        resolved
    }

    pub(super) fn eval_str_inner(&self, node: Node<'_>) -> Resolved {
        match node.kind() {
            "string" => Resolved::literal(string_content(self.ctx, node)),
            "template_string" => {
                let mut parts = Vec::new();
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    match child.kind() {
                        "string_fragment" => {
                            parts.push(Resolved::literal(self.text(child)));
                        }
                        "escape_sequence" => {
                            parts.push(Resolved::literal(self.text(child).trim_start_matches('\\')))
                        }
                        "template_substitution" => parts.push(
                            child
                                .named_child(0)
                                .map_or(Resolved::unknown("is empty"), |e| self.eval_str(e)),
                        ),
                        _ => {}
                    }
                }
                Resolved::concat(parts)
            }
            "identifier" => {
                let name = self.text(node);
                match self.bindings.get(name) {
                    Some(Sym::Str(resolved)) => resolved.clone().via_constant(name),
                    _ => Resolved::unknown(format!("comes from `{name}`, known only at run time")),
                }
            }
            "member_expression" | "subscript_expression" => {
                if let Some(key) = self.env_key(node) {
                    return self.ctx.env.lookup(&key);
                }
                if self.text(node).starts_with("this.")
                    && let Some(Sym::Str(resolved)) = self.bindings.get(self.text(node))
                {
                    return resolved.clone();
                }
                Resolved::unknown(format!(
                    "comes from `{}`, known only at run time",
                    self.ctx.snippet(node)
                ))
            }
            "binary_expression" => {
                let operator = node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o))
                    .unwrap_or_default();
                let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    return Resolved::unknown("is incomplete");
                };
                match operator {
                    "+" => Resolved::concat(vec![self.eval_str(left), self.eval_str(right)]),
                    "||" | "??" => {
                        if let Some(key) = self.env_key(left) {
                            return self.ctx.env.lookup_or(&key, Some(self.eval_str(right)));
                        }
                        let l = self.eval_str(left);
                        if l.is_known() {
                            l
                        } else {
                            self.eval_str(right)
                        }
                    }
                    _ => Resolved::unknown(format!(
                        "comes from `{}`, known only at run time",
                        self.ctx.snippet(node)
                    )),
                }
            }
            "parenthesized_expression"
            | "as_expression"
            | "non_null_expression"
            | "satisfies_expression" => {
                inner(node).map_or_else(|| Resolved::unknown("is empty"), |n| self.eval_str(n))
            }
            _ => Resolved::unknown(format!(
                "comes from `{}`, known only at run time",
                self.ctx.snippet(node)
            )),
        }
    }

    /// `process.env.X`, `process.env['X']` → `X`.
    pub(super) fn env_key(&self, node: Node<'_>) -> Option<String> {
        let object = node.child_by_field_name("object")?;
        if self.text(object).replace(char::is_whitespace, "") != "process.env" {
            return None;
        }
        match node.kind() {
            "member_expression" => {
                Some(self.text(node.child_by_field_name("property")?).to_owned())
            }
            "subscript_expression" => {
                let index = node.child_by_field_name("index")?;
                (index.kind() == "string").then(|| string_content(self.ctx, index))
            }
            _ => None,
        }
    }

    /// The request parameters of an argument: an object literal, or a name bound to one.
    /// Nested objects add dotted keys (`Document.S3Object.Bucket`), as far as three levels.
    pub(super) fn params(&self, argument: Option<Node<'t>>) -> BTreeMap<String, Resolved> {
        let mut out = BTreeMap::new();
        if let Some(node) = argument {
            self.object_params(node, "", 0, &mut out);
        }
        out
    }

    /// `node` as an object literal, following names bound to one.
    pub(super) fn object_literal(&self, mut node: Node<'t>) -> Option<Node<'t>> {
        for _ in 0..4 {
            match self.eval(node) {
                Sym::Object(object) if object != node => node = object,
                _ => break,
            }
        }
        (node.kind() == "object").then_some(node)
    }

    pub(super) fn object_params(
        &self,
        node: Node<'t>,
        prefix: &str,
        depth: u32,
        out: &mut BTreeMap<String, Resolved>,
    ) {
        let Some(node) = self.object_literal(node) else {
            return;
        };
        let mut cursor = node.walk();
        for entry in node.named_children(&mut cursor) {
            match entry.kind() {
                "pair" => {
                    let (Some(key), Some(value)) = (
                        entry.child_by_field_name("key"),
                        entry.child_by_field_name("value"),
                    ) else {
                        continue;
                    };
                    let key = match key.kind() {
                        "string" => string_content(self.ctx, key),
                        _ => self.text(key).to_owned(),
                    };
                    let key = format!("{prefix}{key}");
                    if depth < 3 && self.object_literal(value).is_some() {
                        self.object_params(value, &format!("{key}."), depth + 1, out);
                    }
                    out.insert(key, self.eval_str(value));
                }
                "shorthand_property_identifier" => {
                    let name = self.text(entry).to_owned();
                    let resolved = match self.bindings.get(&name) {
                        Some(Sym::Str(r)) => r.clone().via_constant(&name),
                        _ => Resolved::unknown(format!(
                            "comes from `{name}`, known only at run time"
                        )),
                    };
                    out.insert(format!("{prefix}{name}"), resolved);
                }
                _ => {}
            }
        }
    }
}
