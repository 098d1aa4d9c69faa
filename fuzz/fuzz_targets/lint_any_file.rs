//! Any bytes, read as any of the formats the linter accepts, must give findings, never a panic
//! or a hang (the property is `lint_any_file_check::check_any_file`, which `cargo test` also
//! runs over this target's corpus).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "lint_any_file_check.rs"]
mod lint_any_file_check;

fuzz_target!(|data: &[u8]| lint_any_file_check::check_any_file(data));
