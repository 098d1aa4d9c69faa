//! The one document tree every source format is read into.
//!
//! JSON policies, YAML and JSON templates and the TOML manifest all become [`Node`]s, so the
//! policy model and the rules never care where a policy came from. Every node and every object
//! key keeps its byte span in the original text; that is what diagnostics, underlines and fixes
//! point at.

use std::fmt;

/// A byte range in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Self {
            start,
            end: end.max(start),
        }
    }

    pub fn at(offset: usize) -> Self {
        Self::new(offset, offset)
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start..self.end
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// Numbers keep their source text: policies never do arithmetic, and the text is exact.
    Number(String),
    String(String),
    Array(Vec<Node>),
    /// Members in source order; duplicate keys are kept so a rule can report them.
    Object(Vec<Member>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    pub fn new(value: Value, span: Span) -> Self {
        Self { value, span }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.value {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The first member named `key` (exact, case-sensitive, as IAM and CloudFormation are).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.member(key).map(|m| &m.value)
    }

    /// [`Node::get`], to change the member's value.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.value {
            Value::Object(members) => members
                .iter_mut()
                .find(|m| m.key == key)
                .map(|m| &mut m.value),
            _ => None,
        }
    }

    pub fn member(&self, key: &str) -> Option<&Member> {
        self.as_object()?.iter().find(|m| m.key == key)
    }

    /// A string, or each string of an array: the "one or many" shape IAM uses everywhere.
    /// Non-string items are skipped; grammar rules report them.
    pub fn one_or_many(&self) -> Vec<&Node> {
        self.items().collect()
    }

    /// [`Node::one_or_many`] without allocating, for hot loops.
    pub fn items(&self) -> impl Iterator<Item = &Node> {
        let (many, one) = match &self.value {
            Value::Array(items) => (items.as_slice(), None),
            _ => (&[][..], Some(self)),
        };
        many.iter().chain(one)
    }

    /// A CloudFormation intrinsic function (`{"Ref": …}`, `{"Fn::Sub": …}`, or the YAML short
    /// forms `!Ref`, `!Sub`, which the YAML reader turns into the same shape). Its value is
    /// only known at deploy time, so rules treat it as "could be anything specific".
    pub fn is_intrinsic(&self) -> bool {
        match self.as_object() {
            Some([member]) => {
                member.key == "Ref" || member.key == "Condition" || member.key.starts_with("Fn::")
            }
            _ => false,
        }
    }

    /// The text of a string, or of an `Fn::Sub` template, with `${…}` placeholders kept:
    /// enough to read the literal parts of an ARN built from parameters.
    pub fn string_or_sub(&self) -> Option<&str> {
        if let Some(s) = self.as_str() {
            return Some(s);
        }
        let sub = self.get("Fn::Sub")?;
        sub.as_str().or_else(|| sub.as_array()?.first()?.as_str())
    }

    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

impl fmt::Display for Node {
    /// Compact JSON, for messages and JSON output of a value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => f.write_str(n),
            Value::String(s) => write!(f, "{}", serde_json::Value::String(s.clone())),
            Value::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Object(members) => {
                f.write_str("{")?;
                for (i, member) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(
                        f,
                        "{}:{}",
                        serde_json::Value::String(member.key.clone()),
                        member.value
                    )?;
                }
                f.write_str("}")
            }
        }
    }
}

/// Why a text could not be read into a tree, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub span: Span,
}

impl ParseError {
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        Self {
            message: message.into(),
            span,
        }
    }
}

/// Limits that keep hostile input from exhausting the stack or the memory. Real policies nest
/// four or five levels and CloudFormation templates rarely a dozen; the limits are far above
/// that and far below what would hurt.
pub const MAX_DEPTH: usize = 128;
/// Larger than any CloudFormation template AWS accepts (1 MB) with room to spare.
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;
/// YAML aliases can multiply a small file into a huge tree ("billion laughs").
pub const MAX_NODES: usize = 2_000_000;

/// Reads bytes as UTF-8 text, or says where the first invalid byte is.
pub fn decode_utf8(bytes: &[u8]) -> Result<&str, ParseError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(ParseError::new(
            format!(
                "the file is {} bytes, more than the {} bytes the linter reads",
                bytes.len(),
                MAX_INPUT_BYTES
            ),
            Span::at(0),
        ));
    }
    std::str::from_utf8(bytes).map_err(|error| {
        let at = error.valid_up_to();
        ParseError::new(
            format!("the file is not valid UTF-8 (invalid byte at offset {at})"),
            Span::new(at, at + error.error_len().unwrap_or(1)),
        )
    })
}
