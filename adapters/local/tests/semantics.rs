//! Lambda's semantics on the local runtime: cold and warm starts, one invocation per instance,
//! scale-out and throttling, timeouts, memory limits, crashes, init errors, the environment,
//! idle reaping, provisioned instances and hot reload.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use functory_adapter::{Adapter, AdapterError, InvokeOptions, LogFilter, TailOptions};
use futures_util::StreamExt;

const NODE_PID: &str = r#"
exports.handler = async (event, context) => {
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  console.log("serving", context.awsRequestId);
  return { pid: process.pid, remaining: context.getRemainingTimeInMillis() };
};
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cold_start_then_warm_reuse_of_the_same_instance() {
    let project = TestProject::new(|_| {});
    project.write("pid.js", NODE_PID);
    project
        .deploy(function("pid", "nodejs20.x", "pid.handler"))
        .await;
    let first = project.invoke("pid", "{}").await;
    let second = project.invoke("pid", "{}").await;
    assert_eq!(first.cold_start, Some(true));
    assert!(first.metrics.as_ref().unwrap().init_duration_ms.is_some());
    assert_eq!(second.cold_start, Some(false));
    assert_eq!(second.metrics.as_ref().unwrap().init_duration_ms, None);
    assert_eq!(json(&first)["pid"], json(&second)["pid"], "not reused");
    let remaining = json(&first)["remaining"].as_i64().unwrap();
    assert!((9_000..=10_000).contains(&remaining), "{remaining}");
    let tail = first.log_tail.unwrap();
    assert!(tail.contains("Init Duration:"), "{tail}");
    assert!(
        tail.contains(&format!("\tINFO\tserving {}", first.request_id)),
        "{tail}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_invokes_scale_out_then_queue_then_throttle() {
    let project = TestProject::new(|s| s.queue_wait = Duration::from_millis(150));
    project.write("pid.js", NODE_PID);
    project
        .deploy_with(function("pid", "nodejs20.x", "pid.handler"), |o| {
            o.reserved_concurrency = Some(3)
        })
        .await;
    // Warm three instances at once: each invocation gets its own instance.
    let slow = r#"{"sleepMs": 700}"#;
    let runs: Vec<_> = (0..6)
        .map(|_| {
            let runtime = project.runtime.clone();
            tokio::spawn(async move { runtime.invoke(InvokeOptions::new("pid", slow)).await })
        })
        .collect();
    let mut pids = std::collections::HashSet::new();
    let mut throttled = 0;
    for run in runs {
        match run.await.unwrap() {
            Ok(invocation) => {
                pids.insert(json(&invocation)["pid"].as_i64().unwrap());
            }
            Err(AdapterError::Throttled { message }) => {
                assert!(message.contains("TooManyRequestsException"), "{message}");
                throttled += 1;
            }
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!(pids.len(), 3, "one instance per in-flight invocation");
    assert_eq!(
        throttled, 3,
        "beyond the limit and the queue wait, invokes are throttled"
    );
    let views = project.runtime.instances();
    assert_eq!(views[0].idle.len(), 3);
    assert_eq!(views[0].counters.throttles, 3);

    // Within the queue wait, an invoke waits for a free instance instead.
    let project = TestProject::new(|s| s.queue_wait = Duration::from_secs(3));
    project.write("pid.js", NODE_PID);
    project
        .deploy_with(function("pid", "nodejs20.x", "pid.handler"), |o| {
            o.reserved_concurrency = Some(1)
        })
        .await;
    let runs: Vec<_> = (0..3)
        .map(|_| {
            let runtime = project.runtime.clone();
            tokio::spawn(async move {
                runtime
                    .invoke(InvokeOptions::new("pid", r#"{"sleepMs": 200}"#))
                    .await
            })
        })
        .collect();
    for run in runs {
        assert!(run.await.unwrap().is_ok());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_kills_the_instance_and_reads_like_lambda() {
    let project = TestProject::new(|_| {});
    project.write("pid.js", NODE_PID);
    let mut f = function("slow", "nodejs20.x", "pid.handler");
    f.timeout_s = 1;
    project.deploy(f).await;
    let warm = project.invoke("slow", "{}").await;
    let pid = json(&warm)["pid"].as_i64().unwrap();
    let started = Instant::now();
    let timed_out = project.invoke("slow", r#"{"sleepMs": 5000}"#).await;
    assert!(started.elapsed() < Duration::from_millis(2500));
    let error = timed_out.function_error.as_ref().unwrap();
    assert_eq!(error.error_type, "Sandbox.Timedout");
    assert!(
        error.message.ends_with("Task timed out after 1.00 seconds"),
        "{error:?}"
    );
    let tail = timed_out.log_tail.as_ref().unwrap();
    assert!(tail.contains("Status: timeout"), "{tail}");
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists() || eventually_gone(pid).await,
        "the timed-out instance still runs"
    );
    let after = project.invoke("slow", "{}").await;
    assert_eq!(after.function_error, None);
    assert_eq!(after.cold_start, Some(true));
}

async fn eventually_gone(pid: i64) -> bool {
    eventually(Duration::from_secs(3), || {
        !std::path::Path::new(&format!("/proc/{pid}")).exists()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exceeding_memory_stops_the_instance_and_reports_out_of_memory() {
    let project = TestProject::new(|_| {});
    project.write(
        "hog.js",
        r#"
exports.handler = async (event) => {
  if (event.hog) {
    const blocks = [];
    for (let i = 0; i < 40; i++) { blocks.push(Buffer.alloc(16 * 1024 * 1024, i)); await new Promise((r) => setTimeout(r, 5)); }
    return blocks.length;
  }
  return "small";
};
"#,
    );
    project
        .deploy(function("hog", "nodejs20.x", "hog.handler"))
        .await;
    let small = project.invoke("hog", "{}").await;
    assert_eq!(json(&small), "small");
    let used = small.metrics.as_ref().unwrap().max_memory_used_mb;
    assert!((10..128).contains(&used), "Max Memory Used {used} MB");
    let hog = project.invoke("hog", r#"{"hog": true}"#).await;
    let error = hog.function_error.as_ref().unwrap();
    assert_eq!(error.error_type, "Runtime.OutOfMemory", "{hog:?}");
    assert_eq!(hog.metrics.as_ref().unwrap().max_memory_used_mb, 128);
    let tail = hog.log_tail.as_ref().unwrap();
    assert!(
        tail.contains("Runtime exited with error: signal: killed"),
        "{tail}"
    );
    assert_eq!(json(&project.invoke("hog", "{}").await), "small");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashing_or_hanging_handler_leaves_other_functions_alone() {
    let project = TestProject::new(|_| {});
    project.write(
        "crash.js",
        "exports.handler = async () => { setTimeout(() => process.exit(3), 1); await new Promise(() => {}); };\n",
    );
    project.write("pid.js", NODE_PID);
    let mut hang = function("hang", "nodejs20.x", "pid.handler");
    hang.timeout_s = 2;
    project.deploy(hang).await;
    project
        .deploy(function("crash", "nodejs20.x", "crash.handler"))
        .await;
    project
        .deploy(function("fine", "nodejs20.x", "pid.handler"))
        .await;
    let hanging = {
        let runtime = project.runtime.clone();
        tokio::spawn(async move {
            runtime
                .invoke(InvokeOptions::new("hang", r#"{"sleepMs": 60000}"#))
                .await
        })
    };
    let crash = project.invoke("crash", "{}").await;
    let error = crash.function_error.as_ref().unwrap();
    assert_eq!(error.error_type, "Runtime.ExitError");
    assert!(
        error
            .message
            .contains("Runtime exited with error: exit status 3"),
        "{error:?}"
    );
    let fine = project.invoke("fine", "{}").await;
    assert_eq!(fine.function_error, None);
    let hung = hanging.await.unwrap().unwrap();
    assert_eq!(
        hung.function_error.as_ref().unwrap().error_type,
        "Sandbox.Timedout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_errors_are_reported_as_lambda_reports_them() {
    let project = TestProject::new(|_| {});
    project.write(
        "syntax.js",
        "exports.handler = async () => { return {; };\n",
    );
    project.write("noexport.js", "exports.other = async () => 1;\n");
    project.write("bad.py", "def handler(event, context:\n    return 1\n");
    project.write("nohandler.py", "def other(event, context):\n    return 1\n");
    project.write("raises.py", "raise RuntimeError('config missing')\n");
    let cases = [
        (
            "missing",
            "nodejs20.x",
            "nowhere.handler",
            "Runtime.ImportModuleError",
            "Cannot find module 'nowhere'",
        ),
        (
            "syntax",
            "nodejs20.x",
            "syntax.handler",
            "Runtime.UserCodeSyntaxError",
            "SyntaxError",
        ),
        (
            "noexport",
            "nodejs20.x",
            "noexport.handler",
            "Runtime.HandlerNotFound",
            "noexport.handler is undefined or not exported",
        ),
        (
            "pymissing",
            "python3.11",
            "nowhere.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'nowhere'",
        ),
        (
            "pysyntax",
            "python3.11",
            "bad.handler",
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module 'bad'",
        ),
        (
            "pynohandler",
            "python3.11",
            "nohandler.handler",
            "Runtime.HandlerNotFound",
            "Handler 'handler' missing on module 'nohandler'",
        ),
        (
            "pyraises",
            "python3.11",
            "raises.handler",
            "Runtime.ImportModuleError",
            "config missing",
        ),
    ];
    for (name, runtime, handler, error_type, text) in cases {
        project.deploy(function(name, runtime, handler)).await;
        let invocation = project.invoke(name, "{}").await;
        let error = invocation
            .function_error
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no error: {invocation:?}"));
        assert_eq!(error.error_type, error_type, "{name}: {error:?}");
        assert!(error.message.contains(text), "{name}: {error:?}");
        assert_eq!(json(&invocation)["errorType"], error_type);
        let tail = invocation.log_tail.as_ref().unwrap();
        assert!(tail.contains("Phase: init\tStatus: error"), "{tail}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_handler_styles_and_python_context() {
    // Every function here shares one folder that the test keeps writing handlers into: with hot
    // reload on, a watcher event delayed on a loaded machine retires the instance that a warm
    // invoke expects (reload has its own test).
    let project = TestProject::new(|settings| settings.hot_reload = false);
    project.write(
        "esm.mjs",
        "export const handler = async (event) => ({ style: 'esm', n: event.n + 1 });\n",
    );
    project.write(
        "callback.js",
        "exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { style: 'callback', fn: context.functionName }), 5); };\n",
    );
    project.write(
        "callbackerror.js",
        "exports.handler = (event, context, callback) => callback(new RangeError('out of range'));\n",
    );
    project.write("esmpkg/package.json", r#"{"type": "module"}"#);
    project.write(
        "esmpkg/app.js",
        "export async function handler() { return 'esm via package.json'; }\n",
    );
    project.write(
        "pyctx.py",
        "import os\n\ndef handler(event, context):\n    print('py line')\n    return {'arn': context.invoked_function_arn, 'memory': context.memory_limit_in_mb, 'group': context.log_group_name, 'remaining': context.get_remaining_time_in_millis(), 'trace': os.environ.get('_X_AMZN_TRACE_ID', '')}\n",
    );
    project.write(
        "pyraise.py",
        "def handler(event, context):\n    raise ValueError('bad value')\n",
    );
    // The trace header as handlers and their child processes read it.
    project.write(
        "nodetrace.js",
        "const { execFileSync } = require('child_process');\n\
         exports.handler = async () => ({ trace: process.env._X_AMZN_TRACE_ID, has: '_X_AMZN_TRACE_ID' in process.env, listed: Object.keys(process.env).includes('_X_AMZN_TRACE_ID'), child: execFileSync('sh', ['-c', 'printf %s \"$_X_AMZN_TRACE_ID\"']).toString(), region: process.env.AWS_REGION });\n",
    );
    project.write(
        "pytrace.py",
        "import os, subprocess\n\ndef handler(event, context):\n    return {'trace': os.environ.get('_X_AMZN_TRACE_ID'), 'getenv': os.getenv('_X_AMZN_TRACE_ID'), 'child': subprocess.run(['sh', '-c', 'printf %s \"$_X_AMZN_TRACE_ID\"'], capture_output=True, text=True).stdout, 'region': os.environ['AWS_REGION']}\n",
    );
    for (name, runtime, handler) in [
        ("esm", "nodejs20.x", "esm.handler"),
        ("callback", "nodejs20.x", "callback.handler"),
        ("callbackerror", "nodejs20.x", "callbackerror.handler"),
        ("esmpkg", "nodejs22.x", "esmpkg/app.handler"),
        ("pyctx", "python3.12", "pyctx.handler"),
        ("pyraise", "python3.12", "pyraise.handler"),
        ("nodetrace", "nodejs20.x", "nodetrace.handler"),
        ("pytrace", "python3.12", "pytrace.handler"),
    ] {
        project.deploy(function(name, runtime, handler)).await;
    }
    assert_eq!(json(&project.invoke("esm", r#"{"n": 1}"#).await)["n"], 2);
    assert_eq!(
        json(&project.invoke("callback", "{}").await)["fn"],
        "callback"
    );
    let error = project.invoke("callbackerror", "{}").await;
    assert_eq!(error.function_error.unwrap().error_type, "RangeError");
    assert_eq!(
        json(&project.invoke("esmpkg", "{}").await),
        "esm via package.json"
    );
    let py = project.invoke("pyctx", "{}").await;
    let result = json(&py);
    assert_eq!(
        result["arn"],
        "arn:aws:lambda:us-east-1:123456789012:function:pyctx"
    );
    assert_eq!(result["memory"], "128");
    assert_eq!(result["group"], "/aws/lambda/pyctx");
    assert!(result["remaining"].as_i64().unwrap() > 9000);
    assert!(result["trace"].as_str().unwrap().starts_with("Root=1-"));
    assert!(py.log_tail.unwrap().contains("\npy line\n"));
    let first = json(&project.invoke("nodetrace", "{}").await);
    let second = json(&project.invoke("nodetrace", "{}").await);
    for traced in [&first, &second] {
        let trace = traced["trace"].as_str().unwrap();
        assert!(trace.starts_with("Root=1-"), "{traced}");
        assert_eq!(traced["has"], true, "{traced}");
        assert_eq!(traced["listed"], true, "{traced}");
        assert_eq!(traced["child"], trace, "{traced}");
        assert_eq!(traced["region"], "us-east-1", "{traced}");
    }
    assert_ne!(first["trace"], second["trace"]);
    // An event larger than one read of the pipe arrives in pieces, with multi-byte
    // characters split across reads, and comes out whole; twice, so a second frame follows a
    // split one.
    let event = serde_json::json!({ "big": "é🦀x".repeat(60_000) }).to_string();
    project.write(
        "echo.js",
        "exports.handler = async (event) => ({ same: event.big === 'é🦀x'.repeat(60000) });\n",
    );
    project
        .deploy(function("echo", "nodejs20.x", "echo.handler"))
        .await;
    for _ in 0..2 {
        let echoed = json(&project.invoke("echo", &event).await);
        assert_eq!(echoed["same"], true, "{echoed}");
    }
    // Answers larger than a pipe holds (64 KB) go out whole, from both bootstraps.
    project.write(
        "bigout.js",
        "exports.handler = async (event) => 'é'.repeat(event.n);\n",
    );
    project.write(
        "bigout.py",
        "def handler(event, context):\n    return 'é' * event['n']\n",
    );
    project
        .deploy(function("nodebigout", "nodejs20.x", "bigout.handler"))
        .await;
    project
        .deploy(function("pybigout", "python3.12", "bigout.handler"))
        .await;
    for name in ["nodebigout", "pybigout"] {
        let answer = json(&project.invoke(name, r#"{"n": 700000}"#).await);
        assert_eq!(answer, "é".repeat(700_000), "{name}");
    }
    // Between invocations the Node.js bootstrap waits for the next one outside the event loop,
    // as a frozen sandbox would, but only after the loop's turn: what an invocation left queued
    // (a chain of promises) finishes before the next invocation starts, and a timer it set runs
    // during a later one.
    project.write(
        "thaw.js",
        "let fired = 0, chained = false;\n\
         exports.handler = async (event) => {\n\
           if (event.arm) {\n\
             setTimeout(() => { fired += 1; }, 1);\n\
             Promise.resolve().then(() => 0).then(() => 0).then(() => { chained = true; });\n\
             return 'armed';\n\
           }\n\
           const chainedAtStart = chained;\n\
           await new Promise((resolve) => setImmediate(resolve));\n\
           return { fired, chainedAtStart };\n\
         };\n",
    );
    project
        .deploy(function("thaw", "nodejs20.x", "thaw.handler"))
        .await;
    assert_eq!(
        json(&project.invoke("thaw", r#"{"arm": true}"#).await),
        "armed"
    );
    // Back in the idle pool once its bootstrap asked for the next invocation (a loaded machine
    // may take longer than the timer's 1 ms), so the next invoke thaws this same instance.
    assert!(
        eventually(Duration::from_secs(5), || project
            .runtime
            .instances()
            .iter()
            .any(|f| f.function == "thaw" && f.idle.len() == 1))
        .await,
        "the instance did not become idle: {:#?}",
        project.runtime.instances()
    );
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let thawed = project.invoke("thaw", "{}").await;
    assert_eq!(thawed.cold_start, Some(false));
    assert_eq!(
        json(&thawed),
        serde_json::json!({ "fired": 1, "chainedAtStart": true })
    );
    // Python: the first invocation, then those after the bootstrap moved the variable into
    // its own buffer.
    let mut seen = Vec::new();
    for _ in 0..3 {
        let traced = json(&project.invoke("pytrace", "{}").await);
        let trace = traced["trace"].as_str().unwrap().to_owned();
        assert!(trace.starts_with("Root=1-"), "{traced}");
        assert_eq!(traced["getenv"], trace.as_str(), "{traced}");
        assert_eq!(traced["child"], trace.as_str(), "{traced}");
        assert_eq!(traced["region"], "us-east-1", "{traced}");
        assert!(!seen.contains(&trace), "{traced}");
        seen.push(trace);
    }
    let raised = project.invoke("pyraise", "{}").await;
    let error = raised.function_error.as_ref().unwrap();
    assert_eq!(
        (error.error_type.as_str(), error.message.as_str()),
        ("ValueError", "bad value")
    );
    assert!(
        raised
            .log_tail
            .unwrap()
            .contains("[ERROR] ValueError: bad value")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_environment_is_lambdas_plus_the_users() {
    let project = TestProject::new(|_| {});
    project.write("env.js", "exports.handler = async () => process.env;\n");
    project
        .deploy(with_env(
            function("env", "nodejs20.x", "env.handler"),
            "TABLE",
            "orders",
        ))
        .await;
    let env = json(&project.invoke("env", "{}").await);
    let root = project.root().display().to_string();
    for (key, value) in [
        ("AWS_LAMBDA_FUNCTION_NAME", "env"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_nodejs20.x"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/env"),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
        ("_HANDLER", "env.handler"),
        ("LAMBDA_TASK_ROOT", root.as_str()),
        ("TZ", ":UTC"),
        ("TABLE", "orders"),
    ] {
        assert_eq!(env[key], value, "{key}");
    }
    assert!(
        env["AWS_LAMBDA_RUNTIME_API"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:")
    );
    let keys: Vec<&str> = env
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for secret in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        assert!(!keys.contains(&secret), "{secret} leaked");
    }
}

/// Functory's bootstraps reach the Runtime API over pipes they inherit (cheaper than loopback
/// TCP), yet the handler's command line and environment are Lambda's: the pipes' argument is
/// gone before the handler loads, and the TCP address still answers for programs written for
/// Lambda. Python's bootstrap keeps the pipes from the handler's child processes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstraps_use_inherited_pipes_that_handlers_never_see() {
    let project = TestProject::new(|_| {});
    project.write(
        "argv.js",
        "exports.handler = async () => ({ argv: process.argv.slice(2), api: process.env.AWS_LAMBDA_RUNTIME_API, \
         cmdline: require('fs').readFileSync('/proc/self/cmdline', 'latin1').split('\\0') });\n",
    );
    project.write(
        "argv.py",
        "import os, sys\n\ndef handler(event, context):\n    \
         cmdline = open('/proc/self/cmdline', 'rb').read().decode().split('\\0')\n    \
         fds = next(a for a in cmdline if a.startswith('--runtime-api-fds=')).split('=')[1].split(',')\n    \
         return {'argv': sys.argv[1:], 'api': os.environ['AWS_LAMBDA_RUNTIME_API'], 'cmdline': cmdline, \
         'inheritable': [os.get_inheritable(int(fd)) for fd in fds]}\n",
    );
    project
        .deploy(function("nodeargv", "nodejs20.x", "argv.handler"))
        .await;
    project
        .deploy(function("pyargv", "python3.12", "argv.handler"))
        .await;
    for name in ["nodeargv", "pyargv"] {
        let answer = json(&project.invoke(name, "{}").await);
        assert_eq!(answer["argv"], serde_json::json!([]), "{name}: {answer}");
        // The process was started with the descriptor's number: the frames are in use.
        let cmdline: Vec<&str> = answer["cmdline"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a.as_str())
            .collect();
        assert!(
            cmdline.iter().any(|a| a.starts_with("--runtime-api-fds=")),
            "{name}: {answer}"
        );
        // The TCP endpoint Lambda programs use answers too (a GET of an unknown path: 404).
        let address = answer["api"].as_str().unwrap().to_owned();
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        std::io::Write::write_all(
            &mut stream,
            b"GET /2018-06-01/runtime/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
        let mut reply = String::new();
        std::io::Read::read_to_string(&mut stream, &mut reply).unwrap();
        assert!(reply.starts_with("HTTP/1.1 404"), "{name}: {reply}");
        if name == "pyargv" {
            assert_eq!(
                answer["inheritable"],
                serde_json::json!([false, false]),
                "{answer}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_runtime_bootstrap_is_run() {
    let project = TestProject::new(|_| {});
    // A `provided` runtime written against the Runtime API with nothing but Python's stdlib.
    project.write(
        "custom/bootstrap",
        r#"#!/usr/bin/env python3
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
while True:
    with urllib.request.urlopen(api + "/invocation/next") as r:
        request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(r.read())
    body = json.dumps({"custom": True, "got": event, "handler": os.environ["_HANDLER"]}).encode()
    urllib.request.urlopen(urllib.request.Request(api + "/invocation/" + request_id + "/response", data=body, method="POST")).read()
"#,
    );
    use std::os::unix::fs::PermissionsExt;
    let bootstrap = project.root().join("custom/bootstrap");
    std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut custom = function("custom", "provided.al2023", "my.handler");
    custom.code_dir = "custom".into();
    project.deploy(custom).await;
    let result = json(&project.invoke("custom", r#"{"a": 1}"#).await);
    assert_eq!(result["custom"], true);
    assert_eq!(result["got"]["a"], 1);
    assert_eq!(result["handler"], "my.handler");

    let mut missing = function("nobootstrap", "provided.al2", "x");
    missing.code_dir = "custom/..".into();
    project.deploy(missing).await;
    let error = project
        .invoke("nobootstrap", "{}")
        .await
        .function_error
        .unwrap();
    assert_eq!(error.error_type, "Runtime.InvalidEntrypoint");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_instances_are_reaped_and_provisioned_ones_kept_warm() {
    let project = TestProject::new(|s| s.idle_timeout = Duration::from_millis(300));
    project.write("pid.js", NODE_PID);
    project
        .deploy(function("pid", "nodejs20.x", "pid.handler"))
        .await;
    let first = project.invoke("pid", "{}").await;
    let pid = json(&first)["pid"].as_i64().unwrap();
    assert!(
        eventually(Duration::from_secs(3), || project.runtime.instances()[0]
            .idle
            .is_empty())
        .await,
        "the idle instance was not reaped"
    );
    assert!(
        eventually_gone(pid).await,
        "the reaped instance's process lives on"
    );
    assert_eq!(project.invoke("pid", "{}").await.cold_start, Some(true));

    project
        .deploy_with(function("warm", "nodejs20.x", "pid.handler"), |o| {
            o.provisioned_concurrency = 2
        })
        .await;
    let warm_view = || {
        project
            .runtime
            .instances()
            .into_iter()
            .find(|v| v.function == "warm")
            .unwrap()
    };
    assert!(
        eventually(Duration::from_secs(5), || warm_view().idle.len() == 2).await,
        "provisioned instances did not start"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        warm_view().idle.len(),
        2,
        "provisioned instances were reaped"
    );
    let invocation = project.invoke("warm", "{}").await;
    assert_eq!(invocation.cold_start, Some(false));
    assert_eq!(invocation.metrics.unwrap().init_duration_ms, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_a_handler_runs_the_new_code_on_the_next_invoke() {
    let project = TestProject::new(|_| {});
    project.write(
        "v.js",
        "exports.handler = async () => ({ v: 1, pid: process.pid });\n",
    );
    project
        .deploy(function("v", "nodejs20.x", "v.handler"))
        .await;
    let old = project.invoke("v", "{}").await;
    assert_eq!(json(&old)["v"], 1);
    let old_pid = json(&old)["pid"].as_i64().unwrap();
    let saved = Instant::now();
    project.write(
        "v.js",
        "exports.handler = async () => ({ v: 2, pid: process.pid });\n",
    );
    let mut latest = 1;
    while saved.elapsed() < Duration::from_secs(3) {
        latest = json(&project.invoke("v", "{}").await)["v"]
            .as_i64()
            .unwrap();
        if latest == 2 {
            break;
        }
    }
    let reload = saved.elapsed();
    assert_eq!(latest, 2, "the new code never ran");
    assert!(
        reload < Duration::from_secs(1),
        "hot reload took {reload:?}"
    );
    assert!(
        eventually_gone(old_pid).await,
        "the old instance was not retired"
    );
    // A folder created after deploy is watched too.
    std::fs::create_dir(project.root().join("lib")).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = project.runtime.instances()[0].code_generation;
    project.write("lib/helper.js", "module.exports = 3;\n");
    assert!(
        eventually(Duration::from_secs(2), || {
            project.runtime.instances()[0].code_generation > before
        })
        .await,
        "a file in a new folder did not count as a code change"
    );
    // Writes under the data folder (logs) are not code changes.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let generation = project.runtime.instances()[0].code_generation;
    project.invoke("v", "{}").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(project.runtime.instances()[0].code_generation, generation);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_are_durable_and_filterable_by_level() {
    let project = TestProject::new(|_| {});
    project.write(
        "levels.js",
        "exports.handler = async () => { console.info('fine'); console.warn('careful'); console.error('broken\\nsecond line'); return 1; };\n",
    );
    project
        .deploy(function("levels", "nodejs20.x", "levels.handler"))
        .await;
    let invocation = project.invoke("levels", "{}").await;
    let warnings: Vec<String> = project
        .runtime
        .tail_logs(TailOptions {
            filter: LogFilter {
                min_level: Some(functory_adapter::LogLevel::Warn),
                ..LogFilter::default()
            },
            ..TailOptions::new("levels")
        })
        .await
        .unwrap()
        .map(|e| e.unwrap().message)
        .collect()
        .await;
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(warnings[0].ends_with("\tWARN\tcareful"));
    assert!(
        warnings[1].ends_with("\tERROR\tbroken\nsecond line"),
        "{:?}",
        warnings[1]
    );
    assert!(warnings[0].contains(&invocation.request_id));
    // A new runtime on the same folder reads the same log.
    let root = project.root();
    let again =
        functory_local::LocalRuntime::start(functory_local::LocalSettings::for_project(&root))
            .unwrap();
    let stored = again.log_store("levels").unwrap().read_all();
    assert!(
        stored
            .iter()
            .any(|e| e.message.starts_with("REPORT RequestId:"))
    );
    again.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_line_printed_before_answering_is_logged_before_end() {
    let project = TestProject::new(|s| s.queue_wait = Duration::from_secs(60));
    project.write(
        "chatty.js",
        "exports.handler = async (event, context) => { for (let i = 0; i < 200; i++) console.log(`line ${i} of ${context.awsRequestId}`); process.stdout.write(`unfinished ${context.awsRequestId}`); return 1; };\n",
    );
    project
        .deploy_with(function("chatty", "nodejs20.x", "chatty.handler"), |o| {
            o.reserved_concurrency = Some(4)
        })
        .await;
    let runs: Vec<_> = (0..40)
        .map(|_| {
            let runtime = project.runtime.clone();
            tokio::spawn(async move {
                runtime
                    .invoke(InvokeOptions::new("chatty", "{}").with_log_tail())
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut ids = Vec::new();
    for run in runs {
        let invocation = run.await.unwrap();
        let tail = invocation.log_tail.unwrap();
        let own: Vec<&str> = tail
            .lines()
            .filter(|l| l.contains(&format!("of {}", invocation.request_id)))
            .collect();
        assert_eq!(own.len(), 200, "{tail}");
        ids.push(invocation.request_id);
    }
    let events = project.runtime.log_store("chatty").unwrap().read_all();
    for id in ids {
        let mine: Vec<&str> = events
            .iter()
            .filter(|e| e.request_id.as_deref() == Some(id.as_str()))
            .map(|e| e.message.as_str())
            .collect();
        let end = mine.iter().position(|m| m.starts_with("END")).unwrap();
        assert!(mine[0].starts_with("START RequestId:"), "{id}: {mine:#?}");
        assert_eq!(mine.iter().filter(|m| m.starts_with("START")).count(), 1);
        let lines = mine.iter().filter(|m| m.contains("\tINFO\tline ")).count();
        assert_eq!(lines, 200, "{id}: {mine:#?}");
        assert!(
            mine[..end]
                .iter()
                .filter(|m| m.contains("\tINFO\tline "))
                .count()
                == 200,
            "{id}: lines after END"
        );
    }
}

/// The START line is stored once, first, for a silent quick invocation (written with its
/// closing lines) and for a silent slow one (written while it still runs, so a follower sees
/// it start), with the time the invocation started.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_is_stored_first_and_while_a_slow_invocation_runs() {
    let project = TestProject::new(|_| {});
    project.write(
        "quiet.js",
        "exports.handler = async (event) => { await new Promise((r) => setTimeout(r, event.ms)); return 1; };\n",
    );
    project
        .deploy(function("quiet", "nodejs20.x", "quiet.handler"))
        .await;
    let store = project.runtime.log_store("quiet").unwrap();
    let of = |id: &str| -> Vec<functory_adapter::LogEvent> {
        store
            .read_all()
            .into_iter()
            .filter(|e| e.request_id.as_deref() == Some(id))
            .collect()
    };
    let quick = project.invoke("quiet", r#"{"ms": 0}"#).await;
    let lines: Vec<String> = of(&quick.request_id)
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(lines[0].starts_with("START RequestId:"), "{lines:#?}");
    assert!(lines[1].starts_with("END RequestId:"), "{lines:#?}");
    assert!(lines[2].starts_with("REPORT RequestId:"), "{lines:#?}");

    let runtime = project.runtime.clone();
    let before = chrono::Utc::now().timestamp_millis();
    let slow = tokio::spawn(async move {
        runtime
            .invoke(InvokeOptions::new("quiet", r#"{"ms": 1500}"#))
            .await
            .unwrap()
    });
    let started = eventually(Duration::from_millis(1200), || {
        store
            .read_all()
            .iter()
            .any(|e| e.timestamp_ms >= before && e.message.starts_with("START RequestId:"))
    })
    .await;
    assert!(
        !slow.is_finished(),
        "the slow invocation ended too soon to tell"
    );
    assert!(started, "no START line while the invocation ran");
    let slow = slow.await.unwrap();
    let events = of(&slow.request_id);
    let messages: Vec<&str> = events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(messages[0].starts_with("START RequestId:"), "{messages:#?}");
    // START keeps the time the invocation started, not the time it was written.
    assert!(
        events[2].timestamp_ms - events[0].timestamp_ms >= 1400,
        "{events:#?}"
    );
}

/// "Max Memory Used" is the instance's peak, as Lambda reports it: it rises with what a handler
/// allocated, and stays there when a later invocation is small. Functory's bootstraps say their
/// own peak with each answer, so both runtimes are checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_memory_used_is_the_instance_peak_for_node_and_python() {
    let project = TestProject::new(|_| {});
    project.write(
        "grow.js",
        r#"
exports.handler = async (event) => {
  if (!event.megabytes) return "small";
  const block = Buffer.alloc(event.megabytes * 1024 * 1024, 7);
  return block[block.length - 1];
};
"#,
    );
    project.write(
        "grow.py",
        "def handler(event, context):\n    if not event.get('megabytes'):\n        return 'small'\n    block = bytearray(b'\\x07' * (event['megabytes'] * 1024 * 1024))\n    return block[-1]\n",
    );
    for (name, runtime) in [("nodegrow", "nodejs20.x"), ("pygrow", "python3.12")] {
        let mut grow = function(name, runtime, "grow.handler");
        grow.memory_mb = 512;
        project.deploy(grow).await;
        let used = |invocation: &functory_adapter::Invocation| {
            invocation.metrics.as_ref().unwrap().max_memory_used_mb
        };
        let before = project.invoke(name, "{}").await;
        assert_eq!(json(&before), "small", "{name}");
        let grown = project.invoke(name, r#"{"megabytes": 120}"#).await;
        assert_eq!(json(&grown), 7, "{name}: {grown:?}");
        assert!(
            used(&grown) >= used(&before) + 100,
            "{name}: {} MB after 120 MB, {} MB before",
            used(&grown),
            used(&before)
        );
        assert!(used(&grown) < 512, "{name}: {} MB", used(&grown));
        // The block is garbage now; the peak stays.
        let after = project.invoke(name, "{}").await;
        assert!(
            used(&after) >= used(&grown),
            "{name}: {} MB, then {} MB",
            used(&grown),
            used(&after)
        );
    }
}

/// The functions of a project share its code folder, whose digest is read once for all of
/// them while the code watcher runs, and read again after a file in it changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_sharing_a_folder_report_its_digest_as_the_code_is_now() {
    let project = TestProject::new(|_| {});
    project.write("a.js", "exports.handler = async () => 1;\n");
    let deploy = |name: &'static str| {
        let options = functory_adapter::DeployOptions::new(
            project.root(),
            function(name, "nodejs20.x", "a.handler"),
        );
        let runtime = &project.runtime;
        async move { runtime.deploy(options).await.unwrap().code_sha256 }
    };
    let first = deploy("one").await;
    assert_eq!(deploy("two").await, first, "one folder, one digest");
    let before = project.runtime.instances()[0].code_generation;
    project.write("a.js", "exports.handler = async () => 2;\n");
    assert!(
        eventually(Duration::from_secs(2), || {
            project.runtime.instances()[0].code_generation > before
        })
        .await,
        "the watcher saw no change"
    );
    let after = deploy("three").await;
    assert_ne!(after, first, "the digest after a change is the old one");
    assert_eq!(deploy("one").await, after);
}
