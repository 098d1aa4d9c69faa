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
            .map(|kind| function_error_of(kind, &payload));
        Ok(Invocation {
            request_id: output.request_id().unwrap_or_default().to_owned(),
            status_code: u16::try_from(output.status_code()).unwrap_or(200),
            metrics: log_tail.as_deref().and_then(report_metrics),
            payload,
            function_error,
            executed_version: output.executed_version().unwrap_or("$LATEST").to_owned(),
            log_tail,
            cold_start: None,
        })
    }
}

/// Lambda says only `Unhandled` (or `Handled`) in the header; the type and message are in the
/// payload (which keeps the stack trace for whoever shows it).
fn function_error_of(kind: &str, payload: &[u8]) -> FunctionError {
    let document: serde_json::Value = serde_json::from_slice(payload).unwrap_or_default();
    let text = |key: &str| {
        document
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    FunctionError {
        error_type: text("errorType").unwrap_or_else(|| kind.to_owned()),
        message: text("errorMessage")
            .unwrap_or_else(|| String::from_utf8_lossy(payload).into_owned()),
    }
}

/// The figures of a `REPORT RequestId: …` line.
pub(crate) fn report_metrics(log: &str) -> Option<InvocationMetrics> {
    let line = log.lines().find(|l| l.starts_with("REPORT RequestId:"))?;
    let field = |label: &str| -> Option<f64> {
        let start = line.find(label)? + label.len();
        line[start..].split_whitespace().next()?.parse().ok()
    };
    Some(InvocationMetrics {
        duration_ms: field("Duration:")?,
        billed_duration_ms: field("Billed Duration:").map(|d| d as u64).unwrap_or(0),
        memory_size_mb: field("Memory Size:").map(|m| m as u32).unwrap_or(0),
        max_memory_used_mb: field("Max Memory Used:").map(|m| m as u32).unwrap_or(0),
        init_duration_ms: field("Init Duration:"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_type_message_and_stack_come_from_the_payload() {
        let payload = br#"{"errorType":"TypeError","errorMessage":"x is undefined","stackTrace":["at handler (index.js:3:9)"]}"#;
        let error = function_error_of("Unhandled", payload);
        assert_eq!(error.error_type, "TypeError");
        assert_eq!(error.message, "x is undefined");
        let error = function_error_of("Unhandled", b"not json");
        assert_eq!(error.error_type, "Unhandled");
        assert_eq!(error.message, "not json");
    }

    #[test]
    fn report_line_figures() {
        let log = "START RequestId: a Version: $LATEST\nEND RequestId: a\nREPORT RequestId: a\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\tInit Duration: 150.00 ms\t\n";
        let metrics = report_metrics(log).unwrap();
        assert_eq!(metrics.duration_ms, 12.34);
        assert_eq!(metrics.billed_duration_ms, 13);
        assert_eq!(metrics.memory_size_mb, 128);
        assert_eq!(metrics.max_memory_used_mb, 70);
        assert_eq!(metrics.init_duration_ms, Some(150.0));
        assert!(report_metrics("no report").is_none());
    }
}
