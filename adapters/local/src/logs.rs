//! Durable, bounded, per-function log storage and the Lambda log lines.
//!
//! Each function has a folder of JSON-lines files: `events.log` is appended to and rotated into
//! `events.1.log` … `events.N.log` when it reaches its size limit, so the disk used is bounded.
//! Writers from several processes (`functory run` and a `functory invoke` at the same time)
//! append each batch of lines with one `O_APPEND` write, which the kernel places at the end of
//! the file whole, so lines from different writers never interleave; only a rotation takes the
//! cross-process file lock. Following reads the files by offset, so it sees events written by
//! any process, and wakes at once for writes made in this process.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use functory_adapter::{LogEvent, LogFilter, LogLevel, LogStream};
use tokio::sync::{Notify, mpsc};

const CURRENT: &str = "events.log";

/// A [`LogEvent`] as it is written, borrowing its text: appends happen on every invocation, and
/// copying the function name, the request id and the message into an owned event only to
/// serialize it cost three allocations per line.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct StoredEvent<'a> {
    timestamp_ms: i64,
    function: &'a str,
    request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<LogLevel>,
    message: &'a str,
}

/// How much log a function may keep on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogLimits {
    pub max_file_bytes: u64,
    /// Rotated files kept besides the current one.
    pub rotated_files: u32,
}

impl Default for LogLimits {
    fn default() -> Self {
        LogLimits {
            max_file_bytes: 4 * 1024 * 1024,
            rotated_files: 4,
        }
    }
}

/// The log of one function.
#[derive(Debug)]
pub struct LogStore {
    function: String,
    dir: PathBuf,
    limits: LogLimits,
    /// Held open; locked around a rotation so writers in other processes rotate one at a time.
    lock_file: File,
    writer: Mutex<Option<Writer>>,
    appended: Arc<Notify>,
}

/// The open current file, and what this process knows of it.
#[derive(Debug)]
struct Writer {
    file: File,
    /// The inode it was opened as, to notice another process's rotation.
    id: u64,
    /// Bytes in the file, as of the last look plus what this process appended since.
    size: u64,
    /// When the path was last checked for a rotation by another process.
    checked: std::time::Instant,
}

/// How often a writer looks whether another process rotated the file. Looking on every append
/// cost a path lookup and two metadata calls per log line; between looks, this writer's lines
/// land in the file the other process just rotated (still read by `read_all`), and are lost
/// only if that process rotates through every kept file within the interval (the default
/// limits make that 20 MB of log in 100 ms).
const ROTATION_CHECK: std::time::Duration = std::time::Duration::from_millis(100);

fn rotated_name(n: u32) -> String {
    format!("events.{n}.log")
}

/// What tells a log file from the one rotated into its place: its inode on Unix, its creation
/// time elsewhere (a rotated-in file is always created after the one it replaces).
fn file_id(metadata: &std::fs::Metadata) -> u64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        metadata.ino()
    }
    #[cfg(not(unix))]
    {
        metadata
            .created()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64)
    }
}

impl LogStore {
    pub fn open(logs_root: &Path, function: &str, limits: LogLimits) -> std::io::Result<LogStore> {
        let dir = logs_root.join(function);
        std::fs::create_dir_all(&dir)?;
        let lock_file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(".lock"))?;
        Ok(LogStore {
            function: function.to_owned(),
            dir,
            limits,
            lock_file,
            writer: Mutex::new(None),
            appended: Arc::new(Notify::new()),
        })
    }

    pub fn function(&self) -> &str {
        &self.function
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Appends one event now; a write failure is reported on stderr rather than failing the
    /// invocation, because losing a log line must not lose the function's result.
    pub fn append(&self, request_id: Option<&str>, message: &str) {
        self.append_all(request_id, &[message]);
    }

    /// Appends several events in one write.
    pub fn append_all(&self, request_id: Option<&str>, messages: &[&str]) {
        let timestamp_ms = chrono::Utc::now().timestamp_millis();
        let timed: Vec<(i64, &str)> = messages.iter().map(|m| (timestamp_ms, *m)).collect();
        self.append_timed(request_id, &timed);
    }

    /// Appends events that happened at the given times (milliseconds since the epoch), in one
    /// write.
    pub fn append_timed(&self, request_id: Option<&str>, messages: &[(i64, &str)]) {
        let mut lines = Vec::with_capacity(256 * messages.len());
        for &(timestamp_ms, message) in messages {
            let event = StoredEvent {
                timestamp_ms,
                function: &self.function,
                request_id,
                level: level_of(message),
                message,
            };
            if serde_json::to_writer(&mut lines, &event).is_ok() {
                lines.push(b'\n');
            }
        }
        if let Err(error) = self.write(&lines) {
            eprintln!(
                "functory: could not write the log of `{}`: {error}",
                self.function
            );
        }
        self.appended.notify_waiters();
    }

    fn write(&self, lines: &[u8]) -> std::io::Result<()> {
        // No file lock per append: one `O_APPEND` write lands whole at the end of the file
        // whoever else appends, so locking would cost two system calls per append for nothing.
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let stale = match writer.as_mut() {
            None => true,
            Some(open) if open.checked.elapsed() >= ROTATION_CHECK => {
                // Another process may have rotated the file since we opened it.
                match std::fs::metadata(self.dir.join(CURRENT)) {
                    Ok(current) if file_id(&current) == open.id => {
                        open.size = current.len();
                        open.checked = std::time::Instant::now();
                        false
                    }
                    _ => true,
                }
            }
            Some(_) => false,
        };
        if stale {
            *writer = Some(self.open_current()?);
        }
        let open = match writer.as_mut() {
            Some(open)
                if open.size > 0 && open.size + lines.len() as u64 > self.limits.max_file_bytes =>
            {
                self.lock_file.lock()?;
                let rotated = self.rotate_if_full(lines.len() as u64);
                let unlocked = self.lock_file.unlock();
                unlocked?;
                *writer = Some(rotated?);
                writer.as_mut()
            }
            open => open,
        };
        if let Some(open) = open {
            open.file.write_all(lines)?;
            open.size += lines.len() as u64;
        }
        Ok(())
    }

    /// Under the rotation lock: rotates unless another writer already did (the file at the
    /// path then has room), and opens the current file.
    fn rotate_if_full(&self, adding: u64) -> std::io::Result<Writer> {
        let current = self.open_current()?;
        if current.size == 0 || current.size + adding <= self.limits.max_file_bytes {
            return Ok(current);
        }
        drop(current);
        self.rotate()?;
        self.open_current()
    }

    fn open_current(&self) -> std::io::Result<Writer> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(CURRENT))?;
        let metadata = file.metadata()?;
        Ok(Writer {
            file,
            id: file_id(&metadata),
            size: metadata.len(),
            checked: std::time::Instant::now(),
        })
    }

    fn rotate(&self) -> std::io::Result<()> {
        let oldest = self.dir.join(rotated_name(self.limits.rotated_files));
        let _ = std::fs::remove_file(oldest);
        for n in (1..self.limits.rotated_files).rev() {
            let from = self.dir.join(rotated_name(n));
            if from.exists() {
                std::fs::rename(&from, self.dir.join(rotated_name(n + 1)))?;
            }
        }
        if self.limits.rotated_files == 0 {
            std::fs::remove_file(self.dir.join(CURRENT))
        } else {
            std::fs::rename(self.dir.join(CURRENT), self.dir.join(rotated_name(1)))
        }
    }

    /// Every stored event, oldest first.
    pub fn read_all(&self) -> Vec<LogEvent> {
        let mut events = Vec::new();
        for n in (1..=self.limits.rotated_files).rev() {
            read_events(&self.dir.join(rotated_name(n)), 0, &mut events);
        }
        read_events(&self.dir.join(CURRENT), 0, &mut events);
        events
    }

    /// The stored events that match, then (with `follow`) every new one, as a stream.
    pub fn tail(
        self: &Arc<Self>,
        filter: LogFilter,
        since_ms: Option<i64>,
        last: Option<usize>,
        follow: bool,
    ) -> LogStream {
        let keep = move |event: &LogEvent| {
            filter.matches(event) && since_ms.is_none_or(|since| event.timestamp_ms >= since)
        };
        // Note the position before reading so nothing written meanwhile is missed.
        let path = self.dir.join(CURRENT);
        let start = std::fs::metadata(&path)
            .map(|m| (Some(file_id(&m)), m.len()))
            .unwrap_or((None, 0));
        let mut stored: Vec<LogEvent> = Vec::new();
        for n in (1..=self.limits.rotated_files).rev() {
            read_events(&self.dir.join(rotated_name(n)), 0, &mut stored);
        }
        read_events_until(&path, start.1, &mut stored);
        let mut stored: Vec<LogEvent> = stored.into_iter().filter(|e| keep(e)).collect();
        if let Some(last) = last {
            let skip = stored.len().saturating_sub(last);
            stored.drain(..skip);
        }
        let (sender, receiver) = mpsc::channel::<LogEvent>(256);
        if follow {
            let store = self.clone();
            tokio::spawn(async move {
                for event in stored {
                    if sender.send(event).await.is_err() {
                        return;
                    }
                }
                store.follow(start, keep, sender).await;
            });
        } else {
            tokio::spawn(async move {
                for event in stored {
                    if sender.send(event).await.is_err() {
                        return;
                    }
                }
            });
        }
        Box::pin(futures_util::stream::unfold(
            receiver,
            |mut receiver| async { receiver.recv().await.map(|event| (Ok(event), receiver)) },
        ))
    }

    async fn follow(
        &self,
        (mut file_id_seen, mut offset): (Option<u64>, u64),
        keep: impl Fn(&LogEvent) -> bool,
        sender: mpsc::Sender<LogEvent>,
    ) {
        let path = self.dir.join(CURRENT);
        loop {
            let notified = self.appended.notified();
            let mut fresh = Vec::new();
            match std::fs::metadata(&path) {
                Ok(metadata) if Some(file_id(&metadata)) == file_id_seen => {
                    offset = read_events_from(&path, offset, &mut fresh);
                }
                Ok(metadata) => {
                    // Rotated, perhaps several times: finish the file we were reading (now
                    // `events.K.log`), read the newer rotated files whole, then the new one.
                    let rotated: Vec<PathBuf> = (1..=self.limits.rotated_files)
                        .map(|n| self.dir.join(rotated_name(n)))
                        .collect();
                    let found = rotated.iter().position(|p| {
                        std::fs::metadata(p).is_ok_and(|m| Some(file_id(&m)) == file_id_seen)
                    });
                    if let Some(k) = found {
                        read_events_from(&rotated[k], offset, &mut fresh);
                        for newer in rotated[..k].iter().rev() {
                            read_events_from(newer, 0, &mut fresh);
                        }
                    }
                    file_id_seen = Some(file_id(&metadata));
                    offset = read_events_from(&path, 0, &mut fresh);
                }
                Err(_) => {}
            }
            for event in fresh.into_iter().filter(|e| keep(e)) {
                if sender.send(event).await.is_err() {
                    return;
                }
            }
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep(Duration::from_millis(150)) => {}
                _ = sender.closed() => return,
            }
        }
    }
}

fn read_events(path: &Path, from: u64, events: &mut Vec<LogEvent>) {
    read_events_from(path, from, events);
}

fn read_events_until(path: &Path, until: u64, events: &mut Vec<LogEvent>) {
    let Ok(file) = File::open(path) else { return };
    parse_lines(BufReader::new(file.take(until)), events);
}

/// Reads complete lines from `from`; returns the offset after the last complete line, so a
/// line being written right now is read whole next time.
fn read_events_from(path: &Path, from: u64, events: &mut Vec<LogEvent>) -> u64 {
    let Ok(mut file) = File::open(path) else {
        return from;
    };
    if file.seek(SeekFrom::Start(from)).is_err() {
        return from;
    }
    let mut reader = BufReader::new(file);
    let mut offset = from;
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return offset,
            Ok(n) if line.last() == Some(&b'\n') => {
                offset += n as u64;
                if let Ok(event) = serde_json::from_slice::<LogEvent>(&line) {
                    events.push(event);
                }
            }
            Ok(_) => return offset,
        }
    }
}

fn parse_lines(reader: impl BufRead, events: &mut Vec<LogEvent>) {
    for line in reader.split(b'\n').map_while(Result::ok) {
        if let Ok(event) = serde_json::from_slice::<LogEvent>(&line) {
            events.push(event);
        }
    }
}

/// The level of a line in the Node (`time\tid\tLEVEL\tmessage`) or Python (`[LEVEL]\t…`)
/// Lambda formats; platform lines and plain prints have none.
pub fn level_of(message: &str) -> Option<LogLevel> {
    if let Some(rest) = message.strip_prefix('[')
        && let Some((level, _)) = rest.split_once(']')
    {
        return LogLevel::parse(level);
    }
    let mut fields = message.splitn(4, '\t');
    let (Some(time), Some(_id), Some(level)) = (fields.next(), fields.next(), fields.next()) else {
        return None;
    };
    if time.len() >= 20 && time.as_bytes().get(4) == Some(&b'-') {
        LogLevel::parse(level)
    } else {
        None
    }
}

/// `START RequestId: … Version: …`
pub fn start_line(request_id: &str, version: &str) -> String {
    format!("START RequestId: {request_id} Version: {version}")
}

/// `END RequestId: …`
pub fn end_line(request_id: &str) -> String {
    format!("END RequestId: {request_id}")
}

/// The `REPORT` line, tab-separated as Lambda writes it.
pub fn report_line(
    request_id: &str,
    metrics: &functory_adapter::InvocationMetrics,
    status: Option<(&str, &str)>,
) -> String {
    let mut line = format!(
        "REPORT RequestId: {request_id}\tDuration: {:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB",
        metrics.duration_ms,
        metrics.billed_duration_ms,
        metrics.memory_size_mb,
        metrics.max_memory_used_mb
    );
    if let Some(init) = metrics.init_duration_ms {
        line.push_str(&format!("\tInit Duration: {init:.2} ms"));
    }
    if let Some((status, error_type)) = status {
        line.push_str(&format!("\tStatus: {status}\tError Type: {error_type}"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[test]
    fn levels_are_read_from_node_and_python_formats() {
        assert_eq!(
            level_of("2024-01-01T00:00:00.000Z\tabc\tWARN\tcareful"),
            Some(LogLevel::Warn)
        );
        assert_eq!(
            level_of("[ERROR]\t2024-01-01T00:00:00.000Z\tabc\tboom"),
            Some(LogLevel::Error)
        );
        assert_eq!(level_of("START RequestId: x Version: $LATEST"), None);
        assert_eq!(level_of("plain print"), None);
    }

    #[test]
    fn stored_lines_read_back_as_the_events_appended() {
        let dir = tempfile::tempdir().unwrap();
        let store = LogStore::open(dir.path(), "f", LogLimits::default()).unwrap();
        store.append_timed(
            Some("req-1"),
            &[
                (
                    1,
                    "2024-01-01T00:00:00.000Z\treq-1\tERROR\t\"quoted\"\r\u{e9}",
                ),
                (2, "END RequestId: req-1"),
            ],
        );
        store.append_timed(None, &[(3, "INIT_START Runtime Version: nodejs20.x")]);
        let event = |timestamp_ms, request_id: Option<&str>, level, message: &str| LogEvent {
            timestamp_ms,
            function: "f".to_owned(),
            request_id: request_id.map(str::to_owned),
            level,
            message: message.to_owned(),
        };
        let expected = vec![
            event(
                1,
                Some("req-1"),
                Some(LogLevel::Error),
                "2024-01-01T00:00:00.000Z\treq-1\tERROR\t\"quoted\"\r\u{e9}",
            ),
            event(2, Some("req-1"), None, "END RequestId: req-1"),
            event(3, None, None, "INIT_START Runtime Version: nodejs20.x"),
        ];
        assert_eq!(store.read_all(), expected);
        // Written exactly as the owned event serializes, so every reader of the files agrees.
        let written = std::fs::read_to_string(dir.path().join("f").join(CURRENT)).unwrap();
        let owned: Vec<String> = expected
            .iter()
            .map(|e| serde_json::to_string(e).unwrap())
            .collect();
        assert_eq!(written.lines().collect::<Vec<_>>(), owned);
    }

    #[test]
    fn report_line_has_lambdas_fields() {
        let metrics = functory_adapter::InvocationMetrics {
            duration_ms: 12.345,
            billed_duration_ms: 13,
            memory_size_mb: 128,
            max_memory_used_mb: 40,
            init_duration_ms: Some(101.5),
        };
        assert_eq!(
            report_line("id1", &metrics, None),
            "REPORT RequestId: id1\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tInit Duration: 101.50 ms"
        );
    }

    #[test]
    fn rotation_bounds_the_files_and_keeps_order() {
        let dir = tempfile::tempdir().unwrap();
        let limits = LogLimits {
            max_file_bytes: 2_000,
            rotated_files: 2,
        };
        let store = LogStore::open(dir.path(), "f", limits).unwrap();
        for i in 0..200 {
            store.append(Some("r"), &format!("line {i:04}"));
        }
        let files: Vec<_> = std::fs::read_dir(store.dir())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".log"))
            .collect();
        assert_eq!(files.len(), 3, "{files:?}");
        let events = store.read_all();
        assert!(events.len() < 200 && events.len() > 20, "{}", events.len());
        assert_eq!(events.last().unwrap().message, "line 0199");
        let numbers: Vec<u32> = events
            .iter()
            .map(|e| e.message[5..].parse().unwrap())
            .collect();
        assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{numbers:?}");
    }

    /// Every line of every file in the function's folder, each checked to be one whole event.
    fn stored_lines(store: &LogStore) -> Vec<String> {
        let mut lines = Vec::new();
        for entry in std::fs::read_dir(store.dir()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "log") {
                for line in std::fs::read_to_string(&path).unwrap().lines() {
                    let event: LogEvent = serde_json::from_str(line)
                        .unwrap_or_else(|e| panic!("{}: torn line {line:?}: {e}", path.display()));
                    lines.push(event.message);
                }
            }
        }
        lines
    }

    /// Two stores on one folder stand for two processes (`functory run` and `functory invoke`):
    /// each has its own open files and lock, as another process would.
    fn append_from_two_writers(
        limits: LogLimits,
        per_writer: usize,
    ) -> (tempfile::TempDir, LogStore) {
        let dir = tempfile::tempdir().unwrap();
        let first = LogStore::open(dir.path(), "f", limits).unwrap();
        let second = LogStore::open(dir.path(), "f", limits).unwrap();
        let padding = "x".repeat(300);
        std::thread::scope(|scope| {
            for (name, store) in [("a", &first), ("b", &second)] {
                let padding = &padding;
                scope.spawn(move || {
                    for i in 0..per_writer {
                        let line = format!("{name} {i:05} {padding}");
                        store.append_all(Some("r"), &[&line, &line]);
                    }
                });
            }
        });
        (dir, first)
    }

    #[test]
    fn appends_from_two_processes_never_interleave_and_none_is_lost() {
        let (_dir, store) = append_from_two_writers(
            LogLimits {
                max_file_bytes: 64 * 1024 * 1024,
                rotated_files: 1,
            },
            2_000,
        );
        let lines = stored_lines(&store);
        assert_eq!(lines.len(), 8_000);
        // The two lines of one append are adjacent: no other writer's line came between.
        for pair in lines.chunks(2) {
            assert_eq!(pair[0], pair[1]);
        }
        for name in ["a", "b"] {
            let numbers: Vec<usize> = lines
                .iter()
                .filter(|l| l.starts_with(name))
                .map(|l| l[2..7].parse().unwrap())
                .collect();
            // Each writer's lines stay in its order.
            let expected: Vec<usize> = (0..2_000).flat_map(|i| [i, i]).collect();
            assert_eq!(numbers, expected, "writer {name}");
        }
    }

    #[test]
    fn two_processes_rotating_keep_the_bound_and_whole_lines() {
        let limits = LogLimits {
            max_file_bytes: 20_000,
            rotated_files: 3,
        };
        let (dir, store) = append_from_two_writers(limits, 1_000);
        // Older lines may be rotated out; a writer coming back later (after the interval at
        // which it looks for other writers' rotations) writes where readers find it.
        std::thread::sleep(ROTATION_CHECK + Duration::from_millis(20));
        let other = LogStore::open(dir.path(), "f", limits).unwrap();
        store.append(None, "a last");
        other.append(None, "b last");
        let files = std::fs::read_dir(store.dir())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "log"))
            })
            .count();
        assert_eq!(files, 4);
        let lines = stored_lines(&store);
        // Each writer counts only its own appends between looks at the file, so a file holds
        // at most the limit from each writer: bounded by writers × limit, not by the traffic.
        let bytes: u64 = std::fs::read_dir(store.dir())
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        assert!(bytes <= 4 * 2 * (20_000 + 1_000), "{bytes} bytes kept");
        assert!(lines.len() > 40, "{} lines kept", lines.len());
        assert!(lines.iter().any(|l| l == "a last"), "{lines:?}");
        assert!(lines.iter().any(|l| l == "b last"), "{lines:?}");
    }

    #[tokio::test]
    async fn follow_sees_writes_across_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let limits = LogLimits {
            max_file_bytes: 1_000,
            rotated_files: 3,
        };
        let store = Arc::new(LogStore::open(dir.path(), "f", limits).unwrap());
        store.append(None, "before");
        let mut stream = store.tail(LogFilter::default(), None, Some(1), true);
        assert_eq!(stream.next().await.unwrap().unwrap().message, "before");
        for i in 0..40 {
            store.append(None, &format!("after {i}"));
        }
        for i in 0..40 {
            let event = tokio::time::timeout(Duration::from_secs(5), stream.next())
                .await
                .expect("no event within 5 s")
                .unwrap()
                .unwrap();
            assert_eq!(event.message, format!("after {i}"));
        }
    }
}
