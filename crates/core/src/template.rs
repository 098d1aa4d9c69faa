//! Starter code for new projects and functions.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::edit::ManifestEdit;
use crate::runtime::{Runtime, RuntimeFamily};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum FunctionTemplate {
    NodeHttp,
    PythonHttp,
}

/// A file a template writes, relative to the project root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateFile {
    pub path: String,
    pub contents: String,
}

impl FunctionTemplate {
    pub const ALL: [FunctionTemplate; 2] =
        [FunctionTemplate::NodeHttp, FunctionTemplate::PythonHttp];

    pub fn id(self) -> &'static str {
        match self {
            FunctionTemplate::NodeHttp => "node-http",
            FunctionTemplate::PythonHttp => "python-http",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.id() == id)
    }

    /// The handler file and the manifest edit that registers it, for a function called `name`.
    pub fn instantiate(self, name: &str) -> (TemplateFile, ManifestEdit) {
        // New code starts on the newest runtime of its family, as the catalogue lists it.
        let (path, runtime, contents) = match self {
            FunctionTemplate::NodeHttp => (
                format!("src/{name}.mjs"),
                Runtime::newest(RuntimeFamily::Node).name,
                NODE_HTTP.replace("{{name}}", name),
            ),
            FunctionTemplate::PythonHttp => (
                format!("src/{name}.py"),
                Runtime::newest(RuntimeFamily::Python).name,
                PYTHON_HTTP.replace("{{name}}", name),
            ),
        };
        let edit = ManifestEdit::AddFunction {
            name: name.to_owned(),
            runtime: runtime.to_owned(),
            handler: format!("src/{name}.handler"),
            http_path: Some(format!("/{name}")),
        };
        (TemplateFile { path, contents }, edit)
    }
}

/// The manifest of a new, empty project.
pub fn new_manifest(project_name: &str) -> String {
    let name = toml_edit::Value::from(project_name).to_string();
    format!(
        "# Functory project manifest: the single source of truth for this project's functions.\n\
         # Edit it by hand or from the app; the app keeps your comments and formatting.\n\
         \n\
         [project]\n\
         name = {}\n\
         \n\
         # Where functions run. `local` needs no cloud account.\n\
         [targets.local]\n\
         adapter = \"local\"\n",
        name.trim()
    )
}

const NODE_HTTP: &str = r#"// {{name}}: an HTTP function. The event is an API Gateway HTTP API (2.0) payload.
export const handler = async (event) => {
  const who = event.queryStringParameters?.name ?? "world";
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: `Hello, ${who}!`, path: event.rawPath }),
  };
};
"#;

// The raw string opens with `r#"`; the file itself starts with a `"""` docstring.
const PYTHON_HTTP: &str = r#""""{{name}}: an HTTP function. The event is an API Gateway HTTP API (2.0) payload."""
import json


def handler(event, context):
    who = (event.get("queryStringParameters") or {}).get("name", "world")
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"message": f"Hello, {who}!", "path": event.get("rawPath")}),
    }
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{ProjectFiles, parse_manifest};

    struct Only(String);
    impl ProjectFiles for Only {
        fn is_file(&self, relative: &str) -> bool {
            relative == self.0
        }
    }

    #[test]
    fn every_template_yields_a_valid_manifest() {
        for template in FunctionTemplate::ALL {
            let (file, edit) = template.instantiate("hello");
            let text = crate::edit::apply_edit(&new_manifest("demo \"quoted\""), &edit).unwrap();
            let parsed = parse_manifest(&text, "functory.toml", &Only(file.path.clone()));
            assert_eq!(parsed.diagnostics, vec![], "{text}");
            let manifest = parsed.manifest.unwrap();
            assert_eq!(manifest.project_name, "demo \"quoted\"");
            assert_eq!(
                manifest.functions[0].handler_file.as_deref(),
                Some(file.path.as_str())
            );
            assert_eq!(FunctionTemplate::from_id(template.id()), Some(template));
        }
    }

    #[test]
    fn templates_start_on_the_newest_runtime_of_their_family() {
        let runtime = |template: FunctionTemplate| match template.instantiate("hello").1 {
            ManifestEdit::AddFunction { runtime, .. } => runtime,
            other => panic!("{other:?}"),
        };
        assert_eq!(runtime(FunctionTemplate::NodeHttp), "nodejs24.x");
        assert_eq!(runtime(FunctionTemplate::PythonHttp), "python3.14");
    }
}
