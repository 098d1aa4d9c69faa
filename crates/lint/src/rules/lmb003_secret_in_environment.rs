use crate::finding::{Applicability, Finding, Fix, Severity};
use crate::rules::{Check, FunctionContext};

declare_rule! {
    /// ## What it checks
    /// Environment variables whose value is a secret: a known token format (AWS access keys,
    /// GitHub, GitLab, Slack, Stripe, Google, OpenAI, Anthropic, SendGrid, npm tokens, private
    /// keys, JWTs, URLs with a password), or a long high-entropy value in a variable named like
    /// a secret (`…_SECRET`, `…_TOKEN`, `…PASSWORD`, `…API_KEY`). ARNs, URLs without
    /// passwords, UUIDs and other identifiers are not reported; nor are values taken from
    /// parameters (`!Ref`, `{{resolve:…}}`).
    ///
    /// ## Why it matters
    /// Environment variables are stored in plain text in the template, the manifest, the
    /// repository history and the function's configuration, which anyone with
    /// `lambda:GetFunctionConfiguration` can read. A leaked key stays valid until rotated.
    ///
    /// ## Example
    /// ```toml
    /// [functions.charge]
    /// environment = { STRIPE_KEY = "sk_live_51H8…" }
    /// ```
    ///
    /// ## Fix
    /// Store the secret in AWS Secrets Manager or SSM Parameter Store (SecureString), pass its
    /// name in the variable, and read it at run time (or use a `{{resolve:secretsmanager:…}}`
    /// dynamic reference). Rotate the leaked value.
    ///
    /// ## References
    /// - AWS Lambda Developer Guide: Securing environment variables
    /// - AWS Secrets Manager User Guide: Use Secrets Manager secrets in Lambda functions
    pub static RULE = Rule {
        code: "LMB003",
        name: "secret-in-environment",
        summary: "A secret stored in a function's environment variables",
        severity: Severity::High,
        fix: Some(Applicability::DisplayOnly),
        check: Check::Function(check),
    };
}

fn all(text: &str, allowed: impl Fn(u8) -> bool) -> bool {
    text.bytes().all(allowed)
}

fn token_chars(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// The kind of a value in a known secret format.
pub(crate) fn known_token(value: &str) -> Option<&'static str> {
    let v = value.trim();
    let prefixed = |prefix: &str, min: usize, chars: fn(u8) -> bool| {
        v.strip_prefix(prefix)
            .is_some_and(|rest| rest.len() >= min && all(rest, chars))
    };
    if v.len() == 20
        && ["AKIA", "ASIA", "ABIA", "ACCA"]
            .iter()
            .any(|p| v.starts_with(p))
        && all(&v[4..], |b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Some("an AWS access key ID");
    }
    if v.contains("-----BEGIN") && v.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    for (prefix, min, kind) in [
        ("ghp_", 36, "a GitHub token"),
        ("gho_", 36, "a GitHub token"),
        ("ghu_", 36, "a GitHub token"),
        ("ghs_", 36, "a GitHub token"),
        ("ghr_", 36, "a GitHub token"),
        ("github_pat_", 40, "a GitHub token"),
        ("glpat-", 20, "a GitLab token"),
        ("xoxb-", 20, "a Slack token"),
        ("xoxp-", 20, "a Slack token"),
        ("xoxa-", 20, "a Slack token"),
        ("xoxs-", 20, "a Slack token"),
        ("sk_live_", 20, "a Stripe secret key"),
        ("rk_live_", 20, "a Stripe restricted key"),
        ("sk-ant-", 30, "an Anthropic API key"),
        ("sk-proj-", 30, "an OpenAI API key"),
        ("npm_", 36, "an npm token"),
    ] {
        if prefixed(prefix, min, token_chars) {
            return Some(kind);
        }
    }
    if prefixed("AIza", 35, token_chars) {
        return Some("a Google API key");
    }
    if v.starts_with("sk-") && v.len() >= 40 && all(&v[3..], token_chars) {
        return Some("an OpenAI API key");
    }
    if let Some(rest) = v.strip_prefix("SG.")
        && let Some((a, b)) = rest.split_once('.')
        && a.len() >= 16
        && b.len() >= 30
        && all(a, token_chars)
        && all(b, token_chars)
    {
        return Some("a SendGrid API key");
    }
    let parts: Vec<&str> = v.split('.').collect();
    if parts.len() == 3
        && parts[0].starts_with("eyJ")
        && parts[1].starts_with("eyJ")
        && parts.iter().all(|p| p.len() >= 8 && all(p, token_chars))
    {
        return Some("a JSON Web Token");
    }
    if let Some((scheme, rest)) = v.split_once("://")
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+')
        && let Some((userinfo, _)) = rest.split_once('@')
        && !userinfo.contains('/')
        && let Some((_, password)) = userinfo.split_once(':')
        && !password.is_empty()
        && !password.starts_with("${")
    {
        return Some("a URL with a password");
    }
    None
}

fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    // `SECRET_NAME`, `TOKEN_TTL`, `PASSWORD_PARAM` hold references or settings, not secrets.
    const REFERENCE_SUFFIXES: &[&str] = &[
        "_NAME",
        "_ARN",
        "_ID",
        "_PARAM",
        "_PARAMETER",
        "_PATH",
        "_TTL",
        "_EXPIRY",
        "_REGION",
        "_FILE",
        "_HEADER",
        "_LENGTH",
        "_SIZE",
        "_URL",
    ];
    if REFERENCE_SUFFIXES.iter().any(|s| upper.ends_with(s)) {
        return false;
    }
    [
        "SECRET",
        "TOKEN",
        "PASSWORD",
        "PASSWD",
        "PWD",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
        "AUTH_KEY",
        "ACCESS_KEY",
        "SIGNING_KEY",
    ]
    .iter()
    .any(|hint| upper.contains(hint))
}

/// Shannon entropy in bits per character.
fn entropy(text: &str) -> f64 {
    let mut counts = [0usize; 256];
    for b in text.bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = text.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Values that are identifiers or references, never secrets.
fn is_identifier_like(value: &str) -> bool {
    let v = value.trim();
    let uuid = v.len() == 36
        && v.bytes().enumerate().all(|(i, b)| {
            if [8, 13, 18, 23].contains(&i) {
                b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        });
    v.starts_with("arn:")
        || v.starts_with("{{resolve:")
        || v.starts_with("${")
        || v.starts_with('/')
        || uuid
        || ((v.starts_with("http://") || v.starts_with("https://")) && !v.contains('@'))
        || v.contains(' ')
}

/// Why a variable looks like a secret, or `None`.
pub(crate) fn secret_reason(name: &str, value: &str) -> Option<String> {
    if let Some(kind) = known_token(value) {
        return Some(format!("looks like {kind}"));
    }
    if is_identifier_like(value) {
        return None;
    }
    let v = value.trim();
    let classes = [
        v.bytes().any(|b| b.is_ascii_lowercase()),
        v.bytes().any(|b| b.is_ascii_uppercase()),
        v.bytes().any(|b| b.is_ascii_digit()),
    ]
    .iter()
    .filter(|c| **c)
    .count();
    let random_looking = v.len() >= 16 && entropy(v) >= 3.5 && classes >= 2;
    // A lower-case path (`prod/app/stripe`) names a secret; it is not one.
    let path_like = v.contains('/')
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"/-_.".contains(&b));
    if secret_name(name)
        && !path_like
        && v.len() >= 8
        && (random_looking || v.len() >= 12 && entropy(v) >= 3.0)
    {
        return Some("is named like a secret and holds a random-looking value".to_owned());
    }
    if v.len() >= 32 && entropy(v) >= 4.5 && classes == 3 && !v.contains("://") {
        return Some("holds a long high-entropy value".to_owned());
    }
    None
}

fn check(ctx: &FunctionContext<'_, '_>, out: &mut Vec<Finding>) {
    for variable in &ctx.function.environment {
        let Some(value) = variable.value.as_str() else {
            continue;
        };
        if let Some(reason) = secret_reason(&variable.key, value) {
            out.push(
                RULE.finding(
                    variable.value.span,
                    format!(
                        "environment variable {} of function {} {reason}",
                        variable.key, ctx.function.name
                    ),
                )
                .with_fix(Fix::new(
                    Applicability::DisplayOnly,
                    "move the value to Secrets Manager or SSM Parameter Store and rotate it",
                    Vec::new(),
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_formats_and_entropy_are_secrets_identifiers_are_not() {
        for (name, value) in [
            ("KEY", "AKIAIOSFODNN7EXAMPLE"),
            ("GH", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
            ("STRIPE", "sk_live_51H8abcdefghijklmnopqrstu"),
            ("DB_URL", "postgres://app:hunter2@db.internal:5432/app"),
            (
                "AWS_SECRET_ACCESS_KEY_X",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ),
            ("API_TOKEN", "9f8a7Bc6D5e4F3a2"),
            (
                "X",
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            ),
        ] {
            assert!(secret_reason(name, value).is_some(), "{name}={value}");
        }
        for (name, value) in [
            (
                "TABLE_ARN",
                "arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
            ),
            ("ENDPOINT", "https://api.example.com/v1/items"),
            ("REQUEST_ID", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
            ("THUMBS_BUCKET", "thumbs"),
            ("MAX_WIDTH", "320"),
            ("TOKEN_TTL", "3600"),
            ("SECRET_NAME", "prod/app/stripe"),
            ("DB_SECRET", "prod/app/database"),
            ("PASSWORD_PARAM", "/app/db/password"),
            ("LOG_LEVEL", "debug"),
        ] {
            assert!(secret_reason(name, value).is_none(), "{name}={value}");
        }
    }
}
