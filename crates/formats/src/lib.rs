//! The formats Functory reads and writes besides `functory.toml`.
//!
//! - **Import** an AWS SAM `template.yaml` ([`sam::import_sam`]) or a Serverless Framework
//!   `serverless.yml` ([`serverless::import_serverless`]) into a [`functory_core::Manifest`] and
//!   its `functory.toml` text ([`manifest_text`]), with an [`ImportReport`] of what mapped and,
//!   with file:line, of everything that did not and why.
//! - **Export** a manifest as a SAM template ([`export::export_sam`]) that cfn-lint accepts.
//! - **Sample events** ([`events`]) of every trigger kind, in the real shapes AWS, Google Cloud
//!   and Azure deliver, built from a trigger's settings; the local runtime sends the same shapes.
//!
//! Templates are read with functory-lint's span-keeping parsers, so every report line points
//! at the place in the user's file. The crate is pure apart from [`write`], which writes an
//! imported manifest into a project folder (refusing to overwrite without `force`, atomically).
//! Nothing here may panic on any input.

// Unit tests unwrap on purpose: a failing unwrap is a failing test with its location.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod cfn;
pub mod events;
pub mod export;
pub mod manifest_text;
mod policy_templates;
pub mod report;
pub mod sam;
mod sam_api;
pub mod serverless;
mod source;
pub mod write;
mod yaml_out;

pub use events::{EventKind, SampleEvent, other_shapes, sample_events};
pub use export::export_sam;
pub use report::{ImportError, ImportReport, Imported, ReportItem};
pub use sam::import_sam;
pub use serverless::import_serverless;
pub use write::{WriteError, write_manifest};
