//! A manifest as an AWS SAM template that cfn-lint accepts and `sam deploy` can deploy.
//!
//! One `AWS::Serverless::Function` per function, its triggers as SAM events (http → HttpApi
//! with its payload version and authorizer, schedules with a time zone → ScheduleV2), its url
//! trigger as `FunctionUrlConfig`, its permissions as one inline policy. `[api]` (CORS, JWT
//! authorizers) and routes with IAM auth make an `AWS::Serverless::HttpApi` that every HttpApi
//! event names with `ApiId`. SAM requires an S3 event's bucket to be declared in the same
//! template, so buckets are (named when S3 accepts the name); queues and Kinesis streams named
//! by the manifest are too, so the template is whole. Declared resources (`[resources]`) become
//! their CloudFormation resources with their settings, and the triggers naming them refer to
//! them. The project and function names ride along in `Metadata.Functory`,
//! which deploys ignore and the importer reads, so import → export → import is exact.

use std::collections::BTreeSet;

use functory_core::manifest::HttpApi;
use functory_core::{Cors, Manifest, PermissionEffect, Resource, ResourceKind, Trigger, UrlAuth};

use crate::cfn::is_valid_bucket_name;
use crate::yaml_out::{Yaml, to_yaml};

/// The SAM template of `manifest`.
pub fn export_sam(manifest: &Manifest) -> String {
    let mut ids = LogicalIds::default();
    let mut resources: Vec<(String, Yaml)> = Vec::new();
    let mut buckets: Vec<(String, String)> = Vec::new();
    // (queue, logical id, longest timeout of a function it triggers)
    let mut queues: Vec<(String, String, u32)> = Vec::new();
    let mut streams: Vec<(String, String)> = Vec::new();

    // Names of functions first, so their ids stay the plain PascalCase of their names.
    let function_ids: Vec<String> = manifest
        .functions
        .iter()
        .map(|f| ids.claim(&pascal(&f.name)))
        .collect();
    let http = HttpSettings::of(manifest);
    let api_id = http.needs_resource.then(|| ids.claim("HttpApi"));
    // The declared resources (not `existing` ones, which the template only refers to), each
    // with its logical id; triggers naming one refer to it by `!Ref`/`!GetAtt`.
    let declared: Vec<(&Resource, String)> = manifest
        .resources
        .iter()
        .filter(|r| r.is_declared_here())
        .map(|r| {
            let suffix = match r.kind {
                ResourceKind::Bucket => "Bucket",
                ResourceKind::Queue => "Queue",
                ResourceKind::Table => "Table",
                ResourceKind::Topic => "Topic",
                ResourceKind::Bus => "Bus",
            };
            (r, ids.claim(&format!("{}{suffix}", pascal(&r.name))))
        })
        .collect();
    let declared_id = |name: &str, kind: ResourceKind| {
        declared
            .iter()
            .find(|(r, _)| r.name == name && r.kind == kind)
            .map(|(_, id)| id.clone())
    };
    // The longest timeout of a function each declared queue triggers (its visibility timeout
    // must be at least that).
    let mut declared_queue_timeouts: Vec<(String, u32)> = Vec::new();

    for (function, logical) in manifest.functions.iter().zip(&function_ids) {
        let mut props: Vec<(String, Yaml)> = vec![
            ("CodeUri".into(), Yaml::str(function.code_dir.clone())),
            ("Handler".into(), Yaml::str(function.handler.clone())),
            ("Runtime".into(), Yaml::str(function.runtime.clone())),
            (
                "MemorySize".into(),
                Yaml::Int(i64::from(function.memory_mb)),
            ),
            ("Timeout".into(), Yaml::Int(i64::from(function.timeout_s))),
        ];
        if !function.environment.is_empty() {
            let variables = function
                .environment
                .iter()
                .map(|v| (v.key.clone(), text(&v.value)))
                .collect();
            props.push((
                "Environment".into(),
                Yaml::Map(vec![("Variables".into(), Yaml::Map(variables))]),
            ));
        }
        let mut events: Vec<(String, Yaml)> = Vec::new();
        for (i, trigger) in function.triggers.iter().enumerate() {
            let n = i + 1;
            let event = |kind: &str, properties: Vec<(String, Yaml)>| {
                Yaml::Map(vec![
                    ("Type".into(), Yaml::str(kind)),
                    ("Properties".into(), Yaml::Map(properties)),
                ])
            };
            match trigger {
                Trigger::Http {
                    method,
                    path,
                    auth,
                    payload_version,
                } => {
                    let mut properties = Vec::new();
                    if let Some(id) = &api_id {
                        properties.push(("ApiId".into(), Yaml::Tag("!Ref", id.clone())));
                    }
                    properties.push(("Path".into(), Yaml::str(path.clone())));
                    properties.push(("Method".into(), Yaml::str(method.to_ascii_uppercase())));
                    if payload_version.as_deref() == Some("1.0") {
                        properties.push(("PayloadFormatVersion".into(), Yaml::str("1.0")));
                    }
                    if let Some(authorizer) = http.event_authorizer(auth.as_deref()) {
                        properties.push((
                            "Auth".into(),
                            Yaml::Map(vec![("Authorizer".into(), Yaml::str(authorizer))]),
                        ));
                    }
                    events.push((format!("Http{n}"), event("HttpApi", properties)));
                }
                Trigger::Schedule {
                    expression,
                    timezone: Some(timezone),
                } => events.push((
                    format!("Schedule{n}"),
                    event(
                        "ScheduleV2",
                        vec![
                            ("ScheduleExpression".into(), Yaml::str(expression.clone())),
                            (
                                "ScheduleExpressionTimezone".into(),
                                Yaml::str(timezone.clone()),
                            ),
                        ],
                    ),
                )),
                Trigger::Schedule {
                    expression,
                    timezone: None,
                } => events.push((
                    format!("Schedule{n}"),
                    event(
                        "Schedule",
                        vec![("Schedule".into(), Yaml::str(expression.clone()))],
                    ),
                )),
                Trigger::Storage {
                    bucket,
                    prefix,
                    suffix,
                    events: kinds,
                } => {
                    let bucket_id = match buckets.iter().find(|(b, _)| b == bucket) {
                        _ if declared_id(bucket, ResourceKind::Bucket).is_some() => {
                            declared_id(bucket, ResourceKind::Bucket).unwrap_or_default()
                        }
                        Some((_, id)) => id.clone(),
                        None => {
                            let id = ids.claim(&format!("{}Bucket", pascal(bucket)));
                            buckets.push((bucket.clone(), id.clone()));
                            id
                        }
                    };
                    let kinds = kinds
                        .clone()
                        .unwrap_or_else(|| vec!["s3:ObjectCreated:*".to_owned()]);
                    let mut properties = vec![
                        ("Bucket".into(), Yaml::Tag("!Ref", bucket_id)),
                        ("Events".into(), Yaml::strs(&kinds)),
                    ];
                    let rules: Vec<Yaml> = [("prefix", prefix), ("suffix", suffix)]
                        .into_iter()
                        .filter_map(|(name, value)| {
                            Some(Yaml::Map(vec![
                                ("Name".into(), Yaml::str(name)),
                                ("Value".into(), text(value.as_ref()?)),
                            ]))
                        })
                        .collect();
                    if !rules.is_empty() {
                        properties.push((
                            "Filter".into(),
                            Yaml::Map(vec![(
                                "S3Key".into(),
                                Yaml::Map(vec![("Rules".into(), Yaml::Seq(rules))]),
                            )]),
                        ));
                    }
                    events.push((format!("Storage{n}"), event("S3", properties)));
                }
                Trigger::Queue { queue, batch_size } => {
                    let arn = if queue.starts_with("arn:") {
                        text(queue)
                    } else if let Some(id) = declared_id(queue, ResourceKind::Queue) {
                        match declared_queue_timeouts.iter_mut().find(|(q, _)| q == queue) {
                            Some((_, timeout)) => *timeout = (*timeout).max(function.timeout_s),
                            None => {
                                declared_queue_timeouts.push((queue.clone(), function.timeout_s))
                            }
                        }
                        Yaml::Tag("!GetAtt", format!("{id}.Arn"))
                    } else {
                        let id = match queues.iter_mut().find(|(q, _, _)| q == queue) {
                            Some((_, id, timeout)) => {
                                *timeout = (*timeout).max(function.timeout_s);
                                id.clone()
                            }
                            None => {
                                let id = ids.claim(&format!("{}Queue", pascal(queue)));
                                queues.push((queue.clone(), id.clone(), function.timeout_s));
                                id
                            }
                        };
                        Yaml::Tag("!GetAtt", format!("{id}.Arn"))
                    };
                    let mut properties = vec![("Queue".into(), arn)];
                    if let Some(size) = batch_size {
                        properties.push(("BatchSize".into(), Yaml::Int(i64::from(*size))));
                    }
                    events.push((format!("Queue{n}"), event("SQS", properties)));
                }
                Trigger::Stream {
                    stream,
                    batch_size,
                    starting_position,
                } => {
                    let (kind, source) = if let Some(id) = declared_id(stream, ResourceKind::Table)
                    {
                        ("DynamoDB", Yaml::Tag("!GetAtt", format!("{id}.StreamArn")))
                    } else if stream.starts_with("arn:") && stream.contains(":dynamodb:") {
                        ("DynamoDB", text(stream))
                    } else if stream.starts_with("arn:") {
                        ("Kinesis", text(stream))
                    } else {
                        let id = match streams.iter().find(|(s, _)| s == stream) {
                            Some((_, id)) => id.clone(),
                            None => {
                                let id = ids.claim(&format!("{}Stream", pascal(stream)));
                                streams.push((stream.clone(), id.clone()));
                                id
                            }
                        };
                        ("Kinesis", Yaml::Tag("!GetAtt", format!("{id}.Arn")))
                    };
                    let mut properties = vec![
                        ("Stream".into(), source),
                        (
                            "StartingPosition".into(),
                            // SAM requires one; LATEST is what a new mapping would choose.
                            Yaml::str(starting_position.clone().unwrap_or_else(|| "LATEST".into())),
                        ),
                    ];
                    if let Some(size) = batch_size {
                        properties.push(("BatchSize".into(), Yaml::Int(i64::from(*size))));
                    }
                    events.push((format!("Stream{n}"), event(kind, properties)));
                }
                Trigger::Topic {
                    topic,
                    filter_policy,
                    filter_policy_scope,
                } => {
                    let arn = if topic.starts_with("arn:") {
                        text(topic)
                    } else if let Some(id) = declared_id(topic, ResourceKind::Topic) {
                        // `!Ref` of a topic is its ARN.
                        Yaml::Tag("!Ref", id)
                    } else {
                        Yaml::Tag(
                            "!Sub",
                            format!(
                                "arn:${{AWS::Partition}}:sns:${{AWS::Region}}:${{AWS::AccountId}}:{topic}"
                            ),
                        )
                    };
                    let mut properties = vec![("Topic".into(), arn)];
                    if let Some(policy) = filter_policy.as_deref().and_then(json_yaml) {
                        properties.push(("FilterPolicy".into(), policy));
                    }
                    if let Some(scope) = filter_policy_scope {
                        properties.push(("FilterPolicyScope".into(), Yaml::str(scope.clone())));
                    }
                    events.push((format!("Topic{n}"), event("SNS", properties)));
                }
                Trigger::Event { bus, pattern } => {
                    let mut properties = Vec::new();
                    if let Some(pattern) = json_yaml(pattern) {
                        properties.push(("Pattern".into(), pattern));
                    }
                    if let Some(bus) = bus.as_deref().filter(|b| *b != "default") {
                        let name = match declared_id(bus, ResourceKind::Bus) {
                            // `!Ref` of an event bus is its name.
                            Some(id) => Yaml::Tag("!Ref", id),
                            None => text(bus),
                        };
                        properties.push(("EventBusName".into(), name));
                    }
                    events.push((format!("Event{n}"), event("EventBridgeRule", properties)));
                }
                Trigger::Url { auth, cors } => {
                    let mut config = vec![(
                        "AuthType".into(),
                        Yaml::str(match auth {
                            UrlAuth::Iam => "AWS_IAM",
                            UrlAuth::None => "NONE",
                        }),
                    )];
                    if let Some(cors) = cors {
                        config.push(("Cors".into(), Yaml::Map(cors_yaml(cors, true))));
                    }
                    props.push(("FunctionUrlConfig".into(), Yaml::Map(config)));
                }
            }
        }
        if !function.permissions.is_empty() {
            let statements = function
                .permissions
                .iter()
                .map(|p| {
                    Yaml::Map(vec![
                        (
                            "Effect".into(),
                            Yaml::str(match p.effect {
                                PermissionEffect::Allow => "Allow",
                                PermissionEffect::Deny => "Deny",
                            }),
                        ),
                        (
                            "Action".into(),
                            Yaml::Seq(p.actions.iter().map(|a| Yaml::str(a.clone())).collect()),
                        ),
                        (
                            "Resource".into(),
                            Yaml::Seq(p.resources.iter().map(|r| text(r)).collect()),
                        ),
                    ])
                })
                .collect();
            props.push((
                "Policies".into(),
                Yaml::Seq(vec![Yaml::Map(vec![(
                    "Statement".into(),
                    Yaml::Seq(statements),
                )])]),
            ));
        }
        if !events.is_empty() {
            props.push(("Events".into(), Yaml::Map(events)));
        }
        let mut resource = vec![("Type".into(), Yaml::str("AWS::Serverless::Function"))];
        if *logical != function.name {
            resource.push((
                "Metadata".into(),
                Yaml::Map(vec![(
                    "Functory".into(),
                    Yaml::Map(vec![("Name".into(), Yaml::str(function.name.clone()))]),
                )]),
            ));
        }
        resource.push(("Properties".into(), Yaml::Map(props)));
        resources.push((logical.clone(), Yaml::Map(resource)));
    }

    if let Some(id) = api_id {
        resources.push((id, http.resource(&manifest.api)));
    }
    for (resource, id) in &declared {
        let timeout = declared_queue_timeouts
            .iter()
            .find(|(q, _)| *q == resource.name)
            .map(|(_, t)| *t);
        resources.push((
            id.clone(),
            declared_resource(resource, timeout, |name| {
                declared_id(name, ResourceKind::Queue)
            }),
        ));
    }
    for (bucket, id) in buckets {
        // A name S3 would refuse (a logical id, a parameter only the original template had)
        // is left to CloudFormation, which names the bucket; the events refer to it by `!Ref`.
        let bucket = if is_valid_bucket_name(&bucket) {
            resource(
                "AWS::S3::Bucket",
                vec![("BucketName".into(), text(&bucket))],
            )
        } else {
            Yaml::Map(vec![("Type".into(), Yaml::str("AWS::S3::Bucket"))])
        };
        resources.push((id, implied(bucket)));
    }
    for (queue, id, timeout) in queues {
        // Lambda refuses a queue whose visibility timeout is shorter than the function's
        // timeout; AWS recommends six times it.
        let visibility = (u64::from(timeout) * 6).clamp(30, 43_200);
        resources.push((
            id,
            implied(resource(
                "AWS::SQS::Queue",
                vec![
                    ("QueueName".into(), text(&queue)),
                    ("VisibilityTimeout".into(), Yaml::Int(visibility as i64)),
                ],
            )),
        ));
    }
    for (stream, id) in streams {
        resources.push((
            id,
            resource(
                "AWS::Kinesis::Stream",
                vec![
                    ("Name".into(), text(&stream)),
                    (
                        "StreamModeDetails".into(),
                        Yaml::Map(vec![("StreamMode".into(), Yaml::str("ON_DEMAND"))]),
                    ),
                ],
            ),
        ));
    }

    let root = Yaml::Map(vec![
        ("AWSTemplateFormatVersion".into(), Yaml::str("2010-09-09")),
        ("Transform".into(), Yaml::str("AWS::Serverless-2016-10-31")),
        (
            "Description".into(),
            Yaml::str(format!(
                "{}: exported by Functory from functory.toml",
                manifest.project_name
            )),
        ),
        (
            "Metadata".into(),
            Yaml::Map(vec![(
                "Functory".into(),
                Yaml::Map(vec![(
                    "Project".into(),
                    Yaml::str(manifest.project_name.clone()),
                )]),
            )]),
        ),
        ("Resources".into(), Yaml::Map(resources)),
    ]);
    format!(
        "# Exported by `functory export sam` from functory.toml; functory.toml stays the source of truth.\n{}",
        to_yaml(&root)
    )
}

/// A resource the template has only because SAM needs what a trigger names, marked so an
/// import does not take it for a declaration (import → export → import stays exact).
fn implied(resource: Yaml) -> Yaml {
    match resource {
        Yaml::Map(mut entries) => {
            entries.insert(
                1,
                (
                    "Metadata".into(),
                    Yaml::Map(vec![(
                        "Functory".into(),
                        Yaml::Map(vec![("Implied".into(), Yaml::Bool(true))]),
                    )]),
                ),
            );
            Yaml::Map(entries)
        }
        other => other,
    }
}

/// A declared resource as the CloudFormation resource a deploy would make. `queue_timeout` is
/// the longest timeout of a function the queue triggers; `queue_id` finds a dead-letter queue's
/// logical id.
fn declared_resource(
    resource: &Resource,
    queue_timeout: Option<u32>,
    queue_id: impl Fn(&str) -> Option<String>,
) -> Yaml {
    let name = resource.physical_name();
    match resource.kind {
        ResourceKind::Bucket if is_valid_bucket_name(&name) => {
            self::resource("AWS::S3::Bucket", vec![("BucketName".into(), text(&name))])
        }
        ResourceKind::Bucket => Yaml::Map(vec![("Type".into(), Yaml::str("AWS::S3::Bucket"))]),
        ResourceKind::Queue => {
            let mut props = vec![("QueueName".into(), text(&name))];
            if resource.fifo {
                props.push(("FifoQueue".into(), Yaml::Bool(true)));
            }
            // Lambda refuses a queue whose visibility timeout is shorter than the function's
            // timeout; AWS recommends six times it when the manifest does not say.
            let visibility = resource
                .visibility_timeout_s
                .map(u64::from)
                .or_else(|| queue_timeout.map(|t| (u64::from(t) * 6).clamp(30, 43_200)));
            if let Some(visibility) = visibility {
                props.push(("VisibilityTimeout".into(), Yaml::Int(visibility as i64)));
            }
            if let Some(target) = resource.dead_letter.as_deref().and_then(&queue_id) {
                props.push((
                    "RedrivePolicy".into(),
                    Yaml::Map(vec![
                        (
                            "deadLetterTargetArn".into(),
                            Yaml::Tag("!GetAtt", format!("{target}.Arn")),
                        ),
                        (
                            "maxReceiveCount".into(),
                            Yaml::Int(i64::from(resource.max_receives.unwrap_or(3))),
                        ),
                    ]),
                ));
            }
            self::resource("AWS::SQS::Queue", props)
        }
        ResourceKind::Table => {
            let keys: Vec<(&functory_core::manifest::KeyAttribute, &str)> = resource
                .partition_key
                .iter()
                .map(|k| (k, "HASH"))
                .chain(resource.sort_key.iter().map(|k| (k, "RANGE")))
                .collect();
            let mut props = vec![
                ("TableName".into(), text(&name)),
                (
                    "AttributeDefinitions".into(),
                    Yaml::Seq(
                        keys.iter()
                            .map(|(k, _)| {
                                Yaml::Map(vec![
                                    ("AttributeName".into(), Yaml::str(k.name.clone())),
                                    ("AttributeType".into(), Yaml::str(k.key_type.letter())),
                                ])
                            })
                            .collect(),
                    ),
                ),
                (
                    "KeySchema".into(),
                    Yaml::Seq(
                        keys.iter()
                            .map(|(k, role)| {
                                Yaml::Map(vec![
                                    ("AttributeName".into(), Yaml::str(k.name.clone())),
                                    ("KeyType".into(), Yaml::str(*role)),
                                ])
                            })
                            .collect(),
                    ),
                ),
            ];
            match resource.billing {
                functory_core::manifest::Billing::PayPerRequest => {
                    props.push(("BillingMode".into(), Yaml::str("PAY_PER_REQUEST")));
                }
                functory_core::manifest::Billing::Provisioned => {
                    props.push(("BillingMode".into(), Yaml::str("PROVISIONED")));
                    props.push((
                        "ProvisionedThroughput".into(),
                        Yaml::Map(vec![
                            ("ReadCapacityUnits".into(), Yaml::Int(5)),
                            ("WriteCapacityUnits".into(), Yaml::Int(5)),
                        ]),
                    ));
                }
            }
            if let Some(view) = resource.stream {
                props.push((
                    "StreamSpecification".into(),
                    Yaml::Map(vec![("StreamViewType".into(), Yaml::str(view.aws_name()))]),
                ));
            }
            self::resource("AWS::DynamoDB::Table", props)
        }
        ResourceKind::Topic => {
            let mut props = vec![("TopicName".into(), text(&name))];
            if resource.fifo {
                props.push(("FifoTopic".into(), Yaml::Bool(true)));
            }
            self::resource("AWS::SNS::Topic", props)
        }
        ResourceKind::Bus => {
            self::resource("AWS::Events::EventBus", vec![("Name".into(), text(&name))])
        }
    }
}

/// What the manifest's HTTP API needs of a SAM template: whether an
/// `AWS::Serverless::HttpApi` resource must carry settings (CORS, authorizers, IAM auth), and
/// the `DefaultAuthorizer` that lets a route say `NONE`.
struct HttpSettings {
    needs_resource: bool,
    iam: bool,
    /// SAM accepts `Authorizer: NONE` only on an API with a `DefaultAuthorizer`. When every
    /// route names its auth and some say `none`, one of the others is made the default, so
    /// each route's explicit auth survives the round trip.
    default_authorizer: Option<String>,
}

impl HttpSettings {
    fn of(manifest: &Manifest) -> HttpSettings {
        let auths: Vec<Option<&str>> = manifest
            .functions
            .iter()
            .flat_map(|f| &f.triggers)
            .filter_map(|t| match t {
                Trigger::Http { auth, .. } => Some(auth.as_deref()),
                _ => None,
            })
            .collect();
        let iam = auths.contains(&Some("iam"));
        let default_authorizer =
            if auths.iter().all(Option::is_some) && auths.contains(&Some("none")) {
                auths
                    .iter()
                    .flatten()
                    .find(|a| **a != "none")
                    .map(|a| sam_authorizer(a).to_owned())
            } else {
                None
            };
        HttpSettings {
            needs_resource: manifest.api.cors.is_some()
                || !manifest.api.authorizers.is_empty()
                || auths.iter().flatten().any(|a| *a != "none"),
            iam,
            default_authorizer,
        }
    }

    /// A route's `Auth.Authorizer`, when it has one SAM can say.
    fn event_authorizer(&self, auth: Option<&str>) -> Option<String> {
        match auth? {
            "none" => self.default_authorizer.as_ref().map(|_| "NONE".to_owned()),
            other => Some(sam_authorizer(other).to_owned()),
        }
    }

    /// The `AWS::Serverless::HttpApi` every route names with `ApiId`.
    fn resource(&self, api: &HttpApi) -> Yaml {
        let mut props: Vec<(String, Yaml)> = Vec::new();
        if let Some(cors) = &api.cors {
            props.push((
                "CorsConfiguration".into(),
                Yaml::Map(cors_yaml(cors, false)),
            ));
        }
        let mut auth: Vec<(String, Yaml)> = Vec::new();
        if self.iam {
            auth.push(("EnableIamAuthorizer".into(), Yaml::Bool(true)));
        }
        if let Some(default) = &self.default_authorizer {
            auth.push(("DefaultAuthorizer".into(), Yaml::str(default.clone())));
        }
        if !api.authorizers.is_empty() {
            let authorizers = api
                .authorizers
                .iter()
                .map(|a| {
                    (
                        a.name.clone(),
                        Yaml::Map(vec![
                            (
                                "IdentitySource".into(),
                                Yaml::str(a.identity_source.clone()),
                            ),
                            (
                                "JwtConfiguration".into(),
                                Yaml::Map(vec![
                                    ("issuer".into(), text(&a.issuer)),
                                    (
                                        "audience".into(),
                                        Yaml::Seq(a.audiences.iter().map(|v| text(v)).collect()),
                                    ),
                                ]),
                            ),
                        ]),
                    )
                })
                .collect();
            auth.push(("Authorizers".into(), Yaml::Map(authorizers)));
        }
        if !auth.is_empty() {
            props.push(("Auth".into(), Yaml::Map(auth)));
        }
        resource("AWS::Serverless::HttpApi", props)
    }
}

/// A route's auth as SAM names it.
fn sam_authorizer(auth: &str) -> &str {
    match auth {
        "iam" => "AWS_IAM",
        "none" => "NONE",
        name => name,
    }
}

/// CORS in SAM's spelling (a function URL's `Cors` and an HTTP API's `CorsConfiguration` share
/// it). SAM refuses credentials for any origin on an HTTP API; browsers refuse them too, so
/// leaving them out there changes nothing a browser does.
fn cors_yaml(cors: &Cors, credentials_with_any_origin: bool) -> Vec<(String, Yaml)> {
    let mut c: Vec<(String, Yaml)> = Vec::new();
    for (key, items) in [
        ("AllowOrigins", &cors.allow_origins),
        ("AllowMethods", &cors.allow_methods),
        ("AllowHeaders", &cors.allow_headers),
        ("ExposeHeaders", &cors.expose_headers),
    ] {
        if !items.is_empty() {
            c.push((key.into(), Yaml::strs(items)));
        }
    }
    let any_origin = cors.allow_origins.is_empty() || cors.allow_origins.iter().any(|o| o == "*");
    if cors.allow_credentials && (credentials_with_any_origin || !any_origin) {
        c.push(("AllowCredentials".into(), Yaml::Bool(true)));
    }
    if let Some(age) = cors.max_age {
        c.push(("MaxAge".into(), Yaml::Int(i64::from(age))));
    }
    c
}

fn resource(kind: &str, properties: Vec<(String, Yaml)>) -> Yaml {
    Yaml::Map(vec![
        ("Type".into(), Yaml::str(kind)),
        ("Properties".into(), Yaml::Map(properties)),
    ])
}

/// A manifest string as a template value. `${AWS::…}` placeholders become `!Sub` references;
/// any other `${…}` (a parameter or attribute of the template it came from, a Serverless
/// variable) would be an unknown reference here, so it is escaped to stay literal text.
/// JSON text (a filter policy, an event pattern) as the YAML mapping SAM takes; `None` when it
/// does not parse (`functory check` refuses such a manifest first).
fn json_yaml(json: &str) -> Option<Yaml> {
    fn convert(value: &serde_json::Value) -> Yaml {
        match value {
            serde_json::Value::Null => Yaml::str("null"),
            serde_json::Value::Bool(b) => Yaml::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Yaml::Int(i),
                None => Yaml::str(n.to_string()),
            },
            serde_json::Value::String(s) => Yaml::str(s.clone()),
            serde_json::Value::Array(items) => Yaml::Seq(items.iter().map(convert).collect()),
            serde_json::Value::Object(map) => {
                Yaml::Map(map.iter().map(|(k, v)| (k.clone(), convert(v))).collect())
            }
        }
    }
    serde_json::from_str(json).ok().map(|v| convert(&v))
}

fn text(value: &str) -> Yaml {
    if !value.contains("${") {
        return Yaml::str(value);
    }
    let mut out = String::new();
    let mut rest = value;
    while let Some(open) = rest.find("${") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        match after.find('}') {
            Some(close) => {
                let inner = &after[..close];
                if inner.starts_with("AWS::") || inner.starts_with('!') {
                    out.push_str(&format!("${{{inner}}}"));
                } else {
                    out.push_str(&format!("${{!{inner}}}"));
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    Yaml::Tag("!Sub", out)
}

/// `resize-image` → `ResizeImage`: CloudFormation logical ids are alphanumeric.
fn pascal(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert_str(0, "Fn");
    }
    out
}

/// Logical ids handed out once each.
#[derive(Default)]
struct LogicalIds(BTreeSet<String>);

impl LogicalIds {
    fn claim(&mut self, wanted: &str) -> String {
        let mut id = wanted.to_owned();
        let mut n = 2;
        while !self.0.insert(id.clone()) {
            id = format!("{wanted}{n}");
            n += 1;
        }
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_placeholders() {
        assert_eq!(pascal("resize-image_2"), "ResizeImage2");
        assert_eq!(pascal("9lives"), "Fn9lives");
        assert_eq!(
            text("arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:${Stage}-q"),
            Yaml::Tag(
                "!Sub",
                "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:${!Stage}-q".into()
            )
        );
        let mut ids = LogicalIds::default();
        assert_eq!(ids.claim("A"), "A");
        assert_eq!(ids.claim("A"), "A2");
    }
}
