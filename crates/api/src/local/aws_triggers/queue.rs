//! Queue triggers: an event source mapping as Lambda runs one — long-poll the queue, invoke the
//! function with a batch in the SQS event's shape, delete what succeeded (all of the batch, or all
//! but its `batchItemFailures`), and leave the rest to the queue's own visibility timeout and
//! redrive policy (its dead-letter queue after `max_receives`). Messages any SDK or `aws sqs`
//! sends reach the function.

use std::time::Duration;

use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};
use functory_adapter::{Adapter, AdapterError, InvokeOptions};
use functory_formats::events::{SqsMessage, sqs_event};
use functory_local::LocalRuntime;
use functory_local::triggers::queue::failed_ids;
use serde_json::Value;

use super::*;

/// A queue trigger served by the local AWS services.
#[derive(Debug, Clone)]
pub(in crate::local) struct QueueMapping {
    pub function: String,
    /// The queue's physical name and URL.
    pub queue: String,
    pub url: String,
    pub batch_size: u32,
}

pub(in crate::local) fn start(
    runtime: &LocalRuntime,
    config: &aws_config::SdkConfig,
    mappings: Vec<QueueMapping>,
) -> Pollers {
    let sqs = aws_sdk_sqs::Client::new(config);
    Pollers(
        mappings
            .into_iter()
            .map(|mapping| tokio::spawn(poll(runtime.clone(), sqs.clone(), mapping)))
            .collect(),
    )
}

pub(super) fn attribute(
    message: &aws_sdk_sqs::types::Message,
    name: MessageSystemAttributeName,
) -> Option<i64> {
    message.attributes.as_ref()?.get(&name)?.parse().ok()
}

async fn poll(runtime: LocalRuntime, sqs: aws_sdk_sqs::Client, mapping: QueueMapping) {
    // SQS hands out at most 10 messages per receive.
    let batch_size = mapping.batch_size.clamp(1, 10) as i32;
    loop {
        let received = sqs
            .receive_message()
            .queue_url(&mapping.url)
            .max_number_of_messages(batch_size)
            .wait_time_seconds(WAIT_SECONDS)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await;
        let messages = match received {
            Ok(output) => output.messages.unwrap_or_default(),
            Err(error) => {
                tracing::warn!(queue = %mapping.queue, error = %error, "receiving from the local queue failed");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        if messages.is_empty() {
            continue;
        }
        let batch: Vec<SqsMessage> = messages
            .iter()
            .map(|m| {
                let sent_ms = attribute(m, MessageSystemAttributeName::SentTimestamp).unwrap_or(0);
                SqsMessage {
                    id: m.message_id.clone().unwrap_or_default(),
                    receipt_handle: m.receipt_handle.clone().unwrap_or_default(),
                    body: m.body.clone().unwrap_or_default(),
                    receive_count: attribute(
                        m,
                        MessageSystemAttributeName::ApproximateReceiveCount,
                    )
                    .and_then(|c| u32::try_from(c).ok())
                    .unwrap_or(1),
                    sent_ms,
                    first_receive_ms: attribute(
                        m,
                        MessageSystemAttributeName::ApproximateFirstReceiveTimestamp,
                    ),
                }
            })
            .collect();
        let settings = runtime.settings();
        let event = sqs_event(
            &mapping.queue,
            &settings.region,
            &settings.account_id,
            &batch,
        );
        let invoked = runtime
            .invoke(InvokeOptions::new(&mapping.function, event.to_string()))
            .await;
        let done: Vec<&SqsMessage> = match invoked {
            Ok(invocation) if invocation.function_error.is_none() => {
                let response = invocation.payload_json().unwrap_or(Value::Null);
                let ids: Vec<&str> = batch.iter().map(|m| m.id.as_str()).collect();
                match failed_ids(&response, &ids) {
                    Some(failed) => batch.iter().filter(|m| !failed.contains(&m.id)).collect(),
                    // A malformed report fails the whole batch.
                    None => Vec::new(),
                }
            }
            // The function failed: the batch comes back after its visibility timeout.
            Ok(_) => Vec::new(),
            Err(AdapterError::NotFound { .. }) => return,
            Err(error) => {
                // Not run at all (throttled, stopping): visible again at once.
                for message in &batch {
                    let _ = sqs
                        .change_message_visibility()
                        .queue_url(&mapping.url)
                        .receipt_handle(&message.receipt_handle)
                        .visibility_timeout(0)
                        .send()
                        .await;
                }
                tracing::debug!(queue = %mapping.queue, %error, "a batch was not delivered");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if done.is_empty() {
            continue;
        }
        let entries: Vec<DeleteMessageBatchRequestEntry> = done
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(&m.receipt_handle)
                    .build()
                    .ok()
            })
            .collect();
        if let Err(error) = sqs
            .delete_message_batch()
            .queue_url(&mapping.url)
            .set_entries(Some(entries))
            .send()
            .await
        {
            tracing::warn!(queue = %mapping.queue, error = %error, "deleting delivered messages failed; they will be delivered again");
        }
    }
}
