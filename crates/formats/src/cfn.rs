//! CloudFormation intrinsic functions (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`) resolved
//! against the template's own parameters and resources, as far as a template alone allows.
//!
//! What only exists at deploy time (the region, the account, a parameter without a default)
//! stays as a `${Name}` placeholder, the `Fn::Sub` syntax, so the text is still meaningful
//! and exports back as `!Sub`. A reference that leads back to itself is reported as circular
//! with its line and kept as a placeholder instead of being followed forever.

use functory_lint::parse::{Node, Span};

use crate::source::{Reporter, scalar_text};

/// The parts of a template that references resolve against.
#[derive(Clone, Copy)]
pub struct Cfn<'n> {
    parameters: Option<&'n Node>,
    resources: Option<&'n Node>,
    /// The project a bucket without a `BucketName` is named after (see [`derived_bucket_name`]).
    project: &'n str,
}

/// The logical ids being resolved, outermost first: a reference to one of them is a cycle.
pub type Stack = Vec<String>;

impl<'n> Cfn<'n> {
    pub fn new(parameters: Option<&'n Node>, resources: Option<&'n Node>) -> Self {
        Cfn {
            parameters,
            resources,
            project: "",
        }
    }

    /// The same, naming the template's unnamed buckets after `project`.
    pub fn for_project(self, project: &'n str) -> Self {
        Cfn { project, ..self }
    }

    /// A scalar or an intrinsic as text, `${…}` placeholders for what is unknown. `None` for
    /// lists, plain mappings and null.
    pub fn text(
        &self,
        node: &Node,
        subject: &str,
        stack: &mut Stack,
        rep: &mut Reporter<'_>,
    ) -> Option<String> {
        if let Some(text) = scalar_text(node) {
            return Some(text);
        }
        let [member] = node.as_object()? else {
            return None;
        };
        let value = &member.value;
        Some(match member.key.as_str() {
            "Ref" => match value.as_str() {
                Some(name) => self.reference(name, None, node.span, subject, stack, rep),
                None => format!("${{{value}}}"),
            },
            "Fn::GetAtt" => match get_att_parts(value) {
                Some((logical, attribute)) => {
                    self.reference(&logical, Some(&attribute), node.span, subject, stack, rep)
                }
                None => format!("${{{value}}}"),
            },
            "Fn::Sub" => {
                let (template, variables) = match value.as_array() {
                    Some([template, variables]) => (template.as_str(), Some(variables)),
                    Some(_) => (None, None),
                    None => (value.as_str(), None),
                };
                match template {
                    Some(template) => self.sub(template, variables, node.span, subject, stack, rep),
                    None => format!("${{{value}}}"),
                }
            }
            "Fn::Join" => match value.as_array() {
                Some([delimiter, items]) => {
                    let delimiter = delimiter.as_str().unwrap_or_default();
                    let parts: Vec<String> = items
                        .as_array()
                        .unwrap_or_default()
                        .iter()
                        .map(|item| {
                            self.text(item, subject, stack, rep)
                                .unwrap_or_else(|| format!("${{{item}}}"))
                        })
                        .collect();
                    parts.join(delimiter)
                }
                _ => format!("${{{value}}}"),
            },
            // Other intrinsics (`Fn::If`, `Fn::Select`, `Fn::ImportValue`, …) depend on
            // deploy-time state; their JSON stands in for them, and the caller reports it.
            _ => format!("${{{node}}}"),
        })
    }

    /// The physical name of the template's own resource `logical` — what `!Ref` (or the
    /// `attribute` given) of it reads as in functory.toml —, reported as such a reference is
    /// when the template leaves the name to AWS.
    pub fn own_name(
        &self,
        logical: &str,
        attribute: Option<&str>,
        span: Span,
        rep: &mut Reporter<'_>,
    ) -> String {
        let subject = format!("Resources.{logical}");
        self.reference(logical, attribute, span, &subject, &mut Vec::new(), rep)
    }

    fn reference(
        &self,
        name: &str,
        attribute: Option<&str>,
        span: Span,
        subject: &str,
        stack: &mut Stack,
        rep: &mut Reporter<'_>,
    ) -> String {
        let placeholder = match attribute {
            Some(attribute) => format!("${{{name}.{attribute}}}"),
            None => format!("${{{name}}}"),
        };
        if attribute.is_none() && name.starts_with("AWS::") {
            return match name {
                // One partition covers nearly every account; ARNs in functory.toml are
                // read by people, so `aws` reads better than a placeholder.
                "AWS::Partition" => "aws".to_owned(),
                "AWS::URLSuffix" => "amazonaws.com".to_owned(),
                "AWS::NoValue" => String::new(),
                _ => placeholder,
            };
        }
        if let Some(start) = stack.iter().position(|s| s == name) {
            let mut chain: Vec<&str> = stack[start..].iter().map(String::as_str).collect();
            chain.push(name);
            rep.not_mapped(
                span,
                subject,
                format!(
                    "circular reference {}: kept as the text `{placeholder}`",
                    chain.join(" → ")
                ),
            );
            return placeholder;
        }
        if attribute.is_none()
            && let Some(parameter) = self.parameters.and_then(|p| p.get(name))
        {
            let Some(default) = parameter.get("Default") else {
                return placeholder;
            };
            stack.push(name.to_owned());
            let text = self.text(default, subject, stack, rep);
            stack.pop();
            return text.unwrap_or(placeholder);
        }
        let Some(resource) = self.resources.and_then(|r| r.get(name)) else {
            return placeholder;
        };
        let kind = resource
            .get("Type")
            .and_then(Node::as_str)
            .unwrap_or_default();
        let Some((name_property, shape)) = physical_name(kind, attribute) else {
            return placeholder;
        };
        stack.push(name.to_owned());
        let given = resource
            .get("Properties")
            .and_then(|p| p.get(name_property))
            .and_then(|value| self.text(value, subject, stack, rep));
        stack.pop();
        let physical = match given {
            Some(physical) => physical,
            // A bucket's logical id is no bucket name (S3 names are lowercase and global); a
            // name that S3 accepts keeps every export deployable.
            None if kind == "AWS::S3::Bucket" => {
                let derived = derived_bucket_name(self.project, name);
                rep.not_mapped(
                    resource_span(self.resources, name).unwrap_or(span),
                    &format!("Resources.{name}"),
                    format!(
                        "{kind} has no BucketName: AWS generates one at deploy time; functory.toml names it `{derived}` (the project and the logical id, as S3 allows); create the bucket with that name or change it"
                    ),
                );
                derived
            }
            None => {
                rep.not_mapped(
                    resource_span(self.resources, name).unwrap_or(span),
                    &format!("Resources.{name}"),
                    format!(
                        "{kind} has no {name_property}: AWS generates one at deploy time; its logical id `{name}` stands for it"
                    ),
                );
                name.to_owned()
            }
        };
        shape.replace("{}", &physical)
    }

    fn sub(
        &self,
        template: &str,
        variables: Option<&Node>,
        span: Span,
        subject: &str,
        stack: &mut Stack,
        rep: &mut Reporter<'_>,
    ) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(open) = rest.find("${") {
            out.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let Some(close) = after.find('}') else {
                out.push_str(&rest[open..]);
                return out;
            };
            let inner = &after[..close];
            rest = &after[close + 1..];
            if let Some(literal) = inner.strip_prefix('!') {
                // `${!Literal}` is Sub's escape for a literal `${Literal}`.
                out.push_str(&format!("${{{literal}}}"));
                continue;
            }
            if let Some(value) = variables.and_then(|v| v.get(inner)) {
                let text = self
                    .text(value, subject, stack, rep)
                    .unwrap_or_else(|| format!("${{{inner}}}"));
                out.push_str(&text);
                continue;
            }
            let text = match inner.split_once('.') {
                Some((logical, attribute)) if !inner.starts_with("AWS::") => {
                    self.reference(logical, Some(attribute), span, subject, stack, rep)
                }
                _ => self.reference(inner, None, span, subject, stack, rep),
            };
            out.push_str(&text);
        }
        out.push_str(rest);
        out
    }
}

/// The `DependsOn` cycles among resources: for each, the span of the dependency that closes
/// it and the chain of logical ids (`A → B → A`). Iterative, so a long chain cannot exhaust
/// the stack.
pub fn depends_on_cycles(resources: &Node) -> Vec<(Span, Vec<String>)> {
    use std::collections::HashMap;

    #[derive(Clone, Copy, PartialEq)]
    enum Visit {
        Open,
        Done,
    }
    type Dependencies = Vec<(String, Span)>;
    let dependencies = |name: &str| -> Dependencies {
        resources
            .get(name)
            .and_then(|r| r.get("DependsOn"))
            .map(|d| {
                d.items()
                    .filter_map(|item| Some((item.as_str()?.to_owned(), item.span)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut visits: HashMap<String, Visit> = HashMap::new();
    let mut cycles = Vec::new();
    for start in resources.as_object().unwrap_or_default() {
        if visits.contains_key(&start.key) {
            continue;
        }
        visits.insert(start.key.clone(), Visit::Open);
        // (resource, its dependencies, the next one to follow)
        let mut path: Vec<(String, Dependencies, usize)> =
            vec![(start.key.clone(), dependencies(&start.key), 0)];
        while let Some((_, deps, next)) = path.last_mut() {
            let Some((dependency, span)) = deps.get(*next).cloned() else {
                if let Some((name, _, _)) = path.pop() {
                    visits.insert(name, Visit::Done);
                }
                continue;
            };
            *next += 1;
            match visits.get(&dependency) {
                Some(Visit::Open) => {
                    let from = path
                        .iter()
                        .position(|(n, _, _)| *n == dependency)
                        .unwrap_or(0);
                    let mut chain: Vec<String> =
                        path[from..].iter().map(|(n, _, _)| n.clone()).collect();
                    chain.push(dependency);
                    cycles.push((span, chain));
                }
                Some(Visit::Done) => {}
                None if resources.get(&dependency).is_some() => {
                    visits.insert(dependency.clone(), Visit::Open);
                    let deps = dependencies(&dependency);
                    path.push((dependency, deps, 0));
                }
                None => {}
            }
        }
    }
    cycles
}

fn get_att_parts(value: &Node) -> Option<(String, String)> {
    if let Some(text) = value.as_str() {
        let (logical, attribute) = text.split_once('.')?;
        return Some((logical.to_owned(), attribute.to_owned()));
    }
    match value.as_array()? {
        [logical, attribute] => Some((
            logical.as_str()?.to_owned(),
            scalar_text(attribute).unwrap_or_else(|| attribute.to_string()),
        )),
        _ => None,
    }
}

fn resource_span(resources: Option<&Node>, name: &str) -> Option<Span> {
    Some(resources?.member(name)?.key_span)
}

/// For a resource type and the attribute asked for (`None` for `Ref`): the property holding
/// its physical name and the shape of the answer, `{}` standing for that name.
fn physical_name(kind: &str, attribute: Option<&str>) -> Option<(&'static str, &'static str)> {
    Some(match (kind, attribute) {
        ("AWS::S3::Bucket", None | Some("BucketName")) => ("BucketName", "{}"),
        ("AWS::S3::Bucket", Some("Arn")) => ("BucketName", "arn:aws:s3:::{}"),
        ("AWS::SQS::Queue", None | Some("QueueUrl")) => (
            "QueueName",
            "https://sqs.${AWS::Region}.amazonaws.com/${AWS::AccountId}/{}",
        ),
        ("AWS::SQS::Queue", Some("Arn")) => (
            "QueueName",
            "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:{}",
        ),
        ("AWS::SQS::Queue", Some("QueueName")) => ("QueueName", "{}"),
        ("AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable", None) => ("TableName", "{}"),
        ("AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable", Some("Arn")) => (
            "TableName",
            "arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/{}",
        ),
        // The stream's label (a timestamp) is only known once the table exists.
        ("AWS::DynamoDB::Table", Some("StreamArn")) => (
            "TableName",
            "arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/{}/stream/*",
        ),
        ("AWS::Kinesis::Stream", None) => ("Name", "{}"),
        ("AWS::Kinesis::Stream", Some("Arn")) => (
            "Name",
            "arn:aws:kinesis:${AWS::Region}:${AWS::AccountId}:stream/{}",
        ),
        ("AWS::SNS::Topic", None | Some("TopicArn")) => (
            "TopicName",
            "arn:aws:sns:${AWS::Region}:${AWS::AccountId}:{}",
        ),
        ("AWS::SNS::Topic", Some("TopicName")) => ("TopicName", "{}"),
        ("AWS::Events::EventBus", None | Some("Name")) => ("Name", "{}"),
        ("AWS::Events::EventBus", Some("Arn")) => (
            "Name",
            "arn:aws:events:${AWS::Region}:${AWS::AccountId}:event-bus/{}",
        ),
        ("AWS::Serverless::Function" | "AWS::Lambda::Function", None) => ("FunctionName", "{}"),
        ("AWS::Serverless::Function" | "AWS::Lambda::Function", Some("Arn")) => (
            "FunctionName",
            "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:{}",
        ),
        _ => return None,
    })
}

/// A bucket name S3 accepts, from the project and a logical id: lowercase letters, digits and
/// single hyphens, 3 to 63 characters, starting and ending with a letter or digit.
pub fn derived_bucket_name(project: &str, logical: &str) -> String {
    let raw = if project.is_empty() {
        logical.to_owned()
    } else {
        format!("{project}-{logical}")
    };
    let mut name = String::new();
    for c in raw.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            name.push(c);
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    name.truncate(63);
    while name.ends_with('-') {
        name.pop();
    }
    if name.len() < 3 {
        name = format!("{name}-bucket").trim_start_matches('-').to_owned();
    }
    name
}

/// Whether S3 accepts `name` as a bucket name (the rules cfn-lint checks: 3 to 63 lowercase
/// letters, digits, dots and hyphens, starting and ending with a letter or digit, no `..`,
/// `.-` or `-.`, not an IP address). CloudFormation's pseudo parameters stand in for values of
/// their usual shape; any other `${…}` is not a name S3 can know.
pub fn is_valid_bucket_name(name: &str) -> bool {
    let name = name
        .replace("${AWS::Region}", "us-east-1")
        .replace("${AWS::AccountId}", "123456789012")
        .replace("${AWS::StackName}", "stack")
        .replace("${AWS::Partition}", "aws")
        .replace("${AWS::URLSuffix}", "amazonaws.com");
    let bytes = name.as_bytes();
    let edge = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (3..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.' || *b == b'-')
        && edge(bytes.first())
        && edge(bytes.last())
        && !name.contains("..")
        && !name.contains(".-")
        && !name.contains("-.")
        && !(name.split('.').count() == 4
            && name
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
}

/// The placeholders that stand for the stack's region and account: CloudFormation's pseudo
/// parameters and the Serverless Framework's variables for them.
const REGION_PLACEHOLDERS: &[&str] = &["${AWS::Region}", "${aws:region}"];
const ACCOUNT_PLACEHOLDERS: &[&str] = &["${AWS::AccountId}", "${aws:accountId}"];

/// An ARN granted to a function with its deploy-time region and account segments written as
/// `*`: a template's `arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders` means
/// "this stack's region and account", which in functory.toml is whichever target the project
/// is deployed to. IAM reads a `*` segment as any region or account, so the grant still covers
/// the table wherever it is deployed. Placeholders elsewhere (a bucket named after the account)
/// are left alone: a `*` there would grant other resources too. `None` when nothing changed.
pub fn target_wildcards(arn: &str) -> Option<String> {
    let rest = arn.strip_prefix("arn:")?;
    let (partition, rest) = rest.split_once(':')?;
    let (service, rest) = rest.split_once(':')?;
    let mut changed = false;
    let mut segment = |rest: &'_ str, placeholders: &[&str]| -> Option<(String, String)> {
        for placeholder in placeholders {
            if let Some(after) = rest
                .strip_prefix(placeholder)
                .and_then(|r| r.strip_prefix(':'))
            {
                changed = true;
                return Some(("*".to_owned(), after.to_owned()));
            }
        }
        let (value, after) = rest.split_once(':')?;
        Some((value.to_owned(), after.to_owned()))
    };
    let (region, rest) = segment(rest, REGION_PLACEHOLDERS)?;
    let (account, resource) = segment(&rest, ACCOUNT_PLACEHOLDERS)?;
    changed.then(|| format!("arn:{partition}:{service}:{region}:{account}:{resource}"))
}

/// The name a queue or stream trigger uses, from what an event source names: an SQS or
/// Kinesis ARN's last part, a queue URL's last segment, or the text itself (a DynamoDB stream
/// ARN is kept whole: its table and label are both part of what identifies it).
pub fn source_name(text: &str) -> String {
    if text.starts_with("arn:") && text.contains(":dynamodb:") {
        return text.to_owned();
    }
    if text.starts_with("arn:") {
        let last = text.rsplit(':').next().unwrap_or(text);
        return last.strip_prefix("stream/").unwrap_or(last).to_owned();
    }
    if text.starts_with("https://") {
        return text.rsplit('/').next().unwrap_or(text).to_owned();
    }
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use functory_lint::parse::parse_yaml;

    fn resolve(yaml: &str, path: &[&str]) -> (String, Vec<String>) {
        let root = parse_yaml(yaml).unwrap();
        let cfn = Cfn::new(root.get("Parameters"), root.get("Resources"));
        let mut node = &root;
        for key in path {
            node = node.get(key).unwrap();
        }
        let mut rep = Reporter::new(yaml, "t.yaml");
        let text = cfn.text(node, "x", &mut Vec::new(), &mut rep).unwrap();
        (text, rep.report.lines())
    }

    #[test]
    fn resolves_parameters_resources_and_sub() {
        let yaml = "Parameters:\n  Stage:\n    Type: String\n    Default: prod\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub orders-${Stage}\nValue: !Sub \"${Q.Arn}|${AWS::Partition}|${!Lit}|${Other}\"\n";
        let (text, lines) = resolve(yaml, &["Value"]);
        assert_eq!(
            text,
            "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:orders-prod|aws|${Lit}|${Other}"
        );
        assert!(lines.is_empty(), "{lines:?}");
        assert_eq!(source_name(&text), "orders-prod|aws|${Lit}|${Other}");
    }

    #[test]
    fn unnamed_buckets_get_names_s3_accepts() {
        let yaml = "Resources:\n  Uploads:\n    Type: AWS::S3::Bucket\nValue: !Ref Uploads\nArn: !GetAtt Uploads.Arn\n";
        let root = parse_yaml(yaml).unwrap();
        let cfn = Cfn::new(None, root.get("Resources")).for_project("Photo_Shop");
        let mut rep = Reporter::new(yaml, "t.yaml");
        let name = cfn
            .text(root.get("Value").unwrap(), "x", &mut Vec::new(), &mut rep)
            .unwrap();
        assert_eq!(name, "photo-shop-uploads");
        assert!(is_valid_bucket_name(&name));
        let arn = cfn
            .text(root.get("Arn").unwrap(), "x", &mut Vec::new(), &mut rep)
            .unwrap();
        assert_eq!(arn, "arn:aws:s3:::photo-shop-uploads");
        let lines = rep.report.lines();
        assert!(
            lines[0].starts_with(
                "t.yaml:2:3: not mapped: Resources.Uploads: AWS::S3::Bucket has no BucketName"
            ),
            "{lines:?}"
        );
        assert_eq!(derived_bucket_name("", "B"), "b-bucket");
        assert_eq!(derived_bucket_name("", &"X".repeat(80)).len(), 63);
        for bad in [
            "Uploads",
            "ab",
            "a..b",
            "-ab",
            "ab-",
            "192.168.1.1",
            "up-${Stage}",
            "a_b",
        ] {
            assert!(!is_valid_bucket_name(bad), "{bad}");
        }
        for good in [
            "uploads",
            "my.site-2",
            "${AWS::StackName}-uploads",
            "logs-${AWS::AccountId}",
        ] {
            assert!(is_valid_bucket_name(good), "{good}");
        }
    }

    #[test]
    fn deploy_time_region_and_account_segments_become_wildcards() {
        assert_eq!(
            target_wildcards("arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders")
                .as_deref(),
            Some("arn:aws:dynamodb:*:*:table/orders")
        );
        assert_eq!(
            target_wildcards("arn:aws:sqs:eu-west-1:${aws:accountId}:jobs").as_deref(),
            Some("arn:aws:sqs:eu-west-1:*:jobs")
        );
        // S3 ARNs have neither; a placeholder in the resource part is not a segment.
        assert_eq!(
            target_wildcards("arn:aws:s3:::logs-${AWS::AccountId}/*"),
            None
        );
        assert_eq!(
            target_wildcards("arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${Stage}/*")
                .as_deref(),
            Some("arn:aws:ssm:*:*:parameter/${Stage}/*")
        );
        assert_eq!(
            target_wildcards("arn:aws:sns:us-east-1:123456789012:t"),
            None
        );
        assert_eq!(target_wildcards("*"), None);
        assert_eq!(target_wildcards("arn:aws:${AWS::Region}"), None);
    }

    #[test]
    fn cycles_are_reported_not_followed() {
        let yaml = "Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref B\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref A\nValue: !Ref A\n";
        let (text, lines) = resolve(yaml, &["Value"]);
        assert_eq!(text, "${A}");
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with("t.yaml:9:19: not mapped: x: circular reference A → B → A"),
            "{lines:?}"
        );
    }
}
