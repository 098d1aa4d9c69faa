//! Log tails: the stored lines that match a query, following when asked, sent to a UI in
//! batches.

use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use functory_adapter::{LogEvent, LogFilter, LogLevel};
use functory_local::{LocalSettings, LogStore};
use futures_util::{Stream, StreamExt};

use super::{LogBatch, LogLine, LogQuery};
use crate::error::{ApiError, ErrorCode};

/// Log lines, oldest first per function; it ends when the stored lines are sent, unless the
/// query follows.
pub type LogLines = Pin<Box<dyn Stream<Item = LogLine> + Send>>;

fn log_line(event: LogEvent) -> LogLine {
    LogLine {
        timestamp_ms: event.timestamp_ms,
        function: event.function,
        request_id: event.request_id,
        level: event.level.map(|level| {
            serde_json::to_value(level)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        }),
        message: event.message,
    }
}

/// The adapter filter a query asks for; an unknown level is refused.
pub(crate) fn log_filter(query: &LogQuery) -> Result<LogFilter, ApiError> {
    let min_level = match query.min_level.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(LogLevel::parse(text).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!("unknown level `{text}`; use trace, debug, info, warn, error or fatal"),
            )
        })?),
    };
    Ok(LogFilter {
        text: query.text.clone().filter(|t| !t.is_empty()),
        request_id: query.request_id.clone().filter(|t| !t.trim().is_empty()),
        min_level,
    })
}

/// The log lines of the project at `root` that match `query`. The logs are read from the
/// project's data folder, so lines written by the app, `functory run` or `functory invoke` all
/// show, whether or not a run is active. Must be called inside a Tokio runtime.
pub fn tail_logs(root: &Path, query: &LogQuery) -> Result<LogLines, ApiError> {
    let filter = log_filter(query)?;
    let settings = LocalSettings::for_project(root);
    let declared: Vec<String> = functory_local::load_manifest(root)
        .map(|(m, _)| m.functions.iter().map(|f| f.name.clone()).collect())
        .unwrap_or_default();
    let functions = match &query.function {
        Some(name) => {
            let valid = functory_core::manifest::is_valid_function_name(name);
            if !valid || (!declared.contains(name) && !settings.logs_dir().join(name).is_dir()) {
                return Err(ApiError::new(
                    ErrorCode::NotFound,
                    format!("no function `{name}` in this project and no log for it"),
                ));
            }
            vec![name.clone()]
        }
        None => declared,
    };
    let last = query.last.map(|n| n as usize);
    let mut streams = Vec::new();
    for function in functions {
        let store =
            LogStore::open(&settings.logs_dir(), &function, settings.log_limits).map_err(|e| {
                ApiError::io("open the log of", &settings.logs_dir().join(&function), e)
            })?;
        let events = Arc::new(store).tail(filter.clone(), None, last, query.follow);
        // An unreadable line ends nothing: the store already skips what it cannot parse.
        streams
            .push(events.filter_map(|event| futures_util::future::ready(event.ok().map(log_line))));
    }
    Ok(Box::pin(futures_util::stream::select_all(streams)))
}

/// Sends `lines` to `sink` in batches: the lines that arrive within `window` of the first one
/// (at most `max_lines`), so a function logging thousands of lines a second costs the receiver
/// a few messages a second. Stops when the stream ends (after a last batch with `ended`) or
/// when `sink` answers false (the receiver is gone).
pub async fn forward_in_batches(
    mut lines: LogLines,
    window: Duration,
    max_lines: usize,
    mut sink: impl FnMut(LogBatch) -> bool,
) {
    loop {
        let Some(first) = lines.next().await else {
            sink(LogBatch {
                lines: Vec::new(),
                ended: true,
                error: None,
            });
            return;
        };
        let mut batch = vec![first];
        let deadline = tokio::time::Instant::now() + window;
        let mut ended = false;
        while batch.len() < max_lines {
            match tokio::time::timeout_at(deadline, lines.next()).await {
                Ok(Some(line)) => batch.push(line),
                Ok(None) => {
                    ended = true;
                    break;
                }
                Err(_) => break,
            }
        }
        // Lines of several functions arrive interleaved per function: show them in time order.
        batch.sort_by_key(|line| line.timestamp_ms);
        if !sink(LogBatch {
            lines: batch,
            ended,
            error: None,
        }) || ended
        {
            return;
        }
    }
}
