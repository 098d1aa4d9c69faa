//! Serverless Framework `serverless.yml` into a manifest.
//!
//! The service's functions with the provider's defaults, their http/httpApi/schedule/s3/sqs/
//! stream events and function URLs, and IAM statements: the provider's (`iam.role.statements`
//! or the legacy `iamRoleStatements`) and per-function ones (serverless-iam-roles-per-function).
//! `provider.httpApi` gives `[api]` (CORS, JWT authorizers) and the payload version of httpApi
//! routes; a route's `authorizer` its auth (`aws_iam`, or a JWT authorizer's name). `http`
//! events are a REST API's, whose Lambda proxy sends the 1.0 payload; its Lambda and Cognito
//! authorizers, and Lambda (request) authorizers of the HTTP API, have no functory.toml form:
//! they are reported and their routes keep the authorizer's name, so `functory check` stops
//! them from being deployed open.
//! Variables are resolved where the file itself says what they are: `${self:…}` references,
//! the fallbacks of `${opt:…}` and `${env:…}`, the Framework's stage and region defaults.
//! `${env:X}` without a fallback is not read from this machine's environment on purpose: it
//! may be a secret, and functory.toml is committed. Unresolved variables stay as text, reported.

use functory_core::manifest::{HttpApi, JwtAuthorizer};
use functory_core::{Cors, Function, Manifest, Permission, Target, Trigger, UrlAuth};
use functory_lint::parse::{Node, Span};

use crate::cfn::Cfn;
use crate::manifest_text::manifest_toml;
use crate::report::{ImportError, Imported};
use crate::sam::{
    Reading, TRIGGER_KINDS, describe, local_target, new_function, report_unknown_properties,
    storage_events,
};
use crate::sam_api::{DEFAULT_IDENTITY_SOURCE, authorizer_name};
use crate::source::{Reporter, parse_document, scalar_text};

const PARK_OPEN: char = '\u{1}';
const PARK_CLOSE: char = '\u{2}';

/// How deep variables may nest in each other before the importer gives up on one.
const MAX_VARIABLE_DEPTH: usize = 32;

/// Serverless variables of one file.
#[derive(Debug)]
pub struct Variables<'n> {
    root: &'n Node,
}

impl Variables<'_> {
    /// `text` with every variable the file resolves replaced; the others kept, and reported.
    pub fn resolve(&self, text: &str, span: Span, subject: &str, rep: &mut Reporter<'_>) -> String {
        self.resolve_parked(text, span, subject, rep, &mut Vec::new())
            .replace(PARK_OPEN, "${")
            .replace(PARK_CLOSE, "}")
    }

    /// Resolves what it can; a kept variable is parked behind control characters so no loop
    /// (this one or an enclosing one) sees it again. [`Variables::resolve`] restores them.
    fn resolve_parked(
        &self,
        text: &str,
        span: Span,
        subject: &str,
        rep: &mut Reporter<'_>,
        stack: &mut Vec<String>,
    ) -> String {
        let mut text = text.to_owned();
        for _ in 0..256 {
            let Some(close) = text.find('}').filter(|&c| text[..c].contains("${")) else {
                break;
            };
            let Some(open) = text[..close].rfind("${") else {
                break;
            };
            let inner = text[open + 2..close].to_owned();
            let replacement = match self.variable(&inner, span, subject, rep, stack) {
                Some(value) => value,
                None => format!("{PARK_OPEN}{inner}{PARK_CLOSE}"),
            };
            text.replace_range(open..=close, &replacement);
        }
        text
    }

    /// The value of one variable expression (`self:custom.x, 'fallback'`), or `None`.
    fn variable(
        &self,
        expression: &str,
        span: Span,
        subject: &str,
        rep: &mut Reporter<'_>,
        stack: &mut Vec<String>,
    ) -> Option<String> {
        let (source, fallback) = match expression.split_once(',') {
            Some((source, fallback)) => (source.trim(), Some(fallback.trim())),
            None => (expression.trim(), None),
        };
        if let Some(start) = stack.iter().position(|s| s == source) {
            let mut chain: Vec<&str> = stack[start..].iter().map(String::as_str).collect();
            chain.push(source);
            rep.not_mapped(
                span,
                subject,
                format!(
                    "circular reference {}: kept as the text `${{{expression}}}`",
                    chain.join(" → ")
                ),
            );
            return None;
        }
        if stack.len() >= MAX_VARIABLE_DEPTH {
            return None;
        }
        let fallback_value = |this: &Self, rep: &mut Reporter<'_>, stack: &mut Vec<String>| {
            let fallback = fallback?;
            if let Some(quoted) = fallback
                .strip_prefix('\'')
                .and_then(|f| f.strip_suffix('\''))
                .or_else(|| fallback.strip_prefix('"').and_then(|f| f.strip_suffix('"')))
            {
                return Some(quoted.to_owned());
            }
            if fallback.contains(':') {
                return this.variable(fallback, span, subject, rep, stack);
            }
            Some(fallback.to_owned())
        };
        let (kind, name) = source.split_once(':').unwrap_or(("", source));
        let found = match kind {
            "self" => {
                stack.push(source.to_owned());
                let value = self
                    .lookup(name)
                    .and_then(scalar_text)
                    .map(|value| self.resolve_parked(&value, span, subject, rep, stack));
                stack.pop();
                // What the referenced value kept is already reported, and parked.
                value
            }
            // The Framework's defaults: stage `dev`, region `us-east-1`.
            "sls" if name == "stage" => {
                Some(self.provider_setting("stage", "dev", rep, stack, span, subject))
            }
            "opt" if name == "stage" && fallback.is_none() => {
                Some(self.provider_setting("stage", "dev", rep, stack, span, subject))
            }
            "opt" if name == "region" && fallback.is_none() => {
                Some(self.provider_setting("region", "us-east-1", rep, stack, span, subject))
            }
            "aws" if name == "region" => {
                Some(self.provider_setting("region", "us-east-1", rep, stack, span, subject))
            }
            _ => None,
        };
        if found.is_some() {
            return found;
        }
        stack.push(source.to_owned());
        let fallback = fallback_value(self, rep, stack);
        stack.pop();
        if fallback.is_some() {
            return fallback;
        }
        let why = match kind {
            "AWS" => "a CloudFormation pseudo parameter, known at deploy time",
            "env" => {
                "an environment variable read at deploy time; not copied into functory.toml (it may be a secret)"
            }
            "opt" => "a command-line option of `serverless deploy`",
            "ssm" | "secretsmanager" => "a parameter read from AWS at deploy time",
            "self" => "the file does not define it",
            _ => "a variable source Functory does not read",
        };
        rep.not_mapped(
            span,
            subject,
            format!("`${{{expression}}}` kept as text: {why}"),
        );
        None
    }

    fn lookup(&self, path: &str) -> Option<&Node> {
        let mut node = self.root;
        for part in path.split('.').filter(|p| !p.is_empty()) {
            node = node.get(part)?;
        }
        Some(node)
    }

    fn provider_setting(
        &self,
        key: &str,
        default: &str,
        rep: &mut Reporter<'_>,
        stack: &mut Vec<String>,
        span: Span,
        subject: &str,
    ) -> String {
        let path = format!("provider.{key}");
        if stack.contains(&format!("self:{path}")) {
            return default.to_owned();
        }
        stack.push(format!("self:{path}"));
        let value = self
            .lookup(&path)
            .and_then(scalar_text)
            .map(|v| self.resolve_parked(&v, span, subject, rep, stack));
        stack.pop();
        value
            .filter(|v| !v.contains(PARK_OPEN))
            .unwrap_or_else(|| default.to_owned())
    }
}

const PROVIDER_KEYS: &[&str] = &[
    "name",
    "runtime",
    "memorySize",
    "timeout",
    "environment",
    "region",
    "stage",
    "iam",
    "iamRoleStatements",
    "httpApi",
];

const FUNCTION_KEYS: &[&str] = &[
    "handler",
    "runtime",
    "memorySize",
    "timeout",
    "environment",
    "events",
    "iamRoleStatements",
    "iamRoleStatementsInherit",
    "url",
];

/// Imports a `serverless.yml`. `file` names it in the report and the header; the project is
/// named after the service, else `default_project`.
pub fn import_serverless(
    text: &str,
    file: &str,
    default_project: &str,
) -> Result<Imported, ImportError> {
    let root = parse_document(text, file)?;
    let Some(functions) = root.get("functions").filter(|f| f.as_object().is_some()) else {
        return Err(ImportError::Shape {
            file: file.to_owned(),
            message: "no `functions` mapping: this is not a Serverless Framework service".into(),
        });
    };
    let mut rep = Reporter::new(text, file);
    let vars = Variables { root: &root };
    let cfn = Cfn::new(None, root.get("resources").and_then(|r| r.get("Resources")));
    let empty = Node::new(functory_lint::parse::Value::Object(Vec::new()), root.span);
    let provider = root.get("provider").unwrap_or(&empty);

    for section in root.as_object().unwrap_or_default() {
        match section.key.as_str() {
            "service" | "provider" | "functions" | "custom" | "frameworkVersion"
            | "configValidationMode" | "variablesResolutionMode" | "useDotenv" => {}
            "resources" => rep.not_mapped(
                section.key_span,
                "resources",
                "CloudFormation resources are not declared in functory.toml; events and statements that refer to them are resolved",
            ),
            other => rep.not_mapped(
                section.key_span,
                other,
                format!("functory.toml has no `{other}`; left out"),
            ),
        }
    }
    report_unknown_properties(provider, "provider", PROVIDER_KEYS, &mut rep);
    if let Some(name) = provider.get("name").and_then(Node::as_str)
        && name != "aws"
    {
        rep.not_mapped(
            provider.span,
            "provider.name",
            format!("provider `{name}`: only AWS services are imported as they are"),
        );
    }

    let service = root.get("service");
    let project_name = service
        .and_then(|s| s.get("name").or(Some(s)))
        .and_then(|s| {
            Reading {
                cfn,
                rep: &mut rep,
                stack: Vec::new(),
                vars: Some(&vars),
            }
            .text(s, "service")
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| default_project.to_owned());
    let mut r = Reading {
        cfn: cfn.for_project(&project_name),
        rep: &mut rep,
        stack: Vec::new(),
        vars: Some(&vars),
    };

    let provider_statements = match provider.get("iam").and_then(|i| i.get("role")) {
        Some(role) if role.as_str().is_some() || role.is_intrinsic() => {
            r.rep.not_mapped(
                role.span,
                "provider.iam.role",
                "an existing role: its policies are not imported; list the functions' permissions in functory.toml",
            );
            Vec::new()
        }
        Some(role) => {
            // managedPolicies, permissionsBoundary, name, path, tags: role settings that
            // functory.toml's per-function permissions do not carry.
            report_unknown_properties(role, "provider.iam.role", &["statements"], r.rep);
            role.get("statements")
                .map(|s| r.statements(s, "provider.iam.role.statements"))
                .unwrap_or_default()
        }
        None => Vec::new(),
    };
    let legacy_statements = provider
        .get("iamRoleStatements")
        .map(|s| r.statements(s, "provider.iamRoleStatements"))
        .unwrap_or_default();
    let shared: Vec<Permission> = provider_statements
        .into_iter()
        .chain(legacy_statements)
        .collect();

    let mut service = Service {
        provider,
        shared: &shared,
        http_api: ServerlessHttpApi::read(&root, provider, &mut r),
    };
    let mut imported: Vec<Function> = Vec::new();
    for member in functions.as_object().unwrap_or_default() {
        let subject = format!("functions.{}", member.key);
        if let Some(function) = import_function(member, &subject, &mut service, &mut r) {
            r.rep.mapped(
                member.key_span,
                &subject,
                format!("function `{}`", function.name),
            );
            imported.push(function);
        }
    }

    let mut targets = vec![local_target()];
    if let Some(region) = provider
        .get("region")
        .and_then(|n| r.text(n, "provider.region"))
    {
        targets.push(Target {
            region: Some(region),
            ..Target::new("aws", functory_core::AdapterKind::Aws)
        });
    }
    let api = service.http_api.finish(&mut r);
    let manifest = Manifest {
        project_name: project_name.clone(),
        targets,
        functions: imported,
        api,
    };
    let toml = manifest_toml(
        &manifest,
        &format!(
            "Imported by `functory import serverless` from {file} (Serverless Framework).\nThe file was left unchanged; this file is now the project's manifest."
        ),
    );
    Ok(Imported {
        manifest,
        toml,
        report: rep.report,
    })
}

/// What every function of the service reads besides its own settings.
struct Service<'a, 'n> {
    provider: &'n Node,
    /// The provider's IAM statements.
    shared: &'a [Permission],
    http_api: ServerlessHttpApi,
}

fn import_function(
    member: &functory_lint::parse::Member,
    subject: &str,
    service: &mut Service<'_, '_>,
    r: &mut Reading<'_, '_, '_>,
) -> Option<Function> {
    let (key, node, key_span) = (member.key.as_str(), &member.value, member.key_span);
    let (provider, shared) = (service.provider, service.shared);
    report_unknown_properties(node, subject, FUNCTION_KEYS, r.rep);
    let setting = |name: &str| {
        node.get(name)
            .map(|n| (n, format!("{subject}.{name}")))
            .or_else(|| provider.get(name).map(|n| (n, format!("provider.{name}"))))
    };
    let name = if functory_core::manifest::is_valid_function_name(key) {
        key.to_owned()
    } else {
        let cleaned: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .take(64)
            .collect();
        r.rep.not_mapped(
            key_span,
            subject,
            format!("function name `{key}` is not valid in functory.toml; imported as `{cleaned}`"),
        );
        cleaned
    };
    let Some(handler) = node
        .get("handler")
        .and_then(|h| r.text(h, &format!("{subject}.handler")))
    else {
        r.rep.not_mapped(
            key_span,
            subject,
            "no handler (a container image?): not imported",
        );
        return None;
    };
    let Some((runtime_node, runtime_subject)) = setting("runtime") else {
        r.rep.not_mapped(
            key_span,
            subject,
            "no runtime here or in provider: not imported",
        );
        return None;
    };
    let runtime = r.text(runtime_node, &runtime_subject)?;
    let mut function = new_function(name, runtime, handler, ".".to_owned());
    r.limits(
        &mut function,
        Some(runtime_node),
        setting("memorySize"),
        setting("timeout"),
        &runtime_subject,
    );
    // The provider's variables apply to every function; a function's own override them.
    if let Some(vars) = provider.get("environment") {
        r.environment(vars, "provider.environment", &mut function.environment);
    }
    if let Some(vars) = node.get("environment") {
        r.environment(
            vars,
            &format!("{subject}.environment"),
            &mut function.environment,
        );
    }
    if let Some(events) = node.get("events") {
        for (i, event) in events.items().enumerate() {
            let event_subject = format!("{subject}.events[{i}]");
            for trigger in serverless_event(event, &event_subject, &mut service.http_api, r) {
                r.rep.mapped(event.span, &event_subject, describe(&trigger));
                function.triggers.push(trigger);
            }
        }
    }
    if let Some(url) = node.get("url")
        && let Some(trigger) = function_url(url, &format!("{subject}.url"), r)
    {
        r.rep
            .mapped(url.span, &format!("{subject}.url"), describe(&trigger));
        function.triggers.push(trigger);
    }
    match node.get("iamRoleStatements") {
        Some(statements) => {
            function.permissions =
                r.statements(statements, &format!("{subject}.iamRoleStatements"));
            // serverless-iam-roles-per-function gives the function its own role; the
            // provider's statements join it only when asked.
            if node
                .get("iamRoleStatementsInherit")
                .and_then(scalar_text)
                .is_some_and(|v| v == "true")
            {
                function.permissions.extend(shared.iter().cloned());
            }
        }
        None => function.permissions = shared.to_vec(),
    }
    Some(function)
}

fn serverless_event(
    event: &Node,
    subject: &str,
    http_api: &mut ServerlessHttpApi,
    r: &mut Reading<'_, '_, '_>,
) -> Vec<Trigger> {
    let Some([member]) = event.as_object() else {
        r.rep.not_mapped(
            event.span,
            subject,
            "an event is a mapping with one key, its type",
        );
        return Vec::new();
    };
    let kind = member.key.as_str();
    let value = &member.value;
    let subject = format!("{subject}.{kind}");
    let report_extra = |r: &mut Reading<'_, '_, '_>, known: &[&str]| {
        report_unknown_properties(value, &subject, known, r.rep);
    };
    let get = |r: &mut Reading<'_, '_, '_>, key: &str| {
        value
            .get(key)
            .and_then(|n| r.text(n, &format!("{subject}.{key}")))
    };
    match kind {
        "http" | "httpApi" => {
            let (method, path) = if value.as_object().is_some() {
                report_extra(r, &["method", "path", "authorizer"]);
                (get(r, "method"), get(r, "path"))
            } else {
                let Some(text) = r.text(value, &subject) else {
                    return Vec::new();
                };
                if kind == "httpApi" && text.trim() == "*" {
                    (Some("*".to_owned()), None)
                } else {
                    let mut parts = text.split_whitespace();
                    (
                        parts.next().map(str::to_owned),
                        parts.next().map(str::to_owned),
                    )
                }
            };
            let method = match method.as_deref() {
                Some("*") | Some("any") | Some("ANY") => "ANY".to_owned(),
                Some(m) => m.to_ascii_uppercase(),
                None => {
                    r.rep
                        .not_mapped(value.span, &subject, "an http event needs a method");
                    return Vec::new();
                }
            };
            // `httpApi: '*'` (or a `*` method without a path) is the API's catch-all route.
            let path = match path {
                Some(p) if p.starts_with('/') => p,
                Some(p) => format!("/{p}"),
                None if kind == "httpApi" => "/{proxy+}".to_owned(),
                None => {
                    r.rep
                        .not_mapped(value.span, &subject, "an http event needs a path");
                    return Vec::new();
                }
            };
            let (auth, payload_version) = http_api.route(kind, value, &subject, r);
            vec![Trigger::Http {
                method,
                path,
                auth,
                payload_version,
            }]
        }
        "schedule" => {
            let (rates, timezone) = if value.as_object().is_some() {
                report_extra(r, &["rate", "enabled", "timezone", "name", "description"]);
                if value
                    .get("enabled")
                    .and_then(scalar_text)
                    .is_some_and(|e| e == "false")
                {
                    r.rep.not_mapped(
                        value.span,
                        &subject,
                        "the schedule is disabled; functory.toml has no disabled schedules, so it is imported enabled",
                    );
                }
                let rates = value
                    .get("rate")
                    .map(|n| r.texts(n, &format!("{subject}.rate")))
                    .unwrap_or_default();
                (rates, get(r, "timezone"))
            } else {
                (r.text(value, &subject).into_iter().collect(), None)
            };
            if rates.is_empty() {
                r.rep
                    .not_mapped(value.span, &subject, "a schedule event without a rate");
            }
            rates
                .into_iter()
                .map(|expression| Trigger::Schedule {
                    expression,
                    timezone: timezone.clone(),
                })
                .collect()
        }
        "s3" => {
            let (bucket, events, mut prefix, mut suffix) = if value.as_object().is_some() {
                report_extra(r, &["bucket", "event", "rules", "existing"]);
                let events = value
                    .get("event")
                    .map(|e| r.texts(e, &format!("{subject}.event")))
                    .unwrap_or_default();
                (get(r, "bucket"), events, None, None)
            } else {
                (r.text(value, &subject), Vec::new(), None, None)
            };
            for rule in value.get("rules").map(Node::items).into_iter().flatten() {
                for member in rule.as_object().unwrap_or_default() {
                    let text = r.text(&member.value, &format!("{subject}.rules"));
                    match member.key.as_str() {
                        "prefix" => prefix = text,
                        "suffix" => suffix = text,
                        other => r.rep.not_mapped(
                            member.key_span,
                            &format!("{subject}.rules"),
                            format!("rule `{other}` is neither prefix nor suffix"),
                        ),
                    }
                }
            }
            let Some(bucket) = bucket else {
                r.rep
                    .not_mapped(value.span, &subject, "an s3 event without a bucket");
                return Vec::new();
            };
            vec![Trigger::Storage {
                bucket,
                prefix,
                suffix,
                events: storage_events(events),
            }]
        }
        "sqs" => {
            let Some((queue, batch_size, _)) =
                source_event(value, &subject, &["arn", "batchSize"], r)
            else {
                return Vec::new();
            };
            vec![Trigger::Queue { queue, batch_size }]
        }
        "stream" => {
            let known = ["arn", "type", "batchSize", "startingPosition"];
            let Some((stream, batch_size, starting_position)) =
                source_event(value, &subject, &known, r)
            else {
                return Vec::new();
            };
            vec![Trigger::Stream {
                stream,
                batch_size,
                // The Framework's default, written out so the export says the same.
                starting_position: starting_position.or_else(|| Some("TRIM_HORIZON".to_owned())),
            }]
        }
        other => {
            r.rep.not_mapped(
                member.key_span,
                &subject,
                format!("event type `{other}` has no Functory trigger kind (Functory has {TRIGGER_KINDS})"),
            );
            Vec::new()
        }
    }
}

/// An sqs or stream event: an ARN, or `{ arn, batchSize, startingPosition, … }`. The queue
/// or stream name, batch size and starting position.
fn source_event(
    value: &Node,
    subject: &str,
    known: &[&str],
    r: &mut Reading<'_, '_, '_>,
) -> Option<(String, Option<u32>, Option<String>)> {
    let (source, batch_size, starting_position) =
        if value.as_object().is_some() && !value.is_intrinsic() {
            report_unknown_properties(value, subject, known, r.rep);
            let batch = value
                .get("batchSize")
                .and_then(|b| r.number(b, &format!("{subject}.batchSize")));
            let source = value
                .get("arn")
                .and_then(|n| r.source(n, &format!("{subject}.arn")))
                .map(|(_, name)| name);
            let position = value
                .get("startingPosition")
                .and_then(|n| r.text(n, &format!("{subject}.startingPosition")));
            (source, batch, position)
        } else {
            (r.source(value, subject).map(|(_, name)| name), None, None)
        };
    let Some(source) = source else {
        r.rep
            .not_mapped(value.span, subject, "the event names no ARN");
        return None;
    };
    Some((source, batch_size, starting_position))
}

/// A function's `url`: `true`, or `{ authorizer: aws_iam, cors: true | {…} }`.
fn function_url(url: &Node, subject: &str, r: &mut Reading<'_, '_, '_>) -> Option<Trigger> {
    if scalar_text(url).is_some_and(|v| v == "false") {
        return None;
    }
    let auth = match url.get("authorizer").and_then(scalar_text).as_deref() {
        Some("aws_iam") => UrlAuth::Iam,
        Some(other) => {
            r.rep.not_mapped(
                url.span,
                subject,
                format!(
                    "authorizer `{other}`: function URLs are public or aws_iam; imported as public"
                ),
            );
            UrlAuth::None
        }
        None => UrlAuth::None,
    };
    let cors = match url.get("cors") {
        None => None,
        Some(c) if scalar_text(c).is_some_and(|v| v == "true") => Some(Cors {
            // The Framework's defaults for `cors: true`.
            allow_origins: vec!["*".into()],
            allow_methods: vec!["*".into()],
            allow_headers: [
                "Content-Type",
                "X-Amz-Date",
                "Authorization",
                "X-Api-Key",
                "X-Amz-Security-Token",
            ]
            .map(str::to_owned)
            .to_vec(),
            ..Cors::default()
        }),
        Some(c) => Some(r.cors(
            c,
            &format!("{subject}.cors"),
            [
                "allowedOrigins",
                "allowedMethods",
                "allowedHeaders",
                "exposedResponseHeaders",
                "allowCredentials",
                "maxAge",
            ],
        )),
    };
    Some(Trigger::Url { auth, cors })
}

/// The Framework's defaults for `provider.httpApi.cors: true` (its documentation's table):
/// any origin, its usual headers, the methods of the routes (`*` here).
const DEFAULT_CORS_HEADERS: &[&str] = &[
    "Content-Type",
    "X-Amz-Date",
    "Authorization",
    "X-Api-Key",
    "X-Amz-Security-Token",
    "X-Amz-User-Agent",
];

/// An authorizer of `provider.httpApi.authorizers`, under the name routes use in
/// functory.toml.
#[derive(Debug)]
enum ServerlessAuthorizer {
    Jwt(JwtAuthorizer),
    /// A Lambda (`type: request`) authorizer, which functory.toml has no form for.
    Lambda {
        name: String,
    },
}

/// `provider.httpApi`: the service's HTTP API (CORS, JWT authorizers, the payload version of
/// its routes), and what `http`/`httpApi` events took from it.
#[derive(Debug)]
struct ServerlessHttpApi {
    /// (CORS, where, a note for the report line)
    cors: Option<(Cors, Span, String)>,
    /// (name in the file, where, authorizer)
    authorizers: Vec<(String, Span, ServerlessAuthorizer)>,
    /// The payload version of httpApi routes: `provider.httpApi.payload`, else the Framework's
    /// default (1.0 before v3), and where it comes from.
    payload: Option<(String, Span, String)>,
    /// Other settings of provider.httpApi.
    others: Vec<(String, Span)>,
    /// Where the first `httpApi` and the first `http` route are.
    first_http_api: Option<Span>,
    first_rest: Option<(Span, String)>,
}

impl ServerlessHttpApi {
    fn read(root: &Node, provider: &Node, r: &mut Reading<'_, '_, '_>) -> ServerlessHttpApi {
        let mut api = ServerlessHttpApi {
            cors: None,
            authorizers: Vec::new(),
            payload: None,
            others: Vec::new(),
            first_http_api: None,
            first_rest: None,
        };
        let settings = provider.get("httpApi");
        for member in settings.and_then(Node::as_object).unwrap_or_default() {
            let subject = format!("provider.httpApi.{}", member.key);
            let value = &member.value;
            match member.key.as_str() {
                "cors" => {
                    api.cors = match scalar_text(value).as_deref() {
                        Some("false") => None,
                        Some("true") => Some((
                            Cors {
                                allow_origins: vec!["*".into()],
                                allow_methods: vec!["*".into()],
                                allow_headers: DEFAULT_CORS_HEADERS
                                    .iter()
                                    .map(|h| (*h).to_owned())
                                    .collect(),
                                ..Cors::default()
                            },
                            value.span,
                            " (`true`: the Framework's defaults, any origin and the routes' methods as `*`)".to_owned(),
                        )),
                        _ => {
                            report_unknown_properties(
                                value,
                                &subject,
                                &[
                                    "allowedOrigins",
                                    "allowedMethods",
                                    "allowedHeaders",
                                    "exposedResponseHeaders",
                                    "allowCredentials",
                                    "maxAge",
                                ],
                                r.rep,
                            );
                            Some((
                                r.cors(
                                    value,
                                    &subject,
                                    [
                                        "allowedOrigins",
                                        "allowedMethods",
                                        "allowedHeaders",
                                        "exposedResponseHeaders",
                                        "allowCredentials",
                                        "maxAge",
                                    ],
                                ),
                                value.span,
                                String::new(),
                            ))
                        }
                    };
                }
                "authorizers" => {
                    for authorizer in value.as_object().unwrap_or_default() {
                        let subject = format!("{subject}.{}", authorizer.key);
                        let parsed = serverless_authorizer(authorizer, &subject, r);
                        api.authorizers
                            .push((authorizer.key.clone(), authorizer.key_span, parsed));
                    }
                }
                "payload" => match r.text(value, &subject).as_deref() {
                    Some(version @ ("1.0" | "2.0")) => {
                        api.payload = Some((version.to_owned(), member.key_span, subject));
                    }
                    other => r.rep.not_mapped(
                        value.span,
                        &subject,
                        format!(
                            "payload `{}` is neither 1.0 nor 2.0; httpApi routes get 2.0",
                            other.unwrap_or_default()
                        ),
                    ),
                },
                _ => api.others.push((member.key.clone(), member.key_span)),
            }
        }
        if api.payload.is_none()
            && let Some(version) = root.get("frameworkVersion")
            && framework_major(&scalar_text(version).unwrap_or_default()).is_some_and(|m| m < 3)
        {
            // `payload` defaulted to 1.0 until the Framework's v3 made it 2.0.
            api.payload = Some((
                "1.0".to_owned(),
                version.span,
                "frameworkVersion".to_owned(),
            ));
        }
        api
    }

    /// A route's `auth` and `payload_version`: `http` events are a REST API's (payload 1.0);
    /// `httpApi` events take the provider's payload and name an authorizer of it.
    fn route(
        &mut self,
        kind: &str,
        event: &Node,
        subject: &str,
        r: &mut Reading<'_, '_, '_>,
    ) -> (Option<String>, Option<String>) {
        if kind == "http" {
            self.first_rest
                .get_or_insert_with(|| (event.span, subject.to_owned()));
        } else {
            self.first_http_api.get_or_insert(event.span);
        }
        let payload = if kind == "http" {
            Some("1.0".to_owned())
        } else {
            self.payload
                .as_ref()
                .filter(|(v, _, _)| v == "1.0")
                .map(|(v, _, _)| v.clone())
        };
        let Some(authorizer) = event.get("authorizer") else {
            return (None, payload);
        };
        let item = format!("{subject}.authorizer");
        if let Some(scopes) = authorizer.member("scopes") {
            r.rep.not_mapped(
                scopes.key_span,
                &format!("{item}.scopes"),
                "scopes are not part of functory.toml: the route's JWT authorizer checks the issuer and audience, so a token without these scopes is accepted",
            );
        }
        let type_of = authorizer.get("type").and_then(scalar_text);
        let plain = scalar_text(authorizer);
        let iam = [type_of.as_deref(), plain.as_deref()]
            .into_iter()
            .flatten()
            .any(|t| t.eq_ignore_ascii_case("aws_iam"));
        if iam {
            return (Some("iam".to_owned()), payload);
        }
        // A named authorizer: of provider.httpApi for httpApi routes; for http routes a
        // Lambda function or Cognito user pool, which functory.toml cannot declare.
        let named = authorizer
            .get("name")
            .and_then(|n| r.text(n, &format!("{item}.name")))
            .or_else(|| {
                authorizer
                    .get("id")
                    .and_then(|n| r.text(n, &format!("{item}.id")))
            })
            .or_else(|| {
                authorizer
                    .get("arn")
                    .and_then(|n| r.text(n, &format!("{item}.arn")))
            })
            .or_else(|| {
                authorizer
                    .as_object()
                    .is_none()
                    .then(|| r.text(authorizer, &item))
                    .flatten()
            });
        let Some(named) = named else {
            return (None, payload);
        };
        let declared = (kind == "httpApi")
            .then(|| self.authorizers.iter().find(|(n, _, _)| *n == named))
            .flatten();
        let auth = match declared.map(|(_, _, a)| a) {
            Some(ServerlessAuthorizer::Jwt(jwt)) => return (Some(jwt.name.clone()), payload),
            Some(ServerlessAuthorizer::Lambda { name }) => {
                let why = format!(
                    "authorizer `{named}` is a Lambda (request) authorizer, which functory.toml has no form for"
                );
                (name.clone(), why)
            }
            None => {
                // A Lambda ARN or function name: its last part names it.
                let base = named.rsplit([':', '/']).next().unwrap_or(&named);
                let name = authorizer_name(base);
                let why = if kind == "http" {
                    format!(
                        "authorizer `{named}` of a REST API (a Lambda function or Cognito user pool) has no functory.toml form; a Cognito user pool is a JWT authorizer with issuer `https://cognito-idp.REGION.amazonaws.com/POOL_ID` and the app client ids as audiences"
                    )
                } else {
                    format!("authorizer `{named}` is not declared in provider.httpApi.authorizers")
                };
                (name, why)
            }
        };
        let (name, why) = auth;
        r.rep.not_mapped(
            authorizer.span,
            &item,
            format!(
                "{why}; the route keeps `auth = \"{name}\"`, which `functory check` reports until [api.authorizers.{name}] declares a JWT authorizer or the route's auth changes"
            ),
        );
        (Some(name), payload)
    }

    /// The project's `[api]`, with a report line for every setting of provider.httpApi.
    fn finish(self, r: &mut Reading<'_, '_, '_>) -> HttpApi {
        let mut out = HttpApi::default();
        let used = self.first_http_api.is_some();
        let unused = "no function has an httpApi event, so the service has no HTTP API";
        if let Some((cors, span, note)) = self.cors {
            if used || self.first_rest.is_some() {
                r.rep
                    .mapped(span, "provider.httpApi.cors", format!("[api].cors{note}"));
                out.cors = Some(cors);
                if let Some((span, subject)) = &self.first_rest {
                    r.rep.not_mapped(
                        *span,
                        subject,
                        "http (REST) routes answer with [api].cors too: functory.toml has one HTTP API per project",
                    );
                }
            } else {
                r.rep.not_mapped(span, "provider.httpApi.cors", unused);
            }
        }
        for (name, span, authorizer) in self.authorizers {
            let subject = format!("provider.httpApi.authorizers.{name}");
            match authorizer {
                ServerlessAuthorizer::Jwt(jwt) if used => {
                    let renamed = if jwt.name == name {
                        String::new()
                    } else {
                        format!(" (renamed from `{name}`: authorizer names are letters, digits and `_`)")
                    };
                    r.rep
                        .mapped(span, &subject, format!("[api.authorizers.{}]{renamed}", jwt.name));
                    out.authorizers.push(jwt);
                }
                ServerlessAuthorizer::Jwt(_) => r.rep.not_mapped(span, &subject, unused),
                ServerlessAuthorizer::Lambda { .. } => r.rep.not_mapped(
                    span,
                    &subject,
                    "a Lambda (request) authorizer: functory.toml's HTTP API authorizes with IAM or a JWT authorizer (issuer and audiences) only; not imported",
                ),
            }
        }
        if let Some((version, span, subject)) = self.payload {
            if used {
                r.rep.mapped(
                    span,
                    &subject,
                    if subject == "frameworkVersion" {
                        format!("httpApi routes get payload_version {version}, the default of the Framework before v3")
                    } else {
                        format!("the payload_version of every httpApi route ({version})")
                    },
                );
            } else if subject != "frameworkVersion" {
                r.rep.not_mapped(span, &subject, unused);
            }
        }
        for (key, span) in self.others {
            let why = match key.as_str() {
                "id" => {
                    "an HTTP API created outside the service: functory.toml's routes make the project's own API"
                }
                "name" => "functory names the API itself, per project and target",
                "disableDefaultEndpoint" => {
                    "the API's default endpoint is always on in functory.toml"
                }
                "metrics" => "detailed metrics are not part of functory.toml",
                _ => "not mapped: functory.toml's API has CORS and JWT authorizers",
            };
            r.rep
                .not_mapped(span, &format!("provider.httpApi.{key}"), why);
        }
        out
    }
}

/// One of `provider.httpApi.authorizers`: `type: jwt` (the default) with `issuerUrl`,
/// `audience` and `identitySource`, or `type: request` (a Lambda authorizer).
fn serverless_authorizer(
    member: &functory_lint::parse::Member,
    subject: &str,
    r: &mut Reading<'_, '_, '_>,
) -> ServerlessAuthorizer {
    let config = &member.value;
    let name = authorizer_name(&member.key);
    let kind = config
        .get("type")
        .and_then(scalar_text)
        .unwrap_or_else(|| "jwt".to_owned());
    if !kind.eq_ignore_ascii_case("jwt") {
        return ServerlessAuthorizer::Lambda { name };
    }
    report_unknown_properties(
        config,
        subject,
        &["type", "identitySource", "issuerUrl", "audience", "name"],
        r.rep,
    );
    if let Some(aws_name) = config.member("name") {
        r.rep.not_mapped(
            aws_name.key_span,
            &format!("{subject}.name"),
            "the authorizer's name in AWS: functory names it after its key",
        );
    }
    let issuer = config
        .get("issuerUrl")
        .and_then(|n| r.text(n, &format!("{subject}.issuerUrl")))
        .unwrap_or_default();
    let audiences = config
        .get("audience")
        .map(|n| r.texts(n, &format!("{subject}.audience")))
        .unwrap_or_default();
    let identity_source = config
        .get("identitySource")
        .and_then(|n| r.text(n, &format!("{subject}.identitySource")))
        .unwrap_or_else(|| DEFAULT_IDENTITY_SOURCE.to_owned());
    ServerlessAuthorizer::Jwt(JwtAuthorizer {
        name,
        issuer,
        audiences,
        identity_source,
    })
}

/// The major version a `frameworkVersion` constraint names (`"3"`, `">=2.0.0 <3.0.0"`, `^2.72`).
fn framework_major(constraint: &str) -> Option<u32> {
    let start = constraint.find(|c: char| c.is_ascii_digit())?;
    let digits: String = constraint[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}
