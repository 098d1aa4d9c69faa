//! Target edits: what is wrong with a target to add, and adding its `[targets.NAME]` table
//! after the other targets.

use toml_edit::{DocumentMut, Item, Table};

use super::{EditError, NewTarget};
use crate::manifest::AdapterKind;

/// What is wrong with a target to add, field by field, before anything is written.
pub fn new_target_problems(target: &NewTarget) -> Vec<(String, String)> {
    let field = |key: &str| format!("targets.{}.{key}", target.name);
    let mut problems = Vec::new();
    if !crate::manifest::is_valid_target_name(&target.name) {
        problems.push((
            format!("targets.{}", target.name),
            format!(
                "target name `{}` must start with a lowercase letter or digit and contain only lowercase letters, digits, `-` and `_`",
                target.name
            ),
        ));
    }
    let set = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .is_some()
    };
    if set(&target.profile) && set(&target.account) {
        problems.push((
            field("profile"),
            "set either `profile` (an AWS profile) or `account` (a keychain account), not both"
                .into(),
        ));
    }
    if let Some(profile) = target.profile.as_deref().filter(|p| !p.is_empty()) {
        if target.adapter != AdapterKind::Aws {
            problems.push((
                field("profile"),
                "`profile` names an AWS profile and only applies to targets with adapter = \"aws\""
                    .into(),
            ));
        } else if let Some(problem) = crate::manifest::aws_profile_name_problem(profile) {
            problems.push((field("profile"), problem));
        }
    }
    if let Some(region) = target.region.as_deref().filter(|r| !r.is_empty()) {
        let problem = match target.adapter {
            AdapterKind::Aws => crate::manifest::aws_region_problem(region),
            AdapterKind::Gcp => crate::manifest::gcp_region_problem(region),
            _ => None,
        };
        if let Some(problem) = problem {
            problems.push((field("region"), problem));
        }
    }
    match target.adapter {
        AdapterKind::Aws if !set(&target.region) => problems.push((
            field("region"),
            "an AWS target needs a region, like `eu-west-1`".into(),
        )),
        AdapterKind::Azure => {
            for (key, value) in [
                ("resource_group", &target.resource_group),
                ("function_app", &target.function_app),
            ] {
                if !set(value) {
                    problems.push((field(key), format!("an Azure target needs `{key}`")));
                }
            }
        }
        AdapterKind::Gcp => {
            for (key, value) in [
                ("project_id", &target.project_id),
                ("region", &target.region),
            ] {
                if !set(value) {
                    problems.push((field(key), format!("a Google Cloud target needs `{key}`")));
                }
            }
        }
        _ => {}
    }
    problems
}

pub(super) fn add_target(doc: &mut DocumentMut, target: &NewTarget) -> Result<(), EditError> {
    if let Some((field, message)) = new_target_problems(target).into_iter().next() {
        return Err(EditError::InvalidValue { field, message });
    }
    if doc
        .get("targets")
        .and_then(Item::as_table_like)
        .is_some_and(|t| t.contains_key(&target.name))
    {
        return Err(EditError::InvalidValue {
            field: format!("targets.{}", target.name),
            message: "a target with this name already exists".into(),
        });
    }
    let mut table = Table::new();
    table.insert(
        "adapter",
        toml_edit::value(match target.adapter {
            AdapterKind::Local => "local",
            AdapterKind::Aws => "aws",
            AdapterKind::Azure => "azure",
            AdapterKind::Gcp => "gcp",
        }),
    );
    for (key, value) in [
        ("region", &target.region),
        ("profile", &target.profile),
        ("account", &target.account),
        ("code_bucket", &target.code_bucket),
        ("subscription_id", &target.subscription_id),
        ("resource_group", &target.resource_group),
        ("function_app", &target.function_app),
        ("project_id", &target.project_id),
    ] {
        if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            table.insert(key, toml_edit::value(value));
        }
    }
    // After the last target (or the project table), so the file reads top to bottom: project,
    // targets, functions. Tables after it move down one place.
    let after = doc
        .get("targets")
        .and_then(Item::as_table)
        .map(|targets| {
            targets
                .iter()
                .filter_map(|(_, item)| item.as_table().and_then(Table::position))
                .max()
                .unwrap_or(0)
        })
        .or_else(|| {
            doc.get("project")
                .and_then(Item::as_table)
                .and_then(Table::position)
        })
        .unwrap_or(0);
    shift_positions(doc.as_table_mut(), after);
    table.set_position(Some(after + 1));
    table.decor_mut().set_prefix("\n");
    if doc.get("targets").is_none() {
        let mut targets = Table::new();
        targets.set_implicit(true);
        doc.insert("targets", Item::Table(targets));
    }
    let targets = doc
        .get_mut("targets")
        .and_then(Item::as_table_mut)
        .ok_or_else(|| EditError::InvalidValue {
            field: "targets".into(),
            message: "is not a table".into(),
        })?;
    targets.insert(&target.name, Item::Table(table));
    Ok(())
}

/// Moves every table placed after `after` one place down, recursively.
fn shift_positions(table: &mut Table, after: isize) {
    for (_, item) in table.iter_mut() {
        if let Some(inner) = item.as_table_mut() {
            if let Some(position) = inner.position()
                && position > after
            {
                inner.set_position(Some(position + 1));
            }
            shift_positions(inner, after);
        } else if let Some(array) = item.as_array_of_tables_mut() {
            for inner in array.iter_mut() {
                if let Some(position) = inner.position()
                    && position > after
                {
                    inner.set_position(Some(position + 1));
                }
                shift_positions(inner, after);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{ManifestEdit, apply_edit};

    const WITH_TARGETS: &str = "# the app\n[project]\nname = \"shop\"\n\n[targets.local]\nadapter = \"local\"\n\n# the orders API\n[functions.orders]\nruntime = \"python3.12\"\nhandler = \"app.handler\"\n";

    fn aws(name: &str, region: &str) -> NewTarget {
        NewTarget {
            name: name.into(),
            adapter: AdapterKind::Aws,
            region: Some(region.into()),
            profile: None,
            account: None,
            code_bucket: None,
            subscription_id: None,
            resource_group: None,
            function_app: None,
            project_id: None,
        }
    }

    #[test]
    fn a_target_is_added_after_the_others_and_removed_whole() {
        let added = apply_edit(
            WITH_TARGETS,
            &ManifestEdit::AddTarget {
                target: aws("dev", "us-east-1"),
            },
        )
        .unwrap();
        assert_eq!(
            added,
            "# the app\n[project]\nname = \"shop\"\n\n[targets.local]\nadapter = \"local\"\n\n[targets.dev]\nadapter = \"aws\"\nregion = \"us-east-1\"\n\n# the orders API\n[functions.orders]\nruntime = \"python3.12\"\nhandler = \"app.handler\"\n"
        );
        let removed = apply_edit(
            &added,
            &ManifestEdit::RemoveTarget {
                target: "dev".into(),
            },
        )
        .unwrap();
        assert_eq!(removed, WITH_TARGETS);
    }

    #[test]
    fn bad_targets_are_refused_naming_the_field() {
        for (target, field, needle) in [
            (
                aws("dev", "eu-west"),
                "targets.dev.region",
                "not an AWS region",
            ),
            (aws("Dev", "eu-west-1"), "targets.Dev", "lowercase"),
            (aws("local", "eu-west-1"), "targets.local", "already exists"),
            (
                NewTarget {
                    profile: Some("my profile".into()),
                    ..aws("dev", "eu-west-1")
                },
                "targets.dev.profile",
                "not an AWS profile name",
            ),
            (
                NewTarget {
                    region: None,
                    ..aws("dev", "eu-west-1")
                },
                "targets.dev.region",
                "needs a region",
            ),
        ] {
            let error = apply_edit(WITH_TARGETS, &ManifestEdit::AddTarget { target }).unwrap_err();
            let EditError::InvalidValue { field: f, message } = &error else {
                panic!("{error}");
            };
            assert_eq!(f, field);
            assert!(message.contains(needle), "{message}");
        }
    }
}
