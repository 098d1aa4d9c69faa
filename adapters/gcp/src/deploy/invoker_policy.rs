//! Who may invoke the function: `roles/run.invoker` on its Cloud Run service (`allUsers` for a
//! public URL, the scheduler's identity for schedules), read, planned and written back.

use functory_adapter::plan::planned_change as change;
use functory_adapter::{AdapterError, ChangeAction, PlannedChange, ResourceKind, Result};
use reqwest::Method;
use serde_json::{Value, json};

use super::{ALL_USERS, INVOKER_ROLE, Step, calls};
use crate::GcpAdapter;
use crate::functions::CloudFunction;
use crate::mapping::Mapping;

/// The members granted `roles/run.invoker` in an IAM policy.
pub(super) fn invokers(policy: &Value) -> Vec<String> {
    policy
        .get("bindings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|b| b.get("role").and_then(Value::as_str) == Some(INVOKER_ROLE))
        .filter(|b| b.get("condition").is_none())
        .flat_map(|b| {
            b.get("members")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|m| m.as_str().map(str::to_owned))
        })
        .collect()
}

/// `policy` with `add` granted and `remove` revoked the invoker role; other bindings untouched.
fn with_invokers(mut policy: Value, add: &[String], remove: &[String]) -> Value {
    if !policy.is_object() {
        policy = json!({});
    }
    let bindings = policy
        .as_object_mut()
        .map(|o| o.entry("bindings").or_insert_with(|| json!([])))
        .and_then(Value::as_array_mut);
    let Some(bindings) = bindings else {
        return policy;
    };
    let position = bindings.iter().position(|b| {
        b.get("role").and_then(Value::as_str) == Some(INVOKER_ROLE) && b.get("condition").is_none()
    });
    let index = match position {
        Some(i) => i,
        None => {
            bindings.push(json!({ "role": INVOKER_ROLE, "members": [] }));
            bindings.len() - 1
        }
    };
    if let Some(members) = bindings[index]
        .get_mut("members")
        .and_then(Value::as_array_mut)
    {
        members.retain(|m| !m.as_str().is_some_and(|m| remove.iter().any(|r| r == m)));
        for member in add {
            if !members.iter().any(|m| m.as_str() == Some(member)) {
                members.push(json!(member));
            }
        }
    }
    bindings.retain(|b| {
        b.get("members")
            .and_then(Value::as_array)
            .is_none_or(|m| !m.is_empty())
    });
    policy
}

impl GcpAdapter {
    fn run_url(&self, service: &str, verb: &str) -> String {
        format!("{}/v2/{service}:{verb}", self.api.endpoints.run)
    }

    pub(super) async fn invoker_policy(&self, service: &str) -> Result<Value> {
        self.api
            .get(
                &format!("Cloud Run GetIamPolicy of `{service}`"),
                &self.run_url(service, "getIamPolicy"),
            )
            .await
    }

    /// The identity Cloud Scheduler signs its calls with, when known before the function
    /// exists: the setting, else the function's runtime service account.
    pub(super) fn scheduler_account(&self, existing: Option<&CloudFunction>) -> Option<String> {
        self.settings.scheduler_service_account.clone().or_else(|| {
            existing
                .map(|e| e.service_config.service_account_email.clone())
                .filter(|a| !a.is_empty())
        })
    }

    /// Grants and revokes `roles/run.invoker` on the function's Cloud Run service as the
    /// manifest says: read, change, write back with the policy's etag.
    pub(super) async fn set_invokers(
        &self,
        function: &CloudFunction,
        mapping: &Mapping,
    ) -> Result<()> {
        let service = &function.service_config.service;
        if service.is_empty() {
            return Err(AdapterError::provider(
                functory_core::AdapterKind::Gcp,
                format!(
                    "function `{}` has no Cloud Run service yet ({}): deploy again once it is active",
                    function.id(),
                    function.state_text()
                ),
            ));
        }
        let policy = self.invoker_policy(service).await?;
        let mut add = Vec::new();
        let mut remove = Vec::new();
        if mapping.public {
            add.push(ALL_USERS.to_owned());
        } else {
            remove.push(ALL_USERS.to_owned());
        }
        if !mapping.schedules.is_empty() {
            let account = self.scheduler_account(Some(function)).ok_or_else(|| {
                AdapterError::invalid(format!(
                    "function `{}` has no runtime service account to call it on schedule: set the scheduler service account in the settings",
                    function.id()
                ))
            })?;
            add.push(format!("serviceAccount:{account}"));
        }
        let changed = with_invokers(policy, &add, &remove);
        let call = format!("Cloud Run SetIamPolicy of `{service}`");
        let _: Value = self
            .api
            .send(
                &call,
                Method::POST,
                &self.run_url(service, "setIamPolicy"),
                Some(&json!({ "policy": changed })),
            )
            .await?;
        Ok(())
    }
}

/// The invoker change: `allUsers` for a public URL (revoked when no longer public), the
/// scheduler's identity for schedules; other members are left alone.
pub(super) fn plan_invokers(
    service: &str,
    mapping: &Mapping,
    present: &[String],
    scheduler_account: Option<&str>,
    changes: &mut Vec<PlannedChange>,
    steps: &mut Vec<Step>,
) {
    let mut grant = Vec::new();
    let mut revoke = Vec::new();
    if mapping.public && !present.iter().any(|m| m == ALL_USERS) {
        grant.push("+allUsers (public: anyone with the URL may call it)".to_owned());
    }
    if !mapping.public && present.iter().any(|m| m == ALL_USERS) {
        revoke.push("-allUsers (no longer public)".to_owned());
    }
    if !mapping.schedules.is_empty() {
        match scheduler_account {
            Some(account) if present.iter().any(|m| *m == format!("serviceAccount:{account}")) => {}
            Some(account) => grant.push(format!(
                "+serviceAccount:{account} (Cloud Scheduler calls with its OIDC token)"
            )),
            None => grant.push(
                "+the function's runtime service account (Cloud Scheduler calls with its OIDC token)".to_owned(),
            ),
        }
    }
    let invokers_name = format!("invokers of {service}");
    if grant.is_empty() && revoke.is_empty() {
        if mapping.public || !mapping.schedules.is_empty() {
            changes.push(PlannedChange::no_op(
                ResourceKind::Permission,
                &invokers_name,
            ));
        }
    } else {
        let action = if !grant.is_empty() {
            if present.is_empty() {
                ChangeAction::Create
            } else {
                ChangeAction::Update
            }
        } else {
            ChangeAction::Delete
        };
        let mut details = grant;
        details.extend(revoke);
        details.push(format!(
            "{INVOKER_ROLE} on the Cloud Run service; other bindings are kept"
        ));
        changes.push(change(
            ResourceKind::Permission,
            &invokers_name,
            action,
            details,
            &[calls::SET_IAM_POLICY],
        ));
        steps.push(Step::SetInvokers);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoker_bindings_change_only_what_functory_manages() {
        let policy = json!({
            "etag": "BwX",
            "bindings": [
                { "role": "roles/run.invoker", "members": ["user:ana@example.com", "allUsers"] },
                { "role": "roles/run.admin", "members": ["user:ops@example.com"] },
            ],
        });
        assert_eq!(invokers(&policy), ["user:ana@example.com", "allUsers"]);
        let private = with_invokers(policy.clone(), &[], &["allUsers".to_owned()]);
        assert_eq!(invokers(&private), ["user:ana@example.com"]);
        assert_eq!(private["etag"], "BwX");
        assert_eq!(private["bindings"][1]["role"], "roles/run.admin");
        let fresh = with_invokers(json!({}), &["allUsers".to_owned()], &[]);
        assert_eq!(invokers(&fresh), ["allUsers"]);
        let emptied = with_invokers(fresh, &[], &["allUsers".to_owned()]);
        assert_eq!(emptied["bindings"], json!([]));
    }
}
