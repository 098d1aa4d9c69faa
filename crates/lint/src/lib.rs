//! Functory's security linter: IAM identity, resource and trust policies, and the security
//! settings of functions (function URLs, CORS, environment secrets, runtimes, limits).
//!
//! Policies are read with their exact source positions from JSON policy files, from
//! CloudFormation/SAM templates (YAML or JSON) and from the `permissions` of functory.toml.
//! Each rule lives in its own file under [`rules`], with a stable code, a severity, a fix
//! applicability and its user documentation as its doc comment; [`rules::RULES`] is the
//! registry. An offline IAM catalogue ([`catalogue`]) generated from a registry package tells
//! known actions, resource types and condition keys apart. Output is text, JSON or SARIF 2.1.0
//! ([`report`]).
//!
//! The crate reads no files itself: callers pass bytes and a path ([`lint_bytes`]), so the CLI,
//! the app and tests share the same entry point. Nothing here may panic on any input.

// Unit tests unwrap on purpose: a failing unwrap is a failing test with its location.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod catalogue;
pub mod engine;
pub mod finding;
pub mod parse;
pub mod policy;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;

pub use catalogue::Catalogue;
pub use engine::{
    FileReport, LintOptions, apply_fixes, fix_until_stable, lint_bytes, lint_text, looks_lintable,
};
pub use finding::{Applicability, Edit, Finding, Fix, Severity};
pub use policy::PolicyKind;
pub use report::{
    LocatedFinding, locate, locate_one, render_json, render_sarif, render_summary, render_text,
    sarif_level,
};
pub use rules::{RULES, Rule, RuleDoc, rule, rule_docs};
pub use suppress::Suppression;
