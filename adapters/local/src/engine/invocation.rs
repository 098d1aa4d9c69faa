//! Running invocations on a function's pool: instances started (and provisioned ahead), a
//! permit acquired or the caller throttled, the invocation run with its timeout and memory
//! limit and its report lines, a failed init reported, idle instances reaped.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use functory_adapter::{AdapterError, FunctionError, Invocation, InvocationMetrics};
use tokio::sync::OwnedSemaphorePermit;

use super::{Engine, FunctionSlot, lock};
use crate::bootstrap;
use crate::instance::{InitFailure, Instance, InstanceOutcome, InvocationRequest, InvokeResult};
use crate::logs::{end_line, report_line, start_line};

impl Engine {
    async fn start_instance(
        &self,
        slot: &FunctionSlot,
        provisioned: bool,
    ) -> Result<Instance, InitFailure> {
        let id = self.next_instance.fetch_add(1, Ordering::Relaxed);
        let generation = slot.generation.load(Ordering::Acquire);
        let launch = bootstrap::launch(
            &slot.spec,
            &slot.interpreter,
            &self.settings,
            &self.settings.runtime_dir(),
            id,
            provisioned,
        );
        slot.store.append(
            None,
            &format!(
                "INIT_START Runtime Version: {} Instance: {id}{}",
                slot.spec.runtime,
                slot.interpreter.init_note.as_deref().unwrap_or("")
            ),
        );
        slot.starting.fetch_add(1, Ordering::AcqRel);
        let started = Instance::start(
            id,
            generation,
            provisioned,
            launch,
            slot.store.clone(),
            self.settings.init_timeout,
        )
        .await;
        slot.starting.fetch_sub(1, Ordering::AcqRel);
        started
    }

    pub(super) fn provision(self: &Arc<Self>, slot: &Arc<FunctionSlot>) {
        let present = lock(&slot.idle).iter().filter(|i| i.provisioned).count();
        let wanted = (slot.spec.provisioned as usize).saturating_sub(present);
        for _ in 0..wanted {
            let engine = self.clone();
            let slot = slot.clone();
            tokio::spawn(async move {
                match engine.start_instance(&slot, true).await {
                    Ok(instance) => slot.give_back(instance),
                    Err(failure) => slot.store.append(
                        None,
                        &format!(
                            "provisioned instance failed to initialise: {}: {}",
                            failure.error_type, failure.message
                        ),
                    ),
                }
            });
        }
    }

    pub(super) async fn acquire(
        &self,
        slot: &FunctionSlot,
        wait: Option<Duration>,
    ) -> Result<OwnedSemaphorePermit, AdapterError> {
        let acquire = slot.permits.clone().acquire_owned();
        let permit = match wait {
            Some(wait) => tokio::time::timeout(wait, acquire).await.ok(),
            None => Some(acquire.await),
        };
        match permit {
            Some(Ok(permit)) => Ok(permit),
            _ => {
                slot.count(|c| c.throttles += 1);
                Err(AdapterError::Throttled {
                    message: format!(
                        "TooManyRequestsException: Rate Exceeded. `{}` already runs {} invocations, its concurrency limit",
                        slot.spec.name,
                        slot.concurrency_limit(&self.settings)
                    ),
                })
            }
        }
    }

    /// Runs one invocation to completion and writes its log lines.
    pub(super) async fn run_invocation(
        &self,
        slot: &Arc<FunctionSlot>,
        request_id: String,
        payload: Bytes,
        client_context: Option<String>,
        want_tail: bool,
        _permit: OwnedSemaphorePermit,
    ) -> Invocation {
        let spec = slot.spec.clone();
        let store = &slot.store;
        slot.count(|c| c.invocations += 1);
        let (mut instance, cold) = match slot.take_idle() {
            Some(instance) => (instance, false),
            None => match self.start_instance(slot, false).await {
                Ok(instance) => (instance, true),
                Err(failure) => return self.init_failed(slot, request_id, failure),
            },
        };
        if cold {
            slot.count(|c| c.cold_starts += 1);
        }
        // A provisioned instance's init happened before any invoke: not a cold start.
        let init_duration =
            (!instance.used && !instance.provisioned).then_some(instance.init_duration);
        slot.busy.fetch_add(1, Ordering::AcqRel);
        let started = Instant::now();
        let InvokeResult {
            outcome,
            captured,
            peak_bytes,
            unwritten_start,
        } = instance
            .invoke(InvocationRequest {
                request_id: request_id.clone(),
                start_line: start_line(&request_id, &spec.version),
                payload,
                function_arn: spec.arn.clone(),
                client_context,
                timeout: spec.timeout,
                memory_limit_bytes: u64::from(spec.memory_mb) * 1024 * 1024,
            })
            .await;
        let duration = started.elapsed();
        slot.busy.fetch_sub(1, Ordering::AcqRel);
        let mut platform_lines = Vec::new();
        let mut max_memory_mb = (peak_bytes / (1024 * 1024)) as u32;
        let keeps = outcome.keeps_instance();
        let (payload, function_error, status) = match outcome {
            InstanceOutcome::Response(body) => (body, None, None),
            InstanceOutcome::HandlerError {
                error_type,
                document,
            } => {
                let message = error_message(&document);
                (
                    document,
                    Some(FunctionError {
                        error_type,
                        message,
                    }),
                    None,
                )
            }
            InstanceOutcome::TimedOut => {
                slot.count(|c| c.timeouts += 1);
                let text = format!(
                    "Task timed out after {:.2} seconds",
                    spec.timeout.as_secs_f64()
                );
                platform_lines.push(format!(
                    "{} {request_id} {text}",
                    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ")
                ));
                platform_error("Sandbox.Timedout", &request_id, &text, Some("timeout"))
            }
            InstanceOutcome::OutOfMemory => {
                // Lambda never reports more than the limit: the sandbox cannot hold more.
                max_memory_mb = spec.memory_mb;
                let text = "Runtime exited with error: signal: killed".to_owned();
                platform_lines.push(format!(
                    "RequestId: {request_id} Error: {text}\nRuntime.OutOfMemory"
                ));
                platform_error("Runtime.OutOfMemory", &request_id, &text, Some("error"))
            }
            InstanceOutcome::Exited(how) => {
                let text = format!("Runtime exited with error: {how}");
                platform_lines.push(format!(
                    "RequestId: {request_id} Error: {text}\nRuntime.ExitError"
                ));
                platform_error("Runtime.ExitError", &request_id, &text, Some("error"))
            }
        };
        if function_error.is_some() {
            slot.count(|c| c.errors += 1);
        }
        let platform: Vec<&str> = platform_lines.iter().map(String::as_str).collect();
        let metrics = metrics(
            duration,
            spec.memory_mb,
            max_memory_mb,
            init_duration.map(|d| d.as_secs_f64() * 1000.0),
        );
        let status_fields = status.map(|status| {
            (
                status,
                function_error
                    .as_ref()
                    .map(|e| e.error_type.as_str())
                    .unwrap_or(""),
            )
        });
        let end = end_line(&request_id);
        let report = report_line(&request_id, &metrics, status_fields);
        let now = chrono::Utc::now().timestamp_millis();
        let mut closing: Vec<(i64, &str)> = Vec::with_capacity(platform.len() + 3);
        if let Some((at, start)) = &unwritten_start {
            closing.push((*at, start));
        }
        closing.extend(platform.iter().map(|line| (now, *line)));
        closing.push((now, &end));
        closing.push((now, &report));
        store.append_timed(Some(&request_id), &closing);
        let log_tail = want_tail.then(|| {
            let mut tail = vec![start_line(&request_id, &spec.version)];
            tail.extend(captured);
            tail.extend(platform_lines);
            tail.push(end);
            tail.push(report);
            tail.join("\n")
        });
        if keeps {
            slot.give_back(instance);
        } else {
            drop(instance);
        }
        Invocation {
            request_id,
            status_code: 200,
            payload: payload.to_vec(),
            function_error,
            executed_version: spec.version.clone(),
            log_tail,
            metrics: Some(metrics),
            cold_start: Some(cold && init_duration.is_some()),
            interpreter: slot.interpreter.notice.clone(),
        }
    }

    fn init_failed(
        &self,
        slot: &FunctionSlot,
        request_id: String,
        failure: InitFailure,
    ) -> Invocation {
        slot.count(|c| {
            c.cold_starts += 1;
            c.errors += 1;
        });
        let store = &slot.store;
        let init_ms = failure.init_duration.as_secs_f64() * 1000.0;
        let init_report = format!(
            "INIT_REPORT Init Duration: {init_ms:.2} ms\tPhase: init\tStatus: error\tError Type: {}",
            failure.error_type
        );
        store.append(None, &init_report);
        let metrics = metrics(Duration::ZERO, slot.spec.memory_mb, 0, Some(init_ms));
        let start = start_line(&request_id, &slot.spec.version);
        let end = end_line(&request_id);
        let report = report_line(
            &request_id,
            &metrics,
            Some(("error", failure.error_type.as_str())),
        );
        store.append_all(Some(&request_id), &[&start, &end, &report]);
        Invocation {
            request_id,
            status_code: 200,
            payload: failure.document.to_vec(),
            function_error: Some(FunctionError {
                error_type: failure.error_type,
                message: failure.message,
            }),
            executed_version: slot.spec.version.clone(),
            log_tail: Some([init_report, start, end, report].join("\n")),
            metrics: Some(metrics),
            cold_start: Some(true),
            interpreter: slot.interpreter.notice.clone(),
        }
    }

    pub(super) fn reap_idle(&self) {
        let slots: Vec<Arc<FunctionSlot>> = lock(&self.functions).values().cloned().collect();
        for slot in slots {
            let reaped: Vec<Instance> = {
                let mut idle = lock(&slot.idle);
                let (keep, reap): (Vec<Instance>, Vec<Instance>) =
                    idle.drain(..).partition(|instance| {
                        !instance.has_exited()
                            && (instance.provisioned
                                || instance.last_used.elapsed() < self.settings.idle_timeout)
                    });
                *idle = keep;
                reap
            };
            for instance in &reaped {
                slot.store.append(
                    None,
                    &format!("instance {} stopped after being idle", instance.id),
                );
            }
        }
    }
}

fn error_message(document: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(document)
        .ok()
        .and_then(|v| {
            v.get("errorMessage")
                .and_then(|m| m.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| String::from_utf8_lossy(document).into_owned())
}

fn platform_error(
    error_type: &str,
    request_id: &str,
    text: &str,
    status: Option<&'static str>,
) -> (Bytes, Option<FunctionError>, Option<&'static str>) {
    let message = format!("RequestId: {request_id} Error: {text}");
    let document = serde_json::json!({ "errorType": error_type, "errorMessage": message });
    (
        Bytes::from(document.to_string()),
        Some(FunctionError {
            error_type: error_type.to_owned(),
            message,
        }),
        status,
    )
}

fn metrics(
    duration: Duration,
    memory_size_mb: u32,
    max_memory_used_mb: u32,
    init_duration_ms: Option<f64>,
) -> InvocationMetrics {
    let duration_ms = duration.as_secs_f64() * 1000.0;
    InvocationMetrics {
        duration_ms,
        billed_duration_ms: (duration_ms.ceil() as u64).max(1),
        memory_size_mb,
        max_memory_used_mb,
        init_duration_ms,
    }
}
