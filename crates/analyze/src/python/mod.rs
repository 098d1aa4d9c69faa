//! Python: boto3 clients, resources, paginators and waiters.
//!
//! Like the JavaScript pass, names are resolved through one module-wide table filled from
//! imports and assignments in source order before calls are interpreted.

mod eval;

use std::collections::{BTreeMap, HashMap};

use tree_sitter::Node;

use crate::context::{ClientFactory, FactoryReturns, FileContext};
use crate::library;
use crate::mapping::{mapping, pascal_case};
use crate::model::SdkFlavor;
use crate::value::Resolved;

#[derive(Debug, Clone)]
enum Sym<'t> {
    Boto3,
    /// `from boto3 import client` / `resource` / `Session`.
    Boto3Fn(&'static str),
    Session,
    Client(String),
    Resource(String),
    /// `resource('s3').Bucket(name)`: service, kind, the name it was created with, the key.
    ResourceObject {
        prefix: String,
        kind: String,
        name: Resolved,
        key: Option<Resolved>,
    },
    /// `bucket.objects`: a collection of a resource object.
    Collection(Box<Sym<'t>>, String),
    Paginator(String, String),
    Waiter(String, String),
    OsModule,
    Environ,
    Getenv,
    Str(Resolved),
    Dict(Node<'t>),
    /// Something a library that calls AWS exports (`aws_lambda_powertools...parameters`).
    Library(String),
    /// An instance of a library class, with its constructor's arguments.
    LibraryObject {
        path: String,
        ctor: BTreeMap<String, Resolved>,
    },
    Other,
}

struct Pass<'c, 'a, 't> {
    ctx: &'c mut FileContext<'a>,
    bindings: HashMap<String, Sym<'t>>,
    /// The functions this file defines: name → parameter names, `self`/`cls` left out.
    defs: HashMap<String, Vec<String>>,
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
        defs: HashMap::new(),
        depth: std::cell::Cell::new(0),
    };
    for (name, node) in captures {
        match *name {
            "import" => pass.import(*node),
            "binding" if node.kind() == "function_definition" => pass.function_definition(*node),
            "binding" => pass.assignment(*node),
            _ => {}
        }
    }
    // A client handed to a function of this file (`post(apigw_client, ...)`) is what that
    // function's parameter holds; twice, so a client handed on once more is found too.
    for _ in 0..2 {
        for (name, node) in captures {
            if *name == "call" {
                pass.bind_parameters(*node);
            }
        }
    }
    for (name, node) in captures {
        if *name == "call" {
            pass.call(*node);
        }
    }
}

fn string_value(ctx: &FileContext<'_>, node: Node<'_>) -> Option<String> {
    if node.kind() != "string" {
        return None;
    }
    let mut out = String::new();
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "string_content" => out.push_str(ctx.text_of(child)),
            "escape_sequence" => out.push_str(ctx.text_of(child).trim_start_matches('\\')),
            // An f-string with a replacement: not a plain literal.
            "interpolation" => return None,
            _ => {}
        }
    }
    Some(out)
}

impl<'c, 'a, 't> Pass<'c, 'a, 't> {
    fn text(&self, node: Node<'_>) -> &'a str {
        self.ctx.text_of(node)
    }

    fn import(&mut self, node: Node<'t>) {
        let mut cursor = node.walk();
        if node.kind() == "import_statement" {
            // `import boto3`, `import boto3 as b3`, `import os`.
            for name in node.children_by_field_name("name", &mut cursor) {
                let (module, alias) = match name.kind() {
                    "aliased_import" => (
                        name.child_by_field_name("name").map(|n| self.text(n)),
                        name.child_by_field_name("alias").map(|n| self.text(n)),
                    ),
                    _ => (Some(self.text(name)), None),
                };
                let Some(module) = module else { continue };
                if library::is_library_path("python", module) {
                    // `import a.b.c` binds `a`; `import a.b.c as x` binds `x` to the module.
                    let (local, path) = match alias {
                        Some(alias) => (alias, module),
                        None => {
                            let first = module.split('.').next().unwrap_or(module);
                            (first, first)
                        }
                    };
                    self.bindings
                        .insert(local.to_owned(), Sym::Library(path.to_owned()));
                    continue;
                }
                let sym = match module {
                    "boto3" => Sym::Boto3,
                    "os" => Sym::OsModule,
                    _ => {
                        self.ctx.local_imports.push(module.to_owned());
                        continue;
                    }
                };
                let local = alias.unwrap_or(module).to_owned();
                self.bindings.insert(local, sym);
            }
            return;
        }
        // `from boto3 import client, resource as res`, `from os import environ`.
        let Some(module) = node.child_by_field_name("module_name") else {
            return;
        };
        let module = self.text(module).to_owned();
        if module != "boto3" && module != "boto3.session" && module != "os" {
            self.ctx.local_imports.push(module.clone());
        }
        for name in node.children_by_field_name("name", &mut cursor) {
            let (imported, alias) = match name.kind() {
                "aliased_import" => (
                    name.child_by_field_name("name").map(|n| self.text(n)),
                    name.child_by_field_name("alias").map(|n| self.text(n)),
                ),
                _ => (Some(self.text(name)), None),
            };
            let Some(imported) = imported else { continue };
            if module.starts_with('.') {
                // `from . import helpers`: the module itself is a local file.
                self.ctx.local_imports.push(format!(
                    "{module}{}{imported}",
                    if module.ends_with('.') { "" } else { "." }
                ));
            }
            let path = format!("{module}.{imported}");
            if library::is_library_path("python", &path) {
                self.bindings
                    .insert(alias.unwrap_or(imported).to_owned(), Sym::Library(path));
                continue;
            }
            let sym = match (module.as_str(), imported) {
                ("boto3", "client") => Sym::Boto3Fn("client"),
                ("boto3", "resource") => Sym::Boto3Fn("resource"),
                ("boto3" | "boto3.session", "Session") => Sym::Boto3Fn("Session"),
                ("os", "environ") => Sym::Environ,
                ("os", "getenv") => Sym::Getenv,
                _ => continue,
            };
            self.bindings
                .insert(alias.unwrap_or(imported).to_owned(), sym);
        }
    }

    fn assignment(&mut self, node: Node<'t>) {
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return;
        };
        let key = match left.kind() {
            "identifier" => self.text(left).to_owned(),
            // `self.table = ...` in a class.
            "attribute" if self.text(left).starts_with("self.") => self.text(left).to_owned(),
            _ => return,
        };
        let sym = match self.eval(right) {
            Sym::Other => Sym::Str(self.eval_str(right)),
            sym => sym,
        };
        self.bindings.insert(key, sym);
    }

    /// Remembers a function's parameters, and whether it returns an SDK client: a client
    /// factory, whose calls anywhere in the project are that client.
    fn function_definition(&mut self, node: Node<'t>) {
        let (Some(name), Some(parameters), Some(body)) = (
            node.child_by_field_name("name"),
            node.child_by_field_name("parameters"),
            node.child_by_field_name("body"),
        ) else {
            return;
        };
        let mut params = Vec::new();
        let mut cursor = parameters.walk();
        for parameter in parameters.named_children(&mut cursor) {
            let id = match parameter.kind() {
                "identifier" => Some(parameter),
                "default_parameter" | "typed_default_parameter" => {
                    parameter.child_by_field_name("name")
                }
                "typed_parameter" => parameter.named_child(0),
                _ => None,
            };
            if let Some(id) = id.filter(|i| i.kind() == "identifier") {
                params.push(self.text(id).to_owned());
            }
        }
        if params.first().is_some_and(|p| p == "self" || p == "cls") {
            params.remove(0);
        }
        let name = self.text(name).to_owned();
        if let Some(factory) = self.factory_of(body, &params) {
            self.ctx.factories.insert(name.clone(), factory);
        }
        self.defs.insert(name, params);
    }

    /// What a function body returns, when it is an SDK client.
    fn factory_of(&self, body: Node<'t>, params: &[String]) -> Option<ClientFactory> {
        let mut stack = vec![body];
        while let Some(node) = stack.pop() {
            if node.kind() == "return_statement"
                && let Some(value) = node.named_child(0)
                && let Some(factory) = self.returned_client(value, params)
            {
                return Some(factory);
            }
            // Nested functions and classes return for themselves.
            if matches!(node.kind(), "function_definition" | "class_definition") && node != body {
                continue;
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
        None
    }

    fn returned_client(&self, value: Node<'t>, params: &[String]) -> Option<ClientFactory> {
        if value.kind() == "call"
            && let (Some(function), Some(arguments)) = (
                value.child_by_field_name("function"),
                value.child_by_field_name("arguments"),
            )
            && let Sym::Boto3Fn(kind @ ("client" | "resource")) = self.eval(function)
        {
            let resource = kind == "resource";
            let argument = Self::positional(arguments, 0)
                .or_else(|| self.keyword(arguments, "service_name"))?;
            let text = self.text(argument);
            if argument.kind() == "identifier"
                && let Some(index) = params.iter().position(|p| p == text)
            {
                return Some(ClientFactory {
                    resource,
                    returns: FactoryReturns::Parameter {
                        index,
                        name: text.to_owned(),
                    },
                });
            }
            let service = self.service_argument(arguments)?;
            return Some(ClientFactory {
                resource,
                returns: FactoryReturns::Service(service),
            });
        }
        match self.eval(value) {
            Sym::Client(service) => Some(ClientFactory {
                resource: false,
                returns: FactoryReturns::Service(service),
            }),
            Sym::Resource(service) => Some(ClientFactory {
                resource: true,
                returns: FactoryReturns::Service(service),
            }),
            _ => None,
        }
    }

    /// The client a call of a factory makes (`helper.get_client('textract')`).
    fn factory_call(&self, function: Node<'t>, arguments: Node<'t>) -> Option<Sym<'t>> {
        let name = match function.kind() {
            "identifier" => self.text(function),
            "attribute" => self.text(function.child_by_field_name("attribute")?),
            _ => return None,
        };
        let factory = self
            .ctx
            .factories
            .get(name)
            .or_else(|| self.ctx.hints.factories.get(name))?;
        let service = match &factory.returns {
            FactoryReturns::Service(service) => service.clone(),
            FactoryReturns::Parameter { index, name } => {
                let argument = self
                    .keyword(arguments, name)
                    .or_else(|| Self::positional(arguments, *index))?;
                match self.eval_str(argument) {
                    Resolved::Known { value, .. } => mapping().service_of_boto3(&value)?,
                    _ => return None,
                }
            }
        };
        Some(if factory.resource {
            Sym::Resource(service)
        } else {
            Sym::Client(service)
        })
    }

    /// Whether `node` is inside a client factory this file defines (whose callers name the
    /// service).
    fn inside_factory(&self, node: Node<'t>) -> bool {
        let mut parent = node.parent();
        while let Some(n) = parent {
            if n.kind() == "function_definition" {
                return n
                    .child_by_field_name("name")
                    .is_some_and(|name| self.ctx.factories.contains_key(self.text(name)));
            }
            parent = n.parent();
        }
        false
    }

    /// A use of a library that calls AWS (Powertools): its SDK calls are recorded here.
    fn library_call(&mut self, node: Node<'t>, function: Node<'t>, arguments: Node<'t>) -> bool {
        let (path, on, ctor) = match self.eval(function) {
            Sym::Library(path) => {
                let constructs = library::entries("python", &path, "new").next().is_some();
                (
                    path,
                    if constructs { "new" } else { "call" }.to_owned(),
                    None,
                )
            }
            _ => {
                let object = function
                    .child_by_field_name("object")
                    .filter(|_| function.kind() == "attribute");
                let method = function.child_by_field_name("attribute");
                match (object.map(|o| self.eval(o)), method) {
                    (Some(Sym::LibraryObject { path, ctor }), Some(method)) => {
                        (path, format!(".{}", self.text(method)), Some(ctor))
                    }
                    _ => return false,
                }
            }
        };
        let mut any = false;
        for entry in library::entries("python", &path, &on) {
            any = true;
            let mut params = BTreeMap::new();
            for (param, sources) in &entry.params {
                let value = sources.iter().find_map(|source| {
                    if let Some(key) = source.strip_prefix("new.") {
                        return ctor.as_ref()?.get(key).cloned();
                    }
                    let argument = match source.parse::<usize>() {
                        Ok(i) => Self::positional(arguments, i),
                        Err(_) => self.keyword(arguments, source),
                    }?;
                    Some(self.eval_str(argument))
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
        any
    }

    /// Binds the parameters of a function of this file to the clients a call hands it.
    fn bind_parameters(&mut self, node: Node<'t>) {
        let (Some(function), Some(arguments)) = (
            node.child_by_field_name("function"),
            node.child_by_field_name("arguments"),
        ) else {
            return;
        };
        let name = match function.kind() {
            "identifier" => self.text(function),
            "attribute" => match function.child_by_field_name("attribute") {
                Some(attribute) => self.text(attribute),
                None => return,
            },
            _ => return,
        };
        let Some(params) = self.defs.get(name).cloned() else {
            return;
        };
        let mut handed: Vec<(String, Sym<'t>)> = Vec::new();
        let mut position = 0;
        let mut cursor = arguments.walk();
        for argument in arguments.named_children(&mut cursor) {
            let (param, value) = match argument.kind() {
                "keyword_argument" => (
                    argument
                        .child_by_field_name("name")
                        .map(|n| self.text(n).to_owned()),
                    argument.child_by_field_name("value"),
                ),
                "comment" | "list_splat" | "dictionary_splat" => continue,
                _ => {
                    position += 1;
                    (params.get(position - 1).cloned(), Some(argument))
                }
            };
            let (Some(param), Some(value)) = (param, value) else {
                continue;
            };
            let sym = self.eval(value);
            if matches!(
                sym,
                Sym::Client(_) | Sym::Resource(_) | Sym::ResourceObject { .. }
            ) {
                handed.push((param, sym));
            }
        }
        for (param, sym) in handed {
            let known = self.bindings.get(&param).is_some_and(|s| {
                matches!(
                    s,
                    Sym::Client(_) | Sym::Resource(_) | Sym::ResourceObject { .. }
                )
            });
            if !known {
                self.bindings.insert(param, sym);
            }
        }
    }

    fn keyword(&self, arguments: Node<'t>, name: &str) -> Option<Node<'t>> {
        let mut cursor = arguments.walk();
        let found = arguments.named_children(&mut cursor).find(|a| {
            a.kind() == "keyword_argument"
                && a.child_by_field_name("name")
                    .is_some_and(|n| self.text(n) == name)
        });
        found.and_then(|a| a.child_by_field_name("value"))
    }

    fn positional(arguments: Node<'t>, i: usize) -> Option<Node<'t>> {
        let mut cursor = arguments.walk();
        arguments
            .named_children(&mut cursor)
            .filter(|a| a.kind() != "keyword_argument" && a.kind() != "comment")
            .nth(i)
    }

    fn service_argument(&self, arguments: Node<'t>) -> Option<String> {
        let node =
            Self::positional(arguments, 0).or_else(|| self.keyword(arguments, "service_name"))?;
        match self.eval_str(node) {
            Resolved::Known { value, .. } => mapping().service_of_boto3(&value),
            _ => None,
        }
    }

    fn call(&mut self, node: Node<'t>) {
        let (Some(function), Some(arguments)) = (
            node.child_by_field_name("function"),
            node.child_by_field_name("arguments"),
        ) else {
            return;
        };
        if self.library_call(node, function, arguments) {
            return;
        }
        if let Sym::Boto3Fn(kind @ ("client" | "resource")) = self.eval(function)
            && self.service_argument(arguments).is_none()
            && !self.inside_factory(node)
        {
            let reason = match Self::positional(arguments, 0)
                .or_else(|| self.keyword(arguments, "service_name"))
            {
                Some(name) => format!(
                    "the {kind}'s service `{}` is known only at run time: its calls are not checked",
                    self.text(name)
                ),
                None => format!("the {kind} names no service"),
            };
            self.ctx.not_understood(node, reason);
            return;
        }
        if function.kind() != "attribute" {
            return;
        }
        let (Some(object), Some(attribute)) = (
            function.child_by_field_name("object"),
            function.child_by_field_name("attribute"),
        ) else {
            return;
        };
        let method = self.text(attribute).to_owned();
        match self.eval(object) {
            Sym::Client(prefix) => {
                if CLIENT_PLUMBING.contains(&method.as_str()) {
                    return;
                }
                let params = self.params(arguments);
                if method == "generate_presigned_url" {
                    // The signed operation is the first argument (`ClientMethod`).
                    let signed = Self::positional(arguments, 0)
                        .or_else(|| self.keyword(arguments, "ClientMethod"))
                        .map(|a| self.eval_str(a));
                    let inner = self
                        .keyword(arguments, "Params")
                        .map(|d| {
                            let mut params = BTreeMap::new();
                            if let Sym::Dict(dict) = self.eval(d) {
                                let mut cursor = dict.walk();
                                for pair in dict.named_children(&mut cursor) {
                                    let key = pair
                                        .child_by_field_name("key")
                                        .and_then(|k| string_value(self.ctx, k));
                                    if let (Some(key), Some(value)) =
                                        (key, pair.child_by_field_name("value"))
                                    {
                                        params.insert(key, self.eval_str(value));
                                    }
                                }
                            }
                            params
                        })
                        .unwrap_or_default();
                    match signed {
                        Some(Resolved::Known { value, .. }) => {
                            let operation = pascal_case(&value);
                            self.ctx.record(
                                node,
                                SdkFlavor::Boto3Client,
                                &prefix,
                                &operation,
                                &inner,
                            );
                        }
                        _ => self
                            .ctx
                            .not_understood(node, "the signed operation is not a literal"),
                    }
                    return;
                }
                let mut params = params;
                // The managed transfers take their names positionally:
                // upload_file(Filename, Bucket, Key), download_file(Bucket, Key, Filename).
                let positions: &[(&str, usize)] = match method.as_str() {
                    "upload_file" | "upload_fileobj" => &[("Bucket", 1), ("Key", 2)],
                    "download_file" | "download_fileobj" => &[("Bucket", 0), ("Key", 1)],
                    _ => &[],
                };
                for (name, at) in positions {
                    if let Some(value) = Self::positional(arguments, *at) {
                        params.insert((*name).to_owned(), self.eval_str(value));
                    }
                }
                let operation = pascal_case(&method);
                self.ctx
                    .record(node, SdkFlavor::Boto3Client, &prefix, &operation, &params);
            }
            Sym::Paginator(prefix, operation) if method == "paginate" => {
                let params = self.params(arguments);
                let operation = pascal_case(&operation);
                self.ctx
                    .record(node, SdkFlavor::Boto3Client, &prefix, &operation, &params);
            }
            Sym::Waiter(prefix, waiter) if method == "wait" => {
                let params = self.params(arguments);
                self.ctx
                    .waiter(node, SdkFlavor::Boto3Client, &prefix, &waiter, &params);
            }
            Sym::ResourceObject {
                prefix,
                kind,
                name,
                key,
            } => {
                // `bucket.Object(key)` makes a sub-resource; its calls are what need actions.
                if method.chars().next().is_some_and(char::is_uppercase) {
                    return;
                }
                self.resource_call(node, arguments, &prefix, &kind, &method, name, key);
            }
            Sym::Collection(object, collection) => {
                if let Sym::ResourceObject {
                    prefix, kind, name, ..
                } = *object
                {
                    let method = format!("{collection}.{method}");
                    self.resource_call(node, arguments, &prefix, &kind, &method, name, None);
                }
            }
            // Resource-level helpers such as `s3.create_bucket(...)` are client operations.
            Sym::Resource(prefix)
                if method.chars().next().is_some_and(char::is_lowercase)
                    && !CLIENT_PLUMBING.contains(&method.as_str()) =>
            {
                let params = self.params(arguments);
                // The service resource's own actions (`get_queue_by_name` is GetQueueUrl).
                let operation = mapping()
                    .resource_operation(&prefix, "", &method)
                    .unwrap_or_else(|| pascal_case(&method));
                self.ctx
                    .record(node, SdkFlavor::Boto3Resource, &prefix, &operation, &params);
            }
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn resource_call(
        &mut self,
        node: Node<'t>,
        arguments: Node<'t>,
        prefix: &str,
        kind: &str,
        method: &str,
        name: Resolved,
        key: Option<Resolved>,
    ) {
        let Some(operation) = mapping().resource_operation(prefix, kind, method) else {
            if method.starts_with('_') {
                return;
            }
            self.ctx.not_understood(
                node,
                format!("`{kind}.{method}` of a boto3 {prefix} resource is not in the mapping"),
            );
            return;
        };
        let mut params = self.params(arguments);
        // The resource's identifier stands for the parameter the operation would take.
        let param = match (prefix, kind) {
            ("s3", _) => "Bucket",
            ("dynamodb", "Table") => "TableName",
            ("sqs", "Queue") => "QueueUrl",
            ("sns", "Topic") => "TopicArn",
            _ => "Name",
        };
        params.insert(param.to_owned(), name);
        if let Some(key) = key {
            params.insert("Key".to_owned(), key);
        }
        // `bucket.upload_file(Filename, Key)`: the object key is the second argument.
        if prefix == "s3"
            && kind == "Bucket"
            && (method == "upload_file" || method == "download_file")
            && let Some(key) =
                Self::positional(arguments, 1).or_else(|| self.keyword(arguments, "Key"))
        {
            params.insert("Key".to_owned(), self.eval_str(key));
        }
        self.ctx
            .record(node, SdkFlavor::Boto3Resource, prefix, &operation, &params);
    }
}

/// Client methods that are not service operations.
const CLIENT_PLUMBING: &[&str] = &[
    "get_paginator",
    "get_waiter",
    "can_paginate",
    "close",
    "exceptions",
    "meta",
    "Table",
    "Bucket",
    "Object",
];
