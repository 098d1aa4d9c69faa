//! Times the analyzer on the corpus of real Lambda handlers (`tests/corpus/{js,py}`): each
//! handler analysed as `functory analyze` does (its manifest, the handler and every local module
//! it imports, read from disk), per handler and for the whole corpus. `bench/analyze/corpus.sh`
//! runs it.
//!
//! Usage: `cargo run --release -p functory-analyze --example corpus_bench [RUNS]`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use functory_analyze::{SourceReader, analyze_function};
use functory_core::{ProjectFiles, parse_manifest};

struct Dir(PathBuf);

impl SourceReader for Dir {
    fn read(&self, relative: &str) -> Option<String> {
        std::fs::read_to_string(self.0.join(relative)).ok()
    }
}

impl ProjectFiles for Dir {
    fn is_file(&self, relative: &str) -> bool {
        self.0.join(relative).is_file()
    }
}

fn source_lines(dir: &Path) -> usize {
    let mut lines = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if functory_analyze::Lang::of_path(&path.to_string_lossy()).is_some() {
                lines += std::fs::read_to_string(&path).map_or(0, |t| t.lines().count());
            }
        }
    }
    lines
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(9);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut cases: Vec<PathBuf> = ["js", "py"]
        .iter()
        .filter_map(|l| std::fs::read_dir(root.join(l)).ok())
        .flat_map(|entries| entries.flatten().map(|e| e.path()))
        .filter(|p| p.join("functory.toml").is_file())
        .collect();
    cases.sort();
    let lines: usize = cases.iter().map(|c| source_lines(c)).sum();
    let analyse = |case: &Path| {
        let text = std::fs::read_to_string(case.join("functory.toml")).unwrap_or_default();
        let dir = Dir(case.to_path_buf());
        let parsed = parse_manifest(&text, "functory.toml", &dir);
        let Some(manifest) = parsed.manifest else {
            return 0;
        };
        manifest
            .functions
            .first()
            .map_or(0, |f| analyze_function(f, None, &dir).calls.len())
    };
    // Warm up: the catalogues, the mapping and the queries load once per process.
    for case in &cases {
        analyse(case);
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut per_case: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    let mut totals = Vec::new();
    let mut calls = 0;
    for _ in 0..runs {
        let start = Instant::now();
        calls = 0;
        for (i, case) in cases.iter().enumerate() {
            let one = Instant::now();
            calls += analyse(case);
            per_case[i].push(one.elapsed());
        }
        totals.push(start.elapsed());
    }
    totals.sort();
    let mut medians: Vec<(Duration, &PathBuf)> = per_case
        .iter_mut()
        .zip(&cases)
        .map(|(times, case)| {
            times.sort();
            (times[times.len() / 2], case)
        })
        .collect();
    medians.sort();
    println!(
        "{} handlers, {lines} lines of handler and module code, {calls} SDK calls, {runs} runs, one thread",
        cases.len()
    );
    println!(
        "whole corpus: median {:.0} ms, min {:.0} ms ({:.0} ms per 12,000 lines)",
        ms(totals[totals.len() / 2]),
        ms(totals[0]),
        ms(totals[totals.len() / 2]) * 12_000.0 / lines.max(1) as f64
    );
    println!(
        "per handler (median of runs): median {:.1} ms, slowest {:.1} ms ({})",
        ms(medians[medians.len() / 2].0),
        ms(medians[medians.len() - 1].0),
        medians[medians.len() - 1]
            .1
            .strip_prefix(&root)
            .unwrap_or(medians[medians.len() - 1].1)
            .display()
    );
}
