//! What a call needs besides its own action: the IAM reference's dependent actions, actions
//! its parameters bring in (an ACL, tags, a KMS key, a role passed to the service), and the
//! resources a service reads or writes with the caller's permissions (Textract and Rekognition
//! reading an S3 object, Transcribe writing its transcript). Each comes with a line of why.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::mapping::{Mapped, mapping, resources_for};
use crate::model::{Dependency, ResourceGuess};
use crate::sdk_catalogue::SdkCatalogue;
use crate::value::Resolved;

/// A rule of `data/mapping.toml`'s `[[dependent]]` list.
#[derive(Debug, Deserialize)]
pub struct DependentRule {
    /// The SDK service (boto3 name).
    pub service: String,
    /// Operations (or SDK helpers such as `UploadFile`) it applies to; empty: all of them.
    #[serde(default)]
    pub operations: Vec<String>,
    /// Request parameters (dotted paths); the rule applies when the call passes one. Empty:
    /// always.
    #[serde(default)]
    pub when: Vec<String>,
    /// The value the parameter must have, when that matters (`aws:kms`).
    pub equals: Option<String>,
    pub actions: Vec<String>,
    /// What the added actions are on: `call` (the call's own resource), `s3` (the S3 location
    /// the request names), `param` (the matched parameter's value, a key or ARN) or `*`.
    pub resource: String,
    pub why: String,
}

/// The dependencies of one understood call.
pub fn dependencies_of(
    service: &str,
    mapped: &Mapped,
    params: &BTreeMap<String, Resolved>,
) -> Vec<Dependency> {
    let mut out: Vec<Dependency> = Vec::new();
    let mut add = |dependency: Dependency| {
        let own = mapped.actions.contains(&dependency.action);
        let again = out
            .iter()
            .any(|d| d.action == dependency.action && d.resource == dependency.resource);
        if !own && !again {
            out.push(dependency);
        }
    };
    for rule in &mapping().dependent {
        if rule.service != service
            || !(rule.operations.is_empty() || rule.operations.contains(&mapped.operation))
        {
            continue;
        }
        let matched = if rule.when.is_empty() {
            Some(None)
        } else {
            rule.when
                .iter()
                .find_map(|path| {
                    let value = params.get(path)?;
                    match (&rule.equals, value) {
                        (None, _) => Some(value),
                        (Some(wanted), Resolved::Known { value: v, .. }) if v == wanted => {
                            Some(value)
                        }
                        // A value known only at run time may be the one that matters.
                        (Some(_), Resolved::Unknown { .. } | Resolved::Prefix { .. }) => {
                            Some(value)
                        }
                        _ => None,
                    }
                })
                .map(Some)
        };
        let Some(matched) = matched else { continue };
        let why = match (&rule.equals, matched) {
            (Some(wanted), Some(Resolved::Unknown { .. } | Resolved::Prefix { .. })) => format!(
                "{} (the value is known only at run time: needed when it is `{wanted}`)",
                rule.why
            ),
            _ => rule.why.clone(),
        };
        for action in &rule.actions {
            let resource = match rule.resource.as_str() {
                "call" => resources_for(&mapped.prefix, action, params),
                "s3" => s3_location(params, rule.when.iter().find(|p| params.contains_key(*p))),
                "param" => matched.map_or_else(any_resource, |v| named_resource(action, v)),
                _ => any_resource(),
            };
            add(Dependency {
                action: action.clone(),
                resource,
                why: why.clone(),
            });
        }
    }
    // The IAM reference's dependent actions. iam:PassRole is needed only for a role the call
    // passes, which the rule below finds in the request.
    for action in &mapped.actions {
        for dependent in SdkCatalogue::get().dependents(action) {
            if dependent == "iam:PassRole" || !applies(dependent, &mapped.prefix, params) {
                continue;
            }
            let resource = if dependent.starts_with("s3:") && !mapped.prefix.eq("s3") {
                s3_location(params, None)
            } else {
                resources_for(&mapped.prefix, dependent, params)
            };
            add(Dependency {
                action: dependent.clone(),
                resource,
                why: format!(
                    "the IAM reference lists {dependent} as a dependent action of {action}"
                ),
            });
        }
    }
    // Handing a role to a service (`RoleArn`, `DataAccessRoleArn`, Lambda's `Role`) needs
    // iam:PassRole on it. STS and IAM take role ARNs to act on them, not to pass them.
    if service != "sts" && service != "iam" {
        for (path, value) in params {
            let last = path.rsplit('.').next().unwrap_or(path).to_ascii_lowercase();
            let is_role = last.ends_with("rolearn") || (last == "role" && looks_like_role(value));
            if is_role {
                add(Dependency {
                    action: "iam:PassRole".to_owned(),
                    resource: named_resource("iam:PassRole", value),
                    why: format!("the request passes the role `{path}` to {}", mapped.prefix),
                });
            }
        }
    }
    out
}

/// Whether a dependent action of the IAM reference applies to this request. The reference
/// lists what a call may need; a request needs a tagging action only when it passes tags, and
/// an action on another service only when it involves that service's resources: a parameter
/// named after the service (`Document.S3Object`, `KmsKeyId`) or a value that is one of its
/// ARNs, URIs or references (`arn:aws:ssm:…`, `s3://…`, `resolve:ssm:…`).
fn applies(dependent: &str, prefix: &str, params: &BTreeMap<String, Resolved>) -> bool {
    let (service, name) = dependent.split_once(':').unwrap_or((dependent, ""));
    if name.contains("Tag")
        && !params
            .keys()
            .any(|k| k.to_ascii_lowercase().contains("tag"))
    {
        return false;
    }
    if service == prefix {
        return true;
    }
    let service = service.to_ascii_lowercase();
    params.iter().any(|(key, value)| {
        key.to_ascii_lowercase().contains(&service)
            || match value {
                Resolved::Known { value, .. } | Resolved::Prefix { prefix: value, .. } => {
                    value.starts_with(&format!("arn:aws:{service}:"))
                        || value.starts_with(&format!("{service}://"))
                        || value.starts_with(&format!("resolve:{service}:"))
                }
                Resolved::Unknown { .. } => false,
            }
    })
}

fn looks_like_role(value: &Resolved) -> bool {
    match value {
        Resolved::Known { value, .. } | Resolved::Prefix { prefix: value, .. } => {
            value.starts_with("arn:") && value.contains(":role/")
        }
        Resolved::Unknown { .. } => true,
    }
}

fn any_resource() -> ResourceGuess {
    ResourceGuess {
        arn: "*".to_owned(),
        reason: "the resource is known only at run time".to_owned(),
    }
}

/// The resource a parameter's value names: an ARN as given, a KMS key id as its key ARN.
fn named_resource(action: &str, value: &Resolved) -> ResourceGuess {
    match value {
        Resolved::Known { value, how } if value.starts_with("arn:") => ResourceGuess {
            arn: value.clone(),
            reason: how.clone(),
        },
        Resolved::Prefix { prefix, how } if prefix.starts_with("arn:") => ResourceGuess {
            arn: format!("{prefix}*"),
            reason: format!("{how}, completed at run time"),
        },
        Resolved::Known { value, how }
            if action.starts_with("kms:") && !value.starts_with("alias/") =>
        {
            ResourceGuess {
                arn: format!("arn:aws:kms:*:*:key/{value}"),
                reason: how.clone(),
            }
        }
        Resolved::Known { value, .. } => ResourceGuess {
            arn: "*".to_owned(),
            reason: format!("`{value}` is not an ARN; grant on what it names"),
        },
        Resolved::Prefix { how, .. } => ResourceGuess {
            arn: "*".to_owned(),
            reason: format!("only partly known ({how})"),
        },
        Resolved::Unknown { why } => ResourceGuess {
            arn: "*".to_owned(),
            reason: why.clone(),
        },
    }
}

/// Parameter names that hold a bucket, and those that hold an object key beside it.
const BUCKET_KEYS: &[&str] = &[
    "Bucket",
    "S3Bucket",
    "BucketName",
    "OutputBucketName",
    "OutputS3BucketName",
];
const OBJECT_KEYS: &[&str] = &[
    "Name",
    "Key",
    "S3Key",
    "ObjectKey",
    "OutputKey",
    "OutputS3KeyPrefix",
];

/// The S3 objects a request names for the service to read or write: a bucket parameter with
/// its key beside it (`Document.S3Object.Bucket` + `.Name`), or an `s3://bucket/key` URI.
/// `matched` is the parameter a rule matched, looked at first; without one, the request's
/// input is wanted, so output locations (`OutputBucketName`, `OutputConfig.S3Bucket`) are
/// skipped.
fn s3_location(params: &BTreeMap<String, Resolved>, matched: Option<&String>) -> ResourceGuess {
    let is_output = |path: &str| path.split('.').any(|s| s.starts_with("Output"));
    let candidates = matched
        .and_then(|path| params.get_key_value(path))
        .into_iter()
        .chain(
            params
                .iter()
                .filter(|(path, _)| matched.is_none() && !is_output(path)),
        );
    for (path, value) in candidates {
        let (parent, last) = match path.rsplit_once('.') {
            Some((parent, last)) => (format!("{parent}."), last),
            None => (String::new(), path.as_str()),
        };
        if BUCKET_KEYS.contains(&last) {
            let key = OBJECT_KEYS
                .iter()
                .find_map(|k| params.get(&format!("{parent}{k}")));
            if let Some(guess) = object_arn(value, key) {
                return guess;
            }
        }
        if let Resolved::Known { value: uri, how } | Resolved::Prefix { prefix: uri, how } = value
            && let Some(rest) = uri.strip_prefix("s3://")
        {
            let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
            if !bucket.is_empty() {
                let partial = matches!(value, Resolved::Prefix { .. });
                let key = if partial || key.is_empty() {
                    format!("{key}*")
                } else {
                    key.to_owned()
                };
                return ResourceGuess {
                    arn: format!("arn:aws:s3:::{bucket}/{key}"),
                    reason: format!("`{path}` ({how})"),
                };
            }
        }
    }
    ResourceGuess {
        arn: "*".to_owned(),
        reason: "the S3 object the request names is known only at run time".to_owned(),
    }
}

fn object_arn(bucket: &Resolved, key: Option<&Resolved>) -> Option<ResourceGuess> {
    let Resolved::Known { value: bucket, how } = bucket else {
        return None;
    };
    let key = match key {
        Some(Resolved::Known { value, .. }) => value.clone(),
        Some(Resolved::Prefix { prefix, .. }) => format!("{prefix}*"),
        _ => "*".to_owned(),
    };
    Some(ResourceGuess {
        arn: format!("arn:aws:s3:::{bucket}/{key}"),
        reason: how.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::actions_for;
    use functory_lint::Catalogue;

    fn known(value: &str) -> Resolved {
        Resolved::literal(value)
    }

    fn needs(service: &str, operation: &str, params: &[(&str, Resolved)]) -> Vec<String> {
        let params: BTreeMap<String, Resolved> = params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let mapped = actions_for(service, operation).unwrap();
        dependencies_of(service, &mapped, &params)
            .into_iter()
            .map(|d| format!("{} on {}", d.action, d.resource.arn))
            .collect()
    }

    #[test]
    fn every_rule_names_real_actions_and_services() {
        for rule in &mapping().dependent {
            assert!(
                SdkCatalogue::get().service(&rule.service).is_some(),
                "{} is not an SDK service",
                rule.service
            );
            for action in &rule.actions {
                assert!(Catalogue::get().action(action).is_some(), "{action}");
            }
            assert!(["call", "s3", "param", "*"].contains(&rule.resource.as_str()));
        }
    }

    #[test]
    fn parameters_bring_in_actions_only_when_passed() {
        let plain = [("Bucket", known("media")), ("Key", known("a.png"))];
        assert!(needs("s3", "PutObject", &plain).is_empty());
        let with_acl = [
            ("Bucket", known("media")),
            ("Key", known("a.png")),
            ("ACL", known("public-read")),
        ];
        assert_eq!(
            needs("s3", "PutObject", &with_acl),
            ["s3:PutObjectAcl on arn:aws:s3:::media/a.png"]
        );
        let kms = [
            ("Bucket", known("media")),
            ("ExtraArgs.SSEKMSKeyId", known("1234abcd-12ab")),
        ];
        assert_eq!(
            needs("s3", "UploadFile", &kms),
            [
                "kms:GenerateDataKey on arn:aws:kms:*:*:key/1234abcd-12ab",
                "kms:Decrypt on arn:aws:kms:*:*:key/1234abcd-12ab"
            ]
        );
        let aes = [("ServerSideEncryption", known("AES256"))];
        assert!(needs("s3", "PutObject", &aes).is_empty());
    }

    #[test]
    fn services_reading_s3_for_the_caller_need_the_object() {
        let textract = [
            ("Document.S3Object.Bucket", known("scans")),
            ("Document.S3Object.Name", known("in/a.pdf")),
        ];
        assert_eq!(
            needs("textract", "AnalyzeDocument", &textract),
            ["s3:GetObject on arn:aws:s3:::scans/in/a.pdf"]
        );
        let transcribe = [
            ("Media.MediaFileUri", known("s3://audio/talk.mp3")),
            ("OutputBucketName", known("transcripts")),
        ];
        assert_eq!(
            needs("transcribe", "StartTranscriptionJob", &transcribe),
            [
                "s3:PutObject on arn:aws:s3:::transcripts/*",
                "s3:GetObject on arn:aws:s3:::audio/talk.mp3"
            ]
        );
    }

    #[test]
    fn reference_dependents_apply_only_to_requests_that_involve_them() {
        // Textract reads S3 only when the document is in S3, not when its bytes are sent.
        assert!(
            needs(
                "textract",
                "DetectDocumentText",
                &[("Document.Bytes", Resolved::unknown("run time"))]
            )
            .is_empty()
        );
        // A key pair imported without tags needs no tagging action.
        assert!(needs("ec2", "ImportKeyPair", &[("KeyName", known("k"))]).is_empty());
    }

    #[test]
    fn a_role_handed_to_a_service_needs_pass_role() {
        let role = "arn:aws:iam::123456789012:role/comprehend-data";
        assert_eq!(
            needs(
                "comprehend",
                "StartSentimentDetectionJob",
                &[("DataAccessRoleArn", known(role))]
            ),
            [format!("iam:PassRole on {role}")]
        );
        assert!(
            needs(
                "sts",
                "AssumeRole",
                &[("RoleArn", known(role)), ("RoleSessionName", known("x"))]
            )
            .is_empty()
        );
    }
}
