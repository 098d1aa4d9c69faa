//! Open and create projects; the project's view as the UI shows it.

use std::fs;
use std::path::{Path, PathBuf};

use functory_core::manifest::ProjectFiles;
use functory_core::template::{FunctionTemplate, new_manifest, unique_suffix};
use functory_core::{MANIFEST_FILE_NAME, ManifestEdit, ParsedManifest, apply_edit, parse_manifest};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};
use crate::files::{self, FileContent, TreeNode};

/// An open project folder. The folder is canonicalised once, so every path check compares
/// against its real location.
#[derive(Debug, Clone)]
pub struct Project {
    root: PathBuf,
}

/// Everything the UI needs to draw a project: its manifest (parsed, with diagnostics) and files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ProjectView {
    pub root: String,
    /// The project's name from the manifest, or the folder's name.
    pub name: String,
    /// False when the folder has no `functory.toml`: the UI offers to create one.
    pub has_manifest: bool,
    pub manifest: ParsedManifest,
    pub tree: TreeNode,
}

struct DiskFiles<'a>(&'a Path);

impl ProjectFiles for DiskFiles<'_> {
    fn is_file(&self, relative: &str) -> bool {
        files::resolve(self.0, relative).is_ok_and(|p| p.is_file())
    }
}

impl Project {
    /// Opens a folder as a project. A folder without a manifest opens too (`has_manifest` is
    /// false in its view) so the user can be offered to create one.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ApiError> {
        let path = path.as_ref();
        let root = path
            .canonicalize()
            .map_err(|e| ApiError::io("open", path, e))?;
        if !root.is_dir() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("{} is not a folder", root.display()),
            ));
        }
        Ok(Self { root })
    }

    /// Creates a new project folder (which must not exist or be empty) with a manifest and,
    /// when asked, a first function called `hello` from a template.
    pub fn create(
        path: impl AsRef<Path>,
        name: &str,
        template: Option<FunctionTemplate>,
    ) -> Result<Self, ApiError> {
        let path = path.as_ref();
        if path.exists() {
            let mut entries = fs::read_dir(path).map_err(|e| ApiError::io("read", path, e))?;
            if entries.next().is_some() {
                return Err(ApiError::new(
                    ErrorCode::AlreadyExists,
                    format!(
                        "{} already exists and is not empty; choose a new folder",
                        path.display()
                    ),
                ));
            }
        }
        fs::create_dir_all(path).map_err(|e| ApiError::io("create", path, e))?;
        let project = Self::open(path)?;
        project.init(name)?;
        if let Some(template) = template {
            project.create_function("hello", template)?;
        }
        Ok(project)
    }

    /// Writes a fresh manifest into a folder that has none.
    pub fn init(&self, name: &str) -> Result<(), ApiError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "project.name: the project name is empty",
            ));
        }
        let manifest = self.manifest_path();
        if manifest.exists() {
            return Err(ApiError::new(
                ErrorCode::AlreadyExists,
                format!("{} already exists", manifest.display()),
            ));
        }
        files::write_atomically(&manifest, new_manifest(name).as_bytes())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.root.join(MANIFEST_FILE_NAME)
    }

    /// The manifest text, or `NoManifest`.
    pub fn manifest_text(&self) -> Result<String, ApiError> {
        let path = self.manifest_path();
        match fs::read_to_string(&path) {
            Ok(text) => Ok(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ApiError::new(
                ErrorCode::NoManifest,
                format!("{} has no {MANIFEST_FILE_NAME}", self.root.display()),
            )),
            Err(e) => Err(ApiError::io("read", &path, e)),
        }
    }

    /// Parses and validates the manifest against the files on disk.
    pub fn parse(&self) -> Result<ParsedManifest, ApiError> {
        let text = self.manifest_text()?;
        Ok(parse_manifest(
            &text,
            MANIFEST_FILE_NAME,
            &DiskFiles(&self.root),
        ))
    }

    pub fn view(&self) -> Result<ProjectView, ApiError> {
        let (has_manifest, manifest) = match self.parse() {
            Ok(parsed) => (true, parsed),
            Err(e) if e.code == ErrorCode::NoManifest => (
                false,
                ParsedManifest {
                    manifest: None,
                    diagnostics: Vec::new(),
                },
            ),
            Err(e) => return Err(e),
        };
        let folder_name = self
            .root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = manifest
            .manifest
            .as_ref()
            .map_or(folder_name, |m| m.project_name.clone());
        Ok(ProjectView {
            root: self.root.display().to_string(),
            name,
            has_manifest,
            manifest,
            tree: files::tree(&self.root),
        })
    }

    pub fn read_file(&self, relative: &str) -> Result<FileContent, ApiError> {
        files::read_file(&self.root, relative)
    }

    /// Saves a file inside the project. Files the editor shows read-only (binary, not UTF-8,
    /// over 5 MB) are refused so a partial view can never overwrite the real contents.
    pub fn write_file(&self, relative: &str, text: &str) -> Result<(), ApiError> {
        let path = files::resolve(&self.root, relative)?;
        if path.is_dir() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("`{relative}` is a folder"),
            ));
        }
        if path.exists() {
            let current = self.read_file(relative)?;
            if current.read_only {
                return Err(ApiError::new(
                    ErrorCode::ReadOnly,
                    format!(
                        "`{relative}` is open read-only: {}",
                        current.notice.unwrap_or_default()
                    ),
                ));
            }
        }
        files::write_atomically(&path, text.as_bytes())
    }

    /// Applies an edit to `functory.toml` through `toml_edit`, keeping the user's formatting.
    pub fn apply_manifest_edit(&self, edit: &ManifestEdit) -> Result<(), ApiError> {
        let text = self.manifest_text()?;
        let edited = apply_edit(&text, edit)?;
        files::write_atomically(&self.manifest_path(), edited.as_bytes())
    }

    /// Writes a template's handler file and registers the function (and the resources it
    /// uses) in the manifest. The files are written only after the manifest change is known to
    /// apply, and an existing file is never overwritten.
    pub fn create_function(&self, name: &str, template: FunctionTemplate) -> Result<(), ApiError> {
        let text = self.manifest_text()?;
        let applied = template.apply(&text, name, &unique_suffix())?;
        let mut paths = Vec::new();
        for file in &applied.files {
            let path = files::resolve(&self.root, &file.path)?;
            if path.exists() {
                return Err(ApiError::new(
                    ErrorCode::AlreadyExists,
                    format!("{} already exists; choose another function name", file.path),
                ));
            }
            paths.push(path);
        }
        for (path, file) in paths.iter().zip(&applied.files) {
            files::write_atomically(path, file.contents.as_bytes())?;
        }
        files::write_atomically(&self.manifest_path(), applied.manifest.as_bytes())
    }
}
