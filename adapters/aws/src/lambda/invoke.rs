//! Invoking a function: synchronous with the 4 KB log tail, asynchronous, or a dry run.

use aws_sdk_lambda::operation::RequestId;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType as LambdaInvocationType, LogType};
use base64::Engine;
use functory_adapter::{
    AdapterError, FunctionError, Invocation, InvocationMetrics, InvocationType, InvokeOptions,
    Result,
};

use super::{AwsAdapter, not_found_as};

impl AwsAdapter {
    pub(crate) async fn invoke_function(&self, options: InvokeOptions) -> Result<Invocation> {
        let name = options.function.as_str();
        // Lambda would refuse it too, but only after a round trip and with a vaguer message.
        if serde_json::from_slice::<serde::de::IgnoredAny>(&options.payload).is_err() {
            return Err(AdapterError::invalid(format!(
                "the event for `{name}` is not valid JSON"
            )));
        }
        let invocation_type = match options.invocation_type {
            InvocationType::RequestResponse => LambdaInvocationType::RequestResponse,
            InvocationType::Event => LambdaInvocationType::Event,
            InvocationType::DryRun => LambdaInvocationType::DryRun,
        };
        let tail = options.log_tail && options.invocation_type == InvocationType::RequestResponse;
        let target = match &options.qualifier {
            Some(q) => format!("`{name}:{q}`"),
            None => format!("`{name}`"),
        };
        let output = self
            .lambda
            .invoke()
            .function_name(name)
            .set_qualifier(options.qualifier.clone())
            .invocation_type(invocation_type)
            .set_log_type(tail.then_some(LogType::Tail))
            .set_client_context(options.client_context.clone())
            .payload(Blob::new(options.payload.clone()))
            .send()
            .await
            .map_err(|e| {
                not_found_as(self.failure(&e, &format!("Lambda Invoke {target}")), name)
            })?;
        let payload = output
            .payload()
            .map(|p| p.as_ref().to_vec())
            .unwrap_or_default();
        let log_tail = output.log_result().and_then(|encoded| {
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        });
        let function_error = output
            .function_error()
            .map(|kind| FunctionError::from_error_document(kind, &payload));
        Ok(Invocation {
            request_id: output.request_id().unwrap_or_default().to_owned(),
            status_code: u16::try_from(output.status_code()).unwrap_or(200),
            metrics: log_tail.as_deref().and_then(InvocationMetrics::from_report),
            payload,
            function_error,
            executed_version: output.executed_version().unwrap_or("$LATEST").to_owned(),
            log_tail,
            cold_start: None,
            interpreter: None,
        })
    }
}
