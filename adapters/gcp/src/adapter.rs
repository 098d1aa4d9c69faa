//! [`GcpAdapter`]: the [`Adapter`] and [`CloudAdapter`] for Cloud Functions v2 in one project
//! and region, built by [`GcpAdapterBuilder`] whose `build()` checks everything it is given.

use std::time::Duration;

use functory_adapter::{
    Adapter, AdapterError, Capabilities, CloudAdapter, DeleteOptions, DeployOptions, DeployOutcome,
    DeployPlan, Deployment, DescribeOptions, FunctionDescription, FunctionState, FunctionSummary,
    Invocation, InvokeOptions, ListOptions, LogSource, LogStream, Result, TailOptions, VersionInfo,
};
use functory_core::AdapterKind;

use crate::client::{GoogleApi, GoogleEndpoints, RetryPolicy};
use crate::credentials::{GoogleCredentials, TokenCache};
use crate::functions::CloudFunction;
use crate::mapping::{lambda_runtime, memory_mb};
use crate::token::is_secure_url;

/// How a followed log tail ([`TailOptions::follow`]) learns of new entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFollowMode {
    /// `entries:list` every [`GcpSettings::log_poll_interval`], looking back by
    /// [`GcpSettings::log_overlap`] and dropping entries already yielded (by `insertId`).
    /// Plain HTTPS, one read per poll out of the project's 60 a minute; lines show up a few
    /// seconds after they are written, plus up to one interval.
    #[default]
    Poll,
    /// Cloud Logging's `TailLogEntries` over gRPC (HTTP/2 to the `logging_grpc` endpoint): one
    /// long-lived stream per tail that Google pushes entries into as they are ingested, held
    /// [`GcpSettings::log_buffer_window`] at Google to put late ones in order. No polls, so no
    /// read quota spent while following; Google allows 10 open tails per project and reports
    /// the entries it leaves out (too many, or not read fast enough) as a line of the log. The
    /// stored entries (`since_ms`, `last`) still come from `entries:list` first; a tail that is
    /// not followed reads only those.
    Stream,
}

/// How long to wait and how often to look; tests shorten them.
#[derive(Debug, Clone)]
pub struct GcpSettings {
    /// Between two looks at a running operation (or a function another operation changes).
    pub poll_interval: Duration,
    /// The longest a deploy waits for an operation; Cloud Build can take minutes.
    pub wait_timeout: Duration,
    /// Between two `entries:list` polls while following logs (the API allows 60 a minute per
    /// project).
    pub log_poll_interval: Duration,
    /// Log entries can arrive late: each poll looks this far back and drops what it has seen.
    pub log_overlap: Duration,
    /// How followed tails learn of new entries; per tail with [`GcpAdapter::with_log_follow`].
    pub log_follow: LogFollowMode,
    /// [`LogFollowMode::Stream`]: how long Google holds entries before sending them, so late
    /// ones arrive in order (`TailLogEntriesRequest.buffer_window`, 0–60 s; Google's default
    /// is 2 s).
    pub log_buffer_window: Duration,
    /// One REST request, uploads excepted.
    pub request_timeout: Duration,
    /// A throttled (429) call is tried again this many times, waiting `throttle_backoff`
    /// longer each time.
    pub throttle_retries: u32,
    pub throttle_backoff: Duration,
    /// The service account whose OIDC token Cloud Scheduler sends to the function; `None`
    /// uses the function's runtime service account.
    pub scheduler_service_account: Option<String>,
}

impl Default for GcpSettings {
    fn default() -> Self {
        GcpSettings {
            poll_interval: Duration::from_secs(2),
            wait_timeout: Duration::from_secs(15 * 60),
            log_poll_interval: Duration::from_secs(3),
            log_overlap: Duration::from_secs(60),
            log_follow: LogFollowMode::Poll,
            log_buffer_window: Duration::from_secs(2),
            request_timeout: Duration::from_secs(60),
            throttle_retries: 3,
            throttle_backoff: Duration::from_secs(2),
            scheduler_service_account: None,
        }
    }
}

impl GcpSettings {
    /// Short waits for fakes, which answer at once.
    pub fn fast() -> Self {
        GcpSettings {
            poll_interval: Duration::from_millis(20),
            wait_timeout: Duration::from_secs(30),
            log_poll_interval: Duration::from_millis(100),
            log_overlap: Duration::from_secs(60),
            log_follow: LogFollowMode::Poll,
            log_buffer_window: Duration::ZERO,
            request_timeout: Duration::from_secs(30),
            throttle_retries: 3,
            throttle_backoff: Duration::from_millis(20),
            scheduler_service_account: None,
        }
    }
}

/// Cloud Functions v2 in one project and region, with one sign-in.
#[derive(Debug, Clone)]
pub struct GcpAdapter {
    pub(crate) api: GoogleApi,
    pub(crate) project: String,
    pub(crate) region: String,
    pub(crate) settings: GcpSettings,
}

/// Builds a [`GcpAdapter`]; `build()` refuses what cannot work.
#[derive(Debug, Default)]
pub struct GcpAdapterBuilder {
    credentials: Option<GoogleCredentials>,
    project: Option<String>,
    region: Option<String>,
    token_uri: Option<String>,
    endpoints: GoogleEndpoints,
    settings: GcpSettings,
}

impl GcpAdapterBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Project and region from the environment as gcloud names them
    /// (`GOOGLE_CLOUD_PROJECT` or `CLOUDSDK_CORE_PROJECT`; `CLOUDSDK_FUNCTIONS_REGION` or
    /// `FUNCTION_REGION`); without [`Self::credentials`], `build()` uses the
    /// application-default credentials.
    pub fn from_env() -> Self {
        let var = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
        };
        GcpAdapterBuilder {
            project: var(&["GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT"]),
            region: var(&["CLOUDSDK_FUNCTIONS_REGION", "FUNCTION_REGION"]),
            ..Self::default()
        }
    }

    pub fn credentials(mut self, credentials: GoogleCredentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    pub fn project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(project.into());
        self
    }

    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Another OAuth token endpoint than the credentials' own.
    pub fn token_uri(mut self, uri: impl Into<String>) -> Self {
        self.token_uri = Some(uri.into());
        self
    }

    pub fn endpoints(mut self, endpoints: GoogleEndpoints) -> Self {
        self.endpoints = endpoints;
        self
    }

    pub fn functions_endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoints.functions = url.into();
        self
    }

    pub fn logging_endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoints.logging = url.into();
        self
    }

    /// Where `TailLogEntries` goes ([`LogFollowMode::Stream`]): Cloud Logging's gRPC service.
    pub fn logging_grpc_endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoints.logging_grpc = url.into();
        self
    }

    pub fn pubsub_endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoints.pubsub = url.into();
        self
    }

    pub fn scheduler_endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoints.scheduler = url.into();
        self
    }

    pub fn run_endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoints.run = url.into();
        self
    }

    pub fn settings(mut self, settings: GcpSettings) -> Self {
        self.settings = settings;
        self
    }

    /// How followed tails learn of new entries (the settings' [`GcpSettings::log_follow`]).
    pub fn log_follow(mut self, mode: LogFollowMode) -> Self {
        self.settings.log_follow = mode;
        self
    }

    pub fn build(self) -> Result<GcpAdapter> {
        let project = self
            .project
            .map(|p| p.trim().to_owned())
            .unwrap_or_default();
        if project.is_empty() {
            return Err(AdapterError::invalid(
                "no Google Cloud project: set `project_id` on the target (or GOOGLE_CLOUD_PROJECT)",
            ));
        }
        if !is_project_id(&project) {
            return Err(AdapterError::invalid(format!(
                "`{project}` is not a Google Cloud project id (lowercase letters, digits and `-`, starting with a letter; the id, not the display name)"
            )));
        }
        if self.settings.log_buffer_window > MAX_BUFFER_WINDOW {
            return Err(AdapterError::invalid(format!(
                "the log buffer window of {} s is longer than Cloud Logging allows for TailLogEntries (at most 60 s)",
                self.settings.log_buffer_window.as_secs_f32()
            )));
        }
        let region = self.region.map(|r| r.trim().to_owned()).unwrap_or_default();
        if region.is_empty() {
            return Err(AdapterError::invalid(
                "no region: set `region` on the target, for example `europe-west1`",
            ));
        }
        if !is_region(&region) {
            return Err(AdapterError::invalid(format!(
                "`{region}` is not a Google Cloud region (like `europe-west1` or `us-central1`)"
            )));
        }
        let mut endpoints = self.endpoints;
        for url in [
            &mut endpoints.functions,
            &mut endpoints.logging,
            &mut endpoints.logging_grpc,
            &mut endpoints.pubsub,
            &mut endpoints.scheduler,
            &mut endpoints.run,
        ] {
            *url = url.trim_end_matches('/').to_owned();
        }
        for (api, url) in endpoints.named() {
            if !is_secure_url(url) {
                return Err(AdapterError::invalid(format!(
                    "the {api} endpoint `{url}` is not an HTTPS URL: tokens are only sent over HTTPS (or to a loopback test server)"
                )));
            }
        }
        let mut credentials = match self.credentials {
            Some(credentials) => credentials,
            None => GoogleCredentials::application_default()?,
        };
        if let Some(uri) = self.token_uri {
            credentials = credentials.token_uri(uri);
        }
        Ok(GcpAdapter {
            api: GoogleApi {
                tokens: TokenCache::new(credentials),
                http: reqwest::Client::new(),
                endpoints: std::sync::Arc::new(endpoints),
                retry: RetryPolicy {
                    throttle_retries: self.settings.throttle_retries,
                    throttle_backoff: self.settings.throttle_backoff,
                    request_timeout: self.settings.request_timeout,
                },
            },
            project,
            region,
            settings: self.settings,
        })
    }
}

/// `TailLogEntriesRequest.buffer_window`'s upper bound.
const MAX_BUFFER_WINDOW: Duration = Duration::from_secs(60);

/// A project id: 6–30 characters of lowercase letters, digits and `-`, starting with a letter;
/// older projects may carry a `domain.com:` prefix.
fn is_project_id(id: &str) -> bool {
    let plain = id.rsplit(':').next().unwrap_or(id);
    (6..=30).contains(&plain.len())
        && plain.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && !plain.ends_with('-')
        && plain
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_region(region: &str) -> bool {
    region.contains('-')
        && region.chars().last().is_some_and(|c| c.is_ascii_digit())
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The `description` Functory writes, from which describe reads the handler back.
pub(crate) fn description_of(project: &str, handler: &str, runtime: &str) -> String {
    format!("Deployed by Functory; project {project}; handler {handler}; runtime {runtime}")
}

fn description_field<'a>(description: &'a str, key: &str) -> Option<&'a str> {
    description
        .split("; ")
        .find_map(|part| part.strip_prefix(key).and_then(|v| v.strip_prefix(' ')))
}

/// Labels Functory keeps on a function.
pub(crate) const LABEL_PROJECT: &str = "functory-project";
/// The first 63 hex digits of the package's SHA-256 (a label value holds at most 63).
pub(crate) const LABEL_SHA256: &str = "functory-sha256";
pub(crate) const LABEL_COMMIT: &str = "functory-commit";

impl GcpAdapter {
    pub fn builder() -> GcpAdapterBuilder {
        GcpAdapterBuilder::new()
    }

    pub fn project(&self) -> &str {
        &self.project
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// How messages name the sign-in.
    pub fn who(&self) -> &str {
        self.api.who()
    }

    pub fn log_follow_mode(&self) -> LogFollowMode {
        self.settings.log_follow
    }

    /// The same adapter (sign-in and token cache shared) following tails with `mode`, for
    /// choosing per subscription: `adapter.with_log_follow(LogFollowMode::Stream).tail_logs(…)`.
    pub fn with_log_follow(&self, mode: LogFollowMode) -> GcpAdapter {
        let mut adapter = self.clone();
        adapter.settings.log_follow = mode;
        adapter
    }

    pub(crate) fn summary_of(&self, function: &CloudFunction) -> FunctionSummary {
        let service = &function.service_config;
        FunctionSummary {
            name: function.id().to_owned(),
            runtime: description_field(&function.description, "runtime")
                .map(str::to_owned)
                .unwrap_or_else(|| lambda_runtime(&function.build_config.runtime)),
            memory_mb: memory_mb(&service.available_memory).unwrap_or(256),
            timeout_s: if service.timeout_seconds == 0 {
                60
            } else {
                service.timeout_seconds
            },
            version: if service.revision.is_empty() {
                "latest".to_owned()
            } else {
                service.revision.clone()
            },
        }
    }
}

#[async_trait::async_trait]
impl CloudAdapter for GcpAdapter {
    async fn plan(&self, options: &DeployOptions) -> Result<DeployPlan> {
        GcpAdapter::plan(self, options).await
    }

    async fn deploy_function(&self, options: &DeployOptions) -> Result<DeployOutcome> {
        GcpAdapter::deploy_function(self, options).await
    }

    /// The Cloud Run revision serving the function: Google has no stages, so every target of
    /// the project and region sees the same one.
    async fn serving_version(&self, function: &str, _stage: &str) -> Result<Option<String>> {
        Ok(self
            .get_function(function)
            .await?
            .map(|f| f.service_config.revision)
            .filter(|r| !r.is_empty()))
    }

    async fn versions(&self, _function: &str) -> Result<Vec<VersionInfo>> {
        Err(AdapterError::NotSupported {
            operation: "listing versions (Cloud Functions keeps no versions to return to; History lists every deployed commit)",
            provider: AdapterKind::Gcp,
        })
    }

    async fn rollback(&self, _function: &str, _stage: &str, _version: &str) -> Result<()> {
        Err(AdapterError::NotSupported {
            operation: "rolling back (Cloud Functions keeps no earlier versions: use History's “Redeploy this” on the commit to go back to)",
            provider: AdapterKind::Gcp,
        })
    }

    async fn log_source(&self, function: &str) -> Result<LogSource> {
        if self.settings.log_follow == LogFollowMode::Stream {
            let window = self.settings.log_buffer_window;
            return Ok(LogSource {
                description: format!(
                    "Cloud Logging entries of Cloud Run service `{function}` and Cloud Function `{function}` in {} (TailLogEntries stream over gRPC, held {} s at Google to order late entries)",
                    self.region,
                    window.as_secs_f32()
                ),
                // Ingestion takes a second or two; then Google holds entries the buffer window.
                expected_delay_ms: 2_000 + u64::try_from(window.as_millis()).unwrap_or(0),
            });
        }
        Ok(LogSource {
            description: format!(
                "Cloud Logging entries of Cloud Run service `{function}` and Cloud Function `{function}` in {} (entries:list, polled every {} s)",
                self.region,
                self.settings.log_poll_interval.as_secs_f32()
            ),
            // Cloud Logging usually lists an entry a few seconds after it is written.
            expected_delay_ms: 5_000
                + u64::try_from(self.settings.log_poll_interval.as_millis()).unwrap_or(0),
        })
    }
}

/// What Google Cloud Functions can do through this adapter (the same whatever the project).
pub fn capabilities() -> Capabilities {
    Capabilities {
        kind: AdapterKind::Gcp,
        versions: false,
        aliases: false,
        // Only Pub/Sub-triggered functions take queued events (by publishing to the topic).
        async_invoke: false,
        // Following polls entries:list by default (as AWS's polls FilterLogEvents), or
        // streams TailLogEntries over gRPC with `LogFollowMode::Stream`.
        live_logs: true,
        live_tail: true,
        http_trigger: true,
        schedule_trigger: true,
        storage_trigger: true,
        queue_trigger: true,
        // Kinesis and DynamoDB streams have no counterpart there (the plan says so).
        stream_trigger: false,
        url_trigger: true,
        concurrency_limit: false,
        provisioned_concurrency: false,
    }
}

#[async_trait::async_trait]
impl Adapter for GcpAdapter {
    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    async fn deploy(&self, options: DeployOptions) -> Result<Deployment> {
        let outcome = self.deploy_function(&options).await?;
        Ok(Deployment {
            function: outcome.function,
            version: outcome.version,
            code_sha256: outcome.code_sha256,
        })
    }

    async fn invoke(&self, options: InvokeOptions) -> Result<Invocation> {
        self.invoke_function(options).await
    }

    async fn tail_logs(&self, options: TailOptions) -> Result<LogStream> {
        self.tail(options).await
    }

    async fn list(&self, options: ListOptions) -> Result<Vec<FunctionSummary>> {
        let mut out: Vec<FunctionSummary> = self
            .list_functions()
            .await?
            .iter()
            .map(|f| self.summary_of(f))
            .filter(|s| {
                options
                    .prefix
                    .as_deref()
                    .is_none_or(|p| s.name.starts_with(p))
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    async fn describe(&self, options: DescribeOptions) -> Result<FunctionDescription> {
        let function = self.require_function(&options.function).await?;
        let mut environment_keys: Vec<String> = function
            .service_config
            .environment_variables
            .keys()
            .filter(|k| !crate::mapping::RESERVED_ENVIRONMENT.contains(&k.as_str()))
            .cloned()
            .collect();
        environment_keys.sort();
        Ok(FunctionDescription {
            summary: self.summary_of(&function),
            handler: description_field(&function.description, "handler")
                .map(str::to_owned)
                .unwrap_or_else(|| function.build_config.entry_point.clone()),
            state: match function.state.as_str() {
                "ACTIVE" => FunctionState::Active,
                "DEPLOYING" | "DELETING" => FunctionState::Pending,
                _ => FunctionState::Failed,
            },
            code_sha256: function
                .labels
                .get(LABEL_SHA256)
                .cloned()
                .unwrap_or_default(),
            environment_keys,
            reserved_concurrency: None,
            provisioned_concurrency: 0,
        })
    }

    async fn delete(&self, options: DeleteOptions) -> Result<()> {
        self.delete_function(&options.function).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_ids_and_regions_are_checked() {
        assert!(is_project_id("functory-demo"));
        assert!(is_project_id("example.com:my-project"));
        assert!(!is_project_id("My Project"));
        assert!(!is_project_id("short"));
        assert!(is_region("europe-west1"));
        assert!(!is_region("europe"));
        assert!(!is_region("EU-West1"));
        assert_eq!(
            description_field(
                &description_of("p; x", "node/echo.handler", "nodejs20.x"),
                "handler"
            ),
            Some("node/echo.handler")
        );
    }
}
