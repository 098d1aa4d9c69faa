//! The entries of a function's arrays (`[[functions.F.triggers]]`, `permissions`), in either
//! form (array of tables or inline array): counted, appended after the last one, rewritten
//! key by key, removed; and a function's permissions replaced.

use toml_edit::{InlineTable, Item, Table, TableLike, Value};

use super::{EditError, set_keeping_decor};
use crate::manifest::{Permission, PermissionEffect};

pub(super) fn string_array(items: &[String]) -> Value {
    Value::Array(items.iter().map(String::as_str).collect())
}

/// How many entries the function's `key` array (of tables, or inline) has; 0 when absent.
pub(super) fn array_len(
    table: &dyn TableLike,
    key: &str,
    function: &str,
) -> Result<usize, EditError> {
    match table.get(key) {
        None => Ok(0),
        Some(Item::ArrayOfTables(array)) => Ok(array.len()),
        Some(Item::Value(Value::Array(array))) => Ok(array.len()),
        Some(_) => Err(EditError::InvalidValue {
            field: format!("functions.{function}.{key}"),
            message: "is not a list of tables".into(),
        }),
    }
}

/// Appends a table to the function's `key` array. A `[[…]]` array (or none yet) gets a new
/// `[[functions.F.key]]` section after its last one; an inline array gets an inline table.
pub(super) fn push_entry(
    table: &mut dyn TableLike,
    key: &str,
    function: &str,
    entries: Vec<(&'static str, Value)>,
) -> Result<(), EditError> {
    if table.get(key).is_none() {
        table.insert(key, Item::ArrayOfTables(toml_edit::ArrayOfTables::new()));
    }
    match table.get_mut(key) {
        Some(Item::ArrayOfTables(array)) => {
            let mut new = Table::new();
            // A blank line before the new section, as people separate theirs.
            new.decor_mut().set_prefix("\n");
            for (k, v) in entries {
                new.insert(k, Item::Value(v));
            }
            array.push(new);
            Ok(())
        }
        Some(Item::Value(Value::Array(array))) => {
            let mut new = InlineTable::new();
            for (k, v) in entries {
                new.insert(k, v);
            }
            new.fmt();
            array.push(new);
            Ok(())
        }
        _ => Err(EditError::InvalidValue {
            field: format!("functions.{function}.{key}"),
            message: "is not a list of tables".into(),
        }),
    }
}

/// Entry `index` of the function's `key` array, as a table either way.
pub(super) fn entry_mut<'a>(
    table: &'a mut dyn TableLike,
    key: &str,
    index: usize,
) -> Option<&'a mut dyn TableLike> {
    match table.get_mut(key)? {
        Item::ArrayOfTables(array) => array.get_mut(index).map(|t| t as &mut dyn TableLike),
        Item::Value(Value::Array(array)) => array
            .get_mut(index)
            .and_then(Value::as_inline_table_mut)
            .map(|t| t as &mut dyn TableLike),
        _ => None,
    }
}

/// Removes entry `index`; an array left empty is removed with it. `None` when there is no such
/// entry.
pub(super) fn remove_entry(table: &mut dyn TableLike, key: &str, index: usize) -> Option<()> {
    let now_empty = match table.get_mut(key)? {
        Item::ArrayOfTables(array) if index < array.len() => {
            array.remove(index);
            array.is_empty()
        }
        Item::Value(Value::Array(array)) if index < array.len() => {
            array.remove(index);
            array.is_empty()
        }
        _ => return None,
    };
    if now_empty {
        table.remove(key);
    }
    Some(())
}

/// Brings an entry to `entries`: unchanged values keep their line and comment, changed ones
/// are replaced keeping their decor, new keys are appended and missing ones removed.
pub(super) fn update_entry(entry: &mut dyn TableLike, entries: Vec<(&'static str, Value)>) {
    let wanted: Vec<&str> = entries.iter().map(|(k, _)| *k).collect();
    let stale: Vec<String> = entry
        .iter()
        .map(|(k, _)| k.to_owned())
        .filter(|k| !wanted.contains(&k.as_str()))
        .collect();
    for key in stale {
        entry.remove(&key);
    }
    for (key, value) in entries {
        let same = entry
            .get(key)
            .and_then(Item::as_value)
            .is_some_and(|old| bare(old) == bare(&value));
        if !same {
            set_keeping_decor(entry, key, value);
        }
    }
}

/// A value's text without the whitespace and comment around it, to compare two values.
fn bare(value: &Value) -> String {
    let mut value = value.clone();
    value.decor_mut().clear();
    value.to_string()
}

fn string_list(values: &[String]) -> toml_edit::Array {
    values.iter().map(String::as_str).collect()
}

pub(super) fn set_permissions(table: &mut dyn TableLike, permissions: &[Permission]) {
    let inline = matches!(table.get("permissions"), Some(Item::Value(Value::Array(_))));
    if inline {
        let mut array = toml_edit::Array::new();
        for permission in permissions {
            let mut statement = InlineTable::new();
            if permission.effect == PermissionEffect::Deny {
                statement.insert("effect", Value::from("Deny"));
            }
            statement.insert("actions", Value::Array(string_list(&permission.actions)));
            statement.insert(
                "resources",
                Value::Array(string_list(&permission.resources)),
            );
            array.push(Value::InlineTable(statement));
        }
        for value in array.iter_mut() {
            value.decor_mut().set_prefix("\n    ");
        }
        array.set_trailing("\n");
        array.set_trailing_comma(true);
        set_keeping_decor(table, "permissions", Value::Array(array));
        return;
    }
    // The comment above the first statement describes the permissions: keep it.
    let first_prefix = match table.get("permissions") {
        Some(Item::ArrayOfTables(old)) => old.get(0).and_then(|t| t.decor().prefix()).cloned(),
        _ => None,
    };
    let mut tables = toml_edit::ArrayOfTables::new();
    for (i, permission) in permissions.iter().enumerate() {
        let mut statement = Table::new();
        match (&first_prefix, i) {
            (Some(prefix), 0) => statement.decor_mut().set_prefix(prefix.clone()),
            _ => statement.decor_mut().set_prefix("\n"),
        }
        if permission.effect == PermissionEffect::Deny {
            statement.insert("effect", toml_edit::value("Deny"));
        }
        statement.insert(
            "actions",
            toml_edit::value(string_list(&permission.actions)),
        );
        statement.insert(
            "resources",
            toml_edit::value(string_list(&permission.resources)),
        );
        tables.push(statement);
    }
    match table.get_mut("permissions") {
        Some(item) => *item = Item::ArrayOfTables(tables),
        None => {
            table.insert("permissions", Item::ArrayOfTables(tables));
        }
    }
}
