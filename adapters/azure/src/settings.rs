//! How long the adapter waits and how often it looks; tests shorten every interval.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct AzureSettings {
    /// Between two looks at a long-running operation or a deployment, when Azure does not say
    /// (`Retry-After`).
    pub poll_interval: Duration,
    /// The longest wait honoured from a `Retry-After`.
    pub max_poll_wait: Duration,
    /// The longest a long-running operation or a deployment may take.
    pub wait_timeout: Duration,
    /// One request and its answer.
    pub request_timeout: Duration,
    /// A 429 answer is retried this many times (after its `Retry-After`) before it is an error.
    pub throttle_retries: u32,
    /// Between two Application Insights queries while following logs.
    pub log_poll_interval: Duration,
    /// Lines arrive late in Application Insights: each query looks this far back and drops
    /// what it has already yielded.
    pub log_overlap: Duration,
    /// Without `since_ms`, stored lines of this long ago.
    pub log_lookback: Duration,
}

impl Default for AzureSettings {
    fn default() -> Self {
        AzureSettings {
            poll_interval: Duration::from_secs(2),
            max_poll_wait: Duration::from_secs(60),
            wait_timeout: Duration::from_secs(900),
            request_timeout: Duration::from_secs(300),
            throttle_retries: 3,
            log_poll_interval: Duration::from_secs(10),
            log_overlap: Duration::from_secs(10 * 60),
            log_lookback: Duration::from_secs(24 * 60 * 60),
        }
    }
}

impl AzureSettings {
    /// Short waits for fakes, which answer at once.
    pub fn fast() -> Self {
        AzureSettings {
            poll_interval: Duration::from_millis(20),
            max_poll_wait: Duration::from_millis(50),
            wait_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
            throttle_retries: 3,
            log_poll_interval: Duration::from_millis(100),
            log_overlap: Duration::from_secs(10 * 60),
            log_lookback: Duration::from_secs(24 * 60 * 60),
        }
    }
}
