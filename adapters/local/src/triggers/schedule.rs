//! Scheduled events: when a schedule fires (the expression and its fire times are
//! `functory_core::schedule`'s, the one reader of schedules), the local runtime sends the event
//! EventBridge sends.

use chrono::{DateTime, Timelike, Utc};
use serde_json::Value;

/// The event EventBridge sends for a scheduled rule (the shape is functory-formats', the one
/// samples use too), with a fresh id.
pub fn scheduled_event(rule_arn: &str, region: &str, account: &str, at: DateTime<Utc>) -> Value {
    let at = at.with_nanosecond(0).unwrap_or(at);
    let id = uuid::Uuid::new_v4().to_string();
    functory_formats::events::scheduled_event(rule_arn, region, account, at, &id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_event_has_eventbridges_shape() {
        let event = scheduled_event(
            "arn:x",
            "us-east-1",
            "123456789012",
            utc("2024-01-01T00:00:00Z"),
        );
        assert_eq!(event["detail-type"], "Scheduled Event");
        assert_eq!(event["source"], "aws.events");
        assert_eq!(event["time"], "2024-01-01T00:00:00Z");
        assert_eq!(event["resources"][0], "arn:x");
    }
}
