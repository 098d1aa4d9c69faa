//! The queue trigger: local queues with SQS's delivery semantics — messages are received in
//! batches (batch size and batching window), hidden for the visibility timeout while a
//! function works on them, deleted when it succeeds, received again when it fails, and moved
//! to a dead-letter queue after too many receives. A handler may report partial failure with
//! `batchItemFailures`, and only those messages come back.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use functory_adapter::{Adapter, AdapterError, InvokeOptions};
use functory_formats::events::SqsMessage;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::engine::LocalRuntime;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How a function consumes a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueSettings {
    pub batch_size: u32,
    /// Wait up to this long to fill a batch (0: take what is there).
    pub batch_window: Duration,
    pub visibility_timeout: Duration,
    /// After this many receives a message goes to the dead-letter queue.
    pub max_receive_count: u32,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            batch_size: 10,
            batch_window: Duration::ZERO,
            visibility_timeout: Duration::from_secs(30),
            max_receive_count: 3,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueMessage {
    pub id: String,
    pub body: String,
    pub sent_ms: i64,
    pub receive_count: u32,
    #[serde(skip)]
    visible_at: Instant,
    first_receive_ms: Option<i64>,
    receipt_handle: String,
}

/// One local queue.
#[derive(Debug)]
pub struct LocalQueue {
    pub name: String,
    messages: Mutex<VecDeque<QueueMessage>>,
    arrived: Notify,
    dead_letters: Option<Arc<LocalQueue>>,
}

impl LocalQueue {
    pub fn new(name: &str, dead_letters: Option<Arc<LocalQueue>>) -> LocalQueue {
        LocalQueue {
            name: name.to_owned(),
            messages: Mutex::default(),
            arrived: Notify::new(),
            dead_letters,
        }
    }

    /// Sends a message; returns its id.
    pub fn send(&self, body: String) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        self.push(QueueMessage {
            id: id.clone(),
            body,
            sent_ms: chrono::Utc::now().timestamp_millis(),
            receive_count: 0,
            visible_at: Instant::now(),
            first_receive_ms: None,
            receipt_handle: String::new(),
        });
        id
    }

    fn push(&self, message: QueueMessage) {
        lock(&self.messages).push_back(message);
        self.arrived.notify_waiters();
    }

    /// Every message, visible or not.
    pub fn len(&self) -> usize {
        lock(&self.messages).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn messages(&self) -> Vec<QueueMessage> {
        lock(&self.messages).iter().cloned().collect()
    }

    pub fn dead_letter_queue(&self) -> Option<&Arc<LocalQueue>> {
        self.dead_letters.as_ref()
    }

    fn visible_count(&self) -> usize {
        let now = Instant::now();
        lock(&self.messages)
            .iter()
            .filter(|m| m.visible_at <= now)
            .count()
    }

    /// Receives up to `max` visible messages, hiding them for `visibility`. Messages received
    /// more than `max_receive_count` times go to the dead-letter queue instead.
    fn receive(
        &self,
        max: usize,
        visibility: Duration,
        max_receive_count: u32,
    ) -> Vec<QueueMessage> {
        let now = Instant::now();
        let mut messages = lock(&self.messages);
        let mut batch = Vec::new();
        let mut dead = Vec::new();
        let mut kept = VecDeque::with_capacity(messages.len());
        for mut message in messages.drain(..) {
            if batch.len() < max && message.visible_at <= now {
                if message.receive_count >= max_receive_count && self.dead_letters.is_some() {
                    dead.push(message);
                    continue;
                }
                message.receive_count += 1;
                message.visible_at = now + visibility;
                message
                    .first_receive_ms
                    .get_or_insert(chrono::Utc::now().timestamp_millis());
                message.receipt_handle = uuid::Uuid::new_v4().simple().to_string();
                batch.push(message.clone());
            }
            kept.push_back(message);
        }
        *messages = kept;
        drop(messages);
        if let Some(dlq) = &self.dead_letters {
            for message in dead {
                dlq.push(QueueMessage {
                    visible_at: Instant::now(),
                    ..message
                });
            }
        }
        batch
    }

    fn delete(&self, ids: &[String]) {
        lock(&self.messages).retain(|m| !ids.contains(&m.id));
    }

    /// Makes messages visible again now (the invoke never ran, e.g. it was throttled).
    fn release(&self, ids: &[String]) {
        let now = Instant::now();
        for message in lock(&self.messages).iter_mut() {
            if ids.contains(&message.id) {
                message.visible_at = now;
                message.receive_count = message.receive_count.saturating_sub(1);
            }
        }
        self.arrived.notify_waiters();
    }
}

/// The queues of a project run, by name; each `name` has a dead-letter queue `name-dlq`.
#[derive(Debug, Clone, Default)]
pub struct QueueRegistry {
    queues: Arc<Mutex<HashMap<String, Arc<LocalQueue>>>>,
}

impl QueueRegistry {
    pub fn get(&self, name: &str) -> Option<Arc<LocalQueue>> {
        lock(&self.queues).get(name).cloned()
    }

    /// The queue `name`, created with its dead-letter queue when new.
    pub fn ensure(&self, name: &str) -> Arc<LocalQueue> {
        let mut queues = lock(&self.queues);
        if let Some(queue) = queues.get(name) {
            return queue.clone();
        }
        let dlq_name = format!("{name}-dlq");
        let dlq = queues
            .entry(dlq_name.clone())
            .or_insert_with(|| Arc::new(LocalQueue::new(&dlq_name, None)))
            .clone();
        let queue = Arc::new(LocalQueue::new(name, Some(dlq)));
        queues.insert(name.to_owned(), queue.clone());
        queue
    }

    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = lock(&self.queues).keys().cloned().collect();
        names.sort();
        names
    }
}

/// The SQS event for a batch (the shape is functory-formats', the one samples use too).
pub fn sqs_event(queue: &str, region: &str, account: &str, batch: &[QueueMessage]) -> Value {
    let messages: Vec<SqsMessage> = batch
        .iter()
        .map(|m| SqsMessage {
            id: m.id.clone(),
            receipt_handle: m.receipt_handle.clone(),
            body: m.body.clone(),
            receive_count: m.receive_count,
            sent_ms: m.sent_ms,
            first_receive_ms: m.first_receive_ms,
        })
        .collect();
    functory_formats::events::sqs_event(queue, region, account, &messages)
}

/// Which messages of a batch failed, from the invocation's outcome (`batchItemFailures`, as
/// Lambda reads it for queues and streams). `None` is "all of them".
pub fn failed_ids(response: &Value, batch_ids: &[&str]) -> Option<Vec<String>> {
    let Some(failures) = response.get("batchItemFailures") else {
        return Some(Vec::new());
    };
    let failures = failures.as_array()?;
    let mut ids = Vec::new();
    for failure in failures {
        let id = failure.get("itemIdentifier").and_then(Value::as_str)?;
        // An identifier that is not in the batch fails the whole batch, as Lambda does.
        if !batch_ids.contains(&id) {
            return None;
        }
        ids.push(id.to_owned());
    }
    Some(ids)
}

/// Polls `queue` and invokes `function` with batches until dropped.
#[derive(Debug)]
pub struct QueuePoller {
    task: JoinHandle<()>,
}

impl Drop for QueuePoller {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl QueuePoller {
    pub fn start(
        runtime: LocalRuntime,
        queue: Arc<LocalQueue>,
        function: String,
        settings: QueueSettings,
    ) -> QueuePoller {
        let task = tokio::spawn(async move {
            let batch_size = settings.batch_size.clamp(1, 10_000) as usize;
            loop {
                let arrived = queue.arrived.notified();
                if queue.visible_count() == 0 {
                    tokio::select! {
                        _ = arrived => {}
                        // Hidden messages become visible again without any notice.
                        _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                    }
                    continue;
                }
                if !settings.batch_window.is_zero() {
                    let window_ends = Instant::now() + settings.batch_window;
                    while queue.visible_count() < batch_size && Instant::now() < window_ends {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
                let batch = queue.receive(
                    batch_size,
                    settings.visibility_timeout,
                    settings.max_receive_count,
                );
                if batch.is_empty() {
                    continue;
                }
                let ids: Vec<String> = batch.iter().map(|m| m.id.clone()).collect();
                let region = runtime.settings().region.clone();
                let account = runtime.settings().account_id.clone();
                let event = sqs_event(&queue.name, &region, &account, &batch);
                let result = runtime
                    .invoke(InvokeOptions::new(&function, event.to_string()))
                    .await;
                match result {
                    Ok(invocation) if invocation.function_error.is_none() => {
                        let response = invocation.payload_json().unwrap_or(Value::Null);
                        // `None`: a malformed report fails the whole batch, which then
                        // comes back after its visibility timeout.
                        let batch_ids: Vec<&str> = batch.iter().map(|m| m.id.as_str()).collect();
                        if let Some(failed) = failed_ids(&response, &batch_ids) {
                            let done: Vec<String> =
                                ids.into_iter().filter(|id| !failed.contains(id)).collect();
                            queue.delete(&done);
                        }
                    }
                    // The function failed: every message comes back after its visibility
                    // timeout, and eventually goes to the dead-letter queue.
                    Ok(_) => {}
                    Err(AdapterError::Throttled { .. }) => {
                        queue.release(&ids);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(AdapterError::NotFound { .. }) => return,
                    Err(_) => {
                        queue.release(&ids);
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            }
        });
        QueuePoller { task }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn receive_hides_messages_and_dead_letters_after_max_receives() {
        let registry = QueueRegistry::default();
        let queue = registry.ensure("jobs");
        queue.send("a".into());
        queue.send("b".into());
        let first = queue.receive(1, Duration::from_millis(30), 2);
        assert_eq!(first.len(), 1);
        assert_eq!(queue.visible_count(), 1);
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(queue.visible_count(), 2);
        let second = queue.receive(10, Duration::ZERO, 2);
        assert_eq!(second.len(), 2);
        assert_eq!(second[0].receive_count, 2);
        let third = queue.receive(10, Duration::ZERO, 2);
        assert_eq!(third.len(), 1, "`a` reached its receive limit");
        assert_eq!(third[0].body, "b");
        assert_eq!(registry.get("jobs-dlq").unwrap().messages()[0].body, "a");
    }

    #[test]
    fn batch_item_failures_select_the_failed_messages() {
        let queue = LocalQueue::new("q", None);
        queue.send("x".into());
        queue.send("y".into());
        let batch = queue.receive(10, Duration::ZERO, 5);
        let id = batch[1].id.clone();
        let ids: Vec<&str> = batch.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(failed_ids(&json!({}), &ids), Some(vec![]));
        assert_eq!(failed_ids(&json!(null), &ids), Some(vec![]));
        assert_eq!(
            failed_ids(
                &json!({"batchItemFailures": [{"itemIdentifier": id}]}),
                &ids
            ),
            Some(vec![id])
        );
        assert_eq!(
            failed_ids(
                &json!({"batchItemFailures": [{"itemIdentifier": "nope"}]}),
                &ids
            ),
            None
        );
        let event = sqs_event("q", "us-east-1", "123456789012", &batch);
        assert_eq!(event["Records"][0]["eventSource"], "aws:sqs");
        assert_eq!(
            event["Records"][0]["attributes"]["ApproximateReceiveCount"],
            "1"
        );
    }
}
