use crate::finding::Severity;
use crate::rules::Check;

declare_rule! {
    /// ## What it checks
    /// Files that cannot be read as a document: malformed JSON (a trailing comma, a comment,
    /// single quotes, a missing brace), malformed YAML or TOML, text that is not UTF-8, files
    /// nested deeper than 128 levels, YAML whose aliases expand past two million values, and
    /// files larger than 16 MiB.
    ///
    /// ## Why it matters
    /// AWS rejects a malformed policy document (`MalformedPolicyDocument`), often only at deploy
    /// time. Nothing else in the file can be checked until it parses, so every other finding is
    /// missing too.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",}]}
    /// ```
    /// The comma before `}` is reported at its line and column.
    ///
    /// ## Fix
    /// Correct the syntax at the reported position. JSON policies allow no comments and no
    /// trailing commas, and strings use double quotes.
    ///
    /// ## References
    /// - RFC 8259, The JavaScript Object Notation (JSON) Data Interchange Format
    /// - AWS IAM User Guide: IAM JSON policy element reference
    pub static RULE = Rule {
        code: "IAM001",
        name: "syntax-error",
        summary: "The file is not a readable document",
        severity: Severity::High,
        fix: None,
        check: Check::Reader,
    };
}
