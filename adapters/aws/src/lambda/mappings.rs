//! `queue` and `stream` triggers as event source mappings on the stage alias.
//!
//! A queue is named in the manifest by its name (in the target's account and region) or by its
//! ARN; a stream by its Kinesis name, or by the ARN of a Kinesis stream or a DynamoDB table's
//! stream. Lambda polls the source and invokes the stage with batches. Mappings to SQS, Kinesis
//! and DynamoDB streams that the manifest no longer lists are deleted; mappings to other
//! sources (Kafka, MQ, DocumentDB) are left alone.

use functory_adapter::Result;
use functory_core::{Function, Resource, ResourceKind, Trigger};

use super::AwsAdapter;

/// Lambda's default batch size for SQS.
const DEFAULT_QUEUE_BATCH_SIZE: i32 = 10;
/// Lambda's default batch size for Kinesis and DynamoDB streams.
const DEFAULT_STREAM_BATCH_SIZE: i32 = 100;
/// Where a new stream mapping starts reading when the manifest does not say: new records only.
const DEFAULT_STARTING_POSITION: &str = "LATEST";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SourceKind {
    Queue,
    Stream,
}

/// A queue or stream trigger as the manifest states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WantedMapping {
    pub kind: SourceKind,
    /// The name shown in the plan (a queue's or Kinesis stream's name, or the ARN given).
    pub name: String,
    /// The ARN when the manifest gives one.
    pub arn: Option<String>,
    /// The source is the stream of DynamoDB table `name` (a declared table): its ARN carries
    /// a label DynamoDB chose, read when the mapping is created.
    pub table_stream: bool,
    pub batch_size: i32,
    /// Streams only: `LATEST`, `TRIM_HORIZON` or `AT_TIMESTAMP`.
    pub starting_position: Option<String>,
}

/// A mapping that exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mapped {
    pub uuid: String,
    pub kind: SourceKind,
    pub source_arn: String,
    pub batch_size: i32,
    pub starting_position: Option<String>,
    /// The function may answer `batchItemFailures` (FunctionResponseTypes).
    pub reports_item_failures: bool,
}

/// Queue mappings take the handler's `batchItemFailures` answer, as the local run does: only
/// the messages it names return to the queue. A handler that answers nothing (or no list)
/// succeeds for the whole batch, exactly as without the setting, so it is always on.
pub(crate) const REPORT_ITEM_FAILURES: &str = "ReportBatchItemFailures";

impl WantedMapping {
    /// `queue orders`, `stream clicks`: the plan's name for this trigger.
    pub fn label(&self) -> String {
        match self.kind {
            SourceKind::Queue => format!("queue {}", self.name),
            SourceKind::Stream => format!("stream {}", self.name),
        }
    }

    /// Whether the existing mapping `m` reads this trigger's source.
    pub fn reads(&self, m: &Mapped) -> bool {
        if m.kind != self.kind {
            return false;
        }
        if let Some(arn) = &self.arn {
            return &m.source_arn == arn;
        }
        if self.table_stream {
            return m.source_arn.contains(":dynamodb:")
                && m.source_arn
                    .contains(&format!(":table/{}/stream/", self.name));
        }
        match self.kind {
            SourceKind::Queue => m.source_arn.rsplit(':').next() == Some(self.name.as_str()),
            SourceKind::Stream => {
                m.source_arn.contains(":kinesis:")
                    && m.source_arn.ends_with(&format!(":stream/{}", self.name))
            }
        }
    }

    /// The source's ARN, in the function's own partition, region and account when the
    /// manifest names it.
    pub fn source_arn(&self, function_arn: &str) -> String {
        if let Some(arn) = &self.arn {
            return arn.clone();
        }
        let parts: Vec<&str> = function_arn.split(':').collect();
        let (partition, region, account) = match parts.as_slice() {
            ["arn", partition, "lambda", region, account, ..] => (*partition, *region, *account),
            _ => ("aws", "*", "*"),
        };
        match self.kind {
            SourceKind::Queue => format!("arn:{partition}:sqs:{region}:{account}:{}", self.name),
            SourceKind::Stream => {
                format!(
                    "arn:{partition}:kinesis:{region}:{account}:stream/{}",
                    self.name
                )
            }
        }
    }
}

impl Mapped {
    /// The plan's name for a mapping no trigger wants.
    pub fn label(&self) -> String {
        match self.kind {
            SourceKind::Queue => format!(
                "queue {}",
                self.source_arn
                    .rsplit(':')
                    .next()
                    .unwrap_or(&self.source_arn)
            ),
            SourceKind::Stream => match self.source_arn.split_once(":stream/") {
                Some((_, name)) if self.source_arn.contains(":kinesis:") => {
                    format!("stream {name}")
                }
                _ => format!("stream {}", self.source_arn),
            },
        }
    }
}

/// The function's queue and stream triggers; a trigger naming a declared resource reads that
/// resource (its physical name, or the ARN it was declared `existing` with).
pub(crate) fn wanted(function: &Function, resources: &[Resource]) -> Vec<WantedMapping> {
    let declared = |name: &str, kind: ResourceKind| {
        resources.iter().find(|r| r.name == name && r.kind == kind)
    };
    function
        .triggers
        .iter()
        .filter_map(|t| match t {
            Trigger::Queue { queue, batch_size } => {
                let (name, arn) = match declared(queue, ResourceKind::Queue) {
                    Some(resource) => (
                        resource.physical_name(),
                        resource.existing.clone().filter(|e| e.starts_with("arn:")),
                    ),
                    None => (
                        queue.rsplit(':').next().unwrap_or(queue).to_owned(),
                        queue.starts_with("arn:").then(|| queue.clone()),
                    ),
                };
                Some(WantedMapping {
                    kind: SourceKind::Queue,
                    name,
                    arn,
                    table_stream: false,
                    batch_size: batch_size
                        .and_then(|b| i32::try_from(b).ok())
                        .unwrap_or(DEFAULT_QUEUE_BATCH_SIZE),
                    starting_position: None,
                })
            }
            Trigger::Stream {
                stream,
                batch_size,
                starting_position,
            } => Some(WantedMapping {
                kind: SourceKind::Stream,
                name: declared(stream, ResourceKind::Table)
                    .map(Resource::physical_name)
                    .unwrap_or_else(|| stream.clone()),
                arn: stream.starts_with("arn:").then(|| stream.clone()),
                table_stream: declared(stream, ResourceKind::Table).is_some(),
                batch_size: batch_size
                    .and_then(|b| i32::try_from(b).ok())
                    .unwrap_or(DEFAULT_STREAM_BATCH_SIZE),
                starting_position: Some(
                    starting_position
                        .clone()
                        .filter(|p| !p.is_empty())
                        .unwrap_or_else(|| DEFAULT_STARTING_POSITION.to_owned())
                        .to_ascii_uppercase(),
                ),
            }),
            _ => None,
        })
        .collect()
}

/// The function (or stage) a mapping invokes.
pub(crate) fn mapping_target(name: &str, stage: Option<&str>) -> String {
    match stage {
        Some(stage) => format!("{name}:{stage}"),
        None => name.to_owned(),
    }
}

fn kind_of(source_arn: &str) -> Option<SourceKind> {
    if source_arn.contains(":sqs:") {
        Some(SourceKind::Queue)
    } else if source_arn.contains(":kinesis:")
        || (source_arn.contains(":dynamodb:") && source_arn.contains("/stream/"))
    {
        Some(SourceKind::Stream)
    } else {
        None
    }
}

impl AwsAdapter {
    /// The SQS, Kinesis and DynamoDB stream mappings of the function (or stage).
    pub(crate) async fn observe_mappings(
        &self,
        name: &str,
        stage: Option<&str>,
    ) -> Result<Vec<Mapped>> {
        let target = mapping_target(name, stage);
        let mut found = Vec::new();
        let mut marker = None;
        loop {
            let page = match self
                .lambda
                .list_event_source_mappings()
                .function_name(&target)
                .set_marker(marker)
                .send()
                .await
            {
                Ok(page) => page,
                Err(error) => {
                    // No such function or stage yet: nothing is mapped to it.
                    return match self.failure(
                        &error,
                        &format!("Lambda ListEventSourceMappings of `{target}`"),
                    ) {
                        functory_adapter::AdapterError::NotFound { .. } => Ok(found),
                        other => Err(other),
                    };
                }
            };
            for mapping in page.event_source_mappings() {
                let Some(arn) = mapping.event_source_arn() else {
                    continue;
                };
                let Some(kind) = kind_of(arn) else { continue };
                let reports_item_failures = mapping
                    .function_response_types()
                    .iter()
                    .any(|t| t.as_str() == REPORT_ITEM_FAILURES);
                found.push(Mapped {
                    reports_item_failures,
                    uuid: mapping.uuid().unwrap_or_default().to_owned(),
                    kind,
                    source_arn: arn.to_owned(),
                    batch_size: mapping.batch_size().unwrap_or(match kind {
                        SourceKind::Queue => DEFAULT_QUEUE_BATCH_SIZE,
                        SourceKind::Stream => DEFAULT_STREAM_BATCH_SIZE,
                    }),
                    starting_position: mapping.starting_position().map(|p| p.as_str().to_owned()),
                });
            }
            marker = page.next_marker().map(str::to_owned);
            if marker.is_none() {
                break;
            }
        }
        Ok(found)
    }

    pub(crate) async fn create_mapping(
        &self,
        name: &str,
        stage: Option<&str>,
        source: &WantedMapping,
        function_arn: &str,
    ) -> Result<()> {
        let target = mapping_target(name, stage);
        let source_arn = if source.table_stream && source.arn.is_none() {
            self.table_stream_arn(&source.name).await?
        } else {
            source.source_arn(function_arn)
        };
        self.lambda
            .create_event_source_mapping()
            .function_name(&target)
            .event_source_arn(source_arn)
            .batch_size(source.batch_size)
            .set_starting_position(
                source
                    .starting_position
                    .as_deref()
                    .map(aws_sdk_lambda::types::EventSourcePosition::from),
            )
            .set_function_response_types(
                (source.kind == SourceKind::Queue).then(|| vec![REPORT_ITEM_FAILURES.into()]),
            )
            .enabled(true)
            .send()
            .await
            .map_err(|e| {
                self.failure(
                    &e,
                    &format!(
                        "Lambda CreateEventSourceMapping from {} to `{target}`",
                        source.label()
                    ),
                )
            })?;
        Ok(())
    }

    /// The ARN of DynamoDB table `table`'s stream (its label is DynamoDB's choice).
    async fn table_stream_arn(&self, table: &str) -> Result<String> {
        let dynamodb = aws_sdk_dynamodb::Client::new(&self.sdk);
        let described = dynamodb
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| self.failure(&e, &format!("DynamoDB DescribeTable of `{table}`")))?;
        described
            .table
            .and_then(|t| t.latest_stream_arn)
            .ok_or_else(|| {
                functory_adapter::AdapterError::invalid(format!(
                    "table `{table}` has no stream: declare `stream = \"new_and_old_images\"` (or another view) on it"
                ))
            })
    }

    pub(crate) async fn update_mapping(
        &self,
        uuid: &str,
        kind: SourceKind,
        batch_size: i32,
    ) -> Result<()> {
        self.lambda
            .update_event_source_mapping()
            .uuid(uuid)
            .batch_size(batch_size)
            .set_function_response_types(
                (kind == SourceKind::Queue).then(|| vec![REPORT_ITEM_FAILURES.into()]),
            )
            .send()
            .await
            .map_err(|e| self.failure(&e, &format!("Lambda UpdateEventSourceMapping {uuid}")))?;
        Ok(())
    }

    pub(crate) async fn delete_mapping(&self, uuid: &str) -> Result<()> {
        self.lambda
            .delete_event_source_mapping()
            .uuid(uuid)
            .send()
            .await
            .map_err(|e| self.failure(&e, &format!("Lambda DeleteEventSourceMapping {uuid}")))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(name: &str, arn: Option<&str>) -> WantedMapping {
        WantedMapping {
            table_stream: false,
            kind: SourceKind::Queue,
            name: name.into(),
            arn: arn.map(str::to_owned),
            batch_size: 10,
            starting_position: None,
        }
    }

    #[test]
    fn source_arns_follow_the_function() {
        assert_eq!(
            queue("orders", None)
                .source_arn("arn:aws:lambda:eu-west-1:123456789012:function:worker:prod"),
            "arn:aws:sqs:eu-west-1:123456789012:orders"
        );
        assert_eq!(
            queue("orders", Some("arn:aws-cn:sqs:cn-north-1:1:orders")).source_arn("whatever"),
            "arn:aws-cn:sqs:cn-north-1:1:orders"
        );
        let stream = WantedMapping {
            table_stream: false,
            kind: SourceKind::Stream,
            name: "clicks".into(),
            arn: None,
            batch_size: 100,
            starting_position: Some("LATEST".into()),
        };
        let arn = stream.source_arn("arn:aws:lambda:eu-west-1:123456789012:function:worker");
        assert_eq!(arn, "arn:aws:kinesis:eu-west-1:123456789012:stream/clicks");
        let mapped = Mapped {
            uuid: "u".into(),
            kind: SourceKind::Stream,
            source_arn: arn,
            batch_size: 100,
            starting_position: Some("LATEST".into()),
            reports_item_failures: false,
        };
        assert!(stream.reads(&mapped));
        assert_eq!(mapped.label(), "stream clicks");
        assert!(!queue("clicks", None).reads(&mapped));
        assert_eq!(mapping_target("worker", Some("prod")), "worker:prod");
        assert_eq!(
            kind_of("arn:aws:dynamodb:us-east-1:1:table/orders/stream/2024-01-01T00:00:00.000"),
            Some(SourceKind::Stream)
        );
        assert_eq!(kind_of("arn:aws:kafka:us-east-1:1:cluster/x"), None);
    }
}
