//! Python values: what an expression of the pass's table stands for (a module, a client, a
//! string known or not, an f-string, a dictionary of parameters).

use std::collections::BTreeMap;

use tree_sitter::Node;

use crate::library;
use crate::mapping::mapping;
use crate::sdk_catalogue::SdkCatalogue;
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
            "attribute" => {
                let text = self.text(node);
                if text.starts_with("self.")
                    && let Some(sym) = self.bindings.get(text)
                {
                    return sym.clone();
                }
                let (Some(object), Some(attribute)) = (
                    node.child_by_field_name("object"),
                    node.child_by_field_name("attribute"),
                ) else {
                    return Sym::Other;
                };
                let name = self.text(attribute);
                match (self.eval(object), name) {
                    (Sym::Boto3, "client") => Sym::Boto3Fn("client"),
                    (Sym::Boto3, "resource") => Sym::Boto3Fn("resource"),
                    (Sym::Boto3, "Session") => Sym::Boto3Fn("Session"),
                    // `boto3.session.Session`
                    (Sym::Boto3, "session") => Sym::Boto3,
                    (Sym::Session, "client") => Sym::Boto3Fn("client"),
                    (Sym::Session, "resource") => Sym::Boto3Fn("resource"),
                    (Sym::OsModule, "environ") => Sym::Environ,
                    (Sym::OsModule, "getenv") => Sym::Getenv,
                    (Sym::Library(path), name) => {
                        let path = format!("{path}.{name}");
                        if library::is_library_path("python", &path) {
                            Sym::Library(path)
                        } else {
                            Sym::Other
                        }
                    }
                    // `resource.meta.client` is the service's client.
                    (Sym::Resource(prefix), "meta") => Sym::Resource(prefix),
                    (Sym::Resource(prefix), "client") => Sym::Client(prefix),
                    (object @ Sym::ResourceObject { .. }, collection) => {
                        Sym::Collection(Box::new(object), collection.to_owned())
                    }
                    // `boto3.resource('s3').buckets`: a collection of the service resource.
                    (Sym::Resource(service), collection)
                        if mapping()
                            .resource_operation(&service, "", &format!("{collection}.all"))
                            .is_some() =>
                    {
                        let object = Sym::ResourceObject {
                            prefix: service,
                            kind: String::new(),
                            name: Resolved::unknown("is listed at run time"),
                            key: None,
                        };
                        Sym::Collection(Box::new(object), collection.to_owned())
                    }
                    _ => Sym::Other,
                }
            }
            "call" => {
                let (Some(function), Some(arguments)) = (
                    node.child_by_field_name("function"),
                    node.child_by_field_name("arguments"),
                ) else {
                    return Sym::Other;
                };
                match self.eval(function) {
                    Sym::Boto3Fn("client") => self
                        .service_argument(arguments)
                        .map_or(Sym::Other, Sym::Client),
                    Sym::Boto3Fn("resource") => self
                        .service_argument(arguments)
                        .map_or(Sym::Other, Sym::Resource),
                    Sym::Boto3Fn("Session") => Sym::Session,
                    // `parameters.SSMProvider()`: an instance, remembered with its arguments.
                    Sym::Library(path)
                        if path
                            .rsplit('.')
                            .next()
                            .is_some_and(|n| n.starts_with(char::is_uppercase)) =>
                    {
                        let mut ctor = self.params(arguments);
                        let mut i = 0;
                        while let Some(argument) = Self::positional(arguments, i) {
                            ctor.insert(i.to_string(), self.eval_str(argument));
                            i += 1;
                        }
                        Sym::LibraryObject { path, ctor }
                    }
                    _ => self
                        .factory_call(function, arguments)
                        .unwrap_or_else(|| self.eval_method_result(function, arguments)),
                }
            }
            "parenthesized_expression" | "await" => {
                node.named_child(0).map_or(Sym::Other, |n| self.eval(n))
            }
            "dictionary" => Sym::Dict(node),
            _ => Sym::Other,
        }
    }

    /// What `receiver.method(args)` returns when it is SDK-shaped: resource objects,
    /// paginators, waiters.
    pub(super) fn eval_method_result(&self, function: Node<'t>, arguments: Node<'t>) -> Sym<'t> {
        if function.kind() != "attribute" {
            return Sym::Other;
        }
        let (Some(object), Some(attribute)) = (
            function.child_by_field_name("object"),
            function.child_by_field_name("attribute"),
        ) else {
            return Sym::Other;
        };
        let method = self.text(attribute);
        let first = Self::positional(arguments, 0).map(|a| self.eval_str(a));
        match (self.eval(object), method) {
            (Sym::Client(prefix), "get_paginator") => match first {
                Some(Resolved::Known { value, .. }) => Sym::Paginator(prefix, value),
                _ => Sym::Other,
            },
            (Sym::Client(prefix), "get_waiter") => match first {
                Some(Resolved::Known { value, .. }) => Sym::Waiter(prefix, value),
                _ => Sym::Other,
            },
            // `sqs.get_queue_by_name(QueueName=...)` returns a Queue resource.
            (Sym::Resource(service), method)
                if SdkCatalogue::get()
                    .service(&service)
                    .is_some_and(|s| s.returns.contains_key(method)) =>
            {
                let kind = SdkCatalogue::get()
                    .service(&service)
                    .and_then(|s| s.returns.get(method))
                    .cloned()
                    .unwrap_or_default();
                let params = self.params(arguments);
                let name = params
                    .iter()
                    .find(|(k, _)| k.ends_with("Name") || k.ends_with("Url"))
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| Resolved::unknown("is known only at run time"));
                Sym::ResourceObject {
                    prefix: service,
                    kind,
                    name,
                    key: None,
                }
            }
            (Sym::Resource(prefix), kind)
                if kind.chars().next().is_some_and(char::is_uppercase) =>
            {
                let name = first.unwrap_or_else(|| Resolved::unknown("is not passed"));
                let key = Self::positional(arguments, 1).map(|a| self.eval_str(a));
                Sym::ResourceObject {
                    prefix,
                    kind: kind.to_owned(),
                    name,
                    key,
                }
            }
            // `bucket.Object(key)`: an object of that bucket.
            (
                Sym::ResourceObject {
                    prefix,
                    kind: parent,
                    name,
                    ..
                },
                "Object",
            ) if parent == "Bucket" => Sym::ResourceObject {
                prefix,
                kind: "Object".to_owned(),
                name,
                key: first,
            },
            _ => Sym::Other,
        }
    }

    pub(super) fn eval_str(&self, node: Node<'t>) -> Resolved {
        if self.depth.get() >= MAX_DEPTH {
            return Resolved::unknown("is nested too deeply to follow");
        }
        self.depth.set(self.depth.get() + 1);
        let resolved = self.eval_str_inner(node);
        self.depth.set(self.depth.get().saturating_sub(1));
        resolved
    }

    pub(super) fn eval_str_inner(&self, node: Node<'t>) -> Resolved {
        match node.kind() {
            "string" => match string_value(self.ctx, node) {
                Some(value) => Resolved::literal(value),
                None => self.fstring(node),
            },
            "concatenated_string" => {
                let mut cursor = node.walk();
                let parts = node
                    .named_children(&mut cursor)
                    .map(|s| self.eval_str(s))
                    .collect();
                Resolved::concat(parts)
            }
            "identifier" => {
                let name = self.text(node);
                match self.bindings.get(name) {
                    Some(Sym::Str(resolved)) => resolved.clone().via_constant(name),
                    _ => Resolved::unknown(format!("comes from `{name}`, known only at run time")),
                }
            }
            "attribute" => {
                if let Some(Sym::Str(resolved)) = self.bindings.get(self.text(node)) {
                    return resolved.clone();
                }
                self.runtime(node)
            }
            // `os.environ['X']`
            "subscript" => {
                let value = node.child_by_field_name("value");
                let index = node.child_by_field_name("subscript");
                if let (Some(value), Some(index)) = (value, index)
                    && matches!(self.eval(value), Sym::Environ)
                    && let Some(key) = string_value(self.ctx, index)
                {
                    return self.ctx.env.lookup(&key);
                }
                self.runtime(node)
            }
            // `os.environ.get('X', 'default')`, `os.getenv('X')`
            "call" => {
                let (Some(function), Some(arguments)) = (
                    node.child_by_field_name("function"),
                    node.child_by_field_name("arguments"),
                ) else {
                    return self.runtime(node);
                };
                let is_env_get = match function.kind() {
                    "attribute" => {
                        function
                            .child_by_field_name("attribute")
                            .is_some_and(|a| self.text(a) == "get")
                            && function
                                .child_by_field_name("object")
                                .is_some_and(|o| matches!(self.eval(o), Sym::Environ))
                    }
                    _ => matches!(self.eval(function), Sym::Getenv),
                };
                if is_env_get
                    && let Some(key) =
                        Self::positional(arguments, 0).and_then(|k| string_value(self.ctx, k))
                {
                    let fallback = Self::positional(arguments, 1)
                        .or_else(|| self.keyword(arguments, "default"))
                        .map(|d| self.eval_str(d));
                    return self.ctx.env.lookup_or(&key, fallback);
                }
                self.runtime(node)
            }
            "boolean_operator" => {
                let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    return self.runtime(node);
                };
                let l = self.eval_str(left);
                if l.is_known() {
                    l
                } else {
                    self.eval_str(right)
                }
            }
            "binary_operator" => {
                let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    return self.runtime(node);
                };
                let operator = node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o))
                    .unwrap_or_default();
                if operator == "+" {
                    Resolved::concat(vec![self.eval_str(left), self.eval_str(right)])
                } else {
                    self.runtime(node)
                }
            }
            "parenthesized_expression" => node
                .named_child(0)
                .map_or_else(|| self.runtime(node), |n| self.eval_str(n)),
            _ => self.runtime(node),
        }
    }

    /// `f"thumbnails/{name}"`: the literal parts, up to the first replacement that is not known.
    pub(super) fn fstring(&self, node: Node<'t>) -> Resolved {
        let mut parts = Vec::new();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "string_content" => parts.push(Resolved::literal(self.text(child))),
                "interpolation" => parts.push(
                    child
                        .child_by_field_name("expression")
                        .or_else(|| child.named_child(0))
                        .map_or_else(|| self.runtime(child), |e| self.eval_str(e)),
                ),
                _ => {}
            }
        }
        Resolved::concat(parts)
    }

    pub(super) fn runtime(&self, node: Node<'_>) -> Resolved {
        Resolved::unknown(format!(
            "comes from `{}`, known only at run time",
            self.ctx.snippet(node)
        ))
    }

    /// Keyword arguments (`Bucket=...`), or the keys of a dict passed as `**params`.
    /// The keyword arguments of a call (and `**dict` splats), as request parameters. Nested
    /// dictionaries add dotted keys (`Document.S3Object.Bucket`), as far as three levels.
    pub(super) fn params(&self, arguments: Node<'t>) -> BTreeMap<String, Resolved> {
        let mut out = BTreeMap::new();
        let mut cursor = arguments.walk();
        for argument in arguments.named_children(&mut cursor) {
            match argument.kind() {
                "keyword_argument" => {
                    if let (Some(name), Some(value)) = (
                        argument.child_by_field_name("name"),
                        argument.child_by_field_name("value"),
                    ) {
                        let key = self.text(name).to_owned();
                        if let Some(dict) = self.dictionary(value) {
                            self.dictionary_params(dict, &format!("{key}."), 1, &mut out);
                        }
                        out.insert(key, self.eval_str(value));
                    }
                }
                "dictionary_splat" => {
                    if let Some(dict) = argument.named_child(0).and_then(|d| self.dictionary(d)) {
                        self.dictionary_params(dict, "", 0, &mut out);
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// `node` as a dictionary literal, or a name bound to one.
    pub(super) fn dictionary(&self, node: Node<'t>) -> Option<Node<'t>> {
        let node = match self.eval(node) {
            Sym::Dict(dict) => dict,
            _ => node,
        };
        (node.kind() == "dictionary").then_some(node)
    }

    pub(super) fn dictionary_params(
        &self,
        dict: Node<'t>,
        prefix: &str,
        depth: u32,
        out: &mut BTreeMap<String, Resolved>,
    ) {
        let mut cursor = dict.walk();
        for pair in dict.named_children(&mut cursor) {
            let key = pair
                .child_by_field_name("key")
                .and_then(|k| string_value(self.ctx, k));
            if let (Some(key), Some(value)) = (key, pair.child_by_field_name("value")) {
                let key = format!("{prefix}{key}");
                if depth < 3
                    && let Some(inner) = self.dictionary(value)
                {
                    self.dictionary_params(inner, &format!("{key}."), depth + 1, out);
                }
                out.insert(key, self.eval_str(value));
            }
        }
    }
}
