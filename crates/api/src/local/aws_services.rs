//! A run's local AWS services: the emulator started (`functory_local::services`), the
//! project's declared resources made in it (`functory_aws::resources`, the code a cloud deploy
//! uses), and what handlers get to reach it.

use std::path::Path;

use functory_aws::resources::{
    ResourceState, endpoint_config, ensure_identity, ensure_resources, local_identity_policy,
    set_identity_policy,
};
use functory_core::Manifest;
use functory_core::manifest::ResourcePlace;
use functory_local::{AwsAccess, AwsServicesSettings, LocalAwsServices};
use futures_util::{StreamExt, TryStreamExt};

use super::{AwsServicesInfo, LocalResourceInfo};

/// The secret Functory signs with as the local account's root (MiniStack takes the account id
/// as a root access key id and does not check a root's secret). The emulator listens on
/// loopback only and holds nothing but local data.
const ACCOUNT_SECRET: &str = "functory-local-account";

/// Functions whose identities are set up at once.
const IDENTITY_CONCURRENCY: usize = 16;

/// Beside the emulator's state: each function's identity's current access key id (ids only; the
/// secrets stay in memory), so the next run deletes it by id instead of listing keys.
const IDENTITY_KEYS_FILE: &str = "identity-keys.json";

/// The key ids the last run made, by function; none when the file is missing or unreadable
/// (each identity's keys are then listed, as on a first run).
fn previous_identity_keys(file: &Path) -> std::collections::BTreeMap<String, String> {
    std::fs::read(file)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Remembers the key ids just made. Not being able to is not worth failing the run for: the
/// next one lists the keys instead.
fn remember_identity_keys(
    file: &Path,
    keys: &std::collections::BTreeMap<String, (String, String)>,
) {
    let ids: std::collections::BTreeMap<&str, &str> = keys
        .iter()
        .map(|(function, (key_id, _))| (function.as_str(), key_id.as_str()))
        .collect();
    let written = serde_json::to_vec_pretty(&ids)
        .map_err(|e| e.to_string())
        .and_then(|json| crate::files::write_atomically(file, &json).map_err(|e| e.message));
    if let Err(problem) = written {
        tracing::warn!(file = %file.display(), %problem, "the identities' key ids were not remembered");
    }
}

pub(super) struct StartedServices {
    pub services: LocalAwsServices,
    pub access: AwsAccess,
    pub info: AwsServicesInfo,
    /// Signed as the local account: what Functory's own pollers use.
    pub config: aws_config::SdkConfig,
}

impl StartedServices {
    /// The functions' `queue` triggers on declared queues, with each queue's URL.
    pub fn queue_mappings(&self, manifest: &Manifest) -> Vec<super::aws_triggers::QueueMapping> {
        let mut mappings = Vec::new();
        for function in &manifest.functions {
            for trigger in &function.triggers {
                let functory_core::Trigger::Queue { queue, batch_size } = trigger else {
                    continue;
                };
                let Some(resource) = self.declared(queue, functory_core::ResourceKind::Queue)
                else {
                    continue;
                };
                mappings.push(super::aws_triggers::QueueMapping {
                    function: function.name.clone(),
                    queue: resource.physical_name.clone(),
                    url: resource.address.clone(),
                    // Lambda's default for SQS.
                    batch_size: batch_size.unwrap_or(10),
                });
            }
        }
        mappings
    }

    /// The functions' `storage` triggers on declared buckets.
    pub fn storage_mappings(
        &self,
        manifest: &Manifest,
    ) -> Vec<super::aws_triggers::StorageMapping> {
        let mut mappings = Vec::new();
        for function in &manifest.functions {
            for trigger in &function.triggers {
                let functory_core::Trigger::Storage {
                    bucket,
                    prefix,
                    suffix,
                    events,
                } = trigger
                else {
                    continue;
                };
                let Some(resource) = self.declared(bucket, functory_core::ResourceKind::Bucket)
                else {
                    continue;
                };
                mappings.push(super::aws_triggers::StorageMapping {
                    function: function.name.clone(),
                    bucket: resource.physical_name.clone(),
                    prefix: prefix.clone(),
                    suffix: suffix.clone(),
                    events: events
                        .clone()
                        .unwrap_or_else(|| vec!["s3:ObjectCreated:*".to_owned()]),
                });
            }
        }
        mappings
    }

    /// The functions' `stream` triggers: those on declared tables with a stream, and those on
    /// Kinesis streams (every stream that is not a table's, by the rule the deploy's role
    /// statements use), each with its stream's name.
    pub fn stream_mappings(
        &self,
        manifest: &Manifest,
    ) -> (
        Vec<super::aws_triggers::StreamMapping>,
        Vec<super::aws_triggers::KinesisMapping>,
    ) {
        let scope = functory_core::trigger_needs::ArnScope::with_resources(&manifest.resources);
        let (mut tables, mut kinesis) = (Vec::new(), Vec::new());
        for function in &manifest.functions {
            for trigger in &function.triggers {
                let functory_core::Trigger::Stream {
                    stream,
                    batch_size,
                    starting_position,
                } = trigger
                else {
                    continue;
                };
                // Lambda's defaults for both kinds of stream.
                let batch_size = batch_size.unwrap_or(100);
                let starting_position = starting_position
                    .clone()
                    .unwrap_or_else(|| "LATEST".to_owned());
                if !scope.is_dynamodb_stream(stream) {
                    kinesis.push(super::aws_triggers::KinesisMapping {
                        function: function.name.clone(),
                        stream: functory_core::trigger_needs::kinesis_stream_name(stream)
                            .to_owned(),
                        named: stream.clone(),
                        batch_size,
                        starting_position,
                    });
                    continue;
                }
                let Some(resource) = self.declared(stream, functory_core::ResourceKind::Table)
                else {
                    continue;
                };
                if manifest.resource(stream).is_none_or(|r| r.stream.is_none()) {
                    continue;
                }
                tables.push(super::aws_triggers::StreamMapping {
                    function: function.name.clone(),
                    table: resource.physical_name.clone(),
                    batch_size,
                    starting_position,
                });
            }
        }
        (tables, kinesis)
    }

    /// The functions' `topic` triggers, each with its topic's ARN (a declared topic's in the
    /// local services, or the ARN the trigger gives), and the `event` triggers with their bus
    /// (`default` unless set). Triggers naming neither a declared resource nor an ARN are
    /// problems, one sentence each.
    pub fn notification_mappings(
        &self,
        manifest: &Manifest,
    ) -> (
        Vec<super::aws_triggers::TopicMapping>,
        Vec<super::aws_triggers::EventMapping>,
        Vec<String>,
    ) {
        let (mut topics, mut events, mut problems) = (Vec::new(), Vec::new(), Vec::new());
        for function in &manifest.functions {
            for trigger in &function.triggers {
                match trigger {
                    functory_core::Trigger::Topic {
                        topic,
                        filter_policy,
                        filter_policy_scope,
                    } => {
                        let topic_arn = match self
                            .declared(topic, functory_core::ResourceKind::Topic)
                        {
                            Some(resource) => resource.address.clone(),
                            None if topic.starts_with("arn:") => topic.clone(),
                            None => {
                                problems.push(format!(
                                    "function `{}`: topic `{topic}` is not declared: add [resources.{topic}] with kind = \"topic\"",
                                    function.name
                                ));
                                continue;
                            }
                        };
                        topics.push(super::aws_triggers::TopicMapping {
                            function: function.name.clone(),
                            topic_arn,
                            filter_policy: filter_policy.clone(),
                            filter_policy_scope: filter_policy_scope.clone(),
                        });
                    }
                    functory_core::Trigger::Event { bus, pattern } => {
                        let bus = match bus.as_deref() {
                            None | Some("default") => "default".to_owned(),
                            Some(name) => {
                                match self.declared(name, functory_core::ResourceKind::Bus) {
                                    Some(resource) => resource.physical_name.clone(),
                                    None => {
                                        problems.push(format!(
                                            "function `{}`: bus `{name}` is not declared: add [resources.{name}] with kind = \"bus\"",
                                            function.name
                                        ));
                                        continue;
                                    }
                                }
                            }
                        };
                        events.push(super::aws_triggers::EventMapping {
                            function: function.name.clone(),
                            bus,
                            pattern: pattern.clone(),
                        });
                    }
                    _ => {}
                }
            }
        }
        (topics, events, problems)
    }

    /// A resource of `kind` this run made (not an `existing` one, which the local services do
    /// not hold).
    fn declared(
        &self,
        name: &str,
        kind: functory_core::ResourceKind,
    ) -> Option<&LocalResourceInfo> {
        self.info
            .resources
            .iter()
            .find(|r| r.name == name && r.kind == kind && !r.existing)
    }

    /// The names of the declared resources of `kind`.
    pub fn declared_names(
        &self,
        kind: functory_core::ResourceKind,
    ) -> std::collections::HashSet<String> {
        self.info
            .resources
            .iter()
            .filter(|r| r.kind == kind && !r.existing)
            .map(|r| r.name.clone())
            .collect()
    }
}

/// Starts the emulator for `manifest`'s run and creates its resources. The emulator failing
/// to start, or a resource it refuses, is an error sentence for the run's problems; the rest
/// of the run starts anyway.
pub(super) async fn start(
    data_dir: &Path,
    manifest: &Manifest,
    region: &str,
    account_id: &str,
    venv: Option<&Path>,
    enforce_permissions: bool,
) -> Result<StartedServices, String> {
    let mut settings = AwsServicesSettings::new(data_dir, region, account_id);
    if let Some(venv) = venv {
        settings.venv = venv.to_owned();
    }
    settings.enforce_permissions = enforce_permissions;
    let identity_keys_file = settings.data_dir.join(IDENTITY_KEYS_FILE);
    let services = tokio::task::spawn_blocking(move || LocalAwsServices::start(&settings))
        .await
        .map_err(|e| format!("the local AWS services could not start: {e}"))?
        .map_err(|e| e.to_string())?;
    let endpoint = services.endpoint();
    let config = endpoint_config(&endpoint, region, account_id, ACCOUNT_SECRET);
    let outcomes = ensure_resources(&config, &manifest.project_name, &manifest.resources)
        .await
        .map_err(|e| {
            format!(
                "the local AWS services started, but a declared resource could not be made: {e}"
            )
        })?;
    let place = ResourcePlace {
        partition: "aws",
        region,
        account: account_id,
    };
    let resources = manifest
        .resources
        .iter()
        .zip(outcomes)
        .map(|(resource, outcome)| LocalResourceInfo {
            name: outcome.name,
            kind: outcome.kind,
            physical_name: outcome.physical_name,
            arn: resource.arn(place),
            address: outcome.address,
            created: outcome.state == ResourceState::Created,
            existing: outcome.state == ResourceState::Referenced,
            folder: None,
        })
        .collect();
    // Each function acts as an IAM user of its own with its declared permissions, so a call
    // they do not grant is refused as AWS refuses it.
    let function_keys = if enforce_permissions {
        // Owned inputs: a future borrowing the manifest would not be `Send` for every
        // lifetime, which the app's async commands need.
        let mut previous = previous_identity_keys(&identity_keys_file);
        let wanted: Vec<(String, Option<serde_json::Value>, Option<String>)> = manifest
            .functions
            .iter()
            .map(|f| {
                let previous = previous.remove(&f.name);
                (f.name.clone(), local_identity_policy(f), previous)
            })
            .collect();
        let keys: std::collections::BTreeMap<String, (String, String)> =
            futures_util::stream::iter(wanted)
                .map(|(name, policy, previous)| {
                    let config = config.clone();
                    async move {
                        ensure_identity(&config, &name, policy.as_ref(), previous.as_deref())
                            .await
                            .map(|keys| (name, keys))
                    }
                })
                .buffer_unordered(IDENTITY_CONCURRENCY)
                .try_collect()
                .await
                .map_err(|e| {
                    format!("the local AWS services started, but the functions' identities could not be made: {e}")
                })?;
        remember_identity_keys(&identity_keys_file, &keys);
        keys
    } else {
        Default::default()
    };
    tracing::info!(endpoint = %endpoint, pid = services.pid(), enforce_permissions, "local AWS services started");
    Ok(StartedServices {
        access: AwsAccess {
            endpoint: endpoint.clone(),
            enforced: enforce_permissions,
            function_keys,
            account_keys: (account_id.to_owned(), ACCOUNT_SECRET.to_owned()),
        },
        info: AwsServicesInfo {
            endpoint,
            region: region.to_owned(),
            account_id: account_id.to_owned(),
            permissions_enforced: enforce_permissions,
            resources,
        },
        services,
        config,
    })
}

/// Gives every function of `manifest` the permissions it declares now, in running services
/// (`info`'s), without new keys: the next call of a running function is checked against them.
pub(super) async fn refresh_permissions(
    info: &AwsServicesInfo,
    manifest: &Manifest,
) -> Result<(), String> {
    let config = endpoint_config(
        &info.endpoint,
        &info.region,
        &info.account_id,
        ACCOUNT_SECRET,
    );
    let wanted: Vec<(String, Option<serde_json::Value>)> = manifest
        .functions
        .iter()
        .map(|f| (f.name.clone(), local_identity_policy(f)))
        .collect();
    futures_util::stream::iter(wanted)
        .map(|(name, policy)| {
            let config = config.clone();
            async move { set_identity_policy(&config, &name, policy.as_ref()).await }
        })
        .buffer_unordered(IDENTITY_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await
        .map(|_| ())
        .map_err(|e| format!("the local permissions could not be updated: {e}"))
}
