//! Code-aware least privilege.
//!
//! Reads a function's handler (JavaScript, TypeScript, Python) with tree-sitter, finds the
//! cloud SDK calls it makes (AWS SDK for JavaScript v3 and v2, boto3 clients and resources,
//! paginators, waiters), maps them to IAM actions and resources with data (the generated SDK
//! catalogue, `data/sdk-catalogue.json`, and the documented exceptions of `data/mapping.toml`),
//! and derives the least-privilege policy. The policy is compared with
//! what the manifest grants: *missing* permissions fail with AccessDenied at run time,
//! *granted but unused* ones are over-privilege. Both are lint findings ([`findings`]).
//! [`explain`] turns an AccessDenied message into the exact manifest change.
//!
//! The crate is pure: files are read through [`SourceReader`]. Nothing here panics on any
//! input; code that does not parse still yields results for the parts that do.

// Unit tests unwrap on purpose: a failing unwrap is a failing test with its location.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod context;
mod dependents;
pub mod explain;
pub mod findings;
mod js;
pub mod lang;
mod library;
pub mod mapping;
pub mod model;
mod outline;
pub mod policy;
mod python;
pub mod sdk_catalogue;
mod value;

use std::collections::BTreeMap;

use functory_core::manifest::handler_candidates;
use functory_core::{Function, Runtime, RuntimeFamily};

pub use explain::{AccessDenied, Cloud, Explanation, explain_access_denied, parse_access_denied};
pub use findings::{AnalyzerFinding, CODES, findings};
pub use lang::Lang;
pub use model::*;
pub use policy::ManifestSource;

use crate::context::FileContext;
use crate::value::Environment;

/// How the analyzer reads the project's files: paths are relative to the project root, with `/`.
pub trait SourceReader {
    fn read(&self, relative: &str) -> Option<String>;
}

/// Files larger than this are not analysed (minified bundles, generated code).
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;
/// How many local modules are followed from the handler.
pub const MAX_FILES: usize = 200;

/// Analyses one function: its handler file and the local modules it imports.
pub fn analyze_function(
    function: &Function,
    manifest: Option<&policy::ManifestSource<'_>>,
    reader: &dyn SourceReader,
) -> Analysis {
    let env = Environment(
        function
            .environment
            .iter()
            .map(|v| (v.key.clone(), v.value.clone()))
            .collect(),
    );
    let runtime = function.runtime.parse::<Runtime>().ok();
    let export = function
        .handler
        .rsplit_once('.')
        .map_or(function.handler.as_str(), |(_, e)| e)
        .to_owned();
    let handler_file = function.handler_file.clone().or_else(|| {
        let runtime = runtime?;
        let mut candidates = handler_candidates(runtime, &function.code_dir, &function.handler);
        // TypeScript handlers are compiled to the `.js` the runtime loads; read the source.
        if runtime.family == RuntimeFamily::Node {
            let stems: Vec<String> = candidates
                .iter()
                .filter_map(|c| c.strip_suffix(".js").map(str::to_owned))
                .collect();
            for stem in stems {
                for ext in ["ts", "mts", "cts"] {
                    candidates.push(format!("{stem}.{ext}"));
                }
            }
        }
        candidates.into_iter().find(|c| reader.read(c).is_some())
    });
    let mut handler = HandlerCheck {
        handler: function.handler.clone(),
        file: handler_file.clone(),
        location: None,
        problems: Vec::new(),
    };
    let mut files = Vec::new();
    let mut calls = Vec::new();
    let mut not_understood = Vec::new();
    match (&handler_file, runtime.map(|r| r.family)) {
        (_, Some(RuntimeFamily::Provided)) => {}
        (None, _) => handler.problems.push(HandlerProblem {
            kind: HandlerProblemKind::FileMissing,
            message: format!(
                "no file for handler `{}` in `{}`",
                function.handler, function.code_dir
            ),
            location: None,
        }),
        (Some(start), _) => {
            let mut queue = vec![start.clone()];
            let mut seen = vec![start.clone()];
            let mut hints = context::ProjectHints::default();
            let mut read: Vec<(String, String, bool)> = Vec::new();
            while let Some(path) = queue.pop() {
                if files.len() >= MAX_FILES {
                    break;
                }
                let Some(text) = reader.read(&path) else {
                    continue;
                };
                let is_handler = &path == start;
                let Some(result) =
                    analyze_file(&path, &text, &env, is_handler.then_some(export.as_str()))
                else {
                    if is_handler {
                        handler.problems.push(HandlerProblem {
                            kind: HandlerProblemKind::UnsupportedLanguage,
                            message: format!(
                                "{path}: Functory reads JavaScript, TypeScript and Python handlers"
                            ),
                            location: None,
                        });
                    }
                    continue;
                };
                if let Some((location, problems)) = result.handler {
                    handler.location = location;
                    handler.problems.extend(problems);
                }
                for import in &result.local_imports {
                    // `#helpers/x`: a Node.js subpath import, mapped by package.json.
                    let (from, import) = match import.strip_prefix('#') {
                        Some(_) => match subpath_import(reader, &path, import) {
                            Some(resolved) => resolved,
                            None => continue,
                        },
                        None => (path.clone(), import.clone()),
                    };
                    for candidate in
                        local_candidates(&from, &import, result.file.language, &function.code_dir)
                    {
                        if seen.contains(&candidate) {
                            break;
                        }
                        if reader.read(&candidate).is_some() {
                            seen.push(candidate.clone());
                            queue.push(candidate);
                            break;
                        }
                    }
                }
                hints.factories.extend(result.factories);
                read.push((path, text, is_handler));
                files.push(result.file);
                calls.extend(result.calls);
                not_understood.extend(result.unknown);
            }
            // A client made by a factory in another file (`helper.get_client('textract')`)
            // is known only once every file has been read: read them again knowing the
            // factories. Projects without factories pay nothing.
            if !hints.factories.is_empty() {
                calls.clear();
                not_understood.clear();
                for (path, text, is_handler) in &read {
                    let export = is_handler.then_some(export.as_str());
                    if let Some(result) = analyze_file_with(path, text, &env, export, &hints) {
                        calls.extend(result.calls);
                        not_understood.extend(result.unknown);
                    }
                }
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    calls.sort_by(|a, b| a.location.cmp(&b.location));
    use_storage_trigger_bucket(function, &mut calls);
    calls.extend(policy::trigger_needs(function, manifest));
    not_understood.sort_by(|a, b| a.location.cmp(&b.location));
    // What the code calls is the manifest's to grant; what the triggers need the deploy grants.
    let (trigger_calls, code_calls): (Vec<&SdkCall>, Vec<&SdkCall>) = calls
        .iter()
        .partition(|c| c.flavor == model::SdkFlavor::Trigger);
    let required = policy::required(code_calls.iter().copied());
    let generated = policy::generate(&required);
    let locations = manifest
        .map(|m| m.action_locations(&function.name))
        .unwrap_or_default();
    let mut comparison = policy::compare(&required, &function.permissions, &locations);
    let trigger_needs = policy::required(trigger_calls.iter().copied());
    comparison.missing.extend(policy::denied_trigger_needs(
        &trigger_needs,
        &function.permissions,
    ));
    // A grant no code needs but a trigger does is redundant, not over-privilege: say why.
    for unused in &mut comparison.unused {
        if !unused.needed.is_empty() {
            continue;
        }
        unused.granted_by_deploy = trigger_calls.iter().find_map(|call| {
            call.actions
                .iter()
                .any(|a| functory_core::iam::action_matches(&unused.action, a))
                .then(|| call.note.clone().unwrap_or_default())
        });
    }
    Analysis {
        function: function.name.clone(),
        handler,
        files,
        calls,
        not_understood,
        required,
        policy: generated,
        comparison,
    }
}

/// A bucket read from an S3 event (`record.s3.bucket.name`) is the bucket of the function's
/// storage trigger, when it has exactly one: the event can name no other.
fn use_storage_trigger_bucket(function: &Function, calls: &mut [SdkCall]) {
    let buckets: Vec<(&str, Option<&str>)> = function
        .triggers
        .iter()
        .filter_map(|t| match t {
            functory_core::Trigger::Storage { bucket, prefix, .. } => {
                Some((bucket.as_str(), prefix.as_deref()))
            }
            _ => None,
        })
        .collect();
    let [(bucket, prefix)] = buckets.as_slice() else {
        return;
    };
    let catalogue = functory_lint::Catalogue::get();
    for call in calls.iter_mut().filter(|c| c.service == "s3") {
        for (action, resource) in call.actions.iter().zip(call.resources.iter_mut()) {
            let from_event = resource.arn == "*"
                && (resource.reason.contains(".s3.bucket.name")
                    || resource.reason.contains("[\"s3\"][\"bucket\"][\"name\"]"));
            if !from_event {
                continue;
            }
            let object_level = catalogue.action(action).is_some_and(|(service, entry)| {
                service.resource_types_of(entry).any(|r| r.name == "object")
            });
            resource.arn = if object_level {
                format!("arn:aws:s3:::{bucket}/{}*", prefix.unwrap_or_default())
            } else {
                format!("arn:aws:s3:::{bucket}")
            };
            resource.reason =
                format!("the bucket of the storage trigger ({bucket}), which the event names");
        }
    }
}

/// The result of one file.
#[derive(Debug)]
pub struct FileResult {
    pub file: FileAnalysis,
    pub calls: Vec<SdkCall>,
    pub unknown: Vec<UnknownCall>,
    pub local_imports: Vec<String>,
    /// Functions of this file that return SDK clients.
    pub factories: BTreeMap<String, context::ClientFactory>,
    pub handler: Option<(Option<Location>, Vec<HandlerProblem>)>,
}

/// Analyses one file; `None` when its language is not one the analyzer reads. `export` names
/// the handler to check, when this is the handler's file.
pub fn analyze_file(
    path: &str,
    text: &str,
    env_values: &Environment,
    export: Option<&str>,
) -> Option<FileResult> {
    analyze_file_with(
        path,
        text,
        env_values,
        export,
        &context::ProjectHints::default(),
    )
}

/// [`analyze_file`], knowing the client factories the project's other files define.
fn analyze_file_with(
    path: &str,
    text: &str,
    env_values: &Environment,
    export: Option<&str>,
    hints: &context::ProjectHints,
) -> Option<FileResult> {
    let lang = Lang::of_path(path)?;
    let mut ctx = FileContext::new(path, text, env_values, hints);
    if text.len() > MAX_FILE_BYTES {
        let location = context::location_of(&ctx.index, path, 0, 0);
        return Some(FileResult {
            file: FileAnalysis {
                path: path.to_owned(),
                language: lang,
                outline: Vec::new(),
                parse_problems: vec![ParseProblem {
                    location,
                    message: format!(
                        "{} bytes: larger than the {MAX_FILE_BYTES} bytes the analyzer reads",
                        text.len()
                    ),
                }],
            },
            calls: Vec::new(),
            unknown: Vec::new(),
            local_imports: Vec::new(),
            factories: BTreeMap::new(),
            handler: None,
        });
    }
    let tree = match lang::parse(lang, text) {
        Ok(tree) => tree,
        Err(message) => {
            let location = context::location_of(&ctx.index, path, 0, 0);
            return Some(FileResult {
                file: FileAnalysis {
                    path: path.to_owned(),
                    language: lang,
                    outline: Vec::new(),
                    parse_problems: vec![ParseProblem { location, message }],
                },
                calls: Vec::new(),
                unknown: Vec::new(),
                local_imports: Vec::new(),
                factories: BTreeMap::new(),
                handler: None,
            });
        }
    };
    let root = tree.root_node();
    let scan = match lang::scan(lang, root, text) {
        Ok(scan) => scan,
        Err(e) => {
            ctx.not_understood(root, e);
            lang::Scan::default()
        }
    };
    match lang {
        Lang::Python => python::analyze(&mut ctx, &scan.sdk),
        Lang::JavaScript | Lang::TypeScript => js::analyze(&mut ctx, &scan.sdk),
    }
    let outline = outline::outline(&ctx, root, lang, &scan.outline);
    let parse_problems = context::parse_problems(root, &ctx.index, path, text);
    let handler = export.map(|export| match lang {
        Lang::Python => outline::check_python_handler(&ctx, root, export),
        _ => outline::check_js_handler(&ctx, root, export),
    });
    Some(FileResult {
        file: FileAnalysis {
            path: path.to_owned(),
            language: lang,
            outline,
            parse_problems,
        },
        calls: ctx.calls,
        unknown: ctx.unknown,
        local_imports: ctx.local_imports,
        factories: ctx.factories,
        handler,
    })
}

/// The outline of one file, for the editor.
pub fn outline_file(path: &str, text: &str) -> Option<FileAnalysis> {
    analyze_file(path, text, &Environment::default(), None).map(|r| r.file)
}

/// Candidate paths for a local import written in `from`.
fn local_candidates(from: &str, import: &str, lang: Lang, code_dir: &str) -> Vec<String> {
    let dir = from.rsplit_once('/').map_or("", |(d, _)| d);
    match lang {
        Lang::Python => {
            // `.helpers` is relative to the importing file; `helpers` to the code folder.
            let dots = import.chars().take_while(|c| *c == '.').count();
            let rest = import[dots..].replace('.', "/");
            let mut base: Vec<&str> = if dots > 0 {
                dir.split('/').filter(|s| !s.is_empty()).collect()
            } else if code_dir == "." {
                Vec::new()
            } else {
                code_dir.split('/').filter(|s| !s.is_empty()).collect()
            };
            for _ in 1..dots.max(1) {
                base.pop();
            }
            let prefix = base.join("/");
            let joined = match (prefix.is_empty(), rest.is_empty()) {
                (true, _) => rest,
                (false, true) => prefix,
                (false, false) => format!("{prefix}/{rest}"),
            };
            vec![format!("{joined}.py"), format!("{joined}/__init__.py")]
        }
        _ => {
            let joined = normalize(&format!("{dir}/{import}"));
            let stem = joined
                .strip_suffix(".js")
                .or_else(|| joined.strip_suffix(".mjs"))
                .or_else(|| joined.strip_suffix(".cjs"))
                .unwrap_or(&joined)
                .to_owned();
            let mut out = vec![joined.clone()];
            for ext in ["js", "mjs", "cjs", "ts", "mts", "cts"] {
                out.push(format!("{stem}.{ext}"));
            }
            for ext in ["js", "ts", "mjs"] {
                out.push(format!("{joined}/index.{ext}"));
            }
            out
        }
    }
}

/// A Node.js subpath import (`#helpers/db`) resolved through the `imports` of the nearest
/// package.json above `from`: that package.json and the target relative to it (`./x.js`).
fn subpath_import(reader: &dyn SourceReader, from: &str, import: &str) -> Option<(String, String)> {
    let mut dir = from.rsplit_once('/').map_or("", |(d, _)| d).to_owned();
    loop {
        let manifest = if dir.is_empty() {
            "package.json".to_owned()
        } else {
            format!("{dir}/package.json")
        };
        if let Some(text) = reader.read(&manifest) {
            let json: serde_json::Value = serde_json::from_str(&text).ok()?;
            let imports = json.get("imports")?.as_object()?;
            let target = imports.iter().find_map(|(pattern, target)| {
                let target = condition_target(target)?;
                if pattern == import {
                    return Some(target.to_owned());
                }
                let (head, tail) = pattern.split_once('*')?;
                let middle = import.strip_prefix(head)?.strip_suffix(tail)?;
                Some(target.replace('*', middle))
            })?;
            return target.starts_with("./").then_some((manifest, target));
        }
        if dir.is_empty() {
            return None;
        }
        dir = dir.rsplit_once('/').map_or("", |(d, _)| d).to_owned();
    }
}

/// A package.json target: a path, or conditions whose first path for Node.js is taken.
fn condition_target(target: &serde_json::Value) -> Option<&str> {
    match target {
        serde_json::Value::String(path) => Some(path),
        serde_json::Value::Object(conditions) => ["node", "import", "require", "default"]
            .iter()
            .find_map(|c| conditions.get(*c).and_then(condition_target)),
        _ => None,
    }
}

/// `src/./lib/../x` → `src/x`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

/// The manifest's environment, for callers that analyse single files.
pub fn environment(function: &Function) -> BTreeMap<String, String> {
    function
        .environment
        .iter()
        .map(|v| (v.key.clone(), v.value.clone()))
        .collect()
}

pub use value::Environment as Env;

#[cfg(test)]
mod trigger_need_tests {
    use super::*;
    use functory_core::{Permission, PermissionEffect, Trigger};

    struct OneFile;
    impl SourceReader for OneFile {
        fn read(&self, relative: &str) -> Option<String> {
            (relative == "worker.mjs").then(|| "export const handler = async () => ({});\n".into())
        }
    }

    fn worker(permissions: Vec<Permission>) -> Function {
        Function {
            name: "worker".into(),
            runtime: "nodejs20.x".into(),
            handler: "worker.handler".into(),
            code_dir: ".".into(),
            handler_file: Some("worker.mjs".into()),
            memory_mb: 128,
            timeout_s: 3,
            environment: Vec::new(),
            triggers: vec![Trigger::Queue {
                queue: "orders".into(),
                batch_size: None,
            }],
            permissions,
        }
    }

    /// The disagreement issue 22 names: the AWS deploy adds a queue trigger's reads to the role
    /// itself, while the analyzer reported the same actions missing. Now they are the deploy's
    /// to grant: not missing, not in the generated policy, unless a Deny would cancel them.
    #[test]
    fn a_queue_triggers_reads_are_the_deploys_to_grant() {
        let analysis = analyze_function(&worker(Vec::new()), None, &OneFile);
        assert!(
            analysis
                .calls
                .iter()
                .any(|c| c.actions.iter().any(|a| a == "sqs:ReceiveMessage")),
            "the trigger's needs are shown with the calls"
        );
        assert!(analysis.comparison.missing.is_empty(), "{analysis:?}");
        assert!(analysis.policy.is_empty(), "{:?}", analysis.policy);

        let deny = Permission {
            effect: PermissionEffect::Deny,
            actions: vec!["sqs:*".into()],
            resources: vec!["*".into()],
        };
        let analysis = analyze_function(&worker(vec![deny]), None, &OneFile);
        let missing: Vec<&str> = analysis
            .comparison
            .missing
            .iter()
            .map(|m| m.action.as_str())
            .collect();
        assert_eq!(
            missing,
            [
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:ReceiveMessage"
            ]
        );
        assert!(analysis.comparison.missing[0].why.contains("a Deny wins"));
    }
}
