//! Reading a function's logs from Cloud Logging: the stored entries with `entries:list`, and
//! following them either by polling `entries:list` (the default) or through the
//! `TailLogEntries` gRPC stream ([`crate::live_tail`], [`LogFollowMode::Stream`]).
//!
//! A Cloud Functions v2 function logs as its Cloud Run service (`cloud_run_revision`, labels
//! `service_name` and `location`); platform messages may also appear under the
//! `cloud_function` resource. Entries become visible a few seconds late and not always in
//! order, so following by polling looks from a little before the newest entry seen (the
//! overlap), drops entries whose `insertId` it has already yielded, and follows
//! `nextPageToken` to the end of each poll. The request id is the `execution_id` label the
//! generated entry writes (else the trace); `severity` becomes the level. Both modes make
//! their lines with [`LogEntry::to_event`].

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use functory_adapter::seen::SeenEvents;
use functory_adapter::{AdapterError, LogEvent, LogLevel, LogStream, Result, TailOptions};
use futures_util::stream;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::GcpAdapter;
use crate::adapter::LogFollowMode;

/// Without `since_ms`, stored entries of the last day.
const DEFAULT_LOOKBACK_MS: i64 = 24 * 60 * 60 * 1000;
/// Following backs off up to this long while the API says the read quota is spent.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// A `LogEntry` (the fields Functory reads).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct LogEntry {
    pub log_name: String,
    pub timestamp: String,
    pub severity: String,
    pub insert_id: String,
    pub text_payload: Option<String>,
    pub json_payload: Option<Value>,
    pub http_request: Option<Value>,
    pub labels: std::collections::BTreeMap<String, String>,
    pub trace: String,
}

/// The level of a `LogSeverity`; `DEFAULT` (plain output) has none, as Lambda's plain lines.
pub(crate) fn level_of(severity: &str) -> Option<LogLevel> {
    match severity {
        "DEBUG" => Some(LogLevel::Debug),
        "INFO" | "NOTICE" => Some(LogLevel::Info),
        "WARNING" => Some(LogLevel::Warn),
        "ERROR" => Some(LogLevel::Error),
        "CRITICAL" | "ALERT" | "EMERGENCY" => Some(LogLevel::Fatal),
        _ => None,
    }
}

impl LogEntry {
    fn message(&self) -> String {
        if let Some(text) = &self.text_payload {
            return text.trim_end_matches(['\n', '\r']).to_owned();
        }
        if let Some(payload) = &self.json_payload {
            if let Some(message) = payload.get("message").and_then(Value::as_str) {
                return message.to_owned();
            }
            return payload.to_string();
        }
        if let Some(request) = &self.http_request {
            let text = |key: &str| {
                request
                    .get(key)
                    .map(|v| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .unwrap_or_default()
            };
            return format!(
                "{} {} {} {}",
                text("requestMethod"),
                text("status"),
                text("requestUrl"),
                text("latency")
            )
            .trim()
            .to_owned();
        }
        String::new()
    }

    /// The line this entry shows as, in `function`'s log.
    pub(crate) fn to_event(&self, function: &str) -> LogEvent {
        LogEvent {
            timestamp_ms: self.timestamp_ms(),
            function: function.to_owned(),
            request_id: self.request_id(),
            level: level_of(&self.severity),
            message: self.message(),
        }
    }

    fn request_id(&self) -> Option<String> {
        if let Some(id) = self.labels.get("execution_id").filter(|id| !id.is_empty()) {
            return Some(id.clone());
        }
        // `projects/<p>/traces/<trace id>`: the trace ties a request's lines together.
        self.trace
            .rsplit('/')
            .next()
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    }

    fn timestamp_ms(&self) -> i64 {
        DateTime::parse_from_rfc3339(&self.timestamp)
            .map(|t| t.timestamp_millis())
            .unwrap_or_default()
    }
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The entries a tail has yielded, by log name and `insertId` (unique within a log), kept
/// while they are younger than the overlap before the newest: an entry can come again only
/// within that window (a poll's look back, a stream's first entries after the stored ones).
#[derive(Default)]
pub(crate) struct SeenEntries(SeenEvents);

impl SeenEntries {
    /// Whether `entry` is new (and so to be yielded); it is remembered either way.
    pub(crate) fn first_time(&mut self, entry: &LogEntry, timestamp_ms: i64) -> bool {
        // Without an id nothing can be recognised again; its time still moves the window.
        let key = if entry.insert_id.is_empty() {
            String::new()
        } else {
            format!("{}\u{1f}{}", entry.log_name, entry.insert_id)
        };
        self.0.first_time(key, timestamp_ms)
    }

    /// Where the next poll starts; ids older than that are forgotten.
    pub(crate) fn next_start(&mut self, from_ms: i64, overlap_ms: i64) -> i64 {
        self.0.next_start(from_ms, overlap_ms)
    }
}

/// The state of one polling tail: what has been seen, and where the next poll starts.
pub(crate) struct Tail {
    pub adapter: GcpAdapter,
    pub options: TailOptions,
    resource_filter: String,
    from_ms: i64,
    pub seen: SeenEntries,
    ready: VecDeque<LogEvent>,
    first_poll: bool,
    backoff: Duration,
}

impl Tail {
    /// One `entries:list` sweep from `from_ms`, new entries only, oldest first.
    pub(crate) async fn poll(&mut self) -> Result<Vec<LogEvent>> {
        #[derive(Deserialize, Default)]
        #[serde(rename_all = "camelCase", default)]
        struct Page {
            entries: Vec<LogEntry>,
            next_page_token: String,
        }
        let url = format!("{}/v2/entries:list", self.adapter.api.endpoints.logging);
        let filter = format!(
            "{} AND timestamp>=\"{}\"",
            self.resource_filter,
            rfc3339(self.from_ms)
        );
        let mut events = Vec::new();
        let mut token = String::new();
        loop {
            let mut body = json!({
                "resourceNames": [format!("projects/{}", self.adapter.project)],
                "filter": filter,
                "orderBy": "timestamp asc",
                "pageSize": 1000,
            });
            if !token.is_empty() {
                body["pageToken"] = json!(token);
            }
            let page: Page = self
                .adapter
                .api
                .send(
                    &format!("Cloud Logging entries:list for `{}`", self.options.function),
                    Method::POST,
                    &url,
                    Some(&body),
                )
                .await?;
            for entry in page.entries {
                if self.seen.first_time(&entry, entry.timestamp_ms()) {
                    events.push(entry.to_event(&self.options.function));
                }
            }
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        events.sort_by_key(|e| e.timestamp_ms);
        // Look back by the overlap next time; forget ids older than that window.
        self.from_ms = self
            .seen
            .next_start(self.from_ms, self.adapter.overlap_ms());
        Ok(events)
    }

    /// The stored entries (the last `n` when asked), filtered, oldest first.
    pub(crate) async fn stored(&mut self) -> Result<Vec<LogEvent>> {
        let mut stored: Vec<LogEvent> = self
            .poll()
            .await?
            .into_iter()
            .filter(|e| self.options.filter.matches(e))
            .collect();
        if let Some(last) = self.options.last {
            let skip = stored.len().saturating_sub(last);
            stored.drain(..skip);
        }
        Ok(stored)
    }
}

impl GcpAdapter {
    /// The Logging filter selecting a function's entries.
    pub(crate) fn log_filter(&self, function: &str, service: &str) -> String {
        format!(
            "((resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"{service}\" AND resource.labels.location=\"{region}\") OR (resource.type=\"cloud_function\" AND resource.labels.function_name=\"{function}\" AND resource.labels.region=\"{region}\"))",
            region = self.region
        )
    }

    pub(crate) fn overlap_ms(&self) -> i64 {
        i64::try_from(self.settings.log_overlap.as_millis()).unwrap_or(0)
    }

    pub(crate) async fn tail(&self, options: TailOptions) -> Result<LogStream> {
        let name = options.function.clone();
        // A function that does not exist is an error, not an empty log.
        let function = self.require_function(&name).await?;
        let service = function
            .service_config
            .service
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or(&name)
            .to_owned();
        let resource_filter = self.log_filter(&name, &service);
        let follow = options.follow;
        let mut tail = Tail {
            adapter: self.clone(),
            resource_filter: resource_filter.clone(),
            from_ms: options
                .since_ms
                .unwrap_or_else(|| now_ms() - DEFAULT_LOOKBACK_MS),
            options,
            seen: SeenEntries::default(),
            ready: VecDeque::new(),
            first_poll: true,
            backoff: Duration::ZERO,
        };
        if follow && self.settings.log_follow == LogFollowMode::Stream {
            return crate::live_tail::follow(tail, resource_filter).await;
        }
        // The stored entries first, so errors surface here.
        let stored = tail.stored().await?;
        tail.ready.extend(stored);
        let stream = stream::unfold(tail, |mut tail| async move {
            loop {
                if let Some(event) = tail.ready.pop_front() {
                    return Some((Ok(event), tail));
                }
                if !tail.options.follow {
                    return None;
                }
                if !tail.first_poll {
                    let interval = tail.adapter.settings.log_poll_interval + tail.backoff;
                    tokio::time::sleep(interval).await;
                }
                tail.first_poll = false;
                match tail.poll().await {
                    Ok(events) => {
                        tail.backoff = Duration::ZERO;
                        let filter = tail.options.filter.clone();
                        tail.ready
                            .extend(events.into_iter().filter(|e| filter.matches(e)));
                    }
                    // The read quota (60 a minute per project) is shared: slow down, go on.
                    Err(AdapterError::Throttled { .. }) => {
                        let doubled =
                            (tail.backoff * 2).max(tail.adapter.settings.log_poll_interval);
                        tail.backoff = doubled.min(MAX_BACKOFF);
                    }
                    Err(error) => return Some((Err(error), tail)),
                }
            }
        });
        Ok(Box::pin(stream))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_give_message_level_and_request_id() {
        let entry: LogEntry = serde_json::from_value(json!({
            "logName": "projects/p/logs/run.googleapis.com%2Fstdout",
            "timestamp": "2024-05-01T10:00:00.123456Z",
            "severity": "WARNING",
            "insertId": "a1",
            "jsonPayload": { "message": "disk almost full" },
            "labels": { "execution_id": "e-1" },
        }))
        .unwrap();
        assert_eq!(entry.message(), "disk almost full");
        assert_eq!(
            entry.to_event("f"),
            LogEvent {
                timestamp_ms: 1_714_557_600_123,
                function: "f".into(),
                request_id: Some("e-1".into()),
                level: Some(LogLevel::Warn),
                message: "disk almost full".into(),
            }
        );
        assert_eq!(level_of(&entry.severity), Some(LogLevel::Warn));
        assert_eq!(entry.request_id().as_deref(), Some("e-1"));
        assert_eq!(entry.timestamp_ms(), 1_714_557_600_123);
        let plain: LogEntry = serde_json::from_value(json!({
            "textPayload": "printed\n",
            "severity": "DEFAULT",
            "trace": "projects/p/traces/abc",
        }))
        .unwrap();
        assert_eq!(plain.message(), "printed");
        assert_eq!(level_of(&plain.severity), None);
        assert_eq!(plain.request_id().as_deref(), Some("abc"));
        assert_eq!(rfc3339(1_714_557_600_123), "2024-05-01T10:00:00.123Z");
    }
}
