//! Functory's bootstraps over the HTTP Runtime API on loopback TCP, as every Lambda runtime
//! client talks to it: what they use when the runtime's `bootstrap_frames` setting is off.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstraps_serve_over_http_without_frames() {
    let project = TestProject::new(|settings| settings.bootstrap_frames = false);
    project.write(
        "tcp.js",
        "exports.handler = async (event, context) => { if (event.fail) throw new TypeError('no'); \
         return { id: context.awsRequestId, argv: process.argv.slice(2), left: context.getRemainingTimeInMillis() > 0, \
         frames: require('fs').readFileSync('/proc/self/cmdline', 'latin1').includes('--runtime-api-fd') }; };\n",
    );
    project.write(
        "tcp.py",
        "import sys\n\ndef handler(event, context):\n    if event.get('fail'):\n        raise TypeError('no')\n    \
         return {'id': context.aws_request_id, 'argv': sys.argv[1:], 'left': context.get_remaining_time_in_millis() > 0, \
         'frames': b'--runtime-api-fd' in open('/proc/self/cmdline', 'rb').read()}\n",
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
            // Started without the frame pipes: the answer came over HTTP.
            assert_eq!(answer["frames"], false, "{name}: {answer}");
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
