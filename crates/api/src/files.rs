//! Files inside a project: safe path resolution, atomic writes, a bounded tree.

use std::fs;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};

/// Larger files open read-only with a notice: an editor buffer of this size is already slow.
pub const MAX_EDITABLE_BYTES: u64 = 5 * 1024 * 1024;
/// How much of a too-large text file is shown.
const PREVIEW_BYTES: usize = 64 * 1024;
/// How far into a file we look for NUL bytes to call it binary.
const BINARY_SNIFF_BYTES: usize = 8 * 1024;
const TREE_MAX_ENTRIES: usize = 5_000;
const TREE_MAX_DEPTH: usize = 12;
const TREE_SKIPPED: &[&str] = &[
    ".git",
    "node_modules",
    "target",
    "__pycache__",
    ".venv",
    ".functory",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FileContent {
    /// Relative to the project root, `/`-separated.
    pub path: String,
    pub text: String,
    pub read_only: bool,
    /// Why the file is read-only, for the notice above the editor.
    pub notice: Option<String>,
    #[ts(type = "number")]
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TreeNode {
    pub name: String,
    /// Relative to the project root, `/`-separated; empty for the root.
    pub path: String,
    pub is_dir: bool,
    pub children: Vec<TreeNode>,
}

/// Resolves `relative` below `root`, refusing anything that leads outside it: absolute paths,
/// `..` that climbs above the root, and symbolic links that point elsewhere.
pub(crate) fn resolve(root: &Path, relative: &str) -> Result<PathBuf, ApiError> {
    let outside = || {
        ApiError::new(
            ErrorCode::OutsideProject,
            format!(
                "`{relative}` is outside the project folder {}",
                root.display()
            ),
        )
    };
    let relative_path = Path::new(relative);
    let mut clean = PathBuf::new();
    for component in relative_path.components() {
        match component {
            Component::Normal(part) => clean.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                if !clean.pop() {
                    return Err(outside());
                }
            }
            Component::RootDir | Component::Prefix(_) => return Err(outside()),
        }
    }
    if clean.as_os_str().is_empty() {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "a file path is required",
        ));
    }
    let candidate = root.join(&clean);
    // The deepest existing ancestor, resolved through symbolic links, must stay in the root.
    let mut existing = candidate.as_path();
    while !existing.exists() {
        match existing.parent() {
            Some(parent) => existing = parent,
            None => break,
        }
    }
    let real = existing
        .canonicalize()
        .map_err(|e| ApiError::io("resolve", existing, e))?;
    if !real.starts_with(root) {
        return Err(outside());
    }
    Ok(candidate)
}

pub(crate) fn to_relative(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

pub(crate) fn read_file(root: &Path, relative: &str) -> Result<FileContent, ApiError> {
    let path = resolve(root, relative)?;
    let metadata = fs::metadata(&path).map_err(|e| ApiError::io("open", &path, e))?;
    if metadata.is_dir() {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("`{relative}` is a folder, not a file"),
        ));
    }
    let size = metadata.len();
    let relative = to_relative(root, &path);
    let mut file = fs::File::open(&path).map_err(|e| ApiError::io("open", &path, e))?;
    if size > MAX_EDITABLE_BYTES {
        let mut head = vec![0; PREVIEW_BYTES];
        let n = read_up_to(&mut file, &mut head).map_err(|e| ApiError::io("read", &path, e))?;
        head.truncate(n);
        let notice = if looks_binary(&head) {
            format!("Binary file of {} — not shown.", human_size(size))
        } else {
            format!(
                "This file is {}, larger than the 5 MB the editor opens; showing the first {} read-only.",
                human_size(size),
                human_size(n as u64)
            )
        };
        let text = if looks_binary(&head) {
            String::new()
        } else {
            String::from_utf8_lossy(&head).into_owned()
        };
        return Ok(FileContent {
            path: relative,
            text,
            read_only: true,
            notice: Some(notice),
            size,
        });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.read_to_end(&mut bytes)
        .map_err(|e| ApiError::io("read", &path, e))?;
    if looks_binary(&bytes) {
        return Ok(FileContent {
            path: relative,
            text: String::new(),
            read_only: true,
            notice: Some(format!("Binary file of {} — not shown.", human_size(size))),
            size,
        });
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(FileContent {
            path: relative,
            text,
            read_only: false,
            notice: None,
            size,
        }),
        Err(error) => Ok(FileContent {
            path: relative,
            text: String::from_utf8_lossy(error.as_bytes()).into_owned(),
            read_only: true,
            notice: Some(
                "This file is not valid UTF-8; it is shown read-only so saving cannot corrupt it."
                    .into(),
            ),
            size,
        }),
    }
}

fn read_up_to(file: &mut fs::File, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

fn looks_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(BINARY_SNIFF_BYTES)].contains(&0)
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{:.0} KB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} bytes")
    }
}

/// Writes `contents` so that a crash leaves either the old file or the new one, never half.
pub(crate) fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), ApiError> {
    let dir = path
        .parent()
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidInput, "no parent folder"))?;
    fs::create_dir_all(dir).map_err(|e| ApiError::io("create folder", dir, e))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.{}.functory-tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        if let Ok(metadata) = fs::metadata(path) {
            fs::set_permissions(&temp, metadata.permissions())?;
        }
        fs::rename(&temp, path)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&temp);
        ApiError::io("write", path, e)
    })
}

pub(crate) fn tree(root: &Path) -> TreeNode {
    let mut budget = TREE_MAX_ENTRIES;
    TreeNode {
        name: root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        path: String::new(),
        is_dir: true,
        children: children(root, root, 0, &mut budget),
    }
}

fn children(root: &Path, dir: &Path, depth: usize, budget: &mut usize) -> Vec<TreeNode> {
    if depth >= TREE_MAX_DEPTH {
        return Vec::new();
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut entries: Vec<_> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !TREE_SKIPPED.contains(&name.as_ref()) && !name.ends_with(".functory-tmp")
        })
        .map(|e| {
            // Symbolic links are listed but never followed, so a loop cannot hang the tree.
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            (
                is_dir,
                e.file_name().to_string_lossy().into_owned(),
                e.path(),
            )
        })
        .collect();
    entries.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1.to_lowercase().cmp(&b.1.to_lowercase()))
    });
    let mut nodes = Vec::new();
    for (is_dir, name, path) in entries {
        if *budget == 0 {
            break;
        }
        *budget -= 1;
        let children = if is_dir {
            children(root, &path, depth + 1, budget)
        } else {
            Vec::new()
        };
        nodes.push(TreeNode {
            name,
            path: to_relative(root, &path),
            is_dir,
            children,
        });
    }
    nodes
}
