//! The Azure adapter against a fake of Azure's public REST APIs on a loopback port ([`fake`]):
//! the conformance behaviours, deploys that create, skip and change with the calls each plan
//! listed, deploys cut at each call then converging, invokes that run the user's real handler
//! through the generated shim with the machine's `node` and `python3`, log tails from the log
//! stream and Application Insights, the three sign-ins, error messages, and a secret canary.
//! `real_azure` runs against a real function app when its environment variables are set.

// Tests may unwrap: a panic there is the failure report.
#![allow(clippy::unwrap_used)]

mod conformance;
mod deploy;
mod fake;
mod invoke_logs;
mod real_azure;
mod sign_in;

use std::path::Path;
use std::sync::{Arc, Mutex};

use fake::{AppSpec, CLIENT, FakeAzure, SECRET, SUBSCRIPTION, TENANT};
use functory_adapter::{DeployOptions, DeployProgress, ProgressSink};
use functory_azure::{AzureAdapter, AzureSettings, ServicePrincipal};
use functory_vault::{Account, AzureServicePrincipal};

/// The keychain account the tests sign in with.
pub fn account(secret: &str) -> Account {
    Account::azure(
        "prod",
        AzureServicePrincipal {
            tenant_id: TENANT.into(),
            client_id: CLIENT.into(),
            client_secret: secret.into(),
            subscription_id: Some(SUBSCRIPTION.into()),
        },
    )
    .expect("a valid service principal")
}

pub fn principal() -> ServicePrincipal {
    ServicePrincipal::from_account(&account(SECRET)).expect("an Azure account")
}

/// The builder with every endpoint at the fake, for `app`.
pub fn builder(fake: &FakeAzure, app: &str) -> functory_azure::AzureAdapterBuilder {
    AzureAdapter::builder()
        .subscription_id(SUBSCRIPTION)
        .resource_group(fake::RESOURCE_GROUP)
        .function_app(app)
        .authority_host(fake.authority())
        .resource_manager_url(fake.resource_manager())
        .scm_url_template(fake.scm_template())
        .function_host_url_template(fake.host_template())
        .app_insights_url(fake.insights())
        .settings(AzureSettings::fast())
}

/// A fake with `app` in it, and the adapter signed in as the test's service principal.
pub async fn fake_with(spec: AppSpec) -> (FakeAzure, AzureAdapter) {
    let fake = FakeAzure::start().await;
    let name = spec.name.clone();
    fake.add_app(spec);
    let adapter = builder(&fake, &name)
        .account(&account(SECRET))
        .expect("an Azure account")
        .build()
        .expect("the adapter builds");
    (fake, adapter)
}

/// Writes `text` at `path` below `root`.
pub fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A progress sink that keeps every report.
pub fn progress() -> (ProgressSink, Arc<Mutex<Vec<DeployProgress>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    (
        ProgressSink::new(move |p| keep.lock().unwrap().push(p)),
        seen,
    )
}

/// Deploy options as `api::cloud` makes them: the project, a stage, a commit, every function.
pub fn project_options(
    root: &Path,
    manifest: &functory_core::Manifest,
    function: &str,
    commit: &str,
) -> DeployOptions {
    let function = manifest
        .functions
        .iter()
        .find(|f| f.name == function)
        .cloned()
        .unwrap_or_else(|| panic!("no function `{function}`"));
    let mut options = DeployOptions::new(root, function);
    options.project = Some(manifest.project_name.clone());
    options.stage = Some("prod".into());
    options.commit = Some(commit.into());
    options.app_functions = manifest.functions.clone();
    options
}

struct DiskFiles<'a>(&'a Path);

impl functory_core::ProjectFiles for DiskFiles<'_> {
    fn is_file(&self, relative: &str) -> bool {
        self.0.join(relative).is_file()
    }
}

/// Writes `functory.toml` into `root` and parses it.
pub fn manifest(root: &Path, text: &str) -> functory_core::Manifest {
    write(root, "functory.toml", text);
    let parsed = functory_core::parse_manifest(text, "functory.toml", &DiskFiles(root));
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    parsed.manifest.expect("a manifest")
}
