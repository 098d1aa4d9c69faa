//! A deployed function as the local runtime runs it: the manifest's function resolved against
//! the project folder and checked, with its code digest.

use std::path::{Path, PathBuf};
use std::time::Duration;

use functory_adapter::{AdapterError, DeployOptions};
use functory_core::{Runtime, RuntimeFamily};
use sha2::{Digest, Sha256};

/// Folders that are never part of a function's code (tools' caches and our own data).
pub(crate) const NOT_CODE: &[&str] = &[".git", ".functory", "__pycache__", "target"];

/// Digests read at most this much file content; beyond it only names and sizes count.
const DIGEST_CONTENT_LIMIT: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone)]
pub(crate) struct FunctionSpec {
    pub name: String,
    pub runtime: String,
    /// The declared runtime, as the catalogue knows it.
    pub declared: Runtime,
    pub family: RuntimeFamily,
    pub handler: String,
    pub task_root: PathBuf,
    pub memory_mb: u32,
    pub timeout: Duration,
    pub environment: Vec<(String, String)>,
    pub version: String,
    pub arn: String,
    pub pass_credentials: bool,
    pub reserved_concurrency: Option<u32>,
    pub provisioned: u32,
    pub code_sha256: String,
}

impl FunctionSpec {
    /// The function `options` deploy, checked; `digest` gives its code folder's digest.
    pub fn from_options(
        options: &DeployOptions,
        region: &str,
        account_id: &str,
        digest: impl FnOnce(&Path) -> String,
    ) -> Result<FunctionSpec, AdapterError> {
        let function = &options.function;
        if !functory_core::manifest::is_valid_function_name(&function.name) {
            return Err(AdapterError::invalid(format!(
                "function name `{}` must be 1 to 64 letters, digits, `-` or `_`",
                function.name
            )));
        }
        let runtime: Runtime = function.runtime.parse().map_err(|()| {
            AdapterError::invalid(format!("unknown runtime `{}`", function.runtime))
        })?;
        let task_root = options.project_root.join(&function.code_dir);
        let task_root = task_root.canonicalize().map_err(|error| {
            AdapterError::invalid(format!(
                "the code folder {} of `{}` cannot be used: {error}",
                task_root.display(),
                function.name
            ))
        })?;
        if !(1..=900).contains(&function.timeout_s) {
            return Err(AdapterError::invalid(format!(
                "timeout {} s is out of range 1..=900",
                function.timeout_s
            )));
        }
        if !(128..=10_240).contains(&function.memory_mb) {
            return Err(AdapterError::invalid(format!(
                "memory {} MB is out of range 128..=10240",
                function.memory_mb
            )));
        }
        if options.reserved_concurrency == Some(0) {
            return Err(AdapterError::invalid(
                "a reserved concurrency of 0 would throttle every invoke",
            ));
        }
        let code_sha256 = digest(&task_root);
        Ok(FunctionSpec {
            name: function.name.clone(),
            runtime: function.runtime.clone(),
            declared: runtime,
            family: runtime.family,
            handler: function.handler.clone(),
            task_root,
            memory_mb: function.memory_mb,
            timeout: Duration::from_secs(u64::from(function.timeout_s)),
            environment: function
                .environment
                .iter()
                .map(|v| (v.key.clone(), v.value.clone()))
                .collect(),
            version: "$LATEST".to_owned(),
            arn: format!(
                "arn:aws:lambda:{region}:{account_id}:function:{}",
                function.name
            ),
            pass_credentials: options.pass_credentials,
            reserved_concurrency: options.reserved_concurrency,
            provisioned: options.provisioned_concurrency,
            code_sha256,
        })
    }
}

/// A digest over the code folder's file names and contents, in a stable order.
pub(crate) fn code_digest(root: &Path) -> String {
    let mut files = Vec::new();
    collect_files(root, root, &mut files, 0);
    files.sort();
    let mut hasher = Sha256::new();
    let mut read = 0u64;
    for relative in files {
        let path = root.join(&relative);
        hasher.update(relative.as_bytes());
        hasher.update([0]);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if read + size <= DIGEST_CONTENT_LIMIT
            && let Ok(bytes) = std::fs::read(&path)
        {
            read += size;
            hasher.update(&bytes);
        } else {
            hasher.update(size.to_le_bytes());
        }
    }
    format!("{:x}", hasher.finalize())
}

fn collect_files(root: &Path, dir: &Path, files: &mut Vec<String>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if !NOT_CODE.contains(&name.as_str()) {
                collect_files(root, &path, files, depth + 1);
            }
        } else if kind.is_file()
            && let Ok(relative) = path.strip_prefix(root)
        {
            files.push(relative.to_string_lossy().into_owned());
        }
    }
}
