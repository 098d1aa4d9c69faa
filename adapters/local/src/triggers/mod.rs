//! The local triggers: what makes functions run besides a direct invoke.

pub mod http;
pub mod lambda_api;
pub mod queue;
pub mod schedule;
pub mod storage;
