//! The outline of a file (functions, classes, methods, exports) and the handler check.

use tree_sitter::Node;

use crate::context::FileContext;
use crate::lang::Lang;
use crate::model::{HandlerProblem, HandlerProblemKind, Location, OutlineItem, OutlineKind};

pub fn outline(
    ctx: &FileContext<'_>,
    root: Node<'_>,
    lang: Lang,
    found: &[(&'static str, Node<'_>, Node<'_>)],
) -> Vec<OutlineItem> {
    let exports = match lang {
        Lang::Python => Vec::new(),
        _ => js_exports(ctx, root),
    };
    let mut items = Vec::new();
    for (kind, node, name) in found {
        let (node, name) = (*node, *name);
        let kind = match *kind {
            "class" => OutlineKind::Class,
            "method" => OutlineKind::Method,
            "interface" => OutlineKind::Interface,
            _ if lang == Lang::Python && inside(node, "class_definition") => OutlineKind::Method,
            _ => OutlineKind::Function,
        };
        let name = ctx.text_of(name).to_owned();
        let exported = match lang {
            // Every top-level Python name can be imported, and is what a handler names.
            Lang::Python => is_top_level_python(node),
            _ => exports.iter().any(|e| e.local == name),
        };
        items.push(OutlineItem {
            kind,
            name,
            location: ctx.location(node),
            exported,
        });
    }
    for export in exports {
        items.push(OutlineItem {
            kind: OutlineKind::Export,
            name: export.exported,
            location: ctx.location(export.node),
            exported: true,
        });
    }
    items.sort_by_key(|i| (i.location.start, i.kind == OutlineKind::Export));
    items
}

fn inside(node: Node<'_>, kind: &str) -> bool {
    let mut parent = node.parent();
    while let Some(p) = parent {
        if p.kind() == kind {
            return true;
        }
        parent = p.parent();
    }
    false
}

fn is_top_level_python(node: Node<'_>) -> bool {
    let parent = node.parent();
    match parent.map(|p| p.kind()) {
        Some("module") => true,
        Some("decorated_definition") => parent
            .and_then(|p| p.parent())
            .is_some_and(|g| g.kind() == "module"),
        _ => false,
    }
}

/// One name a JavaScript module exports: `exported` as seen from outside, `local` inside,
/// `value` the expression or declaration it stands for (when written there).
#[derive(Debug)]
struct JsExport<'t> {
    exported: String,
    local: String,
    node: Node<'t>,
    value: Option<Node<'t>>,
}

fn js_exports<'t>(ctx: &FileContext<'_>, root: Node<'t>) -> Vec<JsExport<'t>> {
    let mut out = Vec::new();
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        match statement.kind() {
            "export_statement" => {
                let default = (0..statement.child_count())
                    .filter_map(|i| statement.child(i))
                    .any(|c| c.kind() == "default");
                if let Some(declaration) = statement.child_by_field_name("declaration") {
                    for (name, value) in declared_names(ctx, declaration) {
                        out.push(JsExport {
                            exported: if default {
                                "default".into()
                            } else {
                                name.clone()
                            },
                            local: name,
                            node: statement,
                            value: Some(value),
                        });
                    }
                } else if default {
                    let value = statement.child_by_field_name("value");
                    out.push(JsExport {
                        exported: "default".into(),
                        local: value
                            .filter(|v| v.kind() == "identifier")
                            .map(|v| ctx.text_of(v).to_owned())
                            .unwrap_or_default(),
                        node: statement,
                        value,
                    });
                } else {
                    let mut inner = statement.walk();
                    for clause in statement.named_children(&mut inner) {
                        if clause.kind() != "export_clause" {
                            continue;
                        }
                        let mut specs = clause.walk();
                        for spec in clause.named_children(&mut specs) {
                            let Some(name) = spec.child_by_field_name("name") else {
                                continue;
                            };
                            let local = ctx.text_of(name).to_owned();
                            let exported = spec
                                .child_by_field_name("alias")
                                .map_or(local.clone(), |a| ctx.text_of(a).to_owned());
                            out.push(JsExport {
                                exported,
                                local,
                                node: spec,
                                value: None,
                            });
                        }
                    }
                }
            }
            "expression_statement" => {
                let Some(assignment) = statement
                    .named_child(0)
                    .filter(|a| a.kind() == "assignment_expression")
                else {
                    continue;
                };
                let (Some(left), Some(right)) = (
                    assignment.child_by_field_name("left"),
                    assignment.child_by_field_name("right"),
                ) else {
                    continue;
                };
                let target = ctx.text_of(left).replace(char::is_whitespace, "");
                let name = target
                    .strip_prefix("module.exports.")
                    .or_else(|| target.strip_prefix("exports."));
                if let Some(name) = name {
                    out.push(JsExport {
                        exported: name.to_owned(),
                        local: if right.kind() == "identifier" {
                            ctx.text_of(right).to_owned()
                        } else {
                            name.to_owned()
                        },
                        node: assignment,
                        value: Some(right),
                    });
                } else if target == "module.exports" && right.kind() == "object" {
                    let mut entries = right.walk();
                    for entry in right.named_children(&mut entries) {
                        match entry.kind() {
                            "shorthand_property_identifier" => {
                                let name = ctx.text_of(entry).to_owned();
                                out.push(JsExport {
                                    exported: name.clone(),
                                    local: name,
                                    node: entry,
                                    value: None,
                                });
                            }
                            "pair" | "method_definition" => {
                                let key = entry
                                    .child_by_field_name("key")
                                    .or_else(|| entry.child_by_field_name("name"));
                                let Some(key) = key else { continue };
                                let value = if entry.kind() == "pair" {
                                    entry.child_by_field_name("value")
                                } else {
                                    Some(entry)
                                };
                                let name = ctx.text_of(key).to_owned();
                                out.push(JsExport {
                                    local: value
                                        .filter(|v| v.kind() == "identifier")
                                        .map_or(name.clone(), |v| ctx.text_of(v).to_owned()),
                                    exported: name,
                                    node: entry,
                                    value,
                                });
                            }
                            _ => {}
                        }
                    }
                } else if target == "module.exports" {
                    out.push(JsExport {
                        exported: "default".into(),
                        local: ctx.text_of(right).to_owned(),
                        node: assignment,
                        value: Some(right),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// Names a declaration introduces, with the node that holds each one's value.
fn declared_names<'t>(ctx: &FileContext<'_>, declaration: Node<'t>) -> Vec<(String, Node<'t>)> {
    match declaration.kind() {
        "function_declaration"
        | "generator_function_declaration"
        | "class_declaration"
        | "abstract_class_declaration" => declaration
            .child_by_field_name("name")
            .map(|n| vec![(ctx.text_of(n).to_owned(), declaration)])
            .unwrap_or_default(),
        "lexical_declaration" | "variable_declaration" => {
            let mut out = Vec::new();
            let mut cursor = declaration.walk();
            for declarator in declaration.named_children(&mut cursor) {
                if declarator.kind() != "variable_declarator" {
                    continue;
                }
                let name = declarator.child_by_field_name("name");
                let value = declarator.child_by_field_name("value");
                if let (Some(name), Some(value)) = (name, value) {
                    out.push((ctx.text_of(name).to_owned(), value));
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

/// The top-level function (or function-valued declaration) named `name`, if any.
fn js_local_function<'t>(ctx: &FileContext<'_>, root: Node<'t>, name: &str) -> Option<Node<'t>> {
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        let declaration = if statement.kind() == "export_statement" {
            statement.child_by_field_name("declaration")
        } else {
            Some(statement)
        };
        let Some(declaration) = declaration else {
            continue;
        };
        for (declared, value) in declared_names(ctx, declaration) {
            if declared == name {
                return Some(value);
            }
        }
    }
    None
}

fn is_function(node: Node<'_>) -> bool {
    matches!(
        node.kind(),
        "function_declaration"
            | "generator_function_declaration"
            | "function_expression"
            | "arrow_function"
            | "method_definition"
    )
}

fn js_parameter_count(node: Node<'_>) -> usize {
    if let Some(parameters) = node.child_by_field_name("parameters") {
        let mut cursor = parameters.walk();
        return parameters
            .named_children(&mut cursor)
            .filter(|p| p.kind() != "comment")
            .count();
    }
    // `event => ...`
    usize::from(node.child_by_field_name("parameter").is_some())
}

fn has_child_kind(node: Node<'_>, kind: &str) -> bool {
    (0..node.child_count())
        .filter_map(|i| node.child(i))
        .any(|c| c.kind() == kind)
}

/// Whether a function body returns a value somewhere (nested functions excluded).
fn returns_value(function: Node<'_>) -> bool {
    let Some(body) = function.child_by_field_name("body") else {
        return false;
    };
    if body.kind() != "statement_block" {
        // `(event) => ({ ... })`
        return true;
    }
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if node.kind() == "return_statement" && node.named_child_count() > 0 {
            return true;
        }
        if node != body && is_function(node) {
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

/// Checks the handler named `export` in a JavaScript/TypeScript module.
pub fn check_js_handler(
    ctx: &FileContext<'_>,
    root: Node<'_>,
    export: &str,
) -> (Option<Location>, Vec<HandlerProblem>) {
    let exports = js_exports(ctx, root);
    let Some(found) = exports.iter().find(|e| e.exported == export) else {
        if let Some(local) = js_local_function(ctx, root, export) {
            return (
                Some(ctx.location(local)),
                vec![HandlerProblem {
                    kind: HandlerProblemKind::NotExported,
                    message: format!(
                        "`{export}` is defined in {} but not exported: add `export` (ES modules) or `exports.{export} = {export}` (CommonJS)",
                        ctx.path
                    ),
                    location: Some(ctx.location(local)),
                }],
            );
        }
        return (
            None,
            vec![HandlerProblem {
                kind: HandlerProblemKind::Missing,
                message: format!("{} does not define or export `{export}`", ctx.path),
                location: None,
            }],
        );
    };
    let function = found
        .value
        .filter(|v| is_function(*v))
        .or_else(|| js_local_function(ctx, root, &found.local).filter(|v| is_function(*v)));
    let Some(function) = function else {
        // Exported, but built at run time (`middy(base)`): its shape cannot be checked.
        return (Some(ctx.location(found.node)), Vec::new());
    };
    let location = ctx.location(function);
    let mut problems = Vec::new();
    let count = js_parameter_count(function);
    let is_async = has_child_kind(function, "async");
    if count > 3 {
        problems.push(HandlerProblem {
            kind: HandlerProblemKind::WrongArity,
            message: format!(
                "`{export}` takes {count} parameters; Lambda passes (event, context) and, to non-async handlers, a callback"
            ),
            location: Some(location.clone()),
        });
    } else if !is_async && count < 3 && !returns_value(function) {
        problems.push(HandlerProblem {
            kind: HandlerProblemKind::ReturnsNothing,
            message: format!(
                "`{export}` is not async, takes no callback and returns nothing: the invocation's result is always null; make it `async` and return the response"
            ),
            location: Some(location.clone()),
        });
    }
    (Some(location), problems)
}

/// Checks the handler function `name` in a Python module.
pub fn check_python_handler(
    ctx: &FileContext<'_>,
    root: Node<'_>,
    name: &str,
) -> (Option<Location>, Vec<HandlerProblem>) {
    let mut cursor = root.walk();
    let mut found = None;
    let mut assigned = None;
    for statement in root.named_children(&mut cursor) {
        let definition = match statement.kind() {
            "decorated_definition" => statement.child_by_field_name("definition"),
            "function_definition" => Some(statement),
            "expression_statement" => {
                // `handler = make_handler(...)`: exists, shape unknown.
                let assignment = statement
                    .named_child(0)
                    .filter(|a| a.kind() == "assignment");
                if let Some(left) = assignment.and_then(|a| a.child_by_field_name("left"))
                    && ctx.text_of(left) == name
                {
                    assigned = Some(statement);
                }
                None
            }
            _ => None,
        };
        if let Some(definition) = definition.filter(|d| d.kind() == "function_definition")
            && definition
                .child_by_field_name("name")
                .is_some_and(|n| ctx.text_of(n) == name)
        {
            found = Some(definition);
        }
    }
    let Some(function) = found else {
        if let Some(statement) = assigned {
            return (Some(ctx.location(statement)), Vec::new());
        }
        return (
            None,
            vec![HandlerProblem {
                kind: HandlerProblemKind::Missing,
                message: format!("{} has no top-level function `{name}`", ctx.path),
                location: None,
            }],
        );
    };
    let location = ctx.location(function);
    let mut required = 0;
    let mut total = 0;
    let mut variadic = false;
    if let Some(parameters) = function.child_by_field_name("parameters") {
        let mut cursor = parameters.walk();
        for parameter in parameters.named_children(&mut cursor) {
            match parameter.kind() {
                "identifier" | "typed_parameter" => {
                    required += 1;
                    total += 1;
                }
                "default_parameter" | "typed_default_parameter" => total += 1,
                "list_splat_pattern" | "dictionary_splat_pattern" => variadic = true,
                _ => {}
            }
        }
    }
    let mut problems = Vec::new();
    if required > 2 || (total < 2 && !variadic) {
        problems.push(HandlerProblem {
            kind: HandlerProblemKind::WrongArity,
            message: format!(
                "`{name}` must accept two arguments (event, context); it takes {required} required of {total}"
            ),
            location: Some(location.clone()),
        });
    }
    (Some(location), problems)
}
