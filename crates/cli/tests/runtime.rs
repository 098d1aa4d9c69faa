//! `functory run`, `invoke` and `logs` as a user runs them.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const MANIFEST: &str = r#"
[project]
name = "cli-runtime"

[targets.local]
adapter = "local"

[targets.prod]
adapter = "aws"
region = "eu-west-1"

[functions.hello]
runtime = "nodejs20.x"
handler = "hello.handler"

[[functions.hello.triggers]]
kind = "http"
method = "GET"
path = "/hello/{name}"

[functions.broken]
runtime = "python3.11"
handler = "missing.handler"

[functions.crashes]
runtime = "python3.11"
handler = "crashes.handler"
"#;

const HELLO: &str = r#"
exports.handler = async (event) => {
  console.log("hello handler ran for", event.pathParameters ? event.pathParameters.name : event.who);
  return { greeting: `hello ${event.pathParameters ? event.pathParameters.name : event.who}`, secret: process.env.AWS_SECRET_ACCESS_KEY ?? "absent" };
};
"#;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("functory.toml"), MANIFEST).unwrap();
    std::fs::write(dir.path().join("hello.js"), HELLO).unwrap();
    std::fs::write(
        dir.path().join("crashes.py"),
        "import nowhere\n\ndef handler(event, context):\n    return 1\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("event.json"), r#"{"who": "cli"}"#).unwrap();
    std::fs::write(dir.path().join("bad.json"), "{who: cli}").unwrap();
    dir
}

fn functory(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_functory"))
        .args(args)
        .current_dir(cwd)
        .env("AWS_SECRET_ACCESS_KEY", "do-not-leak")
        .env("AWS_ACCESS_KEY_ID", "AKIADONOTLEAK")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn invoke_prints_the_response_and_the_log_lines_without_leaking_credentials() {
    let dir = project();
    let output = functory(&["invoke", "hello", "--event", "event.json"], dir.path());
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let response: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(response["greeting"], "hello cli");
    assert_eq!(
        response["secret"], "absent",
        "the caller's credentials reached the function"
    );
    assert!(stderr.contains("START RequestId: "), "{stderr}");
    assert!(
        stderr.contains("\tINFO\thello handler ran for cli"),
        "{stderr}"
    );
    assert!(stderr.contains("REPORT RequestId: "), "{stderr}");
    assert!(stderr.contains("cold start (init "), "{stderr}");

    let json = functory(&["invoke", "hello", "--json"], dir.path());
    assert!(json.status.success());
    let view: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(view["payload"]["greeting"], "hello undefined");
    assert_eq!(view["coldStart"], true);
    assert!(view["metrics"]["billedDurationMs"].as_u64().unwrap() >= 1);
}

#[test]
fn invoke_reports_bad_input_clearly() {
    let dir = project();
    // A handler file that is not there is a manifest error, named with its place, and the
    // function is not started.
    let broken = functory(&["invoke", "broken"], dir.path());
    assert_eq!(broken.status.code(), Some(1));
    let stderr = text(&broken.stderr);
    assert!(
        stderr.contains("`broken` does not run while functory.toml has errors in it:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("functory.toml:23:11: error: handler file not found: looked for missing.py [functions.broken.handler]"),
        "{stderr}"
    );
    // A handler that is there but fails to import fails as Lambda fails it.
    let crashes = functory(&["invoke", "crashes"], dir.path());
    assert_eq!(crashes.status.code(), Some(1));
    let stderr = text(&crashes.stderr);
    assert!(
        stderr.contains("functory: the function failed: Runtime.ImportModuleError: Unable to import module 'crashes': No module named 'nowhere'"),
        "{stderr}"
    );
    for (args, expected) in [
        (
            vec!["invoke", "hello", "--event", "bad.json"],
            "is not valid JSON",
        ),
        (
            vec!["invoke", "hello", "--event", "nope.json"],
            "cannot read nope.json",
        ),
        (
            vec!["invoke", "nobody"],
            "no function `nobody` in functory.toml; functions: hello, broken, crashes",
        ),
        (
            vec!["invoke", "hello", "--target", "prod"],
            "target `prod` deploys to AWS Lambda",
        ),
        (
            vec!["invoke", "hello", "--target", "staging"],
            "no target `staging`",
        ),
    ] {
        let output = functory(&args, dir.path());
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(
            text(&output.stderr).contains(expected),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
}

#[test]
fn logs_shows_stored_lines_with_filters() {
    let dir = project();
    let first = functory(
        &["invoke", "hello", "--event", "event.json", "--json"],
        dir.path(),
    );
    let request_id =
        serde_json::from_slice::<serde_json::Value>(&first.stdout).unwrap()["requestId"]
            .as_str()
            .unwrap()
            .to_owned();
    functory(&["invoke", "hello"], dir.path());
    let all = text(&functory(&["logs", "hello"], dir.path()).stdout);
    assert_eq!(all.matches("START RequestId:").count(), 2, "{all}");
    let filtered =
        text(&functory(&["logs", "hello", "--filter", "ran for cli"], dir.path()).stdout);
    assert_eq!(filtered.lines().count(), 1, "{filtered}");
    let one = text(&functory(&["logs", "hello", "--request-id", &request_id], dir.path()).stdout);
    assert!(one.lines().all(|l| l.contains(&request_id)), "{one}");
    assert_eq!(
        one.lines().count(),
        4,
        "START, the handler's line, END, REPORT: {one}"
    );
    let last = text(&functory(&["logs", "hello", "--last", "1"], dir.path()).stdout);
    assert!(last.trim().contains(" REPORT RequestId:"), "{last}");
    let unknown = functory(&["logs", "ghost"], dir.path());
    assert_eq!(unknown.status.code(), Some(1));
    let level = functory(&["logs", "hello", "--level", "loud"], dir.path());
    assert!(text(&level.stderr).contains("unknown level `loud`"));
}

fn bootstrap_processes_in(dir: &Path) -> usize {
    let needle = dir.canonicalize().unwrap().display().to_string();
    let mut count = 0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if entry.file_name().to_string_lossy().parse::<u32>().is_err() {
            continue;
        }
        if let Ok(environ) = std::fs::read(entry.path().join("environ"))
            && String::from_utf8_lossy(&environ).contains(&format!("LAMBDA_TASK_ROOT={needle}"))
        {
            count += 1;
        }
    }
    count
}

#[test]
fn run_serves_http_until_terminated_and_leaves_nothing_behind() {
    let dir = project();
    let mut child = Command::new(env!("CARGO_BIN_EXE_functory"))
        .args(["run", "--port", "0"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    stdout.read_line(&mut banner).unwrap();
    assert!(
        banner.starts_with("functory: serving cli-runtime at http://127.0.0.1:"),
        "{banner}"
    );
    let base = banner
        .trim()
        .split(" at ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_owned();
    let mut route = String::new();
    stdout.read_line(&mut route).unwrap();
    assert!(
        route.contains(&format!("{base}/hello/{{name}}  -> hello")),
        "{route}"
    );

    let address = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET /hello/world HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""greeting":"hello world""#), "{answer}");
    assert_eq!(
        bootstrap_processes_in(dir.path()),
        1,
        "one warm instance while running"
    );

    // The handler's log lines are printed as they happen.
    let started = Instant::now();
    let mut seen = false;
    let mut line = String::new();
    while started.elapsed() < Duration::from_secs(10) {
        line.clear();
        if stdout.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if line.starts_with("[hello] ") && line.contains("hello handler ran for world") {
            seen = true;
            break;
        }
    }
    assert!(seen, "the log line was not printed");

    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("functory: stopped"), "{rest}");
    let started = Instant::now();
    while bootstrap_processes_in(dir.path()) > 0 && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        bootstrap_processes_in(dir.path()),
        0,
        "instances outlived `functory run`"
    );
}

#[test]
fn run_on_a_busy_port_fails_clearly() {
    let dir = project();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = functory(&["run", "--port", &port], dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains(&format!("port {port} is already in use")),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(bootstrap_processes_in(dir.path()), 0);
}

#[test]
fn logs_follow_prints_new_lines_as_they_are_written() {
    let dir = project();
    functory(&["invoke", "hello"], dir.path());
    let mut follower = Command::new(env!("CARGO_BIN_EXE_functory"))
        .args(["logs", "hello", "--follow", "--filter", "ran for follow"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::fs::write(dir.path().join("follow.json"), r#"{"who": "follow"}"#).unwrap();
    let invoked = functory(&["invoke", "hello", "--event", "follow.json"], dir.path());
    assert!(invoked.status.success());
    let mut stdout = BufReader::new(follower.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.contains("hello handler ran for follow"), "{line}");
    kill(Pid::from_raw(follower.id() as i32), Signal::SIGTERM).unwrap();
    assert!(follower.wait().unwrap().success());
}

/// `functory invoke` runs a runtime on an interpreter of its own version when `PATH` has one
/// (here a `python3.14` script that marks its environment and execs this machine's Python),
/// and otherwise on the machine's interpreter, saying which version ran; `functory logs`
/// shows the same in the INIT_START line.
#[cfg(unix)]
#[test]
fn invoke_runs_the_declared_version_when_installed_and_says_what_ran_when_not() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("functory.toml"),
        "[project]\nname = \"versions\"\n\n[targets.local]\nadapter = \"local\"\n\n[functions.py]\nruntime = \"python3.14\"\nhandler = \"app.handler\"\n\n[functions.js]\nruntime = \"nodejs24.x\"\nhandler = \"index.handler\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app.py"),
        "import os\n\ndef handler(event, context):\n    return {\"fake\": os.environ.get(\"RAN_THROUGH_FAKE\")}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("index.js"),
        "exports.handler = async () => ({ node: process.versions.node });\n",
    )
    .unwrap();
    let bin = tempfile::tempdir().unwrap();
    let fake = bin.path().join("python3.14");
    std::fs::write(
        &fake,
        "#!/bin/sh\nRAN_THROUGH_FAKE=yes exec python3 \"$@\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin.path().to_owned())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_functory"))
            .args(args)
            .current_dir(dir.path())
            .env("PATH", &path)
            .output()
            .unwrap()
    };

    let py = run(&["invoke", "py", "--json"]);
    assert!(py.status.success(), "{}", text(&py.stderr));
    let view: serde_json::Value = serde_json::from_slice(&py.stdout).unwrap();
    assert_eq!(view["payload"]["fake"], "yes", "{view}");
    let notice = view["interpreter"].as_str().unwrap();
    assert!(
        notice.starts_with("python3.14 ran on Python 3.")
            && notice.contains(&format!("({})", fake.display())),
        "{notice}"
    );

    let js = run(&["invoke", "js"]);
    let stderr = text(&js.stderr);
    assert!(js.status.success(), "{stderr}");
    let machine = text(
        &Command::new("node")
            .arg("--version")
            .output()
            .unwrap()
            .stdout,
    )
    .trim()
    .trim_start_matches('v')
    .to_owned();
    assert!(
        stderr.contains(&format!(
            "functory: nodejs24.x ran on Node.js {machine} (node): no Node.js 24 found"
        )),
        "{stderr}"
    );
    let logs = run(&["logs", "js"]);
    let logs = text(&logs.stdout);
    assert!(
        logs.lines()
            .any(|l| l.contains("INIT_START Runtime Version: nodejs24.x")
                && l.ends_with(&format!("Interpreter: Node.js {machine} (node), not 24"))),
        "{logs}"
    );
}

/// The pids of `parent`'s children whose command line contains `needle`.
fn children_running(parent: u32, needle: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let after_name = &stat[stat.rfind(')').map_or(0, |i| i + 2)..];
        let ppid = after_name
            .split(' ')
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if ppid == Some(parent) && String::from_utf8_lossy(&cmdline).contains(needle) {
            found.push(pid);
        }
    }
    found
}

fn alive(pid: u32) -> bool {
    // A zombie has exited; only its entry is left until it is reaped.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| !stat[stat.rfind(')').map_or(0, |i| i + 2)..].starts_with('Z'))
}

/// Terminated while it starts the local AWS services (which take a moment), `functory run`
/// stops them too: they are in a process group of their own, so nothing else would.
#[test]
fn run_terminated_while_starting_stops_the_local_aws_services() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("functory.toml"),
        "[project]\nname = \"stopped-early\"\n\n[resources.jobs]\nkind = \"queue\"\n\n\
         [functions.hello]\nruntime = \"nodejs20.x\"\nhandler = \"hello.handler\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("hello.js"), HELLO).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_functory"))
        .args(["run", "--port", "0", "--quiet"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let services = loop {
        let found = children_running(child.id(), "ministack");
        if let Some(pid) = found.first() {
            break *pid;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the local AWS services were not started (is MiniStack installed? bash scripts/local-aws.sh)"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "functory run ended before starting them"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = text(&output.stderr);
    let stdout = text(&output.stdout);
    // Most often still starting; if the start won the race, it stopped as a started run does.
    assert!(
        (output.status.code() == Some(1) && stderr.contains("functory: stopped while starting"))
            || (output.status.success() && stdout.contains("functory: stopped")),
        "{:?}\n{stdout}\n{stderr}",
        output.status
    );
    let waited = Instant::now();
    while alive(services) && waited.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !alive(services),
        "MiniStack (pid {services}) outlived `functory run`"
    );
}
