//! SDK interceptors that watch or break the calls an adapter makes: [`CallRecorder`] lists
//! every operation by name (to count a deploy's calls against its plan), [`FailCall`] fails
//! the n-th changing call (to cut a deploy at each step in turn and prove it converges).

use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Whether an operation only reads (`Get…`, `List…`, `Describe…`, `Filter…`).
pub fn is_read(operation: &str) -> bool {
    ["Get", "List", "Describe", "Filter"]
        .iter()
        .any(|prefix| operation.starts_with(prefix))
}

fn operation_name(cfg: &ConfigBag) -> String {
    cfg.load::<Metadata>()
        .map(|m| m.name().to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Records the name of every operation sent, in order.
#[derive(Debug, Clone, Default)]
pub struct CallRecorder {
    calls: Arc<Mutex<Vec<String>>>,
}

impl CallRecorder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every operation so far.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// The operations that change something, in order.
    pub fn changing_calls(&self) -> Vec<String> {
        self.calls().into_iter().filter(|c| !is_read(c)).collect()
    }

    pub fn clear(&self) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.clear();
        }
    }
}

impl Intercept for CallRecorder {
    fn name(&self) -> &'static str {
        "FunctoryCallRecorder"
    }

    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(operation_name(cfg));
        }
        Ok(())
    }
}

/// Fails the n-th (1-based) changing call with a connection-style error, as a network cut or
/// Ctrl+C at that moment would; every call after it goes through.
#[derive(Debug, Clone)]
pub struct FailCall {
    nth: usize,
    seen: Arc<Mutex<usize>>,
    failed: Arc<Mutex<Option<String>>>,
}

impl FailCall {
    pub fn nth(nth: usize) -> Self {
        FailCall {
            nth,
            seen: Arc::new(Mutex::new(0)),
            failed: Arc::new(Mutex::new(None)),
        }
    }

    /// The operation that was failed, once it has been.
    pub fn failed(&self) -> Option<String> {
        self.failed.lock().ok().and_then(|f| f.clone())
    }
}

impl Intercept for FailCall {
    fn name(&self) -> &'static str {
        "FunctoryFailCall"
    }

    // Before serialization, not before each attempt: the SDK does not retry an operation that
    // failed before its first attempt, so the fault really cuts the deploy there. (Client
    // interceptors' `read_before_execution` runs before the operation's name is known.)
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = operation_name(cfg);
        if is_read(&operation) {
            return Ok(());
        }
        let Ok(mut seen) = self.seen.lock() else {
            return Ok(());
        };
        *seen += 1;
        if *seen == self.nth {
            if let Ok(mut failed) = self.failed.lock() {
                *failed = Some(operation.clone());
            }
            return Err(format!("connection cut before {operation} (injected fault)").into());
        }
        Ok(())
    }
}
