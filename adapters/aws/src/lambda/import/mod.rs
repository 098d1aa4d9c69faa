//! Reading a function back from AWS in the manifest's terms, for `functory import aws` and the
//! Deploy view's "Import from AWS": its configuration, the triggers that can be discovered
//! from AWS (the function URL, event source mappings, S3 notifications found through the
//! resource policy's S3 statements, Scheduler schedules that invoke it), the resource policy's
//! other statements (reported, not imported), and its role's policies (inline and customer
//! managed, as `permissions`; AWS managed ones listed as not imported). Everything that has
//! no place in functory.toml becomes an [`ImportNote`] saying why.
//!
//! Environment values stay [`Sensitive`] here: the caller decides which are secrets before
//! anything is written. The code's download address is a presigned URL (it carries a
//! signature), so it is sensitive too.

mod triggers;

mod permissions;

use aws_sdk_lambda::types::PackageType;
use functory_adapter::{AdapterError, Result};
use functory_core::{Cors, Permission, Trigger, UrlAuth};
use functory_vault::Sensitive;

use super::AwsAdapter;
use super::mappings::mapping_target;
use super::resource_policy::strings;
use super::role::read_policy_document;
use super::schedules::arn_names_function;
use super::storage::DEFAULT_EVENTS;
use super::url::{PUBLIC_INVOKE_SID, PUBLIC_URL_SID};

/// One item of a function read for import: what it became, or why it did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportNote {
    /// What the item is (`trigger url`, `environment API_TOKEN`, `policy AWSLambdaBasicExecutionRole`).
    pub subject: String,
    pub message: String,
    pub imported: bool,
}

/// A trigger found in AWS, and what it was found as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedTrigger {
    pub trigger: Trigger,
    /// "public function URL (auth NONE)", "EventBridge Scheduler schedule nightly", …
    pub found_as: String,
}

/// A function as AWS has it, in the manifest's terms.
#[derive(Debug)]
pub struct ImportedFunction {
    pub name: String,
    pub runtime: String,
    pub handler: String,
    pub memory_mb: u32,
    pub timeout_s: u32,
    /// Every variable; the caller leaves out what looks secret.
    pub environment: Vec<(String, Sensitive<String>)>,
    pub triggers: Vec<ImportedTrigger>,
    pub permissions: Vec<Permission>,
    /// Where the deployed zip can be downloaded (a presigned URL, valid for minutes).
    pub code_location: Option<Sensitive<String>>,
    pub notes: Vec<ImportNote>,
    /// The stage alias the triggers were read from (`None`: the function itself).
    pub qualifier: Option<String>,
}

impl ImportedFunction {
    fn trigger(&mut self, trigger: Trigger, found_as: impl Into<String>) {
        self.triggers.push(ImportedTrigger {
            trigger,
            found_as: found_as.into(),
        });
    }

    fn note(&mut self, subject: impl Into<String>, message: impl Into<String>, imported: bool) {
        self.notes.push(ImportNote {
            subject: subject.into(),
            message: message.into(),
            imported,
        });
    }
}

/// A queue or Kinesis stream by name when it is in the function's account and region, else by
/// ARN (as the manifest accepts both).
fn source_name(source_arn: &str, function_arn: &str) -> String {
    let source: Vec<&str> = source_arn.split(':').collect();
    let function: Vec<&str> = function_arn.split(':').collect();
    let same_place = source.len() >= 6
        && function.len() >= 5
        && source[3] == function[3]
        && source[4] == function[4];
    if !same_place {
        return source_arn.to_owned();
    }
    match source[2] {
        "sqs" => source[5].to_owned(),
        "kinesis" => source[5]
            .strip_prefix("stream/")
            .unwrap_or(source_arn)
            .to_owned(),
        _ => source_arn.to_owned(),
    }
}

/// The API id of an `execute-api` ARN (`arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/…`).
fn execute_api_id(source_arn: &str) -> Option<String> {
    let mut parts = source_arn.splitn(6, ':');
    let (arn, _, service) = (parts.next()?, parts.next()?, parts.next()?);
    if arn != "arn" || service != "execute-api" {
        return None;
    }
    let resource = parts.nth(2)?;
    let id = resource.split('/').next()?;
    (!id.is_empty()).then(|| id.to_owned())
}

/// Whether an integration's URI invokes function `name`: the function's ARN (or an alias's),
/// or the `arn:aws:apigateway:REGION:lambda:path/…/functions/ARN/invocations` form.
fn integration_invokes(uri: &str, name: &str) -> bool {
    let arn = match uri.find("/functions/") {
        Some(at) => uri[at + "/functions/".len()..].trim_end_matches("/invocations"),
        None => uri,
    };
    arn_names_function(arn, name)
}

impl AwsAdapter {
    /// Reads `name` for import; triggers from the `stage` alias when it exists, else from the
    /// function itself.
    pub async fn read_for_import(
        &self,
        name: &str,
        stage: Option<&str>,
    ) -> Result<ImportedFunction> {
        let found = self
            .lambda
            .get_function()
            .function_name(name)
            .send()
            .await
            .map_err(|e| {
                super::not_found_as(
                    self.failure(&e, &format!("Lambda GetFunction `{name}`")),
                    name,
                )
            })?;
        let Some(config) = found.configuration() else {
            return Err(AdapterError::not_found(format!("function `{name}`")));
        };
        if config.package_type() == Some(&PackageType::Image) {
            return Err(AdapterError::invalid(format!(
                "function `{name}` is a container image: Functory imports zip functions only"
            )));
        }
        let Some(runtime) = config.runtime().map(|r| r.as_str().to_owned()) else {
            return Err(AdapterError::invalid(format!(
                "function `{name}` has no runtime: Functory imports zip functions with a managed runtime"
            )));
        };
        let function_arn = config.function_arn().unwrap_or_default().to_owned();
        let qualifier = match stage {
            Some(stage) if self.alias_version(name, stage).await?.is_some() => {
                Some(stage.to_owned())
            }
            _ => None,
        };
        let mut imported = ImportedFunction {
            name: name.to_owned(),
            runtime,
            handler: config.handler().unwrap_or_default().to_owned(),
            memory_mb: config
                .memory_size()
                .and_then(|m| u32::try_from(m).ok())
                .unwrap_or(128),
            timeout_s: config
                .timeout()
                .and_then(|t| u32::try_from(t).ok())
                .unwrap_or(3),
            environment: config
                .environment()
                .and_then(|e| e.variables())
                .map(|vars| {
                    let mut vars: Vec<(String, Sensitive<String>)> = vars
                        .iter()
                        .map(|(k, v)| (k.clone(), Sensitive::new(v.clone())))
                        .collect();
                    vars.sort_by(|a, b| a.0.cmp(&b.0));
                    vars
                })
                .unwrap_or_default(),
            triggers: Vec::new(),
            permissions: Vec::new(),
            code_location: found
                .code()
                .and_then(|c| c.location())
                .map(|l| Sensitive::new(l.to_owned())),
            notes: Vec::new(),
            qualifier: qualifier.clone(),
        };
        imported.note(
            "configuration",
            format!(
                "{} {}, {} MB, {} s",
                imported.runtime, imported.handler, imported.memory_mb, imported.timeout_s
            ),
            true,
        );
        for layer in config.layers() {
            imported.note(
                format!("layer {}", layer.arn().unwrap_or_default()),
                "functory.toml has no layers; put the layer's files in the function's folder",
                false,
            );
        }
        if config.architectures().iter().any(|a| a.as_str() == "arm64") {
            imported.note("architecture arm64", "Functory deploys x86_64", false);
        }
        if config
            .vpc_config()
            .is_some_and(|v| !v.subnet_ids().is_empty())
        {
            imported.note("VPC", "functory.toml has no VPC settings", false);
        }
        if config
            .dead_letter_config()
            .and_then(|d| d.target_arn())
            .is_some()
        {
            imported.note(
                "dead-letter queue",
                "functory.toml has no dead-letter settings",
                false,
            );
        }
        if let Some(tags) = found.tags()
            && let Some(project) = tags.get("functory:project")
        {
            imported.note(
                "tag functory:project",
                format!("deployed by Functory project `{project}`"),
                true,
            );
        }

        let (url, statements, mappings, schedules) = tokio::try_join!(
            self.observe_url(name, qualifier.as_deref()),
            self.observe_resource_policy(name, qualifier.as_deref()),
            self.observe_all_mappings(name, qualifier.as_deref()),
            self.schedules_invoking(name),
        )?;

        // The function URL, and the statements that make it public.
        let mut accounted: Vec<String> = Vec::new();
        if let Some(url) = url {
            let cors = url.cors.map(|c| c.to_manifest());
            imported.trigger(
                Trigger::Url {
                    auth: if url.public {
                        UrlAuth::None
                    } else {
                        UrlAuth::Iam
                    },
                    cors,
                },
                if url.public {
                    "public function URL (auth NONE)"
                } else {
                    "function URL with signed requests (AWS_IAM)"
                },
            );
            for s in &statements {
                let url_statement = s.sid == PUBLIC_URL_SID
                    || s.sid == PUBLIC_INVOKE_SID
                    || s.url_auth_type.is_some()
                    || (url.public
                        && s.principal == "*"
                        && s.actions.iter().any(|a| a == "lambda:InvokeFunction"));
                if url_statement {
                    accounted.push(s.sid.clone());
                }
            }
        }

        // Queues and streams.
        for mapping in mappings {
            let Some(source) = mapping.event_source_arn() else {
                continue;
            };
            let batch = mapping.batch_size();
            if source.contains(":sqs:") {
                imported.trigger(
                    Trigger::Queue {
                        queue: source_name(source, &function_arn),
                        batch_size: batch
                            .filter(|b| *b != 10)
                            .and_then(|b| u32::try_from(b).ok()),
                    },
                    format!("event source mapping from {source}"),
                );
            } else if source.contains(":kinesis:") || source.contains(":dynamodb:") {
                let position = mapping
                    .starting_position()
                    .map(|p| p.as_str().to_owned())
                    .filter(|p| p != "LATEST");
                imported.trigger(
                    Trigger::Stream {
                        stream: source_name(source, &function_arn),
                        batch_size: batch
                            .filter(|b| *b != 100)
                            .and_then(|b| u32::try_from(b).ok()),
                        starting_position: position,
                    },
                    format!("event source mapping from {source}"),
                );
            } else {
                imported.note(
                    format!("event source {source}"),
                    "functory.toml has queue (SQS) and stream (Kinesis, DynamoDB) triggers only",
                    false,
                );
            }
        }

        // S3 notifications, from the buckets the resource policy lets invoke the function.
        let mut buckets: Vec<(String, String)> = Vec::new();
        for s in statements
            .iter()
            .filter(|s| s.principal == "s3.amazonaws.com")
        {
            if let Some(bucket) = s
                .source_arn
                .as_deref()
                .and_then(|arn| arn.split_once(":s3:::"))
                .map(|(_, b)| b.to_owned())
                && !buckets.iter().any(|(b, _)| *b == bucket)
            {
                buckets.push((bucket, s.sid.clone()));
            }
        }
        for (bucket, sid) in buckets {
            accounted.push(sid);
            let config = match self.bucket_notifications(&bucket).await {
                Ok(config) => config,
                Err(why) => {
                    imported.note(
                        format!("bucket {bucket}"),
                        format!("may invoke the function, but its notifications could not be read: {why}"),
                        false,
                    );
                    continue;
                }
            };
            let mut entries: Vec<_> = config
                .lambda_function_configurations()
                .iter()
                .filter(|c| arn_names_function(c.lambda_function_arn(), name))
                .collect();
            // Functory's ids end in the trigger's place; others keep the bucket's order.
            entries.sort_by_key(|c| {
                c.id()
                    .and_then(|id| id.rsplit('-').next())
                    .and_then(|n| n.parse::<u32>().ok())
                    .unwrap_or(u32::MAX)
            });
            if entries.is_empty() {
                imported.note(
                    format!("bucket {bucket}"),
                    "may invoke the function but sends it no notification",
                    false,
                );
            }
            for entry in entries {
                let mut events: Vec<String> = entry
                    .events()
                    .iter()
                    .map(|e| e.as_str().to_owned())
                    .collect();
                events.sort();
                let rules = entry
                    .filter()
                    .and_then(|f| f.key())
                    .map(|k| k.filter_rules())
                    .unwrap_or_default();
                let rule = |wanted: &str| {
                    rules
                        .iter()
                        .find(|r| {
                            r.name()
                                .is_some_and(|n| n.as_str().eq_ignore_ascii_case(wanted))
                        })
                        .and_then(|r| r.value().map(str::to_owned))
                };
                imported.trigger(
                    Trigger::Storage {
                        bucket: bucket.clone(),
                        prefix: rule("prefix"),
                        suffix: rule("suffix"),
                        events: (events != [DEFAULT_EVENTS]).then_some(events),
                    },
                    format!(
                        "notification {} of bucket {bucket}",
                        entry.id().unwrap_or("(no id)")
                    ),
                );
            }
        }

        // Scheduler schedules that invoke it.
        for (schedule_name, expression, timezone, enabled) in schedules {
            if !enabled {
                imported.note(
                    format!("schedule {schedule_name}"),
                    "the schedule is disabled",
                    false,
                );
                continue;
            }
            imported.trigger(
                Trigger::Schedule {
                    expression,
                    timezone: timezone.filter(|tz| tz != "UTC"),
                },
                format!("EventBridge Scheduler schedule {schedule_name}"),
            );
        }

        // HTTP APIs whose routes invoke it, from the statements that let API Gateway call it.
        let mut apis: Vec<String> = Vec::new();
        for s in statements
            .iter()
            .filter(|s| s.principal == "apigateway.amazonaws.com")
        {
            if let Some(api) = s.source_arn.as_deref().and_then(execute_api_id)
                && !apis.contains(&api)
            {
                accounted.push(s.sid.clone());
                apis.push(api);
            }
        }
        for api in apis {
            self.read_api_routes(&api, name, &mut imported).await?;
        }

        // What else may invoke it: reported, not imported.
        for s in statements.iter().filter(|s| !accounted.contains(&s.sid)) {
            let subject = format!("resource policy statement {}", s.sid);
            let message = match s.principal.as_str() {
                "events.amazonaws.com" => format!(
                    "EventBridge rule {} invokes the function; Functory deploys schedules with EventBridge Scheduler (add a `schedule` trigger with the rule's expression)",
                    s.source_arn.as_deref().unwrap_or("(any)")
                ),
                "apigateway.amazonaws.com" => format!(
                    "API Gateway may invoke the function from {}, which names no API whose routes could be read; add `http` triggers for its routes",
                    s.source_arn.as_deref().unwrap_or("any API")
                ),
                principal => format!(
                    "{principal} may call {} (functory.toml has no resource-policy statements)",
                    s.actions.join(", ")
                ),
            };
            imported.note(subject, message, false);
        }

        // The role's policies.
        let role = config.role().unwrap_or_default();
        let role_name = role.rsplit('/').next().unwrap_or(role).to_owned();
        if !role_name.is_empty() {
            self.read_role_permissions(&role_name, &mut imported)
                .await?;
        }
        Ok(imported)
    }

    /// Downloads the function's zip from its GetFunction `Code.Location`. With a custom
    /// endpoint (an emulator), a location outside that endpoint is not fetched: it would be
    /// the real S3, which the emulator's presigned URL cannot open.
    pub async fn download_code(&self, location: &Sensitive<String>) -> Result<Vec<u8>> {
        let url = location.expose();
        let host = |u: &str| -> Option<String> {
            let rest = u.split_once("://")?.1;
            Some(rest.split(['/', '?']).next()?.to_owned())
        };
        if let Some(endpoint) = &self.context.endpoint
            && host(url) != host(endpoint)
        {
            return Err(AdapterError::invalid(format!(
                "the code is stored at {}, outside the endpoint {endpoint} this target uses, so it is not fetched; copy the function's files into its folder",
                host(url).unwrap_or_default()
            )));
        }
        // Never the URL itself in messages: its query string is a signature.
        let shown = host(url).unwrap_or_default();
        let response = reqwest::Client::new()
            .get(url)
            .timeout(std::time::Duration::from_secs(300))
            .send()
            .await
            .map_err(|e| {
                AdapterError::provider(
                    functory_core::AdapterKind::Aws,
                    format!(
                        "downloading the code from {shown} failed: {}",
                        e.without_url()
                    ),
                )
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(AdapterError::provider(
                functory_core::AdapterKind::Aws,
                format!(
                    "downloading the code from {shown} answered HTTP {}: the link expires after 10 minutes, try the import again",
                    status.as_u16()
                ),
            ));
        }
        let bytes = response.bytes().await.map_err(|e| {
            AdapterError::provider(
                functory_core::AdapterKind::Aws,
                format!(
                    "downloading the code from {shown} stopped: {}",
                    e.without_url()
                ),
            )
        })?;
        Ok(bytes.to_vec())
    }
}

impl super::url::NormalCors {
    pub(crate) fn to_manifest(&self) -> Cors {
        Cors {
            allow_origins: self.allow_origins.clone(),
            allow_methods: self.allow_methods.clone(),
            allow_headers: self.allow_headers.clone(),
            expose_headers: self.expose_headers.clone(),
            allow_credentials: self.allow_credentials,
            max_age: self.max_age.and_then(|a| u32::try_from(a).ok()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::permissions::permissions_of;
    use super::*;
    use functory_core::PermissionEffect;
    use serde_json::json;

    #[test]
    fn an_execute_api_arn_names_its_api() {
        for (arn, api) in [
            (
                "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/*/*",
                Some("a1b2c3"),
            ),
            (
                "arn:aws:execute-api:eu-west-1:123456789012:xyz/prod/GET/orders/{id}",
                Some("xyz"),
            ),
            (
                "arn:aws-cn:execute-api:cn-north-1:123456789012:k9/*",
                Some("k9"),
            ),
            ("arn:aws:execute-api:us-east-1:123456789012:", None),
            ("arn:aws:s3:::uploads", None),
            ("not an arn", None),
        ] {
            assert_eq!(execute_api_id(arn).as_deref(), api, "{arn}");
        }
    }

    #[test]
    fn an_integration_invokes_the_function_its_uri_names() {
        let plain = "arn:aws:lambda:us-east-1:123456789012:function:orders";
        let alias = "arn:aws:lambda:us-east-1:123456789012:function:orders:prod";
        let path = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:orders:prod/invocations";
        for uri in [plain, alias, path] {
            assert!(integration_invokes(uri, "orders"), "{uri}");
            assert!(!integration_invokes(uri, "order"), "{uri}");
        }
        assert!(!integration_invokes("https://example.com/orders", "orders"));
    }

    #[test]
    fn sources_in_the_same_place_go_by_name() {
        let function = "arn:aws:lambda:us-east-1:123456789012:function:f:prod";
        assert_eq!(
            source_name("arn:aws:sqs:us-east-1:123456789012:orders", function),
            "orders"
        );
        assert_eq!(
            source_name("arn:aws:sqs:eu-west-1:123456789012:orders", function),
            "arn:aws:sqs:eu-west-1:123456789012:orders"
        );
        assert_eq!(
            source_name(
                "arn:aws:kinesis:us-east-1:123456789012:stream/clicks",
                function
            ),
            "clicks"
        );
        let table = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024";
        assert_eq!(source_name(table, function), table);
    }

    #[test]
    fn statements_become_permissions_or_say_why_not() {
        let document = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
            {"Sid": "NoDelete", "Effect": "Deny", "Action": ["s3:DeleteObject"], "Resource": ["*"]},
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
        ]});
        let read = permissions_of(&document);
        assert_eq!(read.len(), 4);
        assert_eq!(
            read[0].1,
            Ok(Permission {
                effect: PermissionEffect::Allow,
                actions: vec!["s3:GetObject".into()],
                resources: vec!["arn:aws:s3:::b/*".into()],
            })
        );
        assert_eq!(read[1].0.as_deref(), Some("NoDelete"));
        assert_eq!(
            read[1].1.as_ref().map(|p| p.effect),
            Ok(PermissionEffect::Deny)
        );
        assert!(read[2].1.as_ref().is_err_and(|e| e.contains("Condition")));
        assert!(read[3].1.as_ref().is_err_and(|e| e.contains("NotAction")));
    }
}
