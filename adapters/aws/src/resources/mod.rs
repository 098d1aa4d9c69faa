//! The project's declared resources (`[resources.NAME]`) made real at an AWS endpoint: each
//! bucket, queue (dead-letter queues first), table, topic and event bus is looked up and
//! created when missing, tagged `functory:project`. `existing` resources are only referenced.
//! The local run points this at its emulator; nothing here is particular to one.
//!
//! Names, ARNs and what a declaration may say belong to `functory_core::manifest::resource`.

mod identity;
mod look_up;

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType as DynamoKeyType,
    ProvisionedThroughput, ScalarAttributeType, StreamSpecification, StreamViewType,
};
use aws_sdk_sqs::types::QueueAttributeName;
use functory_adapter::AdapterError;
use functory_core::manifest::{KeyAttribute, KeyType};
use functory_core::{Resource, ResourceKind};
use serde::Serialize;

use crate::errors::{CallContext, sdk_failure};

use identity::local_context;
pub use identity::{ensure_identity, local_identity_policy, set_identity_policy};
pub use look_up::ResourceLook;
pub(crate) use look_up::look_up_resources;
use look_up::{find_bucket, find_bus, find_queue, find_table};

/// The tag every resource Functory creates carries, with the project's name.
pub const PROJECT_TAG: &str = "functory:project";

/// What became of one declared resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceOutcome {
    pub name: String,
    pub kind: ResourceKind,
    /// The name the service knows it by.
    pub physical_name: String,
    /// A queue's URL, a topic's or bus's ARN: what an SDK call addresses it with.
    pub address: String,
    pub state: ResourceState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ResourceState {
    Created,
    /// It was there already (made by an earlier run or deploy).
    Found,
    /// An `existing` resource: referenced, never touched.
    Referenced,
}

/// The SDK configuration for an emulator at `endpoint`: its region and fixed credentials
/// (emulators accept any unless they enforce IAM, and then these are the keys they were
/// told to trust).
pub fn endpoint_config(endpoint: &str, region: &str, key_id: &str, secret: &str) -> SdkConfig {
    SdkConfig::builder()
        .region(aws_config::Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                key_id,
                secret,
                None,
                None,
                "functory-local",
            )),
        )
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build()
}

/// Makes every declared resource exist at `config`'s endpoint (the local services). Each
/// failure names the resource and the call; the resources before it stay created (creation is
/// idempotent, so the next run carries on where this one stopped).
pub async fn ensure_resources(
    config: &SdkConfig,
    project: &str,
    resources: &[Resource],
) -> Result<Vec<ResourceOutcome>, AdapterError> {
    ensure_resources_as(config, &local_context(config), project, resources).await
}

/// [`ensure_resources`] with failures naming `context`'s sign-in (a cloud target's profile or
/// account).
pub(crate) async fn ensure_resources_as(
    config: &SdkConfig,
    context: &CallContext,
    project: &str,
    resources: &[Resource],
) -> Result<Vec<ResourceOutcome>, AdapterError> {
    let context = context.clone();
    let clients = Clients::new(config);
    // Queues a redrive policy names must exist first, so their ARNs can be read.
    let mut ordered: Vec<&Resource> = resources.iter().collect();
    ordered.sort_by_key(|r| {
        let is_dead_letter_target = resources
            .iter()
            .any(|other| other.dead_letter.as_deref() == Some(r.name.as_str()));
        !is_dead_letter_target
    });
    let mut queue_arns: HashMap<String, String> = HashMap::new();
    let mut outcomes: HashMap<String, ResourceOutcome> = HashMap::new();
    for resource in ordered {
        let outcome = if resource.is_declared_here() {
            match resource.kind {
                ResourceKind::Bucket => {
                    ensure_bucket(&clients, &context, project, resource).await?
                }
                ResourceKind::Queue => {
                    ensure_queue(&clients, &context, project, resource, &queue_arns).await?
                }
                ResourceKind::Table => ensure_table(&clients, &context, project, resource).await?,
                ResourceKind::Topic => ensure_topic(&clients, &context, project, resource).await?,
                ResourceKind::Bus => ensure_bus(&clients, &context, project, resource).await?,
            }
        } else {
            ResourceOutcome {
                name: resource.name.clone(),
                kind: resource.kind,
                physical_name: resource.physical_name(),
                address: resource.existing.clone().unwrap_or_default(),
                state: ResourceState::Referenced,
            }
        };
        if resource.kind == ResourceKind::Queue && resource.is_declared_here() {
            let arn = queue_arn(&clients, &context, &outcome.address).await?;
            queue_arns.insert(resource.name.clone(), arn);
        }
        outcomes.insert(resource.name.clone(), outcome);
    }
    // Back into the manifest's order.
    Ok(resources
        .iter()
        .filter_map(|r| outcomes.remove(&r.name))
        .collect())
}

struct Clients {
    s3: aws_sdk_s3::Client,
    sqs: aws_sdk_sqs::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    sns: aws_sdk_sns::Client,
    events: aws_sdk_eventbridge::Client,
}

impl Clients {
    fn new(config: &SdkConfig) -> Clients {
        // Emulators serve buckets on their own host: path-style addressing.
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(config.endpoint_url().is_some())
            .build();
        Clients {
            s3: aws_sdk_s3::Client::from_conf(s3),
            sqs: aws_sdk_sqs::Client::new(config),
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            sns: aws_sdk_sns::Client::new(config),
            events: aws_sdk_eventbridge::Client::new(config),
        }
    }
}

fn outcome(resource: &Resource, address: String, state: ResourceState) -> ResourceOutcome {
    ResourceOutcome {
        name: resource.name.clone(),
        kind: resource.kind,
        physical_name: resource.physical_name(),
        address,
        state,
    }
}

async fn ensure_bucket(
    clients: &Clients,
    context: &CallContext,
    project: &str,
    resource: &Resource,
) -> Result<ResourceOutcome, AdapterError> {
    let name = resource.physical_name();
    if find_bucket(clients, context, &name).await? {
        return Ok(outcome(resource, name, ResourceState::Found));
    }
    let mut create = clients.s3.create_bucket().bucket(&name);
    // us-east-1 takes no location constraint; every other region needs its own.
    if let Some(region) = context.region.as_deref().filter(|r| *r != "us-east-1") {
        create = create.create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(region))
                .build(),
        );
    }
    create
        .send()
        .await
        .map_err(|e| sdk_failure(&e, &format!("S3 CreateBucket of `{name}`"), context))?;
    let tagging = aws_sdk_s3::types::Tagging::builder()
        .tag_set(
            aws_sdk_s3::types::Tag::builder()
                .key(PROJECT_TAG)
                .value(project)
                .build()
                .map_err(|e| AdapterError::invalid(e.to_string()))?,
        )
        .build()
        .map_err(|e| AdapterError::invalid(e.to_string()))?;
    clients
        .s3
        .put_bucket_tagging()
        .bucket(&name)
        .tagging(tagging)
        .send()
        .await
        .map_err(|e| sdk_failure(&e, &format!("S3 PutBucketTagging of `{name}`"), context))?;
    Ok(outcome(resource, name, ResourceState::Created))
}

async fn ensure_queue(
    clients: &Clients,
    context: &CallContext,
    project: &str,
    resource: &Resource,
    queue_arns: &HashMap<String, String>,
) -> Result<ResourceOutcome, AdapterError> {
    let name = resource.physical_name();
    if let Some(url) = find_queue(clients, context, &name).await? {
        return Ok(outcome(resource, url, ResourceState::Found));
    }
    let mut create = clients
        .sqs
        .create_queue()
        .queue_name(&name)
        .tags(PROJECT_TAG, project);
    if resource.fifo {
        create = create.attributes(QueueAttributeName::FifoQueue, "true");
    }
    if let Some(seconds) = resource.visibility_timeout_s {
        create = create.attributes(QueueAttributeName::VisibilityTimeout, seconds.to_string());
    }
    if let (Some(dead_letter), Some(max_receives)) = (&resource.dead_letter, resource.max_receives)
    {
        let target = queue_arns.get(dead_letter).ok_or_else(|| {
            AdapterError::invalid(format!(
                "queue `{}` names `{dead_letter}` as its dead-letter queue, which is not a declared queue",
                resource.name
            ))
        })?;
        let policy = serde_json::json!({
            "deadLetterTargetArn": target,
            "maxReceiveCount": max_receives.to_string(),
        });
        create = create.attributes(QueueAttributeName::RedrivePolicy, policy.to_string());
    }
    let created = create
        .send()
        .await
        .map_err(|e| sdk_failure(&e, &format!("SQS CreateQueue of `{name}`"), context))?;
    Ok(outcome(
        resource,
        created.queue_url.unwrap_or_default(),
        ResourceState::Created,
    ))
}

async fn queue_arn(
    clients: &Clients,
    context: &CallContext,
    url: &str,
) -> Result<String, AdapterError> {
    let attributes = clients
        .sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| sdk_failure(&e, &format!("SQS GetQueueAttributes of {url}"), context))?;
    attributes
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .ok_or_else(|| AdapterError::invalid(format!("SQS did not say the ARN of {url}")))
}

fn scalar_type(key_type: KeyType) -> ScalarAttributeType {
    ScalarAttributeType::from(key_type.letter())
}

async fn ensure_table(
    clients: &Clients,
    context: &CallContext,
    project: &str,
    resource: &Resource,
) -> Result<ResourceOutcome, AdapterError> {
    let name = resource.physical_name();
    if find_table(clients, context, &name).await?.is_some() {
        return Ok(outcome(resource, name, ResourceState::Found));
    }
    let Some(partition) = &resource.partition_key else {
        return Err(AdapterError::invalid(format!(
            "table `{}` has no partition_key",
            resource.name
        )));
    };
    let keys: Vec<(&KeyAttribute, DynamoKeyType)> =
        std::iter::once((partition, DynamoKeyType::Hash))
            .chain(resource.sort_key.iter().map(|k| (k, DynamoKeyType::Range)))
            .collect();
    let build = |e: aws_sdk_dynamodb::error::BuildError| AdapterError::invalid(e.to_string());
    let mut create = clients.dynamodb.create_table().table_name(&name).tags(
        aws_sdk_dynamodb::types::Tag::builder()
            .key(PROJECT_TAG)
            .value(project)
            .build()
            .map_err(build)?,
    );
    for (key, role) in keys {
        create = create
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(&key.name)
                    .attribute_type(scalar_type(key.key_type))
                    .build()
                    .map_err(build)?,
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(&key.name)
                    .key_type(role)
                    .build()
                    .map_err(build)?,
            );
    }
    create = match resource.billing {
        functory_core::manifest::Billing::PayPerRequest => {
            create.billing_mode(BillingMode::PayPerRequest)
        }
        // DynamoDB's smallest useful provisioned capacity; a cloud deploy may size it.
        functory_core::manifest::Billing::Provisioned => create
            .billing_mode(BillingMode::Provisioned)
            .provisioned_throughput(
                ProvisionedThroughput::builder()
                    .read_capacity_units(5)
                    .write_capacity_units(5)
                    .build()
                    .map_err(build)?,
            ),
    };
    if let Some(view) = resource.stream {
        create = create.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(view.aws_name()))
                .build()
                .map_err(build)?,
        );
    }
    create
        .send()
        .await
        .map_err(|e| sdk_failure(&e, &format!("DynamoDB CreateTable of `{name}`"), context))?;
    Ok(outcome(resource, name, ResourceState::Created))
}

async fn ensure_topic(
    clients: &Clients,
    context: &CallContext,
    project: &str,
    resource: &Resource,
) -> Result<ResourceOutcome, AdapterError> {
    let name = resource.physical_name();
    // CreateTopic answers the existing topic's ARN when the name and attributes match.
    let mut create = clients.sns.create_topic().name(&name).tags(
        aws_sdk_sns::types::Tag::builder()
            .key(PROJECT_TAG)
            .value(project)
            .build()
            .map_err(|e| AdapterError::invalid(e.to_string()))?,
    );
    if resource.fifo {
        create = create.attributes("FifoTopic", "true");
    }
    let created = create
        .send()
        .await
        .map_err(|e| sdk_failure(&e, &format!("SNS CreateTopic of `{name}`"), context))?;
    Ok(outcome(
        resource,
        created.topic_arn.unwrap_or_default(),
        ResourceState::Created,
    ))
}

async fn ensure_bus(
    clients: &Clients,
    context: &CallContext,
    project: &str,
    resource: &Resource,
) -> Result<ResourceOutcome, AdapterError> {
    let name = resource.physical_name();
    if let Some(arn) = find_bus(clients, context, &name).await? {
        return Ok(outcome(resource, arn, ResourceState::Found));
    }
    let created = clients
        .events
        .create_event_bus()
        .name(&name)
        .tags(
            aws_sdk_eventbridge::types::Tag::builder()
                .key(PROJECT_TAG)
                .value(project)
                .build()
                .map_err(|e| AdapterError::invalid(e.to_string()))?,
        )
        .send()
        .await
        .map_err(|e| {
            sdk_failure(
                &e,
                &format!("EventBridge CreateEventBus of `{name}`"),
                context,
            )
        })?;
    Ok(outcome(
        resource,
        created.event_bus_arn.unwrap_or_default(),
        ResourceState::Created,
    ))
}
