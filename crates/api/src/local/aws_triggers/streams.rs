//! Stream triggers: a declared table's DynamoDB stream and Kinesis streams, polled shard by
//! shard, each batch invoked in Lambda's event shape.

use std::time::Duration;

use functory_adapter::{Adapter, AdapterError, InvokeOptions};
use functory_local::LocalRuntime;
use functory_local::triggers::queue::failed_ids;
use serde_json::Value;

use super::*;

/// A `stream` trigger on a declared table with a stream.
#[derive(Debug, Clone)]
pub(in crate::local) struct StreamMapping {
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
pub(in crate::local) async fn start_streams(
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
pub(in crate::local) struct KinesisMapping {
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
pub(in crate::local) async fn start_kinesis(
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
