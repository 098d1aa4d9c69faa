//! The Cloud Functions v2 REST resources the adapter reads — functions and long-running
//! operations — and the calls that read them: get, list (with `pageToken`), and waiting for
//! an operation while its `stages` (ARTIFACT_REGISTRY, BUILD, SERVICE, TRIGGER, …) progress.

use std::collections::BTreeMap;
use std::time::Instant;

use functory_adapter::{AdapterError, Result};
use functory_core::AdapterKind;
use serde::Deserialize;
use serde_json::Value;

use crate::GcpAdapter;
use crate::client::with_query;
use crate::errors::{RpcStatus, classify};

/// The `@type` of the metadata of Cloud Functions v2 operations.
pub(crate) const OPERATION_METADATA_TYPE: &str =
    "type.googleapis.com/google.cloud.functions.v2.OperationMetadata";

/// A function as `projects.locations.functions.get` answers it (the fields Functory reads).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct CloudFunction {
    pub name: String,
    pub description: String,
    pub build_config: BuildConfig,
    pub service_config: ServiceConfig,
    pub event_trigger: Option<Value>,
    /// ACTIVE, FAILED, DEPLOYING, DELETING, UNKNOWN.
    pub state: String,
    pub labels: BTreeMap<String, String>,
    pub update_time: String,
    pub state_messages: Vec<StateMessage>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct BuildConfig {
    pub runtime: String,
    pub entry_point: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ServiceConfig {
    /// The Cloud Run service: `projects/{p}/locations/{r}/services/{s}`.
    pub service: String,
    pub timeout_seconds: u32,
    pub available_memory: String,
    pub environment_variables: BTreeMap<String, String>,
    pub uri: String,
    pub service_account_email: String,
    pub revision: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct StateMessage {
    pub severity: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
}

impl CloudFunction {
    /// The function id: the last segment of its resource name.
    pub fn id(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or_default()
    }

    /// Still being changed by an operation.
    pub fn busy(&self) -> bool {
        matches!(self.state.as_str(), "DEPLOYING" | "DELETING")
    }

    /// The state messages, one line, for errors.
    pub fn state_text(&self) -> String {
        let messages: Vec<String> = self
            .state_messages
            .iter()
            .map(|m| format!("{} {}", m.severity, m.message))
            .collect();
        if messages.is_empty() {
            self.state.clone()
        } else {
            format!("{}: {}", self.state, messages.join("; "))
        }
    }
}

/// A `google.longrunning.Operation`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Operation {
    pub name: String,
    pub metadata: OperationMetadata,
    pub done: bool,
    pub error: Option<RpcStatus>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct OperationMetadata {
    #[serde(rename = "@type")]
    pub kind: String,
    pub stages: Vec<Stage>,
    pub status_detail: String,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Stage {
    /// ARTIFACT_REGISTRY, BUILD, SERVICE, TRIGGER, SERVICE_ROLLBACK, TRIGGER_ROLLBACK.
    pub name: String,
    pub message: String,
    /// NOT_STARTED, IN_PROGRESS, COMPLETE.
    pub state: String,
    pub resource_uri: String,
}

impl OperationMetadata {
    /// The stage being worked on: the first that is not complete.
    pub fn current(&self) -> Option<(usize, &Stage)> {
        self.stages
            .iter()
            .enumerate()
            .find(|(_, s)| s.state != "COMPLETE")
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct FunctionPage {
    functions: Vec<CloudFunction>,
    next_page_token: String,
}

impl GcpAdapter {
    pub(crate) fn parent(&self) -> String {
        format!("projects/{}/locations/{}", self.project, self.region)
    }

    pub(crate) fn functions_url(&self, path: &str) -> String {
        format!("{}/v2/{path}", self.api.endpoints.functions)
    }

    pub(crate) fn function_name(&self, function: &str) -> String {
        format!("{}/functions/{function}", self.parent())
    }

    /// The function, or `None` when it does not exist.
    pub(crate) async fn get_function(&self, function: &str) -> Result<Option<CloudFunction>> {
        let url = self.functions_url(&self.function_name(function));
        match self
            .api
            .get(&format!("Cloud Functions GetFunction `{function}`"), &url)
            .await
        {
            Ok(found) => Ok(Some(found)),
            Err(AdapterError::NotFound { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// The function, or NotFound naming it.
    pub(crate) async fn require_function(&self, function: &str) -> Result<CloudFunction> {
        self.get_function(function).await?.ok_or_else(|| {
            AdapterError::not_found(format!(
                "function `{function}` in project `{}` region `{}`",
                self.project, self.region
            ))
        })
    }

    /// Every function of the project in the region, page by page.
    pub(crate) async fn list_functions(&self) -> Result<Vec<CloudFunction>> {
        let mut out = Vec::new();
        let mut token = String::new();
        loop {
            let mut pairs = vec![("pageSize", "100")];
            if !token.is_empty() {
                pairs.push(("pageToken", token.as_str()));
            }
            let url = with_query(
                &self.functions_url(&format!("{}/functions", self.parent())),
                &pairs,
            );
            let page: FunctionPage = self
                .api
                .get(
                    &format!("Cloud Functions ListFunctions in `{}`", self.parent()),
                    &url,
                )
                .await?;
            out.extend(page.functions);
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        Ok(out)
    }

    /// Waits while another operation deploys or deletes the function; its settled state, or
    /// `None` once it is gone. A deploy never changes a function under a running operation.
    pub(crate) async fn wait_until_settled(&self, function: &str) -> Result<Option<CloudFunction>> {
        let started = Instant::now();
        loop {
            let found = self.get_function(function).await?;
            match &found {
                Some(f) if f.busy() => {
                    if started.elapsed() >= self.settings.wait_timeout {
                        return Err(AdapterError::Conflict {
                            message: format!(
                                "function `{function}` is still {} by another operation after {} s; Functory does not interrupt it: wait for it to finish (see the Cloud Functions console), then deploy again",
                                if f.state == "DELETING" {
                                    "being deleted"
                                } else {
                                    "being deployed"
                                },
                                self.settings.wait_timeout.as_secs()
                            ),
                        });
                    }
                    tokio::time::sleep(self.settings.poll_interval).await;
                }
                _ => return Ok(found),
            }
        }
    }

    /// Polls `operation` until it is done, calling `progress` whenever its metadata changes.
    /// A failed operation is an error naming the stage it failed in.
    pub(crate) async fn wait_operation(
        &self,
        operation: Operation,
        call: &str,
        mut progress: impl FnMut(&OperationMetadata),
    ) -> Result<Operation> {
        let started = Instant::now();
        let mut current = operation;
        let mut last = None;
        loop {
            if !current.metadata.kind.is_empty() && current.metadata.kind != OPERATION_METADATA_TYPE
            {
                return Err(AdapterError::provider(
                    AdapterKind::Gcp,
                    format!(
                        "{call}: the operation {} is not a Cloud Functions v2 operation (its metadata is `{}`): is the Cloud Functions endpoint right?",
                        current.name, current.metadata.kind
                    ),
                ));
            }
            if last.as_ref() != Some(&current.metadata) {
                progress(&current.metadata);
                last = Some(current.metadata.clone());
            }
            if current.done {
                return match &current.error {
                    Some(status) => Err(self.operation_failure(&current, status, call)),
                    None => Ok(current),
                };
            }
            if started.elapsed() >= self.settings.wait_timeout {
                return Err(AdapterError::provider(
                    AdapterKind::Gcp,
                    format!(
                        "{call} is still running after {} s (operation {}); Functory did not cancel it: follow it in the Cloud Functions console, and deploy again once it has finished",
                        self.settings.wait_timeout.as_secs(),
                        current.name
                    ),
                ));
            }
            tokio::time::sleep(self.settings.poll_interval).await;
            let url = self.functions_url(&current.name);
            current = self
                .api
                .get(&format!("Cloud Functions GetOperation of {call}"), &url)
                .await?;
        }
    }

    fn operation_failure(
        &self,
        operation: &Operation,
        status: &RpcStatus,
        call: &str,
    ) -> AdapterError {
        let stages = &operation.metadata.stages;
        // The stage that failed is the one that never completed; a rollback stage says the
        // previous revision was put back.
        let failed = stages
            .iter()
            .find(|s| s.state == "IN_PROGRESS" && !s.name.ends_with("ROLLBACK"))
            .or_else(|| {
                stages
                    .iter()
                    .find(|s| s.state != "COMPLETE" && !s.name.ends_with("ROLLBACK"))
            });
        let mut call = call.to_owned();
        if let Some(stage) = failed {
            call.push_str(&format!(" (failed in the {} stage", stage.name));
            if !stage.message.is_empty() {
                call.push_str(&format!(": {}", stage.message));
            }
            if !stage.resource_uri.is_empty() {
                call.push_str(&format!("; details at {}", stage.resource_uri));
            }
            call.push(')');
        }
        classify(status, &call, self.api.who())
    }
}
