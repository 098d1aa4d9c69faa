//! Auditing what is deployed: every Lambda function of an AWS account's chosen regions, read
//! (configuration, triggers, function URL, the execution role's inline and attached policies),
//! written as the project manifest an import would write, and linted by the same engine as
//! `functory lint`, so a finding has one code everywhere. Read-only; a function that cannot be
//! read is reported with why, and the audit goes on.
//!
//! Environment values (which may be secrets) live only in memory while a function is linted:
//! findings carry the rule's message (which names the variable, never its value), and
//! evidence is kept only for findings about permissions.

use std::path::Path;

use functory_core::{ManifestEdit, Target, apply_edit};
use functory_lint::{LintOptions, Severity, lint_text};
use futures_util::StreamExt;
use serde::Serialize;

use crate::accounts::Accounts;
use crate::cloud::connect_aws;
use crate::cloud_import::manifest_with_target;
use crate::{ApiError, ErrorCode};

/// What to audit and how.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// Regions to scan; empty: the target's.
    pub regions: Vec<String>,
    /// Functions read at once (AWS's read limits allow a few; default 8).
    pub concurrency: usize,
}

/// One audited function.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditedFunction {
    pub region: String,
    pub name: String,
    pub runtime: String,
    pub findings: Vec<AuditFinding>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditFinding {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    /// Why the severity differs from the rule's.
    pub note: Option<String>,
    /// What to do.
    pub fix: Option<String>,
    /// The permission text the finding points at (never an environment value).
    pub evidence: Option<String>,
}

/// Something the audit could not read, and why.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditGap {
    pub region: String,
    /// The function, or `None` for the region's list itself.
    pub function: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditReport {
    pub target: String,
    pub regions: Vec<String>,
    pub functions: Vec<AuditedFunction>,
    pub not_read: Vec<AuditGap>,
    /// Set when the audit was stopped before it read every function.
    pub interrupted: bool,
}

impl AuditReport {
    pub fn findings(&self) -> impl Iterator<Item = (&AuditedFunction, &AuditFinding)> {
        self.functions
            .iter()
            .flat_map(|f| f.findings.iter().map(move |finding| (f, finding)))
    }
}

/// Progress of a running audit, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct AuditProgress {
    pub done: usize,
    pub total: usize,
}

/// Audits every function of `target`'s account in the chosen regions. `progress` is called
/// after each function; `stop` is polled between functions (an interrupted audit reports what
/// it read).
pub async fn audit_account(
    root: &Path,
    target: &str,
    options: AuditOptions,
    accounts: &Accounts,
    progress: &(dyn Fn(AuditProgress) + Sync),
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<AuditReport, ApiError> {
    let (_, target) = manifest_with_target(root, target)?;
    let regions = if options.regions.is_empty() {
        vec![target.region.clone().ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "target `{}` names no region: pass --region or add `region = \"…\"` to [targets.{}]",
                    target.name, target.name
                ),
            )
        })?]
    } else {
        options.regions.clone()
    };
    let concurrency = if options.concurrency == 0 {
        8
    } else {
        options.concurrency
    };
    let mut report = AuditReport {
        target: target.name.clone(),
        regions: regions.clone(),
        functions: Vec::new(),
        not_read: Vec::new(),
        interrupted: false,
    };
    // Every region's list first, so the progress bar knows the total.
    let mut work: Vec<(String, functory_aws::AwsAdapter, String)> = Vec::new();
    for region in &regions {
        let regional = Target {
            region: Some(region.clone()),
            ..target.clone()
        };
        let adapter = match connect_aws(&regional, accounts).await {
            Ok((adapter, _)) => adapter,
            Err(error) => {
                report.not_read.push(AuditGap {
                    region: region.clone(),
                    function: None,
                    reason: error.to_string(),
                });
                continue;
            }
        };
        match functory_adapter::Adapter::list(&adapter, functory_adapter::ListOptions::default())
            .await
        {
            Ok(functions) => {
                for function in functions {
                    work.push((region.clone(), adapter.clone(), function.name));
                }
            }
            Err(error) => report.not_read.push(AuditGap {
                region: region.clone(),
                function: None,
                reason: format!("ListFunctions: {error}"),
            }),
        }
    }
    let total = work.len();
    let mut done = 0;
    progress(AuditProgress { done, total });
    let mut reads =
        futures_util::stream::iter(work.into_iter().map(|(region, adapter, name)| async move {
            let read = adapter.read_for_import(&name, None).await;
            (region, name, read)
        }))
        .buffer_unordered(concurrency);
    while let Some((region, name, read)) = reads.next().await {
        done += 1;
        progress(AuditProgress { done, total });
        match read {
            Ok(remote) => report
                .functions
                .push(audit_function(&region, &name, &remote)),
            Err(error) => report.not_read.push(AuditGap {
                region,
                function: Some(name),
                reason: error.to_string(),
            }),
        }
        if stop() {
            report.interrupted = done < total;
            break;
        }
    }
    report
        .functions
        .sort_by(|a, b| (&a.region, &a.name).cmp(&(&b.region, &b.name)));
    report
        .not_read
        .sort_by(|a, b| (&a.region, &a.function).cmp(&(&b.region, &b.function)));
    Ok(report)
}

/// The function as a manifest, linted; what cannot be written into one is a finding of its own.
fn audit_function(
    region: &str,
    name: &str,
    remote: &functory_aws::ImportedFunction,
) -> AuditedFunction {
    let mut findings = Vec::new();
    match manifest_of(name, remote) {
        Ok(text) => {
            let report = lint_text("functory.toml", &text, &LintOptions::default());
            for finding in report.findings {
                if finding.suppressed.is_some() {
                    continue;
                }
                let about_permissions = ["IAM", "RES", "TRS"]
                    .iter()
                    .any(|prefix| finding.code.starts_with(prefix));
                let evidence = about_permissions
                    .then(|| text.get(finding.span.range()).map(str::to_owned))
                    .flatten();
                findings.push(AuditFinding {
                    code: finding.code.to_owned(),
                    severity: finding.severity,
                    message: finding.message,
                    note: finding.note,
                    fix: finding.fix.map(|f| f.message),
                    evidence,
                });
            }
        }
        Err(error) => findings.push(AuditFinding {
            code: "AUD001".to_owned(),
            severity: Severity::Info,
            message: format!("the function's settings could not be checked: {error}"),
            note: None,
            fix: None,
            evidence: None,
        }),
    }
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(&b.code)));
    AuditedFunction {
        region: region.to_owned(),
        name: name.to_owned(),
        runtime: remote.runtime.clone(),
        findings,
    }
}

/// The manifest an import would write for the function, every environment variable included
/// (in memory only), through the same edits the app makes.
fn manifest_of(name: &str, remote: &functory_aws::ImportedFunction) -> Result<String, ApiError> {
    let mut text = "[project]\nname = \"audit\"\n".to_owned();
    text = apply_edit(
        &text,
        &ManifestEdit::AddFunction {
            name: name.to_owned(),
            runtime: remote.runtime.clone(),
            handler: remote.handler.clone(),
            http_path: None,
        },
    )?;
    for edit in [
        ManifestEdit::SetMemory {
            function: name.to_owned(),
            memory_mb: remote.memory_mb,
        },
        ManifestEdit::SetTimeout {
            function: name.to_owned(),
            timeout_s: remote.timeout_s,
        },
    ] {
        text = apply_edit(&text, &edit)?;
    }
    for (key, value) in &remote.environment {
        if let Ok(edited) = apply_edit(
            &text,
            &ManifestEdit::SetEnv {
                function: name.to_owned(),
                key: key.clone(),
                value: value.expose().clone(),
            },
        ) {
            text = edited;
        }
    }
    for found in &remote.triggers {
        if let Ok(edited) = apply_edit(
            &text,
            &ManifestEdit::AddTrigger {
                function: name.to_owned(),
                trigger: found.trigger.clone(),
            },
        ) {
            text = edited;
        }
    }
    if !remote.permissions.is_empty() {
        text = apply_edit(
            &text,
            &ManifestEdit::SetPermissions {
                function: name.to_owned(),
                permissions: remote.permissions.clone(),
            },
        )?;
    }
    Ok(text)
}

/// Severities, most severe first.
fn severities() -> impl Iterator<Item = Severity> {
    Severity::ALL.into_iter().rev()
}

/// One line per finding (`region/function: CODE [severity] message`), then what was not read.
pub fn render_text(report: &AuditReport) -> String {
    let mut out = String::new();
    for (function, finding) in report.findings() {
        out.push_str(&format!(
            "{}/{}: {} [{}] {}\n",
            function.region,
            function.name,
            finding.code,
            Severity::as_str(finding.severity),
            finding.message
        ));
        if let Some(note) = &finding.note {
            out.push_str(&format!("  note: {note}\n"));
        }
    }
    for gap in &report.not_read {
        out.push_str(&format!(
            "not read: {}{}: {}\n",
            gap.region,
            gap.function
                .as_ref()
                .map(|f| format!("/{f}"))
                .unwrap_or_default(),
            gap.reason
        ));
    }
    let count = report.findings().count();
    out.push_str(&format!(
        "{count} finding{} in {} function{} of {} ({}){}{}\n",
        if count == 1 { "" } else { "s" },
        report.functions.len(),
        if report.functions.len() == 1 { "" } else { "s" },
        report.target,
        report.regions.join(", "),
        if report.not_read.is_empty() {
            String::new()
        } else {
            format!("; {} not read", report.not_read.len())
        },
        if report.interrupted {
            "; interrupted before the end"
        } else {
            ""
        }
    ));
    out
}

/// SARIF 2.1.0: one result per finding, located by the function's logical location.
pub fn render_sarif(report: &AuditReport) -> String {
    let mut codes: Vec<&str> = report.findings().map(|(_, f)| f.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let rules: Vec<serde_json::Value> = codes
        .iter()
        .map(|code| {
            let rule = functory_lint::RULES.iter().find(|r| r.code == *code);
            serde_json::json!({
                "id": code,
                "name": rule.map_or("", |r| r.name),
                "shortDescription": {"text": rule.map_or("", |r| r.summary)},
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = report
        .findings()
        .map(|(function, finding)| {
            let level = functory_lint::sarif_level(finding.severity);
            serde_json::json!({
                "ruleId": finding.code,
                "level": level,
                "message": {"text": finding.message},
                "locations": [{"logicalLocations": [{
                    "kind": "function",
                    "name": function.name,
                    "fullyQualifiedName": format!("{}/{}", function.region, function.name),
                }]}],
                "properties": {"severity": Severity::as_str(finding.severity)},
            })
        })
        .collect();
    let sarif = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "functory audit", "informationUri": "https://functory.dev", "rules": rules}},
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&sarif).unwrap_or_default()
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A horizontal bar chart as inline SVG: `(label, value, colour)` rows.
fn bar_chart(title: &str, rows: &[(String, usize, &str)]) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let height = rows.len() * 24 + 8;
    let mut svg = format!(
        "<figure><figcaption>{}</figcaption><svg role=\"img\" aria-label=\"{}\" width=\"420\" height=\"{height}\" viewBox=\"0 0 420 {height}\">",
        escape(title),
        escape(title)
    );
    for (i, (label, value, colour)) in rows.iter().enumerate() {
        let y = i * 24 + 4;
        let width = value * 260 / max;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{}\" font-size=\"12\">{}</text><rect x=\"110\" y=\"{y}\" width=\"{width}\" height=\"18\" fill=\"{colour}\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">{value}</text>",
            y + 14,
            escape(label),
            115 + width,
            y + 14
        ));
    }
    svg.push_str("</svg></figure>");
    svg
}

fn colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "#8b0000",
        Severity::High => "#d9480f",
        Severity::Medium => "#e8a400",
        Severity::Low => "#4a7fb5",
        Severity::Info => "#888888",
    }
}

/// A self-contained HTML report: no script, no network; a summary with charts by severity and
/// rule, a section per function with its findings, what was not read; prints on paper.
pub fn render_html(report: &AuditReport, generated_at: &str) -> String {
    let by_severity: Vec<(String, usize, &str)> = severities()
        .map(|s| {
            (
                s.as_str().to_owned(),
                report.findings().filter(|(_, f)| f.severity == s).count(),
                colour(s),
            )
        })
        .collect();
    let mut by_rule: Vec<(String, usize)> = Vec::new();
    for (_, finding) in report.findings() {
        match by_rule.iter_mut().find(|(code, _)| *code == finding.code) {
            Some(entry) => entry.1 += 1,
            None => by_rule.push((finding.code.clone(), 1)),
        }
    }
    by_rule.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let rule_rows: Vec<(String, usize, &str)> = by_rule
        .iter()
        .take(12)
        .map(|(code, n)| (code.clone(), *n, "#5c6bc0"))
        .collect();
    let total = report.findings().count();
    let mut html = String::new();
    html.push_str("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    html.push_str(&format!(
        "<title>Functory audit of {}</title>",
        escape(&report.target)
    ));
    html.push_str("<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:60rem}h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}h3{font-size:1.05rem;margin-bottom:.3rem}.charts{display:flex;flex-wrap:wrap;gap:2rem}figure{margin:0}figcaption{font-weight:600;margin-bottom:.4rem}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}.sev{display:inline-block;min-width:4.5rem;padding:0 .3rem;border-radius:.2rem;color:#fff;font-size:.8rem;text-align:center}.critical{background:#8b0000}.high{background:#d9480f}.medium{background:#e8a400;color:#222}.low{background:#4a7fb5}.info{background:#888}code{background:#f4f4f4;padding:0 .2rem;word-break:break-all}.muted{color:#666}.clean{color:#2e7d32}@media print{body{margin:0}section.function{break-inside:avoid}a{color:inherit;text-decoration:none}}</style></head><body>");
    html.push_str(&format!(
        "<h1>Security audit of {}</h1><p class=\"muted\">Regions {}; {} function{} read{}; generated {} by Functory.</p>",
        escape(&report.target),
        escape(&report.regions.join(", ")),
        report.functions.len(),
        if report.functions.len() == 1 { "" } else { "s" },
        if report.interrupted {
            ", interrupted before every function was read"
        } else {
            ""
        },
        escape(generated_at)
    ));
    let affected = report
        .functions
        .iter()
        .filter(|f| !f.findings.is_empty())
        .count();
    html.push_str(&format!(
        "<h2>Summary</h2><p><strong>{total}</strong> finding{} in {affected} function{}.</p><div class=\"charts\">{}{}</div>",
        if total == 1 { "" } else { "s" },
        if affected == 1 { "" } else { "s" },
        bar_chart("Findings by severity", &by_severity),
        if rule_rows.is_empty() {
            String::new()
        } else {
            bar_chart("Findings by rule", &rule_rows)
        }
    ));
    html.push_str(
        "<h2>Functions</h2><table><thead><tr><th>Function</th><th>Region</th><th>Runtime</th>",
    );
    for severity in severities() {
        html.push_str(&format!("<th>{}</th>", Severity::as_str(severity)));
    }
    html.push_str("</tr></thead><tbody>");
    for function in &report.functions {
        html.push_str(&format!(
            "<tr><td><a href=\"#{}\">{}</a></td><td>{}</td><td>{}</td>",
            escape(&format!("{}-{}", function.region, function.name)),
            escape(&function.name),
            escape(&function.region),
            escape(&function.runtime)
        ));
        for severity in severities() {
            let n = function
                .findings
                .iter()
                .filter(|f| f.severity == severity)
                .count();
            html.push_str(&format!(
                "<td>{}</td>",
                if n == 0 { String::new() } else { n.to_string() }
            ));
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table>");
    for function in &report.functions {
        html.push_str(&format!(
            "<section class=\"function\" id=\"{}\"><h2>{} <span class=\"muted\">{} · {}</span></h2>",
            escape(&format!("{}-{}", function.region, function.name)),
            escape(&function.name),
            escape(&function.region),
            escape(&function.runtime)
        ));
        if function.findings.is_empty() {
            html.push_str("<p class=\"clean\">No finding.</p>");
        }
        for finding in &function.findings {
            let rule = functory_lint::RULES.iter().find(|r| r.code == finding.code);
            html.push_str(&format!(
                "<h3><span class=\"sev {}\">{}</span> {} <span class=\"muted\">{}</span></h3><p>{}</p>",
                Severity::as_str(finding.severity),
                Severity::as_str(finding.severity),
                escape(&finding.code),
                escape(rule.map_or("", |r| r.name)),
                escape(&finding.message)
            ));
            if let Some(evidence) = &finding.evidence {
                html.push_str(&format!(
                    "<p>Evidence: <code>{}</code></p>",
                    escape(evidence)
                ));
            }
            if let Some(note) = &finding.note {
                html.push_str(&format!("<p class=\"muted\">{}</p>", escape(note)));
            }
            if let Some(fix) = &finding.fix {
                html.push_str(&format!("<p>Fix: {}</p>", escape(fix)));
            }
        }
        html.push_str("</section>");
    }
    if !report.not_read.is_empty() {
        html.push_str("<h2>Not read</h2><ul>");
        for gap in &report.not_read {
            html.push_str(&format!(
                "<li>{}{}: {}</li>",
                escape(&gap.region),
                escape(
                    &gap.function
                        .as_ref()
                        .map(|f| format!("/{f}"))
                        .unwrap_or_default()
                ),
                escape(&gap.reason)
            ));
        }
        html.push_str("</ul>");
    }
    html.push_str("</body></html>\n");
    html
}
