//! Times functory-lint on every file of a folder, one policy at a time, for bench/lint/run.sh.
//!
//! Prints one JSON object: file count, catalogue load time (paid once per process), total and
//! maximum per-file lint time, and the "unknown action" findings (IAM101/IAM102) whose action
//! does exist in the catalogue, which must be none.
//!
//! Each file is linted `BENCH_REPEAT` times (default 5) and its fastest run counts: on a shared
//! machine a single run also measures whoever else had the CPU.

use std::time::Instant;

use functory_lint::{Catalogue, LintOptions, lint_bytes};

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: bench_policies <folder of policy files>");
        std::process::exit(2);
    };
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {dir}: {e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();

    let started = Instant::now();
    let catalogue = Catalogue::get();
    let catalogue_ms = started.elapsed().as_secs_f64() * 1000.0;

    // BENCH_IGNORE=IAM203,IAM210 skips rules, to see what each one costs.
    let options = LintOptions {
        ignore: std::env::var("BENCH_IGNORE")
            .map(|v| v.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
        ..LintOptions::default()
    };
    let repeat: usize = std::env::var("BENCH_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1);
    let mut total_ms = 0.0;
    let mut max_ms = 0.0;
    let mut max_file = String::new();
    let mut findings = 0usize;
    let mut unknown_action_findings = 0usize;
    let mut false_unknown_actions: Vec<String> = Vec::new();
    for path in &paths {
        let bytes = std::fs::read(path).unwrap_or_default();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut ms = f64::INFINITY;
        let mut report = None;
        for _ in 0..repeat {
            let started = Instant::now();
            let run = lint_bytes(&name, &bytes, &options);
            ms = ms.min(started.elapsed().as_secs_f64() * 1000.0);
            report = Some(run);
        }
        let Some(report) = report else { continue };
        total_ms += ms;
        if ms > max_ms {
            max_ms = ms;
            max_file.clone_from(&name);
        }
        findings += report.findings.len();
        for finding in report
            .findings
            .iter()
            .filter(|f| f.code == "IAM101" || f.code == "IAM102")
        {
            unknown_action_findings += 1;
            let literal = report.text.get(finding.span.range()).unwrap_or_default();
            let action: String =
                serde_json::from_str(literal).unwrap_or_else(|_| literal.to_owned());
            if !catalogue.expand(&action).is_empty() {
                false_unknown_actions.push(format!("{name}: {action}"));
            }
        }
    }
    let summary = serde_json::json!({
        "files": paths.len(),
        "repeat": repeat,
        "catalogueLoadMs": catalogue_ms,
        "totalLintMs": total_ms,
        "maxPolicyMs": max_ms,
        "maxPolicyFile": max_file,
        "findings": findings,
        "unknownActionFindings": unknown_action_findings,
        "unknownActionFindingsForKnownActions": false_unknown_actions.len(),
        "examples": false_unknown_actions.iter().take(10).collect::<Vec<_>>(),
    });
    println!("{summary}");
}
