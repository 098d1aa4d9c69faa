//! Triggers that ride the local AWS services: a `queue` trigger on a declared queue is an event
//! source mapping as Lambda runs one — long-poll the queue, invoke the function with a batch in
//! the SQS event's shape, delete what succeeded (all of the batch, or all but its
//! `batchItemFailures`), and leave the rest to the queue's own visibility timeout and redrive
//! policy (its dead-letter queue after `max_receives`). Messages any SDK or `aws sqs` sends
//! reach the function.

use std::time::Duration;

use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};
use functory_adapter::{Adapter, AdapterError, InvokeOptions};
use functory_formats::events::{SqsMessage, sqs_event};
use functory_local::LocalRuntime;
use functory_local::triggers::queue::failed_ids;
use serde_json::Value;
use tokio::task::JoinHandle;

/// A queue trigger served by the local AWS services.
#[derive(Debug, Clone)]
pub(super) struct QueueMapping {
    pub function: String,
    /// The queue's physical name and URL.
    pub queue: String,
    pub url: String,
    pub batch_size: u32,
}

/// The running pollers; dropping them stops every one.
#[derive(Debug, Default)]
pub(super) struct Pollers(Vec<JoinHandle<()>>);

impl Pollers {
    pub fn of(tasks: Vec<JoinHandle<()>>) -> Pollers {
        Pollers(tasks)
    }

    /// These pollers and `more`.
    pub fn with(mut self, mut more: Pollers) -> Pollers {
        self.0.append(&mut more.0);
        self
    }
}

impl Drop for Pollers {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// How long one ReceiveMessage waits for messages: short, so a stopped run's pollers end
/// promptly, long enough that an idle queue costs next to nothing.
const WAIT_SECONDS: i32 = 1;

pub(super) fn start(
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

fn attribute(
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

// ---- storage triggers: S3 notifications ------------------------------------------------------

/// A `storage` trigger on a declared bucket.
#[derive(Debug, Clone)]
pub(super) struct StorageMapping {
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
pub(super) async fn start_storage(
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
                .id(super::bucket_mirror::MIRROR_CONFIGURATION_ID)
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
pub(super) async fn delivery_queue(
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
pub(super) fn said<E, R>(error: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> String
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
enum Delivery {
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
async fn poll_notifications(
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
pub(super) async fn receive_notifications(
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

// ---- stream triggers: a table's stream --------------------------------------------------------

/// A `stream` trigger on a declared table with a stream.
#[derive(Debug, Clone)]
pub(super) struct StreamMapping {
    pub function: String,
    /// The table's physical name.
    pub table: String,
    pub batch_size: u32,
    /// `TRIM_HORIZON` or `LATEST` (Lambda's choices for DynamoDB streams).
    pub starting_position: String,
}

/// Attempts of a failing batch before the poller moves past it (Lambda retries a stream batch
/// until its records expire or a retry limit is met; locally, after this many).
const STREAM_ATTEMPTS: u32 = 3;

/// Polls each mapping's table stream, shard by shard, and invokes its function with batches in
/// the DynamoDB stream event's shape; `batchItemFailures` (sequence numbers) resume the batch
/// from the first failed record.
pub(super) async fn start_streams(
    runtime: &LocalRuntime,
    config: &aws_config::SdkConfig,
    mappings: Vec<StreamMapping>,
) -> Result<Pollers, String> {
    let dynamodb = aws_sdk_dynamodb::Client::new(config);
    let streams = aws_sdk_dynamodbstreams::Client::new(config);
    let mut tasks = Vec::new();
    for mapping in mappings {
        let table = dynamodb
            .describe_table()
            .table_name(&mapping.table)
            .send()
            .await
            .map_err(|e| format!("the stream trigger of `{}`: {}", mapping.function, said(&e)))?;
        let Some(arn) = table.table.and_then(|t| t.latest_stream_arn) else {
            return Err(format!(
                "the stream trigger of `{}`: table `{}` has no stream",
                mapping.function, mapping.table
            ));
        };
        tasks.push(tokio::spawn(poll_shards(
            runtime.clone(),
            mapping.function,
            mapping.batch_size,
            mapping.starting_position != "TRIM_HORIZON",
            TableStream {
                client: streams.clone(),
                arn,
            },
        )));
    }
    Ok(Pollers(tasks))
}

/// A `stream` trigger on a Kinesis data stream (any stream that is not a table's).
#[derive(Debug, Clone)]
pub(super) struct KinesisMapping {
    pub function: String,
    /// The stream's name: the local services hold one of that name.
    pub stream: String,
    /// The trigger's `stream` as written (a name or an ARN).
    pub named: String,
    pub batch_size: u32,
    /// `TRIM_HORIZON` or `LATEST`.
    pub starting_position: String,
}

/// How long a new local Kinesis stream may take to become active.
const STREAM_ACTIVE_TIMEOUT: Duration = Duration::from_secs(10);

/// Makes each Kinesis stream the triggers name in the local services (one shard) unless it is
/// there, then reads each trigger's stream as Lambda does: batches in the Kinesis event's
/// shape, resumed from the first of a batch's `batchItemFailures`. Records any SDK puts with
/// PutRecord(s) reach the function.
pub(super) async fn start_kinesis(
    runtime: &LocalRuntime,
    config: &aws_config::SdkConfig,
    mappings: Vec<KinesisMapping>,
) -> Result<Pollers, String> {
    let kinesis = aws_sdk_kinesis::Client::new(config);
    let mut arns: std::collections::HashMap<String, String> = Default::default();
    let mut tasks = Vec::new();
    for mapping in mappings {
        let arn = match arns.get(&mapping.stream) {
            Some(arn) => arn.clone(),
            None => {
                let arn = local_stream(&kinesis, &mapping.stream).await.map_err(|e| {
                    format!(
                        "the stream trigger of `{}` on Kinesis stream `{}`: {e}",
                        mapping.function, mapping.stream
                    )
                })?;
                arns.insert(mapping.stream.clone(), arn.clone());
                arn
            }
        };
        let settings = runtime.settings();
        tasks.push(tokio::spawn(poll_shards(
            runtime.clone(),
            mapping.function.clone(),
            mapping.batch_size,
            mapping.starting_position != "TRIM_HORIZON",
            KinesisStream {
                client: kinesis.clone(),
                name: mapping.stream,
                arn,
                // Locally each function reads and writes as an identity of its own.
                role_arn: format!(
                    "arn:aws:iam::{}:user/{}",
                    settings.account_id, mapping.function
                ),
            },
        )));
    }
    Ok(Pollers(tasks))
}

/// The ARN of Kinesis stream `name` in the local services, made (one shard) if it is not there,
/// once it is active.
async fn local_stream(kinesis: &aws_sdk_kinesis::Client, name: &str) -> Result<String, String> {
    use aws_sdk_kinesis::types::StreamStatus;
    let started = std::time::Instant::now();
    let mut created = false;
    loop {
        match kinesis
            .describe_stream_summary()
            .stream_name(name)
            .send()
            .await
        {
            Ok(described) => {
                if let Some(summary) = described.stream_description_summary
                    && summary.stream_status == StreamStatus::Active
                {
                    return Ok(summary.stream_arn);
                }
            }
            Err(e)
                if !created
                    && e.as_service_error()
                        .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                kinesis
                    .create_stream()
                    .stream_name(name)
                    .shard_count(1)
                    .send()
                    .await
                    .map_err(|e| format!("it could not be made: {}", said(&e)))?;
                created = true;
                continue;
            }
            Err(e) => return Err(said(&e)),
        }
        if started.elapsed() > STREAM_ACTIVE_TIMEOUT {
            return Err("it did not become active".to_owned());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An attribute value as Lambda's stream event writes it (`{"S": "…"}`, `{"N": "1"}`, …).
fn attribute_json(value: &aws_sdk_dynamodbstreams::types::AttributeValue) -> Value {
    use aws_sdk_dynamodbstreams::types::AttributeValue as A;
    use base64::Engine as _;
    let b64 = |b: &aws_sdk_dynamodbstreams::primitives::Blob| {
        Value::from(base64::engine::general_purpose::STANDARD.encode(b.as_ref()))
    };
    match value {
        A::S(s) => serde_json::json!({ "S": s }),
        A::N(n) => serde_json::json!({ "N": n }),
        A::B(b) => serde_json::json!({ "B": b64(b) }),
        A::Ss(v) => serde_json::json!({ "SS": v }),
        A::Ns(v) => serde_json::json!({ "NS": v }),
        A::Bs(v) => serde_json::json!({ "BS": v.iter().map(b64).collect::<Vec<_>>() }),
        A::Bool(b) => serde_json::json!({ "BOOL": b }),
        A::Null(_) => serde_json::json!({ "NULL": true }),
        A::L(items) => {
            serde_json::json!({ "L": items.iter().map(attribute_json).collect::<Vec<_>>() })
        }
        A::M(map) => serde_json::json!({ "M": item_json(map) }),
        _ => Value::Null,
    }
}

fn item_json(
    item: &std::collections::HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>,
) -> serde_json::Map<String, Value> {
    item.iter()
        .map(|(k, v)| (k.clone(), attribute_json(v)))
        .collect()
}

fn stream_record_json(
    record: &aws_sdk_dynamodbstreams::types::Record,
    stream_arn: &str,
    region: &str,
) -> Value {
    let mut dynamodb = serde_json::Map::new();
    if let Some(r) = &record.dynamodb {
        if let Some(at) = r.approximate_creation_date_time {
            dynamodb.insert("ApproximateCreationDateTime".into(), Value::from(at.secs()));
        }
        for (name, item) in [
            ("Keys", &r.keys),
            ("NewImage", &r.new_image),
            ("OldImage", &r.old_image),
        ] {
            if let Some(item) = item {
                dynamodb.insert(name.into(), Value::Object(item_json(item)));
            }
        }
        if let Some(sequence) = &r.sequence_number {
            dynamodb.insert("SequenceNumber".into(), Value::from(sequence.clone()));
        }
        if let Some(size) = r.size_bytes {
            dynamodb.insert("SizeBytes".into(), Value::from(size));
        }
        if let Some(view) = &r.stream_view_type {
            dynamodb.insert("StreamViewType".into(), Value::from(view.as_str()));
        }
    }
    serde_json::json!({
        "eventID": record.event_id,
        "eventName": record.event_name.as_ref().map(|n| n.as_str()),
        "eventVersion": record.event_version.clone().unwrap_or_else(|| "1.1".to_owned()),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.aws_region.clone().unwrap_or_else(|| region.to_owned()),
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    })
}

/// A stream a poller reads shard by shard: a DynamoDB table's stream or a Kinesis stream.
trait ShardedStream: Send + Sync + 'static {
    type Record: Send + Sync;
    /// The stream's shards; `None` when it cannot be described now.
    fn shards(&self) -> impl Future<Output = Option<Vec<String>>> + Send;
    /// An iterator at the stream's oldest record, or after its newest (`latest`).
    fn iterator(&self, shard: &str, latest: bool) -> impl Future<Output = Option<String>> + Send;
    /// Up to `limit` records after `iterator`, and the next iterator (`None`: the shard closed);
    /// `None` on a failure.
    fn records(
        &self,
        shard: &str,
        iterator: &str,
        limit: i32,
    ) -> impl Future<Output = Option<(Vec<Self::Record>, Option<String>)>> + Send;
    /// The record's sequence number: what `batchItemFailures` name.
    fn sequence<'r>(&self, record: &'r Self::Record) -> Option<&'r str>;
    /// The function's event for a batch.
    fn event(&self, records: &[Self::Record], region: &str) -> Value;
}

/// A table's stream, through DynamoDB Streams.
struct TableStream {
    client: aws_sdk_dynamodbstreams::Client,
    arn: String,
}

impl ShardedStream for TableStream {
    type Record = aws_sdk_dynamodbstreams::types::Record;

    async fn shards(&self) -> Option<Vec<String>> {
        let described = self
            .client
            .describe_stream()
            .stream_arn(&self.arn)
            .send()
            .await
            .ok()?;
        Some(
            described
                .stream_description
                .and_then(|d| d.shards)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|shard| shard.shard_id)
                .collect(),
        )
    }

    async fn iterator(&self, shard: &str, latest: bool) -> Option<String> {
        use aws_sdk_dynamodbstreams::types::ShardIteratorType;
        self.client
            .get_shard_iterator()
            .stream_arn(&self.arn)
            .shard_id(shard)
            .shard_iterator_type(if latest {
                ShardIteratorType::Latest
            } else {
                ShardIteratorType::TrimHorizon
            })
            .send()
            .await
            .ok()?
            .shard_iterator
    }

    async fn records(
        &self,
        _shard: &str,
        iterator: &str,
        limit: i32,
    ) -> Option<(Vec<Self::Record>, Option<String>)> {
        let output = self
            .client
            .get_records()
            .shard_iterator(iterator)
            .limit(limit)
            .send()
            .await
            .ok()?;
        Some((
            output.records.unwrap_or_default(),
            output.next_shard_iterator,
        ))
    }

    fn sequence<'r>(&self, record: &'r Self::Record) -> Option<&'r str> {
        record.dynamodb.as_ref()?.sequence_number.as_deref()
    }

    fn event(&self, records: &[Self::Record], region: &str) -> Value {
        let records: Vec<Value> = records
            .iter()
            .map(|r| stream_record_json(r, &self.arn, region))
            .collect();
        serde_json::json!({ "Records": records })
    }
}

/// A Kinesis data stream, with the role ARN Lambda's event names as the reader.
struct KinesisStream {
    client: aws_sdk_kinesis::Client,
    name: String,
    arn: String,
    role_arn: String,
}

impl ShardedStream for KinesisStream {
    /// The shard a record came from, and the record.
    type Record = (String, aws_sdk_kinesis::types::Record);

    async fn shards(&self) -> Option<Vec<String>> {
        let listed = self
            .client
            .list_shards()
            .stream_name(&self.name)
            .send()
            .await
            .ok()?;
        Some(
            listed
                .shards
                .unwrap_or_default()
                .into_iter()
                .map(|shard| shard.shard_id)
                .collect(),
        )
    }

    async fn iterator(&self, shard: &str, latest: bool) -> Option<String> {
        use aws_sdk_kinesis::types::ShardIteratorType;
        self.client
            .get_shard_iterator()
            .stream_name(&self.name)
            .shard_id(shard)
            .shard_iterator_type(if latest {
                ShardIteratorType::Latest
            } else {
                ShardIteratorType::TrimHorizon
            })
            .send()
            .await
            .ok()?
            .shard_iterator
    }

    async fn records(
        &self,
        shard: &str,
        iterator: &str,
        limit: i32,
    ) -> Option<(Vec<Self::Record>, Option<String>)> {
        let output = self
            .client
            .get_records()
            .shard_iterator(iterator)
            .limit(limit)
            .send()
            .await
            .ok()?;
        Some((
            output
                .records
                .into_iter()
                .map(|r| (shard.to_owned(), r))
                .collect(),
            output.next_shard_iterator,
        ))
    }

    fn sequence<'r>(&self, record: &'r Self::Record) -> Option<&'r str> {
        Some(record.1.sequence_number.as_str())
    }

    fn event(&self, records: &[Self::Record], region: &str) -> Value {
        use base64::Engine as _;
        let records: Vec<functory_formats::events::KinesisRecord> = records
            .iter()
            .map(|(shard, r)| functory_formats::events::KinesisRecord {
                shard_id: shard.clone(),
                partition_key: r.partition_key.clone().unwrap_or_default(),
                sequence_number: r.sequence_number.clone(),
                data_base64: base64::engine::general_purpose::STANDARD.encode(r.data.as_ref()),
                arrival_s: r
                    .approximate_arrival_timestamp
                    .map_or(0.0, |t| t.as_secs_f64()),
            })
            .collect();
        functory_formats::events::kinesis_records_event(&self.arn, region, &self.role_arn, &records)
    }
}

/// Reads `stream` shard by shard from `latest` or the oldest record and invokes `function`
/// with batches of up to `batch_size` records, as Lambda's event source mapping for streams
/// does: a batch's `batchItemFailures` (sequence numbers) resume it from the first failed
/// record; a batch that keeps failing is retried, then skipped with a warning.
async fn poll_shards<S: ShardedStream>(
    runtime: LocalRuntime,
    function: String,
    batch_size: u32,
    latest: bool,
    stream: S,
) {
    let batch_size = batch_size.clamp(1, 10_000) as i32;
    // Shard id → its next iterator.
    let mut iterators: std::collections::BTreeMap<String, String> = Default::default();
    let mut pending: Vec<S::Record> = Vec::new();
    let mut attempts = 0u32;
    loop {
        if iterators.is_empty() {
            for shard in stream.shards().await.unwrap_or_default() {
                if let Some(iterator) = stream.iterator(&shard, latest).await {
                    iterators.insert(shard, iterator);
                }
            }
            if iterators.is_empty() {
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        }
        if pending.is_empty() {
            let shards: Vec<(String, String)> = iterators
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for (shard, iterator) in shards {
                match stream.records(&shard, &iterator, batch_size).await {
                    Some((records, next)) => {
                        match next {
                            Some(next) => iterators.insert(shard, next),
                            None => iterators.remove(&shard),
                        };
                        pending.extend(records);
                    }
                    None => {
                        iterators.remove(&shard);
                    }
                }
            }
            if pending.is_empty() {
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
            attempts = 0;
        }
        let event = stream.event(&pending, &runtime.settings().region);
        let invoked = runtime
            .invoke(InvokeOptions::new(&function, event.to_string()))
            .await;
        attempts += 1;
        let sequences: Vec<&str> = pending.iter().filter_map(|r| stream.sequence(r)).collect();
        let failed_from = match invoked {
            Ok(invocation) if invocation.function_error.is_none() => {
                let response = invocation.payload_json().unwrap_or(Value::Null);
                match failed_ids(&response, &sequences) {
                    // Resume at the first failed record, as Lambda does for streams.
                    Some(failed) => failed
                        .iter()
                        .filter_map(|f| sequences.iter().position(|s| s == f))
                        .min(),
                    None => Some(0),
                }
            }
            Ok(_) => Some(0),
            Err(AdapterError::NotFound { .. }) => return,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        match failed_from {
            None => pending.clear(),
            Some(_) if attempts >= STREAM_ATTEMPTS => {
                tracing::warn!(function = %function, records = pending.len(), "a stream batch kept failing and was skipped");
                pending.clear();
            }
            Some(index) => {
                pending.drain(..index);
            }
        }
    }
}

// ---- topic and event triggers: SNS subscriptions and EventBridge rules ----------------------

/// A `topic` trigger: the function subscribed to a topic of the local services.
#[derive(Debug, Clone)]
pub(super) struct TopicMapping {
    pub function: String,
    pub topic_arn: String,
    pub filter_policy: Option<String>,
    pub filter_policy_scope: Option<String>,
}

/// An `event` trigger: a rule on a bus of the local services with the function as target.
#[derive(Debug, Clone)]
pub(super) struct EventMapping {
    pub function: String,
    /// The bus's name (`default` for the account's own).
    pub bus: String,
    pub pattern: String,
}

/// Subscribes each topic trigger (with its filter policy) and makes each event trigger a rule
/// (with its pattern), both delivering to a queue of the trigger's own that the local run
/// polls; the function gets SNS's or EventBridge's event as Lambda does.
pub(super) async fn start_topics_and_events(
    runtime: &LocalRuntime,
    config: &aws_config::SdkConfig,
    topics: Vec<TopicMapping>,
    events: Vec<EventMapping>,
) -> Result<Pollers, String> {
    if topics.is_empty() && events.is_empty() {
        return Ok(Pollers::default());
    }
    let sqs = aws_sdk_sqs::Client::new(config);
    let mut tasks = Vec::new();
    if !topics.is_empty() {
        let sns = aws_sdk_sns::Client::new(config);
        for (n, mapping) in topics.into_iter().enumerate() {
            let (url, queue_arn) = delivery_queue(
                &sqs,
                &format!("functory-sns-{n}-{}", mapping.function),
                "sns.amazonaws.com",
                &mapping.topic_arn,
            )
            .await
            .map_err(|e| format!("the topic trigger of `{}`: {e}", mapping.function))?;
            let mut subscribe = sns
                .subscribe()
                .topic_arn(&mapping.topic_arn)
                .protocol("sqs")
                .endpoint(&queue_arn)
                .return_subscription_arn(true);
            if let Some(policy) = &mapping.filter_policy {
                subscribe = subscribe.attributes("FilterPolicy", policy);
            }
            if let Some(scope) = &mapping.filter_policy_scope {
                subscribe = subscribe.attributes("FilterPolicyScope", scope);
            }
            let subscription_arn = subscribe
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "the topic trigger of `{}` could not subscribe to {}: {}",
                        mapping.function,
                        mapping.topic_arn,
                        said(&e)
                    )
                })?
                .subscription_arn
                .unwrap_or_default();
            tasks.push(tokio::spawn(poll_notifications(
                runtime.clone(),
                sqs.clone(),
                mapping.function,
                url,
                Delivery::Sns { subscription_arn },
            )));
        }
    }
    if !events.is_empty() {
        let bridge = aws_sdk_eventbridge::Client::new(config);
        for (n, mapping) in events.into_iter().enumerate() {
            let rule = format!("functory-{}-{n}", mapping.function);
            let rule: String = rule.chars().take(64).collect();
            let rule_arn = bridge
                .put_rule()
                .name(&rule)
                .event_bus_name(&mapping.bus)
                .event_pattern(&mapping.pattern)
                .state(aws_sdk_eventbridge::types::RuleState::Enabled)
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "the event trigger of `{}`: bus `{}` refused its rule: {}",
                        mapping.function,
                        mapping.bus,
                        said(&e)
                    )
                })?
                .rule_arn
                .unwrap_or_default();
            let (url, queue_arn) = delivery_queue(
                &sqs,
                &format!("functory-events-{n}-{}", mapping.function),
                "events.amazonaws.com",
                &rule_arn,
            )
            .await
            .map_err(|e| format!("the event trigger of `{}`: {e}", mapping.function))?;
            let target = aws_sdk_eventbridge::types::Target::builder()
                .id("functory")
                .arn(queue_arn)
                .build()
                .map_err(|e| e.to_string())?;
            bridge
                .put_targets()
                .rule(&rule)
                .event_bus_name(&mapping.bus)
                .targets(target)
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "the event trigger of `{}`: its rule's target: {}",
                        mapping.function,
                        said(&e)
                    )
                })?;
            tasks.push(tokio::spawn(poll_notifications(
                runtime.clone(),
                sqs.clone(),
                mapping.function,
                url,
                Delivery::Event,
            )));
        }
    }
    Ok(Pollers(tasks))
}
