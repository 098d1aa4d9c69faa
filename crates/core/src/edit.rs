//! Edits the app makes to `functory.toml`.
//!
//! Every edit goes through `toml_edit` on the user's own text: only the lines an edit is about
//! change, and comments, blank lines, key order and quoting elsewhere stay as the user wrote
//! them. A value that is replaced keeps its own trailing comment.

use serde::{Deserialize, Serialize};
use toml_edit::{DocumentMut, InlineTable, Item, Table, TableLike, Value};
use ts_rs::TS;

use crate::manifest::{
    MEMORY_MB_RANGE, Permission, PermissionEffect, TIMEOUT_S_RANGE, is_valid_env_key,
    is_valid_function_name,
};
use crate::runtime::Runtime;

/// One change to a manifest, as the settings form and the trigger designer ask for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[ts(export)]
pub enum ManifestEdit {
    SetMemory {
        function: String,
        memory_mb: u32,
    },
    SetTimeout {
        function: String,
        timeout_s: u32,
    },
    SetEnv {
        function: String,
        key: String,
        value: String,
    },
    RemoveEnv {
        function: String,
        key: String,
    },
    AddFunction {
        name: String,
        runtime: String,
        handler: String,
        http_path: Option<String>,
    },
    /// Chooses how a target signs in: an AWS profile by name, or a keychain account by name
    /// (at most one; neither removes both keys).
    SetTargetCredentials {
        target: String,
        profile: Option<String>,
        account: Option<String>,
    },
    /// Replaces a function's `permissions` (the generated least-privilege policy). Written as
    /// `[[functions.NAME.permissions]]` tables unless the function used an inline array.
    SetPermissions {
        function: String,
        permissions: Vec<Permission>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("functory.toml does not parse, fix it first: {0}")]
    Unparsable(String),
    #[error("no function named `{0}` in functory.toml")]
    FunctionNotFound(String),
    #[error("a function named `{0}` already exists")]
    FunctionExists(String),
    #[error("{field}: {message}")]
    InvalidValue { field: String, message: String },
}

/// Applies `edit` to the manifest `text` and returns the new text.
pub fn apply_edit(text: &str, edit: &ManifestEdit) -> Result<String, EditError> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| EditError::Unparsable(e.message().to_owned()))?;
    match edit {
        ManifestEdit::SetMemory {
            function,
            memory_mb,
        } => {
            check_range(
                &format!("functions.{function}.memory_mb"),
                *memory_mb,
                MEMORY_MB_RANGE,
                "MB",
            )?;
            let table = function_table(&mut doc, function)?;
            set_keeping_decor(table, "memory_mb", Value::from(i64::from(*memory_mb)));
        }
        ManifestEdit::SetTimeout {
            function,
            timeout_s,
        } => {
            check_range(
                &format!("functions.{function}.timeout_s"),
                *timeout_s,
                TIMEOUT_S_RANGE,
                "seconds",
            )?;
            let table = function_table(&mut doc, function)?;
            set_keeping_decor(table, "timeout_s", Value::from(i64::from(*timeout_s)));
        }
        ManifestEdit::SetEnv {
            function,
            key,
            value,
        } => {
            let field = format!("functions.{function}.environment.{key}");
            if !is_valid_env_key(key) {
                return Err(EditError::InvalidValue {
                    field,
                    message: "a variable name must start with a letter and contain only letters, digits and `_`".into(),
                });
            }
            let table = function_table(&mut doc, function)?;
            if table.get("environment").is_none() {
                table.insert(
                    "environment",
                    Item::Value(Value::InlineTable(InlineTable::new())),
                );
            }
            let environment = table
                .get_mut("environment")
                .and_then(Item::as_table_like_mut)
                .ok_or_else(|| EditError::InvalidValue {
                    field: format!("functions.{function}.environment"),
                    message: "is not a table".into(),
                })?;
            set_keeping_decor(environment, key, Value::from(value.as_str()));
            if let Some(inline) = table
                .get_mut("environment")
                .and_then(Item::as_inline_table_mut)
            {
                inline.fmt();
            }
        }
        ManifestEdit::RemoveEnv { function, key } => {
            let table = function_table(&mut doc, function)?;
            let removed = table
                .get_mut("environment")
                .and_then(Item::as_table_like_mut)
                .and_then(|environment| environment.remove(key));
            if removed.is_none() {
                return Err(EditError::InvalidValue {
                    field: format!("functions.{function}.environment.{key}"),
                    message: "no such variable".into(),
                });
            }
        }
        ManifestEdit::SetTargetCredentials {
            target,
            profile,
            account,
        } => {
            let field = format!("targets.{target}");
            if profile.is_some() && account.is_some() {
                return Err(EditError::InvalidValue {
                    field,
                    message: "choose either an AWS profile or a keychain account, not both".into(),
                });
            }
            let table = doc
                .get_mut("targets")
                .and_then(Item::as_table_like_mut)
                .and_then(|targets| targets.get_mut(target))
                .and_then(Item::as_table_like_mut)
                .ok_or_else(|| EditError::InvalidValue {
                    field: field.clone(),
                    message: "no such target".into(),
                })?;
            let adapter = table
                .get("adapter")
                .and_then(Item::as_str)
                .unwrap_or_default()
                .to_owned();
            if profile.is_some() && adapter != "aws" {
                return Err(EditError::InvalidValue {
                    field: format!("{field}.profile"),
                    message: format!(
                        "AWS profiles apply to targets with adapter = \"aws\"; this target uses \"{adapter}\""
                    ),
                });
            }
            for (key, value) in [("profile", profile), ("account", account)] {
                match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                    Some(value) => set_keeping_decor(table, key, Value::from(value)),
                    None => {
                        table.remove(key);
                    }
                }
            }
        }
        ManifestEdit::SetPermissions {
            function,
            permissions,
        } => {
            if let Some(i) = permissions.iter().position(|p| p.actions.is_empty()) {
                return Err(EditError::InvalidValue {
                    field: format!("functions.{function}.permissions[{i}].actions"),
                    message: "a statement needs at least one action".into(),
                });
            }
            let table = function_table(&mut doc, function)?;
            set_permissions(table, permissions);
        }
        ManifestEdit::AddFunction {
            name,
            runtime,
            handler,
            http_path,
        } => {
            if !is_valid_function_name(name) {
                return Err(EditError::InvalidValue {
                    field: format!("functions.{name}"),
                    message: "a function name is 1 to 64 letters, digits, `-` or `_`".into(),
                });
            }
            if runtime.parse::<Runtime>().is_err() {
                return Err(EditError::InvalidValue {
                    field: format!("functions.{name}.runtime"),
                    message: format!("unknown runtime `{runtime}`"),
                });
            }
            let functions = doc.entry("functions").or_insert_with(|| {
                let mut table = Table::new();
                table.set_implicit(true);
                Item::Table(table)
            });
            let functions =
                functions
                    .as_table_like_mut()
                    .ok_or_else(|| EditError::InvalidValue {
                        field: "functions".into(),
                        message: "is not a table".into(),
                    })?;
            if functions
                .iter()
                .any(|(existing, _)| existing.eq_ignore_ascii_case(name))
            {
                return Err(EditError::FunctionExists(name.clone()));
            }
            let mut table = Table::new();
            table.decor_mut().set_prefix("\n");
            table.insert("runtime", toml_edit::value(runtime.as_str()));
            table.insert("handler", toml_edit::value(handler.as_str()));
            table.insert("memory_mb", toml_edit::value(128));
            table.insert("timeout_s", toml_edit::value(10));
            if let Some(path) = http_path {
                let mut trigger = Table::new();
                trigger.insert("kind", toml_edit::value("http"));
                trigger.insert("method", toml_edit::value("GET"));
                trigger.insert("path", toml_edit::value(path.as_str()));
                let mut triggers = toml_edit::ArrayOfTables::new();
                triggers.push(trigger);
                table.insert("triggers", Item::ArrayOfTables(triggers));
            }
            functions.insert(name, Item::Table(table));
        }
    }
    Ok(doc.to_string())
}

fn string_array(values: &[String]) -> toml_edit::Array {
    values.iter().map(String::as_str).collect()
}

fn set_permissions(table: &mut dyn TableLike, permissions: &[Permission]) {
    let inline = matches!(table.get("permissions"), Some(Item::Value(Value::Array(_))));
    if inline {
        let mut array = toml_edit::Array::new();
        for permission in permissions {
            let mut statement = InlineTable::new();
            if permission.effect == PermissionEffect::Deny {
                statement.insert("effect", Value::from("Deny"));
            }
            statement.insert("actions", Value::Array(string_array(&permission.actions)));
            statement.insert(
                "resources",
                Value::Array(string_array(&permission.resources)),
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
            toml_edit::value(string_array(&permission.actions)),
        );
        statement.insert(
            "resources",
            toml_edit::value(string_array(&permission.resources)),
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

fn check_range(field: &str, n: u32, (min, max): (u32, u32), unit: &str) -> Result<(), EditError> {
    if (min..=max).contains(&n) {
        Ok(())
    } else {
        Err(EditError::InvalidValue {
            field: field.to_owned(),
            message: format!("{n} is out of range: must be between {min} and {max} {unit}"),
        })
    }
}

fn function_table<'a>(
    doc: &'a mut DocumentMut,
    name: &str,
) -> Result<&'a mut dyn TableLike, EditError> {
    doc.get_mut("functions")
        .and_then(Item::as_table_like_mut)
        .and_then(|functions| functions.get_mut(name))
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| EditError::FunctionNotFound(name.to_owned()))
}

/// Replaces a value but keeps the whitespace and comment around it, or appends the key.
fn set_keeping_decor(table: &mut dyn TableLike, key: &str, mut new: Value) {
    match table.get_mut(key).and_then(Item::as_value_mut) {
        Some(old) => {
            *new.decor_mut() = old.decor().clone();
            *old = new;
        }
        None => {
            table.insert(key, Item::Value(new));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A manifest written by hand, the way people write them: comments everywhere, odd spacing,
    /// a sub-table for environment in one function and an inline table in the other.
    const HAND_WRITTEN: &str = r#"# Thumbnails service — owned by the media team.
# Keep targets in sync with the runbook!

[project]
name = "thumbnails"   # shown in the app's title bar

# Local development, no cloud account needed.
[targets.local]
adapter = "local"

[functions.resize]   # the hot path
runtime = "nodejs20.x"
handler = "src/resize.handler"
memory_mb    = 512    # images up to 20 MB fit in 512
timeout_s = 30 # S3 reads can be slow

  # Variables are read once at cold start.
  [functions.resize.environment]
  THUMBS_BUCKET = "thumbs"   # output bucket
  # QUALITY is a JPEG quality, 1..100
  QUALITY = "82"

[functions.report]
runtime = "python3.12"
handler = "app.handler"
environment = { REPORT_TABLE = "reports" } # inline on purpose
# trailing comment at the end of the file
"#;

    fn changed_lines(before: &str, after: &str) -> Vec<(String, String)> {
        before
            .lines()
            .zip(after.lines())
            .filter(|(a, b)| a != b)
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .collect()
    }

    #[test]
    fn setting_memory_changes_one_value_and_keeps_its_comment() {
        let after = apply_edit(
            HAND_WRITTEN,
            &ManifestEdit::SetMemory {
                function: "resize".into(),
                memory_mb: 1024,
            },
        )
        .unwrap();
        assert_eq!(
            changed_lines(HAND_WRITTEN, &after),
            vec![(
                "memory_mb    = 512    # images up to 20 MB fit in 512".to_owned(),
                "memory_mb    = 1024    # images up to 20 MB fit in 512".to_owned()
            )]
        );
        assert_eq!(HAND_WRITTEN.lines().count(), after.lines().count());
    }

    #[test]
    fn every_comment_survives_a_series_of_edits() {
        let edits = [
            ManifestEdit::SetMemory {
                function: "resize".into(),
                memory_mb: 2048,
            },
            ManifestEdit::SetTimeout {
                function: "resize".into(),
                timeout_s: 60,
            },
            ManifestEdit::SetEnv {
                function: "resize".into(),
                key: "QUALITY".into(),
                value: "90".into(),
            },
            ManifestEdit::SetEnv {
                function: "resize".into(),
                key: "FORMAT".into(),
                value: "webp".into(),
            },
            ManifestEdit::SetEnv {
                function: "report".into(),
                key: "REGION".into(),
                value: "eu".into(),
            },
            ManifestEdit::SetTimeout {
                function: "report".into(),
                timeout_s: 15,
            },
            ManifestEdit::RemoveEnv {
                function: "resize".into(),
                key: "THUMBS_BUCKET".into(),
            },
        ];
        let mut text = HAND_WRITTEN.to_owned();
        for edit in &edits {
            text = apply_edit(&text, edit).unwrap();
        }
        for comment in HAND_WRITTEN
            .lines()
            .filter_map(|l| l.find('#').map(|i| &l[i..]))
        {
            // The THUMBS_BUCKET line (and its comment) was removed on purpose.
            if comment == "# output bucket" {
                assert!(!text.contains(comment));
                continue;
            }
            assert!(
                text.contains(comment),
                "lost comment {comment:?} in:\n{text}"
            );
        }
        assert!(text.contains("QUALITY = \"90\""), "{text}");
        assert!(text.contains("FORMAT = \"webp\""), "{text}");
        assert!(
            text.contains(
                "environment = { REPORT_TABLE = \"reports\", REGION = \"eu\" } # inline on purpose"
            ),
            "{text}"
        );
        assert!(
            text.contains("timeout_s = 60 # S3 reads can be slow"),
            "{text}"
        );
        // The result still parses to the values we set.
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(
            parsed["functions"]["report"]["timeout_s"].as_integer(),
            Some(15)
        );
    }

    #[test]
    fn out_of_range_values_are_refused_without_touching_the_text() {
        let error = apply_edit(
            HAND_WRITTEN,
            &ManifestEdit::SetMemory {
                function: "resize".into(),
                memory_mb: 64,
            },
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "functions.resize.memory_mb: 64 is out of range: must be between 128 and 10240 MB"
        );
        let error = apply_edit(
            HAND_WRITTEN,
            &ManifestEdit::SetTimeout {
                function: "nope".into(),
                timeout_s: 5,
            },
        )
        .unwrap_err();
        assert_eq!(error, EditError::FunctionNotFound("nope".into()));
    }

    #[test]
    fn adding_a_function_appends_a_table_and_leaves_the_rest() {
        let after = apply_edit(
            HAND_WRITTEN,
            &ManifestEdit::AddFunction {
                name: "hello".into(),
                runtime: "python3.12".into(),
                handler: "src/hello.handler".into(),
                http_path: Some("/hello".into()),
            },
        )
        .unwrap();
        let (body, trailer) = HAND_WRITTEN.trim_end().rsplit_once('\n').unwrap();
        assert!(after.starts_with(body), "existing text changed:\n{after}");
        assert!(
            after.trim_end().ends_with(trailer),
            "the file's last comment should stay last:\n{after}"
        );
        let parsed: toml::Table = toml::from_str(&after).unwrap();
        let hello = &parsed["functions"]["hello"];
        assert_eq!(hello["handler"].as_str(), Some("src/hello.handler"));
        assert_eq!(hello["triggers"][0]["path"].as_str(), Some("/hello"));
        let duplicate = apply_edit(
            &after,
            &ManifestEdit::AddFunction {
                name: "Hello".into(),
                runtime: "python3.12".into(),
                handler: "x.handler".into(),
                http_path: None,
            },
        );
        assert_eq!(
            duplicate.unwrap_err(),
            EditError::FunctionExists("Hello".into())
        );
    }

    #[test]
    fn choosing_a_targets_credentials_swaps_profile_and_account() {
        let text = "[project]\nname = \"x\"\n\n[targets.dev]   # the team's sandbox\nadapter = \"aws\"\nregion = \"eu-west-1\"\nprofile = \"dev\"   # SSO\n\n[targets.az]\nadapter = \"azure\"\n";
        let account = apply_edit(
            text,
            &ManifestEdit::SetTargetCredentials {
                target: "dev".into(),
                profile: None,
                account: Some("ci-keys".into()),
            },
        )
        .unwrap();
        assert!(account.contains("[targets.dev]   # the team's sandbox\nadapter = \"aws\"\nregion = \"eu-west-1\"\naccount = \"ci-keys\""), "{account}");
        assert!(!account.contains("profile"), "{account}");
        let profile = apply_edit(
            &account,
            &ManifestEdit::SetTargetCredentials {
                target: "dev".into(),
                profile: Some("prod".into()),
                account: None,
            },
        )
        .unwrap();
        assert!(
            profile.contains("profile = \"prod\"") && !profile.contains("account ="),
            "{profile}"
        );
        let azure_profile = apply_edit(
            text,
            &ManifestEdit::SetTargetCredentials {
                target: "az".into(),
                profile: Some("p".into()),
                account: None,
            },
        );
        assert!(
            matches!(azure_profile, Err(EditError::InvalidValue { field, .. }) if field == "targets.az.profile")
        );
        let missing = apply_edit(
            text,
            &ManifestEdit::SetTargetCredentials {
                target: "nope".into(),
                profile: None,
                account: None,
            },
        );
        assert!(missing.is_err());
    }

    #[test]
    fn edits_into_a_manifest_without_functions_create_the_table() {
        let after = apply_edit(
            "[project]\nname = \"x\"\n",
            &ManifestEdit::AddFunction {
                name: "a".into(),
                runtime: "nodejs20.x".into(),
                handler: "src/a.handler".into(),
                http_path: None,
            },
        )
        .unwrap();
        assert!(after.contains("[functions.a]"), "{after}");
        assert!(!after.contains("[functions]\n"), "{after}");
    }

    fn statement(actions: &[&str], resources: &[&str]) -> Permission {
        Permission {
            effect: PermissionEffect::Allow,
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
            resources: resources.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    #[test]
    fn setting_permissions_replaces_the_statements_and_keeps_other_comments() {
        let text = r#"# top comment
[project]
name = "p"

[functions.resize]   # the hot path
runtime = "nodejs20.x"
handler = "src/resize.handler"

# What resize may touch.
[[functions.resize.permissions]]
actions = ["s3:*"]
resources = ["*"]

[[functions.resize.permissions]]
actions = ["logs:*"] # too much
resources = ["*"]

[functions.report]
runtime = "python3.12"
handler = "app.handler" # keep me
"#;
        let after = apply_edit(
            text,
            &ManifestEdit::SetPermissions {
                function: "resize".into(),
                permissions: vec![
                    statement(&["s3:GetObject"], &["arn:aws:s3:::in/*"]),
                    statement(&["s3:PutObject"], &["arn:aws:s3:::out/*"]),
                ],
            },
        )
        .unwrap();
        assert!(after.contains("# top comment"), "{after}");
        assert!(
            after.contains("[functions.resize]   # the hot path"),
            "{after}"
        );
        assert!(after.contains("# What resize may touch.\n[[functions.resize.permissions]]\nactions = [\"s3:GetObject\"]"), "{after}");
        assert!(
            after.contains("handler = \"app.handler\" # keep me"),
            "{after}"
        );
        assert!(!after.contains("logs:*"), "{after}");
        let reparsed: toml::Value = toml::from_str(&after).unwrap();
        let permissions = reparsed["functions"]["resize"]["permissions"]
            .as_array()
            .unwrap();
        assert_eq!(permissions.len(), 2);
        assert_eq!(
            permissions[1]["resources"][0].as_str(),
            Some("arn:aws:s3:::out/*")
        );
    }

    #[test]
    fn setting_permissions_keeps_an_inline_array_inline_and_adds_tables_when_absent() {
        let inline = "[project]\nname = \"p\"\n\n[functions.a]\nruntime = \"python3.12\"\nhandler = \"app.handler\"\npermissions = [{ actions = [\"s3:*\"] }] # broad\n";
        let after = apply_edit(
            inline,
            &ManifestEdit::SetPermissions {
                function: "a".into(),
                permissions: vec![statement(&["s3:GetObject"], &["*"])],
            },
        )
        .unwrap();
        assert!(after.contains("permissions = [\n    { actions = [\"s3:GetObject\"], resources = [\"*\"] },\n] # broad"), "{after}");
        let none = "[project]\nname = \"p\"\n\n[functions.a]\nruntime = \"python3.12\"\nhandler = \"app.handler\"\n";
        let after = apply_edit(
            none,
            &ManifestEdit::SetPermissions {
                function: "a".into(),
                permissions: vec![statement(&["sqs:SendMessage"], &["arn:aws:sqs:*:*:q"])],
            },
        )
        .unwrap();
        assert!(
            after.contains("[[functions.a.permissions]]\nactions = [\"sqs:SendMessage\"]"),
            "{after}"
        );
        let empty = apply_edit(
            none,
            &ManifestEdit::SetPermissions {
                function: "a".into(),
                permissions: vec![statement(&[], &["*"])],
            },
        );
        assert!(empty.is_err());
    }
}
