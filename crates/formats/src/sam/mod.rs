//! AWS SAM (and plain CloudFormation `AWS::Lambda::Function`) templates into a manifest.
//!
//! Every `AWS::Serverless::Function` becomes a function (with `Globals.Function` merged in),
//! its events the triggers Functory has a kind for, its inline policies and the SAM policy
//! templates Functory knows its permissions. Everything else is listed in the report with its
//! line: Functory's manifest is smaller than CloudFormation on purpose.

mod reading;
mod resources;
mod triggers;

use functory_core::{AdapterKind, Function, Manifest, Target, Trigger};
use functory_lint::parse::{Member, Node, Span};

use crate::cfn::Cfn;
use crate::manifest_text::manifest_toml;
use crate::report::{ImportError, Imported};
use crate::sam_api::Apis;
use crate::source::{Reporter, parse_document};

pub(crate) use reading::Reading;
pub(crate) use resources::{
    declared as declared_resource, resource_kind, settle as settle_resources,
};
use triggers::sam_event;
pub(crate) use triggers::{describe, node_json, partial_batch_failures, storage_events};

/// The trigger kinds a report names when an event has none.
pub(crate) const TRIGGER_KINDS: &str = "http, schedule, storage, queue, stream, topic, event, url";

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
    let mut declared = Vec::new();
    for member in resource_members {
        let kind = member
            .value
            .get("Type")
            .and_then(Node::as_str)
            .unwrap_or_default();
        let subject = format!("Resources.{}", member.key);
        if resources::resource_kind(kind).is_some() {
            let mut reading = Reading {
                cfn,
                rep: &mut rep,
                stack: Vec::new(),
                vars: None,
            };
            declared.extend(resources::declared(member, kind, &mut reading));
            continue;
        }
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
    let mut functions: Vec<Function> = importer.functions.into_iter().map(|(_, f)| f).collect();
    let resources = resources::settle(declared, &mut functions, &mut rep);
    let manifest = Manifest {
        project_name: project_name.clone(),
        targets: vec![local_target()],
        functions,
        api,
        resources,
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
        "AWS::Kinesis::Stream" => format!(
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
