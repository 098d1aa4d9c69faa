//! The shapes real handlers take, one small project each: clients made by factories in other
//! files, clients handed to functions, CommonJS helpers, TypeScript typed parameters, library
//! helpers (Powertools), and what cannot be resolved reported with its line.

use std::collections::HashMap;

use functory_analyze::{Analysis, SourceReader, analyze_function};
use functory_core::{ProjectFiles, parse_manifest};

struct Project(HashMap<&'static str, &'static str>);

impl SourceReader for Project {
    fn read(&self, relative: &str) -> Option<String> {
        self.0.get(relative).map(|s| (*s).to_owned())
    }
}

impl ProjectFiles for Project {
    fn is_file(&self, relative: &str) -> bool {
        self.0.contains_key(relative)
    }
}

fn analyse(runtime: &str, handler: &str, files: &[(&'static str, &'static str)]) -> Analysis {
    let project = Project(files.iter().copied().collect());
    let manifest = format!(
        "[project]\nname = \"shapes\"\n\n[functions.fn]\nruntime = \"{runtime}\"\nhandler = \"{handler}\"\n"
    );
    let parsed = parse_manifest(&manifest, "functory.toml", &project);
    let manifest = parsed.manifest.expect("the manifest parses");
    analyze_function(&manifest.functions[0], None, &project)
}

/// `action on resource` for every permission the code needs.
fn needs(analysis: &Analysis) -> Vec<String> {
    let mut out: Vec<String> = analysis
        .required
        .iter()
        .map(|r| format!("{} on {}", r.action, r.resource))
        .collect();
    out.sort();
    out
}

#[test]
fn a_client_from_a_factory_in_another_file_is_that_service() {
    let analysis = analyse(
        "python3.12",
        "app.handler",
        &[
            (
                "helper.py",
                "import boto3\n\nclass Aws:\n    def client(self, name, region=None):\n        return boto3.client(name, region_name=region)\n",
            ),
            (
                "app.py",
                "from helper import Aws\n\ndef handler(event, context):\n    textract = Aws().client('textract')\n    textract.detect_document_text(Document={'S3Object': {'Bucket': 'scans', 'Name': 'a.png'}})\n",
            ),
        ],
    );
    assert_eq!(
        needs(&analysis),
        [
            "s3:GetObject on arn:aws:s3:::scans/a.png",
            "textract:DetectDocumentText on *"
        ]
    );
    let dependency = analysis
        .required
        .iter()
        .find(|r| r.action == "s3:GetObject")
        .and_then(|r| r.because.clone())
        .unwrap_or_default();
    assert!(
        dependency.contains("textract:DetectDocumentText"),
        "{dependency}"
    );
    assert!(
        analysis.not_understood.is_empty(),
        "{:?}",
        analysis.not_understood
    );
}

#[test]
fn a_client_handed_to_a_function_is_known_inside_it() {
    let analysis = analyse(
        "python3.12",
        "app.handler",
        &[(
            "app.py",
            "import boto3\n\ndef post(api, connection, data):\n    api.post_to_connection(ConnectionId=connection, Data=data)\n\ndef handler(event, context):\n    client = boto3.client('apigatewaymanagementapi', endpoint_url='https://x')\n    post(client, 'abc', b'hi')\n",
        )],
    );
    assert_eq!(
        needs(&analysis),
        ["execute-api:ManageConnections on arn:aws:execute-api:*:*:*/*/*/*"]
    );
}

#[test]
fn a_service_known_only_at_run_time_is_reported_with_its_line() {
    let analysis = analyse(
        "python3.12",
        "app.handler",
        &[(
            "app.py",
            "import os\nimport boto3\n\ndef handler(event, context):\n    client = boto3.client(os.environ['SERVICE'])\n    client.do_it()\n",
        )],
    );
    assert!(needs(&analysis).is_empty());
    let [unknown] = analysis.not_understood.as_slice() else {
        panic!("{:?}", analysis.not_understood);
    };
    assert_eq!(unknown.location.line, 5);
    assert!(
        unknown.reason.contains("known only at run time"),
        "{}",
        unknown.reason
    );
}

#[test]
fn commonjs_helpers_and_clients_kept_on_exports_are_followed() {
    let analysis = analyse(
        "nodejs20.x",
        "index.handler",
        &[
            (
                "index.js",
                "const store = require('./lib/store');\nexports.handler = async (event) => store.save(event);\n",
            ),
            (
                "lib/store.js",
                "const AWS = require('aws-sdk');\nexports.firehose = new AWS.Firehose();\nexports.save = (records) => exports.firehose.putRecordBatch({ DeliveryStreamName: 'events', Records: records }).promise();\n",
            ),
        ],
    );
    assert_eq!(
        needs(&analysis),
        ["firehose:PutRecordBatch on arn:aws:firehose:*:*:deliverystream/events"]
    );
}

#[test]
fn a_typescript_parameter_typed_as_a_client_is_that_client() {
    let analysis = analyse(
        "nodejs20.x",
        "index.handler",
        &[(
            "index.ts",
            "import Rekognition from 'aws-sdk/clients/rekognition';\n\nclass Faces {\n  constructor(private readonly rekognition: Rekognition) {}\n  find(image: Buffer) {\n    return this.rekognition.detectFaces({ Image: { Bytes: image } }).promise();\n  }\n}\n\nexport const handler = async () => new Faces(new Rekognition()).find(Buffer.from(''));\n",
        )],
    );
    assert_eq!(needs(&analysis), ["rekognition:DetectFaces on *"]);
}

#[test]
fn powertools_helpers_are_the_calls_they_make() {
    let python = analyse(
        "python3.12",
        "app.handler",
        &[(
            "app.py",
            "from aws_lambda_powertools.utilities import parameters\nfrom aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, idempotent\n\nlayer = DynamoDBPersistenceLayer(table_name='idempotency')\n\n@idempotent(persistence_store=layer)\ndef handler(event, context):\n    return parameters.get_parameter('/app/endpoint')\n",
        )],
    );
    assert_eq!(
        needs(&python),
        [
            "dynamodb:DeleteItem on arn:aws:dynamodb:*:*:table/idempotency",
            "dynamodb:GetItem on arn:aws:dynamodb:*:*:table/idempotency",
            "dynamodb:PutItem on arn:aws:dynamodb:*:*:table/idempotency",
            "dynamodb:UpdateItem on arn:aws:dynamodb:*:*:table/idempotency",
            "ssm:GetParameter on arn:aws:ssm:*:*:parameter/app/endpoint",
        ]
    );
    let typescript = analyse(
        "nodejs20.x",
        "index.handler",
        &[(
            "index.ts",
            "import { getSecret } from '@aws-lambda-powertools/parameters/secrets';\n\nexport const handler = async () => getSecret('db-password');\n",
        )],
    );
    assert_eq!(
        needs(&typescript),
        ["secretsmanager:GetSecretValue on arn:aws:secretsmanager:*:*:secret:db-password-*"]
    );
}

#[test]
fn a_missing_dependency_says_why_the_call_needs_it() {
    let project = Project(
        [
            (
                "app.py",
                "import boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n    s3.put_object(Bucket='media', Key='a.png', Body=b'', ACL='public-read')\n",
            ),
        ]
        .into_iter()
        .collect(),
    );
    let manifest = "[project]\nname = \"acl\"\n\n[functions.fn]\nruntime = \"python3.12\"\nhandler = \"app.handler\"\n\n[[functions.fn.permissions]]\nactions = [\"s3:PutObject\"]\nresources = [\"arn:aws:s3:::media/*\"]\n";
    let parsed = parse_manifest(manifest, "functory.toml", &project);
    let manifest = parsed.manifest.expect("the manifest parses");
    let analysis = analyze_function(&manifest.functions[0], None, &project);
    let [missing] = analysis.comparison.missing.as_slice() else {
        panic!("{:?}", analysis.comparison.missing);
    };
    assert_eq!(missing.action, "s3:PutObjectAcl");
    assert!(
        missing.why.contains("sets the object's ACL"),
        "{}",
        missing.why
    );
}

#[test]
fn a_javascript_function_returning_a_client_is_that_client() {
    let analysis = analyse(
        "nodejs20.x",
        "index.handler",
        &[(
            "index.js",
            "const AWS = require('aws-sdk');\n\nconst s3 = () => new AWS.S3();\nfunction documents() {\n  if (process.env.LOCAL) {\n    const inner = () => 42;\n  }\n  return new AWS.DynamoDB.DocumentClient();\n}\n\nexports.handler = async () => {\n  await s3().putObject({ Bucket: 'media', Key: 'a.png', Body: '' }).promise();\n  await documents().get({ TableName: 'orders', Key: { id: 1 } }).promise();\n};\n",
        )],
    );
    assert_eq!(
        needs(&analysis),
        [
            "dynamodb:GetItem on arn:aws:dynamodb:*:*:table/orders",
            "s3:PutObject on arn:aws:s3:::media/a.png"
        ]
    );
}
