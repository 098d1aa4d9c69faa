//! Each [`Capabilities`](crate::Capabilities) field shown by driving the adapter: what an
//! adapter declares works, and what it does not declare is refused with an error that says so
//! (or, for a setting the provider has no counterpart for, is visibly not applied). The UI
//! offers only what a target declares, so a field that lies either hides a working feature or
//! offers a broken one.
//!
//! Fields with a behaviour of their own elsewhere in the suite: `async_invoke` in
//! [`super::asynchronous_and_dry_run_invokes`], `live_logs` in
//! [`super::follow_yields_new_events`].

use functory_core::manifest::{EnvVar, HttpApi, Trigger, UrlAuth};

use super::{Fixture, unique_marker};
use crate::{Adapter, AdapterError, CloudAdapter, DescribeOptions};

/// The stage the cloud checks deploy to; `NEVER_DEPLOYED` is one no deploy ever names.
const STAGE: &str = "conformance";
const NEVER_DEPLOYED: &str = "conformance-never-deployed";

fn is_refusal(error: &AdapterError, words: &[&str]) -> bool {
    match error {
        AdapterError::NotSupported { .. } => true,
        AdapterError::InvalidRequest { .. } => {
            let message = error.to_string().to_lowercase();
            words.iter().any(|w| message.contains(w))
        }
        _ => false,
    }
}

/// `concurrency_limit` and `provisioned_concurrency`: a deploy asking for them either applies
/// them (and `describe` reports them) or, when undeclared, refuses or leaves them visibly unset.
pub async fn concurrency_is_as_declared(adapter: &dyn Adapter, fixture: &Fixture) {
    let declared = adapter.capabilities();
    let mut options = fixture.deploy_options("echo");
    options.reserved_concurrency = Some(3);
    match adapter.deploy(options).await {
        Ok(_) => {
            let description = adapter
                .describe(DescribeOptions::new("echo"))
                .await
                .expect("describe after a deploy with reserved concurrency");
            if declared.concurrency_limit {
                assert_eq!(
                    description.reserved_concurrency,
                    Some(3),
                    "concurrency_limit is declared but the reserved concurrency was not applied"
                );
            } else {
                assert_eq!(
                    description.reserved_concurrency, None,
                    "concurrency_limit is not declared, yet describe reports a reserved concurrency"
                );
            }
        }
        Err(error) => assert!(
            !declared.concurrency_limit && is_refusal(&error, &["concurrency"]),
            "a deploy with reserved concurrency failed: {error}"
        ),
    }

    let mut options = fixture.deploy_options("echo");
    options.provisioned_concurrency = 1;
    match adapter.deploy(options).await {
        Ok(_) => {
            let description = adapter
                .describe(DescribeOptions::new("echo"))
                .await
                .expect("describe after a deploy with provisioned concurrency");
            let expected = u32::from(declared.provisioned_concurrency);
            assert_eq!(
                description.provisioned_concurrency, expected,
                "provisioned_concurrency is declared {} but describe reports {} instance(s)",
                declared.provisioned_concurrency, description.provisioned_concurrency
            );
        }
        Err(error) => assert!(
            !declared.provisioned_concurrency && is_refusal(&error, &["provisioned"]),
            "a deploy with provisioned concurrency failed: {error}"
        ),
    }
    if let Err(error) = adapter.deploy(fixture.deploy_options("echo")).await {
        panic!("deploying `echo` again without concurrency settings failed: {error}");
    }
}

/// `versions` and `aliases`: with versions, each changed deploy publishes one that can be
/// listed (and, with aliases, rolled back to); with aliases, each stage serves its own version
/// and a stage never deployed serves nothing. Without them, listing and rolling back are
/// refused and every stage name sees the one deployed function.
pub async fn versions_and_stages_are_as_declared(adapter: &dyn CloudAdapter, fixture: &Fixture) {
    let declared = adapter.capabilities();
    let mut options = fixture.deploy_options("echo");
    options.stage = Some(STAGE.to_owned());
    let first = adapter
        .deploy_function(&options)
        .await
        .unwrap_or_else(|e| panic!("deploying `echo` to stage `{STAGE}` failed: {e}"));
    options.function.environment.push(EnvVar {
        key: "CONFORMANCE_MARK".to_owned(),
        value: unique_marker(),
    });
    let second = adapter
        .deploy_function(&options)
        .await
        .unwrap_or_else(|e| panic!("deploying a changed `echo` failed: {e}"));
    let serving = adapter
        .serving_version("echo", STAGE)
        .await
        .expect("the version the stage serves");
    assert!(
        serving.is_some(),
        "stage `{STAGE}` serves nothing after two deploys"
    );

    if declared.versions {
        assert_ne!(
            first.version, second.version,
            "versions are declared but a changed deploy published no new version"
        );
        let versions = adapter.versions("echo").await.expect("listing versions");
        for published in [&first.version, &second.version] {
            assert!(
                versions.iter().any(|v| &v.version == published),
                "version {published} is not listed: {versions:?}"
            );
        }
        if declared.aliases {
            assert_eq!(serving.as_deref(), Some(second.version.as_str()));
            adapter
                .rollback("echo", STAGE, &first.version)
                .await
                .unwrap_or_else(|e| panic!("rolling back to {} failed: {e}", first.version));
            let after = adapter
                .serving_version("echo", STAGE)
                .await
                .expect("the version after a rollback");
            assert_eq!(after.as_deref(), Some(first.version.as_str()));
        }
    } else {
        let listed = adapter.versions("echo").await;
        assert!(
            matches!(listed, Err(AdapterError::NotSupported { .. })),
            "versions are not declared, yet listing them answered {listed:?}"
        );
        let rollback = adapter.rollback("echo", STAGE, &first.version).await;
        assert!(
            matches!(rollback, Err(AdapterError::NotSupported { .. })),
            "versions are not declared, yet a rollback answered {rollback:?}"
        );
    }

    let elsewhere = adapter
        .serving_version("echo", NEVER_DEPLOYED)
        .await
        .expect("the version a stage never deployed serves");
    if declared.aliases {
        assert_eq!(
            elsewhere, None,
            "stages are declared, yet a stage never deployed serves a version"
        );
    } else {
        assert_eq!(
            elsewhere, serving,
            "stages are not declared, yet stage names see different functions"
        );
    }
}

/// One trigger of each kind the `Capabilities` name, with the field that declares it and the
/// name of the resource the trigger reads from, if it reads from one.
fn one_trigger_of_each_kind(
    declared: &crate::Capabilities,
) -> Vec<(bool, &'static str, Option<&'static str>, Trigger)> {
    vec![
        (
            declared.http_trigger,
            "http",
            None,
            Trigger::Http {
                method: "GET".to_owned(),
                path: "/conformance".to_owned(),
                auth: None,
                payload_version: None,
            },
        ),
        (
            declared.schedule_trigger,
            "schedule",
            None,
            Trigger::Schedule {
                expression: "rate(5 minutes)".to_owned(),
                timezone: None,
            },
        ),
        (
            declared.storage_trigger,
            "storage",
            Some("conformance-uploads"),
            Trigger::Storage {
                bucket: "conformance-uploads".to_owned(),
                prefix: None,
                suffix: None,
                events: None,
            },
        ),
        (
            declared.queue_trigger,
            "queue",
            Some("conformance-jobs"),
            Trigger::Queue {
                queue: "conformance-jobs".to_owned(),
                batch_size: None,
            },
        ),
        (
            declared.stream_trigger,
            "stream",
            Some("conformance"),
            Trigger::Stream {
                stream: "arn:aws:kinesis:us-east-1:123456789012:stream/conformance".to_owned(),
                batch_size: None,
                starting_position: None,
            },
        ),
        (
            declared.url_trigger,
            "url",
            None,
            Trigger::Url {
                auth: UrlAuth::None,
                cors: None,
            },
        ),
    ]
}

/// The trigger fields: a function with one trigger of a declared kind plans (the plan names a
/// change for it beyond the function's own); one of an undeclared kind is refused by the plan,
/// before anything changes, with a message naming the kind. A declared kind whose resource
/// does not exist may also fail the plan as not found, naming the resource: the plan looked it
/// up, which is handling the kind (the suite creates no buckets, queues or streams).
pub async fn trigger_kinds_are_as_declared(adapter: &dyn CloudAdapter, fixture: &Fixture) {
    let declared = adapter.capabilities();
    let bare = adapter
        .plan(&fixture.deploy_options("echo"))
        .await
        .unwrap_or_else(|e| panic!("planning `echo` without triggers failed: {e}"));
    for (is_declared, kind, resource, trigger) in one_trigger_of_each_kind(&declared) {
        let mut options = fixture.deploy_options("echo");
        options.function.triggers = vec![trigger];
        options.api = HttpApi::default();
        let planned = adapter.plan(&options).await;
        match (is_declared, planned) {
            (true, Ok(plan)) => assert!(
                plan.changes.len() > bare.changes.len()
                    || plan
                        .changes
                        .iter()
                        .any(|c| c.details.iter().any(|d| d.contains(kind))),
                "{kind} triggers are declared, yet the plan has nothing for one: {plan}"
            ),
            (true, Err(error @ AdapterError::NotFound { .. }))
                if resource.is_some_and(|name| error.to_string().contains(name)) => {}
            (true, Err(error)) => {
                panic!("{kind} triggers are declared, yet planning one failed: {error}")
            }
            (false, Ok(plan)) => {
                panic!("{kind} triggers are not declared, yet a plan with one went through: {plan}")
            }
            (false, Err(error)) => assert!(
                is_refusal(&error, &[kind]),
                "{kind} triggers are not declared; the plan should refuse one saying so, not: {error}"
            ),
        }
    }
}
