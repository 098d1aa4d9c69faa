//! Storage triggers (S3 notifications), and what topic and event triggers share with them:
//! a delivery queue of the trigger's own that the service notifies, polled, each message turned
//! into the event Lambda would get.

use std::time::Duration;

use aws_sdk_sqs::types::MessageSystemAttributeName;
use functory_adapter::{Adapter, AdapterError, InvokeOptions};
use functory_local::LocalRuntime;
use serde_json::Value;

use super::*;

/// A `storage` trigger on a declared bucket.
#[derive(Debug, Clone)]
pub(in crate::local) struct StorageMapping {
    pub function: String,
    /// The bucket's physical name.
    pub bucket: String,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
    /// S3 event names (`s3:ObjectCreated:*` unless the trigger names others).
    pub events: Vec<String>,
}

/// How often a notification whose function keeps failing is delivered: once and then twice
/// more, as Lambda retries an asynchronous invocation.
const NOTIFICATION_ATTEMPTS: i64 = 3;

/// Makes each storage trigger a notification of its bucket into a queue of its own (the
/// emulator's S3 writes S3's own event there), and polls those queues: the function gets the
/// event as S3 sends it to Lambda. Every bucket's notification configuration is replaced by the
/// triggers' and, for the buckets `folders` mirrors (physical names), the folder mirror's entry
/// into its queue (the local buckets have no other notifications).
pub(in crate::local) async fn start_storage(
    runtime: &LocalRuntime,
    config: &aws_config::SdkConfig,
    mappings: Vec<StorageMapping>,
    folders: Option<(&[String], &str)>,
) -> Result<Pollers, String> {
    use aws_sdk_s3::types::{
        Event, FilterRule, FilterRuleName, NotificationConfiguration,
        NotificationConfigurationFilter, QueueConfiguration, S3KeyFilter,
    };

    let mut per_bucket: std::collections::BTreeMap<String, Vec<QueueConfiguration>> =
        Default::default();
    if let Some((buckets, queue_arn)) = folders {
        for bucket in buckets {
            // S3 would refuse this entry beside the triggers' as overlapping; it exists only
            // in the local services, where it keeps the bucket's folder level.
            let entry = QueueConfiguration::builder()
                .id(crate::local::bucket_mirror::MIRROR_CONFIGURATION_ID)
                .queue_arn(queue_arn)
                .events(Event::from("s3:ObjectCreated:*"))
                .events(Event::from("s3:ObjectRemoved:*"))
                .build()
                .map_err(|e| e.to_string())?;
            per_bucket.entry(bucket.clone()).or_default().push(entry);
        }
    }
    if mappings.is_empty() && per_bucket.is_empty() {
        return Ok(Pollers::default());
    }
    let sqs = aws_sdk_sqs::Client::new(config);
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    );
    let mut queues = Vec::new();
    for (n, mapping) in mappings.iter().enumerate() {
        let (url, arn) = delivery_queue(
            &sqs,
            &format!("functory-s3-{n}-{}", mapping.function),
            "s3.amazonaws.com",
            &format!("arn:aws:s3:::{}", mapping.bucket),
        )
        .await
        .map_err(|e| format!("the storage trigger of `{}`: {e}", mapping.function))?;
        let mut rules = Vec::new();
        for (name, value) in [
            (FilterRuleName::Prefix, &mapping.prefix),
            (FilterRuleName::Suffix, &mapping.suffix),
        ] {
            if let Some(value) = value {
                rules.push(FilterRule::builder().name(name).value(value).build());
            }
        }
        let mut entry = QueueConfiguration::builder()
            .id(format!("functory-{}-{n}", mapping.function))
            .queue_arn(arn)
            .set_events(Some(
                mapping
                    .events
                    .iter()
                    .map(|e| Event::from(e.as_str()))
                    .collect(),
            ));
        if !rules.is_empty() {
            entry = entry.filter(
                NotificationConfigurationFilter::builder()
                    .key(S3KeyFilter::builder().set_filter_rules(Some(rules)).build())
                    .build(),
            );
        }
        per_bucket
            .entry(mapping.bucket.clone())
            .or_default()
            .push(entry.build().map_err(|e| e.to_string())?);
        queues.push((mapping.function.clone(), url));
    }
    for (bucket, entries) in per_bucket {
        s3.put_bucket_notification_configuration()
            .bucket(&bucket)
            .notification_configuration(
                NotificationConfiguration::builder()
                    .set_queue_configurations(Some(entries))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| format!("bucket `{bucket}` refused its notifications: {}", said(&e)))?;
    }
    Ok(Pollers(
        queues
            .into_iter()
            .map(|(function, url)| {
                tokio::spawn(poll_notifications(
                    runtime.clone(),
                    sqs.clone(),
                    function,
                    url,
                    Delivery::S3,
                ))
            })
            .collect(),
    ))
}

/// A queue that `principal` (a service) may send `source`'s notifications to, as AWS requires
/// of a notification's destination: its URL and ARN.
pub(in crate::local) async fn delivery_queue(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    principal: &str,
    source: &str,
) -> Result<(String, String), String> {
    use aws_sdk_sqs::types::QueueAttributeName;
    let name: String = name.chars().take(80).collect();
    let url = sqs
        .create_queue()
        .queue_name(&name)
        .send()
        .await
        .map_err(|e| format!("its delivery queue could not be made: {}", said(&e)))?
        .queue_url
        .unwrap_or_default();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .ok()
        .and_then(|a| a.attributes)
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .ok_or("its delivery queue has no ARN")?;
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": principal },
            "Action": "sqs:SendMessage",
            "Resource": arn,
            "Condition": { "ArnLike": { "aws:SourceArn": source } },
        }],
    });
    sqs.set_queue_attributes()
        .queue_url(&url)
        .attributes(QueueAttributeName::Policy, policy.to_string())
        .send()
        .await
        .map_err(|e| {
            format!(
                "its delivery queue could not be opened to {principal}: {}",
                said(&e)
            )
        })?;
    Ok((url, arn))
}

/// What the service said: its error code and message, or the failure's own text. (Every AWS
/// SDK crate shares these smithy types.)
pub(in crate::local) fn said<E, R>(
    error: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> String
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error.as_service_error() {
        Some(service) => format!(
            "{}: {}",
            service.code().unwrap_or("error"),
            service.message().unwrap_or_default()
        ),
        None => aws_smithy_types::error::display::DisplayErrorContext(error).to_string(),
    }
}

/// What arrives on a notification queue, and how it becomes the function's event.
#[derive(Debug, Clone)]
pub(super) enum Delivery {
    /// S3's event as S3 sends it to Lambda (its test message on configuration is skipped).
    S3,
    /// SNS's envelope, wrapped in the SNS event Lambda gets for the subscription.
    Sns { subscription_arn: String },
    /// An EventBridge event, as the rule's target gets it.
    Event,
}

impl Delivery {
    /// The function's event for a message `body`; `None` to skip it.
    fn event(&self, body: &str) -> Option<String> {
        let value: Value = serde_json::from_str(body).ok()?;
        match self {
            Delivery::S3 => value.get("Records").is_some().then(|| body.to_owned()),
            Delivery::Event => Some(body.to_owned()),
            Delivery::Sns { subscription_arn } => {
                let mut envelope = value.as_object()?.clone();
                // SQS deliveries spell these URL; Lambda's SNS event spells them Url.
                for (from, to) in [
                    ("SigningCertURL", "SigningCertUrl"),
                    ("UnsubscribeURL", "UnsubscribeUrl"),
                ] {
                    if let Some(v) = envelope.remove(from) {
                        envelope.insert(to.to_owned(), v);
                    }
                }
                envelope
                    .entry("MessageAttributes")
                    .or_insert_with(|| Value::Object(Default::default()));
                Some(
                    serde_json::json!({
                        "Records": [{
                            "EventSource": "aws:sns",
                            "EventVersion": "1.0",
                            "EventSubscriptionArn": subscription_arn,
                            "Sns": envelope,
                        }]
                    })
                    .to_string(),
                )
            }
        }
    }
}

/// Receive loops per notification queue, started this far apart. While a receive waits, the
/// emulator looks for new messages every 100 ms; two loops half a period apart halve how long
/// a notification waits to be picked up.
const RECEIVERS: u32 = 2;
const RECEIVER_OFFSET: Duration = Duration::from_millis(50);

/// A trigger's deliveries in flight at once: S3, SNS and EventBridge invoke asynchronously, so
/// one slow or cold invocation does not hold back the events behind it.
const DELIVERIES_IN_FLIGHT: usize = 10;

/// Delivers the notifications arriving on the queue at `url` to `function`, each as
/// `delivery` makes its event, several at once; one is deleted once delivered (or after
/// [`NOTIFICATION_ATTEMPTS`]), else the queue shows it again after its visibility timeout.
/// Ends when the function is gone.
pub(super) async fn poll_notifications(
    runtime: LocalRuntime,
    sqs: aws_sdk_sqs::Client,
    function: String,
    url: String,
    delivery: Delivery,
) {
    let target = std::sync::Arc::new(NotificationTarget {
        runtime,
        sqs,
        function,
        url,
        delivery,
        in_flight: std::sync::Arc::new(tokio::sync::Semaphore::new(DELIVERIES_IN_FLIGHT)),
    });
    // Dropping the set (this task aborted when the run stops) aborts every loop and delivery.
    let mut receivers = tokio::task::JoinSet::new();
    for n in 0..RECEIVERS {
        let target = target.clone();
        receivers.spawn(async move {
            tokio::time::sleep(RECEIVER_OFFSET * n).await;
            target.receive().await;
        });
    }
    // The first loop to end means the function is gone: stop the others.
    receivers.join_next().await;
}

/// Where one trigger's notifications go.
struct NotificationTarget {
    runtime: LocalRuntime,
    sqs: aws_sdk_sqs::Client,
    function: String,
    url: String,
    delivery: Delivery,
    in_flight: std::sync::Arc<tokio::sync::Semaphore>,
}

impl NotificationTarget {
    async fn receive(self: std::sync::Arc<Self>) {
        let mut deliveries = tokio::task::JoinSet::new();
        loop {
            while let Some(done) = deliveries.try_join_next() {
                if matches!(done, Ok(Gone::Yes)) {
                    return;
                }
            }
            // Receive only with room to deliver: a message waits in the queue, not here.
            let Ok(first) = self.in_flight.clone().acquire_owned().await else {
                return;
            };
            let messages = receive_notifications(&self.sqs, &self.url).await;
            let mut permit = Some(first);
            for message in messages {
                let permit = match permit.take() {
                    Some(permit) => permit,
                    None => match self.in_flight.clone().acquire_owned().await {
                        Ok(permit) => permit,
                        Err(_) => return,
                    },
                };
                let target = self.clone();
                deliveries.spawn(async move {
                    let gone = target.deliver(message).await;
                    drop(permit);
                    gone
                });
            }
        }
    }

    /// Invokes the function with one notification's event and deletes the message once it is
    /// delivered or out of attempts.
    async fn deliver(&self, message: aws_sdk_sqs::types::Message) -> Gone {
        let body = message.body.clone().unwrap_or_default();
        let delivered = match self.delivery.event(&body) {
            Some(event) => match self
                .runtime
                .invoke(InvokeOptions::new(&self.function, event))
                .await
            {
                Ok(invocation) => invocation.function_error.is_none(),
                Err(AdapterError::NotFound { .. }) => return Gone::Yes,
                Err(_) => false,
            },
            None => true,
        };
        let attempts = attribute(
            &message,
            MessageSystemAttributeName::ApproximateReceiveCount,
        )
        .unwrap_or(1);
        if (delivered || attempts >= NOTIFICATION_ATTEMPTS)
            && let Some(handle) = &message.receipt_handle
        {
            let _ = self
                .sqs
                .delete_message()
                .queue_url(&self.url)
                .receipt_handle(handle)
                .send()
                .await;
        }
        Gone::No
    }
}

/// Up to 10 notifications from the queue at `url`, with their receive counts, after a long
/// poll of [`WAIT_SECONDS`]; none (after a pause) when the queue cannot be read.
pub(in crate::local) async fn receive_notifications(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
) -> Vec<aws_sdk_sqs::types::Message> {
    let received = sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .wait_time_seconds(WAIT_SECONDS)
        .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
        .send()
        .await;
    match received {
        Ok(output) => output.messages.unwrap_or_default(),
        Err(_) => {
            tokio::time::sleep(Duration::from_millis(500)).await;
            Vec::new()
        }
    }
}

/// Whether a delivery found the function gone (the run no longer serves it).
enum Gone {
    Yes,
    No,
}
