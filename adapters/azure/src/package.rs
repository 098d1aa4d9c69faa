//! The function app's package: one deterministic zip with every function of the project.
//!
//! An Azure function app is deployed as a whole, so the zip holds the code directories of all
//! its functions (at their project-relative paths) plus what Functory generates: `host.json`,
//! a `function.json` and an entry file per Azure function, and the shim that runs Lambda-style
//! handlers (`_functory/`). Entries are sorted and timestamps fixed, so an unchanged project
//! has the same digest and is not uploaded again.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use functory_adapter::AdapterError;
use functory_core::manifest::handler_candidates;
use functory_core::{Function, Runtime};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::mapping::{EntryKind, Language, MappedFunction};

/// Files matching these (gitignore syntax, relative to a code directory) stay out.
/// `.functoryignore` adds to them. `local.settings.json` holds Core Tools' local secrets.
pub const IGNORE_FILE: &str = ".functoryignore";
const DEFAULT_EXCLUDES: &[&str] = &[
    ".git/",
    ".functory/",
    "__pycache__/",
    "*.pyc",
    ".DS_Store",
    ".functoryignore",
    "/functory.toml",
    ".venv/",
    "/local.settings.json",
];

/// The folder of the generated shim inside the package.
pub const SHIM_DIR: &str = "_functory";
const NODE_SHIM: &str = include_str!("shim/shim.js");
const PYTHON_SHIM: &str = include_str!("shim/shim.py");
const EXTENSION_BUNDLE: &str = "[4.*, 5.0.0)";

/// A built package and what identifies it.
#[derive(Clone)]
pub struct Package {
    pub zip: Vec<u8>,
    /// SHA-256 of the zip, hex.
    pub sha256: String,
    pub files: usize,
    /// Python dependencies (`requirements.txt`) to be installed by Azure's remote build.
    pub remote_build: bool,
    /// The `functionTimeout` written into host.json, in seconds.
    pub function_timeout_s: u32,
}

impl std::fmt::Debug for Package {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Package")
            .field("bytes", &self.zip.len())
            .field("sha256", &self.sha256)
            .field("files", &self.files)
            .field("remote_build", &self.remote_build)
            .finish()
    }
}

/// One file of the zip: from disk, or generated.
enum Content {
    Disk { path: PathBuf, executable: bool },
    Generated(Vec<u8>),
}

/// The host stops a function this long after its own timeout, so the shim can first answer
/// with Lambda's timeout error.
const HOST_TIMEOUT_MARGIN_S: u32 = 60;

/// Builds the package of `functions` (all of one language) from the project at `root`;
/// `timeout_limit_s` is the hosting plan's longest `functionTimeout`.
pub fn package_app(
    root: &Path,
    functions: &[MappedFunction],
    language: Language,
    timeout_limit_s: Option<u32>,
) -> Result<Package, AdapterError> {
    let mut files: BTreeMap<String, Content> = BTreeMap::new();
    // The code directories, each once (a nested one is already inside its parent).
    let mut code_dirs: Vec<String> = functions
        .iter()
        .map(|f| normalize_dir(&f.function.code_dir))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    code_dirs.sort_by_key(String::len);
    let mut taken: Vec<String> = Vec::new();
    for dir in code_dirs {
        if taken
            .iter()
            .any(|t| t.is_empty() || dir == *t || dir.starts_with(&format!("{t}/")))
        {
            continue;
        }
        let owner = functions
            .iter()
            .find(|f| normalize_dir(&f.function.code_dir) == dir)
            .map(|f| f.function.name.as_str())
            .unwrap_or_default();
        collect_files(root, &dir, owner, &mut files)?;
        taken.push(dir);
    }
    for mapped in functions {
        check_node_modules(root, &mapped.function, &files)?;
    }
    if language == Language::Python && files.contains_key("function_app.py") {
        return Err(AdapterError::invalid(
            "`function_app.py` at the root of the package makes Azure's Python worker use the v2 programming model and ignore the functions Functory generates: rename it",
        ));
    }

    let mut generated: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let longest = functions
        .iter()
        .map(|f| f.function.timeout_s)
        .max()
        .unwrap_or(300)
        .max(1);
    let function_timeout_s = match timeout_limit_s {
        Some(limit) => (longest + HOST_TIMEOUT_MARGIN_S).min(limit.max(longest)),
        None => longest + HOST_TIMEOUT_MARGIN_S,
    };
    generated.insert(
        "host.json".to_owned(),
        pretty(&host_json(functions, function_timeout_s)),
    );
    match language {
        Language::Node => {
            generated.insert(format!("{SHIM_DIR}/shim.js"), NODE_SHIM.as_bytes().to_vec());
        }
        Language::Python => {
            generated.insert(
                format!("{SHIM_DIR}/__init__.py"),
                b"# Generated by Functory: the shim package.\n".to_vec(),
            );
            generated.insert(
                format!("{SHIM_DIR}/shim.py"),
                PYTHON_SHIM.as_bytes().to_vec(),
            );
        }
    }
    for mapped in functions {
        let handler_file = handler_file(&mapped.function, &files)?;
        for entry in &mapped.entries {
            let spec = shim_spec(mapped, entry, &handler_file);
            let (script, source) = entry_source(language, mapped, entry, &spec);
            let config = json!({
                "scriptFile": script,
                "entryPoint": if language == Language::Python { json!("main") } else { Value::Null },
                "bindings": entry.bindings,
                "functory": {
                    "function": mapped.function.name,
                    "handler": mapped.function.handler,
                    "runtime": mapped.function.runtime,
                    "timeoutS": mapped.function.timeout_s,
                    "trigger": entry.kind.shim_name(),
                },
            });
            let mut config = config;
            if language == Language::Node
                && let Some(object) = config.as_object_mut()
            {
                object.remove("entryPoint");
            }
            generated.insert(format!("{}/function.json", entry.name), pretty(&config));
            generated.insert(format!("{}/{script}", entry.name), source.into_bytes());
        }
    }
    let remote_build = if language == Language::Python {
        merge_requirements(root, functions, &files, &mut generated)?
    } else {
        false
    };

    if let Some(user) = files
        .keys()
        .find(|n| n.starts_with(&format!("{SHIM_DIR}/")))
    {
        return Err(AdapterError::invalid(format!(
            "the project has `{user}` in a folder `{SHIM_DIR}/`, where Functory puts its generated shim: rename the folder"
        )));
    }
    for (name, content) in generated {
        // requirements.txt is regenerated on purpose; anything else is a clash.
        if files.contains_key(&name) && name != "requirements.txt" {
            return Err(AdapterError::invalid(format!(
                "the project has a file `{name}` where Functory puts a generated file for Azure: rename or move it (or rename the function)"
            )));
        }
        files.insert(name, Content::Generated(content));
    }
    build_zip(files, remote_build, function_timeout_s)
}

fn normalize_dir(dir: &str) -> String {
    let trimmed = dir.trim_matches('/');
    if trimmed == "." || trimmed.is_empty() {
        String::new()
    } else {
        trimmed.trim_start_matches("./").to_owned()
    }
}

fn host_json(functions: &[MappedFunction], timeout_s: u32) -> Value {
    let mut host = json!({
        "version": "2.0",
        "functionTimeout": format!("{:02}:{:02}:{:02}", timeout_s / 3600, (timeout_s / 60) % 60, timeout_s % 60),
        "extensionBundle": {
            "id": "Microsoft.Azure.Functions.ExtensionBundle",
            "version": EXTENSION_BUNDLE,
        },
    });
    let batch = functions
        .iter()
        .flat_map(|f| &f.entries)
        .filter_map(|e| match &e.kind {
            EntryKind::Queue { batch_size, .. } => *batch_size,
            _ => None,
        })
        .max();
    if let Some(batch) = batch {
        host["extensions"] = json!({ "queues": { "batchSize": batch.clamp(1, 32) } });
    }
    host
}

fn pretty(value: &Value) -> Vec<u8> {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text.into_bytes()
}

/// The handler's module file, relative to the project root (and so to the package root).
fn handler_file(
    function: &Function,
    files: &BTreeMap<String, Content>,
) -> Result<String, AdapterError> {
    if let Some(file) = &function.handler_file
        && files.contains_key(file.as_str())
    {
        return Ok(file.clone());
    }
    let candidates = function
        .runtime
        .parse::<Runtime>()
        .map(|runtime| handler_candidates(runtime, &function.code_dir, &function.handler))
        .unwrap_or_default();
    candidates
        .iter()
        .map(|c| c.trim_start_matches("./").to_owned())
        .find(|c| files.contains_key(c.as_str()))
        .ok_or_else(|| {
            AdapterError::invalid(format!(
                "function `{}`: its handler `{}` has no module file in the package (looked for {}): check the handler and code_dir, and {IGNORE_FILE}",
                function.name,
                function.handler,
                candidates.join(", ")
            ))
        })
}

/// What the shim needs to know about one Azure function.
fn shim_spec(
    mapped: &MappedFunction,
    entry: &crate::mapping::AzureEntry,
    handler_file: &str,
) -> Value {
    let function = &mapped.function;
    let (module, export) = function
        .handler
        .rsplit_once('.')
        .unwrap_or((function.handler.as_str(), "handler"));
    let mut spec = json!({
        "function": function.name,
        "azureFunction": entry.name,
        "trigger": entry.kind.shim_name(),
        "handlerFile": handler_file,
        "handlerExport": export,
        "module": module,
        "codeDir": normalize_dir(&function.code_dir),
        "timeoutMs": u64::from(function.timeout_s) * 1000,
    });
    match &entry.kind {
        EntryKind::Http { route_key } => spec["routeKey"] = json!(route_key),
        EntryKind::Url => spec["routeKey"] = json!("$default"),
        EntryKind::Blob { container } => spec["bucket"] = json!(container),
        EntryKind::Queue { queue, .. } => spec["queue"] = json!(queue),
        EntryKind::Invoke | EntryKind::Timer => {}
    }
    spec
}

/// The entry file's name and text.
fn entry_source(
    language: Language,
    mapped: &MappedFunction,
    entry: &crate::mapping::AzureEntry,
    spec: &Value,
) -> (&'static str, String) {
    let spec_text = serde_json::to_string(spec).unwrap_or_default();
    let about = format!(
        "Generated by Functory: Azure function `{}` runs the handler `{}` of function `{}`.",
        entry.name, mapped.function.handler, mapped.function.name
    );
    match language {
        Language::Node => (
            "index.js",
            format!(
                "// {about}\n\"use strict\";\n\nmodule.exports = require(\"../{SHIM_DIR}/shim.js\").entry({spec_text});\n"
            ),
        ),
        Language::Python => {
            let (call, parameter) = match entry.kind {
                EntryKind::Invoke => ("invoke", "req"),
                EntryKind::Http { .. } | EntryKind::Url => ("http", "req"),
                EntryKind::Timer => ("timer", "timer"),
                EntryKind::Blob { .. } => ("blob", "blob"),
                EntryKind::Queue { .. } => ("queue", "msg"),
            };
            // A JSON string literal is a valid Python string literal.
            let literal = serde_json::to_string(&spec_text).unwrap_or_default();
            (
                "__init__.py",
                format!(
                    "# {about}\nimport json\n\nfrom {SHIM_DIR} import shim\n\nSPEC = json.loads({literal})\n\n\ndef main({parameter}, context):\n    return shim.{call}(SPEC, {parameter}, context)\n"
                ),
            )
        }
    }
}

/// Azure installs Python dependencies from one `requirements.txt` at the root (remote build):
/// the code directories' files are merged into it. Whether anything needs installing.
fn merge_requirements(
    root: &Path,
    functions: &[MappedFunction],
    files: &BTreeMap<String, Content>,
    generated: &mut BTreeMap<String, Vec<u8>>,
) -> Result<bool, AdapterError> {
    let dirs: BTreeSet<String> = functions
        .iter()
        .map(|f| normalize_dir(&f.function.code_dir))
        .collect();
    let mut lines: Vec<String> = Vec::new();
    let mut sources = 0;
    for dir in &dirs {
        let name = if dir.is_empty() {
            "requirements.txt".to_owned()
        } else {
            format!("{dir}/requirements.txt")
        };
        if !files.contains_key(&name) {
            continue;
        }
        sources += 1;
        let path = root.join(&name);
        let text = std::fs::read_to_string(&path).map_err(|e| io_error(&path, &e))?;
        for line in text.lines().map(str::trim) {
            if !line.is_empty() && !line.starts_with('#') && !lines.iter().any(|l| l == line) {
                lines.push(line.to_owned());
            }
        }
    }
    if sources == 0 {
        return Ok(false);
    }
    let root_is_only_source = sources == 1 && files.contains_key("requirements.txt");
    if !root_is_only_source {
        let mut text =
            String::from("# Generated by Functory: the requirements of every function.\n");
        for line in &lines {
            text.push_str(line);
            text.push('\n');
        }
        generated.insert("requirements.txt".to_owned(), text.into_bytes());
    }
    Ok(!lines.is_empty())
}

fn collect_files(
    root: &Path,
    dir: &str,
    function: &str,
    out: &mut BTreeMap<String, Content>,
) -> Result<(), AdapterError> {
    let code_dir = if dir.is_empty() {
        root.to_path_buf()
    } else {
        root.join(dir)
    };
    if !code_dir.is_dir() {
        return Err(AdapterError::invalid(format!(
            "function `{function}`: its code directory `{}` does not exist",
            if dir.is_empty() { "." } else { dir }
        )));
    }
    let ignore = ignore_rules(&code_dir, function)?;
    let mut pending = vec![code_dir.clone()];
    while let Some(current) = pending.pop() {
        let listing = std::fs::read_dir(&current).map_err(|e| io_error(&current, &e))?;
        for item in listing {
            let item = item.map_err(|e| io_error(&current, &e))?;
            let path = item.path();
            // Symlinks are followed (node_modules/.bin); a dangling one is skipped.
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let relative = path.strip_prefix(&code_dir).unwrap_or(&path);
            if ignore
                .matched_path_or_any_parents(relative, meta.is_dir())
                .is_ignore()
            {
                continue;
            }
            if meta.is_dir() {
                pending.push(path);
            } else if meta.is_file() {
                let inside = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let name = if dir.is_empty() {
                    inside
                } else {
                    format!("{dir}/{inside}")
                };
                out.insert(
                    name,
                    Content::Disk {
                        executable: is_executable(&meta),
                        path,
                    },
                );
            }
        }
    }
    Ok(())
}

fn ignore_rules(code_dir: &Path, function: &str) -> Result<Gitignore, AdapterError> {
    let mut builder = GitignoreBuilder::new(code_dir);
    for pattern in DEFAULT_EXCLUDES {
        // The defaults are constants known to parse.
        let _ = builder.add_line(None, pattern);
    }
    let file = code_dir.join(IGNORE_FILE);
    if file.is_file()
        && let Some(error) = builder.add(&file)
    {
        return Err(AdapterError::invalid(format!(
            "function `{function}`: {} has a bad pattern: {error}",
            file.display()
        )));
    }
    builder.build().map_err(|e| {
        AdapterError::invalid(format!(
            "function `{function}`: {} has a bad pattern: {e}",
            file.display()
        ))
    })
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    false
}

/// A Node function that declares dependencies must ship them: the package is run as it is.
fn check_node_modules(
    root: &Path,
    function: &Function,
    files: &BTreeMap<String, Content>,
) -> Result<(), AdapterError> {
    if !function.runtime.starts_with("nodejs") {
        return Ok(());
    }
    let dir = normalize_dir(&function.code_dir);
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let Ok(text) = std::fs::read_to_string(root.join(format!("{prefix}package.json"))) else {
        return Ok(());
    };
    let declared = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v.get("dependencies").and_then(|d| d.as_object()).cloned())
        .unwrap_or_default();
    let missing: Vec<&String> = declared
        .keys()
        .filter(|name| {
            let folder = format!("{prefix}node_modules/{name}/");
            !files.keys().any(|f| f.starts_with(&folder))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(AdapterError::invalid(format!(
        "function `{}`: package.json depends on {} but node_modules does not have {}: run `npm install --omit=dev` in `{}` first (the package runs as it is uploaded)",
        function.name,
        missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", "),
        if missing.len() == 1 { "it" } else { "them" },
        function.code_dir
    )))
}

fn build_zip(
    files: BTreeMap<String, Content>,
    remote_build: bool,
    function_timeout_s: u32,
) -> Result<Package, AdapterError> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let base = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(DateTime::default())
        .large_file(false);
    let count = files.len();
    // A BTreeMap iterates in name order: the same files always make the same bytes.
    for (name, content) in files {
        let (data, executable) = match content {
            Content::Disk { path, executable } => (
                std::fs::read(&path).map_err(|e| io_error(&path, &e))?,
                executable,
            ),
            Content::Generated(data) => (data, false),
        };
        let mode = if executable { 0o755 } else { 0o644 };
        writer
            .start_file(name.as_str(), base.unix_permissions(mode))
            .and_then(|()| writer.write_all(&data).map_err(Into::into))
            .map_err(|e| zip_error(&e))?;
    }
    let zip = writer.finish().map_err(|e| zip_error(&e))?.into_inner();
    let sha256 = hex(&Sha256::digest(&zip));
    Ok(Package {
        zip,
        sha256,
        files: count,
        remote_build,
        function_timeout_s,
    })
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn io_error(path: &Path, error: &std::io::Error) -> AdapterError {
    AdapterError::invalid(format!("could not read {}: {error}", path.display()))
}

fn zip_error(error: &zip::result::ZipError) -> AdapterError {
    AdapterError::invalid(format!("could not build the app's zip: {error}"))
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::mapping::{AppProfile, HostingPlan, Os, map_function};

    fn function(name: &str, runtime: &str, handler: &str, code_dir: &str) -> Function {
        Function {
            name: name.into(),
            runtime: runtime.into(),
            handler: handler.into(),
            code_dir: code_dir.into(),
            handler_file: None,
            memory_mb: 128,
            timeout_s: 30,
            environment: vec![],
            triggers: vec![],
            permissions: vec![],
        }
    }

    fn mapped(functions: &[Function], os: Os) -> Vec<MappedFunction> {
        let profile = AppProfile {
            os,
            plan: HostingPlan::Consumption,
            instance_memory_mb: None,
            time_zone: None,
        };
        functions
            .iter()
            .map(|f| map_function(f, &profile).expect("maps"))
            .collect()
    }

    fn write(root: &Path, path: &str, text: &str) {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn read(package: &Package, name: &str) -> String {
        let mut archive = zip::ZipArchive::new(Cursor::new(package.zip.clone())).unwrap();
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap_or_else(|_| panic!("{name} is not in the package"))
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    fn names(package: &Package) -> Vec<String> {
        let archive = zip::ZipArchive::new(Cursor::new(package.zip.clone())).unwrap();
        archive
            .file_names()
            .map(|name| name.unwrap().into_owned())
            .collect()
    }

    #[test]
    fn the_package_holds_every_function_generated_files_and_is_deterministic() {
        let project = tempfile::tempdir().unwrap();
        let root = project.path();
        write(root, "functory.toml", "[project]\nname = \"x\"\n");
        write(root, "src/app.js", "exports.handler = async () => 1;");
        write(root, "src/lib/util.js", "module.exports = 2;");
        write(root, "jobs/nightly.js", "exports.run = async () => 1;");
        write(
            root,
            "local.settings.json",
            "{\"Values\":{\"SECRET\":\"x\"}}",
        );
        let functions = mapped(
            &[
                function("api", "nodejs20.x", "src/app.handler", "."),
                function("nightly", "nodejs20.x", "nightly.run", "jobs"),
            ],
            Os::Windows,
        );
        let first = package_app(root, &functions, Language::Node, Some(600)).unwrap();
        assert_eq!(
            names(&first),
            [
                "_functory/shim.js",
                "api/function.json",
                "api/index.js",
                "host.json",
                "jobs/nightly.js",
                "nightly/function.json",
                "nightly/index.js",
                "src/app.js",
                "src/lib/util.js",
            ]
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
        write(root, "src/lib/util.js", "module.exports = 2;");
        let second = package_app(root, &functions, Language::Node, Some(600)).unwrap();
        assert_eq!(
            first.sha256, second.sha256,
            "timestamps leaked into the zip"
        );
        write(root, "src/lib/util.js", "module.exports = 3;");
        let third = package_app(root, &functions, Language::Node, Some(600)).unwrap();
        assert_ne!(first.sha256, third.sha256);

        let config: Value = serde_json::from_str(&read(&first, "nightly/function.json")).unwrap();
        assert_eq!(config["scriptFile"], "index.js");
        assert_eq!(config["functory"]["handler"], "nightly.run");
        assert_eq!(config["bindings"][0]["route"], "_functory/invoke/nightly");
        let entry = read(&first, "nightly/index.js");
        assert!(
            entry.contains("\"handlerFile\":\"jobs/nightly.js\""),
            "{entry}"
        );
        assert!(entry.contains("\"handlerExport\":\"run\""), "{entry}");
        let host: Value = serde_json::from_str(&read(&first, "host.json")).unwrap();
        assert_eq!(host["version"], "2.0");
        assert_eq!(host["functionTimeout"], "00:01:30");
        assert_eq!(
            host["extensionBundle"]["id"],
            "Microsoft.Azure.Functions.ExtensionBundle"
        );
    }

    #[test]
    fn python_entries_call_the_shim_and_requirements_are_merged() {
        let project = tempfile::tempdir().unwrap();
        let root = project.path();
        write(root, "a/app.py", "def handler(e, c): return 1\n");
        write(
            root,
            "a/requirements.txt",
            "requests==2.32.3\n# a comment\n",
        );
        write(root, "b/job.py", "def handler(e, c): return 2\n");
        write(root, "b/requirements.txt", "requests==2.32.3\nboto3\n");
        let functions = mapped(
            &[
                function("web", "python3.12", "app.handler", "a"),
                function("job", "python3.12", "job.handler", "b"),
            ],
            Os::Linux,
        );
        let package = package_app(root, &functions, Language::Python, Some(600)).unwrap();
        assert!(package.remote_build);
        assert_eq!(
            read(&package, "requirements.txt"),
            "# Generated by Functory: the requirements of every function.\nrequests==2.32.3\nboto3\n"
        );
        let entry = read(&package, "web/__init__.py");
        assert!(entry.contains("from _functory import shim"), "{entry}");
        assert!(entry.contains("def main(req, context):"), "{entry}");
        assert!(
            entry.contains("return shim.invoke(SPEC, req, context)"),
            "{entry}"
        );
        assert!(names(&package).contains(&"_functory/__init__.py".to_owned()));
        let config: Value = serde_json::from_str(&read(&package, "web/function.json")).unwrap();
        assert_eq!(config["entryPoint"], "main");
    }

    #[test]
    fn clashes_and_missing_handlers_are_refused_by_name() {
        let project = tempfile::tempdir().unwrap();
        let root = project.path();
        write(root, "api/index.js", "exports.handler = async () => 1;");
        let functions = mapped(
            &[function("api", "nodejs20.x", "api/index.handler", ".")],
            Os::Windows,
        );
        let error = package_app(root, &functions, Language::Node, Some(600)).unwrap_err();
        assert!(
            error.to_string().contains("a file `api/index.js`"),
            "{error}"
        );

        let functions = mapped(
            &[function("api", "nodejs20.x", "nope.handler", ".")],
            Os::Windows,
        );
        let error = package_app(root, &functions, Language::Node, Some(600)).unwrap_err();
        assert!(error.to_string().contains("no module file"), "{error}");

        write(root, "function_app.py", "import azure.functions\n");
        write(root, "p.py", "def handler(e, c): pass\n");
        let functions = mapped(&[function("py", "python3.12", "p.handler", ".")], Os::Linux);
        let error = package_app(root, &functions, Language::Python, Some(600)).unwrap_err();
        assert!(
            error.to_string().contains("v2 programming model"),
            "{error}"
        );
    }

    #[test]
    fn node_dependencies_must_be_installed() {
        let project = tempfile::tempdir().unwrap();
        let root = project.path();
        write(root, "index.js", "exports.handler = async () => 1;");
        write(
            root,
            "package.json",
            r#"{"dependencies":{"left-pad":"1.3.0"}}"#,
        );
        let functions = mapped(
            &[function("f", "nodejs20.x", "index.handler", ".")],
            Os::Windows,
        );
        let error = package_app(root, &functions, Language::Node, Some(600)).unwrap_err();
        assert!(error.to_string().contains("npm install"), "{error}");
        write(
            root,
            "node_modules/left-pad/index.js",
            "module.exports = 1;",
        );
        assert!(package_app(root, &functions, Language::Node, Some(600)).is_ok());
    }
}
