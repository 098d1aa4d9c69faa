//! Where there are no Unix process groups and inherited pipes (Windows), no instance starts:
//! every start is an init failure that says why, so a local invoke answers with that error
//! instead of the crate failing to build. The type has a field that cannot exist, so no
//! instance is ever made and its methods need no behaviour.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::logs::LogStore;

use super::{InitFailure, InvocationRequest, InvokeResult, Launch};

pub(crate) struct Instance {
    pub id: u64,
    pub generation: u64,
    pub provisioned: bool,
    pub init_duration: Duration,
    pub last_used: Instant,
    pub used: bool,
    never: Infallible,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.never {}
    }
}

impl Instance {
    pub async fn start(
        _id: u64,
        _generation: u64,
        _provisioned: bool,
        _launch: Launch,
        _store: Arc<LogStore>,
        _init_timeout: Duration,
    ) -> Result<Instance, InitFailure> {
        Err(InitFailure::new(
            "Runtime.Unknown",
            "the local runtime runs functions as Unix process groups, which this operating system does not have: use Linux or macOS (or WSL on Windows) to run functions locally".to_owned(),
            Duration::ZERO,
        ))
    }

    pub fn pid(&self) -> u32 {
        match self.never {}
    }

    pub fn has_exited(&self) -> bool {
        match self.never {}
    }

    pub fn kill(&mut self) {
        match self.never {}
    }

    pub fn flush_output(&self) {
        match self.never {}
    }

    pub fn peak_memory_bytes(&mut self) -> u64 {
        match self.never {}
    }

    pub async fn invoke(&mut self, _request: InvocationRequest) -> InvokeResult {
        match self.never {}
    }
}
