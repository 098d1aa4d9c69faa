//! A real moto server (the AWS emulator, from PyPI) for tests: started on a free loopback port,
//! waited for, and stopped when dropped. `scripts/python-venv.sh` creates the venv it runs
//! from; `FUNCTORY_MOTO_VENV` points elsewhere (default `$HOME/.cache/functory/venv`).
//!
//! It lives in the library, not under `tests/`, because the API, CLI and app tests start one
//! too.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long moto may take to start listening (it imports every service's backend first).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running moto server; dropping it kills the process.
#[derive(Debug)]
pub struct MotoServer {
    child: Child,
    port: u16,
}

/// The venv holding moto: `FUNCTORY_MOTO_VENV`, or `$HOME/.cache/functory/venv`.
pub fn venv_dir() -> PathBuf {
    match std::env::var_os("FUNCTORY_MOTO_VENV") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/functory/venv")
        }
    }
}

impl MotoServer {
    /// Starts moto on a free port of 127.0.0.1 and waits until it accepts connections.
    pub fn start() -> Result<Self, String> {
        Self::start_with_env(&[])
    }

    /// Starts moto with extra environment variables (e.g. `INITIAL_NO_AUTH_ACTION_COUNT`).
    pub fn start_with_env(env: &[(&str, &str)]) -> Result<Self, String> {
        let binary = venv_dir().join("bin/moto_server");
        if !binary.exists() {
            return Err(format!(
                "moto is not installed at {}: run `bash scripts/python-venv.sh` (or set FUNCTORY_MOTO_VENV to a venv with moto[server] 5)",
                binary.display()
            ));
        }
        // Another process (often another test's moto) may take the port between this probe and
        // moto's bind; moto then exits, and a retry on a fresh port covers that race.
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port().map_err(|e| format!("no free loopback port: {e}"))?;
            let child = Command::new(&binary)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("could not start {}: {e}", binary.display()))?;
            let mut server = MotoServer { child, port };
            match server.wait_until_listening() {
                Ok(()) => return Ok(server),
                Err(error) => last_error = error,
            }
        }
        Err(last_error)
    }

    fn wait_until_listening(&mut self) -> Result<(), String> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "moto_server exited before listening on port {} ({status})",
                    self.port
                ));
            }
            // A connection alone does not prove it is this moto that answers: another
            // process may have bound the port first, and this one will exit on its failed
            // bind. So the listening socket must be one of this child's.
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok()
                && functory_adapter::listening::process_listens_on(self.child.id(), self.port)
            {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "moto_server did not listen on port {} within {START_TIMEOUT:?}",
            self.port
        ))
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL` or [`crate::AwsSignIn::endpoint_url`].
    pub fn endpoint_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Makes moto's Lambda run without Docker (it then answers invokes by echoing the event
    /// and writes no logs). Must come before the first function is created: moto picks its
    /// Lambda backend then.
    pub fn lambda_without_docker(&self) -> Result<(), String> {
        self.post_moto_api("config", r#"{"lambda":{"use_docker":false}}"#)
            .map_err(|e| format!("moto refused its Lambda configuration: {e}"))
    }

    /// Forgets every resource (a fresh account), keeping the configuration.
    pub fn reset(&self) -> Result<(), String> {
        self.post_moto_api("reset", "")
            .map_err(|e| format!("moto did not reset: {e}"))
    }

    fn post_moto_api(&self, path: &str, body: &str) -> Result<(), String> {
        let request = format!(
            "POST /moto-api/{path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        );
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port))
            .map_err(|e| format!("moto on port {} is not reachable: {e}", self.port))?;
        stream
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .map_err(|e| e.to_string())?;
        let status = answer.split_whitespace().nth(1).unwrap_or_default();
        if status.starts_with('2') {
            Ok(())
        } else {
            Err(answer.lines().next().unwrap_or_default().to_owned())
        }
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        // The child we started, by its own handle: nothing else is signalled.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}
