//! `queue` triggers as SQS event source mappings on the stage alias. A queue is named in the
//! manifest by its name (in the target's account and region) or by its ARN. Mappings to SQS that
//! the manifest no longer lists are deleted; mappings to other sources are left alone.

use functory_adapter::Result;
use functory_core::{Function, Trigger};

use super::AwsAdapter;

/// Lambda's default batch size for SQS.
const DEFAULT_BATCH_SIZE: i32 = 10;

/// A queue trigger as the manifest states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WantedQueue {
    /// The queue's name (the last part of its ARN).
    pub name: String,
    /// The ARN when the manifest gives one.
    pub arn: Option<String>,
    pub batch_size: i32,
}

/// A mapping that exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MappedQueue {
    pub uuid: String,
    pub name: String,
    pub batch_size: i32,
}

pub(crate) fn wanted(function: &Function) -> Vec<WantedQueue> {
    function
        .triggers
        .iter()
        .filter_map(|t| match t {
            Trigger::Queue { queue, batch_size } => {
                let arn = queue.starts_with("arn:").then(|| queue.clone());
                Some(WantedQueue {
                    name: queue.rsplit(':').next().unwrap_or(queue).to_owned(),
                    arn,
                    batch_size: batch_size
                        .and_then(|b| i32::try_from(b).ok())
                        .unwrap_or(DEFAULT_BATCH_SIZE),
                })
            }
            _ => None,
        })
        .collect()
}

/// `arn:aws:sqs:REGION:ACCOUNT:NAME`, in the function's own partition, region and account.
pub(crate) fn queue_arn(queue: &WantedQueue, function_arn: &str) -> String {
    if let Some(arn) = &queue.arn {
        return arn.clone();
    }
    let parts: Vec<&str> = function_arn.split(':').collect();
    let (partition, region, account) = match parts.as_slice() {
        ["arn", partition, "lambda", region, account, ..] => (*partition, *region, *account),
        _ => ("aws", "*", "*"),
    };
    format!("arn:{partition}:sqs:{region}:{account}:{}", queue.name)
}

/// The function (or stage) a mapping invokes.
pub(crate) fn mapping_target(name: &str, stage: Option<&str>) -> String {
    match stage {
        Some(stage) => format!("{name}:{stage}"),
        None => name.to_owned(),
    }
}

impl AwsAdapter {
    pub(crate) async fn observe_queues(
        &self,
        name: &str,
        stage: Option<&str>,
    ) -> Result<Vec<MappedQueue>> {
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
                if !arn.contains(":sqs:") {
                    continue;
                }
                found.push(MappedQueue {
                    uuid: mapping.uuid().unwrap_or_default().to_owned(),
                    name: arn.rsplit(':').next().unwrap_or(arn).to_owned(),
                    batch_size: mapping.batch_size().unwrap_or(DEFAULT_BATCH_SIZE),
                });
            }
            marker = page.next_marker().map(str::to_owned);
            if marker.is_none() {
                break;
            }
        }
        Ok(found)
    }

    pub(crate) async fn create_queue_mapping(
        &self,
        name: &str,
        stage: Option<&str>,
        queue: &WantedQueue,
        function_arn: &str,
    ) -> Result<()> {
        let target = mapping_target(name, stage);
        self.lambda
            .create_event_source_mapping()
            .function_name(&target)
            .event_source_arn(queue_arn(queue, function_arn))
            .batch_size(queue.batch_size)
            .enabled(true)
            .send()
            .await
            .map_err(|e| {
                self.failure(
                    &e,
                    &format!(
                        "Lambda CreateEventSourceMapping from queue `{}` to `{target}`",
                        queue.name
                    ),
                )
            })?;
        Ok(())
    }

    pub(crate) async fn update_queue_mapping(&self, uuid: &str, batch_size: i32) -> Result<()> {
        self.lambda
            .update_event_source_mapping()
            .uuid(uuid)
            .batch_size(batch_size)
            .send()
            .await
            .map_err(|e| self.failure(&e, &format!("Lambda UpdateEventSourceMapping {uuid}")))?;
        Ok(())
    }

    pub(crate) async fn delete_queue_mapping(&self, uuid: &str) -> Result<()> {
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

    #[test]
    fn queue_arns_follow_the_function() {
        let named = WantedQueue {
            name: "orders".into(),
            arn: None,
            batch_size: 10,
        };
        assert_eq!(
            queue_arn(
                &named,
                "arn:aws:lambda:eu-west-1:123456789012:function:worker:prod"
            ),
            "arn:aws:sqs:eu-west-1:123456789012:orders"
        );
        let given = WantedQueue {
            name: "orders".into(),
            arn: Some("arn:aws-cn:sqs:cn-north-1:1:orders".into()),
            batch_size: 10,
        };
        assert_eq!(
            queue_arn(&given, "whatever"),
            "arn:aws-cn:sqs:cn-north-1:1:orders"
        );
        assert_eq!(mapping_target("worker", Some("prod")), "worker:prod");
    }
}
