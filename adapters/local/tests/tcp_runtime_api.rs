//! Functory's bootstraps over the HTTP Runtime API on loopback TCP: what they use when no
//! private Unix socket can be made (here: a runtime folder whose path is too long for a socket
//! address). The socket folder is chosen once per process from `XDG_RUNTIME_DIR`, so the test
//! runs itself again in a child process with that variable set.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;

const CHILD: &str = "FUNCTORY_TCP_RUNTIME_API_CHILD";

#[test]
fn bootstraps_serve_over_http_when_there_is_no_unix_socket() {
    if std::env::var_os(CHILD).is_some() {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(serve_over_tcp());
        return;
    }
    let long = tempfile::tempdir().unwrap();
    let runtime_dir = long.path().join("x".repeat(120));
    std::fs::create_dir_all(&runtime_dir).unwrap();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "bootstraps_serve_over_http_when_there_is_no_unix_socket",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env("XDG_RUNTIME_DIR", &runtime_dir)
        .output()
        .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{printed}");
    assert!(printed.contains("1 passed"), "{printed}");
    // No socket was made under the too-long folder.
    let sockets: Vec<_> = std::fs::read_dir(&runtime_dir)
        .unwrap()
        .flatten()
        .flat_map(|entry| {
            std::fs::read_dir(entry.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .collect();
    assert!(sockets.is_empty(), "{sockets:?}");
}

async fn serve_over_tcp() {
    let project = TestProject::new(|_| {});
    project.write(
        "tcp.js",
        "exports.handler = async (event, context) => { if (event.fail) throw new TypeError('no'); \
         return { id: context.awsRequestId, argv: process.argv.slice(2), left: context.getRemainingTimeInMillis() > 0 }; };\n",
    );
    project.write(
        "tcp.py",
        "import sys\n\ndef handler(event, context):\n    if event.get('fail'):\n        raise TypeError('no')\n    \
         return {'id': context.aws_request_id, 'argv': sys.argv[1:], 'left': context.get_remaining_time_in_millis() > 0}\n",
    );
    project.write("broken.py", "def handler(event, context)\n");
    project
        .deploy(function("nodetcp", "nodejs20.x", "tcp.handler"))
        .await;
    project
        .deploy(function("pytcp", "python3.12", "tcp.handler"))
        .await;
    project
        .deploy(function("broken", "python3.12", "broken.handler"))
        .await;
    for name in ["nodetcp", "pytcp"] {
        // Twice: the second invocation comes through the pipelined answer of the first.
        for _ in 0..2 {
            let ok = project.invoke(name, "{}").await;
            assert!(ok.function_error.is_none(), "{name}: {ok:?}");
            let answer = json(&ok);
            assert_eq!(answer["id"], ok.request_id.as_str(), "{name}: {answer}");
            assert_eq!(answer["argv"], serde_json::json!([]), "{name}: {answer}");
            assert_eq!(answer["left"], true, "{name}: {answer}");
        }
        let failed = project.invoke(name, r#"{"fail": true}"#).await;
        let error = failed.function_error.as_ref().unwrap();
        assert_eq!(error.error_type, "TypeError", "{name}: {failed:?}");
        let again = project.invoke(name, "{}").await;
        assert!(again.function_error.is_none(), "{name}: {again:?}");
        assert_eq!(
            again.cold_start,
            Some(false),
            "{name}: the instance survived the error"
        );
    }
    let broken = project.invoke("broken", "{}").await;
    let error = broken.function_error.as_ref().unwrap();
    assert_eq!(
        error.error_type, "Runtime.UserCodeSyntaxError",
        "{broken:?}"
    );
}
