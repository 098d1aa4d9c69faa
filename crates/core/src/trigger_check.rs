//! What makes one trigger valid on its own, decided once for `functory check` (which reports
//! every problem with its position), visual edits (which refuse a trigger with an error) and
//! the trigger designer's form. Checks that need the whole project (a route declared twice,
//! overlapping bucket rules) live with the project: [`crate::route::route_conflicts`] and the
//! api's trigger checks.

use crate::diagnostic::Severity;
use crate::manifest::{Cors, Trigger};
use crate::route::RoutePattern;
use crate::schedule::{ScheduleExpression, parse_timezone};

/// One problem of a trigger: the key it is about (`path`, `expression`, `cors.max_age`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerProblem {
    pub key: &'static str,
    pub severity: Severity,
    pub message: String,
}

const CORS_METHODS: &[&str] = &["*", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];

/// Every problem of `trigger` taken alone, errors and warnings.
pub fn trigger_problems(trigger: &Trigger) -> Vec<TriggerProblem> {
    let error = |key: &'static str, message: String| TriggerProblem {
        key,
        severity: Severity::Error,
        message,
    };
    let mut problems = Vec::new();
    match trigger {
        Trigger::Http {
            method,
            path,
            auth,
            payload_version,
        } => {
            if let Err(e) = RoutePattern::parse(method, path) {
                problems.push(error(e.field, e.message));
            }
            if let Some(version) = payload_version
                && !["1.0", "2.0"].contains(&version.as_str())
            {
                problems.push(error(
                    "payload_version",
                    format!("payload version `{version}` must be \"2.0\" (the default) or \"1.0\""),
                ));
            }
            if auth.as_deref().is_some_and(|a| a.trim().is_empty()) {
                problems.push(error(
                    "auth",
                    "`auth` is empty: use \"none\", \"iam\" or the name of an authorizer of [api.authorizers]".to_owned(),
                ));
            }
        }
        Trigger::Schedule {
            expression,
            timezone,
        } => {
            if let Err(e) = ScheduleExpression::parse(expression) {
                problems.push(error("expression", e.to_string()));
            }
            if let Some(name) = timezone.as_deref().filter(|tz| !tz.trim().is_empty())
                && let Err(message) = parse_timezone(name)
            {
                problems.push(error("timezone", message));
            }
        }
        Trigger::Storage { bucket, .. } if bucket.trim().is_empty() => {
            problems.push(error("bucket", "the bucket name is empty".to_owned()));
        }
        Trigger::Queue { queue, .. } if queue.trim().is_empty() => {
            problems.push(error("queue", "the queue name is empty".to_owned()));
        }
        Trigger::Stream { stream, .. } if stream.trim().is_empty() => {
            problems.push(error("stream", "the stream name is empty".to_owned()));
        }
        Trigger::Topic {
            topic,
            filter_policy,
            filter_policy_scope,
        } => {
            if topic.trim().is_empty() {
                problems.push(error("topic", "the topic name is empty".to_owned()));
            }
            if let Some(policy) = filter_policy
                && let Some(problem) = json_object_problem(policy, "filter policy")
            {
                problems.push(error("filter_policy", problem));
            }
            if let Some(scope) = filter_policy_scope
                && !["MessageAttributes", "MessageBody"].contains(&scope.as_str())
            {
                problems.push(error(
                    "filter_policy_scope",
                    format!("`{scope}` is not MessageAttributes or MessageBody"),
                ));
            }
        }
        Trigger::Event { bus, pattern } => {
            if bus.as_deref().is_some_and(|b| b.trim().is_empty()) {
                problems.push(error(
                    "bus",
                    "the bus name is empty (leave `bus` out for the default bus)".to_owned(),
                ));
            }
            if let Some(problem) = json_object_problem(pattern, "event pattern") {
                problems.push(error("pattern", problem));
            }
        }
        Trigger::Url {
            cors: Some(cors), ..
        } => problems.extend(cors_problems(cors)),
        _ => {}
    }
    problems
}

/// What is wrong with cross-origin settings (a function URL's, or the HTTP API's `[api]`).
pub fn cors_problems(cors: &Cors) -> Vec<TriggerProblem> {
    let mut problems = Vec::new();
    for method in &cors.allow_methods {
        if !CORS_METHODS.contains(&method.to_ascii_uppercase().as_str()) {
            problems.push(TriggerProblem {
                key: "cors.allow_methods",
                severity: Severity::Error,
                message: format!(
                    "unknown method `{method}` in CORS; use `*` or one of GET, POST, PUT, PATCH, DELETE, HEAD"
                ),
            });
        }
    }
    if cors.max_age.is_some_and(|age| age > 86_400) {
        problems.push(TriggerProblem {
            key: "cors.max_age",
            severity: Severity::Error,
            message: "CORS max_age is at most 86400 seconds (one day)".to_owned(),
        });
    }
    if cors.allow_credentials && cors.allow_origins.iter().any(|o| o == "*") {
        problems.push(TriggerProblem {
            key: "cors",
            severity: Severity::Warning,
            message: "browsers refuse credentialed requests to `*`; list the exact origins instead"
                .to_owned(),
        });
    }
    problems
}

/// Why `text` is not a non-empty JSON object (an SNS filter policy, an EventBridge pattern).
fn json_object_problem(text: &str, what: &str) -> Option<String> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Err(error) => Some(format!("the {what} is not valid JSON: {error}")),
        Ok(serde_json::Value::Object(map)) if map.is_empty() => Some(format!(
            "the {what} is an empty object: it needs at least one field to match"
        )),
        Ok(serde_json::Value::Object(_)) => None,
        Ok(_) => Some(format!(
            "the {what} must be a JSON object (`{{\"field\": [values]}}`)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_checked_by_its_one_reader() {
        let cases = [
            (
                Trigger::Http {
                    method: "GET".into(),
                    path: "/users/:id".into(),
                    auth: None,
                    payload_version: None,
                },
                "path",
            ),
            (
                Trigger::Schedule {
                    expression: "cron(0 12 * * * *)".into(),
                    timezone: None,
                },
                "expression",
            ),
            (
                Trigger::Schedule {
                    expression: "rate(5 minutes)".into(),
                    timezone: Some("Mars/Olympus".into()),
                },
                "timezone",
            ),
            (
                Trigger::Queue {
                    queue: " ".into(),
                    batch_size: None,
                },
                "queue",
            ),
        ];
        for (trigger, key) in cases {
            let problems = trigger_problems(&trigger);
            assert_eq!(problems.len(), 1, "{trigger:?}: {problems:?}");
            assert_eq!(problems[0].key, key);
            assert_eq!(problems[0].severity, Severity::Error);
        }
        assert!(
            trigger_problems(&Trigger::Schedule {
                expression: "cron(0 12 ? * MON-FRI *)".into(),
                timezone: Some("Europe/Paris".into()),
            })
            .is_empty()
        );
    }
}
