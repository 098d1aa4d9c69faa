//! `topic` triggers as SNS subscriptions and `event` triggers as EventBridge rules, both
//! invoking the stage alias.
//!
//! SNS and EventBridge may only invoke the function with a resource-policy statement naming the
//! topic or rule (`functory-sns-<hash of the topic ARN>`, `functory-events-<rule>`), added
//! before the subscription or target. The statements are also how a later deploy finds the
//! topics and rules of triggers the manifest no longer lists. A subscription is Functory's when
//! it is a `lambda` subscription of this stage; a rule when it is named
//! `functory-<project>-<target>-<function>-<n>` (see [`super::names`]). Nothing else on a topic
//! or bus is touched.

use functory_adapter::plan::planned_change as change;
use functory_adapter::{AdapterError, ChangeAction, PlannedChange, ResourceKind, Result};
use functory_core::{Function, Resource, Trigger};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::AwsAdapter;
use super::resource_policy::ResourceStatement;
use super::schedules::schedule_prefix;
use crate::package::hex;

/// What SNS reads a filter policy against when the subscription does not say.
const DEFAULT_SCOPE: &str = "MessageAttributes";
/// The id of the target Functory puts on its rules.
const TARGET_ID: &str = "functory";

/// Where the function lives: what turns names into ARNs.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    pub partition: String,
    pub region: String,
    pub account: String,
}

/// A topic trigger as the manifest states it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WantedSubscription {
    pub topic_arn: String,
    pub filter_policy: Option<Value>,
    pub scope: String,
}

/// A topic Functory subscribes the stage to (or did), as it is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ObservedTopic {
    pub topic_arn: String,
    /// This stage's subscriptions: ARN, filter policy, scope.
    pub subscriptions: Vec<(String, Option<Value>, String)>,
    pub allowed: bool,
}

/// An event trigger as the manifest states it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WantedRule {
    pub name: String,
    /// `default`, a bus name, or a bus ARN.
    pub bus: String,
    pub pattern: Value,
    pub arn: String,
}

/// A rule of this function, as it is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ObservedRule {
    pub name: String,
    pub bus: String,
    /// `None`: the rule does not exist.
    pub pattern: Option<Value>,
    pub targeted: bool,
    pub allowed: bool,
}

/// One change to a subscription or a rule, in the order it is made.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FanoutStep {
    TopicAllow(String),
    Subscribe(WantedSubscription),
    SetFilter(String, WantedSubscription),
    Unsubscribe(String),
    TopicRevoke(String),
    RuleAllow(WantedRule),
    RulePut(WantedRule),
    RuleTarget(WantedRule),
    RuleDelete { name: String, bus: String },
    RuleRevoke(String),
}

pub(crate) fn topic_statement_id(topic_arn: &str) -> String {
    format!(
        "functory-sns-{}",
        &hex(&Sha256::digest(topic_arn.as_bytes()))[..16]
    )
}

pub(crate) fn rule_statement_id(rule: &str) -> String {
    format!("functory-events-{rule}")
}

fn bus_name(bus: &str) -> &str {
    bus.rsplit_once(":event-bus/").map_or(bus, |(_, name)| name)
}

/// `arn:P:events:R:A:rule/[BUS/]NAME`.
fn rule_arn(place: &Place, bus: &str, name: &str) -> String {
    let bus = bus_name(bus);
    let path = if bus == "default" {
        name.to_owned()
    } else {
        format!("{bus}/{name}")
    };
    format!(
        "arn:{}:events:{}:{}:rule/{path}",
        place.partition, place.region, place.account
    )
}

/// (bus, name) of a rule ARN.
fn rule_of_arn(arn: &str) -> Option<(String, String)> {
    let (_, path) = arn.split_once(":rule/")?;
    Some(match path.split_once('/') {
        Some((bus, name)) => (bus.to_owned(), name.to_owned()),
        None => ("default".to_owned(), path.to_owned()),
    })
}

/// A JSON text as a value, so two spellings of one policy compare equal.
fn json(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok()
}

/// The function's topic and event triggers, with declared topics and buses by their physical
/// names, in `scope` (see [`super::names::naming_scope`]).
pub(crate) fn wanted(
    scope: &str,
    function: &Function,
    resources: &[Resource],
    place: &Place,
) -> (Vec<WantedSubscription>, Vec<WantedRule>) {
    let physical = |name: &str, kind: functory_core::ResourceKind| {
        resources
            .iter()
            .find(|r| r.name == name && r.kind == kind)
            .map_or_else(
                || name.to_owned(),
                |r| r.existing.clone().unwrap_or_else(|| r.physical_name()),
            )
    };
    // EventBridge rule names follow the same rule as Scheduler's (`[.\-_A-Za-z0-9]`, at most 64):
    // one prefix serves both, and `-<n>` numbers the function's rules.
    let prefix = schedule_prefix(scope, &function.name);
    let mut topics = Vec::new();
    let mut rules = Vec::new();
    for trigger in &function.triggers {
        match trigger {
            Trigger::Topic {
                topic,
                filter_policy,
                filter_policy_scope,
            } => {
                let topic = physical(topic, functory_core::ResourceKind::Topic);
                let topic_arn = if topic.starts_with("arn:") {
                    topic
                } else {
                    format!(
                        "arn:{}:sns:{}:{}:{topic}",
                        place.partition, place.region, place.account
                    )
                };
                topics.push(WantedSubscription {
                    topic_arn,
                    filter_policy: filter_policy.as_deref().and_then(json),
                    scope: filter_policy_scope
                        .clone()
                        .filter(|s| !s.is_empty())
                        .unwrap_or_else(|| DEFAULT_SCOPE.to_owned()),
                });
            }
            Trigger::Event { bus, pattern } => {
                let bus = bus.as_deref().map_or_else(
                    || "default".to_owned(),
                    |b| physical(b, functory_core::ResourceKind::Bus),
                );
                let name = format!("{prefix}-{}", rules.len() + 1);
                rules.push(WantedRule {
                    arn: rule_arn(place, &bus, &name),
                    name,
                    bus,
                    pattern: json(pattern).unwrap_or(Value::Null),
                });
            }
            _ => {}
        }
    }
    (topics, rules)
}

/// Plans the subscriptions and rules against what exists.
pub(crate) fn plan(
    topics_want: &[WantedSubscription],
    topics_have: &[ObservedTopic],
    rules_want: &[WantedRule],
    rules_have: &[ObservedRule],
    changes: &mut Vec<PlannedChange>,
    steps: &mut Vec<FanoutStep>,
) {
    for observed in topics_have {
        let label = format!(
            "topic {}",
            observed.topic_arn.rsplit(':').next().unwrap_or("")
        );
        let wanted = topics_want
            .iter()
            .find(|w| w.topic_arn == observed.topic_arn);
        let mut calls = Vec::new();
        let action;
        let mut details = Vec::new();
        match wanted {
            Some(wanted) => {
                if !observed.allowed {
                    calls.push("AddPermission");
                    steps.push(FanoutStep::TopicAllow(observed.topic_arn.clone()));
                }
                match observed.subscriptions.first() {
                    None => {
                        calls.push("Subscribe");
                        steps.push(FanoutStep::Subscribe(wanted.clone()));
                        action = ChangeAction::Create;
                    }
                    Some((arn, filter, scope))
                        if *filter != wanted.filter_policy
                            || (wanted.filter_policy.is_some() && *scope != wanted.scope) =>
                    {
                        // The policy, then (with a policy) what it reads.
                        calls.push("SetSubscriptionAttributes");
                        if wanted.filter_policy.is_some() {
                            calls.push("SetSubscriptionAttributes");
                        }
                        steps.push(FanoutStep::SetFilter(arn.clone(), wanted.clone()));
                        details.push("filter policy".to_owned());
                        action = ChangeAction::Update;
                    }
                    Some(_) => action = ChangeAction::Update,
                }
                // Two subscriptions of one stage to one topic deliver every message twice.
                for (arn, _, _) in observed.subscriptions.iter().skip(1) {
                    calls.push("Unsubscribe");
                    steps.push(FanoutStep::Unsubscribe(arn.clone()));
                }
                if let Some(filter) = &wanted.filter_policy {
                    details.push(format!("filter {filter} on {}", wanted.scope));
                }
            }
            None => {
                for (arn, _, _) in &observed.subscriptions {
                    calls.push("Unsubscribe");
                    steps.push(FanoutStep::Unsubscribe(arn.clone()));
                }
                if observed.allowed {
                    calls.push("RemovePermission");
                    steps.push(FanoutStep::TopicRevoke(observed.topic_arn.clone()));
                }
                details.push("no `topic` trigger on it in functory.toml".to_owned());
                action = ChangeAction::Delete;
            }
        }
        changes.push(if calls.is_empty() {
            PlannedChange::no_op(ResourceKind::Trigger, &label)
        } else {
            change(ResourceKind::Trigger, &label, action, details, &calls)
        });
    }
    for observed in rules_have {
        let label = format!("event rule {}", observed.name);
        let wanted = rules_want
            .iter()
            .find(|w| w.name == observed.name && bus_name(&w.bus) == bus_name(&observed.bus));
        let mut calls = Vec::new();
        match wanted {
            Some(wanted) => {
                if !observed.allowed {
                    calls.push("AddPermission");
                    steps.push(FanoutStep::RuleAllow(wanted.clone()));
                }
                if observed.pattern.as_ref() != Some(&wanted.pattern) {
                    calls.push("PutRule");
                    steps.push(FanoutStep::RulePut(wanted.clone()));
                }
                if !observed.targeted {
                    calls.push("PutTargets");
                    steps.push(FanoutStep::RuleTarget(wanted.clone()));
                }
                changes.push(if calls.is_empty() {
                    PlannedChange::no_op(ResourceKind::Trigger, &label)
                } else {
                    change(
                        ResourceKind::Trigger,
                        &label,
                        if observed.pattern.is_none() {
                            ChangeAction::Create
                        } else {
                            ChangeAction::Update
                        },
                        vec![format!(
                            "pattern {} on bus {}",
                            wanted.pattern,
                            bus_name(&wanted.bus)
                        )],
                        &calls,
                    )
                });
            }
            None => {
                if observed.pattern.is_some() {
                    calls.extend(["RemoveTargets", "DeleteRule"]);
                    steps.push(FanoutStep::RuleDelete {
                        name: observed.name.clone(),
                        bus: observed.bus.clone(),
                    });
                }
                if observed.allowed {
                    calls.push("RemovePermission");
                    steps.push(FanoutStep::RuleRevoke(observed.name.clone()));
                }
                if !calls.is_empty() {
                    changes.push(change(
                        ResourceKind::Trigger,
                        &label,
                        ChangeAction::Delete,
                        vec!["no such `event` trigger in functory.toml".to_owned()],
                        &calls,
                    ));
                }
            }
        }
    }
}

impl AwsAdapter {
    /// The account the adapter acts in, asked once.
    pub(crate) async fn place(&self) -> Result<Place> {
        let account = self
            .account
            .get_or_try_init(|| async {
                let sts = aws_sdk_sts::Client::new(&self.sdk);
                crate::identity::get_caller_identity(&sts, &self.context)
                    .await
                    .map(|who| who.account)
            })
            .await?
            .clone();
        let region = self.region().unwrap_or("us-east-1").to_owned();
        let partition = if region.starts_with("cn-") {
            "aws-cn"
        } else if region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        };
        Ok(Place {
            partition: partition.to_owned(),
            region,
            account,
        })
    }

    /// The topics of the manifest's topic triggers and of Functory's SNS statements, each with
    /// this stage's subscriptions (`target`: the stage's ARN, `None` before the function
    /// exists).
    pub(crate) async fn observe_topics(
        &self,
        want: &[WantedSubscription],
        statements: &[ResourceStatement],
        target: Option<&str>,
    ) -> Result<Vec<ObservedTopic>> {
        let mut topics: Vec<String> = want.iter().map(|w| w.topic_arn.clone()).collect();
        for statement in statements {
            if statement.sid.starts_with("functory-sns-")
                && let Some(arn) = &statement.source_arn
                && !topics.contains(arn)
            {
                topics.push(arn.clone());
            }
        }
        let reads = topics.into_iter().map(|topic_arn| async move {
            let allowed = statements
                .iter()
                .any(|s| s.sid == topic_statement_id(&topic_arn));
            let mut subscriptions = Vec::new();
            if let Some(target) = target {
                for arn in self.stage_subscriptions(&topic_arn, target).await? {
                    let attributes = self
                        .sns
                        .get_subscription_attributes()
                        .subscription_arn(&arn)
                        .send()
                        .await
                        .map_err(|e| {
                            self.failure(&e, &format!("SNS GetSubscriptionAttributes of {arn}"))
                        })?;
                    let attributes = attributes.attributes.unwrap_or_default();
                    subscriptions.push((
                        arn,
                        attributes.get("FilterPolicy").and_then(|p| json(p)),
                        attributes
                            .get("FilterPolicyScope")
                            .cloned()
                            .unwrap_or_else(|| DEFAULT_SCOPE.to_owned()),
                    ));
                }
            }
            Ok::<_, AdapterError>(ObservedTopic {
                topic_arn,
                subscriptions,
                allowed,
            })
        });
        futures_util::future::try_join_all(reads).await
    }

    /// The `lambda` subscriptions of `topic_arn` that deliver to `target`; none when the topic
    /// does not exist (yet: a declared topic is created before the functions).
    async fn stage_subscriptions(&self, topic_arn: &str, target: &str) -> Result<Vec<String>> {
        let mut found = Vec::new();
        let mut token = None;
        loop {
            let page = match self
                .sns
                .list_subscriptions_by_topic()
                .topic_arn(topic_arn)
                .set_next_token(token)
                .send()
                .await
            {
                Ok(page) => page,
                Err(error) => {
                    return match self.failure(
                        &error,
                        &format!("SNS ListSubscriptionsByTopic of {topic_arn}"),
                    ) {
                        AdapterError::NotFound { .. } => Ok(found),
                        other => Err(other),
                    };
                }
            };
            for subscription in page.subscriptions() {
                if subscription.protocol() == Some("lambda")
                    && subscription.endpoint() == Some(target)
                    && let Some(arn) = subscription.subscription_arn()
                {
                    found.push(arn.to_owned());
                }
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(found);
            }
        }
    }

    /// The rules of the manifest's event triggers and of Functory's EventBridge statements
    /// named for this function, as they are.
    pub(crate) async fn observe_rules(
        &self,
        want: &[WantedRule],
        statements: &[ResourceStatement],
        owned_prefix: &str,
        target: Option<&str>,
    ) -> Result<Vec<ObservedRule>> {
        let mut rules: Vec<(String, String)> = want
            .iter()
            .map(|w| (w.bus.clone(), w.name.clone()))
            .collect();
        for statement in statements {
            if let Some(name) = statement.sid.strip_prefix("functory-events-")
                && name.starts_with(owned_prefix)
                && let Some((bus, rule)) = statement.source_arn.as_deref().and_then(rule_of_arn)
                && rule == name
                && !rules.iter().any(|(b, r)| bus_name(b) == bus && *r == rule)
            {
                rules.push((bus, rule));
            }
        }
        let reads = rules.into_iter().map(|(bus, name)| async move {
            let allowed = statements.iter().any(|s| s.sid == rule_statement_id(&name));
            let pattern = match self
                .events
                .describe_rule()
                .name(&name)
                .event_bus_name(&bus)
                .send()
                .await
            {
                Ok(rule) => Some(rule.event_pattern().and_then(json).unwrap_or(Value::Null)),
                Err(error) => {
                    match self.failure(&error, &format!("EventBridge DescribeRule {name}")) {
                        AdapterError::NotFound { .. } => None,
                        other => return Err(other),
                    }
                }
            };
            let targeted = match (&pattern, target) {
                (Some(_), Some(target)) => self
                    .events
                    .list_targets_by_rule()
                    .rule(&name)
                    .event_bus_name(&bus)
                    .send()
                    .await
                    .map_err(|e| {
                        self.failure(&e, &format!("EventBridge ListTargetsByRule {name}"))
                    })?
                    .targets()
                    .iter()
                    .any(|t| t.id() == TARGET_ID && t.arn() == target),
                _ => false,
            };
            Ok::<_, AdapterError>(ObservedRule {
                name,
                bus,
                pattern,
                targeted,
                allowed,
            })
        });
        futures_util::future::try_join_all(reads).await
    }

    /// Makes one planned change to a subscription or rule; `target` is the stage's ARN.
    pub(crate) async fn apply_fanout(
        &self,
        step: &FanoutStep,
        function: &str,
        stage: Option<&str>,
        target: &str,
    ) -> Result<()> {
        let (account, _) = super::schedules::account_of(target);
        let allow = |sid: String, principal: &'static str, source: String| async move {
            self.lambda
                .add_permission()
                .function_name(function)
                .set_qualifier(stage.map(str::to_owned))
                .statement_id(&sid)
                .action("lambda:InvokeFunction")
                .principal(principal)
                .source_arn(&source)
                .source_account(&account)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| {
                    self.failure(
                        &e,
                        &format!("Lambda AddPermission ({source}) on `{function}`"),
                    )
                })
        };
        match step {
            FanoutStep::TopicAllow(topic) => {
                allow(
                    topic_statement_id(topic),
                    "sns.amazonaws.com",
                    topic.clone(),
                )
                .await
            }
            FanoutStep::RuleAllow(rule) => {
                allow(
                    rule_statement_id(&rule.name),
                    "events.amazonaws.com",
                    rule.arn.clone(),
                )
                .await
            }
            FanoutStep::Subscribe(wanted) => {
                let mut subscribe = self
                    .sns
                    .subscribe()
                    .topic_arn(&wanted.topic_arn)
                    .protocol("lambda")
                    .endpoint(target)
                    .return_subscription_arn(true);
                if let Some(filter) = &wanted.filter_policy {
                    subscribe = subscribe
                        .attributes("FilterPolicy", filter.to_string())
                        .attributes("FilterPolicyScope", &wanted.scope);
                }
                subscribe.send().await.map(|_| ()).map_err(|e| {
                    self.failure(&e, &format!("SNS Subscribe to {}", wanted.topic_arn))
                })
            }
            FanoutStep::SetFilter(arn, wanted) => {
                // An empty policy removes the filter.
                let policy = wanted
                    .filter_policy
                    .as_ref()
                    .map(Value::to_string)
                    .unwrap_or_default();
                self.sns
                    .set_subscription_attributes()
                    .subscription_arn(arn)
                    .attribute_name("FilterPolicy")
                    .attribute_value(policy)
                    .send()
                    .await
                    .map_err(|e| {
                        self.failure(&e, &format!("SNS SetSubscriptionAttributes of {arn}"))
                    })?;
                if wanted.filter_policy.is_some() {
                    self.sns
                        .set_subscription_attributes()
                        .subscription_arn(arn)
                        .attribute_name("FilterPolicyScope")
                        .attribute_value(&wanted.scope)
                        .send()
                        .await
                        .map_err(|e| {
                            self.failure(&e, &format!("SNS SetSubscriptionAttributes of {arn}"))
                        })?;
                }
                Ok(())
            }
            FanoutStep::Unsubscribe(arn) => self
                .sns
                .unsubscribe()
                .subscription_arn(arn)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| self.failure(&e, &format!("SNS Unsubscribe {arn}"))),
            FanoutStep::TopicRevoke(topic) => {
                self.remove_statement(function, stage, &topic_statement_id(topic))
                    .await
            }
            FanoutStep::RulePut(rule) => self
                .events
                .put_rule()
                .name(&rule.name)
                .event_bus_name(&rule.bus)
                .event_pattern(rule.pattern.to_string())
                .state(aws_sdk_eventbridge::types::RuleState::Enabled)
                .description("Functory event trigger")
                .send()
                .await
                .map(|_| ())
                .map_err(|e| self.failure(&e, &format!("EventBridge PutRule {}", rule.name))),
            FanoutStep::RuleTarget(rule) => {
                let target = aws_sdk_eventbridge::types::Target::builder()
                    .id(TARGET_ID)
                    .arn(target)
                    .build()
                    .map_err(|e| AdapterError::invalid(format!("rule {}: {e}", rule.name)))?;
                self.events
                    .put_targets()
                    .rule(&rule.name)
                    .event_bus_name(&rule.bus)
                    .targets(target)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| self.failure(&e, &format!("EventBridge PutTargets {}", rule.name)))
            }
            FanoutStep::RuleDelete { name, bus } => {
                self.events
                    .remove_targets()
                    .rule(name)
                    .event_bus_name(bus)
                    .ids(TARGET_ID)
                    .send()
                    .await
                    .map_err(|e| self.failure(&e, &format!("EventBridge RemoveTargets {name}")))?;
                self.events
                    .delete_rule()
                    .name(name)
                    .event_bus_name(bus)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| self.failure(&e, &format!("EventBridge DeleteRule {name}")))
            }
            FanoutStep::RuleRevoke(name) => {
                self.remove_statement(function, stage, &rule_statement_id(name))
                    .await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_arns_name_their_bus_and_read_back() {
        let place = Place {
            partition: "aws".into(),
            region: "eu-west-1".into(),
            account: "111122223333".into(),
        };
        assert_eq!(
            rule_arn(&place, "default", "functory-p-dev-f-1"),
            "arn:aws:events:eu-west-1:111122223333:rule/functory-p-dev-f-1"
        );
        let custom = rule_arn(
            &place,
            "arn:aws:events:eu-west-1:111122223333:event-bus/orders",
            "r",
        );
        assert_eq!(
            custom,
            "arn:aws:events:eu-west-1:111122223333:rule/orders/r"
        );
        assert_eq!(rule_of_arn(&custom), Some(("orders".into(), "r".into())));
        assert_eq!(
            topic_statement_id("arn:aws:sns:eu-west-1:1:a").len(),
            "functory-sns-".len() + 16
        );
    }
}
