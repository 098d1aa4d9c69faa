//! An imported function's permissions: its role's inline and customer managed policies read
//! back as `permissions` (AWS managed ones listed as not imported).

use functory_adapter::Result;
use functory_core::{Permission, PermissionEffect};
use serde_json::Value;

use super::*;

/// The statements of a policy document as manifest permissions; what cannot be one is `Err`
/// with the reason.
pub(super) fn permissions_of(
    document: &Value,
) -> Vec<(Option<String>, std::result::Result<Permission, String>)> {
    let statements = match document.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(single @ Value::Object(_)) => vec![single.clone()],
        _ => Vec::new(),
    };
    statements
        .iter()
        .map(|s| {
            let sid = s.get("Sid").and_then(Value::as_str).map(str::to_owned);
            let unsupported: Vec<&str> = [
                "NotAction",
                "NotResource",
                "Condition",
                "Principal",
                "NotPrincipal",
            ]
            .into_iter()
            .filter(|key| s.get(*key).is_some())
            .collect();
            if !unsupported.is_empty() {
                return (
                    sid,
                    Err(format!(
                        "has {} (functory.toml permissions are Effect, Action and Resource only)",
                        unsupported.join(", ")
                    )),
                );
            }
            let actions = strings(s.get("Action"));
            if actions.is_empty() {
                return (sid, Err("has no Action".to_owned()));
            }
            let mut resources = strings(s.get("Resource"));
            if resources.is_empty() {
                resources.push("*".to_owned());
            }
            let effect = match s.get("Effect").and_then(Value::as_str) {
                Some(e) if e.eq_ignore_ascii_case("deny") => PermissionEffect::Deny,
                _ => PermissionEffect::Allow,
            };
            (
                sid,
                Ok(Permission {
                    effect,
                    actions,
                    resources,
                }),
            )
        })
        .collect()
}

impl AwsAdapter {
    /// The role's inline and customer-managed policies as permissions.
    pub(super) async fn read_role_permissions(
        &self,
        role: &str,
        imported: &mut ImportedFunction,
    ) -> Result<()> {
        let mut inline = Vec::new();
        let mut marker = None;
        loop {
            let page = self
                .iam
                .list_role_policies()
                .role_name(role)
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| self.failure(&e, &format!("IAM ListRolePolicies of `{role}`")))?;
            inline.extend(page.policy_names().iter().cloned());
            marker = page
                .marker()
                .map(str::to_owned)
                .filter(|_| page.is_truncated());
            if marker.is_none() {
                break;
            }
        }
        let mut documents: Vec<(String, Option<Value>)> = Vec::new();
        for policy in inline {
            let got = self
                .iam
                .get_role_policy()
                .role_name(role)
                .policy_name(&policy)
                .send()
                .await
                .map_err(|e| {
                    self.failure(&e, &format!("IAM GetRolePolicy `{policy}` of `{role}`"))
                })?;
            documents.push((
                format!("inline policy {policy}"),
                read_policy_document(got.policy_document()),
            ));
        }
        let mut attached = Vec::new();
        let mut marker = None;
        loop {
            let page = self
                .iam
                .list_attached_role_policies()
                .role_name(role)
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| {
                    self.failure(&e, &format!("IAM ListAttachedRolePolicies of `{role}`"))
                })?;
            attached.extend(
                page.attached_policies().iter().filter_map(|p| {
                    Some((p.policy_name()?.to_owned(), p.policy_arn()?.to_owned()))
                }),
            );
            marker = page
                .marker()
                .map(str::to_owned)
                .filter(|_| page.is_truncated());
            if marker.is_none() {
                break;
            }
        }
        for (policy, arn) in attached {
            if arn.split(':').nth(4) == Some("aws") {
                imported.note(
                    format!("policy {policy}"),
                    format!("{arn} is managed by AWS; grant what the function needs from it as permissions, or keep attaching it outside Functory"),
                    false,
                );
                continue;
            }
            let got = self
                .iam
                .get_policy()
                .policy_arn(&arn)
                .send()
                .await
                .map_err(|e| self.failure(&e, &format!("IAM GetPolicy {arn}")))?;
            let version = got
                .policy()
                .and_then(|p| p.default_version_id())
                .unwrap_or("v1")
                .to_owned();
            let document = self
                .iam
                .get_policy_version()
                .policy_arn(&arn)
                .version_id(&version)
                .send()
                .await
                .map_err(|e| self.failure(&e, &format!("IAM GetPolicyVersion {arn} {version}")))?;
            documents.push((
                format!("managed policy {policy}"),
                document
                    .policy_version()
                    .and_then(|v| v.document())
                    .and_then(read_policy_document),
            ));
        }
        for (source, document) in documents {
            let Some(document) = document else {
                imported.note(source, "the document does not parse as JSON", false);
                continue;
            };
            for (i, (sid, permission)) in permissions_of(&document).into_iter().enumerate() {
                let subject = match &sid {
                    Some(sid) => format!("{source} statement {sid}"),
                    None => format!("{source} statement {}", i + 1),
                };
                // Functory writes these itself from the triggers (logging, queue and stream
                // polling): importing them would grant them twice.
                if sid.as_deref().is_some_and(|s| s.starts_with("Functory")) {
                    imported.note(
                        subject,
                        "Functory's own statement, written again on deploy",
                        false,
                    );
                    continue;
                }
                match permission {
                    Ok(permission) => {
                        imported.note(
                            subject,
                            format!("permission {}", permission.actions.join(", ")),
                            true,
                        );
                        imported.permissions.push(permission);
                    }
                    Err(why) => imported.note(subject, why, false),
                }
            }
        }
        Ok(())
    }
}
