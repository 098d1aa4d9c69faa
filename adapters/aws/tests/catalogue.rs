//! The runtime catalogue's AWS rows name the runtimes the Lambda API itself knows: every
//! identifier is a value of aws-sdk-lambda's `Runtime` enum, and every value of that enum is in
//! the catalogue unless Lambda has not released it yet (the API model lists runtimes ahead of
//! their launch).

use aws_sdk_lambda::types::Runtime as LambdaRuntime;
use functory_core::runtime::{Cloud, catalogue};

/// In the Lambda API model, not (yet) on the "Lambda runtimes" page at the catalogue's snapshot.
const UNRELEASED: &[&str] = &["nodejs26.x", "python3.15"];

#[test]
fn every_catalogue_runtime_is_a_lambda_api_runtime() {
    for entry in catalogue()
        .entries()
        .iter()
        .filter(|e| e.cloud == Cloud::Aws)
    {
        assert!(
            LambdaRuntime::values().contains(&entry.id.as_str()),
            "{} is not a runtime of the Lambda API",
            entry.id
        );
    }
}

#[test]
fn every_released_lambda_api_runtime_is_in_the_catalogue() {
    let catalogue = catalogue();
    let missing: Vec<&str> = LambdaRuntime::values()
        .iter()
        .copied()
        .filter(|id| !UNRELEASED.contains(id) && catalogue.lookup(Cloud::Aws, id).is_none())
        .collect();
    assert_eq!(
        missing,
        Vec::<&str>::new(),
        "add them to crates/core/data/runtimes.toml"
    );
    for id in UNRELEASED {
        assert!(
            LambdaRuntime::values().contains(id),
            "{id} left the API model: drop it from UNRELEASED"
        );
    }
}
