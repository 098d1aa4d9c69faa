//! The SDK-to-IAM mapping (`data/mapping.toml`) and the rules around it: operation names,
//! actions, and ARNs from resource names.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use functory_lint::Catalogue;
use serde::Deserialize;

use crate::model::ResourceGuess;
use crate::sdk_catalogue::{SdkCatalogue, fold};
use crate::value::Resolved;

const MAPPING_TOML: &str = include_str!("../data/mapping.toml");

/// How the resources of one IAM service are named in calls, for ARNs (keyed by IAM prefix).
#[derive(Debug, Deserialize)]
pub struct ServiceConfig {
    pub prefix: String,
    pub param: Vec<String>,
    pub arn: String,
}

#[derive(Debug, Deserialize)]
pub struct OperationConfig {
    pub actions: Vec<String>,
    pub note: Option<String>,
}

/// The hand-kept part of the mapping: the documented exceptions to what the SDK catalogue
/// (`data/sdk-catalogue.json`) and the IAM catalogue give.
#[derive(Debug, Deserialize)]
pub struct Mapping {
    pub services: BTreeMap<String, ServiceConfig>,
    /// SDK service → operation (or SDK helper such as `UploadFile`) → its actions.
    #[serde(default)]
    pub operations: BTreeMap<String, BTreeMap<String, OperationConfig>>,
    #[serde(default)]
    pub document_client: BTreeMap<String, String>,
    /// SDK service → boto3 resource kind → method boto3 adds to the resource model itself
    /// (`upload_file`, `batch_writer`) → operation.
    #[serde(default)]
    pub resources: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
    /// SDK service → waiter the SDK catalogue lacks → the operation it polls.
    #[serde(default)]
    pub waiters: BTreeMap<String, BTreeMap<String, String>>,
    /// Actions calls need besides their own, by parameter or service behaviour.
    #[serde(default)]
    pub dependent: Vec<crate::dependents::DependentRule>,
    /// Library functions, classes and methods that make SDK calls for the handler.
    #[serde(default)]
    pub library: Vec<crate::library::LibraryEntry>,
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
            dependent: Vec::new(),
            library: Vec::new(),
        })
    })
}

pub fn parse_mapping() -> Result<Mapping, String> {
    toml::from_str(MAPPING_TOML).map_err(|e| format!("data/mapping.toml: {e}"))
}

impl Mapping {
    /// The resource naming of the IAM service `prefix`.
    pub fn service(&self, prefix: &str) -> Option<&ServiceConfig> {
        self.services.values().find(|s| s.prefix == prefix)
    }

    /// `client-s3` → `s3`. A package the catalogue does not know keeps its own name
    /// (`client-newservice` → `newservice`), so its calls are reported as not understood.
    pub fn service_of_js_v3(&self, package: &str) -> Option<String> {
        if let Some(service) = SdkCatalogue::get().by_v3_package(package) {
            return Some(service.to_owned());
        }
        package.strip_prefix("client-").map(str::to_owned)
    }

    /// `S3`, `StepFunctions`, `stepfunctions` (from `aws-sdk/clients/…`) → the service.
    pub fn service_of_js_v2(&self, class: &str) -> Option<String> {
        SdkCatalogue::get().by_v2_class(class).map(str::to_owned)
    }

    pub fn service_of_boto3(&self, name: &str) -> Option<String> {
        SdkCatalogue::get().by_boto3_name(name).map(str::to_owned)
    }

    pub fn waiter_operation(&self, service: &str, waiter: &str) -> Option<String> {
        if let Some(op) = SdkCatalogue::get().waiter_operation(service, waiter) {
            return Some(op.to_owned());
        }
        let folded = fold(waiter);
        self.waiters
            .get(service)?
            .iter()
            .find(|(name, _)| fold(name) == folded)
            .map(|(_, op)| op.clone())
    }

    pub fn resource_operation(&self, service: &str, kind: &str, method: &str) -> Option<String> {
        if let Some(op) = self
            .resources
            .get(service)
            .and_then(|kinds| kinds.get(kind))
            .and_then(|methods| methods.get(method))
        {
            return Some(op.clone());
        }
        SdkCatalogue::get()
            .resource_operation(service, kind, method)
            .map(str::to_owned)
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
    /// The operation as its API names it (`DescribeDBInstances` for `describe_db_instances`).
    pub operation: String,
    /// The IAM prefix of the service called.
    pub prefix: String,
    pub actions: Vec<String>,
    pub note: Option<String>,
}

/// The IAM actions that authorize `operation` of the SDK service `service`: a documented
/// exception, else the service reference's, else `<prefix>:<Operation>` when IAM has it.
pub fn actions_for(service: &str, operation: &str) -> Result<Mapped, String> {
    let sdk = SdkCatalogue::get();
    let known = sdk.operation(service, operation);
    let name = known.map_or_else(|| pascal_case(operation), str::to_owned);
    let entry = sdk.service(service);
    let prefix = entry.map_or(service, |e| e.prefix.as_str()).to_owned();
    if let Some(config) = mapping()
        .operations
        .get(service)
        .and_then(|ops| ops.get(&name))
    {
        return Ok(Mapped {
            operation: name,
            prefix,
            actions: config.actions.clone(),
            note: config.note.clone(),
        });
    }
    let Some(entry) = entry else {
        return Err(format!(
            "`{service}` is not a service in the AWS SDK catalogue"
        ));
    };
    if known.is_none() {
        return Err(format!(
            "`{operation}` is not an operation of the {} API",
            entry.id
        ));
    }
    if let Some(actions) = entry.actions.get(&name) {
        return Ok(Mapped {
            operation: name,
            prefix,
            actions: actions.clone(),
            note: None,
        });
    }
    let catalogue = Catalogue::get();
    match catalogue
        .service(&prefix)
        .and_then(|s| s.action(&name).map(|a| format!("{}:{}", s.prefix, a.name)))
    {
        Some(action) => Ok(Mapped {
            operation: name,
            prefix,
            actions: vec![action],
            note: None,
        }),
        None => Err(format!(
            "{} {name} has no IAM action of that name ({prefix}:{name}) and the mapping has no entry for it",
            entry.id
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
        let types: Vec<&functory_lint::catalogue::ResourceType> =
            service.resource_types_of(entry).collect();
        return from_arn_formats(action_prefix, &types, params);
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

/// The resource of a call to a service without naming rules of its own, from the IAM
/// catalogue's ARN formats: an ARN of that service the call passes; else the format filled
/// with the one name it needs when a parameter of that name is known (`FunctionName` for
/// `${FunctionName}`); else the format with `*` for what is known only at run time, which is
/// narrower than `*` and says so.
fn from_arn_formats(
    prefix: &str,
    types: &[&functory_lint::catalogue::ResourceType],
    params: &BTreeMap<String, Resolved>,
) -> ResourceGuess {
    let arn_start = format!("arn:aws:{prefix}:");
    for (param, value) in params {
        match value {
            Resolved::Known { value, how } if value.starts_with(&arn_start) => {
                return ResourceGuess {
                    arn: value.clone(),
                    reason: format!("`{param}` ({how})"),
                };
            }
            Resolved::Prefix { prefix: start, how } if start.starts_with(&arn_start) => {
                return ResourceGuess {
                    arn: format!("{start}*"),
                    reason: format!("`{param}` ({how}), completed at run time"),
                };
            }
            _ => {}
        }
    }
    let Some(first) = types.first() else {
        return ResourceGuess {
            arn: "*".to_owned(),
            reason: format!("{prefix} names no resource type for this action"),
        };
    };
    // `${Partition}`, `${Region}` and `${Account}` stay open so the policy works wherever the
    // function is deployed; the one other variable may come from a parameter of its name.
    let fixed = |name: &str| matches!(name, "Partition" | "Region" | "Account");
    for resource_type in types {
        let variables = arn_variables(&resource_type.arn_format);
        let open: Vec<&str> = variables.iter().copied().filter(|v| !fixed(v)).collect();
        if let [variable] = open.as_slice()
            && let Some((param, Resolved::Known { value, how })) = params
                .iter()
                .find(|(param, _)| fold(param) == fold(variable))
        {
            return ResourceGuess {
                arn: fill_arn(&resource_type.arn_format, |v| {
                    if v == *variable {
                        value.clone()
                    } else {
                        "*".to_owned()
                    }
                }),
                reason: format!("`{param}` ({how})"),
            };
        }
    }
    ResourceGuess {
        arn: fill_arn(&first.arn_format, |_| "*".to_owned()),
        reason: format!(
            "which {} the call works on is known only at run time: any {} (narrow it to yours)",
            first.name, first.name
        ),
    }
}

/// The `${Name}` variables of an ARN format, in order.
fn arn_variables(format: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        out.push(&after[..end]);
        rest = &after[end + 1..];
    }
    out
}

/// The format with each `${Name}` replaced (`${Partition}` is always `aws`).
fn fill_arn(format: &str, mut value: impl FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(format.len());
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &after[..end];
        out.push_str(&if name == "Partition" {
            "aws".to_owned()
        } else {
            value(name)
        });
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
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
    fn resources_come_from_the_catalogue_arn_formats() {
        let known = |v: &str| Resolved::Known {
            value: v.to_owned(),
            how: "literal".to_owned(),
        };
        let params = BTreeMap::from([("ParameterName".to_owned(), known("x"))]);
        // An ARN the call passes is the resource.
        let arn = "arn:aws:iot:eu-west-1:123456789012:thing/sensor";
        let guess = resources_for(
            "iot",
            "iot:DescribeThing",
            &BTreeMap::from([("thingArn".to_owned(), known(arn))]),
        );
        assert_eq!(guess.arn, arn);
        // A known name fills the format's one open variable.
        let guess = resources_for(
            "iot",
            "iot:DescribeThing",
            &BTreeMap::from([("thingName".to_owned(), known("sensor"))]),
        );
        assert_eq!(guess.arn, "arn:aws:iot:*:*:thing/sensor");
        // Otherwise the narrowest pattern, saying so.
        let guess = resources_for("iot", "iot:DescribeThing", &params);
        assert_eq!(guess.arn, "arn:aws:iot:*:*:thing/*");
        assert!(
            guess.reason.contains("known only at run time"),
            "{}",
            guess.reason
        );
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
