//! Sample events of every trigger kind, in the shapes AWS, Google Cloud and Azure deliver
//! them, built from a trigger's settings (its route, bucket, queue, stream).
//!
//! The builders here are also what the local runtime sends when its triggers fire
//! ([`s3_event`], [`sqs_event`], [`scheduled_event`]), so a sample and a real local event
//! never drift apart. Samples are deterministic: fixed ids and the time
//! 2025-01-01T00:00:00Z, so a saved sample diffs cleanly.

mod aws;
mod azure;
mod google;

use chrono::{DateTime, Utc};
use functory_core::{Function, Trigger};
use serde::Serialize;
use serde_json::{Value, json};

pub use aws::{
    KinesisRecord, S3Notification, SqsMessage, kinesis_records_event, rest_identity, s3_event,
    s3_event_key, scheduled_event, sqs_event,
};
use aws::{
    alb_request, api_gateway_rest, dynamodb_event, firehose_batch, function_url, http_api,
    kinesis_event, pattern_event, sns_event,
};
use azure::{azure_blob, azure_http, azure_timer};
use google::{gcp_pubsub, gcp_storage};

const REGION: &str = "us-east-1";
const ACCOUNT: &str = "123456789012";
/// 2025-01-01T00:00:00Z.
const SAMPLE_EPOCH: i64 = 1_735_689_600;

fn sample_time() -> DateTime<Utc> {
    DateTime::from_timestamp(SAMPLE_EPOCH, 0).unwrap_or_default()
}

/// Every event shape Functory can generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    ApiGatewayRest,
    ApiGatewayHttp,
    FunctionUrl,
    S3Put,
    S3Delete,
    Sqs,
    Sns,
    EventBridgeSchedule,
    EventBridgeEvent,
    DynamoDbStream,
    Kinesis,
    Alb,
    Firehose,
    GcpStorage,
    GcpPubSub,
    AzureHttp,
    AzureTimer,
    AzureBlob,
}

impl EventKind {
    pub const ALL: [EventKind; 18] = [
        EventKind::ApiGatewayRest,
        EventKind::ApiGatewayHttp,
        EventKind::FunctionUrl,
        EventKind::S3Put,
        EventKind::S3Delete,
        EventKind::Sqs,
        EventKind::Sns,
        EventKind::EventBridgeSchedule,
        EventKind::EventBridgeEvent,
        EventKind::DynamoDbStream,
        EventKind::Kinesis,
        EventKind::Alb,
        EventKind::Firehose,
        EventKind::GcpStorage,
        EventKind::GcpPubSub,
        EventKind::AzureHttp,
        EventKind::AzureTimer,
        EventKind::AzureBlob,
    ];

    /// The name the CLI takes (`functory events generate s3-put`).
    pub fn name(self) -> &'static str {
        match self {
            EventKind::ApiGatewayRest => "apigateway-rest",
            EventKind::ApiGatewayHttp => "apigateway-http",
            EventKind::FunctionUrl => "function-url",
            EventKind::S3Put => "s3-put",
            EventKind::S3Delete => "s3-delete",
            EventKind::Sqs => "sqs",
            EventKind::Sns => "sns",
            EventKind::EventBridgeSchedule => "eventbridge-schedule",
            EventKind::EventBridgeEvent => "eventbridge-event",
            EventKind::DynamoDbStream => "dynamodb-stream",
            EventKind::Kinesis => "kinesis",
            EventKind::Alb => "alb",
            EventKind::Firehose => "firehose",
            EventKind::GcpStorage => "gcp-storage",
            EventKind::GcpPubSub => "gcp-pubsub",
            EventKind::AzureHttp => "azure-http",
            EventKind::AzureTimer => "azure-timer",
            EventKind::AzureBlob => "azure-blob",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            EventKind::ApiGatewayRest => "API Gateway REST API request (payload 1.0)",
            EventKind::ApiGatewayHttp => "API Gateway HTTP API request (payload 2.0)",
            EventKind::FunctionUrl => "Lambda function URL request",
            EventKind::S3Put => "S3 object created (Put)",
            EventKind::S3Delete => "S3 object removed (Delete)",
            EventKind::Sqs => "SQS message batch",
            EventKind::Sns => "SNS notification",
            EventKind::EventBridgeSchedule => "EventBridge scheduled event",
            EventKind::EventBridgeEvent => "EventBridge event matching a rule's pattern",
            EventKind::DynamoDbStream => "DynamoDB stream record (INSERT)",
            EventKind::Kinesis => "Kinesis stream record",
            EventKind::Alb => "Application Load Balancer request",
            EventKind::Firehose => "Kinesis Data Firehose transformation batch",
            EventKind::GcpStorage => "Google Cloud Storage object finalized (CloudEvent)",
            EventKind::GcpPubSub => "Google Pub/Sub message published (CloudEvent)",
            EventKind::AzureHttp => "Azure Functions HTTP trigger (custom handler payload)",
            EventKind::AzureTimer => "Azure Functions timer trigger (custom handler payload)",
            EventKind::AzureBlob => "Azure Functions blob trigger (custom handler payload)",
        }
    }

    /// The manifest trigger kind whose settings this event is built from; `None` for a source
    /// functory.toml has no trigger for (its event has example values).
    pub fn trigger_kind(self) -> Option<&'static str> {
        Some(match self {
            EventKind::ApiGatewayRest
            | EventKind::ApiGatewayHttp
            | EventKind::AzureHttp
            | EventKind::Alb => "http",
            EventKind::Firehose => return None,
            EventKind::FunctionUrl => "url",
            EventKind::S3Put
            | EventKind::S3Delete
            | EventKind::GcpStorage
            | EventKind::AzureBlob => "storage",
            EventKind::Sqs | EventKind::GcpPubSub => "queue",
            EventKind::Sns => "topic",
            EventKind::EventBridgeEvent => "event",
            EventKind::EventBridgeSchedule | EventKind::AzureTimer => "schedule",
            EventKind::DynamoDbStream | EventKind::Kinesis => "stream",
        })
    }

    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// The manifest kind of a trigger (`http`, `schedule`, …).
pub fn trigger_kind(trigger: &Trigger) -> &'static str {
    match trigger {
        Trigger::Http { .. } => "http",
        Trigger::Schedule { .. } => "schedule",
        Trigger::Storage { .. } => "storage",
        Trigger::Queue { .. } => "queue",
        Trigger::Stream { .. } => "stream",
        Trigger::Topic { .. } => "topic",
        Trigger::Event { .. } => "event",
        Trigger::Url { .. } => "url",
    }
}

/// The settings an event is built from; [`EventInput::from_trigger`] fills them from a
/// manifest trigger, and anything unset has a neutral example value.
#[derive(Debug, Clone)]
pub struct EventInput {
    pub function: String,
    pub method: String,
    pub path: String,
    pub bucket: String,
    pub key: String,
    /// A queue (SQS), topic (SNS, Pub/Sub) name.
    pub queue: String,
    /// A Kinesis stream name or a DynamoDB stream ARN.
    pub stream: String,
    pub schedule: String,
    /// An EventBridge rule's event pattern (JSON text), which an event sample matches.
    pub pattern: String,
}

impl EventInput {
    pub fn new(function: &str) -> EventInput {
        EventInput {
            function: function.to_owned(),
            method: "GET".into(),
            path: "/".into(),
            bucket: "example-bucket".into(),
            key: "example.txt".into(),
            queue: "example-queue".into(),
            stream: "example-stream".into(),
            schedule: "rate(5 minutes)".into(),
            pattern: r#"{"source": ["example.app"], "detail-type": ["Example"]}"#.into(),
        }
    }

    /// The input for `function`'s `trigger`.
    pub fn from_trigger(function: &str, trigger: &Trigger) -> EventInput {
        let mut input = EventInput::new(function);
        match trigger {
            Trigger::Http { method, path, .. } => {
                input.method = method.clone();
                input.path = path.clone();
            }
            Trigger::Schedule { expression, .. } => input.schedule = expression.clone(),
            Trigger::Storage {
                bucket,
                prefix,
                suffix,
                ..
            } => {
                input.bucket = bucket.clone();
                input.key = format!(
                    "{}example{}",
                    prefix.as_deref().unwrap_or(""),
                    suffix.as_deref().unwrap_or(".txt")
                );
            }
            Trigger::Queue { queue, .. } => input.queue = queue.clone(),
            Trigger::Topic { topic, .. } => input.queue = topic.clone(),
            Trigger::Event { pattern, .. } => input.pattern = pattern.clone(),
            Trigger::Stream { stream, .. } => input.stream = stream.clone(),
            Trigger::Url { .. } => {}
        }
        input
    }
}

/// One ready-to-send sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SampleEvent {
    /// The trigger kind (`http`, `schedule`, `storage`, `queue`, `stream`, `url`) or `direct`.
    pub kind: String,
    pub name: String,
    pub event: Value,
}

/// A sample event for each trigger of `function` (in the shape the local runtime sends for
/// it), after a plain `{}` for a direct invoke.
pub fn sample_events(function: &Function) -> Vec<SampleEvent> {
    let mut samples = vec![SampleEvent {
        kind: "direct".into(),
        name: "empty event".into(),
        event: json!({}),
    }];
    for trigger in &function.triggers {
        let input = EventInput::from_trigger(&function.name, trigger);
        let (kind, name) = match trigger {
            Trigger::Http { method, path, .. } => {
                (EventKind::ApiGatewayHttp, format!("{method} {path}"))
            }
            Trigger::Schedule { expression, .. } => {
                (EventKind::EventBridgeSchedule, expression.clone())
            }
            Trigger::Storage { bucket, .. } => (EventKind::S3Put, format!("upload to {bucket}")),
            Trigger::Queue { queue, .. } => (EventKind::Sqs, format!("message on {queue}")),
            Trigger::Topic { topic, .. } => (EventKind::Sns, format!("message on {topic}")),
            Trigger::Event { bus, .. } => (
                EventKind::EventBridgeEvent,
                format!("event on {}", bus.as_deref().unwrap_or("default")),
            ),
            Trigger::Url { .. } => (EventKind::FunctionUrl, "function URL request".to_owned()),
            Trigger::Stream { stream, .. } => (
                if stream.contains(":dynamodb:") {
                    EventKind::DynamoDbStream
                } else {
                    EventKind::Kinesis
                },
                format!("record on {stream}"),
            ),
        };
        samples.push(SampleEvent {
            kind: trigger_kind(trigger).into(),
            name,
            event: generate(kind, &input),
        });
    }
    samples
}

/// Every other event shape Functory knows (REST 1.0 requests, S3 deletes, SNS, Google
/// CloudEvents, Azure payloads, …), each built from the settings of `function`'s first trigger
/// of the matching kind (or neutral example values): `kind` is `more` and `name` the shape's
/// description. The shapes [`sample_events`] already gives for the function's triggers are left
/// out.
pub fn other_shapes(function: &Function) -> Vec<SampleEvent> {
    let given: Vec<EventKind> = function
        .triggers
        .iter()
        .map(|trigger| match trigger {
            Trigger::Http { .. } => EventKind::ApiGatewayHttp,
            Trigger::Schedule { .. } => EventKind::EventBridgeSchedule,
            Trigger::Storage { .. } => EventKind::S3Put,
            Trigger::Queue { .. } => EventKind::Sqs,
            Trigger::Topic { .. } => EventKind::Sns,
            Trigger::Event { .. } => EventKind::EventBridgeEvent,
            Trigger::Url { .. } => EventKind::FunctionUrl,
            Trigger::Stream { stream, .. } if stream.contains(":dynamodb:") => {
                EventKind::DynamoDbStream
            }
            Trigger::Stream { .. } => EventKind::Kinesis,
        })
        .collect();
    EventKind::ALL
        .into_iter()
        .filter(|kind| !given.contains(kind))
        .map(|kind| {
            let input = function
                .triggers
                .iter()
                .find(|t| Some(trigger_kind(t)) == kind.trigger_kind())
                .map(|t| EventInput::from_trigger(&function.name, t))
                .unwrap_or_else(|| EventInput::new(&function.name));
            SampleEvent {
                kind: "more".into(),
                name: kind.description().to_owned(),
                event: generate(kind, &input),
            }
        })
        .collect()
}

/// The event of `kind` built from `input`.
pub fn generate(kind: EventKind, input: &EventInput) -> Value {
    let at = sample_time();
    match kind {
        EventKind::ApiGatewayRest => api_gateway_rest(input),
        EventKind::ApiGatewayHttp => http_api(&input.method, &input.path),
        EventKind::FunctionUrl => function_url(&input.function),
        EventKind::S3Put | EventKind::S3Delete => s3_event(&S3Notification {
            bucket: &input.bucket,
            key: &input.key,
            event_name: if kind == EventKind::S3Put {
                "ObjectCreated:Put"
            } else {
                "ObjectRemoved:Delete"
            },
            size: 1024,
            etag: "d41d8cd98f00b204e9800998ecf8427e",
            sequence: 1,
            region: REGION,
            time: at,
            host_id: "sample-host-id",
        }),
        EventKind::Sqs => sqs_event(
            &input.queue,
            REGION,
            ACCOUNT,
            &[SqsMessage {
                id: "059f36b4-87a3-44ab-83d2-661975830a7d".into(),
                receipt_handle: "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...".into(),
                body: "{\"hello\":\"world\"}".into(),
                receive_count: 1,
                sent_ms: SAMPLE_EPOCH * 1000,
                first_receive_ms: Some(SAMPLE_EPOCH * 1000),
            }],
        ),
        EventKind::Sns => sns_event(&input.queue, at),
        EventKind::EventBridgeSchedule => scheduled_event(
            &format!(
                "arn:aws:events:{REGION}:{ACCOUNT}:rule/{}-schedule",
                input.function
            ),
            REGION,
            ACCOUNT,
            at,
            "cdc73f9d-aea9-11e3-9d5a-835b769c0d9c",
        ),
        EventKind::EventBridgeEvent => pattern_event(&input.pattern, at),
        EventKind::DynamoDbStream => dynamodb_event(&input.stream),
        EventKind::Kinesis => kinesis_event(&input.stream),
        EventKind::Alb => alb_request(&input.method, &input.path),
        EventKind::Firehose => firehose_batch(&input.stream),
        EventKind::GcpStorage => gcp_storage(&input.bucket, &input.key, at),
        EventKind::GcpPubSub => gcp_pubsub(&input.queue, at),
        EventKind::AzureHttp => azure_http(&input.method, &input.path, &input.function),
        EventKind::AzureTimer => azure_timer(at),
        EventKind::AzureBlob => azure_blob(&input.bucket, &input.key),
    }
}

fn rfc3339_millis(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A route's path with each `{param}` filled with `example`, and those parameters.
fn concrete_path(path: &str) -> (String, serde_json::Map<String, Value>) {
    let mut params = serde_json::Map::new();
    let concrete = path
        .split('/')
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => {
                    params.insert(name.trim_end_matches('+').to_owned(), json!("example"));
                    "example"
                }
                None => segment,
            },
        )
        .collect::<Vec<_>>()
        .join("/");
    (concrete, params)
}

fn concrete_method(method: &str) -> String {
    if method.eq_ignore_ascii_case("ANY") {
        "GET".to_owned()
    } else {
        method.to_ascii_uppercase()
    }
}

fn has_body(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH")
}

#[cfg(test)]
mod tests {
    use md5::{Digest, Md5};

    use super::*;

    fn input() -> EventInput {
        EventInput {
            method: "POST".into(),
            path: "/users/{id}".into(),
            bucket: "uploads".into(),
            key: "in/cat photo.jpg".into(),
            queue: "orders".into(),
            stream: "clicks".into(),
            ..EventInput::new("f")
        }
    }

    #[test]
    fn an_s3_event_key_decodes_to_the_key_it_encodes() {
        for key in ["in/cat photo.jpg", "a+b/ä 1 (2).txt", "100%/x=y&z", "plain"] {
            let event = s3_event(&S3Notification {
                bucket: "b",
                key,
                event_name: "ObjectCreated:Put",
                size: 1,
                etag: "e",
                sequence: 1,
                region: "us-east-1",
                time: chrono::Utc::now(),
                host_id: "h",
            });
            let encoded = event["Records"][0]["s3"]["object"]["key"].as_str().unwrap();
            assert_eq!(s3_event_key(encoded), key, "{encoded}");
        }
        // As S3 writes it (a space as `+`, a plus as %2B).
        assert_eq!(s3_event_key("my+photos/a%2Bb.jpg"), "my photos/a+b.jpg");
    }

    #[test]
    fn every_kind_has_a_name_and_the_real_shape() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::from_name(kind.name()), Some(kind));
            let event = generate(kind, &input());
            assert!(event.is_object(), "{}", kind.name());
        }
        let rest = generate(EventKind::ApiGatewayRest, &input());
        assert_eq!(rest["httpMethod"], "POST");
        assert_eq!(rest["resource"], "/users/{id}");
        assert_eq!(rest["pathParameters"]["id"], "example");
        assert_eq!(rest["requestContext"]["resourcePath"], "/users/{id}");
        let http = generate(EventKind::ApiGatewayHttp, &input());
        assert_eq!(http["version"], "2.0");
        assert_eq!(http["routeKey"], "POST /users/{id}");
        let put = generate(EventKind::S3Put, &input());
        assert_eq!(put["Records"][0]["s3"]["object"]["key"], "in/cat+photo.jpg");
        assert_eq!(put["Records"][0]["eventTime"], "2025-01-01T00:00:00.000Z");
        let delete = generate(EventKind::S3Delete, &input());
        assert_eq!(delete["Records"][0]["eventName"], "ObjectRemoved:Delete");
        assert!(delete["Records"][0]["s3"]["object"].get("size").is_none());
        let sqs = generate(EventKind::Sqs, &input());
        assert_eq!(
            sqs["Records"][0]["eventSourceARN"],
            "arn:aws:sqs:us-east-1:123456789012:orders"
        );
        assert_eq!(
            sqs["Records"][0]["md5OfBody"],
            format!("{:x}", Md5::digest(b"{\"hello\":\"world\"}"))
        );
        let sns = generate(EventKind::Sns, &input());
        assert_eq!(
            sns["Records"][0]["Sns"]["TopicArn"],
            "arn:aws:sns:us-east-1:123456789012:orders"
        );
        let schedule = generate(EventKind::EventBridgeSchedule, &input());
        assert_eq!(schedule["detail-type"], "Scheduled Event");
        let dynamodb = generate(EventKind::DynamoDbStream, &input());
        assert_eq!(dynamodb["Records"][0]["eventSource"], "aws:dynamodb");
        assert!(
            dynamodb["Records"][0]["eventSourceARN"]
                .as_str()
                .unwrap()
                .contains(":table/clicks/stream/")
        );
        let kinesis = generate(EventKind::Kinesis, &input());
        assert_eq!(
            kinesis["Records"][0]["eventSourceARN"],
            "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"
        );
        let storage = generate(EventKind::GcpStorage, &input());
        assert_eq!(storage["type"], "google.cloud.storage.object.v1.finalized");
        assert_eq!(
            storage["source"],
            "//storage.googleapis.com/projects/_/buckets/uploads"
        );
        assert_eq!(storage["data"]["name"], "in/cat photo.jpg");
        let pubsub = generate(EventKind::GcpPubSub, &input());
        assert_eq!(
            pubsub["type"],
            "google.cloud.pubsub.topic.v1.messagePublished"
        );
        assert_eq!(
            pubsub["data"]["message"]["data"],
            "eyJoZWxsbyI6IndvcmxkIn0="
        );
        let azure = generate(EventKind::AzureHttp, &input());
        assert_eq!(azure["Data"]["req"]["Method"], "POST");
        assert_eq!(azure["Data"]["req"]["Params"]["id"], "example");
        assert_eq!(
            generate(EventKind::AzureTimer, &input())["Data"]["myTimer"]["IsPastDue"],
            false
        );
        assert_eq!(
            generate(EventKind::AzureBlob, &input())["Metadata"]["BlobTrigger"],
            "uploads/in/cat photo.jpg"
        );
    }

    #[test]
    fn samples_are_deterministic_and_follow_triggers() {
        let mut function = crate::sam::new_function(
            "f".into(),
            "nodejs22.x".into(),
            "app.handler".into(),
            ".".into(),
        );
        function.triggers.push(Trigger::Stream {
            stream: "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024".into(),
            batch_size: None,
            starting_position: None,
        });
        let samples = sample_events(&function);
        assert_eq!(samples, sample_events(&function));
        assert_eq!(samples[1].kind, "stream");
        assert_eq!(
            samples[1].event["Records"][0]["eventSource"],
            "aws:dynamodb"
        );
    }

    #[test]
    fn other_shapes_cover_every_kind_once_with_the_triggers_settings() {
        let mut function = crate::sam::new_function(
            "thumbs".into(),
            "nodejs22.x".into(),
            "app.handler".into(),
            ".".into(),
        );
        function.triggers.push(Trigger::Storage {
            bucket: "uploads".into(),
            prefix: Some("in/".into()),
            suffix: Some(".jpg".into()),
            events: None,
        });
        let others = other_shapes(&function);
        // Every shape but the S3 put the storage trigger's own sample already is.
        assert_eq!(others.len(), EventKind::ALL.len() - 1);
        assert!(others.iter().all(|s| s.kind == "more"));
        let names: Vec<&str> = others.iter().map(|s| s.name.as_str()).collect();
        assert!(!names.contains(&EventKind::S3Put.description()));
        let by_name = |kind: EventKind| {
            &others
                .iter()
                .find(|s| s.name == kind.description())
                .unwrap()
                .event
        };
        // Storage shapes of every cloud use the trigger's bucket and prefix/suffix.
        assert_eq!(
            by_name(EventKind::S3Delete)["Records"][0]["s3"]["bucket"]["name"],
            "uploads"
        );
        assert_eq!(
            by_name(EventKind::S3Delete)["Records"][0]["eventName"],
            "ObjectRemoved:Delete"
        );
        assert_eq!(
            by_name(EventKind::GcpStorage)["data"]["name"],
            "in/example.jpg"
        );
        assert_eq!(
            by_name(EventKind::AzureBlob)["Metadata"]["BlobTrigger"],
            "uploads/in/example.jpg"
        );
        // Kinds the function has no trigger of use neutral example values.
        assert_eq!(by_name(EventKind::ApiGatewayRest)["httpMethod"], "GET");
    }
}
