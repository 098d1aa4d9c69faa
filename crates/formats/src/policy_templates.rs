//! The SAM policy templates Functory knows, with the statements SAM expands them to (as in
//! SAM's `policy_templates.json`). `{Param}` stands for the template's parameter. A template
//! that is not listed here is reported, not guessed.

/// (template, parameter, [(actions, resources)])
type Template = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static [&'static str], &'static [&'static str])],
);

const S3_RESOURCES: &[&str] = &["arn:aws:s3:::{BucketName}", "arn:aws:s3:::{BucketName}/*"];
const TABLE_RESOURCES: &[&str] = &[
    "arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/{TableName}",
    "arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/{TableName}/index/*",
];
const QUEUE_RESOURCES: &[&str] = &["arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:{QueueName}"];

const TEMPLATES: &[Template] = &[
    (
        "S3ReadPolicy",
        &["BucketName"],
        &[(
            &[
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:GetLifecycleConfiguration",
            ],
            S3_RESOURCES,
        )],
    ),
    (
        "S3WritePolicy",
        &["BucketName"],
        &[(
            &[
                "s3:PutObject",
                "s3:PutObjectAcl",
                "s3:PutLifecycleConfiguration",
            ],
            S3_RESOURCES,
        )],
    ),
    (
        "S3CrudPolicy",
        &["BucketName"],
        &[(
            &[
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:PutObject",
                "s3:PutObjectAcl",
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
                "s3:DeleteObject",
            ],
            S3_RESOURCES,
        )],
    ),
    (
        "DynamoDBCrudPolicy",
        &["TableName"],
        &[(
            &[
                "dynamodb:GetItem",
                "dynamodb:DeleteItem",
                "dynamodb:PutItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:UpdateItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
                "dynamodb:ConditionCheckItem",
            ],
            TABLE_RESOURCES,
        )],
    ),
    (
        "DynamoDBReadPolicy",
        &["TableName"],
        &[(
            &[
                "dynamodb:GetItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
            ],
            TABLE_RESOURCES,
        )],
    ),
    (
        "DynamoDBWritePolicy",
        &["TableName"],
        &[(
            &[
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:BatchWriteItem",
            ],
            TABLE_RESOURCES,
        )],
    ),
    (
        "SQSSendMessagePolicy",
        &["QueueName"],
        &[(&["sqs:SendMessage*"], QUEUE_RESOURCES)],
    ),
    (
        "SQSPollerPolicy",
        &["QueueName"],
        &[(
            &[
                "sqs:ChangeMessageVisibility",
                "sqs:ChangeMessageVisibilityBatch",
                "sqs:DeleteMessage",
                "sqs:DeleteMessageBatch",
                "sqs:GetQueueAttributes",
                "sqs:ReceiveMessage",
            ],
            QUEUE_RESOURCES,
        )],
    ),
    (
        "SNSPublishMessagePolicy",
        &["TopicName"],
        &[(
            &["sns:Publish"],
            &["arn:aws:sns:${AWS::Region}:${AWS::AccountId}:{TopicName}"],
        )],
    ),
    (
        "LambdaInvokePolicy",
        &["FunctionName"],
        &[(
            &["lambda:InvokeFunction"],
            &["arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:{FunctionName}*"],
        )],
    ),
    (
        "SSMParameterReadPolicy",
        &["ParameterName"],
        &[
            (&["ssm:DescribeParameters"], &["*"]),
            (
                &[
                    "ssm:GetParameters",
                    "ssm:GetParameter",
                    "ssm:GetParametersByPath",
                ],
                &["arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter/{ParameterName}"],
            ),
        ],
    ),
    (
        "AWSSecretsManagerGetSecretValuePolicy",
        &["SecretArn"],
        &[(&["secretsmanager:GetSecretValue"], &["{SecretArn}"])],
    ),
    (
        "KinesisStreamReadPolicy",
        &["StreamName"],
        &[
            (
                &["kinesis:ListStreams", "kinesis:DescribeLimits"],
                &["arn:aws:kinesis:${AWS::Region}:${AWS::AccountId}:stream/*"],
            ),
            (
                &[
                    "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary",
                    "kinesis:GetRecords",
                    "kinesis:GetShardIterator",
                ],
                &["arn:aws:kinesis:${AWS::Region}:${AWS::AccountId}:stream/{StreamName}"],
            ),
        ],
    ),
    (
        "EventBridgePutEventsPolicy",
        &["EventBusName"],
        &[(
            &["events:PutEvents"],
            &["arn:aws:events:${AWS::Region}:${AWS::AccountId}:event-bus/{EventBusName}"],
        )],
    ),
    (
        "VPCAccessPolicy",
        &[],
        &[(
            &[
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DetachNetworkInterface",
            ],
            &["*"],
        )],
    ),
];

/// One expanded statement: actions and resources.
pub type Statement = (Vec<String>, Vec<String>);

/// The statements of policy template `name` with its parameters filled in by `parameter`, or
/// `Err` with the names of the parameters `parameter` did not know. `None` for an unknown
/// template.
pub fn expand(
    name: &str,
    mut parameter: impl FnMut(&str) -> Option<String>,
) -> Option<Result<Vec<Statement>, Vec<&'static str>>> {
    let (_, parameters, statements) = TEMPLATES.iter().find(|(n, _, _)| *n == name)?;
    let mut values = Vec::new();
    let mut missing = Vec::new();
    for p in *parameters {
        match parameter(p) {
            Some(value) => values.push((*p, value)),
            None => missing.push(*p),
        }
    }
    if !missing.is_empty() {
        return Some(Err(missing));
    }
    let fill = |text: &str| {
        values.iter().fold(text.to_owned(), |t, (p, v)| {
            t.replace(&format!("{{{p}}}"), v)
        })
    };
    Some(Ok(statements
        .iter()
        .map(|(actions, resources)| {
            (
                actions.iter().map(|a| (*a).to_owned()).collect(),
                resources.iter().map(|r| fill(r)).collect(),
            )
        })
        .collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_with_parameters_and_reports_missing_ones() {
        let statements = expand("S3ReadPolicy", |_| Some("uploads".into()))
            .unwrap()
            .unwrap();
        assert_eq!(
            statements[0].1,
            ["arn:aws:s3:::uploads", "arn:aws:s3:::uploads/*"]
        );
        assert_eq!(
            expand("S3ReadPolicy", |_| None).unwrap(),
            Err(vec!["BucketName"])
        );
        assert!(expand("NoSuchPolicy", |_| None).is_none());
        assert!(expand("VPCAccessPolicy", |_| None).unwrap().is_ok());
    }
}
