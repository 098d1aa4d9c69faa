//! `storage` triggers as S3 bucket notifications to the stage alias.
//!
//! PutBucketNotificationConfiguration replaces a bucket's whole notification configuration, so
//! a deploy reads it, keeps every entry that is not Functory's for this function (queues,
//! topics, EventBridge, other functions' Lambda entries) exactly as it is, puts this function's
//! entries in, and writes it back. Functory's entries have ids
//! `functory-<project>-<target>-<function>-<n>` (see [`super::names`]);
//! S3 may only invoke the function with a resource-policy statement for the bucket
//! (`functory-s3-<bucket>`: principal s3.amazonaws.com, the bucket as source, the account as
//! source account), added before the notification (S3 checks it) and removed after the
//! notification is gone. The statements are also how a later deploy finds the buckets of
//! triggers the manifest no longer lists.

use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::operation::get_bucket_notification_configuration::GetBucketNotificationConfigurationOutput;
use aws_sdk_s3::types::{
    Event, FilterRule, FilterRuleName, LambdaFunctionConfiguration, NotificationConfiguration,
    NotificationConfigurationFilter, S3KeyFilter,
};
use functory_adapter::{AdapterError, Result};
use functory_core::{Function, Resource, ResourceKind, Trigger};

use super::AwsAdapter;
use super::names::{OwnedNames, arn_qualifier};
use super::resource_policy::ResourceStatement;
use super::role::bounded_name;
use super::schedules::account_of;

/// What a storage trigger without `events` listens to.
pub(crate) const DEFAULT_EVENTS: &str = "s3:ObjectCreated:*";

/// The statement letting S3 invoke the function for `bucket` (bucket names have no `_`, so
/// replacing `.` keeps names apart).
pub(crate) fn statement_id(bucket: &str) -> String {
    format!("functory-s3-{}", bucket.replace('.', "_"))
}

/// The bucket a Functory statement is for, from its source ARN.
fn bucket_of_statement(statement: &ResourceStatement) -> Option<String> {
    if !statement.sid.starts_with("functory-s3-") || statement.principal != "s3.amazonaws.com" {
        return None;
    }
    statement
        .source_arn
        .as_deref()?
        .strip_prefix("arn:")?
        .split_once(":s3:::")
        .map(|(_, bucket)| bucket.to_owned())
}

/// One notification entry of this function, as wanted or as it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Notification {
    pub id: String,
    /// Sorted.
    pub events: Vec<String>,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
}

/// The function's storage triggers on one bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WantedBucket {
    pub bucket: String,
    /// A bucket declared in `[resources]` (not `existing`): the deploy creates it before the
    /// function, so a plan made before it exists finds it missing, not wrong.
    pub declared: bool,
    pub notifications: Vec<Notification>,
}

/// A bucket's configuration as it is: this function's entries, and everything else.
#[derive(Debug, Clone)]
pub(crate) struct ObservedBucket {
    pub bucket: String,
    pub ours: Vec<Notification>,
    /// Whether our entries invoke exactly the stage (false: an old target, to be rewritten).
    pub ours_on_target: bool,
    pub others: NotificationConfiguration,
    pub allowed: bool,
}

/// The base of the ids of a function's entries in `scope` (see [`super::names::naming_scope`]);
/// `-<n>` follows it.
fn id_base(scope: &str, function: &str) -> String {
    bounded_name(&format!("functory-{scope}-{function}"), "", 200)
}

/// The function's storage triggers, grouped by bucket in manifest order, with ids in `scope`;
/// a declared bucket goes by its physical name.
pub(crate) fn wanted(
    scope: &str,
    function: &Function,
    resources: &[Resource],
) -> Vec<WantedBucket> {
    let prefix = format!("{}-", id_base(scope, &function.name));
    let mut buckets: Vec<WantedBucket> = Vec::new();
    let mut n = 0;
    for trigger in &function.triggers {
        let Trigger::Storage {
            bucket,
            prefix: key_prefix,
            suffix,
            events,
        } = trigger
        else {
            continue;
        };
        n += 1;
        let resource = resources
            .iter()
            .find(|r| &r.name == bucket && r.kind == ResourceKind::Bucket);
        let declared = resource.is_some_and(Resource::is_declared_here);
        let bucket = &resource.map_or_else(|| bucket.clone(), Resource::physical_name);
        let mut events = events
            .clone()
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| vec![DEFAULT_EVENTS.to_owned()]);
        events.sort();
        events.dedup();
        let notification = Notification {
            id: format!("{prefix}{n}"),
            events,
            prefix: key_prefix.clone().filter(|p| !p.is_empty()),
            suffix: suffix.clone().filter(|s| !s.is_empty()),
        };
        match buckets.iter_mut().find(|b| &b.bucket == bucket) {
            Some(wanted) => wanted.notifications.push(notification),
            None => buckets.push(WantedBucket {
                bucket: bucket.clone(),
                declared,
                notifications: vec![notification],
            }),
        }
    }
    buckets
}

fn read_notification(config: &LambdaFunctionConfiguration) -> Notification {
    let mut events: Vec<String> = config
        .events()
        .iter()
        .map(|e| e.as_str().to_owned())
        .collect();
    events.sort();
    let rules = config
        .filter()
        .and_then(|f| f.key())
        .map(|k| k.filter_rules())
        .unwrap_or_default();
    let rule = |name: &str| {
        rules
            .iter()
            .find(|r| {
                r.name()
                    .is_some_and(|n| n.as_str().eq_ignore_ascii_case(name))
            })
            .and_then(|r| r.value().map(str::to_owned))
    };
    Notification {
        id: config.id().unwrap_or_default().to_owned(),
        events,
        prefix: rule("prefix"),
        suffix: rule("suffix"),
    }
}

/// A notification entry for S3.
fn lambda_configuration(
    notification: &Notification,
    target: &str,
) -> Result<LambdaFunctionConfiguration> {
    let mut rules = Vec::new();
    for (name, value) in [
        (FilterRuleName::Prefix, &notification.prefix),
        (FilterRuleName::Suffix, &notification.suffix),
    ] {
        if let Some(value) = value {
            rules.push(FilterRule::builder().name(name).value(value).build());
        }
    }
    let filter = (!rules.is_empty()).then(|| {
        NotificationConfigurationFilter::builder()
            .key(S3KeyFilter::builder().set_filter_rules(Some(rules)).build())
            .build()
    });
    LambdaFunctionConfiguration::builder()
        .id(&notification.id)
        .lambda_function_arn(target)
        .set_events(Some(
            notification
                .events
                .iter()
                .map(|e| Event::from(e.as_str()))
                .collect(),
        ))
        .set_filter(filter)
        .build()
        .map_err(|e| AdapterError::invalid(format!("notification `{}`: {e}", notification.id)))
}

/// The bucket's configuration with this function's entries replaced by `ours`.
pub(crate) fn merged(
    observed: &ObservedBucket,
    ours: &[Notification],
    target: &str,
) -> Result<NotificationConfiguration> {
    let mut lambdas = observed.others.lambda_function_configurations().to_vec();
    for notification in ours {
        lambdas.push(lambda_configuration(notification, target)?);
    }
    Ok(NotificationConfiguration::builder()
        .set_topic_configurations(Some(observed.others.topic_configurations().to_vec()))
        .set_queue_configurations(Some(observed.others.queue_configurations().to_vec()))
        .set_lambda_function_configurations(Some(lambdas))
        .set_event_bridge_configuration(observed.others.event_bridge_configuration().cloned())
        .build())
}

/// `arn:P:s3:::BUCKET` in the function's partition.
pub(crate) fn bucket_arn(bucket: &str, function_arn: &str) -> String {
    let (_, partition) = account_of(function_arn);
    format!("arn:{partition}:s3:::{bucket}")
}

impl AwsAdapter {
    /// The buckets of the manifest's storage triggers and of Functory's S3 statements, each
    /// with its configuration split into this function's entries and the rest.
    pub(crate) async fn observe_buckets(
        &self,
        project: &str,
        function: &str,
        stage: Option<&str>,
        wanted: &[WantedBucket],
        statements: &[ResourceStatement],
    ) -> Result<Vec<ObservedBucket>> {
        let mut buckets: Vec<String> = wanted.iter().map(|w| w.bucket.clone()).collect();
        for bucket in statements.iter().filter_map(bucket_of_statement) {
            if !buckets.contains(&bucket) {
                buckets.push(bucket);
            }
        }
        let owned = OwnedNames::new(project, stage, function, |scope| id_base(scope, function));
        let owned = &owned;
        let reads = buckets.iter().map(|bucket| async move {
            let wanted_here = wanted.iter().find(|w| &w.bucket == bucket);
            let config = match self.bucket_notifications(bucket).await {
                Ok(config) => config,
                // A bucket deleted since its trigger left the manifest holds no notification;
                // only S3's permission is left to remove. A declared bucket not made yet has
                // none either.
                Err(AdapterError::NotFound { .. })
                    if wanted_here.is_none_or(|w| w.declared) =>
                {
                    GetBucketNotificationConfigurationOutput::builder().build()
                }
                Err(AdapterError::NotFound { .. }) => {
                    return Err(AdapterError::not_found(format!(
                        "bucket `{bucket}` of a storage trigger of `{function}` (create it first, in this account and region)"
                    )));
                }
                Err(other) => return Err(other),
            };
            let mut ours = Vec::new();
            let mut ours_on_target = true;
            let mut others = Vec::new();
            for entry in config.lambda_function_configurations() {
                let own = entry
                    .id()
                    .is_some_and(|id| owned.owns(id, entry.lambda_function_arn()));
                if own {
                    ours_on_target &= arn_qualifier(entry.lambda_function_arn()) == stage;
                    ours.push(read_notification(entry));
                } else {
                    others.push(entry.clone());
                }
            }
            Ok::<_, AdapterError>(ObservedBucket {
                bucket: bucket.clone(),
                ours,
                ours_on_target,
                others: NotificationConfiguration::builder()
                    .set_topic_configurations(Some(config.topic_configurations().to_vec()))
                    .set_queue_configurations(Some(config.queue_configurations().to_vec()))
                    .set_lambda_function_configurations(Some(others))
                    .set_event_bridge_configuration(config.event_bridge_configuration().cloned())
                    .build(),
                allowed: statements.iter().any(|s| s.sid == statement_id(bucket)),
            })
        });
        futures_util::future::try_join_all(reads).await
    }

    /// A bucket's notification configuration.
    pub(crate) async fn bucket_notifications(
        &self,
        bucket: &str,
    ) -> Result<GetBucketNotificationConfigurationOutput> {
        match self
            .s3
            .get_bucket_notification_configuration()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(config) => Ok(config),
            // moto answers a bucket without notifications with an empty
            // `<GetBucketNotificationResponse/>` where S3 answers `<NotificationConfiguration/>`;
            // the SDK refuses the other root element. An empty 200 answer is no notification.
            Err(SdkError::ServiceError(service))
                if service.raw().status().as_u16() == 200
                    && service.raw().body().bytes().is_some_and(|body| {
                        let text = String::from_utf8_lossy(body);
                        text.contains("GetBucketNotificationResponse") && !text.contains("<Error")
                    }) =>
            {
                Ok(GetBucketNotificationConfigurationOutput::builder().build())
            }
            Err(error) => Err(self.failure(
                &error,
                &format!("S3 GetBucketNotificationConfiguration of `{bucket}`"),
            )),
        }
    }

    /// Lets S3 invoke the function (stage) for events of `bucket` in this account only.
    pub(crate) async fn allow_bucket(
        &self,
        name: &str,
        stage: Option<&str>,
        bucket: &str,
        function_arn: &str,
    ) -> Result<()> {
        let (account, _) = account_of(function_arn);
        self.lambda
            .add_permission()
            .function_name(name)
            .set_qualifier(stage.map(str::to_owned))
            .statement_id(statement_id(bucket))
            .action("lambda:InvokeFunction")
            .principal("s3.amazonaws.com")
            .source_arn(bucket_arn(bucket, function_arn))
            .source_account(account)
            .send()
            .await
            .map_err(|e| {
                self.failure(
                    &e,
                    &format!("Lambda AddPermission (S3 bucket `{bucket}`) on `{name}`"),
                )
            })?;
        Ok(())
    }

    pub(crate) async fn put_notifications(
        &self,
        bucket: &str,
        configuration: NotificationConfiguration,
    ) -> Result<()> {
        self.s3
            .put_bucket_notification_configuration()
            .bucket(bucket)
            .notification_configuration(configuration)
            .send()
            .await
            .map_err(|e| {
                self.failure(
                    &e,
                    &format!("S3 PutBucketNotificationConfiguration of `{bucket}`"),
                )
            })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(triggers: Vec<Trigger>) -> Function {
        Function {
            name: "resize".into(),
            runtime: "nodejs20.x".into(),
            handler: "index.handler".into(),
            code_dir: ".".into(),
            handler_file: None,
            memory_mb: 128,
            timeout_s: 3,
            environment: vec![],
            triggers,
            permissions: vec![],
        }
    }

    #[test]
    fn triggers_group_by_bucket_with_numbered_ids_and_default_events() {
        let wanted = wanted(
            "thumbs",
            &function(vec![
                Trigger::Storage {
                    bucket: "uploads".into(),
                    prefix: None,
                    suffix: Some(".jpg".into()),
                    events: None,
                },
                Trigger::Queue {
                    queue: "q".into(),
                    batch_size: None,
                },
                Trigger::Storage {
                    bucket: "uploads".into(),
                    prefix: Some("raw/".into()),
                    suffix: None,
                    events: Some(vec![
                        "s3:ObjectRemoved:*".into(),
                        "s3:ObjectCreated:Put".into(),
                    ]),
                },
                Trigger::Storage {
                    bucket: "other.example".into(),
                    prefix: Some(String::new()),
                    suffix: None,
                    events: Some(vec![]),
                },
            ]),
            &[],
        );
        assert_eq!(wanted.len(), 2);
        assert_eq!(wanted[0].bucket, "uploads");
        assert_eq!(
            wanted[0].notifications[0],
            Notification {
                id: "functory-thumbs-resize-1".into(),
                events: vec!["s3:ObjectCreated:*".into()],
                prefix: None,
                suffix: Some(".jpg".into()),
            }
        );
        assert_eq!(
            wanted[0].notifications[1].events,
            ["s3:ObjectCreated:Put", "s3:ObjectRemoved:*"]
        );
        assert_eq!(wanted[1].notifications[0].id, "functory-thumbs-resize-3");
        assert_eq!(wanted[1].notifications[0].prefix, None);
        assert_eq!(statement_id("other.example"), "functory-s3-other_example");
    }

    #[test]
    fn statements_name_their_bucket() {
        let statement = ResourceStatement {
            sid: "functory-s3-uploads".into(),
            principal: "s3.amazonaws.com".into(),
            actions: vec!["lambda:InvokeFunction".into()],
            source_arn: Some("arn:aws:s3:::uploads".into()),
            url_auth_type: None,
        };
        assert_eq!(bucket_of_statement(&statement).as_deref(), Some("uploads"));
        let someone_elses = ResourceStatement {
            sid: "s3-invoke".into(),
            ..statement
        };
        assert_eq!(bucket_of_statement(&someone_elses), None);
    }
}
