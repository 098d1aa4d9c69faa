//! `functory.toml`: parsing with exact positions, and validation.
//!
//! Parsing goes through private "raw" structs whose fields carry their source spans, so every
//! validation message can name the file, line, column and field. The public [`Manifest`] is the
//! clean model the rest of Functory works with.

use std::ops::Range;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_spanned::Spanned;
use ts_rs::TS;

use crate::diagnostic::{Diagnostic, LineIndex, Severity};
use crate::runtime::{Runtime, RuntimeFamily};

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

// ---- raw, spanned shape -------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    project: Spanned<RawProject>,
    #[serde(default)]
    targets: IndexMap<Spanned<String>, Spanned<RawTarget>>,
    #[serde(default)]
    functions: IndexMap<Spanned<String>, Spanned<RawFunction>>,
    #[serde(default)]
    api: Option<Spanned<RawApi>>,
    /// `[lint]` (`[[lint.suppress]]` entries) belongs to functory-lint, which reads and
    /// validates it with positions; the manifest model only has to accept it.
    #[serde(default, rename = "lint")]
    _lint: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApi {
    #[serde(default)]
    cors: Option<Cors>,
    #[serde(default)]
    authorizers: IndexMap<Spanned<String>, Spanned<RawAuthorizer>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuthorizer {
    issuer: Spanned<String>,
    audiences: Spanned<Vec<String>>,
    identity_source: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProject {
    name: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    adapter: Spanned<AdapterKind>,
    region: Option<Spanned<String>>,
    profile: Option<Spanned<String>>,
    account: Option<Spanned<String>>,
    code_bucket: Option<Spanned<String>>,
    subscription_id: Option<Spanned<String>>,
    resource_group: Option<Spanned<String>>,
    function_app: Option<Spanned<String>>,
    project_id: Option<Spanned<String>>,
    api_stage: Option<Spanned<String>>,
    throttling: Option<Spanned<Throttling>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFunction {
    runtime: Spanned<String>,
    handler: Spanned<String>,
    code_dir: Option<Spanned<String>>,
    memory_mb: Option<Spanned<i64>>,
    timeout_s: Option<Spanned<i64>>,
    #[serde(default)]
    environment: IndexMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    triggers: Vec<Spanned<Trigger>>,
    #[serde(default)]
    permissions: Vec<Spanned<Permission>>,
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

/// The fields that say where an Azure or Google target deploys: each belongs to one cloud, and
/// a cloud target without them parses (so the rest of the app works) but cannot deploy yet.
fn validate_cloud_target_fields(
    v: &mut Validator<'_>,
    field: &str,
    adapter: AdapterKind,
    target_span: Range<usize>,
    target: &RawTarget,
) {
    let azure_fields = [
        ("subscription_id", &target.subscription_id),
        ("resource_group", &target.resource_group),
        ("function_app", &target.function_app),
    ];
    let google_fields = [("project_id", &target.project_id)];
    let (own, own_kind): (&[_], _) = match adapter {
        AdapterKind::Azure => (&azure_fields, "azure"),
        AdapterKind::Gcp => (&google_fields, "gcp"),
        AdapterKind::Aws => (&[], "aws"),
        AdapterKind::Local => (&[], "local"),
    };
    let aws_fields = [("code_bucket", &target.code_bucket)];
    for (key, value, owner) in azure_fields
        .iter()
        .map(|(k, v)| (*k, *v, "azure"))
        .chain(google_fields.iter().map(|(k, v)| (*k, *v, "gcp")))
        .chain(aws_fields.iter().map(|(k, v)| (*k, *v, "aws")))
    {
        if let Some(value) = value
            && owner != own_kind
        {
            v.error(
                value.span(),
                format!("{field}.{key}"),
                format!("`{key}` only applies to targets with adapter = \"{owner}\""),
            );
        }
    }
    // An Azure service principal account may name the subscription instead of the target.
    let missing: Vec<String> = own
        .iter()
        .filter(|(key, value)| value.is_none() && *key != "subscription_id")
        .map(|(key, _)| format!("`{key}`"))
        .collect();
    if !missing.is_empty() {
        let what = match adapter {
            AdapterKind::Azure => "the function app it deploys into",
            _ => "the Google Cloud project it deploys into",
        };
        v.warning(
            target_span.clone(),
            field,
            format!(
                "this target cannot deploy until it sets {} ({what})",
                missing.join(", ")
            ),
        );
    }
    if adapter == AdapterKind::Gcp && target.region.is_none() {
        v.warning(
            target_span,
            field,
            "this target cannot deploy until it sets `region` (for example `europe-west1`)",
        );
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
        let field = format!("targets.{}", name.get_ref());
        if !is_valid_target_name(name.get_ref()) {
            v.error(
                name.span(),
                &field,
                format!(
                    "target name `{}` must start with a lowercase letter or digit and contain only lowercase letters, digits, `-` and `_`",
                    name.get_ref()
                ),
            );
        }
        let target_span = target.span();
        let target = target.into_inner();
        let adapter = *target.adapter.get_ref();
        if let (Some(profile), Some(_)) = (&target.profile, &target.account) {
            v.error(
                profile.span(),
                format!("{field}.profile"),
                "set either `profile` (an AWS profile) or `account` (a keychain account), not both",
            );
        }
        if let Some(profile) = &target.profile
            && adapter != AdapterKind::Aws
        {
            v.error(
                profile.span(),
                format!("{field}.profile"),
                "`profile` names an AWS profile and only applies to targets with adapter = \"aws\"; use `account` for other clouds",
            );
        }
        if adapter == AdapterKind::Local && (target.region.is_some() || target.account.is_some()) {
            v.warning(
                target_span.clone(),
                &field,
                "a local target ignores `region` and `account`",
            );
        }
        validate_cloud_target_fields(v, &field, adapter, target_span, &target);
        if let Some(stage) = &target.api_stage
            && !is_valid_stage_name(stage.get_ref())
        {
            v.error(
                stage.span(),
                format!("{field}.api_stage"),
                format!(
                    "stage `{}` must be `$default` or 1 to 128 letters, digits, `-` and `_`",
                    stage.get_ref()
                ),
            );
        }
        if let Some(throttling) = &target.throttling
            && (throttling.get_ref().rate_limit == 0 || throttling.get_ref().burst_limit == 0)
        {
            v.error(
                throttling.span(),
                format!("{field}.throttling"),
                "throttling limits must be above 0 (leave `throttling` out for the account's limits)",
            );
        }
        targets.push(Target {
            name: name.into_inner(),
            adapter,
            region: target.region.map(Spanned::into_inner),
            profile: target.profile.map(Spanned::into_inner),
            account: target.account.map(Spanned::into_inner),
            code_bucket: target.code_bucket.map(Spanned::into_inner),
            subscription_id: target.subscription_id.map(Spanned::into_inner),
            resource_group: target.resource_group.map(Spanned::into_inner),
            function_app: target.function_app.map(Spanned::into_inner),
            project_id: target.project_id.map(Spanned::into_inner),
            api_stage: target.api_stage.map(Spanned::into_inner),
            throttling: target.throttling.map(Spanned::into_inner),
        });
    }

    let api = validate_api(raw.api, v);

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
            v,
            files,
        ));
    }

    check_route_conflicts(v);
    check_route_authorizers(&api, v);

    Manifest {
        project_name: project.name.into_inner(),
        targets,
        functions,
        api,
    }
}

/// `[api]`: CORS as a function URL's, and authorizers with an https issuer and audiences.
fn validate_api(raw: Option<Spanned<RawApi>>, v: &mut Validator<'_>) -> HttpApi {
    let Some(raw) = raw else {
        return HttpApi::default();
    };
    let span = raw.span();
    let raw = raw.into_inner();
    if let Some(cors) = &raw.cors {
        for problem in crate::trigger_check::cors_problems(cors) {
            let key = format!("api.{}", problem.key);
            match problem.severity {
                Severity::Error => v.error(span.clone(), key, problem.message),
                _ => v.warning(span.clone(), key, problem.message),
            }
        }
    }
    let mut authorizers = Vec::new();
    for (name, authorizer) in raw.authorizers {
        let field = format!("api.authorizers.{}", name.get_ref());
        if !is_identifier(name.get_ref()) || ["none", "iam"].contains(&name.get_ref().as_str()) {
            v.error(
                name.span(),
                &field,
                format!(
                    "authorizer name `{}` must be letters, digits and `_`, and not `none` or `iam` (those are the other kinds of `auth`)",
                    name.get_ref()
                ),
            );
        }
        let authorizer = authorizer.into_inner();
        let issuer = authorizer.issuer.get_ref();
        if !issuer.starts_with("https://") || issuer.len() <= "https://".len() {
            v.error(
                authorizer.issuer.span(),
                format!("{field}.issuer"),
                format!("issuer `{issuer}` must be an https:// URL (the token issuer's base URL)"),
            );
        }
        if authorizer.audiences.get_ref().is_empty() {
            v.error(
                authorizer.audiences.span(),
                format!("{field}.audiences"),
                "a JWT authorizer needs at least one audience (the client id its tokens are issued for)",
            );
        }
        authorizers.push(JwtAuthorizer {
            name: name.into_inner(),
            issuer: authorizer.issuer.into_inner(),
            audiences: authorizer.audiences.into_inner(),
            identity_source: authorizer
                .identity_source
                .map(Spanned::into_inner)
                .unwrap_or_else(|| "$request.header.Authorization".to_owned()),
        });
    }
    HttpApi {
        cors: raw.cors,
        authorizers,
    }
}

/// A route's `auth` names `none`, `iam` or an authorizer of `[api.authorizers]`.
fn check_route_authorizers(api: &HttpApi, v: &mut Validator<'_>) {
    let routes = std::mem::take(&mut v.route_auth);
    for (field, span, auth) in routes {
        if ["none", "iam"].contains(&auth.as_str())
            || api.authorizers.iter().any(|a| a.name == auth)
        {
            continue;
        }
        let declared: Vec<&str> = api.authorizers.iter().map(|a| a.name.as_str()).collect();
        v.error(
            span,
            format!("{field}.auth"),
            if declared.is_empty() {
                format!(
                    "auth `{auth}` is not `none`, `iam` or a declared authorizer: declare it as [api.authorizers.{auth}] with its issuer and audiences"
                )
            } else {
                format!(
                    "auth `{auth}` is not `none`, `iam` or a declared authorizer ({})",
                    declared.join(", ")
                )
            },
        );
    }
}

/// API Gateway stage names: `$default`, or letters, digits, `-` and `_`.
fn is_valid_stage_name(name: &str) -> bool {
    name == "$default"
        || ((1..=128).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
}

/// Two routes of the project with the same method and path shape are an error (a gateway
/// takes one); routes that some requests match both are a warning.
fn check_route_conflicts(v: &mut Validator<'_>) {
    let routes = std::mem::take(&mut v.routes);
    let patterns: Vec<&crate::route::RoutePattern> = routes.iter().map(|(_, _, r)| r).collect();
    let conflicts = crate::route::route_conflicts(&patterns);
    if conflicts.is_empty() {
        return;
    }
    for conflict in conflicts {
        let (first_field, _, first) = &routes[conflict.first];
        let (field, span, second) = &routes[conflict.second];
        let owner = first_field
            .strip_prefix("functions.")
            .and_then(|f| f.split(".triggers").next())
            .unwrap_or(first_field);
        match conflict.kind {
            crate::route::RouteConflictKind::Duplicate => v.error(
                span.clone(),
                format!("{field}.path"),
                format!("the route `{second}` is already declared as `{first}` by `{owner}` ({first_field})"),
            ),
            crate::route::RouteConflictKind::Overlap => v.warning(
                span.clone(),
                format!("{field}.path"),
                format!("the route `{second}` overlaps `{first}` of `{owner}`: some requests match both, and the more specific route wins"),
            ),
        }
    }
    // Found after every function was read: back into the file's order (stable, by line).
    v.diagnostics.sort_by_key(|d| d.line);
}

fn validate_function(
    name: String,
    field: &str,
    raw: RawFunction,
    v: &mut Validator<'_>,
    files: &dyn ProjectFiles,
) -> Function {
    let runtime = raw.runtime.get_ref().parse::<Runtime>().ok();
    if runtime.is_none() {
        let unknown = raw.runtime.get_ref();
        let mut message = format!("unknown runtime `{unknown}`");
        let today = crate::runtime::today();
        if let Some(suggestion) = Runtime::suggest(unknown, today) {
            message.push_str(&format!("; did you mean `{suggestion}`?"));
        } else {
            let supported: Vec<_> = Runtime::supported(today)
                .into_iter()
                .map(|r| r.name)
                .collect();
            message.push_str(&format!("; runtimes: {}", supported.join(", ")));
        }
        v.error(raw.runtime.span(), format!("{field}.runtime"), message);
    }

    let code_dir = raw
        .code_dir
        .as_ref()
        .map(|d| d.get_ref().trim_end_matches('/').to_owned())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| ".".to_owned());
    if let Some(dir) = &raw.code_dir
        && (dir.get_ref().starts_with('/') || dir.get_ref().split('/').any(|c| c == ".."))
    {
        v.error(
            dir.span(),
            format!("{field}.code_dir"),
            "code_dir must be a relative path inside the project",
        );
    }

    let handler_file = runtime
        .and_then(|runtime| check_handler(runtime, &code_dir, &raw.handler, field, v, files));

    let memory_mb = check_range(
        raw.memory_mb.as_ref(),
        MEMORY_MB_RANGE,
        DEFAULT_MEMORY_MB,
        "MB",
        &format!("{field}.memory_mb"),
        v,
    );
    let timeout_s = check_range(
        raw.timeout_s.as_ref(),
        TIMEOUT_S_RANGE,
        DEFAULT_TIMEOUT_S,
        "seconds",
        &format!("{field}.timeout_s"),
        v,
    );

    let mut environment = Vec::new();
    for (key, value) in raw.environment {
        let env_field = format!("{field}.environment.{}", key.get_ref());
        if !is_valid_env_key(key.get_ref()) {
            v.error(
                key.span(),
                &env_field,
                format!(
                    "environment variable name `{}` must start with a letter and contain only letters, digits and `_`",
                    key.get_ref()
                ),
            );
        } else if RESERVED_ENVIRONMENT.contains(&key.get_ref().as_str()) {
            v.error(
                key.span(),
                &env_field,
                format!(
                    "`{}` is reserved: the runtime sets it itself",
                    key.get_ref()
                ),
            );
        }
        environment.push(EnvVar {
            key: key.into_inner(),
            value: value.into_inner(),
        });
    }

    let mut triggers = Vec::new();
    let mut has_url = false;
    for (i, trigger) in raw.triggers.into_iter().enumerate() {
        let trigger_field = format!("{field}.triggers[{i}]");
        check_trigger(&trigger, &trigger_field, v);
        if matches!(trigger.get_ref(), Trigger::Url { .. }) {
            // A function has one URL; two `url` triggers could only disagree.
            if has_url {
                v.error(
                    trigger.span(),
                    &trigger_field,
                    "a function has at most one `url` trigger",
                );
            }
            has_url = true;
        }
        triggers.push(trigger.into_inner());
    }

    let mut permissions = Vec::new();
    for (i, permission) in raw.permissions.into_iter().enumerate() {
        let permission_field = format!("{field}.permissions[{i}]");
        if permission.get_ref().actions.is_empty() {
            v.error(
                permission.span(),
                &permission_field,
                "a permission needs at least one action",
            );
        }
        for action in &permission.get_ref().actions {
            if action != "*" && !is_action_pattern(action) {
                v.error(
                    permission.span(),
                    format!("{permission_field}.actions"),
                    format!("`{action}` is not an action of the form `service:Action`"),
                );
            }
        }
        if permission.get_ref().resources.is_empty() {
            v.error(
                permission.span(),
                &permission_field,
                "a permission needs at least one resource (use \"*\" for any)",
            );
        }
        permissions.push(permission.into_inner());
    }

    Function {
        name,
        runtime: raw.runtime.into_inner(),
        handler: raw.handler.into_inner(),
        code_dir,
        handler_file,
        memory_mb,
        timeout_s,
        environment,
        triggers,
        permissions,
    }
}

/// The module files a handler string may refer to, relative to the project root, in the order
/// the runtime tries them. Empty for custom runtimes, whose entry point is `bootstrap`.
pub fn handler_candidates(runtime: Runtime, code_dir: &str, handler: &str) -> Vec<String> {
    let prefix = if code_dir == "." {
        String::new()
    } else {
        format!("{code_dir}/")
    };
    if runtime.family == RuntimeFamily::Provided {
        return vec![format!("{prefix}bootstrap")];
    }
    let Some((module, _export)) = handler.rsplit_once('.') else {
        return Vec::new();
    };
    let module_path = match runtime.family {
        // Python handlers may name their module with dots (`pkg.app.handler`).
        RuntimeFamily::Python => module.replace('.', "/"),
        _ => module.to_owned(),
    };
    runtime
        .handler_extensions()
        .iter()
        .map(|ext| format!("{prefix}{module_path}.{ext}"))
        .collect()
}

fn check_handler(
    runtime: Runtime,
    code_dir: &str,
    handler: &Spanned<String>,
    field: &str,
    v: &mut Validator<'_>,
    files: &dyn ProjectFiles,
) -> Option<String> {
    let handler_field = format!("{field}.handler");
    let text = handler.get_ref();
    if runtime.family != RuntimeFamily::Provided {
        let well_formed = text
            .rsplit_once('.')
            .is_some_and(|(module, export)| !module.is_empty() && is_identifier(export));
        if !well_formed {
            v.error(
                handler.span(),
                handler_field,
                format!(
                    "handler `{text}` must be `path/to/module.function`, e.g. `src/app.handler`"
                ),
            );
            return None;
        }
    }
    let candidates = handler_candidates(runtime, code_dir, text);
    let found = candidates.iter().find(|c| files.is_file(c)).cloned();
    if found.is_none() {
        v.error(
            handler.span(),
            handler_field,
            format!(
                "handler file not found: looked for {}",
                candidates.join(", ")
            ),
        );
    }
    found
}

fn check_range(
    value: Option<&Spanned<i64>>,
    (min, max): (u32, u32),
    default: u32,
    unit: &str,
    field: &str,
    v: &mut Validator<'_>,
) -> u32 {
    let Some(value) = value else { return default };
    let n = *value.get_ref();
    if n < i64::from(min) || n > i64::from(max) {
        v.error(
            value.span(),
            field,
            format!("{n} is out of range: must be between {min} and {max} {unit}"),
        );
        return n.clamp(i64::from(min), i64::from(max)) as u32;
    }
    n as u32
}

fn check_trigger(trigger: &Spanned<Trigger>, field: &str, v: &mut Validator<'_>) {
    for problem in crate::trigger_check::trigger_problems(trigger.get_ref()) {
        let key = format!("{field}.{}", problem.key);
        match problem.severity {
            Severity::Error => v.error(trigger.span(), key, problem.message),
            _ => v.warning(trigger.span(), key, problem.message),
        }
    }
    if let Trigger::Http {
        method, path, auth, ..
    } = trigger.get_ref()
    {
        if let Ok(route) = crate::route::RoutePattern::parse(method, path) {
            v.routes.push((field.to_owned(), trigger.span(), route));
        }
        if let Some(auth) = auth {
            v.route_auth
                .push((field.to_owned(), trigger.span(), auth.clone()));
        }
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

fn is_action_pattern(action: &str) -> bool {
    action.split_once(':').is_some_and(|(service, name)| {
        !service.is_empty()
            && !name.is_empty()
            && service
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?')
    })
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
