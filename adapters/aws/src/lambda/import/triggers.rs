//! The triggers an import discovers on AWS beyond the function itself: API Gateway HTTP API
//! routes and their JWT authorizers, event source mappings, and Scheduler schedules that invoke
//! the function.

use functory_adapter::{AdapterError, Result};
use functory_core::Trigger;

use super::*;

impl AwsAdapter {
    /// The routes of API Gateway API `api` whose integration invokes function `name`, as
    /// `http` triggers: method and path from the route key, the payload format from the
    /// integration, who may call from the route's authorization (a JWT authorizer by its name,
    /// with a note of what to declare under `[api.authorizers]`). An API that is not an HTTP
    /// API (a REST or WebSocket API) is a note.
    pub(super) async fn read_api_routes(
        &self,
        api: &str,
        name: &str,
        imported: &mut ImportedFunction,
    ) -> Result<()> {
        let found = match self.apigateway.get_api().api_id(api).send().await {
            Ok(found) => found,
            Err(error) => {
                let why = self.api_failure(&error, &format!("API Gateway GetApi `{api}`"));
                if !matches!(why, AdapterError::NotFound { .. }) {
                    return Err(why);
                }
                imported.note(
                    format!("API Gateway {api}"),
                    "invokes the function but is not an HTTP API (API Gateway v2): a REST API's routes are not imported; add `http` triggers for them, which Functory deploys as an HTTP API",
                    false,
                );
                return Ok(());
            }
        };
        let api_name = found.name().unwrap_or(api).to_owned();
        if found.protocol_type().map(|p| p.as_str()) != Some("HTTP") {
            imported.note(
                format!("API Gateway {api_name}"),
                "invokes the function but is a WebSocket API, which functory.toml has no trigger for",
                false,
            );
            return Ok(());
        }
        let (integrations, routes) =
            tokio::try_join!(self.api_integrations(api), self.api_routes(api))?;
        let ours: Vec<&crate::lambda::http_api::ObservedIntegration> = integrations
            .iter()
            .filter(|i| integration_invokes(&i.uri, name))
            .collect();
        let mut keys: Vec<&crate::lambda::http_api::ObservedRoute> = routes
            .iter()
            .filter(|r| {
                r.integration
                    .as_deref()
                    .is_some_and(|id| ours.iter().any(|i| i.id == id))
            })
            .collect();
        keys.sort_by(|a, b| a.key.cmp(&b.key));
        for route in keys {
            let (method, path) = match route.key.split_once(' ') {
                Some((method, path)) => (method.to_owned(), path.to_owned()),
                // `$default` catches every request no other route matches.
                None => ("ANY".to_owned(), "/{proxy+}".to_owned()),
            };
            let payload = ours
                .iter()
                .find(|i| Some(i.id.as_str()) == route.integration.as_deref())
                .map(|i| i.payload.clone())
                .filter(|p| p != "2.0");
            let auth = match route.auth_type.as_str() {
                "AWS_IAM" => Some("iam".to_owned()),
                "JWT" => Some(self.jwt_authorizer_for_import(api, route, imported).await?),
                "NONE" => None,
                other => {
                    imported.note(
                        format!("route {} of API Gateway {api_name}", route.key),
                        format!("uses {other} authorization, which functory.toml cannot declare: imported with signed requests (`iam`) instead, so it does not become public; change `auth` to what it should be"),
                        false,
                    );
                    Some("iam".to_owned())
                }
            };
            imported.trigger(
                Trigger::Http {
                    method,
                    path,
                    auth,
                    payload_version: payload,
                },
                format!("route {} of HTTP API {api_name}", route.key),
            );
        }
        if found.cors_configuration().is_some() {
            imported.note(
                format!("CORS of HTTP API {api_name}"),
                "an HTTP API's CORS belongs to the project: set it under [api.cors]",
                false,
            );
        }
        Ok(())
    }

    /// The name a JWT-authorized route's authorizer is imported as, with a note of the
    /// `[api.authorizers.NAME]` entry to declare (its issuer and audiences); until declared,
    /// `functory check` refuses the route, so it never deploys without its authorizer.
    pub(super) async fn jwt_authorizer_for_import(
        &self,
        api: &str,
        route: &crate::lambda::http_api::ObservedRoute,
        imported: &mut ImportedFunction,
    ) -> Result<String> {
        let Some(id) = route.authorizer_id.as_deref() else {
            return Ok("jwt".to_owned());
        };
        let found = self
            .apigateway
            .get_authorizer()
            .api_id(api)
            .authorizer_id(id)
            .send()
            .await
            .map_err(|e| self.api_failure(&e, &format!("API Gateway GetAuthorizer `{id}`")))?;
        let name = found.name().unwrap_or(id).to_owned();
        let jwt = found.jwt_configuration();
        imported.note(
            format!("authorizer {name}"),
            format!(
                "route {} checks JWTs: declare [api.authorizers.{name}] with issuer = \"{}\" and audiences = [{}]",
                route.key,
                jwt.and_then(|j| j.issuer()).unwrap_or_default(),
                jwt.map(|j| {
                    j.audience()
                        .iter()
                        .map(|a| format!("\"{a}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default()
            ),
            false,
        );
        Ok(name)
    }

    /// Every event source mapping of the function or stage, whatever its source.
    pub(super) async fn observe_all_mappings(
        &self,
        name: &str,
        qualifier: Option<&str>,
    ) -> Result<Vec<aws_sdk_lambda::types::EventSourceMappingConfiguration>> {
        let target = mapping_target(name, qualifier);
        let mut found = Vec::new();
        let mut marker = None;
        loop {
            let page = self
                .lambda
                .list_event_source_mappings()
                .function_name(&target)
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| {
                    self.failure(&e, &format!("Lambda ListEventSourceMappings of `{target}`"))
                })?;
            found.extend(page.event_source_mappings().iter().cloned());
            marker = page.next_marker().map(str::to_owned);
            if marker.is_none() {
                break;
            }
        }
        Ok(found)
    }

    /// (name, expression, time zone, enabled) of every schedule of the default group that
    /// invokes function `name`.
    pub(super) async fn schedules_invoking(
        &self,
        name: &str,
    ) -> Result<Vec<(String, String, Option<String>, bool)>> {
        let mut names = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .scheduler
                .list_schedules()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| self.failure(&e, "Scheduler ListSchedules"))?;
            for summary in page.schedules() {
                if summary
                    .target()
                    .is_some_and(|t| arn_names_function(t.arn(), name))
                    && let Some(schedule) = summary.name()
                {
                    names.push((schedule.to_owned(), summary.group_name().map(str::to_owned)));
                }
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        let mut found = Vec::new();
        for (schedule, group) in names {
            let got = self
                .scheduler
                .get_schedule()
                .name(&schedule)
                .set_group_name(group)
                .send()
                .await
                .map_err(|e| self.failure(&e, &format!("Scheduler GetSchedule `{schedule}`")))?;
            found.push((
                schedule,
                got.schedule_expression().unwrap_or_default().to_owned(),
                got.schedule_expression_timezone().map(str::to_owned),
                got.state().is_none_or(|s| s.as_str() == "ENABLED"),
            ));
        }
        found.sort();
        Ok(found)
    }
}
