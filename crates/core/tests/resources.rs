//! `[resources.NAME]` as users write them: what is accepted, the model it becomes, its names
//! and ARNs, and every refusal at its line and field.

#![allow(clippy::unwrap_used)]

use functory_core::manifest::{
    Billing, KeyType, ResourcePlace, StreamView, declared_resource_name,
};
use functory_core::{ParsedManifest, ProjectFiles, ResourceKind, Severity, parse_manifest};

struct NoFiles;

impl ProjectFiles for NoFiles {
    fn is_file(&self, _: &str) -> bool {
        true
    }
}

fn parse(text: &str) -> ParsedManifest {
    parse_manifest(text, "functory.toml", &NoFiles)
}

/// Every error as `line field: message`.
fn errors(text: &str) -> Vec<String> {
    parse(text)
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            format!(
                "{} {}: {}",
                d.line,
                d.field.as_deref().unwrap_or("-"),
                d.message
            )
        })
        .collect()
}

const PLACE: ResourcePlace<'static> = ResourcePlace {
    partition: "aws",
    region: "eu-west-1",
    account: "111122223333",
};

const PROJECT: &str = r#"[project]
name = "shop"

[resources.uploads]
kind = "bucket"

[resources.jobs]
kind = "queue"
visibility_timeout_s = 60
dead_letter = "jobs-failed"
max_receives = 3

[resources.jobs-failed]
kind = "queue"

[resources.orders]
kind = "table"
partition_key = "id"
sort_key = "created"
sort_key_type = "number"
stream = "new_and_old_images"

[resources.events]
kind = "topic"
fifo = true

[resources.bus]
kind = "bus"

[resources.legacy]
kind = "table"
existing = "arn:aws:dynamodb:us-east-1:444455556666:table/Legacy"

[functions.resize]
runtime = "nodejs22.x"
handler = "index.handler"

[[functions.resize.triggers]]
kind = "storage"
bucket = "uploads"

[[functions.resize.triggers]]
kind = "queue"
queue = "jobs"

[[functions.resize.triggers]]
kind = "stream"
stream = "orders"
"#;

#[test]
fn a_project_with_every_kind_parses_into_the_model() {
    let parsed = parse(PROJECT);
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let manifest = parsed.manifest.unwrap();
    let kinds: Vec<(&str, ResourceKind)> = manifest
        .resources
        .iter()
        .map(|r| (r.name.as_str(), r.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("uploads", ResourceKind::Bucket),
            ("jobs", ResourceKind::Queue),
            ("jobs-failed", ResourceKind::Queue),
            ("orders", ResourceKind::Table),
            ("events", ResourceKind::Topic),
            ("bus", ResourceKind::Bus),
            ("legacy", ResourceKind::Table),
        ]
    );
    let jobs = manifest.resource("jobs").unwrap();
    assert_eq!(jobs.visibility_timeout_s, Some(60));
    assert_eq!(jobs.dead_letter.as_deref(), Some("jobs-failed"));
    assert_eq!(jobs.max_receives, Some(3));
    let orders = manifest.resource("orders").unwrap();
    let partition = orders.partition_key.as_ref().unwrap();
    assert_eq!(
        (partition.name.as_str(), partition.key_type),
        ("id", KeyType::String)
    );
    let sort = orders.sort_key.as_ref().unwrap();
    assert_eq!(
        (sort.name.as_str(), sort.key_type),
        ("created", KeyType::Number)
    );
    assert_eq!(orders.billing, Billing::PayPerRequest);
    assert_eq!(orders.stream, Some(StreamView::NewAndOldImages));
}

#[test]
fn names_and_arns_per_place() {
    let manifest = parse(PROJECT).manifest.unwrap();
    let arn = |name: &str| manifest.resource(name).unwrap().arn(PLACE);
    assert_eq!(arn("uploads"), "arn:aws:s3:::uploads");
    assert_eq!(arn("jobs"), "arn:aws:sqs:eu-west-1:111122223333:jobs");
    assert_eq!(
        arn("orders"),
        "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"
    );
    // SNS requires the `.fifo` ending of a FIFO topic; the declared name stays short.
    assert_eq!(
        manifest.resource("events").unwrap().physical_name(),
        "events.fifo"
    );
    assert_eq!(
        arn("events"),
        "arn:aws:sns:eu-west-1:111122223333:events.fifo"
    );
    assert_eq!(
        arn("bus"),
        "arn:aws:events:eu-west-1:111122223333:event-bus/bus"
    );
    // An existing resource is referenced as written, wherever it is.
    assert_eq!(
        arn("legacy"),
        "arn:aws:dynamodb:us-east-1:444455556666:table/Legacy"
    );
    assert_eq!(
        manifest.resource("legacy").unwrap().physical_name(),
        "Legacy"
    );
    assert!(!manifest.resource("legacy").unwrap().is_declared_here());
}

#[test]
fn a_table_without_a_key_is_refused_at_its_line() {
    let text = "[project]\nname = \"p\"\n\n[resources.orders]\nkind = \"table\"\n";
    assert_eq!(
        errors(text),
        [
            "4 resources.orders.partition_key: table `orders` needs a key: add partition_key = \"id\" (and sort_key for a composite key)"
        ]
    );
    // An existing table needs none: it has its own.
    let existing =
        "[project]\nname = \"p\"\n\n[resources.orders]\nkind = \"table\"\nexisting = \"Orders\"\n";
    assert_eq!(errors(existing), Vec::<String>::new());
}

#[test]
fn names_the_services_refuse() {
    let bucket = "[project]\nname = \"p\"\n\n[resources.My_Uploads]\nkind = \"bucket\"\n";
    assert_eq!(
        errors(bucket),
        [
            "4 resources.My_Uploads: `My_Uploads` cannot be a bucket's name: bucket names are lowercase letters, digits, `-` and `.`"
        ]
    );
    let short =
        "[project]\nname = \"p\"\n\n[resources.ab]\nkind = \"table\"\npartition_key = \"id\"\n";
    assert_eq!(
        errors(short),
        ["4 resources.ab: `ab` cannot be a table's name: table names are 3 to 255 characters"]
    );
    let fifo = "[project]\nname = \"p\"\n\n[resources.\"jobs.fifo\"]\nkind = \"queue\"\n";
    assert_eq!(
        errors(fifo),
        [
            "4 resources.jobs.fifo: `jobs.fifo` cannot be a queue's name: a name ending in `.fifo` is a FIFO queue: add fifo = true"
        ]
    );
}

#[test]
fn settings_of_another_kind_and_bad_values() {
    let text = r#"[project]
name = "p"

[resources.uploads]
kind = "bucket"
fifo = true

[resources.jobs]
kind = "queue"
visibility_timeout_s = 50000
max_receives = 0

[resources.things]
kind = "table"
partition_key = "id"
sort_key = "id"
"#;
    assert_eq!(
        errors(text),
        [
            "6 resources.uploads.fifo: `fifo` is not a setting of a bucket",
            "10 resources.jobs.visibility_timeout_s: visibility_timeout_s 50000 is out of range 0..=43200 (SQS allows up to 12 hours)",
            "11 resources.jobs.max_receives: max_receives 0 is out of range 1..=1000",
            "13 resources.things.sort_key: the sort key `id` is the partition key too",
        ]
    );
    // An unknown kind is the TOML reader's error, at the value.
    let unknown = "[project]\nname = \"p\"\n\n[resources.x]\nkind = \"database\"\n";
    let found = errors(unknown);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("5 "), "{found:?}");
    assert!(found[0].contains("unknown variant `database`"), "{found:?}");
}

#[test]
fn dead_letter_queues_are_declared_queues_of_the_same_type() {
    let text = r#"[project]
name = "p"

[resources.jobs]
kind = "queue"
dead_letter = "missing"
max_receives = 3

[resources.orders]
kind = "queue"
fifo = true
dead_letter = "jobs"
max_receives = 3

[resources.self]
kind = "queue"
dead_letter = "self"
max_receives = 3

[resources.uploads]
kind = "bucket"

[resources.odd]
kind = "queue"
dead_letter = "uploads"

[resources.lonely]
kind = "queue"
max_receives = 2
"#;
    assert_eq!(
        errors(text),
        [
            "6 resources.jobs.dead_letter: `missing` is not a declared resource: declare [resources.missing] with kind = \"queue\"",
            "12 resources.orders.dead_letter: `jobs` must be FIFO like the queue it serves: SQS requires both FIFO or both standard",
            "17 resources.self.dead_letter: a queue cannot be its own dead-letter queue",
            "25 resources.odd.max_receives: a dead-letter queue needs `max_receives`: how many receives a message gets before it moves there",
            "25 resources.odd.dead_letter: `uploads` is a bucket, not a queue",
            "27 resources.lonely.dead_letter: `max_receives` needs `dead_letter`: the queue resource messages move to",
        ]
    );
}

#[test]
fn triggers_name_resources_of_their_kind() {
    let text = r#"[project]
name = "p"

[resources.orders]
kind = "table"
partition_key = "id"

[resources.uploads]
kind = "bucket"

[functions.f]
runtime = "python3.13"
handler = "app.handler"

[[functions.f.triggers]]
kind = "queue"
queue = "uploads"

[[functions.f.triggers]]
kind = "stream"
stream = "orders"

[[functions.f.triggers]]
kind = "storage"
bucket = "not-declared-so-existing"
"#;
    assert_eq!(
        errors(text),
        [
            "15 functions.f.triggers[0].queue: `uploads` is a bucket resource, not a queue",
            "19 functions.f.triggers[1].stream: table `orders` has no stream: set stream = \"new_and_old_images\" (or keys_only, new_image, old_image) in [resources.orders]",
        ]
    );
}

#[test]
fn an_existing_arn_of_another_service_is_refused() {
    let text = "[project]\nname = \"p\"\n\n[resources.orders]\nkind = \"table\"\nexisting = \"arn:aws:s3:::orders\"\n";
    assert_eq!(
        errors(text),
        [
            "6 resources.orders.existing: `arn:aws:s3:::orders` is not the ARN of a table (it starts with arn:aws:dynamodb:)"
        ]
    );
    let settings = "[project]\nname = \"p\"\n\n[resources.orders]\nkind = \"table\"\nexisting = \"Orders\"\nstream = \"keys_only\"\n";
    let warnings: Vec<String> = parse(settings)
        .diagnostics
        .iter()
        .map(|d| format!("{} {:?}: {}", d.line, d.severity, d.message))
        .collect();
    assert_eq!(
        warnings,
        [
            "7 Warning: `stream` is not applied: `orders` is an existing table, which Functory never changes"
        ]
    );
}

#[test]
fn topic_and_event_triggers_check_their_json_and_what_they_name() {
    let text = r#"[project]
name = "p"

[resources.orders]
kind = "table"
partition_key = "id"

[resources.events]
kind = "topic"

[functions.f]
runtime = "python3.13"
handler = "app.handler"

[[functions.f.triggers]]
kind = "topic"
topic = "events"
filter_policy = '{"type": ["order"]'

[[functions.f.triggers]]
kind = "topic"
topic = "orders"

[[functions.f.triggers]]
kind = "event"
pattern = '["shop.orders"]'

[[functions.f.triggers]]
kind = "event"
bus = "events"
pattern = '{"source": ["shop.orders"]}'

[[functions.f.triggers]]
kind = "topic"
topic = "events"
filter_policy = '{"type": ["order"]}'
filter_policy_scope = "MessageBody"
"#;
    assert_eq!(
        errors(text),
        [
            "15 functions.f.triggers[0].filter_policy: the filter policy is not valid JSON: EOF while parsing an object at line 1 column 18",
            "20 functions.f.triggers[1].topic: `orders` is a table resource, not a topic",
            "24 functions.f.triggers[2].pattern: the event pattern must be a JSON object (`{\"field\": [values]}`)",
            "28 functions.f.triggers[3].bus: `events` is a topic resource, not a bus",
        ]
    );
    let parsed = parse(text).manifest.unwrap();
    assert_eq!(
        parsed.functions[0].triggers[4],
        functory_core::Trigger::Topic {
            topic: "events".into(),
            filter_policy: Some(r#"{"type": ["order"]}"#.into()),
            filter_policy_scope: Some("MessageBody".into()),
        }
    );
}

#[test]
fn what_a_trigger_needs_reads_declared_resources() {
    use functory_core::trigger_needs::{ArnScope, trigger_needs};
    let manifest = parse(PROJECT).manifest.unwrap();
    let scope = ArnScope::with_resources(&manifest.resources);
    let resize = &manifest.functions[0];
    // `stream = "orders"` names the declared table: its DynamoDB stream, read with DynamoDB's
    // stream actions, not a Kinesis stream of that name.
    let stream = trigger_needs(&resize.name, &resize.triggers[2], &scope)
        .role
        .unwrap();
    assert_eq!(
        stream.resource,
        "arn:aws:dynamodb:*:*:table/orders/stream/*"
    );
    assert!(
        stream.actions.iter().all(|a| a.starts_with("dynamodb:")),
        "{:?}",
        stream.actions
    );
    let queue = trigger_needs(&resize.name, &resize.triggers[1], &scope)
        .role
        .unwrap();
    assert_eq!(queue.resource, "arn:aws:sqs:*:*:jobs");
    // Without the declarations, the same name is read as before (a Kinesis stream).
    let bare = trigger_needs(&resize.name, &resize.triggers[2], &ArnScope::default())
        .role
        .unwrap();
    assert!(bare.resource.contains(":kinesis:"), "{}", bare.resource);
}

#[test]
fn a_queue_must_hide_a_message_as_long_as_its_function_may_run() {
    let text = r#"[project]
name = "jobs"

[resources.slow]
kind = "queue"

[resources.roomy]
kind = "queue"
visibility_timeout_s = 360

[resources.tight]
kind = "queue"
visibility_timeout_s = 45

[resources.theirs]
kind = "queue"
existing = "arn:aws:sqs:eu-west-1:111122223333:theirs"

[functions.work]
runtime = "python3.13"
handler = "work.handler"
timeout_s = 60
triggers = [
  { kind = "queue", queue = "slow" },
  { kind = "queue", queue = "roomy" },
  { kind = "queue", queue = "tight" },
  { kind = "queue", queue = "theirs" },
  { kind = "queue", queue = "undeclared" },
]
"#;
    assert_eq!(
        errors(text),
        [
            "24 functions.work.triggers[0].queue: queue `slow` hides a received message for 30 s (SQS's default), less than `work`'s timeout of 60 s: Lambda refuses to map it; set visibility_timeout_s = 360 in [resources.slow] (six times the timeout, as AWS advises)",
            "26 functions.work.triggers[2].queue: queue `tight` hides a received message for 45 s, less than `work`'s timeout of 60 s: Lambda refuses to map it; set visibility_timeout_s = 360 in [resources.tight] (six times the timeout, as AWS advises)",
        ]
    );
}

// ---- the resource form's edits ----------------------------------------------------------------

fn resource(text: &str, name: &str) -> functory_core::Resource {
    let parsed = parse(text);
    assert!(!parsed.has_errors(), "{:#?}", parsed.diagnostics);
    parsed.manifest.unwrap().resource(name).unwrap().clone()
}

#[test]
fn every_declared_resource_written_back_by_the_edit_reads_the_same() {
    use functory_core::{ManifestEdit, apply_edit};
    let start = "[project]\nname = \"shop\"\n";
    let mut text = start.to_owned();
    // Dead-letter queue first, so each step is a valid manifest.
    for name in [
        "jobs-failed",
        "uploads",
        "jobs",
        "orders",
        "events",
        "bus",
        "legacy",
    ] {
        let wanted = resource(PROJECT, name);
        text = apply_edit(
            &text,
            &ManifestEdit::SetResource {
                resource: wanted.clone(),
            },
        )
        .unwrap();
        assert_eq!(resource(&text, name), wanted, "{text}");
    }
    assert!(text.contains("\n[resources.orders]\nkind = \"table\"\npartition_key = \"id\"\nsort_key = \"created\"\nsort_key_type = \"number\"\nstream = \"new_and_old_images\"\n"), "{text}");
    for name in [
        "jobs",
        "jobs-failed",
        "uploads",
        "orders",
        "events",
        "bus",
        "legacy",
    ] {
        text = apply_edit(&text, &ManifestEdit::RemoveResource { name: name.into() }).unwrap();
    }
    assert_eq!(text, start);
}

#[test]
fn an_edited_resource_keeps_its_comments_and_drops_what_was_unset() {
    use functory_core::{ManifestEdit, apply_edit};
    let text = "[project]\nname = \"shop\"\n\n# Work to do.\n[resources.jobs]\nkind = \"queue\"\nvisibility_timeout_s = 60   # the worker's timeout is 50 s\nfifo = true\n\n[functions.f]\nruntime = \"python3.12\"\nhandler = \"f.handler\"\n";
    let mut jobs = resource(text, "jobs");
    jobs.fifo = false;
    jobs.visibility_timeout_s = Some(120);
    let edited = apply_edit(
        text,
        &ManifestEdit::SetResource {
            resource: jobs.clone(),
        },
    )
    .unwrap();
    assert_eq!(
        edited,
        text.replace("visibility_timeout_s = 60", "visibility_timeout_s = 120")
            .replace("fifo = true\n", "")
    );
    assert_eq!(resource(&edited, "jobs"), jobs);
}

#[test]
fn a_resource_the_reader_refuses_is_not_written() {
    use functory_core::{EditError, ManifestEdit, apply_edit};
    let text = "[project]\nname = \"shop\"\n";
    let mut table = resource(PROJECT, "orders");
    table.partition_key = None;
    table.sort_key = None;
    let refused = apply_edit(text, &ManifestEdit::SetResource { resource: table }).unwrap_err();
    assert!(
        matches!(&refused, EditError::InvalidValue { field, message }
            if field.starts_with("resources.orders") && message.contains("partition_key")),
        "{refused:?}"
    );
    let mut bucket = resource(PROJECT, "uploads");
    bucket.name = "Uploads_Bad".into();
    let refused = apply_edit(text, &ManifestEdit::SetResource { resource: bucket }).unwrap_err();
    assert!(
        matches!(&refused, EditError::InvalidValue { field, message }
            if field == "resources.Uploads_Bad" && message.contains("bucket names")),
        "{refused:?}"
    );
    let missing = apply_edit(
        text,
        &ManifestEdit::RemoveResource {
            name: "nope".into(),
        },
    )
    .unwrap_err();
    assert!(
        missing.to_string().contains("no resource named `nope`"),
        "{missing}"
    );
}

#[test]
fn permissions_name_declared_resources_and_read_as_their_arns() {
    let text = r#"
[project]
name = "shop"

[resources.orders]
kind = "table"
partition_key = "id"

[resources.uploads]
kind = "bucket"

[resources.jobs]
kind = "queue"
fifo = true

[resources.legacy]
kind = "table"
existing = "arn:aws:dynamodb:eu-west-1:111122223333:table/legacy-orders"

[functions.api]
runtime = "python3.13"
handler = "app.handler"

[[functions.api.permissions]]
actions = ["dynamodb:GetItem", "dynamodb:Query"]
resources = ["orders", "orders/index/*", "legacy"]

[[functions.api.permissions]]
actions = ["s3:GetObject"]
resources = ["uploads/*", "arn:aws:s3:::elsewhere/*", "*"]

[[functions.api.permissions]]
actions = ["sqs:SendMessage"]
resources = ["jobs"]
"#;
    let parsed = parse(text);
    assert!(errors(text).is_empty(), "{:?}", errors(text));
    let manifest = parsed.manifest.unwrap();
    let resources: Vec<Vec<String>> = manifest.functions[0]
        .permissions
        .iter()
        .map(|p| p.resources.clone())
        .collect();
    assert_eq!(
        resources,
        [
            vec![
                "arn:aws:dynamodb:*:*:table/orders",
                "arn:aws:dynamodb:*:*:table/orders/index/*",
                "arn:aws:dynamodb:eu-west-1:111122223333:table/legacy-orders",
            ],
            vec!["arn:aws:s3:::uploads/*", "arn:aws:s3:::elsewhere/*", "*"],
            // A FIFO queue's name carries `.fifo`, as SQS requires.
            vec!["arn:aws:sqs:*:*:jobs.fifo"],
        ]
    );
    // And back: each ARN a name became is written as that name; other ARNs have none.
    let named: Vec<Option<String>> = resources
        .iter()
        .flatten()
        .map(|arn| declared_resource_name(arn, &manifest.resources))
        .collect();
    let names: Vec<Option<&str>> = named.iter().map(Option::as_deref).collect();
    assert_eq!(
        names,
        [
            Some("orders"),
            Some("orders/index/*"),
            Some("legacy"),
            Some("uploads/*"),
            None,
            None,
            Some("jobs"),
        ]
    );
}

#[test]
fn a_permission_naming_no_declared_resource_is_refused_at_its_field() {
    let text = r#"
[project]
name = "shop"

[resources.jobs]
kind = "queue"

[resources.uploads]
kind = "bucket"

[functions.api]
runtime = "python3.13"
handler = "app.handler"

[[functions.api.permissions]]
actions = ["s3:GetObject"]
resources = ["orders", "jobs/dead", "uploads/"]
"#;
    // At the permission's line (its `[[…permissions]]` header), the field naming the entry.
    assert_eq!(
        errors(text),
        [
            "15 functions.api.permissions[0].resources[0]: `orders` is neither an ARN, `*`, nor a resource declared in [resources] (declare `[resources.orders]`, or write its ARN)",
            "15 functions.api.permissions[0].resources[1]: `jobs/dead`: a queue has nothing inside it to name after `/`; write `jobs`",
            "15 functions.api.permissions[0].resources[2]: `uploads/` ends with `/`: name what is inside uploads after it (`uploads/*` for everything)",
        ]
    );
}
