//! The deploy plan's question to the runtime catalogue: does Lambda still create (or update)
//! functions on this runtime today? Asked before anything changes, so a blocked runtime is a
//! plan error naming the manifest field rather than a failed CreateFunction half-way through.

use functory_adapter::AdapterError;
use functory_core::Function;
use functory_core::runtime::{Cloud, deploy_refusal, today};

/// Refuses a deploy of `function` that Lambda would refuse: with `exists` unknown (`None`,
/// before any call) only when its runtime can be neither created nor updated; once the
/// lookup said whether the function exists, a create or an update past its block date.
pub(super) fn refuse_blocked_runtime(
    function: &Function,
    exists: Option<bool>,
) -> Result<(), AdapterError> {
    let field = format!("functions.{}.runtime", function.name);
    match deploy_refusal(Cloud::Aws, &function.runtime, exists, today(), &field) {
        Some(refusal) => Err(AdapterError::invalid(refusal)),
        None => Ok(()),
    }
}
