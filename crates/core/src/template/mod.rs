//! Starter code for new projects and functions.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use toml_edit::DocumentMut;

use crate::edit::{EditError, ManifestEdit, apply_edit};
use crate::runtime::{Runtime, RuntimeFamily};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum FunctionTemplate {
    /// One HTTP route answering a greeting.
    NodeHttp,
    PythonHttp,
    /// Routes over a table: list, add, read (the table declared with it).
    NodeHttpApi,
    PythonHttpApi,
    /// A storage trigger summarising each upload into a second bucket (both declared).
    NodeUpload,
    PythonUpload,
    /// A schedule trigger.
    NodeCron,
    PythonCron,
    /// A queue trigger with partial batch failures, its queue and dead-letter queue declared.
    NodeQueueWorker,
    PythonQueueWorker,
}

/// A file a template writes, relative to the project root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateFile {
    pub path: String,
    pub contents: String,
}

/// What a template adds to a project: the manifest with the function (and the resources it
/// uses) added, and the files to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedTemplate {
    pub manifest: String,
    pub files: Vec<TemplateFile>,
}

/// What a template's function does, whatever its language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Http,
    HttpApi,
    Upload,
    Cron,
    QueueWorker,
}

impl FunctionTemplate {
    pub const ALL: [FunctionTemplate; 10] = [
        FunctionTemplate::NodeHttp,
        FunctionTemplate::PythonHttp,
        FunctionTemplate::NodeHttpApi,
        FunctionTemplate::PythonHttpApi,
        FunctionTemplate::NodeUpload,
        FunctionTemplate::PythonUpload,
        FunctionTemplate::NodeCron,
        FunctionTemplate::PythonCron,
        FunctionTemplate::NodeQueueWorker,
        FunctionTemplate::PythonQueueWorker,
    ];

    pub fn id(self) -> &'static str {
        match self {
            FunctionTemplate::NodeHttp => "node-http",
            FunctionTemplate::PythonHttp => "python-http",
            FunctionTemplate::NodeHttpApi => "node-http-api",
            FunctionTemplate::PythonHttpApi => "python-http-api",
            FunctionTemplate::NodeUpload => "node-upload",
            FunctionTemplate::PythonUpload => "python-upload",
            FunctionTemplate::NodeCron => "node-cron",
            FunctionTemplate::PythonCron => "python-cron",
            FunctionTemplate::NodeQueueWorker => "node-queue-worker",
            FunctionTemplate::PythonQueueWorker => "python-queue-worker",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.id() == id)
    }

    /// One line saying what the template makes, for pickers and `--help`.
    pub fn summary(self) -> &'static str {
        match self.shape() {
            Shape::Http => "an HTTP handler",
            Shape::HttpApi => "HTTP routes that list, add and read items of a table",
            Shape::Upload => "a file put into a bucket is summarised into another bucket",
            Shape::Cron => "a function on a schedule",
            Shape::QueueWorker => {
                "a queue worker with a dead-letter queue and partial batch failures"
            }
        }
    }

    pub fn family(self) -> RuntimeFamily {
        match self {
            FunctionTemplate::NodeHttp
            | FunctionTemplate::NodeHttpApi
            | FunctionTemplate::NodeUpload
            | FunctionTemplate::NodeCron
            | FunctionTemplate::NodeQueueWorker => RuntimeFamily::Node,
            _ => RuntimeFamily::Python,
        }
    }

    fn shape(self) -> Shape {
        match self {
            FunctionTemplate::NodeHttp | FunctionTemplate::PythonHttp => Shape::Http,
            FunctionTemplate::NodeHttpApi | FunctionTemplate::PythonHttpApi => Shape::HttpApi,
            FunctionTemplate::NodeUpload | FunctionTemplate::PythonUpload => Shape::Upload,
            FunctionTemplate::NodeCron | FunctionTemplate::PythonCron => Shape::Cron,
            FunctionTemplate::NodeQueueWorker | FunctionTemplate::PythonQueueWorker => {
                Shape::QueueWorker
            }
        }
    }

    /// The handler's file for a function called `name`.
    fn handler_path(self, name: &str) -> String {
        match self.family() {
            RuntimeFamily::Node => format!("src/{name}.mjs"),
            _ => format!("src/{name}.py"),
        }
    }

    /// Adds a function called `name` from this template to the manifest `text`, with the
    /// resources it uses (a resource already declared under the same name and kind is used as
    /// it is). `unique` (a few lowercase letters or digits) ends the names of buckets, which
    /// must be unique across all of S3. The manifest is not written: nothing is, until the
    /// caller has the whole result.
    pub fn apply(self, text: &str, name: &str, unique: &str) -> Result<AppliedTemplate, EditError> {
        // New code starts on the newest runtime of its family, as the catalogue lists it.
        let runtime = Runtime::newest(self.family()).name;
        let handler_file = self.handler_path(name);
        let shape = self.shape();
        if shape == Shape::Http {
            let edit = ManifestEdit::AddFunction {
                name: name.to_owned(),
                runtime: runtime.to_owned(),
                handler: format!("src/{name}.handler"),
                http_path: Some(format!("/{name}")),
            };
            let source = match self.family() {
                RuntimeFamily::Node => NODE_HTTP,
                _ => PYTHON_HTTP,
            };
            return Ok(AppliedTemplate {
                manifest: apply_edit(text, &edit)?,
                files: vec![TemplateFile {
                    path: handler_file,
                    contents: source.replace("{{name}}", name),
                }],
            });
        }
        // The same checks as adding a function by hand, on an unchanged copy.
        let probe = ManifestEdit::AddFunction {
            name: name.to_owned(),
            runtime: runtime.to_owned(),
            handler: format!("src/{name}.handler"),
            http_path: None,
        };
        apply_edit(text, &probe)?;
        let bucket_base = bucket_base(name);
        let names = ResourceNames {
            table: format!("{name}-items"),
            uploads: format!("{bucket_base}-uploads-{unique}"),
            results: format!("{bucket_base}-results-{unique}"),
            queue: format!("{name}-jobs"),
            dead_letter: format!("{name}-jobs-dead"),
        };
        let (function, resources, source) = match (shape, self.family()) {
            (Shape::HttpApi, RuntimeFamily::Node) => {
                (HTTP_API_TOML, names.http_api(), HTTP_API_MJS)
            }
            (Shape::HttpApi, _) => (HTTP_API_TOML, names.http_api(), HTTP_API_PY),
            (Shape::Upload, RuntimeFamily::Node) => (UPLOAD_TOML, names.upload(), UPLOAD_MJS),
            (Shape::Upload, _) => (UPLOAD_TOML, names.upload(), UPLOAD_PY),
            (Shape::Cron, RuntimeFamily::Node) => (CRON_TOML, Vec::new(), CRON_MJS),
            (Shape::Cron, _) => (CRON_TOML, Vec::new(), CRON_PY),
            (Shape::QueueWorker, RuntimeFamily::Node) => {
                (QUEUE_WORKER_TOML, names.queue_worker(), QUEUE_WORKER_MJS)
            }
            (Shape::QueueWorker, _) => (QUEUE_WORKER_TOML, names.queue_worker(), QUEUE_WORKER_PY),
            (Shape::Http, _) => unreachable!("answered above"),
        };
        let fill = |template: &str| {
            template
                .replace("{{name}}", name)
                .replace("{{runtime}}", runtime)
                .replace("{{handler}}", &format!("src/{name}.handler"))
                .replace("{{table}}", &names.table)
                .replace("{{uploads}}", &names.uploads)
                .replace("{{results}}", &names.results)
                .replace("{{queue}}", &names.queue)
                .replace("{{dead_letter}}", &names.dead_letter)
        };
        let doc: DocumentMut = text
            .parse()
            .map_err(|e: toml_edit::TomlError| EditError::Unparsable(e.message().to_owned()))?;
        let mut manifest = text.trim_end().to_owned();
        manifest.push('\n');
        manifest.push_str(&fill(function));
        for (resource, kind, declaration) in resources {
            let existing = doc
                .get("resources")
                .and_then(|r| r.get(&resource))
                .map(|r| {
                    r.get("kind")
                        .and_then(|k| k.as_str())
                        .unwrap_or("")
                        .to_owned()
                });
            match existing {
                Some(existing) if existing == kind => continue,
                Some(existing) => {
                    return Err(EditError::InvalidValue {
                        field: format!("resources.{resource}"),
                        message: format!(
                            "is a {existing}, and template {} needs a {kind} of that name",
                            self.id()
                        ),
                    });
                }
                None => manifest.push_str(&fill(declaration)),
            }
        }
        // What is appended is whole tables: the result must still read as TOML.
        manifest
            .parse::<DocumentMut>()
            .map_err(|e| EditError::Unparsable(e.message().to_owned()))?;
        Ok(AppliedTemplate {
            manifest,
            files: vec![TemplateFile {
                path: handler_file,
                contents: fill(source),
            }],
        })
    }
}

/// The names of the resources a template declares for one function.
struct ResourceNames {
    table: String,
    uploads: String,
    results: String,
    queue: String,
    dead_letter: String,
}

impl ResourceNames {
    fn http_api(&self) -> Vec<(String, &'static str, &'static str)> {
        vec![(self.table.clone(), "table", TABLE_TOML)]
    }

    fn upload(&self) -> Vec<(String, &'static str, &'static str)> {
        vec![
            (self.uploads.clone(), "bucket", UPLOADS_TOML),
            (self.results.clone(), "bucket", RESULTS_TOML),
        ]
    }

    fn queue_worker(&self) -> Vec<(String, &'static str, &'static str)> {
        vec![
            (self.queue.clone(), "queue", QUEUE_TOML),
            (self.dead_letter.clone(), "queue", DEAD_LETTER_TOML),
        ]
    }
}

/// A function name as the start of a bucket name: S3 takes lowercase letters, digits and `-`,
/// starting with a letter or digit, and the whole name at most 63 characters (room is left for
/// `-results-` and the unique ending).
fn bucket_base(name: &str) -> String {
    let cleaned: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let trimmed: String = cleaned.trim_matches('-').chars().take(40).collect();
    let trimmed = trimmed.trim_end_matches('-');
    if trimmed.is_empty() {
        "files".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// A short lowercase ending that makes bucket names unlikely to be taken: the clock hashed
/// with a per-process random key (not a secret, just different each time).
pub fn unique_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(nanos);
    format!("{:06x}", hasher.finish() & 0xff_ffff)
}

const HTTP_API_TOML: &str = include_str!("files/http-api.toml");
const HTTP_API_MJS: &str = include_str!("files/http-api.mjs");
const HTTP_API_PY: &str = include_str!("files/http-api.py");
const UPLOAD_TOML: &str = include_str!("files/upload.toml");
const UPLOAD_MJS: &str = include_str!("files/upload.mjs");
const UPLOAD_PY: &str = include_str!("files/upload.py");
const CRON_TOML: &str = include_str!("files/cron.toml");
const CRON_MJS: &str = include_str!("files/cron.mjs");
const CRON_PY: &str = include_str!("files/cron.py");
const QUEUE_WORKER_TOML: &str = include_str!("files/queue-worker.toml");
const QUEUE_WORKER_MJS: &str = include_str!("files/queue-worker.mjs");
const QUEUE_WORKER_PY: &str = include_str!("files/queue-worker.py");

const TABLE_TOML: &str = "\n[resources.{{table}}]\nkind = \"table\"\npartition_key = \"id\"\n";
const UPLOADS_TOML: &str = "\n[resources.{{uploads}}]\nkind = \"bucket\"\n";
const RESULTS_TOML: &str = "\n[resources.{{results}}]\nkind = \"bucket\"\n";
const QUEUE_TOML: &str = "\n[resources.{{queue}}]\nkind = \"queue\"\n\
visibility_timeout_s = 180   # at least the function's timeout; AWS advises six times it\n\
dead_letter = \"{{dead_letter}}\"\n\
max_receives = 3\n";
const DEAD_LETTER_TOML: &str = "\n[resources.{{dead_letter}}]\nkind = \"queue\"\n";

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

    fn applied(template: FunctionTemplate, name: &str) -> AppliedTemplate {
        template
            .apply(&new_manifest("demo \"quoted\""), name, "a1b2c3")
            .unwrap_or_else(|e| panic!("{}: {e}", template.id()))
    }

    #[test]
    fn every_template_yields_a_valid_manifest() {
        for template in FunctionTemplate::ALL {
            let applied = applied(template, "hello");
            let file = &applied.files[0];
            let parsed =
                parse_manifest(&applied.manifest, "functory.toml", &Only(file.path.clone()));
            assert_eq!(parsed.diagnostics, vec![], "{}", applied.manifest);
            let manifest = parsed.manifest.unwrap();
            assert_eq!(manifest.project_name, "demo \"quoted\"");
            assert_eq!(
                manifest.functions[0].handler_file.as_deref(),
                Some(file.path.as_str())
            );
            assert!(!file.contents.contains("{{"), "{}", file.contents);
            assert_eq!(FunctionTemplate::from_id(template.id()), Some(template));
        }
    }

    #[test]
    fn templates_declare_what_their_triggers_and_code_use() {
        let resources = |template| {
            let applied = applied(template, "Work_1");
            let parsed = parse_manifest(
                &applied.manifest,
                "functory.toml",
                &Only(applied.files[0].path.clone()),
            );
            assert_eq!(parsed.diagnostics, vec![], "{}", applied.manifest);
            parsed
                .manifest
                .unwrap()
                .resources
                .iter()
                .map(|r| format!("{} {}", r.kind.as_str(), r.name))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            resources(FunctionTemplate::NodeHttpApi),
            ["table Work_1-items"]
        );
        // Bucket names are S3's: lowercase, and unique thanks to the ending.
        assert_eq!(
            resources(FunctionTemplate::PythonUpload),
            [
                "bucket work-1-uploads-a1b2c3",
                "bucket work-1-results-a1b2c3"
            ]
        );
        assert_eq!(
            resources(FunctionTemplate::NodeQueueWorker),
            ["queue Work_1-jobs", "queue Work_1-jobs-dead"]
        );
        assert_eq!(
            resources(FunctionTemplate::PythonCron),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_second_function_from_a_template_reuses_its_resources_and_refuses_a_clash() {
        let first = applied(FunctionTemplate::NodeQueueWorker, "jobs");
        // Another worker on the same queue names: the declarations are not written twice.
        let text = first
            .manifest
            .replace("[functions.jobs]", "[functions.first]");
        let text = text.replace("functions.jobs.", "functions.first.");
        let second = FunctionTemplate::PythonQueueWorker
            .apply(&text, "jobs", "x")
            .expect("the same queues again");
        assert_eq!(second.manifest.matches("[resources.jobs-jobs]").count(), 1);
        // A function that exists, and a resource of another kind under the name wanted.
        assert!(matches!(
            FunctionTemplate::NodeCron.apply(&second.manifest, "jobs", "x"),
            Err(EditError::FunctionExists(_))
        ));
        let clash = format!(
            "{}\n[resources.api-items]\nkind = \"bucket\"\n",
            new_manifest("p")
        );
        let error = FunctionTemplate::NodeHttpApi
            .apply(&clash, "api", "x")
            .expect_err("a bucket is not a table");
        assert_eq!(
            error.to_string(),
            "resources.api-items: is a bucket, and template node-http-api needs a table of that name"
        );
    }

    #[test]
    fn templates_start_on_the_newest_runtime_of_their_family() {
        for template in FunctionTemplate::ALL {
            let newest = Runtime::newest(template.family()).name;
            let applied = applied(template, "hello");
            assert!(
                applied
                    .manifest
                    .contains(&format!("runtime = \"{newest}\"")),
                "{}: {}",
                template.id(),
                applied.manifest
            );
        }
        assert_eq!(Runtime::newest(RuntimeFamily::Node).name, "nodejs24.x");
        assert_eq!(Runtime::newest(RuntimeFamily::Python).name, "python3.14");
    }

    #[test]
    fn bucket_names_fit_s3() {
        assert_eq!(bucket_base("Resize_Images"), "resize-images");
        assert_eq!(bucket_base("-x-"), "x");
        assert_eq!(bucket_base("___"), "files");
        assert!(bucket_base(&"a".repeat(64)).len() <= 40);
        assert_eq!(unique_suffix().len(), 6);
    }
}
