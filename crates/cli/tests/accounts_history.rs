//! `functory accounts`, `checkpoint` and `history` as a user runs them. Account tests use the
//! real Secret Service that `npm test` starts, each in a keychain namespace of its own.

mod common;

use common::{functory_with, text};

use std::path::Path;
use std::process::{Command, Output};

fn functory(args: &[&str], cwd: &Path, namespace: &str, stdin: &str) -> Output {
    functory_with(args, Some(cwd), &[], namespace, stdin)
}

#[test]
fn accounts_round_trip_without_ever_printing_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let ns = format!("cli-{}", std::process::id());
    let secret = format!("CANARY{}wJalrXUtnFEMIK7MDENG", std::process::id());
    let add = functory(
        &[
            "accounts",
            "add-aws",
            "--name",
            "dev",
            "--access-key-id",
            "AKIAIOSFODNN7EXAMPLE",
            "--secret-stdin",
            "--region",
            "eu-west-1",
        ],
        dir.path(),
        &ns,
        &format!("{secret}\n"),
    );
    assert!(add.status.success(), "{}", text(&add.stderr));
    let key = r#"{"type":"service_account","project_id":"demo","client_email":"ci@demo.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"}"#;
    let gcp = functory(
        &["accounts", "add-gcp", "--name", "gcp-ci", "--key-stdin"],
        dir.path(),
        &ns,
        key,
    );
    assert!(gcp.status.success(), "{}", text(&gcp.stderr));

    let list = functory(&["accounts", "list"], dir.path(), &ns, "");
    let listed = text(&list.stdout);
    assert_eq!(
        listed,
        "dev\taws  AKIAIOSFODNN7EXAMPLE  eu-west-1\ngcp-ci\tgcp  ci@demo.iam.gserviceaccount.com (demo)\n"
    );
    let json = functory(&["accounts", "list", "--json"], dir.path(), &ns, "");
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value[0]["details"]["accessKeyId"], "AKIAIOSFODNN7EXAMPLE");
    for output in [&add, &gcp, &list, &json] {
        assert!(!text(&output.stdout).contains(&secret) && !text(&output.stderr).contains(&secret));
        assert!(!text(&output.stdout).contains("PRIVATE KEY"));
    }

    let duplicate = functory(
        &[
            "accounts",
            "add-aws",
            "--name",
            "dev",
            "--access-key-id",
            "AKIAIOSFODNN7EXAMPLE",
            "--secret-stdin",
        ],
        dir.path(),
        &ns,
        "x\n",
    );
    assert_eq!(duplicate.status.code(), Some(1));
    assert!(text(&duplicate.stderr).contains("already exists"));

    assert!(
        functory(&["accounts", "rename", "dev", "prod"], dir.path(), &ns, "")
            .status
            .success()
    );
    assert!(
        functory(&["accounts", "remove", "prod"], dir.path(), &ns, "")
            .status
            .success()
    );
    assert!(
        functory(&["accounts", "remove", "gcp-ci"], dir.path(), &ns, "")
            .status
            .success()
    );
    let empty = functory(&["accounts", "list"], dir.path(), &ns, "");
    assert!(text(&empty.stdout).starts_with("no accounts yet"));
}

#[test]
fn secrets_are_never_taken_from_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let ns = format!("cli-args-{}", std::process::id());
    let as_argument = functory(
        &[
            "accounts",
            "add-aws",
            "--name",
            "x",
            "--access-key-id",
            "AKIAIOSFODNN7EXAMPLE",
            "--secret-access-key",
            "s3cr3t",
        ],
        dir.path(),
        &ns,
        "",
    );
    assert_eq!(
        as_argument.status.code(),
        Some(2),
        "clap refuses an unknown option"
    );
    let without_stdin_flag = functory(
        &[
            "accounts",
            "add-aws",
            "--name",
            "x",
            "--access-key-id",
            "AKIAIOSFODNN7EXAMPLE",
        ],
        dir.path(),
        &ns,
        "s\n",
    );
    assert_eq!(without_stdin_flag.status.code(), Some(2));
    assert!(text(&without_stdin_flag.stderr).contains("--secret-stdin"));
}

#[test]
fn an_unreachable_keychain_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_functory"))
        .args(["accounts", "list"])
        .current_dir(dir.path())
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}/no-bus", dir.path().display()),
        )
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("functory: error: the OS keychain is not available"),
        "{stderr}"
    );
    assert!(stderr.contains("gnome-keyring"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one clear line: {stderr}");
}

#[test]
fn checkpoint_and_history_from_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let ns = "unused";
    assert!(
        functory(
            &["new", "--template", "python-http", "p"],
            dir.path(),
            ns,
            ""
        )
        .status
        .success()
    );
    let project = dir.path().join("p");
    let first = functory(&["checkpoint", "-m", "Start"], &project, ns, "");
    assert!(
        text(&first.stdout).starts_with("checkpoint "),
        "{}",
        text(&first.stderr)
    );
    let again = functory(&["checkpoint", "-m", "Nothing"], &project, ns, "");
    assert!(text(&again.stdout).starts_with("nothing changed"));
    std::fs::write(
        project.join("src/hello.py"),
        "def handler(event, context):\n    return {}\n",
    )
    .unwrap();
    assert!(
        functory(&["checkpoint", "-m", "Simpler hello"], &project, ns, "")
            .status
            .success()
    );

    let history = text(&functory(&["history", "hello"], &project, ns, "").stdout);
    let lines: Vec<_> = history.lines().collect();
    assert_eq!(lines.len(), 2, "{history}");
    assert!(
        lines[0].contains("Simpler hello") && lines[0].ends_with("src/hello.py"),
        "{history}"
    );
    assert!(lines[1].contains("Start"));
    let log = Command::new("git")
        .args(["log", "--format=%s"])
        .current_dir(&project)
        .output()
        .unwrap();
    assert_eq!(text(&log.stdout), "Simpler hello\nStart\n");
    let unknown = functory(&["history", "nope"], &project, ns, "");
    assert_eq!(unknown.status.code(), Some(1));
    assert!(text(&unknown.stderr).contains("no function named `nope`"));
}
