//! Reading `/aws/lambda/<function>` with FilterLogEvents.
//!
//! CloudWatch Logs makes events visible late and out of order, and a page may be empty yet
//! carry a next token. So following polls from a little before the newest event seen (the
//! overlap), drops events whose id it has already yielded, and follows next tokens to the end
//! of each poll. Each line is tied to its invocation: by the request id the runtimes print, or
//! by the `START`/`END` lines around it in the same log stream.

use std::collections::{HashMap, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};

use functory_adapter::seen::SeenEvents;
use functory_adapter::{AdapterError, LogEvent, LogLevel, LogStream, Result, TailOptions};
use futures_util::stream;

use super::{AwsAdapter, not_found_as};

/// Without `since_ms`, stored events of the last day.
const DEFAULT_LOOKBACK_MS: i64 = 24 * 60 * 60 * 1000;

/// Splits a Lambda log line into its request id, level and message.
///
/// Node prints `2024-01-01T00:00:00.000Z\t<id>\tINFO\tmessage`; Python's runtime
/// `[INFO]\t2024-01-01T00:00:00.000Z\t<id>\tmessage`; the platform `START RequestId: <id> …`,
/// `END RequestId: <id>` and `REPORT RequestId: <id>\t…`.
pub fn parse_log_message(raw: &str) -> (Option<String>, Option<LogLevel>, String) {
    let line = raw.trim_end_matches(['\n', '\r']);
    for prefix in ["START RequestId: ", "END RequestId: ", "REPORT RequestId: "] {
        if let Some(rest) = line.strip_prefix(prefix) {
            let id = rest
                .split(|c: char| c.is_whitespace())
                .next()
                .unwrap_or_default();
            return (Some(id.to_owned()), None, line.to_owned());
        }
    }
    let parts: Vec<&str> = line.splitn(4, '\t').collect();
    if parts.len() == 4 && looks_like_timestamp(parts[0]) && looks_like_request_id(parts[1]) {
        return (
            Some(parts[1].to_owned()),
            LogLevel::parse(parts[2]),
            parts[3].to_owned(),
        );
    }
    if parts.len() == 4
        && parts[0].starts_with('[')
        && parts[0].ends_with(']')
        && looks_like_timestamp(parts[1])
        && looks_like_request_id(parts[2])
    {
        return (
            Some(parts[2].to_owned()),
            LogLevel::parse(parts[0].trim_matches(['[', ']'])),
            parts[3].to_owned(),
        );
    }
    (None, None, line.to_owned())
}

fn looks_like_timestamp(text: &str) -> bool {
    text.len() >= 20 && text.as_bytes().get(4) == Some(&b'-') && text.contains('T')
}

fn looks_like_request_id(text: &str) -> bool {
    text.len() == 36 && text.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// The state of one tail: what has been seen and which invocation each stream is in.
struct Tail {
    adapter: AwsAdapter,
    options: TailOptions,
    group: String,
    /// The next poll starts here (ms).
    from_ms: i64,
    seen: SeenEvents,
    open_request: HashMap<String, String>,
    ready: VecDeque<LogEvent>,
    first_poll: bool,
}

impl Tail {
    /// One FilterLogEvents sweep from `from_ms` to now, new events only, oldest first.
    async fn poll(&mut self) -> Result<Vec<LogEvent>> {
        let mut events = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = match self
                .adapter
                .logs
                .filter_log_events()
                .log_group_name(&self.group)
                .start_time(self.from_ms)
                .set_next_token(token.clone())
                .send()
                .await
            {
                Ok(page) => page,
                Err(error) => {
                    return match self.adapter.failure(
                        &error,
                        &format!("CloudWatch Logs FilterLogEvents on {}", self.group),
                    ) {
                        // No invocation has written a line yet.
                        AdapterError::NotFound { .. } => Ok(events),
                        other => Err(other),
                    };
                }
            };
            for event in page.events() {
                let id = event.event_id().unwrap_or_default().to_owned();
                let timestamp_ms = event.timestamp().unwrap_or_default();
                if !self.seen.first_time(id, timestamp_ms) {
                    continue;
                }
                let stream = event.log_stream_name().unwrap_or_default().to_owned();
                let (request_id, level, message) =
                    parse_log_message(event.message().unwrap_or_default());
                let request_id = match request_id {
                    Some(id) => {
                        if message.starts_with("START RequestId:") {
                            self.open_request.insert(stream.clone(), id.clone());
                        } else if message.starts_with("REPORT RequestId:") {
                            self.open_request.remove(&stream);
                        }
                        Some(id)
                    }
                    None => self.open_request.get(&stream).cloned(),
                };
                events.push(LogEvent {
                    timestamp_ms,
                    function: self.options.function.clone(),
                    request_id,
                    level,
                    message,
                });
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        events.sort_by_key(|e| e.timestamp_ms);
        // Look back by the overlap next time; forget ids older than that window.
        let overlap = i64::try_from(self.adapter.settings.log_overlap.as_millis()).unwrap_or(0);
        self.from_ms = self.seen.next_start(self.from_ms, overlap);
        Ok(events)
    }
}

impl AwsAdapter {
    pub(crate) async fn tail(&self, options: TailOptions) -> Result<LogStream> {
        let name = options.function.clone();
        // A function that does not exist is an error, not an empty log.
        self.lambda
            .get_function_configuration()
            .function_name(&name)
            .send()
            .await
            .map_err(|e| {
                not_found_as(
                    self.failure(&e, &format!("Lambda GetFunctionConfiguration of `{name}`")),
                    &name,
                )
            })?;
        let mut tail = Tail {
            adapter: self.clone(),
            group: format!("/aws/lambda/{name}"),
            from_ms: options
                .since_ms
                .unwrap_or_else(|| now_ms() - DEFAULT_LOOKBACK_MS),
            options,
            seen: SeenEvents::default(),
            open_request: HashMap::new(),
            ready: VecDeque::new(),
            first_poll: true,
        };
        // The stored events first (the last `n` when asked), so errors surface here.
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
                    tokio::time::sleep(tail.adapter.settings.log_poll_interval).await;
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
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "8f5a0c52-2c4e-4a5e-9d0b-3c1f1d7b2a10";

    #[test]
    fn node_python_and_platform_lines() {
        let (id, level, message) = parse_log_message(&format!(
            "2024-05-01T10:00:00.000Z\t{ID}\tINFO\tresized 3 images\n"
        ));
        assert_eq!(id.as_deref(), Some(ID));
        assert_eq!(level, Some(LogLevel::Info));
        assert_eq!(message, "resized 3 images");

        let (id, level, message) = parse_log_message(&format!(
            "[ERROR]\t2024-05-01T10:00:00.000Z\t{ID}\tboom\tand tab"
        ));
        assert_eq!(id.as_deref(), Some(ID));
        assert_eq!(level, Some(LogLevel::Error));
        assert_eq!(message, "boom\tand tab");

        let (id, level, _) = parse_log_message(&format!("START RequestId: {ID} Version: 3"));
        assert_eq!((id.as_deref(), level), (Some(ID), None));
        let (id, _, _) = parse_log_message(&format!("REPORT RequestId: {ID}\tDuration: 1 ms"));
        assert_eq!(id.as_deref(), Some(ID));

        let (id, level, message) = parse_log_message("plain print output");
        assert_eq!(
            (id, level, message.as_str()),
            (None, None, "plain print output")
        );
    }
}
