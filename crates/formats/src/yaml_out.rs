//! A small YAML writer for templates: block mappings and sequences, CloudFormation's short-form
//! tags, and strings quoted whenever a plain scalar could be read as something else.

/// A YAML value to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    Str(String),
    Int(i64),
    Bool(bool),
    Seq(Vec<Yaml>),
    Map(Vec<(String, Yaml)>),
    /// A short-form intrinsic (`!Ref`, `!Sub`, `!GetAtt`) applied to a scalar.
    Tag(&'static str, String),
}

impl Yaml {
    pub fn str(s: impl Into<String>) -> Yaml {
        Yaml::Str(s.into())
    }

    /// A string that may hold `${…}` placeholders: `!Sub` when it does.
    pub fn sub_or_str(s: &str) -> Yaml {
        if s.contains("${") {
            Yaml::Tag("!Sub", s.to_owned())
        } else {
            Yaml::Str(s.to_owned())
        }
    }

    pub fn strs(items: &[String]) -> Yaml {
        Yaml::Seq(items.iter().map(|s| Yaml::sub_or_str(s)).collect())
    }
}

/// Writes a mapping as a YAML document.
pub fn to_yaml(root: &Yaml) -> String {
    let mut out = String::new();
    match root {
        Yaml::Map(members) => write_map(members, 0, &mut out),
        other => {
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
    out
}

fn write_map(members: &[(String, Yaml)], indent: usize, out: &mut String) {
    for (key, value) in members {
        out.push_str(&" ".repeat(indent));
        out.push_str(&scalar(key));
        out.push(':');
        write_value(value, indent, out);
    }
}

fn write_value(value: &Yaml, indent: usize, out: &mut String) {
    match value {
        Yaml::Map(members) if !members.is_empty() => {
            out.push('\n');
            write_map(members, indent + 2, out);
        }
        Yaml::Seq(items) if !items.is_empty() => {
            out.push('\n');
            for item in items {
                out.push_str(&" ".repeat(indent + 2));
                out.push('-');
                match item {
                    Yaml::Map(members) if !members.is_empty() => {
                        // Written at the column after `- `, then the first line's indent
                        // is replaced by the dash: the keys line up below each other.
                        let mut block = String::new();
                        write_map(members, indent + 4, &mut block);
                        out.push(' ');
                        out.push_str(&block[indent + 4..]);
                    }
                    other => write_value(other, indent + 2, out),
                }
            }
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn inline(value: &Yaml) -> String {
    match value {
        Yaml::Str(s) => scalar(s),
        Yaml::Int(n) => n.to_string(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Tag(tag, s) => format!("{tag} {}", scalar(s)),
        Yaml::Seq(_) => "[]".to_owned(),
        Yaml::Map(_) => "{}".to_owned(),
    }
}

/// A string as a plain scalar when that reads back as the same string, else double-quoted
/// (JSON escaping is valid YAML double-quoted style).
fn scalar(s: &str) -> String {
    let plain_safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:()*?+ ,${}@=".contains(c))
        && s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '_' || c == '$')
        && !s.contains(": ")
        && !s.ends_with(':')
        && !s.ends_with(' ')
        && !s.contains(" #")
        && !s.contains(',')
        && !s.contains('{')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        );
    if plain_safe {
        s.to_owned()
    } else {
        serde_json::Value::String(s.to_owned()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use functory_lint::parse::parse_yaml;

    #[test]
    fn writes_yaml_that_reads_back() {
        let doc = Yaml::Map(vec![
            ("A".into(), Yaml::str("2010-09-09")),
            ("B".into(), Yaml::Int(3)),
            (
                "C".into(),
                Yaml::Seq(vec![
                    Yaml::Map(vec![
                        ("Effect".into(), Yaml::str("Allow")),
                        ("Action".into(), Yaml::Seq(vec![Yaml::str("s3:GetObject")])),
                        (
                            "Nested".into(),
                            Yaml::Map(vec![("K".into(), Yaml::str("true"))]),
                        ),
                    ]),
                    Yaml::str("plain"),
                ]),
            ),
            ("D".into(), Yaml::Tag("!Sub", "arn:${AWS::Region}".into())),
            ("E".into(), Yaml::str("a: b # c")),
        ]);
        let text = to_yaml(&doc);
        let node = parse_yaml(&text).unwrap();
        assert_eq!(
            node.get("A").unwrap().as_str(),
            Some("2010-09-09"),
            "{text}"
        );
        let c = node.get("C").unwrap().as_array().unwrap();
        assert_eq!(
            c[0].get("Effect").unwrap().as_str(),
            Some("Allow"),
            "{text}"
        );
        assert_eq!(
            c[0].get("Nested").unwrap().get("K").unwrap().as_str(),
            Some("true"),
            "{text}"
        );
        assert_eq!(c[1].as_str(), Some("plain"));
        assert_eq!(
            node.get("D").unwrap().get("Fn::Sub").unwrap().as_str(),
            Some("arn:${AWS::Region}")
        );
        assert_eq!(node.get("E").unwrap().as_str(), Some("a: b # c"));
    }
}
