//! The linter and least privilege: findings and their fixes, the code-aware analysis, the
//! generated policy, AccessDenied explanations, file outlines.

use functory_analyze::FileAnalysis;
use functory_core::Permission;

use super::Session;
use crate::analyze::{
    self, AccessDeniedHelp, FunctionAnalysis, PermissionsPreview, ProjectAnalysis,
};
use crate::error::ApiError;
use crate::lint::{self, LintFixPreview, LintReport, LintRuleDoc};
use crate::project::ProjectView;

impl Session {
    /// Lints every policy file, template and the manifest of the open project.
    pub fn lint_project(&self) -> Result<LintReport, ApiError> {
        tracing::debug!("lint_project");
        lint::lint_project(&self.current()?)
    }

    /// The documentation of every lint rule, for the rule browser.
    pub fn lint_rule_docs(&self) -> Vec<LintRuleDoc> {
        lint::rule_docs()
    }

    /// What applying a finding's fix would change (shown before an unsafe fix).
    pub fn preview_lint_fix(&self, finding_id: &str) -> Result<LintFixPreview, ApiError> {
        lint::preview_fix(&self.current()?, finding_id)
    }

    /// Applies a finding's fix (atomic write). Unsafe fixes need `confirm`.
    pub fn apply_lint_fix(&self, finding_id: &str, confirm: bool) -> Result<ProjectView, ApiError> {
        tracing::debug!(finding_id, confirm, "apply_lint_fix");
        let project = self.current()?;
        lint::apply_fix(&project, finding_id, confirm)?;
        project.view()
    }

    /// The code-aware analysis of one function of the open project.
    pub fn analyze_function(&self, function: &str) -> Result<FunctionAnalysis, ApiError> {
        tracing::debug!(function, "analyze_function");
        analyze::analyze(&self.current()?, function)
    }

    /// The code-aware analysis of every function of the open project.
    pub fn analyze_project(&self) -> Result<ProjectAnalysis, ApiError> {
        analyze::analyze_project(&self.current()?)
    }

    /// What "use the generated policy" would change in functory.toml.
    pub fn preview_generated_policy(&self, function: &str) -> Result<PermissionsPreview, ApiError> {
        analyze::preview_generated_policy(&self.current()?, function)
    }

    /// Replaces the function's permissions with the previewed ones (the generated policy, or an
    /// AccessDenied explanation's proposal).
    /// A running local run that enforces permissions uses the new ones from its next call on.
    pub async fn set_permissions(
        &self,
        function: &str,
        permissions: Vec<Permission>,
    ) -> Result<ProjectView, ApiError> {
        tracing::debug!(function, "set_permissions");
        let project = self.current()?;
        analyze::set_permissions(&project, function, permissions)?;
        if let Some(run) = self.current_run() {
            run.refresh_permissions().await?;
        }
        project.view()
    }

    /// Explains an AccessDenied text from an invoke result or a log line of `function`.
    pub fn explain_access_denied(
        &self,
        function: &str,
        text: &str,
    ) -> Result<AccessDeniedHelp, ApiError> {
        analyze::explain_access_denied(&self.current()?, function, text)
    }

    /// The outline of one file of the open project, for the editor.
    pub fn outline_file(&self, path: &str) -> Result<FileAnalysis, ApiError> {
        analyze::outline(&self.current()?, path)
    }

    /// How the local run of the open project differs from AWS Lambda (Run & Logs).
    pub fn fidelity_report(
        &self,
        function: Option<&str>,
    ) -> Result<Vec<crate::fidelity::FidelityItem>, ApiError> {
        crate::fidelity::report(self.current()?.root(), function)
    }
}
