//! The fake's function host (`/host/{app}`): HTTP routes with key checks and the admin
//! endpoint, each invocation run by the real `node` or `python3` through the worker harness;
//! and Application Insights' query API (`/insights`) over the lines the invocations wrote.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine;
use bytes::Bytes;
use hyper::Response;
use serde_json::{Value, json};

use super::{Body, Cut, Incoming_, Shared, Trace, bearer, empty, full, intercept, json_response};

/// What one invocation needs, read from the app under the lock.
struct Run {
    app: String,
    language: String,
    root: PathBuf,
    function: String,
    env: BTreeMap<String, String>,
    insights: Option<String>,
    timeout: Duration,
}

/// How an invocation ended.
struct Outcome {
    ok: bool,
    response: Option<Value>,
}

/// `00:00:10` → 10 s.
fn parse_timeout(text: &str) -> Option<Duration> {
    let parts: Vec<u64> = text.split(':').filter_map(|p| p.parse().ok()).collect();
    match parts[..] {
        [h, m, s] => Some(Duration::from_secs(h * 3600 + m * 60 + s)),
        _ => None,
    }
}

fn prepare(shared: &Shared, app_name: &str, function: &str) -> Option<Run> {
    let state = shared.lock();
    let app = state.apps.get(app_name)?;
    let root = app.wwwroot.clone()?;
    let host: Value = std::fs::read_to_string(root.join("host.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let timeout = host["functionTimeout"]
        .as_str()
        .and_then(parse_timeout)
        .unwrap_or(Duration::from_secs(300));
    let mut env = app.settings.clone();
    env.insert("WEBSITE_SITE_NAME".into(), app_name.to_owned());
    env.insert("REGION_NAME".into(), "West Europe".into());
    Some(Run {
        app: app_name.to_owned(),
        language: app.spec.language.clone(),
        root,
        function: function.to_owned(),
        env,
        insights: app.spec.app_insights.clone(),
        timeout,
    })
}

/// Writes one log line where the host would: the app's log streams and Application Insights.
fn emit(
    shared: &Shared,
    run: &Run,
    time: chrono::DateTime<chrono::Utc>,
    level: &str,
    message: &str,
    invocation: &str,
) {
    let mut state = shared.lock();
    let line = format!(
        "{} [{level}] {message}\n",
        time.format("%Y-%m-%dT%H:%M:%S%.3f")
    );
    state.streams.retain(|(app, function, sender)| {
        if app == &run.app && function == &run.function {
            sender.send(Bytes::from(line.clone())).is_ok()
        } else {
            !sender.is_closed()
        }
    });
    if let Some(id) = &run.insights {
        let visible_at = Instant::now() + state.ingestion_delay;
        state.traces.entry(id.clone()).or_default().push(Trace {
            time,
            visible_at,
            message: message.to_owned(),
            severity: match level {
                "Error" => 3,
                "Warning" => 2,
                _ => 1,
            },
            operation: run.function.clone(),
            invocation: invocation.to_owned(),
            item: uuid::Uuid::new_v4().to_string(),
        });
    }
}

/// Runs the function once through the worker harness, as the host does, with its log lines.
async fn execute(shared: &Shared, run: &Run, reason: &str, mut request: Value) -> Outcome {
    let invocation = uuid::Uuid::new_v4().to_string();
    let started = chrono::Utc::now();
    let clock = Instant::now();
    emit(
        shared,
        run,
        started,
        "Information",
        &format!(
            "Executing 'Functions.{}' (Reason='{reason}', Id={invocation})",
            run.function
        ),
        &invocation,
    );
    let request_file = shared.work.join(format!("request-{invocation}.json"));
    let result_file = shared.work.join(format!("result-{invocation}.json"));
    request["appRoot"] = json!(run.root);
    request["function"] = json!(run.function);
    request["invocationId"] = json!(invocation);
    request["resultFile"] = json!(result_file);
    let _ = std::fs::write(&request_file, request.to_string());
    let (program, worker) = if run.language == "python" {
        (
            shared.python.clone(),
            shared.harness.join("python_worker.py"),
        )
    } else {
        (PathBuf::from("node"), shared.harness.join("node_worker.js"))
    };
    let mut command = tokio::process::Command::new(program);
    command
        .arg(worker)
        .arg(&request_file)
        .current_dir(&run.root)
        .env_clear()
        .envs(&run.env)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    for passed in ["PATH", "HOME", "LANG", "SYSTEMROOT"] {
        if let Some(value) = std::env::var_os(passed) {
            command.env(passed, value);
        }
    }
    let output = tokio::time::timeout(run.timeout, command.output()).await;
    let mut offset = 1;
    let mut line = |shared: &Shared, level: &str, text: &str| {
        emit(
            shared,
            run,
            started + chrono::Duration::milliseconds(offset),
            level,
            text,
            &invocation,
        );
        offset += 1;
    };
    let outcome = match output {
        Err(_) => {
            line(
                shared,
                "Error",
                &format!(
                    "Timeout value of {:?} exceeded by function 'Functions.{}' (Id: '{invocation}'). Initiating cancellation.",
                    run.timeout, run.function
                ),
            );
            Outcome {
                ok: false,
                response: None,
            }
        }
        Ok(Err(error)) => {
            line(
                shared,
                "Error",
                &format!("the worker could not start: {error}"),
            );
            Outcome {
                ok: false,
                response: None,
            }
        }
        Ok(Ok(output)) => {
            for text in String::from_utf8_lossy(&output.stdout)
                .lines()
                .filter(|l| !l.is_empty())
            {
                line(shared, "Information", text);
            }
            for text in String::from_utf8_lossy(&output.stderr)
                .lines()
                .filter(|l| !l.is_empty())
            {
                line(shared, "Error", text);
            }
            let result: Value = std::fs::read_to_string(&result_file)
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_else(|| json!({"ok": false}));
            Outcome {
                ok: result["ok"] == true,
                response: result.get("response").cloned().filter(|r| !r.is_null()),
            }
        }
    };
    let _ = std::fs::remove_file(&request_file);
    let _ = std::fs::remove_file(&result_file);
    let duration = clock.elapsed().as_millis();
    emit(
        shared,
        run,
        chrono::Utc::now(),
        if outcome.ok { "Information" } else { "Error" },
        &format!(
            "Executed 'Functions.{}' ({}, Id={invocation}, Duration={duration}ms)",
            run.function,
            if outcome.ok { "Succeeded" } else { "Failed" }
        ),
        &invocation,
    );
    outcome
}

/// Matches `/api/…` against `api/` + each httpTrigger's route; literal segments win.
fn match_route(
    functions: &BTreeMap<String, Value>,
    method: &str,
    path: &str,
) -> Option<(String, Value, BTreeMap<String, String>)> {
    let request: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut best: Option<(usize, String, Value, BTreeMap<String, String>)> = None;
    for (name, config) in functions {
        let Some(trigger) = config["bindings"]
            .as_array()
            .and_then(|b| b.iter().find(|b| b["type"] == "httpTrigger"))
        else {
            continue;
        };
        if let Some(methods) = trigger["methods"].as_array()
            && !methods
                .iter()
                .any(|m| m.as_str().is_some_and(|m| m.eq_ignore_ascii_case(method)))
        {
            continue;
        }
        let route = format!("api/{}", trigger["route"].as_str().unwrap_or(name));
        let template: Vec<&str> = route.split('/').collect();
        let mut params = BTreeMap::new();
        let mut literal = 0;
        let mut matched = true;
        for (i, segment) in template.iter().enumerate() {
            if let Some(name) = segment.strip_prefix("{*").and_then(|s| s.strip_suffix('}')) {
                params.insert(
                    name.to_owned(),
                    request.get(i..).map(|r| r.join("/")).unwrap_or_default(),
                );
                break;
            }
            let Some(actual) = request.get(i) else {
                matched = false;
                break;
            };
            if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                if actual.is_empty() {
                    matched = false;
                    break;
                }
                params.insert(name.to_owned(), (*actual).to_owned());
            } else if segment.eq_ignore_ascii_case(actual) {
                literal += 1;
            } else {
                matched = false;
                break;
            }
            if i == template.len() - 1 && request.len() > template.len() {
                matched = false;
            }
        }
        if matched && best.as_ref().is_none_or(|(l, ..)| literal > *l) {
            best = Some((literal, name.clone(), trigger.clone(), params));
        }
    }
    best.map(|(_, name, trigger, params)| (name, trigger, params))
}

/// The function host: `/host/{app}/api/…` and `/host/{app}/admin/functions/{name}`.
pub async fn host(
    shared: &std::sync::Arc<Shared>,
    incoming: &Incoming_,
    rest: &str,
) -> Result<Response<Body>, Cut> {
    let mut parts = rest.trim_start_matches('/').splitn(2, '/');
    let app_name = parts.next().unwrap_or_default().to_owned();
    let path = format!("/{}", parts.next().unwrap_or_default());
    let key = incoming
        .headers
        .get("x-functions-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| incoming.query.get("code").cloned());

    if let Some(function) = path.strip_prefix("/admin/functions/") {
        intercept(shared, "Host.Admin")?;
        let function = function.to_owned();
        let (master, exists) = {
            let state = shared.lock();
            let Some(app) = state.apps.get(&app_name) else {
                return Ok(empty(404));
            };
            (
                app.master_key.clone(),
                app.functions().contains_key(&function),
            )
        };
        if key.as_deref() != Some(master.as_str()) {
            return Ok(empty(401));
        }
        if !exists || incoming.method != hyper::Method::POST {
            return Ok(empty(404));
        }
        let body: Value = serde_json::from_slice(&incoming.body).unwrap_or_default();
        let input = body["input"].as_str().unwrap_or_default().to_owned();
        let Some(run) = prepare(shared, &app_name, &function) else {
            return Ok(empty(404));
        };
        // The host queues it: 202 now, the run in the background.
        let shared = shared.clone();
        tokio::spawn(async move {
            execute(
                &shared,
                &run,
                "This function was programmatically called via the host APIs.",
                json!({ "input": input }),
            )
            .await;
        });
        return Ok(empty(202));
    }

    let Some(api_path) = path.strip_prefix("/api") else {
        return Ok(empty(404));
    };
    intercept(shared, "Host.Invoke")?;
    let (function, params, allowed) = {
        let mut state = shared.lock();
        let Some(app) = state.apps.get_mut(&app_name) else {
            return Ok(empty(404));
        };
        let functions = app.functions();
        let Some((function, trigger, params)) = match_route(
            &functions,
            incoming.method.as_str(),
            &format!("/api{api_path}"),
        ) else {
            return Ok(empty(404));
        };
        let level = trigger["authLevel"]
            .as_str()
            .unwrap_or("function")
            .to_owned();
        let own = app.function_key(&function);
        let host_default = app.function_key("__host__");
        let allowed = level == "anonymous"
            || key
                .as_deref()
                .is_some_and(|k| k == own || k == host_default || k == app.master_key);
        (function, params, allowed)
    };
    if !allowed {
        return Ok(empty(401));
    }
    let Some(run) = prepare(shared, &app_name, &function) else {
        return Ok(empty(404));
    };
    let headers: BTreeMap<String, String> = incoming
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_owned())))
        .collect();
    let query_text = incoming
        .query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let request = json!({
        "http": {
            "method": incoming.method.as_str(),
            "url": format!("https://{app_name}.azurewebsites.net{path}{}{query_text}", if query_text.is_empty() { "" } else { "?" }),
            "headers": headers,
            "query": incoming.query,
            "params": params,
            "bodyBase64": base64::engine::general_purpose::STANDARD.encode(&incoming.body),
        }
    });
    let outcome = execute(
        shared,
        &run,
        "This function was programmatically called via the host APIs.",
        request,
    )
    .await;
    if !outcome.ok {
        // The host answers an unhandled failure with a bare 500.
        return Ok(empty(500));
    }
    let Some(response) = outcome.response else {
        return Ok(empty(204));
    };
    let body = base64::engine::general_purpose::STANDARD
        .decode(response["bodyBase64"].as_str().unwrap_or_default())
        .unwrap_or_default();
    let mut answer = full(
        response["status"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or(200),
        "",
        body,
    );
    if let Some(headers) = response["headers"].as_object() {
        for (name, value) in headers {
            if let (Ok(name), Some(Ok(value))) = (
                hyper::header::HeaderName::from_bytes(name.as_bytes()),
                value.as_str().map(hyper::header::HeaderValue::from_str),
            ) {
                answer.headers_mut().insert(name, value);
            }
        }
    }
    Ok(answer)
}

/// Application Insights' query API: `POST /insights/v1/apps/{appId}/query` with a KQL over
/// `traces`. The fake reads the time bound, the operation names and the row limit from the
/// query the way the adapter writes it, and answers in the API's table format.
pub fn insights(shared: &Shared, incoming: &Incoming_, rest: &str) -> Result<Response<Body>, Cut> {
    intercept(shared, "Insights.Query")?;
    match bearer(shared, &incoming.headers) {
        Ok(audience) if audience == "https://api.applicationinsights.io" => {}
        Ok(_) => {
            return Ok(json_response(
                401,
                &json!({"error": {"message": "The provided authentication is not valid for this resource", "code": "InvalidTokenError"}}),
            ));
        }
        Err(_) => {
            return Ok(json_response(
                401,
                &json!({"error": {"message": "Valid authentication was not provided", "code": "AuthorizationRequiredError"}}),
            ));
        }
    }
    let Some(app_id) = rest
        .strip_prefix("/v1/apps/")
        .and_then(|r| r.strip_suffix("/query"))
    else {
        return Ok(json_response(
            404,
            &json!({"error": {"message": "The requested path does not exist", "code": "PathNotFoundError"}}),
        ));
    };
    let body: Value = serde_json::from_slice(&incoming.body).unwrap_or_default();
    let Some(query) = body["query"].as_str() else {
        return Ok(json_response(
            400,
            &json!({"error": {"message": "The request had some invalid properties", "code": "BadArgumentError"}}),
        ));
    };
    let state = shared.lock();
    let Some(traces) = state.traces.get(app_id).map(|t| t.to_vec()).or_else(|| {
        state
            .apps
            .values()
            .any(|a| a.spec.app_insights.as_deref() == Some(app_id))
            .then(Vec::new)
    }) else {
        return Ok(json_response(
            404,
            &json!({"error": {"message": format!("The requested application {app_id} was not found"), "code": "ApplicationNotFoundError"}}),
        ));
    };
    let from = query
        .split("datetime(")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc));
    let names: Vec<String> = query
        .split("operation_Name in (")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .map(|list| {
            list.split(',')
                .map(|n| n.trim().trim_matches('\'').to_owned())
                .collect()
        })
        .unwrap_or_default();
    let take: usize = query
        .split("| take ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    let now = Instant::now();
    let mut rows: Vec<&Trace> = traces
        .iter()
        .filter(|t| t.visible_at <= now)
        .filter(|t| from.is_none_or(|from| t.time >= from))
        .filter(|t| names.is_empty() || names.contains(&t.operation))
        .collect();
    rows.sort_by_key(|t| t.time);
    let rows: Vec<Value> = rows
        .into_iter()
        .take(take)
        .map(|t| {
            json!([
                t.time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
                t.message,
                t.severity,
                t.invocation,
                t.item
            ])
        })
        .collect();
    Ok(json_response(
        200,
        &json!({
            "tables": [{
                "name": "PrimaryResult",
                "columns": [
                    {"name": "timestamp", "type": "datetime"},
                    {"name": "message", "type": "string"},
                    {"name": "severityLevel", "type": "int"},
                    {"name": "invocationId", "type": "string"},
                    {"name": "itemId", "type": "string"}
                ],
                "rows": rows,
            }]
        }),
    ))
}
