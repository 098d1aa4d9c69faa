//! What moto never shows, with the answers real Lambda gives (HTTP status, `x-amzn-errortype`,
//! JSON body), replayed by `aws-smithy-mocks`: functions Pending then Active, updates
//! InProgress, 409 conflicts, a new role that cannot be assumed yet, throttling, a 404 invoke,
//! a handler error with its log tail, and an HTTP API stage update (moto keeps no route settings).

use aws_sdk_lambda::operation::create_function::CreateFunctionOutput;
use aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput;
use aws_sdk_lambda::operation::update_function_code::UpdateFunctionCodeOutput;
use aws_sdk_lambda::types::{LastUpdateStatus, State};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use base64::Engine;
use functory_adapter::{AdapterError, InvokeOptions};

use super::{AwsAdapter, AwsSettings};

fn lambda_error(status: u16, code: &str, message: &str) -> HttpResponse {
    let body = serde_json::json!({ "Type": "User", "message": message }).to_string();
    let mut response = HttpResponse::new(
        StatusCode::try_from(status).expect("a valid status"),
        SdkBody::from(body),
    );
    response
        .headers_mut()
        .insert("x-amzn-errortype", code.to_owned());
    response
        .headers_mut()
        .insert("content-type", "application/json");
    response
}

fn adapter(rules: &[&Rule]) -> AwsAdapter {
    let lambda = mock_client!(aws_sdk_lambda, RuleMode::MatchAny, rules);
    let no_rules: &[&Rule] = &[];
    let iam = mock_client!(aws_sdk_iam, RuleMode::Sequential, no_rules);
    let logs = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::Sequential, no_rules);
    AwsAdapter::from_clients("prod", lambda, iam, logs, AwsSettings::fast())
}

fn configuration(state: State, update: LastUpdateStatus) -> GetFunctionConfigurationOutput {
    GetFunctionConfigurationOutput::builder()
        .function_name("resize")
        .state(state)
        .last_update_status(update)
        .build()
}

#[tokio::test]
async fn waits_while_pending_and_in_progress() {
    let config = mock!(aws_sdk_lambda::Client::get_function_configuration)
        .sequence()
        .output(|| configuration(State::Pending, LastUpdateStatus::InProgress))
        .times(2)
        .output(|| configuration(State::Active, LastUpdateStatus::InProgress))
        .output(|| configuration(State::Active, LastUpdateStatus::Successful))
        .build();
    let adapter = adapter(&[&config]);
    adapter
        .wait_until_ready("resize")
        .await
        .expect("becomes ready");
    assert_eq!(config.num_calls(), 4);
}

#[tokio::test]
async fn a_failed_update_is_reported_with_its_reason() {
    let config = mock!(aws_sdk_lambda::Client::get_function_configuration).then_output(|| {
        GetFunctionConfigurationOutput::builder()
            .state(State::Active)
            .last_update_status(LastUpdateStatus::Failed)
            .last_update_status_reason("The handler file is missing")
            .build()
    });
    let error = adapter(&[&config])
        .wait_until_ready("resize")
        .await
        .expect_err("the update failed");
    assert!(
        error
            .to_string()
            .contains("the last update of `resize` failed: The handler file is missing"),
        "{error}"
    );
}

#[tokio::test]
async fn a_409_waits_for_the_update_in_progress_then_retries() {
    let update = mock!(aws_sdk_lambda::Client::update_function_code)
        .sequence()
        .http_response(|| {
            lambda_error(
                409,
                "ResourceConflictException",
                "The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:eu-west-1:123456789012:function:resize",
            )
        })
        .output(|| UpdateFunctionCodeOutput::builder().code_sha256("abc").build())
        .build();
    let config = mock!(aws_sdk_lambda::Client::get_function_configuration)
        .sequence()
        .output(|| configuration(State::Active, LastUpdateStatus::InProgress))
        .output(|| configuration(State::Active, LastUpdateStatus::Successful))
        .build();
    let adapter = adapter(&[&update, &config]);
    let output = adapter
        .retry_conflicts("resize", || async {
            adapter
                .lambda
                .update_function_code()
                .function_name("resize")
                .send()
                .await
                .map_err(|e| adapter.failure(&e, "Lambda UpdateFunctionCode of `resize`"))
        })
        .await
        .expect("the retry succeeds");
    assert_eq!(output.code_sha256(), Some("abc"));
    assert_eq!(update.num_calls(), 2);
    assert_eq!(config.num_calls(), 2);
}

#[tokio::test]
async fn create_function_is_retried_while_the_new_role_propagates() {
    let create = mock!(aws_sdk_lambda::Client::create_function)
        .sequence()
        .http_response(|| {
            lambda_error(
                400,
                "InvalidParameterValueException",
                "The role defined for the function cannot be assumed by Lambda.",
            )
        })
        .times(3)
        .output(|| {
            CreateFunctionOutput::builder()
                .function_arn("arn:aws:lambda:eu-west-1:123456789012:function:resize")
                .build()
        })
        .build();
    let adapter = adapter(&[&create]);
    let arn = adapter
        .with_role_retry("resize", || async {
            adapter
                .lambda
                .create_function()
                .function_name("resize")
                .send()
                .await
                .map_err(|e| adapter.failure(&e, "Lambda CreateFunction `resize`"))
        })
        .await
        .expect("created once the role propagated");
    assert_eq!(
        arn.function_arn(),
        Some("arn:aws:lambda:eu-west-1:123456789012:function:resize")
    );
    assert_eq!(create.num_calls(), 4);

    // A role that never becomes assumable ends with a message saying what to check.
    let never = mock!(aws_sdk_lambda::Client::create_function)
        .sequence()
        .http_response(|| {
            lambda_error(
                400,
                "InvalidParameterValueException",
                "The role defined for the function cannot be assumed by Lambda.",
            )
        })
        .repeatedly()
        .build();
    let adapter = AwsAdapter {
        settings: AwsSettings {
            role_propagation_timeout: std::time::Duration::from_millis(100),
            ..AwsSettings::fast()
        },
        ..adapter_with(&never)
    };
    let error = adapter
        .with_role_retry("resize", || async {
            adapter
                .lambda
                .create_function()
                .function_name("resize")
                .send()
                .await
                .map_err(|e| adapter.failure(&e, "Lambda CreateFunction `resize`"))
        })
        .await
        .expect_err("never assumable");
    assert!(
        error.to_string().contains("trusts lambda.amazonaws.com"),
        "{error}"
    );
}

fn adapter_with(rule: &Rule) -> AwsAdapter {
    adapter(&[rule])
}

#[tokio::test]
async fn throttling_names_the_call_and_the_account() {
    let throttled = mock!(aws_sdk_lambda::Client::invoke)
        .sequence()
        .http_response(|| lambda_error(429, "TooManyRequestsException", "Rate Exceeded."))
        .repeatedly()
        .build();
    let error = adapter(&[&throttled])
        .invoke_function(InvokeOptions::new("resize", "{}"))
        .await
        .expect_err("throttled");
    let AdapterError::Throttled { message } = &error else {
        panic!("expected Throttled, got {error:?}");
    };
    assert!(
        message.starts_with("Lambda Invoke `resize` for account `prod` was throttled by AWS (TooManyRequestsException: Rate Exceeded.)"),
        "{message}"
    );
}

#[tokio::test]
async fn invoking_a_missing_function_is_not_found() {
    let missing = mock!(aws_sdk_lambda::Client::invoke).then_http_response(|| {
        lambda_error(
            404,
            "ResourceNotFoundException",
            "Function not found: arn:aws:lambda:eu-west-1:123456789012:function:nope",
        )
    });
    let error = adapter(&[&missing])
        .invoke_function(InvokeOptions::new("nope", "{}"))
        .await
        .expect_err("not found");
    assert!(
        matches!(&error, AdapterError::NotFound { what } if what == "function `nope`"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_handler_error_comes_back_as_a_result_with_its_log_tail() {
    let log = "START RequestId: 1f0 Version: $LATEST\n2026-11-26T10:00:00.000Z\t1f0\tERROR\tInvoke Error\nEND RequestId: 1f0\nREPORT RequestId: 1f0\tDuration: 3.10 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\n";
    let encoded = base64::engine::general_purpose::STANDARD.encode(log);
    let failing = mock!(aws_sdk_lambda::Client::invoke).then_http_response(move || {
        let mut response = HttpResponse::new(
            StatusCode::try_from(200).expect("200"),
            SdkBody::from(
                r#"{"errorType":"TypeError","errorMessage":"Cannot read properties of undefined","stackTrace":["TypeError: Cannot read properties of undefined","    at Runtime.handler (/var/task/index.js:3:20)"]}"#,
            ),
        );
        response.headers_mut().insert("X-Amz-Function-Error", "Unhandled");
        response.headers_mut().insert("X-Amz-Log-Result", encoded.clone());
        response.headers_mut().insert("X-Amz-Executed-Version", "7");
        response.headers_mut().insert("x-amzn-RequestId", "1f0");
        response
    });
    let invocation = adapter(&[&failing])
        .invoke_function(InvokeOptions::new("resize", "{}").with_log_tail())
        .await
        .expect("a handler error is still a completed invoke");
    assert_eq!(invocation.status_code, 200);
    assert_eq!(invocation.request_id, "1f0");
    assert_eq!(invocation.executed_version, "7");
    let error = invocation.function_error.clone().expect("a function error");
    assert_eq!(error.error_type, "TypeError");
    assert_eq!(error.message, "Cannot read properties of undefined");
    let document = invocation.payload_json().expect("the error document");
    assert_eq!(
        document["stackTrace"][1],
        "    at Runtime.handler (/var/task/index.js:3:20)"
    );
    assert_eq!(invocation.log_tail.as_deref(), Some(log));
    assert_eq!(
        invocation
            .metrics
            .expect("REPORT figures")
            .billed_duration_ms,
        4
    );
}

/// A local stand-in for S3's presigned download: `/code.zip` answers `zip`, anything else 403
/// with S3's AccessDenied body (an expired link). Answers as many requests as come.
async fn serve_code(zip: Vec<u8>) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let port = listener.local_addr().expect("an address").port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let zip = zip.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buffer = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                let request = String::from_utf8_lossy(&head);
                let path = request.split_whitespace().nth(1).unwrap_or_default();
                let (status, body, kind) = if path.starts_with("/code.zip?") {
                    ("200 OK", zip, "application/zip")
                } else {
                    (
                        "403 Forbidden",
                        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>".to_vec(),
                        "application/xml",
                    )
                };
                let answer = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.write_all(&body).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn import_reads_the_function_and_downloads_its_code_from_the_presigned_location() {
    use aws_sdk_lambda::operation::get_function::GetFunctionOutput;
    use aws_sdk_lambda::operation::list_event_source_mappings::ListEventSourceMappingsOutput;
    use aws_sdk_lambda::types::{
        EnvironmentResponse, FunctionCodeLocation, FunctionConfiguration, Runtime,
    };

    use crate::package::{Unpacked, package_function, unpack};

    // The deployed code: what `package` would have uploaded.
    let source = tempfile::tempdir().unwrap();
    std::fs::write(
        source.path().join("index.js"),
        "exports.handler = async () => 1;\n",
    )
    .unwrap();
    std::fs::create_dir_all(source.path().join("lib")).unwrap();
    std::fs::write(source.path().join("lib/util.js"), "module.exports = 2;\n").unwrap();
    let function = functory_core::Function {
        name: "resize".into(),
        runtime: "nodejs20.x".into(),
        handler: "index.handler".into(),
        code_dir: ".".into(),
        handler_file: None,
        memory_mb: 256,
        timeout_s: 30,
        environment: vec![],
        triggers: vec![],
        permissions: vec![],
    };
    let package = package_function(source.path(), &function, source.path()).unwrap();
    let port = serve_code(package.zip.clone()).await;
    let signature = "X-Amz-Signature=0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    let location = format!("http://127.0.0.1:{port}/code.zip?{signature}");

    let not_found = |what: &'static str| {
        move || {
            lambda_error(
                404,
                "ResourceNotFoundException",
                &format!("{what} not found"),
            )
        }
    };
    let get_function = mock!(aws_sdk_lambda::Client::get_function).then_output(move || {
        GetFunctionOutput::builder()
            .configuration(
                FunctionConfiguration::builder()
                    .function_name("resize")
                    .function_arn("arn:aws:lambda:eu-west-1:123456789012:function:resize")
                    .runtime(Runtime::Nodejs20x)
                    .handler("index.handler")
                    .memory_size(256)
                    .timeout(30)
                    .role("arn:aws:iam::123456789012:role/service-role/resize-role")
                    .environment(
                        EnvironmentResponse::builder()
                            .variables("BUCKET", "thumbs")
                            .variables("STRIPE_KEY", "sk_live_51H8abcdefghijklmnopqrstu")
                            .build(),
                    )
                    .build(),
            )
            .code(
                FunctionCodeLocation::builder()
                    .repository_type("S3")
                    .location(location.clone())
                    .build(),
            )
            .build()
    });
    let url = mock!(aws_sdk_lambda::Client::get_function_url_config)
        .then_http_response(not_found("function URL"));
    let policy = mock!(aws_sdk_lambda::Client::get_policy).then_http_response(not_found("policy"));
    let mappings = mock!(aws_sdk_lambda::Client::list_event_source_mappings)
        .then_output(|| ListEventSourceMappingsOutput::builder().build());
    let lambda = mock_client!(
        aws_sdk_lambda,
        RuleMode::MatchAny,
        &[&get_function, &url, &policy, &mappings]
    );
    let inline = mock!(aws_sdk_iam::Client::list_role_policies).then_output(|| {
        aws_sdk_iam::operation::list_role_policies::ListRolePoliciesOutput::builder()
            .set_policy_names(Some(vec![]))
            .build()
            .expect("an output")
    });
    let attached = mock!(aws_sdk_iam::Client::list_attached_role_policies).then_output(|| {
        aws_sdk_iam::operation::list_attached_role_policies::ListAttachedRolePoliciesOutput::builder()
            .build()
    });
    let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, &[&inline, &attached]);
    let schedules = mock!(aws_sdk_scheduler::Client::list_schedules).then_output(|| {
        aws_sdk_scheduler::operation::list_schedules::ListSchedulesOutput::builder()
            .set_schedules(Some(vec![]))
            .build()
            .expect("an output")
    });
    let scheduler = mock_client!(aws_sdk_scheduler, RuleMode::MatchAny, &[&schedules]);
    let no_rules: &[&Rule] = &[];
    let logs = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::Sequential, no_rules);
    let adapter = AwsAdapter::from_clients("prod", lambda, iam, logs, AwsSettings::fast())
        .with_scheduler_client(scheduler);

    let imported = adapter
        .read_for_import("resize", None)
        .await
        .expect("read for import");
    assert_eq!(
        (
            imported.runtime.as_str(),
            imported.handler.as_str(),
            imported.memory_mb,
            imported.timeout_s
        ),
        ("nodejs20.x", "index.handler", 256, 30)
    );
    assert_eq!(imported.qualifier, None);
    assert!(imported.triggers.is_empty());
    // The presigned URL is a secret of sorts: it never prints.
    assert!(!format!("{imported:?}").contains(signature));
    assert!(!format!("{imported:?}").contains("sk_live_"));

    let location = imported.code_location.as_ref().expect("a code location");
    let zip = adapter.download_code(location).await.expect("downloaded");
    assert_eq!(zip, package.zip);

    // Unpacked into the function's folder; an edited file is kept unless asked.
    let project = tempfile::tempdir().unwrap();
    let folder = project.path().join("resize");
    let mut first = unpack(&zip, &folder, false).expect("unpacked");
    first.sort_by_key(|u| format!("{u:?}"));
    assert_eq!(
        first,
        [
            Unpacked::Written("index.js".into()),
            Unpacked::Written("lib/util.js".into())
        ]
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("lib/util.js")).unwrap(),
        "module.exports = 2;\n"
    );
    std::fs::write(folder.join("index.js"), "// mine\n").unwrap();
    let mut second = unpack(&zip, &folder, false).expect("unpacked again");
    second.sort_by_key(|u| format!("{u:?}"));
    assert_eq!(
        second,
        [
            Unpacked::Kept("index.js".into()),
            Unpacked::Unchanged("lib/util.js".into())
        ]
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("index.js")).unwrap(),
        "// mine\n"
    );
    let third = unpack(&zip, &folder, true).expect("overwritten");
    assert!(third.contains(&Unpacked::Replaced("index.js".into())));
    assert_eq!(
        std::fs::read_to_string(folder.join("index.js")).unwrap(),
        "exports.handler = async () => 1;\n"
    );

    // An expired link says so, without its signature.
    let expired =
        functory_vault::Sensitive::new(format!("http://127.0.0.1:{port}/old.zip?{signature}"));
    let error = adapter
        .download_code(&expired)
        .await
        .expect_err("expired")
        .to_string();
    assert!(
        error.contains("HTTP 403") && error.contains("try the import again"),
        "{error}"
    );
    assert!(!error.contains(signature), "{error}");
}

#[test]
fn a_zip_with_an_entry_outside_its_folder_is_refused_before_anything_is_written() {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer.start_file("index.js", options).unwrap();
    writer.write_all(b"ok").unwrap();
    writer.start_file("../escape.js", options).unwrap();
    writer.write_all(b"bad").unwrap();
    let zip = writer.finish().unwrap().into_inner();
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("f");
    let error = crate::package::unpack(&zip, &folder, false).expect_err("refused");
    assert!(error.to_string().contains("`../escape.js`"), "{error}");
    assert!(!folder.exists());
    assert!(!dir.path().join("escape.js").exists());
}

/// moto accepts UpdateStage but keeps no route settings, so what the call sends is checked
/// here: a changed throttling goes out as the stage's default route settings of the API the
/// deploy found, and a stage deleted meanwhile fails naming the stage.
#[tokio::test]
async fn a_throttling_change_updates_the_stage_default_route_settings() {
    use aws_sdk_apigatewayv2::operation::update_stage::UpdateStageOutput;

    use super::http_api::{ApiSettings, ApiState, ApiStep};

    let updated = mock!(aws_sdk_apigatewayv2::Client::update_stage)
        .match_requests(|r| {
            let settings = r.default_route_settings();
            r.api_id() == Some("a1b2c3")
                && r.stage_name() == Some("$default")
                && settings.and_then(|s| s.throttling_burst_limit()) == Some(20)
                && settings.and_then(|s| s.throttling_rate_limit()) == Some(5.0)
        })
        .then_output(|| UpdateStageOutput::builder().stage_name("$default").build());
    // API Gateway's error answers have the same shape as Lambda's.
    let gone = mock!(aws_sdk_apigatewayv2::Client::update_stage).then_http_response(|| {
        lambda_error(
            404,
            "NotFoundException",
            "Invalid stage identifier specified",
        )
    });
    let settings = ApiSettings::new(
        "shop",
        "prod",
        &functory_core::manifest::HttpApi::default(),
        None,
        Some(functory_core::manifest::Throttling {
            burst_limit: 20,
            rate_limit: 5,
        }),
    );
    let mut state = ApiState {
        id: Some("a1b2c3".to_owned()),
        ..ApiState::default()
    };
    let alias = "arn:aws:lambda:us-east-1:123456789012:function:orders:prod";

    let mut adapter = adapter(&[]);
    adapter.apigateway = mock_client!(aws_sdk_apigatewayv2, RuleMode::Sequential, &[&updated]);
    adapter
        .apply_api_step(
            &ApiStep::UpdateStage,
            &settings,
            &mut state,
            "orders",
            alias,
            Some("prod"),
        )
        .await
        .expect("the stage is updated");
    assert_eq!(updated.num_calls(), 1);

    adapter.apigateway = mock_client!(aws_sdk_apigatewayv2, RuleMode::Sequential, &[&gone]);
    let error = adapter
        .apply_api_step(
            &ApiStep::UpdateStage,
            &settings,
            &mut state,
            "orders",
            alias,
            Some("prod"),
        )
        .await
        .expect_err("the stage is gone");
    assert!(
        error
            .to_string()
            .contains("API Gateway UpdateStage `$default`"),
        "{error}"
    );
}
