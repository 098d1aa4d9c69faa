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

mod plan;
mod sdk;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_sdk_apigatewayv2::types::Cors as ApiCors;
use functory_core::manifest::{HttpApi, JwtAuthorizer, Throttling};
use functory_core::route::RoutePattern;
use functory_core::{Cors, Function, Trigger};

pub(crate) use plan::{ApiPlanInput, plan};

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
