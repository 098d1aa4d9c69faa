//! `[resources.NAME]` added, replaced and removed: the resource form and the canvas's resource
//! nodes. What a valid resource is stays the manifest reader's rule: an edit is refused with
//! the first error the reader finds in the resource it wrote.

use toml_edit::{DocumentMut, Item, Table, Value};

use super::{EditError, set_keeping_decor};
use crate::manifest::{Billing, KeyType, Resource, ResourceKind, parse_manifest};

/// `[resources.NAME]`'s keys for `resource`, only what is set (a default is left out, as a
/// person writes it), in the order people write them.
pub fn resource_entries(resource: &Resource) -> Vec<(&'static str, Value)> {
    let mut entries = vec![("kind", Value::from(resource.kind.as_str()))];
    if let Some(existing) = &resource.existing {
        entries.push(("existing", Value::from(existing.as_str())));
    }
    if resource.fifo {
        entries.push(("fifo", Value::from(true)));
    }
    if let Some(seconds) = resource.visibility_timeout_s {
        entries.push(("visibility_timeout_s", Value::from(i64::from(seconds))));
    }
    if let Some(dead_letter) = &resource.dead_letter {
        entries.push(("dead_letter", Value::from(dead_letter.as_str())));
    }
    if let Some(max) = resource.max_receives {
        entries.push(("max_receives", Value::from(i64::from(max))));
    }
    for (field, type_field, key) in [
        (
            "partition_key",
            "partition_key_type",
            &resource.partition_key,
        ),
        ("sort_key", "sort_key_type", &resource.sort_key),
    ] {
        if let Some(key) = key {
            entries.push((field, Value::from(key.name.as_str())));
            if key.key_type != KeyType::String {
                entries.push((type_field, Value::from(key.key_type.manifest_name())));
            }
        }
    }
    if resource.kind == ResourceKind::Table && resource.billing != Billing::PayPerRequest {
        entries.push(("billing", Value::from(resource.billing.manifest_name())));
    }
    if let Some(view) = resource.stream {
        entries.push(("stream", Value::from(view.manifest_name())));
    }
    entries
}

/// Every key a resource table may hold.
const RESOURCE_KEYS: &[&str] = &[
    "kind",
    "existing",
    "fifo",
    "visibility_timeout_s",
    "dead_letter",
    "max_receives",
    "partition_key",
    "partition_key_type",
    "sort_key",
    "sort_key_type",
    "billing",
    "stream",
];

/// Adds `[resources.NAME]`, or replaces the settings of the one there (keeping its comments
/// and the place of the keys it keeps).
pub(super) fn set_resource(doc: &mut DocumentMut, resource: &Resource) -> Result<(), EditError> {
    let resources = doc
        .entry("resources")
        .or_insert_with(|| {
            let mut table = Table::new();
            table.set_implicit(true);
            Item::Table(table)
        })
        .as_table_like_mut()
        .ok_or_else(|| EditError::InvalidValue {
            field: "resources".into(),
            message: "`resources` is not a table".into(),
        })?;
    let entries = resource_entries(resource);
    match resources
        .get_mut(&resource.name)
        .and_then(Item::as_table_like_mut)
    {
        Some(table) => {
            let kept: Vec<&str> = entries.iter().map(|(key, _)| *key).collect();
            for key in RESOURCE_KEYS {
                if !kept.contains(key) {
                    table.remove(key);
                }
            }
            for (key, value) in entries {
                set_keeping_decor(table, key, value);
            }
        }
        None => {
            let mut table = Table::new();
            for (key, value) in entries {
                table.insert(key, Item::Value(value));
            }
            resources.insert(&resource.name, Item::Table(table));
        }
    }
    Ok(())
}

/// Removes `[resources.NAME]` (and `[resources]` when it held nothing else). Triggers and
/// permissions naming it are left as they are: they then name an undeclared resource, which
/// the checks report where it matters.
pub(super) fn remove_resource(doc: &mut DocumentMut, name: &str) -> Result<(), EditError> {
    let not_declared = || EditError::InvalidValue {
        field: format!("resources.{name}"),
        message: format!("no resource named `{name}` in functory.toml"),
    };
    let resources = doc
        .get_mut("resources")
        .and_then(Item::as_table_like_mut)
        .ok_or_else(not_declared)?;
    resources.remove(name).ok_or_else(not_declared)?;
    if resources.is_empty() {
        doc.remove("resources");
    }
    Ok(())
}

/// The first error the manifest reader finds in resource `name` of `text`, as an edit error.
pub(super) fn resource_error(text: &str, name: &str) -> Result<(), EditError> {
    let field = format!("resources.{name}");
    let parsed = parse_manifest(text, crate::MANIFEST_FILE_NAME, &crate::manifest::EveryFile);
    match parsed.diagnostics.into_iter().find(|d| {
        d.severity == crate::diagnostic::Severity::Error
            && d.field.as_deref().is_some_and(|f| {
                f == field
                    || f.strip_prefix(field.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            })
    }) {
        Some(diagnostic) => Err(EditError::InvalidValue {
            field: diagnostic.field.unwrap_or(field),
            message: diagnostic.message,
        }),
        None => Ok(()),
    }
}
