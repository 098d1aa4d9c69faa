//! A served project: every function deployed and every trigger started, its status for the
//! Run view, invokes and fired schedules, until stopped.

use std::path::{Path, PathBuf};

use functory_adapter::{Adapter, InvokeOptions};
use functory_local::triggers::http::{CorsConfig, PayloadVersion};
use functory_local::{ProjectRun, RunOptions};

use super::{
    BucketInfo, FunctionInstancesInfo, HttpRouteInfo, InstanceInfo, InvocationResult, QueueInfo,
    RunSettings, RunStatus, ScheduleInfo, check_event,
};
use crate::error::{ApiError, ErrorCode};

/// A project served locally: every function deployed and every trigger started, until
/// [`LocalRun::stop`] or drop.
#[derive(Debug)]
pub struct LocalRun {
    /// The queue triggers on declared queues, polling the local AWS services; first, so they
    /// stop before the run they invoke.
    pollers: std::sync::Mutex<Option<super::aws_triggers::Pollers>>,
    /// The declared buckets' folders kept level with them, until the services stop.
    bucket_folders: std::sync::Mutex<Option<super::bucket_mirror::BucketMirror>>,
    root: PathBuf,
    run: ProjectRun,
    manifest_text: String,
    /// The local AWS services, when the run started them; after `run` so instances stop
    /// before the services they call.
    services: std::sync::Mutex<Option<functory_local::LocalAwsServices>>,
    aws: Option<super::AwsServicesInfo>,
}

impl LocalRun {
    /// Deploys every function of the project and starts its triggers. Must be called inside a
    /// Tokio runtime; the run's tasks live on it.
    pub async fn start(root: &Path, settings: &RunSettings) -> Result<LocalRun, ApiError> {
        let root = root
            .canonicalize()
            .map_err(|e| ApiError::io("open", root, e))?;
        let manifest_text = manifest_text(&root);
        let mut options = RunOptions::for_project(&root);
        options.port = settings.port;
        if settings.payload_v1 {
            options.payload_version = PayloadVersion::V1;
        }
        if !settings.cors_origins.is_empty() {
            options.cors = Some(CorsConfig {
                allow_origins: settings.cors_origins.clone(),
                allow_headers: vec!["*".into()],
                ..CorsConfig::default()
            });
        }
        let loaded = functory_local::load_manifest(&root)?;
        let manifest = &loaded.0;
        let wanted = settings
            .aws_services
            .unwrap_or_else(|| super::wants_aws_services(manifest));
        let mut services = None;
        let mut aws = None;
        let mut problem = None;
        let mut mappings = Vec::new();
        let mut storage = Vec::new();
        let mut streams = Vec::new();
        let mut kinesis = Vec::new();
        let mut notifications = (Vec::new(), Vec::new(), Vec::new());
        let mut services_config = None;
        if wanted {
            let local = &options.settings;
            match super::aws_services::start(
                &local.data_dir,
                manifest,
                &local.region,
                &local.account_id,
                settings.emulator_venv.as_deref(),
                settings.enforce_permissions,
            )
            .await
            {
                Ok(started) => {
                    mappings = started.queue_mappings(manifest);
                    storage = started.storage_mappings(manifest);
                    (streams, kinesis) = started.stream_mappings(manifest);
                    notifications = started.notification_mappings(manifest);
                    options.aws_services = true;
                    options.streams_elsewhere = streams
                        .iter()
                        .filter_map(|m| {
                            manifest
                                .resources
                                .iter()
                                .find(|r| r.physical_name() == m.table)
                                .map(|r| r.name.clone())
                        })
                        .chain(kinesis.iter().map(|k| k.named.clone()))
                        .collect();
                    options.queues_elsewhere =
                        started.declared_names(functory_core::ResourceKind::Queue);
                    options.buckets_elsewhere =
                        started.declared_names(functory_core::ResourceKind::Bucket);
                    options.settings.aws = Some(started.access);
                    aws = Some(started.info);
                    services = Some(started.services);
                    services_config = Some(started.config);
                }
                Err(error) => problem = Some(error),
            }
        }
        let mut run = ProjectRun::start_loaded(&root, loaded, options).await?;
        if let Some(problem) = problem {
            run.add_problem(format!(
                "{problem}; the run started without them, so handlers' AWS SDK calls have no local endpoint"
            ));
        }
        let mut pollers = super::aws_triggers::Pollers::default();
        let mut bucket_folders = None;
        if let Some(config) = services_config {
            pollers = super::aws_triggers::start(run.runtime(), &config, mappings);
            let declared_buckets: Vec<super::bucket_mirror::MirroredBucket> = aws
                .iter()
                .flat_map(|aws| &aws.resources)
                .filter(|r| r.kind == functory_core::ResourceKind::Bucket && !r.existing)
                .map(|r| super::bucket_mirror::MirroredBucket {
                    name: r.name.clone(),
                    bucket: r.physical_name.clone(),
                })
                .collect();
            let settings = run.runtime().settings();
            let buckets_dir = settings.buckets_dir();
            if !declared_buckets.is_empty() {
                match super::bucket_mirror::start(
                    &config,
                    declared_buckets.clone(),
                    &settings.data_dir,
                    &buckets_dir,
                )
                .await
                {
                    Ok(mirror) => {
                        if let Some(aws) = &mut aws {
                            for resource in &mut aws.resources {
                                if declared_buckets.iter().any(|b| b.name == resource.name)
                                    && resource.kind == functory_core::ResourceKind::Bucket
                                {
                                    resource.folder = Some(
                                        buckets_dir.join(&resource.name).display().to_string(),
                                    );
                                }
                            }
                        }
                        bucket_folders = Some(mirror);
                    }
                    Err(problem) => run.add_problem(format!(
                        "{problem}; the declared buckets' folders are not kept level with them"
                    )),
                }
            }
            let physical: Vec<String> = declared_buckets.iter().map(|b| b.bucket.clone()).collect();
            let folders = bucket_folders
                .as_ref()
                .map(|m| (physical.as_slice(), m.queue_arn.as_str()));
            match super::aws_triggers::start_storage(run.runtime(), &config, storage, folders).await
            {
                Ok(more) => pollers = pollers.with(more),
                Err(problem) => run.add_problem(format!(
                    "{problem}; storage triggers on declared buckets do not run"
                )),
            }
            match super::aws_triggers::start_streams(run.runtime(), &config, streams).await {
                Ok(more) => pollers = pollers.with(more),
                Err(problem) => run.add_problem(format!(
                    "{problem}; stream triggers on declared tables do not run"
                )),
            }
            match super::aws_triggers::start_kinesis(run.runtime(), &config, kinesis).await {
                Ok(more) => pollers = pollers.with(more),
                Err(problem) => run.add_problem(format!(
                    "{problem}; stream triggers on Kinesis streams do not run"
                )),
            }
            let (topics, events, problems) = notifications;
            for problem in problems {
                run.add_problem(problem);
            }
            match super::aws_triggers::start_topics_and_events(
                run.runtime(),
                &config,
                topics,
                events,
            )
            .await
            {
                Ok(more) => pollers = pollers.with(more),
                Err(problem) => {
                    run.add_problem(format!("{problem}; topic and event triggers do not run"))
                }
            }
        }
        let missing_sdks = &run.runtime().settings().lambda_sdks.missing;
        if wanted {
            for missing in missing_sdks.clone() {
                run.add_problem(missing);
            }
        }
        tracing::info!(root = %root.display(), url = %run.gateway_url(), "local run started");
        Ok(LocalRun {
            root,
            run,
            manifest_text,
            services: std::sync::Mutex::new(services),
            aws,
            pollers: std::sync::Mutex::new(Some(pollers)),
            bucket_folders: std::sync::Mutex::new(bucket_folders),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn project_name(&self) -> &str {
        &self.run.manifest().project_name
    }

    pub fn gateway_url(&self) -> String {
        self.run.gateway_url()
    }

    /// The functions being served, in manifest order.
    pub fn functions(&self) -> Vec<String> {
        self.run
            .manifest()
            .functions
            .iter()
            .map(|f| f.name.clone())
            .collect()
    }

    pub fn status(&self) -> RunStatus {
        let run = &self.run;
        RunStatus {
            running: true,
            project_name: Some(self.project_name().to_owned()),
            gateway_url: Some(run.gateway_url()),
            routes: run
                .http_routes()
                .into_iter()
                .map(|r| HttpRouteInfo {
                    method: r.method,
                    path: r.path,
                    url: r.url,
                    function: r.function,
                })
                .collect(),
            schedules: run
                .schedules()
                .into_iter()
                .map(|s| ScheduleInfo {
                    function: s.function,
                    expression: s.expression,
                    timezone: s.timezone,
                    next: s.next,
                })
                .collect(),
            buckets: run
                .buckets()
                .iter()
                .map(|b| BucketInfo {
                    bucket: b.bucket.clone(),
                    folder: b.folder.clone(),
                    function: b.function.clone(),
                    prefix: b.prefix.clone(),
                    suffix: b.suffix.clone(),
                })
                .collect(),
            queues: run
                .queues()
                .into_iter()
                .map(|q| QueueInfo {
                    queue: q.queue,
                    function: q.function,
                    send_url: q.send_url,
                    depth: saturate(q.depth as u64),
                    dead_letters: saturate(q.dead_letters as u64),
                })
                .collect(),
            instances: run
                .runtime()
                .instances()
                .into_iter()
                .map(|f| FunctionInstancesInfo {
                    starting: saturate(f.starting as u64),
                    warm: saturate(f.idle.len() as u64),
                    busy: saturate(f.busy as u64),
                    concurrency_limit: f.concurrency_limit,
                    invocations: saturate(f.counters.invocations),
                    cold_starts: saturate(f.counters.cold_starts),
                    errors: saturate(f.counters.errors),
                    throttles: saturate(f.counters.throttles),
                    timeouts: saturate(f.counters.timeouts),
                    warm_instances: f
                        .idle
                        .iter()
                        .map(|i| InstanceInfo {
                            id: saturate(i.id),
                            pid: i.pid,
                            provisioned: i.provisioned,
                            idle_ms: i.idle_ms,
                        })
                        .collect(),
                    function: f.function,
                })
                .collect(),
            aws: self.aws.clone(),
            problems: run.problems().to_vec(),
            manifest_changed: manifest_text(&self.root) != self.manifest_text,
        }
    }

    /// Invokes a function of the run with an event given as JSON text.
    pub async fn invoke(&self, function: &str, event: &str) -> Result<InvocationResult, ApiError> {
        check_event(event)?;
        self.served(function)?;
        let invocation = self
            .run
            .runtime()
            .invoke(InvokeOptions::new(function, event.as_bytes()).with_log_tail())
            .await?;
        Ok(invocation.into())
    }

    /// Fires `function`'s schedule now, with the event the schedule would send.
    pub async fn fire_schedule(&self, function: &str) -> Result<InvocationResult, ApiError> {
        self.served(function)?;
        if !self.run.schedules().iter().any(|s| s.function == function) {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!("`{function}` has no running schedule"),
            ));
        }
        Ok(self.run.fire_schedule(function).await?.into())
    }

    fn served(&self, function: &str) -> Result<(), ApiError> {
        if self.run.is_started(function) {
            return Ok(());
        }
        let errors = functory_local::function_errors(self.run.diagnostics(), function);
        if !errors.is_empty() {
            let listed: Vec<String> = errors.iter().map(|d| d.to_string()).collect();
            return Err(ApiError::new(
                ErrorCode::InvalidManifest,
                format!(
                    "`{function}` does not run while functory.toml has errors in it:\n{}",
                    listed.join("\n")
                ),
            ));
        }
        if let Some(problem) = self
            .run
            .problems()
            .iter()
            .find(|p| p.contains(&format!("`{function}`")))
        {
            return Err(ApiError::new(ErrorCode::RuntimeError, problem.clone()));
        }
        Err(ApiError::new(
            ErrorCode::NotFound,
            format!(
                "no function `{function}` in the running project; if you just added it to functory.toml, restart the local run"
            ),
        ))
    }

    /// Applies the permissions functory.toml declares now to the running local AWS services
    /// and the Lambda Invoke API (when they enforce them), so the next call of each function is
    /// checked against them without a restart. Functions added since the run started still
    /// need one.
    pub async fn refresh_permissions(&self) -> Result<(), ApiError> {
        let Some(info) = self.aws.as_ref().filter(|a| a.permissions_enforced) else {
            return Ok(());
        };
        let (manifest, _) = functory_local::load_manifest(&self.root)?;
        self.run.refresh_invoke_permissions(&manifest);
        super::aws_services::refresh_permissions(info, &manifest)
            .await
            .map_err(|message| ApiError::new(ErrorCode::RuntimeError, message))
    }

    /// Stops every trigger and instance now, even while an invoke still holds the run.
    pub fn stop(&self) {
        if let Ok(mut pollers) = self.pollers.lock() {
            pollers.take();
        }
        if let Ok(mut mirror) = self.bucket_folders.lock() {
            mirror.take();
        }
        self.run.runtime().shutdown();
        if let Ok(mut services) = self.services.lock() {
            services.take();
        }
        tracing::info!(root = %self.root.display(), "local run stopped");
    }
}

fn saturate(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn manifest_text(root: &Path) -> String {
    std::fs::read_to_string(root.join(functory_core::MANIFEST_FILE_NAME)).unwrap_or_default()
}
