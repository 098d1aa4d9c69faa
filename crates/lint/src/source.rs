//! Finding what to lint inside a parsed file: policy documents (with their kind) and function
//! configurations, from standalone policy files, CloudFormation/SAM templates and the manifest.

use functory_core::manifest::permission_resource_arn;

use crate::parse::{Member, Node, Span, Value};
use crate::policy::{
    PolicyDocument, PolicyKind, detect_kind, read_lambda_permission, read_manifest_permissions,
    read_policy,
};

/// What kind of file a text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// A JSON IAM policy document.
    PolicyJson,
    /// A CloudFormation or SAM template, YAML.
    TemplateYaml,
    /// A CloudFormation or SAM template, JSON.
    TemplateJson,
    /// functory.toml.
    Manifest,
}

impl SourceFormat {
    /// Decides from the file name, and for `.json` from whether the document looks like a
    /// template. `None` for files the linter does not read.
    pub fn detect(path: &str, root_keys: impl FnOnce() -> Option<Vec<String>>) -> Option<Self> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".toml") {
            return Some(Self::Manifest);
        }
        if lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".template") {
            return Some(Self::TemplateYaml);
        }
        if lower.ends_with(".json") {
            let keys = root_keys().unwrap_or_default();
            let is_template = keys
                .iter()
                .any(|k| k == "Resources" || k == "AWSTemplateFormatVersion");
            return Some(if is_template {
                Self::TemplateJson
            } else {
                Self::PolicyJson
            });
        }
        None
    }
}

/// Where a function's configuration was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionOrigin {
    Manifest,
    Template,
}

/// A function URL (`FunctionUrlConfig` of a SAM function, an `AWS::Lambda::Url`, or a
/// manifest trigger of kind `url`). Templates spell the fields `AuthType`/`AllowOrigins` with
/// values such as `NONE`; the manifest spells them `auth`/`allow_origins` with `none`.
#[derive(Debug, Clone, Copy)]
pub struct FunctionUrl<'a> {
    pub node: &'a Node,
    pub auth_type: Option<&'a Node>,
    pub cors: Option<&'a Node>,
}

/// The settings of one function that configuration rules look at.
#[derive(Debug)]
pub struct FunctionConfig<'a> {
    pub name: String,
    pub name_span: Span,
    pub origin: FunctionOrigin,
    pub runtime: Option<&'a Node>,
    pub memory: Option<&'a Node>,
    pub timeout: Option<&'a Node>,
    pub environment: Vec<&'a Member>,
    pub url: Option<FunctionUrl<'a>>,
    /// Triggered through an HTTP API (API Gateway's integration timeout applies).
    pub has_http_trigger: bool,
}

/// Everything to lint in one file.
#[derive(Debug, Default)]
pub struct Extracted<'a> {
    pub policies: Vec<PolicyDocument<'a>>,
    pub functions: Vec<FunctionConfig<'a>>,
}

pub fn extract<'a>(
    root: &'a Node,
    format: SourceFormat,
    kind: Option<PolicyKind>,
) -> Extracted<'a> {
    match format {
        SourceFormat::PolicyJson => {
            let kind = kind.unwrap_or_else(|| detect_kind(root));
            Extracted {
                policies: vec![read_policy(root, kind, "policy".to_owned(), None)],
                functions: Vec::new(),
            }
        }
        SourceFormat::TemplateYaml | SourceFormat::TemplateJson => extract_template(root),
        SourceFormat::Manifest => extract_manifest(root),
    }
}

/// functory.toml's permissions may name declared resources (`orders`, `uploads/*`), which the
/// manifest reader turns into ARNs (`functory_core::manifest::permission_resource_arn`, the one
/// rule). The rules read IAM's terms, so each such name in `root` becomes that ARN, at the
/// name's place; what names nothing declared stays as written (and IAM103 reports it).
pub fn resolve_declared_resources(root: &mut Node, text: &str) {
    // Only a manifest that names something declared needs the reader's resources.
    if root.get("resources").is_none() {
        return;
    }
    let Some(manifest) = functory_core::parse_manifest(
        text,
        functory_core::manifest::MANIFEST_FILE_NAME,
        &functory_core::manifest::EveryFile,
    )
    .manifest
    else {
        return;
    };
    let Some(Value::Object(functions)) = root.get_mut("functions").map(|n| &mut n.value) else {
        return;
    };
    for function in functions {
        let Some(Value::Array(permissions)) =
            function.value.get_mut("permissions").map(|n| &mut n.value)
        else {
            continue;
        };
        for permission in permissions {
            let Some(Value::Array(resources)) =
                permission.get_mut("resources").map(|n| &mut n.value)
            else {
                continue;
            };
            for resource in resources {
                if let Value::String(text) = &mut resource.value
                    && let Ok(arn) = permission_resource_arn(text, &manifest.resources)
                {
                    *text = arn;
                }
            }
        }
    }
}

fn extract_manifest(root: &Node) -> Extracted<'_> {
    let mut out = Extracted::default();
    let Some(functions) = root.get("functions").and_then(Node::as_object) else {
        return out;
    };
    for function in functions {
        let table = &function.value;
        if let Some(permissions) = table.get("permissions") {
            out.policies
                .push(read_manifest_permissions(permissions, &function.key));
        }
        let triggers = table
            .get("triggers")
            .and_then(Node::as_array)
            .unwrap_or_default();
        let has_http_trigger = triggers
            .iter()
            .any(|t| t.get("kind").and_then(Node::as_str) == Some("http"));
        let url = triggers
            .iter()
            .find(|t| t.get("kind").and_then(Node::as_str) == Some("url"))
            .map(|node| FunctionUrl {
                node,
                auth_type: node.get("auth"),
                cors: node.get("cors"),
            });
        out.functions.push(FunctionConfig {
            name: function.key.clone(),
            name_span: function.key_span,
            origin: FunctionOrigin::Manifest,
            runtime: table.get("runtime"),
            memory: table.get("memory_mb"),
            timeout: table.get("timeout_s"),
            environment: table
                .get("environment")
                .and_then(Node::as_object)
                .map(|m| m.iter().collect())
                .unwrap_or_default(),
            url,
            has_http_trigger,
        });
    }
    out
}

fn extract_template<'a>(root: &'a Node) -> Extracted<'a> {
    let mut out = Extracted::default();
    let Some(resources) = root.get("Resources").and_then(Node::as_object) else {
        return out;
    };
    let globals = root.get("Globals").and_then(|g| g.get("Function"));
    for resource in resources {
        let logical_id = &resource.key;
        let Some(resource_type) = resource.value.get("Type").and_then(Node::as_str) else {
            continue;
        };
        let Some(properties) = resource.value.get("Properties") else {
            continue;
        };
        let label = |path: &str| format!("Resources.{logical_id}.Properties.{path}");
        let mut policy = |node: Option<&'a Node>, kind, path: &str| {
            // Policies given as a JSON string or built with intrinsics cannot be read here.
            if let Some(node) = node.filter(|n| n.as_object().is_some() && !n.is_intrinsic()) {
                out.policies
                    .push(read_policy(node, kind, label(path), None));
            }
        };
        match resource_type {
            "AWS::IAM::Policy"
            | "AWS::IAM::ManagedPolicy"
            | "AWS::IAM::RolePolicy"
            | "AWS::IAM::UserPolicy"
            | "AWS::IAM::GroupPolicy" => policy(
                properties.get("PolicyDocument"),
                PolicyKind::Identity,
                "PolicyDocument",
            ),
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
                if resource_type == "AWS::IAM::Role" {
                    policy(
                        properties.get("AssumeRolePolicyDocument"),
                        PolicyKind::Trust,
                        "AssumeRolePolicyDocument",
                    );
                }
                for (i, inline) in properties
                    .get("Policies")
                    .and_then(Node::as_array)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    policy(
                        inline.get("PolicyDocument"),
                        PolicyKind::Identity,
                        &format!("Policies[{i}].PolicyDocument"),
                    );
                }
            }
            "AWS::S3::BucketPolicy"
            | "AWS::SNS::TopicPolicy"
            | "AWS::SQS::QueuePolicy"
            | "AWS::Logs::ResourcePolicy" => policy(
                properties.get("PolicyDocument"),
                PolicyKind::Resource,
                "PolicyDocument",
            ),
            "AWS::KMS::Key" => policy(
                properties.get("KeyPolicy"),
                PolicyKind::Resource,
                "KeyPolicy",
            ),
            "AWS::SecretsManager::ResourcePolicy" => policy(
                properties.get("ResourcePolicy"),
                PolicyKind::Resource,
                "ResourcePolicy",
            ),
            "AWS::ECR::Repository" => policy(
                properties.get("RepositoryPolicyText"),
                PolicyKind::Resource,
                "RepositoryPolicyText",
            ),
            "AWS::ApiGateway::RestApi" => {
                policy(properties.get("Policy"), PolicyKind::Resource, "Policy");
            }
            "AWS::OpenSearchService::Domain" | "AWS::Elasticsearch::Domain" => policy(
                properties.get("AccessPolicies"),
                PolicyKind::Resource,
                "AccessPolicies",
            ),
            "AWS::Lambda::Permission" => out.policies.push(read_lambda_permission(
                properties,
                format!("Resources.{logical_id}"),
            )),
            "AWS::Lambda::Url" => out.functions.push(FunctionConfig {
                name: logical_id.clone(),
                name_span: resource.key_span,
                origin: FunctionOrigin::Template,
                runtime: None,
                memory: None,
                timeout: None,
                environment: Vec::new(),
                url: Some(FunctionUrl {
                    node: properties,
                    auth_type: properties.get("AuthType"),
                    cors: properties.get("Cors"),
                }),
                has_http_trigger: false,
            }),
            "AWS::Lambda::Function" | "AWS::Serverless::Function" => {
                let serverless = resource_type == "AWS::Serverless::Function";
                if serverless {
                    read_sam_policies(properties, logical_id, &mut out);
                }
                // SAM's Globals apply to every function that does not set the property.
                let setting = |name: &str| {
                    properties
                        .get(name)
                        .or_else(|| globals.filter(|_| serverless).and_then(|g| g.get(name)))
                };
                let mut environment: Vec<&Member> = Vec::new();
                let mut sources = vec![properties];
                if serverless && let Some(globals) = globals {
                    sources.push(globals);
                }
                for source in sources {
                    if let Some(variables) = source
                        .get("Environment")
                        .and_then(|e| e.get("Variables"))
                        .and_then(Node::as_object)
                    {
                        for variable in variables {
                            if !environment.iter().any(|e| e.key == variable.key) {
                                environment.push(variable);
                            }
                        }
                    }
                }
                let url = properties.get("FunctionUrlConfig").map(|node| FunctionUrl {
                    node,
                    auth_type: node.get("AuthType"),
                    cors: node.get("Cors"),
                });
                let has_http_trigger = properties
                    .get("Events")
                    .and_then(Node::as_object)
                    .unwrap_or_default()
                    .iter()
                    .any(|event| {
                        matches!(
                            event.value.get("Type").and_then(Node::as_str),
                            Some("Api" | "HttpApi")
                        )
                    });
                out.functions.push(FunctionConfig {
                    name: logical_id.clone(),
                    name_span: resource.key_span,
                    origin: FunctionOrigin::Template,
                    runtime: setting("Runtime"),
                    memory: setting("MemorySize"),
                    timeout: setting("Timeout"),
                    environment,
                    url,
                    has_http_trigger,
                });
            }
            _ => {}
        }
    }
    out
}

/// SAM's `Policies`: a managed policy name, a policy template (`{S3ReadPolicy: …}`), an
/// inline document, or a list of those. Only inline documents can be linted.
fn read_sam_policies<'a>(properties: &'a Node, logical_id: &str, out: &mut Extracted<'a>) {
    let Some(policies) = properties.get("Policies") else {
        return;
    };
    let documents: Vec<(&Node, String)> = match policies.as_array() {
        Some(items) => items
            .iter()
            .enumerate()
            .map(|(i, n)| (n, format!("Policies[{i}]")))
            .collect(),
        None => vec![(policies, "Policies".to_owned())],
    };
    for (node, path) in documents {
        if node.get("Statement").is_some() {
            out.policies.push(read_policy(
                node,
                PolicyKind::Identity,
                format!("Resources.{logical_id}.Properties.{path}"),
                Some(logical_id.to_owned()),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse_toml, parse_yaml};

    const TEMPLATE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.9
    Environment:
      Variables:
        SHARED: "1"
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Timeout: 60
      Policies:
        - AWSLambdaBasicExecutionRole
        - S3ReadPolicy:
            BucketName: !Ref Bucket
        - Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: s3:*
              Resource: "*"
      FunctionUrlConfig:
        AuthType: NONE
      Events:
        Get:
          Type: HttpApi
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
      Policies:
        - PolicyName: inline
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: !Ref Actions
                Resource: "*"
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Api
      Principal: s3.amazonaws.com
"#;

    #[test]
    fn finds_policies_and_functions_in_a_sam_template() {
        let root = parse_yaml(TEMPLATE).unwrap();
        let extracted = extract(&root, SourceFormat::TemplateYaml, None);
        let labels: Vec<_> = extracted
            .policies
            .iter()
            .map(|p| (p.label.as_str(), p.kind))
            .collect();
        assert_eq!(
            labels,
            vec![
                ("Resources.Api.Properties.Policies[2]", PolicyKind::Identity),
                (
                    "Resources.Role.Properties.AssumeRolePolicyDocument",
                    PolicyKind::Trust
                ),
                (
                    "Resources.Role.Properties.Policies[0].PolicyDocument",
                    PolicyKind::Identity
                ),
                ("Resources.Invoke", PolicyKind::Resource),
            ]
        );
        let function = &extracted.functions[0];
        assert_eq!(function.name, "Api");
        assert_eq!(function.runtime.and_then(Node::as_str), Some("python3.9"));
        assert_eq!(function.environment[0].key, "SHARED");
        assert!(function.has_http_trigger);
        assert_eq!(
            function.url.unwrap().auth_type.and_then(Node::as_str),
            Some("NONE")
        );
        let invoke = &extracted.policies[3].statements[0];
        assert_eq!(
            invoke.principals()[0].kind,
            crate::policy::PrincipalKind::Service
        );
    }

    #[test]
    fn manifest_permissions_become_an_identity_policy_per_function() {
        let text = "[project]\nname = \"x\"\n[functions.a]\nruntime = \"nodejs18.x\"\nhandler = \"a.handler\"\nenvironment = { TOKEN = \"x\" }\n[[functions.a.permissions]]\nactions = [\"s3:GetObject\"]\n";
        let root = parse_toml(text).unwrap();
        let extracted = extract(&root, SourceFormat::Manifest, None);
        assert_eq!(extracted.policies.len(), 1);
        let statement = &extracted.policies[0].statements[0];
        assert!(statement.is_allow());
        assert!(statement.applies_to_all_resources());
        assert!(statement.covers_action("s3:GetObject"));
        assert_eq!(extracted.functions[0].environment[0].key, "TOKEN");
    }

    #[test]
    fn permissions_naming_declared_resources_are_read_as_their_arns() {
        let text = "[project]\nname = \"x\"\n[resources.orders]\nkind = \"table\"\npartition_key = \"id\"\n[resources.uploads]\nkind = \"bucket\"\n[functions.a]\nruntime = \"nodejs22.x\"\nhandler = \"a.handler\"\n[[functions.a.permissions]]\nactions = [\"dynamodb:GetItem\", \"s3:GetObject\"]\nresources = [\"orders\", \"uploads/*\", \"nowhere\"]\n";
        let report = crate::engine::lint_text(
            "functory.toml",
            text,
            &crate::engine::LintOptions::default(),
        );
        let invalid: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.code == "IAM103")
            .map(|f| f.message.as_str())
            .collect();
        // The declared names are ARNs to every rule; what names nothing declared is still reported.
        assert_eq!(invalid, ["`nowhere` does not start with `arn:`"]);
        let mut root = parse_toml(text).unwrap();
        resolve_declared_resources(&mut root, text);
        let extracted = extract(&root, SourceFormat::Manifest, None);
        let resources: Vec<&str> = extracted.policies[0].statements[0]
            .resources()
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        assert_eq!(
            resources,
            [
                "arn:aws:dynamodb:*:*:table/orders",
                "arn:aws:s3:::uploads/*",
                "nowhere"
            ]
        );
    }
}
