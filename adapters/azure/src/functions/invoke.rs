//! Invoking a function through the app's own front door: an HTTP-triggered function by its
//! route with a function key (`x-functions-key`); any other by the host's admin endpoint
//! (`POST /admin/functions/{name}` with the master key), which queues it (202).
//!
//! The generated shim marks its answers (`x-functory-request-id`, and
//! `x-functory-function-error` when the handler failed), so a handler's failure is told from
//! a failure of the Functions host itself (a bare 500).

use base64::Engine;
use functory_adapter::{
    AdapterError, FunctionError, Invocation, InvocationType, InvokeOptions, Result,
};
use functory_core::AdapterKind;
use serde_json::{Value, json};

use super::{AzureAdapter, LATEST, ObservedApp};
use crate::arm::FunctionEnvelope;
use crate::token::error_chain;

const REQUEST_ID: &str = "x-functory-request-id";
const FUNCTION_ERROR: &str = "x-functory-function-error";

/// A request to the function host, built from an event.
struct HostRequest {
    method: reqwest::Method,
    /// Path and query below the host, `/api/...`.
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl AzureAdapter {
    pub(crate) async fn invoke_function(&self, options: InvokeOptions) -> Result<Invocation> {
        let name = options.function.as_str();
        if serde_json::from_slice::<serde::de::IgnoredAny>(&options.payload).is_err() {
            return Err(AdapterError::invalid(format!(
                "the event for `{name}` is not valid JSON"
            )));
        }
        let (site, functions) = tokio::try_join!(self.site(), self.functions())?;
        let app = self.observed(site, Default::default(), functions);
        let entries = app.entries_of(name);
        let Some(entry) = entries.first().copied() else {
            return Err(self.not_found(name));
        };
        if options.invocation_type == InvocationType::DryRun {
            return Ok(invocation(String::new(), 204, Vec::new(), None));
        }
        let trigger = entry
            .trigger()
            .and_then(|t| t.get("type"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if trigger == "httpTrigger" {
            if options.invocation_type == InvocationType::Event {
                return Err(AdapterError::NotSupported {
                    operation: "queueing an invoke of an HTTP-triggered Azure function (Azure runs HTTP requests as they come)",
                    provider: AdapterKind::Azure,
                });
            }
            return self.invoke_http(&app, entry, &options.payload).await;
        }
        self.invoke_admin(&app, entry, &trigger, &options.payload)
            .await
    }

    async fn invoke_http(
        &self,
        app: &ObservedApp,
        entry: &FunctionEnvelope,
        payload: &[u8],
    ) -> Result<Invocation> {
        let azure_name = entry.function_name().to_owned();
        let binding = entry.trigger().cloned().unwrap_or(Value::Null);
        let kind = entry
            .functory()
            .and_then(|m| m.get("trigger"))
            .and_then(Value::as_str)
            .unwrap_or("http")
            .to_owned();
        let route = binding
            .get("route")
            .and_then(Value::as_str)
            .unwrap_or(&azure_name)
            .to_owned();
        let direct = kind == "invoke";
        let request = if direct {
            HostRequest {
                method: reqwest::Method::POST,
                path: format!("/api/{route}"),
                headers: vec![("content-type".into(), "application/json".into())],
                body: payload.to_vec(),
            }
        } else {
            let event: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
            http_request(
                &event,
                &binding,
                &route,
                &azure_name,
                kind == "url",
                payload,
            )?
        };
        let anonymous = binding.get("authLevel").and_then(Value::as_str) == Some("anonymous");
        let key_name = format!("function:{azure_name}");
        let url = format!("{}{}", app.host_base, request.path);
        let mut refused_once = false;
        let response = loop {
            let mut call = self
                .inner
                .http
                .request(request.method.clone(), &url)
                .timeout(self.inner.settings.request_timeout)
                .body(request.body.clone());
            for (header, value) in &request.headers {
                call = call.header(header.as_str(), value.as_str());
            }
            if !anonymous {
                let key = self.key(&key_name).await?;
                call = call.header("x-functions-key", key.expose().as_str());
            }
            let response = call.send().await.map_err(|error| {
                AdapterError::provider(
                    AdapterKind::Azure,
                    format!(
                        "invoking `{azure_name}` at {} failed ({}): check the network connection; a new app may still be starting",
                        app.host_base,
                        error_chain(&error)
                    ),
                )
            })?;
            if response.status().as_u16() == 401 && !anonymous && !refused_once {
                // The key was rotated since it was cached.
                refused_once = true;
                self.forget_key(&key_name).await;
                continue;
            }
            break response;
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|error| {
            AdapterError::provider(
                AdapterKind::Azure,
                format!(
                    "the answer of `{azure_name}` was cut ({})",
                    error_chain(&error)
                ),
            )
        })?;
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let request_id = header(REQUEST_ID);
        let handler_failed = header(FUNCTION_ERROR);
        let Some(request_id) = request_id else {
            // Not the shim's answer: the host's own.
            return match status {
                500..=599 => Ok(invocation(
                    String::new(),
                    200,
                    body.to_vec(),
                    Some(FunctionError {
                        error_type: "Unhandled".to_owned(),
                        message: format!(
                            "the Functions host of {} answered HTTP {status} for `{azure_name}` without the handler's answer{}: the function's logs say why",
                            self.app().name,
                            text_hint(&body)
                        ),
                    }),
                )),
                401 | 403 => Err(AdapterError::PermissionDenied {
                    message: format!(
                        "the function host of {} refused the key for `{azure_name}` (HTTP {status}): check the function's keys in the portal",
                        self.app().name
                    ),
                }),
                404 => Err(AdapterError::NotFound {
                    what: format!(
                        "the HTTP endpoint /api/{route} of `{azure_name}` on {} (the app may still be starting, or its triggers were not synced: deploy again)",
                        app.host_base
                    ),
                }),
                _ => Err(AdapterError::provider(
                    AdapterKind::Azure,
                    format!(
                        "the function host of {} answered HTTP {status} for `{azure_name}`{}",
                        self.app().name,
                        text_hint(&body)
                    ),
                )),
            };
        };
        if direct {
            if status == 400 && handler_failed.is_none() {
                return Err(AdapterError::invalid(format!(
                    "`{azure_name}` refused the event{}",
                    text_hint(&body)
                )));
            }
            let function_error =
                handler_failed.map(|kind| FunctionError::from_error_document(&kind, &body));
            return Ok(invocation(request_id, 200, body.to_vec(), function_error));
        }
        let function_error = handler_failed.map(|kind| FunctionError {
            error_type: kind,
            message: "the handler failed; its error is in the function's logs".to_owned(),
        });
        let result = http_result(status, &headers, &body);
        Ok(invocation(
            request_id,
            200,
            serde_json::to_vec(&result).unwrap_or_default(),
            function_error,
        ))
    }

    async fn invoke_admin(
        &self,
        app: &ObservedApp,
        entry: &FunctionEnvelope,
        trigger: &str,
        payload: &[u8],
    ) -> Result<Invocation> {
        let azure_name = entry.function_name().to_owned();
        let event: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
        let inputs = admin_inputs(trigger, &event, payload);
        let url = format!("{}/admin/functions/{azure_name}", app.host_base);
        for input in inputs {
            let mut refused_once = false;
            loop {
                let key = self.key("master").await?;
                let response = self
                    .inner
                    .http
                    .post(&url)
                    .timeout(self.inner.settings.request_timeout)
                    .header("x-functions-key", key.expose().as_str())
                    .json(&json!({ "input": input }))
                    .send()
                    .await
                    .map_err(|error| {
                        AdapterError::provider(
                            AdapterKind::Azure,
                            format!(
                                "running `{azure_name}` through the admin endpoint of {} failed ({}): check the network connection",
                                app.host_base,
                                error_chain(&error)
                            ),
                        )
                    })?;
                let status = response.status().as_u16();
                match status {
                    202 | 200 | 204 => break,
                    401 if !refused_once => {
                        refused_once = true;
                        self.forget_key("master").await;
                    }
                    401 | 403 => {
                        return Err(AdapterError::PermissionDenied {
                            message: format!(
                                "the admin endpoint of {} refused the master key (HTTP {status})",
                                self.app().name
                            ),
                        });
                    }
                    404 => {
                        return Err(AdapterError::NotFound {
                            what: format!(
                                "function `{azure_name}` on the host {} (the app may still be starting: try again)",
                                app.host_base
                            ),
                        });
                    }
                    _ => {
                        let text = response.text().await.unwrap_or_default();
                        return Err(AdapterError::provider(
                            AdapterKind::Azure,
                            format!(
                                "the admin endpoint of {} answered HTTP {status} for `{azure_name}`{}",
                                self.app().name,
                                text_hint(text.as_bytes())
                            ),
                        ));
                    }
                }
            }
        }
        // Azure queues the run and gives no id for it.
        Ok(invocation(String::new(), 202, Vec::new(), None))
    }
}

fn invocation(
    request_id: String,
    status_code: u16,
    payload: Vec<u8>,
    function_error: Option<FunctionError>,
) -> Invocation {
    Invocation {
        request_id,
        status_code,
        payload,
        function_error,
        executed_version: LATEST.to_owned(),
        log_tail: None,
        metrics: None,
        cold_start: None,
        interpreter: None,
    }
}

fn text_hint(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    match line {
        Some(line) => format!(" ({})", line.chars().take(200).collect::<String>()),
        None => String::new(),
    }
}

/// What the admin endpoint's `input` is for each trigger, from Lambda-shaped events: each
/// SQS record's body for a queue, `container/key` for a blob, the event itself otherwise.
fn admin_inputs(trigger: &str, event: &Value, payload: &[u8]) -> Vec<String> {
    let records = event.get("Records").and_then(Value::as_array);
    let whole = String::from_utf8_lossy(payload).into_owned();
    match (trigger, records) {
        ("queueTrigger", Some(records)) if !records.is_empty() => records
            .iter()
            .map(|r| match r.get("body") {
                Some(Value::String(body)) => body.clone(),
                Some(other) => other.to_string(),
                None => r.to_string(),
            })
            .collect(),
        ("blobTrigger", Some(records)) if !records.is_empty() => records
            .iter()
            .filter_map(|r| {
                let bucket = r.pointer("/s3/bucket/name")?.as_str()?;
                let key = r.pointer("/s3/object/key")?.as_str()?;
                let key = percent_decode(&key.replace('+', " "));
                Some(format!("{bucket}/{key}"))
            })
            .collect(),
        ("blobTrigger", None) => match event {
            Value::String(path) => vec![path.clone()],
            _ => vec![whole],
        },
        _ => vec![whole],
    }
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// The HTTP request an API Gateway event (payload 2.0 or 1.0) describes; any other event is
/// posted as the body of the trigger's route.
fn http_request(
    event: &Value,
    binding: &Value,
    route: &str,
    azure_name: &str,
    url_trigger: bool,
    payload: &[u8],
) -> Result<HostRequest> {
    let text = |pointer: &str| {
        event
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let method = text("/requestContext/http/method")
        .or_else(|| text("/httpMethod"))
        .map(|m| m.to_ascii_uppercase());
    let path = text("/rawPath").or_else(|| text("/path"));
    let allowed: Vec<String> = binding
        .get("methods")
        .and_then(Value::as_array)
        .map(|m| {
            m.iter()
                .filter_map(Value::as_str)
                .map(str::to_ascii_uppercase)
                .collect()
        })
        .unwrap_or_default();
    let Some(method) = method else {
        // Not an HTTP event: its JSON goes as the body of a POST.
        if route.contains('{') && !url_trigger {
            return Err(AdapterError::invalid(format!(
                "`{azure_name}` is reached through its HTTP route /api/{route}: give an HTTP event (API Gateway HTTP API, `functory events generate http`) with the path to call"
            )));
        }
        let method = if allowed.is_empty() || allowed.iter().any(|m| m == "POST") {
            "POST"
        } else {
            return Err(AdapterError::invalid(format!(
                "`{azure_name}` takes {} requests: give an HTTP event (API Gateway HTTP API) to call it with",
                allowed.join(", ")
            )));
        };
        let base = if url_trigger {
            format!("/api/{azure_name}/")
        } else {
            format!("/api/{route}")
        };
        return Ok(HostRequest {
            method: reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::POST),
            path: base,
            headers: vec![("content-type".into(), "application/json".into())],
            body: payload.to_vec(),
        });
    };
    let path = match path {
        Some(path) => path,
        None => {
            // Fill the route's parameters from pathParameters.
            let mut filled = route.to_owned();
            if let Some(params) = event.get("pathParameters").and_then(Value::as_object) {
                for (key, value) in params {
                    let value = value.as_str().unwrap_or_default();
                    filled = filled
                        .replace(&format!("{{{key}}}"), value)
                        .replace(&format!("{{*{key}}}"), value);
                }
            }
            format!("/{filled}")
        }
    };
    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    let mut target = if url_trigger {
        format!("/api/{azure_name}{path}")
    } else {
        format!("/api{path}")
    };
    let query = text("/rawQueryString")
        .filter(|q| !q.is_empty())
        .or_else(|| {
            let params = event.get("queryStringParameters")?.as_object()?;
            let pairs: Vec<String> = params
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v.as_str().unwrap_or_default())))
                .collect();
            (!pairs.is_empty()).then(|| pairs.join("&"))
        });
    if let Some(query) = query {
        target.push('?');
        target.push_str(&query);
    }
    let mut headers: Vec<(String, String)> = event
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| {
            h.iter()
                .filter(|(k, _)| {
                    // Hop-by-hop and computed headers are the client's to set.
                    !matches!(
                        k.to_ascii_lowercase().as_str(),
                        "host" | "content-length" | "connection" | "transfer-encoding"
                    )
                })
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    if let Some(cookies) = event.get("cookies").and_then(Value::as_array) {
        let joined: Vec<&str> = cookies.iter().filter_map(Value::as_str).collect();
        if !joined.is_empty() {
            headers.push(("cookie".into(), joined.join("; ")));
        }
    }
    let body = match event.get("body") {
        Some(Value::String(body)) if event.get("isBase64Encoded") == Some(&Value::Bool(true)) => {
            base64::engine::general_purpose::STANDARD
                .decode(body)
                .map_err(|_| {
                    AdapterError::invalid(format!(
                        "the event for `{azure_name}` says isBase64Encoded but its body is not base64"
                    ))
                })?
        }
        Some(Value::String(body)) => body.clone().into_bytes(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => other.to_string().into_bytes(),
    };
    Ok(HostRequest {
        method: reqwest::Method::from_bytes(method.as_bytes()).map_err(|_| {
            AdapterError::invalid(format!(
                "the event for `{azure_name}` has an invalid HTTP method `{method}`"
            ))
        })?,
        path: target,
        headers,
        body,
    })
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The HTTP answer as Lambda's HTTP result: `{statusCode, headers, body, isBase64Encoded}`.
fn http_result(status: u16, headers: &reqwest::header::HeaderMap, body: &[u8]) -> Value {
    let mut map = serde_json::Map::new();
    for (name, value) in headers {
        let name = name.as_str();
        if name.starts_with("x-functory-")
            || matches!(
                name,
                "content-length" | "transfer-encoding" | "date" | "connection"
            )
        {
            continue;
        }
        if let Ok(value) = value.to_str() {
            map.insert(name.to_owned(), Value::String(value.to_owned()));
        }
    }
    let (body, encoded) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(body), true),
    };
    json!({
        "statusCode": status,
        "headers": map,
        "body": body,
        "isBase64Encoded": encoded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_events_become_requests() {
        let event = json!({
            "version": "2.0",
            "rawPath": "/items/42",
            "rawQueryString": "full=1",
            "headers": {"accept": "application/json", "host": "example.com"},
            "cookies": ["a=1", "b=2"],
            "requestContext": {"http": {"method": "put"}},
            "body": "aGk=",
            "isBase64Encoded": true
        });
        let binding = json!({"route": "items/{id}", "methods": ["put"]});
        let request = http_request(&event, &binding, "items/{id}", "items", false, b"").unwrap();
        assert_eq!(request.method, reqwest::Method::PUT);
        assert_eq!(request.path, "/api/items/42?full=1");
        assert_eq!(request.body, b"hi");
        assert!(
            request
                .headers
                .iter()
                .any(|(k, v)| k == "cookie" && v == "a=1; b=2")
        );
        assert!(!request.headers.iter().any(|(k, _)| k == "host"));

        let v1 = json!({"httpMethod": "GET", "pathParameters": {"id": "7"}, "queryStringParameters": {"q": "a b"}});
        let request = http_request(&v1, &binding, "items/{id}", "items", false, b"").unwrap();
        assert_eq!(request.path, "/api/items/7?q=a%20b");

        let url = json!({"rawPath": "/deep/path", "requestContext": {"http": {"method": "GET"}}});
        let request = http_request(&url, &json!({}), "hook/{*path}", "hook", true, b"").unwrap();
        assert_eq!(request.path, "/api/hook/deep/path");

        let plain = json!({"order": 1});
        let request = http_request(
            &plain,
            &json!({}),
            "orders",
            "orders",
            false,
            b"{\"order\":1}",
        )
        .unwrap();
        assert_eq!(
            (request.method, request.path.as_str()),
            (reqwest::Method::POST, "/api/orders")
        );
        let refused = http_request(&plain, &binding, "items/{id}", "items", false, b"{}");
        assert!(refused.is_err());
    }

    #[test]
    fn admin_inputs_follow_the_trigger() {
        let sqs = json!({"Records": [{"body": "one"}, {"body": {"n": 2}}]});
        assert_eq!(
            admin_inputs("queueTrigger", &sqs, b""),
            ["one", "{\"n\":2}"]
        );
        let s3 = json!({"Records": [{"s3": {"bucket": {"name": "uploads"}, "object": {"key": "in/a+b%2Bc.jpg"}}}]});
        assert_eq!(
            admin_inputs("blobTrigger", &s3, b""),
            ["uploads/in/a b+c.jpg"]
        );
        assert_eq!(admin_inputs("timerTrigger", &json!({}), b"{}"), ["{}"]);
    }
}
