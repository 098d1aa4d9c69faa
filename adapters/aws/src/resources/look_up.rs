//! Declared resources looked up at an AWS endpoint without changing anything: what a plan
//! shows (missing, found and whose, or only referenced).

use aws_config::SdkConfig;
use functory_adapter::AdapterError;
use functory_core::{Resource, ResourceKind};

use crate::errors::{CallContext, sdk_failure};

use super::*;

/// A declared resource as the account has it, looked up without changing anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceLook {
    Missing,
    /// It exists; `owner` is its `functory:project` tag (`None`: not made by Functory).
    Found {
        owner: Option<String>,
    },
    /// An `existing` resource: referenced, never looked at or touched.
    Referenced,
}

/// Looks every declared resource up (reads only, at once): what a plan shows.
pub(crate) async fn look_up_resources(
    config: &SdkConfig,
    context: &CallContext,
    resources: &[Resource],
) -> Result<Vec<ResourceLook>, AdapterError> {
    let clients = Clients::new(config);
    let looks = resources.iter().map(|resource| {
        let clients = &clients;
        async move {
            if !resource.is_declared_here() {
                return Ok(ResourceLook::Referenced);
            }
            let name = resource.physical_name();
            let tags: Option<Vec<(String, String)>> = match resource.kind {
                ResourceKind::Bucket => look_up_bucket(clients, context, &name).await?,
                ResourceKind::Queue => look_up_queue(clients, context, &name).await?,
                ResourceKind::Table => look_up_table(clients, context, &name).await?,
                ResourceKind::Topic => look_up_topic(clients, context, &name).await?,
                ResourceKind::Bus => look_up_bus(clients, context, &name).await?,
            };
            Ok(match tags {
                None => ResourceLook::Missing,
                Some(tags) => ResourceLook::Found {
                    owner: tags
                        .into_iter()
                        .find(|(key, _)| key == PROJECT_TAG)
                        .map(|(_, value)| value),
                },
            })
        }
    });
    futures_util::future::try_join_all(looks).await
}

type Tags = Option<Vec<(String, String)>>;

/// Whether bucket `name` exists (HeadBucket).
pub(super) async fn find_bucket(
    clients: &Clients,
    context: &CallContext,
    name: &str,
) -> Result<bool, AdapterError> {
    match clients.s3.head_bucket().bucket(name).send().await {
        Ok(_) => Ok(true),
        Err(error) if error.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(false),
        Err(error) => Err(sdk_failure(
            &error,
            &format!("S3 HeadBucket of `{name}`"),
            context,
        )),
    }
}

/// Queue `name`'s URL, if it exists.
pub(super) async fn find_queue(
    clients: &Clients,
    context: &CallContext,
    name: &str,
) -> Result<Option<String>, AdapterError> {
    match clients.sqs.get_queue_url().queue_name(name).send().await {
        Ok(found) => Ok(Some(found.queue_url.unwrap_or_default())),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_queue_does_not_exist()) =>
        {
            Ok(None)
        }
        Err(error) => Err(sdk_failure(
            &error,
            &format!("SQS GetQueueUrl of `{name}`"),
            context,
        )),
    }
}

/// Table `name`'s ARN, if it exists.
pub(super) async fn find_table(
    clients: &Clients,
    context: &CallContext,
    name: &str,
) -> Result<Option<String>, AdapterError> {
    match clients
        .dynamodb
        .describe_table()
        .table_name(name)
        .send()
        .await
    {
        Ok(found) => Ok(Some(
            found.table.and_then(|t| t.table_arn).unwrap_or_default(),
        )),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(error) => Err(sdk_failure(
            &error,
            &format!("DynamoDB DescribeTable of `{name}`"),
            context,
        )),
    }
}

/// Event bus `name`'s ARN, if it exists.
pub(super) async fn find_bus(
    clients: &Clients,
    context: &CallContext,
    name: &str,
) -> Result<Option<String>, AdapterError> {
    match clients.events.describe_event_bus().name(name).send().await {
        Ok(found) => Ok(Some(found.arn.unwrap_or_default())),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(error) => Err(sdk_failure(
            &error,
            &format!("EventBridge DescribeEventBus of `{name}`"),
            context,
        )),
    }
}

pub(super) async fn look_up_bucket(
    clients: &Clients,
    context: &CallContext,
    name: &str,
) -> Result<Tags, AdapterError> {
    if !find_bucket(clients, context, name).await? {
        return Ok(None);
    }
    match clients.s3.get_bucket_tagging().bucket(name).send().await {
        Ok(tagging) => Ok(Some(
            tagging
                .tag_set()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect(),
        )),
        // A bucket without tags answers NoSuchTagSet.
        Err(error)
            if error
                .as_service_error()
                .and_then(aws_smithy_types::error::metadata::ProvideErrorMetadata::code)
                == Some("NoSuchTagSet") =>
        {
            Ok(Some(Vec::new()))
        }
        Err(error) => Err(sdk_failure(
            &error,
            &format!("S3 GetBucketTagging of `{name}`"),
            context,
        )),
    }
}

pub(super) async fn look_up_queue(
    clients: &Clients,
    context: &CallContext,
    name: &str,
) -> Result<Tags, AdapterError> {
    let Some(url) = find_queue(clients, context, name).await? else {
        return Ok(None);
    };
    let tags = clients
        .sqs
        .list_queue_tags()
        .queue_url(&url)
        .send()
        .await
        .map_err(|e| sdk_failure(&e, &format!("SQS ListQueueTags of `{name}`"), context))?;
    Ok(Some(tags.tags.unwrap_or_default().into_iter().collect()))
}

pub(super) async fn look_up_table(
    clients: &Clients,
    context: &CallContext,
    name: &str,
) -> Result<Tags, AdapterError> {
    let Some(arn) = find_table(clients, context, name).await? else {
        return Ok(None);
    };
    let tags = clients
        .dynamodb
        .list_tags_of_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| {
            sdk_failure(
                &e,
                &format!("DynamoDB ListTagsOfResource of `{name}`"),
                context,
            )
        })?;
    Ok(Some(
        tags.tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect(),
    ))
}

pub(super) async fn look_up_topic(
    clients: &Clients,
    context: &CallContext,
    name: &str,
) -> Result<Tags, AdapterError> {
    // SNS looks topics up by ARN only; the account's list is read (100 a page).
    let suffix = format!(":{name}");
    let mut token = None;
    let arn = loop {
        let page = clients
            .sns
            .list_topics()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_failure(&e, "SNS ListTopics", context))?;
        if let Some(arn) = page
            .topics()
            .iter()
            .filter_map(|t| t.topic_arn())
            .find(|arn| arn.ends_with(&suffix))
        {
            break arn.to_owned();
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(None);
        }
    };
    let tags = clients
        .sns
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| sdk_failure(&e, &format!("SNS ListTagsForResource of `{name}`"), context))?;
    Ok(Some(
        tags.tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect(),
    ))
}

pub(super) async fn look_up_bus(
    clients: &Clients,
    context: &CallContext,
    name: &str,
) -> Result<Tags, AdapterError> {
    let Some(arn) = find_bus(clients, context, name).await? else {
        return Ok(None);
    };
    let tags = clients
        .events
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| {
            sdk_failure(
                &e,
                &format!("EventBridge ListTagsForResource of `{name}`"),
                context,
            )
        })?;
    Ok(Some(
        tags.tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect(),
    ))
}
