//! What a cloud-neutral function of `functory.toml` becomes on Cloud Functions v2, decided
//! before anything is deployed: runtime, memory size (and the CPU it brings), timeout limits,
//! the one trigger a Google function has, Cloud Scheduler jobs for schedules (EventBridge
//! `rate(...)`/`cron(...)` rewritten as unix cron), and labels.
//!
//! Whatever has no Google form is collected into one error listing every problem, so the plan
//! says it all at once and nothing deploys half-way.

use chrono::NaiveDate;
use functory_adapter::AdapterError;
use functory_core::runtime::{self, Change, Cloud};
use functory_core::{Function, Runtime, RuntimeFamily, ScheduleExpression, Trigger, UrlAuth};
use serde_json::{Value, json};

/// An EventBridge schedule (`rate(5 minutes)`, `cron(0 12 ? * MON-FRI *)`) as the 5-field
/// unix cron Cloud Scheduler takes, or why it has none.
pub fn unix_cron(expression: &str) -> Result<String, String> {
    cron_for(expression).map(|(cron, _)| cron)
}

/// The Cloud Functions memory size for `mb` megabytes (rounded up) and the vCPU it brings.
pub fn memory_size(mb: u32) -> Result<(&'static str, &'static str), String> {
    memory_for(mb).map(|size| (size.label, size.cpu))
}

/// The languages Cloud Functions runs that Functory's handlers are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Language {
    Node,
    Python,
}

impl Language {
    /// The exported function the generated entry module defines (`buildConfig.entryPoint`).
    pub fn entry_point(self) -> &'static str {
        match self {
            Language::Node => "functoryEntry",
            Language::Python => "functory_entry",
        }
    }
}

/// The Cloud Functions runtime of a Lambda runtime name, judged today.
pub(crate) fn runtime_for(lambda: &str) -> Result<(&'static str, Language), String> {
    runtime_on(lambda, runtime::today())
}

/// The Cloud Functions runtime of a Lambda runtime name on `on`: the catalogue's Google
/// runtime of the same language and version, unless Google has decommissioned it (from then
/// it neither creates nor updates functions on it).
pub(crate) fn runtime_on(lambda: &str, on: NaiveDate) -> Result<(&'static str, Language), String> {
    let declared: Runtime = lambda
        .parse()
        .map_err(|()| format!("runtime `{lambda}` is not one Functory knows"))?;
    let language = match declared.family {
        RuntimeFamily::Node => Language::Node,
        RuntimeFamily::Python => Language::Python,
        RuntimeFamily::Provided => {
            return Err(format!(
                "runtime `{lambda}` is a custom runtime (a `bootstrap` executable): Cloud Functions runs only its own language runtimes; deploy this function to AWS, or rewrite it for Node.js or Python"
            ));
        }
    };
    let catalogue = runtime::catalogue();
    let Some(google) = catalogue.equivalent(Cloud::Google, declared.lifecycle()) else {
        return Err(format!(
            "runtime `{lambda}` has no Cloud Functions equivalent; use one of {}",
            deployable(on).join(", ")
        ));
    };
    if let Some(since) = google.blocked(Change::Create, on) {
        let instead = catalogue
            .successor(google, on)
            .map(|next| lambda_runtime(&next.id))
            .map(|next| format!("; use `{next}`"))
            .unwrap_or_default();
        return Err(format!(
            "runtime `{lambda}`: Cloud Run functions decommissioned `{}` on {since} and neither creates nor updates functions on it{instead}",
            google.id
        ));
    }
    Ok((google.id.as_str(), language))
}

/// The Lambda names of the runtimes Google supports on `on` (not deprecated), newest first.
fn deployable(on: NaiveDate) -> Vec<String> {
    let catalogue = runtime::catalogue();
    [RuntimeFamily::Node, RuntimeFamily::Python]
        .into_iter()
        .flat_map(|family| catalogue.supported(Cloud::Google, family.catalogue_name(), on))
        .filter_map(|google| catalogue.equivalent(Cloud::Aws, google))
        .map(|aws| aws.id.clone())
        .collect()
}

/// The Lambda name of a Cloud Functions runtime, for list and describe.
pub(crate) fn lambda_runtime(google: &str) -> String {
    let catalogue = runtime::catalogue();
    catalogue
        .lookup(Cloud::Google, google)
        .and_then(|entry| catalogue.equivalent(Cloud::Aws, entry))
        .map(|aws| aws.id.clone())
        .unwrap_or_else(|| google.to_owned())
}

/// One of the memory sizes Cloud Functions offers, and the CPU it comes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MemorySize {
    pub label: &'static str,
    pub mb: u32,
    pub cpu: &'static str,
}

/// Cloud Functions' memory sizes with the CPU each gets by default.
const MEMORY_SIZES: &[MemorySize] = &[
    MemorySize {
        label: "128Mi",
        mb: 128,
        cpu: "0.083",
    },
    MemorySize {
        label: "256Mi",
        mb: 256,
        cpu: "0.167",
    },
    MemorySize {
        label: "512Mi",
        mb: 512,
        cpu: "0.333",
    },
    MemorySize {
        label: "1Gi",
        mb: 1024,
        cpu: "0.583",
    },
    MemorySize {
        label: "2Gi",
        mb: 2048,
        cpu: "1",
    },
    MemorySize {
        label: "4Gi",
        mb: 4096,
        cpu: "2",
    },
    MemorySize {
        label: "8Gi",
        mb: 8192,
        cpu: "2",
    },
    MemorySize {
        label: "16Gi",
        mb: 16384,
        cpu: "4",
    },
    MemorySize {
        label: "32Gi",
        mb: 32768,
        cpu: "8",
    },
];

/// The smallest size that holds `mb`.
pub(crate) fn memory_for(mb: u32) -> Result<MemorySize, String> {
    MEMORY_SIZES
        .iter()
        .find(|size| size.mb >= mb)
        .copied()
        .ok_or_else(|| format!("memory {mb} MB is more than the 32Gi Cloud Functions offers"))
}

/// Megabytes of an `availableMemory` value (`256Mi`, `1Gi`, `512M`, `2G`).
pub(crate) fn memory_mb(label: &str) -> Option<u32> {
    let label = label.trim();
    let digits: String = label.chars().take_while(char::is_ascii_digit).collect();
    let n: u64 = digits.parse().ok()?;
    let mb = match &label[digits.len()..] {
        "Mi" => n,
        "Gi" => n * 1024,
        // Decimal units, as the API also accepts them.
        "M" => n * 1_000_000 / 1_048_576,
        "G" => n * 1_000_000_000 / 1_048_576,
        "k" => n * 1000 / 1_048_576,
        "" => n / 1_048_576,
        _ => return None,
    };
    u32::try_from(mb).ok()
}

/// The longest an HTTP function may run, and an event-driven one.
pub(crate) const HTTP_TIMEOUT_MAX_S: u32 = 3600;
pub(crate) const EVENT_TIMEOUT_MAX_S: u32 = 540;

/// A label value: lowercase letters, digits, `_` and `-`, at most 63 characters. Anything
/// else becomes `-` and the end is cut, so the value is a prefix-like stand-in.
pub(crate) fn label_value(text: &str) -> String {
    text.chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(63)
        .collect()
}

/// Why `name` cannot be a Cloud Functions function id, if it cannot.
pub(crate) fn function_id_problem(name: &str) -> Option<String> {
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let starts = name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    if valid_chars && starts && !name.ends_with('-') && (4..=63).contains(&name.len()) {
        return None;
    }
    let suggestion: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c == '_' { '-' } else { c })
        .collect();
    Some(format!(
        "the name `{name}` cannot be a Cloud Functions id (4 to 63 characters: lowercase letters, digits and `-`, starting with a letter){}",
        if suggestion != name && function_id_problem_plain(&suggestion) {
            format!("; rename it, for example to `{suggestion}`")
        } else {
            String::new()
        }
    ))
}

fn function_id_problem_plain(name: &str) -> bool {
    name.chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && (4..=63).contains(&name.len())
}

/// What makes an event-driven function run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EventSource {
    Storage {
        bucket: String,
        prefix: Option<String>,
        suffix: Option<String>,
        event_type: &'static str,
    },
    PubSub {
        queue: String,
        topic: String,
    },
}

pub(crate) const FINALIZED: &str = "google.cloud.storage.object.v1.finalized";
pub(crate) const DELETED: &str = "google.cloud.storage.object.v1.deleted";
pub(crate) const MESSAGE_PUBLISHED: &str = "google.cloud.pubsub.topic.v1.messagePublished";

impl EventSource {
    /// The `eventTrigger` of the function resource.
    pub fn event_trigger(&self, region: &str) -> Value {
        match self {
            EventSource::Storage {
                bucket, event_type, ..
            } => json!({
                "eventType": event_type,
                "eventFilters": [{ "attribute": "bucket", "value": bucket }],
                "retryPolicy": "RETRY_POLICY_DO_NOT_RETRY",
                "triggerRegion": region,
            }),
            EventSource::PubSub { topic, .. } => json!({
                "eventType": MESSAGE_PUBLISHED,
                "pubsubTopic": topic,
                "retryPolicy": "RETRY_POLICY_DO_NOT_RETRY",
                "triggerRegion": region,
            }),
        }
    }

    /// What the generated entry needs to know to shape the event.
    pub fn entry_config(&self) -> Value {
        match self {
            EventSource::Storage {
                bucket,
                prefix,
                suffix,
                event_type,
            } => json!({
                "kind": "storage",
                "bucket": bucket,
                "prefix": prefix,
                "suffix": suffix,
                "eventName": if *event_type == DELETED { "ObjectRemoved:Delete" } else { "ObjectCreated:Put" },
            }),
            EventSource::PubSub { queue, topic } => json!({
                "kind": "queue",
                "queue": queue,
                "topic": topic,
            }),
        }
    }
}

/// A Cloud Scheduler job the function should have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WantedSchedule {
    /// The job id: `functory-<function>-schedule-<n>`.
    pub job_id: String,
    pub expression: String,
    pub cron: String,
    pub time_zone: String,
    /// How the expression was rewritten, for the plan.
    pub note: String,
}

/// The prefix of the ids of a function's scheduler jobs.
pub(crate) fn job_prefix(function: &str) -> String {
    format!("functory-{function}-schedule-")
}

/// Everything the deploy needs of one function, mapped.
#[derive(Debug, Clone)]
pub(crate) struct Mapping {
    pub runtime: &'static str,
    pub language: Language,
    pub memory: MemorySize,
    pub timeout_s: u32,
    pub event: Option<EventSource>,
    /// `allUsers` may invoke it (a `url` trigger with `auth = "none"`).
    pub public: bool,
    pub schedules: Vec<WantedSchedule>,
    /// Lines for the plan: how each setting and trigger maps.
    pub notes: Vec<String>,
}

/// Maps `function` for project `project` in `region`, or one error listing every problem.
pub(crate) fn map_function(function: &Function, project: &str) -> Result<Mapping, AdapterError> {
    let name = &function.name;
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    if let Some(problem) = function_id_problem(name) {
        problems.push(problem);
    }
    let (runtime, language) = match runtime_for(&function.runtime) {
        Ok(found) => {
            notes.push(format!("runtime {} → {}", function.runtime, found.0));
            found
        }
        Err(problem) => {
            problems.push(problem);
            ("", Language::Node)
        }
    };
    let memory = match memory_for(function.memory_mb) {
        Ok(size) => {
            let rounded = if size.mb == function.memory_mb {
                String::new()
            } else {
                " (rounded up to a size Cloud Functions offers)".to_owned()
            };
            notes.push(format!(
                "memory {} MB → {}{rounded}, with {} vCPU",
                function.memory_mb, size.label, size.cpu
            ));
            size
        }
        Err(problem) => {
            problems.push(problem);
            MEMORY_SIZES[0]
        }
    };

    let mut event: Option<EventSource> = None;
    let mut http_routes = Vec::new();
    let mut public = false;
    let mut has_url = false;
    let mut schedules = Vec::new();
    for trigger in &function.triggers {
        match trigger {
            Trigger::Http { method, path, .. } => http_routes.push(format!("{method} {path}")),
            Trigger::Url { auth, cors } => {
                has_url = true;
                public = *auth == UrlAuth::None;
                if cors.is_some() {
                    notes.push(
                        "url CORS settings: Cloud Functions has no CORS setting; the handler answers preflight requests itself".to_owned(),
                    );
                }
            }
            Trigger::Schedule {
                expression,
                timezone,
            } => match cron_for(expression) {
                Ok((cron, note)) => schedules.push(WantedSchedule {
                    job_id: format!("{}{}", job_prefix(name), schedules.len() + 1),
                    expression: expression.clone(),
                    cron,
                    time_zone: timezone.clone().unwrap_or_else(|| "Etc/UTC".to_owned()),
                    note,
                }),
                Err(problem) => problems.push(format!("schedule `{expression}`: {problem}")),
            },
            Trigger::Storage {
                bucket,
                prefix,
                suffix,
                events,
            } => match storage_event_type(events.as_deref()) {
                Ok(event_type) => {
                    let source = EventSource::Storage {
                        bucket: bucket.clone(),
                        prefix: prefix.clone().filter(|p| !p.is_empty()),
                        suffix: suffix.clone().filter(|s| !s.is_empty()),
                        event_type,
                    };
                    if event.replace(source).is_some() {
                        problems.push(one_event_source());
                    }
                }
                Err(problem) => problems.push(format!("storage trigger on `{bucket}`: {problem}")),
            },
            Trigger::Queue { queue, batch_size } => {
                if batch_size.is_some_and(|b| b > 1) {
                    notes.push(format!(
                        "queue `{queue}` batch size {}: Eventarc delivers one Pub/Sub message per call, so each event holds one record",
                        batch_size.unwrap_or(1)
                    ));
                }
                let source = EventSource::PubSub {
                    queue: queue.clone(),
                    topic: format!("projects/{project}/topics/{queue}"),
                };
                if event.replace(source).is_some() {
                    problems.push(one_event_source());
                }
            }
            Trigger::Stream { stream, .. } => problems.push(format!(
                "stream trigger `{stream}`: Cloud Functions has no Kinesis or DynamoDB streams; publish the records to a Pub/Sub topic and use a `queue` trigger"
            )),
            Trigger::Topic { topic, .. } => problems.push(format!(
                "topic trigger `{topic}`: SNS topics do not exist on Google Cloud; a Pub/Sub topic is a `queue` trigger there"
            )),
            Trigger::Event { .. } => problems.push(
                "event trigger: EventBridge rules do not exist on Google Cloud; Eventarc triggers are not mapped by Functory yet".to_owned(),
            ),
        }
    }
    if http_routes.len() > 1 {
        problems.push(format!(
            "{} http triggers ({}): a Cloud Function has one HTTPS URL and no routes; keep one http trigger (the handler sees every path) or split the routes into functions",
            http_routes.len(),
            http_routes.join(", ")
        ));
    }
    if event.is_some() && (!http_routes.is_empty() || has_url || !schedules.is_empty()) {
        problems.push(
            "an event trigger (storage or queue) together with http, url or schedule triggers: a Cloud Function is either called over HTTPS or by one event source; split it into two functions".to_owned(),
        );
    }
    if let Some(route) = http_routes.first() {
        notes.push(format!(
            "http {route} → the function's HTTPS URL (Cloud Functions has no routes: every method and path reaches the handler; callers need roles/run.invoker, or use a `url` trigger with auth = \"none\")"
        ));
    }
    if has_url {
        notes.push(if public {
            "url (auth = none) → the function's HTTPS URL, public: allUsers get roles/run.invoker on its Cloud Run service".to_owned()
        } else {
            "url (auth = iam) → the function's HTTPS URL; callers need roles/run.invoker".to_owned()
        });
    }
    match &event {
        Some(EventSource::Storage {
            bucket,
            prefix,
            suffix,
            event_type,
        }) => {
            notes.push(format!("storage `{bucket}` → Eventarc trigger {event_type}"));
            if prefix.is_some() || suffix.is_some() {
                notes.push(format!(
                    "Eventarc filters on the bucket only: the generated entry skips objects outside prefix {} / suffix {}",
                    prefix.as_deref().unwrap_or("(any)"),
                    suffix.as_deref().unwrap_or("(any)")
                ));
            }
        }
        Some(EventSource::PubSub { queue, topic }) => notes.push(format!(
            "queue `{queue}` → Eventarc trigger {MESSAGE_PUBLISHED} on {topic} (the topic must exist)"
        )),
        None => {}
    }
    let limit = if event.is_some() {
        EVENT_TIMEOUT_MAX_S
    } else {
        HTTP_TIMEOUT_MAX_S
    };
    if function.timeout_s > limit {
        problems.push(format!(
            "timeout {} s is over the {limit} s Cloud Functions allows {} functions",
            function.timeout_s,
            if event.is_some() {
                "event-driven"
            } else {
                "HTTP"
            }
        ));
    }
    if !function.permissions.is_empty() {
        notes.push(format!(
            "{} permission statement(s): IAM statements have no Google meaning; the function runs as its runtime service account, whose roles are granted in Google Cloud IAM",
            function.permissions.len()
        ));
    }
    for key in function.environment.iter().map(|e| &e.key) {
        if RESERVED_ENVIRONMENT.contains(&key.as_str()) {
            problems.push(format!(
                "environment variable `{key}` is set by Functory's entry on Google Cloud; rename it"
            ));
        } else if GOOGLE_RESERVED_ENVIRONMENT.contains(&key.as_str())
            || key.starts_with("X_GOOGLE_")
        {
            problems.push(format!(
                "environment variable `{key}` is reserved by Cloud Functions (it sets it, or keeps the X_GOOGLE_ prefix); rename it"
            ));
        }
    }
    if !problems.is_empty() {
        return Err(AdapterError::InvalidRequest {
            message: format!(
                "function `{name}` cannot be deployed to Google Cloud Functions:\n- {}",
                problems.join("\n- ")
            ),
        });
    }
    Ok(Mapping {
        runtime,
        language,
        memory,
        timeout_s: function.timeout_s,
        event,
        public,
        schedules,
        notes,
    })
}

/// Environment variables the adapter sets for the generated entry.
pub(crate) const MEMORY_ENV: &str = "FUNCTORY_MEMORY_MB";
pub(crate) const TIMEOUT_ENV: &str = "FUNCTORY_TIMEOUT_S";
pub(crate) const RESERVED_ENVIRONMENT: &[&str] = &[MEMORY_ENV, TIMEOUT_ENV];
/// What Cloud Run and the Functions Framework set in every instance.
const GOOGLE_RESERVED_ENVIRONMENT: &[&str] = &[
    "PORT",
    "K_SERVICE",
    "K_REVISION",
    "K_CONFIGURATION",
    "FUNCTION_TARGET",
    "FUNCTION_SIGNATURE_TYPE",
];

fn one_event_source() -> String {
    "more than one storage or queue trigger: a Cloud Function has one event source; split it into one function per source".to_owned()
}

/// The storage event type for the trigger's S3 event names (`None`: object creation).
fn storage_event_type(events: Option<&[String]>) -> Result<&'static str, String> {
    let Some(events) = events.filter(|e| !e.is_empty()) else {
        return Ok(FINALIZED);
    };
    let mut kinds = Vec::new();
    for event in events {
        let name = event.strip_prefix("s3:").unwrap_or(event);
        let kind = if name.starts_with("ObjectCreated:") {
            FINALIZED
        } else if name.starts_with("ObjectRemoved:") {
            DELETED
        } else {
            return Err(format!(
                "event `{event}` has no Cloud Storage equivalent (use s3:ObjectCreated:* or s3:ObjectRemoved:*)"
            ));
        };
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    match kinds[..] {
        [kind] => Ok(kind),
        _ => Err(
            "both created and removed events: a Cloud Function takes one event type; split it into two functions".to_owned(),
        ),
    }
}

/// An EventBridge schedule as the 5-field unix cron Cloud Scheduler takes
/// (`functory_core::schedule` reads and renders it), with a note for the plan.
pub(crate) fn cron_for(expression: &str) -> Result<(String, String), String> {
    let parsed = ScheduleExpression::parse(expression).map_err(|e| e.message)?;
    let rendering = parsed.to_unix_cron()?;
    let note = match rendering.notes.first() {
        Some(note) => format!("{parsed} → `{}` ({note})", rendering.expression),
        None => format!("{parsed} → `{}`", rendering.expression),
    };
    Ok((rendering.expression, note))
}

#[cfg(test)]
mod tests {

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn runtimes_map_through_the_catalogue_until_google_decommissions_them() {
        let on = day("2026-12-07");
        assert_eq!(
            runtime_on("nodejs24.x", on),
            Ok(("nodejs24", Language::Node))
        );
        assert_eq!(
            runtime_on("python3.14", on),
            Ok(("python314", Language::Python))
        );
        assert_eq!(
            runtime_on("nodejs20.x", day("2026-10-29")),
            Ok(("nodejs20", Language::Node))
        );
        assert_eq!(
            runtime_on("nodejs20.x", on),
            Err("runtime `nodejs20.x`: Cloud Run functions decommissioned `nodejs20` on 2026-10-30 and neither creates nor updates functions on it; use `nodejs24.x`".to_owned())
        );
        let none = runtime_on("python3.9", on).unwrap_err();
        assert!(
            none.starts_with("runtime `python3.9` has no Cloud Functions equivalent; use one of nodejs24.x, nodejs22.x, python3.14"),
            "{none}"
        );
        assert!(
            runtime_on("provided.al2023", on)
                .unwrap_err()
                .contains("custom runtime")
        );
        assert_eq!(lambda_runtime("python314"), "python3.14");
        assert_eq!(lambda_runtime("ruby33"), "ruby33");
    }

    use super::*;

    #[test]
    fn memory_rounds_up_to_offered_sizes() {
        assert_eq!(memory_for(128).unwrap().label, "128Mi");
        assert_eq!(memory_for(129).unwrap().label, "256Mi");
        assert_eq!(memory_for(1000).unwrap().label, "1Gi");
        assert_eq!(memory_for(1000).unwrap().cpu, "0.583");
        assert_eq!(memory_for(10240).unwrap().label, "16Gi");
        assert!(memory_for(40000).is_err());
        assert_eq!(memory_mb("256Mi"), Some(256));
        assert_eq!(memory_mb("2Gi"), Some(2048));
        assert_eq!(memory_mb("256M"), Some(244));
        assert_eq!(memory_mb("lots"), None);
    }

    #[test]
    fn function_ids_follow_the_api() {
        assert_eq!(function_id_problem("echo"), None);
        assert_eq!(function_id_problem("resize-image-2"), None);
        let problem = function_id_problem("resize_Image").unwrap();
        assert!(problem.contains("`resize-image`"), "{problem}");
        assert!(function_id_problem("abc").is_some());
        assert!(function_id_problem("1abc").is_some());
        assert!(function_id_problem("abcd-").is_some());
    }

    #[test]
    fn label_values_are_cut_and_cleaned() {
        assert_eq!(label_value("My Project.v2"), "my-project-v2");
        assert_eq!(label_value(&"a".repeat(80)).len(), 63);
    }
}
