//! Libraries that call AWS for the handler (AWS Lambda Powertools' parameters and idempotency
//! utilities): which of their functions, classes and methods make which SDK calls, from
//! `data/mapping.toml`'s `[[library]]` list. A use is recorded as the SDK calls it makes, so
//! their actions, resources and dependencies come from the same rules as a direct call.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::mapping::mapping;

#[derive(Debug, Deserialize)]
pub struct LibraryEntry {
    /// `python` or `js`.
    pub language: String,
    /// The import path and name: `aws_lambda_powertools.utilities.parameters.get_parameter`,
    /// `@aws-lambda-powertools/parameters/ssm.getParameter`.
    pub path: String,
    /// `call` (calling the function), `new` (constructing the class), or `.method` (calling
    /// a method of an instance of the class).
    pub on: String,
    /// The SDK service (boto3 name) and the operations the library calls on it.
    pub service: String,
    pub operations: Vec<String>,
    /// Request parameter → where its value comes from, first found wins: an argument position
    /// (`0`), a keyword argument (`name`), a key of an object argument (`0.tableName`), or the
    /// constructor's (`new.table_name`).
    #[serde(default)]
    pub params: BTreeMap<String, Vec<String>>,
}

/// Whether `module` (a dotted Python module or a JS package path) holds library entries.
pub fn is_library_module(language: &str, module: &str) -> bool {
    mapping().library.iter().any(|entry| {
        entry.language == language
            && entry
                .path
                .strip_prefix(module)
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// Whether `path` names something of a library (a function, class or submodule).
pub fn is_library_path(language: &str, path: &str) -> bool {
    mapping().library.iter().any(|entry| {
        entry.language == language
            && (entry.path == path
                || entry
                    .path
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('.')))
    })
}

/// The entries for using `path` as `on`.
pub fn entries<'m>(
    language: &'m str,
    path: &'m str,
    on: &'m str,
) -> impl Iterator<Item = &'static LibraryEntry> + 'm {
    mapping()
        .library
        .iter()
        .filter(move |e| e.language == language && e.path == path && e.on == on)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::actions_for;

    #[test]
    fn every_library_entry_names_real_operations() {
        assert!(!mapping().library.is_empty());
        for entry in &mapping().library {
            assert!(["python", "js"].contains(&entry.language.as_str()));
            assert!(
                entry.on == "call" || entry.on == "new" || entry.on.starts_with('.'),
                "{}: on = {}",
                entry.path,
                entry.on
            );
            for operation in &entry.operations {
                assert!(
                    actions_for(&entry.service, operation).is_ok(),
                    "{}: {}.{operation}",
                    entry.path,
                    entry.service
                );
            }
        }
    }
}
