//! Importing a function that exists in a cloud account into the open project: "Import from
//! AWS" in the Deploy view and `functory import aws FN --target NAME`.
//!
//! The function is read in the manifest's terms by the adapter (configuration, discoverable
//! triggers, the role's policies), its code is downloaded and unzipped into a folder of its
//! own (`<project>/<function>/`, its `code_dir`; an existing file with other contents is kept
//! and listed, unless the caller asks to overwrite), and it is added to functory.toml through
//! the manifest edits the app uses, so the user's comments and formatting survive. Environment
//! variables the linter's secret detection (LMB003) flags are left out, each with a note:
//! a secret does not belong in functory.toml, its history or a deploy record. The report lists
//! what was imported and what was not, and why, as `functory import sam` does.

use std::path::Path;

use functory_aws::package::{Unpacked, unpack};
use functory_core::{
    AdapterKind, Manifest, ManifestEdit, ProjectFiles, Target, apply_edit, parse_manifest,
};
use functory_lint::{LintOptions, lint_text};
use serde::Serialize;
use ts_rs::TS;

use crate::accounts::Accounts;
use crate::cloud::{RemoteFunction, connect_aws, find_target};
use crate::{ApiError, ErrorCode, Project};

/// One item of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ImportItem {
    /// What it is: `configuration`, `trigger url`, `environment API_TOKEN`, `code`, …
    pub subject: String,
    /// What it became, or why it was not imported.
    pub message: String,
}

/// What importing a cloud function did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CloudImportReport {
    pub function: String,
    pub target: String,
    /// The function's folder in the project (its `code_dir`).
    pub code_dir: String,
    pub imported: Vec<ImportItem>,
    pub not_imported: Vec<ImportItem>,
}

impl CloudImportReport {
    /// One line per item, the imported ones first, as the CLI prints them.
    pub fn lines(&self) -> Vec<String> {
        self.imported
            .iter()
            .map(|i| format!("imported: {}: {}", i.subject, i.message))
            .chain(
                self.not_imported
                    .iter()
                    .map(|i| format!("not imported: {}: {}", i.subject, i.message)),
            )
            .collect()
    }

    fn add(&mut self, imported: bool, subject: impl Into<String>, message: impl Into<String>) {
        let item = ImportItem {
            subject: subject.into(),
            message: message.into(),
        };
        if imported {
            self.imported.push(item);
        } else {
            self.not_imported.push(item);
        }
    }
}

/// An import and the project as it is afterwards (for the app to redraw).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CloudImport {
    pub report: CloudImportReport,
    pub project: crate::ProjectView,
}

/// How to import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Replace files of the function's folder whose contents differ from the deployed code
    /// (otherwise they are kept and listed).
    pub overwrite: bool,
}

/// The manifest's model even when it has errors (an imported function whose code could not
/// be downloaded points at a missing handler): importing deploys nothing, so only the shape
/// and the target matter.
pub(crate) fn manifest_with_target(
    root: &Path,
    target: &str,
) -> Result<(Manifest, Target), ApiError> {
    let parsed = Project::open(root)?.parse()?;
    let Some(manifest) = parsed.manifest else {
        return Err(ApiError::new(
            ErrorCode::InvalidManifest,
            format!(
                "functory.toml does not parse; fix it first:\n{}",
                parsed
                    .diagnostics
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        ));
    };
    let target = find_target(&manifest, target)?;
    if target.adapter != AdapterKind::Aws {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "target `{}` deploys to {}: importing works for AWS targets so far",
                target.name, target.adapter
            ),
        ));
    }
    Ok((manifest, target))
}

/// The functions of `target`'s account and region, for the import list.
pub async fn remote_functions(
    root: &Path,
    target: &str,
    accounts: &Accounts,
) -> Result<Vec<RemoteFunction>, ApiError> {
    let (_, target) = manifest_with_target(root, target)?;
    let (adapter, _) = connect_aws(&target, accounts).await?;
    Ok(
        functory_adapter::Adapter::list(&adapter, functory_adapter::ListOptions::default())
            .await?
            .into_iter()
            .map(|f| RemoteFunction {
                name: f.name,
                runtime: f.runtime,
                memory_mb: f.memory_mb,
                timeout_s: f.timeout_s,
            })
            .collect(),
    )
}

/// Files on disk, for validating the manifest once the code is in place.
struct DiskFiles<'a>(&'a Path);

impl ProjectFiles for DiskFiles<'_> {
    fn is_file(&self, relative: &str) -> bool {
        self.0.join(relative).is_file()
    }
}

/// Why the linter would flag `key = value` as a secret (LMB003), if it would.
fn secret_finding(key: &str, value: &str) -> Option<String> {
    let text = format!(
        "[project]\nname = \"import\"\n\n[functions.f]\nruntime = \"nodejs20.x\"\nhandler = \"index.handler\"\nenvironment = {{ {key} = {} }}\n",
        toml_edit::Value::from(value)
    );
    lint_text("functory.toml", &text, &LintOptions::default())
        .findings
        .into_iter()
        .find(|f| f.code == "LMB003")
        .map(|f| {
            // "environment variable K of function f looks like …": keep the reason only.
            f.message
                .split_once(" of function f ")
                .map(|(_, reason)| reason.to_owned())
                .unwrap_or(f.message)
        })
}

/// Puts `code_dir` after `handler` in the new function's table (no manifest edit sets it).
fn set_code_dir(text: &str, function: &str, code_dir: &str) -> Result<String, ApiError> {
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        ApiError::new(
            ErrorCode::InvalidManifest,
            format!("functory.toml does not parse: {}", e.message()),
        )
    })?;
    let table = doc
        .get_mut("functions")
        .and_then(|f| f.get_mut(function))
        .and_then(toml_edit::Item::as_table_mut)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidManifest,
                format!("functions.{function} is not a table after adding it"),
            )
        })?;
    // The table was just written by AddFunction: runtime, handler, then the settings, which
    // move after code_dir so it reads like a hand-written table.
    let after: Vec<(String, toml_edit::Item)> = ["memory_mb", "timeout_s"]
        .iter()
        .filter_map(|key| table.remove(key).map(|item| ((*key).to_owned(), item)))
        .collect();
    table.insert("code_dir", toml_edit::value(code_dir));
    for (key, item) in after {
        table.insert(&key, item);
    }
    Ok(doc.to_string())
}

/// An adapter error's own words, without the kind in front ("invalid request: …").
fn plain(error: &functory_adapter::AdapterError) -> String {
    use functory_adapter::AdapterError;
    match error {
        AdapterError::InvalidRequest { message } | AdapterError::Provider { message, .. } => {
            message.clone()
        }
        other => other.to_string(),
    }
}

/// A trigger in a few words, for the report.
fn describe(trigger: &functory_core::Trigger) -> String {
    use functory_core::Trigger;
    match trigger {
        Trigger::Http { method, path, .. } => format!("http {method} {path}"),
        Trigger::Schedule { expression, .. } => format!("schedule {expression}"),
        Trigger::Storage { bucket, .. } => format!("storage {bucket}"),
        Trigger::Queue { queue, .. } => format!("queue {queue}"),
        Trigger::Stream { stream, .. } => format!("stream {stream}"),
        Trigger::Topic { topic, .. } => format!("topic {topic}"),
        Trigger::Event { bus, .. } => format!("event on {}", bus.as_deref().unwrap_or("default")),
        Trigger::Url { .. } => "url".to_owned(),
    }
}

/// Imports function `name` of `target`'s account into the project at `root`.
pub async fn import_function(
    root: &Path,
    target: &str,
    name: &str,
    options: ImportOptions,
    accounts: &Accounts,
) -> Result<CloudImportReport, ApiError> {
    let project = Project::open(root)?;
    let (manifest, target) = manifest_with_target(root, target)?;
    if manifest
        .functions
        .iter()
        .any(|f| f.name.eq_ignore_ascii_case(name))
    {
        return Err(ApiError::new(
            ErrorCode::AlreadyExists,
            format!(
                "functory.toml already has a function `{name}`: remove or rename it first, then import"
            ),
        ));
    }
    let (adapter, _) = connect_aws(&target, accounts).await?;
    let remote = adapter.read_for_import(name, Some(&target.name)).await?;

    let mut report = CloudImportReport {
        function: name.to_owned(),
        target: target.name.clone(),
        code_dir: name.to_owned(),
        imported: Vec::new(),
        not_imported: Vec::new(),
    };

    // The function, through the same edits the app makes.
    let mut text = project.manifest_text()?;
    text = apply_edit(
        &text,
        &ManifestEdit::AddFunction {
            name: name.to_owned(),
            runtime: remote.runtime.clone(),
            handler: remote.handler.clone(),
            http_path: None,
        },
    )?;
    text = set_code_dir(&text, name, name)?;
    for edit in [
        ManifestEdit::SetMemory {
            function: name.to_owned(),
            memory_mb: remote.memory_mb,
        },
        ManifestEdit::SetTimeout {
            function: name.to_owned(),
            timeout_s: remote.timeout_s,
        },
    ] {
        text = apply_edit(&text, &edit)?;
    }
    for note in &remote.notes {
        report.add(note.imported, &note.subject, &note.message);
    }
    for (key, value) in &remote.environment {
        if let Some(reason) = secret_finding(key, value.expose()) {
            report.add(
                false,
                format!("environment {key}"),
                format!(
                    "left out: it {reason} (LMB003); keep it in Secrets Manager or SSM Parameter Store and set its name instead"
                ),
            );
            continue;
        }
        match apply_edit(
            &text,
            &ManifestEdit::SetEnv {
                function: name.to_owned(),
                key: key.clone(),
                value: value.expose().clone(),
            },
        ) {
            Ok(edited) => {
                text = edited;
                report.add(true, format!("environment {key}"), "variable");
            }
            Err(error) => report.add(false, format!("environment {key}"), error.to_string()),
        }
    }
    for found in &remote.triggers {
        let trigger = &found.trigger;
        // Checked as the trigger designer checks a new trigger, against the project.
        let parsed = parse_manifest(&text, "functory.toml", &DiskFiles(root));
        let problem = parsed.manifest.as_ref().and_then(|m| {
            crate::triggers::check_trigger(m, name, None, trigger, chrono::Utc::now())
                .problems
                .into_iter()
                .find(|p| p.severity == "error")
        });
        let subject = format!("trigger {}", describe(trigger));
        if let Some(problem) = problem {
            report.add(
                false,
                subject,
                format!(
                    "{}: not added: {}: {}",
                    found.found_as, problem.field, problem.message
                ),
            );
            continue;
        }
        match apply_edit(
            &text,
            &ManifestEdit::AddTrigger {
                function: name.to_owned(),
                trigger: trigger.clone(),
            },
        ) {
            Ok(edited) => {
                text = edited;
                report.add(true, subject, found.found_as.clone());
            }
            Err(error) => report.add(
                false,
                subject,
                format!("{}: not added: {error}", found.found_as),
            ),
        }
    }
    if !remote.permissions.is_empty() {
        text = apply_edit(
            &text,
            &ManifestEdit::SetPermissions {
                function: name.to_owned(),
                permissions: remote.permissions.clone(),
            },
        )?;
    }
    // The code, once the manifest edits are known to apply (an unknown runtime or a bad name
    // stops the import before anything is written), and before the manifest, which then
    // points at files that exist.
    match &remote.code_location {
        None => report.add(false, "code", "AWS gave no download location for it"),
        Some(location) => match adapter.download_code(location).await {
            Err(error) => report.add(false, "code", format!("not downloaded: {}", plain(&error))),
            Ok(zip) => {
                let dir = root.join(name);
                let unpacked = unpack(&zip, &dir, options.overwrite).map_err(ApiError::from)?;
                let count =
                    |pick: fn(&Unpacked) -> bool| unpacked.iter().filter(|u| pick(u)).count();
                report.add(
                    true,
                    "code",
                    format!(
                        "{} file(s) into {name}/ ({} new, {} unchanged, {} replaced)",
                        unpacked.len(),
                        count(|u| matches!(u, Unpacked::Written(_))),
                        count(|u| matches!(u, Unpacked::Unchanged(_))),
                        count(|u| matches!(u, Unpacked::Replaced(_))),
                    ),
                );
                for kept in unpacked.iter().filter_map(|u| match u {
                    Unpacked::Kept(path) => Some(path),
                    _ => None,
                }) {
                    report.add(
                        false,
                        format!("file {name}/{kept}"),
                        "kept as it is: it differs from the deployed one (import again with overwrite to replace it)",
                    );
                }
            }
        },
    }

    crate::files::write_atomically(&project.manifest_path(), text.as_bytes())?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_found_as_the_linter_finds_them() {
        assert!(secret_finding("API_TOKEN", "9f8a7Bc6D5e4F3a2").is_some());
        assert!(
            secret_finding("GH", "ghp_abcdefghijklmnopqrstuvwxyz0123456789")
                .is_some_and(|r| r.contains("GitHub"))
        );
        assert_eq!(secret_finding("TABLE", "orders"), None);
        assert_eq!(secret_finding("QUOTE", "a \"quoted\" = value"), None);
    }

    #[test]
    fn code_dir_goes_after_the_handler() {
        let text = "# mine\n[project]\nname = \"x\"\n\n[functions.f]\nruntime = \"nodejs20.x\"\nhandler = \"index.handler\"\nmemory_mb = 128\ntimeout_s = 10\n";
        let edited = set_code_dir(text, "f", "f").unwrap();
        assert!(edited.starts_with("# mine\n"), "{edited}");
        assert!(
            edited.contains(
                "handler = \"index.handler\"\ncode_dir = \"f\"\nmemory_mb = 128\ntimeout_s = 10\n"
            ),
            "{edited}"
        );
    }
}
