//! Following a function's log through Cloud Logging's `TailLogEntries`
//! (`google.logging.v2.LoggingServiceV2/TailLogEntries`), the opt-in
//! [`LogFollowMode::Stream`](crate::LogFollowMode::Stream).
//!
//! The method is a bidirectional gRPC stream and has no REST form that streams, so this is
//! a tonic client over HTTP/2 (TLS with the system's roots to `logging.googleapis.com`, plain
//! HTTP/2 to a loopback test server), with the hand-written messages of
//! [`crate::logging_proto`] and the bearer token as `authorization` metadata. One request
//! opens the session (project, the function's filter, the buffer window); Google then pushes
//! responses of entries as they are ingested, each response in timestamp order, and
//! `suppression_info` counting what it left out since the previous one.
//!
//! A session only streams what is ingested after it opens, and `entries:list` shows entries
//! only a few seconds after they are ingested, so lines written around the moment a tail
//! starts would fall between the two. The session is therefore opened in a task of its own
//! *before* the stored entries are listed, and once Google has answered the open, one more
//! `entries:list` (a poll interval later, when what was ingested meanwhile has become
//! listable) catches up from the overlap before the newest stored entry; whatever shows up
//! twice is dropped by its `insertId`, as the polling tail does.
//!
//! The task hands responses over a small bounded channel: a reader that falls behind makes
//! Google leave entries out and say so (`NOT_CONSUMED`), rather than memory growing here.
//! Dropping the stream closes the channel; the task then ends the request side and drops the
//! response, which resets the HTTP/2 stream, and Google ends the session.
//!
//! Google ending the stream, or refusing it (a token it does not accept after one renewal,
//! a missing permission, too many open tails), is the stream's last item, an
//! [`AdapterError`] naming the call and what to do.

use std::collections::VecDeque;
use std::time::Duration as StdDuration;

use chrono::Utc;
use functory_adapter::{AdapterError, LogEvent, LogLevel, LogStream, Result};
use functory_core::AdapterKind;
use futures_util::{StreamExt, future, stream};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tonic::Code;
use tonic::codec::Streaming;
use tonic::metadata::{AsciiMetadataValue, MetadataValue};
use tonic::transport::{Channel, ClientTlsConfig, Endpoint};

use crate::GcpAdapter;
use crate::errors::classify;
use crate::logging_proto::{
    Duration, SUPPRESSED_NOT_CONSUMED, SUPPRESSED_RATE_LIMIT, SuppressionInfo,
    TailLogEntriesRequest, TailLogEntriesResponse, rpc_status,
};
use crate::logs::{LogEntry, Tail};
use crate::token::error_chain;

/// The method's HTTP/2 path.
pub(crate) const TAIL_LOG_ENTRIES: &str = "/google.logging.v2.LoggingServiceV2/TailLogEntries";

/// Responses held for a reader that is busy; beyond them Google leaves entries out, and says so.
const RESPONSES_IN_FLIGHT: usize = 16;

/// Idle sessions are long: TCP keepalive stops a middlebox from forgetting the connection.
const TCP_KEEPALIVE: StdDuration = StdDuration::from_secs(60);

/// What the session task hands the stream.
enum Delivery {
    /// Google answered the open: entries ingested from now on are streamed.
    Opened,
    Response(TailLogEntriesResponse),
    /// The session is over, and why; nothing follows.
    Failed(AdapterError),
}

/// Follows `tail`'s function with a `TailLogEntries` session: its stored entries first (as
/// the polling tail reads them), then what the session streams.
pub(crate) async fn follow(mut tail: Tail, resource_filter: String) -> Result<LogStream> {
    let adapter = tail.adapter.clone();
    let function = tail.options.function.clone();
    let request = TailLogEntriesRequest {
        resource_names: vec![format!("projects/{}", adapter.project)],
        filter: resource_filter,
        buffer_window: Some(Duration::from_std(adapter.settings.log_buffer_window)),
    };
    let (deliveries, received) = mpsc::channel(RESPONSES_IN_FLIGHT);
    // Opened before the stored entries are read, so nothing written in between is missed.
    tokio::spawn(session(adapter, function, request, deliveries));
    // On an error here `received` is dropped, which ends the session.
    let stored = tail.stored().await?;
    let live = LiveTail {
        tail,
        ready: stored.into(),
        received,
        catch_up_at: None,
        caught_up: false,
        done: false,
    };
    Ok(Box::pin(stream::unfold(live, |mut live| async move {
        let item = live.next_item().await?;
        Some((item, live))
    })))
}

/// The reading side of a session.
struct LiveTail {
    /// The stored entries' tail: its `seen` dedupes the stream too, its `poll` catches up.
    tail: Tail,
    ready: VecDeque<LogEvent>,
    received: mpsc::Receiver<Delivery>,
    /// When the one catch-up `entries:list` is due, once the session is open.
    catch_up_at: Option<Instant>,
    /// Until then every id seen is kept: the catch-up lists from before the stored entries.
    caught_up: bool,
    done: bool,
}

impl LiveTail {
    async fn next_item(&mut self) -> Option<Result<LogEvent>> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(Ok(event));
            }
            if self.done {
                return None;
            }
            let delivery = match self.catch_up_at {
                Some(at) => tokio::select! {
                    delivery = self.received.recv() => delivery,
                    () = tokio::time::sleep_until(at) => {
                        self.catch_up_at = None;
                        self.caught_up = true;
                        match self.catch_up().await {
                            Ok(()) => continue,
                            Err(error) => {
                                self.done = true;
                                return Some(Err(error));
                            }
                        }
                    }
                },
                None => self.received.recv().await,
            };
            match delivery {
                Some(Delivery::Opened) => {
                    self.catch_up_at =
                        Some(Instant::now() + self.tail.adapter.settings.log_poll_interval);
                }
                Some(Delivery::Response(response)) => self.take(response),
                Some(Delivery::Failed(error)) => {
                    self.done = true;
                    return Some(Err(error));
                }
                // The task always says why it stops; without a word it panicked.
                None => {
                    self.done = true;
                    return Some(Err(AdapterError::provider(
                        AdapterKind::Gcp,
                        format!(
                            "the Cloud Logging TailLogEntries session for `{}` stopped unexpectedly: follow the logs again",
                            self.tail.options.function
                        ),
                    )));
                }
            }
        }
    }

    /// The entries ingested while the session opened, now listable.
    async fn catch_up(&mut self) -> Result<()> {
        match self.tail.poll().await {
            Ok(events) => {
                let filter = &self.tail.options.filter;
                self.ready
                    .extend(events.into_iter().filter(|e| filter.matches(e)));
                Ok(())
            }
            // The read quota is shared with other tools; the stream goes on regardless.
            Err(AdapterError::Throttled { .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// A response's notices and new entries, queued.
    fn take(&mut self, response: TailLogEntriesResponse) {
        let function = &self.tail.options.function;
        // What was left out came before this response's entries. A notice says lines are
        // missing, which matters whatever the filter, so it is not filtered.
        for info in &response.suppression_info {
            if info.suppressed_count > 0 {
                self.ready.push_back(LogEvent {
                    timestamp_ms: Utc::now().timestamp_millis(),
                    function: function.clone(),
                    request_id: None,
                    level: Some(LogLevel::Warn),
                    message: suppression_notice(info),
                });
            }
        }
        for entry in response.entries {
            let entry = LogEntry::from(entry);
            let event = entry.to_event(function);
            if self.tail.seen.first_time(&entry, event.timestamp_ms)
                && self.tail.options.filter.matches(&event)
            {
                self.ready.push_back(event);
            }
        }
        // After the catch-up, repeats come only within the overlap (Google streaming an entry
        // the catch-up listed).
        if self.caught_up {
            let overlap = self.tail.adapter.overlap_ms();
            self.tail.seen.next_start(i64::MIN, overlap);
        }
    }
}

/// The line reporting entries Google left out of the session.
pub(crate) fn suppression_notice(info: &SuppressionInfo) -> String {
    let count = info.suppressed_count;
    let entries = if count == 1 { "entry" } else { "entries" };
    let why = match info.reason {
        SUPPRESSED_RATE_LIMIT => {
            "more matched than a live tail may receive (its rate limit); they are stored, so a tail that does not follow, or polling, reads them"
        }
        SUPPRESSED_NOT_CONSUMED => "they came faster than this tail read them",
        _ => "for a reason it did not give",
    };
    format!("Cloud Logging left at least {count} {entries} out of this live tail: {why}")
}

/// Runs one session: opens it, forwards its responses, stops when the reader is gone.
async fn session(
    adapter: GcpAdapter,
    function: String,
    request: TailLogEntriesRequest,
    deliveries: mpsc::Sender<Delivery>,
) {
    let call = format!("Cloud Logging TailLogEntries for `{function}`");
    let opened = tokio::select! {
        _ = deliveries.closed() => return,
        opened = adapter.open_tail(&call, request) => opened,
    };
    // Held to the end: dropping it ends the request side.
    let (mut responses, _request_side) = match opened {
        Ok(open) => open,
        Err(error) => {
            let _ = deliveries.send(Delivery::Failed(error)).await;
            return;
        }
    };
    if deliveries.send(Delivery::Opened).await.is_err() {
        return;
    }
    loop {
        let next = tokio::select! {
            _ = deliveries.closed() => return,
            next = responses.message() => next,
        };
        let delivery = match next {
            Ok(Some(response)) => Delivery::Response(response),
            Ok(None) => Delivery::Failed(AdapterError::provider(
                AdapterKind::Gcp,
                format!(
                    "{call} for {}: Cloud Logging ended the stream: follow the logs again to open a new one",
                    adapter.who()
                ),
            )),
            Err(status) => Delivery::Failed(adapter.tail_error(&call, &status)),
        };
        let last = matches!(delivery, Delivery::Failed(_));
        if deliveries.send(delivery).await.is_err() || last {
            return;
        }
    }
}

impl GcpAdapter {
    /// An HTTP/2 connection to Cloud Logging's gRPC endpoint; a fresh one per tail, so the
    /// session's end closes it and nothing outlives the runtime that opened it.
    async fn logging_channel(&self, call: &str) -> Result<Channel> {
        let url = self.api.endpoints.logging_grpc.clone();
        let endpoint = Endpoint::from_shared(url.clone())
            .map_err(|error| {
                AdapterError::invalid(format!(
                    "the Cloud Logging gRPC endpoint `{url}` is not a URL ({error})"
                ))
            })?
            .connect_timeout(self.settings.request_timeout)
            .tcp_keepalive(Some(TCP_KEEPALIVE));
        let endpoint = if url.starts_with("https://") {
            endpoint
                .tls_config(ClientTlsConfig::new().with_native_roots())
                .map_err(|error| {
                    AdapterError::provider(
                        AdapterKind::Gcp,
                        format!(
                            "{call}: no TLS for {url} ({}): are the system's CA certificates installed (Debian's `ca-certificates`)?",
                            error_chain(&error)
                        ),
                    )
                })?
        } else {
            endpoint
        };
        endpoint.connect().await.map_err(|error| {
            AdapterError::provider(
                AdapterKind::Gcp,
                format!(
                    "{call} for {}: could not reach {url} ({}): check the network connection and try again",
                    self.who(),
                    error_chain(&error)
                ),
            )
        })
    }

    /// Opens a session; a token Google does not accept is renewed once, as REST calls do.
    /// Returns the responses and the sender whose drop ends the request side.
    async fn open_tail(
        &self,
        call: &str,
        request: TailLogEntriesRequest,
    ) -> Result<(Streaming<TailLogEntriesResponse>, oneshot::Sender<()>)> {
        let channel = self.logging_channel(call).await?;
        let mut renewed = false;
        loop {
            let token = self.api.tokens.access_token().await?;
            let mut bearer: AsciiMetadataValue = MetadataValue::try_from(format!(
                "Bearer {}",
                token.expose()
            ))
            .map_err(|_| AdapterError::Unauthenticated {
                message: format!(
                    "{call}: the access token of {} is not a valid header value: sign in again",
                    self.who()
                ),
            })?;
            // Kept out of Debug output and out of HTTP/2's header compression tables.
            bearer.set_sensitive(true);
            // The request side stays open for the session: one request, then nothing until
            // the sender is dropped.
            let (request_side, request_end) = oneshot::channel::<()>();
            let requests = stream::once(future::ready(request.clone())).chain(
                stream::once(request_end)
                    .filter_map(|_| future::ready(None::<TailLogEntriesRequest>)),
            );
            let mut grpc_request = tonic::Request::new(requests);
            grpc_request.metadata_mut().insert("authorization", bearer);
            if let Some(project) = self.api.tokens.credentials().quota_project()
                && let Ok(project) = AsciiMetadataValue::try_from(project)
            {
                grpc_request
                    .metadata_mut()
                    .insert("x-goog-user-project", project);
            }
            let mut grpc = tonic::client::Grpc::new(channel.clone());
            grpc.ready().await.map_err(|error| {
                AdapterError::provider(
                    AdapterKind::Gcp,
                    format!(
                        "{call} for {}: the connection to {} failed ({}): check the network connection and try again",
                        self.who(),
                        self.api.endpoints.logging_grpc,
                        error_chain(&error)
                    ),
                )
            })?;
            let codec =
                tonic_prost::ProstCodec::<TailLogEntriesRequest, TailLogEntriesResponse>::default();
            let path = http::uri::PathAndQuery::from_static(TAIL_LOG_ENTRIES);
            match grpc.streaming(grpc_request, path, codec).await {
                Ok(response) => return Ok((response.into_inner(), request_side)),
                Err(status) if status.code() == Code::Unauthenticated && !renewed => {
                    renewed = true;
                    self.api.tokens.forget_access_token().await;
                }
                Err(status) => return Err(self.tail_error(call, &status)),
            }
        }
    }

    /// The error for a session's gRPC status.
    fn tail_error(&self, call: &str, status: &tonic::Status) -> AdapterError {
        let who = self.who();
        // tonic reports a broken connection as a status carrying the transport error.
        if let Some(cause) = std::error::Error::source(status)
            && matches!(
                status.code(),
                Code::Unknown | Code::Unavailable | Code::Internal | Code::Cancelled
            )
        {
            return AdapterError::provider(
                AdapterKind::Gcp,
                format!(
                    "{call} for {who}: the connection to {} broke ({}): check the network connection and follow the logs again",
                    self.api.endpoints.logging_grpc,
                    error_chain(cause)
                ),
            );
        }
        let rpc = rpc_status(status.code() as i32, status.message(), status.details());
        if rpc.canonical() == "RESOURCE_EXHAUSTED" {
            return AdapterError::Throttled {
                message: format!(
                    "{call} for {who} was refused ({}: {}): Cloud Logging allows 10 open live tails per project and limits how much they read; close another tail (a Logs Explorer streaming logs counts too) or follow by polling, and try again in a minute",
                    rpc.canonical(),
                    rpc.message
                ),
            };
        }
        classify(&rpc, call, who)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppression_notices_say_how_many_and_why() {
        let notice = |reason, suppressed_count| {
            suppression_notice(&SuppressionInfo {
                reason,
                suppressed_count,
            })
        };
        assert_eq!(
            notice(SUPPRESSED_RATE_LIMIT, 12),
            "Cloud Logging left at least 12 entries out of this live tail: more matched than a live tail may receive (its rate limit); they are stored, so a tail that does not follow, or polling, reads them"
        );
        assert!(notice(SUPPRESSED_NOT_CONSUMED, 1).contains("at least 1 entry out"));
        assert!(notice(0, 3).ends_with("for a reason it did not give"));
    }
}
