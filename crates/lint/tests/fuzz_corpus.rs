//! Replays the `lint_any_file` fuzz corpus (fuzz/corpus/lint_any_file: every input the fuzzer
//! kept, crashes it found included once fixed) through the fuzz target's own property, so a
//! change that breaks one fails `cargo test` without a nightly toolchain or cargo-fuzz.

#[path = "../../../fuzz/fuzz_targets/lint_any_file_check.rs"]
mod lint_any_file_check;

#[test]
fn every_corpus_input_lints_without_panicking() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/lint_any_file");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the fuzz corpus {} must be readable: {e}", dir.display()))
        .map(|entry| entry.expect("a corpus entry").path())
        .collect();
    inputs.sort();
    assert!(inputs.len() > 100, "the corpus has {} inputs", inputs.len());
    for input in &inputs {
        let data = std::fs::read(input).expect("a corpus input");
        let outcome = std::panic::catch_unwind(|| lint_any_file_check::check_any_file(&data));
        assert!(outcome.is_ok(), "{} panicked", input.display());
    }
}
