//! Memory of an instance's process tree, read from `/proc`: the peak resident set (`VmHWM`) of
//! the instance's process and its descendants, which is what Lambda's "Max Memory Used" and its
//! memory limit are about.

use std::io::Read;

/// Reads a small `/proc` file in one go (the standard helpers grow their buffer from 32
/// bytes, which costs a dozen reads per file).
fn read_proc(path: &str) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut text = String::with_capacity(4096);
    file.read_to_string(&mut text).ok()?;
    Some(text)
}

fn peak_kib(pid: u32) -> u64 {
    read_proc(&format!("/proc/{pid}/status"))
        .and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Children started by any of `pid`'s threads, or (`main_thread_only`) by its main thread.
fn children(pid: u32, main_thread_only: bool) -> Vec<u32> {
    let parse = |text: String| -> Vec<u32> {
        text.split_whitespace()
            .filter_map(|p| p.parse::<u32>().ok())
            .collect()
    };
    if main_thread_only {
        return read_proc(&format!("/proc/{pid}/task/{pid}/children"))
            .map(parse)
            .unwrap_or_default();
    }
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|task| read_proc(&task.path().join("children").to_string_lossy()))
        .flat_map(parse)
        .collect()
}

fn walk(root: u32, main_thread_only: bool) -> u64 {
    let mut total = 0;
    let mut stack = vec![root];
    let mut seen = 0;
    while let Some(pid) = stack.pop() {
        // A process tree larger than this is not a function; stop rather than loop forever.
        seen += 1;
        if seen > 4096 {
            break;
        }
        total += peak_kib(pid) * 1024;
        stack.extend(children(pid, main_thread_only));
    }
    total
}

/// The sum of the peak resident sets of `root` and all its descendants, in bytes.
pub fn peak_tree_rss_bytes(root: u32) -> u64 {
    walk(root, false)
}

/// The same, following only children started by main threads: cheap enough to read after
/// every invocation (runtimes start subprocesses from their main thread).
pub fn peak_tree_rss_bytes_quick(root: u32) -> u64 {
    walk(root, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_own_peak() {
        let bytes = peak_tree_rss_bytes(std::process::id());
        assert!(bytes > 1024 * 1024, "{bytes}");
        assert!(peak_tree_rss_bytes_quick(std::process::id()) > 1024 * 1024);
    }
}
