//! `[resources.NAME]`: the buckets, queues, tables, topics and event buses a project declares
//! once, which triggers refer to by name and which the local run (and later a cloud deploy)
//! creates. This module is the one owner of what a declaration may say, the service's naming
//! rules, and how a declared resource becomes its physical name and ARN on a target.

use std::ops::Range;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_spanned::Spanned;
use ts_rs::TS;

use super::Validator;

/// What a resource is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ResourceKind {
    /// An S3 bucket.
    Bucket,
    /// An SQS queue.
    Queue,
    /// A DynamoDB table.
    Table,
    /// An SNS topic.
    Topic,
    /// An EventBridge event bus.
    Bus,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Bucket => "bucket",
            ResourceKind::Queue => "queue",
            ResourceKind::Table => "table",
            ResourceKind::Topic => "topic",
            ResourceKind::Bus => "bus",
        }
    }

    /// The ARN prefix of this kind's resources (after `arn:PARTITION:`): what an `existing` ARN
    /// must start with.
    fn arn_service(self) -> (&'static str, &'static str) {
        match self {
            ResourceKind::Bucket => ("s3", ""),
            ResourceKind::Queue => ("sqs", ""),
            ResourceKind::Table => ("dynamodb", "table/"),
            ResourceKind::Topic => ("sns", ""),
            ResourceKind::Bus => ("events", "event-bus/"),
        }
    }
}

impl std::fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A DynamoDB key attribute's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum KeyType {
    #[default]
    String,
    Number,
    Binary,
}

impl KeyType {
    /// DynamoDB's attribute type letter.
    pub fn letter(self) -> &'static str {
        match self {
            KeyType::String => "S",
            KeyType::Number => "N",
            KeyType::Binary => "B",
        }
    }

    /// From DynamoDB's letter (`S`, `N`, `B`) or SAM's word (`String`, `Number`, `Binary`).
    pub fn from_aws(text: &str) -> Option<KeyType> {
        match text {
            "S" | "String" => Some(KeyType::String),
            "N" | "Number" => Some(KeyType::Number),
            "B" | "Binary" => Some(KeyType::Binary),
            _ => None,
        }
    }

    /// As functory.toml writes it.
    pub fn manifest_name(self) -> &'static str {
        match self {
            KeyType::String => "string",
            KeyType::Number => "number",
            KeyType::Binary => "binary",
        }
    }
}

/// A table's key attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyAttribute {
    pub name: String,
    pub key_type: KeyType,
}

/// How a table is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Billing {
    #[default]
    PayPerRequest,
    Provisioned,
}

/// What a table's stream records carry (DynamoDB's `StreamViewType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum StreamView {
    KeysOnly,
    NewImage,
    OldImage,
    NewAndOldImages,
}

impl StreamView {
    /// DynamoDB's name for it.
    pub fn aws_name(self) -> &'static str {
        match self {
            StreamView::KeysOnly => "KEYS_ONLY",
            StreamView::NewImage => "NEW_IMAGE",
            StreamView::OldImage => "OLD_IMAGE",
            StreamView::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }

    pub const ALL: [StreamView; 4] = [
        StreamView::KeysOnly,
        StreamView::NewImage,
        StreamView::OldImage,
        StreamView::NewAndOldImages,
    ];

    /// From DynamoDB's name (`NEW_AND_OLD_IMAGES`).
    pub fn from_aws(text: &str) -> Option<StreamView> {
        Self::ALL.into_iter().find(|v| v.aws_name() == text)
    }

    /// As functory.toml writes it (`new_and_old_images`).
    pub fn manifest_name(self) -> String {
        self.aws_name().to_ascii_lowercase()
    }
}

impl Billing {
    /// As functory.toml writes it.
    pub fn manifest_name(self) -> &'static str {
        match self {
            Billing::PayPerRequest => "pay_per_request",
            Billing::Provisioned => "provisioned",
        }
    }
}

/// `[resources.NAME]`, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Resource {
    /// The name triggers and permissions use.
    pub name: String,
    pub kind: ResourceKind,
    /// A resource that exists already (its name or ARN): referenced, never created or deleted.
    pub existing: Option<String>,
    /// Queues and topics: first-in-first-out (the physical name ends in `.fifo`).
    pub fifo: bool,
    /// Queues: seconds a received message stays hidden (SQS's default 30 when unset).
    pub visibility_timeout_s: Option<u32>,
    /// Queues: the queue resource that messages go to after `max_receives` receives.
    pub dead_letter: Option<String>,
    pub max_receives: Option<u32>,
    /// Tables: the partition (hash) key and the optional sort (range) key.
    pub partition_key: Option<KeyAttribute>,
    pub sort_key: Option<KeyAttribute>,
    pub billing: Billing,
    /// Tables: the stream's view type; no stream when unset.
    pub stream: Option<StreamView>,
}

/// Where a resource lives: what turns a declared name into an ARN.
#[derive(Debug, Clone, Copy)]
pub struct ResourcePlace<'a> {
    pub partition: &'a str,
    pub region: &'a str,
    pub account: &'a str,
}

impl Resource {
    /// The name the service knows it by: the `existing` name (or the name in its ARN), else
    /// the declared name, with `.fifo` added to a FIFO queue or topic as SQS and SNS require.
    pub fn physical_name(&self) -> String {
        if let Some(existing) = &self.existing {
            return name_in_arn(existing).unwrap_or(existing).to_owned();
        }
        if self.fifo && !self.name.ends_with(".fifo") {
            format!("{}.fifo", self.name)
        } else {
            self.name.clone()
        }
    }

    /// The resource's ARN at `place` (an `existing` ARN as written).
    pub fn arn(&self, place: ResourcePlace<'_>) -> String {
        if let Some(existing) = self.existing.as_deref().filter(|e| e.starts_with("arn:")) {
            return existing.to_owned();
        }
        let ResourcePlace {
            partition,
            region,
            account,
        } = place;
        let name = self.physical_name();
        match self.kind {
            ResourceKind::Bucket => format!("arn:{partition}:s3:::{name}"),
            ResourceKind::Queue => format!("arn:{partition}:sqs:{region}:{account}:{name}"),
            ResourceKind::Table => {
                format!("arn:{partition}:dynamodb:{region}:{account}:table/{name}")
            }
            ResourceKind::Topic => format!("arn:{partition}:sns:{region}:{account}:{name}"),
            ResourceKind::Bus => {
                format!("arn:{partition}:events:{region}:{account}:event-bus/{name}")
            }
        }
    }

    /// Whether this is a declaration the deploy or the local run creates.
    pub fn is_declared_here(&self) -> bool {
        self.existing.is_none()
    }
}

/// Where a permission's declared resource is written in IAM: any region and account of AWS's
/// standard partition, so one manifest serves every AWS target (and the local services, whose
/// identities widen region and account anyway). Buckets have neither in their ARNs.
const PERMISSION_PLACE: ResourcePlace<'static> = ResourcePlace {
    partition: "aws",
    region: "*",
    account: "*",
};

/// A permission's resource as IAM reads it. `*` and ARNs stand as written; otherwise the text
/// names a declared resource (`orders`), optionally followed by what is inside it after a `/`
/// (a bucket's objects, `uploads/*`; a table's indexes or stream, `orders/index/*`), and
/// becomes that resource's ARN. Anything else is refused with why.
pub fn permission_resource_arn(text: &str, resources: &[Resource]) -> Result<String, String> {
    if text == "*" || text.starts_with("arn:") {
        return Ok(text.to_owned());
    }
    let (name, inside) = match text.split_once('/') {
        Some((name, inside)) => (name, Some(inside)),
        None => (text, None),
    };
    let Some(resource) = resources.iter().find(|r| r.name == name) else {
        return Err(format!(
            "`{text}` is neither an ARN, `*`, nor a resource declared in [resources] (declare `[resources.{name}]`, or write its ARN)"
        ));
    };
    let arn = resource.arn(PERMISSION_PLACE);
    match inside {
        None => Ok(arn),
        Some(inside) => match resource.kind {
            ResourceKind::Bucket | ResourceKind::Table if !inside.is_empty() => {
                Ok(format!("{arn}/{inside}"))
            }
            ResourceKind::Bucket | ResourceKind::Table => Err(format!(
                "`{text}` ends with `/`: name what is inside {name} after it (`{name}/*` for everything)"
            )),
            kind => Err(format!(
                "`{text}`: a {} has nothing inside it to name after `/`; write `{name}`",
                kind.as_str()
            )),
        },
    }
}

/// The other way round: how a permission can name `arn` through a declared resource (`orders`,
/// `uploads/*`), when `arn` is what [`permission_resource_arn`] makes of such a name; `None`
/// for any other resource. What the analyzer generates is written with these names.
pub fn declared_resource_name(arn: &str, resources: &[Resource]) -> Option<String> {
    if !arn.starts_with("arn:") {
        return None;
    }
    resources.iter().find_map(|resource| {
        let own = resource.arn(PERMISSION_PLACE);
        if arn == own {
            return Some(resource.name.clone());
        }
        let inside = arn.strip_prefix(&own)?.strip_prefix('/')?;
        (matches!(resource.kind, ResourceKind::Bucket | ResourceKind::Table) && !inside.is_empty())
            .then(|| format!("{}/{inside}", resource.name))
    })
}

/// The resource name at the end of an ARN (`…:table/orders` → `orders`, `arn:aws:s3:::b` →
/// `b`); `None` when `text` is not an ARN.
fn name_in_arn(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("arn:")?;
    let resource = rest.splitn(5, ':').nth(4)?;
    Some(resource.rsplit('/').next().unwrap_or(resource))
}

// ---- raw shape and validation --------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawResource {
    kind: Spanned<ResourceKind>,
    existing: Option<Spanned<String>>,
    fifo: Option<Spanned<bool>>,
    visibility_timeout_s: Option<Spanned<i64>>,
    dead_letter: Option<Spanned<String>>,
    max_receives: Option<Spanned<i64>>,
    partition_key: Option<Spanned<String>>,
    partition_key_type: Option<Spanned<KeyType>>,
    sort_key: Option<Spanned<String>>,
    sort_key_type: Option<Spanned<KeyType>>,
    billing: Option<Spanned<Billing>>,
    stream: Option<Spanned<StreamView>>,
}

/// Which settings belong to which kind, for "`fifo` is not a setting of a table".
fn settings_of(kind: ResourceKind) -> &'static [&'static str] {
    match kind {
        ResourceKind::Bucket | ResourceKind::Bus => &[],
        ResourceKind::Queue => &[
            "fifo",
            "visibility_timeout_s",
            "dead_letter",
            "max_receives",
        ],
        ResourceKind::Table => &[
            "partition_key",
            "partition_key_type",
            "sort_key",
            "sort_key_type",
            "billing",
            "stream",
        ],
        ResourceKind::Topic => &["fifo"],
    }
}

pub(super) fn validate_resources(
    raw: IndexMap<Spanned<String>, Spanned<RawResource>>,
    v: &mut Validator<'_>,
) -> Vec<Resource> {
    let first_diagnostic = v.diagnostics.len();
    let mut resources = Vec::new();
    let mut dead_letters: Vec<(String, Range<usize>, String)> = Vec::new();
    for (name, raw) in raw {
        let field = format!("resources.{}", name.get_ref());
        let name_span = name.span();
        let name = name.into_inner();
        if !is_valid_resource_name(&name) {
            v.error(
                name_span.clone(),
                &field,
                format!("resource name `{name}` must be 1 to 64 letters, digits, `-`, `_` or `.`"),
            );
        }
        let span = raw.span();
        let raw = raw.into_inner();
        let kind = *raw.kind.get_ref();
        let allowed = settings_of(kind);
        let present: [(&str, Option<Range<usize>>); 10] = [
            ("fifo", raw.fifo.as_ref().map(Spanned::span)),
            (
                "visibility_timeout_s",
                raw.visibility_timeout_s.as_ref().map(Spanned::span),
            ),
            ("dead_letter", raw.dead_letter.as_ref().map(Spanned::span)),
            ("max_receives", raw.max_receives.as_ref().map(Spanned::span)),
            (
                "partition_key",
                raw.partition_key.as_ref().map(Spanned::span),
            ),
            (
                "partition_key_type",
                raw.partition_key_type.as_ref().map(Spanned::span),
            ),
            ("sort_key", raw.sort_key.as_ref().map(Spanned::span)),
            (
                "sort_key_type",
                raw.sort_key_type.as_ref().map(Spanned::span),
            ),
            ("billing", raw.billing.as_ref().map(Spanned::span)),
            ("stream", raw.stream.as_ref().map(Spanned::span)),
        ];
        for (setting, setting_span) in &present {
            let Some(setting_span) = setting_span else {
                continue;
            };
            if !allowed.contains(setting) {
                v.error(
                    setting_span.clone(),
                    format!("{field}.{setting}"),
                    format!("`{setting}` is not a setting of a {kind}"),
                );
            } else if raw.existing.is_some() {
                v.warning(
                    setting_span.clone(),
                    format!("{field}.{setting}"),
                    format!(
                        "`{setting}` is not applied: `{name}` is an existing {kind}, which Functory never changes"
                    ),
                );
            }
        }

        let mut resource = Resource {
            name: name.clone(),
            kind,
            existing: None,
            fifo: raw.fifo.as_ref().is_some_and(|f| *f.get_ref()),
            visibility_timeout_s: None,
            dead_letter: None,
            max_receives: None,
            partition_key: None,
            sort_key: None,
            billing: raw.billing.map(Spanned::into_inner).unwrap_or_default(),
            stream: raw.stream.map(Spanned::into_inner),
        };

        if let Some(existing) = raw.existing {
            if let Some(problem) = existing_problem(kind, existing.get_ref()) {
                v.error(existing.span(), format!("{field}.existing"), problem);
            }
            resource.existing = Some(existing.into_inner());
        } else if let Some(problem) = physical_name_problem(&resource) {
            v.error(name_span.clone(), &field, problem);
        }

        if let Some(timeout) = raw.visibility_timeout_s {
            match u32::try_from(*timeout.get_ref()) {
                Ok(seconds) if seconds <= 43_200 => resource.visibility_timeout_s = Some(seconds),
                _ => v.error(
                    timeout.span(),
                    format!("{field}.visibility_timeout_s"),
                    format!(
                        "visibility_timeout_s {} is out of range 0..=43200 (SQS allows up to 12 hours)",
                        timeout.get_ref()
                    ),
                ),
            }
        }
        if let Some(receives) = raw.max_receives {
            match u32::try_from(*receives.get_ref()) {
                Ok(count) if (1..=1000).contains(&count) => resource.max_receives = Some(count),
                _ => v.error(
                    receives.span(),
                    format!("{field}.max_receives"),
                    format!(
                        "max_receives {} is out of range 1..=1000",
                        receives.get_ref()
                    ),
                ),
            }
        }
        match (&raw.dead_letter, &resource.max_receives) {
            (Some(dead_letter), None) if resource.existing.is_none() => v.error(
                dead_letter.span(),
                format!("{field}.max_receives"),
                "a dead-letter queue needs `max_receives`: how many receives a message gets before it moves there",
            ),
            (None, Some(_)) if resource.existing.is_none() => v.error(
                span.clone(),
                format!("{field}.dead_letter"),
                "`max_receives` needs `dead_letter`: the queue resource messages move to",
            ),
            _ => {}
        }
        if let Some(dead_letter) = raw.dead_letter {
            dead_letters.push((
                field.clone(),
                dead_letter.span(),
                dead_letter.get_ref().clone(),
            ));
            resource.dead_letter = Some(dead_letter.into_inner());
        }

        if kind == ResourceKind::Table {
            resource.partition_key = key_attribute(
                raw.partition_key,
                raw.partition_key_type,
                &format!("{field}.partition_key"),
                v,
            );
            resource.sort_key = key_attribute(
                raw.sort_key,
                raw.sort_key_type,
                &format!("{field}.sort_key"),
                v,
            );
            if resource.partition_key.is_none() && resource.existing.is_none() {
                v.error(
                    span.clone(),
                    format!("{field}.partition_key"),
                    format!(
                        "table `{name}` needs a key: add partition_key = \"id\" (and sort_key for a composite key)"
                    ),
                );
            }
            if let (Some(partition), Some(sort)) = (&resource.partition_key, &resource.sort_key)
                && partition.name == sort.name
            {
                v.error(
                    span.clone(),
                    format!("{field}.sort_key"),
                    format!("the sort key `{}` is the partition key too", sort.name),
                );
            }
        }
        resources.push(resource);
    }

    for (field, span, target) in dead_letters {
        let source = resources
            .iter()
            .find(|r| format!("resources.{}", r.name) == field);
        match resources.iter().find(|r| r.name == target) {
            None => v.error(
                span,
                format!("{field}.dead_letter"),
                format!(
                    "`{target}` is not a declared resource: declare [resources.{target}] with kind = \"queue\""
                ),
            ),
            Some(r) if r.kind != ResourceKind::Queue => v.error(
                span,
                format!("{field}.dead_letter"),
                format!("`{target}` is a {}, not a queue", r.kind),
            ),
            Some(r) if source.is_some_and(|s| s.name == r.name) => v.error(
                span,
                format!("{field}.dead_letter"),
                "a queue cannot be its own dead-letter queue",
            ),
            Some(r) if source.is_some_and(|s| s.fifo != r.fifo) => v.error(
                span,
                format!("{field}.dead_letter"),
                format!(
                    "`{target}` must be {} like the queue it serves: SQS requires both FIFO or both standard",
                    if r.fifo { "standard" } else { "FIFO" }
                ),
            ),
            Some(_) => {}
        }
    }
    // Dead-letter checks come after every resource was read: back into the file's order.
    v.diagnostics[first_diagnostic..].sort_by_key(|d| d.line);
    resources
}

fn key_attribute(
    name: Option<Spanned<String>>,
    key_type: Option<Spanned<KeyType>>,
    field: &str,
    v: &mut Validator<'_>,
) -> Option<KeyAttribute> {
    match name {
        Some(name) => {
            let text = name.get_ref();
            if text.is_empty() || text.len() > 255 {
                v.error(
                    name.span(),
                    field,
                    "a key attribute's name is 1 to 255 characters",
                );
            }
            Some(KeyAttribute {
                name: name.into_inner(),
                key_type: key_type.map(Spanned::into_inner).unwrap_or_default(),
            })
        }
        None => {
            if let Some(key_type) = key_type {
                v.error(
                    key_type.span(),
                    format!("{field}_type"),
                    format!("`{field}_type` without `{field}`: name the key attribute too"),
                );
            }
            None
        }
    }
}

pub(super) fn is_valid_resource_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

/// Why the service would refuse the name a declared resource gets.
fn physical_name_problem(resource: &Resource) -> Option<String> {
    let name = resource.physical_name();
    let kind = resource.kind;
    let why = match kind {
        ResourceKind::Bucket => bucket_name_problem(&name),
        ResourceKind::Queue | ResourceKind::Topic => {
            let base = name.strip_suffix(".fifo").unwrap_or(&name);
            let limit = if kind == ResourceKind::Queue { 80 } else { 256 };
            if name.len() > limit {
                Some(format!("{kind} names are at most {limit} characters"))
            } else if !base
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                Some(format!(
                    "{kind} names are letters, digits, `-` and `_` (and `.fifo` at the end of a FIFO one)"
                ))
            } else if name.ends_with(".fifo") && !resource.fifo {
                Some(format!(
                    "a name ending in `.fifo` is a FIFO {kind}: add fifo = true"
                ))
            } else {
                None
            }
        }
        ResourceKind::Table => {
            (name.len() < 3).then(|| "table names are 3 to 255 characters".to_owned())
        }
        ResourceKind::Bus => None,
    }?;
    Some(format!("`{name}` cannot be a {kind}'s name: {why}"))
}

/// S3's bucket naming rules (general purpose buckets).
fn bucket_name_problem(name: &str) -> Option<String> {
    if !(3..=63).contains(&name.len()) {
        return Some("bucket names are 3 to 63 characters".to_owned());
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        return Some("bucket names are lowercase letters, digits, `-` and `.`".to_owned());
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return Some("bucket names begin and end with a letter or digit".to_owned());
    }
    if name.contains("..") {
        return Some("bucket names have no two adjacent periods".to_owned());
    }
    if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return Some("bucket names are not IP addresses".to_owned());
    }
    if name.starts_with("xn--") || name.starts_with("sthree-") || name.ends_with("-s3alias") {
        return Some(
            "bucket names do not begin with `xn--` or `sthree-` or end with `-s3alias`".to_owned(),
        );
    }
    None
}

/// Why `existing` cannot name a resource of `kind`: an ARN of another service or type.
fn existing_problem(kind: ResourceKind, existing: &str) -> Option<String> {
    if existing.trim().is_empty() {
        return Some("`existing` is empty: give the resource's name or ARN".to_owned());
    }
    if !existing.starts_with("arn:") {
        return None;
    }
    let parts: Vec<&str> = existing.splitn(6, ':').collect();
    let (service, resource_prefix) = kind.arn_service();
    let fine = parts.len() == 6
        && parts[2] == service
        && parts[5].starts_with(resource_prefix)
        && parts[5].len() > resource_prefix.len();
    (!fine).then(|| {
        format!("`{existing}` is not the ARN of a {kind} (it starts with arn:aws:{service}:)")
    })
}

/// What a trigger's `bucket`, `queue` or `stream` names, and the resource kinds it may be.
#[derive(Debug, Clone)]
pub(super) struct TriggerReference {
    pub field: String,
    pub span: Range<usize>,
    pub name: String,
    pub expects: ResourceKind,
    /// The function the trigger invokes, and its timeout.
    pub function: String,
    pub timeout_s: u32,
}

/// What SQS hides a received message for when the queue does not say.
const SQS_DEFAULT_VISIBILITY_S: u32 = 30;

/// A trigger that names a declared resource must name one of the right kind; a name that is
/// not declared stays what it was before resources existed (a resource that exists already).
/// A `stream` trigger naming a table needs that table's stream, and a `queue` trigger a queue
/// that hides a message at least as long as the function may run (Lambda refuses to map a
/// queue whose visibility timeout is shorter than the function's timeout).
pub(super) fn check_trigger_references(resources: &[Resource], v: &mut Validator<'_>) {
    let references = std::mem::take(&mut v.resource_references);
    let before = v.diagnostics.len();
    for reference in references {
        let Some(resource) = resources.iter().find(|r| r.name == reference.name) else {
            continue;
        };
        if resource.kind != reference.expects {
            v.error(
                reference.span,
                reference.field,
                format!(
                    "`{}` is a {} resource, not a {}",
                    reference.name, resource.kind, reference.expects
                ),
            );
        } else if reference.expects == ResourceKind::Table
            && resource.stream.is_none()
            && resource.existing.is_none()
        {
            v.error(
                reference.span,
                reference.field,
                format!(
                    "table `{}` has no stream: set stream = \"new_and_old_images\" (or keys_only, new_image, old_image) in [resources.{}]",
                    reference.name, reference.name
                ),
            );
        } else if reference.expects == ResourceKind::Queue && resource.existing.is_none() {
            let visibility = resource
                .visibility_timeout_s
                .unwrap_or(SQS_DEFAULT_VISIBILITY_S);
            if visibility < reference.timeout_s {
                let advised = (reference.timeout_s * 6).min(43_200);
                v.error(
                    reference.span,
                    reference.field,
                    format!(
                        "queue `{}` hides a received message for {visibility} s{}, less than `{}`'s timeout of {} s: Lambda refuses to map it; set visibility_timeout_s = {advised} in [resources.{}] (six times the timeout, as AWS advises)",
                        reference.name,
                        if resource.visibility_timeout_s.is_none() {
                            " (SQS's default)"
                        } else {
                            ""
                        },
                        reference.function,
                        reference.timeout_s,
                        reference.name
                    ),
                );
            }
        }
    }
    // Found after every function was read: back into the file's order, as route conflicts are.
    if v.diagnostics.len() > before {
        v.diagnostics.sort_by_key(|d| d.line);
    }
}
