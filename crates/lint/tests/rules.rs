//! One fixture and one snapshot per rule code, complete documentation for every rule, fixes
//! that converge, and SARIF that validates against the SARIF 2.1.0 schema.

// Tests unwrap on purpose: a failing unwrap is a failing test with its location.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use functory_lint::{
    Applicability, LintOptions, RULES, apply_fixes, fix_until_stable, lint_text, locate,
    render_sarif,
};

fn fixture_path(code: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for ext in ["json", "yaml", "toml"] {
        let path = dir.join(format!("{code}.{ext}"));
        if path.exists() {
            return path.to_string_lossy().into_owned();
        }
    }
    panic!("no fixture for {code} in {}", dir.display());
}

fn fixture(code: &str) -> (String, String) {
    let path = fixture_path(code);
    let name = Path::new(&path)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    (name, std::fs::read_to_string(&path).unwrap())
}

/// The day the fixtures are judged on: dated facts (LMB004's runtime lifecycles) would
/// otherwise change the snapshots as time passes.
fn fixture_options() -> LintOptions {
    LintOptions {
        today: Some(chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()),
        ..LintOptions::default()
    }
}

/// The findings of `code` in its fixture, one per line with position, severity, note and fix.
fn snapshot_of(code: &str) -> String {
    let (name, text) = fixture(code);
    let report = lint_text(&name, &text, &fixture_options());
    let located = locate(&report);
    let mut out = String::new();
    for f in located.iter().filter(|f| f.code == code) {
        out.push_str(&format!(
            "{}:{}:{}-{}:{} {} [{}] {}\n",
            f.file, f.line, f.column, f.end_line, f.end_column, f.code, f.severity, f.message
        ));
        if let Some(note) = &f.note {
            out.push_str(&format!("    note: {note}\n"));
        }
        if let Some(fix) = &f.fix {
            out.push_str(&format!(
                "    fix ({}): {}\n",
                fix.applicability, fix.message
            ));
            for edit in &fix.edits {
                out.push_str(&format!(
                    "      {}:{}-{}:{} -> {:?}\n",
                    edit.line, edit.column, edit.end_line, edit.end_column, edit.replacement
                ));
            }
        }
    }
    assert!(
        !out.is_empty(),
        "the {code} fixture produces no {code} finding:\n{:#?}",
        report.findings
    );
    out
}

/// The findings of a policy given as JSON text, located.
fn lint_json(text: &str) -> Vec<functory_lint::LocatedFinding> {
    locate(&lint_text("policy.json", text, &fixture_options()))
}

macro_rules! rule_snapshots {
    ($($test:ident => $code:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                insta::assert_snapshot!($code, snapshot_of($code));
            }
        )*

        const TESTED_CODES: &[&str] = &[$($code),*];
    };
}

rule_snapshots! {
    iam001 => "IAM001",
    iam002 => "IAM002",
    iam003 => "IAM003",
    iam004 => "IAM004",
    iam005 => "IAM005",
    iam006 => "IAM006",
    iam101 => "IAM101",
    iam102 => "IAM102",
    iam103 => "IAM103",
    iam104 => "IAM104",
    iam105 => "IAM105",
    iam106 => "IAM106",
    iam107 => "IAM107",
    iam108 => "IAM108",
    iam201 => "IAM201",
    iam202 => "IAM202",
    iam203 => "IAM203",
    iam204 => "IAM204",
    iam205 => "IAM205",
    iam206 => "IAM206",
    iam207 => "IAM207",
    iam208 => "IAM208",
    iam209 => "IAM209",
    iam210 => "IAM210",
    res001 => "RES001",
    res002 => "RES002",
    res003 => "RES003",
    trs001 => "TRS001",
    trs002 => "TRS002",
    trs003 => "TRS003",
    lmb001 => "LMB001",
    lmb002 => "LMB002",
    lmb003 => "LMB003",
    lmb004 => "LMB004",
    lmb005 => "LMB005",
    lmb006 => "LMB006",
    lnt001 => "LNT001",
}

#[test]
fn every_rule_has_a_fixture_and_a_snapshot_test() {
    let registered: Vec<&str> = RULES.iter().map(|r| r.code).collect();
    assert_eq!(
        registered, TESTED_CODES,
        "registry and snapshot tests differ"
    );
    for code in TESTED_CODES {
        fixture_path(code);
    }
}

#[test]
fn codes_and_names_are_unique_and_well_formed() {
    for (i, rule) in RULES.iter().enumerate() {
        assert!(
            rule.code.len() == 6
                && rule.code[..3].bytes().all(|b| b.is_ascii_uppercase())
                && rule.code[3..].bytes().all(|b| b.is_ascii_digit()),
            "{}",
            rule.code
        );
        assert!(
            rule.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{}",
            rule.name
        );
        for other in &RULES[..i] {
            assert_ne!(rule.code, other.code);
            assert_ne!(rule.name, other.name);
        }
    }
}

#[test]
fn every_rule_has_complete_documentation() {
    for rule in RULES {
        let doc = rule.documentation();
        let mut last = 0;
        for heading in functory_lint::rules::DOC_SECTIONS {
            let marker = format!("## {heading}\n");
            let at = doc
                .find(&marker)
                .unwrap_or_else(|| panic!("{} has no `## {heading}`", rule.code));
            assert!(at >= last, "{}: `## {heading}` is out of order", rule.code);
            last = at;
            let body = rule.doc_section(heading).unwrap();
            assert!(
                body.len() >= 20,
                "{}: `## {heading}` is too short: {body:?}",
                rule.code
            );
        }
        assert!(
            rule.doc_section("Example").unwrap().contains("```"),
            "{}: the example has no code block",
            rule.code
        );
        assert!(
            rule.doc_section("References")
                .unwrap()
                .lines()
                .all(|l| l.starts_with("- ")),
            "{}: references are a list",
            rule.code
        );
        assert!(
            !rule.summary.is_empty() && !rule.summary.ends_with('.'),
            "{}",
            rule.code
        );
        let docs = rule.to_doc();
        assert_eq!(docs.code, rule.code);
        assert_eq!(docs.documentation, doc);
    }
}

/// Applying every fix (unsafe included) converges: a second round changes nothing, the result
/// still parses, and the fixed findings are gone.
#[test]
fn fixes_converge_and_keep_files_readable() {
    let mut fixed_any = 0;
    for code in TESTED_CODES {
        let (name, text) = fixture(code);
        let options = LintOptions::default();
        let (fixed, applied) = fix_until_stable(&name, &text, &options, Applicability::Unsafe);
        let report = lint_text(&name, &fixed, &options);
        let (again, more) = apply_fixes(&fixed, &report.findings, Applicability::Unsafe);
        assert_eq!(more, 0, "{code}: fixes did not converge:\n{fixed}");
        assert_eq!(again, fixed, "{code}");
        if *code != "IAM001" {
            assert!(
                !report.findings.iter().any(|f| f.code == "IAM001"),
                "{code}: the fixed file no longer parses:\n{fixed}\n{:#?}",
                report.findings
            );
        }
        let before = lint_text(&name, &text, &options);
        let fixable_before = before
            .findings
            .iter()
            .filter(|f| {
                f.code == *code
                    && f.fix.as_ref().is_some_and(|x| {
                        x.applicability != Applicability::DisplayOnly && !x.edits.is_empty()
                    })
            })
            .count();
        let fixable_after = report
            .findings
            .iter()
            .filter(|f| {
                f.code == *code
                    && f.fix.as_ref().is_some_and(|x| {
                        x.applicability != Applicability::DisplayOnly && !x.edits.is_empty()
                    })
            })
            .count();
        assert_eq!(
            fixable_after, 0,
            "{code}: fixable findings remain after fixing:\n{fixed}"
        );
        if fixable_before > 0 {
            assert!(applied > 0, "{code}");
            fixed_any += 1;
        }
    }
    assert!(fixed_any >= 6, "only {fixed_any} fixtures had fixes");
}

#[test]
fn safe_fixes_never_apply_unsafe_ones() {
    let (name, text) = fixture("IAM002");
    let (fixed, applied) =
        fix_until_stable(&name, &text, &LintOptions::default(), Applicability::Safe);
    assert_eq!((applied, fixed.as_str()), (0, text.as_str()));
    let (name, text) = fixture("IAM004");
    let (fixed, applied) =
        fix_until_stable(&name, &text, &LintOptions::default(), Applicability::Safe);
    assert_eq!(applied, 1);
    assert!(
        fixed.contains(r#""Effect": "Allow", "Action": "s3:GetObject""#),
        "{fixed}"
    );
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let schema_text = include_str!("schema/sarif-2.1.0.json");
    let mut schema: serde_json::Value = serde_json::from_str(schema_text).unwrap();
    // The published 2.1.0 schema's pattern for `language` (of runs and tool components) is not
    // a valid ECMA regex (a stray `]`), which makes strict validators refuse the schema itself.
    // Our output never sets `language`, so dropping that pattern changes nothing checked here.
    for definition in ["run", "toolComponent"] {
        let language = &mut schema["definitions"][definition]["properties"]["language"];
        assert!(
            language["pattern"]
                .as_str()
                .is_some_and(|p| p.ends_with("]?$")),
            "the schema changed: recheck this workaround"
        );
        language.as_object_mut().unwrap().remove("pattern");
    }
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut located = Vec::new();
    for code in TESTED_CODES {
        let (name, text) = fixture(code);
        let mut report = lint_text(&format!("fixtures/{name}"), &text, &LintOptions::default());
        // A suppressed finding exercises SARIF's suppressions property.
        if let Some(first) = report.findings.first_mut() {
            first.suppressed = Some("accepted in review".into());
        }
        located.extend(locate(&report));
    }
    let sarif: serde_json::Value = serde_json::from_str(&render_sarif(&located)).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        located.len()
    );
    assert_eq!(
        sarif["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        RULES.len()
    );
    // The validator is not vacuous: a result without a message fails.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn every_sensitive_action_list_names_real_actions() {
    let catalogue = functory_lint::Catalogue::get();
    let lists: [(&str, &[&str]); 2] = [
        (
            "IAM207",
            functory_lint::rules::iam207_data_exfiltration::ACTIONS,
        ),
        (
            "IAM208",
            functory_lint::rules::iam208_credentials_exposure::ACTIONS,
        ),
    ];
    for (code, actions) in lists {
        for action in actions {
            assert!(
                catalogue.action(action).is_some(),
                "{code}: {action} is not in the catalogue"
            );
        }
    }
    let paths = functory_lint::rules::iam206_privilege_escalation::paths();
    assert!(paths.len() >= 65, "pathfinding.cloud's catalogue is loaded");
    for path in paths {
        for action in &path.required {
            assert!(
                catalogue.action(action).is_some(),
                "IAM206 {}: {action} is not in the catalogue",
                path.id
            );
        }
    }
    // Functory's own methods add what the catalogue lacks: none of them contains, or is
    // contained in, one of the catalogue's paths.
    for (method, actions) in functory_lint::rules::iam206_privilege_escalation::METHODS {
        for path in paths.iter().filter(|p| p.id != *method) {
            let ours: std::collections::BTreeSet<&str> = actions.iter().copied().collect();
            let theirs: std::collections::BTreeSet<&str> =
                path.required.iter().map(String::as_str).collect();
            assert!(
                !ours.is_subset(&theirs) && !theirs.is_subset(&ours),
                "IAM206 {method} overlaps {}",
                path.id
            );
        }
    }
}

/// Every path of pathfinding.cloud's catalogue is found, named by its id, in a policy that
/// allows exactly its actions; and a path through AWS-managed policies only is not one.
#[test]
fn every_catalogued_escalation_path_is_found_by_its_id() {
    for path in functory_lint::rules::iam206_privilege_escalation::paths() {
        let actions: Vec<String> = path.required.iter().map(|a| format!("\"{a}\"")).collect();
        let policy = format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": [{}], "Resource": "*"}}]}}"#,
            actions.join(", ")
        );
        let findings = lint_json(&policy);
        let escalation = findings
            .iter()
            .find(|f| f.code == "IAM206")
            .unwrap_or_else(|| panic!("{}: no IAM206 for {policy}", path.id));
        assert!(
            escalation.message.contains(&path.id),
            "{}: {}",
            path.id,
            escalation.message
        );
    }
    let managed = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}"#;
    assert!(lint_json(managed).iter().all(|f| f.code != "IAM206"));
}

/// The manifest's `url` trigger is checked like a template's `FunctionUrlConfig`, and the
/// LMB001 fix writes the manifest's own spelling.
#[test]
fn manifest_function_url_is_checked() {
    let text = r#"[project]
name = "x"

[functions.api]
runtime = "nodejs24.x"
handler = "index.handler"

[[functions.api.triggers]]
kind = "url"
auth = "none"
cors = { allow_origins = ["*"], allow_credentials = true }
"#;
    let report = lint_text("functory.toml", text, &LintOptions::default());
    let located = locate(&report);
    let codes: Vec<(&str, u32)> = located
        .iter()
        .filter(|f| f.code.starts_with("LMB00"))
        .map(|f| (f.code, f.line))
        .collect();
    assert_eq!(codes, vec![("LMB001", 10), ("LMB002", 11)]);
    let (fixed, _) = apply_fixes(text, &report.findings, Applicability::Unsafe);
    assert!(fixed.contains("auth = \"iam\""), "{fixed}");
}

/// LMB004 follows the catalogue's dates: nothing until 180 days before the deprecation, a
/// warning until creates are blocked, an error after.
#[test]
fn a_runtime_is_flagged_180_days_before_its_deprecation_and_an_error_once_blocked() {
    // python3.12 on Lambda: deprecated 2028-10-31, creates blocked 2028-11-30.
    let text = "[project]\nname = \"x\"\n\n[functions.report]\nruntime = \"python3.12\"\nhandler = \"app.handler\"\n";
    let on = |day: &str| {
        let options = LintOptions {
            today: Some(day.parse().unwrap()),
            ..LintOptions::default()
        };
        lint_text("functory.toml", text, &options)
            .findings
            .into_iter()
            .filter(|f| f.code == "LMB004")
            .map(|f| (f.severity.as_str(), f.message))
            .collect::<Vec<_>>()
    };
    assert_eq!(on("2028-05-03"), vec![]);
    assert_eq!(
        on("2028-05-04"),
        vec![("low", "function report uses python3.12: deprecated on 2028-10-31, in 180 days; AWS Lambda blocks creating functions on it from 2028-11-30 and updating them from 2029-01-10; use python3.14".to_owned())]
    );
    let deprecated = on("2028-10-31");
    assert_eq!(deprecated.len(), 1);
    assert_eq!(deprecated[0].0, "medium");
    assert!(
        deprecated[0].1.contains("deprecated since 2028-10-31"),
        "{deprecated:?}"
    );
    let blocked = on("2028-11-30");
    assert_eq!(blocked[0].0, "high", "{blocked:?}");
    assert!(
        blocked[0].1.contains("refuses to create functions on it since 2028-11-30 and will refuse updates from 2029-01-10"),
        "{blocked:?}"
    );
    let frozen = on("2029-01-10");
    assert!(
        frozen[0]
            .1
            .contains("refuses to create or update functions on it since 2029-01-10"),
        "{frozen:?}"
    );
}

/// A SAM template's runtime is judged too, in every family Lambda has.
#[test]
fn templates_of_other_languages_are_judged_by_the_same_catalogue() {
    let text = "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: dotnet6\n      Handler: a::b\n";
    let options = LintOptions {
        today: Some("2026-12-07".parse().unwrap()),
        ..LintOptions::default()
    };
    let report = lint_text("template.yaml", text, &options);
    let lmb004: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code == "LMB004")
        .collect();
    assert_eq!(lmb004.len(), 1, "{:#?}", report.findings);
    assert!(
        lmb004[0].message.ends_with("; use dotnet10"),
        "{}",
        lmb004[0].message
    );
}

/// Policies of the shapes AWS's guides give for common, safe setups (CloudFront origin access,
/// VPC endpoints, organization-only access by a Deny, S3, SNS, EventBridge and Route 53 with
/// source conditions, SNS's default topic policy, KMS key policies, OIDC and service trust,
/// Lambda logging and invoke permissions, ECR for Lambda, CloudTrail and ELB log buckets,
/// external ids, TLS-only and MFA denies, per-user DynamoDB keys): no finding at all.
#[test]
fn benign_policies_of_documented_shapes_raise_no_exposure_finding() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/benign");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(files.len() >= 23);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let findings = locate(&lint_text(&name, &text, &fixture_options()));
        assert!(findings.is_empty(), "{name}: {findings:#?}");
    }
}

/// A public API limited to an IP range by a Deny is still public, lowered.
#[test]
fn a_deny_outside_an_ip_range_lowers_a_public_allow() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/risky");
    let text = std::fs::read_to_string(dir.join("r7-apigw-ip.json")).unwrap();
    let findings = locate(&lint_text("r7-apigw-ip.json", &text, &fixture_options()));
    let [public] = findings.as_slice() else {
        panic!("{findings:#?}");
    };
    assert_eq!(public.code, "RES001");
    assert!(
        public
            .note
            .as_deref()
            .is_some_and(|n| n.contains("aws:SourceIp"))
    );
}

/// A condition any value satisfies narrows nothing, and a public website bucket is public.
#[test]
fn risky_policies_stay_flagged() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/risky");
    for name in ["p7-always-true.json", "q7-public-website.json"] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let findings = locate(&lint_text(name, &text, &fixture_options()));
        assert!(
            findings.iter().any(|f| f.code == "RES001"),
            "{name}: {findings:#?}"
        );
    }
}
