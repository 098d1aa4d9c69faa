//! Deterministic function packages.
//!
//! Lambda identifies code by the SHA-256 of the zip (`CodeSha256`), so the zip must be a pure
//! function of the files: entries sorted by path, every timestamp fixed at 1980-01-01 (the
//! earliest a zip can hold), permissions normalised to 0644 / 0755 (executables keep their bit,
//! which a `provided` runtime's `bootstrap` needs), one compression level. Then an unchanged
//! function hashes the same and is not uploaded again.
//!
//! What goes in: the function's `code_dir`, minus the defaults below and the patterns of a
//! `.functoryignore` file (gitignore syntax) in the code directory; `node_modules` as it is on
//! disk; for Python, the packages of `requirements.txt` installed by pip into a cache folder
//! keyed by the file's hash, placed at the zip's root as Lambda expects.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use functory_adapter::AdapterError;
use functory_adapter::archive::{self, ArchiveEntry};
use functory_core::{Function, Runtime, RuntimeFamily};
use sha2::{Digest, Sha256};

pub use functory_adapter::archive::IGNORE_FILE;

/// Never packaged: version control, Functory's own state, caches, editor litter, the manifest.
const DEFAULT_EXCLUDES: &[&str] = &[
    ".git/",
    ".functory/",
    "__pycache__/",
    "*.pyc",
    ".DS_Store",
    ".functoryignore",
    "/functory.toml",
    ".venv/",
];

/// A built zip and what identifies it.
#[derive(Clone)]
pub struct Package {
    /// Empty when the package was recognised from its recorded input digest and not built
    /// (an unchanged redeploy uploads nothing, so it needs no zip).
    pub zip: Vec<u8>,
    /// Base64 of the SHA-256 of the zip, exactly as Lambda reports `CodeSha256`.
    pub code_sha256: String,
    pub files: usize,
    /// The zip's size.
    pub bytes: usize,
}

impl std::fmt::Debug for Package {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Package")
            .field("bytes", &self.bytes)
            .field("built", &!self.zip.is_empty())
            .field("code_sha256", &self.code_sha256)
            .field("files", &self.files)
            .finish()
    }
}

/// Packages `function` of the project at `project_root`. Python dependencies are installed into
/// `cache_dir` (kept between deploys).
pub fn package_function(
    project_root: &Path,
    function: &Function,
    cache_dir: &Path,
) -> Result<Package, AdapterError> {
    let code_dir = project_root.join(&function.code_dir);
    if !code_dir.is_dir() {
        return Err(AdapterError::invalid(format!(
            "function `{}`: its code directory `{}` does not exist",
            function.name, function.code_dir
        )));
    }
    let mut entries = collect_files(&code_dir, &function.name)?;
    let python = family(function) == Some(RuntimeFamily::Python);
    if python && code_dir.join("requirements.txt").is_file() {
        let site = install_requirements(&code_dir, &function.name, cache_dir)?;
        let mut dependencies = collect_files(&site, &function.name)?;
        // The function's own files win over a dependency of the same path.
        dependencies.retain(|d| !entries.iter().any(|e| e.name == d.name));
        entries.extend(dependencies);
    }
    check_node_modules(&code_dir, function, &entries)?;
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    build_zip(&entries, &function.name)
}

/// Bumped whenever what goes into a package, or how it is zipped, changes: a recorded digest
/// of another format never vouches for a package of this one.
const PACKAGE_FORMAT: &str = "functory-zip-1";

/// What identifies a function's package without building it: the SHA-256 (hex) of every file
/// that would go in (its path, executable bit and bytes, in the package's order), the format
/// above, and the excludes. Reading and hashing the files costs a fraction of compressing them,
/// so a redeploy recognises an unchanged tree without zipping anything. Python dependencies are
/// covered by `requirements.txt` (their install is keyed by its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputDigest {
    pub hex: String,
    pub files: usize,
}

pub fn input_digest(project_root: &Path, function: &Function) -> Result<InputDigest, AdapterError> {
    let code_dir = project_root.join(&function.code_dir);
    if !code_dir.is_dir() {
        return Err(AdapterError::invalid(format!(
            "function `{}`: its code directory `{}` does not exist",
            function.name, function.code_dir
        )));
    }
    let mut entries = collect_files(&code_dir, &function.name)?;
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let mut hasher = Sha256::new();
    hasher.update(PACKAGE_FORMAT.as_bytes());
    for exclude in DEFAULT_EXCLUDES {
        hasher.update(exclude.as_bytes());
        hasher.update([0]);
    }
    let owner = format!("function `{}`", function.name);
    for entry in &entries {
        let data = entry.read(&owner)?;
        hasher.update(entry.name.as_bytes());
        hasher.update([0, u8::from(entry.executable)]);
        hasher.update((data.len() as u64).to_le_bytes());
        hasher.update(&data);
    }
    Ok(InputDigest {
        hex: hex(&hasher.finalize()),
        files: entries.len(),
    })
}

fn family(function: &Function) -> Option<RuntimeFamily> {
    function.runtime.parse::<Runtime>().ok().map(|r| r.family)
}

fn collect_files(root: &Path, function: &str) -> Result<Vec<ArchiveEntry>, AdapterError> {
    archive::collect_files(root, &format!("function `{function}`"), DEFAULT_EXCLUDES)
}

/// A Node function that declares dependencies must ship them: Lambda does not run `npm install`.
fn check_node_modules(
    code_dir: &Path,
    function: &Function,
    entries: &[ArchiveEntry],
) -> Result<(), AdapterError> {
    if family(function) != Some(RuntimeFamily::Node) {
        return Ok(());
    }
    let missing =
        archive::missing_node_modules(code_dir, "", entries.iter().map(|e| e.name.as_str()));
    if missing.is_empty() {
        return Ok(());
    }
    Err(AdapterError::invalid(format!(
        "function `{}`: package.json depends on {} but node_modules does not have {}: run `npm install --omit=dev` in `{}` first (Lambda does not install packages)",
        function.name,
        archive::quoted_list(&missing),
        if missing.len() == 1 { "it" } else { "them" },
        function.code_dir
    )))
}

/// Installs `requirements.txt` with pip into a folder named after the file's hash, reused
/// while the file does not change.
fn install_requirements(
    code_dir: &Path,
    function: &str,
    cache_dir: &Path,
) -> Result<PathBuf, AdapterError> {
    let requirements = code_dir.join("requirements.txt");
    let text =
        std::fs::read(&requirements).map_err(|e| io_error(function, "read", &requirements, &e))?;
    let digest = hex(&Sha256::digest(&text))[..16].to_owned();
    let target = cache_dir.join(format!("python-{digest}"));
    if target.join(".complete").is_file() {
        return Ok(target);
    }
    let partial = cache_dir.join(format!("python-{digest}.partial"));
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(&partial).map_err(|e| io_error(function, "create", &partial, &e))?;
    let output = Command::new("python3")
        .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
        .args(["--no-compile", "--target"])
        .arg(&partial)
        .arg("-r")
        .arg(&requirements)
        .current_dir(code_dir)
        .output()
        .map_err(|e| {
            AdapterError::invalid(format!(
                "function `{function}`: could not run `python3 -m pip` to install requirements.txt: {e}"
            ))
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(AdapterError::invalid(format!(
            "function `{function}`: pip could not install requirements.txt: {}",
            last.trim()
        )));
    }
    // Only a finished install is ever reused: the marker goes in last, then the rename.
    std::fs::write(partial.join(".complete"), b"")
        .map_err(|e| io_error(function, "write to", &partial, &e))?;
    let _ = std::fs::remove_dir_all(&target);
    std::fs::rename(&partial, &target)
        .map_err(|e| io_error(function, "move the install to", &target, &e))?;
    Ok(target)
}

fn build_zip(entries: &[ArchiveEntry], function: &str) -> Result<Package, AdapterError> {
    // `.complete` marks a finished pip install in the cache; it is not the function's.
    let shipped: Vec<&ArchiveEntry> = entries.iter().filter(|e| e.name != ".complete").collect();
    let zip = archive::build_zip(shipped.iter().copied(), &format!("function `{function}`"))?;
    let code_sha256 = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&zip));
    Ok(Package {
        bytes: zip.len(),
        zip,
        code_sha256,
        files: shipped.len(),
    })
}

/// What unpacking did with one entry of a zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unpacked {
    /// A new file.
    Written(String),
    /// A file that was already there with exactly these bytes.
    Unchanged(String),
    /// A file that was there with other bytes, kept as it was (no `overwrite`).
    Kept(String),
    /// A file that was there with other bytes, replaced (`overwrite`).
    Replaced(String),
}

/// Unpacks a function's zip into `dir` (created when missing). An existing file with other
/// bytes is kept unless `overwrite`; either way the answer says so, per file. Entries that
/// would land outside `dir` (`../x`, absolute paths) are refused before anything is written.
pub fn unpack(zip: &[u8], dir: &Path, overwrite: bool) -> Result<Vec<Unpacked>, AdapterError> {
    let bad = |e: &dyn std::fmt::Display| {
        AdapterError::invalid(format!("the function's code is not a readable zip: {e}"))
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).map_err(|e| bad(&e))?;
    let mut entries = Vec::new();
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|e| bad(&e))?;
        if entry.is_dir() {
            continue;
        }
        let Some(relative) = entry.enclosed_name() else {
            return Err(AdapterError::invalid(format!(
                "the function's zip has an entry outside its folder (`{}`): nothing was unpacked",
                entry.name().map(|n| n.into_owned()).unwrap_or_default()
            )));
        };
        entries.push((i, relative));
    }
    let mut outcome = Vec::new();
    for (i, relative) in entries {
        let mut entry = archive.by_index(i).map_err(|e| bad(&e))?;
        let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        std::io::Read::read_to_end(&mut entry, &mut bytes).map_err(|e| bad(&e))?;
        let shown = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let path = dir.join(&relative);
        let write_error = |e: std::io::Error| {
            AdapterError::invalid(format!("could not write {}: {e}", path.display()))
        };
        let existing = std::fs::read(&path).ok();
        match existing {
            Some(old) if old == bytes => {
                outcome.push(Unpacked::Unchanged(shown));
                continue;
            }
            Some(_) if !overwrite => {
                outcome.push(Unpacked::Kept(shown));
                continue;
            }
            _ => {}
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(write_error)?;
        }
        std::fs::write(&path, &bytes).map_err(write_error)?;
        #[cfg(unix)]
        if let Some(mode) = entry.unix_mode() {
            use std::os::unix::fs::PermissionsExt;
            // Executables (a `provided` runtime's `bootstrap`) keep their bit.
            let mode = if mode & 0o111 != 0 { 0o755 } else { 0o644 };
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
                .map_err(write_error)?;
        }
        outcome.push(if existing.is_some() {
            Unpacked::Replaced(shown)
        } else {
            Unpacked::Written(shown)
        });
    }
    Ok(outcome)
}

pub(crate) use functory_adapter::archive::hex;

/// An installing step that failed: `doing` says which ("read", "create", …).
fn io_error(function: &str, doing: &str, path: &Path, error: &std::io::Error) -> AdapterError {
    AdapterError::invalid(format!(
        "function `{function}`: could not {doing} {}: {error}",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn function(code_dir: &str, runtime: &str) -> Function {
        Function {
            name: "f".into(),
            runtime: runtime.into(),
            handler: "index.handler".into(),
            code_dir: code_dir.into(),
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

    fn names(package: &Package) -> Vec<String> {
        let archive = zip::ZipArchive::new(Cursor::new(package.zip.clone())).unwrap();
        archive
            .file_names()
            .map(|name| name.unwrap().into_owned())
            .collect()
    }

    #[test]
    fn same_files_same_hash_whatever_the_timestamps() {
        let project = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        write(
            project.path(),
            "index.js",
            "exports.handler = async () => 1;",
        );
        write(project.path(), "lib/util.js", "module.exports = 2;");
        let first =
            package_function(project.path(), &function(".", "nodejs20.x"), cache.path()).unwrap();
        // Rewrite a file with the same bytes: its mtime changes, the package must not.
        std::thread::sleep(std::time::Duration::from_millis(20));
        write(project.path(), "lib/util.js", "module.exports = 2;");
        let second =
            package_function(project.path(), &function(".", "nodejs20.x"), cache.path()).unwrap();
        assert_eq!(first.code_sha256, second.code_sha256);
        assert_eq!(first.zip, second.zip);
        write(project.path(), "lib/util.js", "module.exports = 3;");
        let third =
            package_function(project.path(), &function(".", "nodejs20.x"), cache.path()).unwrap();
        assert_ne!(first.code_sha256, third.code_sha256);
        // The digest is what Lambda reports: base64 of the SHA-256 of the zip.
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&third.zip));
        assert_eq!(third.code_sha256, expected);
    }

    #[test]
    fn entries_sorted_excludes_honoured_and_modes_kept() {
        let project = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let root = project.path();
        write(root, "functory.toml", "[project]\nname = \"x\"\n");
        write(root, "b.js", "b");
        write(root, "a/z.js", "z");
        write(root, "a/secret.env", "KEY=1");
        write(root, "notes/draft.md", "draft");
        write(root, ".git/HEAD", "ref");
        write(root, ".functory/local/logs/x.log", "log");
        write(root, "__pycache__/m.pyc", "x");
        write(
            root,
            ".functoryignore",
            "# drafts stay home\nnotes/\n*.env\n",
        );
        write(root, "bootstrap", "#!/bin/sh\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                root.join("bootstrap"),
                std::fs::Permissions::from_mode(0o750),
            )
            .unwrap();
        }
        let package =
            package_function(root, &function(".", "provided.al2023"), cache.path()).unwrap();
        assert_eq!(names(&package), vec!["a/z.js", "b.js", "bootstrap"]);
        let mut archive = zip::ZipArchive::new(Cursor::new(package.zip.clone())).unwrap();
        let bootstrap = archive.by_name("bootstrap").unwrap();
        assert_eq!(bootstrap.unix_mode().map(|m| m & 0o777), Some(0o755));
        assert_eq!(bootstrap.last_modified(), Some(zip::DateTime::default()));
        drop(bootstrap);
        let mut text = String::new();
        archive
            .by_name("a/z.js")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "z");
    }

    #[test]
    fn node_dependencies_must_be_installed() {
        let project = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let root = project.path();
        write(root, "src/index.js", "x");
        write(
            root,
            "src/package.json",
            r#"{"dependencies":{"left-pad":"1.3.0"}}"#,
        );
        let error =
            package_function(root, &function("src", "nodejs20.x"), cache.path()).unwrap_err();
        assert!(error.to_string().contains("`left-pad`"), "{error}");
        assert!(error.to_string().contains("npm install"), "{error}");
        write(
            root,
            "src/node_modules/left-pad/index.js",
            "module.exports = 1;",
        );
        let package = package_function(root, &function("src", "nodejs20.x"), cache.path()).unwrap();
        assert_eq!(
            names(&package),
            vec!["index.js", "node_modules/left-pad/index.js", "package.json"]
        );
    }

    #[test]
    fn missing_code_dir_names_it() {
        let project = tempfile::tempdir().unwrap();
        let error = package_function(
            project.path(),
            &function("nope", "python3.12"),
            project.path(),
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("`nope` does not exist"),
            "{error}"
        );
    }
}
