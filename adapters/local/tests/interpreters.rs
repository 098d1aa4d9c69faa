//! The local runtime runs an interpreter of the declared runtime's version when the machine
//! has one, and otherwise says which version ran, in the INIT_START line and in every invoke
//! result. This machine has Node.js 20 and Python 3.11: a `python3.14` found on the search
//! path is a script that marks its environment and execs the real `python3`, which proves the
//! selection; `nodejs24.x` runs on the real `node`, which proves the notice.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::*;

/// The version `program --version` prints, without a leading `v` or `Python `.
fn version(program: &str) -> String {
    let output = Command::new(program).arg("--version").output().unwrap();
    let text = String::from_utf8_lossy(&[output.stdout, output.stderr].concat()).into_owned();
    text.split_whitespace()
        .last()
        .unwrap()
        .trim_start_matches('v')
        .to_owned()
}

fn init_start(project: &TestProject, function: &str) -> String {
    project
        .runtime
        .log_store(function)
        .unwrap()
        .read_all()
        .into_iter()
        .map(|e| e.message)
        .find(|m| m.starts_with("INIT_START"))
        .unwrap_or_else(|| panic!("no INIT_START for {function}"))
}

const PY_HANDLER: &str = r#"
import os, sys

def handler(event, context):
    return {"mark": os.environ.get("RAN_THROUGH_FAKE"), "version": sys.version.split()[0]}
"#;

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python3_14_on_the_search_path_runs_python3_14_functions() {
    use std::os::unix::fs::PermissionsExt;
    let bin = tempfile::tempdir().unwrap();
    let fake = bin.path().join("python3.14");
    std::fs::write(
        &fake,
        "#!/bin/sh\nRAN_THROUGH_FAKE=yes exec python3 \"$@\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let search = bin.path().as_os_str().to_owned();
    let project = TestProject::new(move |settings| settings.search_path = Some(search));
    project.write("app.py", PY_HANDLER);
    project
        .deploy(function("new", "python3.14", "app.handler"))
        .await;

    let invocation = project.invoke("new", "{}").await;
    let body = json(&invocation);
    assert_eq!(body["mark"], "yes", "the fake python3.14 ran: {body}");
    let real = version("python3");
    assert_eq!(body["version"], real.as_str());
    // It reports the real Python's version, so the notice names it and the program.
    let notice = invocation.interpreter.clone().expect("a notice");
    assert_eq!(
        notice,
        format!(
            "python3.14 ran on Python {real} ({}): no Python 3.14 found (python3.14 on PATH, or set FUNCTORY_PYTHON_3_14)",
            fake.display()
        )
    );
    assert!(
        init_start(&project, "new").ends_with(&format!(
            " Interpreter: Python {real} ({}), not 3.14",
            fake.display()
        )),
        "{}",
        init_start(&project, "new")
    );
    // A warm invoke says it too.
    let warm = project.invoke("new", "{}").await;
    assert_eq!(warm.cold_start, Some(false));
    assert_eq!(warm.interpreter.as_deref(), Some(notice.as_str()));
}

const NODE_HANDLER: &str = r#"
exports.handler = async () => ({ version: process.versions.node });
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodejs24_without_node24_runs_on_the_machine_s_node_and_says_so() {
    let project = TestProject::new(|settings| {
        // No versioned interpreters anywhere: only the machine's `node`.
        settings.search_path = Some(std::ffi::OsString::new());
    });
    project.write("index.js", NODE_HANDLER);
    let machine = version("node");
    let major = machine.split('.').next().unwrap().to_owned();
    assert_ne!(
        major, "24",
        "this machine has Node.js 24: the test needs another"
    );
    project
        .deploy(function("newest", "nodejs24.x", "index.handler"))
        .await;
    project
        .deploy(function(
            "own",
            &format!("nodejs{major}.x"),
            "index.handler",
        ))
        .await;

    let newest = project.invoke("newest", "{}").await;
    assert_eq!(json(&newest)["version"], machine.as_str());
    assert_eq!(
        newest.interpreter.as_deref(),
        Some(
            format!(
                "nodejs24.x ran on Node.js {machine} (node): no Node.js 24 found (node24 or node-24 on PATH, or set FUNCTORY_NODE_24)"
            )
            .as_str()
        )
    );
    let line = init_start(&project, "newest");
    assert_eq!(
        line,
        format!(
            "INIT_START Runtime Version: nodejs24.x Instance: {} Interpreter: Node.js {machine} (node), not 24",
            instance_of(&line)
        )
    );

    // The machine's own version: nothing to say.
    let own = project.invoke("own", "{}").await;
    assert_eq!(own.interpreter, None);
    let line = init_start(&project, "own");
    assert!(
        line.starts_with(&format!(
            "INIT_START Runtime Version: nodejs{major}.x Instance: "
        )) && !line.contains("Interpreter"),
        "{line}"
    );
}

fn instance_of(line: &str) -> String {
    line.split("Instance: ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// A configured interpreter (`FUNCTORY_NODE_24` fills the same setting) runs the function.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_interpreter_runs_its_runtime() {
    let node = which("node");
    let configured = node.clone();
    let project = TestProject::new(move |settings| {
        settings.search_path = Some(std::ffi::OsString::new());
        settings.node = "no-such-node".into();
        settings
            .interpreters
            .insert("nodejs24.x".into(), configured);
    });
    project.write("index.js", NODE_HANDLER);
    project
        .deploy(function("configured", "nodejs24.x", "index.handler"))
        .await;
    let invocation = project.invoke("configured", "{}").await;
    assert_eq!(invocation.function_error, None, "{invocation:?}");
    assert!(
        invocation
            .interpreter
            .as_deref()
            .is_some_and(|n| n.contains(&format!(
                "({}): the configured FUNCTORY_NODE_24 is Node.js",
                node.display()
            ))),
        "{:?}",
        invocation.interpreter
    );
}

fn which(name: &str) -> std::path::PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is not on PATH"))
}
