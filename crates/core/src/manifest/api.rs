//! Validation of `[api]` (CORS, JWT authorizers) and of the routes across functions: each
//! route's `auth` names a declared authorizer, and no two routes take the same requests.

use serde_spanned::Spanned;

use super::raw::RawApi;
use super::{HttpApi, JwtAuthorizer, Validator, is_identifier};
use crate::diagnostic::Severity;

/// `[api]`: CORS as a function URL's, and authorizers with an https issuer and audiences.
pub(super) fn validate_api(raw: Option<Spanned<RawApi>>, v: &mut Validator<'_>) -> HttpApi {
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
pub(super) fn check_route_authorizers(api: &HttpApi, v: &mut Validator<'_>) {
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

/// Two routes of the project with the same method and path shape are an error (a gateway
/// takes one); routes that some requests match both are a warning.
pub(super) fn check_route_conflicts(v: &mut Validator<'_>) {
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
