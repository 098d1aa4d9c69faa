//! Compatibility proofs: programs nobody here wrote, unchanged, run against the local
//! runtime's Lambda Runtime API — the official runtime interface clients `awslambdaric` (PyPI)
//! and `aws-lambda-ric` 3.x (npm), and a Rust function built with the `lambda_runtime` crate.
//!
//! The first run installs them (a Python venv, an npm folder with a native build, a cargo
//! build) into the target directory's scratch space; later runs reuse them. That needs PyPI,
//! npm and crates.io, and for `aws-lambda-ric` the Debian packages `cmake autoconf automake
//! libtool g++` and Node's headers (installed with the `nodejs` package under /usr/include/node).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use common::*;
use functory_core::Function;

/// Installs run one at a time even when the tests run in parallel.
static INSTALL: Mutex<()> = Mutex::new(());

fn cache() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("functory-compat");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(command: &mut Command, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A venv with `awslambdaric`; returns its python.
fn python_ric() -> PathBuf {
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let venv = cache().join("python-ric");
    let python = venv.join("bin/python");
    let ready = venv.join(".installed");
    if !ready.exists() {
        run(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "python3 -m venv",
        );
        run(
            Command::new(venv.join("bin/pip")).args(["install", "-q", "awslambdaric"]),
            "pip install awslambdaric",
        );
        std::fs::write(&ready, "").unwrap();
    }
    python
}

/// An npm folder with `aws-lambda-ric` 3.x; returns its entry script.
fn node_ric() -> PathBuf {
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let folder = cache().join("node-ric");
    let ready = folder.join(".installed");
    std::fs::create_dir_all(&folder).unwrap();
    if !ready.exists() {
        // npm 11 runs a dependency's install scripts (here: the native build) only when the
        // project allows them.
        std::fs::write(
            folder.join("package.json"),
            r#"{"private": true, "allowScripts": {"aws-lambda-ric": true}}"#,
        )
        .unwrap();
        let mut npm = Command::new("npm");
        npm.args(["install", "--no-audit", "--no-fund", "aws-lambda-ric@3"])
            .current_dir(&folder);
        // node-gyp fetches Node's headers from nodejs.org unless told where they are; Debian's
        // and NodeSource's `nodejs` install them under /usr/include/node, and this machine
        // reaches package registries only.
        if Path::new("/usr/include/node/common.gypi").exists() {
            npm.env("npm_config_nodedir", "/usr");
        }
        run(
            &mut npm,
            "npm install aws-lambda-ric@3 (needs cmake autoconf automake libtool g++)",
        );
        std::fs::write(&ready, "").unwrap();
    }
    folder.join("node_modules/aws-lambda-ric/bin/index.mjs")
}

/// The `lambda_runtime` function, built; returns the binary.
fn rust_bootstrap() -> PathBuf {
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("compat/rust-function/Cargo.toml");
    let target = cache().join("rust-function");
    run(
        Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--manifest-path"])
            .arg(&manifest)
            .arg("--target-dir")
            .arg(&target),
        "cargo build of the lambda_runtime function",
    );
    target.join("debug/bootstrap")
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn custom(name: &str, code_dir: &str, handler: &str) -> Function {
    let mut f = function(name, "provided.al2023", handler);
    f.code_dir = code_dir.into();
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awslambdaric_from_pypi_runs_unchanged() {
    let python = tokio::task::spawn_blocking(python_ric).await.unwrap();
    let project = TestProject::new(|_| {});
    project.write(
        "py/app.py",
        "def handler(event, context):\n    print('ric python saw', event)\n    if event.get('fail'):\n        raise KeyError('missing thing')\n    return {'ric': 'python', 'echo': event, 'requestId': context.aws_request_id, 'remaining': context.get_remaining_time_in_millis()}\n",
    );
    project.write(
        "py/bootstrap",
        &format!(
            "#!/bin/sh\nexec '{}' -m awslambdaric \"$_HANDLER\"\n",
            python.display()
        ),
    );
    make_executable(&project.root().join("py/bootstrap"));
    project
        .deploy(custom("ric-python", "py", "app.handler"))
        .await;
    let ok = project.invoke("ric-python", r#"{"n": 1}"#).await;
    assert_eq!(ok.function_error, None, "{ok:?}");
    let result = json(&ok);
    assert_eq!(result["ric"], "python");
    assert_eq!(result["echo"]["n"], 1);
    assert_eq!(result["requestId"], ok.request_id.as_str());
    assert!(result["remaining"].as_i64().unwrap() > 5_000);
    assert!(
        ok.log_tail.as_ref().unwrap().contains("ric python saw"),
        "{:?}",
        ok.log_tail
    );
    let warm = project.invoke("ric-python", r#"{"fail": true}"#).await;
    assert_eq!(warm.cold_start, Some(false));
    let error = warm.function_error.unwrap();
    assert_eq!(error.error_type, "KeyError", "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_lambda_ric_from_npm_runs_unchanged() {
    let entry = tokio::task::spawn_blocking(node_ric).await.unwrap();
    assert!(entry.exists(), "{} is missing", entry.display());
    let project = TestProject::new(|_| {});
    project.write(
        "js/app.js",
        "exports.handler = async (event, context) => { console.log('ric node saw', JSON.stringify(event)); if (event.fail) throw new SyntaxError('bad syntax on purpose'); return { ric: 'node', echo: event, requestId: context.awsRequestId, remaining: context.getRemainingTimeInMillis() }; };\n",
    );
    project.write(
        "js/bootstrap",
        &format!("#!/bin/sh\nexec node '{}' \"$_HANDLER\"\n", entry.display()),
    );
    make_executable(&project.root().join("js/bootstrap"));
    project
        .deploy(custom("ric-node", "js", "app.handler"))
        .await;
    let ok = project.invoke("ric-node", r#"{"n": 2}"#).await;
    assert_eq!(ok.function_error, None, "{ok:?}");
    let result = json(&ok);
    assert_eq!(result["ric"], "node");
    assert_eq!(result["echo"]["n"], 2);
    assert_eq!(result["requestId"], ok.request_id.as_str());
    assert!(result["remaining"].as_i64().unwrap() > 5_000);
    assert!(
        ok.log_tail.as_ref().unwrap().contains("ric node saw"),
        "{:?}",
        ok.log_tail
    );
    let failed = project.invoke("ric-node", r#"{"fail": true}"#).await;
    assert_eq!(failed.cold_start, Some(false));
    assert_eq!(failed.function_error.unwrap().error_type, "SyntaxError");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lambda_runtime_rust_function_runs_unchanged() {
    let binary = tokio::task::spawn_blocking(rust_bootstrap).await.unwrap();
    let project = TestProject::new(|_| {});
    std::fs::create_dir_all(project.root().join("rs")).unwrap();
    std::fs::copy(&binary, project.root().join("rs/bootstrap")).unwrap();
    project.deploy(custom("rust-fn", "rs", "bootstrap")).await;
    let ok = project.invoke("rust-fn", r#"{"n": 3}"#).await;
    assert_eq!(ok.function_error, None, "{ok:?}");
    let result = json(&ok);
    assert_eq!(result["runtime"], "rust");
    assert_eq!(result["echo"]["n"], 3);
    assert_eq!(result["requestId"], ok.request_id.as_str());
    assert_eq!(
        result["arn"],
        "arn:aws:lambda:us-east-1:123456789012:function:rust-fn"
    );
    assert!(result["deadlineMs"].as_u64().unwrap() > 1_700_000_000_000);
    let failed = project.invoke("rust-fn", r#"{"fail": true}"#).await;
    let error = failed.function_error.unwrap();
    assert!(error.message.contains("asked to fail"), "{error:?}");
    assert_eq!(failed.cold_start, Some(false));
}
