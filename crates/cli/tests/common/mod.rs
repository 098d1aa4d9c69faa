//! Running the `functory` binary as a user would: arguments, a keychain namespace of the test's
//! own, extra environment, and text on standard input (where secrets are read from).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

pub fn functory_with(
    args: &[&str],
    cwd: Option<&Path>,
    env: &[(&str, &str)],
    namespace: &str,
    stdin: &str,
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_functory"));
    command
        .args(args)
        .envs(env.iter().copied())
        .env("FUNCTORY_KEYCHAIN_NAMESPACE", namespace)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let mut child = command.spawn().expect("the functory binary runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("stdin accepts input");
    child
        .wait_with_output()
        .expect("the functory binary finishes")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
