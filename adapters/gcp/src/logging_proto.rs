//! The protobuf messages of Cloud Logging's `TailLogEntries`, written by hand for prost.
//!
//! No `protoc` runs at build time and nothing is downloaded, so these are the fields Functory
//! reads, with the field numbers of the public definitions: `google/logging/v2/logging.proto`
//! (`TailLogEntriesRequest`, `TailLogEntriesResponse`), `google/logging/v2/log_entry.proto`
//! (`LogEntry`), `google/api/monitored_resource.proto`, `google/logging/type/http_request.proto`
//! and `log_severity.proto`, the well-known `google/protobuf/{struct,duration,timestamp,any}.proto`,
//! and `google/rpc/{status,error_details}.proto` for the details of a refusal. Fields left out
//! are skipped by prost when they arrive, as protobuf's unknown fields are.
//!
//! A streamed entry is turned into the same JSON-shaped [`crate::logs::LogEntry`] that
//! `entries:list` answers (proto3's JSON mapping: RFC 3339 timestamps, `"0.012s"` durations,
//! severity names), so both modes make their log lines with one mapping.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Number, Value as Json, json};

use crate::errors::RpcStatus;

/// `google.protobuf.Timestamp`.
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub(crate) struct Timestamp {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// `google.protobuf.Duration`.
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub(crate) struct Duration {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub(crate) struct Any {
    #[prost(string, tag = "1")]
    pub type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `google.protobuf.Struct`: a JSON object.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Struct {
    #[prost(btree_map = "string, message", tag = "1")]
    pub fields: BTreeMap<String, Value>,
}

/// `google.protobuf.Value`: one JSON value.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Value {
    #[prost(oneof = "Kind", tags = "1, 2, 3, 4, 5, 6")]
    pub kind: Option<Kind>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
pub(crate) enum Kind {
    /// `null_value`: a `NullValue`, whose only value is `NULL_VALUE = 0`.
    #[prost(int32, tag = "1")]
    Null(i32),
    /// `number_value`.
    #[prost(double, tag = "2")]
    Number(f64),
    /// `string_value`.
    #[prost(string, tag = "3")]
    Text(String),
    /// `bool_value`.
    #[prost(bool, tag = "4")]
    Bool(bool),
    /// `struct_value`.
    #[prost(message, tag = "5")]
    Object(Struct),
    /// `list_value`.
    #[prost(message, tag = "6")]
    List(ListValue),
}

/// `google.protobuf.ListValue`: a JSON array.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ListValue {
    #[prost(message, repeated, tag = "1")]
    pub values: Vec<Value>,
}

/// `google.api.MonitoredResource`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub(crate) struct MonitoredResource {
    #[prost(string, tag = "1")]
    pub r#type: String,
    #[prost(btree_map = "string, string", tag = "2")]
    pub labels: BTreeMap<String, String>,
}

/// `google.logging.type.HttpRequest`: Cloud Run's request log lines carry one.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub(crate) struct HttpRequest {
    #[prost(string, tag = "1")]
    pub request_method: String,
    #[prost(string, tag = "2")]
    pub request_url: String,
    #[prost(int64, tag = "3")]
    pub request_size: i64,
    #[prost(int32, tag = "4")]
    pub status: i32,
    #[prost(int64, tag = "5")]
    pub response_size: i64,
    #[prost(string, tag = "6")]
    pub user_agent: String,
    #[prost(string, tag = "7")]
    pub remote_ip: String,
    #[prost(string, tag = "8")]
    pub referer: String,
    #[prost(string, tag = "13")]
    pub server_ip: String,
    #[prost(message, optional, tag = "14")]
    pub latency: Option<Duration>,
    #[prost(string, tag = "15")]
    pub protocol: String,
}

/// `google.logging.v2.LogEntry` (the fields Functory reads).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct LogEntry {
    #[prost(string, tag = "12")]
    pub log_name: String,
    #[prost(message, optional, tag = "8")]
    pub resource: Option<MonitoredResource>,
    #[prost(oneof = "Payload", tags = "2, 3, 6")]
    pub payload: Option<Payload>,
    #[prost(message, optional, tag = "9")]
    pub timestamp: Option<Timestamp>,
    #[prost(message, optional, tag = "24")]
    pub receive_timestamp: Option<Timestamp>,
    /// A `google.logging.type.LogSeverity` number ([`severity_name`]).
    #[prost(int32, tag = "10")]
    pub severity: i32,
    #[prost(string, tag = "4")]
    pub insert_id: String,
    #[prost(message, optional, tag = "7")]
    pub http_request: Option<HttpRequest>,
    #[prost(btree_map = "string, string", tag = "11")]
    pub labels: BTreeMap<String, String>,
    #[prost(string, tag = "22")]
    pub trace: String,
    #[prost(string, tag = "27")]
    pub span_id: String,
}

/// `LogEntry.payload`.
#[derive(Clone, PartialEq, prost::Oneof)]
pub(crate) enum Payload {
    /// `proto_payload`: audit logs and other Google services' entries; `entries:list`
    /// polling shows no message for them either.
    #[prost(message, tag = "2")]
    Proto(Any),
    /// `text_payload`.
    #[prost(string, tag = "3")]
    Text(String),
    /// `json_payload`.
    #[prost(message, tag = "6")]
    Json(Struct),
}

/// `google.logging.v2.TailLogEntriesRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct TailLogEntriesRequest {
    #[prost(string, repeated, tag = "1")]
    pub resource_names: Vec<String>,
    #[prost(string, tag = "2")]
    pub filter: String,
    /// How long Google holds entries to put late ones in order: 0–60 s, 2 s when unset.
    #[prost(message, optional, tag = "3")]
    pub buffer_window: Option<Duration>,
}

/// `google.logging.v2.TailLogEntriesResponse`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct TailLogEntriesResponse {
    /// In increasing `timestamp` order within one response (not across responses).
    #[prost(message, repeated, tag = "1")]
    pub entries: Vec<LogEntry>,
    #[prost(message, repeated, tag = "2")]
    pub suppression_info: Vec<SuppressionInfo>,
}

/// `TailLogEntriesResponse.SuppressionInfo`: entries left out since the previous response.
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub(crate) struct SuppressionInfo {
    /// A `SuppressionInfo.Reason` number: 0 unspecified, 1 `RATE_LIMIT`, 2 `NOT_CONSUMED`.
    #[prost(int32, tag = "1")]
    pub reason: i32,
    /// A lower bound.
    #[prost(int32, tag = "2")]
    pub suppressed_count: i32,
}

/// `SuppressionInfo.Reason.RATE_LIMIT`: more matching entries than the tail's rate limit.
pub(crate) const SUPPRESSED_RATE_LIMIT: i32 = 1;
/// `SuppressionInfo.Reason.NOT_CONSUMED`: the client did not read responses fast enough.
pub(crate) const SUPPRESSED_NOT_CONSUMED: i32 = 2;

/// `google.rpc.Status`, as a gRPC error's `grpc-status-details-bin` carries it.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct StatusProto {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<Any>,
}

/// `google.rpc.ErrorInfo`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub(crate) struct ErrorInfo {
    #[prost(string, tag = "1")]
    pub reason: String,
    #[prost(string, tag = "2")]
    pub domain: String,
    #[prost(btree_map = "string, string", tag = "3")]
    pub metadata: BTreeMap<String, String>,
}

/// `google.rpc.BadRequest`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub(crate) struct BadRequest {
    #[prost(message, repeated, tag = "1")]
    pub field_violations: Vec<FieldViolation>,
}

/// `google.rpc.BadRequest.FieldViolation`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub(crate) struct FieldViolation {
    #[prost(string, tag = "1")]
    pub field: String,
    #[prost(string, tag = "2")]
    pub description: String,
}

/// The name of a `LogSeverity` number, as `entries:list` spells it.
pub(crate) fn severity_name(severity: i32) -> &'static str {
    match severity {
        100 => "DEBUG",
        200 => "INFO",
        300 => "NOTICE",
        400 => "WARNING",
        500 => "ERROR",
        600 => "CRITICAL",
        700 => "ALERT",
        800 => "EMERGENCY",
        _ => "DEFAULT",
    }
}

impl Timestamp {
    /// RFC 3339 in UTC, as proto3's JSON mapping writes it (`2024-05-01T10:00:00.123456Z`).
    pub fn rfc3339(&self) -> String {
        let nanos = u32::try_from(self.nanos).unwrap_or(0);
        DateTime::<Utc>::from_timestamp(self.seconds, nanos)
            .unwrap_or_default()
            .to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

impl Duration {
    pub fn from_std(duration: std::time::Duration) -> Self {
        Duration {
            seconds: i64::try_from(duration.as_secs()).unwrap_or(i64::MAX),
            nanos: i32::try_from(duration.subsec_nanos()).unwrap_or(0),
        }
    }

    /// Proto3's JSON form: seconds with 0, 3, 6 or 9 fractional digits and an `s`.
    pub fn json(&self) -> String {
        let negative = self.seconds < 0 || self.nanos < 0;
        let (seconds, nanos) = (self.seconds.unsigned_abs(), self.nanos.unsigned_abs());
        let sign = if negative { "-" } else { "" };
        if nanos == 0 {
            format!("{sign}{seconds}s")
        } else if nanos.is_multiple_of(1_000_000) {
            format!("{sign}{seconds}.{:03}s", nanos / 1_000_000)
        } else if nanos.is_multiple_of(1_000) {
            format!("{sign}{seconds}.{:06}s", nanos / 1_000)
        } else {
            format!("{sign}{seconds}.{nanos:09}s")
        }
    }
}

impl Struct {
    pub fn json(&self) -> Json {
        Json::Object(
            self.fields
                .iter()
                .map(|(key, value)| (key.clone(), value.json()))
                .collect::<Map<String, Json>>(),
        )
    }
}

impl Value {
    pub fn json(&self) -> Json {
        match &self.kind {
            None | Some(Kind::Null(_)) => Json::Null,
            Some(Kind::Number(n)) => number(*n),
            Some(Kind::Text(s)) => Json::String(s.clone()),
            Some(Kind::Bool(b)) => Json::Bool(*b),
            Some(Kind::Object(s)) => s.json(),
            Some(Kind::List(list)) => Json::Array(list.values.iter().map(Value::json).collect()),
        }
    }
}

/// A `Value` holds every number as a double; Google's JSON writes whole ones without a
/// fraction (`1`, not `1.0`), and so does this, so a payload prints the same in both modes.
fn number(n: f64) -> Json {
    // Exactly representable whole numbers only (|n| < 2^53).
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        #[allow(clippy::cast_possible_truncation)]
        return Json::Number(Number::from(n as i64));
    }
    Number::from_f64(n).map_or(Json::Null, Json::Number)
}

impl HttpRequest {
    /// Proto3's JSON form: camelCase names, 64-bit integers as strings, defaults left out.
    pub fn json(&self) -> Json {
        let mut out = Map::new();
        let mut text = |key: &str, value: &str| {
            if !value.is_empty() {
                out.insert(key.to_owned(), json!(value));
            }
        };
        text("requestMethod", &self.request_method);
        text("requestUrl", &self.request_url);
        text("userAgent", &self.user_agent);
        text("remoteIp", &self.remote_ip);
        text("referer", &self.referer);
        text("serverIp", &self.server_ip);
        text("protocol", &self.protocol);
        if self.request_size != 0 {
            out.insert("requestSize".into(), json!(self.request_size.to_string()));
        }
        if self.status != 0 {
            out.insert("status".into(), json!(self.status));
        }
        if self.response_size != 0 {
            out.insert("responseSize".into(), json!(self.response_size.to_string()));
        }
        if let Some(latency) = &self.latency {
            out.insert("latency".into(), json!(latency.json()));
        }
        Json::Object(out)
    }
}

impl From<LogEntry> for crate::logs::LogEntry {
    fn from(entry: LogEntry) -> Self {
        let (text_payload, json_payload) = match entry.payload {
            Some(Payload::Text(text)) => (Some(text), None),
            Some(Payload::Json(object)) => (None, Some(object.json())),
            Some(Payload::Proto(_)) | None => (None, None),
        };
        crate::logs::LogEntry {
            log_name: entry.log_name,
            timestamp: entry.timestamp.map(|t| t.rfc3339()).unwrap_or_default(),
            severity: severity_name(entry.severity).to_owned(),
            insert_id: entry.insert_id,
            text_payload,
            json_payload,
            http_request: entry.http_request.map(|r| r.json()),
            labels: entry.labels,
            trace: entry.trace,
        }
    }
}

/// The `google.rpc.Status` of a gRPC error, its details as the REST APIs write them (`@type`
/// and camelCase fields), so [`crate::errors::classify`] reads both alike.
pub(crate) fn rpc_status(code: i32, message: &str, details: &[u8]) -> RpcStatus {
    use prost::Message;
    let details = StatusProto::decode(details)
        .map(|status| status.details)
        .unwrap_or_default()
        .iter()
        .filter_map(|any| {
            let kind = any.type_url.rsplit('/').next().unwrap_or_default();
            match kind {
                "google.rpc.ErrorInfo" => {
                    let info = ErrorInfo::decode(any.value.as_slice()).ok()?;
                    Some(json!({
                        "@type": any.type_url,
                        "reason": info.reason,
                        "domain": info.domain,
                        "metadata": info.metadata,
                    }))
                }
                "google.rpc.BadRequest" => {
                    let bad = BadRequest::decode(any.value.as_slice()).ok()?;
                    let violations: Vec<Json> = bad
                        .field_violations
                        .iter()
                        .map(|v| json!({ "field": v.field, "description": v.description }))
                        .collect();
                    Some(json!({ "@type": any.type_url, "fieldViolations": violations }))
                }
                _ => None,
            }
        })
        .collect();
    RpcStatus {
        code: i64::from(code),
        message: message.to_owned(),
        status: String::new(),
        details,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    /// The wire bytes, worked out by hand from the protobuf encoding rules (a key is
    /// `field number << 3 | wire type`, as a varint), pin every field number: a wrong tag
    /// here would mean entries Google sends are read as something else or dropped.
    #[test]
    fn field_numbers_match_the_public_protos() {
        let entry = LogEntry {
            log_name: "l".into(),
            resource: Some(MonitoredResource {
                r#type: "t".into(),
                labels: BTreeMap::from([("k".into(), "v".into())]),
            }),
            payload: Some(Payload::Text("x".into())),
            timestamp: Some(Timestamp {
                seconds: 1,
                nanos: 2,
            }),
            receive_timestamp: Some(Timestamp {
                seconds: 3,
                nanos: 0,
            }),
            severity: 400,
            insert_id: "i".into(),
            http_request: Some(HttpRequest {
                status: 200,
                latency: Some(Duration {
                    seconds: 0,
                    nanos: 5,
                }),
                ..HttpRequest::default()
            }),
            labels: BTreeMap::from([("a".into(), "b".into())]),
            trace: "tr".into(),
            span_id: "s".into(),
        };
        let mut bytes = entry.encode_to_vec();
        // prost writes fields in declaration order; compare as a set of (key, payload) records.
        let expected: Vec<(Vec<u8>, Vec<u8>)> = vec![
            (vec![0x62], b"\x01l".to_vec()), // log_name = 12
            (
                vec![0x42],
                b"\x0b\x0a\x01t\x12\x06\x0a\x01k\x12\x01v".to_vec(),
            ), // resource = 8 {type = 1, labels = 2}
            (vec![0x1a], b"\x01x".to_vec()), // text_payload = 3
            (vec![0x4a], b"\x04\x08\x01\x10\x02".to_vec()), // timestamp = 9 {seconds = 1, nanos = 2}
            (vec![0xc2, 0x01], b"\x02\x08\x03".to_vec()),   // receive_timestamp = 24
            (vec![0x50], vec![0x90, 0x03]),                 // severity = 10, 400
            (vec![0x22], b"\x01i".to_vec()),                // insert_id = 4
            (vec![0x3a], b"\x07\x20\xc8\x01\x72\x02\x10\x05".to_vec()), // http_request = 7 {status = 4, latency = 14 {nanos = 5}}
            (vec![0x5a], b"\x06\x0a\x01a\x12\x01b".to_vec()),           // labels = 11
            (vec![0xb2, 0x01], b"\x02tr".to_vec()),                     // trace = 22
            (vec![0xda, 0x01], b"\x01s".to_vec()),                      // span_id = 27
        ];
        for (key, payload) in &expected {
            let record: Vec<u8> = key.iter().chain(payload).copied().collect();
            let at = bytes
                .windows(record.len())
                .position(|w| w == record.as_slice())
                .unwrap_or_else(|| panic!("no record {record:02x?} in {bytes:02x?}"));
            bytes.drain(at..at + record.len());
        }
        assert!(bytes.is_empty(), "unexpected bytes left: {bytes:02x?}");

        let request = TailLogEntriesRequest {
            resource_names: vec!["projects/p".into()],
            filter: "f".into(),
            buffer_window: Some(Duration {
                seconds: 2,
                nanos: 0,
            }),
        };
        assert_eq!(
            request.encode_to_vec(),
            b"\x0a\x0aprojects/p\x12\x01f\x1a\x02\x08\x02".to_vec()
        );
        // entries = 1, suppression_info = 2 {reason = 1, suppressed_count = 2}.
        let response = TailLogEntriesResponse::decode(
            b"\x0a\x04\x22\x02id\x12\x04\x08\x01\x10\x07".as_slice(),
        )
        .unwrap();
        assert_eq!(response.entries[0].insert_id, "id");
        assert_eq!(
            response.suppression_info,
            [SuppressionInfo {
                reason: SUPPRESSED_RATE_LIMIT,
                suppressed_count: 7
            }]
        );
        // A JSON payload: json_payload = 6 {fields = 1 {key = 1 "m", value = 2 {string_value = 3}}}.
        let entry =
            LogEntry::decode(b"\x32\x0a\x0a\x08\x0a\x01m\x12\x03\x1a\x01z".as_slice()).unwrap();
        assert_eq!(
            entry.payload,
            Some(Payload::Json(Struct {
                fields: BTreeMap::from([(
                    "m".into(),
                    Value {
                        kind: Some(Kind::Text("z".into()))
                    }
                )])
            }))
        );
    }

    #[test]
    fn streamed_entries_read_as_listed_ones() {
        let entry = LogEntry {
            log_name: "projects/p/logs/run.googleapis.com%2Fstdout".into(),
            timestamp: Some(Timestamp {
                seconds: 1_714_557_600,
                nanos: 123_456_000,
            }),
            severity: 400,
            insert_id: "a1".into(),
            payload: Some(Payload::Json(Struct {
                fields: BTreeMap::from([
                    (
                        "message".into(),
                        Value {
                            kind: Some(Kind::Text("disk almost full".into())),
                        },
                    ),
                    (
                        "n".into(),
                        Value {
                            kind: Some(Kind::Number(1.0)),
                        },
                    ),
                    (
                        "ratio".into(),
                        Value {
                            kind: Some(Kind::Number(0.5)),
                        },
                    ),
                    (
                        "list".into(),
                        Value {
                            kind: Some(Kind::List(ListValue {
                                values: vec![
                                    Value {
                                        kind: Some(Kind::Bool(true)),
                                    },
                                    Value {
                                        kind: Some(Kind::Null(0)),
                                    },
                                ],
                            })),
                        },
                    ),
                ]),
            })),
            labels: BTreeMap::from([("execution_id".into(), "e-1".into())]),
            ..LogEntry::default()
        };
        let streamed = crate::logs::LogEntry::from(entry);
        let listed: crate::logs::LogEntry = serde_json::from_value(json!({
            "logName": "projects/p/logs/run.googleapis.com%2Fstdout",
            "timestamp": "2024-05-01T10:00:00.123456Z",
            "severity": "WARNING",
            "insertId": "a1",
            "jsonPayload": { "message": "disk almost full", "n": 1, "ratio": 0.5, "list": [true, null] },
            "labels": { "execution_id": "e-1" },
        }))
        .unwrap();
        assert_eq!(streamed.to_event("f"), listed.to_event("f"), "{streamed:?}");
        assert_eq!(streamed.json_payload, listed.json_payload);
        assert_eq!(streamed.timestamp, listed.timestamp);

        let request = HttpRequest {
            request_method: "POST".into(),
            request_url: "https://f.run.app/".into(),
            status: 502,
            response_size: 12,
            latency: Some(Duration {
                seconds: 0,
                nanos: 12_000_000,
            }),
            ..HttpRequest::default()
        };
        assert_eq!(
            request.json(),
            json!({ "requestMethod": "POST", "requestUrl": "https://f.run.app/", "status": 502, "responseSize": "12", "latency": "0.012s" })
        );
        assert_eq!(
            Duration {
                seconds: 3,
                nanos: 0
            }
            .json(),
            "3s"
        );
        assert_eq!(
            Duration {
                seconds: 1,
                nanos: 1_000
            }
            .json(),
            "1.000001s"
        );
        assert_eq!(
            Duration {
                seconds: 0,
                nanos: 7
            }
            .json(),
            "0.000000007s"
        );
        assert_eq!(severity_name(600), "CRITICAL");
        assert_eq!(severity_name(42), "DEFAULT");
    }

    #[test]
    fn error_details_become_the_rest_shapes() {
        let info = ErrorInfo {
            reason: "IAM_PERMISSION_DENIED".into(),
            domain: "logging.googleapis.com".into(),
            metadata: BTreeMap::from([
                ("permission".into(), "logging.logEntries.list".into()),
                ("resource".into(), "projects/p".into()),
            ]),
        };
        let status = StatusProto {
            code: 7,
            message: "denied".into(),
            details: vec![
                Any {
                    type_url: "type.googleapis.com/google.rpc.ErrorInfo".into(),
                    value: info.encode_to_vec(),
                },
                Any {
                    type_url: "type.googleapis.com/google.rpc.DebugInfo".into(),
                    value: vec![1, 2, 3],
                },
            ],
        };
        let rpc = rpc_status(7, "denied", &status.encode_to_vec());
        assert_eq!(rpc.canonical(), "PERMISSION_DENIED");
        assert_eq!(
            rpc.details,
            [json!({
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "IAM_PERMISSION_DENIED",
                "domain": "logging.googleapis.com",
                "metadata": { "permission": "logging.logEntries.list", "resource": "projects/p" },
            })]
        );
        // No details, or bytes that are not a Status: the code and message still classify.
        assert!(rpc_status(16, "no", b"\xff\xff").details.is_empty());
    }
}
