//! The project's declared resources (`[resources.NAME]`) made real at an AWS endpoint: each
//! bucket, queue (dead-letter queues first), table, topic and event bus is looked up and
//! created when missing, tagged `functory:project`. `existing` resources are only referenced.
//! The local run points this at its emulator; nothing here is particular to one.
//!
//! Names, ARNs and what a declaration may say belong to `functory_core::manifest::resource`.

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

use crate::errors::{CallContext, SignedInAs, sdk_failure};

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
async fn find_bucket(
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
async fn find_queue(
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
async fn find_table(
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
async fn find_bus(
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

async fn look_up_bucket(
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

async fn look_up_queue(
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

async fn look_up_table(
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

async fn look_up_topic(
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

async fn look_up_bus(
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

// ---- identities that act with a function's permissions -------------------------------------

/// The inline policy a function's local identity gets: its manifest permissions as on its
/// Lambda role, with each ARN's region and account widened to `*` — the local services are one
/// region of one account, and a permission written for the real account must act the same
/// there. `None` when the function has no permissions (the identity is then refused
/// everything, as a role without policies is).
pub fn local_identity_policy(function: &functory_core::Function) -> Option<serde_json::Value> {
    if function.permissions.is_empty() {
        return None;
    }
    let mut statements = crate::lambda::role::permission_statements(&function.permissions);
    for statement in &mut statements {
        if let Some(resources) = statement.get_mut("Resource").and_then(|r| r.as_array_mut()) {
            for resource in resources {
                if let Some(arn) = resource.as_str() {
                    *resource = serde_json::Value::String(any_region_and_account(arn));
                }
            }
        }
    }
    Some(serde_json::json!({ "Version": "2012-10-17", "Statement": statements }))
}

/// `arn:aws:dynamodb:eu-west-1:111122223333:table/t` → `arn:aws:dynamodb:*:*:table/t`;
/// empty fields (S3's) and anything not an ARN stay as they are.
fn any_region_and_account(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return arn.to_owned();
    }
    let widen = |field: &str| if field.is_empty() { "" } else { "*" };
    format!(
        "arn:{}:{}:{}:{}:{}",
        parts[1],
        parts[2],
        widen(parts[3]),
        widen(parts[4]),
        parts[5]
    )
}

/// Where calls to the local services go, for failure messages.
fn local_context(config: &SdkConfig) -> CallContext {
    CallContext {
        who: SignedInAs::LocalServices,
        region: config.region().map(|r| r.to_string()),
        endpoint: config.endpoint_url().map(str::to_owned),
    }
}

/// The policy name every local identity's permissions go under.
const IDENTITY_POLICY: &str = "functory-permissions";

/// Makes IAM user `user` act with exactly `policy` (none: nothing allowed) and answers a fresh
/// access key for it; older keys of the user are deleted, so only the running instance's work.
/// `previous_key` is the key id this answered last time, when known: deleting it by id spares
/// listing the user's keys, which the local emulator does by scanning every key it holds (at
/// thousands of functions, most of a run's start). Unknown or gone, the keys are listed.
pub async fn ensure_identity(
    config: &SdkConfig,
    user: &str,
    policy: Option<&serde_json::Value>,
    previous_key: Option<&str>,
) -> Result<(String, String), AdapterError> {
    let context = local_context(config);
    let iam = aws_sdk_iam::Client::new(config);
    match iam.get_user().user_name(user).send().await {
        Ok(_) => {
            let deleted_previous = match previous_key {
                Some(id) => match iam
                    .delete_access_key()
                    .user_name(user)
                    .access_key_id(id)
                    .send()
                    .await
                {
                    Ok(_) => true,
                    Err(error)
                        if error
                            .as_service_error()
                            .is_some_and(|e| e.is_no_such_entity_exception()) =>
                    {
                        false
                    }
                    Err(error) => {
                        return Err(sdk_failure(
                            &error,
                            &format!("IAM DeleteAccessKey of `{user}`"),
                            &context,
                        ));
                    }
                },
                None => false,
            };
            if deleted_previous {
                set_identity_policy(config, user, policy).await?;
                return create_key(&iam, user, &context).await;
            }
            let keys = iam
                .list_access_keys()
                .user_name(user)
                .send()
                .await
                .map_err(|e| {
                    sdk_failure(&e, &format!("IAM ListAccessKeys of `{user}`"), &context)
                })?;
            for key in keys.access_key_metadata {
                if let Some(id) = key.access_key_id {
                    iam.delete_access_key()
                        .user_name(user)
                        .access_key_id(id)
                        .send()
                        .await
                        .map_err(|e| {
                            sdk_failure(&e, &format!("IAM DeleteAccessKey of `{user}`"), &context)
                        })?;
                }
            }
        }
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            iam.create_user()
                .user_name(user)
                .send()
                .await
                .map_err(|e| sdk_failure(&e, &format!("IAM CreateUser `{user}`"), &context))?;
        }
        Err(error) => {
            return Err(sdk_failure(
                &error,
                &format!("IAM GetUser `{user}`"),
                &context,
            ));
        }
    }
    set_identity_policy(config, user, policy).await?;
    create_key(&iam, user, &context).await
}

async fn create_key(
    iam: &aws_sdk_iam::Client,
    user: &str,
    context: &CallContext,
) -> Result<(String, String), AdapterError> {
    let key = iam
        .create_access_key()
        .user_name(user)
        .send()
        .await
        .map_err(|e| sdk_failure(&e, &format!("IAM CreateAccessKey of `{user}`"), context))?
        .access_key
        .ok_or_else(|| AdapterError::invalid(format!("IAM gave no access key for `{user}`")))?;
    Ok((key.access_key_id, key.secret_access_key))
}

/// Replaces the permissions `user` acts with (none: nothing allowed), keeping its keys: a
/// running function's next call is checked against the new policy.
pub async fn set_identity_policy(
    config: &SdkConfig,
    user: &str,
    policy: Option<&serde_json::Value>,
) -> Result<(), AdapterError> {
    let context = local_context(config);
    let iam = aws_sdk_iam::Client::new(config);
    match policy {
        Some(policy) => {
            iam.put_user_policy()
                .user_name(user)
                .policy_name(IDENTITY_POLICY)
                .policy_document(policy.to_string())
                .send()
                .await
                .map_err(|e| {
                    sdk_failure(&e, &format!("IAM PutUserPolicy of `{user}`"), &context)
                })?;
        }
        None => match iam
            .delete_user_policy()
            .user_name(user)
            .policy_name(IDENTITY_POLICY)
            .send()
            .await
        {
            Ok(_) => {}
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_no_such_entity_exception()) => {}
            Err(error) => {
                return Err(sdk_failure(
                    &error,
                    &format!("IAM DeleteUserPolicy of `{user}`"),
                    &context,
                ));
            }
        },
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_policies_widen_region_and_account_only() {
        assert_eq!(
            any_region_and_account("arn:aws:dynamodb:eu-west-1:111122223333:table/orders"),
            "arn:aws:dynamodb:*:*:table/orders"
        );
        assert_eq!(
            any_region_and_account("arn:aws:s3:::uploads/*"),
            "arn:aws:s3:::uploads/*"
        );
        assert_eq!(any_region_and_account("*"), "*");
        assert_eq!(
            any_region_and_account("arn:aws:sqs:us-east-1:1:jobs:with:colons"),
            "arn:aws:sqs:*:*:jobs:with:colons"
        );
    }
}
