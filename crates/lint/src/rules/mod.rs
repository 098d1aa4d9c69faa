//! The rules: one file per rule, each a [`Rule`] whose doc comment is its user documentation.
//!
//! A rule file declares its rule with [`declare_rule!`], which turns the `///` documentation
//! into the rule's `documentation` string, so the docs shown by `functory lint --explain`, in
//! the app and by rustdoc are the same text. [`RULES`] is the registry: the one table from
//! code to rule.

use std::cell::RefCell;
use std::rc::Rc;

use serde::Serialize;

use crate::catalogue::{Action, Catalogue, Service};
use crate::finding::{Applicability, Finding, Severity};
use crate::parse::Span;
use crate::policy::PolicyDocument;
use crate::source::{FunctionConfig, SourceFormat};

/// Declares a rule; its doc comment becomes [`Rule::documentation`].
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub static $name:ident = Rule {
            code: $code:literal,
            name: $rule_name:literal,
            summary: $summary:literal,
            severity: $severity:expr,
            fix: $fix:expr,
            check: $check:expr $(,)?
        };
    ) => {
        $(#[doc = $doc])*
        pub static $name: $crate::rules::Rule = $crate::rules::Rule {
            code: $code,
            name: $rule_name,
            summary: $summary,
            severity: $severity,
            fix: $fix,
            check: $check,
            raw_documentation: concat!($($doc, "\n"),*),
        };
    };
}

/// What a rule looks at.
#[derive(Clone, Copy)]
pub enum Check {
    /// Reported while reading files (syntax, suppressions), not by a check function.
    Reader,
    /// Called once per policy document.
    Policy(fn(&PolicyContext<'_, '_>, &mut Vec<Finding>)),
    /// Called once per function configuration.
    Function(fn(&FunctionContext<'_, '_>, &mut Vec<Finding>)),
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Check::Reader => "Reader",
            Check::Policy(_) => "Policy",
            Check::Function(_) => "Function",
        })
    }
}

#[derive(Debug)]
pub struct Rule {
    /// Stable code, never reused: `IAM201`.
    pub code: &'static str,
    /// Kebab-case name: `full-admin`.
    pub name: &'static str,
    /// One line: what the rule reports.
    pub summary: &'static str,
    pub severity: Severity,
    /// The most a fix of this rule can be trusted, or `None` when it has no fix.
    pub fix: Option<Applicability>,
    pub check: Check,
    raw_documentation: &'static str,
}

/// The documentation sections every rule must have, in order.
pub const DOC_SECTIONS: [&str; 5] = [
    "What it checks",
    "Why it matters",
    "Example",
    "Fix",
    "References",
];

impl Rule {
    /// A finding of this rule at its default severity.
    pub fn finding(&'static self, span: Span, message: impl Into<String>) -> Finding {
        Finding {
            code: self.code,
            severity: self.severity,
            message: message.into(),
            span,
            fix: None,
            note: None,
            context: None,
            function: None,
            suppressed: None,
        }
    }

    /// The rule's documentation as Markdown (the doc comment without its leading spaces).
    pub fn documentation(&self) -> String {
        self.raw_documentation
            .lines()
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_owned()
    }

    /// The text under one `## Section` heading of the documentation.
    pub fn doc_section(&self, heading: &str) -> Option<String> {
        let documentation = self.documentation();
        let marker = format!("## {heading}\n");
        let start = documentation.find(&marker)? + marker.len();
        let rest = &documentation[start..];
        let end = rest.find("\n## ").unwrap_or(rest.len());
        Some(rest[..end].trim().to_owned())
    }

    pub fn to_doc(&self) -> RuleDoc {
        RuleDoc {
            code: self.code,
            name: self.name,
            summary: self.summary,
            severity: self.severity,
            fix: self.fix.map(Applicability::as_str).unwrap_or("none"),
            target: match self.check {
                Check::Reader => "file",
                Check::Policy(_) => "policy",
                Check::Function(_) => "function",
            },
            documentation: self.documentation(),
        }
    }
}

/// A rule's documentation as data, for the app's rule browser and `--explain`.
#[derive(Debug, Clone, Serialize)]
pub struct RuleDoc {
    pub code: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    pub severity: Severity,
    pub fix: &'static str,
    pub target: &'static str,
    pub documentation: String,
}

/// What a policy rule sees.
#[derive(Debug)]
pub struct PolicyContext<'a, 'b> {
    pub document: &'b PolicyDocument<'a>,
    pub text: &'a str,
    pub format: SourceFormat,
    pub catalogue: &'static Catalogue,
    /// Several rules expand the same action patterns; each pattern is expanded once per
    /// document.
    expansions: RefCell<crate::catalogue::FastMap<String, Expansion>>,
    /// Catalogue action id → index of the first Allow statement whose Action names it.
    grants: RefCell<GrantIndex>,
}

/// The actions one pattern stands for.
pub type Expansion = Rc<[(&'static Service, &'static Action)]>;

impl<'a, 'b> PolicyContext<'a, 'b> {
    pub fn new(
        document: &'b PolicyDocument<'a>,
        text: &'a str,
        format: SourceFormat,
        catalogue: &'static Catalogue,
    ) -> Self {
        Self {
            document,
            text,
            format,
            catalogue,
            expansions: RefCell::default(),
            grants: RefCell::default(),
        }
    }

    /// [`Catalogue::expand`], remembered for this document.
    pub fn expand(&self, pattern: &str) -> Expansion {
        if let Some(found) = self.expansions.borrow().get(pattern) {
            return Rc::clone(found);
        }
        let expansion: Expansion = self.catalogue.expand(pattern).into();
        self.expansions
            .borrow_mut()
            .insert(pattern.to_owned(), Rc::clone(&expansion));
        expansion
    }

    /// The first Allow statement that grants `action` (`service:Name`) and that no
    /// unconditional Deny cancels: [`PolicyDocument::granting`] through an index built per
    /// service on first use, since escalation checks ask for dozens of actions.
    pub fn granting(&self, action: &str) -> Option<&crate::policy::Statement<'a>> {
        let document = self.document;
        if document.unconditional_deny_of(action).is_some() {
            return None;
        }
        let Some((service, found)) = self.catalogue.action(action) else {
            return document.granting(action);
        };
        let mut grants = self.grants.borrow_mut();
        if !grants.indexed.contains(&service.prefix) {
            grants.indexed.push(service.prefix.clone());
            for (i, statement) in document.statements.iter().enumerate() {
                if !statement.is_allow() || statement.action.is_none_or(|a| a.negated) {
                    continue;
                }
                for (pattern, _) in statement.actions() {
                    if pattern == "*" || pattern == "*:*" {
                        grants.everything.get_or_insert(i);
                        continue;
                    }
                    let Some((prefix, _)) = pattern.split_once(':') else {
                        continue;
                    };
                    if prefix.eq_ignore_ascii_case(&service.prefix) {
                        for (_, granted) in self.expand(pattern).iter() {
                            grants.by_action.entry(granted.id).or_insert(i);
                        }
                    } else if prefix.contains(['*', '?']) && statement.covers_action(action) {
                        // A wildcard service prefix is rare; ask the statement directly.
                        grants.by_action.entry(found.id).or_insert(i);
                    }
                }
            }
        }
        let by_index = grants.by_action.get(&found.id).copied();
        let everything = grants.everything;
        drop(grants);
        // NotAction statements grant by exclusion; they are few, so ask them directly.
        let by_exclusion = document
            .allows()
            .find(|s| s.action.is_some_and(|a| a.negated) && s.covers_action(action))
            .map(|s| s.index);
        [by_index, everything, by_exclusion]
            .into_iter()
            .flatten()
            .min()
            .map(|i| &document.statements[i])
    }
}

/// Which statements grant which catalogue actions, filled one service at a time.
#[derive(Debug, Default)]
struct GrantIndex {
    indexed: Vec<String>,
    by_action: crate::catalogue::FastMap<u32, usize>,
    everything: Option<usize>,
}

/// What a function rule sees.
#[derive(Debug)]
pub struct FunctionContext<'a, 'b> {
    pub function: &'b FunctionConfig<'a>,
    pub text: &'a str,
    pub format: SourceFormat,
    /// The day dated facts (runtime lifecycles) are judged on.
    pub today: chrono::NaiveDate,
}

/// Replacement text for a scalar at `span` that keeps the source's quoting style: JSON and
/// TOML strings stay double-quoted, YAML plain scalars stay plain when that is safe.
pub(crate) fn scalar_text(text: &str, span: Span, value: &str) -> String {
    match text.as_bytes().get(span.start) {
        Some(b'"') => crate::finding::quoted(value),
        Some(b'\'') if !value.contains('\'') => format!("'{value}'"),
        _ => {
            let plain_safe = !value.is_empty()
                && !value.starts_with(['*', '&', '!', '%', '@', '`', '{', '[', '\'', '"', '-'])
                && !value.contains(": ")
                && !value.contains(" #");
            if plain_safe {
                value.to_owned()
            } else {
                crate::finding::quoted(value)
            }
        }
    }
}

/// What remains of a risk an Allow statement creates for `action`, once Deny statements and
/// conditions are taken into account: `None` when an unconditional Deny removes it, else the
/// finding, lowered with the reason when a partial Deny or a restricting condition narrows it.
pub(crate) fn honour_denies_and_conditions(
    document: &PolicyDocument<'_>,
    statement: &crate::policy::Statement<'_>,
    action: &str,
    finding: Finding,
) -> Option<Finding> {
    if document.unconditional_deny_of(action).is_some() {
        return None;
    }
    if let Some(deny) = document.partial_deny_of(action) {
        return Some(finding.lowered(format!(
            "lowered: {} denies it under a condition or on some resources",
            deny.name()
        )));
    }
    if let Some(key) = statement.restricting_condition_keys().first() {
        return Some(finding.lowered(format!(
            "lowered: the statement is restricted by the condition key `{key}`"
        )));
    }
    Some(finding)
}

/// Allow statements of an identity policy that name actions explicitly (not `*`, not
/// NotAction) and apply to every resource: what the "sensitive action on *" rules look at.
pub(crate) fn explicit_allows_on_everything<'d, 'a>(
    document: &'d PolicyDocument<'a>,
) -> impl Iterator<Item = &'d crate::policy::Statement<'a>> {
    document.statements.iter().filter(|s| {
        s.is_allow()
            && s.action.is_some_and(|a| !a.negated)
            && s.resource.is_none_or(|r| !r.negated)
            && s.applies_to_all_resources()
            && !s.actions().iter().any(|(a, _)| *a == "*" || *a == "*:*")
    })
}

/// Reports, per statement, which of `actions` (a set of lower-case `service:action` names) an
/// identity policy allows on every resource. The statement's patterns are expanded against the
/// catalogue and intersected with the set, so the cost follows the policy's size, not the
/// set's.
pub(crate) fn report_sensitive_actions(
    ctx: &PolicyContext<'_, '_>,
    rule: &'static Rule,
    actions: &crate::catalogue::ActionSet,
    what: &str,
    out: &mut Vec<Finding>,
) {
    if ctx.document.kind != crate::policy::PolicyKind::Identity {
        return;
    }
    for statement in explicit_allows_on_everything(ctx.document) {
        let mut granted: Vec<String> = Vec::new();
        let mut anchor = None;
        for (pattern, node) in statement.actions() {
            for &(service, action) in ctx.expand(pattern).iter() {
                if !actions.contains(action) {
                    continue;
                }
                let full = format!("{}:{}", service.prefix, action.name);
                if !granted.contains(&full) && ctx.document.unconditional_deny_of(&full).is_none() {
                    anchor.get_or_insert(node.span);
                    granted.push(full);
                }
            }
        }
        let Some(span) = anchor else { continue };
        // Actions a conditional Deny narrows are named apart; if all are narrowed, the finding
        // is lowered.
        let (limited, open): (Vec<&str>, Vec<&str>) = granted
            .iter()
            .map(String::as_str)
            .partition(|a| ctx.document.partial_deny_of(a).is_some());
        let shown = if open.is_empty() { &limited } else { &open };
        let mut message = format!(
            "{} allows {what} on every resource: {}",
            statement.name(),
            list_some(shown, 4)
        );
        if !open.is_empty() && !limited.is_empty() {
            message.push_str(&format!(" (a Deny limits {} more)", limited.len()));
        }
        let representative = shown[0];
        let finding = rule.finding(span, message);
        if let Some(finding) =
            honour_denies_and_conditions(ctx.document, statement, representative, finding)
        {
            out.push(finding);
        }
    }
}

/// The catalogue actions named in `actions` (exact names, any case).
pub(crate) fn action_set(catalogue: &Catalogue, actions: &[&str]) -> crate::catalogue::ActionSet {
    let wanted: std::collections::HashSet<String> =
        actions.iter().map(|a| a.to_ascii_lowercase()).collect();
    catalogue.action_set(|service, action| {
        wanted.contains(&format!("{}:{}", service.prefix, action.name).to_ascii_lowercase())
    })
}

/// `a, b, c and 4 more`.
pub(crate) fn list_some(items: &[&str], shown: usize) -> String {
    let mut text = items
        .iter()
        .take(shown)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > shown {
        text.push_str(&format!(" and {} more", items.len() - shown));
    }
    text
}

pub mod iam001_syntax_error;
pub mod iam002_policy_version;
pub mod iam003_invalid_sid;
pub mod iam004_invalid_effect;
pub mod iam005_malformed_element;
pub mod iam006_unknown_element;
pub mod iam101_unknown_service;
pub mod iam102_unknown_action;
pub mod iam103_invalid_arn;
pub mod iam104_resource_type_mismatch;
pub mod iam105_unknown_condition_operator;
pub mod iam106_unknown_condition_key;
pub mod iam107_condition_type_mismatch;
pub mod iam108_set_operator_on_single_valued_key;
pub mod iam201_full_admin;
pub mod iam202_service_wildcard;
pub mod iam203_resource_wildcard;
pub mod iam204_allow_with_negation;
pub mod iam205_pass_role_unrestricted;
pub mod iam206_privilege_escalation;
pub mod iam207_data_exfiltration;
pub mod iam208_credentials_exposure;
pub mod iam209_permissions_management;
pub mod iam210_resource_exposure;
pub mod lmb001_function_url_auth_none;
pub mod lmb002_cors_any_origin_with_credentials;
pub mod lmb003_secret_in_environment;
pub mod lmb004_deprecated_runtime;
pub mod lmb005_timeout_extreme;
pub mod lmb006_memory_extreme;
pub mod lnt001_invalid_suppression;
pub mod res001_public_access;
pub mod res002_allow_not_principal;
pub mod res003_service_principal_without_source;
pub mod trs001_trust_anyone;
pub mod trs002_cross_account_without_external_id;
pub mod trs003_web_identity_without_subject;

/// Every rule, by code. Codes are stable: a retired rule's code is never reused.
pub static RULES: &[&Rule] = &[
    &iam001_syntax_error::RULE,
    &iam002_policy_version::RULE,
    &iam003_invalid_sid::RULE,
    &iam004_invalid_effect::RULE,
    &iam005_malformed_element::RULE,
    &iam006_unknown_element::RULE,
    &iam101_unknown_service::RULE,
    &iam102_unknown_action::RULE,
    &iam103_invalid_arn::RULE,
    &iam104_resource_type_mismatch::RULE,
    &iam105_unknown_condition_operator::RULE,
    &iam106_unknown_condition_key::RULE,
    &iam107_condition_type_mismatch::RULE,
    &iam108_set_operator_on_single_valued_key::RULE,
    &iam201_full_admin::RULE,
    &iam202_service_wildcard::RULE,
    &iam203_resource_wildcard::RULE,
    &iam204_allow_with_negation::RULE,
    &iam205_pass_role_unrestricted::RULE,
    &iam206_privilege_escalation::RULE,
    &iam207_data_exfiltration::RULE,
    &iam208_credentials_exposure::RULE,
    &iam209_permissions_management::RULE,
    &iam210_resource_exposure::RULE,
    &res001_public_access::RULE,
    &res002_allow_not_principal::RULE,
    &res003_service_principal_without_source::RULE,
    &trs001_trust_anyone::RULE,
    &trs002_cross_account_without_external_id::RULE,
    &trs003_web_identity_without_subject::RULE,
    &lmb001_function_url_auth_none::RULE,
    &lmb002_cors_any_origin_with_credentials::RULE,
    &lmb003_secret_in_environment::RULE,
    &lmb004_deprecated_runtime::RULE,
    &lmb005_timeout_extreme::RULE,
    &lmb006_memory_extreme::RULE,
    &lnt001_invalid_suppression::RULE,
];

pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code) || r.name == code)
}

pub fn rule_docs() -> Vec<RuleDoc> {
    RULES.iter().map(|r| r.to_doc()).collect()
}
