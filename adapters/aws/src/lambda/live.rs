//! Live logs with CloudWatch Logs StartLiveTail, the opt-in alternative to FilterLogEvents
//! polling: lines arrive within about a second instead of several, but AWS bills every minute
//! of a live tail session, so the app and the CLI only start one when asked (`--live`, the
//! "Live (billed)" toggle).
//!
//! The SDK sends StartLiveTail to the `stream-` host of the Logs endpoint
//! (`stream-logs.eu-west-1.amazonaws.com`). With a custom endpoint (an emulator such as moto at
//! `http://127.0.0.1:PORT`) that prefix makes a host that does not exist, so
//! [`StreamHostPrefix`] takes it off again — registered only when the endpoint is overridden,
//! and only for StartLiveTail.

use std::collections::HashMap;

use aws_sdk_cloudwatchlogs::types::StartLiveTailResponseStream;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::display::DisplayErrorContext;
use functory_adapter::{AdapterError, LogEvent, LogStream, Result, TailOptions};
use functory_core::AdapterKind;
use futures_util::stream;

use super::logs::parse_log_message;
use super::schedules::account_of;
use super::{AwsAdapter, not_found_as};

/// The host prefix the SDK adds to StartLiveTail's endpoint.
const PREFIX: &str = "stream-";

/// Removes the SDK's `stream-` host prefix from StartLiveTail requests sent to a custom
/// endpoint. Add it only to clients whose endpoint is overridden: on AWS the prefixed host is
/// the right one.
#[derive(Debug, Clone, Default)]
pub struct StreamHostPrefix {
    _private: (),
}

impl StreamHostPrefix {
    pub fn strip() -> Self {
        StreamHostPrefix::default()
    }
}

/// `scheme://stream-host…` → `scheme://host…`; anything else unchanged.
fn without_prefix(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    let rest = rest.strip_prefix(PREFIX)?;
    Some(format!("{scheme}://{rest}"))
}

impl Intercept for StreamHostPrefix {
    fn name(&self) -> &'static str {
        "FunctoryStreamHostPrefix"
    }

    // Before signing: the signature covers the host, so it must be the one the request goes to.
    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        let live_tail = cfg
            .load::<Metadata>()
            .is_some_and(|m| m.name() == "StartLiveTail");
        if !live_tail {
            return Ok(());
        }
        let request = context.request_mut();
        if let Some(uri) = without_prefix(request.uri()) {
            request.set_uri(uri)?;
        }
        Ok(())
    }
}

impl AwsAdapter {
    /// Follows the function's log group with a StartLiveTail session: lines as CloudWatch
    /// receives them, grouped by request like [`functory_adapter::Adapter::tail_logs`], until
    /// the session ends (AWS ends one after three hours) or the stream is dropped.
    /// `options.follow`, `since_ms` and `last` do not apply: a live tail shows only new lines.
    pub async fn live_tail(&self, options: TailOptions) -> Result<LogStream> {
        let name = options.function.clone();
        let config = self
            .lambda
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
        let function_arn = config.function_arn().unwrap_or_default();
        let (account, partition) = account_of(function_arn);
        let region = self.region().unwrap_or_default().to_owned();
        // Live tail takes log groups by ARN, without the `:*` suffix.
        let group = format!("arn:{partition}:logs:{region}:{account}:log-group:/aws/lambda/{name}");
        let started = self
            .logs
            .start_live_tail()
            .log_group_identifiers(&group)
            .send()
            .await
            .map_err(|e| {
                match self.failure(
                    &e,
                    &format!("CloudWatch Logs StartLiveTail on /aws/lambda/{name}"),
                ) {
                    // No invocation has written a line, so the group does not exist yet.
                    AdapterError::NotFound { .. } => AdapterError::not_found(format!(
                        "log group /aws/lambda/{name} (the function has not written a line yet: invoke it, then start the live tail)"
                    )),
                    other => other,
                }
            })?;
        struct Live {
            // Holds the session's event receiver (`response_stream`).
            session: aws_sdk_cloudwatchlogs::operation::start_live_tail::StartLiveTailOutput,
            options: TailOptions,
            open_request: HashMap<String, String>,
            ready: std::collections::VecDeque<LogEvent>,
            done: bool,
        }
        let live = Live {
            session: started,
            options,
            open_request: HashMap::new(),
            ready: std::collections::VecDeque::new(),
            done: false,
        };
        let stream = stream::unfold(live, |mut live| async move {
            loop {
                if let Some(event) = live.ready.pop_front() {
                    return Some((Ok(event), live));
                }
                if live.done {
                    return None;
                }
                match live.session.response_stream.recv().await {
                    Ok(Some(StartLiveTailResponseStream::SessionUpdate(update))) => {
                        for result in update.session_results() {
                            let stream_name = result.log_stream_name().unwrap_or_default();
                            let (request_id, level, message) =
                                parse_log_message(result.message().unwrap_or_default());
                            let request_id = match request_id {
                                Some(id) => {
                                    if message.starts_with("START RequestId:") {
                                        live.open_request
                                            .insert(stream_name.to_owned(), id.clone());
                                    } else if message.starts_with("REPORT RequestId:") {
                                        live.open_request.remove(stream_name);
                                    }
                                    Some(id)
                                }
                                None => live.open_request.get(stream_name).cloned(),
                            };
                            let event = LogEvent {
                                timestamp_ms: result.timestamp().unwrap_or_default(),
                                function: live.options.function.clone(),
                                request_id,
                                level,
                                message,
                            };
                            if live.options.filter.matches(&event) {
                                live.ready.push_back(event);
                            }
                        }
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => live.done = true,
                    Err(error) => {
                        live.done = true;
                        return Some((
                            Err(AdapterError::provider(
                                AdapterKind::Aws,
                                format!(
                                    "the live tail of /aws/lambda/{} stopped: {}",
                                    live.options.function,
                                    DisplayErrorContext(&error)
                                ),
                            )),
                            live,
                        ));
                    }
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
    fn only_the_stream_prefix_is_taken_off() {
        assert_eq!(
            without_prefix("http://stream-127.0.0.1:5000/").as_deref(),
            Some("http://127.0.0.1:5000/")
        );
        assert_eq!(without_prefix("http://127.0.0.1:5000/"), None);
        assert_eq!(without_prefix("not a uri"), None);
    }
}
