//! [`ProjectRun`]: a whole project served locally — every function deployed on a
//! [`LocalRuntime`] and every trigger started — until it is stopped. This is what
//! `functory run` and the app's Run view use.

use std::path::{Path, PathBuf};
use std::time::Duration;

use functory_adapter::{Adapter, DeployOptions, InvocationType, InvokeOptions};
use functory_core::{Diagnostic, Manifest, ProjectFiles, Severity, Trigger, parse_manifest};
use serde::Serialize;
use tokio::task::JoinHandle;

use crate::engine::LocalRuntime;
use crate::settings::LocalSettings;
use crate::triggers::http::{
    CorsConfig, GatewayError, GatewaySettings, HttpGateway, HttpRoute, PayloadVersion,
};
use crate::triggers::queue::{LocalQueue, QueuePoller, QueueRegistry, QueueSettings};
use crate::triggers::schedule::scheduled_event;
use crate::triggers::storage::{BucketSubscription, BucketWatcher};
use functory_core::Schedule;

/// How to serve a project.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub settings: LocalSettings,
    /// The HTTP gateway's port on 127.0.0.1 (0 picks a free one).
    pub port: u16,
    pub payload_version: PayloadVersion,
    pub cors: Option<CorsConfig>,
    /// Batch window, visibility timeout and receive limit of every queue trigger; the batch
    /// size comes from each trigger when it sets one.
    pub queue: QueueSettings,
    /// Queues served elsewhere (declared resources in the local AWS services, polled by the
    /// caller): their triggers get no local queue here.
    pub queues_elsewhere: std::collections::HashSet<String>,
    /// Buckets served elsewhere (declared resources in the local AWS services, whose
    /// notifications the caller delivers): their triggers get no bucket folder here.
    pub buckets_elsewhere: std::collections::HashSet<String>,
    /// Tables whose streams are polled elsewhere (declared resources in the local AWS
    /// services): their `stream` triggers are not reported as not running.
    pub streams_elsewhere: std::collections::HashSet<String>,
    /// The local AWS services run beside this run and serve its `topic` and `event` triggers
    /// (which have no Functory-only form).
    pub aws_services: bool,
}

impl RunOptions {
    pub fn for_project(project_root: &Path) -> RunOptions {
        RunOptions {
            settings: LocalSettings::for_project(project_root),
            port: 0,
            payload_version: PayloadVersion::V2,
            cors: None,
            queue: QueueSettings::default(),
            queues_elsewhere: Default::default(),
            buckets_elsewhere: Default::default(),
            streams_elsewhere: Default::default(),
            aws_services: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot read {path}: {source}")]
    Manifest {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("functory.toml has errors:\n{}", .0.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Diagnostic>),
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    #[error("{0}")]
    Runtime(String),
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteView {
    pub method: String,
    pub path: String,
    pub url: String,
    pub function: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleView {
    pub function: String,
    pub expression: String,
    pub timezone: String,
    /// The next five fire times, RFC 3339 in UTC.
    pub next: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketView {
    pub bucket: String,
    pub folder: String,
    pub function: String,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueView {
    pub queue: String,
    pub function: String,
    /// POST a message body here to send it.
    pub send_url: String,
    pub depth: usize,
    pub dead_letters: usize,
}

struct ScheduledTrigger {
    function: String,
    schedule: Schedule,
    task: JoinHandle<()>,
}

/// A project being served. Dropping it (or [`ProjectRun::stop`]) stops every trigger and
/// every instance.
pub struct ProjectRun {
    runtime: LocalRuntime,
    manifest: Manifest,
    /// The functions deployed and serving (the others did not start: see `problems`).
    started: std::collections::HashSet<String>,
    diagnostics: Vec<Diagnostic>,
    problems: Vec<String>,
    gateway: HttpGateway,
    /// Shared with the gateway: what its Lambda Invoke API lets each function invoke.
    invoke_callers: Option<crate::triggers::lambda_api::InvokeCallers>,
    schedules: Vec<ScheduledTrigger>,
    buckets: Option<BucketWatcher>,
    bucket_views: Vec<BucketView>,
    queues: QueueRegistry,
    queue_functions: Vec<(String, String)>,
    _pollers: Vec<QueuePoller>,
}

impl std::fmt::Debug for ProjectRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProjectRun")
            .field("project", &self.manifest.project_name)
            .field("gateway", &self.gateway.address())
            .finish_non_exhaustive()
    }
}

struct DiskFiles<'a>(&'a Path);

impl ProjectFiles for DiskFiles<'_> {
    fn is_file(&self, relative: &str) -> bool {
        self.0.join(relative).is_file()
    }
}

/// Which function signs with which local key, with its permissions: what the Invoke API
/// checks a handler's `lambda:InvokeFunction` against when permissions are enforced.
fn invoke_callers(
    settings: &LocalSettings,
    manifest: &Manifest,
) -> Option<crate::triggers::lambda_api::InvokeCallers> {
    Some(crate::triggers::lambda_api::InvokeCallers::new(
        callers_by_key(settings, manifest)?,
        settings.region.clone(),
        settings.account_id.clone(),
    ))
}

fn callers_by_key(
    settings: &LocalSettings,
    manifest: &Manifest,
) -> Option<crate::triggers::lambda_api::CallersByKey> {
    let aws = settings.aws.as_ref().filter(|a| a.enforced)?;
    Some(
        manifest
            .functions
            .iter()
            .filter_map(|f| {
                let (key, _) = aws.function_keys.get(&f.name)?;
                Some((key.clone(), (f.name.clone(), f.permissions.clone())))
            })
            .collect(),
    )
}

/// The errors functory.toml has in function `name`'s own settings: a function with any is not
/// started, so it never runs with a value the manifest refuses (a reserved environment
/// variable, a bad trigger).
pub fn function_errors<'d>(diagnostics: &'d [Diagnostic], name: &str) -> Vec<&'d Diagnostic> {
    let table = format!("functions.{name}");
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .filter(|d| {
            d.field.as_deref().is_some_and(|field| {
                field == table
                    || field
                        .strip_prefix(table.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            })
        })
        .collect()
}

/// Reads and validates `functory.toml` of `project_root`.
pub fn load_manifest(project_root: &Path) -> Result<(Manifest, Vec<Diagnostic>), RunError> {
    let path = project_root.join(functory_core::MANIFEST_FILE_NAME);
    let text = std::fs::read_to_string(&path).map_err(|source| RunError::Manifest {
        path: path.clone(),
        source,
    })?;
    let parsed = parse_manifest(&text, &path.display().to_string(), &DiskFiles(project_root));
    match parsed.manifest {
        Some(manifest) => Ok((manifest, parsed.diagnostics)),
        None => Err(RunError::Invalid(parsed.diagnostics)),
    }
}

impl ProjectRun {
    /// Deploys every function of the project and starts its triggers. Problems that only
    /// affect one function or trigger (an invalid cron, a handler that is missing) are
    /// collected in [`ProjectRun::problems`] and the rest still runs; an unreadable manifest
    /// or a busy port fail the whole run.
    pub async fn start(project_root: &Path, options: RunOptions) -> Result<ProjectRun, RunError> {
        let root = project_root
            .canonicalize()
            .map_err(|source| RunError::Manifest {
                path: project_root.to_owned(),
                source,
            })?;
        let loaded = load_manifest(&root)?;
        Self::start_loaded(&root, loaded, options).await
    }

    /// [`ProjectRun::start`] with the manifest already read by [`load_manifest`] (the caller
    /// needed it first, e.g. to start the local AWS services it declares). `root` is
    /// canonical.
    pub async fn start_loaded(
        root: &Path,
        (manifest, diagnostics): (Manifest, Vec<Diagnostic>),
        options: RunOptions,
    ) -> Result<ProjectRun, RunError> {
        let root = root.to_owned();
        let mut problems: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.to_string())
            .collect();
        let runtime = LocalRuntime::start(options.settings.clone())
            .map_err(|e| RunError::Runtime(e.to_string()))?;
        let queues = QueueRegistry::default();
        let mut routes = Vec::new();
        let mut schedules = Vec::new();
        let mut subscriptions = Vec::new();
        let mut queue_triggers = Vec::new();
        let mut started = std::collections::HashSet::new();
        for function in &manifest.functions {
            // Its errors are already among the problems, each with its place.
            if !function_errors(&diagnostics, &function.name).is_empty() {
                problems.push(format!(
                    "function `{}` was not started: functory.toml has errors in it",
                    function.name
                ));
                continue;
            }
            if let Err(error) = runtime
                .deploy(DeployOptions::new(&root, function.clone()))
                .await
            {
                problems.push(format!(
                    "function `{}` was not deployed: {error}",
                    function.name
                ));
                continue;
            }
            started.insert(function.name.clone());
            for trigger in &function.triggers {
                match trigger {
                    Trigger::Http {
                        method,
                        path,
                        payload_version,
                        ..
                    } => routes.push(HttpRoute {
                        method: method.clone(),
                        path: path.clone(),
                        function: function.name.clone(),
                        payload_version: match payload_version.as_deref() {
                            Some("1.0") => Some(PayloadVersion::V1),
                            Some("2.0") => Some(PayloadVersion::V2),
                            _ => None,
                        },
                    }),
                    Trigger::Schedule {
                        expression,
                        timezone,
                    } => match Schedule::parse(expression, timezone.as_deref()) {
                        Ok(schedule) => schedules.push((function.name.clone(), schedule)),
                        Err(error) => {
                            problems.push(format!("function `{}`: {error}", function.name))
                        }
                    },
                    Trigger::Storage {
                        bucket,
                        prefix,
                        suffix,
                        events,
                    } => {
                        if !options.buckets_elsewhere.contains(bucket) {
                            subscriptions.push(BucketSubscription {
                                bucket: bucket.clone(),
                                function: function.name.clone(),
                                prefix: prefix.clone(),
                                suffix: suffix.clone(),
                                events: events.clone(),
                            });
                        }
                    }
                    Trigger::Queue { queue, batch_size } => {
                        if !options.queues_elsewhere.contains(queue) {
                            queue_triggers.push((
                                queue.clone(),
                                function.name.clone(),
                                *batch_size,
                            ));
                        }
                    }
                    // A function URL answers every method and path, so locally it owns
                    // everything under `/<function>`. Its auth and CORS settings are the
                    // cloud's business; the local gateway applies its own CORS option.
                    Trigger::Url { .. } => {
                        for path in [
                            format!("/{}", function.name),
                            format!("/{}/{{proxy+}}", function.name),
                        ] {
                            routes.push(HttpRoute {
                                method: "ANY".to_owned(),
                                path,
                                function: function.name.clone(),
                                // Function URLs send the 2.0 event whatever the gateway's option.
                                payload_version: Some(PayloadVersion::V2),
                            });
                        }
                    }
                    Trigger::Topic { .. } | Trigger::Event { .. } => {
                        if !options.aws_services {
                            problems.push(format!(
                                "function `{}`: topic and event triggers run on the local AWS services, which this run did not start (declare the topic or bus as a resource, or start the run with them)",
                                function.name
                            ));
                        }
                    }
                    Trigger::Stream { stream, .. } => {
                        if !options.streams_elsewhere.contains(stream) {
                            problems.push(format!(
                                "function `{}`: stream `{stream}` triggers run locally on the local AWS services (a declared table's stream, or a Kinesis stream), which this run did not start; invoke the function with a sample stream event instead",
                                function.name
                            ));
                        }
                    }
                }
            }
        }
        for (queue, _, _) in &queue_triggers {
            queues.ensure(queue);
        }
        let invoke_callers = invoke_callers(&options.settings, &manifest);
        let gateway = match HttpGateway::start(
            runtime.clone(),
            routes,
            GatewaySettings {
                port: options.port,
                payload_version: options.payload_version,
                // The run's own CORS option, else the project's `[api]` CORS.
                cors: options.cors.clone().or_else(|| {
                    manifest.api.cors.as_ref().map(|cors| CorsConfig {
                        allow_origins: cors.allow_origins.clone(),
                        allow_methods: cors.allow_methods.clone(),
                        allow_headers: cors.allow_headers.clone(),
                        expose_headers: cors.expose_headers.clone(),
                        max_age_s: cors.max_age,
                        allow_credentials: cors.allow_credentials,
                    })
                }),
                invoke_callers: invoke_callers.clone(),
            },
            queues.clone(),
        )
        .await
        {
            Ok(gateway) => gateway,
            Err(error) => {
                runtime.shutdown();
                return Err(error.into());
            }
        };
        // Instances start on their first invoke, after this: they all see it.
        let _ = options.settings.lambda_api.set(gateway.base_url());
        let schedules = schedules
            .into_iter()
            .map(|(function, schedule)| ScheduledTrigger {
                task: tokio::spawn(run_schedule(
                    runtime.clone(),
                    function.clone(),
                    schedule.clone(),
                )),
                function,
                schedule,
            })
            .collect();
        let bucket_views = subscriptions
            .iter()
            .map(|s| BucketView {
                bucket: s.bucket.clone(),
                folder: options
                    .settings
                    .buckets_dir()
                    .join(&s.bucket)
                    .display()
                    .to_string(),
                function: s.function.clone(),
                prefix: s.prefix.clone(),
                suffix: s.suffix.clone(),
            })
            .collect();
        let buckets = if subscriptions.is_empty() {
            None
        } else {
            match BucketWatcher::start(runtime.clone(), subscriptions) {
                Ok(watcher) => Some(watcher),
                Err(error) => {
                    problems.push(format!("bucket folders cannot be watched: {error}"));
                    None
                }
            }
        };
        let pollers = queue_triggers
            .iter()
            .map(|(queue, function, batch_size)| {
                let mut settings = options.queue;
                if let Some(size) = batch_size {
                    settings.batch_size = *size;
                }
                QueuePoller::start(
                    runtime.clone(),
                    queues.ensure(queue),
                    function.clone(),
                    settings,
                )
            })
            .collect();
        Ok(ProjectRun {
            runtime,
            manifest,
            started,
            diagnostics,
            problems,
            gateway,
            invoke_callers,
            schedules,
            buckets,
            bucket_views,
            queues,
            queue_functions: queue_triggers.into_iter().map(|(q, f, _)| (q, f)).collect(),
            _pollers: pollers,
        })
    }

    /// The Lambda Invoke API judges the next invoke by the permissions `manifest` declares
    /// (functions added since the run started still need a restart: they have no keys).
    pub fn refresh_invoke_permissions(&self, manifest: &Manifest) {
        if let Some(callers) = &self.invoke_callers
            && let Some(by_key) = callers_by_key(self.runtime.settings(), manifest)
        {
            callers.replace(by_key);
        }
    }

    pub fn runtime(&self) -> &LocalRuntime {
        &self.runtime
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Whether `function` was deployed and serves (false when functory.toml has errors in it
    /// or its deploy failed: [`ProjectRun::problems`] says why).
    pub fn is_started(&self, function: &str) -> bool {
        self.started.contains(function)
    }

    /// Every diagnostic of the manifest, warnings included.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// What did not start, one sentence each.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// Records a problem found around the run (the local AWS services not starting), which
    /// the run's status lists with its own.
    pub fn add_problem(&mut self, problem: String) {
        self.problems.push(problem);
    }

    pub fn gateway_url(&self) -> String {
        self.gateway.base_url()
    }

    pub fn http_routes(&self) -> Vec<HttpRouteView> {
        self.gateway
            .route_urls()
            .into_iter()
            .map(|(route, url)| HttpRouteView {
                method: route.method,
                path: route.path,
                url,
                function: route.function,
            })
            .collect()
    }

    pub fn schedules(&self) -> Vec<ScheduleView> {
        let now = chrono::Utc::now();
        self.schedules
            .iter()
            .map(|s| ScheduleView {
                function: s.function.clone(),
                expression: s.schedule.expression().to_string(),
                timezone: s.schedule.timezone().to_owned(),
                next: s
                    .schedule
                    .preview(now, 5)
                    .iter()
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .collect(),
            })
            .collect()
    }

    pub fn buckets(&self) -> &[BucketView] {
        let _ = &self.buckets;
        &self.bucket_views
    }

    pub fn queues(&self) -> Vec<QueueView> {
        self.queue_functions
            .iter()
            .filter_map(|(queue, function)| {
                let local = self.queues.get(queue)?;
                Some(QueueView {
                    queue: queue.clone(),
                    function: function.clone(),
                    send_url: format!("{}/_functory/queues/{queue}", self.gateway.base_url()),
                    depth: local.len(),
                    dead_letters: local.dead_letter_queue().map(|d| d.len()).unwrap_or(0),
                })
            })
            .collect()
    }

    /// A local queue (or a dead-letter queue, `name-dlq`), to send messages or look inside.
    pub fn queue(&self, name: &str) -> Option<std::sync::Arc<LocalQueue>> {
        self.queues.get(name)
    }

    /// Fires `function`'s schedule now, with the event the schedule would send (the Run
    /// view's "fire now").
    pub async fn fire_schedule(
        &self,
        function: &str,
    ) -> Result<functory_adapter::Invocation, functory_adapter::AdapterError> {
        let settings = self.runtime.settings();
        let rule_arn = format!(
            "arn:aws:events:{}:{}:rule/{function}-schedule",
            settings.region, settings.account_id
        );
        let event = scheduled_event(
            &rule_arn,
            &settings.region,
            &settings.account_id,
            chrono::Utc::now(),
        );
        self.runtime
            .invoke(InvokeOptions::new(function, event.to_string()).with_log_tail())
            .await
    }

    /// Stops every trigger and instance.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for ProjectRun {
    fn drop(&mut self) {
        for schedule in &self.schedules {
            schedule.task.abort();
        }
        self.runtime.shutdown();
    }
}

async fn run_schedule(runtime: LocalRuntime, function: String, schedule: Schedule) {
    let settings = runtime.settings().clone();
    let rule_arn = format!(
        "arn:aws:events:{}:{}:rule/{function}-schedule",
        settings.region, settings.account_id
    );
    let mut cursor = chrono::Utc::now();
    while let Some(next) = schedule.next_after(cursor) {
        let wait = (next - chrono::Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        tokio::time::sleep(wait).await;
        let event = scheduled_event(&rule_arn, &settings.region, &settings.account_id, next);
        let options =
            InvokeOptions::new(&function, event.to_string()).with_type(InvocationType::Event);
        if runtime.invoke(options).await.is_err() {
            return;
        }
        cursor = next;
    }
}
