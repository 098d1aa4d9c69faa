//! Code-aware least privilege over the open project: analyse a function's handler (or every
//! function's), the analyzer's findings in the linter's shape, "use the generated policy" with
//! a preview diff first, and "explain AccessDenied".

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use functory_analyze::{
    Analysis, AnalyzerFinding, Explanation, FileAnalysis, ManifestSource, SourceReader,
    analyze_function, findings, parse_access_denied,
};
use functory_core::diagnostic::LineIndex;
use functory_core::manifest::{EveryFile, declared_resource_name};
use functory_core::{Function, MANIFEST_FILE_NAME, ManifestEdit, Permission, Resource, apply_edit};
use functory_lint::locate_one;
use serde::Serialize;
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};
use crate::files;
use crate::lint::{LintFinding, LintFixSummary};
use crate::project::Project;

/// One function's analysis and its findings, as the Security view and the editor show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FunctionAnalysis {
    pub analysis: Analysis,
    pub findings: Vec<LintFinding>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ProjectAnalysis {
    pub functions: Vec<FunctionAnalysis>,
}

/// What replacing a function's permissions would change, shown before it is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PermissionsPreview {
    pub function: String,
    pub permissions: Vec<Permission>,
    /// Changed lines of functory.toml: ` ` context, `-` removed, `+` added. Empty when the
    /// manifest already says exactly this.
    pub diff: String,
    /// functory.toml after the change.
    pub after: String,
}

/// The explanation of an AccessDenied text, and the manifest change it proposes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccessDeniedHelp {
    pub explanation: Explanation,
    /// The change as a preview, when an exact change can be proposed.
    pub preview: Option<PermissionsPreview>,
}

/// Reads project files for the analyzer; refuses paths that leave the project.
struct ProjectReader<'a>(&'a Path);

impl SourceReader for ProjectReader<'_> {
    fn read(&self, relative: &str) -> Option<String> {
        let path = files::resolve(self.0, relative).ok()?;
        let metadata = std::fs::metadata(&path).ok()?;
        if !metadata.is_file() || metadata.len() > functory_analyze::MAX_FILE_BYTES as u64 {
            return None;
        }
        std::fs::read_to_string(path).ok()
    }
}

/// A [`ProjectReader`] that remembers what it read (each path with its content's hash, or that
/// it was absent): what an analysis depends on besides functory.toml.
struct RecordingReader<'a> {
    root: &'a Path,
    reads: RefCell<Vec<(String, Option<u64>)>>,
}

impl SourceReader for RecordingReader<'_> {
    fn read(&self, relative: &str) -> Option<String> {
        let text = ProjectReader(self.root).read(relative);
        self.reads
            .borrow_mut()
            .push((relative.to_owned(), text.as_deref().map(content_hash)));
        text
    }
}

fn content_hash(text: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// One function's analysis as last made, and what it was made from.
struct Remembered {
    manifest: u64,
    reads: Vec<(String, Option<u64>)>,
    analysis: FunctionAnalysis,
}

/// Analyses by project folder and function, reused while functory.toml and every file the
/// analysis read (its handler, the modules it follows, files it looked for and did not find)
/// are unchanged: after a save, a project of hundreds of functions analyses again only the
/// functions whose code the save touched. An analysis is a function of those inputs alone, so
/// a hit answers exactly what a fresh analysis would.
static REMEMBERED: LazyLock<Mutex<HashMap<(PathBuf, String), Remembered>>> =
    LazyLock::new(Mutex::default);
/// Past this many remembered analyses (several large projects opened in turn), all are
/// forgotten rather than growing without bound.
const REMEMBERED_MAX: usize = 20_000;

fn remembered(key: &(PathBuf, String), manifest: u64) -> Option<FunctionAnalysis> {
    let (reads, analysis) = {
        let memo = REMEMBERED.lock().ok()?;
        let entry = memo.get(key).filter(|e| e.manifest == manifest)?;
        (entry.reads.clone(), entry.analysis.clone())
    };
    let reader = ProjectReader(&key.0);
    reads
        .iter()
        .all(|(path, hash)| reader.read(path).as_deref().map(content_hash) == *hash)
        .then_some(analysis)
}

fn remember(key: (PathBuf, String), entry: Remembered) {
    if let Ok(mut memo) = REMEMBERED.lock() {
        if memo.len() >= REMEMBERED_MAX {
            memo.clear();
        }
        memo.insert(key, entry);
    }
}

fn function<'m>(functions: &'m [Function], name: &str) -> Result<&'m Function, ApiError> {
    functions.iter().find(|f| f.name == name).ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            format!("no function named `{name}` in {MANIFEST_FILE_NAME}"),
        )
    })
}

/// The manifest's text, functions and declared resources.
fn functions(project: &Project) -> Result<(String, Vec<Function>, Vec<Resource>), ApiError> {
    let text = project.manifest_text()?;
    let parsed = project.parse()?;
    let manifest = parsed.manifest.ok_or_else(|| {
        let first = parsed
            .diagnostics
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        ApiError::new(
            ErrorCode::InvalidManifest,
            format!("{MANIFEST_FILE_NAME} does not parse, fix it first: {first}"),
        )
    })?;
    Ok((text, manifest.functions, manifest.resources))
}

/// `function`'s analysis: remembered when nothing it was made from changed, else made (and
/// remembered). `manifest_hash` is [`content_hash`] of the manifest's text.
fn run(
    project: &Project,
    manifest: &ManifestSource<'_>,
    manifest_hash: u64,
    function: &Function,
) -> FunctionAnalysis {
    let key = (project.root().to_owned(), function.name.clone());
    if let Some(analysis) = remembered(&key, manifest_hash) {
        return analysis;
    }
    let reader = RecordingReader {
        root: project.root(),
        reads: RefCell::default(),
    };
    let analysis = analyze_function(function, Some(manifest), &reader);
    let found = findings(&analysis, Some(manifest));
    let made = FunctionAnalysis {
        findings: to_lint_findings(&reader, manifest, &found),
        analysis,
    };
    remember(
        key,
        Remembered {
            manifest: manifest_hash,
            reads: reader.reads.into_inner(),
            analysis: made.clone(),
        },
    );
    made
}

/// The analyzer's findings as the linter's: placed in functory.toml with the index built once
/// for the project, in other files with one index per file.
fn to_lint_findings(
    reader: &dyn SourceReader,
    manifest: &ManifestSource<'_>,
    found: &[AnalyzerFinding],
) -> Vec<LintFinding> {
    let mut out = Vec::new();
    let mut files: Vec<(String, String)> = Vec::new();
    for f in found {
        let located = if f.file == MANIFEST_FILE_NAME {
            locate_one(manifest.index(), &f.file, &f.finding)
        } else {
            if !files.iter().any(|(path, _)| *path == f.file) {
                let text = reader.read(&f.file).unwrap_or_default();
                files.push((f.file.clone(), text));
            }
            let text = files
                .iter()
                .find(|(path, _)| *path == f.file)
                .map_or("", |(_, text)| text.as_str());
            locate_one(&LineIndex::new(text), &f.file, &f.finding)
        };
        out.push(LintFinding {
            id: format!(
                "{}:{}:{}-{}",
                f.file, f.finding.code, f.finding.span.start, f.finding.span.end
            ),
            file: f.file.clone(),
            code: located.code.to_owned(),
            name: functory_analyze::findings::rule_name(located.code).to_owned(),
            severity: located.severity.as_str().to_owned(),
            message: located.message,
            line: located.line,
            column: located.column,
            end_line: located.end_line,
            end_column: located.end_column,
            note: located.note,
            context: located.context,
            function: located.function,
            fix: f.finding.fix.as_ref().map(|fix| LintFixSummary {
                applicability: fix.applicability.as_str().to_owned(),
                message: fix.message.clone(),
            }),
            suppressed: None,
        });
    }
    out
}

/// Analyses one function of the project.
pub fn analyze(project: &Project, name: &str) -> Result<FunctionAnalysis, ApiError> {
    let (text, functions, resources) = functions(project)?;
    let function = function(&functions, name)?;
    let manifest = ManifestSource::new(&text, MANIFEST_FILE_NAME);
    let mut analysed = run(project, &manifest, content_hash(&text), function);
    name_declared_resources(&mut analysed.analysis.policy, &resources);
    Ok(analysed)
}

/// Analyses every function of the project.
pub fn analyze_project(project: &Project) -> Result<ProjectAnalysis, ApiError> {
    let (text, functions, resources) = functions(project)?;
    // The manifest is read once for every function (a project of N functions would otherwise
    // parse it N times).
    let manifest = ManifestSource::new(&text, MANIFEST_FILE_NAME);
    let manifest_hash = content_hash(&text);
    // Functions are independent: each thread takes every n-th one, and the results go back in
    // manifest order (the Security view and the linter list them in that order).
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(functions.len().max(1));
    let mut analysed: Vec<Option<FunctionAnalysis>> = vec![None; functions.len()];
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|worker| {
                let (functions, manifest) = (&functions, &manifest);
                scope.spawn(move || {
                    functions
                        .iter()
                        .enumerate()
                        .skip(worker)
                        .step_by(threads)
                        .map(|(i, f)| (i, run(project, manifest, manifest_hash, f)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for worker in workers {
            // A panic in the analyzer is a bug: it goes on as it would without threads, rather
            // than leaving some functions silently missing from the answer.
            let results = worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (i, mut analysis) in results {
                name_declared_resources(&mut analysis.analysis.policy, &resources);
                analysed[i] = Some(analysis);
            }
        }
    });
    Ok(ProjectAnalysis {
        functions: analysed.into_iter().flatten().collect(),
    })
}

/// Every function's analyzer findings; nothing when the manifest is missing or broken (the
/// linter reports that itself).
pub fn project_findings(project: &Project) -> Vec<LintFinding> {
    analyze_project(project)
        .map(|p| p.functions.into_iter().flat_map(|f| f.findings).collect())
        .unwrap_or_default()
}

/// The outline of one file of the project, for the editor.
pub fn outline(project: &Project, relative: &str) -> Result<FileAnalysis, ApiError> {
    let content = project.read_file(relative)?;
    functory_analyze::outline_file(relative, &content.text).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("`{relative}` is not JavaScript, TypeScript or Python"),
        )
    })
}

fn preview(
    project: &Project,
    name: &str,
    permissions: Vec<Permission>,
) -> Result<PermissionsPreview, ApiError> {
    let before = project.manifest_text()?;
    let permissions = with_declared_names(&before, permissions);
    let after = apply_edit(
        &before,
        &ManifestEdit::SetPermissions {
            function: name.to_owned(),
            permissions: permissions.clone(),
        },
    )?;
    Ok(PermissionsPreview {
        function: name.to_owned(),
        permissions,
        diff: crate::lint::line_diff(&before, &after),
        after,
    })
}

/// `permissions` with each ARN of a resource declared in `manifest_text` written as the
/// resource's name (`arn:aws:dynamodb:*:*:table/orders` → `orders`), as a user writes them;
/// the manifest reader reads them back as the same ARNs.
fn with_declared_names(manifest_text: &str, mut permissions: Vec<Permission>) -> Vec<Permission> {
    if let Some(manifest) =
        functory_core::parse_manifest(manifest_text, MANIFEST_FILE_NAME, &EveryFile).manifest
    {
        name_declared_resources(&mut permissions, &manifest.resources);
    }
    permissions
}

/// Writes each ARN of a declared resource in `permissions` as the resource's name: the
/// generated policy the Security view shows reads as what "use it" writes.
fn name_declared_resources(permissions: &mut [Permission], resources: &[Resource]) {
    if resources.is_empty() {
        return;
    }
    for permission in permissions {
        for resource in &mut permission.resources {
            if let Some(declared) = declared_resource_name(resource, resources) {
                *resource = declared;
            }
        }
    }
}

/// What "use the generated policy" would change in functory.toml.
pub fn preview_generated_policy(
    project: &Project,
    name: &str,
) -> Result<PermissionsPreview, ApiError> {
    let analysis = analyze(project, name)?.analysis;
    preview(project, name, analysis.policy)
}

/// Replaces the function's permissions with `permissions` (the previewed policy), keeping
/// comments elsewhere in functory.toml.
pub fn set_permissions(
    project: &Project,
    name: &str,
    permissions: Vec<Permission>,
) -> Result<PermissionsPreview, ApiError> {
    let preview = preview(project, name, permissions)?;
    files::write_atomically(&project.manifest_path(), preview.after.as_bytes())?;
    Ok(preview)
}

/// "Use the generated policy": replaces the function's permissions with the derived policy.
pub fn apply_generated_policy(
    project: &Project,
    name: &str,
) -> Result<PermissionsPreview, ApiError> {
    let analysis = analyze(project, name)?.analysis;
    set_permissions(project, name, analysis.policy)
}

/// Explains an AccessDenied (AWS), AuthorizationFailed (Azure) or PERMISSION_DENIED (Google)
/// text from an invoke result or a log line for `function`. `InvalidInput` when the text holds
/// no refusal.
pub fn explain_access_denied(
    project: &Project,
    name: &str,
    text: &str,
) -> Result<AccessDeniedHelp, ApiError> {
    let denied = parse_access_denied(text).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidInput,
            "the text holds no AccessDenied, AuthorizationFailed or PERMISSION_DENIED error",
        )
    })?;
    let (manifest_text, functions, _) = functions(project)?;
    let function = function(&functions, name)?;
    let manifest = ManifestSource::new(&manifest_text, MANIFEST_FILE_NAME);
    let analysis = run(project, &manifest, content_hash(&manifest_text), function).analysis;
    let locations = manifest.action_locations(name);
    let explanation =
        functory_analyze::explain_access_denied(denied, function, &analysis, &locations);
    let preview = match &explanation.proposed {
        Some(permissions) => Some(preview(project, name, permissions.clone())?),
        None => None,
    };
    Ok(AccessDeniedHelp {
        explanation,
        preview,
    })
}
