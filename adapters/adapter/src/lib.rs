//! The contract every deployment target implements — the local runtime, AWS Lambda, Azure
//! Functions and Google Cloud Functions — shaped after the `object_store` crate: one small
//! [`Adapter`] trait whose async operations each take an options struct, one error vocabulary
//! ([`AdapterError`]) that each provider's private errors convert into, and a [`Capabilities`]
//! struct saying what a provider supports.
//!
//! Around the trait live the pieces every adapter shares, among them the [`conformance`] suite
//! with one `pub async fn` per behaviour, which each adapter's tests run against its own backend.
//!
//! This crate depends only on `functory-core`; it knows nothing about processes, HTTP or clouds.

// Tests may unwrap: a panic there is the failure report.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod archive;
mod cloud;
pub mod conformance;
mod error;
pub mod listening;
pub mod oauth;
mod operations;
pub mod plan;
pub mod seen;

pub use cloud::{CloudAdapter, DeployOutcome, LogSource, VersionInfo};
pub use error::{AdapterError, Result};
pub use operations::*;
pub use plan::{
    ChangeAction, DeployPlan, DeployProgress, PlannedChange, ProgressSink, ResourceKind,
};
