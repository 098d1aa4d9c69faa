//! The names Functory gives what it creates around a function — IAM roles, schedules, bucket
//! notification entries — and how a deploy recognises which of them are its own.
//!
//! A name carries the project and the target (the stage alias the deploy moves), so two targets
//! of one project in the same account and region never share a role, a schedule or a
//! notification entry. Names made before they carried the target (`functory-<project>-…`) are
//! still recognised, but only when they invoke this very stage: the deploy of that target
//! replaces them with the new names, and another target's are left to that target's deploy.

use super::schedules::arn_names_function;

/// What the names start with after `functory-`: the project, then the target. Without a target
/// (a deploy that moves no stage) it is the project alone, the form names had before.
pub fn naming_scope(project: &str, target: Option<&str>) -> String {
    match target {
        Some(target) => format!("{project}-{target}"),
        None => project.to_owned(),
    }
}

/// The qualifier (alias or version) of a function ARN, `arn:P:lambda:R:A:function:NAME:Q`.
pub(crate) fn arn_qualifier(arn: &str) -> Option<&str> {
    arn.split(':').nth(7)
}

/// Which numbered names (`<prefix><n>`) invoking a function a deploy owns.
#[derive(Debug, Clone)]
pub(crate) struct OwnedNames {
    /// `<name base>-` in the current form.
    pub current: String,
    /// `<name base>-` as named before names carried the target.
    pub earlier: Option<String>,
    pub function: String,
    pub stage: Option<String>,
}

impl OwnedNames {
    /// `base(scope)` gives a name base (without the trailing `-`) for a naming scope.
    pub(crate) fn new(
        project: &str,
        stage: Option<&str>,
        function: &str,
        base: impl Fn(&str) -> String,
    ) -> Self {
        OwnedNames {
            current: format!("{}-", base(&naming_scope(project, stage))),
            earlier: stage.map(|_| format!("{}-", base(project))),
            function: function.to_owned(),
            stage: stage.map(str::to_owned),
        }
    }

    /// Whether the entry `name`, invoking `arn`, is this deploy's: named in the current form
    /// and invoking this function, or named in the earlier form and invoking this very stage.
    pub(crate) fn owns(&self, name: &str, arn: &str) -> bool {
        let numbered = |prefix: &str| {
            name.strip_prefix(prefix)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        };
        if !arn_names_function(arn, &self.function) {
            return false;
        }
        numbered(&self.current)
            || self.earlier.as_deref().is_some_and(|earlier| {
                numbered(earlier) && arn_qualifier(arn) == self.stage.as_deref()
            })
    }

    /// The prefixes to list names by.
    pub(crate) fn prefixes(&self) -> Vec<&str> {
        std::iter::once(self.current.as_str())
            .chain(self.earlier.as_deref())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:report";

    fn names(stage: Option<&str>) -> OwnedNames {
        OwnedNames::new("shop", stage, "report", |scope| {
            format!("functory-{scope}-report")
        })
    }

    #[test]
    fn a_target_owns_its_own_names_and_its_stage_s_earlier_ones() {
        let dev = names(Some("dev"));
        assert_eq!(
            dev.prefixes(),
            ["functory-shop-dev-report-", "functory-shop-report-"]
        );
        assert!(dev.owns("functory-shop-dev-report-1", &format!("{ARN}:dev")));
        // Named before names carried the target: the dev deploy takes over dev's entries only.
        assert!(dev.owns("functory-shop-report-2", &format!("{ARN}:dev")));
        assert!(!dev.owns("functory-shop-report-2", &format!("{ARN}:prod")));
        // Another target's names, another function, a name that is not numbered.
        assert!(!dev.owns("functory-shop-prod-report-1", &format!("{ARN}:prod")));
        assert!(!dev.owns(
            "functory-shop-dev-report-1",
            "arn:aws:lambda:us-east-1:123456789012:function:report-2:dev"
        ));
        assert!(!dev.owns("functory-shop-dev-report-x", &format!("{ARN}:dev")));
        assert!(!dev.owns("functory-shop-dev-report-", &format!("{ARN}:dev")));
    }

    #[test]
    fn without_a_stage_the_names_are_the_project_s() {
        let none = names(None);
        assert_eq!(none.prefixes(), ["functory-shop-report-"]);
        assert!(none.owns("functory-shop-report-1", ARN));
    }
}
