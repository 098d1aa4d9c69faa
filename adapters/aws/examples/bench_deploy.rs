//! Deploy benchmarks against a real moto server (bench/aws/run.sh runs this in release mode):
//!
//! 1. first deploy vs no-change redeploy (median of several), and whether the redeploy uploaded,
//!    for the conformance fixture's tiny `echo` and for a function with 10 MB of node_modules;
//! 2. packaging a function with 50 MB of node_modules, and the input digest of the same files
//!    (what a no-change redeploy computes instead);
//! 3. a one-function change: the changing API calls made, counted, against the plan's list.
//!
//! Prints one JSON object; bench/aws/README.md records the figures.

use std::path::Path;
use std::time::{Duration, Instant};

use functory_adapter::conformance::Fixture;
use functory_aws::moto::MotoServer;
use functory_aws::package::{input_digest, package_function};
use functory_aws::{AwsAdapter, AwsSettings, AwsSignIn, CallRecorder};
use functory_core::Function;
use functory_vault::{Account, AwsAccessKey};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// About `total` bytes of JavaScript-like text across packages of ~40 files each, compressible
/// the way real node_modules are (identifiers and keywords repeat, content differs).
fn write_node_modules(root: &Path, total: usize) -> usize {
    let words = [
        "function",
        "return",
        "const",
        "module",
        "exports",
        "require",
        "value",
        "options",
        "callback",
        "typeof",
        "undefined",
        "object",
        "prototype",
        "length",
        "index",
        "buffer",
    ];
    let mut written = 0;
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut package = 0;
    while written < total {
        let dir = root.join(format!("node_modules/pkg-{package}/lib"));
        std::fs::create_dir_all(&dir).expect("a package folder");
        for file in 0..40 {
            let mut text = String::with_capacity(32 * 1024);
            while text.len() < 30 * 1024 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let word = words[(seed % words.len() as u64) as usize];
                text.push_str(&format!("{word}_{:x}({}); ", seed % 4096, seed % 97));
                if seed.is_multiple_of(11) {
                    text.push('\n');
                }
            }
            written += text.len();
            std::fs::write(dir.join(format!("f{file}.js")), text).expect("a file");
        }
        package += 1;
    }
    written
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let server = MotoServer::start().unwrap_or_else(|e| panic!("{e}"));
    server
        .lambda_without_docker()
        .unwrap_or_else(|e| panic!("{e}"));
    let account = Account::aws(
        "bench",
        AwsAccessKey {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "benchSecretKeyK7MDENGbPxRfiCYEXAMPLE".into(),
            session_token: None,
            role_arn: None,
            external_id: None,
            region: Some("us-east-1".into()),
        },
    )
    .expect("an account");
    let session = AwsSignIn::keychain(&account)
        .expect("AWS")
        .endpoint_url(server.endpoint_url())
        .load()
        .await
        .expect("signed in");
    let cache = tempfile::tempdir().expect("cache");
    let recorder = CallRecorder::new();
    let adapter = AwsAdapter::builder(&session)
        .settings(AwsSettings {
            cache_dir: Some(cache.path().to_owned()),
            ..AwsSettings::fast()
        })
        .interceptor(recorder.clone())
        .build();

    // 1. First deploy vs no-change redeploys, each on a function of its own.
    let mut firsts = Vec::new();
    let mut redeploys = Vec::new();
    let mut redeploy_uploads = 0;
    let mut redeploy_changing_calls = 0;
    for run in 0..runs {
        let dir = tempfile::tempdir().expect("project");
        let fixture = Fixture::write(dir.path()).expect("fixture");
        let mut options = fixture.deploy_options("echo");
        options.function.name = format!("echo-{run}");
        options.project = Some("bench".into());
        options.stage = Some("prod".into());
        let started = Instant::now();
        adapter
            .deploy_function(&options)
            .await
            .expect("first deploy");
        firsts.push(started.elapsed());
        recorder.clear();
        let started = Instant::now();
        let again = adapter.deploy_function(&options).await.expect("redeploy");
        redeploys.push(started.elapsed());
        redeploy_uploads += usize::from(again.uploaded);
        redeploy_changing_calls += recorder.changing_calls().len();
    }
    let first = median(firsts);
    let redeploy = median(redeploys);

    // 1b. The same with a function of realistic size: 10 MB of node_modules.
    let mut big_firsts = Vec::new();
    let mut big_redeploys = Vec::new();
    let mut big_uploads = 0;
    let mut big_package_bytes = 0;
    for run in 0..runs {
        let dir = tempfile::tempdir().expect("project");
        std::fs::write(
            dir.path().join("index.js"),
            "exports.handler = async (event) => ({ echo: event });\n",
        )
        .expect("handler");
        write_node_modules(dir.path(), 10 * 1024 * 1024);
        let mut options = functory_adapter::DeployOptions::new(
            dir.path(),
            Function {
                name: format!("app-{run}"),
                runtime: "nodejs24.x".into(),
                handler: "index.handler".into(),
                code_dir: ".".into(),
                handler_file: Some("index.js".into()),
                memory_mb: 128,
                timeout_s: 3,
                environment: vec![],
                triggers: vec![],
                permissions: vec![],
            },
        );
        options.project = Some("bench".into());
        options.stage = Some("prod".into());
        let started = Instant::now();
        let deployed = adapter
            .deploy_function(&options)
            .await
            .expect("first deploy");
        big_firsts.push(started.elapsed());
        big_package_bytes = deployed.plan.package_bytes;
        let started = Instant::now();
        let again = adapter.deploy_function(&options).await.expect("redeploy");
        big_redeploys.push(started.elapsed());
        big_uploads += usize::from(again.uploaded);
    }
    let big_first = median(big_firsts);
    let big_redeploy = median(big_redeploys);

    // 2. Packaging 50 MB of node_modules.
    let big = tempfile::tempdir().expect("big project");
    std::fs::write(
        big.path().join("index.js"),
        "exports.handler = async () => 1;\n",
    )
    .expect("handler");
    let bytes = write_node_modules(big.path(), 50 * 1024 * 1024);
    let function = Function {
        name: "big".into(),
        runtime: "nodejs24.x".into(),
        handler: "index.handler".into(),
        code_dir: ".".into(),
        handler_file: Some("index.js".into()),
        memory_mb: 128,
        timeout_s: 3,
        environment: vec![],
        triggers: vec![],
        permissions: vec![],
    };
    let mut packaging = Vec::new();
    let mut zip_bytes = 0;
    for _ in 0..runs.min(3) {
        let started = Instant::now();
        let package = package_function(big.path(), &function, cache.path()).expect("package");
        packaging.push(started.elapsed());
        zip_bytes = package.zip.len();
    }
    let packaging = median(packaging);
    let mut digesting = Vec::new();
    for _ in 0..runs.min(3) {
        let started = Instant::now();
        input_digest(big.path(), &function).expect("digest");
        digesting.push(started.elapsed());
    }
    let digesting = median(digesting);

    // 3. A one-function change: calls made vs calls planned.
    let dir = tempfile::tempdir().expect("project");
    let fixture = Fixture::write(dir.path()).expect("fixture");
    let mut options = fixture.deploy_options("echo");
    options.function.name = "echo-change".into();
    options.project = Some("bench".into());
    options.stage = Some("prod".into());
    adapter.deploy_function(&options).await.expect("deploy");
    std::fs::write(
        fixture.root.join("node/echo.js"),
        "exports.handler = async (event) => ({ changed: event });\n",
    )
    .expect("edit");
    let plan = adapter.plan(&options).await.expect("plan");
    recorder.clear();
    adapter.deploy_function(&options).await.expect("change");
    let made = recorder.changing_calls();

    println!(
        "{}",
        serde_json::json!({
            "runs": runs,
            "first_deploy_ms": ms(first),
            "no_change_redeploy_ms": ms(redeploy),
            "redeploy_ratio": redeploy.as_secs_f64() / first.as_secs_f64(),
            "redeploy_uploads": redeploy_uploads,
            "redeploy_changing_calls": redeploy_changing_calls,
            "app_10mb_package_bytes": big_package_bytes,
            "app_10mb_first_deploy_ms": ms(big_first),
            "app_10mb_no_change_redeploy_ms": ms(big_redeploy),
            "app_10mb_redeploy_ratio": big_redeploy.as_secs_f64() / big_first.as_secs_f64(),
            "app_10mb_redeploy_uploads": big_uploads,
            "node_modules_bytes": bytes,
            "zip_bytes": zip_bytes,
            "packaging_ms": ms(packaging),
            "input_digest_ms": ms(digesting),
            "change_planned_calls": plan.calls(),
            "change_made_calls": made,
            "change_calls_match": plan.calls() == made,
        })
    );
}
