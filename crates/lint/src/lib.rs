//! Functory's security linter.
pub mod parse;
