//! Sample events for every trigger kind, shaped exactly as the local triggers (and AWS) send
//! them, and the test events a user saves per function under the data folder — what the Run
//! view offers in its event picker.

use std::path::{Path, PathBuf};

use functory_core::{Function, Trigger};
use serde::Serialize;
use serde_json::{Value, json};

use crate::triggers::queue::{LocalQueue, sqs_event};
use crate::triggers::schedule::scheduled_event;
use crate::triggers::storage::s3_event;

/// One ready-to-send event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SampleEvent {
    /// `http`, `schedule`, `storage`, `queue`, `stream` or `direct`.
    pub kind: String,
    pub name: String,
    pub event: Value,
}

fn http_sample(method: &str, path: &str) -> Value {
    let concrete: String = path
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                "example"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    let method = if method.eq_ignore_ascii_case("ANY") {
        "GET".to_owned()
    } else {
        method.to_ascii_uppercase()
    };
    let params: serde_json::Map<String, Value> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| (name.trim_end_matches('+').to_owned(), json!("example")))
        .collect();
    let route_key = format!("{method} {path}");
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": concrete,
        "rawQueryString": "",
        "headers": { "accept": "application/json", "host": "127.0.0.1", "user-agent": "functory" },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "127.0.0.1",
            "domainPrefix": "local",
            "http": { "method": method, "path": concrete, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "functory" },
            "requestId": "sample-request",
            "routeKey": route_key,
            "stage": "$default",
            "time": "01/Jan/2025:00:00:00 +0000",
            "timeEpoch": 1_735_689_600_000i64,
        },
        "isBase64Encoded": false,
    });
    if !params.is_empty() {
        event["pathParameters"] = Value::Object(params);
    }
    if method == "POST" || method == "PUT" || method == "PATCH" {
        event["body"] = json!("{\"hello\":\"world\"}");
        event["headers"]["content-type"] = json!("application/json");
    }
    event
}

fn stream_sample(stream: &str) -> Value {
    json!({
        "Records": [{
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": "1",
                "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
                "data": "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==",
                "approximateArrivalTimestamp": 1_735_689_600.0,
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": "shardId-000000000006:49590338271490256608559692538361571095921575989136588898",
            "eventName": "aws:kinesis:record",
            "awsRegion": "us-east-1",
            "eventSourceARN": format!("arn:aws:kinesis:us-east-1:123456789012:stream/{stream}"),
        }]
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

/// A sample event for each trigger of `function`, plus a plain `{}` for direct invokes.
pub fn sample_events(function: &Function) -> Vec<SampleEvent> {
    let mut samples = vec![SampleEvent {
        kind: "direct".into(),
        name: "empty event".into(),
        event: json!({}),
    }];
    let at = chrono::DateTime::from_timestamp(1_735_689_600, 0).unwrap_or_default();
    for trigger in &function.triggers {
        let (kind, name, event) = match trigger {
            Trigger::Http { method, path } => (
                "http",
                format!("{method} {path}"),
                http_sample(method, path),
            ),
            Trigger::Schedule { expression, .. } => (
                "schedule",
                expression.clone(),
                scheduled_event(
                    &format!(
                        "arn:aws:events:us-east-1:123456789012:rule/{}-schedule",
                        function.name
                    ),
                    "us-east-1",
                    "123456789012",
                    at,
                ),
            ),
            Trigger::Storage {
                bucket,
                prefix,
                suffix,
                ..
            } => {
                let key = format!(
                    "{}example{}",
                    prefix.as_deref().unwrap_or(""),
                    suffix.as_deref().unwrap_or(".txt")
                );
                (
                    "storage",
                    format!("upload to {bucket}"),
                    s3_event(
                        bucket,
                        &key,
                        "ObjectCreated:Put",
                        1024,
                        "d41d8cd98f00b204e9800998ecf8427e",
                        1,
                        "us-east-1",
                    ),
                )
            }
            Trigger::Queue { queue, .. } => {
                let local = LocalQueue::new(queue, None);
                local.send("{\"hello\":\"world\"}".to_owned());
                let mut messages = local.messages();
                for message in &mut messages {
                    message.receive_count = 1;
                }
                (
                    "queue",
                    format!("message on {queue}"),
                    sqs_event(queue, "us-east-1", "123456789012", &messages),
                )
            }
            Trigger::Url { .. } => ("url", "function URL request".to_owned(), {
                let mut event = http_sample("GET", "/");
                // A function URL event is payload 2.0 with the `$default` route and the
                // URL's own host name.
                let domain = format!("{}.lambda-url.us-east-1.on.aws", url_id(&function.name));
                event["routeKey"] = json!("$default");
                event["requestContext"]["routeKey"] = json!("$default");
                event["requestContext"]["apiId"] = json!(url_id(&function.name));
                event["requestContext"]["domainName"] = json!(domain);
                event["requestContext"]["domainPrefix"] = json!(url_id(&function.name));
                event["headers"]["host"] = json!(domain);
                event
            }),
            Trigger::Stream { stream, .. } => (
                "stream",
                format!("record on {stream}"),
                stream_sample(stream),
            ),
        };
        samples.push(SampleEvent {
            kind: kind.into(),
            name,
            event,
        });
    }
    samples
}

/// The test events a user saved for one function, as JSON files under
/// `<data>/events/<function>/`.
#[derive(Debug, Clone)]
pub struct SavedEvents {
    dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum SavedEventError {
    #[error("event name `{0}` must be 1 to 64 letters, digits, spaces, `-` or `_`")]
    BadName(String),
    #[error("the event is not valid JSON: {0}")]
    NotJson(String),
    #[error("no saved event `{0}`")]
    NotFound(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == ' ')
}

impl SavedEvents {
    pub fn new(data_dir: &Path, function: &str) -> SavedEvents {
        SavedEvents {
            dir: data_dir.join("events").join(function),
        }
    }

    /// Saved event names, sorted.
    pub fn list(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                e.file_name()
                    .to_string_lossy()
                    .strip_suffix(".json")
                    .map(str::to_owned)
            })
            .collect();
        names.sort();
        names
    }

    pub fn load(&self, name: &str) -> Result<String, SavedEventError> {
        if !valid_name(name) {
            return Err(SavedEventError::BadName(name.to_owned()));
        }
        std::fs::read_to_string(self.dir.join(format!("{name}.json"))).map_err(|error| {
            if error.kind() == std::io::ErrorKind::NotFound {
                SavedEventError::NotFound(name.to_owned())
            } else {
                error.into()
            }
        })
    }

    /// Saves (or replaces) an event; the text must be JSON and is kept as typed.
    pub fn save(&self, name: &str, json_text: &str) -> Result<(), SavedEventError> {
        if !valid_name(name) {
            return Err(SavedEventError::BadName(name.to_owned()));
        }
        serde_json::from_str::<Value>(json_text)
            .map_err(|e| SavedEventError::NotJson(e.to_string()))?;
        std::fs::create_dir_all(&self.dir)?;
        let temporary = self.dir.join(format!(".{name}.json.tmp"));
        std::fs::write(&temporary, json_text)?;
        std::fs::rename(&temporary, self.dir.join(format!("{name}.json")))?;
        Ok(())
    }

    pub fn delete(&self, name: &str) -> Result<(), SavedEventError> {
        if !valid_name(name) {
            return Err(SavedEventError::BadName(name.to_owned()));
        }
        std::fs::remove_file(self.dir.join(format!("{name}.json"))).map_err(|error| {
            if error.kind() == std::io::ErrorKind::NotFound {
                SavedEventError::NotFound(name.to_owned())
            } else {
                error.into()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(triggers: Vec<Trigger>) -> Function {
        Function {
            name: "f".into(),
            runtime: "nodejs20.x".into(),
            handler: "app.handler".into(),
            code_dir: ".".into(),
            handler_file: None,
            memory_mb: 128,
            timeout_s: 3,
            environment: vec![],
            triggers,
            permissions: vec![],
        }
    }

    #[test]
    fn one_sample_per_trigger_in_the_right_shape() {
        let samples = sample_events(&function(vec![
            Trigger::Http {
                method: "POST".into(),
                path: "/users/{id}".into(),
            },
            Trigger::Schedule {
                expression: "rate(5 minutes)".into(),
                timezone: None,
            },
            Trigger::Storage {
                bucket: "b".into(),
                prefix: Some("in/".into()),
                suffix: Some(".jpg".into()),
                events: None,
            },
            Trigger::Queue {
                queue: "q".into(),
                batch_size: None,
            },
            Trigger::Stream {
                stream: "s".into(),
                batch_size: None,
                starting_position: None,
            },
            Trigger::Url {
                auth: functory_core::UrlAuth::None,
                cors: None,
            },
        ]));
        let kinds: Vec<&str> = samples.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "direct", "http", "schedule", "storage", "queue", "stream", "url"
            ]
        );
        let url = &samples[6].event;
        assert_eq!(url["routeKey"], "$default");
        let host = url["headers"]["host"].as_str().unwrap();
        assert!(host.ends_with(".lambda-url.us-east-1.on.aws"), "{host}");
        assert_eq!(host.split('.').next().unwrap().len(), 32);
        assert_eq!(samples[1].event["pathParameters"]["id"], "example");
        assert_eq!(samples[1].event["rawPath"], "/users/example");
        assert_eq!(samples[2].event["detail-type"], "Scheduled Event");
        assert_eq!(
            samples[3].event["Records"][0]["s3"]["object"]["key"],
            "in/example.jpg"
        );
        assert_eq!(samples[4].event["Records"][0]["eventSource"], "aws:sqs");
        assert_eq!(samples[5].event["Records"][0]["eventSource"], "aws:kinesis");
    }

    #[test]
    fn saved_events_round_trip_and_refuse_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let events = SavedEvents::new(dir.path(), "f");
        assert!(events.list().is_empty());
        events.save("big order", "{\"qty\": 3}").unwrap();
        assert_eq!(events.list(), ["big order"]);
        assert_eq!(events.load("big order").unwrap(), "{\"qty\": 3}");
        assert!(matches!(
            events.save("x", "{nope"),
            Err(SavedEventError::NotJson(_))
        ));
        assert!(matches!(
            events.save("../escape", "{}"),
            Err(SavedEventError::BadName(_))
        ));
        events.delete("big order").unwrap();
        assert!(matches!(
            events.load("big order"),
            Err(SavedEventError::NotFound(_))
        ));
    }
}
