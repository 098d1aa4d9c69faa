//! Writing an imported manifest into a project folder: never over an existing functory.toml
//! unless asked, and never a half-written file.

use std::io::Write;
use std::path::{Path, PathBuf};

use functory_core::MANIFEST_FILE_NAME;

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0} already exists; pass --force to replace it")]
    Exists(PathBuf),
    #[error("could not write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Writes `text` as `<dir>/functory.toml` and returns its path. Without `force` an existing
/// manifest is an error, checked atomically (the file is linked into place, which fails if
/// the name exists). With `force` the new file replaces the old one in one rename.
pub fn write_manifest(dir: &Path, text: &str, force: bool) -> Result<PathBuf, WriteError> {
    let target = dir.join(MANIFEST_FILE_NAME);
    let io = |source| WriteError::Io {
        path: target.clone(),
        source,
    };
    if !force && target.exists() {
        return Err(WriteError::Exists(target));
    }
    let temporary = dir.join(format!(".{MANIFEST_FILE_NAME}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    })();
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(io(error));
    }
    let placed = if force {
        std::fs::rename(&temporary, &target)
    } else {
        let linked = std::fs::hard_link(&temporary, &target);
        let _ = std::fs::remove_file(&temporary);
        linked
    };
    match placed {
        Ok(()) => Ok(target),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(WriteError::Exists(target))
        }
        Err(error) => {
            let _ = std::fs::remove_file(&temporary);
            Err(io(error))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_manifest(dir.path(), "a = 1\n", false).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a = 1\n");
        let error = write_manifest(dir.path(), "a = 2\n", false).unwrap_err();
        assert!(error.to_string().contains("--force"), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a = 1\n");
        write_manifest(dir.path(), "a = 3\n", true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a = 3\n");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }
}
