//! The execution role of a function: trusted by lambda.amazonaws.com, with one inline policy
//! holding the manifest's permissions plus what Lambda needs to write the function's logs.

use functory_adapter::{AdapterError, Result};
use functory_core::trigger_needs::{ArnScope, role_statements};
use functory_core::{Function, Permission, PermissionEffect, Resource};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::AwsAdapter;
use crate::package::hex;

/// The inline policy Functory owns on each role it creates.
pub(crate) const POLICY_NAME: &str = "functory-permissions";

/// `functory-<scope>-<function>` (see [`super::names::naming_scope`]), kept within IAM's 64 characters of
/// `[\w+=,.@-]`: a long name is cut and given a short hash so two long names never collide.
pub fn role_name(scope: &str, function: &str) -> String {
    bounded_name(&format!("functory-{scope}-{function}"), "", 64)
}

/// The role EventBridge Scheduler assumes to invoke a function's schedules.
pub(crate) fn scheduler_role_name(scope: &str, function: &str) -> String {
    bounded_name(&format!("functory-{scope}-{function}"), "-scheduler", 64)
}

/// `base` (characters outside `[\w+=,.@-]` made `-`) then `suffix`, at most `max` long: a base
/// too long is cut and given a short hash of itself, so two long names never collide and the
/// same base always gives the same name.
pub(crate) fn bounded_name(base: &str, suffix: &str, max: usize) -> String {
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let room = max.saturating_sub(suffix.len());
    if clean.len() <= room {
        return format!("{clean}{suffix}");
    }
    let digest = hex(&Sha256::digest(clean.as_bytes()));
    format!("{}-{}{suffix}", &clean[..room - 9], &digest[..8])
}

pub(crate) fn trust_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "lambda.amazonaws.com" },
            "Action": "sts:AssumeRole"
        }]
    })
}

/// The role's inline policy: logging for this function's log group, what its triggers need
/// (a trigger naming a declared resource reads as that resource), then each manifest
/// permission as one statement.
pub(crate) fn permissions_policy(function: &Function, resources: &[Resource]) -> Value {
    let mut statements = vec![json!({
        "Sid": "FunctoryLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [
            format!("arn:aws:logs:*:*:log-group:/aws/lambda/{}", function.name),
            format!("arn:aws:logs:*:*:log-group:/aws/lambda/{}:*", function.name),
        ]
    })];
    // What Lambda needs to poll the queues and read the streams of the function's triggers
    // (`functory_core::trigger_needs`, the one answer the analyzer and the canvas give too).
    for (sid, actions, resources) in role_statements(
        &function.name,
        &function.triggers,
        &ArnScope::with_resources(resources),
    ) {
        statements.push(json!({
            "Sid": sid,
            "Effect": "Allow",
            "Action": actions,
            "Resource": resources,
        }));
    }
    statements.extend(permission_statements(&function.permissions));
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// The manifest's permissions as IAM policy statements, one each, in order.
pub(crate) fn permission_statements(permissions: &[Permission]) -> Vec<Value> {
    permissions
        .iter()
        .map(|permission| {
            json!({
                "Effect": match permission.effect {
                    PermissionEffect::Allow => "Allow",
                    PermissionEffect::Deny => "Deny",
                },
                "Action": permission.actions,
                "Resource": permission.resources,
            })
        })
        .collect()
}

/// IAM answers policy documents URL-encoded; this reads either form.
pub(crate) fn read_policy_document(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok().or_else(|| {
        let decoded = percent_encoding::percent_decode_str(text)
            .decode_utf8()
            .ok()?;
        serde_json::from_str(&decoded).ok()
    })
}

/// What exists of a role now.
#[derive(Debug, Clone)]
pub(crate) struct ObservedRole {
    pub arn: String,
    pub policy: Option<Value>,
}

impl AwsAdapter {
    pub(crate) async fn observe_role(&self, name: &str) -> Result<Option<ObservedRole>> {
        let role = match self.iam.get_role().role_name(name).send().await {
            Ok(found) => found,
            Err(error) => {
                return match self.failure(&error, &format!("IAM GetRole `{name}`")) {
                    AdapterError::NotFound { .. } => Ok(None),
                    other => Err(other),
                };
            }
        };
        let arn = role.role().map(|r| r.arn().to_owned()).ok_or_else(|| {
            AdapterError::invalid(format!("IAM GetRole `{name}` answered without a role"))
        })?;
        let policy = self.inline_policy(name, POLICY_NAME).await?;
        Ok(Some(ObservedRole { arn, policy }))
    }

    /// Role `role`'s inline policy `policy`, decoded; nothing when it does not exist.
    pub(crate) async fn inline_policy(&self, role: &str, policy: &str) -> Result<Option<Value>> {
        match self
            .iam
            .get_role_policy()
            .role_name(role)
            .policy_name(policy)
            .send()
            .await
        {
            Ok(found) => Ok(read_policy_document(found.policy_document())),
            Err(error) => match self.failure(&error, &format!("IAM GetRolePolicy of `{role}`")) {
                AdapterError::NotFound { .. } => Ok(None),
                other => Err(other),
            },
        }
    }

    pub(crate) async fn create_role(&self, name: &str, project: &str) -> Result<String> {
        let created = self
            .iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust_policy().to_string())
            .description(format!(
                "Execution role of a Functory function (project {project})"
            ))
            .tags(
                aws_sdk_iam::types::Tag::builder()
                    .key("functory:project")
                    .value(project)
                    .build()
                    .map_err(|e| AdapterError::invalid(format!("role tag: {e}")))?,
            )
            .send()
            .await
            .map_err(|e| self.failure(&e, &format!("IAM CreateRole `{name}`")))?;
        created.role().map(|r| r.arn().to_owned()).ok_or_else(|| {
            AdapterError::invalid(format!("IAM CreateRole `{name}` answered without a role"))
        })
    }

    pub(crate) async fn put_role_policy(&self, name: &str, policy: &Value) -> Result<()> {
        self.iam
            .put_role_policy()
            .role_name(name)
            .policy_name(POLICY_NAME)
            .policy_document(policy.to_string())
            .send()
            .await
            .map_err(|e| self.failure(&e, &format!("IAM PutRolePolicy on `{name}`")))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_fit_iam() {
        assert_eq!(role_name("thumbs", "resize"), "functory-thumbs-resize");
        assert_eq!(role_name("my app", "f"), "functory-my-app-f");
        let long = role_name(&"p".repeat(40), &"f".repeat(40));
        assert_eq!(long.len(), 64);
        assert_ne!(long, role_name(&"p".repeat(40), &"g".repeat(40)));
    }

    #[test]
    fn two_targets_of_a_project_name_their_roles_apart() {
        use crate::lambda::names::naming_scope;
        let dev = role_name(&naming_scope("shop", Some("dev")), "orders");
        let prod = role_name(&naming_scope("shop", Some("prod")), "orders");
        assert_eq!(dev, "functory-shop-dev-orders");
        assert_eq!(prod, "functory-shop-prod-orders");
        assert_eq!(
            scheduler_role_name(&naming_scope("shop", Some("dev")), "orders"),
            "functory-shop-dev-orders-scheduler"
        );
        // A deploy that moves no stage keeps the project-only names.
        assert_eq!(
            role_name(&naming_scope("shop", None), "orders"),
            "functory-shop-orders"
        );
    }

    #[test]
    fn policy_documents_read_encoded_or_not() {
        let doc = json!({"Version": "2012-10-17", "Statement": []});
        let encoded: String = percent_encoding::utf8_percent_encode(
            &doc.to_string(),
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string();
        assert_eq!(read_policy_document(&encoded), Some(doc.clone()));
        assert_eq!(read_policy_document(&doc.to_string()), Some(doc));
        assert_eq!(read_policy_document("%7Bnot"), None);
    }
}
