//! Which program runs a function's handlers. The declared runtime's own version when this
//! machine has it: a configured path ([`LocalSettings::interpreters`], from
//! `FUNCTORY_NODE_24`, `FUNCTORY_PYTHON_3_14`, …), else `node24` / `node-24` (Amazon Linux's
//! name) or `python3.14` on the search path. Otherwise the machine's `node` / `python3`
//! (`FUNCTORY_NODE` / `FUNCTORY_PYTHON`), and then, when its version is not the declared one,
//! the INIT_START line and every invoke result say which version ran.
//!
//! The runtime's language and version come from the runtime catalogue; what a program is,
//! from asking it (`--version`), once per program file.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::SystemTime;

use functory_core::{Runtime, RuntimeFamily};

use crate::settings::LocalSettings;

/// The program an instance starts, and what to say about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Interpreter {
    pub program: PathBuf,
    /// For the invoke result, when the version that runs is not the declared one.
    pub notice: Option<String>,
    /// For the INIT_START line, likewise: ` Interpreter: Node.js 20.20.2 (node), not 24`.
    pub init_note: Option<String>,
}

/// The configuration variable naming an interpreter for `runtime`: `FUNCTORY_NODE_24`,
/// `FUNCTORY_PYTHON_3_14`. `None` for OS-only runtimes (their `bootstrap` is the program).
pub(crate) fn variable(runtime: Runtime) -> Option<String> {
    let language = match runtime.family {
        RuntimeFamily::Node => "NODE",
        RuntimeFamily::Python => "PYTHON",
        RuntimeFamily::Provided => return None,
    };
    let version = match runtime.family {
        RuntimeFamily::Node => major(runtime.version),
        _ => runtime.version,
    };
    Some(format!(
        "FUNCTORY_{language}_{}",
        version.replace(['.', '-'], "_")
    ))
}

/// The names an interpreter of `runtime`'s version goes by on a search path.
fn versioned_names(runtime: Runtime) -> Vec<String> {
    match runtime.family {
        RuntimeFamily::Node => {
            let major = major(runtime.version);
            vec![format!("node{major}"), format!("node-{major}")]
        }
        RuntimeFamily::Python => vec![format!("python{}", runtime.version)],
        RuntimeFamily::Provided => Vec::new(),
    }
}

/// Node.js runtimes are named by major version (`nodejs8.10` ran Node.js 8).
fn major(version: &str) -> &str {
    version.split('.').next().unwrap_or(version)
}

/// The interpreter for a function declaring `runtime`.
pub(crate) fn choose(runtime: Runtime, settings: &LocalSettings) -> Interpreter {
    let fallback = match runtime.family {
        RuntimeFamily::Node => &settings.node,
        RuntimeFamily::Python => &settings.python,
        RuntimeFamily::Provided => return Interpreter::default(),
    };
    let names = versioned_names(runtime);
    let configured = settings.interpreters.get(runtime.name);
    let (program, version) = match configured {
        // What the user configured runs, whatever it answers.
        Some(program) => (program.clone(), version_of(program)),
        None => names
            .iter()
            .filter_map(|name| find(name, settings.search_path.as_deref()))
            .find_map(|path| version_of(&path).map(|version| (path, Some(version))))
            .unwrap_or_else(|| (fallback.clone(), version_of(fallback))),
    };
    let declared = match runtime.family {
        RuntimeFamily::Node => major(runtime.version),
        _ => runtime.version,
    };
    let differs = version
        .as_deref()
        .is_some_and(|found| found != declared && !found.starts_with(&format!("{declared}.")));
    let (notice, init_note) = match (&version, differs) {
        (Some(found), true) => {
            let language = runtime.family.language();
            let shown = program.display();
            let hint = if configured.is_some() {
                format!(
                    "the configured {} is {language} {found}",
                    variable(runtime).unwrap_or_default()
                )
            } else {
                format!(
                    "no {} found ({} on PATH, or set {})",
                    runtime.label(),
                    names.join(" or "),
                    variable(runtime).unwrap_or_default()
                )
            };
            (
                Some(format!(
                    "{} ran on {language} {found} ({shown}): {hint}",
                    runtime.name
                )),
                Some(format!(
                    " Interpreter: {language} {found} ({shown}), not {declared}"
                )),
            )
        }
        _ => (None, None),
    };
    Interpreter {
        program,
        notice,
        init_note,
    }
}

/// When the program that would run `runtime`'s handlers is not of its declared version: what
/// runs instead, and where a program of the right version would be found.
pub fn version_difference(runtime: Runtime, settings: &LocalSettings) -> Option<String> {
    choose(runtime, settings).notice
}

/// `name` in the directories of `search_path` (the process's `PATH` when `None`).
fn find(name: &str, search_path: Option<&OsStr>) -> Option<PathBuf> {
    let path = match search_path {
        Some(path) => path.to_owned(),
        None => std::env::var_os("PATH")?,
    };
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    let Ok(metadata) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        metadata.is_file() && metadata.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        metadata.is_file()
    }
}

type Probes = HashMap<(PathBuf, Option<SystemTime>), Option<String>>;

/// The version `program --version` reports (`v20.20.2` → `20.20.2`, `Python 3.11.7` →
/// `3.11.7`), asked once per program file (and again when the file changes). `None` when it
/// does not run or says nothing like a version (a pyenv shim of a version not selected).
fn version_of(program: &Path) -> Option<String> {
    static PROBES: OnceLock<Mutex<Probes>> = OnceLock::new();
    let resolved = resolve(program);
    let key = (
        resolved.clone(),
        std::fs::metadata(&resolved).and_then(|m| m.modified()).ok(),
    );
    let probes = PROBES.get_or_init(Mutex::default);
    if let Some(known) = probes
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return known.clone();
    }
    let version = std::process::Command::new(program)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| {
            // Python 2 printed its version on standard error.
            let text = [output.stdout, output.stderr].concat();
            parse_version(&String::from_utf8_lossy(&text))
        });
    probes
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, version.clone());
    version
}

/// A bare name is looked up on `PATH` for the probe cache's key (its file and change time).
fn resolve(program: &Path) -> PathBuf {
    if program.components().count() == 1
        && let Some(name) = program.to_str()
        && let Some(found) = find(name, None)
    {
        return found;
    }
    program.to_owned()
}

fn parse_version(text: &str) -> Option<String> {
    text.split_whitespace()
        .map(|word| word.trim_start_matches('v'))
        .find(|word| {
            word.split('.').count() >= 2
                && word
                    .split('.')
                    .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime(name: &str) -> Runtime {
        name.parse().unwrap_or_else(|()| panic!("{name}"))
    }

    #[test]
    fn versions_are_read_from_what_interpreters_print() {
        assert_eq!(parse_version("v20.20.2\n").as_deref(), Some("20.20.2"));
        assert_eq!(parse_version("Python 3.11.7\n").as_deref(), Some("3.11.7"));
        assert_eq!(parse_version("pyenv: python3.12: command not found"), None);
    }

    #[test]
    fn each_runtime_has_its_variable_and_names() {
        assert_eq!(
            variable(runtime("nodejs24.x")).as_deref(),
            Some("FUNCTORY_NODE_24")
        );
        assert_eq!(
            variable(runtime("python3.14")).as_deref(),
            Some("FUNCTORY_PYTHON_3_14")
        );
        assert_eq!(variable(runtime("provided.al2023")), None);
        assert_eq!(
            versioned_names(runtime("nodejs24.x")),
            ["node24", "node-24"]
        );
        assert_eq!(versioned_names(runtime("python3.14")), ["python3.14"]);
    }

    /// A `python3.14` on the search path runs a `python3.14` function (here a script that
    /// execs this machine's Python, so what ran is named as the version it reports).
    #[cfg(unix)]
    #[test]
    fn a_versioned_interpreter_on_the_search_path_is_chosen_and_said_to_differ() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("a folder");
        let fake = dir.path().join("python3.14");
        std::fs::write(&fake, "#!/bin/sh\nexec python3 \"$@\"\n").expect("written");
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("mode");
        let mut settings = LocalSettings::new(dir.path().join("data"));
        settings.search_path = Some(dir.path().as_os_str().to_owned());
        let chosen = choose(runtime("python3.14"), &settings);
        assert_eq!(chosen.program, fake);
        let real = version_of(Path::new("python3")).expect("python3 runs");
        let notice = chosen.notice.expect("3.14 is not what python3 is");
        assert_eq!(
            notice,
            format!(
                "python3.14 ran on Python {real} ({}): no Python 3.14 found (python3.14 on PATH, or set FUNCTORY_PYTHON_3_14)",
                fake.display()
            )
        );

        // With nothing on the search path, the machine's python3.
        settings.search_path = Some(std::ffi::OsString::new());
        assert_eq!(
            choose(runtime("python3.14"), &settings).program,
            PathBuf::from("python3")
        );
        // A configured path wins over the search path.
        settings.search_path = Some(dir.path().as_os_str().to_owned());
        settings
            .interpreters
            .insert("python3.14".into(), PathBuf::from("python3"));
        let configured = choose(runtime("python3.14"), &settings);
        assert_eq!(configured.program, PathBuf::from("python3"));
        assert!(
            configured
                .notice
                .is_some_and(|n| n.contains("the configured FUNCTORY_PYTHON_3_14 is Python")),
        );
    }

    /// The declared version is the machine's: nothing to say.
    #[test]
    fn the_machine_s_own_version_needs_no_notice() {
        let settings = LocalSettings::new(std::env::temp_dir().join("functory-unused"));
        let version = version_of(&settings.python).expect("python3 runs");
        let minor: Vec<&str> = version.split('.').take(2).collect();
        let declared = format!("python{}", minor.join("."));
        let Ok(runtime) = declared.parse::<Runtime>() else {
            panic!("this machine's Python {version} is not a Lambda runtime");
        };
        let chosen = choose(runtime, &settings);
        assert_eq!(chosen.notice, None, "{chosen:?}");
        assert_eq!(chosen.init_note, None);
    }
}
