//! TOML (the `functory.toml` manifest) into the span-keeping [`Node`] tree, so permissions
//! written in the manifest are checked by the same rules, with positions in the manifest.

use toml::de::{DeTable, DeValue};

use super::node::{Member, Node, ParseError, Span, Value};

pub fn parse_toml(text: &str) -> Result<Node, ParseError> {
    let table = DeTable::parse(text).map_err(|error| {
        let span = error
            .span()
            .map_or(Span::at(0), |s| Span::new(s.start, s.end));
        ParseError::new(error.message().trim().to_owned(), span)
    })?;
    let span = table.span();
    Ok(Node::new(
        table_value(table.get_ref()),
        Span::new(span.start, span.end),
    ))
}

fn table_value(table: &DeTable<'_>) -> Value {
    Value::Object(
        table
            .iter()
            .map(|(key, value)| Member {
                key: key.get_ref().to_string(),
                key_span: Span::new(key.span().start, key.span().end),
                value: Node::new(
                    convert(value.get_ref()),
                    Span::new(value.span().start, value.span().end),
                ),
            })
            .collect(),
    )
}

fn convert(value: &DeValue<'_>) -> Value {
    match value {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => Value::Number(i.as_str().replace('_', "")),
        DeValue::Float(f) => Value::Number(f.as_str().replace('_', "")),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| {
                    Node::new(
                        convert(item.get_ref()),
                        Span::new(item.span().start, item.span().end),
                    )
                })
                .collect(),
        ),
        DeValue::Table(table) => table_value(table),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_keep_manifest_positions() {
        let text = "[functions.a]\nruntime = \"python3.12\"\n\n[[functions.a.permissions]]\nactions = [\"s3:GetObject\"]\n";
        let node = parse_toml(text).unwrap();
        let permission = &node
            .get("functions")
            .and_then(|f| f.get("a"))
            .and_then(|a| a.get("permissions"))
            .and_then(Node::as_array)
            .unwrap()[0];
        let action = &permission.get("actions").unwrap().as_array().unwrap()[0];
        assert_eq!(&text[action.span.range()], "\"s3:GetObject\"");
        assert_eq!(action.as_str(), Some("s3:GetObject"));
    }

    #[test]
    fn syntax_error_has_a_position() {
        let e = parse_toml("[a\nb = 1").unwrap_err();
        assert!(e.span.start <= 3, "{e:?}");
    }
}
