//! A function's settings as a form holds them, checked field by field before any edit.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::manifest::{MEMORY_MB_RANGE, TIMEOUT_S_RANGE, is_valid_env_key};

/// A function's settings as a form holds them: text as typed, environment rows in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SettingsDraft {
    pub memory: String,
    pub timeout: String,
    pub environment: Vec<crate::manifest::EnvVar>,
}

/// One problem of a settings draft: `memory`, `timeout`, or `environment` with the row's index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SettingsProblem {
    pub field: String,
    pub row: Option<u32>,
    pub message: String,
}

/// What `functory check` and the setting edits would refuse in a draft of a function's memory,
/// timeout and environment, said per field as the form shows it. A row with neither name nor
/// value is ignored (an added row left empty).
pub fn settings_problems(draft: &SettingsDraft) -> Vec<SettingsProblem> {
    let mut problems = Vec::new();
    let whole = |text: &str, (min, max): (u32, u32)| {
        let text = text.trim();
        (!text.is_empty() && text.chars().all(|c| c.is_ascii_digit()))
            .then(|| text.parse::<u32>().ok())
            .flatten()
            .filter(|n| (min..=max).contains(n))
    };
    if whole(&draft.memory, MEMORY_MB_RANGE).is_none() {
        problems.push(SettingsProblem {
            field: "memory".into(),
            row: None,
            message: format!(
                "Memory must be a whole number of MB between {} and {}.",
                MEMORY_MB_RANGE.0, MEMORY_MB_RANGE.1
            ),
        });
    }
    if whole(&draft.timeout, TIMEOUT_S_RANGE).is_none() {
        problems.push(SettingsProblem {
            field: "timeout".into(),
            row: None,
            message: format!(
                "Timeout must be a whole number of seconds between {} and {}.",
                TIMEOUT_S_RANGE.0, TIMEOUT_S_RANGE.1
            ),
        });
    }
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for (i, row) in draft.environment.iter().enumerate() {
        let key = row.key.trim();
        if key.is_empty() && row.value.is_empty() {
            continue;
        }
        let message = if key.is_empty() {
            "A variable needs a name.".to_owned()
        } else if !is_valid_env_key(key) {
            "Names start with a letter and use only letters, digits and _.".to_owned()
        } else if crate::manifest::RESERVED_ENVIRONMENT.contains(&key) {
            format!("{key} is reserved: the runtime sets it itself.")
        } else if !seen.insert(key) {
            format!("{key} is already set above.")
        } else {
            continue;
        };
        problems.push(SettingsProblem {
            field: "environment".into(),
            row: u32::try_from(i).ok(),
            message,
        });
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::EnvVar;

    fn row(key: &str, value: &str) -> EnvVar {
        EnvVar {
            key: key.into(),
            value: value.into(),
        }
    }

    #[test]
    fn a_draft_is_checked_field_by_field() {
        let draft = SettingsDraft {
            memory: "64".into(),
            timeout: "1.5".into(),
            environment: vec![
                row("TABLE", "orders"),
                row("", ""),
                row("1ST", "x"),
                row("TABLE", "again"),
                row("AWS_REGION", "x"),
                row("", "orphan value"),
            ],
        };
        let found: Vec<(String, Option<u32>)> = settings_problems(&draft)
            .into_iter()
            .map(|p| (p.field, p.row))
            .collect();
        assert_eq!(
            found,
            [
                ("memory".to_owned(), None),
                ("timeout".to_owned(), None),
                ("environment".to_owned(), Some(2)),
                ("environment".to_owned(), Some(3)),
                ("environment".to_owned(), Some(4)),
                ("environment".to_owned(), Some(5)),
            ]
        );
        let fine = SettingsDraft {
            memory: " 1024 ".into(),
            timeout: "900".into(),
            environment: vec![row("TABLE", "orders")],
        };
        assert_eq!(settings_problems(&fine), vec![]);
    }
}
