//! Edits the app makes to `functory.toml`.
//!
//! Every edit goes through `toml_edit` on the user's own text: only the lines an edit is about
//! change, and comments, blank lines, key order and quoting elsewhere stay as the user wrote
//! them. A value that is replaced keeps its own trailing comment.

mod entries;
mod resource;
mod settings;
mod target;
mod trigger;

use serde::{Deserialize, Serialize};
use toml_edit::{DocumentMut, InlineTable, Item, Table, TableLike, Value};
use ts_rs::TS;

use crate::manifest::{
    AdapterKind, MEMORY_MB_RANGE, Permission, Resource, TIMEOUT_S_RANGE, Trigger, is_valid_env_key,
    is_valid_function_name,
};
use crate::runtime::Runtime;

use entries::{
    array_len, entry_mut, push_entry, remove_entry, set_permissions, string_array, update_entry,
};
pub use resource::resource_entries;
use resource::{remove_resource, resource_error, set_resource};
pub use settings::{SettingsDraft, SettingsProblem, settings_problems};
use target::add_target;
pub use target::new_target_problems;
pub use trigger::check_trigger_fields;
use trigger::{has_url_trigger, no_trigger, trigger_entries};

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
    /// Adds a `[targets.NAME]` table after the other targets ("Add target", `functory target
    /// add`).
    AddTarget {
        target: NewTarget,
    },
    /// Removes `[targets.NAME]` and the comment lines above it.
    RemoveTarget {
        target: String,
    },
    /// Appends a `[[functions.F.triggers]]` entry (the trigger designer's "add").
    AddTrigger {
        function: String,
        trigger: Trigger,
    },
    /// Rewrites trigger `index` of a function: keys whose value is unchanged keep their line
    /// and comment; only changed keys are rewritten, dropped keys removed.
    UpdateTrigger {
        function: String,
        index: u32,
        trigger: Trigger,
    },
    /// Removes trigger `index` of a function. Moving a trigger to another function is this
    /// followed by an `AddTrigger` there.
    RemoveTrigger {
        function: String,
        index: u32,
    },
    /// Appends a `[[functions.F.permissions]]` statement (an edge's one-click permission fix).
    AddPermission {
        function: String,
        actions: Vec<String>,
        resources: Vec<String>,
    },
    /// Replaces a function's `permissions` (the generated least-privilege policy). Written as
    /// `[[functions.NAME.permissions]]` tables unless the function used an inline array.
    SetPermissions {
        function: String,
        permissions: Vec<Permission>,
    },
    /// Adds `[resources.NAME]`, or replaces the settings of the one of that name; refused
    /// with the manifest reader's error when the resource it writes is not valid.
    SetResource {
        resource: Resource,
    },
    /// Removes `[resources.NAME]`; what names it is left as it is.
    RemoveResource {
        name: String,
    },
}

/// A target to add: where it deploys and how it signs in (unset fields are left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NewTarget {
    pub name: String,
    pub adapter: AdapterKind,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub code_bucket: Option<String>,
    #[serde(default)]
    pub subscription_id: Option<String>,
    #[serde(default)]
    pub resource_group: Option<String>,
    #[serde(default)]
    pub function_app: Option<String>,
    #[serde(default)]
    pub project_id: Option<String>,
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
        ManifestEdit::AddTarget { target } => add_target(&mut doc, target)?,
        ManifestEdit::RemoveTarget { target } => {
            let targets = doc
                .get_mut("targets")
                .and_then(Item::as_table_like_mut)
                .filter(|t| t.contains_key(target))
                .ok_or_else(|| EditError::InvalidValue {
                    field: format!("targets.{target}"),
                    message: "no such target".into(),
                })?;
            targets.remove(target);
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
        ManifestEdit::AddTrigger { function, trigger } => {
            let table = function_table(&mut doc, function)?;
            let index = array_len(table, "triggers", function)?;
            check_trigger_fields(trigger, &format!("functions.{function}.triggers[{index}]"))?;
            if matches!(trigger, Trigger::Url { .. }) && has_url_trigger(table, None) {
                return Err(EditError::InvalidValue {
                    field: format!("functions.{function}.triggers[{index}]"),
                    message: "a function has at most one `url` trigger".into(),
                });
            }
            push_entry(table, "triggers", function, trigger_entries(trigger))?;
        }
        ManifestEdit::UpdateTrigger {
            function,
            index,
            trigger,
        } => {
            let field = format!("functions.{function}.triggers[{index}]");
            check_trigger_fields(trigger, &field)?;
            let table = function_table(&mut doc, function)?;
            let index = *index as usize;
            if matches!(trigger, Trigger::Url { .. }) && has_url_trigger(table, Some(index)) {
                return Err(EditError::InvalidValue {
                    field,
                    message: "a function has at most one `url` trigger".into(),
                });
            }
            let entry = entry_mut(table, "triggers", index).ok_or_else(|| no_trigger(&field))?;
            update_entry(entry, trigger_entries(trigger));
            if let Some(Item::Value(Value::Array(array))) = table.get_mut("triggers")
                && let Some(inline) = array.get_mut(index).and_then(Value::as_inline_table_mut)
            {
                inline.fmt();
            }
        }
        ManifestEdit::RemoveTrigger { function, index } => {
            let field = format!("functions.{function}.triggers[{index}]");
            let table = function_table(&mut doc, function)?;
            remove_entry(table, "triggers", *index as usize).ok_or_else(|| no_trigger(&field))?;
        }
        ManifestEdit::AddPermission {
            function,
            actions,
            resources,
        } => {
            let table = function_table(&mut doc, function)?;
            let index = array_len(table, "permissions", function)?;
            let field = format!("functions.{function}.permissions[{index}]");
            if actions.is_empty() {
                return Err(EditError::InvalidValue {
                    field,
                    message: "a permission needs at least one action".into(),
                });
            }
            if resources.is_empty() {
                return Err(EditError::InvalidValue {
                    field,
                    message: "a permission needs at least one resource (use \"*\" for any)".into(),
                });
            }
            push_entry(
                table,
                "permissions",
                function,
                vec![
                    ("actions", string_array(actions)),
                    ("resources", string_array(resources)),
                ],
            )?;
        }
        ManifestEdit::SetResource { resource } => {
            set_resource(&mut doc, resource)?;
            let text = doc.to_string();
            resource_error(&text, &resource.name)?;
            return Ok(text);
        }
        ManifestEdit::RemoveResource { name } => remove_resource(&mut doc, name)?,
    }
    Ok(doc.to_string())
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
    use crate::manifest::{PermissionEffect, UrlAuth};

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

    /// Triggers and permissions written by hand: comments above, beside and between them.
    const WITH_TRIGGERS: &str = r#"# Media service.
[project]
name = "media"

[functions.resize]   # the hot path
runtime = "nodejs20.x"
handler = "src/resize.handler"

# The public route: keep it stable, clients hard-code it.
[[functions.resize.triggers]]
kind = "http"
method = "GET"   # read-only
path = "/resize"

# Uploads from the web app.
[[functions.resize.triggers]]
kind = "storage"
bucket = "uploads"
suffix = ".jpg"   # only JPEGs get thumbnails

# Read the originals.
[[functions.resize.permissions]]
actions = ["s3:GetObject"]
resources = ["arn:aws:s3:::uploads/*"]

[functions.report]
runtime = "python3.12"
handler = "app.handler"
# end of file
"#;

    fn apply(text: &str, edit: ManifestEdit) -> String {
        apply_edit(text, &edit).unwrap_or_else(|e| panic!("{e}"))
    }

    fn parsed(text: &str) -> toml::Table {
        toml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    /// Lines of `after` that are not in `before` (and the reverse): a line-set difference is
    /// enough to show an edit stayed local.
    fn added_and_removed(before: &str, after: &str) -> (Vec<String>, Vec<String>) {
        let b: Vec<&str> = before.lines().collect();
        let a: Vec<&str> = after.lines().collect();
        let added = a
            .iter()
            .filter(|l| !b.contains(l))
            .map(|l| l.to_string())
            .collect();
        let removed = b
            .iter()
            .filter(|l| !a.contains(l))
            .map(|l| l.to_string())
            .collect();
        (added, removed)
    }

    #[test]
    fn adding_a_trigger_appends_a_section_after_the_functions_last_trigger() {
        let after = apply(
            WITH_TRIGGERS,
            ManifestEdit::AddTrigger {
                function: "resize".into(),
                trigger: Trigger::Schedule {
                    expression: "rate(1 minute)".into(),
                    timezone: Some("Europe/Paris".into()),
                },
            },
        );
        let (added, removed) = added_and_removed(WITH_TRIGGERS, &after);
        assert_eq!(removed, Vec::<String>::new(), "{after}");
        assert_eq!(
            added,
            vec![
                "kind = \"schedule\"",
                "expression = \"rate(1 minute)\"",
                "timezone = \"Europe/Paris\"",
            ],
            "{after}"
        );
        // One more header and one more blank line: nothing else changed.
        assert_eq!(after.lines().count(), WITH_TRIGGERS.lines().count() + 5);
        // The new section sits after the storage trigger, before the permission and its comment.
        let storage = after.find("# only JPEGs").unwrap();
        let schedule = after.find("kind = \"schedule\"").unwrap();
        let permission = after.find("# Read the originals.").unwrap();
        assert!(storage < schedule && schedule < permission, "{after}");
        let table = parsed(&after);
        assert_eq!(
            table["functions"]["resize"]["triggers"][2]["expression"].as_str(),
            Some("rate(1 minute)")
        );
        // A function with no triggers yet gets its first `[[…triggers]]` section.
        let after = apply(
            WITH_TRIGGERS,
            ManifestEdit::AddTrigger {
                function: "report".into(),
                trigger: Trigger::Queue {
                    queue: "jobs".into(),
                    batch_size: Some(5),
                },
            },
        );
        assert!(
            after.contains("handler = \"app.handler\"\n# end of file\n\n[[functions.report.triggers]]\nkind = \"queue\"\nqueue = \"jobs\"\nbatch_size = 5\n")
                || after.contains("[[functions.report.triggers]]\nkind = \"queue\"\nqueue = \"jobs\"\nbatch_size = 5"),
            "{after}"
        );
        assert!(
            after.starts_with(WITH_TRIGGERS.trim_end_matches("# end of file\n")),
            "{after}"
        );
        assert_eq!(
            parsed(&after)["functions"]["report"]["triggers"][0]["queue"].as_str(),
            Some("jobs")
        );
    }

    #[test]
    fn updating_a_trigger_rewrites_only_the_changed_keys() {
        let after = apply(
            WITH_TRIGGERS,
            ManifestEdit::UpdateTrigger {
                function: "resize".into(),
                index: 1,
                trigger: Trigger::Storage {
                    bucket: "incoming".into(),
                    prefix: None,
                    suffix: Some(".jpg".into()),
                    events: None,
                },
            },
        );
        assert_eq!(
            changed_lines(WITH_TRIGGERS, &after),
            vec![(
                "bucket = \"uploads\"".to_owned(),
                "bucket = \"incoming\"".to_owned()
            )]
        );
        assert_eq!(WITH_TRIGGERS.lines().count(), after.lines().count());
        // A changed value keeps its own comment; a new key is appended; a dropped key goes.
        let after = apply(
            WITH_TRIGGERS,
            ManifestEdit::UpdateTrigger {
                function: "resize".into(),
                index: 0,
                trigger: Trigger::Http {
                    method: "post".into(),
                    path: "/resize".into(),
                    auth: None,
                    payload_version: None,
                },
            },
        );
        assert_eq!(
            changed_lines(WITH_TRIGGERS, &after),
            vec![(
                "method = \"GET\"   # read-only".to_owned(),
                "method = \"POST\"   # read-only".to_owned()
            )]
        );
        let after = apply(
            WITH_TRIGGERS,
            ManifestEdit::UpdateTrigger {
                function: "resize".into(),
                index: 1,
                trigger: Trigger::Storage {
                    bucket: "uploads".into(),
                    prefix: Some("in/".into()),
                    suffix: None,
                    events: None,
                },
            },
        );
        let (added, removed) = added_and_removed(WITH_TRIGGERS, &after);
        assert_eq!(added, vec!["prefix = \"in/\""], "{after}");
        assert_eq!(
            removed,
            vec!["suffix = \".jpg\"   # only JPEGs get thumbnails"]
        );
        // Changing the kind replaces the settings but keeps the comment above the section.
        let after = apply(
            WITH_TRIGGERS,
            ManifestEdit::UpdateTrigger {
                function: "resize".into(),
                index: 1,
                trigger: Trigger::Url {
                    auth: UrlAuth::None,
                    cors: None,
                },
            },
        );
        assert!(
            after.contains("# Uploads from the web app.\n[[functions.resize.triggers]]\nkind = \"url\"\nauth = \"none\"\n"),
            "{after}"
        );
    }

    #[test]
    fn removing_a_trigger_takes_its_section_and_nothing_else() {
        let after = apply(
            WITH_TRIGGERS,
            ManifestEdit::RemoveTrigger {
                function: "resize".into(),
                index: 0,
            },
        );
        let (added, removed) = added_and_removed(WITH_TRIGGERS, &after);
        assert_eq!(added, Vec::<String>::new());
        assert_eq!(
            removed,
            vec![
                "# The public route: keep it stable, clients hard-code it.",
                "kind = \"http\"",
                "method = \"GET\"   # read-only",
                "path = \"/resize\"",
            ]
        );
        // Removing the last one removes the array; a missing index names the field.
        let after = apply(
            &after,
            ManifestEdit::RemoveTrigger {
                function: "resize".into(),
                index: 0,
            },
        );
        assert!(!after.contains("triggers"), "{after}");
        let error = apply_edit(
            &after,
            &ManifestEdit::RemoveTrigger {
                function: "resize".into(),
                index: 0,
            },
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "functions.resize.triggers[0]: no such trigger"
        );
    }

    #[test]
    fn moving_a_trigger_is_a_remove_and_an_add_and_every_comment_survives() {
        let moved = Trigger::Storage {
            bucket: "uploads".into(),
            prefix: None,
            suffix: Some(".jpg".into()),
            events: None,
        };
        let mut text = apply(
            WITH_TRIGGERS,
            ManifestEdit::RemoveTrigger {
                function: "resize".into(),
                index: 1,
            },
        );
        text = apply(
            &text,
            ManifestEdit::AddTrigger {
                function: "report".into(),
                trigger: moved.clone(),
            },
        );
        text = apply(
            &text,
            ManifestEdit::AddPermission {
                function: "report".into(),
                actions: vec!["s3:GetObject".into()],
                resources: vec!["arn:aws:s3:::uploads/*".into()],
            },
        );
        for comment in WITH_TRIGGERS
            .lines()
            .filter_map(|l| l.find('#').map(|i| &l[i..]))
        {
            // The moved trigger's own comments went with its old section, on purpose.
            if comment == "# Uploads from the web app." || comment == "# only JPEGs get thumbnails"
            {
                continue;
            }
            assert!(text.contains(comment), "lost {comment:?} in:\n{text}");
        }
        let table = parsed(&text);
        assert_eq!(
            table["functions"]["resize"]["triggers"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        let report = &table["functions"]["report"];
        assert_eq!(report["triggers"][0]["bucket"].as_str(), Some("uploads"));
        assert_eq!(
            report["permissions"][0]["actions"][0].as_str(),
            Some("s3:GetObject")
        );
        // The result is a valid manifest whose model has the moved trigger.
        struct NoFiles;
        impl crate::ProjectFiles for NoFiles {
            fn is_file(&self, _: &str) -> bool {
                true
            }
        }
        let model = crate::parse_manifest(&text, "functory.toml", &NoFiles);
        assert_eq!(model.diagnostics, vec![]);
        assert_eq!(model.manifest.unwrap().functions[1].triggers, vec![moved]);
    }

    #[test]
    fn trigger_edits_refuse_bad_values_naming_the_field() {
        let cases = [
            (
                Trigger::Http {
                    method: "FETCH".into(),
                    path: "/x".into(),
                    auth: None,
                    payload_version: None,
                },
                "functions.resize.triggers[2].method: unknown HTTP method `FETCH`",
            ),
            (
                Trigger::Http {
                    method: "GET".into(),
                    path: "x".into(),
                    auth: None,
                    payload_version: None,
                },
                "functions.resize.triggers[2].path: HTTP path `x`: must start with `/`",
            ),
            (
                Trigger::Schedule {
                    expression: "every day".into(),
                    timezone: None,
                },
                "functions.resize.triggers[2].expression:",
            ),
            (
                Trigger::Storage {
                    bucket: " ".into(),
                    prefix: None,
                    suffix: None,
                    events: None,
                },
                "functions.resize.triggers[2].bucket: the bucket name is empty",
            ),
        ];
        for (trigger, message) in cases {
            let error = apply_edit(
                WITH_TRIGGERS,
                &ManifestEdit::AddTrigger {
                    function: "resize".into(),
                    trigger,
                },
            )
            .unwrap_err();
            assert!(error.to_string().starts_with(message), "{error}");
        }
        let url = Trigger::Url {
            auth: UrlAuth::Iam,
            cors: None,
        };
        let once = apply(
            WITH_TRIGGERS,
            ManifestEdit::AddTrigger {
                function: "report".into(),
                trigger: url.clone(),
            },
        );
        let twice = apply_edit(
            &once,
            &ManifestEdit::AddTrigger {
                function: "report".into(),
                trigger: url,
            },
        );
        assert!(
            matches!(twice, Err(EditError::InvalidValue { message, .. }) if message.contains("at most one"))
        );
        let missing = apply_edit(
            WITH_TRIGGERS,
            &ManifestEdit::AddPermission {
                function: "nope".into(),
                actions: vec!["s3:GetObject".into()],
                resources: vec!["*".into()],
            },
        );
        assert_eq!(
            missing.unwrap_err(),
            EditError::FunctionNotFound("nope".into())
        );
    }

    #[test]
    fn inline_trigger_arrays_are_edited_inline() {
        let text = "[project]\nname = \"x\"\n[functions.a]\nruntime = \"python3.12\"\nhandler = \"app.handler\"\ntriggers = [{ kind = \"queue\", queue = \"q\" }] # one queue\n";
        let after = apply(
            text,
            ManifestEdit::AddTrigger {
                function: "a".into(),
                trigger: Trigger::Http {
                    method: "GET".into(),
                    path: "/a".into(),
                    auth: None,
                    payload_version: None,
                },
            },
        );
        assert!(after.ends_with("# one queue\n"), "{after}");
        assert_eq!(
            parsed(&after)["functions"]["a"]["triggers"][1]["path"].as_str(),
            Some("/a")
        );
        let after = apply(
            &after,
            ManifestEdit::UpdateTrigger {
                function: "a".into(),
                index: 0,
                trigger: Trigger::Queue {
                    queue: "jobs".into(),
                    batch_size: None,
                },
            },
        );
        assert_eq!(
            parsed(&after)["functions"]["a"]["triggers"][0]["queue"].as_str(),
            Some("jobs")
        );
        let after = apply(
            &after,
            ManifestEdit::RemoveTrigger {
                function: "a".into(),
                index: 1,
            },
        );
        assert!(!after.contains("/a"), "{after}");
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
