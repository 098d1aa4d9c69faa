//! The SDK-to-IAM mapping (`data/mapping.toml`) and the rules around it: operation names,
//! actions, and ARNs from resource names.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use functory_lint::Catalogue;
use serde::Deserialize;

use crate::model::ResourceGuess;
use crate::value::Resolved;

const MAPPING_TOML: &str = include_str!("../data/mapping.toml");

#[derive(Debug, Deserialize)]
pub struct ServiceConfig {
    pub prefix: String,
    pub js_v3: String,
    pub js_v2: String,
    pub boto3: String,
    pub param: Vec<String>,
    pub arn: String,
}

#[derive(Debug, Deserialize)]
pub struct OperationConfig {
    pub actions: Vec<String>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Mapping {
    pub services: BTreeMap<String, ServiceConfig>,
    #[serde(default)]
    pub operations: BTreeMap<String, BTreeMap<String, OperationConfig>>,
    #[serde(default)]
    pub document_client: BTreeMap<String, String>,
    /// service → resource kind (`Bucket`) → method (`objects.all`) → operation.
    #[serde(default)]
    pub resources: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
    /// service → waiter (`ObjectExists`) → the operation it polls.
    #[serde(default)]
    pub waiters: BTreeMap<String, BTreeMap<String, String>>,
}

/// The mapping, parsed once. An unparsable mapping is a bug a unit test catches; at run time
/// it leaves the analyzer with no services rather than panicking.
pub fn mapping() -> &'static Mapping {
    static MAPPING: OnceLock<Mapping> = OnceLock::new();
    MAPPING.get_or_init(|| {
        parse_mapping().unwrap_or_else(|_| Mapping {
            services: BTreeMap::new(),
            operations: BTreeMap::new(),
            document_client: BTreeMap::new(),
            resources: BTreeMap::new(),
            waiters: BTreeMap::new(),
        })
    })
}

pub fn parse_mapping() -> Result<Mapping, String> {
    toml::from_str(MAPPING_TOML).map_err(|e| format!("data/mapping.toml: {e}"))
}

impl Mapping {
    pub fn service(&self, prefix: &str) -> Option<&ServiceConfig> {
        self.services.values().find(|s| s.prefix == prefix)
    }

    /// `client-s3` → `s3`. Packages not in the mapping become the package name without dashes
    /// (`client-rekognition` → `rekognition`), checked against the catalogue later.
    pub fn prefix_of_js_v3(&self, package: &str) -> Option<String> {
        if let Some(s) = self.services.values().find(|s| s.js_v3 == package) {
            return Some(s.prefix.clone());
        }
        let name = package.strip_prefix("client-")?;
        Some(name.replace('-', ""))
    }

    pub fn prefix_of_js_v2(&self, class: &str) -> Option<String> {
        if let Some(s) = self.services.values().find(|s| s.js_v2 == class) {
            return Some(s.prefix.clone());
        }
        let lower = class.to_ascii_lowercase();
        Catalogue::get().service(&lower).map(|s| s.prefix.clone())
    }

    pub fn prefix_of_boto3(&self, name: &str) -> Option<String> {
        if let Some(s) = self.services.values().find(|s| s.boto3 == name) {
            return Some(s.prefix.clone());
        }
        Catalogue::get().service(name).map(|s| s.prefix.clone())
    }

    pub fn waiter_operation(&self, prefix: &str, waiter: &str) -> Option<&str> {
        self.waiters.get(prefix)?.get(waiter).map(String::as_str)
    }

    pub fn resource_operation(&self, prefix: &str, kind: &str, method: &str) -> Option<&str> {
        self.resources
            .get(prefix)?
            .get(kind)?
            .get(method)
            .map(String::as_str)
    }
}

/// `listObjectsV2`, `ListObjectsV2Command`'s stem or `list_objects_v2` → `ListObjectsV2`.
pub fn pascal_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if c == '_' || c == '-' {
            upper = true;
            continue;
        }
        if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The actions an operation needs, or why there are none.
#[derive(Debug)]
pub struct Mapped {
    pub actions: Vec<String>,
    pub note: Option<String>,
}

pub fn actions_for(prefix: &str, operation: &str) -> Result<Mapped, String> {
    let mapping = mapping();
    if let Some(config) = mapping
        .operations
        .get(prefix)
        .and_then(|ops| ops.get(operation))
    {
        return Ok(Mapped {
            actions: config.actions.clone(),
            note: config.note.clone(),
        });
    }
    let catalogue = Catalogue::get();
    let Some(service) = catalogue.service(prefix) else {
        return Err(format!("`{prefix}` is not a service in the IAM catalogue"));
    };
    match service.action(operation) {
        Some(action) => Ok(Mapped {
            actions: vec![format!("{}:{}", service.prefix, action.name)],
            note: None,
        }),
        None => Err(format!(
            "{prefix}:{operation} is not an IAM action and the mapping has no entry for {operation}"
        )),
    }
}

/// The resources `action` needs for a call whose parameters resolved to `params`.
pub fn resources_for(
    prefix: &str,
    action: &str,
    params: &BTreeMap<String, Resolved>,
) -> ResourceGuess {
    let any = |reason: String| ResourceGuess {
        arn: "*".to_owned(),
        reason,
    };
    let catalogue = Catalogue::get();
    let (action_prefix, _) = action.split_once(':').unwrap_or((prefix, action));
    let Some((service, entry)) = catalogue.action(action) else {
        return any(format!("{action} is not in the IAM catalogue"));
    };
    let kinds: Vec<&str> = service
        .resource_types_of(entry)
        .map(|r| r.name.as_str())
        .collect();
    if kinds.is_empty() {
        return any(format!(
            "{action} does not support resource-level permissions"
        ));
    }
    let Some(config) = mapping().service(action_prefix) else {
        return any(format!(
            "Functory does not infer {action_prefix} resources yet"
        ));
    };
    let Some((param, value)) = config
        .param
        .iter()
        .find_map(|p| params.get(p).map(|v| (p.as_str(), v)))
    else {
        return any(if config.param.is_empty() {
            format!("Functory does not infer {action_prefix} resources yet")
        } else {
            format!("the call does not pass `{}`", config.param.join("` or `"))
        });
    };
    let (name, how, partial) = match value {
        Resolved::Known { value, how } => (value.clone(), how.clone(), false),
        Resolved::Prefix { prefix, how } => (prefix.clone(), how.clone(), true),
        Resolved::Unknown { why } => return any(format!("`{param}` {why}")),
    };
    let star = if partial { "*" } else { "" };
    // S3: the catalogue says whether the action is on objects or on buckets.
    if action_prefix == "s3" {
        let bucket = name.strip_prefix("arn:aws:s3:::").unwrap_or(&name);
        if partial {
            return any(format!("`{param}` is only partly known ({how})"));
        }
        if kinds.contains(&"object") {
            let key = match params.get("Key") {
                Some(Resolved::Known { value, .. }) => value.clone(),
                Some(Resolved::Prefix { prefix, .. }) => format!("{prefix}*"),
                _ => "*".to_owned(),
            };
            return ResourceGuess {
                arn: format!("arn:aws:s3:::{bucket}/{key}"),
                reason: how,
            };
        }
        return ResourceGuess {
            arn: format!("arn:aws:s3:::{bucket}"),
            reason: how,
        };
    }
    if name.starts_with("arn:") {
        // Secret ARNs given in full already carry their random suffix.
        return ResourceGuess {
            arn: format!("{name}{star}"),
            reason: how,
        };
    }
    let name = match action_prefix {
        // A queue URL ends with the queue's name.
        "sqs" if name.starts_with("https://") || name.starts_with("http://") => name
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned(),
        "ssm" => name.trim_start_matches('/').to_owned(),
        "kms" if name.starts_with("alias/") => {
            return any(format!(
                "`{param}` is the alias {name}: grant on the key it points to"
            ));
        }
        _ => name,
    };
    // Queries and scans of an index are authorised on the index's ARN.
    if action_prefix == "dynamodb"
        && !partial
        && let Some(Resolved::Known { value: index, .. }) = params.get("IndexName")
    {
        return ResourceGuess {
            arn: format!("arn:aws:dynamodb:*:*:table/{name}/index/{index}"),
            reason: how,
        };
    }
    if config.arn.is_empty() || name.is_empty() {
        return any(format!(
            "Functory does not infer {action_prefix} resources yet"
        ));
    }
    ResourceGuess {
        arn: config.arn.replacen("{}", &format!("{name}{star}"), 1),
        reason: how,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_parses_and_names_real_actions() {
        let mapping = parse_mapping().unwrap();
        let catalogue = Catalogue::get();
        for (service, ops) in &mapping.operations {
            for (op, config) in ops {
                for action in &config.actions {
                    assert!(
                        catalogue.action(action).is_some(),
                        "{service}.{op}: {action} is not in the IAM catalogue"
                    );
                }
            }
        }
        for service in mapping.services.values() {
            assert!(
                catalogue.service(&service.prefix).is_some(),
                "{} is not an IAM service",
                service.prefix
            );
        }
    }

    #[test]
    fn names_become_pascal_case() {
        assert_eq!(pascal_case("list_objects_v2"), "ListObjectsV2");
        assert_eq!(pascal_case("listObjectsV2"), "ListObjectsV2");
        assert_eq!(pascal_case("put_item"), "PutItem");
    }

    #[test]
    fn default_rule_and_overrides() {
        assert_eq!(
            actions_for("s3", "ListObjectsV2").unwrap().actions,
            ["s3:ListBucket"]
        );
        assert_eq!(
            actions_for("dynamodb", "PutItem").unwrap().actions,
            ["dynamodb:PutItem"]
        );
        assert!(actions_for("s3", "FrobnicateBucket").is_err());
    }
}
