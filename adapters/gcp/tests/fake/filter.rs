//! The part of Cloud Logging's query language the fake understands: comparisons of dotted
//! fields (`=`, `!=`, `>=`, `>`, `<=`, `<`, `:`) with quoted or bare values, `AND`, `OR`,
//! `NOT`, juxtaposition as `AND`, and parentheses. As in the real language, `OR` binds
//! tighter than `AND`. Anything else is an error, answered as the API does (400).

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    Word(String),
    Quoted(String),
    Op(&'static str),
}

#[derive(Debug, Clone)]
pub enum Filter {
    All(Vec<Filter>),
    Any(Vec<Filter>),
    Not(Box<Filter>),
    Compare {
        field: String,
        op: &'static str,
        value: String,
    },
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Token::Open);
            i += 1;
        } else if c == ')' {
            out.push(Token::Close);
            i += 1;
        } else if c == '"' {
            let mut value = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("unterminated string".to_owned()),
                    Some('\\') => {
                        value.push(*chars.get(i + 1).ok_or("dangling escape")?);
                        i += 2;
                    }
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some(other) => {
                        value.push(*other);
                        i += 1;
                    }
                }
            }
            out.push(Token::Quoted(value));
        } else if let Some(op) = [">=", "<=", "!=", "=", ">", "<", ":"]
            .iter()
            .find(|op| chars[i..].starts_with(&op.chars().collect::<Vec<_>>()))
        {
            out.push(Token::Op(op));
            i += op.len();
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && !"()\"=!<>:".contains(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push(match word.as_str() {
                "AND" => Token::And,
                "OR" => Token::Or,
                "NOT" => Token::Not,
                _ => Token::Word(word),
            });
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    /// `a AND b`, or `a b`.
    fn conjunction(&mut self) -> Result<Filter, String> {
        let mut parts = vec![self.disjunction()?];
        loop {
            match self.peek() {
                None | Some(Token::Close) => break,
                Some(Token::And) => {
                    self.next();
                    parts.push(self.disjunction()?);
                }
                Some(_) => parts.push(self.disjunction()?),
            }
        }
        Ok(Filter::All(parts))
    }

    fn disjunction(&mut self) -> Result<Filter, String> {
        let mut parts = vec![self.unary()?];
        while self.peek() == Some(&Token::Or) {
            self.next();
            parts.push(self.unary()?);
        }
        Ok(Filter::Any(parts))
    }

    fn unary(&mut self) -> Result<Filter, String> {
        match self.next() {
            Some(Token::Not) => Ok(Filter::Not(Box::new(self.unary()?))),
            Some(Token::Open) => {
                let inner = self.conjunction()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    other => Err(format!("expected `)`, found {other:?}")),
                }
            }
            Some(Token::Word(field)) => {
                let Some(Token::Op(op)) = self.next() else {
                    return Err(format!("expected a comparison after `{field}`"));
                };
                let value = match self.next() {
                    Some(Token::Quoted(v)) | Some(Token::Word(v)) => v,
                    other => return Err(format!("expected a value, found {other:?}")),
                };
                Ok(Filter::Compare { field, op, value })
            }
            other => Err(format!("unexpected {other:?}")),
        }
    }
}

pub fn parse(text: &str) -> Result<Filter, String> {
    let mut parser = Parser {
        tokens: tokens(text)?,
        at: 0,
    };
    if parser.tokens.is_empty() {
        return Ok(Filter::All(Vec::new()));
    }
    let filter = parser.conjunction()?;
    if parser.at < parser.tokens.len() {
        return Err(format!("unexpected {:?}", parser.tokens[parser.at]));
    }
    Ok(filter)
}

const SEVERITIES: [&str; 9] = [
    "DEFAULT",
    "DEBUG",
    "INFO",
    "NOTICE",
    "WARNING",
    "ERROR",
    "CRITICAL",
    "ALERT",
    "EMERGENCY",
];

fn field<'a>(entry: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = entry;
    for part in path.split('.') {
        current = current.get(part)?;
    }
    Some(current)
}

fn ordering(field_name: &str, have: &str, want: &str) -> Option<std::cmp::Ordering> {
    match field_name {
        "timestamp" | "receiveTimestamp" => {
            let a = chrono::DateTime::parse_from_rfc3339(have).ok()?;
            let b = chrono::DateTime::parse_from_rfc3339(want).ok()?;
            Some(a.cmp(&b))
        }
        "severity" => {
            let rank = |s: &str| SEVERITIES.iter().position(|x| x.eq_ignore_ascii_case(s));
            Some(rank(have)?.cmp(&rank(want)?))
        }
        _ => Some(have.cmp(want)),
    }
}

impl Filter {
    pub fn matches(&self, entry: &Value) -> bool {
        match self {
            Filter::All(parts) => parts.iter().all(|p| p.matches(entry)),
            Filter::Any(parts) => parts.iter().any(|p| p.matches(entry)),
            Filter::Not(inner) => !inner.matches(entry),
            Filter::Compare {
                field: name,
                op,
                value,
            } => {
                let have = match field(entry, name) {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Null) | None => return *op == "!=",
                    Some(other) => other.to_string(),
                };
                match *op {
                    ":" => have.contains(value.as_str()),
                    "=" => ordering(name, &have, value) == Some(std::cmp::Ordering::Equal),
                    "!=" => ordering(name, &have, value) != Some(std::cmp::Ordering::Equal),
                    ">=" => ordering(name, &have, value).is_some_and(|o| o.is_ge()),
                    ">" => ordering(name, &have, value).is_some_and(|o| o.is_gt()),
                    "<=" => ordering(name, &have, value).is_some_and(|o| o.is_le()),
                    "<" => ordering(name, &have, value).is_some_and(|o| o.is_lt()),
                    _ => false,
                }
            }
        }
    }
}
