//! How the local runtime behaves: where it keeps its data and the knobs of its Lambda
//! semantics, with defaults that match Lambda where Lambda has one.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use functory_core::Runtime;

use crate::logs::LogLimits;
use crate::services::{AwsAccess, LambdaSdks};

#[derive(Debug, Clone)]
pub struct LocalSettings {
    /// Logs, buckets and the bootstraps live here (a project uses `.functory/local`).
    pub data_dir: PathBuf,
    pub region: String,
    pub account_id: String,
    /// Concurrent invocations per function when the deploy names no reserved concurrency.
    pub default_concurrency: u32,
    /// How long an invoke waits for a free instance slot before it is throttled.
    pub queue_wait: Duration,
    /// Idle instances older than this are stopped (provisioned ones never are).
    pub idle_timeout: Duration,
    /// Lambda gives init 10 seconds.
    pub init_timeout: Duration,
    pub log_limits: LogLimits,
    /// Watch code folders and retire instances running old code.
    pub hot_reload: bool,
    /// Functory's own Node.js and Python bootstraps reach the Runtime API as frames over pipes
    /// they inherit (the default: cheaper per invocation); off, they use the HTTP
    /// Runtime API on loopback TCP, as every Lambda runtime client does.
    pub bootstrap_frames: bool,
    /// The `node` and `python3` programs (found on `PATH` by default): what runs a function
    /// when no interpreter of its declared version is found.
    pub node: PathBuf,
    pub python: PathBuf,
    /// Interpreters for particular runtimes (`nodejs24.x` → `/opt/node-24/bin/node`), from
    /// `FUNCTORY_NODE_24`, `FUNCTORY_PYTHON_3_14`, … Without one, `node24`, `node-24` or
    /// `python3.14` is looked for on `search_path`.
    pub interpreters: BTreeMap<String, PathBuf>,
    /// Where versioned interpreters are looked for; `None` is this process's `PATH`.
    pub search_path: Option<OsString>,
    /// The local AWS services handlers reach (`AWS_ENDPOINT_URL` and their credentials);
    /// `None` leaves handlers without an endpoint or credentials, as before a run starts them.
    pub aws: Option<AwsAccess>,
    /// The AWS SDKs Lambda provides, put on every handler's module path when installed.
    pub lambda_sdks: LambdaSdks,
    /// The run's Lambda Invoke API (its gateway), set once the gateway listens: handlers of a
    /// run with AWS services get it as `AWS_ENDPOINT_URL_LAMBDA`.
    pub lambda_api: std::sync::Arc<std::sync::OnceLock<String>>,
}

impl LocalSettings {
    pub fn new(data_dir: impl Into<PathBuf>) -> LocalSettings {
        LocalSettings {
            data_dir: data_dir.into(),
            region: "us-east-1".to_owned(),
            account_id: "123456789012".to_owned(),
            default_concurrency: 10,
            queue_wait: Duration::from_millis(500),
            idle_timeout: Duration::from_secs(300),
            init_timeout: Duration::from_secs(10),
            log_limits: LogLimits::default(),
            hot_reload: true,
            bootstrap_frames: true,
            node: std::env::var_os("FUNCTORY_NODE")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("node")),
            python: std::env::var_os("FUNCTORY_PYTHON")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("python3")),
            interpreters: configured_interpreters(),
            search_path: None,
            aws: None,
            lambda_sdks: crate::services::lambda_sdks(&crate::services::lambda_sdks_dir()),
            lambda_api: Default::default(),
        }
    }

    /// The settings for a project folder: data in `<project>/.functory/local`.
    pub fn for_project(project_root: impl Into<PathBuf>) -> LocalSettings {
        LocalSettings::new(project_root.into().join(".functory").join("local"))
    }

    pub fn logs_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    pub fn buckets_dir(&self) -> PathBuf {
        self.data_dir.join("buckets")
    }

    pub fn runtime_dir(&self) -> PathBuf {
        self.data_dir.join("runtime")
    }
}

/// The interpreters configured per runtime version in the environment.
fn configured_interpreters() -> BTreeMap<String, PathBuf> {
    Runtime::all()
        .filter_map(|runtime| {
            let program = std::env::var_os(crate::interpreter::variable(runtime)?)?;
            Some((runtime.name.to_owned(), PathBuf::from(program)))
        })
        .collect()
}
