//! Planning a function's part of the HTTP API: the API's shared settings (CORS, the stage,
//! the JWT authorizers), the function's integrations and routes, and API Gateway's permission
//! to invoke its stage.

use std::collections::BTreeMap;

use functory_adapter::plan::planned_change as change;
use functory_adapter::{AdapterError, ChangeAction, PlannedChange, ResourceKind, Result};

use functory_core::manifest::Throttling;

use super::{
    ApiSettings, ApiStep, INVOKE_SID_PREFIX, ObservedApi, ObservedIntegration, ObservedRoute,
    RouteAuth, WantedRoute,
};
use super::{function_of_uri, invoke_sid, normalized};
use crate::lambda::resource_policy::ResourceStatement;

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
