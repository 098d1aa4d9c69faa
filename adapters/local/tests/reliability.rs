//! The reliability test: 10,000 invokes at concurrency 32 where 5% of handler calls throw,
//! 1% time out and 1% exceed their memory. Every request gets exactly one answer of the right
//! kind, the runtime stays up, its own memory stays bounded, and no instance process is left
//! behind.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use functory_adapter::{Adapter, InvokeOptions};

const INVOKES: usize = 10_000;
const CONCURRENCY: usize = 32;

const HANDLER: &str = r#"
exports.handler = async (event) => {
  switch (event.mode) {
    case "throw": throw new Error(`planned failure ${event.i}`);
    case "timeout": await new Promise((r) => setTimeout(r, 60000)); return "late";
    case "oom": { const hog = []; for (let k = 0; k < 10; k++) hog.push(Buffer.alloc(32 * 1024 * 1024, k)); await new Promise((r) => setTimeout(r, 5000)); return hog.length; }
    default: return { i: event.i };
  }
};
"#;

fn mode(i: usize) -> &'static str {
    match i % 100 {
        0..=4 => "throw",
        5 => "timeout",
        6 => "oom",
        _ => "ok",
    }
}

fn own_rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap()
        / 1024
}

fn instances_of(root: &std::path::Path) -> usize {
    let needle = format!("LAMBDA_TASK_ROOT={}", root.display());
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter(|e| {
            std::fs::read(e.path().join("environ"))
                .map(|env| String::from_utf8_lossy(&env).contains(&needle))
                .unwrap_or(false)
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_invokes_with_failures_each_get_one_right_answer() {
    let project = TestProject::new(|s| {
        s.queue_wait = Duration::from_secs(30);
        s.log_limits.max_file_bytes = 512 * 1024;
        s.log_limits.rotated_files = 2;
    });
    project.write("chaos.js", HANDLER);
    let mut chaos = function("chaos", "nodejs20.x", "chaos.handler");
    // Long enough that a memory hog on a loaded two-core machine is caught by the memory
    // limit before the timeout; the planned timeouts sleep far longer.
    chaos.timeout_s = 3;
    project
        .deploy_with(chaos, |o| o.reserved_concurrency = Some(CONCURRENCY as u32))
        .await;

    let next = Arc::new(AtomicUsize::new(0));
    let answers = Arc::new(std::sync::Mutex::new(vec![None::<String>; INVOKES]));
    let rss_after_warmup = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let runtime = project.runtime.clone();
            let next = next.clone();
            let answers = answers.clone();
            let rss_after_warmup = rss_after_warmup.clone();
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= INVOKES {
                        return;
                    }
                    if i == 1_000 {
                        rss_after_warmup.store(own_rss_mb() as usize, Ordering::Relaxed);
                    }
                    let payload = format!(r#"{{"i": {i}, "mode": "{}"}}"#, mode(i));
                    let outcome = match runtime.invoke(InvokeOptions::new("chaos", payload)).await {
                        Ok(invocation) => match &invocation.function_error {
                            None if json(&invocation)["i"] == i => "ok".to_owned(),
                            None => format!("wrong payload {:?}", json(&invocation)),
                            Some(error) => error.error_type.clone(),
                        },
                        Err(error) => format!("adapter error {error}"),
                    };
                    let previous = answers.lock().unwrap()[i].replace(outcome);
                    assert!(previous.is_none(), "invoke {i} answered twice");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let elapsed = started.elapsed();

    let answers = answers.lock().unwrap().clone();
    let mut tally: HashMap<String, usize> = HashMap::new();
    let mut wrong = Vec::new();
    for (i, answer) in answers.iter().enumerate() {
        let answer = answer
            .clone()
            .unwrap_or_else(|| panic!("invoke {i} got no answer"));
        let expected = match mode(i) {
            "throw" => "Error",
            "timeout" => "Sandbox.Timedout",
            "oom" => "Runtime.OutOfMemory",
            _ => "ok",
        };
        if answer != expected {
            wrong.push(format!("invoke {i}: expected {expected}, got {answer}"));
        }
        *tally.entry(answer).or_default() += 1;
    }
    assert!(
        wrong.is_empty(),
        "{} wrong answers ({tally:?}):\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(tally["ok"], 9_300);
    assert_eq!(tally["Error"], 500);
    assert_eq!(tally["Sandbox.Timedout"], 100);
    assert_eq!(tally["Runtime.OutOfMemory"], 100);

    // Still up and serving.
    let after = project.invoke("chaos", r#"{"i": 1, "mode": "ok"}"#).await;
    assert_eq!(json(&after)["i"], 1);

    // Bounded: no growth per invocation in our own process, and logs within their limits.
    let grown = own_rss_mb().saturating_sub(rss_after_warmup.load(Ordering::Relaxed) as u64);
    assert!(
        grown < 64,
        "the runtime grew by {grown} MB over 9,000 invokes"
    );
    let log_bytes: u64 = std::fs::read_dir(project.runtime.log_store("chaos").unwrap().dir())
        .unwrap()
        .flatten()
        .map(|e| e.metadata().unwrap().len())
        .sum();
    assert!(
        log_bytes <= 3 * 512 * 1024 + 64 * 1024,
        "logs use {log_bytes} bytes"
    );

    let views = project.runtime.instances();
    assert!(views[0].idle.len() <= CONCURRENCY, "{:?}", views[0]);
    eprintln!(
        "10,000 invokes in {elapsed:?}; {} cold starts; runtime RSS {} MB",
        views[0].counters.cold_starts,
        own_rss_mb()
    );

    let root = project.root();
    project.runtime.shutdown();
    assert!(
        eventually(Duration::from_secs(5), || instances_of(&root) == 0).await,
        "{} instance processes left behind",
        instances_of(&root)
    );
}
