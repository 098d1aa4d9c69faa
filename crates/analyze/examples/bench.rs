//! Times the analysis of 100,000 lines of handler code generated from the sample handlers in
//! `tests/fixtures/` (JavaScript, TypeScript and Python). `bench/analyze/run.sh` runs it.
//!
//! Usage: `cargo run --release -p functory-analyze --example bench [LINES] [RUNS]`

use std::path::Path;
use std::time::{Duration, Instant};

use functory_analyze::{Env, analyze_file};

fn samples(dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            samples(&path, out);
        } else if functory_analyze::Lang::of_path(&path.to_string_lossy()).is_some()
            && let Ok(text) = std::fs::read_to_string(&path)
            && !path.to_string_lossy().contains("broken")
        {
            out.push((path.to_string_lossy().into_owned(), text));
        }
    }
}

/// CPU time this thread has run, from Linux's schedstat: wall time on a machine shared with
/// other builds counts their time too; this does not.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let target: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(7);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut sources = Vec::new();
    samples(&fixtures, &mut sources);
    if sources.is_empty() {
        eprintln!("no samples under {}", fixtures.display());
        std::process::exit(2);
    }
    // Copies of the samples, each with its own names so no two files are identical, until
    // the target line count is reached.
    let mut files: Vec<(String, String)> = Vec::new();
    let mut lines = 0;
    let mut copy = 0;
    while lines < target {
        for (path, text) in &sources {
            if lines >= target {
                break;
            }
            let (stem, ext) = path.rsplit_once('.').unwrap_or((path, "js"));
            let text = text
                .replace("handler", &format!("handler{copy}"))
                .replace("THUMBS", &format!("THUMBS{copy}"));
            lines += text.lines().count();
            files.push((format!("{stem}-{copy}.{ext}"), text));
        }
        copy += 1;
    }
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let env = Env::default();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let parse_all = || {
        for (path, text) in &files {
            if let Some(lang) = functory_analyze::Lang::of_path(path) {
                let _ = functory_analyze::lang::parse(lang, text);
            }
        }
    };
    let mut calls = 0;
    let mut unknown = 0;
    let mut analyse_all = || {
        calls = 0;
        unknown = 0;
        for (path, text) in &files {
            if let Some(result) = analyze_file(path, text, &env, Some("handler")) {
                calls += result.calls.len();
                unknown += result.unknown.len();
            }
        }
    };
    // Warm up: the mapping, the IAM catalogue and the queries load once per process.
    analyse_all();
    // Each run times parsing alone, the whole analysis on one thread, and the analysis on every
    // core, back to back, so a machine shared with other work slows all three alike.
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let (mut parse, mut parse_cpu, mut one, mut one_cpu, mut all) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let (start, cpu) = (Instant::now(), thread_cpu());
        parse_all();
        parse.push(start.elapsed());
        if let (Some(a), Some(b)) = (cpu, thread_cpu()) {
            parse_cpu.push(b.saturating_sub(a));
        }

        let (start, cpu) = (Instant::now(), thread_cpu());
        analyse_all();
        one.push(start.elapsed());
        if let (Some(a), Some(b)) = (cpu, thread_cpu()) {
            one_cpu.push(b.saturating_sub(a));
        }

        let start = Instant::now();
        let chunk = files.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            for part in files.chunks(chunk) {
                let env = &env;
                scope.spawn(move || {
                    for (path, text) in part {
                        let _ = analyze_file(path, text, env, Some("handler"));
                    }
                });
            }
        });
        all.push(start.elapsed());
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v.get(v.len() / 2).map_or(0.0, |d| ms(*d))
    };
    let min = |v: &[Duration]| v.first().map_or(0.0, |d| ms(*d));
    println!(
        "{lines} lines in {} files ({:.1} MB), {calls} SDK calls, {unknown} not understood, {runs} runs",
        files.len(),
        bytes as f64 / 1e6
    );
    let m = median(&mut parse);
    let c = median(&mut parse_cpu);
    println!(
        "parsing only, 1 thread:   median {m:.0} ms (CPU {c:.0} ms), min {:.0} ms",
        min(&parse)
    );
    let m = median(&mut one);
    let c = median(&mut one_cpu);
    println!(
        "analysis, 1 thread:       median {m:.0} ms (CPU {c:.0} ms), min {:.0} ms",
        min(&one)
    );
    let m = median(&mut all);
    println!(
        "analysis, {threads} threads:       median {m:.0} ms, min {:.0} ms",
        min(&all)
    );
}
