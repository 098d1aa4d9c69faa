//! The API Gateway v2 calls: finding the project's API by its tags, reading what it holds, and
//! applying each planned step.

use aws_sdk_apigatewayv2::types::{
    AuthorizationType, AuthorizerType, IntegrationType, JwtConfiguration, ProtocolType,
    RouteSettings,
};
use functory_adapter::{AdapterError, Result};

use super::{
    ApiSettings, ApiState, ApiStep, ObservedApi, ObservedAuthorizer, ObservedIntegration,
    ObservedRoute, ObservedStage, RouteAuth,
};
use super::{TAG_AUTHORIZER, TAG_PROJECT, TAG_TARGET, core_cors, invoke_sid, sdk_cors, source_arn};
use crate::lambda::AwsAdapter;

impl AwsAdapter {
    pub(crate) fn api_failure<E>(
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
        let integrations = self.api_integrations(&id);
        let routes = self.api_routes(&id);
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

    /// Every integration of HTTP API `id`.
    pub(crate) async fn api_integrations(&self, id: &str) -> Result<Vec<ObservedIntegration>> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .apigateway
                .get_integrations()
                .api_id(id)
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
                return Ok(out);
            }
        }
    }

    /// Every route of HTTP API `id`.
    pub(crate) async fn api_routes(&self, id: &str) -> Result<Vec<ObservedRoute>> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .apigateway
                .get_routes()
                .api_id(id)
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
                return Ok(out);
            }
        }
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
