//! `functory run`, `functory invoke` and `functory logs`: the local runtime from the command
//! line, over `functory_api::local`. Each command starts its own Tokio runtime and works on the
//! project folder's `.functory/local` data, so `logs` sees what `run` and `invoke` wrote.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use functory_api::ApiError;
use functory_api::local::{
    self, InvocationResult, LocalRun, LogLine, LogQuery, RunSettings, check_event,
};
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
    /// Start the local AWS services (an emulator handlers' AWS SDK calls reach) even when
    /// functory.toml declares no resources.
    #[arg(long, conflicts_with = "no_aws_services")]
    aws_services: bool,
    /// Do not start the local AWS services, even for declared resources.
    #[arg(long)]
    no_aws_services: bool,
    /// Let every function's AWS SDK calls through, whatever its declared permissions allow
    /// (by default a call they do not grant fails with AWS's AccessDenied).
    #[arg(long)]
    no_enforce_permissions: bool,
    /// Reset local data first: the local AWS services start from the declared resources alone
    /// (their objects, messages and items of earlier runs are removed).
    #[arg(long)]
    reset: bool,
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
    /// On a cloud target: invoke the latest code instead of the target's stage.
    #[arg(long)]
    latest: bool,
    /// On a cloud target: queue the event and return at once (an asynchronous invoke).
    #[arg(long = "async")]
    asynchronous: bool,
    /// On an AWS target: act as this profile instead of the target's own credentials.
    #[arg(long)]
    profile: Option<String>,
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
    /// The target whose log to read, from functory.toml (a cloud target reads the cloud's log).
    #[arg(long, default_value = "local")]
    target: String,
    /// On an AWS target, follow with a CloudWatch Logs live tail session (lines within a
    /// second; billed by AWS per minute) instead of polling.
    #[arg(long, requires = "follow")]
    live: bool,
    /// The project folder (default: the current folder).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// On an AWS target: act as this profile instead of the target's own credentials.
    #[arg(long)]
    profile: Option<String>,
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("functory: error: {message}");
    ExitCode::FAILURE
}

fn tokio_runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    // The local runtime's own work is moving bytes between sockets; the CPU belongs to the
    // function instances. One thread that both polls the sockets and runs the tasks spares the
    // cross-thread wake-ups of a worker pool, and the current-thread scheduler's own
    // bookkeeping is lighter than a one-worker pool's (measured in bench/local: 3-5 % less CPU
    // per request for the runtime).
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(format!("cannot start the async runtime: {e}")))
}

/// The project folder as an absolute path, so printed folders and URLs are usable anywhere.
pub(crate) fn project_dir(dir: Option<PathBuf>) -> PathBuf {
    let dir = dir.unwrap_or_else(|| PathBuf::from("."));
    dir.canonicalize().unwrap_or(dir)
}

/// Stops on Ctrl+C or (on Unix) SIGTERM.
pub(crate) async fn interrupted() {
    #[cfg(unix)]
    {
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
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

pub(crate) fn format_line(line: &LogLine) -> String {
    let time = chrono::DateTime::from_timestamp_millis(line.timestamp_ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default();
    format!("{time} {}", line.message)
}

pub fn run(args: RunArgs) -> ExitCode {
    let runtime = match tokio_runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let dir = project_dir(args.dir);
    runtime.block_on(async move {
        let settings = RunSettings {
            port: args.port,
            payload_v1: args.payload_v1,
            cors_origins: args.cors_origins,
            aws_services: match (args.aws_services, args.no_aws_services) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
            emulator_venv: None,
            enforce_permissions: !args.no_enforce_permissions,
        };
        if args.reset {
            if let Err(error) = local::reset_local_data(&dir) {
                return fail(error);
            }
            outln!("functory: local data reset");
        }
        // Ctrl+C and SIGTERM are caught from here on, while the run starts too: their default
        // action would end this process at once and leave the local AWS services it started
        // running. Stopped while starting, whatever started is stopped (dropped) before exit.
        let stop = interrupted();
        tokio::pin!(stop);
        let run = tokio::select! {
            started = LocalRun::start(&dir, &settings) => match started {
                Ok(run) => run,
                Err(error) => return fail(error),
            },
            () = &mut stop => {
                eprintln!("functory: stopped while starting");
                return ExitCode::FAILURE;
            }
        };
        let status = run.status();
        outln!(
            "functory: serving {} at {} (Ctrl+C to stop)",
            run.project_name(),
            run.gateway_url()
        );
        for route in &status.routes {
            outln!(
                "  http      {:<7} {}  -> {}",
                route.method,
                route.url,
                route.function
            );
        }
        for schedule in &status.schedules {
            outln!(
                "  schedule  {} ({}) -> {}; next: {}",
                schedule.expression,
                schedule.timezone,
                schedule.function,
                schedule.next.join(", ")
            );
        }
        for bucket in &status.buckets {
            outln!(
                "  bucket    {} at {} -> {}",
                bucket.bucket,
                bucket.folder,
                bucket.function
            );
        }
        for queue in &status.queues {
            outln!(
                "  queue     {}: POST {} -> {}",
                queue.queue,
                queue.send_url,
                queue.function
            );
        }
        if let Some(aws) = &status.aws {
            outln!(
                "  aws       {} (AWS_ENDPOINT_URL of every handler; region {}, account {})",
                aws.endpoint,
                aws.region,
                aws.account_id
            );
            if !aws.permissions_enforced {
                outln!(
                    "  aws       permissions are NOT enforced: every function may make any AWS call (--no-enforce-permissions)"
                );
            }
            for resource in &aws.resources {
                outln!(
                    "  {:<9} {} ({}){}",
                    resource.kind.as_str(),
                    resource.name,
                    resource.arn,
                    if resource.created { ", created" } else { "" }
                );
            }
        }
        for problem in &status.problems {
            eprintln!("functory: warning: {problem}");
        }
        let follower = if args.quiet {
            None
        } else {
            let query = LogQuery {
                follow: true,
                last: Some(0),
                ..LogQuery::default()
            };
            match local::tail_logs(run.root(), &query) {
                Ok(mut lines) => Some(tokio::spawn(async move {
                    while let Some(line) = lines.next().await {
                        outln!("[{}] {}", line.function, format_line(&line));
                    }
                })),
                Err(error) => {
                    eprintln!(
                        "functory: warning: the functions' log lines cannot be shown: {error}"
                    );
                    None
                }
            }
        };
        stop.await;
        if let Some(follower) = follower {
            follower.abort();
        }
        run.stop();
        drop(run);
        outln!("functory: stopped");
        ExitCode::SUCCESS
    })
}

pub(crate) fn read_event(event: Option<&Path>) -> Result<String, String> {
    let (bytes, source) = match event {
        None => return Ok("{}".to_owned()),
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
    let text =
        String::from_utf8(bytes).map_err(|_| format!("the event in {source} is not UTF-8 text"))?;
    check_event(&text).map_err(|e| format!("{source}: {e}"))?;
    Ok(text)
}

pub(crate) fn print_invocation(invocation: &InvocationResult) {
    for line in &invocation.logs {
        eprintln!("{line}");
    }
    match serde_json::from_str::<serde_json::Value>(&invocation.payload) {
        Ok(value) => outln!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        ),
        Err(_) => outln!("{}", invocation.payload),
    }
    if let Some(metrics) = &invocation.metrics {
        let start = match (invocation.cold_start, metrics.init_duration_ms) {
            (true, Some(init)) => format!(", cold start (init {init:.1} ms)"),
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
    if let Some(interpreter) = &invocation.interpreter {
        eprintln!("functory: {interpreter}");
    }
}

pub fn invoke(args: InvokeArgs) -> ExitCode {
    let dir = project_dir(args.dir);
    if functory_api::cloud::is_cloud_target(&dir, &args.target) {
        return crate::cloud_commands::invoke(
            dir,
            crate::cloud_commands::CloudInvoke {
                target: &args.target,
                function: &args.function,
                event: args.event.as_deref(),
                latest: args.latest,
                asynchronous: args.asynchronous,
                json: args.json,
                profile: args.profile,
            },
        );
    }
    let event = match read_event(args.event.as_deref()) {
        Ok(event) => event,
        Err(message) => return fail(message),
    };
    let runtime = match tokio_runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let result: Result<InvocationResult, ApiError> = runtime.block_on(local::invoke_once(
        &dir,
        &args.target,
        &args.function,
        &event,
    ));
    let invocation = match result {
        Ok(invocation) => invocation,
        Err(error) => return fail(error),
    };
    if args.json {
        let view = serde_json::json!({
            "requestId": invocation.request_id,
            "payload": serde_json::from_str::<serde_json::Value>(&invocation.payload).ok(),
            "functionError": invocation.function_error,
            "metrics": invocation.metrics,
            "coldStart": invocation.cold_start,
            "interpreter": invocation.interpreter,
            "logs": invocation.logs.join("\n"),
        });
        outln!(
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
}

pub fn logs(args: LogsArgs) -> ExitCode {
    let dir = project_dir(args.dir);
    let query = LogQuery {
        function: Some(args.function.clone()),
        follow: args.follow,
        text: args.filter,
        request_id: args.request_id,
        min_level: args.level,
        last: args.last.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
    };
    if functory_api::cloud::is_cloud_target(&dir, &args.target) {
        return crate::cloud_commands::logs(
            dir,
            &args.target,
            &args.function,
            query,
            args.live,
            args.profile,
        );
    }
    if args.live {
        return fail(format!(
            "--live follows a cloud target's log; `{}` is the local runtime, whose lines arrive at once without it",
            args.target
        ));
    }
    let runtime = match tokio_runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        let mut lines = match local::tail_logs(&dir, &query) {
            Ok(lines) => lines,
            Err(error) => return fail(error),
        };
        let printing = async {
            while let Some(line) = lines.next().await {
                outln!("{}", format_line(&line));
            }
        };
        tokio::select! {
            _ = printing => {}
            _ = interrupted() => {}
        }
        ExitCode::SUCCESS
    })
}
