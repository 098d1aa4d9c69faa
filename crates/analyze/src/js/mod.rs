//! JavaScript and TypeScript: AWS SDK for JavaScript v3 and v2 calls.
//!
//! One query selects imports, bindings, `new` expressions and calls; this pass interprets them.
//! Bindings are read first, in source order, into one module-wide table: clients are usually
//! created once at module level and used inside the handler, and names rarely shadow each
//! other in handler code, so scope-exact resolution would cost more than it finds.

mod eval;

use std::collections::{BTreeMap, HashMap};

use tree_sitter::Node;

use crate::context::FileContext;
use crate::library;
use crate::mapping::{mapping, pascal_case};
use crate::model::SdkFlavor;
use crate::sdk_catalogue::SdkCatalogue;
use crate::value::Resolved;

#[derive(Debug, Clone)]
enum ClientKind {
    /// `client.send(new XCommand(...))`.
    Send,
    /// `client.getObject(...)` (v2, and v3's aggregated clients).
    Methods(String, SdkFlavor),
    /// `@aws-sdk/lib-dynamodb`'s `DynamoDBDocumentClient`.
    DocSend,
    /// `AWS.DynamoDB.DocumentClient` and v3's `DynamoDBDocument`.
    DocMethods(SdkFlavor),
}

#[derive(Debug, Clone)]
enum Sym<'t> {
    V3Module(String),
    DocModule,
    StorageModule,
    V2Root,
    V2Class(String),
    V2DocClass,
    V3ClientClass,
    V3AggClass(String),
    V3DocClass,
    V3DocAggClass,
    CommandClass(String, String),
    DocCommandClass(String),
    Paginate(String, String),
    Waiter(String, String),
    UploadClass,
    Client(ClientKind),
    Command,
    Str(Resolved),
    Object(Node<'t>),
    /// Something a library that calls AWS exports (`@aws-lambda-powertools/parameters/ssm`).
    Library(String),
    /// `new SSMProvider(...)`: an instance of a library class, with its constructor call.
    LibraryObject(String, Node<'t>),
    /// A function of this file that returns a client (`const db = () => new DynamoDBClient()`):
    /// calling it is that client.
    Factory(Box<Sym<'t>>),
    Other,
}

struct Pass<'c, 'a, 't> {
    ctx: &'c mut FileContext<'a>,
    bindings: HashMap<String, Sym<'t>>,
    /// How deep `eval`/`eval_str` recurse: generated code can nest expressions thousands deep,
    /// and a stack overflow would abort the app.
    depth: std::cell::Cell<u32>,
}

/// Deeper expressions are "known only at run time"; handler code never nests this far.
const MAX_DEPTH: u32 = 100;

pub fn analyze<'t>(ctx: &mut FileContext<'_>, captures: &[(&'static str, Node<'t>)]) {
    let mut pass = Pass {
        ctx,
        bindings: HashMap::new(),
        depth: std::cell::Cell::new(0),
    };
    for (name, node) in captures {
        match *name {
            "import" => pass.import(*node),
            "binding" => pass.binding(*node),
            _ => {}
        }
    }
    for (name, node) in captures {
        match *name {
            "new" => pass.new_expression(*node),
            "call" => pass.call(*node),
            _ => {}
        }
    }
}

fn module_sym<'t>(source: &str) -> Option<Sym<'t>> {
    if let Some(package) = source.strip_prefix("@aws-sdk/") {
        return match package {
            "lib-dynamodb" => Some(Sym::DocModule),
            "lib-storage" => Some(Sym::StorageModule),
            _ => mapping().service_of_js_v3(package).map(Sym::V3Module),
        };
    }
    if library::is_library_module("js", source) {
        return Some(Sym::Library(source.to_owned()));
    }
    if source == "aws-sdk" || source == "aws-sdk/global" {
        return Some(Sym::V2Root);
    }
    if let Some(client) = source.strip_prefix("aws-sdk/clients/") {
        // `aws-sdk/clients/s3` exports the S3 class itself.
        let service = mapping()
            .service_of_js_v2(client)
            .unwrap_or_else(|| client.to_owned());
        return Some(Sym::V2Class(service));
    }
    None
}

fn member<'t>(object: &Sym<'t>, name: &str) -> Sym<'t> {
    match object {
        Sym::Library(path) => {
            let path = format!("{path}.{name}");
            if library::is_library_path("js", &path) {
                Sym::Library(path)
            } else {
                Sym::Other
            }
        }
        Sym::V3Module(prefix) => {
            if let Some(stem) = name.strip_suffix("Command") {
                Sym::CommandClass(prefix.clone(), stem.to_owned())
            } else if name.ends_with("Client") {
                Sym::V3ClientClass
            } else if let Some(op) = name.strip_prefix("paginate") {
                Sym::Paginate(prefix.clone(), op.to_owned())
            } else if let Some(w) = name
                .strip_prefix("waitUntil")
                .or_else(|| name.strip_prefix("waitFor"))
            {
                Sym::Waiter(prefix.clone(), w.to_owned())
            } else if SdkCatalogue::get()
                .service(prefix)
                .is_some_and(|s| s.v3_class == name)
            {
                Sym::V3AggClass(prefix.clone())
            } else {
                Sym::Other
            }
        }
        Sym::DocModule => match name {
            "DynamoDBDocumentClient" => Sym::V3DocClass,
            "DynamoDBDocument" => Sym::V3DocAggClass,
            _ => {
                if let Some(stem) = name.strip_suffix("Command") {
                    Sym::DocCommandClass(stem.to_owned())
                } else if let Some(op) = name.strip_prefix("paginate") {
                    Sym::Paginate("dynamodb".to_owned(), op.to_owned())
                } else {
                    Sym::Other
                }
            }
        },
        Sym::StorageModule if name == "Upload" => Sym::UploadClass,
        Sym::V2Root => match mapping().service_of_js_v2(name) {
            Some(prefix) => Sym::V2Class(prefix),
            None => Sym::Other,
        },
        Sym::V2Class(prefix) if prefix == "dynamodb" && name == "DocumentClient" => Sym::V2DocClass,
        _ => Sym::Other,
    }
}

/// An instance of an SDK class: `new S3Client()` or a value typed `S3Client`.
fn instance_of(class: Sym<'_>) -> Sym<'_> {
    match class {
        Sym::V3ClientClass => Sym::Client(ClientKind::Send),
        Sym::V3AggClass(p) => Sym::Client(ClientKind::Methods(p, SdkFlavor::JsV3)),
        Sym::V2Class(p) => Sym::Client(ClientKind::Methods(p, SdkFlavor::JsV2)),
        Sym::V2DocClass => Sym::Client(ClientKind::DocMethods(SdkFlavor::JsV2)),
        Sym::V3DocClass => Sym::Client(ClientKind::DocSend),
        _ => Sym::Other,
    }
}

/// The first named child: the expression inside `await x`, `(x)`, `x as T`, `x!`.
fn inner(node: Node<'_>) -> Option<Node<'_>> {
    node.named_child(0)
}

fn string_content(ctx: &FileContext<'_>, node: Node<'_>) -> String {
    let mut out = String::new();
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "string_fragment" => out.push_str(ctx.text_of(child)),
            "escape_sequence" => {
                out.push_str(ctx.text_of(child).trim_start_matches('\\'));
            }
            _ => {}
        }
    }
    out
}

impl<'c, 'a, 't> Pass<'c, 'a, 't> {
    fn text(&self, node: Node<'_>) -> &'a str {
        self.ctx.text_of(node)
    }

    fn import(&mut self, node: Node<'t>) {
        let Some(source) = node.child_by_field_name("source") else {
            return;
        };
        let source = string_content(self.ctx, source);
        if source.starts_with('.') || source.starts_with('#') {
            self.ctx.local_imports.push(source.clone());
        }
        let Some(module) = module_sym(&source) else {
            return;
        };
        let mut cursor = node.walk();
        let clause = node
            .named_children(&mut cursor)
            .find(|c| c.kind() == "import_clause");
        let Some(clause) = clause else { return };
        let mut cursor = clause.walk();
        for part in clause.named_children(&mut cursor) {
            match part.kind() {
                // `import AWS from 'aws-sdk'`, `import S3 from 'aws-sdk/clients/s3'`.
                "identifier" => {
                    let name = self.text(part).to_owned();
                    self.bindings.insert(name, module.clone());
                }
                "namespace_import" => {
                    if let Some(id) = part.named_child(0) {
                        let name = self.text(id).to_owned();
                        self.bindings.insert(name, module.clone());
                    }
                }
                "named_imports" => {
                    let mut cursor = part.walk();
                    for spec in part.named_children(&mut cursor) {
                        if spec.kind() != "import_specifier" {
                            continue;
                        }
                        let Some(name) = spec.child_by_field_name("name") else {
                            continue;
                        };
                        let imported = self.text(name).trim_matches(['"', '\'']).to_owned();
                        let local = spec
                            .child_by_field_name("alias")
                            .map_or(imported.clone(), |a| self.text(a).to_owned());
                        self.bindings.insert(local, member(&module, &imported));
                    }
                }
                _ => {}
            }
        }
    }

    fn binding(&mut self, node: Node<'t>) {
        match node.kind() {
            // `constructor(private readonly s3: S3Client)`, `function put(client: S3Client)`:
            // the type says which client the parameter holds.
            "required_parameter" | "optional_parameter" => {
                let Some(pattern) = node
                    .child_by_field_name("pattern")
                    .filter(|p| p.kind() == "identifier")
                else {
                    return;
                };
                let sym = node
                    .child_by_field_name("type")
                    .map_or(Sym::Other, |t| self.instance_of_type(t));
                if matches!(sym, Sym::Other) {
                    return;
                }
                let name = self.text(pattern).to_owned();
                let mut cursor = node.walk();
                let is_property = node
                    .children(&mut cursor)
                    .any(|c| matches!(c.kind(), "accessibility_modifier" | "readonly"));
                if is_property {
                    self.bindings.insert(format!("this.{name}"), sym.clone());
                }
                self.bindings.insert(name, sym);
                return;
            }
            // `function client() { return new S3Client(); }`: a client factory.
            "function_declaration" => {
                if let (Some(name), Some(sym)) =
                    (node.child_by_field_name("name"), self.returned_client(node))
                {
                    let name = self.text(name).to_owned();
                    self.bindings.insert(name, Sym::Factory(Box::new(sym)));
                }
                return;
            }
            // Class fields: `private s3 = new S3Client()`, `s3: S3Client;`, `s3 = new S3()`.
            "public_field_definition" | "field_definition" => {
                let name = node
                    .child_by_field_name("name")
                    .or_else(|| node.child_by_field_name("property"));
                let Some(name) = name else { return };
                let sym = match node.child_by_field_name("value") {
                    Some(value) => self.eval_binding(value),
                    None => node
                        .child_by_field_name("type")
                        .map_or(Sym::Other, |t| self.instance_of_type(t)),
                };
                let key = format!("this.{}", self.text(name));
                self.bindings.insert(key, sym);
                return;
            }
            _ => {}
        }
        let (target, value) = match node.kind() {
            "variable_declarator" => (
                node.child_by_field_name("name"),
                node.child_by_field_name("value"),
            ),
            _ => (
                node.child_by_field_name("left"),
                node.child_by_field_name("right"),
            ),
        };
        let (Some(target), Some(value)) = (target, value) else {
            return;
        };
        match target.kind() {
            "identifier" => {
                let sym = self.eval_binding(value);
                let name = self.text(target).to_owned();
                self.bindings.insert(name, sym);
            }
            // `this.s3 = new S3Client()` in a class, `exports.firehose = new AWS.Firehose()`:
            // remembered under its text, read back where that text is used.
            "member_expression" => {
                let key: String = self
                    .text(target)
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                let sym = self.eval_binding(value);
                if !matches!(sym, Sym::Other | Sym::Str(Resolved::Unknown { .. })) {
                    self.bindings.insert(key, sym);
                }
            }
            "object_pattern" => self.destructure(target, value),
            _ => {}
        }
    }

    /// What a value of the type annotation `annotation` is: a client when the type is an SDK
    /// client class (`S3Client`, `S3`, `AWS.S3`, `DynamoDB.DocumentClient`).
    fn instance_of_type(&self, annotation: Node<'t>) -> Sym<'t> {
        let Some(ty) = annotation.named_child(0) else {
            return Sym::Other;
        };
        let class = match ty.kind() {
            "type_identifier" => self
                .bindings
                .get(self.text(ty))
                .cloned()
                .unwrap_or(Sym::Other),
            "nested_type_identifier" => {
                let text = self.text(ty);
                let mut parts = text.split('.').map(str::trim);
                let first = parts.next().unwrap_or_default();
                let mut sym = self.bindings.get(first).cloned().unwrap_or(Sym::Other);
                for part in parts {
                    sym = member(&sym, part);
                }
                sym
            }
            _ => Sym::Other,
        };
        instance_of(class)
    }

    /// The client a function returns, when every path we can see returns one: an arrow
    /// function's expression body, or a `return` of its own (nested functions return for
    /// themselves).
    fn returned_client(&self, function: Node<'t>) -> Option<Sym<'t>> {
        let body = function.child_by_field_name("body")?;
        let is_client = |sym: &Sym<'t>| matches!(sym, Sym::Client(_));
        if body.kind() != "statement_block" {
            return Some(self.eval(body)).filter(is_client);
        }
        let mut stack = vec![body];
        while let Some(node) = stack.pop() {
            if node.kind() == "return_statement" {
                let sym = node.named_child(0).map(|v| self.eval(v))?;
                return Some(sym).filter(is_client);
            }
            if node != body
                && matches!(
                    node.kind(),
                    "function_declaration"
                        | "function_expression"
                        | "arrow_function"
                        | "method_definition"
                        | "class_declaration"
                )
            {
                continue;
            }
            let mut cursor = node.walk();
            let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
        }
        None
    }

    fn eval_binding(&mut self, value: Node<'t>) -> Sym<'t> {
        if matches!(
            value.kind(),
            "arrow_function" | "function_expression" | "function"
        ) {
            return self
                .returned_client(value)
                .map_or(Sym::Other, |sym| Sym::Factory(Box::new(sym)));
        }
        match self.eval(value) {
            Sym::Other => Sym::Str(self.eval_str(value)),
            sym => sym,
        }
    }

    /// `const { S3Client } = require('@aws-sdk/client-s3')`, `const { TABLE } = process.env`.
    fn destructure(&mut self, pattern: Node<'t>, value: Node<'t>) {
        let from_env = self.text(value).replace(char::is_whitespace, "") == "process.env";
        let module = self.eval(value);
        let mut cursor = pattern.walk();
        for entry in pattern.named_children(&mut cursor) {
            let (key, local, default) = match entry.kind() {
                "shorthand_property_identifier_pattern" => {
                    let name = self.text(entry).to_owned();
                    (name.clone(), name, None)
                }
                "pair_pattern" => {
                    let key = entry
                        .child_by_field_name("key")
                        .map(|k| self.text(k).trim_matches(['"', '\'']).to_owned());
                    let local = entry
                        .child_by_field_name("value")
                        .filter(|v| v.kind() == "identifier")
                        .map(|v| self.text(v).to_owned());
                    match (key, local) {
                        (Some(k), Some(l)) => (k, l, None),
                        _ => continue,
                    }
                }
                "object_assignment_pattern" => {
                    let Some(left) = entry.child_by_field_name("left") else {
                        continue;
                    };
                    let name = self.text(left).to_owned();
                    let default = entry.child_by_field_name("right");
                    (name.clone(), name, default)
                }
                _ => continue,
            };
            let sym = if from_env {
                let fallback = default.map(|d| self.eval_str(d));
                Sym::Str(self.ctx.env.lookup_or(&key, fallback))
            } else {
                member(&module, &key)
            };
            self.bindings.insert(local, sym);
        }
    }

    fn argument(node: Node<'t>, i: usize) -> Option<Node<'t>> {
        node.child_by_field_name("arguments")?.named_child(i)
    }

    /// A use of a library that calls AWS (Powertools): `path` used as `on`, with the call's
    /// node, and the constructor's node for an instance's method.
    fn library_use(&mut self, node: Node<'t>, path: &str, on: &str, ctor: Option<Node<'t>>) {
        for entry in library::entries("js", path, on) {
            let mut params = BTreeMap::new();
            for (param, sources) in &entry.params {
                let value = sources.iter().find_map(|source| {
                    let (call, source) = match source.strip_prefix("new.") {
                        Some(rest) => (ctor?, rest),
                        None => (node, source.as_str()),
                    };
                    let (index, key) = source.split_once('.').unwrap_or((source, ""));
                    let argument = Self::argument(call, index.parse().ok()?)?;
                    if key.is_empty() {
                        Some(self.eval_str(argument))
                    } else {
                        self.params(Some(argument)).remove(key)
                    }
                });
                if let Some(value) = value {
                    params.insert(param.clone(), value);
                }
            }
            for operation in &entry.operations {
                self.ctx
                    .record(node, SdkFlavor::Library, &entry.service, operation, &params);
            }
        }
    }

    fn new_expression(&mut self, node: Node<'t>) {
        let Some(constructor) = node.child_by_field_name("constructor") else {
            return;
        };
        match self.eval(constructor) {
            Sym::Library(path) => self.library_use(node, &path, "new", None),
            Sym::CommandClass(prefix, stem) => {
                let params = self.params(Self::argument(node, 0));
                self.ctx
                    .record(node, SdkFlavor::JsV3, &prefix, &stem, &params);
            }
            Sym::DocCommandClass(stem) => {
                let params = self.params(Self::argument(node, 0));
                self.ctx
                    .record_document(node, SdkFlavor::JsV3, &stem, &params);
            }
            Sym::UploadClass => {
                // `new Upload({ client, params: { Bucket, Key, Body } })`.
                let params = Self::argument(node, 0)
                    .filter(|o| o.kind() == "object")
                    .and_then(|o| {
                        let mut cursor = o.walk();
                        o.named_children(&mut cursor).find(|p| {
                            p.kind() == "pair"
                                && p.child_by_field_name("key")
                                    .is_some_and(|k| self.text(k) == "params")
                        })
                    })
                    .and_then(|p| p.child_by_field_name("value"));
                let params = self.params(params);
                self.ctx
                    .record(node, SdkFlavor::JsV3, "s3", "Upload", &params);
            }
            _ => {}
        }
    }

    fn call(&mut self, node: Node<'t>) {
        let Some(function) = node.child_by_field_name("function") else {
            return;
        };
        // CommonJS `require('./lib/x')` and dynamic `import('./x')` bring in local modules
        // as `import` statements do.
        if matches!(function.kind(), "identifier" | "import")
            && matches!(self.text(function), "require" | "import")
            && let Some(source) = node
                .child_by_field_name("arguments")
                .and_then(|a| a.named_child(0))
                .filter(|a| a.kind() == "string")
        {
            let source = string_content(self.ctx, source);
            if (source.starts_with('.') || source.starts_with('#'))
                && !self.ctx.local_imports.contains(&source)
            {
                self.ctx.local_imports.push(source);
            }
            return;
        }
        match function.kind() {
            "member_expression" => {
                let (Some(object), Some(property)) = (
                    function.child_by_field_name("object"),
                    function.child_by_field_name("property"),
                ) else {
                    return;
                };
                let method = self.text(property).to_owned();
                match self.eval(object) {
                    Sym::Client(ClientKind::Send | ClientKind::DocSend) => {
                        if method != "send" {
                            return;
                        }
                        let argument = Self::argument(node, 0);
                        let sent = argument.map(|a| (a.kind(), self.eval(a)));
                        match sent {
                            // Recorded where the command is constructed.
                            Some(("new_expression", _)) | Some((_, Sym::Command)) => {}
                            _ => self.ctx.not_understood(
                                node,
                                "cannot tell which command this sends: construct it with `new XCommand(...)` where it is sent or in a `const`",
                            ),
                        }
                    }
                    Sym::Client(ClientKind::Methods(prefix, flavor)) => {
                        self.method_call(node, &prefix, flavor, &method);
                    }
                    Sym::Client(ClientKind::DocMethods(flavor)) => {
                        if CLIENT_PLUMBING.contains(&method.as_str()) {
                            return;
                        }
                        let params = self.params(Self::argument(node, 0));
                        self.ctx.record_document(node, flavor, &method, &params);
                    }
                    Sym::LibraryObject(path, ctor) => {
                        self.library_use(node, &path, &format!(".{method}"), Some(ctor));
                    }
                    Sym::Library(path) => {
                        let path = format!("{path}.{method}");
                        self.library_use(node, &path, "call", None);
                    }
                    _ => {}
                }
            }
            _ => match self.eval(function) {
                Sym::Library(path) => self.library_use(node, &path, "call", None),
                Sym::Paginate(prefix, operation) => {
                    let params = self.params(Self::argument(node, 1));
                    self.ctx
                        .record(node, SdkFlavor::JsV3, &prefix, &operation, &params);
                }
                Sym::Waiter(prefix, waiter) => {
                    let params = self.params(Self::argument(node, 1));
                    self.ctx
                        .waiter(node, SdkFlavor::JsV3, &prefix, &waiter, &params);
                }
                _ => {}
            },
        }
    }

    fn method_call(&mut self, node: Node<'t>, prefix: &str, flavor: SdkFlavor, method: &str) {
        if CLIENT_PLUMBING.contains(&method) {
            return;
        }
        match method {
            // `s3.getSignedUrl('getObject', params)`: the URL acts with this function's role.
            "getSignedUrl" | "getSignedUrlPromise" => {
                let operation = Self::argument(node, 0)
                    .map(|a| self.eval_str(a))
                    .and_then(|r| match r {
                        Resolved::Known { value, .. } => Some(pascal_case(&value)),
                        _ => None,
                    });
                let params = self.params(Self::argument(node, 1));
                match operation {
                    Some(operation) => self.ctx.record(node, flavor, prefix, &operation, &params),
                    None => self
                        .ctx
                        .not_understood(node, "the signed operation is not a literal"),
                }
            }
            "waitFor" => {
                let waiter = Self::argument(node, 0).map(|a| self.eval_str(a));
                let params = self.params(Self::argument(node, 1));
                match waiter {
                    Some(Resolved::Known { value, .. }) => {
                        self.ctx.waiter(node, flavor, prefix, &value, &params);
                    }
                    _ => self
                        .ctx
                        .not_understood(node, "the waiter's name is not a literal"),
                }
            }
            "createPresignedPost" => {
                let params = self.params(Self::argument(node, 0));
                self.ctx
                    .record(node, flavor, prefix, "GeneratePresignedPost", &params);
            }
            _ => {
                let params = self.params(Self::argument(node, 0));
                let operation = pascal_case(method);
                self.ctx.record(node, flavor, prefix, &operation, &params);
            }
        }
    }
}

/// Client methods that are not service operations.
const CLIENT_PLUMBING: &[&str] = &[
    "promise",
    "on",
    "send",
    "destroy",
    "config",
    "middlewareStack",
    "makeRequest",
    "makeUnauthenticatedRequest",
    "setupRequestListeners",
    "createBucket_",
    "then",
    "catch",
];
