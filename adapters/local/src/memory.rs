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
        .map(|text| hwm_kib(&text))
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

/// [`peak_tree_rss_bytes_quick`] for one instance, read after each of its invocations: the
/// root process's `status` and `children` files stay open and are read again from the start
/// (a `/proc` file renders fresh on every read), which spares a path lookup and two opens per
/// invocation. Descendants, rare in a function, are read the ordinary way.
#[derive(Debug)]
pub struct InstanceMemory {
    root: u32,
    status: Option<std::fs::File>,
    children: Option<std::fs::File>,
    text: String,
}

impl InstanceMemory {
    pub fn new(root: u32) -> Self {
        InstanceMemory {
            root,
            status: std::fs::File::open(format!("/proc/{root}/status")).ok(),
            children: std::fs::File::open(format!("/proc/{root}/task/{root}/children")).ok(),
            text: String::with_capacity(4096),
        }
    }

    pub fn peak_bytes(&mut self) -> u64 {
        let (Some(status), Some(_)) = (&self.status, &self.children) else {
            return peak_tree_rss_bytes_quick(self.root);
        };
        let mut total = 0;
        if reread(status, &mut self.text) {
            total += hwm_kib(&self.text) * 1024;
        }
        total + self.descendants_peak_bytes()
    }

    /// The same without the root process: for when the root said its own peak.
    pub fn descendants_peak_bytes(&mut self) -> u64 {
        let Some(children_file) = &self.children else {
            return children(self.root, true)
                .into_iter()
                .map(|child| walk(child, true))
                .sum();
        };
        let mut total = 0;
        if reread(children_file, &mut self.text) {
            for child in self
                .text
                .split_whitespace()
                .filter_map(|p| p.parse::<u32>().ok())
            {
                total += walk(child, true);
            }
        }
        total
    }
}

/// Reads `file` again from its start into `text`, by offset (a `/proc` file renders fresh on
/// every read from 0): no seek, and no size query that a `/proc` file cannot answer anyway.
fn reread(file: &std::fs::File, text: &mut String) -> bool {
    use std::os::unix::fs::FileExt;
    let mut bytes = std::mem::take(text).into_bytes();
    bytes.clear();
    let mut chunk = [0u8; 4096];
    let read = loop {
        match file.read_at(&mut chunk, bytes.len() as u64) {
            Ok(0) => break true,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break false,
        }
    };
    match String::from_utf8(bytes) {
        Ok(read_text) => {
            *text = read_text;
            read
        }
        Err(_) => false,
    }
}

fn hwm_kib(status: &str) -> u64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
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

    #[test]
    fn an_instance_reader_follows_a_growing_peak() {
        let mut memory = InstanceMemory::new(std::process::id());
        let before = memory.peak_bytes();
        assert!(before > 1024 * 1024, "{before}");
        // 64 MB touched page by page raises the high-water mark by about that much.
        let grown: Vec<u8> = vec![1; 64 * 1024 * 1024];
        assert_eq!(
            grown
                .iter()
                .step_by(4096)
                .map(|b| u64::from(*b))
                .sum::<u64>(),
            16 * 1024
        );
        // Other tests in this process allocate concurrently and a high-water mark only grows,
        // so the instance reader must land between two plain reads taken around it.
        let plain_before = peak_tree_rss_bytes_quick(std::process::id());
        let after = memory.peak_bytes();
        let plain_after = peak_tree_rss_bytes_quick(std::process::id());
        assert!(after >= before + 48 * 1024 * 1024, "{before} → {after}");
        assert!(
            plain_before <= after && after <= plain_after,
            "{plain_before} ≤ {after} ≤ {plain_after}"
        );
    }
}
