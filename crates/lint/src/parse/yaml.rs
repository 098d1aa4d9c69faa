//! YAML (CloudFormation and SAM templates) into the span-keeping [`Node`] tree.
//!
//! Built on saphyr-parser's event stream, which reports the position of every event. Short-form
//! intrinsic tags (`!Ref X`, `!Sub "…"`, `!GetAtt A.B`) become the long JSON form
//! (`{"Ref": "X"}`, `{"Fn::Sub": "…"}`), so a template reads the same whichever syntax it uses.
//! The tree is built with an explicit stack and bounded in depth and size, so aliases ("billion
//! laughs") and deep nesting yield an error instead of exhausting memory or the stack.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};

use super::node::{MAX_DEPTH, MAX_NODES, Member, Node, ParseError, Span, Value};

pub fn parse_yaml(text: &str) -> Result<Node, ParseError> {
    let mut offsets = ByteOffsets::new(text);
    let mut builder = Builder::default();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|error| {
            let at = offsets.byte(error.marker().index());
            ParseError::new(
                format!("invalid YAML: {}", error.info()),
                char_span(text, at),
            )
        })?;
        let span = Span::new(
            offsets.byte(span.start.index()),
            offsets.byte(span.end.index()),
        );
        if builder.handle(event, span)? {
            break;
        }
    }
    builder
        .root
        .ok_or_else(|| ParseError::new("the file holds no YAML document", Span::at(0)))
}

fn char_span(text: &str, at: usize) -> Span {
    let len = text
        .get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(0, char::len_utf8);
    Span::new(at, at + len)
}

/// saphyr reports character indices; diagnostics need byte offsets. Events arrive in source
/// order, so a forward-moving cursor converts them in linear total time.
struct ByteOffsets<'a> {
    text: &'a str,
    ascii: bool,
    char_index: usize,
    byte_index: usize,
}

impl<'a> ByteOffsets<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            ascii: text.is_ascii(),
            char_index: 0,
            byte_index: 0,
        }
    }

    fn byte(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        if char_index < self.char_index {
            self.char_index = 0;
            self.byte_index = 0;
        }
        for c in self.text[self.byte_index..].chars() {
            if self.char_index == char_index {
                break;
            }
            self.char_index += 1;
            self.byte_index += c.len_utf8();
        }
        self.byte_index
    }
}

enum Frame {
    Sequence {
        start: usize,
        items: Vec<Node>,
        anchor: usize,
        tag: Option<String>,
    },
    Mapping {
        start: usize,
        members: Vec<Member>,
        key: Option<(String, Span)>,
        anchor: usize,
        tag: Option<String>,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Node>,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.value {
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        Value::Object(members) => members.iter().map(|m| count_nodes(&m.value)).sum(),
        _ => 0,
    }
}

impl Builder {
    /// Handles one event; true once the first document is complete.
    fn handle(&mut self, event: Event<'_>, span: Span) -> Result<bool, ParseError> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.and_then(|t| intrinsic_name(&t.handle, &t.suffix));
                let value = if style == ScalarStyle::Plain && tag.is_none() {
                    plain_scalar(&text)
                } else {
                    Value::String(text.into_owned())
                };
                self.complete(Node::new(value, span), anchor, tag)?;
            }
            Event::SequenceStart(anchor, tag) => {
                self.open(span)?;
                self.stack.push(Frame::Sequence {
                    start: span.start,
                    items: Vec::new(),
                    anchor,
                    tag: tag.and_then(|t| intrinsic_name(&t.handle, &t.suffix)),
                });
            }
            Event::MappingStart(anchor, tag) => {
                self.open(span)?;
                self.stack.push(Frame::Mapping {
                    start: span.start,
                    members: Vec::new(),
                    key: None,
                    anchor,
                    tag: tag.and_then(|t| intrinsic_name(&t.handle, &t.suffix)),
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(ParseError::new("unbalanced YAML collection", span));
                };
                let (node, anchor, tag) = match frame {
                    Frame::Sequence {
                        start,
                        items,
                        anchor,
                        tag,
                    } => {
                        let end = items.last().map_or(span.end, |n| n.span.end);
                        (
                            Node::new(Value::Array(items), Span::new(start, end.max(start))),
                            anchor,
                            tag,
                        )
                    }
                    Frame::Mapping {
                        start,
                        members,
                        anchor,
                        tag,
                        ..
                    } => {
                        let end = members.last().map_or(span.end, |m| m.value.span.end);
                        (
                            Node::new(Value::Object(members), Span::new(start, end.max(start))),
                            anchor,
                            tag,
                        )
                    }
                };
                self.complete(node, anchor, tag)?;
            }
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id) else {
                    return Err(ParseError::new("alias to an unknown anchor", span));
                };
                self.nodes += size;
                if self.nodes > MAX_NODES {
                    return Err(ParseError::new(
                        format!("YAML aliases expand to more than {MAX_NODES} values"),
                        span,
                    ));
                }
                let mut node = node.clone();
                // The alias stands where it is written, for positions; its content is the
                // anchored value.
                node.span = span;
                self.complete(node, 0, None)?;
            }
            Event::DocumentEnd => return Ok(self.root.is_some()),
            Event::StreamEnd => return Ok(true),
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => {}
        }
        Ok(false)
    }

    fn open(&mut self, span: Span) -> Result<(), ParseError> {
        if self.stack.len() + 1 >= MAX_DEPTH {
            return Err(ParseError::new(
                format!("the document nests deeper than {MAX_DEPTH} levels"),
                span,
            ));
        }
        Ok(())
    }

    fn complete(
        &mut self,
        node: Node,
        anchor: usize,
        tag: Option<String>,
    ) -> Result<(), ParseError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(ParseError::new(
                format!("the document holds more than {MAX_NODES} values"),
                node.span,
            ));
        }
        let node = match tag {
            Some(name) => {
                let span = node.span;
                Node::new(
                    Value::Object(vec![Member {
                        key: name,
                        key_span: span,
                        value: node,
                    }]),
                    span,
                )
            }
            None => node,
        };
        if anchor != 0 {
            let size = count_nodes(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Sequence { items, .. }) => items.push(node),
            Some(Frame::Mapping { members, key, .. }) => match key.take() {
                None => {
                    let text = match &node.value {
                        Value::String(s) | Value::Number(s) => s.clone(),
                        Value::Null => String::new(),
                        _ => node.to_string(),
                    };
                    *key = Some((text, node.span));
                }
                Some((key, key_span)) => members.push(Member {
                    key,
                    key_span,
                    value: node,
                }),
            },
        }
        Ok(())
    }
}

/// `!Ref` → `Ref`, `!Condition` → `Condition`, `!Sub` → `Fn::Sub`, … Other tags (`!!str`) are
/// not CloudFormation's and are ignored.
fn intrinsic_name(handle: &str, suffix: &str) -> Option<String> {
    if handle != "!" || suffix.is_empty() {
        return None;
    }
    Some(match suffix {
        "Ref" | "Condition" => suffix.to_owned(),
        _ => format!("Fn::{suffix}"),
    })
}

/// YAML 1.2 core schema for plain scalars; everything else stays a string (so `2012-10-17` is
/// the string IAM expects, not a date).
fn plain_scalar(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ if is_yaml_number(text) => Value::Number(text.to_owned()),
        _ => Value::String(text.to_owned()),
    }
}

fn is_yaml_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty()
        && digits.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && text.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_form_tags_become_long_form_intrinsics() {
        let text = "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: !Ref Name\n      Arn: !GetAtt Fn.Arn\n      List: !Join [\",\", [a, b]]\n";
        let node = parse_yaml(text).unwrap();
        let props = node
            .get("Resources")
            .and_then(|r| r.get("Role"))
            .and_then(|r| r.get("Properties"))
            .unwrap();
        let name = props.get("RoleName").unwrap();
        assert!(name.is_intrinsic());
        assert_eq!(name.get("Ref").unwrap().as_str(), Some("Name"));
        assert_eq!(&text[name.span.range()], "!Ref Name");
        assert!(props.get("Arn").unwrap().get("Fn::GetAtt").is_some());
        let join = props.get("List").unwrap().get("Fn::Join").unwrap();
        assert_eq!(join.as_array().unwrap().len(), 2);
    }

    #[test]
    fn spans_are_bytes_even_after_multibyte_text() {
        let text = "# héllo wörld\nVersion: \"2012-10-17\"\nKey: värde\n";
        let node = parse_yaml(text).unwrap();
        let version = node.get("Version").unwrap();
        assert_eq!(&text[version.span.range()], "\"2012-10-17\"");
        assert_eq!(version.as_str(), Some("2012-10-17"));
        let key = node.member("Key").unwrap();
        assert_eq!(&text[key.key_span.range()], "Key");
        assert_eq!(&text[key.value.span.range()], "värde");
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let node = parse_yaml("a: 2012-10-17\nb: 30\nc: true\nd: ~\ne: '30'\n").unwrap();
        assert_eq!(node.get("a").unwrap().as_str(), Some("2012-10-17"));
        assert_eq!(node.get("b").unwrap().value, Value::Number("30".into()));
        assert_eq!(node.get("c").unwrap().value, Value::Bool(true));
        assert_eq!(node.get("d").unwrap().value, Value::Null);
        assert_eq!(node.get("e").unwrap().as_str(), Some("30"));
    }

    #[test]
    fn alias_bombs_and_deep_nesting_are_errors() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_owned()
            } else {
                format!("l{}", i - 1)
            };
            bomb.push_str(&format!(
                "l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let e = parse_yaml(&bomb).unwrap_err();
        assert!(e.message.contains("aliases expand"), "{}", e.message);
        let deep = "[".repeat(10_000);
        assert!(parse_yaml(&deep).is_err());
    }

    #[test]
    fn syntax_errors_have_positions() {
        let text = "a: [1, 2\nb: 3\n";
        let e = parse_yaml(text).unwrap_err();
        assert!(e.message.starts_with("invalid YAML"), "{}", e.message);
        assert!(e.span.start <= text.len());
    }
}
