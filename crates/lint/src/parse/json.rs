//! A strict JSON reader (RFC 8259) that keeps the span of every value and key.
//!
//! serde_json does not report where each value was, and lenient readers accept what AWS
//! rejects; IAM is strict, so this reader is too: a trailing comma, a comment or a single-quoted
//! string is an error at its exact position. It is a plain recursive-descent reader with a depth
//! limit, linear in the input, so no input can make it overflow the stack or hang.

use super::node::{MAX_DEPTH, Member, Node, ParseError, Span, Value};

pub fn parse_json(text: &str) -> Result<Node, ParseError> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    // A byte-order mark is not JSON, but editors on Windows write one and AWS's console strips
    // it; accepting it avoids a confusing error on an invisible character.
    if text.starts_with('\u{feff}') {
        reader.pos = 3;
    }
    reader.skip_whitespace()?;
    let value = reader.value(0)?;
    reader.skip_whitespace()?;
    if reader.pos < reader.bytes.len() {
        return Err(reader.error_here("unexpected content after the JSON document"));
    }
    Ok(value)
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// The span of the character at the current position (whole UTF-8 sequence).
    fn char_span(&self) -> Span {
        let len = self.text[self.pos..]
            .chars()
            .next()
            .map_or(0, char::len_utf8);
        Span::new(self.pos, self.pos + len)
    }

    fn error_here(&self, message: &str) -> ParseError {
        match self.text[self.pos.min(self.text.len())..].chars().next() {
            None => ParseError::new(format!("{message}: the file ends here"), Span::at(self.pos)),
            Some(c) => ParseError::new(format!("{message}: found {c:?}"), self.char_span()),
        }
    }

    fn skip_whitespace(&mut self) -> Result<(), ParseError> {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                b'/' if matches!(self.bytes.get(self.pos + 1), Some(b'/' | b'*')) => {
                    return Err(ParseError::new(
                        "comments are not allowed in JSON",
                        Span::new(self.pos, self.pos + 2),
                    ));
                }
                _ => break,
            }
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Node, ParseError> {
        if depth >= MAX_DEPTH {
            return Err(ParseError::new(
                format!("the document nests deeper than {MAX_DEPTH} levels"),
                self.char_span(),
            ));
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => {
                let start = self.pos;
                let s = self.string()?;
                Ok(Node::new(Value::String(s), Span::new(start, self.pos)))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'\'') => Err(ParseError::new(
                "strings must use double quotes in JSON",
                self.char_span(),
            )),
            _ => Err(self.error_here("expected a value")),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Node, ParseError> {
        let start = self.pos;
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(Node::new(value, Span::new(start, self.pos)))
        } else {
            Err(self.error_here("expected a value"))
        }
    }

    fn object(&mut self, depth: usize) -> Result<Node, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_whitespace()?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Node::new(
                Value::Object(members),
                Span::new(start, self.pos),
            ));
        }
        loop {
            self.skip_whitespace()?;
            if self.peek() != Some(b'"') {
                return Err(self.error_here("expected a key in double quotes"));
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = Span::new(key_start, self.pos);
            self.skip_whitespace()?;
            if self.peek() != Some(b':') {
                return Err(self.error_here("expected `:` after the key"));
            }
            self.pos += 1;
            self.skip_whitespace()?;
            let value = self.value(depth + 1)?;
            members.push(Member {
                key,
                key_span,
                value,
            });
            self.skip_whitespace()?;
            match self.peek() {
                Some(b',') => {
                    let comma = self.pos;
                    self.pos += 1;
                    self.skip_whitespace()?;
                    if self.peek() == Some(b'}') {
                        return Err(ParseError::new(
                            "trailing comma: JSON allows no comma before `}`",
                            Span::new(comma, comma + 1),
                        ));
                    }
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Node::new(
                        Value::Object(members),
                        Span::new(start, self.pos),
                    ));
                }
                _ => return Err(self.error_here("expected `,` or `}`")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Node, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace()?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Node::new(Value::Array(items), Span::new(start, self.pos)));
        }
        loop {
            self.skip_whitespace()?;
            items.push(self.value(depth + 1)?);
            self.skip_whitespace()?;
            match self.peek() {
                Some(b',') => {
                    let comma = self.pos;
                    self.pos += 1;
                    self.skip_whitespace()?;
                    if self.peek() == Some(b']') {
                        return Err(ParseError::new(
                            "trailing comma: JSON allows no comma before `]`",
                            Span::new(comma, comma + 1),
                        ));
                    }
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Node::new(Value::Array(items), Span::new(start, self.pos)));
                }
                _ => return Err(self.error_here("expected `,` or `]`")),
            }
        }
    }

    fn string(&mut self) -> Result<String, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            // Copy the run of plain characters in one go; only escapes need work.
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run_start..self.pos]);
            match self.peek() {
                None => {
                    return Err(ParseError::new(
                        "unterminated string",
                        Span::new(open, self.pos),
                    ));
                }
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let escape_start = self.pos;
                    self.pos += 1;
                    let Some(c) = self.peek() else {
                        return Err(ParseError::new(
                            "unterminated string",
                            Span::new(open, self.pos),
                        ));
                    };
                    self.pos += 1;
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape(escape_start)?),
                        _ => {
                            return Err(ParseError::new(
                                "invalid escape sequence",
                                Span::new(escape_start, self.pos),
                            ));
                        }
                    }
                }
                Some(_) => {
                    return Err(ParseError::new(
                        "control characters must be escaped inside JSON strings",
                        Span::new(self.pos, self.pos + 1),
                    ));
                }
            }
        }
    }

    fn hex4(&mut self, escape_start: usize) -> Result<u32, ParseError> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
        let Some(digits) = digits else {
            return Err(ParseError::new(
                "`\\u` must be followed by four hex digits",
                Span::new(escape_start, (self.pos + 4).min(self.text.len())),
            ));
        };
        self.pos += 4;
        u32::from_str_radix(digits, 16).map_err(|_| {
            ParseError::new("invalid unicode escape", Span::new(escape_start, self.pos))
        })
    }

    fn unicode_escape(&mut self, escape_start: usize) -> Result<char, ParseError> {
        let first = self.hex4(escape_start)?;
        let code = if (0xD800..0xDC00).contains(&first) {
            // A high surrogate must be followed by an escaped low surrogate.
            if !self.bytes[self.pos..].starts_with(b"\\u") {
                return Err(ParseError::new(
                    "lone UTF-16 surrogate in `\\u` escape",
                    Span::new(escape_start, self.pos),
                ));
            }
            self.pos += 2;
            let second = self.hex4(escape_start)?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(ParseError::new(
                    "lone UTF-16 surrogate in `\\u` escape",
                    Span::new(escape_start, self.pos),
                ));
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| {
            ParseError::new(
                "lone UTF-16 surrogate in `\\u` escape",
                Span::new(escape_start, self.pos),
            )
        })
    }

    fn number(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        let invalid = |reader: &Self| {
            ParseError::new(
                "invalid number",
                Span::new(start, reader.pos.max(start + 1)),
            )
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    return Err(ParseError::new(
                        "numbers may not have leading zeros in JSON",
                        Span::new(start, self.pos + 1),
                    ));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(invalid(self)),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(invalid(self));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(invalid(self));
            }
            self.digits();
        }
        Ok(Node::new(
            Value::Number(self.text[start..self.pos].to_owned()),
            Span::new(start, self.pos),
        ))
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> ParseError {
        parse_json(text).expect_err(text)
    }

    #[test]
    fn keeps_spans_of_values_and_keys() {
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}"#;
        let node = parse_json(text).unwrap();
        let version = node.member("Version").unwrap();
        assert_eq!(&text[version.key_span.range()], "\"Version\"");
        assert_eq!(&text[version.value.span.range()], "\"2012-10-17\"");
        let statement = &node.get("Statement").unwrap().as_array().unwrap()[0];
        assert_eq!(&text[statement.span.range()], r#"{"Effect": "Allow"}"#);
    }

    #[test]
    fn trailing_comma_is_an_error_at_the_comma() {
        let text = "{\"a\": [1, 2,]}";
        let e = error(text);
        assert_eq!(e.span, Span::new(11, 12));
        assert!(e.message.contains("trailing comma"), "{}", e.message);
        let e = error("{\"a\": 1,\n}");
        assert_eq!(e.span.start, 7);
    }

    #[test]
    fn rejects_what_aws_rejects() {
        for (text, expected) in [
            ("{'a': 1}", "expected a key"),
            ("['a']", "double quotes"),
            ("{\"a\": 1} // c", "comments"),
            ("{\"a\": 01}", "leading zeros"),
            ("{\"a\": tru}", "expected a value"),
            ("{\"a\": \"x", "unterminated"),
            ("{\"a\": \"\\q\"}", "invalid escape"),
            ("{\"a\": \"\\ud800\"}", "surrogate"),
            ("{\"a\" 1}", "expected `:`"),
            ("{} {}", "after the JSON document"),
            ("", "the file ends here"),
            ("{\"a\": \"tab\there\"}", "control characters"),
            ("[1.]", "invalid number"),
        ] {
            let e = error(text);
            assert!(e.message.contains(expected), "{text}: {}", e.message);
            assert!(e.span.end <= text.len().max(e.span.start), "{text}");
        }
    }

    #[test]
    fn decodes_escapes_and_keeps_numbers_exact() {
        let node = parse_json(r#"["\u00e9\ud83d\ude00\n", -1.5e+3, true, null]"#).unwrap();
        let items = node.as_array().unwrap();
        assert_eq!(items[0].as_str(), Some("é😀\n"));
        assert_eq!(items[1].value, Value::Number("-1.5e+3".into()));
        assert_eq!(items[2].value, Value::Bool(true));
        assert_eq!(items[3].value, Value::Null);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = "[".repeat(100_000);
        let e = error(&text);
        assert!(e.message.contains("nests deeper"), "{}", e.message);
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
        assert!(parse_json(&ok).is_ok());
    }

    #[test]
    fn error_spans_fall_on_character_boundaries() {
        let e = error("{\"a\": é}");
        assert_eq!(e.span, Span::new(6, 8));
    }
}
