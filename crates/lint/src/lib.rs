//! Functory's security linter.
pub mod catalogue;
pub mod parse;
pub mod policy;
