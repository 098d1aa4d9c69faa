//! Echoes the event with what the `lambda_runtime` context says; fails on request.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let (payload, context) = event.into_parts();
    if payload.get("fail").is_some() {
        return Err("the Rust function was asked to fail".into());
    }
    Ok(json!({
        "runtime": "rust",
        "echo": payload,
        "requestId": context.request_id,
        "arn": context.invoked_function_arn,
        "deadlineMs": context.deadline,
    }))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
