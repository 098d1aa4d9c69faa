//! Identities that act with a function's permissions on the local AWS services: an IAM user per
//! function whose inline policy is the function's manifest permissions, and its access keys.

use aws_config::SdkConfig;
use functory_adapter::AdapterError;

use crate::errors::{CallContext, SignedInAs, sdk_failure};

/// The inline policy a function's local identity gets: its manifest permissions as on its
/// Lambda role, with each ARN's region and account widened to `*` — the local services are one
/// region of one account, and a permission written for the real account must act the same
/// there. `None` when the function has no permissions (the identity is then refused
/// everything, as a role without policies is).
pub fn local_identity_policy(function: &functory_core::Function) -> Option<serde_json::Value> {
    if function.permissions.is_empty() {
        return None;
    }
    let mut statements = crate::lambda::role::permission_statements(&function.permissions);
    for statement in &mut statements {
        if let Some(resources) = statement.get_mut("Resource").and_then(|r| r.as_array_mut()) {
            for resource in resources {
                if let Some(arn) = resource.as_str() {
                    *resource = serde_json::Value::String(any_region_and_account(arn));
                }
            }
        }
    }
    Some(serde_json::json!({ "Version": "2012-10-17", "Statement": statements }))
}

/// `arn:aws:dynamodb:eu-west-1:111122223333:table/t` → `arn:aws:dynamodb:*:*:table/t`;
/// empty fields (S3's) and anything not an ARN stay as they are.
pub(super) fn any_region_and_account(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return arn.to_owned();
    }
    let widen = |field: &str| if field.is_empty() { "" } else { "*" };
    format!(
        "arn:{}:{}:{}:{}:{}",
        parts[1],
        parts[2],
        widen(parts[3]),
        widen(parts[4]),
        parts[5]
    )
}

/// Where calls to the local services go, for failure messages.
pub(super) fn local_context(config: &SdkConfig) -> CallContext {
    CallContext {
        who: SignedInAs::LocalServices,
        region: config.region().map(|r| r.to_string()),
        endpoint: config.endpoint_url().map(str::to_owned),
    }
}

/// The policy name every local identity's permissions go under.
pub(super) const IDENTITY_POLICY: &str = "functory-permissions";

/// Makes IAM user `user` act with exactly `policy` (none: nothing allowed) and answers a fresh
/// access key for it; older keys of the user are deleted, so only the running instance's work.
/// `previous_key` is the key id this answered last time, when known: deleting it by id spares
/// listing the user's keys, which the local emulator does by scanning every key it holds (at
/// thousands of functions, most of a run's start). Unknown or gone, the keys are listed.
pub async fn ensure_identity(
    config: &SdkConfig,
    user: &str,
    policy: Option<&serde_json::Value>,
    previous_key: Option<&str>,
) -> Result<(String, String), AdapterError> {
    let context = local_context(config);
    let iam = aws_sdk_iam::Client::new(config);
    match iam.get_user().user_name(user).send().await {
        Ok(_) => {
            let deleted_previous = match previous_key {
                Some(id) => match iam
                    .delete_access_key()
                    .user_name(user)
                    .access_key_id(id)
                    .send()
                    .await
                {
                    Ok(_) => true,
                    Err(error)
                        if error
                            .as_service_error()
                            .is_some_and(|e| e.is_no_such_entity_exception()) =>
                    {
                        false
                    }
                    Err(error) => {
                        return Err(sdk_failure(
                            &error,
                            &format!("IAM DeleteAccessKey of `{user}`"),
                            &context,
                        ));
                    }
                },
                None => false,
            };
            if deleted_previous {
                set_identity_policy(config, user, policy).await?;
                return create_key(&iam, user, &context).await;
            }
            let keys = iam
                .list_access_keys()
                .user_name(user)
                .send()
                .await
                .map_err(|e| {
                    sdk_failure(&e, &format!("IAM ListAccessKeys of `{user}`"), &context)
                })?;
            for key in keys.access_key_metadata {
                if let Some(id) = key.access_key_id {
                    iam.delete_access_key()
                        .user_name(user)
                        .access_key_id(id)
                        .send()
                        .await
                        .map_err(|e| {
                            sdk_failure(&e, &format!("IAM DeleteAccessKey of `{user}`"), &context)
                        })?;
                }
            }
        }
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            iam.create_user()
                .user_name(user)
                .send()
                .await
                .map_err(|e| sdk_failure(&e, &format!("IAM CreateUser `{user}`"), &context))?;
        }
        Err(error) => {
            return Err(sdk_failure(
                &error,
                &format!("IAM GetUser `{user}`"),
                &context,
            ));
        }
    }
    set_identity_policy(config, user, policy).await?;
    create_key(&iam, user, &context).await
}

pub(super) async fn create_key(
    iam: &aws_sdk_iam::Client,
    user: &str,
    context: &CallContext,
) -> Result<(String, String), AdapterError> {
    let key = iam
        .create_access_key()
        .user_name(user)
        .send()
        .await
        .map_err(|e| sdk_failure(&e, &format!("IAM CreateAccessKey of `{user}`"), context))?
        .access_key
        .ok_or_else(|| AdapterError::invalid(format!("IAM gave no access key for `{user}`")))?;
    Ok((key.access_key_id, key.secret_access_key))
}

/// Replaces the permissions `user` acts with (none: nothing allowed), keeping its keys: a
/// running function's next call is checked against the new policy.
pub async fn set_identity_policy(
    config: &SdkConfig,
    user: &str,
    policy: Option<&serde_json::Value>,
) -> Result<(), AdapterError> {
    let context = local_context(config);
    let iam = aws_sdk_iam::Client::new(config);
    match policy {
        Some(policy) => {
            iam.put_user_policy()
                .user_name(user)
                .policy_name(IDENTITY_POLICY)
                .policy_document(policy.to_string())
                .send()
                .await
                .map_err(|e| {
                    sdk_failure(&e, &format!("IAM PutUserPolicy of `{user}`"), &context)
                })?;
        }
        None => match iam
            .delete_user_policy()
            .user_name(user)
            .policy_name(IDENTITY_POLICY)
            .send()
            .await
        {
            Ok(_) => {}
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_no_such_entity_exception()) => {}
            Err(error) => {
                return Err(sdk_failure(
                    &error,
                    &format!("IAM DeleteUserPolicy of `{user}`"),
                    &context,
                ));
            }
        },
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_policies_widen_region_and_account_only() {
        assert_eq!(
            any_region_and_account("arn:aws:dynamodb:eu-west-1:111122223333:table/orders"),
            "arn:aws:dynamodb:*:*:table/orders"
        );
        assert_eq!(
            any_region_and_account("arn:aws:s3:::uploads/*"),
            "arn:aws:s3:::uploads/*"
        );
        assert_eq!(any_region_and_account("*"), "*");
        assert_eq!(
            any_region_and_account("arn:aws:sqs:us-east-1:1:jobs:with:colons"),
            "arn:aws:sqs:*:*:jobs:with:colons"
        );
    }
}
