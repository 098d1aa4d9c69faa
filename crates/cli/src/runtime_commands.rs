//! `functory run`, `functory invoke` and `functory logs`: the local runtime from the command
//! line. Each command starts its own Tokio runtime and works on the project folder's
//! `.functory/local` data, so `logs` sees what `run` and `invoke` wrote.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use functory_adapter::{
    Adapter, DeployOptions, Invocation, InvokeOptions, LogEvent, LogFilter, LogLevel, TailOptions,
};
use functory_api::core::{AdapterKind, Manifest};
use functory_local::triggers::http::{CorsConfig, PayloadVersion};
use functory_local::{LocalRuntime, LocalSettings, ProjectRun, RunOptions, load_manifest};
use futures_util::StreamExt;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The project folder (default: the current folder).
    dir: Option<PathBuf>,
    /// The HTTP gateway's port on 127.0.0.1 (0 picks a free port).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// Allow cross-origin requests from this origin (repeatable; `*` for any).
    #[arg(long = "cors-origin")]
    cors_origins: Vec<String>,
    /// Send HTTP events in API Gateway's payload format 1.0 instead of 2.0.
    #[arg(long)]
    payload_v1: bool,
    /// Do not print the functions' log lines.
    #[arg(long)]
    quiet: bool,
}

#[derive(Debug, Args)]
pub struct InvokeArgs {
    /// The function to invoke.
    function: String,
    /// A JSON file with the event (`-` reads standard input; default: `{}`).
    #[arg(long)]
    event: Option<PathBuf>,
    /// The target to invoke on, from functory.toml.
    #[arg(long, default_value = "local")]
    target: String,
    /// The project folder (default: the current folder).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Print the whole invocation (payload, error, metrics, logs) as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The function whose log to show.
    function: String,
    /// Keep printing new lines until Ctrl+C.
    #[arg(long, short)]
    follow: bool,
    /// Only lines containing this text.
    #[arg(long)]
    filter: Option<String>,
    /// Only lines of this invocation.
    #[arg(long)]
    request_id: Option<String>,
    /// Only lines of this level or more severe (debug, info, warn, error).
    #[arg(long)]
    level: Option<String>,
    /// Only the last N matching lines before following.
    #[arg(long)]
    last: Option<usize>,
    /// The project folder (default: the current folder).
    #[arg(long)]
    dir: Option<PathBuf>,
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("functory: error: {message}");
    ExitCode::FAILURE
}

fn tokio_runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(format!("cannot start the async runtime: {e}")))
}

/// The project folder as an absolute path, so printed folders and URLs are usable anywhere.
fn project_dir(dir: Option<PathBuf>) -> PathBuf {
    let dir = dir.unwrap_or_else(|| PathBuf::from("."));
    dir.canonicalize().unwrap_or(dir)
}

/// Stops on Ctrl+C or SIGTERM.
async fn interrupted() {
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async {
            match terminate.as_mut() {
                Some(signal) => { signal.recv().await; }
                None => std::future::pending::<()>().await,
            }
        } => {}
    }
}

fn format_event(event: &LogEvent) -> String {
    let time = chrono::DateTime::from_timestamp_millis(event.timestamp_ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default();
    format!("{time} {}", event.message)
}

pub fn run(args: RunArgs) -> ExitCode {
    let runtime = match tokio_runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let dir = project_dir(args.dir);
    runtime.block_on(async move {
        let mut options = RunOptions::for_project(&dir);
        options.port = args.port;
        if args.payload_v1 {
            options.payload_version = PayloadVersion::V1;
        }
        if !args.cors_origins.is_empty() {
            options.cors = Some(CorsConfig {
                allow_origins: args.cors_origins,
                allow_headers: vec!["*".into()],
                ..CorsConfig::default()
            });
        }
        let run = match ProjectRun::start(&dir, options).await {
            Ok(run) => run,
            Err(error) => return fail(error),
        };
        println!(
            "functory: serving {} at {} (Ctrl+C to stop)",
            run.manifest().project_name,
            run.gateway_url()
        );
        for route in run.http_routes() {
            println!(
                "  http      {:<7} {}  -> {}",
                route.method, route.url, route.function
            );
        }
        for schedule in run.schedules() {
            println!(
                "  schedule  {} ({}) -> {}; next: {}",
                schedule.expression,
                schedule.timezone,
                schedule.function,
                schedule.next.join(", ")
            );
        }
        for bucket in run.buckets() {
            println!(
                "  bucket    {} at {} -> {}",
                bucket.bucket, bucket.folder, bucket.function
            );
        }
        for queue in run.queues() {
            println!(
                "  queue     {}: POST {} -> {}",
                queue.queue, queue.send_url, queue.function
            );
        }
        for problem in run.problems() {
            eprintln!("functory: warning: {problem}");
        }
        let mut followers = Vec::new();
        if !args.quiet {
            for function in &run.manifest().functions {
                let Ok(mut stream) = run
                    .runtime()
                    .tail_logs(TailOptions {
                        follow: true,
                        last: Some(0),
                        ..TailOptions::new(&function.name)
                    })
                    .await
                else {
                    continue;
                };
                let name = function.name.clone();
                followers.push(tokio::spawn(async move {
                    while let Some(Ok(event)) = stream.next().await {
                        println!("[{name}] {}", format_event(&event));
                    }
                }));
            }
        }
        interrupted().await;
        for follower in followers {
            follower.abort();
        }
        run.stop();
        println!("functory: stopped");
        ExitCode::SUCCESS
    })
}

fn check_target(manifest: &Manifest, target: &str) -> Result<(), String> {
    match manifest.targets.iter().find(|t| t.name == target) {
        Some(t) if t.adapter == AdapterKind::Local => Ok(()),
        Some(t) => Err(format!(
            "target `{target}` deploys to {}; this build invokes local targets only",
            t.adapter
        )),
        None if target == "local" => Ok(()),
        None => Err(format!(
            "no target `{target}` in functory.toml; known targets: {}",
            manifest
                .targets
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn read_event(event: Option<&Path>) -> Result<Vec<u8>, String> {
    let (bytes, source) = match event {
        None => return Ok(b"{}".to_vec()),
        Some(path) if path == Path::new("-") => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read the event from standard input: {e}"))?;
            (bytes, "standard input".to_owned())
        }
        Some(path) => (
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            path.display().to_string(),
        ),
    };
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .map_err(|e| format!("the event in {source} is not valid JSON: {e}"))?;
    Ok(bytes)
}

fn print_invocation(invocation: &Invocation) {
    if let Some(tail) = &invocation.log_tail {
        for line in tail.lines() {
            eprintln!("{line}");
        }
    }
    match invocation.payload_json() {
        Some(value) => println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        ),
        None => println!("{}", String::from_utf8_lossy(&invocation.payload)),
    }
    if let Some(metrics) = &invocation.metrics {
        let start = match (invocation.cold_start, metrics.init_duration_ms) {
            (Some(true), Some(init)) => format!(", cold start (init {init:.1} ms)"),
            _ => ", warm".to_owned(),
        };
        eprintln!(
            "functory: {:.1} ms, billed {} ms, memory {}/{} MB{start}",
            metrics.duration_ms,
            metrics.billed_duration_ms,
            metrics.max_memory_used_mb,
            metrics.memory_size_mb
        );
    }
}

pub fn invoke(args: InvokeArgs) -> ExitCode {
    let dir = project_dir(args.dir);
    let (manifest, _) = match load_manifest(&dir) {
        Ok(loaded) => loaded,
        Err(error) => return fail(error),
    };
    if let Err(message) = check_target(&manifest, &args.target) {
        return fail(message);
    }
    let Some(function) = manifest
        .functions
        .iter()
        .find(|f| f.name == args.function)
        .cloned()
    else {
        let known: Vec<&str> = manifest.functions.iter().map(|f| f.name.as_str()).collect();
        return fail(format!(
            "no function `{}` in functory.toml; functions: {}",
            args.function,
            known.join(", ")
        ));
    };
    let payload = match read_event(args.event.as_deref()) {
        Ok(payload) => payload,
        Err(message) => return fail(message),
    };
    let runtime = match tokio_runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        let mut settings = LocalSettings::for_project(&dir);
        settings.hot_reload = false;
        let local = match LocalRuntime::start(settings) {
            Ok(local) => local,
            Err(error) => return fail(error),
        };
        if let Err(error) = local.deploy(DeployOptions::new(&dir, function)).await {
            return fail(error);
        }
        let result = local
            .invoke(InvokeOptions::new(&args.function, payload).with_log_tail())
            .await;
        local.shutdown();
        let invocation = match result {
            Ok(invocation) => invocation,
            Err(error) => return fail(error),
        };
        if args.json {
            let view = serde_json::json!({
                "requestId": invocation.request_id,
                "payload": invocation.payload_json(),
                "functionError": invocation.function_error,
                "metrics": invocation.metrics,
                "coldStart": invocation.cold_start,
                "logs": invocation.log_tail,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&view).unwrap_or_default()
            );
        } else {
            print_invocation(&invocation);
        }
        match &invocation.function_error {
            None => ExitCode::SUCCESS,
            Some(error) => {
                if !args.json {
                    eprintln!(
                        "functory: the function failed: {}: {}",
                        error.error_type, error.message
                    );
                }
                ExitCode::FAILURE
            }
        }
    })
}

pub fn logs(args: LogsArgs) -> ExitCode {
    let dir = project_dir(args.dir);
    let min_level = match args.level.as_deref().map(|l| (l, LogLevel::parse(l))) {
        None => None,
        Some((_, Some(level))) => Some(level),
        Some((text, None)) => {
            return fail(format!(
                "unknown level `{text}`; use trace, debug, info, warn, error or fatal"
            ));
        }
    };
    let settings = LocalSettings::for_project(&dir);
    let declared = load_manifest(&dir)
        .map(|(m, _)| m.functions.iter().any(|f| f.name == args.function))
        .unwrap_or(false);
    if !declared && !settings.logs_dir().join(&args.function).is_dir() {
        return fail(format!(
            "no function `{}` in this project and no log for it",
            args.function
        ));
    }
    let runtime = match tokio_runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        let store = match functory_local::LogStore::open(
            &settings.logs_dir(),
            &args.function,
            settings.log_limits,
        ) {
            Ok(store) => std::sync::Arc::new(store),
            Err(error) => return fail(format!("cannot open the log: {error}")),
        };
        let filter = LogFilter {
            text: args.filter,
            request_id: args.request_id,
            min_level,
        };
        let mut stream = store.tail(filter, None, args.last, args.follow);
        let printing = async {
            while let Some(Ok(event)) = stream.next().await {
                println!("{}", format_event(&event));
            }
        };
        tokio::select! {
            _ = printing => {}
            _ = interrupted() => {}
        }
        ExitCode::SUCCESS
    })
}
