//! Functory's domain model.
//!
//! `functory.toml` is the single, cloud-neutral source of truth of a project: its targets and its
//! functions with their runtimes, limits, environment, triggers and permissions. This crate parses
//! it with exact source positions, validates it, and edits it through `toml_edit` so that a
//! user's comments and formatting survive every change the app makes.
//!
//! The crate is pure: it never touches the file system or the network. Anything that needs a
//! file (does the handler exist?) is asked through the [`manifest::ProjectFiles`] trait, so the
//! `api` crate decides how files are read.

pub mod diagnostic;
pub mod edit;
pub mod iam;
pub mod manifest;
pub mod route;
pub mod runtime;
pub mod schedule;
pub mod template;
pub mod trigger_check;
pub mod trigger_needs;

pub use diagnostic::{Diagnostic, Severity};
pub use edit::{EditError, ManifestEdit, apply_edit};
pub use manifest::{
    AdapterKind, Cors, Function, MANIFEST_FILE_NAME, Manifest, ParsedManifest, Permission,
    PermissionEffect, ProjectFiles, Resource, ResourceKind, Target, Trigger, UrlAuth,
    parse_manifest,
};
pub use runtime::{Runtime, RuntimeFamily};
pub use schedule::{Schedule, ScheduleError, ScheduleExpression};
