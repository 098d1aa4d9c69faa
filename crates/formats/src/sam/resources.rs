//! A template's buckets, queues, tables, topics and event buses as `[resources.NAME]`, named by
//! their physical names — what the template's `!Ref`s and `!GetAtt`s of them read as in the
//! triggers and permissions — with the settings functory.toml has; every other property is
//! reported with its line.

use functory_core::manifest::{Billing, KeyAttribute, KeyType, StreamView};
use functory_core::{Resource, ResourceKind};
use functory_lint::parse::{Member, Node, Span};

use super::Reading;
use crate::source::scalar_text;

/// The resource a template's resource of CloudFormation type `kind` becomes, if any.
pub(crate) fn resource_kind(kind: &str) -> Option<ResourceKind> {
    Some(match kind {
        "AWS::S3::Bucket" => ResourceKind::Bucket,
        "AWS::SQS::Queue" => ResourceKind::Queue,
        "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => ResourceKind::Table,
        "AWS::SNS::Topic" => ResourceKind::Topic,
        "AWS::Events::EventBus" => ResourceKind::Bus,
        _ => return None,
    })
}

/// The properties each type's import reads; any other is reported as not mapped.
fn known_properties(kind: &str) -> &'static [&'static str] {
    match kind {
        "AWS::S3::Bucket" => &["BucketName"],
        "AWS::SQS::Queue" => &[
            "QueueName",
            "FifoQueue",
            "VisibilityTimeout",
            "RedrivePolicy",
        ],
        "AWS::DynamoDB::Table" => &[
            "TableName",
            "KeySchema",
            "AttributeDefinitions",
            "BillingMode",
            "ProvisionedThroughput",
            "StreamSpecification",
        ],
        "AWS::Serverless::SimpleTable" => &["TableName", "PrimaryKey", "ProvisionedThroughput"],
        "AWS::SNS::Topic" => &["TopicName", "FifoTopic"],
        "AWS::Events::EventBus" => &["Name"],
        _ => &[],
    }
}

/// A declaration read from the template, with where its dead-letter queue is named.
pub(crate) struct Declared {
    pub resource: Resource,
    /// The resource's logical id, where it is.
    span: Span,
    /// Where the queue's redrive policy names its dead-letter queue (else the resource's id).
    dead_letter_span: Span,
}

/// The declaration of `member` (a resource of CloudFormation type `kind`), or `None` with a
/// report line when its name is only known at deploy time.
pub(crate) fn declared(
    member: &Member,
    kind: &str,
    r: &mut Reading<'_, '_, '_>,
) -> Option<Declared> {
    let resource_kind = resource_kind(kind)?;
    let subject = format!("Resources.{}", member.key);
    // What Functory's own export added because SAM needs a trigger's bucket or queue in the
    // template: not a declaration, so import → export → import stays exact.
    if member
        .value
        .get("Metadata")
        .and_then(|m| m.get("Functory"))
        .and_then(|f| f.get("Implied"))
        .and_then(scalar_text)
        .as_deref()
        == Some("true")
    {
        r.rep.mapped(
            member.key_span,
            &subject,
            "added by Functory's export for a trigger that names it: not a declaration",
        );
        return None;
    }
    let name_attribute = match resource_kind {
        ResourceKind::Queue => Some("QueueName"),
        ResourceKind::Topic => Some("TopicName"),
        _ => None,
    };
    let name = r
        .cfn
        .own_name(&member.key, name_attribute, member.key_span, r.rep);
    // A Serverless service's names may hold its variables (`${self:custom.table}`).
    let name = match r.vars {
        Some(vars) => vars.resolve(&name, member.key_span, &subject, r.rep),
        None => name,
    };
    if name.contains("${") {
        r.rep.not_mapped(
            member.key_span,
            &subject,
            format!(
                "{kind} is not declared in functory.toml: its name `{name}` is only known at deploy time; declare it with the name it gets, or as `existing`"
            ),
        );
        return None;
    }
    let props = member.value.get("Properties");
    let p = |key: &str| format!("{subject}.Properties.{key}");
    for property in props.and_then(Node::as_object).unwrap_or_default() {
        if !known_properties(kind).contains(&property.key.as_str()) {
            r.rep.not_mapped(
                property.key_span,
                &p(&property.key),
                "not mapped: functory.toml has no such setting for a resource",
            );
        }
    }
    let get = |key: &str| props.and_then(|p| p.get(key));
    let flag = |r: &mut Reading<'_, '_, '_>, key: &str| {
        get(key)
            .and_then(|n| r.text(n, &p(key)))
            .is_some_and(|t| t.eq_ignore_ascii_case("true"))
    };
    // A FIFO queue's or topic's name keeps its `.fifo`: triggers name it so.
    let fifo = match resource_kind {
        ResourceKind::Queue => flag(r, "FifoQueue"),
        ResourceKind::Topic => flag(r, "FifoTopic"),
        _ => false,
    };
    let mut resource = Resource {
        name,
        kind: resource_kind,
        existing: None,
        fifo,
        visibility_timeout_s: None,
        dead_letter: None,
        max_receives: None,
        partition_key: None,
        sort_key: None,
        billing: Billing::PayPerRequest,
        stream: None,
    };
    let mut dead_letter_span = member.key_span;
    match kind {
        "AWS::SQS::Queue" => {
            resource.visibility_timeout_s =
                get("VisibilityTimeout").and_then(|n| r.number(n, &p("VisibilityTimeout")));
            if let Some(redrive) = get("RedrivePolicy") {
                if let Some(target) = redrive.get("deadLetterTargetArn") {
                    dead_letter_span = target.span;
                }
                let target = redrive
                    .get("deadLetterTargetArn")
                    .and_then(|n| r.source(n, &p("RedrivePolicy.deadLetterTargetArn")))
                    .map(|(_, name)| name);
                resource.dead_letter = target;
                resource.max_receives = redrive
                    .get("maxReceiveCount")
                    .and_then(|n| r.number(n, &p("RedrivePolicy.maxReceiveCount")));
            }
        }
        "AWS::DynamoDB::Table" => {
            let types: Vec<(String, String)> = get("AttributeDefinitions")
                .map(|d| {
                    d.items()
                        .filter_map(|a| {
                            Some((
                                a.get("AttributeName").and_then(scalar_text)?,
                                a.get("AttributeType").and_then(scalar_text)?,
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let key = |role: &str| -> Option<KeyAttribute> {
                let schema = get("KeySchema")?;
                let name = schema.items().find_map(|k| {
                    (k.get("KeyType").and_then(scalar_text).as_deref() == Some(role))
                        .then(|| k.get("AttributeName").and_then(scalar_text))
                        .flatten()
                })?;
                let key_type = types
                    .iter()
                    .find(|(n, _)| *n == name)
                    .and_then(|(_, t)| KeyType::from_aws(t))
                    .unwrap_or_default();
                Some(KeyAttribute { name, key_type })
            };
            resource.partition_key = key("HASH");
            resource.sort_key = key("RANGE");
            let billing = get("BillingMode").and_then(|n| r.text(n, &p("BillingMode")));
            resource.billing = match billing.as_deref() {
                Some("PAY_PER_REQUEST") => Billing::PayPerRequest,
                // CloudFormation's default is provisioned capacity.
                _ => Billing::Provisioned,
            };
            resource.stream = get("StreamSpecification")
                .and_then(|s| s.get("StreamViewType"))
                .and_then(|n| r.text(n, &p("StreamSpecification.StreamViewType")))
                .and_then(|t| StreamView::from_aws(&t));
        }
        "AWS::Serverless::SimpleTable" => {
            let primary = get("PrimaryKey");
            resource.partition_key = Some(KeyAttribute {
                name: primary
                    .and_then(|k| k.get("Name"))
                    .and_then(|n| r.text(n, &p("PrimaryKey.Name")))
                    .unwrap_or_else(|| "id".to_owned()),
                key_type: primary
                    .and_then(|k| k.get("Type"))
                    .and_then(|n| r.text(n, &p("PrimaryKey.Type")))
                    .and_then(|t| KeyType::from_aws(&t))
                    .unwrap_or_default(),
            });
            // SAM bills a SimpleTable per request unless it gives a throughput.
            if get("ProvisionedThroughput").is_some() {
                resource.billing = Billing::Provisioned;
            }
        }
        _ => {}
    }
    r.rep.mapped(
        member.key_span,
        &subject,
        format!(
            "{kind} declared as [resources.{}] (kind = \"{}\")",
            resource.name,
            resource_kind.as_str()
        ),
    );
    Some(Declared {
        resource,
        span: member.key_span,
        dead_letter_span,
    })
}

/// Makes the imported declarations and the functions agree: a stream trigger naming a declared
/// table's stream by its ARN names the table (whose stream it is), and a dead-letter queue the
/// template does not declare is left out with a report line (functory.toml's `dead_letter`
/// names a declared queue).
pub(crate) fn settle(
    read: Vec<Declared>,
    functions: &mut [functory_core::Function],
    rep: &mut crate::source::Reporter<'_>,
) -> Vec<Resource> {
    let all_kinds: Vec<(String, ResourceKind)> = read
        .iter()
        .map(|d| (d.resource.name.clone(), d.resource.kind))
        .collect();
    let shared =
        |name: &str, kind: ResourceKind| all_kinds.iter().find(|(n, k)| n == name && *k != kind);
    let queues: Vec<String> = read
        .iter()
        .filter(|d| d.resource.kind == ResourceKind::Queue)
        .filter(|d| shared(&d.resource.name, ResourceKind::Queue).is_none())
        .map(|d| d.resource.name.clone())
        .collect();
    let mut declared = Vec::new();
    for Declared {
        mut resource,
        span,
        dead_letter_span,
    } in read
    {
        // functory.toml declares one resource per name; CloudFormation lets a queue and a
        // table share one. Such names stay undeclared, as names the triggers use.
        if let Some(other) = shared(&resource.name, resource.kind) {
            rep.not_mapped(
                span,
                &format!("[resources.{}]", resource.name),
                format!(
                    "not declared: `{}` names both a {} and a {} here, and functory.toml declares one resource per name; triggers and permissions still refer to it by name",
                    resource.name, resource.kind, other.1
                ),
            );
            continue;
        }
        if let Some(dead_letter) = &resource.dead_letter
            && !queues.contains(dead_letter)
        {
            rep.not_mapped(
                dead_letter_span,
                &format!("[resources.{}].dead_letter", resource.name),
                format!(
                    "dead-letter queue `{dead_letter}` is not a queue of this template: left out (functory.toml names a declared queue)"
                ),
            );
            resource.dead_letter = None;
            resource.max_receives = None;
        }
        declared.push(resource);
    }
    let tables: Vec<String> = declared
        .iter()
        .filter(|r| r.kind == ResourceKind::Table && r.stream.is_some())
        .map(|r| r.name.clone())
        .collect();
    for function in functions.iter_mut() {
        for trigger in &mut function.triggers {
            if let functory_core::Trigger::Stream { stream, .. } = trigger
                && let Some(table) = stream_table(stream)
                && tables.iter().any(|t| t == table)
            {
                // The stream ARN's deploy-time region and account no longer matter.
                let kept = format!("kept as the text `{stream}`");
                rep.report
                    .not_mapped
                    .retain(|item| !item.message.starts_with(&kept));
                *stream = table.to_owned();
            }
        }
    }
    declared
}

/// `arn:…:dynamodb:…:table/NAME/stream/…` → `NAME`.
fn stream_table(arn: &str) -> Option<&str> {
    if !arn.starts_with("arn:") || !arn.contains(":dynamodb:") {
        return None;
    }
    let (_, rest) = arn.split_once(":table/")?;
    let (table, _) = rest.split_once("/stream/")?;
    Some(table)
}
