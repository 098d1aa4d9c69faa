//! Functory's embedded local runtime: Lambda-compatible functions on the user's own machine,
//! with no Docker and no cloud account.
//!
//! [`LocalRuntime`] implements the [`functory_adapter::Adapter`] contract. Each function runs in
//! instances — process groups of an interpreter of the declared version (`node24`,
//! `python3.14` or a configured path; else the machine's `node` or `python3`, and the invoke
//! result says which version ran) or the function's own `bootstrap` — that talk to a Lambda
//! Runtime API served on 127.0.0.1, so the official AWS
//! runtime clients run unchanged. Around it: Lambda's semantics (cold and warm starts,
//! concurrency, throttling, timeouts, memory limits), logs in Lambda's format stored per
//! function, hot reload, and local triggers (HTTP gateway, schedules, bucket folders, queues)
//! started together by [`ProjectRun`]; [`samples`] has an event of every trigger's shape and
//! the test events a user saves per function.
//!
//! This crate owns processes, ports and files under the project's `.functory/local` folder;
//! it knows nothing of the GUI or the CLI, which call it through the adapter trait and the
//! few public types below.

//! [`services`] starts the local AWS services (a real emulator on loopback) that a run's
//! handlers reach with unmodified SDK code, and finds the SDKs Lambda provides.

// Tests may unwrap: a panic there is the failure report.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod bootstrap;
mod engine;
mod instance;
mod interpreter;
pub mod logs;
// Process memory and the pipe-served Runtime API belong to Unix process instances (`instance`).
#[cfg(unix)]
mod memory;
mod project;
mod reload;
#[cfg(unix)]
mod runtime_api;
pub mod samples;
pub mod services;
mod settings;
mod spec;
pub mod triggers;

pub use engine::{Counters, FunctionInstances, InstanceView, LocalRuntime, capabilities};
pub use interpreter::version_difference;
pub use logs::{LogLimits, LogStore};
pub use project::function_errors;
pub use project::{
    BucketView, HttpRouteView, ProjectRun, QueueView, RunError, RunOptions, ScheduleView,
    load_manifest,
};
pub use services::{AwsAccess, AwsServicesSettings, LambdaSdks, LocalAwsServices, ServicesError};
pub use services::{PinnedSdks, pinned_sdks};
pub use settings::LocalSettings;
