use crate::finding::{Finding, Severity};
use crate::parse::{Node, Span, Value};
use crate::policy::{Dialect, Element, PolicyKind};
use crate::rules::{Check, PolicyContext};

declare_rule! {
    /// ## What it checks
    /// Policy structure: the document is an object with a `Statement`; statements are objects;
    /// each has an `Action` or `NotAction`; identity policies have a `Resource` or
    /// `NotResource` and no `Principal`; resource and trust policies have a `Principal` or
    /// `NotPrincipal`; trust policies have no `Resource`; elements hold strings or lists of
    /// strings (a `Principal` may be `"*"` or an object, a `Condition` an object of objects),
    /// and no list is empty.
    ///
    /// ## Why it matters
    /// IAM rejects such documents as malformed, usually only at deploy time. An empty list or a
    /// misplaced element also hides intent: a reviewer cannot tell what was meant to be allowed.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": []}]}
    /// ```
    ///
    /// ## Fix
    /// Add the missing element, or remove the one that does not belong to this kind of policy
    /// (a Principal belongs in resource and trust policies, never in identity policies).
    ///
    /// ## References
    /// - AWS IAM User Guide: IAM JSON policy element reference
    /// - AWS IAM User Guide: Grammar of the IAM JSON policy language
    pub static RULE = Rule {
        code: "IAM005",
        name: "malformed-element",
        summary: "A policy element is missing, empty, misplaced or of the wrong type",
        severity: Severity::High,
        fix: None,
        check: Check::Policy(check),
    };
}

fn start(node: &Node) -> Span {
    Span::new(node.span.start, node.span.start + 1)
}

fn check_strings(element: &Element<'_>, out: &mut Vec<Finding>) {
    if element.node.is_intrinsic() {
        return;
    }
    match &element.node.value {
        Value::String(_) => {}
        Value::Array(items) if items.is_empty() => out.push(
            RULE.finding(
                element.node.span,
                format!("{} is an empty list", element.key),
            )
            .with_severity(Severity::Medium),
        ),
        Value::Array(items) => {
            for item in items {
                if item.as_str().is_none() && !item.is_intrinsic() {
                    out.push(RULE.finding(
                        item.span,
                        format!(
                            "{} values must be strings, not {}",
                            element.key,
                            item.type_name()
                        ),
                    ));
                }
            }
        }
        _ => out.push(RULE.finding(
            element.node.span,
            format!(
                "{} must be a string or a list of strings, not {}",
                element.key,
                element.node.type_name()
            ),
        )),
    }
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    let document = ctx.document;
    if document.dialect != Dialect::Iam {
        return;
    }
    let root = document.root;
    if root.as_object().is_none() {
        out.push(RULE.finding(
            root.span,
            format!(
                "a policy document must be an object, not {}",
                root.type_name()
            ),
        ));
        return;
    }
    let Some(statement_node) = root.get("Statement") else {
        out.push(RULE.finding(start(root), "the policy has no Statement"));
        return;
    };
    match &statement_node.value {
        Value::Array(items) if items.is_empty() => {
            out.push(
                RULE.finding(
                    statement_node.span,
                    "Statement is an empty list: the policy does nothing",
                )
                .with_severity(Severity::Medium),
            );
        }
        Value::Array(items) => {
            for item in items {
                if item.as_object().is_none() && !item.is_intrinsic() {
                    out.push(RULE.finding(
                        item.span,
                        format!("a statement must be an object, not {}", item.type_name()),
                    ));
                }
            }
        }
        Value::Object(_) => {}
        _ if statement_node.is_intrinsic() => {}
        _ => out.push(RULE.finding(
            statement_node.span,
            format!(
                "Statement must be an object or a list of objects, not {}",
                statement_node.type_name()
            ),
        )),
    }
    for statement in &document.statements {
        let name = statement.name();
        if statement.node.as_object().is_some_and(<[_]>::is_empty) {
            out.push(RULE.finding(statement.node.span, format!("{name} is empty")));
            continue;
        }
        match statement.action {
            None => out.push(RULE.finding(
                start(statement.node),
                format!("{name} has no Action or NotAction"),
            )),
            Some(action) => check_strings(&action, out),
        }
        if let Some(resource) = statement.resource {
            check_strings(&resource, out);
        }
        match document.kind {
            PolicyKind::Identity => {
                if statement.resource.is_none() {
                    out.push(RULE.finding(
                        start(statement.node),
                        format!("{name} has no Resource or NotResource"),
                    ));
                }
                if let Some(principal) = statement.principal {
                    out.push(RULE.finding(
                        principal.key_span,
                        format!("{name}: an identity policy cannot name a {}; it applies to whoever it is attached to", principal.key),
                    ));
                }
            }
            PolicyKind::Resource | PolicyKind::Trust => {
                if statement.principal.is_none() {
                    out.push(RULE.finding(
                        start(statement.node),
                        format!("{name} has no Principal or NotPrincipal"),
                    ));
                }
                if document.kind == PolicyKind::Trust
                    && let Some(resource) = statement.resource
                {
                    out.push(RULE.finding(
                        resource.key_span,
                        format!("{name}: a trust policy cannot have a {}; the resource is the role itself", resource.key),
                    ));
                }
            }
        }
        if let Some(principal) = statement.principal {
            let node = principal.node;
            match &node.value {
                Value::String(s) if s == "*" => {}
                Value::Object(members) if members.is_empty() => {
                    out.push(RULE.finding(node.span, format!("{} is empty", principal.key)));
                }
                Value::Object(_) => {}
                _ if node.is_intrinsic() => {}
                _ => out.push(RULE.finding(
                    node.span,
                    format!(
                        "{} must be \"*\" or an object such as {{\"AWS\": …}}, not {node}",
                        principal.key
                    ),
                )),
            }
        }
        if let Some(condition) = statement.condition {
            let node = &condition.value;
            match node.as_object() {
                Some(operators) => {
                    for operator in operators {
                        if operator.value.as_object().is_none() {
                            out.push(RULE.finding(
                                operator.value.span,
                                format!(
                                    "condition `{}` must map keys to values, not hold {}",
                                    operator.key,
                                    operator.value.type_name()
                                ),
                            ));
                        }
                    }
                }
                None => out.push(RULE.finding(
                    node.span,
                    format!("Condition must be an object, not {}", node.type_name()),
                )),
            }
        }
    }
}
