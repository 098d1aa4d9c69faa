//! What each trigger needs on AWS to reach its function, and who grants it: the one answer the
//! AWS deploy writes, the analyzer counts as granted, and the trigger designer draws on each
//! edge (over IPC).
//!
//! Two sides, as in Lambda's permission model ("Lambda resource-based policies" and "Lambda
//! execution role" in the Lambda developer guide):
//! - **invoke**: a service calls the function (S3, API Gateway, EventBridge Scheduler, a URL's
//!   callers). Functory's deploy writes that grant: a statement of the function's resource
//!   policy, or for schedules the Scheduler role it creates.
//! - **role**: Lambda itself polls a queue or stream with the function's execution role (an
//!   event source mapping). Functory's deploy adds that statement to the role it manages, as
//!   SAM's `SQSPollerPolicy`-style event sources do, so the manifest does not have to.
//!
//! Nothing here is the user's to grant: a function's `permissions` are for what its code calls.

use serde::Serialize;
use ts_rs::TS;

use crate::manifest::{Trigger, UrlAuth};

/// The partition, region and account that ARNs are written in; `None` is "not known yet"
/// (written `*`, which `iam::resource_covers` reads as any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnScope {
    pub partition: String,
    pub region: Option<String>,
    pub account: Option<String>,
    /// The project's declared resources: a trigger naming one reads as that resource (a
    /// `stream` naming a table is its DynamoDB stream, a FIFO queue's name ends in `.fifo`).
    pub resources: Vec<crate::Resource>,
}

impl Default for ArnScope {
    fn default() -> Self {
        ArnScope {
            partition: "aws".to_owned(),
            region: None,
            account: None,
            resources: Vec::new(),
        }
    }
}

impl ArnScope {
    /// Region and account not known yet, with the project's declared resources.
    pub fn with_resources(resources: &[crate::Resource]) -> ArnScope {
        ArnScope {
            resources: resources.to_vec(),
            ..ArnScope::default()
        }
    }

    /// The declared resource of `kind` called `name` (not an `existing` ARN's own name).
    fn declared(&self, name: &str, kind: crate::ResourceKind) -> Option<&crate::Resource> {
        self.resources
            .iter()
            .find(|r| r.name == name && r.kind == kind)
    }

    /// The ARN of a declared resource, in this scope.
    fn declared_arn(&self, resource: &crate::Resource) -> String {
        resource.arn(crate::manifest::ResourcePlace {
            partition: &self.partition,
            region: self.region(),
            account: self.account(),
        })
    }

    /// Whether `stream` is a DynamoDB table's stream: a stream ARN of DynamoDB, or a declared
    /// table's name.
    pub fn is_dynamodb_stream(&self, stream: &str) -> bool {
        is_dynamodb_stream(stream) || self.declared(stream, crate::ResourceKind::Table).is_some()
    }

    fn region(&self) -> &str {
        self.region.as_deref().unwrap_or("*")
    }

    fn account(&self) -> &str {
        self.account.as_deref().unwrap_or("*")
    }

    /// A topic's ARN from its name or ARN.
    pub fn topic_arn(&self, topic: &str) -> String {
        if topic.starts_with("arn:") {
            return topic.to_owned();
        }
        if let Some(resource) = self.declared(topic, crate::ResourceKind::Topic) {
            return self.declared_arn(resource);
        }
        format!(
            "arn:{}:sns:{}:{}:{topic}",
            self.partition,
            self.region(),
            self.account()
        )
    }

    /// The ARN pattern of the rules Functory makes for a function's `event` triggers on `bus`.
    pub fn rule_arn(&self, bus: Option<&str>, function: &str) -> String {
        let bus = bus
            .map(|b| b.rsplit('/').next().unwrap_or(b))
            .filter(|b| *b != "default");
        format!(
            "arn:{}:events:{}:{}:rule/{}functory-{function}-*",
            self.partition,
            self.region(),
            self.account(),
            bus.map(|b| format!("{b}/")).unwrap_or_default()
        )
    }

    /// A queue's ARN from its name or ARN.
    pub fn queue_arn(&self, queue: &str) -> String {
        if queue.starts_with("arn:") {
            return queue.to_owned();
        }
        if let Some(resource) = self.declared(queue, crate::ResourceKind::Queue) {
            return self.declared_arn(resource);
        }
        // A queue URL (`https://sqs.…/123456789012/orders`) names the queue last.
        let name = queue
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(queue);
        format!(
            "arn:{}:sqs:{}:{}:{name}",
            self.partition,
            self.region(),
            self.account()
        )
    }

    /// A stream's ARN from a Kinesis stream name or any stream ARN.
    pub fn stream_arn(&self, stream: &str) -> String {
        if stream.starts_with("arn:") {
            return stream.to_owned();
        }
        if let Some(table) = self.declared(stream, crate::ResourceKind::Table) {
            // The stream's label is known only once the table exists.
            return format!("{}/stream/*", self.declared_arn(table));
        }
        format!(
            "arn:{}:kinesis:{}:{}:stream/{stream}",
            self.partition,
            self.region(),
            self.account()
        )
    }

    pub fn bucket_arn(&self, bucket: &str) -> String {
        if let Some(resource) = self.declared(bucket, crate::ResourceKind::Bucket) {
            return self.declared_arn(resource);
        }
        format!("arn:{}:s3:::{bucket}", self.partition)
    }
}

/// How the invoke side is granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum InvokeGrantKind {
    /// A statement of the function's resource policy, written by the deploy.
    ResourcePolicy,
    /// A role the service assumes (EventBridge Scheduler's), created by the deploy.
    ServiceRole,
    /// The callers' own identity policies (an IAM-authenticated function URL): nothing is
    /// written for them.
    CallerIdentity,
}

/// Who may invoke the function for a trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InvokeGrant {
    pub kind: InvokeGrantKind,
    /// `s3.amazonaws.com`, `apigateway.amazonaws.com`, `scheduler.amazonaws.com`, `*`, …
    pub principal: String,
    pub actions: Vec<String>,
    /// The `AWS:SourceArn` the grant is limited to, when there is one.
    pub source_arn: Option<String>,
    /// A condition besides the source, in words (`lambda:FunctionUrlAuthType = NONE`).
    pub condition: Option<String>,
}

/// A statement the function's execution role needs for a trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RoleGrant {
    /// The `Sid` of the statement the deploy writes (one per kind of source).
    pub sid: String,
    pub actions: Vec<String>,
    pub resource: String,
}

/// What a trigger needs, in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TriggerNeeds {
    /// A short label for the canvas edge.
    pub label: String,
    /// The whole story in a sentence: who may do what, and who writes it.
    pub detail: String,
    pub invoke: Option<InvokeGrant>,
    pub role: Option<RoleGrant>,
    /// Worth a look although allowed (a public function URL).
    pub warning: Option<String>,
}

const INVOKE: &str = "lambda:InvokeFunction";
/// What Lambda's event source mapping needs to poll a queue (the actions of the
/// `AWSLambdaSQSQueueExecutionRole` managed policy, without its logging).
pub const QUEUE_POLL_ACTIONS: &[&str] = &[
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
];
/// What it needs to read a Kinesis stream's shards.
pub const KINESIS_READ_ACTIONS: &[&str] = &[
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
];
/// What it needs to read a DynamoDB table's stream.
pub const DYNAMODB_STREAM_READ_ACTIONS: &[&str] = &[
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
];

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Whether a stream ARN is a DynamoDB table's stream (else a Kinesis stream).
/// A Kinesis stream's name from what a `stream` trigger or an ARN gives: the name itself, or
/// the part after `stream/` of an ARN (`…:stream/clicks/consumer/app:1` → `clicks`); the inverse
/// of [`ArnScope::stream_arn`].
pub fn kinesis_stream_name(stream: &str) -> &str {
    match stream.split_once(":stream/") {
        Some((_, rest)) => rest.split('/').next().unwrap_or(rest),
        None => stream,
    }
}

pub fn is_dynamodb_stream(stream: &str) -> bool {
    stream.starts_with("arn:") && stream.contains(":dynamodb:")
}

/// What `trigger` of function `function` needs on AWS, with ARNs in `scope`.
pub fn trigger_needs(function: &str, trigger: &Trigger, scope: &ArnScope) -> TriggerNeeds {
    let function_arn = format!(
        "arn:{}:lambda:{}:{}:function:{function}",
        scope.partition,
        scope.region(),
        scope.account()
    );
    let resource_policy = |principal: &str, source_arn: Option<String>| InvokeGrant {
        kind: InvokeGrantKind::ResourcePolicy,
        principal: principal.to_owned(),
        actions: vec![INVOKE.to_owned()],
        source_arn,
        condition: None,
    };
    match trigger {
        Trigger::Storage { bucket, .. } => {
            let source = scope.bucket_arn(bucket);
            TriggerNeeds {
                label: "s3.amazonaws.com may invoke".to_owned(),
                detail: format!(
                    "The function's resource policy lets s3.amazonaws.com call lambda:InvokeFunction for {source} (the bucket's account as source account); the deploy writes it with the bucket's notification."
                ),
                invoke: Some(resource_policy("s3.amazonaws.com", Some(source))),
                role: None,
                warning: None,
            }
        }
        Trigger::Schedule { .. } => TriggerNeeds {
            label: "EventBridge Scheduler may invoke".to_owned(),
            detail: format!(
                "EventBridge Scheduler assumes a role the deploy creates for this function's schedules, which allows lambda:InvokeFunction on {function_arn}."
            ),
            invoke: Some(InvokeGrant {
                kind: InvokeGrantKind::ServiceRole,
                principal: "scheduler.amazonaws.com".to_owned(),
                actions: vec![INVOKE.to_owned()],
                source_arn: None,
                condition: None,
            }),
            role: None,
            warning: None,
        },
        Trigger::Http { method, path, .. } => {
            let method = method.to_ascii_uppercase();
            let source = format!(
                "arn:{}:execute-api:{}:{}:*/*/{}",
                scope.partition,
                scope.region(),
                scope.account(),
                route_source_part(&method, path)
            );
            TriggerNeeds {
                label: "apigateway.amazonaws.com may invoke".to_owned(),
                detail: format!(
                    "The function's resource policy lets apigateway.amazonaws.com call lambda:InvokeFunction for the route {method} {path} of the project's HTTP API ({source}); the deploy writes it with the route."
                ),
                invoke: Some(resource_policy("apigateway.amazonaws.com", Some(source))),
                role: None,
                warning: None,
            }
        }
        Trigger::Url {
            auth: UrlAuth::None,
            ..
        } => TriggerNeeds {
            label: "anyone may invoke (auth NONE)".to_owned(),
            detail: "The function's resource policy lets anyone (principal *) call lambda:InvokeFunctionUrl, on the condition lambda:FunctionUrlAuthType = NONE, and lambda:InvokeFunction; the deploy writes both with the URL.".to_owned(),
            invoke: Some(InvokeGrant {
                kind: InvokeGrantKind::ResourcePolicy,
                principal: "*".to_owned(),
                actions: strings(&["lambda:InvokeFunctionUrl", INVOKE]),
                source_arn: None,
                condition: Some("lambda:FunctionUrlAuthType = NONE".to_owned()),
            }),
            role: None,
            warning: Some("Public: anyone with the URL can invoke this function.".to_owned()),
        },
        Trigger::Url {
            auth: UrlAuth::Iam, ..
        } => TriggerNeeds {
            label: "IAM-signed callers may invoke".to_owned(),
            detail: format!(
                "Callers sign requests (FunctionUrlAuthType AWS_IAM): their own identity policies must allow lambda:InvokeFunctionUrl on {function_arn}; nothing is written for anyone else."
            ),
            invoke: Some(InvokeGrant {
                kind: InvokeGrantKind::CallerIdentity,
                principal: "callers with IAM credentials".to_owned(),
                actions: strings(&["lambda:InvokeFunctionUrl"]),
                source_arn: None,
                condition: None,
            }),
            role: None,
            warning: None,
        },
        Trigger::Topic { topic, .. } => {
            let source = scope.topic_arn(topic);
            TriggerNeeds {
                label: "sns.amazonaws.com may invoke".to_owned(),
                detail: format!(
                    "The function's resource policy lets sns.amazonaws.com call lambda:InvokeFunction for {source}, with the function subscribed to the topic."
                ),
                invoke: Some(resource_policy("sns.amazonaws.com", Some(source))),
                role: None,
                warning: None,
            }
        }
        Trigger::Event { bus, .. } => {
            let source = scope.rule_arn(bus.as_deref(), function);
            TriggerNeeds {
                label: "events.amazonaws.com may invoke".to_owned(),
                detail: format!(
                    "The function's resource policy lets events.amazonaws.com call lambda:InvokeFunction for the rule matching the pattern ({source}), with the function as the rule's target."
                ),
                invoke: Some(resource_policy("events.amazonaws.com", Some(source))),
                role: None,
                warning: None,
            }
        }
        Trigger::Queue { queue, .. } => {
            let arn = scope.queue_arn(queue);
            TriggerNeeds {
                label: "role polls the queue".to_owned(),
                detail: format!(
                    "Lambda polls {arn} with the function's role, which needs {}; the deploy adds that statement to the role it manages.",
                    QUEUE_POLL_ACTIONS.join(", ")
                ),
                invoke: None,
                role: Some(RoleGrant {
                    sid: "FunctoryQueueTriggers".to_owned(),
                    actions: strings(QUEUE_POLL_ACTIONS),
                    resource: arn,
                }),
                warning: None,
            }
        }
        Trigger::Stream { stream, .. } => {
            let arn = scope.stream_arn(stream);
            let (sid, actions) = if scope.is_dynamodb_stream(stream) {
                (
                    "FunctoryDynamoDbStreamTriggers",
                    DYNAMODB_STREAM_READ_ACTIONS,
                )
            } else {
                ("FunctoryKinesisTriggers", KINESIS_READ_ACTIONS)
            };
            TriggerNeeds {
                label: "role reads the stream".to_owned(),
                detail: format!(
                    "Lambda reads {arn} with the function's role, which needs {}; the deploy adds that statement to the role it manages.",
                    actions.join(", ")
                ),
                invoke: None,
                role: Some(RoleGrant {
                    sid: sid.to_owned(),
                    actions: strings(actions),
                    resource: arn,
                }),
                warning: None,
            }
        }
    }
}

/// `GET/users/*` for `GET /users/{id}`: the method (`*` for ANY) and the path with its
/// parameters as wildcards, as a route's execute-api ARN ends.
pub fn route_source_part(method: &str, path: &str) -> String {
    let method = method.to_ascii_uppercase();
    let method = if method == "ANY" { "*" } else { &method };
    let path: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| if s.starts_with('{') { "*" } else { s })
        .collect();
    format!("{method}/{}", path.join("/"))
}

/// The role statements a function's triggers need, merged per `Sid` (one statement per kind
/// of source, with every resource), in the order the kinds first appear.
pub fn role_statements<'t>(
    function: &str,
    triggers: impl IntoIterator<Item = &'t Trigger>,
    scope: &ArnScope,
) -> Vec<(String, Vec<String>, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    for trigger in triggers {
        let Some(role) = trigger_needs(function, trigger, scope).role else {
            continue;
        };
        match out.iter_mut().find(|(sid, _, _)| *sid == role.sid) {
            Some((_, _, resources)) => {
                if !resources.contains(&role.resource) {
                    resources.push(role.resource);
                }
            }
            None => out.push((role.sid, role.actions, vec![role.resource])),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kinesis_stream_name_comes_back_from_its_arn() {
        let scope = ArnScope::default();
        assert_eq!(kinesis_stream_name(&scope.stream_arn("clicks")), "clicks");
        assert_eq!(
            kinesis_stream_name(
                "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks/consumer/app:1"
            ),
            "clicks"
        );
        assert_eq!(kinesis_stream_name("clicks"), "clicks");
    }

    #[test]
    fn role_side_needs_are_the_event_source_mappings() {
        let scope = ArnScope {
            partition: "aws".into(),
            region: Some("eu-west-1".into()),
            account: Some("111122223333".into()),
            resources: Vec::new(),
        };
        let triggers = [
            Trigger::Queue {
                queue: "orders".into(),
                batch_size: None,
            },
            Trigger::Queue {
                queue: "https://sqs.eu-west-1.amazonaws.com/111122223333/refunds".into(),
                batch_size: None,
            },
            Trigger::Stream {
                stream: "clicks".into(),
                batch_size: None,
                starting_position: None,
            },
            Trigger::Stream {
                stream: "arn:aws:dynamodb:eu-west-1:111122223333:table/t/stream/2024".into(),
                batch_size: None,
                starting_position: None,
            },
            Trigger::Schedule {
                expression: "rate(1 day)".into(),
                timezone: None,
            },
        ];
        let statements = role_statements("f", &triggers, &scope);
        assert_eq!(
            statements,
            [
                (
                    "FunctoryQueueTriggers".to_owned(),
                    strings(QUEUE_POLL_ACTIONS),
                    vec![
                        "arn:aws:sqs:eu-west-1:111122223333:orders".to_owned(),
                        "arn:aws:sqs:eu-west-1:111122223333:refunds".to_owned()
                    ]
                ),
                (
                    "FunctoryKinesisTriggers".to_owned(),
                    strings(KINESIS_READ_ACTIONS),
                    vec!["arn:aws:kinesis:eu-west-1:111122223333:stream/clicks".to_owned()]
                ),
                (
                    "FunctoryDynamoDbStreamTriggers".to_owned(),
                    strings(DYNAMODB_STREAM_READ_ACTIONS),
                    vec!["arn:aws:dynamodb:eu-west-1:111122223333:table/t/stream/2024".to_owned()]
                ),
            ]
        );
    }

    /// The disagreement issue 22 names: the canvas described an EventBridge rule where the
    /// deploy makes a Scheduler schedule with a role of its own.
    #[test]
    fn a_schedule_is_invoked_through_the_scheduler_role() {
        let needs = trigger_needs(
            "report",
            &Trigger::Schedule {
                expression: "rate(1 day)".into(),
                timezone: None,
            },
            &ArnScope::default(),
        );
        let invoke = needs.invoke.unwrap();
        assert_eq!(invoke.kind, InvokeGrantKind::ServiceRole);
        assert_eq!(invoke.principal, "scheduler.amazonaws.com");
        assert!(needs.role.is_none());
        assert!(!needs.detail.contains("rule"), "{}", needs.detail);
    }

    #[test]
    fn public_urls_warn_and_routes_name_their_source() {
        let url = trigger_needs(
            "f",
            &Trigger::Url {
                auth: UrlAuth::None,
                cors: None,
            },
            &ArnScope::default(),
        );
        assert!(url.warning.is_some());
        assert_eq!(url.invoke.unwrap().principal, "*");
        let route = trigger_needs(
            "f",
            &Trigger::Http {
                method: "get".into(),
                path: "/users/{id}".into(),
                auth: None,
                payload_version: None,
            },
            &ArnScope::default(),
        );
        assert_eq!(
            route.invoke.unwrap().source_arn.as_deref(),
            Some("arn:aws:execute-api:*:*:*/*/GET/users/*")
        );
    }
}
