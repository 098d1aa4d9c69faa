//! Input nobody should write still gets an answer: no panic, no stack overflow, the parse
//! errors with their lines.

use functory_analyze::{Env, analyze_file};

fn analyse_everywhere(text: &str) {
    for path in ["a.js", "a.mjs", "a.cjs", "a.ts", "a.mts", "a.py"] {
        let result = analyze_file(path, text, &Env::default(), Some("handler"));
        assert!(result.is_some(), "{path}");
    }
}

#[test]
fn empty_binary_and_odd_text() {
    analyse_everywhere("");
    analyse_everywhere("\u{0}\u{1}\u{2}\u{fffd}ÿþ");
    analyse_everywhere("// only a comment\n# and another\n");
    analyse_everywhere("const s3 = new S3Client(); s3.send(new GetObjectCommand(");
    analyse_everywhere("import boto3\ns3 = boto3.client(\ns3.get_object(Bucket='x'");
    analyse_everywhere("€€€ 💥 \"\"\" ''' ``` ${ {{{ ((( [[[");
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let depth = 20_000;
    let parens = format!(
        "const {{ S3Client, GetObjectCommand }} = require('@aws-sdk/client-s3');\nconst s3 = new S3Client();\nconst b = {}'x'{};\ns3.send(new GetObjectCommand({{ Bucket: b }}));\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    analyse_everywhere(&parens);
    let sum = format!(
        "const b = {};\nclient.send(new GetObjectCommand({{ Bucket: b }}));\nx = {}\n",
        vec!["'a'"; depth].join(" + "),
        vec!["'a'"; depth].join(" + ")
    );
    analyse_everywhere(&sum);
    let members = format!("const b = a{};\n", ".b".repeat(depth));
    analyse_everywhere(&members);
    let calls = format!("x = {}1{}\n", "f(".repeat(depth), ")".repeat(depth));
    analyse_everywhere(&calls);
}

#[test]
fn a_syntax_error_is_reported_with_its_line_and_the_rest_is_analysed() {
    let text = "import boto3\n\ns3 = boto3.client('s3')\n\ndef broken(:\n    pass\n\ndef handler(event, context):\n    return s3.get_object(Bucket='b', Key='k')\n";
    let result = analyze_file("app.py", text, &Env::default(), Some("handler")).expect("python");
    assert_eq!(
        result.file.parse_problems.first().map(|p| p.location.line),
        Some(5)
    );
    assert_eq!(result.calls.len(), 1);
    assert_eq!(result.calls[0].actions, ["s3:GetObject"]);
}
