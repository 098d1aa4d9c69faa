use crate::finding::Severity;
use crate::rules::Check;

declare_rule! {
    /// ## What it checks
    /// Entries of `[[lint.suppress]]` in functory.toml that have no `reason`, an empty one, no
    /// `code`, or a code that names no rule.
    ///
    /// ## Why it matters
    /// A suppression hides a finding from every later review. Without a reason nobody can tell
    /// a deliberate, understood exception from a finding someone wanted to go away; a
    /// misspelt code silences nothing while looking as if it did. Such entries suppress
    /// nothing.
    ///
    /// ## Example
    /// ```toml
    /// [[lint.suppress]]
    /// code = "IAM203"
    /// ```
    ///
    /// ## Fix
    /// Add a `reason` that a reviewer can check, and use a code from `functory lint --explain`:
    /// ```toml
    /// [[lint.suppress]]
    /// code = "IAM203"
    /// reason = "ListAllMyBuckets supports no resource-level permissions"
    /// function = "report"
    /// ```
    ///
    /// ## References
    /// - Functory: lint suppressions in functory.toml (`[[lint.suppress]]`)
    pub static RULE = Rule {
        code: "LNT001",
        name: "invalid-suppression",
        summary: "A suppression in functory.toml without a reason or with an unknown code",
        severity: Severity::Medium,
        fix: None,
        check: Check::Reader,
    };
}
