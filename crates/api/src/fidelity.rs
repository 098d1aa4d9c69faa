//! How the local run differs from AWS Lambda for a project: what a developer who tried a
//! function locally should know before the first deploy, each with what to do about it.
//!
//! Read from the same places the local run reads: the interpreter it would start for each
//! runtime (`functory_local::version_difference`), the SDK versions it puts on handlers' paths
//! (`functory_local::pinned_sdks`), whether it starts the AWS services (declared resources),
//! and which triggers it runs.

use std::path::Path;

use functory_core::{Function, Manifest, RuntimeFamily, Trigger};
use functory_local::LocalSettings;
use serde::Serialize;
use ts_rs::TS;

use crate::error::ApiError;

/// One way the local run differs from the cloud.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FidelityItem {
    /// The function it concerns; `None` for the whole project.
    pub function: Option<String>,
    /// `interpreter`, `sdk`, `permissions`, `limits` or `trigger`.
    pub area: String,
    pub difference: String,
    pub what_to_do: String,
}

fn item(function: Option<&str>, area: &str, difference: String, what_to_do: &str) -> FidelityItem {
    FidelityItem {
        function: function.map(str::to_owned),
        area: area.to_owned(),
        difference,
        what_to_do: what_to_do.to_owned(),
    }
}

/// The differences for the project at `root` (all functions, or `only`). A manifest with
/// errors is refused with them: a report of a project the run would not start would guess.
pub fn report(root: &Path, only: Option<&str>) -> Result<Vec<FidelityItem>, ApiError> {
    let manifest = crate::cloud::manifest_of(root)?;
    let functions: Vec<Function> = match only {
        Some(name) => vec![crate::local::find_function(&manifest, name)?],
        None => manifest.functions.clone(),
    };
    let settings = LocalSettings::for_project(root);
    let mut items = project_items(&manifest);
    for function in &functions {
        items.extend(function_items(function, &manifest, &settings));
    }
    Ok(items)
}

fn project_items(manifest: &Manifest) -> Vec<FidelityItem> {
    let mut items = Vec::new();
    if !crate::local::wants_aws_services(manifest) {
        items.push(item(
            None,
            "permissions",
            "the project declares no resources, so the local run starts no AWS services: handlers get no AWS endpoint and no credentials, and their SDK calls fail (on Lambda they run as the function's role)".to_owned(),
            "declare the buckets, queues, tables, topics and buses the handlers use as [resources.NAME], or start the run with AWS services (`functory run --aws-services`)",
        ));
    } else {
        items.push(item(
            None,
            "permissions",
            "locally each function acts with its declared permissions on the emulated services, evaluated as identity policies; AWS also applies resource policies, permission boundaries, service control policies and KMS key policies, which the local run does not".to_owned(),
            "before the first deploy, audit the target's account (`functory audit --target NAME`) and read what the plan says each role gets",
        ));
    }
    items.push(item(
        None,
        "limits",
        "locally a function gets this machine's cores whatever its memory_mb; on Lambda its CPU share grows with memory (1,769 MB is one full vCPU), so CPU-bound code is slower at low memory".to_owned(),
        "measure the duration on the target (Run & Logs → Run on the target) and raise memory_mb if it is CPU-bound",
    ));
    items.push(item(
        None,
        "limits",
        "locally /tmp is this machine's disk; Lambda gives each instance 512 MB of /tmp unless its ephemeral storage is raised (up to 10,240 MB)".to_owned(),
        "keep temporary files under 512 MB, or stream them to a bucket",
    ));
    items.push(item(
        None,
        "limits",
        "the local run accepts events and answers of any size; Lambda refuses a synchronous request or response over 6 MB".to_owned(),
        "pass large data through a bucket and send its key in the event",
    ));
    items.push(item(
        None,
        "limits",
        "locally only each function's reserved concurrency limits it; on AWS every function of the account and region shares one concurrency quota (1,000 by default) and is throttled past it".to_owned(),
        "set reserved_concurrency on the functions that must not starve others, and load-test on the target",
    ));
    items
}

fn function_items(
    function: &Function,
    manifest: &Manifest,
    settings: &LocalSettings,
) -> Vec<FidelityItem> {
    let name = Some(function.name.as_str());
    let mut items = Vec::new();
    if let Ok(runtime) = function.runtime.parse::<functory_core::Runtime>() {
        if let Some(notice) = functory_local::version_difference(runtime, settings) {
            items.push(item(
                name,
                "interpreter",
                notice,
                "install the declared version (or point the variable named above at it) so the local run uses the language version Lambda runs",
            ));
        }
        let pins = functory_local::pinned_sdks();
        match runtime.family {
            RuntimeFamily::Python => items.push(item(
                name,
                "sdk",
                format!(
                    "locally handlers import boto3 {} (current on {}); Lambda's {} carries the boto3 of its last runtime update, which may be older",
                    pins.boto3, pins.snapshot, runtime.name
                ),
                "when the code needs a particular boto3, put it in the function's requirements.txt so both run the same",
            )),
            RuntimeFamily::Node => items.push(item(
                name,
                "sdk",
                format!(
                    "locally handlers import the AWS SDK for JavaScript v3 at {} (current on {}); Lambda's {} carries the SDK of its last runtime update, which may be older",
                    pins.node
                        .get("@aws-sdk/client-s3")
                        .map(String::as_str)
                        .unwrap_or("its pinned versions"),
                    pins.snapshot,
                    runtime.name
                ),
                "when the code needs a particular SDK version, add it to the function's package.json so both run the same",
            )),
            RuntimeFamily::Provided => {}
        }
    }
    let node = function
        .runtime
        .parse::<functory_core::Runtime>()
        .is_ok_and(|r| r.family == RuntimeFamily::Node);
    let writes_kinesis = function.permissions.iter().any(|p| {
        p.effect == functory_core::PermissionEffect::Allow
            && p.actions.iter().any(|a| {
                functory_core::iam::action_matches(a, "kinesis:PutRecord")
                    || functory_core::iam::action_matches(a, "kinesis:PutRecords")
            })
    });
    if node && writes_kinesis && crate::local::wants_aws_services(manifest) {
        items.push(item(
            name,
            "sdk",
            "the AWS SDK for JavaScript's Kinesis client speaks HTTP/2 and signs its `:authority` header, which the local AWS services' signature check does not read: with permissions enforced, its Kinesis calls are refused locally with InvalidSignatureException (AWS accepts them)".to_owned(),
            "run with `functory run --no-enforce-permissions` (or untick \"Enforce permissions\" in the Run view) to put Kinesis records from Node.js handlers locally; boto3 is not affected",
        ));
    }
    for trigger in &function.triggers {
        if let Trigger::Stream { stream, .. } = trigger {
            let scope = functory_core::trigger_needs::ArnScope::with_resources(&manifest.resources);
            if !scope.is_dynamodb_stream(stream) {
                items.push(item(
                    name,
                    "trigger",
                    format!(
                        "stream `{stream}` is a Kinesis stream: locally it is a stream of that name with one shard in the local AWS services (made when missing) read by Functory's poller; on AWS it is the account's stream, with its shards, their throughput limits and the mapping's parallelization factor"
                    ),
                    "put records with the SDK (or `aws kinesis put-record --endpoint-url` with the run's AWS endpoint) to trigger it locally; load-test on the target for throughput",
                ));
            }
        }
    }
    items
}
