use crate::catalogue::KeyType;
use crate::finding::{Finding, Severity};
use crate::parse::Value;
use crate::policy::Operator;
use crate::rules::{Check, PolicyContext};

declare_rule! {
    /// ## What it checks
    /// Condition operators used with keys of another type (a `Date…` operator on a string key,
    /// `Bool` on an ARN key, `IpAddress` on anything but an IP key, `String…` on a number,
    /// date, boolean or IP key), and values that cannot be of the operator's type (`Bool` with
    /// `"yes"`, `IpAddress` with a host name, `Numeric…` with a word).
    ///
    /// ## Why it matters
    /// IAM compares the request value with the operator's type; a mismatch makes the condition
    /// never match (a restricted Allow grants nothing) or always match in negated operators (a
    /// guard rail that always fires or never fires).
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",
    ///   "Condition": {"StringEquals": {"aws:SecureTransport": "false"}}}]}
    /// ```
    ///
    /// ## Fix
    /// Use the operator family of the key's type: `Bool` for `aws:SecureTransport`,
    /// `IpAddress` for `aws:SourceIp`, `ArnLike` for ARN keys, `Date…` for dates.
    ///
    /// ## References
    /// - AWS IAM User Guide: IAM JSON policy elements: Condition operators
    /// - AWS IAM User Guide: AWS global condition context keys (types)
    pub static RULE = Rule {
        code: "IAM107",
        name: "condition-type-mismatch",
        summary: "A condition operator that does not fit the key's type or its values",
        severity: Severity::Medium,
        fix: None,
        check: Check::Policy(check),
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

fn family(base: &str) -> Option<Family> {
    Some(if base.starts_with("String") {
        Family::String
    } else if base.starts_with("Numeric") {
        Family::Numeric
    } else if base.starts_with("Date") {
        Family::Date
    } else if base == "Bool" {
        Family::Bool
    } else if base == "BinaryEquals" {
        Family::Binary
    } else if base == "IpAddress" || base == "NotIpAddress" {
        Family::Ip
    } else if base.starts_with("Arn") {
        Family::Arn
    } else if base == "Null" {
        Family::Null
    } else {
        return None;
    })
}

fn fits(family: Family, key: KeyType) -> bool {
    match (family, key.element()) {
        (Family::Null, _) | (_, KeyType::Other) => true,
        // ARNs are strings: String operators on ARN keys are documented and common.
        (Family::String, KeyType::String | KeyType::Arn) => true,
        // IAM accepts ARN operators on string keys, and AWS's own policies use them on keys
        // such as kms:EncryptionContext:aws:s3:arn.
        (Family::Arn, KeyType::Arn | KeyType::String) => true,
        (Family::Numeric, KeyType::Numeric) => true,
        // aws:EpochTime is a date that Numeric operators also compare.
        (Family::Date | Family::Numeric, KeyType::Date) => true,
        (Family::Bool, KeyType::Bool) => true,
        (Family::Ip, KeyType::IpAddress) => true,
        (Family::Binary, KeyType::String) => true,
        _ => false,
    }
}

fn is_ip_or_cidr(text: &str) -> bool {
    let address =
        text.split_once('/').map_or(
            text,
            |(a, bits)| {
                if bits.parse::<u8>().is_ok() { a } else { "" }
            },
        );
    address.parse::<std::net::IpAddr>().is_ok()
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    text.bytes().all(|c| c.is_ascii_digit())
        || (b.len() >= 10
            && b[..4].iter().all(u8::is_ascii_digit)
            && b[4] == b'-'
            && b[5..7].iter().all(u8::is_ascii_digit)
            && b[7] == b'-'
            && b[8..10].iter().all(u8::is_ascii_digit))
}

fn value_problem(family: Family, value: &crate::parse::Node) -> Option<&'static str> {
    let text = match &value.value {
        Value::String(s) => s.as_str(),
        Value::Number(n) => n.as_str(),
        Value::Bool(_) => {
            return (!matches!(family, Family::Bool | Family::Null)).then_some("is a boolean");
        }
        _ => return None,
    };
    if text.contains("${") {
        return None;
    }
    match family {
        Family::Bool | Family::Null
            if !text.eq_ignore_ascii_case("true") && !text.eq_ignore_ascii_case("false") =>
        {
            Some("is not true or false")
        }
        Family::Ip if !is_ip_or_cidr(text) => Some("is not an IP address or CIDR range"),
        Family::Numeric if text.parse::<f64>().is_err() => Some("is not a number"),
        Family::Date if !is_date(text) => Some("is not an ISO 8601 date or epoch seconds"),
        _ => None,
    }
}

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    for statement in &ctx.document.statements {
        for clause in statement.conditions() {
            let operator = Operator::parse(&clause.operator.key);
            let Some(family) = family(operator.base) else {
                continue;
            };
            for value in &clause.values {
                if let Some(problem) = value_problem(family, value) {
                    out.push(RULE.finding(
                        value.span,
                        format!("{value} {problem}, as `{}` needs", clause.operator.key),
                    ));
                }
            }
            let Some(key) = ctx.catalogue.condition_key(&clause.key.key) else {
                continue;
            };
            if !fits(family, key.key_type) {
                out.push(RULE.finding(
                    clause.key.key_span,
                    format!(
                        "`{}` is a {:?} key; `{}` compares {:?} values",
                        clause.key.key, key.key_type, clause.operator.key, family
                    ),
                ));
            }
        }
    }
}
