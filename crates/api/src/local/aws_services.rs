//! A run's local AWS services: the emulator started (`functory_local::services`), the
//! project's declared resources made in it (`functory_aws::resources`, the code a cloud deploy
//! uses), and what handlers get to reach it.

use std::path::Path;

use functory_aws::resources::{ResourceState, endpoint_config, ensure_resources};
use functory_core::Manifest;
use functory_core::manifest::ResourcePlace;
use functory_local::{AwsAccess, AwsServicesSettings, LocalAwsServices};

use super::{AwsServicesInfo, LocalResourceInfo};

/// The keys handlers and Functory sign their calls to the local services with. The emulator
/// listens on loopback only and holds nothing but local test data, so a fixed pair serves
/// (shaped like an access key so SDKs that check the shape accept it).
const LOCAL_ACCESS_KEY_ID: &str = "AKIAFUNCTORYLOCAL000";
const LOCAL_SECRET_ACCESS_KEY: &str = "functory-local-services-secret-key-0000";

pub(super) struct StartedServices {
    pub services: LocalAwsServices,
    pub access: AwsAccess,
    pub info: AwsServicesInfo,
}

/// Starts the emulator for `manifest`'s run and creates its resources. The emulator failing
/// to start, or a resource it refuses, is an error sentence for the run's problems; the rest
/// of the run starts anyway.
pub(super) async fn start(
    data_dir: &Path,
    manifest: &Manifest,
    region: &str,
    account_id: &str,
    venv: Option<&Path>,
) -> Result<StartedServices, String> {
    let mut settings = AwsServicesSettings::new(data_dir, region, account_id);
    if let Some(venv) = venv {
        settings.venv = venv.to_owned();
    }
    let services = tokio::task::spawn_blocking(move || LocalAwsServices::start(&settings))
        .await
        .map_err(|e| format!("the local AWS services could not start: {e}"))?
        .map_err(|e| e.to_string())?;
    let endpoint = services.endpoint();
    let config = endpoint_config(
        &endpoint,
        region,
        LOCAL_ACCESS_KEY_ID,
        LOCAL_SECRET_ACCESS_KEY,
    );
    let outcomes = ensure_resources(&config, &manifest.project_name, &manifest.resources)
        .await
        .map_err(|e| {
            format!(
                "the local AWS services started, but a declared resource could not be made: {e}"
            )
        })?;
    let place = ResourcePlace {
        partition: "aws",
        region,
        account: account_id,
    };
    let resources = manifest
        .resources
        .iter()
        .zip(outcomes)
        .map(|(resource, outcome)| LocalResourceInfo {
            name: outcome.name,
            kind: outcome.kind,
            physical_name: outcome.physical_name,
            arn: resource.arn(place),
            address: outcome.address,
            created: outcome.state == ResourceState::Created,
        })
        .collect();
    tracing::info!(endpoint = %endpoint, pid = services.pid(), "local AWS services started");
    Ok(StartedServices {
        access: AwsAccess {
            endpoint: endpoint.clone(),
            access_key_id: LOCAL_ACCESS_KEY_ID.to_owned(),
            secret_access_key: LOCAL_SECRET_ACCESS_KEY.to_owned(),
        },
        info: AwsServicesInfo {
            endpoint,
            region: region.to_owned(),
            account_id: account_id.to_owned(),
            resources,
        },
        services,
    })
}
