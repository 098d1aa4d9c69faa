//! The shapes AWS delivers: API Gateway HTTP APIs (2.0) and REST APIs (1.0), function URLs,
//! S3, SQS, EventBridge schedules, SNS, DynamoDB and Kinesis streams.

use chrono::{DateTime, Utc};
use md5::{Digest, Md5};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use super::{
    ACCOUNT, EventInput, REGION, SAMPLE_EPOCH, concrete_method, concrete_path, has_body,
    rfc3339_millis,
};

pub(super) fn http_api(method: &str, path: &str) -> Value {
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

/// A REST API (payload 1.0) request's `requestContext.identity`: every field API Gateway sends,
/// null when the request has none. The local gateway's requests carry the same.
pub fn rest_identity(source_ip: &str, user_agent: Option<&str>) -> Value {
    json!({
        "sourceIp": source_ip,
        "userAgent": user_agent,
        "accessKey": null,
        "accountId": null,
        "caller": null,
        "cognitoAuthenticationProvider": null,
        "cognitoAuthenticationType": null,
        "cognitoIdentityId": null,
        "cognitoIdentityPoolId": null,
        "principalOrgId": null,
        "user": null,
        "userArn": null,
    })
}

pub(super) fn api_gateway_rest(input: &EventInput) -> Value {
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
            "identity": rest_identity("127.0.0.1", Some("functory")),
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

pub(super) fn function_url(function: &str) -> Value {
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

/// The object key an S3 event notification's `s3.object.key` names: S3 writes it URL-encoded,
/// a space as `+` (the encoding [`s3_event`] writes).
pub fn s3_event_key(encoded: &str) -> String {
    percent_encoding::percent_decode_str(&encoded.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
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

/// An EventBridge event that a rule's `pattern` (JSON text) matches: its `source` and
/// `detail-type` are the pattern's first values, and its `detail` holds the pattern's first
/// value for each plain `detail` field it names. (An event carries no bus name: the rule on
/// the bus is what delivered it.)
pub(super) fn pattern_event(pattern: &str, at: DateTime<Utc>) -> Value {
    let pattern: Value = serde_json::from_str(pattern).unwrap_or(Value::Null);
    let first = |field: &str, fallback: &str| -> Value {
        pattern
            .get(field)
            .and_then(Value::as_array)
            .and_then(|values| values.iter().find(|v| v.is_string()))
            .cloned()
            .unwrap_or_else(|| Value::from(fallback))
    };
    let mut detail = serde_json::Map::new();
    if let Some(fields) = pattern.get("detail").and_then(Value::as_object) {
        for (name, values) in fields {
            if let Some(value) = values
                .as_array()
                .and_then(|v| v.iter().find(|v| !v.is_object()))
            {
                detail.insert(name.clone(), value.clone());
            }
        }
    }
    json!({
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": first("detail-type", "Example"),
        "source": first("source", "example.app"),
        "account": ACCOUNT,
        "time": at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "region": REGION,
        "resources": [],
        "detail": detail,
    })
}

pub(super) fn sns_event(topic: &str, at: DateTime<Utc>) -> Value {
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

pub(super) fn dynamodb_event(stream: &str) -> Value {
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

pub(super) fn kinesis_event(stream: &str) -> Value {
    let arn = if stream.starts_with("arn:") {
        stream.to_owned()
    } else {
        format!("arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}")
    };
    kinesis_records_event(
        &arn,
        REGION,
        &format!("arn:aws:iam::{ACCOUNT}:role/lambda-role"),
        &[KinesisRecord {
            shard_id: "shardId-000000000006".to_owned(),
            partition_key: "1".to_owned(),
            sequence_number: "49590338271490256608559692538361571095921575989136588898".to_owned(),
            data_base64: "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==".to_owned(),
            arrival_s: SAMPLE_EPOCH as f64,
        }],
    )
}

/// One Kinesis record as Lambda's event carries it.
#[derive(Debug, Clone)]
pub struct KinesisRecord {
    pub shard_id: String,
    pub partition_key: String,
    pub sequence_number: String,
    /// The record's data, base64.
    pub data_base64: String,
    /// When it arrived, in seconds since the epoch.
    pub arrival_s: f64,
}

/// The Kinesis event Lambda sends a function for a batch of `stream_arn`'s records, read with
/// the role `role_arn`.
pub fn kinesis_records_event(
    stream_arn: &str,
    region: &str,
    role_arn: &str,
    records: &[KinesisRecord],
) -> Value {
    let records: Vec<Value> = records
        .iter()
        .map(|r| {
            json!({
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": r.partition_key,
                    "sequenceNumber": r.sequence_number,
                    "data": r.data_base64,
                    "approximateArrivalTimestamp": r.arrival_s,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": format!("{}:{}", r.shard_id, r.sequence_number),
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": role_arn,
                "awsRegion": region,
                "eventSourceARN": stream_arn,
            })
        })
        .collect();
    json!({ "Records": records })
}

/// An Application Load Balancer request to a Lambda target (multi-value headers off, as a
/// target group starts).
pub(super) fn alb_request(method: &str, path: &str) -> Value {
    let (concrete, _) = concrete_path(path);
    let method = concrete_method(method);
    json!({
        "requestContext": {
            "elb": {
                "targetGroupArn": format!(
                    "arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/functory-sample/49e9d65c45c6791a"
                ),
            },
        },
        "httpMethod": method,
        "path": concrete,
        "queryStringParameters": {},
        "headers": {
            "accept": "application/json",
            "host": "functory-sample-123578498.us-east-1.elb.amazonaws.com",
            "user-agent": "functory",
            "x-amzn-trace-id": "Root=1-5c536348-3d683b8b04734faae651f476",
            "x-forwarded-for": "127.0.0.1",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        },
        "body": if has_body(&method) { "{\"hello\":\"world\"}" } else { "" },
        "isBase64Encoded": false,
    })
}

/// A Kinesis Data Firehose transformation batch: the function answers each record with its
/// `recordId`, a `result` and the transformed `data`.
pub(super) fn firehose_batch(stream: &str) -> Value {
    json!({
        "invocationId": "invocation-0b5c0a0a-sample",
        "deliveryStreamArn": format!("arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/{stream}"),
        "region": REGION,
        "records": [{
            "recordId": "49546986683135544286507457936321625675700192471156785154",
            "approximateArrivalTimestamp": SAMPLE_EPOCH * 1000,
            "data": "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==",
        }],
    })
}
