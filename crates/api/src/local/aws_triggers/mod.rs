//! Triggers that ride the local AWS services, as Lambda's event source mappings and the
//! services' own notifications run them: queue triggers poll their queue; storage, topic and
//! event triggers get a delivery queue of their own that S3, SNS or EventBridge notifies; stream
//! triggers poll a table's stream or a Kinesis stream shard by shard. Each invokes the function
//! on the local runtime with the event Lambda would get.

mod notifications;
mod queue;
mod streams;
mod topics;

use tokio::task::JoinHandle;

use notifications::{Delivery, poll_notifications};
pub(super) use notifications::{
    StorageMapping, delivery_queue, receive_notifications, said, start_storage,
};
use queue::attribute;
pub(super) use queue::{QueueMapping, start};
pub(super) use streams::{KinesisMapping, StreamMapping, start_kinesis, start_streams};
pub(super) use topics::{EventMapping, TopicMapping, start_topics_and_events};

/// The running pollers; dropping them stops every one.
#[derive(Debug, Default)]
pub(super) struct Pollers(Vec<JoinHandle<()>>);

impl Pollers {
    pub fn of(tasks: Vec<JoinHandle<()>>) -> Pollers {
        Pollers(tasks)
    }

    /// These pollers and `more`.
    pub fn with(mut self, mut more: Pollers) -> Pollers {
        self.0.append(&mut more.0);
        self
    }
}

impl Drop for Pollers {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// How long one ReceiveMessage waits for messages: short, so a stopped run's pollers end
/// promptly, long enough that an idle queue costs next to nothing.
const WAIT_SECONDS: i32 = 1;
