//! What the analyzer knows about a string in the code: a value, the start of one, or why not.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Known {
        value: String,
        how: String,
    },
    /// Text that starts with `prefix` and continues with something only known at run time
    /// (`thumbnails/${name}`).
    Prefix {
        prefix: String,
        how: String,
    },
    Unknown {
        why: String,
    },
}

impl Resolved {
    pub fn literal(value: impl Into<String>) -> Self {
        Self::Known {
            value: value.into(),
            how: "literal".to_owned(),
        }
    }

    pub fn unknown(why: impl Into<String>) -> Self {
        Self::Unknown { why: why.into() }
    }

    pub fn is_known(&self) -> bool {
        matches!(self, Self::Known { .. })
    }

    /// The same value, found through the constant `name`.
    pub fn via_constant(self, name: &str) -> Self {
        match self {
            Self::Known { value, how } if how == "literal" => Self::Known {
                value,
                how: format!("constant {name}"),
            },
            Self::Prefix { prefix, how } if how == "literal" => Self::Prefix {
                prefix,
                how: format!("constant {name}"),
            },
            other => other,
        }
    }

    /// Concatenation, as in template strings and `+`.
    pub fn concat(parts: Vec<Resolved>) -> Self {
        let mut text = String::new();
        let mut hows: Vec<String> = Vec::new();
        for part in parts {
            match part {
                Self::Known { value, how } => {
                    text.push_str(&value);
                    if how != "literal" && !hows.contains(&how) {
                        hows.push(how);
                    }
                }
                Self::Prefix { prefix, how } => {
                    text.push_str(&prefix);
                    if how != "literal" && !hows.contains(&how) {
                        hows.push(how);
                    }
                    return Self::partial(text, hows);
                }
                Self::Unknown { why } => {
                    if text.is_empty() {
                        return Self::Unknown { why };
                    }
                    return Self::partial(text, hows);
                }
            }
        }
        Self::Known {
            value: text,
            how: if hows.is_empty() {
                "literal".to_owned()
            } else {
                hows.join(", ")
            },
        }
    }

    fn partial(prefix: String, hows: Vec<String>) -> Self {
        let mut how = "prefix known, the rest is computed at run time".to_owned();
        if !hows.is_empty() {
            how = format!("{how} ({})", hows.join(", "));
        }
        Self::Prefix { prefix, how }
    }
}

/// A value written with CloudFormation references (an imported template's
/// `arn:${AWS::Partition}:s3:::${AWS::AccountId}-uploads`): the partition is `aws`, the URL
/// suffix `amazonaws.com`, and what a deploy decides (region, account, stack, other
/// references) is `*`, so the ARN matches wherever it is deployed.
fn pseudo_parameters(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        out.push_str(match &after[..end] {
            "AWS::Partition" => "aws",
            "AWS::URLSuffix" => "amazonaws.com",
            _ => "*",
        });
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The function's environment as the manifest sets it.
#[derive(Debug, Clone, Default)]
pub struct Environment(pub BTreeMap<String, String>);

impl Environment {
    pub fn lookup(&self, key: &str) -> Resolved {
        match self.0.get(key) {
            Some(value) if value.contains("${") => Resolved::Known {
                value: pseudo_parameters(value),
                how: format!(
                    "environment {key} = {value}, its template references read as any value"
                ),
            },
            Some(value) => Resolved::Known {
                value: value.clone(),
                how: format!("environment {key} = {value}"),
            },
            None => Resolved::unknown(format!(
                "comes from the environment variable {key}, which functory.toml does not set"
            )),
        }
    }

    /// `process.env.X || 'fallback'`: the manifest's value, else the fallback.
    pub fn lookup_or(&self, key: &str, fallback: Option<Resolved>) -> Resolved {
        match (self.0.get(key), fallback) {
            (Some(_), _) => self.lookup(key),
            (None, Some(Resolved::Known { value, .. })) => Resolved::Known {
                value,
                how: format!(
                    "default of the environment variable {key}, which functory.toml does not set"
                ),
            },
            (None, _) => self.lookup(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_references_in_the_environment_read_as_any_value() {
        let env = Environment(BTreeMap::from([(
            "BUCKET_ARN".to_owned(),
            "arn:${AWS::Partition}:s3:::${AWS::AccountId}-${Stage}-uploads".to_owned(),
        )]));
        match env.lookup("BUCKET_ARN") {
            Resolved::Known { value, .. } => assert_eq!(value, "arn:aws:s3:::*-*-uploads"),
            other => panic!("{other:?}"),
        }
    }
}
