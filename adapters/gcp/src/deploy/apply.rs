//! Applying a plan in order: the upload, the create or patch and its operation's stages as
//! progress, the invokers and jobs; and deleting a function.

use std::time::Instant;

use functory_adapter::archive::human_size as size;
use functory_adapter::{AdapterError, DeployOptions, DeployOutcome, DeployProgress, Result};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{OPERATION_STEPS, Prepared, Step};
use crate::GcpAdapter;
use crate::client::with_query;
use crate::functions::{Operation, OperationMetadata};
use crate::package::Package;

impl GcpAdapter {
    pub(super) async fn apply(
        &self,
        options: &DeployOptions,
        prepared: Prepared,
        started: Instant,
    ) -> Result<DeployOutcome> {
        let Prepared {
            plan,
            steps,
            package,
            mapping,
            mut body,
            existing,
        } = prepared;
        let name = options.function.name.as_str();
        let total: usize = steps.iter().map(Step::progress_steps).sum();
        let report = |step: usize, label: String| {
            if let Some(progress) = &options.progress {
                progress.report(DeployProgress {
                    function: name.to_owned(),
                    step,
                    steps: total,
                    label,
                    elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                });
            }
        };
        let mut current = existing;
        let mut uploaded = false;
        let mut n = 0;
        for step in &steps {
            let base = n + 1;
            n += step.progress_steps();
            match step {
                Step::DeleteFunction => {
                    report(base, format!("deleting {name} to change its trigger kind"));
                    self.delete_function_resource(name, |m| report_stage(&report, base, m))
                        .await?;
                    current = None;
                }
                Step::Upload => {
                    report(
                        base,
                        format!("uploading the source ({})", size(package.zip.len())),
                    );
                    let source = self.upload(name, &package).await?;
                    body["buildConfig"]["source"] = json!({ "storageSource": source });
                    uploaded = true;
                }
                Step::Create => {
                    let url = with_query(
                        &self.functions_url(&format!("{}/functions", self.parent())),
                        &[("functionId", name)],
                    );
                    let call = format!("Cloud Functions CreateFunction `{name}`");
                    let operation: Operation = self
                        .api
                        .send(&call, Method::POST, &url, Some(&body))
                        .await?;
                    self.wait_operation(operation, &call, |m| report_stage(&report, base, m))
                        .await?;
                    current = Some(self.require_function(name).await?);
                }
                Step::Update(mask) => {
                    let call = format!("Cloud Functions UpdateFunction `{name}`");
                    let url = with_query(
                        &self.functions_url(&self.function_name(name)),
                        &[("updateMask", &mask.join(","))],
                    );
                    let operation = self.patch_when_free(name, &call, &url, &body).await?;
                    self.wait_operation(operation, &call, |m| report_stage(&report, base, m))
                        .await?;
                    current = Some(self.require_function(name).await?);
                }
                Step::SetInvokers => {
                    report(base, "updating who may invoke the function".to_owned());
                    let function = current.clone().ok_or_else(|| missing_after(name))?;
                    self.set_invokers(&function, &mapping).await?;
                }
                Step::CreateJob(wanted) | Step::UpdateJob(wanted) => {
                    report(base, format!("scheduling {}", wanted.expression));
                    let function = current.clone().ok_or_else(|| missing_after(name))?;
                    self.put_job(&function, wanted, matches!(step, Step::CreateJob(_)))
                        .await?;
                }
                Step::DeleteJob(job) => {
                    report(base, format!("removing the schedule {job}"));
                    let call = format!("Cloud Scheduler DeleteJob `{job}`");
                    let url = format!("{}/v1/{job}", self.api.endpoints.scheduler);
                    match self
                        .api
                        .send::<Value>(&call, Method::DELETE, &url, None)
                        .await
                    {
                        Ok(_) | Err(AdapterError::NotFound { .. }) => {}
                        Err(other) => return Err(other),
                    }
                }
            }
        }
        report(total, "done".to_owned());
        let function = match current {
            Some(function) => function,
            None => self.require_function(name).await?,
        };
        Ok(DeployOutcome {
            function: name.to_owned(),
            version: if function.service_config.revision.is_empty() {
                "latest".to_owned()
            } else {
                function.service_config.revision.clone()
            },
            code_sha256: package.sha256,
            uploaded,
            plan,
            resource_id: function.name,
        })
    }

    /// `functions:generateUploadUrl`, then the zip PUT to the signed URL with only the
    /// `Content-Type` it was signed for (no bearer token: the URL carries its own signature,
    /// and an unsigned `x-goog-*` header would break it). The `storageSource` to build from.
    async fn upload(&self, name: &str, package: &Package) -> Result<Value> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct UploadUrl {
            upload_url: String,
            storage_source: Value,
        }
        let call = format!("Cloud Functions GenerateUploadUrl for `{name}`");
        let url = self.functions_url(&format!("{}/functions:generateUploadUrl", self.parent()));
        let answer: UploadUrl = self
            .api
            .send(&call, Method::POST, &url, Some(&json!({})))
            .await?;
        // The signed URL is a credential for the upload: messages show where it goes only.
        let shown = reqwest::Url::parse(&answer.upload_url)
            .map(|u| format!("{}{}", u.origin().ascii_serialization(), u.path()))
            .unwrap_or_else(|_| "the signed upload URL".to_owned());
        let put = format!("the source upload of `{name}` to {shown}");
        let response = self
            .api
            .http
            .put(&answer.upload_url)
            .header("Content-Type", "application/zip")
            .timeout(self.settings.request_timeout * 5)
            .body(package.zip.clone())
            .send()
            .await
            .map_err(|e| self.api.unreachable(&put, &shown, &e))?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            let code = text
                .split("<Code>")
                .nth(1)
                .and_then(|rest| rest.split("</Code>").next())
                .unwrap_or("no error code");
            return Err(AdapterError::provider(
                functory_core::AdapterKind::Gcp,
                format!(
                    "{put} failed with HTTP {} ({code}): the signed URL may have expired; deploy again",
                    status.as_u16()
                ),
            ));
        }
        Ok(answer.storage_source)
    }

    /// PATCH, waiting out an operation that started meanwhile (FAILED_PRECONDITION).
    async fn patch_when_free(
        &self,
        name: &str,
        call: &str,
        url: &str,
        body: &Value,
    ) -> Result<Operation> {
        let mut attempts = 0;
        loop {
            match self.api.send(call, Method::PATCH, url, Some(body)).await {
                Err(AdapterError::Conflict { .. }) if attempts < 3 => {
                    attempts += 1;
                    self.wait_until_settled(name).await?;
                }
                other => return other,
            }
        }
    }

    /// DELETE the function and wait for the operation.
    async fn delete_function_resource(
        &self,
        name: &str,
        progress: impl FnMut(&OperationMetadata),
    ) -> Result<()> {
        let call = format!("Cloud Functions DeleteFunction `{name}`");
        let url = self.functions_url(&self.function_name(name));
        let operation: Operation = self.api.send(&call, Method::DELETE, &url, None).await?;
        self.wait_operation(operation, &call, progress).await?;
        Ok(())
    }

    /// Deletes the function and its scheduler jobs.
    pub(crate) async fn delete_function(&self, name: &str) -> Result<()> {
        if self.wait_until_settled(name).await?.is_none() {
            return Err(AdapterError::not_found(format!(
                "function `{name}` in project `{}` region `{}`",
                self.project, self.region
            )));
        }
        self.delete_function_resource(name, |_| {}).await?;
        for job in self.list_jobs(name).await? {
            let call = format!("Cloud Scheduler DeleteJob `{}`", job.id());
            let url = format!("{}/v1/{}", self.api.endpoints.scheduler, job.name);
            match self
                .api
                .send::<Value>(&call, Method::DELETE, &url, None)
                .await
            {
                Ok(_) | Err(AdapterError::NotFound { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }
}

fn missing_after(name: &str) -> AdapterError {
    AdapterError::provider(
        functory_core::AdapterKind::Gcp,
        format!("function `{name}` was not found right after it was deployed; deploy again"),
    )
}

/// Reports an operation's current stage as a step of the deploy: the four stages take the
/// steps `base` to `base + 3`.
fn report_stage(report: &impl Fn(usize, String), base: usize, metadata: &OperationMetadata) {
    let (index, label) = match metadata.current() {
        Some((index, stage)) => {
            let what = match stage.name.as_str() {
                "ARTIFACT_REGISTRY" => "preparing the image repository",
                "BUILD" => "building the function",
                "SERVICE" => "updating the Cloud Run service",
                "TRIGGER" => "connecting the trigger",
                "SERVICE_ROLLBACK" => "rolling the service back",
                "TRIGGER_ROLLBACK" => "rolling the trigger back",
                other => other,
            };
            let state = stage.state.to_ascii_lowercase().replace('_', " ");
            let mut label = format!("{} ({what}): {state}", stage.name);
            if !stage.message.is_empty() {
                label.push_str(&format!(" — {}", stage.message));
            }
            (index, label)
        }
        None if metadata.stages.is_empty() => (0, "waiting for the operation".to_owned()),
        None => (
            metadata.stages.len().saturating_sub(1),
            "all stages complete".to_owned(),
        ),
    };
    report(base + index.min(OPERATION_STEPS - 1), label);
}
