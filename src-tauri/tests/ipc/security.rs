//! The linter and least privilege: findings, previews and fixes, the code-aware analysis, the
//! generated policy, AccessDenied explanations and outlines.

use serde_json::{Value, json};

use super::support::Harness;

/// The commands this group covers.
pub const COMMANDS: &[&str] = &[
    "open_sample_project",
    "create_function",
    "write_file",
    "lint_project",
    "apply_lint_fix",
    "preview_lint_fix",
    "read_file",
    "lint_rule_docs",
    "analyze_project",
    "analyze_function",
    "outline_file",
    "explain_access_denied",
    "set_permissions",
    "preview_generated_policy",
];

#[test]
fn the_linter_and_least_privilege_answer_as_the_ui_expects() {
    let h = Harness::start("security", false);
    let call = |cmd: &str, body: Value| h.call(cmd, body);

    call("open_sample_project", json!({})).unwrap();
    // A function made from the Python template, analysed with the sample's below.
    call(
        "create_function",
        json!({ "name": "hello", "template": "python-http" }),
    )
    .unwrap();

    // Security: lint the sample with a policy added, preview and apply fixes.
    call(
        "write_file",
        json!({
            "path": "policies/read.json",
            "text": "{\"Version\": \"2008-10-17\", \"Statement\": [{\"Effect\": \"allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::b/${aws:username}/*\"}]}\n"
        }),
    )
    .unwrap();
    let report = call("lint_project", json!({})).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let by_code = |code: &str| {
        findings
            .iter()
            .find(|f| f["file"] == "policies/read.json" && f["code"] == code)
            .unwrap_or_else(|| panic!("{code} in {report}"))
            .clone()
    };
    let effect = by_code("IAM004");
    assert_eq!(effect["fix"]["applicability"], "safe");
    assert_eq!(effect["line"], 1);
    let version = by_code("IAM002");
    let refused = call(
        "apply_lint_fix",
        json!({ "findingId": version["id"], "confirm": false }),
    )
    .unwrap_err();
    assert_eq!(refused["code"], "invalid_input");
    let preview = call("preview_lint_fix", json!({ "findingId": version["id"] })).unwrap();
    assert!(
        preview["diff"]
            .as_str()
            .unwrap()
            .contains("+{\"Version\": \"2012-10-17\""),
        "{preview}"
    );
    call(
        "apply_lint_fix",
        json!({ "findingId": effect["id"], "confirm": false }),
    )
    .unwrap();
    let fixed = call("read_file", json!({ "path": "policies/read.json" })).unwrap();
    assert!(fixed["text"].as_str().unwrap().contains("\"Allow\""));
    let docs = call("lint_rule_docs", json!({})).unwrap();
    assert!(
        docs.as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "IAM002")
    );

    // Code-aware least privilege: every function of the sample analysed.
    let analysis = call("analyze_project", json!({})).unwrap();
    let analysed: Vec<&str> = analysis["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["analysis"]["function"].as_str().unwrap())
        .collect();
    assert_eq!(analysed, ["resize", "report", "hello"], "{analysis}");
    // The function made from the Python template above parses, and its handler is found.
    let hello = &analysis["functions"][2];
    assert_eq!(
        hello["analysis"]["files"][0]["parseProblems"],
        json!([]),
        "{hello}"
    );
    assert_eq!(
        hello["analysis"]["handler"]["problems"],
        json!([]),
        "{hello}"
    );

    // The least-privilege panel: a handler that lists the uploads bucket (not granted) and
    // writes thumbnails (granted), analysed, explained and fixed through the commands.
    let resize = call("read_file", json!({ "path": "src/resize.mjs" })).unwrap();
    let with_sdk = format!(
        "import {{ S3Client, ListObjectsV2Command, PutObjectCommand }} from \"@aws-sdk/client-s3\";\nconst s3 = new S3Client({{}});\nexport async function store(key, body) {{\n  await s3.send(new ListObjectsV2Command({{ Bucket: \"uploads\" }}));\n  await s3.send(new PutObjectCommand({{ Bucket: process.env.THUMBS_BUCKET, Key: key, Body: body }}));\n}}\n{}",
        resize["text"].as_str().unwrap()
    );
    call(
        "write_file",
        json!({ "path": "src/resize.mjs", "text": with_sdk }),
    )
    .unwrap();
    let analysed = call("analyze_function", json!({ "function": "resize" })).unwrap();
    let missing: Vec<&str> = analysed["analysis"]["comparison"]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["action"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["s3:ListBucket"], "{analysed}");
    let unused: Vec<&str> = analysed["analysis"]["comparison"]["unused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["action"].as_str().unwrap())
        .collect();
    assert_eq!(unused, ["s3:GetObject"], "{analysed}");
    let outline = call("outline_file", json!({ "path": "src/resize.mjs" })).unwrap();
    let names: Vec<&str> = outline["outline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"store") && names.contains(&"handler"),
        "{outline}"
    );
    let help = call(
        "explain_access_denied",
        json!({ "function": "resize", "text": "AccessDenied: User: arn:aws:sts::123456789012:assumed-role/thumbnails-resize/resize is not authorized to perform: s3:ListBucket on resource: \"arn:aws:s3:::uploads\" because no identity-based policy allows the s3:ListBucket action" }),
    )
    .unwrap();
    assert_eq!(
        help["explanation"]["denied"]["action"], "s3:ListBucket",
        "{help}"
    );
    assert_eq!(
        help["explanation"]["calls"][0]["location"]["line"], 4,
        "{help}"
    );
    let proposal = help["preview"]["permissions"].clone();
    assert!(
        help["preview"]["diff"]
            .as_str()
            .unwrap()
            .contains("s3:ListBucket"),
        "{help}"
    );
    call(
        "set_permissions",
        json!({ "function": "resize", "permissions": proposal }),
    )
    .unwrap();
    let policy = call("preview_generated_policy", json!({ "function": "resize" })).unwrap();
    assert!(
        policy["diff"]
            .as_str()
            .unwrap()
            .contains("-actions = [\"s3:GetObject\"]"),
        "{policy}"
    );
    call(
        "set_permissions",
        json!({ "function": "resize", "permissions": policy["permissions"] }),
    )
    .unwrap();
    let after = call("analyze_function", json!({ "function": "resize" })).unwrap();
    assert_eq!(
        after["analysis"]["comparison"],
        json!({ "missing": [], "unused": [] }),
        "{after}"
    );
    let manifest_now = call("read_file", json!({ "path": "functory.toml" })).unwrap();
    assert!(
        manifest_now["text"]
            .as_str()
            .unwrap()
            .contains("# images up to 20 MB fit comfortably"),
        "comments survive the permission edits"
    );

    h.assert_called_exactly(COMMANDS);
}
