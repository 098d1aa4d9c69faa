//! Memory of an instance's process tree, read from `/proc`: the peak resident set (`VmHWM`) of
//! the instance's process and every descendant, which is what Lambda's "Max Memory Used" and
//! its memory limit are about.

use std::path::Path;

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

fn children(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let tasks = Path::new("/proc").join(pid.to_string()).join("task");
    let Ok(entries) = std::fs::read_dir(tasks) else {
        return found;
    };
    for entry in entries.flatten() {
        if let Ok(text) = std::fs::read_to_string(entry.path().join("children")) {
            found.extend(
                text.split_whitespace()
                    .filter_map(|p| p.parse::<u32>().ok()),
            );
        }
    }
    found
}

/// The sum of the peak resident sets of `root` and its descendants, in bytes.
pub fn peak_tree_rss_bytes(root: u32) -> u64 {
    let mut total = 0;
    let mut stack = vec![root];
    let mut seen = 0;
    while let Some(pid) = stack.pop() {
        // A process tree larger than this is not a function; stop rather than loop forever.
        seen += 1;
        if seen > 4096 {
            break;
        }
        total += status_kib(pid, "VmHWM:").unwrap_or(0) * 1024;
        stack.extend(children(pid));
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_own_peak() {
        let bytes = peak_tree_rss_bytes(std::process::id());
        assert!(bytes > 1024 * 1024, "{bytes}");
    }
}
