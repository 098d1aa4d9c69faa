//! SAM's APIs: the `AWS::Serverless::HttpApi` and `AWS::Serverless::Api` resources, their
//! `Globals`, and what the `HttpApi` and `Api` events of functions take from them.
//!
//! functory.toml has one HTTP API per project: `[api]` (CORS and JWT authorizers) and the
//! functions' `http` triggers (method, path, auth, payload version). A template may have
//! several APIs, explicit or the implicit `ServerlessHttpApi`/`ServerlessRestApi` SAM makes
//! for events without an `ApiId`/`RestApiId`. The APIs that routes use are merged: the same
//! CORS and the same authorizers once, a differing CORS reported, an authorizer whose name
//! another API uses differently renamed. A REST API's Lambda proxy sends the 1.0 event, so its
//! routes ask for payload 1.0; its Cognito and Lambda authorizers have no functory.toml form
//! and are reported. Routes that use an authorizer functory.toml cannot declare keep its name
//! as their `auth`: `functory check` then says what is missing, and no route that the template
//! protects is imported open.

use functory_core::Cors;
use functory_core::manifest::{HttpApi, JwtAuthorizer};
use functory_lint::parse::{Member, Node, Span};

use crate::sam::Reading;
use crate::source::scalar_text;

/// Where an API Gateway JWT authorizer reads the token unless told otherwise.
pub(crate) const DEFAULT_IDENTITY_SOURCE: &str = "$request.header.Authorization";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApiKind {
    /// API Gateway's HTTP API (`HttpApi` events), the form functory.toml's API takes.
    Http,
    /// API Gateway's REST API (`Api` events).
    Rest,
}

impl ApiKind {
    fn resource_type(self) -> &'static str {
        match self {
            ApiKind::Http => "AWS::Serverless::HttpApi",
            ApiKind::Rest => "AWS::Serverless::Api",
        }
    }

    fn implicit_id(self) -> &'static str {
        match self {
            ApiKind::Http => "ServerlessHttpApi",
            ApiKind::Rest => "ServerlessRestApi",
        }
    }

    fn globals(self) -> &'static str {
        match self {
            ApiKind::Http => "Globals.HttpApi",
            ApiKind::Rest => "Globals.Api",
        }
    }

    fn cors_key(self) -> &'static str {
        match self {
            ApiKind::Http => "CorsConfiguration",
            ApiKind::Rest => "Cors",
        }
    }
}

/// An authorizer an API declares, under the name its routes use in functory.toml.
#[derive(Debug, Clone)]
enum Authorizer {
    Jwt(JwtAuthorizer),
    /// One functory.toml has no form for (a Lambda or Cognito authorizer), and why.
    Other {
        name: String,
        why: String,
    },
}

impl Authorizer {
    fn name(&self) -> &str {
        match self {
            Authorizer::Jwt(a) => &a.name,
            Authorizer::Other { name, .. } => name,
        }
    }
}

#[derive(Debug)]
struct DeclaredAuthorizer {
    /// The name in the template (what events and `DefaultAuthorizer` say).
    sam_name: String,
    span: Span,
    subject: String,
    authorizer: Authorizer,
}

#[derive(Debug)]
struct Api<'n> {
    logical: String,
    kind: ApiKind,
    /// The resource, for explicit APIs.
    resource: Option<&'n Member>,
    /// (CORS, where it is written, its subject, a note for the report line)
    cors: Option<(Cors, Span, String, String)>,
    authorizers: Vec<DeclaredAuthorizer>,
    default_authorizer: Option<String>,
    /// The first route that uses the API: where lines about an implicit API point.
    first_route: Option<(Span, String)>,
    used: bool,
}

/// A resource's properties over its `Globals` section: SAM merges mappings key by key, the
/// resource's own values first. Each layer has the subject its report lines name.
struct Layers<'n>(Vec<(&'n Node, String)>);

impl<'n> Layers<'n> {
    fn walk(node: &'n Node, path: &[&str]) -> Option<&'n Node> {
        path.iter().try_fold(node, |node, key| node.get(key))
    }

    /// The value at `path`, and its subject.
    fn get(&self, path: &[&str]) -> Option<(&'n Node, String)> {
        self.0.iter().find_map(|(layer, subject)| {
            Some((
                Self::walk(layer, path)?,
                format!("{subject}.{}", path.join(".")),
            ))
        })
    }

    /// The members at `path` in every layer, the first of each key, with their subjects.
    fn members(&self, path: &[&str]) -> Vec<(&'n Member, String)> {
        let mut out: Vec<(&'n Member, String)> = Vec::new();
        for (layer, subject) in &self.0 {
            let Some(node) = Self::walk(layer, path) else {
                continue;
            };
            for member in node.as_object().unwrap_or_default() {
                if !out.iter().any(|(m, _)| m.key == member.key) {
                    out.push((
                        member,
                        format!("{subject}.{}.{}", path.join("."), member.key),
                    ));
                }
            }
        }
        out
    }
}

/// Every API of a template, and what its routes took from it.
pub(crate) struct Apis<'n> {
    apis: Vec<Api<'n>>,
    globals: [Option<&'n Node>; 2],
}

impl<'n> Apis<'n> {
    /// Reads the template's APIs (and the implicit ones, from `Globals`). Nothing is reported
    /// as mapped yet: that depends on which APIs routes use ([`Apis::finish`]).
    pub fn read(
        resources: &'n Node,
        globals: Option<&'n Node>,
        r: &mut Reading<'_, '_, '_>,
    ) -> Apis<'n> {
        let http_globals = globals.and_then(|g| g.get("HttpApi"));
        let rest_globals = globals.and_then(|g| g.get("Api"));
        let mut apis = Apis {
            apis: Vec::new(),
            globals: [http_globals, rest_globals],
        };
        for member in resources.as_object().unwrap_or_default() {
            let kind = match member.value.get("Type").and_then(Node::as_str) {
                Some("AWS::Serverless::HttpApi") => ApiKind::Http,
                Some("AWS::Serverless::Api") => ApiKind::Rest,
                _ => continue,
            };
            apis.add(member.key.clone(), kind, Some(member), r);
        }
        for kind in [ApiKind::Http, ApiKind::Rest] {
            if !apis.apis.iter().any(|a| a.logical == kind.implicit_id()) {
                apis.add(kind.implicit_id().to_owned(), kind, None, r);
            }
        }
        apis
    }

    fn layers(&self, kind: ApiKind, resource: Option<&'n Member>) -> Layers<'n> {
        let globals = match kind {
            ApiKind::Http => self.globals[0],
            ApiKind::Rest => self.globals[1],
        };
        let own = resource.and_then(|m| {
            Some((
                m.value.get("Properties")?,
                format!("Resources.{}.Properties", m.key),
            ))
        });
        Layers(
            own.into_iter()
                .chain(globals.map(|g| (g, kind.globals().to_owned())))
                .collect(),
        )
    }

    fn add(
        &mut self,
        logical: String,
        kind: ApiKind,
        resource: Option<&'n Member>,
        r: &mut Reading<'_, '_, '_>,
    ) {
        let layers = self.layers(kind, resource);
        let cors = match kind {
            ApiKind::Http => http_cors(&layers, r),
            ApiKind::Rest => rest_cors(&layers, r),
        };
        let default_authorizer = layers
            .get(&["Auth", "DefaultAuthorizer"])
            .and_then(|(n, subject)| r.text(n, &subject));
        let mut authorizers = Vec::new();
        for (member, subject) in layers.members(&["Auth", "Authorizers"]) {
            let authorizer = match kind {
                ApiKind::Http => self.http_authorizer(member, &subject, &logical, r),
                ApiKind::Rest => rest_authorizer(member),
            };
            authorizers.push(DeclaredAuthorizer {
                sam_name: member.key.clone(),
                span: member.key_span,
                subject,
                authorizer,
            });
        }
        self.apis.push(Api {
            logical,
            kind,
            resource,
            cors,
            authorizers,
            default_authorizer,
            first_route: None,
            used: false,
        });
    }

    /// A JWT (OAuth 2.0) authorizer of an HTTP API, named so that functory.toml accepts the
    /// name and no other API's authorizer of that name but another configuration is confused
    /// with it.
    fn http_authorizer(
        &self,
        member: &Member,
        subject: &str,
        api: &str,
        r: &mut Reading<'_, '_, '_>,
    ) -> Authorizer {
        let config = &member.value;
        let name = authorizer_name(&member.key);
        if config.get("FunctionArn").is_some() {
            return Authorizer::Other {
                name,
                why: "a Lambda authorizer: functory.toml's HTTP API authorizes with IAM or a JWT authorizer (issuer and audiences) only".to_owned(),
            };
        }
        let Some(jwt) = config.get("JwtConfiguration") else {
            return Authorizer::Other {
                name,
                why: "neither a JWT (JwtConfiguration) nor a Lambda authorizer".to_owned(),
            };
        };
        // SAM reads `issuer`/`audience` in either case (OpenAPI's or CloudFormation's).
        let field = |key: &str| jwt.get(key).or_else(|| jwt.get(&capitalized(key)));
        let issuer =
            field("issuer").and_then(|n| r.text(n, &format!("{subject}.JwtConfiguration.issuer")));
        let audiences = field("audience")
            .map(|n| r.texts(n, &format!("{subject}.JwtConfiguration.audience")))
            .unwrap_or_default();
        let Some(issuer) = issuer else {
            return Authorizer::Other {
                name,
                why: "a JWT authorizer without an issuer".to_owned(),
            };
        };
        if audiences.is_empty() {
            return Authorizer::Other {
                name,
                why: "a JWT authorizer without an audience: functory.toml's authorizers accept tokens for the audiences they list".to_owned(),
            };
        }
        if let Some(scopes) = config.member("AuthorizationScopes") {
            r.rep.not_mapped(
                scopes.key_span,
                &format!("{subject}.AuthorizationScopes"),
                "scopes are not part of functory.toml: its JWT authorizers check the issuer and audience, so a token without these scopes is accepted",
            );
        }
        for other in config.as_object().unwrap_or_default() {
            if !["JwtConfiguration", "IdentitySource", "AuthorizationScopes"]
                .contains(&other.key.as_str())
            {
                r.rep.not_mapped(
                    other.key_span,
                    &format!("{subject}.{}", other.key),
                    "not mapped: functory.toml's JWT authorizers have an issuer, audiences and an identity source",
                );
            }
        }
        let identity_source = config
            .get("IdentitySource")
            .and_then(|n| r.text(n, &format!("{subject}.IdentitySource")))
            .unwrap_or_else(|| DEFAULT_IDENTITY_SOURCE.to_owned());
        let mut authorizer = JwtAuthorizer {
            name,
            issuer,
            audiences,
            identity_source,
        };
        // One project, one API: an authorizer of another API with this name but other
        // settings keeps its own, under a name of its own.
        let clashes = |a: &JwtAuthorizer| {
            self.apis.iter().flat_map(|api| &api.authorizers).any(|d| {
                d.authorizer.name() == a.name
                    && !matches!(&d.authorizer, Authorizer::Jwt(other) if other == a)
            })
        };
        if clashes(&authorizer) {
            let base = format!("{}_{api}", authorizer.name);
            authorizer.name = base.clone();
            let mut n = 2;
            while clashes(&authorizer) {
                authorizer.name = format!("{base}{n}");
                n += 1;
            }
        }
        Authorizer::Jwt(authorizer)
    }

    /// The API an event routes to: `ApiId`/`RestApiId` (`!Ref X` or `X`), else the implicit one.
    fn find(
        &self,
        kind: ApiKind,
        reference: Option<&Node>,
        subject: &str,
        r: &mut Reading<'_, '_, '_>,
    ) -> Option<usize> {
        let Some(reference) = reference else {
            return self
                .apis
                .iter()
                .position(|a| a.kind == kind && a.logical == kind.implicit_id());
        };
        let logical = reference
            .get("Ref")
            .and_then(Node::as_str)
            .or_else(|| reference.as_str());
        let found = logical.and_then(|l| {
            self.apis
                .iter()
                .position(|a| a.kind == kind && a.resource.is_some() && a.logical == l)
        });
        if found.is_none() {
            r.rep.not_mapped(
                reference.span,
                subject,
                format!(
                    "names no {} of this template: the route is imported without that API's CORS and authorizers",
                    kind.resource_type()
                ),
            );
        }
        found
    }

    /// The `auth` and `payload_version` of a route, from an `HttpApi` or `Api` event's
    /// properties and the API it routes to.
    pub fn route(
        &mut self,
        kind: ApiKind,
        props: &Node,
        subject: &str,
        r: &mut Reading<'_, '_, '_>,
    ) -> (Option<String>, Option<String>) {
        let p = |key: &str| format!("{subject}.Properties.{key}");
        let reference_key = match kind {
            ApiKind::Http => "ApiId",
            ApiKind::Rest => "RestApiId",
        };
        let index = self.find(kind, props.get(reference_key), &p(reference_key), r);
        if let Some(api) = index.and_then(|i| self.apis.get_mut(i)) {
            api.used = true;
            api.first_route
                .get_or_insert_with(|| (props.span, subject.to_owned()));
        }
        let api = index.and_then(|i| self.apis.get(i));
        let auth = props.get("Auth");
        if let Some(auth) = auth {
            for member in auth.as_object().unwrap_or_default() {
                let why = match (kind, member.key.as_str()) {
                    (_, "Authorizer") => continue,
                    (_, "AuthorizationScopes") => {
                        "scopes are not part of functory.toml: the route's JWT authorizer checks the issuer and audience, so a token without these scopes is accepted"
                    }
                    (ApiKind::Rest, "ApiKeyRequired") => {
                        "API keys are not part of functory.toml: the route is imported without one"
                    }
                    (ApiKind::Rest, "ResourcePolicy") => {
                        "a resource policy (source IPs, VPCs, accounts) is not part of functory.toml: the route is imported without it"
                    }
                    _ => {
                        "not mapped: a route's auth in functory.toml is `none`, `iam` or a JWT authorizer"
                    }
                };
                r.rep.not_mapped(
                    member.key_span,
                    &format!("{}.{}", p("Auth"), member.key),
                    why,
                );
            }
        }
        let given = auth
            .and_then(|a| a.get("Authorizer"))
            .map(|n| (n, r.text(n, &format!("{}.Authorizer", p("Auth")))));
        let (name, span) = match given {
            Some((node, Some(name))) => (Some(name), node.span),
            Some((_, None)) => (None, props.span),
            None => match api.and_then(|a| a.default_authorizer.clone()) {
                Some(default) => (Some(default), props.span),
                None => (None, props.span),
            },
        };
        let auth = name.map(|name| match name.as_str() {
            "NONE" => "none".to_owned(),
            "AWS_IAM" => "iam".to_owned(),
            other => {
                let declared = api.and_then(|a| a.authorizers.iter().find(|d| d.sam_name == other));
                let api_name = api.map_or_else(|| "the API".to_owned(), describe_api);
                match declared.map(|d| &d.authorizer) {
                    Some(Authorizer::Jwt(jwt)) => jwt.name.clone(),
                    Some(Authorizer::Other { name, why }) => {
                        r.rep.not_mapped(
                            span,
                            subject,
                            format!(
                                "authorizer `{other}` of {api_name} is {why}; the route keeps `auth = \"{name}\"`, which `functory check` reports until [api.authorizers.{name}] declares a JWT authorizer or the route's auth changes"
                            ),
                        );
                        name.clone()
                    }
                    None => {
                        let name = authorizer_name(other);
                        r.rep.not_mapped(
                            span,
                            subject,
                            format!(
                                "authorizer `{other}` is not declared in the Auth.Authorizers of {api_name}; the route keeps `auth = \"{name}\"`, which `functory check` reports until it is declared"
                            ),
                        );
                        name
                    }
                }
            }
        });
        let payload = match kind {
            // A REST API's Lambda proxy integration sends the 1.0 event.
            ApiKind::Rest => Some("1.0".to_owned()),
            ApiKind::Http => match props.get("PayloadFormatVersion") {
                None => None,
                Some(node) => match r.text(node, &p("PayloadFormatVersion")).as_deref() {
                    Some("1.0") => Some("1.0".to_owned()),
                    Some("2.0") | None => None,
                    Some(other) => {
                        r.rep.not_mapped(
                            node.span,
                            &p("PayloadFormatVersion"),
                            format!("payload format `{other}` is neither 1.0 nor 2.0; the route gets 2.0"),
                        );
                        None
                    }
                },
            },
        };
        (auth, payload)
    }

    /// The project's `[api]` from the APIs routes use, with a report line for every setting
    /// of every API: mapped, merged, conflicting, or not part of functory.toml.
    pub fn finish(self, r: &mut Reading<'_, '_, '_>) -> HttpApi {
        let mut out = HttpApi::default();
        // (CORS, the API it came from, where it is written)
        let mut kept_cors: Option<(Cors, String, Span)> = None;
        for api in self.apis.iter().filter(|a| a.used) {
            if let Some((cors, span, subject, note)) = &api.cors {
                match &kept_cors {
                    None => {
                        r.rep.mapped(*span, subject, format!("[api].cors{note}"));
                        out.cors = Some(cors.clone());
                        kept_cors = Some((cors.clone(), describe_api(api), *span));
                    }
                    // Globals' CORS, which every API has.
                    Some((_, _, kept_span)) if kept_span == span => {}
                    Some((kept, _, _)) if kept == cors => {
                        r.rep.mapped(*span, subject, "[api].cors (the same for every API)");
                    }
                    Some((_, from, _)) => r.rep.not_mapped(
                        *span,
                        subject,
                        format!(
                            "CORS differs from that of {from}, which [api].cors keeps: functory.toml has one HTTP API per project"
                        ),
                    ),
                }
            }
            for declared in &api.authorizers {
                match &declared.authorizer {
                    Authorizer::Jwt(jwt) => {
                        let renamed = if jwt.name == declared.sam_name {
                            String::new()
                        } else {
                            format!(
                                " (renamed from `{}`: {})",
                                declared.sam_name,
                                if authorizer_name(&declared.sam_name) == jwt.name {
                                    "authorizer names are letters, digits and `_`"
                                } else {
                                    "another API has an authorizer of that name with other settings"
                                }
                            )
                        };
                        r.rep.mapped(
                            declared.span,
                            &declared.subject,
                            format!("[api.authorizers.{}]{renamed}", jwt.name),
                        );
                        if !out.authorizers.contains(jwt) {
                            out.authorizers.push(jwt.clone());
                        }
                    }
                    Authorizer::Other { why, .. } => r.rep.not_mapped(
                        declared.span,
                        &declared.subject,
                        format!("{why}; not imported"),
                    ),
                }
            }
        }
        if let Some((_, from, _)) = &kept_cors {
            for api in self.apis.iter().filter(|a| a.used && a.cors.is_none()) {
                let (span, subject) = api_place(api);
                r.rep.not_mapped(
                    span,
                    &subject,
                    format!(
                        "this API has no CORS, yet its routes answer with [api].cors (from {from}): functory.toml has one HTTP API per project"
                    ),
                );
            }
        }
        for api in &self.apis {
            let Some(resource) = api.resource else {
                continue;
            };
            let subject = format!("Resources.{}", resource.key);
            if !api.used {
                r.rep.not_mapped(
                    resource.key_span,
                    &subject,
                    format!(
                        "no event of a function in this template routes to this {}: its settings are not imported",
                        api.kind.resource_type()
                    ),
                );
                continue;
            }
            r.rep.mapped(
                resource.key_span,
                &subject,
                match api.kind {
                    ApiKind::Http => "the project's HTTP API: its routes are the http triggers of the events that name it".to_owned(),
                    ApiKind::Rest => "its routes become http triggers of the project's HTTP API with payload_version 1.0, the event a REST API's Lambda proxy sends".to_owned(),
                },
            );
            if let Some(props) = resource.value.get("Properties") {
                report_settings(api.kind, props, &format!("{subject}.Properties"), r);
            }
        }
        for kind in [ApiKind::Http, ApiKind::Rest] {
            let globals = match kind {
                ApiKind::Http => self.globals[0],
                ApiKind::Rest => self.globals[1],
            };
            let Some(globals) = globals else {
                continue;
            };
            if self.apis.iter().any(|a| a.kind == kind && a.used) {
                report_settings(kind, globals, kind.globals(), r);
            } else {
                for member in globals.as_object().unwrap_or_default() {
                    r.rep.not_mapped(
                        member.key_span,
                        &format!("{}.{}", kind.globals(), member.key),
                        format!(
                            "no event of a function in this template routes to an {}",
                            kind.resource_type()
                        ),
                    );
                }
            }
        }
        out
    }
}

fn describe_api(api: &Api<'_>) -> String {
    match api.resource {
        Some(m) => format!("Resources.{}", m.key),
        None => format!("the implicit {} ({})", api.logical, api.kind.globals()),
    }
}

/// Where a report line about a whole API points: the resource, or the first route of an
/// implicit API.
fn api_place(api: &Api<'_>) -> (Span, String) {
    match (api.resource, &api.first_route) {
        (Some(m), _) => (m.key_span, format!("Resources.{}", m.key)),
        (None, Some((span, subject))) => (*span, subject.clone()),
        (None, None) => (Span::default(), api.kind.globals().to_owned()),
    }
}

/// The report lines for an API's settings other than CORS and authorizers (which
/// [`Apis::finish`] reports as it merges them).
fn report_settings(kind: ApiKind, props: &Node, subject: &str, r: &mut Reading<'_, '_, '_>) {
    for member in props.as_object().unwrap_or_default() {
        let key = member.key.as_str();
        let item = format!("{subject}.{key}");
        if key == kind.cors_key() {
            continue;
        }
        if key == "Auth" {
            for setting in member.value.as_object().unwrap_or_default() {
                let item = format!("{item}.{}", setting.key);
                match (kind, setting.key.as_str()) {
                    (_, "Authorizers") => {}
                    (_, "DefaultAuthorizer") => r.rep.mapped(
                        setting.key_span,
                        &item,
                        "the auth of every route of this API that names no authorizer",
                    ),
                    (ApiKind::Http, "EnableIamAuthorizer") => r.rep.mapped(
                        setting.key_span,
                        &item,
                        "routes with Authorizer AWS_IAM get auth = \"iam\"",
                    ),
                    (ApiKind::Rest, "ApiKeyRequired") => r.rep.not_mapped(
                        setting.key_span,
                        &item,
                        "API keys are not part of functory.toml: the routes are imported without one",
                    ),
                    (ApiKind::Rest, "ResourcePolicy") => r.rep.not_mapped(
                        setting.key_span,
                        &item,
                        "a resource policy (source IPs, VPCs, accounts) is not part of functory.toml: the routes are imported without it",
                    ),
                    _ => r.rep.not_mapped(
                        setting.key_span,
                        &item,
                        "not mapped: functory.toml's API has CORS and JWT authorizers, and each route's auth",
                    ),
                }
            }
            continue;
        }
        let why = match key {
            "StageName" => {
                "the stage is set per target: `api_stage` in [targets.NAME] (the `$default` stage unless set)"
            }
            "DefinitionBody" | "DefinitionUri" => {
                "an OpenAPI definition: functory.toml's routes are the functions' http triggers; routes only in the definition are not imported"
            }
            "Domain" => "custom domains are not part of functory.toml",
            "DefaultRouteSettings" | "RouteSettings" | "MethodSettings" => {
                "throttling is set per target: `throttling` in [targets.NAME]"
            }
            "Name" | "Description" | "Tags" | "PropagateTags" => {
                "functory names and tags the API itself, per project and target"
            }
            _ => "not mapped: functory.toml has no such API setting",
        };
        r.rep.not_mapped(member.key_span, &item, why);
    }
}

/// Why a route setting of an `HttpApi` or `Api` event is not in functory.toml.
pub(crate) fn route_setting_note(key: &str) -> &'static str {
    match key {
        "TimeoutInMillis" => {
            "the integration timeout is not part of functory.toml: API Gateway waits up to 30 s, and the function's timeout_s applies"
        }
        "RouteSettings" => {
            "per-route throttling and logging are not part of functory.toml: a target's `throttling` applies to every route"
        }
        "RequestModel" | "RequestParameters" => {
            "request validation is not part of functory.toml: the handler sees every request"
        }
        "Stage" => "the stage is set per target: `api_stage` in [targets.NAME]",
        _ => "not mapped: functory.toml has no such route setting",
    }
}

/// An HTTP API's `CorsConfiguration`: `true` (any origin, as SAM reads it) or the object form.
fn http_cors(
    layers: &Layers<'_>,
    r: &mut Reading<'_, '_, '_>,
) -> Option<(Cors, Span, String, String)> {
    let (node, subject) = layers.get(&["CorsConfiguration"])?;
    if node.as_object().is_some() && !node.is_intrinsic() {
        let keys = [
            "AllowOrigins",
            "AllowMethods",
            "AllowHeaders",
            "ExposeHeaders",
            "AllowCredentials",
            "MaxAge",
        ];
        let mut cors = Cors::default();
        for (member, item) in layers.members(&["CorsConfiguration"]) {
            let value = &member.value;
            match member.key.as_str() {
                "AllowOrigins" => cors.allow_origins = r.texts(value, &item),
                "AllowMethods" => cors.allow_methods = r.texts(value, &item),
                "AllowHeaders" => cors.allow_headers = r.texts(value, &item),
                "ExposeHeaders" => cors.expose_headers = r.texts(value, &item),
                "AllowCredentials" => {
                    cors.allow_credentials = scalar_text(value).is_some_and(|t| t == "true");
                }
                "MaxAge" => cors.max_age = r.number(value, &item),
                _ => r.rep.not_mapped(
                    member.key_span,
                    &item,
                    format!("not a CORS setting ({})", keys.join(", ")),
                ),
            }
        }
        return Some((cors, node.span, subject, String::new()));
    }
    match scalar_text(node).as_deref() {
        Some("false") => None,
        Some("true") => Some((
            Cors {
                allow_origins: vec!["*".to_owned()],
                ..Cors::default()
            },
            node.span,
            subject,
            " (`true`: any origin, as SAM reads it)".to_owned(),
        )),
        _ => {
            // An origin given as a value (SAM passes an intrinsic through as AllowOrigins).
            let origin = r.text(node, &subject)?;
            Some((
                Cors {
                    allow_origins: vec![origin],
                    ..Cors::default()
                },
                node.span,
                subject,
                " (the origin allowed)".to_owned(),
            ))
        }
    }
}

/// A REST API's `Cors`: `"'origin'"`, or the object form whose values are quoted header
/// values (`"'GET,POST'"`).
fn rest_cors(
    layers: &Layers<'_>,
    r: &mut Reading<'_, '_, '_>,
) -> Option<(Cors, Span, String, String)> {
    let (node, subject) = layers.get(&["Cors"])?;
    let mut cors = Cors::default();
    let mut note = String::new();
    if node.as_object().is_some() && !node.is_intrinsic() {
        for (member, item) in layers.members(&["Cors"]) {
            let value = &member.value;
            match member.key.as_str() {
                "AllowOrigin" => cors.allow_origins = header_values(r.text(value, &item)),
                "AllowMethods" => cors.allow_methods = header_values(r.text(value, &item)),
                "AllowHeaders" => cors.allow_headers = header_values(r.text(value, &item)),
                "MaxAge" => {
                    let text = r.text(value, &item).unwrap_or_default();
                    let text = text.trim().trim_matches('\'');
                    cors.max_age = text.parse().ok();
                    if cors.max_age.is_none() {
                        r.rep.not_mapped(value.span, &item, format!("`{text}` is not a number of seconds"));
                    }
                }
                "AllowCredentials" => {
                    cors.allow_credentials = scalar_text(value).is_some_and(|t| t == "true");
                }
                _ => r.rep.not_mapped(
                    member.key_span,
                    &item,
                    "not a CORS setting (AllowOrigin, AllowMethods, AllowHeaders, MaxAge, AllowCredentials)",
                ),
            }
        }
    } else {
        cors.allow_origins = header_values(r.text(node, &subject));
    }
    if cors.allow_methods.is_empty() {
        // SAM answers a preflight with the methods the path has.
        cors.allow_methods = vec!["*".to_owned()];
        note = " (no AllowMethods: SAM allows the methods each path has; `*` here)".to_owned();
    }
    Some((cors, node.span, subject, note))
}

/// `'GET, POST'` → `["GET", "POST"]`: a REST API's CORS values are header values in quotes.
fn header_values(text: Option<String>) -> Vec<String> {
    let Some(text) = text else {
        return Vec::new();
    };
    let text = text.trim();
    let text = text
        .strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .unwrap_or(text);
    text.split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A REST API's authorizer: Cognito user pools and Lambda functions, neither of which
/// functory.toml's HTTP API has.
fn rest_authorizer(member: &Member) -> Authorizer {
    let config = &member.value;
    let why = if config.get("UserPoolArn").is_some() {
        "a Cognito user pool authorizer of a REST API: functory.toml's HTTP API has JWT authorizers instead; declare [api.authorizers.NAME] with issuer `https://cognito-idp.REGION.amazonaws.com/POOL_ID` and the app client ids as audiences"
    } else if config.get("FunctionArn").is_some() {
        "a Lambda authorizer of a REST API: functory.toml's HTTP API authorizes with IAM or a JWT authorizer (issuer and audiences) only"
    } else {
        "an authorizer of a REST API that functory.toml has no form for"
    };
    Authorizer::Other {
        name: authorizer_name(&member.key),
        why: why.to_owned(),
    }
}

/// A template's authorizer name as functory.toml accepts it: letters, digits and `_`, not
/// `none` or `iam` (the other kinds of auth).
pub(crate) fn authorizer_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    if out == "none" || out == "iam" {
        out.push_str("_jwt");
    }
    out
}

fn capitalized(key: &str) -> String {
    let mut chars = key.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_header_values() {
        assert_eq!(authorizer_name("MyAuth"), "MyAuth");
        assert_eq!(authorizer_name("my-auth"), "my_auth");
        assert_eq!(authorizer_name("1st"), "_1st");
        assert_eq!(authorizer_name("iam"), "iam_jwt");
        assert_eq!(
            header_values(Some("'GET, POST,OPTIONS'".into())),
            ["GET", "POST", "OPTIONS"]
        );
        assert_eq!(header_values(Some("'*'".into())), ["*"]);
        assert_eq!(capitalized("issuer"), "Issuer");
    }
}
