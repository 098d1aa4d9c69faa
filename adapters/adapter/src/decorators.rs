//! Wrappers that add behaviour around any [`Adapter`], for tests: [`Recording`] keeps a log of
//! every call and its outcome; [`FaultInjecting`] makes chosen operations fail or slow down, so
//! callers' retry and error paths can be exercised against a real backend.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::{
    Adapter, AdapterError, Capabilities, DeleteOptions, DeployOptions, Deployment, DescribeOptions,
    FunctionDescription, FunctionSummary, Invocation, InvokeOptions, ListOptions, LogStream,
    Result, TailOptions,
};

/// The operations of the [`Adapter`] trait, to name them in decorators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    Deploy,
    Invoke,
    TailLogs,
    List,
    Describe,
    Delete,
}

/// One call seen by [`Recording`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCall {
    pub operation: Operation,
    /// The function the call was about (empty for `list`).
    pub function: String,
    /// `Ok(())` or the error's stable code.
    pub outcome: Result<(), &'static str>,
}

/// Records every call to the inner adapter, in order.
#[derive(Debug)]
pub struct Recording<A> {
    inner: A,
    calls: Arc<Mutex<Vec<RecordedCall>>>,
}

impl<A: Adapter> Recording<A> {
    pub fn new(inner: A) -> Self {
        Recording {
            inner,
            calls: Arc::default(),
        }
    }

    pub fn calls(&self) -> Vec<RecordedCall> {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn inner(&self) -> &A {
        &self.inner
    }

    fn record<T>(&self, operation: Operation, function: &str, result: &Result<T>) {
        let outcome = match result {
            Ok(_) => Ok(()),
            Err(error) => Err(error.code()),
        };
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(RecordedCall {
                operation,
                function: function.to_owned(),
                outcome,
            });
    }
}

#[async_trait::async_trait]
impl<A: Adapter> Adapter for Recording<A> {
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    async fn deploy(&self, options: DeployOptions) -> Result<Deployment> {
        let name = options.function.name.clone();
        let result = self.inner.deploy(options).await;
        self.record(Operation::Deploy, &name, &result);
        result
    }

    async fn invoke(&self, options: InvokeOptions) -> Result<Invocation> {
        let name = options.function.clone();
        let result = self.inner.invoke(options).await;
        self.record(Operation::Invoke, &name, &result);
        result
    }

    async fn tail_logs(&self, options: TailOptions) -> Result<LogStream> {
        let name = options.function.clone();
        let result = self.inner.tail_logs(options).await;
        self.record(Operation::TailLogs, &name, &result);
        result
    }

    async fn list(&self, options: ListOptions) -> Result<Vec<FunctionSummary>> {
        let result = self.inner.list(options).await;
        self.record(Operation::List, "", &result);
        result
    }

    async fn describe(&self, options: DescribeOptions) -> Result<FunctionDescription> {
        let name = options.function.clone();
        let result = self.inner.describe(options).await;
        self.record(Operation::Describe, &name, &result);
        result
    }

    async fn delete(&self, options: DeleteOptions) -> Result<()> {
        let name = options.function.clone();
        let result = self.inner.delete(options).await;
        self.record(Operation::Delete, &name, &result);
        result
    }
}

/// An error [`FaultInjecting`] returns instead of calling the inner adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    Throttled,
    Conflict,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    /// A provider failure with this message.
    Provider(String),
    /// Not an error: wait this long, then call the inner adapter.
    Delay(Duration),
}

impl Fault {
    fn error(&self, adapter: &dyn Adapter, function: &str) -> AdapterError {
        let injected = "injected fault".to_owned();
        match self {
            Fault::Throttled => AdapterError::Throttled { message: injected },
            Fault::Conflict => AdapterError::Conflict { message: injected },
            Fault::NotFound => AdapterError::not_found(format!("function `{function}`")),
            Fault::PermissionDenied => AdapterError::PermissionDenied { message: injected },
            Fault::Unauthenticated => AdapterError::Unauthenticated { message: injected },
            Fault::Provider(message) => {
                AdapterError::provider(adapter.capabilities().kind, message.clone())
            }
            // `meet` serves delays itself; this arm only keeps the match exhaustive.
            Fault::Delay(_) => AdapterError::invalid("a delay fault is not an error"),
        }
    }
}

/// Fails (or delays) the next calls of chosen operations, in the order the faults were added,
/// then passes calls through again.
#[derive(Debug)]
pub struct FaultInjecting<A> {
    inner: A,
    planned: Mutex<VecDeque<(Operation, Fault)>>,
}

impl<A: Adapter> FaultInjecting<A> {
    pub fn new(inner: A) -> Self {
        FaultInjecting {
            inner,
            planned: Mutex::default(),
        }
    }

    /// The next `times` calls of `operation` meet `fault`.
    pub fn fail_next(&self, operation: Operation, fault: Fault, times: usize) -> &Self {
        let mut planned = self.planned.lock().unwrap_or_else(PoisonError::into_inner);
        for _ in 0..times {
            planned.push_back((operation, fault.clone()));
        }
        self
    }

    /// How many planned faults have not been met yet.
    pub fn pending(&self) -> usize {
        self.planned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn inner(&self) -> &A {
        &self.inner
    }

    /// Takes the first planned fault for `operation`, if any; a delay is served here.
    async fn meet(&self, operation: Operation, function: &str) -> Result<()> {
        let fault = {
            let mut planned = self.planned.lock().unwrap_or_else(PoisonError::into_inner);
            planned
                .iter()
                .position(|(op, _)| *op == operation)
                .and_then(|index| planned.remove(index))
                .map(|(_, fault)| fault)
        };
        match fault {
            None => Ok(()),
            Some(Fault::Delay(duration)) => {
                tokio::time::sleep(duration).await;
                Ok(())
            }
            Some(fault) => Err(fault.error(&self.inner, function)),
        }
    }
}

#[async_trait::async_trait]
impl<A: Adapter> Adapter for FaultInjecting<A> {
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    async fn deploy(&self, options: DeployOptions) -> Result<Deployment> {
        self.meet(Operation::Deploy, &options.function.name).await?;
        self.inner.deploy(options).await
    }

    async fn invoke(&self, options: InvokeOptions) -> Result<Invocation> {
        self.meet(Operation::Invoke, &options.function).await?;
        self.inner.invoke(options).await
    }

    async fn tail_logs(&self, options: TailOptions) -> Result<LogStream> {
        self.meet(Operation::TailLogs, &options.function).await?;
        self.inner.tail_logs(options).await
    }

    async fn list(&self, options: ListOptions) -> Result<Vec<FunctionSummary>> {
        self.meet(Operation::List, "").await?;
        self.inner.list(options).await
    }

    async fn describe(&self, options: DescribeOptions) -> Result<FunctionDescription> {
        self.meet(Operation::Describe, &options.function).await?;
        self.inner.describe(options).await
    }

    async fn delete(&self, options: DeleteOptions) -> Result<()> {
        self.meet(Operation::Delete, &options.function).await?;
        self.inner.delete(options).await
    }
}
