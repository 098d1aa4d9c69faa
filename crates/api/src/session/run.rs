//! The local run (Run & Logs): start, stop and status, invokes and fired schedules, sample
//! and saved events, log subscriptions. The async methods must be called inside a Tokio
//! runtime (the app's commands run on one): the run's triggers and the log tails are tasks
//! on it.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::{LOG_BATCH_MAX_LINES, LOG_BATCH_WINDOW, Session, lock};
use crate::error::{ApiError, ErrorCode};
use crate::local::{
    self, InvocationResult, LocalRun, LogBatch, LogQuery, RunSettings, RunStatus, SampleEvent,
    SavedEvent, SavedTestEvents,
};

impl Session {
    pub(super) fn current_run(&self) -> Option<Arc<LocalRun>> {
        lock(&self.run).clone()
    }

    /// Serves the open project: deploys every function, starts every trigger. `port` is the
    /// HTTP port (0 for any free one; `None` for the last one asked for, 8787 at first). Does
    /// nothing when the project is already running.
    pub async fn start_run(&self, port: Option<u16>) -> Result<RunStatus, ApiError> {
        tracing::debug!(?port, "start_run");
        Ok(self.ensure_run(port).await?.status())
    }

    async fn ensure_run(&self, port: Option<u16>) -> Result<Arc<LocalRun>, ApiError> {
        let project = self.current()?;
        let _starting = self.run_start.lock().await;
        if let Some(run) = self.current_run() {
            if run.root()
                == project
                    .root()
                    .canonicalize()
                    .as_deref()
                    .unwrap_or(project.root())
            {
                return Ok(run);
            }
            self.stop_run();
        }
        let port = match port {
            Some(port) => {
                *lock(&self.run_port) = port;
                port
            }
            None => *lock(&self.run_port),
        };
        let switches = *lock(&self.run_switches);
        let settings = RunSettings {
            port,
            aws_services: switches.aws_services,
            enforce_permissions: switches.enforce_permissions,
            ..RunSettings::default()
        };
        let run = Arc::new(LocalRun::start(project.root(), &settings).await?);
        // The project may have been closed or switched while the run was starting.
        let still_open = lock(&self.project)
            .as_ref()
            .is_some_and(|p| p.root() == project.root());
        if !still_open {
            run.stop();
            return Err(ApiError::new(
                ErrorCode::NoProject,
                "the project was closed while its local run was starting",
            ));
        }
        *lock(&self.run) = Some(run.clone());
        Ok(run)
    }

    /// The switches the next run starts with.
    pub fn run_switches(&self) -> local::RunSwitches {
        *lock(&self.run_switches)
    }

    /// Sets the switches the next run starts with (a running run keeps its own: stop it and
    /// start again to apply them).
    pub fn set_run_switches(&self, switches: local::RunSwitches) {
        tracing::debug!(?switches, "set_run_switches");
        *lock(&self.run_switches) = switches;
    }

    /// Stops the local run, if any; idempotent.
    pub fn stop_run(&self) -> RunStatus {
        if let Some(run) = lock(&self.run).take() {
            run.stop();
        }
        RunStatus::stopped()
    }

    /// "Reset local data" of the open project: stops its run (which writes the services' state
    /// back), then removes that state.
    pub fn reset_local_data(&self) -> Result<RunStatus, ApiError> {
        let project = self.current()?;
        let stopped = self.stop_run();
        local::reset_local_data(project.root())?;
        Ok(stopped)
    }

    pub fn run_status(&self) -> RunStatus {
        self.current_run()
            .map(|run| run.status())
            .unwrap_or_else(RunStatus::stopped)
    }

    /// Invokes a function of the open project with an event (JSON text), starting the local
    /// run first if it is not running.
    pub async fn invoke_function(
        &self,
        function: &str,
        event: &str,
    ) -> Result<InvocationResult, ApiError> {
        tracing::debug!(function, bytes = event.len(), "invoke_function");
        // A malformed event or an unknown function is refused before anything starts.
        local::check_event(event)?;
        local::check_function(self.current()?.root(), function)?;
        self.ensure_run(None).await?.invoke(function, event).await
    }

    /// Fires a function's schedule now, on the running project.
    pub async fn fire_schedule(&self, function: &str) -> Result<InvocationResult, ApiError> {
        tracing::debug!(function, "fire_schedule");
        let run = self.current_run().ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotRunning,
                "the local run is stopped; start it to fire schedules",
            )
        })?;
        run.fire_schedule(function).await
    }

    pub fn sample_events(&self, function: &str) -> Result<Vec<SampleEvent>, ApiError> {
        local::sample_events(self.current()?.root(), function)
    }

    pub fn saved_events(&self, function: &str) -> Result<Vec<SavedEvent>, ApiError> {
        SavedTestEvents::of(self.current()?.root(), function)?.list()
    }

    /// Saves (or replaces) a test event of a function; answers the function's saved events.
    pub fn save_event(
        &self,
        function: &str,
        name: &str,
        event: &str,
    ) -> Result<Vec<SavedEvent>, ApiError> {
        tracing::debug!(function, name, "save_event");
        let events = SavedTestEvents::of(self.current()?.root(), function)?;
        events.save(name, event)?;
        events.list()
    }

    pub fn delete_saved_event(
        &self,
        function: &str,
        name: &str,
    ) -> Result<Vec<SavedEvent>, ApiError> {
        tracing::debug!(function, name, "delete_saved_event");
        let events = SavedTestEvents::of(self.current()?.root(), function)?;
        events.delete(name)?;
        events.list()
    }

    /// Starts sending the open project's log lines that match `query` to `sink`, in batches
    /// (~50 ms each). It ends when [`Session::unsubscribe_logs`] is called, when `sink` answers
    /// false (its receiver is gone), when the project is closed, or — without `follow` — once
    /// the stored lines are sent. Answers the subscription's id.
    pub async fn subscribe_logs(
        &self,
        query: LogQuery,
        sink: impl FnMut(LogBatch) -> bool + Send + 'static,
    ) -> Result<u32, ApiError> {
        tracing::debug!(?query, "subscribe_logs");
        let lines = local::tail_logs(self.current()?.root(), &query)?;
        let id = self.next_subscription.fetch_add(1, Ordering::Relaxed);
        let task = tokio::spawn(local::forward_in_batches(
            lines,
            LOG_BATCH_WINDOW,
            LOG_BATCH_MAX_LINES,
            sink,
        ));
        let mut subscriptions = lock(&self.log_subscriptions);
        subscriptions.retain(|_, task| !task.is_finished());
        subscriptions.insert(id, task);
        Ok(id)
    }

    /// Ends a log subscription; false when it had already ended.
    pub fn unsubscribe_logs(&self, id: u32) -> bool {
        tracing::debug!(id, "unsubscribe_logs");
        match lock(&self.log_subscriptions).remove(&id) {
            Some(task) => {
                let running = !task.is_finished();
                task.abort();
                running
            }
            None => false,
        }
    }

    pub(super) fn end_log_subscriptions(&self) {
        for (_, task) in lock(&self.log_subscriptions).drain() {
            task.abort();
        }
    }
}
