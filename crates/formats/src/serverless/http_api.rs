//! `provider.httpApi` into `[api]`: CORS (the Framework's defaults for `cors: true`), JWT
//! authorizers, the payload version, and each route's `authorizer` as its auth; Lambda and
//! Cognito authorizers reported.

use functory_core::Cors;
use functory_core::manifest::{HttpApi, JwtAuthorizer};
use functory_lint::parse::{Node, Span};

use crate::sam::{Reading, report_unknown_properties};
use crate::sam_api::{DEFAULT_IDENTITY_SOURCE, authorizer_name};
use crate::source::scalar_text;

/// The Framework's defaults for `provider.httpApi.cors: true` (its documentation's table):
/// any origin, its usual headers, the methods of the routes (`*` here).
const DEFAULT_CORS_HEADERS: &[&str] = &[
    "Content-Type",
    "X-Amz-Date",
    "Authorization",
    "X-Api-Key",
    "X-Amz-Security-Token",
    "X-Amz-User-Agent",
];

/// An authorizer of `provider.httpApi.authorizers`, under the name routes use in
/// functory.toml.
#[derive(Debug)]
enum ServerlessAuthorizer {
    Jwt(JwtAuthorizer),
    /// A Lambda (`type: request`) authorizer, which functory.toml has no form for.
    Lambda {
        name: String,
    },
}

/// `provider.httpApi`: the service's HTTP API (CORS, JWT authorizers, the payload version of
/// its routes), and what `http`/`httpApi` events took from it.
#[derive(Debug)]
pub(super) struct ServerlessHttpApi {
    /// (CORS, where, a note for the report line)
    cors: Option<(Cors, Span, String)>,
    /// (name in the file, where, authorizer)
    authorizers: Vec<(String, Span, ServerlessAuthorizer)>,
    /// The payload version of httpApi routes: `provider.httpApi.payload`, else the Framework's
    /// default (1.0 before v3), and where it comes from.
    payload: Option<(String, Span, String)>,
    /// Other settings of provider.httpApi.
    others: Vec<(String, Span)>,
    /// Where the first `httpApi` and the first `http` route are.
    first_http_api: Option<Span>,
    first_rest: Option<(Span, String)>,
}

impl ServerlessHttpApi {
    pub(super) fn read(
        root: &Node,
        provider: &Node,
        r: &mut Reading<'_, '_, '_>,
    ) -> ServerlessHttpApi {
        let mut api = ServerlessHttpApi {
            cors: None,
            authorizers: Vec::new(),
            payload: None,
            others: Vec::new(),
            first_http_api: None,
            first_rest: None,
        };
        let settings = provider.get("httpApi");
        for member in settings.and_then(Node::as_object).unwrap_or_default() {
            let subject = format!("provider.httpApi.{}", member.key);
            let value = &member.value;
            match member.key.as_str() {
                "cors" => {
                    api.cors = match scalar_text(value).as_deref() {
                        Some("false") => None,
                        Some("true") => Some((
                            Cors {
                                allow_origins: vec!["*".into()],
                                allow_methods: vec!["*".into()],
                                allow_headers: DEFAULT_CORS_HEADERS
                                    .iter()
                                    .map(|h| (*h).to_owned())
                                    .collect(),
                                ..Cors::default()
                            },
                            value.span,
                            " (`true`: the Framework's defaults, any origin and the routes' methods as `*`)".to_owned(),
                        )),
                        _ => {
                            report_unknown_properties(
                                value,
                                &subject,
                                &[
                                    "allowedOrigins",
                                    "allowedMethods",
                                    "allowedHeaders",
                                    "exposedResponseHeaders",
                                    "allowCredentials",
                                    "maxAge",
                                ],
                                r.rep,
                            );
                            Some((
                                r.cors(
                                    value,
                                    &subject,
                                    [
                                        "allowedOrigins",
                                        "allowedMethods",
                                        "allowedHeaders",
                                        "exposedResponseHeaders",
                                        "allowCredentials",
                                        "maxAge",
                                    ],
                                ),
                                value.span,
                                String::new(),
                            ))
                        }
                    };
                }
                "authorizers" => {
                    for authorizer in value.as_object().unwrap_or_default() {
                        let subject = format!("{subject}.{}", authorizer.key);
                        let parsed = serverless_authorizer(authorizer, &subject, r);
                        api.authorizers
                            .push((authorizer.key.clone(), authorizer.key_span, parsed));
                    }
                }
                "payload" => match r.text(value, &subject).as_deref() {
                    Some(version @ ("1.0" | "2.0")) => {
                        api.payload = Some((version.to_owned(), member.key_span, subject));
                    }
                    other => r.rep.not_mapped(
                        value.span,
                        &subject,
                        format!(
                            "payload `{}` is neither 1.0 nor 2.0; httpApi routes get 2.0",
                            other.unwrap_or_default()
                        ),
                    ),
                },
                _ => api.others.push((member.key.clone(), member.key_span)),
            }
        }
        if api.payload.is_none()
            && let Some(version) = root.get("frameworkVersion")
            && framework_major(&scalar_text(version).unwrap_or_default()).is_some_and(|m| m < 3)
        {
            // `payload` defaulted to 1.0 until the Framework's v3 made it 2.0.
            api.payload = Some((
                "1.0".to_owned(),
                version.span,
                "frameworkVersion".to_owned(),
            ));
        }
        api
    }

    /// A route's `auth` and `payload_version`: `http` events are a REST API's (payload 1.0);
    /// `httpApi` events take the provider's payload and name an authorizer of it.
    pub(super) fn route(
        &mut self,
        kind: &str,
        event: &Node,
        subject: &str,
        r: &mut Reading<'_, '_, '_>,
    ) -> (Option<String>, Option<String>) {
        if kind == "http" {
            self.first_rest
                .get_or_insert_with(|| (event.span, subject.to_owned()));
        } else {
            self.first_http_api.get_or_insert(event.span);
        }
        let payload = if kind == "http" {
            Some("1.0".to_owned())
        } else {
            self.payload
                .as_ref()
                .filter(|(v, _, _)| v == "1.0")
                .map(|(v, _, _)| v.clone())
        };
        let Some(authorizer) = event.get("authorizer") else {
            return (None, payload);
        };
        let item = format!("{subject}.authorizer");
        if let Some(scopes) = authorizer.member("scopes") {
            r.rep.not_mapped(
                scopes.key_span,
                &format!("{item}.scopes"),
                "scopes are not part of functory.toml: the route's JWT authorizer checks the issuer and audience, so a token without these scopes is accepted",
            );
        }
        let type_of = authorizer.get("type").and_then(scalar_text);
        let plain = scalar_text(authorizer);
        let iam = [type_of.as_deref(), plain.as_deref()]
            .into_iter()
            .flatten()
            .any(|t| t.eq_ignore_ascii_case("aws_iam"));
        if iam {
            return (Some("iam".to_owned()), payload);
        }
        // A named authorizer: of provider.httpApi for httpApi routes; for http routes a
        // Lambda function or Cognito user pool, which functory.toml cannot declare.
        let named = authorizer
            .get("name")
            .and_then(|n| r.text(n, &format!("{item}.name")))
            .or_else(|| {
                authorizer
                    .get("id")
                    .and_then(|n| r.text(n, &format!("{item}.id")))
            })
            .or_else(|| {
                authorizer
                    .get("arn")
                    .and_then(|n| r.text(n, &format!("{item}.arn")))
            })
            .or_else(|| {
                authorizer
                    .as_object()
                    .is_none()
                    .then(|| r.text(authorizer, &item))
                    .flatten()
            });
        let Some(named) = named else {
            return (None, payload);
        };
        let declared = (kind == "httpApi")
            .then(|| self.authorizers.iter().find(|(n, _, _)| *n == named))
            .flatten();
        let auth = match declared.map(|(_, _, a)| a) {
            Some(ServerlessAuthorizer::Jwt(jwt)) => return (Some(jwt.name.clone()), payload),
            Some(ServerlessAuthorizer::Lambda { name }) => {
                let why = format!(
                    "authorizer `{named}` is a Lambda (request) authorizer, which functory.toml has no form for"
                );
                (name.clone(), why)
            }
            None => {
                // A Lambda ARN or function name: its last part names it.
                let base = named.rsplit([':', '/']).next().unwrap_or(&named);
                let name = authorizer_name(base);
                let why = if kind == "http" {
                    format!(
                        "authorizer `{named}` of a REST API (a Lambda function or Cognito user pool) has no functory.toml form; a Cognito user pool is a JWT authorizer with issuer `https://cognito-idp.REGION.amazonaws.com/POOL_ID` and the app client ids as audiences"
                    )
                } else {
                    format!("authorizer `{named}` is not declared in provider.httpApi.authorizers")
                };
                (name, why)
            }
        };
        let (name, why) = auth;
        r.rep.not_mapped(
            authorizer.span,
            &item,
            format!(
                "{why}; the route keeps `auth = \"{name}\"`, which `functory check` reports until [api.authorizers.{name}] declares a JWT authorizer or the route's auth changes"
            ),
        );
        (Some(name), payload)
    }

    /// The project's `[api]`, with a report line for every setting of provider.httpApi.
    pub(super) fn finish(self, r: &mut Reading<'_, '_, '_>) -> HttpApi {
        let mut out = HttpApi::default();
        let used = self.first_http_api.is_some();
        let unused = "no function has an httpApi event, so the service has no HTTP API";
        if let Some((cors, span, note)) = self.cors {
            if used || self.first_rest.is_some() {
                r.rep
                    .mapped(span, "provider.httpApi.cors", format!("[api].cors{note}"));
                out.cors = Some(cors);
                if let Some((span, subject)) = &self.first_rest {
                    r.rep.not_mapped(
                        *span,
                        subject,
                        "http (REST) routes answer with [api].cors too: functory.toml has one HTTP API per project",
                    );
                }
            } else {
                r.rep.not_mapped(span, "provider.httpApi.cors", unused);
            }
        }
        for (name, span, authorizer) in self.authorizers {
            let subject = format!("provider.httpApi.authorizers.{name}");
            match authorizer {
                ServerlessAuthorizer::Jwt(jwt) if used => {
                    let renamed = if jwt.name == name {
                        String::new()
                    } else {
                        format!(" (renamed from `{name}`: authorizer names are letters, digits and `_`)")
                    };
                    r.rep
                        .mapped(span, &subject, format!("[api.authorizers.{}]{renamed}", jwt.name));
                    out.authorizers.push(jwt);
                }
                ServerlessAuthorizer::Jwt(_) => r.rep.not_mapped(span, &subject, unused),
                ServerlessAuthorizer::Lambda { .. } => r.rep.not_mapped(
                    span,
                    &subject,
                    "a Lambda (request) authorizer: functory.toml's HTTP API authorizes with IAM or a JWT authorizer (issuer and audiences) only; not imported",
                ),
            }
        }
        if let Some((version, span, subject)) = self.payload {
            if used {
                r.rep.mapped(
                    span,
                    &subject,
                    if subject == "frameworkVersion" {
                        format!("httpApi routes get payload_version {version}, the default of the Framework before v3")
                    } else {
                        format!("the payload_version of every httpApi route ({version})")
                    },
                );
            } else if subject != "frameworkVersion" {
                r.rep.not_mapped(span, &subject, unused);
            }
        }
        for (key, span) in self.others {
            let why = match key.as_str() {
                "id" => {
                    "an HTTP API created outside the service: functory.toml's routes make the project's own API"
                }
                "name" => "functory names the API itself, per project and target",
                "disableDefaultEndpoint" => {
                    "the API's default endpoint is always on in functory.toml"
                }
                "metrics" => "detailed metrics are not part of functory.toml",
                _ => "not mapped: functory.toml's API has CORS and JWT authorizers",
            };
            r.rep
                .not_mapped(span, &format!("provider.httpApi.{key}"), why);
        }
        out
    }
}

/// One of `provider.httpApi.authorizers`: `type: jwt` (the default) with `issuerUrl`,
/// `audience` and `identitySource`, or `type: request` (a Lambda authorizer).
fn serverless_authorizer(
    member: &functory_lint::parse::Member,
    subject: &str,
    r: &mut Reading<'_, '_, '_>,
) -> ServerlessAuthorizer {
    let config = &member.value;
    let name = authorizer_name(&member.key);
    let kind = config
        .get("type")
        .and_then(scalar_text)
        .unwrap_or_else(|| "jwt".to_owned());
    if !kind.eq_ignore_ascii_case("jwt") {
        return ServerlessAuthorizer::Lambda { name };
    }
    report_unknown_properties(
        config,
        subject,
        &["type", "identitySource", "issuerUrl", "audience", "name"],
        r.rep,
    );
    if let Some(aws_name) = config.member("name") {
        r.rep.not_mapped(
            aws_name.key_span,
            &format!("{subject}.name"),
            "the authorizer's name in AWS: functory names it after its key",
        );
    }
    let issuer = config
        .get("issuerUrl")
        .and_then(|n| r.text(n, &format!("{subject}.issuerUrl")))
        .unwrap_or_default();
    let audiences = config
        .get("audience")
        .map(|n| r.texts(n, &format!("{subject}.audience")))
        .unwrap_or_default();
    let identity_source = config
        .get("identitySource")
        .and_then(|n| r.text(n, &format!("{subject}.identitySource")))
        .unwrap_or_else(|| DEFAULT_IDENTITY_SOURCE.to_owned());
    ServerlessAuthorizer::Jwt(JwtAuthorizer {
        name,
        issuer,
        audiences,
        identity_source,
    })
}

/// The major version a `frameworkVersion` constraint names (`"3"`, `">=2.0.0 <3.0.0"`, `^2.72`).
fn framework_major(constraint: &str) -> Option<u32> {
    let start = constraint.find(|c: char| c.is_ascii_digit())?;
    let digits: String = constraint[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}
