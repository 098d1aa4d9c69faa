//! A function's log lines, from two sources.
//!
//! Stored lines (and following, where nothing better exists) come from Application Insights:
//! the `traces` of the function's Azure functions, queried with KQL
//! (`POST {api}/v1/apps/{appId}/query`). Telemetry shows up minutes late and out of order, so
//! following queries again from a little before the newest line seen (the overlap) and drops
//! lines already yielded (by `itemId`).
//!
//! Following on Windows apps and on Premium or Dedicated plans reads Kudu's live log stream
//! instead (`/api/logstream/application/functions/function/{name}`), seconds late. Its lines
//! carry a time and a level; the host's `Executing …` and `Executed …` lines carry the
//! invocation id, which the lines between them share.

use std::collections::VecDeque;
use std::time::{SystemTime, UNIX_EPOCH};

use functory_adapter::seen::SeenEvents;
use functory_adapter::{
    AdapterError, LogEvent, LogLevel, LogSource, LogStream, Result, TailOptions,
};
use functory_core::AdapterKind;
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};

use super::{AzureAdapter, ObservedApp};
use crate::credential::AzureResource;
use crate::token::error_chain;

/// Application Insights telemetry usually shows up within two to five minutes.
const APP_INSIGHTS_DELAY_MS: u64 = 3 * 60 * 1000;
/// The log stream shows a line a second or two after it is written.
const LOG_STREAM_DELAY_MS: u64 = 2_000;
/// At most this many rows per query.
const QUERY_ROWS: usize = 5_000;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// Application Insights' `severityLevel` (0 Verbose … 4 Critical) as a level.
pub fn severity_level(level: i64) -> Option<LogLevel> {
    match level {
        0 => Some(LogLevel::Debug),
        1 => Some(LogLevel::Info),
        2 => Some(LogLevel::Warn),
        3 => Some(LogLevel::Error),
        4 => Some(LogLevel::Fatal),
        _ => None,
    }
}

/// One line of Kudu's log stream: `2024-05-01T10:00:00.123 [Information] text` → time (ms),
/// level, text, and the invocation id when the line is the host's `Executing`/`Executed`.
/// `None` for the stream's own notices (welcome, keep-alive) and blank lines.
pub fn parse_log_stream_line(
    line: &str,
) -> Option<(i64, Option<LogLevel>, String, Option<String>)> {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.trim().is_empty() {
        return None;
    }
    let (stamp, rest) = line.split_once(char::is_whitespace)?;
    let timestamp = parse_time(stamp)?;
    let rest = rest.trim_start();
    let (level, message) = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((level, message)) => (
            match level.trim() {
                "Information" => Some(LogLevel::Info),
                "Warning" => Some(LogLevel::Warn),
                "Critical" => Some(LogLevel::Fatal),
                other => LogLevel::parse(other),
            },
            message.trim_start().to_owned(),
        ),
        None => (None, rest.to_owned()),
    };
    if level.is_none()
        && (message.starts_with("Welcome, you are now connected to log-streaming service")
            || message.starts_with("No new trace in the past"))
    {
        return None;
    }
    let invocation = invocation_id(&message);
    Some((timestamp, level, message, invocation))
}

/// The `Id=` of the host's `Executing 'Functions.x' (Reason='…', Id=…)` and
/// `Executed 'Functions.x' (Succeeded, Id=…, Duration=…ms)` lines.
fn invocation_id(message: &str) -> Option<String> {
    if !(message.starts_with("Executing '") || message.starts_with("Executed '")) {
        return None;
    }
    let start = message.rfind("Id=")? + 3;
    let id: String = message[start..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit() || *c == '-')
        .collect();
    (id.len() == 36).then_some(id)
}

/// `2024-05-01T10:00:00.123`, with or without a zone (the log stream's times are UTC).
fn parse_time(text: &str) -> Option<i64> {
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(time.timestamp_millis());
    }
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some(naive.and_utc().timestamp_millis())
}

fn kql_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// The KQL over `traces` for these Azure functions from `from_ms` on.
fn traces_query(functions: &[String], from_ms: i64) -> String {
    let names = functions
        .iter()
        .map(|f| format!("'{}'", f.replace('\'', "")))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "traces\n| where timestamp >= datetime({})\n| where operation_Name in ({names})\n| project timestamp, message, severityLevel, invocationId = tostring(customDimensions.InvocationId), itemId\n| order by timestamp asc\n| take {QUERY_ROWS}",
        kql_time(from_ms)
    )
}

/// One query's rows as events with their `itemId`.
fn rows(answer: &Value, function: &str) -> Vec<(String, LogEvent)> {
    let Some(table) = answer
        .get("tables")
        .and_then(Value::as_array)
        .and_then(|t| t.first())
    else {
        return Vec::new();
    };
    let columns: Vec<&str> = table
        .get("columns")
        .and_then(Value::as_array)
        .map(|c| {
            c.iter()
                .map(|c| c.get("name").and_then(Value::as_str).unwrap_or(""))
                .collect()
        })
        .unwrap_or_default();
    let at = |name: &str| columns.iter().position(|c| *c == name);
    let (Some(time), Some(message)) = (at("timestamp"), at("message")) else {
        return Vec::new();
    };
    let (level, invocation, item) = (at("severityLevel"), at("invocationId"), at("itemId"));
    table
        .get("rows")
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .filter_map(|row| {
                    let row = row.as_array()?;
                    let timestamp_ms = parse_time(row.get(time)?.as_str()?)?;
                    let text = row.get(message)?.as_str().unwrap_or_default().to_owned();
                    let id = item
                        .and_then(|i| row.get(i))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .unwrap_or_else(|| format!("{timestamp_ms}:{text}"));
                    let event = LogEvent {
                        timestamp_ms,
                        function: function.to_owned(),
                        request_id: invocation
                            .and_then(|i| row.get(i))
                            .and_then(Value::as_str)
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned),
                        level: level
                            .and_then(|i| row.get(i))
                            .and_then(Value::as_i64)
                            .and_then(severity_level),
                        message: text,
                    };
                    Some((id, event))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The state of one Application Insights tail.
struct InsightsTail {
    adapter: AzureAdapter,
    app_id: String,
    function: String,
    azure_functions: Vec<String>,
    options: TailOptions,
    from_ms: i64,
    seen: SeenEvents,
    ready: VecDeque<LogEvent>,
    first_poll: bool,
}

impl InsightsTail {
    /// One query from `from_ms`, new lines only, oldest first.
    async fn poll(&mut self) -> Result<Vec<LogEvent>> {
        let answer = self
            .adapter
            .query_insights(
                &self.app_id,
                &traces_query(&self.azure_functions, self.from_ms),
            )
            .await?;
        let mut events = Vec::new();
        for (id, event) in rows(&answer, &self.function) {
            if !self.seen.first_time(id, event.timestamp_ms) {
                continue;
            }
            events.push(event);
        }
        events.sort_by_key(|e| e.timestamp_ms);
        // Look back by the overlap next time; forget ids older than that window.
        let overlap =
            i64::try_from(self.adapter.inner.settings.log_overlap.as_millis()).unwrap_or(0);
        self.from_ms = self.seen.next_start(self.from_ms, overlap);
        Ok(events)
    }
}

impl AzureAdapter {
    /// Runs a KQL query against the app's Application Insights.
    pub(crate) async fn query_insights(&self, app_id: &str, query: &str) -> Result<Value> {
        let base = crate::endpoints::checked_base(
            "the Application Insights endpoint",
            &self.inner.endpoints.app_insights,
        )?;
        let url = format!("{base}/v1/apps/{app_id}/query");
        let mut refused_once = false;
        loop {
            let token = self.inner.tokens.bearer(AzureResource::AppInsights).await?;
            let response = self
                .inner
                .http
                .post(&url)
                .bearer_auth(token.expose())
                .timeout(self.inner.settings.request_timeout)
                .json(&json!({ "query": query }))
                .send()
                .await
                .map_err(|error| {
                    AdapterError::provider(
                        AdapterKind::Azure,
                        format!(
                            "the Application Insights query of {} for {} failed ({}): check the network connection",
                            app_id,
                            self.app().name,
                            error_chain(&error)
                        ),
                    )
                })?;
            let status = response.status().as_u16();
            let text = response.text().await.unwrap_or_default();
            if status == 401 && !refused_once {
                refused_once = true;
                self.inner.tokens.forget(AzureResource::AppInsights).await;
                continue;
            }
            if (200..300).contains(&status) {
                return serde_json::from_str(&text).map_err(|_| {
                    AdapterError::provider(
                        AdapterKind::Azure,
                        format!("Application Insights {app_id} answered a query with something that is not a result"),
                    )
                });
            }
            let said = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| {
                    let error = v.get("error")?;
                    Some(format!(
                        "{}: {}",
                        error.get("code").and_then(Value::as_str).unwrap_or("error"),
                        error.get("message").and_then(Value::as_str).unwrap_or("")
                    ))
                })
                .unwrap_or_else(|| format!("HTTP {status}"));
            let who = self.inner.tokens.signed_in_as();
            let context = format!(
                "the Application Insights query of application {app_id} (logs of {}) as {who}",
                self.app().name
            );
            return Err(match status {
                401 => AdapterError::Unauthenticated {
                    message: format!("{context} was refused ({said}): sign in again"),
                },
                403 => AdapterError::PermissionDenied {
                    message: format!(
                        "{context} was refused ({said}): grant {who} the Reader or Monitoring Reader role on the Application Insights resource"
                    ),
                },
                404 => AdapterError::NotFound {
                    what: format!(
                        "Application Insights application `{app_id}` ({said}): check the ApplicationId in the app's APPLICATIONINSIGHTS_CONNECTION_STRING"
                    ),
                },
                429 => AdapterError::Throttled {
                    message: format!("{context} was throttled ({said}): try again in a minute"),
                },
                400..=499 => AdapterError::InvalidRequest {
                    message: format!("{context} was refused ({said})"),
                },
                _ => AdapterError::provider(
                    AdapterKind::Azure,
                    format!("{context} failed ({said}): try again"),
                ),
            });
        }
    }

    fn insights_id(&self, app: &ObservedApp) -> Option<String> {
        self.inner
            .app_insights_app_id
            .clone()
            .or_else(|| app.app_insights_id())
    }

    fn no_insights(&self, app: &ObservedApp) -> AdapterError {
        AdapterError::invalid(format!(
            "stored log lines of {} come from Application Insights, and the app has none connected (no ApplicationId in APPLICATIONINSIGHTS_CONNECTION_STRING): turn on Application Insights for the app{}",
            self.app().describe(),
            if app.supports_log_stream() {
                ", or follow the live log stream instead"
            } else {
                ""
            }
        ))
    }

    pub(crate) async fn log_source_of(&self, function: &str) -> Result<LogSource> {
        let app = self.observe().await?;
        if app.entries_of(function).is_empty() {
            return Err(self.not_found(function));
        }
        let insights = self.insights_id(&app);
        let poll = u64::try_from(self.inner.settings.log_poll_interval.as_millis()).unwrap_or(0);
        match (app.supports_log_stream(), insights) {
            (true, Some(id)) => Ok(LogSource {
                description: format!(
                    "Kudu log stream of {} (live, when following); stored lines from Application Insights {id} (traces)",
                    self.app().name
                ),
                expected_delay_ms: LOG_STREAM_DELAY_MS,
            }),
            (true, None) => Ok(LogSource {
                description: format!(
                    "Kudu log stream of {} (live lines only: the app has no Application Insights for stored ones)",
                    self.app().name
                ),
                expected_delay_ms: LOG_STREAM_DELAY_MS,
            }),
            (false, Some(id)) => Ok(LogSource {
                description: format!(
                    "Application Insights {id} (traces of {}, queried every {:.1} s; lines show up minutes after they are written)",
                    self.app().name,
                    self.inner.settings.log_poll_interval.as_secs_f32()
                ),
                expected_delay_ms: APP_INSIGHTS_DELAY_MS + poll,
            }),
            (false, None) => Err(self.no_insights(&app)),
        }
    }

    pub(crate) async fn tail(&self, options: TailOptions) -> Result<LogStream> {
        let name = options.function.clone();
        let app = self.observe().await?;
        let azure_functions: Vec<String> = app
            .entries_of(&name)
            .iter()
            .map(|e| e.function_name().to_owned())
            .collect();
        if azure_functions.is_empty() {
            return Err(self.not_found(&name));
        }
        let insights = self.insights_id(&app);
        let live = options.follow && app.supports_log_stream();
        if insights.is_none() && !live {
            return Err(self.no_insights(&app));
        }
        let from_ms = options.since_ms.unwrap_or_else(|| {
            now_ms() - i64::try_from(self.inner.settings.log_lookback.as_millis()).unwrap_or(0)
        });

        // The stored lines first (the last `n` when asked), so errors surface here.
        let mut tail = insights.map(|app_id| InsightsTail {
            adapter: self.clone(),
            app_id,
            function: name.clone(),
            azure_functions: azure_functions.clone(),
            options: options.clone(),
            from_ms,
            seen: SeenEvents::default(),
            ready: VecDeque::new(),
            first_poll: true,
        });
        if let Some(tail) = &mut tail {
            let mut stored: Vec<LogEvent> = tail
                .poll()
                .await?
                .into_iter()
                .filter(|e| options.filter.matches(e))
                .collect();
            if let Some(last) = options.last {
                let skip = stored.len().saturating_sub(last);
                stored.drain(..skip);
            }
            tail.ready.extend(stored);
        }

        if live {
            // Connected before returning, so nothing written after this call is missed.
            let kudu = self.kudu(&app);
            let mut streams = Vec::new();
            for azure in &azure_functions {
                let response = kudu.log_stream(azure).await?;
                streams.push(self.live_stream(
                    name.clone(),
                    azure.clone(),
                    options.clone(),
                    response,
                ));
            }
            let stored: Vec<Result<LogEvent>> = tail
                .map(|t| t.ready.into_iter().map(Ok).collect())
                .unwrap_or_default();
            let live = stream::select_all(streams);
            return Ok(Box::pin(stream::iter(stored).chain(live)));
        }

        let Some(tail) = tail else {
            return Err(self.no_insights(&app));
        };
        let stream = stream::unfold(tail, |mut tail| async move {
            loop {
                if let Some(event) = tail.ready.pop_front() {
                    return Some((Ok(event), tail));
                }
                if !tail.options.follow {
                    return None;
                }
                if !tail.first_poll {
                    tokio::time::sleep(tail.adapter.inner.settings.log_poll_interval).await;
                }
                tail.first_poll = false;
                match tail.poll().await {
                    Ok(events) => {
                        let filter = tail.options.filter.clone();
                        tail.ready
                            .extend(events.into_iter().filter(|e| filter.matches(e)));
                    }
                    Err(error) => return Some((Err(error), tail)),
                }
            }
        });
        Ok(Box::pin(stream))
    }

    /// One function's live log stream as events; reconnects when Kudu closes it.
    fn live_stream(
        &self,
        function: String,
        azure_function: String,
        options: TailOptions,
        response: reqwest::Response,
    ) -> LogStream {
        struct Live {
            adapter: AzureAdapter,
            function: String,
            azure_function: String,
            options: TailOptions,
            response: Option<reqwest::Response>,
            buffer: Vec<u8>,
            open_invocation: Option<String>,
            ready: VecDeque<LogEvent>,
        }
        let state = Live {
            adapter: self.clone(),
            function,
            azure_function,
            options,
            response: Some(response),
            buffer: Vec::new(),
            open_invocation: None,
            ready: VecDeque::new(),
        };
        Box::pin(stream::unfold(state, |mut live| async move {
            loop {
                if let Some(event) = live.ready.pop_front() {
                    return Some((Ok(event), live));
                }
                let Some(response) = live.response.as_mut() else {
                    // Kudu ends a stream after a while without lines: connect again.
                    tokio::time::sleep(live.adapter.inner.settings.log_poll_interval).await;
                    let app = match live.adapter.observe().await {
                        Ok(app) => app,
                        Err(error) => return Some((Err(error), live)),
                    };
                    match live
                        .adapter
                        .kudu(&app)
                        .log_stream(&live.azure_function)
                        .await
                    {
                        Ok(response) => live.response = Some(response),
                        Err(error) => return Some((Err(error), live)),
                    }
                    continue;
                };
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        live.buffer.extend_from_slice(&chunk);
                        while let Some(end) = live.buffer.iter().position(|b| *b == b'\n') {
                            let line: Vec<u8> = live.buffer.drain(..=end).collect();
                            let line = String::from_utf8_lossy(&line);
                            let Some((timestamp_ms, level, message, invocation)) =
                                parse_log_stream_line(&line)
                            else {
                                continue;
                            };
                            let request_id = match invocation {
                                Some(id) => {
                                    if message.starts_with("Executing '") {
                                        live.open_invocation = Some(id.clone());
                                    } else {
                                        live.open_invocation = None;
                                    }
                                    Some(id)
                                }
                                None => live.open_invocation.clone(),
                            };
                            let event = LogEvent {
                                timestamp_ms,
                                function: live.function.clone(),
                                request_id,
                                level,
                                message,
                            };
                            if live.options.filter.matches(&event) {
                                live.ready.push_back(event);
                            }
                        }
                    }
                    Ok(None) | Err(_) => live.response = None,
                }
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "8f5a0c52-2c4e-4a5e-9d0b-3c1f1d7b2a10";

    #[test]
    fn log_stream_lines() {
        let (time, level, message, id) = parse_log_stream_line(&format!(
            "2024-05-01T10:00:00.123 [Information] Executing 'Functions.echo' (Reason='This function was programmatically called via the host APIs.', Id={ID})\n"
        ))
        .unwrap();
        assert_eq!(time, 1_714_557_600_123);
        assert_eq!(level, Some(LogLevel::Info));
        assert!(message.starts_with("Executing 'Functions.echo'"));
        assert_eq!(id.as_deref(), Some(ID));
        let (_, level, _, id) = parse_log_stream_line(&format!(
            "2024-05-01T10:00:00.140Z [Error] Executed 'Functions.echo' (Failed, Id={ID}, Duration=17ms)"
        ))
        .unwrap();
        assert_eq!((level, id.as_deref()), (Some(LogLevel::Error), Some(ID)));
        let (_, level, message, id) =
            parse_log_stream_line("2024-05-01T10:00:00.130 [Warning] disk almost full").unwrap();
        assert_eq!(
            (level, message.as_str(), id),
            (Some(LogLevel::Warn), "disk almost full", None)
        );
        assert!(parse_log_stream_line("2024-05-01T10:00:00  Welcome, you are now connected to log-streaming service. The default timeout is 2 hours.").is_none());
        assert!(
            parse_log_stream_line("2024-05-01T10:01:00  No new trace in the past 1 min(s).")
                .is_none()
        );
        assert!(parse_log_stream_line("").is_none());
    }

    #[test]
    fn insights_rows_and_query() {
        let answer = json!({"tables": [{
            "name": "PrimaryResult",
            "columns": [
                {"name": "timestamp", "type": "datetime"},
                {"name": "message", "type": "string"},
                {"name": "severityLevel", "type": "int"},
                {"name": "invocationId", "type": "string"},
                {"name": "itemId", "type": "string"}
            ],
            "rows": [
                ["2024-05-01T10:00:00.123Z", "echo saw {}", 1, ID, "item-1"],
                ["2024-05-01T10:00:00.200Z", "Host lock lease acquired", 1, "", "item-2"]
            ]
        }]});
        let events = rows(&answer, "echo");
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].0, "item-1");
        assert_eq!(events[0].1.request_id.as_deref(), Some(ID));
        assert_eq!(events[0].1.level, Some(LogLevel::Info));
        assert_eq!(events[1].1.request_id, None);
        let query = traces_query(&["echo".into(), "echo-schedule".into()], 1_714_557_600_123);
        assert!(
            query.contains("datetime(2024-05-01T10:00:00.123Z)"),
            "{query}"
        );
        assert!(
            query.contains("operation_Name in ('echo', 'echo-schedule')"),
            "{query}"
        );
        assert_eq!(severity_level(4), Some(LogLevel::Fatal));
    }
}
