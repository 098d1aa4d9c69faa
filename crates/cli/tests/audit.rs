//! `functory audit` against a real moto account built by `bench/audit/fixture.py`: every
//! planted risk is reported with its rule, the clean controls report nothing, the secret
//! planted in an environment variable appears in no report, and every format is written.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use common::{functory_with, text};
use functory_api::aws::moto::{MotoServer, venv_dir};

struct Account {
    moto: MotoServer,
    dir: tempfile::TempDir,
    aws: tempfile::TempDir,
    secret: String,
    expected: BTreeMap<String, Vec<String>>,
}

const CREDENTIALS: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
    (
        "AWS_SECRET_ACCESS_KEY",
        "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
    ),
];

impl Account {
    fn new(functions: usize) -> Account {
        let moto = MotoServer::start().unwrap_or_else(|e| panic!("{e}"));
        moto.lambda_without_docker()
            .unwrap_or_else(|e| panic!("{e}"));
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/audit/fixture.py");
        let built = Command::new(venv_dir().join("bin/python"))
            .arg(&fixture)
            .arg(functions.to_string())
            .envs(CREDENTIALS.iter().copied())
            .env("AWS_ENDPOINT_URL", moto.endpoint_url())
            .env("AWS_DEFAULT_REGION", "eu-west-1")
            .output()
            .expect("the fixture script runs");
        assert!(built.status.success(), "{}", text(&built.stderr));
        let planted: serde_json::Value =
            serde_json::from_slice(&built.stdout).expect("the fixture prints JSON");
        let secret = planted["secret"].as_str().expect("a secret").to_owned();
        let expected = serde_json::from_value(planted["expected"].clone()).expect("expectations");
        let dir = tempfile::tempdir().expect("a project folder");
        std::fs::write(
            dir.path().join("functory.toml"),
            "[project]\nname = \"audit\"\n\n[targets.prod]\nadapter = \"aws\"\nregion = \"eu-west-1\"\nprofile = \"auditor\"\n",
        )
        .expect("manifest");
        let aws = tempfile::tempdir().expect("an AWS config folder");
        std::fs::write(
            aws.path().join("config"),
            "[profile auditor]\nregion = eu-west-1\n",
        )
        .expect("config");
        std::fs::write(
            aws.path().join("credentials"),
            format!(
                "[auditor]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
                CREDENTIALS[0].1, CREDENTIALS[1].1
            ),
        )
        .expect("credentials");
        Account {
            moto,
            dir,
            aws,
            secret,
            expected,
        }
    }

    fn audit(&self, args: &[&str]) -> Output {
        let config = self.aws.path().join("config");
        let credentials = self.aws.path().join("credentials");
        let endpoint = self.moto.endpoint_url();
        let mut all = vec!["audit", "--target", "prod"];
        all.extend_from_slice(args);
        functory_with(
            &all,
            Some(self.dir.path()),
            &[
                ("AWS_CONFIG_FILE", config.to_str().expect("UTF-8 path")),
                (
                    "AWS_SHARED_CREDENTIALS_FILE",
                    credentials.to_str().expect("UTF-8 path"),
                ),
                ("AWS_ENDPOINT_URL", endpoint.as_str()),
                ("AWS_EC2_METADATA_DISABLED", "true"),
            ],
            "functory-cli-audit-test",
            "",
        )
    }
}

#[test]
fn every_planted_risk_is_reported_and_the_controls_are_clean() {
    let account = Account::new(16);
    let output = account.audit(&["--format", "json"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        !stdout.contains(&account.secret),
        "the secret leaked into the JSON report"
    );
    assert!(!text(&output.stderr).contains(&account.secret));
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let functions = report["functions"].as_array().expect("functions");
    assert_eq!(functions.len(), account.expected.len());
    for function in functions {
        let name = function["name"].as_str().expect("a name");
        let codes: Vec<&str> = function["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter_map(|f| f["code"].as_str())
            .collect();
        let expected = &account.expected[name];
        if expected.is_empty() {
            assert!(
                codes.is_empty(),
                "{name} is a clean control, yet: {codes:?}"
            );
        }
        for code in expected {
            assert!(
                codes.contains(&code.as_str()),
                "{name}: {code} missing from {codes:?}"
            );
        }
    }
    // The escalations are named by their pathfinding.cloud ids.
    assert!(
        stdout.contains("lambda-001") && stdout.contains("iam-001"),
        "{stdout}"
    );
    assert!(report["notRead"].as_array().is_some_and(Vec::is_empty));
}

#[test]
fn reports_in_every_format_and_the_exit_status_follows_fail_on() {
    let account = Account::new(8);
    let text_report = account.audit(&[]);
    assert!(text_report.status.success());
    let lines = text(&text_report.stdout);
    assert!(
        lines.contains("eu-west-1/fn-0001-public-url: LMB001 [high]"),
        "{lines}"
    );
    assert!(
        lines.contains("findings in 8 functions of prod (eu-west-1)"),
        "{lines}"
    );
    assert!(!lines.contains(&account.secret));

    let sarif = account.audit(&["--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(results.iter().any(|r| r["ruleId"] == "IAM201"
        && r["locations"][0]["logicalLocations"][0]["name"] == "fn-0004-admin-role"));

    let html_path = account.dir.path().join("audit.html");
    let html = account.audit(&["--format", "html", "-o", html_path.to_str().expect("UTF-8")]);
    assert!(html.status.success(), "{}", text(&html.stderr));
    let page = std::fs::read_to_string(&html_path).expect("the report is written");
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<svg") && page.contains("Findings by severity"));
    assert!(page.contains("id=\"eu-west-1-fn-0005-escalation\""));
    assert!(
        !page.contains(&account.secret),
        "the secret leaked into the HTML report"
    );
    assert!(
        !page.contains("<script") && !page.contains("http://"),
        "self-contained"
    );

    let failing = account.audit(&["--fail-on", "critical"]);
    assert_eq!(
        failing.status.code(),
        Some(1),
        "an administrator role is critical"
    );
    let passing = account.audit(&["--fail-on", "never"]);
    assert_eq!(passing.status.code(), Some(0));
}
