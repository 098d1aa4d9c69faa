//! Sample events of every trigger kind, in the shapes AWS, Google Cloud and Azure deliver
//! them, built from a trigger's settings (its route, bucket, queue, stream).
//!
//! The builders here are also what the local runtime sends when its triggers fire
//! ([`s3_event`], [`sqs_event`], [`scheduled_event`]), so a sample and a real local event
//! never drift apart. Samples are deterministic: fixed ids and the time
//! 2025-01-01T00:00:00Z, so a saved sample diffs cleanly.

use chrono::{DateTime, Utc};
use functory_core::{Function, Trigger};
use md5::{Digest, Md5};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde_json::{Value, json};

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
    DynamoDbStream,
    Kinesis,
    GcpStorage,
    GcpPubSub,
    AzureHttp,
    AzureTimer,
    AzureBlob,
}

impl EventKind {
    pub const ALL: [EventKind; 15] = [
        EventKind::ApiGatewayRest,
        EventKind::ApiGatewayHttp,
        EventKind::FunctionUrl,
        EventKind::S3Put,
        EventKind::S3Delete,
        EventKind::Sqs,
        EventKind::Sns,
        EventKind::EventBridgeSchedule,
        EventKind::DynamoDbStream,
        EventKind::Kinesis,
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
            EventKind::DynamoDbStream => "dynamodb-stream",
            EventKind::Kinesis => "kinesis",
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
            EventKind::DynamoDbStream => "DynamoDB stream record (INSERT)",
            EventKind::Kinesis => "Kinesis stream record",
            EventKind::GcpStorage => "Google Cloud Storage object finalized (CloudEvent)",
            EventKind::GcpPubSub => "Google Pub/Sub message published (CloudEvent)",
            EventKind::AzureHttp => "Azure Functions HTTP trigger (custom handler payload)",
            EventKind::AzureTimer => "Azure Functions timer trigger (custom handler payload)",
            EventKind::AzureBlob => "Azure Functions blob trigger (custom handler payload)",
        }
    }

    /// The manifest trigger kind whose settings this event is built from.
    pub fn trigger_kind(self) -> &'static str {
        match self {
            EventKind::ApiGatewayRest | EventKind::ApiGatewayHttp | EventKind::AzureHttp => "http",
            EventKind::FunctionUrl => "url",
            EventKind::S3Put
            | EventKind::S3Delete
            | EventKind::GcpStorage
            | EventKind::AzureBlob => "storage",
            EventKind::Sqs | EventKind::Sns | EventKind::GcpPubSub => "queue",
            EventKind::EventBridgeSchedule | EventKind::AzureTimer => "schedule",
            EventKind::DynamoDbStream | EventKind::Kinesis => "stream",
        }
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
                .find(|t| trigger_kind(t) == kind.trigger_kind())
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
        EventKind::DynamoDbStream => dynamodb_event(&input.stream),
        EventKind::Kinesis => kinesis_event(&input.stream),
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

fn http_api(method: &str, path: &str) -> Value {
    let (concrete, params) = concrete_path(path);
    let method = concrete_method(method);
    let route_key = format!("{method} {path}");
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": concrete,
        "rawQueryString": "",
        "headers": { "accept": "application/json", "host": "127.0.0.1", "user-agent": "functory" },
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": "127.0.0.1",
            "domainPrefix": "local",
            "http": { "method": method, "path": concrete, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "functory" },
            "requestId": "sample-request",
            "routeKey": route_key,
            "stage": "$default",
            "time": "01/Jan/2025:00:00:00 +0000",
            "timeEpoch": SAMPLE_EPOCH * 1000,
        },
        "isBase64Encoded": false,
    });
    if !params.is_empty() {
        event["pathParameters"] = Value::Object(params);
    }
    if has_body(&method) {
        event["body"] = json!("{\"hello\":\"world\"}");
        event["headers"]["content-type"] = json!("application/json");
    }
    event
}

fn api_gateway_rest(input: &EventInput) -> Value {
    let (concrete, params) = concrete_path(&input.path);
    let method = concrete_method(&input.method);
    let headers = json!({
        "Accept": "application/json",
        "Host": "abcdef1234.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "functory",
        "X-Forwarded-For": "127.0.0.1",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    });
    let multi: serde_json::Map<String, Value> = headers
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), json!([v])))
        .collect();
    json!({
        "resource": input.path,
        "path": concrete,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": multi,
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": if params.is_empty() { Value::Null } else { Value::Object(params) },
        "stageVariables": null,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "abcdef1234",
            "domainName": "abcdef1234.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abcdef1234",
            "extendedRequestId": "sample-extended-id=",
            "httpMethod": method,
            "identity": { "sourceIp": "127.0.0.1", "userAgent": "functory", "accountId": null, "caller": null, "user": null, "userArn": null },
            "path": format!("/prod{concrete}"),
            "protocol": "HTTP/1.1",
            "requestId": "sample-request",
            "requestTime": "01/Jan/2025:00:00:00 +0000",
            "requestTimeEpoch": SAMPLE_EPOCH * 1000,
            "resourceId": "abc123",
            "resourcePath": input.path,
            "stage": "prod",
        },
        "body": if has_body(&method) { json!("{\"hello\":\"world\"}") } else { Value::Null },
        "isBase64Encoded": false,
    })
}

/// A stable 32-character lowercase id standing in for a function URL's random id, so the
/// sample is the same every time it is generated.
fn url_id(function: &str) -> String {
    (0u8..32)
        .map(|position| {
            let hash = function
                .bytes()
                .chain([position])
                .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
                });
            char::from_digit((hash % 36) as u32, 36).unwrap_or('a')
        })
        .collect()
}

fn function_url(function: &str) -> Value {
    // A function URL event is payload 2.0 with the `$default` route and the URL's own host.
    let mut event = http_api("GET", "/");
    let id = url_id(function);
    let domain = format!("{id}.lambda-url.{REGION}.on.aws");
    event["routeKey"] = json!("$default");
    event["requestContext"]["routeKey"] = json!("$default");
    event["requestContext"]["apiId"] = json!(id);
    event["requestContext"]["domainName"] = json!(domain);
    event["requestContext"]["domainPrefix"] = json!(id);
    event["headers"]["host"] = json!(domain);
    event
}

/// S3 keys in events are URL-encoded with spaces as `+`; these characters stay as they are.
const KEY_KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'!')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b' ');

/// What an S3 event notification says about one object.
#[derive(Debug, Clone)]
pub struct S3Notification<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    /// `ObjectCreated:Put`, `ObjectRemoved:Delete`, …
    pub event_name: &'a str,
    pub size: usize,
    pub etag: &'a str,
    pub sequence: u64,
    pub region: &'a str,
    pub time: DateTime<Utc>,
    /// `x-amz-id-2`.
    pub host_id: &'a str,
}

/// An S3 event notification with one record.
pub fn s3_event(n: &S3Notification<'_>) -> Value {
    let encoded_key = utf8_percent_encode(n.key, KEY_KEEP)
        .to_string()
        .replace(' ', "+");
    let sequence = n.sequence;
    let mut object = json!({ "key": encoded_key, "sequencer": format!("{sequence:016X}") });
    if n.event_name.starts_with("ObjectCreated") {
        object["size"] = json!(n.size);
        object["eTag"] = json!(n.etag);
    }
    json!({
        "Records": [{
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": n.region,
            "eventTime": rfc3339_millis(n.time),
            "eventName": n.event_name,
            "userIdentity": { "principalId": "local" },
            "requestParameters": { "sourceIPAddress": "127.0.0.1" },
            "responseElements": {
                "x-amz-request-id": format!("{sequence:016X}"),
                "x-amz-id-2": n.host_id,
            },
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": format!("functory-{}", n.bucket),
                "bucket": {
                    "name": n.bucket,
                    "ownerIdentity": { "principalId": "local" },
                    "arn": format!("arn:aws:s3:::{}", n.bucket),
                },
                "object": object,
            },
        }],
    })
}

/// One SQS message as a Lambda event record carries it.
#[derive(Debug, Clone)]
pub struct SqsMessage {
    pub id: String,
    pub receipt_handle: String,
    pub body: String,
    pub receive_count: u32,
    pub sent_ms: i64,
    pub first_receive_ms: Option<i64>,
}

/// The SQS event for a batch.
pub fn sqs_event(queue: &str, region: &str, account: &str, batch: &[SqsMessage]) -> Value {
    let records: Vec<Value> = batch
        .iter()
        .map(|m| {
            json!({
                "messageId": m.id,
                "receiptHandle": m.receipt_handle,
                "body": m.body,
                "attributes": {
                    "ApproximateReceiveCount": m.receive_count.to_string(),
                    "SentTimestamp": m.sent_ms.to_string(),
                    "SenderId": account,
                    "ApproximateFirstReceiveTimestamp": m.first_receive_ms.unwrap_or(m.sent_ms).to_string(),
                },
                "messageAttributes": {},
                "md5OfBody": format!("{:x}", Md5::digest(m.body.as_bytes())),
                "eventSource": "aws:sqs",
                "eventSourceARN": format!("arn:aws:sqs:{region}:{account}:{queue}"),
                "awsRegion": region,
            })
        })
        .collect();
    json!({ "Records": records })
}

/// The event EventBridge sends for a scheduled rule.
pub fn scheduled_event(
    rule_arn: &str,
    region: &str,
    account: &str,
    at: DateTime<Utc>,
    id: &str,
) -> Value {
    json!({
        "version": "0",
        "id": id,
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    })
}

fn sns_event(topic: &str, at: DateTime<Utc>) -> Value {
    let topic_arn = format!("arn:aws:sns:{REGION}:{ACCOUNT}:{topic}");
    json!({
        "Records": [{
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": format!("{topic_arn}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55"),
            "Sns": {
                "Type": "Notification",
                "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                "TopicArn": topic_arn,
                "Subject": "example subject",
                "Message": "{\"hello\":\"world\"}",
                "Timestamp": rfc3339_millis(at),
                "SignatureVersion": "1",
                "Signature": "EXAMPLE",
                "SigningCertUrl": format!("https://sns.{REGION}.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem"),
                "UnsubscribeUrl": format!("https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic_arn}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55"),
                "MessageAttributes": {},
            },
        }],
    })
}

fn dynamodb_event(stream: &str) -> Value {
    // A stream named by a table's stream ARN keeps it; a plain name is taken as the table.
    let arn = if stream.starts_with("arn:") && !stream.ends_with("/stream/*") {
        stream.to_owned()
    } else {
        let table = stream
            .split("table/")
            .nth(1)
            .and_then(|t| t.split('/').next())
            .unwrap_or(stream);
        format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}/stream/2025-01-01T00:00:00.000")
    };
    json!({
        "Records": [{
            "eventID": "c4ca4238a0b923820dcc509a6f75849b",
            "eventName": "INSERT",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": REGION,
            "dynamodb": {
                "ApproximateCreationDateTime": SAMPLE_EPOCH,
                "Keys": { "Id": { "N": "101" } },
                "NewImage": { "Message": { "S": "New item!" }, "Id": { "N": "101" } },
                "SequenceNumber": "4421584500000000017450439091",
                "SizeBytes": 26,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
            "eventSourceARN": arn,
        }],
    })
}

fn kinesis_event(stream: &str) -> Value {
    let arn = if stream.starts_with("arn:") {
        stream.to_owned()
    } else {
        format!("arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}")
    };
    json!({
        "Records": [{
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": "1",
                "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
                "data": "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==",
                "approximateArrivalTimestamp": SAMPLE_EPOCH as f64,
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": "shardId-000000000006:49590338271490256608559692538361571095921575989136588898",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": format!("arn:aws:iam::{ACCOUNT}:role/lambda-role"),
            "awsRegion": REGION,
            "eventSourceARN": arn,
        }]
    })
}

/// A CloudEvent in structured JSON mode, as Cloud Functions (2nd gen) receive it.
fn cloud_event(
    source: String,
    kind: &str,
    subject: Option<String>,
    at: DateTime<Utc>,
    data: Value,
) -> Value {
    let mut event = json!({
        "specversion": "1.0",
        "id": "1234567890123456",
        "source": source,
        "type": kind,
        "time": rfc3339_millis(at),
        "datacontenttype": "application/json",
        "data": data,
    });
    if let Some(subject) = subject {
        event["subject"] = json!(subject);
    }
    event
}

fn gcp_storage(bucket: &str, key: &str, at: DateTime<Utc>) -> Value {
    let generation = (SAMPLE_EPOCH * 1_000_000).to_string();
    let encoded: String = utf8_percent_encode(key, NON_ALPHANUMERIC).to_string();
    let time = rfc3339_millis(at);
    cloud_event(
        format!("//storage.googleapis.com/projects/_/buckets/{bucket}"),
        "google.cloud.storage.object.v1.finalized",
        Some(format!("objects/{key}")),
        at,
        json!({
            "kind": "storage#object",
            "id": format!("{bucket}/{key}/{generation}"),
            "selfLink": format!("https://www.googleapis.com/storage/v1/b/{bucket}/o/{encoded}"),
            "name": key,
            "bucket": bucket,
            "generation": generation,
            "metageneration": "1",
            "contentType": "text/plain",
            "timeCreated": time,
            "updated": time,
            "storageClass": "STANDARD",
            "timeStorageClassUpdated": time,
            "size": "1024",
            "md5Hash": "1B2M2Y8AsgTpgAmY7PhCfg==",
            "mediaLink": format!("https://storage.googleapis.com/download/storage/v1/b/{bucket}/o/{encoded}?generation={generation}&alt=media"),
            "crc32c": "AAAAAA==",
            "etag": "CKih16GjycICEAE=",
        }),
    )
}

fn gcp_pubsub(topic: &str, at: DateTime<Utc>) -> Value {
    cloud_event(
        format!("//pubsub.googleapis.com/projects/example-project/topics/{topic}"),
        "google.cloud.pubsub.topic.v1.messagePublished",
        None,
        at,
        json!({
            "message": {
                // base64 of {"hello":"world"}
                "data": "eyJoZWxsbyI6IndvcmxkIn0=",
                "messageId": "2070443601311540",
                "publishTime": rfc3339_millis(at),
                "attributes": {},
            },
            "subscription": format!("projects/example-project/subscriptions/{topic}-subscription"),
        }),
    )
}

/// The request payload Azure Functions sends a custom handler: trigger data and metadata.
fn azure_payload(data: Value, metadata: Value) -> Value {
    json!({ "Data": data, "Metadata": metadata })
}

fn azure_http(method: &str, path: &str, function: &str) -> Value {
    let (concrete, params) = concrete_path(path);
    let method = concrete_method(method);
    let url = format!("https://example-app.azurewebsites.net/api{concrete}");
    azure_payload(
        json!({
            "req": {
                "Url": url,
                "Method": method,
                "Query": {},
                "Headers": { "Accept": ["application/json"], "Host": ["example-app.azurewebsites.net"], "User-Agent": ["functory"] },
                "Params": params,
                "Body": if has_body(&method) { "{\"hello\":\"world\"}" } else { "" },
            }
        }),
        json!({
            "Query": {},
            "Headers": { "Accept": "application/json", "Host": "example-app.azurewebsites.net", "User-Agent": "functory" },
            "sys": { "MethodName": function, "UtcNow": "2025-01-01T00:00:00.000Z", "RandGuid": "3cf1a8f7-8ac5-4c5d-9e36-6b8e3f1a9c52" },
        }),
    )
}

fn azure_timer(at: DateTime<Utc>) -> Value {
    let time = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string();
    let next = at + chrono::Duration::minutes(5);
    let last = at - chrono::Duration::minutes(5);
    azure_payload(
        json!({
            "myTimer": {
                "Schedule": { "AdjustForDST": true },
                "ScheduleStatus": { "Last": time(last), "Next": time(next), "LastUpdated": time(last) },
                "IsPastDue": false,
            }
        }),
        json!({ "sys": { "MethodName": "timer", "UtcNow": rfc3339_millis(at), "RandGuid": "3cf1a8f7-8ac5-4c5d-9e36-6b8e3f1a9c52" } }),
    )
}

fn azure_blob(container: &str, name: &str) -> Value {
    let uri = format!("https://exampleaccount.blob.core.windows.net/{container}/{name}");
    azure_payload(
        json!({ "myBlob": "Hello from Functory" }),
        json!({
            "BlobTrigger": format!("{container}/{name}"),
            "Uri": uri,
            "name": name,
            "Properties": {
                "ContentType": "text/plain",
                "Length": 19,
                "ETag": "\"0x8DCA1B2C3D4E5F6\"",
                "BlobType": "BlockBlob",
                "LastModified": "2025-01-01T00:00:00+00:00",
            },
            "Metadata": {},
            "sys": { "MethodName": "blob", "UtcNow": "2025-01-01T00:00:00.000Z", "RandGuid": "3cf1a8f7-8ac5-4c5d-9e36-6b8e3f1a9c52" },
        }),
    )
}

#[cfg(test)]
mod tests {
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
