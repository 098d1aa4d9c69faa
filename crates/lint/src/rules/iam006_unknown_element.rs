use functory_core::runtime::edit_distance;

use crate::finding::{Applicability, Finding, Fix, Severity};
use crate::parse::{Member, Node};
use crate::policy::Dialect;
use crate::rules::{Check, PolicyContext, scalar_text};

declare_rule! {
    /// ## What it checks
    /// Element names IAM does not know (`Actions`, `resource`, `Conditions`), an element that
    /// appears twice in one object, and statements with both an element and its negation
    /// (`Action` and `NotAction`).
    ///
    /// ## Why it matters
    /// IAM rejects the policy. In tools that ignore unknown keys the element silently does
    /// nothing: a misspelt `Conditon` turns a restricted Allow into an unrestricted one.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Actions": "s3:GetObject", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Use the element names of the IAM grammar: `Version`, `Id`, `Statement`; in statements
    /// `Sid`, `Effect`, `Principal`/`NotPrincipal`, `Action`/`NotAction`,
    /// `Resource`/`NotResource`, `Condition`. The rename fix is unsafe: the renamed element
    /// starts to take effect.
    ///
    /// ## References
    /// - AWS IAM User Guide: IAM JSON policy element reference
    pub static RULE = Rule {
        code: "IAM006",
        name: "unknown-element",
        summary: "An unknown, duplicated or contradictory policy element",
        severity: Severity::High,
        fix: Some(Applicability::Unsafe),
        check: Check::Policy(check),
    };
}

const DOCUMENT_KEYS: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

fn suggest(key: &str, known: &[&'static str]) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&lower, &k.to_ascii_lowercase()), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn check_keys(
    ctx: &PolicyContext<'_, '_>,
    object: &Node,
    known: &[&'static str],
    what: &str,
    out: &mut Vec<Finding>,
) {
    let members: &[Member] = object.as_object().unwrap_or_default();
    for (i, member) in members.iter().enumerate() {
        if members[..i].iter().any(|m| m.key == member.key) {
            out.push(RULE.finding(
                member.key_span,
                format!("`{}` appears twice in this {what}", member.key),
            ));
            continue;
        }
        if known.contains(&member.key.as_str()) {
            continue;
        }
        let mut message = format!("`{}` is not an element of an IAM {what}", member.key);
        let suggestion =
            suggest(&member.key, known).filter(|s| !members.iter().any(|m| m.key == *s));
        let finding = match suggestion {
            Some(s) => {
                message.push_str(&format!("; did you mean `{s}`?"));
                RULE.finding(member.key_span, message)
                    .with_fix(Fix::replace(
                        Applicability::Unsafe,
                        format!("rename to {s}"),
                        member.key_span,
                        scalar_text(ctx.text, member.key_span, s),
                    ))
            }
            None => RULE.finding(member.key_span, message),
        };
        out.push(finding);
    }
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    let document = ctx.document;
    if document.dialect != Dialect::Iam || document.root.as_object().is_none() {
        return;
    }
    check_keys(ctx, document.root, DOCUMENT_KEYS, "policy", out);
    for statement in &document.statements {
        check_keys(ctx, statement.node, STATEMENT_KEYS, "statement", out);
        for (positive, negative) in [
            ("Action", "NotAction"),
            ("Resource", "NotResource"),
            ("Principal", "NotPrincipal"),
        ] {
            if statement.node.get(positive).is_some()
                && let Some(member) = statement.node.member(negative)
            {
                out.push(RULE.finding(
                    member.key_span,
                    format!(
                        "{} has both {positive} and {negative}; use one of them",
                        statement.name()
                    ),
                ));
            }
        }
    }
}
