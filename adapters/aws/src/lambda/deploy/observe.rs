//! What exists in AWS for one function (its `$LATEST`, the stage's version, the published
//! versions, the package `$LATEST` was deployed from) and how its configuration differs from
//! functory.toml.

use std::collections::{BTreeMap, HashMap};

use functory_adapter::{AdapterError, Result};
use functory_core::Function;

use super::{AwsAdapter, ObservedFunction, TAG_SOURCE};
use crate::package::{InputDigest, Package};

pub(super) fn observed_configuration(
    config: &aws_sdk_lambda::types::FunctionConfiguration,
    tags: HashMap<String, String>,
) -> ObservedFunction {
    ObservedFunction {
        arn: config.function_arn().unwrap_or_default().to_owned(),
        code_sha256: config.code_sha256().unwrap_or_default().to_owned(),
        runtime: config
            .runtime()
            .map(|r| r.as_str().to_owned())
            .unwrap_or_default(),
        handler: config.handler().unwrap_or_default().to_owned(),
        memory_mb: config.memory_size().unwrap_or(128),
        timeout_s: config.timeout().unwrap_or(3),
        role: config.role().unwrap_or_default().to_owned(),
        environment: config
            .environment()
            .and_then(|e| e.variables())
            .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        // A setting of the function, not of a version: GetFunction reports it beside the
        // configuration (see `observe_function`).
        reserved_concurrency: None,
        tags,
    }
}

/// The newest published version that holds exactly this code and configuration, if any
/// (after a rollback, or for a redeploy of an earlier commit, that is an older one).
pub(super) fn matching_version(
    versions: &[aws_sdk_lambda::types::FunctionConfiguration],
    function: &Function,
    code_sha256: &str,
    role_arn: &str,
) -> Option<String> {
    versions
        .iter()
        .filter_map(|config| {
            let n = config.version()?.parse::<u64>().ok()?;
            let observed = observed_configuration(config, HashMap::new());
            (observed.code_sha256 == code_sha256
                && configuration_changes(function, &observed, Some(role_arn)).is_empty())
            .then_some(n)
        })
        .max()
        .map(|n| n.to_string())
}

/// The package `$LATEST` was deployed from, when its recorded source digest is this tree's and
/// `$LATEST` still holds the code recorded with it (an update outside Functory changes that).
pub(super) fn recorded_package(
    observed: &ObservedFunction,
    digest: &InputDigest,
) -> Option<Package> {
    let recorded = observed.tags.get(TAG_SOURCE)?;
    let mut parts = recorded.split(':');
    let (hex, code_sha256, bytes, files) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    (hex == digest.hex && code_sha256 == observed.code_sha256 && parts.next().is_none()).then(
        || Package {
            zip: Vec::new(),
            code_sha256: code_sha256.to_owned(),
            files: files.parse().unwrap_or(digest.files),
            bytes: bytes.parse().unwrap_or(0),
        },
    )
}

pub(super) fn desired_environment(function: &Function) -> BTreeMap<String, String> {
    function
        .environment
        .iter()
        .map(|e| (e.key.clone(), e.value.clone()))
        .collect()
}

/// Which configuration fields differ, as lines for the plan (environment by name only).
pub(super) fn configuration_changes(
    function: &Function,
    observed: &ObservedFunction,
    role_arn: Option<&str>,
) -> Vec<String> {
    let mut changes = Vec::new();
    if observed.runtime != function.runtime {
        changes.push(format!(
            "runtime {} → {}",
            observed.runtime, function.runtime
        ));
    }
    if observed.handler != function.handler {
        changes.push(format!(
            "handler {} → {}",
            observed.handler, function.handler
        ));
    }
    if i64::from(observed.memory_mb) != i64::from(function.memory_mb) {
        changes.push(format!(
            "memory {} → {} MB",
            observed.memory_mb, function.memory_mb
        ));
    }
    if i64::from(observed.timeout_s) != i64::from(function.timeout_s) {
        changes.push(format!(
            "timeout {} → {} s",
            observed.timeout_s, function.timeout_s
        ));
    }
    if let Some(role_arn) = role_arn
        && observed.role != role_arn
    {
        changes.push(format!("role → {role_arn}"));
    }
    let desired = desired_environment(function);
    let mut env = Vec::new();
    for (key, value) in &desired {
        match observed.environment.get(key) {
            None => env.push(format!("+{key}")),
            Some(old) if old != value => env.push(format!("~{key}")),
            Some(_) => {}
        }
    }
    for key in observed.environment.keys() {
        if !desired.contains_key(key) {
            env.push(format!("-{key}"));
        }
    }
    if !env.is_empty() {
        changes.push(format!("environment {}", env.join(" ")));
    }
    changes
}

impl AwsAdapter {
    pub(super) async fn observe_function(&self, name: &str) -> Result<Option<ObservedFunction>> {
        let found = match self.lambda.get_function().function_name(name).send().await {
            Ok(found) => found,
            Err(error) => {
                return match self.failure(&error, &format!("Lambda GetFunction `{name}`")) {
                    AdapterError::NotFound { .. } => Ok(None),
                    other => Err(other),
                };
            }
        };
        let Some(config) = found.configuration() else {
            return Ok(None);
        };
        let mut observed =
            observed_configuration(config, found.tags().cloned().unwrap_or_default());
        observed.reserved_concurrency = found
            .concurrency()
            .and_then(|c| c.reserved_concurrent_executions());
        Ok(Some(observed))
    }

    /// The configuration of the version the stage alias serves (`None`: no such stage).
    pub(super) async fn observe_stage(
        &self,
        name: &str,
        stage: &str,
    ) -> Result<Option<aws_sdk_lambda::types::FunctionConfiguration>> {
        match self
            .lambda
            .get_function_configuration()
            .function_name(name)
            .qualifier(stage)
            .send()
            .await
        {
            Ok(found) => Ok(Some(
                aws_sdk_lambda::types::FunctionConfiguration::builder()
                    .set_version(found.version().map(str::to_owned))
                    .set_code_sha256(found.code_sha256().map(str::to_owned))
                    .set_runtime(found.runtime().cloned())
                    .set_handler(found.handler().map(str::to_owned))
                    .set_memory_size(found.memory_size())
                    .set_timeout(found.timeout())
                    .set_role(found.role().map(str::to_owned))
                    .set_environment(found.environment().cloned())
                    .build(),
            )),
            Err(error) => match self.failure(
                &error,
                &format!("Lambda GetFunctionConfiguration of `{name}:{stage}`"),
            ) {
                AdapterError::NotFound { .. } => Ok(None),
                other => Err(other),
            },
        }
    }

    /// Every published version's configuration (none when the function does not exist).
    pub(super) async fn version_configs(
        &self,
        name: &str,
    ) -> Result<Vec<aws_sdk_lambda::types::FunctionConfiguration>> {
        let mut versions = Vec::new();
        let mut marker = None;
        loop {
            let page = match self
                .lambda
                .list_versions_by_function()
                .function_name(name)
                .set_marker(marker)
                .send()
                .await
            {
                Ok(page) => page,
                Err(error) => {
                    return match self.failure(
                        &error,
                        &format!("Lambda ListVersionsByFunction of `{name}`"),
                    ) {
                        AdapterError::NotFound { .. } => Ok(versions),
                        other => Err(other),
                    };
                }
            };
            versions.extend(page.versions().iter().cloned());
            marker = page.next_marker().map(str::to_owned);
            if marker.is_none() {
                break;
            }
        }
        Ok(versions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(code_sha256: &str, source: Option<&str>) -> ObservedFunction {
        ObservedFunction {
            arn: "arn:aws:lambda:us-east-1:1:function:f".into(),
            code_sha256: code_sha256.into(),
            runtime: "nodejs20.x".into(),
            handler: "index.handler".into(),
            memory_mb: 128,
            timeout_s: 3,
            role: String::new(),
            environment: BTreeMap::new(),
            reserved_concurrency: None,
            tags: source
                .map(|s| HashMap::from([(TAG_SOURCE.to_owned(), s.to_owned())]))
                .unwrap_or_default(),
        }
    }

    #[test]
    fn a_recorded_source_vouches_only_for_the_same_tree_and_the_code_still_deployed() {
        let digest = InputDigest {
            hex: "ab12".into(),
            files: 3,
        };
        let same = recorded_package(&observed("SHA=", Some("ab12:SHA=:2048:4")), &digest)
            .expect("recognised");
        assert_eq!(
            (
                same.code_sha256.as_str(),
                same.bytes,
                same.files,
                same.zip.len()
            ),
            ("SHA=", 2048, 4, 0)
        );
        // Another tree, code changed outside Functory, no record, a malformed record.
        assert!(recorded_package(&observed("SHA=", Some("cd34:SHA=:2048:4")), &digest).is_none());
        assert!(recorded_package(&observed("OTHER=", Some("ab12:SHA=:2048:4")), &digest).is_none());
        assert!(recorded_package(&observed("SHA=", None), &digest).is_none());
        assert!(recorded_package(&observed("SHA=", Some("ab12:SHA=")), &digest).is_none());
    }
}
