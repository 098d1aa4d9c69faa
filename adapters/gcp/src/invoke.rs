//! Invoking a function.
//!
//! An HTTP function (every function without a storage or queue trigger) is called at its
//! `serviceConfig.uri` with a Google-signed ID token for that URL, and the header
//! `X-Functory-Invoke: event`, which tells the generated entry to hand the body to the handler
//! as the event and answer with its result — Lambda's Invoke, over the function's own HTTPS
//! endpoint. The entry answers with the request id, the function error and (on request) the
//! invocation's log lines in `X-Functory-*` headers.
//!
//! An event-driven function has no synchronous form. A Pub/Sub-triggered one is invoked
//! asynchronously by publishing the event to its topic (`Event`, answered 202 with the message
//! id); a Cloud Storage-triggered one is `NotSupported`: Functory does not write objects into
//! a user's bucket to fake an upload.

use base64::Engine;
use functory_adapter::{
    AdapterError, FunctionError, Invocation, InvocationMetrics, InvocationType, InvokeOptions,
    Result,
};
use functory_core::AdapterKind;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::GcpAdapter;
use crate::functions::CloudFunction;
use crate::mapping::{FINALIZED, MESSAGE_PUBLISHED};

/// Headers of the protocol between the adapter and the generated entry.
pub mod protocol {
    pub const INVOKE: &str = "X-Functory-Invoke";
    pub const LOG_TYPE: &str = "X-Functory-Log-Type";
    pub const REQUEST_ID: &str = "X-Functory-Request-Id";
    pub const FUNCTION_ERROR: &str = "X-Functory-Function-Error";
    pub const LOG_RESULT: &str = "X-Functory-Log-Result";
}

impl GcpAdapter {
    pub(crate) async fn invoke_function(&self, options: InvokeOptions) -> Result<Invocation> {
        let name = options.function.as_str();
        // Refused here rather than after a round trip, with a clearer message.
        if serde_json::from_slice::<serde::de::IgnoredAny>(&options.payload).is_err() {
            return Err(AdapterError::invalid(format!(
                "the event for `{name}` is not valid JSON"
            )));
        }
        if let Some(qualifier) = &options.qualifier {
            return Err(AdapterError::invalid(format!(
                "`{name}:{qualifier}`: Cloud Functions has no versions or aliases to invoke; invoke `{name}`"
            )));
        }
        let function = self.require_function(name).await?;
        let event_type = function
            .event_trigger
            .as_ref()
            .and_then(|t| t.get("eventType"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        match (event_type.as_deref(), options.invocation_type) {
            (_, InvocationType::DryRun) => Ok(Invocation {
                request_id: String::new(),
                status_code: 204,
                payload: Vec::new(),
                function_error: None,
                executed_version: revision(&function),
                log_tail: None,
                metrics: None,
                cold_start: None,
                interpreter: None,
            }),
            (None, InvocationType::RequestResponse) => self.call(&function, &options).await,
            (None, InvocationType::Event) => Err(AdapterError::NotSupported {
                operation: "an asynchronous (Event) invoke of an HTTP function (Cloud Functions has no event queue for it: invoke it synchronously)",
                provider: AdapterKind::Gcp,
            }),
            (Some(MESSAGE_PUBLISHED), InvocationType::Event) => {
                self.publish(&function, &options).await
            }
            (Some(MESSAGE_PUBLISHED), InvocationType::RequestResponse) => {
                Err(AdapterError::NotSupported {
                    operation: "a synchronous invoke of a Pub/Sub-triggered function (invoke it as an Event: the event is published to its topic)",
                    provider: AdapterKind::Gcp,
                })
            }
            (Some(kind), _) if kind == FINALIZED || kind.starts_with("google.cloud.storage") => {
                Err(AdapterError::NotSupported {
                    operation: "invoking a Cloud Storage-triggered function (upload an object to its bucket to run it)",
                    provider: AdapterKind::Gcp,
                })
            }
            (Some(_), _) => Err(AdapterError::NotSupported {
                operation: "invoking an event-driven function directly",
                provider: AdapterKind::Gcp,
            }),
        }
    }

    /// POSTs the event to the function's URL with an ID token for it.
    async fn call(&self, function: &CloudFunction, options: &InvokeOptions) -> Result<Invocation> {
        let name = function.id();
        let uri = &function.service_config.uri;
        if uri.is_empty() {
            return Err(AdapterError::provider(
                AdapterKind::Gcp,
                format!(
                    "function `{name}` has no URL yet ({}): wait for its deploy to finish",
                    function.state_text()
                ),
            ));
        }
        let call = format!("the invoke of `{name}` at {uri}");
        let token = self.api.tokens.id_token(uri).await?;
        let mut request = self
            .api
            .http
            .post(uri)
            .bearer_auth(token.expose())
            .header("Content-Type", "application/json")
            .header(protocol::INVOKE, "event")
            // The function's own timeout bounds the call, plus time for a cold start.
            .timeout(std::time::Duration::from_secs(
                u64::from(function.service_config.timeout_seconds.max(60)) + 60,
            ))
            .body(options.payload.clone());
        if options.log_tail {
            request = request.header(protocol::LOG_TYPE, "Tail");
        }
        let response = request
            .send()
            .await
            .map_err(|e| self.api.unreachable(&call, uri, &e))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let request_id = header(protocol::REQUEST_ID);
        let error_kind = header(protocol::FUNCTION_ERROR);
        let log_tail = header(protocol::LOG_RESULT).and_then(|encoded| {
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        });
        let payload = response
            .bytes()
            .await
            .map_err(|e| self.api.unreachable(&call, uri, &e))?
            .to_vec();
        let who = self.api.who();
        let Some(request_id) = request_id.filter(|_| status == 200) else {
            let said = String::from_utf8_lossy(&payload);
            let said = said.trim();
            let said: String = said.chars().take(300).collect();
            return Err(match status {
                400 => AdapterError::invalid(format!("{call} was refused (HTTP 400): {said}")),
                401 | 403 => AdapterError::PermissionDenied {
                    message: format!(
                        "{who} may not invoke `{name}` (HTTP {status} from its URL): grant it roles/run.invoker on the function's Cloud Run service{}",
                        self.api
                            .tokens
                            .credentials()
                            .client_email()
                            .map(|e| format!(" (serviceAccount:{e})"))
                            .unwrap_or_default()
                    ),
                },
                404 => AdapterError::not_found(format!("function `{name}` (its URL answered 404)")),
                429 => AdapterError::Throttled {
                    message: format!(
                        "{call} was throttled (HTTP 429): no instance was free; try again or raise the function's max instances"
                    ),
                },
                _ => AdapterError::provider(
                    AdapterKind::Gcp,
                    format!(
                        "{call} failed with HTTP {status} before the handler answered ({said}): the instance may have crashed or timed out; see the function's logs"
                    ),
                ),
            });
        };
        let function_error =
            error_kind.map(|kind| FunctionError::from_error_document(&kind, &payload));
        Ok(Invocation {
            request_id,
            status_code: 200,
            metrics: log_tail.as_deref().and_then(InvocationMetrics::from_report),
            payload,
            function_error,
            executed_version: revision(function),
            log_tail,
            cold_start: None,
            interpreter: None,
        })
    }

    /// Publishes the event to the function's topic: Eventarc delivers it, as it would any
    /// message.
    async fn publish(
        &self,
        function: &CloudFunction,
        options: &InvokeOptions,
    ) -> Result<Invocation> {
        let topic = function
            .event_trigger
            .as_ref()
            .and_then(|t| t.get("pubsubTopic"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Published {
            message_ids: Vec<String>,
        }
        let url = format!("{}/v1/{topic}:publish", self.api.endpoints.pubsub);
        let body = json!({
            "messages": [{
                "data": base64::engine::general_purpose::STANDARD.encode(&options.payload),
                "attributes": { "functory-invoke": "event" },
            }],
        });
        let published: Published = self
            .api
            .send(
                &format!(
                    "Pub/Sub Publish to `{topic}` (the trigger of `{}`)",
                    function.id()
                ),
                Method::POST,
                &url,
                Some(&body),
            )
            .await?;
        Ok(Invocation {
            request_id: published.message_ids.into_iter().next().unwrap_or_default(),
            status_code: 202,
            payload: Vec::new(),
            function_error: None,
            executed_version: revision(function),
            log_tail: None,
            metrics: None,
            cold_start: None,
            interpreter: None,
        })
    }
}

fn revision(function: &CloudFunction) -> String {
    if function.service_config.revision.is_empty() {
        "latest".to_owned()
    } else {
        function.service_config.revision.clone()
    }
}
