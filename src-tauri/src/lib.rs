//! The Functory desktop app: the only crate that depends on Tauri.
//!
//! It builds the window, holds the [`Session`] as managed state, and exposes thin commands:
//! each takes the state, calls `functory-api`, and returns its result or its `{code, message}`
//! error. Anything worth testing lives in `functory-api`, testable without a window.

pub mod commands;
pub mod compositing;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

pub use functory_api::session::{LaunchRequest, Session};
use tauri::Manager;

/// State kept beside the session: the launch time for the startup figure the benchmark reads.
#[derive(Debug)]
pub struct Launch {
    pub at: Instant,
    pub ready_reported: AtomicBool,
}

impl Launch {
    /// Prints one line when the UI first reports a usable window with a project open.
    fn report_ready(&self) {
        if !self.ready_reported.swap(true, Ordering::SeqCst) {
            println!("functory: ready in {} ms", self.at.elapsed().as_millis());
        }
    }
}

/// Adds Functory's plugins, state and commands to a builder of any runtime (the real one, or
/// the mock runtime in tests). Tests pass a ready `Session` (temporary data folder, their own
/// keychain namespace); the app builds its own from the app's data folder.
pub fn configure<R: tauri::Runtime>(
    builder: tauri::Builder<R>,
    launch: LaunchRequest,
    session: Option<Session>,
) -> tauri::Builder<R> {
    let launch_state = Launch {
        at: Instant::now(),
        ready_reported: AtomicBool::new(false),
    };
    let builder = builder
        .plugin(tauri_plugin_dialog::init())
        .manage(launch_state);
    let builder = match session {
        Some(session) => builder.manage(std::sync::Arc::new(session)),
        // The app's data folder comes from the path resolver, available once the app is built.
        None => builder.setup(move |app| {
            let dir = app.path().app_data_dir()?;
            std::fs::create_dir_all(&dir)?;
            start_log_file(&dir.join("logs"));
            tracing::info!(version = env!("CARGO_PKG_VERSION"), data_dir = %dir.display(), "Functory started");
            app.manage(std::sync::Arc::new(Session::new(&dir, launch)));
            Ok(())
        }),
    };
    builder.invoke_handler(commands::handler())
}

/// Writes the app's log to `functory.log` in `dir`, at the level `FUNCTORY_LOG` names
/// (`info` by default; `debug` logs every command with its arguments — secrets among them
/// print as `<redacted>`). A log that cannot be opened is not worth refusing to start over.
fn start_log_file(dir: &std::path::Path) {
    let file = std::fs::create_dir_all(dir).and_then(|()| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("functory.log"))
    });
    let Ok(file) = file else {
        eprintln!(
            "functory-app: could not open the log file in {}",
            dir.display()
        );
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("FUNCTORY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
}

/// Stack of each async worker thread. A deploy to AWS polls the AWS SDK's request futures deep
/// inside the command's own future, and in a debug build (the one the end-to-end tests run)
/// that overflowed tokio's default 2 MiB; 8 MiB is what the main thread gets.
const WORKER_STACK_BYTES: usize = 8 * 1024 * 1024;

/// The async runtime Tauri runs the commands on, with [`WORKER_STACK_BYTES`] per worker.
fn async_runtime() -> std::io::Result<&'static tokio::runtime::Runtime> {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    if let Some(runtime) = RUNTIME.get() {
        return Ok(runtime);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(WORKER_STACK_BYTES)
        .enable_all()
        .build()?;
    Ok(RUNTIME.get_or_init(|| runtime))
}

pub fn run(launch: LaunchRequest) {
    match async_runtime() {
        Ok(runtime) => tauri::async_runtime::set(runtime.handle().clone()),
        Err(error) => {
            eprintln!("functory-app: no async runtime: {error}");
            std::process::exit(1);
        }
    }
    let app = match configure(tauri::Builder::default(), launch, None)
        .build(tauri::generate_context!())
    {
        Ok(app) => app,
        Err(error) => {
            eprintln!("functory-app: could not start: {error}");
            std::process::exit(1);
        }
    };
    app.run(|app, event| {
        // The process exits without dropping managed state: stop the local run's instances
        // (process groups of node, python, …) explicitly so none outlives the app.
        if let tauri::RunEvent::Exit = event
            && let Some(session) = app.try_state::<std::sync::Arc<Session>>()
        {
            session.close_project();
        }
    });
}
