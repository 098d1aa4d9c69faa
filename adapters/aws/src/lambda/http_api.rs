//! `http` triggers on AWS: the project's HTTP API (API Gateway v2), one per project and target
//! (`functory-<project>-<target>`, tagged `functory:project` / `functory:target`), shared by
//! every function of the project.
//!
//! Each function's deploy brings the API to what the manifest says for the parts it shares
//! (CORS, the stage with its throttling, the JWT authorizers: the same answer whichever function
//! deploys first, so later deploys find nothing to do) and owns its own parts: one Lambda proxy
//! integration per payload version aimed at its stage alias, its routes, and one statement of
//! its resource policy letting API Gateway invoke it for this API only
//! (`arn:aws:execute-api:REGION:ACCOUNT:API_ID/*`). A route another function of the manifest
//! still declares is a plan error; one it no longer declares is taken over. Routes are read
//! with `functory_core::route`, the one route reader.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_sdk_apigatewayv2::types::{
    AuthorizationType, AuthorizerType, Cors as ApiCors, IntegrationType, JwtConfiguration,
    ProtocolType, RouteSettings,
};
use functory_adapter::plan::planned_change as change;
use functory_adapter::{AdapterError, ChangeAction, PlannedChange, ResourceKind, Result};
use functory_core::manifest::{HttpApi, JwtAuthorizer, Throttling};
use functory_core::route::RoutePattern;
use functory_core::{Cors, Function, Trigger};

use super::AwsAdapter;
use super::resource_policy::ResourceStatement;

const TAG_PROJECT: &str = "functory:project";
const TAG_TARGET: &str = "functory:target";
/// `functory:authorizer:NAME` = the id of the JWT authorizer Functory made for `NAME`: how a
/// later deploy finds it (an authorizer has no tags of its own to look it up by).
const TAG_AUTHORIZER: &str = "functory:authorizer:";
/// The statement of a function's resource policy that lets one API invoke it.
const INVOKE_SID_PREFIX: &str = "functory-apigw-";
/// The stage served at the API's root.
pub(crate) const DEFAULT_STAGE: &str = "$default";

/// Who may call a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RouteAuth {
    None,
    Iam,
    Jwt(String),
}

/// A route of the function, as the manifest declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WantedRoute {
    /// `GET /users/{id}`.
    pub key: String,
    pub payload: String,
    pub auth: RouteAuth,
}

/// What the project's API should be on this target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiSettings {
    pub name: String,
    pub project: String,
    pub target: String,
    pub stage: String,
    pub cors: Option<Cors>,
    pub authorizers: Vec<JwtAuthorizer>,
    pub throttling: Option<Throttling>,
}

impl ApiSettings {
    pub(crate) fn new(
        project: &str,
        target: &str,
        api: &HttpApi,
        stage: Option<&str>,
        throttling: Option<Throttling>,
    ) -> Self {
        ApiSettings {
            name: super::role::bounded_name(&format!("functory-{project}-{target}"), "", 128),
            project: project.to_owned(),
            target: target.to_owned(),
            stage: stage.unwrap_or(DEFAULT_STAGE).to_owned(),
            cors: api.cors.clone(),
            authorizers: api.authorizers.clone(),
            throttling,
        }
    }
}

/// The `http` routes of `function`.
pub(crate) fn wanted(function: &Function) -> Vec<WantedRoute> {
    function
        .triggers
        .iter()
        .filter_map(|t| match t {
            Trigger::Http {
                method,
                path,
                auth,
                payload_version,
            } => {
                let route = RoutePattern::parse(method, path).ok()?;
                Some(WantedRoute {
                    key: route.route_key(),
                    payload: payload_version.clone().unwrap_or_else(|| "2.0".to_owned()),
                    auth: match auth.as_deref() {
                        None | Some("none") => RouteAuth::None,
                        Some("iam") => RouteAuth::Iam,
                        Some(name) => RouteAuth::Jwt(name.to_owned()),
                    },
                })
            }
            _ => None,
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ObservedStage {
    pub burst_limit: Option<i32>,
    pub rate_limit: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObservedAuthorizer {
    pub id: String,
    pub name: String,
    pub issuer: String,
    pub audiences: Vec<String>,
    pub identity_source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObservedIntegration {
    pub id: String,
    pub uri: String,
    pub payload: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObservedRoute {
    pub id: String,
    pub key: String,
    /// The integration id of its `integrations/ID` target.
    pub integration: Option<String>,
    pub auth_type: String,
    pub authorizer_id: Option<String>,
}

/// What exists of the project's API on this target.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ObservedApi {
    pub id: String,
    pub endpoint: String,
    pub cors: Option<Cors>,
    pub stage: Option<ObservedStage>,
    pub authorizers: Vec<ObservedAuthorizer>,
    pub integrations: Vec<ObservedIntegration>,
    pub routes: Vec<ObservedRoute>,
}

/// What is known of one project's API on one target.
#[derive(Debug, Clone, Default)]
struct KnownApi {
    /// (API id, endpoint), once found or made.
    found: Option<(String, String)>,
    /// Everything a plan reads of it, until this adapter changes something of it: the
    /// functions of one deploy share one API, so a deploy that changes nothing reads it once.
    observed: Option<ObservedApi>,
}

/// APIs already found and read, by (project, target), for the adapter's lifetime (one command).
#[derive(Debug, Clone, Default)]
pub(crate) struct ApiDirectory(Arc<Mutex<BTreeMap<(String, String), KnownApi>>>);

impl ApiDirectory {
    fn with<T>(&self, project: &str, target: &str, f: impl FnOnce(&mut KnownApi) -> T) -> T {
        let mut all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(all
            .entry((project.to_owned(), target.to_owned()))
            .or_default())
    }

    fn get(&self, project: &str, target: &str) -> Option<(String, String)> {
        self.with(project, target, |known| known.found.clone())
    }

    fn put(&self, project: &str, target: &str, id: &str, endpoint: &str) {
        self.with(project, target, |known| {
            known.found = Some((id.to_owned(), endpoint.to_owned()));
        });
    }

    fn observed(&self, project: &str, target: &str) -> Option<ObservedApi> {
        self.with(project, target, |known| known.observed.clone())
    }

    fn remember(&self, project: &str, target: &str, observed: &ObservedApi) {
        self.with(project, target, |known| {
            known.observed = Some(observed.clone());
        });
    }

    /// Something of the API changed: the next plan reads it again.
    fn forget_observed(&self, project: &str, target: &str) {
        self.with(project, target, |known| known.observed = None);
    }
}

/// The function's name and qualifier in a Lambda ARN or integration URI.
fn function_of_uri(uri: &str) -> Option<(&str, Option<&str>)> {
    let rest = uri.split(":function:").nth(1)?;
    let rest = rest.split('/').next().unwrap_or(rest);
    let mut parts = rest.splitn(2, ':');
    let name = parts.next()?;
    Some((name, parts.next()))
}

/// The `execute-api` ARN of every route and stage of `api_id`, in the function's account and
/// region (read from its ARN).
fn source_arn(function_arn: &str, api_id: &str) -> String {
    let parts: Vec<&str> = function_arn.split(':').collect();
    let partition = parts.get(1).copied().unwrap_or("aws");
    let region = parts.get(3).copied().unwrap_or("*");
    let account = parts.get(4).copied().unwrap_or("*");
    format!("arn:{partition}:execute-api:{region}:{account}:{api_id}/*")
}

pub(crate) fn invoke_sid(api_id: &str) -> String {
    format!("{INVOKE_SID_PREFIX}{api_id}")
}

/// The URL the API serves the stage at.
pub(crate) fn stage_url(endpoint: &str, stage: &str) -> String {
    if stage == DEFAULT_STAGE {
        format!("{}/", endpoint.trim_end_matches('/'))
    } else {
        format!("{}/{stage}/", endpoint.trim_end_matches('/'))
    }
}

fn sdk_cors(cors: &Cors) -> ApiCors {
    ApiCors::builder()
        .set_allow_origins(Some(cors.allow_origins.clone()).filter(|v| !v.is_empty()))
        .set_allow_methods(Some(cors.allow_methods.clone()).filter(|v| !v.is_empty()))
        .set_allow_headers(Some(cors.allow_headers.clone()).filter(|v| !v.is_empty()))
        .set_expose_headers(Some(cors.expose_headers.clone()).filter(|v| !v.is_empty()))
        .set_allow_credentials(cors.allow_credentials.then_some(true))
        .set_max_age(cors.max_age.and_then(|a| i32::try_from(a).ok()))
        .build()
}

fn core_cors(cors: &ApiCors) -> Cors {
    Cors {
        allow_origins: cors.allow_origins().to_vec(),
        allow_methods: cors.allow_methods().to_vec(),
        allow_headers: cors.allow_headers().to_vec(),
        expose_headers: cors.expose_headers().to_vec(),
        allow_credentials: cors.allow_credentials().unwrap_or(false),
        max_age: cors.max_age().and_then(|a| u32::try_from(a).ok()),
    }
}

/// CORS as the API compares it: lists as sets, an empty configuration as none.
fn normalized(cors: Option<&Cors>) -> Option<Cors> {
    let mut cors = cors?.clone();
    for list in [
        &mut cors.allow_origins,
        &mut cors.allow_methods,
        &mut cors.allow_headers,
        &mut cors.expose_headers,
    ] {
        list.sort();
        list.dedup();
    }
    (cors != Cors::default()).then_some(cors)
}

/// One change to the API, applied in order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiStep {
    CreateApi,
    UpdateCors,
    DeleteCors,
    CreateStage,
    UpdateStage,
    CreateAuthorizer(String),
    UpdateAuthorizer(String, String),
    CreateIntegration(String),
    CreateRoute(WantedRoute),
    UpdateRoute(String, WantedRoute),
    DeleteRoute(String),
    DeleteIntegration(String),
    AllowInvoke,
    RevokeInvoke(String),
}

/// What a plan of the function's routes needs besides the manifest.
pub(crate) struct ApiPlanInput<'a> {
    pub settings: &'a ApiSettings,
    pub function: &'a str,
    pub routes: &'a [WantedRoute],
    pub observed: Option<&'a ObservedApi>,
    /// The stage alias ARN the integrations target, when the function exists.
    pub alias_arn: Option<&'a str>,
    /// The route keys other functions of the manifest declare, by function.
    pub others: &'a BTreeMap<String, Vec<String>>,
    /// The function's (stage's) resource policy statements.
    pub statements: &'a [ResourceStatement],
}

/// The changes and steps that bring the function's routes, and the API's shared settings, to
/// what the manifest says.
pub(crate) fn plan(input: &ApiPlanInput<'_>) -> Result<(Vec<PlannedChange>, Vec<ApiStep>)> {
    let ApiPlanInput {
        settings,
        function,
        routes,
        observed,
        alias_arn,
        others,
        statements,
    } = input;
    let mut changes = Vec::new();
    let mut steps = Vec::new();
    let ours = |uri: &str| match (function_of_uri(uri), alias_arn) {
        (Some(found), Some(alias)) => function_of_uri(alias) == Some(found),
        (Some((name, qualifier)), None) => {
            name == *function && qualifier == Some(settings.target.as_str())
        }
        _ => false,
    };
    let our_integrations: Vec<&ObservedIntegration> = observed
        .map(|api| api.integrations.iter().filter(|i| ours(&i.uri)).collect())
        .unwrap_or_default();
    let our_routes: Vec<&ObservedRoute> = observed
        .map(|api| {
            api.routes
                .iter()
                .filter(|r| {
                    r.integration
                        .as_ref()
                        .is_some_and(|id| our_integrations.iter().any(|i| &i.id == id))
                })
                .collect()
        })
        .unwrap_or_default();
    if routes.is_empty() && our_routes.is_empty() && our_integrations.is_empty() {
        // Nothing of this function's on the API; a leftover permission is still ours to remove.
        if let Some(statement) = statements
            .iter()
            .find(|s| s.sid.starts_with(INVOKE_SID_PREFIX))
        {
            changes.push(change(
                ResourceKind::Permission,
                "API Gateway invoke",
                ChangeAction::Delete,
                vec!["no `http` trigger in functory.toml".to_owned()],
                &["RemovePermission"],
            ));
            steps.push(ApiStep::RevokeInvoke(statement.sid.clone()));
        }
        return Ok((changes, steps));
    }

    // A route declared by two functions: the cloud takes one, so the plan refuses.
    for route in routes.iter() {
        if let Some((owner, _)) = others
            .iter()
            .find(|(_, keys)| keys.iter().any(|k| k == &route.key))
        {
            return Err(AdapterError::invalid(format!(
                "function `{function}`: route `{}` is also declared by function `{owner}`; one HTTP API route goes to one function",
                route.key
            )));
        }
    }

    // The API and its shared settings.
    let api_label = settings.name.as_str();
    match observed {
        None => {
            changes.push(change(
                ResourceKind::Api,
                api_label,
                ChangeAction::Create,
                vec![format!(
                    "HTTP API{}",
                    if settings.cors.is_some() {
                        " with CORS"
                    } else {
                        ""
                    }
                )],
                &["CreateApi"],
            ));
            steps.push(ApiStep::CreateApi);
        }
        Some(api) => {
            let want = normalized(settings.cors.as_ref());
            let have = normalized(api.cors.as_ref());
            if want == have {
                changes.push(PlannedChange::no_op(ResourceKind::Api, api_label));
            } else if want.is_none() {
                changes.push(change(
                    ResourceKind::Api,
                    api_label,
                    ChangeAction::Update,
                    vec!["CORS removed".to_owned()],
                    &["DeleteCorsConfiguration"],
                ));
                steps.push(ApiStep::DeleteCors);
            } else {
                changes.push(change(
                    ResourceKind::Api,
                    api_label,
                    ChangeAction::Update,
                    vec!["CORS".to_owned()],
                    &["UpdateApi"],
                ));
                steps.push(ApiStep::UpdateCors);
            }
        }
    }
    let stage_label = format!("stage {}", settings.stage);
    let throttling_text = |t: &Throttling| {
        format!(
            "throttling {} requests/s, bursts of {}",
            t.rate_limit, t.burst_limit
        )
    };
    match observed.and_then(|api| api.stage.as_ref()) {
        None => {
            changes.push(change(
                ResourceKind::Api,
                &stage_label,
                ChangeAction::Create,
                settings.throttling.iter().map(throttling_text).collect(),
                &["CreateStage"],
            ));
            steps.push(ApiStep::CreateStage);
        }
        Some(stage) => match &settings.throttling {
            Some(want)
                if stage.burst_limit != i32::try_from(want.burst_limit).ok()
                    || stage.rate_limit != Some(f64::from(want.rate_limit)) =>
            {
                changes.push(change(
                    ResourceKind::Api,
                    &stage_label,
                    ChangeAction::Update,
                    vec![throttling_text(want)],
                    &["UpdateStage"],
                ));
                steps.push(ApiStep::UpdateStage);
            }
            _ => changes.push(PlannedChange::no_op(ResourceKind::Api, &stage_label)),
        },
    }
    // Authorizers the function's routes use.
    for name in routes
        .iter()
        .filter_map(|r| match &r.auth {
            RouteAuth::Jwt(name) => Some(name.as_str()),
            _ => None,
        })
        .collect::<std::collections::BTreeSet<_>>()
    {
        let Some(want) = settings.authorizers.iter().find(|a| a.name == name) else {
            return Err(AdapterError::invalid(format!(
                "function `{function}`: a route names authorizer `{name}`, which [api.authorizers] does not declare"
            )));
        };
        let label = format!("authorizer {name}");
        match observed.and_then(|api| api.authorizers.iter().find(|a| a.name == name)) {
            None => {
                changes.push(change(
                    ResourceKind::Api,
                    &label,
                    ChangeAction::Create,
                    vec![format!("JWT from {}", want.issuer)],
                    &["CreateAuthorizer", "TagResource"],
                ));
                steps.push(ApiStep::CreateAuthorizer(name.to_owned()));
            }
            Some(have)
                if have.issuer != want.issuer
                    || sorted(&have.audiences) != sorted(&want.audiences)
                    || have.identity_source != want.identity_source =>
            {
                changes.push(change(
                    ResourceKind::Api,
                    &label,
                    ChangeAction::Update,
                    vec![format!(
                        "issuer {}, audiences {}",
                        want.issuer,
                        want.audiences.join(", ")
                    )],
                    &["UpdateAuthorizer"],
                ));
                steps.push(ApiStep::UpdateAuthorizer(have.id.clone(), name.to_owned()));
            }
            Some(_) => changes.push(PlannedChange::no_op(ResourceKind::Api, &label)),
        }
    }

    // The function's integrations, one per payload version its routes use.
    let payloads: std::collections::BTreeSet<&str> =
        routes.iter().map(|r| r.payload.as_str()).collect();
    for payload in &payloads {
        let label = format!("integration {function} (payload {payload})");
        if our_integrations.iter().any(|i| i.payload == *payload) {
            changes.push(PlannedChange::no_op(ResourceKind::Api, &label));
        } else {
            changes.push(change(
                ResourceKind::Api,
                &label,
                ChangeAction::Create,
                vec![format!("Lambda proxy to stage {}", settings.target)],
                &["CreateIntegration"],
            ));
            steps.push(ApiStep::CreateIntegration((*payload).to_owned()));
        }
    }

    // The routes.
    let integration_payload = |id: &str| {
        observed.and_then(|api| {
            api.integrations
                .iter()
                .find(|i| i.id == id)
                .map(|i| (i.payload.clone(), ours(&i.uri)))
        })
    };
    let authorizer_name = |id: &str| {
        observed.and_then(|api| {
            api.authorizers
                .iter()
                .find(|a| a.id == id)
                .map(|a| a.name.clone())
        })
    };
    let mut kept: Vec<&str> = Vec::new();
    for route in routes.iter() {
        let label = format!("route {}", route.key);
        let existing = observed.and_then(|api| api.routes.iter().find(|r| r.key == route.key));
        let auth_text = match &route.auth {
            RouteAuth::None => "open".to_owned(),
            RouteAuth::Iam => "IAM-signed".to_owned(),
            RouteAuth::Jwt(name) => format!("JWT `{name}`"),
        };
        match existing {
            None => {
                changes.push(change(
                    ResourceKind::Trigger,
                    &label,
                    ChangeAction::Create,
                    vec![format!("payload {}, {auth_text}", route.payload)],
                    &["CreateRoute"],
                ));
                steps.push(ApiStep::CreateRoute(route.clone()));
            }
            Some(have) => {
                kept.push(&have.id);
                let target = have.integration.as_deref().and_then(integration_payload);
                let same_target = target
                    .as_ref()
                    .is_some_and(|(payload, mine)| *mine && *payload == route.payload);
                let same_auth = match &route.auth {
                    RouteAuth::None => have.auth_type == "NONE",
                    RouteAuth::Iam => have.auth_type == "AWS_IAM",
                    RouteAuth::Jwt(name) => {
                        have.auth_type == "JWT"
                            && have
                                .authorizer_id
                                .as_deref()
                                .and_then(authorizer_name)
                                .as_deref()
                                == Some(name.as_str())
                    }
                };
                if same_target && same_auth {
                    changes.push(PlannedChange::no_op(ResourceKind::Trigger, &label));
                } else {
                    let mut details = Vec::new();
                    if !same_target {
                        details.push(match &target {
                            Some((_, false)) => {
                                "taken over from a function that no longer declares it".to_owned()
                            }
                            _ => format!("payload {}", route.payload),
                        });
                    }
                    if !same_auth {
                        details.push(auth_text);
                    }
                    changes.push(change(
                        ResourceKind::Trigger,
                        &label,
                        ChangeAction::Update,
                        details,
                        &["UpdateRoute"],
                    ));
                    steps.push(ApiStep::UpdateRoute(have.id.clone(), route.clone()));
                }
            }
        }
    }
    for route in our_routes.iter().filter(|r| !kept.contains(&r.id.as_str())) {
        changes.push(change(
            ResourceKind::Trigger,
            &format!("route {}", route.key),
            ChangeAction::Delete,
            vec!["no such `http` trigger in functory.toml".to_owned()],
            &["DeleteRoute"],
        ));
        steps.push(ApiStep::DeleteRoute(route.id.clone()));
    }
    for integration in our_integrations
        .iter()
        .filter(|i| !payloads.contains(i.payload.as_str()))
    {
        changes.push(change(
            ResourceKind::Api,
            &format!("integration {function} (payload {})", integration.payload),
            ChangeAction::Delete,
            vec!["no route of the function uses it".to_owned()],
            &["DeleteIntegration"],
        ));
        steps.push(ApiStep::DeleteIntegration(integration.id.clone()));
    }

    // API Gateway's permission to invoke the stage, for this API only.
    let present = observed.and_then(|api| {
        statements
            .iter()
            .find(|s| s.sid == invoke_sid(&api.id))
            .map(|s| s.sid.clone())
    });
    match (routes.is_empty(), present) {
        (false, None) => {
            changes.push(change(
                ResourceKind::Permission,
                "API Gateway invoke",
                ChangeAction::Create,
                vec!["apigateway.amazonaws.com, for this API only".to_owned()],
                &["AddPermission"],
            ));
            steps.push(ApiStep::AllowInvoke);
        }
        (true, Some(sid)) => {
            changes.push(change(
                ResourceKind::Permission,
                "API Gateway invoke",
                ChangeAction::Delete,
                vec!["no `http` trigger in functory.toml".to_owned()],
                &["RemovePermission"],
            ));
            steps.push(ApiStep::RevokeInvoke(sid));
        }
        (false, Some(_)) => changes.push(PlannedChange::no_op(
            ResourceKind::Permission,
            "API Gateway invoke",
        )),
        (true, None) => {}
    }
    Ok((changes, steps))
}

fn sorted(items: &[String]) -> Vec<&str> {
    let mut out: Vec<&str> = items.iter().map(String::as_str).collect();
    out.sort_unstable();
    out
}

/// Ids made while applying, for the steps after.
#[derive(Debug, Clone, Default)]
pub(crate) struct ApiState {
    pub id: Option<String>,
    pub endpoint: Option<String>,
    pub authorizers: BTreeMap<String, String>,
    pub integrations: BTreeMap<String, String>,
}

impl ApiState {
    pub(crate) fn from_observed(observed: Option<&ObservedApi>, alias_arn: Option<&str>) -> Self {
        let Some(api) = observed else {
            return ApiState::default();
        };
        ApiState {
            id: Some(api.id.clone()),
            endpoint: Some(api.endpoint.clone()),
            authorizers: api
                .authorizers
                .iter()
                .map(|a| (a.name.clone(), a.id.clone()))
                .collect(),
            integrations: api
                .integrations
                .iter()
                .filter(|i| {
                    alias_arn.is_some_and(|alias| function_of_uri(&i.uri) == function_of_uri(alias))
                })
                .map(|i| (i.payload.clone(), i.id.clone()))
                .collect(),
        }
    }
}

impl AwsAdapter {
    fn api_failure<E>(
        &self,
        error: &aws_sdk_apigatewayv2::error::SdkError<
            E,
            aws_sdk_apigatewayv2::config::http::HttpResponse,
        >,
        call: &str,
    ) -> AdapterError
    where
        E: aws_sdk_apigatewayv2::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        crate::errors::sdk_failure(error, call, &self.context)
    }

    /// The ARN API Gateway tags an HTTP API by.
    fn api_arn(&self, id: &str) -> String {
        format!(
            "arn:aws:apigateway:{}::/apis/{id}",
            self.region().unwrap_or("us-east-1")
        )
    }

    /// The project's API on this target: found by its tags (then remembered), or `None`.
    async fn find_api(&self, settings: &ApiSettings) -> Result<Option<(String, String)>> {
        if let Some(found) = self.apis.get(&settings.project, &settings.target) {
            return Ok(Some(found));
        }
        let mut token = None;
        loop {
            let page = self
                .apigateway
                .get_apis()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| self.api_failure(&e, "API Gateway GetApis"))?;
            for api in page.items() {
                let tags = api.tags();
                let tagged = tags.and_then(|t| t.get(TAG_PROJECT)) == Some(&settings.project)
                    && tags.and_then(|t| t.get(TAG_TARGET)) == Some(&settings.target);
                if tagged && let (Some(id), Some(endpoint)) = (api.api_id(), api.api_endpoint()) {
                    self.apis
                        .put(&settings.project, &settings.target, id, endpoint);
                    return Ok(Some((id.to_owned(), endpoint.to_owned())));
                }
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(None);
            }
        }
    }

    /// Everything of the project's API a function's plan compares with the manifest.
    pub(crate) async fn observe_api(&self, settings: &ApiSettings) -> Result<Option<ObservedApi>> {
        if let Some(known) = self.apis.observed(&settings.project, &settings.target) {
            return Ok(Some(known));
        }
        let Some((id, endpoint)) = self.find_api(settings).await? else {
            return Ok(None);
        };
        let api = async {
            self.apigateway
                .get_api()
                .api_id(&id)
                .send()
                .await
                .map_err(|e| self.api_failure(&e, &format!("API Gateway GetApi `{id}`")))
        };
        let stage = async {
            match self
                .apigateway
                .get_stage()
                .api_id(&id)
                .stage_name(&settings.stage)
                .send()
                .await
            {
                Ok(stage) => Ok(Some(ObservedStage {
                    burst_limit: stage
                        .default_route_settings()
                        .and_then(|s| s.throttling_burst_limit()),
                    rate_limit: stage
                        .default_route_settings()
                        .and_then(|s| s.throttling_rate_limit()),
                })),
                Err(error) => match self.api_failure(
                    &error,
                    &format!("API Gateway GetStage `{}`", settings.stage),
                ) {
                    AdapterError::NotFound { .. } => Ok(None),
                    other => Err(other),
                },
            }
        };
        let integrations = async {
            let mut out = Vec::new();
            let mut token = None;
            loop {
                let page = self
                    .apigateway
                    .get_integrations()
                    .api_id(&id)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| self.api_failure(&e, "API Gateway GetIntegrations"))?;
                for i in page.items() {
                    out.push(ObservedIntegration {
                        id: i.integration_id().unwrap_or_default().to_owned(),
                        uri: i.integration_uri().unwrap_or_default().to_owned(),
                        payload: i.payload_format_version().unwrap_or("2.0").to_owned(),
                    });
                }
                token = page.next_token().map(str::to_owned);
                if token.is_none() {
                    return Ok::<_, AdapterError>(out);
                }
            }
        };
        let routes = async {
            let mut out = Vec::new();
            let mut token = None;
            loop {
                let page = self
                    .apigateway
                    .get_routes()
                    .api_id(&id)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| self.api_failure(&e, "API Gateway GetRoutes"))?;
                for r in page.items() {
                    out.push(ObservedRoute {
                        id: r.route_id().unwrap_or_default().to_owned(),
                        key: r.route_key().unwrap_or_default().to_owned(),
                        integration: r
                            .target()
                            .and_then(|t| t.strip_prefix("integrations/"))
                            .map(str::to_owned),
                        auth_type: r
                            .authorization_type()
                            .map_or("NONE", |a| a.as_str())
                            .to_owned(),
                        authorizer_id: r.authorizer_id().map(str::to_owned),
                    });
                }
                token = page.next_token().map(str::to_owned);
                if token.is_none() {
                    return Ok::<_, AdapterError>(out);
                }
            }
        };
        let (api, stage, integrations, routes) =
            tokio::try_join!(api, stage, integrations, routes)?;
        // The authorizers Functory made, by the API's tags (`functory:authorizer:NAME` = id),
        // each read back for what it checks.
        let tagged: Vec<(String, String)> = api
            .tags()
            .map(|tags| {
                tags.iter()
                    .filter_map(|(k, v)| {
                        k.strip_prefix(TAG_AUTHORIZER)
                            .map(|name| (name.to_owned(), v.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let api_id = id.as_str();
        let reads = tagged.iter().map(|(name, authorizer)| async move {
            match self
                .apigateway
                .get_authorizer()
                .api_id(api_id)
                .authorizer_id(authorizer)
                .send()
                .await
            {
                Ok(a) => Ok(Some(ObservedAuthorizer {
                    id: authorizer.clone(),
                    name: name.clone(),
                    issuer: a
                        .jwt_configuration()
                        .and_then(|j| j.issuer())
                        .unwrap_or_default()
                        .to_owned(),
                    audiences: a
                        .jwt_configuration()
                        .map(|j| j.audience().to_vec())
                        .unwrap_or_default(),
                    identity_source: a.identity_source().join(","),
                })),
                Err(error) => {
                    match self.api_failure(&error, &format!("API Gateway GetAuthorizer `{name}`")) {
                        // Deleted by someone else: made again.
                        AdapterError::NotFound { .. } => Ok(None),
                        other => Err(other),
                    }
                }
            }
        });
        let authorizers = futures_util::future::try_join_all(reads)
            .await?
            .into_iter()
            .flatten()
            .collect();
        let observed = ObservedApi {
            id,
            endpoint,
            cors: api.cors_configuration().map(core_cors),
            stage,
            authorizers,
            integrations,
            routes,
        };
        self.apis
            .remember(&settings.project, &settings.target, &observed);
        Ok(Some(observed))
    }

    /// Applies one step; `state` carries the ids earlier steps made.
    pub(crate) async fn apply_api_step(
        &self,
        step: &ApiStep,
        settings: &ApiSettings,
        state: &mut ApiState,
        function: &str,
        alias_arn: &str,
        qualifier: Option<&str>,
    ) -> Result<()> {
        // Whatever this step changes, a later plan must see it.
        self.apis
            .forget_observed(&settings.project, &settings.target);
        let api_id = || {
            state.id.clone().ok_or_else(|| {
                AdapterError::invalid(format!(
                    "the HTTP API `{}` was not created; deploy again",
                    settings.name
                ))
            })
        };
        match step {
            ApiStep::CreateApi => {
                let created = self
                    .apigateway
                    .create_api()
                    .name(&settings.name)
                    .protocol_type(ProtocolType::Http)
                    .set_cors_configuration(settings.cors.as_ref().map(sdk_cors))
                    .tags(TAG_PROJECT, &settings.project)
                    .tags(TAG_TARGET, &settings.target)
                    .send()
                    .await
                    .map_err(|e| {
                        self.api_failure(&e, &format!("API Gateway CreateApi `{}`", settings.name))
                    })?;
                let id = created.api_id().unwrap_or_default().to_owned();
                let endpoint = created.api_endpoint().unwrap_or_default().to_owned();
                self.apis
                    .put(&settings.project, &settings.target, &id, &endpoint);
                state.id = Some(id);
                state.endpoint = Some(endpoint);
            }
            ApiStep::UpdateCors => {
                self.apigateway
                    .update_api()
                    .api_id(api_id()?)
                    .set_cors_configuration(settings.cors.as_ref().map(sdk_cors))
                    .send()
                    .await
                    .map_err(|e| self.api_failure(&e, "API Gateway UpdateApi (CORS)"))?;
            }
            ApiStep::DeleteCors => {
                self.apigateway
                    .delete_cors_configuration()
                    .api_id(api_id()?)
                    .send()
                    .await
                    .map_err(|e| self.api_failure(&e, "API Gateway DeleteCorsConfiguration"))?;
            }
            ApiStep::CreateStage | ApiStep::UpdateStage => {
                let route_settings = settings.throttling.map(|t| {
                    RouteSettings::builder()
                        .throttling_burst_limit(i32::try_from(t.burst_limit).unwrap_or(i32::MAX))
                        .throttling_rate_limit(f64::from(t.rate_limit))
                        .build()
                });
                if matches!(step, ApiStep::CreateStage) {
                    self.apigateway
                        .create_stage()
                        .api_id(api_id()?)
                        .stage_name(&settings.stage)
                        .auto_deploy(true)
                        .set_default_route_settings(route_settings)
                        .tags(TAG_PROJECT, &settings.project)
                        .tags(TAG_TARGET, &settings.target)
                        .send()
                        .await
                        .map_err(|e| {
                            self.api_failure(
                                &e,
                                &format!("API Gateway CreateStage `{}`", settings.stage),
                            )
                        })?;
                } else {
                    self.apigateway
                        .update_stage()
                        .api_id(api_id()?)
                        .stage_name(&settings.stage)
                        .set_default_route_settings(route_settings)
                        .send()
                        .await
                        .map_err(|e| {
                            self.api_failure(
                                &e,
                                &format!("API Gateway UpdateStage `{}`", settings.stage),
                            )
                        })?;
                }
            }
            ApiStep::CreateAuthorizer(name) | ApiStep::UpdateAuthorizer(_, name) => {
                let Some(want) = settings.authorizers.iter().find(|a| &a.name == name) else {
                    return Ok(());
                };
                let jwt = JwtConfiguration::builder()
                    .issuer(&want.issuer)
                    .set_audience(Some(want.audiences.clone()))
                    .build();
                if let ApiStep::UpdateAuthorizer(id, _) = step {
                    self.apigateway
                        .update_authorizer()
                        .api_id(api_id()?)
                        .authorizer_id(id)
                        .authorizer_type(AuthorizerType::Jwt)
                        .identity_source(&want.identity_source)
                        .jwt_configuration(jwt)
                        .send()
                        .await
                        .map_err(|e| {
                            self.api_failure(&e, &format!("API Gateway UpdateAuthorizer `{name}`"))
                        })?;
                } else {
                    let created = self
                        .apigateway
                        .create_authorizer()
                        .api_id(api_id()?)
                        .name(name)
                        .authorizer_type(AuthorizerType::Jwt)
                        .identity_source(&want.identity_source)
                        .jwt_configuration(jwt)
                        .send()
                        .await
                        .map_err(|e| {
                            self.api_failure(&e, &format!("API Gateway CreateAuthorizer `{name}`"))
                        })?;
                    let authorizer = created.authorizer_id().unwrap_or_default().to_owned();
                    let id = api_id()?;
                    self.apigateway
                        .tag_resource()
                        .resource_arn(self.api_arn(&id))
                        .tags(format!("{TAG_AUTHORIZER}{name}"), &authorizer)
                        .send()
                        .await
                        .map_err(|e| {
                            self.api_failure(&e, &format!("API Gateway TagResource `{id}`"))
                        })?;
                    state.authorizers.insert(name.clone(), authorizer);
                }
            }
            ApiStep::CreateIntegration(payload) => {
                let created = self
                    .apigateway
                    .create_integration()
                    .api_id(api_id()?)
                    .integration_type(IntegrationType::AwsProxy)
                    .integration_uri(alias_arn)
                    .payload_format_version(payload)
                    .send()
                    .await
                    .map_err(|e| {
                        self.api_failure(
                            &e,
                            &format!("API Gateway CreateIntegration for `{function}`"),
                        )
                    })?;
                state.integrations.insert(
                    payload.clone(),
                    created.integration_id().unwrap_or_default().to_owned(),
                );
            }
            ApiStep::CreateRoute(route) | ApiStep::UpdateRoute(_, route) => {
                let integration = state.integrations.get(&route.payload).cloned();
                let Some(integration) = integration else {
                    return Err(AdapterError::invalid(format!(
                        "function `{function}`: no integration for payload {} was made; deploy again",
                        route.payload
                    )));
                };
                let (auth_type, authorizer) = match &route.auth {
                    RouteAuth::None => (AuthorizationType::None, None),
                    RouteAuth::Iam => (AuthorizationType::AwsIam, None),
                    RouteAuth::Jwt(name) => {
                        (AuthorizationType::Jwt, state.authorizers.get(name).cloned())
                    }
                };
                let target = format!("integrations/{integration}");
                if let ApiStep::UpdateRoute(id, _) = step {
                    self.apigateway
                        .update_route()
                        .api_id(api_id()?)
                        .route_id(id)
                        .target(target)
                        .authorization_type(auth_type)
                        .set_authorizer_id(authorizer)
                        .send()
                        .await
                        .map_err(|e| {
                            self.api_failure(
                                &e,
                                &format!("API Gateway UpdateRoute `{}`", route.key),
                            )
                        })?;
                } else {
                    self.apigateway
                        .create_route()
                        .api_id(api_id()?)
                        .route_key(&route.key)
                        .target(target)
                        .authorization_type(auth_type)
                        .set_authorizer_id(authorizer)
                        .send()
                        .await
                        .map_err(|e| {
                            self.api_failure(
                                &e,
                                &format!("API Gateway CreateRoute `{}`", route.key),
                            )
                        })?;
                }
            }
            ApiStep::DeleteRoute(id) => {
                self.apigateway
                    .delete_route()
                    .api_id(api_id()?)
                    .route_id(id)
                    .send()
                    .await
                    .map_err(|e| self.api_failure(&e, "API Gateway DeleteRoute"))?;
            }
            ApiStep::DeleteIntegration(id) => {
                self.apigateway
                    .delete_integration()
                    .api_id(api_id()?)
                    .integration_id(id)
                    .send()
                    .await
                    .map_err(|e| self.api_failure(&e, "API Gateway DeleteIntegration"))?;
            }
            ApiStep::AllowInvoke => {
                let id = api_id()?;
                self.lambda
                    .add_permission()
                    .function_name(function)
                    .set_qualifier(qualifier.map(str::to_owned))
                    .statement_id(invoke_sid(&id))
                    .action("lambda:InvokeFunction")
                    .principal("apigateway.amazonaws.com")
                    .source_arn(source_arn(alias_arn, &id))
                    .send()
                    .await
                    .map_err(|e| {
                        self.failure(
                            &e,
                            &format!("Lambda AddPermission (API Gateway) on `{function}`"),
                        )
                    })?;
            }
            ApiStep::RevokeInvoke(sid) => {
                self.remove_statement(function, qualifier, sid).await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integration_uris_name_their_function_and_stage() {
        assert_eq!(
            function_of_uri("arn:aws:lambda:us-east-1:123456789012:function:api:dev"),
            Some(("api", Some("dev")))
        );
        assert_eq!(
            function_of_uri(
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:api:dev/invocations"
            ),
            Some(("api", Some("dev")))
        );
        assert_eq!(
            source_arn(
                "arn:aws:lambda:eu-west-1:111122223333:function:api:dev",
                "a1b2"
            ),
            "arn:aws:execute-api:eu-west-1:111122223333:a1b2/*"
        );
        assert_eq!(
            stage_url("https://x.execute-api.us-east-1.amazonaws.com", "$default"),
            "https://x.execute-api.us-east-1.amazonaws.com/"
        );
        assert_eq!(stage_url("https://x/", "v1"), "https://x/v1/");
    }
}
