//! The runtimes a function can declare, named as AWS Lambda names them. Adapters for other
//! clouds map these names to their own.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum RuntimeFamily {
    Node,
    Python,
    /// A custom runtime: an executable `bootstrap` implementing the Lambda Runtime API.
    Provided,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runtime {
    pub name: &'static str,
    pub family: RuntimeFamily,
    /// Deprecated runtimes still parse; the linter warns about them.
    pub deprecated: bool,
}

pub const RUNTIMES: &[Runtime] = &[
    Runtime {
        name: "nodejs18.x",
        family: RuntimeFamily::Node,
        deprecated: true,
    },
    Runtime {
        name: "nodejs20.x",
        family: RuntimeFamily::Node,
        deprecated: false,
    },
    Runtime {
        name: "nodejs22.x",
        family: RuntimeFamily::Node,
        deprecated: false,
    },
    Runtime {
        name: "python3.9",
        family: RuntimeFamily::Python,
        deprecated: true,
    },
    Runtime {
        name: "python3.10",
        family: RuntimeFamily::Python,
        deprecated: false,
    },
    Runtime {
        name: "python3.11",
        family: RuntimeFamily::Python,
        deprecated: false,
    },
    Runtime {
        name: "python3.12",
        family: RuntimeFamily::Python,
        deprecated: false,
    },
    Runtime {
        name: "python3.13",
        family: RuntimeFamily::Python,
        deprecated: false,
    },
    Runtime {
        name: "provided.al2",
        family: RuntimeFamily::Provided,
        deprecated: false,
    },
    Runtime {
        name: "provided.al2023",
        family: RuntimeFamily::Provided,
        deprecated: false,
    },
];

impl Runtime {
    pub fn names() -> impl Iterator<Item = &'static str> {
        RUNTIMES.iter().map(|r| r.name)
    }

    /// The closest known runtime name, for "did you mean" messages.
    pub fn suggest(unknown: &str) -> Option<&'static str> {
        Self::names()
            .map(|name| (edit_distance(&unknown.to_ascii_lowercase(), name), name))
            .filter(|(distance, _)| *distance <= 3)
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, name)| name)
    }

    /// The file extensions that can hold a handler module, in the order the runtime looks.
    pub fn handler_extensions(self) -> &'static [&'static str] {
        match self.family {
            RuntimeFamily::Node => &["js", "mjs", "cjs"],
            RuntimeFamily::Python => &["py"],
            RuntimeFamily::Provided => &[],
        }
    }
}

impl FromStr for Runtime {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RUNTIMES.iter().copied().find(|r| r.name == s).ok_or(())
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// Levenshtein distance over characters; the inputs here are short identifiers.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_runtime() {
        assert_eq!(Runtime::suggest("nodejs20"), Some("nodejs20.x"));
        assert_eq!(Runtime::suggest("python3.12x"), Some("python3.12"));
        assert_eq!(Runtime::suggest("cobol"), None);
    }
}
