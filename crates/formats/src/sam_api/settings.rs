//! An API's own settings read from the template: CORS (HttpApi and Api forms), REST
//! authorizers, header values and authorizer names, and the report lines for what has no
//! functory.toml form.

use functory_core::Cors;
use functory_lint::parse::{Member, Node, Span};

use super::{Api, ApiKind, Authorizer, Layers};
use crate::sam::Reading;
use crate::source::scalar_text;

pub(super) fn describe_api(api: &Api<'_>) -> String {
    match api.resource {
        Some(m) => format!("Resources.{}", m.key),
        None => format!("the implicit {} ({})", api.logical, api.kind.globals()),
    }
}

/// Where a report line about a whole API points: the resource, or the first route of an
/// implicit API.
pub(super) fn api_place(api: &Api<'_>) -> (Span, String) {
    match (api.resource, &api.first_route) {
        (Some(m), _) => (m.key_span, format!("Resources.{}", m.key)),
        (None, Some((span, subject))) => (*span, subject.clone()),
        (None, None) => (Span::default(), api.kind.globals().to_owned()),
    }
}

/// The report lines for an API's settings other than CORS and authorizers (which
/// [`Apis::finish`] reports as it merges them).
pub(super) fn report_settings(
    kind: ApiKind,
    props: &Node,
    subject: &str,
    r: &mut Reading<'_, '_, '_>,
) {
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
pub(super) fn http_cors(
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
pub(super) fn rest_cors(
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
pub(super) fn rest_authorizer(member: &Member) -> Authorizer {
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

pub(super) fn capitalized(key: &str) -> String {
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
