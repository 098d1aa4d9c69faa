//! The small programs that run handlers inside an instance — the Node.js and Python bootstraps
//! are embedded in the binary and written to the data folder — and the command line and
//! environment each runtime family starts with.

use std::path::{Path, PathBuf};

use functory_core::RuntimeFamily;

use crate::instance::Launch;
use crate::interpreter::Interpreter;
use crate::settings::LocalSettings;
use crate::spec::FunctionSpec;

const NODE_BOOTSTRAP: &str = include_str!("../bootstrap/node-bootstrap.mjs");
const PYTHON_BOOTSTRAP: &str = include_str!("../bootstrap/python-bootstrap.py");
const NODE_FILE: &str = "node-bootstrap.mjs";
const PYTHON_FILE: &str = "python-bootstrap.py";

/// Variables copied from our own environment so runtimes find their tools; everything else
/// (cloud credentials above all) stays out unless the deploy asked for it.
const INHERITED: &[&str] = &["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER"];
const CREDENTIALS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
];

/// Writes the bootstraps into `dir` (rewriting them only when they changed).
pub(crate) fn install(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in [(NODE_FILE, NODE_BOOTSTRAP), (PYTHON_FILE, PYTHON_BOOTSTRAP)] {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            let temporary = dir.join(format!(".{name}.tmp"));
            std::fs::write(&temporary, text)?;
            std::fs::rename(&temporary, &path)?;
        }
    }
    Ok(())
}

/// How an instance of `spec` starts, without the Runtime API address (the instance adds it).
pub(crate) fn launch(
    spec: &FunctionSpec,
    interpreter: &Interpreter,
    settings: &LocalSettings,
    runtime_dir: &Path,
    instance_id: u64,
    provisioned: bool,
) -> Launch {
    let (program, args): (PathBuf, Vec<String>) = match spec.family {
        RuntimeFamily::Node => (
            interpreter.program.clone(),
            vec![runtime_dir.join(NODE_FILE).display().to_string()],
        ),
        RuntimeFamily::Python => (
            interpreter.program.clone(),
            vec![
                "-u".to_owned(),
                runtime_dir.join(PYTHON_FILE).display().to_string(),
            ],
        ),
        RuntimeFamily::Provided => (spec.task_root.join("bootstrap"), Vec::new()),
    };
    Launch {
        program,
        args,
        working_dir: spec.task_root.clone(),
        environment: environment(spec, settings, runtime_dir, instance_id, provisioned),
        frames: settings.bootstrap_frames && spec.family != RuntimeFamily::Provided,
    }
}

fn environment(
    spec: &FunctionSpec,
    settings: &LocalSettings,
    runtime_dir: &Path,
    instance_id: u64,
    provisioned: bool,
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = Vec::new();
    let mut set = |key: &str, value: String| env.push((key.to_owned(), value));
    for key in INHERITED {
        if let Ok(value) = std::env::var(key) {
            set(key, value);
        }
    }
    if spec.pass_credentials {
        for key in CREDENTIALS {
            if let Ok(value) = std::env::var(key) {
                set(key, value);
            }
        }
    }
    let date = chrono::Utc::now().format("%Y/%m/%d");
    set("TZ", ":UTC".to_owned());
    set("AWS_REGION", settings.region.clone());
    set("AWS_DEFAULT_REGION", settings.region.clone());
    set("AWS_LAMBDA_FUNCTION_NAME", spec.name.clone());
    set(
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        spec.memory_mb.to_string(),
    );
    set("AWS_LAMBDA_FUNCTION_VERSION", spec.version.clone());
    set(
        "AWS_LAMBDA_LOG_GROUP_NAME",
        format!("/aws/lambda/{}", spec.name),
    );
    set(
        "AWS_LAMBDA_LOG_STREAM_NAME",
        format!("{date}/[{}]{instance_id:032x}", spec.version),
    );
    set(
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        if provisioned {
            "provisioned-concurrency"
        } else {
            "on-demand"
        }
        .to_owned(),
    );
    if spec.family != RuntimeFamily::Provided {
        set("AWS_EXECUTION_ENV", format!("AWS_Lambda_{}", spec.runtime));
    }
    set("_HANDLER", spec.handler.clone());
    set("LAMBDA_TASK_ROOT", spec.task_root.display().to_string());
    set("LAMBDA_RUNTIME_DIR", runtime_dir.display().to_string());
    if spec.family == RuntimeFamily::Python {
        set("PYTHONUNBUFFERED", "1".to_owned());
        set("PYTHONDONTWRITEBYTECODE", "1".to_owned());
    }
    // The SDK Lambda provides, after the function's own packages as on Lambda (the task root
    // comes first on the module path, so a bundled SDK wins).
    let sdks = &settings.lambda_sdks;
    match spec.family {
        RuntimeFamily::Python => {
            if let Some(python) = &sdks.python {
                set("PYTHONPATH", python.display().to_string());
            }
        }
        RuntimeFamily::Node => {
            if let Some(node_modules) = &sdks.node_modules {
                // `require` reads NODE_PATH; ES module imports do not, so the bootstrap adds a
                // resolve hook that falls back to the same folder.
                set("NODE_PATH", node_modules.display().to_string());
                set(
                    "FUNCTORY_SDK_NODE_MODULES",
                    node_modules.display().to_string(),
                );
            }
        }
        RuntimeFamily::Provided => {}
    }
    if let Some(aws) = &settings.aws {
        // The local AWS services, with the function's own keys; the user's cloud credentials
        // never reach a handler that talks to them.
        env.retain(|(key, _)| !CREDENTIALS.contains(&key.as_str()));
        env.push(("AWS_ENDPOINT_URL".to_owned(), aws.endpoint.clone()));
        // Lambda calls (a handler invoking another function) go to the run's own Invoke API.
        if let Some(lambda) = settings.lambda_api.get() {
            env.push(("AWS_ENDPOINT_URL_LAMBDA".to_owned(), lambda.clone()));
        }
        if let Some((key_id, secret)) = aws.keys_for(&spec.name) {
            env.push(("AWS_ACCESS_KEY_ID".to_owned(), key_id.clone()));
            env.push(("AWS_SECRET_ACCESS_KEY".to_owned(), secret.clone()));
        }
    }
    let mut set = |key: &str, value: String| env.push((key.to_owned(), value));
    for (key, value) in &spec.environment {
        set(key, value.clone());
    }
    env
}
