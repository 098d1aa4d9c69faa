//! Serverless Framework variables (`${self:…}`, `${opt:…}`, `${env:…}`, the stage and region
//! defaults), resolved where the file itself says what they are.

use functory_lint::parse::{Node, Span};

use crate::source::{Reporter, scalar_text};

const PARK_OPEN: char = '\u{1}';
const PARK_CLOSE: char = '\u{2}';

/// How deep variables may nest in each other before the importer gives up on one.
const MAX_VARIABLE_DEPTH: usize = 32;

/// Serverless variables of one file.
#[derive(Debug)]
pub struct Variables<'n> {
    pub(super) root: &'n Node,
}

impl Variables<'_> {
    /// `text` with every variable the file resolves replaced; the others kept, and reported.
    pub fn resolve(&self, text: &str, span: Span, subject: &str, rep: &mut Reporter<'_>) -> String {
        self.resolve_parked(text, span, subject, rep, &mut Vec::new())
            .replace(PARK_OPEN, "${")
            .replace(PARK_CLOSE, "}")
    }

    /// Resolves what it can; a kept variable is parked behind control characters so no loop
    /// (this one or an enclosing one) sees it again. [`Variables::resolve`] restores them.
    fn resolve_parked(
        &self,
        text: &str,
        span: Span,
        subject: &str,
        rep: &mut Reporter<'_>,
        stack: &mut Vec<String>,
    ) -> String {
        let mut text = text.to_owned();
        for _ in 0..256 {
            let Some(close) = text.find('}').filter(|&c| text[..c].contains("${")) else {
                break;
            };
            let Some(open) = text[..close].rfind("${") else {
                break;
            };
            let inner = text[open + 2..close].to_owned();
            let replacement = match self.variable(&inner, span, subject, rep, stack) {
                Some(value) => value,
                None => format!("{PARK_OPEN}{inner}{PARK_CLOSE}"),
            };
            text.replace_range(open..=close, &replacement);
        }
        text
    }

    /// The value of one variable expression (`self:custom.x, 'fallback'`), or `None`.
    fn variable(
        &self,
        expression: &str,
        span: Span,
        subject: &str,
        rep: &mut Reporter<'_>,
        stack: &mut Vec<String>,
    ) -> Option<String> {
        let (source, fallback) = match expression.split_once(',') {
            Some((source, fallback)) => (source.trim(), Some(fallback.trim())),
            None => (expression.trim(), None),
        };
        if let Some(start) = stack.iter().position(|s| s == source) {
            let mut chain: Vec<&str> = stack[start..].iter().map(String::as_str).collect();
            chain.push(source);
            rep.not_mapped(
                span,
                subject,
                format!(
                    "circular reference {}: kept as the text `${{{expression}}}`",
                    chain.join(" → ")
                ),
            );
            return None;
        }
        if stack.len() >= MAX_VARIABLE_DEPTH {
            return None;
        }
        let fallback_value = |this: &Self, rep: &mut Reporter<'_>, stack: &mut Vec<String>| {
            let fallback = fallback?;
            if let Some(quoted) = fallback
                .strip_prefix('\'')
                .and_then(|f| f.strip_suffix('\''))
                .or_else(|| fallback.strip_prefix('"').and_then(|f| f.strip_suffix('"')))
            {
                return Some(quoted.to_owned());
            }
            if fallback.contains(':') {
                return this.variable(fallback, span, subject, rep, stack);
            }
            Some(fallback.to_owned())
        };
        let (kind, name) = source.split_once(':').unwrap_or(("", source));
        let found = match kind {
            "self" => {
                stack.push(source.to_owned());
                let value = self
                    .lookup(name)
                    .and_then(scalar_text)
                    .map(|value| self.resolve_parked(&value, span, subject, rep, stack));
                stack.pop();
                // What the referenced value kept is already reported, and parked.
                value
            }
            // The Framework's defaults: stage `dev`, region `us-east-1`.
            "sls" if name == "stage" => {
                Some(self.provider_setting("stage", "dev", rep, stack, span, subject))
            }
            "opt" if name == "stage" && fallback.is_none() => {
                Some(self.provider_setting("stage", "dev", rep, stack, span, subject))
            }
            "opt" if name == "region" && fallback.is_none() => {
                Some(self.provider_setting("region", "us-east-1", rep, stack, span, subject))
            }
            "aws" if name == "region" => {
                Some(self.provider_setting("region", "us-east-1", rep, stack, span, subject))
            }
            _ => None,
        };
        if found.is_some() {
            return found;
        }
        stack.push(source.to_owned());
        let fallback = fallback_value(self, rep, stack);
        stack.pop();
        if fallback.is_some() {
            return fallback;
        }
        let why = match kind {
            "AWS" => "a CloudFormation pseudo parameter, known at deploy time",
            "env" => {
                "an environment variable read at deploy time; not copied into functory.toml (it may be a secret)"
            }
            "opt" => "a command-line option of `serverless deploy`",
            "ssm" | "secretsmanager" => "a parameter read from AWS at deploy time",
            "self" => "the file does not define it",
            _ => "a variable source Functory does not read",
        };
        rep.not_mapped(
            span,
            subject,
            format!("`${{{expression}}}` kept as text: {why}"),
        );
        None
    }

    fn lookup(&self, path: &str) -> Option<&Node> {
        let mut node = self.root;
        for part in path.split('.').filter(|p| !p.is_empty()) {
            node = node.get(part)?;
        }
        Some(node)
    }

    fn provider_setting(
        &self,
        key: &str,
        default: &str,
        rep: &mut Reporter<'_>,
        stack: &mut Vec<String>,
        span: Span,
        subject: &str,
    ) -> String {
        let path = format!("provider.{key}");
        if stack.contains(&format!("self:{path}")) {
            return default.to_owned();
        }
        stack.push(format!("self:{path}"));
        let value = self
            .lookup(&path)
            .and_then(scalar_text)
            .map(|v| self.resolve_parked(&v, span, subject, rep, stack));
        stack.pop();
        value
            .filter(|v| !v.contains(PARK_OPEN))
            .unwrap_or_else(|| default.to_owned())
    }
}
