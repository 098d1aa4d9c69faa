//! Deterministic zip archives of function code, shared by every cloud adapter.
//!
//! Clouds identify code by a digest of the uploaded zip, so the zip must be a pure function of
//! the files: entries in the order the caller sorted them, every timestamp fixed at
//! 1980-01-01 (the earliest a zip can hold), permissions normalised to 0644 / 0755 (executables
//! keep their bit, which a `provided` runtime's `bootstrap` needs), one compression level. Then
//! an unchanged function hashes the same and is not uploaded again.
//!
//! What goes in is a code folder minus the adapter's default excludes and the patterns of a
//! `.functoryignore` file (gitignore syntax) in it, plus whatever the adapter generates.
//!
//! `owner` names what the archive is for in error messages ("function `resize`", "the function
//! app"), so an unreadable file or a bad pattern says whose deploy it stopped.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::AdapterError;

/// The file in a code directory that lists more exclusions.
pub const IGNORE_FILE: &str = ".functoryignore";

/// Where an entry's bytes come from.
#[derive(Debug, Clone)]
pub enum EntrySource {
    File(PathBuf),
    /// Made by the adapter (an entry point, a merged dependency list).
    Bytes(Vec<u8>),
}

/// One file of an archive.
#[derive(Debug, Clone)]
pub struct ArchiveEntry {
    /// The path inside the zip, `/`-separated.
    pub name: String,
    pub executable: bool,
    pub source: EntrySource,
}

impl ArchiveEntry {
    /// A file the adapter generates (not executable).
    pub fn generated(name: impl Into<String>, data: Vec<u8>) -> Self {
        ArchiveEntry {
            name: name.into(),
            executable: false,
            source: EntrySource::Bytes(data),
        }
    }

    /// The entry's bytes, read from disk when they come from a file.
    pub fn read(&self, owner: &str) -> Result<Vec<u8>, AdapterError> {
        match &self.source {
            EntrySource::File(path) => std::fs::read(path).map_err(|e| read_error(owner, path, &e)),
            EntrySource::Bytes(data) => Ok(data.clone()),
        }
    }
}

/// The files below `root` that are neither in `default_excludes` nor matched by the root's
/// `.functoryignore`, named relative to `root`. Symlinks are followed (`node_modules/.bin`
/// links to real files); a dangling one is skipped rather than failing the whole deploy.
/// Unsorted: the caller orders the entries.
pub fn collect_files(
    root: &Path,
    owner: &str,
    default_excludes: &[&str],
) -> Result<Vec<ArchiveEntry>, AdapterError> {
    let ignore = ignore_rules(root, owner, default_excludes)?;
    let mut out = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let listing = std::fs::read_dir(&dir).map_err(|e| read_error(owner, &dir, &e))?;
        for item in listing {
            let item = item.map_err(|e| read_error(owner, &dir, &e))?;
            let path = item.path();
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let relative = path.strip_prefix(root).unwrap_or(&path);
            if ignore
                .matched_path_or_any_parents(relative, meta.is_dir())
                .is_ignore()
            {
                continue;
            }
            if meta.is_dir() {
                pending.push(path);
            } else if meta.is_file() {
                let name = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push(ArchiveEntry {
                    name,
                    executable: is_executable(&meta),
                    source: EntrySource::File(path),
                });
            }
        }
    }
    Ok(out)
}

/// The exclusion rules of a code folder: `default_excludes`, then its `.functoryignore`.
pub fn ignore_rules(
    root: &Path,
    owner: &str,
    default_excludes: &[&str],
) -> Result<Gitignore, AdapterError> {
    let mut builder = GitignoreBuilder::new(root);
    for pattern in default_excludes {
        // The defaults are constants known to parse.
        let _ = builder.add_line(None, pattern);
    }
    let file = root.join(IGNORE_FILE);
    let bad = |error: &dyn std::fmt::Display| {
        AdapterError::invalid(format!(
            "{owner}: {} has a bad pattern: {error}",
            file.display()
        ))
    };
    if file.is_file()
        && let Some(error) = builder.add(&file)
    {
        return Err(bad(&error));
    }
    builder.build().map_err(|e| bad(&e))
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

/// The zip of `entries`, in the order given.
pub fn build_zip<'a>(
    entries: impl IntoIterator<Item = &'a ArchiveEntry>,
    owner: &str,
) -> Result<Vec<u8>, AdapterError> {
    let zip_error = |error: zip::result::ZipError| {
        AdapterError::invalid(format!("{owner}: could not build the zip: {error}"))
    };
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let base = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(DateTime::default())
        .large_file(false);
    for entry in entries {
        let data = entry.read(owner)?;
        let mode = if entry.executable { 0o755 } else { 0o644 };
        writer
            .start_file(entry.name.as_str(), base.unix_permissions(mode))
            .and_then(|()| writer.write_all(&data).map_err(Into::into))
            .map_err(zip_error)?;
    }
    Ok(writer.finish().map_err(zip_error)?.into_inner())
}

/// The dependencies a Node code folder's `package.json` declares that its archive lacks:
/// `entries` are the archive's names and the folder's files sit under `prefix` (`""` or
/// `src/`). Nothing when there is no readable `package.json`. Clouds that run a package as it
/// is uploaded need `node_modules` shipped.
pub fn missing_node_modules<'a>(
    code_dir: &Path,
    prefix: &str,
    entries: impl Iterator<Item = &'a str> + Clone,
) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(code_dir.join("package.json")) else {
        return Vec::new();
    };
    let declared = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("dependencies").and_then(|d| d.as_object()).cloned())
        .unwrap_or_default();
    declared
        .keys()
        .filter(|name| {
            let folder = format!("{prefix}node_modules/{name}/");
            !entries.clone().any(|e| e.starts_with(&folder))
        })
        .cloned()
        .collect()
}

/// `` `a`, `b` `` for a message.
pub fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|m| format!("`{m}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A package size as plans and errors show it: `1.5 KB`, `12.3 MB`.
pub fn human_size(bytes: usize) -> String {
    if bytes < 1024 * 1024 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn read_error(owner: &str, path: &Path, error: &std::io::Error) -> AdapterError {
    AdapterError::invalid(format!(
        "{owner}: could not read {}: {error}",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_files_make_the_same_bytes_and_ignore_rules_apply() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lib")).unwrap();
        std::fs::write(dir.path().join("app.js"), "exports.handler = 1;\n").unwrap();
        std::fs::write(dir.path().join("lib/util.js"), "module.exports = 2;\n").unwrap();
        std::fs::write(dir.path().join("notes.md"), "not shipped\n").unwrap();
        std::fs::write(dir.path().join(IGNORE_FILE), "*.md\n").unwrap();
        let collect = || {
            let mut entries = collect_files(dir.path(), "function `f`", &[IGNORE_FILE]).unwrap();
            entries.sort_by(|a, b| a.name.cmp(&b.name));
            entries
        };
        let entries = collect();
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["app.js", "lib/util.js"]);
        let first = build_zip(&entries, "function `f`").unwrap();
        // Touching a file changes its time, never the zip.
        std::fs::write(dir.path().join("app.js"), "exports.handler = 1;\n").unwrap();
        assert_eq!(build_zip(&collect(), "function `f`").unwrap(), first);
        std::fs::write(dir.path().join("app.js"), "exports.handler = 3;\n").unwrap();
        assert_ne!(build_zip(&collect(), "function `f`").unwrap(), first);
    }

    #[test]
    fn a_bad_ignore_pattern_names_the_function_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(IGNORE_FILE), "*.[z-a]\n").unwrap();
        let error = collect_files(dir.path(), "function `resize`", &[])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("function `resize`") && error.contains(IGNORE_FILE),
            "{error}"
        );
    }
}
