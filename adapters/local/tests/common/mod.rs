//! Helpers shared by the local runtime's integration tests: throwaway projects with handlers
//! written inline, and a runtime started on them.
#![allow(clippy::unwrap_used)]
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use functory_adapter::{Adapter, DeployOptions, Invocation, InvokeOptions};
use functory_core::Function;
use functory_core::manifest::EnvVar;
use functory_local::{LocalRuntime, LocalSettings};

pub struct TestProject {
    pub dir: tempfile::TempDir,
    pub runtime: LocalRuntime,
}

impl TestProject {
    pub fn new(configure: impl FnOnce(&mut LocalSettings)) -> TestProject {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = LocalSettings::for_project(dir.path());
        configure(&mut settings);
        let runtime = LocalRuntime::start(settings).unwrap();
        TestProject { dir, runtime }
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().canonicalize().unwrap()
    }

    pub fn write(&self, relative: &str, text: &str) {
        write_file(&self.root().join(relative), text);
    }

    pub async fn deploy(&self, function: Function) {
        self.deploy_with(function, |_| {}).await;
    }

    pub async fn deploy_with(
        &self,
        function: Function,
        configure: impl FnOnce(&mut DeployOptions),
    ) {
        let mut options = DeployOptions::new(self.root(), function);
        configure(&mut options);
        self.runtime.deploy(options).await.unwrap();
    }

    pub async fn invoke(&self, name: &str, payload: &str) -> Invocation {
        self.runtime
            .invoke(InvokeOptions::new(name, payload).with_log_tail())
            .await
            .unwrap()
    }
}

impl Drop for TestProject {
    fn drop(&mut self) {
        self.runtime.shutdown();
    }
}

pub fn write_file(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

pub fn function(name: &str, runtime: &str, handler: &str) -> Function {
    Function {
        name: name.to_owned(),
        runtime: runtime.to_owned(),
        handler: handler.to_owned(),
        code_dir: ".".to_owned(),
        handler_file: None,
        memory_mb: 128,
        timeout_s: 10,
        environment: Vec::new(),
        triggers: Vec::new(),
        permissions: Vec::new(),
    }
}

pub fn with_env(mut function: Function, key: &str, value: &str) -> Function {
    function.environment.push(EnvVar {
        key: key.to_owned(),
        value: value.to_owned(),
    });
    function
}

pub fn json(invocation: &Invocation) -> serde_json::Value {
    serde_json::from_slice(&invocation.payload)
        .unwrap_or_else(|_| panic!("not JSON: {invocation:?}"))
}

/// Processes whose command line mentions `needle`, excluding ourselves.
pub fn processes_mentioning(needle: &str) -> Vec<u32> {
    let mut found = Vec::new();
    let own = std::process::id();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if pid == own {
            continue;
        }
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(needle) {
            found.push(pid);
        }
    }
    found
}

/// Waits until `condition` holds, up to `limit`.
pub async fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    condition()
}
