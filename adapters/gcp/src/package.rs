//! Deterministic source packages for Cloud Functions, with the generated entry point.
//!
//! Cloud Functions builds the function itself (Cloud Build installs `package.json` or
//! `requirements.txt` dependencies), so the zip holds the code directory's sources — minus
//! version control, Functory's state, `node_modules` and the patterns of `.functoryignore` —
//! plus what makes a Lambda-style handler run under the Functions Framework:
//! - Node: `functory-entry.cjs` (exporting `functoryEntry`) and a `package.json` that keeps
//!   the user's dependencies, adds `@google-cloud/functions-framework` and points `main` at
//!   the entry;
//! - Python: `main.py` (defining `functory_entry`) and a `requirements.txt` with
//!   `functions-framework` added.
//!
//! The zip is a pure function of the files (sorted entries, timestamps fixed at 1980-01-01,
//! modes normalised), so unchanged code has the same SHA-256 and is not uploaded again.

use std::path::Path;

use functory_adapter::AdapterError;
use functory_adapter::archive::{self, ArchiveEntry as Entry};
use functory_core::manifest::handler_candidates;
use functory_core::{Function, Runtime};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::mapping::{Language, Mapping};

pub use functory_adapter::archive::IGNORE_FILE;
/// The generated Node entry module.
pub const NODE_ENTRY: &str = "functory-entry.cjs";
/// The generated Python entry module: Cloud Functions loads `main.py`.
pub const PYTHON_ENTRY: &str = "main.py";
/// The Functions Framework versions the generated entries are written against.
const NODE_FRAMEWORK: (&str, &str) = ("@google-cloud/functions-framework", "^3.4.0");
const PYTHON_FRAMEWORK: &str = "functions-framework==3.*";

const NODE_TEMPLATE: &str = include_str!("../entry/functory-entry.cjs");
const PYTHON_TEMPLATE: &str = include_str!("../entry/main.py");

/// Never packaged: version control, Functory's own state, caches, editor litter, the manifest,
/// and installed dependencies (Cloud Build installs them from the manifest files).
const DEFAULT_EXCLUDES: &[&str] = &[
    ".git/",
    ".functory/",
    "__pycache__/",
    "*.pyc",
    ".DS_Store",
    ".functoryignore",
    "/functory.toml",
    ".venv/",
    "node_modules/",
];

/// A built zip and what identifies it.
#[derive(Clone)]
pub struct Package {
    pub zip: Vec<u8>,
    /// Lowercase hex of the SHA-256 of `zip`.
    pub sha256: String,
    /// Files in the zip, the generated ones included.
    pub files: usize,
    /// What packaging did beyond copying files, for the plan.
    pub notes: Vec<String>,
}

impl std::fmt::Debug for Package {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Package")
            .field("bytes", &self.zip.len())
            .field("sha256", &self.sha256)
            .field("files", &self.files)
            .finish()
    }
}

/// Where the function lives, for the entry's event shapes and context.
#[derive(Debug, Clone)]
pub(crate) struct Placement<'a> {
    pub project: &'a str,
    pub region: &'a str,
}

/// Packages `function` of the project at `project_root` as `mapping` says it runs.
pub(crate) fn package_function(
    project_root: &Path,
    function: &Function,
    mapping: &Mapping,
    placement: &Placement<'_>,
) -> Result<Package, AdapterError> {
    let name = &function.name;
    let code_dir = project_root.join(&function.code_dir);
    if !code_dir.is_dir() {
        return Err(AdapterError::invalid(format!(
            "function `{name}`: its code directory `{}` does not exist",
            function.code_dir
        )));
    }
    let mut entries = collect_files(&code_dir, name)?;
    let mut notes = Vec::new();
    let runtime: Runtime = function.runtime.parse().map_err(|()| {
        AdapterError::invalid(format!(
            "function `{name}`: unknown runtime `{}`",
            function.runtime
        ))
    })?;
    let (module, export) = function.handler.rsplit_once('.').ok_or_else(|| {
        AdapterError::invalid(format!(
            "function `{name}`: the handler `{}` is not `file.export`",
            function.handler
        ))
    })?;
    let handler_file = handler_candidates(runtime, ".", &function.handler)
        .into_iter()
        .find(|candidate| entries.iter().any(|e| &e.name == candidate))
        .ok_or_else(|| {
            AdapterError::invalid(format!(
                "function `{name}`: the handler module `{module}` is not in `{}` (or it is excluded by {IGNORE_FILE})",
                function.code_dir
            ))
        })?;
    let resource = format!(
        "projects/{}/locations/{}/functions/{name}",
        placement.project, placement.region
    );
    let mut config = json!({
        "function": name,
        "resource": resource,
        "project": placement.project,
        "region": placement.region,
        "signature": if mapping.event.is_some() { "cloudevent" } else { "http" },
        "trigger": mapping.event.as_ref().map(|e| e.entry_config()),
        "handlerExport": export,
    });
    let reserved = match mapping.language {
        Language::Node => NODE_ENTRY,
        Language::Python => PYTHON_ENTRY,
    };
    if entries.iter().any(|e| e.name == reserved) {
        return Err(AdapterError::invalid(format!(
            "function `{name}`: its code directory has a `{reserved}`, the file Functory generates as the Cloud Functions entry point; rename yours{}",
            if reserved == PYTHON_ENTRY {
                " (and the handler, e.g. `app.handler`)"
            } else {
                ""
            }
        )));
    }
    match mapping.language {
        Language::Node => {
            config["handlerFile"] = json!(handler_file);
            let entry = NODE_TEMPLATE.replacen("/*FUNCTORY_CONFIG*/ {}", &config.to_string(), 1);
            entries.push(generated(NODE_ENTRY, entry.into_bytes()));
            let manifest = node_manifest(&code_dir, name)?;
            entries.retain(|e| e.name != "package.json");
            entries.push(generated("package.json", manifest.into_bytes()));
            let lock = code_dir.join("package-lock.json");
            if entries.iter().any(|e| e.name == "package-lock.json")
                && !std::fs::read_to_string(&lock)
                    .unwrap_or_default()
                    .contains(NODE_FRAMEWORK.0)
            {
                entries.retain(|e| e.name != "package-lock.json");
                notes.push(format!(
                    "package-lock.json is left out: it does not pin {} and `npm ci` would refuse the added dependency (add it with `npm install {}` to keep the lock)",
                    NODE_FRAMEWORK.0, NODE_FRAMEWORK.0
                ));
            }
            notes.push(format!(
                "generated {NODE_ENTRY} (entry point functoryEntry) runs {handler_file} → {export}; package.json adds {}; Cloud Build installs the dependencies (node_modules is not uploaded)",
                NODE_FRAMEWORK.0
            ));
        }
        Language::Python => {
            config["handlerModule"] = json!(module.replace('/', "."));
            let literal = serde_json::to_string(&config.to_string()).unwrap_or_default();
            let entry = PYTHON_TEMPLATE.replacen("__FUNCTORY_CONFIG__", &literal, 1);
            entries.push(generated(PYTHON_ENTRY, entry.into_bytes()));
            let requirements = python_requirements(&code_dir, name)?;
            entries.retain(|e| e.name != "requirements.txt");
            entries.push(generated("requirements.txt", requirements.into_bytes()));
            notes.push(format!(
                "generated {PYTHON_ENTRY} (entry point functory_entry) runs {handler_file} → {export}; requirements.txt adds {PYTHON_FRAMEWORK}; Cloud Build installs the dependencies"
            ));
        }
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let zip = archive::build_zip(&entries, &format!("function `{name}`"))?;
    let files = entries.len();
    let sha256 = hex(&Sha256::digest(&zip));
    Ok(Package {
        zip,
        sha256,
        files,
        notes,
    })
}

fn generated(name: &str, data: Vec<u8>) -> Entry {
    Entry::generated(name, data)
}

/// The user's `package.json` with the framework added and `main` on the entry.
fn node_manifest(code_dir: &Path, function: &str) -> Result<String, AdapterError> {
    let path = code_dir.join("package.json");
    let mut manifest = match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str::<Value>(&text).map_err(|e| {
            AdapterError::invalid(format!(
                "function `{function}`: {} is not valid JSON ({e}); fix it before deploying",
                path.display()
            ))
        })?,
        Err(_) => json!({ "name": function, "private": true }),
    };
    let Some(object) = manifest.as_object_mut() else {
        return Err(AdapterError::invalid(format!(
            "function `{function}`: {} is not a JSON object",
            path.display()
        )));
    };
    object.insert("main".to_owned(), json!(NODE_ENTRY));
    let dependencies = object.entry("dependencies").or_insert_with(|| json!({}));
    if let Some(dependencies) = dependencies.as_object_mut() {
        dependencies
            .entry(NODE_FRAMEWORK.0)
            .or_insert_with(|| json!(NODE_FRAMEWORK.1));
    }
    Ok(serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n")
}

/// The user's `requirements.txt` with the framework added when it is missing.
fn python_requirements(code_dir: &Path, function: &str) -> Result<String, AdapterError> {
    let path = code_dir.join("requirements.txt");
    let mut text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => {
            return Err(AdapterError::invalid(format!(
                "function `{function}`: could not read {}: {error}",
                path.display()
            )));
        }
    };
    let has_framework = text.lines().any(|line| {
        let line = line.trim().to_ascii_lowercase().replace('_', "-");
        line.starts_with("functions-framework")
    });
    if !has_framework {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(PYTHON_FRAMEWORK);
        text.push('\n');
    }
    Ok(text)
}

fn collect_files(root: &Path, function: &str) -> Result<Vec<Entry>, AdapterError> {
    archive::collect_files(root, &format!("function `{function}`"), DEFAULT_EXCLUDES)
}

pub(crate) use functory_adapter::archive::hex;

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use super::*;
    use crate::mapping::map_function;

    fn function(handler: &str, runtime: &str) -> Function {
        Function {
            name: "resize".into(),
            runtime: runtime.into(),
            handler: handler.into(),
            code_dir: ".".into(),
            handler_file: None,
            memory_mb: 128,
            timeout_s: 3,
            environment: vec![],
            triggers: vec![],
            permissions: vec![],
        }
    }

    fn write(root: &Path, path: &str, text: &str) {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn package(root: &Path, f: &Function) -> Result<Package, AdapterError> {
        let mapping = map_function(f, "demo").unwrap();
        package_function(
            root,
            f,
            &mapping,
            &Placement {
                project: "demo",
                region: "europe-west1",
            },
        )
    }

    fn read(package: &Package, name: &str) -> String {
        let mut archive = zip::ZipArchive::new(Cursor::new(package.zip.clone())).unwrap();
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn node_package_keeps_dependencies_adds_the_framework_and_is_stable() {
        let project = tempfile::tempdir().unwrap();
        let root = project.path();
        write(root, "src/app.js", "exports.handler = async () => 1;");
        write(
            root,
            "package.json",
            r#"{"name":"x","main":"src/app.js","dependencies":{"left-pad":"1.3.0"}}"#,
        );
        write(
            root,
            "node_modules/left-pad/index.js",
            "module.exports = 1;",
        );
        write(root, "package-lock.json", "{}");
        let f = function("src/app.handler", "nodejs24.x");
        let first = package(root, &f).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        write(root, "src/app.js", "exports.handler = async () => 1;");
        let second = package(root, &f).unwrap();
        assert_eq!(first.sha256, second.sha256);
        let archive = zip::ZipArchive::new(Cursor::new(first.zip.clone())).unwrap();
        let names: Vec<String> = archive
            .file_names()
            .map(|name| name.unwrap().into_owned())
            .collect();
        assert_eq!(names, ["functory-entry.cjs", "package.json", "src/app.js"]);
        let manifest: Value = serde_json::from_str(&read(&first, "package.json")).unwrap();
        assert_eq!(manifest["main"], NODE_ENTRY);
        assert_eq!(manifest["dependencies"]["left-pad"], "1.3.0");
        assert_eq!(
            manifest["dependencies"]["@google-cloud/functions-framework"],
            "^3.4.0"
        );
        let entry = read(&first, NODE_ENTRY);
        assert!(entry.contains(r#""handlerFile":"src/app.js""#), "{entry}");
        assert!(first.notes.iter().any(|n| n.contains("package-lock.json")));
    }

    #[test]
    fn python_package_generates_main_and_requirements() {
        let project = tempfile::tempdir().unwrap();
        let root = project.path();
        write(
            root,
            "pkg/app.py",
            "def handler(event, context):\n    return 1\n",
        );
        write(root, "requirements.txt", "requests==2.32.0");
        let f = function("pkg/app.handler", "python3.12");
        let built = package(root, &f).unwrap();
        assert_eq!(
            read(&built, "requirements.txt"),
            "requests==2.32.0\nfunctions-framework==3.*\n"
        );
        let main = read(&built, PYTHON_ENTRY);
        assert!(main.contains(r#"\"handlerModule\":\"pkg.app\""#), "{main}");
        assert!(!main.contains("__FUNCTORY_CONFIG__"));

        write(root, "main.py", "x = 1\n");
        let error = package(root, &f).unwrap_err();
        assert!(error.to_string().contains("rename yours"), "{error}");
    }

    #[test]
    fn a_missing_handler_module_is_named() {
        let project = tempfile::tempdir().unwrap();
        write(project.path(), "other.js", "x");
        let error = package(project.path(), &function("app.handler", "nodejs24.x")).unwrap_err();
        assert!(error.to_string().contains("`app`"), "{error}");
    }
}
