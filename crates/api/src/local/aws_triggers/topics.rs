//! Topic and event triggers: SNS subscriptions and EventBridge rules delivering to a queue of
//! the trigger's own.

use functory_local::LocalRuntime;

use super::*;

/// A `topic` trigger: the function subscribed to a topic of the local services.
#[derive(Debug, Clone)]
pub(in crate::local) struct TopicMapping {
    pub function: String,
    pub topic_arn: String,
    pub filter_policy: Option<String>,
    pub filter_policy_scope: Option<String>,
}

/// An `event` trigger: a rule on a bus of the local services with the function as target.
#[derive(Debug, Clone)]
pub(in crate::local) struct EventMapping {
    pub function: String,
    /// The bus's name (`default` for the account's own).
    pub bus: String,
    pub pattern: String,
}

/// Subscribes each topic trigger (with its filter policy) and makes each event trigger a rule
/// (with its pattern), both delivering to a queue of the trigger's own that the local run
/// polls; the function gets SNS's or EventBridge's event as Lambda does.
pub(in crate::local) async fn start_topics_and_events(
    runtime: &LocalRuntime,
    config: &aws_config::SdkConfig,
    topics: Vec<TopicMapping>,
    events: Vec<EventMapping>,
) -> Result<Pollers, String> {
    if topics.is_empty() && events.is_empty() {
        return Ok(Pollers::default());
    }
    let sqs = aws_sdk_sqs::Client::new(config);
    let mut tasks = Vec::new();
    if !topics.is_empty() {
        let sns = aws_sdk_sns::Client::new(config);
        for (n, mapping) in topics.into_iter().enumerate() {
            let (url, queue_arn) = delivery_queue(
                &sqs,
                &format!("functory-sns-{n}-{}", mapping.function),
                "sns.amazonaws.com",
                &mapping.topic_arn,
            )
            .await
            .map_err(|e| format!("the topic trigger of `{}`: {e}", mapping.function))?;
            let mut subscribe = sns
                .subscribe()
                .topic_arn(&mapping.topic_arn)
                .protocol("sqs")
                .endpoint(&queue_arn)
                .return_subscription_arn(true);
            if let Some(policy) = &mapping.filter_policy {
                subscribe = subscribe.attributes("FilterPolicy", policy);
            }
            if let Some(scope) = &mapping.filter_policy_scope {
                subscribe = subscribe.attributes("FilterPolicyScope", scope);
            }
            let subscription_arn = subscribe
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "the topic trigger of `{}` could not subscribe to {}: {}",
                        mapping.function,
                        mapping.topic_arn,
                        said(&e)
                    )
                })?
                .subscription_arn
                .unwrap_or_default();
            tasks.push(tokio::spawn(poll_notifications(
                runtime.clone(),
                sqs.clone(),
                mapping.function,
                url,
                Delivery::Sns { subscription_arn },
            )));
        }
    }
    if !events.is_empty() {
        let bridge = aws_sdk_eventbridge::Client::new(config);
        for (n, mapping) in events.into_iter().enumerate() {
            let rule = format!("functory-{}-{n}", mapping.function);
            let rule: String = rule.chars().take(64).collect();
            let rule_arn = bridge
                .put_rule()
                .name(&rule)
                .event_bus_name(&mapping.bus)
                .event_pattern(&mapping.pattern)
                .state(aws_sdk_eventbridge::types::RuleState::Enabled)
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "the event trigger of `{}`: bus `{}` refused its rule: {}",
                        mapping.function,
                        mapping.bus,
                        said(&e)
                    )
                })?
                .rule_arn
                .unwrap_or_default();
            let (url, queue_arn) = delivery_queue(
                &sqs,
                &format!("functory-events-{n}-{}", mapping.function),
                "events.amazonaws.com",
                &rule_arn,
            )
            .await
            .map_err(|e| format!("the event trigger of `{}`: {e}", mapping.function))?;
            let target = aws_sdk_eventbridge::types::Target::builder()
                .id("functory")
                .arn(queue_arn)
                .build()
                .map_err(|e| e.to_string())?;
            bridge
                .put_targets()
                .rule(&rule)
                .event_bus_name(&mapping.bus)
                .targets(target)
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "the event trigger of `{}`: its rule's target: {}",
                        mapping.function,
                        said(&e)
                    )
                })?;
            tasks.push(tokio::spawn(poll_notifications(
                runtime.clone(),
                sqs.clone(),
                mapping.function,
                url,
                Delivery::Event,
            )));
        }
    }
    Ok(Pollers(tasks))
}
