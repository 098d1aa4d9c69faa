//! The IAM policy model: views over a [`Node`] tree that name the parts rules care about.
//!
//! A policy is never copied out of its tree: statements and elements borrow the nodes, so every
//! part still has its span. The same model serves JSON policy files, policies inside
//! CloudFormation/SAM templates, the manifest's `permissions` (lower-case keys) and
//! `AWS::Lambda::Permission` resources (one statement spread over properties).

use std::fmt;

use serde::Serialize;

use crate::parse::{Member, Node, Span, Value};

/// What a policy is attached to decides which rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyKind {
    /// Attached to a user, group or role (or a function's execution role): who it is attached to
    /// may do what it allows.
    Identity,
    /// Attached to a resource (bucket, queue, function, key…): names who else may use it.
    Resource,
    /// A role's trust policy: who may assume the role.
    Trust,
}

impl PolicyKind {
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "identity" => Some(Self::Identity),
            "resource" => Some(Self::Resource),
            "trust" => Some(Self::Trust),
            _ => None,
        }
    }
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Identity => "identity",
            Self::Resource => "resource",
            Self::Trust => "trust",
        })
    }
}

/// How a statement is spelled where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// An IAM policy document (`Statement`, `Effect`, `Action`, …).
    Iam,
    /// A functory.toml permission (`effect`, `actions`, `resources`); core validates its shape.
    Manifest,
    /// An `AWS::Lambda::Permission` resource's properties: always an Allow of one action to one
    /// principal, with `SourceArn` / `SourceAccount` / `PrincipalOrgID` acting as conditions.
    LambdaPermission,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// One policy document found in a file.
#[derive(Debug)]
pub struct PolicyDocument<'a> {
    pub root: &'a Node,
    pub kind: PolicyKind,
    pub dialect: Dialect,
    /// Where the document is, for messages: `Resources.AppRole.Properties.Policies[0]`.
    pub label: String,
    /// The function this policy belongs to, when the source says so (manifest, SAM function).
    pub function: Option<String>,
    pub statements: Vec<Statement<'a>>,
}

/// An element that is either positive or negated: Action/NotAction, Resource/NotResource,
/// Principal/NotPrincipal.
#[derive(Debug, Clone, Copy)]
pub struct Element<'a> {
    pub key: &'a str,
    pub key_span: Span,
    pub node: &'a Node,
    pub negated: bool,
}

impl<'a> Element<'a> {
    fn from_member(member: &'a Member, negated: bool) -> Self {
        Self {
            key: &member.key,
            key_span: member.key_span,
            node: &member.value,
            negated,
        }
    }

    /// The element's values (one or many), strings or intrinsics.
    pub fn values(&self) -> Vec<&'a Node> {
        self.node.one_or_many()
    }

    /// The element's string values with their nodes.
    pub fn strings(&self) -> Vec<(&'a str, &'a Node)> {
        self.values()
            .into_iter()
            .filter_map(|n| n.as_str().map(|s| (s, n)))
            .collect()
    }

    /// The span covering the key and its value, for findings about the element as a whole.
    pub fn span(&self) -> Span {
        Span::new(
            self.key_span.start.min(self.node.span.start),
            self.node.span.end,
        )
    }
}

#[derive(Debug)]
pub struct Statement<'a> {
    pub node: &'a Node,
    pub index: usize,
    pub dialect: Dialect,
    pub sid: Option<&'a Member>,
    pub effect: Option<&'a Member>,
    pub action: Option<Element<'a>>,
    pub resource: Option<Element<'a>>,
    pub principal: Option<Element<'a>>,
    pub condition: Option<&'a Member>,
    /// Condition keys a Lambda permission's properties impose (`SourceArn` → `aws:SourceArn`).
    pub property_conditions: Vec<&'static str>,
}

/// Who a principal value names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    /// `"*"` or `{"AWS": "*"}`: anyone, any account.
    Anyone,
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

#[derive(Debug, Clone, Copy)]
pub struct PrincipalValue<'a> {
    pub kind: PrincipalKind,
    pub node: &'a Node,
}

impl PrincipalValue<'_> {
    pub fn text(&self) -> Option<&str> {
        self.node.as_str()
    }
}

/// One `Operator: {Key: values}` entry of a Condition block.
#[derive(Debug, Clone)]
pub struct ConditionClause<'a> {
    pub operator: &'a Member,
    pub key: &'a Member,
    pub values: Vec<&'a Node>,
}

/// A condition operator split into its parts: `ForAllValues:StringLikeIfExists` is set
/// qualifier `ForAllValues`, base `StringLike`, if-exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator<'a> {
    pub qualifier: Option<&'a str>,
    pub base: &'a str,
    pub if_exists: bool,
}

impl<'a> Operator<'a> {
    pub fn parse(text: &'a str) -> Self {
        let (qualifier, rest) = match text.split_once(':') {
            Some((q, rest)) => (Some(q), rest),
            None => (None, text),
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) if base != "Null" => (base, true),
            _ => (rest, false),
        };
        Self {
            qualifier,
            base,
            if_exists,
        }
    }

    /// Operators whose match means "the value is one of these", as opposed to "is not".
    pub fn is_positive(&self) -> bool {
        !self.base.contains("Not") && self.base != "Null"
    }
}

impl<'a> Statement<'a> {
    pub fn effect(&self) -> Option<Effect> {
        if self.dialect == Dialect::LambdaPermission {
            return Some(Effect::Allow);
        }
        match self.effect?.value.as_str()? {
            "Allow" => Some(Effect::Allow),
            "Deny" => Some(Effect::Deny),
            // The manifest spells effects as core's enum does; other casings are errors there.
            "allow" if self.dialect == Dialect::Manifest => Some(Effect::Allow),
            "deny" if self.dialect == Dialect::Manifest => Some(Effect::Deny),
            _ => None,
        }
    }

    pub fn is_allow(&self) -> bool {
        // The manifest's effect defaults to Allow.
        self.effect() == Some(Effect::Allow)
            || (self.dialect == Dialect::Manifest && self.effect.is_none())
    }

    pub fn is_deny(&self) -> bool {
        self.effect() == Some(Effect::Deny)
    }

    /// A short name for messages: the Sid when there is one, else the position.
    pub fn name(&self) -> String {
        match self.sid.and_then(|s| s.value.as_str()) {
            Some(sid) if !sid.is_empty() => format!("statement `{sid}`"),
            _ => format!("statement {}", self.index + 1),
        }
    }

    /// The statement's action strings (or NotAction's), with their nodes.
    pub fn actions(&self) -> Vec<(&'a str, &'a Node)> {
        self.action.map(|a| a.strings()).unwrap_or_default()
    }

    pub fn resources(&self) -> Vec<(&'a str, &'a Node)> {
        self.resource.map(|r| r.strings()).unwrap_or_default()
    }

    /// Whether this statement's Action/NotAction covers `action` (`service:Name`, exact case
    /// as the catalogue spells it; matching is case-insensitive as IAM's is).
    pub fn covers_action(&self, action: &str) -> bool {
        let Some(element) = self.action else {
            return false;
        };
        let matched = element
            .node
            .items()
            .any(|n| n.as_str().is_some_and(|p| wildcard_match(p, action)));
        matched != element.negated
    }

    /// Whether the Resource element is (or includes) `*`; a NotResource counts as `*` since it
    /// grants every resource but a few.
    pub fn applies_to_all_resources(&self) -> bool {
        match self.resource {
            // The manifest's `resources` defaults to ["*"].
            None => self.dialect == Dialect::Manifest,
            Some(r) if r.negated => true,
            Some(r) => r.strings().iter().any(|(s, _)| *s == "*"),
        }
    }

    pub fn conditions(&self) -> Vec<ConditionClause<'a>> {
        let Some(condition) = self.condition else {
            return Vec::new();
        };
        let mut clauses = Vec::new();
        for operator in condition.value.as_object().unwrap_or_default() {
            for key in operator.value.as_object().unwrap_or_default() {
                clauses.push(ConditionClause {
                    operator,
                    key,
                    values: key.value.one_or_many(),
                });
            }
        }
        clauses
    }

    /// Condition keys (lower case) that this statement tests with a positive operator and a
    /// value that is not a bare wildcard: these narrow who or what the statement applies to.
    pub fn restricting_condition_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .property_conditions
            .iter()
            .map(|k| k.to_ascii_lowercase())
            .collect();
        for clause in self.conditions() {
            let operator = Operator::parse(&clause.operator.key);
            if !operator.is_positive() || operator.if_exists {
                continue;
            }
            let wildcard_only = clause
                .values
                .iter()
                .all(|v| v.as_str().is_some_and(|s| s.chars().all(|c| c == '*')));
            if wildcard_only {
                continue;
            }
            keys.push(clause.key.key.to_ascii_lowercase());
        }
        keys
    }

    /// The first of `keys` (lower case) that restricts this statement.
    pub fn restricted_by(&self, keys: &[&str]) -> Option<String> {
        self.restricting_condition_keys()
            .into_iter()
            .find(|k| keys.iter().any(|wanted| wildcard_match(wanted, k)))
    }

    pub fn principals(&self) -> Vec<PrincipalValue<'a>> {
        let Some(principal) = self.principal else {
            return Vec::new();
        };
        if self.dialect == Dialect::LambdaPermission {
            // A Lambda permission's Principal is a bare string: `*`, an account, an ARN or a
            // service's host name.
            return principal
                .values()
                .into_iter()
                .map(|node| {
                    let kind = match node.as_str() {
                        Some("*") => PrincipalKind::Anyone,
                        Some(s)
                            if s.ends_with(".amazonaws.com") || s.ends_with(".aws.internal") =>
                        {
                            PrincipalKind::Service
                        }
                        _ => PrincipalKind::Aws,
                    };
                    PrincipalValue { kind, node }
                })
                .collect();
        }
        match &principal.node.value {
            Value::String(s) if s == "*" => vec![PrincipalValue {
                kind: PrincipalKind::Anyone,
                node: principal.node,
            }],
            Value::Object(members) => {
                let mut out = Vec::new();
                for member in members {
                    let kind = match member.key.as_str() {
                        "AWS" => PrincipalKind::Aws,
                        "Service" => PrincipalKind::Service,
                        "Federated" => PrincipalKind::Federated,
                        "CanonicalUser" => PrincipalKind::CanonicalUser,
                        _ => continue,
                    };
                    for node in member.value.one_or_many() {
                        let kind = if kind == PrincipalKind::Aws && node.as_str() == Some("*") {
                            PrincipalKind::Anyone
                        } else {
                            kind
                        };
                        out.push(PrincipalValue { kind, node });
                    }
                }
                out
            }
            _ => Vec::new(),
        }
    }
}

impl<'a> PolicyDocument<'a> {
    /// The statements that are Allows.
    pub fn allows(&self) -> impl Iterator<Item = &Statement<'a>> {
        self.statements.iter().filter(|s| s.is_allow())
    }

    /// A Deny statement of this document that takes `action` away on every resource with no
    /// condition: the risk of allowing it is then gone.
    pub fn unconditional_deny_of(&self, action: &str) -> Option<&Statement<'a>> {
        self.statements.iter().find(|s| {
            s.is_deny()
                && s.condition.is_none()
                && s.applies_to_all_resources()
                && s.covers_action(action)
        })
    }

    /// A Deny statement that takes `action` away only under a condition or on some resources:
    /// the risk is lowered, not removed.
    pub fn partial_deny_of(&self, action: &str) -> Option<&Statement<'a>> {
        self.statements
            .iter()
            .find(|s| s.is_deny() && s.covers_action(action))
    }

    /// The first Allow statement granting `action` that no unconditional Deny cancels.
    pub fn granting(&self, action: &str) -> Option<&Statement<'a>> {
        if self.unconditional_deny_of(action).is_some() {
            return None;
        }
        self.allows().find(|s| s.covers_action(action))
    }
}

/// IAM wildcard matching, case-insensitive: `functory_core::iam::action_matches`, the one
/// matcher (for ARNs the linter reads case-insensitively too: a finding on a case difference
/// would be noise).
pub use functory_core::iam::action_matches as wildcard_match;

/// Reads an IAM policy document (`Version`, `Statement`) found at `root`.
pub fn read_policy<'a>(
    root: &'a Node,
    kind: PolicyKind,
    label: String,
    function: Option<String>,
) -> PolicyDocument<'a> {
    let statements = match root.get("Statement") {
        Some(node) => match &node.value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, n)| read_iam_statement(n, i))
                .collect(),
            Value::Object(_) => read_iam_statement(node, 0).into_iter().collect(),
            _ => Vec::new(),
        },
        None => Vec::new(),
    };
    PolicyDocument {
        root,
        kind,
        dialect: Dialect::Iam,
        label,
        function,
        statements,
    }
}

fn read_iam_statement(node: &Node, index: usize) -> Option<Statement<'_>> {
    node.as_object()?;
    let element = |positive: &str, negative: &str| {
        node.member(positive)
            .map(|m| Element::from_member(m, false))
            .or_else(|| node.member(negative).map(|m| Element::from_member(m, true)))
    };
    Some(Statement {
        node,
        index,
        dialect: Dialect::Iam,
        sid: node.member("Sid"),
        effect: node.member("Effect"),
        action: element("Action", "NotAction"),
        resource: element("Resource", "NotResource"),
        principal: element("Principal", "NotPrincipal"),
        condition: node.member("Condition"),
        property_conditions: Vec::new(),
    })
}

/// The manifest's `permissions` array of one function as an identity policy.
pub fn read_manifest_permissions<'a>(permissions: &'a Node, function: &str) -> PolicyDocument<'a> {
    let statements = permissions
        .as_array()
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter(|(_, n)| n.as_object().is_some())
        .map(|(index, node)| Statement {
            node,
            index,
            dialect: Dialect::Manifest,
            sid: None,
            effect: node.member("effect"),
            action: node
                .member("actions")
                .map(|m| Element::from_member(m, false)),
            resource: node
                .member("resources")
                .map(|m| Element::from_member(m, false)),
            principal: None,
            condition: None,
            property_conditions: Vec::new(),
        })
        .collect();
    PolicyDocument {
        root: permissions,
        kind: PolicyKind::Identity,
        dialect: Dialect::Manifest,
        label: format!("functions.{function}.permissions"),
        function: Some(function.to_owned()),
        statements,
    }
}

/// An `AWS::Lambda::Permission`'s properties as a one-statement resource policy.
pub fn read_lambda_permission<'a>(properties: &'a Node, label: String) -> PolicyDocument<'a> {
    let mut property_conditions = Vec::new();
    for (property, key) in [
        ("SourceArn", "aws:SourceArn"),
        ("SourceAccount", "aws:SourceAccount"),
        ("PrincipalOrgID", "aws:PrincipalOrgID"),
        ("EventSourceToken", "lambda:EventSourceToken"),
    ] {
        if properties.get(property).is_some() {
            property_conditions.push(key);
        }
    }
    let statement = Statement {
        node: properties,
        index: 0,
        dialect: Dialect::LambdaPermission,
        sid: None,
        effect: None,
        action: properties
            .member("Action")
            .map(|m| Element::from_member(m, false)),
        resource: None,
        principal: properties
            .member("Principal")
            .map(|m| Element::from_member(m, false)),
        condition: None,
        property_conditions,
    };
    PolicyDocument {
        root: properties,
        kind: PolicyKind::Resource,
        dialect: Dialect::LambdaPermission,
        label,
        function: None,
        statements: vec![statement],
    }
}

/// Guesses a standalone document's kind: a Principal makes it a resource policy, and one whose
/// actions are all `sts:AssumeRole*` a trust policy.
pub fn detect_kind(root: &Node) -> PolicyKind {
    let document = read_policy(root, PolicyKind::Identity, String::new(), None);
    let with_principal: Vec<_> = document
        .statements
        .iter()
        .filter(|s| s.principal.is_some())
        .collect();
    if with_principal.is_empty() {
        return PolicyKind::Identity;
    }
    let assume_only = with_principal.iter().all(|s| {
        let actions = s.actions();
        !actions.is_empty()
            && actions.iter().all(|(a, _)| {
                let a = a.to_ascii_lowercase();
                a.starts_with("sts:assumerole")
                    || a == "sts:tagsession"
                    || a == "sts:setsourceidentity"
            })
    });
    if assume_only {
        PolicyKind::Trust
    } else {
        PolicyKind::Resource
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_json;

    #[test]
    fn reads_statement_object_or_array_and_negated_elements() {
        let single = parse_json(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#,
        )
        .unwrap();
        let doc = read_policy(&single, PolicyKind::Identity, "x".into(), None);
        assert_eq!(doc.statements.len(), 1);
        let s = &doc.statements[0];
        assert!(s.action.unwrap().negated);
        assert!(s.covers_action("s3:GetObject"));
        assert!(!s.covers_action("iam:PassRole"));
        assert!(s.applies_to_all_resources());
    }

    #[test]
    fn kinds_are_detected() {
        let trust = parse_json(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .unwrap();
        assert_eq!(detect_kind(&trust), PolicyKind::Trust);
        let resource = parse_json(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
        )
        .unwrap();
        assert_eq!(detect_kind(&resource), PolicyKind::Resource);
        let identity =
            parse_json(r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#)
                .unwrap();
        assert_eq!(detect_kind(&identity), PolicyKind::Identity);
    }

    #[test]
    fn deny_cancels_and_conditions_restrict() {
        let node = parse_json(
            r#"{"Statement":[
                {"Effect":"Allow","Action":"iam:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"},"StringLike":{"aws:SourceArn":"*"}}},
                {"Effect":"Deny","Action":"iam:PassRole","Resource":"*"}]}"#,
        )
        .unwrap();
        let doc = read_policy(&node, PolicyKind::Identity, "x".into(), None);
        assert!(doc.granting("iam:PassRole").is_none());
        assert!(doc.granting("iam:CreateUser").is_some());
        let keys = doc.statements[0].restricting_condition_keys();
        assert_eq!(keys, vec!["aws:principalorgid".to_owned()]);
    }

    #[test]
    fn operators_split_into_parts() {
        assert_eq!(
            Operator::parse("ForAllValues:StringLikeIfExists"),
            Operator {
                qualifier: Some("ForAllValues"),
                base: "StringLike",
                if_exists: true
            }
        );
        assert!(!Operator::parse("StringNotEquals").is_positive());
    }
}
