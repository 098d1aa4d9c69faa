//! A cloud target's logs: polled through the adapter, or a live tail on request, and sent
//! on in batches like the local run's.

use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use functory_adapter::{Adapter, LogLevel, TailOptions};
use functory_core::AdapterKind;
use functory_gcp::LogFollowMode;
use futures_util::{Stream, StreamExt};

use super::connect::{connect_aws, connect_gcp};
use super::{CloudTarget, TargetLogSource, find_target, manifest_of};
use crate::accounts::Accounts;
use crate::local::{LogBatch, LogLine, LogQuery, find_function};
use crate::{ApiError, ErrorCode};

impl CloudTarget {
    /// The function's log lines (`/aws/lambda/<fn>`) that match `query`, following when asked.
    pub async fn logs(
        &self,
        function: &str,
        query: &LogQuery,
    ) -> Result<Pin<Box<dyn Stream<Item = Result<LogLine, ApiError>> + Send>>, ApiError> {
        find_function(&self.manifest, function)?;
        let stream = self
            .adapter
            .tail_logs(TailOptions {
                follow: query.follow,
                filter: crate::local::log_filter(query)?,
                last: query.last.map(|n| n as usize),
                ..TailOptions::new(function)
            })
            .await?;
        Ok(Box::pin(stream.map(|event| {
            event.map_err(ApiError::from).map(|e| LogLine {
                timestamp_ms: e.timestamp_ms,
                function: e.function,
                request_id: e.request_id,
                level: e.level.map(level_name),
                message: e.message,
            })
        })))
    }

    /// Where `function`'s log lines are read from on this target, and their usual delay.
    pub async fn log_source(&self, function: &str) -> Result<TargetLogSource, ApiError> {
        find_function(&self.manifest, function)?;
        let source = self.adapter.log_source(function).await?;
        Ok(TargetLogSource {
            target: self.target.name.clone(),
            description: source.description,
            expected_delay_ms: source.expected_delay_ms,
            live_tail: super::LiveTail::of(self.target.adapter),
        })
    }
}

fn level_name(level: LogLevel) -> String {
    match level {
        LogLevel::Trace => "TRACE",
        LogLevel::Debug => "DEBUG",
        LogLevel::Info => "INFO",
        LogLevel::Warn => "WARN",
        LogLevel::Error => "ERROR",
        LogLevel::Fatal => "FATAL",
    }
    .to_owned()
}

/// Lines of a cloud target's logs for one function, as they arrive.
pub type CloudLogLines = Pin<Box<dyn Stream<Item = Result<LogLine, ApiError>> + Send>>;

/// A function's log lines from a live tail session — AWS CloudWatch Logs StartLiveTail, or
/// Google Cloud Logging's TailLogEntries stream: lines within about a second, where
/// [`CloudTarget::logs`] polls every few seconds. AWS bills live tails by the minute, which is
/// why they are only started on request (`--live`, Run & Logs' "Live" switch). Only new lines
/// come; `last` and `follow` do not apply.
pub async fn live_logs(
    root: &Path,
    target: &str,
    function: &str,
    query: &LogQuery,
    accounts: &Accounts,
) -> Result<CloudLogLines, ApiError> {
    let manifest = manifest_of(root)?;
    let target = find_target(&manifest, target)?;
    find_function(&manifest, function)?;
    let options = TailOptions {
        filter: crate::local::log_filter(query)?,
        ..TailOptions::new(function)
    };
    let stream = match target.adapter {
        AdapterKind::Aws => {
            connect_aws(&target, accounts)
                .await?
                .0
                .live_tail(options)
                .await?
        }
        // Cloud Logging's TailLogEntries: a gRPC stream instead of entries:list polling.
        AdapterKind::Gcp => {
            connect_gcp(&target, accounts)?
                .with_log_follow(LogFollowMode::Stream)
                .tail_logs(TailOptions {
                    follow: true,
                    last: Some(0),
                    ..options
                })
                .await?
        }
        // The providers whose capabilities declare no `live_tail`.
        other => {
            return Err(ApiError::new(
                ErrorCode::NotSupported,
                format!(
                    "target `{}` deploys to {other}, which has no live tail session; follow the logs without --live",
                    target.name
                ),
            ));
        }
    };
    Ok(Box::pin(stream.map(|event| {
        event.map_err(ApiError::from).map(|e| LogLine {
            timestamp_ms: e.timestamp_ms,
            function: e.function,
            request_id: e.request_id,
            level: e.level.map(level_name),
            message: e.message,
        })
    })))
}

/// Sends `lines` to `sink` in batches gathered for `window` (as the local log tail does); the
/// first error ends the subscription and travels in its last batch.
pub async fn forward_cloud_logs(
    lines: CloudLogLines,
    window: std::time::Duration,
    max_lines: usize,
    mut sink: impl FnMut(LogBatch) -> bool + Send,
) {
    let failure: Arc<std::sync::Mutex<Option<ApiError>>> = Arc::default();
    let seen = failure.clone();
    let until_error = lines
        .take_while(move |line| {
            let keep = match line {
                Ok(_) => true,
                Err(error) => {
                    if let Ok(mut slot) = seen.lock() {
                        *slot = Some(error.clone());
                    }
                    false
                }
            };
            futures_util::future::ready(keep)
        })
        .filter_map(|line| futures_util::future::ready(line.ok()));
    crate::local::forward_in_batches(Box::pin(until_error), window, max_lines, |batch| {
        let error = if batch.ended {
            failure.lock().ok().and_then(|mut slot| slot.take())
        } else {
            None
        };
        sink(LogBatch { error, ..batch })
    })
    .await;
}
