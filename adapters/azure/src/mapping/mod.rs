//! What a manifest function becomes on Azure Functions: its runtime on the app's language
//! worker, its memory and timeout against the hosting plan, and each trigger as a binding in a
//! generated `function.json` (one Azure function per trigger, since an Azure function has
//! exactly one). What has no Azure form is a problem, said in words, before anything deploys.

use functory_core::route::{RoutePattern, RouteSegment};
use functory_core::runtime::{self, Cloud};
use functory_core::{Function, Runtime, RuntimeFamily, Trigger, UrlAuth};
use serde_json::{Value, json};

/// The language worker of a function app (`FUNCTIONS_WORKER_RUNTIME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Node,
    Python,
}

impl Language {
    /// As `FUNCTIONS_WORKER_RUNTIME` and Flex's `functionAppConfig.runtime.name` say it.
    pub fn worker(self) -> &'static str {
        match self {
            Language::Node => "node",
            Language::Python => "python",
        }
    }

    pub fn parse(text: &str) -> Option<Language> {
        match text.trim().to_ascii_lowercase().as_str() {
            "node" | "node.js" | "nodejs" => Some(Language::Node),
            "python" => Some(Language::Python),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Windows,
    Linux,
}

/// The hosting plan, from the site's `sku`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostingPlan {
    /// `Dynamic`: pay per execution, fixed 1.5 GB instances, at most 10 minutes a run.
    Consumption,
    /// `FlexConsumption`: per-app instance sizes, no zip deploy (one deploy instead).
    FlexConsumption,
    /// `ElasticPremium`.
    Premium,
    /// An App Service plan (Basic, Standard, Premium v2/v3, Isolated …).
    Dedicated,
}

impl HostingPlan {
    pub fn from_sku(sku: Option<&str>) -> HostingPlan {
        match sku.unwrap_or("").to_ascii_lowercase().as_str() {
            "dynamic" => HostingPlan::Consumption,
            "flexconsumption" => HostingPlan::FlexConsumption,
            "elasticpremium" => HostingPlan::Premium,
            _ => HostingPlan::Dedicated,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            HostingPlan::Consumption => "Consumption",
            HostingPlan::FlexConsumption => "Flex Consumption",
            HostingPlan::Premium => "Premium",
            HostingPlan::Dedicated => "Dedicated (App Service)",
        }
    }

    /// The longest `functionTimeout` the plan allows, in seconds (`None`: unbounded).
    pub fn max_timeout_s(self) -> Option<u32> {
        match self {
            HostingPlan::Consumption => Some(600),
            _ => None,
        }
    }
}

/// The Consumption plan's instances have this much memory, whatever the function asks.
pub const CONSUMPTION_MEMORY_MB: u32 = 1536;
/// The front end closes an HTTP request after this long, whatever the function timeout.
pub const HTTP_REQUEST_LIMIT_S: u32 = 230;

/// What the mapping needs to know about the function app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppProfile {
    pub os: Os,
    pub plan: HostingPlan,
    /// Flex Consumption's instance size.
    pub instance_memory_mb: Option<u32>,
    /// The app setting `WEBSITE_TIME_ZONE`, if set.
    pub time_zone: Option<String>,
}

impl AppProfile {
    /// The memory each instance has, when the app says.
    pub fn instance_memory_mb(&self) -> Option<u32> {
        match self.plan {
            HostingPlan::Consumption => Some(CONSUMPTION_MEMORY_MB),
            HostingPlan::FlexConsumption => self.instance_memory_mb,
            _ => None,
        }
    }
}

/// What a trigger became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// No trigger in the manifest: Lambda's direct invoke, as a key-protected HTTP POST whose
    /// body is the event.
    Invoke,
    Http {
        route_key: String,
    },
    Url,
    Timer,
    Blob {
        container: String,
    },
    Queue {
        queue: String,
        batch_size: Option<u32>,
    },
}

impl EntryKind {
    /// The shim's name for the trigger.
    pub fn shim_name(&self) -> &'static str {
        match self {
            EntryKind::Invoke => "invoke",
            EntryKind::Http { .. } => "http",
            EntryKind::Url => "url",
            EntryKind::Timer => "timer",
            EntryKind::Blob { .. } => "blob",
            EntryKind::Queue { .. } => "queue",
        }
    }

    pub fn is_http(&self) -> bool {
        matches!(
            self,
            EntryKind::Invoke | EntryKind::Http { .. } | EntryKind::Url
        )
    }
}

/// One Azure function generated for a manifest function.
#[derive(Debug, Clone, PartialEq)]
pub struct AzureEntry {
    /// The Azure function's name (its folder in the package).
    pub name: String,
    pub kind: EntryKind,
    /// The `bindings` of its function.json.
    pub bindings: Vec<Value>,
}

/// A manifest function as Azure functions.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedFunction {
    pub function: Function,
    pub language: Language,
    /// The first is named like the manifest function.
    pub entries: Vec<AzureEntry>,
    /// What the plan should say about it (never a secret).
    pub details: Vec<String>,
}

/// The app language a function needs, when Azure Functions runs its runtime: a Node.js or
/// Python version the catalogue lists for Azure (past its end of support too: Azure still
/// deploys those, without patches).
pub fn language_of(function: &Function) -> Result<Language, String> {
    let runtime = function
        .runtime
        .parse::<Runtime>()
        .map_err(|()| format!("runtime `{}` is not one Functory knows", function.runtime))?;
    let language = match runtime.family {
        RuntimeFamily::Node => Language::Node,
        RuntimeFamily::Python => Language::Python,
        RuntimeFamily::Provided => {
            return Err(format!(
                "runtime `{}` cannot run on Azure Functions: a custom runtime speaks Lambda's Runtime API, and Azure's custom handlers speak HTTP; deploy it to AWS or run it locally",
                function.runtime
            ));
        }
    };
    let catalogue = runtime::catalogue();
    if catalogue
        .equivalent(Cloud::Azure, runtime.lifecycle())
        .is_none()
    {
        let versions: Vec<String> = catalogue
            .supported(
                Cloud::Azure,
                runtime.family.catalogue_name(),
                runtime::today(),
            )
            .iter()
            .map(|azure| azure.version.clone())
            .collect();
        return Err(format!(
            "runtime `{}`: Azure Functions has no {} (its {} versions: {})",
            function.runtime,
            runtime.label(),
            runtime.family.language(),
            versions.join(", ")
        ));
    }
    Ok(language)
}

/// `nodejs20.x` → `20`, `python3.12` → `3.12`: the version an app's stack is set to.
pub fn runtime_version(runtime: &str) -> Option<String> {
    runtime
        .parse::<Runtime>()
        .ok()
        .filter(|r| r.family != RuntimeFamily::Provided)
        .map(|r| r.version.to_owned())
}

/// The app's language and version as a Lambda runtime name (`node`, `~20` → `nodejs20.x`).
pub fn lambda_runtime(language: Language, version: &str) -> Option<String> {
    let version = version
        .trim()
        .trim_start_matches(['~', 'v'])
        .trim_end_matches("-lts");
    match language {
        Language::Node => {
            let major: String = version.chars().take_while(char::is_ascii_digit).collect();
            (!major.is_empty()).then(|| format!("nodejs{major}.x"))
        }
        Language::Python => {
            let mut parts = version.split('.');
            let (Some(major), Some(minor)) = (parts.next(), parts.next()) else {
                return None;
            };
            Some(format!("python{major}.{minor}"))
        }
    }
}

/// Maps `function` for an app like `profile`; every problem is listed, not just the first.
pub fn map_function(
    function: &Function,
    profile: &AppProfile,
) -> Result<MappedFunction, Vec<String>> {
    let mut problems = Vec::new();
    let mut details = Vec::new();
    let language = match language_of(function) {
        Ok(language) => Some(language),
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    if language == Some(Language::Python) && profile.os == Os::Windows {
        problems.push(format!(
            "runtime `{}`: Python function apps run on Linux only, and this app runs on Windows; deploy it to a Linux function app",
            function.runtime
        ));
    }
    if !function
        .name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
    {
        problems.push(format!(
            "the name `{}`: Azure function names start with a letter",
            function.name
        ));
    }

    // Memory is the instance's, shared by every function of the app.
    match (profile.plan, profile.instance_memory_mb()) {
        (HostingPlan::FlexConsumption, Some(instance)) if function.memory_mb > instance => {
            details.push(format!(
                "memory {} MB → the app's {instance} MB instances, less than asked: raise the instance size with `az functionapp scale config set --instance-memory <512|2048|4096>`",
                function.memory_mb
            ));
        }
        (HostingPlan::Consumption, Some(instance)) => details.push(format!(
            "memory {} MB → {instance} MB instances (fixed on the Consumption plan, shared by every function of the app)",
            function.memory_mb
        )),
        (_, Some(instance)) => details.push(format!(
            "memory {} MB → the app's {instance} MB instances ({} instance size, set per app)",
            function.memory_mb,
            profile.plan.label()
        )),
        (_, None) => details.push(format!(
            "memory {} MB → the instance size of the app's {} plan (set on the plan, shared by every function of the app)",
            function.memory_mb,
            profile.plan.label()
        )),
    }
    if let Some(max) = profile.plan.max_timeout_s()
        && function.timeout_s > max
    {
        problems.push(format!(
            "timeout {} s: the {} plan stops a function after {} minutes at most; lower timeout_s or move the app to a Premium or Flex Consumption plan",
            function.timeout_s,
            profile.plan.label(),
            max / 60
        ));
    }

    let mut entries: Vec<AzureEntry> = Vec::new();
    let mut used: Vec<String> = Vec::new();
    let mut name_for = |kind: &str| -> String {
        let name = if used.is_empty() {
            function.name.clone()
        } else {
            let base = format!("{}-{kind}", function.name);
            let mut candidate = base.clone();
            let mut n = 2;
            while used.contains(&candidate) {
                candidate = format!("{base}-{n}");
                n += 1;
            }
            candidate
        };
        used.push(name.clone());
        name
    };
    if function.triggers.is_empty() {
        let name = name_for("invoke");
        details.push(format!(
            "no trigger → invoked directly: an HTTP POST to /api/_functory/invoke/{name} with a function key, whose body is the event"
        ));
        entries.push(AzureEntry {
            bindings: http_bindings(&format!("_functory/invoke/{name}"), &["post"], "function"),
            name,
            kind: EntryKind::Invoke,
        });
    }
    for trigger in &function.triggers {
        let name = name_for(trigger_kind(trigger));
        match map_trigger(trigger, &name, profile, language, &mut details) {
            Ok((kind, bindings)) => {
                if name != function.name {
                    details.push(format!(
                        "trigger {} runs as Azure function `{name}` (an Azure function has one trigger)",
                        trigger_kind(trigger)
                    ));
                }
                entries.push(AzureEntry {
                    name,
                    kind,
                    bindings,
                });
            }
            Err(problem) => problems.push(problem),
        }
    }
    if entries.iter().any(|e| e.kind.is_http()) && function.timeout_s > HTTP_REQUEST_LIMIT_S {
        details.push(format!(
            "timeout {} s: an HTTP request to Azure Functions ends after {HTTP_REQUEST_LIMIT_S} s whatever the timeout (the front end's idle limit)",
            function.timeout_s
        ));
    }
    match language {
        Some(language) if problems.is_empty() => Ok(MappedFunction {
            function: function.clone(),
            language,
            entries,
            details,
        }),
        _ => Err(problems),
    }
}

fn http_bindings(route: &str, methods: &[&str], auth_level: &str) -> Vec<Value> {
    let mut trigger = json!({
        "type": "httpTrigger",
        "direction": "in",
        "name": "req",
        "authLevel": auth_level,
        "route": route,
    });
    if !methods.is_empty() {
        trigger["methods"] = json!(methods);
    }
    vec![
        trigger,
        json!({ "type": "http", "direction": "out", "name": "$return" }),
    ]
}

fn trigger_kind(trigger: &Trigger) -> &'static str {
    match trigger {
        Trigger::Http { .. } => "http",
        Trigger::Url { .. } => "url",
        Trigger::Schedule { .. } => "schedule",
        Trigger::Storage { .. } => "storage",
        Trigger::Queue { .. } => "queue",
        Trigger::Stream { .. } => "stream",
        Trigger::Topic { .. } => "topic",
        Trigger::Event { .. } => "event",
    }
}

/// `name` is the Azure function the trigger becomes.
fn map_trigger(
    trigger: &Trigger,
    name: &str,
    profile: &AppProfile,
    language: Option<Language>,
    details: &mut Vec<String>,
) -> Result<(EntryKind, Vec<Value>), String> {
    match trigger {
        Trigger::Http { method, path, .. } => {
            let route =
                http_route(path).map_err(|why| format!("trigger http {method} {path}: {why}"))?;
            let method_upper = method.to_ascii_uppercase();
            let methods: Vec<String> = match method_upper.as_str() {
                "ANY" | "*" => Vec::new(),
                "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS" => {
                    vec![method_upper.to_ascii_lowercase()]
                }
                other => {
                    return Err(format!(
                        "trigger http {other} {path}: Azure HTTP triggers take GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS or ANY"
                    ));
                }
            };
            let methods: Vec<&str> = methods.iter().map(String::as_str).collect();
            details.push(format!(
                "trigger http {method_upper} {path} → httpTrigger at /api/{route} (callers send a function key: x-functions-key)"
            ));
            Ok((
                EntryKind::Http {
                    route_key: format!("{method_upper} {path}"),
                },
                http_bindings(&route, &methods, "function"),
            ))
        }
        Trigger::Url { auth, cors } => {
            let level = match auth {
                UrlAuth::None => "anonymous",
                UrlAuth::Iam => "function",
            };
            details.push(format!(
                "trigger url → httpTrigger at /api/{name}/ and every path below, any method, {}",
                match auth {
                    UrlAuth::None => "anonymous (the handler is the only access control)",
                    UrlAuth::Iam =>
                        "callers send a function key (x-functions-key) where AWS signs requests",
                }
            ));
            if cors.is_some() {
                details.push(
                    "trigger url: its CORS settings are not applied: CORS is set once for the whole function app (portal → API → CORS)".to_owned(),
                );
            }
            Ok((
                EntryKind::Url,
                http_bindings(&format!("{name}/{{*path}}"), &[], level),
            ))
        }
        Trigger::Schedule {
            expression,
            timezone,
        } => {
            let converted = functory_core::ScheduleExpression::parse(expression)
                .map_err(|e| e.message)
                .and_then(|parsed| parsed.to_ncrontab())
                .map_err(|why| format!("trigger schedule {expression}: {why}"))?;
            schedule_time_zone(timezone.as_deref(), profile, expression)?;
            details.push(format!(
                "trigger schedule {expression} → timerTrigger `{}` (NCRONTAB, UTC unless WEBSITE_TIME_ZONE)",
                converted.expression
            ));
            details.extend(
                converted
                    .notes
                    .into_iter()
                    .map(|n| format!("trigger schedule {expression}: {n}")),
            );
            Ok((
                EntryKind::Timer,
                vec![json!({
                    "type": "timerTrigger",
                    "direction": "in",
                    "name": "timer",
                    "schedule": converted.expression,
                })],
            ))
        }
        Trigger::Storage {
            bucket,
            prefix,
            suffix,
            events,
        } => {
            let what = format!("trigger storage {bucket}");
            if profile.plan == HostingPlan::FlexConsumption {
                return Err(format!(
                    "{what}: Flex Consumption apps only run blob triggers fed by Event Grid (an Event Grid subscription on the storage account), which Functory does not create; use a Consumption or Premium app, or add the subscription and an Event Grid blob trigger yourself"
                ));
            }
            if !is_storage_name(bucket) {
                return Err(format!(
                    "{what}: `{bucket}` is not a valid Azure blob container name (3–63 lowercase letters, digits and single hyphens)"
                ));
            }
            let prefix = prefix.as_deref().unwrap_or("");
            let suffix = suffix.as_deref().unwrap_or("");
            if prefix.contains(['{', '}']) || suffix.contains(['{', '}']) {
                return Err(format!(
                    "{what}: braces in the prefix or suffix would be read as binding expressions"
                ));
            }
            if let Some(events) = events {
                let creates = events.iter().any(|e| e.contains("ObjectCreated"));
                let removes = events.iter().any(|e| e.contains("ObjectRemoved"));
                if !creates {
                    return Err(format!(
                        "{what}: blob triggers fire for new and changed blobs only; deleting a blob does not trigger a function"
                    ));
                }
                if removes {
                    details.push(format!(
                        "{what}: deletions do not trigger on Azure (only new and changed blobs do)"
                    ));
                }
            }
            let path = format!("{bucket}/{prefix}{{name}}{suffix}");
            details.push(format!(
                "{what} → blobTrigger `{path}` in the app's storage account (AzureWebJobsStorage); deletions do not trigger"
            ));
            if profile.plan == HostingPlan::Consumption {
                details.push(format!(
                    "{what}: on the Consumption plan a new blob can take up to 10 minutes to trigger"
                ));
            }
            let mut binding = json!({
                "type": "blobTrigger",
                "direction": "in",
                "name": "blob",
                "path": path,
                "connection": "AzureWebJobsStorage",
            });
            if language == Some(Language::Node) {
                binding["dataType"] = json!("binary");
            }
            Ok((
                EntryKind::Blob {
                    container: bucket.clone(),
                },
                vec![binding],
            ))
        }
        Trigger::Queue { queue, batch_size } => {
            // An SQS ARN ends with the queue's name.
            let name = queue.rsplit(':').next().unwrap_or(queue);
            if !is_storage_name(name) {
                return Err(format!(
                    "trigger queue {queue}: `{name}` is not a valid Azure Storage queue name (3–63 lowercase letters, digits and single hyphens)"
                ));
            }
            details.push(format!(
                "trigger queue {queue} → queueTrigger `{name}` in the app's storage account (AzureWebJobsStorage); one message per invocation, retried up to 5 times, then moved to `{name}-poison`"
            ));
            if let Some(size) = batch_size {
                details.push(format!(
                    "trigger queue {queue}: batch_size {size} → host.json queues.batchSize {} (messages fetched at once, app-wide)",
                    (*size).clamp(1, 32)
                ));
            }
            Ok((
                EntryKind::Queue {
                    queue: name.to_owned(),
                    batch_size: *batch_size,
                },
                vec![json!({
                    "type": "queueTrigger",
                    "direction": "in",
                    "name": "msg",
                    "queueName": name,
                    "connection": "AzureWebJobsStorage",
                })],
            ))
        }
        Trigger::Stream { stream, .. } => Err(format!(
            "trigger stream {stream}: Kinesis and DynamoDB streams have no Azure Functions mapping in Functory; the Azure equivalent is an Event Hubs trigger on an event hub you create"
        )),
        Trigger::Topic { topic, .. } => Err(format!(
            "trigger topic {topic}: SNS topics have no Azure Functions mapping in Functory yet; the Azure equivalent is a Service Bus topic subscription trigger"
        )),
        Trigger::Event { .. } => Err(
            "trigger event: EventBridge rules have no Azure Functions mapping in Functory yet; the Azure equivalent is an Event Grid trigger".to_owned(),
        ),
    }
}

/// A time zone is app-wide on Azure (`WEBSITE_TIME_ZONE`) and unavailable on Linux
/// Consumption and Flex Consumption; a schedule never silently fires in UTC instead.
fn schedule_time_zone(
    timezone: Option<&str>,
    profile: &AppProfile,
    expression: &str,
) -> Result<(), String> {
    let Some(zone) = timezone.filter(|z| !matches!(*z, "UTC" | "Etc/UTC" | "GMT")) else {
        return Ok(());
    };
    let what = format!("trigger schedule {expression} in {zone}");
    let linux_serverless = profile.os == Os::Linux
        && matches!(
            profile.plan,
            HostingPlan::Consumption | HostingPlan::FlexConsumption
        );
    if linux_serverless {
        return Err(format!(
            "{what}: Linux {} apps run schedules in UTC only (WEBSITE_TIME_ZONE is not supported there); write the expression in UTC",
            profile.plan.label()
        ));
    }
    match (&profile.time_zone, profile.os) {
        (Some(set), Os::Linux) if set == zone => Ok(()),
        (Some(set), Os::Linux) => Err(format!(
            "{what}: the app's WEBSITE_TIME_ZONE is `{set}`, and it applies to every schedule of the app; set it to `{zone}` or write the expression in {set}"
        )),
        // Windows names zones its own way ("W. Europe Standard Time"): trust what is set.
        (Some(_), Os::Windows) => Ok(()),
        (None, _) => Err(format!(
            "{what}: Azure runs schedules in UTC unless the app setting WEBSITE_TIME_ZONE names a zone (one for the whole app; Windows zone names on Windows, `{zone}` on Linux); set it in the portal or write the expression in UTC"
        )),
    }
}

/// `/items/{id}` → `items/{id}`; `{proxy+}` → `{*proxy}` (the path read by
/// `functory_core::route`, the one route reader).
fn http_route(path: &str) -> Result<String, String> {
    let pattern = RoutePattern::parse("ANY", path).map_err(|e| e.message)?;
    if pattern.segments().is_empty() {
        return Err(
            "`/` would be /api/ on Azure, where an empty route means the function's name: give the trigger a path below `/`".to_owned(),
        );
    }
    let segments: Vec<String> = pattern
        .segments()
        .iter()
        .map(|segment| match segment {
            RouteSegment::Literal(text) => text.clone(),
            RouteSegment::Param(name) => format!("{{{name}}}"),
            RouteSegment::Greedy(name) => format!("{{*{name}}}"),
        })
        .collect();
    Ok(segments.join("/"))
}

/// Blob container and storage queue names: 3–63 lowercase letters, digits, single hyphens.
fn is_storage_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && !name.contains("--")
}

#[cfg(test)]
mod tests {
    use functory_core::Cors;
    use functory_core::manifest::EnvVar;

    use super::*;

    fn function(runtime: &str, triggers: Vec<Trigger>) -> Function {
        Function {
            name: "resize".into(),
            runtime: runtime.into(),
            handler: "src/app.handler".into(),
            code_dir: ".".into(),
            handler_file: Some("src/app.js".into()),
            memory_mb: 512,
            timeout_s: 30,
            environment: vec![EnvVar {
                key: "BUCKET".into(),
                value: "x".into(),
            }],
            triggers,
            permissions: vec![],
        }
    }

    fn consumption(os: Os) -> AppProfile {
        AppProfile {
            os,
            plan: HostingPlan::Consumption,
            instance_memory_mb: None,
            time_zone: None,
        }
    }

    #[test]
    fn every_trigger_becomes_its_own_azure_function() {
        let mapped = map_function(
            &function(
                "nodejs20.x",
                vec![
                    Trigger::Http {
                        method: "get".into(),
                        path: "/items/{id}".into(),
                        auth: None,
                        payload_version: None,
                    },
                    Trigger::Schedule {
                        expression: "rate(5 minutes)".into(),
                        timezone: None,
                    },
                    Trigger::Storage {
                        bucket: "uploads".into(),
                        prefix: Some("in/".into()),
                        suffix: Some(".jpg".into()),
                        events: Some(vec!["s3:ObjectCreated:*".into()]),
                    },
                    Trigger::Queue {
                        queue: "arn:aws:sqs:us-east-1:123456789012:orders".into(),
                        batch_size: Some(64),
                    },
                    Trigger::Url {
                        auth: UrlAuth::None,
                        cors: Some(Cors::default()),
                    },
                    Trigger::Http {
                        method: "ANY".into(),
                        path: "/files/{proxy+}".into(),
                        auth: None,
                        payload_version: None,
                    },
                ],
            ),
            &consumption(Os::Windows),
        )
        .expect("maps");
        let names: Vec<&str> = mapped.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "resize",
                "resize-schedule",
                "resize-storage",
                "resize-queue",
                "resize-url",
                "resize-http"
            ]
        );
        let http = &mapped.entries[0].bindings[0];
        assert_eq!(http["route"], "items/{id}");
        assert_eq!(http["methods"], json!(["get"]));
        assert_eq!(http["authLevel"], "function");
        assert_eq!(mapped.entries[1].bindings[0]["schedule"], "0 */5 * * * *");
        assert_eq!(
            mapped.entries[2].bindings[0]["path"],
            "uploads/in/{name}.jpg"
        );
        assert_eq!(mapped.entries[2].bindings[0]["dataType"], "binary");
        assert_eq!(mapped.entries[3].bindings[0]["queueName"], "orders");
        let url = &mapped.entries[4].bindings[0];
        assert_eq!(url["route"], "resize-url/{*path}");
        assert_eq!(url["authLevel"], "anonymous");
        assert!(url.get("methods").is_none());
        assert_eq!(mapped.entries[5].bindings[0]["route"], "files/{*proxy}");
        let details = mapped.details.join("\n");
        for expected in [
            "1536 MB instances",
            "queues.batchSize 32",
            "CORS is set once",
            "deletions do not trigger",
            "up to 10 minutes",
            "on the clock",
        ] {
            assert!(
                details.contains(expected),
                "`{expected}` missing:\n{details}"
            );
        }
    }

    #[test]
    fn a_function_without_triggers_is_invoked_by_post() {
        let mapped =
            map_function(&function("python3.12", vec![]), &consumption(Os::Linux)).unwrap();
        assert_eq!(mapped.language, Language::Python);
        assert_eq!(mapped.entries[0].kind, EntryKind::Invoke);
        assert_eq!(
            mapped.entries[0].bindings[0]["route"],
            "_functory/invoke/resize"
        );
        assert_eq!(mapped.entries[0].bindings[0]["methods"], json!(["post"]));
    }

    #[test]
    fn unmappable_items_are_all_listed() {
        let mut f = function(
            "provided.al2023",
            vec![
                Trigger::Stream {
                    stream: "arn:aws:kinesis:us-east-1:1:stream/clicks".into(),
                    batch_size: None,
                    starting_position: None,
                },
                Trigger::Schedule {
                    expression: "cron(0 12 L * ? *)".into(),
                    timezone: None,
                },
                Trigger::Storage {
                    bucket: "Uploads.Example".into(),
                    prefix: None,
                    suffix: None,
                    events: None,
                },
                Trigger::Queue {
                    queue: "Orders_Q".into(),
                    batch_size: None,
                },
                Trigger::Http {
                    method: "GET".into(),
                    path: "/".into(),
                    auth: None,
                    payload_version: None,
                },
            ],
        );
        f.timeout_s = 900;
        let problems = map_function(&f, &consumption(Os::Linux)).unwrap_err();
        let text = problems.join("\n");
        for expected in [
            "cannot run on Azure Functions",
            "Event Hubs",
            "NCRONTAB has no `L` (last)",
            "not a valid Azure blob container name",
            "not a valid Azure Storage queue name",
            "give the trigger a path below `/`",
            "stops a function after 10 minutes",
        ] {
            assert!(text.contains(expected), "`{expected}` missing:\n{text}");
        }
        assert_eq!(problems.len(), 7, "{text}");
    }

    #[test]
    fn python_needs_linux_and_flex_needs_event_grid_for_blobs() {
        let problems =
            map_function(&function("python3.11", vec![]), &consumption(Os::Windows)).unwrap_err();
        assert!(problems[0].contains("Linux only"), "{problems:?}");
        let flex = AppProfile {
            os: Os::Linux,
            plan: HostingPlan::FlexConsumption,
            instance_memory_mb: Some(2048),
            time_zone: None,
        };
        let problems = map_function(
            &function(
                "nodejs20.x",
                vec![Trigger::Storage {
                    bucket: "uploads".into(),
                    prefix: None,
                    suffix: None,
                    events: Some(vec!["s3:ObjectRemoved:*".into()]),
                }],
            ),
            &flex,
        )
        .unwrap_err();
        assert!(problems[0].contains("Event Grid"), "{problems:?}");
        let mut big = function("nodejs20.x", vec![]);
        big.memory_mb = 4096;
        let mapped = map_function(&big, &flex).unwrap();
        assert!(
            mapped.details[0].contains("--instance-memory"),
            "{:?}",
            mapped.details
        );
    }

    #[test]
    fn time_zones_need_the_app_setting_and_never_fire_in_utc_silently() {
        let schedule = |tz: &str| {
            function(
                "nodejs20.x",
                vec![Trigger::Schedule {
                    expression: "cron(0 8 * * ? *)".into(),
                    timezone: Some(tz.into()),
                }],
            )
        };
        let linux_consumption = map_function(&schedule("Europe/Paris"), &consumption(Os::Linux));
        assert!(linux_consumption.unwrap_err()[0].contains("UTC only"));
        let premium = AppProfile {
            os: Os::Linux,
            plan: HostingPlan::Premium,
            instance_memory_mb: None,
            time_zone: Some("Europe/Paris".into()),
        };
        assert!(map_function(&schedule("Europe/Paris"), &premium).is_ok());
        let other = map_function(&schedule("America/New_York"), &premium).unwrap_err();
        assert!(other[0].contains("is `Europe/Paris`"), "{other:?}");
        let windows = map_function(&schedule("Europe/Paris"), &consumption(Os::Windows));
        assert!(windows.unwrap_err()[0].contains("WEBSITE_TIME_ZONE"));
        assert!(map_function(&schedule("UTC"), &consumption(Os::Linux)).is_ok());
    }

    #[test]
    fn runtime_names_both_ways() {
        assert_eq!(runtime_version("nodejs22.x").as_deref(), Some("22"));
        assert_eq!(runtime_version("python3.13").as_deref(), Some("3.13"));
        assert_eq!(
            lambda_runtime(Language::Node, "~20").as_deref(),
            Some("nodejs20.x")
        );
        assert_eq!(
            lambda_runtime(Language::Node, "20-lts").as_deref(),
            Some("nodejs20.x")
        );
        assert_eq!(
            lambda_runtime(Language::Python, "3.11").as_deref(),
            Some("python3.11")
        );
        assert_eq!(lambda_runtime(Language::Python, "3"), None);
        assert_eq!(runtime_version("provided.al2023"), None);
        assert_eq!(runtime_version("nodejs21.x"), None);
    }

    #[test]
    fn the_languages_azure_runs_come_from_the_catalogue() {
        let of = |runtime: &str| language_of(&function(runtime, Vec::new()));
        assert_eq!(of("nodejs24.x"), Ok(Language::Node));
        assert_eq!(of("python3.14"), Ok(Language::Python));
        // Past Azure's end of support, still deployed (Azure blocks nothing).
        assert_eq!(of("nodejs18.x"), Ok(Language::Node));
        let old = of("python3.8").unwrap_err();
        assert!(
            old.starts_with("runtime `python3.8`: Azure Functions has no Python 3.8 (its Python versions: 3.14, 3.13"),
            "{old}"
        );
        assert!(of("provided.al2").unwrap_err().contains("custom runtime"));
    }
}
