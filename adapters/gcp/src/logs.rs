//! Reading a function's logs from Cloud Logging with `entries:list`.
//!
//! A Cloud Functions v2 function logs as its Cloud Run service (`cloud_run_revision`, labels
//! `service_name` and `location`); platform messages may also appear under the
//! `cloud_function` resource. Entries become visible a few seconds late and not always in
//! order, so following polls from a little before the newest entry seen (the overlap), drops
//! entries whose `insertId` it has already yielded, and follows `nextPageToken` to the end of
//! each poll. The request id is the `execution_id` label the generated entry writes (else the
//! trace); `severity` becomes the level.
//!
//! `TailLogEntries`, Cloud Logging's streaming read, exists only over gRPC; this adapter has
//! no gRPC stack, so following is polling (`log_source` says how late lines arrive).

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use functory_adapter::{AdapterError, LogEvent, LogLevel, LogStream, Result, TailOptions};
use futures_util::stream;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::GcpAdapter;

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

/// The state of one tail: what has been seen, and where the next poll starts.
struct Tail {
    adapter: GcpAdapter,
    options: TailOptions,
    resource_filter: String,
    from_ms: i64,
    seen: HashSet<String>,
    seen_order: VecDeque<(i64, String)>,
    ready: VecDeque<LogEvent>,
    first_poll: bool,
    backoff: Duration,
}

impl Tail {
    /// One `entries:list` sweep from `from_ms`, new entries only, oldest first.
    async fn poll(&mut self) -> Result<Vec<LogEvent>> {
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
                let key = format!("{}\u{1f}{}", entry.log_name, entry.insert_id);
                if !entry.insert_id.is_empty() && !self.seen.insert(key.clone()) {
                    continue;
                }
                let timestamp_ms = entry.timestamp_ms();
                self.seen_order.push_back((timestamp_ms, key));
                events.push(LogEvent {
                    timestamp_ms,
                    function: self.options.function.clone(),
                    request_id: entry.request_id(),
                    level: level_of(&entry.severity),
                    message: entry.message(),
                });
            }
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        events.sort_by_key(|e| e.timestamp_ms);
        // Look back by the overlap next time; forget ids older than that window.
        let newest = self
            .seen_order
            .iter()
            .map(|(t, _)| *t)
            .max()
            .unwrap_or(self.from_ms);
        let overlap = i64::try_from(self.adapter.settings.log_overlap.as_millis()).unwrap_or(0);
        self.from_ms = self.from_ms.max(newest - overlap);
        while let Some((t, _)) = self.seen_order.front() {
            if *t >= self.from_ms {
                break;
            }
            if let Some((_, key)) = self.seen_order.pop_front() {
                self.seen.remove(&key);
            }
        }
        Ok(events)
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
        let mut tail = Tail {
            adapter: self.clone(),
            resource_filter: self.log_filter(&name, &service),
            from_ms: options
                .since_ms
                .unwrap_or_else(|| now_ms() - DEFAULT_LOOKBACK_MS),
            options,
            seen: HashSet::new(),
            seen_order: VecDeque::new(),
            ready: VecDeque::new(),
            first_poll: true,
            backoff: Duration::ZERO,
        };
        // The stored entries first (the last `n` when asked), so errors surface here.
        let mut stored: Vec<LogEvent> = tail
            .poll()
            .await?
            .into_iter()
            .filter(|e| tail.options.filter.matches(e))
            .collect();
        if let Some(last) = tail.options.last {
            let skip = stored.len().saturating_sub(last);
            stored.drain(..skip);
        }
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
