//! AWS SAM (and plain CloudFormation `AWS::Lambda::Function`) templates into a manifest.
//!
//! Every `AWS::Serverless::Function` becomes a function (with `Globals.Function` merged in),
//! its events the triggers Functory has a kind for, its inline policies and the SAM policy
//! templates Functory knows its permissions. Everything else is listed in the report with its
//! line: Functory's manifest is smaller than CloudFormation on purpose.

use functory_core::manifest::EnvVar;
use functory_core::{
    AdapterKind, Cors, Function, Manifest, Permission, PermissionEffect, Target, Trigger, UrlAuth,
};
use functory_lint::parse::{Member, Node, Span};

use crate::cfn::{Cfn, Stack, source_name, target_wildcards};
use crate::manifest_text::manifest_toml;
use crate::policy_templates;
use crate::report::{ImportError, Imported};
use crate::sam_api::{ApiKind, Apis, route_setting_note};
use crate::source::{Reporter, parse_document, scalar_text};

/// What a permission's report line adds when the stack's region and account became `*`.
const TARGET_WILDCARDS_NOTE: &str =
    " (the stack's region and account as `*`: the deploy target's, wherever it is)";

/// The trigger kinds a report names when an event has none.
pub(crate) const TRIGGER_KINDS: &str = "http, schedule, storage, queue, stream, url";

/// Imports a SAM template. `file` names it in the report and the header; `default_project` is
/// the project name unless the template carries one (`Metadata.Functory.Project`, which
/// Functory's own export writes).
pub fn import_sam(text: &str, file: &str, default_project: &str) -> Result<Imported, ImportError> {
    let root = parse_document(text, file)?;
    let resources = root
        .get("Resources")
        .filter(|r| r.as_object().is_some())
        .ok_or_else(|| ImportError::Shape {
            file: file.to_owned(),
            message: "no `Resources` mapping: this is not a SAM or CloudFormation template"
                .to_owned(),
        })?;
    let mut rep = Reporter::new(text, file);
    let project_name = root
        .get("Metadata")
        .and_then(|m| m.get("Functory"))
        .and_then(|f| f.get("Project"))
        .and_then(Node::as_str)
        .unwrap_or(default_project)
        .to_owned();
    let cfn = Cfn::new(root.get("Parameters"), Some(resources)).for_project(&project_name);
    let apis = Apis::read(
        resources,
        root.get("Globals"),
        &mut Reading {
            cfn,
            rep: &mut rep,
            stack: Vec::new(),
            vars: None,
        },
    );
    let mut importer = SamImporter {
        cfn,
        globals: root.get("Globals").and_then(|g| g.get("Function")),
        functions: Vec::new(),
        apis,
    };

    for section in root.as_object().unwrap_or_default() {
        match section.key.as_str() {
            "AWSTemplateFormatVersion"
            | "Transform"
            | "Description"
            | "Resources"
            | "Parameters"
            | "Metadata" => {}
            "Globals" => {
                for global in section.value.as_object().unwrap_or_default() {
                    // Globals.HttpApi and Globals.Api are reported with the APIs.
                    if !["Function", "HttpApi", "Api"].contains(&global.key.as_str()) {
                        rep.not_mapped(
                            global.key_span,
                            &format!("Globals.{}", global.key),
                            "only Globals.Function, Globals.HttpApi and Globals.Api apply to functory.toml",
                        );
                    }
                }
                if let Some(function) = importer.globals {
                    report_unknown_properties(
                        function,
                        "Globals.Function",
                        FUNCTION_PROPERTIES,
                        &mut rep,
                    );
                }
            }
            other => rep.not_mapped(
                section.key_span,
                other,
                format!("functory.toml has no {other}; left out"),
            ),
        }
    }

    for (span, chain) in crate::cfn::depends_on_cycles(resources) {
        let first = chain.first().cloned().unwrap_or_default();
        rep.not_mapped(
            span,
            &format!("Resources.{first}.DependsOn"),
            format!(
                "circular DependsOn {}: CloudFormation refuses such a template; resources are imported without an order, which functory.toml does not have",
                chain.join(" → ")
            ),
        );
    }
    let resource_members = resources.as_object().unwrap_or_default();
    for member in resource_members {
        let kind = member
            .value
            .get("Type")
            .and_then(Node::as_str)
            .unwrap_or_default();
        match kind {
            "AWS::Serverless::Function" => importer.serverless_function(member, &mut rep),
            "AWS::Lambda::Function" => importer.lambda_function(member, &mut rep),
            _ => {}
        }
    }
    for member in resource_members {
        let kind = member
            .value
            .get("Type")
            .and_then(Node::as_str)
            .unwrap_or_default();
        let subject = format!("Resources.{}", member.key);
        match kind {
            // APIs are reported as their routes' settings are merged, below.
            "AWS::Serverless::Function"
            | "AWS::Lambda::Function"
            | "AWS::Serverless::HttpApi"
            | "AWS::Serverless::Api" => {}
            "AWS::Lambda::EventSourceMapping" => importer.event_source_mapping(member, &mut rep),
            "AWS::Lambda::Url" => importer.lambda_url(member, &mut rep),
            "" => rep.not_mapped(member.key_span, &subject, "the resource has no Type"),
            _ => rep.not_mapped(member.key_span, &subject, resource_note(kind)),
        }
    }

    let api = importer.apis.finish(&mut Reading {
        cfn,
        rep: &mut rep,
        stack: Vec::new(),
        vars: None,
    });
    let manifest = Manifest {
        project_name: project_name.clone(),
        targets: vec![local_target()],
        functions: importer.functions.into_iter().map(|(_, f)| f).collect(),
        api,
    };
    let toml = manifest_toml(
        &manifest,
        &format!(
            "Imported by `functory import sam` from {file} (AWS SAM).\nThe template was left unchanged; this file is now the project's manifest."
        ),
    );
    Ok(Imported {
        manifest,
        toml,
        report: rep.report,
    })
}

pub(crate) fn local_target() -> Target {
    Target::new("local", AdapterKind::Local)
}

/// Why a resource that is not a function is not in the manifest.
fn resource_note(kind: &str) -> String {
    match kind {
        "AWS::S3::Bucket"
        | "AWS::SQS::Queue"
        | "AWS::DynamoDB::Table"
        | "AWS::Serverless::SimpleTable"
        | "AWS::Kinesis::Stream"
        | "AWS::SNS::Topic" => format!(
            "{kind} is not declared in functory.toml: triggers and permissions refer to it by name"
        ),
        "AWS::IAM::Role" | "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => format!(
            "{kind} is not imported: functory.toml lists each function's permissions instead"
        ),
        "AWS::Lambda::Permission" => {
            "invoke permissions follow from each function's triggers".to_owned()
        }
        _ => format!("resource type {kind} has no place in functory.toml"),
    }
}

/// The function properties the importer reads; any other is reported.
const FUNCTION_PROPERTIES: &[&str] = &[
    "CodeUri",
    "Handler",
    "Runtime",
    "MemorySize",
    "Timeout",
    "Environment",
    "Events",
    "Policies",
    "FunctionUrlConfig",
];

pub(crate) fn report_unknown_properties(
    node: &Node,
    subject: &str,
    known: &[&str],
    rep: &mut Reporter<'_>,
) {
    for property in node.as_object().unwrap_or_default() {
        if !known.contains(&property.key.as_str()) {
            rep.not_mapped(
                property.key_span,
                &format!("{subject}.{}", property.key),
                "not mapped: functory.toml has no such setting",
            );
        }
    }
}

struct SamImporter<'n> {
    cfn: Cfn<'n>,
    globals: Option<&'n Node>,
    /// (logical id, function)
    functions: Vec<(String, Function)>,
    apis: Apis<'n>,
}

/// What a function's properties are read through: its own, then `Globals.Function`.
struct Props<'n> {
    own: Option<&'n Node>,
    globals: Option<&'n Node>,
}

impl<'n> Props<'n> {
    fn get(&self, key: &str) -> Option<&'n Node> {
        self.own
            .and_then(|p| p.get(key))
            .or_else(|| self.globals.and_then(|g| g.get(key)))
    }
}

/// Reads values of one function: text through the intrinsic resolver, with report lines for
/// what stays a placeholder.
pub(crate) struct Reading<'a, 'b, 'n> {
    pub cfn: Cfn<'n>,
    pub rep: &'a mut Reporter<'b>,
    pub stack: Stack,
    /// Serverless Framework variables (`${self:…}`, `${opt:…}`), resolved after intrinsics.
    pub vars: Option<&'a crate::serverless::Variables<'n>>,
}

impl Reading<'_, '_, '_> {
    pub fn text(&mut self, node: &Node, subject: &str) -> Option<String> {
        let before = self.rep.report.not_mapped.len();
        let text = self.cfn.text(node, subject, &mut self.stack, self.rep);
        // A circular reference is already reported, with its chain; "known at deploy time"
        // would be the wrong reason for the placeholder it left.
        let circular = self.rep.report.not_mapped[before..]
            .iter()
            .any(|i| i.message.starts_with("circular reference"));
        if let Some(vars) = self.vars {
            // The variables report what they could not resolve, and why.
            return match text {
                Some(t) => Some(vars.resolve(&t, node.span, subject, self.rep)),
                None => {
                    self.rep.not_mapped(
                        node.span,
                        subject,
                        format!("expected a text value, found {}", node.type_name()),
                    );
                    None
                }
            };
        }
        match &text {
            Some(t) if t.contains("${") && !circular => self.rep.not_mapped(
                node.span,
                subject,
                format!("kept as the text `{t}`: its value is only known at deploy time"),
            ),
            Some(_) => {}
            None => self.rep.not_mapped(
                node.span,
                subject,
                format!("expected a text value, found {}", node.type_name()),
            ),
        }
        text
    }

    /// What an event source names, as resolved, and the queue or stream name in it (see
    /// [`source_name`]). The ARN's deploy-time parts (region, account) do not matter once the
    /// name is known, so they are only reported when the name itself stays unknown.
    pub fn source(&mut self, node: &Node, subject: &str) -> Option<(String, String)> {
        let before = self.rep.report.not_mapped.len();
        let text = self.text(node, subject)?;
        let name = source_name(&text);
        if !name.contains("${") {
            self.rep.report.not_mapped.truncate(before);
        }
        Some((text, name))
    }

    pub fn number(&mut self, node: &Node, subject: &str) -> Option<u32> {
        let text = self.text(node, subject)?;
        let number = text.trim().parse::<u32>().ok();
        if number.is_none() {
            self.rep.not_mapped(
                node.span,
                subject,
                format!("`{text}` is not a whole number"),
            );
        }
        number
    }

    /// A resource a statement grants, with the stack's region and account as `*` (see
    /// [`target_wildcards`]), and whether they were. What then still waits for deploy time is
    /// reported; the region and account are not, since `*` stands for them.
    pub fn granted_resource(&mut self, node: &Node, subject: &str) -> Option<(String, bool)> {
        let before = self.rep.report.not_mapped.len();
        let text = self.text(node, subject)?;
        Some(match target_wildcards(&text) {
            Some(arn) => {
                if !arn.contains("${") {
                    self.rep.report.not_mapped.truncate(before);
                }
                (arn, true)
            }
            None => (text, false),
        })
    }

    pub fn texts(&mut self, node: &Node, subject: &str) -> Vec<String> {
        node.items()
            .filter_map(|item| self.text(item, subject))
            .collect()
    }

    pub fn environment(&mut self, variables: &Node, subject: &str, out: &mut Vec<EnvVar>) {
        for var in variables.as_object().unwrap_or_default() {
            let var_subject = format!("{subject}.{}", var.key);
            if let Some(value) = self.text(&var.value, &var_subject) {
                out.retain(|e| e.key != var.key);
                out.push(EnvVar {
                    key: var.key.clone(),
                    value,
                });
            }
        }
    }

    /// IAM statements (`Effect`, `Action`, `Resource`) as permissions. Statements with what
    /// functory.toml cannot express (conditions, `NotAction`, principals) are left out whole:
    /// importing them without it would grant more than the template does.
    pub fn statements(&mut self, statements: &Node, subject: &str) -> Vec<Permission> {
        let mut permissions = Vec::new();
        for (i, statement) in statements.items().enumerate() {
            let subject = format!("{subject}[{i}]");
            if let Some(extra) = ["Condition", "NotAction", "NotResource", "Principal"]
                .iter()
                .find_map(|k| statement.member(k))
            {
                self.rep.not_mapped(
                    extra.key_span,
                    &subject,
                    format!(
                        "a statement with {} cannot be expressed in functory.toml; not imported",
                        extra.key
                    ),
                );
                continue;
            }
            let effect = match statement
                .get("Effect")
                .and_then(|e| self.cfn.text(e, &subject, &mut self.stack, self.rep))
                .as_deref()
            {
                Some("Deny") => PermissionEffect::Deny,
                _ => PermissionEffect::Allow,
            };
            let actions = statement
                .get("Action")
                .map(|a| self.texts(a, &format!("{subject}.Action")))
                .unwrap_or_default();
            let mut widened = false;
            let resources = statement
                .get("Resource")
                .map(|r| {
                    r.items()
                        .filter_map(|item| {
                            let (arn, w) =
                                self.granted_resource(item, &format!("{subject}.Resource"))?;
                            widened |= w;
                            Some(arn)
                        })
                        .collect()
                })
                .unwrap_or_else(|| vec!["*".to_owned()]);
            if actions.is_empty() {
                self.rep
                    .not_mapped(statement.span, &subject, "a statement without actions");
                continue;
            }
            self.rep.mapped(
                statement.span,
                &subject,
                format!(
                    "permission {}{}",
                    actions.join(", "),
                    if widened { TARGET_WILDCARDS_NOTE } else { "" }
                ),
            );
            permissions.push(Permission {
                effect,
                actions,
                resources,
            });
        }
        permissions
    }

    /// SAM's `Policies`: inline documents, known policy templates; managed policies reported.
    pub fn policies(&mut self, policies: &Node, subject: &str) -> Vec<Permission> {
        let mut permissions = Vec::new();
        for (i, policy) in policies.items().enumerate() {
            let subject = format!("{subject}[{i}]");
            if let Some(name) = policy.as_str() {
                self.rep.not_mapped(
                    policy.span,
                    &subject,
                    format!("managed policy `{name}`: functory.toml lists permissions as statements; add the actions the function needs"),
                );
                continue;
            }
            if let Some(statements) = policy.get("Statement") {
                permissions.extend(self.statements(statements, &format!("{subject}.Statement")));
                continue;
            }
            if policy.is_intrinsic() {
                self.rep.not_mapped(
                    policy.span,
                    &subject,
                    "a managed policy ARN: functory.toml lists permissions as statements",
                );
                continue;
            }
            let Some([member]) = policy.as_object() else {
                self.rep
                    .not_mapped(policy.span, &subject, "not a policy this importer reads");
                continue;
            };
            let template = member.key.as_str();
            let parameters = &member.value;
            let template_subject = format!("{subject}.{template}");
            let mut values = Vec::new();
            let expanded = policy_templates::expand(template, |p| {
                let value = parameters.get(p)?;
                values.push((p.to_owned(), value));
                Some(String::new())
            });
            let expanded = match expanded {
                None => {
                    self.rep.not_mapped(
                        member.key_span,
                        &template_subject,
                        format!("SAM policy template {template} is not one Functory knows; add its statements as permissions by hand"),
                    );
                    continue;
                }
                Some(Err(missing)) => {
                    self.rep.not_mapped(
                        member.key_span,
                        &template_subject,
                        format!("policy template {template} needs {}", missing.join(", ")),
                    );
                    continue;
                }
                Some(Ok(_)) => {
                    let mut resolved = Vec::new();
                    for (p, node) in values {
                        let text = self
                            .text(node, &format!("{template_subject}.{p}"))
                            .unwrap_or_default();
                        resolved.push((p, text));
                    }
                    policy_templates::expand(template, |p| {
                        resolved
                            .iter()
                            .find(|(n, _)| n == p)
                            .map(|(_, v)| v.clone())
                    })
                }
            };
            if let Some(Ok(statements)) = expanded {
                let mut widened = false;
                let statements: Vec<(Vec<String>, Vec<String>)> = statements
                    .into_iter()
                    .map(|(actions, resources)| {
                        let resources = resources
                            .into_iter()
                            .map(|r| match target_wildcards(&r) {
                                Some(arn) => {
                                    widened = true;
                                    arn
                                }
                                None => r,
                            })
                            .collect();
                        (actions, resources)
                    })
                    .collect();
                self.rep.mapped(
                    member.key_span,
                    &template_subject,
                    format!(
                        "policy template {template} → {} permission{}{}",
                        statements.len(),
                        if statements.len() == 1 { "" } else { "s" },
                        if widened { TARGET_WILDCARDS_NOTE } else { "" }
                    ),
                );
                permissions.extend(
                    statements
                        .into_iter()
                        .map(|(actions, resources)| Permission {
                            effect: PermissionEffect::Allow,
                            actions,
                            resources,
                        }),
                );
            }
        }
        permissions
    }

    /// CORS settings; `keys` name origins, methods, headers, exposed headers, credentials and
    /// max age in the source's spelling.
    pub fn cors(&mut self, cors: &Node, subject: &str, keys: [&str; 6]) -> Cors {
        let [origins, methods, headers, expose, credentials, max_age] = keys;
        let mut list = |key: &str| {
            cors.get(key)
                .map(|v| self.texts(v, &format!("{subject}.{key}")))
                .unwrap_or_default()
        };
        let mut result = Cors {
            allow_origins: list(origins),
            allow_methods: list(methods),
            allow_headers: list(headers),
            expose_headers: list(expose),
            ..Cors::default()
        };
        result.allow_credentials = cors
            .get(credentials)
            .and_then(scalar_text)
            .is_some_and(|t| t == "true");
        result.max_age = cors
            .get(max_age)
            .and_then(|m| self.number(m, &format!("{subject}.{max_age}")));
        result
    }

    /// Runtime (checked), memory and timeout of a function, from wherever each was found.
    pub fn limits(
        &mut self,
        function: &mut Function,
        runtime: Option<&Node>,
        memory: Option<(&Node, String)>,
        timeout: Option<(&Node, String)>,
        runtime_subject: &str,
    ) {
        check_runtime(&function.runtime, runtime, runtime_subject, self.rep);
        if let Some(n) = memory.and_then(|(n, s)| self.number(n, &s)) {
            function.memory_mb = n;
        }
        if let Some(n) = timeout.and_then(|(n, s)| self.number(n, &s)) {
            function.timeout_s = n;
        }
    }

    /// `FunctionUrlConfig` (and `AWS::Lambda::Url`): auth and CORS.
    pub fn url(&mut self, config: &Node, subject: &str) -> Option<Trigger> {
        let auth = match config
            .get("AuthType")
            .and_then(|a| self.text(a, &format!("{subject}.AuthType")))
            .as_deref()
        {
            Some("NONE") => UrlAuth::None,
            Some("AWS_IAM") => UrlAuth::Iam,
            other => {
                self.rep.not_mapped(
                    config.span,
                    subject,
                    format!(
                        "AuthType must be NONE or AWS_IAM, found {}",
                        other.unwrap_or("nothing")
                    ),
                );
                return None;
            }
        };
        if let Some(mode) = config.member("InvokeMode")
            && mode.value.as_str() != Some("BUFFERED")
        {
            self.rep.not_mapped(
                mode.key_span,
                &format!("{subject}.InvokeMode"),
                "response streaming is not part of functory.toml; the URL answers buffered",
            );
        }
        let cors = config.get("Cors").map(|cors| {
            self.cors(
                cors,
                &format!("{subject}.Cors"),
                [
                    "AllowOrigins",
                    "AllowMethods",
                    "AllowHeaders",
                    "ExposeHeaders",
                    "AllowCredentials",
                    "MaxAge",
                ],
            )
        });
        Some(Trigger::Url { auth, cors })
    }
}

impl<'n> SamImporter<'n> {
    fn reading<'a, 'b>(&self, logical: &str, rep: &'a mut Reporter<'b>) -> Reading<'a, 'b, 'n> {
        Reading {
            cfn: self.cfn,
            rep,
            // A function that refers to itself in its own properties is a circular
            // dependency CloudFormation rejects.
            stack: vec![logical.to_owned()],
            vars: None,
        }
    }

    fn function_name(member: &Member) -> String {
        member
            .value
            .get("Metadata")
            .and_then(|m| m.get("Functory"))
            .and_then(|f| f.get("Name"))
            .and_then(Node::as_str)
            .filter(|n| functory_core::manifest::is_valid_function_name(n))
            .map_or_else(|| member.key.clone(), str::to_owned)
    }

    fn serverless_function(&mut self, member: &'n Member, rep: &mut Reporter<'_>) {
        let logical = member.key.as_str();
        let subject = format!("Resources.{logical}");
        let props = Props {
            own: member.value.get("Properties"),
            globals: self.globals,
        };
        if let Some(own) = props.own {
            report_unknown_properties(
                own,
                &format!("{subject}.Properties"),
                FUNCTION_PROPERTIES,
                rep,
            );
        }
        if let Some(condition) = member.value.member("Condition") {
            rep.not_mapped(
                condition.key_span,
                &format!("{subject}.Condition"),
                "functory.toml has no conditions: the function is imported unconditionally",
            );
        }
        let mut r = self.reading(logical, rep);
        let p = |key: &str| format!("{subject}.Properties.{key}");
        if props
            .get("PackageType")
            .and_then(Node::as_str)
            .is_some_and(|t| t == "Image")
        {
            r.rep.not_mapped(
                member.key_span,
                &subject,
                "a container-image function: Functory runs zip functions only; not imported",
            );
            return;
        }
        let required = |r: &mut Reading<'_, '_, '_>, key: &str| {
            let value = props.get(key).and_then(|n| r.text(n, &p(key)));
            if value.is_none() {
                r.rep.not_mapped(
                    member.key_span,
                    &subject,
                    format!("no {key} (here or in Globals.Function): not imported"),
                );
            }
            value
        };
        let (Some(runtime), Some(handler)) =
            (required(&mut r, "Runtime"), required(&mut r, "Handler"))
        else {
            return;
        };
        let code_dir = match props.get("CodeUri") {
            None => ".".to_owned(),
            Some(uri) => match uri.as_str() {
                Some(path) if !path.starts_with("s3://") => normalize_dir(path),
                _ => {
                    r.rep.not_mapped(
                        uri.span,
                        &p("CodeUri"),
                        "code in S3 is not in the project: code_dir is the project folder; put the code there",
                    );
                    ".".to_owned()
                }
            },
        };
        let mut function = new_function(Self::function_name(member), runtime, handler, code_dir);
        r.limits(
            &mut function,
            props.get("Runtime"),
            props.get("MemorySize").map(|n| (n, p("MemorySize"))),
            props.get("Timeout").map(|n| (n, p("Timeout"))),
            &p("Runtime"),
        );
        // Globals' variables first, the function's own override them: SAM's merge.
        for source in [props.globals, props.own].into_iter().flatten() {
            if let Some(vars) = source.get("Environment").and_then(|e| e.get("Variables")) {
                r.environment(vars, &p("Environment.Variables"), &mut function.environment);
            }
        }
        if let Some(events) = props.own.and_then(|o| o.get("Events")) {
            for event in events.as_object().unwrap_or_default() {
                let subject = format!("{subject}.Properties.Events.{}", event.key);
                if let Some(trigger) = sam_event(&event.value, &subject, &mut r, &mut self.apis) {
                    r.rep.mapped(event.key_span, &subject, describe(&trigger));
                    function.triggers.push(trigger);
                }
            }
        }
        if let Some(config) = props.get("FunctionUrlConfig")
            && let Some(trigger) = r.url(config, &p("FunctionUrlConfig"))
        {
            r.rep
                .mapped(config.span, &p("FunctionUrlConfig"), describe(&trigger));
            function.triggers.push(trigger);
        }
        if let Some(policies) = props.own.and_then(|o| o.get("Policies")) {
            function.permissions = r.policies(policies, &p("Policies"));
        }
        r.rep.mapped(
            member.key_span,
            &subject,
            format!("function `{}`", function.name),
        );
        self.functions.push((logical.to_owned(), function));
    }

    fn lambda_function(&mut self, member: &'n Member, rep: &mut Reporter<'_>) {
        let logical = member.key.as_str();
        let subject = format!("Resources.{logical}");
        let Some(props) = member.value.get("Properties") else {
            rep.not_mapped(member.key_span, &subject, "no Properties: not imported");
            return;
        };
        report_unknown_properties(
            props,
            &format!("{subject}.Properties"),
            &[
                "Code",
                "Handler",
                "Runtime",
                "MemorySize",
                "Timeout",
                "Environment",
                "Role",
            ],
            rep,
        );
        let mut r = self.reading(logical, rep);
        let p = |key: &str| format!("{subject}.Properties.{key}");
        let runtime = props.get("Runtime").and_then(|n| r.text(n, &p("Runtime")));
        let handler = props.get("Handler").and_then(|n| r.text(n, &p("Handler")));
        let (Some(runtime), Some(handler)) = (runtime, handler) else {
            r.rep.not_mapped(
                member.key_span,
                &subject,
                "no Runtime or Handler (a container image?): not imported",
            );
            return;
        };
        if let Some(code) = props.member("Code") {
            r.rep.not_mapped(
                code.key_span,
                &p("Code"),
                "the code is deployed from S3 or inline, not from the project: code_dir is the project folder; put the code there",
            );
        }
        if let Some(role) = props.member("Role") {
            r.rep.not_mapped(
                role.key_span,
                &p("Role"),
                "an existing role: its policies are not imported; list the function's permissions in functory.toml",
            );
        }
        let mut function = new_function(Self::function_name(member), runtime, handler, ".".into());
        r.limits(
            &mut function,
            props.get("Runtime"),
            props.get("MemorySize").map(|n| (n, p("MemorySize"))),
            props.get("Timeout").map(|n| (n, p("Timeout"))),
            &p("Runtime"),
        );
        if let Some(vars) = props.get("Environment").and_then(|e| e.get("Variables")) {
            r.environment(vars, &p("Environment.Variables"), &mut function.environment);
        }
        r.rep.mapped(
            member.key_span,
            &subject,
            format!("function `{}`", function.name),
        );
        self.functions.push((logical.to_owned(), function));
    }

    /// The function an `AWS::Lambda::*` resource points at (`!Ref F`, `!GetAtt F.Arn`, a name).
    fn target_function(&self, node: Option<&Node>) -> Option<usize> {
        let node = node?;
        let logical = node
            .get("Ref")
            .and_then(Node::as_str)
            .map(str::to_owned)
            .or_else(|| {
                let att = node.get("Fn::GetAtt")?;
                att.as_str()
                    .and_then(|s| s.split_once('.'))
                    .map(|(l, _)| l.to_owned())
                    .or_else(|| att.as_array()?.first()?.as_str().map(str::to_owned))
            })
            .or_else(|| node.as_str().map(str::to_owned))?;
        self.functions
            .iter()
            .position(|(l, f)| *l == logical || f.name == logical)
    }

    /// The function an `AWS::Lambda::*` resource's `key` points at; reported when it is not
    /// one of this template's.
    fn attached_to(
        &self,
        member: &Member,
        key: &str,
        what: &str,
        rep: &mut Reporter<'_>,
    ) -> Option<usize> {
        let target = member.value.get("Properties").and_then(|p| p.get(key));
        let index = self.target_function(target);
        if index.is_none() {
            rep.not_mapped(
                member.key_span,
                &format!("Resources.{}", member.key),
                format!("{what} for a function not in this template"),
            );
        }
        index
    }

    /// Reading values outside any function (no self-reference to watch for).
    fn reading_outside<'a, 'b>(&self, rep: &'a mut Reporter<'b>) -> Reading<'a, 'b, 'n> {
        Reading {
            cfn: self.cfn,
            rep,
            stack: Vec::new(),
            vars: None,
        }
    }

    fn event_source_mapping(&mut self, member: &Member, rep: &mut Reporter<'_>) {
        let subject = format!("Resources.{}", member.key);
        let props = member.value.get("Properties");
        let Some(index) = self.attached_to(member, "FunctionName", "an event source mapping", rep)
        else {
            return;
        };
        let mut r = self.reading_outside(rep);
        let p = |key: &str| format!("{subject}.Properties.{key}");
        let source = props.and_then(|p| p.get("EventSourceArn"));
        let (arn, name) = source
            .and_then(|a| r.source(a, &p("EventSourceArn")))
            .unwrap_or_default();
        let batch_size = props
            .and_then(|p| p.get("BatchSize"))
            .and_then(|b| r.number(b, &p("BatchSize")));
        let trigger = if arn.contains(":sqs:") {
            Trigger::Queue {
                queue: name,
                batch_size,
            }
        } else if arn.contains(":kinesis:") || arn.contains(":dynamodb:") {
            Trigger::Stream {
                stream: name,
                batch_size,
                starting_position: props
                    .and_then(|p| p.get("StartingPosition"))
                    .and_then(|s| r.text(s, &p("StartingPosition"))),
            }
        } else {
            r.rep.not_mapped(
                member.key_span,
                &subject,
                format!("event source `{arn}` is not a queue or stream Functory maps"),
            );
            return;
        };
        r.rep.mapped(member.key_span, &subject, describe(&trigger));
        if let Some((_, function)) = self.functions.get_mut(index) {
            function.triggers.push(trigger);
        }
    }

    fn lambda_url(&mut self, member: &Member, rep: &mut Reporter<'_>) {
        let subject = format!("Resources.{}", member.key);
        let props = member.value.get("Properties");
        let Some(index) = self.attached_to(member, "TargetFunctionArn", "a function URL", rep)
        else {
            return;
        };
        let mut r = self.reading_outside(rep);
        if let Some(props) = props
            && let Some(trigger) = r.url(props, &format!("{subject}.Properties"))
        {
            r.rep.mapped(member.key_span, &subject, describe(&trigger));
            if let Some((_, function)) = self.functions.get_mut(index) {
                function.triggers.push(trigger);
            }
        }
    }
}

pub(crate) fn new_function(
    name: String,
    runtime: String,
    handler: String,
    code_dir: String,
) -> Function {
    Function {
        name,
        runtime,
        handler,
        code_dir,
        handler_file: None,
        memory_mb: functory_core::manifest::DEFAULT_MEMORY_MB,
        timeout_s: functory_core::manifest::DEFAULT_TIMEOUT_S,
        environment: Vec::new(),
        triggers: Vec::new(),
        permissions: Vec::new(),
    }
}

pub(crate) fn check_runtime(
    runtime: &str,
    node: Option<&Node>,
    subject: &str,
    rep: &mut Reporter<'_>,
) {
    if runtime.parse::<functory_core::Runtime>().is_err() {
        let span = node.map_or(Span::default(), |n| n.span);
        rep.not_mapped(
            span,
            subject,
            format!(
                "runtime `{runtime}` is not one Functory runs ({}); kept, and `functory check` reports it",
                functory_core::Runtime::supported(functory_core::runtime::today())
                    .iter()
                    .map(|r| r.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
}

/// `./src/` → `src`, `.` and `` → `.`.
pub(crate) fn normalize_dir(path: &str) -> String {
    let trimmed = path.trim().trim_start_matches("./").trim_end_matches('/');
    if trimmed.is_empty() || trimmed == "." {
        ".".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// A short description of a trigger for report lines.
pub(crate) fn describe(trigger: &Trigger) -> String {
    match trigger {
        Trigger::Http {
            method,
            path,
            auth,
            payload_version,
        } => {
            let mut text = format!("http trigger {method} {path}");
            if let Some(auth) = auth {
                text.push_str(&format!(", auth {auth}"));
            }
            if let Some(version) = payload_version {
                text.push_str(&format!(", payload {version}"));
            }
            text
        }
        Trigger::Schedule {
            expression,
            timezone,
        } => match timezone {
            Some(tz) => format!("schedule trigger {expression} ({tz})"),
            None => format!("schedule trigger {expression}"),
        },
        Trigger::Storage { bucket, .. } => format!("storage trigger on bucket `{bucket}`"),
        Trigger::Queue { queue, .. } => format!("queue trigger on `{queue}`"),
        Trigger::Stream { stream, .. } => format!("stream trigger on `{stream}`"),
        Trigger::Url { auth, .. } => format!(
            "url trigger (auth {})",
            match auth {
                UrlAuth::Iam => "iam",
                UrlAuth::None => "none",
            }
        ),
    }
}

/// The properties each SAM event type has that the importer reads.
fn known_event_properties(kind: &str) -> &'static [&'static str] {
    match kind {
        "HttpApi" => &["Path", "Method", "ApiId", "Auth", "PayloadFormatVersion"],
        "Api" => &["Path", "Method", "RestApiId", "Auth"],
        "Schedule" => &["Schedule", "Enabled", "Name", "Description"],
        "ScheduleV2" => &[
            "ScheduleExpression",
            "ScheduleExpressionTimezone",
            "State",
            "Name",
            "Description",
        ],
        "S3" => &["Bucket", "Events", "Filter"],
        "SQS" => &["Queue", "BatchSize"],
        "Kinesis" | "DynamoDB" => &["Stream", "StartingPosition", "BatchSize"],
        _ => &[],
    }
}

fn sam_event(
    event: &Node,
    subject: &str,
    r: &mut Reading<'_, '_, '_>,
    apis: &mut Apis<'_>,
) -> Option<Trigger> {
    let kind = event.get("Type").and_then(Node::as_str).unwrap_or_default();
    let empty = Node::new(functory_lint::parse::Value::Object(Vec::new()), event.span);
    let props = event.get("Properties").unwrap_or(&empty);
    let p = |key: &str| format!("{subject}.Properties.{key}");
    let known = known_event_properties(kind);
    if kind == "Api" || kind == "HttpApi" {
        for property in props.as_object().unwrap_or_default() {
            if !known.contains(&property.key.as_str()) {
                r.rep.not_mapped(
                    property.key_span,
                    &format!("{subject}.Properties.{}", property.key),
                    route_setting_note(&property.key),
                );
            }
        }
    } else if !known.is_empty() {
        report_unknown_properties(props, &format!("{subject}.Properties"), known, r.rep);
    }
    let trigger = match kind {
        "Api" | "HttpApi" => {
            let path = props.get("Path").and_then(|n| r.text(n, &p("Path")));
            let method = props.get("Method").and_then(|n| r.text(n, &p("Method")));
            let (method, path) = match (path, method) {
                (Some(path), Some(method)) => (method.to_ascii_uppercase(), path),
                // An HTTP API event without a route is the API's catch-all `$default` route.
                (None, None) if kind == "HttpApi" => ("ANY".into(), "/{proxy+}".into()),
                _ => {
                    r.rep.not_mapped(
                        event.span,
                        subject,
                        format!("an {kind} event needs both Path and Method"),
                    );
                    return None;
                }
            };
            let api_kind = if kind == "HttpApi" {
                ApiKind::Http
            } else {
                ApiKind::Rest
            };
            let (auth, payload_version) = apis.route(api_kind, props, subject, r);
            Trigger::Http {
                method,
                path,
                auth,
                payload_version,
            }
        }
        "Schedule" | "ScheduleV2" => {
            let (key, timezone_key, off) = if kind == "Schedule" {
                (
                    "Schedule",
                    None,
                    props
                        .get("Enabled")
                        .and_then(scalar_text)
                        .is_some_and(|e| e == "false"),
                )
            } else {
                (
                    "ScheduleExpression",
                    Some("ScheduleExpressionTimezone"),
                    props.get("State").and_then(Node::as_str) == Some("DISABLED"),
                )
            };
            let expression = props.get(key).and_then(|n| r.text(n, &p(key)));
            let Some(expression) = expression else {
                r.rep
                    .not_mapped(event.span, subject, format!("a {kind} event without {key}"));
                return None;
            };
            if off {
                r.rep.not_mapped(
                    event.span,
                    subject,
                    "the schedule is disabled in the template; functory.toml has no disabled schedules, so it is imported enabled",
                );
            }
            let timezone = timezone_key
                .and_then(|k| props.get(k).map(|n| (k, n)))
                .and_then(|(k, n)| r.text(n, &p(k)));
            Trigger::Schedule {
                expression,
                timezone,
            }
        }
        "S3" => {
            let Some(bucket) = props.get("Bucket").and_then(|n| r.text(n, &p("Bucket"))) else {
                r.rep
                    .not_mapped(event.span, subject, "an S3 event without Bucket");
                return None;
            };
            let events: Vec<String> = props
                .get("Events")
                .map(|e| r.texts(e, &p("Events")))
                .unwrap_or_default();
            let (mut prefix, mut suffix) = (None, None);
            if let Some(rules) = props
                .get("Filter")
                .and_then(|f| f.get("S3Key"))
                .and_then(|k| k.get("Rules"))
            {
                for rule in rules.items() {
                    let name = rule.get("Name").and_then(scalar_text).unwrap_or_default();
                    let value = rule
                        .get("Value")
                        .and_then(|v| r.text(v, &p("Filter.S3Key.Rules")));
                    match name.to_ascii_lowercase().as_str() {
                        "prefix" => prefix = value,
                        "suffix" => suffix = value,
                        _ => r.rep.not_mapped(
                            rule.span,
                            &p("Filter.S3Key.Rules"),
                            format!("filter rule `{name}` is neither prefix nor suffix"),
                        ),
                    }
                }
            }
            Trigger::Storage {
                bucket,
                prefix,
                suffix,
                events: storage_events(events),
            }
        }
        "SQS" => {
            let Some(queue) = props
                .get("Queue")
                .and_then(|n| r.source(n, &p("Queue")))
                .map(|(_, name)| name)
            else {
                r.rep
                    .not_mapped(event.span, subject, "an SQS event without Queue");
                return None;
            };
            Trigger::Queue {
                queue,
                batch_size: props
                    .get("BatchSize")
                    .and_then(|n| r.number(n, &p("BatchSize"))),
            }
        }
        "Kinesis" | "DynamoDB" => {
            let Some(stream) = props
                .get("Stream")
                .and_then(|n| r.source(n, &p("Stream")))
                .map(|(_, name)| name)
            else {
                r.rep.not_mapped(
                    event.span,
                    subject,
                    format!("a {kind} event without Stream"),
                );
                return None;
            };
            Trigger::Stream {
                stream,
                batch_size: props
                    .get("BatchSize")
                    .and_then(|n| r.number(n, &p("BatchSize"))),
                starting_position: props
                    .get("StartingPosition")
                    .and_then(|n| r.text(n, &p("StartingPosition"))),
            }
        }
        "" => {
            r.rep
                .not_mapped(event.span, subject, "the event has no Type");
            return None;
        }
        other => {
            r.rep.not_mapped(
                event.span,
                subject,
                format!(
                    "event type {other} has no Functory trigger kind (Functory has {TRIGGER_KINDS})"
                ),
            );
            return None;
        }
    };
    Some(trigger)
}

/// S3's default for a function's notification is every object creation; functory.toml says
/// the same by leaving `events` out, which keeps round trips stable.
pub(crate) fn storage_events(events: Vec<String>) -> Option<Vec<String>> {
    if events.is_empty() || events == ["s3:ObjectCreated:*"] {
        None
    } else {
        Some(events)
    }
}
