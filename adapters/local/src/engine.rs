//! [`LocalRuntime`]: deploys functions, runs invocations on pools of instances with Lambda's
//! semantics (cold start then warm reuse, one invocation per instance, scale-out to the
//! concurrency limit, brief queueing then throttling, idle reaping, provisioned instances,
//! timeouts, memory limits, crash isolation) and implements the [`Adapter`] contract.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use functory_adapter::{
    Adapter, AdapterError, Capabilities, DeleteOptions, DeployOptions, Deployment, DescribeOptions,
    FunctionDescription, FunctionError, FunctionState, FunctionSummary, Invocation,
    InvocationMetrics, InvocationType, InvokeOptions, ListOptions, LogStream, TailOptions,
};
use functory_core::AdapterKind;
use serde::Serialize;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::bootstrap;
use crate::instance::{InitFailure, Instance, InstanceOutcome, InvocationRequest, InvokeResult};
use crate::interpreter::{self, Interpreter};
use crate::logs::{LogStore, end_line, report_line, start_line};
use crate::reload::CodeWatcher;
use crate::settings::LocalSettings;
use crate::spec::{FunctionSpec, code_digest};

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The embedded local runtime. Cheap to clone; every clone drives the same functions.
/// Dropping the last clone (or calling [`LocalRuntime::shutdown`]) stops every instance.
#[derive(Debug, Clone)]
pub struct LocalRuntime {
    engine: Arc<Engine>,
}

pub(crate) struct Engine {
    pub(crate) settings: LocalSettings,
    functions: Mutex<HashMap<String, Arc<FunctionSlot>>>,
    stores: Mutex<HashMap<String, Arc<LogStore>>>,
    next_instance: AtomicU64,
    watcher: Mutex<Option<CodeWatcher>>,
    shut_down: AtomicBool,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("data_dir", &self.settings.data_dir)
            .finish_non_exhaustive()
    }
}

/// One deployed function: its configuration and its pool of instances.
pub(crate) struct FunctionSlot {
    pub(crate) spec: Arc<FunctionSpec>,
    /// The program its instances run, chosen for the declared runtime at deploy.
    interpreter: Interpreter,
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<Instance>>,
    /// Bumped when the code changes: instances of older generations are retired.
    generation: AtomicU64,
    busy: AtomicUsize,
    starting: AtomicUsize,
    retired: AtomicBool,
    store: Arc<LogStore>,
    counters: Mutex<Counters>,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    pub invocations: u64,
    pub cold_starts: u64,
    pub errors: u64,
    pub throttles: u64,
    pub timeouts: u64,
}

/// The instances of one function right now, for the Run view.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionInstances {
    pub function: String,
    pub idle: Vec<InstanceView>,
    pub busy: usize,
    pub starting: usize,
    pub concurrency_limit: u32,
    pub code_generation: u64,
    pub counters: Counters,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceView {
    pub id: u64,
    pub pid: u32,
    pub provisioned: bool,
    pub idle_ms: u64,
    pub init_duration_ms: f64,
}

impl FunctionSlot {
    fn concurrency_limit(&self, settings: &LocalSettings) -> u32 {
        self.spec
            .reserved_concurrency
            .unwrap_or(settings.default_concurrency)
    }

    /// A warm instance of the current code, if one is idle. Most recently used first, as
    /// Lambda keeps reusing the warmest sandbox.
    fn take_idle(&self) -> Option<Instance> {
        let generation = self.generation.load(Ordering::Acquire);
        let mut idle = lock(&self.idle);
        while let Some(instance) = idle.pop() {
            if instance.generation == generation && !instance.has_exited() {
                return Some(instance);
            }
        }
        None
    }

    fn give_back(&self, instance: Instance) {
        if self.retired.load(Ordering::Acquire)
            || instance.generation != self.generation.load(Ordering::Acquire)
            || instance.has_exited()
        {
            return;
        }
        lock(&self.idle).push(instance);
    }

    /// New code: retire every idle instance now and busy ones when they finish.
    pub(crate) fn code_changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        let retired: Vec<Instance> = lock(&self.idle).drain(..).collect();
        drop(retired);
    }

    fn retire(&self) {
        self.retired.store(true, Ordering::Release);
        let retired: Vec<Instance> = lock(&self.idle).drain(..).collect();
        drop(retired);
    }

    fn count(&self, update: impl FnOnce(&mut Counters)) {
        update(&mut lock(&self.counters));
    }
}

impl Engine {
    fn slot(&self, name: &str) -> Result<Arc<FunctionSlot>, AdapterError> {
        lock(&self.functions)
            .get(name)
            .cloned()
            .ok_or_else(|| AdapterError::not_found(format!("function `{name}`")))
    }

    fn store(&self, name: &str) -> Result<Arc<LogStore>, AdapterError> {
        let mut stores = lock(&self.stores);
        if let Some(store) = stores.get(name) {
            return Ok(store.clone());
        }
        let store = LogStore::open(&self.settings.logs_dir(), name, self.settings.log_limits)
            .map_err(|e| {
                AdapterError::provider(
                    AdapterKind::Local,
                    format!("cannot open the log of `{name}`: {e}"),
                )
            })?;
        let store = Arc::new(store);
        stores.insert(name.to_owned(), store.clone());
        Ok(store)
    }

    async fn start_instance(
        &self,
        slot: &FunctionSlot,
        provisioned: bool,
    ) -> Result<Instance, InitFailure> {
        let id = self.next_instance.fetch_add(1, Ordering::Relaxed);
        let generation = slot.generation.load(Ordering::Acquire);
        let launch = bootstrap::launch(
            &slot.spec,
            &slot.interpreter,
            &self.settings,
            &self.settings.runtime_dir(),
            id,
            provisioned,
        );
        slot.store.append(
            None,
            &format!(
                "INIT_START Runtime Version: {} Instance: {id}{}",
                slot.spec.runtime,
                slot.interpreter.init_note.as_deref().unwrap_or("")
            ),
        );
        slot.starting.fetch_add(1, Ordering::AcqRel);
        let started = Instance::start(
            id,
            generation,
            provisioned,
            launch,
            slot.store.clone(),
            self.settings.init_timeout,
        )
        .await;
        slot.starting.fetch_sub(1, Ordering::AcqRel);
        started
    }

    fn provision(self: &Arc<Self>, slot: &Arc<FunctionSlot>) {
        let present = lock(&slot.idle).iter().filter(|i| i.provisioned).count();
        let wanted = (slot.spec.provisioned as usize).saturating_sub(present);
        for _ in 0..wanted {
            let engine = self.clone();
            let slot = slot.clone();
            tokio::spawn(async move {
                match engine.start_instance(&slot, true).await {
                    Ok(instance) => slot.give_back(instance),
                    Err(failure) => slot.store.append(
                        None,
                        &format!(
                            "provisioned instance failed to initialise: {}: {}",
                            failure.error_type, failure.message
                        ),
                    ),
                }
            });
        }
    }

    async fn acquire(
        &self,
        slot: &FunctionSlot,
        wait: Option<Duration>,
    ) -> Result<OwnedSemaphorePermit, AdapterError> {
        let acquire = slot.permits.clone().acquire_owned();
        let permit = match wait {
            Some(wait) => tokio::time::timeout(wait, acquire).await.ok(),
            None => Some(acquire.await),
        };
        match permit {
            Some(Ok(permit)) => Ok(permit),
            _ => {
                slot.count(|c| c.throttles += 1);
                Err(AdapterError::Throttled {
                    message: format!(
                        "TooManyRequestsException: Rate Exceeded. `{}` already runs {} invocations, its concurrency limit",
                        slot.spec.name,
                        slot.concurrency_limit(&self.settings)
                    ),
                })
            }
        }
    }

    /// Runs one invocation to completion and writes its log lines.
    async fn run_invocation(
        &self,
        slot: &Arc<FunctionSlot>,
        request_id: String,
        payload: Bytes,
        client_context: Option<String>,
        want_tail: bool,
        _permit: OwnedSemaphorePermit,
    ) -> Invocation {
        let spec = slot.spec.clone();
        let store = &slot.store;
        slot.count(|c| c.invocations += 1);
        let (mut instance, cold) = match slot.take_idle() {
            Some(instance) => (instance, false),
            None => match self.start_instance(slot, false).await {
                Ok(instance) => (instance, true),
                Err(failure) => return self.init_failed(slot, request_id, failure),
            },
        };
        if cold {
            slot.count(|c| c.cold_starts += 1);
        }
        // A provisioned instance's init happened before any invoke: not a cold start.
        let init_duration =
            (!instance.used && !instance.provisioned).then_some(instance.init_duration);
        slot.busy.fetch_add(1, Ordering::AcqRel);
        let started = Instant::now();
        let InvokeResult {
            outcome,
            captured,
            peak_bytes,
            unwritten_start,
        } = instance
            .invoke(InvocationRequest {
                request_id: request_id.clone(),
                start_line: start_line(&request_id, &spec.version),
                payload,
                function_arn: spec.arn.clone(),
                client_context,
                timeout: spec.timeout,
                memory_limit_bytes: u64::from(spec.memory_mb) * 1024 * 1024,
            })
            .await;
        let duration = started.elapsed();
        slot.busy.fetch_sub(1, Ordering::AcqRel);
        let mut platform_lines = Vec::new();
        let mut max_memory_mb = (peak_bytes / (1024 * 1024)) as u32;
        let keeps = outcome.keeps_instance();
        let (payload, function_error, status) = match outcome {
            InstanceOutcome::Response(body) => (body, None, None),
            InstanceOutcome::HandlerError {
                error_type,
                document,
            } => {
                let message = error_message(&document);
                (
                    document,
                    Some(FunctionError {
                        error_type,
                        message,
                    }),
                    None,
                )
            }
            InstanceOutcome::TimedOut => {
                slot.count(|c| c.timeouts += 1);
                let text = format!(
                    "Task timed out after {:.2} seconds",
                    spec.timeout.as_secs_f64()
                );
                platform_lines.push(format!(
                    "{} {request_id} {text}",
                    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ")
                ));
                platform_error("Sandbox.Timedout", &request_id, &text, Some("timeout"))
            }
            InstanceOutcome::OutOfMemory => {
                // Lambda never reports more than the limit: the sandbox cannot hold more.
                max_memory_mb = spec.memory_mb;
                let text = "Runtime exited with error: signal: killed".to_owned();
                platform_lines.push(format!(
                    "RequestId: {request_id} Error: {text}\nRuntime.OutOfMemory"
                ));
                platform_error("Runtime.OutOfMemory", &request_id, &text, Some("error"))
            }
            InstanceOutcome::Exited(how) => {
                let text = format!("Runtime exited with error: {how}");
                platform_lines.push(format!(
                    "RequestId: {request_id} Error: {text}\nRuntime.ExitError"
                ));
                platform_error("Runtime.ExitError", &request_id, &text, Some("error"))
            }
        };
        if function_error.is_some() {
            slot.count(|c| c.errors += 1);
        }
        let platform: Vec<&str> = platform_lines.iter().map(String::as_str).collect();
        let metrics = metrics(
            duration,
            spec.memory_mb,
            max_memory_mb,
            init_duration.map(|d| d.as_secs_f64() * 1000.0),
        );
        let status_fields = status.map(|status| {
            (
                status,
                function_error
                    .as_ref()
                    .map(|e| e.error_type.as_str())
                    .unwrap_or(""),
            )
        });
        let end = end_line(&request_id);
        let report = report_line(&request_id, &metrics, status_fields);
        let now = chrono::Utc::now().timestamp_millis();
        let mut closing: Vec<(i64, &str)> = Vec::with_capacity(platform.len() + 3);
        if let Some((at, start)) = &unwritten_start {
            closing.push((*at, start));
        }
        closing.extend(platform.iter().map(|line| (now, *line)));
        closing.push((now, &end));
        closing.push((now, &report));
        store.append_timed(Some(&request_id), &closing);
        let log_tail = want_tail.then(|| {
            let mut tail = vec![start_line(&request_id, &spec.version)];
            tail.extend(captured);
            tail.extend(platform_lines);
            tail.push(end);
            tail.push(report);
            tail.join("\n")
        });
        if keeps {
            slot.give_back(instance);
        } else {
            drop(instance);
        }
        Invocation {
            request_id,
            status_code: 200,
            payload: payload.to_vec(),
            function_error,
            executed_version: spec.version.clone(),
            log_tail,
            metrics: Some(metrics),
            cold_start: Some(cold && init_duration.is_some()),
            interpreter: slot.interpreter.notice.clone(),
        }
    }

    fn init_failed(
        &self,
        slot: &FunctionSlot,
        request_id: String,
        failure: InitFailure,
    ) -> Invocation {
        slot.count(|c| {
            c.cold_starts += 1;
            c.errors += 1;
        });
        let store = &slot.store;
        let init_ms = failure.init_duration.as_secs_f64() * 1000.0;
        let init_report = format!(
            "INIT_REPORT Init Duration: {init_ms:.2} ms\tPhase: init\tStatus: error\tError Type: {}",
            failure.error_type
        );
        store.append(None, &init_report);
        let metrics = metrics(Duration::ZERO, slot.spec.memory_mb, 0, Some(init_ms));
        let start = start_line(&request_id, &slot.spec.version);
        let end = end_line(&request_id);
        let report = report_line(
            &request_id,
            &metrics,
            Some(("error", failure.error_type.as_str())),
        );
        store.append_all(Some(&request_id), &[&start, &end, &report]);
        Invocation {
            request_id,
            status_code: 200,
            payload: failure.document.to_vec(),
            function_error: Some(FunctionError {
                error_type: failure.error_type,
                message: failure.message,
            }),
            executed_version: slot.spec.version.clone(),
            log_tail: Some([init_report, start, end, report].join("\n")),
            metrics: Some(metrics),
            cold_start: Some(true),
            interpreter: slot.interpreter.notice.clone(),
        }
    }

    fn reap_idle(&self) {
        let slots: Vec<Arc<FunctionSlot>> = lock(&self.functions).values().cloned().collect();
        for slot in slots {
            let reaped: Vec<Instance> = {
                let mut idle = lock(&slot.idle);
                let (keep, reap): (Vec<Instance>, Vec<Instance>) =
                    idle.drain(..).partition(|instance| {
                        !instance.has_exited()
                            && (instance.provisioned
                                || instance.last_used.elapsed() < self.settings.idle_timeout)
                    });
                *idle = keep;
                reap
            };
            for instance in &reaped {
                slot.store.append(
                    None,
                    &format!("instance {} stopped after being idle", instance.id),
                );
            }
        }
    }
}

fn error_message(document: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(document)
        .ok()
        .and_then(|v| {
            v.get("errorMessage")
                .and_then(|m| m.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| String::from_utf8_lossy(document).into_owned())
}

fn platform_error(
    error_type: &str,
    request_id: &str,
    text: &str,
    status: Option<&'static str>,
) -> (Bytes, Option<FunctionError>, Option<&'static str>) {
    let message = format!("RequestId: {request_id} Error: {text}");
    let document = serde_json::json!({ "errorType": error_type, "errorMessage": message });
    (
        Bytes::from(document.to_string()),
        Some(FunctionError {
            error_type: error_type.to_owned(),
            message,
        }),
        status,
    )
}

fn metrics(
    duration: Duration,
    memory_size_mb: u32,
    max_memory_used_mb: u32,
    init_duration_ms: Option<f64>,
) -> InvocationMetrics {
    let duration_ms = duration.as_secs_f64() * 1000.0;
    InvocationMetrics {
        duration_ms,
        billed_duration_ms: (duration_ms.ceil() as u64).max(1),
        memory_size_mb,
        max_memory_used_mb,
        init_duration_ms,
    }
}

impl LocalRuntime {
    /// Starts an empty runtime: writes the bootstraps, starts the idle reaper and (with hot
    /// reload on) the code watcher. Must be called inside a Tokio runtime.
    pub fn start(settings: LocalSettings) -> Result<LocalRuntime, AdapterError> {
        let io = |what: &str, e: std::io::Error| {
            AdapterError::provider(AdapterKind::Local, format!("cannot {what}: {e}"))
        };
        let mut settings = settings;
        std::fs::create_dir_all(&settings.data_dir).map_err(|e| io("create the data folder", e))?;
        // Absolute, so paths reported by the file watcher compare with it.
        settings.data_dir = settings
            .data_dir
            .canonicalize()
            .map_err(|e| io("resolve the data folder", e))?;
        bootstrap::install(&settings.runtime_dir()).map_err(|e| io("write the bootstraps", e))?;
        let hot_reload = settings.hot_reload;
        let idle_timeout = settings.idle_timeout;
        let engine = Arc::new(Engine {
            settings,
            functions: Mutex::default(),
            stores: Mutex::default(),
            next_instance: AtomicU64::new(1),
            watcher: Mutex::new(None),
            shut_down: AtomicBool::new(false),
        });
        if hot_reload {
            let watcher = CodeWatcher::start(Arc::downgrade(&engine))
                .map_err(|e| io("watch code folders", e))?;
            *lock(&engine.watcher) = Some(watcher);
        }
        let weak = Arc::downgrade(&engine);
        let period = (idle_timeout / 4).clamp(Duration::from_millis(50), Duration::from_secs(5));
        tokio::spawn(reaper(weak, period));
        Ok(LocalRuntime { engine })
    }

    pub fn settings(&self) -> &LocalSettings {
        &self.engine.settings
    }

    /// The instances of every function, for the Run view.
    pub fn instances(&self) -> Vec<FunctionInstances> {
        let slots: Vec<Arc<FunctionSlot>> =
            lock(&self.engine.functions).values().cloned().collect();
        let mut views: Vec<FunctionInstances> = slots
            .iter()
            .map(|slot| FunctionInstances {
                function: slot.spec.name.clone(),
                idle: lock(&slot.idle)
                    .iter()
                    .map(|i| InstanceView {
                        id: i.id,
                        pid: i.pid(),
                        provisioned: i.provisioned,
                        idle_ms: i.last_used.elapsed().as_millis() as u64,
                        init_duration_ms: i.init_duration.as_secs_f64() * 1000.0,
                    })
                    .collect(),
                busy: slot.busy.load(Ordering::Acquire),
                starting: slot.starting.load(Ordering::Acquire),
                concurrency_limit: slot.concurrency_limit(&self.engine.settings),
                code_generation: slot.generation.load(Ordering::Acquire),
                counters: *lock(&slot.counters),
            })
            .collect();
        views.sort_by(|a, b| a.function.cmp(&b.function));
        views
    }

    /// Retires the instances of `function` as if its code had changed.
    pub fn reload(&self, function: &str) -> Result<(), AdapterError> {
        let slot = self.engine.slot(function)?;
        slot.code_changed();
        self.engine.provision(&slot);
        Ok(())
    }

    /// Stops every instance and refuses new invokes. Idempotent.
    pub fn shutdown(&self) {
        self.engine.shut_down.store(true, Ordering::Release);
        lock(&self.engine.watcher).take();
        let slots: Vec<Arc<FunctionSlot>> = lock(&self.engine.functions)
            .drain()
            .map(|(_, slot)| slot)
            .collect();
        for slot in slots {
            slot.retire();
        }
    }

    /// The function's log store, for readers that bypass the adapter (the CLI's `logs`).
    pub fn log_store(&self, function: &str) -> Result<Arc<LogStore>, AdapterError> {
        self.engine.store(function)
    }

    /// The functions whose code includes `path`; changes in tool and data folders do not
    /// count as code changes.
    pub(crate) fn slots_for_path(
        engine: &Engine,
        path: &std::path::Path,
    ) -> Vec<Arc<FunctionSlot>> {
        if path.starts_with(&engine.settings.data_dir) {
            return Vec::new();
        }
        lock(&engine.functions)
            .values()
            .filter(|slot| {
                path.strip_prefix(&slot.spec.task_root)
                    .is_ok_and(|relative| {
                        relative.components().all(|c| {
                            !crate::spec::NOT_CODE
                                .contains(&c.as_os_str().to_string_lossy().as_ref())
                        })
                    })
            })
            .cloned()
            .collect()
    }

    /// [`Adapter::invoke`] for a payload known to be JSON: the triggers build their events
    /// with serde, so checking them again would only cost time on every request.
    pub(crate) async fn invoke_json(
        &self,
        options: InvokeOptions,
    ) -> Result<Invocation, AdapterError> {
        let engine = self.engine.clone();
        let slot = engine.slot(&options.function)?;
        let request_id = uuid::Uuid::new_v4().to_string();
        let payload = Bytes::from(options.payload);
        match options.invocation_type {
            InvocationType::DryRun => Ok(Invocation {
                request_id,
                status_code: 204,
                payload: Vec::new(),
                function_error: None,
                executed_version: slot.spec.version.clone(),
                log_tail: None,
                metrics: None,
                cold_start: None,
                interpreter: slot.interpreter.notice.clone(),
            }),
            InvocationType::Event => {
                let id = request_id.clone();
                let version = slot.spec.version.clone();
                let interpreter = slot.interpreter.notice.clone();
                tokio::spawn(async move {
                    // Lambda queues events and waits for capacity rather than throttling.
                    if let Ok(permit) = engine.acquire(&slot, None).await {
                        engine
                            .run_invocation(
                                &slot,
                                id,
                                payload,
                                options.client_context,
                                false,
                                permit,
                            )
                            .await;
                    }
                });
                Ok(Invocation {
                    request_id,
                    status_code: 202,
                    payload: Vec::new(),
                    function_error: None,
                    executed_version: version,
                    log_tail: None,
                    metrics: None,
                    cold_start: None,
                    interpreter,
                })
            }
            InvocationType::RequestResponse => {
                let permit = engine
                    .acquire(&slot, Some(engine.settings.queue_wait))
                    .await?;
                // The invocation runs in its own task so a caller that gives up (an HTTP
                // client disconnecting) never leaves an instance half-way through.
                let task = tokio::spawn(async move {
                    engine
                        .run_invocation(
                            &slot,
                            request_id,
                            payload,
                            options.client_context,
                            options.log_tail,
                            permit,
                        )
                        .await
                });
                task.await.map_err(|e| {
                    AdapterError::provider(AdapterKind::Local, format!("invocation failed: {e}"))
                })
            }
        }
    }

    pub(crate) fn refill_provisioned(engine: &Arc<Engine>, slot: &Arc<FunctionSlot>) {
        engine.provision(slot);
    }
}

async fn reaper(engine: Weak<Engine>, period: Duration) {
    loop {
        tokio::time::sleep(period).await;
        let Some(engine) = engine.upgrade() else {
            return;
        };
        if engine.shut_down.load(Ordering::Acquire) {
            return;
        }
        engine.reap_idle();
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        for slot in lock(&self.functions).values() {
            slot.retire();
        }
    }
}

/// What the local runtime can do (the same whatever the instance).
pub fn capabilities() -> Capabilities {
    Capabilities {
        kind: AdapterKind::Local,
        versions: false,
        aliases: false,
        async_invoke: true,
        live_logs: true,
        http_trigger: true,
        schedule_trigger: true,
        storage_trigger: true,
        queue_trigger: true,
        // Streams do not run locally (the run says so; invoke with a sample stream event).
        stream_trigger: false,
        url_trigger: true,
        concurrency_limit: true,
        provisioned_concurrency: true,
    }
}

#[async_trait::async_trait]
impl Adapter for LocalRuntime {
    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    async fn deploy(&self, options: DeployOptions) -> Result<Deployment, AdapterError> {
        let engine = &self.engine;
        if engine.shut_down.load(Ordering::Acquire) {
            return Err(AdapterError::Conflict {
                message: "the local runtime is shutting down".into(),
            });
        }
        let settings = engine.settings.clone();
        // Choosing the interpreter may ask programs their version: off the async threads.
        let (spec, interpreter) = tokio::task::spawn_blocking(move || {
            let spec =
                FunctionSpec::from_options(&options, &settings.region, &settings.account_id)?;
            let interpreter = interpreter::choose(spec.declared, &settings);
            Ok::<_, AdapterError>((spec, interpreter))
        })
        .await
        .map_err(|e| AdapterError::provider(AdapterKind::Local, e.to_string()))??;
        let store = engine.store(&spec.name)?;
        let limit = spec
            .reserved_concurrency
            .unwrap_or(engine.settings.default_concurrency) as usize;
        let deployment = Deployment {
            function: spec.name.clone(),
            version: spec.version.clone(),
            code_sha256: spec.code_sha256.clone(),
        };
        let task_root = spec.task_root.clone();
        let slot = Arc::new(FunctionSlot {
            spec: Arc::new(spec),
            interpreter,
            permits: Arc::new(Semaphore::new(limit)),
            idle: Mutex::default(),
            generation: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
            starting: AtomicUsize::new(0),
            retired: AtomicBool::new(false),
            store,
            counters: Mutex::default(),
        });
        let previous = lock(&engine.functions).insert(deployment.function.clone(), slot.clone());
        if let Some(previous) = previous {
            *lock(&slot.counters) = *lock(&previous.counters);
            previous.retire();
        }
        if let Some(watcher) = lock(&engine.watcher).as_mut() {
            watcher.watch(&task_root);
        }
        engine.provision(&slot);
        Ok(deployment)
    }

    async fn invoke(&self, options: InvokeOptions) -> Result<Invocation, AdapterError> {
        // An unknown function is reported before a bad payload, as Lambda does.
        self.engine.slot(&options.function)?;
        if serde_json::from_slice::<serde::de::IgnoredAny>(&options.payload).is_err() {
            return Err(AdapterError::invalid(
                "the payload is not valid JSON (InvalidRequestContentException)",
            ));
        }
        self.invoke_json(options).await
    }

    async fn tail_logs(&self, options: TailOptions) -> Result<LogStream, AdapterError> {
        let known = lock(&self.engine.functions).contains_key(&options.function)
            || self
                .engine
                .settings
                .logs_dir()
                .join(&options.function)
                .is_dir();
        if !known || !functory_core::manifest::is_valid_function_name(&options.function) {
            return Err(AdapterError::not_found(format!(
                "function `{}`",
                options.function
            )));
        }
        let store = self.engine.store(&options.function)?;
        Ok(store.tail(
            options.filter,
            options.since_ms,
            options.last,
            options.follow,
        ))
    }

    async fn list(&self, options: ListOptions) -> Result<Vec<FunctionSummary>, AdapterError> {
        let mut summaries: Vec<FunctionSummary> = lock(&self.engine.functions)
            .values()
            .filter(|slot| {
                options
                    .prefix
                    .as_ref()
                    .is_none_or(|p| slot.spec.name.starts_with(p.as_str()))
            })
            .map(|slot| summary(&slot.spec))
            .collect();
        summaries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(summaries)
    }

    async fn describe(
        &self,
        options: DescribeOptions,
    ) -> Result<FunctionDescription, AdapterError> {
        let slot = self.engine.slot(&options.function)?;
        let spec = slot.spec.clone();
        let root = spec.task_root.clone();
        // The code may have changed since deploy (hot reload): digest what is there now.
        let code_sha256 = tokio::task::spawn_blocking(move || code_digest(&root))
            .await
            .unwrap_or_else(|_| spec.code_sha256.clone());
        Ok(FunctionDescription {
            summary: summary(&spec),
            handler: spec.handler.clone(),
            state: FunctionState::Active,
            code_sha256,
            environment_keys: spec.environment.iter().map(|(k, _)| k.clone()).collect(),
            reserved_concurrency: spec.reserved_concurrency,
            provisioned_concurrency: spec.provisioned,
        })
    }

    async fn delete(&self, options: DeleteOptions) -> Result<(), AdapterError> {
        let removed = lock(&self.engine.functions).remove(&options.function);
        match removed {
            Some(slot) => {
                slot.retire();
                Ok(())
            }
            None => Err(AdapterError::not_found(format!(
                "function `{}`",
                options.function
            ))),
        }
    }
}

fn summary(spec: &FunctionSpec) -> FunctionSummary {
    FunctionSummary {
        name: spec.name.clone(),
        runtime: spec.runtime.clone(),
        memory_mb: spec.memory_mb,
        timeout_s: spec.timeout.as_secs() as u32,
        version: spec.version.clone(),
    }
}
