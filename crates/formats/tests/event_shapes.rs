//! The events Functory generates (the Run & Logs samples, `functory events generate`, and the
//! local gateway's requests) against the sample events AWS publishes for the same sources
//! (copied from the AWS SAM CLI with their licence notice: `tests/fixtures/aws-samples/`,
//! `scripts/event-samples/refresh.sh`): every key AWS's sample has, Functory's has too.
//!
//! What is compared is the shape, not the data: below a map whose keys are the request's or
//! the item's own (headers, parameters, attributes, claims, a record's images) the sample's
//! keys are its example data, and keys AWS sends only when the request has them (a body, path
//! parameters, cookies, an authorizer) are listed per event.

use std::collections::BTreeSet;

use functory_formats::events::{EventInput, EventKind, generate};
use serde_json::Value;

/// Maps whose keys are data: only the map itself is compared.
const DATA_MAPS: &[&str] = &[
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
    "MessageAttributes",
    "claims",
    "Keys",
    "NewImage",
    "OldImage",
];

fn key_paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = format!("{prefix}.{key}");
                out.insert(path.clone());
                if !DATA_MAPS.contains(&key.as_str()) {
                    key_paths(child, &path, out);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                key_paths(item, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

fn sample(file: &str) -> Value {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/aws-samples/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the sample exists");
    serde_json::from_str(&text).expect("the sample is JSON")
}

#[test]
fn every_key_of_aws_published_samples_is_in_functorys_events() {
    // (Functory's event, AWS's sample, keys AWS's sample has that this request does not send)
    let pairs: [(EventKind, &str, &[&str]); 11] = [
        (EventKind::ApiGatewayRest, "AwsProxy.json", &[]),
        (
            EventKind::ApiGatewayHttp,
            "HttpApi.json",
            // A GET without a body, cookies, path or query parameters, stage variables, mutual
            // TLS or an authorizer: HTTP APIs leave these keys out of such a request's event.
            &[
                ".body",
                ".cookies",
                ".pathParameters",
                ".queryStringParameters",
                ".stageVariables",
                ".requestContext.authentication",
                ".requestContext.authentication.clientCert",
                ".requestContext.authentication.clientCert.clientCertPem",
                ".requestContext.authentication.clientCert.issuerDN",
                ".requestContext.authentication.clientCert.serialNumber",
                ".requestContext.authentication.clientCert.subjectDN",
                ".requestContext.authentication.clientCert.validity",
                ".requestContext.authentication.clientCert.validity.notAfter",
                ".requestContext.authentication.clientCert.validity.notBefore",
                ".requestContext.authorizer",
                ".requestContext.authorizer.jwt",
                ".requestContext.authorizer.jwt.claims",
                ".requestContext.authorizer.jwt.scopes",
            ],
        ),
        (EventKind::S3Put, "S3Put.json", &[]),
        (EventKind::S3Delete, "S3Delete.json", &[]),
        (EventKind::Sqs, "Sqs.json", &[]),
        (EventKind::Sns, "Sns.json", &[]),
        (EventKind::EventBridgeSchedule, "ScheduledEvent.json", &[]),
        (
            EventKind::DynamoDbStream,
            "DynamoDBUpdate.json",
            // AWS's sample is a batch of INSERT, MODIFY and REMOVE records; Functory's is an
            // INSERT, which has no old image.
            &[".Records[].dynamodb.OldImage"],
        ),
        (EventKind::Kinesis, "Kinesis.json", &[]),
        (EventKind::Alb, "ALBRequest.json", &[]),
        (EventKind::Firehose, "KinesisFirehose.json", &[]),
    ];
    let mut missing = Vec::new();
    for (kind, file, absent) in pairs {
        let mut theirs = BTreeSet::new();
        key_paths(&sample(file), "", &mut theirs);
        let mut ours = BTreeSet::new();
        key_paths(&generate(kind, &EventInput::new("work")), "", &mut ours);
        for path in theirs.difference(&ours) {
            if !absent.contains(&path.as_str()) {
                missing.push(format!("{} lacks {path} (in {file})", kind.name()));
            }
        }
        // The listed exceptions are real: each is in AWS's sample and not in Functory's.
        for path in absent {
            assert!(
                theirs.contains(*path) && !ours.contains(*path),
                "{}: exception {path} is stale",
                kind.name()
            );
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
