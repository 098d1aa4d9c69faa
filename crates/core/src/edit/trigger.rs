//! Trigger edits: a trigger checked as `parse_manifest` would, written as the keys of its
//! table, and the one-`url`-trigger rule.

use toml_edit::{InlineTable, Item, TableLike, Value};

use super::EditError;
use super::entries::string_array;
use crate::manifest::{Cors, Trigger, UrlAuth};

pub(super) fn no_trigger(field: &str) -> EditError {
    EditError::InvalidValue {
        field: field.to_owned(),
        message: "no such trigger".into(),
    }
}

/// The errors `parse_manifest` reports for one trigger (`trigger_check`), refused here so a
/// visual edit never writes a broken manifest.
pub fn check_trigger_fields(trigger: &Trigger, field: &str) -> Result<(), EditError> {
    match crate::trigger_check::trigger_problems(trigger)
        .into_iter()
        .find(|p| p.severity == crate::Severity::Error)
    {
        Some(problem) => Err(EditError::InvalidValue {
            field: format!("{field}.{}", problem.key),
            message: problem.message,
        }),
        None => Ok(()),
    }
}

/// A trigger as the keys of its table, in the order people write them: `kind` first, then the
/// settings; optional settings that are unset are left out, as a hand-written file would.
pub(super) fn trigger_entries(trigger: &Trigger) -> Vec<(&'static str, Value)> {
    let mut entries: Vec<(&'static str, Value)> = Vec::new();
    fn text(entries: &mut Vec<(&'static str, Value)>, key: &'static str, value: &str) {
        entries.push((key, Value::from(value)));
    }
    let e = &mut entries;
    match trigger {
        Trigger::Http {
            method,
            path,
            auth,
            payload_version,
        } => {
            text(e, "kind", "http");
            text(e, "method", &method.to_ascii_uppercase());
            text(e, "path", path);
            if let Some(auth) = auth.as_deref().filter(|a| !a.is_empty() && *a != "none") {
                text(e, "auth", auth);
            }
            if let Some(version) = payload_version.as_deref().filter(|v| !v.is_empty()) {
                text(e, "payload_version", version);
            }
        }
        Trigger::Schedule {
            expression,
            timezone,
        } => {
            text(e, "kind", "schedule");
            text(e, "expression", expression.trim());
            if let Some(tz) = timezone.as_deref().filter(|tz| !tz.is_empty()) {
                text(e, "timezone", tz);
            }
        }
        Trigger::Storage {
            bucket,
            prefix,
            suffix,
            events,
        } => {
            text(e, "kind", "storage");
            text(e, "bucket", bucket);
            if let Some(prefix) = prefix.as_deref().filter(|p| !p.is_empty()) {
                text(e, "prefix", prefix);
            }
            if let Some(suffix) = suffix.as_deref().filter(|s| !s.is_empty()) {
                text(e, "suffix", suffix);
            }
            if let Some(events) = events.as_ref().filter(|e| !e.is_empty()) {
                e.push(("events", string_array(events)));
            }
        }
        Trigger::Queue { queue, batch_size } => {
            text(e, "kind", "queue");
            text(e, "queue", queue);
            if let Some(size) = batch_size {
                e.push(("batch_size", Value::from(i64::from(*size))));
            }
        }
        Trigger::Stream {
            stream,
            batch_size,
            starting_position,
        } => {
            text(e, "kind", "stream");
            text(e, "stream", stream);
            if let Some(size) = batch_size {
                e.push(("batch_size", Value::from(i64::from(*size))));
            }
            if let Some(position) = starting_position.as_deref().filter(|p| !p.is_empty()) {
                e.push(("starting_position", Value::from(position)));
            }
        }
        Trigger::Topic {
            topic,
            filter_policy,
            filter_policy_scope,
        } => {
            text(e, "kind", "topic");
            text(e, "topic", topic);
            if let Some(policy) = filter_policy.as_deref().filter(|p| !p.is_empty()) {
                text(e, "filter_policy", policy);
            }
            if let Some(scope) = filter_policy_scope.as_deref().filter(|s| !s.is_empty()) {
                text(e, "filter_policy_scope", scope);
            }
        }
        Trigger::Event { bus, pattern } => {
            text(e, "kind", "event");
            if let Some(bus) = bus.as_deref().filter(|b| !b.is_empty()) {
                text(e, "bus", bus);
            }
            text(e, "pattern", pattern);
        }
        Trigger::Url { auth, cors } => {
            text(e, "kind", "url");
            text(
                e,
                "auth",
                match auth {
                    UrlAuth::Iam => "iam",
                    UrlAuth::None => "none",
                },
            );
            if let Some(cors) = cors {
                e.push(("cors", Value::InlineTable(cors_table(cors))));
            }
        }
    }
    entries
}

fn cors_table(cors: &Cors) -> InlineTable {
    let mut table = InlineTable::new();
    for (key, items) in [
        ("allow_origins", &cors.allow_origins),
        ("allow_methods", &cors.allow_methods),
        ("allow_headers", &cors.allow_headers),
        ("expose_headers", &cors.expose_headers),
    ] {
        if !items.is_empty() {
            table.insert(key, string_array(items));
        }
    }
    if cors.allow_credentials {
        table.insert("allow_credentials", Value::from(true));
    }
    if let Some(age) = cors.max_age {
        table.insert("max_age", Value::from(i64::from(age)));
    }
    table.fmt();
    table
}

pub(super) fn has_url_trigger(table: &dyn TableLike, except: Option<usize>) -> bool {
    let is_url = |kind: Option<&str>| kind == Some("url");
    match table.get("triggers") {
        Some(Item::ArrayOfTables(array)) => array
            .iter()
            .enumerate()
            .any(|(i, t)| Some(i) != except && is_url(t.get("kind").and_then(Item::as_str))),
        Some(Item::Value(Value::Array(array))) => array.iter().enumerate().any(|(i, v)| {
            Some(i) != except
                && is_url(
                    v.as_inline_table()
                        .and_then(|t| t.get("kind"))
                        .and_then(Value::as_str),
                )
        }),
        _ => false,
    }
}
