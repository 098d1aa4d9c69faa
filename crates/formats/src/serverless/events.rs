//! A function's events into triggers: http/httpApi, schedule, s3, sqs and stream events, and
//! its `url`.

use functory_core::{Cors, Trigger, UrlAuth};
use functory_lint::parse::Node;

use super::http_api::ServerlessHttpApi;
use crate::sam::{Reading, TRIGGER_KINDS, report_unknown_properties, storage_events};
use crate::source::scalar_text;

pub(super) fn serverless_event(
    event: &Node,
    subject: &str,
    http_api: &mut ServerlessHttpApi,
    r: &mut Reading<'_, '_, '_>,
) -> Vec<Trigger> {
    let Some([member]) = event.as_object() else {
        r.rep.not_mapped(
            event.span,
            subject,
            "an event is a mapping with one key, its type",
        );
        return Vec::new();
    };
    let kind = member.key.as_str();
    let value = &member.value;
    let subject = format!("{subject}.{kind}");
    let report_extra = |r: &mut Reading<'_, '_, '_>, known: &[&str]| {
        report_unknown_properties(value, &subject, known, r.rep);
    };
    let get = |r: &mut Reading<'_, '_, '_>, key: &str| {
        value
            .get(key)
            .and_then(|n| r.text(n, &format!("{subject}.{key}")))
    };
    match kind {
        "http" | "httpApi" => {
            let (method, path) = if value.as_object().is_some() {
                report_extra(r, &["method", "path", "authorizer"]);
                (get(r, "method"), get(r, "path"))
            } else {
                let Some(text) = r.text(value, &subject) else {
                    return Vec::new();
                };
                if kind == "httpApi" && text.trim() == "*" {
                    (Some("*".to_owned()), None)
                } else {
                    let mut parts = text.split_whitespace();
                    (
                        parts.next().map(str::to_owned),
                        parts.next().map(str::to_owned),
                    )
                }
            };
            let method = match method.as_deref() {
                Some("*") | Some("any") | Some("ANY") => "ANY".to_owned(),
                Some(m) => m.to_ascii_uppercase(),
                None => {
                    r.rep
                        .not_mapped(value.span, &subject, "an http event needs a method");
                    return Vec::new();
                }
            };
            // `httpApi: '*'` (or a `*` method without a path) is the API's catch-all route.
            let path = match path {
                Some(p) if p.starts_with('/') => p,
                Some(p) => format!("/{p}"),
                None if kind == "httpApi" => "/{proxy+}".to_owned(),
                None => {
                    r.rep
                        .not_mapped(value.span, &subject, "an http event needs a path");
                    return Vec::new();
                }
            };
            let (auth, payload_version) = http_api.route(kind, value, &subject, r);
            vec![Trigger::Http {
                method,
                path,
                auth,
                payload_version,
            }]
        }
        "schedule" => {
            let (rates, timezone) = if value.as_object().is_some() {
                report_extra(r, &["rate", "enabled", "timezone", "name", "description"]);
                if value
                    .get("enabled")
                    .and_then(scalar_text)
                    .is_some_and(|e| e == "false")
                {
                    r.rep.not_mapped(
                        value.span,
                        &subject,
                        "the schedule is disabled; functory.toml has no disabled schedules, so it is imported enabled",
                    );
                }
                let rates = value
                    .get("rate")
                    .map(|n| r.texts(n, &format!("{subject}.rate")))
                    .unwrap_or_default();
                (rates, get(r, "timezone"))
            } else {
                (r.text(value, &subject).into_iter().collect(), None)
            };
            if rates.is_empty() {
                r.rep
                    .not_mapped(value.span, &subject, "a schedule event without a rate");
            }
            rates
                .into_iter()
                .map(|expression| Trigger::Schedule {
                    expression,
                    timezone: timezone.clone(),
                })
                .collect()
        }
        "s3" => {
            let (bucket, events, mut prefix, mut suffix) = if value.as_object().is_some() {
                report_extra(r, &["bucket", "event", "rules", "existing"]);
                let events = value
                    .get("event")
                    .map(|e| r.texts(e, &format!("{subject}.event")))
                    .unwrap_or_default();
                (get(r, "bucket"), events, None, None)
            } else {
                (r.text(value, &subject), Vec::new(), None, None)
            };
            for rule in value.get("rules").map(Node::items).into_iter().flatten() {
                for member in rule.as_object().unwrap_or_default() {
                    let text = r.text(&member.value, &format!("{subject}.rules"));
                    match member.key.as_str() {
                        "prefix" => prefix = text,
                        "suffix" => suffix = text,
                        other => r.rep.not_mapped(
                            member.key_span,
                            &format!("{subject}.rules"),
                            format!("rule `{other}` is neither prefix nor suffix"),
                        ),
                    }
                }
            }
            let Some(bucket) = bucket else {
                r.rep
                    .not_mapped(value.span, &subject, "an s3 event without a bucket");
                return Vec::new();
            };
            vec![Trigger::Storage {
                bucket,
                prefix,
                suffix,
                events: storage_events(events),
            }]
        }
        "sqs" => {
            let Some((queue, batch_size, _)) = source_event(
                value,
                &subject,
                &["arn", "batchSize", "functionResponseType"],
                r,
            ) else {
                return Vec::new();
            };
            if let Some(types) = value
                .get("functionResponseType")
                .filter(|_| !value.is_intrinsic())
            {
                crate::sam::partial_batch_failures(
                    types,
                    &format!("{subject}.functionResponseType"),
                    r,
                );
            }
            vec![Trigger::Queue { queue, batch_size }]
        }
        "stream" => {
            let known = ["arn", "type", "batchSize", "startingPosition"];
            let Some((stream, batch_size, starting_position)) =
                source_event(value, &subject, &known, r)
            else {
                return Vec::new();
            };
            vec![Trigger::Stream {
                stream,
                batch_size,
                // The Framework's default, written out so the export says the same.
                starting_position: starting_position.or_else(|| Some("TRIM_HORIZON".to_owned())),
            }]
        }
        "sns" => {
            // A topic name (the Framework creates the topic), an ARN, or `{ arn | topicName,
            // filterPolicy, filterPolicyScope }`.
            let is_map = value.as_object().is_some() && !value.is_intrinsic();
            if is_map {
                report_extra(
                    r,
                    &["arn", "topicName", "filterPolicy", "filterPolicyScope"],
                );
            }
            let topic = if is_map {
                value
                    .get("arn")
                    .and_then(|n| r.source(n, &format!("{subject}.arn")))
                    .map(|(_, name)| name)
                    .or_else(|| get(r, "topicName"))
            } else {
                r.source(value, &subject).map(|(_, name)| name)
            };
            let Some(topic) = topic else {
                r.rep
                    .not_mapped(value.span, &subject, "the event names no topic");
                return Vec::new();
            };
            let filter_policy = is_map
                .then(|| value.get("filterPolicy"))
                .flatten()
                .map(|n| {
                    crate::sam::node_json(n, &format!("{subject}.filterPolicy"), r).to_string()
                });
            let filter_policy_scope = if is_map {
                get(r, "filterPolicyScope")
            } else {
                None
            };
            vec![Trigger::Topic {
                topic,
                filter_policy,
                filter_policy_scope,
            }]
        }
        "eventBridge" => {
            report_extra(r, &["eventBus", "pattern"]);
            let Some(pattern) = value.get("pattern") else {
                r.rep.not_mapped(
                    value.span,
                    &subject,
                    "an eventBridge event without `pattern` (a schedule there is not mapped; use a `schedule` event)",
                );
                return Vec::new();
            };
            let bus = value
                .get("eventBus")
                .and_then(|n| r.source(n, &format!("{subject}.eventBus")))
                .map(|(_, name)| {
                    name.strip_prefix("event-bus/")
                        .map(str::to_owned)
                        .unwrap_or(name)
                })
                .filter(|b| b != "default");
            vec![Trigger::Event {
                bus,
                pattern: crate::sam::node_json(pattern, &format!("{subject}.pattern"), r)
                    .to_string(),
            }]
        }
        other => {
            r.rep.not_mapped(
                member.key_span,
                &subject,
                format!("event type `{other}` has no Functory trigger kind (Functory has {TRIGGER_KINDS})"),
            );
            Vec::new()
        }
    }
}

/// An sqs or stream event: an ARN, or `{ arn, batchSize, startingPosition, … }`. The queue
/// or stream name, batch size and starting position.
fn source_event(
    value: &Node,
    subject: &str,
    known: &[&str],
    r: &mut Reading<'_, '_, '_>,
) -> Option<(String, Option<u32>, Option<String>)> {
    let (source, batch_size, starting_position) =
        if value.as_object().is_some() && !value.is_intrinsic() {
            report_unknown_properties(value, subject, known, r.rep);
            let batch = value
                .get("batchSize")
                .and_then(|b| r.number(b, &format!("{subject}.batchSize")));
            let source = value
                .get("arn")
                .and_then(|n| r.source(n, &format!("{subject}.arn")))
                .map(|(_, name)| name);
            let position = value
                .get("startingPosition")
                .and_then(|n| r.text(n, &format!("{subject}.startingPosition")));
            (source, batch, position)
        } else {
            (r.source(value, subject).map(|(_, name)| name), None, None)
        };
    let Some(source) = source else {
        r.rep
            .not_mapped(value.span, subject, "the event names no ARN");
        return None;
    };
    Some((source, batch_size, starting_position))
}

/// A function's `url`: `true`, or `{ authorizer: aws_iam, cors: true | {…} }`.
pub(super) fn function_url(
    url: &Node,
    subject: &str,
    r: &mut Reading<'_, '_, '_>,
) -> Option<Trigger> {
    if scalar_text(url).is_some_and(|v| v == "false") {
        return None;
    }
    let auth = match url.get("authorizer").and_then(scalar_text).as_deref() {
        Some("aws_iam") => UrlAuth::Iam,
        Some(other) => {
            r.rep.not_mapped(
                url.span,
                subject,
                format!(
                    "authorizer `{other}`: function URLs are public or aws_iam; imported as public"
                ),
            );
            UrlAuth::None
        }
        None => UrlAuth::None,
    };
    let cors = match url.get("cors") {
        None => None,
        Some(c) if scalar_text(c).is_some_and(|v| v == "true") => Some(Cors {
            // The Framework's defaults for `cors: true`.
            allow_origins: vec!["*".into()],
            allow_methods: vec!["*".into()],
            allow_headers: [
                "Content-Type",
                "X-Amz-Date",
                "Authorization",
                "X-Api-Key",
                "X-Amz-Security-Token",
            ]
            .map(str::to_owned)
            .to_vec(),
            ..Cors::default()
        }),
        Some(c) => Some(r.cors(
            c,
            &format!("{subject}.cors"),
            [
                "allowedOrigins",
                "allowedMethods",
                "allowedHeaders",
                "exposedResponseHeaders",
                "allowCredentials",
                "maxAge",
            ],
        )),
    };
    Some(Trigger::Url { auth, cors })
}
