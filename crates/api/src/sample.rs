//! The sample project bundled with the app, so a first-time user has something to open.

use std::path::Path;

use crate::error::ApiError;
use crate::files::write_atomically;
use crate::project::Project;

const SAMPLE_FILES: &[(&str, &str)] = &[
    (
        "functory.toml",
        include_str!("../../../samples/thumbnails/functory.toml"),
    ),
    (
        "README.md",
        include_str!("../../../samples/thumbnails/README.md"),
    ),
    (
        "src/resize.mjs",
        include_str!("../../../samples/thumbnails/src/resize.mjs"),
    ),
    (
        "src/report.py",
        include_str!("../../../samples/thumbnails/src/report.py"),
    ),
];

/// Opens the sample project in `dir`, writing it there first if `dir` has no manifest yet.
/// Files the user already changed are left alone.
pub fn open_sample(dir: &Path) -> Result<Project, ApiError> {
    if !dir.join(functory_core::MANIFEST_FILE_NAME).exists() {
        for (relative, contents) in SAMPLE_FILES {
            let path = dir.join(relative);
            if !path.exists() {
                write_atomically(&path, contents.as_bytes())?;
            }
        }
    }
    Project::open(dir)
}
