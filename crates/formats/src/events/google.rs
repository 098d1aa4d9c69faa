//! The shapes Cloud Functions (2nd gen) receive: CloudEvents for Cloud Storage and Pub/Sub.

use chrono::{DateTime, Utc};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use super::SAMPLE_EPOCH;
use super::rfc3339_millis;

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

pub(super) fn gcp_storage(bucket: &str, key: &str, at: DateTime<Utc>) -> Value {
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

pub(super) fn gcp_pubsub(topic: &str, at: DateTime<Utc>) -> Value {
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
