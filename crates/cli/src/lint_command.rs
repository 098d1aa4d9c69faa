//! `functory lint`: the security linter over files and folders, for people and CI.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use functory_lint::{
    Applicability, Catalogue, FileReport, LintOptions, LocatedFinding, PolicyKind, RULES, Severity,
    Suppression, fix_until_stable, lint_bytes, locate, looks_lintable, render_json, render_sarif,
    render_summary, render_text, rule,
};

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or folders to lint (default: the current folder). Folders are searched for
    /// functory.toml, JSON policies and CloudFormation/SAM templates.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 1 when a finding is at or above this severity (`never` to always exit 0).
    #[arg(long, value_name = "SEVERITY", default_value = "low", value_parser = parse_fail_on)]
    pub fail_on: FailOn,
    /// The kind of standalone JSON policies, when detection would guess wrong.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// Apply safe fixes to the files.
    #[arg(long)]
    pub fix: bool,
    /// With --fix, also apply unsafe fixes (they change what a policy allows: review the diff).
    #[arg(long, requires = "fix")]
    pub unsafe_fixes: bool,
    /// Skip these rule codes (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub ignore: Vec<String>,
    /// Print a rule's documentation (or, with no code, the list of rules) and exit.
    #[arg(long, value_name = "CODE", num_args = 0..=1, default_missing_value = "")]
    pub explain: Option<String>,
    /// Print the IAM catalogue's source, date and counts and exit.
    #[arg(long)]
    pub catalogue_info: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Identity,
    Resource,
    Trust,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Never,
    At(Severity),
}

pub(crate) fn parse_fail_on(text: &str) -> Result<FailOn, String> {
    if text.eq_ignore_ascii_case("never") {
        return Ok(FailOn::Never);
    }
    Severity::parse(text)
        .map(FailOn::At)
        .ok_or_else(|| "expected one of: info, low, medium, high, critical, never".to_owned())
}

pub fn run(args: LintArgs) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("functory: error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run_inner(args: LintArgs) -> Result<ExitCode, String> {
    if let Some(code) = &args.explain {
        return explain(code, args.format);
    }
    if args.catalogue_info {
        return Ok(catalogue_info(args.format));
    }
    let options = LintOptions {
        kind: args.kind.map(|k| match k {
            KindArg::Identity => PolicyKind::Identity,
            KindArg::Resource => PolicyKind::Resource,
            KindArg::Trust => PolicyKind::Trust,
        }),
        ignore: args.ignore.clone(),
        today: None,
    };
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut files = Vec::new();
    for root in &roots {
        collect_files(root, true, &mut files)?;
    }
    files.sort();
    files.dedup();

    let minimum = if args.unsafe_fixes {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    // Files are independent: lint them on every core, keeping the order of `files`.
    let outcomes = lint_in_parallel(&files, |path| {
        let display = display_path(path);
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {display}: {e}"))?;
        if args.fix
            && let Ok(text) = std::str::from_utf8(&bytes)
        {
            let (new_text, applied) = fix_until_stable(&display, text, &options, minimum);
            if applied > 0 {
                std::fs::write(path, &new_text)
                    .map_err(|e| format!("cannot write {display}: {e}"))?;
            }
            return Ok((lint_bytes(&display, new_text.as_bytes(), &options), applied));
        }
        Ok((lint_bytes(&display, &bytes, &options), 0))
    });
    let mut fixed = 0;
    let mut reports = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        let (report, applied) = outcome?;
        fixed += applied;
        reports.push(report);
    }
    let linted_files = reports.len();
    add_analyzer_findings(&mut reports, &files, &options);
    apply_project_suppressions(&mut reports, &files, &roots);

    let mut located: Vec<LocatedFinding> = reports.iter().flat_map(locate).collect();
    for finding in &mut located {
        if finding.name.is_empty() {
            finding.name = functory_analyze::findings::rule_name(finding.code);
        }
    }
    match args.format {
        Format::Text => {
            out!("{}", render_text(&located));
            if fixed > 0 {
                outln!("fixed {fixed} finding{}", if fixed == 1 { "" } else { "s" });
            }
            out!("{}", render_summary(&located, linted_files));
        }
        Format::Json => outln!("{}", render_json(&located)),
        Format::Sarif => outln!("{}", render_sarif(&located)),
    }
    let failing = match args.fail_on {
        FailOn::Never => false,
        FailOn::At(threshold) => located
            .iter()
            .any(|f| f.suppressed.is_none() && f.severity >= threshold),
    };
    Ok(if failing {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// For every linted functory.toml, the code-aware analyzer's findings (LPA…) for each of its
/// functions, in the handler files and the manifest they point at.
fn add_analyzer_findings(reports: &mut Vec<FileReport>, files: &[PathBuf], options: &LintOptions) {
    use std::collections::BTreeMap;

    for manifest in files {
        let is_manifest = manifest
            .file_name()
            .is_some_and(|n| n.eq_ignore_ascii_case("functory.toml"));
        if !is_manifest {
            continue;
        }
        let dir = match manifest.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        let Ok(project) = functory_api::Project::open(&dir) else {
            continue;
        };
        let (Ok(text), Ok(all)) = (
            project.manifest_text(),
            functory_api::analyze::analyze_project(&project),
        ) else {
            continue;
        };
        let mut by_file: BTreeMap<String, Vec<functory_lint::Finding>> = BTreeMap::new();
        let source = functory_analyze::ManifestSource::new(&text, "functory.toml");
        for function in &all.functions {
            for found in functory_analyze::findings(&function.analysis, Some(&source)) {
                if options
                    .ignore
                    .iter()
                    .any(|code| code.eq_ignore_ascii_case(found.finding.code))
                {
                    continue;
                }
                by_file.entry(found.file).or_default().push(found.finding);
            }
        }
        for (relative, mut findings) in by_file {
            findings.sort_by_key(|f| (f.span.start, f.code));
            let display = display_path(&dir.join(&relative));
            if let Some(report) = reports.iter_mut().find(|r| r.path == display) {
                report.findings.extend(findings);
                continue;
            }
            let text = std::fs::read_to_string(dir.join(&relative)).unwrap_or_default();
            reports.push(FileReport {
                path: display,
                text,
                format: None,
                findings,
                suppressions: Vec::new(),
            });
        }
    }
}

/// Runs `lint` on every path with one thread per core; results come back in input order.
fn lint_in_parallel<T: Send>(
    paths: &[PathBuf],
    lint: impl Fn(&Path) -> Result<T, String> + Sync,
) -> Vec<Result<T, String>> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(paths.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<T, String>>>> =
        Mutex::new((0..paths.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = paths.get(i) else { break };
                    let result = lint(path);
                    if let Ok(mut slots) = results.lock() {
                        slots[i] = Some(result);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(|slot| slot.unwrap_or_else(|| Err("a lint thread stopped early".to_owned())))
        .collect()
}

fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_owned).unwrap_or(text)
}

/// Files named on the command line are always linted; files found in folders only when they
/// look like policies, templates or a manifest.
fn collect_files(path: &Path, explicit: bool, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let metadata =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if metadata.is_file() {
        if explicit {
            out.push(path.to_owned());
        } else if is_candidate(path) {
            let bytes = std::fs::read(path).unwrap_or_default();
            if looks_lintable(&path.to_string_lossy(), &bytes) {
                out.push(path.to_owned());
            }
        }
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if entry.is_dir() {
            // Dependencies, build output and tool state hold no project policies.
            if name.starts_with('.') || name == "node_modules" || name == "target" {
                continue;
            }
            collect_files(&entry, false, out)?;
        } else {
            collect_files(&entry, false, out)?;
        }
    }
    Ok(())
}

fn is_candidate(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name == "functory.toml"
        || [".json", ".yaml", ".yml", ".template"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

/// Suppressions live in the project's functory.toml and apply to every file below it, with
/// `path` patterns relative to the manifest's folder.
fn apply_project_suppressions(reports: &mut [FileReport], files: &[PathBuf], roots: &[PathBuf]) {
    let mut manifests: Vec<(PathBuf, Vec<Suppression>)> = Vec::new();
    for report in reports.iter() {
        if !report.suppressions.is_empty() {
            let dir = Path::new(&report.path)
                .parent()
                .map(Path::to_owned)
                .unwrap_or_default();
            manifests.push((dir, report.suppressions.clone()));
        }
    }
    // A file linted on its own still belongs to the project above it.
    for root in roots {
        let start = if root.is_dir() {
            Some(root.as_path())
        } else {
            root.parent()
        };
        if let Some(manifest) = start.and_then(find_manifest_above)
            && !files.iter().any(|f| same_file(f, &manifest))
        {
            let options = LintOptions::default();
            if let Ok(bytes) = std::fs::read(&manifest) {
                let report = lint_bytes(&display_path(&manifest), &bytes, &options);
                let dir = manifest.parent().map(Path::to_owned).unwrap_or_default();
                manifests.push((dir, report.suppressions));
            }
        }
    }
    if manifests
        .iter()
        .all(|(_, suppressions)| suppressions.is_empty())
    {
        return;
    }
    for report in reports.iter_mut() {
        let file = absolute(Path::new(&report.path));
        for finding in &mut report.findings {
            for (dir, suppressions) in &manifests {
                let dir = absolute(dir);
                let Ok(relative) = file.strip_prefix(&dir) else {
                    continue;
                };
                let relative = relative.to_string_lossy().replace('\\', "/");
                if let Some(s) = suppressions.iter().find(|s| s.covers(finding, &relative)) {
                    finding.suppressed = Some(s.reason.clone());
                }
            }
        }
    }
}

fn absolute(path: &Path) -> PathBuf {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

fn same_file(a: &Path, b: &Path) -> bool {
    absolute(a) == absolute(b)
}

fn find_manifest_above(start: &Path) -> Option<PathBuf> {
    let start = absolute(start);
    start
        .ancestors()
        .map(|dir| dir.join("functory.toml"))
        .find(|candidate| candidate.is_file())
}

fn explain(code: &str, format: Format) -> Result<ExitCode, String> {
    if code.is_empty() {
        if format == Format::Json {
            outln!(
                "{}",
                serde_json::to_string_pretty(&functory_lint::rule_docs()).unwrap_or_default()
            );
        } else {
            for rule in RULES {
                let fix = rule.fix.map_or("", |_| " (fix)");
                outln!(
                    "{}  {:<44} {:<8} {}{fix}",
                    rule.code,
                    rule.name,
                    rule.severity,
                    rule.summary
                );
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some((code, name, severity, summary)) = functory_analyze::CODES
        .iter()
        .find(|(c, ..)| c.eq_ignore_ascii_case(code))
    {
        if format == Format::Json {
            outln!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "code": code, "name": name, "severity": severity, "summary": summary,
                }))
                .unwrap_or_default()
            );
        } else {
            outln!(
                "# {code} {name}\n\nSeverity: {severity}. Reported by `functory analyze` and `functory lint` for each function of a linted functory.toml.\n\n{summary}"
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let Some(rule) = rule(code) else {
        return Err(format!(
            "no rule `{code}`; `functory lint --explain` lists them"
        ));
    };
    if format == Format::Json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&rule.to_doc()).unwrap_or_default()
        );
    } else {
        outln!("# {} {}", rule.code, rule.name);
        outln!();
        outln!(
            "Severity: {}. Fix: {}.",
            rule.severity,
            rule.fix.map_or("none", Applicability::as_str)
        );
        outln!();
        outln!("{}", rule.documentation());
    }
    Ok(ExitCode::SUCCESS)
}

fn catalogue_info(format: Format) -> ExitCode {
    let catalogue = Catalogue::get();
    let source = &catalogue.source;
    let counts = &catalogue.counts;
    if format == Format::Json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "source": source,
                "counts": counts,
            }))
            .unwrap_or_default()
        );
    } else {
        outln!(
            "IAM catalogue from {} {} ({}), data of {}, generated {}",
            source.package,
            source.version,
            source.registry,
            source.data_updated_at,
            source.generated_at
        );
        outln!(
            "{} services, {} actions, {} resource types, {} condition keys",
            counts.services,
            counts.actions,
            counts.resource_types,
            counts.condition_keys
        );
        outln!("licence: {}", source.licence);
    }
    ExitCode::SUCCESS
}
