//! `functory.toml`: parsing with exact positions, and validation.
//!
//! Parsing goes through private "raw" structs whose fields carry their source spans, so every
//! validation message can name the file, line, column and field. The public [`Manifest`] is the
//! clean model the rest of Functory works with.

mod api;
mod function;
mod raw;
mod resource;
mod target;

use std::ops::Range;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::diagnostic::{Diagnostic, LineIndex, Severity};

use api::{check_route_authorizers, check_route_conflicts, validate_api};
pub use function::handler_candidates;
use function::validate_function;
use raw::RawManifest;
pub use resource::{
    Billing, KeyAttribute, KeyType, Resource, ResourceKind, ResourcePlace, StreamView,
    declared_resource_name, permission_resource_arn,
};
use resource::{TriggerReference, check_trigger_references, validate_resources};
use target::validate_target;

pub const MANIFEST_FILE_NAME: &str = "functory.toml";

pub const MEMORY_MB_RANGE: (u32, u32) = (128, 10_240);
pub const TIMEOUT_S_RANGE: (u32, u32) = (1, 900);
pub const DEFAULT_MEMORY_MB: u32 = 128;
pub const DEFAULT_TIMEOUT_S: u32 = 3;

/// Environment variables a function may not set because the runtime sets them itself.
pub(crate) const RESERVED_ENVIRONMENT: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// How the app asks about files, so this crate stays free of IO.
pub trait ProjectFiles {
    /// Whether `relative` (a `/`-separated path below the project root) is an existing file.
    fn is_file(&self, relative: &str) -> bool;
}

/// Files as a reader sees them that wants the model and not the handler checks: every path is
/// a file.
#[derive(Debug, Clone, Copy)]
pub struct EveryFile;

impl ProjectFiles for EveryFile {
    fn is_file(&self, _: &str) -> bool {
        true
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum AdapterKind {
    Local,
    Aws,
    Azure,
    Gcp,
}

impl std::fmt::Display for AdapterKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AdapterKind::Local => "the local runtime",
            AdapterKind::Aws => "AWS Lambda",
            AdapterKind::Azure => "Azure Functions",
            AdapterKind::Gcp => "Google Cloud Functions",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Manifest {
    pub project_name: String,
    pub targets: Vec<Target>,
    pub functions: Vec<Function>,
    /// The project's HTTP API: settings its `http` routes share on every target.
    pub api: HttpApi,
    /// `[resources.NAME]`: buckets, queues, tables, topics and buses, in file order.
    pub resources: Vec<Resource>,
}

impl Manifest {
    /// The declared resource called `name`.
    pub fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.name == name)
    }
}

/// `[api]`: what a project's HTTP API (API Gateway's HTTP API on AWS, the local gateway) has
/// besides its routes, which are the functions' `http` triggers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HttpApi {
    /// Cross-origin settings for every route.
    pub cors: Option<Cors>,
    /// JWT authorizers that routes name in their `auth` (`auth = "users"`).
    pub authorizers: Vec<JwtAuthorizer>,
}

/// `[api.authorizers.NAME]`: a JWT authorizer (an OpenID Connect issuer and the audiences it
/// accepts), as HTTP APIs define them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JwtAuthorizer {
    pub name: String,
    /// The token issuer: an `https://` URL (Cognito, Auth0, Google, …).
    pub issuer: String,
    /// Accepted `aud` (or `client_id`) values; at least one.
    pub audiences: Vec<String>,
    /// Where the token is read: `$request.header.Authorization` unless set.
    pub identity_source: String,
}

/// Request limits of a target's HTTP API stage (every route).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
#[ts(export, rename_all = "camelCase")]
pub struct Throttling {
    /// Requests allowed at once above the steady rate.
    pub burst_limit: u32,
    /// Requests per second, steady.
    pub rate_limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Target {
    pub name: String,
    pub adapter: AdapterKind,
    pub region: Option<String>,
    /// An AWS profile from `~/.aws/config`.
    pub profile: Option<String>,
    /// The name of an account stored in the OS keychain.
    pub account: Option<String>,
    /// AWS: the S3 bucket packages over Lambda's 50 MB direct-upload limit go through.
    pub code_bucket: Option<String>,
    /// Azure: the subscription holding the function app.
    pub subscription_id: Option<String>,
    /// Azure: the resource group of the function app.
    pub resource_group: Option<String>,
    /// Azure: the function app the project's functions are deployed into (it holds them all).
    pub function_app: Option<String>,
    /// Google Cloud: the project the functions are deployed into.
    pub project_id: Option<String>,
    /// AWS: the stage of the project's HTTP API (`$default`, served at the API's root, unless
    /// set).
    pub api_stage: Option<String>,
    /// AWS: the HTTP API stage's request limits.
    pub throttling: Option<Throttling>,
}

impl Target {
    /// A target with only its name and adapter set.
    pub fn new(name: impl Into<String>, adapter: AdapterKind) -> Self {
        Target {
            name: name.into(),
            adapter,
            region: None,
            profile: None,
            account: None,
            code_bucket: None,
            subscription_id: None,
            resource_group: None,
            function_app: None,
            project_id: None,
            api_stage: None,
            throttling: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct EnvVar {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Function {
    pub name: String,
    pub runtime: String,
    pub handler: String,
    /// The function's code directory, relative to the project root.
    pub code_dir: String,
    /// The handler's module file relative to the project root, when it exists.
    pub handler_file: Option<String>,
    pub memory_mb: u32,
    pub timeout_s: u32,
    pub environment: Vec<EnvVar>,
    pub triggers: Vec<Trigger>,
    pub permissions: Vec<Permission>,
}

/// What makes a function run. Each kind carries the settings its local and cloud forms share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "lowercase",
    rename_all_fields = "snake_case"
)]
#[ts(export)]
pub enum Trigger {
    Http {
        #[serde(default = "any_method")]
        method: String,
        path: String,
        /// Who may call the route: `none` (default), `iam` (signed requests) or the name of a
        /// JWT authorizer of `[api.authorizers]`.
        #[serde(default)]
        auth: Option<String>,
        /// The Lambda proxy event's format: `2.0` (default) or `1.0` (REST API style).
        #[serde(default)]
        payload_version: Option<String>,
    },
    Schedule {
        /// `rate(5 minutes)` or a six-field `cron(...)` expression.
        expression: String,
        #[serde(default)]
        timezone: Option<String>,
    },
    Storage {
        bucket: String,
        #[serde(default)]
        prefix: Option<String>,
        #[serde(default)]
        suffix: Option<String>,
        #[serde(default)]
        events: Option<Vec<String>>,
    },
    Queue {
        queue: String,
        #[serde(default)]
        batch_size: Option<u32>,
    },
    Stream {
        stream: String,
        #[serde(default)]
        batch_size: Option<u32>,
        #[serde(default)]
        starting_position: Option<String>,
    },
    /// Messages published to an SNS topic (a subscription), optionally filtered.
    Topic {
        /// A declared topic (`[resources.NAME]` with kind = "topic") or a topic's ARN.
        topic: String,
        /// An SNS subscription filter policy, as JSON text.
        #[serde(default)]
        filter_policy: Option<String>,
        /// What the filter policy reads: `MessageAttributes` (SNS's default) or `MessageBody`.
        #[serde(default)]
        filter_policy_scope: Option<String>,
    },
    /// Events on an EventBridge bus that match a pattern (a rule with the function as target).
    Event {
        /// A declared bus, a bus's ARN, or `default` (the account's default bus) when unset.
        #[serde(default)]
        bus: Option<String>,
        /// The rule's event pattern, as JSON text.
        pattern: String,
    },
    /// The function's own HTTPS endpoint (a Lambda function URL; locally, every path under
    /// `/<function>` on the gateway). Unlike `http` it has no routes: the handler sees every
    /// method and path.
    Url {
        #[serde(default)]
        auth: UrlAuth,
        #[serde(default)]
        cors: Option<Cors>,
    },
}

impl Trigger {
    /// The resource this trigger names, if any: its key in the trigger's table, the name, and
    /// the kind a declared resource of that name must be (a `stream` names a table's stream;
    /// an `event` trigger names its bus only when it sets one).
    pub fn resource_named(&self) -> Option<(&'static str, &str, ResourceKind)> {
        match self {
            Trigger::Storage { bucket, .. } => Some(("bucket", bucket, ResourceKind::Bucket)),
            Trigger::Queue { queue, .. } => Some(("queue", queue, ResourceKind::Queue)),
            Trigger::Stream { stream, .. } => Some(("stream", stream, ResourceKind::Table)),
            Trigger::Topic { topic, .. } => Some(("topic", topic, ResourceKind::Topic)),
            Trigger::Event { bus: Some(bus), .. } => Some(("bus", bus, ResourceKind::Bus)),
            _ => None,
        }
    }
}

/// Who may call a function URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum UrlAuth {
    /// Callers sign requests with cloud credentials allowed to invoke the function.
    #[default]
    Iam,
    /// Anyone who knows the URL (the handler is the only access control).
    None,
}

/// Cross-origin settings of a function URL, as browsers need them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
#[ts(export)]
pub struct Cors {
    #[serde(default)]
    pub allow_origins: Vec<String>,
    #[serde(default)]
    pub allow_methods: Vec<String>,
    #[serde(default)]
    pub allow_headers: Vec<String>,
    #[serde(default)]
    pub expose_headers: Vec<String>,
    #[serde(default)]
    pub allow_credentials: bool,
    /// Seconds a browser may cache the preflight answer (at most 86400).
    #[serde(default)]
    pub max_age: Option<u32>,
}

fn any_method() -> String {
    "ANY".to_owned()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum PermissionEffect {
    #[default]
    Allow,
    Deny,
}

/// One IAM-style statement granted to the function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[ts(export)]
pub struct Permission {
    #[serde(default)]
    pub effect: PermissionEffect,
    pub actions: Vec<String>,
    #[serde(default = "any_resource")]
    pub resources: Vec<String>,
}

fn any_resource() -> Vec<String> {
    vec!["*".to_owned()]
}

/// The outcome of reading a manifest: the model when its shape is sound (possibly with
/// validation problems), and every problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ParsedManifest {
    pub manifest: Option<Manifest>,
    pub diagnostics: Vec<Diagnostic>,
}

impl ParsedManifest {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

// ---- parsing and validation ---------------------------------------------------------------

struct Validator<'a> {
    file: &'a str,
    index: LineIndex<'a>,
    diagnostics: Vec<Diagnostic>,
    /// Every valid `http` route (field, span), compared once all functions are read.
    routes: Vec<(String, Range<usize>, crate::route::RoutePattern)>,
    /// Every route's `auth` other than absent (field, span, value), checked against `[api]`.
    route_auth: Vec<(String, Range<usize>, String)>,
    /// Every trigger's bucket, queue or stream name, checked against `[resources]`.
    resource_references: Vec<TriggerReference>,
}

impl Validator<'_> {
    fn error(&mut self, span: Range<usize>, field: impl Into<String>, message: impl Into<String>) {
        let diagnostic = self.index.diagnostic(
            self.file,
            span,
            Some(field.into()),
            message,
            Severity::Error,
        );
        self.diagnostics.push(diagnostic);
    }

    fn warning(
        &mut self,
        span: Range<usize>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        let diagnostic = self.index.diagnostic(
            self.file,
            span,
            Some(field.into()),
            message,
            Severity::Warning,
        );
        self.diagnostics.push(diagnostic);
    }
}

/// Parses and validates a manifest. `file` is the name used in diagnostics; `files` answers
/// whether handler files exist.
pub fn parse_manifest(text: &str, file: &str, files: &dyn ProjectFiles) -> ParsedManifest {
    let mut validator = Validator {
        file,
        index: LineIndex::new(text),
        diagnostics: Vec::new(),
        routes: Vec::new(),
        route_auth: Vec::new(),
        resource_references: Vec::new(),
    };
    let raw: RawManifest = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(error) => {
            let span = error.span().unwrap_or(0..0);
            let message = error.message().trim().to_owned();
            let field = field_of_error(&message);
            let diagnostic =
                validator
                    .index
                    .diagnostic(file, span, field, message, Severity::Error);
            return ParsedManifest {
                manifest: None,
                diagnostics: vec![diagnostic],
            };
        }
    };
    let manifest = validate(raw, &mut validator, files);
    ParsedManifest {
        manifest: Some(manifest),
        diagnostics: validator.diagnostics,
    }
}

/// toml reports unknown fields as "unknown field `x`, expected …": name the field.
fn field_of_error(message: &str) -> Option<String> {
    let rest = message.split_once("field `")?.1;
    Some(rest.split_once('`')?.0.to_owned())
}

fn validate(raw: RawManifest, v: &mut Validator<'_>, files: &dyn ProjectFiles) -> Manifest {
    let project = raw.project.into_inner();
    if project.name.get_ref().trim().is_empty() {
        v.error(
            project.name.span(),
            "project.name",
            "the project name is empty",
        );
    }

    let mut targets = Vec::new();
    for (name, target) in raw.targets {
        targets.push(validate_target(name, target, v));
    }

    let api = validate_api(raw.api, v);
    let resources = validate_resources(raw.resources, v);

    let mut functions: Vec<Function> = Vec::new();
    let mut seen_lowercase: std::collections::HashMap<String, String> =
        std::collections::HashMap::new();
    for (name, function) in raw.functions {
        let field = format!("functions.{}", name.get_ref());
        let name_text = name.get_ref().clone();
        if !is_valid_function_name(&name_text) {
            v.error(
                name.span(),
                &field,
                format!("function name `{name_text}` must be 1 to 64 letters, digits, `-` or `_`"),
            );
        }
        let lowercase = name_text.to_lowercase();
        if let Some(other) = seen_lowercase.get(&lowercase) {
            v.error(
                name.span(),
                &field,
                format!(
                    "duplicate function name: `{name_text}` and `{other}` differ only in case, and Azure and Google treat them as the same function"
                ),
            );
        }
        seen_lowercase
            .entry(lowercase)
            .or_insert_with(|| name_text.clone());
        functions.push(validate_function(
            name_text,
            &field,
            function.into_inner(),
            &resources,
            v,
            files,
        ));
    }

    check_route_conflicts(v);
    check_route_authorizers(&api, v);
    check_trigger_references(&resources, v);

    Manifest {
        project_name: project.name.into_inner(),
        targets,
        functions,
        api,
        resources,
    }
}

pub fn is_valid_function_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Why `region` is not an AWS region name (`eu-west-1`, `us-gov-west-1`, `cn-north-1`):
/// letters and digits in at least three dash-separated parts, ending in a number. A typo such
/// as `eu-west` is caught before it becomes an unreachable host name.
pub fn aws_region_problem(region: &str) -> Option<String> {
    let parts: Vec<&str> = region.split('-').collect();
    let fine = parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()));
    (!fine).then(|| {
        format!("`{region}` is not an AWS region name (they look like eu-west-1 or us-east-2)")
    })
}

/// Why `region` is not a Google Cloud region name (`europe-west1`, `us-central1`).
pub fn gcp_region_problem(region: &str) -> Option<String> {
    let fine = region.contains('-')
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && region.ends_with(|c: char| c.is_ascii_digit());
    (!fine).then(|| {
        format!("`{region}` is not a Google Cloud region name (they look like europe-west1)")
    })
}

/// Why `name` cannot be an AWS profile name of `~/.aws/config` (`[profile NAME]`).
pub fn aws_profile_name_problem(name: &str) -> Option<String> {
    let fine = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@+/:".contains(c));
    (!fine).then(|| {
        format!("`{name}` is not an AWS profile name (letters, digits and `-_.@+/:`, no spaces)")
    })
}

pub(crate) fn is_valid_target_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

pub fn is_valid_env_key(key: &str) -> bool {
    key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_identifier(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Files(&'static [&'static str]);

    impl ProjectFiles for Files {
        fn is_file(&self, relative: &str) -> bool {
            self.0.contains(&relative)
        }
    }

    const FILES: Files = Files(&["src/resize.js", "app.py", "pkg/mod.py", "bootstrap"]);

    fn parse(text: &str) -> ParsedManifest {
        parse_manifest(text, "functory.toml", &FILES)
    }

    const GOOD: &str = r#"
[project]
name = "thumbnails"

[targets.local]
adapter = "local"

[targets.dev]
adapter = "aws"
region = "eu-west-1"
profile = "dev"

[functions.resize]
runtime = "nodejs20.x"
handler = "src/resize.handler"
memory_mb = 512
timeout_s = 30
environment = { THUMBS_BUCKET = "thumbs" }

[[functions.resize.triggers]]
kind = "storage"
bucket = "uploads"
suffix = ".jpg"

[[functions.resize.permissions]]
actions = ["s3:GetObject"]
resources = ["arn:aws:s3:::uploads/*"]

[functions.report]
runtime = "python3.12"
handler = "pkg.mod.handler"
"#;

    #[test]
    fn parses_the_documented_shape() {
        let parsed = parse(GOOD);
        assert_eq!(parsed.diagnostics, vec![]);
        let manifest = parsed.manifest.unwrap();
        assert_eq!(manifest.project_name, "thumbnails");
        assert_eq!(manifest.targets.len(), 2);
        assert_eq!(manifest.targets[1].adapter, AdapterKind::Aws);
        assert_eq!(manifest.targets[1].profile.as_deref(), Some("dev"));
        let resize = &manifest.functions[0];
        assert_eq!(resize.name, "resize");
        assert_eq!(resize.memory_mb, 512);
        assert_eq!(resize.handler_file.as_deref(), Some("src/resize.js"));
        assert_eq!(
            resize.environment,
            vec![EnvVar {
                key: "THUMBS_BUCKET".into(),
                value: "thumbs".into()
            }]
        );
        assert_eq!(
            resize.triggers,
            vec![Trigger::Storage {
                bucket: "uploads".into(),
                prefix: None,
                suffix: Some(".jpg".into()),
                events: None
            }]
        );
        assert_eq!(resize.permissions[0].effect, PermissionEffect::Allow);
        let report = &manifest.functions[1];
        assert_eq!(report.memory_mb, DEFAULT_MEMORY_MB);
        assert_eq!(report.timeout_s, DEFAULT_TIMEOUT_S);
        assert_eq!(report.handler_file.as_deref(), Some("pkg/mod.py"));
    }

    #[test]
    fn syntax_error_names_line_and_column() {
        let parsed = parse("[project]\nname = \"x\"\n[functions.a]\nruntime = nodejs\n");
        assert!(parsed.manifest.is_none());
        let d = &parsed.diagnostics[0];
        assert_eq!((d.line, d.column), (4, 11), "{d}");
        assert!(
            d.to_string().starts_with("functory.toml:4:11: error:"),
            "{d}"
        );
    }

    #[test]
    fn unknown_field_is_named() {
        let parsed = parse(
            "[project]\nname = \"x\"\n[functions.a]\nruntime = \"python3.12\"\nhandler = \"app.handler\"\nmemroy_mb = 256\n",
        );
        let d = &parsed.diagnostics[0];
        assert_eq!(d.field.as_deref(), Some("memroy_mb"));
        assert_eq!(d.line, 6);
        assert!(
            d.message.contains("unknown field `memroy_mb`"),
            "{}",
            d.message
        );
    }

    #[test]
    fn duplicate_table_is_a_positioned_error() {
        let parsed = parse(
            "[project]\nname = \"x\"\n[functions.a]\nruntime = \"python3.12\"\nhandler = \"app.handler\"\n[functions.a]\nruntime = \"python3.12\"\nhandler = \"app.handler\"\n",
        );
        let d = &parsed.diagnostics[0];
        assert_eq!(d.line, 6, "{d}");
        assert!(d.message.contains("duplicate"), "{}", d.message);
    }

    #[test]
    fn semantic_errors_keep_the_model_and_point_at_fields() {
        let text = "[project]\nname = \"x\"\n\n[functions.a]\nruntime = \"nodejs20\"\nhandler = \"src/a.handler\"\nmemory_mb = 64\ntimeout_s = 901\n\n[functions.A]\nruntime = \"python3.12\"\nhandler = \"missing.handler\"\nenvironment = { AWS_REGION = \"x\", \"1BAD\" = \"y\" }\n";
        let parsed = parse(text);
        let manifest = parsed.manifest.as_ref().unwrap();
        assert_eq!(manifest.functions.len(), 2);
        let find = |field: &str| {
            parsed
                .diagnostics
                .iter()
                .find(|d| d.field.as_deref() == Some(field))
                .unwrap_or_else(|| panic!("no diagnostic for {field}: {:#?}", parsed.diagnostics))
        };
        let runtime = find("functions.a.runtime");
        assert_eq!((runtime.line, runtime.column), (5, 11));
        // nodejs20.x is deprecated: "did you mean" names the newest Node.js runtime instead.
        assert!(
            runtime.message.contains("did you mean `nodejs24.x`"),
            "{}",
            runtime.message
        );
        let memory = find("functions.a.memory_mb");
        assert_eq!((memory.line, memory.column), (7, 13));
        assert!(memory.message.contains("between 128 and 10240"));
        assert_eq!(find("functions.a.timeout_s").line, 8);
        assert!(find("functions.A").message.contains("differ only in case"));
        assert!(find("functions.A.handler").message.contains("missing.py"));
        assert!(
            find("functions.A.environment.AWS_REGION")
                .message
                .contains("reserved")
        );
        assert!(
            find("functions.A.environment.1BAD")
                .message
                .contains("must start with a letter")
        );
    }

    #[test]
    fn profile_and_account_are_exclusive_and_aws_only() {
        let parsed = parse(
            "[project]\nname = \"x\"\n[targets.prod]\nadapter = \"aws\"\nprofile = \"p\"\naccount = \"a\"\n[targets.az]\nadapter = \"azure\"\nprofile = \"p\"\n",
        );
        let fields: Vec<_> = parsed
            .diagnostics
            .iter()
            .filter_map(|d| d.field.as_deref())
            .collect();
        assert_eq!(
            fields,
            vec!["targets.prod.profile", "targets.az.profile", "targets.az"]
        );
    }

    #[test]
    fn azure_and_google_targets_name_where_they_deploy() {
        let parsed = parse(
            "[project]\nname = \"x\"\n[targets.az]\nadapter = \"azure\"\nsubscription_id = \"s\"\nresource_group = \"rg\"\nfunction_app = \"app\"\n[targets.gc]\nadapter = \"gcp\"\nregion = \"europe-west1\"\nproject_id = \"p\"\n[targets.half]\nadapter = \"azure\"\nfunction_app = \"app\"\nproject_id = \"p\"\n",
        );
        let problems: Vec<_> = parsed
            .diagnostics
            .iter()
            .map(|d| {
                (
                    d.field.clone().unwrap_or_default(),
                    d.severity,
                    d.message.clone(),
                )
            })
            .collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].0, "targets.half.project_id");
        assert_eq!(problems[0].1, Severity::Error);
        assert_eq!(problems[1].0, "targets.half");
        assert_eq!(problems[1].1, Severity::Warning);
        assert!(
            problems[1]
                .2
                .contains("sets `resource_group` (the function app"),
            "{problems:?}"
        );
        let manifest = parsed.manifest.unwrap();
        let az = &manifest.targets[0];
        assert_eq!(
            (
                az.subscription_id.as_deref(),
                az.resource_group.as_deref(),
                az.function_app.as_deref()
            ),
            (Some("s"), Some("rg"), Some("app"))
        );
        assert_eq!(manifest.targets[1].project_id.as_deref(), Some("p"));
    }

    #[test]
    fn routes_are_read_once_and_compared_across_functions() {
        let parsed = parse(
            "[project]\nname = \"x\"\n[functions.a]\nruntime = \"python3.12\"\nhandler = \"app.handler\"\n[[functions.a.triggers]]\nkind = \"http\"\nmethod = \"GET\"\npath = \"/users/{id}\"\n[[functions.a.triggers]]\nkind = \"http\"\npath = \"/users/:id\"\n[functions.b]\nruntime = \"python3.12\"\nhandler = \"app.handler\"\n[[functions.b.triggers]]\nkind = \"http\"\nmethod = \"get\"\npath = \"/users/{user}\"\n[[functions.b.triggers]]\nkind = \"http\"\nmethod = \"ANY\"\npath = \"/{proxy+}\"\n[[functions.b.triggers]]\nkind = \"schedule\"\nexpression = \"cron(0 12 * * * *)\"\n",
        );
        let found: Vec<(Severity, &str, u32)> = parsed
            .diagnostics
            .iter()
            .map(|d| (d.severity, d.field.as_deref().unwrap_or(""), d.line))
            .collect();
        assert_eq!(
            found,
            [
                // `:id` is not a parameter anywhere: the gateway would have taken it literally.
                (Severity::Error, "functions.a.triggers[1].path", 10),
                // The same method and shape in another function: a cloud refuses the second.
                (Severity::Error, "functions.b.triggers[0].path", 16),
                (Severity::Warning, "functions.b.triggers[1].path", 20),
                (Severity::Warning, "functions.b.triggers[1].path", 20),
                // Both day fields set: refused here as the local run and the clouds refuse it.
                (Severity::Error, "functions.b.triggers[2].expression", 24),
            ]
        );
        assert!(
            parsed.diagnostics[1]
                .message
                .contains("already declared as `GET /users/{id}` by `a`"),
            "{}",
            parsed.diagnostics[1].message
        );
    }

    #[test]
    fn bad_trigger_and_permission_are_reported() {
        let parsed = parse(
            "[project]\nname = \"x\"\n[functions.a]\nruntime = \"python3.12\"\nhandler = \"app.handler\"\n[[functions.a.triggers]]\nkind = \"schedule\"\nexpression = \"every day\"\n[[functions.a.permissions]]\nactions = [\"s3 GetObject\"]\n",
        );
        let fields: Vec<_> = parsed
            .diagnostics
            .iter()
            .filter_map(|d| d.field.as_deref())
            .collect();
        assert_eq!(
            fields,
            vec![
                "functions.a.triggers[0].expression",
                "functions.a.permissions[0].actions"
            ]
        );
        assert_eq!(parsed.diagnostics[0].line, 6);
    }

    #[test]
    fn url_trigger_with_cors() {
        let base = "[project]\nname = \"x\"\n[functions.a]\nruntime = \"python3.12\"\nhandler = \"app.handler\"\n";
        let parsed = parse(&format!(
            "{base}[[functions.a.triggers]]\nkind = \"url\"\nauth = \"none\"\ncors = {{ allow_origins = [\"https://app.example\"], allow_methods = [\"GET\"], allow_credentials = true, max_age = 300 }}\n"
        ));
        assert_eq!(parsed.diagnostics, vec![]);
        let triggers = &parsed.manifest.unwrap().functions[0].triggers;
        assert_eq!(
            triggers,
            &vec![Trigger::Url {
                auth: UrlAuth::None,
                cors: Some(Cors {
                    allow_origins: vec!["https://app.example".into()],
                    allow_methods: vec!["GET".into()],
                    allow_credentials: true,
                    max_age: Some(300),
                    ..Cors::default()
                }),
            }]
        );
        // The default is signed requests only.
        let parsed = parse(&format!("{base}[[functions.a.triggers]]\nkind = \"url\"\n"));
        assert_eq!(
            parsed.manifest.unwrap().functions[0].triggers,
            vec![Trigger::Url {
                auth: UrlAuth::Iam,
                cors: None
            }]
        );
        let parsed = parse(&format!(
            "{base}[[functions.a.triggers]]\nkind = \"url\"\ncors = {{ allow_methods = [\"FETCH\"], max_age = 90000 }}\n[[functions.a.triggers]]\nkind = \"url\"\n"
        ));
        let fields: Vec<_> = parsed
            .diagnostics
            .iter()
            .filter_map(|d| d.field.as_deref())
            .collect();
        assert_eq!(
            fields,
            vec![
                "functions.a.triggers[0].cors.allow_methods",
                "functions.a.triggers[0].cors.max_age",
                "functions.a.triggers[1]"
            ]
        );
    }

    #[test]
    fn lint_table_is_accepted_and_left_to_the_linter() {
        let text = format!(
            "{GOOD}\n[[lint.suppress]]\ncode = \"IAM203\"\nreason = \"listing needs *\"\nfunction = \"report\"\n"
        );
        let parsed = parse(&text);
        assert_eq!(parsed.diagnostics, vec![]);
        assert_eq!(parsed.manifest.unwrap().functions.len(), 2);
        // Other unknown top-level tables are still errors.
        let parsed = parse(&format!("{GOOD}\n[lints]\nx = 1\n"));
        assert!(
            parsed.diagnostics[0]
                .message
                .contains("unknown field `lints`")
        );
    }

    #[test]
    fn custom_runtime_needs_bootstrap() {
        let parsed = parse(
            "[project]\nname = \"x\"\n[functions.rs]\nruntime = \"provided.al2023\"\nhandler = \"anything\"\ncode_dir = \"rust\"\n",
        );
        assert_eq!(parsed.diagnostics.len(), 1);
        assert!(parsed.diagnostics[0].message.contains("rust/bootstrap"));
    }
}
