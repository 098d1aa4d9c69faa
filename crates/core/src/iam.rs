//! How IAM matches actions and resources, the one implementation in Functory: the linter, the
//! analyzer, the trigger designer (over IPC) and the deploys all ask here.
//!
//! From the IAM reference ("IAM JSON policy elements: Action" and "Resource"): action names
//! match case-insensitively with `*` (any run) and `?` (any one character); ARNs match
//! case-sensitively, with wildcards inside a segment (the parts separated by colons), where a
//! `*` that ends a segment may run on past colons. An explicit Deny wins over any Allow.

use crate::manifest::{Permission, PermissionEffect};

/// `*` any run, `?` any one character, case-insensitive: action names and condition keys.
/// Iterative with one backtrack point, so never exponential; plain names and one trailing `*`
/// (`s3:Get*`), the common cases, skip the loop.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    let wildcards = pattern.bytes().filter(|b| *b == b'*' || *b == b'?').count();
    if wildcards == 0 {
        return pattern.eq_ignore_ascii_case(action)
            || (!pattern.is_ascii() && pattern.to_lowercase() == action.to_lowercase());
    }
    if wildcards == 1
        && let Some(prefix) = pattern.strip_suffix('*')
        && prefix.is_ascii()
    {
        return action
            .as_bytes()
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()));
    }
    if pattern.is_ascii() && action.is_ascii() {
        return glob(pattern.as_bytes(), action.as_bytes(), |p, t| {
            p.eq_ignore_ascii_case(&t)
        });
    }
    let p: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
    let t: Vec<char> = action.chars().flat_map(char::to_lowercase).collect();
    glob(&p, &t, |p, t| p == t)
}

trait GlobChar: Copy {
    fn is_star(self) -> bool;
    fn is_question(self) -> bool;
}

impl GlobChar for u8 {
    fn is_star(self) -> bool {
        self == b'*'
    }
    fn is_question(self) -> bool {
        self == b'?'
    }
}

impl GlobChar for char {
    fn is_star(self) -> bool {
        self == '*'
    }
    fn is_question(self) -> bool {
        self == '?'
    }
}

fn glob<C: GlobChar>(p: &[C], t: &[C], same: impl Fn(C, C) -> bool) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && !p[pi].is_star() && (p[pi].is_question() || same(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi].is_star() {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((star_p, star_t)) = star {
            pi = star_p + 1;
            ti = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi].is_star() {
        pi += 1;
    }
    pi == p.len()
}

/// Whether the resource pattern `pattern` (from a policy) matches `arn`, as IAM matches it:
/// case-sensitive; `*` and `?` stay within a colon-separated segment, except that a `*` ending
/// a segment (followed by `:` or at the end) may run past colons. `*` alone matches anything.
pub fn arn_matches(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let p = pattern.as_bytes();
    let t = arn.as_bytes();
    if !p.iter().any(|b| *b == b'*' || *b == b'?') {
        return p == t;
    }
    // One trailing `*` is a prefix test (it ends its segment, so it may cross colons).
    if let Some(prefix) = pattern.strip_suffix('*')
        && !prefix.contains(['*', '?'])
    {
        return arn.starts_with(prefix);
    }
    arn_glob(p, t)
}

/// Dynamic programming over (pattern, text) positions: `reach[j]` says the text's first `j`
/// bytes are matched by the pattern so far. Linear in the text per pattern byte.
fn arn_glob(p: &[u8], t: &[u8]) -> bool {
    let mut reach = vec![false; t.len() + 1];
    reach[0] = true;
    for (i, &c) in p.iter().enumerate() {
        let mut next = vec![false; t.len() + 1];
        match c {
            b'*' => {
                let crosses_colon = p.get(i + 1).is_none_or(|n| *n == b':');
                let mut open = false;
                for j in 0..=t.len() {
                    if reach[j] {
                        open = true;
                    }
                    next[j] = open;
                    // A star inside a segment stops at the next colon.
                    if open && !crosses_colon && t.get(j) == Some(&b':') {
                        open = false;
                    }
                }
            }
            b'?' => {
                for j in 0..t.len() {
                    next[j + 1] = reach[j] && t[j] != b':';
                }
            }
            c => {
                for j in 0..t.len() {
                    next[j + 1] = reach[j] && t[j] == c;
                }
            }
        }
        reach = next;
        if !reach.iter().any(|r| *r) {
            return false;
        }
    }
    reach[t.len()]
}

/// The six parts of an ARN (`arn`, partition, service, region, account, resource), the last
/// keeping its own colons; `None` when `text` is not an ARN.
fn arn_parts(text: &str) -> Option<[&str; 6]> {
    let mut parts = text.splitn(6, ':');
    let out = [
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    ];
    (out[0] == "arn").then_some(out)
}

/// Whether a granted resource pattern covers a resource a function needs. `required` may hold
/// wildcards for what is not known: a region or account of `*` (no target chosen) matches any
/// region or account granted; anywhere else a `*` in `required` is "some resource here" (the
/// code writes to any key of a bucket), which only a grant at least as wide covers. A required
/// `*` (no resource known at all) is covered by any grant of the action.
///
/// CloudFormation's `${AWS::Region}` and `${AWS::AccountId}` (in manifests imported from SAM
/// templates, or written by hand) are the deploy target's region and account; with no target
/// chosen they match any, as `*` does.
pub fn resource_covers(granted: &str, required: &str) -> bool {
    if required == "*" || granted == "*" {
        return true;
    }
    let granted = target_placeholders_as_wildcards(granted);
    let required = target_placeholders_as_wildcards(required);
    let (granted, required) = (granted.as_ref(), required.as_ref());
    match (arn_parts(granted), arn_parts(required)) {
        (Some(g), Some(r)) if r[3] == "*" || r[4] == "*" => {
            let region = if r[3] == "*" { g[3] } else { r[3] };
            let account = if r[4] == "*" { g[4] } else { r[4] };
            let resolved = format!("arn:{}:{}:{region}:{account}:{}", r[1], r[2], r[5]);
            arn_matches(granted, &resolved)
        }
        _ => arn_matches(granted, required),
    }
}

/// `text` with the pseudo parameters for the deploy target's region and account as `*`.
fn target_placeholders_as_wildcards(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("${AWS::") {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.replace("${AWS::Region}", "*")
            .replace("${AWS::AccountId}", "*"),
    )
}

/// Whether two resource patterns could name one resource: a Deny on either reaches the other.
pub fn resources_meet(a: &str, b: &str) -> bool {
    resource_covers(a, b) || resource_covers(b, a)
}

/// What a function's statements decide for one action on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Statement `index` allows it and no Deny reaches it.
    Allowed { statement: usize },
    /// Statement `index` denies it (a Deny wins over every Allow).
    Denied { statement: usize },
    /// No statement allows it.
    NotGranted,
}

/// IAM's evaluation of identity statements for `action` on `resource` (the resource may hold
/// wildcards, read as [`resource_covers`] reads them).
pub fn evaluate(permissions: &[Permission], action: &str, resource: &str) -> Decision {
    let names = |p: &Permission| p.actions.iter().any(|a| action_matches(a, action));
    if let Some(statement) = permissions.iter().position(|p| {
        p.effect == PermissionEffect::Deny
            && names(p)
            && p.resources.iter().any(|r| resources_meet(r, resource))
    }) {
        return Decision::Denied { statement };
    }
    match permissions.iter().position(|p| {
        p.effect == PermissionEffect::Allow
            && names(p)
            && p.resources.iter().any(|r| resource_covers(r, resource))
    }) {
        Some(statement) => Decision::Allowed { statement },
        None => Decision::NotGranted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_match_case_insensitively_with_wildcards() {
        assert!(action_matches("s3:Get*", "s3:GetObject"));
        assert!(action_matches("S3:get*", "s3:GetObject"));
        assert!(action_matches("*", "anything"));
        assert!(action_matches("iam:?assRole", "iam:PassRole"));
        assert!(!action_matches("s3:Get*", "s3:PutObject"));
        assert!(action_matches("a*b*c", "aXXbYYc"));
        assert!(!action_matches("a*b*c", "aXXbYY"));
        // Many stars never take exponential time.
        let long = "a".repeat(300);
        assert!(!action_matches(&format!("{}b", "*a".repeat(200)), &long));
    }

    #[test]
    fn arns_match_per_segment_and_case_sensitively() {
        assert!(arn_matches("*", "arn:aws:s3:::b"));
        assert!(arn_matches("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y.txt"));
        assert!(!arn_matches("arn:aws:s3:::b/*", "arn:aws:s3:::b"));
        assert!(!arn_matches("arn:aws:s3:::B/*", "arn:aws:s3:::b/x"));
        assert!(arn_matches(
            "arn:aws:sqs:*:*:orders",
            "arn:aws:sqs:eu-west-1:123456789012:orders"
        ));
        assert!(arn_matches(
            "arn:aws:sqs:us-*-?:*:orders",
            "arn:aws:sqs:us-east-1:123456789012:orders"
        ));
        // A star inside a segment does not cross a colon; one ending a segment may.
        assert!(!arn_matches(
            "arn:aws:sqs:eu*1:1:q",
            "arn:aws:sqs:eu-west:x1:1:q"
        ));
        assert!(arn_matches(
            "arn:aws:logs:*:*:log-group:/aws/lambda/f:*",
            "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/f:log-stream:2024/x"
        ));
        assert!(arn_matches(
            "arn:aws:dynamodb:*:*:table/orders*",
            "arn:aws:dynamodb:us-east-1:1:table/orders/stream/2024"
        ));
        assert!(!arn_matches(
            "arn:aws:dynamodb:*:*:table/o?ders",
            "arn:aws:dynamodb:us-east-1:1:table/o:ders"
        ));
    }

    fn allow(actions: &[&str], resources: &[&str]) -> Permission {
        Permission {
            effect: PermissionEffect::Allow,
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
            resources: resources.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    /// The disagreement issue 22 names: the canvas ignored an ARN's region and account. A
    /// grant in another account or region does not cover a need in a known one; a need whose
    /// region and account are not known yet is covered by a grant in any.
    #[test]
    fn region_and_account_count_when_they_are_known() {
        let grant = allow(
            &["sqs:ReceiveMessage"],
            &["arn:aws:sqs:eu-west-1:111122223333:orders"],
        );
        let permissions = [grant];
        assert_eq!(
            evaluate(
                &permissions,
                "sqs:receivemessage",
                "arn:aws:sqs:eu-west-1:111122223333:orders"
            ),
            Decision::Allowed { statement: 0 }
        );
        assert_eq!(
            evaluate(
                &permissions,
                "sqs:ReceiveMessage",
                "arn:aws:sqs:us-east-1:111122223333:orders"
            ),
            Decision::NotGranted
        );
        assert_eq!(
            evaluate(
                &permissions,
                "sqs:ReceiveMessage",
                "arn:aws:sqs:eu-west-1:444455556666:orders"
            ),
            Decision::NotGranted
        );
        assert_eq!(
            evaluate(&permissions, "sqs:ReceiveMessage", "arn:aws:sqs:*:*:orders"),
            Decision::Allowed { statement: 0 }
        );
    }

    /// A SAM template's `${AWS::Region}`/`${AWS::AccountId}` is the target's region and
    /// account: with none chosen, any; never a literal text that no real ARN matches.
    #[test]
    fn pseudo_parameters_stand_for_the_targets_region_and_account() {
        let permissions = [allow(
            &["dynamodb:PutItem"],
            &["arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders"],
        )];
        for resource in [
            "arn:aws:dynamodb:*:*:table/orders",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/orders",
            "arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders",
        ] {
            assert_eq!(
                evaluate(&permissions, "dynamodb:PutItem", resource),
                Decision::Allowed { statement: 0 },
                "{resource}"
            );
        }
        assert_eq!(
            evaluate(
                &permissions,
                "dynamodb:PutItem",
                "arn:aws:dynamodb:*:*:table/customers"
            ),
            Decision::NotGranted
        );
        assert!(resource_covers(
            "arn:aws:sqs:*:*:jobs",
            "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:jobs"
        ));
    }

    #[test]
    fn a_deny_wins_and_required_wildcards_need_a_grant_as_wide() {
        let mut deny = allow(&["s3:*"], &["arn:aws:s3:::b/secret/*"]);
        deny.effect = PermissionEffect::Deny;
        let permissions = [allow(&["s3:GetObject"], &["arn:aws:s3:::b/*"]), deny];
        assert_eq!(
            evaluate(&permissions, "s3:GetObject", "arn:aws:s3:::b/public/a"),
            Decision::Allowed { statement: 0 }
        );
        assert_eq!(
            evaluate(&permissions, "s3:GetObject", "arn:aws:s3:::b/secret/a"),
            Decision::Denied { statement: 1 }
        );
        // The code reads any key of the bucket: a Deny on part of it reaches the call.
        assert_eq!(
            evaluate(&permissions, "s3:GetObject", "arn:aws:s3:::b/*"),
            Decision::Denied { statement: 1 }
        );
        let narrow = [allow(&["s3:GetObject"], &["arn:aws:s3:::b/uploads/*"])];
        assert_eq!(
            evaluate(&narrow, "s3:GetObject", "arn:aws:s3:::b/*"),
            Decision::NotGranted
        );
        assert_eq!(
            evaluate(&narrow, "s3:GetObject", "*"),
            Decision::Allowed { statement: 0 }
        );
    }
}
