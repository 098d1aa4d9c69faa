//! Whether WebKitGTK composites the page through OpenGL.
//!
//! On a Linux machine with no GPU render node (a virtual machine, a container, a remote or
//! virtual display such as Xvfb), WebKitGTK's accelerated compositing runs on Mesa's software
//! OpenGL (llvmpipe): the GL stack it loads into the app and the web process costs about 80 MB
//! (bench/README.md, "Desktop app startup") and draws with the CPU anyway. There the app asks
//! WebKit to draw without compositing, as `WEBKIT_DISABLE_COMPOSITING_MODE=1` does. With a GPU,
//! or when the user has set the variable either way, nothing changes.
//!
//! WebKit reads the variable from the environment, in this process and in the web processes it
//! starts. Changing the environment of a running process is `unsafe` (other threads may read
//! it; the workspace forbids `unsafe`), so the app starts its own program again in place (the
//! same process id, before any thread or window exists) with the variable set.

/// The variable WebKitGTK reads.
#[cfg(target_os = "linux")]
const DISABLE_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Whether a GPU is reachable for rendering: a DRM render node (`/dev/dri/renderD*`).
#[cfg(target_os = "linux")]
fn has_render_node(dri: &std::path::Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Whether the app should draw without compositing: no GPU, and the user has not chosen.
#[cfg(target_os = "linux")]
fn software_compositing_avoidable(
    chosen: Option<std::ffi::OsString>,
    dri: &std::path::Path,
) -> bool {
    chosen.is_none() && !has_render_node(dri)
}

/// Call first in `main`, before anything starts a thread. Returns only if nothing needed to
/// change or the restart failed (then the app runs as it is and says why).
pub fn avoid_software_compositing() {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        if !software_compositing_avoidable(
            std::env::var_os(DISABLE_COMPOSITING),
            std::path::Path::new("/dev/dri"),
        ) {
            return;
        }
        let Ok(program) = std::env::current_exe() else {
            return;
        };
        let mut args = std::env::args_os();
        let mut command = std::process::Command::new(program);
        if let Some(name) = args.next() {
            command.arg0(name);
        }
        // `exec` returns only on failure.
        let error = command.args(args).env(DISABLE_COMPOSITING, "1").exec();
        eprintln!(
            "functory-app: drawing with WebKit's compositing on: could not restart with {DISABLE_COMPOSITING}=1: {error}"
        );
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn compositing_is_left_on_with_a_render_node_or_a_users_choice() {
        let dir = tempfile::tempdir().unwrap();
        // No render node: a card alone is a display device, not one to render with.
        std::fs::write(dir.path().join("card0"), "").unwrap();
        assert!(software_compositing_avoidable(None, dir.path()));
        assert!(software_compositing_avoidable(
            None,
            &dir.path().join("missing")
        ));
        // The user's setting, whatever its value, is theirs.
        assert!(!software_compositing_avoidable(
            Some("0".into()),
            dir.path()
        ));
        std::fs::write(dir.path().join("renderD128"), "").unwrap();
        assert!(!software_compositing_avoidable(None, dir.path()));
    }
}
