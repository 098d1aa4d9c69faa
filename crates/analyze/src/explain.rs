//! "Explain AccessDenied": reads the error text of AWS, Azure and Google refusals, finds the
//! call in the code and the statement in the manifest, and proposes the exact change.

use functory_core::{Function, Permission, PermissionEffect};
use serde::Serialize;
use ts_rs::TS;

use crate::model::{Analysis, Location, SdkCall};
use functory_core::iam::{action_matches, resource_covers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Cloud {
    Aws,
    Azure,
    Gcp,
}

/// What a refusal says: who was refused which action on which resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccessDenied {
    pub cloud: Cloud,
    /// `s3:GetObject`, `Microsoft.Storage/storageAccounts/read`, `storage.objects.get`; `None`
    /// when the message does not name it (S3's bare "Access Denied").
    pub action: Option<String>,
    /// An ARN, an Azure scope or a Google resource name, when the message names it.
    pub resource: Option<String>,
    /// The identity refused (a role session ARN, a client id, a service account).
    pub principal: Option<String>,
    /// An explicit Deny refused it, rather than a missing Allow.
    pub explicit_deny: bool,
    /// The line of the text the refusal was read from.
    pub message: String,
}

/// Where a needle starts in a haystack, ignoring ASCII case.
fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .to_ascii_lowercase()
        .find(&needle.to_ascii_lowercase())
}

/// The token after `marker`: up to whitespace or a quote, without trailing punctuation.
fn token_after(text: &str, marker: &str) -> Option<String> {
    let at = find_ci(text, marker)? + marker.len();
    let rest = text.get(at..)?.trim_start();
    let rest = rest.trim_start_matches(['\'', '"', '`']);
    let token: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, '\'' | '"' | '`' | '<'))
        .collect();
    let token = token.trim_end_matches(['.', ',', ';', ')']).to_owned();
    (!token.is_empty()).then_some(token)
}

/// Reads the first refusal in `text` (an error message, a log line, an invoke result).
pub fn parse_access_denied(text: &str) -> Option<AccessDenied> {
    for line in text.lines() {
        if let Some(found) = parse_line(line) {
            return Some(found);
        }
    }
    // S3's XML answer spreads over lines: `<Code>AccessDenied</Code>`.
    if text.contains("<Code>AccessDenied</Code>") {
        return Some(AccessDenied {
            cloud: Cloud::Aws,
            action: None,
            resource: None,
            principal: None,
            explicit_deny: false,
            message: "Access Denied (S3 does not say which action)".to_owned(),
        });
    }
    None
}

fn parse_line(line: &str) -> Option<AccessDenied> {
    let message = line.trim().chars().take(2000).collect::<String>();
    // AWS: "User: arn:… is not authorized to perform: s3:GetObject on resource: arn:… because …"
    if find_ci(line, "is not authorized to perform:").is_some() {
        return Some(AccessDenied {
            cloud: Cloud::Aws,
            action: token_after(line, "is not authorized to perform:"),
            resource: token_after(line, "on resource:"),
            principal: token_after(line, "User:"),
            explicit_deny: find_ci(line, "explicit deny").is_some(),
            message,
        });
    }
    // Azure: "… does not have authorization to perform action 'X' over scope 'Y' …"
    if find_ci(line, "does not have authorization to perform action").is_some() {
        return Some(AccessDenied {
            cloud: Cloud::Azure,
            action: token_after(line, "to perform action"),
            resource: token_after(line, "over scope"),
            principal: token_after(line, "The client").or_else(|| token_after(line, "object id")),
            explicit_deny: find_ci(line, "deny assignment").is_some(),
            message,
        });
    }
    // Google: "Permission 'storage.objects.get' denied on resource …" and
    // "sa@p.iam.gserviceaccount.com does not have storage.objects.get access to …".
    if find_ci(line, "Permission '").is_some() && find_ci(line, "denied").is_some() {
        let resource = token_after(line, "denied on resource")
            .filter(|r| !r.starts_with('('))
            .or_else(|| token_after(line, "access to the"));
        return Some(AccessDenied {
            cloud: Cloud::Gcp,
            action: token_after(line, "Permission"),
            resource,
            principal: line
                .split_whitespace()
                .find(|w| w.contains(".iam.gserviceaccount.com") || w.contains('@'))
                .map(|w| w.trim_matches(['\'', '"', '.', ',']).to_owned()),
            explicit_deny: false,
            message,
        });
    }
    if find_ci(line, "PERMISSION_DENIED").is_some() && find_ci(line, "does not have").is_some() {
        return Some(AccessDenied {
            cloud: Cloud::Gcp,
            action: token_after(line, "does not have"),
            resource: token_after(line, "access to"),
            principal: None,
            explicit_deny: false,
            message,
        });
    }
    if find_ci(line, "AuthorizationFailed").is_some()
        || find_ci(line, "AuthorizationPermissionMismatch").is_some()
    {
        return Some(AccessDenied {
            cloud: Cloud::Azure,
            action: None,
            resource: None,
            principal: None,
            explicit_deny: false,
            message,
        });
    }
    if line.contains("AccessDenied") || find_ci(line, "access denied").is_some() {
        return Some(AccessDenied {
            cloud: Cloud::Aws,
            action: None,
            resource: None,
            principal: None,
            explicit_deny: false,
            message,
        });
    }
    None
}

/// The refusal, the calls that make it, the statement involved, and the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Explanation {
    pub denied: AccessDenied,
    /// Calls in the code that need the refused action.
    pub calls: Vec<SdkCall>,
    /// The statement of `permissions` the change is about, when one exists.
    pub statement: Option<u32>,
    pub statement_location: Option<Location>,
    /// What to change, in one sentence.
    pub summary: String,
    /// The function's permissions after the change; `None` when no exact change can be proposed.
    pub proposed: Option<Vec<Permission>>,
}

/// Explains `denied` for `function`, using its analysis to find the calls.
pub fn explain_access_denied(
    denied: AccessDenied,
    function: &Function,
    analysis: &Analysis,
    statement_locations: &[Vec<Option<Location>>],
) -> Explanation {
    let Some(action) = denied.action.clone() else {
        let calls: Vec<SdkCall> = match denied.cloud {
            Cloud::Aws => analysis
                .calls
                .iter()
                .filter(|c| c.service == "s3" || denied.message.contains(&c.service))
                .cloned()
                .collect(),
            _ => Vec::new(),
        };
        return Explanation {
            summary: "the refusal does not name the action; compare the calls below with the function's permissions (`functory analyze` lists what is missing)".to_owned(),
            denied,
            calls,
            statement: None,
            statement_location: None,
            proposed: None,
        };
    };
    let calls: Vec<SdkCall> = analysis
        .calls
        .iter()
        .filter(|c| c.actions.iter().any(|a| a.eq_ignore_ascii_case(&action)))
        .cloned()
        .collect();
    // The resource to grant: what the code needs when it covers the refused resource (so one
    // change fixes every key of a bucket), else exactly the refused resource.
    let refused = denied.resource.clone();
    let from_code = calls.iter().find_map(|c| {
        c.actions
            .iter()
            .zip(&c.resources)
            .find(|(a, r)| {
                a.eq_ignore_ascii_case(&action)
                    && r.arn != "*"
                    && refused
                        .as_deref()
                        .is_none_or(|refused| resource_covers(&r.arn, refused))
            })
            .map(|(_, r)| r.arn.clone())
    });
    let resource = from_code.or(refused).unwrap_or_else(|| "*".to_owned());
    let permissions = &function.permissions;
    let location_of = |i: usize| {
        statement_locations
            .get(i)
            .and_then(|s| s.first())
            .cloned()
            .flatten()
    };
    let matches_action = |p: &Permission| p.actions.iter().any(|a| action_matches(a, &action));

    if let Some(i) = permissions
        .iter()
        .position(|p| p.effect == PermissionEffect::Deny && matches_action(p))
    {
        return Explanation {
            summary: format!(
                "statement {} of functions.{}.permissions denies {action}; narrow or remove that Deny (an Allow cannot override it)",
                i + 1,
                function.name
            ),
            denied,
            calls,
            statement: u32::try_from(i).ok(),
            statement_location: location_of(i),
            proposed: None,
        };
    }
    if denied.explicit_deny {
        return Explanation {
            summary: format!(
                "an explicit Deny outside functory.toml (a permissions boundary, an SCP or a resource policy) refuses {action}; functory.toml cannot override it"
            ),
            denied,
            calls,
            statement: None,
            statement_location: None,
            proposed: None,
        };
    }
    let mut proposed = permissions.clone();
    let (summary, statement) = if let Some(i) = permissions
        .iter()
        .position(|p| p.effect == PermissionEffect::Allow && matches_action(p))
    {
        // Granted, but on other resources: add the resource to that statement.
        if let Some(p) = proposed.get_mut(i) {
            p.resources.push(resource.clone());
        }
        (
            format!(
                "statement {} grants {action} but not on {resource}: add {resource} to its resources",
                i + 1
            ),
            Some(i),
        )
    } else if let Some(i) = permissions
        .iter()
        .position(|p| p.effect == PermissionEffect::Allow && p.resources == [resource.clone()])
    {
        if let Some(p) = proposed.get_mut(i) {
            p.actions.push(action.clone());
        }
        (
            format!(
                "add {action} to statement {}, which already covers {resource}",
                i + 1
            ),
            Some(i),
        )
    } else {
        proposed.push(Permission {
            effect: PermissionEffect::Allow,
            actions: vec![action.clone()],
            resources: vec![resource.clone()],
        });
        (
            format!("grant {action} on {resource} in a new statement"),
            None,
        )
    };
    Explanation {
        summary,
        denied,
        calls,
        statement: statement.and_then(|i| u32::try_from(i).ok()),
        statement_location: statement.and_then(location_of),
        proposed: Some(proposed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_identity_policy_message() {
        let d = parse_access_denied("AccessDenied: User: arn:aws:sts::123456789012:assumed-role/thumbs-role/thumbs is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::uploads/cat.jpg\" because no identity-based policy allows the s3:GetObject action").unwrap();
        assert_eq!(d.cloud, Cloud::Aws);
        assert_eq!(d.action.as_deref(), Some("s3:GetObject"));
        assert_eq!(d.resource.as_deref(), Some("arn:aws:s3:::uploads/cat.jpg"));
        assert_eq!(
            d.principal.as_deref(),
            Some("arn:aws:sts::123456789012:assumed-role/thumbs-role/thumbs")
        );
        assert!(!d.explicit_deny);
    }

    #[test]
    fn aws_json_and_explicit_deny() {
        let d = parse_access_denied(r#"{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User: arn:aws:sts::1:assumed-role/r/f is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:1:table/orders with an explicit deny in an identity-based policy"}"#).unwrap();
        assert_eq!(d.action.as_deref(), Some("dynamodb:PutItem"));
        assert_eq!(
            d.resource.as_deref(),
            Some("arn:aws:dynamodb:us-east-1:1:table/orders")
        );
        assert!(d.explicit_deny);
    }

    #[test]
    fn s3_xml() {
        let d = parse_access_denied("<?xml version=\"1.0\"?>\n<Error>\n<Code>AccessDenied</Code>\n<Message>Access Denied</Message></Error>").unwrap();
        assert_eq!(d.action, None);
    }

    #[test]
    fn azure_authorization_failed() {
        let d = parse_access_denied(r#"{"error":{"code":"AuthorizationFailed","message":"The client '1b2c' with object id '1b2c' does not have authorization to perform action 'Microsoft.Storage/storageAccounts/listKeys/action' over scope '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct' or the scope is invalid."}}"#).unwrap();
        assert_eq!(d.cloud, Cloud::Azure);
        assert_eq!(
            d.action.as_deref(),
            Some("Microsoft.Storage/storageAccounts/listKeys/action")
        );
        assert_eq!(
            d.resource.as_deref(),
            Some(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct"
            )
        );
    }

    #[test]
    fn google_permission_denied() {
        let d = parse_access_denied(r#"{"error":{"code":403,"message":"Permission 'secretmanager.versions.access' denied on resource 'projects/p/secrets/db/versions/latest' (or it may not exist).","status":"PERMISSION_DENIED"}}"#).unwrap();
        assert_eq!(d.cloud, Cloud::Gcp);
        assert_eq!(d.action.as_deref(), Some("secretmanager.versions.access"));
        assert_eq!(
            d.resource.as_deref(),
            Some("projects/p/secrets/db/versions/latest")
        );
        let d = parse_access_denied("sa@p.iam.gserviceaccount.com does not have storage.objects.get access to the Google Cloud Storage object. Permission 'storage.objects.get' denied on resource (or it may not exist).").unwrap();
        assert_eq!(d.action.as_deref(), Some("storage.objects.get"));
        assert_eq!(d.principal.as_deref(), Some("sa@p.iam.gserviceaccount.com"));
    }

    #[test]
    fn other_text_is_not_a_refusal() {
        assert_eq!(parse_access_denied("all good\nINFO done"), None);
        assert_eq!(parse_access_denied(""), None);
    }
}
