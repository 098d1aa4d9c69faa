//! The local AWS services: a real AWS emulator (MiniStack, from PyPI, in the venv
//! `scripts/local-aws.sh` creates) started as a child process on a loopback port for the length
//! of a run, its state kept in the project's `.functory/local/aws/state` between runs, and the
//! AWS SDKs Lambda provides (boto3; the `@aws-sdk` v3 packages) from the cache that script
//! fills. Handlers reach the emulator through `AWS_ENDPOINT_URL` with credentials of their own,
//! so unmodified SDK code works offline. Why MiniStack (and not moto): ARCHITECTURE.md.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

/// How long the emulator may take to listen (about 0.2 s on a warm disk, much more on a cold
/// one).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a stopping emulator may take to write its state before it is killed.
#[cfg(unix)]
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// The SDK versions Lambda's runtimes provide (`data/lambda-sdks.toml`).
const LAMBDA_SDKS: &str = include_str!("../data/lambda-sdks.toml");

/// Where the emulator comes from and keeps its files.
#[derive(Debug, Clone)]
pub struct AwsServicesSettings {
    /// The venv holding `ministack`.
    pub venv: PathBuf,
    /// Its state (`state/`) and log (`emulator.log`) go here.
    pub data_dir: PathBuf,
    /// The loopback port (0 picks a free one).
    pub port: u16,
    /// The region and account the services act as (the local runtime's).
    pub region: String,
    pub account_id: String,
    /// Check every call against the caller's IAM policies (`AUTH=true`).
    pub enforce_permissions: bool,
}

impl AwsServicesSettings {
    /// For a run whose local data is in `data_dir` (a project's `.functory/local`).
    pub fn new(data_dir: &Path, region: &str, account_id: &str) -> AwsServicesSettings {
        AwsServicesSettings {
            venv: emulator_venv(),
            data_dir: data_dir.join("aws"),
            port: 0,
            region: region.to_owned(),
            account_id: account_id.to_owned(),
            enforce_permissions: true,
        }
    }

    /// Where the services keep buckets, queues, tables… between runs.
    pub fn state_dir(&self) -> PathBuf {
        self.data_dir.join("state")
    }
}

/// `FUNCTORY_LOCAL_AWS_VENV`, or `~/.cache/functory/local-aws`.
pub fn emulator_venv() -> PathBuf {
    match std::env::var_os("FUNCTORY_LOCAL_AWS_VENV") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => home().join(".cache/functory/local-aws"),
    }
}

fn home() -> PathBuf {
    PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
}

#[derive(Debug, thiserror::Error)]
pub enum ServicesError {
    #[error(
        "the local AWS services need MiniStack, which is not installed at {}: run `bash scripts/local-aws.sh` (or set FUNCTORY_LOCAL_AWS_VENV to a venv with ministack)",
        .0.display()
    )]
    NotInstalled(PathBuf),
    #[error(
        "port {0} of 127.0.0.1 is taken: choose another for the local AWS services, or 0 for any free one"
    )]
    PortTaken(u16),
    #[error("the local AWS services could not start: {0}")]
    Failed(String),
}

/// The emulator, running. Dropping it stops it.
#[derive(Debug)]
pub struct LocalAwsServices {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl LocalAwsServices {
    /// Starts the emulator and waits until it answers. Blocking: call it from a blocking task.
    pub fn start(settings: &AwsServicesSettings) -> Result<LocalAwsServices, ServicesError> {
        let binary = settings.venv.join("bin/ministack");
        if !binary.is_file() {
            return Err(ServicesError::NotInstalled(binary));
        }
        let state = settings.state_dir();
        let scratch = settings.data_dir.join("tmp");
        for dir in [&state, &scratch] {
            std::fs::create_dir_all(dir)
                .map_err(|e| ServicesError::Failed(format!("{}: {e}", dir.display())))?;
        }
        let log = settings.data_dir.join("emulator.log");
        // A free port can be taken between the probe and the emulator's bind; the emulator
        // then exits, and a fresh port covers that race. A chosen port is tried once.
        let attempts = if settings.port == 0 { 3 } else { 1 };
        let mut last = ServicesError::Failed("it was not started".to_owned());
        for _ in 0..attempts {
            let port = match settings.port {
                0 => {
                    free_port().map_err(|e| ServicesError::Failed(format!("no free port: {e}")))?
                }
                port => {
                    if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_err() {
                        return Err(ServicesError::PortTaken(port));
                    }
                    port
                }
            };
            let output = File::create(&log)
                .map_err(|e| ServicesError::Failed(format!("{}: {e}", log.display())))?;
            let errors = output
                .try_clone()
                .map_err(|e| ServicesError::Failed(e.to_string()))?;
            let mut command = Command::new(&binary);
            command
                // The emulator gets no cloud credentials or profile of the user's.
                .env_clear()
                .envs(
                    ["PATH", "HOME", "LANG", "LC_ALL"]
                        .iter()
                        .filter_map(|k| Some((*k, std::env::var_os(k)?))),
                )
                .env("GATEWAY_PORT", port.to_string())
                // It binds every interface unless told otherwise.
                .env("BIND_HOST", "127.0.0.1")
                .env("MINISTACK_HOST", "127.0.0.1")
                .env("MINISTACK_REGION", &settings.region)
                .env("MINISTACK_ACCOUNT_ID", &settings.account_id)
                .env("PERSIST_STATE", "1")
                .env("STATE_DIR", &state)
                // Object bodies are written through to disk as they arrive (the rest of the
                // state is saved when it stops).
                .env("S3_PERSIST", "1")
                .env("S3_DATA_DIR", state.join("s3"))
                // Its pid file goes to TMPDIR.
                .env("TMPDIR", &scratch)
                .env("LOG_LEVEL", "WARNING")
                .env(
                    "AUTH",
                    if settings.enforce_permissions {
                        "true"
                    } else {
                        "false"
                    },
                )
                .stdin(Stdio::null())
                .stdout(output)
                .stderr(errors);
            #[cfg(unix)]
            {
                use std::os::unix::process::CommandExt;
                // Its own process group, so a Ctrl+C meant for Functory reaches it only
                // through Functory, which stops it.
                command.process_group(0);
            }
            let child = command
                .spawn()
                .map_err(|e| ServicesError::Failed(format!("{}: {e}", binary.display())))?;
            let mut services = LocalAwsServices {
                child,
                port,
                log: log.clone(),
            };
            match services.wait_until_listening() {
                Ok(()) => return Ok(services),
                Err(error) => last = error,
            }
        }
        Err(last)
    }

    fn wait_until_listening(&mut self) -> Result<(), ServicesError> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(ServicesError::Failed(format!(
                    "MiniStack exited before listening on port {} ({status}); its last lines: {}",
                    self.port,
                    self.log_tail()
                )));
            }
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok()
                && functory_adapter::listening::process_listens_on(self.child.id(), self.port)
            {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(ServicesError::Failed(format!(
            "MiniStack did not listen on port {} within {START_TIMEOUT:?}; its last lines: {}",
            self.port,
            self.log_tail()
        )))
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().rev().take(5).collect();
        if lines.is_empty() {
            "(none)".to_owned()
        } else {
            lines.into_iter().rev().collect::<Vec<_>>().join(" | ")
        }
    }

    /// `http://127.0.0.1:PORT`: what handlers get as `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The emulator's request log.
    pub fn log_file(&self) -> &Path {
        &self.log
    }
}

impl Drop for LocalAwsServices {
    fn drop(&mut self) {
        // Asked to stop first, so it writes its state for the next run; killed if it takes
        // too long. Only the child we started, by its own pid.
        #[cfg(unix)]
        if let Ok(pid) = i32::try_from(self.child.id()) {
            use nix::sys::signal::{Signal, kill};
            use nix::unistd::Pid;
            if kill(Pid::from_raw(pid), Signal::SIGTERM).is_ok() {
                let asked = Instant::now();
                while asked.elapsed() < STOP_TIMEOUT {
                    if matches!(self.child.try_wait(), Ok(Some(_))) {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// What handlers get to reach the local AWS services.
#[derive(Clone, PartialEq, Eq)]
pub struct AwsAccess {
    pub endpoint: String,
    /// Permissions are enforced: each function signs with its own identity's keys, which act
    /// with its declared permissions only.
    pub enforced: bool,
    /// Each function's keys (enforced runs).
    pub function_keys: std::collections::BTreeMap<String, (String, String)>,
    /// The local account's own keys, which every function gets when nothing is enforced.
    pub account_keys: (String, String),
}

impl AwsAccess {
    /// The keys `function` signs with: its own when permissions are enforced (none if it has no
    /// identity, so it is refused rather than let through), else the account's.
    pub fn keys_for(&self, function: &str) -> Option<&(String, String)> {
        if self.enforced {
            self.function_keys.get(function)
        } else {
            Some(&self.account_keys)
        }
    }
}

impl std::fmt::Debug for AwsAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Key ids identify; secrets never print.
        f.debug_struct("AwsAccess")
            .field("endpoint", &self.endpoint)
            .field("enforced", &self.enforced)
            .field("functions", &self.function_keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

// ---- the SDKs Lambda provides --------------------------------------------------------------

#[derive(Deserialize)]
struct SdkPins {
    snapshot: String,
    python: PythonPins,
    node: NodePins,
}

/// The AWS SDK versions the local runtime puts on handlers' module paths
/// (`data/lambda-sdks.toml`), and the day they were current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedSdks {
    pub snapshot: String,
    pub boto3: String,
    /// `@aws-sdk/client-s3` → its version, …
    pub node: std::collections::BTreeMap<String, String>,
}

pub fn pinned_sdks() -> PinnedSdks {
    let pins: SdkPins = toml::from_str(LAMBDA_SDKS).expect("data/lambda-sdks.toml is valid");
    PinnedSdks {
        snapshot: pins.snapshot,
        boto3: pins.python.boto3,
        node: pins.node.packages,
    }
}

#[derive(Deserialize)]
struct PythonPins {
    boto3: String,
}

#[derive(Deserialize)]
struct NodePins {
    packages: std::collections::BTreeMap<String, String>,
}

/// The SDK folders a handler's module path gets, when installed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LambdaSdks {
    /// A folder holding `boto3`, for `PYTHONPATH`.
    pub python: Option<PathBuf>,
    /// A `node_modules` folder holding `@aws-sdk/*`, for `NODE_PATH` and ES module imports.
    pub node_modules: Option<PathBuf>,
    /// What is missing and how to install it.
    pub missing: Vec<String>,
}

/// `FUNCTORY_LAMBDA_SDKS`, or `~/.cache/functory/lambda-sdks`.
pub fn lambda_sdks_dir() -> PathBuf {
    match std::env::var_os("FUNCTORY_LAMBDA_SDKS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => home().join(".cache/functory/lambda-sdks"),
    }
}

/// The pinned SDKs found in `cache` (each folder is complete once its `.complete` marker is
/// written, last, by the install script).
pub fn lambda_sdks(cache: &Path) -> LambdaSdks {
    let pins: SdkPins = toml::from_str(LAMBDA_SDKS).expect("data/lambda-sdks.toml is valid");
    let mut sdks = LambdaSdks::default();
    let python = cache.join(format!("python/boto3-{}", pins.python.boto3));
    if python.join(".complete").is_file() {
        sdks.python = Some(python);
    } else {
        sdks.missing.push(format!(
            "boto3 {} (the AWS SDK Lambda's Python runtimes provide) is not installed in {}: run `bash scripts/local-aws.sh`",
            pins.python.boto3,
            cache.display()
        ));
    }
    let version = pins
        .node
        .packages
        .get("@aws-sdk/client-s3")
        .cloned()
        .unwrap_or_default();
    let node = cache.join(format!("node/aws-sdk-{version}"));
    if node.join(".complete").is_file() {
        sdks.node_modules = Some(node.join("node_modules"));
    } else {
        sdks.missing.push(format!(
            "the AWS SDK for JavaScript v3 {version} (what Lambda's Node.js runtimes provide) is not installed in {}: run `bash scripts/local-aws.sh`",
            cache.display()
        ));
    }
    sdks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pins_name_boto3_and_the_v3_clients() {
        let pins: SdkPins = toml::from_str(LAMBDA_SDKS).unwrap();
        assert!(pins.python.boto3.starts_with("1."), "{}", pins.python.boto3);
        assert!(pins.node.packages["@aws-sdk/client-s3"].starts_with("3."));
        assert!(
            pins.node
                .packages
                .keys()
                .all(|p| p.starts_with("@aws-sdk/"))
        );
    }

    #[test]
    fn sdks_without_their_marker_are_missing_and_say_how_to_install() {
        let cache = tempfile::tempdir().unwrap();
        let found = lambda_sdks(cache.path());
        assert_eq!((found.python, found.node_modules), (None, None));
        assert_eq!(found.missing.len(), 2);
        assert!(
            found
                .missing
                .iter()
                .all(|m| m.contains("bash scripts/local-aws.sh"))
        );
    }

    #[test]
    fn a_missing_emulator_says_how_to_install_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = AwsServicesSettings::new(dir.path(), "us-east-1", "123456789012");
        settings.venv = dir.path().join("no-venv");
        let error = LocalAwsServices::start(&settings).unwrap_err();
        assert!(matches!(error, ServicesError::NotInstalled(_)), "{error}");
        assert!(
            error.to_string().contains("bash scripts/local-aws.sh"),
            "{error}"
        );
    }
}
