//! SAM events into triggers, and how a trigger is described in report lines.

use functory_core::{Trigger, UrlAuth};
use functory_lint::parse::Node;

use super::{Reading, TRIGGER_KINDS, report_unknown_properties};
use crate::sam_api::{ApiKind, Apis, route_setting_note};
use crate::source::scalar_text;

/// A short description of a trigger for report lines.
pub(crate) fn describe(trigger: &Trigger) -> String {
    match trigger {
        Trigger::Http {
            method,
            path,
            auth,
            payload_version,
        } => {
            let mut text = format!("http trigger {method} {path}");
            if let Some(auth) = auth {
                text.push_str(&format!(", auth {auth}"));
            }
            if let Some(version) = payload_version {
                text.push_str(&format!(", payload {version}"));
            }
            text
        }
        Trigger::Schedule {
            expression,
            timezone,
        } => match timezone {
            Some(tz) => format!("schedule trigger {expression} ({tz})"),
            None => format!("schedule trigger {expression}"),
        },
        Trigger::Storage { bucket, .. } => format!("storage trigger on bucket `{bucket}`"),
        Trigger::Queue { queue, .. } => format!("queue trigger on `{queue}`"),
        Trigger::Stream { stream, .. } => format!("stream trigger on `{stream}`"),
        Trigger::Topic { topic, .. } => format!("topic trigger on `{topic}`"),
        Trigger::Event { bus, .. } => format!(
            "event trigger on bus `{}`",
            bus.as_deref().unwrap_or("default")
        ),
        Trigger::Url { auth, .. } => format!(
            "url trigger (auth {})",
            match auth {
                UrlAuth::Iam => "iam",
                UrlAuth::None => "none",
            }
        ),
    }
}

/// The properties each SAM event type has that the importer reads.
fn known_event_properties(kind: &str) -> &'static [&'static str] {
    match kind {
        "HttpApi" => &["Path", "Method", "ApiId", "Auth", "PayloadFormatVersion"],
        "Api" => &["Path", "Method", "RestApiId", "Auth"],
        "Schedule" => &["Schedule", "Enabled", "Name", "Description"],
        "ScheduleV2" => &[
            "ScheduleExpression",
            "ScheduleExpressionTimezone",
            "State",
            "Name",
            "Description",
        ],
        "S3" => &["Bucket", "Events", "Filter"],
        "SQS" => &["Queue", "BatchSize", "FunctionResponseTypes"],
        "Kinesis" | "DynamoDB" => &["Stream", "StartingPosition", "BatchSize"],
        "SNS" => &["Topic", "FilterPolicy", "FilterPolicyScope"],
        "EventBridgeRule" | "CloudWatchEvent" => &["Pattern", "EventBusName"],
        _ => &[],
    }
}

/// An SQS event's `ReportBatchItemFailures` (SAM's `FunctionResponseTypes`, the Framework's
/// `functionResponseType`): what Functory's queue triggers always do, locally and on AWS.
pub(crate) fn partial_batch_failures(types: &Node, subject: &str, r: &mut Reading<'_, '_, '_>) {
    let values = r.texts(types, subject);
    if values.iter().all(|v| v == "ReportBatchItemFailures") {
        r.rep.mapped(
            types.span,
            subject,
            "partial batch failures: a queue trigger always takes the handler's batchItemFailures",
        );
    } else {
        r.rep.not_mapped(
            types.span,
            subject,
            format!(
                "response types {}: only ReportBatchItemFailures exists",
                values.join(", ")
            ),
        );
    }
}

/// A YAML value as JSON (an event pattern, a filter policy); intrinsics inside resolve to text.
pub(crate) fn node_json(
    node: &Node,
    subject: &str,
    r: &mut Reading<'_, '_, '_>,
) -> serde_json::Value {
    use functory_lint::parse::Value;
    if node.is_intrinsic() {
        return r
            .text(node, subject)
            .map_or(serde_json::Value::Null, serde_json::Value::String);
    }
    match &node.value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => {
            serde_json::from_str(n).unwrap_or_else(|_| serde_json::Value::String(n.clone()))
        }
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(|i| node_json(i, subject, r)).collect())
        }
        Value::Object(members) => serde_json::Value::Object(
            members
                .iter()
                .map(|m| (m.key.clone(), node_json(&m.value, subject, r)))
                .collect(),
        ),
    }
}

pub(super) fn sam_event(
    event: &Node,
    subject: &str,
    r: &mut Reading<'_, '_, '_>,
    apis: &mut Apis<'_>,
) -> Option<Trigger> {
    let kind = event.get("Type").and_then(Node::as_str).unwrap_or_default();
    let empty = Node::new(functory_lint::parse::Value::Object(Vec::new()), event.span);
    let props = event.get("Properties").unwrap_or(&empty);
    let p = |key: &str| format!("{subject}.Properties.{key}");
    let known = known_event_properties(kind);
    if kind == "Api" || kind == "HttpApi" {
        for property in props.as_object().unwrap_or_default() {
            if !known.contains(&property.key.as_str()) {
                r.rep.not_mapped(
                    property.key_span,
                    &format!("{subject}.Properties.{}", property.key),
                    route_setting_note(&property.key),
                );
            }
        }
    } else if !known.is_empty() {
        report_unknown_properties(props, &format!("{subject}.Properties"), known, r.rep);
    }
    let trigger = match kind {
        "Api" | "HttpApi" => {
            let path = props.get("Path").and_then(|n| r.text(n, &p("Path")));
            let method = props.get("Method").and_then(|n| r.text(n, &p("Method")));
            let (method, path) = match (path, method) {
                (Some(path), Some(method)) => (method.to_ascii_uppercase(), path),
                // An HTTP API event without a route is the API's catch-all `$default` route.
                (None, None) if kind == "HttpApi" => ("ANY".into(), "/{proxy+}".into()),
                _ => {
                    r.rep.not_mapped(
                        event.span,
                        subject,
                        format!("an {kind} event needs both Path and Method"),
                    );
                    return None;
                }
            };
            let api_kind = if kind == "HttpApi" {
                ApiKind::Http
            } else {
                ApiKind::Rest
            };
            let (auth, payload_version) = apis.route(api_kind, props, subject, r);
            Trigger::Http {
                method,
                path,
                auth,
                payload_version,
            }
        }
        "Schedule" | "ScheduleV2" => {
            let (key, timezone_key, off) = if kind == "Schedule" {
                (
                    "Schedule",
                    None,
                    props
                        .get("Enabled")
                        .and_then(scalar_text)
                        .is_some_and(|e| e == "false"),
                )
            } else {
                (
                    "ScheduleExpression",
                    Some("ScheduleExpressionTimezone"),
                    props.get("State").and_then(Node::as_str) == Some("DISABLED"),
                )
            };
            let expression = props.get(key).and_then(|n| r.text(n, &p(key)));
            let Some(expression) = expression else {
                r.rep
                    .not_mapped(event.span, subject, format!("a {kind} event without {key}"));
                return None;
            };
            if off {
                r.rep.not_mapped(
                    event.span,
                    subject,
                    "the schedule is disabled in the template; functory.toml has no disabled schedules, so it is imported enabled",
                );
            }
            let timezone = timezone_key
                .and_then(|k| props.get(k).map(|n| (k, n)))
                .and_then(|(k, n)| r.text(n, &p(k)));
            Trigger::Schedule {
                expression,
                timezone,
            }
        }
        "S3" => {
            let Some(bucket) = props.get("Bucket").and_then(|n| r.text(n, &p("Bucket"))) else {
                r.rep
                    .not_mapped(event.span, subject, "an S3 event without Bucket");
                return None;
            };
            let events: Vec<String> = props
                .get("Events")
                .map(|e| r.texts(e, &p("Events")))
                .unwrap_or_default();
            let (mut prefix, mut suffix) = (None, None);
            if let Some(rules) = props
                .get("Filter")
                .and_then(|f| f.get("S3Key"))
                .and_then(|k| k.get("Rules"))
            {
                for rule in rules.items() {
                    let name = rule.get("Name").and_then(scalar_text).unwrap_or_default();
                    let value = rule
                        .get("Value")
                        .and_then(|v| r.text(v, &p("Filter.S3Key.Rules")));
                    match name.to_ascii_lowercase().as_str() {
                        "prefix" => prefix = value,
                        "suffix" => suffix = value,
                        _ => r.rep.not_mapped(
                            rule.span,
                            &p("Filter.S3Key.Rules"),
                            format!("filter rule `{name}` is neither prefix nor suffix"),
                        ),
                    }
                }
            }
            Trigger::Storage {
                bucket,
                prefix,
                suffix,
                events: storage_events(events),
            }
        }
        "SQS" => {
            let Some(queue) = props
                .get("Queue")
                .and_then(|n| r.source(n, &p("Queue")))
                .map(|(_, name)| name)
            else {
                r.rep
                    .not_mapped(event.span, subject, "an SQS event without Queue");
                return None;
            };
            if let Some(types) = props.get("FunctionResponseTypes") {
                partial_batch_failures(types, &p("FunctionResponseTypes"), r);
            }
            Trigger::Queue {
                queue,
                batch_size: props
                    .get("BatchSize")
                    .and_then(|n| r.number(n, &p("BatchSize"))),
            }
        }
        "Kinesis" | "DynamoDB" => {
            let Some(stream) = props
                .get("Stream")
                .and_then(|n| r.source(n, &p("Stream")))
                .map(|(_, name)| name)
            else {
                r.rep.not_mapped(
                    event.span,
                    subject,
                    format!("a {kind} event without Stream"),
                );
                return None;
            };
            Trigger::Stream {
                stream,
                batch_size: props
                    .get("BatchSize")
                    .and_then(|n| r.number(n, &p("BatchSize"))),
                starting_position: props
                    .get("StartingPosition")
                    .and_then(|n| r.text(n, &p("StartingPosition"))),
            }
        }
        "SNS" => {
            let Some(topic) = props
                .get("Topic")
                .and_then(|n| r.source(n, &p("Topic")))
                .map(|(_, name)| name)
            else {
                r.rep
                    .not_mapped(event.span, subject, "an SNS event without Topic");
                return None;
            };
            Trigger::Topic {
                topic,
                filter_policy: props
                    .get("FilterPolicy")
                    .map(|n| node_json(n, &p("FilterPolicy"), r).to_string()),
                filter_policy_scope: props
                    .get("FilterPolicyScope")
                    .and_then(|n| r.text(n, &p("FilterPolicyScope"))),
            }
        }
        "EventBridgeRule" | "CloudWatchEvent" => {
            let Some(pattern) = props.get("Pattern") else {
                r.rep.not_mapped(
                    event.span,
                    subject,
                    format!("an {kind} event without Pattern"),
                );
                return None;
            };
            let bus = props
                .get("EventBusName")
                .and_then(|n| r.source(n, &p("EventBusName")))
                .map(|(_, name)| {
                    name.strip_prefix("event-bus/")
                        .map(str::to_owned)
                        .unwrap_or(name)
                })
                .filter(|b| b != "default");
            Trigger::Event {
                bus,
                pattern: node_json(pattern, &p("Pattern"), r).to_string(),
            }
        }
        "" => {
            r.rep
                .not_mapped(event.span, subject, "the event has no Type");
            return None;
        }
        other => {
            r.rep.not_mapped(
                event.span,
                subject,
                format!(
                    "event type {other} has no Functory trigger kind (Functory has {TRIGGER_KINDS})"
                ),
            );
            return None;
        }
    };
    Some(trigger)
}

/// S3's default for a function's notification is every object creation; functory.toml says
/// the same by leaving `events` out, which keeps round trips stable.
pub(crate) fn storage_events(events: Vec<String>) -> Option<Vec<String>> {
    if events.is_empty() || events == ["s3:ObjectCreated:*"] {
        None
    } else {
        Some(events)
    }
}
