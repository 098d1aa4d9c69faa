//! Functory's use cases.
//!
//! This crate is the single surface that the desktop app (`src-tauri`), the `functory` CLI and
//! the cross-crate tests call: open and create projects, read and write files inside a project,
//! apply manifest edits, create functions from templates, keep the crash-recovery journal,
//! keep cloud accounts in the keychain and test them against their cloud, drive the embedded
//! local runtime ([`local`]: serve a project, invoke, sample and saved test events, log tails),
//! run the security linter over the project and apply its fixes ([`lint`]), derive each
//! handler's least-privilege policy from its code ([`analyze`]), check triggers and remember
//! the trigger canvas's layout ([`triggers`]), and deploy to cloud targets ([`cloud`]).
//! Every failure is an [`ApiError`] with a stable code the UI can branch on.

pub mod account_test;
pub mod accounts;
pub mod analyze;
pub mod audit;
pub mod cloud;
pub mod cloud_import;
mod error;
pub mod fidelity;
mod files;
pub mod history;
pub mod ipc;
pub mod lint;
pub mod local;
mod project;
pub mod recovery;
pub mod sample;
pub mod session;
pub mod triggers;

pub use error::{ApiError, ErrorCode};
pub use files::{FileContent, MAX_EDITABLE_BYTES, TreeNode};
pub use functory_analyze as analyzer;
pub use functory_aws as aws;
pub use functory_core as core;
pub use functory_history as git_history;
pub use functory_vault as vault;
pub use project::{Project, ProjectView};
