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
    let mut times: Vec<Duration> = Vec::new();
    let mut cpu: Vec<Duration> = Vec::new();
    let mut calls = 0;
    let mut unknown = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let cpu_start = thread_cpu();
        calls = 0;
        unknown = 0;
        for (path, text) in &files {
            if let Some(result) = analyze_file(path, text, &env, Some("handler")) {
                calls += result.calls.len();
                unknown += result.unknown.len();
            }
        }
        times.push(start.elapsed());
        if let (Some(a), Some(b)) = (cpu_start, thread_cpu()) {
            cpu.push(b.saturating_sub(a));
        }
    }
    times.sort();
    cpu.sort();
    // The same work spread over every core, as `analyze_project` could: files are independent.
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut parallel: Vec<Duration> = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let chunk = files.len().div_ceil(threads);
        std::thread::scope(|scope| {
            for part in files.chunks(chunk.max(1)) {
                let env = &env;
                scope.spawn(move || {
                    for (path, text) in part {
                        let _ = analyze_file(path, text, env, Some("handler"));
                    }
                });
            }
        });
        parallel.push(start.elapsed());
    }
    parallel.sort();
    // The share of the time tree-sitter's parsing takes, for comparison.
    let mut parse_times: Vec<Duration> = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        for (path, text) in &files {
            if let Some(lang) = functory_analyze::Lang::of_path(path) {
                let _ = functory_analyze::lang::parse(lang, text);
            }
        }
        parse_times.push(start.elapsed());
    }
    parse_times.sort();
    // Parsing CPU time per language, one pass, to see where the time goes.
    let mut per_language = Vec::new();
    for lang in [
        functory_analyze::Lang::JavaScript,
        functory_analyze::Lang::TypeScript,
        functory_analyze::Lang::Python,
    ] {
        let mine: Vec<&(String, String)> = files
            .iter()
            .filter(|(p, _)| functory_analyze::Lang::of_path(p) == Some(lang))
            .collect();
        let lines: usize = mine.iter().map(|(_, t)| t.lines().count()).sum();
        let bytes: usize = mine.iter().map(|(_, t)| t.len()).sum();
        let before = thread_cpu();
        for (_, text) in &mine {
            let _ = functory_analyze::lang::parse(lang, text);
        }
        if let (Some(a), Some(b)) = (before, thread_cpu()) {
            per_language.push(format!(
                "{}: {lines} lines, {:.1} MB, {:.0} ms",
                lang.as_str(),
                bytes as f64 / 1e6,
                ms(b.saturating_sub(a))
            ));
        }
    }
    println!(
        "{lines} lines in {} files ({:.1} MB), {calls} SDK calls, {unknown} not understood",
        files.len(),
        bytes as f64 / 1e6
    );
    println!(
        "analysis, one thread, {runs} runs: median {:.0} ms, min {:.0} ms, max {:.0} ms",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1])
    );
    if !cpu.is_empty() {
        println!(
            "analysis, one thread, CPU time: median {:.0} ms, min {:.0} ms",
            ms(cpu[cpu.len() / 2]),
            ms(cpu[0])
        );
    }
    println!(
        "analysis, {threads} threads, {runs} runs: median {:.0} ms, min {:.0} ms, max {:.0} ms",
        ms(parallel[parallel.len() / 2]),
        ms(parallel[0]),
        ms(parallel[parallel.len() - 1])
    );
    // Parsing plus the one query traversal, without the interpretation.
    let before = thread_cpu();
    for (path, text) in &files {
        if let Some(lang) = functory_analyze::Lang::of_path(path)
            && let Ok(tree) = functory_analyze::lang::parse(lang, text)
        {
            let _ = functory_analyze::lang::scan(lang, tree.root_node(), text);
        }
    }
    if let (Some(a), Some(b)) = (before, thread_cpu()) {
        println!(
            "parsing + query, CPU time: {:.0} ms",
            ms(b.saturating_sub(a))
        );
    }
    println!("parsing CPU time per language: {}", per_language.join("; "));
    println!(
        "parsing alone: median {:.0} ms",
        ms(parse_times[parse_times.len() / 2])
    );
}
