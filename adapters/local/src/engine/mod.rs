//! [`LocalRuntime`]: deploys functions, runs invocations on pools of instances with Lambda's
//! semantics (cold start then warm reuse, one invocation per instance, scale-out to the
//! concurrency limit, brief queueing then throttling, idle reaping, provisioned instances,
//! timeouts, memory limits, crash isolation) and implements the [`Adapter`] contract.

mod invocation;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use bytes::Bytes;
use functory_adapter::{
    Adapter, AdapterError, Capabilities, DeleteOptions, DeployOptions, Deployment, DescribeOptions,
    FunctionDescription, FunctionState, FunctionSummary, Invocation, InvocationType, InvokeOptions,
    ListOptions, LogStream, TailOptions,
};
use functory_core::AdapterKind;
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::bootstrap;
use crate::instance::Instance;
use crate::interpreter::{self, Interpreter};
use crate::logs::LogStore;
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
    /// Code folder → digest of its files, kept while the code watcher runs (it forgets them
    /// all on any change it sees): the functions of a project mostly share one folder, and
    /// digesting it once per function made starting a run quadratic in the number of
    /// functions. The watcher skips `node_modules` and virtualenvs, so a package installed
    /// during a run shows in `describe` (which digests afresh) but not in a redeploy's digest
    /// until the runtime restarts — as it does not reload instances either.
    code_digests: Mutex<HashMap<PathBuf, String>>,
    shut_down: AtomicBool,
}

impl Engine {
    /// The digest of the code folder `root`: remembered while a code watcher would forget it
    /// on a change; without one (hot reload off), read every time. (A change landing while
    /// the folder is being read can leave that digest stale until the next change: it is
    /// reported, never acted on.)
    pub(crate) fn code_digest(&self, root: &Path) -> String {
        if lock(&self.watcher).is_none() {
            return code_digest(root);
        }
        if let Some(known) = lock(&self.code_digests).get(root) {
            return known.clone();
        }
        let digest = code_digest(root);
        lock(&self.code_digests).insert(root.to_owned(), digest.clone());
        digest
    }

    /// Called by the code watcher when a file changes in a code folder.
    pub(crate) fn forget_code_digests(&self) {
        lock(&self.code_digests).clear();
    }
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
            code_digests: Mutex::default(),
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
        live_tail: false,
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
        let shared = engine.clone();
        // Choosing the interpreter may ask programs their version, and the code's digest reads
        // its files: off the async threads.
        let (spec, interpreter) = tokio::task::spawn_blocking(move || {
            let settings = &shared.settings;
            let spec = FunctionSpec::from_options(
                &options,
                &settings.region,
                &settings.account_id,
                |root| shared.code_digest(root),
            )?;
            let interpreter = interpreter::choose(spec.declared, settings);
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
