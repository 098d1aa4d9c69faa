//! A running instance: a Unix process group, with its Runtime API reached over inherited pipes.
//!
//! The instance's stdout and stderr share one pipe, read without blocking by a Tokio task. A
//! handler prints before it answers, so when the answer arrives its lines are already in the
//! pipe: reading the pipe dry right then puts every one of them in the log before `END`,
//! without a thread or a context switch per invocation.

use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use command_fds::CommandFdExt;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::net::unix::pipe;
use tokio::sync::{oneshot, watch};

use crate::logs::LogStore;
use crate::memory::{InstanceMemory, peak_tree_rss_bytes};
use crate::runtime_api::{
    Answer, FramePipes, InitSignal, PendingInvocation, RuntimeApi, RuntimeOutcome,
};

use super::{InitFailure, InstanceOutcome, InvocationRequest, InvokeResult, Launch};

/// Most lines kept for one invocation's log tail.
const CAPTURE_LINES: usize = 1000;
const MEMORY_POLL: Duration = Duration::from_millis(15);
/// How long an instance that exited during init may still be heard reporting why (its
/// `init_error` crosses a pipe that is read apart from the exit).
const INIT_REPORT_GRACE: Duration = Duration::from_millis(100);
/// A line longer than this is logged in pieces.
const MAX_LINE_BYTES: usize = 256 * 1024;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The instance's output pipe and where its lines go.
struct OutputRouting {
    store: Arc<LogStore>,
    pipe: pipe::Receiver,
    /// Bytes of a line not yet ended by a newline.
    partial: Mutex<Vec<u8>>,
    current: Mutex<Option<Invocation>>,
}

/// The invocation an instance is running.
struct Invocation {
    request_id: String,
    /// Its output so far, for the log tail.
    lines: Vec<String>,
    /// Its `START` line and when it started, until written. The line waits for the first of:
    /// output from the handler, a memory check (every `MEMORY_POLL`, so a follower sees a long
    /// invocation start), or the closing lines; a quick silent invocation then costs one log
    /// write instead of two.
    start: Option<(i64, String)>,
}

impl OutputRouting {
    fn line(&self, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        let message = text.trim_end_matches('\r').replace('\r', "\n");
        // Written under the lock, so the START line taken here reaches the file before the
        // closing lines, which are taken under it too.
        let mut current = lock(&self.current);
        let Some(invocation) = current.as_mut() else {
            drop(current);
            self.store.append(None, &message);
            return;
        };
        if invocation.lines.len() < CAPTURE_LINES {
            invocation.lines.push(message.clone());
        }
        let now = chrono::Utc::now().timestamp_millis();
        match invocation.start.take() {
            Some((at, start)) => self.store.append_timed(
                Some(&invocation.request_id),
                &[(at, &start), (now, &message)],
            ),
            None => self
                .store
                .append_timed(Some(&invocation.request_id), &[(now, &message)]),
        }
    }

    /// Writes the running invocation's `START` line if it still waits.
    fn write_start(&self) {
        let mut current = lock(&self.current);
        if let Some(invocation) = current.as_mut()
            && let Some((at, start)) = invocation.start.take()
        {
            self.store
                .append_timed(Some(&invocation.request_id), &[(at, &start)]);
        }
    }

    /// Reads everything the pipe holds now and logs the complete lines (and, with
    /// `finish`, the unfinished one). Returns false once the pipe is closed.
    fn drain(&self, finish: bool) -> bool {
        let mut partial = lock(&self.partial);
        let mut buffer = [0u8; 16 * 1024];
        let mut open = true;
        loop {
            match self.pipe.try_read(&mut buffer) {
                Ok(0) => {
                    open = false;
                    break;
                }
                Ok(n) => {
                    partial.extend_from_slice(&buffer[..n]);
                    let mut start = 0;
                    while let Some(end) = partial[start..].iter().position(|b| *b == b'\n') {
                        self.line(&partial[start..start + end]);
                        start += end + 1;
                    }
                    partial.drain(..start);
                    if partial.len() > MAX_LINE_BYTES {
                        self.line(&partial);
                        partial.clear();
                    }
                }
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    open = false;
                    break;
                }
            }
        }
        if (finish || !open) && !partial.is_empty() {
            self.line(&partial);
            partial.clear();
        }
        open
    }
}

pub(crate) struct Instance {
    pub id: u64,
    pub generation: u64,
    pub provisioned: bool,
    pub init_duration: Duration,
    pub last_used: Instant,
    /// Whether the instance has served an invocation (the first one is the cold start).
    pub used: bool,
    pid: u32,
    memory: InstanceMemory,
    api: RuntimeApi,
    exited: watch::Receiver<Option<String>>,
    routing: Arc<OutputRouting>,
    reader: tokio::task::JoinHandle<()>,
    killed: bool,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("id", &self.id)
            .field("pid", &self.pid)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

fn describe_exit(status: std::io::Result<std::process::ExitStatus>) -> String {
    match status {
        Ok(status) => match (status.code(), status.signal()) {
            (Some(code), _) => format!("exit status {code}"),
            (None, Some(signal)) => {
                let name = match signal {
                    9 => "killed".to_owned(),
                    15 => "terminated".to_owned(),
                    11 => "segmentation fault".to_owned(),
                    6 => "aborted".to_owned(),
                    other => format!("{other}"),
                };
                format!("signal: {name}")
            }
            _ => "exited".to_owned(),
        },
        Err(error) => format!("unknown ({error})"),
    }
}

fn kill_group(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
    }
}

impl Instance {
    /// Starts the process and waits until it asks for its first invocation (init is over),
    /// reports an init error, exits, or runs out of `init_timeout`.
    pub async fn start(
        id: u64,
        generation: u64,
        provisioned: bool,
        launch: Launch,
        store: Arc<LogStore>,
        init_timeout: Duration,
    ) -> Result<Instance, InitFailure> {
        let started = Instant::now();
        let io_failure = |what: &str, error: std::io::Error| {
            InitFailure::new(
                "Runtime.Unknown",
                format!("could not {what}: {error}"),
                started.elapsed(),
            )
        };
        // The bootstrap's ends of the frame pipes stay blocking: it waits for its next
        // invocation in `read` rather than in an event loop, as a frozen Lambda sandbox waits.
        let (pipes, bootstrap_ends) = if launch.frames {
            let (bootstrap_reads, to_bootstrap) =
                std::io::pipe().map_err(|e| io_failure("create a pipe", e))?;
            let (from_bootstrap, bootstrap_writes) =
                std::io::pipe().map_err(|e| io_failure("create a pipe", e))?;
            let pipes = FramePipes {
                from_bootstrap,
                to_bootstrap,
            };
            (Some(pipes), Some((bootstrap_reads, bootstrap_writes)))
        } else {
            (None, None)
        };
        let (api, init) = RuntimeApi::start(pipes)
            .await
            .map_err(|e| io_failure("start the Runtime API", e))?;
        let mut args = launch.args.clone();
        if let Some((reads, writes)) = &bootstrap_ends {
            args.push(format!(
                "--runtime-api-fds={},{}",
                reads.as_raw_fd(),
                writes.as_raw_fd()
            ));
        }
        let (reader, writer) = std::io::pipe().map_err(|e| io_failure("create a pipe", e))?;
        let mut environment = launch.environment;
        environment.push(("AWS_LAMBDA_RUNTIME_API".to_owned(), api.address.to_string()));
        let mut command = tokio::process::Command::new(&launch.program);
        command
            .args(&args)
            .current_dir(&launch.working_dir)
            .env_clear()
            .envs(environment)
            .stdin(Stdio::null())
            .stdout(
                writer
                    .try_clone()
                    .map_err(|e| io_failure("share a pipe", e))?,
            )
            .stderr(
                writer
                    .try_clone()
                    .map_err(|e| io_failure("share a pipe", e))?,
            )
            // Its own process group, so the whole tree can be stopped by our own pid.
            .process_group(0)
            .kill_on_drop(true);
        if let Some((reads, writes)) = bootstrap_ends {
            // Inherited under the same numbers; everything else of ours is close-on-exec.
            command.preserved_fds(vec![OwnedFd::from(reads), OwnedFd::from(writes)]);
        }
        let spawned = command.spawn();
        // The command holds copies of the output pipe's write end and the bootstrap's frame
        // pipe ends; only the child may keep them.
        drop(command);
        let mut child = spawned.map_err(|error| {
            InitFailure::new(
                "Runtime.InvalidEntrypoint",
                format!("could not start {}: {error}", launch.program.display()),
                started.elapsed(),
            )
        })?;
        // Only the child keeps a write end, so the pipe closes when its processes are gone.
        drop(writer);
        let pid = child.id().unwrap_or(0);
        let pipe = pipe::Receiver::from_owned_fd(OwnedFd::from(reader))
            .map_err(|e| io_failure("read the instance's output", e))?;
        let routing = Arc::new(OutputRouting {
            store,
            pipe,
            partial: Mutex::default(),
            current: Mutex::new(None),
        });
        let reading = routing.clone();
        let reader = tokio::spawn(async move {
            // Lines printed while no invocation waits for them (background work, init).
            while reading.pipe.readable().await.is_ok() {
                if !reading.drain(false) {
                    break;
                }
            }
        });
        let (exit_tx, exited) = watch::channel(None);
        tokio::spawn(async move {
            let status = child.wait().await;
            // Anything the handler started in its group goes with it.
            kill_group(pid);
            let _ = exit_tx.send(Some(describe_exit(status)));
        });
        let mut instance = Instance {
            id,
            generation,
            provisioned,
            init_duration: Duration::ZERO,
            last_used: Instant::now(),
            used: false,
            pid,
            memory: InstanceMemory::new(pid),
            api,
            exited,
            routing,
            reader,
            killed: false,
        };
        let mut exited = instance.exited.clone();
        let mut init = init;
        let outcome = tokio::select! {
            signal = &mut init => match signal {
                Ok(InitSignal::Ready) => Ok(()),
                Ok(InitSignal::Failed { error_type, document }) => Err((error_type, document)),
                Err(_) => Err(("Runtime.Unknown".to_owned(), Bytes::new())),
            },
            how = exited.wait_for(|e| e.is_some()) => {
                let how = how.ok().and_then(|h| h.clone()).unwrap_or_default();
                let message = format!("Runtime exited with error: {how}");
                Err(("Runtime.ExitError".to_owned(), Bytes::from(serde_json::json!({
                    "errorType": "Runtime.ExitError", "errorMessage": message }).to_string())))
            }
            _ = tokio::time::sleep(init_timeout) => {
                let message = format!("Init timed out after {:.2} seconds", init_timeout.as_secs_f64());
                Err(("Sandbox.Timedout".to_owned(), Bytes::from(serde_json::json!({
                    "errorType": "Sandbox.Timedout", "errorMessage": message }).to_string())))
            }
        };
        // A bootstrap reports its init error and then exits: the report may still be in the
        // pipe when the exit is seen, and it says more than the exit does.
        let outcome = match outcome {
            Err((ref error_type, _)) if error_type == "Runtime.ExitError" => {
                match tokio::time::timeout(INIT_REPORT_GRACE, &mut init).await {
                    Ok(Ok(InitSignal::Failed {
                        error_type,
                        document,
                    })) => Err((error_type, document)),
                    _ => outcome,
                }
            }
            outcome => outcome,
        };
        instance.init_duration = started.elapsed();
        match outcome {
            Ok(()) => {
                instance.flush_output();
                Ok(instance)
            }
            Err((error_type, document)) => {
                instance.kill();
                // Give the dying process's last words a moment to reach the pipe.
                tokio::time::sleep(Duration::from_millis(20)).await;
                instance.flush_output();
                let message = serde_json::from_slice::<serde_json::Value>(&document)
                    .ok()
                    .and_then(|v| v["errorMessage"].as_str().map(str::to_owned))
                    .unwrap_or_else(|| error_type.clone());
                let mut failure = InitFailure::new(&error_type, message, instance.init_duration);
                if !document.is_empty() {
                    failure.document = document;
                }
                Err(failure)
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn has_exited(&self) -> bool {
        self.killed || self.exited.borrow().is_some()
    }

    /// Stops the whole process group now. The waiter task reaps the process.
    pub fn kill(&mut self) {
        if !self.killed && self.exited.borrow().is_none() {
            kill_group(self.pid);
        }
        self.killed = true;
    }

    /// Logs every line the instance wrote before now.
    pub fn flush_output(&self) {
        self.routing.drain(self.has_exited());
    }

    /// Peak memory of the process tree in bytes.
    pub fn peak_memory_bytes(&mut self) -> u64 {
        self.memory.peak_bytes()
    }

    /// Runs one invocation. Lines the instance prints meanwhile are logged under its id and
    /// returned as the capture.
    pub async fn invoke(&mut self, request: InvocationRequest) -> InvokeResult {
        self.used = true;
        *lock(&self.routing.current) = Some(Invocation {
            request_id: request.request_id.clone(),
            lines: Vec::new(),
            start: Some((chrono::Utc::now().timestamp_millis(), request.start_line)),
        });
        let deadline_ms =
            chrono::Utc::now().timestamp_millis() + request.timeout.as_millis() as i64;
        let (respond, answered) = oneshot::channel();
        let pending = PendingInvocation {
            request_id: request.request_id.clone(),
            payload: request.payload,
            deadline_ms,
            function_arn: request.function_arn,
            trace_id: trace_id(),
            client_context: request.client_context,
            cognito_identity: None,
            respond,
        };
        let mut reported_peak_kib = None;
        let outcome = if self.api.submit(pending).await.is_err() {
            InstanceOutcome::Exited("the instance's Runtime API is closed".to_owned())
        } else {
            let mut exited = self.exited.clone();
            let pid = self.pid;
            let limit = request.memory_limit_bytes;
            let routing = self.routing.clone();
            let timeout = request.timeout;
            // One timer at a time watches both the deadline and memory: a quick invocation then
            // registers (and removes) one timer instead of two.
            let watchdog = async move {
                let deadline = tokio::time::Instant::now() + timeout;
                loop {
                    let poll = tokio::time::Instant::now() + MEMORY_POLL;
                    tokio::time::sleep_until(poll.min(deadline)).await;
                    if tokio::time::Instant::now() >= deadline {
                        return InstanceOutcome::TimedOut;
                    }
                    routing.write_start();
                    if peak_tree_rss_bytes(pid) > limit {
                        return InstanceOutcome::OutOfMemory;
                    }
                }
            };
            tokio::select! {
                biased;
                answer = answered => match answer {
                    Ok(Answer { outcome, peak_kib }) => {
                        reported_peak_kib = peak_kib;
                        match outcome {
                            RuntimeOutcome::Response(body) => InstanceOutcome::Response(body),
                            RuntimeOutcome::Error { error_type, document } => {
                                InstanceOutcome::HandlerError { error_type, document }
                            }
                        }
                    }
                    Err(_) => InstanceOutcome::Exited("the invocation was dropped".to_owned()),
                },
                how = exited.wait_for(|e| e.is_some()) => {
                    InstanceOutcome::Exited(how.ok().and_then(|h| h.clone()).unwrap_or_default())
                }
                watched = watchdog => watched,
            }
        };
        // Read before a kill: a dead process has no memory figures left to read. The peak of
        // the main process comes from its bootstrap when it said it.
        let peak_bytes = match reported_peak_kib {
            Some(kib) => kib * 1024 + self.memory.descendants_peak_bytes(),
            None => self.peak_memory_bytes(),
        };
        if !outcome.keeps_instance() {
            self.kill();
        }
        self.flush_output();
        let finished = lock(&self.routing.current).take();
        self.last_used = Instant::now();
        let (captured, start) = finished
            .map(|invocation| (invocation.lines, invocation.start))
            .unwrap_or_default();
        InvokeResult {
            outcome,
            captured,
            peak_bytes,
            unwritten_start: start,
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
        self.reader.abort();
    }
}

/// An X-Ray style trace header, so code that reads `_X_AMZN_TRACE_ID` finds one.
fn trace_id() -> String {
    let epoch = chrono::Utc::now().timestamp();
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "Root=1-{epoch:08x}-{};Parent={};Sampled=0",
        &random[..24],
        &random[16..32]
    )
}
