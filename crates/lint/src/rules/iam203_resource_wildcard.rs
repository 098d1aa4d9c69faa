use crate::catalogue::AccessLevel;
use crate::finding::{Finding, Severity};
use crate::policy::PolicyKind;
use crate::rules::{Check, PolicyContext, list_some};

declare_rule! {
    /// ## What it checks
    /// Allow statements with `"Resource": "*"` whose actions support resource-level
    /// permissions, so they could name the bucket, table, queue or function they are for.
    /// Actions that only accept `*` (such as `s3:ListAllMyBuckets`) and List actions are not
    /// reported; service-wide wildcards are IAM202's and `*` is IAM201's.
    ///
    /// ## Why it matters
    /// `dynamodb:PutItem` on `*` writes to every table in the account, including other
    /// applications' tables. Naming the resource limits a bug or a compromise to what the
    /// function is for.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Name the resources: `"Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"`.
    /// A condition on the resource (tags, account) lowers the finding.
    ///
    /// ## References
    /// - AWS IAM User Guide: Grant least privilege
    /// - AWS Service Authorization Reference: resource types of each action
    pub static RULE = Rule {
        code: "IAM203",
        name: "resource-wildcard",
        summary: "Resource \"*\" for actions that can be limited to named resources",
        severity: Severity::Medium,
        fix: None,
        check: Check::Policy(check),
    };
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    if ctx.document.kind != PolicyKind::Identity {
        return;
    }
    for statement in ctx.document.allows() {
        if statement.action.is_none_or(|a| a.negated)
            || statement.resource.is_some_and(|r| r.negated)
        {
            continue;
        }
        if !statement.applies_to_all_resources() {
            continue;
        }
        let mut scopeable: Vec<(&crate::catalogue::Service, &crate::catalogue::Action)> =
            Vec::new();
        let mut seen: std::collections::HashSet<
            u32,
            std::hash::BuildHasherDefault<crate::catalogue::FnvHasher>,
        > = Default::default();
        let mut writes = false;
        let has_deny = ctx.document.statements.iter().any(|s| s.is_deny());
        for (pattern, _) in statement.actions() {
            let whole_service = pattern == "*"
                || pattern
                    .split_once(':')
                    .is_some_and(|(_, n)| n.chars().all(|c| c == '*'));
            if whole_service {
                continue;
            }
            for &(service, action) in ctx.expand(pattern).iter() {
                if action.resource_types.is_empty()
                    || action.access_level == AccessLevel::List
                    || !seen.insert(action.id)
                {
                    continue;
                }
                if has_deny
                    && ctx
                        .document
                        .unconditional_deny_of(&format!("{}:{}", service.prefix, action.name))
                        .is_some()
                {
                    continue;
                }
                writes |= action.access_level != AccessLevel::Read;
                scopeable.push((service, action));
            }
        }
        if scopeable.is_empty() {
            continue;
        }
        let span = statement
            .resources()
            .into_iter()
            .find(|(r, _)| *r == "*")
            .map(|(_, n)| n.span)
            // The manifest's `resources` defaults to "*": point at the actions instead.
            .or_else(|| statement.action.map(|a| a.span()))
            .unwrap_or(statement.node.span);
        let shown: Vec<String> = scopeable
            .iter()
            .take(3)
            .map(|(service, action)| format!("{}:{}", service.prefix, action.name))
            .collect();
        let mut names: Vec<&str> = shown.iter().map(String::as_str).collect();
        // list_some counts what is not shown.
        names.extend(std::iter::repeat_n("", scopeable.len() - shown.len()));
        let mut finding = RULE.finding(
            span,
            format!(
                "{} grants {} on every resource; they can be limited to named resources",
                statement.name(),
                list_some(&names, 3)
            ),
        );
        if !writes {
            finding = finding.with_severity(Severity::Low);
        }
        if let Some(key) = statement.restricting_condition_keys().first() {
            finding = finding.lowered(format!(
                "lowered: the statement is restricted by the condition key `{key}`"
            ));
        }
        out.push(finding);
    }
}
