//! The trigger designer: a trigger checked against the whole manifest, the canvas model,
//! and the canvas's remembered layout.

use super::Session;
use crate::error::{ApiError, ErrorCode};
use crate::triggers::{self, CanvasLayout, TriggerCheck, TriggerRef};

impl Session {
    /// Checks a trigger as the side form has it, against every other trigger of the project:
    /// route conflicts, overlapping bucket rules, a schedule's syntax and next fire times.
    /// `editing` is the trigger it replaces (`None` for a new one).
    pub fn check_trigger(
        &self,
        function: &str,
        editing: Option<&TriggerRef>,
        trigger: &functory_core::Trigger,
    ) -> Result<TriggerCheck, ApiError> {
        let parsed = self.current()?.parse()?;
        let manifest = parsed.manifest.ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidManifest,
                "functory.toml does not parse; fix it to edit triggers",
            )
        })?;
        Ok(triggers::check_trigger(
            &manifest,
            function,
            editing,
            trigger,
            chrono::Utc::now(),
        ))
    }

    /// What the canvas draws besides the manifest: each trigger edge's needs (who grants what)
    /// and each function's destinations, from its permissions and what the analyzer finds its
    /// code writing.
    pub fn canvas_model(&self) -> Result<triggers::CanvasModel, ApiError> {
        let project = self.current()?;
        let parsed = project.parse()?;
        let manifest = parsed.manifest.ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidManifest,
                "functory.toml does not parse; fix it to see the canvas",
            )
        })?;
        // The analyzer is a help here, not a condition: without it the canvas still draws the
        // destinations the permissions grant.
        let code_writes = crate::analyze::analyze_project(&project)
            .map(|analysis| {
                analysis
                    .functions
                    .into_iter()
                    .map(|f| {
                        let writes = f
                            .analysis
                            .required
                            .into_iter()
                            .map(|r| (r.action, r.resource))
                            .collect();
                        (f.analysis.function, writes)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(triggers::canvas_model(&manifest, &code_writes))
    }

    /// The trigger canvas's remembered node positions for the open project.
    pub fn canvas_layout(&self) -> Result<CanvasLayout, ApiError> {
        Ok(triggers::load_positions(self.current()?.root()))
    }

    pub fn save_canvas_layout(&self, layout: &CanvasLayout) -> Result<(), ApiError> {
        tracing::debug!(nodes = layout.positions.len(), "save_canvas_layout");
        triggers::save_positions(self.current()?.root(), layout)
    }
}
