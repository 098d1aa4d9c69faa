//! The fake's Azure Resource Manager (`/arm`) and Kudu sites (`/scm/{app}`).

use std::io::Read;

use bytes::Bytes;
use futures_util::stream;
use http_body_util::{BodyExt, StreamBody};
use hyper::Response;
use hyper::body::Frame;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{
    App, Body, Cut, Hosting, Incoming_, RESOURCE_GROUP, SUBSCRIPTION, Shared, arm_error, bearer,
    empty, full, intercept, json_response,
};

const MANAGEMENT: &str = "https://management.azure.com";

/// What a long-running operation applies when it finishes.
#[derive(Debug, Clone)]
pub enum Pending {
    Tags {
        app: String,
        operation: String,
        tags: serde_json::Map<String, Value>,
    },
}

/// The RBAC action an operation needs, as AuthorizationFailed names it.
pub fn action_of(operation: &str) -> &'static str {
    match operation {
        "WebApps.Get" | "WebApps.ListFunctions" => "Microsoft.Web/sites/read",
        "WebApps.ListApplicationSettings" => "Microsoft.Web/sites/config/list/action",
        "WebApps.UpdateApplicationSettings" => "Microsoft.Web/sites/config/write",
        "WebApps.ListFunctionKeys" => "Microsoft.Web/sites/functions/listkeys/action",
        "WebApps.ListHostKeys" => "Microsoft.Web/sites/host/listkeys/action",
        "WebApps.SyncFunctionTriggers" => "Microsoft.Web/sites/syncfunctiontriggers/action",
        "WebApps.DeleteFunction" => "Microsoft.Web/sites/functions/delete",
        "Tags.UpdateAtScope" => "Microsoft.Resources/tags/write",
        _ => "Microsoft.Web/sites/write",
    }
}

fn site_id(app: &str) -> String {
    format!(
        "/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.Web/sites/{app}"
    )
}

fn site_json(app: &App) -> Value {
    let name = &app.spec.name;
    let (kind, sku) = match app.spec.hosting {
        Hosting::WindowsConsumption => ("functionapp", "Dynamic"),
        Hosting::LinuxConsumption => ("functionapp,linux", "Dynamic"),
        Hosting::FlexConsumption => ("functionapp,linux", "FlexConsumption"),
        Hosting::LinuxPremium => ("functionapp,linux", "ElasticPremium"),
    };
    let linux = kind.contains("linux");
    let fx = if linux && app.spec.hosting != Hosting::FlexConsumption {
        let stack = if app.spec.language == "node" {
            "Node"
        } else {
            "Python"
        };
        format!("{stack}|{}", app.spec.version)
    } else {
        String::new()
    };
    let mut properties = json!({
        "state": "Running",
        "defaultHostName": format!("{name}.azurewebsites.net"),
        "hostNameSslStates": [
            {"name": format!("{name}.azurewebsites.net"), "sslState": "Disabled", "hostType": "Standard"},
            {"name": format!("{name}.scm.azurewebsites.net"), "sslState": "Disabled", "hostType": "Repository"}
        ],
        "sku": sku,
        "reserved": linux,
        "siteConfig": {"linuxFxVersion": fx, "numberOfWorkers": 1, "cors": null},
        "functionAppConfig": null,
    });
    if app.spec.hosting == Hosting::FlexConsumption {
        properties["functionAppConfig"] = json!({
            "deployment": {"storage": {"type": "blobContainer", "value": format!("https://mediastore.blob.core.windows.net/app-package-{name}")}},
            "runtime": {"name": app.spec.language, "version": app.spec.version},
            "scaleAndConcurrency": {"maximumInstanceCount": 100, "instanceMemoryMB": 2048},
        });
    }
    json!({
        "id": site_id(name),
        "name": name,
        "type": "Microsoft.Web/sites",
        "kind": kind,
        "location": "West Europe",
        "tags": app.tags,
        "properties": properties,
    })
}

fn function_json(app: &App, name: &str, config: &Value) -> Value {
    let route = config["bindings"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["type"] == "httpTrigger"))
        .map(|b| b["route"].as_str().unwrap_or(name).to_owned());
    let host = format!("https://{}.azurewebsites.net", app.spec.name);
    json!({
        "id": format!("{}/functions/{name}", site_id(&app.spec.name)),
        "name": format!("{}/{name}", app.spec.name),
        "type": "Microsoft.Web/sites/functions",
        "location": "West Europe",
        "properties": {
            "name": name,
            "function_app_id": site_id(&app.spec.name),
            "script_root_path_href": format!("{host}/admin/vfs/site/wwwroot/{name}/"),
            "config_href": format!("{host}/admin/vfs/site/wwwroot/{name}/function.json"),
            "href": format!("{host}/admin/functions/{name}"),
            "config": config,
            "invoke_url_template": route.map(|r| format!("{host}/api/{r}")),
            "language": app.spec.language,
            "isDisabled": false,
        }
    })
}

/// Resource Manager: `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{app}…`.
pub async fn arm(shared: &Shared, incoming: &Incoming_, rest: &str) -> Result<Response<Body>, Cut> {
    match bearer(shared, &incoming.headers) {
        Err("missing") => {
            return Ok(arm_error(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
            ));
        }
        Err("expired") => {
            return Ok(arm_error(
                401,
                "ExpiredAuthenticationToken",
                "The access token expiry UTC time is earlier than current UTC time.",
            ));
        }
        Err(_) => {
            return Ok(arm_error(
                401,
                "InvalidAuthenticationToken",
                "The access token is invalid.",
            ));
        }
        Ok(audience) if audience != MANAGEMENT => {
            return Ok(arm_error(
                401,
                "InvalidAuthenticationTokenAudience",
                &format!(
                    "The access token has been obtained for wrong audience or resource '{audience}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'."
                ),
            ));
        }
        Ok(_) => {}
    }
    let method = incoming.method.as_str();
    if let Some(id) = rest.strip_prefix("/operations/") {
        intercept(shared, "Operations.Get")?;
        return Ok(match id.strip_suffix("/result") {
            Some(id) => operation_result(shared, id),
            None => operation_status(shared, id),
        });
    }
    if !incoming.query.contains_key("api-version") {
        return Ok(arm_error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ));
    }
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    // subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{app}/…
    if segments.len() < 8
        || segments[0] != "subscriptions"
        || segments[2] != "resourceGroups"
        || segments[6] != "sites"
    {
        return Ok(arm_error(
            404,
            "InvalidResourceType",
            "The resource type could not be found in the namespace.",
        ));
    }
    let (subscription, group, app_name) = (segments[1], segments[3], segments[7]);
    let tail: Vec<&str> = segments[8..].to_vec();
    let operation = match (method, tail.as_slice()) {
        ("GET", []) => "WebApps.Get",
        ("POST", ["config", "appsettings", "list"]) => "WebApps.ListApplicationSettings",
        ("PUT", ["config", "appsettings"]) => "WebApps.UpdateApplicationSettings",
        ("GET", ["functions"]) => "WebApps.ListFunctions",
        ("POST", ["functions", _, "listkeys"]) => "WebApps.ListFunctionKeys",
        ("DELETE", ["functions", _]) => "WebApps.DeleteFunction",
        ("POST", ["host", "default", "listkeys"]) => "WebApps.ListHostKeys",
        ("POST", ["syncfunctiontriggers"]) => "WebApps.SyncFunctionTriggers",
        ("PATCH", ["providers", "Microsoft.Resources", "tags", "default"]) => "Tags.UpdateAtScope",
        _ => {
            return Ok(arm_error(
                404,
                "NotFound",
                "No HTTP resource was found that matches the request URI.",
            ));
        }
    };
    if let Some(answer) = intercept(shared, operation)? {
        return Ok(answer);
    }
    if subscription != SUBSCRIPTION {
        return Ok(arm_error(
            404,
            "SubscriptionNotFound",
            &format!("The subscription '{subscription}' could not be found."),
        ));
    }
    if group != RESOURCE_GROUP {
        return Ok(arm_error(
            404,
            "ResourceGroupNotFound",
            &format!("Resource group '{group}' could not be found."),
        ));
    }
    let mut state = shared.lock();
    let page_size = state.page_size.max(1);
    let Some(app) = state.apps.get_mut(app_name) else {
        return Ok(arm_error(
            404,
            "ResourceNotFound",
            &format!(
                "The Resource 'Microsoft.Web/sites/{app_name}' under resource group '{group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
            ),
        ));
    };
    let settings_json = |app: &App| {
        json!({
            "id": format!("{}/config/appsettings", site_id(&app.spec.name)),
            "name": "appsettings",
            "type": "Microsoft.Web/sites/config",
            "location": "West Europe",
            "properties": app.settings,
        })
    };
    match operation {
        "WebApps.Get" => Ok(json_response(200, &site_json(app))),
        "WebApps.ListApplicationSettings" => Ok(json_response(200, &settings_json(app))),
        "WebApps.UpdateApplicationSettings" => {
            let body: Value = serde_json::from_slice(&incoming.body).unwrap_or_default();
            let Some(properties) = body.get("properties").and_then(Value::as_object) else {
                return Ok(arm_error(
                    400,
                    "BadRequest",
                    "The parameter properties has an invalid value.",
                ));
            };
            if app.spec.hosting == Hosting::FlexConsumption
                && properties.contains_key("FUNCTIONS_WORKER_RUNTIME")
            {
                return Ok(arm_error(
                    400,
                    "BadRequest",
                    "The FUNCTIONS_WORKER_RUNTIME app setting is not supported on Flex Consumption apps; use functionAppConfig.runtime.",
                ));
            }
            app.settings = properties
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect();
            Ok(json_response(200, &settings_json(app)))
        }
        "WebApps.ListFunctions" => {
            let skip: usize = incoming
                .query
                .get("$skiptoken")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let functions: Vec<Value> = app
                .functions()
                .iter()
                .map(|(name, config)| function_json(app, name, config))
                .collect();
            let page: Vec<Value> = functions
                .iter()
                .skip(skip)
                .take(page_size)
                .cloned()
                .collect();
            let next = (skip + page_size < functions.len()).then(|| {
                format!(
                    "{}/arm{}/functions?api-version={}&$skiptoken={}",
                    shared.url,
                    site_id(app_name),
                    incoming.query["api-version"],
                    skip + page_size
                )
            });
            Ok(json_response(
                200,
                &json!({ "value": page, "nextLink": next }),
            ))
        }
        "WebApps.ListFunctionKeys" => {
            let function = tail[1];
            if !app.functions().contains_key(function) {
                return Ok(arm_error(
                    404,
                    "NotFound",
                    &format!("Error retrieving function '{function}'."),
                ));
            }
            let key = app.function_key(function);
            Ok(json_response(
                200,
                &json!({
                    "id": format!("{}/functions/{function}/keys", site_id(app_name)),
                    "name": "keys",
                    "type": "Microsoft.Web/sites/functions/keys",
                    "properties": {"default": key},
                }),
            ))
        }
        "WebApps.ListHostKeys" => {
            let default = app.function_key("__host__");
            Ok(json_response(
                200,
                &json!({
                    "masterKey": app.master_key,
                    "functionKeys": {"default": default},
                    "systemKeys": {},
                }),
            ))
        }
        "WebApps.SyncFunctionTriggers" => {
            app.synced = app.running.clone();
            Ok(empty(204))
        }
        "WebApps.DeleteFunction" => {
            let function = tail[1];
            let Some(root) = app.wwwroot.clone() else {
                return Ok(empty(404));
            };
            if !app.functions().contains_key(function) {
                return Ok(empty(404));
            }
            let _ = std::fs::remove_dir_all(root.join(function));
            Ok(empty(204))
        }
        "Tags.UpdateAtScope" => {
            let body: Value = serde_json::from_slice(&incoming.body).unwrap_or_default();
            let operation = body["operation"].as_str().unwrap_or("").to_owned();
            let Some(tags) = body
                .pointer("/properties/tags")
                .and_then(Value::as_object)
                .cloned()
            else {
                return Ok(arm_error(
                    400,
                    "InvalidRequestContent",
                    "The request content was invalid and could not be deserialized: 'properties.tags' is required.",
                ));
            };
            if !matches!(operation.as_str(), "Merge" | "Replace" | "Delete") {
                return Ok(arm_error(
                    400,
                    "InvalidRequestContent",
                    "The operation must be 'Merge', 'Replace' or 'Delete'.",
                ));
            }
            // Accepted, finished by a long-running operation polled once.
            let id = uuid::Uuid::new_v4().to_string();
            state.operations.insert(
                id.clone(),
                (
                    1,
                    Some(Pending::Tags {
                        app: app_name.to_owned(),
                        operation,
                        tags,
                    }),
                ),
            );
            let mut response = empty(202);
            if state.lro_by_location {
                let location = format!(
                    "{}/arm/operations/{id}/result?api-version=2022-09-01",
                    shared.url
                );
                response
                    .headers_mut()
                    .insert("location", location.parse().expect("a url"));
            } else {
                let status_url =
                    format!("{}/arm/operations/{id}?api-version=2022-09-01", shared.url);
                response
                    .headers_mut()
                    .insert("azure-asyncoperation", status_url.parse().expect("a url"));
            }
            response
                .headers_mut()
                .insert("retry-after", "0".parse().expect("a number"));
            Ok(response)
        }
        _ => Ok(empty(404)),
    }
}

/// `Azure-AsyncOperation` polling: a status document, `InProgress` until the operation is done.
fn operation_status(shared: &Shared, id: &str) -> Response<Body> {
    match poll_operation(shared, id) {
        None => arm_error(404, "NotFound", "The operation was not found."),
        Some(false) => {
            let mut response = json_response(200, &json!({"id": id, "status": "InProgress"}));
            response
                .headers_mut()
                .insert("retry-after", "0".parse().expect("a number"));
            response
        }
        Some(true) => json_response(200, &json!({"id": id, "status": "Succeeded"})),
    }
}

/// `Location` polling: 202 until the operation is done, then the final resource.
fn operation_result(shared: &Shared, id: &str) -> Response<Body> {
    match poll_operation(shared, id) {
        None => arm_error(404, "NotFound", "The operation was not found."),
        Some(false) => {
            let mut response = empty(202);
            response
                .headers_mut()
                .insert("retry-after", "0".parse().expect("a number"));
            response
        }
        Some(true) => json_response(
            200,
            &json!({"id": id, "name": "default", "properties": {"tags": {}}}),
        ),
    }
}

/// One look at an operation: whether it is done (applying what it does when it finishes).
fn poll_operation(shared: &Shared, id: &str) -> Option<bool> {
    let mut state = shared.lock();
    let (polls_left, pending) = state.operations.get_mut(id)?;
    if *polls_left > 0 {
        *polls_left -= 1;
        return Some(false);
    }
    if let Some(Pending::Tags {
        app,
        operation,
        tags,
    }) = pending.take()
        && let Some(app) = state.apps.get_mut(&app)
    {
        match operation.as_str() {
            "Replace" => app.tags.clear(),
            "Delete" => {
                for key in tags.keys() {
                    app.tags.remove(key);
                }
            }
            _ => {}
        }
        if operation != "Delete" {
            for (key, value) in tags {
                app.tags
                    .insert(key, value.as_str().unwrap_or_default().to_owned());
            }
        }
    }
    Some(true)
}

// ---- Kudu ----

fn unzip(zip: &[u8], into: &std::path::Path) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).map_err(|e| e.to_string())?;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| e.to_string())?;
        let Some(name) = file.enclosed_name() else {
            return Err(format!("unsafe path {:?}", file.name()));
        };
        let path = into.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        let mut data = Vec::new();
        file.read_to_end(&mut data).map_err(|e| e.to_string())?;
        std::fs::write(&path, data).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn deployment_json(shared: &Shared, app: &str, d: &super::Deployment) -> Value {
    let (text, progress) = match d.status {
        0 => ("Receiving changes.", ""),
        1 => (
            "Building and Deploying",
            if d.remote_build {
                "Running pip install..."
            } else {
                "Running deployment command..."
            },
        ),
        2 => ("Deploying", "Copying files to wwwroot"),
        3 => ("Deployment failed.", ""),
        _ => ("Deployment successful.", ""),
    };
    json!({
        "id": d.id,
        "status": d.status,
        "status_text": text,
        "author_email": "N/A",
        "author": "N/A",
        "deployer": "functory",
        "message": "Created via a push deployment",
        "progress": progress,
        "received_time": "2026-01-05T10:00:00Z",
        "start_time": "2026-01-05T10:00:01Z",
        "end_time": if d.status >= 3 { json!("2026-01-05T10:00:09Z") } else { Value::Null },
        "complete": d.status >= 3,
        "active": d.status == 4,
        "is_temp": false,
        "is_readonly": true,
        "url": format!("{}/scm/{app}/api/deployments/{}", shared.url, d.id),
        "log_url": format!("{}/scm/{app}/api/deployments/{}/log", shared.url, d.id),
        "site_name": app,
    })
}

/// Moves a deployment one stage on (0 → 1 → 2 → 4, or 3 when it fails); a success unpacks
/// the zip as the running package.
fn advance(shared: &Shared, app: &mut App, index: usize) {
    let work = shared.work.clone();
    let deployment = &mut app.deployments[index];
    if deployment.status >= 3 {
        return;
    }
    deployment.polls += 1;
    deployment.status = match deployment.status {
        0 => 1,
        1 => 2,
        _ => {
            if let Some(lines) = deployment.fail.clone() {
                deployment.log.push(("Updating submodules.".into(), 0));
                for line in lines {
                    deployment.log.push((line, 2));
                }
                3
            } else {
                4
            }
        }
    };
    if deployment.status == 4 {
        let dir = work.join(format!("{}-{}", app.spec.name, deployment.id));
        let zip = deployment.zip.clone();
        deployment.log.push(("Deployment successful.".into(), 0));
        if unzip(&zip, &dir).is_ok() {
            app.wwwroot = Some(dir);
            app.running = Some(hex(&Sha256::digest(&zip)));
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Kudu: `/scm/{app}/api/…`.
pub async fn kudu(
    shared: &Shared,
    incoming: &Incoming_,
    rest: &str,
) -> Result<Response<Body>, Cut> {
    let mut parts = rest.trim_start_matches('/').splitn(2, '/');
    let app_name = parts.next().unwrap_or_default().to_owned();
    let path = format!("/{}", parts.next().unwrap_or_default());
    match bearer(shared, &incoming.headers) {
        Ok(audience) if audience == MANAGEMENT => {}
        _ => return Ok(full(401, "text/plain", "Unauthorized")),
    }
    let method = incoming.method.as_str();
    let operation = match (method, path.as_str()) {
        ("POST", "/api/zipdeploy") => "Kudu.ZipDeploy",
        ("POST", "/api/publish") => "Kudu.Publish",
        ("GET", p) if p.starts_with("/api/deployments/") && p.ends_with("/log") => {
            "Kudu.GetDeploymentLog"
        }
        ("GET", p) if p.starts_with("/api/deployments/") => "Kudu.GetDeployment",
        ("GET", p) if p.starts_with("/api/logstream/application/functions/function/") => {
            "Kudu.LogStream"
        }
        _ => return Ok(full(404, "text/plain", "Not Found")),
    };
    if let Some(answer) = intercept(shared, operation)? {
        return Ok(answer);
    }
    let mut state = shared.lock();
    let Some(app) = state.apps.get_mut(&app_name) else {
        return Ok(full(404, "text/plain", "Not Found"));
    };
    match operation {
        "Kudu.ZipDeploy" | "Kudu.Publish" => {
            let publish = operation == "Kudu.Publish";
            if publish != (app.spec.hosting == Hosting::FlexConsumption) {
                return Ok(full(
                    404,
                    "text/plain",
                    if publish {
                        "One deploy (/api/publish) is for Flex Consumption apps."
                    } else {
                        "Zip deploy is not supported on Flex Consumption apps: use one deploy (/api/publish)."
                    },
                ));
            }
            if app.deployments.iter().any(|d| d.status < 3) {
                return Ok(full(
                    409,
                    "text/plain",
                    "There is a deployment currently in progress. Please try again when it completes.",
                ));
            }
            if zip::ZipArchive::new(std::io::Cursor::new(incoming.body.to_vec())).is_err() {
                return Ok(full(
                    400,
                    "text/plain",
                    "The uploaded file is not a valid zip archive.",
                ));
            }
            let id = uuid::Uuid::new_v4().simple().to_string();
            let remote_build =
                incoming.query.get("RemoteBuild").map(String::as_str) == Some("true");
            let fail = app.fail_next.take();
            let mut deployment = super::Deployment {
                id: id.clone(),
                status: 0,
                polls: 0,
                zip: incoming.body.to_vec(),
                fail,
                publish,
                remote_build,
                log: vec![("Received a push deployment.".into(), 0)],
            };
            if publish && app.fail_next_with_200 {
                app.fail_next_with_200 = false;
                deployment.status = 3;
                deployment.log.push((
                    "Deployment failed: the package's host.json could not be validated.".into(),
                    2,
                ));
                let answer = deployment_json(shared, &app_name, &deployment);
                app.deployments.push(deployment);
                return Ok(json_response(200, &answer));
            }
            app.deployments.push(deployment);
            if publish {
                Ok(full(202, "application/json", format!("\"{id}\"")))
            } else {
                let mut response = empty(202);
                let location = format!(
                    "{}/scm/{app_name}/api/deployments/latest?deployer=functory&time=2026-01-05_10-00-00Z",
                    shared.url
                );
                response
                    .headers_mut()
                    .insert("location", location.parse().expect("a url"));
                Ok(response)
            }
        }
        "Kudu.GetDeployment" => {
            let id = path.trim_start_matches("/api/deployments/");
            let index = if id == "latest" {
                app.deployments.len().checked_sub(1)
            } else {
                app.deployments.iter().position(|d| d.id == id)
            };
            let Some(index) = index else {
                return Ok(full(404, "text/plain", "Deployment not found."));
            };
            advance(shared, app, index);
            let deployment = app.deployments[index].clone();
            let status = if deployment.status < 3 { 202 } else { 200 };
            Ok(json_response(
                status,
                &deployment_json(shared, &app_name, &deployment),
            ))
        }
        "Kudu.GetDeploymentLog" => {
            let id = path
                .trim_start_matches("/api/deployments/")
                .trim_end_matches("/log");
            let Some(deployment) = app.deployments.iter().find(|d| d.id == id) else {
                return Ok(full(404, "text/plain", "Deployment not found."));
            };
            let entries: Vec<Value> = deployment
                .log
                .iter()
                .enumerate()
                .map(|(i, (message, kind))| {
                    json!({
                        "log_time": "2026-01-05T10:00:05Z",
                        "id": format!("{id}-{i}"),
                        "message": message,
                        "type": kind,
                        "details_url": Value::Null,
                    })
                })
                .collect();
            Ok(json_response(200, &Value::Array(entries)))
        }
        "Kudu.LogStream" => {
            let function = path
                .trim_start_matches("/api/logstream/application/functions/function/")
                .to_owned();
            let (sender, receiver) = tokio::sync::mpsc::unbounded_channel::<Bytes>();
            let welcome = format!(
                "{}  Welcome, you are now connected to log-streaming service. The default timeout is 2 hours. Change the timeout with the App Setting SCM_LOGSTREAM_TIMEOUT (in seconds). \n",
                chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S")
            );
            let _ = sender.send(Bytes::from(welcome));
            state.streams.push((app_name, function, sender));
            let body = stream::unfold(receiver, |mut receiver| async move {
                receiver.recv().await.map(|chunk| {
                    (
                        Ok::<_, std::convert::Infallible>(Frame::data(chunk)),
                        receiver,
                    )
                })
            });
            let mut response = Response::new(StreamBody::new(body).boxed());
            response.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                "text/plain; charset=utf-8".parse().expect("a type"),
            );
            Ok(response)
        }
        _ => Ok(full(404, "text/plain", "Not Found")),
    }
}
