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

mod events;
mod http_api;
mod variables;

use functory_core::{Function, Manifest, Permission, Target};
use functory_lint::parse::Node;

use crate::cfn::Cfn;
use crate::manifest_text::manifest_toml;
use crate::report::{ImportError, Imported};
use crate::sam::{Reading, describe, local_target, new_function, report_unknown_properties};
use crate::source::{Reporter, parse_document, scalar_text};

use events::{function_url, serverless_event};
use http_api::ServerlessHttpApi;
pub use variables::Variables;

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
            "service"
            | "provider"
            | "functions"
            | "custom"
            | "frameworkVersion"
            | "configValidationMode"
            | "variablesResolutionMode"
            | "useDotenv" => {}
            // Its buckets, queues, tables, topics and buses are declared below; the rest is
            // reported there, each with its line.
            "resources" => {}
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
    let mut declared = Vec::new();
    for member in root
        .get("resources")
        .and_then(|r| r.get("Resources"))
        .and_then(Node::as_object)
        .unwrap_or_default()
    {
        let kind = member
            .value
            .get("Type")
            .and_then(Node::as_str)
            .unwrap_or_default();
        match crate::sam::declared_resource(member, kind, &mut r) {
            Some(resource) => declared.push(resource),
            None if crate::sam::resource_kind(kind).is_some() => {}
            None => r.rep.not_mapped(
                member.key_span,
                &format!("resources.Resources.{}", member.key),
                format!("resource type {kind} has no place in functory.toml"),
            ),
        }
    }
    let resources = crate::sam::settle_resources(declared, &mut imported, r.rep);
    let manifest = Manifest {
        project_name: project_name.clone(),
        targets,
        functions: imported,
        api,
        resources,
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
