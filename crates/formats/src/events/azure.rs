//! The payloads Azure Functions sends a custom handler: HTTP, timer and blob triggers.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{concrete_method, concrete_path, has_body, rfc3339_millis};

/// The request payload Azure Functions sends a custom handler: trigger data and metadata.
fn azure_payload(data: Value, metadata: Value) -> Value {
    json!({ "Data": data, "Metadata": metadata })
}

pub(super) fn azure_http(method: &str, path: &str, function: &str) -> Value {
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

pub(super) fn azure_timer(at: DateTime<Utc>) -> Value {
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

pub(super) fn azure_blob(container: &str, name: &str) -> Value {
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
